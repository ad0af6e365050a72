"""The session pages for every named user: scheduling and editing a series through its forms,
cancel, restore and skip, enrolment and the waiting list, attendance, sign-off, "my trainings"
and progress, and what the pages cost.

The clock stands at 1 November 2026, 09:00 UTC unless a test moves it. `academy` is open and
movement-wide, `lead` is named among its coordinators, `facilitator` facilitates `session`
(stage 1, 1 December 2026, 18:00-20:00 Berlin time, 10 places).
"""

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import F
from django.test import Client
from django.urls import reverse

from leadership.models import Community
from tests.factories import (
    MembershipFactory,
    PersonFactory,
    SessionFactory,
    StageFactory,
    TrainingProgrammeFactory,
)
from training.models import (
    Enrolment,
    Session,
    SessionSeries,
    Stage,
    StageCompletion,
    TrainingProgramme,
)
from training.services.schedule import series_create

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
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
RUNNERS = {"coordinator", "superuser", "lead"}
NOT_RUNNERS = ["member", "organiser", "outsider", "facilitator"]


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def lead(academy: TrainingProgramme) -> Any:
    person = PersonFactory.create(display_name="Lee Lead", user__email="lead@example.org")
    academy.coordinators.add(person)
    return person.user


@pytest.fixture
def series(stages: list[Stage], lead: Any) -> SessionSeries:
    """Eight Tuesdays at 18:00 Berlin time from 5 January 2027, 90 minutes, 10 places."""
    return series_create(
        stage=stages[0],
        by=lead.person,
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=8",
        first_date=date(2027, 1, 5),
        start_time=time(18, 0),
        duration_minutes=90,
        time_zone="Europe/Berlin",
        capacity=10,
        online_url="https://meet.example.org/weekly",
    )


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


def _status(client: Client, url: str, method: str = "get", data: Any = None) -> Any:
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    if response.status_code == 302 and response["Location"].startswith(reverse("account_login")):
        return "login"
    return response.status_code


