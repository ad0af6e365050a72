"""Reads behind the iCalendar feeds: a constant number of queries whatever the number of events.

Each feed is two queries: the object it is about (programme, community or key) and its sessions
with everything an event shows joined in (stage, programme, series). Nothing is read per event.
"""

from django.db.models import QuerySet
from django.http import Http404

from leadership.models import Community, Person

from ..models import (
    Enrolment,
    FeedToken,
    ProgrammeStatus,
    Session,
    TrainingProgramme,
)
from .schedule import community_programmes

LIVE_STATUSES = (Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED)


def _feed_sessions() -> QuerySet[Session]:
    return Session.objects.select_related("stage__programme", "series").order_by("starts_at", "pk")


def programme_for_feed(*, pk: int) -> TrainingProgramme:
    """A programme whose feed is public: any but a draft (Http404 otherwise, as if unknown)."""
    programme = (
        TrainingProgramme.objects.exclude(status=ProgrammeStatus.DRAFT).filter(pk=pk).first()
    )
    if programme is None:
        raise Http404
    return programme


def programme_feed_sessions(*, programme: TrainingProgramme) -> list[Session]:
    """Every session of the programme, in order, with its stage and series."""
    return list(_feed_sessions().filter(stage__programme=programme))


def community_for_feed(*, slug: str) -> Community:
    """The community with this short name (Http404 otherwise)."""
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise Http404
    return community


def community_feed_sessions(*, community: Community) -> list[Session]:
    """Sessions of the community's trainings, as its trainings page lists them (the programmes it
    owns and the regional programmes of its region, neither drafts nor archived)."""
    programmes = community_programmes(community=community).values("pk")
    return list(_feed_sessions().filter(stage__programme__in=programmes))


def feed_token_owner(*, token: str) -> Person:
    """The person whose personal calendar key this is (Http404 for an unknown or replaced key)."""
    found = FeedToken.objects.select_related("person").filter(token=token).first()
    if found is None:
        raise Http404
    return found.person


def personal_feed_enrolments(*, person: Person) -> list[Enrolment]:
    """The person's live enrolments (enrolled or waiting), with their sessions, in time order."""
    return list(
        Enrolment.objects.filter(person=person, status__in=LIVE_STATUSES)
        .select_related("session__stage__programme")
        .order_by("session__starts_at", "session_id")
    )
