"""Timings of hemicycle.govern (figures, no assertions). Run with::

    .venv/bin/python benchmarks/bench_govern.py

* enumeration of winning coalitions, 20 groups: numpy bitmasks (:func:`winning_masks`) vs the
  plain ``itertools.combinations`` loop of :mod:`hemicycle.govern.reference` computing the same
  flags; then the full :func:`analyse` table;
* power indices, 9 players: DP (Banzhaf swings, Shapley–Shubik) vs the brute-force references
  (every subset of the others, all 9! orderings); then the DP alone on 30 players with weights up
  to 577.
"""

from __future__ import annotations

import random

from hemicycle.govern import analyse, banzhaf_swings, shapley_shubik, winning_masks
from hemicycle.govern.reference import ref_banzhaf_swings, ref_shapley, ref_winning
from timing import timed


def main() -> None:
    rng = random.Random(2024)

    weights = [rng.randint(1, 60) for _ in range(20)]
    quota = sum(weights) // 2 + 1
    seats = {f"g{i:02d}": x for i, x in enumerate(weights)}
    t_vec, w = timed(lambda: winning_masks(weights, quota, ordered=True))
    t_loop, ref = timed(lambda: ref_winning(seats, quota, list(seats)), repeat=1)
    assert len(ref) == len(w.masks)  # same answer, so the ratio compares like with like
    t_table, g = timed(lambda: analyse(seats, order=list(seats)).coalitions, repeat=1)
    print(f"enumeration, 20 groups ({len(ref):,} winning of {2**20:,} coalitions)")
    print(f"  numpy bitmasks   {t_vec * 1e3:9.1f} ms")
    print(f"  itertools loop   {t_loop * 1e3:9.1f} ms   ratio {t_loop / t_vec:6.1f}x")
    print(f"  analyse + table  {t_table * 1e3:9.1f} ms   (names, DataFrame, sort)")

    weights = [rng.randint(1, 150) for _ in range(9)]
    quota = sum(weights) // 2 + 1
    t_bz, b = timed(lambda: banzhaf_swings(weights, quota), repeat=5)
    t_bz_ref, b_ref = timed(lambda: ref_banzhaf_swings(weights, quota))
    t_ss, s = timed(lambda: shapley_shubik(weights, quota), repeat=5)
    t_ss_ref, s_ref = timed(lambda: ref_shapley(weights, quota), repeat=1)
    assert b == b_ref and s == s_ref
    print("power indices, 9 players")
    print(
        f"  Banzhaf DP       {t_bz * 1e3:9.2f} ms   brute force (9 x 2^8)     "
        f"{t_bz_ref * 1e3:8.2f} ms   ratio {t_bz_ref / t_bz:6.1f}x"
    )
    print(
        f"  Shapley DP       {t_ss * 1e3:9.2f} ms   brute force (9! orders)   "
        f"{t_ss_ref * 1e3:8.2f} ms   ratio {t_ss_ref / t_ss:6.1f}x"
    )

    weights = [rng.randint(1, 577) for _ in range(30)]
    quota = sum(weights) // 2 + 1
    t_bz, _ = timed(lambda: banzhaf_swings(weights, quota))
    t_ss, _ = timed(lambda: shapley_shubik(weights, quota))
    print(f"power indices, 30 players, weights <= 577 (quota {quota})")
    print(f"  Banzhaf DP       {t_bz * 1e3:9.2f} ms")
    print(f"  Shapley DP       {t_ss * 1e3:9.2f} ms")


if __name__ == "__main__":
    main()