def _said(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _local(session: Session) -> tuple[date, time]:
    start = session.starts_at.astimezone(BERLIN)
    return start.date(), start.time()


# Who sees what


def _sign_off_stage(academy: TrainingProgramme, facilitator: Any) -> Stage:
    stage = StageFactory.create(
        programme=academy, order=9, title="Portfolio", completion_rule=Stage.Rule.SIGN_OFF
    )
    session = SessionFactory.create(stage=stage)
    session.facilitators.add(facilitator.person)
    return stage


def _session_urls(
    session: Session, member: Any, community: Community, sign_off: Stage
) -> dict[str, str]:
    academy = session.stage.programme
    return {
        "series-create": reverse("training:series-create", args=[session.stage_id]),
        "stage-sign-off": reverse("training:stage-sign-off", args=[sign_off.pk]),
        "programme-progress": reverse("training:programme-progress", args=[academy.pk]),
        "session-detail": reverse("training:session-detail", args=[session.pk]),
        "session-edit": reverse("training:session-edit", args=[session.pk]),
        "session-attendance": reverse("training:session-attendance", args=[session.pk]),
        "mine": reverse("training:mine"),
        "person-progress": reverse("training:person-progress", args=[member.person.pk]),
        "community-progress": reverse("training:community-progress", args=[community.slug]),
    }


def _expected(page: str, user: str) -> Any:
    if user == "anonymous":
        return "login"
    if page in {"series-create", "programme-progress", "session-edit"}:
        return 200 if user in RUNNERS else 403
    if page in {"session-attendance", "stage-sign-off"}:
        return 200 if user in RUNNERS | {"facilitator"} else 403
    if page == "person-progress":  # the member's: themself, their organiser, coordinators
        return 200 if user in {"member", "organiser", "coordinator", "superuser"} else 404
    if page == "community-progress":
        return 200 if user in {"organiser", "coordinator", "superuser"} else 403
    return 200


SESSION_PAGES = [
    "series-create",
    "stage-sign-off",
    "programme-progress",
    "session-detail",
    "session-edit",
    "session-attendance",
    "mine",
    "person-progress",
    "community-progress",
]


@pytest.mark.parametrize("user", EVERYONE)
@pytest.mark.parametrize("page", SESSION_PAGES)
def test_each_session_page_answers_each_user_as_the_rules_say(
    client_as: Callable[[str], Client],
    session: Session,
    member: Any,
    community: Community,
    facilitator: Any,
    lead: Any,
    page: str,
    user: str,
) -> None:
    sign_off = _sign_off_stage(session.stage.programme, facilitator)
    url = _session_urls(session, member, community, sign_off)[page]
    assert _status(client_as(user), url) == _expected(page, user)


@pytest.mark.parametrize(
    ("user", "expected"),
    [("organiser", 200), ("outsider", 403), ("member", 403), ("facilitator", 403)],
)
@pytest.mark.parametrize("page", ["series-create", "session-edit", "programme-progress"])
def test_a_local_programme_is_scheduled_by_the_organisers_of_its_community(
    client_as: Callable[[str], Client],
    community: Community,
    member: Any,
    facilitator: Any,
    page: str,
    user: str,
    expected: int,
) -> None:
    local = TrainingProgrammeFactory.create(
        level=TrainingProgramme.Level.LOCAL, community=community
    )
    session = SessionFactory.create(stage=StageFactory.create(programme=local, order=1))
    sign_off = _sign_off_stage(local, facilitator)
    url = _session_urls(session, member, community, sign_off)[page]
    assert _status(client_as(user), url) == expected


@pytest.mark.parametrize("user", EVERYONE)
@pytest.mark.parametrize("page", ["session-detail", "session-attendance", "stage-sign-off"])
def test_the_session_of_a_draft_is_not_found_by_those_who_do_not_run_it(
    client_as: Callable[[str], Client],
    session: Session,
    member: Any,
    community: Community,
    facilitator: Any,
    lead: Any,
    page: str,
    user: str,
) -> None:
    academy = session.stage.programme
    sign_off = _sign_off_stage(academy, facilitator)
    academy.status = TrainingProgramme.Status.DRAFT
    academy.save(update_fields=["status"])
    url = _session_urls(session, member, community, sign_off)[page]
    expected = "login" if user == "anonymous" else 200 if user in RUNNERS else 404
    assert _status(client_as(user), url) == expected


def test_the_sign_off_page_of_a_stage_completed_by_attendance_is_not_found(
    client_as: Callable[[str], Client], session: Session, lead: Any
) -> None:
    url = reverse("training:stage-sign-off", args=[session.stage_id])
    assert client_as("lead").get(url).status_code == 404
    assert client_as("facilitator").get(url).status_code == 404


@pytest.mark.parametrize("user", ["anonymous", *NOT_RUNNERS])
def test_refused_cancel_restore_skip_and_edit_change_nothing(
    client_as: Callable[[str], Client], series: SessionSeries, user: str
) -> None:
    client = client_as(user)
    refused = "login" if user == "anonymous" else 403
    first, second = series.sessions.order_by("starts_at")[:2]
    Session.objects.filter(pk=second.pk).update(status=Session.Status.CANCELLED)
    before = list(Session.objects.order_by("pk").values_list("pk", "starts_at", "status"))
    for name, pk in [
        ("session-cancel", first.pk),
        ("session-skip", first.pk),
        ("session-restore", second.pk),
    ]:
        assert _status(client, reverse(f"training:{name}", args=[pk]), "post") == refused
    edit = {"mode": "all", "day": "2027-01-05", "start_time": "07:00", "duration_minutes": 30}
    url = reverse("training:session-edit", args=[first.pk])
    assert _status(client, url, "post", {**edit, "time_zone": "UTC", "capacity": 1}) == refused
    assert list(Session.objects.order_by("pk").values_list("pk", "starts_at", "status")) == before
    series.refresh_from_db()
    assert (series.exdates, series.rrule, series.capacity) == ([], series.rrule, 10)


@pytest.mark.parametrize("user", ["anonymous", *NOT_RUNNERS])
def test_a_refused_schedule_post_writes_nothing(
    client_as: Callable[[str], Client], stages: list[Stage], user: str
) -> None:
    url = reverse("training:series-create", args=[stages[0].pk])
    refused = "login" if user == "anonymous" else 403
    assert _status(client_as(user), url, "post", _schedule_data()) == refused
    assert not Session.objects.exists()
    assert not SessionSeries.objects.exists()


# Scheduling through the page


def _schedule_data(**changes: Any) -> dict[str, Any]:
    data = {
        "first_date": "2027-01-05",
        "start_time": "18:00",
        "duration_minutes": "90",
        "time_zone": "Europe/Berlin",
        "repeats": "weekly",
        "interval": "1",
        "weekdays": ["1"],
        "week_of_month": "1",
        "rrule": "",
        "ends": "on",
        "end_date": "2027-12-28",
        "count": "",
        "title": "",
        "capacity": "12",
        "language": "",
        "online_url": "https://meet.example.org/weekly",
        "place": "",
        "facilitators": "",
    }
    data.update(changes)
    return data


def _schedule(client: Client, stage: Stage, **changes: Any) -> Any:
    url = reverse("training:series-create", args=[stage.pk])
    return client.post(url, _schedule_data(**changes), follow=True)


def test_a_weekly_series_for_a_year_keeps_18_00_in_berlin_across_the_clock_change(
    client_as: Callable[[str], Client], stages: list[Stage], facilitator: Any, lead: Any
) -> None:
    response = _schedule(client_as("lead"), stages[0], facilitators="Facilitator@example.org")
    assert response.redirect_chain[-1][0] == stages[0].get_absolute_url()
    sessions = list(Session.objects.order_by("starts_at"))
    # every Tuesday of 2027: 5 January to 28 December
    assert len(sessions) == 52
    assert "52 sessions were scheduled" in _said(response)[0]
    assert {s.starts_at.astimezone(BERLIN).weekday() for s in sessions} == {1}
    assert {_local(s)[1] for s in sessions} == {time(18, 0)}
    assert _local(sessions[0])[0] == date(2027, 1, 5)
    assert _local(sessions[-1])[0] == date(2027, 12, 28)
    # the clocks change on 28 March and 31 October 2027: 17:00 UTC, then 16:00, then 17:00
    by_day = {_local(s)[0]: s.starts_at for s in sessions}
    assert by_day[date(2027, 3, 23)] == datetime(2027, 3, 23, 17, 0, tzinfo=UTC)
    assert by_day[date(2027, 3, 30)] == datetime(2027, 3, 30, 16, 0, tzinfo=UTC)
    assert by_day[date(2027, 10, 26)] == datetime(2027, 10, 26, 16, 0, tzinfo=UTC)
    assert by_day[date(2027, 11, 2)] == datetime(2027, 11, 2, 17, 0, tzinfo=UTC)
    assert {s.ends_at - s.starts_at for s in sessions} == {timedelta(minutes=90)}
    assert {(s.capacity, str(s.time_zone)) for s in sessions} == {(12, "Europe/Berlin")}
    assert Session.facilitators.through.objects.filter(person=facilitator.person).count() == 52


def test_does_not_repeat_schedules_one_session_and_shows_it(
    client_as: Callable[[str], Client], stages: list[Stage], lead: Any
) -> None:
    response = _schedule(client_as("lead"), stages[0], repeats="once", first_date="2027-03-28")
    session = Session.objects.get()
    assert session.series is None
    assert response.redirect_chain[-1][0] == session.get_absolute_url()
    # 28 March 2027 is the day clocks go forward: 18:00 is already summer time
    assert session.starts_at == datetime(2027, 3, 28, 16, 0, tzinfo=UTC)
    assert "The session was scheduled." in _said(response)


def test_a_monthly_series_on_the_first_saturday(
    client_as: Callable[[str], Client], stages: list[Stage], lead: Any
) -> None:
    _schedule(
        client_as("lead"),
        stages[0],
        first_date="2027-01-02",
        start_time="10:00",
        repeats="monthly_weekday",
        weekdays=["5"],
        week_of_month="1",
        ends="after",
        count="6",
    )
    days = [_local(s)[0] for s in Session.objects.order_by("starts_at")]
    assert days == [date(2027, m, d) for m, d in [(1, 2), (2, 6), (3, 6), (4, 3), (5, 1), (6, 5)]]


def test_a_custom_rule_is_followed(
    client_as: Callable[[str], Client], stages: list[Stage], lead: Any
) -> None:
    _schedule(
        client_as("lead"),
        stages[0],
        repeats="custom",
        rrule="FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4",
        ends="horizon",
        end_date="",
    )
    days = [_local(s)[0] for s in Session.objects.order_by("starts_at")]
    assert days == [date(2027, 1, 5), date(2027, 1, 7), date(2027, 1, 12), date(2027, 1, 14)]
    assert SessionSeries.objects.get().rrule.startswith("FREQ=WEEKLY")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {
                "repeats": "custom",
                "rrule": "FREQ=WEEKLY;BYDAY=TU;UNTIL=20290601T000000Z",
                "ends": "horizon",
            },
            "runs past the programme",
        ),
        ({"end_date": "2029-06-01"}, "runs past the programme"),
        (
            {"repeats": "custom", "rrule": "FREQ=WEEKLY;BYDAY=TU;BYHOUR=10", "ends": "horizon"},
            "remove BYHOUR from the rule",
        ),
        ({"end_date": ""}, "On which date does the series end?"),
        ({"ends": "after", "count": ""}, "How many sessions?"),
        ({"repeats": "custom", "rrule": ""}, "Write the rule"),
        ({"first_date": "2030-01-01"}, "take place from"),
        ({"facilitators": "nobody@example.org"}, "Nobody signs in with nobody@example.org"),
    ],
)
def test_bad_schedule_input_says_why_and_writes_nothing(
    client_as: Callable[[str], Client],
    stages: list[Stage],
    facilitator: Any,
    lead: Any,
    changes: dict[str, Any],
    message: str,
) -> None:
    response = _schedule(client_as("lead"), stages[0], **changes)
    assert response.status_code == 200
    assert response.redirect_chain == []
    assert message in response.text
    assert not Session.objects.exists()
    assert not SessionSeries.objects.exists()


