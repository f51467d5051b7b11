"""The service behind the web routes: loading, caching and the projection queue, no HTTP.

The store is opened **read-only**: ``hemicycle serve`` ingests the years once, at start-up, then
:class:`Sessions` opens one session per request, under the ``never`` ingest policy (one DuckDB
connection each: concurrent readers; nothing is ever written). The
data cannot change while serving, so replays and the JSON built from them are cached per year
(:class:`_Memo`); comparisons and coalitions, whose parameters are the user's, in a cache of their
own bounded by bytes (:data:`ANALYSES_CACHE_BYTES`). Only the Monte Carlo (projections, learning
the transfers, and the seat rules that simulate runoffs never held) takes
:attr:`Service.sim_lock`. Projections run one at a time on their own worker thread
(:class:`hemicycle.web.guard.Lane`), a few more wait, and past that :meth:`Service.in_worker`
raises a 503 with ``Retry-After``; reads never wait behind them. A projection past its time limit
(504), whose client has gone or whose server is stopping is cancelled between Monte Carlo chunks.

:class:`Service` takes and returns plain values and schema models; it raises
:class:`~hemicycle.web.errors.ApiError` (or a :class:`~hemicycle.errors.HemicycleError`), which the
app turns into JSON errors. It loads, caches and queues; the response models are built from the
replays, projections and comparisons by the pure functions of :mod:`hemicycle.web.viewmodels`.
The routes (:mod:`hemicycle.web.routes`) reach it through a dependency.
"""

import gzip
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starlette.requests import Request

from hemicycle.errors import HemicycleError
from hemicycle.options import ProjectionOptions, TransferOverride
from hemicycle.replays import Replay
from hemicycle.report import views
from hemicycle.session import Progress, Session, boundary_map
from hemicycle.systems import canonical
from hemicycle.web import guard, newsroom, viewmodels
from hemicycle.web import schemas as s
from hemicycle.web.errors import ApiError

log = logging.getLogger("hemicycle.web")


# ----- store and caches ---------------------------------------------------------------------


class Sessions:
    """Read-only sessions on one store file, never ingesting: one per request, all sharing one
    database instance that stays open (kept by an anchor session) while the app runs. A year whose
    official files changed since the store was loaded is logged once (``hemicycle serve`` takes
    them at its next start); the server keeps serving what it loaded."""

    def __init__(self, path: Path, *, progress: Progress | None = None) -> None:
        self.path = path
        self.progress = progress
        self._anchor: Session | None = None
        self._lock = threading.Lock()
        self._notices: set[int] = set()  # years whose newer files were logged

    @contextmanager
    def open(self) -> Iterator[Session]:
        with self._lock:
            if self._anchor is None:
                self._anchor = Session(self.path, ingest="never")
        with Session(self.path, ingest="never", progress=self.progress, stale=self._stale) as s_:
            yield s_

    def _stale(self, session: Session, year: int) -> None:
        """Log once that ``year``'s official files changed since the store was loaded (a few
        stat calls, on cache misses only: the replies built from the store are cached)."""
        with self._lock:
            if year in self._notices:
                return
        try:
            current = session.is_current(year)
        except Exception:  # noqa: BLE001 - a mirror that cannot be read: serve what was loaded
            current = True
        with self._lock:
            if current or year in self._notices:
                return
            self._notices.add(year)
        log.warning(
            "the official files of %s changed since the store was loaded; this server "
            "keeps serving what it loaded: restart `hemicycle serve` to take them",
            year,
        )

    def close(self) -> None:
        with self._lock:
            if self._anchor is not None:
                self._anchor.close()
                self._anchor = None


