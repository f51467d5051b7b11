"""The election-level effects given the declared runoffs, and fresh simulations of the others.

Importance weights on the night's simulated elections (:mod:`hemicycle.live.condition`) collapse:
every declared runoff constrains its department's swing and the nation's, so after a few dozen
runoffs one simulation in a thousand keeps a weight. This module conditions the *election-level*
effects instead and simulates the undeclared runoffs afresh from them.

**The effects.** A simulated election of :mod:`hemicycle.sim.montecarlo` draws a replicate ``m``
of the transfers (uniform over ``M``), a mobilisation factor ``f ~ U(lo, hi)``, a turnout factor
``t = exp(sigma_turnout · z_t)``, national swings ``z_n`` (one per bloc) and departmental swings
``z_d`` (one per department and bloc), every ``z`` standard normal. Candidate ``j`` (bloc ``b``)
of runoff ``c`` (department ``d``, configuration ``k``: the blocs standing) then has log votes

``g[m, c, j](f, t) + nat · z_n[b] + s · z_k[k, b] + dep · z_d[d, b] + λ · sigma_c · eps[c, j]``

where ``g = log(A0 − f · A1 + t · xnv)`` (``A0 = Σ_i xm_i / (1 − a_i)``, ``A1 = Σ_i xm_i a_i /
(1 − a_i)``: the kernel's rescaled abstention, linear in ``f``) and ``eps`` the local noise. Two
terms are the night's, beside the Monte Carlo's (for which ``s = 0``, ``λ = 1``): a
**configuration effect** ``z_k`` — how the transfers of one configuration (the left against the
far right, a three-way, ...) deviate from the learnt ones, shared by every runoff of that
configuration (each configuration with at least :data:`MIN_CONFIG` runoffs in the lineup) — and a
**scale** ``λ`` of the local noise, one for metropolitan France and one for the overseas
departments and the French abroad, whose politics are not the blocs' (in the back-tests their
runoffs' Brier score is twice the others'). Neither is tuned: ``(λ, λ_overseas, s)`` is a
hyperparameter on the grid :data:`LAMBDAS` × :data:`OVERSEAS_LAMBDAS` × :data:`CONFIG_SCALES`
with a uniform prior, and the declared runoffs choose.

**Given θ = (m, f, z_t, grid point) the swings are linear-Gaussian.** The declared votes ``y`` (log,
+ ½) inform only the contrasts between a runoff's candidates: the log density of runoff ``c`` is
``−½ (r − H z)ᵀ P_c (r − H z) − (n_c − 1) log λ`` (λ of the runoff's group) with ``r = y − g``,
``P_c = (I − 11ᵀ/n_c) / (λ sigma_c)²`` and ``H`` the loadings above
(:func:`hemicycle.live.condition.log_likelihood` at ``λ = 1``). So the swings' posterior given θ is
exactly Gaussian, with a precision ``Λ = I + Σ Hᵀ P H`` that depends on the grid point only and a
mean ``Λ⁻¹ η(θ)``, ``η = Σ Hᵀ P r``; and θ's marginal likelihood is ``−½ Σ rᵀ P r + ½ ηᵀ Λ⁻¹ η − ½
log det Λ − Σ (n_c − 1) log λ`` (up to a constant). ``Λ`` is block-arrow shaped — the global swings
(national and configuration) coupled to each declared department's, departments independent of one
another — and is solved by the Schur complement on the global swings. A department with no declared
runoff keeps its prior.

**Heavy tails** (:class:`Tails`). The training elections' cross-validated residuals are not
normal: a runoff in ten or so is two to three times as far off as the rest, and the
cross-validation leaves the farthest out altogether. The local noise is therefore a contaminated
normal — with probability ``π`` a runoff's noise is ``wide`` times the Monte Carlo's scale, else
``core`` times it — fitted by maximum likelihood on the training elections' residuals only
(:func:`fit_tails`, :func:`hemicycle.live.setup.tails_of`; the left-out runoffs count as censored
beyond their bound). A declared runoff enters the Gaussian conditioning with its expected
precision given its residual, ``(1 − ρ) / core² + ρ / wide²`` (``ρ`` the probability that it is
wide, :meth:`Effects.wide_probability`, found once when it is declared, against the posterior of
the runoffs declared before it): an outlier does not drag the swings nor widen λ for every other
runoff. Each fresh simulation draws each undeclared runoff's component, so a race's probability
allows for an outlier of its own: a call at 0.995 needs a lead the wide component rarely
overturns.

**θ by sequential Monte Carlo** (:class:`Effects`): ``particles`` values of θ, drawn from the prior,
carried from one update to the next; each update moves their target from the previous declared set
to the new one through adaptively tempered steps (each step's incremental weights keep an ESS of
half the particles), resampling (systematic) and rejuvenating them by Metropolis–Hastings moves
(random walks on ``f`` and ``z_t`` scaled to the particles' spread, a fresh uniform replicate and
grid point) that leave each step's target invariant. θ has few dimensions, so a few thousand
particles hold it at any stage of the night; its marginal likelihood is exact (swings integrated).

**Fresh simulations** (:func:`simulate_undeclared`): each simulation takes a particle (systematic
resampling), draws the global swings from their Gaussian posterior, each department's from its
Gaussian given them (prior where nothing is declared there), the local noise of each undeclared
runoff (its component, then its candidates' normals), and its winner (the most voted; a tie to
the older). The simulations are equally weighted, their count is the night's, and none of them is
ever discarded: the posterior does not collapse, nor is it widened. Random numbers are the Monte
Carlo's counter-based ones (a key from ``rng``; simulation ``s``, slot ``k``), so the bytes do not
depend on threads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as _numba
import numpy as np

from hemicycle.live.draws import Draws, _hash, _normal
from hemicycle.sim import montecarlo as mc
from hemicycle.sim.transfers import config_key

#: Particles of θ carried through the night.
PARTICLES = 1024
#: Metropolis–Hastings moves after each resampling.
MOVES = 3
#: The grid of the local noise's scale λ (a multiple of the Monte Carlo's).
LAMBDAS = (1.0, 1.25, 1.6, 2.0)
#: The grid of the local noise's scale in the overseas departments and abroad (their own: their
#: politics are not the blocs' of metropolitan France).
OVERSEAS_LAMBDAS = (1.0, 1.6, 2.5, 4.0)
#: The grid of the configuration effects' scale s (log votes).
CONFIG_SCALES = (0.0, 0.05, 0.1, 0.2)
#: A configuration gets effects of its own from this many runoffs in the lineup.
MIN_CONFIG = 10
_NB = 8  # blocs (the Monte Carlo's national-swing slots)
_MAX_STEPS = 40  # tempering steps in one update before the last one is forced


def base_terms(draws: Draws) -> tuple[np.ndarray, np.ndarray]:
    """(M, R, J) ``A0`` and ``A1``: the expected votes are ``A0 − f · A1 + t · xnv``."""
    inp = draws.inp
    inv = 1.0 / (1.0 - inp.abst)
    a0 = np.einsum("mrij,mri->mrj", inp.xm, inv)
    a1 = np.einsum("mrij,mri->mrj", inp.xm, inp.abst * inv)
    return a0, a1


def config_columns(bloc: np.ndarray, min_runoffs: int = MIN_CONFIG) -> tuple[np.ndarray, int]:
    """(R, J) the column of each slot's configuration effect (-1: none; padding, or a
    configuration with fewer than ``min_runoffs`` runoffs) and the number of columns."""
    keys = [config_key(b) for b in bloc]
    count: dict[object, int] = {}
    for k in keys:
        count[k] = count.get(k, 0) + 1
    cols = np.full(bloc.shape, -1, np.int64)
    where: dict[tuple[object, int], int] = {}
    for r, k in enumerate(keys):
        if count[k] < min_runoffs:
            continue
        for j, b in enumerate(bloc[r]):
            if b >= 0:
                cols[r, j] = where.setdefault((k, int(b)), len(where))
    return cols, len(where)


@dataclass(frozen=True)
class Tails:
    """The local noise as a contaminated normal: each runoff's noise is, with probability ``pi``,
    ``wide`` times the Monte Carlo's local scale, else ``core`` times it (one draw per runoff, its
    candidates alike). ``Tails()`` is the Monte Carlo's normal. Fitted on the training elections'
    cross-validated residuals by :func:`fit_tails`."""

    pi: float = 0.0
    core: float = 1.0
    wide: float = 1.0

    def __post_init__(self) -> None:
        if not (0.0 <= self.pi < 1.0 and 0.0 < self.core <= self.wide):
            raise ValueError(
                f"tails need 0 <= pi < 1 and 0 < core <= wide; got pi={self.pi}, "
                f"core={self.core}, wide={self.wide}"
            )


#: The Monte Carlo's own local noise (a normal).
NORMAL_TAILS = Tails()


def _mixture_loglik(x: np.ndarray, u, k, cens, nk) -> float:
    from scipy import stats

    pi = 1.0 / (1.0 + np.exp(-x[0]))
    a0 = np.exp(x[1])
    a1 = a0 * (1.0 + np.exp(x[2]))
    l0 = stats.chi2.logpdf(u / a0, k) - np.log(a0)
    l1 = stats.chi2.logpdf(u / a1, k) - np.log(a1)
    out = float(np.logaddexp(np.log1p(-pi) + l0, np.log(pi) + l1).sum())
    if len(cens):
        c0 = stats.chi2.logsf(cens / a0, nk)
        c1 = stats.chi2.logsf(cens / a1, nk)
        out += float(np.logaddexp(np.log1p(-pi) + c0, np.log(pi) + c1).sum())
    return out


def fit_tails(
    u: np.ndarray,
    dof: np.ndarray,
    censored: np.ndarray,
    nonlocal_share: float,
    *,
    censored_dof: int = 1,
) -> Tails:
    """The contaminated normal of the local noise, by maximum likelihood on training residuals.

    ``u`` (N,): each training runoff's sum of squared centred cross-validated log residuals over
    its election's mean squared residual (so elections of different scales pool), ``dof`` (N,):
    its degrees of freedom (candidates − 1): ``u`` is ``a · χ²(dof)`` with ``a`` the core variance
    ratio ``a0`` or, with probability ``pi``, the wide one ``a1``. ``censored`` (C,): the runoffs
    the projection's cross-validation left out as outliers (a residual beyond its bound), known
    only to exceed their bound (in the same units; ``censored_dof`` degrees of freedom): they count
    in ``pi`` and ``a1`` through the probability of exceeding it. ``nonlocal_share``: the share of
    the residual variance that is not local noise (departmental swings, the bootstrap's), shared
    by every runoff: the local noise's core and wide scales are those of the rest, relative to
    the all-runoff local scale the Monte Carlo uses."""
    from scipy import optimize

    u = np.asarray(u, np.float64)
    k = np.asarray(dof, np.float64)
    cens = np.asarray(censored, np.float64)
    if len(u) < 20 or (k < 1).any() or (u < 0).any():
        raise ValueError("fit_tails needs at least 20 runoffs with dof >= 1 and u >= 0")
    d = float(np.clip(nonlocal_share, 0.0, 0.9))
    best = None
    for x0 in ([-3.0, -0.2, 1.0], [-2.0, -0.1, 2.0], [-4.0, -0.05, 0.5]):
        res = optimize.minimize(
            lambda x: -_mixture_loglik(x, u, k, cens, censored_dof),
            np.array(x0),
            method="Nelder-Mead",
            options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 4000},
        )
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    pi = float(1.0 / (1.0 + np.exp(-best.x[0])))
    a0 = float(np.exp(best.x[1]))
    a1 = a0 * (1.0 + float(np.exp(best.x[2])))
    core2 = max(a0 - d, 0.25 * a0) / (1.0 - d)
    wide2 = max(a1 - d, core2 * (1.0 - d)) / (1.0 - d)
    return Tails(pi=pi, core=float(np.sqrt(core2)), wide=float(np.sqrt(wide2)))


@dataclass(frozen=True, eq=False)
class Linear:
    """The Gaussian part of the posterior for one set of declared runoffs (see the module doc),
    for each grid point ``h`` of (λ, s): ``rows`` (D,), ``y`` (D, J) log votes + ½ (0 where
    ``valid`` is False), ``inv`` (D,) ``1 / sigma_c²``, ``decl`` the departments with a declared
    runoff, ``B`` (H, n_deps, 8, 8) ``Λ_dd⁻¹``, ``C`` (H, n_deps, G, 8) ``Λ_gd Λ_dd⁻¹``, ``F`` (H,
    n_deps, 8, G) ``Λ_dd⁻¹ Λ_dg``, ``sinv`` (H, G, G) the global swings' posterior covariance,
    ``const`` (H,) ``−½ log det Λ − Σ (n_c − 1) log λ``."""

    rows: np.ndarray
    y: np.ndarray
    valid: np.ndarray
    inv: np.ndarray
    decl: np.ndarray
    B: np.ndarray
    C: np.ndarray
    F: np.ndarray
    sinv: np.ndarray
    const: np.ndarray

    @classmethod
    def build(
        cls,
        draws: Draws,
        cfg: np.ndarray,
        n_cfg: int,
        rows: np.ndarray,
        observed: np.ndarray,
        grid: tuple[tuple[float, float, float], ...],
        group: np.ndarray,
        precision: np.ndarray | None = None,
    ) -> Linear:
        """From the declared ``rows`` and their ``observed`` votes (D, J; -1 padding); ``group``
        (n_deps,) 0 for a metropolitan department, 1 overseas or abroad (its own scale λ);
        ``precision`` (D,): each runoff's local precision as a multiple of the Monte Carlo's (the
        heavy tails' expected precision given its residual, :meth:`Effects.precision`; default
        1)."""
        inp, noise = draws.inp, draws.noise
        rows = np.asarray(rows, np.int64)
        J = inp.bloc.shape[1]
        obs = np.asarray(observed, np.float64).reshape(len(rows), J)
        valid = (obs >= 0) & (inp.bloc[rows] >= 0)
        y = np.where(valid, np.log(np.where(valid, obs, 0.0) + 0.5), 0.0)
        inv = 1.0 / inp.local_scales(noise)[rows] ** 2
        if precision is not None:
            inv = inv * np.asarray(precision, np.float64)
        nd, G = inp.n_deps, _NB + n_cfg
        Md = np.zeros((nd, _NB, _NB))  # Σ Eᵀ P E per department (unit λ)
        Nd = np.zeros((nd, _NB, n_cfg))  # Σ Eᵀ P Q
        Mcc = np.zeros((2, n_cfg, n_cfg))  # Σ Qᵀ P Q, per group
        contrasts = np.zeros(2)
        for i, r in enumerate(rows):
            js = np.flatnonzero(valid[i])
            n = len(js)
            if n < 2:
                continue
            d = inp.dep[r]
            contrasts[group[d]] += n - 1
            E = np.zeros((n, _NB))
            E[np.arange(n), inp.bloc[r, js]] = 1.0
            P = (np.eye(n) - 1.0 / n) * inv[i]
            Md[d] += E.T @ P @ E
            k = cfg[r, js]
            if (k >= 0).all() and n_cfg:
                Q = np.zeros((n, n_cfg))
                Q[np.arange(n), k] = 1.0
                Nd[d] += E.T @ P @ Q
                Mcc[group[d]] += Q.T @ P @ Q
        nat, dep = float(noise.national), float(noise.department)
        decl = np.unique(inp.dep[rows]).astype(np.int64)
        H = len(grid)
        B = np.zeros((H, nd, _NB, _NB))
        C = np.zeros((H, nd, G, _NB))
        F = np.zeros((H, nd, _NB, G))
        sinv = np.zeros((H, G, G))
        const = np.zeros(H)
        mu, Qd = np.linalg.eigh(Md)  # Λ_dd = I + a dep² Md: one eigenbasis for every grid point
        mu = np.maximum(mu, 0.0)
        Lg = np.concatenate([dep * nat * Md, Nd], axis=2)  # Λ_dg / a, the last columns × s
        for h, (lam_m, lam_o, s) in enumerate(grid):
            ag = np.array([1.0 / lam_m**2, 1.0 / lam_o**2])
            a = ag[group]  # (nd,)
            ev = 1.0 + (a * dep**2)[:, None] * mu
            B[h] = np.einsum("dij,dj,dkj->dik", Qd, 1.0 / ev, Qd)
            Ldg = Lg * a[:, None, None]
            Ldg[:, :, _NB:] *= dep * s
            C[h] = np.einsum("dag,dab->dgb", Ldg, B[h])
            F[h] = np.einsum("dab,dbg->dag", B[h], Ldg)
            S = np.eye(G)
            S[:_NB, :_NB] += nat**2 * np.einsum("d,dab->ab", a, Md)
            Snc = nat * s * np.einsum("d,dab->ab", a, Nd)
            S[:_NB, _NB:] += Snc
            S[_NB:, :_NB] += Snc.T
            S[_NB:, _NB:] += s**2 * np.einsum("g,gab->ab", ag, Mcc)
            S -= np.einsum("dga,dab->gb", C[h], Ldg)
            S = 0.5 * (S + S.T)
            logdet = float(np.log(ev).sum()) + np.linalg.slogdet(S)[1]
            si = np.linalg.inv(S)
            sinv[h] = 0.5 * (si + si.T)
            const[h] = -0.5 * logdet - contrasts[0] * np.log(lam_m) - contrasts[1] * np.log(lam_o)
        return cls(rows, y, valid, inv, decl, B, C, F, sinv, const)


@_numba.njit(parallel=True, cache=True)
def _marginal_kernel(
    a0, a1, xnv, bloc, dep, cfg, rows, y, valid, inv, decl, B, C, sinv, const, lam2, group,
    svals, nat, sdep, pm, pf, pt, ph, want_means, out, mean_g, mean_d,
):  # fmt: skip
    N = pm.shape[0]
    nd = B.shape[1]
    G = sinv.shape[1]
    J = a0.shape[2]
    for p in _numba.prange(N):
        m, f, t, h = pm[p], pf[p], pt[p], ph[p]
        s = svals[h]
        eta_g = np.zeros(G)
        eta_d = np.zeros((nd, 8))
        r = np.empty(J)
        q = 0.0
        for i in range(rows.shape[0]):
            c = rows[i]
            n = 0
            rbar = 0.0
            for j in range(J):
                if valid[i, j]:
                    r[j] = y[i, j] - np.log(max(a0[m, c, j] - f * a1[m, c, j] + t * xnv[m, c, j],
                                                1e-300))  # fmt: skip
                    rbar += r[j]
                    n += 1
            if n < 2:
                continue
            rbar /= n
            d = dep[c]
            il = 1.0 / lam2[h, group[d]]
            for j in range(J):
                if valid[i, j]:
                    v = (r[j] - rbar) * inv[i] * il
                    q += (r[j] - rbar) * v
                    b = bloc[c, j]
                    eta_g[b] += nat * v
                    k = cfg[c, j]
                    if k >= 0:
                        eta_g[8 + k] += s * v
                    eta_d[d, b] += sdep * v
        quad = 0.0
        et = eta_g.copy()
        for kk in range(decl.shape[0]):
            d = decl[kk]
            for a in range(8):
                ba = 0.0
                for b in range(8):
                    ba += B[h, d, a, b] * eta_d[d, b]
                quad += eta_d[d, a] * ba
                if want_means:
                    mean_d[p, d, a] = ba
            for a in range(G):
                ca = 0.0
                for b in range(8):
                    ca += C[h, d, a, b] * eta_d[d, b]
                et[a] -= ca
        for a in range(G):
            sa = 0.0
            for b in range(G):
                sa += sinv[h, a, b] * et[b]
            quad += et[a] * sa
            if want_means:
                mean_g[p, a] = sa
        out[p] = -0.5 * q + 0.5 * quad + const[h]


class Effects:
    """The particles of θ through the night (sequential Monte Carlo; see the module doc)."""

    def __init__(
        self,
        draws: Draws,
        rng: np.random.Generator,
        *,
        particles: int = PARTICLES,
        lambdas: tuple[float, ...] = LAMBDAS,
        overseas_lambdas: tuple[float, ...] = OVERSEAS_LAMBDAS,
        config_scales: tuple[float, ...] = CONFIG_SCALES,
        min_config: int = MIN_CONFIG,
        overseas: np.ndarray | None = None,
        tails: Tails = NORMAL_TAILS,
    ) -> None:
        if particles < 2:
            raise ValueError(f"at least 2 particles are needed; got {particles}")
        if (
            not lambdas
            or min(lambdas) <= 0
            or not overseas_lambdas
            or min(overseas_lambdas) <= 0
            or not config_scales
            or min(config_scales) < 0
        ):
            raise ValueError(
                f"the grids need positive scales λ and non-negative scales s; got {lambdas}, "
                f"{overseas_lambdas}, {config_scales}"
            )
        self.draws = draws
        self.tails = tails
        #: each declared runoff's local precision multiplier (:meth:`precision`), kept once found
        self.prec: dict[int, float] = {}
        self.terms = base_terms(draws)
        self.cfg, self.n_cfg = config_columns(draws.inp.bloc, min_config)
        nd = draws.inp.n_deps
        over = np.zeros(nd, bool) if overseas is None else np.asarray(overseas, bool)
        if over.shape != (nd,):
            raise ValueError(f"overseas has one flag per department ({nd}); got {over.shape}")
        self.group = over.astype(np.int64)
        self.grid = tuple(
            (float(a), float(o), float(b))
            for a in lambdas
            for o in overseas_lambdas
            for b in config_scales
        )
        self.lam2 = np.array([[a**2, o**2] for a, o, _ in self.grid])
        self.svals = np.array([b for _, _, b in self.grid])
        self.rng = rng
        M = draws.inp.xm.shape[0]
        lo, hi = draws.noise.mobilisation
        self.lo, self.hi = float(lo), float(hi)
        self.m = rng.integers(0, M, particles)
        self.f = rng.uniform(self.lo, self.hi, particles) if hi > lo else np.full(particles, lo)
        self.zt = rng.standard_normal(particles)
        self.h = rng.integers(0, len(self.grid), particles)
        self.logw = np.zeros(particles)
        self.loglik = np.zeros(particles)  # under ``self.lin`` (0: nothing declared)
        self.lin: Linear | None = None
        #: in the last update: the tempering steps taken and the lowest ESS before resampling
        self.steps = 0
        self.min_ess = float(particles)

    def linear(self, rows: np.ndarray, observed: np.ndarray) -> Linear:
        """The :class:`Linear` part for these declared runoffs (each runoff's local precision
        under the heavy tails found when it is first seen, :meth:`precision`, and kept)."""
        rows = np.asarray(rows, np.int64)
        obs = np.asarray(observed, np.float64).reshape(len(rows), -1)
        new = np.array([int(r) not in self.prec for r in rows], bool)
        if new.any():
            for r, v in zip(rows[new], self.precision(rows[new], obs[new]), strict=True):
                self.prec[int(r)] = float(v)
        prec = np.array([self.prec[int(r)] for r in rows])
        return Linear.build(
            self.draws, self.cfg, self.n_cfg, rows, obs, self.grid, self.group, prec
        )

    def wide_probability(self, rows: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """(D,) the probability that each declared runoff's local noise is the wide component
        (:class:`Tails`), given its votes, under the particles' current posterior: each
        particle's expected log votes with the swings at their posterior mean, their prior
        variance (``national² + department²`` a candidate) added to both components' (a residual
        is wide only beyond what the swings could explain), weighed by the particles."""
        tails = self.tails
        rows = np.asarray(rows, np.int64)
        if tails.pi == 0.0 or not len(rows):
            return np.zeros(len(rows))
        inp, noise = self.draws.inp, self.draws.noise
        obs = np.asarray(observed, np.float64).reshape(len(rows), -1)
        valid = (obs >= 0) & (inp.bloc[rows] >= 0)
        y = np.log(np.where(valid, obs, 0.0) + 0.5)
        a0, a1 = self.terms
        m, f = self.m, self.f
        t = np.exp(noise.turnout * self.zt)
        g = np.log(
            np.maximum(
                a0[m[:, None], rows[None, :]]
                - f[:, None, None] * a1[m[:, None], rows[None, :]]
                + t[:, None, None] * inp.xnv[m[:, None], rows[None, :]],
                1e-300,
            )
        )
        nat, sdep = float(noise.national), float(noise.department)
        bl = np.maximum(inp.bloc[rows], 0)  # (D, J)
        deps = inp.dep[rows]
        if self.lin is not None:
            _, mg, md = self.log_marginal(self.lin, m, f, self.zt, self.h, means=True)
            ud = np.unique(deps)
            zd = np.zeros((len(m), inp.n_deps, _NB))
            for hv in np.unique(self.h):
                i = np.flatnonzero(self.h == hv)
                zd[np.ix_(i, ud)] = md[np.ix_(i, ud)] - np.einsum(
                    "dag,pg->pda", self.lin.F[hv][ud], mg[i]
                )
            swing = nat * mg[:, bl] + sdep * zd[:, deps[:, None], bl]
            cfg = self.cfg[rows]
            if self.n_cfg:
                swing += np.where(
                    cfg[None] >= 0,
                    self.svals[self.h][:, None, None] * mg[:, 8 + np.maximum(cfg, 0)],
                    0.0,
                )
            g = g + swing
        r = np.where(valid[None], y[None] - g, 0.0)
        n = valid.sum(axis=1)
        rbar = r.sum(axis=2) / np.maximum(n, 1)
        ss = (np.where(valid[None], r - rbar[..., None], 0.0) ** 2).sum(axis=2)  # (N, D)
        k = np.maximum(n - 1, 0)[None, :]
        lam2 = self.lam2[self.h][:, self.group[deps]]  # (N, D)
        sig2 = inp.local_scales(noise)[rows] ** 2
        tau2 = nat**2 + sdep**2
        v0 = lam2 * tails.core**2 * sig2 + tau2
        v1 = lam2 * tails.wide**2 * sig2 + tau2
        lo = np.log(tails.pi) - np.log1p(-tails.pi) - 0.5 * k * np.log(v1 / v0)
        lo = lo - 0.5 * ss * (1.0 / v1 - 1.0 / v0)
        rho = 1.0 / (1.0 + np.exp(-lo))
        w = np.exp(self.logw - self.logw.max())
        return np.where(n >= 2, (w / w.sum()) @ rho, tails.pi)

    def precision(self, rows: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """(D,) each declared runoff's expected local precision under the tails, as a multiple
        of the Monte Carlo's: ``(1 − ρ) / core² + ρ / wide²`` with ``ρ``
        :meth:`wide_probability` (ones without tails)."""
        rho = self.wide_probability(rows, observed)
        t = self.tails
        return (1.0 - rho) / t.core**2 + rho / t.wide**2

    def log_marginal(
        self, lin: Linear, m, f, zt, h, *, means: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(N,) log marginal likelihood of ``lin``'s runoffs at each θ = (m, f, zt, grid point
        h), the swings integrated out; with ``means``, the posterior means too: (N, G) global
        swings and (N, n_deps, 8) ``Λ_dd⁻¹ η_d`` (the departments' mean before the global)."""
        inp, noise = self.draws.inp, self.draws.noise
        N = len(m)
        out = np.empty(N)
        G = _NB + self.n_cfg
        mean_g = np.zeros((N if means else 1, G))
        mean_d = np.zeros((N if means else 1, inp.n_deps, _NB))
        t = np.exp(noise.turnout * np.asarray(zt, np.float64))
        _marginal_kernel(
            self.terms[0], self.terms[1], inp.xnv, inp.bloc, inp.dep, self.cfg, lin.rows, lin.y,
            lin.valid, lin.inv, lin.decl, lin.B, lin.C, lin.sinv, lin.const, self.lam2,
            self.group, self.svals, float(noise.national), float(noise.department),
            np.asarray(m, np.int64), np.asarray(f, np.float64), t, np.asarray(h, np.int64),
            means, out, mean_g, mean_d,
        )  # fmt: skip
        return out, mean_g, mean_d

    def _ll(self, lin: Linear | None, m, f, zt, h) -> np.ndarray:
        if lin is None:
            return np.zeros(len(m))
        return self.log_marginal(lin, m, f, zt, h)[0]

    def update(self, lin: Linear) -> None:
        """Move the particles from the previous declared set's posterior to ``lin``'s."""
        N = len(self.m)
        old = self.loglik
        new = self._ll(lin, self.m, self.f, self.zt, self.h)
        gamma = 0.0
        self.steps = 0
        self.min_ess = _ess_of(self.logw)
        while gamma < 1.0:
            inc = new - old
            # the largest step keeping the incremental ESS at half the particles (bisection)
            if _ess_of(self.logw + (1.0 - gamma) * inc) >= N / 2 or self.steps >= _MAX_STEPS:
                step = 1.0 - gamma
            else:
                lo_, hi_ = 0.0, 1.0 - gamma
                for _ in range(40):
                    mid = 0.5 * (lo_ + hi_)
                    if _ess_of(self.logw + mid * inc) >= N / 2:
                        lo_ = mid
                    else:
                        hi_ = mid
                step = lo_
            gamma = 1.0 if step >= 1.0 - gamma else gamma + step
            self.logw = self.logw + step * inc
            self.steps += 1
            ess_now = _ess_of(self.logw)
            self.min_ess = min(self.min_ess, ess_now)
            if ess_now < N / 2 or gamma < 1.0:
                idx = _systematic(self.logw, self.rng, N)
                self.m, self.f, self.zt, self.h = (
                    self.m[idx],
                    self.f[idx],
                    self.zt[idx],
                    self.h[idx],
                )
                old, new = old[idx], new[idx]
                self.logw = np.zeros(N)
                old, new = self._move(lin, gamma, old, new)
        self.loglik = new
        self.lin = lin

    def _move(self, lin: Linear, gamma: float, old: np.ndarray, new: np.ndarray):
        """Metropolis–Hastings moves leaving ``prior × exp((1−γ) old + γ new)`` invariant."""
        rng, N = self.rng, len(self.m)
        M = self.draws.inp.xm.shape[0]
        for _ in range(MOVES):
            hf = 2.38 / np.sqrt(4) * max(float(self.f.std()), 1e-3 * (self.hi - self.lo + 1e-9))
            ht = 2.38 / np.sqrt(4) * max(float(self.zt.std()), 1e-3)
            m2 = np.where(rng.random(N) < 0.3, rng.integers(0, M, N), self.m)
            h2 = np.where(rng.random(N) < 0.3, rng.integers(0, len(self.grid), N), self.h)
            f2 = self.f + hf * rng.standard_normal(N)
            if self.hi > self.lo:  # reflected into [lo, hi]: a symmetric proposal
                w = self.hi - self.lo
                f2 = self.lo + np.abs(np.mod(f2 - self.lo + w, 2 * w) - w)
            else:
                f2 = self.f
            zt2 = self.zt + ht * rng.standard_normal(N)
            new2 = self._ll(lin, m2, f2, zt2, h2)
            old2 = self._ll(self.lin, m2, f2, zt2, h2) if gamma < 1.0 else np.zeros(N)
            t_cur = (1 - gamma) * old + gamma * new - 0.5 * self.zt**2
            t_new = (1 - gamma) * old2 + gamma * new2 - 0.5 * zt2**2
            ok = np.log(rng.random(N)) < t_new - t_cur
            self.m = np.where(ok, m2, self.m)
            self.h = np.where(ok, h2, self.h)
            self.f = np.where(ok, f2, self.f)
            self.zt = np.where(ok, zt2, self.zt)
            new = np.where(ok, new2, new)
            old = np.where(ok, old2, old)
        return old, new