# Editing through the page


def _edit_data(client: Client, session: Session, **changes: Any) -> dict[str, Any]:
    """The edit form as the page fills it, with `changes`."""
    form = client.get(reverse("training:session-edit", args=[session.pk])).context["form"]
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, time):
            value = value.strftime("%H:%M")
        data[name] = "" if value is None else str(value)
    data.update(changes)
    return data


def _edit(client: Client, session: Session, **changes: Any) -> Any:
    url = reverse("training:session-edit", args=[session.pk])
    return client.post(url, _edit_data(client, session, **changes), follow=True)


def _starts() -> list[tuple[date, time]]:
    return [_local(s) for s in Session.objects.order_by("starts_at")]


def test_editing_this_session_moves_it_alone_and_keeps_its_people(
    client_as: Callable[[str], Client], series: SessionSeries, member: Any, lead: Any
) -> None:
    third = series.sessions.order_by("starts_at")[2]
    enrolment = _enrol(third, member.person)
    response = _edit(client_as("lead"), third, mode="this", start_time="19:30")
    assert "The changes were saved." in _said(response)
    third.refresh_from_db()
    assert _local(third) == (date(2027, 1, 19), time(19, 30))
    assert third.detached
    assert [t for _, t in _starts()].count(time(18, 0)) == 7
    enrolment.refresh_from_db()
    assert (enrolment.session_id, enrolment.status) == (third.pk, Enrolment.Status.ENROLLED)


