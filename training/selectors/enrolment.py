"""Reads of enrolment and progress: who may enrol and why not, waiting lists, rosters, progress.

Progress is computed from rows, never stored: a stage is done when the person has a
`StageCompletion` for it; current when they hold a live enrolment in one of its sessions, or
when every prerequisite is done and the stage is not; next when it is locked only by stages that
are current (finishing those opens it); locked otherwise.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils.translation import gettext as _

from leadership.models import Community, Membership, Person

from ..models import (
    Enrolment,
    EnrolmentStatus,
    ProgrammeLevel,
    ProgrammeStatus,
    Session,
    Stage,
    StageCompletion,
    TrainingProgramme,
)

# An enrolment that holds a place or a place in line: the partial unique constraint's "live".
LIVE = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)
# "My trainings" lists this many facilitated sessions at most: a weekly series for three years
# is 156 rows, more than a page should hold; the schedule has the rest.
FACILITATED_LIMIT = 50


def _stage_name(stage: Stage, programme_id: int) -> str:
    """A stage's name in a message; with its programme's title when it is another programme's."""
    if stage.programme_id == programme_id:
        return stage.title
    return _("%(stage)s (%(programme)s)") % {
        "stage": stage.title,
        "programme": stage.programme.title,
    }


def missing_prerequisites(*, person: Person, stage: Stage) -> list[Stage]:
    """The prerequisites of `stage` that `person` has not completed, in order: one query."""
    return list(
        stage.prerequisites.exclude(
            Exists(StageCompletion.objects.filter(stage=OuterRef("pk"), person=person))
        )
        .select_related("programme")
        .order_by("programme__title", "programme_id", "order", "pk")
    )


def enrolment_refusal(*, person: Person, session: Session, now: datetime) -> str | None:
    """Why `person` may not enrol in `session` at `now`, as a sentence; None when they may.

    Reads the session's stage and programme (select_related them to save two queries), then
    at most three queries: a live enrolment, the membership (local programmes only) and the
    prerequisites not completed.
    """
    stage = session.stage
    programme = stage.programme
    if programme.status != ProgrammeStatus.OPEN:
        return _("Registration for %(programme)s is not open.") % {"programme": programme.title}
    if session.is_cancelled:
        return _("This session was cancelled.")
    if session.starts_at <= now:
        return _("This session has already started.")
    existing = (
        Enrolment.objects.filter(session=session, person=person, status__in=LIVE)
        .values_list("status", flat=True)
        .first()
    )
    if existing == EnrolmentStatus.ENROLLED:
        return _("You are already enrolled in this session.")
    if existing == EnrolmentStatus.WAITLISTED:
        return _("You are already on the waiting list of this session.")
    if (
        programme.level == ProgrammeLevel.LOCAL
        and not Membership.objects.filter(person=person, community=programme.community_id).exists()
    ):
        return _("%(programme)s is for members of its community only.") % {
            "programme": programme.title
        }
    missing = missing_prerequisites(person=person, stage=stage)
    if missing:
        return _("Complete these stages first: %(stages)s.") % {
            "stages": ", ".join(_stage_name(s, programme.pk) for s in missing)
        }
    return None


# Progress of one person


@dataclass(frozen=True)
class StageProgress:
    """Where a person stands in one stage."""

    DONE = "done"
    CURRENT = "current"
    NEXT = "next"
    LOCKED = "locked"

    stage: Stage
    state: str
    completion: StageCompletion | None
    attended: int  # sessions of the stage attended (counted against stage.min_sessions)
    enrolled: bool  # holds a live enrolment (enrolled or waiting) in one of its sessions
    missing: list[Stage] = field(default_factory=list)  # prerequisites not completed

    @property
    def completed_on(self) -> date | None:
        return self.completion.completed_on if self.completion is not None else None

    @property
    def how(self) -> str | None:
        return self.completion.how if self.completion is not None else None


def person_progress(*, person: Person, programme: TrainingProgramme) -> list[StageProgress]:
    """Each stage of `programme` for `person`, in order: four queries whatever the size.

    The queries: the stages; their prerequisites (with the prerequisites' programmes, which
    may be others); the person's completions of all those stages; the person's enrolments in
    the programme's sessions, counted per stage in the database.
    """
    return _progress(person, [programme.pk]).get(programme.pk, [])


def my_programmes_progress(
    *, person: Person
) -> list[tuple[TrainingProgramme, list[StageProgress]]]:
    """Progress in every programme `person` enrolled in or completed a stage of: five queries.

    The programmes (by title), then person_progress's four queries for all of them at once.
    """
    programmes = list(
        TrainingProgramme.objects.filter(
            Exists(
                Enrolment.objects.filter(person=person, session__stage__programme=OuterRef("pk"))
            )
            | Exists(StageCompletion.objects.filter(person=person, stage__programme=OuterRef("pk")))
        ).order_by("title", "pk")
    )
    found = _progress(person, [p.pk for p in programmes]) if programmes else {}
    return [(p, found.get(p.pk, [])) for p in programmes]


