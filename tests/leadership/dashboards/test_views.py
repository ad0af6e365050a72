"""The dashboards' pages: who sees which, charts beside their tables, CSV of every table."""

import csv
import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leadership.dashboards.models import DashboardSnapshot
from leadership.dashboards.services import snapshots_refresh
from leadership.models import Community, SelfIdentification
from tests.factories import MembershipFactory, PersonFactory, RoleFactory, TermFactory

USERS = ["anonymous", "member", "organiser", "outsider", "coordinator", "coach", "superuser"]


def _urls(community: Community) -> dict[str, str]:
    return {
        "community": reverse("dashboards:community", kwargs={"slug": community.slug}),
        "region": reverse("dashboards:region", kwargs={"region": community.region}),
        "movement": reverse("dashboards:movement"),
    }


# Who sees each dashboard: a community's, its organisers and coordinators; a region's and the
# movement's, coordinators (the superuser is one).
ALLOWED = {
    "community": {"organiser", "coordinator", "superuser"},
    "region": {"coordinator", "superuser"},
    "movement": {"coordinator", "superuser"},
}


@pytest.mark.parametrize("name", USERS)
def test_each_dashboard_is_seen_by_those_responsible_and_by_nobody_else(
    name: str,
    community: Community,
    member: Any,
    organiser: Any,
    outsider: Any,
    coordinator: Any,
    coach: Any,
    superuser: Any,
    client_as: Callable[[str], Client],
) -> None:
    client = client_as(name)
    for level, url in _urls(community).items():
        response = client.get(url)
        if name == "anonymous":
            assert response.status_code == 302
        elif name in ALLOWED[level]:
            assert response.status_code == 200, (level, name)
            assert b"Leadership pipeline" in response.content
        else:
            assert response.status_code == 404, (level, name)
        csv_response = client.get(url + "csv/pipeline/")
        expected = 200 if name in ALLOWED[level] else (302 if name == "anonymous" else 404)
        assert csv_response.status_code == expected


def test_an_unknown_region_or_table_is_not_found(
    community: Community, coordinator: Any, client_as: Callable[[str], Client]
) -> None:
    client = client_as("coordinator")
    assert (
        client.get(reverse("dashboards:region", kwargs={"region": "atlantis"})).status_code == 404
    )
    assert client.get(_urls(community)["movement"] + "csv/nothing/").status_code == 404


