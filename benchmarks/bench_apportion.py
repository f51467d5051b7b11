"""Timings of D'Hondt: the vectorised kernel (hemicycle.systems.apportion) vs a plain loop.

The loop is the textbook one: give the next seat to the highest quotient ``v / (seats + 1)``,
one seat at a time (float quotients, ties to more votes then lower index). Two cases:

* national: 20 lists, 577 seats, with a 5 % threshold (4 lists pass) and without, best of
  repeats per call;
* batch: 1000 random inputs (2 to 30 lists, 1 to 600 seats), total time for the batch.

Both give the same seats (checked); prints the times and the ratio; asserts nothing on time.
Run with::

    .venv/bin/python benchmarks/bench_apportion.py
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from hemicycle.systems.apportion import dhondt, eligible
from timing import best_time, fmt

THRESHOLD = Fraction(1, 20)


def loop_dhondt(votes: list[int], seats: int, threshold: Fraction = THRESHOLD) -> list[int]:
    total = sum(votes)
    ok = [v * threshold.denominator >= threshold.numerator * total for v in votes]
    won = [0] * len(votes)
    for _ in range(seats):
        best, best_key = -1, None
        for i, v in enumerate(votes):
            if ok[i]:
                key = (v / (won[i] + 1), v, -i)
                if best_key is None or key > best_key:
                    best, best_key = i, key
        won[best] += 1
    return won


def make_inputs(seed: int = 1986) -> tuple[list[int], list[tuple[list[int], int]]]:
    rng = np.random.default_rng(seed)
    national = (rng.pareto(1.0, 20) * 1e6).astype(np.int64).clip(1, 5 * 10**7).tolist()
    batch = []
    for _ in range(1000):
        n = int(rng.integers(2, 31))
        votes = (rng.pareto(1.0, n) * 1e5).astype(np.int64).clip(1, 10**7).tolist()
        batch.append((votes, int(rng.integers(1, 601))))
    return national, batch


def main() -> None:
    national, batch = make_inputs()
    assert dhondt(national, 577, threshold=THRESHOLD).tolist() == loop_dhondt(national, 577)
    assert dhondt(national, 577).tolist() == loop_dhondt(national, 577, Fraction(0))
    for votes, seats in batch:
        if eligible(votes, threshold=THRESHOLD).any():
            assert dhondt(votes, seats, threshold=THRESHOLD).tolist() == loop_dhondt(votes, seats)

    def run_batch(fn):
        def go():
            for votes, seats in batch:
                fn(votes, seats)

        return go

    cases = [
        (
            "national 20 x 577",
            lambda: dhondt(national, 577, threshold=THRESHOLD),
            lambda: loop_dhondt(national, 577),
        ),
        (
            "national, no thresh.",
            lambda: dhondt(national, 577),
            lambda: loop_dhondt(national, 577, Fraction(0)),
        ),
        (
            "batch of 1000",
            run_batch(lambda v, s: dhondt(v, s, threshold=THRESHOLD)),
            run_batch(loop_dhondt),
        ),
    ]
    print(f"{'case':<22}{'vectorised':>13}{'plain loop':>13}{'ratio':>10}")
    for name, fast, slow in cases:
        tf = best_time(fast)
        ts = best_time(slow)
        print(f"{name:<22}{fmt(tf):>13}{fmt(ts):>13}{ts / tf:>9.1f}x")


if __name__ == "__main__":
    main()
