"""The reminder sweep that `make bench` times (see bench/README.md): 100,000 reminders due at once.

The job writes its own data (25,000 terms of one role ending on the day of their 90- or 30-day
reminder, each reminded to its holder and three organisers), runs the real sweep (find, claim,
render, send, record) into a mail sink, and deletes everything it wrote, the log rows included,
so that the bench database is as it was. The data is written with bulk inserts and removed with
raw deletes: no signals, so no history rows are left behind either.
"""

import secrets
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import Max
from django.test import override_settings

from bench.registry import BenchError, register_job
from leadership.models import Community, Membership, Person
from plans.models import Role, Term

from .models import ReminderLog
from .selectors import reminder_today
from .services import reminders_sweep

DUE_REMINDERS = 100_000
ORGANISERS = 3
TERMS = DUE_REMINDERS // (1 + ORGANISERS)  # each to its holder and the three organisers
# The 90- and 30-day reminders: a term ending on the day of its 7-day or holdover reminder also
# has a 30-day one within the last month, which the sweep would record as missed: 100,000 due
# would then be 100,000 due and more.
OFFSETS = (-90, -30)


class SinkBackend(BaseEmailBackend):
    """Takes each message as an SMTP server would (serialised to bytes), and keeps none.

    The locmem backend keeps a deep copy of every message: 100,000 of them would measure the
    test outbox, not the sweep.
    """

    accepted = 0

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            message.message().as_bytes()
        SinkBackend.accepted += len(email_messages)
        return len(email_messages)


def _say(message: str, started: float) -> None:
    print(f"  [{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)


@contextmanager
def _due_reminders(started: float) -> Iterator[None]:
    today = reminder_today()
    token = secrets.token_hex(4)
    last_log = ReminderLog.objects.aggregate(last=Max("pk"))["last"] or 0
    user_model: Any = get_user_model()
    users = user_model.objects.bulk_create(
        user_model(username=f"bench-{token}-{i}", email=f"bench-{token}-{i}@example.invalid")
        for i in range(TERMS + ORGANISERS)
    )
    people = Person.objects.bulk_create(
        Person(user=user, display_name=f"Bench holder {i}") for i, user in enumerate(users)
    )
    (community,) = Community.objects.bulk_create(
        [
            Community(
                name=f"Bench reminders {token}",
                slug=f"bench-reminders-{token}",
                kind=Community.Kind.CHAPTER,
                region=Community.Region.GLOBAL,
            )
        ]
    )
    Membership.objects.bulk_create(
        Membership(
            person=person, community=community, role=Membership.Role.ORGANISER, joined_on=today
        )
        for person in people[TERMS:]
    )
    (role,) = Role.objects.bulk_create(
        [Role(community=community, title="Bench seat", seats=TERMS, term_months=24)]
    )
    Term.objects.bulk_create(
        (
            Term(
                role=role,
                seat=seat,
                person=person,
                starts_on=today - timedelta(days=300),
                ends_on=today - timedelta(days=OFFSETS[seat % len(OFFSETS)]),
            )
            for seat, person in enumerate(people[:TERMS], start=1)
        ),
        batch_size=5000,
    )
    _say(f"wrote {TERMS:,} terms due a reminder today, {len(users):,} people", started)
    try:
        yield
    finally:
        ReminderLog.objects.filter(pk__gt=last_log)._raw_delete(ReminderLog.objects.db)
        Term.objects.filter(role=role)._raw_delete(Term.objects.db)
        Role.objects.filter(pk=role.pk)._raw_delete(Role.objects.db)
        Membership.objects.filter(community=community)._raw_delete(Membership.objects.db)
        Community.objects.filter(pk=community.pk)._raw_delete(Community.objects.db)
        Person.objects.filter(pk__in=[p.pk for p in people])._raw_delete(Person.objects.db)
        user_model.objects.filter(pk__in=[u.pk for u in users])._raw_delete(user_model.objects.db)
        _say("deleted everything the job wrote", started)


def reminder_sweep_job() -> None:
    started = time.perf_counter()
    SinkBackend.accepted = 0
    with (
        _due_reminders(started),
        override_settings(MAILERS={"default": {"BACKEND": "reminders.bench.SinkBackend"}}),
    ):
        sweep_started = time.perf_counter()
        result = reminders_sweep()
        _say(
            f"sweep: {result.sent:,} sent, {result.failed} failed, {result.missed} missed in "
            f"{time.perf_counter() - sweep_started:.1f}s",
            started,
        )
    if result.sent < DUE_REMINDERS or SinkBackend.accepted != result.sent:
        raise BenchError(f"The sweep sent {result.sent:,} reminders, not {DUE_REMINDERS:,}.")


register_job("reminder sweep (100,000 due)", "100,000 reminders", reminder_sweep_job)