def _progress(person: Person, programme_ids: list[int]) -> dict[int, list[StageProgress]]:
    """person_progress for several programmes in its four queries; by programme id."""
    stages = list(
        Stage.objects.filter(programme_id__in=programme_ids).order_by("programme_id", "order", "pk")
    )
    through = Stage.prerequisites.through
    requires: dict[int, list[Stage]] = {s.pk: [] for s in stages}
    # In a stable order (the stages required, by programme and order), as the page lists them.
    links = (
        through.objects.filter(from_stage__in=stages)
        .select_related("to_stage__programme")
        .order_by("to_stage__programme_id", "to_stage__order", "to_stage_id")
    )
    for link in links:
        requires[link.from_stage_id].append(link.to_stage)
    stage_ids = {s.pk for s in stages} | {p.pk for ps in requires.values() for p in ps}
    completions = {
        c.stage_id: c for c in StageCompletion.objects.filter(person=person, stage_id__in=stage_ids)
    }
    counts = {
        row["session__stage"]: row
        for row in Enrolment.objects.filter(
            person=person, session__stage__programme_id__in=programme_ids
        )
        .values("session__stage")
        .annotate(
            attended=Count("pk", filter=Q(status=EnrolmentStatus.ENROLLED, attended=True)),
            live=Count("pk", filter=Q(status__in=LIVE, session__status=Session.Status.SCHEDULED)),
        )
        .order_by()
    }
    # First pass: done and current; second: next (its missing stages are all current in the
    # same programme) or locked.
    result: dict[int, StageProgress] = {}
    for stage in stages:
        row: Mapping[str, Any] = counts.get(stage.pk, {})
        missing = [p for p in requires[stage.pk] if p.pk not in completions]
        enrolled = bool(row.get("live"))
        if stage.pk in completions:
            state = StageProgress.DONE
        elif enrolled or not missing:
            state = StageProgress.CURRENT
        else:
            state = ""
        result[stage.pk] = StageProgress(
            stage=stage,
            state=state,
            completion=completions.get(stage.pk),
            attended=row.get("attended", 0),
            enrolled=enrolled,
            missing=missing,
        )
    current = {pk for pk, p in result.items() if p.state == StageProgress.CURRENT}
    by_programme: dict[int, list[StageProgress]] = {}
    for stage in stages:
        progress = result[stage.pk]
        if not progress.state:
            opens_next = all(m.pk in current for m in progress.missing)
            progress = StageProgress(
                stage=stage,
                state=StageProgress.NEXT if opens_next else StageProgress.LOCKED,
                completion=None,
                attended=progress.attended,
                enrolled=False,
                missing=progress.missing,
            )
        by_programme.setdefault(stage.programme_id, []).append(progress)
    return by_programme


# Waiting lists, "my trainings", rosters


@dataclass(frozen=True)
class ViewerPlace:
    """Where the viewer stands in a session: their live enrolment, their place in line (1 for
    the first) when waiting, or why they may not enrol when they are not in."""

    enrolment: Enrolment | None
    position: int | None
    refusal: str | None


def viewer_place(*, person: Person | None, session: Session, now: datetime) -> ViewerPlace:
    """`person`'s place in `session` (nothing for a user without a profile): one or two queries,
    or those of enrolment_refusal."""
    if person is None:
        return ViewerPlace(enrolment=None, position=None, refusal=None)
    mine = (
        Enrolment.objects.filter(session=session, person=person)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .first()
    )
    if mine is None:
        refusal = enrolment_refusal(person=person, session=session, now=now)
        return ViewerPlace(enrolment=None, position=None, refusal=refusal)
    position = None
    if mine.status == EnrolmentStatus.WAITLISTED:
        ahead = Enrolment.objects.filter(session=session, status=EnrolmentStatus.WAITLISTED).filter(
            Q(waitlisted_at__lt=mine.waitlisted_at)
            | Q(waitlisted_at=mine.waitlisted_at, pk__lt=mine.pk)
        )
        position = ahead.count() + 1
    return ViewerPlace(enrolment=mine, position=position, refusal=None)


def waiting_list(*, session: Session) -> list[Enrolment]:
    """The session's waiting list, first in line first (ties by id): one query."""
    return list(
        Enrolment.objects.filter(session=session, status=EnrolmentStatus.WAITLISTED)
        .select_related("person")
        .order_by("waitlisted_at", "pk")
    )


@dataclass(frozen=True)
class MyEnrolments:
    upcoming: list[Enrolment]  # soonest first; a session under way counts as upcoming
    past: list[Enrolment]  # latest first


def my_enrolments(*, person: Person, now: datetime) -> MyEnrolments:
    """The person's live enrolments with their session, stage and programme: one query."""
    rows = list(
        Enrolment.objects.filter(person=person, status__in=LIVE)
        .select_related("session__stage__programme")
        .order_by("session__starts_at", "session_id", "pk")
    )
    upcoming = [e for e in rows if e.session.ends_at > now]
    past = [e for e in reversed(rows) if e.session.ends_at <= now]
    return MyEnrolments(upcoming=upcoming, past=past)


