"""What ``hemicycle live`` shows, poll after poll, computed here so the command only prints.

* Round 2 (:class:`RoundTwo`): each poll's report goes through the live state, then — when a
  count was newly declared — through the night's :meth:`~hemicycle.live.night.Night.update`;
  a :class:`Frame` says "N of M declared", the seats per bloc (mean and 90 % interval, the
  probability of a majority), the new calls with their time, and the failures of the poll.
* Round 1 (:func:`round1_decisions`): as constituencies complete round 1, the law's decisions —
  elected in round 1, or the runoff (duel, three-way, ...) and who qualifies — from the count
  alone, by :func:`hemicycle.rules.round1_status` under the year's law.
* Replays (:func:`replay_polls`): an official round declared in an order over a nominal night
  (:data:`NIGHT_SECONDS` from 20:00), one snapshot per poll of ``every`` seconds of that night.
* The map of the night (:meth:`RoundTwo.races`, :class:`Race`): every constituency declared (its
  winner), elected in round 1 or unopposed, called (the candidate called) or projected (the
  leader and the probability that they win), for the dashboard's night view.
* The poll loop (:func:`poll_reports`): a replay or a feed polled at its pace, one
  :class:`~hemicycle.live.state.PollReport` after another, until everything is declared.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np

from hemicycle import rules
from hemicycle.data.blocs import BLOCS
from hemicycle.election import Election
from hemicycle.errors import OptionError
from hemicycle.live.feed import Count, Feed, Snapshot
from hemicycle.live.night import Night, Update, printed_blocs
from hemicycle.live.replay import replay_night
from hemicycle.live.state import LiveState, PollReport

#: A replayed night lasts this long (20:00 to 23:00): the declarations spread evenly over it.
NIGHT_SECONDS = 3 * 3600
RUNOFF_NAMES = {2: "duel", 3: "three-way", 4: "four-way"}


@dataclass(frozen=True)
class CallLine:
    """A race called: its constituency, the panel and candidate, the probability and time."""

    constituency: str
    panel: int
    candidate: str
    bloc: str
    probability: float
    at: str


#: What a constituency shows on the night's map (:class:`Race`), from the most to the least sure.
RACE_STATES = ("declared", "elected", "unopposed", "called", "projected")


@dataclass(frozen=True)
class Race:
    """One constituency on the night's map: its ``state`` (:data:`RACE_STATES`) — ``declared``
    (its round-2 count is final: the winner), ``elected`` in round 1, ``unopposed`` (one candidate
    stands in round 2), ``called`` (the candidate called at the night's threshold, the count not
    declared yet) or ``projected`` (the likeliest winner) — the panel and candidate, the bloc of
    the nuance printed, and ``probability``: 1 where the seat is known, else the probability now
    that this candidate wins."""

    constituency: str
    state: str
    panel: int
    candidate: str
    bloc: str
    probability: float


@dataclass(frozen=True)
class Frame:
    """What one poll of round 2 shows (``races``: every constituency, :meth:`RoundTwo.races`)."""

    poll: int
    at: str
    declared: int
    total: int
    seats: dict[str, dict[str, float]]
    calls: tuple[CallLine, ...]
    failures: tuple[str, ...]
    updated: bool
    races: tuple[Race, ...] = ()

    def headline(self) -> str:
        return f"{self.declared} of {self.total} declared"


class RoundTwo:
    """Round 2's night: ``night`` conditioned on each poll (see the module doc). ``standing``
    (C, K): the round-2 lineup (default: the official one where the election has round 2), which
    names the unopposed on the map."""

    def __init__(
        self, election: Election, night: Night, standing: np.ndarray | None = None
    ) -> None:
        self.election = election
        self.night = night
        self.total = len(np.flatnonzero(election.round2.held)) if election.round2 else None
        self.seen_calls = 0
        self.update: Update | None = None
        self._row = {str(code): c for c, code in enumerate(election.codes)}
        self._blocs = printed_blocs(election)
        if standing is None and election.round2 is not None:
            standing = election.round2.valid
        status = election.round1_status()
        #: constituencies outside the contested runoffs: (state, panel) of the seat's winner
        self._settled: dict[str, tuple[str, int]] = {}
        for code, c in self._row.items():
            if code in night.index:
                continue
            won = np.flatnonzero(status[c] == rules.ELECTED)
            alone = np.flatnonzero(standing[c]) if standing is not None else np.array([], int)
            if len(won):
                self._settled[code] = ("elected", int(election.panel[c, won[0]]))
            elif len(alone) == 1:
                self._settled[code] = ("unopposed", int(election.panel[c, alone[0]]))

    def step(self, report: PollReport, at: str) -> Frame:
        failures = [f.message for f in report.failures]
        updated = self.update is None or bool(report.declared)
        if updated:
            self.update = self.night.update(report.snapshot, poll=report.poll, at=at)
            failures += [f.message for f in self.update.skipped]
        assert self.update is not None
        calls = self.update.calls.calls
        new = [c for c in calls[self.seen_calls :] if not c.declared]
        self.seen_calls = len(calls)
        total = self.total if self.total is not None else len(self.night.codes)
        return Frame(
            report.poll,
            at,
            len(report.snapshot.declared),
            total,
            self.update.posterior.seats(),
            tuple(self._line(c.constituency, c.panel, c.probability, c.at) for c in new),
            tuple(failures),
            updated,
            self.races(report.snapshot),
        )

    def races(self, snapshot: Snapshot) -> tuple[Race, ...]:
        """Every constituency as the night stands after ``snapshot`` (in code order; one left
        out only where nothing is known of it: a runoff outside the simulated lineup, before its
        count is declared)."""
        post = self.update.posterior if self.update is not None else None
        called = self.update.calls.by_code() if self.update is not None else {}
        counts = snapshot.by_code()
        out = []
        for code in self._row:
            count = counts.get(code)
            r = self.night.index.get(code)
            if count is not None and count.final:
                out.append(self._race(code, "declared", self._declared_panel(code, count), 1.0))
            elif code in self._settled:
                state, panel = self._settled[code]
                out.append(self._race(code, state, panel, 1.0))
            elif r is not None and post is not None:
                call = called.get(code)
                panels = self.night.panels[r]
                j = (
                    int(np.flatnonzero(panels == call.panel)[0])
                    if call is not None
                    else int(post.p_win[r].argmax())
                )
                state = "called" if call is not None else "projected"
                out.append(self._race(code, state, int(panels[j]), float(post.p_win[r, j])))
        return tuple(out)

    def _declared_panel(self, code: str, count: Count) -> int:
        """The winner of a declared count: the night's (a tie goes to the older), else the most
        votes."""
        r = self.night.index.get(code)
        if r is not None and self.night.declared_winner[r] >= 0:
            return int(self.night.panels[r, self.night.declared_winner[r]])
        return int(count.panels[int(np.argmax(count.votes))]) if count.votes else -1

    def _race(self, code: str, state: str, panel: int, p: float) -> Race:
        c = self._row[code]
        k = np.flatnonzero(self.election.panel[c] == panel)
        bloc = str(self._blocs[c, k[0]]) if len(k) and self._blocs[c, k[0]] else "?"
        return Race(code, state, panel, candidate_name(self.election, code, panel), bloc, p)

    def _line(self, code: str, panel: int, p: float, at: str) -> CallLine:
        name = candidate_name(self.election, code, panel)
        r = self.night.index[code]
        j = np.flatnonzero(self.night.panels[r] == panel)
        g = int(self.night.slot_group[r, j[0]]) if len(j) else -1
        return CallLine(code, panel, name, BLOCS[g] if g >= 0 else "?", p, at)


@dataclass(frozen=True)
class Decision:
    """Round 1's outcome in one constituency: ``elected`` (a panel, or None) or the runoff's
    ``qualified`` panels (its kind: :attr:`kind`)."""

    constituency: str
    elected: int | None
    qualified: tuple[int, ...]

    @property
    def kind(self) -> str:
        if self.elected is not None:
            return "elected"
        return RUNOFF_NAMES.get(len(self.qualified), f"{len(self.qualified)}-way")


def round1_decisions(counts: Sequence[Count], year: int) -> list[Decision]:
    """The law's decision in each final count of round 1 (``year``'s law)."""
    final = [c for c in counts if c.final]
    if not final:
        return []
    K = max(len(c.panels) for c in final)
    votes = np.zeros((len(final), K), np.int64)
    valid = np.zeros((len(final), K), bool)
    for i, c in enumerate(final):
        votes[i, : len(c.votes)] = c.votes
        valid[i, : len(c.votes)] = True
    status = rules.round1_status(
        votes,
        valid,
        np.array([c.registered for c in final]),
        np.array([c.expressed for c in final]),
        law=rules.law_for(year),
    )
    out = []
    for i, c in enumerate(final):
        won = np.flatnonzero(status[i] == rules.ELECTED)
        q = np.flatnonzero(status[i] == rules.QUALIFIED)
        out.append(
            Decision(
                c.constituency,
                int(c.panels[won[0]]) if len(won) else None,
                tuple(int(c.panels[k]) for k in q),
            )
        )
    return out


def replay_polls(
    election: Election,
    order: str,
    every: float,
    *,
    rng: np.random.Generator | None,
    round_: int = 2,
) -> Iterator[tuple[str, Snapshot]]:
    """The official round ``round_`` declared in ``order`` over a :data:`NIGHT_SECONDS` night,
    polled every ``every`` seconds of it: (night clock ``HH:MM:SS``, snapshot) pairs."""
    steps = max(1, int(np.ceil(NIGHT_SECONDS / float(every))))
    snaps = replay_night(election, order, steps, rng=rng, round_=round_)
    for i, snap in enumerate(snaps, 1):
        t = 20 * 3600 + int(round(i * float(every)))
        yield f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}", snap


def poll_reports(
    state: LiveState,
    *,
    snaps: Iterator[tuple[str, Snapshot]] | None = None,
    feed: Feed | None = None,
    wait: float,
    total: int,
    polls: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[tuple[str, PollReport]]:
    """The night's polls: each replayed snapshot (``snaps``, one every ``wait`` seconds of real
    time) or each poll of ``feed`` (every ``wait`` seconds, stamped with the wall clock) ingested
    into ``state``, as (time, report) pairs, until ``total`` counts are declared, ``polls`` polls
    are done, the replay ends or ``stop()`` says so (checked before each poll)."""
    if (snaps is None) == (feed is None):
        raise OptionError("poll either a replay or a feed")
    n = 0
    while not stop():
        t0 = time.perf_counter()
        if snaps is not None:
            nxt = next(snaps, None)
            if nxt is None:
                return
            at, snap = nxt
            report = state.ingest(snap)
        else:
            assert feed is not None
            at = datetime.now().strftime("%H:%M:%S")
            report = state.poll(feed)
        n += 1
        yield at, report
        if len(report.snapshot.declared) >= total or (polls is not None and n >= polls):
            return
        sleep(max(0.0, wait - (time.perf_counter() - t0)))


def parse_every(text: str) -> float:
    """Seconds from ``30s``, ``2m``, ``1h`` or a bare number of seconds (positive)."""
    t = str(text).strip().lower()
    scale = {"s": 1.0, "m": 60.0, "h": 3600.0}.get(t[-1:], None)
    num = t[:-1] if scale is not None else t
    try:
        value = float(num) * (scale or 1.0)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        raise OptionError(f"--every is a positive duration such as 30s, 2m or 1h; got {text!r}")
    return value


def open_state(path: str | Path | None, year: int, round_: int) -> LiveState:
    """The live state in the DuckDB file ``path`` (created if need be; None: in memory)."""
    try:
        con = duckdb.connect(":memory:" if path is None else str(path))
    except duckdb.Error as exc:
        raise OptionError(f"cannot open the live store {path}: {exc}") from None
    return LiveState(con, year, round_)


def candidate_name(election: Election, code: str, panel: int) -> str:
    """``First SURNAME`` of ``panel`` in constituency ``code`` (``panel N`` if unknown)."""
    where = np.flatnonzero(election.codes == code)
    if not len(where):
        return f"panel {panel}"
    c = int(where[0])
    k = np.flatnonzero(election.panel[c] == panel)
    return (
        f"{election.first_name[c, k[0]]} {election.surname[c, k[0]]}"
        if len(k)
        else (f"panel {panel}")
    )
