"""The knowledge library: its services and their refusals, the viewer's language, done and review
flags, who may use each page, and what the list costs."""

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from leadership.models import Language, PersonLanguage, Skill
from tests.factories import (
    LanguageFactory,
    PersonFactory,
    PersonLanguageFactory,
    ResourceFactory,
    SkillFactory,
    StageFactory,
)
from tests.pages import main_content
from training.models import Resource, ResourceDone, Stage
from training.selectors.library import (
    PAGE_SIZE,
    library_page,
    may_add_resource,
    may_edit_resource,
    resource_detail,
    resources_due_for_review,
    stage_resources,
)
from training.services.base import TrainingError
from training.services.library import (
    resource_create,
    resource_delete,
    resource_mark_done,
    resource_mark_undone,
    resource_translate,
    resource_update,
)

pytestmark = pytest.mark.django_db

# "Today" for these tests, unless a test travels elsewhere: before the guides' review day.
TODAY = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
REVIEW_BY = date(2027, 6, 30)


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def english(db: None) -> Language:
    return LanguageFactory.create(code="en", name="English")


@pytest.fixture
def french(db: None) -> Language:
    return LanguageFactory.create(code="fr", name="French")


@pytest.fixture
def spanish(db: None) -> Language:
    return LanguageFactory.create(code="es", name="Spanish")


@pytest.fixture
def welsh(db: None) -> Language:
    return LanguageFactory.create(code="cy", name="Welsh")


@pytest.fixture
def facilitation(db: None) -> Skill:
    return SkillFactory.create(slug="facilitation", name="Facilitation")


@pytest.fixture
def owner(db: None) -> Any:
    """A person who owns the guide and belongs to no community (so may not add resources)."""
    return PersonFactory.create(display_name="Owen Owner", user__email="owner@example.org").user


@pytest.fixture
def guide(owner: Any, english: Language, facilitation: Skill, stages: list[Stage]) -> Resource:
    guide = ResourceFactory.create(
        title="Running a meeting",
        summary="How to run a good meeting.",
        language=english,
        owner=owner.person,
        review_by=REVIEW_BY,
    )
    guide.skills.add(facilitation)
    guide.stages.add(stages[0])
    return guide


@pytest.fixture
def guide_fr(guide: Resource, french: Language) -> Resource:
    return ResourceFactory.create(
        title="Animer une réunion",
        language=french,
        translation_of=guide,
        owner=guide.owner,
        review_by=REVIEW_BY,
    )


def _main(response: Any) -> str:
    # The test client's response type is not HttpResponse to mypy.
    return main_content(response)


def _state(resource: Resource) -> tuple[Any, ...]:
    resource.refresh_from_db()
    return (
        resource.title,
        resource.summary,
        resource.kind,
        resource.url,
        resource.language_id,
        resource.review_by,
        resource.owner_id,
        sorted(resource.skills.values_list("pk", flat=True)),
        sorted(resource.stages.values_list("pk", flat=True)),
    )


# Services


def test_a_new_resource_is_owned_by_who_added_it_with_its_tags(
    organiser: Any, english: Language, facilitation: Skill, stages: list[Stage]
) -> None:
    resource = resource_create(
        by=organiser.person,
        title="  Budgets 101 ",
        summary="",
        kind=Resource.Kind.TUTORIAL,
        url="https://meta.example.org/budgets",
        language=english,
        skills=[facilitation],
        stages=stages[:2],
        review_by=REVIEW_BY,
    )

    assert resource.title == "Budgets 101"
    assert resource.owner == organiser.person
    assert resource.translation_of is None
    assert list(resource.skills.all()) == [facilitation]
    assert set(resource.stages.all()) == set(stages[:2])


def test_a_new_resource_may_name_another_owner(
    coordinator: Any, member: Any, english: Language
) -> None:
    resource = resource_create(
        by=coordinator.person,
        owner=member.person,
        title="Budgets",
        summary="",
        kind=Resource.Kind.GUIDE,
        url="https://meta.example.org/budgets",
        language=english,
        skills=[],
        stages=[],
        review_by=REVIEW_BY,
    )

    assert resource.owner == member.person


