"""Reminders of training, sent by the reminders app's sweep (reminders/registry.py explains a kind).

- `session_soon`: 7 days and 1 day before a session, to each person enrolled (the object is the
  enrolment, so that a cancelled enrolment or a cancelled session stops it, and a moved
  session re-arms it). Someone who enrolled after a reminder's day does not get it late.
- `session_promoted`: the day someone is moved up from the waiting list, to them, while they
  are still enrolled (enrolment_cancel enqueues the sweep on commit: it goes out in seconds).
- `attendance_due`: two days after a session's start, to its facilitators, while its attendance
  is not marked, it is not cancelled and someone is enrolled.
- `session_cancelled`: the day a session with people enrolled is cancelled, to them. The model
  has no cancellation date: it is read from the session's history (django-simple-history), as
  the instant of the last change from scheduled to cancelled. A cancellation written without a
  history record (QuerySet.update) is therefore not seen.

Days are the sweep's days: UTC days (reminders.selectors.reminder_today). A session's date here
is the UTC date of its start, which for an evening session in the Americas is the next local
day; the email counts the days left on the recipient's own calendar when it is sent, and gives
the time in the recipient's zone and in the session's own.
"""

from collections.abc import Collection, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import ngettext

from leadership.models import Person
from reminders.registry import Due, ReminderKind, Upcoming, pk_chunks, register
from reminders.registry import utc_day as _utc_day

from .models import Enrolment, EnrolmentStatus, Session, SessionStatus