class _Memo:
    """A small thread-safe LRU of computed values (the store is read-only: nothing goes stale),
    bounded by entry count and, when ``max_bytes`` is given, by the total length of its values
    (then bytes: JSON bodies). A value larger than the whole budget is returned without being
    kept."""

    def __init__(self, size: int = 4096, *, max_bytes: int | None = None) -> None:
        self.size, self.max_bytes = size, max_bytes
        self._data: OrderedDict[tuple[Any, ...], tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.nbytes = 0  # the total weight of the values kept (0 without max_bytes)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def keys(self) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._data)

    def peek(self, key: tuple[Any, ...]) -> Any | None:
        """The value kept under ``key`` (now the most recently used), or ``None``."""
        with self._lock:
            if key not in self._data:
                return None
            self._data.move_to_end(key)
            return self._data[key][0]

    def get(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key][0]
        value = make()  # computed outside the lock; two racing requests compute the same value
        weight = len(value) if self.max_bytes is not None else 0
        if self.max_bytes is not None and weight > self.max_bytes:
            return value
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.nbytes -= old[1]
            self._data[key] = (value, weight)
            self.nbytes += weight
            while len(self._data) > self.size or (
                self.max_bytes is not None and self.nbytes > self.max_bytes
            ):
                _, (_, w) = self._data.popitem(last=False)
                self.nbytes -= w
        return value


#: The budget of the cache of comparisons and coalitions (their JSON bodies): their parameters are
#: the user's (``dhondt:threshold=0.0312``), so they get a cache of their own, bounded in bytes,
#: that cannot evict the replays and the per-year bodies.
ANALYSES_CACHE_BYTES = 32 * 2**20


class Service:
    """What the routes call. Thread-safe; every method takes plain values and returns plain values
    or schema models."""

    def __init__(self, path: Path, *, max_sims: int, timeout_s: float, max_queued: int = 4) -> None:
        self.stores = Sessions(path, progress=self.fit_progress)
        self.max_sims = max_sims
        self.timeout_s = timeout_s
        #: Values the server derives from the store (years, replays, per-year bodies, charts):
        #: bounded by what the store holds.
        self.memo = _Memo()
        #: Comparisons and coalitions, keyed by the user's parameters: bounded by bytes.
        self.analyses_memo = _Memo(max_bytes=ANALYSES_CACHE_BYTES)
        self._replay_lock = threading.Lock()
        #: One projection (or transfer fit) at a time: the Monte Carlo uses every core.
        self.sim_lock = threading.Lock()
        #: Projections: one running, ``max_queued`` waiting, 503 past that; comparisons and
        #: coalitions (cached after the first call) on a lane of their own. Never AnyIO's pool.
        self.projections = guard.Lane(
            "projection", workers=1, waiting=max_queued, what="projections"
        )
        self.analyses = guard.Lane("analysis", workers=2, waiting=16, what="analyses")
        #: What the transfer fit is doing (the dashboard's progress bar polls it).
        self._fit = s.FitStatus(active=False, stage="", done=0, total=0)

    def fit_progress(self, stage: str, done: int, total: int) -> None:
        """The ``progress`` callback of the transfer fits."""
        self._fit = s.FitStatus(active=done < total, stage=stage, done=int(done), total=int(total))

    def fit_status(self) -> s.FitStatus:
        return self._fit

    def close(self) -> None:
        """Cancel the running and waiting jobs and close the store (at the app's shutdown; the
        lanes' idle daemon threads stay for a later start-up of the same app, as in tests)."""
        self.projections.cancel_all()
        self.analyses.cancel_all()
        self.stores.close()

    # ---- elections -----------------------------------------------------------------------

    def years(self) -> list[int]:
        def make() -> list[int]:
            with self.stores.open() as st:
                return st.years()

        return self.memo.get(("years",), make)

    def check_year(self, year: int, *, what: str = "election") -> None:
        years = self.years()
        if year not in years:
            raise ApiError(
                404,
                "not_found",
                f"no {what} {year} in the store; available: {', '.join(map(str, years)) or 'none'}",
            )

    def replay(self, year: int) -> Replay:
        self.check_year(year)

        def make() -> Replay:
            with self._replay_lock, self.stores.open() as st:
                return st.replay(year)

        return self.memo.get(("replay", year), make)

    def elections(self) -> s.Elections:
        return self.memo.get(("elections",), self._elections)

    def _elections(self) -> s.Elections:
        return viewmodels.elections([self.replay(y) for y in self.years()], self.max_sims)

    # ---- national results ------------------------------------------------------------------

    def results_json(self, year: int) -> bytes:
        return self.memo.get(
            ("results", year), lambda: self._results(year).model_dump_json().encode()
        )

    def _results(self, year: int) -> s.Results:
        return viewmodels.results(self.replay(year))

    # ---- one constituency ------------------------------------------------------------------

    def constituency_json(self, year: int, code: str) -> bytes:
        code = code.upper()
        return self.memo.get(
            ("constituency", year, code),
            lambda: self._constituency(year, code).model_dump_json().encode(),
        )

    def _constituency(self, year: int, code: str) -> s.Constituency:
        rep = self.replay(year)
        viewmodels.constituency_row(rep, code)  # 404 before loading the previous election
        before = self.previous_year(year)
        return viewmodels.constituency(rep, code, self.replay(before) if before else None)

    # ---- newsroom: search, round-1 situation, CSV exports, learnt rates ---------------------

    def previous_year(self, year: int) -> int | None:
        """The latest earlier election in the store on the same constituency boundaries."""

        def same(y: int) -> bool:
            try:
                return boundary_map(y) == boundary_map(year)
            except HemicycleError:
                return False

        return max((y for y in self.years() if y < year and same(y)), default=None)

    def search(self, query: str, year: int | None) -> list[s.SearchHit]:
        if year is not None:
            self.check_year(year)
        years = [year] if year is not None else sorted(self.years(), reverse=True)
        hits: list[s.SearchHit] = []
        for y in years:
            hits += [
                s.SearchHit.model_validate(h.as_dict()) for h in self.search_index(y).search(query)
            ]
        return hits[: newsroom.SEARCH_LIMIT]

    def search_index(self, year: int) -> newsroom.SearchIndex:
        """The year's names and labels, normalised once (search and constituency pages)."""
        return self.memo.get(
            ("search-index", year), lambda: newsroom.SearchIndex.of(self.replay(year))
        )

    def round1_json(self, year: int) -> bytes:
        return self.memo.get(
            ("round1", year),
            lambda: viewmodels.round1(self.replay(year)).model_dump_json().encode(),
        )

    def csv_export(self, year: int, what: str) -> bytes:
        make = newsroom.results_csv if what == "results" else newsroom.constituencies_csv
        return self.memo.get(("csv", year, what), lambda: make(self.replay(year)))

    def learnt_rates(
        self, train: int | str, year: int | None, cancelled: threading.Event
    ) -> s.LearntRates:
        """Blocking (the first call learns the transfers): call it from a worker thread. ``all``
        pools every election with both rounds earlier than ``year`` (every one without a year)."""

        def make() -> s.LearntRates:
            with self.sim_lock, self.stores.open() as st:
                frame = st.transfers(train, target=year).to_frame()
            return viewmodels.learnt_rates(train, frame)

        return self.memo.get(("rates", train, year), make)

    # ---- projection ------------------------------------------------------------------------

    def project(
        self, req: s.ProjectRequest, seed: int, cancelled: threading.Event
    ) -> s.ProjectionOut:
        """Run one projection (blocking: call it from a worker thread)."""
        with self.sim_lock:
            if cancelled.is_set():  # the client was answered 504 while this waited its turn
                raise ApiError(504, "timeout", "abandoned")
            t0 = time.perf_counter()
            options = ProjectionOptions(
                sims=req.sims,
                seed=seed,
                withdrawals=req.withdrawals,
                overrides=tuple(
                    TransferOverride(o.origin, o.destination, o.rate) for o in req.overrides
                ),
            )
            with self.stores.open() as st:
                proj = st.project(req.year, req.train, options, cancelled=cancelled.is_set)
            elapsed = time.perf_counter() - t0
        return viewmodels.projection(req, seed, self.replay(req.year), proj, elapsed)

    def prefit(self) -> None:
        """Fit (or load from the disk cache) the transfers of the training years the dashboard
        picks by default, so that its first projection does not wait for them. Run in a background
        thread by ``hemicycle serve``."""
        meta = self.elections()
        # the dashboard's default, `all`, pools every training year: fit them all (in parallel)
        with self.sim_lock, self.stores.open() as st:
            try:
                st.prepare(None, meta.train_years)
            except HemicycleError as exc:  # pragma: no cover - logged, the API reports it later
                log.warning("could not fit the transfers of %s: %s", meta.train_years, exc)

    # ---- counterfactual systems and coalitions ---------------------------------------------

    def compare_json(self, year: int, systems: list[str] | None, unit: str) -> bytes:
        """Blocking (the projected systems may learn transfers): call it from a worker thread.
        Only the seat rules that simulate runoffs never held (``projected``, the two-round
        variants, ``actual`` or ``mixed`` where round 2 is missing) take :attr:`sim_lock`: the
        others never wait behind the projections."""

        def make() -> bytes:
            with self.stores.open() as st:
                cmp = st.compare(year, systems, unit=unit, lock=self.sim_lock)
            return viewmodels.comparison(year, unit, cmp).model_dump_json().encode()

        return self.analyses_memo.get(self._compare_key(year, systems, unit), make)

    @staticmethod
    def _compare_key(year: int, systems: list[str] | None, unit: str) -> tuple[Any, ...]:
        # one entry per system asked for, however spelt (dhondt, dhondt:threshold=5%), and
        # exact: threshold=0.03902698 and 0.03902699 are two entries (canonical keeps every digit)
        key = tuple(x if x == "all" else canonical(x) for x in systems or ())
        return ("compare", year, key, unit)

    def compare_cached(self, year: int, systems: list[str] | None, unit: str) -> bytes | None:
        """The comparison's body if it is cached (instant: answered without the lane, so a
        busy lane never refuses a hit), else ``None``."""
        return self.analyses_memo.peek(self._compare_key(year, systems, unit))

    def coalitions_json(self, year: int, system: str, unit: str, minimal: bool) -> bytes:
        """Blocking, as :meth:`compare_json` (the same lock)."""

        def make() -> bytes:
            with self.stores.open() as st:
                g = st.coalitions(year, system, unit=unit, lock=self.sim_lock)
            body = viewmodels.coalitions(year, system, unit, minimal, g)
            return body.model_dump_json().encode()

        return self.analyses_memo.get(("coalitions", year, system, unit, minimal), make)

    def coalitions_cached(self, year: int, system: str, unit: str, minimal: bool) -> bytes | None:
        """As :meth:`compare_cached`, for :meth:`coalitions_json`."""
        return self.analyses_memo.peek(("coalitions", year, system, unit, minimal))

    # ---- the presidential election by legislative constituency ----------------------------

    def presidential_years(self) -> list[int]:
        def make() -> list[int]:
            with self.stores.open() as st:
                return st.presidential_years()

        return self.memo.get(("presidential-years",), make)

    def check_presidential(self, year: int) -> None:
        years = self.presidential_years()
        if year not in years:
            raise ApiError(
                404,
                "not_found",
                f"no presidential election {year} in the store; available: "
                f"{', '.join(map(str, years)) or 'none'}",
            )

    def presidential_map_year(self, year: int) -> int | None:
        """The latest legislative election in the store on the boundaries of the presidential
        ``year`` whose contours exist: its map draws the presidential one's constituencies."""
        with self.stores.open() as st:
            p_map = st.presidential(year).boundary_map
        drawn = [y for y in self.years() if views.has_contours(y) and boundary_map(y) == p_map]
        return max(drawn, default=None)

    def presidential_json(self, year: int, round_: int) -> bytes:
        """One round of the presidential ``year`` by constituency (404 for a year not in the
        store, 409 for a round not in it)."""
        self.check_presidential(year)

        def make() -> bytes:
            with self.stores.open() as st:
                p = st.presidential(year)
            if round_ not in p.rounds:
                raise ApiError(
                    409,
                    "missing_round",
                    f"round {round_} of the {year} presidential election is not in the store; "
                    f"rounds: {', '.join(map(str, p.rounds))}",
                )
            body = viewmodels.presidential(p, round_, self.presidential_map_year(year))
            return body.model_dump_json().encode()

        return self.memo.get(("presidential", year, round_), make)

    # ---- charts ----------------------------------------------------------------------------

    def chart_svg(self, year: int, chart: str, unit: str, legend: bool = True) -> bytes:
        """``chart``: hemicycle, map or cartogram (:mod:`hemicycle.report.views`), coloured by the
        winner's ``unit``; ``legend=False`` leaves out the title and legend (the dashboard adds its
        own and recolours the constituencies)."""

        def make() -> bytes:
            rep = self.replay(year)
            if chart == "hemicycle":
                return views.outcome_hemicycle_svg(rep, unit).encode()
            draw = views.outcome_map_svg if chart == "map" else views.outcome_cartogram_svg
            # views refuses the years its contours do not describe (1997-2007): a 404, legend or not
            return draw(rep, unit, bare=not legend).encode()

        return self.memo.get(("svg", year, chart, unit, legend), make)

    def gzipped(self, body: bytes) -> bytes:
        """``body`` gzip-compressed, once: the cached bodies (the map's SVG is ~280 kB) would
        otherwise be compressed again by the middleware on every request."""
        return self.memo.get(("gzip", body), lambda: gzip.compress(body, mtime=0))

    async def in_worker(
        self,
        fn: Callable[..., Any],
        *args: Any,
        what: str,
        lane: guard.Lane | None = None,
        request: Request | None = None,
    ) -> Any:
        """``fn(*args, cancelled)`` on ``lane`` (default: the analyses) under the time limit (504
        past it); 503 with ``Retry-After`` when the lane is full. ``cancelled`` is set when the
        time runs out, when ``request``'s client disconnects or when the server stops."""
        lane = lane or self.analyses
        try:
            fut, cancelled = lane.submit(lambda c: fn(*args, c))
        except guard.Busy as exc:
            raise ApiError(503, "busy", str(exc), {"Retry-After": str(exc.retry_after)}) from None
        outcome, value = await guard.wait_for_job(
            fut,
            cancelled,
            timeout_s=self.timeout_s,
            receive=request.receive if request is not None else None,
        )
        if outcome == "done":
            return value
        if outcome == "gone":
            raise ApiError(
                499, "client_closed", f"{what} was cancelled: the client closed the connection"
            )
        raise ApiError(
            504,
            "timeout",
            f"{what} did not finish within {self.timeout_s:g} s (the first "
            f"one after start-up learns the vote transfers, about a "
            f"minute); try again shortly",
        )
