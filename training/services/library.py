"""Writes of the knowledge library: resources, their translations, and who has done them.

Who may call these is the views' question (`training.selectors.library.may_add_resource` and
`may_edit_resource`); the services check the state of the library. A translation carries its
original's kind, and the original's skills and stages stand for all its versions.
"""

from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from leadership.models import Language, Person, Skill

from ..models import Resource, ResourceDone, Stage
from .base import TrainingError


def _check_review_by(review_by: date, *, before: date | None = None) -> None:
    # An unchanged past date is allowed (editing the title of an overdue resource); a new one
    # must lie ahead, or the resource would be due for review the moment it is saved.
    if review_by != before and review_by < timezone.localdate():
        raise TrainingError(_("Choose a review date from today on."))


def resource_create(
    *,
    by: Person,
    title: str,
    summary: str,
    kind: str,
    url: str,
    language: Language,
    skills: Iterable[Skill],
    stages: Iterable[Stage],
    review_by: date,
    owner: Person | None = None,
) -> Resource:
    """Add an original to the library, owned by `owner` (default: `by`); raises TrainingError
    for a review date in the past."""
    _check_review_by(review_by)
    with transaction.atomic():
        resource = Resource.objects.create(
            title=title.strip(),
            summary=summary.strip(),
            kind=kind,
            url=url,
            language=language,
            owner=owner or by,
            review_by=review_by,
        )
        resource.skills.set(skills)
        resource.stages.set(stages)
    return resource


def resource_update(
    *,
    resource: Resource,
    by: Person,
    title: str,
    summary: str,
    url: str,
    language: Language,
    review_by: date,
    kind: str | None = None,
    skills: Iterable[Skill] | None = None,
    stages: Iterable[Stage] | None = None,
) -> Resource:
    """Change a resource; `kind`, `skills` and `stages` (None: unchanged) only on an original.

    Raises TrainingError when the language would clash with the original's or a translation's,
    when a translation is given tags of its own, or for a new review date in the past.
    """
    is_translation = resource.translation_of_id is not None
    if is_translation and not (kind is None and skills is None and stages is None):
        raise TrainingError(_("A translation takes its kind, skills and stages from its original."))
    with transaction.atomic():
        # Locked: a translation added meanwhile must not end up in the same language.
        current = Resource.objects.select_for_update().get(pk=resource.pk)
        _check_review_by(review_by, before=current.review_by)
        original_id = current.translation_of_id or current.pk
        clash = (
            Resource.objects.filter(Q(pk=original_id) | Q(translation_of_id=original_id))
            .exclude(pk=current.pk)
            .filter(language=language)
        )
        if clash.exists():
            raise TrainingError(_("This resource already has a version in that language."))
        resource.title = title.strip()
        resource.summary = summary.strip()
        resource.url = url
        resource.language = language
        resource.review_by = review_by
        fields = ["title", "summary", "url", "language", "review_by", "updated_at"]
        if kind is not None:
            resource.kind = kind
            fields.append("kind")
        resource.save(update_fields=fields)
        if kind is not None:
            # Translations show the kind of their original.
            Resource.objects.filter(translation_of=resource).update(kind=kind)
        if skills is not None:
            resource.skills.set(skills)
        if stages is not None:
            resource.stages.set(stages)
    return resource


def resource_translate(
    *,
    original: Resource,
    by: Person,
    language: Language,
    title: str,
    summary: str,
    url: str,
) -> Resource:
    """Add a translation of `original` in `language`, owned by `by`, with the original's kind
    and review date.

    Raises TrainingError for a translation of a translation, for the original's own language,
    and for a language the resource is already translated into.
    """
    if original.translation_of_id is not None:
        raise TrainingError(
            _("This is itself a translation: translate the original resource instead.")
        )
    if language.pk == original.language_id:
        raise TrainingError(_("The original is already in that language."))
    try:
        with transaction.atomic():
            # The original's row lock orders two translations into one language at once; the
            # unique constraint would refuse the second anyway.
            locked = Resource.objects.select_for_update().get(pk=original.pk)
            if locked.translations.filter(language=language).exists():
                raise TrainingError(_("This resource already has a translation in that language."))
            return Resource.objects.create(
                translation_of=locked,
                title=title.strip(),
                summary=summary.strip(),
                url=url,
                language=language,
                kind=locked.kind,
                owner=by,
                review_by=locked.review_by,
            )
    except IntegrityError as error:
        raise TrainingError(
            _("This resource already has a translation in that language.")
        ) from error


def resource_delete(*, resource: Resource) -> None:
    """Delete a resource; deleting an original deletes its translations and done marks too."""
    resource.delete()


def _family(resource: Resource) -> Q:
    original_id = resource.translation_of_id or resource.pk
    return Q(resource_id=original_id) | Q(resource__translation_of_id=original_id)


def resource_mark_done(*, resource: Resource, person: Person) -> None:
    """Record that `person` has done `resource`; nothing changes if they have done it or
    another version of it already."""
    if ResourceDone.objects.filter(_family(resource), person=person).exists():
        return
    # ignore_conflicts: a double click sends two requests; the unique constraint keeps one row.
    ResourceDone.objects.bulk_create(
        [ResourceDone(resource=resource, person=person)], ignore_conflicts=True
    )


def resource_mark_undone(*, resource: Resource, person: Person) -> None:
    """Forget that `person` has done `resource` or any version of it; idempotent."""
    ResourceDone.objects.filter(_family(resource), person=person).delete()
