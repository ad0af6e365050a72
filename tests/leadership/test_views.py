"""Every page for every named user: who sees what, who may write, and what each page costs.

Query counts are taken on a warm session: the first page after logging in also reads the
viewer's time zone into the session (tested on its own below).
"""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from leadership.middleware import SESSION_TZ_KEY
from leadership.models import Community, Membership
from tests.factories import (
    CommunityFactory,
    LanguageFactory,
    MembershipFactory,
    PersonFactory,
    PersonLanguageFactory,
    PersonSkillFactory,
    SkillFactory,
)
from tests.pages import main_content

pytestmark = pytest.mark.django_db

LOGGED_IN = ["member", "organiser", "outsider", "coordinator", "superuser"]
HOME = "/"
COMMUNITIES = "/communities/"
PROFILE_EDIT = "/profile/edit/"


def _warm(client):
    """One page so that the session holds the viewer's time zone, as it does after login."""
    assert client.get(COMMUNITIES).status_code == 200
    return client


def _edit_url(community):
    return reverse("leadership:community-edit", kwargs={"slug": community.slug})


def _snapshot(community):
    community.refresh_from_db()
    return (
        community.name,
        community.slug,
        community.kind,
        community.region,
        str(community.time_zone),
        community.description,
        sorted(community.languages.values_list("code", flat=True)),
        community.history.count(),
    )


def _community_post(community, **changes):
    data = {
        "name": community.name,
        "kind": community.kind,
        "region": community.region,
        "time_zone": str(community.time_zone),
        "languages": list(community.languages.values_list("code", flat=True)),
        "description": community.description,
    }
    data.update(changes)
    return data


# Home


