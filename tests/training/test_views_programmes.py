"""The programme, stage and schedule pages for every named user: who sees what and who may write,
a refused POST changes nothing, times in the viewer's zone, the month view, and what the pages
cost.

The clock stands at 1 November 2026, 09:00 UTC. `academy` is open and movement-wide; `lead` is
named among its coordinators (not in the movement's coordinators group); `local` is a programme
owned by `community`, which `organiser` organises and `outsider` does not.
"""

import html
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db.models import F
from django.test import Client
from django.urls import reverse

from leadership.models import Community
from tests.factories import (
    LanguageFactory,
    PersonFactory,
    ResourceFactory,
    SessionFactory,
    SkillFactory,
    StageFactory,
    TrainingProgrammeFactory,
)
from training.models import Enrolment, Session, Stage, TrainingProgramme

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
# The pages join the ends of a time range with an en dash.
DASH = "\N{EN DASH}"
EVERYONE = [
    "anonymous",
    "member",
    "organiser",
    "outsider",
    "coordinator",
    "superuser",
    "lead",
    "facilitator",
]
# Those who run the academy: the movement's coordinators, the superuser, its named coordinator.
RUNNERS = {"coordinator", "superuser", "lead"}


def _enrol(session: Session, person: Any, status: str = Enrolment.Status.ENROLLED) -> Enrolment:
    """A place held or awaited, written directly: these tests are about pages, not the rules."""
    if status == Enrolment.Status.ENROLLED:
        Session.objects.filter(pk=session.pk).update(seats_taken=F("seats_taken") + 1)
        session.refresh_from_db(fields=["seats_taken"])
        return Enrolment.objects.create(
            session=session, person=person, status=status, enrolled_at=NOW
        )
    return Enrolment.objects.create(
        session=session, person=person, status=status, waitlisted_at=NOW
    )


@pytest.fixture(autouse=True)
def _now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def lead(academy: TrainingProgramme) -> Any:
    person = PersonFactory.create(display_name="Lee Lead", user__email="lead@example.org")
    academy.coordinators.add(person)
    return person.user


@pytest.fixture
def local(community: Community) -> TrainingProgramme:
    return TrainingProgrammeFactory.create(
        title="Testland Academy", level=TrainingProgramme.Level.LOCAL, community=community
    )


def _status(client: Client, url: str, method: str = "get", data: Any = None) -> Any:
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    if response.status_code == 302 and response["Location"].startswith(reverse("account_login")):
        return "login"
    return response.status_code


def _said(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _programme_urls(academy: TrainingProgramme, stage: Stage, community: Community) -> dict:
    return {
        "programme-list": reverse("training:programme-list"),
        "programme-create": reverse("training:programme-create"),
        "programme-detail": reverse("training:programme-detail", args=[academy.pk]),
        "programme-edit": reverse("training:programme-edit", args=[academy.pk]),
        "stage-create": reverse("training:stage-create", args=[academy.pk]),
        "schedule": reverse("training:schedule", args=[academy.pk]),
        "schedule-month": reverse("training:schedule-month", args=[academy.pk, 2026, 12]),
        "stage-detail": reverse("training:stage-detail", args=[stage.pk]),
        "stage-edit": reverse("training:stage-edit", args=[stage.pk]),
        "community-trainings": reverse("training:community-trainings", args=[community.slug]),
    }


def _expected_get(page: str, user: str) -> Any:
    if user == "anonymous":
        return "login"
    if page == "programme-create":
        return 200 if user in {"coordinator", "superuser"} else 403
    if page in {"programme-edit", "stage-create", "stage-edit"}:
        return 200 if user in RUNNERS else 403
    return 200


PAGES = [
    "programme-list",
    "programme-create",
    "programme-detail",
    "programme-edit",
    "stage-create",
    "schedule",
    "schedule-month",
    "stage-detail",
    "stage-edit",
    "community-trainings",
]


# Who sees what


@pytest.mark.parametrize("user", EVERYONE)
@pytest.mark.parametrize("page", PAGES)
def test_each_programme_page_answers_each_user_as_the_rules_say(
    client_as: Callable[[str], Client],
    academy: TrainingProgramme,
    stages: list[Stage],
    session: Session,
    community: Community,
    lead: Any,
    page: str,
    user: str,
) -> None:
    url = _programme_urls(academy, stages[0], community)[page]
    assert _status(client_as(user), url) == _expected_get(page, user)


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("anonymous", "login"),
        ("member", 403),
        ("outsider", 403),
        ("facilitator", 403),
        ("organiser", 200),
        ("coordinator", 200),
        ("superuser", 200),
    ],
)
@pytest.mark.parametrize("page", ["programme-edit", "stage-create", "stage-edit"])
def test_a_local_programme_is_run_by_the_organisers_of_its_community(
    client_as: Callable[[str], Client],
    local: TrainingProgramme,
    community: Community,
    facilitator: Any,
    page: str,
    user: str,
    expected: Any,
) -> None:
    stage = StageFactory.create(programme=local, order=1)
    url = _programme_urls(local, stage, community)[page]
    assert _status(client_as(user), url) == expected