def test_editing_this_session_moves_it_to_another_day(
    client_as: Callable[[str], Client], series: SessionSeries, lead: Any
) -> None:
    third = series.sessions.order_by("starts_at")[2]
    _edit(client_as("lead"), third, mode="this", day="2027-01-21")
    third.refresh_from_db()
    assert _local(third) == (date(2027, 1, 21), time(18, 0))


def test_editing_this_and_the_following_splits_the_series(
    client_as: Callable[[str], Client], series: SessionSeries, member: Any, lead: Any
) -> None:
    third = series.sessions.order_by("starts_at")[2]
    enrolment = _enrol(third, member.person)
    _edit(client_as("lead"), third, mode="following", start_time="19:00")
    assert [t for _, t in _starts()] == [time(18, 0)] * 2 + [time(19, 0)] * 6
    assert SessionSeries.objects.count() == 2
    enrolment.refresh_from_db()
    assert _local(enrolment.session) == (date(2027, 1, 19), time(19, 0))
    assert enrolment.status == Enrolment.Status.ENROLLED


def test_editing_all_changes_every_session_not_yet_started(
    client_as: Callable[[str], Client], series: SessionSeries, member: Any, lead: Any
) -> None:
    fifth = series.sessions.order_by("starts_at")[4]
    enrolment = _enrol(fifth, member.person)
    _edit(client_as("lead"), fifth, mode="all", start_time="17:15", place="Room 101")
    assert [t for _, t in _starts()] == [time(17, 15)] * 8
    assert set(Session.objects.values_list("place", flat=True)) == {"Room 101"}
    enrolment.refresh_from_db()
    assert _local(enrolment.session) == (date(2027, 2, 2), time(17, 15))


def test_a_new_end_date_for_all_shortens_the_series(
    client_as: Callable[[str], Client], series: SessionSeries, lead: Any
) -> None:
    second = series.sessions.order_by("starts_at")[1]
    _edit(client_as("lead"), second, mode="all", end_date="2027-02-09")
    assert [d for d, _ in _starts()] == [date(2027, 1, 5) + timedelta(weeks=w) for w in range(6)]


def test_a_single_session_is_edited_without_a_mode(
    client_as: Callable[[str], Client], session: Session, lead: Any
) -> None:
    form = (
        client_as("lead").get(reverse("training:session-edit", args=[session.pk])).context["form"]
    )
    assert "mode" not in form.fields
    assert (form.initial["day"], form.initial["start_time"]) == (date(2026, 12, 1), time(18, 0))
    assert form.initial["facilitators"] == "facilitator@example.org"
    _edit(client_as("lead"), session, start_time="18:30", time_zone="America/New_York")
    session.refresh_from_db()
    assert session.starts_at == datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert str(session.time_zone) == "America/New_York"
    assert list(session.facilitators.all()) == [session.facilitators.get()]


def test_the_edit_form_shows_the_sessions_own_time_to_a_viewer_elsewhere(
    client_as: Callable[[str], Client], session: Session, lead: Any
) -> None:
    lead.person.time_zone = "Asia/Tokyo"
    lead.person.save(update_fields=["time_zone"])
    form = (
        client_as("lead").get(reverse("training:session-edit", args=[session.pk])).context["form"]
    )
    assert (form.initial["day"], form.initial["start_time"]) == (date(2026, 12, 1), time(18, 0))
    assert form.initial["time_zone"] == "Europe/Berlin"


def test_moving_a_series_to_another_day_is_refused_with_a_message(
    client_as: Callable[[str], Client], series: SessionSeries, lead: Any
) -> None:
    third = series.sessions.order_by("starts_at")[2]
    before = _starts()
    response = _edit(client_as("lead"), third, mode="all", day="2027-01-20")
    assert response.status_code == 200
    assert "Only one session at a time moves to another date" in response.text
    assert _starts() == before


