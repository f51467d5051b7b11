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
Each function opens a :class:`~hemicycle.session.Session` (``hemicycle.Session``: one store, one
ingest policy) for the call; several questions on one store are cheaper on one session::

    with hc.Session() as s:
        s.replay(2024).seats_by_bloc(); s.project(2024)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hemicycle._version import __version__
from hemicycle.options import COMPARE_SEED, COMPARE_SIMS, DEFAULT_SIMS, N_BOOT

if TYPE_CHECKING:  # pragma: no cover - typing only; importing hemicycle stays light
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path
    from typing import TypeVar

    import pandas as pd
    from geopandas import GeoDataFrame

    from hemicycle.analysis.claims import ClaimsFile, Verdict
    from hemicycle.data.store import Store
    from hemicycle.govern import Govern
    from hemicycle.options import TrainSpec
    from hemicycle.presidential import Presidential
    from hemicycle.replays import Replay
    from hemicycle.session import Session
    from hemicycle.sim.evaluate import Evaluation
    from hemicycle.sim.project import Projection
    from hemicycle.sim.transfers import PooledTransfers
    from hemicycle.systems import Comparison

    T = TypeVar("T")


def _session(store: Store | str | Path | None) -> Session:
    """A session on the caller's store as is, or on the store at a path (default: the user's),
    opened for reading (read-write only while an ingest writes) and closed afterwards."""
    from hemicycle.session import Session

    return Session(store, ingest="auto")


def _year(year: int) -> int:
    """``year`` as a plain ``int``, checked once for every call of the façade
    (:func:`hemicycle.data.sources.check_year`)."""
    from hemicycle.data.sources import check_year

    return check_year(year)


#: Quirks shown one by one when a call ingests a year; beyond, one warning says how many more.
QUIRKS_SHOWN = 3


def _call(store: Store | str | Path | None, fn: Callable[[Session], T]) -> T:
    """``fn(session)``, with the data quirks an ingest finds (2012's files have 157) summarised: the
    first :data:`QUIRKS_SHOWN` of each year as they are, then one
    :class:`~hemicycle.data.store.DataQuirkWarning` that counts the rest and says where they all
    are, so that a notebook cell is not buried under them. Other warnings pass unchanged."""
    import warnings

    from hemicycle.data.store import DataQuirkWarning

    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with _session(store) as s:
                return fn(s)
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


def replay(year: int, *, store: Store | str | Path | None = None) -> Replay:
    """The law on ``year``'s official files, decision by decision, compared with the outcome."""
    y = _year(year)
    return _call(store, lambda s: s.replay(y))


def results(year: int, *, store: Store | str | Path | None = None) -> pd.DataFrame:
    """The tidy results of ``year``: one row per candidate and round (names, nuance, bloc, votes,
    shares of the votes cast and of the registered, the law's status, the constituency's label
    and department)."""
    y = _year(year)
    return _call(store, lambda s: s.results(y))


def contours(year: int, *, store: Store | str | Path | None = None) -> GeoDataFrame:
    """The official contours of ``year``'s constituencies as a GeoDataFrame (2012 on; the extra
    ``hemicycle[geo]``)."""
    y = _year(year)
    return _call(store, lambda s: s.contours(y))


def presidential(year: int, *, store: Store | str | Path | None = None) -> Presidential:
    """The presidential election of ``year`` by legislative constituency: ``.assembly()`` is the
    Assembly its round 2 would give as a legislative election, ``.leaders()`` who led where."""
    y = int(year)
    return _call(store, lambda s: s.presidential(y))


def project(
    year: int,
    train: TrainSpec | int | str | Sequence[int] = "all",
    *,
    store: Store | str | Path | None = None,
    sims: int = DEFAULT_SIMS,
    seed: int | None = None,
    withdrawals: str | None = None,
    lineup: str | Path | None = None,
    overrides: Sequence[str] = (),
    estimator: str = "regression",
    backend: str | None = None,
    progress: bool = False,
    n_boot: int = N_BOOT,
) -> Projection:
    """Round 2 of ``year`` simulated from its round 1, with transfers learnt from earlier elections
    (``train``: ``"all"``, a year or years). ``sims`` simulated elections from ``seed`` (``None``:
    fresh entropy); ``withdrawals``: ``"data"`` (the official lineup; default when round 2 is
    known), ``"none"`` or ``"front-republicain[:BLOCS/AGAINST]"``; ``lineup``: a CSV
    ``constituency,panel``; ``overrides``: what-ifs such as ``"left:centre=0.5"``; ``estimator``:
    ``regression`` or ``ei``; ``backend``: ``numba`` or ``reference``; ``n_boot``: bootstrap
    replicates of each training election's fit."""
    from hemicycle.options import ProjectionOptions

    y = _year(year)
    o = ProjectionOptions(
        sims=sims,
        seed=seed,
        withdrawals=withdrawals,
        lineup=lineup,
        overrides=tuple(overrides),
        estimator=estimator,
        backend=backend,
        progress=progress,
        n_boot=n_boot,
    )
    return _call(store, lambda s: s.project(y, train, o))


