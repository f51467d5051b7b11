"""Transfer estimation recovers known matrices from synthetic elections generated with them."""

from __future__ import annotations

import numpy as np

from hemicycle.data.blocs import BLOCS
from hemicycle.sim import transfers as T
from hemicycle.sim.features import ORIGINS, Runoffs

NO = len(ORIGINS)


def _runoffs(configs: list[tuple[str, ...]]) -> Runoffs:
    J = max(len(c) for c in configs)
    R = len(configs)
    bloc = np.full((R, J), -1, np.int64)
    cols = np.full((R, J), -1, np.int64)
    within = np.zeros((R, J))
    for r, cfg in enumerate(configs):
        for j, b in enumerate(cfg):
            bloc[r, j] = BLOCS.index(b)
            cols[r, j] = j
            within[r, j] = 1.0
    return Runoffs(rows=np.arange(R), cols=cols, bloc=bloc, within=within, r1_votes=np.ones((R, J)))


def test_project_simplex_rows_are_distributions():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(50, 5)) * 3
    p = T.project_simplex(v)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    q = rng.dirichlet(np.ones(5), size=10)
    np.testing.assert_allclose(T.project_simplex(q), q, atol=1e-12)  # already on the simplex


def test_constrained_regression_recovers_a_known_matrix():
    rng = np.random.default_rng(1)
    truth = rng.dirichlet(np.full(3, 0.7), size=NO)  # origins × (2 candidates + abstain)
    x = rng.dirichlet(np.full(NO, 2.0), size=400)
    y = x @ truth + rng.normal(0, 0.002, size=(400, 3))
    prior = np.full((NO, 3), 1 / 3)
    est = T.fit_regression(x, y, prior, n0=0.1)
    np.testing.assert_allclose(est.sum(axis=1), 1.0, atol=1e-9)
    assert est.min() >= 0
    assert np.abs(est - truth).max() < 0.05


def test_luce_model_recovers_known_choice_probabilities():
    rng = np.random.default_rng(2)
    theta = rng.normal(0, 1.0, size=(NO, len(BLOCS)))
    theta[np.arange(len(BLOCS)), np.arange(len(BLOCS))] += 2.5  # loyal voters
    pool = [
        ("left", "far_right"),
        ("centre", "far_right"),
        ("left", "centre"),
        ("centre", "right"),
        ("right", "far_right"),
        ("left", "right"),
        ("left", "centre", "far_right"),
        ("far_left", "left"),
        ("right", "regionalist"),
        ("left", "other"),
        ("regionalist", "other"),
    ]
    configs = [pool[i] for i in rng.integers(0, len(pool), 900)]
    run = _runoffs(configs)
    x = rng.dirichlet(np.full(NO, 1.5), size=len(configs))
    p = T.luce_probabilities(theta, run.bloc, run.within)
    y = np.einsum("ri,rij->rj", x, p)
    phi = T.fit_luce(x, y, run.bloc, run.within, ridge=1e-4, max_nfev=2000)
    p_hat = T.luce_probabilities(T.theta_of(phi), run.bloc, run.within)
    valid = np.concatenate([run.bloc >= 0, np.ones((len(configs), 1), bool)], axis=1)
    err = np.abs(p_hat - p)[np.broadcast_to(valid[:, None, :], p.shape)]
    assert err.max() < 0.03


def test_luce_probabilities_are_distributions_and_handle_same_bloc_pairs():
    theta = np.zeros((NO, len(BLOCS)))
    run = _runoffs([("left", "left"), ("left", "centre", "far_right")])
    p = T.luce_probabilities(theta, run.bloc, run.within)
    np.testing.assert_allclose(p.sum(axis=2), 1.0)
    assert np.all(p[0, :, 2] == 0)  # padding slot of the duel
