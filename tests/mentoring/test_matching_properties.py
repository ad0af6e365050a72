"""Every hard constraint of the matcher, on random instances drawn by hypothesis.

The brute-force oracle in test_matching.py checks optimality on seeded instances; this file lets
hypothesis search for an instance where a returned pair breaks a rule (a shared language, the
conflict of interest, the time-zone limit, an excluded pair, an away mentor, a mentor's capacity,
a mentee matched twice), or where fewer mentees are matched than an independent maximum matching
allows.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mentoring import matching

MINUTES = 1440


def _max_matching(feasible: list[list[bool]], capacity: list[int]) -> int:
    """Most mentees matched, by augmenting paths over mentor slots (independent of the solver)."""
    slots = [j for j, c in enumerate(capacity) for _ in range(c)]
    owner: list[int | None] = [None] * len(slots)

    def augment(i: int, seen: set[int]) -> bool:
        for s, j in enumerate(slots):
            if feasible[i][j] and s not in seen:
                seen.add(s)
                holder = owner[s]
                if holder is None or augment(holder, seen):
                    owner[s] = i
                    return True
        return False

    return sum(augment(i, set()) for i in range(len(feasible)))


@st.composite
def instances(draw: st.DrawFn) -> tuple[matching.Mentees, matching.Mentors, matching.Rules, list]:
    n = draw(st.integers(1, 7))
    m = draw(st.integers(1, 4))
    masks = st.integers(0, 0b1111)

    def uint64s(size: int, values: st.SearchStrategy[int] = masks) -> np.ndarray:
        return np.array(draw(st.lists(values, min_size=size, max_size=size)), dtype=np.uint64)

    def ints(size: int, values: st.SearchStrategy[int]) -> np.ndarray:
        return np.array(draw(st.lists(values, min_size=size, max_size=size)), dtype=np.int64)

    mentee_languages = uint64s(n)
    mentor_languages = uint64s(m)
    mentees = matching.Mentees(
        languages=mentee_languages,
        tz_offset_minutes=ints(n, st.integers(-720, 840)),
        community=ints(n, st.integers(-1, 2)),
        skills_wanted=uint64s(n),
        waited_days=ints(n, st.integers(0, 500)),
        languages_fluent=mentee_languages & uint64s(n),
        preferences=uint64s(n, st.integers(0, 3)),
    )
    mentors = matching.Mentors(
        languages=mentor_languages,
        tz_offset_minutes=ints(m, st.integers(-720, 840)),
        community=ints(m, st.integers(-1, 2)),
        skills_offered=uint64s(m),
        capacity=ints(m, st.integers(0, 3)),
        away=np.array(draw(st.lists(st.booleans(), min_size=m, max_size=m)), dtype=bool),
        languages_fluent=mentor_languages & uint64s(m),
        traits=uint64s(m, st.integers(0, 3)),
    )
    rules = matching.Rules(
        require_shared_language=draw(st.booleans()),
        allow_same_community=draw(st.booleans()),
        max_tz_distance_minutes=draw(st.one_of(st.none(), st.sampled_from([0, 60, 180, 720]))),
        skills_weight=draw(st.integers(0, 6)),
        tz_weight=draw(st.integers(0, 3)),
        language_weight=draw(st.integers(0, 3)),
        preference_weight=draw(st.integers(1, 3)),
    )
    excluded = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)), max_size=n * m)
    )
    return mentees, mentors, rules, excluded


def _allowed(
    mentees: matching.Mentees,
    mentors: matching.Mentors,
    rules: matching.Rules,
    excluded: list,
    i: int,
    j: int,
) -> bool:
    """The hard constraints, written out again from the programme's rules."""
    if mentors.away is not None and mentors.away[j]:
        return False
    if (i, j) in set(excluded):
        return False
    if rules.require_shared_language and not (mentees.languages[i] & mentors.languages[j]):
        return False
    a, b = int(mentees.community[i]), int(mentors.community[j])
    if not rules.allow_same_community and a >= 0 and a == b:
        return False
    if rules.max_tz_distance_minutes is not None:
        gap = abs(
            int(mentees.tz_offset_minutes[i]) % MINUTES
            - int(mentors.tz_offset_minutes[j]) % MINUTES
        )
        if min(gap, MINUTES - gap) > rules.max_tz_distance_minutes:
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(instances())
def test_no_returned_pair_breaks_a_hard_constraint_and_none_is_left_unmatched_needlessly(
    instance: tuple[matching.Mentees, matching.Mentors, matching.Rules, list],
) -> None:
    mentees, mentors, rules, excluded = instance

    solution = matching.solve(mentees, mentors, rules, excluded)

    n, m = len(mentees), len(mentors)
    allowed = [
        [_allowed(mentees, mentors, rules, excluded, i, j) for j in range(m)] for i in range(n)
    ]
    matched_mentees = [i for i, _j in solution.pairs]
    assert len(matched_mentees) == len(set(matched_mentees)), "a mentee matched twice"
    for i, j in solution.pairs:
        assert allowed[i][j], f"pair {(i, j)} breaks a hard constraint"
    load = np.bincount([j for _i, j in solution.pairs], minlength=m)
    assert (load <= mentors.capacity).all(), "a mentor over capacity"
    assert solution.certified
    assert solution.matched == _max_matching(allowed, [int(c) for c in mentors.capacity])
