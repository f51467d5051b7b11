"""Where a projection extrapolates (:mod:`hemicycle.sim.extrapolation`): the rates the training
elections disagree on, and the runoffs whose call hangs on them, on real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hemicycle.data.store import Store
from hemicycle.election import load
from hemicycle.options import TransferOverride
from hemicycle.session import Session, render_extrapolation
from hemicycle.sim import pipeline
from hemicycle.sim.extrapolation import (
    MIN_SD,
    RATE_COLUMNS,
    RUNOFF_COLUMNS,
    Extrapolation,
    extrapolation,
)
from hemicycle.sim.features import resolve_lineup
from hemicycle.sim.transfers import PooledTransfers

TRAIN = (2012, 2017)


@pytest.fixture(scope="module")
def where(store_path: Path) -> Extrapolation:
    with Store(store_path, read_only=True) as st:
        return pipeline.extrapolation(2024, TRAIN, st)


def test_a_rate_every_training_election_agrees_on_is_never_listed(store_path: Path) -> None:
    """Two training elections with the very same rates (one fit pooled twice): every rate's
    weighted sd is 0, its range a point, and nothing is listed — whatever ``min_sd``."""
    with Store(store_path, read_only=True) as st:
        model, _ = pipeline.fitted(2017, st)
        e = load(st, 2024)
    pool = PooledTransfers.pool([model, model], symmetric=True)
    standing = resolve_lineup(e, withdrawals="data")
    for min_sd in (MIN_SD, 1e-9):
        ex = extrapolation(pool, e, standing, min_sd=min_sd)
        assert len(ex.rates) > 50
        assert np.allclose(ex.rates["sd"], 0.0, atol=1e-12)
        assert (ex.rates["lo"] == ex.rates["hi"]).all()
        assert ex.listed.empty and ex.runoffs.empty


def test_rates_are_listed_exactly_when_the_elections_disagree(where: Extrapolation) -> None:
    rates = where.rates
    assert list(rates.columns) == RATE_COLUMNS
    assert list(where.runoffs.columns) == RUNOFF_COLUMNS
    assert (rates["listed"] == (rates["sd"] >= MIN_SD)).all()
    assert (where.listed["hi"] > where.listed["lo"]).all()
    assert not rates[rates["hi"] - rates["lo"] < 1e-9]["listed"].any()
    assert rates["sd"].is_monotonic_decreasing
    # a rate is an origin that has no candidate of its own there, towards a bloc that stands
    for r in rates.itertuples(index=False):
        cfg = r.configuration.split("+")
        assert r.origin not in cfg and r.destination in cfg
    # every runoff listed depends on a listed rate, and each listed rate counts its runoffs
    listed = {(r.configuration, r.origin, r.destination) for r in where.listed.itertuples()}
    deps = where.runoffs.groupby(["configuration", "origin", "destination"]).size()
    assert set(deps.index) <= listed
    for key, n in deps.items():
        row = where.listed.set_index(["configuration", "origin", "destination"]).loc[key]
        assert row["depends"] == n
    dep = where.runoffs
    assert len(dep)
    fav = dep["favourite"]
    assert ((dep["favourite_lo"] != fav) | (dep["favourite_hi"] != fav)).all()


def test_a_listed_runoff_moves_when_its_rate_is_overridden(
    store_path: Path, where: Extrapolation
) -> None:
    """The first runoff listed: with the rate overridden to the end of its range that flips the
    call, the favourite's probability of winning falls by at least 0.1 in the simulation."""
    dep = where.runoffs.iloc[0]
    flip = dep["lo"] if dep["favourite_lo"] != dep["favourite"] else dep["hi"]
    with Store(store_path, read_only=True) as st:
        base = pipeline.project(2024, TRAIN, st, sims=2000, seed=1)
        moved = pipeline.project(
            2024,
            TRAIN,
            st,
            sims=2000,
            seed=1,
            overrides=[TransferOverride(dep["origin"], dep["destination"], float(flip))],
        )

    def p_fav(proj: object) -> float:
        preds = proj.preds  # type: ignore[attr-defined]
        rows = preds[(preds["constituency"] == dep["constituency"])]
        return float(rows[rows["bloc"] == dep["favourite"]]["p_win"].max())

    assert p_fav(base) - p_fav(moved) >= 0.1, (dep.to_dict(), p_fav(base), p_fav(moved))


def test_one_training_election_says_nothing_and_the_session_renders(store_path: Path) -> None:
    with Session(store_path, ingest="never") as s:
        one = s.extrapolation(2024, 2017)
        two = s.extrapolation(2024, TRAIN)
    assert one.listed.empty and one.runoffs.empty
    assert "nothing to compare" in render_extrapolation(one)
    text = render_extrapolation(two)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "2012–2017" in text and str(len(two.listed)) in text
