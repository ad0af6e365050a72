"""Reads of leadership plans shared by pages, reminders and the admin."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from leadership.models import Community, Membership, Person
from leadership.rules import remember_viewer_fact

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
    TermStatus,
)


def successor_started(day: date) -> Exists:
    """Whether a later term in the same seat has begun by `day` (Term.status_on's argument)."""
    return Exists(
        Term.objects.filter(
            role=OuterRef("role"),
            seat=OuterRef("seat"),
            starts_on__gt=OuterRef("starts_on"),
            starts_on__lte=day,
        )
    )


def terms_not_over(*, on: date) -> QuerySet[Term]:
    """Terms not over on `on`: current, upcoming, or a holdover's (run out, never stepped down
    from, nobody in the seat after them yet), annotated with `actual_end`."""
    return Term.objects.annotate(actual_end=Coalesce("ended_on", "ends_on")).filter(
        Q(actual_end__gt=on) | (Q(ended_on__isnull=True) & ~successor_started(on))
    )


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


# Loading one object with the viewer's standing


def _viewer_role(viewer: Any, community_path: str) -> Subquery:
    """The viewer's role in the object's community, in the query that loads it (for the rules)."""
    role = Membership.objects.filter(community=OuterRef(community_path), person__user=viewer)
    return Subquery(role.order_by().values("role")[:1])


def _checked[T: models.Model](
    obj: T, community: Community, viewer: Any, view: str, edit: str | None
) -> T:
    remember_viewer_fact(community, viewer, "role", obj.viewer_role)  # type: ignore[attr-defined]
    if not viewer.has_perm(view, obj):
        # Outsiders learn nothing, not even that it exists.
        raise Http404
    if edit is not None and not viewer.has_perm(edit, obj):
        raise PermissionDenied
    return obj


def plan_get(*, viewer: Any, pk: int, for_editing: bool = False) -> LeadershipPlan:
    """The plan with its community, if `viewer` may see it (Http404) and edit it (403)."""
    qs = LeadershipPlan.objects.select_related("community").annotate(
        viewer_role=_viewer_role(viewer, "community_id")
    )
    plan = get_object_or_404(qs, pk=pk)
    edit = "plans.change_leadershipplan" if for_editing else None
    return _checked(plan, plan.community, viewer, "plans.view_leadershipplan", edit)


def role_get(*, viewer: Any, pk: int, for_editing: bool = False) -> Role:
    """The role with its community, if `viewer` may see it (Http404) and edit it (403)."""
    qs = Role.objects.select_related("community").annotate(
        viewer_role=_viewer_role(viewer, "community_id")
    )
    role = get_object_or_404(qs, pk=pk)
    edit = "plans.change_role" if for_editing else None
    return _checked(role, role.community, viewer, "plans.view_role", edit)


def term_get(*, viewer: Any, pk: int, for_editing: bool = False) -> Term:
    """The term with its role, community and holder, if `viewer` may see (404) and edit it (403)."""
    qs = Term.objects.select_related("role__community", "person").annotate(
        viewer_role=_viewer_role(viewer, "role__community_id")
    )
    term = get_object_or_404(qs, pk=pk)
    edit = "plans.change_term" if for_editing else None
    return _checked(term, term.role.community, viewer, "plans.view_term", edit)


def community_plans(*, community: Community, include_drafts: bool) -> list[LeadershipPlan]:
    """The community's plans, newest period first; drafts only for those who may edit them."""
    qs = LeadershipPlan.objects.filter(community=community).order_by("-starts_on", "-pk")
    if not include_drafts:
        qs = qs.exclude(status=PlanStatus.DRAFT)
    return list(qs)


def published_plan(*, community: Community) -> LeadershipPlan | None:
    return LeadershipPlan.objects.filter(community=community, status=PlanStatus.PUBLISHED).first()


# A community's roles and who holds their seats


@dataclass
class SeatRow:
    seat: int
    term: Term | None  # the current, holdover or last term of the seat
    status: TermStatus | None
    terms: list[Term] = field(default_factory=list)  # every term of the seat, oldest first


@dataclass
class RoleRow:
    role: Role
    seats: list[SeatRow]
    skills: list[RoleSkill]


def _seat_row(seat: int, terms: list[Term], today: date) -> SeatRow:
    started = [t for t in terms if t.starts_on <= today]
    if not started:
        return SeatRow(seat, None, None, terms)
    last = started[-1]
    successor_started = any(t.starts_on > last.starts_on for t in started)
    return SeatRow(seat, last, last.status_on(today, successor_started=successor_started), terms)


def _role_rows(
    roles: list[Role], terms: QuerySet[Term], needs: QuerySet[RoleSkill], today: date
) -> list[RoleRow]:
    """Each role with its seats (and any term in a seat above its number, which Role.clean
    prevents) and the skills it needs."""
    by_seat: dict[tuple[int, int], list[Term]] = {}
    top_seat: dict[int, int] = {}
    for term in terms.select_related("person").order_by("starts_on", "pk"):
        by_seat.setdefault((term.role_id, term.seat), []).append(term)
        top_seat[term.role_id] = max(top_seat.get(term.role_id, 0), term.seat)
    skills: dict[int, list[RoleSkill]] = {}
    for need in needs.select_related("skill").order_by("skill__name"):
        skills.setdefault(need.role_id, []).append(need)
    rows = []
    for role in roles:
        seats = []
        for number in range(1, max(role.seats, top_seat.get(role.pk, 0)) + 1):
            seat_terms = by_seat.get((role.pk, number), [])
            for term in seat_terms:
                term.role = role  # status_on reads the role's lead time
            seats.append(_seat_row(number, seat_terms, today))
        rows.append(RoleRow(role, seats, skills.get(role.pk, [])))
    return rows


def community_roles(*, community: Community, today: date) -> list[RoleRow]:
    """The community's roles by title, each seat with its holder on `today`, and their skills.

    Three queries, whatever the number of roles and terms.
    """
    roles = list(Role.objects.filter(community=community).order_by("title", "pk"))
    terms = Term.objects.filter(role__community=community)
    needs = RoleSkill.objects.filter(role__community=community)
    return _role_rows(roles, terms, needs, today)


def role_row(*, role: Role, today: date) -> RoleRow:
    """One role's seats with every term of each (oldest first) and its skills: two queries."""
    terms = Term.objects.filter(role=role)
    return _role_rows([role], terms, RoleSkill.objects.filter(role=role), today)[0]


def role_succession(*, role: Role) -> tuple[list[PathwayStep], list[SuccessorCandidate]]:
    """The role's pathway steps in order, and its named candidates, the readiest first."""
    steps = list(PathwayStep.objects.filter(role=role).order_by("position", "pk"))
    urgency = {value: index for index, value in enumerate(Readiness.values)}
    candidates = sorted(
        SuccessorCandidate.objects.filter(role=role).select_related("person"),
        key=lambda c: (urgency[c.readiness], c.person.display_name),
    )
    return steps, candidates


# The term timeline: each seat a row across the plan's period


@dataclass(frozen=True)
class Bar:
    term: Term
    status: TermStatus
    x: float  # in thousandths of the period's width
    width: float


@dataclass(frozen=True)
class TimelineRow:
    role: Role
    seat: int
    bars: list[Bar]


@dataclass(frozen=True)
class Timeline:
    starts_on: date
    ends_on: date
    rows: list[TimelineRow]
    today_x: float | None  # None when today is outside the period
    years: list[tuple[int, float]]  # each 1 January within the period and its position

    ROW_HEIGHT = 28

    @property
    def height(self) -> int:
        """The drawing's height: a row per seat under a line of years."""
        return 30 + self.ROW_HEIGHT * len(self.rows)


def _x(day: date, start: date, days: int) -> float:
    return round(1000 * (day - start).days / days, 1)


def plan_timeline(*, plan: LeadershipPlan, today: date) -> Timeline:
    """The plan's period with a row for each seat of each role and its terms as bars.

    Three queries (through community_roles), whatever the number of roles and terms.
    """
    start, end = plan.starts_on, plan.ends_on
    days = (end - start).days
    rows = []
    for row in community_roles(community=plan.community, today=today):
        for seat in row.seats:
            bars = []
            for term in seat.terms:
                successor_started = any(
                    t.starts_on > term.starts_on and t.starts_on <= today for t in seat.terms
                )
                status = term.status_on(today, successor_started=successor_started)
                # A holdover runs on past its end until today (even from before the period).
                shown_end = max(term.end, today) if status == TermStatus.HOLDOVER else term.end
                if shown_end <= start or term.starts_on >= end:
                    continue
                left, right = max(term.starts_on, start), min(shown_end, end)
                bars.append(
                    Bar(
                        term=term,
                        status=status,
                        x=_x(left, start, days),
                        width=max(_x(right, start, days) - _x(left, start, days), 2.0),
                    )
                )
            rows.append(TimelineRow(row.role, seat.seat, bars))
    years = [
        (year, _x(date(year, 1, 1), start, days))
        for year in range(start.year + 1, end.year + 1)
        if date(year, 1, 1) < end
    ]
    today_x = _x(today, start, days) if start <= today < end else None
    return Timeline(start, end, rows, today_x, years)


# Seats at risk across communities


AT_RISK_PAGE_SIZE = 50

# One row per seat of the chosen roles with the last term begun by the community's date (terms of
# a seat do not overlap, so that is its current term, or the one that ran out), kept when the seat
# is vacant, a holdover, or ending within the role's lead time with neither a successor's term
# planned nor a candidate ready now: seats_at_risk's rules, in one statement over every community.
_AT_RISK_SQL = """
WITH seats AS (
    SELECT r.id AS role_id, s.seat, r.title, r.succession_lead_months AS lead,
        (%(now)s::timestamptz AT TIME ZONE c.time_zone)::date AS today
    FROM plans_role r
    JOIN leadership_community c ON c.id = r.community_id
    CROSS JOIN LATERAL generate_series(1, r.seats) AS s(seat)
    {where}
), last AS (
    SELECT seats.*, t.id AS term_id, t.ended_on, COALESCE(t.ended_on, t.ends_on) AS term_end
    FROM seats LEFT JOIN LATERAL (
        SELECT id, ended_on, ends_on FROM plans_term
        WHERE role_id = seats.role_id AND seat = seats.seat AND starts_on <= seats.today
        ORDER BY starts_on DESC LIMIT 1
    ) t ON true
), risks AS (
    SELECT role_id, seat, term_id, title, term_end,
        CASE WHEN term_id IS NOT NULL AND term_end > today THEN 2
             WHEN term_id IS NOT NULL AND ended_on IS NULL THEN 1
             ELSE 0 END AS urgency
    FROM last
    WHERE term_id IS NULL OR term_end <= today OR (
        today >= (term_end - make_interval(months => lead))::date
        AND NOT EXISTS (
            SELECT 1 FROM plans_term n
            WHERE n.role_id = last.role_id AND n.seat = last.seat AND n.starts_on >= last.term_end
        )
        AND NOT EXISTS (
            SELECT 1 FROM plans_successorcandidate c
            WHERE c.role_id = last.role_id AND c.readiness = %(ready)s
        )
    )
)
SELECT role_id, seat, term_id, urgency FROM risks
ORDER BY urgency, term_end NULLS FIRST, title, role_id, seat
LIMIT %(limit)s OFFSET %(offset)s
"""


@dataclass(frozen=True)
class AtRiskPage:
    items: list[SeatAtRisk]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def communities_of(*, user: Any) -> list[int]:
    """The ids of the communities `user` belongs to, in any role."""
    return list(
        Membership.objects.filter(person__user=user)
        .order_by("community_id")
        .values_list("community_id", flat=True)
    )


def at_risk_moment(now: datetime) -> datetime:
    """`now` to the quarter hour before it: every time zone's midnight falls on a quarter hour,
    so each community's date is the same at that moment as now, and a page computed for it can
    be cached until the next quarter hour."""
    return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)


