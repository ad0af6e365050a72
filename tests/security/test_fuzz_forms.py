"""Every form of the matrix, posted through its page with random and hostile values: never a 500
(nor any exception), a refusal (the form shown again, 200) writes nothing and says why, a success
redirects (302).

Each form's fields are read from the page itself (the `<form method="post">` posting back to it),
so a field added tomorrow is fuzzed too. For each field an example either keeps the page's own
value (so that the other fields can reach the deeper checks: the services' rules), drops it, or
puts a hostile value in: very long text, NUL bytes, right-to-left and bidi marks, emoji, zalgo,
spreadsheet formulas, markup, SQL, dates far in the past and the future or that do not exist,
numbers out of range, choices that are not offered, time zones that do not exist. The world is
built once for the module (tests/security/conftest.py) and each example runs in a savepoint
rolled back after it.
"""

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.db import changes, rows_written
from tests.security.matrix import MATRIX, Entry
from tests.security.world import USERS, World
from training.models import Stage

# Who posts each form: the first of these the matrix allows to GET and POST it and to see what it
# names (an organiser of A for A's pages, the coach for the coach's, ...).
POSTERS = ("organiser", "coordinator", "coach", "mentor", "mentee", "member", "staff")

HOSTILE_TEXT = (
    "",
    " ",
    "x" * 10_000,
    "é" * 10_000,
    "a\x00b",
    "\x00",
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627\u200e",  # RTL text and marks
    "\u2066isolate\u2069\u200b\u200d\ufeff",
    "👩🏽‍💻🏳️‍🌈" * 50,
    "Z\u0351\u0352\u0353\u0354\u0355a\u0356\u0357\u0358\u0359l\u035a\u035b\u035cg\u035d\u035eo",
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    '@HYPERLINK("http://evil.example")',
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE plans_role; --",
    "1 OR 1=1",
    "%s %d {0} {{ x }} ${x}",
    "\r\n\r\nSet-Cookie: x=y",
    "../../etc/passwd",
    "-1",
    "9" * 400,
    "NaN",
    "Infinity",
    "1e308",
)
HOSTILE_DATES = (
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "2025-02-29",
    "2028-02-29",
    "1900-01-01",
    "10000-01-01",
    "-2026-01-01",
    "2026-13-01",
    "2026-00-10",
    "31/12/2026",
    "2026-03-29",  # the day Europe moves its clocks forward
    "today",
)
HOSTILE_DATETIMES = (
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2026-02-30T10:00",
    "2026-03-29T02:30",  # does not exist in Europe/Berlin
    "2026-10-25T02:30",  # happens twice in Europe/Berlin
    "2026-03-08T02:30",  # does not exist in America/Los_Angeles
    "2026-06-01T24:00",
    "2026-06-01T10:00+14:00",
    "2026-06-01 10:00:00 Mars/Olympus",
)
HOSTILE_TIMES = ("00:00", "23:59", "24:00", "25:61", "12:00:00.999999", "-01:00", "noon")
HOSTILE_NUMBERS = (
    "0",
    "-1",
    "-2147483649",
    "2147483648",
    "9223372036854775808",
    "1" + "0" * 400,
    "1.5",
    "1e9",
    "NaN",
    "inf",
    "٣",  # an Arabic-Indic digit
    "0x10",
)
HOSTILE_TIME_ZONES = (
    "UTC",
    "Asia/Tokyo",
    "America/Los_Angeles",
    "Pacific/Kiritimati",
    "Mars/Olympus",
    "../../etc/localtime",
    "utc",
    "",
)
TEXT_TYPES = {"text", "search", "email", "url", "tel", "password", "hidden", "color", "textarea"}
# A few per form keep the file well under a minute; PATHWAYS_FUZZ_EXAMPLES=200 hunts longer.
EXAMPLES = int(os.environ.get("PATHWAYS_FUZZ_EXAMPLES", "8"))
# make test draws the same examples on every run (derandomize): the suite must not fail one day
# on a draw it passed the day before. PATHWAYS_FUZZ_EXPLORE=1 draws new ones, to go looking.
EXPLORE = os.environ.get("PATHWAYS_FUZZ_EXPLORE") == "1"
# Fields no form of ours takes (tests/security/test_mass_assignment.py lists those that decide
# access), added to every payload where the form has no field of that name.
MASS_ASSIGNED = {
    "is_staff": "on",
    "is_superuser": "on",
    "groups": "1",
    "user": "1",
    "owner": "1",
    "status": "archived",
    "open_count": "0",
    "created_at": "2000-01-01",
}
CSRF = "csrfmiddlewaretoken"
ERROR_MARKERS = re.compile(r'class="[^"]*(invalid-feedback|alert-danger|errorlist|is-invalid)')


