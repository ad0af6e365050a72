"""The demo organiser's first visit, in a real browser, under the real Content-Security-Policy."""

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from leadership.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.e2e.conftest import BrowserLog, mentions_csp

INJECT_INLINE_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.ranInline = true";
  document.body.append(script);
}"""
ORGANISER_EMAIL = next(email for key, email, *_rest in DEMO_ACCOUNTS if key == "organiser")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_organiser_edits_their_profile_and_searches_communities_without_csp_violations(
    page: Page, browser_log: BrowserLog
):
    # given: the anonymous home page, served with a nonce-based CSP
    response = page.goto("/")
    assert response is not None
    csp = response.headers.get("content-security-policy", "")
    assert re.search(r"script-src 'self' 'nonce-[\w-]+'", csp), csp
    assert "unsafe-inline" not in csp

    # when: they log in through allauth's form
    page.get_by_role("main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill(ORGANISER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    # then: they are welcomed and find their chapter
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Olusegun Organiser")
    page.get_by_role("link", name="Wikimedia Demo Chapter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wikimedia Demo Chapter")
    expect(page.get_by_role("link", name="Edit details")).to_be_visible()

    # when: they edit their profile from the account menu (a Bootstrap dropdown: needs its JS)
    page.get_by_role("button", name="Account").click()
    page.get_by_role("link", name="Edit profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit your profile")
    page.get_by_label("Display name").fill("Olusegun Adébáyọ̀")
    page.get_by_label("Short bio").fill("Runs the chapter's photo walks in Ibadan.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile was saved.")
    # and then their languages, the next part of the profile
    page.get_by_role("link", name="Edit profile").click()
    page.get_by_role("link", name="Languages").click()
    page.locator("select[name='languages-0-language']").select_option("yo")
    page.locator("select[name='languages-0-proficiency']").select_option("3")
    page.get_by_role("button", name="Save languages").click()
    expect(page.get_by_role("status")).to_contain_text("Your languages were saved.")
    page.get_by_role("link", name="Cancel").click()

    # then: their profile page shows the change
    expect(page.get_by_role("heading", level=1)).to_have_text("Olusegun Adébáyọ̀")
    expect(page.get_by_role("main")).to_contain_text("Runs the chapter's photo walks in Ibadan.")
    expect(page.get_by_role("main")).to_contain_text("Yoruba (Advanced)")

    # when: they search the community list; htmx swaps in the results without a page load
    page.get_by_role("link", name="Communities", exact=True).click()
    results = page.locator("#community-results .list-group-item")
    expect(results).not_to_have_count(0)
    assert results.count() > 1
    with page.expect_response(
        lambda r: (
            parse_qs(urlsplit(r.url).query).get("q") == ["demo chapter"]
            and r.request.headers.get("hx-request") == "true"
        )
    ) as search:
        page.get_by_label("Search by name").press_sequentially("demo chapter")

    # then
    assert search.value.status == 200
    expect(results).to_have_count(1)
    expect(results).to_contain_text("Wikimedia Demo Chapter")
    expect(page).to_have_url(re.compile(r"/communities/\?q=demo(\+|%20)chapter"))

    # and nothing was refused or broke along the way
    assert browser_log.csp_messages() == []
    assert browser_log.csp_violations == []
    assert browser_log.page_errors == []
    assert browser_log.failed_responses == []

    # and the watch would have seen one: an inline script without the nonce is reported
    with page.expect_console_message(lambda message: mentions_csp(message.text)):
        page.evaluate(INJECT_INLINE_SCRIPT)
    assert page.evaluate("() => window.ranInline") is None
    wait_until(lambda: browser_log.csp_violations != [], page)
    assert "script-src" in browser_log.csp_violations[0]


def wait_until(condition: Callable[[], bool], page: Page, timeout_ms: int = 5_000) -> None:
    """Let the browser's events reach Python (they arrive while Playwright waits)."""
    for _ in range(timeout_ms // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("the condition did not become true in time")
