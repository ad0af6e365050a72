"""The dashboards' figures: each step, each roll-up counting people once, and nothing private."""

import datetime
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadership.coaching.models import CoachAssignment
from leadership.dashboards.compute import compute_level, quarter_ends
from leadership.models import Community, Membership, SelfIdentification
from mentoring.models import Relationship
from tests.factories import (
    CoachAssignmentFactory,
    CommunityFactory,
    MembershipFactory,
    MenteeApplicationFactory,
    MentorOfferFactory,
    PersonFactory,
    ProposalFactory,
    RoleFactory,
    SessionFactory,
    TermFactory,
)
from training.models import Enrolment

TODAY = datetime.date(2026, 12, 1)


def _member(community: Community, **person: Any) -> Any:
    someone = PersonFactory.create(**person)
    MembershipFactory.create(
        person=someone, community=community, joined_on=datetime.date(2025, 1, 10)
    )
    return someone


@pytest.fixture
def neighbour(community: Community) -> Community:
    """A second community in community A's region (Northern and Western Europe)."""
    return CommunityFactory.create(name="Wikimedia Nachbarland", region=community.region)


def test_a_person_in_two_communities_counts_once_in_the_region_and_the_movement(
    community: Community, neighbour: Community
) -> None:
    # given someone who belongs to and leads in both communities of one region
    both = _member(community)
    MembershipFactory.create(person=both, community=neighbour)
    for place in (community, neighbour):
        role = RoleFactory.create(community=place)
        TermFactory.create(
            role=role,
            person=both,
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2028, 1, 1),
        )
    # when
    by_community = compute_level("community", TODAY)
    by_region = compute_level("region", TODAY)
    movement = compute_level("movement", TODAY)
    # then each community counts them, the region and the movement once
    for place in (community, neighbour):
        assert by_community[str(place.pk)]["pipeline"]["members"] == 1
        assert by_community[str(place.pk)]["pipeline"]["leaders"] == 1
    assert by_region[community.region]["pipeline"]["members"] == 1
    assert by_region[community.region]["pipeline"]["leaders"] == 1
    assert movement["all"]["pipeline"]["members"] == 1
    assert movement["all"]["pipeline"]["leaders"] == 1
    assert movement["all"]["renewal"]["seats_held"] == 2  # seats are seats, not people


def test_the_pipeline_counts_training_mentoring_and_roles(community: Community) -> None:
    # given four members: one in training (stage 2), one mentored, one leading, one neither
    trainee, mentee, leader, _idle = (_member(community) for _ in range(4))
    session = SessionFactory.create(
        stage__order=2, starts_at=datetime.datetime(2026, 11, 3, 18, tzinfo=datetime.UTC)
    )
    Enrolment.objects.create(
        session=session,
        person=trainee,
        status=Enrolment.Status.ENROLLED,
        enrolled_at=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC),
    )
    proposal = ProposalFactory.create(
        application__person=mentee,
        status="accepted",
        published_at=datetime.datetime(2026, 5, 20, tzinfo=datetime.UTC),
        respond_by=datetime.datetime(2026, 6, 3, tzinfo=datetime.UTC),
        answered_at=datetime.datetime(2026, 5, 22, tzinfo=datetime.UTC),
    )
    Relationship.objects.create(
        programme=proposal.programme,
        proposal=proposal,
        offer=proposal.offer,
        application=proposal.application,
        started_on=datetime.date(2026, 6, 1),
        planned_end_on=datetime.date(2027, 6, 1),
        last_activity_on=datetime.date(2026, 6, 1),
    )
    TermFactory.create(
        role=RoleFactory.create(community=community),
        person=leader,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2028, 1, 1),
    )
    # when
    pipeline = compute_level("community", TODAY, str(community.pk))[str(community.pk)]["pipeline"]
    # then
    assert pipeline["members"] == 4
    assert pipeline["training"] == 1
    assert pipeline["by_stage"] == [0, 1, 0]
    assert pipeline["mentored"] == 1
    assert pipeline["leaders"] == 1
    assert pipeline["conversion"] == {"training": 25, "mentored": 100, "leaders": 100}
    # and over time: the mentee was mentored from June, the trainee trained from November
    quarters = {q["end"]: q for q in pipeline["quarters"]}
    assert quarters["2026-03-31"]["mentored"] == 0
    assert quarters["2026-06-30"]["mentored"] == 1
    assert quarters["2026-09-30"]["training"] == 0
    assert quarters["2026-12-01"]["training"] == 1
    assert quarters["2025-12-31"]["leaders"] == 0
    assert quarters["2026-03-31"]["leaders"] == 1


def test_quarter_ends_are_the_last_days_of_the_quarters_before_today() -> None:
    assert quarter_ends(datetime.date(2026, 2, 10), count=4) == [
        datetime.date(2025, 6, 30),
        datetime.date(2025, 9, 30),
        datetime.date(2025, 12, 31),
        datetime.date(2026, 2, 10),
    ]


