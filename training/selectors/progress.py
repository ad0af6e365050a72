"""Reads of progress for the pages of those who run a programme or organise a community: who takes
part and how far they have come, a page at a time."""

from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q

from leadership.models import Community, Membership, Person
from leadership.pagination import KeysetPage, keyset_paginate

from ..models import (
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
    Stage,
    StageCompletion,
    TrainingProgramme,
)


def _progress_people(people: Any, stages: Any) -> Any:
    """Annotate people with the number of `stages` completed and the latest completion."""
    return people.annotate(
        stages_done=Count(
            "stage_completions", filter=Q(stage_completions__stage__in=stages), distinct=True
        ),
        last_completed=Max(
            "stage_completions__completed_on", filter=Q(stage_completions__stage__in=stages)
        ),
        enrolled_now=Exists(
            Enrolment.objects.filter(
                person=OuterRef("pk"),
                session__stage__in=stages,
                status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED],
                session__status=SessionStatus.SCHEDULED,
            )
        ),
    ).only("pk", "display_name")


def programme_participants(
    *, programme: TrainingProgramme, cursor: str | None
) -> KeysetPage[Person]:
    """People taking part in `programme`, by name, with stages done: a page at a time."""
    stages = Stage.objects.filter(programme=programme).values("pk")
    people = Person.objects.filter(
        Q(enrolments__session__stage__programme=programme)
        | Q(stage_completions__stage__programme=programme)
    ).distinct()
    qs = _progress_people(Person.objects.filter(pk__in=people.values("pk")), stages)
    return keyset_paginate(
        qs, fields=["display_name", "pk"], cursor=cursor, size=settings.PATHWAYS_PAGE_SIZE
    )


def community_members_progress(*, community: Community, cursor: str | None) -> KeysetPage[Person]:
    """A community's members who take part in any training, by name, with stages done."""
    members = Membership.objects.filter(community=community).values("person_id")
    active = Person.objects.filter(pk__in=members).filter(
        Exists(StageCompletion.objects.filter(person=OuterRef("pk")))
        | Exists(Enrolment.objects.filter(person=OuterRef("pk")))
    )
    qs = _progress_people(active, Stage.objects.values("pk"))
    return keyset_paginate(
        qs, fields=["display_name", "pk"], cursor=cursor, size=settings.PATHWAYS_PAGE_SIZE
    )
