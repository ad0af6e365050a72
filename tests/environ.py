"""The environment for tests that start the app in a subprocess."""

import os
from urllib.parse import quote

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


def this_tests_database_url() -> str:
    """The running test's own database, as a DATABASE_URL for a process the test starts."""
    from django.db import connection

    db = connection.settings_dict
    return (
        f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}@"
        f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


# The production settings as a deployment sets them (README), for the deploy check and the
# security headers (tests/test_deploy_check.py, tests/security/test_sessions_and_headers.py).
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3y-for-the-deploy-check-only-Zx8#qLp2@Wn5$Rt7&Vb9*Mc4!Hd6^Jf1",
    "DJANGO_ALLOWED_HOSTS": "pathways.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/pathways_deploycheck",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    # Production sends mail (README's deployment sets it); without it mail goes to the console
    # and Django's deploy check stops with mail.E001.
    "EMAIL_URL": "smtp+tls://pathways:mail-password@smtp.example.org:587",
}
