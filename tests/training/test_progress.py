"""Attendance, completion and progress, as people, coordinators and organisers see them.

The fixtures' academy has three stages, each requiring the one before; `session` is a session of
stage 1 ("Foundations") on 2026-12-01 at 17:00 UTC (18:00 in Berlin), facilitated by Fatima.
"""

from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from leadership.models import Community, Person
from tests.factories import (
    MembershipFactory,
    PersonFactory,
    SessionFactory,
    StageFactory,
    TrainingProgrammeFactory,
)
from training.models import (
    CompletionHow,
    CompletionRule,
    Enrolment,
    Session,
    Stage,
    StageCompletion,
    TrainingProgramme,
)
from training.selectors.enrolment import (
    StageProgress,
    community_progress,
    my_programmes_progress,
    person_progress,
    programme_progress,
    sessions_facilitated,
    stage_participants,
)
from training.services.base import TrainingError
from training.services.enrolment import (
    attendance_mark,
    enrolment_cancel,
    session_enrol,
    stage_sign_off,
    stage_sign_off_undo,
)

pytestmark = pytest.mark.django_db

BEFORE = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
AFTER = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
_names = count()


def _person() -> Person:
    return PersonFactory.create(user__email=f"learner{next(_names)}@example.org")


def _enrolled(session: Session, people: int) -> list[Person]:
    found = [_person() for _i in range(people)]
    for person in found:
        session_enrol(person=person, session=session, now=BEFORE)
    return found


def _completions() -> list[tuple[int, int, str, date]]:
    return sorted(
        StageCompletion.objects.values_list("stage_id", "person_id", "how", "completed_on")
    )


# Attendance


def test_marking_attendance_completes_a_one_session_stage_for_those_who_attended(
    session: Session, stages: list[Stage], facilitator: Any
) -> None:
    # given
    ana, ben = _enrolled(session, 2)

    # when
    new = attendance_mark(
        session=session, by=facilitator.person, attended={ana.pk: True, ben.pk: False}, now=AFTER
    )

    # then Ana completed stage 1 on the session's (Berlin) day; Ben did not
    assert [(c.person_id, c.how) for c in new] == [(ana.pk, CompletionHow.ATTENDANCE)]
    assert _completions() == [(stages[0].pk, ana.pk, "attendance", date(2026, 12, 1))]
    assert dict(Enrolment.objects.values_list("person_id", "attended")) == {
        ana.pk: True,
        ben.pk: False,
    }
    session.refresh_from_db()
    assert session.attendance_marked_at == AFTER


def test_a_stage_of_two_sessions_completes_at_the_second_attended(
    session: Session, stages: list[Stage], facilitator: Any
) -> None:
    # given stage 1 needs two sessions; Ana is in this one and another a week later
    Stage.objects.filter(pk=stages[0].pk).update(min_sessions=2)
    second = SessionFactory.create(stage=stages[0], starts_at=session.starts_at + timedelta(days=7))
    (ana,) = _enrolled(session, 1)
    session_enrol(person=ana, session=second, now=BEFORE)
    stages[0].refresh_from_db()

    # when the first is marked, nothing yet; when the second is, done
    attendance_mark(session=session, by=facilitator.person, attended={ana.pk: True}, now=AFTER)
    assert _completions() == []
    later = AFTER + timedelta(days=7)
    attendance_mark(session=second, by=facilitator.person, attended={ana.pk: True}, now=later)

    # then
    assert _completions() == [(stages[0].pk, ana.pk, "attendance", date(2026, 12, 8))]


@pytest.mark.parametrize(
    ("situation", "message"),
    [
        ("not enrolled", "1 person is not enrolled in this session"),
        ("waiting", "1 person is not enrolled in this session"),
        ("before", "Attendance can be marked once the session has started."),
        ("cancelled", "This session was cancelled: there is no attendance to mark."),
    ],
)
def test_attendance_is_refused_and_nothing_changes(
    session: Session, facilitator: Any, situation: str, message: str
) -> None:
    # given Ana enrolled; a stranger, or someone on the waiting list
    (ana,) = _enrolled(session, 1)
    other = _person()
    now = AFTER
    if situation == "waiting":
        Session.objects.filter(pk=session.pk).update(capacity=1)
        session_enrol(person=other, session=session, now=BEFORE)
    elif situation == "before":
        now = session.starts_at - timedelta(minutes=1)
    elif situation == "cancelled":
        Session.objects.filter(pk=session.pk).update(status="cancelled")
    wrong_people = situation in ("not enrolled", "waiting")
    attended = {ana.pk: True, other.pk: True} if wrong_people else {ana.pk: True}

    # when
    with pytest.raises(TrainingError) as refused:
        attendance_mark(session=session, by=facilitator.person, attended=attended, now=now)

    # then
    assert str(refused.value).startswith(message)
    assert list(Enrolment.objects.values_list("attended", flat=True)) == [None] * (
        2 if situation == "waiting" else 1
    )
    assert _completions() == []
    session.refresh_from_db()
    assert session.attendance_marked_at is None


