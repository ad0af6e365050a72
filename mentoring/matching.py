"""Exact mentee-to-mentor matching: as many mentees matched as possible, then the highest score.

Pure Python, numpy and OR-Tools, with no Django models: callers turn rows into the arrays below
(index i is the i-th mentee, index j the j-th mentor) and turn the returned index pairs back
into rows.

How it stays exact without an n x m matrix:

1. Every pair is scored once, block by block (`_Problem.numerators`, `_first_candidates`). Each
   mentee keeps its `top_k` best feasible mentors (its list), and each mentor its
   MENTOR_KEEP * capacity best mentees; ties on both sides are broken by a pseudo-random
   rotation (`_tie_keys`), so people who score alike do not all collect the same partners.
   The first sparse graph holds each mentee's FIRST_GRAPH_K best and all the mentors' picks.
2. The sparse graph source -> mentee (cap 1) -> mentor (cap 1 per pair) -> sink (cap =
   remaining capacity) is solved with OR-Tools' `solve_max_flow_with_min_cost`: maximum flow is
   the most mentees matched, and the minimum cost among maximum flows is the best total weight.
3. Certificate. Read the flow as a circulation (a return arc sink -> source), with the
   lexicographic cost (-1, 0) on source -> mentee (one more mentee matched) and (0, -weight) on
   mentee -> mentor. A circulation is optimal exactly when node potentials exist under which no
   residual arc has a (lexicographically) negative reduced cost. The potentials are the shortest
   distances from a virtual root in the residual network: the first component is -1 on the nodes
   reachable from an unmatched mentee and 0 elsewhere (there is no augmenting path, so no
   distance is below -1); the second component is a shortest-path distance over the arcs that
   are tight in the first component, computed by a vectorised queue-based Bellman-Ford
   (`_shortest_distances`; a negative cycle, i.e. a non-optimal flow, is a CertificateError).
   Every residual arc is then checked explicitly, and the dual objective is compared with the
   primal one.
4. With those potentials every feasible pair of the full problem is priced (`_price`): the
   listed pairs one by one, all other pairs through a bound (below). A pair with a negative
   reduced cost could improve the solution: up to `PRICE_ADD_FACTOR * top_k` such pairs per
   mentee and per mentor are added (the most negative first, with nearly negative ones, see
   PRICE_MARGIN), the arcs far from tight are dropped (PRUNE_MARGIN; a dropped pair is priced
   like any other, so it comes back if it ever matters) and the sparse graph is solved again.
   When no pair is negative, the potentials are a dual solution of the full problem whose
   value equals the primal value, so the matching is optimal for the full problem
   (`certified=True`).

Objective encoding. Each matched pair (i, j) is worth BIG + score[i, j] * W + wait_bonus[i]:

- wait_bonus[i] = min(waited_days[i], WAIT_CAP_DAYS): the sum over matched mentees is at most
  K * max_bonus, where K = min(n, total capacity) bounds the number of matched pairs;
- W = K * max_bonus + 1, so one point of score outweighs any difference in total wait bonus:
  equal-score solutions go to the mentees who waited longest (by total days waited);
- BIG = K * (1000 * W + max_bonus) + 1 exceeds any total of the other terms, so one more
  mentee matched outweighs any score. BIG never reaches the solver (cardinality comes first
  through maximum flow and the first potential component); it makes `Solution.objective` a
  single integer that orders solutions the way the solver does.

The score part (1000 * W + max_bonus <= about 3.7e11 at 100,000 matched pairs) keeps OR-Tools'
cost-scaling safely inside int64 (it multiplies costs by the number of nodes).

Why it is fast. 100,000 x 20,000 is 2e9 pairs: every nanosecond per pair costs two seconds, and
a 2-byte score cache would take 4 GiB. So pairs are scored exactly once, cheaply, and the rest
of the work is kept away from n x m:

- Cheap scoring (`_Problem`). The scorer computes the integer numerator N = the weighted sum of
  the parts (score = N // sum of weights; score >= t exactly when N // w >= t, and the top-k
  order by N refines the order by score), in int16 when 1000 * sum of weights fits (int32
  otherwise), so a block's temporaries are one or two bytes a cell. Bitmasks are packed to the
  fewest bytes (`_pack_bits`: 8 languages fit a uint8; popcounts of ANDs do not change);
  when the languages need more than a byte, language points are a look-up in a small table of
  (spoken, fluent) kinds instead (`_Problem._language_classes`).
  Mentees are sorted internally by (preferences stated, skills wanted), so the per-mentee
  divisors of the skills and preference parts are constant over long row runs: a multiply
  (exact, see `_add_ratio`) per run instead of a per-cell division or look-up. Mentors are
  sorted internally by time zone, so the time-zone part and its limit are one broadcast add per
  zone run instead of per-cell arithmetic. Infeasible cells become -1 by one OR with 0 / -1
  (a masked copy over a dense random mask costs ten times more), and operands are broadcast
  rows rather than Python scalars (numpy's SIMD loops for small integer types run on arrays
  only). Mentors with no capacity left, or away, are left out altogether.
- Cheap top-k (`_top_k`). The key numerator * m + rotation is distinct within a row and fits
  int32: np.partition on it is five times faster than on the raw numerators (a few dozen
  distinct values, many duplicates) and twice as fast as argpartition. The rotation is a
  strided view of one vector, and the chosen cells are found with flatnonzero on 1-D views
  (np.nonzero on 2-D arrays is several times slower).
- Mentors' picks (`_MentorPool`). When capacity binds, mentee lists alone crowd the popular
  mentors and leave others short of candidates, so the first solve leaves seats empty and the
  next round must add pairs by the million. Each mentor's best mentees are kept with a running
  threshold per mentor, so after the first blocks hardly any cell passes it. All of them go
  into the first graph (a pick on the mentee's list but below its FIRST_GRAPH_K best is not
  there yet), and ties are rotated (`_tie_keys`): with either missing, realistic instances
  (few shared languages, many ties) left thousands of seats empty after the first solve.
- A smaller first graph (FIRST_GRAPH_K). OR-Tools' time grows with the number of arcs; the rest
  of each mentee's list is priced pair by pair at almost no cost and comes in when it matters.
- Pricing with bounds, in integers (`_price`). A pair (i, j) off mentee i's list scores at most
  kth_i, the lowest score on that list. It is violated when rc1 < 0, or rc1 = 0 and score * S >
  A_i - B_j (S = the score scale, A_i = p2[i] - wait_bonus[i], B_j = p2[j]); writing qa_i =
  A_i // S and qb_j = B_j // S, that needs score >= qa_i - qb_j (rc1 is folded in by shifting
  qa and qb by a constant: rc1 < 0, always; rc1 > 0, never). So mentee i needs only the mentors
  with qb_j >= qa_i - kth_i: a prefix of the mentors sorted by qb, usually short. The bound must
  be kth_i, not mentee i's best score: an unmatched mentee's reduced costs are low everywhere,
  and with its best score pricing would scan almost every mentor for it (half of all pairs
  instead of a few percent). The test runs on int16 scores and int32 thresholds; the candidates
  it lets through are then checked exactly in int64, one by one. When languages come from a
  table, each block scores only the mentors of its prefix that share a language with it.
- Pricing in bounded memory (`_Chosen`). Only the count of violated pairs must be exact; the
  pairs added are at most PRICE_ADD_FACTOR * top_k per mentee and per mentor, and they are
  chosen as the blocks come in, so a poor graph with hundreds of millions of violated pairs
  costs time, not memory.
- Few rounds. Each round is a solve plus pricing; the tail of rounds that add a handful of
  pairs each is cut by adding the pairs within PRICE_MARGIN points of being violated (they are
  the ones the next duals would turn negative), and each solve is kept small by dropping the
  arcs more than PRUNE_MARGIN points from tight (TIE_MARGIN for an arc scoring as well as its
  mentee's match: like mentors' prices move between rounds, see _kept_arcs).
- The potentials' Bellman-Ford and reachability find the distinct nodes of a frontier with a
  mark per node rather than np.unique's hashing.
"""

import functools
import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

