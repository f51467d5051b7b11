"""The Fifth Republic before 1997 (1958–1993) from the CDSP's tables of the test mirror: counts
their SOURCES.md files state, the impossible rows they list (kept, NULLed, quirked), the join of
the party columns across rounds, blocs, boundary maps, and the registry's pins."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hemicycle import election, rules
from hemicycle.data import blocs
from hemicycle.data.files import TRAINING_YEARS, YEARS, boundary_map, files_for
from hemicycle.data.store import Store

HISTORY = (1958, 1962, 1967, 1968, 1973, 1978, 1981, 1988, 1993)
#: constituencies per year, as each SOURCES.md states (1988 and 1993: one seat missing)
CONSTITUENCIES = dict(zip(HISTORY, (465, 465, 473, 473, 473, 474, 474, 576, 576), strict=True))
#: rows of `élu premier tour` = `O` in each round-2 file (SOURCES.md)
FLAGGED = {1958: 39, 1962: 96, 1967: 75, 1968: 157, 1973: 49, 1978: 57}
#: round-2 contests: SOURCES.md's runoffs (1981: the 320 rows of its round 2; 1988: 455 rows;
#: 1993: 496 rows, one of which, 78-8, holds no count and is not read)
RUNOFFS = {
    1958: 426,
    1962: 369,
    1967: 398,
    1968: 316,
    1973: 424,
    1978: 417,
    1981: 320,
    1988: 455,
    1993: 495,
}


@pytest.fixture(scope="module")
def store(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("history") / "s.duckdb"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Store(path) as st:
            for y in HISTORY:
                st.ingest(y, download=False)
    st = Store(path, read_only=True)
    yield st
    st.close()


def _one(store: Store, sql: str, params: list[object]) -> int:
    return int(store.query(sql, params).iloc[0, 0])


@pytest.mark.parametrize("year", HISTORY)
def test_counts(store: Store, year: int) -> None:
    q = "SELECT count(*) FROM {} WHERE year = ?"
    assert _one(store, q.format("constituencies"), [year]) == CONSTITUENCIES[year]
    rounds = store.query(
        "SELECT round, count(*) n FROM totals WHERE year = ? GROUP BY 1 ORDER BY 1", [year]
    )
    assert dict(zip(rounds["round"], rounds["n"], strict=True)) == {
        1: CONSTITUENCIES[year],
        2: RUNOFFS[year],
    }


@pytest.mark.parametrize("year", sorted(FLAGGED))
def test_flags_of_round1_seats(store: Store, year: int) -> None:
    """The round-2 file's `élu premier tour` flags: each gives round 1's best column `elected`,
    except 1967 and 1968's Rhône 11–13, whose round-1 rows hold only zeros (quirk `no_counts`)."""
    elected = _one(
        store,
        "SELECT count(DISTINCT constituency) FROM candidates WHERE year = ? AND round = 1 "
        "AND elected",
        [year],
    )
    empty = _one(store, "SELECT count(*) FROM quirks WHERE year = ? AND kind = 'no_counts'", [year])
    assert elected + empty == FLAGGED[year]
    assert empty == (3 if year in (1967, 1968) else 0)
    assert FLAGGED[year] + RUNOFFS[year] == CONSTITUENCIES[year]
    unknown = _one(
        store,
        "SELECT count(*) FROM candidates WHERE year = ? AND round = 1 AND elected IS NULL",
        [year],
    )
    assert unknown == 0


def test_1981_and_later_have_no_round1_flag(store: Store) -> None:
    for year in (1981, 1988, 1993):
        assert (
            _one(
                store,
                "SELECT count(*) FROM candidates WHERE year = ? AND round = 1 "
                "AND elected IS NOT NULL",
                [year],
            )
            == 0
        )


def _impossible(store: Store, year: int) -> pd.DataFrame:
    return store.query(
        "SELECT round, constituency, message FROM quirks WHERE year = ? AND kind = 'impossible' "
        "ORDER BY ALL",
        [year],
    )


