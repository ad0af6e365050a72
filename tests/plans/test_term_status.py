"""A term's status is derived from its dates and today, at the edges."""

from datetime import date

import pytest

from plans.models import Term, TermStatus
from tests.factories import RoleFactory, TermFactory


@pytest.fixture
def term(db):
    """1 January 2026 to 1 January 2028, in a role that wants a successor in view 3 months ahead."""
    role = RoleFactory.create(succession_lead_months=3)
    return TermFactory.create(role=role, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1))


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2025, 12, 31), TermStatus.UPCOMING),
        (date(2026, 1, 1), TermStatus.CURRENT),  # its first day
        (date(2027, 9, 30), TermStatus.CURRENT),  # the day before the lead time
        (date(2027, 10, 1), TermStatus.ENDING_SOON),  # three months before the end
        (date(2027, 12, 31), TermStatus.ENDING_SOON),  # its last day
        (date(2028, 1, 1), TermStatus.HOLDOVER),  # its end, and nobody has taken over
    ],
)
def test_a_terms_status_follows_its_dates(term, today, status):
    assert term.status_on(today, successor_started=False) == status


def test_a_term_whose_successor_has_started_has_ended(term):
    assert term.status_on(date(2028, 1, 1), successor_started=True) == TermStatus.ENDED


def test_a_holder_who_stepped_down_is_no_holdover(term):
    term.ended_on = date(2027, 3, 1)

    # the lead time counts back from the day they step down
    assert term.status_on(date(2027, 2, 28), successor_started=False) == TermStatus.ENDING_SOON
    assert term.status_on(date(2027, 3, 1), successor_started=False) == TermStatus.ENDED


def test_the_lead_time_of_a_term_ending_on_the_last_day_of_a_month_starts_a_month_end(db):
    # 31 May less three months is 28 February (29 in a leap year), not 3 March
    role = RoleFactory.create(succession_lead_months=3)
    term = Term(role=role, starts_on=date(2026, 5, 31), ends_on=date(2028, 5, 31))

    assert term.status_on(date(2028, 2, 28), successor_started=False) == TermStatus.CURRENT
    assert term.status_on(date(2028, 2, 29), successor_started=False) == TermStatus.ENDING_SOON
