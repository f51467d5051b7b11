"""Training on the Fifth Republic's history (#23 item 2): the elections of 1958–1993 train the
targets that no default training election precedes, and can be named for any target."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hemicycle.data.store import Store
from hemicycle.errors import OptionError
from hemicycle.options import history_target
from hemicycle.sim import backtest as bt
from hemicycle.sim import pipeline

HISTORY = [1962, 1967, 1968, 1973, 1978, 1981, 1988, 1993, 1997]


def test_the_history_targets_are_every_election_before_1997_with_an_earlier_one(
    store_path: Path,
) -> None:
    """1958 has nothing before it; 1986 was proportional (no round 2); 1997 has no default
    training election before it and learns from history."""
    with Store(store_path, read_only=True) as st:
        assert bt.targets(st, "history") == HISTORY
        assert bt.targets(st, "all") == [2002, 2007, 2012, 2017, 2024]
        assert bt.targets(st, "1981,2024") == [1981, 2024]
        with pytest.raises(OptionError, match="allowed: 1962, 1967"):
            bt.targets(st, "1958")


def test_all_means_the_era_before_the_target(store_path: Path) -> None:
    with Store(store_path, read_only=True) as st:
        assert pipeline.training_years(1981, "all", st) == (1958, 1962, 1967, 1968, 1973, 1978)
        assert pipeline.training_years(1997, "all", st) == (
            1958, 1962, 1967, 1968, 1973, 1978, 1981, 1988, 1993,
        )  # fmt: skip
        assert pipeline.training_years(2002, "all", st) == (1997,)
        # named years cross eras
        assert pipeline.training_years(2002, "1993,1997", st) == (1993, 1997)
        with pytest.raises(OptionError, match="not earlier than the target"):
            pipeline.training_years(1981, "1988", st)
    assert [history_target(y) for y in (1962, 1997, 2002, None)] == [True, True, False, False]


def test_a_history_year_is_projected_on_its_own_house(store_path: Path) -> None:
    """1981 from 1973 and 1978 (the CDSP's party columns): every simulated Assembly has the 474
    seats of the file, each constituency's probabilities sum to one, and a majority is 238."""
    with Store(store_path, read_only=True) as st:
        proj = pipeline.project(1981, (1973, 1978), st, sims=1_000, seed=1, n_boot=4)
    kinds = np.array(proj.kinds)
    assert (proj.seat_draws[:, kinds == "bloc"].sum(axis=1) == 474).all()
    assert proj.preds["constituency"].nunique() == 474
    np.testing.assert_allclose(proj.preds.groupby("constituency")["p_win"].sum(), 1.0, atol=1e-9)
    assert proj.majority == 238 and "P(>=238)" in proj.summary()
