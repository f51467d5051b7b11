"""The web app: a JSON API over :mod:`hemicycle.api` and :mod:`hemicycle.sim.api`, its OpenAPI
schema (``/openapi.json``, rendered at ``/docs``) and a dashboard (``/``), all served locally.

The store is opened **read-only**: ``hemicycle serve`` ingests the years once, at start-up, then the
app opens one DuckDB connection per request (concurrent readers; a write raises). The data cannot
change while serving, so replays and the JSON built from them are cached per year. Projections run
one at a time on their own worker thread (:class:`hemicycle.web.guard.Lane`), a few more wait, and
past that the server answers 503 with ``Retry-After``; reads never wait behind them. A projection
past its time limit (504), whose client has gone or whose server is stopping is cancelled between
Monte Carlo chunks. :class:`hemicycle.web.guard.Guard` checks the ``Host`` header, bounds the
request body (413) and sets the security headers.

Errors are JSON ``{"error": KIND, "detail": SENTENCE}``: 422 for invalid parameters (one readable
sentence), 404 for an unknown year or constituency, 400 for any other :class:`HemicycleError` (or a
host this server does not answer to), 413 for a body over 64 KiB, 503 (with ``Retry-After``) when
the projection queue is full, 504 for a projection past its time limit, and
500 with a generic message (never a stack trace) for anything else.
"""

import gzip
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import Body, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import Field, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException

from hemicycle import __version__, api, rules
from hemicycle.analysis.replay import STATUS_NAMES, Replay
from hemicycle.data.blocs import BLOCS, bloc_of, table
from hemicycle.data.store import Store
from hemicycle.errors import (
    DataNotAvailableError,
    HemicycleError,
    MissingRoundError,
    UnsupportedElectionError,
)
from hemicycle.report import maps, views
from hemicycle.report.palette import BLOC_COLOURS, BLOC_LABELS, SEATING, nuance_colours
from hemicycle.rules import MAJORITY, SEATS
from hemicycle.sim.features import SCENARIOS
from hemicycle.web import guard, newsroom
from hemicycle.web import schemas as s

log = logging.getLogger("hemicycle.web")

STATIC = Path(__file__).with_name("static")
MAX_SIMS = 200_000
#: Long enough for the first projection with a new training year (fitting the transfers, ~1 min).
DEFAULT_TIMEOUT_S = 180.0
#: Security headers of the dashboard: everything from this server, nothing from a CDN.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
#: Bodies from this size up are gzip-compressed, when the client accepts it (as GZipMiddleware).
GZIP_MIN = 2048