def test_unmarking_attendance_keeps_the_completion_recorded(
    session: Session, stages: list[Stage], facilitator: Any
) -> None:
    (ana,) = _enrolled(session, 1)
    attendance_mark(session=session, by=facilitator.person, attended={ana.pk: True}, now=AFTER)

    attendance_mark(
        session=session,
        by=facilitator.person,
        attended={ana.pk: False},
        now=AFTER + timedelta(hours=1),
    )

    assert Enrolment.objects.get(person=ana).attended is False
    assert _completions() == [(stages[0].pk, ana.pk, "attendance", date(2026, 12, 1))]


def test_a_sign_off_stage_is_not_completed_by_attendance(
    session: Session, stages: list[Stage], facilitator: Any
) -> None:
    Stage.objects.filter(pk=stages[0].pk).update(completion_rule=CompletionRule.SIGN_OFF)
    (ana,) = _enrolled(session, 1)
    session.refresh_from_db()
    session.stage.refresh_from_db()

    new = attendance_mark(
        session=session, by=facilitator.person, attended={ana.pk: True}, now=AFTER
    )

    assert new == []
    assert _completions() == []


def test_completing_a_stage_opens_the_next_one(
    session: Session, stages: list[Stage], facilitator: Any
) -> None:
    # given Ana attended stage 1's session
    (ana,) = _enrolled(session, 1)
    next_session = SessionFactory.create(stage=stages[1], starts_at=AFTER + timedelta(days=7))
    with pytest.raises(TrainingError):
        session_enrol(person=ana, session=next_session, now=BEFORE)

    # when
    attendance_mark(session=session, by=facilitator.person, attended={ana.pk: True}, now=AFTER)

    # then she may enrol in stage 2
    assert session_enrol(person=ana, session=next_session, now=AFTER).status == "enrolled"


# Sign-off


@pytest.fixture
def signed_stage(stages: list[Stage]) -> Stage:
    Stage.objects.filter(pk=stages[0].pk).update(completion_rule=CompletionRule.SIGN_OFF)
    stages[0].refresh_from_db()
    return stages[0]


def test_a_facilitator_signs_off_a_person_and_can_undo_it(
    session: Session, signed_stage: Stage, facilitator: Any
) -> None:
    (ana,) = _enrolled(session, 1)

    completion = stage_sign_off(
        stage=signed_stage, person=ana, by=facilitator.person, on=date(2026, 12, 3)
    )

    completion.refresh_from_db()
    assert (completion.how, completion.signed_off_by_id, completion.completed_on) == (
        CompletionHow.SIGN_OFF,
        facilitator.person.pk,
        date(2026, 12, 3),
    )
    with pytest.raises(TrainingError, match="has already completed"):
        stage_sign_off(stage=signed_stage, person=ana, by=facilitator.person)

    stage_sign_off_undo(stage=signed_stage, person=ana, by=facilitator.person)
    assert _completions() == []
    with pytest.raises(TrainingError, match="no sign-off"):
        stage_sign_off_undo(stage=signed_stage, person=ana, by=facilitator.person)


def test_a_sign_off_is_refused_for_an_attendance_stage(
    session: Session, stages: list[Stage], facilitator: Any
) -> None:
    (ana,) = _enrolled(session, 1)

    with pytest.raises(TrainingError) as refused:
        stage_sign_off(stage=stages[0], person=ana, by=facilitator.person)

    assert str(refused.value) == "Foundations is completed by attendance, not by a sign-off."
    assert _completions() == []


def test_a_sign_off_is_refused_for_someone_never_enrolled_or_only_waiting_or_who_left(
    session: Session, signed_stage: Stage, facilitator: Any
) -> None:
    Session.objects.filter(pk=session.pk).update(capacity=1)
    _enrolled(session, 1)
    waiting, left, stranger = _person(), _person(), _person()
    session_enrol(person=waiting, session=session, now=BEFORE)
    enrolment = session_enrol(person=left, session=session, now=BEFORE)
    enrolment_cancel(enrolment=enrolment, by=left, now=BEFORE)

    for person in (waiting, left, stranger):
        with pytest.raises(TrainingError, match="was never enrolled in a session of Foundations"):
            stage_sign_off(stage=signed_stage, person=person, by=facilitator.person)
    assert _completions() == []


