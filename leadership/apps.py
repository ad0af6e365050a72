from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadershipConfig(AppConfig):
    name = "leadership"
    verbose_name = _("Communities and people")

    def ready(self) -> None:
        from . import fragments  # noqa: F401  (its receivers renew cached fragments' versions)
        from .coaching import fragments as coaching_fragments  # noqa: F401  (the same, coaching)