def test_an_anonymous_visitor_sees_the_welcome_page_without_any_query(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(HOME)

    assert response.status_code == 200
    assert "Leadership that is renewed, not concentrated" in response.text
    assert reverse("account_login") in response.text
    assert "Your communities" not in response.text


def test_the_home_page_lists_the_members_communities_and_roles(
    client_for, member, outsider, community, other_community
):
    # given: the member also organises a third community
    third = CommunityFactory.create(name="Wiki Loves Testing")
    MembershipFactory.create(person=member.person, community=third, role=Membership.Role.ORGANISER)

    # when
    response = client_for(member).get(HOME)

    # then
    assert response.status_code == 200
    assert "Welcome, Mo Member" in response.text
    assert [m.community.name for m in response.context["memberships"]] == [
        "Wiki Loves Testing",
        "Wikimedia Testland",
    ]
    assert community.get_absolute_url() in response.text
    assert other_community.name not in response.text
    assert "Organiser" in response.text


def test_the_home_page_invites_someone_without_communities_to_browse_them(client_for, coordinator):
    response = client_for(coordinator).get(HOME)

    assert response.status_code == 200
    assert "You do not belong to any community yet." in response.text


@pytest.mark.parametrize("rows", [5, 50])
def test_the_home_page_costs_the_same_with_5_or_50_memberships(
    client_for, member, rows, django_assert_num_queries
):
    # given
    for community in CommunityFactory.create_batch(rows - 1):
        MembershipFactory.create(person=member.person, community=community)
    client = _warm(client_for(member))

    # when
    # 1 session, 2 user, 3 memberships joined with communities, 4 the viewer's person (menu)
    with django_assert_num_queries(4):
        response = client.get(HOME)

    # then
    assert len(response.context["memberships"]) == rows


# Anonymous visitors are sent to log in


@pytest.mark.parametrize(
    "url",
    [
        COMMUNITIES,
        "/communities/wikimedia-testland/",
        "/communities/wikimedia-testland/edit/",
        "/people/{person}/",
        PROFILE_EDIT,
    ],
)
def test_an_anonymous_visitor_is_sent_to_log_in_from_every_other_page(client, member, url):
    url = url.format(person=member.person.pk)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


# Community list


@pytest.mark.parametrize("who", LOGGED_IN)
def test_everyone_logged_in_sees_the_community_list(client_as, community, other_community, who):
    response = client_as(who).get(COMMUNITIES)

    assert response.status_code == 200
    assert [c.name for c in response.context["page"].items] == [
        "Wikimedia Testland",
        "Wikimedians of Otherland",
    ]
    assert '<html lang="en"' in response.text


def test_the_community_list_searches_names_and_slugs_case_insensitively(
    client_for, member, other_community
):
    client = client_for(member)

    by_name = client.get(COMMUNITIES, {"q": "TESTLAND"})
    by_slug = client.get(COMMUNITIES, {"q": "otherl"})
    by_nothing = client.get(COMMUNITIES, {"q": "Atlantis"})

    assert [c.name for c in by_name.context["page"].items] == ["Wikimedia Testland"]
    assert [c.name for c in by_slug.context["page"].items] == ["Wikimedians of Otherland"]
    assert by_nothing.context["page"].items == []
    assert "No community matches your search." in by_nothing.text


def test_the_community_list_filters_by_kind_and_region(client_for, member, other_community):
    # given: community A is a chapter in NWE, B a user group in LAC, C a user group in NWE
    CommunityFactory.create(
        name="NWE user group", kind=Community.Kind.USER_GROUP, region=Community.Region.NWE
    )
    client = client_for(member)

    # when
    user_groups = client.get(COMMUNITIES, {"kind": "user_group"})
    nwe = client.get(COMMUNITIES, {"region": "nwe"})
    both = client.get(COMMUNITIES, {"kind": "user_group", "region": "nwe"})

    # then
    assert [c.name for c in user_groups.context["page"].items] == [
        "NWE user group",
        "Wikimedians of Otherland",
    ]
    assert [c.name for c in nwe.context["page"].items] == ["NWE user group", "Wikimedia Testland"]
    assert [c.name for c in both.context["page"].items] == ["NWE user group"]


def test_an_unknown_kind_in_the_address_is_ignored_rather_than_an_error(
    client_for, member, other_community
):
    response = client_for(member).get(COMMUNITIES, {"kind": "secret-society"})

    assert response.status_code == 200
    assert len(response.context["page"].items) == 2


def test_htmx_gets_only_the_results_fragment(
    client_for, member, other_community, django_assert_num_queries
):
    client = _warm(client_for(member))

    # 1 session, 2 user, 3 page of communities (no menu: the fragment has no base template)
    with django_assert_num_queries(3):
        response = client.get(COMMUNITIES, {"q": "testland"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "<form" not in response.text
    assert "Wikimedia Testland" in response.text
    assert "Wikimedians of Otherland" not in response.text


def test_the_community_list_pages_keep_the_search_in_their_links(client_for, member):
    # given: 30 matching communities and one that does not match
    for i in range(30):
        CommunityFactory.create(name=f"Wiki Club {i:02d}")
    CommunityFactory.create(name="Unrelated")
    client = client_for(member)

    # when
    first = client.get(COMMUNITIES, {"q": "club"})
    next_cursor = first.context["page"].next_cursor
    second = client.get(COMMUNITIES, {"q": "club", "cursor": next_cursor})

    # then
    assert len(first.context["page"].items) == 25
    query = urlencode({"q": "club", "cursor": next_cursor}).replace("&", "&amp;")
    assert f'href="?{query}"' in first.text
    assert [c.name for c in second.context["page"].items] == [
        f"Wiki Club {i:02d}" for i in range(25, 30)
    ]
    assert second.context["page"].next_cursor is None
    assert 'rel="prev"' in second.text


@pytest.mark.parametrize("rows", [5, 50])
def test_the_community_list_costs_the_same_with_5_or_50_communities(
    client_for, member, rows, django_assert_num_queries
):
    # given
    CommunityFactory.create_batch(rows - 1)
    client = _warm(client_for(member))

    # when
    # 1 session, 2 user, 3 page of communities, 4 the viewer's person (menu)
    with django_assert_num_queries(4):
        response = client.get(COMMUNITIES)

    # then
    assert len(response.context["page"].items) == min(rows, 25)


# Community detail


@pytest.mark.parametrize(
    ("who", "sees_members", "can_edit"),
    [
        ("member", True, False),
        ("organiser", True, True),
        ("outsider", False, False),
        ("coordinator", True, True),
        ("superuser", True, True),
    ],
)
def test_the_community_page_shows_members_only_to_members_and_coordinators(
    client_as, community, organiser, member, who, sees_members, can_edit
):
    # when
    response = client_as(who).get(community.get_absolute_url())

    # then: organisers are public to everyone logged in
    assert response.status_code == 200
    assert "Olga Organiser" in response.text
    assert ("Mo Member" in response.text) is sees_members
    assert ("The member list is visible to this community" in response.text) is not sees_members
    assert (_edit_url(community) in response.text) is can_edit


def test_an_unknown_community_is_not_found(client_for, member):
    assert client_for(member).get("/communities/atlantis/").status_code == 404


@pytest.mark.parametrize(
    ("who", "queries"),
    [
        # 1 session, 2 user, 3 community with its language names and the viewer's role there,
        # 4 organisers, 5 coordinator check (for the edit button), 6 page of members,
        # 7 viewer's person (menu)
        ("member", 7),
        # as the member, without 5: an organiser may edit without being a coordinator
        ("organiser", 6),
        # as the member, without 6: an outsider sees no member list
        ("outsider", 6),
        # as the member: coordinator check, then members
        ("coordinator", 7),
        # as the member, without 5: Django allows a superuser everything unasked
        ("superuser", 6),
    ],
)
def test_the_community_page_query_count_per_viewer(
    client_as, community, organiser, member, who, queries, django_assert_num_queries
):
    client = _warm(client_as(who))

    with django_assert_num_queries(queries):
        response = client.get(community.get_absolute_url())

    assert response.status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_the_community_page_costs_the_same_with_5_or_50_members(
    client_for, community, organiser, member, rows, django_assert_num_queries
):
    # given
    for _ in range(rows - 1):
        MembershipFactory.create(community=community)
    client = _warm(client_for(organiser))

    # when
    # 1 session, 2 user, 3 community with its language names and the viewer's role there,
    # 4 organisers, 5 page of members, 6 viewer's person (menu)
    with django_assert_num_queries(6):
        response = client.get(community.get_absolute_url())
    # the content is cached: without 4 and 5
    with django_assert_num_queries(4):
        again = client.get(community.get_absolute_url())

    # then
    assert len(response.context["members"].items) == min(rows, 25)
    assert ('rel="next"' in response.text) is (rows > 25)
    assert main_content(again) == main_content(response)


def test_the_member_list_pages_through_members_alphabetically(client_for, community, organiser):
    # given: 30 members besides the organiser, created in reverse order
    for i in reversed(range(30)):
        MembershipFactory.create(
            community=community, person=PersonFactory.create(display_name=f"M {i:02d}")
        )
    client = client_for(organiser)

    # when
    first = client.get(community.get_absolute_url())
    second = client.get(
        community.get_absolute_url(), {"cursor": first.context["members"].next_cursor}
    )

    # then: organisers are listed apart, not among the members
    names = [m.person.display_name for m in first.context["members"].items]
    assert names == [f"M {i:02d}" for i in range(25)]
    assert [m.person.display_name for m in second.context["members"].items] == [
        f"M {i:02d}" for i in range(25, 30)
    ]


# Community edit


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 403),
        ("organiser", 200),
        ("outsider", 403),
        ("coordinator", 200),
        ("superuser", 200),
    ],
)
def test_only_organisers_and_coordinators_open_the_edit_page(client_as, community, who, status):
    response = client_as(who).get(_edit_url(community))

    assert response.status_code == status
    if status == 403:
        assert "You cannot do this" in response.text
    else:
        assert 'name="name"' in response.text
        assert 'value="Wikimedia Testland"' in response.text