class ApiError(Exception):
    """An error with its HTTP status, kind and readable message."""

    def __init__(self, status: int, kind: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail
        self.headers = headers or {}


def _error(status: int, kind: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    # nosniff here too: a 500 is sent from outside the middleware stack
    return JSONResponse({"error": kind, "detail": detail}, status_code=status,
                        headers={"X-Content-Type-Options": "nosniff", **(headers or {})})


def _responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    what = {400: "an invalid option (the message lists the allowed values)",
            404: "unknown year or constituency (the message lists what exists)",
            409: "the year is there but not the round this needs (e.g. no earlier election to learn from)",
            422: "invalid parameters, in one sentence", 500: "internal error (no details)",
            503: "too many projections running or waiting: retry after `Retry-After` seconds",
            504: "the projection did not finish in time"}
    return {c: {"model": s.Error, "description": what[c]} for c in codes}


def _label(year: int, nuance: str) -> str:
    return table().get((year, nuance), (nuance, "other"))[0] or nuance


def _bloc(year: int, nuance: str) -> str:
    return bloc_of(year, nuance, warn=False)  # an unclassified nuance is 'other', silently


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


# ----- store and caches ---------------------------------------------------------------------


class Stores:
    """Read-only connections to one store file: one per request, all sharing one database
    instance that stays open (kept by an anchor connection) while the app runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._anchor: Store | None = None
        self._lock = threading.Lock()
        self._notices: set[int] = set()  # years whose newer files were logged

    @contextmanager
    def open(self) -> Iterator[Store]:
        with self._lock:
            if self._anchor is None:
                self._anchor = Store(self.path, read_only=True)
        # never ingests: a server serves what it loaded (newer files are logged once)
        st = guard.ServedStore(self.path, notices=self._notices, lock=self._lock)
        try:
            yield st
        finally:
            st.close()

    def close(self) -> None:
        with self._lock:
            if self._anchor is not None:
                self._anchor.close()
                self._anchor = None


class _Memo:
    """A small thread-safe LRU of computed values (the store is read-only: nothing goes stale)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._data: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = make()  # computed outside the lock; two racing requests compute the same value
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value


class Service:
    """What the routes call. Thread-safe; every method takes and returns plain values."""

    def __init__(self, path: Path, *, max_sims: int, timeout_s: float, max_queued: int = 4) -> None:
        self.stores = Stores(path)
        self.max_sims = max_sims
        self.timeout_s = timeout_s
        self.memo = _Memo()
        self._replay_lock = threading.Lock()
        #: One projection (or transfer fit) at a time: the Monte Carlo uses every core.
        self.sim_lock = threading.Lock()
        #: Projections: one running, ``max_queued`` waiting, 503 past that; comparisons and
        #: coalitions (cached after the first call) on a lane of their own. Never AnyIO's pool.
        self.projections = guard.Lane("projection", workers=1, waiting=max_queued, what="projections")
        self.analyses = guard.Lane("analysis", workers=2, waiting=16, what="analyses")
        #: What the transfer fit is doing (the dashboard's progress bar polls it).
        self.fit = {"active": False, "stage": "", "done": 0, "total": 0}

    def fit_progress(self, stage: str, done: int, total: int) -> None:
        """The ``progress`` callback of the transfer fits."""
        self.fit.update(active=done < total, stage=stage, done=int(done), total=int(total))

    def fit_status(self) -> s.FitStatus:
        return s.FitStatus(**self.fit)

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
            raise ApiError(404, "not_found", f"no {what} {year} in the store; available: "
                                             f"{', '.join(map(str, years)) or 'none'}")

    def replay(self, year: int) -> Replay:
        self.check_year(year)

        def make() -> Replay:
            with self._replay_lock, self.stores.open() as st:
                return api.replay_year(year, store=st)
        return self.memo.get(("replay", year), make)

    def elections(self) -> s.Elections:
        return self.memo.get(("elections",), self._elections)

    def _elections(self) -> s.Elections:
        infos, train = [], []
        for y in self.years():
            rep = self.replay(y)
            e = rep.election
            rounds = [1] + ([2] if e.round2 is not None else [])
            if e.round2 is not None:
                train.append(y)
            infos.append(s.ElectionInfo(
                year=y, rounds=rounds, constituencies=e.n_constituencies,
                candidates_round1=int(e.round1.valid.sum()),
                candidates_round2=int(e.round2.valid.sum()) if e.round2 is not None else None,
                decided=rep.decided))
        return s.Elections(
            elections=infos, train_years=train,
            blocs=[s.BlocInfo(bloc=b, label=BLOC_LABELS[b], colour=BLOC_COLOURS[b]) for b in BLOCS],
            seating=list(SEATING), seats=SEATS, majority=MAJORITY, scenarios=list(SCENARIOS),
            max_sims=self.max_sims)

    # ---- national results ------------------------------------------------------------------

    def results_json(self, year: int) -> bytes:
        return self.memo.get(("results", year), lambda: self._results(year).model_dump_json().encode())

    def _results(self, year: int) -> s.Results:
        rep = self.replay(year)
        e = rep.election
        r1 = e.round1
        winners_nuance = rep.winner_nuance()
        nuances = sorted({n for n in r1.nuance[r1.valid].tolist()} | {n for n in winners_nuance if n})
        colours = nuance_colours(year, nuances)
        by_nuance = rep.seats_by_nuance()
        by_bloc = rep.seats_by_bloc()
        votes: dict[str, int] = {}
        cands: dict[str, int] = {}
        for n, v in zip(r1.nuance[r1.valid].tolist(), r1.votes[r1.valid].tolist(), strict=True):
            votes[n] = votes.get(n, 0) + int(v)
            cands[n] = cands.get(n, 0) + 1
        expressed = max(int(r1.expressed.sum()), 1)
        winners = []
        rows = np.arange(e.n_constituencies)
        labels = newsroom.labels(rep)
        for i in rows:
            k = int(rep.winner[i])
            base = {"constituency": e.codes[i], "label": labels[e.codes[i]], "name": e.names[i],
                    "department": e.departments[i],
                    "department_name": e.department_names[i]}
            if k < 0:
                winners.append(s.Winner(**base, surname=None, first_name=None, nuance=None, bloc=None,
                                        round=None, votes=None))
                continue
            rnd = int(rep.winner_round[i])
            v = (e.round2.votes if rnd == 2 and e.round2 is not None else r1.votes)[i, k]
            n = winners_nuance[i]
            winners.append(s.Winner(**base, surname=e.surname[i, k], first_name=e.first_name[i, k],
                                    nuance=n, bloc=_bloc(year, n), round=rnd, votes=int(v)))
        return s.Results(
            year=year, rounds=[1] + ([2] if e.round2 is not None else []), seats=SEATS,
            majority=MAJORITY, decided=rep.decided, replay_ok=rep.ok, mismatches=len(rep.mismatches),
            seats_by_nuance=[s.NuanceSeats(nuance=n, label=_label(year, n), bloc=_bloc(year, n),
                                           colour=colours[n], seats=c) for n, c in by_nuance.items()],
            seats_by_bloc=[s.BlocSeats(bloc=b, seats=by_bloc.get(b, 0)) for b in BLOCS],
            votes_round1=[s.NuanceVotes(nuance=n, label=_label(year, n), bloc=_bloc(year, n),
                                        colour=colours[n], candidates=cands[n], votes=v,
                                        share=v / expressed)
                          for n, v in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))],
            turnout=_round_totals(rep), winners=winners)

    # ---- one constituency ------------------------------------------------------------------

    def constituency_json(self, year: int, code: str) -> bytes:
        code = code.upper()
        return self.memo.get(("constituency", year, code),
                             lambda: self._constituency(year, code).model_dump_json().encode())

    def _constituency(self, year: int, code: str) -> s.Constituency:
        rep = self.replay(year)
        e = rep.election
        hits = np.flatnonzero(e.codes == code)
        if not len(hits):
            raise ApiError(404, "not_found", f"no constituency {code!r} in {year}; codes look like "
                                             f"0101, 2A01, 97101 or ZZ01 (department + number)")
        i = int(hits[0])
        r1, r2 = e.round1, e.round2
        exp1 = max(int(r1.expressed[i]), 1)
        reg1 = max(int(r1.registered[i]), 1)
        known = e.birth[i] != rules.UNKNOWN_BIRTH
        cols = sorted(np.flatnonzero(r1.valid[i]), key=lambda k: (-int(r1.votes[i, k]), int(e.panel[i, k])))
        round1 = [s.Candidate1(
            panel=int(e.panel[i, k]), surname=e.surname[i, k], first_name=e.first_name[i, k],
            nuance=r1.nuance[i, k], bloc=_bloc(year, r1.nuance[i, k]), votes=int(r1.votes[i, k]),
            share=int(r1.votes[i, k]) / exp1, share_registered=int(r1.votes[i, k]) / reg1,
            status=STATUS_NAMES[int(rep.status1[i, k])], withdrawn=bool(rep.withdrawn[i, k]),
            incumbent=bool(e.incumbent[i, k]) if known[k] else None) for k in cols]
        round2: list[s.Candidate2] = []
        if r2 is not None and r2.held[i]:
            exp2 = max(int(r2.expressed[i]), 1)
            cols2 = sorted(np.flatnonzero(r2.valid[i]), key=lambda k: -int(r2.votes[i, k]))
            round2 = [s.Candidate2(
                panel=int(e.panel[i, k]), surname=e.surname[i, k], first_name=e.first_name[i, k],
                nuance=r2.nuance[i, k], bloc=_bloc(year, r2.nuance[i, k]), votes=int(r2.votes[i, k]),
                share=int(r2.votes[i, k]) / exp2,
                elected=bool(rep.winner_round[i] == 2 and rep.winner[i] == k)) for k in cols2]
        winner = None
        k = int(rep.winner[i])
        if k >= 0:
            rnd = int(rep.winner_round[i])
            rr = r2 if rnd == 2 and r2 is not None else r1
            n = rep.winner_nuance()[i]
            winner = s.ConstituencyWinner(panel=int(e.panel[i, k]), surname=e.surname[i, k],
                                          first_name=e.first_name[i, k], nuance=n, bloc=_bloc(year, n),
                                          round=rnd, votes=int(rr.votes[i, k]))
        before = self.previous_year(year)
        prev = newsroom.previous_seat(rep, self.replay(before) if before else None, code)
        return s.Constituency(
            year=year, constituency=code, label=newsroom.labels(rep)[code], name=e.names[i],
            department=e.departments[i],
            department_name=e.department_names[i], runoff=bool(rep.runoffs[i]),
            totals=_round_totals(rep, i), round1=round1, round2=round2, winner=winner,
            unresolved_tie=code in rep.unresolved_ties,
            previous=s.Previous(**prev) if prev else None)  # type: ignore[arg-type]

    # ---- newsroom: search, round-1 situation, CSV exports, learnt rates ---------------------

    def previous_year(self, year: int) -> int | None:
        """The latest earlier election in the store on the same constituency boundaries."""
        from hemicycle.data.registry import boundary_map

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
            hits += [s.SearchHit(**h.as_dict()) for h in newsroom.search(self.replay(y), query)]  # type: ignore[arg-type]
        return hits[:newsroom.SEARCH_LIMIT]

    def round1_json(self, year: int) -> bytes:
        return self.memo.get(("round1", year), lambda: s.Round1.model_validate(
            newsroom.round1_summary(self.replay(year))).model_dump_json().encode())

    def csv_export(self, year: int, what: str) -> bytes:
        make = newsroom.results_csv if what == "results" else newsroom.constituencies_csv
        return self.memo.get(("csv", year, what), lambda: make(self.replay(year)))

    def learnt_rates(self, train: int | str, year: int | None,
                     cancelled: threading.Event) -> s.LearntRates:
        """Blocking (the first call learns the transfers): call it from a worker thread. ``all``
        pools every election with both rounds earlier than ``year`` (every one without a year)."""
        from hemicycle.sim import api as sim

        def make() -> s.LearntRates:
            with self.sim_lock, self.stores.open() as st:
                frame = sim.transfers(train, st, target_year=year).to_frame()
            return s.LearntRates(train=train, rates=[s.LearntRate(**r) for r in newsroom.learnt_rates(frame)])  # type: ignore[arg-type]
        return self.memo.get(("rates", train, year), make)

    # ---- projection ------------------------------------------------------------------------

    def project(self, req: s.ProjectRequest, seed: int, cancelled: threading.Event) -> s.ProjectionOut:
        """Run one projection (blocking: call it from a worker thread)."""
        from hemicycle.sim import api as sim
        from hemicycle.sim import montecarlo
        from hemicycle.sim.features import TransferOverride

        with self.sim_lock:
            if cancelled.is_set():  # the client was answered 504 while this waited its turn
                raise ApiError(504, "timeout", "abandoned")
            t0 = time.perf_counter()
            overrides = [TransferOverride(o.origin, o.destination, o.rate) for o in req.overrides]
            with self.stores.open() as st, montecarlo.stop_when(cancelled.is_set):
                proj = sim.project(req.year, req.train, st, withdrawals=req.withdrawals, sims=req.sims,
                                   fit_progress=self.fit_progress,
                                   seed=seed, overrides=overrides)
            elapsed = time.perf_counter() - t0
        rep = self.replay(req.year)
        e = rep.election
        row_of = {c: i for i, c in enumerate(e.codes.tolist())}
        decided1 = ~rep.runoffs
        preds = proj.preds
        n_cands = preds.groupby("constituency")["panel"].transform("size").to_numpy()
        lead = preds.assign(n=n_cands).sort_values(["constituency", "p_win"], ascending=[True, False],
                                                   kind="stable").drop_duplicates("constituency")
        odds = []
        for r in lead.itertuples(index=False):
            i = row_of[r.constituency]
            k = int(np.flatnonzero(e.panel[i] == r.panel)[0])
            odds.append(s.ConstituencyOdds(constituency=r.constituency, panel=int(r.panel),
                                           surname=e.surname[i, k], nuance=r.nuance, bloc=r.bloc,
                                           p_win=float(r.p_win), decided=bool(decided1[i] or r.n == 1)))

        def intervals(kind: str) -> list[s.SeatInterval]:
            rows = proj.seats[proj.seats["kind"] == kind]
            return [s.SeatInterval(group=r.group, kind=kind, mean=r.mean, median=r.median, lo=r.lo,
                                   hi=r.hi, p_majority=r.p_majority) for r in rows.itertuples(index=False)]

        return s.ProjectionOut(
            year=req.year, train=req.train, train_years=[int(y) for y in str(proj.train_year).split(",")],
            sims=proj.sims, seed=seed, lineup=proj.lineup,
            overrides=req.overrides, blocs=intervals("bloc"), nuances=intervals("nuance"),
            p_any_majority=proj.p_any_majority, p_any_majority_nuance=proj.p_any_majority_nuance,
            constituencies=odds,
            closest=[s.Close(constituency=r.constituency, leader=r.leader, p_win=r.p_win,
                             runner_up=r.runner_up) for r in proj.closest.head(20).itertuples(index=False)],
            candidates=[s.CandidateOdds(constituency=c, panel=int(k), p_win=round(float(pw), 4))
                        for c, k, pw in zip(preds["constituency"], preds["panel"], preds["p_win"],
                                            strict=True)],
            elapsed_s=round(elapsed, 3))

    def prefit(self) -> None:
        """Fit (or load from the disk cache) the transfers of the training years the dashboard
        picks by default, so that its first projection does not wait for them. Run in a background
        thread by ``hemicycle serve``."""
        from hemicycle.sim import api as sim

        meta = self.elections()
        # the dashboard's default, `all`, pools every training year: fit them all (in parallel)
        with self.sim_lock, self.stores.open() as st:
            try:
                sim.pooled(meta.train_years, st, progress=self.fit_progress)
            except HemicycleError as exc:  # pragma: no cover - logged, the API reports it later
                log.warning("could not fit the transfers of %s: %s", meta.train_years, exc)

    # ---- counterfactual systems and coalitions ---------------------------------------------

    def compare(self, year: int, systems: list[str] | None, unit: str) -> s.Comparison:
        """Blocking (the projected systems may learn transfers): call it from a worker thread."""
        def make() -> s.Comparison:
            with self.sim_lock, self.stores.open() as st:
                cmp = api.compare(year, store=st, systems=systems, unit=unit)
            idx = cmp.indices_frame().set_index("system")
            out = []
            for a in cmp.allocations:
                row = idx.loc[a.system]
                colours = self._colours(year, unit, a.groups)
                out.append(s.SystemResult(
                    system=a.system, title=_system_title(a.system), unit=a.unit,
                    house_size=int(a.house_size), largest=str(row["largest"]), majority=bool(row["majority"]),
                    notes=[str(n) for n in a.notes],
                    seats=[s.GroupSeats(group=g, colour=colours[g], seats=int(n), votes=int(v))
                           for g, n, v in zip(a.groups, a.seats, a.votes, strict=True) if n],
                    indices={k: _finite(row[k]) for k in INDICES}))
            return s.Comparison(year=year, unit=unit, systems=out)
        return self.memo.get(("compare", year, tuple(systems or ()), unit), make)

    def coalitions(self, year: int, system: str, unit: str, minimal: bool) -> s.Coalitions:
        """Blocking, as :meth:`compare`."""
        def make() -> s.Coalitions:
            with self.sim_lock, self.stores.open() as st:
                g = api.coalitions(year, store=st, system=system, unit=unit)
            df = g.coalitions
            if minimal:
                df = df[df["minimal_winning"]]
            rows = [s.CoalitionRow(members=_members(r.coalition), seats=int(r.seats),
                                   minimal_winning=bool(r.minimal_winning), connected=bool(r.connected))
                    for r in df.head(500).itertuples(index=False)]
            colours = self._colours(year, unit, g.groups)
            return s.Coalitions(
                year=year, system=system, unit=unit, quota=int(g.quota), house_size=int(g.house),
                seats=[s.GroupSeats(group=n, colour=colours[n], seats=int(k), votes=None)
                       for n, k in zip(g.groups, g.seats, strict=True)],
                count=len(df), coalitions=rows,
                banzhaf={k: float(v) for k, v in g.banzhaf().items()},
                shapley={k: float(v) for k, v in g.shapley_shubik().items()})
        return self.memo.get(("coalitions", year, system, unit, minimal), make)

    @staticmethod
    def _colours(year: int, unit: str, groups: Any) -> dict[str, str]:
        if unit == "bloc":
            return {g: BLOC_COLOURS.get(g, "#999999") for g in groups}
        return nuance_colours(year, list(groups))

    # ---- charts ----------------------------------------------------------------------------

    def chart_svg(self, year: int, chart: str, unit: str, legend: bool = True) -> bytes:
        """``chart``: hemicycle, map or cartogram (:mod:`hemicycle.report.views`), coloured by the
        winner's ``unit``; ``legend=False`` leaves out the title and legend (the dashboard adds its
        own and recolours the constituencies)."""
        def make() -> bytes:
            rep = self.replay(year)
            if chart == "hemicycle":
                return views.outcome_hemicycle_svg(rep, unit).encode()
            if legend:
                draw = views.outcome_map_svg if chart == "map" else views.outcome_cartogram_svg
                return draw(rep, unit).encode()
            w = views.winners(rep)
            bare = maps.constituency_map_svg if chart == "map" else maps.cartogram_svg
            return bare(w.codes, w.fills(unit), dict(zip(w.codes, w.titles, strict=True)), title="").encode()
        return self.memo.get(("svg", year, chart, unit, legend), make)

    def gzipped(self, body: bytes) -> bytes:
        """``body`` gzip-compressed, once: the cached bodies (the map's SVG is ~280 kB) would
        otherwise be compressed again by the middleware on every request."""
        return self.memo.get(("gzip", body), lambda: gzip.compress(body, mtime=0))

    async def in_worker(self, fn: Callable[..., Any], *args: Any, what: str, lane: guard.Lane | None = None,
                        request: Request | None = None) -> Any:
        """``fn(*args, cancelled)`` on ``lane`` (default: the analyses) under the time limit (504
        past it); 503 with ``Retry-After`` when the lane is full. ``cancelled`` is set when the
        time runs out, when ``request``'s client disconnects or when the server stops."""
        lane = lane or self.analyses
        try:
            fut, cancelled = lane.submit(lambda c: fn(*args, c))
        except guard.Busy as exc:
            raise ApiError(503, "busy", str(exc), {"Retry-After": str(exc.retry_after)}) from None
        outcome, value = await guard.wait_for_job(fut, cancelled, timeout_s=self.timeout_s,
                                                  receive=request.receive if request is not None else None)
        if outcome == "done":
            return value
        if outcome == "gone":
            raise ApiError(499, "client_closed", f"{what} was cancelled: the client closed the connection")
        raise ApiError(504, "timeout", f"{what} did not finish within {self.timeout_s:g} s (the first "
                                       f"one after start-up learns the vote transfers, about a "
                                       f"minute); try again shortly")


