"""Demo data for the dashboards: self-identification on part of the people, so that the
representation tables show figures and suppression side by side, then every snapshot.

Deterministic from the seed, and idempotent: people who already answered are left alone.
"""

import random
from collections.abc import Callable, Sequence
from typing import Any

from django.utils import timezone

from leadership.models import AgeBand, Gender, SelfIdentification

from .services import snapshots_refresh

# Two in three people say something; of those, most answer each question.
ANSWERS = 0.66
GENDERS = [(Gender.WOMAN, 44), (Gender.MAN, 46), (Gender.NON_BINARY, 6), (Gender.ANOTHER, 4)]
AGES = [
    (AgeBand.UNDER_25, 14),
    (AgeBand.FROM_25, 30),
    (AgeBand.FROM_35, 24),
    (AgeBand.FROM_45, 16),
    (AgeBand.FROM_55, 11),
    (AgeBand.FROM_65, 5),
]


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]], blank: float) -> str:
    if rng.random() < blank:
        return ""
    values, weights = zip(*weighted, strict=True)
    return str(rng.choices(values, weights=weights)[0])


def seed_dashboards(
    *,
    people: list[int],
    seed: int,
    batches: Callable[[list[Any]], list[list[Any]]],
) -> int:
    """Self-identification for part of `people` (once), then every dashboard's snapshot.

    Returns how many snapshots were written."""
    rng = random.Random(seed * 31 + 6)
    answered = set(SelfIdentification.objects.values_list("person_id", flat=True))
    rows = []
    for person_id in people:
        says = rng.random() < ANSWERS
        gender = _pick(rng, GENDERS, 0.1)
        age = _pick(rng, AGES, 0.2)
        under = _pick(rng, [("yes", 35), ("no", 65)], 0.35)
        if not says or person_id in answered or not (gender or age or under):
            continue
        rows.append(
            SelfIdentification(
                person_id=person_id, gender=gender, age_band=age, underrepresented=under
            )
        )
    for batch in batches(rows):
        SelfIdentification.objects.bulk_create(batch, ignore_conflicts=True)
    now = timezone.now()
    return snapshots_refresh(today=now.date(), now=now)
