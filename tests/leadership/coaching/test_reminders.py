"""Coaching's reminders, sent by the reminder sweep (reminders/services.py) as beat runs it.

The engagements here start on 2026-12-01 and are planned to end on 2027-03-01: a quiet reminder
(four weeks without a session) falls on 2026-12-29, the ending reminder on 2027-02-15.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, include, path, reverse

from config import urls as project_urls
from leadership.coaching import services
from leadership.coaching.models import CoachAssignment, CoachProfile
from leadership.models import Community
from reminders.models import ReminderLog
from reminders.services import reminders_sweep
from tests.factories import CoachAssignmentFactory, CoachProfileFactory, PersonFactory


def _stub(request: HttpRequest, pk: int) -> HttpResponse:  # pragma: no cover - never requested
    return HttpResponse()


def _coaching_urls_exist() -> bool:
    try:
        reverse("coaching:assignment-detail", kwargs={"pk": 1})
    except NoReverseMatch:
        return False
    return True


# The emails link to the engagement's page. Until coaching's pages are part of the project's
# URLs, these tests give the link a stand-in at the same name (the name is the contract).
urlpatterns = list(project_urls.urlpatterns)
if not _coaching_urls_exist():
    urlpatterns.append(
        path(
            "coaching/",
            include(([path("engagements/<int:pk>/", _stub, name="assignment-detail")], "coaching")),
        )
    )

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

COACH, ORGANISER, MEMBER = "coach@example.org", "organiser@example.org", "member@example.org"
STARTS_ON, ENDS_ON = date(2026, 12, 1), date(2027, 3, 1)
SUMMARY = "We talked about the treasurer's difficult budget meeting."
PRIVATE = "PRIVATE: Mo seems close to burning out; watch this."


def _sweep(day: date, hour: int = 13) -> list[tuple[str, str]]:
    """Sweep as beat would on `day`; what was sent then, as (recipient, subject)."""
    before = len(mail.outbox)
    with time_machine.travel(datetime.combine(day, time(hour), tzinfo=UTC), tick=False):
        reminders_sweep()
    return sorted((message.to[0], str(message.subject)) for message in mail.outbox[before:])


def _html(message: Any) -> str:
    """The HTML part of a reminder (the engine sends a text part and an HTML one)."""
    return str(message.alternatives[0].content)


def _daily(first: date, last: date) -> dict[date, list[tuple[str, str]]]:
    """Sweep every day from `first` to `last`; the days something was sent, and what."""
    sent = {}
    day = first
    while day <= last:
        if out := _sweep(day):
            sent[day] = out
        day += timedelta(days=1)
    return sent


@pytest.fixture
def engagement(coach: Any, member: Any, community: Community) -> CoachAssignment:
    """Cole Coach with Mo Member (Wikimedia Testland), active from 2026-12-01, no session yet."""
    # The factory writes past the caseload counter: count the engagement, as the services would.
    CoachProfile.objects.filter(person=coach.person).update(open_count=1)
    return CoachAssignmentFactory.create(
        coach=coach.person.coach_profile,
        coachee=member.person,
        community=community,
        starts_on=STARTS_ON,
        ends_on=ENDS_ON,
        quiet_weeks=4,
    )


def _log_session(assignment: CoachAssignment, day: date) -> None:
    services.session_log(
        assignment=assignment,
        happened_on=day,
        duration_minutes=60,
        summary=SUMMARY,
        private_notes=PRIVATE,
        today=day,
    )


# --- proposed


def _propose(coach: Any, member: Any, community: Community, at: datetime) -> CoachAssignment:
    with time_machine.travel(at, tick=False):
        return services.assignment_propose(
            coach=coach.person.coach_profile,
            plan=services.EngagementPlan(
                community=community,
                coachee=member.person,
                goals="Grow into the treasurer's role.",
                starts_on=date(2027, 1, 4),
                ends_on=date(2027, 6, 30),
            ),
            by=None,
            today=at.date(),
        )


def test_the_coach_hears_of_a_proposal_the_day_it_is_made_and_only_once(
    coach: Any, member: Any, community: Community
) -> None:
    # given a proposal made on 12-01 at 12:00 UTC
    _propose(coach, member, community, datetime(2026, 12, 1, 12, tzinfo=UTC))

    # when beat sweeps every day, and twice on the day itself
    sent = _daily(date(2026, 11, 30), date(2026, 12, 6))
    again = _sweep(date(2026, 12, 1), hour=18)

    # then the coach heard of it on the 1st, once
    assert sent == {date(2026, 12, 1): [(COACH, "Would you coach Mo Member?")]}
    assert again == []
    assert list(ReminderLog.objects.values_list("kind", "due_on", "state")) == [
        ("coaching_proposed", date(2026, 12, 1), "sent")
    ]


def test_a_proposal_made_late_in_the_utc_day_is_due_that_utc_day(
    coach: Any, member: Any, community: Community
) -> None:
    _propose(coach, member, community, datetime(2026, 12, 1, 23, 30, tzinfo=UTC))

    # the sweep at 23:45 that day, and none later
    assert _sweep(date(2026, 12, 1), hour=23) == [(COACH, "Would you coach Mo Member?")]
    assert _daily(date(2026, 12, 2), date(2026, 12, 4)) == {}


def test_a_proposal_answered_before_the_sweep_is_not_reminded(
    coach: Any, member: Any, community: Community
) -> None:
    # given the coach accepted within the hour
    assignment = _propose(coach, member, community, datetime(2026, 12, 1, 9, tzinfo=UTC))
    services.assignment_accept(assignment=assignment, now=datetime(2026, 12, 1, 10, tzinfo=UTC))

    # then no "would you coach" email
    assert _daily(date(2026, 12, 1), date(2026, 12, 3)) == {}


# --- quiet


def test_a_quiet_engagement_reminds_the_coach_alone_once(engagement: CoachAssignment) -> None:
    sent = _daily(date(2026, 12, 2), date(2027, 1, 10))

    assert sent == {date(2026, 12, 29): [(COACH, "Time for a coaching session with Mo Member?")]}
    assert _sweep(date(2026, 12, 29), hour=20) == []
    assert ReminderLog.objects.filter(kind="coaching_quiet").count() == 1


def test_a_session_before_the_quiet_day_moves_the_reminder_later(
    engagement: CoachAssignment,
) -> None:
    # given a session on 12-20: quiet four weeks later, on 2027-01-17
    _log_session(engagement, date(2026, 12, 20))

    sent = _daily(date(2026, 12, 2), date(2027, 1, 31))

    assert sent == {date(2027, 1, 17): [(COACH, "Time for a coaching session with Mo Member?")]}


def test_a_session_after_the_reminder_re_arms_it(engagement: CoachAssignment) -> None:
    # given the coach was reminded on 12-29 and met the day after
    assert len(_sweep(date(2026, 12, 29))) == 1
    _log_session(engagement, date(2026, 12, 30))

    sent = _daily(date(2026, 12, 30), date(2027, 2, 5))

    # then the next reminder is four weeks after the session, once
    assert sent == {date(2027, 1, 27): [(COACH, "Time for a coaching session with Mo Member?")]}


def test_a_paused_engagement_is_not_reminded_of_quiet(engagement: CoachAssignment) -> None:
    services.assignment_pause(assignment=engagement)

    assert _daily(date(2026, 12, 27), date(2027, 1, 10)) == {}


def test_an_engagement_paused_after_its_reminder_was_claimed_is_not_sent_it(
    engagement: CoachAssignment,
) -> None:
    # given the reminder claimed on its day (an earlier sweep that could not send)
    from reminders.services import reminders_claim

    reminders_claim(today=date(2026, 12, 29))
    services.assignment_pause(assignment=engagement)

    # then the next sweep records it as no longer applying
    assert _sweep(date(2026, 12, 29)) == []
    assert ReminderLog.objects.get(kind="coaching_quiet").state == "missed"


# --- ending


def test_both_sides_hear_two_weeks_before_the_planned_end_once(
    engagement: CoachAssignment,
) -> None:
    # given a session every three weeks: never quiet
    day = STARTS_ON + timedelta(days=20)
    while day < date(2027, 2, 28):
        _log_session(engagement, day)
        day += timedelta(days=21)

    # when beat sweeps around the day, twice on the day
    sent = _daily(date(2027, 2, 10), date(2027, 3, 5))
    again = _sweep(date(2027, 2, 15), hour=22)

    assert sent == {
        date(2027, 2, 15): [
            (COACH, "Your coaching with Mo Member ends in two weeks"),
            (MEMBER, "Your coaching with Cole Coach ends in two weeks"),
        ]
    }
    assert again == []


def test_a_paused_engagement_is_still_told_of_its_end(engagement: CoachAssignment) -> None:
    services.assignment_pause(assignment=engagement)

    sent = _daily(date(2027, 2, 14), date(2027, 2, 16))

    assert [to for to, _subject in sent[date(2027, 2, 15)]] == [COACH, MEMBER]


def test_a_completed_engagement_is_not_told_of_its_end(engagement: CoachAssignment) -> None:
    services.assignment_complete(assignment=engagement, note="Goals met.", today=date(2027, 2, 1))

    assert _daily(date(2027, 2, 10), date(2027, 3, 5)) == {}


def test_a_moved_end_re_arms_the_ending_reminder(engagement: CoachAssignment) -> None:
    # given the end moved a month later
    services.assignment_update(
        assignment=engagement,
        data={"ends_on": date(2027, 4, 1)},
        skills=[],
        today=date(2026, 12, 1),
    )

    sent = _daily(date(2027, 2, 10), date(2027, 3, 20))

    assert list(sent) == [date(2027, 3, 18)]


def test_a_team_engagement_ends_with_a_reminder_to_the_communitys_organisers(
    coach: Any, organiser: Any, member: Any, community: Community
) -> None:
    # given an engagement with Testland's leadership team (a second organiser too; the member
    # is not one)
    second = PersonFactory.create(display_name="Ola Second", user__email="second@example.org")
    community.memberships.create(person=second, role="organiser", joined_on=date(2020, 1, 1))
    CoachAssignmentFactory.create(
        coach=coach.person.coach_profile,
        coachee=None,
        community=community,
        starts_on=STARTS_ON,
        ends_on=ENDS_ON,
        quiet_weeks=26,
    )

    sent = _daily(date(2027, 2, 14), date(2027, 2, 16))

    assert sent == {
        date(2027, 2, 15): [
            (
                COACH,
                "Your coaching with the leadership team of Wikimedia Testland ends in two weeks",
            ),
            (ORGANISER, "Your coaching with Cole Coach ends in two weeks"),
            ("second@example.org", "Your coaching with Cole Coach ends in two weeks"),
        ]
    }


# --- what the emails say


def test_no_email_ever_holds_a_summary_or_a_private_note(
    engagement: CoachAssignment, organiser: Any
) -> None:
    # given sessions with a summary and private notes, and a team engagement too
    _log_session(engagement, date(2026, 12, 10))
    other = CoachProfileFactory.create(person__user__email="other-coach@example.org")
    team = CoachAssignmentFactory.create(
        coach=other,
        coachee=None,
        community=engagement.community,
        starts_on=STARTS_ON,
        ends_on=ENDS_ON,
    )
    _log_session(team, date(2026, 12, 11))

    # when every kind is sent
    _daily(date(2027, 1, 7), date(2027, 1, 9))  # quiet: four weeks after the sessions
    _daily(date(2027, 2, 15), date(2027, 2, 15))  # ending

    # then
    assert {m.to[0] for m in mail.outbox} >= {COACH, MEMBER, ORGANISER, "other-coach@example.org"}
    for message in mail.outbox:
        html = _html(message)
        for text in (str(message.subject), message.body, html):
            assert "treasurer" not in text
            assert "PRIVATE" not in text
        # with the engagement's link
        links = {engagement.get_absolute_url(), team.get_absolute_url()}
        assert any(link in message.body for link in links)


def test_the_email_links_to_the_engagement_and_says_it_is_automatic(
    engagement: CoachAssignment,
) -> None:
    _sweep(date(2026, 12, 29))

    (message,) = mail.outbox
    link = engagement.get_absolute_url()
    assert link in message.body
    assert 'href="http' in _html(message)
    assert link in _html(message)
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "1 December 2026" in message.body or "Dec. 1, 2026" in message.body


def test_the_email_is_in_the_recipients_language(engagement: CoachAssignment) -> None:
    # given a coach who reads email in French (the date is written the French way)
    from django.utils import translation

    person = engagement.coach.person
    person.email_language = "fr"
    person.save(update_fields=["email_language"])
    with translation.override("fr"):
        expected = translation.gettext("Open the engagement")
        date_text = "1 décembre 2026"

    _sweep(date(2026, 12, 29))

    (message,) = mail.outbox
    assert expected in _html(message)
    assert date_text in message.body


def test_the_kinds_are_registered_with_their_keys() -> None:
    from reminders import registry

    keys = {kind.key for kind in registry.kinds() if kind.model is CoachAssignment}
    assert keys == {"coaching_proposed", "coaching_quiet", "coaching_ending"}
