"""The projection of the undeclared runoffs given the declared ones: importance weights on the
simulated elections, posterior win probabilities and seats, and calls. (The night's default
conditions the election-level effects instead and simulates afresh, :mod:`hemicycle.live.effects`;
the weights below are ``Night(method="weights")``, and :class:`Posterior` and :class:`Calls` serve
both.)

**The likelihood.** In the Monte Carlo (:mod:`hemicycle.sim.montecarlo`) a simulated election draws
*shared* components — a bootstrap replicate of the transfers, the mobilisation and turnout factors,
a national swing per bloc and a departmental swing per (department, bloc) — then each candidate's
log votes get an independent local noise ``sigma_c · z`` (``sigma_c``: the runoff's local scale,
:meth:`~hemicycle.sim.montecarlo.Inputs.local_scales`). Given a simulation's shared components, the
declared runoff ``c`` is thus explained up to its local noise: with ``mu[s, c, j]`` the
simulation's expected log votes of slot ``j`` *before* the local noise and ``y[c, j]`` the log of
the declared votes (+ ½), the log ratios ``y_j − y_0`` are Gaussian around ``mu_j − mu_0`` with
covariance ``sigma_c² (I + 11ᵀ)``, whose log density is, up to a constant,
``−Σ_j (u_j − ū)² / (2 sigma_c²)`` with ``u_j = y_j − mu[s, c, j]`` (:func:`log_likelihood`). The
local noise of the undeclared runoffs is independent of the declared ones' given the shared
components, so weighting every simulation by the product of these likelihoods and reading its
undeclared winners is exact importance sampling from the model's posterior — no tuning: the noise
scale is the model's own local scale (where the draws at hand carry their own local noise instead
of ``mu``, pass ``scale · √2``).

**When the weights collapse.** Each declared runoff also informs its department's swing, so with
many declared runoffs few simulations keep a weight: the effective sample size
``ESS = 1 / Σ w²`` falls. Below ``min_ess`` (default 1 % of the simulations) :func:`condition`
*tempers* the likelihood — weights ``∝ L^α`` with the largest ``α`` in (0, 1] whose ESS is
``min_ess`` (bisection) — and says so (``Posterior.collapsed``, ``Posterior.alpha``): the posterior
is then wider than the model's (closer to the projection before the night), never narrower, so a
call is not made on a handful of simulations. No jitter is applied to the simulated winners (a
simulation's undeclared outcomes are what its draws gave); :meth:`Posterior.resample` draws
equally weighted seat vectors (systematic resampling, ``rng``) for what needs unweighted draws.

**Calls.** :class:`Calls` calls a race when its leader's posterior probability reaches
``threshold`` (default 0.995); a called race stays called (the record keeps the poll and time of
the call and its probability then); a declared race is settled by its count, and a call that the
count contradicts is listed in :attr:`Calls.wrong`. Every other race is "too early to call".

Numpy throughout, but for two counting loops over every (simulation, runoff) — the weighted wins
and the seats per group — which have a numba fast path beside the plain numpy one
(``backend="numpy"``), tested equal. Every array is indexed ``[simulation, runoff, slot]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numba as _numba
import numpy as np

from hemicycle.errors import OptionError
from hemicycle.rules import MAJORITY
from hemicycle.sim.montecarlo import seats_kernel

#: A race is called when its leader's posterior probability reaches this.
CALL_THRESHOLD = 0.995
#: The ESS (fraction of the simulations) below which the likelihood is tempered.
MIN_ESS = 0.01
_CHUNK = 8192


def log_likelihood(expected: np.ndarray, observed: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """(S,) log likelihood (up to a constant) of the declared counts under each simulation.

    ``expected`` (S, D, J): each simulation's expected log votes of the slots of the D declared
    runoffs before the local noise (any value where ``observed`` is padding); ``observed`` (D, J):
    the declared votes, -1 for padding slots; ``scale`` (D,): the local noise scale (log votes).
    """
    expected = np.asarray(expected)
    observed = np.asarray(observed)
    scale = np.asarray(scale, np.float64)
    if (
        expected.ndim != 3
        or expected.shape[1:] != observed.shape
        or scale.shape != observed[:, 0].shape
    ):
        raise OptionError(
            f"shapes do not match: expected {expected.shape}, observed {observed.shape}, "
            f"scale {scale.shape}"
        )
    if (scale <= 0).any():
        raise OptionError("every noise scale must be positive")
    valid = observed >= 0
    n = np.maximum(valid.sum(axis=1), 1)
    y = np.log(np.where(valid, observed, 0) + 0.5)
    inv = 1.0 / scale**2
    out = np.zeros(expected.shape[0])
    for a in range(0, expected.shape[0], _CHUNK):
        u = np.where(valid[None], y[None] - expected[a : a + _CHUNK], 0.0)
        ubar = u.sum(axis=2) / n
        q = (np.where(valid[None], u - ubar[..., None], 0.0) ** 2).sum(axis=2)
        out[a : a + _CHUNK] = -0.5 * (q * inv).sum(axis=1)
    return out


def normalise(logw: np.ndarray) -> np.ndarray:
    """Weights summing to one from log weights."""
    w = np.exp(logw - logw.max())
    return w / w.sum()


def ess(w: np.ndarray) -> float:
    """Effective sample size ``1 / Σ w²`` of normalised weights."""
    return float(1.0 / np.dot(w, w))


def _ess_at(centred: np.ndarray, alpha: float) -> float:
    e = np.exp(alpha * centred)
    return float(e.sum() ** 2 / np.dot(e, e))


def temper(loglik: np.ndarray, min_ess: float) -> tuple[np.ndarray, float]:
    """Weights ``∝ exp(α · loglik)`` and ``α``: 1 when their ESS is at least ``min_ess`` (a count of
    simulations), else the largest ``α`` whose ESS reaches it (bisection on ``log α`` over
    [10⁻¹², 1], 30 steps: ``α`` to a relative 3·10⁻⁸)."""
    centred = loglik - loglik.max()
    if _ess_at(centred, 1.0) >= min_ess:
        return normalise(loglik), 1.0
    lo, hi = np.log(1e-12), 0.0
    if _ess_at(centred, float(np.exp(lo))) < min_ess:  # (only with min_ess near the count)
        return normalise(float(np.exp(lo)) * loglik), float(np.exp(lo))
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if _ess_at(centred, float(np.exp(mid))) >= min_ess:
            lo = mid
        else:
            hi = mid
    alpha = float(np.exp(lo))
    return normalise(alpha * loglik), alpha


def _weighted_quantile(counts: np.ndarray, q: float) -> float:
    cum = np.cumsum(counts)
    return float(np.searchsorted(cum, q * cum[-1] - 1e-12))


@dataclass(frozen=True, eq=False)
class Posterior:
    """The simulated elections reweighted by the declared runoffs.

    ``p_win`` (R, J): probability that each slot wins (declared runoffs: 1 for the declared
    winner); ``seat_draws`` (S, G): each simulation's seats per group, declared runoffs fixed at
    their result; ``weights`` (S,) summing to one; ``ess``: their effective sample size;
    ``ess_raw``: before tempering; ``alpha``: the tempering exponent (1: none); ``collapsed``:
    the ESS fell below the floor and the likelihood was tempered."""

    p_win: np.ndarray
    declared: np.ndarray
    seat_draws: np.ndarray
    weights: np.ndarray
    groups: tuple[str, ...]
    ess: float
    ess_raw: float
    alpha: float
    collapsed: bool
    #: fresh simulations (:mod:`hemicycle.live.effects`): the lowest ESS of the effects'
    #: particles in the update, before resampling; None: importance weights
    particle_ess: float | None = None

    def __repr__(self) -> str:
        return (
            f"Posterior(runoffs={self.p_win.shape[0]}, declared={int(self.declared.sum())}, "
            f"sims={self.weights.shape[0]}, ess={self.ess:.1f}, collapsed={self.collapsed})"
        )

    def seats(self) -> dict[str, dict[str, float]]:
        """Per group: weighted ``mean``, ``median``, ``lo``/``hi`` (5 %/95 %) and ``p_majority``."""
        out = {}
        for g, name in enumerate(self.groups):
            x = self.seat_draws[:, g].astype(np.int64)
            counts = np.bincount(x, weights=self.weights, minlength=MAJORITY * 2)
            out[name] = {
                "mean": float(np.dot(self.weights, x)),
                "median": _weighted_quantile(counts, 0.5),
                "lo": _weighted_quantile(counts, 0.05),
                "hi": _weighted_quantile(counts, 0.95),
                "p_majority": float(counts[MAJORITY:].sum()),
            }
        return out

    def resample(self, rng: np.random.Generator, n: int | None = None) -> np.ndarray:
        """(n, G) equally weighted seat vectors, by systematic resampling of the simulations."""
        return self.seat_draws[systematic_resample(self.weights, rng, n)]


def systematic_resample(
    w: np.ndarray, rng: np.random.Generator, n: int | None = None
) -> np.ndarray:
    """Indices of ``n`` (default ``len(w)``) simulations drawn by systematic resampling."""
    n = len(w) if n is None else int(n)
    u = (rng.random() + np.arange(n)) / n
    return np.minimum(np.searchsorted(np.cumsum(w), u), len(w) - 1)


BACKENDS = ("numba", "numpy")


@_numba.njit(parallel=True, cache=True)
def _wins_nb(winners, cols, w, J, out):  # pragma: no cover - compiled
    S = winners.shape[0]
    U = cols.shape[0]
    n_blocks = 16
    part = np.zeros((n_blocks, U, J))
    size = (S + n_blocks - 1) // n_blocks
    for b in _numba.prange(n_blocks):  # row-major reads; a partial sum per block of simulations
        for s in range(b * size, min(S, (b + 1) * size)):
            ws = w[s]
            for i in range(U):
                part[b, i, winners[s, cols[i]]] += ws
    for b in range(n_blocks):
        for i in range(U):
            for j in range(J):
                out[i, j] += part[b, i, j]


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise OptionError(f"unknown backend {backend!r}; allowed: {', '.join(BACKENDS)}")


def simulated_seats(
    winners: np.ndarray,
    slot_group: np.ndarray,
    n_groups: int,
    runoffs: np.ndarray | None = None,
    *,
    backend: str = "numba",
) -> np.ndarray:
    """(S, G) int64: each simulation's seats per group won in ``runoffs`` (default: all)."""
    _check_backend(backend)
    S, R = winners.shape
    cols = np.arange(R) if runoffs is None else np.asarray(runoffs, np.int64)
    J = slot_group.shape[1]
    out = np.zeros((S, n_groups), np.int64)
    if not len(cols):
        return out
    flat = slot_group[cols].ravel().astype(np.int64)
    if (flat[flat >= 0] >= n_groups).any():
        raise OptionError(f"a slot's group is beyond the {n_groups} groups")
    if backend == "numba":
        seats_kernel(winners, cols, np.asarray(slot_group, np.int64), out)
        return out
    offs = (np.arange(len(cols)) * J)[None, :]
    sub = winners[:, cols]
    for a in range(0, S, _CHUNK):
        win = sub[a : a + _CHUNK]
        n = len(win)
        g = flat[win + offs] + (np.arange(n) * n_groups)[:, None]
        out[a : a + n] = np.bincount(g.ravel(), minlength=n * n_groups).reshape(n, n_groups)
    return out


