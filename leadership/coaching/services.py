"""Writes of coaching. Views, the admin, commands and tasks all come through here.

Lock order, everywhere: the coach's profile, then the engagement. The profile's row lock is what
keeps the caseload (`open_count` against `caseload_cap`) true under concurrent proposals; the
database's CHECK is the last line behind it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from leadership.models import Community, Language, Membership, Person, Region, Skill
from leadership.services import LeadershipError
from plans.selectors import terms_not_over

from .fragments import coaching_changed
from .models import (
    MAX_CASELOAD,
    MAX_QUIET_WEEKS,
    MAX_SESSION_MINUTES,
    OPEN_STATUSES,
    AssignmentStatus,
    CoachAssignment,
    CoachingNote,
    CoachingSession,
    CoachProfile,
    CoachRegion,
    PlanUnit,
)


class CoachingError(LeadershipError):
    """A coaching write refused for a reason the person can act on; the message is translated."""


# --- coaches


def coach_create(*, person: Person) -> CoachProfile:
    """Make `person` a coach (a coordinator's decision). Raises CoachingError if they are one."""
    try:
        with transaction.atomic():
            coach = CoachProfile.objects.create(person=person)
    except IntegrityError:
        raise CoachingError(_("%(person)s is already a coach.") % {"person": person}) from None
    if not person.open_to_coaching:
        person.open_to_coaching = True
        person.save(update_fields=["open_to_coaching"])
    return coach


COACH_FIELDS = ("caseload_cap", "availability", "accepting", "away_until", "approach")


def coach_update(
    *,
    coach: CoachProfile,
    data: dict[str, Any],
    languages: Iterable[Language],
    communities: Iterable[Community],
    skills: Iterable[Skill],
    regions: Iterable[str],
) -> CoachProfile:
    """Change a coach's profile. The cap cannot go below the engagements already open."""
    unknown = set(data) - set(COACH_FIELDS)
    if unknown:
        raise CoachingError(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    regions = sorted(set(regions))
    if any(region not in Region.values for region in regions):
        raise CoachingError(_("Unknown region."))
    cap = data.get("caseload_cap")
    if cap is not None and not 1 <= cap <= MAX_CASELOAD:
        raise CoachingError(
            _("The caseload must be between 1 and %(most)s.") % {"most": MAX_CASELOAD}
        )
    with transaction.atomic():
        current = CoachProfile.objects.select_for_update().get(pk=coach.pk)
        if cap is not None and cap < current.open_count:
            raise CoachingError(
                ngettext(
                    "You already have %(count)s open engagement: the caseload cannot be lower. "
                    "Complete or decline it first.",
                    "You already have %(count)s open engagements: the caseload cannot be lower. "
                    "Complete or decline one first.",
                    current.open_count,
                )
                % {"count": current.open_count}
            )
        for field, value in data.items():
            setattr(current, field, value)
        if data:
            current.save(update_fields=list(data))
        current.languages.set(list(languages))
        current.communities.set(list(communities))
        current.skills.set(list(skills))
        CoachRegion.objects.filter(coach=current).exclude(region__in=regions).delete()
        have = set(CoachRegion.objects.filter(coach=current).values_list("region", flat=True))
        CoachRegion.objects.bulk_create(
            [CoachRegion(coach=current, region=region) for region in regions if region not in have]
        )
        # bulk_create sends no signal: the cached suggestions read the regions.
        coaching_changed()
    return current


# --- conflicts of interest


def conflicted_coach_person_ids(*, community: Community, today: date) -> set[int]:
    """The people who hold a role in `community` (a term not yet ended) or organise it.

    A coach among them is never assigned inside it: they would coach the people they govern
    with.
    """
    holders = (
        terms_not_over(on=today)
        .filter(role__community=community)
        .values_list("person_id", flat=True)
    )
    organisers = Membership.objects.filter(
        community=community, role=Membership.Role.ORGANISER
    ).values_list("person_id", flat=True)
    return {*holders, *organisers}


# --- engagements


@dataclass(frozen=True)
class EngagementPlan:
    """What a coordinator asks of an engagement, whichever coach takes it."""

    community: Community
    coachee: Person | None  # None: the community's leadership team
    goals: str
    starts_on: date
    ends_on: date
    plan_unit: str = PlanUnit.SESSIONS
    planned_amount: int = 6
    quiet_weeks: int = 4
    skills: tuple[Skill, ...] = ()
    requested_by: Person | None = None
    request_reason: str = ""


def _check_text(*values: str) -> None:
    # Postgres cannot store a NUL character. The forms refuse it; a caller without one is told.
    if any("\x00" in value for value in values):
        raise CoachingError(_("Null characters are not allowed."))


def _check_plan(plan: EngagementPlan) -> None:
    _check_text(plan.goals, plan.request_reason)
    if not plan.goals.strip():
        raise CoachingError(_("Say what the engagement is for: its goals."))
    if plan.ends_on <= plan.starts_on:
        raise CoachingError(_("The planned end must be after the start."))
    if plan.plan_unit not in PlanUnit.values:
        raise CoachingError(_("Plan the engagement in sessions or in hours."))
    if not 1 <= plan.planned_amount <= 500:
        raise CoachingError(_("Plan between 1 and 500 sessions or hours."))
    if not 1 <= plan.quiet_weeks <= MAX_QUIET_WEEKS:
        raise CoachingError(
            _("The reminder after weeks without a session must be between 1 and %(most)s weeks.")
            % {"most": MAX_QUIET_WEEKS}
        )


def _check_coachee_side(plan: EngagementPlan) -> None:
    """Someone must be on the coachee's side: the leader a member of the community, or for a
    team engagement at least one organiser. Asked when proposing only: a leader who leaves the
    community later must not freeze every edit of an engagement already under way."""
    if plan.coachee is not None:
        if not Membership.objects.filter(person=plan.coachee, community=plan.community).exists():
            raise CoachingError(
                _("%(person)s is not a member of %(community)s.")
                % {"person": plan.coachee, "community": plan.community}
            )
    elif not Membership.objects.filter(
        community=plan.community, role=Membership.Role.ORGANISER
    ).exists():
        raise CoachingError(
            _(
                "%(community)s has no organisers: nobody would be coached. Propose the "
                "engagement to one of its leaders instead, or once it has organisers."
            )
            % {"community": plan.community}
        )


def _conflict_error(coach: CoachProfile, community: Community) -> CoachingError:
    return CoachingError(
        _(
            "%(coach)s holds a role in %(community)s: a coach is never assigned inside a "
            "community where they hold a role or organise."
        )
        % {"coach": coach.person, "community": community}
    )


# The constraints that keep one open engagement per leader, and per team, in each community.
_ONE_OPEN_CONSTRAINTS = frozenset(
    {"assignment_one_open_per_leader", "assignment_one_open_per_team"}
)


def _already_open(coach: CoachProfile, plan: "EngagementPlan") -> CoachingError:
    return CoachingError(
        _("%(coach)s already has an open engagement with %(coachee)s.")
        % {"coach": coach.person, "coachee": plan.coachee or plan.community}
    )


def _constraint_name(error: IntegrityError) -> str | None:
    """The name of the constraint that `error` broke, as psycopg reports it."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def assignment_propose(
    *, coach: CoachProfile, plan: EngagementPlan, by: Person | None, today: date
) -> CoachAssignment:
    """Propose an engagement to `coach`; it holds a place in their caseload until answered.

    Raises CoachingError when the coach is full, away or not accepting, holds a role in the
    community, is the coachee, or already has an open engagement with the same coachee.
    """
    _check_plan(plan)
    _check_coachee_side(plan)
    if plan.coachee is not None and plan.coachee.pk == coach.person_id:
        raise CoachingError(_("A coach cannot coach themselves."))
    # Asked first for a quick answer, and again under the lock below.
    if coach.person_id in conflicted_coach_person_ids(community=plan.community, today=today):
        raise _conflict_error(coach, plan.community)
    try:
        with transaction.atomic():
            current = CoachProfile.objects.select_for_update().get(pk=coach.pk)
            # Again under the coach's lock: a role or organiser's place given to the coach
            # since the first check must still stop the proposal. (A term or membership
            # written after this read is the coordinators' own conflict to notice; the lock
            # keeps the window to this transaction.)
            if current.person_id in conflicted_coach_person_ids(
                community=plan.community, today=today
            ):
                raise _conflict_error(coach, plan.community)
            if not current.accepting:
                raise CoachingError(
                    _("%(coach)s is not taking new engagements.") % {"coach": coach.person}
                )
            if current.is_away_on(today):
                raise CoachingError(
                    _("%(coach)s is away until %(day)s.")
                    % {"coach": coach.person, "day": current.away_until}
                )
            if current.open_count >= current.caseload_cap:
                raise CoachingError(
                    ngettext(
                        "%(coach)s's caseload is full (%(cap)s engagement).",
                        "%(coach)s's caseload is full (%(cap)s engagements).",
                        current.caseload_cap,
                    )
                    % {"coach": coach.person, "cap": current.caseload_cap}
                )
            # Under the coach's lock, so that the message is the same on every database (the
            # partial unique indexes stay the last line, below).
            same = CoachAssignment.objects.filter(coach=current, status__in=OPEN_STATUSES)
            same = (
                same.filter(coachee=plan.coachee)
                if plan.coachee is not None
                else same.filter(coachee__isnull=True, community=plan.community)
            )
            if same.exists():
                raise _already_open(coach, plan)
            assignment = CoachAssignment.objects.create(
                coach=current,
                coachee=plan.coachee,
                community=plan.community,
                goals=plan.goals.strip(),
                starts_on=plan.starts_on,
                ends_on=plan.ends_on,
                plan_unit=plan.plan_unit,
                planned_amount=plan.planned_amount,
                quiet_weeks=plan.quiet_weeks,
                requested_by=plan.requested_by,
                request_reason=plan.request_reason.strip(),
                created_by=by,
            )
            assignment.skills.set(plan.skills)
            CoachProfile.objects.filter(pk=current.pk).update(open_count=F("open_count") + 1)
    except IntegrityError as error:
        if _constraint_name(error) in _ONE_OPEN_CONSTRAINTS:
            raise _already_open(coach, plan) from None
        raise CoachingError(
            _("The engagement could not be saved: something changed meanwhile. Try again.")
        ) from error
    return assignment


def _locked(assignment: CoachAssignment, *allowed: str) -> tuple[CoachProfile, CoachAssignment]:
    """The coach's profile and the engagement, locked in that order; refused unless the
    engagement is in one of the `allowed` statuses."""
    coach = CoachProfile.objects.select_for_update().get(pk=assignment.coach_id)
    current = CoachAssignment.objects.select_for_update().get(pk=assignment.pk)
    if current.status not in allowed:
        raise CoachingError(
            _("This engagement is %(status)s: that cannot be done now.")
            % {"status": current.get_status_display().lower()}
        )
    return coach, current


def _close(
    coach: CoachProfile, assignment: CoachAssignment, status: str, today: date, **fields: Any
) -> None:
    assignment.status = status
    assignment.ended_on = today
    for field, value in fields.items():
        setattr(assignment, field, value)
    assignment.save(update_fields=["status", "ended_on", *fields])
    CoachProfile.objects.filter(pk=coach.pk).update(open_count=F("open_count") - 1)


def assignment_accept(*, assignment: CoachAssignment, now: datetime) -> CoachAssignment:
    """The coach takes the engagement on: it becomes active. Accepting twice is harmless."""
    with transaction.atomic():
        _coach, current = _locked(assignment, AssignmentStatus.PROPOSED, AssignmentStatus.ACTIVE)
        if current.status == AssignmentStatus.ACTIVE:
            return current
        current.status = AssignmentStatus.ACTIVE
        current.responded_at = now
        current.save(update_fields=["status", "responded_at"])
    return current


@sensitive_variables("reason")
def assignment_decline(
    *, assignment: CoachAssignment, reason: str, now: datetime
) -> CoachAssignment:
    """The coach declines a proposal: the place in their caseload is freed."""
    with transaction.atomic():
        coach, current = _locked(assignment, AssignmentStatus.PROPOSED)
        _close(
            coach,
            current,
            AssignmentStatus.DECLINED,
            timezone.localdate(now),
            responded_at=now,
            decline_reason=reason.strip()[:500],
        )
    return current


def assignment_withdraw(*, assignment: CoachAssignment, today: date) -> CoachAssignment:
    """A coordinator withdraws a proposal the coach has not answered."""
    with transaction.atomic():
        coach, current = _locked(assignment, AssignmentStatus.PROPOSED)
        _close(coach, current, AssignmentStatus.WITHDRAWN, today)
    return current


def assignment_pause(*, assignment: CoachAssignment) -> CoachAssignment:
    """Pause an active engagement (it keeps its place in the caseload; no quiet reminders)."""
    with transaction.atomic():
        _coach, current = _locked(assignment, AssignmentStatus.ACTIVE)
        current.status = AssignmentStatus.PAUSED
        current.save(update_fields=["status"])
    return current


def assignment_resume(*, assignment: CoachAssignment, today: date) -> CoachAssignment:
    """Resume a paused engagement; the weeks without a session count from today."""
    with transaction.atomic():
        _coach, current = _locked(assignment, AssignmentStatus.PAUSED)
        current.status = AssignmentStatus.ACTIVE
        current.resumed_on = today
        current.save(update_fields=["status", "resumed_on"])
    return current


@sensitive_variables("note")
def assignment_complete(*, assignment: CoachAssignment, note: str, today: date) -> CoachAssignment:
    """Close an active or paused engagement; the place in the caseload is freed."""
    with transaction.atomic():
        coach, current = _locked(assignment, AssignmentStatus.ACTIVE, AssignmentStatus.PAUSED)
        _close(coach, current, AssignmentStatus.COMPLETED, today, end_note=note.strip()[:2000])
    return current


ASSIGNMENT_FIELDS = ("goals", "ends_on", "plan_unit", "planned_amount", "quiet_weeks")


def assignment_update(
    *, assignment: CoachAssignment, data: dict[str, Any], skills: Iterable[Skill], today: date
) -> CoachAssignment:
    """Change an open engagement's goals, planned end, plan or reminder weeks. A planned end
    moved into the past is refused: an engagement that is over is completed instead."""
    unknown = set(data) - set(ASSIGNMENT_FIELDS)
    if unknown:
        raise CoachingError(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    if isinstance(data.get("goals"), str):
        # Stored trimmed, as assignment_propose stores them.
        data = {**data, "goals": data["goals"].strip()}
    with transaction.atomic():
        _coach, current = _locked(assignment, *OPEN_STATUSES)
        moved_end = "ends_on" in data and data["ends_on"] != current.ends_on
        if moved_end and data["ends_on"] < today:
            raise CoachingError(
                _("The planned end cannot be in the past: complete the engagement instead.")
            )
        for field, value in data.items():
            setattr(current, field, value)
        _check_plan(
            EngagementPlan(
                community=current.community,
                coachee=current.coachee,
                goals=current.goals,
                starts_on=current.starts_on,
                ends_on=current.ends_on,
                plan_unit=current.plan_unit,
                planned_amount=current.planned_amount,
                quiet_weeks=current.quiet_weeks,
            )
        )
        if data:
            current.save(update_fields=list(data))
        current.skills.set(list(skills))
    return current


# --- sessions


def _check_session(
    assignment: CoachAssignment,
    happened_on: date,
    duration_minutes: int,
    today: date,
    *texts: str,
) -> None:
    _check_text(*texts)
    if happened_on > today:
        raise CoachingError(_("Log a session once it has happened: the date is in the future."))
    if happened_on < assignment.starts_on:
        raise CoachingError(
            _("The engagement starts on %(day)s: the session cannot be before it.")
            % {"day": assignment.starts_on}
        )
    if not 1 <= duration_minutes <= MAX_SESSION_MINUTES:
        raise CoachingError(
            _("A session lasts between 1 and %(most)s minutes.") % {"most": MAX_SESSION_MINUTES}
        )


@sensitive_variables("text")
def _save_note(session: CoachingSession, text: str) -> None:
    text = text.strip()
    if text:
        CoachingNote.objects.update_or_create(session=session, defaults={"text": text})
    else:
        # Cleared: erased, not kept empty.
        CoachingNote.objects.filter(session=session).delete()


def _refresh_last_session(assignment_id: int) -> None:
    """The engagement's last session's day, from its sessions (the quiet clock takes the later
    of it and the last resume: a session logged late from before a pause never turns it back).
    update(), not save(): no history row for a field the history leaves out."""
    last = CoachingSession.objects.filter(assignment_id=assignment_id).aggregate(
        last=Max("happened_on")
    )["last"]
    CoachAssignment.objects.filter(pk=assignment_id).update(last_session_on=last)


@sensitive_variables("summary", "private_notes")
def session_log(
    *,
    assignment: CoachAssignment,
    happened_on: date,
    duration_minutes: int,
    summary: str,
    private_notes: str,
    today: date,
) -> CoachingSession:
    """The coach logs a session of an active engagement, with a summary for the coachee and
    private notes for themselves."""
    with transaction.atomic():
        _coach, current = _locked(assignment, AssignmentStatus.ACTIVE)
        _check_session(current, happened_on, duration_minutes, today, summary, private_notes)
        session = CoachingSession.objects.create(
            assignment=current,
            happened_on=happened_on,
            duration_minutes=duration_minutes,
            summary=summary.strip(),
        )
        _save_note(session, private_notes)
        _refresh_last_session(current.pk)
    return session


@sensitive_variables("summary", "private_notes", "current")
def session_update(
    *,
    session: CoachingSession,
    happened_on: date,
    duration_minutes: int,
    summary: str,
    private_notes: str,
    today: date,
) -> CoachingSession:
    """The coach corrects a session of an engagement still open; empty notes erase them."""
    with transaction.atomic():
        _coach, assignment = _locked(session.assignment, *OPEN_STATUSES)
        _check_session(assignment, happened_on, duration_minutes, today, summary, private_notes)
        current = CoachingSession.objects.select_for_update().get(pk=session.pk)
        current.happened_on = happened_on
        current.duration_minutes = duration_minutes
        current.summary = summary.strip()
        current.save(update_fields=["happened_on", "duration_minutes", "summary", "updated_at"])
        _save_note(current, private_notes)
        _refresh_last_session(assignment.pk)
    return current


def session_delete(*, session: CoachingSession) -> None:
    """The coach removes a session logged by mistake (with its notes)."""
    with transaction.atomic():
        _coach, assignment = _locked(session.assignment, *OPEN_STATUSES)
        CoachingSession.objects.filter(pk=session.pk).delete()
        _refresh_last_session(assignment.pk)


def note_erase(*, session: CoachingSession) -> None:
    """The coach erases their private notes on a session, whatever the engagement's status."""
    CoachingNote.objects.filter(session=session).delete()