def test_the_edit_page_query_count(client_for, community, organiser, django_assert_num_queries):
    # given
    community.languages.set([LanguageFactory.create(code="x-de", name="Test German")])
    client = _warm(client_for(organiser))

    # when
    # 1 session, 2 user, 3 community with its language names and the viewer's role there,
    # 4 community for the form, 5 its languages (initial), 6 viewer's person (menu),
    # 7 languages to choose
    with django_assert_num_queries(7):
        response = client.get(_edit_url(community))

    assert response.status_code == 200


@pytest.mark.parametrize("who", ["organiser", "coordinator", "superuser"])
def test_an_organiser_or_coordinator_saves_the_communitys_details(client_as, community, who):
    # given
    german = LanguageFactory.create(code="x-de", name="Test German")
    swahili = LanguageFactory.create(code="x-sw", name="Test Swahili")
    data = _community_post(
        community,
        name="Wikimedia Testland e.V.",
        kind="thematic",
        region="cee",
        time_zone="Europe/Warsaw",
        languages=[german.pk, swahili.pk],
        description="Free knowledge for all.",
    )
    client = client_as(who)

    # when
    response = client.post(_edit_url(community), data)

    # then
    assert response.status_code == 302
    assert response["Location"] == community.get_absolute_url()
    community.refresh_from_db()
    assert community.name == "Wikimedia Testland e.V."
    assert community.kind == "thematic"
    assert community.region == "cee"
    assert str(community.time_zone) == "Europe/Warsaw"
    assert sorted(community.languages.values_list("code", flat=True)) == ["x-de", "x-sw"]
    assert community.description == "Free knowledge for all."
    assert community.history.first().name == "Wikimedia Testland e.V."
    follow = client.get(response["Location"])
    assert "The community&#x27;s details were saved." in follow.text


