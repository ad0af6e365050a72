"""The send log: one row per reminder claimed, and what became of it."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from leadership.models import Person


class ReminderState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    MISSED = "missed", _("missed")


# The states a sweep may still send from (a failed one only while it has attempts left).
OPEN_STATES = [ReminderState.PENDING, ReminderState.FAILED]


class ReminderLog(models.Model):
    """One reminder to one person about one object, for one value of the watched date.

    The unique row is the claim: a reminder is inserted once, whoever finds it due and however
    often, and is sent only from its row. When the watched date changes (a term extended) the
    reminders for the new date are new rows; those for the old date are recorded as missed.
    """

    State = ReminderState

    kind = models.CharField(_("kind"), max_length=50)
    offset_days = models.SmallIntegerField(
        _("offset (days)"), help_text=_("Days from the watched date; negative: before it.")
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("object type")
    )
    # No foreign key: the object may be deleted, and the log must then say so (missed), not lose
    # its rows.
    object_id = models.BigIntegerField(_("object id"))
    # A deleted person's reminders go with them: they are personal data, and nothing may be sent
    # to someone who is gone.
    recipient = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("recipient")
    )
    reference_date = models.DateField(
        _("watched date"), help_text=_("The date the reminder was computed for.")
    )
    due_on = models.DateField(_("due on"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    error = models.TextField(_("error or reason"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    # The lease of the sweep sending this row now (services.py): until `leased_until`, no other
    # sweep takes it. A sweep that dies leaves its lease to run out; the row is then open again.
    # Apart from the state, so that pending and failed (with its attempts) mean what they did.
    claimed_by = models.CharField(_("claimed by (sweep)"), max_length=32, blank=True)
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("claimed"), auto_now_add=True)

    class Meta:
        ordering = ["-due_on", "-pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [
            # The sweep's open rows: few, among a history of sent ones that only grows.
            models.Index(
                fields=["due_on", "id"],
                condition=Q(state__in=OPEN_STATES),
                name="reminder_open_due_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "kind",
                    "content_type",
                    "object_id",
                    "recipient",
                    "offset_days",
                    "reference_date",
                ],
                name="reminder_once",
            ),
            models.CheckConstraint(
                condition=Q(state__in=ReminderState.values), name="reminder_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=ReminderState.SENT, sent_at__isnull=False)
                | (~Q(state=ReminderState.SENT) & Q(sent_at__isnull=True)),
                name="reminder_sent_when_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.offset_days:+d}d #{self.object_id} to {self.recipient_id}"