def test_impossible_rows_are_kept_nulled_and_listed(store: Store) -> None:
    """The rows each SOURCES.md lists as impossible: kept, the impossible field NULL, a quirk
    naming the file, the line and the column."""
    q68 = _impossible(store, 1968)
    assert set(q68["round"]) == {2}
    assert set(q68["constituency"]) == {"1310", "6906", "9103"}
    assert q68["message"].str.contains(r"^line \d+, column 'Inscrits': ").all()
    t = store.query("SELECT * FROM totals WHERE year = 1968 AND round = 2")
    nulled = t[t["registered"].isna()]
    assert set(nulled["constituency"]) == {"1310", "6906", "9103"}
    assert nulled["voters"].notna().all() and nulled["expressed"].notna().all()

    q78 = _impossible(store, 1978)
    assert set(q78.loc[q78["round"] == 1, "constituency"]) == {"2101", "7508"}
    assert len(set(q78.loc[q78["round"] == 2, "constituency"])) == 48
    t = store.query("SELECT * FROM totals WHERE year = 1978")
    r1 = t[t["round"] == 1].set_index("constituency")
    assert r1.loc[["2101", "7508"], "voters"].isna().all()
    assert r1.loc[["2101", "7508"], "registered"].notna().all()
    r2 = t[(t["round"] == 2) & (t["registered"].isna() | t["voters"].isna())]
    assert len(r2) == 48
    # the votes and exprimés of the 48 rows agree: only inscrits and votants were lost
    sums = store.query(
        "SELECT constituency, sum(votes) s FROM candidates WHERE year = 1978 AND round = 2 "
        "GROUP BY 1"
    ).set_index("constituency")["s"]
    assert (sums[r2["constituency"]].to_numpy() == r2["expressed"].to_numpy()).all()

    q93 = _impossible(store, 1993)
    assert list(zip(q93["round"], q93["constituency"], strict=True)) == [(1, "3809"), (2, "8503")]
    assert q93["message"].iloc[0].startswith("line 186, column 'Votants': 40624 ")
    assert q93["message"].iloc[1].startswith("line 414, column 'Exprimés': 56335 ")
    for y in (1958, 1962, 1967, 1973, 1981, 1988):
        assert _impossible(store, y).empty, y


@pytest.mark.parametrize("year", HISTORY)
def test_election_load_takes_nameless_candidates_and_nulls(store: Store, year: int) -> None:
    e = election.load(store, year)
    assert e.n_constituencies == CONSTITUENCIES[year]
    assert e.round2 is not None
    c = store.query("SELECT surname FROM candidates WHERE year = ?", [year])
    if year < 1988:
        assert c["surname"].isna().all()  # the party columns have no names: NULL
    else:
        assert c["surname"].notna().all()


def test_party_columns_are_candidates(store: Store) -> None:
    """A candidate is a party column with votes: its panel the column's position, its nuance the
    code, repeated codes apart (1968: `COM` twice)."""
    c = store.query("SELECT * FROM candidates WHERE year = 1968 AND round = 1")
    assert (c["votes"] > 0).all()
    com = c[c["nuance"] == "COM"]
    assert set(com["panel"]) == {1, 2}
    assert c.groupby(["constituency", "panel"]).size().max() == 1
    # 01-1 of 1958: COM 4,708, SFIO 3,281, RADSOC 12,530, UNR 5,053, MRP 8,713, CNI 7,872
    c58 = store.query(
        "SELECT panel, nuance, votes FROM candidates WHERE year = 1958 AND round = 1 "
        "AND constituency = '0101' ORDER BY panel"
    )
    assert list(c58.itertuples(index=False, name=None)) == [
        (1, "COM", 4708),
        (3, "SFIO", 3281),
        (4, "RADSOC", 12530),
        (8, "UNR", 5053),
        (11, "MRP", 8713),
        (12, "CNI", 7872),
    ]


