"""Rendered page content, cached under the versions of what it shows.

Rendering a page's content and reading the lists in it costs more than the rest of the page: a
community's member list is two queries and 2.5 ms of template work. So a page wraps its content
in `{% cache %}` under a key made of

- `content_key(...)` of the rows the view has loaded anyway (the community, its languages, the
  viewer's role there): any change to them is a new key, and
- `versions(...)` of the scopes whose rows are read only inside the fragment, lazily (the member
  list): a write to one of those rows gives its scopes a new version, so the next request misses,
  reads the rows and renders them afresh.

A version is a random token, never a counter: a version evicted from the cache is replaced by a
new one, so an old fragment can never be taken for the current one. The tokens change when a
row is saved or deleted (the receivers below, which see the admin, the services and cascades
alike), once at once and once more after the transaction commits: a request that read the old
rows while the write was still open cannot store them under the new version. `bulk_create()` and
`QuerySet.update()` send no signals: code that uses them on these models calls `bump()` itself,
or `bump(ALL)`, the scope that is part of every key (as `seed_demo` does). A fragment lives an
hour at most, whatever happens.
"""

import hashlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone, translation

from .models import Community, Language, Membership, Person, PersonLanguage, PersonSkill, Skill
from .rules import is_coordinator
from .selectors import person_for_user

logger = logging.getLogger(__name__)

# Scopes: one community's people (its organisers and members, with their names); one person's
# profile (languages, skills, communities); and the names every page shows of languages, skills
# and communities.
COMMUNITY = "community"
PERSON = "person"
NAMES = "names"

type Scope = tuple[str, Any]

# Part of every fragment's key: renewing it drops every cached fragment at once.
ALL: Scope = ("all", None)


def fragment_key(*parts: Any, scopes: Iterable[Scope] = ()) -> str:
    """The cache key of a fragment showing `parts` (loaded) and the rows of `scopes` (lazily)."""
    return content_key(*parts, versions(ALL, *scopes))


def profile_key(*, person: Person, viewer: Any) -> str:
    """The key of a profile's content as `viewer` sees it.

    Which of the person's communities show depends on the viewer's own communities, unless they
    see them all (their own profile; coordinators).
    """
    # is_coordinator itself: has_perm() would go on to ask Django's model permissions.
    sees_all = person.user_id == viewer.pk or is_coordinator(viewer)
    scopes: list[Scope] = [(PERSON, person.pk), (NAMES, None)]
    if not sees_all:
        viewer_person = person_for_user(user=viewer)
        scopes.append((PERSON, viewer_person.pk if viewer_person else None))
    return fragment_key(person, viewer.pk, sees_all, scopes=scopes)


def versions(*scopes: Scope) -> tuple[str, ...]:
    """The current version of each scope (one cache round trip)."""
    keys = [_version_key(scope) for scope in scopes]
    found = cache.get_many(keys)
    missing = {key: uuid.uuid4().hex for key in keys if key not in found}
    if missing:
        cache.set_many(missing, timeout=None)
    return tuple(found.get(key) or missing[key] for key in keys)


def bump(*scopes: Scope) -> None:
    """New versions for `scopes`: now, and again when the open transaction commits."""
    if not scopes:
        return
    _renew(scopes)
    # robust: after the commit, a failure here must not stop the callbacks after it (mail, tasks).
    transaction.on_commit(lambda: _renew(scopes), robust=True)


def _renew(scopes: Iterable[Scope]) -> None:
    try:
        cache.set_many({_version_key(scope): uuid.uuid4().hex for scope in scopes}, timeout=None)
    except Exception:
        # A cache that is down or full must not refuse the write that changed the rows: pages
        # then show what they cached for at most an hour (the fragments' own lifetime).
        logger.exception("Could not renew the cached pages' versions for %s", list(scopes))


def _version_key(scope: Scope) -> str:
    name, pk = scope
    return f"pathways.version:{name}:{pk}"


