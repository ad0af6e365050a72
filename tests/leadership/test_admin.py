"""The admin: every leadership page renders for a superuser, and nobody else gets in."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leadership.models import (
    Community,
    Language,
    Membership,
    Person,
    PersonLanguage,
    PersonSkill,
    Skill,
)
from leadership.services import community_update
from tests.factories import (
    LanguageFactory,
    PersonLanguageFactory,
    PersonSkillFactory,
    SkillFactory,
)

pytestmark = pytest.mark.django_db

# model name, a search that finds the example row, a filter the example row passes
MODELS = [
    ("language", "x-klingon", {}),
    ("community", "testland", {"kind__exact": "chapter"}),
    ("person", "mo member", {"open_to_mentoring__exact": "0"}),
    ("personlanguage", "klingon", {"proficiency__exact": "4"}),
    ("skill", "gardening", {"category__exact": "technical"}),
    ("personskill", "gardening", {"level__exact": "2"}),
    ("membership", "testland", {"role__exact": "member"}),
]


@pytest.fixture
def rows(member, community):
    """One row of every leadership model, keyed by model name."""
    person = member.person
    klingon = LanguageFactory.create(code="x-klingon", name="Test Klingon", autonym="tlhIngan Hol")
    gardening = SkillFactory.create(slug="x-gardening", name="Wiki gardening", category="technical")
    return {
        "language": klingon,
        "community": community,
        "person": person,
        "personlanguage": PersonLanguageFactory.create(
            person=person, language=klingon, proficiency=4
        ),
        "skill": gardening,
        "personskill": PersonSkillFactory.create(person=person, skill=gardening, level=2),
        "membership": Membership.objects.get(person=person, community=community),
    }


@pytest.fixture
def admin_client_(client_for, superuser):
    return client_for(superuser)


@pytest.mark.parametrize("model", [m for m, _q, _f in MODELS])
def test_every_changelist_renders_for_a_superuser(admin_client_, rows, model):
    response = admin_client_.get(reverse(f"admin:leadership_{model}_changelist"))

    assert response.status_code == 200
    assert rows[model] in response.context["cl"].result_list


@pytest.mark.parametrize(("model", "query", "filters"), MODELS)
def test_every_changelist_search_and_filter_find_the_row(
    admin_client_, rows, model, query, filters
):
    url = reverse(f"admin:leadership_{model}_changelist")

    searched = admin_client_.get(url, {"q": query})
    filtered = admin_client_.get(url, filters)

    assert searched.status_code == 200
    assert list(searched.context["cl"].result_list) == [rows[model]]
    assert filtered.status_code == 200
    assert rows[model] in filtered.context["cl"].result_list


def test_a_search_that_matches_nothing_lists_nothing(admin_client_, rows):
    response = admin_client_.get(
        reverse("admin:leadership_community_changelist"), {"q": "atlantis"}
    )

    assert list(response.context["cl"].result_list) == []


def test_filters_exclude_rows_that_do_not_match(admin_client_, rows, other_community):
    response = admin_client_.get(
        reverse("admin:leadership_community_changelist"), {"region__exact": "lac"}
    )

    assert list(response.context["cl"].result_list) == [other_community]


@pytest.mark.parametrize("model", [m for m, _q, _f in MODELS])
def test_every_add_page_renders_for_a_superuser(admin_client_, model):
    response = admin_client_.get(reverse(f"admin:leadership_{model}_add"))

    assert response.status_code == 200
    assert "adminform" in response.context


@pytest.mark.parametrize("model", [m for m, _q, _f in MODELS])
def test_every_change_page_renders_for_a_superuser(admin_client_, rows, model):
    obj = rows[model]

    response = admin_client_.get(reverse(f"admin:leadership_{model}_change", args=[obj.pk]))

    assert response.status_code == 200
    assert response.context["original"] == obj


def test_the_person_page_shows_languages_skills_and_memberships_inline(admin_client_, rows):
    response = admin_client_.get(
        reverse("admin:leadership_person_change", args=[rows["person"].pk])
    )

    inline_models = [formset.opts.model for formset in response.context["inline_admin_formsets"]]
    assert [m._meta.model_name for m in inline_models] == [
        "personlanguage",
        "personskill",
        "membership",
    ]
    assert "Wikimedia Testland" in response.text


def test_the_history_of_a_community_lists_its_changes(admin_client_, community):
    # given
    community_update(
        community=community, data={"description": "Now with a description."}, languages=[]
    )
    record = community.history.first()

    # when
    history = admin_client_.get(reverse("admin:leadership_community_history", args=[community.pk]))
    version = admin_client_.get(
        reverse("admin:leadership_community_simple_history", args=[community.pk, record.history_id])
    )

    # then
    assert history.status_code == 200
    assert [r.history_type for r in history.context["page_obj"].object_list] == ["~", "+"]
    assert "Now with a description." in version.text
    assert version.status_code == 200


def test_the_history_of_a_membership_lists_its_changes(admin_client_, member, community):
    # given
    membership = Membership.objects.get(person=member.person, community=community)
    membership.role = Membership.Role.ORGANISER
    membership.save(update_fields=["role"])

    # when
    response = admin_client_.get(
        reverse("admin:leadership_membership_history", args=[membership.pk])
    )

    # then
    assert response.status_code == 200
    assert [r.role for r in response.context["page_obj"].object_list] == ["organiser", "member"]


@pytest.mark.parametrize("who", ["member", "organiser", "outsider", "coordinator"])
def test_a_user_who_is_not_staff_is_sent_away_from_the_admin(client_as, community, who):
    client = client_as(who)

    for url in [
        reverse("admin:index"),
        reverse("admin:leadership_community_changelist"),
        reverse("admin:leadership_community_change", args=[community.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_an_anonymous_visitor_is_sent_away_from_the_admin(client):
    response = client.get(reverse("admin:leadership_community_changelist"))

    assert response.status_code == 302
    assert "login" in response["Location"]


def _changelist_queries(client, model):
    url = reverse(f"admin:leadership_{model}_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _make_rows(n):
    """n rows of every model, in bulk: the admin reads them, how they were made does not matter."""
    start = Community.objects.count()
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bulk{start + i}@example.org") for i in range(n)
    )
    people = Person.objects.bulk_create(
        Person(user=user, display_name=f"Bulk {user.username}") for user in users
    )
    languages = Language.objects.bulk_create(
        Language(code=f"x-bulk{start + i}", name=f"Bulk {start + i}") for i in range(n)
    )
    skills = Skill.objects.bulk_create(
        Skill(slug=f"x-bulk{start + i}", name=f"Bulk {start + i}", category="people")
        for i in range(n)
    )
    communities = Community.objects.bulk_create(
        Community(name=f"Bulk {start + i}", slug=f"bulk-{start + i}", kind="chapter", region="nwe")
        for i in range(n)
    )
    rows = list(zip(people, languages, skills, communities, strict=True))
    PersonLanguage.objects.bulk_create(
        PersonLanguage(person=p, language=lang) for p, lang, _s, _c in rows
    )
    PersonSkill.objects.bulk_create(
        PersonSkill(person=p, skill=s, level=2) for p, _l, s, _c in rows
    )
    Membership.objects.bulk_create(
        Membership(person=p, community=c, joined_on=datetime.date(2024, 1, 1))
        for p, _l, _s, c in rows
    )


def test_changelists_cost_the_same_with_5_or_50_rows(client_for, superuser):
    # The admin's own queries (counts, filters, date hierarchy) are Django's to choose; ours is
    # that no column loads a related row per line, so the count must not grow with the rows.
    client = client_for(superuser)
    client.get(reverse("admin:index"))  # the first page stores the viewer's time zone
    models = [m for m, _q, _f in MODELS]
    _make_rows(5)
    with_5 = {model: _changelist_queries(client, model) for model in models}
    _make_rows(45)
    with_50 = {model: _changelist_queries(client, model) for model in models}

    assert with_50 == with_5