def evaluate(
    year: int,
    train: TrainSpec | int | str | Sequence[int] = "all",
    *,
    store: Store | str | Path | None = None,
    sims: int = DEFAULT_SIMS,
    seed: int | None = 1,
    estimator: str = "regression",
    backend: str | None = None,
    progress: bool = False,
    n_boot: int = N_BOOT,
) -> Evaluation:
    """The projection of ``year`` (official lineup) scored against its official round 2; ``seed``
    1 by default, as ``hemicycle evaluate`` and :func:`backtest`, so that a score is reproducible
    (``None`` draws afresh)."""
    from hemicycle.options import ProjectionOptions

    y = _year(year)
    o = ProjectionOptions(
        sims=sims, seed=seed, estimator=estimator, backend=backend, progress=progress, n_boot=n_boot
    )
    return _call(store, lambda s: s.evaluate(y, train, o))


def backtest(
    targets: str | Sequence[int] = "all",
    *,
    store: Store | str | Path | None = None,
    sims: int = DEFAULT_SIMS,
    seed: int = 1,
) -> pd.DataFrame:
    """Every target projected from the earlier elections only, and scored (one row per target);
    nested: each target's priors are chosen on the other targets (:meth:`Session.backtest`)."""
    return _call(store, lambda s: s.backtest(targets, sims=sims, seed=seed))


def transfers(
    train: TrainSpec | int | str | Sequence[int] = "all", *, store: Store | str | Path | None = None
) -> PooledTransfers:
    """The vote transfers learnt from ``train``, pooled over its elections, with their spread."""

    def run(s: Session) -> PooledTransfers:
        s.ingest_earlier(None)
        return s.transfers(train)

    return _call(store, run)


def compare(
    year: int,
    systems: Sequence[str] | str | None = None,
    *,
    unit: str | Mapping[str, str] = "nuance",
    store: Store | str | Path | None = None,
    train: TrainSpec | int | str | Sequence[int] | None = "auto",
    sims: int = COMPARE_SIMS,
    seed: int = COMPARE_SEED,
) -> Comparison:
    """The same round-1 votes of ``year`` under other electoral systems (a ``Comparison``;
    ``train``: as :func:`project`, ``None`` for no projected runoffs)."""
    y = _year(year)
    return _call(
        store, lambda s: s.compare(y, systems, unit=unit, train=train, sims=sims, seed=seed)
    )


def coalitions(
    year: int,
    system: str = "actual",
    *,
    unit: str | Mapping[str, str] = "bloc",
    store: Store | str | Path | None = None,
    train: TrainSpec | int | str | Sequence[int] | None = "auto",
    sims: int = COMPARE_SIMS,
    seed: int = COMPARE_SEED,
) -> Govern:
    """Who can govern the Assembly that ``system`` gives ``year`` (a ``Govern``)."""
    y = _year(year)
    return _call(
        store, lambda s: s.coalitions(y, system, unit=unit, train=train, sims=sims, seed=seed)
    )


def claims(
    path: str | Path, *, store: Store | str | Path | None = None
) -> tuple[ClaimsFile, list[Verdict]]:
    """The claims of a TOML file checked against the data: ``(ClaimsFile, [Verdict, …])``."""
    return _call(store, lambda s: s.claims(path))


__all__ = [
    "Session",
    "__version__",
    "backtest",
    "claims",
    "coalitions",
    "compare",
    "contours",
    "evaluate",
    "project",
    "presidential",
    "replay",
    "results",
    "transfers",
]


def _register_notebook() -> None:
    """Inside IPython or Jupyter, show replays, projections, comparisons and coalitions as HTML
    summaries (:mod:`hemicycle.notebook`); elsewhere, nothing."""
    import sys

    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    if shell is not None and hasattr(shell, "display_formatter"):
        from hemicycle import notebook

        notebook.register(shell)


_register_notebook()


def __dir__() -> list[str]:
    """The façade only (not the submodules importing it loads, nor its typing names)."""
    return sorted(__all__)


def __getattr__(name: str) -> object:
    """``hemicycle.Session`` without importing the engine when ``hemicycle`` is imported."""
    if name == "Session":
        from hemicycle.session import Session

        return Session
    raise AttributeError(f"module 'hemicycle' has no attribute {name!r}")
