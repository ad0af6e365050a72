"""Redis down while volunteers use the site: pages answer, forms save, and the work they asked
for is done once Redis is back, once.

The app runs in a subprocess with the real settings, its broker and cache on a private Redis
port that nothing listens on (Redis stopped); the test's own database holds the data, so the test
is transactional (its rows are committed for the subprocess to see). Then a Redis is started on
that port, the requeue sweep runs as beat would run it, and the message it hands over is the run's.
"""

import json
import pickle
import socket
import subprocess
import sys
import threading
from base64 import b64decode
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from django.utils import timezone

from mentoring.models import MatchRun
from mentoring.tasks import match_run_task
from tests.environ import environ_without_settings, this_tests_database_url
from tests.factories import MentoringProgrammeFactory, PersonFactory, SessionFactory
from tests.processes import free_port, kill_group, redis_server
from training.models import Enrolment

BASE_DIR = Path(__file__).resolve().parent.parent
# Timed against a bound: run in turn with the tests that start Celery workers, not beside them.
pytestmark = pytest.mark.xdist_group("real-processes")
# The bound for a page while Redis is down.
ANSWER_WITHIN_SECONDS = 5

SUBMIT_FORMS = """
import json, sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client

coordinator_email, member_email, programme_pk, session_pk = sys.argv[1:5]
User = get_user_model()
answers = {}

def timed(name, client, method, url):
    started = time.monotonic()
    response = getattr(client, method)(url)
    answers[name] = [response.status_code, round(time.monotonic() - started, 3)]

coordinator = Client(HTTP_HOST="127.0.0.1")
coordinator.force_login(User.objects.get(email=coordinator_email))
timed("run start", coordinator, "post", f"/mentoring/{programme_pk}/runs/")
timed("programme page", coordinator, "get", f"/mentoring/{programme_pk}/")
member = Client(HTTP_HOST="127.0.0.1")
member.force_login(User.objects.get(email=member_email))
timed("enrol", member, "post", f"/training/sessions/{session_pk}/enrol/")
timed("community list", member, "get", "/communities/")
print(json.dumps(answers))
"""

REQUEUE = """
import django
django.setup()
from datetime import timedelta
from django.utils import timezone
from mentoring.services import match_runs_requeue

# As beat's sweep runs it, a few minutes after the run was queued.
print(match_runs_requeue(now=timezone.now() + timedelta(minutes=2)))
"""


