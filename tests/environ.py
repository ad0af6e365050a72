"""The environment for tests that start the app in a subprocess."""

import os

# Prefixes of every variable the settings read: none may leak in from the shell or the test run
# (whose DATABASE_URL points at a test database and whose settings module is the test one).
SETTINGS_PREFIXES = (
    "DJANGO_",
    "DATABASE_",
    "CELERY_",
    "CACHE_",
    "EMAIL_",
    "PATHWAYS_",
    "MEDIAWIKI_",
    "ALLAUTH_",
)


def environ_without_settings() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS_PREFIXES)}
