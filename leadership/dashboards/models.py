"""A dashboard's figures for one scope, as last computed. See leadership/dashboards/__init__.py."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    COMMUNITY = "community", _("Community")
    REGION = "region", _("Region")
    MOVEMENT = "movement", _("Movement")


class DashboardSnapshot(models.Model):
    """The figures of one scope: a community (key: its id), a region (its code) or the movement
    ("all"). Only published figures are kept: representation is already suppressed and rounded.
    """

    Level = Level

    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    key = models.CharField(_("scope"), max_length=20)
    as_of = models.DateField(_("figures for"))
    computed_at = models.DateTimeField(_("computed at"))
    seconds = models.FloatField(_("seconds to compute the level"), default=0)
    data = models.JSONField(_("figures"))

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["level", "key"], name="dashboard_snapshot_unique"),
            models.CheckConstraint(
                condition=Q(level__in=Level.values), name="dashboard_snapshot_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.key} as of {self.as_of}"
