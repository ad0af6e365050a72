"""Schedule services: series and their rows, the three edit modes, skip, cancel and restore.

The clock stands at 1 November 2026 unless a test moves it. The main series is Tuesdays at 18:00
Berlin time, eight sessions from 2 March 2027: four before the change to summer time (17:00 UTC)
and four after (16:00 UTC).
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from tests.factories import PersonFactory, SessionFactory
from training import recurrence
from training.models import Enrolment, Session, SessionSeries, Stage
from training.services.base import TrainingError
from training.services.enrolment import enrolment_cancel, session_enrol
from training.services.schedule import (
    EditMode,
    SeriesChanges,
    series_create,
    series_edit,
    session_cancel,
    session_create,
    session_restore,
    session_skip,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def by(organiser: Any) -> Any:
    return organiser.person


@pytest.fixture
def series(stages: list[Stage], by: Any, facilitator: Any) -> SessionSeries:
    return series_create(
        stage=stages[0],
        by=by,
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=8",
        first_date=date(2027, 3, 2),
        start_time=time(18, 0),
        duration_minutes=90,
        time_zone="Europe/Berlin",
        capacity=10,
        place="Community hall",
        facilitators=[facilitator.person],
    )


def rows(series: SessionSeries) -> list[Session]:
    return list(Session.objects.filter(series=series).order_by("original_start"))


def enrol(row: Session, person: Any | None = None) -> Enrolment:
    """An enrolment made directly (the enrolment services are written elsewhere)."""
    enrolment = Enrolment.objects.create(
        session=row,
        person=person or PersonFactory.create(),
        status=Enrolment.Status.ENROLLED,
        enrolled_at=NOW,
    )
    Session.objects.filter(pk=row.pk).update(seats_taken=F("seats_taken") + 1)
    return enrolment


def snapshot(series: SessionSeries) -> list[tuple[Any, ...]]:
    """Everything an edit could change, to show that a refused one changed nothing."""
    series.refresh_from_db()
    return [
        (series.rrule, series.sequence, series.capacity, series.start_time, series.exdates),
        *Session.objects.order_by("pk").values_list(
            "pk", "series", "original_start", "starts_at", "capacity", "status", "sequence"
        ),
    ]


STARTS = [
    utc(2027, 3, 2, 17),
    utc(2027, 3, 9, 17),
    utc(2027, 3, 16, 17),
    utc(2027, 3, 23, 17),
    utc(2027, 3, 30, 16),
    utc(2027, 4, 6, 16),
    utc(2027, 4, 13, 16),
    utc(2027, 4, 20, 16),
]


# Creating


def test_creating_a_series_writes_every_occurrence_at_its_wall_clock_time(
    series: SessionSeries, facilitator: Any, by: Any
):
    sessions = rows(series)

    assert [s.starts_at for s in sessions] == STARTS
    assert [s.original_start for s in sessions] == STARTS
    assert all(s.ends_at - s.starts_at == timedelta(minutes=90) for s in sessions)
    assert {s.local_start.time() for s in sessions} == {time(18)}
    assert {(str(s.time_zone), s.place, s.capacity, s.detached) for s in sessions} == {
        ("Europe/Berlin", "Community hall", 10, False)
    }
    assert series.rrule == "FREQ=WEEKLY;BYDAY=TU;COUNT=8"
    assert series.sequence == 0
    assert {h.history_user for h in Session.history.all()} == {by.user}
    assert list(series.facilitators.all()) == [facilitator.person]
    assert all(list(s.facilitators.all()) == [facilitator.person] for s in sessions)


def test_creating_a_series_stores_its_first_occurrence_and_its_end_in_utc(
    stages: list[Stage], by: Any
):
    # given: a Monday for a Tuesday rule with an end date
    created = series_create(
        stage=stages[0],
        by=by,
        rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20270330",
        first_date=date(2027, 3, 1),
        start_time=time(18),
        duration_minutes=60,
        time_zone="America/Los_Angeles",
        capacity=5,
    )

    assert created.first_date == date(2027, 3, 2)
    assert created.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270331T065959Z"
    assert rows(created)[-1].starts_at == utc(2027, 3, 31, 1)
    assert len(rows(created)) == 5


def test_a_series_without_an_end_runs_to_the_programmes_last_day(stages: list[Stage], by: Any):
    created = series_create(
        stage=stages[0],
        by=by,
        rrule="FREQ=MONTHLY;BYDAY=1SA",
        first_date=date(2027, 1, 1),
        start_time=time(10),
        duration_minutes=120,
        time_zone="Europe/Berlin",
        capacity=20,
        exdates=[date(2027, 8, 7)],
    )

    assert created.rrule == "FREQ=MONTHLY;BYDAY=1SA;UNTIL=20281231T225959Z"
    assert created.exdates == ["2027-08-07"]
    # 24 first Saturdays of 2027 and 2028, less the skipped one in August
    assert len(rows(created)) == 23
    assert rows(created)[-1].starts_at == utc(2028, 12, 2, 9)


def test_a_rule_running_past_the_horizon_is_refused_and_nothing_is_written(
    stages: list[Stage], by: Any
):
    with pytest.raises(TrainingError, match="runs past the programme's last day"):
        series_create(
            stage=stages[0],
            by=by,
            rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20290630",
            first_date=date(2027, 1, 5),
            start_time=time(18),
            duration_minutes=60,
            time_zone="Europe/Berlin",
            capacity=5,
        )

    assert not SessionSeries.objects.exists()
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rrule": "FREQ=HOURLY"}, "at most daily"),
        ({"capacity": 0}, "from 1 to 10,000 places"),
        ({"duration_minutes": 0}, "from 1 minute to 24 hours"),
        ({"duration_minutes": 24 * 60 + 1}, "from 1 minute to 24 hours"),
        ({"time_zone": "Mars/Olympus"}, "is not a time zone"),
        ({"first_date": date(2025, 12, 30)}, "take place from"),
    ],
)
def test_a_series_with_a_bad_value_is_refused(
    stages: list[Stage], by: Any, kwargs: dict[str, Any], message: str
):
    values: dict[str, Any] = {
        "rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=3",
        "first_date": date(2027, 1, 5),
        "start_time": time(18),
        "duration_minutes": 60,
        "time_zone": "Europe/Berlin",
        "capacity": 5,
    }
    with pytest.raises(TrainingError, match=message):
        series_create(stage=stages[0], by=by, **{**values, **kwargs})

    assert not Session.objects.exists()


def test_creating_three_years_of_a_weekly_series_takes_as_many_queries_as_one_year(
    stages: list[Stage], by: Any, facilitator: Any, django_assert_num_queries: Any
):
    people = [facilitator.person, PersonFactory.create()]

    def create(until: str) -> SessionSeries:
        return series_create(
            stage=stages[0],
            by=by,
            rrule=f"FREQ=WEEKLY;BYDAY=TU;UNTIL={until}",
            first_date=date(2026, 1, 6),
            start_time=time(18),
            duration_minutes=60,
            time_zone="Europe/Berlin",
            capacity=10,
            facilitators=people,
        )

    # savepoint, the programme, the series, its facilitators, the sessions, their history,
    # the sessions' facilitators, release savepoint
    with django_assert_num_queries(8):
        one_year = create("20261231")
    with django_assert_num_queries(8):
        three_years = create("20281231")

    assert len(rows(one_year)) == 52
    assert len(rows(three_years)) == 156
    assert Session.facilitators.through.objects.filter(session__series=three_years).count() == 312
    assert Session.history.filter(series_id=three_years.pk).count() == 156


def test_moving_all_of_a_three_year_series_takes_as_many_queries_as_one_year(
    stages: list[Stage], by: Any
):
    def count_queries(until: str) -> int:
        created = series_create(
            stage=stages[0],
            by=by,
            rrule=f"FREQ=WEEKLY;BYDAY=TU;UNTIL={until}",
            first_date=date(2026, 11, 3),
            start_time=time(18),
            duration_minutes=60,
            time_zone="Europe/Berlin",
            capacity=10,
        )
        with CaptureQueriesContext(connection) as queries:
            series_edit(
                session=rows(created)[0],
                mode="all",
                by=by,
                changes=SeriesChanges(start_time=time(19), capacity=12),
            )
        assert {s.local_start.time() for s in rows(created)} == {time(19)}
        return len(queries)

    assert count_queries("20271231") == count_queries("20281231")


def test_creating_a_single_session_from_a_local_day_and_time(stages: list[Stage], by: Any):
    created = session_create(
        stage=stages[0],
        by=by,
        day=date(2027, 3, 28),
        start_time=time(2, 30),
        time_zone="Europe/Berlin",
        duration_minutes=60,
        capacity=4,
    )

    # 02:30 does not exist that night: the offset before the gap (RFC 5545), 03:30 summer time
    assert created.starts_at == utc(2027, 3, 28, 1, 30)
    assert created.ends_at == utc(2027, 3, 28, 2, 30)
    assert created.series is None
    assert created.history.get().history_user == by.user


def test_creating_a_single_session_from_an_instant(stages: list[Stage], by: Any, facilitator: Any):
    created = session_create(
        stage=stages[0],
        by=by,
        starts_at=utc(2027, 6, 1, 9),
        time_zone="Asia/Tokyo",
        duration_minutes=45,
        capacity=4,
        facilitators=[facilitator.person],
    )

    assert created.local_start == datetime(2027, 6, 1, 18, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert list(created.facilitators.all()) == [facilitator.person]


def test_a_single_session_outside_the_programmes_dates_is_refused(stages: list[Stage], by: Any):
    with pytest.raises(TrainingError, match="take place from"):
        session_create(
            stage=stages[0],
            by=by,
            starts_at=utc(2029, 1, 2, 9),
            time_zone="UTC",
            duration_minutes=45,
            capacity=4,
        )

    assert not Session.objects.exists()


# Editing this one


def test_editing_this_one_moves_it_alone_and_keeps_its_place_in_the_series(
    series: SessionSeries,
):
    # given
    before = rows(series)
    third = before[2]

    # when
    series_edit(
        session=third,
        mode=EditMode.THIS,
        by=None,
        changes=SeriesChanges(start_time=time(19, 30), place="Library"),
    )

    # then
    after = rows(series)
    third.refresh_from_db()
    assert third.detached
    assert third.sequence == 1
    assert third.original_start == STARTS[2]
    assert third.starts_at == utc(2027, 3, 16, 18, 30)
    assert third.ends_at == utc(2027, 3, 16, 20, 0)
    assert third.place == "Library"
    assert [(s.starts_at, s.sequence, s.place) for i, s in enumerate(after) if i != 2] == [
        (s.starts_at, 0, "Community hall") for i, s in enumerate(before) if i != 2
    ]


def test_editing_this_one_can_move_it_to_another_day(series: SessionSeries):
    fourth = rows(series)[3]

    series_edit(session=fourth, mode="this", by=None, changes=SeriesChanges(day=date(2027, 3, 25)))

    fourth.refresh_from_db()
    assert fourth.starts_at == utc(2027, 3, 25, 17)
    assert fourth.original_start == STARTS[3]


def test_a_single_session_is_edited_without_being_detached(session: Session):
    series_edit(session=session, mode="this", by=None, changes=SeriesChanges(capacity=12))

    session.refresh_from_db()
    assert session.capacity == 12
    assert not session.detached
    assert session.sequence == 1


def test_a_single_session_cannot_be_edited_as_a_series(session: Session):
    with pytest.raises(TrainingError, match="not part of a series"):
        series_edit(session=session, mode="all", by=None, changes=SeriesChanges(capacity=12))


def test_a_session_that_has_started_cannot_be_moved(series: SessionSeries, clock: Any):
    # given: the first session started a minute ago
    clock.move_to(STARTS[0] + timedelta(minutes=1))
    first = rows(series)[0]
    before = snapshot(series)

    # when / then
    with pytest.raises(TrainingError, match="has started or is over"):
        series_edit(session=first, mode="this", by=None, changes=SeriesChanges(start_time=time(19)))
    with pytest.raises(TrainingError, match="has started or is over"):
        series_edit(
            session=first, mode="following", by=None, changes=SeriesChanges(start_time=time(19))
        )
    assert snapshot(series) == before


def test_a_session_cannot_be_moved_into_the_past(series: SessionSeries):
    with pytest.raises(TrainingError, match="into the past"):
        series_edit(
            session=rows(series)[0],
            mode="this",
            by=None,
            changes=SeriesChanges(day=date(2026, 10, 1)),
        )


# Editing this and the following


def test_editing_this_and_following_splits_the_series_before_this_occurrence(
    series: SessionSeries, facilitator: Any
):
    # given: someone enrolled in the sixth session
    sessions = rows(series)
    enrolment = enrol(sessions[5])

    # when: from the fifth (the first in summer time) on, 19:00
    new = series_edit(
        session=sessions[4],
        mode=EditMode.FOLLOWING,
        by=None,
        changes=SeriesChanges(start_time=time(19)),
    )

    # then: the old series ends one second before the fifth's original start, in UTC
    series.refresh_from_db()
    assert new is not None
    assert new.pk != series.pk
    assert series.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270330T155959Z"
    assert series.sequence == 1
    assert [s.starts_at for s in rows(series)] == STARTS[:4]
    assert all(s.sequence == 0 for s in rows(series))
    # the new series: the remaining four, an hour later, same rows
    assert new.rrule == "FREQ=WEEKLY;BYDAY=TU;COUNT=4"
    assert new.first_date == date(2027, 3, 30)
    assert new.start_time == time(19)
    assert [s.pk for s in rows(new)] == [s.pk for s in sessions[4:]]
    assert [s.starts_at for s in rows(new)] == [s + timedelta(hours=1) for s in STARTS[4:]]
    assert [s.original_start for s in rows(new)] == [s.starts_at for s in rows(new)]
    assert all(s.sequence == 1 for s in rows(new))
    assert list(new.facilitators.all()) == [facilitator.person]
    # the enrolment moved with its session
    enrolment.refresh_from_db()
    assert enrolment.session_id == sessions[5].pk
    assert enrolment.status == Enrolment.Status.ENROLLED


def test_editing_the_first_and_following_edits_the_series_in_place(series: SessionSeries):
    sessions = rows(series)

    same = series_edit(
        session=sessions[0],
        mode="following",
        by=None,
        changes=SeriesChanges(place="Library"),
    )

    assert same == series
    assert SessionSeries.objects.count() == 1
    assert [(s.pk, s.place, s.sequence) for s in rows(series)] == [
        (s.pk, "Library", 1) for s in sessions
    ]


def test_a_changed_rule_from_here_ends_on_the_new_date_and_removes_the_rest(
    series: SessionSeries,
):
    # given: people in the last session, nobody in the one before
    sessions = rows(series)
    enrol(sessions[7])

    # when: from the fifth on, the series ends on 6 April
    new = series_edit(
        session=sessions[4],
        mode="following",
        by=None,
        changes=SeriesChanges(rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20270406"),
    )

    # then
    assert new is not None
    assert [s.pk for s in rows(new)] == [sessions[4].pk, sessions[5].pk]
    assert not Session.objects.filter(pk=sessions[6].pk).exists()
    last = Session.objects.get(pk=sessions[7].pk)
    assert last.status == Session.Status.CANCELLED
    assert last.series is None
    assert last.sequence == 1
    assert last.enrolments.get().status == Enrolment.Status.ENROLLED


def test_a_series_ending_on_a_date_still_ends_that_local_day_after_a_change_of_zone(
    stages: list[Stage], by: Any
):
    # given: Tuesdays until 30 March 2027 in Berlin
    created = series_create(
        stage=stages[0],
        by=by,
        rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20270330",
        first_date=date(2027, 3, 2),
        start_time=time(18),
        duration_minutes=60,
        time_zone="Europe/Berlin",
        capacity=5,
    )

    # when: from the third on, in Los Angeles (18:00 there is 01:00 UTC the next day)
    new = series_edit(
        session=rows(created)[2],
        mode="following",
        by=None,
        changes=SeriesChanges(time_zone="America/Los_Angeles"),
    )

    # then: the last session is still on 30 March, local time, and UNTIL is that day's end
    assert new is not None
    assert new.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270331T065959Z"
    assert [s.starts_at for s in rows(new)] == [
        utc(2027, 3, 17, 1),
        utc(2027, 3, 24, 1),
        utc(2027, 3, 31, 1),
    ]


# Editing all


def test_editing_all_before_any_has_started_edits_in_place(series: SessionSeries):
    sessions = rows(series)

    same = series_edit(
        session=sessions[3],
        mode=EditMode.ALL,
        by=None,
        changes=SeriesChanges(time_zone="Asia/Tokyo", capacity=15),
    )

    series.refresh_from_db()
    assert same == series
    assert series.sequence == 1
    assert str(series.time_zone) == "Asia/Tokyo"
    after = rows(series)
    assert [s.pk for s in after] == [s.pk for s in sessions]
    # 18:00 Tokyo time is 09:00 UTC all year
    assert {s.starts_at.time() for s in after} == {time(9)}
    assert [s.starts_at.date() for s in after] == [s.date() for s in STARTS]
    assert {(s.capacity, s.sequence) for s in after} == {(15, 1)}


def test_editing_all_after_some_have_started_splits_at_the_first_not_yet_started(
    series: SessionSeries, clock: Any
):
    # given: the first two have happened
    clock.move_to(STARTS[1] + timedelta(hours=2))
    sessions = rows(series)

    # when
    new = series_edit(
        session=sessions[0], mode="all", by=None, changes=SeriesChanges(duration_minutes=120)
    )

    # then: history stays as it was
    series.refresh_from_db()
    assert new is not None
    assert new != series
    assert series.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270316T165959Z"
    assert [(s.pk, s.ends_at - s.starts_at) for s in rows(series)] == [
        (s.pk, timedelta(minutes=90)) for s in sessions[:2]
    ]
    assert new.rrule == "FREQ=WEEKLY;BYDAY=TU;COUNT=6"
    assert [(s.pk, s.ends_at - s.starts_at) for s in rows(new)] == [
        (s.pk, timedelta(minutes=120)) for s in sessions[2:]
    ]


def test_editing_all_when_every_session_has_started_is_refused(series: SessionSeries, clock: Any):
    clock.move_to(STARTS[-1] + timedelta(minutes=5))

    with pytest.raises(TrainingError, match="Every session of this series has started"):
        series_edit(session=rows(series)[0], mode="all", by=None, changes=SeriesChanges(capacity=3))


def test_editing_all_leaves_the_time_and_place_of_a_session_edited_alone(series: SessionSeries):
    # given: the third moved on its own
    sessions = rows(series)
    series_edit(
        session=sessions[2],
        mode="this",
        by=None,
        changes=SeriesChanges(start_time=time(20), place="Library"),
    )

    # when: all move to Tuesdays and Thursdays at 19:00, with more places
    series_edit(
        session=sessions[0],
        mode="all",
        by=None,
        changes=SeriesChanges(
            rrule="FREQ=WEEKLY;BYDAY=TU,TH;COUNT=16", start_time=time(19), capacity=12
        ),
    )

    # then: the third keeps its own time and place, takes the new places and the new instant
    after = {s.pk: s for s in rows(series)}
    assert len(after) == 16
    third = after[sessions[2].pk]
    assert third.starts_at == utc(2027, 3, 16, 19)
    assert third.place == "Library"
    assert third.capacity == 12
    assert third.original_start == utc(2027, 3, 16, 18)
    others = [s for pk, s in after.items() if pk != sessions[2].pk]
    assert {s.local_start.strftime("%A %H:%M") for s in others} == {
        "Tuesday 19:00",
        "Thursday 19:00",
    }


def test_a_longer_rule_for_all_adds_sessions(series: SessionSeries, facilitator: Any):
    sessions = rows(series)

    series_edit(
        session=sessions[0],
        mode="all",
        by=None,
        changes=SeriesChanges(rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=10"),
    )

    after = rows(series)
    assert [s.pk for s in after[:8]] == [s.pk for s in sessions]
    assert [s.starts_at for s in after[8:]] == [utc(2027, 4, 27, 16), utc(2027, 5, 4, 16)]
    assert list(after[9].facilitators.all()) == [facilitator.person]


def test_every_other_week_for_all_keeps_the_rows_of_the_dates_that_remain(series: SessionSeries):
    # given: people in the second and the eighth sessions
    sessions = rows(series)
    second = enrol(sessions[1])
    enrol(sessions[7])

    # when: every other week, four times (2, 16, 30 Mar and 13 Apr)
    series_edit(
        session=sessions[0],
        mode="all",
        by=None,
        changes=SeriesChanges(rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=4"),
    )

    # then: the rows of those dates stay as they were; the others are gone, cancelled where
    # people had enrolled (nobody is moved onto another week)
    assert [(s.pk, s.starts_at, s.original_start) for s in rows(series)] == [
        (sessions[0].pk, STARTS[0], STARTS[0]),
        (sessions[2].pk, STARTS[2], STARTS[2]),
        (sessions[4].pk, STARTS[4], STARTS[4]),
        (sessions[6].pk, STARTS[6], STARTS[6]),
    ]
    assert list(
        Session.objects.filter(series=None).order_by("pk").values_list("pk", "starts_at", "status")
    ) == [
        (sessions[1].pk, STARTS[1], Session.Status.CANCELLED),
        (sessions[7].pk, STARTS[7], Session.Status.CANCELLED),
    ]
    second.refresh_from_db()
    assert (second.session_id, second.status) == (sessions[1].pk, Enrolment.Status.ENROLLED)
    assert Session.objects.count() == 6


def test_adding_a_day_to_the_rule_keeps_each_enrolment_on_its_date(series: SessionSeries):
    # given: someone in the second Tuesday (9 March)
    sessions = rows(series)
    enrolment = enrol(sessions[1])

    # when: Tuesdays and Thursdays from now on, an hour later
    series_edit(
        session=sessions[0],
        mode="all",
        by=None,
        changes=SeriesChanges(rrule="FREQ=WEEKLY;BYDAY=TU,TH;COUNT=16", start_time=time(19)),
    )

    # then: the eight Tuesday rows keep their dates (at 19:00), the Thursdays are new rows
    after = rows(series)
    tuesdays = [s for s in after if s.local_start.strftime("%A") == "Tuesday"]
    assert [s.pk for s in tuesdays] == [s.pk for s in sessions]
    assert [s.starts_at for s in tuesdays] == [s + timedelta(hours=1) for s in STARTS]
    thursdays = [s for s in after if s.local_start.strftime("%A") == "Thursday"]
    assert len(thursdays) == 8
    assert not {s.pk for s in thursdays} & {s.pk for s in sessions}
    enrolment.refresh_from_db()
    assert enrolment.session.local_start.date() == date(2027, 3, 9)
    assert enrolment.status == Enrolment.Status.ENROLLED


def test_moving_the_series_to_another_day_removes_the_old_dates_and_adds_the_new(
    series: SessionSeries,
):
    # given: someone in the third Tuesday
    sessions = rows(series)
    enrol(sessions[2])

    # when: Thursdays instead, from the fourth occurrence on
    series_edit(
        session=sessions[3],
        mode="following",
        by=None,
        changes=SeriesChanges(rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=5"),
    )

    # then: the first three are untouched; the rest are new Thursday rows (nobody was moved)
    assert [s.pk for s in rows(series)] == [s.pk for s in sessions[:3]]
    new = SessionSeries.objects.exclude(pk=series.pk).get()
    assert [s.local_start.date() for s in rows(new)] == [
        date(2027, 3, 25),
        date(2027, 4, 1),
        date(2027, 4, 8),
        date(2027, 4, 15),
        date(2027, 4, 22),
    ]
    assert not {s.pk for s in rows(new)} & {s.pk for s in sessions}
    assert not Session.objects.filter(pk__in=[s.pk for s in sessions[3:]]).exists()


def test_more_places_for_all_move_the_waiting_lists_up(series: SessionSeries):
    # given: the fifth session full with one place, and someone waiting
    fifth = rows(series)[4]
    Session.objects.filter(pk=fifth.pk).update(capacity=1)
    enrol(fifth)
    waiting = Enrolment.objects.create(
        session=fifth,
        person=PersonFactory.create(),
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=NOW,
    )

    # when
    series_edit(session=fifth, mode="all", by=None, changes=SeriesChanges(capacity=2))

    # then
    waiting.refresh_from_db()
    fifth.refresh_from_db()
    assert waiting.status == Enrolment.Status.ENROLLED
    assert (fifth.capacity, fifth.seats_taken) == (2, 2)


def test_places_below_those_taken_are_refused_and_nothing_changes(series: SessionSeries):
    # given: three people in the fifth session
    sessions = rows(series)
    for _i in range(3):
        enrol(sessions[4])
    before = snapshot(series)

    # when / then
    with pytest.raises(TrainingError, match="3 people are enrolled in the session of 30 Mar 2027"):
        series_edit(
            session=sessions[0],
            mode="all",
            by=None,
            changes=SeriesChanges(capacity=2, start_time=time(17)),
        )
    with pytest.raises(TrainingError, match="3 people are enrolled"):
        series_edit(session=sessions[4], mode="this", by=None, changes=SeriesChanges(capacity=2))
    assert snapshot(series) == before


def test_a_changed_rule_past_the_horizon_is_refused_and_nothing_changes(series: SessionSeries):
    before = snapshot(series)

    with pytest.raises(TrainingError, match="runs past the programme's last day"):
        series_edit(
            session=rows(series)[4],
            mode="following",
            by=None,
            changes=SeriesChanges(rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=200"),
        )

    assert snapshot(series) == before
    assert SessionSeries.objects.count() == 1


def test_a_far_off_end_date_west_of_utc_is_refused_with_a_message(stages: list[Stage], by: Any):
    # 31 Dec 9999 in Los Angeles ends in year 10000 in UTC
    for rule in (
        "FREQ=WEEKLY;BYDAY=TU;UNTIL=99991231",
        recurrence.build(frequency="WEEKLY", weekdays=[1], end_date=date(9999, 12, 31)),
    ):
        with pytest.raises(TrainingError, match="too far off"):
            series_create(
                stage=stages[0],
                by=by,
                rrule=rule,
                first_date=date(2027, 3, 2),
                start_time=time(18),
                duration_minutes=60,
                time_zone="America/Los_Angeles",
                capacity=10,
            )
    assert not SessionSeries.objects.exists()
    assert not Session.objects.exists()


def test_a_far_off_end_date_in_an_edit_is_refused_and_nothing_changes(series: SessionSeries):
    before = snapshot(series)

    with pytest.raises(TrainingError, match="too far off"):
        series_edit(
            session=rows(series)[2],
            mode="following",
            by=None,
            changes=SeriesChanges(
                rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=99991231", time_zone="America/Los_Angeles"
            ),
        )

    assert snapshot(series) == before


# Occurrences that have taken place


@pytest.fixture
def moved_and_held(series: SessionSeries, clock: Any) -> tuple[Session, Enrolment]:
    """The fifth occurrence (30 March) moved on its own to 10 November 2026, with someone in
    it; the clock then stands on 11 November: it has taken place, the rest has not."""
    fifth = rows(series)[4]
    series_edit(
        session=fifth,
        mode="this",
        by=None,
        changes=SeriesChanges(day=date(2026, 11, 10), title="Early session"),
    )
    enrolment = enrol(fifth)
    clock.move_to(datetime(2026, 11, 11, tzinfo=UTC))
    fifth.refresh_from_db()
    return fifth, enrolment


@pytest.mark.parametrize("mode", [EditMode.ALL, EditMode.FOLLOWING])
def test_a_changed_rule_leaves_an_occurrence_that_took_place_early_as_it_happened(
    series: SessionSeries, moved_and_held: tuple[Session, Enrolment], mode: EditMode
):
    # given
    fifth, enrolment = moved_and_held
    sessions = rows(series)

    # when: four sessions only (30 March is no longer in the rule), under a new title
    series_edit(
        session=sessions[0],
        mode=mode,
        by=None,
        changes=SeriesChanges(rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=4", title="Renamed", capacity=5),
    )

    # then: it is neither cancelled nor deleted nor renamed; it stands on its own
    held = Session.objects.get(pk=fifth.pk)
    assert (held.status, held.title, held.capacity, held.sequence) == (
        Session.Status.SCHEDULED,
        "Early session",
        fifth.capacity,
        fifth.sequence,
    )
    assert (held.starts_at, held.ends_at) == (fifth.starts_at, fifth.ends_at)
    assert held.series is None
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ENROLLED
    assert [s.starts_at for s in rows(series)] == STARTS[:4]
    assert {s.title for s in rows(series)} == {"Renamed"}


def test_moving_all_later_gives_no_second_session_on_the_date_that_took_place_early(
    series: SessionSeries, moved_and_held: tuple[Session, Enrolment]
):
    # given
    fifth, _enrolment = moved_and_held
    sessions = rows(series)

    # when
    series_edit(
        session=sessions[0], mode="all", by=None, changes=SeriesChanges(start_time=time(19))
    )

    # then: seven rows an hour later; 30 March is an exception of the rule, its row untouched
    series.refresh_from_db()
    assert [s.starts_at for s in rows(series)] == [
        s + timedelta(hours=1) for i, s in enumerate(STARTS) if i != 4
    ]
    assert series.exdates == ["2027-03-30"]
    held = Session.objects.get(pk=fifth.pk)
    assert (held.series, held.original_start, held.starts_at) == (
        None,
        fifth.original_start,
        fifth.starts_at,
    )


def test_a_new_rule_for_a_single_session_is_refused(series: SessionSeries):
    with pytest.raises(TrainingError, match="belongs to the series"):
        series_edit(
            session=rows(series)[0],
            mode="this",
            by=None,
            changes=SeriesChanges(rrule="FREQ=DAILY;COUNT=2"),
        )


# Skipping, cancelling, restoring


def test_skipping_an_occurrence_nobody_enrolled_in_deletes_it_and_records_the_date(
    series: SessionSeries,
):
    sessions = rows(series)

    session_skip(session=sessions[1], by=None)

    series.refresh_from_db()
    assert series.exdates == ["2027-03-09"]
    assert series.sequence == 1
    assert not Session.objects.filter(pk=sessions[1].pk).exists()
    assert len(rows(series)) == 7


def test_skipping_an_occurrence_with_people_cancels_it_and_keeps_it(series: SessionSeries):
    sessions = rows(series)
    enrolment = enrol(sessions[1])

    session_skip(session=sessions[1], by=None)

    skipped = Session.objects.get(pk=sessions[1].pk)
    assert skipped.status == Session.Status.CANCELLED
    assert skipped.series is None
    assert skipped.enrolments.get() == enrolment
    assert len(rows(series)) == 7


def test_a_skipped_date_stays_skipped_when_all_are_moved_later(series: SessionSeries):
    # given: the second skipped
    sessions = rows(series)
    session_skip(session=sessions[1], by=None)

    # when
    series_edit(
        session=sessions[0], mode="all", by=None, changes=SeriesChanges(start_time=time(19))
    )

    # then: the same seven rows, an hour later, still without 9 March
    after = rows(series)
    expected = [s + timedelta(hours=1) for i, s in enumerate(STARTS) if i != 1]
    assert [s.pk for s in after] == [s.pk for i, s in enumerate(sessions) if i != 1]
    assert [s.starts_at for s in after] == expected


def test_a_session_of_no_series_cannot_be_skipped(session: Session):
    with pytest.raises(TrainingError, match="cancel it instead"):
        session_skip(session=session, by=None)


def test_cancelling_a_session_keeps_it_and_its_enrolments_and_restoring_brings_it_back(
    series: SessionSeries,
):
    sessions = rows(series)
    enrolment = enrol(sessions[2])

    session_cancel(session=sessions[2], by=None)

    cancelled = Session.objects.get(pk=sessions[2].pk)
    assert cancelled.status == Session.Status.CANCELLED
    assert cancelled.sequence == 1
    assert cancelled.series == series
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ENROLLED

    session_restore(session=sessions[2], by=None)

    cancelled.refresh_from_db()
    assert cancelled.status == Session.Status.SCHEDULED
    assert cancelled.sequence == 2


def test_a_cancelled_session_stays_cancelled_when_all_are_moved(series: SessionSeries):
    sessions = rows(series)
    session_cancel(session=sessions[2], by=None)

    series_edit(session=sessions[0], mode="all", by=None, changes=SeriesChanges(place="Park"))

    assert Session.objects.get(pk=sessions[2].pk).status == Session.Status.CANCELLED
    assert len(rows(series)) == 8


def test_cancelling_twice_or_restoring_a_scheduled_session_is_refused(session: Session):
    with pytest.raises(TrainingError, match="not cancelled"):
        session_restore(session=session, by=None)
    session_cancel(session=session, by=None)
    with pytest.raises(TrainingError, match="already cancelled"):
        session_cancel(session=session, by=None)


def test_a_session_that_has_started_cannot_be_cancelled(clock: Any, stages: list[Stage]):
    # given
    past = SessionFactory.create(stage=stages[0], starts_at=utc(2026, 10, 31, 23))

    # when / then
    with pytest.raises(TrainingError, match="has started or is over"):
        session_cancel(session=past, by=None)
    past.refresh_from_db()
    assert past.status == Session.Status.SCHEDULED
    assert past.sequence == 0


def test_restoring_a_session_gives_its_free_places_to_the_waiting_list_first(
    stages: list[Stage],
):
    # given: one place, Ana in it, Ben waiting; cancelled, and Ana leaves
    session = SessionFactory.create(stage=stages[0], capacity=1)
    ana, ben, cem = (PersonFactory.create() for _i in range(3))
    ana_place = session_enrol(person=ana, session=session)
    ben_place = session_enrol(person=ben, session=session)
    assert ben_place.status == Enrolment.Status.WAITLISTED
    session_cancel(session=session, by=None)
    enrolment_cancel(enrolment=ana_place, by=ana)
    ben_place.refresh_from_db()
    assert ben_place.status == Enrolment.Status.WAITLISTED

    # when
    session_restore(session=session, by=None)

    # then: Ben has the place; Cem, enrolling after, waits
    ben_place.refresh_from_db()
    assert (ben_place.status, ben_place.promoted_at) == (Enrolment.Status.ENROLLED, NOW)
    cem_place = session_enrol(person=cem, session=session)
    assert cem_place.status == Enrolment.Status.WAITLISTED
    session.refresh_from_db()
    assert session.seats_taken == 1


def test_a_newcomer_never_takes_a_free_place_someone_is_waiting_for(stages: list[Stage]):
    # given: a free place and someone still waiting for it (as a restore used to leave it)
    session = SessionFactory.create(stage=stages[0], capacity=1)
    ben, cem = PersonFactory.create(), PersonFactory.create()
    waiting = Enrolment.objects.create(
        session=session, person=ben, status=Enrolment.Status.WAITLISTED, waitlisted_at=NOW
    )

    # when
    newcomer = session_enrol(person=cem, session=session)

    # then: the first in line has the place, the newcomer is next in line
    waiting.refresh_from_db()
    assert waiting.status == Enrolment.Status.ENROLLED
    assert newcomer.status == Enrolment.Status.WAITLISTED
    session.refresh_from_db()
    assert session.seats_taken == 1
