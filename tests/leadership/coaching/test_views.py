"""The coaching pages for every named user: who opens what, who may write (and that a refused
write changes nothing), what bad input gets, the journey of an engagement through the pages, and
what the pages cost."""

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leadership.coaching import services
from leadership.coaching.models import (
    AssignmentStatus,
    CoachAssignment,
    CoachingNote,
    CoachingSession,
    CoachProfile,
)
from leadership.models import Community, Membership
from tests.factories import (
    CoachAssignmentFactory,
    CoachingSessionFactory,
    CoachProfileFactory,
    MembershipFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

EVERYONE = ["anonymous", "member", "organiser", "outsider", "coordinator", "coach", "superuser"]
TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _now() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=ZoneInfo("UTC")), tick=False):
        yield


@pytest.fixture
def profile(coach: Any) -> CoachProfile:
    return CoachProfile.objects.get(person__user=coach)


@pytest.fixture
def engagement(profile: CoachProfile, member: Any, community: Community) -> CoachAssignment:
    """The coach's active engagement with the member, counted in the caseload."""
    assignment = CoachAssignmentFactory.create(
        coach=profile, coachee=member.person, community=community
    )
    CoachProfile.objects.filter(pk=profile.pk).update(open_count=1)
    return assignment


@pytest.fixture
def session(engagement: CoachAssignment) -> CoachingSession:
    session = CoachingSessionFactory.create(assignment=engagement, summary="We met.")
    CoachingNote.objects.create(session=session, text="Remember the budget.")
    return session


@pytest.fixture
def proposal(
    profile: CoachProfile, organiser: Any, community: Community, coordinator: Any
) -> CoachAssignment:
    """A proposal to the coach to work with the community's leadership team."""
    return services.assignment_propose(
        coach=profile,
        plan=services.EngagementPlan(
            community=community,
            coachee=None,
            goals="A calmer board.",
            starts_on=TODAY,
            ends_on=date(2027, 6, 1),
        ),
        by=coordinator.person,
        today=TODAY,
    )


def _status(client: Client, url: str) -> Any:
    response = client.get(url)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("account_login")), response["Location"]
        return "login"
    return response.status_code


def _url(name: str, pk: int | None = None) -> str:
    return reverse(f"coaching:{name}", kwargs={"pk": pk} if pk is not None else None)


