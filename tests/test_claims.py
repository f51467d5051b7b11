"""Claims as code (TOML) and who can govern, on the official 2024 results."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hemicycle import session as api
from hemicycle.analysis import claims
from hemicycle.cli import app
from hemicycle.errors import DataFileError
from published import BLOCS_2024

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "claims-2024.toml"
HEAD = 'year = 2024\n\n[[claim]]\nid = "x"\n'


def _run(*args: str, store_path: Path):
    return CliRunner().invoke(app, [*args, "--store", str(store_path)])


def test_the_2024_claims_hold(store_path) -> None:
    res = _run("claims", str(EXAMPLE), store_path=store_path)
    assert res.exit_code == 0, res.output
    assert "14 of 14 claims hold" in res.output
    assert "RN 9,379,092 vs next UG 8,971,581" in res.output  # the numbers behind the verdict
    assert "far_right 297 of 577 (majority: 289)" in res.output


def test_the_example_covers_the_story(store) -> None:
    cf, verdicts = api.Session(store).claims(EXAMPLE)
    by_id = {v.claim.id: v for v in verdicts}
    assert all(v.holds for v in verdicts)
    assert by_id["round1-basis-far-right-majority"].value is True
    assert by_id["national-pr-no-majority"].value is False
    assert by_id["no-bloc-majority"].value is False
    assert "Ensemble and allies 165 is number 2" == by_id["ensemble-second"].detail


@pytest.mark.parametrize("expect", ["expect = true\n", ""])  # expect defaults to true
def test_a_false_claim_exits_1(tmp_path, store_path, expect: str) -> None:
    f = tmp_path / "c.toml"
    f.write_text(
        HEAD + 'measure = "seats"\nunit = "nuance"\ngroup = "RN"\ntest = "first"\n' + expect
    )
    res = _run("claims", str(f), store_path=store_path)
    assert res.exit_code == 1
    assert "RN 125 vs next UG 178" in res.output and "0 of 1 claims hold" in res.output
    assert "FALSE" in res.output


def test_projected_seats_say_so(tmp_path, store) -> None:
    """2022's round 2 is not in the test mirror: its "actual" seats are projected from round 1,
    and the verdict carries the notes that say so (as `compare` does)."""
    if 2 in store.rounds(2022):
        pytest.skip("the mirror holds 2022's round 2: its seats are official")
    f = tmp_path / "c.toml"
    f.write_text(
        'year = 2022\n\n[[claim]]\nid = "x"\nmeasure = "seats"\nunit = "bloc"\n'
        'group = "any"\ntest = "majority"\nexpect = false\n'
    )
    _, (verdict,) = api.Session(store).claims(f)
    assert any("round 2 is not in the store" in n for n in verdict.notes), verdict.notes
    f.write_text(f.read_text().replace("2022", "2024"))
    _, (verdict,) = api.Session(store).claims(f)
    assert verdict.notes == () and verdict.holds  # official: no bloc had a majority in 2024


def test_a_grouping_key_that_is_no_nuance_is_refused(tmp_path) -> None:
    """The same check as an alliance file's (a typo such as UGG), pointing at the line."""
    f = tmp_path / "bad.toml"
    f.write_text(
        'year = 2024\n\n[groupings.press]\nUG = "NFP"\nUGG = "NFP"\n\n[[claim]]\nid = "x"\n'
        'measure = "votes"\nunit = "press"\ngroup = "NFP"\ntest = "first"\n'
    )
    with pytest.raises(DataFileError, match="grouping 'press': unknown key 'UGG'") as exc:
        claims.read(f)
    assert exc.value.line == 5 and exc.value.column == "UGG"


