"""The synthetic sample mirror (``tests/data``): every layout ingests into a fresh store and replays
to the outcome its files state. Runs on any clone: no official files needed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hemicycle import session as api
from hemicycle.cli import app
from hemicycle.data.files import files_for
from hemicycle.data.store import SAMPLE_MARKER, Store

SAMPLE = Path(__file__).parent / "data"
YEARS = sorted(int(p.name) for p in SAMPLE.iterdir() if p.is_dir() and p.name.isdigit())
MADE_HERE = (2017, 2022, 2024)  # by tests/data/make_synthetic.py


@pytest.fixture()
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the sample mirror (tests may delete layouts from it)."""
    root = tmp_path / "mirror"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setenv("HEMICYCLE_DATA", str(root))
    monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HEMICYCLE_STORE", str(tmp_path / "store.duckdb"))
    return root


def test_every_registered_layout_has_a_sample() -> None:
    """Each reader of the registry has a synthetic file under its official name."""
    readers_with_sample = {
        e.reader for y in YEARS for e in files_for(y) if (SAMPLE / str(y) / e.name).is_file()
    }
    assert {"2017", "2022", "2024", "2024-candidacies"} <= readers_with_sample
    assert (SAMPLE / SAMPLE_MARKER).is_file()


@pytest.mark.parametrize("year", YEARS)
def test_ingest_and_replay(sample: Path, year: int) -> None:
    """Every year of the sample (other layouts join by being added to tests/data)."""
    with Store() as st:
        rep = st.ingest(year, download=False)
        replay = api.Session(st).replay(year)
    assert not replay.mismatches
    if year in MADE_HERE:  # the files of make_synthetic.py: what they were made to say
        assert rep.constituencies == 3 and rep.quirks == () and rep.rounds == (1, 2)
        assert replay.elected_round1 == 1 and int(replay.runoffs.sum()) == 2
        assert sum(replay.seats_by_nuance().values()) == 3


def test_2024_csv_layouts(sample: Path) -> None:
    """Without the workbooks, the CSV versions of the 2024 files are read, to the same tables."""
    with Store() as st:
        st.ingest(2024, download=False)
        xlsx = {
            t: st.table(t, 2024).drop(
                columns=["ingested_at", "file", "sha256", "bytes", "signature"], errors="ignore"
            )
            for t in ("totals", "candidates", "candidacies")
        }
    for f in (sample / "2024").glob("*.xlsx"):
        f.unlink()
    with Store() as st:
        rep = st.ingest(2024, download=False)
        assert all(name.endswith(".csv") for name in rep.files)
        for t, df in xlsx.items():
            other = st.table(t, 2024).drop(
                columns=["ingested_at", "file", "sha256", "bytes", "signature"], errors="ignore"
            )
            assert other.equals(df), t
        assert not api.Session(st).replay(2024).mismatches


def test_cli_replay_on_the_sample(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "winners.csv"
    res = CliRunner().invoke(app, ["replay", "2024", "--output", str(out), "--no-hemicycle"])
    assert res.exit_code == 0, res.output
    assert "All 3 constituencies match" in res.output
    assert len(out.read_text().splitlines()) == 4


def test_sample_marker_is_needed_for_a_partial_year(sample: Path) -> None:
    """Without SAMPLE.md, three constituencies are a truncated file."""
    from hemicycle.errors import DataFileError

    (sample / SAMPLE_MARKER).unlink()
    with Store() as st, pytest.raises(DataFileError, match="3 constituencies, expected 577"):
        st.ingest(2022, download=False)