def test_capacity_below_the_places_taken_is_refused_and_changes_nothing(
    client_as: Callable[[str], Client], series: SessionSeries, member: Any, lead: Any
) -> None:
    third = series.sessions.order_by("starts_at")[2]
    _enrol(third, member.person)
    _enrol(third, PersonFactory.create())
    before = list(Session.objects.order_by("pk").values_list("pk", "starts_at", "capacity"))
    for mode in ("this", "following", "all"):
        response = _edit(client_as("lead"), third, mode=mode, capacity="1", start_time="19:00")
        assert response.status_code == 200
        assert response.redirect_chain == []
        assert "places" in " ".join(response.context["form"].non_field_errors())
    assert list(Session.objects.order_by("pk").values_list("pk", "starts_at", "capacity")) == before
    assert SessionSeries.objects.count() == 1


def test_cancel_and_restore_through_the_buttons(
    client_as: Callable[[str], Client], session: Session, member: Any, lead: Any
) -> None:
    enrolment = _enrol(session, member.person)
    client = client_as("lead")
    page = client.get(session.get_absolute_url()).text
    assert "Cancel this session" in page
    response = client.post(reverse("training:session-cancel", args=[session.pk]), follow=True)
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    assert "The session was cancelled; the people enrolled are told." in _said(response)
    assert "Put back on the schedule" in response.text
    # the member sees it cancelled, and no button to enrol
    seen = client_as("member").get(session.get_absolute_url())
    assert "Cancelled" in seen.text
    client.post(reverse("training:session-restore", args=[session.pk]))
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ENROLLED


def test_cancelling_twice_says_it_is_already_cancelled(
    client_as: Callable[[str], Client], session: Session, lead: Any
) -> None:
    url = reverse("training:session-cancel", args=[session.pk])
    client_as("lead").post(url)
    response = client_as("lead").post(url, follow=True)
    assert "This session is already cancelled." in _said(response)


def test_skipping_a_date_takes_it_out_of_the_series(
    client_as: Callable[[str], Client], series: SessionSeries, lead: Any
) -> None:
    third = series.sessions.order_by("starts_at")[2]
    response = client_as("lead").post(
        reverse("training:session-skip", args=[third.pk]), follow=True
    )
    assert "The date was taken out of the series." in _said(response)
    assert response.redirect_chain[-1][0] == third.stage.get_absolute_url()
    assert not Session.objects.filter(pk=third.pk).exists()
    series.refresh_from_db()
    assert series.exdates == ["2027-01-19"]


def test_a_single_session_cannot_be_skipped_and_says_so(
    client_as: Callable[[str], Client], session: Session, lead: Any
) -> None:
    response = client_as("lead").post(
        reverse("training:session-skip", args=[session.pk]), follow=True
    )
    assert "Only a session of a series can be skipped: cancel it instead." in _said(response)
    assert Session.objects.filter(pk=session.pk).exists()


@pytest.mark.parametrize("name", ["session-cancel", "session-restore", "session-skip"])
def test_the_buttons_are_posts(
    client_as: Callable[[str], Client], session: Session, lead: Any, name: str
) -> None:
    assert client_as("lead").get(reverse(f"training:{name}", args=[session.pk])).status_code == 405


# Enrolment and the waiting list


def _enrol_page(client: Client, session: Session) -> Any:
    return client.post(reverse("training:session-enrol", args=[session.pk]), follow=True)


def test_the_member_enrols_and_the_page_says_so_and_shows_the_link(
    client_as: Callable[[str], Client], session: Session, member: Any
) -> None:
    client = client_as("member")
    before = client.get(session.get_absolute_url())
    assert "https://meet.example.org/academy" not in before.text
    assert "The link is shown to the people enrolled." in before.text
    response = _enrol_page(client, session)
    assert "You are enrolled. See you there!" in _said(response)
    assert "You are enrolled." in response.text
    assert 'href="https://meet.example.org/academy"' in response.text
    assert "Cancel my place" in response.text
    session.refresh_from_db()
    assert session.seats_taken == 1


def test_a_full_session_puts_people_on_the_waiting_list_in_order(
    client_as: Callable[[str], Client],
    session: Session,
    member: Any,
    organiser: Any,
    clock: Any,
) -> None:
    Session.objects.filter(pk=session.pk).update(capacity=1)
    _enrol(session, PersonFactory.create())
    response = _enrol_page(client_as("member"), session)
    assert any("you are on its waiting list" in m for m in _said(response))
    assert "number 1 in line" in response.text
    assert "https://meet.example.org/academy" not in response.text
    clock.shift(timedelta(minutes=1))
    second = _enrol_page(client_as("organiser"), session)
    assert "number 2 in line" in second.text
    assert "Leave the waiting list" in second.text


def test_leaving_frees_the_place_for_the_first_in_line(
    client_as: Callable[[str], Client], session: Session, member: Any, organiser: Any
) -> None:
    Session.objects.filter(pk=session.pk).update(capacity=1)
    mine = _enrol(session, organiser.person)
    _enrol(session, member.person, Enrolment.Status.WAITLISTED)
    response = client_as("organiser").post(
        reverse("training:enrolment-cancel", args=[mine.pk]), follow=True
    )
    assert "You are no longer enrolled in this session." in _said(response)
    page = client_as("member").get(session.get_absolute_url())
    assert "You are enrolled." in page.text