def weighted_wins(
    winners: np.ndarray, cols: np.ndarray, w: np.ndarray, J: int, *, backend: str = "numba"
) -> np.ndarray:
    """(len(cols), J): the weight of the simulations each slot of the runoffs ``cols`` wins."""
    _check_backend(backend)
    if backend == "numba":
        out = np.zeros((len(cols), J))
        _wins_nb(winners, np.asarray(cols, np.int64), np.asarray(w, np.float64), J, out)
        return out
    offs = (np.arange(len(cols)) * J)[None, :]
    sub = winners[:, cols]
    p = np.zeros(len(cols) * J)
    for a in range(0, len(w), _CHUNK):
        win = sub[a : a + _CHUNK]
        p += np.bincount(
            (win + offs).ravel(), weights=np.repeat(w[a : a + _CHUNK], len(cols)), minlength=len(p)
        )
    return p.reshape(len(cols), J)


def condition(
    winners: np.ndarray,
    loglik: np.ndarray,
    declared_winner: np.ndarray,
    slot_group: np.ndarray,
    fixed: np.ndarray,
    groups: Sequence[str],
    *,
    min_ess: float = MIN_ESS,
    sim_seats: np.ndarray | None = None,
    backend: str = "numba",
) -> Posterior:
    """The posterior of the runoffs given the declared ones.

    ``winners`` (S, R) int: each simulation's winning slot of every runoff (what
    :class:`~hemicycle.sim.montecarlo.Accumulators` holds); ``loglik`` (S,): each simulation's
    log likelihood of the declared counts (:func:`log_likelihood`, summed over polls);
    ``declared_winner`` (R,): the declared winner's slot, -1 where undeclared; ``slot_group``
    (R, J): each slot's group index in ``groups`` (-1 padding); ``fixed`` (G,): seats decided
    outside these runoffs (round 1, lone candidates); ``min_ess``: the ESS floor as a fraction of
    the simulations (tempering below it, see the module doc); ``sim_seats`` (S, G), optional:
    :func:`simulated_seats` of every runoff, computed once for the night, which makes the seat
    draws cost the declared runoffs rather than the undeclared ones when those are fewer;
    ``backend``: ``numba`` (default) or ``numpy`` for the two counting loops (same results).
    """
    winners = np.asarray(winners)
    S, R = winners.shape
    J = slot_group.shape[1]
    G = len(groups)
    if loglik.shape != (S,) or declared_winner.shape != (R,) or slot_group.shape[0] != R:
        raise OptionError(
            f"shapes do not match: winners {winners.shape}, loglik {loglik.shape}, "
            f"declared_winner {declared_winner.shape}, slot_group {slot_group.shape}"
        )
    if not 0 < min_ess <= 1:
        raise OptionError(f"min_ess is a fraction of the simulations in (0, 1]; got {min_ess}")
    declared = declared_winner >= 0
    ess_raw = ess(normalise(loglik))
    w, alpha = temper(loglik, min_ess * S)
    und = np.flatnonzero(~declared)
    dr = np.flatnonzero(declared)
    p = np.zeros((R, J))
    p[dr, declared_winner[dr]] = 1.0
    base = np.asarray(fixed, np.int64).copy()
    np.add.at(base, slot_group[dr, declared_winner[dr]], 1)
    if len(und):
        p[und] = weighted_wins(winners, und, w, J, backend=backend)
    # each simulation's seats in the undeclared runoffs: counted there, or (fewer columns) as
    # its seats in every runoff less those in the declared ones
    if sim_seats is not None and len(dr) < len(und):
        seats = sim_seats.astype(np.int64) - simulated_seats(
            winners, slot_group, G, dr, backend=backend
        )
    else:
        seats = simulated_seats(winners, slot_group, G, und, backend=backend)
    seats += base
    return Posterior(
        p_win=p,
        declared=declared,
        seat_draws=seats.astype(np.int16),
        weights=w,
        groups=tuple(groups),
        ess=ess(w),
        ess_raw=ess_raw,
        alpha=alpha,
        collapsed=alpha < 1.0,
    )


