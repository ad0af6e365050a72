"""Coaching's part of `seed_demo`.

Small scale, through the real services (at moments in the past where it tells a story):
- The demo coach (coach@example.org, a demo login) coaches in English, French and Yoruba in
  Sub-Saharan Africa and Northern and Western Europe, with room for four engagements. They have
  an active engagement with the demo organiser in the demo chapter (three sessions logged, with
  summaries and private notes), a proposal awaiting their answer, and a completed engagement
  with another community's leadership team. They hold no role in the demo chapter and do not
  organise it, so they may be suggested there.
- Eight more coaches across regions and languages, from the generated people, none a member of
  the demo chapter (so that the coordinator's suggestions for a leader of the demo chapter rank
  several of them), with a mix of engagements: with leaders and with teams, active, paused,
  proposed and completed. One knows the demo chapter (it is among the communities they serve),
  one is full, one is away and one takes no new engagements, so the suggestions show why.

Large scale (the bench's): 2,000 coaches and 20,000 engagements over the last two years and the
next, about three sessions for each one under way or done, written in bulk past the services.
The caseload counter is computed from the rows written (never above the cap), and no coach is
placed in a community they belong to or hold a role in.
"""

import random
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from leadership.models import Community, Language, Membership, Person, Region, Skill
from plans.models import Term

from . import services
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

DEMO_COACH_EMAIL = "coach@example.org"
LARGE_COACHES = 2_000
LARGE_ENGAGEMENTS = 20_000

GOALS = [
    "Grow into the chair's role and run board meetings that end on time.",
    "Prepare the chapter's first annual plan with the whole team.",
    "Find and bring in the next generation of organisers.",
    "Handle a conflict between two long-standing volunteers.",
    "Step from volunteer to staff lead without burning out.",
    "Build a partnership with the national library.",
    "Learn to delegate and to say no.",
]
SUMMARIES = [
    "We looked back at the last board meeting and agreed on two changes to the agenda.",
    "We mapped who could take over the edit-a-thon series, and how to ask them.",
    "We worked through the budget draft and the questions the funder may ask.",
    "We prepared the conversation with the two volunteers, and what a good outcome looks like.",
    "We reviewed progress on the goals and chose the focus for the next month.",
]
NOTES = [
    "Seems tired; check in on workload next time.",
    "Mentioned tension with the treasurer; do not raise it unless they do.",
    "Strong progress; ready to run the next meeting alone.",
    "Worried about the grant; suggest the finance training.",
]
APPROACHES = [
    "Questions more than answers: I help leaders find their own way, with a plan at the end.",
    "Practical and structured: we set goals in the first session and review them every month.",
    "I listen first. Many of my engagements are about conflict and about saying no.",
    "I coach teams as much as people: how a board decides, meets and shares the work.",
]
AVAILABILITY = ["Two evenings a month", "Weekday mornings, UTC", "Weekends", "Flexible"]

# The other small-scale coaches: (regions, languages, caseload cap, accepting, away).
COACH_SPECS: list[tuple[list[str], list[str], int, bool, bool]] = [
    (["ssa"], ["en", "yo", "ig"], 3, True, False),
    (["ssa", "mena"], ["fr", "ar", "en"], 4, True, False),
    (["ssa"], ["en", "sw"], 2, True, False),  # filled to the cap below
    (["nwe", "cee"], ["en", "de"], 3, True, False),
    (["lac", "na"], ["es", "en", "pt"], 3, True, False),
    (["sa", "ssa"], ["hi", "en"], 3, True, True),  # away for a month
    (["eseap"], ["id", "en"], 2, False, False),  # not taking new engagements
    (["global"], ["en", "fr", "es"], 5, True, False),
]


