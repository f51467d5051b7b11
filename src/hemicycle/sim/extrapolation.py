"""Where a projection extrapolates: the transfer rates the training elections disagree on, and the
runoffs of the target whose call hangs on them.

The pool (:class:`~hemicycle.sim.transfers.PooledTransfers`) draws each simulated election's rates
from one training election at a time, weighted per (origin, configuration). For every
configuration of the target's lineup, every origin whose bloc has no candidate there (round-1
non-voters included) and every bloc that stands, the rate ``origin → destination`` of each training
election is its fit's mean over its bootstrap replicates (the candidates of one bloc summed), and

* ``mean`` and ``sd`` are that rate's mean and standard deviation over the training elections,
  weighted as the pool weighs them for that origin in that configuration
  (:meth:`~hemicycle.sim.transfers.PooledTransfers.probabilities`), the elections weighing less
  than :data:`MIN_WEIGHT` there left out (the pool barely draws them);
* ``lo`` and ``hi`` its range over the same elections (``lo_year``, ``hi_year``: which);
* a rate is ``listed`` when its ``sd`` is at least ``min_sd`` (default :data:`MIN_SD`): the
  elections disagree on it. A rate every training election puts at the same value has ``sd`` 0 and
  is never listed, whatever the target.

A runoff *depends* on a listed rate when its call moves with it: with every origin's rates at the
pool's weighted mean, the expected votes of its candidates (balancing and the mean of the
mobilisation range applied as in the simulation, without noise) make one candidate the favourite;
with the rate set to ``lo`` or to ``hi`` (:class:`~hemicycle.options.TransferOverride`'s rule: the
other destinations keep their proportions), the favourite changes. Those calls are the model's
guess: the training elections do not say which way they go. Rates of voters whose own bloc has a
candidate (loyalty) are not listed: an override cannot set them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hemicycle.data.blocs import BLOCS
from hemicycle.election import Election
from hemicycle.options import ORIGINS, TransferOverride
from hemicycle.sim import montecarlo as mc
from hemicycle.sim.features import Runoffs, apply_overrides, national_profile, origins, runoffs
from hemicycle.sim.transfers import PooledTransfers, config_key

#: A rate is listed when its weighted sd over the training elections is at least this.
MIN_SD = 0.05
#: An election weighing less than this for an origin in a configuration is left out of the rate's
#: range (``lo``, ``hi``): the pool barely draws it there.
MIN_WEIGHT = 0.05

RATE_COLUMNS = [
    "configuration",
    "origin",
    "destination",
    "runoffs",
    "mean",
    "sd",
    "lo",
    "hi",
    "lo_year",
    "hi_year",
    "listed",
    "depends",
]
RUNOFF_COLUMNS = [
    "constituency",
    "configuration",
    "origin",
    "destination",
    "origin_share",
    "lo",
    "hi",
    "favourite",
    "favourite_lo",
    "favourite_hi",
]


@dataclass(frozen=True, eq=False)
class Extrapolation:
    """Where a projection extrapolates (see the module doc).

    ``rates``: one row per (configuration, origin, destination) of the target's lineup, most
    disputed first — ``configuration`` (``left+far_right``), ``origin`` (a bloc or ``nonvoter``),
    ``destination`` (a bloc standing), ``runoffs`` (the target's runoffs of that configuration),
    ``mean``, ``sd`` (weighted over the training elections), ``lo``, ``hi``, ``lo_year``,
    ``hi_year`` (the range and the elections at its ends), ``listed`` (``sd >= min_sd``) and
    ``depends`` (how many of the target's runoffs have their call move across the range).

    ``runoffs``: one row per (runoff, listed rate) whose call moves — ``constituency`` (code),
    ``configuration``, ``origin``, ``destination``, ``origin_share`` (the origin's share of the
    registered voters there), ``lo``, ``hi`` (the rate's range), ``favourite`` (bloc of the
    candidate with the most expected votes at the pool's mean), ``favourite_lo``, ``favourite_hi``
    (the same with the rate at ``lo``, at ``hi``).
    """

    target_year: int
    train_years: tuple[int, ...]
    min_sd: float
    rates: pd.DataFrame
    runoffs: pd.DataFrame

    @property
    def listed(self) -> pd.DataFrame:
        """The rates the training elections disagree on (``listed``)."""
        return self.rates[self.rates["listed"]].reset_index(drop=True)


def _mean_matrices(pool: PooledTransfers, run: Runoffs) -> np.ndarray:
    """(E, R, NO, J+1): each training election's matrices of ``run``, mean over its replicates."""
    return np.stack(
        [np.mean([m.matrices(run, k) for k in range(m.n_replicates)], axis=0) for m in pool.models]
    )


def pooled_mean(pool: PooledTransfers, run: Runoffs) -> tuple[np.ndarray, np.ndarray]:
    """(R, NO, J+1) the pool's mean matrix of each runoff of ``run`` (each origin's rows weighted
    as the pool draws them, each election at its replicates' mean) and (R, NO, E) those
    weights."""
    keys = [config_key(b) for b in run.bloc]
    P = {cfg: pool.probabilities(cfg) for cfg in dict.fromkeys(keys)}
    W = np.stack([P[k] for k in keys])
    return np.einsum("rie,erij->rij", W, _mean_matrices(pool, run)), W


def _expected_votes(
    T: np.ndarray, x: np.ndarray, valid: np.ndarray, shift: np.ndarray, mobilisation: float
) -> np.ndarray:
    """(R, J) expected votes of each slot (−inf on padding), as the simulation computes them
    without noise: round-1 voters' abstention scaled by the mean ``mobilisation``."""
    J = valid.shape[1]
    nv = x.shape[1] - 1
    a = np.minimum(T[:, :nv, J], 1.0 - 1e-9)
    scale = (1.0 - mobilisation * a) / (1.0 - a)
    v = np.einsum("ri,rij->rj", x[:, :nv] * scale, T[:, :nv, :J]) + x[:, nv, None] * T[:, nv, :J]
    v = v * np.exp(shift)
    return np.where(valid, v, -np.inf)


def extrapolation(
    pool: PooledTransfers,
    election: Election,
    standing: np.ndarray,
    noise: mc.Noise = mc.Noise(),
    *,
    min_sd: float = MIN_SD,
    min_weight: float = MIN_WEIGHT,
) -> Extrapolation:
    """The rates the training elections of ``pool`` disagree on for ``election``'s lineup
    ``standing``, and the runoffs whose call depends on them (see the module doc)."""
    run_all = runoffs(election, standing)
    run = run_all.subset(run_all.n_slots >= 2)
    x = origins(election).x[run.rows]
    valid = run.cols >= 0
    R, J = run.cols.shape
    keys = [config_key(b) for b in run.bloc]
    shift = np.zeros((R, J))
    if noise.balancing:
        shift[run.bloc == int(np.argmax(national_profile(election)))] -= noise.balancing
    mobilisation = float(np.mean(noise.mobilisation))
    Te = _mean_matrices(pool, run)  # (E, R, NO, J+1)
    years = pool.years
    P = {cfg: pool.probabilities(cfg) for cfg in dict.fromkeys(keys)}  # (NO, E) each
    # the pool's mean matrix of each runoff: each origin's rows weighted as the pool draws them
    W = np.stack([P[k] for k in keys])  # (R, NO, E)
    Tbar = np.einsum("rie,erij->rij", W, Te)
    fav = _expected_votes(Tbar, x, valid, shift, mobilisation).argmax(axis=1)
    rates, deps = [], []
    for cfg, p in P.items():
        idx = np.array([r for r in range(R) if keys[r] == cfg])
        for o, origin in enumerate(ORIGINS):
            if origin in cfg:
                continue  # loyalty: an override cannot set it
            for dest in dict.fromkeys(cfg):
                slots = run.bloc[idx[0]] == BLOCS.index(dest)
                vals = Te[:, idx[0], o, :J][:, slots].sum(axis=1)  # (E,) one runoff: config rates
                seen = p[o] >= min_weight if (p[o] >= min_weight).any() else p[o] > 0
                w = np.where(seen, p[o], 0.0) / p[o][seen].sum()
                mean = float(w @ vals)
                sd = float(np.sqrt(max(w @ (vals - mean) ** 2, 0.0)))
                lo_e = int(np.flatnonzero(seen)[np.argmin(vals[seen])])
                hi_e = int(np.flatnonzero(seen)[np.argmax(vals[seen])])
                lo, hi = float(vals[lo_e]), float(vals[hi_e])
                listed = sd >= min_sd
                moved = []
                if listed:
                    sub = _Runoffs(election, run.subset(idx), x[idx], valid[idx], shift[idx])
                    moved = _moved(sub, Tbar[idx], fav[idx], o, origin, dest, lo, hi, mobilisation)
                    deps += [(row[0], "+".join(cfg), *row[1:]) for row in moved]
                rates.append(
                    (
                        "+".join(cfg),
                        origin,
                        dest,
                        len(idx),
                        mean,
                        sd,
                        lo,
                        hi,
                        years[lo_e],
                        years[hi_e],
                        listed,
                        len(moved),
                    )
                )
    table = pd.DataFrame(rates, columns=RATE_COLUMNS)
    table = table.sort_values(["sd", "runoffs"], ascending=False, kind="stable")
    dep = pd.DataFrame(deps, columns=RUNOFF_COLUMNS)
    return Extrapolation(
        target_year=election.year,
        train_years=tuple(years),
        min_sd=min_sd,
        rates=table.reset_index(drop=True),
        runoffs=dep.sort_values(["constituency", "origin", "destination"]).reset_index(drop=True),
    )


@dataclass(frozen=True, eq=False)
class _Runoffs:
    """The runoffs of one configuration: their lineups, origins, slots and deterministic shifts."""

    election: Election
    run: Runoffs
    x: np.ndarray
    valid: np.ndarray
    shift: np.ndarray


def _moved(
    sub: _Runoffs,
    Tbar: np.ndarray,
    fav: np.ndarray,
    o: int,
    origin: str,
    dest: str,
    lo: float,
    hi: float,
    mobilisation: float,
) -> list[tuple[object, ...]]:
    """The runoffs of ``sub`` whose favourite changes when the rate ``origin`` → ``dest`` is set
    to the lowest or the highest the training elections had (``lo``, ``hi``): rows of
    :data:`RUNOFF_COLUMNS` but the configuration (inserted by the caller)."""
    at = {}
    for name, rate in (("lo", lo), ("hi", hi)):
        ov = (TransferOverride(origin, dest, float(np.clip(rate, 0.0, 1.0))),)
        T = apply_overrides(Tbar, sub.run, ov)
        at[name] = _expected_votes(T, sub.x, sub.valid, sub.shift, mobilisation).argmax(axis=1)
    moved = (at["lo"] != fav) | (at["hi"] != fav)
    bloc = sub.run.bloc
    return [
        (
            str(sub.election.codes[sub.run.rows[k]]),
            origin,
            dest,
            float(sub.x[k, o]),
            lo,
            hi,
            BLOCS[bloc[k, fav[k]]],
            BLOCS[bloc[k, at["lo"][k]]],
            BLOCS[bloc[k, at["hi"][k]]],
        )
        for k in np.flatnonzero(moved)
    ]


def _years(years: tuple[int, ...]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def render(ex: Extrapolation, n: int = 8) -> str:
    """A short plain-text table (fits 80 columns): the listed rates on which runoffs depend,
    most runoffs first, and the codes of those runoffs."""
    if len(ex.train_years) < 2:
        return (
            f"Where it extrapolates: one training election ({ex.train_years[0]}), nothing to "
            "compare its rates with."
        )
    dep = ex.listed[ex.listed["depends"] > 0].sort_values(
        ["depends", "sd"], ascending=False, kind="stable"
    )
    codes = sorted(ex.runoffs["constituency"].unique())
    lines = [
        f"Where it extrapolates: the training elections ({_years(ex.train_years)}) disagree on "
        f"{len(ex.listed)}",
        f"transfer rates (weighted sd >= {ex.min_sd:g}); {len(codes)} runoffs have a call that "
        "moves",
        "across the range of one of them: those calls are the model's guess.",
    ]
    if dep.empty:
        return "\n".join(lines)
    lines += [
        "",
        f"{'rate':<24}{'configuration':<22}{'range':>10}{'  ends':<11}{'calls':>8}",
    ]
    for r in dep.head(n).itertuples(index=False):
        cfg = r.configuration if len(r.configuration) <= 21 else r.configuration[:20] + "…"
        lines.append(
            f"{r.origin + ' → ' + r.destination:<24}{cfg:<22}{r.lo:>4.2f}–{r.hi:<5.2f}"
            f"  {r.lo_year}/{r.hi_year}{r.depends:>5}/{r.runoffs}"
        )
    more = f" … (+{len(codes) - 20})" if len(codes) > 20 else ""
    lines += ["", "runoffs: " + " ".join(codes[:10]), "         " + " ".join(codes[10:20]) + more]
    return "\n".join(lines)
