"""Handing work to the workers after the commit (leadership/queue.py): a broker that refuses it
costs the request nothing but a logged warning; the work waits in the database for its sweep.
Without a broker (the tests, the local demo) the task runs in the request, its errors its own."""

import logging
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from leadership.queue import enqueue_on_commit
from reminders.tasks import reminders_sweep_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_a_broker() -> Iterator[None]:
    """As in production: tasks go to the broker, not run in the request (apply_async itself is
    replaced in each test: nothing is sent anywhere)."""
    conf = reminders_sweep_task.app.conf
    conf.update(task_always_eager=False)
    yield
    conf.update(task_always_eager=True)


@pytest.mark.usefixtures("with_a_broker")
def test_the_task_is_sent_only_after_the_commit(django_capture_on_commit_callbacks: Any):
    with mock.patch.object(reminders_sweep_task, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            enqueue_on_commit(reminders_sweep_task)
        assert send.call_count == 0

        callbacks[0]()

    assert send.call_count == 1
    assert send.call_args.kwargs["retry"] is False


@pytest.mark.usefixtures("with_a_broker")
def test_a_broker_that_is_down_is_logged_and_the_request_carries_on(
    django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
):
    refused = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(reminders_sweep_task, "apply_async", side_effect=refused),
        caplog.at_level(logging.WARNING, logger="leadership.queue"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue_on_commit(reminders_sweep_task)

    assert "Could not hand reminders.tasks.reminders_sweep_task to the workers" in caplog.text


@pytest.mark.usefixtures("with_a_broker")
def test_an_error_that_is_not_the_brokers_is_logged_as_an_error_after_the_commit(
    django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
):
    # The data is committed by then: a server error would tell the volunteer it was not.
    with (
        mock.patch.object(reminders_sweep_task, "apply_async", side_effect=ZeroDivisionError),
        caplog.at_level(logging.ERROR, logger="leadership.queue"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue_on_commit(reminders_sweep_task)

    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert "ZeroDivisionError" in caplog.text


def test_without_a_broker_the_task_runs_in_the_request_and_its_bug_is_seen(
    django_capture_on_commit_callbacks: Any,
):
    # The tests and the local demo run tasks in-process: a bug in one must fail loudly, not be
    # logged as a broker that could not be reached.
    with (
        mock.patch("reminders.tasks.reminders_sweep", side_effect=ZeroDivisionError),
        pytest.raises(ZeroDivisionError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue_on_commit(reminders_sweep_task)
