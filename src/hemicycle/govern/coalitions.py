"""Who can govern: every winning coalition of an Assembly, enumerated as bitmasks with numpy.

An Assembly is an ordered mapping ``group -> seats``. Groups with 0 seats are dropped from the game.
A coalition (a set of groups) *wins* when its seats reach the ``quota`` — by default an absolute
majority of the members, ``house // 2 + 1`` (289 of 577; 233 of 465 in 1958: the house is the
Assembly's own, never assumed). For each winning coalition:

* ``minimal_winning`` — every member is pivotal: removing any one of them makes it lose;
* ``connected`` — its members are contiguous on the left–right ``order``, counted among the groups
  that hold seats (a 0-seat group between two members does not break contiguity). Without an
  ``order`` there is no axis and ``connected`` is False for every coalition;
* minimal connected winning (Axelrod) — connected, winning, and removing either end member (the
  leftmost or the rightmost) makes it lose. Not a column of the table; see
  :attr:`Govern.minimal_connected_winning`.

``order`` must list every group that holds a seat (0-seat groups may be left out). Groups that sit
off the left–right axis (``regionalist``, ``other`` in :data:`hemicycle.data.blocs.BLOCS`) are
placed at its end, as in ``BLOCS``; read the ``connected`` flags of coalitions that include them
with that convention in mind.

The kernel :func:`winning_masks` works on an integer weight vector: bit ``i`` of a mask is group
``i`` (in left–right order when there is one). Sums of all ``2**n`` masks are built by doubling
(``sums = concat(sums, sums + w[i])``), so up to :data:`MAX_GROUPS` groups are enumerated in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np
import pandas as pd

from hemicycle.data.outputs import csv_bytes
from hemicycle.errors import OptionError
from hemicycle.govern import power
from hemicycle.govern.censure import Censure, censure, check_house, check_seats

__all__ = [
    "COLUMNS",
    "MAX_GROUPS",
    "Coalition",
    "Govern",
    "Winning",
    "analyse",
    "winning_coalitions",
    "winning_masks",
]

MAX_GROUPS = 24
COLUMNS = ("coalition", "seats", "minimal_winning", "connected")


@dataclass(frozen=True, eq=False)
class Winning:
    """Winning coalitions of a weighted game, as parallel arrays in ascending mask order."""

    masks: np.ndarray  # (W,) int64: bit i set = group i is a member
    seats: np.ndarray  # (W,) int64
    minimal_winning: np.ndarray  # (W,) bool
    connected: np.ndarray  # (W,) bool (all False when not ordered)
    minimal_connected_winning: np.ndarray  # (W,) bool

    def __post_init__(self) -> None:
        for a in (
            self.masks,
            self.seats,
            self.minimal_winning,
            self.connected,
            self.minimal_connected_winning,
        ):
            a.flags.writeable = False


def winning_masks(weights: Sequence[int] | np.ndarray, quota: int, *, ordered: bool) -> Winning:
    """Enumerate the coalitions with ``sum(weights[members]) >= quota``.

    ``ordered`` says that the weights are in left–right order, so that contiguous bits are connected
    coalitions; when False, ``connected`` and ``minimal_connected_winning`` are all False.

    >>> w = winning_masks([3, 2, 2], 4, ordered=True)
    >>> [bin(m) for m in w.masks], w.seats.tolist()
    (['0b11', '0b101', '0b110', '0b111'], [5, 5, 4, 7])
    >>> w.minimal_winning.tolist(), w.connected.tolist(), w.minimal_connected_winning.tolist()
    ([True, True, True, False], [True, False, True, True], [True, False, True, False])
    """
    w = np.asarray(weights, dtype=np.int64)
    n = int(w.size)
    if n > MAX_GROUPS:
        raise OptionError(
            f"{n} groups means 2^{n} coalitions; at most {MAX_GROUPS} groups are "
            "enumerated: use a coarser unit (blocs, hemicycle.data.blocs) or merge "
            "small groups"
        )
    if (w < 0).any():
        raise OptionError(f"weights must be non-negative; got {w.tolist()}")
    if quota < 1:
        raise OptionError(f"quota must be at least 1; got {quota}")
    dtype = np.int32 if max(int(w.sum()), quota) < 2**31 else np.int64
    sums: np.ndarray = np.zeros(1, dtype=dtype)
    lightest: np.ndarray = np.full(1, np.iinfo(dtype).max, dtype=dtype)  # lightest member
    for wi in w.astype(dtype):
        sums = np.concatenate((sums, sums + wi))
        lightest = np.concatenate((lightest, np.minimum(lightest, wi)))
    # only the winning masks are widened to int64 (2^24 of them would be two 128 MiB copies)
    masks = np.flatnonzero(sums >= quota).astype(np.int64)
    seats = sums[masks].astype(np.int64)
    minimal = seats - lightest[masks].astype(np.int64) < quota
    if not ordered or masks.size == 0:
        none = np.zeros(masks.size, dtype=bool)
        return Winning(masks, seats, minimal, none, none.copy())
    low = masks & -masks  # lowest set bit, as a power of two
    run = masks // low
    connected = (run & (run + 1)) == 0  # one run of consecutive bits
    low_index = np.frexp(low.astype(np.float64))[1] - 1  # exact: masks < 2**24
    high_index = np.frexp(masks.astype(np.float64))[1] - 1
    mcw = connected & (seats - w[low_index] < quota) & (seats - w[high_index] < quota)
    return Winning(masks, seats, minimal, connected, mcw)


@dataclass(frozen=True)
class Coalition:
    """One coalition (winning or not) of a :class:`Govern` game."""

    members: tuple[str, ...]  # sorted alphabetically
    seats: int
    winning: bool
    minimal_winning: bool
    connected: bool
    minimal_connected_winning: bool

    @property
    def name(self) -> str:
        return "+".join(self.members)


@dataclass(frozen=True, eq=False)
class Govern:
    """Who can govern an Assembly: the result of :func:`analyse` / :func:`winning_coalitions`.

    ``groups`` are the groups holding seats, in left–right ``order`` when given, else in the order
    of the input mapping; ``seats`` is aligned with them. Bit ``i`` of a mask is ``groups[i]``.
    """

    groups: tuple[str, ...]
    seats: tuple[int, ...]
    quota: int
    house: int
    order: tuple[str, ...] | None
    winning: Winning
    dropped: tuple[str, ...] = ()  # groups of the input with 0 seats, left out of the game
    notes: tuple[str, ...] = ()  # how the Assembly was obtained, when not plainly official

    def __repr__(self) -> str:  # a notebook shows this, not the winning masks
        seats = dict(zip(self.groups, self.seats, strict=True))
        return (
            f"Govern(house={self.house}, quota={self.quota}, seats={seats}, "
            f"winning_coalitions={len(self)})"
        )

    # ---- tables -------------------------------------------------------------------------------

    def _names(self, masks: np.ndarray) -> np.ndarray:
        """``coalition`` strings of masks: members sorted alphabetically, joined by ``+``."""
        n = len(self.groups)
        rank = np.argsort(np.array(self.groups, dtype=object), kind="stable")
        alpha = [self.groups[i] for i in rank]
        # Re-number the bits alphabetically, then join two half tables of precomputed names.
        amask = np.zeros(masks.size, dtype=np.int64)
        for pos, i in enumerate(rank):
            amask |= ((masks >> int(i)) & 1) << pos
        h = n // 2

        def table(names: list[str]) -> np.ndarray:
            out = np.empty(2 ** len(names), dtype=object)
            for m in range(out.size):
                out[m] = "+".join(g for b, g in enumerate(names) if m >> b & 1)
            return out

        lo, hi = table(alpha[:h]), table(alpha[h:])
        lo_m, hi_m = amask & ((1 << h) - 1), amask >> h
        sep = np.where((lo_m > 0) & (hi_m > 0), "+", "").astype(object)
        return lo[lo_m] + sep + hi[hi_m]

    def _sorted(self, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions into ``winning``, names) of the ``keep`` rows, by seats desc then name."""
        pos = np.flatnonzero(keep)
        names = self._names(self.winning.masks[pos])
        by_name = sorted(range(names.size), key=names.__getitem__)
        name_rank = np.empty(names.size, dtype=np.int64)
        name_rank[by_name] = np.arange(names.size)
        order = np.lexsort((name_rank, -self.winning.seats[pos]))
        return pos[order], names[order]

    @cached_property
    def coalitions(self) -> pd.DataFrame:
        """Every winning coalition: columns exactly ``coalition, seats, minimal_winning,
        connected``, rows by seats descending then coalition. Computed once; do not mutate."""
        pos, names = self._sorted(np.ones(len(self), dtype=bool))
        w = self.winning
        return pd.DataFrame(
            {
                "coalition": names,
                "seats": w.seats[pos],
                "minimal_winning": w.minimal_winning[pos],
                "connected": w.connected[pos],
            },
            columns=list(COLUMNS),
        )

    def to_csv_bytes(self) -> bytes:
        """The coalitions table as UTF-8 CSV: LF line endings, booleans ``true``/``false``."""
        df = self.coalitions
        flags = {c: np.where(df[c].to_numpy(), "true", "false") for c in COLUMNS[2:]}
        return csv_bytes(df.assign(**flags))  # group names may come from a user's file

    # ---- accessors -----------------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of winning coalitions."""
        return int(self.winning.masks.size)

    def _members(self, names: Iterable[str]) -> tuple[str, ...]:
        return tuple(names.split("+")) if isinstance(names, str) else tuple(names)

    @property
    def minimal_winning(self) -> tuple[tuple[str, ...], ...]:
        """Minimal winning coalitions (members alphabetical), by seats descending then name."""
        _, names = self._sorted(self.winning.minimal_winning)
        return tuple(self._members(x) for x in names)

    @property
    def minimal_connected_winning(self) -> tuple[tuple[str, ...], ...]:
        """Axelrod's minimal connected winning coalitions (empty without an ``order``)."""
        _, names = self._sorted(self.winning.minimal_connected_winning)
        return tuple(self._members(x) for x in names)

    def coalition(self, members: Iterable[str]) -> Coalition:
        """Look one coalition up (winning or not); unknown groups raise :class:`OptionError`.

        Members may be given as an iterable of names or as a ``"a+b"`` string. A 0-seat group
        named here is ignored, as it is in the game.
        """
        wanted = set(self._members(members))
        index = {g: i for i, g in enumerate(self.groups)}
        unknown = sorted(wanted - set(index) - set(self.dropped))
        if unknown:
            raise OptionError(
                f"unknown group(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(self.groups)}"
            )
        bits = sorted(index[g] for g in wanted if g in index)
        s = sum(self.seats[i] for i in bits)
        win = bool(bits) and s >= self.quota
        minimal = win and all(s - self.seats[i] < self.quota for i in bits)
        connected = self.order is not None and bool(bits) and bits[-1] - bits[0] + 1 == len(bits)
        mcw = (
            win
            and connected
            and s - self.seats[bits[0]] < self.quota
            and (s - self.seats[bits[-1]] < self.quota)
        )
        return Coalition(
            members=tuple(sorted(self.groups[i] for i in bits)),
            seats=s,
            winning=win,
            minimal_winning=minimal,
            connected=bool(connected),
            minimal_connected_winning=bool(mcw),
        )

    # ---- power and censure ---------------------------------------------------------------------

    def banzhaf(self) -> dict[str, Fraction]:
        """Normalised Banzhaf index of each group (sums to exactly 1)."""
        return dict(zip(self.groups, power.banzhaf(self.seats, self.quota), strict=True))

    def banzhaf_swings(self) -> dict[str, int]:
        """Raw Banzhaf swing counts of each group."""
        return dict(zip(self.groups, power.banzhaf_swings(self.seats, self.quota), strict=True))

    def shapley_shubik(self) -> dict[str, Fraction]:
        """Shapley–Shubik index of each group (sums to exactly 1)."""
        return dict(zip(self.groups, power.shapley_shubik(self.seats, self.quota), strict=True))

    def power(self) -> pd.DataFrame:
        """Each group's seats and power: the Banzhaf and Shapley–Shubik indices as floats
        (``banzhaf``, ``shapley_shubik``) beside the exact fractions they round
        (``banzhaf_exact``, ``shapley_shubik_exact``), groups in order."""
        ban, ssi = self.banzhaf(), self.shapley_shubik()
        return pd.DataFrame(
            {
                "group": list(self.groups),
                "seats": list(self.seats),
                "banzhaf": [float(ban[g]) for g in self.groups],
                "shapley_shubik": [float(ssi[g]) for g in self.groups],
                "banzhaf_exact": [ban[g] for g in self.groups],
                "shapley_shubik_exact": [ssi[g] for g in self.groups],
            }
        )

    def censure(self, government: Iterable[str] | None = None) -> Censure:
        """Art. 49 thresholds on this Assembly's ``house``; with ``government``, whether the rest
        of the Assembly can adopt a motion. (The law's thresholds, not this game's ``quota``.)"""
        seats = dict(zip(self.groups, self.seats, strict=True))
        if government is not None:
            government = [g for g in self._members(government) if g not in self.dropped]
        return censure(seats, house=self.house, government=government)


