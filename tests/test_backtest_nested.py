"""The nested leave-one-election-out choice that the tuning scripts and ``hemicycle backtest``
report (:func:`hemicycle.sim.backtest.nested`, :func:`~hemicycle.sim.backtest.nested_backtest`):
for each target, the value chosen on the *other* targets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hemicycle.data.store import Store
from hemicycle.errors import OptionError
from hemicycle.sim import pipeline
from hemicycle.sim.backtest import (
    COLUMNS,
    EXTRA,
    GRID,
    grid,
    nested,
    nested_backtest,
    parse_priors,
    priors_text,
    targets,
)
from hemicycle.sim.calibrate import Priors


def _scores(brier: dict[str, list[float]], targets: list[int]) -> pd.DataFrame:
    rows = [
        {"value": v, "target": t, "winners": 0.9, "brier": b, "coverage90": 0.9, "note": f"{v}{t}"}
        for v, bs in brier.items()
        for t, b in zip(targets, bs, strict=True)
    ]
    return pd.DataFrame(rows)


def test_each_target_gets_the_value_best_on_the_others() -> None:
    # left out 2002: a 0.200, b 0.125 -> b; 2007: a 0.150, b 0.180 -> a; 2012: a 0.150, b 0.155 -> a
    scores = _scores({"a": [0.10, 0.20, 0.20], "b": [0.21, 0.10, 0.15]}, [2002, 2007, 2012])
    out = nested(scores, "value", keep=("note",))
    assert out["target"].tolist() == [2002, 2007, 2012]
    assert out["value"].tolist() == ["b", "a", "a"]
    assert out["note"].tolist() == ["b2002", "a2007", "a2012"]
    assert out["brier"].tolist() == [0.21, 0.20, 0.20]  # scored on the target left out
    assert list(out.columns) == ["target", "value", "note", "winners", "brier", "coverage90"]


def test_the_choosing_score_is_shown_and_minimised_on_the_others() -> None:
    rng = np.random.default_rng(7)
    targets = [2002, 2007, 2012, 2017, 2024]
    scores = _scores({v: list(rng.random(5)) for v in "abcdef"}, targets)
    scores["interval_score"] = rng.random(len(scores))
    out = nested(scores, "value", score="interval_score")
    assert "interval_score" in out.columns
    for r in out.itertuples(index=False):
        others = scores[scores["target"] != r.target].groupby("value")["interval_score"].mean()
        assert others[r.value] == others.min()
        own = scores[(scores["value"] == r.value) & (scores["target"] == r.target)]
        assert r.interval_score == own["interval_score"].iloc[0]


def test_the_grid_is_every_combination_and_its_text_reads_back() -> None:
    spec = {"balancing": (0.0, 0.04), "rare_below": (0, 20.0), "symmetric": (True, False)}
    combos = grid(spec)
    assert len(combos) == 8 and len(set(combos)) == 8
    assert all(type(p.rare_below) is int and type(p.symmetric) is bool for p in combos)
    for p in combos:
        assert parse_priors(priors_text(p, tuple(spec))) == p
    assert len(grid()) == int(np.prod([len(v) for v in GRID.values()]))
    assert parse_priors("") == Priors()
    with pytest.raises(OptionError, match="unknown prior"):
        grid({"bogus": (1.0,)})
    with pytest.raises(OptionError, match="cannot read"):
        parse_priors("bogus=1")


def test_the_nested_backtest_scores_each_target_with_priors_chosen_without_it(
    store_path: Path,
) -> None:
    """On real data (a small grid, few simulations): each target's row is its own back-test with
    the combination best on the *other* targets, and its drop-latest row trains on one election
    fewer with the same priors."""
    spec = {"balancing": (0.0, 0.04)}
    with Store(store_path, read_only=True) as st:
        every = targets(st, "all")
        table, scores = nested_backtest(
            st, [2012, 2024], sims=200, seed=1, spec=spec, drop_latest=True
        )
        full = {y: pipeline.training_years(y, "all", st) for y in (2012, 2024)}
    assert len(scores) == 2 * len(every) and set(scores["target"]) == set(every)
    assert list(table.columns) == COLUMNS + EXTRA
    assert (table["figure"] == "nested").all()
    rows = table[table["latest"]]
    assert rows["target"].tolist() == [2012, 2024]
    for r in rows.itertuples(index=False):
        others = scores[scores["target"] != r.target].groupby("priors")["brier"].mean()
        assert r.priors == others.idxmin()
        own = scores[(scores["target"] == r.target) & (scores["priors"] == r.priors)].iloc[0]
        assert r.brier == own["brier"] and r.winners == own["winners"]
    drop = table[~table["latest"]].set_index("target")
    for y in (2012, 2024):
        assert drop.loc[y, "train"] == "+".join(map(str, full[y][:-1]))
        assert drop.loc[y, "priors"] == rows.set_index("target").loc[y, "priors"]
