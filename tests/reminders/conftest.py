"""A treasurer's term in the community, held by the member, whose end the reminders watch.

The term runs from 2025-06-01 to 2026-06-01 (the role allows two years): its reminders fall due
on 2026-03-03 (90 days before), 2026-05-02 (30), 2026-05-25 (7) and, if nobody has taken over,
on 2026-06-01.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, time

import pytest
import time_machine

from plans.models import Role, Term
from reminders.services import SweepResult, reminders_sweep
from tests.factories import RoleFactory, TermFactory

ENDS_ON = date(2026, 6, 1)
DUE = {-90: date(2026, 3, 3), -30: date(2026, 5, 2), -7: date(2026, 5, 25), 0: ENDS_ON}


@pytest.fixture
def treasurer(community) -> Role:
    return RoleFactory.create(community=community, title="Treasurer")


@pytest.fixture
def term(treasurer, member, organiser, outsider) -> Term:
    # organiser and outsider: so that every test sees who receives a copy and who does not
    return TermFactory.create(
        role=treasurer, person=member.person, starts_on=date(2025, 6, 1), ends_on=ENDS_ON
    )


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


@pytest.fixture
def sweep_on() -> Callable[..., SweepResult]:
    """Run the sweep as beat would on `day` (09:00 UTC unless told)."""

    def sweep(day: date, hour: int = 9) -> SweepResult:
        with time_machine.travel(at(day, hour), tick=False):
            return reminders_sweep()

    return sweep