INDICES = ("gallagher", "loosemore_hanby", "enp_votes", "enp_seats")


def _system_title(name: str) -> str:
    from hemicycle.systems import get

    return get(name.partition(":")[0]).title


def _distinct_systems(specs: list[str]) -> list[str] | None:
    """The systems asked for, each (canonical name and options) once, in order: ``actual,actual``,
    ``all,actual`` and ``dhondt,dhondt:threshold=0.05`` each name a system twice. ``all`` alone
    stays ``None`` (every system that can run here). Unknown names raise the usual OptionError."""
    from hemicycle.systems import compare_specs, parse_spec
    from hemicycle.systems.registry import label

    given = [x.strip() for x in specs if x.strip()]
    if not given:
        return None
    out: list[str] = []
    for spec in compare_specs(given):
        name = label(*parse_spec(spec))
        if name not in out:
            out.append(name)
    return out


def _round_totals(rep: Replay, i: int | None = None) -> list[s.RoundTotals]:
    e = rep.election
    out = []
    for n, rnd in ((1, e.round1), (2, e.round2)):
        if rnd is None:
            continue
        held = rnd.held if i is None else rnd.held & (np.arange(len(rnd.held)) == i)
        if not held.any():
            continue
        tot = {k: int(getattr(rnd, k)[held].sum()) for k in ("registered", "voters", "blank", "null",
                                                                "expressed")}
        out.append(s.RoundTotals(round=n, constituencies=int(held.sum()), **tot,
                                 abstentions=tot["registered"] - tot["voters"],
                                 turnout=tot["voters"] / max(tot["registered"], 1)))
    return out


