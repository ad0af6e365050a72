"""Demo leadership plans for `seed_demo`: every community gets a published plan, roles with their
rules, and years of term history held by its own members.

The history runs from 2020 to a little past today's month, so that the demo always has terms
ending soon. Most seats are held without a break; a few ran out with nobody after them (a
holdover) and a few holders stepped down early, leaving the seat vacant. Terms are written in
bulk, past the services, but keep every rule: a seat's holders follow each other back to back,
each serves at most the role's consecutive terms and is not seen in the role again.
"""

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from leadership.models import Membership

from .models import (
    LeadershipPlan,
    PathwayStep,
    Readiness,
    Role,
    StepKind,
    SuccessorCandidate,
    Term,
)
from .term_rules import add_months

HISTORY_STARTS = date(2020, 1, 1)


@dataclass(frozen=True)
class RoleTemplate:
    title: str
    seats: int
    filled_by: str
    term_months: int
    max_consecutive_terms: int | None
    cool_off_months: int
    succession_lead_months: int
    description: str


ROLES = [
    RoleTemplate("Board chair", 1, "elected", 24, 2, 12, 6, "Chairs the board and its meetings."),
    RoleTemplate("Treasurer", 1, "elected", 24, 2, 12, 6, "Keeps the accounts and the budget."),
    RoleTemplate("Secretary", 1, "appointed", 12, 3, 6, 3, "Keeps the minutes and the records."),
    RoleTemplate("Board member", 2, "elected", 24, 2, 12, 6, "Sets the direction with the board."),
    RoleTemplate("Programme lead", 1, "appointed", 12, 3, 0, 3, "Runs the year's programme."),
    RoleTemplate("Outreach lead", 1, "volunteer", 12, 2, 6, 3, "Brings new editors in."),
    RoleTemplate("Events lead", 1, "volunteer", 12, None, 0, 2, "Organises edit-a-thons."),
    RoleTemplate("Grants lead", 1, "appointed", 18, 2, 12, 4, "Writes and reports on grants."),
    RoleTemplate("Safety contact", 1, "appointed", 12, 3, 12, 3, "First contact for conduct."),
    RoleTemplate("Technical lead", 1, "volunteer", 12, None, 0, 2, "Looks after the tools."),
]


def seed_plans(
    *,
    community_ids: list[int],
    rng: random.Random,
    progress: Callable[[list[list[Any]], str], Iterable[list[Any]]],
    batches: Callable[[list[Any]], list[list[Any]]],
) -> None:
    """Plans, roles and terms for the communities that have none yet (so a re-run adds nothing)."""
    today = timezone.localdate().replace(day=1)
    _plans(community_ids, today)
    roles = _roles(community_ids, progress, batches)
    members = _members(community_ids)
    with_terms = set(
        Term.objects.filter(role__community_id__in=community_ids).values_list("role_id", flat=True)
    )
    terms: list[Term] = []
    candidates: list[SuccessorCandidate] = []
    for role in roles:
        if role.pk in with_terms:
            continue
        history = _history(role, members.get(role.community_id, []), rng, today)
        terms.extend(history)
        candidates.extend(_candidates(role, members.get(role.community_id, []), history, rng))
    for batch in progress(batches(terms), "terms"):
        Term.objects.bulk_create(batch)
    SuccessorCandidate.objects.bulk_create(candidates, batch_size=2000, ignore_conflicts=True)
    with_steps = set(
        PathwayStep.objects.filter(role__community_id__in=community_ids).values_list(
            "role_id", flat=True
        )
    )
    steps = [step for role in roles if role.pk not in with_steps for step in _pathway(role)]
    for batch in progress(batches(steps), "pathway steps"):
        PathwayStep.objects.bulk_create(batch)


def _plans(community_ids: list[int], today: date) -> None:
    planned = set(
        LeadershipPlan.objects.filter(community_id__in=community_ids).values_list(
            "community_id", flat=True
        )
    )
    start = date(today.year, 1, 1)
    LeadershipPlan.objects.bulk_create(
        LeadershipPlan(
            community_id=community_id,
            starts_on=start,
            ends_on=date(start.year + 2, 1, 1),
            status=LeadershipPlan.Status.PUBLISHED,
            vision="A community whose leaders reflect its editors, and change hands in good time.",
            goals="Fill every seat by election or open call; train two successors for each role.",
            diversity_goals="At least half of new leaders from groups under-represented today.",
            resources_needed="A small budget for training trips and childcare at meetings.",
            leader_support="Each new leader gets a mentor and the regional training programme.",
            review_on=date(start.year + 1, 1, 1),
        )
        for community_id in community_ids
        if community_id not in planned
    )


