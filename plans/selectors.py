"""Reads of leadership plans shared by pages, reminders and the admin."""

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from leadership.models import Community

from . import term_rules
from .models import Readiness, Role, SuccessorCandidate, Term


class Risk(models.TextChoices):
    # In order of urgency.
    VACANT = "vacant", _("vacant")
    HOLDOVER = "holdover", _("holdover: the term has ended and nobody has taken over")
    ENDING_SOON = "ending_soon", _("ending soon, with no successor ready")


@dataclass(frozen=True)
class SeatAtRisk:
    role: Role
    seat: int
    risk: Risk
    term: Term | None  # the current or last term of the seat, if any


def seats_at_risk(*, community: Community, today: date) -> list[SeatAtRisk]:
    """The community's seats that need attention on `today`, the most urgent first.

    A seat is at risk when nobody holds it (vacant), when its term ran out and nobody has taken
    over (holdover), or when its term ends within the role's lead time and neither a successor's
    term is planned nor a candidate is ready now. Three queries, whatever the number of roles.
    """
    roles = list(Role.objects.filter(community=community).order_by("title", "pk"))
    terms: dict[tuple[int, int], list[Term]] = {}
    for term in (
        Term.objects.filter(role__community=community)
        .select_related("person")
        .order_by("starts_on", "pk")
    ):
        terms.setdefault((term.role_id, term.seat), []).append(term)
    ready = set(
        SuccessorCandidate.objects.filter(
            role__community=community, readiness=Readiness.READY_NOW
        ).values_list("role_id", flat=True)
    )
    found = []
    for role in roles:
        for seat in range(1, role.seats + 1):
            at_risk = _seat_risk(role, seat, terms.get((role.pk, seat), []), ready, today)
            if at_risk is not None:
                found.append(at_risk)
    urgency = list(Risk)
    return sorted(
        found,
        key=lambda s: (urgency.index(s.risk), s.term.end if s.term else date.min, s.role.title),
    )


def _seat_risk(
    role: Role, seat: int, terms: list[Term], ready: set[int], today: date
) -> SeatAtRisk | None:
    started = [t for t in terms if t.starts_on <= today]
    current = next((t for t in started if today < t.end), None)
    if current is None:
        last = started[-1] if started else None
        if last is not None and last.ended_on is None:
            return SeatAtRisk(role, seat, Risk.HOLDOVER, last)
        return SeatAtRisk(role, seat, Risk.VACANT, last)
    if today < term_rules.add_months(current.end, -role.succession_lead_months):
        return None
    successor_planned = any(t.starts_on >= current.end for t in terms)
    if successor_planned or role.pk in ready:
        return None
    return SeatAtRisk(role, seat, Risk.ENDING_SOON, current)
