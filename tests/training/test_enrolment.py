"""Enrolment: who may enrol and why not, the waiting list, cancellation and promotion.

The fixtures' `session` is stage 1 ("Foundations") of the open, movement-wide academy, on
2026-12-01 at 17:00 UTC with 10 places. Stage 2 requires stage 1, stage 3 requires stage 2.
Everything here happens a month before, at NOW.
"""

from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

import pytest
import time_machine
from django.core import mail

from leadership.models import Community, Person
from tests.factories import (
    PersonFactory,
    SessionFactory,
    StageFactory,
    TrainingProgrammeFactory,
)
from tests.training.test_training_reminders import session_page  # noqa: F401
from training.models import (
    Enrolment,
    EnrolmentStatus,
    Session,
    SessionStatus,
    Stage,
    StageCompletion,
    TrainingProgramme,
)
from training.selectors.enrolment import (
    enrolment_refusal,
    my_enrolments,
    session_roster,
    waiting_list,
)
from training.services.base import TrainingError
from training.services.enrolment import (
    enrolment_cancel,
    session_enrol,
    session_fill_from_waiting_list,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
_fillers = count()


def _person(name: str, email: str = "") -> Person:
    return PersonFactory.create(
        display_name=name, user__email=email or f"{name.lower().replace(' ', '.')}@example.org"
    )


def _complete(person: Person, stage: Stage) -> None:
    StageCompletion.objects.create(
        stage=stage, person=person, completed_on=date(2026, 10, 1), how="attendance"
    )


def _fill(session: Session, count: int, at: datetime = NOW) -> list[Enrolment]:
    return [
        session_enrol(person=_person(f"Filler {next(_fillers)}"), session=session, now=at)
        for _i in range(count)
    ]


def _seats(session: Session) -> int:
    return Session.objects.values_list("seats_taken", flat=True).get(pk=session.pk)


# Enrol


def test_a_person_enrols_in_a_session_with_a_free_place(session: Session) -> None:
    # given
    ana = _person("Ana")

    # when
    enrolment = session_enrol(person=ana, session=session, now=NOW)

    # then
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.enrolled_at, enrolment.waitlisted_at) == (
        EnrolmentStatus.ENROLLED,
        NOW,
        None,
    )
    assert _seats(session) == 1


def test_a_full_session_puts_the_person_on_its_waiting_list(session: Session) -> None:
    Session.objects.filter(pk=session.pk).update(capacity=2)
    _fill(session, 2)

    enrolment = session_enrol(person=_person("Ana"), session=session, now=NOW)

    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.waitlisted_at, enrolment.enrolled_at) == (
        EnrolmentStatus.WAITLISTED,
        NOW,
        None,
    )
    assert _seats(session) == 2


@pytest.mark.parametrize(
    ("situation", "message"),
    [
        ("closed", "Registration for Leadership Academy is not open."),
        ("draft", "Registration for Leadership Academy is not open."),
        ("cancelled", "This session was cancelled."),
        ("started", "This session has already started."),
        ("enrolled", "You are already enrolled in this session."),
        ("waitlisted", "You are already on the waiting list of this session."),
    ],
)
def test_enrolment_is_refused_with_its_reason_and_nothing_is_written(
    session: Session, academy: TrainingProgramme, situation: str, message: str
) -> None:
    # given
    ana = _person("Ana")
    now = NOW
    if situation in ("closed", "draft"):
        TrainingProgramme.objects.filter(pk=academy.pk).update(status=situation)
    elif situation == "cancelled":
        Session.objects.filter(pk=session.pk).update(status=SessionStatus.CANCELLED)
    elif situation == "started":
        now = session.starts_at
    elif situation == "enrolled":
        session_enrol(person=ana, session=session, now=NOW)
    elif situation == "waitlisted":
        Session.objects.filter(pk=session.pk).update(capacity=1)
        _fill(session, 1)
        session_enrol(person=ana, session=session, now=NOW)
    enrolments = list(Enrolment.objects.order_by("pk").values_list("pk", "status"))
    seats = _seats(session)

    # when
    with pytest.raises(TrainingError) as refused:
        session_enrol(person=ana, session=session, now=now)

    # then
    assert str(refused.value) == message
    assert list(Enrolment.objects.order_by("pk").values_list("pk", "status")) == enrolments
    assert _seats(session) == seats


