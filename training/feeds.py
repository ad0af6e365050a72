"""iCalendar (RFC 5545) feeds of training sessions, built with `icalendar`.

Public feeds (a programme's, a community's) show a series as one recurring event: a master
VEVENT (UID `training-series-<pk>@pathways`, DTSTART in the series' zone, DURATION, the stored
RRULE whose UNTIL is already UTC, EXDATE for every instant the rule gives that has no row) and
one override VEVENT (same UID, RECURRENCE-ID = the occurrence's original start in the series'
zone) for each stored occurrence that differs from what the rule gives: edited on its own,
cancelled, or moved. Calendars then expand the rule on their side, and the expansion equals the
Session rows. A session outside any series, or a row the rule no longer gives, is a plain event
`training-session-<pk>@pathways`. The personal feed is per occurrence: each session the person is
enrolled in (or waiting for) is its own event, the online link only where they have a place.

Everything here works on rows already loaded (selectors/feeds.py): no query per event.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule as RRule
from dateutil.rrule import rrulestr
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vRecur

from .models import Enrolment, EnrolmentStatus, Session, SessionSeries, SessionStatus
from .recurrence import MAX_OCCURRENCES

PRODID = "-//Pathways//Training calendar//EN"
UID_DOMAIN = "pathways"
# The rule is expanded here only to find the instants that have no row (EXDATE); a stored series
# has at most MAX_OCCURRENCES rows, so twice that is a bound no valid rule reaches.
EXPANSION_LIMIT = 2 * MAX_OCCURRENCES

# The VTIMEZONEs describe the feed's dates and this much either side.
TIMEZONE_MARGIN = timedelta(days=7)
# Builds an absolute address from a path (request.build_absolute_uri in the views).
Absolute = Callable[[str], str]


def series_uid(series_id: int) -> str:
    return f"training-series-{series_id}@{UID_DOMAIN}"


def session_uid(session_id: int) -> str:
    return f"training-session-{session_id}@{UID_DOMAIN}"


class _Feed:
    """What every event of one feed shares: its DTSTAMP, the links to pages, the dates covered."""

    def __init__(self, absolute: Absolute, stamp: datetime) -> None:
        self.absolute = absolute
        self.stamp = stamp
        self._routed: dict[str, bool] = {}
        self.first: date | None = None
        self.last: date | None = None
        # Translated once per feed rather than once per event (gettext is not free at 1,000).
        self.summary_format = _("%(title)s · %(programme)s")
        self.programme_format = _("Programme: %(programme)s")
        self.stage_format = _("Stage: %(stage)s")
        self.place_format = _("Place: %(place)s")
        self.online_format = _("Online: %(link)s")

    def cover(self, *instants: datetime) -> None:
        """Widen the span the VTIMEZONEs must describe to these instants."""
        for instant in instants:
            day = instant.date()
            if self.first is None or day < self.first:
                self.first = day
            if self.last is None or day > self.last:
                self.last = day

    def _url(self, name: str, pk: int) -> str | None:
        if self._routed.get(name) is False:
            return None
        try:
            path = reverse(name, kwargs={"pk": pk})
        except NoReverseMatch:
            # A page not routed (yet): asked once per feed, not once per event.
            self._routed[name] = False
            return None
        self._routed[name] = True
        return self.absolute(path)

    def session_url(self, pk: int) -> str | None:
        return self._url("training:session-detail", pk)

    def programme_url(self, pk: int) -> str | None:
        return self._url("training:programme-detail", pk)


def _new_calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def _finish(calendar: Calendar, feed: _Feed) -> bytes:
    # One VTIMEZONE for each TZID used, from the tz database, as RFC 5545 requires, written for
    # the dates the feed covers (with a margin): a few transitions each, not 1970-2038's.
    if feed.first is not None and feed.last is not None:
        calendar.add_missing_timezones(
            first_date=feed.first - TIMEZONE_MARGIN, last_date=feed.last + TIMEZONE_MARGIN
        )
        _one_rdate_a_line(calendar)
    return calendar.to_ical()


def _one_rdate_a_line(calendar: Calendar) -> None:
    """Write each transition of a VTIMEZONE as its own RDATE line.

    icalendar lists a zone's later transitions in one comma-separated RDATE; that is valid, but
    some readers keep only the first value (vobject does), and then every summer after the first
    is an hour off. One RDATE a line means the same and is read right by all.
    """
    for zone in calendar.walk("VTIMEZONE"):
        for observance in zone.subcomponents:
            found = observance.get("RDATE")
            if found is None:
                continue
            lists = found if isinstance(found, list) else [found]
            onsets = [value.dt for rdates in lists for value in rdates.dts]
            observance.pop("RDATE")
            for onset in onsets:
                observance.add("rdate", onset)


def _summary(feed: _Feed, session: Session) -> str:
    return feed.summary_format % {
        "title": session.display_title,
        "programme": session.stage.programme.title,
    }


def _series_summary(feed: _Feed, series: SessionSeries, session: Session) -> str:
    return feed.summary_format % {
        "title": series.title or session.stage.title,
        "programme": session.stage.programme.title,
    }


def _description(
    feed: _Feed, session: Session, *, place: str, online_url: str = "", extra: str = ""
) -> str:
    lines = [
        feed.programme_format % {"programme": session.stage.programme.title},
        feed.stage_format % {"stage": session.stage.title},
    ]
    if place:
        lines.append(feed.place_format % {"place": place})
    if online_url:
        lines.append(feed.online_format % {"link": online_url})
    if extra:
        lines.append(extra)
    return "\n".join(lines)


def _session_event(
    session: Session,
    *,
    uid: str,
    feed: _Feed,
    online: bool,
    summary: str | None = None,
    extra: str = "",
    status: str | None = None,
) -> Event:
    """One occurrence as its own event (DTSTART/DTEND in the session's zone)."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", feed.stamp)
    feed.cover(session.starts_at, session.ends_at)
    event.add("dtstart", session.local_start)
    event.add("dtend", session.local_end)
    event.add("sequence", session.sequence)
    event.add("summary", summary or _summary(feed, session))
    online_url = session.online_url if online else ""
    # Without a place, the online link is where it happens (personal feed only).
    location = session.place or online_url
    if location:
        event.add("location", location)
    event.add(
        "description",
        _description(feed, session, place=session.place, online_url=online_url, extra=extra),
    )
    url = feed.session_url(session.pk)
    if url:
        event.add("url", url)
    if session.is_cancelled:
        status = "CANCELLED"
    event.add("status", status or "CONFIRMED")
    return event


def _rule_text(series: SessionSeries) -> str:
    text = series.rrule.strip()
    return text.removeprefix("RRULE:").removeprefix("rrule:")


def _expand(series: SessionSeries, rule_text: str) -> list[datetime]:
    """The instants the stored rule gives, exdates included, on local wall-clock times (fold=0)."""
    rule = rrulestr(rule_text, dtstart=series.first_start)
    assert isinstance(rule, RRule)
    return list(islice(rule, EXPANSION_LIMIT))


def _differs(session: Session, series: SessionSeries) -> bool:
    """Whether the row is not what the master event gives, so it needs an override."""
    return (
        session.detached
        or session.status == SessionStatus.CANCELLED
        or session.starts_at != session.original_start
        or session.ends_at - session.starts_at != series.duration
        or session.place != series.place
        or bool(session.title and session.title != series.title)
    )


def _series_events(series: SessionSeries, rows: Sequence[Session], *, feed: _Feed) -> list[Event]:
    """The master event of a series, its overrides, and the rows the rule does not give."""
    tz = ZoneInfo(str(series.time_zone))
    rule_text = _rule_text(series)
    recur = vRecur.from_ical(rule_text)
    if "COUNT" not in recur and "UNTIL" not in recur:
        # Never stored so (the schedule bounds every rule), but an unbounded RRULE would fill a
        # calendar for ever: stop it at the last row, in UTC as DTSTART has a TZID.
        last = max(row.original_start or row.starts_at for row in rows)
        recur["UNTIL"] = [last.astimezone(UTC)]
        rule_text = recur.to_ical().decode()
    instants = _expand(series, rule_text)
    feed.cover(series.first_start, *instants[-1:])
    # Compared in UTC: Python never finds an aware time in a DST gap or fold equal to one in
    # another zone (PEP 495), and those are exactly the occurrences that must match.
    given = {instant.astimezone(UTC): instant for instant in instants}
    stored = {row.original_start.astimezone(UTC) for row in rows if row.original_start is not None}
    # Exceptions: the skipped dates, and every instant whose row was removed, so that the
    # calendar's expansion is exactly the rows.
    exdates = {
        datetime.combine(date.fromisoformat(day), series.start_time, tzinfo=tz)
        for day in series.exdates
    }
    exdates.update(local for instant, local in given.items() if instant not in stored)

    first = rows[0]
    master = Event()
    master.add("uid", series_uid(series.pk))
    master.add("dtstamp", feed.stamp)
    master.add("dtstart", series.first_start)
    master.add("duration", series.duration)
    master.add("rrule", recur)
    if exdates:
        master.add("exdate", sorted(exdates))
    master.add("sequence", series.sequence)
    master.add("summary", _series_summary(feed, series, first))
    if series.place:
        master.add("location", series.place)
    master.add("description", _description(feed, first, place=series.place))
    url = feed.programme_url(first.stage.programme_id)
    if url:
        master.add("url", url)
    master.add("status", "CONFIRMED")
    events = [master]

    for row in rows:
        original = row.original_start.astimezone(UTC) if row.original_start else None
        if original is None or original not in given:
            # Not an occurrence of the rule (any more): it stands on its own.
            events.append(_session_event(row, uid=session_uid(row.pk), feed=feed, online=False))
        elif _differs(row, series):
            override = _session_event(row, uid=series_uid(series.pk), feed=feed, online=False)
            # The wall-clock value the rule gives (even inside a DST gap), as the calendar's own
            # expansion names the instance.
            override.add("recurrence-id", given[original])
            events.append(override)
    return events


def public_calendar(
    *, name: str, sessions: Iterable[Session], absolute: Absolute, stamp: datetime
) -> bytes:
    """A public feed (programme or community): series as recurring events, no online links."""
    calendar = _new_calendar(name)
    feed = _Feed(absolute, stamp)
    # Events in the order of their first start: a single session, or a series' id.
    items: list[Session | int] = []
    rows_of: dict[int, list[Session]] = {}
    series_of: dict[int, SessionSeries] = {}
    for session in sessions:
        series = session.series
        if series is None:
            items.append(session)
            continue
        if series.pk not in rows_of:
            rows_of[series.pk] = []
            series_of[series.pk] = series
            items.append(series.pk)
        rows_of[series.pk].append(session)
    for item in items:
        if isinstance(item, Session):
            calendar.add_component(
                _session_event(item, uid=session_uid(item.pk), feed=feed, online=False)
            )
            continue
        for event in _series_events(series_of[item], rows_of[item], feed=feed):
            calendar.add_component(event)
    return _finish(calendar, feed)


def personal_calendar(
    *, name: str, enrolments: Iterable[Enrolment], absolute: Absolute, stamp: datetime
) -> bytes:
    """A person's feed: each session they are enrolled in (with its online link) or waiting for."""
    calendar = _new_calendar(name)
    feed = _Feed(absolute, stamp)
    waiting_format = _("%(summary)s (waiting list)")
    waiting_note = _("You are on the waiting list; you will be told if a place opens.")
    for enrolment in enrolments:
        session = enrolment.session
        summary = None
        extra = ""
        waiting = enrolment.status == EnrolmentStatus.WAITLISTED
        if waiting:
            summary = waiting_format % {"summary": _summary(feed, session)}
            extra = waiting_note
        event = _session_event(
            session,
            uid=session_uid(session.pk),
            feed=feed,
            # The link is for those with a place, as on the session's page.
            online=not waiting,
            summary=summary,
            extra=extra,
            # A place not yet given: shown as maybe (a cancelled session stays cancelled).
            status="TENTATIVE" if waiting else None,
        )
        calendar.add_component(event)
    return _finish(calendar, feed)
