"""Exact mentee-to-mentor matching: as many mentees matched as possible, then the highest score.

Pure Python, numpy and OR-Tools, with no Django models: callers turn rows into the arrays below
(index i is the i-th mentee, index j the j-th mentor) and turn the returned index pairs back
into rows.

How it stays exact without an n x m matrix:

1. Pairs are scored block by block (`score_block`), and each mentee keeps its `top_k` best
   feasible mentors. Ties at the cut-off are rotated with (mentee + mentor) mod m, so mentors
   that score alike do not all collect the same mentees.
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
4. With those potentials every feasible pair of the full problem is priced, block by block. A
   pair missing from the sparse graph with a negative reduced cost could improve the solution:
   the worst `PRICE_ADD_FACTOR * top_k` such pairs per mentee are added and the sparse graph is
   solved again. When no missing pair is negative, the potentials are a dual solution of the
   full problem whose value equals the primal value, so the matching is optimal for the full
   problem (`certified=True`).

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
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

# Waiting longer than ten years no longer breaks ties further; the cap bounds W and so the
# integer costs handed to OR-Tools.
WAIT_CAP_DAYS = 3650
# At most three shared languages count towards the score: beyond that nobody is better off.
LANGUAGE_CAP = 3
SCORE_MAX = 1000
MINUTES_PER_DAY = 1440
# Cells (mentees x mentors) scored at once: about 2 million keeps each block's temporary int64
# arrays near 16 MiB apiece, so memory stays flat whatever n is.
BLOCK_CELLS = 1 << 21
# Each pricing round adds at most this many times top_k violated pairs per mentee: when
# capacity binds, adding more per round saves whole rounds (each one a pass over all n x m).
PRICE_ADD_FACTOR = 2
# Up to this many cells (mentees x mentors), round 0 keeps every block's scores as int16 (-1 where
# infeasible, 2 bytes a cell: 256 MiB at most) and later rounds price from them instead of
# scoring again. Larger problems score every round, keeping memory flat.
SCORE_CACHE_CELLS = 1 << 27

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Mentees:
    """n mentees, one row per index. Bitmasks are uint64 (up to 64 languages or skills)."""

    languages: NDArray[np.uint64]
    tz_offset_minutes: NDArray[np.int64]
    # A negative community id means "no community": it never conflicts with anyone.
    community: NDArray[np.int64]
    skills_wanted: NDArray[np.uint64]
    waited_days: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.languages)


@dataclass(frozen=True)
class Mentors:
    """m mentors. `capacity` is what is left after existing active matches (>= 0)."""

    languages: NDArray[np.uint64]
    tz_offset_minutes: NDArray[np.int64]
    community: NDArray[np.int64]
    skills_offered: NDArray[np.uint64]
    capacity: NDArray[np.int64]
    # Away mentors take nobody, whatever their capacity.
    away: NDArray[np.bool_] | None = None

    def __len__(self) -> int:
        return len(self.languages)


@dataclass(frozen=True)
class Rules:
    """Hard constraints and score weights (non-negative integers, not all zero).

    score = (skills_weight * skills + tz_weight * tz + language_weight * language)
            // (skills_weight + tz_weight + language_weight), each part in [0, 1000]:
      skills   = 1000 * popcount(wanted & offered) // popcount(wanted)  (0 if nothing wanted)
      tz       = 1000 * (720 - tz distance) // 720, distance circular over the day
      language = 1000 * min(popcount(shared languages), 3) // 3
    """

    require_shared_language: bool = True
    allow_same_community: bool = False
    max_tz_distance_minutes: int | None = None
    skills_weight: int = 6
    tz_weight: int = 2
    language_weight: int = 2


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


def _check_inputs(mentees: Mentees, mentors: Mentors, rules: Rules, top_k: int) -> None:
    n, m = len(mentees), len(mentors)
    for name, arr, size in [
        ("mentees.tz_offset_minutes", mentees.tz_offset_minutes, n),
        ("mentees.community", mentees.community, n),
        ("mentees.skills_wanted", mentees.skills_wanted, n),
        ("mentees.waited_days", mentees.waited_days, n),
        ("mentors.tz_offset_minutes", mentors.tz_offset_minutes, m),
        ("mentors.community", mentors.community, m),
        ("mentors.skills_offered", mentors.skills_offered, m),
        ("mentors.capacity", mentors.capacity, m),
    ]:
        if len(arr) != size:
            raise ValueError(f"{name} has {len(arr)} rows, expected {size}")
    if mentors.away is not None and len(mentors.away) != m:
        raise ValueError("mentors.away must have one row per mentor")
    if m and int(np.min(mentors.capacity)) < 0:
        raise ValueError("mentor capacity must be >= 0")
    weights = (rules.skills_weight, rules.tz_weight, rules.language_weight)
    if min(weights) < 0 or sum(weights) == 0:
        raise ValueError("score weights must be non-negative and not all zero")
    if top_k < 1:
        raise ValueError("top_k must be >= 1")


def _excluded_index(excluded: Iterable[tuple[int, int]]) -> tuple[IntArray, IntArray]:
    """Excluded pairs sorted by mentee, so each block finds its own with one searchsorted."""
    pairs = np.array(sorted(excluded), dtype=np.int64).reshape(-1, 2)
    return pairs[:, 0].copy(), pairs[:, 1].copy()


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
    index from `_excluded_index`.
    """
    rows = slice(start, stop)
    # Small dtypes throughout (every part is at most 1000): the blocks are memory-bound.
    shared_lang = np.bitwise_count(mentees.languages[rows, None] & mentors.languages[None, :])
    feasible = np.broadcast_to(mentors.capacity[None, :] > 0, shared_lang.shape).copy()
    if mentors.away is not None:
        feasible &= ~mentors.away[None, :]
    if rules.require_shared_language:
        feasible &= shared_lang > 0
    if not rules.allow_same_community:
        com_a = mentees.community[rows, None]
        feasible &= (com_a < 0) | (com_a != mentors.community[None, :])
    # Offsets reduced modulo a day first: |a - b| < 1440, and the circular distance is
    # min(|a - b|, 1440 - |a - b|) <= 720.
    tz_a = np.mod(mentees.tz_offset_minutes[rows], MINUTES_PER_DAY).astype(np.int16)
    tz_b = np.mod(mentors.tz_offset_minutes, MINUTES_PER_DAY).astype(np.int16)
    gap = np.abs(tz_a[:, None] - tz_b[None, :])
    tz_distance = np.minimum(gap, MINUTES_PER_DAY - gap)
    if rules.max_tz_distance_minutes is not None:
        feasible &= tz_distance <= rules.max_tz_distance_minutes
    if excluded is not None and len(excluded[0]):
        lo, hi = np.searchsorted(excluded[0], [start, stop])
        feasible[excluded[0][lo:hi] - start, excluded[1][lo:hi]] = False

    half_day = MINUTES_PER_DAY // 2
    total_weight = rules.skills_weight + rules.tz_weight + rules.language_weight
    dtype = np.int32 if SCORE_MAX * total_weight < 2**31 else np.int64
    wanted = np.bitwise_count(mentees.skills_wanted[rows]).astype(dtype)[:, None]
    common = np.bitwise_count(mentees.skills_wanted[rows, None] & mentors.skills_offered[None, :])
    skills = (SCORE_MAX * common.astype(dtype)) // np.maximum(wanted, 1)
    tz_part = SCORE_MAX * (half_day - np.arange(half_day + 1)) // half_day
    tz = tz_part.astype(dtype)[tz_distance]
    # popcount of a uint64 is at most 64: the language part is a table look-up.
    language_part = SCORE_MAX * np.minimum(np.arange(65), LANGUAGE_CAP) // LANGUAGE_CAP
    language = language_part.astype(dtype)[shared_lang]
    # Python-int weights keep the array dtype (NEP 50); with int32 they all fit, as does the sum.
    score = (
        rules.skills_weight * skills + rules.tz_weight * tz + rules.language_weight * language
    ) // total_weight
    out = np.zeros(score.shape, dtype=np.int64)
    np.copyto(out, score, where=feasible)
    return feasible, out