DRAFT_PAGES = ["programme-detail", "schedule", "schedule-month", "stage-detail", "programme-edit"]


@pytest.mark.parametrize("user", EVERYONE)
@pytest.mark.parametrize("page", DRAFT_PAGES)
def test_a_draft_is_not_found_by_those_who_do_not_run_it(
    client_as: Callable[[str], Client],
    academy: TrainingProgramme,
    stages: list[Stage],
    session: Session,
    community: Community,
    lead: Any,
    page: str,
    user: str,
) -> None:
    academy.status = TrainingProgramme.Status.DRAFT
    academy.save(update_fields=["status"])
    url = _programme_urls(academy, stages[0], community)[page]
    expected = "login" if user == "anonymous" else 200 if user in RUNNERS else 404
    assert _status(client_as(user), url) == expected


@pytest.mark.parametrize("user", EVERYONE)
def test_the_programme_list_shows_a_draft_only_to_those_who_run_it(
    client_as: Callable[[str], Client], academy: TrainingProgramme, lead: Any, user: str
) -> None:
    draft = TrainingProgrammeFactory.create(
        title="Secret Draft Academy", status=TrainingProgramme.Status.DRAFT
    )
    draft.coordinators.add(lead.person)
    response = client_as(user).get(reverse("training:programme-list"))
    if user == "anonymous":
        assert response.status_code == 302
        return
    assert "Leadership Academy" in response.text
    assert ("Secret Draft Academy" in response.text) == (user in RUNNERS)


# Refused POSTs change nothing; allowed ones go through the services


REFUSED = ["anonymous", "member", "organiser", "outsider", "facilitator"]


@pytest.mark.parametrize("user", REFUSED)
def test_a_refused_programme_edit_changes_nothing(
    client_as: Callable[[str], Client], academy: TrainingProgramme, user: str
) -> None:
    url = reverse("training:programme-edit", args=[academy.pk])
    data = {
        "title": "Hijacked",
        "level": "movement",
        "status": "archived",
        "time_zone": "UTC",
        "starts_on": "2026-01-01",
        "ends_on": "2028-12-31",
    }
    assert _status(client_as(user), url, "post", data) == ("login" if user == "anonymous" else 403)
    academy.refresh_from_db()
    assert (academy.title, academy.status) == ("Leadership Academy", "open")


@pytest.mark.parametrize("user", ["anonymous", "member", "organiser", "outsider", "lead"])
def test_only_a_coordinator_creates_a_programme(
    client_as: Callable[[str], Client], academy: TrainingProgramme, lead: Any, user: str
) -> None:
    data = {
        "title": "Another",
        "level": "movement",
        "status": "open",
        "time_zone": "UTC",
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
    }
    url = reverse("training:programme-create")
    assert _status(client_as(user), url, "post", data) == ("login" if user == "anonymous" else 403)
    assert TrainingProgramme.objects.count() == 1


