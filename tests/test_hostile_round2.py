"""Hostile and unlucky inputs, round two (defects 4, 12, 13, 16 and 18 of the reliability issue):
a store hemicycle does not own, or from a newer hemicycle, is never migrated (no command, least of
all a read-only one, drops its tables); DuckDB never installs an extension behind the user's back;
user files beyond any limit, impossible `serve` options and lax Host headers are refused."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from hemicycle.cli import app
from hemicycle.data.store import SCHEMA_VERSION, Store
from hemicycle.errors import HemicycleError


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _foreign(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE candidates (name VARCHAR, votes BIGINT)")
    con.execute("INSERT INTO candidates VALUES ('mine', 1)")
    con.close()


def _newer(path: Path) -> None:
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute(
        "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(int(SCHEMA_VERSION) + 1)]
    )
    con.close()


@pytest.mark.parametrize(("make", "says"), [(_foreign, "not a hemicycle store"), (_newer, "newer")])
def test_a_read_only_command_leaves_a_store_it_does_not_own_untouched(
    tmp_path: Path, make, says: str
) -> None:
    path = tmp_path / "other.duckdb"
    make(path)
    before = _digest(path)
    res = CliRunner().invoke(app, ["data", "status", "--store", str(path)])
    assert res.exit_code == 1 and says in res.output and "Traceback" not in res.output
    with pytest.raises(HemicycleError, match=says):
        Store(path)  # read-write: refused as well, before any write
    assert _digest(path) == before


def test_a_sqlite_file_is_refused_without_a_download(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x INTEGER)")
    con.commit()
    con.close()
    before = _digest(path)
    with pytest.raises(HemicycleError, match="cannot open the store"):
        Store.for_reading(path)
    assert _digest(path) == before


def test_user_files_beyond_any_limit_are_one_line_errors(tmp_path: Path) -> None:
    """A CSV field over 128 KiB and an Assembly of 10**20 or 10**9 seats: a named error, never a
    traceback or a 7 GiB allocation."""
    from hemicycle.errors import DataFileError
    from hemicycle.session import read_assembly, unit

    big = tmp_path / "big.csv"
    big.write_text("key,group\nUG," + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="not a readable CSV"):
        unit(str(big))
    for seats in ("99999999999999999999", "9223372036854775807", "1000000000"):
        f = tmp_path / "assembly.csv"
        f.write_text(f"group,seats\nA,{seats}\nB,10\n", encoding="utf-8")
        with pytest.raises(DataFileError, match="beyond any assembly") as exc:
            read_assembly(f)
        assert exc.value.line == 2


@pytest.mark.parametrize(
    "args", [["--port", "70000"], ["--port", "-1"], ["--max-queued", "-1"], ["--timeout", "0"]]
)
def test_serve_refuses_impossible_options(args: list[str], tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["serve", "--store", str(tmp_path / "s.duckdb"), *args])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "Invalid value" in res.output


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        ("localhost", True),
        ("localhost:8000", True),
        ("127.0.0.1:8000", True),
        ("[::1]:8000", True),
        ("127.0.0.1:80@evil.example", False),
        ("localhost:evil", False),
        ("[::1].evil.example", False),
        ("localhost:99999999", False),
        ("localhost:0", False),
        ("evil.example", False),
    ],
)
def test_host_check_is_strict(header: str, ok: bool) -> None:
    from hemicycle.web.guard import allowed_hosts_for, host_allowed

    assert host_allowed(header, allowed_hosts_for("127.0.0.1")) is ok


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04 not a zip", b"\x93NUMPY"])
def test_a_damaged_fit_cache_file_is_refitted_not_fatal(tmp_path: Path, damage: bytes) -> None:
    """A truncated or emptied ``.npz`` of the fit cache reads as a miss (then refitted and
    overwritten), never as BadZipFile or EOFError escaping to the user (defect 5)."""
    from hemicycle.sim import pipeline

    path = tmp_path / "transfers-2017-x.npz"
    path.write_bytes(damage)
    assert pipeline._load(path) is None


def test_names_from_the_data_never_reach_the_terminal_as_markup(capsys) -> None:
    """A surname ``[/broken]`` or one with an ESC sequence prints as written (defects 10, 11)."""
    import pandas as pd

    from hemicycle import cli

    closest = pd.DataFrame(
        {
            "constituency": ["0101"],
            "leader": ["[/broken] (RN)"],
            "p_win": [0.51],
            "runner_up": ["\x1b[2J\x1b[31mX (UG)"],
        }
    )
    cli._closest_table(closest, {"0101": "Ain 1"})
    out = capsys.readouterr().out
    assert "[/broken]" in out and "\x1b[2J" not in out and "\\x1b[2J" in out


def test_a_file_gone_from_the_mirror_never_drops_what_the_store_holds(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Round 2's file missing at the next start: the store keeps 2007's round 2 and says so,
    instead of re-ingesting the year without it (defect 9)."""
    import shutil
    import warnings

    mirror = tmp_path / "mirror"
    shutil.copytree(data_dir / "2007", mirror / "2007")
    monkeypatch.setenv("HEMICYCLE_DATA", str(mirror))
    monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "s.duckdb"
    with Store(path) as st:
        st.ensure(2007)
        assert st.rounds(2007) == [1, 2]
    (mirror / "2007" / "cdsp_legi2007t2_circ.csv").unlink()
    with warnings.catch_warnings(record=True) as caught, Store(path) as st:
        warnings.simplefilter("always")
        assert st.ensure(2007) is None
        assert st.rounds(2007) == [1, 2]
    assert any("missing from the official files" in str(w.message) for w in caught)