def test_it_refuses_a_new_resource_whose_review_day_has_passed(
    organiser: Any, english: Language
) -> None:
    with pytest.raises(TrainingError, match="review date"):
        resource_create(
            by=organiser.person,
            title="Old",
            summary="",
            kind=Resource.Kind.GUIDE,
            url="https://meta.example.org/old",
            language=english,
            skills=[],
            stages=[],
            review_by=date(2026, 11, 30),
        )

    assert not Resource.objects.exists()


def test_a_review_day_of_today_is_accepted(organiser: Any, english: Language) -> None:
    resource = resource_create(
        by=organiser.person,
        title="Fresh",
        summary="",
        kind=Resource.Kind.GUIDE,
        url="https://meta.example.org/fresh",
        language=english,
        skills=[],
        stages=[],
        review_by=TODAY.date(),
    )

    assert resource.review_by == TODAY.date()


def test_a_translation_takes_the_kind_and_review_day_of_its_original(
    guide: Resource, member: Any, french: Language
) -> None:
    translated = resource_translate(
        original=guide,
        by=member.person,
        language=french,
        title="Animer une réunion",
        summary="Comment bien animer.",
        url="https://meta.example.org/fr/reunion",
    )

    assert translated.translation_of == guide
    assert (translated.kind, translated.review_by) == (guide.kind, guide.review_by)
    assert translated.owner == member.person
    assert translated.language == french


def test_it_refuses_to_translate_a_translation(
    guide_fr: Resource, coordinator: Any, spanish: Language
) -> None:
    before = Resource.objects.count()

    with pytest.raises(TrainingError, match="translate the original"):
        resource_translate(
            original=guide_fr,
            by=coordinator.person,
            language=spanish,
            title="Dirigir una reunión",
            summary="",
            url="https://meta.example.org/es/reunion",
        )

    assert Resource.objects.count() == before


def test_it_refuses_a_second_translation_into_the_same_language(
    guide: Resource, guide_fr: Resource, coordinator: Any, french: Language
) -> None:
    state = _state(guide_fr)

    with pytest.raises(TrainingError, match="already has a translation"):
        resource_translate(
            original=guide,
            by=coordinator.person,
            language=french,
            title="Autre titre",
            summary="",
            url="https://meta.example.org/fr/autre",
        )

    assert guide.translations.count() == 1
    assert _state(guide_fr) == state


def test_it_refuses_a_translation_into_the_originals_own_language(
    guide: Resource, coordinator: Any, english: Language
) -> None:
    with pytest.raises(TrainingError, match="already in that language"):
        resource_translate(
            original=guide,
            by=coordinator.person,
            language=english,
            title="Running a meeting, again",
            summary="",
            url="https://meta.example.org/again",
        )

    assert not guide.translations.exists()


def test_changing_the_kind_of_an_original_changes_its_translations(
    guide: Resource, guide_fr: Resource, owner: Any, english: Language, stages: list[Stage]
) -> None:
    resource_update(
        resource=guide,
        by=owner.person,
        title="Running a meeting well",
        summary="",
        url="https://meta.example.org/meeting",
        language=english,
        review_by=date(2028, 1, 1),
        kind=Resource.Kind.RECORDING,
        skills=[],
        stages=stages[1:],
    )

    guide.refresh_from_db()
    guide_fr.refresh_from_db()
    assert (guide.title, guide.kind, guide.review_by) == (
        "Running a meeting well",
        Resource.Kind.RECORDING,
        date(2028, 1, 1),
    )
    assert guide_fr.kind == Resource.Kind.RECORDING
    assert not guide.skills.exists()
    assert set(guide.stages.all()) == set(stages[1:])


def test_an_overdue_resource_can_be_edited_without_moving_its_review_day(
    guide: Resource, owner: Any, english: Language
) -> None:
    with time_machine.travel(datetime(2027, 8, 1, tzinfo=UTC), tick=False):
        resource_update(
            resource=guide,
            by=owner.person,
            title="Renamed",
            summary=guide.summary,
            url=guide.url,
            language=english,
            review_by=REVIEW_BY,
        )

    guide.refresh_from_db()
    assert guide.title == "Renamed"