def test_someone_else_cannot_cancel_a_place(
    client_as: Callable[[str], Client], session: Session, member: Any
) -> None:
    enrolment = _enrol(session, member.person)
    url = reverse("training:enrolment-cancel", args=[enrolment.pk])
    assert client_as("outsider").post(url).status_code == 404
    assert client_as("coordinator").post(url).status_code == 404
    assert client_as("anonymous").post(url).status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ENROLLED
    session.refresh_from_db()
    assert session.seats_taken == 1


def test_a_missing_prerequisite_is_shown_instead_of_the_button(
    client_as: Callable[[str], Client], stages: list[Stage], member: Any
) -> None:
    later = SessionFactory.create(stage=stages[1])
    page = client_as("member").get(later.get_absolute_url())
    assert "Complete these stages first: Foundations." in page.text
    assert reverse("training:session-enrol", args=[later.pk]) not in page.text
    # and a POST all the same is refused with the reason, writing nothing
    response = _enrol_page(client_as("member"), later)
    assert "Complete these stages first: Foundations." in _said(response)
    assert not Enrolment.objects.exists()


def test_anonymous_cannot_enrol(client_as: Callable[[str], Client], session: Session) -> None:
    url = reverse("training:session-enrol", args=[session.pk])
    assert _status(client_as("anonymous"), url, "post") == "login"
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize(
    ("user", "sees_link"),
    [
        ("member", False),
        ("outsider", False),
        ("organiser", False),
        ("facilitator", True),
        ("lead", True),
        ("coordinator", True),
        ("superuser", True),
    ],
)
def test_the_online_link_is_for_the_enrolled_the_facilitators_and_those_running_it(
    client_as: Callable[[str], Client], session: Session, lead: Any, user: str, sees_link: bool
) -> None:
    page = client_as(user).get(session.get_absolute_url())
    assert ("https://meet.example.org/academy" in page.text) == sees_link


# Attendance, sign-off and progress


def test_attendance_is_refused_before_the_start_and_marks_nothing(
    client_as: Callable[[str], Client], session: Session, member: Any
) -> None:
    enrolment = _enrol(session, member.person)
    url = reverse("training:session-attendance", args=[session.pk])
    page = client_as("facilitator").get(url)
    assert "Attendance can be marked once the session has started." in page.text
    response = client_as("facilitator").post(
        url, {f"attended-{member.person.pk}": "yes"}, follow=True
    )
    assert "Attendance can be marked once the session has started." in _said(response)
    enrolment.refresh_from_db()
    assert enrolment.attended is None
    assert not StageCompletion.objects.exists()


def test_the_facilitator_marks_attendance_and_the_stage_is_completed(
    client_as: Callable[[str], Client],
    session: Session,
    member: Any,
    organiser: Any,
    clock: Any,
) -> None:
    attended = _enrol(session, member.person)
    absent = _enrol(session, organiser.person)
    clock.move_to(datetime(2026, 12, 1, 20, 0, tzinfo=UTC))
    url = reverse("training:session-attendance", args=[session.pk])
    page = client_as("facilitator").get(url)
    assert [e.person.display_name for e in page.context["roster"]] == [
        "Mo Member",
        "Olga Organiser",
    ]
    response = client_as("facilitator").post(
        url, {f"attended-{member.person.pk}": "yes"}, follow=True
    )
    assert "Attendance was saved; 1 person completed the stage." in _said(response)
    attended.refresh_from_db()
    absent.refresh_from_db()
    assert (attended.attended, absent.attended) == (True, False)
    completion = StageCompletion.objects.get()
    assert (completion.person, completion.stage) == (member.person, session.stage)
    # the member's progress: the first stage done, the second open to them
    mine = client_as("member").get(reverse("training:mine"))
    [(_programme, progress)] = mine.context["programmes"]
    assert [item.state for item in progress] == ["done", "current", "next"]
    assert "Completed on 1 Dec 2026" in mine.text


@pytest.mark.parametrize("user", ["member", "outsider", "organiser"])
def test_a_refused_attendance_post_marks_nothing(
    client_as: Callable[[str], Client], session: Session, member: Any, clock: Any, user: str
) -> None:
    enrolment = _enrol(session, member.person)
    clock.move_to(datetime(2026, 12, 1, 20, 0, tzinfo=UTC))
    url = reverse("training:session-attendance", args=[session.pk])
    assert _status(client_as(user), url, "post", {f"attended-{member.person.pk}": "yes"}) == 403
    enrolment.refresh_from_db()
    assert enrolment.attended is None
    assert not StageCompletion.objects.exists()