def _said(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _expect(ok: set[str], refused: int) -> dict[str, Any]:
    return {name: 200 if name in ok else refused for name in EVERYONE} | {"anonymous": "login"}


# Who opens which page


@pytest.mark.parametrize("name", EVERYONE)
def test_everyone_signed_in_opens_the_coaching_home(
    client_as: Callable[[str], Client], name: str, engagement: CoachAssignment
) -> None:
    assert _status(client_as(name), _url("home")) == _expect(set(EVERYONE), 0)[name]


@pytest.mark.parametrize("name", EVERYONE)
def test_only_coordinators_open_the_lists_and_the_forms_to_add_a_coach_or_an_engagement(
    client_as: Callable[[str], Client], name: str, community: Community
) -> None:
    client = client_as(name)
    expected = _expect({"coordinator", "superuser"}, 403)[name]
    for url in [
        _url("coach-list"),
        _url("coach-add"),
        _url("assignment-list"),
        _url("assignment-new"),
        f"{_url('assignment-new')}?community={community.pk}",
    ]:
        assert _status(client, url) == expected, url


@pytest.mark.parametrize("name", EVERYONE)
def test_a_coach_profile_is_opened_and_edited_by_the_coach_and_coordinators_only(
    client_as: Callable[[str], Client], name: str, profile: CoachProfile
) -> None:
    client = client_as(name)
    expected = _expect({"coach", "coordinator", "superuser"}, 404)[name]
    for url in [_url("coach-detail", profile.pk), _url("coach-edit", profile.pk)]:
        assert _status(client, url) == expected, url


@pytest.mark.parametrize("name", EVERYONE)
def test_an_engagement_is_seen_by_its_coach_its_leader_and_coordinators(
    client_as: Callable[[str], Client], name: str, engagement: CoachAssignment
) -> None:
    client = client_as(name)

    assert (
        _status(client, engagement.get_absolute_url())
        == _expect({"coach", "member", "coordinator", "superuser"}, 404)[name]
    )
    # Its leader sees it and may not edit it (403); who may not see it gets 404.
    edit = _expect({"coach", "coordinator", "superuser"}, 404) | {"member": 403}
    assert _status(client, _url("assignment-edit", engagement.pk)) == edit[name]


@pytest.mark.parametrize("name", EVERYONE)
def test_a_team_engagement_is_seen_by_the_communitys_organisers_not_its_members(
    client_as: Callable[[str], Client], name: str, proposal: CoachAssignment
) -> None:
    services.assignment_accept(assignment=proposal, now=datetime.now(tz=ZoneInfo("UTC")))

    assert (
        _status(client_as(name), proposal.get_absolute_url())
        == _expect({"coach", "organiser", "coordinator", "superuser"}, 404)[name]
    )


@pytest.mark.parametrize("name", EVERYONE)
def test_only_the_coach_opens_the_session_forms(
    client_as: Callable[[str], Client], name: str, session: CoachingSession
) -> None:
    client = client_as(name)
    # Who sees the engagement (its leader, coordinators) may not log a session on it (403); a
    # session's own page is the coach's alone (404 for everyone else).
    sees = {"member": 403, "coordinator": 403, "superuser": 403}
    new_session = (_expect({"coach"}, 404) | sees)[name]
    assert _status(client, _url("session-new", session.assignment_id)) == new_session
    assert _status(client, _url("session-edit", session.pk)) == _expect({"coach"}, 404)[name]


def test_someone_who_is_neither_coach_coachee_nor_coordinator_is_told_what_coaching_is(
    client_as: Callable[[str], Client], outsider: Any
) -> None:
    response = client_as("outsider").get(_url("home"))

    assert "coordinators assign coaches" in response.text
    assert _url("assignment-new") not in response.text


def test_the_main_menu_leads_to_coaching_and_marks_it_current_there(
    client_as: Callable[[str], Client], member: Any
) -> None:
    client = client_as("member")

    elsewhere = client.get(reverse("leadership:home")).text
    here = client.get(_url("home")).text

    link = f'href="{_url("home")}">Coaching</a>'
    assert link in elsewhere
    assert f'aria-current="page" {link}' in here


def test_a_coach_sees_proposals_to_answer_above_their_engagements_with_progress(
    client_as: Callable[[str], Client], session: CoachingSession, proposal: CoachAssignment
) -> None:
    response = client_as("coach").get(_url("home"))

    text = response.text
    assert text.index(_url("assignment-accept", proposal.pk)) < text.index(
        session.assignment.get_absolute_url()
    )
    assert "1 of 6 sessions" in text
    assert _url("coach-edit", proposal.coach_id) in text


def test_a_leader_sees_their_engagement_on_the_home_page_but_not_a_proposal_for_their_team(
    client_as: Callable[[str], Client], engagement: CoachAssignment, proposal: CoachAssignment
) -> None:
    member_home = client_as("member").get(_url("home")).text
    organiser_home = client_as("organiser").get(_url("home")).text

    assert engagement.get_absolute_url() in member_home
    assert proposal.get_absolute_url() not in organiser_home


# Refused writes change nothing


def _posts(engagement: CoachAssignment, proposal: CoachAssignment) -> list[tuple[str, dict]]:
    return [
        (_url("assignment-accept", proposal.pk), {}),
        (_url("assignment-decline", proposal.pk), {"reason": "No"}),
        (_url("assignment-withdraw", proposal.pk), {}),
        (_url("assignment-pause", engagement.pk), {}),
        (_url("assignment-complete", engagement.pk), {"note": "Done"}),
        (_url("assignment-edit", engagement.pk), {"goals": "Taken over", "ends_on": "2027-03-01"}),
    ]


@pytest.mark.parametrize("name", ["anonymous", "member", "organiser", "outsider"])
def test_a_refused_answer_withdrawal_pause_completion_or_edit_changes_nothing(
    client_as: Callable[[str], Client],
    name: str,
    engagement: CoachAssignment,
    proposal: CoachAssignment,
    profile: CoachProfile,
) -> None:
    client = client_as(name)

    responses = [client.post(url, data) for url, data in _posts(engagement, proposal)]

    if name == "anonymous":
        assert all(r["Location"].startswith(reverse("account_login")) for r in responses)
    elif name == "member":
        # The leader sees their engagement (403), not the proposal made to coach someone else.
        assert [r.status_code for r in responses] == [404, 404, 404, 403, 403, 403]
    else:
        assert {r.status_code for r in responses} == {404}
    engagement.refresh_from_db()
    proposal.refresh_from_db()
    profile.refresh_from_db()
    assert (engagement.status, engagement.goals) == (
        AssignmentStatus.ACTIVE,
        "Grow into the chair's role.",
    )
    assert proposal.status == AssignmentStatus.PROPOSED
    assert profile.open_count == 2


@pytest.mark.parametrize("name", ["coordinator", "superuser"])
def test_only_the_coach_answers_a_proposal_not_a_coordinator_nor_a_superuser(
    client_as: Callable[[str], Client], name: str, proposal: CoachAssignment
) -> None:
    client = client_as(name)

    accept = client.post(_url("assignment-accept", proposal.pk))
    decline = client.post(_url("assignment-decline", proposal.pk), {"reason": "No"})

    assert (accept.status_code, decline.status_code) == (403, 403)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.responded_at) == (AssignmentStatus.PROPOSED, None)