def _members(value: Any) -> list[str]:
    return value.split("+") if isinstance(value, str) else [str(m) for m in value]


# ----- the app ------------------------------------------------------------------------------


def _sentence(errors: list[dict[str, Any]], max_sims: int) -> str:
    """Pydantic's errors as one readable sentence."""
    where_names = {"body": "the body", "query": "the query", "path": "the path", "header": "a header"}
    parts = []
    for err in errors[:4]:
        loc = [str(x) for x in err.get("loc", ())]
        where = where_names.get(loc[0], loc[0]) if loc else "the request"
        field = ".".join(loc[1:])
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        msg = msg[:1].lower() + msg[1:]
        kind = err.get("type")
        if kind == "json_invalid":
            parts.append(f"the body is not valid JSON ({err.get('ctx', {}).get('error', 'syntax error')})")
        elif kind == "missing" and not field:
            parts.append(f"{where} is missing")
        elif loc[-2:] == ["body", "sims"] and kind == "less_than_equal":
            got = err.get("input")
            shown = f"{got:,}" if isinstance(got, int) else repr(got)
            parts.append(f"sims must be at most {max_sims:,} (this server's cap); got {shown}")
        elif field:
            parts.append(f"{field} (in {where}): {msg}")
        else:
            parts.append(f"{where}: {msg}")
    more = len(errors) - 4
    tail = f" (and {more} more)" if more > 0 else ""
    return "invalid request: " + "; ".join(parts) + tail + "."


