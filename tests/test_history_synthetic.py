"""The party-column layout (1958–1981) on the synthetic files of ``tests/data/{1967,1981}``
(invented figures, the CDSP's layout): what is read, and bad input — a named error (file, line,
column) with the store unchanged, or a listed quirk. Runs on any clone."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from hemicycle.data.files import files_for
from hemicycle.data.readers import link_rounds, read_results
from hemicycle.data.store import SAMPLE_MARKER, Store
from hemicycle.errors import DataFileError

SAMPLE = Path(__file__).parent / "data"
T1, T2 = "cdsp_legi1967t1_circ.csv", "cdsp_legi1967t2_circ.csv"


@pytest.fixture()
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "mirror"
    for year in ("1967", "1981"):
        shutil.copytree(SAMPLE / year, root / year)
    shutil.copy(SAMPLE / SAMPLE_MARKER, root / SAMPLE_MARKER)
    monkeypatch.setenv("HEMICYCLE_DATA", str(root))
    monkeypatch.setenv("HEMICYCLE_STORE", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache"))
    with Store() as st:  # the store holds the good 1967 before each damage
        st.ingest(1967, download=False)
    return root


def _fingerprint() -> str:
    with Store() as st:
        h = hashlib.sha256()
        for t in ("sources", "years", "constituencies", "totals", "candidates", "quirks"):
            h.update(st.query(f"SELECT * FROM {t} ORDER BY ALL").to_csv().encode())
        return h.hexdigest()


def _ingest_fails(match: str, year: int = 1967) -> DataFileError:
    before = _fingerprint()
    with Store() as st, pytest.raises(DataFileError, match=match) as info:
        st.ingest(year, download=False)
    assert _fingerprint() == before, "a failed ingest must leave the store unchanged"
    assert len(str(info.value).splitlines()) == 1
    return info.value


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_1967_sample(mirror: Path) -> None:
    with Store() as st:
        c = st.query(
            "SELECT * FROM candidates WHERE year = 1967 ORDER BY round, constituency, panel"
        )
        t = st.query("SELECT * FROM totals WHERE year = 1967 ORDER BY round, constituency")
        q = st.query("SELECT * FROM quirks WHERE year = 1967")
    r1 = c[c["round"] == 1]
    # 20-1: the second COM column (communist allies) is panel 2, the first has no votes there
    assert list(
        r1.loc[r1["constituency"] == "2001", ["panel", "nuance", "votes"]].itertuples(
            index=False, name=None
        )
    ) == [
        (2, "COM", 3000),
        (3, "FGDS", 3500),
        (4, "UD5", 5000),
        (5, "CENTDEM", 2500),
        (6, "DIV", 500),
    ]
    assert r1["surname"].isna().all() and r1["first_name"].isna().all() and r1["sex"].isna().all()
    # élu premier tour: 01-1's best column elected, no round 2 there
    assert list(
        r1.loc[r1["elected"], ["constituency", "nuance"]].itertuples(index=False, name=None)
    ) == [("0101", "UD5")]
    assert set(t.loc[t["round"] == 2, "constituency"]) == {"2001", "7501"}
    r2 = c[c["round"] == 2]
    assert list(r2[["constituency", "panel", "nuance"]].itertuples(index=False, name=None)) == [
        ("2001", 3, "FGDS"),
        ("2001", 4, "UD5"),
        ("7501", 1, "COM"),
        ("7501", 4, "UD5"),
    ]
    assert r2["elected"].isna().all() and q.empty


def test_1981_sample_codes_in_the_header(mirror: Path) -> None:
    e1, e2 = (files_for(1981, r, "results")[0] for r in (1, 2))
    r1 = read_results(e1, mirror / "1981" / e1.name)
    r2 = link_rounds(e2, r1, read_results(e2, mirror / "1981" / e2.name))
    assert list(r1.totals["constituency"]) == ["0101", "2A01", "7501"]  # unpadded `1` → 01
    assert r1.totals["null"].isna().all()  # no Blancs et nuls in round 1
    assert r1.candidates["elected"].isna().all()  # no flag in 1981: the law decides
    assert list(r2.candidates["panel"]) == [3, 6, 3, 6]
    assert "RADICAUX GAUCHE" in r1.party_codes


def test_labels_without_their_code_line(mirror: Path) -> None:
    path = mirror / "1967" / T1
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(lines[0] + "".join(lines[2:]), encoding="utf-8")
    err = _ingest_fails("not followed by the line of party codes")
    assert (err.file, err.line, err.column) == (T1, 2, "Parti communiste")


def test_empty_or_label_code(mirror: Path) -> None:
    _edit(mirror / "1967" / T1, ",FGDS,UD5,", ",,UD5,")
    err = _ingest_fails("a party column without its code")
    assert (err.file, err.line) == (T1, 2)
    assert err.column == "Fédération de la Gauche Démocrate et Socialiste"


def test_label_in_the_code_line_is_not_a_code(mirror: Path) -> None:
    _edit(mirror / "1967" / T1, ",CENTDEM,", ",Centre démocrate,")
    err = _ingest_fails("is not a party code")
    assert (err.line, err.column) == (2, "Centre Démocrate")


def test_round2_code_without_round1_column(mirror: Path) -> None:
    _edit(mirror / "1967" / T2, ",UD5,CENTDEM", ",UNR,CENTDEM")
    err = _ingest_fails("round-2 party code 'UNR' continues no round-1 column")
    assert (err.file, err.line, err.column) == (T2, 2, "UNR (party column 4)")


def test_round2_code_repeated_more_than_in_round1(mirror: Path) -> None:
    _edit(mirror / "1967" / T2, ",UD5,CENTDEM", ",UD5,UD5")
    err = _ingest_fails("'UD5' is repeated more often than in round 1")
    assert (err.file, err.line, err.column) == (T2, 2, "UD5 (party column 5)")


def test_round2_candidate_whose_party_had_no_round1_votes_is_listed(mirror: Path) -> None:
    """A round-2 column whose code had no votes in the constituency's round 1: left out, a quirk
    naming the file, line and column."""
    _edit(
        mirror / "1967" / T2,
        "75,PARIS,1,N,30000,21500,20500,1000,9500,0,0,11000,0",
        "75,PARIS,1,N,30000,21500,20500,1000,9500,0,0,10000,1000",
    )
    _edit(
        mirror / "1967" / T1,
        "75,PARIS,1,30000,21000,20600,400,6000,0,2000,9000,3000,600",
        "75,PARIS,1,30000,21000,20600,400,6000,0,2000,12000,0,600",
    )
    with Store() as st:
        rep = st.ingest(1967, download=False)
    (q,) = [q for q in rep.quirks if q.kind == "unjoined"]
    assert q.constituency == "7501" and q.file == T2
    assert q.message.startswith("line 5, column 'CENTDEM (party column 5)': 1000 round-2 votes")
    with Store() as st:
        c2 = st.query("SELECT * FROM candidates WHERE year = 1967 AND round = 2")
    assert set(c2.loc[c2["constituency"] == "7501", "nuance"]) == {"COM", "UD5"}


def test_votes_beyond_the_votes_cast_are_listed(mirror: Path) -> None:
    """Votes adding up to more than the exprimés: kept, a `votes_sum` quirk; a column beyond the
    inscrits makes the inscrits impossible: NULL, an `impossible` quirk naming line and column."""
    _edit(
        mirror / "1967" / T1,
        "20,CORSE,1,20000,15000,14500,500,0,3000,3500,5000,2500,500",
        "20,CORSE,1,20000,15000,14500,500,0,3000,3500,5000,2500,900",
    )
    _edit(
        mirror / "1967" / T1,
        "75,PARIS,1,30000,21000,20600,400,6000,0",
        "75,PARIS,1,3000,21000,20600,400,6000,0",
    )
    with Store() as st:
        rep = st.ingest(1967, download=False)
        t = st.query("SELECT * FROM totals WHERE year = 1967 AND round = 1 ORDER BY constituency")
    kinds = sorted((q.constituency, q.kind) for q in rep.quirks)
    assert kinds == [("2001", "votes_sum"), ("7501", "impossible")]
    imp = next(q for q in rep.quirks if q.kind == "impossible")
    assert imp.message.startswith("line 5, column 'Inscrits': 3000 cannot be true")
    assert t["registered"].isna().tolist() == [False, False, True]


def test_non_numeric_and_negative_counts(mirror: Path) -> None:
    _edit(
        mirror / "1967" / T1,
        "01,AIN,1,10000,8000,7800,200,1000,0,1500,4500",
        "01,AIN,1,10000,8000,7800,200,1000,0,1500,x4500",
    )
    err = _ingest_fails("expected a non-negative integer")
    assert (err.line, err.column) == (3, "Union des Démocrates pour la Vème République")


def test_seat_flagged_in_round1_with_round2_votes(mirror: Path) -> None:
    _edit(mirror / "1967" / T2, "01,AIN,1,O,,,,,,,,,", "01,AIN,1,O,,,,,,,,5,")
    err = _ingest_fails("filled in round 1")
    assert (err.file, err.line) == (T2, 3)


def test_truncated_row(mirror: Path) -> None:
    path = mirror / "1967" / T1
    path.write_text(path.read_text(encoding="utf-8")[:-12], encoding="utf-8")
    err = _ingest_fails("fields, the header")
    assert (err.file, err.line) == (T1, 5)
