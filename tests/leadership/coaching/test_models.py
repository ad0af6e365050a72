"""The database's own guards on coaching, behind the services: written past them, they refuse."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from leadership.coaching.models import CoachAssignment, CoachingNote, CoachProfile
from leadership.models import Community
from tests.factories import (
    CoachAssignmentFactory,
    CoachingSessionFactory,
    CoachProfileFactory,
    CommunityFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

Status = CoachAssignment.Status


def _refused_by(constraint: str) -> pytest.RaisesExc[IntegrityError]:
    return pytest.raises(IntegrityError, match=constraint)


def test_the_caseload_cannot_be_over_filled() -> None:
    # given a coach with two places, both taken
    coach = CoachProfileFactory.create(caseload_cap=2)
    CoachProfile.objects.filter(pk=coach.pk).update(open_count=2)

    # when / then: one more, or a cap lowered below it, is refused
    with _refused_by("coach_within_caseload"), transaction.atomic():
        CoachProfile.objects.filter(pk=coach.pk).update(open_count=3)
    with _refused_by("coach_within_caseload"), transaction.atomic():
        CoachProfile.objects.filter(pk=coach.pk).update(caseload_cap=1)
    assert CoachProfile.objects.values_list("caseload_cap", "open_count").get() == (2, 2)


@pytest.mark.parametrize("cap", [0, 31])
def test_the_cap_stays_between_1_and_30(cap: int) -> None:
    coach = CoachProfileFactory.create()

    with _refused_by("coach_caseload_cap_range"), transaction.atomic():
        CoachProfile.objects.filter(pk=coach.pk).update(caseload_cap=cap)


@pytest.mark.parametrize("ends_on", [date(2026, 9, 1), date(2026, 8, 31)])
def test_an_engagement_cannot_end_before_or_when_it_starts(ends_on: date) -> None:
    with _refused_by("assignment_ends_after_start"), transaction.atomic():
        CoachAssignmentFactory.create(starts_on=date(2026, 9, 1), ends_on=ends_on)
    assert not CoachAssignment.objects.exists()


@pytest.mark.parametrize("status", [Status.PROPOSED, Status.ACTIVE, Status.PAUSED])
def test_a_coach_has_one_open_engagement_with_a_leader(status: str) -> None:
    # given
    first = CoachAssignmentFactory.create(status=status)

    # when / then
    with _refused_by("assignment_one_open_per_leader"), transaction.atomic():
        CoachAssignmentFactory.create(
            coach=first.coach, coachee=first.coachee, community=first.community
        )
    assert CoachAssignment.objects.count() == 1


def test_a_coach_has_one_open_engagement_with_a_team(community: Community) -> None:
    # given
    first = CoachAssignmentFactory.create(coachee=None, community=community)

    with _refused_by("assignment_one_open_per_team"), transaction.atomic():
        CoachAssignmentFactory.create(
            coach=first.coach, coachee=None, community=community, status=Status.PROPOSED
        )
    assert CoachAssignment.objects.count() == 1


def test_closed_engagements_and_other_coachees_do_not_count_as_a_second_open_one(
    community: Community,
) -> None:
    # given a closed engagement with a leader and an open one with a team
    coach = CoachProfileFactory.create()
    leader = PersonFactory.create()
    CoachAssignmentFactory.create(
        coach=coach,
        coachee=leader,
        community=community,
        status=Status.COMPLETED,
        ended_on=date(2026, 11, 1),
    )
    CoachAssignmentFactory.create(coach=coach, coachee=None, community=community)

    # when: a new one with the same leader, a team elsewhere, and another coach with the team
    CoachAssignmentFactory.create(coach=coach, coachee=leader, community=community)
    CoachAssignmentFactory.create(coach=coach, coachee=None, community=CommunityFactory.create())
    CoachAssignmentFactory.create(coachee=None, community=community)

    # then
    assert CoachAssignment.objects.count() == 5


@pytest.mark.parametrize("status", [Status.PROPOSED, Status.ACTIVE, Status.PAUSED])
def test_an_open_engagement_has_no_end_day(status: str) -> None:
    with _refused_by("assignment_ended_only_when_closed"), transaction.atomic():
        CoachAssignmentFactory.create(status=status, ended_on=date(2026, 11, 1))
    assert not CoachAssignment.objects.exists()


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.DECLINED, Status.WITHDRAWN])
def test_a_closed_engagement_may_have_an_end_day(status: str) -> None:
    CoachAssignmentFactory.create(status=status, ended_on=date(2026, 11, 1))

    assert CoachAssignment.objects.get().ended_on == date(2026, 11, 1)


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("status", "lost", "assignment_status_valid"),
        ("plan_unit", "days", "assignment_plan_unit_valid"),
        ("planned_amount", 0, "assignment_planned_range"),
        ("quiet_weeks", 27, "assignment_quiet_weeks_range"),
    ],
)
def test_an_engagements_values_are_checked(field: str, value: object, constraint: str) -> None:
    assignment = CoachAssignmentFactory.create()

    with _refused_by(constraint), transaction.atomic():
        CoachAssignment.objects.filter(pk=assignment.pk).update(**{field: value})


@pytest.mark.parametrize("minutes", [0, 481])
def test_a_session_lasts_between_a_minute_and_eight_hours(minutes: int) -> None:
    with _refused_by("coaching_session_duration_range"), transaction.atomic():
        CoachingSessionFactory.create(duration_minutes=minutes)


def test_a_note_never_shows_its_text_in_str() -> None:
    note = CoachingNote.objects.create(session=CoachingSessionFactory.create(), text="Secret")

    assert "Secret" not in str(note)
    assert str(note) == f"Private note #{note.pk}"


def test_the_quiet_day_counts_from_the_last_session_or_the_start() -> None:
    assignment = CoachAssignmentFactory.create(starts_on=date(2026, 9, 1), quiet_weeks=4)
    assert assignment.quiet_on() == date(2026, 9, 29)

    assignment.last_session_on = date(2026, 10, 1)
    assert assignment.quiet_on() == date(2026, 10, 29)


def test_a_coach_is_away_until_the_day_they_are_back() -> None:
    coach = CoachProfileFactory.build(away_until=date(2026, 12, 10))

    assert coach.is_away_on(date(2026, 12, 9))
    assert not coach.is_away_on(date(2026, 12, 10))
    assert not CoachProfileFactory.build().is_away_on(date(2026, 12, 9))