def test_it_refuses_to_move_a_review_day_into_the_past(
    guide: Resource, owner: Any, english: Language
) -> None:
    state = _state(guide)

    with pytest.raises(TrainingError, match="review date"):
        resource_update(
            resource=guide,
            by=owner.person,
            title="Renamed",
            summary="",
            url=guide.url,
            language=english,
            review_by=date(2026, 1, 1),
        )

    assert _state(guide) == state


def test_it_refuses_to_move_a_translation_into_the_language_of_another_version(
    guide: Resource, guide_fr: Resource, owner: Any, english: Language, spanish: Language
) -> None:
    guide_es = ResourceFactory.create(
        title="Dirigir una reunión", language=spanish, translation_of=guide, review_by=REVIEW_BY
    )
    state_fr, state_es = _state(guide_fr), _state(guide_es)

    for language in (english, spanish):
        with pytest.raises(TrainingError, match="already has a version"):
            resource_update(
                resource=guide_fr,
                by=owner.person,
                title="Changed",
                summary="",
                url=guide_fr.url,
                language=language,
                review_by=REVIEW_BY,
            )

    assert (_state(guide_fr), _state(guide_es)) == (state_fr, state_es)


def test_it_refuses_to_move_an_original_into_the_language_of_its_translation(
    guide: Resource, guide_fr: Resource, owner: Any, french: Language
) -> None:
    state = _state(guide)

    with pytest.raises(TrainingError, match="already has a version"):
        resource_update(
            resource=guide,
            by=owner.person,
            title="Changed",
            summary="",
            url=guide.url,
            language=french,
            review_by=REVIEW_BY,
        )

    assert _state(guide) == state


def test_it_refuses_tags_of_its_own_on_a_translation(
    guide_fr: Resource, owner: Any, french: Language, facilitation: Skill
) -> None:
    state = _state(guide_fr)

    with pytest.raises(TrainingError, match="from its original"):
        resource_update(
            resource=guide_fr,
            by=owner.person,
            title="Changed",
            summary="",
            url=guide_fr.url,
            language=french,
            review_by=REVIEW_BY,
            skills=[facilitation],
        )

    assert _state(guide_fr) == state


def test_marking_as_done_twice_records_it_once(guide: Resource, member: Any) -> None:
    resource_mark_done(resource=guide, person=member.person)
    resource_mark_done(resource=guide, person=member.person)

    assert ResourceDone.objects.filter(person=member.person).count() == 1


def test_done_in_one_language_is_done_in_all(
    guide: Resource, guide_fr: Resource, member: Any
) -> None:
    # given the member read the French translation
    resource_mark_done(resource=guide_fr, person=member.person)

    # when they mark the English original done too
    resource_mark_done(resource=guide, person=member.person)

    # then one record stands for the guide, and both versions show it done
    assert ResourceDone.objects.filter(person=member.person).count() == 1
    assert resource_detail(viewer=member, resource=guide).done
    assert resource_detail(viewer=member, resource=guide_fr).done


def test_marking_as_not_done_forgets_every_version_and_may_be_repeated(
    guide: Resource, guide_fr: Resource, member: Any, organiser: Any
) -> None:
    resource_mark_done(resource=guide_fr, person=member.person)
    resource_mark_done(resource=guide, person=organiser.person)

    resource_mark_undone(resource=guide, person=member.person)
    resource_mark_undone(resource=guide, person=member.person)

    assert not ResourceDone.objects.filter(person=member.person).exists()
    # someone else's record stays
    assert ResourceDone.objects.filter(person=organiser.person).count() == 1


def test_deleting_an_original_deletes_its_translations_and_done_marks(
    guide: Resource, guide_fr: Resource, member: Any
) -> None:
    resource_mark_done(resource=guide_fr, person=member.person)

    resource_delete(resource=guide)

    assert not Resource.objects.exists()
    assert not ResourceDone.objects.exists()