def test_1968_round2_joins_on_the_code_line(store: Store) -> None:
    """1968's round 2 renamed families (`PC`, `UDR-RI`, `DIVMAJ`, `DVD`): joined to the round-1
    column they continue; three candidates cannot be joined (listed, left out), none a winner."""
    both = store.query("""
        SELECT c2.constituency, c2.nuance n2, c1.nuance n1 FROM candidates c2
        JOIN candidates c1 ON c1.year = c2.year AND c1.round = 1
            AND c1.constituency = c2.constituency AND c1.panel = c2.panel
        WHERE c2.year = 1968 AND c2.round = 2""")
    assert set(both.loc[both["n2"] == "PC", "n1"]) == {"COM"}
    assert set(both.loc[both["n2"] == "UDR-RI", "n1"]) <= {"UDR", "RI", "RIUDR", "DIVGAULL"}
    q = store.query("SELECT * FROM quirks WHERE year = 1968 AND kind = 'unjoined'")
    assert sorted(q["constituency"]) == ["5302", "6907", "7302"]
    assert q["message"].str.contains(r"^line \d+, column '[A-Z-]+ \(party column \d\)'").all()
    t2 = store.query("SELECT constituency, expressed FROM totals WHERE year = 1968 AND round = 2")
    best = store.query(
        "SELECT constituency, max(votes) m FROM candidates WHERE year = 1968 AND round = 2 "
        "GROUP BY 1"
    )
    cont = store.query("SELECT message FROM quirks WHERE year = 1968 AND kind = 'continuation'")
    assert "round-2 code PC continues round-1 code COM in 160 constituencies" in set(
        cont["message"].str.split(" \\(").str[0]
    )
    assert not _one(
        store, "SELECT count(*) FROM quirks WHERE year = 1968 AND kind = 'nuance_change'", []
    )
    left_out = {"5302": 15038, "6907": 17280, "7302": 4144}
    for code, votes in left_out.items():
        assert best.set_index("constituency").loc[code, "m"] > votes
    assert set(t2["constituency"]) >= set(left_out)
    # every other round-2 column with votes is joined
    sums = store.query(
        "SELECT constituency, sum(votes) s FROM candidates WHERE year = 1968 AND round = 2 "
        "GROUP BY 1"
    ).set_index("constituency")["s"]
    off = (t2.set_index("constituency")["expressed"] - sums).dropna()
    assert set(off[off != 0].index) == set(left_out)


def test_round2_columns_join_their_own_code_but_in_1968(store: Store) -> None:
    for year in (1958, 1962, 1967, 1973, 1978, 1981):
        changed = _one(
            store,
            "SELECT count(*) FROM quirks WHERE year = ? AND kind IN "
            "('nuance_change', 'unjoined', 'ambiguous_join')",
            [year],
        )
        assert changed == 0, year


def _seats(store: Store, year: int) -> dict[str, int]:
    """Round-1 winners by the law (1976's, still in force in 1988 and 1993) and each runoff's
    most voted: how each SOURCES.md counts the seats."""
    e = election.load(store, year)
    status = rules.round1_status(
        e.round1.votes, e.round1.valid, e.round1.registered, e.round1.expressed
    )
    seats: dict[str, int] = {}
    for i, j in zip(*np.nonzero(status == rules.ELECTED), strict=True):
        seats[e.round1.nuance[i, j]] = seats.get(e.round1.nuance[i, j], 0) + 1
    r2 = e.round2
    assert r2 is not None
    for i in np.flatnonzero(r2.valid.any(axis=1)):
        j = int(np.argmax(np.where(r2.valid[i], r2.votes[i], -1)))
        seats[r2.nuance[i, j]] = seats.get(r2.nuance[i, j], 0) + 1
    return seats


def test_1988_seats(store: Store) -> None:
    """1988's SOURCES.md: SOC 257, RPR 128, UDF 122, COM 27, DVD 17, RDG 8, MAJ 8, SDC 3, UOF 2,
    FRN 1, UDP 1, RDC 1 (575: Mayotte missing, 975-1's round-1 votes do not add up)."""
    assert _seats(store, 1988) == {
        "SOC": 257,
        "RPR": 128,
        "UDF": 122,
        "COM": 27,
        "DVD": 17,
        "RDG": 8,
        "MAJ": 8,
        "SDC": 3,
        "UOF": 2,
        "FRN": 1,
        "UDP": 1,
        "RDC": 1,
    }


def test_1993_seats_and_its_quirks(store: Store) -> None:
    """1993's SOURCES.md: RPR 247 (one written `RPR `), UDF 211, SOC 53, COM 24, DVD 23, MAJ 10,
    RDG 6, DIV 1, one empty nuance; 78-8's round 2 holds no count (its RPR winner flagged)."""
    seats = _seats(store, 1993)
    q = store.query("SELECT * FROM quirks WHERE year = 1993 ORDER BY ALL")
    assert set(q.loc[q["kind"] == "no_counts", "constituency"]) == {"7808"}
    assert "BEDIER (RPR) flagged elected" in q.loc[q["kind"] == "no_counts", "message"].iloc[0]
    spaces = q[q["kind"] == "nuance_spaces"]
    assert spaces["message"].str.contains("'RPR ' read as 'RPR'").sum() == 2  # both rounds
    assert seats.pop("RPR") == 247 - 1  # 78-8, whose round 2 has no count
    assert seats == {
        "UDF": 211,
        "SOC": 53,
        "COM": 24,
        "DVD": 23,
        "MAJ": 10,
        "RDG": 6,
        "DIV": 1,
        "": 1,
    }
    t1 = store.query("SELECT * FROM totals WHERE year = 1993 AND round = 1")
    assert t1["null"].isna().all()  # no `Blancs et nuls` in round 1


