"""Publishing counts of self-identified groups without exposing anyone.

The rule, for every line of a representation table (one population split by one question):
- a count under `MIN_CELL` (0 included) is shown as "fewer than 5", never as a number: a zero
  beside one full group would say what every member of a small board answered;
- any other count is rounded to the nearest `ROUND_TO` (7 -> 5, 8 -> 10), so each published
  figure stands for an interval of five values, and a difference of published figures (a region
  less its other communities, one table less another) is an interval too, never one number;
- the line's total may be known exactly (a board's size is on its plan). The whole line is
  withheld when fewer than two of its cells could be shown, or when the total and the shown
  cells would pin a "fewer than 5" cell to one value.

Why whole lines, and why these two conditions: an attacker may know the total and this
algorithm, and ask which true lines publish what they see.
- A line that is shown: the decision depends only on what is shown and the total, so every true
  line that publishes the same cells is shown too, and the unpinned "fewer than 5" cells keep a
  range of at least two values (`feasible` computes exactly that range).
- A withheld line: the withheld lines of a total always include every line with at most one
  large group (all n people in any one group, n - 1 and 1, ...), so each group's size stays
  one of several values. Withholding only pinned lines would not do: a board of 12 split 4, 4, 4
  is the only line of 12 that pins, so "withheld" would say 4, 4, 4. Nor would hiding one more
  cell (secondary suppression): where it was hidden would give the first publication away.
The test brute-forces every line of up to four groups to check both.

Shares are computed from the published figures only, so they tell nothing the figures do not.
Nothing unpublished is stored: the dashboards' snapshots keep only what this module returns.
"""

from collections.abc import Mapping
from dataclasses import dataclass

MIN_CELL = 5
ROUND_TO = 5
# The half-width of the interval a rounded figure stands for (7 and 8 round to 5 and 10).
_HALF = ROUND_TO // 2
SMALL = None  # a published cell of fewer than MIN_CELL people


def round_count(count: int) -> int:
    """`count` rounded half up to the nearest ROUND_TO (for counts of MIN_CELL or more)."""
    return ((count + _HALF) // ROUND_TO) * ROUND_TO


def _interval(published: int | None) -> tuple[int, int]:
    """The true counts a published cell may stand for."""
    if published is SMALL:
        return 0, MIN_CELL - 1
    return max(MIN_CELL, published - _HALF), published + (ROUND_TO - 1 - _HALF)


def feasible(published: Mapping[str, int | None], total: int) -> dict[str, tuple[int, int]]:
    """Each cell's range of true counts consistent with the published cells and an exact total.

    The cells' possible values form a box cut by one equation (their sum is `total`), so each
    cell's feasible values are the whole interval [max(lo, total - others' highs),
    min(hi, total - others' lows)]: nothing cleverer can narrow it.
    """
    bounds = {key: _interval(value) for key, value in published.items()}
    low_sum = sum(lo for lo, _hi in bounds.values())
    high_sum = sum(hi for _lo, hi in bounds.values())
    result = {}
    for key, (lo, hi) in bounds.items():
        result[key] = (max(lo, total - (high_sum - hi)), min(hi, total - (low_sum - lo)))
    return result


@dataclass(frozen=True)
class Line:
    """One population split by one question, as published."""

    cells: dict[str, int | None]  # group -> rounded count; None: fewer than 5 (or withheld)
    total: int | None  # the population, rounded (None: fewer than 5, or withheld)
    withheld: bool = False  # the line would give a small group away: nothing of it is shown

    def share(self, key: str) -> int | None:
        """The group's share of the population in per cent, from the published figures."""
        value = self.cells.get(key)
        if self.withheld or value is None or not self.total:
            return None
        return round(100 * value / self.total)


def _pinned(published: Mapping[str, int | None], total: int) -> bool:
    ranges = feasible(published, total)
    return any(
        value is SMALL and ranges[key][0] == ranges[key][1] for key, value in published.items()
    )


def publish_line(counts: Mapping[str, int]) -> Line:
    """The published form of a line of true counts (group -> number of people)."""
    total = sum(counts.values())
    published: dict[str, int | None] = {
        key: (round_count(count) if count >= MIN_CELL else SMALL) for key, count in counts.items()
    }
    shown = sum(1 for value in published.values() if value is not SMALL)
    if shown < 2 or _pinned(published, total):
        return Line(cells=dict.fromkeys(counts), total=None, withheld=True)
    return Line(cells=published, total=round_count(total) if total >= MIN_CELL else None)
