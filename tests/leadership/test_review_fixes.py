"""Privacy, escalation and robustness cases found in review, each pinned by a test."""

from unittest import mock

import pytest
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.contrib.auth.models import Permission, User
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import signing
from django.core.management import call_command
from django.db import IntegrityError
from django.http import HttpResponse
from django.test import RequestFactory

from leadership import services
from leadership.adapters import SocialAccountAdapter
from leadership.management.commands import seed_demo
from leadership.models import Community, Membership, Person, PersonLanguage, PersonSkill
from tests.factories import CommunityFactory, MembershipFactory, PersonFactory


@pytest.fixture
def sensitive_community(db):
    return CommunityFactory.create(name="Queer Wikimedians", slug="queer-wikimedians")


@pytest.fixture
def fellow(community, sensitive_community):
    """A member of community A who also belongs to a community the viewer is not in."""
    person = PersonFactory.create(display_name="Fay Fellow")
    MembershipFactory.create(person=person, community=community)
    MembershipFactory.create(person=person, community=sensitive_community)
    return person


def test_a_profile_shows_fellow_members_only_the_communities_they_share(client_for, member, fellow):
    response = client_for(member).get(fellow.get_absolute_url())

    assert response.status_code == 200
    shown = [m.community for m in response.context["profile_memberships"]]
    assert shown == [member.person.memberships.get().community]
    assert "Queer Wikimedians" not in response.text


@pytest.mark.parametrize("who", ["coordinator", "self"])
def test_a_profile_shows_all_communities_to_coordinators_and_to_the_person(
    client_for, coordinator, fellow, who
):
    viewer = coordinator if who == "coordinator" else fellow.user

    response = client_for(viewer).get(fellow.get_absolute_url())

    assert "Queer Wikimedians" in response.text


def _social_login(username: str, email: str) -> SocialLogin:
    user = User(username=email, email=email)
    account = SocialAccount(provider="mediawiki", uid=username, extra_data={"username": username})
    return SocialLogin(user=user, account=account)


def _request():
    request = RequestFactory().get("/accounts/mediawiki/login/callback/")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    return request


def test_logging_in_with_wikimedia_records_the_wiki_username(db):
    user = SocialAccountAdapter().save_user(_request(), _social_login("Ada Lovelace", "a@x.org"))

    person = Person.objects.get(user=user)
    assert (person.display_name, person.wiki_username) == ("Ada Lovelace", "Ada Lovelace")


def test_a_wiki_username_someone_else_typed_in_does_not_block_the_owners_login(db):
    # given someone claimed the name in their profile
    squatter = PersonFactory.create(wiki_username="Jimbo Wales")

    # when the real owner logs in with Wikimedia
    user = SocialAccountAdapter().save_user(_request(), _social_login("Jimbo Wales", "j@x.org"))

    # then the login worked and nothing was taken from anyone
    assert Person.objects.get(user=user).wiki_username == ""
    squatter.refresh_from_db()
    assert squatter.wiki_username == "Jimbo Wales"


@pytest.fixture
def staff_organiser(organiser):
    organiser.is_staff = True
    organiser.save()
    organiser.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_membership", "change_membership"])
    )
    return organiser


def test_a_staff_organiser_can_only_choose_their_own_communities_in_the_admin(
    client_for, staff_organiser, community, other_community
):
    membership = Membership.objects.get(person__user=staff_organiser)

    response = client_for(staff_organiser).get(
        f"/admin/leadership/membership/{membership.pk}/change/"
    )

    assert response.status_code == 200
    choices = response.context["adminform"].form.fields["community"].queryset
    assert list(choices) == [community]


def test_a_staff_organiser_cannot_move_a_membership_into_another_community(
    client_for, staff_organiser, member, community, other_community
):
    # given
    membership = Membership.objects.get(person__user=member)

    # when they post the other community anyway
    response = client_for(staff_organiser).post(
        f"/admin/leadership/membership/{membership.pk}/change/",
        {
            "person": membership.person_id,
            "community": other_community.pk,
            "role": "organiser",
            "joined_on": "2024-03-01",
        },
    )

    # then it is refused and nothing changed
    assert response.status_code == 200  # the form shows the invalid choice
    membership.refresh_from_db()
    assert (membership.community, membership.role) == (community, "member")


def test_a_history_restore_of_the_community_list_gets_the_whole_page(client_for, member):
    response = client_for(member).get(
        "/communities/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.text
    assert "HX-Request" in response["Vary"]


def test_a_rename_that_loses_a_race_is_refused_with_a_message(community):
    with (
        mock.patch.object(Community, "save", side_effect=IntegrityError("duplicate")),
        pytest.raises(services.LeadershipError, match="already has this name"),
    ):
        services.community_update(community=community, data={"name": "Taken"}, languages=[])


def test_seeding_a_bigger_scale_over_a_smaller_one_alters_no_existing_person(db, monkeypatch):
    # given the small demo
    call_command("seed_demo", "--scale", "small", "--quiet-logins")
    languages_before = set(PersonLanguage.objects.values_list("person_id", "language_id"))
    skills_before = set(PersonSkill.objects.values_list("person_id", "skill_id", "level"))
    people_before = set(Person.objects.values_list("pk", "display_name", "time_zone"))

    # when a bigger scale is seeded over it
    monkeypatch.setitem(
        seed_demo.SCALES,
        "large",
        seed_demo.Scale(communities=20, people=90, memberships=160),
    )
    call_command("seed_demo", "--scale", "large", "--quiet-logins")

    # then the first people are exactly as they were, with nothing added to them
    old_ids = {pk for pk, _n, _t in people_before}
    assert {
        row
        for row in PersonLanguage.objects.values_list("person_id", "language_id")
        if row[0] in old_ids
    } == languages_before
    assert {
        row
        for row in PersonSkill.objects.values_list("person_id", "skill_id", "level")
        if row[0] in old_ids
    } == skills_before
    assert people_before <= set(Person.objects.values_list("pk", "display_name", "time_zone"))
    assert Person.objects.count() > len(people_before)


def test_a_page_past_the_end_of_a_list_links_back_to_the_first_page(client_for, member):
    # given a cursor after the last community (from a bookmark, once rows were removed)
    past_the_end = signing.dumps(
        ["next", ["\uffff", 10**9]], salt="pathways.keyset:name,pk", compress=True
    )

    # when
    response = client_for(member).get("/communities/", {"cursor": past_the_end, "q": "x"})

    # then
    assert "past the end of the list" in response.text
    assert 'href="?q=x"' in response.text