def _roles(
    community_ids: list[int],
    progress: Callable[[list[list[Any]], str], Iterable[list[Any]]],
    batches: Callable[[list[Any]], list[list[Any]]],
) -> list[Role]:
    rows = [
        Role(
            community_id=community_id,
            title=t.title,
            description=t.description,
            seats=t.seats,
            filled_by=t.filled_by,
            term_months=t.term_months,
            max_consecutive_terms=t.max_consecutive_terms,
            cool_off_months=t.cool_off_months,
            succession_lead_months=t.succession_lead_months,
        )
        for community_id in community_ids
        for t in ROLES
    ]
    for batch in progress(batches(rows), "roles"):
        Role.objects.bulk_create(batch, ignore_conflicts=True)
    return list(Role.objects.filter(community_id__in=community_ids).order_by("pk"))


def _members(community_ids: list[int]) -> dict[int, list[int]]:
    members: dict[int, list[int]] = {}
    for community_id, person_id in (
        Membership.objects.filter(community_id__in=community_ids)
        .order_by("community_id", "person_id")
        .values_list("community_id", "person_id")
    ):
        members.setdefault(community_id, []).append(person_id)
    return members


def _history(role: Role, members: list[int], rng: random.Random, today: date) -> list[Term]:
    """Back-to-back terms in each seat, each holder serving one run, nobody holding it twice."""
    pool = members[:]
    rng.shuffle(pool)
    terms = []
    for seat in range(1, role.seats + 1):
        start = add_months(HISTORY_STARTS, rng.randrange(12))
        # A seat's history stops a little past today, or (for a few) before it.
        fate = rng.random()
        stop = add_months(today, -rng.randrange(1, 8) if fate < 0.08 else rng.randrange(6, 18))
        while start < stop and pool:
            holder = pool.pop()
            run = rng.randint(1, role.max_consecutive_terms or 3)
            for _ in range(run):
                end = add_months(start, role.term_months)
                terms.append(
                    Term(role=role, seat=seat, person_id=holder, starts_on=start, ends_on=end)
                )
                start = end
                if start >= stop:
                    break
        last = terms[-1] if terms and terms[-1].seat == seat else None
        if last and fate < 0.08 and last.starts_on < stop < last.ends_on:
            last.ends_on = stop  # ran out before today, nobody after: a holdover
        if last and fate > 0.95 and last.starts_on < today < last.ends_on:
            last.ended_on = today  # stepped down: the seat is vacant
    return terms


# The same pathway for every role: the movement's common path into a role, then the role itself.
PATHWAY = [
    (StepKind.TRAINING, "Leadership basics, the regional training's first stage"),
    (StepKind.MENTORING, "Six months with a mentor who held a leadership role"),
    (StepKind.SHADOWING, "Shadow the holder for a quarter"),
]


def _pathway(role: Role) -> list[PathwayStep]:
    steps = [
        PathwayStep(role=role, position=n, kind=kind, title=title)
        for n, (kind, title) in enumerate(PATHWAY, start=1)
    ]
    steps.append(
        PathwayStep(
            role=role,
            position=len(steps) + 1,
            kind=StepKind.RESOURCE,
            title=f"Read the handbook for the {role.title.lower()}",
        )
    )
    return steps


def _candidates(
    role: Role, members: list[int], history: list[Term], rng: random.Random
) -> list[SuccessorCandidate]:
    """Up to two members who never held the role, named as possible successors."""
    held = {term.person_id for term in history}
    pool = [person_id for person_id in members if person_id not in held]
    chosen = rng.sample(pool, min(len(pool), rng.randint(0, 2)))
    return [
        SuccessorCandidate(role=role, person_id=person_id, readiness=rng.choice(Readiness.values))
        for person_id in chosen
    ]