def test_a_coordinator_creates_a_programme_and_is_sent_to_it(
    client_as: Callable[[str], Client],
) -> None:
    data = {
        "title": "Global Academy",
        "level": "movement",
        "status": "open",
        "time_zone": "Asia/Tokyo",
        "starts_on": "2027-01-01",
        "ends_on": "2029-12-31",
    }
    response = client_as("coordinator").post(reverse("training:programme-create"), data)
    programme = TrainingProgramme.objects.get(title="Global Academy")
    assert response.status_code == 302
    assert response["Location"] == programme.get_absolute_url()
    assert str(programme.time_zone) == "Asia/Tokyo"


def test_a_horizon_past_three_years_is_refused_with_a_message(
    client_as: Callable[[str], Client],
) -> None:
    data = {
        "title": "Too long",
        "level": "movement",
        "status": "open",
        "time_zone": "UTC",
        "starts_on": "2027-01-01",
        "ends_on": "2030-01-02",
    }
    response = client_as("coordinator").post(reverse("training:programme-create"), data)
    assert response.status_code == 200
    assert "at most three years ahead" in response.text
    assert not TrainingProgramme.objects.filter(title="Too long").exists()


@pytest.mark.parametrize("user", REFUSED)
def test_a_refused_stage_create_edit_or_delete_changes_nothing(
    client_as: Callable[[str], Client],
    academy: TrainingProgramme,
    stages: list[Stage],
    user: str,
) -> None:
    client = client_as(user)
    refused = "login" if user == "anonymous" else 403
    data = {"title": "Hijacked", "completion_rule": "attendance", "min_sessions": 1}
    create = reverse("training:stage-create", args=[academy.pk])
    assert _status(client, create, "post", data) == refused
    edit = reverse("training:stage-edit", args=[stages[2].pk])
    assert _status(client, edit, "post", {**data, "order": 3}) == refused
    delete = reverse("training:stage-delete", args=[stages[2].pk])
    assert _status(client, delete, "post") == refused
    assert list(Stage.objects.order_by("order").values_list("title", flat=True)) == [
        "Foundations",
        "Practice",
        "Leading others",
    ]


def test_the_programme_coordinator_adds_edits_and_deletes_a_stage(
    client_as: Callable[[str], Client],
    academy: TrainingProgramme,
    stages: list[Stage],
    lead: Any,
) -> None:
    client = client_as("lead")
    # given the form proposes the last stage as the one to complete first
    form = client.get(reverse("training:stage-create", args=[academy.pk])).context["form"]
    assert list(form.initial["prerequisites"]) == [stages[2]]
    # when a fourth stage is added without an order
    data = {
        "title": "Mentoring others",
        "completion_rule": "sign_off",
        "min_sessions": 1,
        "prerequisites": [stages[2].pk],
    }
    response = client.post(reverse("training:stage-create", args=[academy.pk]), data)
    # then it comes after the last
    fourth = Stage.objects.get(title="Mentoring others")
    assert response["Location"] == fourth.get_absolute_url()
    assert fourth.order == 4
    assert list(fourth.prerequisites.all()) == [stages[2]]
    # edited, then deleted
    client.post(
        reverse("training:stage-edit", args=[fourth.pk]),
        {**data, "title": "Coaching others", "order": 4},
    )
    fourth.refresh_from_db()
    assert fourth.title == "Coaching others"
    response = client.post(reverse("training:stage-delete", args=[fourth.pk]), follow=True)
    assert not Stage.objects.filter(pk=fourth.pk).exists()
    assert "The stage was deleted." in _said(response)


