"""Writes to the core: each refused write raises LeadershipError and changes nothing."""

import datetime
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from leadership.forms import ProfileForm
from leadership.models import Community, Membership, PersonLanguage, PersonSkill
from leadership.services import (
    LanguageLevel,
    LeadershipError,
    SkillLevel,
    community_update,
    membership_add,
    person_create_for_user,
    person_languages_set,
    person_skills_set,
    person_update,
    user_create,
)
from tests.factories import (
    CommunityFactory,
    LanguageFactory,
    PersonFactory,
    PersonLanguageFactory,
    PersonSkillFactory,
    SkillFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def german():
    return LanguageFactory.create(code="x-de", name="Test German")


@pytest.fixture
def french():
    return LanguageFactory.create(code="x-fr", name="Test French")


@pytest.fixture
def swahili():
    return LanguageFactory.create(code="x-sw", name="Test Swahili")


@pytest.fixture
def facilitation():
    return SkillFactory.create(slug="x-facilitation", name="Test facilitation")


@pytest.fixture
def finance():
    return SkillFactory.create(slug="x-finance", name="Test finance")


@pytest.fixture
def person(german, french, facilitation):
    """Ada speaks German natively and French a little, and facilitates well."""
    person = PersonFactory.create(display_name="Ada", pronouns="she/her", time_zone="Europe/Berlin")
    PersonLanguageFactory.create(person=person, language=german, proficiency=4)
    PersonLanguageFactory.create(person=person, language=french, proficiency=1)
    PersonSkillFactory.create(person=person, skill=facilitation, level=3)
    return person


def _languages(person):
    return sorted(person.person_languages.values_list("language_id", "proficiency"))


def _skills(person):
    return sorted(person.person_skills.values_list("skill__slug", "level"))


def _profile(person):
    person.refresh_from_db()
    return {
        "display_name": person.display_name,
        "pronouns": person.pronouns,
        "time_zone": str(person.time_zone),
        "languages": _languages(person),
        "skills": _skills(person),
    }


def test_person_update_changes_only_the_fields_it_is_given(person):
    # when
    person_update(
        person=person, data={"display_name": "Ada L.", "time_zone": ZoneInfo("Asia/Tokyo")}
    )

    # then
    person.refresh_from_db()
    assert person.display_name == "Ada L."
    assert str(person.time_zone) == "Asia/Tokyo"
    assert person.pronouns == "she/her"  # not in data: left alone
    assert _languages(person) == [("x-de", 4), ("x-fr", 1)]
    assert _skills(person) == [("x-facilitation", 3)]


def test_person_languages_set_replaces_the_languages(person, german, swahili):
    # when: French is dropped, German lowered, Swahili added
    person_languages_set(
        person=person, languages=[LanguageLevel(german, 3), LanguageLevel(swahili, 2)]
    )

    # then
    assert _languages(person) == [("x-de", 3), ("x-sw", 2)]
    assert _skills(person) == [("x-facilitation", 3)]


def test_person_skills_set_replaces_the_skill_levels(person, finance):
    # when: facilitation dropped, finance added
    person_skills_set(person=person, skills=[SkillLevel(finance, 4)])

    # then
    assert _skills(person) == [("x-finance", 4)]
    assert _languages(person) == [("x-de", 4), ("x-fr", 1)]


def test_no_languages_or_skills_clears_them(person):
    person_languages_set(person=person, languages=[])
    person_skills_set(person=person, skills=[])

    assert _languages(person) == []
    assert _skills(person) == []
    assert not PersonLanguage.objects.filter(person=person).exists()


def test_person_update_accepts_the_time_zone_that_the_profile_form_gives(person):
    # given: the time zone as the profile form cleans it (whatever tzinfo the field library uses)
    form = ProfileForm({"display_name": "Ada", "time_zone": "America/Los_Angeles"}, instance=person)
    assert form.is_valid(), form.errors
    tz = form.cleaned_data["time_zone"]

    # when
    person_update(person=person, data={"time_zone": tz})

    # then
    person.refresh_from_db()
    assert str(person.time_zone) == "America/Los_Angeles"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("unknown_field", "These fields cannot be changed here: is_superuser"),
        ("empty_name", "Your display name cannot be empty."),
        ("blank_name", "Your display name cannot be empty."),
        ("time_zone_string", "Choose a valid time zone."),
        ("time_zone_unknown", "Choose a valid time zone."),
        ("time_zone_offset", "Choose a valid time zone."),
    ],
)
def test_person_update_refuses_bad_input_and_changes_nothing(person, change, message):
    # given: an otherwise valid update
    data: dict[str, Any] = {"display_name": "Changed", "pronouns": "they/them"}
    before = _profile(person)
    if change == "unknown_field":
        data["is_superuser"] = True
    elif change == "empty_name":
        data["display_name"] = ""
    elif change == "blank_name":
        data["display_name"] = "   "
    elif change == "time_zone_string":
        data["time_zone"] = "Europe/Paris"
    elif change == "time_zone_unknown":
        data["time_zone"] = "Mars/Olympus_Mons"
    elif change == "time_zone_offset":
        data["time_zone"] = datetime.timezone(datetime.timedelta(hours=5, minutes=45))

    # when
    with pytest.raises(LeadershipError, match=re.escape(message)):
        person_update(person=person, data=data)

    # then
    assert _profile(person) == before
    assert not person.user.is_superuser


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ([("x-sw", 2), ("x-sw", 3)], "Each language can be listed only once."),
        ([("x-sw", 0)], "Choose a proficiency for each language."),
        ([("x-sw", 5)], "Choose a proficiency for each language."),
    ],
    ids=["duplicate", "proficiency-0", "proficiency-5"],
)
def test_person_languages_set_refuses_bad_input_and_changes_nothing(
    person, swahili, levels, message
):
    before = _profile(person)
    languages = [LanguageLevel(swahili, proficiency) for _code, proficiency in levels]

    with pytest.raises(LeadershipError, match=re.escape(message)):
        person_languages_set(person=person, languages=languages)

    assert _profile(person) == before


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ([2, 3], "Each skill can be listed only once."),
        ([0], "Skill levels go from 1 to 4."),
        ([5], "Skill levels go from 1 to 4."),
    ],
    ids=["duplicate", "level-0", "level-5"],
)
def test_person_skills_set_refuses_bad_input_and_changes_nothing(person, finance, levels, message):
    before = _profile(person)

    with pytest.raises(LeadershipError, match=re.escape(message)):
        person_skills_set(person=person, skills=[SkillLevel(finance, level) for level in levels])

    assert _profile(person) == before


