"""Who may do what in coaching, for every named user, on a leader's and a team's engagement.

Asked through `selectors.may` (the rules alone), as the views ask: Django's `has_perm` grants an
active superuser every permission before the rules are asked, and coaching's personal
permissions (summaries, answering, logging) are not a superuser's.
"""

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from leadership.coaching.models import CoachAssignment
from leadership.coaching.selectors import may
from leadership.models import Community
from tests.factories import CoachProfileFactory

pytestmark = pytest.mark.django_db

Status = CoachAssignment.Status


@pytest.fixture
def users(
    member: Any, organiser: Any, outsider: Any, coordinator: Any, coach: Any, superuser: Any
) -> dict[str, Any]:
    return {
        "member": member,
        "organiser": organiser,
        "outsider": outsider,
        "coordinator": coordinator,
        "coach": coach,
        "superuser": superuser,
    }


def _engagement(coach: Any, community: Community, coachee: Any, status: str) -> CoachAssignment:
    # Written directly: the rules read the row, not how it came to be.
    return CoachAssignment.objects.create(
        coach=coach.person.coach_profile,
        coachee=coachee.person if coachee is not None else None,
        community=community,
        goals="Chair the board with confidence.",
        starts_on="2026-09-01",
        ends_on="2027-03-01",
        status=status,
        ended_on="2026-11-01" if status == Status.COMPLETED else None,
    )


def _allowed(users: dict[str, Any], perm: str, obj: object) -> set[str]:
    return {name for name, user in users.items() if may(user, perm, obj)}


COORDINATORS = {"coordinator", "superuser"}

# {permission: {status: who may}} on Mo Member's engagement with Cole Coach.
LEADER = {
    # The coachee sees the engagement once the coach has accepted it, not the proposal.
    "coaching.view_assignment": {
        "proposed": {*COORDINATORS, "coach"},
        "active": {*COORDINATORS, "coach", "member"},
        "completed": {*COORDINATORS, "coach", "member"},
    },
    # What was said is for the two sides: never coordinators, nor superusers as such.
    "coaching.view_summaries": {
        "proposed": {"coach"},
        "active": {"coach", "member"},
        "completed": {"coach", "member"},
    },
    "coaching.answer_assignment": {"proposed": {"coach"}, "active": set(), "completed": set()},
    "coaching.withdraw_assignment": {"proposed": COORDINATORS, "active": set(), "completed": set()},
    "coaching.change_assignment": {
        "proposed": {*COORDINATORS, "coach"},
        "active": {*COORDINATORS, "coach"},
        "completed": set(),
    },
    "coaching.pause_assignment": {
        "proposed": set(),
        "active": {*COORDINATORS, "coach"},
        "completed": set(),
    },
    "coaching.complete_assignment": {
        "proposed": set(),
        "active": {*COORDINATORS, "coach"},
        "completed": set(),
    },
    "coaching.log_session": {"proposed": set(), "active": {"coach"}, "completed": set()},
}


@pytest.mark.parametrize("status", ["proposed", "active", "completed"])
@pytest.mark.parametrize("perm", list(LEADER))
def test_who_may_act_on_a_leaders_engagement(
    users: dict[str, Any], community: Community, perm: str, status: str
) -> None:
    # given Mo Member coached by Cole Coach in Wikimedia Testland (Olga organises it)
    engagement = _engagement(users["coach"], community, users["member"], status)

    # when / then
    assert _allowed(users, perm, engagement) == LEADER[perm][status]


def test_a_leaders_engagement_is_not_the_organisers_to_see(
    users: dict[str, Any], community: Community
) -> None:
    engagement = _engagement(users["coach"], community, users["member"], Status.ACTIVE)

    assert not may(users["organiser"], "coaching.view_assignment", engagement)
    assert not may(users["organiser"], "coaching.view_summaries", engagement)
    assert not may(users["outsider"], "coaching.view_assignment", engagement)


