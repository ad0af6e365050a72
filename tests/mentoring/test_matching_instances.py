"""The synthetic instances of bench/matching_instances.py: shaped like the spec, and solvable."""

import numpy as np
import pytest

from bench.matching_instances import feasible_share, realistic, synthetic
from mentoring import matching
from mentoring.matching import Mentees, Mentors, Rules, solve


def test_a_synthetic_instance_has_the_shape_of_the_spec():
    mentees, mentors, rules = synthetic(3000, 800, seed=1)

    assert len(mentees) == 3000
    assert len(mentors) == 800
    spoken = np.bitwise_count(mentees.languages)
    assert spoken.min() >= 1
    assert spoken.max() <= 3
    assert mentees.languages_fluent is not None
    assert not np.any(mentees.languages_fluent & ~mentees.languages)
    assert 0.25 < np.bitwise_count(mentees.languages_fluent).sum() / spoken.sum() < 0.42
    assert np.bitwise_count(mentees.skills_wanted).min() == 1
    assert np.bitwise_count(mentees.skills_wanted).max() == 4
    assert np.bitwise_count(mentors.skills_offered).min() == 2
    assert np.bitwise_count(mentors.skills_offered).max() == 6
    assert mentees.preferences is not None
    assert 0.15 < np.mean(mentees.preferences > 0) < 0.25
    assert mentors.traits is not None
    assert 0.1 < np.mean(mentors.traits > 0) < 0.2
    assert set(np.unique(mentors.capacity)) == {1, 2, 3, 4, 5}
    assert set(np.unique(mentees.tz_offset_minutes // 60)) == set(range(-11, 13))
    assert 0.53 < feasible_share(mentees, mentors) < 0.61
    assert rules.require_shared_language
    assert not rules.allow_same_community


def test_a_synthetic_instance_is_solved_and_certified():
    mentees, mentors, rules = synthetic(2000, 400)

    solution = solve(mentees, mentors, rules)

    assert solution.certified
    assert solution.matched == min(2000, int(mentors.capacity.sum()))


def test_the_first_graph_already_matches_as_many_as_possible_when_lists_tie():
    # given: 20 "star" mentors (one seat each) are every mentee's 20 best, 10 "second" mentors
    # (five seats each) their 21st to 30th, 20 far-away "third" ones (a seat each) the rest;
    # a few excluded pairs. The first graph holds each mentee's 10 best (all stars), so the
    # seconds' seats are filled only if the mentors' own picks reach the graph: when the picks
    # on a mentee's top_k list were dropped as "listed already", the first solve matched 27
    # of 90 and pricing found 17,507 violated pairs (at 100,000 x 20,000: past 24 GiB).
    rng = np.random.default_rng(0)
    n, stars, seconds, thirds = 600, 20, 10, 20
    m = stars + seconds + thirds
    mentees = Mentees(
        languages=np.ones(n, dtype=np.uint64),
        tz_offset_minutes=np.zeros(n, dtype=np.int64),
        community=rng.integers(0, 4, n),
        skills_wanted=np.ones(n, dtype=np.uint64),
        waited_days=rng.integers(0, 5, n),
    )
    mentors = Mentors(
        languages=np.ones(m, dtype=np.uint64),
        tz_offset_minutes=np.array([0] * (stars + seconds) + [720] * thirds),
        community=np.full(m, -1),
        skills_offered=np.array([1] * stars + [2] * (seconds + thirds), dtype=np.uint64),
        capacity=np.array([1] * stars + [5] * seconds + [1] * thirds),
    )
    excluded = np.argwhere(rng.random((n, m)) < 0.02)
    matched_per_solve: list[int] = []
    solve_sparse = matching._solve_sparse

    def counting(*args):
        flow = solve_sparse(*args)
        matched_per_solve.append(int(flow.sum()))
        return flow

    # when
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(matching, "_solve_sparse", counting)
        solution = solve(mentees, mentors, Rules(), excluded)

    # then: the first solve already matches as many as the optimum
    assert solution.certified
    assert solution.matched == stars + 5 * seconds + thirds
    assert matched_per_solve[0] == solution.matched
    assert solution.rounds <= 2


def test_a_realistic_instance_is_solved_in_few_rounds_of_few_pairs():
    # given: languages and zones from countries, many ties, many excluded pairs
    mentees, mentors, rules, excluded = realistic(3000, 800, seed=2)
    added: list[tuple[int, int]] = []
    price = matching._price

    def counting(*args):
        found = price(*args)
        added.append((len(found[0]), found[3]))
        return found

    # when
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(matching, "_price", counting)
        solution = solve(mentees, mentors, rules, excluded)

    # then
    assert len(excluded) > 10 * len(mentees)
    assert solution.certified
    assert solution.rounds <= 3
    limit = matching.PRICE_ADD_FACTOR * 30
    assert all(pairs <= limit * len(mentors) for pairs, _ in added)
    assert added[0][1] < len(mentees)  # violated in the first round: a few, not n x m
