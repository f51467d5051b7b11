"""Bad options and inputs at the command line: one sentence on stderr, exit 1, never a traceback
(README, "Bad input"). Runs on the synthetic sample mirror (tests/data): no official files
needed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hemicycle.cli import app
from hemicycle.data.store import Store

SAMPLE = Path(__file__).parent / "data"
T1_2022 = "resultats-par-niveau-cirlg-t1-france-entiere.txt"


@pytest.fixture()
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "mirror"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setenv("HEMICYCLE_DATA", str(root))
    monkeypatch.setenv("HEMICYCLE_STORE", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "80")  # a narrow terminal must not wrap the message
    with Store() as st:
        for y in (2017, 2022, 2024):
            st.ingest(y, download=False)
    return root


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args), catch_exceptions=True)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError(f"{args}: {res.exception!r}") from res.exception
    return res.exit_code, res.output


def fails(*args: str, match: str) -> str:
    code, out = run(*args)
    assert code == 1, out
    lines = [ln for ln in out.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in out, out
    assert match in errors[0], out
    return errors[0]


@pytest.mark.parametrize(
    ("option", "match"),
    [
        ("/dev/full", "cannot write /dev/full: No space left on device"),
        ("{tmp}", "is a folder"),
        ("{tmp}/missing/w.csv", "does not exist"),
        ("", "--output is empty"),
    ],
)
def test_replay_output(sample: Path, tmp_path: Path, option: str, match: str) -> None:
    if option == "/dev/full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    fails("replay", "2024", "--output", option.format(tmp=tmp_path), match=match)


def test_an_output_under_a_file(sample: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    fails(
        "replay", "2024", "--output", str(tmp_path / "a-file" / "w.csv"), match="is a file, not a"
    )


def test_an_unwritable_folder_is_refused_before_any_work(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ro = tmp_path / "read-only"
    ro.mkdir()
    access = os.access  # root may write anywhere: the folder is made unwritable for the check
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != ro and access(p, mode))
    code, out = run("replay", "2024", "--output", str(ro / "w.csv"))
    assert code == 1 and f"cannot create files in {ro}" in out, out
    assert "Round 1" not in out and not (ro / "w.csv").exists()  # refused before any work


def test_round1_output_is_checked_too(sample: Path, tmp_path: Path) -> None:
    fails("replay", "2024", "--round1-output", str(tmp_path), match="--round1-output")


def test_report_out_onto_a_file(sample: Path, tmp_path: Path) -> None:
    f = tmp_path / "a-file"
    f.write_text("x")
    fails("report", "2024", "--out", str(f), match="is a file")


def test_negative_seed(sample: Path) -> None:
    fails(
        "project", "2024", "--train", "2022", "--seed", "-1", match="--seed must be a non-negative"
    )


def test_sims_beyond_memory(sample: Path) -> None:
    msg = fails(
        "project",
        "2024",
        "--train",
        "2022",
        "--sims",
        "1000000000000",
        "--no-progress",
        match="GiB of memory",
    )
    assert "--sims" in msg and "or fewer" in msg


def test_binary_lineup(sample: Path, tmp_path: Path) -> None:
    f = tmp_path / "lineup.csv"
    f.write_bytes(bytes(range(256)) * 4)
    fails(
        "project",
        "2024",
        "--train",
        "2022",
        "--lineup",
        str(f),
        "--sims",
        "10",
        "--no-progress",
        match="not UTF-8",
    )


def test_claims_deep_nesting(sample: Path, tmp_path: Path) -> None:
    f = tmp_path / "deep.toml"
    f.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    fails("claims", str(f), match="nested too deeply")


def test_claims_from_dev_zero(sample: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    fails("claims", "/dev/zero", match="larger than")


def test_claims_name_with_markup(sample: Path) -> None:
    """Item 9: markup in a user's file name is printed as written, and does not crash the
    handler."""
    fails("claims", "x[/bold].toml", match="x[/bold].toml")


def test_claims_message_with_brackets(sample: Path, tmp_path: Path) -> None:
    f = tmp_path / "empty.toml"
    f.write_text("year = 2024\n")
    fails("claims", str(f), match="no [[claim]] table")


def test_claims_with_bom(sample: Path, tmp_path: Path) -> None:
    f = tmp_path / "bom.toml"
    f.write_bytes(
        b"\xef\xbb\xbf" + b'year = 2024\n[[claim]]\nid = "c[/b]"\ntext = "[red]x"\n'
        b'measure = "seats"\ngroup = "UG"\ntest = ">= 0"\n'  # true on any data
    )
    code, out = run("claims", str(f))
    assert code == 0, out
    assert "— [red]x" in out and "c[/b]:" in out  # the user's text, markup shown, not interpreted


def test_huge_votes_then_force_ingest(sample: Path) -> None:
    f = sample / "2022" / T1_2022
    lines = f.read_bytes().split(b"\r\n")
    cells = lines[1].split(b";")
    cells[24] = b"99999999999999999999999"
    lines[1] = b";".join(cells)
    f.write_bytes(b"\r\n".join(lines))
    msg = fails("data", "ingest", "2022", "--force", match="beyond any possible count")
    assert T1_2022 in msg and "line 2" in msg and "0101" in msg and "'Voix'" in msg


def test_missing_store_folder(sample: Path, tmp_path: Path) -> None:
    fails(
        "data",
        "status",
        "--store",
        str(tmp_path / "nonexistent" / "dir" / "x.duckdb"),
        match="does not exist",
    )
    assert not (tmp_path / "nonexistent").exists()


def test_quirk_messages_are_not_markup(sample: Path) -> None:
    """`data quirks` prints the kind in brackets as written ([votes_sum])."""
    f = sample / "2022" / T1_2022
    lines = f.read_bytes().split(b"\r\n")
    cells = lines[1].split(b";")
    cells[24] = str(int(cells[24]) + 1).encode()
    lines[1] = b";".join(cells)
    f.write_bytes(b"\r\n".join(lines))
    code, out = run("data", "quirks", "2022")
    assert code == 0, out
    assert "[votes_sum]" in out


def test_markup_in_the_data_is_printed_as_written(sample: Path) -> None:
    """A nuance written like markup ([/b]) goes through replay's tables and warnings unharmed."""
    f = sample / "2022" / T1_2022
    f.write_bytes(f.read_bytes().replace(b";ENS;3100;", b";[/b];3100;", 1))  # the winner of 0101
    code, out = run("replay", "2022", "--no-hemicycle")
    assert code == 0, out
    assert "[/B]" in out  # (nuances are upper-cased)
