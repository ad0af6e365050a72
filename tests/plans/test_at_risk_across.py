"""Seats at risk across communities: one SQL statement that agrees with the per-community rules."""

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from plans.models import Readiness, SuccessorCandidate
from plans.selectors import (
    Risk,
    _across_in_python,
    at_risk_moment,
    seats_at_risk,
    seats_at_risk_across,
)
from plans.term_rules import add_months
from tests.factories import CommunityFactory, PersonFactory, RoleFactory, TermFactory

pytestmark = pytest.mark.django_db

NOON_UTC = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _key(page):
    return [(s.role.pk, s.seat, s.risk, s.term.pk if s.term else None) for s in page.items]


def test_each_community_is_judged_on_its_own_date():
    # given: the same term, ending on 24 November, in Auckland (already the 24th) and in UTC
    auckland = CommunityFactory.create(time_zone=ZoneInfo("Pacific/Auckland"))
    london = CommunityFactory.create(time_zone=ZoneInfo("UTC"))
    for community in (auckland, london):
        role = RoleFactory.create(community=community, title="Chair", succession_lead_months=6)
        TermFactory.create(role=role, starts_on=date(2024, 11, 24), ends_on=date(2026, 11, 24))

    # when
    page = seats_at_risk_across(communities=None, now=NOON_UTC)

    # then: Auckland's term has run out, London's ends tomorrow
    risks = {s.role.community_id: s.risk for s in page.items}
    assert risks == {auckland.pk: Risk.HOLDOVER, london.pk: Risk.ENDING_SOON}
    assert _key(page) == _key(_across_in_python(None, NOON_UTC, 1, 50))


def test_only_the_chosen_communities_are_listed(community, other_community):
    RoleFactory.create(community=community, title="Ours")
    RoleFactory.create(community=other_community, title="Theirs")

    page = seats_at_risk_across(communities=[community.pk], now=NOON_UTC)

    assert [s.role.title for s in page.items] == ["Ours"]


def test_the_sql_agrees_with_the_rules_of_each_community_over_varied_histories():
    # given: roles with one to three seats, lead times from none to over a year, early ends,
    # gaps, successors planned and candidates ready, in three time zones
    rng = random.Random(7)
    zones = ["UTC", "Pacific/Auckland", "America/Los_Angeles"]
    communities = [CommunityFactory.create(time_zone=ZoneInfo(z)) for z in zones]
    candidate = PersonFactory.create()
    for n in range(24):
        community = communities[n % 3]
        role = RoleFactory.create(
            community=community,
            title=f"Role {n:02d}",
            seats=rng.randint(1, 3),
            succession_lead_months=rng.choice([0, 1, 3, 6, 13]),
            max_consecutive_terms=None,
        )
        for seat in range(1, role.seats + 1):
            start = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
            for _ in range(rng.randint(0, 3)):
                end = add_months(start, rng.choice([6, 12, 24]))
                ended = start + timedelta(days=rng.randrange(1, (end - start).days))
                TermFactory.create(
                    role=role,
                    seat=seat,
                    person=PersonFactory.create(),
                    starts_on=start,
                    ends_on=end,
                    ended_on=ended if rng.random() < 0.2 else None,
                )
                start = end + timedelta(days=rng.choice([0, 0, 30]))
        if rng.random() < 0.3:
            SuccessorCandidate.objects.create(
                role=role, person=candidate, readiness=rng.choice(Readiness.values)
            )

    # when / then: page by page, at many moments, the SQL and the Python rules agree
    for day in range(0, 400, 23):
        now = NOON_UTC + timedelta(days=day, hours=rng.randrange(24))
        for number in (1, 2):
            sql = seats_at_risk_across(communities=None, now=now, page=number, size=10)
            python = _across_in_python(None, now, number, 10)
            assert _key(sql) == _key(python), now
            assert sql.has_next == python.has_next
    # and the Python path is the per-community rule itself
    community = communities[1]
    today = NOON_UTC.astimezone(community.time_zone).date()
    assert {(s.role.pk, s.seat) for s in seats_at_risk(community=community, today=today)} == {
        (s.role.pk, s.seat) for s in _across_in_python([community.pk], NOON_UTC, 1, 1000).items
    }


def test_the_moment_is_the_quarter_hour_before_now():
    assert at_risk_moment(datetime(2026, 11, 23, 12, 44, 59, 9, tzinfo=UTC)) == datetime(
        2026, 11, 23, 12, 30, tzinfo=UTC
    )
