"""Who may do what, said once and used by views, templates and the admin.

Organisers of a community edit that community's pages; coordinators (a global group) and
superusers edit all. Object-level checks receive the object the permission is about.
"""

from typing import Any

import rules
from django.conf import settings

from .models import Community, Membership, Person


@rules.predicate
def is_coordinator(user: Any) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    # Cached on the user object: templates ask several times in one request.
    cached = getattr(user, "_pathways_is_coordinator", None)
    if cached is None:
        cached = user.groups.filter(name=settings.PATHWAYS_COORDINATORS_GROUP).exists()
        user._pathways_is_coordinator = cached
    return bool(cached)


def _community_roles(user: Any) -> dict[int, str]:
    """The user's memberships as {community id: role}, loaded once per request."""
    cached = getattr(user, "_pathways_community_roles", None)
    if cached is None:
        cached = dict(
            # No ordering: the model's default would join the communities only to sort them.
            Membership.objects.filter(person__user=user)
            .order_by()
            .values_list("community_id", "role")
        )
        user._pathways_community_roles = cached
    return cached


# What a selector learnt about the viewer in the query that loaded an object (their role in a
# community, whether they share one with a person), kept on the object for that viewer only, so
# that the rules need no query of their own for it.
_VIEWER_FACTS = "_pathways_viewer_facts"
_UNKNOWN = object()


def remember_viewer_fact(obj: Any, user: Any, fact: str, value: Any) -> None:
    obj.__dict__.setdefault(_VIEWER_FACTS, {})[(user.pk, fact)] = value


def _viewer_fact(obj: Any, user: Any, fact: str) -> Any:
    return obj.__dict__.get(_VIEWER_FACTS, {}).get((user.pk, fact), _UNKNOWN)


def _role_in(user: Any, community: Community) -> str | None:
    role = _viewer_fact(community, user, "role")
    if role is _UNKNOWN:
        return _community_roles(user).get(community.pk)
    return role


def person_id_of(user: Any) -> int | None:
    """The user's profile's id (None for anonymous or a user without one)."""
    person = getattr(user, "person", None)
    return person.pk if person is not None else None


def organised_community_ids(user: Any) -> list[int]:
    """The communities the user organises (from the memberships loaded once per request)."""
    if not user.is_authenticated:
        return []
    return [pk for pk, role in _community_roles(user).items() if role == Membership.Role.ORGANISER]


@rules.predicate
def is_member_of(user: Any, community: Community | None) -> bool:
    if community is None or not user.is_authenticated:
        return False
    return _role_in(user, community) is not None


@rules.predicate
def is_organiser_of(user: Any, community: Community | None) -> bool:
    if community is None or not user.is_authenticated:
        return False
    return _role_in(user, community) == Membership.Role.ORGANISER


@rules.predicate
def is_self(user: Any, person: Person | None) -> bool:
    return person is not None and user.is_authenticated and person.user_id == user.pk


@rules.predicate
def shares_a_community(user: Any, person: Person | None) -> bool:
    if person is None or not user.is_authenticated:
        return False
    shares = _viewer_fact(person, user, "shares_a_community")
    if shares is not _UNKNOWN:
        return bool(shares)
    cached = getattr(user, "_pathways_community_roles", None)
    if cached is not None:
        return person.memberships.filter(community_id__in=cached.keys()).exists()
    # One query with a join, rather than loading the viewer's communities first.
    return person.memberships.filter(community__memberships__person__user=user).exists()


def may(user: Any, perm: str, obj: Any = None) -> bool:
    """Whether `user` has `perm` on `obj` by the rules alone.

    Not `user.has_perm`: Django grants an active superuser every permission before asking the
    rules (which would show a superuser what coaching keeps for the coach and the coachee), and
    asks the model backend first (two queries for a permission nobody is granted that way).
    """
    return bool(rules.has_perm(perm, user, obj))


can_edit_community = is_organiser_of | is_coordinator

rules.add_perm("leadership.view_community", rules.is_authenticated)
rules.add_perm("leadership.view_community_members", is_member_of | is_coordinator)
rules.add_perm("leadership.change_community", can_edit_community)
rules.add_perm("leadership.view_person", is_self | is_coordinator | shares_a_community)
rules.add_perm("leadership.change_person", is_self)
rules.add_perm("leadership.coordinate", is_coordinator)


@rules.predicate
def is_organiser_of_membership_community(user: Any, membership: Any) -> bool:
    return membership is not None and is_organiser_of(user, membership.community)


rules.add_perm("leadership.view_membership", is_coordinator | is_organiser_of_membership_community)
rules.add_perm(
    "leadership.change_membership", is_coordinator | is_organiser_of_membership_community
)
rules.add_perm(
    "leadership.delete_membership", is_coordinator | is_organiser_of_membership_community
)
rules.add_perm("leadership.add_membership", is_coordinator)


# Coaching's permissions, said in its own rooms (leadership/coaching/rules.py).
from .coaching import rules as _coaching_rules  # noqa: E402, F401
from .dashboards import rules as _dashboards_rules  # noqa: E402, F401
