"""The front door: a :class:`Session` owns the store, the ingest policy and the parsed options.

In the spirit of ``httpx.Client`` and its thin ``httpx.get`` wrappers: the CLI, the web service,
the report and the notebook functions of :mod:`hemicycle` all talk to a session, and only to it.

* **One store.** A session opens the store it is given (a :class:`~hemicycle.data.store.Store`,
  a path, or ``None`` for the user's default), read-only; a read-write connection is taken only
  while an ingest writes. ``with Session(...) as s:`` closes what it opened.
* **One ingest policy.** ``ingest="auto"`` (the CLI, notebooks): a year or a training election
  that the store lacks, or whose official files changed, is read in from the mirror or the pinned
  downloads. ``ingest="never"`` (a server): nothing is ever written; a year the store lacks is a
  :class:`~hemicycle.errors.DataNotAvailableError`.
* **One place that writes.** :meth:`Session.prepare` is the only code outside ``data/`` and
  ``sim/`` that ingests or fits; every read method calls it for what it needs and then only
  reads. :func:`fetch` and :meth:`Session.ingest` are the explicit writes of ``hemicycle data``.
* **Options parsed once.** ``train`` is a :class:`~hemicycle.options.TrainSpec`, a projection's
  settings a :class:`~hemicycle.options.ProjectionOptions` (text is parsed by them, at the edge).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from hemicycle.data import notes as _notes
from hemicycle.data import outputs as _outputs
from hemicycle.data import sources as _sources
from hemicycle.data.blocs import unknown_alliance_key
from hemicycle.data.files import (
    CONTOURS_YEAR,
    PRESIDENTIAL_YEARS,
    TRAINING_YEARS,
    YEARS,
    boundary_map,
)
from hemicycle.data.readers import credit, publisher
from hemicycle.data.store import ENV_STORE, DataQuirkWarning, IngestReport, Store, default_path
from hemicycle.data.two_columns import read_two_columns
from hemicycle.election import Election
from hemicycle.election import load as _load
from hemicycle.errors import DataFileError, DataNotAvailableError, HemicycleError, OptionError
from hemicycle.options import (
    COMPARE_SEED,
    COMPARE_SIMS,
    DEFAULT_SIMS,
    N_BOOT,
    ProjectionOptions,
    TrainSpec,
    check_seed,
    check_sims,
    history_target,
)
from hemicycle.replays import Replay, replay

if TYPE_CHECKING:  # pragma: no cover - typing only; importing the session stays light
    import pandas as pd
    from geopandas import GeoDataFrame

    from hemicycle.analysis.claims import ClaimsFile, Verdict
    from hemicycle.govern import Govern
    from hemicycle.presidential import Presidential
    from hemicycle.sim.evaluate import Evaluation
    from hemicycle.sim.extrapolation import Extrapolation
    from hemicycle.sim.project import Projection
    from hemicycle.sim.transfers import PooledTransfers
    from hemicycle.systems import Comparison, Unit, Votes

__all__ = [
    "COMPARE_SEED",
    "COMPARE_SIMS",
    "DEFAULT_SIMS",
    "ENV_STORE",
    "PRESIDENTIAL_YEARS",
    "TRAINING_YEARS",
    "YEARS",
    "DataQuirkWarning",
    "Ingest",
    "Progress",
    "ProjectionOptions",
    "Session",
    "TrainSpec",
    "backtest_csv",
    "boundary_map",
    "check_memory",
    "csv_bytes",
    "write_output",
    "coalitions_of",
    "credit",
    "default_store_path",
    "fetch",
    "late_withdrawals_of",
    "publisher",
    "read_assembly",
    "render_backtest",
    "render_night",
    "render_extrapolation",
    "unit",
]

#: ``"auto"``: ingest what a call needs (CLI, notebooks); ``"never"``: serve what is there.
Ingest = Literal["auto", "never"]
#: ``progress(stage, done, total)``: called while fitting transfers (the CLI draws a bar with it).
Progress = Callable[[str, int, int], None]
#: ``stale(session, year)``: told, under ``ingest="never"``, of each year a call reads (a server
#: logs once that the mirror has newer files than the store it serves).
Stale = Callable[["Session", int], None]

late_withdrawals_of = _notes.late_withdrawals_of


def fetch(year: int, *, progress: bool = True) -> list[Path]:
    """Download (or find in the mirror/cache) every official file of ``year``; no store is
    opened."""
    return _sources.fetch_year(year, progress=progress)


def csv_bytes(df: pd.DataFrame, *, float_format: str | None = "%.6f") -> bytes:
    """A projection's, a seat table's or a back-test's CSV with fixed formatting (6 decimals,
    LF): same data, same bytes. Text a spreadsheet would run as a formula (a name starting with
    ``=``, ``+``, ``-``, ``@``) gets a leading ``'`` (:mod:`hemicycle.data.outputs`)."""
    return _outputs.csv_bytes(df, float_format=float_format)


