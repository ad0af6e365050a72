"""Reads of programmes, stages and their schedule, with object access checked here."""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from leadership.models import Community, Membership, Person
from leadership.pagination import KeysetPage, keyset_paginate
from leadership.rules import is_coordinator

from ..models import (
    Enrolment,
    EnrolmentStatus,
    ProgrammeLevel,
    ProgrammeStatus,
    Session,
    SessionSeries,
    SessionStatus,
    Stage,
    TrainingProgramme,
)


def _check(obj: Any, viewer: Any, to_run: bool) -> None:
    if not viewer.has_perm("training.view_trainingprogramme", obj):
        raise Http404
    if to_run and not viewer.has_perm("training.run_programme", obj):
        raise PermissionDenied


def programmes_page(
    *, viewer: Any, level: str = "", cursor: str | None = None
) -> KeysetPage[TrainingProgramme]:
    """A page of the programmes `viewer` may see (drafts only to those who run them), latest
    first, each with its number of stages and its next session's start: two queries.

    The figures are counted for the page's programmes alone: over every programme they were an
    aggregate of all sessions (70 ms at the bench's 500 programmes and 61,000 sessions), and the
    list the slowest page of the load test.
    """
    qs = TrainingProgramme.objects.select_related("community")
    if level in ProgrammeLevel.values:
        qs = qs.filter(level=level)
    if not is_coordinator(viewer):
        runs = Q(coordinators__user=viewer) | Q(
            community__memberships__person__user=viewer,
            community__memberships__role=Membership.Role.ORGANISER,
        )
        draft_ids = TrainingProgramme.objects.filter(runs, status=ProgrammeStatus.DRAFT).values(
            "pk"
        )
        qs = qs.filter(~Q(status=ProgrammeStatus.DRAFT) | Q(pk__in=draft_ids))
    page = keyset_paginate(
        qs.exclude(status=ProgrammeStatus.ARCHIVED),
        fields=["-starts_on", "title", "pk"],
        cursor=cursor,
        size=settings.PATHWAYS_PAGE_SIZE,
    )
    now = timezone.now()
    figures = {
        pk: (stages, next_start)
        for pk, stages, next_start in TrainingProgramme.objects.filter(
            pk__in=[p.pk for p in page.items]
        )
        .annotate(
            stage_count=Count("stages", distinct=True),
            next_start=Min(
                "stages__sessions__starts_at",
                filter=Q(
                    stages__sessions__starts_at__gte=now,
                    stages__sessions__status=SessionStatus.SCHEDULED,
                ),
            ),
        )
        .values_list("pk", "stage_count", "next_start")
    }
    for programme in page.items:
        programme.stage_count, programme.next_start = figures.get(programme.pk, (0, None))  # type: ignore[attr-defined]
    return page


def programme_get(*, viewer: Any, pk: int, to_run: bool = False) -> TrainingProgramme:
    """The programme if `viewer` may see it (404) and, with `to_run`, run it (403)."""
    programme = TrainingProgramme.objects.select_related("community").filter(pk=pk).first()
    if programme is None:
        raise Http404
    _check(programme, viewer, to_run)
    return programme


def stage_get(*, viewer: Any, pk: int, to_run: bool = False) -> Stage:
    stage = Stage.objects.select_related("programme__community").filter(pk=pk).first()
    if stage is None:
        raise Http404
    _check(stage.programme, viewer, to_run)
    return stage


