"""Cached page content is never stale: every write to what a page shows gives it a new key."""

import io

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from leadership import fragments, services
from leadership.models import Membership
from tests.factories import (
    CommunityFactory,
    LanguageFactory,
    MembershipFactory,
    PersonFactory,
    PersonSkillFactory,
    SkillFactory,
)


@pytest.fixture
def community_page(client_for, organiser, member, community):
    """The community page as its organiser sees it, fetched once so that it is cached."""
    client = client_for(organiser)

    def get():
        return client.get(community.get_absolute_url()).text

    assert member.person.display_name in get()
    return get


@pytest.fixture
def profile_of_member(client_for, organiser, member):
    """The member's profile as a fellow organiser sees it, fetched once so that it is cached."""
    client = client_for(organiser)

    def get():
        return client.get(member.person.get_absolute_url()).text

    get()
    return get


def test_a_new_member_shows_on_the_community_page_at_once(community_page, community):
    services.membership_add(
        person=PersonFactory.create(display_name="Nia New"), community=community
    )

    assert "Nia New" in community_page()


def test_a_member_who_leaves_is_gone_from_the_community_page_at_once(
    community_page, community, member
):
    Membership.objects.get(person=member.person, community=community).delete()

    assert member.person.display_name not in community_page()


def test_a_deleted_account_is_gone_from_the_community_page_at_once(community_page, member):
    # The user's deletion cascades to the person and their memberships.
    name = member.person.display_name
    member.delete()

    assert name not in community_page()


def test_a_renamed_member_shows_under_the_new_name_on_their_communities_pages(
    community_page, member
):
    services.person_update(person=member.person, data={"display_name": "Mo Renamed"})

    assert "Mo Renamed" in community_page()


def test_a_member_made_organiser_moves_to_the_organisers_at_once(community_page, community, member):
    services.membership_add(
        person=member.person, community=community, role=Membership.Role.ORGANISER
    )

    page = community_page()
    organisers = page[page.index('id="organisers"') : page.index('id="members"')]
    assert member.person.display_name in organisers


def test_a_renamed_community_shows_its_new_name_on_its_page_and_its_members_profiles(
    community_page, profile_of_member, community
):
    services.community_update(community=community, data={"name": "Wikimedia Renamed"}, languages=[])

    assert "Wikimedia Renamed" in community_page()
    assert "Wikimedia Renamed" in profile_of_member()


def test_new_languages_and_skills_show_on_the_profile_at_once(profile_of_member, member):
    language = LanguageFactory.create(code="x-yo", name="Test Yoruba")
    skill = SkillFactory.create(slug="x-mediation", name="Test mediation")

    services.person_languages_set(
        person=member.person, languages=[services.LanguageLevel(language, 3)]
    )
    services.person_skills_set(person=member.person, skills=[services.SkillLevel(skill, 2)])

    page = profile_of_member()
    assert "Test Yoruba" in page
    assert "Test mediation" in page


def test_a_renamed_skill_shows_under_its_new_name_on_profiles(profile_of_member, member):
    rated = PersonSkillFactory.create(person=member.person)
    profile_of_member()  # cached with the skill's old name
    rated.skill.name = "Test renamed skill"
    rated.skill.save()

    assert "Test renamed skill" in profile_of_member()


def test_a_profile_shows_a_community_the_viewer_joins_later(profile_of_member, member, organiser):
    # given: the member also belongs to a community the organiser is not in (yet)
    other = CommunityFactory.create(name="Test Other Chapter")
    MembershipFactory.create(person=member.person, community=other)
    assert "Test Other Chapter" not in profile_of_member()

    # when
    services.membership_add(person=organiser.person, community=other)

    # then
    assert "Test Other Chapter" in profile_of_member()


def test_the_community_page_is_rendered_once_for_viewers_who_see_the_same(
    client_for, community, member, django_assert_num_queries
):
    # given: the page as one member sees it
    fellow = MembershipFactory.create(community=community).person.user
    client_for(member).get(community.get_absolute_url())
    client = client_for(fellow)
    client.get("/communities/")  # the session learns the time zone

    # then: another member gets it from the cache (session, user, community, coordinator
    # check, their person for the menu): no organisers or members query
    with django_assert_num_queries(5):
        client.get(community.get_absolute_url())


def test_a_version_lost_from_the_cache_is_replaced_by_a_new_one():
    scope = (fragments.COMMUNITY, 1)
    (before,) = fragments.versions(scope)

    cache.clear()  # evicted, or the cache restarted
    (after,) = fragments.versions(scope)

    # An old fragment, cached under `before`, can never be taken for the current one.
    assert after != before
    assert fragments.versions(scope) == (after,)


def test_a_write_renews_the_version_again_when_its_transaction_commits(
    db, django_capture_on_commit_callbacks
):
    # A request that read the rows while the write was open must not have stored them under
    # the version that follows the write.
    scope = (fragments.PERSON, 1)
    (before,) = fragments.versions(scope)

    with django_capture_on_commit_callbacks(execute=True):
        fragments.bump(scope)
        (during,) = fragments.versions(scope)
    (after,) = fragments.versions(scope)

    assert len({before, during, after}) == 3


def test_a_content_key_differs_by_language_and_time_zone(community):
    here = fragments.content_key(community)
    with translation.override("fr"):
        in_french = fragments.content_key(community)
    with timezone.override("Asia/Tokyo"):
        in_tokyo = fragments.content_key(community)

    assert len({here, in_french, in_tokyo}) == 3


def test_a_content_key_ignores_what_the_rules_learnt_about_the_viewer(community, member):
    from leadership.rules import remember_viewer_fact

    before = fragments.content_key(community)
    remember_viewer_fact(community, member, "role", "member")

    assert fragments.content_key(community) == before


def test_seeding_drops_every_cached_fragment(db):
    from django.core.management import call_command

    before = fragments.versions(fragments.ALL)
    call_command("seed_demo", "--scale", "small", "--quiet-logins", stdout=io.StringIO())

    assert fragments.versions(fragments.ALL) != before


def test_a_membership_moved_to_another_community_leaves_the_old_page_at_once(
    community_page, community, member
):
    # As the admin's form can: the whole row saved with another community.
    membership = Membership.objects.get(person=member.person, community=community)
    membership.community = CommunityFactory.create()
    membership.save()

    assert member.person.display_name not in community_page()


def test_a_cache_that_fails_does_not_refuse_the_write(community, member, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(fragments.cache, "set_many", broken)

    services.person_update(person=member.person, data={"display_name": "Mo Saved"})

    member.person.refresh_from_db()
    assert member.person.display_name == "Mo Saved"
    assert "Could not renew" in caplog.text


def test_a_community_page_address_with_other_parameters_leads_to_the_one_without(
    client_for, member, community
):
    # Each would otherwise be another cached copy of the page.
    client = client_for(member)
    url = community.get_absolute_url()

    plain = client.get(url, {"utm_source": "newsletter"})
    paged = client.get(url, {"cursor": "abc", "x": "1"})

    assert plain.status_code == paged.status_code == 302
    assert plain["Location"] == url
    assert paged["Location"] == f"{url}?cursor=abc"
