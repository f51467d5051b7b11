"""The CLI wiring: options, output files and exit codes (the library is tested elsewhere)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hemicycle.cli import app

runner = CliRunner()


def invoke(*args: str, store: Path) -> object:
    return runner.invoke(app, [*args, "--store", str(store)], catch_exceptions=False)


def test_replay_2024_writes_documented_files(store_path: Path, tmp_path: Path) -> None:
    out, r1 = tmp_path / "winners.csv", tmp_path / "round1.csv"
    res = invoke(
        "replay", "2024", "--output", str(out), "--round1-output", str(r1), store=store_path
    )
    assert res.exit_code == 0, res.output
    assert "76" in res.output and "All 577 constituencies match" in res.output
    assert out.read_text().splitlines()[0] == "constituency,round,panel,surname,nuance,votes"
    assert r1.read_text().splitlines()[0] == "constituency,panel,nuance,votes,status"
    w = pd.read_csv(out, dtype={"constituency": str})
    assert len(w) == 577 and w["nuance"].value_counts()["UG"] == 178


@pytest.mark.usefixtures("without_2022_round2")
def test_replay_2022_round1_only(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "w.csv"
    res = invoke("replay", "2022", "--output", str(out), store=store_path)
    assert res.exit_code == 0, res.output
    assert "Round 2 of 2022 is not in the data" in res.output
    assert len(pd.read_csv(out)) == 5


def test_unknown_year_exits_1(tmp_path: Path) -> None:
    res = invoke("replay", "2019", store=tmp_path / "s.duckdb")
    assert res.exit_code == 1
    assert "no reader for the 2019" in res.output


def test_mismatch_exits_1_and_names_constituency(
    data_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    """A mirror whose round-1 'Elu' flag disagrees with the votes: replay lists the constituency."""
    name = "resultats-par-niveau-cirlg-t1-france-entiere.txt"
    (tmp_path / "m" / "2022").mkdir(parents=True)
    shutil.copy(data_dir / "2022" / name, tmp_path / "m" / "2022" / name)
    f = tmp_path / "m" / "2022" / name
    lines = f.read_bytes().split(b"\r\n")
    # 0101: flag the first candidate as elected although the law says runoff
    cells = lines[1].split(b";")
    cells[19 + 8] = b"Elu"
    lines[1] = b";".join(cells)
    f.write_bytes(b"\r\n".join(lines))
    monkeypatch.setenv("HEMICYCLE_DATA", str(tmp_path / "m"))
    res = invoke("replay", "2022", store=tmp_path / "s.duckdb")
    assert res.exit_code == 1
    assert "0101" in res.output and "round 1 elected" in res.output


def test_bad_file_exits_1_with_position(data_dir: Path, tmp_path: Path, monkeypatch) -> None:
    name = "resultats-par-niveau-cirlg-t1-france-entiere.txt"
    (tmp_path / "m" / "2022").mkdir(parents=True)
    raw = (data_dir / "2022" / name).read_bytes()
    (tmp_path / "m" / "2022" / name).write_bytes(raw.replace(b";Exprim\xe9s;", b";Exprimes;", 1))
    monkeypatch.setenv("HEMICYCLE_DATA", str(tmp_path / "m"))
    res = invoke("data", "ingest", "2022", store=tmp_path / "s.duckdb")
    assert res.exit_code == 1
    assert name in res.output and "line 1" in res.output and "Exprimés" in res.output


@pytest.mark.parametrize("args", [["data", "status"], ["data", "quirks", "2024"]])
def test_data_commands(store_path: Path, args: list[str]) -> None:
    res = invoke(*args, store=store_path)
    assert res.exit_code == 0, res.output


def test_progress_goes_to_stderr(store_path: Path) -> None:
    """With its progress bars on (the default), `project` writes only its result to stdout: a
    redirect once got a blank line left by the simulation's bar before the title, and stderr one
    before an error."""
    res = invoke(
        "project", "2024", "--train", "2017", "--sims", "500", "--seed", "3", store=store_path
    )
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("Projection of 2024 round 2"), res.stdout[:200]
    assert "simulating" not in res.stdout
    # and a bar that cannot draw (no terminal) leaves nothing, not even a blank line
    assert res.stderr.strip("\n") == res.stderr, repr(res.stderr[:200])


def test_project_writes_documented_files(store_path: Path, tmp_path: Path) -> None:
    preds, seats = tmp_path / "preds.csv", tmp_path / "seats.csv"
    res = invoke(
        "project",
        "2024",
        "--train",
        "2017",
        "--sims",
        "500",
        "--seed",
        "3",
        "--no-progress",
        "--output",
        str(preds),
        "--seats-output",
        str(seats),
        store=store_path,
    )
    assert res.exit_code == 0, res.output
    assert (
        preds.read_text().splitlines()[0]
        == "constituency,panel,nuance,bloc,p_win,share_mean,share_lo,share_hi"
    )
    assert seats.read_text().splitlines()[0] == "group,kind,mean,median,lo,hi,p_majority"
    p = pd.read_csv(preds, dtype={"constituency": str})
    assert p["constituency"].nunique() == 577
    assert p.groupby("constituency")["p_win"].sum().round(6).eq(1).all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["project", "2024", "--train", "2017", "--sims", "0"], "sims must be a positive integer"),
        (["project", "2024", "--train", "2017", "--withdrawals", "bogus"], "bogus"),
        (["project", "2031", "--train", "2017"], "no reader for the 2031"),
        (["transfers", "--train", "2017", "--estimator", "bayes"], "unknown estimator"),
    ],
)
def test_project_bad_options_exit_1(store_path: Path, args: list[str], message: str) -> None:
    res = invoke(*args, store=store_path)
    assert res.exit_code == 1
    assert message in res.output


@pytest.mark.usefixtures("without_2022_round2")
def test_training_on_a_year_without_round_2_exits_1(store_path: Path) -> None:
    res = invoke("project", "2024", "--train", "2022", store=store_path)
    assert res.exit_code == 1
    assert "no round 2" in res.output


@pytest.mark.parametrize("year", [1997, 2002, 2007])
def test_replay_cdsp_years_exits_0(store_path: Path, year: int) -> None:
    res = invoke("replay", str(year), "--no-hemicycle", store=store_path)
    assert res.exit_code == 0, res.output
    assert "All 577 constituencies match" in res.output and "CDSP" in res.output


def test_replay_2012_lists_the_source_quirks_and_exits_0(store_path: Path) -> None:
    res = invoke("replay", "2012", "--no-hemicycle", store=store_path)
    assert res.exit_code == 0, res.output
    assert (
        "CDSP" in res.output and "6905" in res.output and "source contradicts itself" in res.output
    )
    # five decisions in four constituencies differ where the source contradicts itself
    assert "✓ The other 573 constituencies match" in res.output and "All 577" not in res.output


@pytest.mark.parametrize("systems", ["all", "all,dhondt"])
def test_compare_1997_leaves_the_projected_assembly_out_of_all(
    store_path: Path, systems: str
) -> None:
    """No election before 1997 can train a projection: `all` runs every other system and says
    why `projected` is left out; named alone, it is an error."""
    res = invoke("compare", "1997", "--systems", systems, store=store_path)
    assert res.exit_code == 0, res.output
    assert "projected: left out" in res.output and "dhondt" in res.output
    res = invoke("compare", "1997", "--systems", "projected", store=store_path)
    assert res.exit_code == 1 and "transfers learnt from earlier elections" in res.output
