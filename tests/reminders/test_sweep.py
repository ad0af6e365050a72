"""The sweep: each reminder of a term's end goes once, on its day, to the holder and organisers."""

from collections import Counter
from datetime import date, timedelta
from smtplib import SMTPException

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends import locmem

from plans.services import term_end_early, term_update
from reminders import services
from reminders.models import ReminderLog
from reminders.services import (
    CATCH_UP,
    LEASE,
    MAX_ATTEMPTS,
    reminders_claim,
    reminders_sweep,
)
from reminders.tasks import reminders_sweep_task
from tests.factories import MembershipFactory, PersonFactory, RoleFactory, TermFactory
from tests.reminders.conftest import DUE, ENDS_ON, at

pytestmark = pytest.mark.django_db

MEMBER, ORGANISER = "member@example.org", "organiser@example.org"


def _sent_to():
    return sorted(message.to[0] for message in mail.outbox)


def _seven_days_before():
    # A sweep on the 7-day reminder's day also records the 30-day one, 23 days back and never
    # claimed in these tests, as missed: these tests are about the 7-day one.
    return ReminderLog.objects.filter(offset_days=-7)


def _log():
    return sorted(
        (entry.offset_days, entry.recipient.display_name, entry.state, entry.reference_date)
        for entry in ReminderLog.objects.select_related("recipient")
    )


@pytest.mark.parametrize("offset", sorted(DUE))
def test_a_reminder_due_today_goes_to_the_holder_and_the_organisers_once(term, sweep_on, offset):
    # when
    result = sweep_on(DUE[offset])

    # then: not to the outsider, who organises another community
    assert _sent_to() == [MEMBER, ORGANISER]
    assert [row for row in _log() if row[2] == "sent"] == [
        (offset, "Mo Member", "sent", ENDS_ON),
        (offset, "Olga Organiser", "sent", ENDS_ON),
    ]
    assert (result.sent, result.failed) == (2, 0)


def test_a_reminder_whose_day_passed_before_the_term_was_entered_is_recorded_missed(term, sweep_on):
    # given the term was entered after its 30-day reminder's day (beat runs every 5 minutes)
    sweep_on(DUE[-30] + timedelta(days=10))

    # then the log says so; the 90-day one, further back than a month, is not listed
    assert mail.outbox == []
    assert _log() == [
        (-30, "Mo Member", "missed", ENDS_ON),
        (-30, "Olga Organiser", "missed", ENDS_ON),
    ]


def test_nothing_is_sent_on_a_day_no_reminder_is_due(term, sweep_on):
    sweep_on(DUE[-90] - timedelta(days=1))
    sweep_on(DUE[-30] - timedelta(days=1))

    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


def test_a_second_sweep_the_same_day_or_the_next_sends_nothing_more(term, sweep_on):
    # given
    sweep_on(DUE[-30], hour=0)

    # when
    again = sweep_on(DUE[-30], hour=0)
    sweep_on(DUE[-30], hour=23)
    sweep_on(DUE[-30] + timedelta(days=1))

    # then
    assert _sent_to() == [MEMBER, ORGANISER]
    assert (again.found, again.sent) == (2, 0)
    assert ReminderLog.objects.count() == 2


def test_running_the_task_twice_sends_each_reminder_once(term):
    with time_machine.travel(at(DUE[-7]), tick=False):
        reminders_sweep_task.delay()
        reminders_sweep_task.delay()

    assert _sent_to() == [MEMBER, ORGANISER]


def test_a_sweep_out_of_time_leaves_the_rest_open_for_the_next(term, sweep_on):
    # given a sweep whose time ran out before its first message
    with time_machine.travel(at(DUE[-7]), tick=False):
        first = reminders_sweep(budget=timedelta(0))
    assert first.stopped_early
    assert mail.outbox == []

    # when
    sweep_on(DUE[-7], hour=10)

    # then
    assert _sent_to() == [MEMBER, ORGANISER]


def test_an_organiser_who_holds_the_term_gets_one_email_not_two(
    community, treasurer, organiser, sweep_on
):
    TermFactory.create(
        role=treasurer, person=organiser.person, starts_on=date(2025, 6, 1), ends_on=ENDS_ON
    )

    sweep_on(DUE[-7])

    assert _sent_to() == [ORGANISER]


def test_a_reminder_missed_by_up_to_the_catch_up_window_is_still_sent(term, sweep_on):
    # given beat was down from the day the 30-day reminder was due
    late = DUE[-30] + CATCH_UP

    # when
    sweep_on(late)

    # then it says how many days are really left
    assert _sent_to() == [MEMBER, ORGANISER]
    assert "in 27 days" in mail.outbox[0].body


