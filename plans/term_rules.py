"""A role's term rules as plain functions of dates, for the services to apply.

A term holds the days [start, end): its end day belongs to the next holder, so terms may follow
each other back to back. Two terms of one person in one role are *consecutive* when the second
starts before the first's end plus the role's cool-off (with no cool-off: on the day the first
ends). A *run* is a chain of consecutive terms; a role may cap a run's length, and a run that
reached the cap is followed by the cool-off before the person may start again.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, on the same day of the month or the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Span:
    start: date
    end: date  # excluded

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Limits:
    term_months: int
    max_consecutive_terms: int | None
    cool_off_months: int
    max_total_years: int | None


def longest_end(limits: Limits, start: date) -> date:
    """The latest end of a term starting on `start`."""
    return add_months(start, limits.term_months)


def next_run_from(limits: Limits, end: date) -> date:
    """The first start of a term that is not consecutive with one ending on `end`."""
    if limits.cool_off_months:
        return add_months(end, limits.cool_off_months)
    return end + timedelta(days=1)


def months_held(span: Span) -> Fraction:
    """How long `span` lasts in months: whole months, then the days left as a share of the next.

    Months rather than days, so that two two-year terms make four years whatever their leap days.
    """
    months = (span.end.year - span.start.year) * 12 + span.end.month - span.start.month
    while add_months(span.start, months) > span.end:
        months -= 1
    whole = add_months(span.start, months)
    rest = (span.end - whole).days
    return months + Fraction(rest, (add_months(span.start, months + 1) - whole).days)


def over_total_years(limits: Limits, new: Span, held: list[Span]) -> bool:
    """Whether `new` takes the person's time in the role past the role's total limit.

    Terms that follow each other are measured as one stretch: a year served as 31 August to
    28 February and 28 February to 31 August is a year, though each half rounds on its own.
    """
    if limits.max_total_years is None:
        return False
    stretches: list[Span] = []
    for span in sorted([*held, new], key=lambda span: span.start):
        if stretches and stretches[-1].end == span.start:
            stretches[-1] = Span(stretches[-1].start, span.end)
        else:
            stretches.append(span)
    total = sum((months_held(stretch) for stretch in stretches), Fraction(0))
    return total > limits.max_total_years * 12


@dataclass(frozen=True)
class RunTooLong:
    """A new term would make a run of `length` consecutive terms (more than the limit)."""

    length: int
    # The first day the person may start a new run, when the terms before the new one made the
    # run too long; None when terms after it did (the new term would join them).
    eligible_from: date | None


def run_too_long(limits: Limits, new: Span, held: list[Span]) -> RunTooLong | None:
    """Whether `new` makes a run of the person's terms `held` longer than the role allows."""
    if limits.max_consecutive_terms is None:
        return None
    spans = sorted([*held, new], key=lambda span: span.start)
    at = spans.index(new)
    first = at
    while first > 0 and spans[first].start < next_run_from(limits, spans[first - 1].end):
        first -= 1
    last = at
    while last + 1 < len(spans) and spans[last + 1].start < next_run_from(limits, spans[last].end):
        last += 1
    length = last - first + 1
    if length <= limits.max_consecutive_terms:
        return None
    before = at - first  # terms of the run before the new one
    if before >= limits.max_consecutive_terms:
        return RunTooLong(length, next_run_from(limits, spans[at - 1].end))
    return RunTooLong(length, None)
