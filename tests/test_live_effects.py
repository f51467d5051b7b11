"""The election-level effects of the night (:mod:`hemicycle.live.effects`): the Schur-complement
marginal likelihood and posterior means against a dense multivariate normal of the declared
contrasts, the particles' posterior against the truth of an election the model simulated, fresh
simulations before any declaration against the Monte Carlo's own, and the same seed giving the
same bytes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hemicycle.live.draws import Draws, simulate
from hemicycle.live.effects import Effects, Tails, config_columns, fit_tails, simulate_undeclared
from hemicycle.sim import montecarlo as mc


def tiny(R: int = 24, J: int = 3, n_deps: int = 4, M: int = 3, sims: int = 4000) -> Draws:
    """A small synthetic election: R runoffs of 2 or 3 slots over a few blocs and departments."""
    rng = np.random.default_rng(0)
    bloc = np.full((R, J), -1, np.int64)
    for r in range(R):
        n = 2 if r % 3 else 3
        bloc[r, :n] = rng.choice([1, 2, 4], n, replace=False) if n == 3 else [1, 4]
    valid = bloc >= 0
    inp = mc.Inputs(
        xm=rng.uniform(0.01, 0.05, (M, R, 2, J)) * valid[None, :, None, :],
        abst=rng.uniform(0.05, 0.4, (M, R, 2)),
        xnv=rng.uniform(0.001, 0.01, (M, R, J)) * valid[None],
        bloc=bloc,
        dep=(np.arange(R) % n_deps).astype(np.int64),
        birth=np.tile(np.arange(J), (R, 1)),
        n_deps=n_deps,
    )
    noise = mc.Noise(national=0.05, department=0.04, local=0.08, turnout=0.2)
    return simulate(inp, noise, sims=sims, rng=np.random.default_rng(1))


def dense_marginal(eff: Effects, rows, observed, m, f, zt, h):
    """The log density of the declared contrasts (y_j − y_0 of each runoff) as one multivariate
    normal, every swing integrated out by brute force; and the swings' posterior mean."""
    inp, noise = eff.draws.inp, eff.draws.noise
    lam_m, lam_o, s = eff.grid[h]
    G = 8 + eff.n_cfg
    K = G + 8 * inp.n_deps
    a0, a1 = eff.terms
    t = np.exp(noise.turnout * zt)
    sig = inp.local_scales(noise)
    Hs, gs, ys, Ds, noise_var = [], [], [], [], []
    for i, r in enumerate(rows):
        js = np.flatnonzero(observed[i] >= 0)
        H = np.zeros((len(js), K))
        for a, j in enumerate(js):
            b = inp.bloc[r, j]
            H[a, b] = noise.national
            if eff.cfg[r, j] >= 0:
                H[a, 8 + eff.cfg[r, j]] = s
            H[a, G + 8 * inp.dep[r] + b] = noise.department
        Hs.append(H)
        gs.append(np.log(a0[m, r, js] - f * a1[m, r, js] + t * inp.xnv[m, r, js]))
        ys.append(np.log(observed[i, js] + 0.5))
        D = np.hstack([-np.ones((len(js) - 1, 1)), np.eye(len(js) - 1)])
        Ds.append(D)
        lam = lam_o if eff.group[inp.dep[r]] else lam_m
        noise_var.append(np.full(len(js), (lam * sig[r]) ** 2))
    H = np.vstack(Hs)
    g, y = np.concatenate(gs), np.concatenate(ys)
    nv = np.concatenate(noise_var)
    from scipy.linalg import block_diag

    D = block_diag(*Ds)
    cov = D @ (H @ H.T + np.diag(nv)) @ D.T
    logpdf = stats.multivariate_normal(D @ g, cov).logpdf(D @ y)
    # the swings' posterior mean: Gaussian conditioning on the contrasts
    mean = H.T @ D.T @ np.linalg.solve(cov, D @ (y - g))
    return logpdf, mean


