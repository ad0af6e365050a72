"""Who may do what in mentoring.

- A programme is run (edited, matched, reviewed, published, its dashboard seen) by the
  movement's coordinators and by the people it names as its own coordinators.
- Anyone signed in sees an open or closed programme; a draft only those who run it.
- A proposal is seen by its mentor and by those who run the programme. Its mentee learns only
  that a mentor has been asked, not who, until the mentor accepts.
- A relationship is seen by the pair and by those who run the programme; the notes of its
  check-ins are the pair's alone (those who run it see that a check-in happened, not what was
  said).
"""

from typing import Any

import rules

from leadership.rules import is_coordinator, person_id_of

from .models import MentoringProgramme, MentorOffer, Proposal, Relationship


def _programme_of(obj: Any) -> MentoringProgramme | None:
    if obj is None or isinstance(obj, MentoringProgramme):
        return obj
    programme: MentoringProgramme = obj.programme
    return programme


@rules.predicate
def coordinates_programme(user: Any, obj: Any) -> bool:
    programme = _programme_of(obj)
    if programme is None or not user.is_authenticated:
        return False
    cache: dict[int, bool] = user.__dict__.setdefault("_pathways_runs_programme", {})
    if programme.pk not in cache:
        cache[programme.pk] = programme.coordinators.filter(user=user).exists()
    return cache[programme.pk]


@rules.predicate
def is_not_a_draft(user: Any, programme: MentoringProgramme | None) -> bool:
    return programme is not None and programme.status != MentoringProgramme.Status.DRAFT


@rules.predicate
def is_the_mentor(user: Any, obj: Proposal | Relationship | MentorOffer | None) -> bool:
    if obj is None or not user.is_authenticated:
        return False
    offer_person = obj.person_id if isinstance(obj, MentorOffer) else obj.offer.person_id
    return offer_person == person_id_of(user)


@rules.predicate
def is_the_mentee(user: Any, relationship: Relationship | None) -> bool:
    if relationship is None or not user.is_authenticated:
        return False
    return relationship.application.person_id == person_id_of(user)


can_run = is_coordinator | coordinates_programme
is_of_the_pair = is_the_mentor | is_the_mentee

rules.add_perm("mentoring.add_mentoringprogramme", is_coordinator)
rules.add_perm(
    "mentoring.view_mentoringprogramme", can_run | (rules.is_authenticated & is_not_a_draft)
)
rules.add_perm("mentoring.run_programme", can_run)
rules.add_perm("mentoring.view_proposal", can_run | is_the_mentor)
rules.add_perm("mentoring.answer_proposal", is_the_mentor)
rules.add_perm("mentoring.change_mentoroffer", is_the_mentor)
rules.add_perm("mentoring.view_relationship", can_run | is_of_the_pair)
rules.add_perm("mentoring.change_relationship", is_of_the_pair)
rules.add_perm("mentoring.view_checkin_notes", is_of_the_pair)
