"""Monte Carlo of round 2: one fast path (a fused numba kernel) and a plain-Python reference.

Random numbers are *counter-based*: the standard normal used for simulation ``s`` and "slot"
``k`` is ``NORMAL[hash(key, s, k) >> 48]`` where ``hash`` is a SplitMix64-style mixer and
``NORMAL`` the 65,536 quantiles of the standard normal. Every draw therefore depends only on
(seed, simulation index, what is drawn), never on chunk sizes, threads or the backend: the numba
kernel and the reference loop see the very same draws, and the same seed gives the
same bytes whatever the chunking. The key comes from ``rng`` (``rng.integers``), so callers still
pass a :class:`numpy.random.Generator`.

Model of one simulated election ``s`` (per runoff ``c``, candidate slot ``j`` of bloc ``b``):

* a bootstrap replicate ``m`` of the transfer fit (uniform),
* a mobilisation factor ``f ~ U(f_lo, f_hi)`` multiplying the training election's between-round
  abstention of round-1 voters (``a → f a``; the origin's other rates scaled by
  ``(1 − f a) / (1 − a)`` to keep the row's sum: linear in ``f``, so a symmetric ``f`` moves the
  votes symmetrically),
* a turnout factor ``exp(sigma_turnout * z)`` on the round-1 non-voters who vote in round 2,
* log-normal noise ``exp(sigma_nat z[b] + sigma_dep z[d, b] + sigma_loc z[c, j])`` on each
  candidate's expected votes (national and departmental swings are shared by all candidates of the
  bloc; ``sigma_loc`` is ``Noise.local_rare`` in the runoffs whose configuration is rare in the
  lineup, :attr:`Inputs.rare`, ``Noise.local`` elsewhere), then the winner is the most voted
  (tie: the older; the law's rule).

Accumulated: wins and the sum of the (quantised) vote shares per slot, a histogram of shares for the
5%/95% quantiles, and the winner of every runoff of every simulation (for seat vectors).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba as _numba
import numpy as np
from scipy.special import ndtri

from hemicycle.errors import HemicycleError, OptionError

if TYPE_CHECKING:
    from hemicycle.sim.fundamentals import PresidentialShift

NBINS = 2000
QSCALE = float(1 << 24)  # shares are summed as integers of 2**-24, exact and order-independent
_M = (1 << 64) - 1
NORMAL = ndtri((np.arange(1 << 16) + 0.5) / (1 << 16)).astype(np.float64)

# slot layout of the counter-based draws of one simulation
SLOT_REPLICATE, SLOT_MOBILISATION, SLOT_TURNOUT, SLOT_NATIONAL = 0, 1, 2, 8
SLOT_DEPARTMENT = 16
G1 = 0x9E3779B97F4A7C15
G2 = 0xD1B54A32D192ED03
G3 = 0xBF58476D1CE4E5B9
G4 = 0x94D049BB133111EB


@dataclass(frozen=True, eq=False)
class Inputs:
    """Everything one simulated election needs, as arrays (R runoffs, J slots, M replicates)."""

    #: (M, R, NO-1, J) float64: voter origin i's expected votes for slot j (shares of registered)
    xm: np.ndarray
    abst: np.ndarray  # (M, R, NO-1) float64: voter origin i's abstention rate T[i, abstain]
    xnv: np.ndarray  # (M, R, J) float64: non-voters' expected votes for slot j
    bloc: np.ndarray  # (R, J) int64, -1 padding
    dep: np.ndarray  # (R,) int64 department index
    birth: np.ndarray  # (R, J) int64 (smaller = older)
    n_deps: int
    #: (R,) bool: the runoff's configuration is rare in this lineup (its local noise is
    #: :attr:`Noise.local_rare`); None: no runoff is
    rare: np.ndarray | None = None

    def local_scales(self, noise: Noise) -> np.ndarray:
        """(R,) float64: each runoff's local noise scale."""
        out = np.full(self.bloc.shape[0], float(noise.local))
        if self.rare is not None and noise.local_rare is not None:
            out[self.rare] = noise.local_rare
        return out