def test_deleting_a_translation_keeps_the_original(guide: Resource, guide_fr: Resource) -> None:
    resource_delete(resource=guide_fr)

    assert list(Resource.objects.all()) == [guide]


# The viewer's language


def _shown_titles(viewer: Any) -> list[str]:
    return [entry.shown.title for entry in library_page(viewer=viewer).entries]


def test_a_viewer_reading_in_french_sees_the_french_translation(
    guide: Resource, guide_fr: Resource, member: Any
) -> None:
    with translation.override("fr"):
        page = library_page(viewer=member)

    [entry] = page.entries
    assert entry.shown == guide_fr
    assert entry.original == guide
    assert entry.is_translation_shown


def test_a_viewer_reading_in_welsh_sees_the_original(
    guide: Resource, guide_fr: Resource, member: Any, welsh: Language
) -> None:
    PersonLanguageFactory.create(
        person=member.person, language=welsh, proficiency=PersonLanguage.Proficiency.NATIVE
    )

    with translation.override("cy"):
        assert _shown_titles(member) == ["Running a meeting"]
        assert [e.shown for e in stage_resources(stage=guide.stages.get(), viewer=member)] == [
            guide
        ]


def test_the_profiles_languages_come_by_proficiency_after_the_pages_language(
    guide: Resource,
    guide_fr: Resource,
    member: Any,
    french: Language,
    spanish: Language,
    welsh: Language,
) -> None:
    # given a guide in English, French and Spanish, and a member who reads Spanish best
    ResourceFactory.create(
        title="Dirigir una reunión", language=spanish, translation_of=guide, review_by=REVIEW_BY
    )
    PersonLanguageFactory.create(
        person=member.person, language=french, proficiency=PersonLanguage.Proficiency.BASIC
    )
    PersonLanguageFactory.create(
        person=member.person, language=spanish, proficiency=PersonLanguage.Proficiency.NATIVE
    )

    # then in Welsh pages (no Welsh version) they get Spanish, in French pages French
    with translation.override("cy"):
        assert _shown_titles(member) == ["Dirigir una reunión"]
    with translation.override("fr"):
        assert _shown_titles(member) == ["Animer une réunion"]


def test_the_library_page_is_shown_in_the_language_the_browser_asks_for(
    client_as: Callable[[str], Client], guide: Resource, guide_fr: Resource
) -> None:
    client = client_as("member")

    french_page = client.get(reverse("training:library"), headers={"accept-language": "fr"})
    welsh_page = client.get(reverse("training:library"), headers={"accept-language": "cy"})

    assert "Animer une réunion" in _main(french_page)
    assert "Running a meeting" not in _main(french_page)
    assert "Running a meeting" in _main(welsh_page)


def test_search_finds_an_original_by_its_translations_title(
    guide: Resource, guide_fr: Resource, member: Any
) -> None:
    ResourceFactory.create(title="Budgets", review_by=REVIEW_BY, language=guide.language)

    page = library_page(viewer=member, q="réunion")

    assert [entry.original for entry in page.entries] == [guide]


def test_the_filters_keep_the_matching_originals(
    guide: Resource,
    guide_fr: Resource,
    member: Any,
    french: Language,
    facilitation: Skill,
    stages: list[Stage],
) -> None:
    other = ResourceFactory.create(
        title="Budgets", kind=Resource.Kind.TEMPLATE, language=guide.language, review_by=REVIEW_BY
    )

    def originals(**filters: Any) -> list[Resource]:
        return [e.original for e in library_page(viewer=member, **filters).entries]

    assert originals() == [other, guide]
    assert originals(skill=facilitation) == [guide]
    assert originals(stage=stages[0]) == [guide]
    assert originals(stage=stages[1]) == []
    assert originals(kind=Resource.Kind.TEMPLATE) == [other]
    assert originals(language=french) == [guide]


