"""Engagements protect their people and communities: deleting one is refused, and the coach's
caseload still matches the engagements that hold it."""

from datetime import date
from typing import Any

import pytest
from django.db.models import ProtectedError

from leadership.coaching import services
from leadership.coaching.models import CoachAssignment, CoachProfile
from leadership.models import Community


@pytest.fixture
def proposal(coach: Any, member: Any, organiser: Any, community: Community) -> CoachAssignment:
    plan = services.EngagementPlan(
        community=community,
        coachee=member.person,
        goals="Chair the next AGM.",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 6, 1),
    )
    return services.assignment_propose(
        coach=CoachProfile.objects.get(person__user=coach),
        plan=plan,
        by=None,
        today=date(2026, 12, 1),
    )


def test_deleting_a_coachee_with_an_engagement_is_refused_and_the_caseload_holds(
    proposal: CoachAssignment, member: Any
) -> None:
    with pytest.raises(ProtectedError):
        member.delete()
    assert CoachAssignment.objects.filter(pk=proposal.pk).exists()
    assert proposal.coach.__class__.objects.get(pk=proposal.coach_id).open_count == 1


def test_deleting_a_community_with_an_engagement_is_refused(
    proposal: CoachAssignment, community: Community
) -> None:
    with pytest.raises(ProtectedError):
        community.delete()
    assert Community.objects.filter(pk=community.pk).exists()


def test_once_the_engagement_is_closed_and_removed_the_coachee_can_go(
    proposal: CoachAssignment, member: Any
) -> None:
    services.assignment_withdraw(assignment=proposal, today=date(2026, 12, 2))
    CoachAssignment.objects.filter(pk=proposal.pk).delete()
    member.delete()
    assert CoachProfile.objects.get(pk=proposal.coach_id).open_count == 0
