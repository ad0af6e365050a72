"""The kinds of reminder, registered in code by each app's `reminders.py` (as models in admin.py).

A kind watches a date on an object (a term's end; later a session's start) and says, in bulk, which
reminders fall due in a window of days and to whom. The engine (services.py) claims each one once
in the send log and sends it; the kind also renders what is sent and re-checks, just before
sending, that the object still has the date the reminder was computed for.
"""

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Model

from leadership.models import Person


@dataclass(frozen=True)
class Due:
    """One reminder that falls due: `offset_days` from `reference_date` (the watched date)."""

    object_id: int
    reference_date: date
    offset_days: int
    recipient_id: int

    @property
    def due_on(self) -> date:
        return self.reference_date + timedelta(days=self.offset_days)


@dataclass(frozen=True)
class Upcoming:
    """A reminder that a person will receive about something of theirs, after today."""

    due_on: date
    offset_days: int
    reference_date: date
    subject: str  # what it is about, e.g. "Treasurer, Wikimedia Testland"
    description: str  # when, e.g. "30 days before the term ends"
    link: str  # the object's page (a path)


@dataclass(frozen=True)
class ReminderKind:
    """What one kind of reminder watches, when it falls due, to whom it goes and what it says.

    `key` is stored in the send log: never rename one that has been used.
    `offsets`: days relative to the watched date (negative: before it).
    `find_due(start, end, today)`: every reminder due on a day in [start, end], given what is
        true on `today`, in bulk (a few queries whatever the number).
    `load(ids, today)`: the objects still there, by id, with what `watched_date`, `context`
        and `link` read already loaded; a missing id is an object that is gone.
    `watched_date(obj, offset_days)`: the date the reminder at that offset watches now, or None
        when it no longer applies (a term ended early, a successor took over).
    `context(obj, recipient, offset_days, today)`: the email templates' variables.
    `link(obj)`: the object's page, a path (the engine makes it absolute).
    `template`: the emails are reminders/email/<template>_subject.txt, <template>.txt and
        <template>.html, rendered in the recipient's language.
    `upcoming(person, today)`: the reminders `person` will receive about their own objects.
    """

    key: str
    model: type[Model]
    offsets: tuple[int, ...]
    find_due: Callable[[date, date, date], Iterable[Due]]
    load: Callable[[Collection[int], date], Mapping[int, Any]]
    watched_date: Callable[[Any, int], date | None]
    context: Callable[[Any, Person, int, date], dict[str, Any]]
    link: Callable[[Any], str]
    template: str
    upcoming: Callable[[Person, date], Iterable[Upcoming]] | None = None


def utc_day(moment: datetime) -> date:
    """The sweep's day of `moment` (the sweep counts days in UTC)."""
    return moment.astimezone(UTC).date()


def pk_chunks(rows: Any, size: int) -> Iterator[list[Any]]:
    """`rows` (a values_list starting with the pk, ordered by pk) `size` at a time, by keyset:
    memory stays flat however many fall due."""
    after = 0
    while True:
        chunk = list(rows.filter(pk__gt=after)[:size])
        if not chunk:
            return
        after = chunk[-1][0]
        yield chunk


_kinds: dict[str, ReminderKind] = {}


def register(kind: ReminderKind) -> ReminderKind:
    """Make `kind` known to the sweep; a second kind with the same key is a mistake."""
    if kind.key in _kinds:
        raise ValueError(f"A reminder kind {kind.key!r} is already registered.")
    _kinds[kind.key] = kind
    return kind


def kinds() -> list[ReminderKind]:
    return list(_kinds.values())


def get(key: str) -> ReminderKind | None:
    return _kinds.get(key)
