"""The review's findings on coaching, each pinned: what the coachee side may read of an
engagement never accepted, the proposal's checks under the coach's lock, honest messages, what
error reports may carry, edits after a leader has left, team engagements without organisers,
summaries that cannot be read by accident, the coaches' list and the cached suggestions."""

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from leadership.coaching import fragments, services
from leadership.coaching.models import (
    AssignmentStatus,
    CoachAssignment,
    CoachingNote,
    CoachingSession,
    CoachProfile,
)
from leadership.coaching.selectors import assignment_sessions
from leadership.coaching.services import CoachingError, EngagementPlan
from leadership.coaching.suggestions import coach_suggestions
from leadership.models import Community, Membership
from tests.factories import (
    CoachAssignmentFactory,
    CoachingSessionFactory,
    CoachProfileFactory,
    CommunityFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
REQUEST_REASON = "REQUEST-REASON-MARKER"
DECLINE_REASON = "DECLINE-REASON-MARKER"
SUMMARY = "SUMMARY-MARKER"
NOTE = "NOTE-MARKER"


@pytest.fixture(autouse=True)
def _now() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=ZoneInfo("UTC")), tick=False):
        yield


@pytest.fixture
def profile(coach: Any) -> CoachProfile:
    result: CoachProfile = coach.person.coach_profile
    return result


def _engagement(
    profile: CoachProfile, community: Community, coachee: Any, status: str, **fields: Any
) -> CoachAssignment:
    closed = status in (AssignmentStatus.DECLINED, AssignmentStatus.WITHDRAWN, "completed")
    result: CoachAssignment = CoachAssignmentFactory.create(
        coach=profile,
        community=community,
        coachee=coachee.person if coachee is not None else None,
        status=status,
        ended_on=TODAY if closed else None,
        **{
            "request_reason": REQUEST_REASON,
            "decline_reason": DECLINE_REASON if status == AssignmentStatus.DECLINED else "",
            **fields,
        },
    )
    return result


def _url(name: str, pk: int | None = None) -> str:
    return reverse(f"coaching:{name}", kwargs={"pk": pk} if pk is not None else None)


# 1. The coachee side sees an engagement only once the coach has accepted it


@pytest.mark.parametrize("status", ["proposed", "declined", "withdrawn"])
@pytest.mark.parametrize(("coachee", "viewer"), [("member", "member"), (None, "organiser")])
def test_the_coachee_side_never_opens_an_engagement_the_coach_has_not_accepted(
    client_as: Callable[[str], Client],
    profile: CoachProfile,
    community: Community,
    member: Any,
    organiser: Any,
    outsider: Any,
    status: str,
    coachee: str | None,
    viewer: str,
) -> None:
    # given a leader's (or the team's) engagement that was never accepted
    engagement = _engagement(profile, community, member if coachee else None, status)

    # when the coachee side, or an outsider, opens it
    for name in (viewer, "outsider"):
        response = client_as(name).get(engagement.get_absolute_url())

        # then it does not exist for them, and neither reason is shown
        assert response.status_code == 404
        assert REQUEST_REASON not in response.content.decode()
        assert DECLINE_REASON not in response.content.decode()


@pytest.mark.parametrize("status", ["active", "paused", "completed"])
def test_the_coachee_opens_an_engagement_once_accepted(
    client_as: Callable[[str], Client],
    profile: CoachProfile,
    community: Community,
    member: Any,
    status: str,
) -> None:
    engagement = _engagement(profile, community, member, status)

    assert client_as("member").get(engagement.get_absolute_url()).status_code == 200


def test_a_decline_reason_is_shown_to_the_coach_and_coordinators_never_to_the_coachee(
    client_as: Callable[[str], Client],
    profile: CoachProfile,
    community: Community,
    member: Any,
    coordinator: Any,
) -> None:
    # given an engagement that carries a decline reason (set in the admin or by old data) and
    # that the coachee may open
    engagement = _engagement(
        profile, community, member, AssignmentStatus.ACTIVE, decline_reason=DECLINE_REASON
    )

    # when / then
    shown = {
        name: DECLINE_REASON in client_as(name).get(engagement.get_absolute_url()).content.decode()
        for name in ("member", "coach", "coordinator")
    }
    assert shown == {"member": False, "coach": True, "coordinator": True}


