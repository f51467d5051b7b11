"""Bad input: each class of defect gives a named error (file, line or constituency, column), and the
store is left exactly as it was. The defective files are made here from copies of official ones."""

from __future__ import annotations

import hashlib
import os
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

from hemicycle.data.files import files_for
from hemicycle.data.readers import read_results
from hemicycle.data.store import DataQuirkWarning, Store
from hemicycle.errors import DataFileError, DataNotAvailableError, UnsupportedElectionError

T1_2022 = "resultats-par-niveau-cirlg-t1-france-entiere.txt"


@pytest.fixture()
def mirror(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private mirror holding a copy of the 2022 files, and a store with 2022 already in it."""
    root = tmp_path / "mirror"
    (root / "2022").mkdir(parents=True)
    shutil.copy(data_dir / "2022" / T1_2022, root / "2022" / T1_2022)
    monkeypatch.setenv("HEMICYCLE_DATA", str(root))
    monkeypatch.setenv("HEMICYCLE_STORE", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache"))
    with Store() as st:
        st.ingest(2022, download=False)
    return root


def _fingerprint() -> str:
    with Store() as st:
        h = hashlib.sha256()
        for t in ("sources", "constituencies", "totals", "candidates", "quirks"):
            h.update(st.query(f"SELECT * FROM {t} ORDER BY ALL").to_csv().encode())
        return h.hexdigest()


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\r\n")


def _write(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"\r\n".join(lines))


def _ingest_fails(match: str) -> DataFileError:
    before = _fingerprint()
    with Store() as st, pytest.raises(DataFileError, match=match) as info:
        st.ingest(2022, download=False)
    assert _fingerprint() == before, "a failed ingest must leave the store unchanged"
    return info.value


def test_a_failure_while_writing_leaves_the_store_as_it_was(
    mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ingest is one transaction: a failure after the year's old rows are deleted and some
    tables rewritten (here, writing its candidates) rolls everything back."""
    before = _fingerprint()
    real = Store._insert
    written: list[str] = []

    def failing(self: Store, table: str, df) -> None:  # noqa: ANN001
        if table == "candidates":
            raise OSError("disk full while writing the candidates")
        written.append(table)
        real(self, table, df)

    monkeypatch.setattr(Store, "_insert", failing)
    with Store() as st, pytest.raises(OSError, match="disk full"):
        st.ingest(2022, download=False)
    assert {"sources", "constituencies", "totals"} <= set(written)  # the failure came late
    monkeypatch.setattr(Store, "_insert", real)
    assert _fingerprint() == before, "a failed ingest must leave the store unchanged"


def test_error_quoting_a_control_character_shows_it_escaped() -> None:
    """A message quotes the source; a control character in it (a double-encoded name's U+0087,
    a stray escape) is written as an escape, and the message stays on one line."""
    e = DataFileError(
        "round-2 candidate FRAN\u00c3\u0087OIS\x1b[2J matches\nnothing", file="t2.csv"
    )
    assert str(e) == "file t2.csv: round-2 candidate FRANÃ\\x87OIS\\x1b[2J matches nothing"


def test_wrong_encoding(mirror: Path) -> None:
    f = mirror / "2022" / T1_2022
    f.write_bytes(f.read_bytes().decode("latin-1").encode("cp850"))
    err = _ingest_fails("encoding")
    assert err.file == T1_2022 and err.line == 1


def test_utf16_is_wrong_encoding(mirror: Path) -> None:
    f = mirror / "2022" / T1_2022
    f.write_bytes(f.read_bytes().decode("latin-1").encode("utf-16"))
    _ingest_fails("encoding")


def test_truncated_mid_line(mirror: Path) -> None:
    f = mirror / "2022" / T1_2022
    raw = f.read_bytes()
    f.write_bytes(raw[: len(raw) // 2])
    err = _ingest_fails("incomplete|truncated")
    assert err.line is not None and err.constituency is not None


def test_truncated_at_line_boundary(mirror: Path) -> None:
    f = mirror / "2022" / T1_2022
    lines = _lines(f)
    _write(f, lines[:300])
    _ingest_fails("299 constituencies, expected 577")


def test_missing_column(mirror: Path) -> None:
    f = mirror / "2022" / T1_2022
    lines = _lines(f)
    lines[0] = lines[0].replace(b";Inscrits;", b";Inscrit;")
    _write(f, lines)
    err = _ingest_fails("missing column")
    assert err.column == "Inscrits" and err.line == 1


def test_non_numeric_votes(mirror: Path) -> None:
    f = mirror / "2022" / T1_2022
    lines = _lines(f)
    cells = lines[5].split(b";")
    cells[19 + 5] = b"douze"  # Voix of the first candidate
    lines[5] = b";".join(cells)
    _write(f, lines)
    err = _ingest_fails("expected a non-negative integer")
    assert (err.line, err.column, err.constituency) == (6, "Voix", "0105")


def test_duplicate_constituency(mirror: Path) -> None:
    f = mirror / "2022" / T1_2022
    lines = _lines(f)
    lines.insert(10, lines[9])
    _write(f, lines)
    err = _ingest_fails("duplicate constituency")
    assert err.constituency == "0204" and err.line == 11


def test_truncated_xlsx(tmp_path: Path, data_dir: Path) -> None:
    src = data_dir / "2024" / "resultats_circonscription_tour_1.xlsx"
    bad = tmp_path / src.name
    bad.write_bytes(src.read_bytes()[:50_000])
    entry = files_for(2024, 1, "results")[0]
    with pytest.raises(DataFileError, match="not a readable xlsx") as info:
        read_results(entry, bad)
    assert info.value.file == src.name


def test_unknown_year(isolated_env: Path) -> None:
    with Store() as st, pytest.raises(UnsupportedElectionError, match="2017, 2022, 2024"):
        st.ingest(2019)


def test_unknown_round() -> None:
    import dataclasses

    entry = dataclasses.replace(files_for(2022, 1, "results")[0], round=3)
    with pytest.raises(UnsupportedElectionError, match="round 3"):
        read_results(entry, Path("unused"))


def test_missing_files_in_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("HEMICYCLE_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("HEMICYCLE_STORE", str(tmp_path / "s.duckdb"))
    with Store() as st, pytest.raises(DataNotAvailableError, match="not available"):
        st.ingest(2017)


def test_no_network_gives_instructions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a mirror and without network, the message says how to get the data."""
    import pooch

    from hemicycle.data import sources

    def offline(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.delenv("HEMICYCLE_DATA", raising=False)
    monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(DataNotAvailableError, match="HEMICYCLE_DATA"):
        sources.fetch(files_for(2017, 1, "results")[0], progress=False)


def test_quirks_do_not_fail(mirror: Path) -> None:
    """A sum off by one vote is a warning, not an error."""
    f = mirror / "2022" / T1_2022
    lines = _lines(f)
    cells = lines[1].split(b";")
    cells[19 + 5] = str(int(cells[19 + 5]) + 1).encode()
    lines[1] = b";".join(cells)
    _write(f, lines)
    with Store() as st, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rep = st.ingest(2022, download=False)
    assert [q.constituency for q in rep.quirks] == ["0101"]
    assert any(issubclass(w.category, DataQuirkWarning) for w in caught)


def test_locked_store_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB allows one writing process: a second one is told what to do."""
    import subprocess
    import sys

    monkeypatch.setenv("HEMICYCLE_LOCK_WAIT", "0.3")

    path = tmp_path / "locked.duckdb"
    with Store(path):
        code = (
            "import sys\nfrom hemicycle.data.store import Store\nfrom hemicycle.errors import "
            f"HemicycleError\ntry:\n    Store({str(path)!r})\nexcept HemicycleError as e:\n"
            "    print(e)\n    sys.exit(3)\n"
        )
        res = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            env=os.environ.copy(),
        )
    assert res.returncode == 3, res.stderr
    assert f"process {os.getpid()} " in res.stdout and "--store" in res.stdout


# ----- on the synthetic sample mirror (tests/data): these run on any clone ------------------------

SAMPLE = Path(__file__).parent / "data"
T1_SAMPLE = SAMPLE / "2022" / T1_2022


@pytest.fixture()
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the sample mirror, and a store holding its 2022 and 2024."""
    root = tmp_path / "mirror"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setenv("HEMICYCLE_DATA", str(root))
    monkeypatch.setenv("HEMICYCLE_STORE", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache"))
    with Store() as st:
        st.ingest(2022, download=False)
        st.ingest(2024, download=False)
    return root


def _sample_rows(mirror: Path) -> list[list[bytes]]:
    return [line.split(b";") for line in (mirror / "2022" / T1_2022).read_bytes().split(b"\r\n")]


def _write_rows(mirror: Path, rows: list[list[bytes]]) -> None:
    (mirror / "2022" / T1_2022).write_bytes(b"\r\n".join(b";".join(r) for r in rows))


# the 2022 layout: 19 fixed columns, then 9 per candidate (N°Panneau, Sexe, Nom, Prénom, Nuance,
# Voix, …)
INSCRITS, ABSTENTIONS, VOTANTS, EXPRIMES, VOIX1 = 5, 6, 8, 16, 24


def test_huge_votes_cell_is_refused(sample: Path) -> None:
    """A votes cell of 99999999999999999999999 (beyond int64) is a named error, not an overflow."""
    rows = _sample_rows(sample)
    rows[2][VOIX1] = b"99999999999999999999999"
    _write_rows(sample, rows)
    err = _ingest_fails("beyond any possible count")
    assert (err.file, err.line, err.constituency, err.column) == (T1_2022, 3, "2A01", "Voix")


def test_votes_at_int64_max_are_refused(sample: Path) -> None:
    rows = _sample_rows(sample)
    rows[1][VOIX1] = str(2**63 - 1).encode()
    _write_rows(sample, rows)
    err = _ingest_fails("beyond any possible count")
    assert err.constituency == "0101" and err.line == 2


@pytest.mark.parametrize(
    ("column", "value", "message", "named"),
    [
        (VOIX1, b"20000", "a candidate's voix 20000 exceed inscrits 10000", "Voix"),
        (EXPRIMES, b"7000", "exprimés 7000 exceed votants 6000", "Exprimés"),
        (VOTANTS, b"15000", "votants 15000 exceed inscrits 10000", None),
    ],
)
def test_impossible_values_are_refused(
    sample: Path, column: int, value: bytes, message: str, named: str | None
) -> None:
    rows = _sample_rows(sample)
    rows[1][column] = value
    _write_rows(sample, rows)
    err = _ingest_fails(message)
    assert err.constituency == "0101" and err.file == T1_2022
    if named is not None:
        assert err.column == named and err.line == 2


def test_swapped_inscrits_abstentions_headers_are_refused(sample: Path) -> None:
    """Swapped headers made every row impossible: one error that counts them, not 577 warnings."""
    rows = _sample_rows(sample)
    rows[0][INSCRITS], rows[0][ABSTENTIONS] = rows[0][ABSTENTIONS], rows[0][INSCRITS]
    _write_rows(sample, rows)
    err = _ingest_fails(
        r"abstentions 10000 exceed inscrits 4000 \(swapped columns\?\) "
        r"\(and 2 more impossible value"
    )
    assert err.column == "Abstentions" and err.line == 2


def test_off_by_a_few_stays_a_warning(sample: Path) -> None:
    """Sums off by a few votes, and votants a little over inscrits (1997 Savoie 1: +108), pass."""
    rows = _sample_rows(sample)
    rows[1][VOIX1] = str(int(rows[1][VOIX1]) + 2).encode()
    rows[2][VOTANTS] = str(int(rows[2][INSCRITS]) + 80).encode()
    _write_rows(sample, rows)
    with Store() as st, warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        rep = st.ingest(2022, download=False)
    assert {q.kind for q in rep.quirks} == {"votes_sum", "registered", "voters"}


def test_thresholds_pass_the_real_quirks() -> None:
    """The historical files' quirks (checked against every file in /work/shared/data, 1997–2024)
    stay below the bounds: 1997 Savoie 1 has votants 88,555 for inscrits 88,447."""
    import pandas as pd

    from hemicycle.data.readers.common import check_possible

    totals = pd.DataFrame(
        [
            {
                "constituency": "7301",
                "registered": 88447,
                "abstentions": -108,
                "voters": 88555,
                "blank": 0,
                "null": 33440,
                "expressed": 55115,
            }
        ]
    )
    cands = pd.DataFrame(
        [{"constituency": "7301", "votes": 30000}, {"constituency": "7301", "votes": 25315}]
    )
    check_possible(totals, cands, file="cdsp_legi1997t1_circ.csv")


def test_negative_count_is_refused(sample: Path) -> None:
    rows = _sample_rows(sample)
    rows[1][VOIX1] = b"-5"
    _write_rows(sample, rows)
    err = _ingest_fails("non-negative integer")
    assert err.column == "Voix" and err.line == 2


def test_utf8_bom_before_latin1_is_read(sample: Path) -> None:
    """An editor's UTF-8 byte-order mark before the latin-1 bytes is dropped, not a missing
    column."""
    f = sample / "2022" / T1_2022
    f.write_bytes(b"\xef\xbb\xbf" + f.read_bytes())
    with Store() as st:
        rep = st.ingest(2022, download=False)
    assert rep.constituencies == 3


def test_utf16_bom_is_named(sample: Path) -> None:
    f = sample / "2022" / T1_2022
    f.write_bytes(f.read_bytes().decode("latin-1").encode("utf-16"))
    err = _ingest_fails("UTF-16 byte-order mark")
    assert err.file == T1_2022 and err.line == 1


def test_explicit_store_needs_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hemicycle.errors import HemicycleError

    missing = tmp_path / "nonexistent" / "dir" / "x.duckdb"
    with pytest.raises(HemicycleError, match="does not exist"):
        Store(missing)
    monkeypatch.setenv("HEMICYCLE_STORE", str(missing))
    with pytest.raises(HemicycleError, match="does not exist"):
        Store()
    assert not (tmp_path / "nonexistent").exists()
    monkeypatch.delenv("HEMICYCLE_STORE")
    monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache" / "deep"))
    with Store() as st:  # the default location is created
        assert st.path == tmp_path / "cache" / "deep" / "hemicycle.duckdb"


def test_for_reading_is_read_only_and_ingests_when_stale(sample: Path) -> None:
    """A reading store holds no write lock; a changed file makes it take one for the ingest only."""
    with Store.for_reading() as st:
        assert st.read_only and st.ensure(2022) is None
        f = sample / "2022" / T1_2022
        f.write_bytes(f.read_bytes() + b"\r\n")  # same content, new signature
        assert st.ensure(2022) is not None
        assert st.read_only and st.years() == [2022, 2024]


def test_server_store_never_writes(sample: Path) -> None:
    """A plain read-only store (the server's) serves what it holds when files change."""
    from hemicycle.errors import DataNotAvailableError

    f = sample / "2022" / T1_2022
    f.write_bytes(f.read_bytes() + b"\r\n")
    with Store(read_only=True) as st:
        assert st.ensure(2022) is None
        with pytest.raises(DataNotAvailableError, match="read-only"):
            st.ensure(2017)


_HOLD = (
    "import sys, time\nfrom hemicycle.data.store import Store\n"
    "st = Store(sys.argv[1], read_only=sys.argv[2] == 'ro')\nprint('ready', flush=True)\n"
    "time.sleep(float(sys.argv[3]))\n"
)
_CLI = "import sys\nfrom hemicycle.cli import app\nsys.argv[0] = 'hemicycle'\napp()\n"


def _hold(path: Path, mode: str, seconds: float = 60):
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), mode, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _cli(*args: str):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-c", _CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )


def test_read_commands_run_beside_a_read_only_holder(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 4: while a process (the server) holds the store read-only, `data status`, `replay` and
    `project` work; an ingest is refused with the holder's PID and what to do."""
    monkeypatch.setenv("HEMICYCLE_LOCK_WAIT", "0.5")
    path = tmp_path / "store.duckdb"
    holder = _hold(path, "ro")
    try:
        for args in (
            ["data", "status"],
            ["replay", "2024", "--no-hemicycle"],
            ["data", "ingest", "2024"],
            ["project", "2024", "--train", "2022", "--sims", "50", "--no-progress"],
        ):
            res = _cli(*args, "--store", str(path))
            assert res.returncode == 0, (args, res.stderr)
        before = path.read_bytes()
        res = _cli("data", "ingest", "2024", "--force", "--store", str(path))
        assert res.returncode == 1
        assert f"process {holder.pid} " in res.stderr and "kill" in res.stderr
        assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
        assert path.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()


def test_reader_told_who_writes(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEMICYCLE_LOCK_WAIT", "0.5")
    path = tmp_path / "store.duckdb"
    holder = _hold(path, "rw")
    try:
        res = _cli("data", "status", "--store", str(path))
        assert res.returncode == 1 and f"process {holder.pid} " in res.stderr
        assert "Traceback" not in res.stderr
    finally:
        holder.kill()
        holder.wait()


#: What a plain reading of each CDSP table finds impossible, as its SOURCES.md reports it
#: (file → constituencies): inscrits typed short (1968 round 2: 3 rows; 1978 round 2: 48 rows,
#: inscrits and/or votants lost a leading digit), votants typed short (1978 round 1), exprimés
#: above votants (1993). Every other table, 1958–2012, holds nothing impossible.
IMPOSSIBLE_ROWS = {
    "cdsp_legi1968t2_circ.csv": {"13-10", "69-6", "91-3"},
    "cdsp_legi1978t1_circ.csv": {"21-1", "75-8"},
    "cdsp_legi1978t2_circ.csv": 48,
    "cdsp_legi1993t1_circ.csv": {"38-9"},
    "cdsp_legi1993t2_circ.csv": {"85-3"},
}


def _plain_cdsp(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A CDSP table read plainly, whatever reader ingests it: the totals (abstentions derived as
    inscrits − votants) and one row per candidate block (1988–2012) or party column (1958–1981,
    whose second header line of party codes is dropped)."""
    import re

    df = pd.read_csv(path, dtype=str)
    df = df[df["Code département"].notna()]

    def num(s: pd.Series) -> pd.Series:
        return pd.to_numeric(s.str.replace(" ", ""), errors="coerce")

    code = df["Code département"].str.zfill(2) + "-" + df["circonscription"].astype(str)
    reg, vot = num(df["Inscrits"]), num(df["Votants"])
    totals = pd.DataFrame(
        {
            "constituency": code,
            "registered": reg,
            "abstentions": reg - vot,
            "voters": vot,
            "blank": 0,
            "null": num(df["Blancs et nuls"]) if "Blancs et nuls" in df else None,
            "expressed": num(df["Exprimés"]),
        }
    )
    not_votes = {"Code département", "département", "circonscription", "élu premier tour"}
    not_votes |= {"Inscrits", "Votants", "Exprimés", "Blancs et nuls", "Taux de participation (%)"}
    cols = [c for c in df.columns if re.fullmatch(r"\d+ voix", c)]
    cols = cols or [c for c in df.columns if c not in not_votes]  # one column per party family
    cands = (
        df[cols]
        .apply(num)
        .assign(constituency=code)
        .melt(id_vars="constituency", value_name="votes")
        .dropna()
    )
    return totals, cands


def test_thresholds_on_every_historical_file(data_dir: Path) -> None:
    """The CDSP tables of 1958–2012 hold nothing that :func:`impossible_values` finds but the rows
    their SOURCES.md lists as typing errors; 1978's 48 short rows keep exprimés equal to the sum
    of the votes (the impossible fields are inscrits or votants, never the votes)."""
    from hemicycle.data.readers.common import check_possible, impossible_values

    files = sorted(data_dir.glob("*/cdsp_legi*_circ.csv"))
    if not files:
        pytest.skip("no CDSP tables in this mirror")
    years = {int(p.parent.name) for p in files}
    assert years >= {1997, 2002, 2007, 2012}
    for p in files:
        totals, cands = _plain_cdsp(p)
        found = impossible_values(totals, cands)
        rows = {c for c, _, _ in found}
        expected = IMPOSSIBLE_ROWS.get(p.name, set())
        if isinstance(expected, int):
            assert len(rows) == expected, p.name
            fields = {f for _, f, _ in found}
            assert fields <= {"abstentions", "voters", "expressed", "null", "votes"}
            short = totals[totals["constituency"].isin(rows)].set_index("constituency")
            sums = cands.groupby("constituency")["votes"].sum()
            assert (sums[short.index] == short["expressed"]).all(), p.name
        else:
            assert rows == expected, p.name
        if not expected:
            check_possible(totals, cands, file=p.name)
        else:
            with pytest.raises(DataFileError, match=p.name):
                check_possible(totals, cands, file=p.name)
