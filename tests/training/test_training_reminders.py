"""Training reminders: a week and a day before a session, promotion, attendance due, cancelled."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, clear_url_caches, include, path, reverse

from leadership.models import Person
from reminders.models import ReminderLog
from reminders.selectors import upcoming_reminders
from reminders.tasks import reminders_sweep_task
from tests.factories import PersonFactory, SessionFactory
from training.models import Session, SessionStatus
from training.services.enrolment import attendance_mark, enrolment_cancel, session_enrol


def _session_page(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse()


# Stands in for the schedule's session page until training/urls.py has it (see session_page).
urlpatterns = [
    path(
        "",
        include(
            (
                [path("training/sessions/<int:pk>/", _session_page, name="session-detail")],
                "training",
            )
        ),
    )
]


@pytest.fixture
def session_page(settings: Any) -> Iterator[None]:
    """The session page's URL for the emails' link: the real one, or this module's stand-in."""
    try:
        reverse("training:session-detail", kwargs={"pk": 1})
    except NoReverseMatch:
        settings.ROOT_URLCONF = __name__
        clear_url_caches()
    yield
    clear_url_caches()


# The module's tests: the fixtures' session is stage 1 ("Foundations"), 2026-12-01 at 17:00 UTC
# (18:00 in Berlin), facilitated by Fatima. Sweeps run at 13:00 UTC, as beat would.

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("session_page")]

ENROLLED_ON = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FACILITATOR = "facilitator@example.org"


def _sweep(day: date, hour: int = 13) -> list[tuple[str, str]]:
    """Sweep as beat would on `day`; what was sent then, as (recipient, subject)."""
    before = len(mail.outbox)
    with time_machine.travel(datetime.combine(day, time(hour), tzinfo=UTC), tick=False):
        reminders_sweep_task.delay()
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


def _learner(email: str, zone: str = "Europe/Berlin") -> Person:
    return PersonFactory.create(
        display_name=email.split("@")[0].title(), user__email=email, time_zone=zone
    )


def test_the_enrolled_hear_a_week_and_a_day_before_and_the_facilitator_two_days_after(
    session: Session,
) -> None:
    # given Ana enrolled a month ahead
    session_enrol(person=_learner("ana@example.org"), session=session, now=ENROLLED_ON)

    # when beat sweeps every day
    sent = _daily(date(2026, 11, 20), date(2026, 12, 8))

    # then
    assert sent == {
        date(2026, 11, 24): [("ana@example.org", "In 7 days: Foundations")],
        date(2026, 11, 30): [("ana@example.org", "Tomorrow: Foundations")],
        date(2026, 12, 3): [(FACILITATOR, "Please mark attendance: Foundations")],
    }
    assert sorted(ReminderLog.objects.values_list("kind", "offset_days", "due_on", "state")) == [
        ("attendance_due", 2, date(2026, 12, 3), "sent"),
        ("session_soon", -7, date(2026, 11, 24), "sent"),
        ("session_soon", -1, date(2026, 11, 30), "sent"),
    ]


def test_a_sweep_run_twice_on_the_same_day_sends_each_reminder_once(session: Session) -> None:
    session_enrol(person=_learner("ana@example.org"), session=session, now=ENROLLED_ON)

    first = _sweep(date(2026, 11, 24))
    second = _sweep(date(2026, 11, 24), hour=14)

    assert (first, second) == ([("ana@example.org", "In 7 days: Foundations")], [])


def test_a_reminder_caught_up_after_an_outage_says_how_many_days_are_really_left(
    session: Session,
) -> None:
    # given Ana enrolled, and beat down from 23 to 25 November
    session_enrol(person=_learner("ana@example.org"), session=session, now=ENROLLED_ON)

    # when it sweeps again on the 26th
    sent = _daily(date(2026, 11, 26), date(2026, 11, 27))

    # then the week-before reminder goes out late, saying five days
    assert sent == {date(2026, 11, 26): [("ana@example.org", "In 5 days: Foundations")]}


def test_a_day_before_reminder_is_not_caught_up_on_the_sessions_day(session: Session) -> None:
    session_enrol(person=_learner("ana@example.org"), session=session, now=ENROLLED_ON)

    assert _daily(date(2026, 12, 1), date(2026, 12, 1)) == {}


