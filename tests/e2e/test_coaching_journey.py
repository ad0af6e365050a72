"""Coaching and the dashboards, in a real browser: the demo coordinator assigns a suggested
coach, the coach accepts and logs a session, and the organiser sees their community's dashboard
with its charts drawn, under the site's Content-Security-Policy."""

import pytest
from playwright.sync_api import Page, expect

from leadership.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.e2e.conftest import BrowserLog

EMAILS = {key: email for key, email, *_rest in DEMO_ACCOUNTS}
NAMES = {key: name for key, _email, name, *_rest in DEMO_ACCOUNTS}
CHAPTER = "Wikimedia Demo Chapter"


def _log_in_as(page: Page, key: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(EMAILS[key])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_coordinator_assigns_a_suggested_coach_who_logs_a_session_and_the_organiser_sees_the_dashboard(  # noqa: E501
    page: Page, browser_log: BrowserLog
) -> None:
    # given: the coordinator asks for coaching for the demo member of the chapter
    _log_in_as(page, "coordinator")
    page.get_by_role("link", name="Coaching", exact=True).click()
    page.get_by_role("link", name="New engagement").click()
    page.get_by_label("Community").select_option(label=CHAPTER)
    page.get_by_label("The leader's login email").fill(EMAILS["member"])
    page.get_by_role("button", name="Suggest coaches").click()

    # when: they propose the engagement to the demo coach among the suggestions
    suggestion = page.locator("li.list-group-item", has_text=NAMES["coach"])
    expect(suggestion).to_contain_text("/100")
    page.get_by_label("Goals").fill("Prepare to stand for the chapter's board.")
    suggestion.get_by_role("button", name=f"Propose to {NAMES['coach']}").click()
    expect(page.get_by_role("main")).to_contain_text("Proposed")

    # and the coach accepts it and logs their first session
    _log_in_as(page, "coach")
    page.get_by_role("link", name="Coaching", exact=True).click()
    proposal = page.locator("li.list-group-item", has_text=NAMES["member"])
    proposal.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("heading", name="Log a session")).to_be_visible()
    page.get_by_label("Length in minutes").fill("45")
    page.get_by_label("Summary (shared with the coachee)").fill("We mapped the board's year.")
    page.get_by_label("Private notes (only you can read them)").fill("Nervous about elections.")
    page.get_by_role("button", name="Log the session").click()
    main = page.get_by_role("main")
    expect(main).to_contain_text("We mapped the board's year.")
    expect(main).to_contain_text("Nervous about elections.")

    # then the member reads the summary, never the notes
    _log_in_as(page, "member")
    page.get_by_role("link", name="Coaching", exact=True).click()
    coached = page.locator("tr", has_text=NAMES["coach"])
    coached.get_by_role("link", name=NAMES["member"]).click()
    expect(page.get_by_role("main")).to_contain_text("We mapped the board's year.")
    expect(page.get_by_role("main")).not_to_contain_text("Nervous about elections.")

    # and the organiser opens the chapter's dashboard: charts drawn, tables one click away
    _log_in_as(page, "organiser")
    page.get_by_role("link", name="Dashboards").click()
    page.get_by_role("link", name=CHAPTER).click()
    expect(page.get_by_role("heading", name="Leadership pipeline").first).to_be_visible()
    charts = page.locator("canvas[data-chart]")
    expect(charts.first).to_be_visible()
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".filter((c) => window.Chart.getChart(c)).length"
    )
    assert drawn == charts.count() >= 8
    page.get_by_text("The numbers as a table").first.click()
    expect(page.get_by_role("table").first).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("fewer than 5")

    assert browser_log.csp_violations == []
    assert browser_log.csp_messages() == []
    assert browser_log.page_errors == []
