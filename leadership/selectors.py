"""Reads shared by views, tasks and the admin, with their joins and access checks inside."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    StringAgg,
    Subquery,
    Value,
)
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Community, Membership, Person, PersonLanguage, PersonSkill, Skill
from .pagination import KeysetPage, keyset_paginate
from .rules import is_coordinator, remember_viewer_fact


def person_for_user(*, user: Any) -> Person | None:
    """The user's profile, or None for a user without one (e.g. a fresh superuser).

    Read through the user's `person` relation, which keeps it: the base layout reads it too.
    """
    if not user.is_authenticated:
        return None
    try:
        return user.person
    except Person.DoesNotExist:
        return None


def person_required(*, user: Any) -> Person:
    """The user's profile; PermissionDenied for a user without one (a fresh superuser), on the
    pages that act as the viewer's person (enrol, apply, mark as done)."""
    person = person_for_user(user=user)
    if person is None:
        raise PermissionDenied
    return person


def skills_with_levels(*, person: Person) -> list[Skill]:
    """The skills framework in order, each with the person's level (`level`, None if unrated)."""
    level = PersonSkill.objects.filter(person=person, skill=OuterRef("pk")).values("level")[:1]
    return list(Skill.objects.annotate(level=Subquery(level)).order_by("category", "name"))


def community_search(
    *, query: str = "", kind: str = "", region: str = "", cursor: str | None = None
) -> KeysetPage[Community]:
    qs = Community.objects.all()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(slug__icontains=query))
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(region=region)
    return keyset_paginate(
        qs, fields=["name", "pk"], cursor=cursor, size=settings.PATHWAYS_PAGE_SIZE
    )


def community_get(*, slug: str, viewer: Any = None) -> Community:
    """The community, with its language names joined in the same query (`language_names`).

    Given a viewer, their role there comes in the same query too, for the permission rules.
    """
    # SQLite before 3.44 (the local demo on older systems) cannot order inside an aggregate.
    ordered = connection.features.supports_aggregate_order_by_clause
    names = StringAgg(
        "languages__name", delimiter=Value(", "), order_by="languages__name" if ordered else None
    )
    qs = Community.objects.annotate(language_names=names)
    known_viewer = viewer is not None and viewer.is_authenticated
    if known_viewer:
        role = Membership.objects.filter(community=OuterRef("pk"), person__user=viewer)
        qs = qs.annotate(viewer_role=Subquery(role.order_by().values("role")[:1]))
    community = get_object_or_404(qs, slug=slug)
    if known_viewer:
        remember_viewer_fact(community, viewer, "role", community.viewer_role)  # type: ignore[attr-defined]
    return community


# What a list of people shows of each (name, pronouns, link): a row's other columns, the bio
# above all, would only be read from the database to be thrown away.
_LISTED_PERSON_FIELDS = ("joined_on", "person__display_name", "person__pronouns")


def community_organisers(*, community: Community) -> list[Membership]:
    return list(
        Membership.objects.filter(community=community, role=Membership.Role.ORGANISER)
        .select_related("person")
        .only(*_LISTED_PERSON_FIELDS)
        .order_by("person__display_name", "person_id")
    )


def community_members(*, community: Community, cursor: str | None) -> KeysetPage[Membership]:
    """The community's members who are not organisers, newest first, a page at a time.

    Newest first is what organisers look at (who should be welcomed) and what an index on
    (community, role, joined_on, id) serves directly, even for a community of 10,000.
    """
    qs = (
        Membership.objects.filter(community=community, role=Membership.Role.MEMBER)
        .select_related("person")
        .only(*_LISTED_PERSON_FIELDS)
    )
    return keyset_paginate(
        qs, fields=["-joined_on", "-pk"], cursor=cursor, size=settings.PATHWAYS_PAGE_SIZE
    )


def user_memberships(*, user: Any) -> list[Membership]:
    return list(
        Membership.objects.filter(person__user=user)
        .select_related("community")
        .order_by("community__name", "community_id")
    )


def person_get_for_viewing(*, user: Any, pk: int) -> Person:
    """A profile the user may see; Http404 if they may not."""
    people = Person.objects.all()
    if user.is_authenticated:
        # Whether the viewer shares a community with the person, for the rules, in this query.
        shared = Membership.objects.filter(
            person=OuterRef("pk"), community__memberships__person__user=user
        )
        people = people.annotate(shares_with_viewer=Exists(shared))
    person = get_object_or_404(people, pk=pk)
    if user.is_authenticated:
        remember_viewer_fact(person, user, "shares_a_community", person.shares_with_viewer)  # type: ignore[attr-defined]
    if not user.has_perm("leadership.view_person", person):
        raise Http404
    return person


def person_languages(*, person: Person) -> list[PersonLanguage]:
    return list(PersonLanguage.objects.filter(person=person).select_related("language"))


def person_skills(*, person: Person) -> list[PersonSkill]:
    return list(
        PersonSkill.objects.filter(person=person)
        .select_related("skill")
        .order_by("skill__category", "skill__name")
    )


def person_memberships_visible_to(*, user: Any, person: Person) -> list[Membership]:
    """A person's memberships that the viewer may know of, with their communities.

    Belonging to some communities can be sensitive: others see only the communities they share
    with the person; the person and coordinators see all.
    """
    memberships = (
        Membership.objects.filter(person=person)
        .select_related("community")
        .order_by("community__name", "community_id")
    )
    # The predicate itself, not has_perm(): for everyone else has_perm() would go on to ask
    # Django's model permissions (two more queries) about a rule that only rules knows.
    if person.user_id == user.pk or is_coordinator(user):
        return list(memberships)
    return list(memberships.filter(community__memberships__person__user=user))