# 2. The proposal: conflicts asked again under the lock; integrity errors told apart


def _plan(community: Community, coachee: Any) -> EngagementPlan:
    return EngagementPlan(
        community=community,
        coachee=coachee.person if coachee is not None else None,
        goals="Chair the board.",
        starts_on=TODAY,
        ends_on=date(2027, 6, 1),
    )


def test_a_role_given_to_the_coach_while_the_proposal_waits_for_the_lock_stops_it(
    profile: CoachProfile, community: Community, member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: no conflict at the first check, one by the time the coach's row is locked
    answers = iter([set(), {profile.person_id}])
    monkeypatch.setattr(services, "conflicted_coach_person_ids", lambda **kwargs: next(answers))

    # when / then
    with pytest.raises(CoachingError, match="holds a role in Wikimedia Testland"):
        services.assignment_propose(
            coach=profile, plan=_plan(community, member), by=None, today=TODAY
        )
    assert not CoachAssignment.objects.exists()
    profile.refresh_from_db()
    assert profile.open_count == 0


def test_an_integrity_error_other_than_a_second_open_engagement_is_not_called_one(
    profile: CoachProfile, community: Community, member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a write that fails on some other constraint
    def failing_create(**kwargs: Any) -> CoachAssignment:
        raise IntegrityError('violates check constraint "assignment_planned_range"')

    monkeypatch.setattr(CoachAssignment.objects, "create", failing_create)

    # when / then
    with pytest.raises(CoachingError) as error:
        services.assignment_propose(
            coach=profile, plan=_plan(community, member), by=None, today=TODAY
        )
    assert str(error.value) == (
        "The engagement could not be saved: something changed meanwhile. Try again."
    )
    profile.refresh_from_db()
    assert profile.open_count == 0


def test_a_second_open_engagement_is_still_named_as_such(
    profile: CoachProfile, community: Community, member: Any
) -> None:
    services.assignment_propose(coach=profile, plan=_plan(community, member), by=None, today=TODAY)

    with pytest.raises(CoachingError) as error:
        services.assignment_propose(
            coach=profile, plan=_plan(community, member), by=None, today=TODAY
        )
    assert str(error.value) == "Cole Coach already has an open engagement with Mo Member."
    assert CoachAssignment.objects.count() == 1


# 3. The decline message says what is true


def test_declining_says_the_coordinators_see_the_reason_and_they_do(
    client_as: Callable[[str], Client],
    profile: CoachProfile,
    community: Community,
    member: Any,
    coordinator: Any,
) -> None:
    # given a proposal to the coach
    proposal = services.assignment_propose(
        coach=profile, plan=_plan(community, member), by=None, today=TODAY
    )

    # when the coach declines it with a reason
    response = client_as("coach").post(
        _url("assignment-decline", proposal.pk), {"reason": DECLINE_REASON}, follow=True
    )

    # then the message promises no notification, and the coordinators find the reason
    assert [str(m) for m in response.context["messages"]] == [
        "You declined the engagement; the coordinators see your reason on it."
    ]
    page = client_as("coordinator").get(proposal.get_absolute_url()).content.decode()
    assert DECLINE_REASON in page


# 4. Error reports never carry what was said


@pytest.mark.parametrize("url_name", ["session-new", "session-edit"])
def test_the_session_forms_hide_the_summary_and_notes_from_error_reports(
    client_as: Callable[[str], Client],
    profile: CoachProfile,
    community: Community,
    member: Any,
    url_name: str,
) -> None:
    # given an active engagement with a session
    engagement = _engagement(profile, community, member, AssignmentStatus.ACTIVE)
    session = CoachingSessionFactory.create(assignment=engagement)
    pk = engagement.pk if url_name == "session-new" else session.pk

    # when the coach posts the form
    response = client_as("coach").post(
        _url(url_name, pk),
        {
            "happened_on": "2026-11-20",
            "duration_minutes": "45",
            "summary": SUMMARY,
            "private_notes": NOTE,
        },
    )

    # then an error report of that request would show neither
    shown = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert SUMMARY not in str(shown)
    assert NOTE not in str(shown)
    assert shown["duration_minutes"] == "45"


def test_a_failing_session_log_leaves_the_summary_and_notes_out_of_the_error_report(
    profile: CoachProfile, community: Community, member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a failure inside the service, after it has received the notes
    engagement = _engagement(profile, community, member, AssignmentStatus.ACTIVE)

    def boom(*args: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "_check_session", boom)

    # when it fails
    with pytest.raises(RuntimeError) as failure:
        services.session_log(
            assignment=engagement,
            happened_on=TODAY,
            duration_minutes=30,
            summary=SUMMARY,
            private_notes=NOTE,
            today=TODAY,
        )
    report = ExceptionReporter(None, failure.type, failure.value, failure.tb)
    frames = [f for f in report.get_traceback_data()["frames"] if f["function"] == "session_log"]

    # then the report shows the service's frame and its variables, less the summary and notes
    shown = repr([frame["vars"] for frame in frames])
    assert frames
    assert "duration_minutes" in shown
    assert SUMMARY not in shown
    assert NOTE not in shown


# 5. Editing an engagement after the leader has left the community


def test_an_engagement_stays_editable_after_its_leader_has_left_the_community(
    profile: CoachProfile, community: Community, member: Any
) -> None:
    # given an active engagement whose leader then left the community
    engagement = _engagement(profile, community, member, AssignmentStatus.ACTIVE)
    Membership.objects.filter(person=member.person, community=community).delete()

    # when the coach changes its goals
    services.assignment_update(
        assignment=engagement, data={"goals": "Hand over well."}, skills=[], today=TODAY
    )

    # then
    engagement.refresh_from_db()
    assert engagement.goals == "Hand over well."


def test_a_proposal_still_needs_the_leader_to_be_a_member(
    profile: CoachProfile, community: Community, member: Any
) -> None:
    Membership.objects.filter(person=member.person, community=community).delete()

    with pytest.raises(CoachingError, match="is not a member of Wikimedia Testland"):
        services.assignment_propose(
            coach=profile, plan=_plan(community, member), by=None, today=TODAY
        )
    assert not CoachAssignment.objects.exists()


# 6. A team engagement needs a team


def test_a_team_engagement_for_a_community_without_organisers_is_refused(
    client_as: Callable[[str], Client], profile: CoachProfile, coordinator: Any, member: Any
) -> None:
    # given a community with a member but nobody organising it
    lonely = CommunityFactory.create(name="Lonely Land")
    MembershipFactory.create(person=member.person, community=lonely)

    # when / then: the service refuses, and nothing is written
    with pytest.raises(CoachingError) as error:
        services.assignment_propose(coach=profile, plan=_plan(lonely, None), by=None, today=TODAY)
    assert str(error.value) == (
        "Lonely Land has no organisers: nobody would be coached. Propose the engagement to one "
        "of its leaders instead, or once it has organisers."
    )
    assert not CoachAssignment.objects.exists()
    profile.refresh_from_db()
    assert profile.open_count == 0

    # and the page says so before suggesting anyone, and refuses the proposal
    client = client_as("coordinator")
    url = f"{_url('assignment-new')}?community={lonely.pk}"
    asked = client.get(url)
    assert "Lonely Land has no organisers" in asked.content.decode()
    assert asked.context["suggestions"] == []
    response = client.post(
        url,
        {
            "coach": profile.pk,
            "goals": "A calmer board.",
            "plan_unit": "sessions",
            "planned_amount": 6,
            "quiet_weeks": 4,
        },
    )
    assert "Lonely Land has no organisers" in response.content.decode()
    assert not CoachAssignment.objects.exists()


# 7. A coordinator's session rows carry no summary at all


def test_a_coordinators_session_rows_have_no_summary_to_read(
    profile: CoachProfile, community: Community, member: Any
) -> None:
    # given a session with a summary
    engagement = _engagement(profile, community, member, AssignmentStatus.ACTIVE)
    CoachingSessionFactory.create(assignment=engagement, summary=SUMMARY)

    # when the rows are read for someone not allowed summaries
    with CaptureQueriesContext(connection) as queries:
        rows = assignment_sessions(assignment=engagement, with_summaries=False, limit=10)
        touched = [row.summary for row in rows]

    # then the summary was never selected, and touching it loads nothing
    assert touched == [""]
    assert len(queries) == 1
    assert "summary" not in queries[0]["sql"]
    assert not isinstance(rows[0], CoachingSession)


def test_the_coach_and_coachee_rows_carry_the_summary(
    profile: CoachProfile, community: Community, member: Any
) -> None:
    engagement = _engagement(profile, community, member, AssignmentStatus.ACTIVE)
    session = CoachingSessionFactory.create(assignment=engagement, summary=SUMMARY)
    CoachingNote.objects.create(session=session, text=NOTE)

    rows = assignment_sessions(assignment=engagement, with_summaries=True, limit=10)

    assert [(row.pk, row.summary, row.coach_note) for row in rows] == [(session.pk, SUMMARY, "")]


# 8. The coaches' list: away dates in the future only; "accepting" leaves out who is away


def test_the_coach_list_shows_an_away_date_only_while_it_is_ahead(
    client_as: Callable[[str], Client], coordinator: Any
) -> None:
    # given a coach back since yesterday and one away until tomorrow
    back = CoachProfileFactory.create(away_until=date(2026, 11, 30), person__display_name="Back")
    away = CoachProfileFactory.create(away_until=date(2026, 12, 2), person__display_name="Away")

    # when
    page = client_as("coordinator").get(_url("coach-list")).content.decode()
    detail = client_as("coordinator").get(back.get_absolute_url()).content.decode()

    # then
    assert "Away until 2026-11-30" not in page
    assert "Away until" in page
    assert page.count("Away until") == 1
    assert "Away until" not in detail
    assert away.pk


def test_the_accepting_filter_leaves_out_coaches_away_today(
    client_as: Callable[[str], Client], coordinator: Any
) -> None:
    # given: back today (away until today), back since yesterday, away until tomorrow
    CoachProfileFactory.create(away_until=date(2026, 12, 1), person__display_name="Back Today")
    CoachProfileFactory.create(away_until=date(2026, 11, 30), person__display_name="Back Before")
    CoachProfileFactory.create(away_until=date(2026, 12, 2), person__display_name="Still Away")

    # when
    response = client_as("coordinator").get(_url("coach-list"), {"accepting": "on"})

    # then
    names = {coach.person.display_name for coach in response.context["page"].items}
    assert {"Back Today", "Back Before"} <= names
    assert "Still Away" not in names


# The cached suggestions are renewed by coaching writes


def test_a_coach_who_stops_accepting_leaves_the_cached_suggestions_at_once(
    client_as: Callable[[str], Client], community: Community, member: Any, coordinator: Any
) -> None:
    # given suggestions read once (and cached) with two coaches
    first, second = CoachProfileFactory.create_batch(2)
    client = client_as("coordinator")
    url = f"{_url('assignment-new')}?community={community.pk}&coachee=member@example.org"
    assert {s.coach.pk for s in client.get(url).context["suggestions"]} >= {first.pk, second.pk}

    # when one stops accepting through the service (which also rewrites their regions in bulk)
    services.coach_update(
        coach=first,
        data={"accepting": False},
        languages=[],
        communities=[],
        skills=[],
        regions=["nwe"],
    )

    # then the next page no longer suggests them
    assert first.pk not in {s.coach.pk for s in client.get(url).context["suggestions"]}


def test_the_suggestions_key_changes_with_every_coaching_write(
    community: Community, member: Any
) -> None:
    def key() -> str:
        return fragments.suggestions_key(
            community=community, coachee=member.person, skill_ids=[], today=TODAY, limit=10
        )

    before = key()
    CoachProfileFactory.create()
    assert key() != before
    assert key() == key()
    assert coach_suggestions(plan=_plan(community, member), today=TODAY)
