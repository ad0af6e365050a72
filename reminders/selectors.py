"""Reads of reminders shared by pages and the admin."""

from datetime import date, datetime

from django.utils import timezone

from leadership.models import Person

from . import registry
from .registry import Upcoming


def reminder_today(now: datetime | None = None) -> date:
    """The day reminders are due on at `now`: a UTC day (settings.TIME_ZONE), everywhere alike."""
    return timezone.localdate(now or timezone.now(), timezone.get_default_timezone())


def upcoming_reminders(*, person: Person, today: date) -> list[Upcoming]:
    """The reminders `person` will receive after `today` about their own objects, soonest first.

    Computed from the watched dates, not read from the send log: nothing is claimed before its
    day. Each kind costs its own queries (terms: one), whatever the number of objects.
    """
    found = [
        upcoming
        for kind in registry.kinds()
        if kind.upcoming is not None
        for upcoming in kind.upcoming(person, today)
    ]
    return sorted(found, key=lambda u: (u.due_on, u.subject, u.offset_days))