def test_community_update_changes_details_and_languages(german, french):
    # given
    community = CommunityFactory.create(name="Wikimedia Testland", languages=[german])

    # when
    community_update(
        community=community,
        data={
            "name": "Wikimedia Testland e.V.",
            "kind": Community.Kind.THEMATIC,
            "region": Community.Region.CEE,
            "time_zone": ZoneInfo("Europe/Warsaw"),
            "description": "Free knowledge.",
        },
        languages=[french],
    )

    # then
    community.refresh_from_db()
    assert community.name == "Wikimedia Testland e.V."
    assert community.kind == Community.Kind.THEMATIC
    assert community.region == Community.Region.CEE
    assert str(community.time_zone) == "Europe/Warsaw"
    assert community.description == "Free knowledge."
    assert list(community.languages.values_list("code", flat=True)) == ["x-fr"]


def test_community_update_is_recorded_in_the_history(german):
    community = CommunityFactory.create(name="Wikimedia Testland")
    assert community.history.count() == 1

    community_update(community=community, data={"description": "New."}, languages=[german])

    latest = community.history.first()
    assert latest is not None
    assert latest.description == "New."
    assert latest.history_type == "~"


def test_community_update_keeps_the_name_when_only_its_case_changes():
    community = CommunityFactory.create(name="Wikimedia Testland")

    community_update(community=community, data={"name": "WikiMedia TestLand"}, languages=[])

    community.refresh_from_db()
    assert community.name == "WikiMedia TestLand"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "wikimedians of OTHERLAND"}, "Another community already has this name."),
        ({"name": "  "}, "A community needs a name."),
        ({"slug": "stolen"}, "These fields cannot be changed here: slug"),
    ],
)
def test_community_update_refuses_bad_input_and_changes_nothing(german, french, data, message):
    # given
    CommunityFactory.create(name="Wikimedians of Otherland")
    community = CommunityFactory.create(
        name="Wikimedia Testland", slug="testland", description="Old.", languages=[german]
    )
    history_before = community.history.count()

    # when
    with pytest.raises(LeadershipError, match=re.escape(message)):
        community_update(
            community=community, data={**data, "description": "New."}, languages=[french]
        )

    # then
    community.refresh_from_db()
    assert (community.name, community.slug, community.description) == (
        "Wikimedia Testland",
        "testland",
        "Old.",
    )
    assert list(community.languages.values_list("code", flat=True)) == ["x-de"]
    assert community.history.count() == history_before


