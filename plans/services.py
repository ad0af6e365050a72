"""Writes to leadership plans: every rule a community sets for its roles is enforced here."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leadership.models import Person

from . import term_rules
from .models import Role, Term
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


def term_end_early(*, term: Term, ended_on: date) -> Term:
    """Record that the holder stepped down: the term ends on `ended_on`, freeing the seat.

    A term can only be shortened: `ended_on` must fall after its start and before its current
    end. Raises PlanError otherwise; nothing is written then.
    """
    with transaction.atomic():
        # The role's lock first, as term_create takes it, then the term as it is now.
        Role.objects.select_for_update().filter(pk=term.role_id).first()
        current = Term.objects.select_for_update().get(pk=term.pk)
        if not current.starts_on < ended_on < current.end:
            raise PlanError(
                _("A term can end early only between its start (%(start)s) and its end (%(end)s).")
                % {"start": _day(current.starts_on), "end": _day(current.end)}
            )
        current.ended_on = ended_on
        current.save(update_fields=["ended_on"])
    term.ended_on = ended_on
    return term


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
