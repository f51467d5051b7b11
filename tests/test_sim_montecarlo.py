"""The fused Monte Carlo kernel equals the plain-Python reference on the same draws, and its
summaries agree with each other (p_win with the simulated shares)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hemicycle import rules
from hemicycle.errors import OptionError
from hemicycle.sim import montecarlo as mc


def random_inputs(
    seed: int, R: int = 9, J: int = 4, M: int = 3, n_deps: int = 4, unknown_birth: bool = False
) -> mc.Inputs:
    rng = np.random.default_rng(seed)
    n_slots = rng.integers(2, J + 1, R)
    bloc = np.full((R, J), -1, np.int64)
    for r in range(R):
        bloc[r, : n_slots[r]] = np.sort(rng.choice(7, n_slots[r], replace=False))
    valid = bloc >= 0
    xm = rng.uniform(0, 0.05, (M, R, 7, J)) * valid[None, :, None, :]
    abst = rng.uniform(0, 0.5, (M, R, 7))
    xnv = rng.uniform(0, 0.01, (M, R, J)) * valid[None]
    birth = rng.integers(-5000, 5000, (R, J))
    if unknown_birth:  # no birth dates, as in every year but 2024: the law's UNKNOWN_BIRTH sentinel
        birth = np.full((R, J), rules.UNKNOWN_BIRTH, np.int64)
    return mc.Inputs(
        xm=xm,
        abst=abst,
        xnv=xnv,
        bloc=bloc,
        dep=rng.integers(0, n_deps, R),
        birth=birth,
        n_deps=n_deps,
    )


NOISE = mc.Noise(national=0.1, department=0.07, local=0.15, turnout=0.3, mobilisation=(0.2, 0.9))


def _same(a: mc.Accumulators, b: mc.Accumulators) -> None:
    assert a.n == b.n
    np.testing.assert_array_equal(a.wins, b.wins)
    np.testing.assert_array_equal(a.winners, b.winners)
    np.testing.assert_array_equal(a.hist, b.hist)
    # shares are quantised to 2**-24: allow one unit per simulation for exp/division rounding
    assert np.abs(a.share_sum - b.share_sum).max() <= a.n


@pytest.mark.parametrize(
    ("seed", "unknown_birth"), [(s, u) for s in range(3) for u in (False, True)]
)
def test_numba_kernel_equals_reference_loop(seed, unknown_birth):
    inp = random_inputs(seed + 10, unknown_birth=unknown_birth)
    key = 2 * seed + 999
    _same(mc.simulate_numba(inp, NOISE, key, 0, 80), mc.simulate_reference(inp, NOISE, key, 0, 80))


def test_numba_kernel_equals_reference_loop_with_rare_configurations():
    """Runoffs of a configuration rare in the lineup draw their local noise at ``local_rare``:
    both backends read the same per-runoff scale."""
    from dataclasses import replace

    inp = random_inputs(21)
    rare = np.zeros(inp.bloc.shape[0], bool)
    rare[::3] = True
    inp = replace(inp, rare=rare)
    noise = replace(NOISE, local_rare=0.4, rare_below=20)
    _same(mc.simulate_numba(inp, noise, 7, 0, 80), mc.simulate_reference(inp, noise, 7, 0, 80))
    # the scale matters: the same draws with the common scale everywhere give other shares
    common = mc.simulate_numba(replace(inp, rare=None), noise, 7, 0, 80)
    assert (common.hist[rare] != mc.simulate_numba(inp, noise, 7, 0, 80).hist[rare]).any()
    assert (common.hist[~rare] == mc.simulate_numba(inp, noise, 7, 0, 80).hist[~rare]).all()


def _mass_above_half(acc: mc.Accumulators) -> np.ndarray:
    """Share of simulations in which a slot's simulated share is above one half (histogram)."""
    half = mc.NBINS // 2
    return acc.hist[:, :, half:].sum(axis=2) / acc.n


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    unknown_birth=st.booleans(),
    backend=st.sampled_from(["numba", "reference"]),
)
def test_p_win_agrees_with_the_simulated_shares_in_duels(seed, unknown_birth, backend):
    """In a duel a candidate wins exactly when its simulated share exceeds one half, so its p_win is
    the share of simulations whose share lies above 0.5 (up to the one histogram bin at 0.5) —
    with or without birth dates (the numpy path once sent every win to slot 0 without them)."""
    inp = random_inputs(seed, R=8, J=2, unknown_birth=unknown_birth)
    bloc = inp.bloc.copy()
    bloc[:, 1] = np.where(bloc[:, 1] < 0, (bloc[:, 0] + 1) % 7, bloc[:, 1])  # every runoff a duel
    inp = mc.Inputs(
        xm=inp.xm + 0.001,
        abst=inp.abst,
        xnv=inp.xnv,
        bloc=bloc,
        dep=inp.dep,
        birth=inp.birth,
        n_deps=inp.n_deps,
    )
    sims = 60 if backend == "reference" else 400
    acc = mc.run(inp, NOISE, sims=sims, rng=np.random.default_rng(seed), backend=backend)
    p = acc.wins / acc.n
    above = _mass_above_half(acc)
    at_half = acc.hist[:, :, mc.NBINS // 2].sum() / acc.n
    assert np.abs(p - above).max() <= at_half + 1e-12
    mean = acc.share_sum / mc.QSCALE / acc.n
    # the larger mean share and the larger p_win agree unless the race is close
    clear = np.abs(mean[:, 0] - mean[:, 1]) > 0.1
    assert ((p[clear, 0] >= 0.5) == (mean[clear, 0] > mean[clear, 1])).all()


def test_runs_do_not_depend_on_chunk_size_or_backend():
    inp = random_inputs(42, R=30)
    runs = [
        mc.run(inp, NOISE, sims=b_sims, rng=np.random.default_rng(5), backend=b, chunk=c)
        for b, c, b_sims in [("numba", 500, 120), ("numba", 37, 120), ("reference", 50, 120)]
    ]
    for other in runs[1:]:
        _same(runs[0], other)


def test_same_seed_same_draws_other_seed_other_draws():
    inp = random_inputs(3, R=20)
    a = mc.run(inp, NOISE, sims=300, rng=np.random.default_rng(1), backend="numba")
    b = mc.run(inp, NOISE, sims=300, rng=np.random.default_rng(1), backend="numba")
    c = mc.run(inp, NOISE, sims=300, rng=np.random.default_rng(2), backend="numba")
    np.testing.assert_array_equal(a.winners, b.winners)
    assert not np.array_equal(a.share_sum, c.share_sum)


def test_one_winner_per_runoff_and_shares_sum_to_one():
    inp = random_inputs(8, R=15)
    acc = mc.run(inp, NOISE, sims=400, rng=np.random.default_rng(0), backend="numba")
    assert (acc.wins.sum(axis=1) == 400).all()
    valid = inp.bloc >= 0
    assert (acc.wins[~valid] == 0).all()
    mean_total = acc.share_sum.sum(axis=1) / mc.QSCALE / 400
    np.testing.assert_allclose(mean_total, 1.0, atol=1e-5)


def test_normal_table_is_standard_normal():
    assert abs(mc.NORMAL.mean()) < 1e-12
    assert abs(mc.NORMAL.std() - 1) < 2e-3


def test_tie_goes_to_the_older_candidate():
    inp = random_inputs(0, R=1, J=2, M=1)
    inp = mc.Inputs(
        xm=np.full((1, 1, 7, 2), 0.01),
        abst=np.zeros((1, 1, 7)),
        xnv=np.zeros((1, 1, 2)),
        bloc=np.array([[1, 1]]),
        dep=np.array([0]),
        birth=np.array([[500, -100]]),
        n_deps=1,
    )
    quiet = mc.Noise(national=0, department=0, local=0, turnout=0)
    for fn in (mc.simulate_reference, mc.simulate_numba):
        acc = fn(inp, quiet, 11, 0, 5)
        assert acc.wins.tolist() == [[0, 5]]


@pytest.mark.parametrize("sims", [0, -3, 2.5])
def test_bad_sims_raise_option_error(sims):
    with pytest.raises(OptionError, match="sims"):
        mc.run(random_inputs(0), NOISE, sims=sims, rng=np.random.default_rng(0))


def test_unknown_backend_raises_option_error():
    with pytest.raises(OptionError, match="allowed"):
        mc.run(random_inputs(0), NOISE, sims=10, rng=np.random.default_rng(0), backend="gpu-magic")


def test_hist_quantiles_match_numpy_on_uniform_draws():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.2, 0.7, 100_000)
    hist = np.bincount(np.minimum((x * mc.NBINS).astype(int), mc.NBINS - 1), minlength=mc.NBINS)
    lo, hi = mc.hist_quantiles(hist[None], (0.05, 0.95))
    assert abs(lo[0] - np.quantile(x, 0.05)) < 1e-3
    assert abs(hi[0] - np.quantile(x, 0.95)) < 1e-3


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), boost=st.floats(1.0, 3.0), slot=st.integers(0, 3))
def test_more_votes_never_lose(seed, boost, slot):
    """On the same draws, raising a candidate's expected votes never costs it a simulated win."""
    inp = random_inputs(seed, R=6)
    xm = inp.xm.copy()
    xm[:, :, :, slot] *= boost
    more = mc.Inputs(
        xm=xm,
        abst=inp.abst,
        xnv=inp.xnv * 1.0,
        bloc=inp.bloc,
        dep=inp.dep,
        birth=inp.birth,
        n_deps=inp.n_deps,
    )
    a = mc.simulate_numba(inp, NOISE, 77, 0, 200)
    b = mc.simulate_numba(more, NOISE, 77, 0, 200)
    won_a = a.winners == slot
    assert not (won_a & ~(b.winners == slot)).any()


