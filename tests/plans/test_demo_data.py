"""The demo plans: every community has one, with roles and a term history that keeps the rules."""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from leadership.models import Community
from plans.models import LeadershipPlan, PathwayStep, Role, SuccessorCandidate, Term, TermStatus
from plans.term_rules import add_months

TODAY = date(2026, 11, 23)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    with time_machine.travel("2026-11-23 12:00Z", tick=False):
        call_command("seed_demo", "--scale", "small", "--quiet-logins", stdout=StringIO())


def test_every_community_has_a_published_plan_and_roles(seeded):
    communities = Community.objects.count()

    assert LeadershipPlan.objects.filter(status=LeadershipPlan.Status.PUBLISHED).count() == (
        communities
    )
    assert Role.objects.count() == communities * 10


def test_the_history_has_terms_ending_soon_holdovers_and_vacant_seats(seeded):
    terms = list(Term.objects.select_related("role"))
    # The seed's successors start on the day the term before them ends.
    starts = {(t.role_id, t.seat, t.starts_on) for t in terms}

    statuses = {
        t.status_on(
            TODAY, successor_started=t.end <= TODAY and (t.role_id, t.seat, t.end) in starts
        )
        for t in terms
    }

    assert {TermStatus.CURRENT, TermStatus.ENDING_SOON, TermStatus.HOLDOVER} <= statuses
    assert any(t.ended_on for t in terms)  # stepped down early: a vacant seat


def test_every_seeded_term_keeps_its_roles_rules(seeded):
    for role in Role.objects.prefetch_related("terms"):
        terms = sorted(role.terms.all(), key=lambda t: t.starts_on)
        runs: dict[int, list[list[Term]]] = {}
        for term in terms:
            assert 1 <= term.seat <= role.seats
            assert term.ends_on <= add_months(term.starts_on, role.term_months)
            own = runs.setdefault(term.person_id, [])
            if own and own[-1][-1].end == term.starts_on:
                own[-1].append(term)
            else:
                own.append([term])
        for own in runs.values():
            # each holder serves one run in a role, of at most the consecutive terms it allows
            assert len(own) == 1
            assert len(own[0]) <= (role.max_consecutive_terms or len(own[0]))


def test_some_roles_have_successor_candidates_who_never_held_them(seeded):
    candidates = list(SuccessorCandidate.objects.select_related("role"))

    assert candidates
    for candidate in candidates:
        assert not candidate.role.terms.filter(person=candidate.person).exists()


def test_every_role_has_a_succession_pathway_and_a_rerun_adds_no_steps(seeded):
    roles = Role.objects.count()
    assert PathwayStep.objects.count() == roles * 4
    assert set(PathwayStep.objects.values_list("kind", flat=True)) == {
        "training",
        "mentoring",
        "shadowing",
        "resource",
    }

    with time_machine.travel("2026-11-23 12:00Z", tick=False):
        call_command("seed_demo", "--scale", "small", "--quiet-logins", stdout=StringIO())

    assert PathwayStep.objects.count() == roles * 4
