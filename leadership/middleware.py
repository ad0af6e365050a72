from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from .models import Person
from .rules import is_coordinator

SESSION_TZ_KEY = "pathways_tz"


def remember_time_zone(request: HttpRequest, tz_name: str) -> None:
    """Keep the viewer's time zone in their session so pages need no query to find it."""
    request.session[SESSION_TZ_KEY] = tz_name
    timezone.activate(ZoneInfo(tz_name))


class ViewerTimezoneMiddleware:
    """Show every time in the viewer's own time zone (from their profile), UTC otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tz = self._viewer_time_zone(request)
        if tz is None:
            timezone.deactivate()
        else:
            timezone.activate(tz)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    @staticmethod
    def _viewer_time_zone(request: HttpRequest) -> ZoneInfo | None:
        if not request.user.is_authenticated:
            return None
        tz_name = request.session.get(SESSION_TZ_KEY)
        if tz_name is None:
            found = Person.objects.filter(user=request.user).values_list("time_zone", flat=True)
            tz = next(iter(found), None)
            tz_name = str(tz) if tz else "UTC"
            request.session[SESSION_TZ_KEY] = tz_name
        try:
            return ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            return None


class RequireMfaMiddleware:
    """Staff and coordinators must set up two-factor authentication before anything else.

    Governed by PATHWAYS_REQUIRE_MFA_FOR_STAFF: on in production, off in the local demo.
    """

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.PATHWAYS_REQUIRE_MFA_FOR_STAFF
            and request.user.is_authenticated
            and not request.path_info.startswith(self.ALLOWED_PREFIXES)
            and (request.user.is_staff or is_coordinator(request.user))
        ):
            from allauth.mfa.models import Authenticator

            has_totp = Authenticator.objects.filter(
                user=request.user, type=Authenticator.Type.TOTP
            ).exists()
            if not has_totp:
                # allauth's activation page does not follow a `next`; it ends on the MFA overview.
                return redirect("mfa_activate_totp")
        return self.get_response(request)