def test_the_library_is_read_a_page_at_a_time(member: Any, english: Language) -> None:
    for i in range(PAGE_SIZE + 5):
        ResourceFactory.create(title=f"Guide {i:03d}", language=english, review_by=REVIEW_BY)

    first = library_page(viewer=member)
    assert first.next_cursor is not None
    second = library_page(viewer=member, cursor=first.next_cursor)

    assert len(first.entries) == PAGE_SIZE
    assert [e.shown.title for e in second.entries] == [f"Guide {i:03d}" for i in range(50, 55)]
    assert second.next_cursor is None
    # A cursor that does not decode is the first page.
    assert library_page(viewer=member, cursor="%%%").entries == first.entries


# Done and review flags


def test_done_is_per_person(
    guide: Resource, member: Any, organiser: Any, stages: list[Stage]
) -> None:
    resource_mark_done(resource=guide, person=member.person)

    assert [e.done for e in library_page(viewer=member).entries] == [True]
    assert [e.done for e in library_page(viewer=organiser).entries] == [False]
    assert [e.done for e in stage_resources(stage=stages[0], viewer=member)] == [True]
    assert [e.done for e in stage_resources(stage=stages[0], viewer=organiser)] == [False]


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2027, 6, 30, 23, 59, tzinfo=UTC), False),  # the review day itself
        (datetime(2027, 7, 1, 0, 0, tzinfo=UTC), True),  # the day after
    ],
)
def test_a_resource_is_due_for_review_the_day_after_its_review_day(
    guide: Resource, member: Any, owner: Any, now: datetime, due: bool
) -> None:
    with time_machine.travel(now, tick=False):
        [entry] = library_page(viewer=member).entries
        assert entry.due_for_review is due
        assert resource_detail(viewer=member, resource=guide).due_for_review is due
        assert (resources_due_for_review(viewer=owner) == [guide]) is due


def test_the_review_list_holds_the_owners_own_or_all_for_a_coordinator(
    guide: Resource, guide_fr: Resource, owner: Any, coordinator: Any, member: Any
) -> None:
    theirs = ResourceFactory.create(
        title="Member's", language=guide.language, owner=member.person, review_by=REVIEW_BY
    )

    with time_machine.travel(datetime(2027, 7, 1, 12, 0, tzinfo=UTC), tick=False):
        assert resources_due_for_review(viewer=owner) == [guide_fr, guide]
        assert resources_due_for_review(viewer=member) == [theirs]
        assert set(resources_due_for_review(viewer=coordinator)) == {guide, guide_fr, theirs}


# Who may


def test_who_may_add_and_edit(
    guide: Resource,
    guide_fr: Resource,
    member: Any,
    organiser: Any,
    outsider: Any,
    coordinator: Any,
    owner: Any,
) -> None:
    assert [may_add_resource(u) for u in (member, organiser, outsider, coordinator, owner)] == [
        False,
        True,
        True,
        True,
        False,
    ]
    assert [
        may_edit_resource(u, guide) for u in (member, organiser, outsider, coordinator, owner)
    ] == [False, False, False, True, True]
    # the original's owner also looks after its translations
    guide_fr.owner = None
    assert may_edit_resource(owner, guide_fr)


PEOPLE = ["anonymous", "member", "organiser", "outsider", "coordinator", "owner"]
READERS = {"member", "organiser", "outsider", "coordinator", "owner"}
ADDERS = {"organiser", "outsider", "coordinator"}
EDITORS = {"coordinator", "owner"}


def _expected(name: str, allowed: set[str], ok: int = 200) -> int:
    if name == "anonymous":
        return 302
    return ok if name in allowed else 403


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize(
    ("page", "allowed"),
    [
        ("library", READERS),
        ("resource-review", READERS),
        ("resource-create", ADDERS),
        ("resource-detail", READERS),
        ("resource-edit", EDITORS),
        ("resource-translate", EDITORS),
        ("resource-delete", EDITORS),
    ],
)
def test_who_may_see_each_page(
    client_as: Callable[[str], Client], guide: Resource, name: str, page: str, allowed: set[str]
) -> None:
    args = [] if page in {"library", "resource-review", "resource-create"} else [guide.pk]
    url = reverse(f"training:{page}", args=args)

    response = client_as(name).get(url)

    assert response.status_code == _expected(name, allowed)
    if name == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def _new_resource_data(language: Language) -> dict[str, Any]:
    return {
        "title": "Budgets 101",
        "summary": "",
        "kind": Resource.Kind.GUIDE,
        "url": "https://meta.example.org/budgets",
        "language": language.pk,
        "review_by": "2027-12-31",
    }


