"""Who may do what in coaching.

- Coordinators make people coaches, propose engagements (with suggestions), withdraw a proposal
  and see every engagement's status and progress, but not what was said: summaries are for
  the coach and the coachee, and private notes for the coach alone.
- The coach answers a proposal, logs sessions, pauses, resumes and completes their engagements,
  and edits their own profile.
- The coachee is the leader, or for a team engagement the organisers of its community: they see
  the engagement, its sessions and their summaries, once the coach has accepted it (active,
  paused or completed). A proposal, and one declined or withdrawn, is between the coordinators
  and the coach: its request and decline reasons are not the coachee's to read.
"""

from typing import Any

import rules

from leadership.rules import is_coordinator, is_organiser_of, person_id_of

from .models import AssignmentStatus, CoachAssignment, CoachProfile

# The statuses in which the coachee side sees an engagement: accepted by the coach.
COACHEE_STATUSES = frozenset(
    {AssignmentStatus.ACTIVE, AssignmentStatus.PAUSED, AssignmentStatus.COMPLETED}
)


@rules.predicate
def is_the_coach(user: Any, obj: CoachAssignment | CoachProfile | None) -> bool:
    if obj is None or not user.is_authenticated:
        return False
    coach = obj if isinstance(obj, CoachProfile) else obj.coach
    return coach.person_id == person_id_of(user)


@rules.predicate
def is_the_coachee(user: Any, assignment: CoachAssignment | None) -> bool:
    if assignment is None or not user.is_authenticated:
        return False
    if assignment.status not in COACHEE_STATUSES:
        return False
    if assignment.coachee_id is not None:
        return assignment.coachee_id == person_id_of(user)
    return bool(is_organiser_of(user, assignment.community))


@rules.predicate
def is_proposed(user: Any, assignment: CoachAssignment | None) -> bool:
    return assignment is not None and assignment.status == AssignmentStatus.PROPOSED


@rules.predicate
def is_active(user: Any, assignment: CoachAssignment | None) -> bool:
    return assignment is not None and assignment.status == AssignmentStatus.ACTIVE


@rules.predicate
def is_running(user: Any, assignment: CoachAssignment | None) -> bool:
    return assignment is not None and assignment.is_running


@rules.predicate
def is_open(user: Any, assignment: CoachAssignment | None) -> bool:
    return assignment is not None and assignment.is_open


rules.add_perm("coaching.add_coach", is_coordinator)
rules.add_perm("coaching.view_coach", is_coordinator | is_the_coach)
rules.add_perm("coaching.change_coach", is_coordinator | is_the_coach)
rules.add_perm("coaching.assign", is_coordinator)
rules.add_perm("coaching.view_assignment", is_coordinator | is_the_coach | is_the_coachee)
# What was said: summaries for the two sides; coordinators see dates, lengths and progress.
rules.add_perm("coaching.view_summaries", is_the_coach | is_the_coachee)
rules.add_perm("coaching.answer_assignment", is_the_coach & is_proposed)
rules.add_perm("coaching.withdraw_assignment", is_coordinator & is_proposed)
rules.add_perm("coaching.change_assignment", (is_coordinator | is_the_coach) & is_open)
rules.add_perm("coaching.pause_assignment", (is_coordinator | is_the_coach) & is_running)
rules.add_perm("coaching.complete_assignment", (is_coordinator | is_the_coach) & is_running)
rules.add_perm("coaching.log_session", is_the_coach & is_active)
