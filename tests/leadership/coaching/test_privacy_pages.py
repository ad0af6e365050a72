"""What was said in coaching, on every coaching page, for every named user.

A session's summary is for the coach and the coachee (the leader, or the organisers of a team
engagement's community); the coach's private notes are for the coach alone: not the coachee,
not a coordinator, not a superuser.
"""

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leadership.coaching.models import CoachAssignment, CoachingNote, CoachingSession, CoachProfile
from leadership.models import Community
from tests.factories import CoachAssignmentFactory, CoachingSessionFactory

pytestmark = pytest.mark.django_db

SUMMARY = "SUMMARY-MARKER"
NOTE = "NOTE-MARKER"


@pytest.fixture(autouse=True)
def _now() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=ZoneInfo("UTC")), tick=False):
        yield


def _said_in(engagement: CoachAssignment) -> CoachingSession:
    session = CoachingSessionFactory.create(
        assignment=engagement, happened_on=date(2026, 11, 3), summary=SUMMARY
    )
    CoachingNote.objects.create(session=session, text=NOTE)
    return session


@pytest.fixture
def profile(coach: Any) -> CoachProfile:
    return CoachProfile.objects.get(person__user=coach)


@pytest.fixture
def leader_session(profile: CoachProfile, member: Any, community: Community) -> CoachingSession:
    """A session of the coach with the member, a leader of the community."""
    engagement = CoachAssignmentFactory.create(
        coach=profile, coachee=member.person, community=community
    )
    return _said_in(engagement)


@pytest.fixture
def team_session(profile: CoachProfile, community: Community) -> CoachingSession:
    """A session of the coach with the community's leadership team (its organiser)."""
    engagement = CoachAssignmentFactory.create(coach=profile, coachee=None, community=community)
    return _said_in(engagement)


def _pages(session: CoachingSession) -> list[str]:
    assignment = session.assignment
    return [
        reverse("coaching:home"),
        reverse("coaching:coach-list"),
        reverse("coaching:assignment-list"),
        f"{reverse('coaching:assignment-new')}?community={assignment.community_id}",
        assignment.get_absolute_url(),
        reverse("coaching:assignment-edit", kwargs={"pk": assignment.pk}),
        reverse("coaching:coach-detail", kwargs={"pk": assignment.coach_id}),
        reverse("coaching:coach-edit", kwargs={"pk": assignment.coach_id}),
        reverse("coaching:session-new", kwargs={"pk": assignment.pk}),
        reverse("coaching:session-edit", kwargs={"pk": session.pk}),
    ]


def _showing(client: Client, pages: list[str], marker: str) -> list[str]:
    return [url for url in pages if marker in client.get(url).content.decode()]


@pytest.mark.parametrize(
    "name", ["member", "organiser", "outsider", "coordinator", "superuser", "anonymous"]
)
def test_a_private_note_appears_on_no_page_for_anyone_but_the_coach(
    client_as: Callable[[str], Client],
    name: str,
    leader_session: CoachingSession,
    team_session: CoachingSession,
) -> None:
    client = client_as(name)

    shown = _showing(client, _pages(leader_session) + _pages(team_session), NOTE)

    assert shown == []


def test_the_coach_reads_their_notes_on_the_engagement_and_the_session_form_only(
    client_as: Callable[[str], Client], leader_session: CoachingSession
) -> None:
    pages = _pages(leader_session)

    shown = _showing(client_as("coach"), pages, NOTE)

    assert shown == [pages[4], pages[9]]
    detail = client_as("coach").get(pages[4]).text
    assert "only you can read this" in detail


@pytest.mark.parametrize("name", ["coordinator", "superuser", "outsider"])
def test_a_summary_never_appears_to_a_coordinator_a_superuser_or_an_outsider(
    client_as: Callable[[str], Client],
    name: str,
    leader_session: CoachingSession,
    team_session: CoachingSession,
) -> None:
    client = client_as(name)

    shown = _showing(client, _pages(leader_session) + _pages(team_session), SUMMARY)

    assert shown == []


@pytest.mark.parametrize(
    ("name", "fixture"), [("member", "leader_session"), ("organiser", "team_session")]
)
def test_the_coachee_reads_the_summary_on_the_engagement_page(
    client_as: Callable[[str], Client],
    request: pytest.FixtureRequest,
    name: str,
    fixture: str,
) -> None:
    session = request.getfixturevalue(fixture)
    pages = _pages(session)

    shown = _showing(client_as(name), pages, SUMMARY)

    assert shown == [pages[4]]


def test_a_member_does_not_read_the_summary_of_their_teams_engagement(
    client_as: Callable[[str], Client], team_session: CoachingSession
) -> None:
    assert _showing(client_as("member"), _pages(team_session), SUMMARY) == []


def test_a_superuser_who_is_the_coachee_reads_the_summary_but_never_the_notes(
    client_as: Callable[[str], Client],
    superuser: Any,
    profile: CoachProfile,
    community: Community,
) -> None:
    engagement = CoachAssignmentFactory.create(
        coach=profile, coachee=superuser.person, community=community
    )
    session = _said_in(engagement)
    client = client_as("superuser")

    assert SUMMARY in client.get(engagement.get_absolute_url()).text
    assert _showing(client, _pages(session), NOTE) == []


def test_the_summary_is_not_even_loaded_for_a_coordinator(
    client_as: Callable[[str], Client], leader_session: CoachingSession
) -> None:
    client = client_as("coordinator")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(leader_session.assignment.get_absolute_url())

    assert response.status_code == 200
    assert not any('"summary"' in q["sql"] for q in queries.captured_queries)
    assert not any("coachingnote" in q["sql"] for q in queries.captured_queries)
