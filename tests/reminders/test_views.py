"""My reminders: each person sees the reminders coming about their own terms, and nobody else's."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from tests.factories import RoleFactory, TermFactory
from tests.pages import main_content
from tests.reminders.conftest import ENDS_ON, at

pytestmark = pytest.mark.django_db

URL = "/reminders/"
BEFORE_ANY = date(2026, 2, 1)


def test_the_page_is_where_the_account_menu_links_to(client_for, member):
    response = client_for(member).get(reverse("leadership:home"))

    assert reverse("reminders:upcoming") == URL
    assert f'href="{URL}"' in response.text


def test_the_holder_sees_the_four_reminders_coming_about_their_term(client_for, member, term):
    with time_machine.travel(at(BEFORE_ANY), tick=False):
        response = client_for(member).get(URL)

    reminders = response.context["reminders"]
    assert [(r.due_on, r.offset_days) for r in reminders] == [
        (date(2026, 3, 3), -90),
        (date(2026, 5, 2), -30),
        (date(2026, 5, 25), -7),
        (ENDS_ON, 0),
    ]
    page = main_content(response)
    assert "Treasurer, Wikimedia Testland" in page
    assert f'href="/plans/roles/{term.role_id}/"' in page
    assert "30 days before the term ends" in page
    assert "if nobody has taken over" in page


def test_reminders_already_due_are_no_longer_listed(client_for, member, term):
    with time_machine.travel(at(date(2026, 5, 2)), tick=False):
        response = client_for(member).get(URL)

    assert [r.offset_days for r in response.context["reminders"]] == [-7, 0]


def test_no_holdover_reminder_is_listed_when_a_successor_is_planned(
    client_for, member, term, treasurer
):
    TermFactory.create(role=treasurer, starts_on=ENDS_ON, ends_on=date(2027, 6, 1))

    with time_machine.travel(at(BEFORE_ANY), tick=False):
        response = client_for(member).get(URL)

    assert [r.offset_days for r in response.context["reminders"]] == [-90, -30, -7]


@pytest.mark.parametrize("name", ["organiser", "outsider", "coordinator", "superuser"])
def test_others_do_not_see_the_members_reminders(client_as, term, name):
    with time_machine.travel(at(BEFORE_ANY), tick=False):
        response = client_as(name).get(URL)

    assert response.status_code == 200
    assert response.context["reminders"] == []
    assert "Treasurer" not in main_content(response)
    assert "No reminders are coming up" in main_content(response)


def test_an_anonymous_visitor_is_sent_to_log_in(client, term):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("terms", [5, 50])
def test_the_page_costs_the_same_with_5_or_50_terms(
    client_for, member, community, terms, django_assert_num_queries
):
    # given
    for _ in range(terms):
        TermFactory.create(
            role=RoleFactory.create(community=community),
            person=member.person,
            starts_on=date(2025, 6, 1),
            ends_on=ENDS_ON,
        )
    client = client_for(member)
    with time_machine.travel(at(BEFORE_ANY), tick=False):
        client.get(URL)  # the first page after login keeps the viewer's time zone in the session

        # when
        # 1 session, 2 user, 3 the viewer's person (kept for the menu), 4 their running terms
        # with roles, communities and whether a successor is planned, 5 their live enrolments
        # in sessions to come (training's session reminders)
        with django_assert_num_queries(5):
            response = client.get(URL)

    # then
    assert len(response.context["reminders"]) == terms * 4
