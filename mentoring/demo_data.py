"""Demo mentoring for `seed_demo`: a running programme with proposals in every state.

The small scale goes through the real services and the real matching job, at moments in the past,
so that the demo shows what a programme looks like after two months: relationships (one of them
quiet, one ended by a rematch request with feedback), proposals accepted, declined, expired,
awaiting an answer, and a staged run under review with a pinned and a removed pair.

The demo mentor and the demo mentee share a language that no other participant speaks, so the
next run a coordinator starts always proposes the one to the other (the browser journey relies on
it): the mentee applied after the last run and is waiting.

The large scale adds a movement-wide programme of 20,000 mentee applications and 5,000 mentor
offers, written in bulk past the services, then matched once by the real job, with a share of
the pairs published and accepted in bulk (keeping every rule: capacity, one mentor a mentee).
"""

import random
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone

from leadership.models import Membership, Person, PersonLanguage, Skill
from leadership.services import user_create

from . import services
from .models import (
    ApplicationStatus,
    MatchRun,
    MenteeApplication,
    MenteeApplicationSkill,
    MentoringProgramme,
    MentorOffer,
    MentorOfferSkill,
    Proposal,
    ProposalStatus,
    Relationship,
    RunStatus,
    Trait,
)
from .runs import match_run_execute

DEMO_TITLE = "Emerging Leaders Mentoring"
LARGE_TITLE = "Movement-wide Mentoring Circle"
LARGE_MENTEES = 20_000
LARGE_MENTORS = 5_000


def seed_mentoring(
    *,
    people: list[int],
    demo: dict[str, Person],
    skills: list[Skill],
    rng: random.Random,
    large: bool,
    progress: Callable[[list[list[Any]], str], Iterable[list[Any]]],
    batches: Callable[[list[Any]], list[list[Any]]],
) -> None:
    """The demo programme (once), and at the large scale the big one (once)."""
    if not MentoringProgramme.objects.filter(title=DEMO_TITLE).exists():
        _demo_programme(people, demo, skills, rng)
    if large and not MentoringProgramme.objects.filter(title=LARGE_TITLE).exists():
        _large_programme(people, demo, skills, rng, progress, batches)


def _publish(programme: MentoringProgramme, now: datetime) -> None:
    if Proposal.objects.filter(programme=programme, status=ProposalStatus.STAGED).exists():
        services.programme_publish(programme=programme, now=now)


def _run(programme: MentoringProgramme, by: Person, now: datetime) -> MatchRun:
    run = MatchRun.objects.create(
        programme=programme,
        started_by=by.user,
        status=RunStatus.RUNNING,
        parameters=services.programme_rules(programme),
        started_at=now,
        heartbeat_at=now,
    )
    run = match_run_execute(run_id=run.pk, now=now)
    MatchRun.objects.filter(pk=run.pk).update(created_at=now, finished_at=now)
    return run


# The demo pair's language: Scottish Gaelic, which no generated person speaks (the countries of
# leadership/demo_data.py do not list it), so the pair's matching does not depend on the seed.
DEMO_LANGUAGE = "gd"
# Two more people who speak only it (they cannot log in): one the demo mentor already mentors,
# one whose proposal awaits the mentor's answer.
COMPANIONS = [
    ("catriona.gunn@example.org", "Catriona Gunn"),
    ("iain.macleod@example.org", "Iain MacLeod"),
]


def _speaks_only_the_demo_language(person: Person, proficiency: int) -> None:
    PersonLanguage.objects.filter(person=person).exclude(language_id=DEMO_LANGUAGE).delete()
    PersonLanguage.objects.update_or_create(
        person=person, language_id=DEMO_LANGUAGE, defaults={"proficiency": proficiency}
    )