def test_someone_who_enrols_after_the_week_before_hears_only_the_day_before(
    session: Session,
) -> None:
    session_enrol(
        person=_learner("ben@example.org"),
        session=session,
        now=datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
    )

    sent = _daily(date(2026, 11, 27), date(2026, 12, 1))

    assert sent == {date(2026, 11, 30): [("ben@example.org", "Tomorrow: Foundations")]}


def test_someone_who_left_or_waits_hears_nothing_before_the_session(session: Session) -> None:
    # given a session of one place: Ana in, Ben waiting, Cleo enrolled elsewhere and left
    Session.objects.filter(pk=session.pk).update(capacity=1)
    session_enrol(person=_learner("ana@example.org"), session=session, now=ENROLLED_ON)
    session_enrol(person=_learner("ben@example.org"), session=session, now=ENROLLED_ON)
    other = SessionFactory.create(stage=session.stage)
    cleo = _learner("cleo@example.org")
    left = session_enrol(person=cleo, session=other, now=ENROLLED_ON)
    enrolment_cancel(enrolment=left, by=cleo, now=ENROLLED_ON)

    sent = _daily(date(2026, 11, 24), date(2026, 11, 30))

    assert sent == {
        date(2026, 11, 24): [("ana@example.org", "In 7 days: Foundations")],
        date(2026, 11, 30): [("ana@example.org", "Tomorrow: Foundations")],
    }


def test_the_first_in_line_hears_of_the_promotion_that_day_once(session: Session) -> None:
    # given a full session, Ana in and Ben waiting
    Session.objects.filter(pk=session.pk).update(capacity=1)
    ana = _learner("ana@example.org")
    held = session_enrol(person=ana, session=session, now=ENROLLED_ON)
    ben = _learner("ben@example.org")
    session_enrol(person=ben, session=session, now=ENROLLED_ON)

    # when Ana leaves on 10 November (the on-commit sweep does not run in this test: beat's does)
    enrolment_cancel(enrolment=held, by=ana, now=datetime(2026, 11, 10, 8, 0, tzinfo=UTC))

    # then Ben hears that day, once, and then the usual reminders
    assert _daily(date(2026, 11, 9), date(2026, 11, 30)) == {
        date(2026, 11, 10): [("ben@example.org", "You have a place: Foundations")],
        date(2026, 11, 24): [("ben@example.org", "In 7 days: Foundations")],
        date(2026, 11, 30): [("ben@example.org", "Tomorrow: Foundations")],
    }


def test_a_promoted_person_who_left_before_the_sweep_hears_nothing(session: Session) -> None:
    Session.objects.filter(pk=session.pk).update(capacity=1)
    ana, ben = _learner("ana@example.org"), _learner("ben@example.org")
    held = session_enrol(person=ana, session=session, now=ENROLLED_ON)
    waiting = session_enrol(person=ben, session=session, now=ENROLLED_ON)
    promoted_at = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    enrolment_cancel(enrolment=held, by=ana, now=promoted_at)
    enrolment_cancel(enrolment=waiting, by=ben, now=promoted_at + timedelta(minutes=5))

    assert _daily(date(2026, 11, 10), date(2026, 11, 12)) == {}


def test_the_enrolled_and_the_waiting_hear_the_day_a_session_is_cancelled_and_nothing_more(
    session: Session,
) -> None:
    # given Ana enrolled and Ben waiting
    Session.objects.filter(pk=session.pk).update(capacity=1)
    session_enrol(person=_learner("ana@example.org"), session=session, now=ENROLLED_ON)
    session_enrol(person=_learner("ben@example.org"), session=session, now=ENROLLED_ON)

    # when it is cancelled on 28 November (a saved change: its history has the moment)
    with time_machine.travel(datetime(2026, 11, 28, 10, 0, tzinfo=UTC), tick=False):
        session.refresh_from_db()
        session.status = SessionStatus.CANCELLED
        session.save(update_fields=["status"])

    # then both hear that day; no "tomorrow", no attendance reminder
    assert _daily(date(2026, 11, 26), date(2026, 12, 5)) == {
        date(2026, 11, 28): [
            ("ana@example.org", "Cancelled: Foundations"),
            ("ben@example.org", "Cancelled: Foundations"),
        ],
    }


