"""The exact matching solver, checked against a brute-force oracle that shares none of its code."""

import itertools
import random
import time
from dataclasses import dataclass

import numpy as np
import pytest

import mentoring.matching
from mentoring.matching import (
    WAIT_CAP_DAYS,
    CertificateError,
    Mentees,
    Mentors,
    Rules,
    Solution,
    _shortest_distances,
    solve,
)


@dataclass
class Person:
    languages: int
    tz: int
    community: int
    skills: int


def make(
    mentees: list[tuple[Person, int]], mentors: list[tuple[Person, int]]
) -> tuple[Mentees, Mentors]:
    return (
        Mentees(
            languages=np.array([p.languages for p, _ in mentees], dtype=np.uint64),
            tz_offset_minutes=np.array([p.tz for p, _ in mentees], dtype=np.int64),
            community=np.array([p.community for p, _ in mentees], dtype=np.int64),
            skills_wanted=np.array([p.skills for p, _ in mentees], dtype=np.uint64),
            waited_days=np.array([w for _, w in mentees], dtype=np.int64),
        ),
        Mentors(
            languages=np.array([p.languages for p, _ in mentors], dtype=np.uint64),
            tz_offset_minutes=np.array([p.tz for p, _ in mentors], dtype=np.int64),
            community=np.array([p.community for p, _ in mentors], dtype=np.int64),
            skills_offered=np.array([p.skills for p, _ in mentors], dtype=np.uint64),
            capacity=np.array([c for _, c in mentors], dtype=np.int64),
        ),
    )


# The oracle: feasibility and score re-derived per pair in plain Python from the documented rules.


def oracle_pair(a: Person, b: Person, capacity: int, rules: Rules) -> int | None:
    """Score of mentee a with mentor b, or None when the pair is not allowed."""
    shared = bin(a.languages & b.languages).count("1")
    if capacity <= 0 or (rules.require_shared_language and shared == 0):
        return None
    if not rules.allow_same_community and a.community >= 0 and a.community == b.community:
        return None
    gap = abs(a.tz - b.tz) % 1440
    distance = min(gap, 1440 - gap)
    if rules.max_tz_distance_minutes is not None and distance > rules.max_tz_distance_minutes:
        return None
    wanted = bin(a.skills).count("1")
    skills = 1000 * bin(a.skills & b.skills).count("1") // wanted if wanted else 0
    tz = 1000 * (720 - distance) // 720
    language = 1000 * min(shared, 3) // 3
    weights = rules.skills_weight + rules.tz_weight + rules.language_weight
    return (
        rules.skills_weight * skills + rules.tz_weight * tz + rules.language_weight * language
    ) // weights


def oracle_best(
    mentees: list[tuple[Person, int]],
    mentors: list[tuple[Person, int]],
    rules: Rules,
    excluded: set[tuple[int, int]],
) -> tuple[int, int, int]:
    """(matched, total score, total days waited) maximised over every assignment."""
    options = []
    for i, (a, _) in enumerate(mentees):
        row: list[tuple[int, int] | None] = [None]  # None: this mentee stays unmatched
        for j, (b, cap) in enumerate(mentors):
            score = oracle_pair(a, b, cap, rules)
            if score is not None and (i, j) not in excluded:
                row.append((j, score))
        options.append(row)
    best = (0, 0, 0)
    for choice in itertools.product(*options):
        load = [0] * len(mentors)
        value = [0, 0, 0]
        for i, pick in enumerate(choice):
            if pick is None:
                continue
            load[pick[0]] += 1
            value[0] += 1
            value[1] += pick[1]
            value[2] += min(mentees[i][1], WAIT_CAP_DAYS)
        if all(used <= cap for used, (_, cap) in zip(load, mentors, strict=True)):
            best = max(best, (value[0], value[1], value[2]))
    return best