@pytest.mark.parametrize(
    ("who", "status"), [("member", 403), ("outsider", 403), ("anonymous", 302)]
)
def test_a_refused_edit_changes_nothing(client_as, community, member, who, status):
    # given
    before = _snapshot(community)

    # when
    response = client_as(who).post(
        _edit_url(community), _community_post(community, name="Hijacked", description="Spam")
    )

    # then
    assert response.status_code == status
    if who == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))
    assert _snapshot(community) == before


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("WIKIMEDIANS OF OTHERLAND", "Another community already has this name."),
    ],
)
def test_an_invalid_edit_shows_the_error_and_changes_nothing(
    client_for, community, other_community, organiser, name, error
):
    # given
    before = _snapshot(community)

    # when
    response = client_for(organiser).post(
        _edit_url(community), _community_post(community, name=name, description="Changed")
    )

    # then
    assert response.status_code == 200
    assert error in response.text
    assert _snapshot(community) == before
    # the page still names the community as it is, not as typed
    assert "Edit Wikimedia Testland" in response.text


def test_the_edit_page_refuses_other_methods(client_for, community, organiser):
    before = _snapshot(community)

    response = client_for(organiser).put(_edit_url(community), {"name": "Put"})

    assert response.status_code == 405
    assert _snapshot(community) == before


# Person detail


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 200),
        ("organiser", 200),
        ("outsider", 404),
        ("coordinator", 200),
        ("superuser", 200),
    ],
)
def test_a_profile_is_seen_by_its_owner_fellow_members_and_coordinators_only(
    client_as, member, organiser, who, status
):
    # given
    member.person.bio = "I edit about rivers."
    member.person.save(update_fields=["bio"])

    # when
    response = client_as(who).get(member.person.get_absolute_url())

    # then: a profile someone may not see does not exist for them
    assert response.status_code == status
    assert ("I edit about rivers." in response.text) is (status == 200)
    edit_button = 'class="btn btn-outline-primary" href="/profile/edit/"'
    assert (edit_button in response.text) is (who == "member")


def test_an_unknown_profile_is_not_found(client_for, member):
    assert client_for(member).get("/people/999999/").status_code == 404


def test_a_profile_shows_languages_skills_and_communities(client_for, member, community):
    # given
    person = member.person
    PersonLanguageFactory.create(
        person=person,
        language=LanguageFactory.create(code="x-sw", name="Test Swahili"),
        proficiency=4,
    )
    PersonSkillFactory.create(
        person=person, skill=SkillFactory.create(slug="x-gardening", name="Wiki gardening"), level=2
    )

    # when
    response = client_for(member).get(person.get_absolute_url())

    # then
    assert "Test Swahili" in response.text
    assert "Native" in response.text
    assert "Wiki gardening" in response.text
    assert "2 - Practising: does it with support" in response.text
    assert community.name in response.text


