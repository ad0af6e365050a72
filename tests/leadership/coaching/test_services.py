"""The coaching services: every happy path, and every refusal leaving nothing written."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from leadership.coaching.models import (
    AssignmentStatus,
    CoachAssignment,
    CoachingNote,
    CoachingSession,
    CoachProfile,
    CoachRegion,
)
from leadership.coaching.services import (
    CoachingError,
    EngagementPlan,
    assignment_accept,
    assignment_complete,
    assignment_decline,
    assignment_pause,
    assignment_propose,
    assignment_resume,
    assignment_update,
    assignment_withdraw,
    coach_create,
    coach_update,
    conflicted_coach_person_ids,
    note_erase,
    session_delete,
    session_log,
    session_update,
)
from leadership.models import Community, Person
from tests.factories import (
    LanguageFactory,
    MembershipFactory,
    PersonFactory,
    RoleFactory,
    SkillFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def profile(coach: Any) -> CoachProfile:
    """Cole Coach's profile: room for three, no community."""
    result: CoachProfile = coach.person.coach_profile
    return result


@pytest.fixture
def leader(member: Any) -> Person:
    """Mo Member of Wikimedia Testland."""
    result: Person = member.person
    return result


def _plan(community: Community, coachee: Person | None, **fields: Any) -> EngagementPlan:
    plan = EngagementPlan(
        community=community,
        coachee=coachee,
        goals="  Chair the board with confidence.  ",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 6, 1),
    )
    return replace(plan, **fields)


def _leader_of(community: Community) -> Person:
    person = PersonFactory.create()
    MembershipFactory.create(person=person, community=community)
    return person


def _open_count(profile: CoachProfile) -> int:
    return CoachProfile.objects.get(pk=profile.pk).open_count


def _propose(
    profile: CoachProfile, community: Community, coachee: Person | None, **fields: Any
) -> CoachAssignment:
    return assignment_propose(
        coach=profile, plan=_plan(community, coachee, **fields), by=None, today=TODAY
    )


def _active(profile: CoachProfile, community: Community, coachee: Person) -> CoachAssignment:
    return assignment_accept(assignment=_propose(profile, community, coachee), now=NOW)


def _refused(call: Callable[[], object], message: str) -> None:
    with pytest.raises(CoachingError) as error:
        call()
    assert str(error.value) == message


# --- coaches


def test_making_someone_a_coach_marks_them_open_to_coaching() -> None:
    # given
    person = PersonFactory.create(open_to_coaching=False)

    # when
    coach = coach_create(person=person)

    # then
    assert coach.caseload_cap == 3
    assert coach.open_count == 0
    assert coach.accepting
    person.refresh_from_db()
    assert person.open_to_coaching


def test_making_a_coach_a_coach_again_is_refused(profile: CoachProfile) -> None:
    _refused(lambda: coach_create(person=profile.person), "Cole Coach is already a coach.")
    assert CoachProfile.objects.count() == 1


def test_a_coach_updates_their_profile_languages_communities_skills_and_regions(
    profile: CoachProfile, community: Community
) -> None:
    # given a profile serving two regions
    spanish = LanguageFactory.create(code="es", name="Spanish")
    skill = SkillFactory.create()
    CoachRegion.objects.create(coach=profile, region="nwe")
    CoachRegion.objects.create(coach=profile, region="lac")

    # when
    coach_update(
        coach=profile,
        data={"caseload_cap": 5, "availability": "Two evenings a month", "accepting": False},
        languages=[spanish],
        communities=[community],
        skills=[skill],
        regions=["lac", "eseap", "lac"],
    )

    # then
    profile.refresh_from_db()
    assert (profile.caseload_cap, profile.availability, profile.accepting) == (
        5,
        "Two evenings a month",
        False,
    )
    assert list(profile.languages.all()) == [spanish]
    assert list(profile.communities.all()) == [community]
    assert list(profile.skills.all()) == [skill]
    assert sorted(profile.coach_regions.values_list("region", flat=True)) == ["eseap", "lac"]


