"""Training's part of `seed_demo`.

Small scale, built by the real services (at moments in the past where it tells a story):
- "Wikimedia Leadership Academy", movement-wide, in three stages, each requiring the one before:
  Foundations (a weekly series on Tuesdays at 18:00 Berlin time for a year, across the clock
  changes), Running projects and teams (monthly, first Saturday at 10:00 Los Angeles time) and
  Leading in the movement (single sessions in Tokyo, completed with a facilitator's sign-off).
  People are at every stage: some completed Foundations, some Running projects too, one the
  whole academy. The next Foundations session but one is full with a waiting list; the demo
  organiser facilitates Foundations and has the last session's attendance still to mark.
- "Demo Chapter Editathon Leaders", a local programme of the demo chapter, for its trainings page.
- The knowledge library: guides, a template, a recording and a tutorial, with translations, one
  due for review.

Large scale (the bench's): 500 programmes with three stages each, 60,000 sessions over three
years and 300,000 enrolments, written in bulk; and one programme of 1,000 single sessions, whose
calendar feed the bench times.
"""

import random
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from leadership.models import Community, Language, Person, Skill

from . import recurrence
from .models import (
    CompletionHow,
    CompletionRule,
    Enrolment,
    EnrolmentStatus,
    ProgrammeLevel,
    ProgrammeStatus,
    Resource,
    ResourceKind,
    Session,
    SessionSeries,
    Stage,
    StageCompletion,
    TrainingProgramme,
    horizon_end,
)
from .services.enrolment import attendance_mark, session_enrol, stage_sign_off
from .services.library import resource_create, resource_translate
from .services.programmes import programme_save, stage_save
from .services.schedule import EditMode, SeriesChanges, series_create, series_edit, session_create

DEMO_TITLE = "Wikimedia Leadership Academy"
LOCAL_TITLE = "Demo Chapter Editathon Leaders"
LARGE_PREFIX = "Academy"
FEED_TITLE = "Open training calendar"
LARGE_PROGRAMMES = 500
FEED_SESSIONS = 1_000
# The full session: its places, and who waits for one.
FULL_CAPACITY = 3
FULL_WAITING = 1


def seed_training(
    *,
    people: list[int],
    demo: dict[str, Person],
    communities: list[Community],
    skills: list[Skill],
    rng: random.Random,
    large: bool,
    progress: Callable[[list[list[Any]], str], Iterable[list[Any]]],
    batches: Callable[[list[Any]], list[list[Any]]],
) -> None:
    """The demo academy, the chapter's programme and the library (once each), and at the large
    scale the bench's 500 programmes (once)."""
    if not TrainingProgramme.objects.filter(title=DEMO_TITLE).exists():
        _academy(people, demo, skills, rng)
    if communities and not TrainingProgramme.objects.filter(title=LOCAL_TITLE).exists():
        _local_programme(demo, communities[0])
    if not Resource.objects.exists():
        _library(demo)
    if large and not TrainingProgramme.objects.filter(title=FEED_TITLE).exists():
        _large(people, demo, communities, skills, rng, progress, batches)


def _language(code: str) -> Language | None:
    return Language.objects.filter(code=code).first()


def _stage(
    programme: TrainingProgramme,
    order: int,
    title: str,
    description: str,
    rule: str,
    min_sessions: int,
    skills: list[Skill],
    prerequisites: list[Stage],
) -> Stage:
    return stage_save(
        stage=Stage(
            programme=programme,
            order=order,
            title=title,
            description=description,
            completion_rule=rule,
            min_sessions=min_sessions,
        ),
        skills=skills,
        prerequisites=prerequisites,
    )


