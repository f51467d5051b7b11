"""The random-effects variants of the pool (:mod:`hemicycle.sim.pooling`), tried against the cost
of adding the latest election: properties that could fail, on synthetic models."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hemicycle.options import ORIGINS
from hemicycle.sim.pooling import RandomEffectsPool, widen
from hemicycle.sim.transfers import NO, PooledTransfers, TransferModel

CONFIG = ("left", "far_right")


def _model(year: int, count: int, rng: np.random.Generator) -> TransferModel:
    theta = rng.normal(0.0, 1.0, size=(3, NO, 8))
    return TransferModel(
        train_year=year, theta=theta, regression={}, counts={CONFIG: count}, min_runoffs=10
    )


def _pool(counts: list[int], saturation: float) -> RandomEffectsPool:
    rng = np.random.default_rng(5)
    models = [_model(2000 + i, n, rng) for i, n in enumerate(counts)]
    base = PooledTransfers.pool(models, config_pseudo=2.0, symmetric=True)
    return RandomEffectsPool(
        models=base.models,
        weights=base.weights,
        n_reps=base.n_reps,
        masses=base.masses,
        config_pseudo=2.0,
        symmetric=True,
        saturation=saturation,
    )


def test_saturation_off_is_the_plain_pool_and_on_it_evens_out_data_rich_elections() -> None:
    counts = [300, 30, 30, 0]
    plain = _pool(counts, 0.0).probabilities(CONFIG)
    rng = np.random.default_rng(5)
    models = [_model(2000 + i, n, rng) for i, n in enumerate(counts)]
    ref = PooledTransfers.pool(models, config_pseudo=2.0, symmetric=True).probabilities(CONFIG)
    assert np.allclose(plain, ref)
    assert plain[0, 0] > 0.8  # the data-rich election dominates the plain pool
    sat = _pool(counts, 5.0).probabilities(CONFIG)
    assert np.allclose(sat.sum(axis=1), 1.0)
    assert sat[0, 0] < 0.4 and abs(sat[0, 0] - sat[0, 1]) < 0.05  # 300 and 30 runoffs: ~ equal
    assert sat[0, 3] < sat[0, 1]  # an election that never saw it still counts less


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    spread=st.floats(1.0, 3.0),
    rows=st.integers(1, 6),
    cols=st.integers(2, 5),
)
def test_widening_keeps_rates_and_stretches_the_deviation(
    seed: int, spread: float, rows: int, cols: int
) -> None:
    rng = np.random.default_rng(seed)
    mean = rng.dirichlet(np.ones(cols), size=rows)
    t = rng.dirichlet(np.ones(cols), size=rows)
    out = widen(mean, t, spread)
    assert np.allclose(out.sum(axis=-1), 1.0)
    assert (out >= -1e-12).all()
    d, d_out = t - mean, out - mean
    factor = np.linalg.norm(d_out, axis=-1) / np.maximum(np.linalg.norm(d, axis=-1), 1e-300)
    moved = np.linalg.norm(d, axis=-1) > 1e-12
    assert (factor[moved] >= 1.0 - 1e-9).all() and (factor[moved] <= spread + 1e-9).all()
    assert np.allclose(d_out[moved], d[moved] * factor[moved, None])  # same direction
    assert np.allclose(widen(mean, t, 1.0), t)


def test_a_wider_pool_spreads_its_replicates() -> None:
    pool = _pool([40, 40, 40], 0.0)
    wide = RandomEffectsPool(
        **{
            **{
                k: getattr(pool, k)
                for k in ("models", "weights", "n_reps", "masses", "config_pseudo", "symmetric")
            },
            "spread": 1.5,
        }
    )
    sd = np.std([pool.matrix(CONFIG, m) for m in range(pool.n_replicates)], axis=0)
    sd_wide = np.std([wide.matrix(CONFIG, m) for m in range(wide.n_replicates)], axis=0)
    assert (sd_wide >= sd - 1e-12).all() and sd_wide.sum() > 1.2 * sd.sum()
    assert len(ORIGINS) == NO
