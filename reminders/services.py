"""The reminder sweep: find what is due, claim each reminder once in the send log, send it.

Celery beat runs the sweep every few minutes (config/celery.py); nothing is scheduled ahead on the
broker, so a reminder due in 90 days is just a date in the database until its day comes.

How "exactly once" holds:
- The claim is a unique row (kind, object, recipient, offset, watched date) in ReminderLog,
  inserted with ON CONFLICT DO NOTHING: however many sweeps find a reminder due, and however
  often, there is one row.
- A sweep leases open rows CLAIM_SIZE at a time, in one short transaction (SELECT ... FOR UPDATE
  SKIP LOCKED, then an UPDATE writing its token and `leased_until`): a concurrent sweep skips
  rows being claimed and does not match leased ones, so two sweeps never hold the same row. The
  row's state (pending, or failed with its attempts) is left as it was: the lease is beside it.
- Each message's outcome is written as soon as it is known, in its own autocommit UPDATE of its
  row (only while the row is still leased to this sweep), before the next message is sent. A
  worker killed mid-batch has recorded every message before the one in flight; the one in flight
  and the rest of its batch stay leased until the lease (LEASE, longer than a task may run) runs
  out, and a later sweep sends them. A sweep that stops for its budget, or on an error, hands the
  rows it did not come to back at once.
- The known limit, which no database can close for SMTP: if the worker dies after the mail
  server accepted a message and before its row is recorded, that one message goes out again.
  What the log guarantees is at most one *recorded* successful send per claim. Every send of a
  row carries the same Message-ID (reminder_message_id), so the resent message is the same
  message to mail servers and clients, which keep or show it once.

Catch-up: a reminder is still sent up to CATCH_UP after its day (beat was down over a weekend);
after that it is recorded as missed, never sent late. A failed send is retried by later sweeps,
at most MAX_ATTEMPTS times, RETRY_AFTER apart, while within the catch-up window; then it stays
failed, with its last error, for an admin to see.

Re-arm: the watched date is part of the claim. When it changes (a term extended), the reminders
for the new date are new rows that come due on their own days; a row still open for the old date
is recorded as missed when a sweep comes to send it.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from smtplib import SMTPException
from time import monotonic
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import registry
from .models import ReminderLog, ReminderState
from .registry import ReminderKind
from .selectors import reminder_today

logger = logging.getLogger(__name__)

# Due up to 3 days ago: still sent (a weekend's outage of beat or of the mail server).
CATCH_UP = timedelta(days=3)
# Due between CATCH_UP and this long ago and never claimed (beat was down for longer, or a term
# was entered after its reminder's day): recorded as missed, so that the log shows it.
MISSED_LOOKBACK = timedelta(days=30)
# Claim rows inserted per statement: large enough that 100,000 due reminders take a few hundred
# round trips, small enough that a batch's rows stay a few megabytes.
BATCH_SIZE = 500
# Rows leased per claim (one short transaction) and sent per mail connection: the claim's four
# round trips are spread over a hundred messages, and the rows a dead worker leaves leased,
# waiting for their lease to run out, are at most a hundred (half a minute of sending or so).
CLAIM_SIZE = 100
# How long a claimed row is held by its sweep: longer than a sweep holds a batch (it sends for
# at most half of this, then claims afresh) and than Celery's hard time limit (6 minutes), so
# no live sweep's row is taken over; short against CATCH_UP, so a dead sweep's rows go out the
# same day, a few sweeps later. The lease in force is settings.PATHWAYS_REMINDER_LEASE_SECONDS,
# this by default: the fault tests (tests/faults/) shorten it so as not to wait ten minutes for
# a killed worker's rows.
LEASE = timedelta(minutes=10)
# A failed send is tried again an hour later, up to five attempts in all (within CATCH_UP): a
# mail server's outage of a few hours is ridden out, a refused address is not retried for days.
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(hours=1)
# What a mail server or the network raises for a message that may go through later. Anything
# else (a template error) is a bug: it stops the sweep loudly and the row stays pending.
SEND_ERRORS = (SMTPException, OSError)
# How long the beat task sends before leaving the rest to the next sweep: under Celery's soft
# time limit (300 s), which would otherwise interrupt a message between the mail server's
# acceptance and the commit. About 40,000 reminders a run at the bench's pace.
TASK_BUDGET = timedelta(minutes=4)


@dataclass
class SweepResult:
    found: int = 0  # reminders due (new or already claimed) in the claim window
    sent: int = 0
    failed: int = 0
    missed: int = 0
    stopped_early: bool = False  # out of time: the rest is left open for the next sweep


def reminders_sweep(*, now: datetime | None = None, budget: timedelta | None = None) -> SweepResult:
    """Claim every reminder due by today (a UTC day), then send the open ones.

    Safe to run at any moment, any number of times, and concurrently. With a `budget`, stops
    sending once it is spent (between two messages) and leaves the rest open.
    """
    now = now or timezone.now()
    today = reminder_today(now)
    result = SweepResult()
    result.found = reminders_claim(today=today)
    result.missed += _expire_unsent(today=today, now=now)
    deadline = monotonic() + budget.total_seconds() if budget is not None else None
    _send_open(now=now, today=today, deadline=deadline, result=result)
    return result


def reminders_claim(*, today: date) -> int:
    """Insert the claim row of every reminder due on a day up to `today`, unless already there.

    Due within CATCH_UP: pending, to be sent. Due earlier (up to MISSED_LOOKBACK): missed.
    Returns the number of reminders found due, whether they were new or not.
    """
    found = 0
    for kind in registry.kinds():
        content_type = ContentType.objects.get_for_model(kind.model)
        batch: list[ReminderLog] = []
        for due in kind.find_due(today - MISSED_LOOKBACK, today, today):
            late = due.due_on < today - CATCH_UP
            batch.append(
                ReminderLog(
                    kind=kind.key,
                    content_type=content_type,
                    object_id=due.object_id,
                    recipient_id=due.recipient_id,
                    offset_days=due.offset_days,
                    reference_date=due.reference_date,
                    due_on=due.due_on,
                    state=ReminderState.MISSED if late else ReminderState.PENDING,
                    error=f"Found after the catch-up window ({CATCH_UP.days} days)."
                    if late
                    else "",
                )
            )
            if len(batch) == BATCH_SIZE:
                found += _insert(batch)
                batch = []
        found += _insert(batch)
    return found


def _insert(batch: list[ReminderLog]) -> int:
    # ignore_conflicts: a row that is there already is the same reminder, claimed before (by
    # this sweep's predecessor or a concurrent one): it keeps its state.
    ReminderLog.objects.bulk_create(batch, ignore_conflicts=True)
    return len(batch)


def _expire_unsent(*, today: date, now: datetime) -> int:
    """Record as missed what was claimed and not sent within the catch-up window."""
    # _unleased: a row a sweep is sending right now (it claimed it before midnight) is its own.
    return (
        ReminderLog.objects.filter(state=ReminderState.PENDING, due_on__lt=today - CATCH_UP)
        .filter(_unleased(now))
        .update(
            state=ReminderState.MISSED,
            error=f"Not sent within the catch-up window ({CATCH_UP.days} days).",
            leased_until=None,
        )
    )


def _sendable(now: datetime) -> Q:
    return Q(state=ReminderState.PENDING) | Q(
        state=ReminderState.FAILED,
        attempts__lt=MAX_ATTEMPTS,
        claimed_at__lte=now - RETRY_AFTER,
    )


def _lease() -> timedelta:
    """LEASE, as configured (settings.PATHWAYS_REMINDER_LEASE_SECONDS)."""
    return timedelta(seconds=settings.PATHWAYS_REMINDER_LEASE_SECONDS)


def _unleased(clock: datetime) -> Q:
    """Not held by a sweep: never leased, handed back, or its sweep died a LEASE ago."""
    return Q(leased_until__isnull=True) | Q(leased_until__lte=clock)


def _send_open(*, now: datetime, today: date, deadline: float | None, result: SweepResult) -> None:
    # This sweep's name on the rows it leases: its writes to a row apply only while the row is
    # still its own.
    token = secrets.token_hex(16)
    after = 0
    while not _out_of_time(deadline, result):
        batch = _claim(now=now, today=today, after=after, token=token)
        if not batch:
            return
        # Send only while the lease is surely ours, with room to spare for the message in flight.
        hold_until = monotonic() + _lease().total_seconds() / 2
        objects = _load_objects(batch, today)
        done = 0
        try:
            # One connection for the batch (SMTP: one login for up to CLAIM_SIZE messages). A
            # mail server that cannot be reached at all stops the sweep here: the rows are handed
            # back, in their state, for the next sweep, as it is no fault of theirs.
            with mail.mailers.default as mailer:
                for entry in batch:
                    if _out_of_time(deadline, result) or monotonic() >= hold_until:
                        break
                    kind = registry.get(entry.kind)
                    obj = objects.get((entry.kind, entry.object_id))
                    _send_one(entry, kind, obj, mailer, token=token, today=today, result=result)
                    done += 1
        except Exception:
            # A bug (a template error) or an unreachable mail server: the rows not come to are
            # open again at once. Not on a BaseException (the process is being torn down, as by
            # SIGKILL, where nothing runs at all): there the lease runs out instead.
            _release(batch[done:], token)
            raise
        _release(batch[done:], token)
        # Keyset: the rows behind are done by this sweep, or held by another (theirs to send).
        # Those handed back after half a lease are ahead: claimed again at once.
        after = batch[done - 1].pk if done else after


def _out_of_time(deadline: float | None, result: SweepResult) -> bool:
    if deadline is not None and monotonic() >= deadline:
        result.stopped_early = True
    return result.stopped_early


def _claim(*, now: datetime, today: date, after: int, token: str) -> list[ReminderLog]:
    """Lease the next CLAIM_SIZE open rows to this sweep, in one short transaction."""
    clock = timezone.now()
    with transaction.atomic():
        # skip_locked: two sweeps claiming at once take different rows; once this transaction
        # commits, the rows are leased and match no other sweep's claim until they are done.
        batch = list(
            ReminderLog.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                _sendable(now),
                _unleased(clock),
                pk__gt=after,
                due_on__gte=today - CATCH_UP,
                due_on__lte=today,
            )
            .select_related("recipient__user")
            .order_by("pk")[:CLAIM_SIZE]
        )
        if batch:
            ReminderLog.objects.filter(pk__in=[entry.pk for entry in batch]).update(
                claimed_by=token, leased_until=clock + _lease()
            )
    return batch


def _release(entries: list[ReminderLog], token: str) -> None:
    """Hand back leased rows this sweep did not come to: open again at once, in their state."""
    if entries:
        ReminderLog.objects.filter(pk__in=[entry.pk for entry in entries], claimed_by=token).update(
            leased_until=None
        )


def _load_objects(batch: list[ReminderLog], today: date) -> dict[tuple[str, int], Any]:
    """The batch's objects that still exist, one query (or a few) per kind."""
    ids: dict[str, set[int]] = {}
    for entry in batch:
        ids.setdefault(entry.kind, set()).add(entry.object_id)
    objects: dict[tuple[str, int], Any] = {}
    for key, object_ids in ids.items():
        kind = registry.get(key)
        if kind is not None:
            for pk, obj in kind.load(object_ids, today).items():
                objects[(key, pk)] = obj
    return objects


