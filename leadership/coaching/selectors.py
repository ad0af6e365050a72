"""Reads of coaching, with their joins and access checks inside.

What was said stays with those it was said to: `assignment_sessions` loads summaries only for a
viewer allowed them, and `session_notes_for_coach` is the one reader of private notes.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404

from leadership.models import Person
from leadership.pagination import KeysetPage, keyset_paginate
from leadership.rules import may, organised_community_ids, person_id_of

from .models import (
    OPEN_STATUSES,
    AssignmentStatus,
    CoachAssignment,
    CoachingNote,
    CoachingSession,
    CoachProfile,
    CoachRegion,
    PlanUnit,
)


def coach_for_person(*, person: Person | None) -> CoachProfile | None:
    if person is None:
        return None
    return CoachProfile.objects.filter(person=person).first()


def coach_get(*, user: Any, pk: int) -> CoachProfile:
    """A coach's profile for its coach or a coordinator; 404 for anyone else."""
    coach = get_object_or_404(
        CoachProfile.objects.select_related("person").prefetch_related(
            "languages", "communities", "skills", "coach_regions"
        ),
        pk=pk,
    )
    if not may(user, "coaching.view_coach", coach):
        raise Http404
    return coach


def coaches_page(
    *, cursor: str | None, today: date, accepting_only: bool = False, region: str = ""
) -> KeysetPage[CoachProfile]:
    """Coaches by name, a page at a time (the coordinators' list)."""
    qs = CoachProfile.objects.select_related("person").prefetch_related(
        "coach_regions", "languages"
    )
    if accepting_only:
        # Away today counts as not accepting (is_away_on: away while away_until is after today).
        qs = qs.filter(accepting=True, open_count__lt=F("caseload_cap")).filter(
            Q(away_until__isnull=True) | Q(away_until__lte=today)
        )
    if region:
        # A subquery, not a join: one coach appears once, whatever else they serve.
        qs = qs.filter(pk__in=CoachRegion.objects.filter(region=region).values("coach_id"))
    return keyset_paginate(
        qs,
        fields=["person__display_name", "pk"],
        cursor=cursor,
        size=settings.PATHWAYS_PAGE_SIZE,
    )


_ASSIGNMENT_RELATED = ("coach__person", "coachee", "community")


def assignment_get(*, user: Any, pk: int) -> CoachAssignment:
    """An engagement for its coach, its coachee (or the team's organisers) and coordinators;
    404 for anyone else."""
    assignment = get_object_or_404(
        CoachAssignment.objects.select_related(*_ASSIGNMENT_RELATED, "requested_by"), pk=pk
    )
    if not may(user, "coaching.view_assignment", assignment):
        raise Http404
    return assignment


def session_get(*, user: Any, pk: int) -> CoachingSession:
    """A session for the coach of its engagement (the only one who edits it); 404 otherwise."""
    session = get_object_or_404(
        CoachingSession.objects.select_related(
            "assignment__coach__person", "assignment__coachee", "assignment__community"
        ),
        pk=pk,
    )
    if session.assignment.coach.person_id != person_id_of(user):
        raise Http404
    return session


def assignments_page(
    *,
    cursor: str | None,
    status: str = "",
    community_id: int | None = None,
    coach_id: int | None = None,
) -> KeysetPage[CoachAssignment]:
    """Every engagement, newest first, filtered (the coordinators' list)."""
    qs = CoachAssignment.objects.select_related(*_ASSIGNMENT_RELATED)
    if status:
        qs = qs.filter(status=status)
    if community_id:
        qs = qs.filter(community_id=community_id)
    if coach_id:
        qs = qs.filter(coach_id=coach_id)
    return keyset_paginate(
        qs, fields=["-starts_on", "-pk"], cursor=cursor, size=settings.PATHWAYS_PAGE_SIZE
    )


def assignments_as_coach(*, person: Person) -> list[CoachAssignment]:
    """The coach's engagements: open ones first (proposals to answer at the top), then the
    closed ones of the last year."""
    return list(
        CoachAssignment.objects.filter(coach__person=person)
        .select_related("coachee", "community")
        .order_by(_open_first(), "-starts_on", "-pk")[:200]
    )