@pytest.mark.parametrize("year", HISTORY)
def test_every_nuance_has_a_bloc(store: Store, year: int) -> None:
    nuances = set(
        store.query("SELECT DISTINCT nuance FROM candidates WHERE year = ?", [year])["nuance"]
    )
    table = blocs.table()
    missing = {n for n in nuances if (year, n) not in table}
    assert missing == ({""} if year == 1993 else set())
    assert all((y, n) in table or y != year for y, n in table)


def test_blocs_of_the_long_run() -> None:
    """The judgement calls of the README, across 66 years."""
    b = {k: v[1] for k, v in blocs.table().items()}
    for y in (1958, 1962, 1967, 1968, 1973, 1978, 1981, 1988, 1993):
        assert b[(y, "COM")] == "left", y
    for key in [(1958, "SFIO"), (1967, "FGDS"), (1973, "SOC"), (1981, "SOC"), (1958, "RADSOC")]:
        assert b[key] == "left", key
    for key in [(1958, "MRP"), (1962, "MRP"), (1967, "CENTDEM"), (1968, "CPDM"), (1973, "REFRAD")]:
        assert b[key] == "centre", key
    for key in [(1962, "MRPVREP"), (1973, "CDP"), (1973, "CDPURP"), (1978, "UDF"), (1988, "UDF")]:
        assert b[key] == "right", key
    for key in [(1958, "UNR"), (1968, "UDR"), (1978, "RPR"), (1958, "CNI"), (1967, "RI")]:
        assert b[key] == "right", key
    for key in [(1958, "POUJ"), (1981, "FRN"), (1988, "FRN"), (1988, "RRN"), (1993, "FRN")]:
        assert b[key] == "far_right", key
    for nu in ("MAJ", "SDC", "SCO", "RDG", "RDC"):
        assert b[(1988, nu)] == "left", nu
    for nu in ("UOF", "UDP", "UDR"):
        assert b[(1988, nu)] == "right", nu


def test_registry_pins_the_mirror_files(data_dir: Path) -> None:
    for year in HISTORY:
        for round_ in (1, 2):
            (entry,) = files_for(year, round_, "results")
            path = data_dir / str(year) / entry.name
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry.sha256
            commit = "9e888ad0391e4f31d7e607a85a87bd32e3aa2993"
            assert entry.url and entry.url.endswith(f"/{commit}/data/{entry.name}")


def _scaled_difference(store: Store, a: int, b: int) -> tuple[int, float]:
    """Codes in common between two years, and the median relative difference of their round-1
    inscrits once the national growth is taken out."""
    t = store.query("SELECT year, constituency, registered FROM totals WHERE round = 1")
    ra = t[t["year"] == a].set_index("constituency")["registered"].dropna()
    rb = t[t["year"] == b].set_index("constituency")["registered"].dropna()
    common = ra.index.intersection(rb.index)
    growth = rb[common].sum() / ra[common].sum()
    return len(common), float(((rb[common] / ra[common]) / growth - 1).abs().median())


def test_boundary_maps_from_the_files(store: Store) -> None:
    """The README's decision, measured: within a map the codes persist and the inscrits of a code
    follow the national growth (median gap ≤ 4 %); across 1962→1967 (the Paris region's new
    departments) and 1981→1988 (the map of 1986) they do not."""
    pairs = list(zip(HISTORY, HISTORY[1:], strict=False))
    for a, b in pairs:
        n, gap = _scaled_difference(store, a, b)
        if boundary_map(a) == boundary_map(b):
            assert n >= CONSTITUENCIES[a] - 3 and gap < 0.04, (a, b, n, gap)
        else:
            assert (a, b) in {(1962, 1967), (1981, 1988)}
    assert _scaled_difference(store, 1981, 1988)[1] > 0.15
    stored = store.query("SELECT year, boundary_map FROM years WHERE year < 1997 ORDER BY 1")
    assert dict(zip(stored["year"], stored["boundary_map"], strict=True)) == {
        y: boundary_map(y) for y in HISTORY
    }


def test_years_come_from_the_readers() -> None:
    assert set(HISTORY) <= set(YEARS)
    assert TRAINING_YEARS == (1997, 2002, 2007, 2012, 2017, 2022, 2024)
