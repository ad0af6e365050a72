"""The demo academy, in a real browser: a weekly series scheduled for a year, and a place on the
full session's waiting list that becomes a place when others cancel.

The demo data (training/demo_data.py) makes the next Foundations session but one full
(FULL_CAPACITY places, FULL_WAITING people in line), and the demo member may enrol in it:
Foundations requires nothing.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Page, expect

from leadership.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from leadership.models import Person
from tests.e2e.conftest import BrowserLog
from training.demo_data import DEMO_TITLE, FULL_CAPACITY, FULL_WAITING
from training.models import Enrolment, EnrolmentStatus, Session
from training.services.enrolment import enrolment_cancel

EMAILS = {key: email for key, email, *_rest in DEMO_ACCOUNTS}
FOUNDATIONS = "Foundations of community leadership"
PROJECTS = "Running projects and teams"
THURSDAY = 3
# The session's own wall-clock times, as the schedule writes them (with an en dash).
BERLIN_TIMES = "18:00\N{EN DASH}19:30 in Europe/Berlin"


def _in_thread[T](work: Callable[[], T]) -> T:
    """Run ORM work in a thread of its own: while Playwright runs, its event loop counts as
    running in the test's thread, and Django refuses ORM calls from there."""

    def run() -> T:
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _log_in_as(page: Page, key: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(EMAILS[key])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def _assert_the_browser_was_quiet(browser_log: BrowserLog) -> None:
    assert browser_log.page_errors == []
    assert browser_log.csp_violations == []
    assert browser_log.csp_messages() == []
    assert browser_log.failed_responses == []


def _thursdays(first: date, last: date) -> int:
    return (last - first).days // 7 + 1


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_coordinator_schedules_a_weekly_series_for_the_next_year(
    page: Page, browser_log: BrowserLog
):
    # given: Thursdays at 18:00 Berlin time, from next week's Thursday for a year (the seeded
    # series of this programme are on Tuesdays and first Saturdays: no collision)
    today = timezone.localdate()
    next_monday = today + timedelta(days=7 - today.weekday())
    first = next_monday + timedelta(days=THURSDAY)
    # A year on (the 28th of February for a first date on the 29th).
    last = date(first.year + 1, first.month, min(first.day, 28 if first.month == 2 else 31))
    expected = _thursdays(first, last)

    # when: the coordinator fills the stage's scheduling form
    _log_in_as(page, "coordinator")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Training", exact=True
    ).click()
    page.get_by_role("link", name=DEMO_TITLE, exact=True).click()
    page.get_by_role("region", name="Stages").get_by_role("link", name=PROJECTS).click()
    page.get_by_role("link", name="Schedule sessions").click()
    page.get_by_label("Date (first session)").fill(first.isoformat())
    page.get_by_label("Start time").fill("18:00")
    page.get_by_label("Length (minutes)").fill("90")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.locator("select[name=repeats]").select_option("weekly")
    page.get_by_label("Thursday").check()
    page.get_by_label("On a date").check()
    page.get_by_label("Last date").fill(last.isoformat())
    page.get_by_label("Places").fill("10")
    page.get_by_role("button", name="Schedule", exact=True).click()

    # then: the message counts the sessions, and the stage page lists them at 18:00 Berlin time
    expect(page.get_by_role("alert").first).to_contain_text(f"{expected} sessions were scheduled")
    expect(page.get_by_role("heading", level=1)).to_contain_text(PROJECTS)
    series = page.locator("#series-heading + ul")
    expect(series).to_contain_text("Europe/Berlin")
    expect(series).to_contain_text(f"{expected} sessions")
    upcoming = page.get_by_role("table", name="Upcoming sessions")
    # The coordinator's own zone is UTC: their time first, the session's own beside it.
    first_row = upcoming.locator("tr", has_text=f"{first:%a} {first.day} {first:%b %Y}")
    expect(first_row).to_contain_text(BERLIN_TIMES)
    second = first + timedelta(weeks=1)
    expect(
        upcoming.locator("tr", has_text=f"{second:%a} {second.day} {second:%b %Y}")
    ).to_contain_text(BERLIN_TIMES)
    expect(first_row).to_contain_text("10 places left")

    _assert_the_browser_was_quiet(browser_log)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_member_joins_the_waiting_list_of_a_full_session_and_is_in_when_others_cancel(
    page: Page, browser_log: BrowserLog
):
    # given: the full session, found as a member finds it, through the programme's schedule
    _log_in_as(page, "member")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Training", exact=True
    ).click()
    page.get_by_role("link", name=DEMO_TITLE, exact=True).click()
    page.get_by_role("link", name="Schedule", exact=True).click()
    full_row = page.locator("tr", has_text="Full: waiting list")
    expect(full_row).to_have_count(1)
    full_row.get_by_role("link", name=FOUNDATIONS).click()
    expect(page.get_by_role("main")).to_contain_text(
        f"{FULL_CAPACITY} of {FULL_CAPACITY} taken · {FULL_WAITING} person waiting"
    )
    session_url = page.url
    pk = int(session_url.rstrip("/").rsplit("/", 1)[1])
    full = _in_thread(lambda: Session.objects.get(pk=pk))
    assert (full.capacity, full.seats_taken) == (FULL_CAPACITY, FULL_CAPACITY)

    # when: the member joins the waiting list
    page.get_by_role("button", name="Join the waiting list").click()

    # then: they are told, and see their place in line
    expect(page.get_by_role("alert").first).to_contain_text("you are on its waiting list")
    expect(page.locator("#my-enrolment")).to_contain_text(
        f"You are on the waiting list: number {FULL_WAITING + 1} in line."
    )

    # when: enough people cancel their places that the member's turn comes (first in line first)
    def cancel_places() -> None:
        member = Person.objects.get(user__email=EMAILS["member"])
        waiting = list(
            Enrolment.objects.filter(session_id=pk, status=EnrolmentStatus.WAITLISTED)
            .order_by("waitlisted_at", "pk")
            .values_list("person_id", flat=True)
        )
        assert waiting[-1] == member.pk
        places = Enrolment.objects.select_related("person", "session").filter(
            session_id=pk, status=EnrolmentStatus.ENROLLED
        )
        leaving = list(places.order_by("enrolled_at", "pk"))[: FULL_WAITING + 1]
        for done, enrolment in enumerate(leaving, start=1):
            enrolment_cancel(enrolment=enrolment, by=enrolment.person)
            # Each freed place goes to the first still in line: the member's comes last.
            enrolled = set(
                Enrolment.objects.filter(
                    session_id=pk, status=EnrolmentStatus.ENROLLED
                ).values_list("person_id", flat=True)
            )
            assert [p for p in waiting if p in enrolled] == waiting[:done]

    _in_thread(cancel_places)

    # then: the member's reload shows them in, and "My trainings" lists the session as enrolled
    page.reload()
    expect(page.locator("#my-enrolment")).to_contain_text("You are enrolled.")
    expect(page.get_by_role("main")).to_contain_text(f"{FULL_CAPACITY} of {FULL_CAPACITY} taken")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Training", exact=True
    ).click()
    page.get_by_role("link", name="My trainings").click()
    mine = page.locator(
        "li.list-group-item", has=page.locator(f'a[href="/training/sessions/{pk}/"]')
    )
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Enrolled")
    expect(mine).not_to_contain_text("On the waiting list")

    _assert_the_browser_was_quiet(browser_log)
