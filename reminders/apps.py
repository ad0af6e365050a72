from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app registers its kinds of reminder in its own `reminders.py` (plans: term ends),
        # as each app registers its models in `admin.py`.
        autodiscover_modules("reminders")
