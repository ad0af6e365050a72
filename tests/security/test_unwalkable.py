"""Addresses that cannot be walked where that matters.

Pages about private things take an id, and the matrix (test_authorization_matrix.py) proves that
each answers 404 to whoever may not see it, whatever the id. What is open without signing in
is either public by design (a published schedule) or addressed by a secret: a personal calendar
key of 256 random bits, allauth's signed email confirmations and password reset keys.
"""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PersonFactory, TrainingProgrammeFactory
from tests.security.matrix import MATRIX
from training.models import FeedToken, TrainingProgramme
from training.services.feeds import feed_token_get_or_create, feed_token_regenerate


def test_the_only_pages_open_without_signing_in_are_public_by_design_or_keyed_by_a_secret():
    # A new page open to anonymous visitors fails here until someone decides it may be.
    public = {name for name, entry in MATRIX.items() if entry.public}

    assert public == {
        "set_language",
        "leadership:home",
        "training:programme-calendar",
        "training:community-calendar",
        "training:personal-calendar",
    }


@pytest.mark.django_db
def test_walking_programme_ids_in_calendar_addresses_finds_no_draft(client: Client):
    draft = TrainingProgrammeFactory.create(status=TrainingProgramme.Status.DRAFT)
    published = TrainingProgrammeFactory.create()

    def feed(pk: int) -> int:
        return client.get(reverse("training:programme-calendar", args=[pk])).status_code

    assert feed(published.pk) == 200
    assert feed(draft.pk) == 404
    assert feed(published.pk + draft.pk + 1000) == 404


@pytest.mark.django_db
def test_a_personal_calendar_key_is_long_and_random_and_a_near_miss_finds_nothing(
    client: Client, member: Any
):
    key = feed_token_get_or_create(person=member.person).token
    others = {feed_token_get_or_create(person=PersonFactory.create()).token for _ in range(20)}

    # 32 random bytes in URL-safe base64; no two alike
    assert len(key) == 43
    assert len(others | {key}) == 21

    def feed(token: str) -> int:
        return client.get(reverse("training:personal-calendar", args=[token])).status_code

    assert feed(key) == 200
    near_miss = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert feed(near_miss) == 404
    assert feed(key.upper() if key.upper() != key else key.lower()) == 404


@pytest.mark.django_db
def test_a_replaced_calendar_key_stops_working_at_once(client: Client, member: Any):
    old = feed_token_get_or_create(person=member.person).token

    new = feed_token_regenerate(person=member.person).token

    assert client.get(reverse("training:personal-calendar", args=[old])).status_code == 404
    assert client.get(reverse("training:personal-calendar", args=[new])).status_code == 200
    assert FeedToken.objects.filter(person=member.person).count() == 1


def test_email_confirmations_are_signed_rather_than_looked_up_by_a_guessable_key():
    assert getattr(settings, "ACCOUNT_EMAIL_CONFIRMATION_HMAC", True) is True


@pytest.mark.django_db
def test_a_forged_email_confirmation_key_verifies_nothing_and_the_real_one_does(client: Client):
    from allauth.account.models import EmailConfirmationHMAC

    person = PersonFactory.create(user__email="new@example.org")
    EmailAddress.objects.filter(user=person.user).update(verified=False)
    address = EmailAddress.objects.get(user=person.user)

    for forged in [str(address.pk), f"{address.pk}:1abcde:forged", "MQ:1tXyZ:abc"]:
        client.post(reverse("account_confirm_email", args=[forged]))

    address.refresh_from_db()
    assert address.verified is False

    # the control: the signed key the email carries verifies it
    client.post(reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))
    address.refresh_from_db()
    assert address.verified is True


@pytest.mark.django_db
def test_a_forged_password_reset_key_offers_no_form_and_the_real_one_does(
    client: Client, member: Any
):
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    uid = user_pk_to_url_str(member)

    def reset_form(key: str) -> bool:
        url = reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": key})
        # allauth moves the key into the session and redirects to a key-free address
        response = client.get(url, follow=True)
        assert response.status_code == 200
        return 'name="password1"' in response.content.decode()

    assert reset_form("set-password") is False
    assert reset_form("1a2b3c-0123456789abcdef0123") is False
    # the control: the key the reset email carries
    assert reset_form(default_token_generator.make_token(member)) is True