def test_a_stage_with_people_enrolled_is_not_deleted_and_says_why(
    client_as: Callable[[str], Client], session: Session, member: Any, lead: Any
) -> None:
    _enrol(session, member.person)
    url = reverse("training:stage-delete", args=[session.stage_id])
    response = client_as("lead").post(url, follow=True)
    assert Stage.objects.filter(pk=session.stage_id).exists()
    assert any("People are enrolled" in m for m in _said(response))


def test_deleting_a_stage_is_a_post(
    client_as: Callable[[str], Client], stages: list[Stage]
) -> None:
    url = reverse("training:stage-delete", args=[stages[2].pk])
    assert client_as("coordinator").get(url).status_code == 405
    assert Stage.objects.filter(pk=stages[2].pk).exists()


# Pages show what they should


def test_the_programme_page_shows_stages_their_rules_and_the_viewers_progress(
    client_as: Callable[[str], Client],
    academy: TrainingProgramme,
    stages: list[Stage],
    session: Any,
) -> None:
    response = client_as("member").get(academy.get_absolute_url())
    text = response.text
    assert [s.title for s in response.context["stages"]] == [s.title for s in stages]
    assert "Requires: Foundations." in text
    assert "1 upcoming session" in text
    # the member has not started: the first stage is open to them, the second opens after it
    assert [item.state for item in response.context["progress"]] == ["current", "next", "locked"]
    assert "Edit the programme" not in text


def test_the_schedule_lists_upcoming_sessions_and_marks_the_viewers_place(
    client_as: Callable[[str], Client], session: Session, member: Any
) -> None:
    _enrol(session, member.person)
    past = SessionFactory.create(
        stage=session.stage, starts_at=datetime(2026, 10, 1, 16, 0, tzinfo=UTC), title="Gone"
    )
    url = reverse("training:schedule", args=[session.stage.programme_id])
    response = client_as("member").get(url)
    assert [s.pk for s in response.context["page"].items] == [session.pk]
    assert "You are enrolled" in response.text
    assert past.title not in response.text
    # from a day in the past, the past session is there too
    earlier = client_as("member").get(url, {"from": "2026-09-01"})
    assert [s.pk for s in earlier.context["page"].items] == [past.pk, session.pk]


def test_the_schedule_pages_through_many_sessions(
    client_as: Callable[[str], Client], stages: list[Stage], settings: Any
) -> None:
    settings.PATHWAYS_PAGE_SIZE = 3
    created = [
        SessionFactory.create(
            stage=stages[0], starts_at=datetime(2026, 12, 1 + i, 17, 0, tzinfo=UTC)
        ).pk
        for i in range(5)
    ]
    client = client_as("member")
    url = reverse("training:schedule", args=[stages[0].programme_id])
    first = client.get(url, {"from": "2026-11-15"})
    assert [s.pk for s in first.context["page"].items] == created[:3]
    # the link to the next page keeps the day asked for
    found = re.search(r'href="(\?from=2026-11-15&amp;cursor=[^"]+)">Later', first.text)
    assert found is not None
    second = client.get(url + html.unescape(found.group(1)))
    assert [s.pk for s in second.context["page"].items] == created[3:]


def test_a_community_shows_its_own_and_its_regions_trainings(
    client_as: Callable[[str], Client], community: Community, local: TrainingProgramme
) -> None:
    regional = TrainingProgrammeFactory.create(
        title="Regional Academy", level=TrainingProgramme.Level.REGIONAL, region=community.region
    )
    elsewhere = TrainingProgrammeFactory.create(
        title="Faraway Academy", level=TrainingProgramme.Level.REGIONAL, region="LAC"
    )
    for programme in (local, regional, elsewhere):
        SessionFactory.create(stage=StageFactory.create(programme=programme, order=1))
    response = client_as("outsider").get(
        reverse("training:community-trainings", args=[community.slug])
    )
    assert [p.title for p in response.context["programmes"]] == [
        "Regional Academy",
        "Testland Academy",
    ]
    shown = {s.stage.programme.title for s in response.context["page"].items}
    assert shown == {"Regional Academy", "Testland Academy"}
    assert "Faraway Academy" not in response.text