@pytest.mark.parametrize(
    ("data", "regions", "message"),
    [
        ({"open_count": 0}, [], "These fields cannot be changed here: open_count"),
        ({}, ["atlantis"], "Unknown region."),
        ({"caseload_cap": 0}, [], "The caseload must be between 1 and 30."),
        ({"caseload_cap": 31}, [], "The caseload must be between 1 and 30."),
    ],
)
def test_a_bad_profile_update_is_refused_and_changes_nothing(
    profile: CoachProfile, data: dict[str, Any], regions: list[str], message: str
) -> None:
    _refused(
        lambda: coach_update(
            coach=profile, data=data, languages=[], communities=[], skills=[], regions=regions
        ),
        message,
    )
    profile.refresh_from_db()
    assert profile.caseload_cap == 3
    assert not CoachRegion.objects.exists()


def test_the_caseload_cannot_go_below_the_open_engagements(
    profile: CoachProfile, community: Community
) -> None:
    # given two open engagements
    _propose(profile, community, _leader_of(community))
    _propose(profile, community, _leader_of(community))
    skill = SkillFactory.create()

    # when / then
    _refused(
        lambda: coach_update(
            coach=profile,
            data={"caseload_cap": 1, "approach": "New"},
            languages=[],
            communities=[],
            skills=[skill],
            regions=["lac"],
        ),
        "You already have 2 open engagements: the caseload cannot be lower. Complete or "
        "decline one first.",
    )
    profile.refresh_from_db()
    assert (profile.caseload_cap, profile.approach, profile.open_count) == (3, "", 2)
    assert not profile.skills.exists()
    assert not CoachRegion.objects.exists()

    # and down to exactly the open engagements is fine
    coach_update(
        coach=profile,
        data={"caseload_cap": 2},
        languages=[],
        communities=[],
        skills=[],
        regions=[],
    )
    assert CoachProfile.objects.get(pk=profile.pk).caseload_cap == 2


# --- conflicts of interest


def _term(community: Community, person: Person, **fields: Any) -> Any:
    return TermFactory.create(role=RoleFactory.create(community=community), person=person, **fields)


def test_a_current_term_an_upcoming_one_a_holdover_and_an_organiser_conflict(
    community: Community, organiser: Any
) -> None:
    # given
    current, upcoming, holdover = (PersonFactory.create() for _ in range(3))
    _term(community, current, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1))
    _term(community, upcoming, starts_on=date(2027, 1, 1), ends_on=date(2029, 1, 1))
    # ran out in January, never stepped down, nobody in the seat after them
    _term(community, holdover, starts_on=date(2024, 1, 1), ends_on=date(2026, 1, 1))

    # when
    conflicted = conflicted_coach_person_ids(community=community, today=TODAY)

    # then
    assert conflicted == {current.pk, upcoming.pk, holdover.pk, organiser.person.pk}


def test_a_term_with_a_successor_a_stepped_down_one_and_another_communitys_do_not_conflict(
    community: Community, other_community: Community, outsider: Any
) -> None:
    # given
    succeeded, successor, stepped_down, elsewhere = (PersonFactory.create() for _ in range(4))
    role = RoleFactory.create(community=community)
    TermFactory.create(
        role=role, person=succeeded, starts_on=date(2023, 1, 1), ends_on=date(2025, 1, 1)
    )
    TermFactory.create(
        role=role, person=successor, starts_on=date(2025, 1, 1), ends_on=date(2027, 1, 1)
    )
    _term(
        community,
        stepped_down,
        starts_on=date(2025, 1, 1),
        ends_on=date(2027, 1, 1),
        ended_on=date(2026, 6, 1),
    )
    _term(other_community, elsewhere, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1))

    # when
    conflicted = conflicted_coach_person_ids(community=community, today=TODAY)

    # then: only the successor, who holds the seat now
    assert conflicted == {successor.pk}


@pytest.mark.parametrize("kind", ["current", "upcoming", "holdover", "organiser"])
def test_a_coach_with_a_role_or_organising_in_the_community_is_refused(
    profile: CoachProfile, community: Community, leader: Person, kind: str
) -> None:
    # given
    person = profile.person
    if kind == "organiser":
        MembershipFactory.create(person=person, community=community, role="organiser")
    else:
        starts, ends = {
            "current": (date(2026, 1, 1), date(2028, 1, 1)),
            "upcoming": (date(2027, 1, 1), date(2029, 1, 1)),
            "holdover": (date(2024, 1, 1), date(2026, 1, 1)),
        }[kind]
        _term(community, person, starts_on=starts, ends_on=ends)

    # when / then
    _refused(
        lambda: _propose(profile, community, leader),
        "Cole Coach holds a role in Wikimedia Testland: a coach is never assigned inside a "
        "community where they hold a role or organise.",
    )
    assert not CoachAssignment.objects.exists()
    assert _open_count(profile) == 0


