"""term_create against a plain, independent model of the rules, over random term histories.

The oracle counts days with sets and months with dateutil, where the service uses ranges and its
own month arithmetic: the two agree on every request, or hypothesis shows the smallest history
where they do not.
"""

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from plans.models import Term
from plans.services import PlanError, term_create
from tests.factories import PersonFactory, RoleFactory

PEOPLE = 3


@dataclass(frozen=True)
class Held:
    person: int
    seat: int
    start: date
    end: date

    def days(self) -> set[date]:
        return {self.start + timedelta(days=i) for i in range((self.end - self.start).days)}


@dataclass(frozen=True)
class Rules:
    seats: int
    term_months: int
    max_consecutive: int | None
    cool_off: int
    max_years: int | None


def _months(start: date, end: date) -> Fraction:
    delta = relativedelta(end, start)
    whole = delta.years * 12 + delta.months
    base = start + relativedelta(months=whole)
    following = start + relativedelta(months=whole + 1)
    return whole + Fraction((end - base).days, (following - base).days)


def _consecutive(rules: Rules, before: Held, after: Held) -> bool:
    if rules.cool_off:
        return after.start < before.end + relativedelta(months=rules.cool_off)
    return after.start == before.end


def oracle(
    rules: Rules, history: list[Held], person: int, start: date, end: date, seat: int | None
):
    """The seat the new term gets, or None if the rules refuse it."""
    if end <= start or end > start + relativedelta(months=rules.term_months):
        return None
    if seat is not None and not 1 <= seat <= rules.seats:
        return None
    wanted = Held(person, 0, start, end).days()
    own = [h for h in history if h.person == person]
    if any(h.days() & wanted for h in own):
        return None
    if rules.max_consecutive is not None:
        spans = sorted([*own, Held(person, 0, start, end)], key=lambda h: h.start)
        run = 1
        for before, after in itertools.pairwise(spans):
            run = run + 1 if _consecutive(rules, before, after) else 1
            if run > rules.max_consecutive:
                return None
    if rules.max_years is not None:
        # Back-to-back terms count as one stretch.
        pairs = sorted([(h.start, h.end) for h in own] + [(start, end)])
        joined = [list(pairs[0])]
        for first, last in pairs[1:]:
            if first == joined[-1][1]:
                joined[-1][1] = last
            else:
                joined.append([first, last])
        if sum((_months(a, b) for a, b in joined), Fraction(0)) > rules.max_years * 12:
            return None
    free = [
        n
        for n in range(1, rules.seats + 1)
        if not any(h.seat == n and h.days() & wanted for h in history)
    ]
    if seat is not None:
        return seat if seat in free else None
    return free[0] if free else None


# Starts and lengths aim at the rules' edges: a term that starts on the day an earlier one ends
# (or a day either side, or about a cool-off later), and lengths of whole months, or a day more.
starts = st.one_of(
    st.tuples(st.just("on"), st.dates(date(2020, 1, 1), date(2027, 12, 31)), st.just(0)),
    st.tuples(
        st.sampled_from(["after", "own"]),
        st.integers(0, 7),
        st.sampled_from([0, 0, 0, 1, -1, 180, 181, 365, 366]),
    ),
)
lengths = st.one_of(
    st.tuples(
        st.just("months"), st.sampled_from([6, 12, 24, 36, 48]), st.sampled_from([0, 0, 1, -1])
    ),
    st.tuples(st.just("days"), st.integers(1, 40 * 31), st.just(0)),
)
requests = st.lists(
    st.tuples(st.integers(0, PEOPLE - 1), starts, lengths, st.one_of(st.none(), st.integers(0, 3))),
    min_size=1,
    max_size=8,
)


def _dates(who: int, asked_start, asked_length, history: list[Held]) -> tuple[date, date]:
    kind, value, offset = asked_start
    if kind == "own":  # after the asker's own latest term: runs of consecutive terms
        own = [h for h in history if h.person == who]
        start = (max(h.end for h in own) if own else date(2022, 1, 1)) + timedelta(days=offset)
    elif kind == "after":
        start = (history[value % len(history)].end if history else date(2022, 1, 1)) + timedelta(
            days=offset
        )
    else:
        start = value
    kind, amount, extra = asked_length
    if kind == "months":
        end = start + relativedelta(months=amount) + timedelta(days=extra)
    else:
        end = start + timedelta(days=amount)
    return start, max(end, start + timedelta(days=1))


role_rules = st.builds(
    Rules,
    seats=st.integers(1, 2),
    term_months=st.sampled_from([6, 12, 24, 36]),
    max_consecutive=st.one_of(st.none(), st.integers(1, 3)),
    cool_off=st.sampled_from([0, 0, 6, 12]),
    max_years=st.one_of(st.none(), st.integers(1, 5)),
)


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rules=role_rules, asked=requests)
# Two edges spelled out: a second term in a row with no cool-off, and one a day after.
@example(
    rules=Rules(seats=1, term_months=12, max_consecutive=1, cool_off=0, max_years=None),
    asked=[
        (0, ("on", date(2022, 1, 1), 0), ("months", 12, 0), None),
        (0, ("own", 0, 0), ("months", 12, 0), None),
        (0, ("own", 0, 1), ("months", 12, 0), None),
    ],
)
@example(
    rules=Rules(seats=2, term_months=24, max_consecutive=2, cool_off=12, max_years=None),
    asked=[
        (0, ("on", date(2022, 1, 1), 0), ("months", 24, 0), None),
        (0, ("own", 0, 0), ("months", 24, 0), None),
        (0, ("own", 0, 364), ("months", 24, 0), None),
        (0, ("own", 0, 365), ("months", 24, 0), None),
    ],
)
def test_term_create_accepts_exactly_what_the_rules_allow(rules, asked):
    role = RoleFactory.create(
        seats=rules.seats,
        term_months=rules.term_months,
        max_consecutive_terms=rules.max_consecutive,
        cool_off_months=rules.cool_off,
        max_total_years=rules.max_years,
    )
    people = [PersonFactory.create() for _ in range(PEOPLE)]
    history: list[Held] = []
    for who, asked_start, asked_length, seat in asked:
        start, end = _dates(who, asked_start, asked_length, history)
        expected = oracle(rules, history, who, start, end, seat)
        try:
            term = term_create(
                role=role, person=people[who], starts_on=start, ends_on=end, seat=seat
            )
        except PlanError:
            got = None
        else:
            got = term.seat
            history.append(Held(who, term.seat, start, end))
        assert got == expected, (who, start, end, seat, history)
    assert Term.objects.filter(role=role).count() == len(history)