# Times in the viewer's zone


def _viewer_in(user: Any, zone: str) -> None:
    user.person.time_zone = zone
    user.person.save(update_fields=["time_zone"])


@pytest.mark.parametrize("page", ["schedule", "session-detail"])
def test_a_viewer_in_los_angeles_sees_their_time_with_the_berlin_time_beside_it(
    client_as: Callable[[str], Client], session: Session, member: Any, page: str
) -> None:
    _viewer_in(member, "America/Los_Angeles")
    pk = session.stage.programme_id if page == "schedule" else session.pk
    response = client_as("member").get(reverse(f"training:{page}", args=[pk]))
    # 17:00 UTC is 09:00 in Los Angeles (PST) and 18:00 in Berlin (CET)
    assert f"Tue 1 Dec 2026, 09:00{DASH}11:00" in response.text
    assert f"(Tue 1 Dec, 18:00{DASH}20:00 in Europe/Berlin)" in response.text


@pytest.mark.parametrize("page", ["schedule", "session-detail"])
def test_a_viewer_in_berlin_sees_one_time_only(
    client_as: Callable[[str], Client], session: Session, member: Any, page: str
) -> None:
    _viewer_in(member, "Europe/Berlin")
    pk = session.stage.programme_id if page == "schedule" else session.pk
    response = client_as("member").get(reverse(f"training:{page}", args=[pk]))
    assert f"Tue 1 Dec 2026, 18:00{DASH}20:00" in response.text
    assert "in Europe/Berlin)" not in response.text


def test_a_session_past_midnight_for_the_viewer_shows_both_days(
    client_as: Callable[[str], Client], session: Session, member: Any
) -> None:
    # 18:00-20:00 Berlin is 02:00-04:00 the next day in Tokyo
    _viewer_in(member, "Asia/Tokyo")
    response = client_as("member").get(session.get_absolute_url())
    assert f"Wed 2 Dec 2026, 02:00{DASH}04:00" in response.text
    assert f"(Tue 1 Dec, 18:00{DASH}20:00 in Europe/Berlin)" in response.text


# The month view


def _month(client: Client, programme: TrainingProgramme, year: int, month: int) -> Any:
    return client.get(reverse("training:schedule-month", args=[programme.pk, year, month]))


def _days_with_sessions(response: Any) -> dict[date, list[int]]:
    return {
        day.day: [s.pk for s in day.sessions]
        for week in response.context["weeks"]
        for day in week
        if day.sessions
    }


def test_the_month_view_puts_each_session_on_its_day_in_the_viewers_zone(
    client_as: Callable[[str], Client], stages: list[Stage], member: Any, organiser: Any
) -> None:
    # given a session at 01:00 Berlin time on 1 March 2027 (00:00 UTC; 16:00 on 28 February in
    # Los Angeles) and one at 18:00 Berlin time on 31 March (16:00 UTC, summer time)
    early = SessionFactory.create(stage=stages[0], starts_at=datetime(2027, 3, 1, 0, 0, tzinfo=UTC))
    late = SessionFactory.create(
        stage=stages[0], starts_at=datetime(2027, 3, 31, 16, 0, tzinfo=UTC)
    )
    academy = stages[0].programme
    _viewer_in(member, "America/Los_Angeles")
    _viewer_in(organiser, "Europe/Berlin")
    # then in Los Angeles the early one is on the last day of February
    february = _month(client_as("member"), academy, 2027, 2)
    assert _days_with_sessions(february) == {date(2027, 2, 28): [early.pk]}
    assert "16:00 Foundations" in february.text
    march = _month(client_as("member"), academy, 2027, 3)
    assert _days_with_sessions(march) == {date(2027, 3, 31): [late.pk]}
    assert "09:00 Foundations" in march.text
    # and in Berlin both are in March, on the days and at the times there
    berlin = _month(client_as("organiser"), academy, 2027, 3)
    assert _days_with_sessions(berlin) == {
        date(2027, 3, 1): [early.pk],
        date(2027, 3, 31): [late.pk],
    }
    assert "01:00 Foundations" in berlin.text
    assert "18:00 Foundations" in berlin.text
    assert _days_with_sessions(_month(client_as("organiser"), academy, 2027, 2)) == {}


