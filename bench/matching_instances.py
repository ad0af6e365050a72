"""Synthetic matcher instances shaped like the product spec, and a timing run.

    .venv/bin/python -m bench.matching_instances 20000 5000 [seed] [realistic]

builds an instance of 20,000 mentees and 5,000 mentors, solves it and prints the build and
solve seconds, rounds, matched, objective, certified and the peak RSS. Importable without
Django (the bench and the tests use `synthetic` and `realistic`). With `realistic` the instance
is the one of `realistic` (languages and zones from countries, many ties, excluded pairs).

The shape: 8 languages with a skewed popularity (a lingua franca, a few regional ones; each
person speaks 1-3 and each spoken language is fluent with probability 1/3), 24 time zones (whole
hours -11..+12), 300 communities, 30 skills (mentees want 1-4, mentors offer 2-6), 6 preference
traits (80% of mentees want none, 20% want one; 15% of mentors have 1-2), capacities 1-5 and
waits 0-400 days, with the default Rules. With these popularities about 57% of the pairs share
a language and are from different communities, i.e. are feasible.
"""

import resource
import sys
import time

import numpy as np
from numpy.typing import NDArray

from mentoring.matching import Mentees, Mentors, Rules, solve

LANGUAGES = 8
# Relative popularity of the languages: tuned so that about 57% of the pairs share one.
LANGUAGE_POPULARITY = np.array([8, 4, 3, 2, 2, 1, 1, 1], dtype=np.float64)
FLUENT_SHARE = 1 / 3
COMMUNITIES = 300
SKILLS = 30
TRAITS = 6


def _subsets(
    rng: np.random.Generator, rows: int, size: NDArray[np.int64], weights: NDArray[np.float64]
) -> NDArray[np.uint64]:
    """One bitmask per row with size[row] distinct bits, drawn without replacement by weight."""
    # Gumbel top-k: the indices of the `size` largest log(weight) + Gumbel noise are a weighted
    # sample without replacement.
    keys = np.log(weights)[None, :] - np.log(-np.log(rng.random((rows, len(weights)))))
    order = np.argsort(-keys, axis=1)
    out = np.zeros(rows, dtype=np.uint64)
    for rank in range(int(size.max(initial=0))):
        take = size > rank
        out[take] |= np.left_shift(np.uint64(1), order[take, rank].astype(np.uint64))
    return out


def _languages(
    rng: np.random.Generator, rows: int
) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    spoken = _subsets(rng, rows, rng.integers(1, 4, rows), LANGUAGE_POPULARITY)
    fluent = np.zeros(rows, dtype=np.uint64)
    for bit in range(LANGUAGES):
        mask = np.uint64(1 << bit)
        lucky = rng.random(rows) < FLUENT_SHARE
        fluent |= np.where(lucky, spoken & mask, np.uint64(0))
    return spoken, fluent


def synthetic(n_mentees: int, n_mentors: int, seed: int = 0) -> tuple[Mentees, Mentors, Rules]:
    rng = np.random.default_rng(seed)
    n, m = n_mentees, n_mentors
    even_skills = np.ones(SKILLS)
    even_traits = np.ones(TRAITS)

    a_lang, a_fluent = _languages(rng, n)
    wants_trait = rng.random(n) < 0.2
    mentees = Mentees(
        languages=a_lang,
        tz_offset_minutes=rng.integers(-11, 13, n) * 60,
        community=rng.integers(0, COMMUNITIES, n),
        skills_wanted=_subsets(rng, n, rng.integers(1, 5, n), even_skills),
        waited_days=rng.integers(0, 401, n),
        languages_fluent=a_fluent,
        preferences=_subsets(rng, n, wants_trait.astype(np.int64), even_traits),
    )
    b_lang, b_fluent = _languages(rng, m)
    trait_count = np.where(rng.random(m) < 0.15, rng.integers(1, 3, m), 0)
    mentors = Mentors(
        languages=b_lang,
        tz_offset_minutes=rng.integers(-11, 13, m) * 60,
        community=rng.integers(0, COMMUNITIES, m),
        skills_offered=_subsets(rng, m, rng.integers(2, 7, m), even_skills),
        capacity=rng.integers(1, 6, m),
        languages_fluent=b_fluent,
        traits=_subsets(rng, m, trait_count, even_traits),
    )
    return mentees, mentors, Rules()


COUNTRIES = 20
# Bit COUNTRIES is the lingua franca; bits 0..COUNTRIES-1 the countries' own languages.
LINGUA_FRANCA_SHARE = 0.35
REALISTIC_SKILLS = 10
# Local groups per country (see `realistic`).
LOCAL_GROUPS = 3


