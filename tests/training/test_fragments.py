"""The cached training pages and feeds are renewed by every write they show.

Each test loads a page (filling the cache), changes something through a service, and loads it
again. The last test turns the renewal off and sees the stale page: the cache is really used, so
the others could fail.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.factories import PersonFactory
from training.models import Enrolment, Session, Stage, TrainingProgramme
from training.services.enrolment import enrolment_cancel, session_enrol
from training.services.schedule import (
    EditMode,
    SeriesChanges,
    series_create,
    series_edit,
    session_cancel,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def tiny(session: Session) -> Session:
    """The session, with one place."""
    session.capacity = 1
    session.save()
    return session


def _schedule(client: Client, programme: TrainingProgramme) -> str:
    return client.get(reverse("training:schedule", kwargs={"pk": programme.pk})).text


def test_the_schedule_shows_a_place_taken_and_freed_at_once(
    client_as: Any, academy: TrainingProgramme, tiny: Session
) -> None:
    client = client_as("member")
    assert "1 place left" in _schedule(client, academy)
    # when someone takes the last place
    enrolment = session_enrol(person=PersonFactory.create(), session=tiny)
    assert "Full: waiting list" in _schedule(client, academy)
    # when they leave again
    enrolment_cancel(enrolment=enrolment, by=enrolment.person)
    assert "1 place left" in _schedule(client, academy)


def test_the_schedule_shows_a_series_moved_to_another_time(
    client_as: Any, academy: TrainingProgramme, stages: list[Stage]
) -> None:
    # given a weekly series at 18:00 Berlin time, seen once
    series = series_create(
        stage=stages[0],
        by=None,
        rrule="FREQ=WEEKLY;COUNT=3",
        first_date=date(2026, 11, 10),
        start_time=time(18, 0),
        duration_minutes=60,
        time_zone="Europe/Berlin",
        capacity=5,
    )
    client = client_as("coordinator")
    assert "18:00" in _schedule(client, academy)
    # when all its sessions move to 19:30
    series_edit(
        session=series.sessions.order_by("starts_at")[0],
        mode=EditMode.ALL,
        by=None,
        changes=SeriesChanges(start_time=time(19, 30)),
    )
    page = _schedule(client, academy)
    assert "19:30" in page
    assert "18:00\u201319:00" not in page


def test_my_trainings_and_the_community_page_show_a_cancellation_at_once(
    client_as: Any, member: Any, academy: TrainingProgramme, session: Session, community: Any
) -> None:
    academy.community = community
    academy.level = TrainingProgramme.Level.LOCAL
    academy.save()
    session_enrol(person=member.person, session=session)
    client = client_as("member")
    mine = reverse("training:mine")
    trainings = reverse("training:community-trainings", kwargs={"slug": community.slug})
    assert "Cancelled" not in client.get(mine).text
    assert "Cancelled" not in client.get(trainings).text
    # when the session is cancelled
    session_cancel(session=session, by=None)
    assert "Cancelled" in client.get(mine).text
    assert "Cancelled" in client.get(trainings).text


def test_the_programme_feed_shows_a_cancellation_at_once(
    client: Client, academy: TrainingProgramme, session: Session
) -> None:
    url = reverse("training:programme-calendar", kwargs={"pk": academy.pk})
    assert "STATUS:CANCELLED" not in client.get(url).content.decode()
    session_cancel(session=session, by=None)
    assert "STATUS:CANCELLED" in client.get(url).content.decode()


def test_without_the_renewal_the_cached_schedule_would_stay_stale(
    client_as: Any, academy: TrainingProgramme, tiny: Session, monkeypatch: Any
) -> None:
    # given the page cached, and the renewal switched off
    client = client_as("member")
    assert "1 place left" in _schedule(client, academy)
    monkeypatch.setattr("training.fragments.bump", lambda *scopes: None)
    # when the last place is taken
    session_enrol(person=PersonFactory.create(), session=tiny)
    # then the page still shows the place: what the renewal is for
    assert "1 place left" in _schedule(client, academy)
    assert Enrolment.objects.filter(session=tiny).count() == 1