@pytest.mark.parametrize("name", PEOPLE)
def test_who_may_add_a_resource(
    client_as: Callable[[str], Client], english: Language, name: str
) -> None:
    response = client_as(name).post(
        reverse("training:resource-create"), _new_resource_data(english)
    )

    assert response.status_code == _expected(name, ADDERS, ok=302)
    created = Resource.objects.filter(title="Budgets 101").first()
    if name in ADDERS:
        assert created is not None
        assert response["Location"] == created.get_absolute_url()
        assert created.owner is not None
        assert created.owner.user.email == f"{name}@example.org"
    else:
        assert created is None


@pytest.mark.parametrize("name", PEOPLE)
def test_who_may_edit_a_resource(
    client_as: Callable[[str], Client], guide: Resource, english: Language, name: str
) -> None:
    state = _state(guide)

    response = client_as(name).post(
        reverse("training:resource-edit", args=[guide.pk]),
        {**_new_resource_data(english), "title": "Renamed"},
    )

    assert response.status_code == _expected(name, EDITORS, ok=302)
    if name in EDITORS:
        guide.refresh_from_db()
        assert guide.title == "Renamed"
    else:
        assert _state(guide) == state


@pytest.mark.parametrize("name", PEOPLE)
def test_who_may_translate_a_resource(
    client_as: Callable[[str], Client], guide: Resource, french: Language, name: str
) -> None:
    response = client_as(name).post(
        reverse("training:resource-translate", args=[guide.pk]),
        {"language": french.pk, "title": "Animer", "summary": "", "url": "https://x.example/fr"},
    )

    assert response.status_code == _expected(name, EDITORS, ok=302)
    assert guide.translations.exists() is (name in EDITORS)


@pytest.mark.parametrize("name", PEOPLE)
def test_who_may_delete_a_resource(
    client_as: Callable[[str], Client], guide: Resource, name: str
) -> None:
    response = client_as(name).post(reverse("training:resource-delete", args=[guide.pk]))

    assert response.status_code == _expected(name, EDITORS, ok=302)
    assert Resource.objects.filter(pk=guide.pk).exists() is (name not in EDITORS)
    if name in EDITORS:
        assert response["Location"] == reverse("training:library")


@pytest.mark.parametrize("name", PEOPLE)
def test_anyone_signed_in_marks_a_resource_done_for_themselves(
    client_as: Callable[[str], Client], guide: Resource, name: str
) -> None:
    client = client_as(name)
    url = reverse("training:resource-detail", args=[guide.pk])

    response = client.post(url, {"done": "1"})

    if name == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert not ResourceDone.objects.exists()
        return
    assert response.status_code == 302
    [done] = ResourceDone.objects.all()
    assert done.person.user.email == f"{name}@example.org"
    assert "Mark as not done" in _main(client.get(url))

    client.post(url, {"done": "0"})

    assert not ResourceDone.objects.exists()
    assert "Mark as done" in _main(client.get(url))


def test_a_refused_translation_shows_why_and_adds_nothing(
    client_as: Callable[[str], Client], guide: Resource, guide_fr: Resource, french: Language
) -> None:
    response = client_as("owner").post(
        reverse("training:resource-translate", args=[guide.pk]),
        {"language": french.pk, "title": "Encore", "summary": "", "url": "https://x.example/fr2"},
    )

    assert response.status_code == 200
    assert "already has a translation in that language" in _main(response)
    assert guide.translations.count() == 1


