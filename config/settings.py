"""Pathways settings: one module, every deploy-specific value read from the environment.

With nothing set, Pathways runs as a local demo: SQLite in the project folder, Celery tasks
run eagerly in-process and mail goes to the console. Production sets DJANGO_DEBUG=0, a secret
key, allowed hosts, DATABASE_URL and CELERY_BROKER_URL (see README.md).
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is a convenience for development; production passes real variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str(
        "DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production"
    )
else:
    # No default in production: a missing key must stop the server, not weaken it.
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    if not SECRET_KEY:
        raise environ.ImproperlyConfigured("Set the DJANGO_SECRET_KEY environment variable.")

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # exclusion constraints on terms (and range lookups)
    # Third party
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.mediawiki",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    # Pathways
    "leadership",
    "plans",
    "reminders",
    "mentoring",
    "training",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Compresses pages for volunteers on slow connections; Django pads responses against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "leadership.middleware.ViewerTimezoneMiddleware",
    "leadership.middleware.RequireMfaMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: Postgres in production and tests; SQLite in the project folder for the local demo.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3's pool: connections are reused across requests within a worker process.
    DATABASES["default"].setdefault("OPTIONS", {})
    if env.bool("DATABASE_POOL", default=True):
        from psycopg_pool import ConnectionPool

        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN", default=1),
            "max_size": env.int("DATABASE_POOL_MAX", default=10),
            "timeout": 10,
            # Test each connection as it is handed out (one empty query) and replace a dead one:
            # after Postgres restarts, every pooled connection is dead, and without this each
            # would fail one request or task (tests/faults/ restarts the worker's connections).
            "check": ConnectionPool.check_connection,
        }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # No JIT compilation: it pays off on long analytical queries, while Pathways runs short
    # ones, and a query whose row estimate is far off (generate_series over each role's seats,
    # plans/selectors.py) spent 170 ms compiling for 30 ms of work in `make bench`.
    DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
    # Parameters sent apart from the SQL let psycopg prepare a statement once it has run five
    # times on a connection, so Postgres stops re-planning the same queries on every page
    # (1-1.5 ms a query in `make bench`). Safe with psycopg's own pool; behind PgBouncer in
    # transaction mode, which cannot keep prepared statements, set DATABASE_PREPARE_THRESHOLD=
    # (empty).
    _prepare_threshold = env.str("DATABASE_PREPARE_THRESHOLD", default="5")
    if _prepare_threshold:
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = int(_prepare_threshold)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Caches: Redis where configured (allauth's rate limits need a shared cache across workers).
CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL:
    CACHES = {
        "default": {
            # django-redis rather than Django's own backend: a Redis that is down or unreachable
            # must not take the pages down with it. Its errors are logged and read as misses
            # (pages are rendered afresh), each within 0.2 s (Redis is near). allauth's rate
            # limits then refuse signing in, up or a password reset (it cannot count attempts)
            # until Redis is back; everyone signed in carries on (sessions live in the database).
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "pathways",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.2,
                "SOCKET_TIMEOUT": 0.2,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts (django-allauth): log in by email, verified addresses, rate limits on the cache.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "leadership:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "leadership.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Pathways] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Behind a proxy, allauth must key its rate limits on the visitor's address from
# X-Forwarded-For, not on the proxy's (which every visitor would share).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Pathways"
# Staff and coordinators must set up two-factor authentication before using the app. On in
# production; the local demo turns it off so that the printed demo logins work as they are.
PATHWAYS_REQUIRE_MFA_FOR_STAFF = env.bool("PATHWAYS_REQUIRE_MFA_FOR_STAFF", default=not DEBUG)

SOCIALACCOUNT_ADAPTER = "leadership.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
MEDIAWIKI_CLIENT_ID = env.str("MEDIAWIKI_CLIENT_ID", default="")
MEDIAWIKI_CLIENT_SECRET = env.str("MEDIAWIKI_CLIENT_SECRET", default="")
MEDIAWIKI_REST_API = env.str("MEDIAWIKI_REST_API", default="https://meta.wikimedia.org/w/rest.php")
_WIKI_ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(MEDIAWIKI_REST_API))
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {
    "mediawiki": {
        "REST_API": MEDIAWIKI_REST_API,
        "USERPAGE_TEMPLATE": _WIKI_ORIGIN + "/wiki/User:{username}",
    }
}
if MEDIAWIKI_CLIENT_ID and MEDIAWIKI_CLIENT_SECRET:
    # The "Log in with Wikimedia" button appears only when the keys are configured.
    SOCIALACCOUNT_PROVIDERS["mediawiki"]["APPS"] = [
        {"name": "Wikimedia", "client_id": MEDIAWIKI_CLIENT_ID, "secret": MEDIAWIKI_CLIENT_SECRET}
    ]

# Internationalisation: every time stored in UTC and shown in the viewer's own time zone.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ar", "العربية"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("hi", "हिन्दी"),
    ("id", "Bahasa Indonesia"),
    ("pt-br", "Português (Brasil)"),
    ("sw", "Kiswahili"),
    ("zh-hans", "中文 (简体)"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "media/"

# Uploads. The only upload is the roles import's CSV (plans.forms.ImportForm, at most
# plans.csv_io.MAX_BYTES = 5 MB): it is read in the request and never stored, and no URL serves
# MEDIA_URL. A multipart request longer than PATHWAYS_UPLOAD_MAX_REQUEST_SIZE is answered 400
# unread (config/uploads.py says why); one a little over the CSV's limit still reaches the form,
# which says what the limit is. Anything within it is kept in memory, never on disk.
PATHWAYS_UPLOAD_MAX_REQUEST_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = PATHWAYS_UPLOAD_MAX_REQUEST_SIZE
FILE_UPLOAD_HANDLERS = [
    "config.uploads.RequestSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# The form fields of one request, files aside: Django's default, set here on purpose (a bigger
# body is answered 400 before any view runs).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# One file per request: no page takes more than the one CSV.
DATA_UPLOAD_MAX_NUMBER_FILES = 1

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: console in the local demo; SMTP in production, from EMAIL_URL
# (e.g. smtp+tls://user:pass@host:587).
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Pathways <pathways@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    _email = env.email_url("EMAIL_URL")
    MAILERS = {
        "default": {
            "BACKEND": _email["EMAIL_BACKEND"],
            "OPTIONS": {
                "host": _email["EMAIL_HOST"],
                "port": _email["EMAIL_PORT"],
                "username": _email["EMAIL_HOST_USER"],
                "password": _email["EMAIL_HOST_PASSWORD"],
                "use_tls": _email.get("EMAIL_USE_TLS", False),
                "use_ssl": _email.get("EMAIL_USE_SSL", False),
                "timeout": 15,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
# Emails are sent from a worker, with no request to take the host from: their links are built on
# this address (scheme and host, no trailing slash), e.g. https://pathways.example.org.
PATHWAYS_BASE_URL = env.str("PATHWAYS_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
_base = urlsplit(PATHWAYS_BASE_URL)
if _base.scheme not in ("http", "https") or not _base.netloc or _base.path:
    raise environ.ImproperlyConfigured(
        "PATHWAYS_BASE_URL must be a scheme and host, e.g. https://pathways.example.org."
    )

# Celery: Redis broker in production; with no broker, tasks run eagerly in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_RESULT_EXPIRES = None  # no results are kept, so beat needs no cleanup entry
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only after it ran, and re-queued if its worker dies mid-way: tasks are
# idempotent, so running one twice is safe, losing one is not.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Must exceed the longest task, or Redis re-delivers a task that is still running.
    "visibility_timeout": CELERY_TASK_TIME_LIMIT * 2,
}
# A request hands work to the broker once, after its commit (leadership/queue.py): a broker that
# is down costs the page at most this long, and the work waits in the database for its sweep.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BEAT_SCHEDULER = "config.beat:PathwaysScheduler"
# How long a reminder sweep holds the rows it claimed (reminders/services.py, LEASE, says why ten
# minutes: longer than the hard time limit above). Only the fault tests (tests/faults/) shorten
# it, to see a killed worker's rows sent again within seconds.
PATHWAYS_REMINDER_LEASE_SECONDS = env.int("PATHWAYS_REMINDER_LEASE_SECONDS", default=600)
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Security. Production values make `check --deploy --fail-level WARNING` pass cleanly.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    # "Log in with Wikimedia" posts here and is redirected to the wiki's login pages.
    "form-action": [CSP.SELF, _WIKI_ORIGIN, "https://auth.wikimedia.org"],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Pathways' own values.
PATHWAYS_COORDINATORS_GROUP = "Coordinators"
PATHWAYS_PAGE_SIZE = 25