@pytest.mark.parametrize("name", ["member", "outsider", "coach"])
def test_only_a_coordinator_withdraws_a_proposal(
    client_as: Callable[[str], Client], name: str, proposal: CoachAssignment
) -> None:
    response = client_as(name).post(_url("assignment-withdraw", proposal.pk))

    # The coach sees the proposal and may not withdraw it; the others may not see it.
    assert response.status_code == (403 if name == "coach" else 404)
    proposal.refresh_from_db()
    assert proposal.status == AssignmentStatus.PROPOSED


@pytest.mark.parametrize(
    "name", ["anonymous", "member", "organiser", "outsider", "coordinator", "superuser"]
)
def test_only_the_coach_logs_edits_removes_a_session_or_erases_its_notes(
    client_as: Callable[[str], Client], name: str, session: CoachingSession
) -> None:
    client = client_as(name)
    data = {"happened_on": "2026-11-20", "duration_minutes": 30, "summary": "Forged"}

    responses = [
        client.post(_url("session-new", session.assignment_id), data),
        client.post(_url("session-edit", session.pk), data),
        client.post(_url("session-delete", session.pk)),
        client.post(_url("note-erase", session.pk)),
    ]

    if name == "anonymous":
        assert {r.status_code for r in responses} == {302}
    elif name in ("member", "coordinator", "superuser"):
        # They see the engagement, so logging on it is forbidden (403); its sessions' own pages
        # are the coach's alone (404).
        assert [r.status_code for r in responses] == [403, 404, 404, 404]
    else:
        assert {r.status_code for r in responses} == {404}
    assert list(CoachingSession.objects.values_list("pk", "summary")) == [(session.pk, "We met.")]
    assert CoachingNote.objects.get(session=session).text == "Remember the budget."


@pytest.mark.parametrize("name", ["member", "outsider", "organiser"])
def test_a_refused_coach_edit_or_new_coach_changes_nothing(
    client_as: Callable[[str], Client], name: str, profile: CoachProfile
) -> None:
    client = client_as(name)

    edit = client.post(_url("coach-edit", profile.pk), {"caseload_cap": 9, "accepting": ""})
    add = client.post(_url("coach-add"), {"person": "member@example.org"})

    assert (edit.status_code, add.status_code) == (404, 403)
    profile.refresh_from_db()
    assert (profile.caseload_cap, profile.accepting) == (3, True)
    assert CoachProfile.objects.count() == 1