@pytest.mark.parametrize("backend", ["reference", "numba"])
@pytest.mark.parametrize(("f", "share0"), [(1.0, 0.25 / 0.70), (0.5, 0.375 / 0.85), (0.0, 0.5)])
def test_mobilisation_multiplies_the_abstention(backend, f, share0):
    """``f`` turns an origin's abstention ``a`` into ``f a``, its other rates scaled by
    ``(1 − f a) / (1 − a)``: half the voters of origin 0 abstain, 10 % of origin 1's, each origin
    half of the registered voters and loyal to one candidate."""
    xm = np.array([[0.25, 0.0], [0.0, 0.45]])[None, None]  # (M, R, NV, J): x_i T_ij
    inp = mc.Inputs(
        xm=xm,
        abst=np.array([0.5, 0.1])[None, None],
        xnv=np.zeros((1, 1, 2)),
        bloc=np.array([[1, 4]]),
        dep=np.zeros(1, np.int64),
        birth=np.array([[1, 2]]),
        n_deps=1,
    )
    noise = mc.Noise(national=0, department=0, local=0, turnout=0, mobilisation=(f, f))
    acc = mc.run(inp, noise, sims=10, rng=np.random.default_rng(0), backend=backend)
    np.testing.assert_allclose(acc.share_sum[0, 0] / mc.QSCALE / 10, share0, atol=1e-6)
