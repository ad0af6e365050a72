from allauth.account.decorators import secure_admin_login
from allauth.socialaccount.providers.mediawiki import views as wikimedia
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from leadership.adapters import only_when_wikimedia_is_configured

# The admin signs in through allauth, so its rate limits and two-factor step protect it too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Pathways administration"
admin.site.site_title = "Pathways"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before allauth's own patterns of the same names: 404 rather than a server error while the
    # Wikimedia login has no keys.
    path(
        "accounts/mediawiki/login/",
        only_when_wikimedia_is_configured(wikimedia.oauth2_login),
        name="mediawiki_login",
    ),
    path(
        "accounts/mediawiki/login/callback/",
        only_when_wikimedia_is_configured(wikimedia.oauth2_callback),
        name="mediawiki_callback",
    ),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("", include("leadership.urls")),
    path("", include("plans.urls")),
    path("", include("reminders.urls")),
    path("", include("mentoring.urls")),
    path("", include("training.urls")),
    path("", include("leadership.dashboards.urls")),
    path("", include("leadership.coaching.urls")),
]
