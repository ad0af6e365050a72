"""Browser journeys: the seeded demo site on pytest-django's live server, driven by Chromium.

The live server serves /static/ through django.contrib.staticfiles' handler (pytest-django does
this whenever staticfiles is installed), so Bootstrap, htmx and our own script load as they do
in production, under the same Content-Security-Policy header.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, Response, sync_playwright
from pytest_django.live_server_helper import LiveServer

# The machine's own Chromium: tests never download a browser. The flags keep it from reaching
# out to Google's services, which would be slow (no internet) and noisy in the console.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Long enough for a cold first page, short enough that a missing element fails the test fast.
TIMEOUT_MS = 10_000

# Runs in every page before its own scripts (and outside its CSP): reports each Content
# Security Policy violation back to the test, whether or not Chromium also logs it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}`
  );
});
"""


def mentions_csp(text: str) -> bool:
    """Chromium's console words for a CSP refusal ("Refused to load ...", "Executing inline
    script violates the following Content Security Policy directive ...")."""
    return "Content Security Policy" in text or "Refused to" in text


@dataclass
class BrowserLog:
    """What the browser said while the test ran."""

    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)

    def csp_messages(self) -> list[str]:
        return [text for text in self.console if mentions_csp(text)]

    def record_csp_violation(self, report: str) -> None:
        self.csp_violations.append(report)

    def record_response(self, response: Response) -> None:
        if response.status >= 400:
            self.failed_responses.append(f"{response.status} {response.url}")


@pytest.fixture
def demo_site(live_server: LiveServer) -> str:
    """The live server's address, with the demo data seeded as `make run` seeds it."""
    call_command("seed_demo", "--scale", "small", "--quiet-logins")
    return live_server.url


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def page(demo_site: str, browser_log: BrowserLog) -> Iterator[Page]:
    """A fresh Chromium page whose console, errors and CSP violations go to `browser_log`.

    Depends on `demo_site` so that the data is written first: while Playwright runs, its event
    loop counts as running in this thread and Django refuses ORM calls from it.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=demo_site, locale="en-GB")
            context.set_default_timeout(TIMEOUT_MS)
            context.expose_function("reportCspViolation", browser_log.record_csp_violation)
            context.add_init_script(REPORT_CSP_VIOLATIONS)
            page = context.new_page()
            page.on("console", lambda message: browser_log.console.append(message.text))
            page.on("pageerror", lambda error: browser_log.page_errors.append(str(error)))
            page.on("response", browser_log.record_response)
            yield page
        finally:
            browser.close()
