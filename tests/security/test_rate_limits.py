"""allauth's rate limits as production runs them: on Redis, with allauth's default limits.

The test settings turn rate limiting off and use a local-memory cache; here both are put back as
in production (ACCOUNT_RATE_LIMITS unset, a Redis cache shared by every thread), so that the
limits are seen holding for serial and for simultaneous requests. The defaults
(allauth/account/app_settings.py): a failed login counts against "5 per 5 minutes per account,
10 per minute per IP"; login POSTs "30 per minute per IP"; password resets "5 per minute per
address, 20 per IP"; sign-ups "20 per minute per IP".
"""

import threading
import uuid
from collections import Counter
from urllib.parse import urlsplit

import pytest
import redis
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, PersonFactory
from tests.pages import main_content

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# A database of its own on the shared Redis, never flushed: RedisCache.clear() would flush the
# whole database whatever the KEY_PREFIX. Each test counts under a prefix of its own instead
# (tests on parallel workers must not share counters) and deletes its keys when done.
REDIS_DB = 13
KEY_PREFIX = "pathways-test-rate-limits"

LOGIN = "/accounts/login/"
WRONG = "The email address and/or password you specified are not correct."
TOO_MANY = "Too many failed login attempts. Try again later."


@pytest.fixture
def production_limits(settings):
    """allauth's default limits, counted in Redis under this test's own key prefix."""
    prefix = f"{KEY_PREFIX}-{uuid.uuid4().hex}"
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    foreign = [
        key for key in client.scan_iter(count=1000) if not key.startswith(b"pathways-test-rate")
    ]
    assert not foreign, f"Redis db {REDIS_DB} holds others' keys ({foreign[:3]}): pick another"
    del settings.ACCOUNT_RATE_LIMITS  # as in production: allauth's defaults
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            "KEY_PREFIX": prefix,
        }
    }
    yield client, prefix
    mine = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if mine:
        client.delete(*mine)
    client.close()


@pytest.fixture
def account(db):
    return PersonFactory.create(user__email="target@example.org").user


def _client(ip: str):
    return Client(REMOTE_ADDR=ip)


def _answer(response) -> str:
    """What a login POST answered: logged in, a wrong password, too many attempts, or 429."""
    if response.status_code == 429:
        return "429"
    if response.status_code == 302:
        return "logged in"
    text = response.content.decode()
    if TOO_MANY in text:
        return "too many"
    if WRONG in text:
        return "wrong"
    return f"other {response.status_code}"


def _login(client: Client, email: str, password: str) -> str:
    return _answer(client.post(LOGIN, {"login": email, "password": password}))


# Logins


@pytest.mark.django_db
def test_an_account_is_locked_after_five_failed_logins_even_from_different_addresses(
    production_limits, account
):
    # given: five wrong passwords, each from another IP address (so that only the account counts)
    answers = [
        _login(_client(f"198.51.100.{n}"), "target@example.org", "not-it") for n in range(1, 6)
    ]

    # when: the right password comes next, from yet another address
    client = _client("198.51.100.99")
    answer = _login(client, "target@example.org", PASSWORD)

    # then
    assert answers == ["wrong"] * 5
    assert answer == "too many"
    assert client.session.get(SESSION_KEY) is None
    # counted in Redis, where every worker process of the site would see the same counts
    redis_client, prefix = production_limits
    assert any(b":allauth:rl:" in key for key in redis_client.scan_iter(match=f"{prefix}:*"))
    # another account is not locked by it
    other = PersonFactory.create(user__email="bystander@example.org").user
    assert _login(_client("198.51.100.98"), other.email, PASSWORD) == "logged in"


