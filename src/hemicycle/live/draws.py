"""The simulated elections of :mod:`hemicycle.sim.montecarlo`, kept for the night: their winners,
and on demand each simulation's expected log votes in chosen runoffs before the local noise.

The Monte Carlo's random numbers are counter-based (a draw depends only on the run's key, the
simulation and what is drawn), so :func:`simulate` keeps the key and :meth:`Draws.expected`
recomputes, for the runoffs declared in a poll only, the very quantities the kernel used: the
replicate, the mobilisation and turnout factors, the national and departmental swings. With
``local=True`` it adds the local noise too, and then its argmax is the kernel's winner (a test
holds it to that).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as _numba
import numpy as np

from hemicycle.sim import montecarlo as mc

_G1, _G2, _G3, _G4 = (np.uint64(g) for g in (mc.G1, mc.G2, mc.G3, mc.G4))


@_numba.njit(inline="always")
def _hash(key, s, k):
    z = key + np.uint64(s) * _G1 + np.uint64(k) * _G2
    z = (z ^ (z >> np.uint64(30))) * _G3
    z = (z ^ (z >> np.uint64(27))) * _G4
    return z ^ (z >> np.uint64(31))


@_numba.njit(inline="always")
def _normal(table, key, s, k):
    return table[np.int64(_hash(key, s, k) >> np.uint64(48))]


@_numba.njit(inline="always")
def _shared(key, s, M, flo, fhi, sturn, nat, table, natz):
    """The replicate, mobilisation factor and turnout factor of simulation ``s``, and its national
    swings (``natz``, filled), as the Monte Carlo's kernel draws them."""
    m = np.int64(_hash(key, s, 0) % np.uint64(M))
    u = (np.float64(_hash(key, s, 1) >> np.uint64(11)) + 0.5) / 9007199254740992.0
    f = flo + (fhi - flo) * u
    t = np.exp(sturn * _normal(table, key, s, 2))
    for b in range(natz.shape[0]):
        natz[b] = nat * _normal(table, key, s, 8 + b)
    return m, f, t


@_numba.njit(inline="always")
def _slots(xm, abst, xnv, bloc, dep, n_deps, table, key, s, c, m, f, t, natz, sdep, sloc, local,
           scale, out):  # fmt: skip
    """Expected log votes of runoff ``c``'s slots in simulation ``s`` into ``out`` (-inf:
    padding), with the local noise when ``local``."""
    NV = xm.shape[2]
    J = xm.shape[3]
    d = dep[c]
    for i in range(NV):
        scale[i] = (1.0 - f * abst[m, c, i]) / (1.0 - abst[m, c, i])
    for j in range(J):
        b = bloc[c, j]
        if b < 0:
            out[j] = -np.inf
            continue
        acc = 0.0
        for i in range(NV):
            acc += xm[m, c, i, j] * scale[i]
        acc += t * xnv[m, c, j]
        e = natz[b] + sdep * _normal(table, key, s, 16 + 8 * d + b)
        if local:
            e += sloc[c] * _normal(table, key, s, 16 + 8 * n_deps + c * J + j)
        out[j] = np.log(max(acc, 1e-300)) + e


@_numba.njit(parallel=True, cache=True)
def _expected_kernel(
    xm, abst, xnv, bloc, dep, n_deps, table, key, rows, sims, nat, sdep, sloc, sturn, flo, fhi,
    local, out
):  # fmt: skip
    M, R, NV, J = xm.shape
    for s in _numba.prange(sims):
        natz = np.empty(8)
        scale = np.empty(NV)
        m, f, t = _shared(key, s, M, flo, fhi, sturn, nat, table, natz)
        for dd in range(rows.shape[0]):
            _slots(xm, abst, xnv, bloc, dep, n_deps, table, key, s, rows[dd], m, f, t, natz,
                   sdep, sloc, local, scale, out[s, dd])  # fmt: skip


