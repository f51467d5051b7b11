"""The live count so far, kept in DuckDB tables of its own, one idempotent transaction per poll.

Tables (created on first use in the connection given; never the official ``totals`` or
``candidates``, which no statement here names):

* ``live_totals``: ``year, round, constituency, registered, voters, blank, "null", expressed,
  final, file, poll`` — one row per constituency reported, ``poll`` the poll that last changed it;
* ``live_votes``: ``year, round, constituency, panel, votes``;
* ``live_polls``: ``year, round, poll, polled_at, changed, declared`` — one row per poll that
  changed something (a poll that changes nothing writes nothing: ingesting the same snapshot
  twice leaves the tables byte for byte as they were).

What a poll may not do, checked against the stored count before anything is written: a
constituency's votes, voters or exprimés going *down*, a panel that was there vanishing, or a
declared (final) count changing. Such a constituency's file is refused as a whole (a
:class:`~hemicycle.live.feed.Failure` naming the file, constituency and figure), the stored state of
its constituencies is kept, and the other files are ingested.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pandas as pd

from hemicycle.live.feed import Count, Failure, Feed, FeedError, Snapshot

SCHEMA = """
CREATE TABLE IF NOT EXISTS live_totals (
    year INTEGER, round INTEGER, constituency VARCHAR, registered BIGINT, voters BIGINT,
    blank BIGINT, "null" BIGINT, expressed BIGINT, final BOOLEAN, file VARCHAR, poll INTEGER,
    PRIMARY KEY (year, round, constituency));
CREATE TABLE IF NOT EXISTS live_votes (
    year INTEGER, round INTEGER, constituency VARCHAR, panel INTEGER, votes BIGINT,
    PRIMARY KEY (year, round, constituency, panel));
CREATE TABLE IF NOT EXISTS live_polls (
    year INTEGER, round INTEGER, poll INTEGER, polled_at TIMESTAMP, changed INTEGER,
    declared INTEGER, PRIMARY KEY (year, round, poll));