def _send_one(
    entry: ReminderLog,
    kind: ReminderKind | None,
    obj: Any,
    mailer: BaseEmailBackend,
    *,
    token: str,
    today: date,
    result: SweepResult,
) -> None:
    # Each outcome is one autocommit UPDATE of the row, made as soon as it is known: a worker
    # killed now leaves at most this one message sent and not recorded. claimed_by: only while
    # the row is still leased to this sweep.
    rows = ReminderLog.objects.filter(pk=entry.pk, claimed_by=token)
    reason = _why_not_send(entry, kind, obj)
    if reason:
        rows.update(state=ReminderState.MISSED, error=reason, leased_until=None)
        result.missed += 1
        return
    assert kind is not None
    message = _render(entry, kind, obj, today)
    try:
        mailer.send_messages([message])
    except SEND_ERRORS as error:
        logger.warning("Reminder %s not sent: %r", entry.pk, error)
        rows.update(
            state=ReminderState.FAILED,
            error=f"{type(error).__name__}: {error}",
            attempts=F("attempts") + 1,
            claimed_at=timezone.now(),
            leased_until=None,
        )
        result.failed += 1
        # The connection may be broken: the next message opens its own.
        mailer.close()
        return
    if not _record_sent(entry.pk, token):
        # Cannot happen while a batch is sent within half a LEASE (see _send_open).
        logger.error("Reminder %s was sent after its lease ran out.", entry.pk)
    result.sent += 1