def _blocks(n: int, m: int) -> Iterator[tuple[int, int]]:
    size = max(1, BLOCK_CELLS // max(m, 1))
    for start in range(0, n, size):
        yield start, min(n, start + size)


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


def _reach(tails: IntArray, heads: IntArray, num_nodes: int, sources: IntArray) -> BoolArray:
    """Nodes reachable from `sources` along the given arcs (level-synchronous BFS)."""
    order, indptr = _csr(tails, num_nodes)
    seen = np.zeros(num_nodes, dtype=bool)
    seen[sources] = True
    frontier = sources
    while frontier.size:
        nxt = np.unique(heads[order[_gather(indptr, frontier)]])
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
        frontier = np.unique(cand_heads)
    raise CertificateError("the residual network has a negative cycle")


class CertificateError(RuntimeError):
    """The sparse solution failed its own optimality check: a solver or programming error."""


@dataclass
class _Round:
    pair_i: IntArray
    pair_j: IntArray
    weight: IntArray
    flow: IntArray
    pot1: IntArray  # first (cardinality) potential per node
    pot2: IntArray  # second (weight) potential per node


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
    tails = np.concatenate([np.full(n, source), pair_i + 2, mentor_nodes])
    heads = np.concatenate([mentee_nodes, pair_j + 2 + n, np.full(m, sink)])
    caps = np.concatenate([np.ones(n + len(pair_i), dtype=np.int64), capacity])
    costs = np.concatenate([np.zeros(n, dtype=np.int64), top - weight, np.zeros(m, dtype=np.int64)])
    smcf.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
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
) -> Solution:
    """The lexicographically best matching (count, score, wait); certified unless rounds ran out.

    Raises ValueError on inconsistent inputs and CertificateError if a solver misbehaves.
    """
    _check_inputs(mentees, mentors, rules, top_k)
    n, m = len(mentees), len(mentors)
    capacity = np.asarray(mentors.capacity, dtype=np.int64)
    if mentors.away is not None:
        capacity = np.where(mentors.away, 0, capacity)
    ex_index = _excluded_index(excluded)

    bound = min(n, int(capacity.sum()))
    bonus = np.minimum(np.maximum(mentees.waited_days.astype(np.int64), 0), WAIT_CAP_DAYS)
    max_bonus = int(bonus.max()) if n else 0
    scale = bound * max_bonus + 1
    big = bound * (SCORE_MAX * scale + max_bonus) + 1

    # Round 0: each mentee's top_k feasible mentors, ties rotated by (i + j) mod m.
    chunks_i: list[IntArray] = []
    chunks_j: list[IntArray] = []
    chunks_w: list[IntArray] = []
    mentor_idx = np.arange(m, dtype=np.int64)
    cache: list[NDArray[np.int16]] | None = [] if n * m <= SCORE_CACHE_CELLS else None
    for start, stop in _blocks(n, m):
        feasible, score = score_block(mentees, mentors, rules, start, stop, ex_index)
        if cache is not None:
            cache.append(np.where(feasible, score, -1).astype(np.int16))
        rows = np.arange(start, stop, dtype=np.int64)[:, None]
        rotation = (m - 1) - (rows + mentor_idx[None, :]) % max(m, 1)
        key = np.where(feasible, score * m + rotation, -1)
        k = min(top_k, m)
        if k == 0:
            continue
        top = (
            np.argpartition(-key, k - 1, axis=1)[:, :k]
            if k < m
            else np.tile(mentor_idx, (stop - start, 1))
        )
        take = np.take_along_axis(key, top, axis=1) >= 0
        bi, bj = np.nonzero(take)
        cand_i = bi.astype(np.int64) + start
        cand_j = top[bi, bj].astype(np.int64)
        chunks_i.append(cand_i)
        chunks_j.append(cand_j)
        chunks_w.append(score[bi, top[bi, bj]] * scale + bonus[cand_i])

    def concat(chunks: list[IntArray]) -> IntArray:
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)

    pair_i, pair_j, weight = concat(chunks_i), concat(chunks_j), concat(chunks_w)
    rounds = 0
    certified = False
    flow = np.zeros(0, dtype=np.int64)
    while rounds < max_rounds:
        rounds += 1
        flow = _solve_sparse(n, capacity, pair_i, pair_j, weight)
        pot1, pot2 = _potentials(n, capacity, pair_i, pair_j, weight, flow)
        add_i, add_j, add_w = _price(
            mentees,
            mentors,
            rules,
            ex_index,
            pair_i,
            pair_j,
            pot1,
            pot2,
            bonus,
            scale,
            PRICE_ADD_FACTOR * top_k,
            cache,
        )
        if not len(add_i):
            certified = True
            break
        pair_i = np.concatenate([pair_i, add_i])
        pair_j = np.concatenate([pair_j, add_j])
        weight = np.concatenate([weight, add_w])

    used = flow > 0
    out_i, out_j, out_w = pair_i[used], pair_j[used], weight[used]
    order = np.argsort(out_i, kind="stable")
    out_i, out_j, out_w = out_i[order], out_j[order], out_w[order]
    scores = (out_w - bonus[out_i]) // scale
    total_score = int(scores.sum())
    total_bonus = int(bonus[out_i].sum())
    matched = len(out_i)
    return Solution(
        pairs=[(int(a), int(b)) for a, b in zip(out_i, out_j, strict=True)],
        scores=[int(s) for s in scores],
        matched=matched,
        total_score=total_score,
        total_wait_bonus=total_bonus,
        objective=matched * big + total_score * scale + total_bonus,
        certified=certified,
        rounds=rounds,
        big=big,
        score_scale=scale,
    )