def test_every_chart_has_its_table_and_its_csv(
    community: Community, organiser: Any, client_as: Callable[[str], Client]
) -> None:
    # given
    client = client_as("organiser")
    url = _urls(community)["community"]
    # when
    page = client.get(url).content.decode()
    # then each chart's canvas has the JSON it draws, a table and a CSV link
    charts = page.count("<canvas data-chart=")
    assert charts >= 8
    assert page.count('type="application/json"') == charts
    assert page.count("<table") >= charts
    board_tables = [
        "pipeline",
        "training-stages",
        "pipeline-over-time",
        "terms-ending",
        "seats-at-risk",
        "representation-gender",
        "representation-age-band",
        "representation-underrepresented",
        "renewal",
        "veterans",
        "mentoring-health",
        "coaching-health",
        "coach-caseloads",
    ]
    for table in board_tables:
        assert f'href="{url}csv/{table}/"' in page
        response = client.get(f"{url}csv/{table}/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0], table  # the headers; no seat is at risk here, so that table is empty
        assert len(rows) >= 2 or table == "seats-at-risk", table
    # and the chart library is served from static/, never a CDN
    assert "/static/vendor/chartjs/chart.umd.min" in page
    assert "cdn" not in page.lower()


def test_the_representation_csv_shows_the_published_figures_only(
    community: Community, organiser: Any, client_as: Callable[[str], Client]
) -> None:
    # given 7 women and 6 men among the members (with the organiser, not stated)
    for gender, count in (("woman", 7), ("man", 6)):
        for _ in range(count):
            person = PersonFactory.create()
            MembershipFactory.create(person=person, community=community)
            SelfIdentification.objects.create(person=person, gender=gender)
    url = _urls(community)["community"]
    # when
    response = client_as("organiser").get(f"{url}csv/representation-gender/")
    rows = {row[0]: row for row in csv.reader(io.StringIO(response.content.decode()))}
    # then 7 and 6 are published as 5, and the one who said nothing as "fewer than 5", in the
    # page and the CSV alike
    assert rows["Woman"][3] == "5"
    assert rows["Man"][3] == "5"
    assert rows["Not stated"][3] == "fewer than 5"
    page = client_as("organiser").get(url).content.decode()
    assert "fewer than 5" in page
    for cell in rows["Woman"][1:]:
        assert "7" not in cell


def test_a_csv_never_hands_a_spreadsheet_a_formula(
    community: Community, organiser: Any, client_as: Callable[[str], Client]
) -> None:
    # given a role whose title a spreadsheet would run
    role = RoleFactory.create(community=community, title='=HYPERLINK("http://evil")')
    TermFactory.create(
        role=role,
        person=PersonFactory.create(),
        starts_on=datetime.date(2025, 1, 1),
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    url = _urls(community)["community"]
    # when
    text = client_as("organiser").get(f"{url}csv/seats-at-risk/").content.decode()
    # then
    assert "'=HYPERLINK" in text
    assert "\n=HYPERLINK" not in text


def test_a_dashboard_reads_one_snapshot_whatever_the_size_of_the_community(
    community: Community,
    organiser: Any,
    client_as: Callable[[str], Client],
    django_assert_num_queries: Any,
) -> None:
    url = _urls(community)["community"]
    client = client_as("organiser")
    client.get(url)  # computes the first snapshot

    def count_queries() -> None:
        # the session, the user, the community, the viewer's memberships (rules), the
        # snapshot, whether the viewer is a coordinator (the breadcrumbs), the user's person
        # (the base layout)
        with django_assert_num_queries(7):
            assert client.get(url).status_code == 200

    count_queries()
    for _ in range(10):
        MembershipFactory.create(community=community)
    now = timezone.now()
    snapshots_refresh(today=now.date(), now=now, level="community", key=str(community.pk))
    count_queries()


def test_refresh_is_refused_while_the_figures_are_fresh_and_done_later(
    community: Community,
    organiser: Any,
    client_as: Callable[[str], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = _urls(community)["community"]
    client = client_as("organiser")
    client.get(url)
    snapshot = DashboardSnapshot.objects.get(level="community", key=str(community.pk))
    # when asked again at once
    response = client.post(url + "refresh/", follow=True)
    # then it says the figures are up to date and computes nothing
    assert "up to date" in response.content.decode()
    assert DashboardSnapshot.objects.get(pk=snapshot.pk).computed_at == snapshot.computed_at
    # when the figures are older than five minutes
    DashboardSnapshot.objects.filter(pk=snapshot.pk).update(
        computed_at=snapshot.computed_at - datetime.timedelta(minutes=10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url + "refresh/")
    # then the task (eager in tests) computed them again
    assert DashboardSnapshot.objects.get(pk=snapshot.pk).computed_at > snapshot.computed_at


@pytest.mark.parametrize("name", ["member", "outsider", "coach"])
def test_a_refresh_by_someone_not_responsible_is_refused_and_computes_nothing(
    name: str,
    community: Community,
    member: Any,
    outsider: Any,
    coach: Any,
    client_as: Callable[[str], Client],
) -> None:
    response = client_as(name).post(_urls(community)["community"] + "refresh/")
    assert response.status_code == 404
    assert not DashboardSnapshot.objects.exists()


def test_the_index_offers_each_viewer_their_dashboards(
    community: Community,
    organiser: Any,
    member: Any,
    coordinator: Any,
    client_as: Callable[[str], Client],
) -> None:
    index = reverse("dashboards:index")
    organiser_page = client_as("organiser").get(index).content.decode()
    assert _urls(community)["community"] in organiser_page
    assert _urls(community)["movement"] not in organiser_page
    coordinator_page = client_as("coordinator").get(index).content.decode()
    assert _urls(community)["movement"] in coordinator_page
    assert _urls(community)["region"] in coordinator_page
    member_page = client_as("member").get(index).content.decode()
    assert "for the organisers of a community" in member_page


def test_no_dashboard_page_or_export_holds_a_coachs_note_or_a_summary(
    community: Community,
    organiser: Any,
    coordinator: Any,
    client_as: Callable[[str], Client],
) -> None:
    # given an engagement in the community with a session, its summary and private notes
    from leadership.coaching.models import CoachingNote
    from tests.factories import CoachingSessionFactory

    session = CoachingSessionFactory.create(
        assignment__community=community, summary="SUMMARY-MARKER"
    )
    CoachingNote.objects.create(session=session, text="NOTE-MARKER")
    # when every dashboard and every CSV of it is read by those who may
    for name in ("organiser", "coordinator"):
        client = client_as(name)
        for level, url in _urls(community).items():
            if name not in ALLOWED[level]:
                continue
            page = client.get(url).content.decode()
            tables = [part.split("/")[0] for part in page.split(f'href="{url}csv/')[1:]]
            assert tables
            texts = [page] + [client.get(f"{url}csv/{table}/").content.decode() for table in tables]
            # then neither text is anywhere
            for text in texts:
                assert "NOTE-MARKER" not in text
                assert "SUMMARY-MARKER" not in text