def seed_coaching(
    *,
    people: list[int],
    demo: dict[str, Person],
    communities: list[Community],
    skills: list[Skill],
    seed: int,
    large: bool,
    progress: Callable[[list[list[Any]], str], Iterable[list[Any]]],
    batches: Callable[[list[Any]], list[list[Any]]],
) -> None:
    """The demo coaching (once), and at the large scale the bench's coaches (once)."""
    if not communities:
        return
    # Generators of their own: the other apps' seeds draw less on a re-run, and coaching's data
    # must not depend on that.
    if not CoachProfile.objects.filter(person=demo["coach"]).exists():
        _small(people, demo, communities, skills, random.Random(f"{seed}:coaching"))
    # More coaches than the small scale makes: the large scale's are there already.
    if large and CoachProfile.objects.count() <= len(COACH_SPECS) + 1:
        _large(people, demo, skills, random.Random(f"{seed}:coaching-large"), progress, batches)


# --- small ------------------------------------------------------------------------------


def _languages(codes: list[str]) -> list[Language]:
    found = Language.objects.in_bulk(codes)
    return [found[code] for code in codes if code in found]


def _make_coach(
    person: Person,
    *,
    regions: list[str],
    languages: list[str],
    cap: int,
    skills: list[Skill],
    rng: random.Random,
    communities: list[Community] | None = None,
) -> CoachProfile:
    coach = services.coach_create(person=person)
    return services.coach_update(
        coach=coach,
        data={
            "caseload_cap": cap,
            "availability": rng.choice(AVAILABILITY),
            "approach": rng.choice(APPROACHES),
        },
        languages=_languages(languages),
        communities=communities or [],
        skills=skills,
        regions=regions,
    )