def assert_valid(
    solution: Solution,
    mentees: list[tuple[Person, int]],
    mentors: list[tuple[Person, int]],
    rules: Rules,
    excluded: set[tuple[int, int]],
) -> None:
    seen = [i for i, _ in solution.pairs]
    assert len(seen) == len(set(seen))
    load = [0] * len(mentors)
    for (i, j), score in zip(solution.pairs, solution.scores, strict=True):
        assert (i, j) not in excluded
        assert oracle_pair(mentees[i][0], mentors[j][0], mentors[j][1], rules) == score
        load[j] += 1
    assert all(used <= cap for used, (_, cap) in zip(load, mentors, strict=True))
    assert solution.matched == len(solution.pairs)
    assert solution.total_score == sum(solution.scores)
    assert solution.total_wait_bonus == sum(min(mentees[i][1], WAIT_CAP_DAYS) for i in seen)


def random_person(rng: random.Random) -> Person:
    return Person(
        languages=rng.randrange(1, 16),
        tz=rng.choice([-660, -480, -300, 0, 60, 330, 540, 780]),
        community=rng.randrange(-1, 3),
        skills=rng.randrange(0, 16),
    )


def random_rules(rng: random.Random) -> Rules:
    return Rules(
        require_shared_language=rng.random() < 0.8,
        allow_same_community=rng.random() < 0.3,
        max_tz_distance_minutes=rng.choice([None, 180, 360, 600]),
        skills_weight=rng.randrange(0, 5),
        tz_weight=rng.randrange(0, 5),
        language_weight=rng.randrange(1, 5),
    )


@pytest.mark.parametrize("seed", range(300))
def test_it_matches_the_brute_force_optimum_on_small_random_instances(seed):
    # given
    rng = random.Random(seed)
    mentees = [
        (random_person(rng), rng.choice([0, 3, 3, 10, 40, 5000])) for _ in range(rng.randint(1, 6))
    ]
    mentors = [(random_person(rng), rng.randint(0, 2)) for _ in range(rng.randint(1, 3))]
    rules = random_rules(rng)
    excluded = {
        (rng.randrange(len(mentees)), rng.randrange(len(mentors))) for _ in range(rng.randint(0, 3))
    }
    a, b = make(mentees, mentors)

    # when
    solution = solve(a, b, rules, excluded, top_k=rng.choice([1, 2, 30]))

    # then
    assert solution.certified
    assert_valid(solution, mentees, mentors, rules, excluded)
    best = oracle_best(mentees, mentors, rules, excluded)
    assert (solution.matched, solution.total_score, solution.total_wait_bonus) == best
    assert solution.objective == (best[0] * solution.big + best[1] * solution.score_scale + best[2])


def test_a_top_k_of_one_needs_the_certificate_rounds_to_reach_the_optimum():
    # given: both mentees like mentor 0 best, which takes only one; mentee 0 has nowhere else
    # to go, so mentee 1 must move to mentor 1 (outside its top 1)
    english, french = 1, 2
    mentees = [
        (Person(english, 0, -1, 0b11), 0),
        (Person(english | french, 0, -1, 0b11), 0),
    ]
    mentors = [
        (Person(english | french, 0, -1, 0b11), 1),
        (Person(french, 0, -1, 0b00), 1),
    ]
    a, b = make(mentees, mentors)

    # when
    solution = solve(a, b, Rules(), top_k=1)

    # then
    assert solution.rounds > 1
    assert solution.certified
    assert sorted(solution.pairs) == [(0, 0), (1, 1)]


def test_a_shared_language_is_required_unless_the_rules_waive_it():
    mentees = [(Person(0b01, 0, -1, 1), 0)]
    mentors = [(Person(0b10, 0, -1, 1), 1)]
    a, b = make(mentees, mentors)

    assert solve(a, b, Rules()).pairs == []
    assert solve(a, b, Rules(require_shared_language=False)).pairs == [(0, 0)]