def test_marginal_and_means_match_a_dense_multivariate_normal():
    draws = tiny()
    eff = Effects(
        draws,
        np.random.default_rng(2),
        particles=8,
        min_config=3,
        overseas=np.array([False, False, False, True]),  # department 3 has a scale of its own
    )
    assert eff.n_cfg > 0 and len(eff.grid) == 64
    rng = np.random.default_rng(3)
    rows = np.array([0, 1, 2, 3, 5, 6, 9, 13, 17])
    observed = np.where(draws.inp.bloc[rows] >= 0, rng.integers(500, 20000, (len(rows), 3)), -1)
    lin = eff.linear(rows, observed.astype(np.float64))
    m = np.array([0, 1, 2, 0, 1, 2])
    f = np.array([0.1, 0.5, 0.9, 0.3, 0.7, 0.2])
    zt = np.array([0.0, -1.0, 1.5, 0.5, -0.3, 2.0])
    h = np.array([0, 21, 42, 63, 7, 50])
    got, mean_g, mean_d = eff.log_marginal(lin, m, f, zt, h, means=True)
    dense = [dense_marginal(eff, rows, observed, *args) for args in zip(m, f, zt, h, strict=True)]
    want = np.array([d[0] for d in dense])
    # equal up to one constant (the contrasts' Jacobian and 2π), across replicates, mobilisation,
    # turnout and grid points of (λ, s) alike
    np.testing.assert_allclose(got - got[0], want - want[0], atol=1e-8)
    G = 8 + eff.n_cfg
    for p, (_, mean) in enumerate(dense):
        np.testing.assert_allclose(mean_g[p], mean[:G], atol=1e-10)
        zd = mean_d[p] - np.einsum("dag,g->da", lin.F[h[p]], mean_g[p])
        np.testing.assert_allclose(zd.ravel(), mean[G:], atol=1e-10)


def test_config_columns():
    bloc = np.array([[1, 4, -1], [1, 4, -1], [4, 1, -1], [1, 2, 4]])
    cols, n = config_columns(bloc, min_runoffs=2)
    assert n == 2  # (left, far_right) twice; the others once
    assert (cols[0] == cols[1]).all() and (cols[0, :2] >= 0).all() and cols[0, 2] == -1
    assert (cols[2:] == -1).all()


def test_fresh_simulations_before_any_declaration_are_the_monte_carlos():
    """With nothing declared the particles are the prior's, and the fresh simulations' win
    probabilities are the kernel's (λ and s at their grid's, here 1 and 0), within sampling."""
    draws = tiny(sims=20_000)
    eff = Effects(
        draws,
        np.random.default_rng(5),
        particles=4000,
        lambdas=(1.0,),
        overseas_lambdas=(1.0,),
        config_scales=(0.0,),
    )
    R, J = draws.inp.bloc.shape
    win = simulate_undeclared(eff, np.arange(R), sims=20_000, rng=np.random.default_rng(6))
    for j in range(J):
        p_fresh = (win == j).mean(axis=0)
        p_mc = (draws.winners == j).mean(axis=0)
        np.testing.assert_allclose(p_fresh, p_mc, atol=0.03)


def test_the_particles_find_the_simulated_elections_effects():
    """An election the model itself simulated (simulation 0 of the draws, local noise included),
    three quarters of it declared: the truth's mobilisation lies in the particles' 99 % range and
    the undeclared runoffs are won by their most probable candidate more often than before."""
    draws = tiny(R=240, n_deps=12, M=2, sims=4000)
    inp = draws.inp
    R, J = inp.bloc.shape
    logv = draws.expected(np.arange(R), local=True)[0]
    votes = np.where(inp.bloc >= 0, np.round(np.exp(logv) * 60_000), -1)
    truth = draws.winners[0]
    f_true = mc.uniform_py(draws.key, 0, mc.SLOT_MOBILISATION)  # mobilisation U(0, 1)
    decl = np.arange(R) % 4 != 0
    eff = Effects(draws, np.random.default_rng(7), particles=1024)
    eff.update(eff.linear(np.flatnonzero(decl), votes[decl]))
    assert np.quantile(eff.f, 0.005) <= f_true <= np.quantile(eff.f, 0.995)
    und = np.flatnonzero(~decl)
    win = simulate_undeclared(eff, und, sims=4000, rng=np.random.default_rng(8))
    p = np.stack([(win == j).mean(axis=0) for j in range(J)], axis=1)
    before = np.stack([(draws.winners[1:, und] == j).mean(axis=0) for j in range(J)], axis=1)
    brier_after = ((p - (np.arange(J) == truth[und, None])) ** 2).sum(axis=1).mean()
    brier_before = ((before - (np.arange(J) == truth[und, None])) ** 2).sum(axis=1).mean()
    assert brier_after < brier_before


