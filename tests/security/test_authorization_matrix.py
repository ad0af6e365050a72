"""Every URL x every fixture user x GET and POST answers as the matrix (tests/security/matrix.py)
says, a refused request writes nothing, and no page shows anybody a private word that is not
theirs (world.SECRET_READERS: community B's plan, the pair's check-in notes, a coaching summary,
the coach's private note).

The world is built once per module (tests/security/world.py) and every cell runs in a savepoint
rolled back after it, so that one user's allowed POST (an engagement paused) does not change what
the next user finds. "Writes nothing" is read from Postgres' own counters of the rows this
transaction inserted, updated and deleted (pg_stat_xact_user_tables), which count a write even when
it was rolled back: a view that writes and then refuses fails too.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.db import rows_written
from tests.security.matrix import MATRIX, READ, Entry, ReadOnly
from tests.security.world import SECRET_READERS, USERS, World

# URL prefixes whose patterns come from libraries, each with tests of its own below and in
# tests/security/test_accounts_and_admin.py.
LIBRARY_PREFIXES = ("admin/", "accounts/")


def named_patterns(patterns: list[Any] | None = None, namespace: str = "") -> Iterator[str]:
    """The name (with its namespace) of every URL pattern of ours."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith(LIBRARY_PREFIXES):
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            if str(pattern.pattern).startswith(LIBRARY_PREFIXES):
                continue  # the Wikimedia login's guarded patterns (config/urls.py)
            assert pattern.name, f"The URL pattern {pattern.pattern} has no name."
            yield namespace + pattern.name


def test_every_url_pattern_has_an_entry_in_the_matrix_and_every_entry_a_pattern():
    patterns = list(named_patterns())

    assert len(patterns) == len(set(patterns)), "two URL patterns share a name"
    assert set(patterns) - set(MATRIX) == set(), "add these URLs to tests/security/matrix.py"
    assert set(MATRIX) - set(patterns) == set(), "these matrix entries name no URL any more"


def expected(entry: Entry, user: str, method: str) -> set[int]:
    """The statuses the cell may answer with."""
    # The order of Django's own checks: signing in (middleware), the method (the view's
    # decorator), then the view's own.
    if user == "anonymous" and not entry.public:
        return {302}
    allowed = entry.get if method == "GET" else entry.post
    if allowed is READ:
        allowed = entry.get
    if allowed is None:
        return {405}
    if user not in entry.see and not entry.public:
        return {404}
    assert not isinstance(allowed, ReadOnly)
    if user not in allowed:
        return {403}
    if method == "GET":
        return {entry.ok_get}
    if entry.post is READ:
        return {entry.ok_get}
    return {200, 302}


# The pages whose GET writes, and why: every other GET must write nothing, so that no link, image
# or prefetch can change anything (and no change escapes the CSRF check).
WRITING_GETS = {
    # A scope's figures computed on its first visit (a community created since the last run).
    "dashboards:movement",
    "dashboards:region",
    "dashboards:community",
    "dashboards:movement-csv",
    "dashboards:region-csv",
    "dashboards:community-csv",
    # The viewer's own calendar key, made on their first visit.
    "training:feed-settings",
}


def may_write(name: str, entry: Entry, user: str, method: str) -> bool:
    """Whether this cell may write: an allowed POST that is not a read, or a GET listed above."""
    refused = (user == "anonymous" and not entry.public) or expected(entry, user, method) <= {
        403,
        404,
        405,
    }
    if refused:
        return False
    if method == "GET":
        return name in WRITING_GETS
    return entry.post is not READ


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_url_answers_each_user_as_the_matrix_says(
    db: None, world: World, name: str, django_capture_on_commit_callbacks: Any
):
    entry = MATRIX[name]
    url = reverse(name, kwargs=entry.kwargs(world))
    clients = {}
    for user in USERS:
        clients[user] = Client()
        if world.users[user] is not None:
            clients[user].force_login(world.users[user])

    wrong = []
    for user in USERS:
        for method in ("GET", "POST"):
            # The work a request would hand to Celery after its commit is caught too: a refusal
            # must leave none.
            with (
                transaction.atomic(),
                django_capture_on_commit_callbacks(execute=False) as after_commit,
            ):
                before = rows_written()
                if method == "GET":
                    response = clients[user].get(url)
                else:
                    response = clients[user].post(url, {})
                written = rows_written() - before
                transaction.set_rollback(True)
            want = expected(entry, user, method)
            if response.status_code not in want:
                wrong.append(f"{user} {method}: {response.status_code}, expected {sorted(want)}")
            elif (
                want == {302}
                and user == "anonymous"
                and not entry.public
                and not response["Location"].startswith("/accounts/login/")
            ):
                wrong.append(f"{user} {method}: redirected to {response['Location']}")
            if response.status_code == 200:
                content = response.content.decode(errors="replace")
                wrong += [
                    f"{user} {method}: shows {secret}, which is not theirs to read"
                    for secret, readers in SECRET_READERS.items()
                    if secret in content and user not in readers
                ]
            if (written or after_commit) and not may_write(name, entry, user, method):
                wrong.append(
                    f"{user} {method} ({response.status_code}) may write nothing, but wrote "
                    f"{written} rows and left {len(after_commit)} callbacks for after the commit"
                )

    assert not wrong, f"{name} ({url}):\n" + "\n".join(wrong)
