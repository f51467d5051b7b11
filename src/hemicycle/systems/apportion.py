"""Proportional representation: share ``seats`` among lists in proportion to their votes.

Pure functions over a 1-D integer array of votes (one entry per list or party); each returns
an int64 array of seats, aligned with ``votes``, that sums exactly to ``seats``.

* :func:`dhondt` — highest averages with divisors 1, 2, 3, … (Jefferson);
* :func:`sainte_lague` — highest averages with divisors 1, 3, 5, … (Webster);
* :func:`highest_averages` — the same with any strictly increasing integer divisors;
* :func:`hare` — largest remainder with the Hare quota (Hamilton).

:data:`METHODS` maps their names to them.

**Exact arithmetic.** Every comparison is made on integers, never on rounded shares:

* the threshold: a list is eligible iff ``votes * den >= num * base`` for the threshold
  ``num/den``, computed as the equivalent integer lower bound ``votes >= ceil(num*base/den)``;
* highest averages: quotients ``v_i/d_a`` are ranked through float64, which preserves their
  order (``v`` and ``d`` are exact in float64 and division is correctly rounded, so a larger
  quotient never gets a smaller float); quotients that share the float at the cut are then
  ranked exactly (``Fraction``), so a real tie is always seen as one;
* Hare: the quota ``total/seats`` is never formed; list ``i`` gets ``floor(v_i*seats/total)``
  seats and the remainders ``v_i*seats mod total`` share the denominator ``total``, so they are
  compared as plain integers.

**Ties** for the last seat(s) — equal quotients (highest averages) or equal remainders (Hare) —
go to the list with more votes, then to the lower index. The first rule is the French one
(Code électoral, art. L262 and R138: on equal averages the seat goes to the list with more
votes); the law then names the list whose candidates are the older, which these kernels do not
know, so the lower index stands in for it: order the lists accordingly.

Lists below the threshold get 0 seats. If no list is eligible, or the eligible lists have no
votes at all, and ``seats > 0``, :class:`~hemicycle.errors.OptionError` is raised.

No function mutates its inputs.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from hemicycle.errors import OptionError

__all__ = [
    "METHODS",
    "Threshold",
    "dhondt",
    "eligible",
    "hare",
    "highest_averages",
    "sainte_lague",
]

#: A vote threshold: a fraction of ``base`` in ``[0, 1)``; floats are read exactly as written
#: (``Fraction(str(x))``, so ``0.05`` is 1/20).
Threshold = Fraction | float | int | None

#: Divisor function: seat numbers ``a = 0, 1, 2, …`` (int64 array) -> integer divisors, strictly
#: increasing, the first >= 1.
Divisor = Callable[[npt.NDArray[np.int64]], npt.ArrayLike]

# Refused above these: they keep v*seats, sums of votes and divisors exact in int64 / float64
# (2**40 votes is about 1.1e12; a national election is about 5e7).
_MAX_VOTES = 2**40
_MAX_SEATS = 2**20
_MAX_LISTS = 2**20
_MAX_DIVISOR = 2**53


# --------------------------------------------------------------------------- validation


def _votes(votes: npt.ArrayLike) -> np.ndarray:
    arr = np.asarray(votes)
    if arr.ndim != 1:
        raise OptionError(f"votes must be a 1-D array (one count per list); got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise OptionError(f"votes must be integers; got dtype {arr.dtype}")
    if arr.size > _MAX_LISTS:
        raise OptionError(f"votes has {arr.size} lists; at most {_MAX_LISTS} are supported")
    if arr.size:
        if arr.min() < 0:
            raise OptionError(f"votes must be non-negative; found {int(arr.min())}")
        if arr.max() > _MAX_VOTES:
            raise OptionError(f"votes has a count above {_MAX_VOTES}; refusing to risk overflow")
    return arr.astype(np.int64, copy=False)


def _count(name: str, x: object, limit: int) -> int:
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise OptionError(f"{name} must be an integer; got {x!r}")
    n = int(x)
    if n < 0:
        raise OptionError(f"{name} must be non-negative; got {n}")
    if n > limit:
        raise OptionError(f"{name} must be at most {limit}; got {n}")
    return n


def _threshold(threshold: Threshold) -> Fraction:
    if threshold is None:
        return Fraction(0)
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise OptionError(
            f"threshold must be None, a Fraction or a float in [0, 1); got {threshold!r}"
        )
    try:
        t = (
            Fraction(threshold)
            if isinstance(threshold, numbers.Rational)
            else Fraction(str(threshold))
        )
    except ValueError:  # nan, inf
        raise OptionError(f"threshold must be in [0, 1); got {threshold!r}") from None
    if not 0 <= t < 1:
        raise OptionError(f"threshold must be in [0, 1); got {threshold!r}")
    return t


def eligible(
    votes: npt.ArrayLike, *, threshold: Threshold = None, base: int | None = None
) -> npt.NDArray[np.bool_]:
    """Which lists reach ``threshold`` of ``base`` (default: the sum of ``votes``).

    Exact: with ``threshold = num/den``, a list is eligible iff ``votes*den >= num*base``.
    ``threshold=None`` (or 0) makes every list eligible, even one with no votes.

    >>> eligible([95, 5, 4], threshold=0.05).tolist()            # 5 % of 104 is 5.2
    [True, False, False]
    >>> eligible([95, 5, 4], threshold=0.05, base=100).tolist()  # 5 % of 100 is 5: 5 passes
    [True, True, False]
    """
    v = _votes(votes)
    return _eligible(v, _threshold(threshold), base)


def _eligible(v: np.ndarray, t: Fraction, base: int | None) -> np.ndarray:
    total = int(v.sum()) if base is None else _count("base", base, _MAX_VOTES * _MAX_LISTS)
    # votes*den >= num*total  <=>  votes >= ceil(num*total/den); the bound is <= total
    bound = -(-t.numerator * total // t.denominator)
    if bound > _MAX_VOTES:
        return np.zeros(v.shape, dtype=bool)  # above every admissible count
    return v >= bound


def _setup(
    votes: npt.ArrayLike, seats: int, threshold: Threshold, base: int | None
) -> tuple[np.ndarray, int]:
    """Votes with ineligible lists zeroed, and the seat count; raises if nobody can be seated."""
    v = _votes(votes)
    s = _count("seats", seats, _MAX_SEATS)
    ok = _eligible(v, _threshold(threshold), base)
    ve = np.where(ok, v, 0)
    if s and not ve.any():
        if not ok.any():
            raise OptionError(
                f"no list reaches the threshold {threshold!r}: {s} seat(s) cannot be shared"
            )
        raise OptionError(f"the eligible lists have no votes: {s} seat(s) cannot be shared")
    return ve, s


# --------------------------------------------------------------------------- highest averages


def highest_averages(
    votes: npt.ArrayLike,
    seats: int,
    divisor: Divisor,
    *,
    threshold: Threshold = None,
    base: int | None = None,
) -> npt.NDArray[np.int64]:
    """Highest averages: the ``seats`` largest quotients ``votes[i] / divisor(a)`` win a seat.

    ``divisor`` maps the seat numbers ``a = 0, 1, …, seats-1`` (an int64 array) to integer
    divisors, strictly increasing and at least 1: a list holding ``a`` seats bids for the next
    one with ``votes / divisor(a)``. Scaling all divisors by one factor changes nothing, so a
    fractional sequence is written in integers (modified Sainte-Laguë 1.4, 3, 5, … is 7, 15, 25, …).

    Ties at the cut go to the list with more votes, then to the lower index (see the module
    docstring). Lists below ``threshold`` of ``base`` get nothing.

    Memory and time are O(lists with votes × seats): the table of all their quotients is built.

    >>> import numpy as np
    >>> highest_averages([100, 80, 30], 8, lambda a: a + 1).tolist()          # D'Hondt
    [4, 3, 1]
    >>> highest_averages([53, 24, 23], 7, lambda a: np.where(a == 0, 7, 10 * a + 5)).tolist()
    [3, 2, 2]
    """
    v, s = _setup(votes, seats, threshold, base)
    if s == 0:
        return np.zeros(v.shape, dtype=np.int64)
    return _highest_averages(v, s, _divisors(divisor(np.arange(s, dtype=np.int64)), s))


def _highest_averages(v: np.ndarray, s: int, d: np.ndarray) -> np.ndarray:
    """The kernel: ``v`` int64 with ineligible lists zeroed (some > 0), ``s >= 1``, ``d``
    checked."""
    # Lists with no votes are never needed: the others offer >= s positive bids. Keep the rest.
    live = np.flatnonzero(v)
    vl = v[live]
    # Float ranking of the quotient table (exact order, possibly merging near-equal quotients).
    q = vl[:, None] / d[None, :].astype(np.float64)
    cut = q.size - s
    t = np.partition(q.ravel(), cut)[cut]  # the s-th largest float
    above = np.count_nonzero(q > t, axis=1)
    at_least = np.count_nonzero(q >= t, axis=1)
    need = s - int(above.sum())
    won = np.zeros(v.shape, dtype=np.int64)
    if need == int(at_least.sum() - above.sum()):  # the whole group at the cut is in
        won[live] = at_least
        return won
    # Several bids share the float at the cut (a real tie, or quotients closer than float64
    # resolves): rank that group exactly, by quotient, then votes, then lower index.
    won[live] = above
    rows, cols = np.nonzero(q == t)
    key = [
        (Fraction(int(vl[r]), int(d[c])), int(vl[r]), -int(live[r]))
        for r, c in zip(rows, cols, strict=True)
    ]
    order = sorted(range(len(key)), key=key.__getitem__, reverse=True)[:need]
    np.add.at(won, live[rows[order]], 1)
    return won


def _divisors(out: npt.ArrayLike, seats: int) -> np.ndarray:
    d = np.asarray(out)
    if d.shape != (seats,):
        raise OptionError(
            f"divisor must return one divisor per seat, shape ({seats},); got {d.shape}"
        )
    if not np.issubdtype(d.dtype, np.integer):
        raise OptionError(
            f"divisor must return integers (scale a fractional sequence); got dtype {d.dtype}"
        )
    if d[0] < 1 or (seats > 1 and (np.diff(d) <= 0).any()):
        raise OptionError("divisors must be >= 1 and strictly increasing")
    if d[-1] > _MAX_DIVISOR:
        raise OptionError(f"divisors must be at most {_MAX_DIVISOR}; got {int(d[-1])}")
    return d.astype(np.int64, copy=False)


def dhondt(
    votes: npt.ArrayLike, seats: int, *, threshold: Threshold = None, base: int | None = None
) -> npt.NDArray[np.int64]:
    """D'Hondt (Jefferson): highest averages with divisors 1, 2, 3, …

    Used in France for the 1986 legislative election (per department, 5 % of the expressed
    votes), regional and municipal lists. Ties as in :func:`highest_averages`.

    >>> dhondt([100, 80, 30, 20], 8).tolist()
    [4, 3, 1, 0]
    >>> dhondt([100, 80, 30, 20], 8, threshold=0.15).tolist()   # 30 < 15 % of 230
    [5, 3, 0, 0]
    >>> dhondt([60, 30], 2).tolist()   # 60/2 == 30/1: the tie goes to the larger list
    [2, 0]
    """
    v, s = _setup(votes, seats, threshold, base)
    if s == 0:
        return np.zeros(v.shape, dtype=np.int64)
    return _highest_averages(v, s, np.arange(1, s + 1, dtype=np.int64))


def sainte_lague(
    votes: npt.ArrayLike, seats: int, *, threshold: Threshold = None, base: int | None = None
) -> npt.NDArray[np.int64]:
    """Sainte-Laguë (Webster): highest averages with divisors 1, 3, 5, …

    Ties as in :func:`highest_averages`.

    >>> sainte_lague([100, 80, 30, 20], 8).tolist()
    [3, 3, 1, 1]
    >>> sainte_lague([30, 10], 2).tolist()   # 30/3 == 10/1: the tie goes to the larger list
    [2, 0]
    """
    v, s = _setup(votes, seats, threshold, base)
    if s == 0:
        return np.zeros(v.shape, dtype=np.int64)
    return _highest_averages(v, s, np.arange(1, 2 * s, 2, dtype=np.int64))


# --------------------------------------------------------------------------- largest remainder


def hare(
    votes: npt.ArrayLike, seats: int, *, threshold: Threshold = None, base: int | None = None
) -> npt.NDArray[np.int64]:
    """Largest remainder with the Hare quota (Hamilton).

    The quota is the eligible lists' total votes divided by ``seats``. Each eligible list gets
    ``floor(votes/quota)`` seats; the seats left go one each to the largest remainders. Ties on
    remainders go to the list with more votes, then to the lower index.

    Unlike the divisor methods, Hare is not house-monotone (the Alabama paradox): a list can
    lose a seat when the house grows.

    >>> hare([100, 80, 30, 20], 8).tolist()   # quotas 3.48, 2.78, 1.04, 0.70
    [3, 3, 1, 1]
    >>> hare([5, 5, 2], 2).tolist()    # quotas 5/6, 5/6, 2/6: equal remainders, lower index
    [1, 1, 0]
    >>> hare([6, 6, 2], 3).tolist(), hare([6, 6, 2], 4).tolist()   # Alabama paradox
    ([1, 1, 1], [2, 2, 0])
    """
    v, s = _setup(votes, seats, threshold, base)
    if s == 0:
        return np.zeros(v.shape, dtype=np.int64)
    total = int(v.sum())  # <= 2**60: v*s and floor*total stay below 2**63
    scaled = v * s
    won = scaled // total
    rem = scaled - won * total  # remainder numerators over the common denominator total
    left = s - int(won.sum())
    if left:
        idx = np.arange(v.size)
        order = np.lexsort((idx, -v, -rem))  # remainder desc, votes desc, index asc
        won[order[:left]] += 1
    return won


#: The registered methods, by name.
METHODS: dict[str, Callable[..., npt.NDArray[np.int64]]] = {
    "dhondt": dhondt,
    "sainte_lague": sainte_lague,
    "hare": hare,
}
