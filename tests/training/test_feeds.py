"""iCalendar feeds, read back with independent parsers (vobject, and dateutil for the rules).

Series and sessions are made with the ORM here (`_weekly_series`: a weekly rule whose rows are
the local date plus 7 days, localised), so these tests check the feed against rows computed
without the schedule code.
"""

import re
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject
from dateutil.rrule import rrulestr
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from leadership.models import Community, Person
from tests.factories import PersonFactory, SessionFactory, StageFactory, TrainingProgrammeFactory
from training.models import (
    Enrolment,
    FeedToken,
    Session,
    SessionSeries,
    Stage,
    TrainingProgramme,
)
from training.services.feeds import feed_token_get_or_create, feed_token_regenerate

ONLINE = "https://meet.example.org/secret-room"


# Helpers


def _weekly_series(
    stage: Stage,
    *,
    first: date,
    at: time,
    time_zone: str,
    weeks: int,
    minutes: int = 120,
    skip: Iterable[date] = (),
    place: str = "Community hall",
) -> SessionSeries:
    """A weekly series bounded by UNTIL (in UTC) and its rows: the local date plus 7 days."""
    tz = ZoneInfo(time_zone)
    days = [first + timedelta(weeks=i) for i in range(weeks)]
    last = datetime.combine(days[-1], at, tzinfo=tz).astimezone(UTC)
    series = SessionSeries.objects.create(
        stage=stage,
        rrule=f"FREQ=WEEKLY;UNTIL={last:%Y%m%dT%H%M%SZ}",
        first_date=first,
        start_time=at,
        duration_minutes=minutes,
        time_zone=time_zone,
        exdates=[day.isoformat() for day in skip],
        capacity=10,
        online_url=ONLINE,
        place=place,
    )
    for day in days:
        if day in skip:
            continue
        starts = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
        Session.objects.create(
            stage=stage,
            series=series,
            original_start=starts,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=minutes),
            time_zone=time_zone,
            capacity=10,
            online_url=ONLINE,
            place=place,
        )
    return series


def _fetch(client: Client, url: str, **headers: Any) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return response


def _parse(response: Any) -> Any:
    # vobject keeps the first VTIMEZONE it read for a TZID for the rest of the process; each feed
    # must be read with its own.
    registry = vars(vobject.icalendar)["__tzidMap"]
    registry.clear()
    vobject.icalendar.registerTzid("UTC", vobject.icalendar.utc)
    return vobject.readOne(response.content.decode())


def _programme_feed(client: Client, programme: TrainingProgramme) -> Any:
    return _fetch(client, reverse("training:programme-calendar", kwargs={"pk": programme.pk}))


def _vevents(calendar: Any, uid: str | None = None) -> list[Any]:
    events = calendar.contents.get("vevent", [])
    return [e for e in events if uid is None or e.uid.value == uid]


def _master(calendar: Any, series: SessionSeries) -> Any:
    (master,) = [
        e
        for e in _vevents(calendar, f"training-series-{series.pk}@pathways")
        if "recurrence-id" not in e.contents
    ]
    return master


def _overrides(calendar: Any, series: SessionSeries) -> list[Any]:
    return [
        e
        for e in _vevents(calendar, f"training-series-{series.pk}@pathways")
        if "recurrence-id" in e.contents
    ]


def _vevent_block(body: str, uid: str) -> str:
    """The raw text of the master VEVENT with this UID (no RECURRENCE-ID)."""
    for block in re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", body, flags=re.DOTALL):
        if f"UID:{uid}\r\n" in block and "RECURRENCE-ID" not in block:
            return block
    raise AssertionError(f"no master event {uid}")


def _dateutil_instants(body: str, uid: str) -> set[datetime]:
    """The master's DTSTART, RRULE and EXDATE lines expanded by dateutil alone, in UTC."""
    block = _vevent_block(body, uid)
    lines = [
        line for line in block.split("\r\n") if line.startswith(("DTSTART", "RRULE", "EXDATE"))
    ]
    ruleset = rrulestr("\n".join(lines), forceset=True)
    return {instant.astimezone(UTC) for instant in ruleset}


def _vobject_instants(calendar: Any, series: SessionSeries) -> set[datetime]:
    """What a calendar app shows: the master's expansion with each override applied, in UTC."""
    instants = {i.astimezone(UTC) for i in _master(calendar, series).getrruleset()}
    for override in _overrides(calendar, series):
        instants.discard(override.recurrence_id.value.astimezone(UTC))
        if override.status.value != "CANCELLED":
            instants.add(override.dtstart.value.astimezone(UTC))
    return instants