def test_a_reminder_found_past_the_catch_up_window_is_recorded_missed_not_sent(term, sweep_on):
    # given beat was down a day longer than the catch-up window
    too_late = DUE[-30] + CATCH_UP + timedelta(days=1)

    # when
    sweep_on(too_late)

    # then
    assert mail.outbox == []
    assert _log() == [
        (-30, "Mo Member", "missed", ENDS_ON),
        (-30, "Olga Organiser", "missed", ENDS_ON),
    ]
    assert {entry.error for entry in ReminderLog.objects.all()} == {
        "Found after the catch-up window (3 days)."
    }


def test_a_claimed_reminder_not_sent_within_the_catch_up_window_is_recorded_missed(term, sweep_on):
    # given claimed on its day, and never sent (the mail server was down all week)
    reminders_claim(today=DUE[-30])

    # when
    sweep_on(DUE[-30] + CATCH_UP + timedelta(days=1))

    # then
    assert mail.outbox == []
    assert {entry.state for entry in ReminderLog.objects.all()} == {"missed"}


def test_a_reminder_claimed_by_a_sweep_that_died_before_sending_is_sent_by_the_next(term, sweep_on):
    # given a sweep claimed and died
    reminders_claim(today=DUE[-7])
    assert mail.outbox == []

    # when
    sweep_on(DUE[-7])

    # then
    assert _sent_to() == [MEMBER, ORGANISER]
    assert _seven_days_before().count() == 2


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the sweep catches it."""


def test_a_worker_killed_mid_batch_leaves_the_rest_to_the_next_sweep_and_sends_none_twice(
    community, organiser, sweep_on, monkeypatch
):
    # given five terms ending the same day: ten reminders with their organiser's copies
    for _ in range(5):
        TermFactory.create(
            role=RoleFactory.create(community=community),
            starts_on=date(2025, 6, 1),
            ends_on=ENDS_ON,
        )
    deliver = locmem.EmailBackend.send_messages
    calls = []

    def dies_on_the_fourth(backend, messages):
        calls.append(messages)
        if len(calls) == 4:
            raise WorkerKilled
        return deliver(backend, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", dies_on_the_fourth)

    # when the worker dies sending the fourth, a sweep runs before its lease has run out, and
    # another after
    with pytest.raises(WorkerKilled):
        sweep_on(DUE[-7])
    assert len(mail.outbox) == 3
    monkeypatch.setattr(locmem.EmailBackend, "send_messages", deliver)
    with time_machine.travel(at(DUE[-7]) + LEASE - timedelta(seconds=1), tick=False):
        assert reminders_sweep().sent == 0
    result = sweep_on(DUE[-7], hour=10)

    # then every reminder went out, once
    delivered = Counter((message.to[0], message.subject) for message in mail.outbox)
    assert len(delivered) == 10
    assert set(delivered.values()) == {1}
    assert result.sent == 7
    assert set(_seven_days_before().values_list("state", flat=True)) == {"sent"}


def test_a_worker_killed_after_the_mail_server_took_a_message_repeats_that_one_only(
    community, organiser, sweep_on, monkeypatch
):
    # given ten reminders, and a worker that dies after the fourth was delivered, before it was
    # recorded
    for _ in range(5):
        TermFactory.create(
            role=RoleFactory.create(community=community),
            starts_on=date(2025, 6, 1),
            ends_on=ENDS_ON,
        )
    record = services._record_sent
    recorded = []

    def dies_recording_the_fourth(pk, token):
        recorded.append(pk)
        if len(recorded) == 4:
            raise WorkerKilled
        return record(pk, token)

    monkeypatch.setattr(services, "_record_sent", dies_recording_the_fourth)
    with pytest.raises(WorkerKilled):
        sweep_on(DUE[-7])
    monkeypatch.setattr(services, "_record_sent", record)

    # when a sweep runs once the lease has run out
    sweep_on(DUE[-7], hour=10)

    # then the fourth went twice, every other once, and the log records each as sent once
    delivered = Counter((message.to[0], message.subject) for message in mail.outbox)
    assert len(delivered) == 10
    assert sorted(delivered.values()) == [1] * 9 + [2]
    assert {(e.state, e.attempts) for e in _seven_days_before()} == {("sent", 1)}


class FakeClock:
    """time.monotonic for the sweep, moved on by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_sweep_out_of_time_mid_batch_hands_the_rest_back_for_the_next_at_once(
    community, organiser, sweep_on, monkeypatch
):
    # given ten reminders, and a sweep whose budget runs out after the third message
    for _ in range(5):
        TermFactory.create(
            role=RoleFactory.create(community=community),
            starts_on=date(2025, 6, 1),
            ends_on=ENDS_ON,
        )
    clock = FakeClock()
    monkeypatch.setattr(services, "monotonic", clock)
    deliver = locmem.EmailBackend.send_messages

    def slow(backend, messages):
        sent = deliver(backend, messages)
        if len(mail.outbox) == 3:
            clock.now += 60
        return sent

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", slow)
    with time_machine.travel(at(DUE[-7]), tick=False):
        first = reminders_sweep(budget=timedelta(seconds=30))

        # when the next sweep runs the same minute, well within a lease
        second = reminders_sweep()

    # then
    assert (first.stopped_early, first.sent, second.sent) == (True, 3, 7)
    delivered = Counter((message.to[0], message.subject) for message in mail.outbox)
    assert len(delivered) == 10
    assert set(delivered.values()) == {1}
    assert not _seven_days_before().filter(leased_until__isnull=False).exists()