def test_the_get_pages_refuse_a_post_only_action(
    client_as: Callable[[str], Client], engagement: CoachAssignment
) -> None:
    response = client_as("coach").get(_url("assignment-pause", engagement.pk))

    assert response.status_code == 405


# Bad input


def test_a_session_dated_in_the_future_is_refused_with_a_message_and_nothing_is_logged(
    client_as: Callable[[str], Client], engagement: CoachAssignment
) -> None:
    response = client_as("coach").post(
        _url("session-new", engagement.pk),
        {"happened_on": "2026-12-02", "duration_minutes": 60, "summary": "Tomorrow"},
    )

    assert response.status_code == 200
    assert "the date is in the future" in response.text
    assert not CoachingSession.objects.exists()


def test_a_caseload_below_the_open_engagements_is_refused_and_nothing_changes(
    client_as: Callable[[str], Client], engagement: CoachAssignment, proposal: CoachAssignment
) -> None:
    profile = engagement.coach

    response = client_as("coach").post(
        _url("coach-edit", profile.pk),
        {"caseload_cap": 1, "availability": "Mondays", "accepting": "on", "regions": ["nwe"]},
    )

    assert response.status_code == 200
    assert "You already have 2 open engagements" in response.text
    profile.refresh_from_db()
    assert (profile.caseload_cap, profile.availability) == (3, "")
    assert not profile.coach_regions.exists()


def test_an_unknown_email_makes_nobody_a_coach(
    client_as: Callable[[str], Client], coordinator: Any
) -> None:
    response = client_as("coordinator").post(_url("coach-add"), {"person": "nobody@example.org"})

    assert response.status_code == 200
    assert "Nobody signs in with that email address." in response.text
    assert not CoachProfile.objects.exists()


def test_someone_who_is_already_a_coach_is_not_made_one_twice(
    client_as: Callable[[str], Client], profile: CoachProfile, coordinator: Any
) -> None:
    response = client_as("coordinator").post(_url("coach-add"), {"person": "coach@example.org"})

    assert "Cole Coach is already a coach." in response.text
    assert CoachProfile.objects.count() == 1


def test_a_coordinator_makes_a_member_a_coach_by_their_email(
    client_as: Callable[[str], Client], member: Any, coordinator: Any
) -> None:
    response = client_as("coordinator").post(
        _url("coach-add"), {"person": "MEMBER@example.org"}, follow=True
    )

    coach = CoachProfile.objects.get()
    assert coach.person == member.person
    assert response.redirect_chain[-1][0] == coach.get_absolute_url()
    assert _said(response) == ["Mo Member is now a coach."]


def test_a_leader_who_is_not_a_member_of_the_community_gets_a_clear_error_and_no_suggestions(
    client_as: Callable[[str], Client], outsider: Any, community: Community, coach: Any
) -> None:
    response = client_as("coordinator").get(
        _url("assignment-new"),
        {"community": str(community.pk), "coachee": "outsider@example.org"},
    )

    assert "Otto Outsider is not a member of Wikimedia Testland." in response.text
    assert response.context["suggestions"] == []


def test_a_proposal_without_goals_is_refused_and_nothing_is_written(
    client_as: Callable[[str], Client], member: Any, community: Community, profile: CoachProfile
) -> None:
    query = f"?community={community.pk}&coachee=member@example.org"

    response = client_as("coordinator").post(
        _url("assignment-new") + query,
        {
            "coach": profile.pk,
            "goals": "  ",
            "plan_unit": "sessions",
            "planned_amount": 6,
            "quiet_weeks": 4,
        },
    )

    assert response.status_code == 200
    assert not CoachAssignment.objects.exists()
    profile.refresh_from_db()
    assert profile.open_count == 0