def test_the_facilitator_signs_off_and_withdraws_a_sign_off(
    client_as: Callable[[str], Client],
    academy: TrainingProgramme,
    member: Any,
    facilitator: Any,
) -> None:
    stage = _sign_off_stage(academy, facilitator)
    _enrol(stage.sessions.get(), member.person)
    url = reverse("training:stage-sign-off", args=[stage.pk])
    client = client_as("facilitator")
    page = client.get(url)
    assert [row.person for row in page.context["participants"]] == [member.person]
    response = client.post(url, {"person": member.person.pk}, follow=True)
    assert "Mo Member completed Portfolio." in _said(response)
    completion = StageCompletion.objects.get()
    assert (completion.how, completion.signed_off_by) == ("sign_off", facilitator.person)
    assert "Withdraw the sign-off" in response.text
    again = client.post(url, {"person": member.person.pk}, follow=True)
    assert "Mo Member has already completed Portfolio." in _said(again)
    client.post(url, {"person": member.person.pk, "undo": "1"})
    assert not StageCompletion.objects.exists()


@pytest.mark.parametrize("user", ["member", "outsider", "organiser"])
def test_a_refused_sign_off_writes_nothing(
    client_as: Callable[[str], Client],
    academy: TrainingProgramme,
    member: Any,
    facilitator: Any,
    user: str,
) -> None:
    stage = _sign_off_stage(academy, facilitator)
    _enrol(stage.sessions.get(), member.person)
    url = reverse("training:stage-sign-off", args=[stage.pk])
    assert _status(client_as(user), url, "post", {"person": member.person.pk}) == 403
    assert not StageCompletion.objects.exists()


@pytest.mark.parametrize("person", ["", "abc", "999999", "²", "-1", "1.0", "1" * 5000])
def test_a_sign_off_for_nobody_is_refused_with_a_message_and_signs_off_nobody(
    client_as: Callable[[str], Client],
    academy: TrainingProgramme,
    facilitator: Any,
    person: str,
) -> None:
    stage = _sign_off_stage(academy, facilitator)
    url = reverse("training:stage-sign-off", args=[stage.pk])

    response = client_as("facilitator").post(url, {"person": person}, follow=True)

    assert response.status_code == 200
    assert "Choose a participant to sign off." in response.content.decode()
    assert not StageCompletion.objects.exists()


def test_a_sign_off_for_a_person_who_is_not_a_participant_names_nobody_and_signs_off_nobody(
    client_as: Callable[[str], Client],
    academy: TrainingProgramme,
    facilitator: Any,
    outsider: Any,
) -> None:
    # The facilitator may not see the outsider's profile: posting the outsider's id must not
    # reveal their name (nor sign them off).
    stage = _sign_off_stage(academy, facilitator)
    url = reverse("training:stage-sign-off", args=[stage.pk])

    response = client_as("facilitator").post(url, {"person": outsider.person.pk}, follow=True)

    page = response.content.decode()
    assert "Choose a participant to sign off." in page
    assert "Otto Outsider" not in page
    assert not StageCompletion.objects.exists()


def test_someone_never_enrolled_is_not_signed_off(
    client_as: Callable[[str], Client], academy: TrainingProgramme, outsider: Any, lead: Any
) -> None:
    stage = _sign_off_stage(academy, PersonFactory.create().user)
    response = client_as("lead").post(
        reverse("training:stage-sign-off", args=[stage.pk]),
        {"person": outsider.person.pk},
        follow=True,
    )
    # Someone who never took part is not on the list: the choice is refused as any other.
    assert _said(response) == ["Choose a participant to sign off."]
    assert not StageCompletion.objects.exists()


def test_my_trainings_shows_places_waiting_and_facilitated_sessions(
    client_as: Callable[[str], Client], session: Session, member: Any, facilitator: Any
) -> None:
    other = SessionFactory.create(stage=session.stage, title="Evening", capacity=1)
    _enrol(other, PersonFactory.create())
    _enrol(session, member.person)
    _enrol(other, member.person, Enrolment.Status.WAITLISTED)
    page = client_as("member").get(reverse("training:mine"))
    upcoming = page.context["enrolments"].upcoming
    assert [(e.session_id, e.status) for e in upcoming] == [
        (session.pk, "enrolled"),
        (other.pk, "waitlisted"),
    ]
    assert "On the waiting list" in page.text
    facilitating = client_as("facilitator").get(reverse("training:mine"))
    assert [s.pk for s in facilitating.context["facilitating"]] == [session.pk]


def test_progress_pages_show_the_participants(
    client_as: Callable[[str], Client],
    session: Session,
    member: Any,
    community: Community,
    lead: Any,
) -> None:
    _enrol(session, member.person)
    StageCompletion.objects.create(
        stage=session.stage, person=member.person, completed_on=date(2026, 10, 1), how="sign_off"
    )
    programme = client_as("lead").get(
        reverse("training:programme-progress", args=[session.stage.programme_id])
    )
    [person] = programme.context["page"].items
    assert (person.display_name, person.stages_done, person.enrolled_now) == ("Mo Member", 1, True)
    assert "1 / 3" in programme.text
    community_page = client_as("organiser").get(
        reverse("training:community-progress", args=[community.slug])
    )
    assert [p.display_name for p in community_page.context["page"].items] == ["Mo Member"]
    person_page = client_as("organiser").get(
        reverse("training:person-progress", args=[member.person.pk])
    )
    assert "Training progress of Mo Member" in person_page.text
    assert "Completed on 1 Oct 2026" in person_page.text