def test_a_sweep_sending_for_half_a_lease_claims_its_rows_afresh(
    community, organiser, sweep_on, monkeypatch
):
    # given ten reminders, and a mail server so slow that half a lease passes after the second
    for _ in range(5):
        TermFactory.create(
            role=RoleFactory.create(community=community),
            starts_on=date(2025, 6, 1),
            ends_on=ENDS_ON,
        )
    clock = FakeClock()
    monkeypatch.setattr(services, "monotonic", clock)
    claim = services._claim
    claims = []

    def counted(**kwargs):
        claims.append(kwargs)
        return claim(**kwargs)

    monkeypatch.setattr(services, "_claim", counted)
    deliver = locmem.EmailBackend.send_messages

    def slow(backend, messages):
        if len(mail.outbox) == 2:
            clock.now += LEASE.total_seconds() / 2
        return deliver(backend, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", slow)

    # when
    result = sweep_on(DUE[-7])

    # then the same sweep sent the rest from a new claim, none twice
    assert len(claims) == 3  # the first batch, the rest, and one that finds nothing
    assert result.sent == 10
    delivered = Counter((message.to[0], message.subject) for message in mail.outbox)
    assert len(delivered) == 10
    assert set(delivered.values()) == {1}


def test_a_row_leased_to_a_live_sweep_is_not_expired_under_it(term, sweep_on):
    # given a reminder claimed long ago and, as the day turns, leased to a sweep sending it now
    reminders_claim(today=DUE[-30])
    late = DUE[-30] + CATCH_UP + timedelta(days=1)
    ReminderLog.objects.filter(recipient__display_name="Mo Member").update(
        claimed_by="x" * 32, leased_until=at(late, 0) + LEASE
    )

    # when another sweep runs
    sweep_on(late, hour=0)

    # then only the row nobody holds is recorded missed; the other is its sweep's
    assert _log() == [
        (-30, "Mo Member", "pending", ENDS_ON),
        (-30, "Olga Organiser", "missed", ENDS_ON),
    ]
    assert mail.outbox == []


def test_extending_the_term_re_arms_its_reminders_for_the_new_date(term, sweep_on):
    # given the 30-day reminder went out, and the 7-day one was claimed but not yet sent
    sweep_on(DUE[-30])
    reminders_claim(today=DUE[-7])

    # when the term is extended by a year, before the sweep sends the 7-day reminder
    term_update(term=term, starts_on=term.starts_on, ends_on=date(2027, 6, 1))
    sweep_on(DUE[-7])
    sweep_on(ENDS_ON)

    # then nothing more for the old date: the 7-day reminder is recorded missed
    assert _sent_to() == [MEMBER, ORGANISER]
    old = ReminderLog.objects.filter(reference_date=ENDS_ON, offset_days=-7)
    assert {entry.state for entry in old} == {"missed"}
    assert "changed to 2027-06-01" in old[0].error

    # and the reminders for the new date come due on their days
    sweep_on(date(2027, 5, 2))
    assert _sent_to() == [MEMBER, MEMBER, ORGANISER, ORGANISER]
    assert ReminderLog.objects.filter(reference_date=date(2027, 6, 1), state="sent").count() == 2


def test_shortening_the_term_brings_its_reminders_forward(term, sweep_on):
    # given
    term_update(term=term, starts_on=term.starts_on, ends_on=date(2026, 5, 1))

    # when: the old date's 30-day reminder day comes, then the new date's 7-day reminder day
    sweep_on(DUE[-30])
    sweep_on(date(2026, 4, 24))

    # then
    assert _sent_to() == [MEMBER, ORGANISER]
    assert ReminderLog.objects.filter(offset_days=-7, reference_date=date(2026, 5, 1)).count() == 2


def test_a_term_ended_early_before_its_reminder_was_sent_records_it_missed(term, sweep_on):
    # given claimed, not yet sent
    reminders_claim(today=DUE[-7])

    # when the holder steps down, and the sweep comes
    term_end_early(term=term, ended_on=DUE[-7])
    sweep_on(DUE[-7])
    sweep_on(ENDS_ON)

    # then: no reminder, and no holdover either
    assert mail.outbox == []
    assert {entry.state for entry in ReminderLog.objects.all()} == {"missed"}
    assert "No longer applies" in _seven_days_before()[0].error


def test_a_term_deleted_before_its_reminder_was_sent_records_it_missed(term, sweep_on):
    # given
    reminders_claim(today=DUE[-7])

    # when
    term.delete()
    result = sweep_on(DUE[-7])

    # then
    assert mail.outbox == []
    assert result.missed == 2
    assert {entry.error for entry in _seven_days_before()} == {"Its object no longer exists."}


def test_the_holdover_reminder_is_not_sent_when_a_successor_begins_on_the_end_day(
    term, treasurer, sweep_on
):
    TermFactory.create(role=treasurer, starts_on=ENDS_ON, ends_on=date(2027, 6, 1))

    sweep_on(ENDS_ON)

    assert mail.outbox == []


def test_a_pending_holdover_reminder_is_dropped_once_a_successor_has_begun(
    term, treasurer, sweep_on
):
    # given the holdover reminder was claimed on the end day and not sent
    reminders_claim(today=ENDS_ON)

    # when a successor starts the next day, before the next sweep
    TermFactory.create(
        role=treasurer, starts_on=ENDS_ON + timedelta(days=1), ends_on=date(2027, 6, 1)
    )
    sweep_on(ENDS_ON + timedelta(days=1))

    # then
    assert mail.outbox == []
    assert {entry.state for entry in ReminderLog.objects.all()} == {"missed"}


def test_a_failed_send_records_the_error_and_is_retried_an_hour_later(term, sweep_on, monkeypatch):
    # given the mail server refuses for a while
    deliver = locmem.EmailBackend.send_messages

    def refuses(backend, messages):
        raise SMTPException("451 4.3.0 Try again later")

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuses)

    # when
    first = sweep_on(DUE[-7], hour=9)
    monkeypatch.setattr(locmem.EmailBackend, "send_messages", deliver)
    sweep_on(DUE[-7], hour=9)  # a few minutes later (the clock is frozen): too soon

    # then
    assert first.failed == 2
    assert mail.outbox == []
    failed = list(_seven_days_before())
    assert {(entry.state, entry.attempts) for entry in failed} == {("failed", 1)}
    assert failed[0].error == "SMTPException: 451 4.3.0 Try again later"

    # and an hour later it goes, once
    sweep_on(DUE[-7], hour=10)
    sweep_on(DUE[-7], hour=11)
    assert _sent_to() == [MEMBER, ORGANISER]
    assert {(e.state, e.attempts, e.error) for e in _seven_days_before()} == {("sent", 2, "")}


