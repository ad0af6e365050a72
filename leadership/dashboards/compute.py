"""The dashboards' figures, computed in the database for every scope of a level at once.

A level is "community", "region" or "movement"; its scopes are the communities, the regions, and
the one movement. Each figure is one grouped query over its natural table (memberships, terms,
enrolments, applications, engagements), grouped by the scope the row belongs to, so a level costs
the same few queries whether it has one scope or a thousand. Roll-ups count people, not rows:
`Count(person, distinct=True)` within the scope, so a person in two communities of a region
counts once in the region and once in the movement.

`compute_level(level, today, key=None)` returns {scope key: {section: data}}, JSON-ready. The
representation section holds only published (suppressed, rounded) figures: see suppression.py.
Celery keeps the snapshots up to date (tasks.py); pages read a snapshot, never these queries.
"""

import itertools
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth

from leadership.coaching.models import (
    OPEN_STATUSES,
    RUNNING_STATUSES,
    AssignmentStatus,
    CoachAssignment,
    CoachProfile,
    quiet_clock_from,
)
from leadership.models import Community, Membership, SelfIdentification
from mentoring.models import (
    ApplicationStatus,
    MenteeApplication,
    MentorOffer,
    OfferStatus,
    Relationship,
    RelationshipStatus,
)
from plans import term_rules
from plans.models import Readiness, Role, SuccessorCandidate, Term
from plans.selectors import terms_not_over
from training.models import Session

from .suppression import Line, publish_line

LEVELS = ("community", "region", "movement")
MOVEMENT_KEY = "all"
QUARTERS = 8  # two years of quarter ends: enough to see a trend, few enough to read
RECENT_DAYS = 365  # "in training", "mentored", "facilitating": within the last year or ahead
STAGE_BUCKETS = 3  # stages 1, 2 and "3 or later"
TOP_COMMUNITIES = 10

QUESTIONS = {
    "gender": SelfIdentification.Gender.values,
    "age_band": SelfIdentification.AgeBand.values,
    "underrepresented": ["yes", "no"],
}
NOT_STATED = "not_stated"


def _path(level: str, to_community: str) -> str | None:
    """The lookup from a row to its scope key, `to_community` being the row's path to its
    community ("community", "role__community")."""
    if level == "community":
        return f"{to_community}_id"
    if level == "region":
        return f"{to_community}__region"
    return None


def _restrict[Q_: QuerySet[Any]](qs: Q_, level: str, to_community: str, key: str | None) -> Q_:
    if key is None or level == "movement":
        return qs
    if level == "community":
        return qs.filter(**{f"{to_community}_id": int(key)})
    return qs.filter(**{f"{to_community}__region": key})


def _grouped(
    qs: QuerySet[Any], level: str, to_community: str, key: str | None, **aggregates: Any
) -> dict[str, dict[str, Any]]:
    """{scope key: {aggregate: value}} for the rows of `qs`, grouped by their scope."""
    qs = _restrict(qs, level, to_community, key).order_by()
    path = _path(level, to_community)
    if path is None:
        return {MOVEMENT_KEY: qs.aggregate(**aggregates)}
    rows = qs.values(scope=F(path)).annotate(**aggregates)
    return {str(row.pop("scope")): row for row in rows}


def _scope_expr(level: str, to_community: str) -> Any:
    """The scope key of a row, as an expression for values()."""
    path = _path(level, to_community)
    return F(path) if path else Value(MOVEMENT_KEY)


def _scope_keys(level: str, key: str | None) -> list[str]:
    if level == "movement":
        return [MOVEMENT_KEY]
    if key is not None:
        return [key]
    if level == "community":
        return [str(pk) for pk in Community.objects.order_by("pk").values_list("pk", flat=True)]
    return list(Community.Region.values)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def quarter_ends(today: date, count: int = QUARTERS) -> list[date]:
    """The last `count` quarter ends, the latest being today (the quarter so far)."""
    ends = [today]
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    for _ in range(count - 1):
        end = start - timedelta(days=1)
        ends.append(end)
        start = date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    return list(reversed(ends))


# --- terms in force


def _current_terms(today: date) -> QuerySet[Term]:
    """Terms held on `today`: begun, not over, or a holdover's (run out, not stepped down from,
    nobody in the seat after them yet)."""
    return terms_not_over(on=today).filter(starts_on__lte=today, role__is_leadership=True)


