"""Who may do what: every permission for every named user.

Django answers True to any permission for an active superuser before asking the rules, so the
superuser column is True throughout; the predicates themselves are tested separately below.
"""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from leadership import rules as leadership_rules
from leadership.models import Membership
from tests.factories import MembershipFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

ALL = ["anonymous", "member", "organiser", "outsider", "coordinator", "superuser"]


def _user(user_named, name):
    return user_named(name) or AnonymousUser()


def _allowed(expected: set[str]) -> list[tuple[str, bool]]:
    return [(name, name in expected) for name in ALL]


@pytest.mark.parametrize(("who", "allowed"), _allowed(set(ALL) - {"anonymous"}))
def test_anyone_logged_in_may_view_communities(user_named, who, allowed):
    assert _user(user_named, who).has_perm("leadership.view_community") is allowed


@pytest.mark.parametrize(
    ("who", "allowed"), _allowed({"member", "organiser", "coordinator", "superuser"})
)
def test_only_members_and_coordinators_see_a_communitys_member_list(
    user_named, community, who, allowed
):
    user = _user(user_named, who)

    assert user.has_perm("leadership.view_community_members", community) is allowed


@pytest.mark.parametrize(("who", "allowed"), _allowed({"organiser", "coordinator", "superuser"}))
def test_only_its_organisers_and_coordinators_change_a_community(
    user_named, community, who, allowed
):
    user = _user(user_named, who)

    assert user.has_perm("leadership.change_community", community) is allowed


@pytest.mark.parametrize(
    ("who", "allowed"), _allowed({"member", "organiser", "coordinator", "superuser"})
)
def test_a_profile_is_seen_by_its_owner_people_sharing_a_community_and_coordinators(
    user_named, member, who, allowed
):
    user = _user(user_named, who)

    assert user.has_perm("leadership.view_person", member.person) is allowed


@pytest.mark.parametrize(("who", "allowed"), _allowed({"member", "superuser"}))
def test_only_its_owner_changes_a_profile(user_named, member, who, allowed):
    user = _user(user_named, who)

    assert user.has_perm("leadership.change_person", member.person) is allowed


@pytest.mark.parametrize(("who", "allowed"), _allowed({"coordinator", "superuser"}))
def test_only_coordinators_coordinate(user_named, who, allowed):
    assert _user(user_named, who).has_perm("leadership.coordinate") is allowed


@pytest.mark.parametrize(
    "perm",
    [
        "leadership.view_membership",
        "leadership.change_membership",
        "leadership.delete_membership",
    ],
)
@pytest.mark.parametrize(("who", "allowed"), _allowed({"organiser", "coordinator", "superuser"}))
def test_a_membership_is_managed_by_the_communitys_organisers_and_coordinators(
    user_named, member, community, perm, who, allowed
):
    membership = Membership.objects.get(person=member.person, community=community)
    user = _user(user_named, who)

    assert user.has_perm(perm, membership) is allowed


@pytest.mark.parametrize(("who", "allowed"), _allowed({"coordinator", "superuser"}))
def test_only_coordinators_add_memberships(user_named, who, allowed):
    assert _user(user_named, who).has_perm("leadership.add_membership") is allowed


def test_an_organiser_of_another_community_does_not_manage_this_communitys_memberships(
    outsider, member, community
):
    membership = Membership.objects.get(person=member.person, community=community)

    assert not outsider.has_perm("leadership.change_membership", membership)
    assert not outsider.has_perm("leadership.change_community", community)


def test_a_superuser_is_a_coordinator_without_being_in_the_group(superuser):
    assert not superuser.groups.exists()
    assert leadership_rules.is_coordinator(superuser)


def test_the_coordinator_group_is_found_by_the_name_in_settings(settings, db):
    # given: a user in a group with the configured name, which is not the default one
    settings.PATHWAYS_COORDINATORS_GROUP = "Stewards"
    user = UserFactory.create()
    user.groups.add(Group.objects.create(name="Stewards"))
    user_in_old_group = UserFactory.create()
    user_in_old_group.groups.add(Group.objects.create(name="Coordinators"))

    # then
    assert leadership_rules.is_coordinator(user)
    assert not leadership_rules.is_coordinator(user_in_old_group)


def test_a_user_without_communities_shares_none_with_anyone(coordinator, member):
    assert not leadership_rules.shares_a_community(coordinator, member.person)