def _academy(
    people: list[int], demo: dict[str, Person], skills: list[Skill], rng: random.Random
) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    coordinator, organiser, member = demo["coordinator"], demo["organiser"], demo["member"]
    starts_on = today - timedelta(days=120)
    programme = programme_save(
        programme=TrainingProgramme(
            title=DEMO_TITLE,
            description=(
                "A three-stage path for volunteers stepping into leadership: the foundations, "
                "then running projects and teams, then leading in the movement. Sessions are "
                "online, in several time zones; each stage opens when the one before is done."
            ),
            level=ProgrammeLevel.MOVEMENT,
            status=ProgrammeStatus.OPEN,
            time_zone="Europe/Berlin",
            starts_on=starts_on,
            ends_on=min(horizon_end(starts_on), today + timedelta(days=730)),
        ),
        languages=[lang for lang in (_language("en"), _language("es")) if lang],
        coordinators=[coordinator],
        created_by=coordinator.user,
    )
    by_category = {skill.category: skill for skill in skills}
    foundations = _stage(
        programme,
        1,
        "Foundations of community leadership",
        "What leading volunteers means: listening, sharing power, making decisions together.",
        CompletionRule.ATTENDANCE,
        2,
        [s for s in (by_category.get("people"), by_category.get("communication")) if s],
        [],
    )
    projects = _stage(
        programme,
        2,
        "Running projects and teams",
        "Planning a project, budgeting it, and keeping a team of volunteers together.",
        CompletionRule.ATTENDANCE,
        2,
        [s for s in (by_category.get("resources"),) if s],
        [foundations],
    )
    movement = _stage(
        programme,
        3,
        "Leading in the movement",
        "Governance, strategy and representing your community: signed off by a facilitator.",
        CompletionRule.SIGN_OFF,
        1,
        [s for s in (by_category.get("governance"),) if s],
        [projects],
    )
    english, spanish, japanese = _language("en"), _language("es"), _language("ja")
    # Tuesdays at 18:00 in Berlin from sixteen weeks ago for sixty weeks: across both clock changes.
    first_tuesday = today - timedelta(weeks=16)
    first_tuesday -= timedelta(days=(first_tuesday.weekday() - 1) % 7)
    weekly = series_create(
        stage=foundations,
        by=coordinator,
        rrule=recurrence.build(frequency="WEEKLY", weekdays=[1], count=60),
        first_date=first_tuesday,
        start_time=time(18, 0),
        duration_minutes=90,
        time_zone="Europe/Berlin",
        capacity=12,
        language=english,
        online_url="https://meet.example.org/academy-foundations",
        facilitators=[organiser],
    )
    monthly = series_create(
        stage=projects,
        by=coordinator,
        rrule=recurrence.build(frequency="MONTHLY", weekdays=[5], week_of_month=1, count=18),
        first_date=starts_on,
        start_time=time(10, 0),
        duration_minutes=120,
        time_zone="America/Los_Angeles",
        capacity=15,
        language=spanish or english,
        online_url="https://meet.example.org/academy-projects",
        facilitators=[coordinator],
    )
    tokyo = [
        session_create(
            stage=movement,
            by=coordinator,
            day=today + timedelta(days=offset),
            start_time=time(19, 0),
            duration_minutes=150,
            time_zone="Asia/Tokyo",
            capacity=10,
            language=japanese or english,
            place="Wikimedia community space, Tokyo",
            online_url="https://meet.example.org/academy-movement",
            facilitators=[coordinator],
        )
        for offset in (-20, 30, 75, 120)
    ]

    pool = [pk for pk in people if pk not in {p.pk for p in demo.values()}]
    rng.shuffle(pool)
    participants = list(Person.objects.filter(pk__in=pool[:24]).order_by("pk"))
    weekly_rows = list(weekly.sessions.order_by("starts_at"))
    past_weekly = [s for s in weekly_rows if s.ends_at < now]
    future_weekly = [s for s in weekly_rows if s.starts_at > now + timedelta(days=1)]

    def attend(sessions: list[Session], group: list[Person], marked: bool = True) -> None:
        for session in sessions:
            before = session.starts_at - timedelta(days=3)
            for person in group:
                session_enrol(person=person, session=session, now=before)
            if marked:
                attendance_mark(
                    session=session,
                    by=organiser,
                    attended={p.pk: True for p in group},
                    now=session.ends_at + timedelta(hours=1),
                )

    # Foundations done by 12 people (two sessions each); the last one's attendance still open.
    completed_first, newcomers = participants[:12], participants[12:18]
    attend(past_weekly[:2], completed_first[:6])
    attend(past_weekly[2:4], completed_first[6:])
    if len(past_weekly) > 4:
        attend(past_weekly[-1:], newcomers, marked=False)
    # Running projects: 6 of them finished it on the first Saturdays already past.
    past_monthly = [
        s
        for s in monthly.sessions.order_by("starts_at")
        if past_weekly[3].ends_at < s.starts_at and s.ends_at < now
    ]
    completed_second = completed_first[:6]
    attend(past_monthly[:2], completed_second)
    # Leading in the movement: three took part in Tokyo, one is signed off.
    attend([tokyo[0]], completed_second[:3], marked=True)
    stage_sign_off(
        stage=movement, person=completed_second[0], by=coordinator, on=tokyo[0].local_start.date()
    )
    # Coming up: the others of the second stage, the third stage's next session.
    upcoming_monthly = [s for s in monthly.sessions.order_by("starts_at") if s.starts_at > now]
    attend(upcoming_monthly[:1], completed_first[6:], marked=False)
    attend([tokyo[1]], completed_second[1:3], marked=False)

    # The full session, the next but one: three places, all taken, one person waiting.
    if len(future_weekly) > 1:
        full = future_weekly[1]
        series_edit(
            session=full,
            mode=EditMode.THIS,
            by=coordinator,
            changes=SeriesChanges(capacity=FULL_CAPACITY),
        )
        full.refresh_from_db()
        for person in participants[18 : 18 + FULL_CAPACITY + FULL_WAITING]:
            session_enrol(person=person, session=full, now=now)
    # The demo member has a place in a Foundations session three weeks on.
    if len(future_weekly) > 3:
        session_enrol(person=member, session=future_weekly[3], now=now)