@dataclass(frozen=True)
class Call:
    """A race called: its constituency, the panel called, the probability then, the poll and
    time of the call, and whether its count was declared when it was called."""

    constituency: str
    panel: int
    probability: float
    poll: int
    at: str
    declared: bool


@dataclass(frozen=True)
class Calls:
    """The calls made so far (immutable: :meth:`update` returns a new record)."""

    threshold: float = CALL_THRESHOLD
    calls: tuple[Call, ...] = ()
    #: constituencies whose declared winner is not the panel called
    wrong: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0.5 < self.threshold <= 1.0:
            raise OptionError(f"a call threshold is in (0.5, 1]; got {self.threshold}")

    def by_code(self) -> dict[str, Call]:
        return {c.constituency: c for c in self.calls}

    def status(self, code: str, declared: bool = False) -> str:
        """``declared``, ``called`` or ``too early to call``."""
        if declared:
            return "declared"
        return "called" if code in self.by_code() else "too early to call"

    def update(
        self,
        codes: Sequence[str],
        panels: np.ndarray,
        posterior: Posterior,
        *,
        poll: int,
        at: str = "",
    ) -> Calls:
        """The calls after ``posterior``: ``codes`` (R,) the runoffs' constituencies, ``panels``
        (R, J) their slots' panel numbers."""
        have = self.by_code()
        new: list[Call] = []
        wrong = list(self.wrong)
        lead = posterior.p_win.argmax(axis=1)
        for r, code in enumerate(codes):
            j = int(lead[r])
            pr = float(posterior.p_win[r, j])
            done = have.get(code)
            if done is not None:
                if posterior.declared[r] and done.panel != int(panels[r, j]) and code not in wrong:
                    wrong.append(code)
                continue
            if posterior.declared[r] or pr >= self.threshold:
                new.append(Call(code, int(panels[r, j]), pr, poll, at, bool(posterior.declared[r])))
        if not new and len(wrong) == len(self.wrong):
            return self
        return replace(self, calls=self.calls + tuple(new), wrong=tuple(wrong))
