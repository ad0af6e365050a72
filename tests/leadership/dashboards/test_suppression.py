"""Small groups are never shown, and cannot be recovered from what is, even by someone who knows
the total exactly and knows the algorithm."""

import itertools
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadership.dashboards.suppression import (
    MIN_CELL,
    Line,
    feasible,
    publish_line,
    round_count,
)


def _published(line: Line) -> tuple[object, ...]:
    """What a reader sees of a line (its cells, and whether it is withheld)."""
    return (line.withheld, *line.cells.values())


def _classes(groups: int, total: int) -> dict[tuple[object, ...], list[tuple[int, ...]]]:
    """Every line of `groups` cells summing to `total`, by what it publishes: an attacker who
    knows the total and the algorithm cannot tell apart the lines of one class."""
    found: dict[tuple[object, ...], list[tuple[int, ...]]] = defaultdict(list)
    for counts in itertools.product(range(total + 1), repeat=groups):
        if sum(counts) == total:
            line = publish_line({f"g{i}": n for i, n in enumerate(counts)})
            found[_published(line)].append(counts)
    return found


@pytest.mark.parametrize("groups", [2, 3, 4])
def test_an_attacker_who_knows_the_total_and_the_algorithm_never_pins_a_small_group(
    groups: int,
) -> None:
    # given every line of up to 4 groups and every total up to 30 (24 for four groups)
    for total in range(0, 31 if groups < 4 else 25):
        for published, lines in _classes(groups, total).items():
            _withheld, *cells = published
            for index, cell in enumerate(cells):
                if cell is not None:
                    continue
                # then each hidden cell may be one of at least two values, or (a line of one
                # true count only, e.g. nobody at all) the line says nothing about anyone
                values = {line[index] for line in lines}
                assert len(values) >= 2 or total == 0, (total, published, lines)


def test_a_line_with_only_one_large_group_is_withheld() -> None:
    # "30 and fewer than 5" would say that nearly everyone gave one answer
    assert publish_line({"woman": 30, "man": 2, "not_stated": 0}).withheld


def test_counts_under_five_are_never_shown_and_others_are_rounded_to_five() -> None:
    line = publish_line({"woman": 3, "man": 12, "not_stated": 8})
    assert line.cells == {"woman": None, "man": 10, "not_stated": 10}
    assert line.total == 25  # 23, rounded


def test_zero_is_shown_as_fewer_than_five_too() -> None:
    line = publish_line({"woman": 0, "man": 30, "not_stated": 12})
    assert line.cells["woman"] is None


def test_a_board_of_five_who_all_gave_one_answer_shows_nothing() -> None:
    # given a board of 5 whose size anyone can count on the plan's page
    line = publish_line({"woman": 0, "man": 5, "non_binary": 0, "not_stated": 0})
    # then "man: 5" would pin every other cell to 0: the line is withheld
    assert line.withheld
    assert all(value is None for value in line.cells.values())
    assert line.total is None


def test_the_reviewers_board_of_sixteen_is_withheld_whole() -> None:
    # given 8 women and 8 men: "10, 10" and a known total of 16 pin the other groups to 0
    line = publish_line({"woman": 8, "man": 8, "non_binary": 0, "another": 0})
    assert line.withheld


def test_the_feasible_ranges_match_brute_force() -> None:
    published: dict[str, int | None] = {"a": None, "b": 10, "c": None, "d": 5}
    options = {
        key: range(MIN_CELL) if value is None else range(max(MIN_CELL, value - 2), value + 3)
        for key, value in published.items()
    }
    for total in range(0, 40):
        seen: dict[str, set[int]] = {key: set() for key in published}
        for combo in itertools.product(*options.values()):
            if sum(combo) == total:
                for key, value in zip(published, combo, strict=True):
                    seen[key].add(value)
        ranges = feasible(published, total)
        for key, values in seen.items():
            if values:
                assert ranges[key] == (min(values), max(values))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400), min_size=2, max_size=7))
def test_published_figures_are_rounded_truths_and_no_small_cell_is_pinned(
    counts_list: list[int],
) -> None:
    counts = {f"g{i}": count for i, count in enumerate(counts_list)}
    line = publish_line(counts)
    if line.withheld:
        return
    for key, value in line.cells.items():
        if value is None:
            assert counts[key] < MIN_CELL
            low, high = feasible(line.cells, sum(counts_list))[key]
            assert high > low
        else:
            assert value % 5 == 0
            assert abs(value - counts[key]) <= 2


def test_a_region_less_its_other_community_does_not_give_away_a_small_group() -> None:
    # given two communities of one region, nobody in both: community B has 3 women leaders
    a = {"woman": 9, "man": 11}
    b = {"woman": 3, "man": 8}
    region = {key: a[key] + b[key] for key in a}
    pa, pb, pr = publish_line(a), publish_line(b), publish_line(region)
    assert pb.cells["woman"] is None
    # when an attacker combines every published figure, knowing every total exactly
    a_w = {lines[0] for lines in _matching(pa, sum(a.values()))}
    b_w = {lines[0] for lines in _matching(pb, sum(b.values()))}
    r_w = {lines[0] for lines in _matching(pr, sum(region.values()))}
    possible_b = {bw for aw in a_w for bw in b_w if aw + bw in r_w}
    # then B's small group is still one of several values
    assert 3 in possible_b
    assert len(possible_b) >= 2


def _matching(line: Line, total: int) -> list[tuple[int, ...]]:
    return _classes(len(line.cells), total)[_published(line)]


def test_shares_come_from_the_published_figures() -> None:
    line = publish_line({"woman": 12, "man": 13})
    assert line.share("woman") == 40  # 10 of 25, not 12 of 25
    assert publish_line({"woman": 2, "man": 13}).share("woman") is None


def test_rounding_is_half_up_to_five() -> None:
    assert [round_count(n) for n in (5, 7, 8, 12, 13)] == [5, 5, 10, 10, 15]