def write_output(path: str | Path, data: bytes | str) -> Path:
    """Write an output file atomically (:func:`hemicycle.data.outputs.write_atomic`): on any
    failure the previous file is left whole and no temporary file is left behind."""
    return _outputs.write_atomic(path, data)


def render_backtest(table: pd.DataFrame) -> str:
    """The back-test table as text (as ``hemicycle backtest`` prints it)."""
    from hemicycle.sim.backtest import render

    return render(table)


def render_extrapolation(ex: Extrapolation, n: int = 8) -> str:
    """Where a projection extrapolates, as text (as ``hemicycle project`` prints it)."""
    from hemicycle.sim.extrapolation import render

    return render(ex, n)


def backtest_csv(table: pd.DataFrame) -> bytes:
    """The back-test's CSV: the columns :data:`hemicycle.sim.backtest.COLUMNS`, one row per
    target and training set (``figure``: ``nested`` or ``tuned``; ``latest``: whether the latest
    earlier election trained it; ``priors``: the values of the chosen priors)."""
    from hemicycle.sim.backtest import COLUMNS

    return csv_bytes(table[COLUMNS])


def render_night(table: pd.DataFrame) -> str:
    """The night back-test as text: per target and stage, the summary over the orders."""
    from hemicycle.live.backtest import render

    return render(table)


def default_store_path() -> Path:
    """The store used when none is named (``HEMICYCLE_STORE``, else the user cache dir)."""
    return default_path()


def check_memory(sims: int) -> None:
    """Refuse, before any work, a simulation count that the memory available cannot hold (at most
    one runoff per constituency)."""
    from hemicycle.rules import SEATS
    from hemicycle.sim.montecarlo import check_memory as _check

    _check(check_sims(sims), SEATS)