def seats_at_risk_across(
    *, communities: list[int] | None, now: datetime, page: int = 1, size: int = AT_RISK_PAGE_SIZE
) -> AtRiskPage:
    """Seats at risk in `communities` (None: every community) at `now`, page `page`.

    Each community's seats are judged on its own date at `now`. The most urgent first: vacant,
    holdovers, then ending soon; within each the earliest end. On Postgres one statement finds
    the page and two more load its roles and terms.
    """
    offset = (page - 1) * size
    if connection.vendor != "postgresql":
        return _across_in_python(communities, now, page, size)
    where, params = "", dict[str, Any]()
    if communities is not None:
        where, params = "WHERE r.community_id = ANY(%(communities)s)", {"communities": communities}
    params |= {"now": now, "ready": Readiness.READY_NOW, "limit": size + 1, "offset": offset}
    with connection.cursor() as cursor:
        cursor.execute(_AT_RISK_SQL.format(where=where), params)
        found = cursor.fetchall()
    has_next = len(found) > size
    found = found[:size]
    roles = Role.objects.select_related("community").in_bulk({row[0] for row in found})
    terms = Term.objects.select_related("person").in_bulk({row[2] for row in found if row[2]})
    urgency = list(Risk)
    items = [
        SeatAtRisk(roles[role_id], seat, urgency[level], terms.get(term_id))
        for role_id, seat, term_id, level in found
    ]
    return AtRiskPage(items, page, has_next)


