"""Writes to leadership plans: every rule a community sets for its roles is enforced here."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leadership.models import Community, Person, Skill

from . import term_rules
from .models import (
    LeadershipPlan,
    PathwayStep,
    PlanStatus,
    Readiness,
    Role,
    RoleSkill,
    SuccessorCandidate,
    Term,
)
from .term_rules import Limits, Span


class PlanError(Exception):
    """A refused change to a plan, with a message for the person who asked."""


def _day(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


def _limits(role: Role) -> Limits:
    return Limits(
        term_months=role.term_months,
        max_consecutive_terms=role.max_consecutive_terms,
        cool_off_months=role.cool_off_months,
        max_total_years=role.max_total_years,
    )


def term_create(
    *, role: Role, person: Person, starts_on: date, ends_on: date, seat: int | None = None
) -> Term:
    """Give `person` a seat of `role` for [starts_on, ends_on), the first free seat if none given.

    Raises PlanError, naming the rule (and when the person is eligible again, where that is a
    date), if the term breaks one of the role's rules or the seat is taken; nothing is written.
    """
    new = Span(starts_on, ends_on)
    with transaction.atomic():
        # The role's row is the lock: two organisers filling its last seat at once are served
        # one after the other, and the second sees the first's term.
        role = Role.objects.select_for_update().get(pk=role.pk)
        terms = list(Term.objects.filter(role=role).select_related("person"))
        _check_dates(role, new)
        _check_person(role, person, new, [t for t in terms if t.person_id == person.pk])
        seat = _seat_for(role, new, terms, seat)
        try:
            with transaction.atomic():
                return Term.objects.create(
                    role=role, seat=seat, person=person, starts_on=starts_on, ends_on=ends_on
                )
        except IntegrityError as error:
            # Only a write that bypassed the lock (the admin's shell, a script) gets here.
            raise PlanError(
                _("This seat was filled in the meantime: reload and try again.")
            ) from error


def term_update(*, term: Term, starts_on: date, ends_on: date) -> Term:
    """Move or extend a term to [starts_on, ends_on) in the same seat, under the role's rules.

    The term is checked as if it were given anew, against every other term of the role. A term
    whose holder stepped down keeps its dates: they are the record. Raises PlanError; nothing is
    written then.
    """
    new = Span(starts_on, ends_on)
    with transaction.atomic():
        role = Role.objects.select_for_update().get(pk=term.role_id)
        current = Term.objects.select_related("person").get(pk=term.pk)
        if current.ended_on is not None:
            raise PlanError(
                _(
                    "%(name)s stepped down on %(day)s: the dates of an ended term are kept as "
                    "they were."
                )
                % {"name": current.person.display_name, "day": _day(current.ended_on)}
            )
        others = list(Term.objects.filter(role=role).exclude(pk=term.pk).select_related("person"))
        _check_dates(role, new)
        person = current.person
        _check_person(role, person, new, [t for t in others if t.person_id == person.pk])
        _seat_for(role, new, others, current.seat)
        current.starts_on, current.ends_on = starts_on, ends_on
        try:
            with transaction.atomic():
                current.save(update_fields=["starts_on", "ends_on"])
        except IntegrityError as error:
            raise PlanError(
                _("This seat was filled in the meantime: reload and try again.")
            ) from error
    term.starts_on, term.ends_on = starts_on, ends_on
    return term


def term_end_early(*, term: Term, ended_on: date) -> Term:
    """Record that the holder stepped down: the term ends on `ended_on`, freeing the seat.

    Either early, between the term's start and its (current) end, or, for a holder who stayed on
    past the planned end with nobody after them (a holdover), on the day they left: after the
    planned end, by the community's today, and not after a successor took the seat. Raises
    PlanError otherwise; nothing is written then.
    """
    with transaction.atomic():
        # The role's lock first, as term_create takes it, then the term as it is now.
        Role.objects.select_for_update().filter(pk=term.role_id).first()
        current = Term.objects.select_for_update().select_related("role__community").get(pk=term.pk)
        today = timezone.localdate(timezone=current.role.community.time_zone)
        if current.ended_on is None and current.ends_on <= min(ended_on, today):
            _check_holdover_end(current, ended_on, today)
        elif not current.starts_on < ended_on < current.end:
            raise PlanError(
                _("A term can end early only between its start (%(start)s) and its end (%(end)s).")
                % {"start": _day(current.starts_on), "end": _day(current.end)}
            )
        current.ended_on = ended_on
        try:
            with transaction.atomic():
                current.save(update_fields=["ended_on"])
        except IntegrityError as error:
            raise PlanError(
                _("This seat was filled in the meantime: reload and try again.")
            ) from error
    term.ended_on = ended_on
    return term


def _check_holdover_end(term: Term, ended_on: date, today: date) -> None:
    if ended_on > today:
        raise PlanError(
            _(
                "%(name)s stays on past the planned end (%(end)s): record the day they step "
                "down once it has come, by today (%(today)s). To plan a longer term, change its "
                "dates instead."
            )
            % {"end": _day(term.ends_on), "name": term.person.display_name, "today": _day(today)}
        )
    later = (
        Term.objects.filter(
            role_id=term.role_id, starts_on__lt=ended_on, starts_on__gt=term.starts_on
        )
        .filter(Q(seat=term.seat) | Q(person_id=term.person_id))
        .select_related("person")
        .order_by("starts_on")
        .first()
    )
    if later is not None:
        raise PlanError(
            _(
                "%(name)s began a term in this role on %(day)s: %(holder)s cannot have stayed on "
                "past that day."
            )
            % {
                "name": later.person.display_name,
                "day": _day(later.starts_on),
                "holder": term.person.display_name,
            }
        )


def _check_dates(role: Role, new: Span) -> None:
    if new.end <= new.start:
        raise PlanError(_("A term must end after it starts."))
    latest = term_rules.longest_end(_limits(role), new.start)
    if new.end > latest:
        raise PlanError(
            ngettext(
                "A term of %(role)s lasts at most %(months)s month: one starting on %(start)s "
                "ends on %(latest)s at the latest.",
                "A term of %(role)s lasts at most %(months)s months: one starting on %(start)s "
                "ends on %(latest)s at the latest.",
                role.term_months,
            )
            % {
                "role": role.title,
                "months": role.term_months,
                "start": _day(new.start),
                "latest": _day(latest),
            }
        )


def _check_person(role: Role, person: Person, new: Span, own: list[Term]) -> None:
    held = [Span(t.starts_on, t.end) for t in own]
    for term, span in zip(own, held, strict=True):
        if span.overlaps(new):
            raise PlanError(
                _("%(name)s already holds a seat of %(role)s from %(start)s to %(end)s.")
                % {
                    "name": person.display_name,
                    "role": role.title,
                    "start": _day(term.starts_on),
                    "end": _day(term.end),
                }
            )
    limits = _limits(role)
    too_long = term_rules.run_too_long(limits, new, held)
    if too_long is not None:
        values = {
            "name": person.display_name,
            "role": role.title,
            "limit": role.max_consecutive_terms,
            "count": too_long.length,
        }
        if too_long.eligible_from is None:
            raise PlanError(
                _(
                    "With this term %(name)s would serve %(count)s consecutive terms as "
                    "%(role)s, joining their later terms; the limit is %(limit)s."
                )
                % values
            )
        values["date"] = _day(too_long.eligible_from)
        if role.cool_off_months:
            values["cool_off"] = role.cool_off_months
            raise PlanError(
                _(
                    "This would be %(name)s's term number %(count)s in a row as %(role)s; the "
                    "limit is %(limit)s consecutive terms, then a cool-off of %(cool_off)s "
                    "months. %(name)s is eligible again from %(date)s."
                )
                % values
            )
        raise PlanError(
            _(
                "This would be %(name)s's term number %(count)s in a row as %(role)s; the limit "
                "is %(limit)s consecutive terms. %(name)s is eligible again from %(date)s."
            )
            % values
        )
    if term_rules.over_total_years(limits, new, held):
        raise PlanError(
            _(
                "This would bring %(name)s's time as %(role)s past the limit of %(years)s years "
                "in all: they are no longer eligible for this role."
            )
            % {"name": person.display_name, "role": role.title, "years": role.max_total_years}
        )


def _seat_for(role: Role, new: Span, terms: list[Term], seat: int | None) -> int:
    if seat is not None and not 1 <= seat <= role.seats:
        raise PlanError(
            ngettext(
                "%(role)s has %(seats)s seat.", "%(role)s has seats 1 to %(seats)s.", role.seats
            )
            % {"role": role.title, "seats": role.seats}
        )
    clashes = {
        number: [t for t in terms if t.seat == number and Span(t.starts_on, t.end).overlaps(new)]
        for number in range(1, role.seats + 1)
    }
    if seat is not None:
        if clashes[seat]:
            holder = clashes[seat][0]
            raise PlanError(
                _("Seat %(seat)s of %(role)s is held by %(name)s from %(start)s to %(end)s.")
                % {
                    "seat": seat,
                    "role": role.title,
                    "name": holder.person.display_name,
                    "start": _day(holder.starts_on),
                    "end": _day(holder.end),
                }
            )
        return seat
    for number, clash in clashes.items():
        if not clash:
            return number
    raise PlanError(
        _(
            "No seat of %(role)s is free for the whole of this term: choose other dates, or "
            "end a term early first."
        )
        % {"role": role.title}
    )


# Plans


PLAN_FIELDS = (
    "starts_on",
    "ends_on",
    "vision",
    "goals",
    "diversity_goals",
    "resources_needed",
    "leader_support",
    "review_on",
)


def _check_period(starts_on: date, ends_on: date) -> None:
    if ends_on <= starts_on:
        raise PlanError(_("A plan's period must end after it starts."))


def _check_text(data: Mapping[str, Any]) -> None:
    # Postgres cannot store a NUL character. The forms refuse it; a caller without one is told.
    if any(isinstance(value, str) and "\x00" in value for value in data.values()):
        raise PlanError(_("Null characters are not allowed."))


def plan_create(*, community: Community, data: Mapping[str, Any]) -> LeadershipPlan:
    """Start a draft plan for `community` with the fields of PLAN_FIELDS in `data`.

    Raises PlanError for an empty period or a NUL character; nothing is written then.
    """
    _check_period(data["starts_on"], data["ends_on"])
    _check_text(data)
    fields = {f: data[f] for f in PLAN_FIELDS if f in data}
    return LeadershipPlan.objects.create(community=community, **fields)


def plan_update(*, plan: LeadershipPlan, data: Mapping[str, Any]) -> LeadershipPlan:
    """Change a plan's period, sections or review date (the fields of PLAN_FIELDS in `data`).

    An archived plan is the record of its period and is not changed. Raises PlanError.
    """
    unknown = set(data) - set(PLAN_FIELDS)
    if unknown:
        raise PlanError(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))
    _check_text(data)
    with transaction.atomic():
        # As it is now: an organiser may have archived it since this one opened the form.
        current = LeadershipPlan.objects.select_for_update().get(pk=plan.pk)
        if current.status == PlanStatus.ARCHIVED:
            raise PlanError(_("An archived plan is kept as it was: start a new plan instead."))
        merged = {f: data.get(f, getattr(current, f)) for f in ("starts_on", "ends_on")}
        _check_period(merged["starts_on"], merged["ends_on"])
        for field, value in data.items():
            setattr(current, field, value)
        current.save(update_fields=list(data))
    for field, value in data.items():
        setattr(plan, field, value)
    return plan


def plan_publish(*, plan: LeadershipPlan) -> LeadershipPlan:
    """Publish a draft: it becomes the community's plan and the one published before is archived.

    Raises PlanError if the plan is not a draft.
    """
    with transaction.atomic():
        # The community's row serialises two publications, so one plan ends up published.
        Community.objects.select_for_update().filter(pk=plan.community_id).first()
        current = LeadershipPlan.objects.get(pk=plan.pk)
        if current.status != PlanStatus.DRAFT:
            raise PlanError(
                _("Only a draft can be published; this plan is %(status)s.")
                % {"status": current.get_status_display()}
            )
        for previous in LeadershipPlan.objects.filter(
            community_id=plan.community_id, status=PlanStatus.PUBLISHED
        ):
            previous.status = PlanStatus.ARCHIVED
            previous.save(update_fields=["status"])
        current.status = PlanStatus.PUBLISHED
        current.save(update_fields=["status"])
    plan.status = PlanStatus.PUBLISHED
    return plan


def plan_archive(*, plan: LeadershipPlan) -> LeadershipPlan:
    """Archive the published plan: it stays readable as the record of its period.

    Raises PlanError if the plan is not published.
    """
    with transaction.atomic():
        current = LeadershipPlan.objects.select_for_update().get(pk=plan.pk)
        if current.status != PlanStatus.PUBLISHED:
            raise PlanError(_("Only the published plan can be archived."))
        current.status = PlanStatus.ARCHIVED
        current.save(update_fields=["status"])
    plan.status = PlanStatus.ARCHIVED
    return plan


# Roles


ROLE_FIELDS = (
    "title",
    "description",
    "responsibilities",
    "seats",
    "filled_by",
    "term_months",
    "max_consecutive_terms",
    "cool_off_months",
    "max_total_years",
    "is_leadership",
    "succession_lead_months",
)


@dataclass(frozen=True)
class SkillNeed:
    skill: Skill
    min_level: int


def _validated(role: Role) -> None:
    try:
        role.full_clean()  # the fields, Role.clean() and the constraints (a title in use)
    except ValidationError as error:
        raise PlanError(" ".join(error.messages)) from error


def role_create(
    *, community: Community, data: Mapping[str, Any], skills: Iterable[SkillNeed] = ()
) -> Role:
    """Add a role to `community` with the fields of ROLE_FIELDS and the skills it needs.

    Raises PlanError (a title the community already uses, a rule out of range); nothing is
    written then.
    """
    role = Role(community=community, **{f: data[f] for f in ROLE_FIELDS if f in data})
    _validated(role)
    with transaction.atomic():
        role.save()
        _skills_set(role, skills)
    return role


def role_update(
    *, role: Role, data: Mapping[str, Any], skills: Iterable[SkillNeed] | None = None
) -> Role:
    """Change a role's description and rules; with `skills`, also the skills it needs.

    New rules apply to terms given from now on; terms already given keep their dates. Fewer
    seats than are held is refused. Raises PlanError; nothing is written then.
    """
    unknown = set(data) - set(ROLE_FIELDS)
    if unknown:
        raise PlanError(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        locked = Role.objects.select_for_update().get(pk=role.pk)
        for field, value in data.items():
            setattr(locked, field, value)
        _validated(locked)
        locked.save(update_fields=list(data))
        if skills is not None:
            _skills_set(locked, skills)
    for field, value in data.items():
        setattr(role, field, value)
    return role


def _skills_set(role: Role, skills: Iterable[SkillNeed]) -> None:
    wanted = {need.skill.pk: need.min_level for need in skills}
    RoleSkill.objects.filter(role=role).exclude(skill_id__in=wanted).delete()
    for skill_id, level in wanted.items():
        RoleSkill.objects.update_or_create(
            role=role, skill_id=skill_id, defaults={"min_level": level}
        )


# Succession


@dataclass(frozen=True)
class StepData:
    kind: str
    title: str
    description: str = ""
    url: str = ""
    pk: int | None = None  # the step it was, when it is kept; None for a new one


def pathway_set(*, role: Role, steps: Iterable[StepData]) -> list[PathwayStep]:
    """Make `steps`, in their order, the role's succession pathway (replacing the steps before).

    Raises PlanError for a step without a title; nothing is written then.
    """
    steps = list(steps)
    if any(not step.title.strip() for step in steps):
        raise PlanError(_("Every step of the pathway needs a title."))
    with transaction.atomic():
        Role.objects.select_for_update().filter(pk=role.pk).first()
        existing = {step.pk: step for step in PathwayStep.objects.filter(role=role)}
        kept: list[PathwayStep] = []
        for position, step in enumerate(steps, start=1):
            # A step keeps its row (and its history) however it moves; a pk of another role's
            # step is not this role's to change: a new row then.
            row = existing.pop(step.pk, None) if step.pk else None
            row = row or PathwayStep(role=role)
            new_values = {
                "position": position,
                "kind": step.kind,
                "title": step.title.strip(),
                "description": step.description,
                "url": step.url,
            }
            changed = row.pk is None or any(getattr(row, k) != v for k, v in new_values.items())
            for field, value in new_values.items():
                setattr(row, field, value)
            if changed:
                row.save()  # only a real change is written, and so kept in history
            kept.append(row)
        for row in existing.values():
            row.delete()
    return kept


def candidate_add(
    *, role: Role, person: Person, readiness: str, notes: str = ""
) -> SuccessorCandidate:
    """Name `person` as a possible successor in `role`, with their readiness.

    Raises PlanError if they are already named, or are not a member of the role's community.
    """
    if not person.memberships.filter(community_id=role.community_id).exists():
        raise PlanError(
            _("%(name)s is not a member of this community.") % {"name": person.display_name}
        )
    if readiness not in Readiness.values:
        raise PlanError(_("Choose how soon they could take the role on."))
    try:
        with transaction.atomic():
            return SuccessorCandidate.objects.create(
                role=role, person=person, readiness=readiness, notes=notes
            )
    except IntegrityError as error:
        raise PlanError(
            _("%(name)s is already named for %(role)s.")
            % {"name": person.display_name, "role": role.title}
        ) from error


def candidate_update(
    *, candidate: SuccessorCandidate, readiness: str, notes: str
) -> SuccessorCandidate:
    """Change how ready a named successor is, and the notes. Raises PlanError."""
    if readiness not in Readiness.values:
        raise PlanError(_("Choose how soon they could take the role on."))
    candidate.readiness, candidate.notes = readiness, notes
    candidate.save(update_fields=["readiness", "notes"])
    return candidate


def candidate_remove(*, candidate: SuccessorCandidate) -> None:
    """No longer name this person as a successor (the history keeps that they were)."""
    candidate.delete()
