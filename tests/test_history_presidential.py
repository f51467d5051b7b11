"""Presidential elections by legislative constituency (1965–2022), stored apart from the
legislative ones: each finalist's round-2 share of the exprimés summed over the constituencies,
against the official national result."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import pytest

from hemicycle.data.files import PRESIDENTIAL_YEARS, YEARS, files_for
from hemicycle.data.store import Store

#: (winner's name in the file, official national share of the exprimés in %, tolerance in points).
#: The CDSP's tables of 1965–1981 have the metropolitan constituencies only (465 to 474 rows), and
#: those of 1988 and 1995 too (555 rows): the overseas departments and territories, which voted
#: otherwise (1965: for de Gaulle; 1981: for Giscard d'Estaing), are missing, so the sum differs
#: from the national result by up to 0.7 points (1965: 54.50 % for 55.20 %; 1969: 57.58 % for
#: 58.21 %; 1981: 52.23 % for 51.76 %); 1974, 1988 and 1995 by under 0.15. From 2002 the tables
#: cover every constituency but the French abroad (2002, 2007): the sum is the national share
#: within 0.06 points, and in 2012 (the 11 seats abroad included), 2017 and 2022 to 0.01.
OFFICIAL = {
    1965: ("DE GAULLE", 55.20, 0.75),
    1969: ("POMPIDOU", 58.21, 0.7),
    1974: ("GISCARD D'ESTAING", 50.81, 0.15),
    1981: ("MITTERRAND", 51.76, 0.5),
    1988: ("MITTERRAND", 54.02, 0.05),
    1995: ("CHIRAC", 52.64, 0.05),
    2002: ("CHIRAC", 82.21, 0.06),
    2007: ("SARKOZY", 53.06, 0.01),
    2012: ("François HOLLANDE", 51.64, 0.01),
    2017: ("MACRON", 66.10, 0.01),
    2022: ("MACRON", 58.55, 0.01),
}
#: round-1 rows read (2007: 576 in the file, less Polynesia and New Caledonia given as whole
#: territories and the French abroad)
ROWS = {1965: 465, 1969: 470, 1974: 473, 1981: 474, 1988: 555, 1995: 555, 2002: 575, 2007: 573}


@pytest.fixture(scope="module")
def store(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("presidential") / "s.duckdb"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Store(path) as st:
            st.ingest(1981, download=False)  # a legislative year that is also a presidential one
            for y in PRESIDENTIAL_YEARS:
                st.ingest_presidential(y, download=False)
    st = Store(path, read_only=True)
    yield st
    st.close()


def test_years() -> None:
    assert PRESIDENTIAL_YEARS == tuple(OFFICIAL)
    assert not {1965, 1969, 1974, 1995} & set(YEARS)


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_round2_winner_share(store: Store, year: int) -> None:
    name, share, tolerance = OFFICIAL[year]
    votes = store.query(
        "SELECT surname, sum(votes) v FROM presidential_candidates WHERE year = ? AND round = 2 "
        "GROUP BY 1",
        [year],
    ).set_index("surname")["v"]
    expressed = store.query(
        "SELECT sum(expressed) e FROM presidential_totals WHERE year = ? AND round = 2", [year]
    )["e"].iloc[0]
    assert len(votes) == 2 and votes.idxmax() == name
    assert votes.sum() == expressed
    assert abs(100 * votes[name] / expressed - share) <= tolerance


def test_2012_national_totals(store: Store) -> None:
    """2012's SOURCES.md: summed, the official national totals."""
    votes = store.query(
        "SELECT surname, sum(votes) v FROM presidential_candidates WHERE year = 2012 AND round = 2 "
        "GROUP BY 1"
    ).set_index("surname")["v"]
    assert votes.to_dict() == {"François HOLLANDE": 18_000_668, "Nicolas SARKOZY": 16_860_685}


@pytest.mark.parametrize("year", sorted(ROWS))
def test_rows(store: Store, year: int) -> None:
    n = store.query(
        "SELECT count(*) n FROM presidential_totals WHERE year = ? AND round = 1", [year]
    )["n"].iloc[0]
    assert n == ROWS[year]


def test_quirks(store: Store) -> None:
    q = store.query("SELECT year, round, constituency, kind, message FROM presidential_quirks")
    imp = q[q["kind"] == "impossible"]
    assert list(imp[["year", "round", "constituency"]].itertuples(index=False, name=None)) == [
        (1969, 1, "2701")
    ]
    assert imp["message"].iloc[0].startswith("line 97, column 'POMPIDOU (UDR)': 223111 cannot")
    assert len(q[(q["year"] == 1988) & (q["kind"] == "empty_row")]) == 4
    moved = q[q["kind"] == "code_by_name"]
    assert set(moved["year"]) == {2007} and len(moved) == 5
    assert len(q[(q["year"] == 2017) & (q["kind"] == "not_in_round1")]) == 11  # abroad


def test_kept_apart_from_the_legislative_tables(store: Store) -> None:
    assert store.years() == [1981]
    assert store.presidential_years() == list(OFFICIAL)
    n = store.query("SELECT count(*) n FROM candidates WHERE year = 1981")["n"].iloc[0]
    assert n == 2329 + 631  # the legislative 1981 alone
    maps = store.query("SELECT DISTINCT year, boundary_map FROM presidential_totals ORDER BY 1")
    assert dict(zip(maps["year"], maps["boundary_map"], strict=True)) == {
        1965: "1958",
        1969: "1967",
        1974: "1967",
        1981: "1967",
        1988: "1986",
        1995: "1986",
        2002: "1986",
        2007: "1986",
        2012: "2010",
        2017: "2010",
        2022: "2010",
    }


def test_legislative_ingest_keeps_the_presidential_rows(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEMICYCLE_DATA", str(data_dir))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Store(tmp_path / "s.duckdb") as st:
            st.ingest_presidential(1981, download=False)
            before = st.query("SELECT * FROM presidential_candidates ORDER BY ALL")
            st.ingest(1981, download=False)
            st.ingest(1981, download=False)
            after = st.query("SELECT * FROM presidential_candidates ORDER BY ALL")
            assert before.equals(after)
            st.ingest_presidential(1981, download=False)
            assert st.query("SELECT count(*) n FROM candidates")["n"].iloc[0] == 2329 + 631


def test_registry_pins_the_mirror_files(data_dir: Path) -> None:
    for year in PRESIDENTIAL_YEARS:
        for round_ in (1, 2):
            (entry,) = files_for(year, round_, "presidential")
            path = data_dir / str(year) / entry.name
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry.sha256