def test_an_unknown_top_level_key_is_refused(tmp_path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text("colour = 1\n" + HEAD + 'measure = "votes"\ngroup = "RN"\ntest = "first"\n')
    with pytest.raises(DataFileError, match="unknown top-level key 'colour'") as exc:
        claims.read(f)
    assert exc.value.line == 1 and exc.value.column == "colour"


@pytest.mark.parametrize(
    ("body", "line", "needle"),
    [
        (
            'measure = "seats"\nsystem = "stv"\ngroup = "RN"\ntest = "first"\n',
            6,
            "unknown system 'stv'",
        ),
        ('measure = "seats"\ngroup = "FN"\ntest = "first"\n', 6, "unknown group 'FN'"),
        (
            'measure = "seats"\nunit = "party"\ngroup = "RN"\ntest = "first"\n',
            6,
            "unknown unit 'party'",
        ),
        ('measure = "turnout"\ngroup = "RN"\ntest = "first"\n', 5, "unknown measure 'turnout'"),
        ('measure = "seats"\ngroup = "RN"\ntest = "biggest"\n', 7, "unknown test 'biggest'"),
        ('measure = "seats"\ngroup = "RN\ntest = "first"\n', 6, "TOML syntax error"),
        ('measure = "seats"\ngroup = "RN"\ntest = "first"\nwho = 1\n', 8, "unknown key 'who'"),
        ('year = 2019\nmeasure = "seats"\ngroup = "RN"\ntest = "first"\n', 5, "no legislative"),
        (
            'measure = "seats"\ngroup = "RN"\ntest = "first"\n\n[[claim]]\nid = "x"\n'
            'measure = "votes"\ngroup = "RN"\ntest = "first"\n',
            10,
            "id 'x' is already used",
        ),
    ],
)
def test_bad_claims_point_at_the_line(tmp_path, store, body: str, line: int, needle: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(HEAD + body)
    with pytest.raises(DataFileError, match=needle) as exc:
        api.Session(store).claims(f)
    assert exc.value.line == line and exc.value.file == str(f)


def test_claim_tests_are_exact() -> None:
    vals = {"A": 289, "B": 200, "C": 88}
    assert claims._check("majority", ["A"], vals, 577)[0]
    assert not claims._check("majority", ["B", "C"], vals, 577)[0]  # 288 < 289
    assert claims._check("rank 2", ["B"], vals, 577)[0]
    assert claims._check("first", ["B", "C"], vals, 577)[0] is False  # 288 vs 289
    assert claims._check("== 288", ["B", "C"], vals, 577)[0]


# ----------------------------------------------------------------------------- who can govern


def test_2024_coalitions_by_bloc(store, tmp_path, store_path) -> None:
    g = api.Session(store).coalitions(2024, system="actual", unit="bloc", train=None)
    assert dict(zip(g.groups, g.seats, strict=True)) == BLOCS_2024
    assert g.quota == 289 and max(g.seats) < 289  # nobody governs alone
    assert set(g.minimal_winning) == {
        ("centre", "left"),
        ("far_right", "left"),
        ("centre", "far_right"),
    }
    assert ("centre", "left") in g.minimal_connected_winning
    row = g.coalitions.set_index("coalition").loc["far_right+left"]
    assert (row["seats"], row["minimal_winning"], row["connected"]) == (336, True, False)
    assert sum(g.banzhaf().values()) == 1 and sum(g.shapley_shubik().values()) == 1
    out = tmp_path / "co.csv"
    res = _run("coalitions", "2024", "--output", str(out), store_path=store_path)
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert lines[0] == "coalition,seats,minimal_winning,connected" and len(lines) == 1 + len(g)
    assert "centre+left,358,true,true" in lines


def test_2024_round1_basis_gives_the_far_right_a_majority(store) -> None:
    g = api.Session(store).coalitions(2024, system="plurality", unit="bloc", train=None)
    assert ("far_right",) in g.minimal_winning
    assert g.censure(["far_right"]).exposed is False


def test_an_assembly_given_directly_the_groups_as_formed(tmp_path) -> None:
    """The parliamentary groups of July 2024 (examples/groups-2024.csv, left to right)."""
    seats = api.read_assembly(EXAMPLE.parent / "groups-2024.csv")
    assert sum(seats.values()) == 577 and len(seats) == 12
    g = api.coalitions_of(seats)
    assert max(g.seats) < g.quota == 289
    # the "common base" of the Barnier government (EPR, Dem, HOR, DR) is a minority exposed to
    # censure: the rest of the Assembly holds 364 seats (the motion of 4 December 2024 passed)
    c = g.censure(["EPR", "Dem", "HOR", "DR"])
    assert (c.government_seats, c.opposition_seats, c.exposed) == (213, 364, True)
    bad = tmp_path / "a.csv"
    bad.write_text("group,seats\nRN,126\nRN,1\n")
    with pytest.raises(DataFileError, match="appears twice") as exc:
        api.read_assembly(bad)
    assert exc.value.line == 3
    res = CliRunner().invoke(
        app, ["coalitions", "2024", "--assembly", str(EXAMPLE.parent / "groups-2024.csv")]
    )
    assert res.exit_code == 0 and "Minimal connected winning" in res.output
