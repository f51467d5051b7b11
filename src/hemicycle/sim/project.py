"""Projection of a target election's round 2: inputs for the Monte Carlo, and its summaries.

Engine-side only (arrays and frozen values); :mod:`hemicycle.sim.api` loads data and writes tables.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from hemicycle import rules
from hemicycle.data.blocs import BLOCS, blocs_of
from hemicycle.election import Election, printed_nuance
from hemicycle.rules import MAJORITY
from hemicycle.sim import montecarlo as mc
from hemicycle.sim.features import (
    Runoffs,
    TransferOverride,
    apply_overrides,
    check_overrides,
    national_profile,
    origins,
    runoffs,
)
from hemicycle.sim.transfers import PooledTransfers, TransferModel, config_counts

PREDS_COLUMNS = [
    "constituency",
    "panel",
    "nuance",
    "bloc",
    "p_win",
    "share_mean",
    "share_lo",
    "share_hi",
]
SEATS_COLUMNS = ["group", "kind", "mean", "median", "lo", "hi", "p_majority"]
#: The quantiles of each candidate's simulated share given as ``share_lo`` and ``share_hi``: a
#: central 90 % interval.
SHARE_QUANTILES = (0.05, 0.95)


def build_inputs(
    model: TransferModel | PooledTransfers,
    election: Election,
    standing: np.ndarray,
    overrides: tuple[TransferOverride, ...] = (),
    noise: mc.Noise = mc.Noise(),
) -> tuple[mc.Inputs, Runoffs]:
    """Monte Carlo inputs for the contested runoffs (two or more candidates) of ``standing``,
    with the transfer ``overrides`` applied to every replicate's matrices, and what ``noise``
    applies to the inputs: the expected votes of each runoff's round-1 leader multiplied by
    ``exp(noise.leader)``, those of every candidate of the bloc that led round 1 nationally
    (:func:`~hemicycle.sim.features.national_profile`) by ``exp(-noise.balancing)``, then the pull
    towards the presidential round 2 (``noise.presidential``, :mod:`hemicycle.sim.fundamentals`),
    and the runoffs whose configuration has fewer than ``noise.rare_below`` runoffs in this lineup
    marked rare (:attr:`~hemicycle.sim.montecarlo.Inputs.rare`)."""
    leader, balancing = noise.leader, noise.balancing
    overrides = check_overrides(overrides)  # once: apply_overrides runs for every replicate
    run_all = runoffs(election, standing)
    run = run_all.subset(run_all.n_slots >= 2)
    x = origins(election).x[run.rows]
    M = model.n_replicates
    R, J = run.cols.shape
    nv = x.shape[1] - 1
    xm = np.zeros((M, R, nv, J))
    abst = np.zeros((M, R, nv))
    xnv = np.zeros((M, R, J))
    for m in range(M):
        T = apply_overrides(model.matrices(run, m), run, overrides)  # (R, NO, J+1)
        xm[m] = x[:, :nv, None] * T[:, :nv, :J]
        abst[m] = np.minimum(T[:, :nv, J], 1.0 - 1e-9)
        xnv[m] = x[:, nv, None] * T[:, nv, :J]
    shift = np.zeros((R, J))  # deterministic log factor on each slot's expected votes
    if leader:
        top = np.where(run.cols >= 0, run.r1_votes, -1.0).argmax(axis=1)
        shift[np.arange(R), top] += leader
    if balancing:
        shift[run.bloc == int(np.argmax(national_profile(election)))] -= balancing
    if shift.any():
        factor = np.exp(shift)
        xm *= factor[None, :, None, :]
        xnv *= factor[None]
    if noise.presidential is not None:  # after the shifts above: the pull is towards a level
        factor = np.exp(noise.presidential.log_shift(xm.sum(axis=2) + xnv, run, election))
        xm *= factor[None, :, None, :]
        xnv *= factor[None]
    _, dep = np.unique(election.departments, return_inverse=True)
    birth = np.where(
        run.cols >= 0,
        np.take_along_axis(election.birth[run.rows], np.maximum(run.cols, 0), 1),
        rules.UNKNOWN_BIRTH,
    )
    inp = mc.Inputs(
        xm=xm,
        abst=abst,
        xnv=xnv,
        bloc=run.bloc,
        dep=dep[run.rows].astype(np.int64),
        birth=birth.astype(np.int64),
        n_deps=int(dep.max()) + 1,
        rare=rare_runoffs(run, noise.rare_below) if noise.rare_below > 0 else None,
    )
    return inp, run


def rare_runoffs(run: Runoffs, rare_below: int) -> np.ndarray:
    """(R,) bool: runoffs whose configuration has fewer than ``rare_below`` runoffs in ``run``."""
    return config_counts(run.bloc) < rare_below


@dataclass(frozen=True, eq=False, repr=False)
class Projection:
    """A projected round 2: per-candidate table, seat table and the simulated seat vectors.

    ``preds`` has the columns :data:`PREDS_COLUMNS`; ``seats`` :data:`SEATS_COLUMNS`;
    ``seat_draws`` (sims × groups, int16) the simulated seats of every group in ``groups``
    (nuances then blocs, with ``kinds``); ``p_any_majority`` the probability that one bloc reaches
    ``majority`` seats (the election's own: 289 of 577 since 1988); ``closest`` the most uncertain
    runoffs.
    """

    target_year: int
    train_years: tuple[int, ...]  # the elections the transfers were learnt from
    sims: int
    preds: pd.DataFrame
    seats: pd.DataFrame
    seat_draws: np.ndarray
    groups: tuple[str, ...]
    kinds: tuple[str, ...]
    p_any_majority: float
    p_any_majority_nuance: float
    closest: pd.DataFrame
    lineup: str
    #: the pull towards the presidential round 2, in words ("": none;
    #: :attr:`~hemicycle.sim.montecarlo.Noise.presidential`)
    fundamentals: str = ""
    #: an absolute majority of the election's Assembly
    #: (:attr:`~hemicycle.election.Election.majority`)
    majority: int = MAJORITY

    @property
    def train_year(self) -> int | str:
        """The training election, or the elections joined by ``,`` (as printed)."""
        ys = self.train_years
        return ys[0] if len(ys) == 1 else ",".join(map(str, ys))

    def __repr__(self) -> str:
        return (
            f"Projection(target_year={self.target_year}, train_year={self.train_year}, "
            f"sims={self.sims}, "
            f"candidates={len(self.preds)}, lineup={self.lineup!r})"
        )

    def draws(self) -> pd.DataFrame:
        """The simulated Assemblies, labelled: one row per simulated election (index
        ``simulation``), one column per group, named ``(kind, group)`` (``kind``: ``nuance`` or
        ``bloc``); the seats each group holds in that simulation."""
        columns = pd.MultiIndex.from_arrays(
            [list(self.kinds), list(self.groups)], names=["kind", "group"]
        )
        index = pd.RangeIndex(self.seat_draws.shape[0], name="simulation")
        return pd.DataFrame(self.seat_draws.astype(np.int64), index=index, columns=columns)

    def bloc_draws(self) -> np.ndarray:
        """(sims, len(BLOCS)) simulated seats per bloc, in :data:`BLOCS` order."""
        idx = [self.groups.index(b) for b in BLOCS if self._has(b, "bloc")]
        return self.seat_draws[:, idx].astype(np.int64)

    def _has(self, g: str, kind: str) -> bool:
        return any(gg == g and k == kind for gg, k in zip(self.groups, self.kinds, strict=True))

    def summary(self, n_closest: int = 10) -> str:
        """Plain-text summary: seat intervals by bloc, P(majority), closest constituencies."""
        lines = [
            f"Projection of {self.target_year} round 2, transfers learnt from {self.train_year} "
            f"({self.sims:,} simulated elections, lineup: {self.lineup})",
            *([f"Fundamentals: {self.fundamentals}"] if self.fundamentals else []),
            "",
            f"{'bloc':<12}{'mean':>8}{'median':>8}{'90% interval':>16}"
            f"{f'P(>={self.majority})':>10}",
        ]
        s = self.seats[self.seats["kind"] == "bloc"]
        for _, r in s.iterrows():
            lines.append(
                f"{r['group']:<12}{r['mean']:>8.1f}{r['median']:>8.0f}"
                f"{f'{r.lo:.0f}–{r.hi:.0f}':>16}{r['p_majority']:>10.3f}"
            )
        lines += [
            "",
            f"P(one bloc reaches {self.majority} seats) = {self.p_any_majority:.3f}; "
            f"P(one nuance does) = {self.p_any_majority_nuance:.3f}",
            "",
            f"Closest {n_closest} constituencies (leader's probability of winning):",
        ]
        for _, r in self.closest.head(n_closest).iterrows():
            lines.append(
                f"  {r['constituency']:<7} {r['leader']:<28} {r['p_win']:.2f}  vs {r['runner_up']}"
            )
        return "\n".join(lines)


def _years(model: TransferModel | PooledTransfers) -> tuple[int, ...]:
    """The elections a model was learnt from."""
    return model.years if isinstance(model, PooledTransfers) else (int(model.train_year),)


def _quantile(a: np.ndarray, q: float) -> np.ndarray:
    return np.quantile(a, q, axis=0, method="linear")


def project_arrays(
    model: TransferModel | PooledTransfers,
    election: Election,
    standing: np.ndarray,
    noise: mc.Noise,
    *,
    sims: int,
    rng: np.random.Generator,
    backend: str | None = None,
    chunk: int | None = None,
    progress: bool = False,
    lineup_label: str = "",
    overrides: tuple[TransferOverride, ...] = (),
) -> Projection:
    """Simulate the round 2 of ``election`` with lineups ``standing`` (C, K) and summarise it."""
    inp, run = build_inputs(model, election, standing, overrides, noise)
    acc = mc.run(inp, noise, sims=sims, rng=rng, backend=backend, chunk=chunk, progress=progress)
    out = summarise(
        election, standing, run, acc, train_years=_years(model), lineup_label=lineup_label
    )
    if noise.presidential is not None:
        out = replace(out, fundamentals=noise.presidential.note)
    return out


def summarise(
    election: Election,
    standing: np.ndarray,
    run: Runoffs,
    acc: mc.Accumulators,
    *,
    train_years: tuple[int, ...],
    lineup_label: str = "",
) -> Projection:
    """The :class:`Projection` of ``acc``'s simulations: the candidates' table, the seat draws
    and their summary, the closest runoffs."""
    nuance = printed_nuance(election)
    winner_fixed = _fixed_winners(election, standing)
    p = acc.wins / max(acc.n, 1)
    preds = _preds(election, run, acc, nuance, winner_fixed, p)
    groups, kinds, draws = _seat_draws(election, run, acc, nuance, winner_fixed, preds)
    majority = election.majority
    d = draws.astype(np.float64)
    seats = pd.DataFrame(
        {
            "group": groups,
            "kind": kinds,
            "mean": d.mean(axis=0),
            "median": np.median(d, axis=0),
            "lo": _quantile(d, 0.05),
            "hi": _quantile(d, 0.95),
            "p_majority": (d >= majority).mean(axis=0),
        }
    )[SEATS_COLUMNS]
    is_bloc = np.array(kinds) == "bloc"
    p_any = float((d[:, is_bloc] >= majority).any(axis=1).mean())
    p_any_n = float((d[:, ~is_bloc] >= majority).any(axis=1).mean()) if (~is_bloc).any() else 0.0
    return Projection(
        target_year=election.year,
        train_years=tuple(train_years),
        sims=acc.n,
        preds=preds,
        seats=seats,
        seat_draws=draws,
        groups=groups,
        kinds=kinds,
        p_any_majority=p_any,
        p_any_majority_nuance=p_any_n,
        closest=_closest(election, run, nuance, p),
        lineup=lineup_label,
        majority=majority,
    )


def _fixed_winners(election: Election, standing: np.ndarray) -> np.ndarray:
    """(C,) the candidate column of each seat fixed before round 2 — elected in round 1, or a
    single candidate in round 2 — else -1."""
    status = election.round1_status()
    out = np.full(election.n_constituencies, -1, np.int64)
    for c in range(election.n_constituencies):
        el = np.flatnonzero(status[c] == rules.ELECTED)
        if len(el):
            out[c] = el[0]
        elif standing[c].sum() == 1:
            out[c] = int(np.flatnonzero(standing[c])[0])
    return out


def _preds(
    election: Election,
    run: Runoffs,
    acc: mc.Accumulators,
    nuance: np.ndarray,
    winner_fixed: np.ndarray,
    p: np.ndarray,
) -> pd.DataFrame:
    """The candidates' table (:data:`PREDS_COLUMNS`): a fixed seat's winner with probability 1
    (its round-1 share when elected then, else 1), every runoff candidate with the simulations'
    probability of winning and share (mean and 90 % interval)."""
    r1 = election.round1
    status = election.round1_status()
    exp1 = np.maximum(r1.expressed, 1)
    mean = acc.share_sum / mc.QSCALE / max(acc.n, 1)
    lo, hi = mc.hist_quantiles(acc.hist, SHARE_QUANTILES)
    where = {int(c): r for r, c in enumerate(run.rows)}
    rows = []
    for c in range(election.n_constituencies):
        if winner_fixed[c] >= 0:
            k = int(winner_fixed[c])
            decided_r1 = status[c, k] == rules.ELECTED
            share = float(r1.votes[c, k] / exp1[c]) if decided_r1 else 1.0
            rows.append(
                (election.codes[c], int(election.panel[c, k]), nuance[c, k], 1.0) + (share,) * 3
            )
            continue
        r = where.get(c)
        if r is None:
            continue
        for j in range(run.cols.shape[1]):
            k = int(run.cols[r, j])
            if k < 0:
                continue
            rows.append(
                (
                    election.codes[c],
                    int(election.panel[c, k]),
                    nuance[c, k],
                    float(p[r, j]),
                    float(mean[r, j]),
                    float(lo[r, j]),
                    float(hi[r, j]),
                )
            )
    preds = pd.DataFrame(
        rows,
        columns=["constituency", "panel", "nuance", "p_win", "share_mean", "share_lo", "share_hi"],
    )
    # a candidate whose nuance the source left empty counts as other (1993's 3004)
    preds.insert(
        3, "bloc", [b or "other" for b in blocs_of(election.year, preds["nuance"].tolist())]
    )
    preds = preds.sort_values(["constituency", "panel"], kind="stable").reset_index(drop=True)
    return preds[PREDS_COLUMNS]


def _seat_draws(
    election: Election,
    run: Runoffs,
    acc: mc.Accumulators,
    nuance: np.ndarray,
    winner_fixed: np.ndarray,
    preds: pd.DataFrame,
) -> tuple[tuple[str, ...], tuple[str, ...], np.ndarray]:
    """``(groups, kinds, draws)``: the groups (nuances, then blocs), and each simulation's seats
    per group (sims × groups, int16): the fixed seats plus the runoffs' winners."""
    nuances = sorted({n for n in preds["nuance"]})
    groups = (*nuances, *BLOCS)
    kinds = ("nuance",) * len(nuances) + ("bloc",) * len(BLOCS)
    gi = {n: i for i, n in enumerate(nuances)}
    bi = {b: len(nuances) + i for i, b in enumerate(BLOCS)}
    bloc_of = dict(zip(preds["nuance"], preds["bloc"], strict=True))  # classified once, above
    base = np.zeros(len(groups), np.int64)
    for row in np.flatnonzero(winner_fixed >= 0):
        nu = nuance[row, winner_fixed[row]]
        base[gi[nu]] += 1
        base[bi[bloc_of[nu]]] += 1
    J = run.cols.shape[1]
    slot_nuance = np.full((len(run.rows), J), -1, np.int64)
    slot_bloc = np.full((len(run.rows), J), -1, np.int64)
    for r, c in enumerate(run.rows):
        for j in range(J):
            k = run.cols[r, j]
            if k >= 0:
                slot_nuance[r, j] = gi[nuance[c, k]]
                slot_bloc[r, j] = bi[bloc_of[nuance[c, k]]]
    counted = np.zeros((acc.n, len(groups)), np.int64)  # every simulation's winners, by group
    cols = np.arange(len(run.rows), dtype=np.int64)
    mc.seats_kernel(acc.winners, cols, slot_nuance, counted)
    mc.seats_kernel(acc.winners, cols, slot_bloc, counted)
    draws = counted.astype(np.int16)
    draws += base.astype(np.int16)
    return groups, kinds, draws


def _closest(election: Election, run: Runoffs, nuance: np.ndarray, p: np.ndarray) -> pd.DataFrame:
    """Every runoff's leader and runner-up by probability of winning, the closest first."""
    close = []
    for r, c in enumerate(run.rows):
        order = np.argsort(-p[r])
        a, b = order[0], order[1]
        ka, kb = run.cols[r, a], run.cols[r, b]
        close.append(
            (
                election.codes[c],
                f"{election.surname[c, ka]} ({nuance[c, ka]})",
                float(p[r, a]),
                f"{election.surname[c, kb]} ({nuance[c, kb]})",
            )
        )
    closest = pd.DataFrame(close, columns=["constituency", "leader", "p_win", "runner_up"])
    return closest.sort_values(["p_win", "constituency"], kind="stable").reset_index(drop=True)
