"""The demo mentoring programme, in a real browser: matched, published, accepted, seen.

The demo mentor and mentee share a language nobody else in the programme speaks
(mentoring/demo_data.py), so the coordinator's run proposes the one to the other.
"""

import pytest
from playwright.sync_api import Page, expect

from leadership.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from mentoring.demo_data import DEMO_TITLE
from tests.e2e.conftest import BrowserLog

EMAILS = {key: email for key, email, *_rest in DEMO_ACCOUNTS}
NAMES = {key: name for key, _email, name, *_rest in DEMO_ACCOUNTS}


def _log_in_as(page: Page, key: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(EMAILS[key])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_coordinator_matches_and_publishes_the_mentor_accepts_and_the_mentee_sees_them(
    page: Page, browser_log: BrowserLog
):
    # given: the demo mentee is waiting
    _log_in_as(page, "mentee")
    page.get_by_role("link", name="Mentoring", exact=True).click()
    page.get_by_role("link", name="My mentoring").first.click()
    expect(page.get_by_role("main")).to_contain_text("Waiting for a mentor since")

    # when: the coordinator runs matching and watches it finish
    _log_in_as(page, "coordinator")
    page.get_by_role("link", name="Mentoring", exact=True).click()
    page.get_by_role("link", name=DEMO_TITLE, exact=True).click()
    page.get_by_role("link", name="Coordinate").click()
    page.get_by_role("button", name="Run matching").click()
    progress = page.locator("#run-progress")
    expect(progress).to_contain_text("proved optimal")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    page.get_by_role("link", name="Review the pairs").click()

    # and reviews the pair with its reasons, then publishes
    staged = page.locator("tr", has_text=NAMES["mentee"]).filter(has_text=NAMES["mentor"])
    expect(staged).to_contain_text("Both speak")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("alert").first).to_contain_text("sent")

    # and the mentor accepts the proposal
    _log_in_as(page, "mentor")
    page.goto("/mentoring/mentor/")
    page.get_by_role("link", name=f"{NAMES['mentee']}, in {DEMO_TITLE}").click()
    expect(page.get_by_role("main")).to_contain_text("Both speak")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("main")).to_contain_text("Your mentoring relationship has begun")

    # then the mentee sees their mentor
    _log_in_as(page, "mentee")
    page.goto("/mentoring/mine/")
    expect(page.get_by_role("main")).to_contain_text(f"Your mentor is {NAMES['mentor']}.")
    page.get_by_role("link", name="Go to your mentoring relationship").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(NAMES["mentor"])

    assert browser_log.page_errors == []
    assert browser_log.csp_violations == []
    assert browser_log.csp_messages() == []
    assert browser_log.failed_responses == []