def test_translating_a_translation_is_refused_on_the_page(
    client_as: Callable[[str], Client], guide_fr: Resource, spanish: Language
) -> None:
    response = client_as("coordinator").post(
        reverse("training:resource-translate", args=[guide_fr.pk]),
        {"language": spanish.pk, "title": "Dirigir", "summary": "", "url": "https://x.example/es"},
    )

    assert response.status_code == 200
    assert "translate the original" in _main(response)
    assert not guide_fr.translations.exists()


def test_editing_a_translation_leaves_the_tags_to_its_original(
    client_as: Callable[[str], Client], guide: Resource, guide_fr: Resource, french: Language
) -> None:
    response = client_as("owner").post(
        reverse("training:resource-edit", args=[guide_fr.pk]),
        {
            "language": french.pk,
            "title": "Animer une bonne réunion",
            "summary": "",
            "url": guide_fr.url,
            "review_by": "2027-12-31",
        },
    )

    assert response.status_code == 302
    guide_fr.refresh_from_db()
    assert (guide_fr.title, guide_fr.review_by) == ("Animer une bonne réunion", date(2027, 12, 31))


def test_the_detail_page_lists_the_translations(
    client_as: Callable[[str], Client], guide: Resource, guide_fr: Resource
) -> None:
    page = _main(client_as("member").get(guide.get_absolute_url()))

    assert guide_fr.get_absolute_url() in page
    assert "Animer une réunion" in page


# What the list costs


def _fill_library(n: int, english: Language, french: Language, member: Any) -> None:
    skill = SkillFactory.create()
    for i in range(n):
        original = ResourceFactory.create(
            title=f"Guide {i:03d}", language=english, review_by=date(2026, 1, 1)
        )
        original.skills.add(skill)
        ResourceFactory.create(
            title=f"Guide {i:03d} (fr)",
            language=french,
            translation_of=original,
            review_by=REVIEW_BY,
        )
        if i % 2:
            ResourceDone.objects.create(resource=original, person=member.person)


@pytest.mark.parametrize("n", [3, PAGE_SIZE + 10])
def test_the_library_costs_the_same_whatever_its_size(
    client_for: Callable[[Any], Client],
    member: Any,
    english: Language,
    french: Language,
    n: int,
    django_assert_num_queries: Any,
) -> None:
    _fill_library(n, english, french, member)
    PersonLanguageFactory.create(person=member.person, language=french)
    client = client_for(member)
    # Pages in German (no German version): the profile's French comes next.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    assert client.get(reverse("training:library")).status_code == 200  # stores the time zone

    # 1 session, 2 user, 3 the viewer's person, 4 their languages, 5 the page of originals with
    # their done flags, 6 their skills, 7 their translations in the viewer's languages, 8 the
    # coordinators group and 9 the viewer's roles (may they add?), 10-12 the filters' skills,
    # stages and languages
    with django_assert_num_queries(12):
        response = client.get(reverse("training:library"))

    entries = response.context["page"].entries
    assert len(entries) == min(n, PAGE_SIZE)
    assert all(e.is_translation_shown for e in entries)
    assert [e.done for e in entries[:2]] == [False, True]


def test_a_page_of_the_list_runs_four_queries_in_the_selector(
    member: Any, english: Language, french: Language
) -> None:
    _fill_library(PAGE_SIZE + 1, english, french, member)
    with CaptureQueriesContext(connection) as queries:
        library_page(viewer=member)
    # the viewer's languages, the page of originals, their skills, their translations
    assert len(queries) == 4


def test_a_stage_lists_its_resources_in_the_viewers_language(
    guide: Resource, guide_fr: Resource, member: Any, stages: list[Stage]
) -> None:
    StageFactory.create(programme=stages[0].programme, order=9)

    with translation.override("fr"):
        entries = stage_resources(stage=stages[0], viewer=member)

    assert [(e.original, e.shown) for e in entries] == [(guide, guide_fr)]
    assert stage_resources(stage=stages[1], viewer=member) == []


