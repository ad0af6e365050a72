"""Writes of the personal calendar keys (the secret in a personal feed's address)."""

import secrets

from django.db import transaction

from leadership.models import Person

from ..models import FeedToken

# 32 random bytes: 43 URL-safe characters, far beyond guessing, within the key's 64.
TOKEN_BYTES = 32


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def feed_token_get_or_create(*, person: Person) -> FeedToken:
    """The person's calendar key, made on first use; two first uses at once share one key."""
    # get_or_create retries the read when the other request's insert wins the unique person.
    token, _created = FeedToken.objects.get_or_create(
        person=person, defaults={"token": _new_token()}
    )
    return token


def feed_token_regenerate(*, person: Person) -> FeedToken:
    """Replace the person's calendar key: the old address stops working at once."""
    with transaction.atomic():
        # The person's row lock: two regenerations at once would both delete the old key and
        # then collide on inserting a new one for the same person.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        FeedToken.objects.filter(person=person).delete()
        return FeedToken.objects.create(person=person, token=_new_token())