# --- pipeline


# Each person's steps, aggregated once per person and then joined to their memberships: one pass
# over enrolments and one over relationships, however many scopes. For each quarter end `d`:
# "in training" is an enrolment made by `d` in a session from the year before `d` onwards, and
# "mentored" a relationship begun by `d` and not ended before the year before `d`; today's
# figures are the last quarter end's, so the chart and the headline agree.
_PIPELINE_SQL = """
WITH training AS (
    SELECT e.person_id,
           MAX(CASE WHEN e.enrolled_at <= %(now)s AND s.starts_at >= %(recent)s
                    THEN st."order" END) AS stage,
           {training_columns}
    FROM training_enrolment e
    JOIN training_session s ON s.id = e.session_id
    JOIN training_stage st ON st.id = s.stage_id
    WHERE e.status = 'enrolled'
    GROUP BY e.person_id
), mentored AS (
    SELECT a.person_id,
           {mentored_columns}
    FROM mentoring_relationship r
    JOIN mentoring_menteeapplication a ON a.id = r.application_id
    GROUP BY a.person_id
)
SELECT {scope} AS scope,
       COUNT(DISTINCT m.person_id),
       COUNT(DISTINCT CASE WHEN t.stage = 1 THEN m.person_id END),
       COUNT(DISTINCT CASE WHEN t.stage = 2 THEN m.person_id END),
       COUNT(DISTINCT CASE WHEN t.stage >= 3 THEN m.person_id END),
       {quarter_counts}
FROM leadership_membership m
JOIN leadership_community c ON c.id = m.community_id
LEFT JOIN training t ON t.person_id = m.person_id
LEFT JOIN mentored r ON r.person_id = m.person_id
{where}
GROUP BY 1
"""