def _local_programme(demo: dict[str, Person], chapter: Community) -> None:
    today = timezone.localdate()
    organiser = demo["organiser"]
    programme = programme_save(
        programme=TrainingProgramme(
            title=LOCAL_TITLE,
            description="Learn to run an edit-a-thon: welcoming newcomers, sources, follow-up.",
            level=ProgrammeLevel.LOCAL,
            community=chapter,
            status=ProgrammeStatus.OPEN,
            time_zone=str(chapter.time_zone),
            starts_on=today,
            ends_on=today + timedelta(days=365),
        ),
        languages=list(chapter.languages.all()),
        coordinators=[organiser],
        created_by=organiser.user,
    )
    stage = _stage(
        programme,
        1,
        "Running an edit-a-thon",
        "From the invitation to the follow-up.",
        CompletionRule.ATTENDANCE,
        1,
        [],
        [],
    )
    series_create(
        stage=stage,
        by=organiser,
        rrule=recurrence.build(frequency="MONTHLY", month_day=today.day if today.day <= 28 else 28),
        first_date=today + timedelta(days=7),
        start_time=time(17, 30),
        duration_minutes=120,
        time_zone=str(chapter.time_zone),
        capacity=20,
        place="The chapter's office",
        facilitators=[organiser],
    )


def _library(demo: dict[str, Person]) -> None:
    today = timezone.localdate()
    coordinator = demo["coordinator"]
    english, french, spanish = _language("en"), _language("fr"), _language("es")
    if english is None:
        return
    academy = TrainingProgramme.objects.filter(title=DEMO_TITLE).first()
    stages = list(academy.stages.order_by("order")) if academy else []

    def at(order: int) -> list[Stage]:
        return stages[order - 1 : order]

    meeting = resource_create(
        by=coordinator,
        title="Running an inclusive meeting",
        summary="Agendas, turn-taking and decisions that everyone in the room can own.",
        kind=ResourceKind.GUIDE,
        url="https://meta.wikimedia.org/wiki/Leadership_Development/Inclusive_meetings",
        language=english,
        skills=[],
        stages=at(1),
        review_by=today + timedelta(days=180),
    )
    if french:
        resource_translate(
            original=meeting,
            by=coordinator,
            language=french,
            title="Animer une réunion inclusive",
            summary="Ordres du jour, tours de parole et décisions que chacun peut porter.",
            url="https://meta.wikimedia.org/wiki/Leadership_Development/Inclusive_meetings/fr",
        )
    if spanish:
        resource_translate(
            original=meeting,
            by=coordinator,
            language=spanish,
            title="Cómo dirigir una reunión inclusiva",
            summary="Agendas, turnos de palabra y decisiones que todos pueden hacer suyas.",
            url="https://meta.wikimedia.org/wiki/Leadership_Development/Inclusive_meetings/es",
        )
    resource_create(
        by=coordinator,
        title="Project plan template",
        summary="Goals, activities, budget and measures of success on two pages.",
        kind=ResourceKind.TEMPLATE,
        url="https://meta.wikimedia.org/wiki/Grants:Project/Template",
        language=english,
        skills=[],
        stages=at(2),
        review_by=today + timedelta(days=365),
    )
    overdue = resource_create(
        by=coordinator,
        title="Board governance basics (recording)",
        summary="A recorded session on the duties of an affiliate's board.",
        kind=ResourceKind.RECORDING,
        url="https://commons.wikimedia.org/wiki/File:Board_governance_basics.webm",
        language=english,
        skills=[],
        stages=at(3),
        review_by=today + timedelta(days=1),
    )
    # Due for review: its review day has passed (written past the service, which refuses it).
    Resource.objects.filter(pk=overdue.pk).update(review_by=today - timedelta(days=30))
    resource_create(
        by=coordinator,
        title="Faciliter un atelier en ligne",
        summary="Préparer, animer et conclure un atelier à distance.",
        kind=ResourceKind.TUTORIAL,
        url="https://meta.wikimedia.org/wiki/Leadership_Development/Online_workshops/fr",
        language=french or english,
        skills=[],
        stages=at(1),
        review_by=today + timedelta(days=90),
    )


