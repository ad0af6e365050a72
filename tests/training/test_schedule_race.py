"""Two coordinators changing one series at the same moment, on Postgres, with real threads.

Every schedule writer locks the series first and then its sessions (by id). To make the
interleaving that used to deadlock happen every time, the test holds the series' lock itself while
the two writers start, one after the other, and lets go only once both are waiting: the first to
have asked then gets the series, and a writer that had locked its own session before the series
(the old order) would now wait for the other in a circle, which Postgres breaks by aborting one.
"""

import threading
import time as clock
from collections.abc import Callable
from datetime import date, time
from functools import partial

import pytest
from django.db import connection, transaction

from training.models import Session, SessionSeries, Stage
from training.services.base import TrainingError
from training.services.schedule import (
    EditMode,
    SeriesChanges,
    series_create,
    series_edit,
    session_skip,
)

WAIT_SECONDS = 10


def _series(stage: Stage) -> SessionSeries:
    # In 2027: in the future whatever the day the tests run (the programme ends in 2028).
    return series_create(
        stage=stage,
        by=None,
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=8",
        first_date=date(2027, 3, 2),
        start_time=time(18),
        duration_minutes=90,
        time_zone="Europe/Berlin",
        capacity=10,
    )


def _waiting_for_a_lock() -> int:
    """How many other connections to the test database are waiting for a lock."""
    with connection.cursor() as cursor:
        # pg_stat_activity is a snapshot for the whole transaction unless cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def _until_waiting(n: int) -> None:
    deadline = clock.monotonic() + WAIT_SECONDS
    while _waiting_for_a_lock() < n:
        assert clock.monotonic() < deadline, f"{n} writers never queued for the series' lock"
        clock.sleep(0.02)


def _one_after_the_other(series: SessionSeries, calls: list[Callable[[], object]]) -> list[str]:
    """Start the calls in threads, in order, each once the one before waits for the series'
    lock (held here); then let go. Each call's outcome: "done", or the error's message."""
    outcomes = ["not run"] * len(calls)

    def run(index: int, barrier: threading.Barrier) -> None:
        try:
            barrier.wait()
            calls[index]()
            outcomes[index] = "done"
        except TrainingError as error:
            outcomes[index] = str(error)
        except Exception as error:  # a deadlock, shown as such in the assertion
            outcomes[index] = f"{type(error).__name__}: {error}"
        finally:
            connection.close()

    threads = []
    with transaction.atomic():
        SessionSeries.objects.select_for_update().get(pk=series.pk)
        for index in range(len(calls)):
            barrier = threading.Barrier(2)
            thread = threading.Thread(target=run, args=(index, barrier))
            thread.start()
            threads.append(thread)
            barrier.wait()
            _until_waiting(index + 1)
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_editing_all_while_another_occurrence_is_skipped_does_both_without_a_deadlock(
    stages: list[Stage],
) -> None:
    # given
    series = _series(stages[0])
    rows = list(Session.objects.filter(series=series).order_by("original_start"))
    edited, skipped = rows[1], rows[5]

    # when: "all" from the second occurrence, and a skip of the sixth, at the same moment
    outcomes = _one_after_the_other(
        series,
        [
            partial(
                series_edit,
                session=edited,
                mode=EditMode.ALL,
                by=None,
                changes=SeriesChanges(capacity=12),
            ),
            partial(session_skip, session=skipped, by=None),
        ],
    )

    # then
    assert outcomes == ["done", "done"]
    series.refresh_from_db()
    assert series.exdates == ["2027-04-06"]
    assert not Session.objects.filter(pk=skipped.pk).exists()
    assert set(Session.objects.filter(series=series).values_list("capacity", flat=True)) == {12}
    assert Session.objects.filter(series=series).count() == 7


@pytest.mark.django_db(transaction=True)
def test_two_edits_of_all_from_different_occurrences_at_once_both_apply_in_turn(
    stages: list[Stage],
) -> None:
    # given
    series = _series(stages[0])
    rows = list(Session.objects.filter(series=series).order_by("original_start"))

    # when: one coordinator changes the places from the third, another the place from the seventh
    outcomes = _one_after_the_other(
        series,
        [
            partial(
                series_edit,
                session=rows[2],
                mode=EditMode.ALL,
                by=None,
                changes=SeriesChanges(capacity=12),
            ),
            partial(
                series_edit,
                session=rows[6],
                mode=EditMode.ALL,
                by=None,
                changes=SeriesChanges(place="Library"),
            ),
        ],
    )

    # then: the second applies on top of the first
    assert outcomes == ["done", "done"]
    assert set(Session.objects.filter(series=series).values_list("capacity", "place")) == {
        (12, "Library")
    }
    assert Session.objects.filter(series=series).count() == 8
