"""Two sweeps at the same moment, on Postgres, with real threads: each reminder goes once."""

import threading
from collections import Counter
from datetime import date

import pytest
import time_machine
from django.core import mail
from django.db import connection

from reminders import services
from reminders.models import ReminderLog
from reminders.services import reminders_sweep
from tests.factories import RoleFactory, TermFactory
from tests.reminders.conftest import DUE, ENDS_ON, at


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("claim_size", [100, 4])
def test_two_simultaneous_sweeps_send_each_reminder_exactly_once(
    community, organiser, monkeypatch, claim_size
):
    # claim_size 4: the sweeps take turns claiming small batches, not one taking all
    monkeypatch.setattr(services, "CLAIM_SIZE", claim_size)
    # given 30 terms ending the same day: 60 reminders, with the organiser's copies
    for _ in range(30):
        TermFactory.create(
            role=RoleFactory.create(community=community),
            starts_on=date(2025, 6, 1),
            ends_on=ENDS_ON,
        )
    barrier = threading.Barrier(2)
    results = []
    errors = []

    def sweep():
        try:
            barrier.wait()
            results.append(reminders_sweep())
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    # when
    with time_machine.travel(at(DUE[-7]), tick=False):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # then: sixty messages, none twice, and the log agrees
    assert errors == []
    delivered = Counter((message.to[0], message.subject) for message in mail.outbox)
    assert len(delivered) == 60
    assert set(delivered.values()) == {1}
    assert sum(result.sent for result in results) == 60
    sent = ReminderLog.objects.filter(offset_days=-7, state="sent")
    assert sent.count() == 60
