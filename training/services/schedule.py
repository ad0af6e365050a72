"""Writes of the schedule: series of sessions, single sessions, and their edits.

A series' occurrences are rows (`Session`), written in bulk for the whole horizon. Each row keeps
the instant the rule gave it (`original_start`, iCalendar's RECURRENCE-ID). Editing a series
re-expands its rule and pairs the rows with the new instants by the local date the rule gave
them, so that a moved occurrence keeps its enrolments and a changed rule never shifts anyone onto
another date. What happened is never rewritten: occurrences that have started stay as they were,
and "all" then splits the series at the first occurrence not yet started, as "this and
following" does.

Lock order, everywhere: the series' row, then the session rows (by id). See `_lock`.

Permissions are the views' business; `by` is recorded in the history only.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from leadership.models import Language, Person

from .. import recurrence
from ..models import (
    MAX_CAPACITY,
    MAX_SESSION_MINUTES,
    Enrolment,
    EnrolmentStatus,
    Session,
    SessionSeries,
    SessionStatus,
    Stage,
    TrainingProgramme,
)
from ..recurrence import RuleError
from .base import TrainingError
from .enrolment import session_fill_from_waiting_list

LIVE = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)


class EditMode(models.TextChoices):
    THIS = "this", gettext_lazy("This session")
    FOLLOWING = "following", gettext_lazy("This and the following sessions")
    ALL = "all", gettext_lazy("All sessions not yet started")


@dataclass(frozen=True)
class SeriesChanges:
    """What an edit changes; None leaves a value as it is. `rrule` carries the rule's end (UNTIL
    or COUNT); without one, the series ends at the programme's last day. `day` moves a single
    session ("this" only)."""

    start_time: time | None = None
    duration_minutes: int | None = None
    time_zone: str | None = None
    rrule: str | None = None
    capacity: int | None = None
    place: str | None = None
    online_url: str | None = None
    language: Language | None = None
    facilitators: Sequence[Person] | None = None
    title: str | None = None
    day: date | None = None

    @property
    def moves(self) -> bool:
        return any(
            value is not None
            for value in (self.start_time, self.duration_minutes, self.time_zone, self.day)
        )


# Checks


def _day(value: date) -> str:
    return date_format(value, "j M Y")


def _check_capacity(capacity: int) -> None:
    if not 1 <= capacity <= MAX_CAPACITY:
        raise TrainingError(
            _("A session has from 1 to %(max)s places.") % {"max": f"{MAX_CAPACITY:,}"}
        )


def _check_duration(minutes: int) -> None:
    if not 1 <= minutes <= MAX_SESSION_MINUTES:
        raise TrainingError(
            _("A session lasts from 1 minute to %(hours)s hours.")
            % {"hours": MAX_SESSION_MINUTES // 60}
        )


def _check_seats(rows: Iterable[Session], capacity: int) -> None:
    for row in rows:
        if row.seats_taken > capacity:
            raise TrainingError(
                _(
                    "%(n)s people are enrolled in the session of %(day)s: its places cannot go "
                    "below that."
                )
                % {"n": row.seats_taken, "day": _day(row.local_start.date())}
            )


def _check_not_started(row: Session, now: datetime) -> None:
    if row.starts_at <= now:
        raise TrainingError(
            _("The session of %(day)s has started or is over: it is kept as it happened.")
            % {"day": _day(row.local_start.date())}
        )


def _zone_name(time_zone: "str | ZoneInfo") -> str:
    try:
        return str(recurrence.zone(time_zone))
    except RuleError as error:
        raise TrainingError(str(error)) from error


def _check_within(programme: TrainingProgramme, day: date) -> None:
    if not programme.starts_on <= day <= programme.ends_on:
        raise TrainingError(
            _("The programme's sessions take place from %(first)s to %(last)s.")
            % {"first": _day(programme.starts_on), "last": _day(programme.ends_on)}
        )


def _history_user(by: Person | None) -> Any:
    return by.user if by is not None else None


def _save(row: models.Model, by: Person | None, fields: list[str]) -> None:
    # simple_history reads the author of a single save from the instance.
    row._history_user = _history_user(by)  # type: ignore[attr-defined]
    row.save(update_fields=fields)


# Locks


# Attempts at locking a session with its series before giving up: each retry follows a
# concurrent split that moved the row into a newer series, and there is only ever one or two.
LOCK_ATTEMPTS = 3


def _lock(pk: int) -> tuple[SessionSeries | None, Session]:
    """Lock a session's series, then the session's row: the one lock order of every writer here.

    A series edit locks the series and then all its rows (by pk); a writer that locked a row first
    and then its series would wait for the edit while the edit waits for its row. The series id
    is read without a lock, so the row may have moved to another series (a split) by the time
    the series is locked: then it is read again. of=("self",): the stage and the programme are
    read, not locked."""
    for _attempt in range(LOCK_ATTEMPTS):
        series_id = Session.objects.filter(pk=pk).values_list("series_id", flat=True).get()
        series = (
            SessionSeries.objects.select_for_update().filter(pk=series_id).first()
            if series_id is not None
            else None
        )
        row = (
            Session.objects.select_for_update(of=("self",))
            .select_related("stage__programme")
            .get(pk=pk)
        )
        if row.series_id == (series.pk if series is not None else None):
            return series, row
    raise TrainingError(_("This series was changed at the same moment: please try again."))


def _lock_rows(series: SessionSeries) -> list[Session]:
    """Lock every row of the (locked) series in the order of their ids, the order every writer
    locks several rows in; returned in the order of their original starts."""
    rows = list(
        Session.objects.select_for_update(of=("self",)).filter(series=series).order_by("pk")
    )
    rows.sort(key=lambda r: (r.original_start, r.pk))
    return rows


# Writing rows


def _new_rows(
    series: SessionSeries, starts: Iterable[datetime], by: Person | None
) -> list[Session]:
    rows = [
        Session(
            stage_id=series.stage_id,
            series=series,
            original_start=start,
            title=series.title,
            starts_at=start,
            ends_at=start + series.duration,
            time_zone=str(series.time_zone),
            online_url=series.online_url,
            place=series.place,
            capacity=series.capacity,
            language=series.language,
        )
        for start in starts
    ]
    if not rows:
        return []
    # One INSERT for the rows and one for their history (Postgres returns the ids).
    return bulk_create_with_history(rows, Session, default_user=_history_user(by))


def _facilitate(rows: Sequence[Session], people: Sequence[Person]) -> None:
    """Give `rows` exactly `people` as facilitators: one DELETE and one INSERT whatever the size."""
    through = Session.facilitators.through
    through.objects.filter(session__in=[row.pk for row in rows]).delete()
    through.objects.bulk_create(
        [through(session_id=row.pk, person_id=person.pk) for row in rows for person in people]
    )


def _live_sessions(rows: Sequence[Session]) -> set[int]:
    return set(
        Enrolment.objects.filter(session__in=[row.pk for row in rows], status__in=LIVE)
        .values_list("session_id", flat=True)
        .distinct()
    )


def _remove(rows: Sequence[Session], by: Person | None) -> None:
    """Cancel the rows people are enrolled in (kept, standing alone, so they can be told); delete
    the others."""
    if not rows:
        return
    live = _live_sessions(rows)
    kept = [row for row in rows if row.pk in live]
    for row in kept:
        row.status = SessionStatus.CANCELLED
        row.series = None
        row.sequence += 1
    if kept:
        bulk_update_with_history(
            kept, Session, ["status", "series", "sequence"], default_user=_history_user(by)
        )
    gone = [row.pk for row in rows if row.pk not in live]
    if gone:
        # One collector pass; simple_history still records each deletion (post_delete), with
        # the author from the request.
        Session.objects.filter(pk__in=gone).delete()


def _fill_waiting_lists(rows: Sequence[Session], now: datetime) -> None:
    """Move the waiting lists of `rows` (locked, their capacity just raised) up into the new
    places; one query to find the rows with a waiting list, then one call each."""
    if not rows:
        return
    waiting = set(
        Enrolment.objects.filter(
            session__in=[row.pk for row in rows], status=EnrolmentStatus.WAITLISTED
        ).values_list("session_id", flat=True)
    )
    for row in rows:
        if row.pk in waiting:
            session_fill_from_waiting_list(session=row, now=now)


def _schedule(
    *,
    rrule: str,
    first_date: date,
    start_time: time,
    time_zone: str,
    exdates: Iterable[date | str],
    programme: TrainingProgramme,
) -> tuple[recurrence.Normalised, list[datetime]]:
    try:
        normalised = recurrence.normalise(
            rrule=rrule,
            first_date=first_date,
            start_time=start_time,
            time_zone=time_zone,
            horizon_end=programme.ends_on,
        )
        starts = recurrence.expand(
            rrule=normalised.rrule,
            first_date=normalised.first_date,
            start_time=start_time,
            time_zone=time_zone,
            exdates=exdates,
            horizon_end=programme.ends_on,
            refuse_beyond_horizon=True,
        )
    except RuleError as error:
        raise TrainingError(str(error)) from error
    return normalised, starts


def _iso_dates(days: Iterable[date | str]) -> list[str]:
    return sorted({day if isinstance(day, str) else day.isoformat() for day in days})


# Services


def series_create(
    *,
    stage: Stage,
    by: Person | None,
    rrule: str,
    first_date: date,
    start_time: time,
    duration_minutes: int,
    time_zone: "str | ZoneInfo",
    capacity: int,
    exdates: Iterable[date | str] = (),
    language: Language | None = None,
    online_url: str = "",
    place: str = "",
    facilitators: Iterable[Person] = (),
    title: str = "",
) -> SessionSeries:
    """Create a series and all its sessions up to the programme's last day, in a constant number
    of queries; TrainingError for a bad rule, a rule past the horizon, bad places or length."""
    _check_capacity(capacity)
    _check_duration(duration_minutes)
    zone_name = _zone_name(time_zone)
    people = list(facilitators)
    with transaction.atomic():
        programme = TrainingProgramme.objects.get(pk=stage.programme_id)
        _check_within(programme, first_date)
        skipped = _iso_dates(exdates)
        normalised, starts = _schedule(
            rrule=rrule,
            first_date=first_date,
            start_time=start_time,
            time_zone=zone_name,
            exdates=skipped,
            programme=programme,
        )
        series = SessionSeries.objects.create(
            stage=stage,
            title=title,
            rrule=normalised.rrule,
            first_date=normalised.first_date,
            start_time=start_time,
            duration_minutes=duration_minutes,
            time_zone=zone_name,
            exdates=skipped,
            capacity=capacity,
            language=language,
            online_url=online_url,
            place=place,
        )
        through = SessionSeries.facilitators.through
        through.objects.bulk_create(
            [through(sessionseries_id=series.pk, person_id=person.pk) for person in people]
        )
        rows = _new_rows(series, starts, by)
        _facilitate_new(rows, people)
    return series


def _facilitate_new(rows: Sequence[Session], people: Sequence[Person]) -> None:
    through = Session.facilitators.through
    through.objects.bulk_create(
        [through(session_id=row.pk, person_id=person.pk) for row in rows for person in people]
    )


def session_create(
    *,
    stage: Stage,
    by: Person | None,
    duration_minutes: int,
    capacity: int,
    time_zone: "str | ZoneInfo",
    starts_at: datetime | None = None,
    day: date | None = None,
    start_time: time | None = None,
    language: Language | None = None,
    online_url: str = "",
    place: str = "",
    facilitators: Iterable[Person] = (),
    title: str = "",
) -> Session:
    """Create a single session (no series) at the aware `starts_at` or at `day` + `start_time` in
    `time_zone`; TrainingError outside the programme's dates or with bad places or length."""
    _check_capacity(capacity)
    _check_duration(duration_minutes)
    zone_name = _zone_name(time_zone)
    tz = ZoneInfo(zone_name)
    if starts_at is None:
        if day is None or start_time is None:
            raise TrainingError(_("Choose the day and the time the session starts."))
        starts_at = recurrence.localise(day, start_time, tz)
    elif timezone.is_naive(starts_at):
        raise TrainingError(_("A session's start needs its time zone."))
    with transaction.atomic():
        programme = TrainingProgramme.objects.get(pk=stage.programme_id)
        _check_within(programme, starts_at.astimezone(tz).date())
        row = Session(
            stage=stage,
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=duration_minutes),
            time_zone=zone_name,
            online_url=online_url,
            place=place,
            capacity=capacity,
            language=language,
        )
        row._history_user = _history_user(by)  # type: ignore[attr-defined]
        row.save()
        _facilitate_new([row], list(facilitators))
    return row


