"""hemicycle: French legislative elections, computable.

The whole API for a notebook is here, one call per question; every function takes ``store`` (a
:class:`~hemicycle.data.store.Store`, a path, or None for the default store), ingests the years it
needs from the local mirror (``HEMICYCLE_DATA``) or the pinned official files, and returns plain
values::

    import hemicycle as hc
    rep = hc.replay(2024)                     # the law on the official files, checked
    proj = hc.project(2024, sims=20_000, seed=1)  # round 2 from round 1, transfers from 1997–2017
    table = hc.backtest()                     # every target from earlier elections only, scored

Years and rounds that are not available raise :class:`~hemicycle.errors.YearNotAvailableError` and
:class:`~hemicycle.errors.MissingRoundError` (both :class:`~hemicycle.errors.HemicycleError`).
The modules behind it: :mod:`hemicycle.api` (data, systems, coalitions, claims) and
:mod:`hemicycle.sim.api` (transfers, projection, evaluation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # pragma: no cover - typing only; importing hemicycle stays light
    import pandas as pd

    from hemicycle.data.store import Store
    from hemicycle.replays import Replay
    from hemicycle.sim.evaluate import Evaluation
    from hemicycle.sim.project import Projection
    from hemicycle.sim.transfers import PooledTransfers

__version__ = "0.1.0"

T = TypeVar("T")


@contextmanager
def _store(store: Any) -> Iterator[Store]:
    """The caller's store as is, or the store at a path (default: the user's), opened for reading
    (read-write only while an ingest writes) and closed afterwards."""
    from hemicycle.data.store import Store

    if isinstance(store, Store):
        yield store
        return
    st = Store.for_reading(store)
    try:
        yield st
    finally:
        st.close()


def _year(year: Any) -> int:
    """``year`` as a plain ``int``, checked once for every call of the façade
    (:func:`hemicycle.data.sources.check_year`)."""
    from hemicycle.data.sources import check_year

    return check_year(year)


#: Quirks shown one by one when a call ingests a year; beyond, one warning says how many more.
QUIRKS_SHOWN = 3


def _call(store: Any, fn: Callable[[Store], T]) -> T:
    """``fn(store)``, with the data quirks an ingest finds (2012's files have 157) summarised: the
    first :data:`QUIRKS_SHOWN` of each year as they are, then one
    :class:`~hemicycle.data.store.DataQuirkWarning` that counts the rest and says where they all
    are, so that a notebook cell is not buried under them. Other warnings pass unchanged."""
    import warnings

    from hemicycle.data.store import DataQuirkWarning

    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with _store(store) as st:
                return fn(st)
    finally:  # outside the recording: the warnings go where the caller's filters send them
        shown: dict[int | None, int] = {}
        for w in caught:
            if issubclass(w.category, DataQuirkWarning):
                year = getattr(w.message, "year", None)
                shown[year] = shown.get(year, 0) + 1
                if shown[year] > QUIRKS_SHOWN:
                    continue
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        for year, n in shown.items():
            if n > QUIRKS_SHOWN:
                warnings.warn(
                    DataQuirkWarning(
                        f"{year}: {n - QUIRKS_SHOWN} more quirks of the official files, kept as "
                        f"published; all {n}: `hemicycle data quirks {year}`, or "
                        f"SELECT * FROM quirks WHERE year = {year} in the store",
                        year,
                    ),
                    stacklevel=3,
                )


def replay(year: int, *, store: Any = None) -> Replay:
    """The law on ``year``'s official files, decision by decision, compared with the outcome."""
    from hemicycle import api

    y = _year(year)
    return _call(store, lambda st: api.replay_year(y, store=st))


def project(
    year: int, train: int | str | Sequence[int] = "all", *, store: Any = None, **options: Any
) -> Projection:
    """Round 2 of ``year`` simulated from its round 1, with transfers learnt from earlier elections
    (``train``: ``"all"``, a year or years); ``options`` as :func:`hemicycle.sim.api.project`
    (``sims``, ``seed``, ``withdrawals``, ``lineup``, ``overrides``…)."""
    from hemicycle import api
    from hemicycle.sim import api as sim

    y = _year(year)

    def run(st: Store) -> Projection:
        st.ensure(y)
        api.ingest_earlier(st, y)
        return sim.project(y, train, st, **options)

    return _call(store, run)


def evaluate(
    year: int,
    train: int | str | Sequence[int] = "all",
    *,
    store: Any = None,
    seed: int | None = 1,
    **options: Any,
) -> Evaluation:
    """The projection of ``year`` (official lineup) scored against its official round 2; ``seed``
    1 by default, as ``hemicycle evaluate`` and :func:`backtest`, so that a score is reproducible
    (``None`` draws afresh)."""
    from hemicycle import api
    from hemicycle.sim import api as sim

    y = _year(year)

    def run(st: Store) -> Evaluation:
        st.ensure(y)
        api.ingest_earlier(st, y)
        return sim.evaluate(y, train, st, seed=seed, **options)

    return _call(store, run)


def backtest(
    targets: str | Sequence[int] = "all", *, store: Any = None, sims: int = 20_000, seed: int = 1
) -> pd.DataFrame:
    """Every target projected from the earlier elections only, and scored (one row per target)."""
    from hemicycle import api
    from hemicycle.sim import backtest as bt

    def run(st: Store) -> pd.DataFrame:
        api.ingest_earlier(st, None)
        return bt.backtest(st, bt.targets(st, targets), sims=sims, seed=seed)

    return _call(store, run)


def transfers(train: int | str | Sequence[int] = "all", *, store: Any = None) -> PooledTransfers:
    """The vote transfers learnt from ``train``, pooled over its elections, with their spread."""
    from hemicycle import api
    from hemicycle.sim import api as sim

    def run(st: Store) -> PooledTransfers:
        api.ingest_earlier(st, None)
        return sim.transfers(train, st)

    return _call(store, run)


def compare(
    year: int,
    systems: Sequence[str] | str | None = None,
    *,
    unit: object = "nuance",
    store: Any = None,
    **options: Any,
) -> Any:
    """The same round-1 votes of ``year`` under other electoral systems (a ``Comparison``)."""
    from hemicycle import api

    y = _year(year)

    def run(st: Store) -> Any:
        st.ensure(y)
        return api.compare(y, store=st, systems=systems, unit=unit, **options)

    return _call(store, run)


def coalitions(
    year: int, system: str = "actual", *, unit: object = "bloc", store: Any = None, **options: Any
) -> Any:
    """Who can govern the Assembly that ``system`` gives ``year`` (a ``Govern``)."""
    from hemicycle import api

    y = _year(year)

    def run(st: Store) -> Any:
        st.ensure(y)
        return api.coalitions(y, store=st, system=system, unit=unit, **options)

    return _call(store, run)


def claims(path: str | Path, *, store: Any = None) -> Any:
    """The claims of a TOML file checked against the data: ``(ClaimsFile, [Verdict, …])``."""
    from hemicycle import api

    return _call(store, lambda st: api.claims(path, store=st))


__all__ = [
    "__version__",
    "backtest",
    "claims",
    "coalitions",
    "compare",
    "evaluate",
    "project",
    "replay",
    "transfers",
]