@pytest.mark.django_db
def test_one_address_posting_logins_is_answered_429_after_thirty_a_minute(
    production_limits, account
):
    # given: one IP address trying a different account each time (no account gets locked)
    client = _client("203.0.113.7")
    answers = Counter(_login(client, f"guess{n}@example.org", "not-it") for n in range(31))

    # then: ten failures a minute per address, then the form refuses; the 31st POST gets a 429
    assert answers == Counter({"wrong": 10, "too many": 20, "429": 1})
    # the refusal holds for a right password from that address too
    assert _login(client, "target@example.org", PASSWORD) == "429"


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_failed_logins_get_no_more_tries_than_the_limit(
    production_limits, account
):
    # given: twenty clients, each from its own address, all guessing at one account at once
    count = 20
    barrier = threading.Barrier(count)
    answers: list[str] = []
    errors: list[BaseException] = []

    def guess(n: int) -> None:
        try:
            client = _client(f"192.0.2.{n + 1}")
            barrier.wait(timeout=30)
            answers.append(_login(client, "target@example.org", f"guess-{n}"))
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=guess, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then: at most five passwords were ever checked; every other request was refused
    assert not errors
    tally = Counter(answers)
    assert sum(tally.values()) == count
    assert set(tally) <= {"wrong", "too many"}
    assert 1 <= tally["wrong"] <= 5, tally
    # and the account stays locked for the right password afterwards
    assert _login(_client("192.0.2.200"), "target@example.org", PASSWORD) == "too many"


@pytest.mark.django_db
def test_the_admin_login_only_sends_to_the_rate_limited_allauth_login(production_limits, superuser):
    # given: the admin's own login form, posted with the right password
    client = _client("203.0.113.50")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": superuser.email, "password": PASSWORD}
    )

    # then: it checks no password at all: it sends to allauth's login, which does
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")
    assert client.session.get(SESSION_KEY) is None

    # when: a burst of failed logins where it sends
    answers = [_login(client, superuser.email, f"guess-{n}") for n in range(31)]

    # then: the account locks after five and the address gets 429s after thirty a minute
    assert answers[:5] == ["wrong"] * 5
    assert set(answers[5:30]) == {"too many"}
    assert answers[30] == "429"
    assert client.post("/admin/login/", {"username": superuser.email, "password": PASSWORD})[
        "Location"
    ].startswith(reverse("account_login"))
    assert client.session.get(SESSION_KEY) is None


# Password resets and sign-ups


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["target@example.org", "nobody@example.org"])
def test_a_sixth_password_reset_for_one_address_in_a_minute_is_answered_429(
    production_limits, account, email
):
    # given: five resets for one address, each from another IP address
    statuses = [
        _client(f"198.51.100.{n}").post(reverse("account_reset_password"), {"email": email})
        for n in range(1, 7)
    ]

    # then: the same whether or not the address has an account
    assert [response.status_code for response in statuses] == [302] * 5 + [429]
    assert len(mail.outbox) == 5


@pytest.mark.django_db
def test_a_twenty_first_password_reset_from_one_address_in_a_minute_is_answered_429(
    production_limits,
):
    client = _client("203.0.113.9")

    statuses = [
        client.post(reverse("account_reset_password"), {"email": f"p{n}@example.org"}).status_code
        for n in range(21)
    ]

    assert statuses == [302] * 20 + [429]
    assert len(mail.outbox) == 20


def _signup(client: Client, email: str):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": "a-long-signup-password",
            "password2": "a-long-signup-password",
        },
    )


@pytest.mark.django_db
def test_a_twenty_first_sign_up_from_one_address_in_a_minute_is_answered_429(production_limits):
    client = _client("203.0.113.10")

    statuses = []
    for n in range(21):
        statuses.append(_signup(client, f"new{n}@example.org").status_code)
        client.logout()  # a signed-up visitor is sent away from the sign-up page

    assert statuses == [302] * 20 + [429]
    assert get_user_model().objects.filter(email__startswith="new").count() == 20


@pytest.mark.django_db
def test_signing_up_with_an_address_that_has_an_account_answers_like_a_new_one(
    production_limits, account
):
    # when
    taken = _signup(_client("198.51.100.20"), "Target@Example.org")
    new = _signup(_client("198.51.100.21"), "someone.new@example.org")

    # then: the same redirect to the same page, and one mail to each address
    assert taken.status_code == new.status_code == 302
    assert taken["Location"] == new["Location"] == reverse("account_email_verification_sent")
    assert main_content(_client("198.51.100.20").get(taken["Location"])) == main_content(
        _client("198.51.100.21").get(new["Location"])
    )
    assert sorted(m.to[0] for m in mail.outbox) == [
        "someone.new@example.org",
        "target@example.org",
    ]
    # and no second account was made for the taken address
    assert get_user_model().objects.filter(email__iexact="target@example.org").count() == 1
