"""Noise scales (and the choice of estimator) calibrated on the *training* election by
leave-departments-out cross-validation.

The training runoffs are split into ``folds`` groups of whole departments. For each fold the
transfers are refitted on the other departments (no bootstrap) and the held-out runoffs predicted.
With ``e[r, j]`` the log of the observed over the predicted share of expressed votes of candidate
``j``, centred within runoff ``r`` (only relative votes decide a runoff), the noise model of
:mod:`hemicycle.sim.montecarlo` gives, for a runoff of ``n`` candidates of distinct blocs,
``E sum_j e[r, j]^2 = (n - 1)(sigma_dep^2 + sigma_loc^2)`` and, for two runoffs of the same
department and configuration, ``E sum_j e[r, j] e[r', j] = (n - 1) sigma_dep^2``. These two moments
give ``sigma_dep`` and ``sigma_loc`` (which therefore also absorb the out-of-sample error of the
transfer estimates). The national swing and the turnout term cannot be identified from one election
(there is a single national draw); they are documented priors
(:class:`~hemicycle.sim.montecarlo.Noise`).

The same cross-validation chooses between the per-configuration regression (where a configuration
was seen often enough) and the Luce model everywhere: the one with the lower held-out error is used.

Several training elections (:func:`pooled_noise`): the departmental and local scales are the
root-mean-square of the elections' own (weighted as the elections are in the pool); the
between-election variation of the transfers is carried by the pool itself
(:class:`~hemicycle.sim.transfers.PooledTransfers`). The local scale is split in two
(:meth:`Calibration.local_split`): the runoffs of a configuration that is rare in its election
(fewer than ``Priors.rare_below`` runoffs: dissidents, regionalists, three-ways) have residuals two
to four times those of the common duels in every election, so they get their own scale, pooled
with each election weighted by its rare runoffs too. What no fit identifies — a national swing per
bloc, the turnout of round-1 non-voters, the mobilisation of round-1 voters, and how much more a
recent election counts — are the :class:`Priors`, chosen by leave-one-election-out over the
back-test (``hemicycle backtest``; docs/projection.md says how and what was tried).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from hemicycle.sim.montecarlo import Noise
from hemicycle.sim.transfers import (
    N0,
    RIDGE,
    TrainingData,
    TransferModel,
    config_counts,
    config_key,
    fit_training,
)


@dataclass(frozen=True)
class Priors:
    """What the fits cannot identify, chosen by leave-one-election-out over the back-test.

    ``national``: sd of the national swing per bloc (log votes); ``turnout``: sd of the log factor
    on round-1 non-voters who vote in round 2; ``mobilisation``: range of the uniform factor on the
    training elections' between-round abstention of round-1 voters (1 = as learnt, 0 = none);
    ``half_life``: an election ``k`` elections older than the latest training one weighs
    ``2 ** (-k / half_life)`` in the pool (0: every election weighs the same); ``similarity``: a
    training election whose national round-1 bloc shares lie at Euclidean distance ``d`` from the
    target's weighs ``exp(-(d / similarity)^2 / 2)`` more (0: off) — the target's round 1 is known
    before its round 2, so this uses nothing the projection may not see; ``local_scale``
    multiplies the cross-validated local noise; ``config_pseudo`` and ``origin_pseudo``: the
    partial pooling of :class:`~hemicycle.sim.transfers.PooledTransfers` (0: off); ``leader``: a
    log bonus on the expected votes of each runoff's round-1 leader (what transfers miss:
    incumbency, momentum); ``symmetric``: the pool also holds each replicate's reflection about
    its mean (:class:`~hemicycle.sim.transfers.PooledTransfers`); ``balancing``: a log penalty on
    the expected votes of every candidate of the bloc that led round 1 nationally (the wave that
    ebbs between the rounds: 2007's right, 2017's centre, 2024's far right); ``rare_below``: a
    configuration with fewer runoffs than this in its election (training) or in the lineup
    (target) is rare and draws its local noise at the rare scale (0: one scale for all);
    ``saturation``: an election's weight on a configuration grows with its runoffs of it as
    ``m / (1 + m / saturation)`` instead of ``m`` (``m`` = runoffs + ``config_pseudo``; 0: off), the
    random-effects weight of :class:`~hemicycle.sim.pooling.RandomEffectsPool`; ``spread``: every
    replicate of the pool deviates ``spread`` times as far from the pool's mean (1: off);
    ``presidential``: a factor on the learnt pull of each runoff towards the target's last
    presidential round 2 (:mod:`hemicycle.sim.fundamentals`; 0: off, 1: as learnt).
    """

    national: float = 0.02
    turnout: float = 0.25
    mobilisation: tuple[float, float] = (0.0, 1.0)
    half_life: float = 0.0
    similarity: float = 0.0
    local_scale: float = 1.0
    config_pseudo: float = 2.0
    origin_pseudo: float = 0.02
    leader: float = 0.0
    symmetric: bool = True
    balancing: float = 0.04
    rare_below: int = 20
    saturation: float = 0.0
    spread: float = 1.0
    presidential: float = 1.0


def election_weights(
    years: Sequence[int],
    priors: Priors,
    profiles: Sequence[Sequence[float]] = (),
    target: Sequence[float] | np.ndarray | None = None,
) -> list[float]:
    """Weights of the training elections in the pool (:attr:`Priors.half_life`,
    :attr:`Priors.similarity` with the elections' ``profiles`` and the ``target``'s)."""
    n = len(years)
    w = np.ones(n)
    if priors.half_life > 0:
        order = np.argsort(np.argsort(-np.asarray(years)))  # 0 = latest
        w *= 2.0 ** (-order / priors.half_life)
    if (
        priors.similarity > 0
        and target is not None
        and len(profiles) == n
        and all(len(p) for p in profiles)
    ):
        d = np.linalg.norm(np.asarray(profiles, float) - np.asarray(target, float)[None], axis=1)
        w *= np.exp(-0.5 * (d / priors.similarity) ** 2)
        if w.sum() <= 1e-12:  # every election far away: fall back on the nearest
            w = (d == d.min()).astype(float)
    return [float(x) for x in w / w.sum()]


def pooled_noise(cals: Sequence[Calibration], weights: Sequence[float], priors: Priors) -> Noise:
    """Noise of a simulation from several elections' calibrations (see the module doc)."""
    w = np.asarray(weights, float) / float(np.sum(weights))
    dep = float(np.sqrt(sum(wi * c.department**2 for wi, c in zip(w, cals, strict=True))))
    loc = float(np.sqrt(sum(wi * c.local**2 for wi, c in zip(w, cals, strict=True))))
    rare: float | None = None
    if priors.rare_below > 0:
        # common configurations: the elections' own scales, as above; rare ones: weighted by how
        # many rare runoffs each election had as well (one rare runoff says little)
        split = [c.local_split(priors.rare_below) for c in cals]
        loc = float(np.sqrt(sum(wi * lc**2 for wi, (lc, _, _) in zip(w, split, strict=True))))
        wr = np.array([wi * d for wi, (_, _, d) in zip(w, split, strict=True)])
        rare2 = sum(v * lr**2 for v, (_, lr, _) in zip(wr, split, strict=True))
        rare = (float(np.sqrt(rare2 / wr.sum())) if wr.sum() > 0 else loc) * priors.local_scale
    return Noise(
        national=priors.national,
        department=dep,
        local=loc * priors.local_scale,
        local_rare=rare,
        rare_below=priors.rare_below,
        turnout=priors.turnout,
        mobilisation=priors.mobilisation,
        leader=priors.leader,
        balancing=priors.balancing,
    )


@dataclass(frozen=True)
class Calibration:
    department: float
    local: float
    n_runoffs: int
    folds: int
    cv_winner_accuracy: float
    cv_error_regression: float  # mean squared centred log residual, regression where seen
    cv_error_luce: float  # same, Luce model everywhere
    use_regression: bool  # the method with the lower cross-validated error
    bootstrap: float = 0.0  # sd the bootstrap replicates add (subtracted from ``local``)
    #: the election's national round-1 shares by bloc
    #: (:func:`~hemicycle.sim.features.national_profile`)
    profile: tuple[float, ...] = ()
    #: positions (in the training data) of the runoffs left out of the noise moments, of the
    #: choice of estimator and of the transfer fits: a candidate's share off by more than
    #: ``e**OUTLIER`` under either estimator
    left_out: tuple[int, ...] = ()
    #: per runoff kept: (its configuration's number of runoffs in the election, the sum of its
    #: squared centred residuals, its degrees of freedom n - 1), to split the local noise by how
    #: common a configuration is (:meth:`local_split`)
    moments: tuple[tuple[int, float, int], ...] = ()

    def local_split(self, rare_below: int) -> tuple[float, float, int]:
        """(local noise of the runoffs whose configuration had at least ``rare_below`` runoffs in
        the election, local noise of the others, the others' degrees of freedom): each group's
        mean squared residual less the departmental and bootstrap variances, floored as
        :attr:`local` is. Without rare runoffs both are the common scale."""
        m = np.asarray(self.moments, dtype=float).reshape(-1, 3)
        rare = m[:, 0] < rare_below

        def scale(rows: np.ndarray) -> float:
            loc2 = max(float(m[rows, 1].sum() / m[rows, 2].sum()) - self.department**2, 1e-4)
            return float(np.sqrt(max(loc2 - self.bootstrap**2, 0.25 * loc2)))

        common = scale(~rare) if (~rare).any() else self.local
        return common, scale(rare) if rare.any() else common, int(m[rare, 2].sum())

    @property
    def outliers(self) -> int:
        return len(self.left_out)

    def kept(self, n_runoffs: int) -> np.ndarray:
        """Mask of the training runoffs that are not outliers."""
        keep = np.ones(n_runoffs, dtype=bool)
        keep[list(self.left_out)] = False
        return keep


#: Largest centred log residual (observed over predicted share) a runoff may have and still count
#: in the noise moments, the choice of estimator and the transfer fits: a factor e ≈ 2.7.
#: Cross-validated residuals of real runoffs stay within ±0.6 in every election; beyond are
#: candidates who withdrew after the ballots were printed (2024's 4905 and 6908) and the source's
#: data-entry errors (2012's 6709).
OUTLIER = 1.0


def centred_log_residuals(y: np.ndarray, pred: np.ndarray, valid: np.ndarray) -> np.ndarray:
    J = valid.shape[1]
    obs = np.where(valid, np.maximum(y[:, :J], 1e-9), 1.0)
    prd = np.where(valid, np.maximum(pred[:, :J], 1e-9), 1.0)
    e = np.where(
        valid,
        np.log(obs / obs.sum(1, keepdims=True) * valid.sum(1, keepdims=True))
        - np.log(prd / prd.sum(1, keepdims=True) * valid.sum(1, keepdims=True)),
        0.0,
    )
    n = valid.sum(axis=1, keepdims=True)
    return np.where(valid, e - e.sum(axis=1, keepdims=True) / n, 0.0)


def calibrate(
    td: TrainingData,
    *,
    rng: np.random.Generator,
    folds: int = 10,
    min_runoffs: int = 10,
    ridge: float = RIDGE,
    n0: float = N0,
    progress: Callable[[int, int], None] | None = None,
) -> Calibration:
    """Cross-validated noise scales of a training election (``rng`` assigns departments to
    folds)."""
    n_groups = int(td.groups.max()) + 1
    fold_of_group = rng.permutation(n_groups) % folds
    fold = fold_of_group[td.groups]
    pred = np.zeros_like(td.y)
    pred_luce = np.zeros_like(td.y)
    for f in range(folds):
        test = fold == f
        m = fit_training(
            td.subset(~test), 0, n_boot=0, min_runoffs=min_runoffs, ridge=ridge, n0=n0, rng=rng
        )
        part = td.subset(test)
        pred[test] = m.predict(part.x, part.run, 0)
        pred_luce[test] = m.without_regression().predict(part.x, part.run, 0)
        if progress is not None:
            progress(f + 1, folds)
    valid = td.run.cols >= 0
    n = valid.sum(axis=1)
    e_reg = centred_log_residuals(td.y, pred, valid)
    e_luce = centred_log_residuals(td.y, pred_luce, valid)
    # a runoff off by more than a factor e**OUTLIER under either estimator is not noise of the
    # model's kind (a candidate who withdrew after the ballots were printed, a data-entry error of
    # the source): it is left out of the choice of estimator and of the moments, which it would
    # otherwise dominate (2012's 6709 alone multiplied the local variance by 80), and the transfers
    # are fitted without it (:func:`hemicycle.sim.pipeline.fit_election`)
    outlier = (np.abs(e_reg) > OUTLIER).any(axis=1) | (np.abs(e_luce) > OUTLIER).any(axis=1)
    kept = ~outlier
    dof = float((n[kept] - 1).sum())
    err_reg = float((e_reg[kept] ** 2).sum() / dof)
    err_luce = float((e_luce[kept] ** 2).sum() / dof)
    use_regression = err_reg <= err_luce
    if not use_regression:
        pred = pred_luce
    e = e_reg if use_regression else e_luce
    total = float((e[kept] ** 2).sum() / dof)
    keys = [config_key(b) for b in td.run.bloc]
    count = config_counts(td.run.bloc)
    distinct = kept & np.array([len(set(k)) == len(k) for k in keys])
    num, den = 0.0, 0.0
    for g in np.unique(td.groups):
        rows = np.flatnonzero((td.groups == g) & distinct)
        for a in range(len(rows)):
            for b in range(a + 1, len(rows)):
                ra, rb = rows[a], rows[b]
                if keys[ra] != keys[rb]:
                    continue
                num += float((e[ra] * e[rb]).sum())
                den += float(n[ra] - 1)
    dep2 = max(num / den, 0.0) if den else 0.0
    loc2 = max(total - dep2, 1e-4)
    J = valid.shape[1]
    pw = np.where(valid, pred[:, :J], -1).argmax(1)
    ow = np.where(valid, td.y[:, :J], -1).argmax(1)
    return Calibration(
        department=float(np.sqrt(dep2)),
        local=float(np.sqrt(loc2)),
        n_runoffs=len(td.x),
        folds=folds,
        cv_winner_accuracy=float((pw == ow).mean()),
        cv_error_regression=err_reg,
        cv_error_luce=err_luce,
        use_regression=use_regression,
        left_out=tuple(int(i) for i in np.flatnonzero(outlier)),
        moments=tuple(
            (int(count[r]), float((e[r] ** 2).sum()), int(n[r] - 1)) for r in np.flatnonzero(kept)
        ),
    )


def bootstrap_variance(model: TransferModel, td: TrainingData) -> float:
    """Mean variance (per candidate, centred log scale) that the bootstrap replicates add.

    The cross-validated residuals already contain the estimation error of the transfers; the
    simulation draws that error from the bootstrap replicates, so it is subtracted from the local
    noise to avoid counting it twice.
    """
    if model.n_replicates < 2:
        return 0.0
    valid = td.run.cols >= 0
    n = valid.sum(axis=1)
    base = model.predict(td.x, td.run, 0)
    tot = 0.0
    for m in range(1, model.n_replicates):
        e = centred_log_residuals(model.predict(td.x, td.run, m), base, valid)
        tot += float((e**2).sum() / (n - 1).sum())
    return tot / (model.n_replicates - 1)