@dataclass(frozen=True)
class Noise:
    """Noise scales (log scale) and the mobilisation range drawn by the kernel (see the module
    doc), and what :func:`hemicycle.sim.project.build_inputs` applies to the inputs and the kernel
    never reads: two deterministic log shifts, ``leader`` and ``balancing``, and ``rare_below``,
    which marks the runoffs of :attr:`Inputs.rare`."""

    national: float = 0.08
    department: float = 0.05
    local: float = 0.08
    #: local noise of the runoffs whose configuration is rare in the lineup (fewer than
    #: ``rare_below`` runoffs; :attr:`Inputs.rare`); None: the same as ``local``
    local_rare: float | None = None
    rare_below: int = 0
    turnout: float = 0.25
    mobilisation: tuple[float, float] = (0.0, 1.0)
    #: log bonus on the expected votes of each runoff's round-1 leader (deterministic, applied to
    #: the inputs by :func:`hemicycle.sim.project.build_inputs`; 0: none)
    leader: float = 0.0
    #: log penalty on the expected votes of every candidate of the bloc that led round 1
    #: nationally (deterministic, applied by :func:`hemicycle.sim.project.build_inputs`; 0: none)
    balancing: float = 0.0
    #: the target's pull towards its presidential round 2
    #: (:class:`~hemicycle.sim.fundamentals.PresidentialShift`, deterministic, applied by
    #: :func:`hemicycle.sim.project.build_inputs`; None: none)
    presidential: PresidentialShift | None = None


@dataclass(frozen=True, eq=False)
class Accumulators:
    n: int
    wins: np.ndarray  # (R, J) int64
    share_sum: np.ndarray  # (R, J) int64, units of 2**-24
    hist: np.ndarray  # (R, J, NBINS) int64
    winners: np.ndarray  # (n, R) int8 slot of the winner in each simulation


def _mix(z: int) -> int:
    z = (z ^ (z >> 30)) * G3 & _M
    z = (z ^ (z >> 27)) * G4 & _M
    return z ^ (z >> 31)


def draw_key(rng: np.random.Generator) -> int:
    """The 64-bit key of a run, taken from ``rng``."""
    return int(rng.integers(0, 1 << 63, dtype=np.int64)) * 2 + 1


def hash_py(key: int, s: int, k: int) -> int:
    return _mix((key + s * G1 + k * G2) & _M)


def normal_py(key: int, s: int, k: int) -> float:
    return float(NORMAL[hash_py(key, s, k) >> 48])


def uniform_py(key: int, s: int, k: int) -> float:
    return ((hash_py(key, s, k) >> 11) + 0.5) / float(1 << 53)


def _slot_local(n_deps: int, c: int, j: int, J: int) -> int:
    return SLOT_DEPARTMENT + 8 * n_deps + c * J + j