def _engage(
    coach: CoachProfile,
    *,
    community: Community,
    coachee: Person | None,
    starts_on: date,
    ends_on: date,
    by: Person,
    today: date,
    rng: random.Random,
    skills: list[Skill],
    status: str,
    sessions: int = 0,
    plan_unit: str = PlanUnit.SESSIONS,
) -> CoachAssignment:
    """An engagement proposed before `starts_on`, taken to `status` through the services."""
    proposed_on = min(starts_on - timedelta(days=10), today)
    assignment = services.assignment_propose(
        coach=coach,
        plan=services.EngagementPlan(
            community=community,
            coachee=coachee,
            goals=rng.choice(GOALS),
            starts_on=starts_on,
            ends_on=ends_on,
            plan_unit=plan_unit,
            planned_amount=8 if plan_unit == PlanUnit.SESSIONS else 12,
            quiet_weeks=4,
            skills=tuple(skills),
            requested_by=coachee,
            request_reason="Asked for at the regional leadership meeting.",
        ),
        by=by,
        today=today,
    )
    created = timezone.now() - timedelta(days=(today - proposed_on).days, hours=3)
    CoachAssignment.objects.filter(pk=assignment.pk).update(created_at=created)
    if status == AssignmentStatus.PROPOSED:
        return assignment
    if status == AssignmentStatus.DECLINED:
        return services.assignment_decline(
            assignment=assignment, reason="My term as chair starts next month.", now=created
        )
    assignment = services.assignment_accept(assignment=assignment, now=created + timedelta(days=2))
    last = min(today, ends_on)
    span = max((last - starts_on).days, 0)
    for k in range(sessions):
        happened_on = starts_on + timedelta(days=span * (k + 1) // (sessions + 1))
        services.session_log(
            assignment=assignment,
            happened_on=happened_on,
            duration_minutes=rng.choice([45, 60, 60, 90]),
            summary=SUMMARIES[k % len(SUMMARIES)],
            private_notes=rng.choice(NOTES) if k % 2 == 0 else "",
            today=today,
        )
    if status == AssignmentStatus.PAUSED:
        return services.assignment_pause(assignment=assignment)
    if status == AssignmentStatus.COMPLETED:
        return services.assignment_complete(
            assignment=assignment,
            note="The goals were met: the team runs its own planning now.",
            today=min(ends_on, today),
        )
    return assignment


def _small(
    people: list[int],
    demo: dict[str, Person],
    communities: list[Community],
    skills: list[Skill],
    rng: random.Random,
) -> None:
    today = timezone.localdate()
    chapter = communities[0]
    coordinator, organiser, demo_coach = demo["coordinator"], demo["organiser"], demo["coach"]

    # Who is where: a coach is never placed inside a community they belong to or hold a role in.
    members: dict[int, list[tuple[int, str]]] = {}
    belongs: dict[int, set[int]] = {}
    for person_id, community_id, role in Membership.objects.filter(
        community__in=communities
    ).values_list("person_id", "community_id", "role"):
        members.setdefault(community_id, []).append((person_id, role))
        belongs.setdefault(person_id, set()).add(community_id)
    conflicted = {
        c.pk: services.conflicted_coach_person_ids(community=c, today=today) for c in communities
    }
    others = [c for c in communities[1:] if members.get(c.pk)]

    def leaders(community: Community) -> list[int]:
        ordered = sorted(members.get(community.pk, []), key=lambda m: (m[1] != "organiser", m[0]))
        return [person_id for person_id, _role in ordered]

    # The demo coach.
    coach = _make_coach(
        demo_coach,
        regions=[Region.SUB_SAHARAN_AFRICA, Region.NWE],
        languages=["en", "fr", "yo"],
        cap=4,
        skills=skills[:4],
        rng=rng,
    )
    _engage(
        coach,
        community=chapter,
        coachee=organiser,
        starts_on=today - timedelta(days=70),
        ends_on=today + timedelta(days=110),
        by=coordinator,
        today=today,
        rng=rng,
        skills=skills[:2],
        status=AssignmentStatus.ACTIVE,
        sessions=3,
    )
    if others:
        awaiting = others[0]
        _engage(
            coach,
            community=awaiting,
            coachee=Person.objects.get(pk=leaders(awaiting)[0]),
            starts_on=today + timedelta(days=14),
            ends_on=today + timedelta(days=194),
            by=coordinator,
            today=today,
            rng=rng,
            skills=skills[2:4],
            status=AssignmentStatus.PROPOSED,
        )
    if len(others) > 1:
        _engage(
            coach,
            community=others[1],
            coachee=None,
            starts_on=today - timedelta(days=400),
            ends_on=today - timedelta(days=220),
            by=coordinator,
            today=today,
            rng=rng,
            skills=skills[4:6],
            status=AssignmentStatus.COMPLETED,
            sessions=4,
            plan_unit=PlanUnit.HOURS,
        )

    # Eight more coaches, none in the demo chapter.
    demo_ids = {p.pk for p in demo.values()}
    pool = [
        pk
        for pk in people
        if pk not in demo_ids
        and chapter.pk not in belongs.get(pk, set())
        and pk not in conflicted[chapter.pk]
    ]
    rng.shuffle(pool)
    coaches: list[CoachProfile] = []
    for k, ((regions, languages, cap, _accepting, _away), person_id) in enumerate(
        zip(COACH_SPECS, pool, strict=False)
    ):
        coaches.append(
            _make_coach(
                Person.objects.get(pk=person_id),
                regions=regions,
                languages=languages,
                cap=cap,
                skills=rng.sample(skills, min(len(skills), rng.randint(2, 5))),
                rng=rng,
                # The first knows the demo chapter well: the suggestions say so.
                communities=[chapter] if k == 0 else [],
            )
        )

    # A mix of engagements, each in a community the coach has no part in.
    plans = [
        # (status, with a team, sessions, days from today to the start, length in days)
        (AssignmentStatus.ACTIVE, False, 2, -50, 180),
        (AssignmentStatus.ACTIVE, True, 3, -90, 200),
        (AssignmentStatus.PAUSED, False, 1, -120, 240),
        (AssignmentStatus.COMPLETED, False, 3, -300, 150),
        (AssignmentStatus.COMPLETED, True, 2, -500, 180),
        (AssignmentStatus.PROPOSED, False, 0, 20, 180),
    ]
    for k, coach_profile in enumerate(coaches):
        # Two or three each; the third coach (cap 2) is filled to the cap with open ones.
        chosen = [plans[(k + j) % len(plans)] for j in range(2 + k % 2)]
        if k == 2:
            chosen = [plans[0], plans[5]]
        for status, team, sessions, start, length in chosen:
            is_open = status in OPEN_STATUSES
            coach_profile.refresh_from_db(fields=["open_count"])
            if is_open and coach_profile.open_count >= coach_profile.caseload_cap:
                continue
            for community in rng.sample(others, len(others)):
                if coach_profile.person_id in conflicted[community.pk] or community.pk in (
                    belongs.get(coach_profile.person_id, set())
                ):
                    continue
                candidates = [p for p in leaders(community) if p != coach_profile.person_id]
                if not team and not candidates:
                    continue
                taken = CoachAssignment.objects.filter(
                    coach=coach_profile, community=community, status__in=OPEN_STATUSES
                ).exists()
                if taken:
                    continue
                _engage(
                    coach_profile,
                    community=community,
                    coachee=None if team else Person.objects.get(pk=candidates[0]),
                    starts_on=today + timedelta(days=start),
                    ends_on=today + timedelta(days=start + length),
                    by=coordinator,
                    today=today,
                    rng=rng,
                    skills=rng.sample(skills, min(len(skills), 2)),
                    status=status,
                    sessions=sessions,
                )
                break

    # Then one coach went away for a month and one stopped taking new engagements (after their
    # engagements were proposed: the services refuse proposals to them from now on).
    for (_regions, _languages, _cap, accepting, away), coach_profile in zip(
        COACH_SPECS, coaches, strict=False
    ):
        if not accepting or away:
            coach_profile.accepting = accepting
            coach_profile.away_until = today + timedelta(days=30) if away else None
            coach_profile.save(update_fields=["accepting", "away_until"])


# --- large ------------------------------------------------------------------------------


def _large(
    people: list[int],
    demo: dict[str, Person],
    skills: list[Skill],
    rng: random.Random,
    progress: Callable[[list[list[Any]], str], Iterable[list[Any]]],
    batches: Callable[[list[Any]], list[list[Any]]],
) -> None:
    today = timezone.localdate()
    taken = set(CoachProfile.objects.values_list("person_id", flat=True)) | {
        p.pk for p in demo.values()
    }
    pool = [pk for pk in people if pk not in taken]
    rng.shuffle(pool)
    # A coach for every 50 people at most: the rest are the leaders they coach.
    coach_ids = pool[: min(LARGE_COACHES, len(pool) // 3)]
    if not coach_ids:
        return
    target = min(LARGE_ENGAGEMENTS, 10 * len(coach_ids))

    memberships = list(Membership.objects.values_list("person_id", "community_id"))
    if not memberships:
        return
    # The communities each coach belongs to or holds a role in: never theirs to coach in.
    excluded: dict[int, set[int]] = {pk: set() for pk in coach_ids}
    for person_id, community_id in memberships:
        if person_id in excluded:
            excluded[person_id].add(community_id)
    for person_id, community_id in Term.objects.filter(person_id__in=coach_ids).values_list(
        "person_id", "role__community_id"
    ):
        excluded[person_id].add(community_id)

    caps = [rng.randint(3, 12) for _ in coach_ids]
    open_count = [0] * len(coach_ids)
    open_keys: set[tuple[int, int | None, int | None]] = set()
    rows: list[CoachAssignment] = []
    coach_of_row: list[int] = []
    attempts = 0
    while len(rows) < target and attempts < target * 4:
        attempts += 1
        ci = rng.randrange(len(coach_ids))
        coach_person = coach_ids[ci]
        leader, community_id = memberships[rng.randrange(len(memberships))]
        team = rng.random() < 0.15
        if community_id in excluded[coach_person] or leader == coach_person:
            continue
        starts_on = today + timedelta(days=rng.randint(-730, 270))
        ends_on = min(starts_on + timedelta(days=rng.randint(60, 365)), today + timedelta(days=365))
        r = rng.random()
        if ends_on <= today:
            status = (
                AssignmentStatus.COMPLETED
                if r < 0.8
                else AssignmentStatus.DECLINED
                if r < 0.9
                else AssignmentStatus.WITHDRAWN
            )
        elif starts_on > today:
            status = AssignmentStatus.PROPOSED if r < 0.4 else AssignmentStatus.ACTIVE
        else:
            status = (
                AssignmentStatus.PROPOSED
                if r < 0.05
                else AssignmentStatus.ACTIVE
                if r < 0.85
                else AssignmentStatus.PAUSED
            )
        if status in OPEN_STATUSES:
            key = (ci, None, community_id) if team else (ci, leader, None)
            if open_count[ci] >= caps[ci] or key in open_keys:
                continue
            open_keys.add(key)
            open_count[ci] += 1
        ended_on = None
        if status == AssignmentStatus.COMPLETED:
            ended_on = ends_on - timedelta(days=rng.randint(0, 20))
        elif status in (AssignmentStatus.DECLINED, AssignmentStatus.WITHDRAWN):
            ended_on = starts_on - timedelta(days=rng.randint(1, 9))
        rows.append(
            CoachAssignment(
                coachee_id=None if team else leader,
                community_id=community_id,
                goals=rng.choice(GOALS),
                starts_on=starts_on,
                ends_on=ends_on,
                plan_unit=PlanUnit.SESSIONS if rng.random() < 0.8 else PlanUnit.HOURS,
                planned_amount=rng.randint(4, 12),
                quiet_weeks=rng.choice([2, 3, 4, 4, 6, 8]),
                status=status,
                created_by_id=demo["coordinator"].pk,
                decline_reason="No time this term." if status == AssignmentStatus.DECLINED else "",
                ended_on=ended_on,
                # Written in SQL below with created_at: a day after the proposal.
                responded_at=None,
            )
        )
        coach_of_row.append(ci)

    profiles = [
        CoachProfile(
            person_id=person_id,
            caseload_cap=caps[ci],
            open_count=open_count[ci],
            accepting=rng.random() < 0.85,
            availability=rng.choice(AVAILABILITY),
            approach=rng.choice(APPROACHES),
        )
        for ci, person_id in enumerate(coach_ids)
    ]
    for batch in progress(batches(profiles), "coaches"):
        CoachProfile.objects.bulk_create(batch)
    profile_ids = dict(
        CoachProfile.objects.filter(person_id__in=coach_ids).values_list("person_id", "pk")
    )
    codes = list(Language.objects.filter(code__in=_LARGE_LANGUAGES).values_list("code", flat=True))
    regions = [r for r in Region.values if r != Region.GLOBAL]
    language_links, skill_links, region_rows = [], [], []
    for person_id in coach_ids:
        pk = profile_ids[person_id]
        language_links += [
            CoachProfile.languages.through(coachprofile_id=pk, language_id=code)
            for code in rng.sample(codes, min(len(codes), rng.randint(1, 3)))
        ]
        skill_links += [
            CoachProfile.skills.through(coachprofile_id=pk, skill_id=skill.pk)
            for skill in rng.sample(skills, min(len(skills), rng.randint(2, 5)))
        ]
        region_rows += [
            CoachRegion(coach_id=pk, region=region)
            for region in rng.sample(regions, rng.randint(1, 2))
        ]
    for model, items in (
        (CoachProfile.languages.through, language_links),
        (CoachProfile.skills.through, skill_links),
        (CoachRegion, region_rows),
    ):
        for batch in progress(batches(items), "coach traits"):
            model.objects.bulk_create(batch)

    for row, ci in zip(rows, coach_of_row, strict=True):
        row.coach_id = profile_ids[coach_ids[ci]]
    for batch in progress(batches(rows), "engagements"):
        CoachAssignment.objects.bulk_create(batch)

    # About three sessions for each engagement under way or done; a private note on one in three.
    sessions: list[CoachingSession] = []
    last_session: dict[int, date] = {}
    assignment_skills = []
    for row in rows:
        assignment_skills += [
            CoachAssignment.skills.through(coachassignment_id=row.pk, skill_id=skill.pk)
            for skill in rng.sample(skills, min(len(skills), rng.randint(1, 3)))
        ]
        if (
            row.status
            not in (
                AssignmentStatus.ACTIVE,
                AssignmentStatus.PAUSED,
                AssignmentStatus.COMPLETED,
            )
            or row.starts_on > today
        ):
            continue
        last = min(today, row.ended_on or row.ends_on)
        span = max((last - row.starts_on).days, 0)
        days = sorted(
            row.starts_on + timedelta(days=rng.randint(0, span)) for _ in range(rng.randint(2, 4))
        )
        for day in days:
            sessions.append(
                CoachingSession(
                    assignment_id=row.pk,
                    happened_on=day,
                    duration_minutes=rng.choice([45, 60, 60, 90]),
                    summary=rng.choice(SUMMARIES),
                )
            )
        last_session[row.pk] = days[-1]
    for batch in progress(batches(assignment_skills), "engagement skills"):
        CoachAssignment.skills.through.objects.bulk_create(batch)
    for batch in progress(batches(sessions), "sessions"):
        CoachingSession.objects.bulk_create(batch)
    notes = [
        CoachingNote(session_id=session.pk, text=rng.choice(NOTES))
        for k, session in enumerate(sessions)
        if k % 3 == 0
    ]
    for batch in progress(batches(notes), "private notes"):
        CoachingNote.objects.bulk_create(batch)
    by_day: dict[date, list[int]] = {}
    for pk, day in last_session.items():
        by_day.setdefault(day, []).append(pk)
    _write_last_sessions(by_day)
    _write_moments([row.pk for row in rows])


_LARGE_LANGUAGES = ["en", "fr", "es", "ar", "pt", "de", "sw", "hi", "id", "ru", "zh", "yo"]


def _write_last_sessions(by_day: dict[date, list[int]]) -> None:
    """last_session_on, one UPDATE a day (about 700 over two years)."""
    if connection.vendor == "postgresql":
        pairs = [(pk, day) for day, pks in by_day.items() for pk in pks]
        with connection.cursor() as cursor:
            for start in range(0, len(pairs), 5000):
                chunk = pairs[start : start + 5000]
                cursor.execute(
                    "UPDATE leadership_coachassignment a SET last_session_on = v.day"
                    " FROM unnest(%s::int[], %s::date[]) AS v(id, day) WHERE a.id = v.id",
                    [[pk for pk, _d in chunk], [d for _pk, d in chunk]],
                )
        return
    for day, pks in by_day.items():
        CoachAssignment.objects.filter(pk__in=pks).update(last_session_on=day)


def _write_moments(ids: list[int]) -> None:
    """created_at (auto_now_add stamps bulk rows with now) and responded_at, as they were: a
    proposal made two to five weeks before the start (a recent one for those still proposed),
    answered two days later."""
    if connection.vendor != "postgresql" or not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE leadership_coachassignment
               SET created_at = CASE WHEN status = 'proposed'
                       THEN now() - make_interval(days => (id %% 20)::int, mins => (id %% 600)::int)
                       ELSE LEAST(
                           (starts_on - 14 - (id %% 21)::int)::timestamp AT TIME ZONE 'UTC'
                               + make_interval(mins => (id %% 900)::int),
                           now() - make_interval(days => 1))
                   END
             WHERE id = ANY(%s)
            """,
            [ids],
        )
        cursor.execute(
            """
            UPDATE leadership_coachassignment
               SET responded_at = created_at + interval '2 days'
             WHERE id = ANY(%s) AND status IN ('active', 'paused', 'completed', 'declined')
            """,
            [ids],
        )
