"""The reminder sweep: find what is due, claim each reminder once in the send log, send it.

Celery beat runs the sweep every few minutes (config/celery.py); nothing is scheduled ahead on the
broker, so a reminder due in 90 days is just a date in the database until its day comes.

How "exactly once" holds:
- The claim is a unique row (kind, object, recipient, offset, watched date) in ReminderLog,
  inserted with ON CONFLICT DO NOTHING: however many sweeps find a reminder due, and however
  often, there is one row.
- A row is sent inside its own transaction, holding its row lock (SELECT ... FOR UPDATE SKIP
  LOCKED): a concurrent sweep skips it, and once sent the row no longer matches. The state is
  written in the same transaction, so a worker killed mid-batch rolls back only the message it
  was sending: that row is still pending and the next sweep sends it; those before it are sent
  and recorded.
- The known limit, which no database can close for SMTP: if the worker dies after the mail
  server accepted a message and before the commit, that one message goes out again. What the log
  guarantees is at most one *recorded* successful send per claim.

Catch-up: a reminder is still sent up to CATCH_UP after its day (beat was down over a weekend);
after that it is recorded as missed, never sent late. A failed send is retried by later sweeps,
at most MAX_ATTEMPTS times, RETRY_AFTER apart, while within the catch-up window; then it stays
failed, with its last error, for an admin to see.

Re-arm: the watched date is part of the claim. When it changes (a term extended), the reminders
for the new date are new rows that come due on their own days; a row still open for the old date
is recorded as missed when a sweep comes to send it.
"""

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
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
# Rows inserted per statement and sent per mail connection: large enough that 100,000 due
# reminders take a few hundred round trips, small enough that a batch's rows and rendered
# messages stay a few megabytes, and a batch read is never older than a minute or so of sending.
BATCH_SIZE = 500
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
    result.missed += _expire_unsent(today=today)
    deadline = time.monotonic() + budget.total_seconds() if budget is not None else None
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


def _expire_unsent(*, today: date) -> int:
    """Record as missed what was claimed and not sent within the catch-up window."""
    return ReminderLog.objects.filter(
        state=ReminderState.PENDING, due_on__lt=today - CATCH_UP
    ).update(
        state=ReminderState.MISSED,
        error=f"Not sent within the catch-up window ({CATCH_UP.days} days).",
    )


def _sendable(now: datetime) -> Q:
    return Q(state=ReminderState.PENDING) | Q(
        state=ReminderState.FAILED,
        attempts__lt=MAX_ATTEMPTS,
        claimed_at__lte=now - RETRY_AFTER,
    )


def _send_open(*, now: datetime, today: date, deadline: float | None, result: SweepResult) -> None:
    open_rows = (
        ReminderLog.objects.filter(_sendable(now), due_on__gte=today - CATCH_UP, due_on__lte=today)
        .select_related("recipient__user")
        .order_by("pk")
    )
    after = 0
    while True:
        # Read without locks: each row is locked on its own as it is sent, so that a row's
        # state is committed with its message, not with the batch's.
        batch = list(open_rows.filter(pk__gt=after)[:BATCH_SIZE])
        if not batch:
            return
        after = batch[-1].pk
        objects = _load_objects(batch, today)
        # One connection for the batch (SMTP: one login for up to BATCH_SIZE messages). A mail
        # server that cannot be reached at all stops the sweep here: the rows stay pending for
        # the next sweep, as it is no fault of theirs.
        with mail.mailers.default as mailer:
            for entry in batch:
                if deadline is not None and time.monotonic() >= deadline:
                    result.stopped_early = True
                    return
                kind = registry.get(entry.kind)
                obj = objects.get((entry.kind, entry.object_id))
                _send_one(entry, kind, obj, mailer, now=now, today=today, result=result)


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
    now: datetime,
    today: date,
    result: SweepResult,
) -> None:
    with transaction.atomic():
        # skip_locked: two sweeps must not send the same reminder; a row sent, missed or failed
        # since the batch was read no longer matches.
        locked = (
            ReminderLog.objects.select_for_update(skip_locked=True)
            .filter(_sendable(now), pk=entry.pk)
            .values_list("pk", flat=True)
        )
        if not list(locked):
            return
        rows = ReminderLog.objects.filter(pk=entry.pk)
        reason = _why_not_send(entry, kind, obj)
        if reason:
            rows.update(state=ReminderState.MISSED, error=reason)
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
            )
            result.failed += 1
            # The connection may be broken: the next message opens its own.
            mailer.close()
            return
        stamp = timezone.now()
        rows.update(
            state=ReminderState.SENT,
            error="",
            attempts=F("attempts") + 1,
            claimed_at=stamp,
            sent_at=stamp,
        )
        result.sent += 1


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
        # RFC 3834: an automatic message, which vacation responders must not answer.
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message
