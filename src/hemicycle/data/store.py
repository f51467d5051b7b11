"""The embedded DuckDB store: tidy tables of official results, loaded once, read by every command.

Tables (one row per ...):

``sources``        file ingested: year, round, role, file, sha256, bytes, ingested_at
``years``          election ingested: year, boundary_map (``"1958"``, ``"1967"``, ``"1986"`` or
                   ``"2010"``: a canonical code names the same seat only within one map), reader
                   (the module that read its files)
``constituencies`` constituency of a year: year, constituency (canonical code), department,
                   department_name, name
``totals``         constituency and round: registered, abstentions, voters, blank, null, expressed
                   (NULL where the source does not publish the figure: the CDSP tables of
                   1997–2012 have no abstentions and count blank and null ballots together, in
                   ``null``)
``candidates``     candidate and round: constituency, panel, surname, first_name, sex, nuance,
                   votes, elected, advanced (``elected`` is the source's own outcome column, NULL
                   where it has none; ``advanced`` the CDSP's round-1 ``Accès second tour`` flag,
                   NULL for the Ministry's files)
``candidacies``    declared candidate and round: birth_date, incumbent (2024 only, from the
                   candidate lists)
``quirks``         data quirks found at ingest (warned, not fatal): year, round, file,
                   constituency, kind, message
``presidential_*`` a presidential election by legislative constituency (sources, totals with the
                   boundary map, candidates with name and party, quirks): apart from the
                   legislative tables, written by :meth:`Store.ingest_presidential` only

NULL where the source does not publish a figure, and in the CDSP's tables of 1958–1993 where a
figure cannot be true (a quirk ``impossible`` names its file, line and column); the party-column
tables of 1958–1981 have no names (``surname``, ``first_name`` and ``sex`` NULL).

An ingest reads and checks every file of a year first, then replaces that year's rows in one
transaction: a failure leaves the store exactly as it was, and ingesting twice gives the same
tables.

Locking (DuckDB): many processes may hold a store file read-only at once, as long as none holds it
read-write. Commands that only read open it with :meth:`Store.for_reading`: read-only, taking a
read-write connection only for the moment an ingest needs it, so they run while ``hemicycle serve``
(read-only after its start-up ingest) holds the file. A connection that finds the file locked by
another process retries for :func:`lock_wait` seconds, then is refused with a message naming the
process that holds it and what to do.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from hemicycle.data import sources
from hemicycle.data.checks import cross_checks, formula_check
from hemicycle.data.files import BOUNDARY_MAPS, boundary_map
from hemicycle.data.official import ROUND_ROLES, OfficialFile
from hemicycle.data.readers import (
    QuirkWarning,
    RoundTable,
    link_rounds,
    read_candidacies,
    read_results,
    reader_of,
)
from hemicycle.data.readers.common import check_possible
from hemicycle.errors import DataNotAvailableError, HemicycleError
from hemicycle.rules import SEATS

ENV_STORE = "HEMICYCLE_STORE"
# additive changes are migrated in place (see ``_migrate``); a bump drops the data
SCHEMA_VERSION = "1"
#: Every connection: no extension is ever installed or loaded behind the user's back (a SQLite
#: file given as the store would otherwise make DuckDB download ``sqlite_scanner``).
_DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS sources (
    year INTEGER, round INTEGER, role VARCHAR, file VARCHAR, sha256 VARCHAR, bytes BIGINT,
    signature VARCHAR, ingested_at TIMESTAMP, PRIMARY KEY (year, round, role));
CREATE TABLE IF NOT EXISTS years (year INTEGER PRIMARY KEY, boundary_map VARCHAR, reader VARCHAR);
CREATE TABLE IF NOT EXISTS constituencies (
    year INTEGER, constituency VARCHAR, department VARCHAR, department_name VARCHAR, name VARCHAR,
    PRIMARY KEY (year, constituency));
CREATE TABLE IF NOT EXISTS totals (
    year INTEGER, round INTEGER, constituency VARCHAR, registered BIGINT, abstentions BIGINT,
    voters BIGINT, blank BIGINT, "null" BIGINT, expressed BIGINT,
    PRIMARY KEY (year, round, constituency));
CREATE TABLE IF NOT EXISTS candidates (
    year INTEGER, round INTEGER, constituency VARCHAR, panel INTEGER, surname VARCHAR,
    first_name VARCHAR, sex VARCHAR, nuance VARCHAR, votes BIGINT, elected BOOLEAN,
    advanced BOOLEAN, PRIMARY KEY (year, round, constituency, panel));
CREATE TABLE IF NOT EXISTS candidacies (
    year INTEGER, round INTEGER, constituency VARCHAR, panel INTEGER, surname VARCHAR,
    first_name VARCHAR, sex VARCHAR, nuance VARCHAR, birth_date DATE, incumbent BOOLEAN,
    PRIMARY KEY (year, round, constituency, panel));
CREATE TABLE IF NOT EXISTS quirks (
    year INTEGER, round INTEGER, file VARCHAR, constituency VARCHAR, kind VARCHAR, message VARCHAR);
CREATE TABLE IF NOT EXISTS presidential_sources (
    year INTEGER, round INTEGER, file VARCHAR, sha256 VARCHAR, bytes BIGINT, signature VARCHAR,
    ingested_at TIMESTAMP, PRIMARY KEY (year, round));
CREATE TABLE IF NOT EXISTS presidential_totals (
    year INTEGER, round INTEGER, constituency VARCHAR, boundary_map VARCHAR,
    department_name VARCHAR, registered BIGINT, abstentions BIGINT, voters BIGINT, blank BIGINT,
    "null" BIGINT, expressed BIGINT, PRIMARY KEY (year, round, constituency));
CREATE TABLE IF NOT EXISTS presidential_candidates (
    year INTEGER, round INTEGER, constituency VARCHAR, panel INTEGER, surname VARCHAR,
    first_name VARCHAR, party VARCHAR, votes BIGINT,
    PRIMARY KEY (year, round, constituency, panel));
CREATE TABLE IF NOT EXISTS presidential_quirks (
    year INTEGER, round INTEGER, file VARCHAR, constituency VARCHAR, kind VARCHAR,
    message VARCHAR);
"""
DATA_TABLES = (
    "sources",
    "years",
    "constituencies",
    "totals",
    "candidates",
    "candidacies",
    "quirks",
)
#: The presidential elections by legislative constituency: tables of their own, so that no
#: legislative query (on ``DATA_TABLES``) ever mixes them up; a presidential year is not a
#: legislative year (``Store.years`` lists the legislative ones).
PRESIDENTIAL_TABLES = (
    "presidential_sources",
    "presidential_totals",
    "presidential_candidates",
    "presidential_quirks",
)