def content_key(*parts: Any) -> str:
    """A digest of `parts` as a fragment shows them: in the active language and time zone.

    It covers what is *loaded* on model instances: field values and annotations, the rows loaded
    with `select_related` and `prefetch_related`. Private attributes (Django's caches, the rules'
    facts about the viewer) are bookkeeping, not content, and are left out.
    """
    state = (translation.get_language(), timezone.get_current_timezone_name(), _state(parts, set()))
    return hashlib.sha256(repr(state).encode()).hexdigest()


def _state(value: Any, seen: set[int]) -> Any:
    if isinstance(value, Model):
        # Related rows point back at each other (a prefetched membership at its person).
        if id(value) in seen:
            return (value._meta.label, value.pk)
        seen.add(id(value))
        return _model_state(value, seen)
    if isinstance(value, (str, bytes, int, float, bool, type(None))):
        return value
    if isinstance(value, dict):
        return tuple(sorted((str(k), _state(v, seen)) for k, v in value.items()))
    if is_dataclass(value) and not isinstance(value, type):
        return tuple(_state(getattr(value, f.name), seen) for f in fields(value))
    if isinstance(value, (list, tuple)):
        return tuple(_state(item, seen) for item in value)
    # Dates, time zones, lazy translations: their repr is their value.
    return repr(value)


def _model_state(obj: Model, seen: set[int]) -> Any:
    values = tuple(
        (name, _state(value, seen))
        for name, value in obj.__dict__.items()
        if not name.startswith("_")
    )
    related = tuple((name, _state(value, seen)) for name, value in obj._state.fields_cache.items())
    prefetched = tuple(
        (name, _state(list(rows), seen))
        for name, rows in getattr(obj, "_prefetched_objects_cache", {}).items()
    )
    return (obj._meta.label, values, related, prefetched)


# -- what changes which version --------------------------------------------------------------
@receiver([post_save, post_delete], sender=Membership)
def _membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
    bump((COMMUNITY, instance.community_id), (PERSON, instance.person_id))


@receiver(pre_save, sender=Membership)
@receiver(pre_save, sender=PersonLanguage)
@receiver(pre_save, sender=PersonSkill)
def _row_may_move(sender: Any, instance: Model, update_fields: Any = None, **kwargs: Any) -> None:
    """A row moved to another community or person (the admin can) leaves its old page too."""
    moving = {"community", "person"} & {f.name for f in sender._meta.concrete_fields}
    if instance.pk is None or (update_fields is not None and not moving & set(update_fields)):
        return
    before = sender._base_manager.filter(pk=instance.pk).values(*(f"{n}_id" for n in moving))
    for old in before:
        if old.get("community_id") not in (None, getattr(instance, "community_id", None)):
            bump((COMMUNITY, old["community_id"]))
        if old["person_id"] != instance.person_id:  # type: ignore[attr-defined]
            bump((PERSON, old["person_id"]))


@receiver([post_save, post_delete], sender=Person)
def _person_changed(sender: Any, instance: Person, **kwargs: Any) -> None:
    # Their name is in the lists of every community they belong to. (A deleted person's
    # memberships were deleted first, each with its own signal.)
    communities = Membership.objects.filter(person_id=instance.pk).values_list(
        "community_id", flat=True
    )
    bump((PERSON, instance.pk), *((COMMUNITY, pk) for pk in communities))


@receiver([post_save, post_delete], sender=PersonLanguage)
@receiver([post_save, post_delete], sender=PersonSkill)
def _profile_row_changed(
    sender: Any, instance: PersonLanguage | PersonSkill, **kwargs: Any
) -> None:
    bump((PERSON, instance.person_id))


@receiver([post_save, post_delete], sender=Community)
@receiver([post_save, post_delete], sender=Language)
@receiver([post_save, post_delete], sender=Skill)
def _name_changed(sender: Any, instance: Model, **kwargs: Any) -> None:
    bump((NAMES, None), *([(COMMUNITY, instance.pk)] if sender is Community else []))
