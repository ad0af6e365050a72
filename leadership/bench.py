"""The leadership pages that `make bench` measures (see bench/README.md).

Imported only by the bench, which resolves each path in the database it measures.
"""

from django.db.models import Count
from django.urls import reverse

from bench.registry import BenchContext, BenchError, register_page

from .models import Community, Membership, Person


def _largest_community() -> Community:
    """The community with the most members: the longest member list."""
    community = (
        Community.objects.annotate(size=Count("memberships")).order_by("-size", "pk").first()
    )
    if community is None:
        raise BenchError("No community: is the database seeded?")
    return community


def _fellow_member(ctx: BenchContext) -> Person:
    """Someone who shares a community with the bench user, and belongs to the most communities."""
    mine = Membership.objects.filter(person=ctx.person).values("community_id")
    fellows = (
        Membership.objects.filter(community_id__in=mine)
        .exclude(person=ctx.person)
        .values("person_id")
    )
    person = (
        Person.objects.filter(pk__in=fellows)
        .annotate(communities=Count("memberships"))
        .order_by("-communities", "pk")
        .first()
    )
    if person is None:
        raise BenchError(f"{ctx.user} shares no community with anyone.")
    return person


def _community_list(ctx: BenchContext) -> str:
    return reverse("leadership:community-list")


register_page("home", lambda ctx: reverse("leadership:home"))
register_page("community list", _community_list)
register_page("community list search", lambda ctx: f"{_community_list(ctx)}?q=wiki")
register_page("community list page 2", lambda ctx: ctx.next_page(_community_list(ctx)))
register_page("community detail", lambda ctx: _largest_community().get_absolute_url())
register_page(
    "community members page 2",
    lambda ctx: ctx.next_page(_largest_community().get_absolute_url()),
)
register_page("person profile", lambda ctx: _fellow_member(ctx).get_absolute_url())
register_page("profile edit", lambda ctx: reverse("leadership:profile-edit"))
register_page("profile languages", lambda ctx: reverse("leadership:profile-languages"))
register_page("profile skills", lambda ctx: reverse("leadership:profile-skills"))

# Coaching is part of this app: the bench finds only each app's `bench` module.
from .coaching import bench as coaching_bench  # noqa: E402, F401
from .dashboards import bench as dashboards_bench  # noqa: E402, F401