def series_edit(
    *, session: Session, mode: EditMode | str, by: Person | None, changes: SeriesChanges
) -> SessionSeries | None:
    """Edit this session alone, this and the following, or all not yet started (see the module
    docstring); returns the series now holding the edited sessions (None for a single session).
    TrainingError for a started session, a bad rule, places below those taken: nothing changes."""
    mode = EditMode(mode)
    with transaction.atomic():
        series, row = _lock(session.pk)
        now = timezone.now()
        if mode == EditMode.THIS or series is None:
            if mode != EditMode.THIS:
                raise TrainingError(_("This session is not part of a series: edit it alone."))
            _edit_one(row, by, changes, now)
            return series
        return _edit_series(series, row, mode, by, changes, now)


def _edit_one(row: Session, by: Person | None, changes: SeriesChanges, now: datetime) -> None:
    _check_not_started(row, now)
    if changes.rrule is not None:
        raise TrainingError(
            _("A repetition rule belongs to the series: edit this and the following, or all.")
        )
    fields = ["sequence"]
    if changes.moves:
        zone_name = _zone_name(changes.time_zone or str(row.time_zone))
        local = row.local_start
        minutes = (
            changes.duration_minutes
            if changes.duration_minutes is not None
            else int((row.ends_at - row.starts_at).total_seconds() // 60)
        )
        _check_duration(minutes)
        day = changes.day or local.date()
        clock = changes.start_time if changes.start_time is not None else local.time()
        start = recurrence.localise(day, clock, ZoneInfo(zone_name))
        if start <= now:
            raise TrainingError(_("A session cannot be moved into the past."))
        _check_within(row.stage.programme, day)
        row.starts_at, row.ends_at = start, start + timedelta(minutes=minutes)
        row.time_zone = zone_name
        fields += ["starts_at", "ends_at", "time_zone"]
    raised = changes.capacity is not None and changes.capacity > row.capacity
    if changes.capacity is not None:
        _check_capacity(changes.capacity)
        _check_seats([row], changes.capacity)
        row.capacity = changes.capacity
        fields.append("capacity")
    for name in ("place", "online_url", "title"):
        if getattr(changes, name) is not None:
            setattr(row, name, getattr(changes, name))
            fields.append(name)
    if changes.language is not None:
        row.language = changes.language
        fields.append("language")
    if row.series_id is not None:
        # An override of one occurrence: later edits of the series leave its time and place.
        row.detached = True
        fields.append("detached")
    row.sequence += 1
    _save(row, by, fields)
    if changes.facilitators is not None:
        _facilitate([row], list(changes.facilitators))
    if raised:
        _fill_waiting_lists([row], now)


def _carried_rule(
    series: SessionSeries,
    pivot: datetime,
    changes: SeriesChanges,
    programme: TrainingProgramme,
) -> str:
    """The series' rule for the occurrences from `pivot` on: the same end (the remaining COUNT,
    or UNTIL as the same local day when the time or zone changes)."""
    rule = recurrence.parse(series.rrule)
    if rule.count is not None:
        starts = recurrence.expand(
            rrule=rule,
            first_date=series.first_date,
            start_time=series.start_time,
            time_zone=str(series.time_zone),
            horizon_end=programme.ends_on,
        )
        return recurrence.with_end(rule, count=sum(1 for start in starts if start >= pivot))
    if changes.start_time is not None or changes.time_zone is not None:
        return recurrence.with_end(rule, end_date=recurrence.end_date(rule, str(series.time_zone)))
    return str(rule)


def _edit_series(
    series: SessionSeries,
    row: Session,
    mode: EditMode,
    by: Person | None,
    changes: SeriesChanges,
    now: datetime,
) -> SessionSeries:
    if changes.day is not None:
        raise TrainingError(
            _("Only a single session moves to another day; change the rule to move the series.")
        )
    programme = row.stage.programme
    rows = _lock_rows(series)
    if mode == EditMode.FOLLOWING:
        _check_not_started(row, now)
        pivot = row.original_start
    else:
        open_rows = [r for r in rows if r.starts_at > now and r.original_start > now]  # type: ignore[operator]
        if not open_rows:
            raise TrainingError(
                _("Every session of this series has started: nothing is left to change.")
            )
        pivot = open_rows[0].original_start
    assert pivot is not None
    earlier = [r for r in rows if r.original_start < pivot]  # type: ignore[operator]
    # What happened is never rewritten: an occurrence from here on that was moved on its own to
    # an earlier time and has taken place is history. It leaves the series (standing alone, as
    # the feeds show it) and its date gets no second session.
    past = [r for r in rows if r.original_start >= pivot and r.starts_at <= now]  # type: ignore[operator]
    later = [r for r in rows if r.original_start >= pivot and r.starts_at > now]  # type: ignore[operator]

    old_zone = ZoneInfo(str(series.time_zone))
    zone_name = _zone_name(changes.time_zone or str(series.time_zone))
    start_time = changes.start_time if changes.start_time is not None else series.start_time
    minutes = (
        changes.duration_minutes
        if changes.duration_minutes is not None
        else series.duration_minutes
    )
    _check_duration(minutes)
    capacity = changes.capacity if changes.capacity is not None else series.capacity
    _check_capacity(capacity)
    # Rows edited on their own keep their places unless the edit names new ones.
    _check_seats([r for r in later if changes.capacity is not None or not r.detached], capacity)
    start_day = pivot.astimezone(old_zone).date()
    exdates_after = [day for day in series.exdates if day >= start_day.isoformat()]
    try:
        rule = changes.rrule or _carried_rule(series, pivot, changes, programme)
    except RuleError as error:  # a stored rule that no longer reads: say so, change nothing
        raise TrainingError(str(error)) from error
    normalised, starts = _schedule(
        rrule=rule,
        first_date=start_day,
        start_time=start_time,
        time_zone=zone_name,
        exdates=exdates_after,
        programme=programme,
    )
    if any(start <= now for start in starts):
        raise TrainingError(_("A session cannot be moved into the past."))
    new_zone = ZoneInfo(zone_name)
    held = {_original_day(r, old_zone) for r in past}
    consumed = {start.astimezone(new_zone).date() for start in starts} & held
    if consumed:
        # The occurrence of that date has taken place (earlier): an exception of the new rule,
        # so that a calendar's expansion and the rows agree.
        exdates_after = _iso_dates([*exdates_after, *consumed])
        starts = [start for start in starts if start.astimezone(new_zone).date() not in consumed]
    facilitators = (
        list(changes.facilitators)
        if changes.facilitators is not None
        else list(series.facilitators.all())
    )
    values = {
        "rrule": normalised.rrule,
        "first_date": normalised.first_date,
        "start_time": start_time,
        "duration_minutes": minutes,
        "time_zone": zone_name,
        "exdates": exdates_after,
        "capacity": capacity,
        "place": changes.place if changes.place is not None else series.place,
        "online_url": changes.online_url if changes.online_url is not None else series.online_url,
        "title": changes.title if changes.title is not None else series.title,
        "language": changes.language if changes.language is not None else series.language,
    }
    if earlier:
        # Split: the old series ends just before this occurrence (UNTIL in UTC) and keeps the
        # sessions that happened or stay; a new series holds the rest.
        series.rrule = recurrence.end_before(series.rrule, pivot)
        series.exdates = [day for day in series.exdates if day < start_day.isoformat()]
        series.sequence += 1
        series.save(update_fields=["rrule", "exdates", "sequence"])
        target = SessionSeries.objects.create(stage_id=series.stage_id, **values)
        through = SessionSeries.facilitators.through
        through.objects.bulk_create(
            [through(sessionseries_id=target.pk, person_id=person.pk) for person in facilitators]
        )
    else:
        # Nothing of the series is kept before this occurrence: it is edited in place, and its
        # first date becomes this occurrence's.
        for name, value in values.items():
            setattr(series, name, value)
        series.sequence += 1
        series.save(update_fields=[*values, "sequence"])
        if changes.facilitators is not None:
            series.facilitators.set(facilitators)
        target = series
    if past:
        for r in past:
            r.series = None
        bulk_update_with_history(past, Session, ["series"], default_user=_history_user(by))
    _resync(target, later, starts, by, changes, facilitators, now, old_zone)
    return target


def _original_day(row: Session, zone: ZoneInfo) -> date:
    """The local date the series' rule gave the row (in the series' zone before the edit)."""
    assert row.original_start is not None
    return row.original_start.astimezone(zone).date()


def _resync(
    series: SessionSeries,
    rows: list[Session],
    starts: list[datetime],
    by: Person | None,
    changes: SeriesChanges,
    facilitators: list[Person],
    now: datetime,
    old_zone: ZoneInfo,
) -> None:
    """Pair `rows` with `starts` by the local date of their occurrence: a row whose date the new
    rule still gives takes that date's start (at the new time, if it changed); the rows whose
    date is gone are removed; the dates left over get new rows.

    A change of time, length or zone alone gives the same dates, so every row keeps its own
    occurrence, one to one in order. A change of the rule's days, interval or end keeps each
    enrolment on the date the person chose, never shifting it onto another one."""
    new_zone = ZoneInfo(str(series.time_zone))
    start_of = {start.astimezone(new_zone).date(): start for start in starts}
    paired: list[tuple[Session, datetime]] = []
    gone: list[Session] = []
    for row in rows:
        start = start_of.pop(_original_day(row, old_zone), None)
        if start is None:
            gone.append(row)
        else:
            paired.append((row, start))
    # The rows removed go first: they would otherwise hold instants the paired rows take.
    _remove(gone, by)
    if paired:
        # The unique (series, original_start) index is checked row by row during an UPDATE:
        # clear the old instants first so that shifting rows into each other's slots works.
        Session.objects.filter(pk__in=[r.pk for r, _start in paired]).update(original_start=None)
    capacity_before = {row.pk: row.capacity for row, _start in paired}
    for row, start in paired:
        row.series = series
        row.original_start = start
        if not row.detached:
            before = (row.starts_at, row.ends_at, str(row.time_zone), row.place, row.online_url)
            row.starts_at, row.ends_at = start, start + series.duration
            row.time_zone = str(series.time_zone)
            row.place, row.online_url = series.place, series.online_url
            after = (row.starts_at, row.ends_at, str(row.time_zone), row.place, row.online_url)
            moved = before != after or row.title != series.title
            row.title = series.title
            row.capacity = series.capacity
            row.language = series.language
            if moved:
                row.sequence += 1
        else:
            # An occurrence edited on its own keeps its time and place; what the edit names
            # explicitly still reaches it.
            if changes.capacity is not None:
                row.capacity = changes.capacity
            if changes.language is not None:
                row.language = changes.language
            if changes.title is not None and row.title != changes.title:
                row.title = changes.title
                row.sequence += 1
    if paired:
        bulk_update_with_history(
            [row for row, _start in paired],
            Session,
            [
                "series",
                "original_start",
                "starts_at",
                "ends_at",
                "time_zone",
                "place",
                "online_url",
                "title",
                "capacity",
                "language",
                "sequence",
            ],
            default_user=_history_user(by),
        )
        if changes.facilitators is not None:
            _facilitate([row for row, _start in paired], facilitators)
    created = _new_rows(series, list(start_of.values()), by)
    _facilitate_new(created, facilitators)
    _fill_waiting_lists(
        [row for row, _start in paired if row.capacity > capacity_before[row.pk]], now
    )


def session_skip(*, session: Session, by: Person | None) -> None:
    """Skip one occurrence of a series: its date becomes an exception of the series; the row is
    cancelled if people are enrolled, deleted otherwise. TrainingError if it has started."""
    with transaction.atomic():
        series, row = _lock(session.pk)
        if series is None or row.original_start is None:
            raise TrainingError(_("Only a session of a series can be skipped: cancel it instead."))
        _check_not_started(row, timezone.now())
        day = row.original_start.astimezone(ZoneInfo(str(series.time_zone))).date()
        series.exdates = _iso_dates([*series.exdates, day])
        series.sequence += 1
        series.save(update_fields=["exdates", "sequence"])
        _remove([row], by)


def session_cancel(*, session: Session, by: Person | None) -> Session:
    """Cancel one session (kept, with its enrolments, so people can be told); TrainingError if it
    has started or is already cancelled."""
    with transaction.atomic():
        _series, row = _lock(session.pk)
        _check_not_started(row, timezone.now())
        if row.status == SessionStatus.CANCELLED:
            raise TrainingError(_("This session is already cancelled."))
        row.status = SessionStatus.CANCELLED
        row.sequence += 1
        _save(row, by, ["status", "sequence"])
    return row


def session_restore(*, session: Session, by: Person | None) -> Session:
    """Bring back a cancelled session, its free places going to those waiting, in order;
    TrainingError if it is not cancelled or has started."""
    with transaction.atomic():
        _series, row = _lock(session.pk)
        now = timezone.now()
        _check_not_started(row, now)
        if row.status != SessionStatus.CANCELLED:
            raise TrainingError(_("This session is not cancelled."))
        row.status = SessionStatus.SCHEDULED
        row.sequence += 1
        _save(row, by, ["status", "sequence"])
        # Places freed while it was cancelled (nobody is promoted into a cancelled session) are
        # the waiting list's before anyone new can enrol.
        session_fill_from_waiting_list(session=row, now=now)
    return row