# What the pages cost


def _warm(client: Client) -> Client:
    # The first page of a session stores the viewer's time zone in it.
    assert client.get(reverse("training:programme-list")).status_code == 200
    return client


@pytest.mark.parametrize("n", [2, 6])
def test_the_session_page_costs_the_same_with_three_times_the_people(
    client_for: Callable[[Any], Client],
    session: Session,
    member: Any,
    lead: Any,
    n: int,
    django_assert_num_queries: Any,
) -> None:
    Session.objects.filter(pk=session.pk).update(capacity=n)
    for person in PersonFactory.create_batch(n):
        _enrol(session, person)
        session.facilitators.add(person)
    for person in PersonFactory.create_batch(n):
        _enrol(session, person, Enrolment.Status.WAITLISTED)
    _enrol(session, member.person, Enrolment.Status.WAITLISTED)
    client = _warm(client_for(member))

    # 1 session, 2 user, 3 the session with stage, programme, series and language,
    # 4-5 the rules (a coordinator? a named coordinator? the programme has no owning community
    # to ask about), 6 the viewer's person, 7 do they facilitate it (rules), 8 the viewer's
    # place, 9 their position in line, 10 the facilitators, 11 the number waiting
    with django_assert_num_queries(11):
        response = client.get(session.get_absolute_url())
    assert f"number {n + 1} in line" in response.text
    assert f"{n + 1} people waiting" in response.text

    lead_client = _warm(client_for(lead))
    # 1 session, 2 user, 3 the session, 4-5 the rules (coordinator? named coordinator? - yes),
    # 6 the viewer's person, 7 their place, 8 whether they may enrol (a live enrolment),
    # 9 the prerequisites not completed, 10 the waiting list with its people,
    # 11 the facilitators
    with django_assert_num_queries(11):
        response = lead_client.get(session.get_absolute_url())
    assert len(response.context["waiting"]) == n + 1


@pytest.mark.parametrize("n", [2, 6])
def test_my_trainings_costs_the_same_with_three_times_the_enrolments(
    client_for: Callable[[Any], Client],
    stages: list[Stage],
    member: Any,
    n: int,
    django_assert_num_queries: Any,
) -> None:
    for i in range(n):
        for stage in stages:
            session = SessionFactory.create(
                stage=stage, starts_at=datetime(2026, 12, 2 + i, 17, stage.order, tzinfo=UTC)
            )
            session.facilitators.add(member.person)
            _enrol(session, member.person)
        past = SessionFactory.create(
            stage=stages[0], starts_at=datetime(2026, 10, 2 + i, 17, 0, tzinfo=UTC)
        )
        _enrol(past, member.person)
    client = _warm(client_for(member))

    # 1 session, 2 user, 3 the viewer's person, 4 their enrolments with session, stage and
    # programme, 5 the programmes they take part in, 6-9 their progress (stages,
    # prerequisites, completions, enrolments per stage), 10 the sessions they facilitate
    with django_assert_num_queries(10):
        response = client.get(reverse("training:mine"))
    assert len(response.context["enrolments"].upcoming) == 3 * n
    assert len(response.context["enrolments"].past) == n
    assert len(response.context["facilitating"]) == 3 * n


@pytest.mark.parametrize("n", [2, 6])
def test_the_progress_pages_cost_the_same_with_three_times_the_people(
    client_for: Callable[[Any], Client],
    session: Session,
    organiser: Any,
    community: Community,
    lead: Any,
    n: int,
    django_assert_num_queries: Any,
) -> None:
    for person in PersonFactory.create_batch(n):
        MembershipFactory.create(person=person, community=community)
        _enrol(session, person)
        StageCompletion.objects.create(
            stage=session.stage, person=person, completed_on=date(2026, 10, 1), how="sign_off"
        )
    lead_client = _warm(client_for(lead))
    # 1 session, 2 user, 3 the programme, 4-5 the rules (a coordinator? a named one: yes),
    # 6 the stages, 7 completions per stage, 8 people on each stage, 9 the page of participants
    # with their counts, 10 the number of stages, 11 the viewer's person (menu)
    with django_assert_num_queries(11):
        response = lead_client.get(
            reverse("training:programme-progress", args=[session.stage.programme_id])
        )
    assert len(response.context["page"].items) == n
    organiser_client = _warm(client_for(organiser))
    # 1 session, 2 user, 3 the community with the viewer's role, 4 completions per stage,
    # 5 members on each stage, 6 those stages with their programmes, 7 the page of members
    # with their counts, 8 the viewer's person (menu)
    with django_assert_num_queries(8):
        response = organiser_client.get(
            reverse("training:community-progress", args=[community.slug])
        )
    assert len(response.context["page"].items) == n
