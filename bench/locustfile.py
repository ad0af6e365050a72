"""The load test's crowd (run by bench/load.py, with locust): a realistic mix of volunteers.

- organisers read their community's plans and edit their plan (open the form, save it);
- mentors open their dashboard and a relationship;
- members browse the training schedules and their own trainings;
- calendar apps fetch feeds: a member's personal feed and a programme's public one;
- one simulated person in thirteen opens the floor page (the base layout, nothing else), for
  comparison.

Each person's session comes from bench/probe.py's load_plan(), read from BENCH_LOAD_PLAN. Every
request goes over "HTTPS" as the bench's proxy says (X-Forwarded-Proto). A request answered with
anything but its expected status counts as an error.
"""

import json
import os
import random
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"]).read())  # noqa: SIM115
HEADERS = {"X-Forwarded-Proto": "https", "Accept": "text/html", "Accept-Encoding": "gzip"}
# Think time between two clicks of one person: a volunteer reads a page before the next.
THINK = between(1, 3)


class FormFields(HTMLParser):
    """The fields of the page's POST form, as a browser would submit them unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._in_post_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_post_form = a.get("method", "").lower() == "post"
        if not self._in_post_form or "name" not in a:
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "checkbox", "radio"):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "input" and "checked" in a:
            self.fields[a["name"]] = a.get("value", "on")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        if tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_post_form = False

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


class Volunteer(HttpUser):
    abstract = True
    wait_time = THINK
    kind = ""

    def on_start(self) -> None:
        self.me: dict[str, Any] = random.choice(PLAN[self.kind])
        self.client.cookies.set(PLAN["cookie"], self.me["session"])

    def page(self, name: str, path: str, expect: int = 200) -> Any:
        with self.client.get(
            path, name=name, headers=HEADERS, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != expect:
                response.failure(f"{response.status_code}, expected {expect}")
            return response


class Organiser(Volunteer):
    weight = 3
    kind = "organisers"

    @task(3)
    def plans(self) -> None:
        self.page("community's plans", f"/communities/{self.me['community']}/plans/")
        self.page("plan", f"/plans/{self.me['plan']}/")

    @task(1)
    def edit_plan(self) -> None:
        path = f"/plans/{self.me['plan']}/edit/"
        form = self.page("plan edit form", path)
        if form.status_code != 200:
            return
        parser = FormFields()
        parser.feed(form.text)
        fields = parser.fields
        # The CSRF cookie is Secure (production): the client keeps it out of its jar over the
        # bench's plain HTTP, so it is sent back by hand, as a browser over HTTPS would.
        csrf = form.cookies.get("csrftoken")
        # The organiser rewrites a sentence of the vision and saves.
        fields["vision"] = re.sub(r"\s*\(revised \d+\)$", "", fields.get("vision", ""))
        fields["vision"] += f" (revised {random.randint(1, 10**6)})"
        with self.client.post(
            path,
            data=fields,
            name="plan edit (save)",
            cookies={"csrftoken": csrf} if csrf else None,
            # Over HTTPS, Django checks that the form came from the same site.
            headers={**HEADERS, "Referer": f"https://{urlsplit(str(self.host)).netloc}{path}"},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code}, expected 302 (saved)")


class Mentor(Volunteer):
    weight = 3
    kind = "mentors"

    @task(2)
    def dashboard(self) -> None:
        self.page("mentor dashboard", "/mentoring/mentor/")

    @task(1)
    def relationship(self) -> None:
        self.page("relationship", f"/mentoring/relationships/{self.me['relationship']}/")


class Member(Volunteer):
    weight = 4
    kind = "members"

    @task(2)
    def schedules(self) -> None:
        self.page("trainings", "/training/")
        self.page("schedule", f"/training/programmes/{self.me['programme']}/schedule/")

    @task(1)
    def month(self) -> None:
        me = self.me
        path = f"/training/programmes/{me['programme']}/schedule/{me['year']}/{me['month']}/"
        self.page("schedule month", path)

    @task(1)
    def mine(self) -> None:
        self.page("my trainings", "/training/mine/")


class CalendarApp(Volunteer):
    """A calendar app polling feeds: no session, the personal feed's key in its address."""

    weight = 2
    kind = "members"

    def on_start(self) -> None:
        self.me = random.choice(PLAN[self.kind])

    @task(1)
    def personal(self) -> None:
        self.page("personal calendar feed", f"/training/calendar/{self.me['feed']}.ics")

    @task(1)
    def programme(self) -> None:
        self.page(
            "programme calendar feed", f"/training/programmes/{PLAN['programme']}/calendar.ics"
        )


class Floor(Volunteer):
    weight = 1

    def on_start(self) -> None:
        self.client.cookies.set(PLAN["cookie"], PLAN["floor"]["session"])

    @task
    def floor(self) -> None:
        self.page("(floor: base layout)", PLAN["floor"]["path"])