def test_the_month_view_weeks_start_on_monday_and_cover_the_month(
    client_as: Callable[[str], Client], academy: TrainingProgramme
) -> None:
    weeks = _month(client_as("member"), academy, 2027, 2).context["weeks"]
    # February 2027 starts on a Monday and has exactly four weeks
    assert [week[0].day for week in weeks] == [date(2027, 2, d) for d in (1, 8, 15, 22)]
    assert all(day.in_month for week in weeks for day in week)
    march = _month(client_as("member"), academy, 2027, 3).context["weeks"]
    assert march[0][0].day == date(2027, 3, 1)
    assert march[-1][-1].day == date(2027, 4, 4)
    assert not march[-1][-1].in_month


@pytest.mark.parametrize(
    ("year", "month", "previous", "following"),
    [
        (2027, 1, (2026, 12), (2027, 2)),
        (2026, 12, (2026, 11), (2027, 1)),
        (2027, 6, (2027, 5), (2027, 7)),
    ],
)
def test_the_month_view_links_the_months_before_and_after(
    client_as: Callable[[str], Client],
    academy: TrainingProgramme,
    year: int,
    month: int,
    previous: tuple[int, int],
    following: tuple[int, int],
) -> None:
    response = _month(client_as("member"), academy, year, month)
    before = reverse("training:schedule-month", args=[academy.pk, *previous])
    after = reverse("training:schedule-month", args=[academy.pk, *following])
    assert f'href="{before}"' in response.text
    assert f'href="{after}"' in response.text


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2030, 11, 200),  # 48 months from November 2026
        (2030, 12, 404),  # 49
        (2022, 11, 200),
        (2022, 10, 404),
        (2027, 13, 404),
        (2027, 0, 404),
        (9999, 12, 404),
    ],
)
def test_a_month_too_far_away_or_that_does_not_exist_is_not_found(
    client_as: Callable[[str], Client],
    academy: TrainingProgramme,
    year: int,
    month: int,
    expected: int,
) -> None:
    assert _month(client_as("member"), academy, year, month).status_code == expected


# What the pages cost


def _warm(client: Client) -> Client:
    # The first page of a session stores the viewer's time zone in it.
    assert client.get(reverse("training:programme-list")).status_code == 200
    return client


def _fill(academy: TrainingProgramme, stages: list[Stage], n: int, viewer: Any) -> None:
    """n sessions in each stage in December 2026, each with n people enrolled and a facilitator;
    the viewer is enrolled in each, some on the waiting list; n skills and resources a stage."""
    people = PersonFactory.create_batch(n)
    german = LanguageFactory.create(code="de", name="German", autonym="Deutsch")
    academy.languages.add(german)
    for stage in stages:
        stage.skills.add(*SkillFactory.create_batch(n))
        for resource in ResourceFactory.create_batch(n):
            resource.stages.add(stage)
            resource.skills.add(*stage.skills.all())
        for i in range(n):
            session = SessionFactory.create(
                stage=stage,
                starts_at=datetime(2026, 12, 2 + i, 17, 0, tzinfo=UTC)
                + timedelta(minutes=stage.order),
                title=f"Session {stage.order}-{i}",
                capacity=n + 1,
                language=german,
            )
            session.facilitators.add(people[i])
            for person in people:
                _enrol(session, person)
            _enrol(
                session,
                viewer,
                Enrolment.Status.WAITLISTED if i % 2 else Enrolment.Status.ENROLLED,
            )


