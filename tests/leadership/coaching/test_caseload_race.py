"""A coach's last place wanted by several proposals at the same moment, on Postgres, with real
threads: the profile's row lock decides, and the counter always matches the open engagements."""

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial

import pytest
from django.db import connection

from leadership.coaching.models import OPEN_STATUSES, CoachAssignment, CoachProfile
from leadership.coaching.services import (
    CoachingError,
    EngagementPlan,
    assignment_decline,
    assignment_propose,
)
from leadership.models import Community, Person
from tests.factories import (
    CoachProfileFactory,
    CommunityFactory,
    MembershipFactory,
    PersonFactory,
)

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
THREADS = 5
ROUNDS = 3


def _at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls in threads released together; each result, or the error's message."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = calls[index]()
        except CoachingError as error:
            outcomes[index] = str(error)
        except Exception as error:  # a database error, shown as such in the assertion
            outcomes[index] = f"{type(error).__name__}: {error}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _leader(community: Community) -> Person:
    person = PersonFactory.create()
    MembershipFactory.create(person=person, community=community)
    return person


def _plan(community: Community, coachee: Person | None) -> EngagementPlan:
    return EngagementPlan(
        community=community,
        coachee=coachee,
        goals="Chair the board with confidence.",
        starts_on=TODAY,
        ends_on=date(2027, 6, 1),
    )


def _propose(coach: CoachProfile, community: Community, coachee: Person | None) -> object:
    return assignment_propose(coach=coach, plan=_plan(community, coachee), by=None, today=TODAY)


def _counter_matches(coach: CoachProfile) -> tuple[int, int]:
    return (
        CoachProfile.objects.get(pk=coach.pk).open_count,
        CoachAssignment.objects.filter(coach=coach, status__in=OPEN_STATUSES).count(),
    )


@pytest.mark.django_db(transaction=True)
def test_proposals_for_a_coachs_last_place_at_once_one_is_made_the_rest_are_refused() -> None:
    community = CommunityFactory.create()
    for round_ in range(ROUNDS):
        # given a coach (Cole) with three places, two taken
        coach = CoachProfileFactory.create(
            person=PersonFactory.create(display_name="Cole Coach"), caseload_cap=3
        )
        _propose(coach, community, _leader(community))
        _propose(coach, community, _leader(community))
        leaders = [_leader(community) for _ in range(THREADS)]

        # when as many coordinators propose different leaders to Cole at the same moment
        outcomes = _at_once([partial(_propose, coach, community, leader) for leader in leaders])

        # then one proposal is made, the others are refused with the reason, nothing broke
        made = [o for o in outcomes if isinstance(o, CoachAssignment)]
        refused = [o for o in outcomes if not isinstance(o, CoachAssignment)]
        assert len(made) == 1, (round_, outcomes)
        assert refused == ["Cole Coach's caseload is full (3 engagements)."] * (THREADS - 1), (
            round_,
            outcomes,
        )
        assert CoachAssignment.objects.filter(coach=coach, coachee__in=leaders).count() == 1
        assert _counter_matches(coach) == (3, 3), round_


@pytest.mark.django_db(transaction=True)
def test_the_same_leader_proposed_twice_at_once_gets_one_engagement_and_a_reason() -> None:
    # given
    community = CommunityFactory.create()
    coach = CoachProfileFactory.create(
        person=PersonFactory.create(display_name="Cole Coach"), caseload_cap=3
    )
    leader = PersonFactory.create(display_name="Mo Member")
    MembershipFactory.create(person=leader, community=community)

    # when
    outcomes = _at_once([partial(_propose, coach, community, leader)] * 2)

    # then the second, waiting on the first's lock, meets the one-open-engagement rule
    assert sorted(type(o).__name__ for o in outcomes) == ["CoachAssignment", "str"], outcomes
    assert "Cole Coach already has an open engagement with Mo Member." in outcomes
    assert _counter_matches(coach) == (1, 1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_a_decline_racing_a_proposal_for_the_freed_place_ends_one_way_or_the_other(
    attempt: int,
) -> None:
    # given a coach with one place, taken by a proposal
    community = CommunityFactory.create()
    coach = CoachProfileFactory.create(
        person=PersonFactory.create(display_name="Cole Coach"), caseload_cap=1
    )
    waiting = _propose(coach, community, _leader(community))
    assert isinstance(waiting, CoachAssignment)
    newcomer = _leader(community)

    # when the coach declines as a coordinator proposes someone else
    declined, proposed = _at_once(
        [
            partial(assignment_decline, assignment=waiting, reason="No time", now=NOW),
            partial(_propose, coach, community, newcomer),
        ]
    )

    # then the decline always goes through; the proposal only if it came after it
    assert isinstance(declined, CoachAssignment), declined
    if isinstance(proposed, CoachAssignment):
        assert _counter_matches(coach) == (1, 1)
        assert CoachAssignment.objects.get(coachee=newcomer).is_open
    else:
        assert proposed == "Cole Coach's caseload is full (1 engagement)."
        assert _counter_matches(coach) == (0, 0)
        assert not CoachAssignment.objects.filter(coachee=newcomer).exists()
