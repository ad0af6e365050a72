"""Test settings: Postgres like production, fast hashing, eager Celery, real cache."""

from .settings import *  # noqa: F403
from .settings import env

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/pathways"),
}
# The same statement handling as production (see settings.py), so that every query the tests run
# is known to work with parameters bound on the server.
DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = ""
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PATHWAYS_REQUIRE_MFA_FOR_STAFF = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
ACCOUNT_RATE_LIMITS = False
# Serve static files from the finders, as in development: no collectstatic before tests.
WHITENOISE_AUTOREFRESH = True
