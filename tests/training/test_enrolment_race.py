"""The last place taken by two people at the same moment, on Postgres, with real threads."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import pytest
from django.db import connection

from tests.factories import PersonFactory, SessionFactory, StageFactory
from tests.training.test_training_reminders import session_page  # noqa: F401
from training.models import Enrolment, EnrolmentStatus, Session
from training.services.base import TrainingError
from training.services.enrolment import enrolment_cancel, session_enrol

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ROUNDS = 10


def _at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls in threads released together; each result, or the error's message."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = calls[index]()
        except TrainingError as error:
            outcomes[index] = str(error)
        except Exception as error:  # a database error, shown as such in the assertion
            outcomes[index] = f"{type(error).__name__}: {error}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_people_taking_the_last_place_at_once_one_is_enrolled_the_other_waits() -> None:
    stage = StageFactory.create()
    for round_ in range(ROUNDS):
        # given a session with one place left (two, one taken)
        session = SessionFactory.create(stage=stage, capacity=2)
        session_enrol(person=PersonFactory.create(), session=session, now=NOW)
        people = [PersonFactory.create(), PersonFactory.create()]

        # when both enrol at the same moment
        outcomes = _at_once(
            [partial(session_enrol, person=p, session=session, now=NOW) for p in people]
        )

        # then one has the place and the other is first in line; the counter is at capacity
        assert all(isinstance(o, Enrolment) for o in outcomes), (round_, outcomes)
        statuses = sorted(
            Enrolment.objects.filter(session=session, person__in=people).values_list(
                "status", flat=True
            )
        )
        assert statuses == [EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED], round_
        session.refresh_from_db()
        assert session.seats_taken == session.capacity == 2, round_


@pytest.mark.django_db(transaction=True)
def test_the_same_person_enrolling_twice_at_once_gets_one_enrolment_and_a_reason() -> None:
    session = SessionFactory.create(stage=StageFactory.create(), capacity=5)
    person = PersonFactory.create()

    outcomes = _at_once([partial(session_enrol, person=person, session=session, now=NOW)] * 2)

    assert sorted(map(type, outcomes), key=str) == sorted([Enrolment, str], key=str), outcomes
    assert "You are already enrolled in this session." in outcomes
    assert Enrolment.objects.filter(session=session).count() == 1
    assert Session.objects.get(pk=session.pk).seats_taken == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("session_page")  # a promotion's email links to the session
@pytest.mark.parametrize("attempt", range(3))
def test_a_cancellation_while_someone_enrols_for_a_full_session_never_overfills_it(
    attempt: int,
) -> None:
    # given a full session of one place with nobody waiting
    session = SessionFactory.create(stage=StageFactory.create(), capacity=1)
    holder = session_enrol(person=PersonFactory.create(), session=session, now=NOW)
    newcomer = PersonFactory.create()

    # when the holder leaves as the newcomer enrols
    cancelled, enrolled = _at_once(
        [
            partial(enrolment_cancel, enrolment=holder, by=holder.person, now=NOW),
            partial(session_enrol, person=newcomer, session=session, now=NOW),
        ]
    )

    # then either way the newcomer ends with the place: directly, or promoted from the line
    assert isinstance(cancelled, Enrolment), cancelled
    assert isinstance(enrolled, Enrolment), enrolled
    enrolled.refresh_from_db()
    assert enrolled.status == EnrolmentStatus.ENROLLED
    assert Session.objects.get(pk=session.pk).seats_taken == 1