class Session:
    """The store, the ingest policy and the fitting progress of a run of work (see the module).

    >>> with Session(ingest="never") as s:  # doctest: +SKIP
    ...     s.replay(2024).seats_by_bloc()
    """

    def __init__(
        self,
        store: Store | str | Path | None = None,
        *,
        ingest: Ingest = "auto",
        progress: Progress | None = None,
        stale: Stale | None = None,
    ) -> None:
        if ingest not in ("auto", "never"):
            raise OptionError(f"unknown ingest policy {ingest!r}; allowed: auto, never")
        self.ingest_policy: Ingest = ingest
        self.progress = progress
        self._stale = stale
        self._owned = not isinstance(store, Store)
        if isinstance(store, Store):
            self._store = store
        elif ingest == "never":
            self._store = Store(store, read_only=True)
        else:
            self._store = Store.for_reading(store)

    # ---------------------------------------------------------------- lifetime and the store

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the store if this session opened it."""
        if self._owned:
            self._store.close()

    def __repr__(self) -> str:
        return f"Session(store={str(self.path)!r}, ingest={self.ingest_policy!r})"

    @property
    def path(self) -> Path:
        return self._store.path

    @property
    def store(self) -> Store:
        """The store itself, for the engine's functions that take one (read it, never write)."""
        return self._store

    def years(self) -> list[int]:
        """The legislative elections in the store."""
        return self._store.years()

    def rounds(self, year: int) -> list[int]:
        return self._store.rounds(year)

    def training_candidates(self) -> list[int]:
        """The elections with both rounds in the store that a projection learns from by default
        (:data:`~hemicycle.data.files.TRAINING_YEARS`)."""
        return [y for y in self.years() if y in TRAINING_YEARS and 2 in self.rounds(y)]

    def is_current(self, year: int) -> bool:
        """Whether the store holds ``year`` from the official files as they are now."""
        return self._store.is_current(year)

    def sources(self) -> pd.DataFrame:
        """The official files the store was loaded from, one row per file."""
        return self._store.query(
            "SELECT year, round, role, file, bytes, sha256, ingested_at FROM sources ORDER BY ALL"
        )

    def quirks(self, year: int) -> pd.DataFrame:
        """The quirks of ``year``'s official files found at ingest."""
        self.prepare(year)
        return self._store.query(
            "SELECT round, file, constituency, kind, message FROM quirks WHERE year = ? "
            "ORDER BY round, constituency",
            [year],
        )

    def query(self, sql: str, params: list[object] | None = None) -> pd.DataFrame:
        """A read-only SQL query on the store (tables: README, *The store*)."""
        return self._store.query(sql, params)

    # ---------------------------------------------------------------- the only writes

    def ingest(self, year: int, *, force: bool = False) -> IngestReport | None:
        """Load ``year`` into the store (``None`` when it was already current and not forced)."""
        self._writable(year)
        return self._store.ingest(year) if force else self._store.ensure(year)

    def _writable(self, year: int) -> None:
        if self.ingest_policy == "never":
            raise DataNotAvailableError(
                f"this session does not ingest ({year}): it serves the store as it was loaded"
            )

    def _have(self, year: int) -> None:
        """``year`` in the store: ingested under ``auto``, checked (and told to ``stale``) under
        ``never``."""
        if self.ingest_policy == "auto":
            self._store.ensure(year)
            return
        if year not in self.years():
            raise DataNotAvailableError(
                f"{year} is not in the store this server loaded; restart "
                f"`hemicycle serve` to ingest it"
            )
        if self._stale is not None:
            self._stale(self, year)

    def _have_presidential(self, years: Sequence[int]) -> None:
        """Under ``auto``: the presidential elections the projection's fundamentals read for
        ``years`` (:func:`hemicycle.sim.fundamentals.presidential_year`) in the store, ingested
        where missing; one whose files cannot be had is left out (the projection then says the
        year is missing). Under ``never``: nothing."""
        if self.ingest_policy == "never":
            return
        from hemicycle.sim.fundamentals import presidential_year

        wanted = {p for p in map(presidential_year, years) if p is not None}
        for p in sorted(wanted - set(self._store.presidential_years())):
            try:
                self._store.ingest_presidential(p)
            except HemicycleError:  # missing or damaged: the projection names what it lacks
                continue

    def _have_every_presidential(
        self, on_missing: Callable[[int, Exception], None] | None = None
    ) -> None:
        """Under ``auto``: every presidential election of :data:`PRESIDENTIAL_YEARS` in the store,
        ingested where missing or where its files changed since (their sha256); one whose files
        cannot be had is left out silently (the server answers 404 for it), one whose files are
        damaged is told to ``on_missing`` (else an error), the store keeping what it held."""
        if self.ingest_policy == "never":
            return
        held = set(self._store.presidential_years())
        for p in PRESIDENTIAL_YEARS:
            if p in held and self._presidential_current(p):
                continue
            try:
                self._store.ingest_presidential(p)
            except DataNotAvailableError:
                continue
            except HemicycleError as exc:
                if on_missing is None:
                    raise
                on_missing(p, exc)

    def _presidential_current(self, year: int) -> bool:
        """Whether the store holds the presidential election of ``year`` from the files found now
        (by sha256; files gone: what the store holds is what there is)."""
        rows = self._store.query(
            "SELECT round, sha256 FROM presidential_sources WHERE year = ?", [year]
        )
        stored = {int(r): str(h) for r, h in zip(rows["round"], rows["sha256"], strict=True)}
        now: dict[int, str] = {}
        for round_ in (1, 2):
            hit = _sources.locate_presidential(year, round_, download=False)
            if hit is not None:
                now[round_] = _sources.sha256_of(hit[1])
        return not now or now == stored

    def presidential_years(self) -> list[int]:
        """The presidential elections in the store (by legislative constituency)."""
        return self._store.presidential_years()

    def ingest_earlier(
        self,
        before: int | None = None,
        *,
        only_missing: bool = False,
        training: bool = False,
        on_missing: Callable[[int, Exception], None] | None = None,
    ) -> None:
        """Under ``auto``: ingest every election hemicycle knows before ``before`` (every one:
        ``None``) whose files can be had — only those the store lacks with ``only_missing``, else
        any whose files changed; only the default training elections with ``training`` — and tell
        ``on_missing(year, error)`` of those that cannot be had (missing, or damaged: then the
        store keeps what it holds of that year, and the others are read all the same; without
        ``on_missing`` a damaged file is an error); with ``before=None``, also the presidential
        elections whose files can be had (:meth:`_have_every_presidential`). Under ``never``:
        nothing."""
        if self.ingest_policy == "never":
            return
        for y in TRAINING_YEARS if training else YEARS:
            if (before is None or y < before) and not (only_missing and y in self.years()):
                try:
                    self._store.ensure(y)
                except DataNotAvailableError as exc:
                    if on_missing is not None:
                        on_missing(y, exc)
                except HemicycleError as exc:  # a damaged file: one year, not the whole start
                    if on_missing is None:
                        raise
                    on_missing(y, exc)
        if before is None:  # every election: every presidential one too (the dashboard's)
            self._have_every_presidential(on_missing)

    def prepare(
        self,
        year: int | None = None,
        train: TrainSpec | str | int | Sequence[int] | None = None,
        *,
        estimator: str = "regression",
        fit: bool = True,
        n_boot: int = N_BOOT,
    ) -> tuple[int, ...] | None:
        """Make ``year`` and the training elections ``train`` names be there (the ingest policy
        decides how), and fit (or load from the cache) their transfers, reporting to
        :attr:`progress`. Returns the training years (``None`` without ``train``). The only place
        outside ``data/`` and ``sim/`` that ingests or fits."""
        if year is not None:
            self._have(year)
        if train is None:
            return None
        spec = TrainSpec.parse(train)
        if spec.is_all:
            self.ingest_earlier(year, training=not history_target(year))
        else:
            for y in spec.years or ():
                self._have(y)
        years = self.training_years(year, spec)
        self._have_presidential((*years, *(() if year is None else (year,))))
        if fit:
            from hemicycle.sim import pipeline

            pipeline.pooled(
                years, self._store, n_boot=n_boot, estimator=estimator, progress=self.progress
            )
        return years

    # ---------------------------------------------------------------- reads: the law

    def load(self, year: int) -> Election:
        """The arrays of ``year`` (both rounds where the store has them)."""
        self.prepare(year)
        return _load(self._store, year)

    def replay(self, year: int) -> Replay:
        """The law on ``year``'s official files, decision by decision, against the outcome."""
        return replay(self.load(year))

    def results(self, year: int) -> pd.DataFrame:
        """The tidy results of ``year``: one row per candidate and round
        (:meth:`hemicycle.replays.Replay.candidates`: names, nuance, bloc, votes, shares, the
        law's status, the constituency's label), with the ``department`` and its
        ``department_name`` (the Ministry's spelling) after the label."""
        rep = self.replay(year)
        e = rep.election
        df = rep.candidates()
        codes = {c: i for i, c in enumerate(e.codes.tolist())}
        rows = df["constituency"].map(codes).to_numpy()
        df.insert(3, "department", e.departments[rows])
        df.insert(4, "department_name", e.department_names[rows])
        return df

    def labels(self, year: int) -> dict[str, str]:
        """Constituency code → label (``Paris 5``), in the Ministry's spelling."""
        return self.replay(year).labels()

    def contours(self, year: int) -> GeoDataFrame:
        """The official contours of ``year``'s constituencies as a GeoDataFrame (WGS 84; columns
        ``constituency``, ``label``, ``geometry``), for the years on the map the contours describe
        (2012 on); needs the extra ``pip install 'hemicycle[geo]'`` (geopandas)."""
        try:
            import geopandas
        except ImportError:
            raise OptionError(
                "contours as a GeoDataFrame need geopandas: pip install 'hemicycle[geo]'"
            ) from None
        from shapely.geometry import MultiPolygon, Polygon

        from hemicycle.data.readers.contours import locate_contours, read_contours

        if boundary_map(year) != boundary_map(CONTOURS_YEAR):
            raise DataNotAvailableError(
                f"the official contours describe the {boundary_map(CONTOURS_YEAR)} map; {year} "
                f"used the {boundary_map(year)} map, whose codes name other seats"
            )
        labels = self.labels(year)
        c = read_contours(locate_contours()[1])
        shapes = [
            MultiPolygon([Polygon(poly[0], poly[1:]) for poly in feature]) for feature in c.polygons
        ]
        return geopandas.GeoDataFrame(
            {"constituency": list(c.codes), "label": [labels.get(k, "") for k in c.codes]},
            geometry=shapes,
            crs="EPSG:4326",
        )

    def presidential(self, year: int) -> Presidential:
        """The presidential election of ``year`` by legislative constituency (read in from the
        official files under ``auto`` the first time; its tables are not the legislative ones)."""
        from hemicycle.presidential import load_presidential

        if year not in self._store.presidential_years():
            if self.ingest_policy == "never":
                raise DataNotAvailableError(
                    f"the {year} presidential election is not in the store this server loaded"
                )
            self._store.ingest_presidential(year)
        return load_presidential(self._store, year)

    # ---------------------------------------------------------------- reads: transfers, projection

    def training_years(
        self, target: int | None, train: TrainSpec | str | int | Sequence[int] | None = None
    ) -> tuple[int, ...]:
        """The training elections ``train`` (default: all) names for ``target``, checked against
        the store (earlier than the target, both rounds)."""
        from hemicycle.sim import pipeline

        return pipeline.training_years(target, TrainSpec.parse(train), self._store)

    def default_training(self, year: int) -> tuple[int, ...] | None:
        """Every election before ``year`` with both rounds (``None`` if none): the default
        training set. Earlier elections that hemicycle knows are ingested first (``auto``)."""
        self.ingest_earlier(year, only_missing=True, training=True)
        earlier = tuple(sorted(y for y in self.training_candidates() if y < year))
        return earlier or None

    def transfers(
        self,
        train: TrainSpec | str | int | Sequence[int] | None = None,
        *,
        estimator: str = "regression",
        target: int | None = None,
    ) -> PooledTransfers:
        """The vote transfers learnt from ``train``, pooled over its elections, with their
        spread (``target``: only elections earlier than it)."""
        from hemicycle.sim import pipeline

        years = self.prepare(target, TrainSpec.parse(train), estimator=estimator)
        assert years is not None
        return pipeline.transfers(years, self._store, estimator=estimator)

    def _trained(
        self,
        year: int,
        train: TrainSpec | str | int | Sequence[int] | None,
        o: ProjectionOptions,
    ) -> tuple[int, ...]:
        """``year`` there and the transfers of ``train`` fitted with ``o``'s settings: the
        training years (every earlier election with both rounds when ``train`` is ``None``)."""
        years = self.prepare(year, TrainSpec.parse(train), estimator=o.estimator, n_boot=o.n_boot)
        assert years is not None  # a train spec always resolves to years (or raises)
        return years

    def project(
        self,
        year: int,
        train: TrainSpec | str | int | Sequence[int] | None = None,
        options: ProjectionOptions | None = None,
        *,
        cancelled: Callable[[], bool] | None = None,
    ) -> Projection:
        """Round 2 of ``year`` simulated from its round 1, with transfers learnt from ``train``
        (default: every earlier election with both rounds) and the settings of ``options``;
        the Monte Carlo stops (:class:`~hemicycle.errors.HemicycleError`) once ``cancelled()``
        is true (a server's timed-out request)."""
        from hemicycle.sim import montecarlo, pipeline

        o = options or ProjectionOptions()
        years = self._trained(year, train, o)
        stop = montecarlo.stop_when(cancelled) if cancelled is not None else nullcontext()
        with stop:
            return pipeline.project(
                year,
                years,
                self._store,
                lineup=o.lineup,
                withdrawals=o.withdrawals,
                sims=o.sims,
                seed=o.seed,
                progress=o.progress,
                backend=o.backend,
                chunk=o.chunk,
                estimator=o.estimator,
                n_boot=o.n_boot,
                overrides=list(o.transfer_overrides),
            )

    def extrapolation(
        self,
        year: int,
        train: TrainSpec | str | int | Sequence[int] | None = None,
        options: ProjectionOptions | None = None,
    ) -> Extrapolation:
        """Where the projection of ``year`` from ``train`` extrapolates: the transfer rates the
        training elections disagree on and the runoffs of the lineup (``options``' withdrawals and
        lineup) whose call moves across their range
        (:class:`~hemicycle.sim.extrapolation.Extrapolation`: ``rates``, ``listed``,
        ``runoffs``)."""
        from hemicycle.sim import pipeline

        o = options or ProjectionOptions()
        years = self._trained(year, train, o)
        return pipeline.extrapolation(
            year,
            years,
            self._store,
            lineup=o.lineup,
            withdrawals=o.withdrawals,
            estimator=o.estimator,
            n_boot=o.n_boot,
        )

    def evaluate(
        self,
        year: int,
        train: TrainSpec | str | int | Sequence[int] | None = None,
        options: ProjectionOptions | None = None,
    ) -> Evaluation:
        """The projection of ``year`` (official lineup) scored against its official round 2."""
        from hemicycle.sim import pipeline

        o = options or ProjectionOptions(seed=1)
        years = self._trained(year, train, o)
        return pipeline.evaluate(
            year,
            years,
            self._store,
            sims=o.sims,
            seed=o.seed,
            progress=o.progress,
            backend=o.backend,
            estimator=o.estimator,
            n_boot=o.n_boot,
        )

    def backtest_targets(self, targets: str | Sequence[int] = "all") -> list[int]:
        """The target years of a back-test (every election with both rounds and an earlier one
        to learn from, or the years named, checked)."""
        from hemicycle.sim import backtest as bt

        history = isinstance(targets, str) and targets.strip().lower() == "history"
        named = [] if isinstance(targets, str) else list(targets)
        if isinstance(targets, str) and not history and targets.strip().lower() != "all":
            named = [int(t) for t in targets.split(",") if t.strip().isdigit()]
        old = history or any(history_target(int(y)) for y in named)
        self.ingest_earlier(None, training=not old)
        return bt.targets(self._store, targets)

    def backtest(
        self,
        targets: str | Sequence[int] = "all",
        *,
        sims: int = DEFAULT_SIMS,
        seed: int = 1,
        nested: bool = True,
        drop_latest: bool = False,
    ) -> pd.DataFrame:
        """Every target projected from the earlier elections only, and scored (one row per
        target; columns :data:`hemicycle.sim.backtest.COLUMNS`, then the extras).

        ``nested`` (default): each target's priors are chosen on the other targets
        (:func:`hemicycle.sim.backtest.nested_backtest`; every target the store allows is
        back-tested for every combination of :data:`hemicycle.sim.backtest.GRID`); otherwise the
        default priors, chosen on every target (``figure`` ``tuned``). ``drop_latest``: the
        targets with two earlier elections or more are projected again without the latest one
        (rows with ``latest`` false, same priors)."""
        from hemicycle.sim import backtest as bt

        years = self.backtest_targets(targets)
        every = sorted(set(bt.targets(self._store, "all")) | set(years)) if nested else years
        train = sorted({y for t in every for y in self.training_years(t)})
        self.prepare(None, train)
        seed_ = check_seed(seed)
        if seed_ is None:
            raise OptionError("a back-test needs a seed (a non-negative integer)")
        if nested:
            table, _ = bt.nested_backtest(
                self._store, years, sims=check_sims(sims), seed=seed_, drop_latest=drop_latest
            )
            return table
        if drop_latest:
            return bt.with_drop_latest(self._store, years, sims=check_sims(sims), seed=seed_)
        return bt.backtest(self._store, years, sims=check_sims(sims), seed=seed_)

    def backtest_live(
        self, targets: str | Sequence[int] = "all", *, sims: int = DEFAULT_SIMS, seed: int = 1
    ) -> pd.DataFrame:
        """The back-test of election night (:func:`hemicycle.live.backtest.run_backtest`): each
        target's round 2 declared in several orders, scored at 5 … 75 % declared; columns
        ``target,order,declared,undeclared,winners,bloc_seat_mae,coverage90,called,wrong_calls``."""
        from hemicycle.live.backtest import run_backtest

        years = self.backtest_targets(targets)
        self.prepare(None, sorted({y for t in years for y in self.training_years(t)}))
        return run_backtest(self._store, years, sims=check_sims(sims), seed=seed)

    # ---------------------------------------------------------------- reads: systems, coalitions

    def votes(
        self,
        year: int,
        unit_: Unit | str | Mapping[str, str] = "nuance",
        train: TrainSpec | str | int | Sequence[int] | None = "auto",
        *,
        sims: int = COMPARE_SIMS,
        seed: int = COMPARE_SEED,
        lock: AbstractContextManager[object] | None = None,
        fit: bool = False,
    ) -> Votes:
        """The votes of ``year`` in a unit, ready for any seat rule, with a lazy projector that
        learns transfers from ``train`` (``"auto"``/``"all"``: every earlier election with both
        rounds, none if there is none; a year or years; ``None`` or ``"none"``: no projection).
        The projector runs inside ``lock`` when one is given (a server's one-Monte-Carlo-at-a-
        time lock): only the seat rules that simulate runoffs never held take it. ``fit``: learn
        the transfers now (with :attr:`progress`) rather than at the first projection."""
        from hemicycle.sim import pipeline
        from hemicycle.sim.project import project_arrays
        from hemicycle.systems import Unit, Votes

        e = self.load(year)
        u = unit_ if isinstance(unit_, Unit) else unit(unit_)
        if isinstance(train, str) and train.strip().lower() == "none":
            train = None
        if train is None:
            return Votes(e, u)
        spec = TrainSpec.parse(train)
        if spec.is_all and self.default_training(year) is None:
            return Votes(e, u)
        with lock if lock is not None and fit else nullcontext():
            years = self.prepare(year, spec, fit=fit)
        assert years is not None
        store, memo = self._store, dict[bytes, "Projection"]()

        def projection(standing: np.ndarray) -> Projection:
            key = standing.tobytes()
            if key not in memo:
                with lock if lock is not None else nullcontext():
                    model, noise = pipeline.pooled(years, store, target=e)
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

    def compare(
        self,
        year: int,
        systems: Sequence[str] | str | None = None,
        *,
        unit: Unit | str | Mapping[str, str] = "nuance",
        train: TrainSpec | str | int | Sequence[int] | None = "auto",
        sims: int = COMPARE_SIMS,
        seed: int = COMPARE_SEED,
        lock: AbstractContextManager[object] | None = None,
    ) -> Comparison:
        """The same round-1 votes of ``year`` under several systems (default: every registered
        one; the projected Assembly is left out when no earlier election can train it); the
        transfers are fitted first (with :attr:`progress`) when a system simulates runoffs.
        ``lock``: as in :meth:`votes`."""
        from hemicycle import systems as _systems

        needs = any(_systems.parse_spec(x)[0].needs_round2 for x in _systems.compare_specs(systems))
        v = self.votes(year, unit, train, sims=sims, seed=seed, lock=lock, fit=needs)
        return _systems.compare(v, systems)

    def coalitions(
        self,
        year: int,
        system: str = "actual",
        *,
        unit: Unit | str | Mapping[str, str] = "bloc",
        train: TrainSpec | str | int | Sequence[int] | None = "auto",
        sims: int = COMPARE_SIMS,
        seed: int = COMPARE_SEED,
        lock: AbstractContextManager[object] | None = None,
    ) -> Govern:
        """Who can govern the Assembly that ``system`` gives ``year``: a
        :class:`hemicycle.govern.Govern` (groups ordered left to right as
        :meth:`hemicycle.systems.Unit.order` documents), whose ``notes`` are the allocation's
        (e.g. that the seats of a year whose round 2 is not in the store are projected).
        ``lock``: as in :meth:`votes`."""
        from hemicycle import govern
        from hemicycle import systems as _systems

        needs = _systems.parse_spec(system)[0].needs_round2
        v = self.votes(year, unit, train, sims=sims, seed=seed, lock=lock, fit=needs)
        alloc = _systems.run(system, v)
        seats = alloc.as_dict()
        g = govern.analyse(seats, order=v.unit.order(year, list(seats)), house=alloc.house_size)
        return dataclasses.replace(g, notes=tuple(alloc.notes))

    def claims(self, path: str | Path) -> tuple[ClaimsFile, list[Verdict]]:
        """The claims of a TOML file (:mod:`hemicycle.analysis.claims`) checked against the
        data."""
        from hemicycle import systems as _systems
        from hemicycle.analysis import claims as _claims

        cf = _claims.read(path)
        for y in sorted({c.year for c in cf.claims}):
            needs = any(
                c.measure == "seats" and c.year == y and _claims.needs_projection(c)
                for c in cf.claims
            )
            self.votes(y, "nuance", "all", fit=needs)  # ingest, and fit when a claim projects
        cache: dict[tuple[int, str], Votes] = {}

        def values(c: _claims.Claim) -> tuple[dict[str, int], int, tuple[str, ...]]:
            key = (c.year, c.unit)
            if key not in cache:
                spec = _claims.unit_spec(cf, c)
                cache[key] = self.votes(c.year, unit(spec, name=c.unit))
            v = cache[key]
            if c.measure == "votes":
                d = dict(v.national)
                return d, sum(d.values()), ()
            alloc = _systems.run("plurality" if c.measure == "led" else c.system, v)
            return alloc.as_dict(nonzero=False), alloc.house_size, alloc.notes

        return cf, _claims.evaluate(cf, values)


