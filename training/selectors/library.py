"""Reads of the knowledge library: the list, one resource, a stage's resources, reviews due.

Each original is shown once, in the viewer's language: the language the pages are in first, then
the languages of their profile by proficiency, falling back to the original. "Done" belongs to
the original and its translations together: reading the French translation of a guide is reading
the guide.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language

from leadership.models import Language, Membership, Person, PersonLanguage, Skill
from leadership.rules import _community_roles, is_coordinator
from leadership.selectors import person_for_user

from ..models import Resource, ResourceDone, Stage, TrainingProgramme

# Originals per page of the library: a screen or two of titles, and one page costs the same
# queries whatever the size of the library (keyset pagination: no OFFSET scan either).
PAGE_SIZE = 50
# The review list shows the longest overdue first; more than this is a backlog for the admin.
REVIEW_LIMIT = 200


# Who may do what. Kept here rather than in training/rules.py (which another part of the work
# owns): the views ask these functions directly.


def may_add_resource(user: Any) -> bool:
    """Coordinators and the organisers of any community add resources to the library."""
    if not user.is_authenticated:
        return False
    if is_coordinator(user):
        return True
    return Membership.Role.ORGANISER in _community_roles(user).values()


def may_edit_resource(user: Any, resource: Resource) -> bool:
    """Coordinators, the owner, and for a translation the original's owner, edit, translate and
    delete a resource."""
    if not user.is_authenticated:
        return False
    if is_coordinator(user):
        return True
    person = person_for_user(user=user)
    if person is None:
        return False
    owners = {resource.owner_id}
    if resource.translation_of_id is not None and resource.translation_of is not None:
        owners.add(resource.translation_of.owner_id)
    return person.pk in owners


# The viewer's languages


def viewer_languages(*, viewer: Any) -> list[str]:
    """Language codes in the order the viewer would read them: the pages' language, then the
    profile's languages by proficiency."""
    codes: list[str] = []
    active = get_language()
    if active:
        codes.append(active.lower())
    person = person_for_user(user=viewer)
    if person is not None:
        codes += list(
            PersonLanguage.objects.filter(person=person)
            .order_by("-proficiency", "pk")
            .values_list("language_id", flat=True)
        )
    # Keep the first place of each language.
    return list(dict.fromkeys(codes))


# The list


@dataclass(frozen=True)
class LibraryEntry:
    """An original as the viewer sees it: `shown` is the version in their language."""

    original: Resource
    shown: Resource
    done: bool
    due_for_review: bool

    @property
    def is_translation_shown(self) -> bool:
        return self.shown.pk != self.original.pk


@dataclass(frozen=True)
class LibraryPage:
    entries: list[LibraryEntry]
    next_cursor: str | None


def _done_by(person: Person | None) -> Any:
    """Whether `person` marked the original of the outer row, or one of its translations, done."""
    if person is None:
        return Exists(ResourceDone.objects.none())
    return Exists(
        ResourceDone.objects.filter(person=person).filter(
            Q(resource=OuterRef("pk")) | Q(resource__translation_of=OuterRef("pk"))
        )
    )


def _originals(person: Person | None) -> QuerySet[Resource]:
    return (
        Resource.objects.filter(translation_of__isnull=True)
        .select_related("language")
        .prefetch_related(Prefetch("skills", queryset=Skill.objects.order_by("name")))
        .annotate(done=_done_by(person))
    )


def _entries(
    originals: Sequence[Resource], languages: list[str], today: date
) -> list[LibraryEntry]:
    """Each original in the first of `languages` it has a version in (one query)."""
    rank = {code: i for i, code in enumerate(languages)}
    best: dict[int, Resource] = {}
    if originals and languages:
        for translation in Resource.objects.filter(
            translation_of__in=[o.pk for o in originals], language_id__in=languages
        ).select_related("language"):
            assert translation.translation_of_id is not None
            current = best.get(translation.translation_of_id)
            if current is None or rank[translation.language_id] < rank[current.language_id]:
                best[translation.translation_of_id] = translation
    entries = []
    for original in originals:
        shown = original
        found = best.get(original.pk)
        own_rank = rank.get(original.language_id)
        if found is not None and (own_rank is None or rank[found.language_id] < own_rank):
            shown = found
        entries.append(
            LibraryEntry(
                original=original,
                shown=shown,
                done=bool(getattr(original, "done", False)),
                due_for_review=shown.due_for_review_on(today),
            )
        )
    return entries