def test_predicates_about_nothing_are_false(member):
    assert not leadership_rules.is_member_of(member, None)
    assert not leadership_rules.is_organiser_of(member, None)
    assert not leadership_rules.is_self(member, None)
    assert not leadership_rules.shares_a_community(member, None)
    assert not leadership_rules.is_organiser_of_membership_community(member, None)


def test_an_organiser_is_also_a_member_but_a_member_is_not_an_organiser(
    organiser, member, community
):
    assert leadership_rules.is_member_of(organiser, community)
    assert leadership_rules.is_organiser_of(organiser, community)
    assert leadership_rules.is_member_of(member, community)
    assert not leadership_rules.is_organiser_of(member, community)


def test_the_coordinator_check_is_asked_of_the_database_once_per_user_object(
    coordinator, django_assert_num_queries
):
    # given: the first check loads the answer
    with django_assert_num_queries(1):  # auth_group joined with auth_user_groups: EXISTS
        assert leadership_rules.is_coordinator(coordinator)

    # then: later checks in the same request reuse it
    with django_assert_num_queries(0):
        assert leadership_rules.is_coordinator(coordinator)
        assert coordinator.has_perm("leadership.coordinate")


def test_a_negative_coordinator_check_is_cached_too(member, django_assert_num_queries):
    with django_assert_num_queries(1):  # auth_group joined with auth_user_groups: EXISTS
        assert not leadership_rules.is_coordinator(member)
    with django_assert_num_queries(0):
        assert not leadership_rules.is_coordinator(member)


def test_the_coordinator_check_asks_nothing_for_anonymous_users_and_superusers(
    superuser, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert not leadership_rules.is_coordinator(AnonymousUser())
        assert leadership_rules.is_coordinator(superuser)


def test_community_roles_are_loaded_once_for_all_community_checks(
    organiser, community, other_community, django_assert_num_queries
):
    # given
    with django_assert_num_queries(1):  # leadership_membership joined with person: roles
        assert organiser.has_perm("leadership.view_community_members", community)

    # then: every later community check for this user object uses the loaded roles
    with django_assert_num_queries(0):
        assert organiser.has_perm("leadership.change_community", community)
        assert leadership_rules.is_member_of(organiser, community)
        assert not leadership_rules.is_member_of(organiser, other_community)


def test_the_role_cache_lives_on_the_user_object_so_a_new_request_sees_new_memberships(
    member, other_community
):
    # given: the roles were loaded for this user object
    assert not leadership_rules.is_member_of(member, other_community)

    # when: the member joins another community
    MembershipFactory.create(person=member.person, community=other_community)

    # then: the same object keeps its answer (one request), a freshly loaded user sees the change
    assert not leadership_rules.is_member_of(member, other_community)
    fresh = type(member).objects.get(pk=member.pk)
    assert leadership_rules.is_member_of(fresh, other_community)


def test_sharing_a_community_means_a_common_membership_of_any_role(
    member, organiser, outsider, other_community
):
    # given: someone else in community B
    stranger = PersonFactory.create()
    MembershipFactory.create(person=stranger, community=other_community)

    # then
    assert leadership_rules.shares_a_community(organiser, member.person)
    assert leadership_rules.shares_a_community(member, organiser.person)
    assert leadership_rules.shares_a_community(outsider, stranger)
    assert not leadership_rules.shares_a_community(member, stranger)
    assert not leadership_rules.shares_a_community(outsider, member.person)


def test_a_role_learnt_with_the_community_counts_only_for_that_viewer(
    user_named, community, organiser, outsider, django_assert_num_queries
):
    # given: the community page loaded the community with the organiser's role in it
    from leadership.selectors import community_get

    loaded = community_get(slug=community.slug, viewer=organiser)

    # when / then: the organiser's rights need no query of their own
    with django_assert_num_queries(0):
        assert organiser.has_perm("leadership.change_community", loaded)
    # and someone else asking about the same object is not taken for the organiser
    assert not outsider.has_perm("leadership.change_community", loaded)
    assert not outsider.has_perm("leadership.view_community_members", loaded)


def test_sharing_a_community_learnt_with_a_profile_counts_only_for_that_viewer(
    client_for, member, outsider
):
    # given: a fellow member's view of the member's profile
    from leadership.selectors import person_get_for_viewing

    fellow = MembershipFactory.create(community=member.person.memberships.get().community)
    person = person_get_for_viewing(user=fellow.person.user, pk=member.person.pk)

    # then: the outsider, asking about the same loaded object, is still refused
    assert fellow.person.user.has_perm("leadership.view_person", person)
    assert not outsider.has_perm("leadership.view_person", person)
