"""Timings of the rules engine: vectorised (hemicycle.rules.law) vs reference.

Both run on the same random election of 577 constituencies x up to 27
candidates. Prints the best-of-repeats time per call and the ratio; asserts
nothing. Run with::

    .venv/bin/python benchmarks/bench_rules.py
"""

from __future__ import annotations

import numpy as np

from hemicycle.rules import (
    QUALIFIED,
    UNKNOWN_BIRTH,
    lineup,
    round1_elected,
    round1_qualified,
    round1_status,
    round1_winner_index,
    round2_winner,
)
from hemicycle.rules.reference import (
    ref_lineup,
    ref_round1_elected,
    ref_round1_qualified,
    ref_round1_status,
    ref_round1_winner_index,
    ref_round2_winner,
)
from timing import best_time, fmt

C, K = 577, 27


def make_election(seed: int = 2024):
    rng = np.random.default_rng(seed)
    n = rng.integers(1, K + 1, size=C)
    order = rng.permuted(np.tile(np.arange(K), (C, 1)), axis=1)
    valid = order < n[:, None]
    # a few big candidates and many small ones, roughly like the real thing
    weights = rng.pareto(1.2, size=(C, K)) + 0.01
    votes = np.where(valid, (weights * 2000).astype(np.int64), 0)
    expressed = votes.sum(axis=1)
    registered = expressed + rng.integers(expressed // 2 + 1, 2 * expressed + 2)
    birth = rng.integers(-20000, 15000, size=(C, K))
    birth[rng.random((C, K)) < 0.05] = UNKNOWN_BIRTH
    withdrawn = rng.random((C, K)) < 0.2
    return votes, valid, registered, expressed, birth.astype(np.int64), withdrawn


def main() -> None:
    votes, valid, registered, expressed, birth, withdrawn = make_election()
    status = round1_status(votes, valid, registered, expressed)
    qualified = status == QUALIFIED
    line = lineup(qualified, withdrawn)

    cases = [
        (
            "round1_elected",
            round1_elected,
            ref_round1_elected,
            (votes, valid, registered, expressed),
        ),
        ("round1_qualified", round1_qualified, ref_round1_qualified, (votes, valid, registered)),
        ("round1_status", round1_status, ref_round1_status, (votes, valid, registered, expressed)),
        ("round1_winner_index", round1_winner_index, ref_round1_winner_index, (status,)),
        ("lineup", lineup, ref_lineup, (qualified, withdrawn)),
        ("round2_winner", round2_winner, ref_round2_winner, (votes, line, birth)),
    ]

    print(
        f"{C} constituencies x {K} columns, {int(valid.sum())} candidates, "
        f"{int((status == 2).any(axis=1).sum())} decided in round 1"
    )
    print(f"{'function':<22}{'vectorised':>13}{'reference':>13}{'ratio':>10}")
    for name, fast, ref, args in cases:
        tf = best_time(fast, args)
        tr = best_time(ref, args)
        print(f"{name:<22}{fmt(tf):>13}{fmt(tr):>13}{tr / tf:>9.0f}x")


if __name__ == "__main__":
    main()