# -------------------------------------------------------------------- user files and units


def unit(spec: Unit | str | Mapping[str, str], *, name: str | None = None) -> Unit:
    """A party unit: ``"nuance"``, ``"bloc"``, a mapping (nuance or bloc → group), or the path of a
    CSV file with header ``key,group`` (keys are nuances such as ``UG`` or blocs such as
    ``far_right``; unmapped nuances keep their own name)."""
    from hemicycle.systems import UNITS, Unit

    if isinstance(spec, Unit):
        return spec
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


#: The largest Assembly a file may describe (the largest parliaments have about 3,000 members):
#: a typo such as ``1000000000`` is refused, not allocated.
MAX_ASSEMBLY_SEATS = 10_000


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
        if out[group] > MAX_ASSEMBLY_SEATS:
            raise DataFileError(
                f"seats {out[group]} is beyond any assembly (at most {MAX_ASSEMBLY_SEATS:,})",
                file=str(p),
                line=n,
                column="seats",
            )
    if sum(out.values()) > MAX_ASSEMBLY_SEATS:
        raise DataFileError(
            f"{sum(out.values()):,} seats in all is beyond any assembly "
            f"(at most {MAX_ASSEMBLY_SEATS:,})",
            file=str(p),
        )
    return out


def coalitions_of(seats: Mapping[str, int], *, order: Iterable[str] | None = None) -> Govern:
    """Who can govern an Assembly given directly (groups in left-to-right order unless
    ``order``)."""
    from hemicycle import govern

    return govern.analyse(
        dict(seats), order=list(order) if order is not None else [g for g, s in seats.items() if s]
    )
