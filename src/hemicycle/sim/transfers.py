"""Vote transfers between the two rounds, by ecological inference at constituency level.

Notation. For a runoff ``r`` the origins ``x[r, i]`` are the round-1 shares of the registered
voters by bloc, plus non-voters (:data:`~hemicycle.sim.features.ORIGINS`, rows sum to 1). The
destinations are the candidates standing in round 2 (slots, ordered by bloc then round-1 votes) plus
``abstain`` (no valid vote). A transfer matrix ``T`` (origins × destinations, rows on the simplex)
predicts the round-2 shares of the registered voters ``y[r] ≈ x[r] @ T``.

Two estimators, both fitted on the *training* election only:

* **Luce choice model** (:func:`fit_luce`), fitted jointly on every runoff: each origin ``i`` has
  an attraction ``w[i, b] = exp(theta[i, b])`` towards each bloc ``b`` and 1 towards abstaining;
  a voter of origin ``i`` facing the set ``S`` chooses candidate ``j`` with probability
  ``w[i, b_j] s_j / (1 + sum_{k in S} w[i, b_k] s_k)``, where ``s_j`` splits a bloc's attraction
  between two candidates of the same bloc in proportion to their round-1 votes (``s_j = 1`` for a
  bloc's only candidate). Attractions learnt from duels therefore extend to any configuration,
  three- and four-way runoffs included: it is the fallback for configurations not seen (often
  enough) in training. ``theta`` is structured (:func:`design`): a propensity to vote per origin,
  a loyalty per bloc, a common cost of left-right distance, a common "cordon" cost of voting far
  right, plus free ridge-penalised deviations, so that attractions the training election cannot
  identify fall back on the structure. Fitted by non-linear least squares
  (``scipy.optimize.least_squares``, Levenberg-Marquardt, analytic Jacobian).
* **Constrained regression per configuration** (:func:`fit_regression`): for every configuration
  seen in at least ``min_runoffs`` training runoffs, ``T`` minimises
  ``sum_r ||x[r] T - y[r]||^2 + n0 * sum_i mean_r(x[r, i]^2) * ||T_i - L_i||^2`` with every row
  non-negative and summing to one, where ``L`` is the Luce matrix of that configuration: a prior
  worth ``n0`` runoffs (:data:`N0`, chosen by leave-one-election-out over the back-test: the
  structured Luce matrix carries from one election to the next better than a configuration's own
  free rates, so the regression only corrects it where the data are overwhelming).
  Solved exactly by accelerated projected gradient (projection on the simplex per row).

Uncertainty: the whole fit is repeated on ``n_boot`` cluster-bootstrap resamples of the training
election's departments (departments drawn with replacement), which keeps the spatial correlation of
errors. Replicate 0 is the fit on all the data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from hemicycle.data.blocs import BLOCS
from hemicycle.election import Election
from hemicycle.errors import HemicycleError
from hemicycle.sim.features import ABSTAIN, ORIGINS, Origins, Runoffs, origins, runoffs

NB = len(BLOCS)
#: Columns of :meth:`TransferModel.to_frame` and :meth:`PooledTransfers.to_frame` (and of
#: ``hemicycle transfers --output``).
FRAME_COLUMNS = [
    "train",
    "config",
    "method",
    "n_runoffs",
    "origin",
    "destination",
    "estimate",
    "sd",
    "lo",
    "hi",
]
NO = len(ORIGINS)


# --------------------------------------------------------------------------- training data


@dataclass(frozen=True, eq=False)
class TrainingData:
    """Origins, lineups and observed round-2 shares (of registered voters) of a training
    election."""

    x: np.ndarray  # (R, NO)
    y: np.ndarray  # (R, J+1): slots then abstain
    run: Runoffs
    groups: np.ndarray  # (R,) department index

    def subset(self, keep: np.ndarray) -> TrainingData:
        return TrainingData(
            x=self.x[keep], y=self.y[keep], run=self.run.subset(keep), groups=self.groups[keep]
        )


def training_data(election: Election) -> TrainingData:
    """Round 1 → round 2 of an election whose round 2 is known (contested runoffs only)."""
    if election.round2 is None:
        raise HemicycleError(
            f"{election.year} has no round 2 in the store: it cannot train transfers"
        )
    r2 = election.round2
    standing = r2.valid & r2.held[:, None]
    run = runoffs(election, standing)
    keep = run.n_slots >= 2
    o: Origins = origins(election)
    J = run.cols.shape[1]
    R = len(run.rows)
    y = np.zeros((R, J + 1))
    for j in range(J):
        k = run.cols[:, j]
        ok = k >= 0
        y[ok, j] = r2.votes[run.rows[ok], k[ok]]
    reg = np.maximum(r2.registered[run.rows], y.sum(axis=1)).astype(np.float64)
    y[:, :J] /= reg[:, None]
    y[:, J] = 1.0 - y[:, :J].sum(axis=1)
    _, groups = np.unique(election.departments[run.rows], return_inverse=True)
    td = TrainingData(x=o.x[run.rows], y=y, run=run, groups=groups.astype(np.int64))
    return td.subset(keep)


# --------------------------------------------------------------------------- Luce model


def luce_probabilities(theta: np.ndarray, bloc: np.ndarray, within: np.ndarray) -> np.ndarray:
    """P[r, i, j] for slots j, with the abstain probability as last column: (R, NO, J+1)."""
    mask = bloc >= 0
    a = np.exp(theta[:, np.where(mask, bloc, 0)])  # (NO, R, J)
    a = np.where(mask[None], a * within[None], 0.0).transpose(1, 0, 2)  # (R, NO, J)
    d = 1.0 + a.sum(axis=2, keepdims=True)
    return np.concatenate([a / d, 1.0 / d], axis=2)


#: Left-right positions of the ideological blocs (regionalist and other have none).
POSITIONS = {"far_left": 0.0, "left": 1.0, "centre": 2.0, "right": 3.0, "far_right": 4.0}


def design() -> np.ndarray:
    """Linear map ``A`` from the structured parameters ``phi`` to ``theta = (A @ phi)``.

    ``theta[i, b] = u_i + loyal_i [i == b] - beta * |pos_i - pos_b| - gamma [b == far_right != i]
    + delta[i, b]``: an origin's general propensity to vote ``u_i``, its loyalty to its own bloc,
    a common cost of ideological distance, a common "cordon" cost of voting far right for those
    who did not in round 1, and free deviations ``delta`` (ridge-penalised, so that attractions the
    training election cannot identify fall back on the structure rather than on an arbitrary value).
    """
    cols = []
    for i in range(NO):  # u_i
        a = np.zeros((NO, NB))
        a[i, :] = 1.0
        cols.append(a)
    for i in range(NB):  # loyalty
        a = np.zeros((NO, NB))
        a[i, i] = 1.0
        cols.append(a)
    a = np.zeros((NO, NB))  # distance
    for i, o in enumerate(ORIGINS):
        for b, d in enumerate(BLOCS):
            if o in POSITIONS and d in POSITIONS:
                a[i, b] = -abs(POSITIONS[o] - POSITIONS[d])
    cols.append(a)
    a = np.zeros((NO, NB))  # cordon
    fr = BLOCS.index("far_right")
    a[:, fr] = -1.0
    a[fr, fr] = 0.0
    cols.append(a)
    A = np.stack([c.ravel() for c in cols], axis=1)
    return np.hstack([A, np.eye(NO * NB)])


_A = design()
N_STRUCT = _A.shape[1] - NO * NB


def _luce_residuals(phi, x, y, bloc, within, sw, ridge):
    theta = (_A @ phi).reshape(NO, NB)
    p = luce_probabilities(theta, bloc, within)
    pred = np.einsum("ri,rij->rj", x, p)
    res = (pred - y) * sw[:, None]
    pen = np.concatenate([1e-2 * phi[:N_STRUCT], ridge * phi[N_STRUCT:]])
    return np.concatenate([res.ravel(), pen])


def _luce_jacobian(phi, x, y, bloc, within, sw, ridge):
    theta = (_A @ phi).reshape(NO, NB)
    p = luce_probabilities(theta, bloc, within)  # (R, NO, J+1)
    R, _, J1 = p.shape
    J = J1 - 1
    onehot = np.zeros((R, J, NB))
    mask = bloc >= 0
    rr, jj = np.nonzero(mask)
    onehot[rr, jj, bloc[rr, jj]] = 1.0
    ps = p[:, :, :J]
    q = np.einsum("rij,rjb->rib", ps, onehot)  # (R, NO, NB): prob of choosing bloc b
    # dP[r,i,j]/dtheta[i,b] = P_ij (1[b_j=b] - Q_ib);  abstain: dP0/dtheta[i,b] = -P0 Q_ib
    dslots = ps[:, :, :, None] * (onehot[:, None, :, :] - q[:, :, None, :])  # (R, NO, J, NB)
    dabs = -p[:, :, J][:, :, None] * q  # (R, NO, NB)
    d = np.concatenate([dslots, dabs[:, :, None, :]], axis=2)  # (R, NO, J+1, NB)
    jac = (x[:, :, None, None] * d).transpose(0, 2, 1, 3)
    jac = jac.reshape(R * J1, NO * NB) * np.repeat(sw, J1)[:, None]
    pen = np.diag(np.concatenate([np.full(N_STRUCT, 1e-2), np.full(NO * NB, ridge)]))
    return np.vstack([jac @ _A, pen])


#: Penalty on the Luce model's free deviations from its structure (``delta`` in :func:`design`).
#: Searched by leave-one-election-out (docs/projection.md §3.1, ``benchmarks/tune_fits.py``): mean
#: Brier 0.1034, 0.0902, 0.0889, 0.0885, 0.0889, 0.0900 for 0.005, 0.01, 0.02, 0.03, 0.05, 0.1; 0.03
#: costs 2.4 points of 2017's winners for 0.0004 and its nested check is worse, so 0.02 stays.
RIDGE = 0.02


def fit_luce(
    x: np.ndarray,
    y: np.ndarray,
    bloc: np.ndarray,
    within: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    ridge: float = RIDGE,
    phi0: np.ndarray | None = None,
    max_nfev: int = 100,
) -> np.ndarray:
    """Parameters ``phi`` of the structured Luce model (``theta = design() @ phi``)."""
    w = np.ones(len(x)) if weights is None else np.asarray(weights, float)
    sw = np.sqrt(w)
    t0 = np.zeros(_A.shape[1]) if phi0 is None else np.asarray(phi0, float)
    sol = least_squares(
        _luce_residuals,
        t0,
        jac=_luce_jacobian,
        method="lm",
        args=(x, y, bloc, within, sw, ridge),
        ftol=1e-7,
        xtol=1e-7,
        max_nfev=max_nfev,
    )
    return sol.x


def theta_of(phi: np.ndarray) -> np.ndarray:
    return (_A @ phi).reshape(NO, NB)


# --------------------------------------------------------------------------- constrained regression


def project_simplex(v: np.ndarray) -> np.ndarray:
    """Euclidean projection of every row of ``v`` on the probability simplex."""
    n = v.shape[-1]
    u = -np.sort(-v, axis=-1)
    css = np.cumsum(u, axis=-1) - 1.0
    idx = np.arange(1, n + 1)
    cond = u - css / idx > 0
    rho = n - 1 - np.argmax(cond[..., ::-1], axis=-1)
    tau = np.take_along_axis(css, rho[..., None], axis=-1) / (rho[..., None] + 1.0)
    return np.maximum(v - tau, 0.0)


#: Weight of the Luce prior in the per-configuration regression, in runoffs. Chosen by
#: leave-one-election-out (docs/projection.md §3.1): mean Brier 0.0950, 0.0935, 0.0930, 0.0924,
#: 0.0917, 0.0914 for 1, 5, 20, 50, 200, 1000 (10**6: 0.0912, a tie).
N0 = 1000.0


def fit_regression(
    x: np.ndarray,
    y: np.ndarray,
    prior: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    n0: float = N0,
    iters: int = 2000,
    tol: float = 1e-9,
) -> np.ndarray:
    """Rows-on-the-simplex least squares of ``y ≈ x @ T`` shrunk towards ``prior`` (see module
    doc)."""
    w = np.ones(len(x)) if weights is None else np.asarray(weights, float)
    xw = x * w[:, None]
    A = x.T @ xw  # (NO, NO)
    B = xw.T @ y  # (NO, D)
    lam = n0 * (x**2 * w[:, None]).sum(axis=0) / max(w.sum(), 1e-12)
    H = A + np.diag(lam)
    L = 2.0 * float(np.linalg.eigvalsh(H).max()) + 1e-12
    T = prior.copy()
    Z = T.copy()
    t = 1.0
    for _ in range(iters):
        grad = 2.0 * (H @ Z - B - lam[:, None] * prior)
        Tn = project_simplex(Z - grad / L)
        tn = (1.0 + np.sqrt(1.0 + 4.0 * t * t)) / 2.0
        Z = Tn + ((t - 1.0) / tn) * (Tn - T)
        if np.abs(Tn - T).max() < tol:
            T = Tn
            break
        T, t = Tn, tn
    return T


# --------------------------------------------------------------------------- the fitted model


def config_key(bloc_row: np.ndarray) -> tuple[str, ...]:
    return tuple(BLOCS[b] for b in bloc_row if b >= 0)


def config_counts(bloc: np.ndarray) -> np.ndarray:
    """(R,) int64: for each runoff of ``bloc`` (R, J), how many of them have its configuration."""
    keys = [config_key(b) for b in bloc]
    count = Counter(keys)
    return np.array([count[k] for k in keys], dtype=np.int64)


@dataclass(frozen=True, eq=False, repr=False)
class TransferModel:
    """Fitted transfers of a training election, with bootstrap replicates (index 0 = all data).

    ``theta[r]`` holds the Luce attractions of replicate ``r``; ``regression[config][r]`` the
    constrained-regression matrix (origins × (slots + abstain)) of a configuration seen in at
    least ``min_runoffs`` training runoffs; ``counts`` how many training runoffs each configuration
    had.
    """

    train_year: int
    theta: np.ndarray  # (B+1, NO, NB)
    regression: dict[tuple[str, ...], np.ndarray]  # config -> (B+1, NO, D)
    counts: dict[tuple[str, ...], int]
    min_runoffs: int
    settings: dict[str, float] = field(default_factory=dict)
    #: What produced ``regression``: ``"regression"`` (constrained least squares, the default) or
    #: ``"ei"`` (Bayesian R×C ecological inference, :mod:`hemicycle.sim.ei`).
    estimator: str = "regression"

    def __repr__(self) -> str:
        return (
            f"TransferModel(train_year={self.train_year}, replicates={self.n_replicates}, "
            f"regression={['+'.join(c) for c in self.regression]}, min_runoffs={self.min_runoffs})"
        )

    @property
    def n_replicates(self) -> int:
        return int(self.theta.shape[0])

    def without_regression(self) -> TransferModel:
        """The same fit using the Luce model for every configuration."""
        return TransferModel(
            train_year=self.train_year,
            theta=self.theta,
            regression={},
            counts=self.counts,
            min_runoffs=self.min_runoffs,
            settings={**self.settings, "regression": 0.0},
            estimator=self.estimator,
        )

    def method(self, config: tuple[str, ...]) -> str:
        return self.estimator if config in self.regression else "luce"

    def matrices(self, run: Runoffs, replicate: int) -> np.ndarray:
        """(R, NO, J+1) transfer matrix of every runoff of ``run`` for one replicate."""
        p = luce_probabilities(self.theta[replicate], run.bloc, run.within)
        J = run.cols.shape[1]
        for r in range(len(run.rows)):
            key = config_key(run.bloc[r])
            reg = self.regression.get(key)
            if reg is not None:
                m = reg[replicate]
                n = m.shape[1] - 1
                p[r] = 0.0
                p[r, :, :n] = m[:, :n]
                p[r, :, J] = m[:, n]
        return p

    def predict(self, x: np.ndarray, run: Runoffs, replicate: int = 0) -> np.ndarray:
        """Expected round-2 shares of the registered voters (R, J+1), last column abstain."""
        return np.einsum("ri,rij->rj", x, self.matrices(run, replicate))

    def matrix(
        self, config: Sequence[str], replicate: int = 0, *, method: str | None = None
    ) -> np.ndarray:
        """(NO, len(config)+1) matrix of one configuration (two candidates of one bloc: equal
        split)."""
        cfg = tuple(config)
        bl = np.array([[BLOCS.index(b) for b in cfg]])
        within = np.ones_like(bl, dtype=float)
        for j, b in enumerate(cfg):
            within[0, j] = 1.0 / cfg.count(b)
        m = method or self.method(cfg)
        if m in ("regression", "ei"):
            if cfg not in self.regression:
                raise HemicycleError(
                    f"configuration {cfg} has no regression estimate in {self.train_year}"
                )
            return self.regression[cfg][replicate]
        return luce_probabilities(self.theta[replicate], bl, within)[0]

    def to_frame(self, configs: Iterable[Sequence[str]] | None = None) -> pd.DataFrame:
        """Tidy table: configuration, method, origin, destination, estimate and bootstrap spread.

        Columns ``train,config,method,n_runoffs,origin,destination,estimate,sd,lo,hi`` (lo/hi are
        the 5% and 95% bootstrap quantiles). Default configurations: every one seen in training,
        with the regression estimate where it exists and the Luce estimate always.
        """
        cfgs = (
            [tuple(c) for c in configs]
            if configs is not None
            else sorted(self.counts, key=lambda c: (-self.counts[c], c))
        )
        rows = []
        for cfg in cfgs:
            if len(cfg) < 2:
                continue
            methods = ([self.estimator] if cfg in self.regression else []) + ["luce"]
            for m in methods:
                reps = np.stack([self.matrix(cfg, r, method=m) for r in range(self.n_replicates)])
                est = reps[0]
                boot = reps[1:] if len(reps) > 1 else reps
                sd = boot.std(axis=0)
                lo, hi = np.quantile(boot, [0.05, 0.95], axis=0)
                dest = list(_dest_labels(cfg)) + [ABSTAIN]
                for i, o in enumerate(ORIGINS):
                    for j, d in enumerate(dest):
                        rows.append(
                            (
                                self.train_year,
                                "+".join(cfg),
                                m,
                                self.counts.get(cfg, 0),
                                o,
                                d,
                                est[i, j],
                                sd[i, j],
                                lo[i, j],
                                hi[i, j],
                            )
                        )
        return pd.DataFrame(
            rows,
            columns=FRAME_COLUMNS,
        )

    def render(
        self, configs: Iterable[Sequence[str]] | None = None, *, max_configs: int = 8
    ) -> str:
        """Plain-text tables (percent, ± bootstrap sd) of the main configurations."""
        df = self.to_frame(configs)
        spread = (
            "posterior sd for ei, bootstrap sd for luce"
            if self.estimator == "ei"
            else "bootstrap sd"
        )
        out = [f"Transfers learnt from {self.train_year} (round 1 → round 2), percent ± {spread}"]
        for (cfg, m), g in list(df.groupby(["config", "method"], sort=False))[: 2 * max_configs]:
            dest = list(dict.fromkeys(g["destination"]))
            out.append("")
            out.append(f"{cfg}  [{m}, {int(g['n_runoffs'].iloc[0])} training runoffs]")
            out.append(f"{'from':<12}" + "".join(f"{d:>16}" for d in dest))
            for o in ORIGINS:
                gg = g[g["origin"] == o].set_index("destination")
                est = gg["estimate"].to_dict()
                sd = gg["sd"].to_dict()
                cells = "".join(
                    f"{100 * float(est[d]):>9.1f} ±{100 * float(sd[d]):>4.1f}" for d in dest
                )
                out.append(f"{o:<12}" + cells)
        return "\n".join(out)


def _dest_labels(cfg: Sequence[str]) -> list[str]:
    out = []
    for j, b in enumerate(cfg):
        n = cfg.count(b)
        out.append(b if n == 1 else f"{b}#{cfg[:j].count(b) + 1}")
    return out


def _fit_once(
    td: TrainingData,
    weights: np.ndarray,
    keys: list[tuple[str, ...]],
    min_runoffs: int,
    ridge: float,
    n0: float,
    theta0: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, dict]:
    phi = fit_luce(td.x, td.y, td.run.bloc, td.run.within, weights, ridge=ridge, phi0=theta0)
    theta = theta_of(phi)
    regs: dict[tuple[str, ...], np.ndarray] = {}
    p = luce_probabilities(theta, td.run.bloc, td.run.within)
    J = td.run.cols.shape[1]
    karr = np.array(["+".join(k) for k in keys], dtype=object)
    for cfg in sorted(set(keys)):
        rows = np.flatnonzero(karr == "+".join(cfg))
        if len(rows) < min_runoffs:
            continue
        n = len(cfg)
        cols = [*range(n), J]
        prior = p[rows].mean(axis=0)[:, cols]
        prior /= prior.sum(axis=1, keepdims=True)
        regs[cfg] = fit_regression(td.x[rows], td.y[rows][:, cols], prior, weights[rows], n0=n0)
    return phi, theta, regs


def fit(
    election: Election,
    *,
    n_boot: int = 40,
    min_runoffs: int = 10,
    ridge: float = RIDGE,
    n0: float = N0,
    rng: np.random.Generator,
) -> TransferModel:
    """Fit a :class:`TransferModel` on ``election`` (its round 2 must be known)."""
    td = training_data(election)
    return fit_training(
        td, election.year, n_boot=n_boot, min_runoffs=min_runoffs, ridge=ridge, n0=n0, rng=rng
    )


def fit_training(
    td: TrainingData,
    year: int,
    *,
    n_boot: int = 40,
    min_runoffs: int = 10,
    ridge: float = RIDGE,
    n0: float = N0,
    rng: np.random.Generator,
    progress: Callable[[int, int], None] | None = None,
) -> TransferModel:
    keys = [config_key(b) for b in td.run.bloc]
    counts: dict[tuple[str, ...], int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    ones = np.ones(len(td.x))
    phi0, theta0, reg0 = _fit_once(td, ones, keys, min_runoffs, ridge, n0, None)
    thetas = [theta0]
    regs = {k: [v] for k, v in reg0.items()}
    n_groups = int(td.groups.max()) + 1 if len(td.groups) else 0
    for b in range(n_boot):
        if progress is not None:
            progress(b, n_boot)
        draw = rng.integers(0, n_groups, n_groups)
        w = np.bincount(draw, minlength=n_groups)[td.groups].astype(float)
        _, th, rg = _fit_once(td, w, keys, min_runoffs, ridge, n0, phi0)
        thetas.append(th)
        for k in regs:
            # a configuration absent from a resample keeps the full-data estimate
            regs[k].append(rg.get(k, reg0[k]))
    return TransferModel(
        train_year=year,
        theta=np.stack(thetas),
        regression={k: np.stack(v) for k, v in regs.items()},
        counts=counts,
        min_runoffs=min_runoffs,
        settings={"ridge": ridge, "n0": n0, "n_boot": n_boot},
    )


# --------------------------------------------------------------------------- several elections


def _mirror(mean: np.ndarray, t: np.ndarray, sign: int) -> np.ndarray:
    """``mean + sign · λ (t − mean)`` row by row (last axis), with ``λ ≤ 1`` the largest factor that
    keeps the reflection ``mean − λ (t − mean)`` non-negative: a deviation and its mirror image are
    shrunk together, so that both are rates (rows on the simplex) and exactly symmetric."""
    d = t - mean
    room = np.divide(mean, d, out=np.full_like(d, np.inf), where=d > 1e-15).min(axis=-1)
    lam = np.clip(room, 0.0, 1.0)[..., None]
    out: np.ndarray = mean + sign * lam * d
    return out


@dataclass(frozen=True, eq=False, repr=False)
class PooledTransfers:
    """Transfers learnt from several elections, pooled as a random effect of the election.

    Voters do not transfer in one election the way they did in another (2017 → 2022 → 2024 shows
    it), so the transfers of the election being projected are treated as a new draw from the
    distribution of elections, estimated by the training elections' own fits (each with its
    bootstrap replicates, which carry its estimation error). Replicate ``m`` of the pool takes the
    quantile ``u = (m + 1/2) / M`` of the elections' weights — the same ``u`` for every runoff and
    every origin, so one simulated election behaves like one training election wherever the
    weights agree — and that election's bootstrap replicate ``m mod B``.

    Partial pooling: the weights of election ``e`` for origin ``i`` in configuration ``c`` are
    ``weights[e] × (n[e, c] + config_pseudo) × (mass[e, i] + origin_pseudo)`` (a factor is left out
    when its pseudo-count is 0), where ``n[e, c]`` counts the runoffs of configuration ``c`` that
    election ``e`` had and ``mass[e, i]`` is origin ``i``'s national round-1 share in it: an
    election informs a rate in proportion to the data it has on it, as in a hierarchical model,
    and an election that never saw a configuration (whose matrix is the Luce extrapolation) or
    barely had an origin's voters counts for little there. The spread between the elections
    reaches the simulated intervals.

    ``symmetric``: replicate ``m + M`` is the mirror image of replicate ``m`` about the mean ``T̄``
    of the elections' draws, row by row: ``T̄ ± λ (T − T̄)`` with ``λ ≤ 1`` the largest factor that
    keeps the mirror a rate (:func:`_mirror`). The target's election effect is then a deviation
    from the mean that any training election showed, *in either direction*: a symmetric effect
    distribution, as a hierarchical model's normal one is. Without it, a few elections that deviate
    on one side (1997–2002's extrapolated centre voters) give a skewed mixture whose mean and
    median share fall on either side of one half in close duels.
    """

    models: tuple[TransferModel, ...]
    weights: tuple[float, ...]
    n_reps: int
    masses: np.ndarray  # (E, NO): origins' national round-1 shares in each election
    config_pseudo: float = 0.0
    origin_pseudo: float = 0.0
    symmetric: bool = False
    _cache: dict = field(default_factory=dict, compare=False)

    @classmethod
    def pool(
        cls,
        models: Sequence[TransferModel],
        weights: Sequence[float] | None = None,
        *,
        masses: np.ndarray | None = None,
        config_pseudo: float = 0.0,
        origin_pseudo: float = 0.0,
        size: int = 120,
        symmetric: bool = False,
    ) -> PooledTransfers:
        """Pool ``models`` with election ``weights`` (default equal) in ``size`` replicates
        (twice as many with their reflections when ``symmetric``)."""
        if not models:
            raise HemicycleError("pooling transfers needs at least one training election")
        w = np.ones(len(models)) if weights is None else np.asarray(weights, float)
        w = w / w.sum()
        if len(models) == 1:
            size = models[0].n_replicates
        m = np.ones((len(models), NO)) if masses is None else np.asarray(masses, float)
        return cls(
            models=tuple(models),
            weights=tuple(float(x) for x in w),
            n_reps=int(size),
            masses=m,
            config_pseudo=float(config_pseudo),
            origin_pseudo=float(origin_pseudo),
            symmetric=bool(symmetric) and len(models) > 1,
        )

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(m.train_year for m in self.models)

    @property
    def train_year(self) -> int | str:
        """The training election, or the elections joined by ``,``."""
        ys = self.years
        return ys[0] if len(ys) == 1 else ",".join(map(str, ys))

    @property
    def n_replicates(self) -> int:
        return 2 * self.n_reps if self.symmetric else self.n_reps

    def __repr__(self) -> str:
        return f"PooledTransfers(years={self.years}, replicates={self.n_replicates})"

    def probabilities(self, config: Sequence[str]) -> np.ndarray:
        """(NO, E) weight of each election for each origin in ``config``."""
        p = np.tile(np.asarray(self.weights), (NO, 1))
        if self.config_pseudo > 0:
            p = (
                p
                * (
                    np.array([m.counts.get(tuple(config), 0) for m in self.models])
                    + self.config_pseudo
                )[None]
            )
        if self.origin_pseudo > 0:
            p = p * (self.masses.T + self.origin_pseudo)
        return p / p.sum(axis=1, keepdims=True)

    def pick(self, config: Sequence[str], replicate: int) -> np.ndarray:
        """(NO,) the election each origin's row comes from in ``replicate`` (< ``n_reps``)."""
        u = (replicate + 0.5) / self.n_reps
        cdf = np.cumsum(self.probabilities(config), axis=1)
        return np.minimum((cdf < u).sum(axis=1), len(self.models) - 1)

    def _rep(self, e: int, replicate: int) -> int:
        return replicate % self.models[e].n_replicates

    def matrices(self, run: Runoffs, replicate: int) -> np.ndarray:
        if self._cache.get("run") is not run:  # one lineup at a time: bounded memory
            self._cache.clear()
            self._cache["run"] = run
        if not self.symmetric:
            return self._assemble(run, replicate)
        if "mean" not in self._cache:
            self._cache["mean"] = sum(
                self._raw_matrices(run, m) for m in range(self.n_reps)
            ) / float(self.n_reps)
        m, sign = self._half(replicate)
        return _mirror(self._cache["mean"], self._raw_matrices(run, m), sign)

    def _half(self, replicate: int) -> tuple[int, int]:
        """A symmetric pool's replicate as (the pool's own replicate, +1 itself or −1 its
        mirror)."""
        return replicate % self.n_reps, (1 if replicate < self.n_reps else -1)

    def _raw_matrices(self, run: Runoffs, replicate: int) -> np.ndarray:
        """The matrices of the pool's own replicate ``replicate`` (< ``n_reps``), unmirrored,
        memoised with the lineup: a symmetric pool reads each three times (for the mean, for the
        replicate, for its mirror). Callers get mirrored copies, never this array."""
        if ("raw", replicate) not in self._cache:
            self._cache[("raw", replicate)] = self._assemble(run, replicate)
        raw: np.ndarray = self._cache[("raw", replicate)]
        return raw

    def _assemble(self, run: Runoffs, replicate: int) -> np.ndarray:
        """(R, NO, J+1): each origin's row from the election :meth:`pick` gives it."""
        keys = [config_key(b) for b in run.bloc]
        groups: dict[tuple[str, ...], list[int]] = {}
        for r, k in enumerate(keys):
            groups.setdefault(k, []).append(r)
        J = run.cols.shape[1]
        out = np.zeros((len(run.rows), NO, J + 1))
        for cfg, rows in groups.items():
            idx = np.array(rows)
            for i, e in enumerate(self.pick(cfg, replicate)):
                key = (int(e), self._rep(int(e), replicate))
                if key not in self._cache:
                    self._cache[key] = self.models[key[0]].matrices(run, key[1])
                out[idx, i] = self._cache[key][idx, i]
        return out

    def predict(self, x: np.ndarray, run: Runoffs, replicate: int = 0) -> np.ndarray:
        return np.einsum("ri,rij->rj", x, self.matrices(run, replicate))

    def matrix(self, config: Sequence[str], replicate: int) -> np.ndarray:
        """(NO, len(config)+1) matrix of one configuration in one replicate of the pool."""
        if not self.symmetric:
            return self._raw_matrix(config, replicate)
        m, sign = self._half(replicate)
        return _mirror(self._mean(config), self._raw_stack(config)[m], sign)

    def _raw_matrix(self, config: Sequence[str], replicate: int) -> np.ndarray:
        picks = self.pick(config, replicate)
        out = np.zeros((NO, len(config) + 1))
        for i, e in enumerate(picks):
            out[i] = self.models[int(e)].matrix(config, self._rep(int(e), replicate))[i]
        return out

    def _raw_stack(self, config: Sequence[str]) -> np.ndarray:
        """(n_reps, NO, len(config)+1): ``config``'s matrix in each of the pool's own replicates,
        unmirrored, memoised: a symmetric pool reads each three times (for the mean, for the
        replicate, for its mirror)."""
        key = ("rawcfg", tuple(config))
        if key not in self._cache:
            self._cache[key] = np.stack([self._raw_matrix(config, m) for m in range(self.n_reps)])
        stack: np.ndarray = self._cache[key]
        return stack

    def _mean(self, config: Sequence[str]) -> np.ndarray:
        """The mean matrix of ``config`` over the pool's own replicates (memoised)."""
        key = ("mean", tuple(config))
        if key not in self._cache:
            self._cache[key] = np.mean(self._raw_stack(config), axis=0)
        mean: np.ndarray = self._cache[key]
        return mean

    def to_frame(self, configs: Iterable[Sequence[str]] | None = None) -> pd.DataFrame:
        """The pooled rates (``method`` ``pooled``: mean, sd and 5–95 % range over the pool's
        replicates, so the spread includes the variation between elections), then every training
        election's own rows. Columns as :meth:`TransferModel.to_frame`."""
        counts: dict[tuple[str, ...], int] = {}
        for m in self.models:
            for c, k in m.counts.items():
                counts[c] = counts.get(c, 0) + k
        cfgs = (
            [tuple(c) for c in configs]
            if configs is not None
            else sorted(counts, key=lambda c: (-counts[c], c))
        )
        label = ",".join(map(str, self.years))
        rows = []
        for cfg in cfgs:
            if len(cfg) < 2:
                continue
            reps = np.stack([self.matrix(cfg, m) for m in range(self.n_replicates)])
            est, sd = reps.mean(axis=0), reps.std(axis=0)
            lo, hi = np.quantile(reps, [0.05, 0.95], axis=0)
            dest = [*_dest_labels(cfg), ABSTAIN]
            for i, o in enumerate(ORIGINS):
                for j, d in enumerate(dest):
                    rows.append(
                        (
                            label,
                            "+".join(cfg),
                            "pooled",
                            counts.get(cfg, 0),
                            o,
                            d,
                            est[i, j],
                            sd[i, j],
                            lo[i, j],
                            hi[i, j],
                        )
                    )
        pooled = pd.DataFrame(
            rows,
            columns=FRAME_COLUMNS,
        )
        if len(self.models) == 1:
            return self.models[0].to_frame(configs)
        per = [m.to_frame(cfgs) for m in self.models]
        return pd.concat([pooled, *per], ignore_index=True)

    def render(
        self, configs: Iterable[Sequence[str]] | None = None, *, max_configs: int = 8
    ) -> str:
        """Plain-text tables of the pooled rates (percent ± sd over elections and replicates)."""
        if len(self.models) == 1:
            return self.models[0].render(configs, max_configs=max_configs)
        df = self.to_frame(configs)
        df = df[df["method"] == "pooled"]
        out = [
            f"Transfers pooled over {len(self.models)} elections, round 1 → round 2:",
            f"{', '.join(map(str, self.years))}; percent ± sd over elections and replicates",
        ]
        for cfg, g in list(df.groupby("config", sort=False))[:max_configs]:
            dest = list(dict.fromkeys(g["destination"]))
            out += [
                "",
                f"{cfg}  [{int(g['n_runoffs'].iloc[0])} training runoffs]",
                f"{'from':<12}" + "".join(f"{d:>14}" for d in dest),
            ]
            for o in ORIGINS:
                gg = g[g["origin"] == o].set_index("destination")
                out.append(
                    f"{o:<12}"
                    + "".join(
                        f"{100 * float(gg.at[d, 'estimate']):>7.1f} "
                        f"±{100 * float(gg.at[d, 'sd']):>4.1f}"
                        for d in dest
                    )
                )
        return "\n".join(out)