def test_a_stage_whose_prerequisites_are_not_completed_is_refused_naming_them(
    stages: list[Stage],
) -> None:
    # given a session of stage 3, and Ana who completed stage 1 only
    later = SessionFactory.create(stage=stages[2])
    ana = _person("Ana")
    _complete(ana, stages[0])

    # when
    with pytest.raises(TrainingError) as refused:
        session_enrol(person=ana, session=later, now=NOW)

    # then it names the stage missing (stage 3 needs stage 2 only: stage 1 is done)
    assert str(refused.value) == "Complete these stages first: Practice."
    assert not Enrolment.objects.exists()
    assert _seats(later) == 0


def test_a_prerequisite_of_another_programme_is_named_with_its_programme(
    stages: list[Stage],
) -> None:
    # given a global programme whose first stage requires the academy's last two stages
    global_stage = StageFactory.create(
        programme=TrainingProgrammeFactory.create(title="Global Leaders"), title="Strategy"
    )
    global_stage.prerequisites.add(stages[1], stages[2])
    global_session = SessionFactory.create(stage=global_stage)
    ana = _person("Ana")

    # when
    with pytest.raises(TrainingError) as refused:
        session_enrol(person=ana, session=global_session, now=NOW)
    assert str(refused.value) == (
        "Complete these stages first: Practice (Leadership Academy), "
        "Leading others (Leadership Academy)."
    )

    # then, once both are completed, she may enrol
    _complete(ana, stages[1])
    _complete(ana, stages[2])
    assert session_enrol(person=ana, session=global_session, now=NOW).status == "enrolled"


def test_a_local_programme_is_for_members_of_its_community_only(
    community: Community, member: Any, outsider: Any
) -> None:
    # given a local programme of the community
    local = TrainingProgrammeFactory.create(
        title="Testland Academy", level=TrainingProgramme.Level.LOCAL, community=community
    )
    local_session = SessionFactory.create(stage=StageFactory.create(programme=local))

    # when the outsider tries, then refused; the member may
    with pytest.raises(TrainingError) as refused:
        session_enrol(person=outsider.person, session=local_session, now=NOW)
    assert str(refused.value) == "Testland Academy is for members of its community only."
    assert not Enrolment.objects.exists()

    assert session_enrol(person=member.person, session=local_session, now=NOW).status == "enrolled"


def test_the_refusal_reads_two_queries_for_a_movement_wide_programme(
    session: Session, django_assert_num_queries: Any
) -> None:
    ana = _person("Ana")
    loaded = Session.objects.select_related("stage__programme").get(pk=session.pk)

    # 1. a live enrolment of Ana's; 2. the prerequisites she has not completed
    with django_assert_num_queries(2):
        assert enrolment_refusal(person=ana, session=loaded, now=NOW) is None


def test_someone_who_cancelled_may_enrol_again(session: Session) -> None:
    ana = _person("Ana")
    first = session_enrol(person=ana, session=session, now=NOW)
    enrolment_cancel(enrolment=first, by=ana, now=NOW + timedelta(hours=1))

    again = session_enrol(person=ana, session=session, now=NOW + timedelta(hours=2))

    assert again.pk != first.pk
    assert again.status == EnrolmentStatus.ENROLLED
    assert _seats(session) == 1


# The waiting list and promotion


