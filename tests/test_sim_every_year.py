"""A projection of every stored year, from the earlier elections only: it runs, its seats add up,
its p_win agrees with its simulated shares, and its seat intervals are not falsely certain.

The years come from the store (every registered year the mirror holds), never from a list here.
"""

from __future__ import annotations

import numpy as np
import pytest

from hemicycle.data.files import TRAINING_YEARS
from hemicycle.data.store import Store
from hemicycle.errors import MissingRoundError
from hemicycle.options import history_target
from hemicycle.rules import SEATS
from hemicycle.sim import pipeline

N_BOOT = 4
SIMS = 1_000


@pytest.fixture(scope="module")
def projections(store_path) -> dict[int, pipeline.Projection | None]:
    """Every stored year a default training election precedes (2002 on), projected with
    ``train='all'``. The years before learn from the elections of 1958 on: their projections are
    tested in tests/test_history_training.py (nine more fits would double this module's time)."""
    st = Store(store_path)
    out: dict[int, pipeline.Projection | None] = {}
    for year in st.years():
        if history_target(year):
            continue
        try:
            out[year] = pipeline.project(year, "all", st, sims=SIMS, seed=year, n_boot=N_BOOT)
        except MissingRoundError as exc:
            assert "nothing to learn transfers from" in str(exc)
            out[year] = None
    return out


def test_every_year_with_an_earlier_election_is_projected(projections, store_path):
    st = Store(store_path)
    both = [y for y in st.years() if 2 in st.rounds(y) and y in TRAINING_YEARS]
    assert set(projections) == {y for y in st.years() if any(t < y for t in both)}
    for year, proj in projections.items():
        assert proj is not None, year
    assert sum(p is not None for p in projections.values()) >= 2


def test_seats_add_up_and_p_win_sums_to_one(projections):
    for year, proj in projections.items():
        if proj is None:
            continue
        kinds = np.array(proj.kinds)
        assert (proj.seat_draws[:, kinds == "bloc"].sum(axis=1) == SEATS).all(), year
        p = proj.preds.groupby("constituency")["p_win"].sum()
        np.testing.assert_allclose(p, 1.0, atol=1e-9, err_msg=str(year))
        assert proj.preds["constituency"].nunique() == SEATS


def _duels(proj):
    pr = proj.preds
    size = pr.groupby("constituency")["constituency"].transform("size")
    return pr[(size == 2)]


def test_p_win_agrees_with_the_shares_in_duels(projections):
    """In a duel the candidate with the larger mean share has p_win >= 0.5, and a race whose 90 %
    share interval straddles one half is never called with certainty.

    Our goal is 99 % of duels, and the back-test (20,000 simulations) has 99.5–100 % on every
    year since the pool's mirror images and the linear mobilisation made the simulated shares
    symmetric (2017 had 98.2 % before). Here, with 1,000 simulations, the Monte Carlo error alone
    (0.016 on a ``p_win`` near one half) flips some of the closest duels: the bound is 98 % (2022:
    98.6 %; the numpy path's bug gave about 43 %)."""
    for year, proj in projections.items():
        if proj is None:
            continue
        d = _duels(proj)
        ok = [
            float(g["p_win"].to_numpy()[int(np.argmax(g["share_mean"].to_numpy()))] >= 0.5)
            for _, g in d.groupby("constituency")
        ]
        assert np.mean(ok) >= 0.98, (year, np.mean(ok))
        open_race = (d["share_lo"] < 0.49) & (d["share_hi"] > 0.51)
        assert ((d.loc[open_race, "p_win"] > 0) & (d.loc[open_race, "p_win"] < 1)).all(), year


def test_a_seat_interval_has_width_zero_only_when_its_runoffs_are_certain(projections):
    """A bloc whose candidates stand in uncertain runoffs cannot have a certain seat count:
    with k runoffs at 5–95 % for its candidates, its 90 % interval is not a single point."""
    for year, proj in projections.items():
        if proj is None:
            continue
        pr = proj.preds
        seats = proj.seats[proj.seats["kind"] == "bloc"].set_index("group")
        uncertain = pr[(pr["p_win"] > 0.05) & (pr["p_win"] < 0.95)]
        per_bloc = uncertain.groupby("bloc")["constituency"].nunique()
        for bloc, n in per_bloc.items():
            if n >= 10:
                assert seats.at[bloc, "hi"] > seats.at[bloc, "lo"], (year, bloc, n)
        if seats["hi"].eq(seats["lo"]).all():
            assert ((pr["p_win"] == 0) | (pr["p_win"] == 1)).all(), year
