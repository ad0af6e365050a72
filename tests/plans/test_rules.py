"""Who may see and edit a community's plan, roles and terms: every named user.

Django allows an active superuser everything before asking the rules.
"""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser

from plans.models import LeadershipPlan
from tests.factories import RoleFactory, TermFactory

pytestmark = pytest.mark.django_db

ALL = ["anonymous", "member", "organiser", "outsider", "coordinator", "superuser"]
EDITORS = {"organiser", "coordinator", "superuser"}


def _allowed(expected):
    return [(name, name in expected) for name in ALL]


@pytest.fixture
def plan(community):
    return LeadershipPlan.objects.create(
        community=community,
        starts_on=date(2026, 1, 1),
        ends_on=date(2028, 1, 1),
        status=LeadershipPlan.Status.PUBLISHED,
    )


@pytest.fixture
def term(community):
    return TermFactory.create(role=RoleFactory.create(community=community))


def _user(user_named, who):
    return user_named(who) or AnonymousUser()


@pytest.mark.parametrize(("who", "allowed"), _allowed(EDITORS | {"member"}))
def test_members_and_editors_see_a_published_plan(user_named, plan, who, allowed):
    assert _user(user_named, who).has_perm("plans.view_leadershipplan", plan) is allowed


@pytest.mark.parametrize(("who", "allowed"), _allowed(EDITORS | {"member"}))
def test_an_archived_plan_stays_visible_to_members(user_named, plan, who, allowed):
    plan.status = LeadershipPlan.Status.ARCHIVED

    assert _user(user_named, who).has_perm("plans.view_leadershipplan", plan) is allowed


@pytest.mark.parametrize(("who", "allowed"), _allowed(EDITORS))
def test_only_those_who_may_edit_see_a_draft(user_named, plan, who, allowed):
    plan.status = LeadershipPlan.Status.DRAFT

    assert _user(user_named, who).has_perm("plans.view_leadershipplan", plan) is allowed


@pytest.mark.parametrize(("who", "allowed"), _allowed(EDITORS))
def test_organisers_and_coordinators_edit_the_plan_roles_and_terms(
    user_named, plan, term, who, allowed
):
    user = _user(user_named, who)

    assert user.has_perm("plans.change_leadershipplan", plan) is allowed
    assert user.has_perm("plans.change_role", term.role) is allowed
    assert user.has_perm("plans.change_term", term) is allowed


@pytest.mark.parametrize(("who", "allowed"), _allowed(EDITORS | {"member"}))
def test_members_see_the_roles_and_terms(user_named, term, who, allowed):
    user = _user(user_named, who)

    assert user.has_perm("plans.view_role", term.role) is allowed
    assert user.has_perm("plans.view_term", term) is allowed