def _row_starts(series: SessionSeries) -> set[datetime]:
    return set(
        series.sessions.exclude(status=Session.Status.CANCELLED).values_list("starts_at", flat=True)
    )


@pytest.fixture
def stage(stages: list[Stage]) -> Stage:
    return stages[0]


@pytest.fixture
def anonymous(client_as: Callable[[str], Client]) -> Client:
    return client_as("anonymous")


# The calendar as a whole


def test_a_programme_feed_is_a_valid_calendar_with_a_timezone_for_each_tzid(
    academy: TrainingProgramme, stage: Stage, anonymous: Client
) -> None:
    # given a Berlin series and a single session in Tokyo
    _weekly_series(
        stage, first=date(2026, 3, 3), at=time(18, 0), time_zone="Europe/Berlin", weeks=6
    )
    SessionFactory.create(stage=stage, time_zone="Asia/Tokyo", title="Tokyo evening")
    # when
    response = _programme_feed(anonymous, academy)
    # then
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert response["Content-Disposition"].endswith('.ics"')
    assert "max-age=300" in response["Cache-Control"]
    assert response["ETag"]
    calendar = _parse(response)
    assert calendar.version.value == "2.0"
    assert calendar.prodid.value
    assert calendar.method.value == "PUBLISH"
    assert calendar.contents["x-wr-calname"][0].value == "Leadership Academy"
    # (vobject turns TZID parameters into tzinfo, so the used ones are read from the text)
    used = set(re.findall(r";TZID=([^:;]+)[:;]", response.content.decode()))
    assert used == {"Europe/Berlin", "Asia/Tokyo"}
    assert {tz.tzid.value for tz in calendar.contents["vtimezone"]} == used
    for event in _vevents(calendar):
        assert event.dtstamp.value.tzinfo is not None
        assert event.summary.value
        assert "Leadership Academy" in event.summary.value


def test_a_series_is_one_recurring_event_with_until_in_utc_and_a_duration(
    academy: TrainingProgramme, stage: Stage, anonymous: Client
) -> None:
    series = _weekly_series(
        stage, first=date(2026, 3, 3), at=time(18, 0), time_zone="Europe/Berlin", weeks=6
    )
    body = _programme_feed(anonymous, academy).content.decode()
    block = _vevent_block(body, f"training-series-{series.pk}@pathways")
    assert "DTSTART;TZID=Europe/Berlin:20260303T180000\r\n" in block
    assert "DURATION:PT2H\r\n" in block
    (rrule_line,) = [line for line in block.split("\r\n") if line.startswith("RRULE:")]
    assert re.search(r"UNTIL=\d{8}T\d{6}Z", rrule_line)
    assert "SEQUENCE:0\r\n" in block
    assert "LOCATION:Community hall\r\n" in block
    # one event for the whole series: no per-occurrence copies when nothing was changed
    assert body.count(f"UID:training-series-{series.pk}@pathways") == 1


@pytest.mark.parametrize(
    ("time_zone", "first", "at", "weeks", "utc_hours"),
    [
        # Berlin: summer time from 29 March to 25 October 2026 (18:30 is 16:30 or 17:30 UTC)
        ("Europe/Berlin", date(2026, 3, 10), time(18, 30), 36, {16, 17}),
        # Los Angeles: from 8 March to 1 November 2026 (09:00 is 16:00 or 17:00 UTC)
        ("America/Los_Angeles", date(2026, 2, 24), time(9, 0), 40, {16, 17}),
        # Tokyo: no daylight-saving time at all
        ("Asia/Tokyo", date(2026, 3, 10), time(19, 0), 12, {10}),
        # three years of Berlin Tuesdays: six changes of the clocks
        ("Europe/Berlin", date(2026, 1, 6), time(18, 0), 155, {16, 17}),
    ],
)
def test_the_expanded_series_equals_the_rows_around_daylight_saving_changes(
    academy: TrainingProgramme,
    stage: Stage,
    anonymous: Client,
    time_zone: str,
    first: date,
    at: time,
    weeks: int,
    utc_hours: set[int],
) -> None:
    # given a weekly series whose UTC time moves with the clocks (but not in Tokyo)
    series = _weekly_series(stage, first=first, at=at, time_zone=time_zone, weeks=weeks)
    rows = _row_starts(series)
    assert len(rows) == weeks
    assert {instant.hour for instant in rows} == utc_hours
    # when
    response = _programme_feed(anonymous, academy)
    body = response.content.decode()
    calendar = _parse(response)
    # then both parsers give exactly the rows' instants
    assert _dateutil_instants(body, f"training-series-{series.pk}@pathways") == rows
    assert _vobject_instants(calendar, series) == rows


