"""Reminders of mentoring, sent by the reminders app's sweep (reminders/registry.py).

- `proposal_new`: the day a proposal is published, to its mentor ("publishing notifies mentors").
- `proposal_halfway` and `proposal_last_day`: half-way to the deadline, and the day before it,
  while the proposal is still unanswered.
- `relationship_quiet`: an active relationship without a check-in for the programme's
  `quiet_weeks`, to both of the pair. A new check-in moves the watched date, re-arming it.

Days are the sweep's days (UTC, reminders.selectors.reminder_today). A proposal answered, expired
or cancelled has no more reminders (`watched_date` returns None).
"""

from collections.abc import Collection, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from leadership.models import Person
from reminders.registry import Due, ReminderKind, register
from reminders.registry import utc_day as _utc_day

from .models import Proposal, ProposalStatus, Relationship, RelationshipStatus

CHUNK_SIZE = 2000


def _new_on(proposal: Any) -> date | None:
    return _utc_day(proposal.published_at)


def _halfway_on(proposal: Any) -> date | None:
    day = _utc_day(proposal.halfway_at)
    # A deadline a day or two away: the "last day" reminder says it all.
    if day <= _utc_day(proposal.published_at) or day >= _last_day_ref(proposal) - timedelta(days=1):
        return None
    return day


def _last_day_ref(proposal: Any) -> date:
    return _utc_day(proposal.respond_by)


def _last_day_on(proposal: Any) -> date | None:
    ref = _last_day_ref(proposal)
    if ref - timedelta(days=1) <= _utc_day(proposal.published_at):
        return None
    return ref


def _open_proposals(start: date) -> Iterator[list[Proposal]]:
    """Proposals awaiting an answer whose deadline is not before `start`, in chunks."""
    rows = (
        Proposal.objects.filter(
            status=ProposalStatus.PROPOSED,
            respond_by__gte=datetime.combine(start, datetime.min.time(), tzinfo=UTC),
        )
        .select_related("offer")
        .only("pk", "published_at", "respond_by", "offer__person_id", "status")
        .order_by("pk")
    )
    after = 0
    while True:
        chunk = list(rows.filter(pk__gt=after)[:CHUNK_SIZE])
        if not chunk:
            return
        after = chunk[-1].pk
        yield chunk


def _proposal_kind(key: str, watched: Any, offset: int) -> ReminderKind:
    def find_due(start: date, end: date, today: date) -> Iterator[Due]:
        for chunk in _open_proposals(start):
            for proposal in chunk:
                reference = watched(proposal)
                if reference is not None and start <= reference + timedelta(days=offset) <= end:
                    yield Due(proposal.pk, reference, offset, proposal.offer.person_id)

    def load(ids: Collection[int], today: date) -> dict[int, Proposal]:
        proposals = Proposal.objects.filter(pk__in=ids).select_related(
            "programme", "offer__person", "application__person"
        )
        return {p.pk: p for p in proposals}

    def watched_date(proposal: Any, offset_days: int) -> date | None:
        if proposal.status != ProposalStatus.PROPOSED:
            return None
        reference: date | None = watched(proposal)
        return reference

    def context(
        proposal: Proposal, recipient: Person, offset_days: int, today: date
    ) -> dict[str, Any]:
        return {
            "proposal": proposal,
            "programme": proposal.programme,
            "mentee": proposal.application.person,
            "respond_by": proposal.respond_by,
            "last_day": key == "proposal_last_day",
            "new": key == "proposal_new",
        }

    return register(
        ReminderKind(
            key=key,
            model=Proposal,
            offsets=(offset,),
            find_due=find_due,
            load=load,
            watched_date=watched_date,
            context=context,
            link=lambda proposal: proposal.get_absolute_url(),
            template="proposal",
        )
    )


PROPOSAL_NEW = _proposal_kind("proposal_new", _new_on, 0)
PROPOSAL_HALFWAY = _proposal_kind("proposal_halfway", _halfway_on, 0)
PROPOSAL_LAST_DAY = _proposal_kind("proposal_last_day", _last_day_on, -1)


def _quiet_on(relationship: Any) -> date:
    weeks: int = relationship.programme.quiet_weeks
    last: date = relationship.last_activity_on
    return last + timedelta(weeks=weeks)


def _quiet_find_due(start: date, end: date, today: date) -> Iterator[Due]:
    rows = (
        Relationship.objects.filter(status=RelationshipStatus.ACTIVE)
        .order_by("pk")
        .values_list(
            "pk",
            "last_activity_on",
            "programme__quiet_weeks",
            "offer__person_id",
            "application__person_id",
        )
    )
    after = 0
    while True:
        chunk = list(rows.filter(pk__gt=after)[:CHUNK_SIZE])
        if not chunk:
            return
        after = chunk[-1][0]
        for pk, last, weeks, mentor_id, mentee_id in chunk:
            reference = last + timedelta(weeks=weeks)
            if start <= reference <= end:
                yield Due(pk, reference, 0, mentor_id)
                yield Due(pk, reference, 0, mentee_id)


def _quiet_load(ids: Collection[int], today: date) -> dict[int, Relationship]:
    rows = Relationship.objects.filter(pk__in=ids).select_related(
        "programme", "offer__person", "application__person"
    )
    return {r.pk: r for r in rows}


def _quiet_watched(relationship: Any, offset_days: int) -> date | None:
    if relationship.status != RelationshipStatus.ACTIVE:
        return None
    return _quiet_on(relationship)


def _quiet_context(
    relationship: Relationship, recipient: Person, offset_days: int, today: date
) -> dict[str, Any]:
    is_mentor = recipient.pk == relationship.offer.person_id
    return {
        "relationship": relationship,
        "programme": relationship.programme,
        "other": relationship.application.person if is_mentor else relationship.offer.person,
        "is_mentor": is_mentor,
        "last_activity_on": relationship.last_activity_on,
        "weeks": relationship.programme.quiet_weeks,
    }


RELATIONSHIP_QUIET = register(
    ReminderKind(
        key="relationship_quiet",
        model=Relationship,
        offsets=(0,),
        find_due=_quiet_find_due,
        load=_quiet_load,
        watched_date=_quiet_watched,
        context=_quiet_context,
        link=lambda relationship: relationship.get_absolute_url(),
        template="relationship_quiet",
    )
)