# Progress of one person


def test_progress_shows_each_stage_done_current_next_or_locked_in_four_queries(
    academy: TrainingProgramme,
    session: Session,
    stages: list[Stage],
    facilitator: Any,
    django_assert_num_queries: Any,
) -> None:
    # given Ana completed stage 1 and attended it; a fourth stage needs stages 2 and 3
    fourth = Stage.objects.create(programme=academy, order=4, title="Mentor others")
    fourth.prerequisites.add(stages[1], stages[2])
    (ana,) = _enrolled(session, 1)
    attendance_mark(session=session, by=facilitator.person, attended={ana.pk: True}, now=AFTER)

    # when: 1. the stages; 2. their prerequisites; 3. her completions; 4. her enrolments by stage
    with django_assert_num_queries(4):
        progress = person_progress(person=ana, programme=academy)

    # then
    assert [(p.stage.title, p.state, p.attended) for p in progress] == [
        ("Foundations", StageProgress.DONE, 1),
        ("Practice", StageProgress.CURRENT, 0),
        ("Leading others", StageProgress.NEXT, 0),
        ("Mentor others", StageProgress.LOCKED, 0),
    ]
    assert (progress[0].completed_on, progress[0].how) == (date(2026, 12, 1), "attendance")
    assert [s.title for s in progress[3].missing] == ["Practice", "Leading others"]


def test_a_newcomer_is_current_on_the_first_stage_and_enrolment_makes_a_stage_current(
    academy: TrainingProgramme, session: Session, stages: list[Stage]
) -> None:
    newcomer = _person()
    assert [p.state for p in person_progress(person=newcomer, programme=academy)] == [
        "current",
        "next",
        "locked",
    ]

    session_enrol(person=newcomer, session=session, now=BEFORE)

    first = person_progress(person=newcomer, programme=academy)[0]
    assert (first.state, first.enrolled) == ("current", True)


def test_the_person_progress_query_count_does_not_grow_with_rows(
    academy: TrainingProgramme,
    session: Session,
    stages: list[Stage],
    facilitator: Any,
    django_assert_num_queries: Any,
) -> None:
    (ana,) = _enrolled(session, 1)
    for _i in range(5):
        other = SessionFactory.create(stage=stages[0])
        session_enrol(person=ana, session=other, now=BEFORE)

    with django_assert_num_queries(4):
        progress = person_progress(person=ana, programme=academy)
    assert progress[0].enrolled


# Progress for coordinators and organisers


def test_programme_progress_counts_completed_and_in_progress_per_stage_in_three_queries(
    academy: TrainingProgramme,
    session: Session,
    stages: list[Stage],
    facilitator: Any,
    django_assert_num_queries: Any,
) -> None:
    # given five people in stage 1's session, three of whom attended (and completed)
    people = _enrolled(session, 5)
    attendance_mark(
        session=session,
        by=facilitator.person,
        attended={p.pk: i < 3 for i, p in enumerate(people)},
        now=AFTER,
    )
    # and two of those enrol in stage 2; one of them twice (two sessions), counted once
    practice = [
        SessionFactory.create(stage=stages[1], starts_at=AFTER + timedelta(days=7))
        for _i in range(2)
    ]
    for person in people[:2]:
        session_enrol(person=person, session=practice[0], now=AFTER)
    session_enrol(person=people[0], session=practice[1], now=AFTER)

    # when: 1. the stages; 2. completions by stage; 3. people on each stage, not done
    with django_assert_num_queries(3):
        counts = programme_progress(programme=academy)

    # then stage 1: three done, two still on it (they did not attend); stage 2: two on it
    assert [(c.stage.title, c.completed, c.in_progress) for c in counts] == [
        ("Foundations", 3, 2),
        ("Practice", 0, 2),
        ("Leading others", 0, 0),
    ]