def test_mentor_and_mentee_of_one_community_are_kept_apart_unless_allowed():
    mentees = [(Person(1, 0, 7, 1), 0), (Person(1, 0, -1, 1), 0)]
    mentors = [(Person(1, 0, 7, 1), 2)]
    a, b = make(mentees, mentors)

    # a negative community id means "none" and never conflicts
    assert solve(a, b, Rules()).pairs == [(1, 0)]
    assert solve(a, b, Rules(allow_same_community=True)).pairs == [(0, 0), (1, 0)]


def test_the_time_zone_limit_is_measured_around_the_clock():
    # UTC+13 and UTC-11 show the same wall-clock time: 0 minutes apart, not 1440.
    # UTC+12 and UTC-10 are 1320 minutes apart one way and 120 the other.
    mentees = [(Person(1, 13 * 60, -1, 1), 0), (Person(1, 12 * 60, -1, 1), 0)]
    mentors = [(Person(1, -11 * 60, -1, 1), 2)]
    a, b = make(mentees, mentors)

    assert solve(a, b, Rules(max_tz_distance_minutes=0)).pairs == [(0, 0)]
    assert solve(a, b, Rules(max_tz_distance_minutes=59)).pairs == [(0, 0)]
    assert solve(a, b, Rules(max_tz_distance_minutes=60)).pairs == [(0, 0), (1, 0)]
    far = [(Person(1, -10 * 60, -1, 1), 1)]
    c, d = make(mentees[1:], far)
    assert solve(c, d, Rules(max_tz_distance_minutes=119)).pairs == []
    assert solve(c, d, Rules(max_tz_distance_minutes=120)).pairs == [(0, 0)]


def test_excluded_pairs_are_never_proposed():
    mentees = [(Person(1, 0, -1, 1), 0), (Person(1, 0, -1, 1), 0)]
    mentors = [(Person(1, 0, -1, 1), 2)]
    a, b = make(mentees, mentors)

    assert solve(a, b, Rules(), {(0, 0)}).pairs == [(1, 0)]
    assert solve(a, b, Rules(), {(0, 0), (1, 0)}).pairs == []


def test_mentors_with_no_capacity_left_or_away_get_nobody():
    mentees = [(Person(1, 0, -1, 1), 0)]
    mentors = [(Person(1, 0, -1, 1), 0), (Person(1, 0, -1, 1), 3)]
    a, b = make(mentees, mentors)

    assert solve(a, b, Rules()).pairs == [(0, 1)]
    away = Mentors(**{**b.__dict__, "away": np.array([False, True])})
    assert solve(a, away, Rules()).pairs == []


def test_an_equal_tie_goes_to_the_mentee_who_has_waited_longest():
    for waits, winner in [((3, 90), 1), ((90, 3), 0)]:
        mentees = [(Person(1, 0, -1, 1), waits[0]), (Person(1, 0, -1, 1), waits[1])]
        mentors = [(Person(1, 0, -1, 1), 1)]
        a, b = make(mentees, mentors)

        assert solve(a, b, Rules()).pairs == [(winner, 0)]


def test_a_moderate_instance_is_solved_and_certified_quickly():
    # given: 2,000 mentees and 500 mentors, about half the pairs allowed
    rng = np.random.default_rng(7)
    n, m = 2000, 500
    a = Mentees(
        languages=(1 << rng.integers(0, 8, n)).astype(np.uint64)
        | (1 << rng.integers(0, 8, n)).astype(np.uint64),
        tz_offset_minutes=rng.integers(-11, 13, n) * 60,
        community=rng.integers(0, 300, n),
        skills_wanted=rng.integers(0, 1 << 16, n).astype(np.uint64),
        waited_days=rng.integers(0, 400, n),
    )
    b = Mentors(
        languages=rng.integers(1, 256, m).astype(np.uint64),
        tz_offset_minutes=rng.integers(-11, 13, m) * 60,
        community=rng.integers(0, 300, m),
        skills_offered=rng.integers(0, 1 << 16, m).astype(np.uint64),
        capacity=rng.integers(1, 6, m),
    )

    # when
    began = time.perf_counter()
    solution = solve(a, b, Rules(max_tz_distance_minutes=480))
    elapsed = time.perf_counter() - began

    # then
    assert solution.certified
    assert elapsed < 10
    # every mentor keeps a seat for every feasible mentee: the full graph, no pruning at all
    full = solve(a, b, Rules(max_tz_distance_minutes=480), top_k=m)
    assert full.rounds == 1
    assert (solution.matched, solution.objective) == (full.matched, full.objective)
    assert solution.matched == min(n, int(b.capacity.sum()))


