"""The façade that the CLI, notebooks and (later) the web app call.

Every function opens the store, makes sure the year is ingested (reading the local mirror or
downloading the pinned official files on first use) and returns plain values.
"""

from __future__ import annotations

from pathlib import Path

from hemicycle import election as _election
from hemicycle.analysis.replay import Replay, replay
from hemicycle.data import sources
from hemicycle.data.store import IngestReport, Store

__all__ = ["fetch", "ingest", "load", "open_store", "replay_year"]


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