@dataclass
class Field:
    name: str
    kind: str  # an input's type, "select" or "textarea"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    multiple: bool = False
    # Set by the page, not typed: a hidden input, a named submit button.
    page_set: bool = False


@dataclass
class Form:
    action: str
    enctype: str
    fields: dict[str, Field] = field(default_factory=dict)

    def add(self, f: Field) -> None:
        known = self.fields.get(f.name)
        if known is None:
            self.fields[f.name] = f
            return
        # A group of checkboxes or radios sharing a name is a choice of their values.
        if known.kind != "select":
            group = Field(
                f.name, "select", multiple=known.kind == "checkbox", page_set=known.page_set
            )
            group.options = [known.value]
            group.selected = [known.value] if known.checked else []
            known = self.fields[f.name] = group
        known.options.append(f.value)
        if f.checked:
            known.selected.append(f.value)

    def fill(self, values: dict[str, Any]) -> None:
        """Fill fields in as someone would before sending the form."""
        for name, value in values.items():
            f = self.fields[name]
            if f.kind == "select":
                f.selected = value if isinstance(value, list) else [value]
            elif f.kind in ("checkbox", "radio"):
                f.checked = bool(value)
            else:
                f.value = value


class FormParser(HTMLParser):
    """The `<form method="post">` elements of a page and their named fields."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None
        self.option: dict[str, Any] | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self.form = Form(a.get("action", ""), a.get("enctype", ""))
                self.forms.append(self.form)
            return
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("button", "image", "reset"):
                return
            page_set = kind in ("hidden", "submit")
            checked = "checked" in a or kind == "submit"
            if kind == "submit":
                kind = "radio"
            # A checkbox without a value sends "on"; other inputs, what they hold.
            default = "on" if kind in ("checkbox", "radio") else ""
            self.form.add(
                Field(name, kind, a.get("value", default), checked=checked, page_set=page_set)
            )
        elif tag == "button" and name and a.get("type", "submit").lower() == "submit":
            # A named submit button sends its value: a choice among the form's buttons.
            # Pressed, as a browser sends it (the first, of several).
            self.form.add(Field(name, "radio", a.get("value", ""), checked=True, page_set=True))
        elif tag == "select" and name:
            self.select = Field(name, "select", multiple="multiple" in a)
            self.form.add(self.select)
        elif tag == "option" and self.select is not None:
            self.option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
        elif tag == "textarea" and name:
            self.textarea = Field(name, "textarea")
            self.form.add(self.textarea)

    def handle_data(self, data: str) -> None:
        if self.option is not None:
            self.option["text"] += data
        elif self.textarea is not None:
            # A browser drops the newline that follows <textarea>, as Django writes it.
            self.textarea.value += data.removeprefix("\n") if not self.textarea.value else data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag in ("option", "select") and self.option is not None and self.select is not None:
            value = self.option["value"]
            if value is None:
                value = self.option["text"].strip()
            self.select.options.append(value)
            if self.option["selected"]:
                self.select.selected.append(value)
            self.option = None
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def page_forms(html: str, path: str) -> list[Form]:
    """The post forms of a page that post back to it (not the language switch, not sign out)."""
    parser = FormParser()
    parser.feed(html)
    back = [f for f in parser.forms if f.action in ("", "#") or urlsplit(f.action).path == path]
    # A confirmation (delete this guide?) is a form with the token alone.
    return [f for f in back if set(f.fields) - {CSRF}] or back


def poster(entry: Entry) -> str | None:
    assert isinstance(entry.post, frozenset)
    for user in POSTERS:
        if (
            entry.get is not None
            and user in entry.get
            and user in entry.post
            and user in (entry.see | entry.get if entry.public else entry.see)
        ):
            return user
    return None


# The query string a page needs before it shows its post form: the proposal form follows a valid
# need (a GET form).
QUERIES: dict[str, Any] = {
    "coaching:assignment-new": lambda w: {"community": w.community.pk},
}


def _in_days(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


# What someone types in a form that starts empty, so that one hostile field among valid ones gets
# through the form's own checks to the service's: a creation form left as the page shows it is only
# ever refused for its required fields.
FILLED: dict[str, Any] = {
    "plans:plan-create": lambda w: {
        "starts_on": _in_days(1200),
        "ends_on": _in_days(1900),
        "vision": "A board that looks like the community.",
    },
    "plans:role-create": lambda w: {"title": "Treasurer", "term_months": "24"},
    "plans:term-create": lambda w: {
        "person": str(w.person("mentee").pk),
        "starts_on": _in_days(0),
        "ends_on": _in_days(365),
    },
    "training:series-create": lambda w: {"start_time": "18:00", "weekdays": ["0", "3"]},
    "training:stage-create": lambda w: {"title": "Practice"},
    "training:programme-create": lambda w: {
        "title": "Autumn Academy",
        "community": str(w.community.pk),
        "time_zone": "Asia/Tokyo",
        "starts_on": _in_days(10),
        "ends_on": _in_days(300),
    },
    "mentoring:programme-create": lambda w: {
        "title": "Mentors of Testland",
        "communities": [str(w.community.pk)],
        "applications_open_on": _in_days(0),
        "applications_close_on": _in_days(30),
        "cohort_starts_on": _in_days(40),
        "cohort_ends_on": _in_days(220),
    },
    "coaching:coach-add": lambda w: {"person": "mentee@example.org"},
    "coaching:assignment-new": lambda w: {"goals": "Chair the board's meetings."},
    "mentoring:exclusions": lambda w: {"who": "member@example.org"},
    "training:resource-create": lambda w: {
        "title": "Running a meeting",
        "summary": "How to.",
        "kind": "guide",
        "url": "https://example.org/guide",
        "language": "en",
    },
    "training:resource-translate": lambda w: {
        "language": "af",
        "title": "Vergaderings",
        "url": "https://example.org/af",
    },
}

# The moment a page is asked at, when it shows its form only then: attendance once the session has
# started.
WHEN: dict[str, Any] = {
    "training:session-attendance": lambda w: w.session.starts_at + timedelta(hours=1),
}

# Pages the matrix lets post that show no form of their own, and why.
NOT_A_FORM = {
    # Its buttons post (formaction) to run-start, programme-publish and proposal-review; a POST to
    # the page itself is answered as its GET.
    "mentoring:coordinate",
    # Its one button posts to feed-regenerate; a first visit makes the key.
    "training:feed-settings",
}

FORM_PAGES = sorted(
    name
    for name, entry in MATRIX.items()
    if isinstance(entry.post, frozenset)
    and entry.get
    and entry.ok_get == 200
    and name not in NOT_A_FORM
)


def own_value(f: Field) -> list[str]:
    """What a browser would send for the field as the page shows it."""
    if f.kind in ("checkbox", "radio"):
        return [f.value] if f.checked else []
    if f.kind == "select":
        if f.selected:
            return f.selected if f.multiple else f.selected[:1]
        return [] if f.multiple or not f.options else [f.options[0]]
    if f.kind == "file":
        return []
    return [f.value]


def hostile_strategy(f: Field) -> st.SearchStrategy[list[Any]]:
    """Values a browser would never send for this field, and some it would."""
    text = st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(
            alphabet=st.characters(codec="utf-8"),  # no lone surrogates: not encodable
            max_size=300,
        ),
    )
    lowered = f.name.lower()
    if "zone" in lowered or lowered.endswith("tz"):
        text = st.one_of(st.sampled_from(HOSTILE_TIME_ZONES), text)
    one: st.SearchStrategy[Any]
    if f.kind == "date":
        one = st.one_of(st.sampled_from(HOSTILE_DATES), st.dates().map(str), text)
    elif f.kind == "datetime-local":
        one = st.one_of(
            st.sampled_from(HOSTILE_DATETIMES),
            st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
            text,
        )
    elif f.kind == "time":
        one = st.one_of(st.sampled_from(HOSTILE_TIMES), text)
    elif f.kind in ("number", "range"):
        one = st.one_of(
            st.sampled_from(HOSTILE_NUMBERS),
            st.integers(min_value=-(2**70), max_value=2**70).map(str),
            text,
        )
    elif f.kind == "select":
        choices = [o for o in f.options if o]
        offered = st.sampled_from(choices) if choices else st.nothing()
        one = st.one_of(offered, st.sampled_from(("", "0", "-1", "999999999", "abc")), text)
        if f.multiple:
            return st.lists(one, max_size=4)
    elif f.kind in ("checkbox", "radio"):
        one = st.one_of(st.just(f.value), text)
    elif f.kind == "file":
        return st.lists(
            st.one_of(st.binary(max_size=500), text.map(lambda s: s.encode())).map(
                lambda b: SimpleUploadedFile("fuzz.csv", b, content_type="text/csv")
            ),
            max_size=1,
        )
    else:
        one = text
    return st.one_of(one.map(lambda v: [v]), st.lists(one, min_size=2, max_size=3))


def field_strategy(f: Field) -> st.SearchStrategy[list[Any]]:
    # Mostly the page's own value, so that one hostile field among valid ones reaches the services.
    return st.one_of(st.just(own_value(f)), st.just(own_value(f)), st.just([]), hostile_strategy(f))


def shows_an_error(html: str) -> bool:
    return bool(ERROR_MARKERS.search(html))


@pytest.fixture
def form_page(
    request: pytest.FixtureRequest, world: World
) -> Iterator[tuple[Client, str, list[Form]]]:
    name: str = request.param
    entry = MATRIX[name]
    if name not in WHEN:
        yield _open(name, entry, world)
        return
    with time_machine.travel(WHEN[name](world), tick=False):
        yield _open(name, entry, world)


def _open(name: str, entry: Entry, world: World) -> tuple[Client, str, list[Form]]:
    user = poster(entry)
    assert user is not None, f"nobody in {POSTERS} may post {name}"
    assert user in USERS
    client = Client()
    client.force_login(world.users[user])
    url = reverse(name, kwargs=entry.kwargs(world))
    if name in QUERIES:
        url += "?" + urlencode(QUERIES[name](world))
    response = client.get(url)
    assert response.status_code == 200, f"{name}: GET as {user} answered {response.status_code}"
    forms = page_forms(response.content.decode(), urlsplit(url).path)
    assert forms, f"{name} ({url}) shows no form posting back to it"
    if name in FILLED:
        forms[0].fill(FILLED[name](world))
    return client, url, forms


@pytest.mark.parametrize("form_page", FORM_PAGES, indirect=True)
@settings(
    max_examples=EXAMPLES,
    derandomize=not EXPLORE,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_form_answers_hostile_input_with_an_error_or_a_success_and_never_a_partial_write(
    db: None, form_page: tuple[Client, str, list[Form]], data: st.DataObject
) -> None:
    # given
    client, url, forms = form_page
    form = data.draw(st.sampled_from(forms), label="form")
    payload: dict[str, list[Any]] = {}
    tampered = False
    for name, f in form.fields.items():
        # Without its token a browser's POST is refused (403) before the view: not fuzzed.
        values = own_value(f) if name == CSRF else data.draw(field_strategy(f), label=name)
        if values:
            payload[name] = values
        tampered |= f.page_set and values != own_value(f)
    # Mass assignment: what no form of ours takes, posted to every one of them, is ignored.
    for name, value in MASS_ASSIGNED.items():
        if name not in form.fields:
            payload[name] = [value]

    # when
    # Messages of an earlier example (kept in a cookie) must not pass for this one's error.
    client.cookies.pop(CookieStorage.cookie_name, None)
    with changes() as changed:
        response = client.post(url, payload)
        escalated = list(
            get_user_model()
            .objects.filter(Q(is_staff=True) | Q(is_superuser=True))
            .exclude(email="staff@example.org")
            .values_list("email", flat=True)
        )

    assert not escalated, f"{url} made {escalated} staff"
    # A forged reference (a coach's number that is no coach) may be answered as a missing page.
    allowed = {200, 302} | ({404} if tampered else set())
    assert response.status_code in allowed, f"{url} answered {response.status_code}"
    if response.status_code == 200:
        html = response.content.decode()
        assert not changed.tables, f"{url} showed the form again but changed {changed.tables}"
        # What the page itself sets (which of its forms was sent, a formset's row count, the
        # button's coach) is no one's to get wrong but a forger's: their request must not fail
        # nor write, and may go unexplained.
        assert tampered or shows_an_error(html), (
            f"{url} showed the form again without saying what is wrong"
        )


def test_a_utf16_csv_import_with_a_nul_in_a_title_is_refused_with_a_message_and_writes_nothing(
    db: None, world: World
) -> None:
    # given: a UTF-16 file (its NUL bytes are those of the encoding) naming a new role whose
    # title holds a NUL character, which Postgres cannot store
    client = Client()
    client.force_login(world.users["organiser"])
    url = reverse("plans:roles-import", kwargs={"slug": world.community.slug})
    data = "role,term_months\nTreas\x00urer,24\n".encode("utf-16")
    upload = SimpleUploadedFile("roles.csv", data, content_type="text/csv")

    # when
    with transaction.atomic():
        before = rows_written()
        response = client.post(url, {"file": upload})
        written = rows_written() - before
        transaction.set_rollback(True)

    # then
    assert response.status_code == 200
    assert written == 0
    assert shows_an_error(response.content.decode())


def test_a_stage_added_after_the_highest_stage_number_is_refused_with_a_message(
    db: None, world: World
) -> None:
    # given: the programme's stage holds the highest number a stage can have
    Stage.objects.filter(pk=world.stage.pk).update(order=32767)
    client = Client()
    client.force_login(world.users["organiser"])
    url = reverse("training:stage-create", kwargs={"pk": world.training.pk})

    # when: a stage is added without a number (it would go last, as 32768)
    with transaction.atomic():
        before = rows_written()
        response = client.post(
            url,
            {
                "title": "Practice",
                "order": "",
                "completion_rule": "attendance",
                "min_sessions": "1",
            },
        )
        written = rows_written() - before
        transaction.set_rollback(True)

    # then
    assert response.status_code == 200
    assert written == 0
    assert list(response.context["form"].errors) == ["__all__"]
    assert "give this one a free number below it" in response.content.decode()
