"""The reminder sweep in real Celery workers, under the faults production will see.

A worker SIGKILLed mid-sweep, two sweeps at once (two beat processes by mistake), the database's
connections cut under a worker: every reminder arrives, under its own Message-ID, and the one
message a fault may send twice (in flight when its worker died) carries the same Message-ID.
The figures of each run are printed (`pytest -s`).
"""

import time
from collections import Counter

import pytest
from django.core import mail
from django.db import connection

from reminders.models import ReminderLog, ReminderState
from reminders.services import reminders_sweep
from tests.faults.conftest import (
    WORKER_APP_NAME,
    expected_message_ids,
    make_due_reminders,
    sweep_until_all_sent,
    unsent,
    wait_for,
)

# One xdist worker runs these one after the other (make test: --dist loadgroup): each starts
# Celery workers of its own, and two such tests at once on two cores would starve them.
pytestmark = pytest.mark.xdist_group("real-processes")


def cut_worker_connections() -> int:
    """What a Postgres restart does to this test's workers: their backends end. How many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = %s",
            [WORKER_APP_NAME, connection.settings_dict["NAME"]],
        )
        return len(cursor.fetchall())


def sweeps_finished(log: str) -> int:
    return log.count("reminders_sweep_task[") - log.count("] received")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sweep_twice_leaves_each_reminder_delivered_once(
    workers, smtp, send_sweep
):
    recorder, _port = smtp
    started = time.monotonic()
    # given 2,000 reminders due today (500 terms, to the holder and three organisers each), and
    # three workers (started together: a start takes seconds)
    alive = [workers.start(f"worker-{number}") for number in (1, 2, 3)]
    pks = make_due_reminders(500)
    for worker in alive:
        workers.wait_ready(worker)

    # when the worker sending them is SIGKILLed after some hundreds, and the one that takes the
    # next sweep after a thousand; each time the sweep is sent again, as beat would
    send_sweep()
    kills = []
    for received in (300, 1000):
        recorder.wait_until_received(received)
        (sending,) = [worker for worker in alive if "] received" in worker.output()]
        workers.kill(sending)
        kills.append(len(recorder.messages))
        alive.remove(sending)
        send_sweep()
    # the dead sweeps' last batches come back when their lease runs out
    sweeps = 1 + len(kills) + sweep_until_all_sent(send_sweep, timeout=60)

    # then every reminder's Message-ID arrived; a message twice at most once per kill
    delivered = Counter(recorder.message_ids)
    print(
        f"\nkilled mid-sweep: {len(pks)} reminders, {len(recorder.messages)} messages, "
        f"{len(delivered)} Message-IDs, {sum(n - 1 for n in delivered.values())} sent twice, "
        f"kills after {kills} messages, {sweeps} sweeps, {time.monotonic() - started:.1f} s"
    )
    assert all(0 < at < len(pks) for at in kills)  # both kills fell mid-sweep
    assert set(delivered) == expected_message_ids(pks)
    assert len(delivered) == len(pks)
    assert len(recorder.messages) <= len(pks) + len(kills)
    assert ReminderLog.objects.filter(state=ReminderState.SENT).count() == len(pks)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_in_two_workers_deliver_each_reminder_once(workers, smtp, send_sweep):
    recorder, _port = smtp
    started = time.monotonic()
    # given two workers (two beat processes by mistake, each ticking) and 1,000 reminders due
    both = [workers.start("worker-a"), workers.start("worker-b")]
    pks = make_due_reminders(250)
    for worker in both:
        workers.wait_ready(worker)

    # when each is given the sweep at the same moment
    send_sweep()
    send_sweep()
    wait_for(lambda: unsent() == 0, timeout=60, what="every reminder sent")

    # then both sweeps sent a share, and each reminder went once
    delivered = Counter(recorder.message_ids)
    shares = Counter(
        ReminderLog.objects.filter(state=ReminderState.SENT).values_list("claimed_by", flat=True)
    )
    print(
        f"\ntwo sweeps: {len(pks)} reminders, {len(recorder.messages)} messages, "
        f"{len(delivered)} Message-IDs, shares {sorted(shares.values())}, "
        f"{time.monotonic() - started:.1f} s"
    )
    assert len(shares) == 2
    assert set(delivered) == expected_message_ids(pks)
    assert len(recorder.messages) == len(pks)
    assert sum(shares.values()) == len(pks)


@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_after_the_database_dropped_its_connections(workers, smtp, send_sweep):
    recorder, _port = smtp
    started = time.monotonic()
    # solo: a worker that keeps its connection pool between tasks. Prefork (production's) closes
    # it after each task (Celery's Django fixup), so nothing idles there to be cut, and a cut
    # mid-sweep fails that task as it does here.
    worker = workers.start("worker", pool="solo")
    workers.wait_ready(worker)
    # given the worker ran a sweep (nothing due) and idles
    send_sweep()
    wait_for(lambda: sweeps_finished(worker.output()) == 1, timeout=30, what="a sweep")

    # when Postgres drops its connections while it idles, 600 reminders fall due and one sweep
    # is sent: it sends (a pool kept between tasks hands out a dead connection unless checked)
    cut_idle = cut_worker_connections()
    pks = make_due_reminders(150)
    send_sweep()
    recorder.wait_until_received(200)
    # and when Postgres drops them again, mid-sweep: that sweep fails, later ones finish
    cut_mid_sweep = cut_worker_connections()
    cut_at = len(recorder.messages)
    sweeps = 2 + sweep_until_all_sent(send_sweep, timeout=60)

    # then
    delivered = Counter(recorder.message_ids)
    print(
        f"\nconnections cut: {cut_idle} idle, {cut_mid_sweep} mid-sweep; "
        f"{len(pks)} reminders, {len(recorder.messages)} messages, {len(delivered)} Message-IDs, "
        f"{sweeps} sweeps, {time.monotonic() - started:.1f} s"
    )
    assert cut_idle >= 1
    assert cut_mid_sweep >= 1
    assert 0 < cut_at < len(pks)
    assert set(delivered) == expected_message_ids(pks)
    # at most the message in flight when the connection went, sent again
    assert len(recorder.messages) <= len(pks) + 1
    assert ReminderLog.objects.filter(state=ReminderState.SENT).count() == len(pks)


@pytest.mark.django_db
def test_a_resent_reminder_carries_the_message_id_of_its_first_send():
    # given four reminders due today, sent
    pks = make_due_reminders(1)
    reminders_sweep()
    first = {message.message()["Message-ID"]: message for message in mail.outbox}
    # when one row is found unrecorded (its worker died before writing SENT) and swept again
    resent = ReminderLog.objects.get(pk=pks[0])
    ReminderLog.objects.filter(pk=resent.pk).update(state=ReminderState.PENDING, sent_at=None)
    reminders_sweep()

    # then the second send carries the first send's Message-ID, and each row has its own
    assert len(mail.outbox) == 5
    again = mail.outbox[4].message()["Message-ID"]
    assert again in first
    assert first[again].to == mail.outbox[4].to
    assert set(first) == expected_message_ids(pks)