def test_skipped_dates_are_exdates_at_the_series_start_time(
    academy: TrainingProgramme, stage: Stage, anonymous: Client
) -> None:
    # given a series that skips the Tuesday after the change to summer time
    skipped = date(2026, 3, 31)
    series = _weekly_series(
        stage,
        first=date(2026, 3, 17),
        at=time(18, 0),
        time_zone="Europe/Berlin",
        weeks=5,
        skip=[skipped],
    )
    # when
    response = _programme_feed(anonymous, academy)
    body = response.content.decode()
    # then
    block = _vevent_block(body, f"training-series-{series.pk}@pathways")
    assert "EXDATE;TZID=Europe/Berlin:20260331T180000\r\n" in block
    instants = _vobject_instants(_parse(response), series)
    assert datetime(2026, 3, 31, 16, 0, tzinfo=UTC) not in instants
    assert instants == _row_starts(series)
    assert len(instants) == 4


def test_an_occurrence_removed_without_an_exdate_is_left_out_of_the_expansion(
    academy: TrainingProgramme, stage: Stage, anonymous: Client
) -> None:
    # given a row deleted while the stored exdates do not name it
    series = _weekly_series(
        stage, first=date(2026, 3, 3), at=time(18, 0), time_zone="Europe/Berlin", weeks=5
    )
    series.sessions.filter(starts_at=datetime(2026, 3, 17, 17, 0, tzinfo=UTC)).delete()
    # when
    response = _programme_feed(anonymous, academy)
    # then
    assert _vobject_instants(_parse(response), series) == _row_starts(series)
    assert _dateutil_instants(
        response.content.decode(), f"training-series-{series.pk}@pathways"
    ) == _row_starts(series)