def test_same_seed_same_bytes():
    draws = tiny()
    rows = np.array([0, 1, 2, 4, 7])
    obs = np.where(draws.inp.bloc[rows] >= 0, 1000.0 + np.arange(15).reshape(5, 3), -1)
    for tails in (Tails(), Tails(pi=0.1, core=0.7, wide=2.5)):
        out = []
        for _ in range(2):
            eff = Effects(draws, np.random.default_rng(11), particles=256, tails=tails)
            eff.update(eff.linear(rows, obs))
            w = simulate_undeclared(eff, np.arange(8, 20), sims=3000, rng=np.random.default_rng(12))
            out.append((eff.f.tobytes(), eff.m.tobytes(), w.tobytes(), str(eff.prec)))
        assert out[0] == out[1]


def test_bad_options():
    draws = tiny(sims=100)
    with pytest.raises(ValueError, match="at least 2 particles"):
        Effects(draws, np.random.default_rng(0), particles=1)
    with pytest.raises(ValueError, match="grids"):
        Effects(draws, np.random.default_rng(0), lambdas=(0.0,))
    with pytest.raises(ValueError, match="one flag per department"):
        Effects(draws, np.random.default_rng(0), overseas=np.zeros(3, bool))


def test_fit_tails_recovers_a_contaminated_normal():
    """Sums of squared residuals drawn from a contaminated normal (10 % of runoffs four times as
    variable) give back its mixing probability and scales; a normal gives almost no tail."""
    rng = np.random.default_rng(21)
    n = 4000
    dof = rng.choice([1, 1, 1, 2], n).astype(float)
    wide = rng.random(n) < 0.1
    a = np.where(wide, 4.0**2, 1.0) * 0.5
    u = a * rng.chisquare(dof)
    t = fit_tails(u, dof, np.zeros(0), 0.0)
    assert 0.07 < t.pi < 0.13
    a0 = 0.5 / (0.9 * 0.5 + 0.1 * 8.0)  # relative to the all-runoff scale: mean variance 1
    assert t.core == pytest.approx(np.sqrt(0.5), rel=0.08)
    assert t.wide == pytest.approx(np.sqrt(8.0), rel=0.15)
    assert a0 < 1
    # a normal: the wide component, if any, is rare or close to the core
    un = rng.chisquare(dof)
    tn = fit_tails(un, dof, np.zeros(0), 0.0)
    assert tn.pi < 0.05 or tn.wide / tn.core < 1.5
    # runoffs censored beyond a bound (left out as outliers) raise the tail
    tc = fit_tails(u, dof, np.full(40, 30.0), 0.0)
    assert tc.pi * tc.wide**2 > t.pi * t.wide**2
    with pytest.raises(ValueError, match="at least 20"):
        fit_tails(u[:5], dof[:5], np.zeros(0), 0.0)
    with pytest.raises(ValueError, match="tails need"):
        Tails(pi=0.1, core=2.0, wide=1.0)


def contaminated_truth(draws: Draws, tails: Tails, s: int, rng: np.random.Generator) -> np.ndarray:
    """Votes of an election the model simulated (simulation ``s``'s shared effects) with a
    contaminated-normal local noise: one runoff in ``1 / pi`` gets the wide scale."""
    inp = draws.inp
    R, J = inp.bloc.shape
    mu = draws.expected(np.arange(R))[s]
    scale = np.where(rng.random(R) < tails.pi, tails.wide, tails.core) * draws.scales()
    logv = mu + scale[:, None] * rng.standard_normal((R, J))
    return np.where(inp.bloc >= 0, np.round(np.exp(np.where(inp.bloc >= 0, logv, 0)) * 60_000), -1)