def create_app(store_path: str | Path | None = None, *, max_sims: int = MAX_SIMS,
               timeout_s: float = DEFAULT_TIMEOUT_S, prefit: bool = False, max_queued: int = 4,
               allowed_hosts: Sequence[str] | None = None, max_body: int = guard.MAX_BODY) -> FastAPI:
    """The FastAPI app over the store at ``store_path`` (default: ``$HEMICYCLE_STORE`` or the user
    cache), opened read-only: ingest the years first (``hemicycle serve`` does). It never ingests
    while serving: newer official files are logged once and taken at the next start.

    ``max_sims`` caps ``sims`` in ``POST /api/project`` (422 above it); ``timeout_s`` bounds a
    projection (504 past it); ``max_queued`` projections may wait behind the running one (503 with
    ``Retry-After`` past that); ``prefit`` fits the transfers of the training years in a background
    thread at start-up. ``allowed_hosts``: the ``Host`` names answered (400 otherwise; ``"*"``:
    any; default: the loopback names and TestClient's ``testserver``). ``max_body``: the largest
    request body in bytes (413 above it).
    """
    from hemicycle.data.store import default_path

    path = Path(store_path) if store_path is not None else default_path()
    if not path.exists():
        raise HemicycleError(f"the store {path} does not exist: run `hemicycle data ingest YEAR` first "
                             f"(`hemicycle serve` does it)")
    if max_sims < 1:
        raise HemicycleError(f"max_sims must be >= 1; got {max_sims}")
    svc = Service(path, max_sims=max_sims, timeout_s=timeout_s, max_queued=max_queued)
    hosts = (guard.allowed_hosts_for("127.0.0.1", guard.TEST_HOSTS) if allowed_hosts is None
             else guard.allowed_hosts_for("0.0.0.0", allowed_hosts or ["*"]))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if prefit:
            threading.Thread(target=svc.prefit, name="hemicycle-prefit", daemon=True).start()
        try:
            yield
        finally:
            svc.close()  # cancels running projections: shutdown does not wait for them

    app = FastAPI(
        title="hemicycle", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
        description="French legislative elections, computable: the official results of 1997 to 2024 "
                    "(the years the store holds), the two-round law replayed, and projections of round 2 with vote "
                    "transfers learnt from an earlier election. Errors are JSON "
                    "`{\"error\": KIND, \"detail\": SENTENCE}`.")
    app.state.service = svc
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.add_middleware(guard.Guard, allowed_hosts=hosts, max_body=max_body, csp=CSP)  # outermost

    # ---- errors --------------------------------------------------------------------------

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.kind, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid_request", _sentence(list(exc.errors()), svc.max_sims))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = "not_found" if exc.status_code == 404 else "http_error"
        detail = (f"no such path {request.url.path}; the API is described at /openapi.json and /docs"
                  if exc.status_code == 404 else str(exc.detail))
        return _error(exc.status_code, kind, detail)

    @app.exception_handler(HemicycleError)
    async def _domain(request: Request, exc: HemicycleError) -> JSONResponse:
        if isinstance(exc, MissingRoundError):  # the year is there, the round it needs is not
            return _error(409, "missing_round", str(exc))
        missing = isinstance(exc, DataNotAvailableError | UnsupportedElectionError)
        return _error(404 if missing else 400, "not_found" if missing else "bad_option", str(exc))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error(500, "internal_error", "internal error: the server log has the details")

    # ---- pages ---------------------------------------------------------------------------

    def page(name: str) -> FileResponse:
        return FileResponse(STATIC / name, media_type="text/html",
                            headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"})

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return page("index.html")

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        return page("docs.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # ---- API -----------------------------------------------------------------------------

    def cached(request: Request, body: bytes, media_type: str,
               headers: dict[str, str] | None = None) -> Response:
        """A cached body, sent gzip-compressed (from the cache too) where GZipMiddleware would."""
        headers = dict(headers or {})
        if len(body) >= GZIP_MIN and "gzip" in request.headers.get("accept-encoding", ""):
            body = svc.gzipped(body)
            headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        return Response(body, media_type=media_type, headers=headers)

    @app.get("/api/status", response_model=s.FitStatus, tags=["projection"])
    def status() -> s.FitStatus:
        """What the transfer fit is doing: the first projection with new training elections waits
        for it (the dashboard shows this as a progress bar with the stage)."""
        return svc.fit_status()

    @app.get("/api/elections", response_model=s.Elections, tags=["elections"],
             responses=_responses(500))
    def elections() -> s.Elections:
        """The elections in the store, the blocs and their colours, and what this server offers."""
        return svc.elections()

    @app.get("/api/elections/{year}/results", response_model=s.Results, tags=["elections"],
             responses=_responses(404, 422, 500))
    def results(year: Year, request: Request) -> Response:
        """National results, replayed by law: seats by nuance and bloc, round-1 votes, turnout,
        and the winner of every constituency."""
        return cached(request, svc.results_json(year), "application/json")

    @app.get("/api/elections/{year}/constituencies/{code}", response_model=s.Constituency,
             tags=["elections"], responses=_responses(404, 422, 500))
    def constituency(
        year: Year,
        code: Code,
        request: Request,
    ) -> Response:
        """One constituency: totals of each round, every candidate with the law's round-1 status,
        the withdrawals, round 2 and the winner."""
        return cached(request, svc.constituency_json(year, code), "application/json")

    Req = create_model(  # the cap is this app's setting, so it shows in the schema too
        "ProjectRequest", __base__=s.ProjectRequest,
        sims=(int, Field(min(10_000, max_sims), ge=1, le=max_sims,
                         description=f"simulated elections (at most {max_sims:,})")))

    @app.post("/api/project", response_model=s.ProjectionOut, tags=["projection"],
              responses=_responses(400, 404, 409, 422, 500, 503, 504))
    async def project(req: Annotated[Req, Body()], request: Request) -> s.ProjectionOut:  # type: ignore[valid-type]
        """Project round 2 of `year` from its round 1 with transfers learnt from `train`: seats by
        bloc and nuance (mean, median, 90% interval, P(majority)), and each constituency's most
        likely winner. The first call with a new `train` learns the transfers (about a minute)."""
        svc.check_year(req.year)
        if req.train != "all":
            svc.check_year(req.train, what="training election")
        seed = req.seed if req.seed is not None else secrets.randbits(32)
        return await svc.in_worker(svc.project, req, seed, what="the projection", lane=svc.projections,
                                   request=request)

    @app.get("/api/elections/{year}/compare", response_model=s.Comparison, tags=["systems"],
             responses=_responses(400, 404, 422, 500, 503, 504))
    async def compare(
        year: Year,
        systems: Annotated[str | None, Query(max_length=400, description="comma-separated system "
                                             "names, e.g. actual,dhondt (default: every one)")] = None,
        unit: Annotated[s.Unit, Query(description="count seats by nuance or by bloc")] = "nuance",
    ) -> s.Comparison:
        """The same votes under other electoral systems, side by side, with disproportionality and
        fragmentation indices. Systems that need round 2 project it when it is not in the data."""
        svc.check_year(year)
        names = _distinct_systems(systems.split(",")) if systems else None
        return await svc.in_worker(lambda c: svc.compare(year, names, unit), what="the comparison")

    @app.get("/api/elections/{year}/coalitions", response_model=s.Coalitions, tags=["systems"],
             responses=_responses(400, 404, 422, 500, 503, 504))
    async def coalitions(
        year: Year,
        system: Annotated[str, Query(max_length=80, description="electoral system (see compare)")] = "actual",
        unit: Annotated[s.Unit, Query(description="groups: nuances or blocs")] = "bloc",
        minimal: Annotated[bool, Query(description="only the minimal winning coalitions")] = False,
    ) -> s.Coalitions:
        """Who can govern the Assembly that `system` gives: winning coalitions (an absolute
        majority), and the Banzhaf and Shapley–Shubik power of each group."""
        svc.check_year(year)
        return await svc.in_worker(lambda c: svc.coalitions(year, system, unit, minimal),
                                   what="the coalition analysis")

    @app.get("/api/search", response_model=list[s.SearchHit], tags=["elections"],
             responses=_responses(404, 422, 500))
    def search(
        q: Annotated[str, Query(min_length=1, max_length=80, description="a code (7505), a constituency "
                                "(Paris 5, Haute-Garonne 3e), a department or a candidate's name; "
                                "accents and case do not matter")],
        year: Annotated[int | None, Query(ge=1900, le=2100, description="one election (default: all, "
                                          "latest first)")] = None,
    ) -> list[s.SearchHit]:
        """Constituencies by code, label, department or candidate name (at most 40)."""
        return svc.search(q, year)

    @app.get("/api/elections/{year}/round1", response_model=s.Round1, tags=["elections"],
             responses=_responses(404, 422, 500))
    def round1(year: Year, request: Request) -> Response:
        """After round 1: each constituency's leader, runoff type (elected, duel, three-way,
        four-way) and withdrawals; the national counts; and "round 1 as the basis" (each
        round-1 leader takes the seat: first-round plurality)."""
        svc.check_year(year)
        return cached(request, svc.round1_json(year), "application/json")

    csv_doc = {200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a header row"},
               **_responses(404, 422, 500)}

    def csv_response(request: Request, year: int, what: str) -> Response:
        svc.check_year(year)
        return cached(request, svc.csv_export(year, what), "text/csv; charset=utf-8",
                      {"Content-Disposition": f'attachment; filename="hemicycle-{year}-{what}.csv"'})

    @app.get("/api/elections/{year}/results.csv", tags=["exports"], responses=csv_doc,
             response_class=Response)
    def results_csv(year: Year, request: Request) -> Response:
        """One row per candidate and round, with the law's status (round 1: elected, qualified,
        withdrawn, eliminated; round 2: elected, defeated). Header:
        `year,constituency,label,round,panel,surname,first_name,nuance,bloc,votes,share_expressed,share_registered,status`."""
        return csv_response(request, year, "results")

    @app.get("/api/elections/{year}/constituencies.csv", tags=["exports"], responses=csv_doc,
             response_class=Response)
    def constituencies_csv(year: Year, request: Request) -> Response:
        """One row per constituency and round held, with the round-1 situation. Header:
        `year,constituency,label,department,department_name,round,registered,voters,expressed,turnout,situation,candidates,leader_nuance,leader_bloc,withdrawals,winner_surname,winner_nuance,winner_bloc`."""
        return csv_response(request, year, "constituencies")

    @app.get("/api/transfers", response_model=s.LearntRates, tags=["projection"],
             responses=_responses(400, 404, 409, 422, 500, 503, 504))
    async def transfers(
        train: Annotated[int | Literal["all"], Query(
            description="the training elections: `all` (every earlier one, pooled) or a year")] = "all",
        year: Annotated[int | None, Query(
            ge=1900, le=2100, description="the target election: `all` means the ones before it")] = None,
    ) -> s.LearntRates:
        """The learnt transfer rate of every (from, to) bloc pair, as the what-ifs of
        `POST /api/project` override it: the sliders' starting points."""
        if train != "all":
            svc.check_year(train, what="training election")
        if year is not None:
            svc.check_year(year)
        return await svc.in_worker(svc.learnt_rates, train, year, what="learning the transfers")

    svg = {200: {"content": {"image/svg+xml": {}}, "description": "an SVG document"},
           **_responses(404, 422, 500)}
    By = Annotated[s.Unit, Query(description="colour by the winner's bloc or nuance")]
    Legend = Annotated[bool, Query(description="with the title and legend")]

    def svg_response(request: Request, year: int, chart: str, unit: str, legend: bool = True) -> Response:
        svc.check_year(year)
        return cached(request, svc.chart_svg(year, chart, unit, legend), "image/svg+xml",
                      {"Cache-Control": "public, max-age=600"})

    @app.get("/api/elections/{year}/hemicycle.svg", tags=["charts"], responses=svg, response_class=Response)
    def hemicycle_svg(year: Year, request: Request, unit: By = "bloc") -> Response:
        """The Assembly as a seat diagram, seated left to right (SVG)."""
        return svg_response(request, year, "hemicycle", unit)

    @app.get("/api/elections/{year}/map.svg", tags=["charts"], responses=svg, response_class=Response)
    def map_svg(year: Year, request: Request, unit: By = "bloc", legend: Legend = True) -> Response:
        """The constituencies coloured by the winner (SVG): one element with `data-code` per
        constituency, a Paris zoom (`data-zoom`) and the overseas in insets."""
        return svg_response(request, year, "map", unit, legend)

    @app.get("/api/elections/{year}/cartogram.svg", tags=["charts"], responses=svg, response_class=Response)
    def cartogram_svg(year: Year, request: Request, unit: By = "bloc", legend: Legend = True) -> Response:
        """One hexagon per constituency, coloured by the winner (SVG, `data-code` on each)."""
        return svg_response(request, year, "cartogram", unit, legend)

    return app


Year = Annotated[int, PathParam(ge=1900, le=2100, description="election year", examples=[2024])]
Code = Annotated[str, PathParam(pattern=s.CODE_PATTERN, description="canonical constituency code",
                                examples=["7502"])]



