"""Periodic tasks: each one safe to run twice."""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from leadership.tasks import clear_expired_sessions_task

pytestmark = pytest.mark.django_db


def _session(expires_in: datetime.timedelta) -> str:
    store = SessionStore()
    store["pathways_tz"] = "UTC"
    store.set_expiry(timezone.now() + expires_in)
    store.create()
    assert store.session_key is not None
    return store.session_key


@pytest.fixture
def sessions():
    return {
        "expired long ago": _session(-datetime.timedelta(days=30)),
        "expired just now": _session(-datetime.timedelta(seconds=1)),
        "live for a minute": _session(datetime.timedelta(minutes=1)),
        "live for two weeks": _session(datetime.timedelta(days=14)),
    }


def _remaining(sessions):
    keys = set(Session.objects.values_list("session_key", flat=True))
    return sorted(name for name, key in sessions.items() if key in keys)


def test_clearing_sessions_deletes_expired_ones_and_keeps_live_ones(sessions):
    # when
    clear_expired_sessions_task.delay()

    # then
    assert _remaining(sessions) == ["live for a minute", "live for two weeks"]


def test_clearing_sessions_twice_has_the_effect_of_clearing_once(sessions):
    # given
    clear_expired_sessions_task.delay()
    after_once = set(Session.objects.values_list("session_key", "expire_date"))

    # when
    clear_expired_sessions_task.delay()

    # then
    assert set(Session.objects.values_list("session_key", "expire_date")) == after_once
    assert _remaining(sessions) == ["live for a minute", "live for two weeks"]


def test_a_live_session_still_logs_its_user_in_after_clearing(client_for, member):
    # given: a logged-in client and someone else's expired session
    client = client_for(member)
    _session(-datetime.timedelta(days=1))

    # when
    clear_expired_sessions_task.delay()

    # then
    assert client.get("/communities/").status_code == 200
    assert Session.objects.count() == 1
