"""Disproportionality and fragmentation indices.

Each takes aligned 1-D arrays of non-negative counts (votes and seats per party, in the same
order) and turns them into shares inside: ``p = votes / votes.sum()``, ``s = seats / seats.sum()``.
Indices of disproportionality are in percentage points (0 = perfectly proportional).

* :func:`gallagher` — least squares, ``100 * sqrt(sum((p - s)**2) / 2)`` (Gallagher 1991);
* :func:`loosemore_hanby` — ``100 * sum(|p - s|) / 2`` (Loosemore & Hanby 1971): the share of
  seats that would have to move to make the result proportional;
* :func:`effective_number` — ``1 / sum(p**2)`` (Laakso & Taagepera 1979), of votes or of seats.

A total of zero, a negative or non-finite entry, or arrays of different shapes raise
:class:`~hemicycle.errors.OptionError`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hemicycle.errors import OptionError

__all__ = ["effective_number", "gallagher", "loosemore_hanby"]


def _shares(name: str, x: npt.ArrayLike) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise OptionError(
            f"{name} must be a 1-D array (one entry per party); got shape {arr.shape}"
        )
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise OptionError(f"{name} must hold numbers; got dtype {arr.dtype}")
    f = arr.astype(np.float64)
    if not np.isfinite(f).all():
        raise OptionError(f"{name} must be finite")
    if f.size and f.min() < 0:
        raise OptionError(f"{name} must be non-negative; found {f.min()}")
    total = f.sum()
    if total <= 0:
        raise OptionError(f"{name} sum to zero: shares are undefined")
    return f / total


def _pair(votes: npt.ArrayLike, seats: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p, s = _shares("votes", votes), _shares("seats", seats)
    if p.shape != s.shape:
        raise OptionError(f"votes has {p.size} parties but seats has {s.size}")
    return p, s


def gallagher(votes: npt.ArrayLike, seats: npt.ArrayLike) -> float:
    """Gallagher's least-squares index, in percentage points.

    >>> gallagher([50, 30, 20], [5, 3, 2])
    0.0
    >>> round(gallagher([60, 40], [10, 0]), 6)       # sqrt((0.4**2 + 0.4**2) / 2)
    40.0
    >>> round(gallagher([45, 35, 20], [6, 4, 0]), 3)   # sqrt((.15**2 + .05**2 + .2**2) / 2)
    18.028
    """
    p, s = _pair(votes, seats)
    return float(100.0 * np.sqrt(0.5 * np.sum((p - s) ** 2)))


def loosemore_hanby(votes: npt.ArrayLike, seats: npt.ArrayLike) -> float:
    """Loosemore–Hanby index, in percentage points: half the sum of absolute share gaps.

    >>> loosemore_hanby([50, 30, 20], [5, 3, 2])
    0.0
    >>> round(loosemore_hanby([60, 40], [10, 0]), 6)   # winner takes all: the loser's share
    40.0
    """
    p, s = _pair(votes, seats)
    return float(50.0 * np.sum(np.abs(p - s)))


def effective_number(x: npt.ArrayLike) -> float:
    """Laakso–Taagepera effective number of parties, ``1 / sum(p**2)``, of votes or seats.

    >>> effective_number([25, 25, 25, 25])
    4.0
    >>> round(effective_number([50, 30, 20]), 4)
    2.6316
    """
    p = _shares("x", x)
    return float(1.0 / np.sum(p * p))
