"""What ``hemicycle live`` shows: round 1's decisions as constituencies complete (2024: 76 elected
in round 1, the Ministry's figure), round 2's frames through a replayed night, the replay's clock,
and the command's wiring and one-line errors."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from hemicycle import rules
from hemicycle.cli import app
from hemicycle.data.store import Store
from hemicycle.election import Election, load
from hemicycle.errors import OptionError
from hemicycle.live import runner
from hemicycle.live.replay import official_counts
from hemicycle.live.state import LiveState

sys.path.insert(0, str(Path(__file__).parent))
from test_live_night import night_of  # noqa: E402

cli = CliRunner()


@pytest.fixture(scope="module")
def store2024(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    path = tmp_path_factory.mktemp("live-runner") / "s.duckdb"
    with Store(path) as st:
        st.ingest(2024, download=False)
    return path


@pytest.fixture(scope="module")
def e2024(store2024: Path) -> Election:
    with Store(store2024, read_only=True) as st:
        return load(st, 2024)


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("2m", 120), ("1h", 3600), ("45", 45)])
def test_parse_every(text, seconds):
    assert runner.parse_every(text) == seconds


@pytest.mark.parametrize("text", ["0s", "-3m", "soon", "", "nan"])
def test_parse_every_refuses(text):
    with pytest.raises(OptionError, match="--every is a positive duration"):
        runner.parse_every(text)


def test_round1_decisions_are_the_laws(e2024):
    decisions = runner.round1_decisions(official_counts(e2024, 1), 2024)
    assert len(decisions) == 577
    assert sum(d.kind == "elected" for d in decisions) == 76  # the Ministry's 2024 figure
    status = e2024.round1_status()
    codes = {str(c): i for i, c in enumerate(e2024.codes)}
    for d in decisions:
        c = codes[d.constituency]
        won = e2024.panel[c][status[c] == rules.ELECTED]
        assert (d.elected,) == tuple(won) if len(won) else d.elected is None
        assert set(d.qualified) == set(e2024.panel[c][status[c] == rules.QUALIFIED].tolist())
        assert d.kind == (
            "elected" if len(won) else {2: "duel", 3: "three-way", 4: "four-way"}[len(d.qualified)]
        )
    # a count not final yet decides nothing
    assert runner.round1_decisions([], 2024) == []


def test_replay_clock(e2024):
    polls = list(runner.replay_polls(e2024, "size", 1800.0, rng=None))
    assert [at for at, _ in polls] == [
        "20:30:00", "21:00:00", "21:30:00", "22:00:00", "22:30:00", "23:00:00"
    ]  # fmt: skip
    assert len(polls[-1][1].declared) == 501


def test_round_two_frames_through_a_replayed_night(e2024):
    night = night_of(e2024, sims=1000)
    two = runner.RoundTwo(e2024, night)
    state = LiveState(duckdb.connect(), 2024, 2)
    frames = []
    for at, snap in runner.replay_polls(e2024, "random", 2700.0, rng=np.random.default_rng(1)):
        frames.append(two.step(state.ingest(snap), at))
    assert [f.headline() for f in frames] == [f"{n} of 501 declared" for n in (126, 251, 376, 501)]
    for f in frames:
        assert f.updated and f.failures == ()
        assert sum(s["mean"] for s in f.seats.values()) == pytest.approx(577)
        for s in f.seats.values():
            assert s["lo"] - 1e-9 <= s["mean"] <= s["hi"] + 1e-9
    called = [c for f in frames for c in f.calls]
    assert len({c.constituency for c in called}) == len(called)  # each race called once
    for c in called:
        assert c.probability >= 0.995 and c.candidate and c.bloc != "?"
    # a poll that declares nothing new does not update the night
    again = two.step(state.ingest(snap), "23:59:00")
    assert not again.updated and again.calls == ()


def test_cli_round_1_replay(store2024):
    res = cli.invoke(
        app,
        ["live", "2024", "--round", "1", "--replay", "--every", "90m", "--speed", "1e9",
         "--order", "size", "--store", str(store2024)],
        catch_exceptions=False,
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "577 of 577 declared" in res.output
    assert res.output.count(" elected: ") == 76
    assert (
        res.output.count(" duel: ")
        + res.output.count(" three-way: ")
        + res.output.count(" four-way: ")
        == 577 - 76
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--replay", "--source", "x"], "give either --source DIR_OR_URL or --replay"),
        ([], "give either --source DIR_OR_URL or --replay"),
        (["--replay", "--round", "3"], "--round must be 1 or 2"),
        (["--replay", "--order", "alpha"], "unknown --order 'alpha'; allowed: random"),
        (["--replay", "--every", "never"], "--every is a positive duration"),
        (["--replay", "--speed", "0"], "--speed must be positive"),
    ],
)
def test_cli_refuses_in_one_line(store2024, args, message):
    res = cli.invoke(app, ["live", "2024", *args, "--store", str(store2024)])
    assert res.exit_code == 1
    assert message in res.output and len(res.output.strip().splitlines()) == 1


def write_drop(root: Path, counts, *, broken: str | None = None) -> Path:
    """A CSV drop (``totals.csv``, ``votes.csv``) of ``counts``."""
    root.mkdir(parents=True, exist_ok=True)
    totals = ["constituency,registered,voters,blank,null,expressed,final"]
    votes = ["constituency,panel,votes"]
    for c in counts:
        totals.append(
            f"{c.constituency},{c.registered},{c.voters},{c.blank},{c.null},{c.expressed},"
            f"{str(c.final).lower()}"
        )
        votes += [f"{c.constituency},{p},{v}" for p, v in zip(c.panels, c.votes, strict=True)]
    if broken is not None:
        votes.append(broken)
    (root / "totals.csv").write_text("\n".join(totals) + "\n")
    (root / "votes.csv").write_text("\n".join(votes) + "\n")
    return root


def test_cli_round_1_from_a_csv_drop(store2024, e2024, tmp_path):
    counts = official_counts(e2024, 1)[:40]
    drop = write_drop(tmp_path / "drop", counts)
    args = ["live", "2024", "--round", "1", "--source", str(drop), "--every", "1s", "--polls", "2"]
    res = cli.invoke(app, [*args, "--store", str(store2024)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert res.output.count("40 of 577 declared") == 1  # the second poll changes nothing
    decided = runner.round1_decisions(counts, 2024)
    assert sum(f" {d.constituency} {d.kind}: " in res.output for d in decided) == 40
    # a damaged drop is a one-line warning naming the file and line, and the night goes on
    bad = write_drop(tmp_path / "bad", counts, broken=f"{counts[0].constituency},99,oops")
    res = cli.invoke(
        app,
        ["live", "2024", "--round", "1", "--source", str(bad), "--polls", "1",
         "--store", str(store2024)],
        catch_exceptions=False,
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    warnings = [line for line in res.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "votes.csv" in warnings[0] and "line" in warnings[0]
