"""Several systems on the same votes: a tidy seats table and the indices of each system."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from hemicycle.data.outputs import csv_bytes
from hemicycle.errors import OptionError
from hemicycle.systems.base import Allocation, Votes
from hemicycle.systems.registry import SYSTEMS, parse_spec, run, spec_key

#: Header of ``hemicycle compare --output``: one row per (system, group).
SEATS_COLUMNS = ["system", "unit", "group", "seats"]
INDEX_COLUMNS = [
    "system",
    "unit",
    "house_size",
    "largest",
    "largest_seats",
    "majority",
    "gallagher",
    "loosemore_hanby",
    "enp_votes",
    "enp_seats",
]


@dataclass(frozen=True, eq=False)
class Comparison:
    """The same votes under several systems: one :class:`~hemicycle.systems.base.Allocation`
    per system, in the order asked (``cmp["dhondt"]``), as tables (:meth:`to_frame`,
    :meth:`indices_frame`) or CSV (:meth:`to_csv_bytes`)."""

    year: int
    unit: str
    allocations: tuple[Allocation, ...]
    #: systems asked for (``all``) that cannot run here, each with the reason
    skipped: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:  # a notebook shows this, not every allocation's arrays
        largest = ", ".join(f"{a.system}: {a.largest[0]} {a.largest[1]}" for a in self.allocations)
        return f"Comparison(year={self.year}, unit={self.unit!r}, largest=[{largest}])"

    def __getitem__(self, system: str) -> Allocation:
        for a in self.allocations:
            if a.system == system:
                return a
        raise OptionError(
            f"no system {system!r} in this comparison; have: "
            f"{', '.join(a.system for a in self.allocations)}"
        )

    def to_frame(self) -> pd.DataFrame:
        """Columns :data:`SEATS_COLUMNS`; groups with seats, largest first, in system order."""
        rows = [
            (a.system, a.unit, g, s)
            for a in self.allocations
            for g, s in zip(a.groups, a.seats, strict=True)
            if s
        ]
        return pd.DataFrame(rows, columns=SEATS_COLUMNS)

    def indices_frame(self) -> pd.DataFrame:
        """Columns :data:`INDEX_COLUMNS`: one row per system."""
        rows = []
        for a in self.allocations:
            g, s = a.largest
            rows.append(
                {
                    "system": a.system,
                    "unit": a.unit,
                    "house_size": a.house_size,
                    "largest": g,
                    "largest_seats": s,
                    "majority": s >= a.majority,
                    **a.indices(),
                }
            )
        return pd.DataFrame(rows, columns=INDEX_COLUMNS)

    def to_csv_bytes(self) -> bytes:
        return csv_bytes(self.to_frame())  # group names may come from a user's file

    def indices_csv_bytes(self) -> bytes:
        """:meth:`indices_frame` as UTF-8 CSV: LF line endings, six decimals, ``majority`` as
        ``true``/``false`` like the coalitions table."""
        idx = self.indices_frame()
        idx["majority"] = idx["majority"].map({True: "true", False: "false"})
        return csv_bytes(idx, float_format="%.6f")


def canonical(spec: str) -> str:
    """The exact identity of a system spec, whatever its spelling (``registry.spec_key``):
    ``dhondt:threshold=5%`` and ``dhondt`` are one system, ``dhondt:threshold=0.03902698`` and
    ``dhondt:threshold=0.03902699`` two. The key of caches and of de-duplication; the name an
    allocation is reported under is its ``registry.label``."""
    return spec_key(*parse_spec(spec))


def _given(specs: Iterable[str] | str | None) -> list[str] | None:
    """The specs as named (a comma-separated string or a list), stripped; ``None`` for none."""
    if specs is None:
        return None
    items = specs.split(",") if isinstance(specs, str) else specs
    return [s.strip() for s in items if s.strip()]


def expand(specs: Iterable[str] | str | None) -> list[str]:
    """``None``/``"all"`` → every registered system; a comma-separated string or a list
    otherwise. A system named twice (same system, same options: ``actual,actual``, ``all,actual``,
    ``dhondt,dhondt:threshold=0.05``) is kept once, where it first appears; an unknown name or
    option raises :class:`~hemicycle.errors.OptionError`."""
    given = _given(specs)
    if given is None:
        return list(SYSTEMS)
    out: list[str] = []
    for s in given:
        out.extend(SYSTEMS if s == "all" else [s])
    if not out:
        raise OptionError(f"no system given; allowed: all, {', '.join(SYSTEMS)}")
    first: dict[str, str] = {}
    for spec in out:
        first.setdefault(canonical(spec), spec)
    return list(first.values())


def compare(votes: Votes, specs: Sequence[str] | str | None = None) -> Comparison:
    """Run every system of ``specs`` (see :func:`expand`) on ``votes``.

    The projected Assembly, when it cannot run here (no training election), is left out of
    ``all`` (or of no specs) and listed in :attr:`Comparison.skipped`; named alone, it raises.
    """
    named = {canonical(s) for s in _given(specs) or () if s != "all"}
    out = []
    skipped = []
    for spec in expand(specs):
        try:
            out.append(run(spec, votes))
        except OptionError as exc:
            if spec == "projected" and spec not in named and votes.projection is None:
                skipped.append((spec, str(exc)))
                continue
            raise
    return Comparison(
        year=votes.election.year,
        unit=votes.unit.name,
        allocations=tuple(out),
        skipped=tuple(skipped),
    )