def test_the_waiting_list_is_first_come_first_served_with_ties_by_id(session: Session) -> None:
    # given a full session; Ben waits first, then Cleo and Dan at the same instant
    Session.objects.filter(pk=session.pk).update(capacity=1)
    _fill(session, 1)
    ben = session_enrol(person=_person("Ben"), session=session, now=NOW + timedelta(minutes=1))
    cleo = session_enrol(person=_person("Cleo"), session=session, now=NOW + timedelta(minutes=2))
    dan = session_enrol(person=_person("Dan"), session=session, now=NOW + timedelta(minutes=2))

    # then
    assert [e.pk for e in waiting_list(session=session)] == [ben.pk, cleo.pk, dan.pk]


def _sweeps(callbacks: list[Any]) -> list[Any]:
    """The work enqueued on commit, less the renewal of cached pages (training/fragments.py)."""
    return [c for c in callbacks if not c.__qualname__.startswith("bump.")]


@pytest.mark.usefixtures("session_page")
def test_a_cancelled_place_goes_to_the_first_in_line_who_gets_one_email(
    session: Session, django_capture_on_commit_callbacks: Any
) -> None:
    # given a full session with two waiting: Ben first
    Session.objects.filter(pk=session.pk).update(capacity=2)
    holder, _other = _fill(session, 2)
    ben = session_enrol(person=_person("Ben"), session=session, now=NOW + timedelta(minutes=1))
    cleo = session_enrol(person=_person("Cleo"), session=session, now=NOW + timedelta(minutes=2))
    cancelled_at = NOW + timedelta(days=1)

    # when the holder cancels (the sweep runs on commit, eagerly, at that moment)
    with (
        time_machine.travel(cancelled_at, tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        enrolment_cancel(enrolment=holder, by=holder.person, now=cancelled_at)

    # then Ben has the place, Cleo still waits, the count is unchanged overall
    ben.refresh_from_db()
    cleo.refresh_from_db()
    holder.refresh_from_db()
    assert (holder.status, holder.cancelled_at) == (EnrolmentStatus.CANCELLED, cancelled_at)
    assert (ben.status, ben.promoted_at, ben.enrolled_at) == (
        "enrolled",
        cancelled_at,
        cancelled_at,
    )
    assert cleo.status == EnrolmentStatus.WAITLISTED
    assert _seats(session) == 2
    assert len(_sweeps(callbacks)) == 1
    # and exactly one email went out, to Ben, saying he has a place
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ben@example.org"], "You have a place: Foundations")
    ]

    # when the sweep runs again (beat), nothing more is sent
    from reminders.tasks import reminders_sweep_task

    with time_machine.travel(cancelled_at + timedelta(minutes=5), tick=False):
        reminders_sweep_task.delay()
    assert len(mail.outbox) == 1


def test_cancelling_a_place_in_line_promotes_nobody(
    session: Session, django_capture_on_commit_callbacks: Any
) -> None:
    Session.objects.filter(pk=session.pk).update(capacity=1)
    _fill(session, 1)
    ben = session_enrol(person=_person("Ben"), session=session, now=NOW)
    cleo = session_enrol(person=_person("Cleo"), session=session, now=NOW + timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enrolment_cancel(enrolment=ben, by=ben.person, now=NOW + timedelta(hours=1))

    cleo.refresh_from_db()
    assert cleo.status == EnrolmentStatus.WAITLISTED
    assert _seats(session) == 1
    assert _sweeps(callbacks) == []
    assert [e.pk for e in waiting_list(session=session)] == [cleo.pk]


def test_a_cancelled_enrolment_cannot_be_cancelled_again(session: Session) -> None:
    ana = _person("Ana")
    enrolment = session_enrol(person=ana, session=session, now=NOW)
    enrolment_cancel(enrolment=enrolment, by=ana, now=NOW)

    with pytest.raises(TrainingError, match="already cancelled"):
        enrolment_cancel(enrolment=enrolment, by=ana, now=NOW)
    assert _seats(session) == 0


def test_a_place_cannot_be_left_once_the_session_has_started(session: Session) -> None:
    ana = _person("Ana")
    enrolment = session_enrol(person=ana, session=session, now=NOW)

    with pytest.raises(TrainingError, match="already started"):
        enrolment_cancel(enrolment=enrolment, by=ana, now=session.starts_at)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert _seats(session) == 1


def test_raising_the_capacity_moves_the_waiting_list_up_in_order(
    session: Session, django_capture_on_commit_callbacks: Any
) -> None:
    # given a full session of one place and three waiting
    from django.db import transaction

    Session.objects.filter(pk=session.pk).update(capacity=1)
    _fill(session, 1)
    waiting = [
        session_enrol(person=_person(name), session=session, now=NOW + timedelta(minutes=i))
        for i, name in enumerate(["Ben", "Cleo", "Dan"])
    ]

    # when a schedule service raises the capacity to 3 under the session's lock
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        locked.capacity = 3
        locked.save(update_fields=["capacity"])
        promoted = session_fill_from_waiting_list(session=locked, now=NOW + timedelta(days=1))

    # then the first two in line are in, the third still waits
    assert [e.pk for e in promoted] == [waiting[0].pk, waiting[1].pk]
    statuses = dict(Enrolment.objects.values_list("pk", "status"))
    assert [statuses[e.pk] for e in waiting] == ["enrolled", "enrolled", "waitlisted"]
    assert _seats(session) == 3
    assert len(_sweeps(callbacks)) == 1  # the sweep that tells them


def test_nobody_is_promoted_into_a_cancelled_session(session: Session) -> None:
    Session.objects.filter(pk=session.pk).update(capacity=1)
    holder = _fill(session, 1)[0]
    ben = session_enrol(person=_person("Ben"), session=session, now=NOW)
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.CANCELLED)

    enrolment_cancel(enrolment=holder, by=holder.person, now=NOW + timedelta(hours=1))

    ben.refresh_from_db()
    assert ben.status == EnrolmentStatus.WAITLISTED
    assert _seats(session) == 0


# Reads


def test_my_enrolments_are_upcoming_and_past_in_one_query(
    stages: list[Stage], django_assert_num_queries: Any
) -> None:
    # given Ana in a past session, a coming one, and a session she left
    ana = _person("Ana")
    past = SessionFactory.create(
        stage=stages[0], starts_at=datetime(2026, 10, 1, 17, 0, tzinfo=UTC)
    )
    soon = SessionFactory.create(stage=stages[0])
    later = SessionFactory.create(
        stage=stages[0], starts_at=datetime(2027, 1, 5, 17, 0, tzinfo=UTC)
    )
    session_enrol(person=ana, session=past, now=datetime(2026, 9, 1, tzinfo=UTC))
    session_enrol(person=ana, session=later, now=NOW)
    left = session_enrol(person=ana, session=soon, now=NOW)
    enrolment_cancel(enrolment=left, by=ana, now=NOW)
    session_enrol(person=ana, session=soon, now=NOW + timedelta(hours=1))

    # when: 1. the enrolments with their sessions, stages and programmes
    with django_assert_num_queries(1):
        mine = my_enrolments(person=ana, now=NOW)
        upcoming = [(e.session.pk, e.session.stage.programme.title) for e in mine.upcoming]
        past_ids = [e.session.pk for e in mine.past]

    # then
    assert upcoming == [(soon.pk, "Leadership Academy"), (later.pk, "Leadership Academy")]
    assert past_ids == [past.pk]


def test_the_roster_and_the_waiting_list_take_one_query_each(
    session: Session, django_assert_num_queries: Any
) -> None:
    Session.objects.filter(pk=session.pk).update(capacity=3)
    _fill(session, 3)
    _fill(session, 4)

    with django_assert_num_queries(1):  # the enrolled with their people
        roster = [e.person.display_name for e in session_roster(session=session)]
    with django_assert_num_queries(1):  # those waiting with their people
        line = [e.person.display_name for e in waiting_list(session=session)]

    assert len(roster) == 3
    assert len(line) == 4
    assert roster == sorted(roster)
