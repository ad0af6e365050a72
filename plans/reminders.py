"""Reminders of the plans: a term's planned end, to its holder and the community's organisers.

Found by the reminders app's sweep (reminders/registry.py explains a kind). A term ended early
(`ended_on` set) has no more reminders: the holder stepped down and the seat is already open.
"""

from collections.abc import Collection, Iterator
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leadership.models import Membership, Person
from reminders.registry import Due, ReminderKind, Upcoming, register

from .models import Term
from .selectors import successor_started as successor_started_by

# 90, 30 and 7 days before the planned end; and on the end day itself, only if nobody has taken
# over by then (the holder holds over: see Term.status_on).
HOLDOVER = 0
OFFSETS = (-90, -30, -7, HOLDOVER)

# Terms read per query when finding due reminders: keeps memory flat however many fall due on
# one day (a bulk import of terms all ending on 31 December), in few round trips.
CHUNK_SIZE = 2000


def _find_due(start: date, end: date, today: date) -> Iterator[Due]:
    """The reminders of terms due on a day in [start, end]: two queries a chunk of terms."""
    # A reminder at `offset` is due on ends_on + offset: due in the window when ends_on is in
    # the window moved back by the offset.
    window = Q()
    for offset in OFFSETS:
        window |= Q(ends_on__range=(start - timedelta(days=offset), end - timedelta(days=offset)))
    terms = (
        Term.objects.filter(window, ended_on__isnull=True)
        .annotate(successor_started=successor_started_by(today))
        .order_by("pk")
        .values_list("pk", "ends_on", "person_id", "role__community_id", "successor_started")
    )
    after = 0
    while True:
        chunk = list(terms.filter(pk__gt=after)[:CHUNK_SIZE])
        if not chunk:
            return
        after = chunk[-1][0]
        organisers: dict[int, list[int]] = {}
        for community_id, person_id in Membership.objects.filter(
            community_id__in={row[3] for row in chunk}, role=Membership.Role.ORGANISER
        ).values_list("community_id", "person_id"):
            organisers.setdefault(community_id, []).append(person_id)
        for term_id, ends_on, holder_id, community_id, successor_started in chunk:
            recipients = dict.fromkeys([holder_id, *organisers.get(community_id, [])])
            for offset in OFFSETS:
                if offset == HOLDOVER and successor_started:
                    continue
                if start <= ends_on + timedelta(days=offset) <= end:
                    for recipient_id in recipients:
                        yield Due(term_id, ends_on, offset, recipient_id)


def _load(ids: Collection[int], today: date) -> dict[int, Term]:
    terms = (
        Term.objects.filter(pk__in=ids)
        .select_related("role__community", "person")
        .annotate(successor_started=successor_started_by(today))
    )
    return {term.pk: term for term in terms}


def _watched_date(term: Any, offset_days: int) -> date | None:
    if term.ended_on is not None:
        return None
    if offset_days == HOLDOVER and term.successor_started:
        return None
    ends_on: date = term.ends_on
    return ends_on


def _context(term: Term, recipient: Person, offset_days: int, today: date) -> dict[str, Any]:
    return {
        "term": term,
        "role": term.role,
        "community": term.role.community,
        "holder": term.person,
        "is_holder": recipient.pk == term.person_id,
        "holdover": offset_days == HOLDOVER,
        "ends_on": term.ends_on,
        "days_left": (term.ends_on - today).days,
    }


def _link(term: Term) -> str:
    return term.role.get_absolute_url()


def _describe(offset_days: int) -> str:
    if offset_days == HOLDOVER:
        return _("On the day the term ends, if nobody has taken over by then")
    days = -offset_days
    return ngettext(
        "%(days)s day before the term ends", "%(days)s days before the term ends", days
    ) % {"days": days}


def _upcoming(person: Person, today: date) -> Iterator[Upcoming]:
    """The reminders due after `today` about `person`'s own terms: one query."""
    terms = (
        Term.objects.filter(person=person, ended_on__isnull=True, ends_on__gt=today)
        .select_related("role__community")
        .annotate(
            # A successor planned to start by the end day: there will be no holdover.
            successor_planned=Exists(
                Term.objects.filter(
                    role=OuterRef("role"),
                    seat=OuterRef("seat"),
                    starts_on__gt=OuterRef("starts_on"),
                    starts_on__lte=OuterRef("ends_on"),
                )
            )
        )
    )
    for term in terms:
        for offset in OFFSETS:
            due_on = term.ends_on + timedelta(days=offset)
            if due_on <= today or (offset == HOLDOVER and term.successor_planned):
                continue
            yield Upcoming(
                due_on=due_on,
                offset_days=offset,
                reference_date=term.ends_on,
                subject=f"{term.role.title}, {term.role.community.name}",
                description=_describe(offset),
                link=term.role.get_absolute_url(),
            )


TERM_END = register(
    ReminderKind(
        key="term_end",
        model=Term,
        offsets=OFFSETS,
        find_due=_find_due,
        load=_load,
        watched_date=_watched_date,
        context=_context,
        link=_link,
        template="term_end",
        upcoming=_upcoming,
    )
)