@pytest.mark.parametrize("rows", [5, 50])
def test_a_profile_costs_the_same_with_5_or_50_languages_skills_and_communities(
    client_for, member, organiser, rows, django_assert_num_queries
):
    # given
    person = member.person
    for i in range(rows):
        PersonSkillFactory.create(person=person, skill=SkillFactory.create(slug=f"x-skill-{i}"))
        PersonLanguageFactory.create(
            person=person, language=LanguageFactory.create(code=f"x-lang-{i}")
        )
    for _ in range(rows - 1):
        MembershipFactory.create(person=person)
    client = _warm(client_for(organiser))

    # when
    # 1 session, 2 user, 3 person, with whether they share a community with the viewer
    # (EXISTS over a join), 4 coordinator check, 5 viewer's person (for the cache key and the
    # menu), then, rendering the content: 6 languages, 7 skills, 8 communities
    with django_assert_num_queries(8):
        response = client.get(person.get_absolute_url())
    # the content is cached: 1-5 only
    with django_assert_num_queries(5):
        again = client.get(person.get_absolute_url())

    # then
    assert response.status_code == 200
    assert len(response.context["profile_skills"]) == rows
    assert main_content(again) == main_content(response)


def test_ones_own_profile_skips_the_permission_queries(
    client_for, member, django_assert_num_queries
):
    client = _warm(client_for(member))

    # 1 session, 2 user, 3 person, then, rendering: 4 languages, 5 skills, 6 communities,
    # 7 viewer's person (menu)
    with django_assert_num_queries(7):
        response = client.get(member.person.get_absolute_url())

    assert response.status_code == 200


# Profile edit: three pages (about you, languages, skills), each saved on its own

PROFILE_LANGUAGES = "/profile/edit/languages/"
PROFILE_SKILLS = "/profile/edit/skills/"
PROFILE_PAGES = [PROFILE_EDIT, PROFILE_LANGUAGES, PROFILE_SKILLS]


def _about_post(person, **fields):
    """What the "About you" page posts back: the current details, changed as given."""
    data = {
        "display_name": person.display_name,
        "wiki_username": person.wiki_username,
        "pronouns": person.pronouns,
        "time_zone": str(person.time_zone),
        "bio": person.bio,
    }
    for flag in ("open_to_being_mentored", "open_to_mentoring", "open_to_coaching"):
        if getattr(person, flag):
            data[flag] = "on"
    data.update(fields)
    return data


def _languages_post(person, *, languages=None, new_rows=()):
    """What the languages page posts back.

    `languages` maps a language code of an existing row to a new proficiency, or to None to tick
    "Remove"; `new_rows` fill the empty rows.
    """
    existing = list(person.person_languages.order_by("pk"))
    languages = languages or {}
    rows = []
    for row in existing:
        proficiency = languages.get(row.language_id, row.proficiency)
        fields_of_row = {"id": row.pk, "language": row.language_id, "proficiency": proficiency}
        if row.language_id in languages and languages[row.language_id] is None:
            fields_of_row.update(proficiency=row.proficiency, DELETE="on")
        rows.append(fields_of_row)
    rows.extend({"id": "", **row} for row in new_rows)
    # The empty rows as a browser sends them: no language, the default proficiency selected.
    rows.extend({"id": "", "language": "", "proficiency": 2} for _ in range(2))
    data = {
        "languages-TOTAL_FORMS": len(rows),
        "languages-INITIAL_FORMS": len(existing),
        "languages-MIN_NUM_FORMS": 0,
        "languages-MAX_NUM_FORMS": 20,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"languages-{i}-{key}"] = value
    return data


def _skills_post(person, skills=None):
    """What the skills page posts back: `skills` maps skills to levels ("" for not rated)."""
    levels = dict(person.person_skills.values_list("skill_id", "level"))
    for skill, level in (skills or {}).items():
        levels[skill.pk] = level
    return {f"skills-skill_{skill_id}": level for skill_id, level in levels.items()}


@pytest.fixture
def profile(member):
    """The member's profile: German (native) and French (basic), facilitation at level 3."""
    person = member.person
    german = LanguageFactory.create(code="x-de", name="Test German")
    french = LanguageFactory.create(code="x-fr", name="Test French")
    PersonLanguageFactory.create(person=person, language=german, proficiency=4)
    PersonLanguageFactory.create(person=person, language=french, proficiency=1)
    PersonSkillFactory.create(
        person=person,
        skill=SkillFactory.create(slug="x-facilitation", name="Test facilitation"),
        level=3,
    )
    return person