def test_a_session_cancelled_with_nobody_enrolled_tells_nobody(session: Session) -> None:
    with time_machine.travel(datetime(2026, 11, 28, 10, 0, tzinfo=UTC), tick=False):
        session.status = SessionStatus.CANCELLED
        session.save(update_fields=["status"])

    assert _daily(date(2026, 11, 28), date(2026, 11, 29)) == {}


def test_no_attendance_reminder_once_it_is_marked_or_with_nobody_enrolled(
    session: Session, facilitator: Any
) -> None:
    # given Ana enrolled in the session, and another session of Fatima's with nobody
    ana = _learner("ana@example.org")
    session_enrol(person=ana, session=session, now=ENROLLED_ON)
    empty = SessionFactory.create(stage=session.stage)
    empty.facilitators.add(facilitator.person)

    # when Fatima marks the attendance the next day
    attendance_mark(
        session=session,
        by=facilitator.person,
        attended={ana.pk: True},
        now=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    )

    # then no reminder to mark it
    assert _daily(date(2026, 12, 1), date(2026, 12, 5)) == {}


def test_the_email_gives_the_time_in_the_recipients_zone_and_the_sessions_own_and_the_link(
    session: Session,
) -> None:
    # given Ana in Los Angeles and Ben in Berlin, the session's own zone
    session_enrol(
        person=_learner("ana@example.org", "America/Los_Angeles"), session=session, now=ENROLLED_ON
    )
    session_enrol(person=_learner("ben@example.org"), session=session, now=ENROLLED_ON)

    # when
    _sweep(date(2026, 11, 30))

    # then Ana sees 9 a.m. her time and 6 p.m. in Berlin; Ben only 6 p.m. in Berlin
    by_recipient = {message.to[0]: message for message in mail.outbox}
    ana_text = str(by_recipient["ana@example.org"].body)
    ben_text = str(by_recipient["ben@example.org"].body)
    assert "When: Dec. 1, 2026, 9 a.m. (America/Los_Angeles)" in ana_text
    assert "In the session's own time zone: Dec. 1, 2026, 6 p.m. (Europe/Berlin)" in ana_text
    assert "When: Dec. 1, 2026, 6 p.m. (Europe/Berlin)" in ben_text
    assert "own time zone" not in ben_text
    link = settings.PATHWAYS_BASE_URL + session.get_absolute_url()
    assert link in ana_text
    assert "https://meet.example.org/academy" in ana_text
    message = by_recipient["ana@example.org"]
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert f'href="{link}"' in html
    assert "9 a.m. (America/Los_Angeles)" in html


def test_a_person_sees_the_reminders_coming_before_their_sessions(session: Session) -> None:
    ana = _learner("ana@example.org")
    session_enrol(person=ana, session=session, now=ENROLLED_ON)

    upcoming = upcoming_reminders(person=ana, today=date(2026, 11, 25))

    assert [(u.due_on, u.description, u.subject) for u in upcoming] == [
        (date(2026, 11, 30), "1 day before the session", "Foundations, Leadership Academy")
    ]


def test_a_day_before_counts_the_days_on_the_recipients_calendar_not_in_utc(
    session: Session,
) -> None:
    # given a session on Monday 11 January 2027 at 08:00 in Tokyo (Sunday 23:00 UTC), and Kenji,
    # who lives there, enrolled
    session.starts_at = datetime(2027, 1, 10, 23, 0, tzinfo=UTC)
    session.ends_at = session.starts_at + timedelta(hours=2)
    session.time_zone = "Asia/Tokyo"
    session.save()
    session_enrol(
        person=_learner("kenji@example.org", zone="Asia/Tokyo"), session=session, now=ENROLLED_ON
    )

    # when beat sweeps on the UTC Saturday the day-before reminder falls on (09:05 in Tokyo)
    sent = _sweep(date(2027, 1, 9), hour=0)

    # then it says two days, as Kenji's calendar does, not "tomorrow"
    assert sent == [("kenji@example.org", "In 2 days: Foundations")]
