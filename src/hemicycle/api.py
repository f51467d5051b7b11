"""The façade that the CLI, notebooks and (later) the web app call.

Every function opens the store, makes sure the year is ingested (reading the local mirror or
downloading the pinned official files on first use) and returns plain values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from hemicycle import election as _election
from hemicycle.data import sources
from hemicycle.data.blocs import unknown_alliance_key
from hemicycle.data.store import IngestReport, Store
from hemicycle.data.two_columns import read_two_columns
from hemicycle.errors import DataFileError, OptionError
from hemicycle.replays import Replay, replay

__all__ = [
    "claims",
    "coalitions",
    "coalitions_of",
    "compare",
    "read_assembly",
    "fetch",
    "ingest",
    "load",
    "open_store",
    "replay_year",
    "training_year",
    "unit",
    "votes",
]


def open_store(path: str | Path | None = None) -> Store:
    return Store(path)


def fetch(year: int, *, progress: bool = True) -> list[Path]:
    """Download (or find in the mirror/cache) every official file of ``year``."""
    return sources.fetch_year(year, progress=progress)


def ingest(year: int, *, store: Store, force: bool = False) -> IngestReport | None:
    """Load ``year`` into the store (``None`` when it was already current and not forced)."""
    return store.ingest(year) if force else store.ensure(year)


def load(year: int, *, store: Store) -> _election.Election:
    store.ensure(year)
    return _election.load(store, year)


def replay_year(year: int, *, store: Store) -> Replay:
    """Run the law on ``year`` and compare with the official outcome."""
    return replay(load(year, store=store))


# --------------------------------------------------------------------------- other systems

#: Simulations behind the two-round variants and the projected Assembly (fixed seed: same bytes).
COMPARE_SIMS = 2_000
COMPARE_SEED = 0


def unit(spec: str | Mapping[str, str], *, name: str | None = None):  # -> systems.Unit
    """A party unit: ``"nuance"``, ``"bloc"``, a mapping (nuance or bloc → group), or the path of a
    CSV file with header ``key,group`` (keys are nuances such as ``UG`` or blocs such as
    ``far_right``; unmapped nuances keep their own name)."""
    from hemicycle.systems import UNITS, Unit

    if isinstance(spec, Mapping):
        for key in spec:  # a typo would silently leave its nuance alone
            why = unknown_alliance_key(str(key))
            if why is not None:
                raise OptionError(f"alliance mapping: {why}")
        return Unit(name or "alliance", dict(spec))
    if spec in UNITS:
        return Unit(spec)
    path = Path(spec)
    if not path.suffix == ".csv":
        raise OptionError(
            f"unknown unit {spec!r}; allowed: {', '.join(UNITS)} or an alliance file "
            f"FILE.csv with header key,group"
        )
    bad = "expected two non-empty fields: key,group"
    mapping = {}
    rows = read_two_columns(path, ("key", "group"), what="alliance file", bad_row=bad)
    first: dict[str, int] = {}
    for n, key, group in rows:
        if not key or not group:
            raise DataFileError(bad, file=str(path), line=n)
        if key in first:
            raise DataFileError(
                f"key {key!r} appears twice (first on line {first[key]})",
                file=str(path),
                line=n,
                column="key",
            )
        why = unknown_alliance_key(key)
        if why is not None:
            raise DataFileError(why, file=str(path), line=n, column="key")
        first[key] = n
        mapping[key] = group
    return Unit(name or path.stem, mapping)


def ingest_earlier(
    store: Store,
    before: int | None = None,
    *,
    only_missing: bool = False,
    on_missing: Callable[[int, Exception], None] | None = None,
) -> None:
    """Ingest every election hemicycle knows before ``before`` (every one: ``None``) whose files
    can be had — only those the store lacks with ``only_missing``, else any whose files changed —
    and tell ``on_missing(year, error)`` of those that cannot be had."""
    from hemicycle.data.files import YEARS
    from hemicycle.errors import DataNotAvailableError

    for y in YEARS:
        if (before is None or y < before) and not (only_missing and y in store.years()):
            try:
                store.ensure(y)
            except DataNotAvailableError as exc:
                if on_missing is not None:
                    on_missing(y, exc)


def training_year(year: int, *, store: Store) -> tuple[int, ...] | None:
    """Every election before ``year`` with both rounds (``None`` if none): the default training
    set. Earlier elections that hemicycle knows are ingested first when their files can be had."""
    ingest_earlier(store, year, only_missing=True)
    earlier = tuple(sorted(y for y in store.years() if y < year and 2 in store.rounds(y)))
    return earlier or None


def votes(
    year: int,
    *,
    store: Store,
    unit_: object = "nuance",
    train: object = "auto",
    sims: int = COMPARE_SIMS,
    seed: int = COMPARE_SEED,
    lock: AbstractContextManager[Any] | None = None,
):  # -> systems.Votes
    """The votes of ``year`` in a unit, ready for any seat rule, with a lazy projector that learns
    transfers from ``train`` (``"auto"`` or ``"all"``: :func:`training_year`, every earlier
    election with both rounds; a year or years, earlier than ``year``; ``None``: no projection).
    The projector runs inside ``lock`` when one is given (a server's one-Monte-Carlo-at-a-time
    lock): only the seat rules that simulate runoffs never held take it."""
    from hemicycle.sim import api as sim
    from hemicycle.sim.project import project_arrays
    from hemicycle.systems import Unit, Votes

    e = load(year, store=store)
    u = unit_ if isinstance(unit_, Unit) else unit(unit_)  # type: ignore[arg-type]
    if train in ("auto", "all"):
        train = training_year(year, store=store)
    if train is None:
        return Votes(e, u)
    if isinstance(train, int):
        store.ensure(train)
    years = sim.training_years(year, train, store)  # type: ignore[arg-type]
    memo: dict[bytes, object] = {}

    def projection(standing: np.ndarray):  # noqa: ANN202
        key = standing.tobytes()
        if key not in memo:
            with lock if lock is not None else nullcontext():
                model, noise = sim.pooled(years, store, target=e)
                memo[key] = project_arrays(
                    model,
                    e,
                    standing,
                    noise,
                    sims=sims,
                    rng=np.random.default_rng(np.random.SeedSequence(seed)),
                )
        return memo[key]

    note = (
        f"projected from round 1 with transfers learnt from {', '.join(map(str, years))} "
        f"({sims:,} simulations, seed {seed})"
    )
    return Votes(e, u, projection=projection, projection_note=note)


def project(
    year: int, train: object = "all", *, store: Store, **options: object
):  # -> sim.Projection
    """The projection of round 2 of ``year`` from its round 1, transfers learnt from ``train``
    (:func:`hemicycle.sim.api.project`, with its keyword ``options``: ``sims``, ``seed`` …)."""
    from hemicycle.sim import api as sim

    return sim.project(year, train, store, **options)  # type: ignore[arg-type]


def compare(
    year: int,
    *,
    store: Store,
    systems: Sequence[str] | str | None = None,
    unit: object = "nuance",
    train: object = "auto",
    sims: int = COMPARE_SIMS,
    seed: int = COMPARE_SEED,
    lock: AbstractContextManager[Any] | None = None,
):  # -> systems.Comparison
    """The same round-1 votes of ``year`` under several systems (default: every registered one;
    the projected Assembly is left out when no earlier election can train it). ``lock``: as in
    :func:`votes`."""
    from hemicycle import systems as _systems

    v = votes(year, store=store, unit_=unit, train=train, sims=sims, seed=seed, lock=lock)
    return _systems.compare(v, systems)


def coalitions(
    year: int,
    *,
    store: Store,
    system: str = "actual",
    unit: object = "bloc",
    train: object = "auto",
    sims: int = COMPARE_SIMS,
    seed: int = COMPARE_SEED,
    lock: AbstractContextManager[Any] | None = None,
):
    """Who can govern the Assembly that ``system`` gives ``year``: a
    :class:`hemicycle.govern.Govern` (groups ordered left to right as
    :meth:`hemicycle.systems.Unit.order` documents), whose ``notes`` are the allocation's (e.g.
    that the seats of a year whose round 2 is not in the store are projected). ``lock``: as in
    :func:`votes`."""
    from hemicycle import govern
    from hemicycle import systems as _systems

    v = votes(year, store=store, unit_=unit, train=train, sims=sims, seed=seed, lock=lock)
    alloc = _systems.run(system, v)
    seats = alloc.as_dict()
    g = govern.analyse(seats, order=v.unit.order(year, list(seats)), house=alloc.house_size)
    return dataclasses.replace(g, notes=tuple(alloc.notes))


def read_assembly(path: str | Path) -> dict[str, int]:
    """An Assembly from a CSV ``group,seats`` whose rows run from left to right."""
    p = Path(path)
    bad = "expected two fields: group,seats"
    out: dict[str, int] = {}
    rows = read_two_columns(p, ("group", "seats"), what="the Assembly file", bad_row=bad)
    for n, group, seats in rows:
        if not group:
            raise DataFileError(bad, file=str(p), line=n)
        if group in out:
            raise DataFileError(
                f"group {group!r} appears twice", file=str(p), line=n, column="group"
            )
        try:
            out[group] = int(seats)
        except ValueError:
            raise DataFileError(
                f"seats {seats!r} is not an integer", file=str(p), line=n, column="seats"
            ) from None
        if out[group] < 0:
            raise DataFileError("seats must be >= 0", file=str(p), line=n, column="seats")
    return out


def coalitions_of(
    seats: Mapping[str, int], *, order: Sequence[str] | None = None
):  # -> govern.Govern
    """Who can govern an Assembly given directly (groups in left-to-right order unless
    ``order``)."""
    from hemicycle import govern

    return govern.analyse(
        dict(seats), order=list(order) if order is not None else [g for g, s in seats.items() if s]
    )


def claims(path: str | Path, *, store: Store):  # -> (ClaimsFile, list[Verdict])
    """Check the claims of a TOML file (:mod:`hemicycle.analysis.claims`) against the data."""
    from hemicycle import systems as _systems
    from hemicycle.analysis import claims as _claims

    cf = _claims.read(path)
    cache: dict[tuple[int, str], object] = {}

    def values(c: _claims.Claim) -> tuple[dict[str, int], int, tuple[str, ...]]:
        key = (c.year, c.unit)
        if key not in cache:
            spec = _claims.unit_spec(cf, c)
            cache[key] = votes(c.year, store=store, unit_=unit(spec, name=c.unit))
        v = cache[key]
        if c.measure == "votes":
            d = dict(v.national)  # type: ignore[attr-defined]
            return d, sum(d.values()), ()
        alloc = _systems.run("plurality" if c.measure == "led" else c.system, v)  # type: ignore[arg-type]
        return alloc.as_dict(nonzero=False), alloc.house_size, alloc.notes

    return cf, _claims.evaluate(cf, values)