def test_a_coach_who_cannot_take_it_turns_into_a_message_not_an_error_page(
    client_as: Callable[[str], Client], member: Any, community: Community, profile: CoachProfile
) -> None:
    CoachProfile.objects.filter(pk=profile.pk).update(accepting=False)
    query = f"?community={community.pk}&coachee=member@example.org"

    response = client_as("coordinator").post(
        _url("assignment-new") + query,
        {
            "coach": profile.pk,
            "goals": "Chair",
            "plan_unit": "sessions",
            "planned_amount": 6,
            "quiet_weeks": 4,
        },
    )

    assert "Cole Coach is not taking new engagements." in response.text
    assert not CoachAssignment.objects.exists()


def test_pausing_a_paused_engagement_says_why_and_changes_nothing(
    client_as: Callable[[str], Client], engagement: CoachAssignment
) -> None:
    CoachAssignment.objects.filter(pk=engagement.pk).update(status=AssignmentStatus.PAUSED)

    response = client_as("coach").post(_url("assignment-pause", engagement.pk), follow=True)

    assert _said(response) == ["This engagement is paused: that cannot be done now."]
    engagement.refresh_from_db()
    assert engagement.status == AssignmentStatus.PAUSED


# The journey


def test_proposed_accepted_logged_read_by_the_leader_and_completed_through_the_pages(
    client_as: Callable[[str], Client], member: Any, community: Community, profile: CoachProfile
) -> None:
    coordinator, coach, leader = client_as("coordinator"), client_as("coach"), client_as("member")
    query = f"?community={community.pk}&coachee=member@example.org"

    # given: the coordinator asks for suggestions
    suggested = coordinator.get(_url("assignment-new") + query)
    assert [s.coach for s in suggested.context["suggestions"]] == [profile]
    assert "Propose to Cole Coach" in suggested.text

    # when: they propose to the coach
    proposed = coordinator.post(
        _url("assignment-new") + query,
        {
            "coach": profile.pk,
            "goals": "Chair the board with confidence.",
            "plan_unit": "hours",
            "planned_amount": 10,
            "quiet_weeks": 3,
            "requested_by": "member@example.org",
            "request_reason": "New chair.",
        },
        follow=True,
    )
    assignment = CoachAssignment.objects.get()
    assert proposed.redirect_chain[-1][0] == assignment.get_absolute_url()
    assert _said(proposed) == ["The engagement was proposed to Cole Coach."]
    assert (assignment.status, assignment.coachee, assignment.requested_by) == (
        AssignmentStatus.PROPOSED,
        member.person,
        member.person,
    )
    assert (assignment.starts_on, assignment.plan_unit, assignment.planned_amount) == (
        TODAY,
        "hours",
        10,
    )
    # not the leader's to see until the coach accepts (its request reason is not theirs)
    assert leader.get(assignment.get_absolute_url()).status_code == 404

    # then: the coach accepts and logs a session with private notes
    coach.post(_url("assignment-accept", assignment.pk))
    logged = coach.post(
        _url("session-new", assignment.pk),
        {
            "happened_on": "2026-12-01",
            "duration_minutes": 90,
            "summary": "We prepared the AGM.",
            "private_notes": "Seems tired.",
        },
        follow=True,
    )
    assert _said(logged)[-1] == "The session is logged."
    assert "1.5 of 10 hours" in logged.text

    # and the leader reads the summary, not the notes
    seen = leader.get(assignment.get_absolute_url()).text
    assert "We prepared the AGM." in seen
    assert "Seems tired." not in seen

    # and the coach completes it, freeing the place
    done = coach.post(
        _url("assignment-complete", assignment.pk), {"note": "Goals met."}, follow=True
    )
    assert _said(done)[-1] == "The engagement is completed. Thank you."
    assignment.refresh_from_db()
    profile.refresh_from_db()
    assert (assignment.status, assignment.end_note, assignment.ended_on) == (
        AssignmentStatus.COMPLETED,
        "Goals met.",
        TODAY,
    )
    assert profile.open_count == 0