SOON_OFFSETS = (-7, -1)
ATTENDANCE_AFTER = 2
# Rows read per query when finding due reminders: memory stays flat however many sessions fall
# on one day, in few round trips (as plans/reminders.py).
CHUNK_SIZE = 2000
# An enrolment cancelled this shortly before its session was cancelled went with the session.
WITH_SESSION = timedelta(minutes=1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _when(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{date_format(local, 'DATETIME_FORMAT')} ({zone})"


def _session_context(session: Session, recipient: Person, kind: str) -> dict[str, Any]:
    """What every training email says of a session: its times here and there, and its place."""
    own_zone = str(session.time_zone)
    recipient_zone = str(recipient.time_zone)
    here = session.starts_at.astimezone(ZoneInfo(recipient_zone))
    there = session.starts_at.astimezone(ZoneInfo(own_zone))
    return {
        "kind": kind,
        "session": session,
        "session_title": session.display_title,
        "stage": session.stage,
        "programme": session.stage.programme,
        "starts_here": _when(session.starts_at, recipient_zone),
        # Beside it only when the clocks differ (a Berliner in Paris needs no second time).
        "starts_there": _when(session.starts_at, own_zone)
        if here.utcoffset() != there.utcoffset()
        else "",
        "place": session.place,
        "online_url": session.online_url,
    }


def _session_link(session: Session) -> str:
    return session.get_absolute_url()


# session_soon


def _soon_find_due(start: date, end: date, today: date) -> Iterator[Due]:
    """Enrolments in sessions starting 1 to 7 days after a day of [start, end]: a query a chunk."""
    rows = (
        Enrolment.objects.filter(
            status=EnrolmentStatus.ENROLLED,
            session__status=SessionStatus.SCHEDULED,
            # Only before the session's day: a reminder caught up late (beat was down) is still
            # useful until then, and says how many days are really left (_soon_context).
            session__starts_at__gte=_midnight(max(start, today) + timedelta(days=1)),
            session__starts_at__lt=_midnight(end + timedelta(days=8)),
        )
        .order_by("pk")
        .values_list("pk", "session__starts_at", "person_id", "enrolled_at")
    )
    for chunk in pk_chunks(rows, CHUNK_SIZE):
        for pk, starts_at, person_id, enrolled_at in chunk:
            reference = _utc_day(starts_at)
            for offset in SOON_OFFSETS:
                due_on = reference + timedelta(days=offset)
                # enrolled_at: who enrols five days before hears "tomorrow", not "in a week".
                if start <= due_on <= end and _utc_day(enrolled_at) <= due_on:
                    yield Due(pk, reference, offset, person_id)


def _load_enrolments(ids: Collection[int], today: date) -> dict[int, Enrolment]:
    rows = Enrolment.objects.filter(pk__in=ids).select_related("session__stage__programme")
    found = {e.pk: e for e in rows}
    for enrolment in found.values():
        # The sweep's day, for _soon_watched: the registry's watched_date is not given it.
        enrolment.reminder_today = today  # type: ignore[attr-defined]
    return found


def _soon_watched(enrolment: Any, offset_days: int) -> date | None:
    if enrolment.status != EnrolmentStatus.ENROLLED or enrolment.session.is_cancelled:
        return None
    reference = _utc_day(enrolment.session.starts_at)
    # On the session's day or after, "tomorrow" or "in 7 days" would be wrong: not sent.
    today = getattr(enrolment, "reminder_today", None)
    if today is not None and reference <= today:
        return None
    return reference


def _soon_context(
    enrolment: Enrolment, recipient: Person, offset_days: int, today: date
) -> dict[str, Any]:
    # The days really left, as the recipient's calendar counts them when the email goes out: the
    # sweep's days are UTC days, and a Monday-morning session in Tokyo is on Sunday in UTC, so
    # "tomorrow" sent on the UTC Saturday would be wrong there. A reminder caught up late says
    # so too (7 days before, sent 2 days late).
    zone = ZoneInfo(str(recipient.time_zone))
    days = (
        enrolment.session.starts_at.astimezone(zone).date()
        - timezone.localdate(timezone.now(), zone)
    ).days
    return {
        **_session_context(enrolment.session, recipient, "soon"),
        "days": days,
        "tomorrow": days == 1,
        "today": days <= 0,
    }


def _soon_upcoming(person: Person, today: date) -> Iterator[Upcoming]:
    """The reminders `person` will get before their sessions, after `today`: one query."""
    enrolments = Enrolment.objects.filter(
        person=person,
        status=EnrolmentStatus.ENROLLED,
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__gte=_midnight(today + timedelta(days=2)),
    ).select_related("session__stage__programme")
    for enrolment in enrolments:
        session = enrolment.session
        reference = _utc_day(session.starts_at)
        for offset in SOON_OFFSETS:
            due_on = reference + timedelta(days=offset)
            if due_on <= today:
                continue
            yield Upcoming(
                due_on=due_on,
                offset_days=offset,
                reference_date=reference,
                subject=f"{session.display_title}, {session.stage.programme.title}",
                description=ngettext(
                    "%(days)s day before the session", "%(days)s days before the session", -offset
                )
                % {"days": -offset},
                link=session.get_absolute_url(),
            )


SESSION_SOON = register(
    ReminderKind(
        key="session_soon",
        model=Enrolment,
        offsets=SOON_OFFSETS,
        find_due=_soon_find_due,
        load=_load_enrolments,
        watched_date=_soon_watched,
        context=_soon_context,
        link=lambda enrolment: _session_link(enrolment.session),
        template="training_session",
        upcoming=_soon_upcoming,
    )
)


# session_promoted


def _promoted_find_due(start: date, end: date, today: date) -> Iterator[Due]:
    rows = (
        Enrolment.objects.filter(
            status=EnrolmentStatus.ENROLLED,
            session__status=SessionStatus.SCHEDULED,
            promoted_at__gte=_midnight(start),
            promoted_at__lt=_midnight(end + timedelta(days=1)),
        )
        .order_by("pk")
        .values_list("pk", "promoted_at", "person_id")
    )
    for chunk in pk_chunks(rows, CHUNK_SIZE):
        for pk, promoted_at, person_id in chunk:
            yield Due(pk, _utc_day(promoted_at), 0, person_id)


def _promoted_watched(enrolment: Any, offset_days: int) -> date | None:
    if (
        enrolment.status != EnrolmentStatus.ENROLLED
        or enrolment.promoted_at is None
        or enrolment.session.is_cancelled
    ):
        return None
    return _utc_day(enrolment.promoted_at)


SESSION_PROMOTED = register(
    ReminderKind(
        key="session_promoted",
        model=Enrolment,
        offsets=(0,),
        find_due=_promoted_find_due,
        load=_load_enrolments,
        watched_date=_promoted_watched,
        context=lambda enrolment, recipient, offset_days, today: _session_context(
            enrolment.session, recipient, "promoted"
        ),
        link=lambda enrolment: _session_link(enrolment.session),
        template="training_session",
    )
)


# attendance_due


def _attendance_find_due(start: date, end: date, today: date) -> Iterator[Due]:
    """Sessions two days before a day of [start, end], unmarked: two queries a chunk."""
    sessions = (
        Session.objects.filter(
            status=SessionStatus.SCHEDULED,
            attendance_marked_at__isnull=True,
            seats_taken__gt=0,
            starts_at__gte=_midnight(start - timedelta(days=ATTENDANCE_AFTER)),
            starts_at__lt=_midnight(end - timedelta(days=ATTENDANCE_AFTER - 1)),
        )
        .order_by("pk")
        .values_list("pk", "starts_at")
    )
    through = Session.facilitators.through
    for chunk in pk_chunks(sessions, CHUNK_SIZE):
        facilitators: dict[int, list[int]] = {}
        for session_id, person_id in (
            through.objects.filter(session_id__in=[pk for pk, _s in chunk])
            .order_by("session_id", "person_id")
            .values_list("session_id", "person_id")
        ):
            facilitators.setdefault(session_id, []).append(person_id)
        for pk, starts_at in chunk:
            for person_id in facilitators.get(pk, []):
                yield Due(pk, _utc_day(starts_at), ATTENDANCE_AFTER, person_id)


def _load_sessions(ids: Collection[int], today: date) -> dict[int, Session]:
    return {s.pk: s for s in Session.objects.filter(pk__in=ids).select_related("stage__programme")}


def _attendance_watched(session: Any, offset_days: int) -> date | None:
    if session.is_cancelled or session.attendance_marked_at is not None or not session.seats_taken:
        return None
    return _utc_day(session.starts_at)


ATTENDANCE_DUE = register(
    ReminderKind(
        key="attendance_due",
        model=Session,
        offsets=(ATTENDANCE_AFTER,),
        find_due=_attendance_find_due,
        load=_load_sessions,
        watched_date=_attendance_watched,
        context=lambda session, recipient, offset_days, today: {
            **_session_context(session, recipient, "attendance"),
            "enrolled_count": session.seats_taken,
        },
        link=_session_link,
        template="training_session",
    )
)


# session_cancelled


def _cancellations(session_ids: Collection[int] | None, start: date, end: date) -> dict[int, Any]:
    """Session id: the instant it last went from scheduled to cancelled, if in [start, end]."""
    history = Session.history.model
    previous = (
        # By history_id, the order the records were written in: a clock that went back (a
        # test's time travel, a host's NTP step) does not reorder them.
        history.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("status")[:1]
    )
    rows = (
        history.objects.filter(
            status=SessionStatus.CANCELLED,
            history_date__gte=_midnight(start),
            history_date__lt=_midnight(end + timedelta(days=1)),
            # Cancelled still: a session cancelled and restored has nothing to announce.
            id__in=Session.objects.filter(status=SessionStatus.CANCELLED).values("pk"),
        )
        .annotate(previous_status=Subquery(previous))
        .filter(previous_status=SessionStatus.SCHEDULED)
        .order_by("id", "history_id")
        .values_list("id", "history_date")
    )
    if session_ids is not None:
        rows = rows.filter(id__in=list(session_ids))
    # In the order written: the last transition of each session wins.
    return dict(rows)


def _cancelled_recipients(cancelled: dict[int, datetime]) -> Iterator[tuple[int, int]]:
    """(session, person) for everyone enrolled or waiting when each session was cancelled."""
    rows = (
        Enrolment.objects.filter(session_id__in=list(cancelled))
        .order_by("session_id", "person_id")
        .values_list("session_id", "person_id", "status", "cancelled_at")
    )
    for session_id, person_id, status, cancelled_at in rows:
        # Live still, or cancelled with the session (or after it): they were in when it went.
        # WITH_SESSION: the schedule service may stamp the enrolments a moment before the
        # session's history record is written, in the same transaction.
        if status != EnrolmentStatus.CANCELLED or (
            cancelled_at is not None and cancelled_at >= cancelled[session_id] - WITH_SESSION
        ):
            yield session_id, person_id


def _cancelled_find_due(start: date, end: date, today: date) -> Iterator[Due]:
    cancelled = _cancellations(None, start, end)
    for session_id, person_id in _cancelled_recipients(cancelled):
        yield Due(session_id, _utc_day(cancelled[session_id]), 0, person_id)


def _cancelled_load(ids: Collection[int], today: date) -> dict[int, Session]:
    sessions = _load_sessions(ids, today)
    # Within the catch-up window, the day of the latest cancellation: one more query.
    when = _cancellations(list(sessions), today - timedelta(days=31), today)
    for pk, session in sessions.items():
        session.cancelled_at = when.get(pk)  # type: ignore[attr-defined]
    return sessions


def _cancelled_watched(session: Any, offset_days: int) -> date | None:
    if not session.is_cancelled or session.cancelled_at is None:
        return None
    return _utc_day(session.cancelled_at)


SESSION_CANCELLED = register(
    ReminderKind(
        key="session_cancelled",
        model=Session,
        offsets=(0,),
        find_due=_cancelled_find_due,
        load=_cancelled_load,
        watched_date=_cancelled_watched,
        context=lambda session, recipient, offset_days, today: _session_context(
            session, recipient, "cancelled"
        ),
        link=_session_link,
        template="training_session",
    )
)