@pytest.mark.parametrize("kind", ["succeeded", "stepped down"])
def test_a_coach_whose_term_is_over_may_coach_in_the_community(
    profile: CoachProfile, community: Community, leader: Person, kind: str
) -> None:
    # given
    role = RoleFactory.create(community=community)
    if kind == "succeeded":
        TermFactory.create(
            role=role, person=profile.person, starts_on=date(2023, 1, 1), ends_on=date(2025, 1, 1)
        )
        TermFactory.create(role=role, starts_on=date(2025, 1, 1), ends_on=date(2027, 1, 1))
    else:
        TermFactory.create(
            role=role,
            person=profile.person,
            starts_on=date(2025, 1, 1),
            ends_on=date(2027, 1, 1),
            ended_on=date(2026, 6, 1),
        )

    # when
    assignment = _propose(profile, community, leader)

    # then
    assert assignment.status == AssignmentStatus.PROPOSED


# --- proposing


def test_a_proposal_holds_a_place_in_the_caseload(
    profile: CoachProfile, community: Community, leader: Person, coordinator: Any
) -> None:
    # given
    skill = SkillFactory.create()
    requester = _leader_of(community)

    # when
    assignment = assignment_propose(
        coach=profile,
        plan=_plan(
            community,
            leader,
            skills=(skill,),
            requested_by=requester,
            request_reason=" Asked at the AGM ",
            plan_unit="hours",
            planned_amount=10,
            quiet_weeks=3,
        ),
        by=coordinator.person,
        today=TODAY,
    )

    # then
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PROPOSED
    assert (assignment.coach, assignment.coachee, assignment.community) == (
        profile,
        leader,
        community,
    )
    assert assignment.goals == "Chair the board with confidence."
    assert assignment.request_reason == "Asked at the AGM"
    assert (assignment.requested_by, assignment.created_by) == (requester, coordinator.person)
    assert (assignment.plan_unit, assignment.planned_amount, assignment.quiet_weeks) == (
        "hours",
        10,
        3,
    )
    assert list(assignment.skills.all()) == [skill]
    assert assignment.responded_at is None
    assert assignment.ended_on is None
    assert _open_count(profile) == 1


def test_a_team_engagement_is_proposed_with_no_coachee(
    profile: CoachProfile, community: Community, organiser: Any
) -> None:
    assignment = _propose(profile, community, None)

    assert assignment.is_team
    assert assignment.coachee_label == "the leadership team of Wikimedia Testland"
    assert _open_count(profile) == 1


def _full(profile: CoachProfile, community: Community) -> None:
    for _ in range(profile.caseload_cap):
        _propose(profile, community, _leader_of(community))


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (_full, "Cole Coach's caseload is full (3 engagements)."),
        (
            lambda p, c: CoachProfile.objects.filter(pk=p.pk).update(accepting=False),
            "Cole Coach is not taking new engagements.",
        ),
        (
            lambda p, c: CoachProfile.objects.filter(pk=p.pk).update(away_until=date(2026, 12, 2)),
            "Cole Coach is away until 2026-12-02.",
        ),
    ],
    ids=["full", "not accepting", "away"],
)
def test_a_coach_who_cannot_take_more_is_refused_and_nothing_is_written(
    profile: CoachProfile,
    community: Community,
    leader: Person,
    setup: Callable[[CoachProfile, Community], object],
    message: str,
) -> None:
    # given
    setup(profile, community)
    before = (CoachAssignment.objects.count(), _open_count(profile))

    # when / then
    _refused(lambda: _propose(profile, community, leader), message)
    assert (CoachAssignment.objects.count(), _open_count(profile)) == before
    assert not CoachAssignment.objects.filter(coachee=leader).exists()