@_numba.njit(parallel=True, cache=True)
def _loglik_kernel(
    xm, abst, xnv, bloc, dep, n_deps, table, key, rows, sims, nat, sdep, sloc, sturn, flo, fhi,
    y, valid, inv, out
):  # fmt: skip
    M, R, NV, J = xm.shape
    for s in _numba.prange(sims):
        natz = np.empty(8)
        scale = np.empty(NV)
        mu = np.empty(J)
        u = np.empty(J)
        m, f, t = _shared(key, s, M, flo, fhi, sturn, nat, table, natz)
        total = 0.0
        for dd in range(rows.shape[0]):
            _slots(xm, abst, xnv, bloc, dep, n_deps, table, key, s, rows[dd], m, f, t, natz,
                   sdep, sloc, False, scale, mu)  # fmt: skip
            n = 0
            ubar = 0.0
            for j in range(J):
                if valid[dd, j]:
                    u[j] = y[dd, j] - mu[j]
                    ubar += u[j]
                    n += 1
            if n == 0:
                continue
            ubar /= n
            q = 0.0
            for j in range(J):
                if valid[dd, j]:
                    q += (u[j] - ubar) ** 2
            total += q * inv[dd]
        out[s] = -0.5 * total


@dataclass(frozen=True, eq=False)
class Draws:
    """``sims`` simulated elections of ``inp`` under ``noise``, drawn with ``key``: ``winners``
    (sims, R) int8 is the winning slot of every runoff in every simulation."""

    inp: mc.Inputs
    noise: mc.Noise
    key: int
    winners: np.ndarray

    @property
    def sims(self) -> int:
        return int(self.winners.shape[0])

    def scales(self) -> np.ndarray:
        """(R,) each runoff's local noise scale."""
        return self.inp.local_scales(self.noise)

    def expected(self, runoffs: np.ndarray, *, local: bool = False) -> np.ndarray:
        """(sims, D, J) float64 expected log votes of each slot of ``runoffs`` (D indices) in every
        simulation, before the local noise (with it when ``local``); ``-inf`` for padding."""
        rows = np.asarray(runoffs, np.int64)
        J = self.inp.bloc.shape[1]
        out = np.empty((self.sims, len(rows), J))
        lo, hi = self.noise.mobilisation
        inp, noise = self.inp, self.noise
        _expected_kernel(
            inp.xm, inp.abst, inp.xnv, inp.bloc, inp.dep, inp.n_deps, mc.NORMAL,
            np.uint64(self.key), rows, self.sims, noise.national, noise.department,
            inp.local_scales(noise), noise.turnout, float(lo), float(hi), local, out,
        )  # fmt: skip
        return out

    def log_likelihood(self, runoffs: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """(sims,) log likelihood of the declared ``observed`` votes (D, J; -1 padding) of
        ``runoffs`` under each simulation: :func:`hemicycle.live.condition.log_likelihood` of
        :meth:`expected` at the runoffs' local scales, fused (nothing of size sims × D kept)."""
        rows = np.asarray(runoffs, np.int64)
        obs = np.asarray(observed, np.float64)
        valid = obs >= 0
        y = np.log(np.where(valid, obs, 0.0) + 0.5)
        inp, noise = self.inp, self.noise
        scales = inp.local_scales(noise)
        out = np.empty(self.sims)
        lo, hi = noise.mobilisation
        _loglik_kernel(
            inp.xm, inp.abst, inp.xnv, inp.bloc, inp.dep, inp.n_deps, mc.NORMAL,
            np.uint64(self.key), rows, self.sims, noise.national, noise.department, scales,
            noise.turnout, float(lo), float(hi), y, valid, 1.0 / scales[rows] ** 2, out,
        )  # fmt: skip
        return out


def simulate(
    inp: mc.Inputs, noise: mc.Noise, *, sims: int, rng: np.random.Generator, chunk: int = 20_000
) -> Draws:
    """Run the Monte Carlo's kernel (same draws as :func:`hemicycle.sim.montecarlo.run` with the
    same key) and keep its key and per-simulation winners."""
    mc.check_memory(int(sims), inp.bloc.shape[0])
    key = mc.draw_key(rng)
    winners = np.empty((sims, inp.bloc.shape[0]), np.int8)
    for start in range(0, sims, chunk):
        stop = min(start + chunk, sims)
        winners[start:stop] = mc.simulate_numba(inp, noise, key, start, stop).winners
    return Draws(inp, noise, key, winners)
