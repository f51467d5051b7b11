"""1997–2012 from the CDSP's tables: counts, joins, codes, maps and seats as each folder's
SOURCES.md measures them (real files, HEMICYCLE_DATA)."""

from __future__ import annotations

from collections import Counter

import pytest

from hemicycle import election
from hemicycle.data import blocs
from hemicycle.data.codes import validate_code
from hemicycle.data.store import Store
from hemicycle.replays import replay

CDSP_YEARS = (1997, 2002, 2007, 2012)

#: rows (constituencies) and candidates per round, from SOURCES.md's "Measured" lines
COUNTS = {
    1997: {1: (577, 6356), 2: (565, 1197)},
    2002: {1: (577, 8443), 2: (519, 1045)},
    2007: {1: (577, 7634), 2: (467, 933)},
    2012: {1: (577, 6610), 2: (541, 1101)},
}
#: "seats by nuance (R1 by law + R2 max votes)", SOURCES.md
SEATS = {
    1997: {
        "RPR": 135,
        "PRG": 128,
        "SOC": 126,
        "UDF": 108,
        "COM": 38,
        "DVG": 20,
        "DVD": 12,
        "ECO": 6,
        "DIV": 3,
        "FRN": 1,
    },
    2002: {
        "UMP": 354,
        "SOC": 113,
        "PRG": 35,
        "UDF": 30,
        "COM": 21,
        "DVD": 14,
        "DVG": 5,
        "ECO": 3,
        "DIV": 2,
    },
    2007: {
        "UMP": 315,
        "SOC": 186,
        "PSLE": 19,
        "COM": 17,
        "DVG": 12,
        "DVD": 11,
        "PRG": 8,
        "ECO": 4,
        "MODEM": 3,
        "DIV": 2,
    },
    2012: {
        "SOC": 276,
        "UMP": 197,
        "DVG": 22,
        "ECO": 18,
        "DVD": 15,
        "NouvC": 12,
        "PRG": 12,
        "FDG": 10,
        "PRV": 7,
        "FRN": 2,
        "MODEM-": 2,
        "MODEM": 2,
        "EXD": 1,
        "DIV": 1,
    },
}
CONTESTS = {
    1997: Counter({2: 474, 3: 79, 1: 12}),
    2002: Counter({2: 506, 3: 10, 1: 3}),
    2007: Counter({2: 464, 1: 2, 3: 1}),
    2012: Counter({2: 492, 3: 34, 1: 15}),
}
ELECTED_ROUND1 = {1997: 12, 2002: 58, 2007: 110, 2012: 36}


@pytest.fixture(scope="module")
def replays(store_path):
    with Store(store_path) as st:
        return {y: replay(election.load(st, y)) for y in CDSP_YEARS}


@pytest.mark.parametrize("year", CDSP_YEARS)
def test_counts(store: Store, year: int) -> None:
    df = store.query(
        "SELECT round, count(DISTINCT constituency) c, count(*) n FROM candidates "
        "WHERE year = ? GROUP BY round ORDER BY round",
        [year],
    )
    assert {r.round: (r.c, r.n) for r in df.itertuples()} == COUNTS[year]
    assert len(store.table("constituencies", year)) == 577


@pytest.mark.parametrize("year", CDSP_YEARS)
def test_replay_gives_the_files_seats(replays, year: int) -> None:
    r = replays[year]
    assert r.ok, r.mismatches
    assert r.seats_by_nuance() == SEATS[year]
    assert r.contest_sizes() == CONTESTS[year]
    assert r.elected_round1 == ELECTED_ROUND1[year]
    assert r.decided == 577 and not r.unresolved_ties


def test_2012_lineups_contradicted_by_round1_votes(replays) -> None:
    """In four 2012 constituencies the CDSP typed round-1 votes against the wrong names: round-2
    candidates did not qualify on them. Reported at ingest, listed by the replay, not failures."""
    r = replays[2012]
    assert sorted({m.constituency for m in r.explained}) == ["1403", "6709", "6905", "9209"]
    assert {m.decision for m in r.explained} == {"round 2 lineup"}
    assert all(not rep.explained for y, rep in replays.items() if y != 2012)


@pytest.mark.parametrize("year", CDSP_YEARS)
def test_join_matched_every_round2_candidate(store: Store, year: int) -> None:
    orphans = store.query(
        """SELECT count(*) n FROM candidates c2 ANTI JOIN
        (SELECT constituency, panel FROM candidates WHERE year = ? AND round = 1) c1
        USING (constituency, panel) WHERE c2.year = ? AND c2.round = 2""",
        [year, year],
    )
    assert orphans["n"][0] == 0
    # the same person: every round-2 surname equals its round-1 surname, but for the names the
    # source mangled (matched on the other name and the nuance, each reported as a quirk)
    df = store.query(
        """SELECT c2.constituency, c1.surname s1, c2.surname s2 FROM candidates c2
        JOIN candidates c1 USING (year, constituency, panel)
        WHERE c2.year = ? AND c2.round = 2 AND c1.round = 1""",
        [year],
    )
    from hemicycle.data.readers.cdsp import name_key

    differ = {r.constituency for r in df.itertuples() if name_key(r.s1) != name_key(r.s2)}
    mangled = set(
        store.query(
            "SELECT constituency FROM quirks WHERE year = ? AND kind = 'name_mismatch'", [year]
        )["constituency"]
    )
    assert differ <= mangled


