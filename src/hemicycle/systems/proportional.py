"""List systems on the same round-1 votes: national, departmental (1986) and regional PR, a
mixed-member system with national compensation, and a majority bonus.

The lists are the groups of the chosen unit (nuances, blocs or alliances) and their votes are
the round-1 votes of their candidates. Thresholds are shares of the votes cast (exprimés) in the
area where seats are shared. The kernels are :mod:`hemicycle.systems.apportion` (exact integer
arithmetic).

The house is the election's own (:attr:`~hemicycle.election.Election.house_size`: one seat per
constituency, 577 today, 465 in 1958), grown by the list seats of a mixed system.

**Mixed-member** (``mixed``): the constituency seats go to the winners under the actual
two-round system; ``list_seats`` more seats compensate nationally among the lists over the
threshold. Overhang handling (``overhang``):

* ``keep`` (default; the Scottish and Welsh additional-member system): the list seats are given
  one by one to the highest ``votes / (seats already held + 1)`` (D'Hondt continued from the
  constituency seats); a list that won more constituencies than its proportional share keeps
  them (overhang) and the house stays ``constituencies + list_seats``;
* ``balance`` (Germany 2013–2021): the house grows from ``constituencies + list_seats`` until the
  Sainte-Laguë share of every list over the threshold is at least its constituency seats;
  constituency seats of lists under the threshold stay outside the proportional count.

**Majority bonus** (``majority_bonus``): the list with the most votes gets ``bonus`` × the house's
seats (rounded down) first; all seats left are shared by D'Hondt among the lists over the threshold,
the leading list included (as in French regional and municipal elections).
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from importlib.resources import files

import numpy as np

from hemicycle.errors import OptionError
from hemicycle.systems import apportion
from hemicycle.systems.base import Allocation, Votes
from hemicycle.systems.majoritarian import official_lineup, resolve
from hemicycle.systems.registry import register

#: Upper bound of the mixed system's list tier (a bound on the work a request can ask for).
MAX_LIST_SEATS = 2_000


def _method(name: str):  # noqa: ANN202 - a kernel of apportion.METHODS
    try:
        return apportion.METHODS[name]
    except KeyError:
        raise OptionError(
            f"unknown PR method {name!r}; allowed: {', '.join(apportion.METHODS)}"
        ) from None


def _share(
    groups: dict[str, int], seats: int, method: str, threshold: float, base: int
) -> dict[str, int]:
    names = list(groups)
    alloc = _method(method)(
        np.array([groups[g] for g in names], np.int64), seats, threshold=threshold, base=base
    )
    return {g: int(s) for g, s in zip(names, alloc.tolist(), strict=True)}


def _areas(v: Votes, key: np.ndarray) -> tuple[np.ndarray, list[str]]:
    names, area = np.unique(key.astype(str), return_inverse=True)
    return area.astype(np.int64), names.tolist()


def _by_area(
    v: Votes, name: str, key: np.ndarray, method: str, threshold: float, what: str
) -> Allocation:
    area, labels = _areas(v, key)
    votes = v.by_area(area)
    seats_in = np.bincount(area, minlength=len(labels))
    expressed = np.bincount(area, weights=v.election.round1.expressed, minlength=len(labels))
    total: dict[str, int] = {}
    notes = []
    for a, lab in enumerate(labels):
        try:
            got = _share(votes[a], int(seats_in[a]), method, threshold, int(expressed[a]))
        except OptionError:
            got = _share(votes[a], int(seats_in[a]), method, 0.0, int(expressed[a]))
            notes.append(f"{what} {lab}: no list reached the threshold; shared without it")
        for g, s in got.items():
            total[g] = total.get(g, 0) + s
    return Allocation.build(
        name,
        v.unit.name,
        total,
        v.national,
        house_size=int(seats_in.sum()),
        notes=(
            f"{method}, {threshold:.1%} threshold in each {what}, seats per "
            f"{what} = its constituencies in {v.election.year} ({len(labels)} {what}s)",
            *notes,
        ),
    )


def _national(
    v: Votes, name: str, method: str, threshold: float, seats: int | None = None
) -> Allocation:
    e = v.election
    house = seats or e.house_size
    got = _share(v.national, house, method, threshold, int(e.round1.expressed.sum()))
    return Allocation.build(
        name,
        v.unit.name,
        got,
        v.national,
        house_size=house,
        notes=(
            f"{method}, one national list per group, {threshold:.1%} threshold of the votes cast",
        ),
    )


@register("dhondt", "National PR, D'Hondt")
def dhondt(v: Votes, *, name: str = "dhondt", threshold: float = 0.05) -> Allocation:
    return _national(v, name, "dhondt", threshold)


@register("sainte_lague", "National PR, Sainte-Laguë")
def sainte_lague(v: Votes, *, name: str = "sainte_lague", threshold: float = 0.05) -> Allocation:
    return _national(v, name, "sainte_lague", threshold)


@register("hare", "National PR, largest remainder (Hare quota)")
def hare(v: Votes, *, name: str = "hare", threshold: float = 0.05) -> Allocation:
    return _national(v, name, "hare", threshold)


@register(
    "departmental",
    "Departmental PR as in 1986 (D'Hondt per department, 5% threshold in "
    "each, the election's seats per department)",
)
def departmental(
    v: Votes, *, name: str = "departmental", method: str = "dhondt", threshold: float = 0.05
) -> Allocation:
    return _by_area(v, name, v.election.departments, method, threshold, "department")


@cache
def regions() -> dict[str, str]:
    """Department code → region (the 13 metropolitan regions of 2016; each overseas department,
    overseas collectivity and the French abroad form their own area): ``regions.csv``."""
    import csv

    text = files("hemicycle.systems").joinpath("regions.csv").read_text(encoding="utf-8")
    return {r["department"]: r["region"] for r in csv.DictReader(text.splitlines())}


@register(
    "regional",
    "Regional PR (D'Hondt per region, 5% threshold in each, the election's seats per region)",
)
def regional(
    v: Votes, *, name: str = "regional", method: str = "dhondt", threshold: float = 0.05
) -> Allocation:
    table = regions()
    missing = sorted({d for d in v.election.departments.tolist() if d not in table})
    if missing:
        raise OptionError(f"departments without a region in regions.csv: {', '.join(missing)}")
    key = np.array([table[d] for d in v.election.departments.tolist()], dtype=object)
    return _by_area(v, name, key, method, threshold, "region")


def _continue_dhondt(
    votes: dict[str, int], held: dict[str, int], extra: int, eligible: set[str]
) -> dict[str, int]:
    """Give ``extra`` seats one by one to the highest votes / (held + 1) among ``eligible``
    (exact; ties to more votes, then name)."""
    got = {g: 0 for g in votes}
    names = sorted(eligible, key=lambda g: (-votes[g], g))
    if not names:
        raise OptionError("no list reaches the threshold: no list seat can be given")
    # every candidate quotient v / (h + a + 1), a < extra; the `extra` largest win
    quot = [
        (Fraction(votes[g], held.get(g, 0) + a + 1), votes[g], -i, g)
        for i, g in enumerate(names)
        for a in range(extra)
    ]
    quot.sort(reverse=True)
    for *_, g in quot[:extra]:
        got[g] += 1
    return got


@register(
    "mixed",
    "Mixed-member: the constituency winners plus national compensation seats",
)
def mixed(
    v: Votes,
    *,
    name: str = "mixed",
    list_seats: int = 144,
    threshold: float = 0.05,
    overhang: str = "keep",
) -> Allocation:
    if not 0 <= list_seats <= MAX_LIST_SEATS:
        raise OptionError(
            f"mixed: list_seats must be between 0 and {MAX_LIST_SEATS:,}; got {list_seats}"
        )
    lineup, notes = official_lineup(v)
    _, labels, more = resolve(v, lineup)
    held: dict[str, int] = {}
    for g in labels.tolist():
        held[g] = held.get(g, 0) + 1
    votes = v.national
    base = int(v.election.round1.expressed.sum())
    ok = apportion.eligible(
        np.array(list(votes.values()), np.int64), threshold=threshold, base=base
    )
    eligible = {g for g, e in zip(votes, ok.tolist(), strict=True) if e}
    C = v.election.house_size
    if overhang == "keep":
        extra = _continue_dhondt(votes, held, list_seats, eligible)
        seats = {g: held.get(g, 0) + extra.get(g, 0) for g in set(held) | set(extra)}
        house = C + list_seats
        how = (
            f"{C} constituency seats (two-round winners) + {list_seats} list seats by D'Hondt "
            f"continued from them; overhang kept"
        )
    elif overhang == "balance":
        inside = {g: votes[g] for g in eligible}
        outside = sum(s for g, s in held.items() if g not in eligible)
        house = C + list_seats
        while True:
            share = _share(inside, house - outside, "sainte_lague", 0.0, base)
            if all(share[g] >= held.get(g, 0) for g in inside):
                break
            house += 1
        seats = {**{g: s for g, s in held.items() if g not in eligible}, **share}
        how = (
            f"{C} constituency seats + list seats; the house grew to {house} "
            f"({house - C - list_seats} balance seats) so that every list over the threshold "
            f"has its Sainte-Laguë share"
        )
    else:
        raise OptionError(f"mixed: unknown overhang handling {overhang!r}; allowed: keep, balance")
    return Allocation.build(
        name,
        v.unit.name,
        seats,
        votes,
        house_size=house,
        notes=(how, f"{threshold:.1%} threshold for list seats", *notes, *more),
    )


@register(
    "majority_bonus",
    "Majority bonus: the leading list gets a bonus, the rest is shared "
    "by D'Hondt (as in French regional elections)",
)
def majority_bonus(
    v: Votes, *, name: str = "majority_bonus", bonus: float = 0.25, threshold: float = 0.05
) -> Allocation:
    if not 0 <= bonus < 1:
        raise OptionError(f"majority_bonus: bonus must be in [0, 1); got {bonus}")
    e = v.election
    house = e.house_size
    f = Fraction(str(bonus))
    extra = house * f.numerator // f.denominator
    leader = next(iter(v.national))
    got = _share(v.national, house - extra, "dhondt", threshold, int(e.round1.expressed.sum()))
    got[leader] += extra
    return Allocation.build(
        name,
        v.unit.name,
        got,
        v.national,
        house_size=house,
        notes=(
            f"{leader} leads the round-1 vote and gets a bonus of {extra} "
            f"seats ({float(f):.0%}); {house - extra} seats by D'Hondt, "
            f"{threshold:.1%} threshold",
        ),
    )
