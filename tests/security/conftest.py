"""The world of the security tests (tests/security/world.py): built once per module that asks for
it, inside a transaction rolled back at the module's end; each test, and each request in it,
runs in a savepoint of its own."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.security.world import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