def test_a_coach_back_today_is_proposed_to(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    CoachProfile.objects.filter(pk=profile.pk).update(away_until=TODAY)

    assert _propose(profile, community, leader).status == AssignmentStatus.PROPOSED


def test_a_coach_cannot_coach_themselves(profile: CoachProfile, community: Community) -> None:
    # given the coach is a member of the community
    MembershipFactory.create(person=profile.person, community=community)

    _refused(
        lambda: _propose(profile, community, profile.person), "A coach cannot coach themselves."
    )
    assert not CoachAssignment.objects.exists()
    assert _open_count(profile) == 0


def test_a_coachee_must_be_a_member_of_the_community(
    profile: CoachProfile, community: Community
) -> None:
    stranger = PersonFactory.create(display_name="Stan Stranger")

    _refused(
        lambda: _propose(profile, community, stranger),
        "Stan Stranger is not a member of Wikimedia Testland.",
    )
    assert not CoachAssignment.objects.exists()
    assert _open_count(profile) == 0


@pytest.mark.parametrize("coachee", ["leader", "team"])
def test_a_second_open_engagement_with_the_same_coachee_is_refused(
    profile: CoachProfile, community: Community, leader: Person, coachee: str, organiser: Any
) -> None:
    # given
    who = leader if coachee == "leader" else None
    first = _propose(profile, community, who)

    # when / then
    _refused(
        lambda: _propose(profile, community, who),
        f"Cole Coach already has an open engagement with "
        f"{'Mo Member' if who else 'Wikimedia Testland'}.",
    )
    assert list(CoachAssignment.objects.all()) == [first]
    assert _open_count(profile) == 1


def test_a_new_engagement_after_a_closed_one_with_the_same_coachee_is_fine(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    assignment_withdraw(assignment=_propose(profile, community, leader), today=TODAY)

    assert _propose(profile, community, leader).status == AssignmentStatus.PROPOSED
    assert _open_count(profile) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"goals": "   "}, "Say what the engagement is for: its goals."),
        ({"ends_on": date(2026, 12, 1)}, "The planned end must be after the start."),
        ({"ends_on": date(2026, 11, 1)}, "The planned end must be after the start."),
        ({"plan_unit": "days"}, "Plan the engagement in sessions or in hours."),
        ({"planned_amount": 0}, "Plan between 1 and 500 sessions or hours."),
        ({"planned_amount": 501}, "Plan between 1 and 500 sessions or hours."),
        (
            {"quiet_weeks": 0},
            "The reminder after weeks without a session must be between 1 and 26 weeks.",
        ),
        (
            {"quiet_weeks": 27},
            "The reminder after weeks without a session must be between 1 and 26 weeks.",
        ),
    ],
)
def test_a_bad_plan_is_refused_and_nothing_is_written(
    profile: CoachProfile,
    community: Community,
    leader: Person,
    fields: dict[str, Any],
    message: str,
) -> None:
    _refused(lambda: _propose(profile, community, leader, **fields), message)
    assert not CoachAssignment.objects.exists()
    assert _open_count(profile) == 0


# --- answering and closing