# The large scale: rows in bulk, nothing but what the pages and the bench read.


def _large(
    people: list[int],
    demo: dict[str, Person],
    communities: list[Community],
    skills: list[Skill],
    rng: random.Random,
    progress: Callable[[list[list[Any]], str], Iterable[list[Any]]],
    batches: Callable[[list[Any]], list[list[Any]]],
) -> None:
    today = timezone.localdate()
    now = timezone.now()
    starts_on = today - timedelta(days=30)
    ends_on = horizon_end(starts_on) - timedelta(days=1)
    zones = ["Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo", "Africa/Lagos", "UTC"]
    programmes: list[TrainingProgramme] = []
    for index in range(LARGE_PROGRAMMES):
        community = communities[index % len(communities)] if communities else None
        if index % 20 < 12 and community is not None:
            level, owner, region = ProgrammeLevel.LOCAL, community, ""
        elif index % 20 < 17 and community is not None:
            level, owner, region = ProgrammeLevel.REGIONAL, None, community.region
        else:
            level, owner, region = ProgrammeLevel.MOVEMENT, None, ""
        programmes.append(
            TrainingProgramme(
                title=f"{LARGE_PREFIX} {index + 1:03d}",
                level=level,
                community=owner,
                region=region,
                status=ProgrammeStatus.OPEN,
                time_zone=zones[index % len(zones)],
                starts_on=starts_on,
                ends_on=ends_on,
            )
        )
    programmes = TrainingProgramme.objects.bulk_create(programmes)
    stages = Stage.objects.bulk_create(
        [
            Stage(
                programme=programme,
                order=order,
                title=f"Stage {order}",
                completion_rule=CompletionRule.ATTENDANCE,
                min_sessions=1,
            )
            for programme in programmes
            for order in (1, 2, 3)
        ]
    )
    through = Stage.prerequisites.through
    through.objects.bulk_create(
        [
            through(from_stage_id=stages[i + 1].pk, to_stage_id=stages[i].pk)
            for i in range(0, len(stages), 3)
        ]
        + [
            through(from_stage_id=stages[i + 2].pk, to_stage_id=stages[i + 1].pk)
            for i in range(0, len(stages), 3)
        ]
    )
    # 120 sessions a programme: weekly for a year, fortnightly for a year and a half, monthly.
    plans = [("FREQ=WEEKLY", 52), ("FREQ=WEEKLY;INTERVAL=2", 39), ("FREQ=MONTHLY", 29)]
    series_rows: list[SessionSeries] = []
    for index, stage in enumerate(stages):
        programme = programmes[index // 3]
        rule, count = plans[index % 3]
        first = starts_on + timedelta(days=index % 7)
        normalised = recurrence.normalise(
            rrule=f"{rule};COUNT={count}",
            first_date=first,
            start_time=time(8 + index % 12, 0),
            time_zone=str(programme.time_zone),
            horizon_end=programme.ends_on,
        )
        series_rows.append(
            SessionSeries(
                stage=stage,
                rrule=normalised.rrule,
                first_date=normalised.first_date,
                start_time=time(8 + index % 12, 0),
                duration_minutes=90,
                time_zone=str(programme.time_zone),
                capacity=20 if index % 10 else 4,
            )
        )
    series_rows = SessionSeries.objects.bulk_create(series_rows)
    sessions: list[Session] = []
    for series in series_rows:
        for start in recurrence.expand(
            rrule=series.rrule,
            first_date=series.first_date,
            start_time=series.start_time,
            time_zone=str(series.time_zone),
            exdates=(),
            horizon_end=ends_on,
        ):
            sessions.append(
                Session(
                    stage_id=series.stage_id,
                    series=series,
                    original_start=start,
                    starts_at=start,
                    ends_at=start + timedelta(minutes=90),
                    time_zone=str(series.time_zone),
                    capacity=series.capacity,
                )
            )
    for batch in progress(batches(sessions), "sessions"):
        Session.objects.bulk_create(batch)
    _large_enrolments(people, demo, rng, now, progress, batches)
    _feed_programme(starts_on, ends_on, progress, batches)


def _large_enrolments(
    people: list[int],
    demo: dict[str, Person],
    rng: random.Random,
    now: datetime,
    progress: Callable[[list[list[Any]], str], Iterable[list[Any]]],
    batches: Callable[[list[Any]], list[list[Any]]],
) -> None:
    """Five people a session (300,000 enrolments), the last ones on the small sessions waiting;
    those in past sessions attended; the counters set by one UPDATE."""
    rows = list(
        Session.objects.filter(stage__programme__title__startswith=LARGE_PREFIX)
        .order_by("pk")
        .values_list("pk", "capacity", "starts_at", "stage_id")
    )
    enrolments: list[Enrolment] = []
    completions: dict[tuple[int, int], date] = {}
    for session_id, capacity, starts_at, stage_id in rows:
        past = starts_at < now
        for place, person_id in enumerate(rng.sample(people, 5)):
            enrolled = place < capacity
            enrolments.append(
                Enrolment(
                    session_id=session_id,
                    person_id=person_id,
                    status=EnrolmentStatus.ENROLLED if enrolled else EnrolmentStatus.WAITLISTED,
                    enrolled_at=starts_at - timedelta(days=7) if enrolled else None,
                    waitlisted_at=None if enrolled else starts_at - timedelta(days=6),
                    attended=True if past and enrolled else None,
                )
            )
            if past and enrolled:
                completions.setdefault((stage_id, person_id), starts_at.date())
    # The demo member takes part too: the same pages at both scales show their own rows.
    member = demo["member"]
    taken = {(e.session_id, e.person_id) for e in enrolments}
    for session_id, capacity, starts_at, _stage in rows[40 : 40 + 20 * 120 : 120]:
        if (session_id, member.pk) in taken or starts_at <= now:
            continue
        # On a small session all places are taken: the member waits there.
        has_place = capacity > 5
        enrolments.append(
            Enrolment(
                session_id=session_id,
                person_id=member.pk,
                status=EnrolmentStatus.ENROLLED if has_place else EnrolmentStatus.WAITLISTED,
                enrolled_at=now if has_place else None,
                waitlisted_at=None if has_place else now,
            )
        )
    for batch in progress(batches(enrolments), "enrolments"):
        Enrolment.objects.bulk_create(batch, ignore_conflicts=True)
    StageCompletion.objects.bulk_create(
        [
            StageCompletion(
                stage_id=stage_id,
                person_id=person_id,
                completed_on=day,
                how=CompletionHow.ATTENDANCE,
            )
            for (stage_id, person_id), day in completions.items()
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    places_taken = (
        Enrolment.objects.filter(session=OuterRef("pk"), status=EnrolmentStatus.ENROLLED)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # Coalesce: a session nobody holds a place in has no group, and keeps 0.
    Session.objects.filter(stage__programme__title__startswith=LARGE_PREFIX).update(
        seats_taken=Coalesce(Subquery(places_taken), 0)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE training_session, training_enrolment")


def _feed_programme(
    starts_on: date,
    ends_on: date,
    progress: Callable[[list[list[Any]], str], Iterable[list[Any]]],
    batches: Callable[[list[Any]], list[list[Any]]],
) -> None:
    """A programme of 1,000 single sessions: its calendar feed is the bench's 1,000 events."""
    programme = TrainingProgramme.objects.create(
        title=FEED_TITLE,
        level=ProgrammeLevel.MOVEMENT,
        status=ProgrammeStatus.OPEN,
        time_zone="UTC",
        starts_on=starts_on,
        ends_on=ends_on,
    )
    stage = Stage.objects.create(programme=programme, order=1, title="Open sessions")
    first = datetime.combine(starts_on + timedelta(days=1), time(12, 0), tzinfo=UTC)
    sessions = [
        Session(
            stage=stage,
            title=f"Open session {n + 1}",
            starts_at=first + timedelta(hours=25 * n),
            ends_at=first + timedelta(hours=25 * n, minutes=60),
            time_zone=["Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo"][n % 3],
            capacity=50,
            place="Online",
        )
        for n in range(FEED_SESSIONS)
    ]
    for batch in progress(batches(sessions), "feed"):
        Session.objects.bulk_create(batch)