def _check_order(seats: dict[str, int], order: Sequence[str] | None) -> tuple[str, ...] | None:
    if order is None:
        return None
    if isinstance(order, str):
        raise OptionError(f"order must be a sequence of group names, not the string {order!r}")
    order = tuple(order)
    unknown = [g for g in order if g not in seats]
    if unknown:
        raise OptionError(
            f"order names unknown group(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(seats)}"
        )
    dup = sorted({g for g in order if order.count(g) > 1})
    if dup:
        raise OptionError(f"order repeats group(s) {', '.join(map(repr, dup))}")
    missing = [g for g, s in seats.items() if s > 0 and g not in order]
    if missing:
        raise OptionError(
            f"order omits group(s) {', '.join(map(repr, missing))}; list every group "
            "that holds a seat, with groups off the left-right axis (such as "
            "regionalist, other) at the end"
        )
    return order


def winning_coalitions(
    seats: Mapping[str, int],
    *,
    quota: int,
    order: Sequence[str] | None = None,
    house: int | None = None,
) -> Govern:
    """Enumerate every coalition of ``seats`` reaching ``quota``; see the module docstring.

    >>> g = winning_coalitions({"a": 3, "b": 2, "c": 2}, quota=4, order=["a", "b", "c"])
    >>> g.coalitions.to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'coalition': ['a+b+c', 'a+b', 'a+c', 'b+c'], 'seats': [7, 5, 5, 4],
     'minimal_winning': [False, True, True, True], 'connected': [True, True, False, True]}
    >>> g.minimal_connected_winning
    (('a', 'b'), ('b', 'c'))
    """
    s = check_seats(seats)
    h = check_house(s, house)
    if isinstance(quota, bool) or not isinstance(quota, int | np.integer) or not 1 <= quota <= h:
        raise OptionError(f"quota must be an integer between 1 and the house ({h}); got {quota!r}")
    o = _check_order(s, order)
    groups = tuple(g for g in (o if o is not None else s) if s[g] > 0)
    weights = tuple(s[g] for g in groups)
    return Govern(
        groups=groups,
        seats=weights,
        quota=int(quota),
        house=h,
        order=o,
        winning=winning_masks(weights, int(quota), ordered=o is not None),
        dropped=tuple(g for g, n in s.items() if n == 0),
    )


def analyse(
    seats: Mapping[str, int],
    *,
    order: Sequence[str] | None = None,
    quota: int | None = None,
    house: int | None = None,
) -> Govern:
    """Who can govern ``seats``: the entry point. ``house`` defaults to the sum of the seats and
    ``quota`` to an absolute majority of it, ``house // 2 + 1``.

    >>> g = analyse({"left": 193, "centre": 168, "right": 66, "far_right": 143, "regionalist": 5,
    ...              "other": 2}, order=["left", "centre", "right", "far_right", "regionalist",
    ...                                  "other"])
    >>> g.quota, len(g), g.coalitions["coalition"].iloc[-1]
    (289, 32, 'centre+far_right')
    >>> c = g.coalition("left+centre")
    >>> c.seats, c.winning, c.minimal_winning, c.connected, c.minimal_connected_winning
    (361, True, True, True, True)
    >>> g.minimal_connected_winning
    (('centre', 'far_right', 'right'), ('centre', 'left'))
    """
    s = check_seats(seats)
    h = check_house(s, house)
    q = h // 2 + 1 if quota is None else quota
    return winning_coalitions(s, quota=q, order=order, house=h)