def realistic(
    n_mentees: int, n_mentors: int, seed: int = 0
) -> tuple[Mentees, Mentors, Rules, NDArray[np.int64]]:
    """An instance shaped like the app's demo people, and its excluded pairs.

    Unlike `synthetic`: languages come from the person's country (its own language, fluent,
    and the lingua franca for about a third), so few languages are shared; the time zone is the
    country's; few skills, so scores tie a lot; and the excluded pairs are those of people who
    belong to one of a few local groups together (on top of the community rule). These are
    the traits that made the first sparse graph leave seats empty (see `_tie_keys` and the
    first-graph picks in mentoring/matching.py).
    """
    rng = np.random.default_rng(seed)
    n, m = n_mentees, n_mentors

    def people(rows: int) -> tuple[NDArray[np.int64], NDArray[np.uint64], NDArray[np.uint64]]:
        country = rng.integers(0, COUNTRIES, rows).astype(np.int64)
        own = np.left_shift(np.uint64(1), country.astype(np.uint64)).astype(np.uint64)
        franca = np.where(
            rng.random(rows) < LINGUA_FRANCA_SHARE, np.uint64(1 << COUNTRIES), np.uint64(0)
        ).astype(np.uint64)
        return country, own | franca, own

    a_country, a_lang, a_fluent = people(n)
    b_country, b_lang, b_fluent = people(m)
    groups = LOCAL_GROUPS
    mentees = Mentees(
        languages=a_lang,
        tz_offset_minutes=(a_country - COUNTRIES // 2) * 60,
        community=rng.integers(0, COMMUNITIES, n),
        skills_wanted=_subsets(rng, n, rng.integers(1, 3, n), np.ones(REALISTIC_SKILLS)),
        waited_days=rng.integers(0, 400, n),
        languages_fluent=a_fluent,
    )
    mentors = Mentors(
        languages=b_lang,
        tz_offset_minutes=(b_country - COUNTRIES // 2) * 60,
        community=rng.integers(0, COMMUNITIES, m),
        skills_offered=_subsets(rng, m, rng.integers(2, 4, m), np.ones(REALISTIC_SKILLS)),
        capacity=rng.integers(1, 6, m),
        languages_fluent=b_fluent,
    )
    # Local groups within a country: everyone in one is excluded from everyone else in it.
    a_group = a_country * groups + rng.integers(0, groups, n)
    b_group = b_country * groups + rng.integers(0, groups, m)
    order_b = np.argsort(b_group, kind="stable")
    lo = np.searchsorted(b_group[order_b], a_group, side="left")
    hi = np.searchsorted(b_group[order_b], a_group, side="right")
    rows = np.repeat(np.arange(n), hi - lo)
    starts = np.repeat(lo - np.cumsum(hi - lo) + (hi - lo), hi - lo)
    cols = order_b[starts + np.arange(len(rows))]
    excluded = np.stack([rows, cols], axis=1).astype(np.int64)
    return mentees, mentors, Rules(), excluded


def feasible_share(mentees: Mentees, mentors: Mentors, sample: int = 2000, seed: int = 0) -> float:
    """Share of feasible pairs under the default Rules, on a sample of mentees."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(mentees), size=min(sample, len(mentees)), replace=False)
    shared = (mentees.languages[rows, None] & mentors.languages[None, :]) != 0
    apart = mentees.community[rows, None] != mentors.community[None, :]
    return float((shared & apart).mean())


def _peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 else 20_000
    m = int(argv[2]) if len(argv) > 2 else 5_000
    seed = int(argv[3]) if len(argv) > 3 else 0
    began = time.perf_counter()
    excluded: NDArray[np.int64] = np.zeros((0, 2), dtype=np.int64)
    if len(argv) > 4 and argv[4] == "realistic":
        mentees, mentors, rules, excluded = realistic(n, m, seed)
    else:
        mentees, mentors, rules = synthetic(n, m, seed)
    built = time.perf_counter()
    print(f"instance {n} x {m} (seed {seed}): built in {built - began:.2f} s")
    print(f"feasible share {feasible_share(mentees, mentors):.3f}")
    # Each phase reports (stage, 0, total) when it starts: the time between two reports belongs
    # to the stage of the earlier one.
    seconds: dict[str, float] = {}
    last: list[tuple[str, float]] = []

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if last:
            seconds[last[0][0]] = seconds.get(last[0][0], 0.0) + now - last[0][1]
            last.clear()
        last.append((stage, now))

    began = time.perf_counter()
    solution = solve(mentees, mentors, rules, excluded, progress=progress)
    solved = time.perf_counter() - began
    progress("end", 0, 0)
    print(f"solved in {solved:.2f} s")
    # "solving" runs up to the start of pricing, so it includes the certificate's potentials.
    print("seconds by stage:", {k: round(v, 2) for k, v in seconds.items()})
    print(f"rounds {solution.rounds}, matched {solution.matched}, objective {solution.objective}")
    print(f"certified {solution.certified}, peak RSS {_peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main(sys.argv)
