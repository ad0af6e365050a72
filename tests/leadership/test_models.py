"""Constraints that the database itself enforces, and how rows present themselves."""

import pytest
from django.db import IntegrityError, transaction

from leadership.models import Community, Membership, Person
from tests.factories import (
    CommunityFactory,
    LanguageFactory,
    MembershipFactory,
    PersonFactory,
    PersonLanguageFactory,
    PersonSkillFactory,
    SkillFactory,
)

pytestmark = pytest.mark.django_db


def test_two_communities_cannot_share_a_name_in_any_letter_case():
    # given
    CommunityFactory.create(name="Wikimedia Deutschland")

    # when / then
    with pytest.raises(IntegrityError, match="community_name_unique_ci"), transaction.atomic():
        CommunityFactory.create(name="WIKIMEDIA deutschland")


def test_communities_with_different_names_can_coexist():
    CommunityFactory.create(name="Wikimedia Deutschland")
    CommunityFactory.create(name="Wikimedia Österreich")

    assert Community.objects.count() == 2


@pytest.mark.parametrize(("field", "value"), [("kind", "club"), ("region", "mars")])
def test_a_community_kind_or_region_outside_the_choices_is_refused_by_the_database(field, value):
    community = CommunityFactory.create()
    setattr(community, field, value)

    with pytest.raises(IntegrityError, match=f"community_{field}_valid"), transaction.atomic():
        community.save(update_fields=[field])


def test_a_person_belongs_to_a_community_only_once():
    membership = MembershipFactory.create()

    with pytest.raises(IntegrityError, match="membership_unique"), transaction.atomic():
        MembershipFactory.create(
            person=membership.person,
            community=membership.community,
            role=Membership.Role.ORGANISER,
        )


def test_a_person_may_belong_to_several_communities():
    person = PersonFactory.create()
    MembershipFactory.create(person=person)
    MembershipFactory.create(person=person)

    assert person.memberships.count() == 2


def test_a_membership_role_outside_the_choices_is_refused_by_the_database():
    with pytest.raises(IntegrityError, match="membership_role_valid"), transaction.atomic():
        MembershipFactory.create(role="president")


@pytest.mark.parametrize("level", [0, 5])
def test_a_skill_level_outside_1_to_4_is_refused_by_the_database(level):
    with pytest.raises(IntegrityError, match="person_skill_level_range"), transaction.atomic():
        PersonSkillFactory.create(level=level)


@pytest.mark.parametrize("level", [1, 4])
def test_skill_levels_1_and_4_are_accepted(level):
    assert PersonSkillFactory.create(level=level).pk is not None


def test_a_person_rates_a_skill_only_once():
    person_skill = PersonSkillFactory.create()

    with pytest.raises(IntegrityError, match="person_skill_unique"), transaction.atomic():
        PersonSkillFactory.create(person=person_skill.person, skill=person_skill.skill, level=1)


@pytest.mark.parametrize("proficiency", [0, 5])
def test_a_language_proficiency_outside_1_to_4_is_refused_by_the_database(proficiency):
    with (
        pytest.raises(IntegrityError, match="person_language_proficiency_range"),
        transaction.atomic(),
    ):
        PersonLanguageFactory.create(proficiency=proficiency)


def test_a_person_lists_a_language_only_once():
    person_language = PersonLanguageFactory.create()

    with pytest.raises(IntegrityError, match="person_language_unique"), transaction.atomic():
        PersonLanguageFactory.create(
            person=person_language.person, language=person_language.language, proficiency=1
        )


def test_a_skill_category_outside_the_choices_is_refused_by_the_database():
    with pytest.raises(IntegrityError, match="skill_category_valid"), transaction.atomic():
        SkillFactory.create(category="cooking")


def test_a_wiki_username_belongs_to_one_person_in_any_letter_case():
    PersonFactory.create(wiki_username="Ada Lovelace")

    with (
        pytest.raises(IntegrityError, match="person_wiki_username_unique_ci"),
        transaction.atomic(),
    ):
        PersonFactory.create(wiki_username="ada lovelace")


def test_any_number_of_people_may_leave_the_wiki_username_blank():
    PersonFactory.create(wiki_username="")
    PersonFactory.create(wiki_username="")
    PersonFactory.create(wiki_username="")

    assert Person.objects.filter(wiki_username="").count() == 3


def test_a_language_shows_its_autonym_when_it_differs_from_its_name():
    assert (
        str(LanguageFactory.create(code="de", name="German", autonym="Deutsch"))
        == "German (Deutsch)"
    )
    assert str(LanguageFactory.create(code="en", name="English", autonym="English")) == "English"
    assert str(LanguageFactory.create(code="x-no-autonym", name="Klingon", autonym="")) == "Klingon"


def test_rows_describe_themselves_in_plain_words():
    # given
    person = PersonFactory.create(display_name="Ada")
    community = CommunityFactory.create(name="Wikimedia Testland")
    german = LanguageFactory.create(code="de", name="German", autonym="Deutsch")
    skill = SkillFactory.create(name="Wiki gardening")

    # then
    assert str(person) == "Ada"
    assert str(community) == "Wikimedia Testland"
    assert str(skill) == "Wiki gardening"
    assert (
        str(PersonLanguageFactory.create(person=person, language=german, proficiency=4))
        == "German (Deutsch) (Native)"
    )
    assert (
        str(PersonSkillFactory.create(person=person, skill=skill, level=3)) == "Wiki gardening: 3"
    )
    membership = MembershipFactory.create(
        person=person, community=community, role=Membership.Role.ORGANISER
    )
    assert str(membership) == "Ada in Wikimedia Testland (Organiser)"


def test_a_community_lives_at_its_slug_and_a_person_at_their_id():
    community = CommunityFactory.create(slug="wm-testland")
    person = PersonFactory.create()

    assert community.get_absolute_url() == "/communities/wm-testland/"
    assert person.get_absolute_url() == f"/people/{person.pk}/"
