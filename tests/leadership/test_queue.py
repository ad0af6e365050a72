"""Handing work to the workers after the commit (leadership/queue.py): a broker that refuses it
costs the request nothing but a logged warning; the work waits in the database for its sweep."""

import logging
from typing import Any
from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from leadership.queue import enqueue_on_commit
from reminders.tasks import reminders_sweep_task

pytestmark = pytest.mark.django_db


def test_the_task_is_sent_only_after_the_commit(django_capture_on_commit_callbacks: Any):
    with mock.patch.object(reminders_sweep_task, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            enqueue_on_commit(reminders_sweep_task)
        assert send.call_count == 0

        callbacks[0]()

    assert send.call_count == 1
    assert send.call_args.kwargs["retry"] is False


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