def test_the_coach_declines_with_a_reason_and_the_place_is_freed(
    client_as: Callable[[str], Client], proposal: CoachAssignment, profile: CoachProfile
) -> None:
    client_as("coach").post(_url("assignment-decline", proposal.pk), {"reason": "Too busy."})

    proposal.refresh_from_db()
    profile.refresh_from_db()
    assert (proposal.status, proposal.decline_reason) == (AssignmentStatus.DECLINED, "Too busy.")
    assert profile.open_count == 0


def test_a_coordinator_withdraws_a_proposal(
    client_as: Callable[[str], Client], proposal: CoachAssignment, profile: CoachProfile
) -> None:
    client_as("coordinator").post(_url("assignment-withdraw", proposal.pk))

    proposal.refresh_from_db()
    profile.refresh_from_db()
    assert (proposal.status, profile.open_count) == (AssignmentStatus.WITHDRAWN, 0)


def test_the_coach_pauses_and_resumes(
    client_as: Callable[[str], Client], engagement: CoachAssignment
) -> None:
    client = client_as("coach")

    client.post(_url("assignment-pause", engagement.pk))
    engagement.refresh_from_db()
    paused = engagement.status
    client.post(_url("assignment-resume", engagement.pk))
    engagement.refresh_from_db()

    assert (paused, engagement.status, engagement.resumed_on) == (
        AssignmentStatus.PAUSED,
        AssignmentStatus.ACTIVE,
        TODAY,
    )


def test_the_coach_edits_a_session_erases_its_notes_and_removes_it(
    client_as: Callable[[str], Client], session: CoachingSession
) -> None:
    client = client_as("coach")

    form = client.get(_url("session-edit", session.pk))
    assert "Remember the budget." in form.text
    client.post(
        _url("session-edit", session.pk),
        {
            "happened_on": "2026-11-02",
            "duration_minutes": 45,
            "summary": "Better summary",
            "private_notes": "Remember the budget, again.",
        },
    )
    session.refresh_from_db()
    assert (session.happened_on, session.summary) == (date(2026, 11, 2), "Better summary")
    assert CoachingNote.objects.get(session=session).text == "Remember the budget, again."

    client.post(_url("note-erase", session.pk))
    assert not CoachingNote.objects.exists()
    client.post(_url("session-delete", session.pk))
    assert not CoachingSession.objects.exists()


def test_the_coach_edits_their_profile(
    client_as: Callable[[str], Client], profile: CoachProfile, other_community: Community
) -> None:
    response = client_as("coach").post(
        _url("coach-edit", profile.pk),
        {
            "caseload_cap": 5,
            "availability": "Two evenings a month",
            "regions": ["nwe", "cee"],
            "communities": [other_community.pk],
            "approach": "Listening first.",
        },
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.caseload_cap, profile.accepting, profile.availability) == (
        5,
        False,
        "Two evenings a month",
    )
    assert sorted(profile.coach_regions.values_list("region", flat=True)) == ["cee", "nwe"]
    assert list(profile.communities.all()) == [other_community]


def test_a_coordinator_edits_an_open_engagement(
    client_as: Callable[[str], Client], engagement: CoachAssignment
) -> None:
    response = client_as("coordinator").post(
        _url("assignment-edit", engagement.pk),
        {
            "goals": "New goals",
            "ends_on": "2027-04-01",
            "plan_unit": "sessions",
            "planned_amount": 8,
            "quiet_weeks": 2,
        },
    )

    assert response.status_code == 302
    engagement.refresh_from_db()
    assert (engagement.goals, engagement.ends_on, engagement.planned_amount) == (
        "New goals",
        date(2027, 4, 1),
        8,
    )