@pytest.mark.parametrize(
    ("perm", "expected"),
    [
        # The team is the community's organisers: Olga, not Mo, nor Otto who organises elsewhere.
        ("coaching.view_assignment", {*COORDINATORS, "coach", "organiser"}),
        ("coaching.view_summaries", {"coach", "organiser"}),
        ("coaching.answer_assignment", set()),
        ("coaching.withdraw_assignment", set()),
        ("coaching.change_assignment", {*COORDINATORS, "coach"}),
        ("coaching.pause_assignment", {*COORDINATORS, "coach"}),
        ("coaching.complete_assignment", {*COORDINATORS, "coach"}),
        ("coaching.log_session", {"coach"}),
    ],
)
def test_who_may_act_on_a_teams_active_engagement(
    users: dict[str, Any], community: Community, perm: str, expected: set[str]
) -> None:
    engagement = _engagement(users["coach"], community, None, Status.ACTIVE)

    assert _allowed(users, perm, engagement) == expected


def test_a_proposal_to_a_team_is_answered_by_the_coach_and_withdrawn_by_coordinators(
    users: dict[str, Any], community: Community
) -> None:
    engagement = _engagement(users["coach"], community, None, Status.PROPOSED)

    assert _allowed(users, "coaching.answer_assignment", engagement) == {"coach"}
    assert _allowed(users, "coaching.withdraw_assignment", engagement) == COORDINATORS


def test_a_paused_engagement_is_resumed_or_completed_but_takes_no_session(
    users: dict[str, Any], community: Community
) -> None:
    engagement = _engagement(users["coach"], community, users["member"], Status.PAUSED)

    assert _allowed(users, "coaching.pause_assignment", engagement) == {*COORDINATORS, "coach"}
    assert _allowed(users, "coaching.complete_assignment", engagement) == {*COORDINATORS, "coach"}
    assert _allowed(users, "coaching.log_session", engagement) == set()


@pytest.mark.parametrize(
    ("perm", "expected"),
    [
        ("coaching.add_coach", COORDINATORS),
        ("coaching.assign", COORDINATORS),
        ("coaching.view_coach", {*COORDINATORS, "coach"}),
        ("coaching.change_coach", {*COORDINATORS, "coach"}),
    ],
)
def test_who_may_make_coaches_see_and_change_a_profile_and_propose(
    users: dict[str, Any], perm: str, expected: set[str]
) -> None:
    profile = users["coach"].person.coach_profile

    assert _allowed(users, perm, profile) == expected


def test_another_coach_has_no_say_on_cole_coachs_engagement(
    users: dict[str, Any], community: Community
) -> None:
    # given a second coach, Otto the outsider, who is not this engagement's coach
    CoachProfileFactory.create(person=users["outsider"].person)
    engagement = _engagement(users["coach"], community, users["member"], Status.ACTIVE)

    for perm in LEADER:
        assert not may(users["outsider"], perm, engagement), perm
    assert not may(users["outsider"], "coaching.change_coach", users["coach"].person.coach_profile)


@pytest.mark.parametrize("perm", [*LEADER, "coaching.add_coach", "coaching.assign"])
def test_an_anonymous_visitor_may_do_nothing(
    users: dict[str, Any], community: Community, perm: str
) -> None:
    engagement = _engagement(users["coach"], community, users["member"], Status.PROPOSED)

    assert not may(AnonymousUser(), perm, engagement)


def test_djangos_has_perm_would_show_a_superuser_the_summaries_which_is_why_views_ask_may(
    users: dict[str, Any], community: Community
) -> None:
    engagement = _engagement(users["coach"], community, users["member"], Status.ACTIVE)

    assert users["superuser"].has_perm("coaching.view_summaries", engagement)
    assert not may(users["superuser"], "coaching.view_summaries", engagement)
    assert not users["coordinator"].has_perm("coaching.view_summaries", engagement)
