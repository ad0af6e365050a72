"""The plan pages and jobs that `make bench` measures (see bench/README.md).

Imported only by the bench, which resolves each path in the database it measures.
"""

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from bench.registry import BenchContext, BenchError, register_job, register_page

from .models import LeadershipPlan, PlanStatus
from .selectors import seats_at_risk_across

# The demo's coordinator (seed_demo's DEMO_ACCOUNTS), who sees every community.
COORDINATOR_EMAIL = "coordinator@example.org"


def _bench_users_plan(ctx: BenchContext) -> LeadershipPlan:
    """The published plan of the bench user's community with the most roles and terms."""
    plan = (
        LeadershipPlan.objects.filter(
            status=PlanStatus.PUBLISHED, community__memberships__person=ctx.person
        )
        .annotate(terms=Count("community__roles__terms"))
        .order_by("-terms", "pk")
        .first()
    )
    if plan is None:
        raise BenchError(f"{ctx.user} belongs to no community with a published plan.")
    return plan


register_page("plan", lambda ctx: _bench_users_plan(ctx).get_absolute_url())
register_page(
    "plan timeline",
    lambda ctx: reverse("plans:plan-timeline", kwargs={"pk": _bench_users_plan(ctx).pk}),
)
register_page(
    "community plans and roles",
    lambda ctx: reverse(
        "plans:community-plans", kwargs={"slug": _bench_users_plan(ctx).community.slug}
    ),
)
register_page("seats at risk (the bench user's communities)", lambda ctx: reverse("plans:at-risk"))
# Every community's seats: what a coordinator sees.
register_page(
    "seats at risk (all communities, a coordinator)",
    lambda ctx: reverse("plans:at-risk"),
    user_email=COORDINATOR_EMAIL,
)


def _at_risk_everywhere() -> object:
    """What a coordinator's page of seats at risk costs: one page over every community."""
    page = seats_at_risk_across(communities=None, now=timezone.now())
    if not page.items:
        raise BenchError("No seat at risk in any community: is the database seeded?")
    return page


register_job("seats at risk across all communities, page 1", "large", _at_risk_everywhere)
