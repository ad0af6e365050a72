"""Mentoring's reminders, sent by the reminder sweep (reminders/services.py) as beat runs it.

The fixtures' proposal is published on 2026-12-01 at 12:00 UTC and answerable until 2026-12-08
at 12:00: the mentor hears of it that day, half-way (12-05) and the day before the deadline
(12-07). The relationship begins on 2026-12-01; the programme flags four quiet weeks, so without
a check-in both of the pair hear on 2026-12-29.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail

from mentoring import services
from mentoring.models import Proposal, Relationship
from reminders.models import ReminderLog
from reminders.services import reminders_sweep
from tests.mentoring.conftest import NOW

pytestmark = pytest.mark.django_db

MENTOR, MENTEE = "mentor@example.org", "mentee@example.org"


def _sweep(day: date, hour: int = 13) -> list[tuple[str, str]]:
    """Sweep as beat would on `day`; what was sent then, as (recipient, subject)."""
    before = len(mail.outbox)
    with time_machine.travel(datetime.combine(day, time(hour), tzinfo=UTC), tick=False):
        reminders_sweep()
    return sorted((message.to[0], str(message.subject)) for message in mail.outbox[before:])


def _daily(first: date, last: date) -> dict[date, list[tuple[str, str]]]:
    """Sweep every day from `first` to `last`; the days something was sent, and what."""
    sent = {}
    day = first
    while day <= last:
        if out := _sweep(day):
            sent[day] = out
        day += timedelta(days=1)
    return sent


def test_the_mentor_hears_of_a_proposal_the_day_it_is_published_half_way_and_on_the_last_day(
    proposal: Proposal,
) -> None:
    sent = _daily(date(2026, 11, 30), date(2026, 12, 12))

    title = proposal.programme.title
    assert sent == {
        date(2026, 12, 1): [(MENTOR, f"{title}: would you mentor someone?")],
        date(2026, 12, 5): [(MENTOR, f"{title}: a proposal is waiting for your answer")],
        date(2026, 12, 7): [(MENTOR, f"{title}: last day to answer a proposal")],
    }
    assert sorted(ReminderLog.objects.values_list("kind", "due_on", "state")) == [
        ("proposal_halfway", date(2026, 12, 5), "sent"),
        ("proposal_last_day", date(2026, 12, 7), "sent"),
        ("proposal_new", date(2026, 12, 1), "sent"),
    ]


def test_a_proposal_answered_has_no_more_reminders(proposal: Proposal) -> None:
    # given the mentor heard of it and accepted the next day
    assert _sweep(date(2026, 12, 1)) != []
    services.proposal_accept(proposal=proposal, now=NOW + timedelta(days=1))

    # then nothing more
    assert _daily(date(2026, 12, 2), date(2026, 12, 12)) == {}


def test_a_proposal_declined_before_its_half_way_day_has_no_more_reminders(
    proposal: Proposal,
) -> None:
    _sweep(date(2026, 12, 1))
    services.proposal_decline(proposal=proposal, now=NOW + timedelta(days=2))

    assert _daily(date(2026, 12, 2), date(2026, 12, 12)) == {}


def test_a_proposal_answered_between_its_reminders_stops_the_later_ones(
    proposal: Proposal,
) -> None:
    # given the half-way reminder went out
    assert len(_daily(date(2026, 12, 1), date(2026, 12, 5))) == 2

    # when the mentor accepts on the 6th
    services.proposal_accept(proposal=proposal, now=NOW + timedelta(days=5))

    # then no last-day reminder on the 7th
    assert _daily(date(2026, 12, 6), date(2026, 12, 12)) == {}


def test_a_short_deadline_sends_no_half_way_reminder(staged: Proposal) -> None:
    # given two days to answer: the last-day reminder, on the 2nd, says it all
    staged.programme.response_days = 2
    staged.programme.save(update_fields=["response_days"])
    services.programme_publish(programme=staged.programme, now=NOW)

    sent = _daily(date(2026, 12, 1), date(2026, 12, 5))

    assert sorted(sent) == [date(2026, 12, 1), date(2026, 12, 2)]
    assert [subject for _to, subject in sent[date(2026, 12, 2)]] == [
        f"{staged.programme.title}: last day to answer a proposal"
    ]


def test_a_quiet_relationship_reminds_both_of_the_pair_once(relationship: Relationship) -> None:
    sent = _daily(date(2026, 12, 2), date(2027, 1, 10))

    assert sent == {
        date(2026, 12, 29): [
            (MENTEE, "Time for a check-in with Mia Mentor?"),
            (MENTOR, "Time for a check-in with Mae Mentee?"),
        ]
    }


def test_a_check_in_before_the_quiet_day_moves_the_reminder_later(
    relationship: Relationship,
) -> None:
    # given a check-in on 12-20: quiet four weeks later, on 2027-01-17
    services.check_in_add(
        relationship=relationship,
        by=relationship.offer.person,
        happened_on=date(2026, 12, 20),
        notes="",
        today=date(2026, 12, 20),
    )

    sent = _daily(date(2026, 12, 2), date(2027, 1, 31))

    assert list(sent) == [date(2027, 1, 17)]
    assert [to for to, _subject in sent[date(2027, 1, 17)]] == [MENTEE, MENTOR]


def test_a_check_in_after_the_reminder_re_arms_it(relationship: Relationship) -> None:
    # given the pair was reminded on 12-29 and met the day after
    assert len(_sweep(date(2026, 12, 29))) == 2
    services.check_in_add(
        relationship=relationship,
        by=relationship.application.person,
        happened_on=date(2026, 12, 30),
        notes="",
        today=date(2026, 12, 30),
    )

    sent = _daily(date(2026, 12, 30), date(2027, 2, 5))

    # then the next reminder is four weeks after the check-in, to both, once
    assert list(sent) == [date(2027, 1, 27)]
    assert [to for to, _subject in sent[date(2027, 1, 27)]] == [MENTEE, MENTOR]


def test_an_ended_relationship_is_not_reminded(relationship: Relationship) -> None:
    services.relationship_end(
        relationship=relationship,
        by=relationship.offer.person,
        reason=Relationship.EndReason.COMPLETED,
        today=date(2026, 12, 10),
    )

    assert _daily(date(2026, 12, 28), date(2026, 12, 31)) == {}