def _profile_snapshot(person):
    person.refresh_from_db()
    return (
        person.display_name,
        person.pronouns,
        str(person.time_zone),
        person.open_to_mentoring,
        sorted(person.person_languages.values_list("language_id", "proficiency")),
        sorted(person.person_skills.values_list("skill__slug", "level")),
    )


@pytest.mark.parametrize("page", PROFILE_PAGES)
@pytest.mark.parametrize("who", LOGGED_IN)
def test_everyone_logged_in_opens_their_own_profile_pages(client_as, user_named, who, page):
    response = client_as(who).get(page)

    assert response.status_code == 200
    assert response.context["person"] == user_named(who).person
    # the three parts are tabs of one "Edit your profile", the open one marked
    assert f'active" aria-current="page" href="{page}"' in response.text


@pytest.mark.parametrize("page", PROFILE_PAGES)
def test_a_user_without_a_profile_gets_not_found_on_the_profile_pages(
    client_for, django_user_model, page
):
    user = django_user_model.objects.create_user(username="bare@example.org", password="x" * 12)

    assert client_for(user).get(page).status_code == 404


@pytest.mark.parametrize("page", PROFILE_PAGES)
def test_the_profile_pages_ask_anonymous_visitors_to_log_in(client, page):
    response = client.get(page)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_languages_page_shows_the_current_languages(client_for, member, profile):
    formset = client_for(member).get(PROFILE_LANGUAGES).context["formset"]

    assert [f.instance.language_id for f in formset.initial_forms] == ["x-de", "x-fr"]


def test_the_skills_page_shows_the_current_levels(client_for, member, profile):
    form = client_for(member).get(PROFILE_SKILLS).context["form"]

    skill = profile.person_skills.get().skill
    assert form[f"skill_{skill.pk}"].initial == 3


def test_the_about_page_costs_three_queries(client_for, member, django_assert_num_queries):
    client = _warm(client_for(member))

    # 1 session, 2 user, 3 person (also the menu's)
    with django_assert_num_queries(3):
        assert client.get(PROFILE_EDIT).status_code == 200


@pytest.mark.parametrize("rows", [1, 15])
def test_the_languages_page_costs_the_same_with_1_or_15_languages(
    client_for, member, rows, django_assert_num_queries
):
    # given
    for i in range(rows):
        PersonLanguageFactory.create(
            person=member.person, language=LanguageFactory.create(code=f"x-l{i}")
        )
    client = _warm(client_for(member))

    # when
    # 1 session, 2 user, 3 person (also the menu's), 4 the person's language rows, 5 languages
    # to choose from (once for all rows)
    with django_assert_num_queries(5):
        response = client.get(PROFILE_LANGUAGES)
    # the blank formset is cached: 1-3 only
    with django_assert_num_queries(3):
        again = client.get(PROFILE_LANGUAGES)

    # then
    assert len(response.context["formset"].forms) == rows + 2
    content = main_content(response)
    fieldset = content[content.index("<fieldset") :]
    assert fieldset in main_content(again)


@pytest.mark.parametrize("rated", [1, 12])
def test_the_skills_page_costs_the_same_with_1_or_12_skills_rated(
    client_for, member, rated, django_assert_num_queries
):
    # given
    for i in range(rated):
        PersonSkillFactory.create(
            person=member.person, skill=SkillFactory.create(slug=f"x-s{i}"), level=2
        )
    client = _warm(client_for(member))

    # when: 1 session, 2 user, 3 person (also the menu's), 4 skills with the person's levels
    with django_assert_num_queries(4):
        response = client.get(PROFILE_SKILLS)

    # then
    assert len([f for f in response.context["form"] if f.initial]) == rated


def _select(page, name):
    """The <select> called `name` in the page's HTML."""
    start = page.index(f'name="{name}"')
    return page[start : page.index("</select>", start)]


def test_each_profile_page_shows_what_was_just_saved_though_its_form_is_cached(
    client_for, member, profile
):
    # given: the three blank forms, cached
    client = client_for(member)
    for page in PROFILE_PAGES:
        client.get(page)
    facilitation = profile.person_skills.get().skill

    # when
    client.post(PROFILE_EDIT, _about_post(profile, display_name="Mo Cached"))
    client.post(PROFILE_LANGUAGES, _languages_post(profile, languages={"x-fr": None}))
    client.post(PROFILE_SKILLS, _skills_post(profile, {facilitation: 1}))

    # then
    assert 'value="Mo Cached"' in client.get(PROFILE_EDIT).text
    languages = client.get(PROFILE_LANGUAGES).text
    assert '<option value="x-fr" selected>' not in languages
    assert '<option value="x-de" selected>' in languages
    skill = _select(client.get(PROFILE_SKILLS).text, f"skills-skill_{facilitation.pk}")
    assert '<option value="1" selected>' in skill


