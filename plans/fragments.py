"""What renews the cached plan pages (see leadership/fragments.py for how the cache works).

A community's plan pages are cached under the version of its `(PLANS, community id)` scope, and
the seats at risk across communities under `(PLANS, None)`. Any saved or deleted row a plan page
shows (a role, a term, a skill a role needs, a pathway step, a candidate, a plan) renews both; so
does a new name for someone who holds or held a seat or is named for one.
"""

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from leadership.fragments import Scope, bump
from leadership.models import Person

from .models import LeadershipPlan, PathwayStep, Role, RoleSkill, SuccessorCandidate, Term

PLANS = "plans"
EVERY_COMMUNITY: Scope = (PLANS, None)

_ON_A_ROLE = (Term, RoleSkill, SuccessorCandidate, PathwayStep)


def community_scope(community_id: int) -> Scope:
    return (PLANS, community_id)


def _community_id(sender: Any, instance: Any) -> int | None:
    if sender in (Role, LeadershipPlan):
        return instance.community_id
    # A role's rows: its community, read without loading the role when it is not loaded.
    cached = instance._state.fields_cache.get("role")
    if cached is not None:
        return cached.community_id
    return Role.objects.filter(pk=instance.role_id).values_list("community_id", flat=True).first()


@receiver([post_save, post_delete], sender=LeadershipPlan)
@receiver([post_save, post_delete], sender=Role)
@receiver([post_save, post_delete], sender=Term)
@receiver([post_save, post_delete], sender=RoleSkill)
@receiver([post_save, post_delete], sender=SuccessorCandidate)
@receiver([post_save, post_delete], sender=PathwayStep)
def _plan_row_changed(sender: Any, instance: Model, **kwargs: Any) -> None:
    community = _community_id(sender, instance)
    bump(EVERY_COMMUNITY, *([community_scope(community)] if community else []))


@receiver(pre_save, sender=LeadershipPlan)
@receiver(pre_save, sender=Role)
@receiver(pre_save, sender=Term)
@receiver(pre_save, sender=RoleSkill)
@receiver(pre_save, sender=SuccessorCandidate)
@receiver(pre_save, sender=PathwayStep)
def _plan_row_may_move(
    sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any
) -> None:
    """A row moved to another community or role (the admin can) leaves its old pages too."""
    moving = "role" if sender in _ON_A_ROLE else "community"
    if instance.pk is None or (update_fields is not None and moving not in update_fields):
        return
    field = "role__community_id" if moving == "role" else "community_id"
    before = sender._base_manager.filter(pk=instance.pk).values_list(field, flat=True).first()
    if before is not None:
        bump(community_scope(before))


@receiver(post_save, sender=Person)
def _person_renamed(sender: Any, instance: Person, **kwargs: Any) -> None:
    # Their name is on the plan pages of every community where they hold, held or are named
    # for a seat. (A person with terms cannot be deleted: terms protect them.)
    communities = set(
        Term.objects.filter(person_id=instance.pk).values_list("role__community_id", flat=True)
    ) | set(
        SuccessorCandidate.objects.filter(person_id=instance.pk).values_list(
            "role__community_id", flat=True
        )
    )
    if communities:
        bump(EVERY_COMMUNITY, *(community_scope(pk) for pk in communities))