# Waiting longer than ten years no longer breaks ties further; the cap bounds W and so the
# integer costs handed to OR-Tools.
WAIT_CAP_DAYS = 3650
# Language points (2 per shared fluent language, 1 per other shared one) count up to 4: two
# fluent languages in common, or four spoken ones, are as good as it gets.
LANGUAGE_POINTS_CAP = 4
SCORE_MAX = 1000
MINUTES_PER_DAY = 1440
# Cells (mentees x mentors) scored at once: about a million keeps each block's temporaries (one
# or two bytes a cell, a few of them) inside the L2/L3 caches, so memory stays flat whatever n is.
BLOCK_CELLS = 1 << 20
# Each pricing round adds at most this many times top_k violated pairs per mentee (and per
# mentor): when capacity binds, adding more per round saves whole rounds.
PRICE_ADD_FACTOR = 2
# Pricing also adds pairs within this many score points of being violated: listed pairs (checked
# one by one anyway) within PRICE_MARGIN, other pairs within SCAN_MARGIN (a wider margin would
# widen the scan). Tuned on the synthetic instances: the rounds go from 4-5 to 2-3.
PRICE_MARGIN = 30
SCAN_MARGIN = 10
# Pricing gathers its candidate pairs in at most about this many (or twice the mentors times
# the per-mentor limit), see _Chosen.
PRICE_KEEP_CELLS = 1 << 20
# Pricing's per-mentor cut keeps each mentee's this many most negative pairs whatever their
# rank at the mentor (see _Found.cap).
PRICE_MENTEE_KEEP = 4
# Between rounds the graph keeps its used arcs and those within this many score points of
# tight; the others go (pricing brings any of them back if it ever turns negative).
PRUNE_MARGIN = 30
# An arc that scores at least as well as its mentee's match is kept within this many points
# (see _kept_arcs). Tuned on the bench's instances: 40 keeps the 38-point gaps that cost a
# round at 20,000 x 5,000 and, at 100,000 x 20,000, nothing that pricing would not bring back
# anyway; 60 added 8% to the second graph there (122,000 arcs, 1 to 4 s) and saved nothing.
TIE_MARGIN = PRUNE_MARGIN + 10
# The first sparse graph takes each mentee's FIRST_GRAPH_K best (and the mentors' picks); the
# rest of its top_k list is priced pair by pair and comes in if it matters. OR-Tools' time
# grows with the arcs: a third of them, a third of the time (7 s to 3 s at 100,000 x 20,000),
# for one more, cheaper round.
FIRST_GRAPH_K = 10
# Round 0 also keeps each mentor's best MENTOR_KEEP * capacity mentees (see _MentorPool).
MENTOR_KEEP = 6
# The pool of those is cut back to size whenever it grows past this many cells (or twice the
# total kept, if more): early, so that the thresholds rise early and few cells pass them.
MENTOR_POOL_CELLS = 1 << 16
# Threads scoring blocks side by side (numpy releases the GIL): one per core, at most four.
THREADS = min(4, os.cpu_count() or 1)
# `progress` hears about each phase about this many times.
PROGRESS_REPORTS = 10
# Language points come from a (mentee kind x mentor kind) table when the languages in use need
# more than a byte and the table has at most this many cells (see _Problem._language_classes).
LANGUAGE_TABLE_CELLS = 1 << 22
# Up to this many distinct time zones among the mentors, the time-zone part is added one zone
# run at a time; beyond it, by a gather per cell.
TZ_RUNS_MAX = 96

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Mentees:
    """n mentees, one row per index. Bitmasks are uint64 (up to 64 languages, skills or traits).

    `languages_fluent` (advanced or native) is a subset of `languages`; `preferences` are the
    traits a mentee would like their mentor to have (optional, self-identified). None means all
    zeros.
    """

    languages: NDArray[np.uint64]
    tz_offset_minutes: NDArray[np.int64]
    # A negative community id means "no community": it never conflicts with anyone.
    community: NDArray[np.int64]
    skills_wanted: NDArray[np.uint64]
    waited_days: NDArray[np.int64]
    languages_fluent: NDArray[np.uint64] | None = None
    preferences: NDArray[np.uint64] | None = None

    def __len__(self) -> int:
        return len(self.languages)


@dataclass(frozen=True)
class Mentors:
    """m mentors. `capacity` is what is left after existing active matches (>= 0).

    `languages_fluent` is a subset of `languages`; `traits` are matched against the mentees'
    preferences. None means all zeros.
    """

    languages: NDArray[np.uint64]
    tz_offset_minutes: NDArray[np.int64]
    community: NDArray[np.int64]
    skills_offered: NDArray[np.uint64]
    capacity: NDArray[np.int64]
    # Away mentors take nobody, whatever their capacity.
    away: NDArray[np.bool_] | None = None
    languages_fluent: NDArray[np.uint64] | None = None
    traits: NDArray[np.uint64] | None = None

    def __len__(self) -> int:
        return len(self.languages)


@dataclass(frozen=True)
class Rules:
    """Hard constraints and score weights (non-negative integers, not all zero).

    score = (skills_weight * skills + tz_weight * tz + language_weight * language
             + preference_weight * preference) // (sum of the four weights),
    each part in [0, 1000]:
      skills     = 1000 * popcount(wanted & offered) // popcount(wanted)  (0 if nothing wanted)
      tz         = 1000 * (720 - tz distance) // 720, distance circular over the day
      language   = 1000 * min(points, 4) // 4, points = 2 per shared language both speak
                   fluently + 1 per other shared language
      preference = 1000 * popcount(preferences & traits) // popcount(preferences)
                   (0 if the mentee states no preference)
    """

    require_shared_language: bool = True
    allow_same_community: bool = False
    max_tz_distance_minutes: int | None = None
    skills_weight: int = 6
    tz_weight: int = 2
    language_weight: int = 2
    preference_weight: int = 2


@dataclass(frozen=True)
class Solution:
    pairs: list[tuple[int, int]]
    scores: list[int]
    matched: int
    total_score: int
    total_wait_bonus: int
    # Sum of pair weights BIG + score * W + wait_bonus (see the module docstring).
    objective: int
    certified: bool
    rounds: int
    big: int
    score_scale: int


class CertificateError(RuntimeError):
    """The sparse solution failed its own optimality check: a solver or programming error."""


def _bits(arr: NDArray[np.uint64] | None, size: int) -> NDArray[np.uint64]:
    """A bitmask column as uint64, all zeros when not given."""
    if arr is None:
        return np.zeros(size, dtype=np.uint64)
    return np.asarray(arr, dtype=np.uint64)


def _weights(rules: Rules) -> tuple[int, int, int, int]:
    return (rules.skills_weight, rules.tz_weight, rules.language_weight, rules.preference_weight)


def _check_inputs(mentees: Mentees, mentors: Mentors, rules: Rules, top_k: int) -> None:
    n, m = len(mentees), len(mentors)
    for name, arr, size in [
        ("mentees.tz_offset_minutes", mentees.tz_offset_minutes, n),
        ("mentees.community", mentees.community, n),
        ("mentees.skills_wanted", mentees.skills_wanted, n),
        ("mentees.waited_days", mentees.waited_days, n),
        ("mentees.languages_fluent", mentees.languages_fluent, n),
        ("mentees.preferences", mentees.preferences, n),
        ("mentors.tz_offset_minutes", mentors.tz_offset_minutes, m),
        ("mentors.community", mentors.community, m),
        ("mentors.skills_offered", mentors.skills_offered, m),
        ("mentors.capacity", mentors.capacity, m),
        ("mentors.away", mentors.away, m),
        ("mentors.languages_fluent", mentors.languages_fluent, m),
        ("mentors.traits", mentors.traits, m),
    ]:
        if arr is not None and len(arr) != size:
            raise ValueError(f"{name} has {len(arr)} rows, expected {size}")
    for name, spoken, fluent in [
        ("mentees", mentees.languages, mentees.languages_fluent),
        ("mentors", mentors.languages, mentors.languages_fluent),
    ]:
        if fluent is not None and np.any(
            np.asarray(fluent, dtype=np.uint64) & ~np.asarray(spoken, dtype=np.uint64)
        ):
            raise ValueError(f"{name}.languages_fluent must be a subset of {name}.languages")
    if m and int(np.min(mentors.capacity)) < 0:
        raise ValueError("mentor capacity must be >= 0")
    weights = _weights(rules)
    if min(weights) < 0 or sum(weights) == 0:
        raise ValueError("score weights must be non-negative and not all zero")
    if top_k < 1:
        raise ValueError("top_k must be >= 1")


def _excluded_index(
    excluded: Iterable[tuple[int, int]] | NDArray[np.int64],
) -> tuple[IntArray, IntArray]:
    """Excluded pairs sorted by mentee, so each block finds its own with one searchsorted.

    A k x 2 array is sorted as it is (millions of pairs: a community's members excluded from
    each other); any other iterable of (mentee, mentor) pairs is read into one first.
    """
    if isinstance(excluded, np.ndarray):
        pairs = np.asarray(excluded, dtype=np.int64).reshape(-1, 2)
    else:
        pairs = np.array(list(excluded), dtype=np.int64).reshape(-1, 2)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    return pairs[order, 0].copy(), pairs[order, 1].copy()