def test_the_pages_have_no_inline_script_or_style(
    client_as: Callable[[str], Client], guide: Resource, guide_fr: Resource
) -> None:
    client = client_as("coordinator")
    urls = [
        reverse("training:library"),
        reverse("training:resource-review"),
        reverse("training:resource-create"),
        *(
            reverse(f"training:{page}", args=[guide.pk])
            for page in [
                "resource-detail",
                "resource-edit",
                "resource-translate",
                "resource-delete",
            ]
        ),
        reverse("training:resource-edit", args=[guide_fr.pk]),
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        for forbidden in [" style=", "onclick", "<script", "javascript:"]:
            assert forbidden not in _main(response), (url, forbidden)


@pytest.mark.parametrize("n", [1, 5])
def test_the_detail_page_costs_the_same_whatever_the_number_of_translations(
    client_for: Callable[[Any], Client],
    member: Any,
    guide: Resource,
    n: int,
    django_assert_num_queries: Any,
) -> None:
    for i in range(n):
        language = LanguageFactory.create(code=f"x-lib{i}", name=f"Tongue {i}")
        ResourceFactory.create(language=language, translation_of=guide, review_by=REVIEW_BY)
    client = client_for(member)
    url = guide.get_absolute_url()
    assert client.get(url).status_code == 200  # stores the time zone

    # 1 session, 2 user, 3 the resource with its language, owner and original, 4 the viewer's
    # person, 5 the translations, 6 the coordinators group (draft stages hidden?), 7 the stages,
    # 8 the done flag, 9 the skills
    with django_assert_num_queries(9):
        response = client.get(url)

    assert len(response.context["d"].versions) == n + 1


# Which stages a resource may be pointed at (found by the review: any organiser could link any
# community's stage, and the menu named other communities' draft programmes)


def _a_local_stage(community: Any, *, status: str = "open") -> Stage:
    from tests.factories import TrainingProgrammeFactory
    from training.models import TrainingProgramme

    programme = TrainingProgrammeFactory.create(
        title=f"{community.name} Academy",
        level=TrainingProgramme.Level.LOCAL,
        community=community,
        status=status,
    )
    return StageFactory.create(programme=programme, order=1, title="Foundations")


def test_an_organiser_cannot_point_a_resource_at_another_communitys_stage(
    client_as: Callable[[str], Client], english: Language, community: Any, outsider: Any
) -> None:
    # given: a stage of community A's programme; the outsider organises community B
    stage = _a_local_stage(community)

    # when: the outsider adds a resource and posts A's stage by hand
    response = client_as("outsider").post(
        reverse("training:resource-create"), {**_new_resource_data(english), "stages": [stage.pk]}
    )

    # then: refused on the field, nothing added, nothing linked
    assert response.status_code == 200
    assert "stages" in response.context["form"].errors
    assert not Resource.objects.filter(title="Budgets 101").exists()
    assert not stage.resources.exists()


def test_the_stage_menu_shows_an_organiser_their_own_stages_not_others_drafts(
    client_as: Callable[[str], Client], community: Any, other_community: Any, organiser: Any
) -> None:
    own = _a_local_stage(community)
    others_draft = _a_local_stage(other_community, status="draft")

    page = client_as("organiser").get(reverse("training:resource-create")).content.decode()

    assert f'value="{own.pk}"' in page
    assert others_draft.programme.title not in page


def test_an_organiser_editing_a_resource_keeps_the_stage_links_they_may_not_make(
    client_as: Callable[[str], Client],
    english: Language,
    community: Any,
    other_community: Any,
    organiser: Any,
) -> None:
    # given: the organiser's resource, linked by a coordinator to a stage of community B too
    own = _a_local_stage(community)
    others = _a_local_stage(other_community)
    resource = ResourceFactory.create(
        title="Budgets 101", language=english, owner=organiser.person, review_by=date(2027, 12, 31)
    )
    resource.stages.set([others])

    # when: the organiser links their own stage
    response = client_as("organiser").post(
        reverse("training:resource-edit", args=[resource.pk]),
        {**_new_resource_data(english), "stages": [own.pk]},
    )

    # then: both links are there
    assert response.status_code == 302
    assert set(resource.stages.all()) == {own, others}
