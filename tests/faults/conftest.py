"""Real services for the fault tests: a private Redis, an SMTP server, Celery workers.

Each test gets its own redis-server on a free port (never the shared one, which other tests use
at the same time), an aiosmtpd server in a thread that records every message it accepts, and
real `celery -A config worker` processes running the production settings against the test's own
database (hence `transaction=True` in the tests: the workers see only committed rows). Every
process is started in its own session and killed, with its whole group, by the fixture that
started it, whatever the test's outcome.

The workers' Postgres connections carry `application_name` WORKER_APP_NAME (PGAPPNAME), and the
tests also match their database's name, so that a test never touches the connections of a test
running at the same time on another xdist worker.
"""

import email
import logging
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from celery import Celery
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from leadership.models import Community, Membership, Person
from plans.models import Role, Term
from reminders.models import ReminderLog, ReminderState
from reminders.selectors import reminder_today
from reminders.services import reminder_message_id, reminders_claim
from tests.environ import environ_without_settings, this_tests_database_url
from tests.processes import free_port, kill_group, redis_server, wait_for

BASE_DIR = Path(__file__).resolve().parent.parent.parent
CELERY = BASE_DIR / ".venv" / "bin" / "celery"
WORKER_APP_NAME = "pathways-fault-worker"
SWEEP_TASK = "reminders.tasks.reminders_sweep_task"
# The workers' lease (settings.PATHWAYS_REMINDER_LEASE_SECONDS): a killed worker's rows come back
# after this, not after ten minutes. A live sweep starts no message after half its lease
# (reminders/services.py): the other half, 4 s, is the margin for the message in flight, which
# takes 30 ms or so on a loaded machine, before another sweep could take its row.
LEASE_SECONDS = 8
ORGANISERS = 3  # each term's reminder goes to its holder and these three


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], int] | None:
    """A redis-server on a free port, answering; None if the port was taken meanwhile."""
    port = free_port()
    process = redis_server(port, directory)
    return (process, port) if process is not None else None


@pytest.fixture
def broker_url(tmp_path: Path) -> Iterator[str]:
    """A redis-server of this test's own, empty, with nothing saved to disk."""
    for _attempt in range(5):
        if started := start_redis(tmp_path):
            process, port = started
            try:
                yield f"redis://127.0.0.1:{port}/0"
            finally:
                kill_group(process)
            return
    raise AssertionError("Could not start redis-server on a free port.")


