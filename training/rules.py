"""Who may do what in training.

- A programme is run (edited, scheduled, its attendance and progress seen) by the movement's
  coordinators, by the people it names as its coordinators, and, for a programme owned by a
  community, by that community's organisers.
- Anyone signed in sees a programme that is not a draft, its stages and its schedule; a draft
  only those who run it.
- Attendance of a session is marked by its facilitators and by those who run the programme; a
  sign-off stage is signed off by the facilitators of its sessions and by those who run it.
- A person's progress is seen by themselves, by the organisers of a community they belong to,
  by coordinators, and by the coordinators of a programme they take part in.
"""

from typing import Any

import rules
from django.db.models import Q

from leadership.models import Person
from leadership.rules import (
    is_coordinator,
    is_organiser_of,
    is_self,
    organised_community_ids,
    person_id_of,
)

from .models import Session, Stage, TrainingProgramme


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
    person_id = person_id_of(user)
    if person_id is None:
        return False
    cache: dict[int, bool] = user.__dict__.setdefault("_pathways_facilitates", {})
    if session.pk not in cache:
        cache[session.pk] = session.facilitators.filter(pk=person_id).exists()
    return cache[session.pk]


@rules.predicate
def organises_their_community(user: Any, person: Person | None) -> bool:
    if person is None:
        return False
    organised = organised_community_ids(user)
    return bool(organised) and person.memberships.filter(community_id__in=organised).exists()


@rules.predicate
def runs_a_programme_of(user: Any, person: Person | None) -> bool:
    """The viewer coordinates a programme the person takes part in (whose progress page lists
    them)."""
    viewer_id = person_id_of(user)
    if person is None or viewer_id is None:
        return False
    return (
        TrainingProgramme.objects.filter(coordinators=viewer_id)
        .filter(
            Q(stages__sessions__enrolments__person=person) | Q(stages__completions__person=person)
        )
        .exists()
    )


@rules.predicate
def facilitates_a_session_of(user: Any, stage: Stage | None) -> bool:
    person_id = person_id_of(user)
    if stage is None or person_id is None:
        return False
    return stage.sessions.filter(facilitators=person_id).exists()


can_run = is_coordinator | coordinates_training | organises_owner

rules.add_perm("training.add_trainingprogramme", is_coordinator)
rules.add_perm("training.view_trainingprogramme", can_run | (rules.is_authenticated & is_published))
rules.add_perm("training.run_programme", can_run)
rules.add_perm("training.mark_attendance", can_run | facilitates)
rules.add_perm("training.sign_off_stage", can_run | facilitates_a_session_of)
rules.add_perm(
    "training.view_progress",
    is_self | is_coordinator | organises_their_community | runs_a_programme_of,
)