"""
LIVE_TABLES = ("live_totals", "live_votes", "live_polls")


@dataclass(frozen=True, eq=False)
class PollReport:
    """What one poll did: the state after it, the constituencies it changed and newly declared,
    and the files left out (each with its one-sentence reason)."""

    poll: int  # the poll number of the state (unchanged when nothing changed)
    snapshot: Snapshot  # the stored state after the poll
    changed: tuple[str, ...]
    declared: tuple[str, ...]  # newly declared in this poll
    failures: tuple[Failure, ...]

    def __repr__(self) -> str:
        return (
            f"PollReport(poll={self.poll}, changed={len(self.changed)}, "
            f"declared={len(self.declared)}, failures={len(self.failures)}, "
            f"total_declared={len(self.snapshot.declared)})"
        )


def _regression(old: Count, new: Count) -> str | None:
    """Why ``new`` cannot follow ``old`` (None: it can)."""
    if old.final and not old.same_figures(new):
        return "a declared (final) count changed"
    for name in ("voters", "expressed"):
        a, b = getattr(old, name), getattr(new, name)
        if b < a:
            return f"{name} went down from {a} to {b}"
    now = dict(zip(new.panels, new.votes, strict=True))
    for p, v in zip(old.panels, old.votes, strict=True):
        if p not in now:
            return f"panel {p} ({v} votes) vanished"
        if now[p] < v:
            return f"panel {p}'s votes went down from {v} to {now[p]}"
    return None


class LiveState:
    """The live count of ``year`` round ``round_`` in the DuckDB connection ``con``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, year: int, round_: int) -> None:
        self.con = con
        self.year = int(year)
        self.round = int(round_)
        con.execute(SCHEMA).fetchall()

    # ----- reading
    def poll_number(self) -> int:
        rows = self.con.execute(
            "SELECT coalesce(max(poll), 0) FROM live_polls WHERE year = ? AND round = ?",
            [self.year, self.round],
        ).fetchall()
        return int(rows[0][0])

    def snapshot(self) -> Snapshot:
        """The stored state as a snapshot (no failures)."""
        key = [self.year, self.round]
        tot = self.con.execute(
            'SELECT constituency, registered, voters, blank, "null", expressed, final, file '
            "FROM live_totals WHERE year = ? AND round = ? ORDER BY constituency",
            key,
        ).fetchall()
        votes = self.con.execute(
            "SELECT constituency, panel, votes FROM live_votes WHERE year = ? AND round = ? "
            "ORDER BY constituency, panel",
            key,
        ).fetchall()
        by: dict[str, tuple[list[int], list[int]]] = {}
        for code, panel, v in votes:
            ps, vs = by.setdefault(code, ([], []))
            ps.append(int(panel))
            vs.append(int(v))
        counts = []
        for code, reg, vot, bl, nu, ex, final, file in tot:
            ps, vs = by.get(code, ([], []))
            counts.append(
                Count(code, reg, vot, bl, nu, ex, tuple(ps), tuple(vs), bool(final), file)
            )
        return Snapshot(self.year, self.round, tuple(counts))

    # ----- writing
    def poll(self, feed: Feed, *, at: datetime | None = None) -> PollReport:
        """Read ``feed`` once and ingest it; never raises for a bad file (see :meth:`ingest`)."""
        return self.ingest(feed.poll(), at=at)

    def ingest(self, snap: Snapshot, *, at: datetime | None = None) -> PollReport:
        """Ingest ``snap`` in one transaction: the constituencies whose figures changed are
        rewritten, the others left untouched; a file with a regression is refused whole."""
        if (snap.year, snap.round) != (self.year, self.round):
            raise FeedError(
                f"a snapshot of {snap.year} round {snap.round} given to the live state of "
                f"{self.year} round {self.round}",
                file="(snapshot)",
            )
        before = self.snapshot().by_code()
        failures = list(snap.failures)
        bad_files: set[str] = set()
        for c in snap.counts:
            old = before.get(c.constituency)
            why = _regression(old, c) if old is not None else None
            if why is not None and c.file not in bad_files:
                bad_files.add(c.file)
                failures.append(
                    Failure(
                        c.file,
                        str(
                            FeedError(
                                f"{why} since poll {self.poll_number()}: file refused, the "
                                f"previous state kept",
                                file=c.file,
                                constituency=c.constituency,
                            )
                        ),
                    )
                )
        new = [
            c
            for c in snap.counts
            if c.file not in bad_files
            and (c.constituency not in before or not before[c.constituency].same_figures(c))
        ]
        poll = self.poll_number()
        if new:
            poll += 1
            self._write(new, poll, at or datetime.now(UTC))
        declared = tuple(
            c.constituency
            for c in new
            if c.final and not (c.constituency in before and before[c.constituency].final)
        )
        return PollReport(
            poll=poll,
            snapshot=self.snapshot()
            if new
            else Snapshot(self.year, self.round, tuple(before[k] for k in sorted(before))),
            changed=tuple(c.constituency for c in new),
            declared=declared,
            failures=tuple(failures),
        )

    def _write(self, new: list[Count], poll: int, at: datetime) -> None:
        y, r = self.year, self.round
        codes = pd.DataFrame({"constituency": [c.constituency for c in new]})
        totals = pd.DataFrame(
            {
                "year": y,
                "round": r,
                "constituency": [c.constituency for c in new],
                "registered": [c.registered for c in new],
                "voters": [c.voters for c in new],
                "blank": [c.blank for c in new],
                "null": [c.null for c in new],
                "expressed": [c.expressed for c in new],
                "final": [c.final for c in new],
                "file": [c.file for c in new],
                "poll": poll,
            }
        )
        votes = pd.DataFrame(
            {
                "year": y,
                "round": r,
                "constituency": [c.constituency for c in new for _ in c.panels],
                "panel": [p for c in new for p in c.panels],
                "votes": [v for c in new for v in c.votes],
            }
        ).astype({"panel": "int32", "votes": "int64"})
        con = self.con
        # registered views with names of their own: a bare ``FROM totals`` would read the
        # official table of that name where the connection is the store's
        con.register("_live_new_codes", codes)
        con.register("_live_new_totals", totals)
        con.register("_live_new_votes", votes)
        con.execute("BEGIN TRANSACTION")
        try:
            for table in ("live_totals", "live_votes"):
                con.execute(
                    f"DELETE FROM {table} WHERE year = ? AND round = ? "
                    "AND constituency IN (SELECT constituency FROM _live_new_codes)",
                    [y, r],
                )
            con.execute(
                "INSERT INTO live_totals SELECT year, round, constituency, registered, voters, "
                'blank, "null", expressed, final, file, poll FROM _live_new_totals'
            )
            con.execute(
                "INSERT INTO live_votes SELECT year, round, constituency, panel, votes "
                "FROM _live_new_votes"
            )
            n_declared = con.execute(
                "SELECT count(*) FROM live_totals WHERE year = ? AND round = ? AND final",
                [y, r],
            ).fetchall()[0][0]
            con.execute(
                "INSERT INTO live_polls VALUES (?, ?, ?, ?, ?, ?)",
                [y, r, poll, at.replace(tzinfo=None), len(new), n_declared],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            for name in ("_live_new_codes", "_live_new_totals", "_live_new_votes"):
                con.unregister(name)
