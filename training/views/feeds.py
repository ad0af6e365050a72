"""Calendar feeds (.ics) and the page of a person's calendar key.

The feeds are read by calendar apps, which have no session: the programme and community feeds
are public (drafts excepted, online links left out), the personal feed is behind its secret key.
Apps poll them every few minutes to hours, so each answer carries an ETag (a 304 costs no
transfer) and a short Cache-Control.
"""

import hashlib
import re
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from leadership.fragments import NAMES, fragment_key
from leadership.selectors import person_required

from .. import feeds
from ..fragments import TRAINING
from ..selectors import feeds as selectors
from ..services.feeds import feed_token_get_or_create, feed_token_regenerate

# How long a calendar app (or a proxy, for public feeds) may keep a feed before asking again:
# short, so that a moved session shows within minutes.
MAX_AGE_SECONDS = 5 * 60
# DTSTAMP is the time of the answer; it is left out of the ETag so that an unchanged feed keeps it.
_DTSTAMP_LINE = re.compile(rb"^DTSTAMP:[^\r\n]*\r\n", re.MULTILINE)


# A cached feed lives at most this long, whatever happens (leadership/fragments.py).
CACHE_SECONDS = 3600


def _cached(request: HttpRequest, *parts: object, build: Callable[[], bytes]) -> bytes:
    """The feed's body from the cache of page content, built afresh once the schedule changed.

    Building a feed of 1,000 events takes icalendar about a second; calendar apps ask for the
    same feed again and again, and public feeds are the same for everyone.
    """
    key = "training-feed:" + fragment_key(
        request.scheme, request.get_host(), *parts, scopes=[TRAINING, (NAMES, None)]
    )
    body: bytes | None = cache.get(key)
    if body is None:
        body = build()
        cache.set(key, body, CACHE_SECONDS)
    return body


def _calendar_response(
    request: HttpRequest, body: bytes, *, filename: str, private: bool
) -> HttpResponse:
    digest = hashlib.sha256(_DTSTAMP_LINE.sub(b"", body)).hexdigest()[:32]
    etag = f'"{digest}"'
    not_modified = get_conditional_response(request, etag=etag)
    response = not_modified or HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response.headers["ETag"] = etag
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    if private:
        # The address is the secret: neither shared caches nor search engines keep it.
        patch_cache_control(response, private=True, max_age=MAX_AGE_SECONDS)
        response.headers["X-Robots-Tag"] = "noindex"
    else:
        patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)
    return response


@login_not_required
@require_safe
def programme_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_for_feed(pk=pk)
    body = _cached(
        request,
        "programme",
        programme,
        build=lambda: feeds.public_calendar(
            name=programme.title,
            sessions=selectors.programme_feed_sessions(programme=programme),
            absolute=request.build_absolute_uri,
            stamp=timezone.now(),
        ),
    )
    return _calendar_response(
        request, body, filename=f"training-programme-{programme.pk}.ics", private=False
    )


@login_not_required
@require_safe
def community_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.community_for_feed(slug=slug)
    body = _cached(
        request,
        "community",
        community,
        build=lambda: feeds.public_calendar(
            name=_("Trainings of %(community)s") % {"community": community.name},
            sessions=selectors.community_feed_sessions(community=community),
            absolute=request.build_absolute_uri,
            stamp=timezone.now(),
        ),
    )
    return _calendar_response(
        request, body, filename=f"trainings-{community.slug}.ics", private=False
    )


@login_not_required
@require_safe
def personal_calendar(request: HttpRequest, token: str) -> HttpResponse:
    person = selectors.feed_token_owner(token=token)
    body = feeds.personal_calendar(
        name=_("My trainings"),
        enrolments=selectors.personal_feed_enrolments(person=person),
        absolute=request.build_absolute_uri,
        stamp=timezone.now(),
    )
    return _calendar_response(request, body, filename="my-trainings.ics", private=True)


def feed_settings(request: HttpRequest) -> HttpResponse:
    person = person_required(user=request.user)
    token = feed_token_get_or_create(person=person)
    feed_url = request.build_absolute_uri(
        reverse("training:personal-calendar", kwargs={"token": token.token})
    )
    context = {
        "feed_url": feed_url,
        # webcal:// opens the address in the viewer's calendar app as a subscription.
        "webcal_url": re.sub(r"^https?://", "webcal://", feed_url),
    }
    response = render(request, "training/feed_settings.html", context)
    # The page shows the secret: no cache keeps it, no link on it carries it as a referrer.
    patch_cache_control(response, private=True, no_store=True)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
def feed_regenerate(request: HttpRequest) -> HttpResponse:
    feed_token_regenerate(person=person_required(user=request.user))
    messages.success(
        request,
        _(
            "Your calendar has a new address. The old one no longer works: subscribe again with "
            "the new one."
        ),
    )
    return redirect("training:feed-settings")