@pytest.mark.parametrize("seed", range(50))
def test_the_potentials_are_the_shortest_distances_from_a_virtual_root(seed):
    # given: a random graph with negative arcs but no negative cycle (costs c + pi[t] - pi[h]
    # with c >= 0 sum to >= 0 around any cycle)
    rng = random.Random(seed)
    nodes = rng.randint(1, 8)
    pi = [rng.randint(-20, 20) for _ in range(nodes)]
    arcs = [
        (t, h, rng.randint(0, 5) + pi[t] - pi[h])
        for t, h in (
            (rng.randrange(nodes), rng.randrange(nodes)) for _ in range(rng.randint(0, 20))
        )
    ]
    # plain Bellman-Ford from a root with a 0-cost arc to every node
    expected = [0] * nodes
    for _ in range(nodes):
        for t, h, c in arcs:
            expected[h] = min(expected[h], expected[t] + c)

    # when
    dist = _shortest_distances(
        np.array([a[0] for a in arcs], dtype=np.int64),
        np.array([a[1] for a in arcs], dtype=np.int64),
        np.array([a[2] for a in arcs], dtype=np.int64),
        nodes,
    )

    # then
    assert dist.tolist() == expected


def test_a_negative_cycle_fails_the_certificate():
    tails, heads, costs = np.array([0, 1]), np.array([1, 0]), np.array([2, -3])

    with pytest.raises(CertificateError):
        _shortest_distances(tails, heads, costs, 2)


@pytest.mark.parametrize("seed", range(5))
def test_pricing_from_cached_scores_and_from_fresh_scores_agree(seed, monkeypatch):
    # given: capacity binds, so several pricing rounds run
    rng = np.random.default_rng(seed)
    n, m = 300, 60
    a = Mentees(
        languages=(1 << rng.integers(0, 4, n)).astype(np.uint64),
        tz_offset_minutes=rng.integers(-11, 13, n) * 60,
        community=rng.integers(0, 10, n),
        skills_wanted=rng.integers(0, 1 << 8, n).astype(np.uint64),
        waited_days=rng.integers(0, 400, n),
    )
    b = Mentors(
        languages=rng.integers(1, 16, m).astype(np.uint64),
        tz_offset_minutes=rng.integers(-11, 13, m) * 60,
        community=rng.integers(0, 10, m),
        skills_offered=rng.integers(0, 1 << 8, m).astype(np.uint64),
        capacity=rng.integers(0, 4, m),
    )
    pairs = zip(rng.integers(0, n, 50), rng.integers(0, m, 50), strict=True)
    excluded = {(int(i), int(j)) for i, j in pairs}
    rules = Rules(max_tz_distance_minutes=480)

    # when
    cached = solve(a, b, rules, excluded, top_k=2)
    monkeypatch.setattr(mentoring.matching, "SCORE_CACHE_CELLS", 0)
    fresh = solve(a, b, rules, excluded, top_k=2)
    full = solve(a, b, rules, excluded, top_k=m)

    # then
    assert cached.certified
    assert fresh.certified
    assert cached.rounds > 1
    assert cached.pairs == fresh.pairs
    assert cached.objective == fresh.objective == full.objective
