"""Who may do what with a community's leadership plan, its roles and its terms.

Organisers of the community and coordinators edit; the community's members see its published
(and archived) plans; a draft is seen only by those who may edit it. Outsiders see nothing.
"""

from typing import Any

import rules

from leadership.models import Community
from leadership.rules import is_coordinator, is_member_of, is_organiser_of

from .models import LeadershipPlan, Role, SuccessorCandidate, Term

type PlanObject = Community | LeadershipPlan | Role | SuccessorCandidate | Term


def _community_of(obj: PlanObject | None) -> Any:
    if obj is None or isinstance(obj, Community):
        return obj
    if isinstance(obj, Term | SuccessorCandidate):
        return obj.role.community
    return obj.community


@rules.predicate
def is_organiser_there(user: Any, obj: PlanObject | None) -> bool:
    return bool(is_organiser_of(user, _community_of(obj)))


@rules.predicate
def is_member_there(user: Any, obj: PlanObject | None) -> bool:
    return bool(is_member_of(user, _community_of(obj)))


@rules.predicate
def is_not_a_draft(user: Any, plan: LeadershipPlan | None) -> bool:
    return plan is not None and plan.status != LeadershipPlan.Status.DRAFT


can_edit_plans = is_organiser_there | is_coordinator

rules.add_perm("plans.view_leadershipplan", can_edit_plans | (is_member_there & is_not_a_draft))
rules.add_perm("plans.change_leadershipplan", can_edit_plans)
rules.add_perm("plans.view_role", can_edit_plans | is_member_there)
rules.add_perm("plans.change_role", can_edit_plans)
rules.add_perm("plans.view_term", can_edit_plans | is_member_there)
rules.add_perm("plans.change_term", can_edit_plans)
# A community's plans, roles, terms and succession as a whole (its plans page, import, export).
rules.add_perm("plans.view_community_plans", can_edit_plans | is_member_there)
rules.add_perm("plans.change_community_plans", can_edit_plans)
