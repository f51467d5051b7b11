"""Brute-force references for :mod:`hemicycle.govern`: every coalition, every ordering.

Plain Python over :mod:`itertools`, exponential in the number of groups (``n!`` orderings for
Shapley–Shubik), so that each can be checked by eye against the definitions in
:mod:`hemicycle.govern.coalitions` and :mod:`hemicycle.govern.power`. No input checking. It exists
for the tests and the benchmark; use :func:`hemicycle.govern.analyse` for real work.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from math import factorial

__all__ = ["ref_banzhaf_swings", "ref_shapley", "ref_winning"]


def ref_winning(seats: dict[str, int], quota: int, order: list[str] | None) -> dict[str, tuple]:
    """{coalition: (seats, minimal_winning, connected, minimal_connected_winning)}."""
    groups = [g for g in (order or seats) if seats[g] > 0]
    pos = {g: i for i, g in enumerate(groups)}
    out = {}
    for k in range(1, len(groups) + 1):
        for members in itertools.combinations(groups, k):
            total = sum(seats[g] for g in members)
            if total < quota:
                continue
            minimal = all(total - seats[g] < quota for g in members)
            idx = sorted(pos[g] for g in members)
            connected = order is not None and idx == list(range(idx[0], idx[-1] + 1))
            ends = {groups[idx[0]], groups[idx[-1]]}
            mcw = connected and all(total - seats[g] < quota for g in ends)
            out["+".join(sorted(members))] = (total, minimal, connected, mcw)
    return out


def ref_banzhaf_swings(weights: list[int], quota: int) -> list[int]:
    """For each player ``i``, the subsets ``S`` of the others with
    ``w(S) < quota <= w(S) + w_i``."""
    n = len(weights)
    out = []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        swings = 0
        for k in range(n):
            for members in itertools.combinations(others, k):
                s = sum(weights[j] for j in members)
                swings += s < quota <= s + weights[i]
        out.append(swings)
    return out


def ref_shapley(weights: list[int], quota: int) -> list[Fraction]:
    """Share of the ``n!`` orderings in which each player brings the total to ``quota``."""
    n = len(weights)
    pivots = [0] * n
    for perm in itertools.permutations(range(n)):
        total = 0
        for i in perm:
            total += weights[i]
            if total >= quota:
                pivots[i] += 1
                break
    return [Fraction(p, factorial(n)) for p in pivots]
