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
app turns into JSON errors. The routes (:mod:`hemicycle.web.routes`) reach it through a dependency.
"""

import gzip
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import numpy as np
from starlette.requests import Request

from hemicycle import rules
from hemicycle.data.blocs import BLOCS, bloc_of, table
from hemicycle.errors import HemicycleError
from hemicycle.options import SCENARIOS, ProjectionOptions, TransferOverride
from hemicycle.replays import STATUS_NAMES, Replay
from hemicycle.report import views
from hemicycle.report.palette import BLOC_COLOURS, BLOC_LABELS, SEATING, nuance_colours
from hemicycle.rules import MAJORITY, SEATS
from hemicycle.session import TRAINING_YEARS, Progress, Session, boundary_map, publisher
from hemicycle.systems import canonical
from hemicycle.web import guard, newsroom
from hemicycle.web import schemas as s
from hemicycle.web.errors import ApiError

log = logging.getLogger("hemicycle.web")


def _label(year: int, nuance: str) -> str:
    return table().get((year, nuance), (nuance, "other"))[0] or nuance


def _bloc(year: int, nuance: str) -> s.Bloc:
    # an unclassified nuance is 'other', silently
    return bloc_of(year, nuance, warn=False)


def _blocs() -> list[s.Bloc]:
    """The seven blocs, left to right, as the API's literal type."""
    return list(BLOCS)


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


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
        infos, train = [], []
        for y in self.years():
            rep = self.replay(y)
            e = rep.election
            rounds = [1] + ([2] if e.round2 is not None else [])
            if e.round2 is not None and y in TRAINING_YEARS:
                train.append(y)
            infos.append(
                s.ElectionInfo(
                    year=y,
                    rounds=rounds,
                    constituencies=e.n_constituencies,
                    candidates_round1=int(e.round1.valid.sum()),
                    candidates_round2=int(e.round2.valid.sum()) if e.round2 is not None else None,
                    decided=rep.decided,
                    map=views.has_contours(y),
                )
            )
        return s.Elections(
            elections=infos,
            train_years=train,
            blocs=[
                s.BlocInfo(bloc=b, label=BLOC_LABELS[b], colour=BLOC_COLOURS[b]) for b in _blocs()
            ],
            seating=list(SEATING),
            seats=SEATS,
            majority=MAJORITY,
            scenarios=list(SCENARIOS),
            max_sims=self.max_sims,
        )

    # ---- national results ------------------------------------------------------------------

    def results_json(self, year: int) -> bytes:
        return self.memo.get(
            ("results", year), lambda: self._results(year).model_dump_json().encode()
        )

    def _results(self, year: int) -> s.Results:
        rep = self.replay(year)
        e = rep.election
        r1 = e.round1
        winners_nuance = rep.winner_nuance()
        nuances = sorted(
            {n for n in r1.nuance[r1.valid].tolist()} | {n for n in winners_nuance if n}
        )
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
        labels = self.search_index(year).labels
        for i in rows:
            k = int(rep.winner[i])
            base = {
                "constituency": e.codes[i],
                "label": labels[e.codes[i]],
                "name": e.names[i],
                "department": e.departments[i],
                "department_name": e.department_names[i],
            }
            if k < 0:
                winners.append(
                    s.Winner(
                        **base,
                        surname=None,
                        first_name=None,
                        nuance=None,
                        bloc=None,
                        round=None,
                        votes=None,
                    )
                )
                continue
            rnd = int(rep.winner_round[i])
            v = (e.round2.votes if rnd == 2 and e.round2 is not None else r1.votes)[i, k]
            n = winners_nuance[i]
            winners.append(
                s.Winner(
                    **base,
                    surname=e.surname[i, k],
                    first_name=e.first_name[i, k],
                    nuance=n,
                    bloc=_bloc(year, n),
                    round=rnd,
                    votes=int(v),
                )
            )
        return s.Results(
            year=year,
            rounds=[1] + ([2] if e.round2 is not None else []),
            seats=SEATS,
            majority=MAJORITY,
            decided=rep.decided,
            replay_ok=rep.ok,
            mismatches=len(rep.mismatches),
            explained=len(rep.explained),
            verdict=rep.verdict(),
            source=publisher(year),
            seats_by_nuance=[
                s.NuanceSeats(
                    nuance=n, label=_label(year, n), bloc=_bloc(year, n), colour=colours[n], seats=c
                )
                for n, c in by_nuance.items()
            ],
            seats_by_bloc=[s.BlocSeats(bloc=b, seats=by_bloc.get(b, 0)) for b in _blocs()],
            votes_round1=[
                s.NuanceVotes(
                    nuance=n,
                    label=_label(year, n),
                    bloc=_bloc(year, n),
                    colour=colours[n],
                    candidates=cands[n],
                    votes=v,
                    share=v / expressed,
                )
                for n, v in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            turnout=_round_totals(rep),
            winners=winners,
        )

    # ---- one constituency ------------------------------------------------------------------

    def constituency_json(self, year: int, code: str) -> bytes:
        code = code.upper()
        return self.memo.get(
            ("constituency", year, code),
            lambda: self._constituency(year, code).model_dump_json().encode(),
        )

    def _constituency(self, year: int, code: str) -> s.Constituency:
        rep = self.replay(year)
        e = rep.election
        hits = np.flatnonzero(e.codes == code)
        if not len(hits):
            raise ApiError(
                404,
                "not_found",
                f"no constituency {code!r} in {year}; codes look like "
                f"0101, 2A01, 97101 or ZZ01 (department + number)",
            )
        i = int(hits[0])
        r1, r2 = e.round1, e.round2
        exp1 = max(int(r1.expressed[i]), 1)
        reg1 = max(int(r1.registered[i]), 1)
        known = e.birth[i] != rules.UNKNOWN_BIRTH
        cols = sorted(
            np.flatnonzero(r1.valid[i]), key=lambda k: (-int(r1.votes[i, k]), int(e.panel[i, k]))
        )
        round1 = [
            s.Candidate1(
                panel=int(e.panel[i, k]),
                surname=e.surname[i, k],
                first_name=e.first_name[i, k],
                nuance=r1.nuance[i, k],
                bloc=_bloc(year, r1.nuance[i, k]),
                votes=int(r1.votes[i, k]),
                share=int(r1.votes[i, k]) / exp1,
                share_registered=int(r1.votes[i, k]) / reg1,
                status=STATUS_NAMES[int(rep.status1[i, k])],
                withdrawn=bool(rep.withdrawn[i, k]),
                incumbent=bool(e.incumbent[i, k]) if known[k] else None,
            )
            for k in cols
        ]
        round2: list[s.Candidate2] = []
        if r2 is not None and r2.held[i]:
            exp2 = max(int(r2.expressed[i]), 1)
            cols2 = sorted(np.flatnonzero(r2.valid[i]), key=lambda k: -int(r2.votes[i, k]))
            round2 = [
                s.Candidate2(
                    panel=int(e.panel[i, k]),
                    surname=e.surname[i, k],
                    first_name=e.first_name[i, k],
                    nuance=r2.nuance[i, k],
                    bloc=_bloc(year, r2.nuance[i, k]),
                    votes=int(r2.votes[i, k]),
                    share=int(r2.votes[i, k]) / exp2,
                    elected=bool(rep.winner_round[i] == 2 and rep.winner[i] == k),
                )
                for k in cols2
            ]
        winner = None
        k = int(rep.winner[i])
        if k >= 0:
            rnd = int(rep.winner_round[i])
            rr = r2 if rnd == 2 and r2 is not None else r1
            n = rep.winner_nuance()[i]
            winner = s.ConstituencyWinner(
                panel=int(e.panel[i, k]),
                surname=e.surname[i, k],
                first_name=e.first_name[i, k],
                nuance=n,
                bloc=_bloc(year, n),
                round=rnd,
                votes=int(rr.votes[i, k]),
            )
        before = self.previous_year(year)
        prev = newsroom.previous_seat(rep, self.replay(before) if before else None, code)
        return s.Constituency(
            year=year,
            constituency=code,
            label=self.search_index(year).labels[code],
            name=e.names[i],
            department=e.departments[i],
            department_name=e.department_names[i],
            runoff=bool(rep.runoffs[i]),
            totals=_round_totals(rep, i),
            round1=round1,
            round2=round2,
            winner=winner,
            unresolved_tie=code in rep.unresolved_ties,
            previous=s.Previous.model_validate(prev) if prev else None,
        )

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
            lambda: (
                s.Round1.model_validate(newsroom.round1_summary(self.replay(year)))
                .model_dump_json()
                .encode()
            ),
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
            return s.LearntRates(
                train=train,
                rates=[s.LearntRate.model_validate(r) for r in newsroom.learnt_rates(frame)],
            )

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
        rep = self.replay(req.year)
        e = rep.election
        row_of = {c: i for i, c in enumerate(e.codes.tolist())}
        decided1 = ~rep.runoffs
        preds = proj.preds
        n_cands = preds.groupby("constituency")["panel"].transform("size").to_numpy()
        lead = (
            preds.assign(n=n_cands)
            .sort_values(["constituency", "p_win"], ascending=[True, False], kind="stable")
            .drop_duplicates("constituency")
        )
        odds = []
        for r in lead.itertuples(index=False):
            i = row_of[r.constituency]
            k = int(np.flatnonzero(e.panel[i] == r.panel)[0])
            odds.append(
                s.ConstituencyOdds(
                    constituency=r.constituency,
                    panel=int(r.panel),
                    surname=e.surname[i, k],
                    nuance=r.nuance,
                    bloc=r.bloc,
                    p_win=float(r.p_win),
                    decided=bool(decided1[i] or r.n == 1),
                )
            )

        def intervals(kind: str) -> list[s.SeatInterval]:
            rows = proj.seats[proj.seats["kind"] == kind]
            return [
                s.SeatInterval(
                    group=r.group,
                    kind=cast(s.Unit, kind),
                    mean=r.mean,
                    median=r.median,
                    lo=r.lo,
                    hi=r.hi,
                    p_majority=r.p_majority,
                )
                for r in rows.itertuples(index=False)
            ]

        return s.ProjectionOut(
            year=req.year,
            train=req.train,
            train_years=list(proj.train_years),
            sims=proj.sims,
            seed=seed,
            lineup=proj.lineup,
            overrides=req.overrides,
            blocs=intervals("bloc"),
            nuances=intervals("nuance"),
            p_any_majority=proj.p_any_majority,
            p_any_majority_nuance=proj.p_any_majority_nuance,
            constituencies=odds,
            closest=[
                s.Close(
                    constituency=r.constituency,
                    leader=r.leader,
                    p_win=r.p_win,
                    runner_up=r.runner_up,
                )
                for r in proj.closest.head(20).itertuples(index=False)
            ],
            candidates=[
                s.CandidateOdds(constituency=c, panel=int(k), p_win=round(float(pw), 4))
                for c, k, pw in zip(
                    preds["constituency"], preds["panel"], preds["p_win"], strict=True
                )
            ],
            elapsed_s=round(elapsed, 3),
        )

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
            idx = cmp.indices_frame().set_index("system")
            out = []
            for a in cmp.allocations:
                row = idx.loc[a.system]
                colours = self._colours(year, unit, a.groups)
                out.append(
                    s.SystemResult(
                        system=a.system,
                        title=_system_title(a.system),
                        unit=a.unit,
                        house_size=int(a.house_size),
                        largest=str(row["largest"]),
                        majority=bool(row["majority"]),
                        notes=[str(n) for n in a.notes],
                        seats=[
                            s.GroupSeats(group=g, colour=colours[g], seats=int(n), votes=int(v))
                            for g, n, v in zip(a.groups, a.seats, a.votes, strict=True)
                            if n
                        ],
                        indices={k: _finite(row[k]) for k in INDICES},
                    )
                )
            body = s.Comparison(year=year, unit=cast(s.Unit, unit), systems=out)
            return body.model_dump_json().encode()

        # one entry per system asked for, however spelt (dhondt, dhondt:threshold=5%)
        key = tuple(x if x == "all" else canonical(x) for x in systems or ())
        return self.analyses_memo.get(("compare", year, key, unit), make)

    def coalitions_json(self, year: int, system: str, unit: str, minimal: bool) -> bytes:
        """Blocking, as :meth:`compare_json` (the same lock)."""

        def make() -> bytes:
            with self.stores.open() as st:
                g = st.coalitions(year, system, unit=unit, lock=self.sim_lock)
            df = g.coalitions
            if minimal:
                df = df[df["minimal_winning"]]
            rows = [
                s.CoalitionRow(
                    members=_members(r.coalition),
                    seats=int(r.seats),
                    minimal_winning=bool(r.minimal_winning),
                    connected=bool(r.connected),
                )
                for r in df.head(500).itertuples(index=False)
            ]
            colours = self._colours(year, unit, g.groups)
            return (
                s.Coalitions(
                    year=year,
                    system=system,
                    unit=cast(s.Unit, unit),
                    quota=int(g.quota),
                    house_size=int(g.house),
                    seats=[
                        s.GroupSeats(group=n, colour=colours[n], seats=int(k), votes=None)
                        for n, k in zip(g.groups, g.seats, strict=True)
                    ],
                    notes=[str(n) for n in g.notes],
                    count=len(df),
                    coalitions=rows,
                    banzhaf={k: float(v) for k, v in g.banzhaf().items()},
                    shapley={k: float(v) for k, v in g.shapley_shubik().items()},
                )
                .model_dump_json()
                .encode()
            )

        return self.analyses_memo.get(("coalitions", year, system, unit, minimal), make)

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


INDICES = ("gallagher", "loosemore_hanby", "enp_votes", "enp_seats")


def _system_title(name: str) -> str:
    from hemicycle.systems import get

    return get(name.partition(":")[0]).title


def _round_totals(rep: Replay, i: int | None = None) -> list[s.RoundTotals]:
    e = rep.election
    out = []
    for n, rnd in ((1, e.round1), (2, e.round2)):
        if rnd is None:
            continue
        held = rnd.held if i is None else rnd.held & (np.arange(len(rnd.held)) == i)
        if not held.any():
            continue
        tot = {k: int(getattr(rnd, k)[held].sum()) for k in ("registered", "voters", "expressed")}
        out.append(
            s.RoundTotals(
                round=n,
                constituencies=int(held.sum()),
                **tot,
                blank=int(rnd.blank[held].sum()) if rnd.blank_separate else None,
                null=int(rnd.null[held].sum()),
                abstentions=tot["registered"] - tot["voters"],
                turnout=tot["voters"] / max(tot["registered"], 1),
            )
        )
    return out


def _members(value: Any) -> list[str]:
    return value.split("+") if isinstance(value, str) else [str(m) for m in value]
