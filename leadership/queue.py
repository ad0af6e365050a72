"""Handing work to Celery from a request without making the volunteer wait for the broker, or
losing the work when the broker is down.

The database is the record of every piece of work a request asks for, and a periodic sweep finds
what is still to do there: reminders (the reminder sweep, every 5 minutes), matching runs (queued
runs are handed to a worker again, every 5 minutes), the dashboards (refreshed hourly). The
message put on the broker after the commit only starts the work sooner. So when Redis is down,
the message is given up after one quick attempt, logged, and the page answers at once with the
volunteer's data saved; the sweep does the work once the broker is back. The tasks claim their
work in the database (a conditional update, a unique row), so work handed over twice is done once.
"""

import logging
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send `task(*args, **kwargs)` to the workers once the open transaction commits; if the
    broker cannot take it, log that and carry on (a sweep picks the work up later)."""
    transaction.on_commit(lambda: _publish(task, args, kwargs))


# What a broker that is down, unreachable or silent raises while a message is handed over.
BROKER_ERRORS = (KombuOperationalError, RedisError, OSError)
# Seconds to connect to the broker and for each of its answers, for a request's one attempt.
PUBLISH_TIMEOUT = 1


def _publish(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if task.app.conf.task_always_eager:
        # No broker (the local demo, the tests): the task runs here, and its errors are the
        # task's own, not a broker's, so they are not swallowed.
        task.apply_async(args=args, kwargs=kwargs)
        return
    try:
        # One attempt to connect and one to publish, each bounded by PUBLISH_TIMEOUT: not
        # kombu's reconnection loop (2 s pauses), Celery's three publishing retries, or redis'
        # default of waiting for ever on a server that accepts the connection and never answers.
        # A connection of its own, as the pool's keeps the loop.
        with task.app.connection_for_write() as connection:
            connection.transport_options = {
                **(connection.transport_options or {}),
                "max_retries": 0,
                "socket_connect_timeout": PUBLISH_TIMEOUT,
                "socket_timeout": PUBLISH_TIMEOUT,
            }
            # connection= reaches send_task (celery-types leaves it out of apply_async's options).
            task.apply_async(  # type: ignore[call-arg]
                args=args, kwargs=kwargs, retry=False, connection=connection
            )
    except BROKER_ERRORS:
        # The work is in the database, and its sweep will find it.
        logger.warning(
            "Could not hand %s to the workers; its periodic sweep will.", task.name, exc_info=True
        )
    except Exception:
        # Not the broker's: a bug (a task that cannot be sent as it is), loudly logged. Not
        # raised: the volunteer's data is committed, a server error would say otherwise, and the
        # callbacks after this one must still run; the sweep still finds the work.
        logger.exception("Could not hand %s to the workers.", task.name)