def _empty_accumulators(
    n: int, R: int, J: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Win counts, share sums (2^-24 units), share histograms and per-simulation winners."""
    return (
        np.zeros((R, J), np.int64),
        np.zeros((R, J), np.int64),
        np.zeros((R, J, NBINS), np.int64),
        np.full((n, R), -1, np.int8),
    )


# --------------------------------------------------------------------------- reference loop


def simulate_reference(inp: Inputs, noise: Noise, key: int, start: int, stop: int) -> Accumulators:
    """Obviously-correct plain-Python loop over simulations, runoffs and candidates."""
    M, R, NV, J = inp.xm.shape
    n = stop - start
    wins, ssum, hist, winners = _empty_accumulators(n, R, J)
    lo, hi = noise.mobilisation
    sloc = inp.local_scales(noise)
    for s in range(start, stop):
        m = hash_py(key, s, SLOT_REPLICATE) % M
        f = lo + (hi - lo) * uniform_py(key, s, SLOT_MOBILISATION)
        t = np.exp(noise.turnout * normal_py(key, s, SLOT_TURNOUT))
        for c in range(R):
            scale = [(1.0 - f * inp.abst[m, c, i]) / (1.0 - inp.abst[m, c, i]) for i in range(NV)]
            votes = []
            for j in range(J):
                b = int(inp.bloc[c, j])
                if b < 0:
                    votes.append(-1.0)
                    continue
                v = 0.0
                for i in range(NV):
                    v += inp.xm[m, c, i, j] * scale[i]
                v += t * inp.xnv[m, c, j]
                d = int(inp.dep[c])
                e = (
                    noise.national * normal_py(key, s, SLOT_NATIONAL + b)
                    + noise.department * normal_py(key, s, SLOT_DEPARTMENT + 8 * d + b)
                    + sloc[c] * normal_py(key, s, _slot_local(inp.n_deps, c, j, J))
                )
                votes.append(v * np.exp(e))
            total = sum(v for v in votes if v > 0)
            best = -1
            for j in range(J):
                if votes[j] < 0:
                    continue
                if (
                    best < 0
                    or votes[j] > votes[best]
                    or (votes[j] == votes[best] and inp.birth[c, j] < inp.birth[c, best])
                ):
                    best = j
            wins[c, best] += 1
            winners[s - start, c] = best
            for j in range(J):
                if votes[j] < 0:
                    continue
                share = votes[j] / total if total > 0 else 1.0
                ssum[c, j] += int(share * QSCALE + 0.5)
                hist[c, j, min(int(share * NBINS), NBINS - 1)] += 1
    return Accumulators(n=n, wins=wins, share_sum=ssum, hist=hist, winners=winners)


# --------------------------------------------------------------------------- numba kernel

_nb_G1, _nb_G2, _nb_G3, _nb_G4 = (np.uint64(g) for g in (G1, G2, G3, G4))


@_numba.njit(inline="always")
def _hash_nb(key, s, k):
    z = key + np.uint64(s) * _nb_G1 + np.uint64(k) * _nb_G2
    z = (z ^ (z >> np.uint64(30))) * _nb_G3
    z = (z ^ (z >> np.uint64(27))) * _nb_G4
    return z ^ (z >> np.uint64(31))


@_numba.njit(parallel=True, fastmath=False, cache=True)
def _kernel(
    xm,
    abst,
    xnv,
    bloc,
    dep,
    birth,
    n_deps,
    table,
    key,
    start,
    n,
    nat,
    sdep,
    sloc,
    sturn,
    flo,
    fhi,
    wins,
    ssum,
    hist,
    winners,
):
    M, R, NV, J = xm.shape
    nbins = hist.shape[2]
    for c in _numba.prange(R):
        v = np.empty(J)
        scale = np.empty(NV)
        d = dep[c]
        for ss in range(n):
            s = start + ss
            m = np.int64(_hash_nb(key, s, 0) % np.uint64(M))
            u = (np.float64(_hash_nb(key, s, 1) >> np.uint64(11)) + 0.5) / 9007199254740992.0
            f = flo + (fhi - flo) * u
            t = np.exp(sturn * table[np.int64(_hash_nb(key, s, 2) >> np.uint64(48))])
            total = 0.0
            best = -1
            for i in range(NV):
                scale[i] = (1.0 - f * abst[m, c, i]) / (1.0 - abst[m, c, i])
            for j in range(J):
                b = bloc[c, j]
                if b < 0:
                    v[j] = -1.0
                    continue
                acc = 0.0
                for i in range(NV):
                    acc += xm[m, c, i, j] * scale[i]
                acc += t * xnv[m, c, j]
                e = (
                    nat * table[np.int64(_hash_nb(key, s, 8 + b) >> np.uint64(48))]
                    + sdep * table[np.int64(_hash_nb(key, s, 16 + 8 * d + b) >> np.uint64(48))]
                    + sloc[c]
                    * table[
                        np.int64(_hash_nb(key, s, 16 + 8 * n_deps + c * J + j) >> np.uint64(48))
                    ]
                )
                x = acc * np.exp(e)
                v[j] = x
                if x > 0:
                    total += x
                if best < 0 or x > v[best] or (x == v[best] and birth[c, j] < birth[c, best]):
                    best = j
            wins[c, best] += 1
            winners[ss, c] = best
            for j in range(J):
                if v[j] < 0:
                    continue
                sh = v[j] / total if total > 0 else 1.0
                ssum[c, j] += np.int64(sh * 16777216.0 + 0.5)
                k = np.int64(sh * nbins)
                if k > nbins - 1:
                    k = nbins - 1
                hist[c, j, k] += 1


def simulate_numba(inp: Inputs, noise: Noise, key: int, start: int, stop: int) -> Accumulators:
    """The fused kernel: parallel over runoffs, every draw computed in registers."""
    M, R, NV, J = inp.xm.shape
    n = stop - start
    wins, ssum, hist, winners = _empty_accumulators(n, R, J)
    lo, hi = noise.mobilisation
    _kernel(
        inp.xm,
        inp.abst,
        inp.xnv,
        inp.bloc,
        inp.dep,
        inp.birth,
        inp.n_deps,
        NORMAL,
        np.uint64(key),
        start,
        n,
        noise.national,
        noise.department,
        inp.local_scales(noise),
        noise.turnout,
        float(lo),
        float(hi),
        wins,
        ssum,
        hist,
        winners,
    )
    return Accumulators(n=n, wins=wins, share_sum=ssum, hist=hist, winners=winners)


#: ``numba`` is the one fast path; ``reference`` the test oracle (same draws, same winners).
BACKENDS = {"numba": simulate_numba, "reference": simulate_reference}


@_numba.njit(parallel=True, cache=True)
def seats_kernel(winners, cols, slot_group, out):  # pragma: no cover - compiled
    """Add to ``out[s, g]`` (S, G) one seat for every runoff ``c`` of ``cols`` whose winner in
    simulation ``s`` sits in a slot of group ``g = slot_group[c, winners[s, c]]`` (``-1``: no
    group). Used by the projection's seat tables and the night's."""
    S = winners.shape[0]
    for s in _numba.prange(S):
        for i in range(cols.shape[0]):
            c = cols[i]
            g = slot_group[c, winners[s, c]]
            if g >= 0:
                out[s, g] += 1


def default_backend() -> str:
    return "numba"


class Stopped(HemicycleError):
    """A run stopped between chunks because its ``should_stop`` said so."""


_hook = threading.local()


@contextmanager
def stop_when(should_stop: Callable[[], bool]) -> Iterator[None]:
    """Within the block, :func:`run` calls in this thread stop between chunks (raising
    :class:`Stopped`) once ``should_stop()`` is true (the web server cancels abandoned
    projections)."""
    previous = getattr(_hook, "should_stop", None)
    _hook.should_stop = should_stop
    try:
        yield
    finally:
        _hook.should_stop = previous


#: Bytes a simulation keeps besides its winners (one byte per runoff): the seat draws of every
#: nuance and bloc (int16) and slack for the summaries.
_BYTES_PER_SIM = 160


def available_memory() -> int | None:
    """Bytes of memory available now (``MemAvailable``, else free pages), or ``None`` if unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(sims: int, runoffs: int) -> None:
    """Refuse, before allocating anything, a run whose per-simulation results cannot fit in the
    memory available (about ``sims × (runoffs + 160)`` bytes)."""
    if isinstance(sims, bool) or not isinstance(sims, int | np.integer) or sims <= 0:
        raise OptionError(f"sims must be a positive integer; got {sims!r}")
    need = int(sims) * (int(runoffs) + _BYTES_PER_SIM)
    have = available_memory()
    if have is not None and need > have:
        most = have // (int(runoffs) + _BYTES_PER_SIM)
        raise OptionError(
            f"{int(sims):,} simulations need about {need / 2**30:,.1f} GiB of memory "
            f"(one byte for each of up to {runoffs} runoffs, plus the seat draws), and "
            f"{have / 2**30:,.1f} GiB is available: use --sims {most:,} or fewer"
        )


def run(
    inp: Inputs,
    noise: Noise,
    *,
    sims: int,
    rng: np.random.Generator,
    backend: str | None = None,
    chunk: int | None = None,
    progress: bool = False,
    should_stop: Callable[[], bool] | None = None,
) -> Accumulators:
    """Simulate ``sims`` elections in chunks (bounded memory), with an optional rich progress bar.
    ``should_stop`` (default: the one of an enclosing :func:`stop_when`) is checked between
    chunks."""
    should_stop = should_stop or getattr(_hook, "should_stop", None)
    if not isinstance(sims, int | np.integer) or sims <= 0:
        raise OptionError(f"sims must be a positive integer; got {sims!r}")
    name = backend or default_backend()
    if name not in BACKENDS:
        raise OptionError(f"unknown backend {name!r}; allowed: {', '.join(BACKENDS)}")
    fn = BACKENDS[name]
    key = draw_key(rng)
    M, R, NV, J = inp.xm.shape
    check_memory(int(sims), R)
    if chunk is None:
        chunk = 20_000 if name == "numba" else 1_000
    wins, ssum, hist, winners = _empty_accumulators(sims, R, J)
    bar = None
    if progress:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        out = Console(stderr=True)  # stdout is the result's, piped or not
        bar = Progress(
            TextColumn("simulating"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,}"),
            TimeRemainingColumn(),
            transient=True,
            console=out,
            disable=not out.is_terminal,  # a log gets no bar (nor the blank line it leaves)
        )
        task = bar.add_task("sims", total=sims)
        bar.start()
    try:
        for start in range(0, sims, chunk):
            if should_stop is not None and should_stop():
                raise Stopped(f"stopped after {start:,} of {sims:,} simulations")
            stop = min(start + chunk, sims)
            acc = fn(inp, noise, key, start, stop)
            wins += acc.wins
            ssum += acc.share_sum
            hist += acc.hist
            winners[start:stop] = acc.winners
            if bar is not None:
                bar.update(task, advance=stop - start)
    finally:
        if bar is not None:
            bar.stop()
    return Accumulators(n=sims, wins=wins, share_sum=ssum, hist=hist, winners=winners)


def hist_quantiles(hist: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """Quantiles of shares from per-slot histograms on [0, 1] (linear inside a bin)."""
    n = hist.sum(axis=-1)
    cum = np.cumsum(hist, axis=-1)
    out = []
    nb = hist.shape[-1]
    for q in qs:
        target = q * n
        k = np.minimum((cum < target[..., None]).sum(axis=-1), nb - 1)
        below = np.where(
            k > 0, np.take_along_axis(cum, np.maximum(k - 1, 0)[..., None], -1)[..., 0], 0
        )
        inbin = np.take_along_axis(hist, k[..., None], -1)[..., 0]
        frac = np.where(inbin > 0, (target - below) / np.maximum(inbin, 1), 0.5)
        out.append(np.where(n > 0, (k + np.clip(frac, 0, 1)) / nb, np.nan))
    return out