def _ess_of(logw: np.ndarray) -> float:
    w = np.exp(logw - logw.max())
    return float(w.sum() ** 2 / np.dot(w, w))


def _systematic(logw: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    w = np.exp(logw - logw.max())
    cum = np.cumsum(w / w.sum())
    u = (rng.random() + np.arange(n)) / n
    return np.minimum(np.searchsorted(cum, u), len(logw) - 1)


@_numba.njit(parallel=True, cache=True)
def _fresh_kernel(
    g, bloc, dep, cfg, birth, und, sloc, table, key, pidx, ph, svals, mean_g, mean_d, ln,
    Fc, fcols, nf, Lsub, act, nact, nat, sdep, lam, group, t_pi, t_core, t_wide, sims, winners,
):  # fmt: skip
    U = und.shape[0]
    J = g.shape[2]
    R = bloc.shape[0]
    nd = Fc.shape[1]
    G = ln.shape[1]
    n_blocks = (sims + 1023) // 1024
    for blk in _numba.prange(n_blocks):
        zg = np.empty(G)
        xi = np.empty(G)
        zd = np.zeros((nd, 8))
        for s in range(blk * 1024, min(sims, (blk + 1) * 1024)):
            p = pidx[s]
            h = ph[p]
            for a in range(G):
                xi[a] = _normal(table, key, s, a)
            for a in range(G):
                acc = mean_g[p, a]
                for b in range(a + 1):
                    acc += ln[h, a, b] * xi[b]
                zg[a] = acc
            for d in range(nd):
                k = nact[d]
                for i in range(k):
                    xi[i] = _normal(table, key, s, G + 8 * d + i)
                for i in range(k):
                    a = act[d, i]
                    acc = mean_d[p, d, a]
                    for q in range(nf[d]):
                        acc -= Fc[h, d, a, q] * zg[fcols[d, q]]
                    for b in range(i + 1):
                        acc += Lsub[h, d, i, b] * xi[b]
                    zd[d, a] = acc
            sv = svals[h]
            for u in range(U):
                c = und[u]
                d = dep[c]
                lh = lam[h, group[d]] * sloc[c]
                if t_pi > 0.0:
                    hv = _hash(key, s, G + 8 * nd + R * J + c)
                    u01 = (np.float64(hv >> np.uint64(11)) + 0.5) / 9007199254740992.0
                    lh *= t_wide if u01 < t_pi else t_core
                best = -1
                bv = 0.0
                hl = np.uint64(0)
                for j in range(J):
                    # four local normals from one hash (its four 16-bit fields index the table)
                    if j % 4 == 0:
                        hl = _hash(key, s, G + 8 * nd + c * J + j)
                    b = bloc[c, j]
                    if b < 0:
                        continue
                    v = g[p, u, j] + nat * zg[b] + sdep * zd[d, b]
                    if cfg[c, j] >= 0:
                        v += sv * zg[8 + cfg[c, j]]
                    sh = np.uint64(48 - 16 * (j % 4))
                    v += lh * table[np.int64((hl >> sh) & np.uint64(0xFFFF))]
                    if best < 0 or v > bv or (v == bv and birth[c, j] < birth[c, best]):
                        best = j
                        bv = v
                winners[s, u] = best


@_numba.njit(parallel=True, cache=True)
def _count_kernel(winners, J, out):  # pragma: no cover - compiled
    S, U = winners.shape
    n_blocks = 16
    part = np.zeros((n_blocks, U, J), np.int64)
    size = (S + n_blocks - 1) // n_blocks
    for blk in _numba.prange(n_blocks):
        for s in range(blk * size, min(S, (blk + 1) * size)):
            for u in range(U):
                part[blk, u, winners[s, u]] += 1
    for blk in range(n_blocks):
        out += part[blk]


def count_wins(winners: np.ndarray, J: int) -> np.ndarray:
    """(U, J) int64: how many of the simulations each slot wins (``winners`` (S, U))."""
    out = np.zeros((winners.shape[1], int(J)), np.int64)
    _count_kernel(np.ascontiguousarray(winners), int(J), out)
    return out


def simulate_undeclared(
    effects: Effects,
    und: np.ndarray,
    *,
    sims: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """(sims, U) int8: the winning slot of each undeclared runoff ``und`` in ``sims`` fresh
    simulations from the effects' posterior (see the module doc)."""
    draws = effects.draws
    inp, noise = draws.inp, draws.noise
    und = np.asarray(und, np.int64)
    U = len(und)
    key = mc.draw_key(rng)
    N = len(effects.m)
    pidx = _systematic(effects.logw, rng, int(sims)).astype(np.int64)
    # the particles' expected log votes in the undeclared runoffs, and their posterior means
    a0, a1 = effects.terms
    t = np.exp(noise.turnout * effects.zt)
    pm = effects.m
    g = np.log(
        np.maximum(
            a0[pm[:, None], und[None, :]]
            - effects.f[:, None, None] * a1[pm[:, None], und[None, :]]
            + t[:, None, None] * inp.xnv[pm[:, None], und[None, :]],
            1e-300,
        )
    )
    nd, G, H = inp.n_deps, _NB + effects.n_cfg, len(effects.grid)
    lin = effects.lin
    if lin is None:
        mean_g = np.zeros((N, G))
        mean_d = np.zeros((N, nd, _NB))
        sinv = np.tile(np.eye(G), (H, 1, 1))
        B = np.tile(np.eye(_NB), (H, nd, 1, 1))
        F = np.zeros((H, nd, _NB, G))
    else:
        _, mean_g, mean_d = effects.log_marginal(
            lin, effects.m, effects.f, effects.zt, effects.h, means=True
        )
        sinv, B, F = lin.sinv, lin.B, lin.F
    ln = np.linalg.cholesky(sinv)
    # each department's swings, only for the blocs standing in its undeclared runoffs
    act = np.zeros((nd, _NB), np.int64)
    nact = np.zeros(nd, np.int64)
    Lsub = np.zeros((H, nd, _NB, _NB))
    for d in range(nd):
        here = inp.bloc[und[inp.dep[und] == d]]
        blocs = np.unique(here[here >= 0])
        k = len(blocs)
        if k:
            act[d, :k] = blocs
            nact[d] = k
            Lsub[:, d, :k, :k] = np.linalg.cholesky(B[:, d][:, blocs][:, :, blocs])
    # F's non-zero columns in each department (the blocs and configurations declared there)
    nz = np.abs(F).max(axis=(0, 2)) > 0  # (nd, G)
    nf = nz.sum(axis=1).astype(np.int64)
    fcols = np.zeros((nd, max(1, int(nf.max(initial=0)))), np.int64)
    Fc = np.zeros((H, nd, _NB, fcols.shape[1]))
    for dd in np.flatnonzero(nf):
        cols = np.flatnonzero(nz[dd])
        fcols[dd, : len(cols)] = cols
        Fc[:, dd, :, : len(cols)] = F[:, dd][:, :, cols]
    winners = np.empty((int(sims), U), np.int8)
    _fresh_kernel(
        g, inp.bloc, inp.dep, effects.cfg, inp.birth, und, inp.local_scales(noise), mc.NORMAL,
        np.uint64(key), pidx, effects.h, effects.svals, mean_g, mean_d, ln, Fc, fcols, nf, Lsub,
        act, nact,
        float(noise.national), float(noise.department), np.sqrt(effects.lam2), effects.group,
        float(effects.tails.pi), float(effects.tails.core), float(effects.tails.wide), int(sims),
        winners,
    )  # fmt: skip
    return winners
