"""The night back-test's pieces: its orders, the official winners it scores against (2024: the
published Assembly), and its summary, calibration and Markdown table."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hemicycle.data.blocs import BLOCS
from hemicycle.data.store import Store
from hemicycle.election import Election, load
from hemicycle.errors import OptionError
from hemicycle.live import backtest as bt
from hemicycle.live.replay import official_counts

sys.path.insert(0, str(Path(__file__).parent))
from published import BLOCS_2024  # noqa: E402
from test_live_night import night_of  # noqa: E402


@pytest.fixture(scope="module")
def e2024(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Election:
    with Store(tmp_path_factory.mktemp("live-bt") / "s.duckdb") as st:
        st.ingest(2024, download=False)
        return load(st, 2024)


def test_orders():
    names = bt.orders()
    assert len(names) == 24 and names[0] == "random-1" and names[-1] == "size"
    assert [bt._parse_order(n) for n in ("random-3", "overseas-first-12", "size")] == [
        "random",
        "overseas-first",
        "size",
    ]
    for bad in ("random", "random-x", "alphabetical", "size-2"):
        with pytest.raises(OptionError, match="allowed: random-N, overseas-first-N, size"):
            bt._parse_order(bad)


def test_official_winners_make_the_published_assembly(e2024):
    night = night_of(e2024, sims=200)
    truth = bt.official_winners(night, official_counts(e2024))
    assert (truth >= 0).all()
    seats = night.fixed + np.bincount(
        night.slot_group[np.arange(len(truth)), truth], minlength=len(BLOCS)
    )
    assert dict(zip(BLOCS, seats.tolist(), strict=True)) == {b: BLOCS_2024.get(b, 0) for b in BLOCS}


def table() -> pd.DataFrame:
    rows = []
    for order, w in (("random-1", 0.8), ("random-2", 0.9), ("random-3", 0.85), ("size", 0.7)):
        for frac in bt.STAGES:
            rows.append((2024, order, frac, 100, w, 3.0, 6 / 7, 10, int(order == "size")))
    return pd.DataFrame(rows, columns=bt.COLUMNS)


def test_summary_and_render():
    s = bt.summary(table())
    assert len(s) == len(bt.STAGES)
    first = s.iloc[0]
    assert first["winners_random_median"] == pytest.approx(0.85)  # random orders only
    assert first["winners_min"] == pytest.approx(0.7)  # every order
    assert first["wrong_calls"] == 1 and first["orders"] == 4
    md = bt.render(table())
    assert md.splitlines()[0].startswith("| target | declared |")
    assert "| 2024 | 25% | 4 | 85.0% | 70.0% | 3.0 | 85.7% | 10 | 1 |" in md


def test_calibration_bins():
    probs = pd.DataFrame(
        {
            "declared": [0.05] * 4 + [0.25] * 2,
            "p": [0.0, 0.5, 0.999, 1.0, 0.1, 0.9],
            "won": [False, True, True, True, False, True],
        }
    )
    cal = bt.calibration(probs)
    assert list(cal["declared"]) == [0.05, 0.25]
    assert cal.loc[0, "brier"] == pytest.approx((0 + 0.25 + 1e-6 + 0) / 4)
    assert cal.loc[0, "[0.995, 1)"] == "1.000 / 1.000 (2)"  # p = 1 falls in the last bin
    assert cal.loc[1, "[0.05, 0.2)"] == "0.100 / 0.000 (1)"


def test_bad_stages(e2024):
    with pytest.raises(OptionError, match="stages are shares"):
        bt.night_backtest(None, [2024], stages=(0.5, 1.0))  # type: ignore[arg-type]


def test_backtest_live_command_writes_the_documented_csv(store_path, tmp_path) -> None:
    """`hemicycle backtest --live --output F`: one row per target, order and stage, with exactly the
    documented columns; 20 random orders, overseas first and by size; stages 5 … 75 %."""
    import pandas as pd
    from typer.testing import CliRunner

    from hemicycle.cli import app

    out = tmp_path / "night.csv"
    res = CliRunner().invoke(
        app,
        [
            "backtest",
            "--live",
            "--targets",
            "2007",
            "--sims",
            "300",
            "--output",
            str(out),
            "--store",
            str(store_path),
        ],
    )
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    assert list(df.columns) == [
        "target",
        "order",
        "declared",
        "undeclared",
        "winners",
        "bloc_seat_mae",
        "coverage90",
        "called",
        "wrong_calls",
    ]
    assert set(df["declared"]) == {0.05, 0.1, 0.25, 0.5, 0.75}
    kinds = set(df["order"].str.replace(r"-\d+$", "", regex=True))
    assert kinds == {"random", "overseas-first", "size"}
    assert df[df["order"].str.startswith("random")]["order"].nunique() == 20
    assert ((df["winners"] >= 0) & (df["winners"] <= 1)).all()