def test_a_cancelled_occurrence_is_an_override_marked_cancelled(
    academy: TrainingProgramme, stage: Stage, anonymous: Client
) -> None:
    # given the occurrence of 31 March 2026 (summer time) cancelled
    series = _weekly_series(
        stage, first=date(2026, 3, 17), at=time(18, 0), time_zone="Europe/Berlin", weeks=5
    )
    cancelled = series.sessions.get(starts_at=datetime(2026, 3, 31, 16, 0, tzinfo=UTC))
    Session.objects.filter(pk=cancelled.pk).update(status=Session.Status.CANCELLED, sequence=1)
    # when
    response = _programme_feed(anonymous, academy)
    calendar = _parse(response)
    # then
    (override,) = _overrides(calendar, series)
    assert override.status.value == "CANCELLED"
    assert override.recurrence_id.value == datetime(
        2026, 3, 31, 18, 0, tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert "RECURRENCE-ID;TZID=Europe/Berlin:20260331T180000\r\n" in response.content.decode()
    assert override.sequence.value == "1"
    assert _master(calendar, series).status.value == "CONFIRMED"
    assert _vobject_instants(calendar, series) == _row_starts(series)
    assert len(_row_starts(series)) == 4


def test_an_occurrence_moved_on_its_own_is_an_override_with_its_own_times(
    academy: TrainingProgramme, stage: Stage, anonymous: Client
) -> None:
    # given the occurrence across the October change moved an hour later, in another place
    series = _weekly_series(
        stage, first=date(2026, 10, 13), at=time(18, 0), time_zone="Europe/Berlin", weeks=4
    )
    moved = series.sessions.get(starts_at=datetime(2026, 10, 27, 17, 0, tzinfo=UTC))
    moved.starts_at = datetime(2026, 10, 27, 18, 0, tzinfo=UTC)
    moved.ends_at = moved.starts_at + timedelta(hours=2)
    moved.detached = True
    moved.place = "Library"
    moved.sequence = 2
    moved.save()
    # when
    response = _programme_feed(anonymous, academy)
    calendar = _parse(response)
    # then
    (override,) = _overrides(calendar, series)
    berlin = ZoneInfo("Europe/Berlin")
    assert override.recurrence_id.value == datetime(2026, 10, 27, 18, 0, tzinfo=berlin)
    assert override.dtstart.value == datetime(2026, 10, 27, 19, 0, tzinfo=berlin)
    assert override.dtend.value == datetime(2026, 10, 27, 21, 0, tzinfo=berlin)
    assert override.location.value == "Library"
    assert override.sequence.value == "2"
    assert override.status.value == "CONFIRMED"
    assert _vobject_instants(calendar, series) == _row_starts(series)


def test_a_row_the_rule_no_longer_gives_stands_on_its_own(
    academy: TrainingProgramme, stage: Stage, anonymous: Client
) -> None:
    # given a row kept (it had enrolments) after its series' rule stopped giving it
    series = _weekly_series(
        stage, first=date(2026, 3, 3), at=time(18, 0), time_zone="Europe/Berlin", weeks=3
    )
    stray = series.sessions.order_by("starts_at").last()
    assert stray is not None
    stray.original_start = stray.starts_at + timedelta(days=1)
    stray.save()
    # when
    calendar = _parse(_programme_feed(anonymous, academy))
    # then it is its own event and the series' expansion leaves its old instant out
    (single,) = _vevents(calendar, f"training-session-{stray.pk}@pathways")
    assert single.dtstart.value.astimezone(UTC) == stray.starts_at
    assert _overrides(calendar, series) == []
    assert {i.astimezone(UTC) for i in _master(calendar, series).getrruleset()} == (
        _row_starts(series) - {stray.starts_at}
    )


def test_a_session_outside_any_series_is_a_single_event_with_its_own_uid(
    academy: TrainingProgramme, session: Session, anonymous: Client
) -> None:
    calendar = _parse(_programme_feed(anonymous, academy))
    (event,) = _vevents(calendar)
    assert event.uid.value == f"training-session-{session.pk}@pathways"
    assert event.dtstart.value == datetime(2026, 12, 1, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert event.dtend.value == datetime(2026, 12, 1, 20, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert event.summary.value == "Foundations · Leadership Academy"
    assert "rrule" not in event.contents


def test_uids_stay_the_same_across_fetches_and_unrelated_edits(
    academy: TrainingProgramme, stage: Stage, session: Session, anonymous: Client
) -> None:
    # given
    _weekly_series(
        stage, first=date(2026, 3, 3), at=time(18, 0), time_zone="Europe/Berlin", weeks=4
    )
    first = _parse(_programme_feed(anonymous, academy))
    second = _parse(_programme_feed(anonymous, academy))
    # when unrelated things change: the programme's description, another programme's sessions
    academy.description = "Now with a description."
    academy.save()
    SessionFactory.create(stage=StageFactory.create())
    third = _parse(_programme_feed(anonymous, academy))

    # then
    def uids(calendar: Any) -> list[str]:
        return sorted(e.uid.value for e in _vevents(calendar))

    assert uids(first) == uids(second) == uids(third)
    assert len(uids(first)) == 2


def test_a_feed_that_did_not_change_answers_not_modified(
    academy: TrainingProgramme, session: Session, anonymous: Client
) -> None:
    # given a first fetch
    url = reverse("training:programme-calendar", kwargs={"pk": academy.pk})
    etag = anonymous.get(url)["ETag"]
    # when asked again with its ETag, then nothing is sent
    assert anonymous.get(url, headers={"if-none-match": etag}).status_code == 304
    # when the session moves (a save renews the cached feed), then the feed is sent again
    session.place = "Elsewhere"
    session.save()
    changed = anonymous.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_events_link_to_their_pages(
    academy: TrainingProgramme, stage: Stage, session: Session, anonymous: Client
) -> None:
    series = _weekly_series(
        stage, first=date(2026, 3, 3), at=time(18, 0), time_zone="Europe/Berlin", weeks=2
    )
    calendar = _parse(_programme_feed(anonymous, academy))
    assert _master(calendar, series).url.value == "http://testserver" + reverse(
        "training:programme-detail", kwargs={"pk": academy.pk}
    )
    try:
        session_page = reverse("training:session-detail", kwargs={"pk": session.pk})
    except NoReverseMatch:
        pytest.skip("the session page is not routed yet")
    (single,) = _vevents(calendar, f"training-session-{session.pk}@pathways")
    assert single.url.value == "http://testserver" + session_page


# Who may read them


def test_a_draft_programme_has_no_feed(
    academy: TrainingProgramme, session: Session, client_as: Callable[[str], Client]
) -> None:
    academy.status = TrainingProgramme.Status.DRAFT
    academy.save()
    url = reverse("training:programme-calendar", kwargs={"pk": academy.pk})
    for name in ("anonymous", "member", "coordinator"):
        assert client_as(name).get(url).status_code == 404


def test_an_unknown_programme_or_community_has_no_feed(db: None, anonymous: Client) -> None:
    assert (
        anonymous.get(reverse("training:programme-calendar", kwargs={"pk": 999_999})).status_code
        == 404
    )
    assert (
        anonymous.get(
            reverse("training:community-calendar", kwargs={"slug": "nowhere"})
        ).status_code
        == 404
    )


@pytest.mark.parametrize("name", ["anonymous", "member", "outsider"])
def test_anyone_may_read_the_public_feeds(
    academy: TrainingProgramme,
    session: Session,
    community: Community,
    client_as: Callable[[str], Client],
    name: str,
) -> None:
    client = client_as(name)
    assert _programme_feed(client, academy).status_code == 200
    url = reverse("training:community-calendar", kwargs={"slug": community.slug})
    assert _fetch(client, url).status_code == 200


def test_public_feeds_leave_out_online_links(community: Community, anonymous: Client) -> None:
    # given a community programme with a series and a single session, both online
    programme = TrainingProgrammeFactory.create(
        level=TrainingProgramme.Level.LOCAL, community=community
    )
    stage = StageFactory.create(programme=programme, title="Welcome")
    _weekly_series(
        stage, first=date(2026, 3, 3), at=time(18, 0), time_zone="Europe/Berlin", weeks=2
    )
    SessionFactory.create(stage=stage, online_url=ONLINE, place="")
    # when
    by_programme = _programme_feed(anonymous, programme).content.decode()
    by_community = _fetch(
        anonymous, reverse("training:community-calendar", kwargs={"slug": community.slug})
    ).content.decode()
    # then
    for body in (by_programme, by_community):
        assert "training-series-" in body
        assert "meet.example.org" not in body


def test_a_community_feed_has_its_own_and_its_regions_programmes(
    community: Community, other_community: Community, anonymous: Client
) -> None:
    # given programmes of every kind
    def programme_with_session(title: str, **kwargs: Any) -> Session:
        programme = TrainingProgrammeFactory.create(title=title, **kwargs)
        return SessionFactory.create(stage=StageFactory.create(programme=programme))

    local = TrainingProgramme.Level.LOCAL
    owned = programme_with_session("Ours", level=local, community=community)
    regional = programme_with_session(
        "Our region", level=TrainingProgramme.Level.REGIONAL, region=community.region
    )
    elsewhere = programme_with_session(
        "Their region", level=TrainingProgramme.Level.REGIONAL, region=other_community.region
    )
    theirs = programme_with_session("Theirs", level=local, community=other_community)
    draft = programme_with_session(
        "Not yet", level=local, community=community, status=TrainingProgramme.Status.DRAFT
    )
    movement = programme_with_session("Everyone", level=TrainingProgramme.Level.MOVEMENT)
    # when
    url = reverse("training:community-calendar", kwargs={"slug": community.slug})
    calendar = _parse(_fetch(anonymous, url))
    # then
    uids = {e.uid.value for e in _vevents(calendar)}
    assert uids == {
        f"training-session-{owned.pk}@pathways",
        f"training-session-{regional.pk}@pathways",
    }
    for left_out in (elsewhere, theirs, draft, movement):
        assert f"training-session-{left_out.pk}@pathways" not in uids
    assert calendar.contents["x-wr-calname"][0].value == "Trainings of Wikimedia Testland"


# The personal feed


def _enrol(session: Session, person: Person, status: str) -> Enrolment:
    now = timezone.now()
    return Enrolment.objects.create(
        session=session,
        person=person,
        status=status,
        enrolled_at=now if status == Enrolment.Status.ENROLLED else None,
        waitlisted_at=now if status == Enrolment.Status.WAITLISTED else None,
        cancelled_at=now if status == Enrolment.Status.CANCELLED else None,
    )


def _personal_url(token: FeedToken) -> str:
    return reverse("training:personal-calendar", kwargs={"token": token.token})


def test_the_personal_feed_has_each_enrolled_and_waiting_session_and_the_link_of_the_enrolled(
    stage: Stage, member: Any, anonymous: Client
) -> None:
    # given the member enrolled in one occurrence, waiting for another, and no longer in a third
    series = _weekly_series(
        stage, first=date(2026, 3, 17), at=time(18, 0), time_zone="Europe/Berlin", weeks=3
    )
    enrolled, waiting, left = series.sessions.order_by("starts_at")
    _enrol(enrolled, member.person, Enrolment.Status.ENROLLED)
    _enrol(waiting, member.person, Enrolment.Status.WAITLISTED)
    _enrol(left, member.person, Enrolment.Status.CANCELLED)
    _enrol(left, PersonFactory.create(), Enrolment.Status.ENROLLED)
    token = feed_token_get_or_create(person=member.person)
    # when the calendar app fetches it, without signing in
    response = _fetch(anonymous, _personal_url(token))
    calendar = _parse(response)
    # then
    assert "private" in response["Cache-Control"]
    events = {e.uid.value: e for e in _vevents(calendar)}
    assert set(events) == {
        f"training-session-{enrolled.pk}@pathways",
        f"training-session-{waiting.pk}@pathways",
    }
    mine = events[f"training-session-{enrolled.pk}@pathways"]
    assert mine.status.value == "CONFIRMED"
    assert "waiting list" not in mine.summary.value
    assert ONLINE in mine.description.value
    assert mine.dtstart.value.astimezone(UTC) == enrolled.starts_at
    assert "rrule" not in mine.contents
    queued = events[f"training-session-{waiting.pk}@pathways"]
    assert queued.status.value == "TENTATIVE"
    assert "waiting list" in queued.summary.value
    assert ONLINE not in queued.description.value
    # across the change to summer time on 29 March
    assert queued.dtstart.value == datetime(2026, 3, 24, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert {tz.tzid.value for tz in calendar.contents["vtimezone"]} == {"Europe/Berlin"}


def test_a_cancelled_session_stays_in_the_personal_feed_marked_cancelled(
    session: Session, member: Any, anonymous: Client
) -> None:
    _enrol(session, member.person, Enrolment.Status.WAITLISTED)
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED, sequence=3)
    token = feed_token_get_or_create(person=member.person)
    (event,) = _vevents(_parse(_fetch(anonymous, _personal_url(token))))
    assert event.status.value == "CANCELLED"
    assert event.sequence.value == "3"


def test_an_unknown_key_has_no_feed(db: None, anonymous: Client) -> None:
    url = reverse("training:personal-calendar", kwargs={"token": "not-a-key"})
    assert anonymous.get(url).status_code == 404


def test_a_regenerated_key_replaces_the_old_one_at_once(
    session: Session, member: Any, anonymous: Client
) -> None:
    # given
    old = feed_token_get_or_create(person=member.person)
    assert feed_token_get_or_create(person=member.person).token == old.token
    _fetch(anonymous, _personal_url(old))
    # when
    new = feed_token_regenerate(person=member.person)
    # then
    assert new.token != old.token
    assert len(new.token) == 43
    assert anonymous.get(_personal_url(old)).status_code == 404
    assert _fetch(anonymous, _personal_url(new)).status_code == 200
    assert FeedToken.objects.filter(person=member.person).count() == 1


def test_the_calendar_page_shows_the_member_their_address(
    member: Any, client_as: Callable[[str], Client]
) -> None:
    client = client_as("member")
    response = client.get(reverse("training:feed-settings"))
    assert response.status_code == 200
    token = FeedToken.objects.get(person=member.person)
    assert "http://testserver" + _personal_url(token) in response.content.decode()
    assert "webcal://testserver" + _personal_url(token) in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    # a second visit shows the same address
    client.get(reverse("training:feed-settings"))
    assert FeedToken.objects.get(person=member.person).token == token.token


def test_the_member_makes_a_new_address_and_the_old_one_stops_working(
    member: Any, client_as: Callable[[str], Client], anonymous: Client
) -> None:
    # given
    old = feed_token_get_or_create(person=member.person)
    client = client_as("member")
    # when
    response = client.post(reverse("training:feed-regenerate"))
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("training:feed-settings")
    new = FeedToken.objects.get(person=member.person)
    assert new.token != old.token
    assert anonymous.get(_personal_url(old)).status_code == 404
    assert _fetch(anonymous, _personal_url(new)).status_code == 200


def test_nobody_else_changes_a_members_key(member: Any, client_as: Callable[[str], Client]) -> None:
    # given
    token = feed_token_get_or_create(person=member.person)
    # when an anonymous visitor posts, or someone asks with GET
    anonymous_post = client_as("anonymous").post(reverse("training:feed-regenerate"))
    outsider_post = client_as("outsider").post(reverse("training:feed-regenerate"))
    by_get = client_as("member").get(reverse("training:feed-regenerate"))
    # then
    assert anonymous_post.status_code == 302
    assert "/accounts/login/" in anonymous_post["Location"]
    assert outsider_post.status_code == 302
    assert by_get.status_code == 405
    token.refresh_from_db()
    assert FeedToken.objects.get(person=member.person).token == token.token
    assert client_as("anonymous").get(reverse("training:feed-settings")).status_code == 302


# Cost


def _many_sessions(stage: Stage, *, series: int, weeks: int, singles: int) -> None:
    for n in range(series):
        _weekly_series(
            stage,
            first=date(2026, 1, 6) + timedelta(days=n),
            at=time(18, 0),
            time_zone=["Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo"][n % 3],
            weeks=weeks,
        )
    Session.objects.bulk_create(
        Session(
            stage=stage,
            starts_at=datetime(2027, 1, 1, 9, tzinfo=UTC) + timedelta(days=i),
            ends_at=datetime(2027, 1, 1, 10, tzinfo=UTC) + timedelta(days=i),
            time_zone="Asia/Tokyo",
            capacity=5,
            status=Session.Status.CANCELLED if i % 7 == 0 else Session.Status.SCHEDULED,
        )
        for i in range(singles)
    )


@pytest.mark.parametrize(("series", "weeks", "singles"), [(1, 2, 1), (4, 20, 30)])
def test_the_public_feeds_cost_two_queries_whatever_their_size(
    academy: TrainingProgramme,
    stage: Stage,
    community: Community,
    anonymous: Client,
    django_assert_num_queries: Any,
    series: int,
    weeks: int,
    singles: int,
) -> None:
    _many_sessions(stage, series=series, weeks=weeks, singles=singles)
    # overrides too: the first occurrences moved on their own
    first_rows = (
        Session.objects.filter(series__isnull=False).order_by("pk").values_list("pk", flat=True)[:3]
    )
    Session.objects.filter(pk__in=list(first_rows)).update(detached=True, place="Moved")
    academy.level = TrainingProgramme.Level.LOCAL
    academy.community = community
    academy.save()
    # the programme, then its sessions with their stage, programme and series
    with django_assert_num_queries(2):
        calendar = _parse(_programme_feed(anonymous, academy))
    assert len(_vevents(calendar)) >= series + singles
    # the community, then its trainings' sessions
    with django_assert_num_queries(2):
        _fetch(anonymous, reverse("training:community-calendar", kwargs={"slug": community.slug}))


@pytest.mark.parametrize("count", [1, 25])
def test_the_personal_feed_costs_two_queries_whatever_its_size(
    stage: Stage, member: Any, anonymous: Client, django_assert_num_queries: Any, count: int
) -> None:
    for i in range(count):
        session = SessionFactory.create(
            stage=stage, starts_at=datetime(2027, 1, 1, 9, tzinfo=UTC) + timedelta(days=i)
        )
        _enrol(session, member.person, Enrolment.Status.ENROLLED)
    token = feed_token_get_or_create(person=member.person)
    # the key with its person, then the enrolments with their sessions, stages and programmes
    with django_assert_num_queries(2):
        calendar = _parse(_fetch(anonymous, _personal_url(token)))
    assert len(_vevents(calendar)) == count


def test_a_feed_of_a_thousand_events_is_built_without_a_query_per_event(
    academy: TrainingProgramme, stage: Stage, anonymous: Client, django_assert_num_queries: Any
) -> None:
    Session.objects.bulk_create(
        Session(
            stage=stage,
            starts_at=datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(hours=19 * i),
            ends_at=datetime(2026, 1, 5, 10, tzinfo=UTC) + timedelta(hours=19 * i),
            time_zone=["Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo"][i % 3],
            capacity=5,
        )
        for i in range(1000)
    )
    with django_assert_num_queries(2):
        response = _programme_feed(anonymous, academy)
    assert response.content.count(b"BEGIN:VEVENT") == 1000


# With the schedule's own services


@pytest.mark.parametrize(
    ("rrule", "first", "at", "time_zone"),
    [
        # weekly on Tuesdays, no end: bounded by the programme's horizon (three years of DST)
        ("FREQ=WEEKLY;BYDAY=TU", date(2026, 1, 6), time(9, 30), "America/Los_Angeles"),
        # monthly on the first Saturday, ten times, in Berlin
        ("FREQ=MONTHLY;BYDAY=1SA;COUNT=10", date(2026, 1, 3), time(2, 30), "Europe/Berlin"),
    ],
)
def test_a_series_made_by_the_schedule_services_expands_to_its_rows(
    academy: TrainingProgramme,
    stage: Stage,
    anonymous: Client,
    rrule: str,
    first: date,
    at: time,
    time_zone: str,
) -> None:
    schedule = pytest.importorskip("training.services.schedule")
    # given a series with one occurrence skipped and one cancelled, before any of them starts
    with time_machine.travel(datetime(2025, 12, 1, tzinfo=UTC), tick=False):
        series = schedule.series_create(
            stage=stage,
            by=None,
            rrule=rrule,
            first_date=first,
            start_time=at,
            duration_minutes=90,
            time_zone=time_zone,
            capacity=8,
            online_url=ONLINE,
        )
        rows = list(series.sessions.order_by("starts_at"))
        schedule.session_skip(session=rows[1], by=None)
        schedule.session_cancel(session=rows[3], by=None)
    series.refresh_from_db()
    # when
    response = _programme_feed(anonymous, academy)
    body = response.content.decode()
    calendar = _parse(response)
    # then
    uid = f"training-series-{series.pk}@pathways"
    block = _vevent_block(body, uid)
    assert re.search(r"UNTIL=\d{8}T\d{6}Z", block) or "COUNT=" in block
    assert "EXDATE;TZID=" in block
    assert _dateutil_instants(body, uid) == set(
        series.sessions.values_list("original_start", flat=True)
    )
    assert _vobject_instants(calendar, series) == _row_starts(series)
    (override,) = _overrides(calendar, series)
    assert override.status.value == "CANCELLED"
    assert override.recurrence_id.value.astimezone(UTC) == rows[3].original_start
    assert ONLINE not in body


def test_a_rule_stored_without_an_end_is_stopped_at_its_last_row_in_utc(
    academy: TrainingProgramme, stage: Stage, anonymous: Client
) -> None:
    # given a series whose stored rule has neither COUNT nor UNTIL (the schedule never stores
    # one, but a calendar must never repeat it for ever)
    series = _weekly_series(
        stage, first=date(2026, 10, 6), at=time(18, 0), time_zone="Europe/Berlin", weeks=6
    )
    SessionSeries.objects.filter(pk=series.pk).update(rrule="FREQ=WEEKLY")
    # when
    response = _programme_feed(anonymous, academy)
    body = response.content.decode()
    # then
    uid = f"training-series-{series.pk}@pathways"
    assert "RRULE:FREQ=WEEKLY;UNTIL=20261110T170000Z\r\n" in _vevent_block(body, uid)
    assert _dateutil_instants(body, uid) == _row_starts(series)
    assert _vobject_instants(_parse(response), series) == _row_starts(series)


# Races on the key (Postgres, real threads)


def _at_once(action: Callable[[], Any], times: int = 2) -> list[Any]:
    barrier = threading.Barrier(times)
    results: list[Any] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(action())
        except Exception as error:  # kept, so that the test shows it
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_first_visits_at_once_share_one_key() -> None:
    person = PersonFactory.create()
    results = _at_once(lambda: feed_token_get_or_create(person=person).token)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    assert FeedToken.objects.get(person=person).token == results[0]


@pytest.mark.django_db(transaction=True)
def test_two_regenerations_at_once_leave_one_working_key() -> None:
    person = PersonFactory.create()
    old = feed_token_get_or_create(person=person).token
    results = _at_once(lambda: feed_token_regenerate(person=person).token)
    assert not [r for r in results if isinstance(r, Exception)], results
    (kept,) = FeedToken.objects.filter(person=person).values_list("token", flat=True)
    assert kept in results
    assert old not in results
