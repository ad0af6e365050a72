"""Seats at risk: vacant, holdovers, and terms ending soon with no successor in view."""

from datetime import date

import pytest

from plans.models import Readiness, SuccessorCandidate
from plans.selectors import Risk, seats_at_risk
from tests.factories import PersonFactory, RoleFactory, TermFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


@pytest.fixture
def chair(community):
    """One seat, a successor wanted in view six months before a term ends."""
    return RoleFactory.create(community=community, title="Chair", succession_lead_months=6)


def _risks(community):
    return [(s.role.title, s.seat, s.risk) for s in seats_at_risk(community=community, today=TODAY)]


def test_a_seat_nobody_ever_held_is_vacant(community, chair):
    assert _risks(community) == [("Chair", 1, Risk.VACANT)]


def test_a_seat_whose_holder_stepped_down_is_vacant(community, chair):
    TermFactory.create(
        role=chair, starts_on=date(2025, 1, 1), ends_on=date(2027, 1, 1), ended_on=date(2026, 6, 1)
    )

    assert _risks(community) == [("Chair", 1, Risk.VACANT)]


def test_a_term_that_ran_out_with_nobody_after_it_is_a_holdover(community, chair):
    TermFactory.create(role=chair, starts_on=date(2024, 11, 23), ends_on=TODAY)

    assert _risks(community) == [("Chair", 1, Risk.HOLDOVER)]


def test_a_term_ending_within_the_lead_time_with_no_successor_is_at_risk(community, chair):
    TermFactory.create(role=chair, starts_on=date(2025, 5, 23), ends_on=date(2027, 5, 23))

    assert _risks(community) == [("Chair", 1, Risk.ENDING_SOON)]


def test_a_term_just_outside_the_lead_time_is_not_at_risk(community, chair):
    TermFactory.create(role=chair, starts_on=date(2025, 5, 24), ends_on=date(2027, 5, 24))

    assert _risks(community) == []


def test_a_planned_successor_takes_the_seat_off_the_list(community, chair):
    TermFactory.create(role=chair, starts_on=date(2025, 5, 23), ends_on=date(2027, 5, 23))
    TermFactory.create(role=chair, starts_on=date(2027, 5, 23), ends_on=date(2029, 5, 23))

    assert _risks(community) == []


@pytest.mark.parametrize(
    ("readiness", "at_risk"), [(Readiness.READY_NOW, False), (Readiness.LATER, True)]
)
def test_only_a_candidate_ready_now_takes_the_seat_off_the_list(
    community, chair, readiness, at_risk
):
    TermFactory.create(role=chair, starts_on=date(2025, 5, 23), ends_on=date(2027, 5, 23))
    SuccessorCandidate.objects.create(
        role=chair, person=PersonFactory.create(), readiness=readiness
    )

    assert bool(_risks(community)) is at_risk


def test_the_most_urgent_come_first(community, chair):
    board = RoleFactory.create(
        community=community, title="Board", seats=3, succession_lead_months=6
    )
    TermFactory.create(role=board, seat=1, starts_on=date(2025, 5, 23), ends_on=date(2027, 5, 23))
    TermFactory.create(role=board, seat=2, starts_on=date(2024, 1, 1), ends_on=date(2026, 1, 1))
    TermFactory.create(role=chair, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1))

    assert _risks(community) == [
        ("Board", 3, Risk.VACANT),
        ("Board", 2, Risk.HOLDOVER),
        ("Board", 1, Risk.ENDING_SOON),
    ]


def test_another_communitys_seats_are_not_listed(community, other_community, chair):
    RoleFactory.create(community=other_community)

    assert [s.role for s in seats_at_risk(community=community, today=TODAY)] == [chair]


@pytest.mark.parametrize("roles", [5, 50])
def test_the_list_costs_three_queries_however_many_roles(
    community, roles, django_assert_num_queries
):
    for _ in range(roles):
        role = RoleFactory.create(community=community, seats=2)
        TermFactory.create(role=role, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1))

    # 1 roles, 2 their terms with their holders, 3 roles with a candidate ready now
    with django_assert_num_queries(3):
        found = seats_at_risk(community=community, today=TODAY)

    assert len(found) == roles  # each role's second seat is vacant
