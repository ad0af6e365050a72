"""The broker's timing against the tasks': long-range timing lives in the database, not in Redis.

Redis hands a message that a worker took and did not acknowledge (acks_late) to another worker
once the visibility timeout has passed. So a task running longer than it would run twice, and a
message delayed on the broker (countdown, eta, a retry's delay) longer than it would be delivered
again and again. Pathways keeps both out of reach: tasks stop well within the timeout, and
nothing is delayed on the broker (a reminder in 90 days is a date in the database, found by the
sweep).
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app
from reminders.services import CATCH_UP, LEASE, TASK_BUDGET

BASE_DIR = Path(__file__).resolve().parent.parent.parent
APPS = ["config", "leadership", "plans", "reminders", "mentoring", "training"]
# Keywords that put a delay on the broker: a countdown or eta on a message (apply_async, retry,
# a signature's options), and the task options that make Celery retry with a delay.
DELAYING_KEYWORDS = {"countdown", "eta", "autoretry_for", "default_retry_delay", "retry_backoff"}


def delays_in(source: str) -> list[str]:
    """Every call in `source` that delays work on the broker, as "line: call"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        keywords = {keyword.arg for keyword in node.keywords}
        # Task.retry() without a countdown still waits default_retry_delay (3 minutes)
        if keywords & DELAYING_KEYWORDS or name.endswith(".retry"):
            found.append(f"{node.lineno}: {name}")
    return found


def test_the_broker_hands_a_task_to_another_worker_only_after_it_surely_ended():
    visibility_timeout = app.conf.broker_transport_options["visibility_timeout"]
    # the hard limit kills a task well before Redis would hand its message to another worker
    assert visibility_timeout > app.conf.task_time_limit > app.conf.task_soft_time_limit
    # the reminder sweep stops itself before the soft limit interrupts a message being sent
    assert app.conf.task_soft_time_limit > TASK_BUDGET.total_seconds()


def test_a_sweeps_lease_outlives_any_task_and_ends_within_the_catch_up_window():
    lease = settings.PATHWAYS_REMINDER_LEASE_SECONDS
    # the setting's default is the lease reminders/services.py describes
    assert lease == LEASE.total_seconds()
    # no live sweep's rows are taken over by another; a dead sweep's go out the same day
    assert app.conf.task_time_limit < lease < CATCH_UP.total_seconds()


@pytest.mark.parametrize(
    "source",
    [
        "reminders_sweep_task.apply_async(countdown=60)",
        "task.apply_async(args=(1,), eta=tomorrow)",
        "task.s(1).set(countdown=5).delay()",
        "self.retry(exc=error)",
        "@shared_task(autoretry_for=(SMTPException,))\ndef send_task(): ...",
    ],
)
def test_the_scan_finds_each_way_of_delaying_work_on_the_broker(source):
    assert delays_in(source) != []


def test_no_code_delays_work_on_the_broker():
    # given every module of the apps and the project
    modules = [
        path
        for app_dir in APPS
        for path in sorted((BASE_DIR / app_dir).rglob("*.py"))
        if "migrations" not in path.parts
    ]
    assert len(modules) > 50  # the scan reads the code, not an empty folder

    # when
    found = {
        str(path.relative_to(BASE_DIR)): delays
        for path in modules
        if (delays := delays_in(path.read_text()))
    }

    # then: the only delays are in the database (dates found by periodic sweeps)
    assert found == {}


def test_beat_puts_no_delay_on_its_messages_and_sweeps_more_often_than_redis_redelivers():
    for name, entry in app.conf.beat_schedule.items():
        assert not set(entry.get("options", {})) & DELAYING_KEYWORDS, name
    # A sweep lost with its worker is replaced by the next tick, long before Redis would hand
    # the lost message on: recovery needs no redelivery.
    minutes = sorted(app.conf.beat_schedule["reminders-sweep"]["schedule"].minute)
    longest_gap = max(b - a for a, b in zip(minutes, [*minutes[1:], minutes[0] + 60], strict=True))
    assert longest_gap * 60 < app.conf.broker_transport_options["visibility_timeout"]