def _demo_programme(
    people: list[int], demo: dict[str, Person], skills: list[Skill], rng: random.Random
) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    coordinator, mentor, mentee = demo["coordinator"], demo["mentor"], demo["mentee"]
    programme = MentoringProgramme.objects.create(
        title=DEMO_TITLE,
        description=(
            "Six months of one-to-one mentoring for people stepping into leadership roles in "
            "their affiliates, with a mentor from another community who speaks their language."
        ),
        scope=MentoringProgramme.Scope.MOVEMENT,
        status=MentoringProgramme.Status.OPEN,
        applications_open_on=today - timedelta(days=90),
        applications_close_on=today + timedelta(days=90),
        cohort_starts_on=today - timedelta(days=60),
        cohort_ends_on=today + timedelta(days=300),
        relationship_weeks=26,
        response_days=7,
        quiet_weeks=4,
        created_by=coordinator.user,
    )
    programme.coordinators.add(coordinator)
    pool = [pk for pk in people if pk not in {p.pk for p in demo.values()}]
    rng.shuffle(pool)
    mentor_ids, mentee_ids = pool[:14], pool[14:38]
    _speaks_only_the_demo_language(mentor, 3)
    _speaks_only_the_demo_language(mentee, 4)
    active, awaiting = (
        user_create(email=email, password=None, display_name=name) for email, name in COMPANIONS
    )
    for companion in (active, awaiting):
        _speaks_only_the_demo_language(companion, 4)

    moment = now - timedelta(days=62)

    def offer(person_ids: list[int]) -> None:
        for person_id in person_ids:
            services.offer_submit(
                programme=programme,
                person=Person.objects.get(pk=person_id),
                capacity=rng.randint(2, 3),
                skills=rng.sample(skills, rng.randint(2, 5)),
                availability=rng.choice(["Two hours a month", "Weekday evenings", "Weekends"]),
                traits=rng.sample(Trait.values, rng.choice([0, 0, 1, 2])),
                today=today,
            )

    # Most mentors from the start, the demo mentor among them; four more offered after the
    # second run, so that the third has places to fill.
    offer(mentor_ids[:10])
    services.offer_submit(
        programme=programme,
        person=mentor,
        capacity=3,
        skills=skills[:4],
        availability="Two evenings a month",
        traits=[Trait.VOLUNTEER],
        today=today,
    )
    for k, person in enumerate([active, *Person.objects.filter(pk__in=mentee_ids)]):
        application = services.application_submit(
            programme=programme,
            person=person,
            goals=rng.choice(GOALS),
            skills=rng.sample(skills, rng.randint(1, 3)),
            preferences=rng.sample(Trait.values, rng.choice([0, 0, 0, 1])),
            now=now,
        )
        MenteeApplication.objects.filter(pk=application.pk).update(
            waiting_since=moment - timedelta(days=3 * k)
        )

    # Run 1, two months ago: published; most accepted, two declined, the rest expired.
    _run(programme, coordinator, moment)
    _publish(programme, moment)
    sent = list(
        Proposal.objects.filter(programme=programme, status=ProposalStatus.PROPOSED).order_by("pk")
    )
    relationships: list[Relationship] = []
    for k, proposal in enumerate(sent):
        answered = moment + timedelta(days=1 + k % 5)
        if proposal.offer.person_id == mentor.pk:
            # The demo mentor's mentee: accepted, with check-ins.
            relationships.insert(1, services.proposal_accept(proposal=proposal, now=answered))
        elif k % 6 == 4:
            services.proposal_decline(
                proposal=proposal, reason="My term as treasurer starts next month.", now=answered
            )
        elif k % 6 != 5:
            relationships.append(services.proposal_accept(proposal=proposal, now=answered))
    services.proposals_expire(now=moment + timedelta(days=8))
    for k, relationship in enumerate(relationships):
        if k == 0:
            continue  # quiet: no check-in since it began, more than four weeks ago
        by = relationship.offer.person if k % 2 else relationship.application.person
        for weeks_ago in (7, 4, 1):
            day = today - timedelta(weeks=weeks_ago, days=k % 3)
            if day >= relationship.started_on:
                services.check_in_add(
                    relationship=relationship,
                    by=by,
                    happened_on=day,
                    notes="Talked through the annual plan and the next board meeting.",
                    today=today,
                )
    if len(relationships) > 2:
        ended = services.relationship_end(
            relationship=relationships[-1],
            by=relationships[-1].application.person,
            reason=Relationship.EndReason.REMATCH,
            note="Our working hours never overlap.",
            today=today - timedelta(days=10),
        )
        for side in (ended.offer.person, ended.application.person):
            services.feedback_give(
                relationship=ended, person=side, rating=3, comment="Kind, but hard to meet."
            )

    # Run 2, five days ago: published, awaiting answers (the demo mentor's own included).
    services.application_submit(
        programme=programme,
        person=awaiting,
        goals="Start a user group in my language and find its first organisers.",
        skills=skills[:2],
        now=now - timedelta(days=6),
    )
    _run(programme, coordinator, now - timedelta(days=5))
    _publish(programme, now - timedelta(days=5))

    # Run 3, yesterday: staged for review; one pair pinned, one removed.
    offer(mentor_ids[10:])
    _run(programme, coordinator, now - timedelta(days=1))
    staged = list(
        Proposal.objects.filter(programme=programme, status=ProposalStatus.STAGED).order_by("pk")
    )
    if staged:
        services.proposal_pin(proposal=staged[0], pinned=True)
    if len(staged) > 1:
        services.proposal_remove(proposal=staged[1])

    # The demo mentee applied after that run: waiting, and matched by the next one.
    services.application_submit(
        programme=programme,
        person=mentee,
        goals="Become our chapter's treasurer next year, and learn to write a grant report.",
        skills=skills[:3],
        preferences=[Trait.VOLUNTEER],
        now=now - timedelta(hours=12),
    )


GOALS = [
    "Prepare to stand for our chapter's board next year.",
    "Learn to run an edit-a-thon series and bring in new organisers.",
    "Write our first annual plan and grant application.",
    "Grow from volunteer to programme lead without burning out.",
    "Learn to facilitate difficult conversations in our community.",
    "Build partnerships with libraries and universities in my city.",
]


