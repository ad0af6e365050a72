"""The coaching pages that `make bench` measures (see bench/README.md).

The demo coach's home and one of their engagements (as its coach), and the coordinator's list of
engagements and coach suggestions for the demo organiser in the demo chapter. At the large scale
the lists and the suggestions run over 2,000 coaches and 20,000 engagements
(leadership/coaching/demo_data.py).

Imported by leadership/bench.py (coaching is part of the leadership app).
"""

from django.urls import reverse

from bench.registry import BenchContext, BenchError, register_page
from leadership.models import Membership

from .demo_data import DEMO_COACH_EMAIL
from .models import AssignmentStatus, CoachAssignment

COORDINATOR_EMAIL = "coordinator@example.org"
ORGANISER_EMAIL = "organiser@example.org"


def _demo_chapter_id() -> int:
    """The community the demo organiser organises (the demo chapter)."""
    community_id = (
        Membership.objects.filter(
            person__user__email=ORGANISER_EMAIL, role=Membership.Role.ORGANISER
        )
        .order_by("pk")
        .values_list("community_id", flat=True)
        .first()
    )
    if community_id is None:
        raise BenchError("The demo organiser has no community: is the database seeded?")
    return community_id


def _suggestions(ctx: BenchContext) -> str:
    return (
        reverse("coaching:assignment-new")
        + f"?community={_demo_chapter_id()}&coachee={ORGANISER_EMAIL}"
    )


def _demo_engagement(ctx: BenchContext) -> str:
    """The demo coach's running engagement with the most sessions."""
    assignment = (
        CoachAssignment.objects.filter(
            coach__person__user__email=DEMO_COACH_EMAIL, status=AssignmentStatus.ACTIVE
        )
        .order_by("-last_session_on", "pk")
        .first()
    )
    if assignment is None:
        raise BenchError("The demo coach has no active engagement: is the database seeded?")
    return assignment.get_absolute_url()


register_page("coach's home", lambda ctx: reverse("coaching:home"), user_email=DEMO_COACH_EMAIL)
register_page(
    "coaching engagements",
    lambda ctx: reverse("coaching:assignment-list"),
    user_email=COORDINATOR_EMAIL,
)
register_page("coach suggestions", _suggestions, user_email=COORDINATOR_EMAIL)
register_page("coaching engagement detail", _demo_engagement, user_email=DEMO_COACH_EMAIL)