def test_a_send_that_keeps_failing_is_given_up_after_the_last_attempt(term, sweep_on, monkeypatch):
    deliver = locmem.EmailBackend.send_messages

    def refuses(backend, messages):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuses)
    for hour in range(MAX_ATTEMPTS):
        sweep_on(DUE[-7], hour=hour)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", deliver)
    sweep_on(DUE[-7], hour=MAX_ATTEMPTS + 1)

    assert mail.outbox == []
    assert {(e.state, e.attempts) for e in _seven_days_before()} == {("failed", MAX_ATTEMPTS)}


def test_a_recipient_without_an_active_account_is_recorded_missed(term, organiser, sweep_on):
    organiser.is_active = False
    organiser.save(update_fields=["is_active"])

    sweep_on(DUE[-7])

    assert _sent_to() == [MEMBER]
    assert _seven_days_before().get(recipient=organiser.person).state == "missed"


def test_reminders_of_terms_in_another_community_go_to_its_own_organisers(
    term, other_community, outsider, sweep_on
):
    # given a term ending the same day in the outsider's community
    holder = PersonFactory.create(user__email="holder@example.org")
    MembershipFactory.create(person=holder, community=other_community)
    TermFactory.create(
        role=RoleFactory.create(community=other_community),
        person=holder,
        starts_on=date(2025, 6, 1),
        ends_on=ENDS_ON,
    )

    sweep_on(DUE[-7])

    assert _sent_to() == ["holder@example.org", MEMBER, ORGANISER, "outsider@example.org"]
