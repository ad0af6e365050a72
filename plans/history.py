"""A plan's change log: who changed what and when, read from django-simple-history's records.

The log of a plan covers the plan itself and everything it shows of its community: the roles and
their rules, the terms, the succession pathways and the named candidates.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import LeadershipPlan, PathwayStep, Role, SuccessorCandidate, Term

PAGE_SIZE = 50

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
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _shown(record: Any, field: Any) -> str:
    value = getattr(record, field.attname)
    if value is None or value == "":
        return "—"
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


def _records(model: type[Model], plan: LeadershipPlan, role_ids: list[int]) -> QuerySet[Any]:
    records = model.history.all()  # type: ignore[attr-defined]
    if model is LeadershipPlan:
        return records.filter(id=plan.pk)
    if model is Role:
        return records.filter(community_id=plan.community_id)
    return records.filter(role_id__in=role_ids)


def plan_changes(*, plan: LeadershipPlan, page: int = 1) -> ChangePage:
    """The plan's changes, newest first, a page of PAGE_SIZE at a time.

    Each change lists the fields it changed with their old and new values. A query for the roles
    and two for each of the five kinds of record, whatever the page.
    """
    models: list[type[Model]] = [LeadershipPlan, Role, Term, PathwayStep, SuccessorCandidate]
    role_ids = list(
        Role.history.filter(community_id=plan.community_id).values_list("id", flat=True).distinct()
    )
    roles = dict(
        Role.history.filter(id__in=role_ids).order_by("history_date").values_list("id", "title")
    )
    wanted = page * PAGE_SIZE + 1
    changes: list[Change] = []
    for model in models:
        recent = list(
            _records(model, plan, role_ids)
            .select_related("history_user__person")
            .order_by("-history_date", "-history_id")[:wanted]
        )
        if not recent:
            continue
        # Each record against the one before it of the same row (which may be older than the
        # page): all the records of those rows up to the newest on the page.
        ids = {r.id for r in recent}
        earlier: dict[int, list[Any]] = {}
        for record in (
            model.history.filter(id__in=ids)  # type: ignore[attr-defined]
            .order_by("history_date", "history_id")
            .only(*[f.attname for f in model.history.model._meta.fields])  # type: ignore[attr-defined]
        ):
            earlier.setdefault(record.id, []).append(record)
        fields = [
            f for f in model._meta.fields if f.name not in ("id", "created_at", "community", "role")
        ]
        for record in recent:
            chain = earlier[record.id]
            index = next(i for i, r in enumerate(chain) if r.history_id == record.history_id)
            before = chain[index - 1] if index else None
            changed = []
            if record.history_type == "~" and before is not None:
                changed = [
                    FieldChange(str(f.verbose_name), _shown(before, f), _shown(record, f))
                    for f in fields
                    if getattr(before, f.attname) != getattr(record, f.attname)
                ]
            elif record.history_type == "+":
                changed = [
                    FieldChange(str(f.verbose_name), "", _shown(record, f))
                    for f in fields
                    if getattr(record, f.attname) not in (None, "")
                ]
            user = record.history_user
            who = (
                getattr(getattr(user, "person", None), "display_name", None) or str(user)
                if user is not None
                else _("the system")
            )
            changes.append(
                Change(
                    when=record.history_date,
                    who=who,
                    subject=_subject(model, record, roles),
                    action=str(ACTIONS.get(record.history_type, record.history_type)),
                    fields=changed,
                )
            )
    changes.sort(key=lambda c: c.when, reverse=True)
    start = (page - 1) * PAGE_SIZE
    return ChangePage(changes[start : start + PAGE_SIZE], page, len(changes) > start + PAGE_SIZE)