def score_block(
    mentees: Mentees,
    mentors: Mentors,
    rules: Rules,
    start: int,
    stop: int,
    excluded: tuple[IntArray, IntArray] | None = None,
) -> tuple[BoolArray, IntArray]:
    """Feasibility and score in [0, 1000] for mentees start..stop-1 against every mentor.

    Returns two (stop - start) x m arrays; infeasible cells score 0. `excluded` is the sorted
    index from `_excluded_index`. This is the plain, literal version of the rules (int64
    throughout), for explaining single pairs; `solve` uses the faster `_Problem.numerators`,
    which the tests hold to the same results.
    """
    n, m = len(mentees), len(mentors)
    rows = slice(start, stop)
    shared = np.bitwise_count(mentees.languages[rows, None] & mentors.languages[None, :])
    fluent = np.bitwise_count(
        _bits(mentees.languages_fluent, n)[rows, None] & _bits(mentors.languages_fluent, m)[None, :]
    )
    feasible = np.broadcast_to(np.asarray(mentors.capacity)[None, :] > 0, shared.shape).copy()
    if mentors.away is not None:
        feasible &= ~np.asarray(mentors.away, dtype=bool)[None, :]
    if rules.require_shared_language:
        feasible &= shared > 0
    if not rules.allow_same_community:
        com_a = np.asarray(mentees.community)[rows, None]
        feasible &= (com_a < 0) | (com_a != np.asarray(mentors.community)[None, :])
    gap = (
        np.abs(
            np.asarray(mentees.tz_offset_minutes, dtype=np.int64)[rows, None]
            - np.asarray(mentors.tz_offset_minutes, dtype=np.int64)[None, :]
        )
        % MINUTES_PER_DAY
    )
    tz_distance = np.minimum(gap, MINUTES_PER_DAY - gap)
    if rules.max_tz_distance_minutes is not None:
        feasible &= tz_distance <= rules.max_tz_distance_minutes
    if excluded is not None and len(excluded[0]):
        lo, hi = np.searchsorted(excluded[0], [start, stop])
        feasible[excluded[0][lo:hi] - start, excluded[1][lo:hi]] = False

    def ratio(common: NDArray[np.uint8], wanted: NDArray[np.uint8]) -> IntArray:
        stated = wanted.astype(np.int64)[:, None]
        part = SCORE_MAX * common.astype(np.int64) // np.maximum(stated, 1)
        return np.where(stated > 0, part, 0)

    wanted = _bits(mentees.skills_wanted, n)[rows]
    skills = ratio(
        np.bitwise_count(wanted[:, None] & _bits(mentors.skills_offered, m)[None, :]),
        np.bitwise_count(wanted),
    )
    preferred = _bits(mentees.preferences, n)[rows]
    preference = ratio(
        np.bitwise_count(preferred[:, None] & _bits(mentors.traits, m)[None, :]),
        np.bitwise_count(preferred),
    )
    half_day = MINUTES_PER_DAY // 2
    tz = SCORE_MAX * (half_day - tz_distance) // half_day
    points = np.minimum(shared.astype(np.int64) + fluent, LANGUAGE_POINTS_CAP)
    language = SCORE_MAX * points // LANGUAGE_POINTS_CAP
    sw, tw, lw, pw = _weights(rules)
    score = (sw * skills + tw * tz + lw * language + pw * preference) // (sw + tw + lw + pw)
    return feasible, np.where(feasible, score, 0)


def _pack_bits(*columns: NDArray[np.uint64]) -> list[NDArray[np.unsignedinteger]]:
    """The same bitmask columns with the bits in use renumbered 0, 1, ... in the fewest bytes.

    Popcounts of ANDs are unchanged (the same bits are renumbered the same way in every column),
    and uint8 ANDs and popcounts cost a fraction of uint64 ones.
    """
    used = np.bitwise_or.reduce(
        np.concatenate([c.ravel() for c in columns] + [np.zeros(1, np.uint64)])
    )
    bits = [b for b in range(64) if int(used) >> b & 1]
    dtype: type[np.unsignedinteger] = np.uint64
    for candidate, width in ((np.uint8, 8), (np.uint16, 16), (np.uint32, 32)):
        if len(bits) <= width:
            dtype = candidate
            break
    if not bits or bits[-1] < len(bits):  # already the low bits
        return [c.astype(dtype) for c in columns]
    out = []
    for column in columns:
        packed = np.zeros(len(column), dtype=np.uint64)
        for new, old in enumerate(bits):
            packed |= ((column >> np.uint64(old)) & np.uint64(1)) << np.uint64(new)
        out.append(packed.astype(dtype))
    return out


def _runs(keys: NDArray[np.integer]) -> list[tuple[int, int]]:
    """[start, stop) of each run of equal consecutive keys."""
    if not len(keys):
        return []
    cuts = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    edges = [0, *cuts.tolist(), len(keys)]
    return list(itertools.pairwise(edges))


