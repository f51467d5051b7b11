"""Exact power indices of weighted voting games with integer weights.

A weighted voting game gives player ``i`` the weight ``weights[i]`` (seats); a coalition wins when
its total weight reaches ``quota``. Player ``i`` is *pivotal* (a swing) for a coalition ``S`` without
``i`` when ``S`` loses and ``S + i`` wins, i.e. ``quota - w_i <= w(S) < quota``.

* Banzhaf: the number of swings of each player, normalised to sum to 1.
* Shapley–Shubik: the share of the ``n!`` orderings of the players in which ``i`` is pivotal,
  ``sum over swings S of |S|! (n - 1 - |S|)! / n!``.

Both are computed without enumerating coalitions, by dynamic programming over seat totals (a
generating function: ``prod (1 + x^w_j)`` over the other players, truncated below the quota), so
30 players with weights up to 577 take milliseconds. Counts are exact integers (``int64`` while
they cannot overflow, Python ints beyond) and indices are :class:`fractions.Fraction`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import factorial

import numpy as np

from hemicycle.errors import OptionError

__all__ = ["banzhaf", "banzhaf_swings", "shapley_shubik", "shapley_shubik_pivots"]


def _check(weights: Sequence[int], quota: int) -> list[int]:
    w = list(weights)
    if not w:
        raise OptionError("a weighted voting game needs at least one player; got no weights")
    for x in w:
        if isinstance(x, bool) or not isinstance(x, int | np.integer) or x < 0:
            raise OptionError(f"weights must be non-negative integers; got {x!r}")
    if isinstance(quota, bool) or not isinstance(quota, int | np.integer):
        raise OptionError(f"quota must be an integer; got {quota!r}")
    total = sum(int(x) for x in w)
    if not 1 <= quota <= total:
        raise OptionError(f"quota must be between 1 and the total weight {total}; got {quota}")
    return [int(x) for x in w]


def _dtype(n: int) -> type | np.dtype:
    """int64 holds every count of subsets of n - 1 players up to 2^62; beyond, exact Python ints."""
    return np.dtype(np.int64) if n <= 62 else object


def _counts_below(weights: list[int], quota: int, dtype) -> np.ndarray:
    """``c[t]`` = number of subsets of ``weights`` with total ``t``, for ``0 <= t < quota``."""
    c = np.zeros(quota, dtype=dtype)
    c[0] = 1
    for w in weights:
        if w == 0:
            c = c * 2
        elif w < quota:
            nxt = c.copy()
            nxt[w:] += c[: quota - w]
            c = nxt
    return c


def banzhaf_swings(weights: Sequence[int], quota: int) -> list[int]:
    """Raw Banzhaf counts: for each player, the coalitions of the others it turns from losing to winning.

    >>> banzhaf_swings([50, 49, 1], 51)
    [3, 1, 1]
    >>> banzhaf_swings([4, 2, 1], 4)  # the big player is a dictator
    [4, 0, 0]
    """
    w = _check(weights, quota)
    dtype = _dtype(len(w))
    out = []
    for i, wi in enumerate(w):
        c = _counts_below(w[:i] + w[i + 1 :], quota, dtype)
        out.append(int(c[max(0, quota - wi) :].sum()) if wi > 0 else 0)
    return out


def banzhaf(weights: Sequence[int], quota: int) -> list[Fraction]:
    """Normalised Banzhaf index (sums to exactly 1).

    >>> [str(x) for x in banzhaf([50, 49, 1], 51)]
    ['3/5', '1/5', '1/5']
    >>> [str(x) for x in banzhaf([4, 2, 1], 4)]
    ['1', '0', '0']
    """
    swings = banzhaf_swings(weights, quota)
    total = sum(swings)  # > 0: the grand coalition wins (quota <= total weight), so someone swings
    return [Fraction(s, total) for s in swings]


def shapley_shubik_pivots(weights: Sequence[int], quota: int) -> list[int]:
    """For each player, the number of the ``n!`` orderings in which it is pivotal.

    >>> shapley_shubik_pivots([50, 49, 1], 51)
    [4, 1, 1]
    """
    w = _check(weights, quota)
    n = len(w)
    dtype = _dtype(n)
    weight_of_size = [factorial(k) * factorial(n - 1 - k) for k in range(n)]
    out = []
    for i, wi in enumerate(w):
        if wi == 0:
            out.append(0)
            continue
        # c[k, t]: subsets of the other players with k members and total t (t < quota).
        c = np.zeros((n, quota), dtype=dtype)
        c[0, 0] = 1
        for j, wj in enumerate(w):
            if j == i:
                continue
            nxt = c.copy()
            if wj == 0:
                nxt[1:, :] += c[:-1, :]
            elif wj < quota:
                nxt[1:, wj:] += c[:-1, : quota - wj]
            c = nxt
        by_size = c[:, max(0, quota - wi) :].sum(axis=1)
        out.append(sum(weight_of_size[k] * int(by_size[k]) for k in range(n)))
    return out


def shapley_shubik(weights: Sequence[int], quota: int) -> list[Fraction]:
    """Shapley–Shubik index, exact (sums to exactly 1).

    >>> [str(x) for x in shapley_shubik([50, 49, 1], 51)]
    ['2/3', '1/6', '1/6']
    >>> [str(x) for x in shapley_shubik([4, 2, 1], 4)]
    ['1', '0', '0']
    """
    pivots = shapley_shubik_pivots(weights, quota)
    n_orders = factorial(len(pivots))
    return [Fraction(p, n_orders) for p in pivots]
