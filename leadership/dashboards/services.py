"""Writes of the dashboards: refreshing the snapshots. Called by the hourly Celery task, by the
"refresh" button (through the same task) and, for a scope never computed, by its first page."""

import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from leadership.queue import enqueue_on_commit
from leadership.services import LeadershipError

from .compute import LEVELS, SECTIONS, compute_level
from .models import DashboardSnapshot

# Upserts per statement: a thousand communities' snapshots in a few statements, each a few
# hundred kilobytes of JSON at most.
BATCH_SIZE = 200
# A scope refreshed this recently is not refreshed again on request: the figures change slowly
# and each refresh of the movement reads every table.
REFRESH_AT_MOST_EVERY = timedelta(minutes=5)


class DashboardError(LeadershipError):
    """A dashboard action refused for a reason the person can act on."""


# Representation is recomputed once a day, at a fixed hour, never on request: each refresh is a
# chance to compare two publications, and a rounded figure that moves between two refreshes
# can hint at the answer of someone who joined or left in between. Once a day, whatever anyone
# asks, makes such a comparison as coarse as the day's comings and goings.
HOURLY_SECTIONS = tuple(name for name in SECTIONS if name != "representation")
DAILY_SECTIONS = ("representation",)


def snapshots_refresh(
    *,
    today: date,
    now: datetime,
    level: str | None = None,
    key: str | None = None,
    sections: Sequence[str] | None = None,
) -> int:
    """Compute the figures of `level` (every level if None; only scope `key` if given), every
    section or the `sections` named (the others keep their last figures), and keep them.
    Idempotent: run twice, the second run writes the same figures again. Returns how many
    snapshots were written."""
    written = 0
    for each in [level] if level else list(LEVELS):
        started = time.perf_counter()
        figures = compute_level(each, today, key, sections)
        seconds = time.perf_counter() - started
        if sections is not None:
            kept = DashboardSnapshot.objects.filter(level=each)
            if key is not None:
                kept = kept.filter(key=key)
            previous = dict(kept.values_list("key", "data"))
            figures = {
                scope: {**previous.get(scope, {}), **data} for scope, data in figures.items()
            }
        rows = [
            DashboardSnapshot(
                level=each, key=scope, as_of=today, computed_at=now, seconds=seconds, data=data
            )
            for scope, data in figures.items()
        ]
        with transaction.atomic():
            for start in range(0, len(rows), BATCH_SIZE):
                DashboardSnapshot.objects.bulk_create(
                    rows[start : start + BATCH_SIZE],
                    update_conflicts=True,
                    unique_fields=["level", "key"],
                    update_fields=["as_of", "computed_at", "seconds", "data"],
                )
        written += len(rows)
    return written


def snapshot_refresh_request(*, level: str, key: str, now: datetime) -> None:
    """Ask for one scope's figures to be computed again soon (by the Celery task, on commit).

    Raises DashboardError if they were computed in the last few minutes.
    """
    from leadership.tasks import dashboards_refresh_task

    latest = (
        DashboardSnapshot.objects.filter(level=level, key=key)
        .values_list("computed_at", flat=True)
        .first()
    )
    if latest is not None and now - latest < REFRESH_AT_MOST_EVERY:
        raise DashboardError(
            _("These figures were computed %(minutes)s minutes ago: they are up to date.")
            % {"minutes": max(int((now - latest).total_seconds() // 60), 0)}
        )
    # Redis down: the request is given up (logged); the hourly refresh brings the figures.
    enqueue_on_commit(dashboards_refresh_task, level=level, key=key, sections=list(HOURLY_SECTIONS))


def snapshot_ensure(*, level: str, key: str) -> DashboardSnapshot:
    """The scope's snapshot, computed now if it has none yet (a new community's first visit)."""
    snapshot = DashboardSnapshot.objects.filter(level=level, key=key).first()
    if snapshot is None:
        now = timezone.now()
        snapshots_refresh(today=now.date(), now=now, level=level, key=key)
        snapshot = DashboardSnapshot.objects.get(level=level, key=key)
    return snapshot
