"""The values every seat rule shares: party units, the votes of an election, and an allocation.

A seat rule takes :class:`Votes` (an :class:`~hemicycle.election.Election`, the party unit its
candidates are counted in, and optionally a projector for the round-2 votes that never happened)
and returns an :class:`Allocation` (seats by group). Nothing here reads a file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from hemicycle import rules
from hemicycle.data.blocs import BLOCS, blocs_of, table
from hemicycle.election import Election, printed_nuance
from hemicycle.errors import OptionError
from hemicycle.replays import Replay, replay
from hemicycle.sim.project import Projection
from hemicycle.systems.indices import effective_number, gallagher, loosemore_hanby

#: Built-in party units; a user-defined alliance (:class:`Unit` with a mapping) is the third kind.
UNITS: tuple[str, ...] = ("nuance", "bloc")


@dataclass(frozen=True)
class Unit:
    """How candidates are counted: by ``nuance``, by ``bloc``, or by a named alliance.

    An alliance maps nuances (upper-case codes such as ``UG``) or whole blocs (``far_right``) to a
    group name; a nuance's own entry wins over its bloc's, and anything unmapped keeps its nuance.

    >>> press = Unit("press", {"far_right": "RN and allies", "UG": "NFP"})
    >>> press.labels(2024, ["RN", "UXD", "UG", "ENS"])
    ['RN and allies', 'RN and allies', 'NFP', 'ENS']
    >>> Unit("bloc").labels(2024, ["RN", "UG"])
    ['far_right', 'left']
    """

    name: str
    mapping: Mapping[str, str] | None = field(default=None, hash=False, compare=False)

    def __post_init__(self) -> None:
        if self.mapping is None and self.name not in UNITS:
            raise OptionError(
                f"unknown unit {self.name!r}; allowed: {', '.join(UNITS)} "
                f"or an alliance (a mapping from nuances or blocs to groups)"
            )

    def labels(self, year: int, nuances: list[str] | np.ndarray) -> list[str]:
        """The group of each nuance ('' stays '')."""
        nu = [str(n) for n in nuances]
        if self.name == "nuance" and self.mapping is None:
            return nu
        blocs = blocs_of(year, nu)
        if self.mapping is None:
            return blocs
        m = self.mapping
        return [m.get(n, m.get(b, n)) if n else "" for n, b in zip(nu, blocs, strict=True)]

    def order(self, year: int, groups: list[str]) -> list[str]:
        """``groups`` from left to right: by the bloc most of a group's nuances belong to (ties:
        the leftmost), then, within a bloc, in the row order of ``blocs.csv`` (each year's
        nuances left to right: 2024 … LR, DVD, RN, UXD, REC, DSV, EXD), then by name; used for the
        connected-coalition analysis and for charts."""
        if self.name == "bloc" and self.mapping is None:
            return [b for b in BLOCS if b in groups] + sorted(g for g in groups if g not in BLOCS)
        nuances = [n for (y, n) in table() if y == year]
        count = Counter(zip(self.labels(year, nuances), blocs_of(year, nuances), strict=True))

        rank = {n: i for i, n in enumerate(nuances)}

        def pos(g: str) -> tuple[int, int, str]:
            mine = {b: k for (group, b), k in count.items() if group == g}
            if not mine:
                return (len(BLOCS), len(rank), g)
            return (
                BLOCS.index(max(mine, key=lambda b: (mine[b], -BLOCS.index(b)))),
                rank.get(g, len(rank)),
                g,
            )

        return sorted(groups, key=pos)


@dataclass(frozen=True, eq=False)
class Votes:
    """The votes of one election, counted in one unit: the input of every seat rule.

    ``projection``, when given, simulates round 2 for a lineup (C, K bool) with transfers learnt
    from an earlier election (:func:`hemicycle.sim.project.project_arrays`); ``projection_note``
    says how, in a sentence. The two-round variants use it for the round-2 votes that were never
    cast.
    """

    election: Election
    unit: Unit
    projection: Callable[[np.ndarray], Projection] | None = None
    projection_note: str = ""

    def _labels(self, nuance: np.ndarray) -> np.ndarray:
        flat = self.unit.labels(self.election.year, nuance.ravel().tolist())
        return np.asarray(flat, dtype=object).reshape(nuance.shape)

    @cached_property
    def round1_labels(self) -> np.ndarray:
        """(C, K) group of every round-1 candidate ('' for padding)."""
        return self._labels(self.election.round1.nuance)

    @cached_property
    def printed_labels(self) -> np.ndarray:
        """(C, K) group of the nuance printed in round 2 where the candidate stood there, else in
        round 1 (:func:`hemicycle.election.printed_nuance`): whom a seat is counted for."""
        return self._labels(printed_nuance(self.election))

    @cached_property
    def replay(self) -> Replay:
        """The law on the official votes (round-1 statuses, withdrawals, round-2 winners)."""
        return replay(self.election)

    @cached_property
    def national(self) -> dict[str, int]:
        """Round-1 votes by group, nationally (largest first)."""
        return self.by_area(np.zeros(self.election.n_constituencies, np.int64))[0]

    def by_area(self, area: np.ndarray) -> list[dict[str, int]]:
        """Round-1 votes by group in each area (``area`` is a (C,) integer code 0..A-1)."""
        r1 = self.election.round1
        lab = self.round1_labels
        out: list[dict[str, int]] = [{} for _ in range(int(area.max()) + 1)]
        rows, cols = np.nonzero(r1.valid)
        for a, g, v in zip(
            area[rows].tolist(),
            lab[rows, cols].tolist(),
            r1.votes[rows, cols].tolist(),
            strict=True,
        ):
            out[a][g] = out[a].get(g, 0) + int(v)
        return [dict(sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))) for d in out]

    @property
    def status1(self) -> np.ndarray:
        return self.replay.status1

    @cached_property
    def decided_round1(self) -> np.ndarray:
        """(C,) column of the round-1 winner, -1 where the constituency goes to a runoff."""
        return rules.round1_winner_index(self.status1)


@dataclass(frozen=True, eq=False)
class Allocation:
    """Seats by group under one system, with the national round-1 votes of the same groups.

    ``groups`` are ordered by seats then votes (descending); ``house_size`` is the number of seats
    of that Assembly (the election's :attr:`~hemicycle.election.Election.house_size`: 577 today,
    465 in 1958; or more for a mixed system that adds list seats); ``notes`` say what was
    assumed (e.g. that round-2 votes were projected).
    """

    system: str
    unit: str
    groups: tuple[str, ...]
    seats: tuple[int, ...]
    votes: tuple[int, ...]
    house_size: int
    notes: tuple[str, ...] = ()
    winners: np.ndarray | None = (
        None  # (C,) group of each constituency winner, where the rule has one
    )

    def __post_init__(self) -> None:
        if sum(self.seats) != self.house_size:
            raise AssertionError(
                f"{self.system}: {sum(self.seats)} seats for a house of {self.house_size}"
            )

    @classmethod
    def build(
        cls,
        system: str,
        unit: str,
        seats: Mapping[str, int],
        votes: Mapping[str, int],
        *,
        house_size: int,
        notes: tuple[str, ...] = (),
        winners: np.ndarray | None = None,
    ) -> Allocation:
        groups = sorted(
            set(votes) | {g for g, s in seats.items() if s},
            key=lambda g: (-seats.get(g, 0), -votes.get(g, 0), g),
        )
        return cls(
            system=system,
            unit=unit,
            groups=tuple(groups),
            seats=tuple(int(seats.get(g, 0)) for g in groups),
            votes=tuple(int(votes.get(g, 0)) for g in groups),
            house_size=int(house_size),
            notes=notes,
            winners=winners,
        )

    def as_dict(self, *, nonzero: bool = True) -> dict[str, int]:
        return {g: s for g, s in zip(self.groups, self.seats, strict=True) if s or not nonzero}

    @property
    def majority(self) -> int:
        """Seats for an absolute majority of this house (289 of 577, 233 of 465)."""
        return rules.house_majority(self.house_size)

    @property
    def largest(self) -> tuple[str, int]:
        return self.groups[0], self.seats[0]

    def indices(self) -> dict[str, float]:
        """Disproportionality and fragmentation: Gallagher (points), Loosemore–Hanby (points),
        effective number of parties by votes and by seats."""
        v = np.asarray(self.votes, np.int64)
        s = np.asarray(self.seats, np.int64)
        return {
            "gallagher": gallagher(v, s),
            "loosemore_hanby": loosemore_hanby(v, s),
            "enp_votes": effective_number(v),
            "enp_seats": effective_number(s),
        }
