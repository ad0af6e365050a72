"""The dashboards that `make bench` measures (see bench/README.md): every dashboard at the
community, region and movement levels, and the job that computes all their figures.

The pages read one snapshot each; the job is the hourly Celery task's work, all levels, against
the large database (its snapshots are written: the next run's figures are the same).
"""

from django.urls import reverse
from django.utils import timezone

from bench.registry import BenchContext, BenchError, register_job, register_page
from leadership.models import Community

from .services import snapshots_refresh

COORDINATOR_EMAIL = "coordinator@example.org"
DEMO_COMMUNITY = "Wikimedia Demo Chapter"


def _demo_chapter(ctx: BenchContext) -> Community:
    community = Community.objects.filter(name=DEMO_COMMUNITY).first()
    if community is None:
        raise BenchError("No demo chapter: is the database seeded?")
    return community


register_page(
    "dashboard of a community",
    lambda ctx: reverse("dashboards:community", kwargs={"slug": _demo_chapter(ctx).slug}),
)
register_page(
    "dashboard of a region",
    lambda ctx: reverse("dashboards:region", kwargs={"region": _demo_chapter(ctx).region}),
    user_email=COORDINATOR_EMAIL,
)
register_page(
    "dashboard of the movement",
    lambda ctx: reverse("dashboards:movement"),
    user_email=COORDINATOR_EMAIL,
)


def _refresh_all() -> dict[str, int]:
    now = timezone.now()
    return {"snapshots": snapshots_refresh(today=now.date(), now=now)}


register_job("dashboards: every level's figures", "large", _refresh_all)