# What QuerySet.update(state=SENT, error="", attempts=F("attempts") + 1, claimed_at=now,
# sent_at=now, leased_until=None) on the row leased to this sweep writes, as SQL: it runs once
# per message, and building the ORM query cost as much as running it (0.3 to 0.4 ms of a message's
# 4 ms or so at the bench). The other outcomes are rare and go through the ORM.
_RECORD_SENT = (
    "UPDATE reminders_reminderlog"
    " SET state = %s, error = '', attempts = attempts + 1, claimed_at = %s, sent_at = %s,"
    " leased_until = NULL WHERE id = %s AND claimed_by = %s"
)


def _record_sent(pk: int, token: str) -> bool:
    """Record the row as sent, in its own (autocommit) statement; False if no longer ours."""
    stamp = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_SENT, [ReminderState.SENT.value, stamp, stamp, pk, token])
        return cursor.rowcount == 1


def _why_not_send(entry: ReminderLog, kind: ReminderKind | None, obj: Any) -> str:
    """Why this reminder must not go out now (recorded as missed), or "" to send it."""
    if kind is None:
        return f"No reminder kind {entry.kind!r} is registered any more."
    if obj is None:
        return "Its object no longer exists."
    watched = kind.watched_date(obj, entry.offset_days)
    if watched is None:
        return "No longer applies (e.g. the term ended early or a successor took over)."
    if watched != entry.reference_date:
        return f"The watched date changed to {watched.isoformat()}; that date has its own entry."
    user = entry.recipient.user
    if not user.is_active or not user.email:
        return "The recipient has no active account with an email address."
    return ""


def _render(
    entry: ReminderLog, kind: ReminderKind, obj: Any, today: date
) -> EmailMultiAlternatives:
    """The email in the recipient's language: a plain-text and an HTML part, and a link back."""
    recipient = entry.recipient
    with translation.override(recipient.language_for_email):
        context = {
            **kind.context(obj, recipient, entry.offset_days, today),
            "recipient": recipient,
            "due_on": entry.due_on,
            "link": settings.PATHWAYS_BASE_URL + kind.link(obj),
        }
        base = f"reminders/email/{kind.template}"
        subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[recipient.user.email],
        headers={
            # RFC 3834: an automatic message, which vacation responders must not answer.
            "Auto-Submitted": "auto-generated",
            # The same for every send of this row: the one message a dead worker may send again
            # (the known limit above) arrives as the same message, which mail servers and
            # clients show once.
            "Message-ID": reminder_message_id(entry.pk),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def reminder_message_id(pk: int) -> str:
    """The Message-ID of the reminder in ReminderLog row `pk`: the same on every send of it."""
    domain = urlsplit(settings.PATHWAYS_BASE_URL).hostname or "localhost"
    return f"<reminder-{pk}@{domain}>"
