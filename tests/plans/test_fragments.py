"""Cached plan pages: a second visit costs less, and every write shows at once."""

from datetime import date

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from plans import services
from plans.models import LeadershipPlan, Readiness, RoleSkill, SuccessorCandidate
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    PersonFactory,
    RoleFactory,
    SkillFactory,
    TermFactory,
)
from tests.pages import main_content

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-23 12:00Z", tick=False):
        yield


@pytest.fixture
def plan(community):
    return LeadershipPlan.objects.create(
        community=community,
        starts_on=date(2026, 1, 1),
        ends_on=date(2029, 1, 1),
        status=LeadershipPlan.Status.PUBLISHED,
    )


@pytest.fixture
def chair(community):
    return RoleFactory.create(community=community, title="Chair", succession_lead_months=6)


@pytest.fixture
def holder(community):
    person = PersonFactory.create(display_name="Hana Holder")
    MembershipFactory.create(person=person, community=community)
    return person


@pytest.fixture
def term(chair, holder):
    # Ends within the lead time, with nobody ready: the seat is at risk.
    return TermFactory.create(
        role=chair, person=holder, starts_on=date(2025, 5, 23), ends_on=date(2027, 5, 23)
    )


def _pages(plan):
    return {
        "plan": plan.get_absolute_url(),
        "timeline": reverse("plans:plan-timeline", kwargs={"pk": plan.pk}),
        "community": reverse("plans:community-plans", kwargs={"slug": plan.community.slug}),
        "at risk": reverse("plans:at-risk"),
    }


def _seen(client, plan):
    """Each page's main content, visited twice so that the second comes from the cache."""
    contents = {}
    for name, url in _pages(plan).items():
        client.get(url)
        contents[name] = main_content(client.get(url))
    return contents


def test_a_second_visit_to_each_plan_page_reads_only_what_its_key_needs(
    client_for, organiser, plan, term, django_assert_num_queries
):
    client = client_for(organiser)
    pages = _pages(plan)
    for url in pages.values():
        client.get(url)

    # 1 session, 2 user, 3 the plan with its community and the viewer's role, 4 the viewer's
    # person (menu)
    with django_assert_num_queries(4):
        client.get(pages["plan"])
    with django_assert_num_queries(4):
        client.get(pages["timeline"])
    # 1 session, 2 user, 3 the community with the viewer's role, 4 the viewer's person
    with django_assert_num_queries(4):
        client.get(pages["community"])
    # 1 session, 2 user, 3 coordinator check, 4 the viewer's communities, 5 the viewer's person
    with django_assert_num_queries(5):
        client.get(pages["at risk"])


def test_a_new_term_shows_at_once_on_every_plan_page(client_for, organiser, plan, chair, holder):
    client = client_for(organiser)
    before = _seen(client, plan)
    assert "Hana Holder" not in before["plan"]

    services.term_create(
        role=chair, person=holder, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1)
    )

    after = _seen(client, plan)
    assert "Hana Holder" in after["plan"]
    assert "Hana Holder" in after["timeline"]
    assert "Hana Holder" in after["community"]


def test_a_holders_new_name_shows_at_once(client_for, organiser, plan, term, holder):
    client = client_for(organiser)
    _seen(client, plan)

    holder.display_name = "Hana Renamed"
    holder.save()

    after = _seen(client, plan)
    for name in ("plan", "timeline", "community", "at risk"):
        assert "Hana Renamed" in after[name], name


def test_a_successor_ready_now_takes_the_seat_off_the_lists_at_once(
    client_for, organiser, plan, term, chair
):
    client = client_for(organiser)
    before = _seen(client, plan)
    assert "Chair" in before["at risk"]

    SuccessorCandidate.objects.create(
        role=chair, person=PersonFactory.create(), readiness=Readiness.READY_NOW
    )

    after = _seen(client, plan)
    assert "Chair" not in after["at risk"]
    assert "No seat is at risk" in after["community"]


def test_a_skill_a_role_needs_and_its_new_name_show_at_once(client_for, organiser, plan, chair):
    client = client_for(organiser)
    _seen(client, plan)
    skill = SkillFactory.create(name="Running board meetings")

    RoleSkill.objects.create(role=chair, skill=skill, min_level=2)
    assert "Running board meetings" in _seen(client, plan)["plan"]
    skill.name = "Chairing meetings"
    skill.save()

    assert "Chairing meetings" in _seen(client, plan)["plan"]


def test_a_role_moved_to_another_community_leaves_the_old_pages(client_for, organiser, plan, chair):
    client = client_for(organiser)
    assert "Chair" in _seen(client, plan)["community"]

    chair.community = CommunityFactory.create()
    chair.save()

    assert "Chair" not in _seen(client, plan)["community"]


def test_an_edited_plan_shows_at_once(client_for, organiser, plan):
    client = client_for(organiser)
    _seen(client, plan)

    services.plan_update(plan=plan, data={"vision": "Renewed leadership"})

    assert "Renewed leadership" in _seen(client, plan)["plan"]


def test_two_editors_each_get_their_own_csrf_token_on_a_cached_plan_page(
    organiser, coordinator, plan
):
    # given: the organiser's visit fills the cache for editors
    first = Client(enforce_csrf_checks=True)
    first.force_login(organiser)
    first.get(plan.get_absolute_url())
    second = Client(enforce_csrf_checks=True)
    second.force_login(coordinator)
    page = second.get(plan.get_absolute_url())

    # when: the coordinator publishes... archives the plan with the token on their page
    token = page.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = second.post(
        reverse("plans:plan-status", kwargs={"pk": plan.pk}),
        {"action": "archive", "csrfmiddlewaretoken": token},
    )

    # then
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == LeadershipPlan.Status.ARCHIVED