class Recorder:
    """An aiosmtpd handler that keeps the Message-ID and recipients of every accepted message."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, tuple[str, ...]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content)
        self.messages.append((message["Message-ID"], tuple(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def wait_until_received(self, count: int, *, timeout: float = 60) -> None:
        wait_for(lambda: len(self.messages) >= count, timeout=timeout, what=f"{count} messages")

    @property
    def message_ids(self) -> list[str]:
        return [message_id for message_id, _to in self.messages]


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    """An SMTP server on a free port, in a thread of the test process: (its recorder, port)."""
    recorder = Recorder()
    # aiosmtpd logs every SMTP command at DEBUG: thousands of lines, and time, per test.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield recorder, controller.port
    finally:
        controller.stop()


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text()


class Workers:
    """Starts `celery -A config worker` processes on the test's database, broker and mail."""

    def __init__(self, *, broker_url: str, smtp_port: int, logs: Path) -> None:
        self.env = {
            **environ_without_settings(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # Production's settings, as the workers run them there.
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "a-key-for-the-fault-tests-only-" + "x" * 40,
            "DATABASE_URL": this_tests_database_url(),
            "CELERY_BROKER_URL": broker_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            # The Message-IDs the tests expect are built with the test process's settings.
            "PATHWAYS_BASE_URL": settings.PATHWAYS_BASE_URL,
            "PATHWAYS_REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
            "PGAPPNAME": WORKER_APP_NAME,
            # Django's system checks at each worker's start (a second or more of CPU): the test
            # suite runs them once, elsewhere.
            "CELERY_SKIP_CHECKS": "1",
        }
        self.logs = logs
        self.started: list[Worker] = []

    def start(self, name: str, *, pool: str = "prefork") -> Worker:
        """A worker of one process (production runs prefork), consuming the default queue."""
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - our own venv's celery, our arguments
                [
                    str(CELERY),
                    *("-A", "config", "worker", f"--pool={pool}", "--concurrency=1"),
                    *("--hostname", f"{name}@faults", "--loglevel", "INFO"),
                    # No chatter between workers: each test's workers are alone on their broker.
                    *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                ],
                cwd=BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(process, log)
        self.started.append(worker)
        return worker

    def wait_ready(self, worker: Worker, timeout: float = 30) -> None:
        def ready() -> bool:
            assert worker.process.poll() is None, "The worker exited:\n" + worker.output()
            return " ready." in worker.output()

        wait_for(ready, timeout=timeout, what=f"the worker to be ready ({worker.log})")

    def kill(self, worker: Worker) -> None:
        kill_group(worker.process)

    def kill_all(self) -> None:
        for worker in self.started:
            kill_group(worker.process)


@pytest.fixture
def workers(broker_url: str, smtp: tuple[Recorder, int], tmp_path: Path) -> Iterator[Workers]:
    started = Workers(broker_url=broker_url, smtp_port=smtp[1], logs=tmp_path)
    try:
        yield started
    finally:
        started.kill_all()


@pytest.fixture
def send_sweep(broker_url: str) -> Iterator[Callable[[], None]]:
    """Put the beat's sweep task on the private broker, as beat does."""
    client = Celery("faults", broker=broker_url, set_as_current=False)

    def send() -> None:
        client.send_task(SWEEP_TASK)

    try:
        yield send
    finally:
        client.close()


def make_due_reminders(terms: int) -> list[int]:
    """`terms` terms ending 90 days from today, in one community with ORGANISERS organisers:
    terms x (1 + ORGANISERS) reminders due today, claimed in the log. Returns the log's pks.

    Bulk inserts (as reminders/bench.py): a couple of thousand rows in a second or so.
    """
    today = reminder_today()
    user_model: Any = get_user_model()
    users = user_model.objects.bulk_create(
        user_model(username=f"fault-{i}", email=f"fault-{i}@example.org")
        for i in range(terms + ORGANISERS)
    )
    people = Person.objects.bulk_create(
        Person(user=user, display_name=f"Fault {i}") for i, user in enumerate(users)
    )
    community = Community.objects.create(
        name="Faults", slug="faults", kind=Community.Kind.CHAPTER, region=Community.Region.NWE
    )
    Membership.objects.bulk_create(
        Membership(
            person=person, community=community, role=Membership.Role.ORGANISER, joined_on=today
        )
        for person in people[terms:]
    )
    role = Role.objects.create(community=community, title="Seat", seats=terms, term_months=24)
    Term.objects.bulk_create(
        Term(
            role=role,
            seat=seat,
            person=person,
            starts_on=today - timedelta(days=300),
            ends_on=today + timedelta(days=90),
        )
        for seat, person in enumerate(people[:terms], start=1)
    )
    found = reminders_claim(today=today)
    assert found == terms * (1 + ORGANISERS)
    pks = list(ReminderLog.objects.values_list("pk", flat=True))
    assert len(pks) == found
    return pks


def expected_message_ids(pks: list[int]) -> set[str]:
    return {reminder_message_id(pk) for pk in pks}


def unsent() -> int:
    return ReminderLog.objects.exclude(state=ReminderState.SENT).count()


def sweep_until_all_sent(send_sweep: Callable[[], None], *, timeout: float) -> int:
    """After a sweep was sent, send it again, as beat would every few minutes, until every row is
    sent; returns the number sent here.

    A new sweep goes out only when nothing moved for a second and some open row is free (its
    lease, if a dead sweep left one, ran out): a sweep still running would send it anyway.
    """
    sweeps = 0
    last, still_since = -1, time.monotonic()
    deadline = time.monotonic() + timeout
    while (left := unsent()) > 0:
        assert time.monotonic() < deadline, f"{left} reminders still unsent after {timeout} s"
        if left != last:
            last, still_since = left, time.monotonic()
        free = (
            ReminderLog.objects.exclude(state=ReminderState.SENT)
            .exclude(leased_until__gt=timezone.now())
            .exists()
        )
        if free and time.monotonic() - still_since > 1:
            send_sweep()
            sweeps += 1
            still_since = time.monotonic()
        time.sleep(0.1)
    return sweeps