def run_app(script: str, *args: str, port: int) -> subprocess.CompletedProcess[str]:
    env = {
        **environ_without_settings(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": this_tests_database_url(),
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "CACHE_URL": f"redis://127.0.0.1:{port}/1",
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class PrivateRedis:
    """A Redis of the test's own on a free port: down until started."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = redis_server(self.port, self.directory)
        assert self.process is not None, f"redis-server could not start on {self.port}"

    def stop(self) -> None:
        if self.process is not None:
            kill_group(self.process)


class SilentServer:
    """A server that accepts connections and never answers: a hung Redis, or a network that
    drops the packets after the handshake."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(100)
        self.port = int(self.listener.getsockname()[1])
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _address = self.listener.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        for conn in self.accepted:
            conn.close()
        self.listener.close()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def queued_messages(port: int) -> list[dict[str, Any]]:
    """The task messages waiting on the private broker's default queue."""
    client = redis.Redis(port=port, db=0)
    messages = []
    for raw in client.lrange("celery", 0, -1):
        envelope = json.loads(raw)
        body = b64decode(envelope["body"])
        if envelope["content-type"] == "application/json":
            args, kwargs, _embed = json.loads(body)
        else:  # pragma: no cover - the settings keep Celery's default, JSON
            args, kwargs, _embed = pickle.loads(body)  # noqa: S301
        messages.append({"task": envelope["headers"]["task"], "args": args, "kwargs": kwargs})
    return messages


def submit_forms_and_check_they_were_saved(port: int) -> Any:
    """A coordinator starts a matching run and a member enrols, with the broker and the cache on
    `port`: each page answers 200/302 within the bound, and the data is saved. The programme."""
    coordinator = PersonFactory.create(user__email="cora@example.org").user
    coordinator.is_superuser = True  # runs every programme
    coordinator.save(update_fields=["is_superuser"])
    member = PersonFactory.create(user__email="mo@example.org").user
    programme = MentoringProgrammeFactory.create()
    starts = timezone.now() + timedelta(days=7)
    session = SessionFactory.create(starts_at=starts, ends_at=starts + timedelta(hours=2))

    result = run_app(
        SUBMIT_FORMS,
        coordinator.email,
        member.email,
        str(programme.pk),
        str(session.pk),
        port=port,
    )

    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert {name: status for name, (status, _s) in answers.items()} == {
        "run start": 302,
        "programme page": 200,
        "enrol": 302,
        "community list": 200,
    }
    assert all(seconds < ANSWER_WITHIN_SECONDS for _status, seconds in answers.values()), answers
    assert "Could not hand mentoring.tasks.match_run_task to the workers" in result.stderr
    assert MatchRun.objects.get(programme=programme).status == MatchRun.Status.QUEUED
    assert Enrolment.objects.filter(session=session, person__user=member).count() == 1
    return programme


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_forms_save_at_once_and_the_run_is_done_once_when_it_is_back(
    private_redis: PrivateRedis,
):
    redis_port = private_redis.port
    # given: a coordinator, an open programme, a member and a session with places
    # when: they start a matching run and enrol while Redis is down (nothing listens)
    # then: every page answered at once, the data is saved, the work waits in the database
    programme = submit_forms_and_check_they_were_saved(redis_port)
    run = MatchRun.objects.get(programme=programme)

    # when: Redis is back and beat's requeue sweep runs
    private_redis.start()
    requeued = run_app(REQUEUE, port=redis_port)

    # then: the run is handed to the workers, once
    assert requeued.returncode == 0, requeued.stderr
    assert requeued.stdout.strip().splitlines()[-1] == "1"
    messages = queued_messages(redis_port)
    assert messages == [{"task": "mentoring.tasks.match_run_task", "args": [run.pk], "kwargs": {}}]

    # when: a worker takes it, and the message is delivered a second time (a second sweep)
    match_run_task(*messages[0]["args"])
    run.refresh_from_db()
    finished_at = run.finished_at
    match_run_task(*messages[0]["args"])

    # then: it ran once
    run.refresh_from_db()
    assert run.status == MatchRun.Status.DONE
    assert run.finished_at == finished_at


@pytest.mark.django_db(transaction=True)
def test_the_requeue_sweep_leaves_a_fresh_run_to_its_own_message_and_a_finished_one_alone(
    private_redis: PrivateRedis,
):
    redis_port = private_redis.port
    # given: a run queued a moment ago (its message is on its way) and a finished one
    programme = MentoringProgrammeFactory.create()
    MatchRun.objects.create(programme=programme, status=MatchRun.Status.DONE)
    MatchRun.objects.create(programme=MentoringProgrammeFactory.create())
    private_redis.start()

    # when: the sweep runs at once (not a few minutes later)
    result = run_app(
        REQUEUE.replace("timezone.now() + timedelta(minutes=2)", "timezone.now()"),
        port=redis_port,
    )

    # then: nothing is handed over
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0"
    assert queued_messages(redis_port) == []


@pytest.mark.django_db(transaction=True)
def test_with_a_redis_that_never_answers_forms_still_save_within_the_bound(
    silent_server: SilentServer,
):
    # A hung Redis (or packets dropped after the handshake) is worse than a stopped one: every
    # call waits for its timeout. The cache's and the broker's timeouts keep each page within
    # the bound all the same.
    submit_forms_and_check_they_were_saved(silent_server.port)
