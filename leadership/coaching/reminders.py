"""Reminders of coaching, sent by the reminders app's sweep (reminders/registry.py).

- `coaching_proposed`: the day an engagement is proposed (its `created_at`'s UTC day), to the
  coach, while it is still proposed: nobody is left waiting on a proposal the coach never saw.
- `coaching_quiet`: an active engagement with no session for its `quiet_weeks`, counted from the
  last session (or the start, before any), to the coach. A new session moves the watched date,
  re-arming it, as mentoring's `relationship_quiet` does. Paused and closed engagements: none.
- `coaching_ending`: 14 days before the planned end of an active or paused engagement, to the
  coach and to the coachee (for a team engagement, the community's organisers).

What was said never reaches an email: the context holds the engagement, its people and its
dates, never a session's summary nor a private note (neither is loaded at all).

Days are the sweep's days (UTC, reminders.selectors.reminder_today).
"""

from collections.abc import Collection, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from leadership.models import Membership, Person
from reminders.registry import Due, ReminderKind, pk_chunks, register
from reminders.registry import utc_day as _utc_day

from .models import RUNNING_STATUSES, AssignmentStatus, CoachAssignment, quiet_clock_from

# Engagements read per query by a sweep: a few megabytes of rows at most, whatever the total.
CHUNK_SIZE = 2000
ENDING_DAYS = 14


def _load(ids: Collection[int], today: date) -> dict[int, CoachAssignment]:
    # Never a session or a note: nothing of what was said is read to write a reminder.
    rows = CoachAssignment.objects.filter(pk__in=ids).select_related(
        "coach__person", "coachee", "community"
    )
    return {assignment.pk: assignment for assignment in rows}


def _link(assignment: CoachAssignment) -> str:
    return assignment.get_absolute_url()


def _context(
    assignment: CoachAssignment, recipient: Person, offset_days: int, today: date
) -> dict[str, Any]:
    is_coach = recipient.pk == assignment.coach.person_id
    return {
        "assignment": assignment,
        "coach": assignment.coach.person,
        "coachee_label": assignment.coachee_label,
        "community": assignment.community,
        "is_coach": is_coach,
        "is_team": assignment.is_team,
        "starts_on": assignment.starts_on,
        "ends_on": assignment.ends_on,
        "last_session_on": assignment.last_session_on,
        "resumed_on": assignment.resumed_on,
        "quiet_since": assignment.quiet_clock_from(),
        "weeks": assignment.quiet_weeks,
    }


# --- proposed


def _proposed_find_due(start: date, end: date, today: date) -> Iterator[Due]:
    # created_at from the start of `start`'s UTC day: older proposals are due before the window.
    rows = (
        CoachAssignment.objects.filter(
            status=AssignmentStatus.PROPOSED,
            created_at__gte=datetime.combine(start, datetime.min.time(), tzinfo=UTC),
        )
        .order_by("pk")
        .values_list("pk", "created_at", "coach__person_id")
    )
    for chunk in pk_chunks(rows, CHUNK_SIZE):
        for pk, created_at, coach_person_id in chunk:
            reference = _utc_day(created_at)
            if start <= reference <= end:
                yield Due(pk, reference, 0, coach_person_id)


def _proposed_watched(assignment: Any, offset_days: int) -> date | None:
    if assignment.status != AssignmentStatus.PROPOSED:
        return None
    return _utc_day(assignment.created_at)


COACHING_PROPOSED = register(
    ReminderKind(
        key="coaching_proposed",
        model=CoachAssignment,
        offsets=(0,),
        find_due=_proposed_find_due,
        load=_load,
        watched_date=_proposed_watched,
        context=_context,
        link=_link,
        template="coaching_proposed",
    )
)


# --- quiet


def _quiet_find_due(start: date, end: date, today: date) -> Iterator[Due]:
    # The partial index assignment_quiet_idx holds exactly the active engagements.
    rows = (
        CoachAssignment.objects.filter(status=AssignmentStatus.ACTIVE)
        .order_by("pk")
        .values_list(
            "pk", "last_session_on", "resumed_on", "starts_on", "quiet_weeks", "coach__person_id"
        )
    )
    for chunk in pk_chunks(rows, CHUNK_SIZE):
        for pk, last_session_on, resumed_on, starts_on, weeks, coach_person_id in chunk:
            clock = quiet_clock_from(starts_on, last_session_on, resumed_on)
            reference = clock + timedelta(weeks=weeks)
            if start <= reference <= end:
                yield Due(pk, reference, 0, coach_person_id)


def _quiet_watched(assignment: Any, offset_days: int) -> date | None:
    if assignment.status != AssignmentStatus.ACTIVE:
        return None
    quiet_on: date = assignment.quiet_on()
    return quiet_on


COACHING_QUIET = register(
    ReminderKind(
        key="coaching_quiet",
        model=CoachAssignment,
        offsets=(0,),
        find_due=_quiet_find_due,
        load=_load,
        watched_date=_quiet_watched,
        context=_context,
        link=_link,
        template="coaching_quiet",
    )
)


# --- ending


def _ending_find_due(start: date, end: date, today: date) -> Iterator[Due]:
    rows = (
        CoachAssignment.objects.filter(
            status__in=RUNNING_STATUSES,
            ends_on__gte=start + timedelta(days=ENDING_DAYS),
            ends_on__lte=end + timedelta(days=ENDING_DAYS),
        )
        .order_by("pk")
        .values_list("pk", "ends_on", "coach__person_id", "coachee_id", "community_id")
    )
    for chunk in pk_chunks(rows, CHUNK_SIZE):
        # A team engagement goes to its community's organisers: one query for the chunk's.
        team_communities = {
            community_id for *_r, coachee_id, community_id in chunk if not coachee_id
        }
        organisers: dict[int, list[int]] = {}
        if team_communities:
            for person_id, community_id in (
                Membership.objects.filter(
                    community_id__in=team_communities, role=Membership.Role.ORGANISER
                )
                .order_by("person_id")
                .values_list("person_id", "community_id")
            ):
                organisers.setdefault(community_id, []).append(person_id)
        for pk, ends_on, coach_person_id, coachee_id, community_id in chunk:
            coachees = [coachee_id] if coachee_id else organisers.get(community_id, [])
            # dict.fromkeys: the coach once, even if they were also on the other side.
            for person_id in dict.fromkeys([coach_person_id, *coachees]):
                yield Due(pk, ends_on, -ENDING_DAYS, person_id)


def _ending_watched(assignment: Any, offset_days: int) -> date | None:
    if assignment.status not in RUNNING_STATUSES:
        return None
    ends_on: date = assignment.ends_on
    return ends_on


COACHING_ENDING = register(
    ReminderKind(
        key="coaching_ending",
        model=CoachAssignment,
        offsets=(-ENDING_DAYS,),
        find_due=_ending_find_due,
        load=_load,
        watched_date=_ending_watched,
        context=_context,
        link=_link,
        template="coaching_ending",
    )
)
