"""Refreshing the dashboards: every hour for most figures, once a day for representation."""

import datetime

from django.utils import timezone

from leadership.dashboards.models import DashboardSnapshot
from leadership.dashboards.services import DAILY_SECTIONS, HOURLY_SECTIONS, snapshots_refresh
from leadership.models import Community, SelfIdentification
from tests.factories import MembershipFactory, PersonFactory

TODAY = datetime.date(2026, 12, 1)


def _join(community: Community, gender: str) -> None:
    person = PersonFactory.create()
    MembershipFactory.create(person=person, community=community)
    SelfIdentification.objects.create(person=person, gender=gender)


def _snapshot(community: Community) -> DashboardSnapshot:
    return DashboardSnapshot.objects.get(level="community", key=str(community.pk))


def test_the_hourly_refresh_keeps_the_days_representation_and_renews_the_rest(
    community: Community,
) -> None:
    # given the day's figures: ten women and ten men
    for gender in ("woman", "man"):
        for _ in range(10):
            _join(community, gender)
    now = timezone.now()
    snapshots_refresh(today=TODAY, now=now, level="community")
    before = _snapshot(community).data
    # when three more women join and the hourly refresh runs
    for _ in range(3):
        _join(community, "woman")
    snapshots_refresh(
        today=TODAY,
        now=now + datetime.timedelta(hours=1),
        level="community",
        sections=HOURLY_SECTIONS,
    )
    after = _snapshot(community).data
    # then the members are counted anew but representation is the day's, unchanged
    assert after["pipeline"]["members"] == before["pipeline"]["members"] + 3
    assert after["representation"] == before["representation"]
    assert after["representation_as_of"] == TODAY.isoformat()
    # when the daily run comes
    snapshots_refresh(
        today=TODAY + datetime.timedelta(days=1),
        now=now + datetime.timedelta(days=1),
        level="community",
        sections=DAILY_SECTIONS,
    )
    # then representation moves (13 women: 15), and the hourly figures stay as they were
    latest = _snapshot(community).data
    assert latest["representation"]["gender"]["community"]["cells"]["woman"] == 15
    assert latest["pipeline"] == after["pipeline"]


def test_a_refresh_run_twice_writes_the_same_figures_and_no_more_rows(
    community: Community, other_community: Community
) -> None:
    now = timezone.now()
    first = snapshots_refresh(today=TODAY, now=now)
    data = {s.pk: s.data for s in DashboardSnapshot.objects.all()}
    second = snapshots_refresh(today=TODAY, now=now)
    assert first == second == DashboardSnapshot.objects.count()
    assert {s.pk: s.data for s in DashboardSnapshot.objects.all()} == data
