"""The synthetic instances of bench/matching_instances.py: shaped like the spec, and solvable."""

import numpy as np

from bench.matching_instances import feasible_share, synthetic
from mentoring.matching import solve


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