def test_a_refused_profile_form_shows_what_was_posted_not_the_cached_form(
    client_for, member, profile
):
    # given: the blank form, cached
    client = client_for(member)
    client.get(PROFILE_EDIT)

    # when: a display name of spaces only
    response = client.post(PROFILE_EDIT, _about_post(profile, pronouns="xe/xem", display_name=" "))

    # then: the error and the posted values, not the form as cached
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'value="xe/xem"' in response.text
    assert _profile_snapshot(profile)[:2] == ("Mo Member", "")


def test_saving_about_you_changes_the_details_only(client_for, member, profile):
    client = client_for(member)
    data = _about_post(
        profile, display_name="  Mo M.  ", pronouns="they/them", open_to_mentoring="on"
    )

    # when
    response = client.post(PROFILE_EDIT, data)

    # then
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert response["Location"] == profile.get_absolute_url()
    assert _profile_snapshot(profile) == (
        "Mo M.",
        "they/them",
        "UTC",
        True,
        [("x-de", 4), ("x-fr", 1)],
        [("x-facilitation", 3)],
    )
    assert "Your profile was saved." in client.get(response["Location"]).text


def test_saving_languages_replaces_them_and_returns_to_the_form(client_for, member, profile):
    # given: drop French, lower German, add Swahili
    swahili = LanguageFactory.create(code="x-sw", name="Test Swahili")
    data = _languages_post(
        profile,
        languages={"x-de": 3, "x-fr": None},
        new_rows=[{"language": swahili.pk, "proficiency": 2}],
    )
    client = client_for(member)

    # when
    response = client.post(PROFILE_LANGUAGES, data)

    # then: back on the form, which offers two new empty rows
    assert response.status_code == 302
    assert response["Location"] == PROFILE_LANGUAGES
    assert _profile_snapshot(profile)[4:] == (
        [("x-de", 3), ("x-sw", 2)],
        [("x-facilitation", 3)],
    )
    page = client.get(response["Location"])
    assert "Your languages were saved." in page.text
    assert len(page.context["formset"].forms) == 4


def test_saving_skills_replaces_the_levels(client_for, member, profile):
    # given: rate gardening 4, unrate facilitation
    gardening = SkillFactory.create(slug="x-gardening", name="Wiki gardening")
    facilitation = profile.person_skills.get().skill
    client = client_for(member)

    # when
    response = client.post(PROFILE_SKILLS, _skills_post(profile, {gardening: 4, facilitation: ""}))

    # then
    assert response.status_code == 302
    assert response["Location"] == profile.get_absolute_url()
    assert _profile_snapshot(profile)[4:] == ([("x-de", 4), ("x-fr", 1)], [("x-gardening", 4)])
    assert "Your skills were saved." in client.get(response["Location"]).text


def test_saving_the_profile_switches_the_pages_to_the_new_time_zone(client_for, member, profile):
    # given: the session already holds the old time zone
    client = client_for(member)
    assert "Times are shown in UTC." in client.get(COMMUNITIES).text
    assert client.session[SESSION_TZ_KEY] == "UTC"

    # when
    response = client.post(PROFILE_EDIT, _about_post(profile, time_zone="Asia/Tokyo"))

    # then
    assert response.status_code == 302
    assert _profile_snapshot(profile)[2] == "Asia/Tokyo"
    assert client.session[SESSION_TZ_KEY] == "Asia/Tokyo"
    assert "Times are shown in Asia/Tokyo." in client.get(COMMUNITIES).text
    assert "Times are shown in Asia/Tokyo." in client.get(HOME).text