def session_get(*, viewer: Any, pk: int, to_run: bool = False) -> Session:
    """A session with its stage, programme, series and language, if `viewer` may see it."""
    session = (
        Session.objects.select_related("stage__programme__community", "series", "language")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    _check(session.stage.programme, viewer, to_run)
    return session


def programme_stages(*, programme: TrainingProgramme) -> list[Stage]:
    """The stages in order, each with its prerequisites, skills and number of upcoming sessions."""
    now = timezone.now()
    return list(
        Stage.objects.filter(programme=programme)
        .annotate(
            upcoming_count=Count(
                "sessions",
                filter=Q(sessions__starts_at__gte=now, sessions__status=SessionStatus.SCHEDULED),
            )
        )
        .prefetch_related(
            Prefetch(
                "prerequisites",
                queryset=Stage.objects.select_related("programme").order_by("order"),
            ),
            "skills",
        )
        .order_by("order", "pk")
    )


def stage_series(*, stage: Stage) -> list[SessionSeries]:
    return list(
        SessionSeries.objects.filter(stage=stage)
        .select_related("language")
        .annotate(session_count=Count("sessions"))
        .order_by("first_date", "start_time", "pk")
    )


def _sessions() -> QuerySet[Session]:
    return Session.objects.select_related("stage__programme", "language").only(
        "pk",
        "title",
        "starts_at",
        "ends_at",
        "time_zone",
        "status",
        "capacity",
        "seats_taken",
        "online_url",
        "place",
        "language__code",
        "language__name",
        "language__autonym",
        "stage__id",
        "stage__title",
        "stage__order",
        "stage__programme__id",
        "stage__programme__title",
        "stage__programme__level",
    )


def _with_viewer_status(qs: QuerySet[Session], person: Person | None) -> QuerySet[Session]:
    """Annotate whether `person` is enrolled in or waiting for each session."""
    if person is None:
        return qs
    mine = Enrolment.objects.filter(session=OuterRef("pk"), person=person)
    return qs.annotate(
        viewer_enrolled=Exists(mine.filter(status=EnrolmentStatus.ENROLLED)),
        viewer_waiting=Exists(mine.filter(status=EnrolmentStatus.WAITLISTED)),
    )


def schedule_page(
    *,
    programme: TrainingProgramme,
    after: datetime,
    cursor: str | None,
    person: Person | None = None,
    stage: Stage | None = None,
) -> KeysetPage[Session]:
    """A programme's sessions from `after` on, in time order, a page at a time (one query)."""
    qs = _with_viewer_status(_sessions().filter(stage__programme=programme), person)
    if stage is not None:
        qs = qs.filter(stage=stage)
    qs = qs.filter(ends_at__gt=after)
    return keyset_paginate(
        qs, fields=["starts_at", "pk"], cursor=cursor, size=settings.PATHWAYS_PAGE_SIZE
    )


@dataclass(frozen=True)
class MonthDay:
    day: date
    in_month: bool
    sessions: list[Session]


def month_bounds(year: int, month: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The first and last instant of a month in `zone` (the viewer's)."""
    first = datetime.combine(date(year, month, 1), time(), tzinfo=zone)
    last_day = date(year, month, monthrange(year, month)[1])
    return first, datetime.combine(last_day + timedelta(days=1), time(), tzinfo=zone)


def schedule_month(
    *, programme: TrainingProgramme, year: int, month: int, zone: ZoneInfo
) -> list[list[MonthDay]]:
    """The month as weeks (Monday first) of days, each with the sessions starting on it in the
    viewer's time zone `zone`: one query."""
    start, end = month_bounds(year, month, zone)
    sessions = list(
        _sessions()
        .filter(stage__programme=programme, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at", "pk")
    )
    by_day: dict[date, list[Session]] = {}
    for session in sessions:
        by_day.setdefault(session.starts_at.astimezone(zone).date(), []).append(session)
    first = date(year, month, 1)
    last = date(year, month, monthrange(year, month)[1])
    day = first - timedelta(days=first.weekday())
    weeks: list[list[MonthDay]] = []
    while day <= last:
        week = []
        for _ in range(7):
            week.append(MonthDay(day, day.month == month, by_day.get(day, [])))
            day += timedelta(days=1)
        weeks.append(week)
    return weeks


def community_programmes(*, community: Community) -> QuerySet[TrainingProgramme]:
    """A community's trainings: the programmes it owns and the regional ones of its region."""
    return TrainingProgramme.objects.filter(
        Q(community=community) | Q(level=ProgrammeLevel.REGIONAL, region=community.region),
        status__in=[ProgrammeStatus.OPEN, ProgrammeStatus.CLOSED],
    )


def community_upcoming(
    *, community: Community, now: datetime, cursor: str | None, person: Person | None = None
) -> KeysetPage[Session]:
    """The upcoming sessions of a community's trainings, a page at a time."""
    qs = _with_viewer_status(
        _sessions().filter(
            stage__programme__in=community_programmes(community=community).values("pk"),
            ends_at__gt=now,
        ),
        person,
    )
    return keyset_paginate(
        qs, fields=["starts_at", "pk"], cursor=cursor, size=settings.PATHWAYS_PAGE_SIZE
    )
