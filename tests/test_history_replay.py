"""Every two-round legislative election of the Fifth Republic replayed under the law of its day:
the README's table is what the code computes, row by row, and the tidy tables of a replay agree
with its arrays."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hemicycle import rules
from hemicycle.data.files import YEARS
from hemicycle.replays import CANDIDATE_COLUMNS, EXPLAINED_BY, SITUATIONS, Replay
from hemicycle.session import Session

README = Path(__file__).resolve().parents[1] / "README.md"


def _row(s: Session, year: int) -> str:
    r = s.replay(year)
    e = r.election
    q = int(s.query("SELECT count(*) AS n FROM quirks WHERE year = ?", [year])["n"][0])
    three = (
        str(sum(n for k, n in r.contest_sizes().items() if k >= 3)) if e.round2 is not None else "—"
    )
    told = {m.constituency for m in r.explained}
    verdict = f"{len(told)} explained by quirks" if told else "all match"
    return (
        f"| {year} | {e.law.version} | {e.house_size} | {r.elected_round1} | "
        f"{int(r.runoffs.sum())} | {three} | {q} | {verdict} |"
    )


def _published() -> dict[int, str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Every two-round election of the Fifth Republic") :]
    section = section[: section.index("\n## ")]
    return {
        int(m.group(1)): m.group(0)
        for m in re.finditer(r"^\| (\d{4}) \|.*\|$", section, flags=re.MULTILINE)
    }


def test_readme_table_is_computed(store_path: Path) -> None:
    published = _published()
    assert sorted(published) == list(YEARS) and len(YEARS) == 16
    with Session(store_path) as s:
        for year in YEARS:
            assert _row(s, year) == published[year], year


@pytest.mark.parametrize("year", YEARS)
def test_every_year_replays_with_every_difference_explained(store_path: Path, year: int) -> None:
    with Session(store_path) as s:
        r = s.replay(year)
    assert r.ok, r.mismatches[:3]
    kinds = r.election.quirk_kinds
    for m in r.explained:  # each difference is named by a quirk that explains that decision
        assert EXPLAINED_BY[m.decision] & kinds.get(m.constituency, frozenset())
    # one seat per constituency of the file, its majority the house's own
    assert r.election.majority == r.election.house_size // 2 + 1


@pytest.mark.parametrize("year", [1968, 1993, 2024])
def test_candidates_table_is_the_replay(store_path: Path, year: int) -> None:
    with Session(store_path) as s:
        r: Replay = s.replay(year)
    e = r.election
    df = r.candidates()
    assert list(df.columns) == CANDIDATE_COLUMNS
    one = df[df["round"] == 1]
    assert len(one) == int(e.round1.valid[e.round1.held].sum())
    elected1 = int((r.status1 == rules.ELECTED).sum())
    assert (one["status"] == "elected").sum() == elected1
    assert (one["status"] == "withdrawn").sum() == int(r.withdrawn.sum())
    if e.round2 is not None:
        two = df[df["round"] == 2]
        assert (two["status"] == "elected").sum() == int((r.winner_round == 2).sum())
    if year == 2024:  # the Ministry's identities hold to a vote or two
        assert np.allclose(one.groupby("constituency")["share_expressed"].sum(), 1, atol=1e-3)


@pytest.mark.parametrize("year", [1978, 2024])
def test_situations_follow_the_law(store_path: Path, year: int) -> None:
    with Session(store_path) as s:
        r = s.replay(year)
    sit = r.situations()
    assert len(sit) == int(r.election.round1.held.sum())
    assert set(sit["situation"]) <= set(SITUATIONS)
    by_law = (r.status1 == rules.ELECTED).any(axis=1)  # aggregated columns included (1978)
    assert (sit["situation"] == "elected").sum() == int(by_law.sum())
    runoff = sit[sit["situation"] != "elected"]
    assert (runoff["qualified"] >= 2).all()
    assert pd.Series(r.runoffs).sum() == len(runoff)


def test_presidential_round_2_as_a_legislative_election(store_path: Path, tmp_path: Path) -> None:
    """2022's presidential election by legislative constituency: round 2's national shares are the
    official ones (Macron 58.5 %), every constituency goes to its leader, and no legislative query
    sees the presidential tables."""
    import shutil

    path = tmp_path / "s.duckdb"
    shutil.copy(store_path, path)
    with Session(path) as s:
        years_before = s.years()
        p = s.presidential(2022)
        assert s.years() == years_before  # a presidential year is not a legislative year
    nat = p.national(2)
    assert round(100 * nat["MACRON"] / nat.sum(), 1) == 58.5
    seats = p.assembly()
    assert set(seats) == {"MACRON", "LE PEN"} and sum(seats.values()) <= 577
    lead = p.leaders()
    c = p.candidates()
    two = c[c["round"] == 2]
    top = two.loc[two.groupby("constituency")["votes"].idxmax(), ["constituency", "candidate"]]
    merged = lead.merge(top, on="constituency")
    clear = merged[merged["leader"] != ""]
    assert (clear["leader"] == clear["candidate"]).all()
    assert seats["MACRON"] > 289  # the majority of 577 the claim is about


def test_presidential_command(store_path: Path, tmp_path: Path) -> None:
    import shutil

    from typer.testing import CliRunner

    from hemicycle.cli import app

    path = tmp_path / "s.duckdb"
    shutil.copy(store_path, path)
    out = tmp_path / "leaders.csv"
    res = CliRunner().invoke(
        app, ["presidential", "1981", "--store", str(path), "--leaders-output", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "MITTERRAND" in res.output and "would hold it" in res.output
    df = pd.read_csv(out)
    assert list(df.columns)[:5] == ["year", "round", "constituency", "label", "leader"]
    assert set(df["round"]) == {2}
    res = CliRunner().invoke(app, ["presidential", "1983", "--store", str(path)])
    assert res.exit_code == 1 and "1983" in res.output
