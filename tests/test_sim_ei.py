"""The optional Bayesian R×C estimator (``hemicycle[ei]``, PyEI)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from hemicycle.errors import OptionError
from hemicycle.sim import ei


def test_missing_pyei_is_a_named_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyei", None)
    with pytest.raises(OptionError, match=r"hemicycle\[ei\]"):
        ei.require_pyei()


def test_unknown_estimator_is_a_named_error(store_path) -> None:
    from hemicycle.data.store import Store
    from hemicycle.sim import pipeline

    with pytest.raises(OptionError, match="allowed: regression, ei"):
        pipeline.fitted(2017, Store(store_path), estimator="bayes")


@pytest.mark.filterwarnings(
    "ignore::hemicycle.sim.ei.EIConvergenceWarning"
)  # short chains, on purpose
def test_ei_recovers_a_known_transfer_matrix() -> None:
    """Elections generated from a known matrix (three origins → two candidates + abstention)."""
    pytest.importorskip("pyei")
    rng = np.random.default_rng(11)
    T = np.array(
        [
            [0.80, 0.05, 0.15],  # origin A mostly to candidate 1
            [0.10, 0.75, 0.15],  # origin B mostly to candidate 2
            [0.03, 0.02, 0.95],
        ]
    )  # non-voters mostly stay home
    R = 120
    x = rng.dirichlet([4.0, 3.0, 5.0], size=R)
    pops = rng.integers(20_000, 60_000, R)
    y = np.stack([rng.multinomial(n, x[r] @ T) / n for r, n in enumerate(pops)])
    out = ei.fit_config(
        x,
        y,
        pops,
        prior=np.full((3, 3), 1 / 3),
        replicates=4,
        draws=300,
        tune=300,
        chains=2,
        seed=5,
    )
    assert out.shape == (5, 3, 3)
    np.testing.assert_allclose(out.sum(axis=2), 1.0, atol=1e-6)
    assert np.abs(out[0] - T).max() < 0.08
    # posterior draws spread around the mean, and an origin below MIN_MASS keeps the prior
    assert out[1:].std(axis=0).max() > 0
    x2 = np.hstack([x * 0.995, np.full((R, 1), 0.005)])
    prior = np.vstack([np.full((3, 3), 1 / 3), [[0.2, 0.3, 0.5]]])
    out2 = ei.fit_config(
        x2, y, pops, prior=prior, replicates=0, draws=200, tune=200, chains=1, seed=5
    )
    np.testing.assert_allclose(out2[0, 3], [0.2, 0.3, 0.5])