def assignments_as_coachee(*, user: Any) -> list[CoachAssignment]:
    """The engagements the user is coached in: as the leader, or as an organiser of a team
    engagement's community. Proposals are not shown until the coach has accepted."""
    person_id = person_id_of(user)
    return list(
        CoachAssignment.objects.filter(
            Q(coachee_id=person_id)
            | Q(coachee__isnull=True, community_id__in=organised_community_ids(user))
        )
        .exclude(
            status__in=[
                AssignmentStatus.PROPOSED,
                AssignmentStatus.WITHDRAWN,
                AssignmentStatus.DECLINED,
            ]
        )
        .select_related("coach__person", "community", "coachee")
        .order_by(_open_first(), "-starts_on", "-pk")[:200]
    )


def _open_first() -> Any:
    return Case(
        When(status=AssignmentStatus.PROPOSED, then=Value(0)),
        When(status__in=OPEN_STATUSES, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


@dataclass
class SessionRow:
    """A session as the engagement's page shows it. Plain values, not a model: nothing on it can
    load a summary behind the selector's back (a deferred field would, on first touch)."""

    pk: int
    happened_on: date
    duration_minutes: int
    summary: str  # "" for a viewer not allowed summaries: never read for them
    coach_note: str = ""  # set by the view, for the coach alone


def assignment_sessions(
    *, assignment: CoachAssignment, with_summaries: bool, limit: int
) -> list[SessionRow]:
    """The engagement's latest `limit` sessions, newest first; their summaries only if allowed
    (otherwise not even read from the database)."""
    qs = CoachingSession.objects.filter(assignment=assignment).order_by("-happened_on", "-pk")
    if with_summaries:
        return [
            SessionRow(pk=pk, happened_on=day, duration_minutes=minutes, summary=summary)
            for pk, day, minutes, summary in qs.values_list(
                "pk", "happened_on", "duration_minutes", "summary"
            )[:limit]
        ]
    return [
        SessionRow(pk=pk, happened_on=day, duration_minutes=minutes, summary="")
        for pk, day, minutes in qs.values_list("pk", "happened_on", "duration_minutes")[:limit]
    ]


def session_notes_for_coach(*, assignment: CoachAssignment, user: Any) -> dict[int, str]:
    """{session id: private notes} for the engagement's coach; empty for anyone else."""
    if assignment.coach.person_id != person_id_of(user) or person_id_of(user) is None:
        return {}
    return dict(
        CoachingNote.objects.filter(session__assignment=assignment).values_list(
            "session_id", "text"
        )
    )


@dataclass(frozen=True)
class Progress:
    sessions: int
    minutes: int
    planned: int
    unit: str

    @property
    def used(self) -> float:
        if self.unit == PlanUnit.HOURS:
            return round(self.minutes / 60, 1)
        return float(self.sessions)

    @property
    def percent(self) -> int:
        return min(round(100 * self.used / self.planned), 100) if self.planned else 0


def assignment_progress(
    *, assignment: CoachAssignment, sessions: list[SessionRow] | None = None
) -> Progress:
    """Sessions or hours used against the plan: from `sessions` when they are all of the
    engagement's sessions, already loaded; otherwise counted in the database."""
    if sessions is not None:
        return Progress(
            sessions=len(sessions),
            minutes=sum(session.duration_minutes for session in sessions),
            planned=assignment.planned_amount,
            unit=assignment.plan_unit,
        )
    totals = CoachingSession.objects.filter(assignment=assignment).aggregate(
        sessions=Count("pk"), minutes=Sum("duration_minutes")
    )
    return Progress(
        sessions=totals["sessions"],
        minutes=totals["minutes"] or 0,
        planned=assignment.planned_amount,
        unit=assignment.plan_unit,
    )


def progress_by_assignment(*, assignments: list[CoachAssignment]) -> dict[int, Progress]:
    """{engagement id: progress} for many engagements in one query (the home page's lists)."""
    if not assignments:
        return {}
    totals: dict[int, tuple[int, int]] = {
        assignment_id: (sessions, minutes or 0)
        for assignment_id, sessions, minutes in CoachingSession.objects.filter(
            assignment__in=assignments
        )
        .order_by()
        .values("assignment_id")
        .annotate(sessions=Count("pk"), minutes=Sum("duration_minutes"))
        .values_list("assignment_id", "sessions", "minutes")
    }
    return {
        a.pk: Progress(
            sessions=totals.get(a.pk, (0, 0))[0],
            minutes=totals.get(a.pk, (0, 0))[1],
            planned=a.planned_amount,
            unit=a.plan_unit,
        )
        for a in assignments
    }
