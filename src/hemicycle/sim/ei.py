"""Bayesian R×C ecological inference with PyEI (optional extra ``hemicycle[ei]``).

The default estimator of the transfer matrices is a constrained regression
(:func:`hemicycle.sim.transfers.fit_regression`). This module offers PyEI's multinomial-Dirichlet
R×C model (Rosen et al. 2001, as modified in PyEI) instead, for every configuration seen in at
least ``min_runoffs`` training runoffs: the constituencies' round-1 shares by bloc (+ non-voters)
are the rows, their round-2 shares by candidate (+ abstention) the columns, the registered voters
the population. The posterior mean is replicate 0 of the estimate and evenly spaced posterior draws
are the other replicates, so that the Monte Carlo carries the posterior uncertainty the way it
carries the bootstrap of the regression. Configurations below ``min_runoffs`` keep the Luce
fallback, and the noise scales stay those cross-validated with the regression (a cross-validation
refitting MCMC in every fold would take hours on a laptop).

Origins holding less than :data:`MIN_MASS` of the registered voters on average in a configuration
are not estimated (their round-2 votes are set aside with the Luce rates, which also fill their
rows): a row that tiny is unidentifiable and makes the sampler crawl.

Sampling is seeded (PyEI passes ``random_seed`` to PyMC's NumPyro sampler), so a fit is repeatable
on one machine; the result is cached on disk like the regression's.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

from hemicycle.errors import OptionError
from hemicycle.sim.transfers import TrainingData, TransferModel, config_key

ESTIMATORS: tuple[str, ...] = ("regression", "ei")
#: Bump when this estimator changes: invalidates the on-disk cache.
EI_VERSION = "2"
MIN_MASS = 0.01
RHAT_WARN = 1.05


class EIConvergenceWarning(UserWarning):
    """PyEI's sampler ended with R-hat above :data:`RHAT_WARN` for the mean transfer rates (phi)."""


def require_pyei() -> None:
    try:
        import pyei  # noqa: F401
    except ImportError:
        raise OptionError(
            "estimator 'ei' needs the optional extra hemicycle[ei] "
            "(pip install 'hemicycle[ei]'); allowed without it: regression"
        ) from None


def fit_config(
    x: np.ndarray,
    y: np.ndarray,
    pops: np.ndarray,
    prior: np.ndarray,
    *,
    replicates: int,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    seed: int = 0,
) -> np.ndarray:
    """Posterior transfer matrices of one configuration: ``(replicates + 1, NO, D)``.

    ``x`` (R, NO) round-1 shares of the registered voters, ``y`` (R, D) round-2 shares (candidates
    then abstention), ``pops`` (R,) registered voters, ``prior`` (NO, D) — or one per replicate,
    (replicates + 1, NO, D) — the rates used for the origins too small to estimate. Replicate 0 is
    the posterior mean.
    """
    require_pyei()
    from pyei.r_by_c import RowByColumnEI

    x = np.asarray(x, float)
    y = np.asarray(y, float)
    priors = np.asarray(prior, float)
    if priors.ndim == 2:
        priors = np.repeat(priors[None], replicates + 1, axis=0)
    prior = priors[0]
    keep = x.mean(axis=0) >= MIN_MASS
    if keep.sum() < 2:
        raise OptionError("EI needs at least two origins with 1% of the voters")
    kept = x[:, keep].sum(axis=1)
    y_adj = np.clip(y - x[:, ~keep] @ prior[~keep], 1e-6, None)
    y_adj /= y_adj.sum(axis=1, keepdims=True)
    xs = x[:, keep] / kept[:, None]
    n = np.maximum(np.rint(np.asarray(pops, float) * kept), 1).astype(np.int64)
    y_adj = _integer_shares(y_adj, n)  # the multinomial likelihood wants whole votes

    logging.getLogger("pymc").setLevel(logging.CRITICAL)  # convergence is reported below, once
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = RowByColumnEI(
            model_name="multinomial-dirichlet-modified", pareto_scale=8, pareto_shape=2
        )
        model.fit(
            xs.T,
            y_adj.T,
            n,
            demographic_group_names=[f"o{i}" for i in range(xs.shape[1])],
            candidate_names=[f"d{j}" for j in range(y_adj.shape[1])],
            draws=draws,
            tune=tune,
            chains=chains,
            random_seed=seed,
            progressbar=False,
        )
    samples = np.asarray(model.sampled_voting_prefs)  # (S, kept origins, D)
    rhat = _max_rhat(model)
    if rhat > RHAT_WARN:
        warnings.warn(
            f"EI sampling has not fully converged (max R-hat {rhat:.3f} > {RHAT_WARN}); "
            "more draws would help",
            EIConvergenceWarning,
            stacklevel=2,
        )
    out = priors.copy()
    out[0][keep] = samples.mean(axis=0)
    if replicates:
        idx = np.linspace(0, len(samples) - 1, replicates).round().astype(int)
        out[1:, keep] = samples[idx]
    return out


def _max_rhat(model: object) -> float:
    try:
        import arviz

        return float(arviz.rhat(model.sim_trace, var_names=["phi"]).to_array().max())  # type: ignore[attr-defined]
    except Exception:  # diagnostics are a courtesy: never fail a fit on them
        return float("nan")


def _integer_shares(frac: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Shares that are whole numbers of votes out of ``n`` (largest remainders), summing to one."""
    raw = frac * n[:, None]
    counts = np.floor(raw).astype(np.int64)
    short = n - counts.sum(axis=1)
    order = np.argsort(-(raw - counts), axis=1, kind="stable")
    for r in np.flatnonzero(short > 0):
        counts[r, order[r, : short[r]]] += 1
    return counts / n[:, None]


def refit(
    model: TransferModel,
    td: TrainingData,
    pops: np.ndarray,
    *,
    seed: int,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
) -> TransferModel:
    """``model`` with the matrices of its well-observed configurations re-estimated by EI."""
    require_pyei()
    keys = [config_key(b) for b in td.run.bloc]
    J = td.run.cols.shape[1]
    regs: dict[tuple[str, ...], np.ndarray] = {}
    for i, cfg in enumerate(
        sorted(c for c, n in model.counts.items() if n >= model.min_runoffs and len(c) >= 2)
    ):
        rows = np.array([k == cfg for k in keys])
        cols = [*range(len(cfg)), J]
        prior = np.stack([model.matrix(cfg, r, method="luce") for r in range(model.n_replicates)])
        regs[cfg] = fit_config(
            td.x[rows],
            td.y[rows][:, cols],
            pops[rows],
            prior,
            replicates=model.n_replicates - 1,
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed * 1000 + i,
        )
    return TransferModel(
        train_year=model.train_year,
        theta=model.theta,
        regression=regs,
        counts=model.counts,
        min_runoffs=model.min_runoffs,
        settings={**model.settings, "ei_draws": draws, "ei_tune": tune, "ei_chains": chains},
        estimator="ei",
    )