def _encode_cursor(resource: Resource) -> str:
    raw = json.dumps([resource.title, resource.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        title, pk = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        return None
    if not isinstance(title, str) or not isinstance(pk, int):
        return None
    return title, pk


def library_page(
    *,
    viewer: Any,
    q: str = "",
    skill: Skill | None = None,
    stage: Stage | None = None,
    kind: str = "",
    language: Language | None = None,
    cursor: str = "",
) -> LibraryPage:
    """A page of originals matching the filters, by title, each in the viewer's language.

    `q` matches the title or summary of the original or of any translation; `language` keeps
    the originals that exist in it (as the original or a translation). A bad cursor is the
    first page. Queries: the viewer's languages, the page, its skills, its translations.
    """
    if not viewer.is_authenticated:
        raise Http404
    person = person_for_user(user=viewer)
    languages = viewer_languages(viewer=viewer)
    originals = _originals(person)
    q = q.strip()
    if q:
        in_text = Q(title__icontains=q) | Q(summary__icontains=q)
        originals = originals.filter(
            in_text | Exists(Resource.objects.filter(in_text, translation_of=OuterRef("pk")))
        )
    if skill is not None:
        originals = originals.filter(skills=skill)
    if stage is not None:
        originals = originals.filter(stages=stage)
    if kind:
        originals = originals.filter(kind=kind)
    if language is not None:
        originals = originals.filter(
            Q(language=language)
            | Exists(Resource.objects.filter(translation_of=OuterRef("pk"), language=language))
        )
    after = _decode_cursor(cursor) if cursor else None
    if after is not None:
        title, pk = after
        originals = originals.filter(Q(title__gt=title) | Q(title=title, pk__gt=pk))
    rows = list(originals.order_by("title", "pk")[: PAGE_SIZE + 1])
    next_cursor = _encode_cursor(rows[PAGE_SIZE - 1]) if len(rows) > PAGE_SIZE else None
    rows = rows[:PAGE_SIZE]
    return LibraryPage(
        entries=_entries(rows, languages, timezone.localdate()), next_cursor=next_cursor
    )


def stage_resources(*, stage: Stage, viewer: Any) -> list[LibraryEntry]:
    """The resources linked to `stage`, by title, in the viewer's language, with done flags."""
    person = person_for_user(user=viewer)
    originals = list(_originals(person).filter(stages=stage).order_by("title", "pk"))
    return _entries(originals, viewer_languages(viewer=viewer), timezone.localdate())


# One resource


def resource_get(*, viewer: Any, pk: int) -> Resource:
    """The resource `pk` with its language, owner and original; 404 for an anonymous viewer."""
    if not viewer.is_authenticated:
        raise Http404
    return get_object_or_404(
        Resource.objects.select_related(
            "language", "owner", "translation_of__language", "translation_of__owner"
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class ResourceDetail:
    resource: Resource
    original: Resource
    # The original first, then its translations by language name.
    versions: list[Resource]
    skills: list[Skill]
    stages: list[Stage]
    done: bool
    due_for_review: bool


def resource_detail(*, viewer: Any, resource: Resource) -> ResourceDetail:
    """What the detail page shows of `resource`: its versions, tags and the viewer's done flag.

    Stages of draft programmes are left out for those who do not coordinate: a draft is not
    public yet.
    """
    original = resource.translation_of or resource
    translations = list(
        original.translations.select_related("language").order_by("language__name", "pk")
    )
    stages = original.stages.select_related("programme").order_by("programme__title", "order")
    if not is_coordinator(viewer):
        stages = stages.exclude(programme__status=TrainingProgramme.Status.DRAFT)
    person = person_for_user(user=viewer)
    done = person is not None and (
        ResourceDone.objects.filter(person=person)
        .filter(Q(resource=original) | Q(resource__translation_of=original))
        .exists()
    )
    return ResourceDetail(
        resource=resource,
        original=original,
        versions=[original, *translations],
        skills=list(original.skills.order_by("name")),
        stages=list(stages),
        done=done,
        due_for_review=resource.due_for_review_on(timezone.localdate()),
    )


# Reviews


def resources_due_for_review(*, viewer: Any) -> list[Resource]:
    """Resources (originals and translations) whose review day has passed, the longest overdue
    first: the viewer's own, or every one for a coordinator."""
    if not viewer.is_authenticated:
        raise Http404
    due = Resource.objects.filter(review_by__lt=timezone.localdate()).select_related(
        "language", "owner", "translation_of"
    )
    if not is_coordinator(viewer):
        person = person_for_user(user=viewer)
        if person is None:
            return []
        due = due.filter(owner=person)
    return list(due.order_by("review_by", "title", "pk")[:REVIEW_LIMIT])
