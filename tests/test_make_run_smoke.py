"""The `make run` path: a fresh SQLite file, migrate, seed, and the main pages for the demo logins.

Runs the real settings (not the test settings) in subprocesses, as `make run` does: DEBUG from its
default, no broker, PBKDF2 passwords. It needs no Postgres, so it asks for no `db` fixture.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from leadership.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.environ import environ_without_settings

BASE_DIR = Path(__file__).resolve().parent.parent

# Logs in with the printed passwords, then prints {page: status code} as JSON.
RENDER_MAIN_PAGES = """
import json, sys
import django
django.setup()
from django.test import Client
from leadership.models import Person

email, admin_email, password = sys.argv[1:4]
statuses = {}
organiser = Client(HTTP_HOST="127.0.0.1")
assert organiser.login(username=email, password=password), "the organiser's login failed"
member = Person.objects.get(user__email="member@example.org")
for name, url in [
    ("home", "/"),
    ("community list", "/communities/"),
    ("community detail", "/communities/wikimedia-demo-chapter/"),
    ("person detail", member.get_absolute_url()),
    ("profile edit", "/profile/edit/"),
    ("profile languages", "/profile/edit/languages/"),
    ("profile skills", "/profile/edit/skills/"),
]:
    statuses[name] = organiser.get(url).status_code
admin = Client(HTTP_HOST="127.0.0.1")
assert admin.login(username=admin_email, password=password), "the admin's login failed"
statuses["admin index"] = admin.get("/admin/").status_code
print(json.dumps(statuses))
"""


def email_of(key: str) -> str:
    return next(email for k, email, *_rest in DEMO_ACCOUNTS if k == key)


@pytest.fixture
def run_in_demo(tmp_path: Path):
    env = environ_without_settings()
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    return run


def test_make_run_migrates_seeds_and_serves_the_main_pages_on_sqlite(run_in_demo, tmp_path):
    # when: the steps of `make run` before runserver
    run_in_demo("manage.py", "migrate", "--no-input")
    seeded = run_in_demo("manage.py", "seed_demo", "--scale", "small")

    # then: the database is the temporary file, and the four logins are printed
    assert (tmp_path / "db.sqlite3").stat().st_size > 0
    printed = [line.split()[:3] for line in seeded.stdout.splitlines() if "password:" in line]
    assert printed == [[email, "password:", DEMO_PASSWORD] for _k, email, *_rest in DEMO_ACCOUNTS]

    # when: the organiser (and then the admin) logs in with the printed password
    rendered = run_in_demo(
        "-c", RENDER_MAIN_PAGES, email_of("organiser"), email_of("admin"), DEMO_PASSWORD
    )

    # then
    assert json.loads(rendered.stdout.strip().splitlines()[-1]) == {
        "home": 200,
        "community list": 200,
        "community detail": 200,
        "person detail": 200,
        "profile edit": 200,
        "profile languages": 200,
        "profile skills": 200,
        "admin index": 200,
    }
