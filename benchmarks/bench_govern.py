"""Timings of hemicycle.govern (figures, no assertions). Run with::

    .venv/bin/python benchmarks/bench_govern.py

* enumeration of winning coalitions, 20 groups: numpy bitmasks (:func:`winning_masks`) vs a plain
  ``itertools.combinations`` loop computing the same flags; then the full :func:`analyse` table;
* power indices, 9 players: DP (Banzhaf, Shapley–Shubik) vs brute force (all subsets, all 9!
  orderings); then the DP alone on 30 players with weights up to 577.
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction
from math import factorial

from hemicycle.govern import analyse, banzhaf, shapley_shubik, winning_masks
from timing import timed


def loop_winning(weights: list[int], quota: int) -> list[tuple[int, int, bool, bool]]:
    """(mask, seats, minimal_winning, connected) by itertools, the obvious way."""
    n, out = len(weights), []
    for k in range(1, n + 1):
        for members in itertools.combinations(range(n), k):
            s = sum(weights[i] for i in members)
            if s >= quota:
                minimal = all(s - weights[i] < quota for i in members)
                connected = members[-1] - members[0] + 1 == k
                out.append((sum(1 << i for i in members), s, minimal, connected))
    return out


def brute_banzhaf(weights: list[int], quota: int) -> list[Fraction]:
    n, swings = len(weights), [0] * len(weights)
    for k in range(n + 1):
        for members in itertools.combinations(range(n), k):
            s = sum(weights[i] for i in members)
            if s >= quota:
                for i in members:
                    swings[i] += s - weights[i] < quota
    return [Fraction(x, sum(swings)) for x in swings]


def brute_shapley(weights: list[int], quota: int) -> list[Fraction]:
    n, pivots = len(weights), [0] * len(weights)
    for perm in itertools.permutations(range(n)):
        total = 0
        for i in perm:
            total += weights[i]
            if total >= quota:
                pivots[i] += 1
                break
    return [Fraction(p, factorial(n)) for p in pivots]


def main() -> None:
    rng = random.Random(2024)

    weights = [rng.randint(1, 60) for _ in range(20)]
    quota = sum(weights) // 2 + 1
    t_vec, w = timed(lambda: winning_masks(weights, quota, ordered=True))
    t_loop, ref = timed(lambda: loop_winning(weights, quota), repeat=1)
    assert len(ref) == len(w.masks)  # same answer, so the ratio compares like with like
    seats = {f"g{i:02d}": x for i, x in enumerate(weights)}
    t_table, g = timed(lambda: analyse(seats, order=list(seats)).coalitions, repeat=1)
    print(f"enumeration, 20 groups ({len(ref):,} winning of {2**20:,} coalitions)")
    print(f"  numpy bitmasks   {t_vec * 1e3:9.1f} ms")
    print(f"  itertools loop   {t_loop * 1e3:9.1f} ms   ratio {t_loop / t_vec:6.1f}x")
    print(f"  analyse + table  {t_table * 1e3:9.1f} ms   (names, DataFrame, sort)")

    weights = [rng.randint(1, 150) for _ in range(9)]
    quota = sum(weights) // 2 + 1
    t_bz, b = timed(lambda: banzhaf(weights, quota), repeat=5)
    t_bz_ref, b_ref = timed(lambda: brute_banzhaf(weights, quota))
    t_ss, s = timed(lambda: shapley_shubik(weights, quota), repeat=5)
    t_ss_ref, s_ref = timed(lambda: brute_shapley(weights, quota), repeat=1)
    assert b == b_ref and s == s_ref
    print("power indices, 9 players")
    print(f"  Banzhaf DP       {t_bz * 1e3:9.2f} ms   brute force (2^9 subsets) "
          f"{t_bz_ref * 1e3:8.2f} ms   ratio {t_bz_ref / t_bz:6.1f}x")
    print(f"  Shapley DP       {t_ss * 1e3:9.2f} ms   brute force (9! orders)   "
          f"{t_ss_ref * 1e3:8.2f} ms   ratio {t_ss_ref / t_ss:6.1f}x")

    weights = [rng.randint(1, 577) for _ in range(30)]
    quota = sum(weights) // 2 + 1
    t_bz, _ = timed(lambda: banzhaf(weights, quota))
    t_ss, _ = timed(lambda: shapley_shubik(weights, quota))
    print(f"power indices, 30 players, weights <= 577 (quota {quota})")
    print(f"  Banzhaf DP       {t_bz * 1e3:9.2f} ms")
    print(f"  Shapley DP       {t_ss * 1e3:9.2f} ms")


if __name__ == "__main__":
    main()