def test_2002_mangled_names_are_quirks(store: Store) -> None:
    q = store.query("SELECT constituency FROM quirks WHERE year = 2002 AND kind = 'name_mismatch'")
    assert set(q["constituency"]) == {
        "2803",
        "4703",
        "4907",
        "7501",
        "7516",
        "8302",
        "8803",
        "97103",
    }
    # every name the source double-encoded is listed, in either round, with its line and column
    bad = store.query(
        "SELECT constituency, message FROM quirks WHERE year = 2002 AND kind = 'mis_encoded_name'"
    )
    assert set(q["constituency"]) | {"5105", "5302", "7506"} == set(bad["constituency"])
    assert len(bad) == 11 and all("line " in m and "column " in m for m in bad["message"])


def test_quirks_show_the_sources_control_characters_as_escapes(store: Store) -> None:
    """2002's double-encoded names carry C1 controls (U+0087 in FRANÃ\\x87OIS): the names are
    stored as published, the quirks that quote them never send a control to a terminal."""
    import unicodedata

    names = store.query(
        "SELECT first_name FROM candidates WHERE year = 2002 AND constituency = '2803' "
        "AND surname = 'HUWART' AND round = 2"
    )["first_name"]
    assert list(names) == ["FRAN\u00c3\u0087OIS"]
    messages = store.query("SELECT message FROM quirks")["message"]
    assert not [m for m in messages if any(unicodedata.category(c) == "Cc" for c in m)]
    (huwart,) = [m for m in messages if "HUWART" in m]
    assert "FRANÃ\\x87OIS" in huwart


def test_panel_is_the_round1_block_number(store: Store) -> None:
    """1997, Ain 1st: GODIN (PRG) is the 4th block of the round-1 row; round 2 keeps panel 4."""
    df = store.query(
        "SELECT round, panel, nuance, votes FROM candidates WHERE year = 1997 AND "
        "constituency = '0101' AND surname = 'GODIN' ORDER BY round"
    )
    assert df.to_dict("list") == {
        "round": [1, 2],
        "panel": [4, 4],
        "nuance": ["PRG", "PRG"],
        "votes": [14667, 25685],
    }


def test_2012_round2_votes_sum_quirks(store: Store) -> None:
    q = store.query(
        "SELECT kind, count(*) n FROM quirks WHERE year = 2012 AND round = 2 GROUP BY kind"
    )
    got = dict(zip(q["kind"], q["n"], strict=True))
    assert got["votes_sum"] == 80 and got["voters"] == 67
    one = store.query(
        "SELECT message FROM quirks WHERE year = 2012 AND round = 2 AND kind = 'votes_sum' "
        "AND constituency = '1312'"
    )["message"][0]
    assert "(-100)" in one  # 50224 vs 50324: a typing error of the source, kept as published


def test_round1_sum_quirks(store: Store) -> None:
    q = store.query(
        "SELECT year, constituency FROM quirks WHERE year BETWEEN 1997 AND 2012 AND round = 1 "
        "AND kind = 'votes_sum' ORDER BY ALL"
    )
    assert list(zip(q["year"], q["constituency"], strict=True)) == [
        (1997, "1310"),
        (1997, "7502"),
        (2002, "7501"),
        (2012, "7508"),
    ]
    # the two Paris rows whose extra candidates sit in unheaded columns: reported, not read
    u = store.query(
        "SELECT year, constituency FROM quirks WHERE kind = 'unheaded_cells' ORDER BY ALL"
    )
    assert list(zip(u["year"], u["constituency"], strict=True)) == [(1997, "7502"), (2002, "7501")]


@pytest.mark.parametrize("year", CDSP_YEARS)
def test_codes_are_canonical(store: Store, year: int) -> None:
    codes = set(store.table("constituencies", year)["constituency"])
    assert all(validate_code(c) == c for c in codes)
    assert {"0101", "2A01", "2B02", "97101", "97401", "97501", "97601", "98601", "98801"} <= codes
    if year == 2012:
        assert {"ZX01", "ZZ01", "ZZ11"} <= codes
        assert not any(c.startswith(("99", "985", "979")) for c in codes)


def test_2012_codes_are_those_of_2017(store: Store) -> None:
    """The 2010 map: 2012 has the same 577 codes as 2017 (the 1986 map of 1997–2007 does not)."""
    c = {y: set(store.table("constituencies", y)["constituency"]) for y in (2007, 2012, 2017)}
    assert c[2012] == c[2017]
    assert c[2007] != c[2012]


