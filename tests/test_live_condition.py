"""Conditioning on the declared runoffs: calibrated on elections drawn from the model itself, the
ESS behaves, declared results are fixed in the seat totals, calls stay made; and the draws kept for
the night are the Monte Carlo's own."""

from __future__ import annotations

import numpy as np
import pytest

from hemicycle.errors import OptionError
from hemicycle.live.condition import (
    Calls,
    condition,
    ess,
    log_likelihood,
    normalise,
    simulated_seats,
    systematic_resample,
    temper,
)
from hemicycle.live.draws import simulate
from hemicycle.sim import montecarlo as mc

GROUPS = ("a", "b", "c")


def toy_model(seed: int, S: int, R: int = 60, n_deps: int = 6):
    """A small generative model shaped like the Monte Carlo: shared national and departmental
    swings per group, independent local noise. Returns mu (S+1, R, J) before local noise, the
    local scale, the slot groups and the draws of the local noise; draw 0 is the held-out truth."""
    rng = np.random.default_rng(seed)
    J = 3
    B = len(GROUPS)
    n_slots = rng.choice([2, 2, 2, 3], R)
    group = np.full((R, J), -1)
    for r in range(R):
        group[r, : n_slots[r]] = rng.permutation(B)[: n_slots[r]]
    dep = rng.integers(0, n_deps, R)
    base = rng.normal(0, 0.12, (R, J))
    nat = 0.08 * rng.standard_normal((S + 1, B))
    dsw = 0.05 * rng.standard_normal((S + 1, n_deps, B))
    g = np.maximum(group, 0)
    mu = base[None] + nat[:, g] + dsw[:, dep[:, None], g]
    mu = np.where(group[None] >= 0, mu, -np.inf)
    scale = np.full(R, 0.08)
    eps = rng.standard_normal((S + 1, R, J))
    return mu, scale, group, eps


def winners_of(logv: np.ndarray) -> np.ndarray:
    return np.argmax(logv, axis=-1).astype(np.int8)


def run_toy(seed: int, S: int, n_declared: int):
    mu, scale, group, eps = toy_model(seed, S)
    noisy = mu + scale[None, :, None] * eps
    truth, sims_mu, sims_noisy = noisy[0], mu[1:], noisy[1:]
    R = mu.shape[1]
    rng = np.random.default_rng(seed + 1000)
    dec = np.sort(rng.choice(R, n_declared, replace=False))
    votes = np.where(group >= 0, np.round(50_000 * np.exp(truth)), -1)
    declared_winner = np.full(R, -1)
    declared_winner[dec] = winners_of(truth[dec])
    ll = log_likelihood(sims_mu[:, dec], votes[dec], scale[dec])
    post = condition(
        winners_of(sims_noisy), ll, declared_winner, group, np.zeros(3, np.int64), GROUPS
    )
    return post, winners_of(truth), dec


def toy_prior(seed: int, S: int):
    """The posterior with nothing declared: the projection before the night."""
    return run_toy(seed, S, 0)[0]


def test_conditioned_probabilities_are_calibrated():
    """Over 60 elections drawn from the model (one draw held out as the truth, 8 of its 60
    runoffs declared, 8,000 simulations), the undeclared races given a probability in a bin are
    won by the leader about that often: |observed − mean p| within 3 binomial standard errors
    (about 0.01–0.03 here) plus 0.03 for the importance sampler's own error (its ESS is in the
    tens to hundreds: a posterior mean over ~100 effective draws is off by a few points); and
    conditioning sharpens the forecast (the Brier score falls against the projection before the
    night)."""
    ps, wins, ps0, ps1 = [], [], [], []
    for seed in range(60):
        post, truth, dec = run_toy(seed, 8000, 8)
        prior = toy_prior(seed, 8000)
        und = np.setdiff1d(np.arange(len(truth)), dec)
        lead = post.p_win[und].argmax(axis=1)
        ps.append(post.p_win[und, lead])
        wins.append(truth[und] == lead)
        ps0.append(prior.p_win[und, truth[und]])
        ps1.append(post.p_win[und, truth[und]])
    p, w = np.concatenate(ps), np.concatenate(wins)
    edges = [0.5, 0.6, 0.7, 0.8, 0.9, 0.97, 1.0001]
    checked = 0
    report = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (p >= lo) & (p < hi)
        if sel.sum() < 50:
            continue
        checked += 1
        mean_p, obs = p[sel].mean(), w[sel].mean()
        se = np.sqrt(mean_p * (1 - mean_p) / sel.sum())
        report.append((lo, int(sel.sum()), round(mean_p, 3), round(obs, 3)))
        assert abs(obs - mean_p) <= 3 * se + 0.03, (lo, hi, sel.sum(), mean_p, obs)
    assert checked >= 4
    # Brier on the probability given to the actual winner: conditioned beats unconditioned
    brier_post = np.mean((1 - np.concatenate(ps1)) ** 2)
    brier_prior = np.mean((1 - np.concatenate(ps0)) ** 2)
    assert brier_post < brier_prior


