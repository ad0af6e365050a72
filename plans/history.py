"""A plan's change log: who changed what and when, read from django-simple-history's records.

The log of a plan covers the plan itself and everything it shows of its community: the roles and
their rules, the terms, the succession pathways and the named candidates.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import ForeignKey, Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadership.models import Person

from .models import LeadershipPlan, PathwayStep, Role, SuccessorCandidate, Term

PAGE_SIZE = 50
MODELS: list[type[Model]] = [LeadershipPlan, Role, Term, PathwayStep, SuccessorCandidate]
# Shown by the record's subject ("Term in Chair, seat 1"), or bookkeeping.
_NOT_SHOWN = {"id", "created_at", "community", "role"}

ACTIONS = {
    "+": gettext_lazy("created"),
    "~": gettext_lazy("changed"),
    "-": gettext_lazy("deleted"),
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Change:
    when: datetime
    who: str
    subject: str
    action: str
    fields: list[FieldChange]


@dataclass(frozen=True)
class ChangePage:
    items: list[Change]
    older: datetime | None  # where the next page of older changes starts, if there is one


def _records(model: type[Model], plan: LeadershipPlan, role_ids: list[int]) -> QuerySet[Any]:
    records = model.history.all()  # type: ignore[attr-defined]
    if model is LeadershipPlan:
        return records.filter(id=plan.pk)
    if model is Role:
        return records.filter(community_id=plan.community_id)
    return records.filter(role_id__in=role_ids)


def plan_changes(*, plan: LeadershipPlan, before: datetime | None = None) -> ChangePage:
    """The plan's changes made before `before` (all, if None), newest first, PAGE_SIZE of them.

    Each change lists the fields it changed with their old and new values; a save that changed
    nothing is left out. Fifteen queries, whatever the page: the roles, then for each kind of
    record its page and those rows' earlier records, and the names of the people they name.
    """
    role_ids = list(
        Role.history.filter(community_id=plan.community_id).values_list("id", flat=True).distinct()
    )
    roles = dict(
        Role.history.filter(id__in=role_ids).order_by("history_date").values_list("id", "title")
    )
    pages: list[tuple[type[Model], Any, Any]] = []
    for model in MODELS:
        recent = _records(model, plan, role_ids).select_related("history_user__person")
        if before is not None:
            # Keyset: records carry microsecond times, so two on the same instant are rare; one
            # on the page's boundary instant would be left out, never shown twice.
            recent = recent.filter(history_date__lt=before)
        page = list(recent.order_by("-history_date", "-history_id")[: PAGE_SIZE + 1])
        pages.append((model, page, _earlier(model, page)))
    names = _person_names(pages)
    changes = [
        change
        for model, page, earlier in pages
        for record in page
        if (change := _change(model, record, earlier, roles, names)) is not None
    ]
    changes.sort(key=lambda c: c.when, reverse=True)
    times = sorted((r.history_date for _m, page, _e in pages for r in page), reverse=True)
    if len(times) <= PAGE_SIZE:
        return ChangePage(changes, None)
    # This page ends at the PAGE_SIZE-th newest record; the next shows those before it.
    boundary = times[PAGE_SIZE - 1]
    return ChangePage([c for c in changes if c.when >= boundary], boundary)


def _earlier(model: type[Model], page: list[Any]) -> dict[int, list[Any]]:
    """Every record of the page's rows, oldest first: each record is compared with the one
    before it of the same row, which may be older than the page."""
    if not page:
        return {}
    newest = page[0].history_date
    chains: dict[int, list[Any]] = {}
    for record in (
        model.history.filter(id__in={r.id for r in page}, history_date__lte=newest)  # type: ignore[attr-defined]
        .order_by("history_date", "history_id")
        .only(*[f.attname for f in model.history.model._meta.fields])  # type: ignore[attr-defined]
    ):
        chains.setdefault(record.id, []).append(record)
    return chains


def _person_names(pages: list[tuple[type[Model], Any, Any]]) -> dict[int, str]:
    ids = {
        record.person_id
        for _m, page, earlier in pages
        for chain in [page, *earlier.values()]
        for record in chain
        if getattr(record, "person_id", None)
    }
    return dict(Person.objects.filter(pk__in=ids).values_list("pk", "display_name"))


def _shown(record: Any, field: Any, names: dict[int, str]) -> str:
    value = getattr(record, field.attname)
    if value is None or value == "":
        return "—"
    if isinstance(field, ForeignKey) and field.name == "person":
        return names.get(value, _("a person since deleted"))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _subject(model: type[Model], record: Any, roles: dict[int, str]) -> str:
    if model is LeadershipPlan:
        return _("The plan")
    if model is Role:
        return _("Role %(title)s") % {"title": record.title}
    role = roles.get(record.role_id, "?")
    if model is Term:
        return _("Term in %(role)s, seat %(seat)s") % {"role": role, "seat": record.seat}
    if model is PathwayStep:
        return _("Pathway of %(role)s: %(step)s") % {"role": role, "step": record.title}
    return _("Candidate for %(role)s") % {"role": role}


def _who(record: Any) -> str:
    user = record.history_user
    if user is None:
        return _("the system")
    person = getattr(user, "person", None)
    # Never an account's username or email: members read this log.
    return person.display_name if person is not None else _("an administrator")


def _change(
    model: type[Model],
    record: Any,
    earlier: dict[int, list[Any]],
    roles: dict[int, str],
    names: dict[int, str],
) -> Change | None:
    fields = [f for f in model._meta.fields if f.name not in _NOT_SHOWN]
    chain = earlier.get(record.id, [])
    index = next((i for i, r in enumerate(chain) if r.history_id == record.history_id), 0)
    before = chain[index - 1] if index else None
    changed: list[FieldChange] = []
    if record.history_type == "~" and before is not None:
        changed = [
            FieldChange(str(f.verbose_name), _shown(before, f, names), _shown(record, f, names))
            for f in fields
            if getattr(before, f.attname) != getattr(record, f.attname)
        ]
        if not changed:
            return None  # saved without a change
    elif record.history_type == "+":
        changed = [
            FieldChange(str(f.verbose_name), "", _shown(record, f, names))
            for f in fields
            if getattr(record, f.attname) not in (None, "")
        ]
    return Change(
        when=record.history_date,
        who=_who(record),
        subject=_subject(model, record, roles),
        action=str(ACTIONS.get(record.history_type, record.history_type)),
        fields=changed,
    )
