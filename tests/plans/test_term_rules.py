"""The rules of a role's terms, at their edges, as term_create and term_end_early apply them."""

import re
from datetime import date

import pytest
from django.db import IntegrityError, transaction

from plans.models import Term
from plans.services import PlanError, term_create, term_end_early
from tests.factories import PersonFactory, RoleFactory, TermFactory


@pytest.fixture
def board(db):
    """Two seats; two-year terms; two in a row, then a year off."""
    return RoleFactory.create(
        title="Board member", seats=2, term_months=24, max_consecutive_terms=2, cool_off_months=12
    )


@pytest.fixture
def ana(db):
    return PersonFactory.create(display_name="Ana")


@pytest.fixture
def ben(db):
    return PersonFactory.create(display_name="Ben")


def _terms(role):
    return list(Term.objects.filter(role=role).values_list("person__display_name", "seat"))


def test_it_gives_the_first_free_seat(board, ana, ben):
    first = term_create(
        role=board, person=ana, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1)
    )
    second = term_create(
        role=board, person=ben, starts_on=date(2026, 6, 1), ends_on=date(2028, 6, 1)
    )

    assert (first.seat, second.seat) == (1, 2)


def test_a_term_may_start_on_the_day_the_seats_last_term_ends(board, ana, ben):
    term_create(
        role=board, person=ana, seat=1, starts_on=date(2024, 1, 1), ends_on=date(2026, 1, 1)
    )

    successor = term_create(
        role=board, person=ben, seat=1, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1)
    )

    assert successor.seat == 1


def test_a_term_may_last_exactly_the_roles_term_length(board, ana):
    term = term_create(
        role=board, person=ana, starts_on=date(2026, 3, 15), ends_on=date(2028, 3, 15)
    )

    assert term.ends_on == date(2028, 3, 15)


def test_it_refuses_a_term_one_day_longer_than_the_role_allows(board, ana):
    with pytest.raises(PlanError, match=r"lasts at most 24 months.*March 15, 2028"):
        term_create(role=board, person=ana, starts_on=date(2026, 3, 15), ends_on=date(2028, 3, 16))

    assert _terms(board) == []


def test_a_year_from_a_leap_day_ends_on_the_last_day_of_february(board, ana):
    board.term_months = 12
    board.save()

    term = term_create(
        role=board, person=ana, starts_on=date(2028, 2, 29), ends_on=date(2029, 2, 28)
    )
    # a year from the next leap day ends on 28 February at the latest
    with pytest.raises(PlanError, match=re.escape("Feb. 28, 2033")):
        term_create(role=board, person=ana, starts_on=date(2032, 2, 29), ends_on=date(2033, 3, 1))

    assert term.ends_on == date(2029, 2, 28)


def test_it_refuses_a_term_that_ends_before_it_starts(board, ana):
    with pytest.raises(PlanError, match="must end after it starts"):
        term_create(role=board, person=ana, starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 1))


def test_it_refuses_a_third_consecutive_term_and_says_from_when_the_person_is_eligible(board, ana):
    # given: two terms in a row
    TermFactory.create(role=board, person=ana, starts_on=date(2022, 1, 1), ends_on=date(2024, 1, 1))
    TermFactory.create(role=board, person=ana, starts_on=date(2024, 1, 1), ends_on=date(2026, 1, 1))

    # when / then: a third from the day the second ends, or inside the year's cool-off
    for start in (date(2026, 1, 1), date(2026, 12, 31)):
        with pytest.raises(PlanError, match=r"limit is 2 consecutive terms.*Jan\. 1, 2027"):
            term_create(role=board, person=ana, starts_on=start, ends_on=date(2028, 1, 1))
    # and the first day after the cool-off is fine
    term = term_create(role=board, person=ana, starts_on=date(2027, 1, 1), ends_on=date(2029, 1, 1))

    assert term.starts_on == date(2027, 1, 1)


def test_without_a_cool_off_a_one_day_break_ends_a_run(board, ana):
    board.cool_off_months = 0
    board.save()
    TermFactory.create(role=board, person=ana, starts_on=date(2022, 1, 1), ends_on=date(2024, 1, 1))
    TermFactory.create(role=board, person=ana, starts_on=date(2024, 1, 1), ends_on=date(2026, 1, 1))

    with pytest.raises(PlanError, match=re.escape("eligible again from Jan. 2, 2026")):
        term_create(role=board, person=ana, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1))
    term = term_create(role=board, person=ana, starts_on=date(2026, 1, 2), ends_on=date(2028, 1, 2))

    assert term.seat == 1


def test_a_break_shorter_than_the_cool_off_does_not_end_a_run(board, ana):
    TermFactory.create(role=board, person=ana, starts_on=date(2022, 1, 1), ends_on=date(2024, 1, 1))
    TermFactory.create(role=board, person=ana, starts_on=date(2024, 6, 1), ends_on=date(2026, 6, 1))

    with pytest.raises(PlanError, match=re.escape("eligible again from June 1, 2027")):
        term_create(role=board, person=ana, starts_on=date(2027, 1, 1), ends_on=date(2029, 1, 1))