def _across_in_python(
    communities: list[int] | None, now: datetime, page: int, size: int
) -> AtRiskPage:
    """The same list on databases without LATERAL (the SQLite demo): community by community."""
    qs = Community.objects.order_by("pk")
    if communities is not None:
        qs = qs.filter(pk__in=communities)
    found = []
    for community in qs:
        today = now.astimezone(community.time_zone).date()
        for seat in seats_at_risk(community=community, today=today):
            seat.role.community = community
            found.append(seat)
    urgency = list(Risk)
    found.sort(
        key=lambda s: (
            urgency.index(s.risk),
            s.term.end if s.term else date.min,
            s.role.title,
            s.role.pk,
            s.seat,
        )
    )
    start = (page - 1) * size
    return AtRiskPage(found[start : start + size], page, len(found) > start + size)


MEMBER_CHOICES = 50


def members_matching(*, community: Community, query: str) -> list[Person]:
    """Up to MEMBER_CHOICES of the community's members whose name contains `query`, by name.

    A form offers these instead of every member: a large community has thousands.
    """
    qs = Person.objects.filter(memberships__community=community).only("display_name")
    if query.strip():
        qs = qs.filter(display_name__icontains=query.strip())
    return list(qs.order_by("display_name", "pk")[:MEMBER_CHOICES])
