"""Sessions, CSRF and the production headers, proven.

- Every view that changes something refuses a POST without a CSRF token, and writes nothing.
- Signing in gives a new session key (no session fixation); signing out makes the old cookie
  worthless; an organiser whose role is taken away, or whose account is deactivated, loses it at
  their next request.
- Under the production settings every response carries HSTS, a nonce-based CSP without
  'unsafe-inline', Referrer-Policy, frame denial and nosniff, its cookies are Secure and HttpOnly,
  and plain HTTP is sent to HTTPS.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from leadership.models import Membership
from tests.environ import PRODUCTION_ENV, environ_without_settings, this_tests_database_url
from tests.security.db import rows_written
from tests.security.matrix import MATRIX, ReadOnly
from tests.security.world import World

BASE_DIR = Path(__file__).resolve().parent.parent.parent


# Every POST that may change something: its entry lets someone POST, and not as a read.
CHANGING = sorted(
    name
    for name, entry in MATRIX.items()
    if entry.post is not None and not isinstance(entry.post, ReadOnly)
)


@pytest.mark.parametrize("name", CHANGING)
def test_every_post_that_changes_something_is_refused_without_a_csrf_token(
    db: None, world: World, name: str
):
    entry = MATRIX[name]
    assert not isinstance(entry.post, ReadOnly)
    assert entry.post is not None
    # Someone allowed to post there: the refusal is the token's, not the permission's.
    who = sorted(entry.post)[0]
    client = Client(enforce_csrf_checks=True)
    if world.users[who] is not None:
        client.force_login(world.users[who])
    url = reverse(name, kwargs=entry.kwargs(world))

    with transaction.atomic():
        before = rows_written()
        response = client.post(url, {})
        written = rows_written() - before
        transaction.set_rollback(True)

    assert response.status_code == 403, f"{who} POST {url}: {response.status_code}"
    assert b"CSRF" in response.content
    assert written == 0


def test_the_same_post_with_its_token_goes_through(db: None, world: World):
    # The refusals above are the token's: with it, the member's own exclusion is saved.
    from mentoring.models import Exclusion

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["member"])
    client.get(reverse("leadership:profile-edit"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    response = client.post(
        reverse("mentoring:exclusions"), {"csrfmiddlewaretoken": token, "who": "Otto Outsider"}
    )

    assert response.status_code == 302
    assert Exclusion.objects.filter(
        person=world.person("member"), excluded=world.person("outsider")
    ).exists()


# Sessions


def _log_in(client: Client, email: str) -> Any:
    return client.post(
        reverse("account_login"), {"login": email, "password": "a-long-test-password"}
    )


@pytest.fixture
def person_with_password(db: None) -> Any:
    from allauth.account.models import EmailAddress

    from tests.factories import PersonFactory

    person = PersonFactory.create(display_name="Pia Password", user__email="pia@example.org")
    person.user.set_password("a-long-test-password")
    person.user.save()
    EmailAddress.objects.update_or_create(
        user=person.user, email="pia@example.org", defaults={"verified": True, "primary": True}
    )
    return person.user


def test_signing_in_gives_a_new_session_key(client: Client, person_with_password: Any):
    # given: a session begun before signing in (the key an attacker might have planted)
    session = client.session
    session["planted"] = True
    session.save()
    before = session.session_key
    assert before is not None
    client.cookies[settings.SESSION_COOKIE_NAME] = before

    # when
    response = _log_in(client, "pia@example.org")

    # then
    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    planted = Client()
    planted.cookies[settings.SESSION_COOKIE_NAME] = before
    assert planted.get(reverse("leadership:community-list")).status_code == 302


def test_signing_out_makes_the_old_session_cookie_worthless(
    client: Client, person_with_password: Any
):
    _log_in(client, "pia@example.org")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("leadership:community-list")).status_code == 200

    client.post(reverse("account_logout"))

    # the cookie kept by someone else (a shared computer, a stolen copy) signs nobody in
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = replay.get(reverse("leadership:community-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_organiser_whose_role_is_taken_away_loses_it_at_their_next_request(
    db: None, world: World
):
    client = Client()
    client.force_login(world.users["organiser"])
    url = reverse("leadership:community-edit", kwargs={"slug": world.community.slug})
    assert client.get(url).status_code == 200

    Membership.objects.filter(
        person__user=world.users["organiser"], community=world.community
    ).update(role=Membership.Role.MEMBER)

    assert client.get(url).status_code == 403
    response = client.post(url, {"name": "Taken over"})
    assert response.status_code == 403
    world.community.refresh_from_db()
    assert world.community.name == "Wikimedia Testland"


def test_a_deactivated_account_is_signed_out_at_its_next_request(db: None, world: World):
    client = Client()
    client.force_login(world.users["member"])
    assert client.get(reverse("leadership:community-list")).status_code == 200

    type(world.users["member"]).objects.filter(pk=world.users["member"].pk).update(is_active=False)

    response = client.get(reverse("leadership:community-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# Production headers, from a process running the production settings

RENDER = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

# Static files as in development: production's manifest needs collectstatic first, and the
# headers do not depend on it.
override_settings(
    STORAGES={
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
).enable()
client = Client(HTTP_HOST="pathways.example.org")
plain = client.get("/accounts/login/")
secure = client.get("/accounts/login/", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "status": secure.status_code,
    "headers": dict(secure.headers),
    "cookies": {
        name: {key: morsel[key] for key in ("secure", "httponly", "samesite")}
        for name, morsel in secure.cookies.items()
    },
    "session_cookie": [
        settings.SESSION_COOKIE_SECURE,
        settings.SESSION_COOKIE_HTTPONLY,
        settings.SESSION_COOKIE_SAMESITE,
    ],
}))
"""


@pytest.fixture(scope="module")
def production_response(django_db_setup: None) -> dict[str, Any]:
    # The test database (migrated, and read only here): the login page looks up the session.
    database = {**PRODUCTION_ENV, "DATABASE_URL": this_tests_database_url()}
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", RENDER],
        cwd=BASE_DIR,
        env={**environ_without_settings(), **database},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_plain_http_is_sent_to_https_in_production(production_response: dict[str, Any]):
    status, location = production_response["plain"]
    assert status == 301
    assert location == "https://pathways.example.org/accounts/login/"


def test_production_pages_carry_every_security_header(production_response: dict[str, Any]):
    headers = production_response["headers"]

    assert production_response["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csp = headers["Content-Security-Policy"]
    assert "'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_production_cookies_are_secure_and_hidden_from_scripts(
    production_response: dict[str, Any],
):
    csrf = production_response["cookies"]["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"
    assert production_response["session_cookie"] == [True, True, "Lax"]