def test_terms_ending_by_month_vacant_seats_holdovers_and_seats_at_risk(
    community: Community,
) -> None:
    # given a board of three seats: one ending in March with nobody lined up, one holdover
    board = RoleFactory.create(community=community, seats=3, succession_lead_months=6)
    TermFactory.create(
        role=board,
        seat=1,
        person=_member(community),
        starts_on=datetime.date(2025, 3, 15),
        ends_on=datetime.date(2027, 3, 15),
    )
    TermFactory.create(
        role=board,
        seat=2,
        person=_member(community),
        starts_on=datetime.date(2024, 6, 1),
        ends_on=datetime.date(2026, 6, 1),
    )
    # when
    terms = compute_level("community", TODAY, str(community.pk))[str(community.pk)]["terms"]
    # then
    assert dict(terms["ending_by_month"])["2027-03"] == 1
    assert sum(n for _month, n in terms["ending_by_month"]) == 1
    assert terms["seats"] == 3
    assert terms["held"] == 2  # the holdover still holds the seat
    assert terms["vacant"] == 1
    assert terms["holdovers"] == 1
    assert terms["at_risk"] == 1
    assert terms["at_risk_list"] == [[board.title, 1, "2027-03-15"]]


def test_representation_is_published_suppressed_and_rounded_and_nothing_else_is_kept(
    community: Community,
) -> None:
    # given 8 members who said "woman", 6 "man", 3 nothing; one of the women leads
    women = [_member(community) for _ in range(8)]
    for person in women:
        SelfIdentification.objects.create(person=person, gender="woman")
    for _ in range(6):
        SelfIdentification.objects.create(person=_member(community), gender="man")
    for _ in range(3):
        _member(community)
    TermFactory.create(
        role=RoleFactory.create(community=community),
        person=women[0],
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2028, 1, 1),
    )
    # when
    data = compute_level("community", TODAY, str(community.pk))[str(community.pk)]
    gender = data["representation"]["gender"]
    # then the community's women and men are published rounded (8 -> 10, 6 -> 5), the three
    # who said nothing as fewer than five
    assert gender["community"]["cells"]["woman"] == 10
    assert gender["community"]["cells"]["man"] == 5
    assert gender["community"]["cells"]["not_stated"] is None
    assert gender["community"]["total"] == 15  # 17, rounded
    # and the one leader is never a figure
    assert gender["leaders"]["withheld"] is True
    # and no true count of a group appears anywhere in the representation kept
    kept = json.dumps(data["representation"])
    for true_count in ('"woman": 8', '"man": 6', '"not_stated": 3', ": 1,", ": 17"):
        assert true_count not in kept


def test_renewal_counts_handovers_runs_beyond_the_limit_and_active_veterans(
    community: Community,
) -> None:
    # given a chair handed from a veteran to a newcomer this year; the veteran now mentors
    chair = RoleFactory.create(community=community, max_consecutive_terms=2, term_months=12)
    veteran, newcomer, stayer = (_member(community) for _ in range(3))
    TermFactory.create(
        role=chair,
        person=veteran,
        starts_on=datetime.date(2024, 3, 1),
        ends_on=datetime.date(2026, 3, 1),
    )
    TermFactory.create(
        role=chair,
        person=newcomer,
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2027, 3, 1),
    )
    MentorOfferFactory.create(person=veteran)
    # and a treasurer in a third consecutive one-year term where two are allowed
    treasurer = RoleFactory.create(community=community, max_consecutive_terms=2, term_months=12)
    for year in (2024, 2025, 2026):
        TermFactory.create(
            role=treasurer,
            person=stayer,
            starts_on=datetime.date(year, 2, 1),
            ends_on=datetime.date(year + 1, 2, 1),
        )
    # when
    renewal = compute_level("community", TODAY, str(community.pk))[str(community.pk)]["renewal"]
    # then
    assert renewal["handovers"] == 1
    assert renewal["renewals"] == 1
    assert renewal["seats_held"] == 2
    assert renewal["beyond_limit"] == 1
    assert renewal["beyond_limit_share"] == 50
    assert renewal["veterans"] == 1
    assert renewal["veterans_as"]["mentors"] == 1
    assert renewal["veterans_active_share"] == 100


def test_health_counts_waiting_mentees_and_quiet_coaching(community: Community) -> None:
    waiting = _member(community)
    MenteeApplicationFactory.create(
        person=waiting,
        waiting_since=datetime.datetime(2026, 8, 1, tzinfo=datetime.UTC),
    )
    CoachAssignmentFactory.create(
        community=community,
        coachee=_member(community),
        status=CoachAssignment.Status.ACTIVE,
        starts_on=datetime.date(2026, 9, 1),
        last_session_on=datetime.date(2026, 9, 15),
        quiet_weeks=4,
    )
    health = compute_level("community", TODAY, str(community.pk))[str(community.pk)]["health"]
    assert health["waiting"] == 1
    assert health["waiting_days_median"] == 122
    assert health["coaching"]["active"] == 1
    assert health["coaching"]["quiet"] == 1
    assert health["coaching"]["coaches"] == 1


def test_a_level_costs_the_same_queries_for_two_communities_as_for_six(db: None) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            compute_level("community", TODAY)
        return len(captured)

    for _ in range(2):
        MembershipFactory.create()
    few = queries()
    for _ in range(4):
        MembershipFactory.create()
    assert queries() == few
    assert Membership.objects.count() == 6