class DataQuirkWarning(UserWarning):
    """A quirk of the official data (a sum off by a vote, a nuance that changed between rounds),
    with the ``year`` of the files it was found in."""

    def __init__(self, message: str, year: int | None = None) -> None:
        super().__init__(message)
        self.year = year


def default_path() -> Path:
    env = os.environ.get(ENV_STORE)
    if env:
        return Path(env).expanduser()
    return sources.cache_dir() / "hemicycle.duckdb"


#: A mirror holding this file is a sample (e.g. ``tests/data``): its years need not cover all 577
#: constituencies. Every other check applies.
SAMPLE_MARKER = "SAMPLE.md"


def _is_sample_mirror() -> bool:
    mirror = sources.mirror_dir()
    return mirror is not None and (mirror / SAMPLE_MARKER).is_file()


ENV_LOCK_WAIT = "HEMICYCLE_LOCK_WAIT"


def lock_wait() -> float:
    """Seconds a connection waits for a store locked by another process (``HEMICYCLE_LOCK_WAIT``,
    default 5)."""
    try:
        return max(0.0, float(os.environ.get(ENV_LOCK_WAIT, "5")))
    except ValueError:
        return 5.0


class _Locked(Exception):
    """The store file is locked by another process (the message says which, and what to do)."""


def _holder(exc: Exception) -> tuple[str | None, str]:
    """The PID holding the lock and what it runs, from DuckDB's message ("... held in
    /usr/bin/python3 (PID 123) ...") and, where readable, the process's command line."""
    m = re.search(r"held in (.*?) \(PID (\d+)\)", str(exc))
    if m is None:
        return None, "another process"
    pid = m.group(2)
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = [a.decode(errors="replace") for a in fh.read().split(b"\0") if a]
        names = [Path(a).name for a in argv]
        if "hemicycle" in names:  # ".../bin/hemicycle serve ..." → "hemicycle serve ..."
            argv = ["hemicycle", *argv[names.index("hemicycle") + 1 :]]
        what = " ".join(" ".join(argv).split())[:80] or m.group(1)
    except OSError:
        what = m.group(1)
    return pid, f"process {pid} ({what})"


