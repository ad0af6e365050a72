"""Who may do what in training.

- A programme is run (edited, scheduled, its attendance and progress seen) by the movement's
  coordinators, by the people it names as its coordinators, and, for a programme owned by a
  community, by that community's organisers.
- Anyone signed in sees a programme that is not a draft, its stages and its schedule; a draft
  only those who run it.
- Attendance of a session is marked by its facilitators and by those who run the programme.
- A person's progress is seen by themselves, by the organisers of a community they belong to,
  by coordinators, and by the coordinators of a programme they take part in.
"""

from typing import Any

import rules
from django.db.models import Q

from leadership.models import Membership, Person
from leadership.rules import _community_roles, is_coordinator, is_organiser_of, is_self

from .models import Session, Stage, TrainingProgramme


def _person_id(user: Any) -> int | None:
    person = getattr(user, "person", None)
    return person.pk if person is not None else None


def _programme_of(obj: Any) -> TrainingProgramme | None:
    if obj is None or isinstance(obj, TrainingProgramme):
        return obj
    if isinstance(obj, Stage):
        return obj.programme
    if isinstance(obj, Session):
        return obj.stage.programme
    return None


@rules.predicate
def coordinates_training(user: Any, obj: Any) -> bool:
    programme = _programme_of(obj)
    if programme is None or not user.is_authenticated:
        return False
    cache: dict[int, bool] = user.__dict__.setdefault("_pathways_runs_training", {})
    if programme.pk not in cache:
        cache[programme.pk] = programme.coordinators.filter(user=user).exists()
    return cache[programme.pk]


@rules.predicate
def organises_owner(user: Any, obj: Any) -> bool:
    programme = _programme_of(obj)
    if programme is None or programme.community_id is None:
        return False
    return bool(is_organiser_of(user, programme.community))


@rules.predicate
def is_published(user: Any, obj: Any) -> bool:
    programme = _programme_of(obj)
    return programme is not None and programme.status != TrainingProgramme.Status.DRAFT


@rules.predicate
def facilitates(user: Any, session: Session | None) -> bool:
    if session is None or not user.is_authenticated:
        return False
    person_id = _person_id(user)
    if person_id is None:
        return False
    cache: dict[int, bool] = user.__dict__.setdefault("_pathways_facilitates", {})
    if session.pk not in cache:
        cache[session.pk] = session.facilitators.filter(pk=person_id).exists()
    return cache[session.pk]


@rules.predicate
def organises_their_community(user: Any, person: Person | None) -> bool:
    if person is None or not user.is_authenticated:
        return False
    organised = [
        pk for pk, role in _community_roles(user).items() if role == Membership.Role.ORGANISER
    ]
    return bool(organised) and person.memberships.filter(community_id__in=organised).exists()


@rules.predicate
def runs_a_programme_of(user: Any, person: Person | None) -> bool:
    """The viewer coordinates a programme the person takes part in (whose progress page lists
    them)."""
    viewer_id = _person_id(user)
    if person is None or viewer_id is None:
        return False
    return (
        TrainingProgramme.objects.filter(coordinators=viewer_id)
        .filter(
            Q(stages__sessions__enrolments__person=person) | Q(stages__completions__person=person)
        )
        .exists()
    )


can_run = is_coordinator | coordinates_training | organises_owner

rules.add_perm("training.add_trainingprogramme", is_coordinator)
rules.add_perm("training.view_trainingprogramme", can_run | (rules.is_authenticated & is_published))
rules.add_perm("training.run_programme", can_run)
rules.add_perm("training.mark_attendance", can_run | facilitates)
rules.add_perm(
    "training.view_progress",
    is_self | is_coordinator | organises_their_community | runs_a_programme_of,
)
