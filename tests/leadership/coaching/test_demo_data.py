"""Coaching's part of seed_demo: the demo coach's engagements, idempotence, a true caseload.

Seeded as tests/leadership/test_seed_demo.py seeds (the small scale, through the command); the
large scale's writer is run over it at a reduced size, so that the suite stays fast.
"""

from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from leadership.coaching import demo_data
from leadership.coaching.models import (
    OPEN_STATUSES,
    AssignmentStatus,
    CoachAssignment,
    CoachingNote,
    CoachingSession,
    CoachProfile,
)
from leadership.coaching.services import conflicted_coach_person_ids
from leadership.management.commands.seed_demo import DEMO_PASSWORD, _batches
from leadership.models import Community, Membership, Person, Skill
from plans.models import Term

pytestmark = pytest.mark.django_db

DEMO_CHAPTER = "wikimedia-demo-chapter"


def seed() -> None:
    call_command("seed_demo", "--scale", "small", "--quiet-logins", stdout=StringIO())


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def assert_caseloads_are_true() -> None:
    """Each coach's open_count is their open engagements, within the cap."""
    counted = dict(
        CoachAssignment.objects.filter(status__in=OPEN_STATUSES)
        .values("coach_id")
        .annotate(n=Count("pk"))
        .values_list("coach_id", "n")
    )
    for coach in CoachProfile.objects.all():
        assert coach.open_count == counted.get(coach.pk, 0), coach
        assert coach.open_count <= coach.caseload_cap, coach


def assert_no_coach_inside_their_own_community() -> None:
    today = timezone.localdate()
    for community in Community.objects.filter(coaching_assignments__isnull=False).distinct():
        conflicted = conflicted_coach_person_ids(community=community, today=today)
        coaches = set(
            CoachAssignment.objects.filter(
                community=community, status__in=OPEN_STATUSES
            ).values_list("coach__person_id", flat=True)
        )
        assert not coaches & conflicted, community


def test_the_demo_coach_has_their_engagements_outside_the_demo_chapter() -> None:
    # when
    seed()

    # then the demo coach can log in, with a profile and cap 4
    coach = CoachProfile.objects.select_related("person__user").get(
        person__user__email="coach@example.org"
    )
    assert coach.person.user.check_password(DEMO_PASSWORD)
    assert coach.caseload_cap == 4
    assert coach.languages.exists()
    assert coach.skills.exists()
    assert coach.coach_regions.exists()
    # an active engagement with the demo organiser in the demo chapter, with sessions that have
    # summaries and private notes; a proposal to answer; a completed one
    engagements = {a.status: a for a in coach.assignments.select_related("coachee", "community")}
    assert sorted(engagements) == ["active", "completed", "proposed"]
    active = engagements["active"]
    assert active.coachee is not None
    assert active.coachee.user.email == "organiser@example.org"
    assert active.community.slug == DEMO_CHAPTER
    sessions = CoachingSession.objects.filter(assignment=active)
    assert 2 <= sessions.count() <= 3
    assert all(session.summary for session in sessions)
    assert CoachingNote.objects.filter(session__assignment=active).exists()
    assert active.last_session_on == max(s.happened_on for s in sessions)
    assert coach.open_count == 2
    # not in the demo chapter: suggestible there
    chapter = Community.objects.get(slug=DEMO_CHAPTER)
    assert not Membership.objects.filter(person=coach.person, community=chapter).exists()
    assert not Term.objects.filter(person=coach.person, role__community=chapter).exists()
    assert coach.person_id not in conflicted_coach_person_ids(
        community=chapter, today=timezone.localdate()
    )
    # and the coaches a coordinator could suggest for a leader of the demo chapter
    others = CoachProfile.objects.exclude(pk=coach.pk)
    assert others.count() == len(demo_data.COACH_SPECS)
    conflicted = conflicted_coach_person_ids(community=chapter, today=timezone.localdate())
    suggestible = others.filter(
        accepting=True, away_until__isnull=True, open_count__lt=F("caseload_cap")
    ).exclude(Q(person_id__in=conflicted) | Q(person__memberships__community=chapter))
    assert suggestible.count() >= 4
    assert suggestible.filter(coach_regions__region="ssa").exists()
    # a mix: teams, and every status but the refused ones
    assert CoachAssignment.objects.filter(coachee__isnull=True).count() >= 2
    statuses = Counter(CoachAssignment.objects.values_list("status", flat=True))
    assert {"active", "paused", "proposed", "completed"} <= set(statuses)
    assert_caseloads_are_true()
    assert_no_coach_inside_their_own_community()


def test_a_second_run_seeds_nothing_twice() -> None:
    # given
    seed()
    counts = row_counts()
    caseloads = dict(CoachProfile.objects.values_list("pk", "open_count"))

    # when
    seed()

    # then
    assert row_counts() == counts
    assert dict(CoachProfile.objects.values_list("pk", "open_count")) == caseloads
    assert counts["leadership.CoachAssignment"] > 10


def test_the_large_writer_keeps_every_caseload_and_conflict_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given the small demo, and the large scale's writer at a reduced size
    seed()
    monkeypatch.setattr(demo_data, "LARGE_COACHES", 15)
    monkeypatch.setattr(demo_data, "LARGE_ENGAGEMENTS", 150)
    people = list(
        Person.objects.filter(user__username__startswith="person")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    demo = {
        key: Person.objects.get(user__email=f"{key}@example.org")
        for key in ("coach", "coordinator", "organiser")
    }

    def run() -> None:
        demo_data.seed_coaching(
            people=people,
            demo=demo,
            communities=list(Community.objects.order_by("pk")),
            skills=list(Skill.objects.order_by("slug")),
            seed=2026,
            large=True,
            progress=lambda batches, _what: batches,
            batches=_batches,
        )

    before = CoachAssignment.objects.count()

    # when
    run()

    # then
    assert CoachProfile.objects.count() == 1 + len(demo_data.COACH_SPECS) + 15
    assert CoachAssignment.objects.count() - before == 150
    assert_caseloads_are_true()
    assert_no_coach_inside_their_own_community()
    # no coach in a community they are a member of either
    assert not CoachAssignment.objects.filter(
        community__memberships__person=F("coach__person")
    ).exists()
    statuses = set(CoachAssignment.objects.values_list("status", flat=True))
    assert set(AssignmentStatus.values) - {"withdrawn", "declined"} <= statuses
    # sessions for the engagements under way or done, never before the start or after today
    today = timezone.localdate()
    assert not CoachingSession.objects.filter(
        Q(happened_on__lt=F("assignment__starts_on")) | Q(happened_on__gt=today)
    ).exists()
    assert not CoachAssignment.objects.filter(
        status=AssignmentStatus.PROPOSED, sessions__isnull=False
    ).exists()
    with_sessions = CoachAssignment.objects.filter(
        status__in=["active", "paused", "completed"], starts_on__lte=today
    )
    assert all(a.last_session_on is not None for a in with_sessions)
    # created before now, answered after being proposed
    assert not CoachAssignment.objects.filter(created_at__gt=timezone.now()).exists()
    assert not CoachAssignment.objects.filter(responded_at__lt=F("created_at")).exists()

    # and a second run writes nothing
    counts = row_counts()
    run()
    assert row_counts() == counts