def test_department_names_shown_as_the_ministry_writes_them(store: Store) -> None:
    """The CDSP writes department names in capitals without accents; the store keeps them, the
    labels and map tooltips show the Ministry's spelling of the same code, for every year."""
    from hemicycle.data.notes import department_names
    from hemicycle.data.notes import department_shown as department
    from hemicycle.report.labels import label

    names = department_names()
    for year in store.years():
        t = store.table("constituencies", year)
        assert set(t["department"]) <= set(names), year  # every code has a name
        if year >= 2017:  # the Ministry's own files agree with the table
            pairs = zip(t["department"], t["department_name"], strict=True)
            assert all(names[d] == n for d, n in pairs), year
    zz = store.table("constituencies", 2012).set_index("constituency").loc["ZZ01"]
    assert zz["department_name"] == "FRANCAIS-DE-L'ETRANGER"  # kept as published
    assert label(zz["department_name"], "ZZ", "ZZ01") == "Français établis hors de France 1"
    ardeche = store.table("constituencies", 1997).set_index("constituency").loc["0701"]
    assert ardeche["department_name"] == "ARDECHE"
    assert department(ardeche["department_name"], "07") == "Ardèche"


def test_boundary_map_is_stored(store: Store) -> None:
    got = dict(
        store.query("SELECT year, boundary_map FROM years ORDER BY year").itertuples(index=False)
    )
    assert {y: got[y] for y in CDSP_YEARS} == {
        1997: "1986",
        2002: "1986",
        2007: "1986",
        2012: "2010",
    }
    assert got[2024] == "2010"


def test_sources_and_flags(store: Store) -> None:
    """No round-1 elected flag in the CDSP tables (NULL, never derived); 2012's round-2 flag is
    titled ``Accès second tour`` and is O for everyone, so its ``elected`` is NULL too."""
    df = store.query(
        """SELECT year, round, count(elected) known, count(*) FILTER (WHERE elected) el,
        count(*) FILTER (WHERE advanced) adv FROM candidates WHERE year < 2017 """
        "GROUP BY ALL ORDER BY ALL"
    )
    got = {(r.year, r.round): (r.known, r.el, r.adv) for r in df.itertuples()}
    assert got[(1997, 1)] == (0, 0, 1197) and got[(1997, 2)] == (1197, 565, 0)
    assert got[(2002, 1)] == (0, 0, 1109) and got[(2002, 2)] == (1045, 519, 0)
    assert got[(2007, 1)] == (0, 0, 933) and got[(2007, 2)] == (933, 467, 0)
    assert got[(2012, 1)] == (0, 0, 1101) and got[(2012, 2)] == (0, 0, 0)


def test_advanced_flag_is_the_round2_ballot(store: Store) -> None:
    """In 1997, 2007 and 2012 round 1's ``Accès second tour`` marks exactly the round-2 ballot."""
    for year in (1997, 2007, 2012):
        df = store.query(
            """SELECT c1.advanced, c2.panel IS NOT NULL on2 FROM candidates c1
            LEFT JOIN (SELECT * FROM candidates WHERE round = 2) c2 """
            """USING (year, constituency, panel)
            WHERE c1.year = ? AND c1.round = 1""",
            [year],
        )
        assert (df["advanced"] == df["on2"]).all(), year


def test_blank_and_null_together(store: Store) -> None:
    t = store.query(
        'SELECT count(blank) b, count(abstentions) a, sum("null") n FROM totals '
        "WHERE year = 1997 AND round = 1"
    )
    assert (t["b"][0], t["a"][0]) == (0, 0)
    assert t["n"][0] == 26_655_157 - 25_326_101 - 1000  # votants - exprimés, 35-05 off by 1000


@pytest.mark.parametrize("year", CDSP_YEARS)
def test_every_nuance_has_a_bloc(store: Store, year: int) -> None:
    nuances = set(
        store.query("SELECT DISTINCT nuance FROM candidates WHERE year = ?", [year])["nuance"]
    )
    assert nuances and all((year, n) in blocs.table() for n in nuances)


def test_official_winners_without_flags(replays) -> None:
    """The projection's evaluation needs winners; where the source has no flag they are the
    replay's."""
    import numpy as np

    from hemicycle.sim.evaluate import official_winners

    for year in (2007, 2012):
        r = replays[year]
        win = official_winners(r.election)
        assert (win >= 0).all() and np.array_equal(win, r.winner)


def test_report_of_a_1986_map_year_draws_no_map(store: Store) -> None:
    from hemicycle.report.html import build_report
    from hemicycle.session import Session

    html = build_report(1997, session=Session(store))
    assert "constituencies of the 1986 map" in html and 'data-code="0101"' not in html
    # the CDSP's tables are credited as theirs, with no licence claimed and no contours cited
    assert "the CDSP&#x27;s tables (Sciences Po)" in html and "no licence is stated" in html
    assert "Etalab" not in html and "Contours géographiques" not in html
    # blank ballots are not published apart from the null ones: no "0 blank"
    assert "Blank and null ballots (counted together)" in html and "Blank / null" not in html


def test_voters_beyond_registered_is_a_quirk(store: Store) -> None:
    """1997 Savoie 1: 108 more votants than inscrits (possible: voters admitted by a judge's
    order)."""
    q = store.query(
        "SELECT year, round, constituency FROM quirks WHERE kind = 'registered' AND year < 2017"
    )
    assert q.values.tolist() == [[1997, 1, "7301"]]
