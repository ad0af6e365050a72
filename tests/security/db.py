"""What a request wrote, or left changed, in the database, read from Postgres itself.

`rows_written()` counts every row a transaction inserted, updated
or deleted, even inside a savepoint that was rolled back: a refusal must not even try to write.
A form that tries and is refused by a constraint (a duplicate, caught and shown as a form error)
did try, though it left nothing: `changes()` tells those apart, by comparing the content of each
table the request touched with what it holds once the request is rolled back.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction


def rows_written() -> int:
    """Rows inserted, updated or deleted by this transaction so far, sessions aside (signing in
    writes the session, and so may a message shown on the next page)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
            " FROM pg_stat_xact_user_tables WHERE relname <> 'django_session'"
        )
        (count,) = cursor.fetchone()
    return int(count)


def _counters() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
            " WHERE relname <> 'django_session'"
        )
        return {name: int(count) for name, count in cursor.fetchall()}


def _digests(tables: list[str]) -> dict[str, str]:
    digests = {}
    with connection.cursor() as cursor:
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), ''))"  # noqa: S608
                f" FROM {quoted} AS t"
            )
            digests[table] = cursor.fetchone()[0]
    return digests


@dataclass
class Changes:
    tables: list[str] = field(default_factory=list)  # tables whose content the request changed


@contextmanager
def changes() -> Iterator[Changes]:
    """Run the block in a savepoint rolled back after it; then `.tables` names the tables whose
    content it changed (a write rolled back inside it changes nothing)."""
    found = Changes()
    with transaction.atomic():
        before = _counters()
        with transaction.atomic():
            yield found
            touched = [t for t, count in _counters().items() if count != before.get(t, 0)]
            after = _digests(touched)
            transaction.set_rollback(True)
        rolled_back = _digests(touched)
        found.tables = [t for t in touched if after[t] != rolled_back[t]]
        transaction.set_rollback(True)