class _Problem:
    """The inputs in the solver's internal order and smallest dtypes, and the fast scorer.

    Internal mentee ids sort the mentees by (preferences stated, skills wanted); internal mentor
    ids are the mentors with capacity left and not away, sorted by time zone (see the module
    docstring for why). `a_order` / `b_order` map internal ids back to the caller's indices.
    """

    def __init__(
        self,
        mentees: Mentees,
        mentors: Mentors,
        rules: Rules,
        excluded: Iterable[tuple[int, int]],
    ) -> None:
        n, m_all = len(mentees), len(mentors)
        self.rules = rules
        self.weights = _weights(rules)
        self.total_weight = sum(self.weights)
        small = SCORE_MAX * self.total_weight < np.iinfo(np.int16).max
        self.dtype: type[np.signedinteger] = np.int16 if small else np.int32

        capacity = np.asarray(mentors.capacity, dtype=np.int64)
        if mentors.away is not None:
            capacity = np.where(np.asarray(mentors.away, dtype=bool), 0, capacity)
        active = np.flatnonzero(capacity > 0)
        tz_b = np.mod(np.asarray(mentors.tz_offset_minutes, dtype=np.int64), MINUTES_PER_DAY)
        self.tz_values, tz_class = np.unique(tz_b[active], return_inverse=True)
        order_b = np.argsort(tz_class, kind="stable")
        self.b_order = active[order_b]
        self.b_tz_class = tz_class[order_b].astype(np.int64)
        self.m = len(self.b_order)
        self.capacity = capacity[self.b_order]

        pref_a = _bits(mentees.preferences, n)
        skills_a = _bits(mentees.skills_wanted, n)
        pref_count = np.bitwise_count(pref_a).astype(np.int64)
        skills_count = np.bitwise_count(skills_a).astype(np.int64)
        self.a_order = np.lexsort((skills_count, pref_count))
        self.n = n
        a, b = self.a_order, self.b_order
        self.a_skills_count = skills_count[a]
        self.a_pref_count = pref_count[a]
        self.bonus = np.minimum(
            np.maximum(np.asarray(mentees.waited_days, dtype=np.int64), 0), WAIT_CAP_DAYS
        )[a]
        tz_a = np.mod(np.asarray(mentees.tz_offset_minutes, dtype=np.int64), MINUTES_PER_DAY)
        self.a_tz = tz_a[a]

        lang_a, fluent_a, lang_b, fluent_b = _pack_bits(
            _bits(mentees.languages, n)[a],
            _bits(mentees.languages_fluent, n)[a],
            _bits(mentors.languages, m_all)[b],
            _bits(mentors.languages_fluent, m_all)[b],
        )
        self.a_lang, self.a_fluent, self.b_lang, self.b_fluent = lang_a, fluent_a, lang_b, fluent_b
        self.lang_table: NDArray[np.uint8] | None = None
        if lang_a.dtype != np.uint8:
            self._language_classes()
        self.a_skills, self.b_skills = _pack_bits(
            skills_a[a], _bits(mentors.skills_offered, m_all)[b]
        )
        self.a_pref, self.b_traits = _pack_bits(pref_a[a], _bits(mentors.traits, m_all)[b])
        # Communities renumbered densely; "no community" becomes -1 for mentees and -2 for
        # mentors, so it never equals anything.
        com_a = np.asarray(mentees.community, dtype=np.int64)[a]
        com_b = np.asarray(mentors.community, dtype=np.int64)[b]
        ids, dense = np.unique(np.concatenate([com_a, com_b]), return_inverse=True)
        dense = dense.astype(np.int64)
        com_dtype = np.int16 if len(ids) < np.iinfo(np.int16).max else np.int32
        self.a_com = np.where(com_a < 0, -1, dense[:n]).astype(com_dtype)
        self.b_com = np.where(com_b < 0, -2, dense[n:]).astype(com_dtype)

        # Excluded pairs as CSR rows per internal mentee (internal mentor ids, sorted).
        inv_a = np.empty(n, dtype=np.int64)
        inv_a[a] = np.arange(n)
        inv_b = np.full(m_all, -1, dtype=np.int64)
        inv_b[b] = np.arange(self.m)
        # A k x 2 array (millions of pairs: a community's members kept apart) is taken as it
        # is; duplicates are harmless. Any other iterable of pairs is read into one.
        if isinstance(excluded, np.ndarray):
            ex = np.asarray(excluded, dtype=np.int64).reshape(-1, 2)
        else:
            ex = np.array(sorted(set(excluded)), dtype=np.int64).reshape(-1, 2)
        ex_i, ex_j = inv_a[ex[:, 0]], inv_b[ex[:, 1]]
        keep = ex_j >= 0
        # One sort of an int64 code (row, then column) is several times faster than a lexsort
        # of the two columns (2 s for the 6.5 million pairs of a realistic 100,000 x 20,000).
        code = ex_i[keep] * max(self.m, 1) + ex_j[keep]
        del ex_i, ex_j, keep
        code.sort()
        ex_i, ex_cols = np.divmod(code, max(self.m, 1))
        del code
        self.ex_cols = ex_cols.astype(np.int32)  # millions of them: half the memory
        del ex_cols
        self._points_cap = np.full(self.m, LANGUAGE_POINTS_CAP, dtype=np.uint8)
        self.ex_indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(ex_i, minlength=n), out=self.ex_indptr[1:])

    def _language_classes(self) -> None:
        """Language points by a look-up in a small class x class table, when the languages in
        use do not fit one byte.

        Why: people whose languages come from their countries use dozens of languages in all
        (40 in the realistic instances), so the bitmasks need uint64, whose ANDs and popcounts
        (two of them, spoken and fluent) cost a dozen times the uint8 ones and made scoring
        half as fast again. But people share few distinct (spoken, fluent) combinations: the
        points of every combination pair fit a small uint8 table, and a block's points are one
        gather from the rows of the table. Points are 0 exactly when no language is shared
        (fluent languages are spoken ones), so the table also gives the language constraint.
        """
        a_pairs = np.stack([self.a_lang.astype(np.uint64), self.a_fluent.astype(np.uint64)], 1)
        b_pairs = np.stack([self.b_lang.astype(np.uint64), self.b_fluent.astype(np.uint64)], 1)
        a_kinds, a_class = np.unique(a_pairs, axis=0, return_inverse=True)
        b_kinds, b_class = np.unique(b_pairs, axis=0, return_inverse=True)
        if len(a_kinds) * len(b_kinds) > LANGUAGE_TABLE_CELLS:
            return
        shared = np.bitwise_count(a_kinds[:, 0][:, None] & b_kinds[:, 0][None, :])
        fluent = np.bitwise_count(a_kinds[:, 1][:, None] & b_kinds[:, 1][None, :])
        points = np.minimum(shared.astype(np.int64) + fluent, LANGUAGE_POINTS_CAP)
        self.lang_table = points.astype(np.uint8)
        self.a_lang_class = a_class.reshape(-1).astype(np.int64)
        self.b_lang_class = b_class.reshape(-1).astype(np.int64)

    def numerators(self, rows: IntArray, cols: IntArray) -> NDArray[np.signedinteger]:
        """Score numerators N (score = N // total_weight) of rows x cols, -1 where infeasible.

        `rows` and `cols` are sorted internal ids (so the row runs of equal divisors and the
        column runs of one time zone are contiguous).
        """
        rules, dt = self.rules, self.dtype
        sw, tw, lw, pw = self.weights
        n_rows, n_cols = len(rows), len(cols)
        out = np.zeros((n_rows, n_cols), dtype=dt)
        if not n_rows or not n_cols:
            return out
        # Infeasible cells are collected in one mask and set to -1 at the end by OR-ing with
        # 0 / -1 (all bits set): a masked copy over a dense random mask branches per cell and
        # costs ten times more. Likewise operands are broadcast rows, not Python scalars: numpy
        # runs its SIMD loops for uint8 minimum only on arrays.
        if self.lang_table is not None:
            points = np.take(
                self.lang_table[self.a_lang_class[rows]], self.b_lang_class[cols], axis=1
            )
            bad = points == 0 if rules.require_shared_language else None
            if lw:
                np.multiply(points, dt(lw * (SCORE_MAX // LANGUAGE_POINTS_CAP)), out=out)
            del points
        else:
            shared = np.bitwise_count(self.a_lang[rows][:, None] & self.b_lang[cols][None, :])
            bad = shared == 0 if rules.require_shared_language else None
            if lw:
                points = np.bitwise_count(
                    self.a_fluent[rows][:, None] & self.b_fluent[cols][None, :]
                )
                points += shared
                np.minimum(points, self._points_cap[None, :n_cols], out=points)
                np.multiply(points, dt(lw * (SCORE_MAX // LANGUAGE_POINTS_CAP)), out=out)
            del shared
        if sw:
            common = np.bitwise_count(self.a_skills[rows][:, None] & self.b_skills[cols][None, :])
            self._add_ratio(out, common, self.a_skills_count[rows], sw)
        if pw:
            counts = self.a_pref_count[rows]
            first = int(np.searchsorted(counts, 1))  # rows are sorted by this count
            if first < n_rows:
                common = np.bitwise_count(
                    self.a_pref[rows[first:]][:, None] & self.b_traits[cols][None, :]
                )
                self._add_ratio(out[first:], common, counts[first:], pw)
        if not rules.allow_same_community:
            same = self.a_com[rows][:, None] == self.b_com[cols][None, :]
            bad = same if bad is None else np.bitwise_or(bad, same, out=bad)

        limit = rules.max_tz_distance_minutes
        if tw or limit is not None:
            classes = self.b_tz_class[cols]
            gap = np.abs(self.a_tz[rows][:, None] - self.tz_values[None, :])
            distance = np.minimum(gap, MINUTES_PER_DAY - gap)
            half_day = MINUTES_PER_DAY // 2
            value = (tw * (SCORE_MAX * (half_day - distance) // half_day)).astype(dt)
            too_far = distance > limit if limit is not None else None
            if too_far is not None and bad is None:
                bad = np.zeros((n_rows, n_cols), dtype=bool)
            if len(self.tz_values) <= TZ_RUNS_MAX:
                for c0, c1 in _runs(classes):
                    zone = int(classes[c0])
                    if tw:
                        out[:, c0:c1] += value[:, zone : zone + 1]
                    if too_far is not None and bad is not None and too_far[:, zone].any():
                        bad[:, c0:c1] |= too_far[:, zone : zone + 1]
            else:
                if tw:
                    out += np.take(value, classes, axis=1)
                if too_far is not None and bad is not None:
                    bad |= np.take(too_far, classes, axis=1)
        if bad is not None:
            np.bitwise_or(out, np.negative(bad.view(np.int8)), out=out)

        # Excluded pairs of these rows that fall among these columns.
        pos = _gather(self.ex_indptr, rows)
        if len(pos):
            local = np.repeat(np.arange(n_rows), self.ex_indptr[rows + 1] - self.ex_indptr[rows])
            ex_cols = self.ex_cols[pos]
            at = np.minimum(np.searchsorted(cols, ex_cols), n_cols - 1)
            hit = cols[at] == ex_cols
            out[local[hit], at[hit]] = -1
        return out

    def _add_ratio(
        self,
        out: NDArray[np.signedinteger],
        common: NDArray[np.uint8],
        stated: IntArray,
        weight: int,
    ) -> None:
        """out += weight * (1000 * common // stated), row run by row run of equal `stated`.

        1000 * c // d = (1000 // d) * c + ((1000 % d) * c) // d, both terms small (c <= d <=
        64), so no wider dtype is needed; when d divides 1000 it is one multiply.
        """
        dt = self.dtype
        for r0, r1 in _runs(stated):
            d = int(stated[r0])
            if d == 0:
                continue
            q, rem = divmod(SCORE_MAX, d)
            seg = common[r0:r1]
            if rem == 0:
                out[r0:r1] += np.multiply(seg, dt(weight * q), dtype=dt)
            else:
                wide = seg.astype(dt)
                extra = wide * dt(rem)
                extra //= dt(d)
                wide *= dt(q)
                wide += extra
                if weight != 1:
                    wide *= dt(weight)
                out[r0:r1] += wide


def _gather(indptr: IntArray, nodes: IntArray) -> IntArray:
    """Positions indptr[v]..indptr[v+1]-1 for every v in nodes (CSR rows, concatenated)."""
    starts = indptr[nodes]
    counts = indptr[nodes + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
    return offsets + np.arange(total, dtype=np.int64)


def _csr(tails: IntArray, num_nodes: int) -> tuple[IntArray, IntArray]:
    order = np.argsort(tails, kind="stable")
    indptr = np.zeros(num_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(tails, minlength=num_nodes), out=indptr[1:])
    return order, indptr


def _distinct(nodes: IntArray, num_nodes: int) -> IntArray:
    """The distinct values of `nodes`, sorted: a mark per node beats np.unique's hashing."""
    mark = np.zeros(num_nodes, dtype=bool)
    mark[nodes] = True
    return np.flatnonzero(mark)


def _reach(tails: IntArray, heads: IntArray, num_nodes: int, sources: IntArray) -> BoolArray:
    """Nodes reachable from `sources` along the given arcs (level-synchronous BFS)."""
    order, indptr = _csr(tails, num_nodes)
    seen = np.zeros(num_nodes, dtype=bool)
    seen[sources] = True
    frontier = sources
    while frontier.size:
        nxt = _distinct(heads[order[_gather(indptr, frontier)]], num_nodes)
        frontier = nxt[~seen[nxt]]
        seen[frontier] = True
    return seen


def _shortest_distances(
    tails: IntArray, heads: IntArray, costs: IntArray, num_nodes: int
) -> IntArray:
    """Shortest distances from a virtual root with a 0-cost arc to every node (so all <= 0).

    Queue-based Bellman-Ford, vectorised: each sweep relaxes the arcs leaving the nodes whose
    distance dropped in the previous sweep, with a scatter-min. On these residual networks the
    sweeps number a few dozen. A node still improving after num_nodes sweeps means a negative
    cycle, i.e. the flow was not optimal: CertificateError.
    """
    order, indptr = _csr(tails, num_nodes)
    s_tails, s_heads, s_costs = tails[order], heads[order], costs[order]
    dist = np.zeros(num_nodes, dtype=np.int64)
    frontier = np.arange(num_nodes, dtype=np.int64)
    for _ in range(num_nodes + 1):
        pos = _gather(indptr, frontier)
        cand_heads = s_heads[pos]
        cand = dist[s_tails[pos]] + s_costs[pos]
        better = cand < dist[cand_heads]
        if not better.any():
            return dist
        cand_heads = cand_heads[better]
        np.minimum.at(dist, cand_heads, cand[better])
        frontier = _distinct(cand_heads, num_nodes)
    raise CertificateError("the residual network has a negative cycle")


def _solve_sparse(
    n: int, capacity: IntArray, pair_i: IntArray, pair_j: IntArray, weight: IntArray
) -> IntArray:
    """Flow on each pair arc of a maximum flow of minimum cost (= maximum weight)."""
    m = len(capacity)
    smcf = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    mentee_nodes = np.arange(n, dtype=np.int64) + 2
    mentor_nodes = np.arange(m, dtype=np.int64) + 2 + n
    # Costs C - weight are non-negative; every unit of flow crosses exactly one pair arc, so
    # among maximum flows minimum cost is maximum weight.
    top = int(weight.max()) if len(weight) else 0
    tails = np.concatenate([np.full(n, source), pair_i + 2, mentor_nodes]).astype(np.int32)
    heads = np.concatenate([mentee_nodes, pair_j + 2 + n, np.full(m, sink)]).astype(np.int32)
    caps = np.concatenate([np.ones(n + len(pair_i), dtype=np.int64), capacity])
    costs = np.concatenate([np.zeros(n, dtype=np.int64), top - weight, np.zeros(m, dtype=np.int64)])
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    del tails, heads, caps, costs  # OR-Tools holds its own copy
    # Offer n units at the source and ask n at the sink; OR-Tools sends as many as fit.
    smcf.set_node_supply(source, n)
    smcf.set_node_supply(sink, -n)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise CertificateError(f"OR-Tools min-cost flow returned status {status}")
    arcs = np.arange(n, n + len(pair_i), dtype=np.int32)
    return np.asarray(smcf.flows(arcs), dtype=np.int64)


def _residual(
    n: int, capacity: IntArray, pair_i: IntArray, pair_j: IntArray, weight: IntArray, flow: IntArray
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Residual arcs (tail, head, cost1, cost2) of the circulation view; nodes 0=s, 1=t."""
    m = len(capacity)
    matched = np.zeros(n, dtype=bool)
    matched[pair_i[flow > 0]] = True
    load = np.bincount(pair_j[flow > 0], minlength=m)
    mentee_nodes = np.arange(n, dtype=np.int64) + 2
    mentor_nodes = np.arange(m, dtype=np.int64) + 2 + n
    used = flow > 0
    open_mentor = load < capacity
    busy_mentor = load > 0
    parts = [
        # s -> unmatched mentee: matching one more mentee gains a unit of cardinality.
        (np.zeros((~matched).sum()), mentee_nodes[~matched], -1, 0),
        (mentee_nodes[matched], np.zeros(matched.sum()), 1, 0),
        (pair_i[~used] + 2, pair_j[~used] + 2 + n, 0, -weight[~used]),
        (pair_j[used] + 2 + n, pair_i[used] + 2, 0, weight[used]),
        (mentor_nodes[open_mentor], np.ones(open_mentor.sum()), 0, 0),
        (np.ones(busy_mentor.sum()), mentor_nodes[busy_mentor], 0, 0),
        (np.array([1]), np.array([0]), 0, 0),  # t -> s, the return arc (uncapacitated)
    ]
    if used.any():
        parts.append((np.array([0]), np.array([1]), 0, 0))
    tails = np.concatenate([np.asarray(p[0], dtype=np.int64) for p in parts])
    heads = np.concatenate([np.asarray(p[1], dtype=np.int64) for p in parts])
    cost1 = np.concatenate(
        [np.broadcast_to(np.asarray(p[2], dtype=np.int64), len(p[0])) for p in parts]
    )
    cost2 = np.concatenate(
        [np.broadcast_to(np.asarray(p[3], dtype=np.int64), len(p[0])) for p in parts]
    )
    return tails, heads, cost1, cost2


def _potentials(
    n: int, capacity: IntArray, pair_i: IntArray, pair_j: IntArray, weight: IntArray, flow: IntArray
) -> tuple[IntArray, IntArray]:
    """Lexicographic shortest distances from a virtual root, checked to be valid potentials.

    Raises CertificateError unless every residual arc has a reduced cost >= 0 and the dual
    objective equals the primal one.
    """
    m = len(capacity)
    num_nodes = n + m + 2
    tails, heads, cost1, cost2 = _residual(n, capacity, pair_i, pair_j, weight, flow)

    # First component: -1 on nodes reachable from an unmatched mentee along cost-0 arcs.
    matched = np.zeros(n, dtype=bool)
    matched[pair_i[flow > 0]] = True
    zero = cost1 == 0
    reached = _reach(tails[zero], heads[zero], num_nodes, np.flatnonzero(~matched) + 2)
    pot1 = -reached.astype(np.int64)

    # Second component: shortest distances over the arcs tight in the first component.
    tight = cost1 + pot1[tails] - pot1[heads] == 0
    pot2 = _shortest_distances(tails[tight], heads[tight], cost2[tight], num_nodes)

    # Check: no residual arc has a lexicographically negative reduced cost.
    rc1 = cost1 + pot1[tails] - pot1[heads]
    rc2 = cost2 + pot2[tails] - pot2[heads]
    if ((rc1 < 0) | ((rc1 == 0) & (rc2 < 0))).any():
        raise CertificateError("derived potentials leave a negative residual arc")

    # Check: dual objective sum(cap * min(0, reduced cost)) over the original arcs equals the
    # primal cost (-matched, -total weight). With the check above it must; a mismatch is a bug.
    mentee_nodes = np.arange(n, dtype=np.int64) + 2
    mentor_nodes = np.arange(m, dtype=np.int64) + 2 + n
    o_tails = np.concatenate([np.zeros(n, dtype=np.int64), pair_i + 2, mentor_nodes, [1]])
    o_heads = np.concatenate([mentee_nodes, pair_j + 2 + n, np.ones(m, dtype=np.int64), [0]])
    o_caps = np.concatenate([np.ones(n + len(pair_i), dtype=np.int64), capacity, [0]])
    o_c1 = np.concatenate([np.full(n, -1), np.zeros(len(pair_i) + m + 1)]).astype(np.int64)
    o_c2 = np.concatenate([np.zeros(n), -weight, np.zeros(m + 1)]).astype(np.int64)
    orc1 = o_c1 + pot1[o_tails] - pot1[o_heads]
    orc2 = o_c2 + pot2[o_tails] - pot2[o_heads]
    negative = (orc1 < 0) | ((orc1 == 0) & (orc2 < 0))
    if orc1[-1] < 0 or (orc1[-1] == 0 and orc2[-1] < 0):
        raise CertificateError("the uncapacitated return arc has a negative reduced cost")
    dual = (
        int((o_caps[negative] * orc1[negative]).sum()),
        int((o_caps[negative] * orc2[negative]).sum()),
    )
    primal = (-int(flow.sum()), -int(weight[flow > 0].sum()))
    if dual != primal:
        raise CertificateError(f"dual objective {dual} differs from primal {primal}")
    return pot1, pot2


def solve(
    mentees: Mentees,
    mentors: Mentors,
    rules: Rules,
    excluded: Iterable[tuple[int, int]] = (),
    *,
    top_k: int = 30,
    max_rounds: int = 100,
    progress: Progress | None = None,
) -> Solution:
    """The lexicographically best matching (count, score, wait); certified unless rounds ran out.

    `progress(stage, done, total)`, if given, is called a few times per phase: "scoring" (round
    0, mentees scored out of n), "solving" (each sparse solve: 0 of 1 before, 1 of 1 after) and
    "pricing" (mentees priced out of those that need it); each phase starts with done = 0.

    Raises ValueError on inconsistent inputs and CertificateError if a solver misbehaves.
    """
    _check_inputs(mentees, mentors, rules, top_k)
    report: Progress = progress or (lambda stage, done, total: None)
    prob = _Problem(mentees, mentors, rules, excluded)
    n = prob.n
    capacity, bonus = prob.capacity, prob.bonus

    bound = min(n, int(capacity.sum()))
    max_bonus = int(bonus.max()) if n else 0
    scale = bound * max_bonus + 1
    big = bound * (SCORE_MAX * scale + max_bonus) + 1

    pair_i, pair_j, weight, listed = _first_candidates(prob, top_k, scale, report)
    rounds = 0
    certified = False
    flow = np.zeros(0, dtype=np.int64)
    while rounds < max_rounds:
        rounds += 1
        report("solving", 0, 1)
        flow = _solve_sparse(n, capacity, pair_i, pair_j, weight)
        report("solving", 1, 1)
        pot1, pot2 = _potentials(n, capacity, pair_i, pair_j, weight, flow)
        partner = np.full(n, -1, dtype=np.int64)
        partner[pair_i[flow > 0]] = pair_j[flow > 0]
        add_i, add_j, add_w, violated = _price(
            prob,
            pot1,
            pot2,
            partner,
            listed,
            scale,
            PRICE_ADD_FACTOR * top_k,
            report,
            PRICE_MARGIN,
            SCAN_MARGIN,
        )
        if not violated:
            certified = True
            break
        if rounds == max_rounds:
            break
        # Drop the arcs far from tight (they come back through pricing if they ever turn
        # negative): the next solve runs on a fraction of the graph.
        keep = _kept_arcs(n, pot1, pot2, pair_i, pair_j, weight, flow, scale)
        pair_i, pair_j, weight = pair_i[keep], pair_j[keep], weight[keep]
        # Nearly violated pairs may already be in the graph; violated ones never are.
        known = np.sort(pair_i * max(prob.m, 1) + pair_j)
        key = add_i * max(prob.m, 1) + add_j
        at = np.minimum(np.searchsorted(known, key), max(len(known) - 1, 0))
        new = known[at] != key if len(known) else np.ones(len(key), dtype=bool)
        pair_i = np.concatenate([pair_i, add_i[new]])
        pair_j = np.concatenate([pair_j, add_j[new]])
        weight = np.concatenate([weight, add_w[new]])

    # The last solve's arcs (all of them: the loop stops before changing the graph; none when
    # max_rounds < 1).
    used = flow > 0
    pair_i, pair_j, weight = pair_i[: len(flow)], pair_j[: len(flow)], weight[: len(flow)]
    out_i, out_j, out_w = pair_i[used], pair_j[used], weight[used]
    scores = (out_w - bonus[out_i]) // scale
    total_score = int(scores.sum())
    total_bonus = int(bonus[out_i].sum())
    orig_i, orig_j = prob.a_order[out_i], prob.b_order[out_j]
    order = np.argsort(orig_i, kind="stable")
    matched = len(out_i)
    return Solution(
        pairs=[(int(a), int(b)) for a, b in zip(orig_i[order], orig_j[order], strict=True)],
        scores=[int(s) for s in scores[order]],
        matched=matched,
        total_score=total_score,
        total_wait_bonus=total_bonus,
        objective=matched * big + total_score * scale + total_bonus,
        certified=certified,
        rounds=rounds,
        big=big,
        score_scale=scale,
    )


def _kept_arcs(
    n: int,
    pot1: IntArray,
    pot2: IntArray,
    pair_i: IntArray,
    pair_j: IntArray,
    weight: IntArray,
    flow: IntArray,
    scale: int,
) -> BoolArray:
    """The arcs the next round's graph keeps: the used ones, those within PRUNE_MARGIN score
    points of tight, and those within TIE_MARGIN that score at least as well as their mentee's
    match.

    Why the ties: the realistic scores tie a lot, and like mentors (the same languages, zone
    and skills) give a mentee the very same score. Such an arc's reduced cost is then only the
    gap between its mentor's price and the price of the mentee's own mentor, not a score the
    mentee would lose, and the first graph, incomplete, prices like mentors unevenly: at
    20,000 x 5,000 on the bench's data a group of them differed by 38 points after round 1 and
    by none after round 2. Dropped at 38 > PRUNE_MARGIN, its arcs to 11 mentees came back
    violated (by a few days of waiting) and cost a third round of 1.1 s. Keeping the tied
    arcs within TIE_MARGIN adds a few thousand arcs to the next graph, most of which pricing
    would have added back anyway (all tied arcs, whatever their gap, would add a fifth: 51,000
    at 20,000 x 5,000, and 254,000 at 100,000 x 20,000, with no round saved there).
    (Any arc dropped is still priced: this saves rounds, it cannot change the optimum.)
    """
    rc1 = pot1[pair_i + 2] - pot1[pair_j + 2 + n]
    rc2 = pot2[pair_i + 2] - pot2[pair_j + 2 + n] - weight
    used = flow > 0
    keep = used | ((rc1 == 0) & (rc2 <= PRUNE_MARGIN * scale))
    match_weight = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    match_weight[pair_i[used]] = weight[used]
    keep |= (rc1 == 0) & (weight >= match_weight[pair_i]) & (rc2 <= TIE_MARGIN * scale)
    return keep


def _row_blocks(n: int, m: int) -> list[tuple[int, int]]:
    size = max(1, BLOCK_CELLS // max(m, 1))
    return [(start, min(n, start + size)) for start in range(0, n, size)]


def _first_candidates(
    prob: _Problem, top_k: int, scale: int, report: Progress
) -> tuple[IntArray, IntArray, IntArray, "_Listed"]:
    """Round 0: score every pair once; each mentee's top_k feasible mentors, and each mentor's
    best MENTOR_KEEP * capacity mentees.

    The mentor side matters when capacity binds: mentee lists alone crowd the popular mentors
    and leave some others without enough candidates to fill their seats, which the first
    pricing round then repairs at the cost of a much larger graph and more rounds. Each mentor's
    best are kept with a running threshold per mentor (a cell enters the pool only if it beats
    the mentor's current MENTOR_KEEP * capacity-th best), so after the first blocks almost no
    cell passes and the pool stays small.

    Returns the first graph's pairs and weights, and the `_Listed` mentee lists for pricing.
    """
    n, m = prob.n, prob.m
    kth_key = np.full(n, -1, dtype=np.int64)
    # Compact dtypes: at 100,000 x 20,000 the lists hold 3 million pairs.
    chunks_i: list[NDArray[np.int32]] = []
    chunks_j: list[NDArray[np.int32]] = []
    chunks_n: list[NDArray[np.signedinteger]] = []
    chunks_first: list[BoolArray] = []
    k = min(top_k, m)
    cols = np.arange(m, dtype=np.int64)
    # One key dtype for every block: the mentors' pool compares keys across blocks.
    fits = (SCORE_MAX * prob.total_weight + 2) * max(m, 1) < np.iinfo(np.int32).max
    key_dtype: type[np.signedinteger] = np.int32 if fits else np.int64
    pool = _MentorPool(MENTOR_KEEP * prob.capacity, key_dtype)
    blocks = _row_blocks(n, m) if k else []
    every = max(1, len(blocks) // PROGRESS_REPORTS)

    def score(block: tuple[int, int]) -> tuple[NDArray[np.signedinteger], _TopK]:
        start, stop = block
        num = prob.numerators(np.arange(start, stop, dtype=np.int64), cols)
        key = _tie_keys(num, start, key_dtype)
        return key, _top_k(num, k, start, FIRST_GRAPH_K, key)

    report("scoring", 0, n)
    for number, ((start, stop), (key, top)) in enumerate(
        zip(blocks, _in_threads(score, blocks), strict=True)
    ):
        # The mentors' pool is fed here, in block order, so its ties are the same every run.
        pool.offer(key, start)
        i, j, value, bound, first = top
        chunks_first.append(first)
        chunks_i.append(i.astype(np.int32))
        chunks_j.append(j.astype(np.int32))
        chunks_n.append(value.astype(prob.dtype))
        kth_key[start:stop] = bound
        if number % every == every - 1:
            report("scoring", stop, n)

    listed = _Listed(
        np.concatenate(chunks_i) if chunks_i else np.zeros(0, dtype=np.int32),
        np.concatenate(chunks_j) if chunks_j else np.zeros(0, dtype=np.int32),
        np.concatenate(chunks_n) if chunks_n else np.zeros(0, dtype=prob.dtype),
        kth_key // max(m, 1),  # -1 if the k-th key is an infeasible cell
        kth_key,
    )
    del chunks_i, chunks_j, chunks_n
    # A mentor's pick that is among the mentee's FIRST_GRAPH_K best is in the graph already.
    # Only those: a pick further down the mentee's top_k list is not in the first graph, and
    # dropping it (as when the first graph took whole lists) left the mentors that mentees
    # list 11th to 30th with too few candidates, and their seats empty after the first solve.
    pool_i, pool_j, pool_key = pool.result()
    pool_n = pool_key // max(m, 1)
    first = np.concatenate(chunks_first) if chunks_first else np.zeros(0, dtype=bool)
    in_graph = listed.pair_i[first].astype(np.int64) * m + listed.pair_j[first]
    fresh = ~np.isin(pool_i * m + pool_j, in_graph)
    pair_i = np.concatenate([listed.pair_i[first].astype(np.int64), pool_i[fresh]])
    pair_j = np.concatenate([listed.pair_j[first].astype(np.int64), pool_j[fresh]])
    numerator = np.concatenate([listed.numerator[first].astype(np.int64), pool_n[fresh]])
    weight = numerator // prob.total_weight * scale + prob.bonus[pair_i]
    del numerator
    report("scoring", n, n)
    return pair_i, pair_j, weight, listed


@dataclass
class _Listed:
    """Round 0's mentee lists: pair (i, j) with its numerator, and each mentee's bound kth[i],
    the lowest numerator on its list when it is full (-1 when the mentee has fewer than top_k
    feasible mentors: they are all listed).

    Pricing checks listed pairs one by one; any other mentor of mentee i scores at most kth[i].
    That bound is far tighter than mentee i's best score: an unmatched mentee's reduced costs are
    low everywhere, and with its best score as the bound pricing would scan almost every mentor
    for it; with kth it scans only the mentors cheap enough for a pair below its list to matter.
    """

    pair_i: NDArray[np.int32]
    pair_j: NDArray[np.int32]
    numerator: NDArray[np.signedinteger]
    kth: IntArray
    # The k-th best tie key (`_tie_keys`) of each row: a cell is listed iff its key reaches it.
    kth_key: IntArray


_TopK = tuple[IntArray, IntArray, NDArray[np.signedinteger], IntArray, BoolArray]


def _in_threads[B, T](work: Callable[[B], T], blocks: list[B]) -> Iterator[T]:
    """work(block) for each block, in order, on THREADS threads with a few blocks in flight.

    numpy releases the GIL inside its loops and a block's operations each take a fraction of a
    millisecond, so two threads score nearly twice as fast on two cores; the window bounds the
    blocks held in memory at once.
    """
    if THREADS <= 1 or len(blocks) <= 1:
        yield from map(work, blocks)
        return
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        pending: deque[Future[T]] = deque()
        queue = iter(blocks)
        for block in itertools.islice(queue, 2 * THREADS):
            pending.append(pool.submit(work, block))
        while pending:
            result = pending.popleft().result()
            following = next(queue, None)
            if following is not None:
                pending.append(pool.submit(work, following))
            yield result


@functools.lru_cache(maxsize=4)
def _tie_permutation(m: int) -> IntArray:
    """The fixed pseudo-random permutation of 0..m-1 behind `_tie_keys` (seeded: runs repeat)."""
    perm = np.random.default_rng(m).permutation(m).astype(np.int64)
    perm.flags.writeable = False
    return perm


def _tie_keys(
    num: NDArray[np.signedinteger], start: int, dtype: type[np.signedinteger] | None = None
) -> NDArray[np.signedinteger]:
    """key = numerator * m + rotation, rotation = P[(i + j) mod m] for the cell of row i = start
    + r and column j, P a fixed pseudo-random permutation of 0..m-1: the order by key refines
    the order by numerator, is distinct within a row, and breaks ties differently in every row
    and every column (a cell's key is negative iff infeasible).

    Why not the first tied cell: the realistic scores tie a lot (people of one country share
    languages and time zones), and first-seen ties made whole groups of like mentors pick the
    very same mentees (and like mentees the same mentors): the first graph then left hundreds
    of seats empty that only a huge first pricing round could fill. Why a permutation, not the
    plain (i + j) mod m: with that, the neighbouring column j + 1 prefers the same tied rows
    shifted by one, so like mentors (sorted next to each other) still picked nearly the same
    mentees; through P the shifted positions get unrelated ranks. Either way the rotation for
    row i is a window of one periodic vector (a strided view, nothing per cell).
    """
    rows, m = num.shape
    if dtype is None:
        fits = (int(num.max(initial=0)) + 2) * m < np.iinfo(np.int32).max
        dtype = np.int32 if fits else np.int64
    periodic = _tie_permutation(m)[np.arange(start, start + rows + m, dtype=np.int64) % m]
    periodic = periodic.astype(dtype)
    rotation = as_strided(
        periodic, shape=(rows, m), strides=(periodic.itemsize, periodic.itemsize), writeable=False
    )
    key = np.multiply(num, m, dtype=dtype)
    key += rotation
    return key


def _top_k(
    num: NDArray[np.signedinteger],
    k: int,
    start: int,
    k_first: int,
    key: NDArray[np.signedinteger] | None = None,
) -> _TopK:
    """Each row's k best feasible cells (rows start, start + 1, ...): (row, column, numerator),
    each row's k-th best key (below, -1 if k >= m): a cell is listed iff its key reaches it,
    and which listed cells are among their row's k_first best.

    Ties are broken by the rotation of `_tie_keys`: the key numerator * m + rotation is distinct
    within a row. Numerators take a few dozen distinct values, and
    np.partition is five times slower on such duplicates than on distinct keys; on int32 keys it
    is also twice as fast as argpartition. The rotation for row i is a window of one periodic
    vector (a strided view, nothing per cell), and the cells at or above each row's k-th key are
    found with flatnonzero on a 1-D view (np.nonzero on 2-D arrays is several times slower).
    """
    rows, m = num.shape
    if key is None:
        key = _tie_keys(num, start)
    key_dtype = key.dtype
    if k >= m:
        kth_key = np.full(rows, -1, dtype=key_dtype)
        flat = np.flatnonzero(num >= 0)
    else:
        kth_key = np.partition(key, m - k, axis=1)[:, m - k]
        flat = np.flatnonzero(key >= kth_key[:, None])
        flat = flat[num.ravel()[flat] >= 0]
    row, col = np.divmod(flat, m)
    if k_first < min(k, m):
        # A second partition, on the few listed keys only.
        listed_keys = key.ravel()[flat]
        first_key = np.full(rows, -1, dtype=key_dtype)
        counts = np.bincount(row, minlength=rows)
        full = counts >= k  # rows with fewer than k feasible cells are all listed
        if full.any():
            per_row = listed_keys[full[row]].reshape(-1, k)
            first_key[full] = np.partition(per_row, k - k_first, axis=1)[:, k - k_first]
        first = listed_keys >= first_key[row]
    else:
        first = np.ones(len(flat), dtype=bool)
    return row + start, col, num.ravel()[flat], kth_key.astype(np.int64), first


class _MentorPool:
    """Each mentor's `keep[j]` best cells seen so far by tie key (`_tie_keys`), by threshold.

    A cell is offered only if its key beats its mentor's current keep-th best (a -1 threshold
    until the mentor has that many; infeasible cells have negative keys); the pool is cut back
    to the best whenever it outgrows its budget, which raises the thresholds, so after the first
    blocks few cells pass them. The keys, not the bare numerators: with first-seen ties, like
    mentors all kept the same mentees (see `_tie_keys`).
    """

    def __init__(self, keep: IntArray, dtype: type[np.signedinteger]) -> None:
        self.keep = keep
        self.dtype = dtype
        self.threshold = np.full(len(keep), -1, dtype=dtype)
        self.rows: list[IntArray] = []
        self.cols: list[IntArray] = []
        self.values: list[IntArray] = []
        self.size = 0
        self.budget = max(MENTOR_POOL_CELLS, 2 * int(keep.sum()))
        self.enabled = bool(keep.any())

    def offer(self, key: NDArray[np.signedinteger], start: int) -> None:
        if not self.enabled:
            return
        m = key.shape[1]
        flat = np.flatnonzero(key > self.threshold[None, :])
        if not len(flat):
            return
        r, c = np.divmod(flat, m)
        self.rows.append(r + start)
        self.cols.append(c)
        self.values.append(key.ravel()[flat].astype(np.int64))
        self.size += len(flat)
        if self.size > self.budget:
            self._prune()

    def _prune(self) -> None:
        rows, cols, values = (np.concatenate(x) for x in (self.rows, self.cols, self.values))
        # One int64 key (mentor, then numerator descending) sorts faster than a lexsort.
        top = int(values.max(initial=0))
        order = np.argsort(cols * (top + 2) + (top - values), kind="stable")
        rows, cols, values = rows[order], cols[order], values[order]
        first = np.searchsorted(cols, cols, side="left")
        rank = np.arange(len(cols)) - first
        kept = rank < self.keep[cols]
        full = rank == self.keep[cols] - 1  # the keep-th best: the bar to beat from now on
        self.threshold[cols[full]] = values[full].astype(self.dtype)
        self.rows, self.cols, self.values = [rows[kept]], [cols[kept]], [values[kept]]
        self.size = int(kept.sum())

    def result(self) -> tuple[IntArray, IntArray, IntArray]:
        if not self.rows:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        self._prune()
        return self.rows[0], self.cols[0], self.values[0]


@dataclass
class _Found:
    """Candidate pairs (internal ids) with their score and reduced cost (rc1, rc2), and how
    many of them are violated (a lexicographically negative reduced cost)."""

    i: IntArray
    j: IntArray
    s: IntArray
    rc1: IntArray
    rc2: IntArray
    violated: int = -1

    def __post_init__(self) -> None:
        if self.violated < 0:
            self.violated = int(((self.rc1 < 0) | ((self.rc1 == 0) & (self.rc2 < 0))).sum())

    def cap(self, limit: int, by_mentor: bool) -> "_Found":
        """At most `limit` per mentee (or per mentor), the most negative first; the count of
        violated pairs is kept (it counts what was found, not what is kept).

        Per mentor, a mentee left with fewer than PRICE_MENTEE_KEEP pairs gets its most
        negative cut ones back, beyond the limit. Why: a mentee whose few candidates are only
        nearly violated ranks behind the crowds of violated pairs at every mentor it reaches,
        so the cut dropped all of them (one mentee of the 100,000 x 20,000 bench, tied with
        its match at a dozen like mentors, cost a whole round: 44 s instead of 32 s); its best
        few in the graph let the next solve price it. Few mentees are left that short, so
        this adds few arcs and a small sort.
        """
        group = self.j if by_mentor else self.i
        if not len(group):
            return self
        low = int(group.min())
        counts = np.bincount(group - low)
        if int(counts.max()) <= limit:
            return self
        # Only the groups over the limit are sorted (most blocks have few of them).
        over = counts[group - low] > limit
        spare = np.flatnonzero(~over)
        crowded = np.flatnonzero(over)
        order = crowded[np.lexsort((self.rc2[crowded], self.rc1[crowded], group[crowded]))]
        kept = order[_group_rank(group[order]) < limit]
        if by_mentor and PRICE_MENTEE_KEEP:
            # Mentees left with fewer than PRICE_MENTEE_KEEP pairs get their best cut ones back
            # (few mentees, so the sort stays small).
            low_i = int(self.i.min())
            has = np.bincount(self.i[spare] - low_i, minlength=int(self.i.max()) - low_i + 1)
            has += np.bincount(self.i[kept] - low_i, minlength=len(has))
            cut = np.ones(len(self.i), dtype=bool)
            cut[spare] = False
            cut[kept] = False
            cut = np.flatnonzero(cut)
            short = cut[has[self.i[cut] - low_i] < PRICE_MENTEE_KEEP]
            if len(short):
                short = short[np.lexsort((self.rc2[short], self.rc1[short], self.i[short]))]
                rank = _group_rank(self.i[short]) + has[self.i[short] - low_i]
                kept = np.concatenate([kept, short[rank < PRICE_MENTEE_KEEP]])
        chosen = np.concatenate([spare, kept])
        return _Found(
            self.i[chosen],
            self.j[chosen],
            self.s[chosen],
            self.rc1[chosen],
            self.rc2[chosen],
            violated=self.violated,
        )


def _group_rank(sorted_group: IntArray) -> IntArray:
    """Each element's position within its run of equal values (the groups of a sorted array)."""
    starts = np.flatnonzero(np.diff(sorted_group, prepend=sorted_group[0] - 1))
    sizes = np.diff(np.append(starts, len(sorted_group)))
    return np.arange(len(sorted_group)) - np.repeat(starts, sizes)


class _Chosen:
    """The pairs pricing returns, gathered block by block in bounded memory.

    Why: when the sparse graph is far from the full optimum (the first graph of a realistic
    instance once left 15,000 seats empty at 100,000 x 20,000, so that every reachable mentee
    was violated with every unreached mentor), the violated pairs number in the hundreds of
    millions; gathering them all before choosing the few per mentee and per mentor that are
    added took more than 24 GiB. Instead each scanned block keeps at most `limit` per mentee
    (its rows are complete), and whenever the gathered pairs outgrow `budget` they are cut to
    `limit` per mentor. That is a greedy choice, not exactly "per mentee, then per mentor" over
    all pairs (a pair cut per mentor early might have survived once its rivals were cut per
    mentee), which is fine: any violated pairs make progress. Only the count of violated pairs
    must be exact, since it certifies the matching, and it counts every pair found.
    """

    def __init__(self, limit: int, budget: int) -> None:
        self.limit = limit
        self.budget = budget
        self.parts: list[_Found] = []
        self.size = 0
        self.violated = 0

    def add(self, found: _Found) -> None:
        self.violated += found.violated
        self.parts.append(found)
        self.size += len(found.i)
        if self.size > self.budget:
            merged = self._merged().cap(self.limit, by_mentor=True)
            self.parts, self.size = [merged], len(merged.i)

    def _merged(self) -> _Found:
        parts = self.parts
        return _Found(
            np.concatenate([p.i for p in parts]),
            np.concatenate([p.j for p in parts]),
            np.concatenate([p.s for p in parts]),
            np.concatenate([p.rc1 for p in parts]),
            np.concatenate([p.rc2 for p in parts]),
            violated=0,
        )

    def result(self) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
        """The most negative first, at most `limit` per mentee and then `limit` per mentor: when
        mentors have seats left (rc1 < 0 for every mentee that reaches them), a few pairs each
        fill them; thousands each would only slow the next solve down."""
        found = self._merged().cap(self.limit, by_mentor=False).cap(self.limit, by_mentor=True)
        return found.i, found.j, found.s, found.rc1, found.rc2


def _price(
    prob: _Problem,
    pot1: IntArray,
    pot2: IntArray,
    partner: IntArray,
    listed: "_Listed",
    scale: int,
    limit: int,
    report: Progress,
    margin: int = 0,
    scan_margin: int = 0,
) -> tuple[IntArray, IntArray, IntArray, int]:
    """Pairs to add to the sparse graph, and how many pairs have a negative reduced cost.

    Zero violated pairs certifies the matching. Otherwise the violated pairs, and the pairs
    within `margin` score points of violated (listed pairs; `scan_margin` for the others), are
    returned, at most `limit` per mentee and `limit` per mentor (plus the best few of a mentee
    left short, see _Found.cap), the lexicographically most negative first. The nearly
    violated ones are those most likely to turn negative once the next solve moves the duals:
    adding them now saves rounds. Some may already be in the graph (violated ones never are):
    the caller drops those. See the module docstring for the bounds that keep this cheap.
    """
    n, m = prob.n, prob.m
    empty = np.zeros(0, dtype=np.int64)
    if not n or not m:
        return empty, empty, empty, 0
    w_total = prob.total_weight
    p1a, p1b = pot1[2 : 2 + n], pot1[2 + n :]
    a_val = pot2[2 : 2 + n] - prob.bonus
    b_val = pot2[2 + n :]
    qa = a_val // scale - scan_margin  # a margin lowers every threshold t by that many points
    qb = b_val // scale
    # Fold rc1 into the threshold: rc1 < 0 (p1a = -1, p1b = 0) must give t <= 0 whatever the
    # scores, rc1 > 0 must give t > 1000.
    shift = max(int(qa.max()) - int(qb.min()) + 1, int(qb.max()) - int(qa.min()) + SCORE_MAX + 1, 0)
    qa_s = qa + shift * p1a  # p1 is 0 or -1
    qb_s = qb + shift * p1b
    # Off its list, mentee i needs only mentors with qb_s[j] >= qa_s[i] - kth[i] // w: a prefix of
    # the mentors by qb_s descending. Rows go by decreasing prefix, so each block scores only as
    # many columns as its first row needs.
    by_qb = np.argsort(-qb_s, kind="stable")
    ascending = qb_s[by_qb][::-1]
    kth = listed.kth
    low = qa_s - np.maximum(kth, 0) // w_total
    prefix = m - np.searchsorted(ascending, low, side="left")
    prefix[kth < 0] = 0
    todo = np.flatnonzero(prefix > 0)
    # Rows go by language kind, then by decreasing prefix, and each block scores only the
    # mentors of its prefix that share a language with its kind, when the language table
    # knows the kinds and a language is required. Why: in realistic instances most pairs
    # share no language (people speak their country's), and the bound kth[i] knows nothing of
    # that: the prefixes covered 57% of all pairs at 100,000 x 20,000, most of them infeasible.
    kind_b: IntArray | None = None
    if prob.lang_table is not None and prob.rules.require_shared_language:
        kind_a = prob.a_lang_class
        kind_b = prob.b_lang_class[by_qb]  # the mentors' kinds in scan order
    else:
        kind_a = np.zeros(n, dtype=np.int64)
    todo = todo[np.lexsort((-prefix[todo], kind_a[todo]))]
    total = len(todo)
    report("pricing", 0, total)

    # Listed pairs, one by one (those in the graph have rc >= 0 unless used, so they drop out),
    # a block at a time: millions of them, and six int64 temporaries each.
    chosen = _Chosen(limit, max(PRICE_KEEP_CELLS, 2 * limit * m))
    for at in range(0, len(listed.pair_i), BLOCK_CELLS):
        i = listed.pair_i[at : at + BLOCK_CELLS].astype(np.int64)
        j = listed.pair_j[at : at + BLOCK_CELLS].astype(np.int64)
        s = listed.numerator[at : at + BLOCK_CELLS].astype(np.int64) // w_total
        rc1 = p1a[i] - p1b[j]
        rc2 = a_val[i] - b_val[j] - s * scale
        bad = ((rc1 < 0) | ((rc1 == 0) & (rc2 < margin * scale))) & (partner[i] != j)
        chosen.add(_Found(i[bad], j[bad], s[bad], rc1[bad], rc2[bad]))
    # Blocks of rows of one kind (by decreasing prefix) as (first, last) positions in `todo`,
    # with the mentors (in scan order) that share a language with the kind, if known.
    shares: dict[int, BoolArray] = {}
    spans: list[tuple[int, int, int]] = []
    for g0, g1 in _runs(kind_a[todo]):
        kind = int(kind_a[todo[g0]])
        width = np.zeros(0, dtype=np.int64)
        if kind_b is not None and prob.lang_table is not None:
            shares[kind] = prob.lang_table[kind][kind_b] > 0
            width = np.cumsum(shares[kind], dtype=np.int64)
        at = g0
        while at < g1:
            first_prefix = int(prefix[todo[at]])
            cells = int(width[first_prefix - 1]) if kind in shares else first_prefix
            take = max(1, BLOCK_CELLS // max(cells, 1))
            if cells:
                spans.append((at, min(g1, at + take), kind))
            at += take
    perm = _tie_permutation(max(m, 1))

    def scan(span: tuple[int, int, int]) -> _Found:
        rows = np.sort(todo[span[0] : span[1]])
        first_prefix = int(prefix[todo[span[0]]])
        in_prefix = by_qb[:first_prefix]
        if span[2] in shares:
            in_prefix = in_prefix[shares[span[2]][:first_prefix]]
        cols = np.sort(in_prefix)
        num = prob.numerators(rows, cols)
        score = num // prob.dtype(w_total) if w_total > 1 else num
        # Threshold t = qa_s[i] - qb_s[j] in int32 (clipped where that cannot change the test).
        x = qa_s[rows]
        base = int(x.min())
        x = x - base
        y = qb_s[cols] - base
        if int(x.max()) < 1 << 29:
            limit_y = 1 << 29
            t = (
                x.astype(np.int32)[:, None]
                - np.clip(y, -limit_y, limit_y).astype(np.int32)[None, :]
            )
        else:
            t = x[:, None] - y[None, :]
        np.maximum(t, 0, out=t)
        ri, ci = np.divmod(np.flatnonzero(score >= t), len(cols))
        i, j = rows[ri], cols[ci]
        s = score[ri, ci].astype(np.int64)
        # Listed pairs were priced above: leave them out here (their tie key reaches the
        # row's k-th), so that no pair is counted twice.
        unlisted = num[ri, ci].astype(np.int64) * m + perm[(i + j) % m] < listed.kth_key[i]
        rc1 = p1a[i] - p1b[j]
        rc2 = a_val[i] - b_val[j] - s * scale
        bad = ((rc1 < 0) | ((rc1 == 0) & (rc2 < scan_margin * scale))) & (partner[i] != j)
        bad &= unlisted
        return _Found(i[bad], j[bad], s[bad], rc1[bad], rc2[bad]).cap(limit, by_mentor=False)

    every = max(1, len(spans) // PROGRESS_REPORTS)
    for number, found in enumerate(_in_threads(scan, spans)):
        chosen.add(found)
        if number % every == every - 1 and spans[number][1] < total:
            report("pricing", spans[number][1], total)
    report("pricing", total, total)
    if not chosen.violated:
        return empty, empty, empty, 0
    cand_i, cand_j, cand_s, _, _ = chosen.result()
    violated = chosen.violated
    return cand_i, cand_j, cand_s * scale + prob.bonus[cand_i], violated
