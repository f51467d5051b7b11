"""The law's versions against the CDSP's tables of 1958–1981, read plainly with pandas.

Those tables give one column per party family, not per candidate (``SOURCES.md`` of each year), so
the law is applied per column, as the sources' own measurements are. Each test asserts what the
year's ``SOURCES.md`` reports, and that the version of the law hemicycle assigns to the year is the
one the file bears out: under it every round-2 column qualified (1958, 1962, 1967, 1973), under the
next version dozens would not have.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hemicycle.rules import (
    ELECTED,
    LAW_1958,
    LAW_1966,
    LAW_1976,
    QUALIFIED,
    Law,
    house_majority,
    law_for,
    round1_qualified,
    round1_status,
)

YEARS = (1958, 1962, 1967, 1968, 1973, 1978, 1981)


@dataclass(frozen=True)
class Table:
    """One round of a CDSP party-column table: rows keyed ``department-constituency``."""

    keys: list[str]
    parties: list[str]  # column labels (the first header line)
    votes: np.ndarray  # (C, P) int64
    registered: np.ndarray  # (C,)
    expressed: np.ndarray  # (C,)


def read(data_dir: Path, year: int, round_: int) -> Table:
    path = data_dir / str(year) / f"cdsp_legi{year}t{round_}_circ.csv"
    if not path.exists():
        pytest.skip(f"{path} is not in the mirror")
    raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    labels = raw.iloc[0].tolist()
    body = raw.iloc[1 if year == 1981 else 2 :].reset_index(drop=True)  # 1981: no code line
    first = labels.index("Exprimés") + 1
    if first < len(labels) and labels[first] == "Blancs et nuls":
        first += 1

    def counts(frame: pd.DataFrame) -> np.ndarray:
        return frame.replace("", "0").astype(np.int64).to_numpy()

    return Table(
        keys=(body[0].str.lstrip("0") + "-" + body[2]).tolist(),
        parties=labels[first:],
        votes=counts(body.iloc[:, first:]),
        registered=counts(body[labels.index("Inscrits")]),
        expressed=counts(body[labels.index("Exprimés")]),
    )


def status(t: Table, law: Law) -> np.ndarray:
    ok = np.ones(t.votes.shape, dtype=bool)
    return round1_status(t.votes, ok, t.registered, t.expressed, law=law)


def round2_not_qualified(r1: Table, r2: Table, qualified: np.ndarray) -> list[str]:
    """``key:party`` of every round-2 column with votes whose round-1 column is not
    ``qualified``; columns joined by label (labels round 1 does not have are left out)."""
    row = {k: i for i, k in enumerate(r1.keys)}
    out = []
    for j, party in enumerate(r2.parties):
        if party not in r1.parties:
            continue
        c = r1.parties.index(party)
        for i2 in np.flatnonzero(r2.votes[:, j] > 0):
            if not qualified[row[r2.keys[i2]], c]:
                out.append(f"{r2.keys[i2]}:{party}")
    return out


def test_the_law_of_each_year_is_the_one_its_sources_name() -> None:
    assert [law_for(y).version for y in YEARS] == [
        "1958",
        "1958",
        "1966",
        "1966",
        "1966",
        "1976",
        "1976",
    ]


@pytest.mark.parametrize(
    ("year", "house", "elected"),
    [
        (1958, 465, 43),
        (1962, 465, 96),
        (1967, 473, 72),
        (1968, 473, 154),
        (1973, 473, 49),
        (1978, 474, 64),
        (1981, 474, 159),
    ],
)
def test_house_size_and_round1_winners(data_dir: Path, year: int, house: int, elected: int) -> None:
    """The number of constituencies (one seat each) and how many the round-1 rule elects per party
    column, as each SOURCES.md measures them."""
    t = read(data_dir, year, 1)
    assert len(t.keys) == len(set(t.keys)) == house
    s = status(t, law_for(year))
    assert int((s == ELECTED).any(axis=1).sum()) == elected
    # the round-1 rule is the same in every version
    for law in (LAW_1958, LAW_1966, LAW_1976):
        assert np.array_equal(status(t, law) == ELECTED, s == ELECTED)
    assert house_majority(house) == {465: 233, 473: 237, 474: 238}[house]


@pytest.mark.parametrize(
    ("year", "under_next_law"),
    [
        (1958, (LAW_1966, 223)),
        (1962, (LAW_1966, 85)),
        (1967, (LAW_1976, 19)),
        (1973, (LAW_1976, 56)),
    ],
)
def test_every_round2_column_qualified_under_its_years_law(
    data_dir: Path, year: int, under_next_law: tuple[Law, int]
) -> None:
    """SOURCES.md: every party column with round-2 votes had at least 5 % of the exprimés (1958,
    1962) or 10 % of the inscrits (1967, 1973) in round 1. The next version of the law would have
    kept out columns that stood (counted here, a measurement): the version matters."""
    r1, r2 = read(data_dir, year, 1), read(data_dir, year, 2)
    law = law_for(year)
    ok = np.ones(r1.votes.shape, dtype=bool)
    q = round1_qualified(r1.votes, ok, r1.registered, law=law, expressed=r1.expressed)
    assert round2_not_qualified(r1, r2, q) == []
    # the same by the plain integer threshold
    num, den = law.qualify_share.numerator, law.qualify_share.denominator
    base = r1.expressed if law.qualify_base == "expressed" else r1.registered
    assert np.array_equal(q, den * r1.votes >= num * base[:, None])
    later, n = under_next_law
    q_later = round1_qualified(r1.votes, ok, r1.registered, law=later, expressed=r1.expressed)
    assert len(round2_not_qualified(r1, r2, q_later)) == n


def test_1978_two_round2_columns_under_the_threshold(data_dir: Path) -> None:
    """SOURCES.md: 2 rows where a round-2 column had under 12.5 % of inscrits (49-1 UDF, 75-2
    PS-MRG); the runner-up clause of 1976 explains neither (in 75-2 PS-MRG was third)."""
    r1, r2 = read(data_dir, 1978, 1), read(data_dir, 1978, 2)
    ok = np.ones(r1.votes.shape, dtype=bool)
    # qualification alone: 8 rows where one column wins by the rule hold a round 2 (aggregates)
    q = round1_qualified(r1.votes, ok, r1.registered, law=LAW_1976)
    assert sorted(x.split(":")[0] for x in round2_not_qualified(r1, r2, q)) == ["49-1", "75-2"]


def test_1981_the_runner_up_clause_of_1976_explains_59_4(data_dir: Path) -> None:
    """SOURCES.md: 2 rows where a round-2 column had under 12.5 % of inscrits (27-2 COM, 59-4
    UDF). In 59-4 a single column reached 12.5 %, and the UDF was the runner-up: the 1976 law let
    it stand. Under the 1966 law's reading (no runner-up) it would not have."""
    r1, r2 = read(data_dir, 1981, 1), read(data_dir, 1981, 2)
    ok = np.ones(r1.votes.shape, dtype=bool)
    plain = 8 * r1.votes >= r1.registered[:, None]
    assert sorted(x.split(":")[0] for x in round2_not_qualified(r1, r2, plain)) == ["27-2", "59-4"]
    q = round1_qualified(r1.votes, ok, r1.registered, law=LAW_1976)
    assert [x.split(":")[0] for x in round2_not_qualified(r1, r2, q)] == ["27-2"]
    i = r1.keys.index("59-4")
    assert int(plain[i].sum()) == 1
    no_runner_up = Law("no runner-up", "test", "registered", Fraction(1, 8), top_two_fallback=False)
    q_strict = round1_qualified(r1.votes, ok, r1.registered, law=no_runner_up)
    assert sorted(x.split(":")[0] for x in round2_not_qualified(r1, r2, q_strict)) == [
        "27-2",
        "59-4",
    ]


@pytest.mark.parametrize("year", [1958, 1962, 1967, 1968, 1973])
def test_before_1976_no_runoff_had_fewer_than_two_at_the_threshold(
    data_dir: Path, year: int
) -> None:
    """The reading of the pre-1976 texts (no runner-up, no top two: ``hemicycle.rules.law``)
    changes no result on these files: wherever nobody is elected in round 1, at least two columns
    reach the threshold of the year's law."""
    t = read(data_dir, year, 1)
    s = status(t, law_for(year))
    runoff = ~(s == ELECTED).any(axis=1)
    assert runoff.sum() == len(t.keys) - {1958: 43, 1962: 96, 1967: 72, 1968: 154, 1973: 49}[year]
    assert int((s[runoff] == QUALIFIED).sum(axis=1).min()) >= 2
