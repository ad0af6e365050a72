"""The URLs that come from libraries: allauth's account pages and the Django admin.

Their rules are the libraries' own, and one each: an account page is about the signed-in visitor
(no object of anyone else's is addressed), and the admin is for staff. So these tests ask every
pattern of each as anonymous, as a signed-in user and as staff, and never get a server error.
"""

from typing import Any

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.db import rows_written
from tests.security.world import World

# Every allauth pattern, by what it is: a page for visitors who are signing in or up, a page of
# one's own account (anonymous visitors are sent to the login page), or a step of a flow that
# sends back whoever arrives out of order.
SIGNING_IN = {
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_inactive",
    "account_logout",
}
OWN_ACCOUNT = {
    "account_reauthenticate",
    "account_email",
    "account_change_password",
    "account_set_password",
    "mfa_index",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "socialaccount_connections",
}
FLOW_STEPS = {
    "account_confirm_login_code",
    "mfa_authenticate",
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "socialaccount_signup",
    "mediawiki_login",
    "mediawiki_callback",
}
KWARGS = {
    "account_confirm_email": {"key": "not-a-key"},
    "account_reset_password_from_key": {"uidb36": "1", "key": "not-a-key"},
}


def account_patterns(patterns: list[Any] | None = None, inside: bool = False) -> set[str]:
    names = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        here = inside or str(pattern.pattern).startswith("accounts/")
        if isinstance(pattern, URLResolver):
            names |= account_patterns(pattern.url_patterns, here)
        elif isinstance(pattern, URLPattern) and here and pattern.name:
            names.add(pattern.name)
    return names


def test_every_account_url_is_sorted_into_a_kind():
    # An allauth upgrade that adds a page fails here until someone decides what it is.
    assert account_patterns() == SIGNING_IN | OWN_ACCOUNT | FLOW_STEPS


def _client(world: World, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(world.users[who])
    return client


@pytest.mark.parametrize("name", sorted(SIGNING_IN | OWN_ACCOUNT | FLOW_STEPS))
def test_no_account_page_fails_and_ones_own_account_pages_need_signing_in(
    db: None, world: World, name: str
):
    url = reverse(name, kwargs=KWARGS.get(name))
    for who in ("anonymous", "member", "staff"):
        client = _client(world, who)
        for method in ("get", "post"):
            with transaction.atomic():
                response = getattr(client, method)(url, {})
                transaction.set_rollback(True)
            assert response.status_code < 500, f"{who} {method} {url}: {response.status_code}"
            if who == "anonymous" and name in OWN_ACCOUNT:
                assert response.status_code == 302, f"{method} {url}"
                assert response["Location"].startswith(reverse("account_login"))


def test_the_wikimedia_login_is_not_found_until_its_keys_are_set(db, client, settings):
    assert client.get(reverse("mediawiki_login")).status_code == 404
    assert client.get(reverse("mediawiki_callback")).status_code == 404

    mediawiki = dict(settings.SOCIALACCOUNT_PROVIDERS["mediawiki"])
    mediawiki["APPS"] = [{"name": "Wikimedia", "client_id": "x", "secret": "y"}]
    settings.SOCIALACCOUNT_PROVIDERS = {**settings.SOCIALACCOUNT_PROVIDERS, "mediawiki": mediawiki}

    # allauth's page that asks to continue to the wiki (a GET starts nothing)
    assert client.get(reverse("mediawiki_login")).status_code == 200


# The admin


def admin_urls(world: World) -> list[str]:
    """Every registered model's list and add pages, and the change, history and delete pages of
    the world's object of that model where it has one."""
    urls = [reverse("admin:index")]
    objects = {type(value): value for value in vars(world).values() if hasattr(value, "_meta")}
    objects.update({type(user): user for user in world.users.values() if user is not None})
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
        obj = objects.get(model)
        if obj is not None:
            for page in ("change", "history", "delete"):
                urls.append(reverse("admin:{}_{}_{}".format(*info, page), args=[obj.pk]))
        urls.append(reverse("admin:app_list", args=[info[0]]))
    return sorted(set(urls))


@pytest.mark.parametrize("who", ["anonymous", "coordinator", "organiser"])
def test_nobody_but_staff_opens_or_posts_to_any_admin_page(db: None, world: World, who: str):
    client = _client(world, who)
    # Anonymous visitors go to allauth's login (the site's); signed-in people without staff
    # status to the admin's, which allauth guards too (config/urls.py).
    logins = (reverse("admin:login"), reverse("account_login"))
    wrong = []
    for url in admin_urls(world):
        for method in ("get", "post"):
            with transaction.atomic():
                before = rows_written()
                response = getattr(client, method)(url, {})
                written = rows_written() - before
                transaction.set_rollback(True)
            if response.status_code != 302 or not response["Location"].startswith(logins):
                wrong.append(f"{method} {url}: {response.status_code} {response.get('Location')}")
            if written:
                wrong.append(f"{method} {url}: wrote {written} rows")
    assert not wrong, "\n".join(wrong)


def test_staff_open_every_admin_page(db: None, world: World):
    client = _client(world, "staff")
    wrong = []
    for url in admin_urls(world):
        response = client.get(url)
        # 403: an admin that allows no adding (the send log, the snapshots)
        if response.status_code not in (200, 403):
            wrong.append(f"{url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_the_wikimedia_login_is_found_when_an_admin_added_its_keys_in_the_admin(db, client):
    from allauth.socialaccount.models import SocialApp

    SocialApp.objects.create(provider="mediawiki", name="Wikimedia", client_id="x", secret="y")

    assert client.get(reverse("mediawiki_login")).status_code == 200
