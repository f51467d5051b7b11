"""Readers and store against the facts documented for each official file."""

from __future__ import annotations

import warnings

import pytest

from hemicycle.data import codes
from hemicycle.data.store import DataQuirkWarning, Store


@pytest.mark.parametrize(
    ("dep", "num", "expected"),
    [
        (1, 1, "0101"),
        ("01", "01", "0101"),
        ("2A", 1, "2A01"),
        ("ZA", 2, "97102"),
        ("ZS", 1, "97501"),
        ("ZN", 1, "98801"),
        ("ZW", 1, "98601"),
        ("ZP", 3, "98703"),
        ("ZX", 1, "ZX01"),
        ("ZZ", 11, "ZZ11"),
        ("ZM", 2, "97602"),
        (95, 10, "9510"),
    ],
)
def test_canonical_code(dep: object, num: object, expected: str) -> None:
    assert codes.canonical_code(dep, num) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (101.0, "0101"),
        ("0101", "0101"),
        (97101.0, "97101"),
        ("2A01", "2A01"),
        ("ZZ01", "ZZ01"),
        (9103, "9103"),
    ],
)
def test_2024_code(raw: object, expected: str) -> None:
    assert codes.from_2024_code(raw) == expected


def test_bad_code_is_rejected() -> None:
    with pytest.raises(ValueError, match="not a constituency code"):
        codes.from_2024_code("XX01")


def test_counts_match_sources(store: Store) -> None:
    df = store.query(
        "SELECT year, round, count(*) AS n, count(DISTINCT constituency) AS c, "
        "sum(votes) AS v FROM candidates GROUP BY ALL ORDER BY ALL"
    )
    got = {(r.year, r.round): (r.n, r.c, int(r.v)) for r in df.itertuples()}
    assert got[(2017, 1)] == (7877, 577, 22_654_164)
    assert got[(2017, 2)] == (1146, 573, 18_176_066)
    assert got[(2022, 1)] == (6290, 577, 22_744_708)
    assert got[(2024, 1)][:2] == (4009, 577)
    assert got[(2024, 2)][:2] == (1094, 501)


def test_national_totals(store: Store) -> None:
    t = store.query(
        'SELECT year, round, sum(registered) r, sum(voters) v, sum(blank) b, sum("null") n, '
        "sum(expressed) e FROM totals GROUP BY ALL"
    )
    tot = {(r.year, r.round): (r.r, r.v, r.b, r.n, r.e) for r in t.itertuples()}
    assert tot[(2017, 1)] == (47_570_988, 23_167_508, 357_018, 156_326, 22_654_164)
    assert tot[(2017, 2)] == (47_293_103, 20_164_615, 1_409_784, 578_765, 18_176_066)
    assert tot[(2022, 1)] == (48_953_748, 23_256_207, 362_193, 149_306, 22_744_708)


def test_canonical_codes_across_years(store: Store) -> None:
    per_year = {
        y: set(store.table("constituencies", y)["constituency"]) for y in (2017, 2022, 2024)
    }
    assert per_year[2017] == per_year[2022] == per_year[2024]
    assert {"0101", "2A01", "97101", "97501", "98801", "98601", "ZX01", "ZZ01", "ZZ11"} <= per_year[
        2024
    ]


def test_2024_quirks_are_warned_not_fatal(store: Store) -> None:
    q = store.query("SELECT round, constituency, kind FROM quirks WHERE year = 2024 ORDER BY ALL")
    sums = q[q["kind"] == "votes_sum"]
    assert set(zip(sums["round"], sums["constituency"], strict=True)) == {
        (1, "1602"),
        (1, "2704"),
        (1, "3404"),
        (1, "7502"),
        (2, "9103"),
    }
    changes = set(q.loc[q["kind"] == "nuance_change", "constituency"])
    assert changes == {"5101", "98702", "98703"}
    assert store.query("SELECT count(*) n FROM quirks WHERE year IN (2017, 2022)")["n"][0] == 0


def test_candidacies_2024(store: Store) -> None:
    c = store.query(
        "SELECT round, count(*) n, count(birth_date) b, sum(incumbent::INT) inc "
        "FROM candidacies WHERE year = 2024 GROUP BY round ORDER BY round"
    )
    assert c.to_dict("list") == {
        "round": [1, 2],
        "n": [4009, 1094],
        "b": [4009, 1094],
        "inc": [532, 417],
    }
    # joined on (constituency, panel), never on names: every candidacy has a result
    orphans = store.query("""
        SELECT count(*) n FROM candidacies d ANTI JOIN candidates c
        USING (year, round, constituency, panel) WHERE d.year = 2024""")
    assert orphans["n"][0] == 0


def test_same_name_different_candidates(store: Store) -> None:
    """2022 Paris-09 has two Sandrine ROUSSEAU: panels 13 (NUP) and 8 (DVD)."""
    df = store.query(
        "SELECT panel, nuance, votes FROM candidates WHERE year = 2022 AND round = 1 AND "
        "constituency = '7509' AND surname = 'ROUSSEAU' ORDER BY panel"
    )
    assert df.to_dict("list") == {"panel": [8, 13], "nuance": ["DVD", "NUP"], "votes": [716, 16332]}


def test_ingest_is_idempotent(data_dir, isolated_env) -> None:
    with Store() as st, warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQuirkWarning)
        st.ingest(2024, download=False)
        first = {
            t: st.table(t, 2024).drop(columns=["ingested_at"], errors="ignore")
            for t in ("constituencies", "totals", "candidates", "candidacies", "quirks")
        }
        st.ingest(2024, download=False)
        for t, df in first.items():
            again = st.table(t, 2024).drop(columns=["ingested_at"], errors="ignore")
            assert df.equals(again), t
        assert st.ensure(2024) is None  # current: nothing re-read


def test_ingest_warns_on_2024_quirks(data_dir, isolated_env) -> None:
    with Store() as st, pytest.warns(DataQuirkWarning, match="1602"):
        st.ingest(2024, download=False)
