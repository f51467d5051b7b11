"""The CDSP reader on the synthetic files of ``tests/data/{1997,2012}`` (invented names and figures,
the CDSP's layouts): runs on any clone. Bad input: a named error (file, line, column), the store
unchanged."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from hemicycle.data.files import files_for
from hemicycle.data.readers import link_rounds, read_results
from hemicycle.data.readers.common import RoundTable
from hemicycle.data.store import Store
from hemicycle.errors import DataFileError

SAMPLE = Path(__file__).parent / "data"
T1, T2 = "cdsp_legi1997t1_circ.csv", "cdsp_legi1997t2_circ.csv"


def _read(root: Path, year: int) -> tuple[RoundTable, RoundTable]:
    e1, e2 = (files_for(year, r, "results")[0] for r in (1, 2))
    r1 = read_results(e1, root / str(year) / e1.name)
    r2 = read_results(e2, root / str(year) / e2.name)
    return r1, link_rounds(e2, r1, r2)


def _by(df: pd.DataFrame, code: str, cols: list[str]) -> list[tuple]:
    d = df[df["constituency"] == code].sort_values("panel")
    return list(d[cols].itertuples(index=False, name=None))


def test_1997_layout() -> None:
    r1, r2 = _read(SAMPLE, 1997)
    assert list(r1.totals["constituency"]) == ["0101", "2A02", "97601"]  # 985 (Mayotte) → 976
    assert list(r2.totals["constituency"]) == ["2A02", "97601"]
    # panel = block number in the round-1 row; blocks of 6, 7 and 8 columns read alike
    assert _by(r1.candidates, "0101", ["panel", "surname", "nuance", "votes"]) == [
        (1, "DUPONT-MOREL", "SOC", 3600),
        (2, "BERTIN", "RPR", 2000),
        (3, "CASSAGNE", "FRN", 1000),
        (4, "LEFORT", "ECO", 200),
    ]
    assert r1.candidates["sex"].isna().all() and r1.candidates["elected"].isna().all()
    assert _by(r1.candidates, "2A02", ["panel", "advanced"]) == [
        (1, True),
        (2, True),
        (3, True),
        (4, False),
    ]
    t = r1.totals.set_index("constituency").loc["0101"]
    assert (t["registered"], t["voters"], t["null"], t["expressed"]) == (10000, 7000, 200, 6800)
    assert pd.isna(t["blank"]) and pd.isna(t["abstentions"])
    assert r1.quirks == [] and r2.quirks == []


def test_1997_round2_joins_round1_on_names() -> None:
    _, r2 = _read(SAMPLE, 1997)
    # namesakes (MARTIN Jean / Jeanne) told apart by first name, listed in another order;
    # SAID Elodie is SAÏD ÉLODIE (accents, case); ORSINI keeps panel 3 though his nuance changed
    assert _by(r2.candidates, "2A02", ["panel", "first_name", "nuance", "votes", "elected"]) == [
        (1, "JEAN", "DVD", 1900, False),
        (2, "JEANNE", "RPR", 2000, True),
        (3, "ANGE", "SOC", 1200, False),
    ]
    assert _by(r2.candidates, "97601", ["panel", "surname", "elected"]) == [
        (1, "SAID", True),
        (2, "ABDOU", False),
    ]


def test_2012_layout_codes_and_flags() -> None:
    r1, r2 = _read(SAMPLE, 2012)
    assert list(r1.totals["constituency"]) == ["0101", "ZZ01", "ZX01"]  # 99 → ZZ, 979 → ZX
    assert set(r1.candidates["sex"]) == {"M", "F"}
    # round 2's "Accès second tour" (O for all) says nothing of who won: elected is unknown
    assert r2.candidates["elected"].isna().all()
    assert _by(r2.candidates, "ZX01", ["panel", "surname", "votes"]) == [
        (1, "GUMBS", 3300),
        (2, "ARRONDELL", 3500),
    ]
    kinds = sorted((q.constituency, q.kind) for q in r2.quirks)
    assert kinds == [("ZZ01", "voters"), ("ZZ01", "votes_sum")]  # kept as published: off by 100
    assert "(-100)" in next(q.message for q in r2.quirks if q.kind == "votes_sum")


# ----- bad input ---------------------------------------------------------------------------------


@pytest.fixture()
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "mirror"
    shutil.copytree(SAMPLE / "1997", root / "1997")
    monkeypatch.setenv("HEMICYCLE_DATA", str(root))
    monkeypatch.setenv("HEMICYCLE_STORE", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache"))
    return root


def _fingerprint() -> str:
    with Store() as st:
        h = hashlib.sha256()
        for t in ("sources", "years", "constituencies", "totals", "candidates", "quirks"):
            h.update(st.query(f"SELECT * FROM {t} ORDER BY ALL").to_csv().encode())
        return h.hexdigest()


def _ingest_fails(match: str) -> DataFileError:
    before = _fingerprint()
    with Store() as st, pytest.raises(DataFileError, match=match) as info:
        st.ingest(1997, download=False)
    assert _fingerprint() == before, "a failed ingest must leave the store unchanged"
    return info.value


def test_truncated_file(mirror: Path) -> None:
    f = mirror / "1997" / T1
    raw = f.read_bytes()
    f.write_bytes(raw[: raw.rindex(b"\n", 0, len(raw) - 1) + 40])  # the last row cut mid-line
    err = _ingest_fails("truncated")
    assert (err.file, err.line) == (T1, 4) and err.column


def test_missing_name_column(mirror: Path) -> None:
    f = mirror / "1997" / T1
    f.write_text(
        f.read_text(encoding="utf-8").replace("2 Nom candidat", "2 Nom", 1), encoding="utf-8"
    )
    err = _ingest_fails("missing column")
    assert (err.file, err.line, err.column) == (T1, 1, "2 Nom candidat")


def test_round2_candidate_absent_from_round1(mirror: Path) -> None:
    f = mirror / "1997" / T2
    f.write_text(
        f.read_text(encoding="utf-8").replace("ABDOU,KARIM", "BACAR,ISSA"), encoding="utf-8"
    )
    err = _ingest_fails("matches no round-1 candidate")
    assert (err.file, err.line, err.constituency, err.column) == (T2, 3, "97601", "1 Nom candidat")


def test_wrong_encoding(mirror: Path) -> None:
    f = mirror / "1997" / T1
    f.write_bytes(f.read_text(encoding="utf-8").encode("latin-1"))
    err = _ingest_fails("encoding")
    assert (err.file, err.line) == (T1, 1)


def test_non_numeric_votes(mirror: Path) -> None:
    f = mirror / "1997" / T1
    f.write_text(f.read_text(encoding="utf-8").replace(",3600,", ",36OO,"), encoding="utf-8")
    err = _ingest_fails("integer")
    assert (err.line, err.constituency, err.column) == (2, "0101", "1 voix")


def test_bad_flag(mirror: Path) -> None:
    f = mirror / "1997" / T2
    f.write_text(f.read_text(encoding="utf-8").replace(",2000,O,", ",2000,X,"), encoding="utf-8")
    err = _ingest_fails("expected O, N")
    assert (err.file, err.line, err.column) == (T2, 2, "1 Elu")


def test_old_store_is_migrated_in_place(tmp_path: Path) -> None:
    """A store written before the ``years`` table and the ``advanced`` column keeps its data and
    learns each year's boundary map."""
    import duckdb

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute(
        """CREATE TABLE sources (year INTEGER, round INTEGER, role VARCHAR, file VARCHAR,
        sha256 VARCHAR, bytes BIGINT, signature VARCHAR, ingested_at TIMESTAMP, """
        "PRIMARY KEY (year, round, role))"
    )
    con.execute(
        "CREATE TABLE candidates (year INTEGER, round INTEGER, constituency VARCHAR, "
        """panel INTEGER,
        surname VARCHAR, first_name VARCHAR, sex VARCHAR, nuance VARCHAR, votes BIGINT, """
        """elected BOOLEAN,
        PRIMARY KEY (year, round, constituency, panel))"""
    )
    con.execute("INSERT INTO sources VALUES (2017, 1, 'results', 'f.xlsx', 'x', 1, 's', NULL)")
    con.execute(
        "INSERT INTO candidates VALUES (2017, 1, '0101', 1, 'A', 'B', 'M', 'REM', 10, TRUE)"
    )
    con.close()
    with Store(path) as st:
        assert st.query("SELECT year, boundary_map FROM years").values.tolist() == [[2017, "2010"]]
        c = st.query("SELECT surname, elected, advanced FROM candidates")
        assert (
            c["surname"].tolist() == ["A"] and bool(c["elected"][0]) and pd.isna(c["advanced"][0])
        )
    with Store(path) as st:  # a second opening changes nothing
        assert len(st.query("SELECT * FROM years")) == 1