def test_the_lists_filter_coaches_and_engagements(
    client_as: Callable[[str], Client], engagement: CoachAssignment, other_community: Community
) -> None:
    other = CoachProfileFactory.create(person__display_name="Ada Advisor")
    other.coach_regions.create(region="cee")
    client = client_as("coordinator")

    coaches = client.get(_url("coach-list"), {"region": "cee"})
    engagements = client.get(_url("assignment-list"), {"community": other_community.pk})
    active = client.get(_url("assignment-list"), {"status": "active"})

    assert [c.pk for c in coaches.context["page"].items] == [other.pk]
    assert engagements.context["page"].items == []
    assert active.context["page"].items == [engagement]


# What the pages cost


def _more_engagements(profile: CoachProfile, community: Community, count: int) -> None:
    """`count` more engagements of the coach, each with a session, some with other leaders."""
    CoachProfile.objects.filter(pk=profile.pk).update(caseload_cap=30)
    for _ in range(count):
        leader = PersonFactory.create()
        MembershipFactory.create(person=leader, community=community, role=Membership.Role.MEMBER)
        assignment = CoachAssignmentFactory.create(
            coach=profile, coachee=leader, community=community
        )
        CoachingSessionFactory.create(assignment=assignment)


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# The coach: session, user, person, coach profile, engagements as coach, memberships (the
# communities they organise), engagements as coachee, progress (one aggregate), coordinators group.
# The coordinator: the same less the engagements as coach and their progress.
# Once cached (leadership/coaching/fragments.py), the lists and progress cost nothing: session,
# user, person, coach profile, coordinators group.
@pytest.mark.parametrize(("name", "expected"), [("coach", 9), ("coordinator", 7)])
def test_the_home_page_costs_the_same_with_3_or_20_engagements(
    client_as: Callable[[str], Client],
    name: str,
    expected: int,
    profile: CoachProfile,
    community: Community,
    coordinator: Any,
    django_assert_num_queries: Any,
) -> None:
    client = client_as(name)
    _more_engagements(profile, community, 3)
    client.get(_url("home"))  # warm the caches a first page fills

    cache.clear()
    few = _count(client, _url("home"))
    _more_engagements(profile, community, 17)
    cache.clear()
    with django_assert_num_queries(expected):
        client.get(_url("home"))
    with django_assert_num_queries(5):
        client.get(_url("home"))

    assert few == expected


def test_the_home_page_lists_are_renewed_by_a_coaching_write(
    client_as: Callable[[str], Client], engagement: CoachAssignment
) -> None:
    # given the coach's home, cached with no session logged
    client = client_as("coach")
    assert "0 of 6 sessions" in client.get(_url("home")).content.decode()

    # when a session is logged
    services.session_log(
        assignment=engagement,
        happened_on=TODAY,
        duration_minutes=30,
        summary="",
        private_notes="",
        today=TODAY,
    )

    # then the next page counts it
    assert "1 of 6 sessions" in client.get(_url("home")).content.decode()


def test_the_detail_page_costs_the_same_with_3_or_20_sessions(
    client_as: Callable[[str], Client],
    engagement: CoachAssignment,
    django_assert_num_queries: Any,
) -> None:
    client = client_as("coach")
    for _ in range(3):
        CoachingSessionFactory.create(assignment=engagement)
    client.get(engagement.get_absolute_url())

    few = _count(client, engagement.get_absolute_url())
    for day in range(17):
        session = CoachingSessionFactory.create(
            assignment=engagement, happened_on=date(2026, 11, day + 1)
        )
        CoachingNote.objects.create(session=session, text="note")
    with django_assert_num_queries(few):
        client.get(engagement.get_absolute_url())
    # session, user, engagement (with coach, leader, community, asked by), coordinators group,
    # person, sessions, private notes (the coach's), focus areas; the progress is counted from
    # the sessions loaded
    assert few == 8