def test_community_progress_counts_its_members_only_across_programmes_in_three_queries(
    community: Community,
    member: Any,
    organiser: Any,
    session: Session,
    stages: list[Stage],
    facilitator: Any,
    django_assert_num_queries: Any,
) -> None:
    # given the member and an outsider complete stage 1; the organiser is on stage 1
    outsider = _person()
    for person in (member.person, outsider):
        session_enrol(person=person, session=session, now=BEFORE)
    attendance_mark(
        session=session,
        by=facilitator.person,
        attended={member.person.pk: True, outsider.pk: True},
        now=AFTER,
    )
    later = SessionFactory.create(stage=stages[0], starts_at=AFTER + timedelta(days=30))
    session_enrol(person=organiser.person, session=later, now=AFTER)
    MembershipFactory.create(person=_person(), community=community)  # a member doing nothing

    # when: 1. completions by stage; 2. people on each stage; 3. those stages and programmes
    with django_assert_num_queries(3):
        found = community_progress(community=community)

    # then
    assert [
        (p.programme.title, [(c.stage.title, c.completed, c.in_progress) for c in p.stages])
        for p in found
    ] == [("Leadership Academy", [("Foundations", 1, 1)])]


def test_my_programmes_progress_covers_each_programme_i_take_part_in_in_five_queries(
    academy: TrainingProgramme,
    session: Session,
    stages: list[Stage],
    django_assert_num_queries: Any,
) -> None:
    # given Ana enrolled in the academy and in a programme called "Basics"; not in a third
    basics = StageFactory.create(programme=TrainingProgrammeFactory.create(title="Basics"))
    StageFactory.create(programme=TrainingProgrammeFactory.create(title="Untouched"))
    (ana,) = _enrolled(session, 1)
    session_enrol(person=ana, session=SessionFactory.create(stage=basics), now=BEFORE)

    # when: 1. her programmes; 2. their stages; 3. prerequisites; 4. completions; 5. enrolments
    with django_assert_num_queries(5):
        found = my_programmes_progress(person=ana)

    # then
    assert [(p.title, [s.state for s in progress]) for p, progress in found] == [
        ("Basics", ["current"]),
        ("Leadership Academy", ["current", "next", "locked"]),
    ]


def test_the_sign_off_page_lists_those_who_held_a_place_with_what_they_attended(
    session: Session, signed_stage: Stage, facilitator: Any, django_assert_num_queries: Any
) -> None:
    # given Ana (two sessions, attended one, signed off), Ben waiting, Cleo who left
    Session.objects.filter(pk=session.pk).update(capacity=2)
    second = SessionFactory.create(stage=signed_stage, starts_at=session.starts_at)
    ana, dan = _enrolled(session, 2)
    session_enrol(person=ana, session=second, now=BEFORE)
    ben, cleo = _person(), _person()
    session_enrol(person=ben, session=session, now=BEFORE)
    left = session_enrol(person=cleo, session=second, now=BEFORE)
    enrolment_cancel(enrolment=left, by=cleo, now=BEFORE)
    attendance_mark(session=session, by=facilitator.person, attended={ana.pk: True}, now=AFTER)
    stage_sign_off(stage=signed_stage, person=ana, by=facilitator.person, on=date(2026, 12, 2))

    # when: 1. the people with their attended counts and completion dates
    with django_assert_num_queries(1):
        rows = [
            (r.person.pk, r.attended, r.completed_on)
            for r in stage_participants(stage=signed_stage)
        ]

    # then
    assert sorted(rows) == sorted([(ana.pk, 1, date(2026, 12, 2)), (dan.pk, 0, None)])


def test_a_facilitator_sees_sessions_to_come_and_those_whose_attendance_is_due_in_one_query(
    session: Session, stages: list[Stage], facilitator: Any, django_assert_num_queries: Any
) -> None:
    # given Fatima's session (someone enrolled, not marked), a marked one, an empty past one
    # and one to come; and a session she does not facilitate
    _enrolled(session, 1)
    marked = SessionFactory.create(stage=stages[0])
    _enrolled(marked, 1)
    Session.objects.filter(pk=marked.pk).update(attendance_marked_at=AFTER)
    empty = SessionFactory.create(stage=stages[0])
    coming = SessionFactory.create(stage=stages[0], starts_at=AFTER + timedelta(days=7))
    for mine in (marked, empty, coming):
        mine.facilitators.add(facilitator.person)
    SessionFactory.create(stage=stages[0], starts_at=AFTER + timedelta(days=8))

    # when: 1. her sessions with their stage and programme
    with django_assert_num_queries(1):
        found = [
            (s.pk, s.needs_attendance, s.stage.programme.title)  # type: ignore[attr-defined]
            for s in sessions_facilitated(person=facilitator.person, now=AFTER)
        ]

    # then
    assert found == [
        (session.pk, True, "Leadership Academy"),
        (coming.pk, False, "Leadership Academy"),
    ]
