"""Two organisers filling a role's last seat at the same moment, on Postgres, with real threads."""

import threading
from datetime import date

import pytest
from django.db import connection

from plans.models import Term
from plans.services import PlanError, term_create
from tests.factories import PersonFactory, RoleFactory


@pytest.mark.django_db(transaction=True)
def test_only_one_of_two_simultaneous_requests_gets_the_last_seat():
    # given: a one-seat role and two candidates, each put forward by another organiser
    role = RoleFactory.create(seats=1)
    people = [PersonFactory.create(), PersonFactory.create()]
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []

    def assign(person):
        try:
            barrier.wait()
            term_create(
                role=role, person=person, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1)
            )
            outcomes.append("assigned")
        except PlanError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=assign, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: one term, and a message for the other organiser; no stray rows
    assert outcomes.count("assigned") == 1
    (refusal,) = [outcome for outcome in outcomes if outcome != "assigned"]
    assert refusal.startswith("No seat of")
    assert Term.objects.filter(role=role).count() == 1