@pytest.mark.parametrize("n", [2, 6])
def test_the_schedule_pages_cost_the_same_with_three_times_the_sessions(
    client_for: Callable[[Any], Client],
    academy: TrainingProgramme,
    stages: list[Stage],
    member: Any,
    community: Community,
    n: int,
    django_assert_num_queries: Any,
) -> None:
    academy.community = community
    academy.level = TrainingProgramme.Level.LOCAL
    academy.save(update_fields=["community", "level"])
    _fill(academy, stages, n, member.person)
    client = _warm(client_for(member))

    # Checking who may see the programme (the rules): 4 is the viewer a coordinator,
    # 5 one of the programme's named coordinators, 6 their roles in communities (the owner).
    # 1 session, 2 user, 3 the programme, 4-6 the rules, 7 the viewer's person,
    # 8 the page of sessions with stage, programme, language and the viewer's place in each
    with django_assert_num_queries(8):
        response = client.get(reverse("training:schedule", args=[academy.pk]))
    assert len(response.context["page"].items) == 3 * n
    assert response.text.count("You are enrolled") == 3 * ((n + 1) // 2)
    assert response.text.count("German (Deutsch)") == 3 * n

    # 1 session, 2 user, 3 the programme, 4-6 the rules, 7 the month's sessions with stage,
    # programme and language, 8 the viewer's person (menu)
    with django_assert_num_queries(8):
        response = client.get(reverse("training:schedule-month", args=[academy.pk, 2026, 12]))
    assert sum(len(d.sessions) for w in response.context["weeks"] for d in w) == 3 * n

    # 1 session, 2 user, 3 the programme, 4-6 the rules, 7 the viewer's person, 8 the stages
    # with their upcoming counts, 9 their prerequisites, 10 their skills, then the viewer's
    # progress: 11 the stages, 12 their prerequisites, 13 the completions, 14 the enrolments
    # counted per stage; 15 the programme's languages
    with django_assert_num_queries(15):
        response = client.get(academy.get_absolute_url())
    assert f"{n} upcoming sessions" in response.text

    # 1 session, 2 user, 3 the stage with its programme, 4-6 the rules, 7 the viewer's person,
    # 8 the page of sessions, 9 prerequisites, 10 skills, 11 series, 12 the resources,
    # 13 their skills, 14 the viewer's languages, 15 the resources' translations in them
    with django_assert_num_queries(15):
        response = client.get(stages[1].get_absolute_url())
    assert len(response.context["page"].items) == n
    assert len(response.context["resources"]) == n

    # 1 session, 2 user, 3 the community with the viewer's role, 4 the viewer's person,
    # 5 the page of sessions of its programmes, 6 the programmes
    with django_assert_num_queries(6):
        response = client.get(reverse("training:community-trainings", args=[community.slug]))
    assert len(response.context["page"].items) == 3 * n


def _queries_of(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the first visit's session writes aside
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_programme_list_pages_by_25_and_costs_the_same_with_5_or_60_programmes(
    client_as: Callable[[str], Client], academy: TrainingProgramme
) -> None:
    # given: the academy, then four programmes more; then 55 more
    client = client_as("member")
    url = reverse("training:programme-list")
    TrainingProgrammeFactory.create_batch(4)
    few = _queries_of(client, url)
    TrainingProgrammeFactory.create_batch(55)

    # when
    many = _queries_of(client, url)
    first = client.get(url)

    # then: one page of 25, the same queries, and the rest one link away, each once
    assert many == few
    assert len(first.context["programmes"]) == 25
    seen = {p.pk for p in first.context["programmes"]}
    cursor = first.context["page"].next_cursor
    while cursor:
        page = client.get(url, {"cursor": cursor})
        seen |= {p.pk for p in page.context["programmes"]}
        cursor = page.context["page"].next_cursor
    assert len(seen) == 60