def _large_programme(
    people: list[int],
    demo: dict[str, Person],
    skills: list[Skill],
    rng: random.Random,
    progress: Callable[[list[list[Any]], str], Iterable[list[Any]]],
    batches: Callable[[list[Any]], list[list[Any]]],
) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    programme = MentoringProgramme.objects.create(
        title=LARGE_TITLE,
        description="The movement's open mentoring circle: anyone may ask, anyone may offer.",
        scope=MentoringProgramme.Scope.MOVEMENT,
        status=MentoringProgramme.Status.OPEN,
        applications_open_on=today - timedelta(days=120),
        applications_close_on=today + timedelta(days=60),
        cohort_starts_on=today - timedelta(days=90),
        cohort_ends_on=today + timedelta(days=270),
        created_by=demo["coordinator"].user,
    )
    programme.coordinators.add(demo["coordinator"])
    pool = [pk for pk in people if pk not in {p.pk for p in demo.values()}]
    rng.shuffle(pool)
    mentors = pool[:LARGE_MENTORS]
    mentees = pool[LARGE_MENTORS : LARGE_MENTORS + LARGE_MENTEES]
    # Each takes part through their first community, as the application form proposes.
    home: dict[int, int] = {}
    for person_id, community_id in (
        Membership.objects.filter(person_id__in=pool[: LARGE_MENTORS + LARGE_MENTEES])
        .values_list("person_id", "community_id")
        .order_by("community__name", "community_id")
    ):
        home.setdefault(person_id, community_id)
    offers = [
        MentorOffer(
            programme=programme,
            person_id=person_id,
            community_id=home.get(person_id),
            capacity=rng.randint(1, 5),
            availability="",
            traits=rng.sample(Trait.values, rng.choice([0, 0, 0, 1, 2])),
        )
        for person_id in mentors
    ]
    for batch in progress(batches(offers), "mentor offers"):
        MentorOffer.objects.bulk_create(batch)
    applications = [
        MenteeApplication(
            programme=programme,
            person_id=person_id,
            community_id=home.get(person_id),
            goals=rng.choice(GOALS),
            preferences=rng.sample(Trait.values, 1) if rng.random() < 0.2 else [],
            waiting_since=now - timedelta(days=rng.randint(0, 400), minutes=rng.randint(0, 1439)),
        )
        for person_id in mentees
    ]
    for batch in progress(batches(applications), "applications"):
        MenteeApplication.objects.bulk_create(batch)
    offer_ids = list(MentorOffer.objects.filter(programme=programme).values_list("pk", flat=True))
    application_ids = list(
        MenteeApplication.objects.filter(programme=programme).values_list("pk", flat=True)
    )
    offer_skills = [
        MentorOfferSkill(offer_id=pk, skill=skill)
        for pk in offer_ids
        for skill in rng.sample(skills, rng.randint(2, 6))
    ]
    for batch in progress(batches(offer_skills), "skills offered"):
        MentorOfferSkill.objects.bulk_create(batch)
    wanted = [
        MenteeApplicationSkill(application_id=pk, skill=skill)
        for pk in application_ids
        for skill in rng.sample(skills, rng.randint(1, 4))
    ]
    for batch in progress(batches(wanted), "skills wanted"):
        MenteeApplicationSkill.objects.bulk_create(batch)

    # One run a month ago, published; two in five pairs accepted, in bulk.
    moment = now - timedelta(days=30)
    _run(programme, demo["coordinator"], moment)
    _publish(programme, moment)
    accepted: list[tuple[int, int, int]] = []
    for pk, offer_id, application_id in Proposal.objects.filter(
        programme=programme, status=ProposalStatus.PROPOSED
    ).values_list("pk", "offer_id", "application_id"):
        if rng.random() < 0.4:
            accepted.append((pk, offer_id, application_id))
    answered = moment + timedelta(days=2)
    started = timezone.localdate(answered)
    Proposal.objects.filter(pk__in=[a[0] for a in accepted]).update(
        status=ProposalStatus.ACCEPTED, answered_at=answered
    )
    relationships = [
        Relationship(
            programme=programme,
            proposal_id=pk,
            offer_id=offer_id,
            application_id=application_id,
            started_on=started,
            planned_end_on=started + timedelta(weeks=programme.relationship_weeks),
            last_activity_on=started + timedelta(days=rng.choice([0, 7, 14, 21])),
        )
        for pk, offer_id, application_id in accepted
    ]
    for batch in progress(batches(relationships), "relationships"):
        Relationship.objects.bulk_create(batch)
    load: dict[int, int] = {}
    for _pk, offer_id, _a in accepted:
        load[offer_id] = load.get(offer_id, 0) + 1
    for count in set(load.values()):
        MentorOffer.objects.filter(pk__in=[o for o, n in load.items() if n == count]).update(
            active_count=F("active_count") + count
        )
    MenteeApplication.objects.filter(pk__in=[a[2] for a in accepted]).update(
        status=ApplicationStatus.MATCHED
    )
    # The rest of the month-old proposals ran out a week after they were sent; yesterday's run
    # is staged for the coordinator's review.
    services.proposals_expire(now=now)
    _run(programme, demo["coordinator"], now - timedelta(days=1))
