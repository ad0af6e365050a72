"""Keyset ("cursor") pagination: no COUNT and no OFFSET over large tables.

A page is fetched with `WHERE (sort key) > (last key seen) ORDER BY sort key LIMIT size + 1`, so
page 400 of a long list costs what page 1 costs. The cursor is an opaque, signed token holding the
boundary row's key and the direction of travel.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import Model, Q, QuerySet

# Signed without a timestamp: the same page always has the same link, so that its rendering can
# be cached by what it shows (see fragments.py) and a shared link still works in a year.
_SALT = "pathways.keyset"


def _salt(fields: Sequence[str]) -> str:
    """Cursors of one ordering only: a cursor pasted from a list sorted by name into one sorted by
    date is not a date, and must not reach the query (it would be refused there, a 500)."""
    return f"{_SALT}:{','.join(fields)}"


@dataclass(frozen=True)
class KeysetPage[T: Model]:
    items: list[T]
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def _name(field: str) -> str:
    return field.removeprefix("-")


def _flip(field: str) -> str:
    """The same field in the opposite order."""
    return _name(field) if field.startswith("-") else f"-{field}"


def _key_of(obj: Any, fields: Sequence[str]) -> list[Any]:
    values = []
    for field in fields:
        value: Any = obj
        for part in _name(field).split("__"):
            value = getattr(value, part)
        # Cursors are JSON: dates travel as ISO strings, which the ORM compares as dates.
        values.append(value.isoformat() if hasattr(value, "isoformat") else value)
    return values


def _after(fields: Sequence[str], values: Sequence[Any], *, reverse: bool) -> Q:
    """Rows strictly after `values` in the order of `fields` ("-name" descending; before if
    reverse)."""

    def op(field: str) -> str:
        return "lt" if field.startswith("-") != reverse else "gt"

    names = [_name(f) for f in fields]
    condition = Q()
    for i, field in enumerate(fields):
        equal_prefix = Q(**dict(zip(names[:i], values[:i], strict=True)))
        condition |= equal_prefix & Q(**{f"{names[i]}__{op(field)}": values[i]})
    # Implied by the OR above, but Postgres can start an index scan only at a plain bound: without
    # it, page N walks the index from the first row and filters out the N-1 pages before it.
    return Q(**{f"{names[0]}__{op(fields[0])}e": values[0]}) & condition


def keyset_paginate[T: Model](
    queryset: QuerySet[T], *, fields: Sequence[str], cursor: str | None, size: int
) -> KeysetPage[T]:
    """One page of `queryset` ordered by `fields` (the last must be unique, e.g. "pk"; a leading
    "-" sorts that field in descending order).

    An invalid or tampered cursor gives the first page rather than an error: cursors come from
    links people bookmark and share.
    """
    direction, values = "next", None
    if cursor:
        try:
            direction, values = signing.Signer(salt=_salt(fields)).unsign_object(cursor)
        except (signing.BadSignature, ValueError, TypeError):
            direction, values = "next", None
        if (
            direction not in ("next", "prev")
            or not isinstance(values, list)
            or len(values) != len(fields)
        ):
            direction, values = "next", None
    backwards = direction == "prev" and values is not None
    order = [_flip(f) if backwards else f for f in fields]
    qs = queryset.order_by(*order)
    if values is not None:
        qs = qs.filter(_after(fields, values, reverse=backwards))
    rows = list(qs[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    def token(kind: str, obj: T) -> str:
        return signing.Signer(salt=_salt(fields)).sign_object(
            [kind, _key_of(obj, fields)], compress=True
        )

    next_cursor = previous_cursor = None
    if rows:
        if has_more or backwards:
            next_cursor = token("next", rows[-1])
        if values is not None and (has_more or not backwards):
            previous_cursor = token("prev", rows[0])
    return KeysetPage(items=rows, next_cursor=next_cursor, previous_cursor=previous_cursor)