def _price(
    mentees: Mentees,
    mentors: Mentors,
    rules: Rules,
    ex_index: tuple[IntArray, IntArray],
    pair_i: IntArray,
    pair_j: IntArray,
    pot1: IntArray,
    pot2: IntArray,
    bonus: IntArray,
    scale: int,
    limit: int,
    cache: list[NDArray[np.int16]] | None,
) -> tuple[IntArray, IntArray, IntArray]:
    """Feasible pairs missing from the sparse graph whose reduced cost is negative.

    Scores come from `cache` (round 0's blocks, -1 where infeasible) when there is one.

    At most `limit` per mentee (the most negative), so the graph grows by at most n * limit a
    round.
    """
    n, m = len(mentees), len(mentors)
    p1_mentee, p1_mentor = pot1[2 : 2 + n], pot1[2 + n :]
    p2_mentee, p2_mentor = pot2[2 : 2 + n], pot2[2 + n :]
    order = np.argsort(pair_i, kind="stable")
    sorted_i, sorted_j = pair_i[order], pair_j[order]
    out_i: list[IntArray] = []
    out_j: list[IntArray] = []
    out_w: list[IntArray] = []
    for block, (start, stop) in enumerate(_blocks(n, m)):
        if cache is None:
            feasible, score = score_block(mentees, mentors, rules, start, stop, ex_index)
        else:
            feasible = cache[block] >= 0
            score = cache[block].astype(np.int64)
        lo, hi = np.searchsorted(sorted_i, [start, stop])
        feasible[sorted_i[lo:hi] - start, sorted_j[lo:hi]] = False  # already in the graph
        # rc1 = p1[i] - p1[j] is in {-1, 0, 1}; rc2 = p2[i] - p2[j] - weight with the weight
        # score * scale + bonus[i] folded in one subtraction at a time.
        rc1 = p1_mentee[start:stop, None] - p1_mentor[None, :]
        rc2 = (p2_mentee - bonus)[start:stop, None] - p2_mentor[None, :]
        rc2 -= score * scale
        violated = feasible & ((rc1 < 0) | ((rc1 == 0) & (rc2 < 0)))
        counts = violated.sum(axis=1)
        if not counts.any():
            continue
        # Rows with at most `limit` violated pairs add them all; the others add their worst.
        k = min(limit, m)
        many = np.flatnonzero(counts > k)
        if len(many):
            # Ranking only (which violated pairs to add first): floats are fine here.
            badness = np.where(
                violated[many], rc1[many] * 1e30 + rc2[many].astype(np.float64), np.inf
            )
            top = np.argpartition(badness, k - 1, axis=1)[:, :k]
            violated[many] = False
            violated[many[:, None], top] = True
        bi, bj = np.nonzero(violated)
        out_i.append(bi.astype(np.int64) + start)
        out_j.append(bj.astype(np.int64))
        out_w.append(score[bi, bj] * scale + bonus[bi + start])
    if not out_i:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_w)