def test_the_first_page_after_login_reads_the_time_zone_once(
    client_for, member, django_assert_num_queries
):
    # given
    member.person.time_zone = "America/Los_Angeles"
    member.person.save(update_fields=["time_zone"])
    client = client_for(member)

    # when: 1 session, 2 user, 3 the viewer's time zone, 4 page of communities,
    # 5 viewer's person (menu), 6-8 session saved (savepoint, update, release)
    with django_assert_num_queries(8):
        first = client.get(COMMUNITIES)
    # 1 session, 2 user, 3 page of communities, 4 viewer's person (menu)
    with django_assert_num_queries(4):
        second = client.get(COMMUNITIES)

    # then
    assert "Times are shown in America/Los_Angeles." in first.text
    assert "Times are shown in America/Los_Angeles." in second.text


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"display_name": "   "}, "This field is required."),
        ({"time_zone": "Mars/Olympus_Mons"}, "Select a valid choice."),
        ({"wiki_username": "TAKEN"}, "Another person already uses this wiki username."),
    ],
    ids=["blank-name", "bad-time-zone", "wiki-username-taken"],
)
def test_invalid_details_show_the_error_and_change_nothing(
    client_for, member, profile, change, error
):
    # given: an edit that would otherwise change the name and pronouns
    PersonFactory.create(wiki_username="Taken")
    before = _profile_snapshot(profile)
    client = _warm(client_for(member))

    # when
    response = client.post(
        PROFILE_EDIT, _about_post(profile, **{"display_name": "Changed", "pronouns": "x", **change})
    )

    # then
    assert response.status_code == 200
    assert error in response.text
    assert _profile_snapshot(profile) == before
    assert client.session[SESSION_TZ_KEY] == "UTC"


@pytest.mark.parametrize(
    ("new_rows", "error"),
    [
        (
            [{"language": "x-sw", "proficiency": 2}, {"language": "x-sw", "proficiency": 3}],
            "Please correct the duplicate data",
        ),
        ([{"language": "x-de", "proficiency": 2}], "with this Person and Language already exists."),
        ([{"language": "x-sw", "proficiency": 9}], "Select a valid choice."),
    ],
    ids=["duplicate-new-rows", "duplicate-of-existing-row", "proficiency-9"],
)
def test_invalid_languages_show_the_error_and_change_nothing(
    client_for, member, profile, new_rows, error
):
    # given: German would also be lowered
    LanguageFactory.create(code="x-sw", name="Test Swahili")
    before = _profile_snapshot(profile)

    # when
    response = client_for(member).post(
        PROFILE_LANGUAGES, _languages_post(profile, languages={"x-de": 1}, new_rows=new_rows)
    )

    # then
    assert response.status_code == 200
    assert error in response.text
    assert _profile_snapshot(profile) == before


def test_an_invalid_skill_level_shows_the_error_and_changes_nothing(client_for, member, profile):
    # given: facilitation would also be unrated
    facilitation = profile.person_skills.get().skill
    gardening = SkillFactory.create(slug="x-gardening", name="Wiki gardening")
    before = _profile_snapshot(profile)

    # when
    response = client_for(member).post(
        PROFILE_SKILLS, _skills_post(profile, {facilitation: "", gardening: 7})
    )

    # then
    assert response.status_code == 200
    assert "Select a valid choice. 7 is not one of the available choices." in response.text
    assert _profile_snapshot(profile) == before


def test_the_languages_page_edits_only_ones_own_languages(client_for, member, organiser):
    # given: the organiser tries to post the member's id as one of their language rows
    row = PersonLanguageFactory.create(person=member.person, proficiency=4)
    data = {
        "languages-TOTAL_FORMS": 1,
        "languages-INITIAL_FORMS": 1,
        "languages-MIN_NUM_FORMS": 0,
        "languages-MAX_NUM_FORMS": 20,
        "languages-0-id": row.pk,
        "languages-0-language": row.language_id,
        "languages-0-proficiency": 1,
    }

    # when
    response = client_for(organiser).post(PROFILE_LANGUAGES, data)

    # then: the row is read as the organiser naming that language for themselves; the member's
    # row is untouched
    assert response.status_code == 302
    assert list(organiser.person.person_languages.values_list("language_id", "proficiency")) == [
        (row.language_id, 1)
    ]
    row.refresh_from_db()
    assert (row.person, row.proficiency) == (member.person, 4)
    assert list(member.person.person_languages.all()) == [row]