def test_membership_add_is_idempotent():
    # given
    person = PersonFactory.create()
    community = CommunityFactory.create()

    # when
    first = membership_add(person=person, community=community, joined_on=datetime.date(2024, 5, 1))
    second = membership_add(person=person, community=community, joined_on=datetime.date(2025, 1, 1))

    # then
    assert first.pk == second.pk
    assert Membership.objects.filter(person=person, community=community).count() == 1
    second.refresh_from_db()
    assert second.role == Membership.Role.MEMBER
    assert second.joined_on == datetime.date(2024, 5, 1)


def test_membership_add_defaults_to_joining_today_as_a_member(time_machine):
    time_machine.move_to(datetime.datetime(2026, 2, 28, 23, 30, tzinfo=datetime.UTC))

    membership = membership_add(person=PersonFactory.create(), community=CommunityFactory.create())

    assert membership.role == Membership.Role.MEMBER
    assert membership.joined_on == datetime.date(2026, 2, 28)


def test_membership_add_changes_the_role_of_an_existing_member():
    # given
    person = PersonFactory.create()
    community = CommunityFactory.create()
    membership_add(person=person, community=community)

    # when
    membership_add(person=person, community=community, role=Membership.Role.ORGANISER)

    # then
    membership = Membership.objects.get(person=person, community=community)
    assert membership.role == Membership.Role.ORGANISER
    assert membership.history.first().role == Membership.Role.ORGANISER


def test_membership_add_refuses_an_unknown_role_and_changes_nothing():
    # given
    person = PersonFactory.create()
    community = CommunityFactory.create()
    membership_add(person=person, community=community)

    # when
    with pytest.raises(LeadershipError, match=r"^Unknown role\.$"):
        membership_add(person=person, community=community, role="president")
    with pytest.raises(LeadershipError, match=r"^Unknown role\.$"):
        membership_add(person=PersonFactory.create(), community=community, role="president")

    # then
    assert list(Membership.objects.filter(community=community).values_list("role", flat=True)) == [
        Membership.Role.MEMBER
    ]


def test_user_create_makes_a_user_with_a_verified_address_and_a_profile():
    # when
    person = user_create(email=" Ada@Example.ORG ", password="a-long-password", display_name="Ada")

    # then
    user = person.user
    assert user.username == user.email == "ada@example.org"
    assert user.check_password("a-long-password")
    assert person.display_name == "Ada"
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("ada@example.org", True, True)


def test_user_create_is_idempotent():
    # given
    first = user_create(email="ada@example.org", password="first-password", display_name="Ada")

    # when
    second = user_create(email="ADA@example.org", password="other-password", display_name="X")

    # then
    assert second.pk == first.pk
    assert get_user_model().objects.filter(username="ada@example.org").count() == 1
    assert EmailAddress.objects.filter(email="ada@example.org").count() == 1
    second.refresh_from_db()
    assert second.display_name == "Ada"
    assert second.user.check_password("first-password")


def test_user_create_without_a_password_makes_an_account_that_cannot_log_in_by_password():
    person = user_create(email="bot@example.org", password=None, display_name="Bot")

    assert not person.user.has_usable_password()


def test_person_create_for_user_names_the_person_after_the_full_name_or_the_email():
    with_name = UserFactory.create(email="ada@example.org", first_name="Ada", last_name="Lovelace")
    without_name = UserFactory.create(email="grace.hopper@example.org")

    assert person_create_for_user(user=with_name).display_name == "Ada Lovelace"
    assert person_create_for_user(user=without_name).display_name == "grace.hopper"


def test_person_create_for_user_prefers_the_given_display_name_trimmed_to_150_characters():
    user = UserFactory.create()

    person = person_create_for_user(user=user, display_name="  " + "A" * 200 + " ")

    assert person.display_name == "A" * 150


def test_person_create_for_user_is_idempotent():
    # given
    user = UserFactory.create()
    first = person_create_for_user(user=user, display_name="First")

    # when
    second = person_create_for_user(user=user, display_name="Second")

    # then
    assert second.pk == first.pk
    second.refresh_from_db()
    assert second.display_name == "First"


def test_clearing_ones_skills_keeps_other_peoples(person, facilitation):
    # given: someone else with the same skill
    other = PersonFactory.create()
    PersonSkillFactory.create(person=other, skill=facilitation, level=2)

    # when
    person_skills_set(person=person, skills=[])

    # then
    assert PersonSkill.objects.filter(person=other).count() == 1