def calls_on_simulated_nights(tails: Tails, model: Tails, nights: int = 6) -> tuple[int, int]:
    """(calls at 0.995, wrong ones) over simulated nights, three quarters declared, the truth
    drawn with ``tails`` and the night conditioned with ``model``."""
    draws = tiny(R=240, n_deps=12, M=2, sims=2000)
    inp = draws.inp
    R, J = inp.bloc.shape
    calls = wrong = 0
    rng = np.random.default_rng(31)
    for s in range(nights):
        votes = contaminated_truth(draws, tails, s, rng)
        truth = np.where(inp.bloc >= 0, votes, -1).argmax(axis=1)
        decl = rng.random(R) < 0.75
        eff = Effects(draws, np.random.default_rng(s), particles=512, tails=model)
        eff.update(eff.linear(np.flatnonzero(decl), votes[decl]))
        und = np.flatnonzero(~decl)
        win = simulate_undeclared(eff, und, sims=4000, rng=np.random.default_rng(100 + s))
        p = np.stack([(win == j).mean(axis=0) for j in range(J)], axis=1)
        called = p.max(axis=1) >= 0.995
        calls += int(called.sum())
        wrong += int((p.argmax(axis=1) != truth[und])[called].sum())
    return calls, wrong


def test_calls_at_0995_are_right_on_simulated_nights_with_heavy_tails():
    """Nights the contaminated model itself simulated (an outlier runoff in eight): conditioned
    with the tails, the calls at 0.995 are right; the normal model at the same overall scale
    calls more and gets some wrong."""
    tails = Tails(pi=0.125, core=0.7, wide=2.5)
    calls, wrong = calls_on_simulated_nights(tails, tails)
    assert calls > 30 and wrong == 0
    mixed = np.sqrt((1 - tails.pi) * tails.core**2 + tails.pi * tails.wide**2)
    calls_n, wrong_n = calls_on_simulated_nights(tails, Tails(0.0, mixed, mixed))
    assert calls_n > calls and wrong_n > 0  # (on these seeded nights: 144 calls, 1 wrong)


def test_an_outlier_declared_runoff_is_recognised_and_weighs_less():
    """A declared runoff far off its expectation (one candidate's votes × 6) is found wide and its
    precision falls to the wide component's; the others keep about the core's."""
    draws = tiny(R=240, n_deps=12, M=2, sims=2000)
    inp = draws.inp
    R = inp.bloc.shape[0]
    tails = Tails(pi=0.1, core=0.7, wide=2.5)
    votes = contaminated_truth(draws, Tails(0.0, 0.7, 0.7), 0, np.random.default_rng(4))
    votes[7, 0] *= 6
    eff = Effects(draws, np.random.default_rng(5), particles=512, tails=tails)
    rows = np.arange(0, R, 2)
    eff.update(eff.linear(rows, votes[rows]))
    assert eff.prec[6] > 1.5 and eff.prec[8] > 1.5
    rho = eff.wide_probability(np.array([7]), votes[[7]])
    assert rho[0] > 0.99
    lin = eff.linear(np.append(rows, 7), votes[np.append(rows, 7)])
    assert eff.prec[7] == pytest.approx(1 / tails.wide**2, rel=0.02)
    assert lin.inv[-1] == pytest.approx(eff.prec[7] / draws.scales()[7] ** 2)


def test_tails_of_reads_the_training_cross_validations_only():
    """``tails_of`` pools the training elections' per-runoff moments (each over its election's
    mean) and counts the runoffs their cross-validation left out as censored: more of those, a
    heavier tail; elections of different scales but the same shape give the same tails."""
    from hemicycle.live.setup import tails_of
    from hemicycle.sim.calibrate import Calibration

    def cal(scale: float, left_out: int, seed: int) -> Calibration:
        r = np.random.default_rng(seed)
        wide = r.random(500) < 0.1
        ss = np.where(wide, 9.0, 1.0) * scale * r.chisquare(1, 500)
        return Calibration(
            department=0.2 * np.sqrt(scale),
            local=np.sqrt(scale),
            n_runoffs=500 + left_out,
            folds=10,
            cv_winner_accuracy=0.9,
            cv_error_regression=scale,
            cv_error_luce=scale,
            use_regression=True,
            left_out=tuple(range(left_out)),
            moments=tuple((100, float(x), 1) for x in ss),
        )

    base = tails_of([cal(0.01, 0, 1), cal(0.01, 0, 2)])
    assert 0.05 < base.pi < 0.2 and base.wide > 2 * base.core
    same_shape = tails_of([cal(0.01, 0, 1), cal(0.04, 0, 2)])  # the second election 2× noisier
    assert same_shape.pi == pytest.approx(base.pi, rel=1e-6)
    heavier = tails_of([cal(0.01, 5, 1), cal(0.01, 5, 2)])
    assert heavier.pi * heavier.wide**2 > base.pi * base.wide**2
    assert tails_of([]) == Tails()
