"""allauth adapters: every new account gets its Person profile in the same transaction."""

import functools
from collections.abc import Callable
from typing import Any, cast

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse

from .models import Person
from .services import person_create_for_user


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit:
                person_create_for_user(user=user)
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form)
            username = (sociallogin.account.extra_data or {}).get("username", "")
            person = person_create_for_user(user=user, display_name=username)
            # A username someone else typed into their profile is not taken over here: the
            # login must not fail on it; coordinators can sort out the clash in the admin.
            claimed = Person.objects.filter(wiki_username__iexact=username).exists()
            if username and not person.wiki_username and not claimed:
                person.wiki_username = username
                person.save(update_fields=["wiki_username"])
        return user


def wikimedia_configured() -> bool:
    """Whether "Log in with Wikimedia" has its keys: from the settings (MEDIAWIKI_CLIENT_ID and
    _SECRET), or as a social application an admin added in the admin."""
    from allauth.socialaccount.models import SocialApp

    if settings.SOCIALACCOUNT_PROVIDERS.get("mediawiki", {}).get("APPS"):
        return True
    return SocialApp.objects.filter(provider="mediawiki").exists()


def only_when_wikimedia_is_configured[V: Callable[..., HttpResponse]](view: V) -> V:
    """The Wikimedia login's pages answer 404 until its keys are set: allauth's own views would
    fail with a server error (SocialApp.DoesNotExist) for anyone who opens the address."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not wikimedia_configured():
            raise Http404
        return view(request, *args, **kwargs)

    return cast(V, guarded)