def test_ess_behaves():
    """No declared runoff: every simulation weighs the same (ESS = S); each declared runoff can
    only lower it; an observation noise far below the model's collapses it, which is flagged and
    tempered to the floor."""
    S = 2000
    post0, _, _ = run_toy(3, S, 0)
    assert post0.ess == pytest.approx(S) and not post0.collapsed and post0.alpha == 1.0
    last = S + 1.0
    for n in (5, 15, 30):
        post, _, _ = run_toy(3, S, n)
        assert post.ess_raw <= last
        last = post.ess_raw
    mu, scale, group, eps = toy_model(4, S)
    votes = np.round(50_000 * np.exp(mu[0] + 0.08 * eps[0]))
    ll = log_likelihood(mu[1:, :40], np.where(group[:40] >= 0, votes[:40], -1), scale[:40] / 50)
    dw = np.full(60, -1)
    dw[:40] = winners_of(mu[0, :40] + 0.08 * eps[0, :40])
    post = condition(winners_of(mu[1:] + 0.08 * eps[1:]), ll, dw, group, np.zeros(3, int), GROUPS)
    assert post.ess_raw < 0.01 * S
    assert post.collapsed and 0 < post.alpha < 1
    assert post.ess == pytest.approx(0.01 * S, rel=0.01)


def test_declared_results_are_fixed_in_the_seat_totals():
    post, truth, dec = run_toy(5, 1500, 20)
    mu, scale, group, eps = toy_model(5, 1500)
    sims_w = winners_of(mu[1:] + scale[None, :, None] * eps[1:])
    fixed = np.array([10, 20, 30])
    dw = np.full(60, -1)
    dw[dec] = truth[dec]
    post = condition(sims_w, np.zeros(1500), dw, group, fixed, GROUPS)
    R = np.arange(60)
    for s in (0, 7, 1499):
        who = np.where(dw >= 0, dw, sims_w[s])
        expect = fixed + np.bincount(group[R, who], minlength=3)
        np.testing.assert_array_equal(post.seat_draws[s], expect)
    assert (post.seat_draws.sum(axis=1) == 60 + fixed.sum()).all()
    np.testing.assert_array_equal(post.p_win[dec].argmax(axis=1), truth[dec])
    assert (post.p_win[dec].max(axis=1) == 1).all()
    # every runoff declared: one Assembly, whatever the weights
    post = condition(sims_w, np.arange(1500.0), truth.astype(np.int64), group, fixed, GROUPS)
    assert (post.seat_draws == post.seat_draws[0]).all()
    assert post.seats()["a"]["lo"] == post.seats()["a"]["hi"] == post.seat_draws[0, 0]


def test_log_likelihood_is_the_gaussian_of_log_ratios():
    """Against the explicit density of (y_j − y_0) ~ N(mu_j − mu_0, sigma² (I + 11ᵀ))."""
    rng = np.random.default_rng(0)
    mu = rng.normal(0, 0.3, (5, 1, 3))
    votes = np.array([[1000.0, 1500.0, 700.0]])
    sigma = 0.1
    got = log_likelihood(mu, votes, np.array([sigma]))
    y = np.log(votes[0] + 0.5)
    cov = sigma**2 * (np.eye(2) + 1)
    inv = np.linalg.inv(cov)
    want = []
    for s in range(5):
        d = (y[1:] - y[0]) - (mu[s, 0, 1:] - mu[s, 0, 0])
        want.append(-0.5 * d @ inv @ d)
    np.testing.assert_allclose(got - got[0], np.array(want) - want[0], rtol=1e-10)