def _pipeline_rows(level: str, today: date, key: str | None) -> dict[str, list[int]]:
    ends = quarter_ends(today)
    params: dict[str, Any] = {
        "now": _day_start(today + timedelta(days=1)),
        "recent": _day_start(today - timedelta(days=RECENT_DAYS)),
    }
    training_columns, mentored_columns, counts = [], [], []
    for index, end in enumerate(ends):
        params[f"end_{index}"] = end
        params[f"end_at_{index}"] = _day_start(end + timedelta(days=1))
        params[f"since_{index}"] = end - timedelta(days=RECENT_DAYS)
        params[f"since_at_{index}"] = _day_start(end - timedelta(days=RECENT_DAYS))
        training_columns.append(
            f"MAX(CASE WHEN e.enrolled_at < %(end_at_{index})s"
            f" AND s.starts_at >= %(since_at_{index})s THEN 1 ELSE 0 END) AS q{index}"
        )
        mentored_columns.append(
            f"MAX(CASE WHEN r.started_on <= %(end_{index})s AND (r.ended_on IS NULL"
            f" OR r.ended_on >= %(since_{index})s) THEN 1 ELSE 0 END) AS q{index}"
        )
        joined = f"m.joined_on <= %(end_{index})s"
        counts += [
            f"COUNT(DISTINCT CASE WHEN {joined} THEN m.person_id END)",
            f"COUNT(DISTINCT CASE WHEN {joined} AND t.q{index} = 1 THEN m.person_id END)",
            f"COUNT(DISTINCT CASE WHEN {joined} AND r.q{index} = 1 THEN m.person_id END)",
        ]
    scope = {"community": "m.community_id", "region": "c.region"}.get(level, "'all'")
    where = ""
    if key is not None and level != "movement":
        where = f"WHERE {scope} = %(key)s"
        params["key"] = int(key) if level == "community" else key
    sql = _PIPELINE_SQL.format(
        training_columns=",\n           ".join(training_columns),
        mentored_columns=",\n           ".join(mentored_columns),
        quarter_counts=",\n       ".join(counts),
        scope=scope,
        where=where,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {str(row[0]): list(row[1:]) for row in cursor.fetchall()}


def pipeline(level: str, today: date, key: str | None) -> dict[str, dict[str, Any]]:
    """Members -> in a training stage (by stage) -> mentored -> holding a leadership role, today
    and at each of the last quarter ends. Leaders are counted from the terms (a leader who is not
    a member of the community is a leader all the same), holdovers included."""
    ends = quarter_ends(today)
    rows = _pipeline_rows(level, today, key)
    leaders = [
        _grouped(
            _current_terms(end), level, "role__community", key, n=Count("person_id", distinct=True)
        )
        for end in ends
    ]
    result = {}
    for scope in _scope_keys(level, key):
        row = rows.get(scope) or [0] * (4 + 3 * len(ends))
        members, *by_stage = row[:4]
        quarters: list[dict[str, Any]] = [
            {
                "end": end.isoformat(),
                "members": row[4 + 3 * index],
                "training": row[5 + 3 * index],
                "mentored": row[6 + 3 * index],
                "leaders": leaders[index].get(scope, {}).get("n") or 0,
            }
            for index, end in enumerate(ends)
        ]
        now: dict[str, int] = {
            "members": members,
            "training": int(quarters[-1]["training"]),
            "mentored": int(quarters[-1]["mentored"]),
            "leaders": int(quarters[-1]["leaders"]),
        }
        steps = list(now)
        result[scope] = {
            **now,
            "by_stage": by_stage,
            "conversion": {
                step: _percent(now[step], now[before]) for before, step in itertools.pairwise(steps)
            },
            "quarters": quarters,
        }
    return result


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


# --- terms and succession


def terms(level: str, today: date, key: str | None) -> dict[str, dict[str, Any]]:
    """Terms ending in each of the next 12 months, vacant seats, holdovers, seats at risk."""
    # The twelve months shown: this one and the next eleven, to the first day of the month after.
    horizon = term_rules.add_months(today.replace(day=1), 12)
    open_terms = Term.objects.filter(role__is_leadership=True, ended_on__isnull=True)
    ending = _restrict(
        open_terms.filter(ends_on__gte=today, ends_on__lt=horizon),
        level,
        "role__community",
        key,
    ).order_by()
    path = _path(level, "role__community")
    by_month: dict[str, dict[str, int]] = defaultdict(dict)
    rows = ending.annotate(month=TruncMonth("ends_on"))
    values = (
        rows.values("month", scope=F(path))
        if path
        else rows.values("month", scope=Value(MOVEMENT_KEY))
    ).annotate(n=Count("pk"))
    for row in values:
        by_month[str(row["scope"])][row["month"].strftime("%Y-%m")] = row["n"]
    months = [term_rules.add_months(today.replace(day=1), i).strftime("%Y-%m") for i in range(12)]

    seats = _grouped(
        Role.objects.filter(is_leadership=True),
        level,
        "community",
        key,
        seats=Coalesce(Sum("seats"), 0),
    )
    held = _grouped(
        _current_terms(today),
        level,
        "role__community",
        key,
        held=Count("pk"),
        holdovers=Count("pk", filter=Q(actual_end__lte=today)),
    )
    risk = _seats_at_risk(level, today, key)
    result = {}
    for scope in _scope_keys(level, key):
        total = seats.get(scope, {}).get("seats") or 0
        current = held.get(scope, {})
        result[scope] = {
            "ending_by_month": [[month, by_month[scope].get(month, 0)] for month in months],
            "seats": total,
            "held": current.get("held") or 0,
            "vacant": max(total - (current.get("held") or 0), 0),
            "holdovers": current.get("holdovers") or 0,
            "at_risk": risk.get(scope, {}).get("count", 0),
            "at_risk_list": risk.get(scope, {}).get("list", []),
        }
    return result


def _seats_at_risk(level: str, today: date, key: str | None) -> dict[str, dict[str, Any]]:
    """Seats whose term ends within the role's lead time with no successor planned and no
    candidate ready now (the 'ending soon' risk of plans' seats at risk)."""
    later = Term.objects.filter(
        role_id=OuterRef("role_id"), seat=OuterRef("seat"), starts_on__gt=OuterRef("starts_on")
    )
    ready = SuccessorCandidate.objects.filter(
        role_id=OuterRef("role_id"), readiness=Readiness.READY_NOW
    )
    candidates = (
        _restrict(
            Term.objects.filter(
                role__is_leadership=True,
                ended_on__isnull=True,
                starts_on__lte=today,
                ends_on__gt=today,
                ends_on__lte=term_rules.add_months(today, 24),
            ),
            level,
            "role__community",
            key,
        )
        .annotate(has_successor=Exists(later), has_ready=Exists(ready))
        .filter(has_successor=False, has_ready=False)
        .values_list(
            "role__community_id",
            "role__community__region",
            "role__community__name",
            "role__community__slug",
            "role__title",
            "seat",
            "ends_on",
            "role__succession_lead_months",
        )
    )
    found: dict[str, dict[str, Any]] = defaultdict(lambda: {"count": 0, "list": [], "by": {}})
    for community_id, region, name, slug, title, seat, ends_on, lead in candidates:
        # The role's own lead time decides (a few rows: those within two years of their end).
        if today < term_rules.add_months(ends_on, -lead):
            continue
        entry = found[_scope_of(level, community_id, region)]
        entry["count"] += 1
        if level == "community":
            entry["list"].append([title, seat, ends_on.isoformat()])
        else:
            by = entry["by"]
            by[slug] = [name, slug, by.get(slug, [name, slug, 0])[2] + 1]
    for entry in found.values():
        if entry["by"]:
            entry["list"] = sorted(entry["by"].values(), key=lambda row: (-row[2], row[0]))[
                :TOP_COMMUNITIES
            ]
        entry["list"] = sorted(entry["list"])[:50] if level == "community" else entry["list"]
        del entry["by"]
    return found


# --- representation


def representation(level: str, today: date, key: str | None) -> dict[str, dict[str, Any]]:
    """Per question: leaders and the whole community split by self-identified group, published
    (suppressed and rounded); the true counts never leave this function."""
    result: dict[str, dict[str, Any]] = {scope: {} for scope in _scope_keys(level, key)}
    answer = "person__self_identification__"
    for question, groups in QUESTIONS.items():
        for population, qs, to_community in (
            ("leaders", _current_terms(today), "role__community"),
            ("community", Membership.objects.all(), "community"),
        ):
            aggregates = {
                group: Count("person_id", distinct=True, filter=Q(**{answer + question: group}))
                for group in groups
            }
            aggregates[NOT_STATED] = Count(
                "person_id",
                distinct=True,
                filter=Q(**{f"{answer}pk__isnull": True}) | Q(**{answer + question: ""}),
            )
            counts = _grouped(qs, level, to_community, key, **aggregates)
            for scope in result:
                row = counts.get(scope, {})
                line = publish_line({group: row.get(group) or 0 for group in [*groups, NOT_STATED]})
                result[scope].setdefault(question, {})[population] = line_to_json(line)
    return result


def line_to_json(line: Line) -> dict[str, Any]:
    return {
        "cells": line.cells,
        "total": line.total,
        "withheld": line.withheld,
    }


# --- renewal and retention


def renewal(level: str, today: date, key: str | None) -> dict[str, dict[str, Any]]:
    """How often leadership changes hands, seats held beyond the term limit, and veterans who
    stay active as mentors, coaches or facilitators."""
    year_ago = today - timedelta(days=365)
    previous_holder = Subquery(
        Term.objects.filter(
            role_id=OuterRef("role_id"), seat=OuterRef("seat"), starts_on__lt=OuterRef("starts_on")
        )
        .order_by("-starts_on")
        .values("person_id")[:1]
    )
    started = Term.objects.filter(
        role__is_leadership=True, starts_on__gt=year_ago, starts_on__lte=today
    ).annotate(previous=previous_holder)
    handovers = _grouped(
        started,
        level,
        "role__community",
        key,
        handovers=Count("pk", filter=Q(previous__isnull=False) & ~Q(previous=F("person_id"))),
        renewals=Count("pk", filter=Q(previous=F("person_id"))),
        started=Count("pk"),
    )
    beyond = _beyond_limit(level, today, key)
    held = _grouped(_current_terms(today), level, "role__community", key, held=Count("pk"))

    recent = _day_start(year_ago)
    person = OuterRef("person_id")
    # Who leads anywhere today, as a set the database hashes once (NOT IN), not a correlated
    # anti-join: the planner misjudges the latter as one row and loops over every role.
    leaders_now = _current_terms(today).values("person_id")
    mentoring = MentorOffer.objects.filter(person_id=person, status=OfferStatus.ACTIVE)
    # Coaching now, or an engagement completed in the last year (not a proposal, declined or
    # withdrawn: those were never coaching).
    coaching = CoachAssignment.objects.filter(coach__person_id=person).filter(
        Q(status__in=RUNNING_STATUSES)
        | Q(status=AssignmentStatus.COMPLETED, ended_on__gte=year_ago)
    )
    facilitating = Session.objects.filter(facilitators=person, starts_at__gte=recent)
    veterans = (
        Term.objects.filter(role__is_leadership=True, starts_on__lte=today)
        .annotate(actual_end=Coalesce("ended_on", "ends_on"))
        .filter(actual_end__lte=today)
        .exclude(person_id__in=leaders_now)
        .annotate(
            as_mentor=Exists(mentoring),
            as_coach=Exists(coaching),
            as_facilitator=Exists(facilitating),
        )
    )
    vets = _grouped(
        veterans,
        level,
        "role__community",
        key,
        veterans=Count("person_id", distinct=True),
        mentors=Count("person_id", distinct=True, filter=Q(as_mentor=True)),
        coaches=Count("person_id", distinct=True, filter=Q(as_coach=True)),
        facilitators=Count("person_id", distinct=True, filter=Q(as_facilitator=True)),
        active=Count(
            "person_id",
            distinct=True,
            filter=Q(as_mentor=True) | Q(as_coach=True) | Q(as_facilitator=True),
        ),
    )
    result = {}
    for scope in _scope_keys(level, key):
        hand = handovers.get(scope, {})
        vet = vets.get(scope, {})
        seats_held = held.get(scope, {}).get("held") or 0
        over = beyond.get(scope, 0)
        result[scope] = {
            "terms_started": hand.get("started") or 0,
            "handovers": hand.get("handovers") or 0,
            "renewals": hand.get("renewals") or 0,
            "seats_held": seats_held,
            "beyond_limit": over,
            "beyond_limit_share": _percent(over, seats_held),
            "veterans": vet.get("veterans") or 0,
            "veterans_active": vet.get("active") or 0,
            "veterans_active_share": _percent(vet.get("active") or 0, vet.get("veterans") or 0),
            "veterans_as": {
                "mentors": vet.get("mentors") or 0,
                "coaches": vet.get("coaches") or 0,
                "facilitators": vet.get("facilitators") or 0,
            },
        }
    return result


def _beyond_limit(level: str, today: date, key: str | None) -> dict[str, int]:
    """Seats held today in a run of consecutive terms longer than the role allows.

    The rule is plans' own (term_rules.run_too_long), applied to the terms of roles that cap
    their runs; in the Celery job, over the capped roles' terms only.
    """
    current = set(_current_terms(today).values_list("pk", flat=True))
    rows = (
        _restrict(
            Term.objects.filter(
                role__is_leadership=True, role__max_consecutive_terms__isnull=False
            ),
            level,
            "role__community",
            key,
        )
        .order_by("role_id", "person_id", "starts_on")
        .values_list(
            "pk",
            "role_id",
            "person_id",
            "starts_on",
            "ends_on",
            "ended_on",
            "role__term_months",
            "role__max_consecutive_terms",
            "role__cool_off_months",
            "role__community_id",
            "role__community__region",
        )
    )
    held: dict[tuple[int, int], list[term_rules.Span]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for pk, role, person, start, end, ended, months, most, cool_off, community, region in rows:
        span = term_rules.Span(start, ended or end)
        earlier = held[(role, person)]
        if pk in current:
            limits = term_rules.Limits(months, most, cool_off, None)
            if term_rules.run_too_long(limits, span, earlier) is not None:
                counts[_scope_of(level, community, region)] += 1
        earlier.append(span)
    return counts


# --- mentoring and coaching health


def health(level: str, today: date, key: str | None) -> dict[str, dict[str, Any]]:
    """Waiting mentees and how long they wait, proposal response times, quiet relationships,
    coaching engagements and coach caseloads."""
    now = _day_start(today)
    person = OuterRef("person_id")
    members = Membership.objects.all()
    waiting = MenteeApplication.objects.filter(person_id=person, status=ApplicationStatus.WAITING)
    quiet_relationships = Relationship.objects.filter(
        application__person_id=person, status=RelationshipStatus.ACTIVE
    )
    counts = _grouped(
        members.annotate(
            waits=Exists(waiting),
            in_pair=Exists(quiet_relationships),
        ),
        level,
        "community",
        key,
        waiting=Count("person_id", distinct=True, filter=Q(waits=True)),
        mentored=Count("person_id", distinct=True, filter=Q(in_pair=True)),
    )
    # Waiting times and response times: the medians need the values, one row per person.
    waits = _values_by_scope(
        members.filter(person__mentee_applications__status=ApplicationStatus.WAITING).annotate(
            since=Min("person__mentee_applications__waiting_since")
        ),
        level,
        key,
        "since",
    )
    answered = _values_by_scope(
        Membership.objects.filter(
            person__mentor_offers__proposals__answered_at__gte=now - timedelta(days=90),
        ).annotate(
            published=F("person__mentor_offers__proposals__published_at"),
            answered=F("person__mentor_offers__proposals__answered_at"),
            proposal=F("person__mentor_offers__proposals__pk"),
        ),
        level,
        key,
        "published",
        "answered",
        "proposal",
    )
    quiet = _quiet_relationships(level, today, key)
    coaching = _coaching(level, today, key)
    result = {}
    for scope in _scope_keys(level, key):
        days = [(now - since).days for (since,) in waits.get(scope, [])]
        seen: set[int] = set()
        hours = []
        for published, answered_at, proposal in answered.get(scope, []):
            if proposal in seen or published is None:
                continue
            seen.add(proposal)
            hours.append((answered_at - published).total_seconds() / 3600)
        row = counts.get(scope, {})
        result[scope] = {
            "waiting": row.get("waiting") or 0,
            "waiting_days_median": round(statistics.median(days)) if days else None,
            "waiting_days_max": max(days) if days else None,
            "waiting_over_90_days": sum(1 for d in days if d > 90),
            "answered_90_days": len(hours),
            "response_hours_median": round(statistics.median(hours)) if hours else None,
            "mentored": row.get("mentored") or 0,
            "quiet_relationships": quiet.get(scope, 0),
            "coaching": coaching.get(scope, _empty_coaching()),
        }
    return result


def _values_by_scope(
    qs: QuerySet[Any], level: str, key: str | None, *fields: str
) -> dict[str, list[tuple[Any, ...]]]:
    """One row per person and scope (people in two communities of a region once), values only."""
    qs = _restrict(qs, level, "community", key).order_by()
    scope_field = _scope_expr(level, "community")
    found: dict[str, dict[Any, tuple[Any, ...]]] = defaultdict(dict)
    for row in qs.values_list(scope_field, "person_id", *fields).distinct():
        found[str(row[0])][row[1] if len(fields) == 1 else (row[1], *row[2:])] = tuple(row[2:])
    return {scope: list(rows.values()) for scope, rows in found.items()}


def _quiet_relationships(level: str, today: date, key: str | None) -> dict[str, int]:
    """Active relationships whose last check-in is older than their programme's quiet weeks,
    counted by the mentee's scopes (each relationship once per scope)."""
    rows = (
        _restrict(
            Membership.objects.filter(
                person__mentee_applications__relationships__status=RelationshipStatus.ACTIVE
            ),
            level,
            "community",
            key,
        )
        .order_by()
        .values_list(
            _scope_expr(level, "community"),
            "person__mentee_applications__relationships__pk",
            "person__mentee_applications__relationships__last_activity_on",
            "person__mentee_applications__relationships__programme__quiet_weeks",
        )
        .distinct()
    )
    counts: dict[str, int] = defaultdict(int)
    for scope, _pk, last, weeks in rows:
        if today - last >= timedelta(weeks=weeks):
            counts[str(scope)] += 1
    return counts


def _empty_coaching() -> dict[str, Any]:
    return {
        "proposed": 0,
        "active": 0,
        "paused": 0,
        "completed_12_months": 0,
        "quiet": 0,
        "coaches": 0,
        "coaches_full": 0,
        "caseload": [0, 0, 0, 0],
        "response_hours_median": None,
    }


CASELOAD_BUCKETS = ("none", "under half", "half or more", "full")


def _coaching(level: str, today: date, key: str | None) -> dict[str, dict[str, Any]]:
    """Engagements in the scope's communities, and the caseloads of the coaches working there
    (movement: every coach)."""
    year_ago = today - timedelta(days=365)
    engagements = _grouped(
        CoachAssignment.objects.all(),
        level,
        "community",
        key,
        proposed=Count("pk", filter=Q(status=AssignmentStatus.PROPOSED)),
        active=Count("pk", filter=Q(status=AssignmentStatus.ACTIVE)),
        paused=Count("pk", filter=Q(status=AssignmentStatus.PAUSED)),
        completed_12_months=Count(
            "pk", filter=Q(status=AssignmentStatus.COMPLETED, ended_on__gte=year_ago)
        ),
        coaches=Count("coach_id", distinct=True, filter=Q(status__in=OPEN_STATUSES)),
    )
    # Quiet: active, and no session for the engagement's own number of weeks.
    quiet_rows = _restrict(
        CoachAssignment.objects.filter(status=AssignmentStatus.ACTIVE), level, "community", key
    ).values_list(
        "community_id",
        "community__region",
        "last_session_on",
        "resumed_on",
        "starts_on",
        "quiet_weeks",
    )
    quiet: dict[str, int] = defaultdict(int)
    for community_id, region, last_on, resumed_on, starts_on, weeks in quiet_rows:
        if today - quiet_clock_from(starts_on, last_on, resumed_on) >= timedelta(weeks=weeks):
            quiet[_scope_of(level, community_id, region)] += 1
    # Caseloads of the coaches with an open engagement in the scope (movement: all coaches).
    caseloads: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    full: dict[str, int] = defaultdict(int)
    if level == "movement":
        coach_rows: Iterable[tuple[Any, ...]] = (
            (MOVEMENT_KEY, pk, used, cap)
            for pk, used, cap in CoachProfile.objects.values_list(
                "pk", "open_count", "caseload_cap"
            )
        )
    else:
        coach_rows = (
            _restrict(
                CoachAssignment.objects.filter(status__in=OPEN_STATUSES), level, "community", key
            )
            .order_by()
            .values_list(
                _scope_expr(level, "community"),
                "coach_id",
                "coach__open_count",
                "coach__caseload_cap",
            )
            .distinct()
        )
    for scope, _pk, used, cap in coach_rows:
        bucket = 0 if used == 0 else (3 if used >= cap else (2 if used * 2 >= cap else 1))
        caseloads[str(scope)][bucket] += 1
        full[str(scope)] += bucket == 3
    response = _values_by_scope_assignments(level, key, year_ago)
    result = {}
    for scope in set(engagements) | set(quiet) | set(caseloads) | set(response):
        row = engagements.get(scope, {})
        counts = caseloads.get(scope, [0, 0, 0, 0])
        hours = response.get(scope, [])
        result[scope] = {
            "proposed": row.get("proposed") or 0,
            "active": row.get("active") or 0,
            "paused": row.get("paused") or 0,
            "completed_12_months": row.get("completed_12_months") or 0,
            "quiet": quiet.get(scope, 0),
            "coaches": sum(counts),
            "coaches_full": full.get(scope, 0),
            "caseload": counts,
            "response_hours_median": round(statistics.median(hours)) if hours else None,
        }
    return result


def _scope_of(level: str, community_id: int, region: str) -> str:
    if level == "community":
        return str(community_id)
    return region if level == "region" else MOVEMENT_KEY


def _values_by_scope_assignments(
    level: str, key: str | None, since: date
) -> dict[str, list[float]]:
    rows = _restrict(
        CoachAssignment.objects.filter(responded_at__date__gte=since),
        level,
        "community",
        key,
    ).values_list("community_id", "community__region", "created_at", "responded_at")
    found: dict[str, list[float]] = defaultdict(list)
    for community_id, region, created, responded in rows:
        assert responded is not None  # filtered above
        found[_scope_of(level, community_id, region)].append(
            (responded - created).total_seconds() / 3600
        )
    return found


SECTIONS: dict[str, Callable[[str, date, str | None], dict[str, dict[str, Any]]]] = {
    "pipeline": pipeline,
    "terms": terms,
    "representation": representation,
    "renewal": renewal,
    "health": health,
}


def compute_level(
    level: str, today: date, key: str | None = None, sections: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """{scope key: {section: data}} for every scope of `level` (or the one scope `key`), for
    every section or the `sections` named."""
    if level not in LEVELS:
        raise ValueError(f"Unknown level {level!r}")
    wanted = list(SECTIONS) if sections is None else list(sections)
    result: dict[str, dict[str, Any]] = {scope: {} for scope in _scope_keys(level, key)}
    for name in wanted:
        for scope, data in SECTIONS[name](level, today, key).items():
            if scope in result:
                result[scope][name] = data
    for figures in result.values():
        if "representation" in figures:
            figures["representation_as_of"] = today.isoformat()
        if "health" in wanted:
            figures.setdefault("health", {})
            figures["health"].setdefault("coaching", _empty_coaching())
    return result


__all__ = ["LEVELS", "MOVEMENT_KEY", "SECTIONS", "compute_level", "quarter_ends"]
