"""Production settings: Django's deploy check passes cleanly, a missing secret stops the start, and
every page carries a nonce-based Content-Security-Policy."""

import re
import subprocess
import sys
from pathlib import Path

from django.test import Client

from tests.environ import PRODUCTION_ENV, environ_without_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = environ_without_settings()
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_production_settings_pass_the_deploy_check_without_a_single_warning():
    # given
    assert len(PRODUCTION_ENV["DJANGO_SECRET_KEY"]) >= 50

    # when
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    # then
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in output


def test_the_deploy_check_fails_when_a_production_setting_is_weakened():
    # The clean pass above means something only if this harness notices a warning.
    weakened = {**PRODUCTION_ENV, "DJANGO_SECURE_SSL_REDIRECT": "0"}

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=weakened)

    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


def test_the_production_settings_refuse_to_start_without_a_secret_key():
    # given
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}

    # when
    result = manage("check", env=env)

    # then
    assert result.returncode != 0
    assert "ImproperlyConfigured: Set the DJANGO_SECRET_KEY environment variable" in result.stderr


def csp_nonce(header: str) -> str:
    """The one nonce in the header's script-src directive."""
    for part in header.split(";"):
        directive, _space, sources = part.strip().partition(" ")
        if directive == "script-src":
            nonces = re.findall(r"'nonce-([^']+)'", sources)
            assert len(nonces) == 1, header
            return nonces[0]
    raise AssertionError(f"No script-src in {header!r}")


def test_a_page_carries_a_nonce_based_csp_that_its_script_tags_follow(settings, client: Client):
    # given: DEBUG off as in production (pytest-django's default, unless --django-debug-mode);
    # the anonymous home page needs no database
    settings.DEBUG = False

    # when
    first = client.get("/")
    second = client.get("/")

    # then
    assert first.status_code == 200
    header = first.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    nonce = csp_nonce(header)
    script_nonces = [
        found[1] if (found := re.search(r'nonce="([^"]*)"', tag)) else None
        for tag in re.findall(r"<script\b[^>]*>", first.content.decode())
    ]
    assert script_nonces == [nonce, nonce, nonce]  # Bootstrap, htmx and ours
    # A nonce is good for one response only.
    assert csp_nonce(second.headers["Content-Security-Policy"]) != nonce