def test_it_refuses_a_term_that_would_join_later_terms_into_too_long_a_run(board, ana):
    # given: a term planned ahead, and one just before the gap
    TermFactory.create(role=board, person=ana, starts_on=date(2022, 1, 1), ends_on=date(2024, 1, 1))
    TermFactory.create(role=board, person=ana, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1))

    # when / then: filling the gap makes three in a row
    with pytest.raises(PlanError, match=r"3 consecutive terms.*joining their later terms"):
        term_create(role=board, person=ana, starts_on=date(2024, 1, 1), ends_on=date(2026, 1, 1))


def test_it_refuses_two_seats_of_one_role_for_the_same_person_at_once(board, ana):
    term_create(
        role=board, person=ana, seat=1, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1)
    )

    with pytest.raises(PlanError, match="Ana already holds a seat of Board member"):
        term_create(
            role=board, person=ana, seat=2, starts_on=date(2027, 12, 31), ends_on=date(2029, 1, 1)
        )


def test_it_refuses_a_taken_seat_and_names_who_holds_it(board, ana, ben):
    term_create(
        role=board, person=ana, seat=1, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1)
    )

    with pytest.raises(PlanError, match="Seat 1 of Board member is held by Ana"):
        term_create(
            role=board, person=ben, seat=1, starts_on=date(2027, 1, 1), ends_on=date(2029, 1, 1)
        )

    assert _terms(board) == [("Ana", 1)]


def test_it_refuses_a_term_when_no_seat_is_free_for_all_of_it(board, ana, ben):
    term_create(role=board, person=ana, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1))
    term_create(role=board, person=ben, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1))
    carla = PersonFactory.create(display_name="Carla")

    with pytest.raises(PlanError, match="No seat of Board member is free"):
        term_create(role=board, person=carla, starts_on=date(2027, 1, 1), ends_on=date(2029, 1, 1))

    assert len(_terms(board)) == 2


def test_it_refuses_a_seat_the_role_does_not_have(board, ana):
    with pytest.raises(PlanError, match="has seats 1 to 2"):
        term_create(
            role=board, person=ana, seat=3, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1)
        )


def test_it_refuses_a_term_past_the_total_years_and_says_the_person_is_no_longer_eligible(
    board, ana
):
    # given: four years in all, no limit on terms in a row
    board.max_consecutive_terms = None
    board.max_total_years = 4
    board.save()
    term_create(role=board, person=ana, starts_on=date(2020, 1, 1), ends_on=date(2022, 1, 1))
    # two years again, with their leap day: exactly four years in all
    term_create(role=board, person=ana, starts_on=date(2023, 1, 1), ends_on=date(2025, 1, 1))

    with pytest.raises(PlanError, match=r"limit of 4 years in all.*no longer eligible"):
        term_create(role=board, person=ana, starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 2))


def test_a_year_served_in_two_halves_across_month_ends_is_a_year(board, ana):
    board.max_consecutive_terms = None
    board.max_total_years = 1
    board.save()

    term_create(role=board, person=ana, starts_on=date(2025, 8, 31), ends_on=date(2026, 2, 28))
    term_create(role=board, person=ana, starts_on=date(2026, 2, 28), ends_on=date(2026, 8, 31))

    assert len(_terms(board)) == 2


def test_ending_a_term_early_frees_its_seat_from_that_day(board, ana, ben):
    board.seats = 1
    board.save()
    term = term_create(role=board, person=ana, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1))

    term_end_early(term=term, ended_on=date(2026, 9, 1))
    successor = term_create(
        role=board, person=ben, starts_on=date(2026, 9, 1), ends_on=date(2028, 9, 1)
    )

    term.refresh_from_db()
    assert term.end == date(2026, 9, 1)
    assert successor.seat == 1


@pytest.mark.parametrize("day", [date(2026, 1, 1), date(2028, 1, 1), date(2025, 6, 1)])
def test_a_term_ends_early_only_inside_it(board, ana, day):
    term = term_create(role=board, person=ana, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1))

    with pytest.raises(PlanError, match="only between its start"):
        term_end_early(term=term, ended_on=day)

    term.refresh_from_db()
    assert term.ended_on is None


def test_a_term_that_ended_early_cannot_be_made_longer_again(board, ana, ben):
    # given: Ana stepped down, and Ben took her seat from that day
    board.seats = 1
    board.save()
    term = term_create(role=board, person=ana, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1))
    term_end_early(term=term, ended_on=date(2026, 9, 1))
    term_create(role=board, person=ben, starts_on=date(2026, 9, 1), ends_on=date(2028, 9, 1))

    # when / then
    with pytest.raises(PlanError, match="only between its start"):
        term_end_early(term=term, ended_on=date(2027, 6, 1))

    term.refresh_from_db()
    assert term.ended_on == date(2026, 9, 1)


def test_the_database_itself_refuses_two_terms_in_one_seat_on_the_same_day(board, ana, ben):
    TermFactory.create(
        role=board, person=ana, seat=1, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1)
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        TermFactory.create(
            role=board, person=ben, seat=1, starts_on=date(2027, 12, 31), ends_on=date(2029, 1, 1)
        )


def test_the_database_itself_refuses_one_person_in_two_seats_of_a_role_at_once(board, ana):
    TermFactory.create(
        role=board, person=ana, seat=1, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1)
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        TermFactory.create(
            role=board, person=ana, seat=2, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1)
        )