def test_bad_shapes_and_options_are_refused():
    with pytest.raises(OptionError, match="shapes"):
        log_likelihood(np.zeros((3, 2, 2)), np.zeros((3, 2)), np.ones(2))
    with pytest.raises(OptionError, match="positive"):
        log_likelihood(np.zeros((3, 2, 2)), np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(OptionError, match="min_ess"):
        condition(
            np.zeros((3, 2), np.int8),
            np.zeros(3),
            np.full(2, -1),
            np.zeros((2, 2), int),
            np.zeros(1, int),
            ("a",),
            min_ess=0,
        )
    with pytest.raises(OptionError, match="threshold"):
        Calls(threshold=0.4)


def test_temper_and_resample():
    ll = np.array([0.0, -1000.0, -1000.0, -1000.0])
    w, alpha = temper(ll, 2.0)
    assert ess(w) == pytest.approx(2.0, rel=1e-3) and alpha < 0.01
    w = normalise(np.log(np.array([0.5, 0.25, 0.25])))
    a = systematic_resample(w, np.random.default_rng(1), 8)
    b = systematic_resample(w, np.random.default_rng(1), 8)
    np.testing.assert_array_equal(a, b)  # same seed, same draws
    assert np.bincount(a, minlength=3).tolist() == [4, 2, 2]


def test_calls_are_made_past_the_threshold_and_stay():
    post, truth, dec = run_toy(8, 2000, 30)
    codes = [f"{r:04d}" for r in range(60)]
    panels = np.arange(60 * 3).reshape(60, 3)
    calls = Calls().update(codes, panels, post, poll=1, at="21:00")
    made = calls.by_code()
    lead = post.p_win.argmax(axis=1)
    for r, code in enumerate(codes):
        sure = post.p_win[r, lead[r]] >= 0.995
        assert (code in made) == bool(sure or post.declared[r])
        if code in made:
            assert made[code].poll == 1 and made[code].panel == panels[r, lead[r]]
    assert calls.status(codes[int(dec[0])], declared=True) == "declared"
    undecided = [c for r, c in enumerate(codes) if c not in made]
    assert undecided and calls.status(undecided[0]) == "too early to call"
    # a later, vaguer posterior takes no call back; a same posterior changes nothing
    prior, _, _ = run_toy(8, 2000, 0)
    later = calls.update(codes, panels, prior, poll=2)
    assert set(made) <= set(later.by_code()) and later.by_code()[codes[int(dec[0])]].poll == 1
    assert calls.update(codes, panels, post, poll=3) is calls


def test_a_call_the_count_contradicts_is_listed():
    post, truth, dec = run_toy(9, 500, 0)
    codes = [f"{r:04d}" for r in range(60)]
    panels = np.arange(60 * 3).reshape(60, 3)
    calls = Calls(threshold=0.51).update(codes, panels, post, poll=1)
    r = next(r for r in range(60) if codes[r] in calls.by_code())
    called = calls.by_code()[codes[r]].panel - 3 * r
    other = next(j for j in range(3) if j != called and post.p_win[r, j] >= 0)
    dw = np.full(60, -1)
    dw[r] = other
    post2 = condition(
        np.zeros((500, 60), np.int8),
        np.zeros(500),
        dw,
        np.zeros((60, 3), int),
        np.zeros(1, int),
        ("a",),
    )
    assert calls.update(codes, panels, post2, poll=2).wrong == (codes[r],)


# ------------------------------------------------------------------------ the Monte Carlo's draws


def mc_inputs(seed: int, R: int = 50, n_deps: int = 5) -> mc.Inputs:
    rng = np.random.default_rng(seed)
    J, M = 3, 3
    n_slots = rng.choice([2, 2, 3], R)
    bloc = np.full((R, J), -1, np.int64)
    for r in range(R):
        bloc[r, : n_slots[r]] = np.sort(rng.choice(7, n_slots[r], replace=False))
    valid = bloc >= 0
    xm = rng.uniform(0, 0.05, (M, R, 7, J)) * valid[None, :, None, :]
    return mc.Inputs(
        xm=xm,
        abst=rng.uniform(0, 0.5, (M, R, 7)),
        xnv=rng.uniform(0, 0.01, (M, R, J)) * valid[None],
        bloc=bloc,
        dep=rng.integers(0, n_deps, R),
        birth=rng.integers(-5000, 5000, (R, J)),
        n_deps=n_deps,
    )


NOISE = mc.Noise(national=0.08, department=0.05, local=0.08, turnout=0.25, mobilisation=(0, 1))


def test_draws_are_the_monte_carlos_own():
    """Same seed → the winners of :func:`hemicycle.sim.montecarlo.run`; the expected log votes
    plus the local noise pick exactly the kernel's winner; same seed → same bytes."""
    inp = mc_inputs(1)
    d = simulate(inp, NOISE, sims=3000, rng=np.random.default_rng(7), chunk=1000)
    acc = mc.run(inp, NOISE, sims=3000, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(d.winners, acc.winners)
    noisy = d.expected(np.arange(50), local=True)
    np.testing.assert_array_equal(noisy.argmax(axis=2), d.winners)
    again = simulate(inp, NOISE, sims=3000, rng=np.random.default_rng(7)).expected(np.arange(5))
    assert again.tobytes() == d.expected(np.arange(5)).tobytes()
    assert np.isneginf(noisy[:, inp.bloc[:, 2] < 0, 2]).all()


def test_held_out_monte_carlo_draw_is_calibrated():
    """The truth is one simulation of the Monte Carlo itself, held out; the others are
    conditioned on 20 of its 50 runoffs; over 30 held-out draws the undeclared races' leaders win
    about as often as their probability says (within 3 standard errors + 0.04)."""
    inp = mc_inputs(2)
    S = 3001
    d = simulate(inp, NOISE, sims=S, rng=np.random.default_rng(3))
    scales = d.scales()
    ps, wins = [], []
    rng = np.random.default_rng(11)
    for t in range(30):
        dec = np.sort(rng.choice(50, 20, replace=False))
        noisy_t = d.expected(dec, local=True)[t]
        votes = np.where(np.isfinite(noisy_t), np.round(80_000 * np.exp(noisy_t)), -1)
        keep = np.arange(S) != t
        ll = log_likelihood(d.expected(dec)[keep], votes, scales[dec])
        dw = np.full(50, -1)
        dw[dec] = d.winners[t, dec]
        post = condition(
            d.winners[keep], ll, dw, np.maximum(inp.bloc, -1), np.zeros(7, int), tuple("abcdefg")
        )
        und = np.setdiff1d(np.arange(50), dec)
        lead = post.p_win[und].argmax(axis=1)
        ps.append(post.p_win[und, lead])
        wins.append(d.winners[t, und] == lead)
    p, w = np.concatenate(ps), np.concatenate(wins)
    for lo, hi in ((0.5, 0.8), (0.8, 0.95), (0.95, 1.0001)):
        sel = (p >= lo) & (p < hi)
        if sel.sum() < 40:
            continue
        mean_p = p[sel].mean()
        se = np.sqrt(mean_p * (1 - mean_p) / sel.sum())
        assert abs(w[sel].mean() - mean_p) <= 3 * se + 0.04, (lo, sel.sum(), mean_p, w[sel].mean())


def test_numba_counting_equals_numpy():
    """The two counting loops' fast path against the plain numpy one, on random draws (duels and
    three-way runoffs, declared or not, with and without the night's seats of every runoff)."""
    rng = np.random.default_rng(5)
    S, R, J, G = 3000, 40, 3, 4
    n_slots = rng.choice([2, 3], R)
    group = np.where(np.arange(J)[None] < n_slots[:, None], rng.integers(0, G, (R, J)), -1)
    winners = (rng.random((S, R)) * n_slots).astype(np.int8)
    ll = rng.normal(0, 2, S)
    for n_dec in (0, 5, 30, 40):
        dw = np.full(R, -1)
        dw[:n_dec] = 0
        a = condition(winners, ll, dw, group, np.zeros(G, int), tuple("abcd"), backend="numpy")
        for sim_seats in (None, simulated_seats(winners, group, G)):
            b = condition(
                winners, ll, dw, group, np.zeros(G, int), tuple("abcd"), sim_seats=sim_seats
            )
            np.testing.assert_array_equal(a.seat_draws, b.seat_draws)
            np.testing.assert_allclose(a.p_win, b.p_win, rtol=1e-12, atol=1e-15)
    with pytest.raises(OptionError, match="unknown backend"):
        simulated_seats(winners, group, G, backend="jax")


def test_fused_log_likelihood_equals_the_numpy_one():
    inp = mc_inputs(6)
    d = simulate(inp, NOISE, sims=500, rng=np.random.default_rng(8))
    rows = np.array([3, 7, 11, 30])
    obs = np.where(inp.bloc[rows] >= 0, np.arange(1, 13).reshape(4, 3) * 1000.0, -1)
    want = log_likelihood(d.expected(rows), obs, d.scales()[rows])
    np.testing.assert_allclose(d.log_likelihood(rows, obs), want, rtol=1e-10, atol=1e-8)