def test_accepting_makes_the_engagement_active_and_twice_is_harmless(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    # given
    assignment = _propose(profile, community, leader)

    # when
    accepted = assignment_accept(assignment=assignment, now=NOW)
    again = assignment_accept(assignment=assignment, now=datetime(2026, 12, 5, tzinfo=UTC))

    # then
    assert accepted.status == again.status == AssignmentStatus.ACTIVE
    assignment.refresh_from_db()
    assert (assignment.status, assignment.responded_at) == (AssignmentStatus.ACTIVE, NOW)
    assert _open_count(profile) == 1


def test_declining_frees_the_place_and_keeps_the_reason(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    # given
    assignment = _propose(profile, community, leader)

    # when
    assignment_decline(assignment=assignment, reason="  Too close to home. ", now=NOW)

    # then
    assignment.refresh_from_db()
    assert (assignment.status, assignment.decline_reason, assignment.responded_at) == (
        AssignmentStatus.DECLINED,
        "Too close to home.",
        NOW,
    )
    assert assignment.ended_on == TODAY
    assert _open_count(profile) == 0


def test_withdrawing_frees_the_place(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    assignment = _propose(profile, community, leader)

    assignment_withdraw(assignment=assignment, today=TODAY)

    assignment.refresh_from_db()
    assert (assignment.status, assignment.ended_on) == (AssignmentStatus.WITHDRAWN, TODAY)
    assert _open_count(profile) == 0


def test_completing_frees_the_place_and_keeps_the_note(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    assignment = _active(profile, community, leader)

    assignment_complete(assignment=assignment, note=" Chairs well now. ", today=date(2027, 5, 1))

    assignment.refresh_from_db()
    assert (assignment.status, assignment.end_note, assignment.ended_on) == (
        AssignmentStatus.COMPLETED,
        "Chairs well now.",
        date(2027, 5, 1),
    )
    assert _open_count(profile) == 0


def test_a_paused_engagement_can_be_completed(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    assignment = assignment_pause(assignment=_active(profile, community, leader))

    assignment_complete(assignment=assignment, note="", today=TODAY)

    assert CoachAssignment.objects.get(pk=assignment.pk).status == AssignmentStatus.COMPLETED
    assert _open_count(profile) == 0


def _in_status(
    profile: CoachProfile, community: Community, leader: Person, status: str
) -> CoachAssignment:
    assignment = _propose(profile, community, leader)
    if status == "proposed":
        return assignment
    if status == "declined":
        return assignment_decline(assignment=assignment, reason="", now=NOW)
    if status == "withdrawn":
        return assignment_withdraw(assignment=assignment, today=TODAY)
    assignment = assignment_accept(assignment=assignment, now=NOW)
    if status == "paused":
        return assignment_pause(assignment=assignment)
    if status == "completed":
        return assignment_complete(assignment=assignment, note="", today=TODAY)
    return assignment


@pytest.mark.parametrize(
    ("service", "allowed"),
    [
        (lambda a: assignment_accept(assignment=a, now=NOW), {"proposed", "active"}),
        (lambda a: assignment_decline(assignment=a, reason="", now=NOW), {"proposed"}),
        (lambda a: assignment_withdraw(assignment=a, today=TODAY), {"proposed"}),
        (lambda a: assignment_pause(assignment=a), {"active"}),
        (lambda a: assignment_resume(assignment=a, today=TODAY), {"paused"}),
        (lambda a: assignment_complete(assignment=a, note="", today=TODAY), {"active", "paused"}),
    ],
    ids=["accept", "decline", "withdraw", "pause", "resume", "complete"],
)
@pytest.mark.parametrize(
    "status", ["proposed", "active", "paused", "completed", "declined", "withdrawn"]
)
def test_each_answer_is_refused_in_the_wrong_status_and_changes_nothing(
    profile: CoachProfile,
    community: Community,
    leader: Person,
    service: Callable[[CoachAssignment], object],
    allowed: set[str],
    status: str,
) -> None:
    # given
    assignment = _in_status(profile, community, leader, status)
    if status in allowed:
        return  # the happy paths are tested above
    count = _open_count(profile)

    # when / then
    with pytest.raises(CoachingError, match=r"^This engagement is .*: that cannot be done now\.$"):
        service(assignment)
    assert CoachAssignment.objects.get(pk=assignment.pk).status == status
    assert _open_count(profile) == count


def test_pausing_keeps_the_place_and_resuming_restarts_the_quiet_clock(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    # given an engagement whose last session was in September
    assignment = _active(profile, community, leader)
    CoachAssignment.objects.filter(pk=assignment.pk).update(
        starts_on=date(2026, 9, 1), last_session_on=date(2026, 9, 15)
    )

    # when paused, then resumed in December
    assignment_pause(assignment=assignment)
    assert _open_count(profile) == 1
    assignment_resume(assignment=assignment, today=TODAY)

    # then the weeks without a session count from today
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ACTIVE
    assert assignment.last_session_on == date(2026, 9, 15)  # still the last session's day
    assert assignment.resumed_on == TODAY
    assert assignment.quiet_on() == date(2026, 12, 29)
    assert _open_count(profile) == 1


def test_updating_an_open_engagement_changes_its_plan_and_focus_areas(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    # given
    assignment = _propose(profile, community, leader)
    skill = SkillFactory.create()

    # when
    assignment_update(
        assignment=assignment,
        data={"goals": "  Run the AGM. ", "ends_on": date(2027, 9, 1), "planned_amount": 8},
        skills=[skill],
        today=TODAY,
    )

    # then
    assignment.refresh_from_db()
    assert (assignment.goals, assignment.ends_on, assignment.planned_amount) == (
        "Run the AGM.",
        date(2027, 9, 1),
        8,
    )
    assert list(assignment.skills.all()) == [skill]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"starts_on": date(2026, 1, 1)}, "These fields cannot be changed here: starts_on"),
        ({"ends_on": date(2026, 11, 1)}, "The planned end must be after the start."),
        ({"planned_amount": 0}, "Plan between 1 and 500 sessions or hours."),
    ],
)
def test_a_bad_update_is_refused_and_changes_nothing(
    profile: CoachProfile,
    community: Community,
    leader: Person,
    data: dict[str, Any],
    message: str,
) -> None:
    assignment = _propose(profile, community, leader)

    _refused(
        lambda: assignment_update(
            assignment=assignment,
            data=data,
            skills=[SkillFactory.create()],
            # a day before the engagement was planned: only the start rule can refuse the end
            today=date(2026, 10, 1),
        ),
        message,
    )
    assignment.refresh_from_db()
    assert (assignment.ends_on, assignment.planned_amount) == (date(2027, 6, 1), 6)
    assert not assignment.skills.exists()


def test_a_closed_engagement_cannot_be_updated(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    assignment = assignment_withdraw(assignment=_propose(profile, community, leader), today=TODAY)

    _refused(
        lambda: assignment_update(
            assignment=assignment, data={"goals": "New"}, skills=[], today=TODAY
        ),
        "This engagement is withdrawn: that cannot be done now.",
    )
    assert CoachAssignment.objects.get(pk=assignment.pk).goals == "Chair the board with confidence."


# --- sessions


def _log(assignment: CoachAssignment, **fields: Any) -> CoachingSession:
    values: dict[str, Any] = {
        "happened_on": date(2026, 12, 1),
        "duration_minutes": 60,
        "summary": " We planned the AGM. ",
        "private_notes": " Nervous about the budget. ",
        "today": TODAY,
    }
    values.update(fields)
    return session_log(assignment=assignment, **values)


def test_logging_a_session_keeps_the_summary_and_the_private_notes_apart(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    # given
    assignment = _active(profile, community, leader)

    # when
    session = _log(assignment)

    # then
    session.refresh_from_db()
    assert (session.summary, session.duration_minutes) == ("We planned the AGM.", 60)
    assert CoachingNote.objects.get(session=session).text == "Nervous about the budget."
    assert CoachAssignment.objects.get(pk=assignment.pk).last_session_on == TODAY


def test_a_session_without_notes_writes_no_note(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    _log(_active(profile, community, leader), private_notes="   ")

    assert CoachingSession.objects.count() == 1
    assert not CoachingNote.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"happened_on": date(2026, 12, 2)},
            "Log a session once it has happened: the date is in the future.",
        ),
        (
            {"happened_on": date(2026, 11, 30)},
            "The engagement starts on 2026-12-01: the session cannot be before it.",
        ),
        ({"duration_minutes": 0}, "A session lasts between 1 and 480 minutes."),
        ({"duration_minutes": 481}, "A session lasts between 1 and 480 minutes."),
    ],
)
def test_a_bad_session_is_refused_and_nothing_is_written(
    profile: CoachProfile,
    community: Community,
    leader: Person,
    fields: dict[str, Any],
    message: str,
) -> None:
    assignment = _active(profile, community, leader)

    _refused(lambda: _log(assignment, **fields), message)
    assert not CoachingSession.objects.exists()
    assert not CoachingNote.objects.exists()
    assert CoachAssignment.objects.get(pk=assignment.pk).last_session_on is None


@pytest.mark.parametrize("status", ["proposed", "paused", "completed"])
def test_a_session_is_logged_only_on_an_active_engagement(
    profile: CoachProfile, community: Community, leader: Person, status: str
) -> None:
    assignment = _in_status(profile, community, leader, status)

    with pytest.raises(CoachingError, match="that cannot be done now"):
        _log(assignment)
    assert not CoachingSession.objects.exists()
    assert not CoachingNote.objects.exists()


def test_a_session_logged_late_after_a_resume_does_not_turn_the_quiet_clock_back(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    # given an engagement paused and resumed on 1 December
    assignment = _active(profile, community, leader)
    CoachAssignment.objects.filter(pk=assignment.pk).update(starts_on=date(2026, 9, 1))
    assignment_pause(assignment=assignment)
    assignment_resume(assignment=assignment, today=TODAY)

    # when the coach logs, late, a session from before the pause
    _log(assignment, happened_on=date(2026, 9, 10))

    # then the weeks without a session still count from the resume
    assignment.refresh_from_db()
    assert assignment.last_session_on == date(2026, 9, 10)
    assert assignment.quiet_clock_from() == TODAY


def test_deleting_a_session_after_a_resume_keeps_the_quiet_clock_at_the_resume(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    # given an engagement with a session in September, paused and resumed on 1 December
    assignment = _active(profile, community, leader)
    CoachAssignment.objects.filter(pk=assignment.pk).update(starts_on=date(2026, 9, 1))
    session = _log(assignment, happened_on=date(2026, 9, 10))
    assignment_pause(assignment=assignment)
    assignment_resume(assignment=assignment, today=TODAY)

    # when the coach removes the September session
    session_delete(session=session)

    # then nothing of the resume is lost
    assignment.refresh_from_db()
    assert assignment.last_session_on is None
    assert assignment.quiet_clock_from() == TODAY


def test_moving_the_planned_end_into_the_past_is_refused_and_changes_nothing(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    assignment = _active(profile, community, leader)
    before = assignment.ends_on
    with pytest.raises(CoachingError, match="cannot be in the past"):
        assignment_update(
            assignment=assignment,
            data={"ends_on": TODAY - timedelta(days=1)},
            skills=[],
            today=TODAY,
        )
    assignment.refresh_from_db()
    assert assignment.ends_on == before


def test_updating_a_session_changes_it_and_empty_notes_erase_the_note(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    # given
    assignment = _active(profile, community, leader)
    session = _log(assignment)

    # when
    session_update(
        session=session,
        happened_on=date(2026, 12, 1),
        duration_minutes=90,
        summary="Budget plan.",
        private_notes="  ",
        today=TODAY,
    )

    # then
    session.refresh_from_db()
    assert (session.duration_minutes, session.summary) == (90, "Budget plan.")
    assert not CoachingNote.objects.exists()

    # and notes come back as a new row when written again
    session_update(
        session=session,
        happened_on=date(2026, 12, 1),
        duration_minutes=90,
        summary="Budget plan.",
        private_notes="Better now.",
        today=TODAY,
    )
    assert CoachingNote.objects.get(session=session).text == "Better now."


def test_a_bad_session_update_is_refused_and_changes_nothing(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    session = _log(_active(profile, community, leader))

    _refused(
        lambda: session_update(
            session=session,
            happened_on=date(2026, 12, 5),
            duration_minutes=30,
            summary="Changed",
            private_notes="",
            today=TODAY,
        ),
        "Log a session once it has happened: the date is in the future.",
    )
    session.refresh_from_db()
    assert (session.happened_on, session.duration_minutes, session.summary) == (
        date(2026, 12, 1),
        60,
        "We planned the AGM.",
    )
    assert CoachingNote.objects.get(session=session).text == "Nervous about the budget."


def test_deleting_a_session_recomputes_the_last_session_and_removes_its_note(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    # given two sessions
    assignment = _active(profile, community, leader)
    CoachAssignment.objects.filter(pk=assignment.pk).update(starts_on=date(2026, 9, 1))
    earlier = _log(assignment, happened_on=date(2026, 10, 1))
    later = _log(assignment, happened_on=date(2026, 11, 1))
    assert CoachAssignment.objects.get(pk=assignment.pk).last_session_on == date(2026, 11, 1)

    # when the later one is removed, then the other
    session_delete(session=later)
    assert CoachAssignment.objects.get(pk=assignment.pk).last_session_on == date(2026, 10, 1)
    session_delete(session=earlier)

    # then
    assert CoachAssignment.objects.get(pk=assignment.pk).last_session_on is None
    assert not CoachingSession.objects.exists()
    assert not CoachingNote.objects.exists()


def test_sessions_of_a_closed_engagement_cannot_be_changed_or_deleted(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    assignment = _active(profile, community, leader)
    session = _log(assignment)
    assignment_complete(assignment=assignment, note="", today=TODAY)

    with pytest.raises(CoachingError):
        session_delete(session=session)
    with pytest.raises(CoachingError):
        session_update(
            session=session,
            happened_on=date(2026, 12, 1),
            duration_minutes=30,
            summary="",
            private_notes="",
            today=TODAY,
        )
    session.refresh_from_db()
    assert session.duration_minutes == 60
    assert CoachingNote.objects.filter(session=session).exists()


def test_the_coach_erases_a_note_whatever_the_engagements_status(
    profile: CoachProfile, community: Community, leader: Person
) -> None:
    # given a completed engagement with a note
    assignment = _active(profile, community, leader)
    session = _log(assignment)
    assignment_complete(assignment=assignment, note="", today=TODAY)

    # when
    note_erase(session=session)
    note_erase(session=session)  # twice is harmless

    # then the row is gone; the session and its summary stay
    assert not CoachingNote.objects.exists()
    assert CoachingSession.objects.get().summary == "We planned the AGM."
