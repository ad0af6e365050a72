"""The demo organiser keeps their chapter's leadership plan, in a real browser."""

from datetime import date

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from leadership.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from plans.term_rules import add_months
from tests.e2e.conftest import BrowserLog

ORGANISER_EMAIL = next(email for key, email, *_rest in DEMO_ACCOUNTS if key == "organiser")
ROLE = "Photo walks lead"


def _add_term(page: Page, starts_on: date, ends_on: date) -> None:
    page.get_by_role("link", name="Add a term").click()
    page.get_by_label("Find a member").fill("Olusegun")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Person").select_option(label="Olusegun Organiser")
    page.get_by_label("Starts on").fill(starts_on.isoformat())
    page.get_by_label("Ends on").fill(ends_on.isoformat())
    page.get_by_role("button", name="Add the term").click()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_organiser_is_refused_a_third_consecutive_term_then_ends_one_early(
    page: Page, browser_log: BrowserLog
):
    # given: one-year terms, at most two in a row, then a year off
    # The demo chapter's clock (Africa/Lagos) is at or ahead of UTC's date: the dates below
    # hold on either.
    today = timezone.localdate()
    first = (add_months(today, -18), add_months(today, -6))
    second = (first[1], add_months(today, 6))
    third = (second[1], add_months(today, 18))
    with translation.override("en"):
        eligible = date_format(add_months(second[1], 12), "DATE_FORMAT")

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(ORGANISER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("link", name="Wikimedia Demo Chapter").click()
    page.get_by_role("link", name="Leadership plan").click()

    # when: they add the role with its limits
    page.get_by_role("link", name="Add a role").click()
    page.get_by_label("Title").fill(ROLE)
    page.get_by_label("Term length (months)").fill("12")
    page.get_by_label("Maximum consecutive terms").fill("2")
    page.get_by_label("Cool-off (months)").fill("12")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ROLE)
    expect(page.get_by_role("main")).to_contain_text("At most 2 terms in a row, then 12 months off")

    # and give themselves two terms in a row, then try a third
    _add_term(page, *first)
    expect(page.get_by_role("status")).to_contain_text("The term was added.")
    _add_term(page, *second)
    expect(page.get_by_role("status")).to_contain_text("The term was added.")
    _add_term(page, *third)

    # then: the form says which rule and from when they are eligible again
    error = page.get_by_role("alert")
    expect(error).to_contain_text("term number 3 in a row as Photo walks lead")
    expect(error).to_contain_text(f"eligible again from {eligible}")

    # when: the current term is ended early, today
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("link", name="Leadership plan").click()
    page.get_by_role("link", name=f"{today.year}\u2013").first.click()
    page.get_by_role("link", name="Term timeline").click()
    timeline_row = page.locator(f"svg.timeline g[data-role='{ROLE}']")
    expect(timeline_row.locator("rect[data-status='current']")).to_have_count(1)
    timeline_url = page.url
    timeline_row.get_by_role("link").click()
    page.get_by_role("link", name="End early").click()
    page.get_by_label("Stepped down on").fill(today.isoformat())
    page.get_by_role("button", name="End the term").click()
    expect(page.get_by_role("status")).to_contain_text("term ends early")

    # then: the timeline shows both terms as ended, none current
    page.goto(timeline_url)
    expect(timeline_row.locator("rect[data-status='current']")).to_have_count(0)
    expect(timeline_row.locator("rect[data-status='ended']")).to_have_count(2)
    assert not browser_log.page_errors
    assert not browser_log.csp_violations
    assert not browser_log.failed_responses
