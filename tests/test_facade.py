"""The notebook façade: ``import hemicycle as hc`` answers each question in one call, on published
facts, and says which year or round is missing with one error per meaning."""

from __future__ import annotations

from pathlib import Path

import pytest

import hemicycle as hc
from hemicycle.data.files import TRAINING_YEARS
from hemicycle.data.store import Store
from hemicycle.errors import MissingRoundError, OptionError, YearNotAvailableError


def test_replay_2024_in_one_call(store_path: Path) -> None:
    rep = hc.replay(2024, store=store_path)
    assert rep.election.n_constituencies == 577
    assert rep.elected_round1 == 76 and int(rep.runoffs.sum()) == 501
    assert not rep.mismatches


def test_project_and_backtest_learn_only_from_earlier_elections(store_path: Path) -> None:
    proj = hc.project(2024, store=store_path, sims=300, seed=1, n_boot=4)
    years = list(proj.train_years)
    with Store(store_path) as st:  # every earlier training election with both rounds
        assert years == [
            y for y in sorted(st.years()) if y in TRAINING_YEARS and y < 2024 and 2 in st.rounds(y)
        ]
    assert proj.preds["constituency"].nunique() == 577
    with pytest.raises(OptionError, match="not earlier than the target"):
        hc.project(2017, 2024, store=store_path, sims=10, n_boot=4)


def test_compare_and_coalitions(store_path: Path) -> None:
    cmp = hc.compare(2024, "plurality", store=store_path, train=None)
    seats = cmp.allocations[0].as_dict()
    assert seats["RN"] == 259 and seats["UG"] == 155  # first-round plurality, as published
    gov = hc.coalitions(2024, store=store_path)  # by bloc: no bloc governs alone in 2024
    assert all(len(c) >= 2 for c in gov.minimal_winning)


def test_one_error_per_meaning(store_path: Path) -> None:
    with pytest.raises(YearNotAvailableError, match="2019"):
        hc.replay(2019, store=store_path)
    with pytest.raises(MissingRoundError, match="nothing to learn transfers from"):
        hc.project(1958, store=store_path, sims=10, n_boot=4)  # the first: nothing before it


def test_years_from_a_data_frame_work_and_others_are_refused(store_path: Path) -> None:
    """A year taken from a frame (numpy's int64) is a year; 2024.0, "2024" and True are not."""
    import numpy as np

    assert hc.replay(np.int64(2024), store=store_path).election.year == 2024
    cmp = hc.compare(np.int64(2024), "plurality", store=store_path, train=None)
    assert cmp.year == 2024 and type(cmp.year) is int
    for bad in (2024.0, "2024", True):
        with pytest.raises(OptionError, match="year must be an integer"):
            hc.replay(bad, store=store_path)  # type: ignore[arg-type]
        with pytest.raises(OptionError, match="year must be an integer"):
            hc.compare(bad, "plurality", store=store_path)  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="seed must be a non-negative integer"):
        hc.project(2024, store=store_path, sims=10, seed=-1, n_boot=4)


def test_evaluate_is_reproducible_by_default(store_path: Path) -> None:
    """Seed 1 by default, as `hemicycle evaluate`: the same call gives the same score."""
    a = hc.evaluate(2024, 2017, store=store_path, sims=300, n_boot=4)
    b = hc.evaluate(2024, 2017, store=store_path, sims=300, n_boot=4)
    assert (a.brier, a.winner_accuracy) == (b.brier, b.winner_accuracy)


def test_an_ingest_does_not_bury_a_notebook_under_its_quirks(store_path: Path) -> None:
    """The first quirks of each year as they are, then one warning counting the rest; other
    warnings pass unchanged."""
    import warnings

    from hemicycle.data.store import DataQuirkWarning

    def noisy(st: Store) -> int:
        for i in range(10):
            warnings.warn(DataQuirkWarning(f"2012 f.csv {i:04d}: off by one", 2012), stacklevel=1)
        warnings.warn("something else", UserWarning, stacklevel=1)
        return 42

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert hc._call(store_path, noisy) == 42
    quirks = [str(w.message) for w in caught if w.category is DataQuirkWarning]
    assert quirks[: hc.QUIRKS_SHOWN] == [f"2012 f.csv {i:04d}: off by one" for i in range(3)]
    assert len(quirks) == hc.QUIRKS_SHOWN + 1
    assert (
        quirks[-1].startswith("2012: 7 more quirks") and "hemicycle data quirks 2012" in quirks[-1]
    )
    assert [str(w.message) for w in caught if w.category is UserWarning] == ["something else"]