@pytest.mark.parametrize("url_name", ["coach-list", "assignment-list"])
def test_the_coordinators_lists_cost_the_same_with_3_or_20_rows(
    client_as: Callable[[str], Client],
    url_name: str,
    profile: CoachProfile,
    community: Community,
    coordinator: Any,
    django_assert_num_queries: Any,
) -> None:
    client = client_as("coordinator")
    _more_engagements(profile, community, 3)
    for _ in range(3):
        CoachProfileFactory.create()
    client.get(_url(url_name))

    cache.clear()  # counted as a first visit: nothing of the page cached
    few = _count(client, _url(url_name))
    _more_engagements(profile, community, 17)
    for _ in range(17):
        CoachProfileFactory.create()
    cache.clear()
    with django_assert_num_queries(few):
        client.get(_url(url_name))
    assert few == LIST_QUERIES[url_name]


LIST_QUERIES = {
    # session, user, the viewer's time zone, coordinators group, coaches (with person), their
    # regions, their languages
    "coach-list": 7,
    # session, user, coordinators group, engagements (with coach, leader, community), person,
    # the communities of the filters' menu (both cached after a first visit: one query less
    # each, see test_the_cached_engagement_rows_follow_every_coaching_write)
    "assignment-list": 6,
}


def test_the_suggestions_page_costs_the_same_with_3_or_20_coaches(
    client_as: Callable[[str], Client],
    member: Any,
    community: Community,
    coordinator: Any,
    django_assert_num_queries: Any,
) -> None:
    client = client_as("coordinator")
    url = f"{_url('assignment-new')}?community={community.pk}&coachee=member@example.org"
    for _ in range(3):
        CoachProfileFactory.create()
    client.get(url)

    cache.clear()
    few = _count(client, url)
    for _ in range(17):
        CoachProfileFactory.create()
    cache.clear()
    with django_assert_num_queries(few):
        response = client.get(url)
    assert len(response.context["suggestions"]) == 10
    # session, user, coordinators group, the community, the leader by email, their membership;
    # the suggestions' own (the leader's languages, role holders, organisers, candidates, their
    # people...), the person, and the form's communities and skills
    assert few == 17


def test_the_suggestions_are_read_from_the_cache_until_coaching_changes(
    client_as: Callable[[str], Client],
    member: Any,
    community: Community,
    coordinator: Any,
    django_assert_num_queries: Any,
) -> None:
    # given suggestions computed once
    client = client_as("coordinator")
    url = f"{_url('assignment-new')}?community={community.pk}&coachee=member@example.org"
    CoachProfileFactory.create_batch(3)
    first = client.get(url).context["suggestions"]

    # when asked again: session, user, coordinators group, the community, the leader by email,
    # their membership, the person (the forms' markup, with the communities and skills, is cached)
    with django_assert_num_queries(7):
        again = client.get(url).context["suggestions"]
    assert [s.coach.pk for s in again] == [s.coach.pk for s in first]

    # then a new coach is suggested at once
    newcomer = CoachProfileFactory.create()
    after = client.get(url).context["suggestions"]
    assert newcomer.pk in {s.coach.pk for s in after}


def test_the_cached_filters_follow_a_renamed_community(
    client_as: Callable[[str], Client], community: Community, coordinator: Any
) -> None:
    client = client_as("coordinator")
    assert community.name in client.get(_url("assignment-list")).content.decode()
    community.name = "Wikimedia Renamedland"
    community.save(update_fields=["name"])
    assert "Wikimedia Renamedland" in client.get(_url("assignment-list")).content.decode()


def test_the_cached_engagement_rows_follow_every_coaching_write(
    client_as: Callable[[str], Client],
    engagement: CoachAssignment,
    coordinator: Any,
    django_assert_num_queries: Any,
) -> None:
    client = client_as("coordinator")
    before = client.get(_url("assignment-list")).content.decode().count("Paused")
    # seen before: session, user, coordinators group, person (rows and menu from the cache)
    with django_assert_num_queries(4):
        client.get(_url("assignment-list"))
    services.assignment_pause(assignment=engagement)
    # one more: the row's status (the filters' menu offers "Paused" too)
    assert client.get(_url("assignment-list")).content.decode().count("Paused") == before + 1