def session_roster(*, session: Session) -> list[Enrolment]:
    """The people enrolled in the session (for attendance), by name: one query."""
    return list(
        Enrolment.objects.filter(session=session, status=EnrolmentStatus.ENROLLED)
        .select_related("person")
        .order_by("person__display_name", "person_id")
    )


@dataclass(frozen=True)
class Participant:
    """Someone who held a place in a session of a stage: for the sign-off page."""

    person: Person
    attended: int  # sessions of the stage attended
    completed_on: date | None  # the stage's completion, however recorded


def stage_participants(*, stage: Stage) -> list[Participant]:
    """Everyone who held a place in one of the stage's sessions, by name: one query."""
    completed_on = StageCompletion.objects.filter(stage=stage, person=OuterRef("pk")).values(
        "completed_on"
    )[:1]
    # The filter and the count share one join of the enrolments: those of this stage that
    # held a place (waiting or cancelled ones are not participants).
    people = (
        Person.objects.filter(
            enrolments__session__stage=stage, enrolments__status=EnrolmentStatus.ENROLLED
        )
        .annotate(
            attended_count=Count("enrolments", filter=Q(enrolments__attended=True)),
            completed_on=Subquery(completed_on),
        )
        .order_by("display_name", "pk")
    )
    return [
        Participant(person=p, attended=p.attended_count, completed_on=p.completed_on)
        for p in people
    ]


def sessions_facilitated(*, person: Person, now: datetime) -> list[Session]:
    """The person's sessions as a facilitator still to come, and past ones whose attendance is
    still to mark (`needs_attendance`), soonest first: one query, at most FACILITATED_LIMIT."""
    needs = Q(
        starts_at__lte=now,
        status=Session.Status.SCHEDULED,
        attendance_marked_at__isnull=True,
        seats_taken__gt=0,
    )
    return list(
        Session.objects.filter(facilitators=person)
        .filter(Q(ends_at__gt=now) | needs)
        .annotate(needs_attendance=ExpressionWrapper(needs, output_field=BooleanField()))
        .select_related("stage__programme")
        .order_by("starts_at", "pk")[:FACILITATED_LIMIT]
    )


# Progress for coordinators and organisers


@dataclass(frozen=True)
class StageCounts:
    stage: Stage
    completed: int  # people who completed it
    in_progress: int  # people with a live enrolment in one of its sessions who have not


def _completed_per_stage(completions: QuerySet[StageCompletion]) -> dict[int, int]:
    return dict(
        completions.order_by().values("stage").annotate(n=Count("person")).values_list("stage", "n")
    )


def _in_progress_per_stage(enrolments: QuerySet[Enrolment]) -> dict[int, int]:
    """Distinct people per stage with a live enrolment in a scheduled session, not done."""
    done = StageCompletion.objects.filter(
        stage_id=OuterRef("session__stage_id"), person_id=OuterRef("person_id")
    )
    return dict(
        enrolments.filter(status__in=LIVE, session__status=Session.Status.SCHEDULED)
        .exclude(Exists(done))
        .order_by()
        .values("session__stage")
        .annotate(n=Count("person", distinct=True))
        .values_list("session__stage", "n")
    )


def programme_progress(*, programme: TrainingProgramme) -> list[StageCounts]:
    """Per stage of the programme, how many completed it and how many are on it: three queries.

    The stages; the completions counted per stage; the people on a stage counted per stage
    (grouped in the database: the rows are never read into Python).
    """
    stages = list(Stage.objects.filter(programme=programme).order_by("order", "pk"))
    completed = _completed_per_stage(StageCompletion.objects.filter(stage__programme=programme))
    in_progress = _in_progress_per_stage(
        Enrolment.objects.filter(session__stage__programme=programme)
    )
    return [
        StageCounts(stage=s, completed=completed.get(s.pk, 0), in_progress=in_progress.get(s.pk, 0))
        for s in stages
    ]


@dataclass(frozen=True)
class ProgrammeCounts:
    programme: TrainingProgramme
    stages: list[StageCounts]  # the stages some member completed or is on, in order


def community_progress(*, community: Community) -> list[ProgrammeCounts]:
    """Its members' progress across programmes, counted per stage: three queries.

    Only the stages some member completed or is on; programmes by title. The counts are
    grouped in the database over the members' own rows (found through the membership index).
    """
    members = Membership.objects.filter(community=community).values("person_id")
    completed = _completed_per_stage(StageCompletion.objects.filter(person_id__in=members))
    in_progress = _in_progress_per_stage(Enrolment.objects.filter(person_id__in=members))
    stages = Stage.objects.filter(pk__in=set(completed) | set(in_progress)).select_related(
        "programme"
    )
    grouped: dict[int, ProgrammeCounts] = {}
    ordered = sorted(stages, key=lambda s: (s.programme.title, s.programme_id, s.order, s.pk))
    for stage in ordered:
        entry = grouped.setdefault(
            stage.programme_id, ProgrammeCounts(programme=stage.programme, stages=[])
        )
        entry.stages.append(
            StageCounts(
                stage=stage,
                completed=completed.get(stage.pk, 0),
                in_progress=in_progress.get(stage.pk, 0),
            )
        )
    return list(grouped.values())