_F = TypeVar("_F", bound=Callable[..., Any])


def _guarded(method: _F) -> _F:
    """A DuckDB error while the store is read or written (a truncated file, a corrupted block, a
    disk error) becomes one :class:`HemicycleError` naming the store and what to do, never a
    traceback. Nothing is deleted: the file is left for the user to move away."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except duckdb.Error as exc:
            path = getattr(self, "path", "?")
            raise HemicycleError(
                f"cannot read the store {path} ({' '.join(str(exc).split())[:200]}): it is "
                "damaged (truncated, or a disk error); it is only a copy of the official files: "
                "move it away and run the command again to rebuild it "
                f"(or give another store with --store or ${ENV_STORE})"
            ) from None

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class IngestReport:
    year: int
    rounds: tuple[int, ...]
    constituencies: int
    candidates: dict[int, int]
    candidacies: dict[int, int]
    quirks: tuple[QuirkWarning, ...]
    files: tuple[str, ...]


@dataclass(frozen=True)
class _Parsed:
    year: int
    rounds: dict[int, RoundTable]
    candidacies: dict[int, pd.DataFrame]
    source_rows: list[dict[str, object]]
    quirks: list[tuple[int, QuirkWarning]]
    reader: str


class Store:
    """A DuckDB file holding the official results. Use as a context manager or call
    :meth:`close`."""

    @_guarded
    def __init__(
        self, path: str | Path | None = None, *, read_only: bool = False, upgrade: bool = False
    ) -> None:
        """Open ``path`` (default: :func:`default_path`). ``read_only`` takes DuckDB's shared lock;
        with ``upgrade`` a read-only store takes a read-write connection for the moment an
        ingest (or a schema migration) needs it, then goes back to read-only."""
        explicit = path is not None or bool(os.environ.get(ENV_STORE))
        self.path = Path(path).expanduser() if path is not None else default_path()
        parent = self.path.parent
        if not parent.is_dir():
            if explicit or parent.exists():
                raise HemicycleError(
                    f"cannot open the store {self.path}: the folder {parent} does not exist "
                    f"(a typo in --store or ${ENV_STORE}?); create it first, or give another path"
                )
            parent.mkdir(parents=True, exist_ok=True)  # the default cache location
        if self.path.is_dir():
            raise HemicycleError(
                f"cannot open the store {self.path}: it is a folder, not a file "
                f"(give a file path with --store or ${ENV_STORE})"
            )
        self.read_only = read_only
        self.upgrade = upgrade
        if read_only and upgrade and not self.path.exists():
            self.con = self._connect(read_only=False)  # create it, with its schema
            self._migrate()
            self.con.close()
        self.con = self._connect(read_only=read_only)
        if not self.read_only:  # (also when this process held it read-write already)
            self._migrate()
        elif upgrade and not self._schema_current():
            why = self._foreign()  # checked on the read-only connection: nothing written
            if why is not None:
                self.con.close()
                raise HemicycleError(f"cannot use the store {why}")
            with self._writable():
                pass  # _writable migrates

    @classmethod
    def for_reading(cls, path: str | Path | None = None) -> Store:
        """A store for commands that read: read-only, read-write only while an ingest needs it."""
        return cls(path, read_only=True, upgrade=True)

    def _connect(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        """A connection; a file locked by another process is retried for :func:`lock_wait`
        seconds (an ingest or a read command ends soon; a server does not), then refused."""
        deadline = time.monotonic() + lock_wait()
        pause = 0.05
        while True:
            try:
                return self._connect_once(read_only=read_only)
            except _Locked as locked:
                if time.monotonic() + pause > deadline:
                    raise HemicycleError(str(locked)) from None
                time.sleep(pause)
                pause = min(pause * 2, 1.0)

    def _connect_once(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(str(self.path), read_only=read_only, config=_DUCKDB_CONFIG)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" in text.lower():
                pid, who = _holder(exc)
                where = f"use another store with --store or ${ENV_STORE}"
                if read_only:
                    raise _Locked(
                        f"cannot read the store {self.path}: {who} is writing it (an ingest); wait "
                        f"for it to finish and run the command again, or {where}"
                    ) from None
                stop = f" (e.g. `kill {pid}`)" if pid is not None else ""
                raise _Locked(
                    f"cannot write the store {self.path}: {who} holds it, and an ingest needs it "
                    f"alone; wait for that process to end or stop it{stop}, run the command again "
                    f"(then restart a stopped `hemicycle serve`), or {where}"
                ) from None
            raise HemicycleError(f"cannot open the store {self.path}: {text}") from None
        except duckdb.ConnectionException as exc:
            if "different configuration" not in str(exc):
                raise HemicycleError(
                    f"cannot open the store {self.path}: {' '.join(str(exc).split())}"
                ) from None
            if read_only and self.upgrade:  # this process holds it read-write already: share it
                self.read_only = False
                return duckdb.connect(str(self.path), read_only=False, config=_DUCKDB_CONFIG)
            raise HemicycleError(
                f"cannot write the store {self.path}: this process holds it open read-only (close "
                f"those connections first)"
            ) from None
        except duckdb.Error as exc:
            raise HemicycleError(
                f"cannot open the store {self.path} (not a DuckDB file, or damaged?): "
                f"{' '.join(str(exc).split())}"
            ) from None

    def _schema_current(self) -> bool:
        try:
            row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except duckdb.Error:
            return False
        if row is None or row[0] != SCHEMA_VERSION:
            return False
        have = {
            r[0]
            for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        return set(DATA_TABLES) | set(PRESIDENTIAL_TABLES) <= have

    @contextmanager
    def _writable(self) -> Iterator[None]:
        """A read-write connection for the block (a no-op on a read-write store)."""
        if not self.read_only:
            yield
            return
        if not self.upgrade:
            raise HemicycleError(
                f"the store {self.path} is open read-only: it cannot be written here"
            )
        self.con.close()
        try:
            self.con = self._connect(read_only=False)
            try:
                self._migrate()
                yield
            finally:
                self.con.close()
        finally:
            self.con = self._connect(read_only=True)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def _foreign(self) -> str | None:
        """Why this file is not a store this hemicycle may write (``None``: it may): a newer
        hemicycle's store, or a DuckDB file with tables of its own and no hemicycle schema. Such a
        file is never migrated, so that no command, least of all a read, drops its tables."""
        have = {
            r[0]
            for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        if "meta" not in have:
            if have:
                return (
                    f"{self.path} is not a hemicycle store (it holds tables of its own: "
                    f"{', '.join(sorted(have)[:3])}); give another path with --store or "
                    f"${ENV_STORE}"
                )
            return None
        row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            return None
        try:
            newer = int(row[0]) > int(SCHEMA_VERSION)
        except ValueError:
            return f"{self.path} has a schema version {row[0]!r} this hemicycle does not know"
        if newer:
            return (
                f"{self.path} was written by a newer hemicycle (store schema {row[0]}; this one "
                f"reads schema {SCHEMA_VERSION}): upgrade hemicycle, or give another store"
            )
        return None

    def _migrate(self) -> None:
        why = self._foreign()
        if why is not None:
            raise HemicycleError(f"cannot use the store {why}")
        self.con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is not None and row[0] != SCHEMA_VERSION:
            for t in DATA_TABLES + PRESIDENTIAL_TABLES:
                self.con.execute(f"DROP TABLE IF EXISTS {t}")
        self.con.execute(SCHEMA)
        # in-place migrations of stores written before these additions (their data are kept)
        self.con.execute("ALTER TABLE candidates ADD COLUMN IF NOT EXISTS advanced BOOLEAN")
        known = ", ".join(f"({y}, '{m}')" for y, m in BOUNDARY_MAPS.items())
        self.con.execute(f"""
            INSERT INTO years SELECT DISTINCT s.year, m.map, NULL FROM sources s
            JOIN (VALUES {known}) m(year, map) ON m.year = s.year
            WHERE s.year NOT IN (SELECT year FROM years)""")
        self.con.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION]
        )

    # ----- reading files ----------------------------------------------------------------------

    @staticmethod
    def _available(
        year: int, *, download: bool
    ) -> dict[tuple[int, str], tuple[OfficialFile, Path]]:
        found: dict[tuple[int, str], tuple[OfficialFile, Path]] = {}
        for round_ in (1, 2):
            for role in ROUND_ROLES:
                hit = sources.locate(year, round_, role, download=download)
                if hit is not None:
                    found[(round_, role)] = hit
        return found

    @staticmethod
    def _signature(path: Path) -> str:
        st = path.stat()
        return f"{path.name}:{st.st_size}:{st.st_mtime_ns}"

    def _parse(self, year: int, *, download: bool) -> _Parsed:
        sources.check_year(year)
        files = self._available(year, download=download)
        if (1, "results") not in files:
            where = sources.mirror_dir()
            names = ", ".join(e.name for e in sources.files_for(year, 1, "results"))
            hint = (
                f"the mirror {where}/{year}/ has none of: {names}"
                if where is not None
                else f"download them with `hemicycle data fetch {year}` or set {sources.ENV_DATA}"
            )
            raise DataNotAvailableError(f"round-1 results of {year} are not available: {hint}")
        rounds: dict[int, RoundTable] = {}
        cands: dict[int, pd.DataFrame] = {}
        source_rows = []
        for (round_, role), (entry, path) in sorted(files.items()):
            if role == "results":
                rounds[round_] = read_results(entry, path)
            else:
                cands[round_] = read_candidacies(entry, path)
            source_rows.append(
                {
                    "year": year,
                    "round": round_,
                    "role": role,
                    "file": path.name,
                    "sha256": sources.sha256_of(path),
                    "bytes": path.stat().st_size,
                    "signature": self._signature(path),
                }
            )
        if 2 in rounds:  # readers without panel numbers give round 2 its panels from round 1
            rounds[2] = link_rounds(files[(2, "results")][0], rounds[1], rounds[2])
        for t in rounds.values():  # what cannot be true is refused, whichever reader read it
            check_possible(t.totals, t.candidates, file=t.file)
        quirks = [(r, q) for r, t in rounds.items() for q in t.quirks]
        quirks += [(r, q) for r, t in rounds.items() for q in formula_check(t)]
        year_reader = reader_of(files[(1, "results")][0])  # the year's reader: its round 1's
        quirks += cross_checks(
            year,
            rounds,
            seats=year_reader.constituencies.get(year, SEATS),
            sample=_is_sample_mirror(),
        )
        reader = year_reader.name
        return _Parsed(year, rounds, cands, source_rows, quirks, reader)

    # ----- writing ----------------------------------------------------------------------------

    @_guarded
    def ingest(self, year: int, *, download: bool = True) -> IngestReport:
        """Read every available official file of ``year`` and replace its rows in one
        transaction."""
        parsed = self._parse(year, download=download)
        r1 = parsed.rounds[1]
        cons = r1.totals[["constituency", "department_name", "name"]].copy()
        cons.insert(0, "year", year)
        cons.insert(2, "department", cons["constituency"].str[:-2])
        totals = pd.concat(
            [
                t.totals.drop(columns=["department_name", "name"]).assign(year=year, round=r)
                for r, t in parsed.rounds.items()
            ],
            ignore_index=True,
        )
        cands = pd.concat(
            [t.candidates.assign(year=year, round=r) for r, t in parsed.rounds.items()],
            ignore_index=True,
        )
        for flag in ("elected", "advanced"):
            cands[flag] = (
                cands[flag] if flag in cands else pd.Series(pd.NA, index=cands.index)
            ).astype("boolean")
        for col in ("registered", "abstentions", "voters", "blank", "null", "expressed"):
            totals[col] = totals[col].astype("Int64")
        years = pd.DataFrame(
            [{"year": year, "boundary_map": boundary_map(year), "reader": parsed.reader}]
        )
        cdcy = (
            pd.concat(
                [c.assign(year=year, round=r) for r, c in parsed.candidacies.items()],
                ignore_index=True,
            )
            if parsed.candidacies
            else None
        )
        quirks = pd.DataFrame(
            [
                {
                    "year": year,
                    "round": r,
                    "file": q.file,
                    "constituency": q.constituency,
                    "kind": q.kind,
                    "message": q.message,
                }
                for r, q in parsed.quirks
            ],
            columns=["year", "round", "file", "constituency", "kind", "message"],
        )
        srcs = pd.DataFrame(parsed.source_rows).assign(ingested_at=dt.datetime.now())

        rows = {
            "sources": srcs,
            "years": years,
            "constituencies": cons,
            "totals": totals,
            "candidates": cands,
            "candidacies": cdcy,
            "quirks": quirks,
        }
        self._replace_year(year, DATA_TABLES, rows)
        for _, q in parsed.quirks:
            warnings.warn(
                DataQuirkWarning(f"{year} {q.file} {q.constituency}: {q.message}", year),
                stacklevel=2,
            )
        return IngestReport(
            year,
            tuple(sorted(parsed.rounds)),
            len(cons),
            {r: len(t.candidates) for r, t in parsed.rounds.items()},
            {r: len(c) for r, c in parsed.candidacies.items()},
            tuple(q for _, q in parsed.quirks),
            tuple(str(s["file"]) for s in parsed.source_rows),
        )

    def _replace_year(
        self, year: int, tables: tuple[str, ...], rows: dict[str, pd.DataFrame | None]
    ) -> None:
        """Replace ``year``'s rows of ``tables`` by ``rows`` (table → frame, in insertion order;
        ``None``: nothing to insert) in one transaction: a failure leaves the store as it was."""
        with self._writable():
            con = self.con
            con.execute("BEGIN TRANSACTION")
            try:
                for t in tables:
                    con.execute(f"DELETE FROM {t} WHERE year = ?", [year])
                for t, df in rows.items():
                    if df is not None:
                        self._insert(t, df)
                con.execute("COMMIT")
            except BaseException as exc:
                with suppress(duckdb.Error):  # a failed COMMIT has ended the transaction
                    con.execute("ROLLBACK")
                if not isinstance(exc, duckdb.Error):
                    raise
                raise HemicycleError(
                    f"could not write the store {self.path} "
                    f"({' '.join(str(exc).split())[:200]}): it keeps what it held before; free "
                    f"disk space, or make {self.path.parent} writable (DuckDB writes "
                    f"{self.path.name}.wal there), then run the command again"
                ) from None

    @_guarded
    def ingest_presidential(self, year: int, *, download: bool = True) -> IngestReport:
        """Read a presidential election's results by legislative constituency (both rounds where
        available) and replace that year's rows of the ``presidential_*`` tables in one
        transaction; the legislative tables are not touched."""
        from hemicycle.data.files import PRESIDENTIAL_MAPS

        rounds: dict[int, RoundTable] = {}
        source_rows = []
        for round_ in (1, 2):
            hit = sources.locate_presidential(year, round_, download=download)
            if hit is None:
                continue
            entry, path = hit
            rounds[round_] = reader_of(entry).read(entry, path)  # type: ignore[misc]
            source_rows.append(
                {
                    "year": year,
                    "round": round_,
                    "file": entry.name,
                    "sha256": sources.sha256_of(path),
                    "bytes": path.stat().st_size,
                    "signature": self._signature(path),
                }
            )
        if 1 not in rounds and 2 not in rounds:
            raise DataNotAvailableError(
                f"the {year} presidential election's files are not available "
                f"({', '.join(e.name for e in sources.files_for(year, None, 'presidential'))})"
            )
        if 1 in rounds and 2 in rounds:  # 1981's round 2 numbers Corsica's seats 21 and 22
            known = set(rounds[1].totals["constituency"])
            for code in rounds[2].totals["constituency"]:
                if code not in known:
                    rounds[2].quirks.append(
                        QuirkWarning(
                            rounds[2].file,
                            code,
                            "not_in_round1",
                            f"constituency {code} is not in round 1 ({rounds[1].file}): kept as "
                            "published",
                        )
                    )
        totals = pd.concat(
            [t.totals.assign(year=year, round=r) for r, t in rounds.items()], ignore_index=True
        )
        totals["boundary_map"] = PRESIDENTIAL_MAPS[year]
        for col in ("registered", "abstentions", "voters", "blank", "null", "expressed"):
            totals[col] = totals[col].astype("Int64")
        cands = pd.concat(
            [t.candidates.assign(year=year, round=r) for r, t in rounds.items()],
            ignore_index=True,
        )
        quirks = pd.DataFrame(
            [
                {
                    "year": year,
                    "round": r,
                    "file": q.file,
                    "constituency": q.constituency,
                    "kind": q.kind,
                    "message": q.message,
                }
                for r, t in rounds.items()
                for q in t.quirks
            ],
            columns=["year", "round", "file", "constituency", "kind", "message"],
        )
        srcs = pd.DataFrame(source_rows).assign(ingested_at=dt.datetime.now())
        rows = {
            "presidential_sources": srcs,
            "presidential_totals": totals,
            "presidential_candidates": cands,
            "presidential_quirks": quirks,
        }
        self._replace_year(year, PRESIDENTIAL_TABLES, rows)
        every = tuple(q for t in rounds.values() for q in t.quirks)
        return IngestReport(
            year,
            tuple(sorted(rounds)),
            int(totals["constituency"].nunique()),
            {r: len(t.candidates) for r, t in rounds.items()},
            {},
            every,
            tuple(str(s["file"]) for s in source_rows),
        )

    @_guarded
    def presidential_years(self) -> list[int]:
        """The presidential elections the store holds (not legislative years)."""
        return [
            r[0]
            for r in self.con.execute(
                "SELECT DISTINCT year FROM presidential_sources ORDER BY 1"
            ).fetchall()
        ]

    def _insert(self, table: str, df: pd.DataFrame) -> None:
        cols = [r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()]
        frame = df[cols]  # noqa: F841  (read by DuckDB's replacement scan)
        quoted = ", ".join(f'"{c}"' for c in cols)
        self.con.execute(f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM frame")

    @_guarded
    def is_current(self, year: int) -> bool:
        """True when the year is in the store and its source files have not changed since."""
        stored = dict(
            self.con.execute(
                "SELECT round || ':' || role, signature FROM sources WHERE year = ?", [year]
            ).fetchall()
        )
        if not stored:
            return False
        try:
            files = self._available(year, download=False)
        except HemicycleError:
            return True  # files gone (e.g. mirror unset): the store is what we have
        if not files:
            return True
        now = {f"{r}:{role}": self._signature(p) for (r, role), (_, p) in files.items()}
        gone = sorted(set(stored) - set(now))
        if gone:  # a file the store was loaded from is missing now: never drop what it gave
            warnings.warn(
                DataQuirkWarning(
                    f"{year}: {', '.join(gone)} (round:role) missing from the official files "
                    f"now; the store keeps what it loaded from them (`hemicycle data ingest "
                    f"{year} --force` reads the files as they are)",
                    year,
                ),
                stacklevel=2,
            )
            return True
        return now == stored

    @_guarded
    def ensure(self, year: int, *, download: bool = True) -> IngestReport | None:
        """Ingest ``year`` unless the store already holds it from the same files."""
        sources.check_year(year)
        if self.is_current(year):
            return None
        if self.read_only and not self.upgrade:  # a server's store: serve what it holds
            if year in self.years():
                return None
            raise DataNotAvailableError(
                f"{year} is not in the store {self.path}, opened read-only: ingest it with "
                f"`hemicycle data ingest {year}` (with the server stopped)"
            )
        return self.ingest(year, download=download)

    # ----- reading ----------------------------------------------------------------------------

    @_guarded
    def query(self, sql: str, params: list[object] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    @_guarded
    def years(self) -> list[int]:
        return [
            r[0]
            for r in self.con.execute("SELECT DISTINCT year FROM sources ORDER BY 1").fetchall()
        ]

    @_guarded
    def rounds(self, year: int) -> list[int]:
        return [
            r[0]
            for r in self.con.execute(
                "SELECT DISTINCT round FROM totals WHERE year = ? ORDER BY 1", [year]
            ).fetchall()
        ]

    @_guarded
    def table(self, name: str, year: int) -> pd.DataFrame:
        if name not in DATA_TABLES:
            raise ValueError(f"unknown table {name!r}; tables: {', '.join(DATA_TABLES)}")
        return self.query(f"SELECT * FROM {name} WHERE year = ? ORDER BY ALL", [year])


@contextmanager
def open_store(path: str | Path | None = None) -> Iterator[Store]:
    store = Store(path)
    try:
        yield store
    finally:
        store.close()
