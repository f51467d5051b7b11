"""Exact power indices of weighted voting games with integer weights.

A weighted voting game gives player ``i`` the weight ``weights[i]`` (seats); a coalition wins when
its total weight reaches ``quota``. Player ``i`` is *pivotal* (a swing) for a coalition ``S``
without ``i`` when ``S`` loses and ``S + i`` wins, i.e. ``quota - w_i <= w(S) < quota``.

* Banzhaf: the number of swings of each player, normalised to sum to 1.
* Shapley–Shubik: the share of the ``n!`` orderings of the players in which ``i`` is pivotal,
  ``sum over swings S of |S|! (n - 1 - |S|)! / n!``.

Both are computed without enumerating coalitions, by dynamic programming over seat totals (a
generating function: ``prod (1 + x^w_j)`` over the other players, truncated below the quota), so
30 players with weights up to a house's size (577 today) take milliseconds. Counts are exact
integers (``int64`` while they cannot overflow, Python ints beyond) and indices are
:class:`fractions.Fraction`.
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


def _counts_below(weights: list[int], quota: int, dtype, *, by_size: bool) -> np.ndarray:
    """``c[t]`` = number of subsets of ``weights`` with total ``t``, for ``0 <= t < quota``; with
    ``by_size``, ``c[k, t]`` = number of those with ``k`` members."""
    c = np.zeros((len(weights) + 1, quota) if by_size else quota, dtype=dtype)
    c.flat[0] = 1  # the empty subset
    for w in weights:
        if w < quota:
            nxt = c.copy()
            if by_size:
                nxt[1:, w:] += c[:-1, : quota - w]  # add the player: one more member
            else:
                nxt[w:] += c[: quota - w]
            c = nxt
    return c


def _swing_counts(w: list[int], quota: int, *, by_size: bool) -> list:
    """For each player ``i``, the coalitions ``S`` of the others with ``quota - w_i <= w(S) <
    quota``: their number, or with ``by_size`` their numbers by size ``|S|``."""
    dtype = _dtype(len(w))
    out = []
    for i, wi in enumerate(w):
        c = _counts_below(w[:i] + w[i + 1 :], quota, dtype, by_size=by_size)
        out.append(c[..., max(0, quota - wi) :].sum(axis=-1))  # wi == 0: an empty slice, 0
    return out


def banzhaf_swings(weights: Sequence[int], quota: int) -> list[int]:
    """Raw Banzhaf counts: for each player, the coalitions of the others it turns from losing to
    winning.

    >>> banzhaf_swings([50, 49, 1], 51)
    [3, 1, 1]
    >>> banzhaf_swings([4, 2, 1], 4)  # the big player is a dictator
    [4, 0, 0]
    """
    return [int(x) for x in _swing_counts(_check(weights, quota), quota, by_size=False)]


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
    weight_of_size = [factorial(k) * factorial(n - 1 - k) for k in range(n)]
    return [
        sum(f * int(x) for f, x in zip(weight_of_size, by_size, strict=True))
        for by_size in _swing_counts(w, quota, by_size=True)
    ]


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
