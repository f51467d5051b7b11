"""Scores of a projection against the official round 2, and two baselines.

Definitions (``p`` = projected probability of winning, ``o`` = 1 if the candidate won):

* winner accuracy: share of the runoffs where the most probable candidate won;
* Brier score: mean over runoff candidates of ``(p - o)^2``; log score: mean over runoff candidates
  of ``-[o log p + (1 - o) log(1 - p)]`` with ``p`` clipped to ``[1/(2n), 1 - 1/(2n)]`` for ``n``
  simulations (lower is better for both);
* calibration: candidates bucketed by ``p`` (0–20, …, 80–100 %), mean ``p`` vs share who won;
* coverage: share of runoff candidates whose official share of expressed votes lies in the 90 %
  interval ``[share_lo, share_hi]``; interval score (Gneiting and Raftery, α = 0.1): the interval's
  width plus ``2/α`` times the distance by which the official share falls outside it (lower is
  better: it rewards narrow intervals and punishes misses);
* energy score of the seat vector (blocs): ``ES = E||X - y|| - 1/2 E||X - X'||`` where ``X``, ``X'``
  are independent simulated seat vectors (7 blocs), ``y`` the official one and ``||.||`` the
  Euclidean norm, in seats (estimated over the simulations, ``X'`` = the simulations shifted by half
  their number); for a point forecast it is the Euclidean distance. Lower is better;
* per-bloc seat errors: projected mean minus official seats.

Baselines: (1) the round-1 leader of the official lineup wins every runoff (p = 1); (2) the
pollsters' final seat ranges (:mod:`hemicycle.sim.pollsters`) against our distribution mapped on the
same five blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hemicycle.data.blocs import BLOCS, blocs_of
from hemicycle.election import Election, printed_nuance
from hemicycle.errors import HemicycleError
from hemicycle.replays import replay
from hemicycle.sim import pollsters
from hemicycle.sim.project import SHARE_QUANTILES, Projection

BUCKETS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


@dataclass(frozen=True, eq=False, repr=False)
class Evaluation:
    """All the scores of one projection (see the module doc for the definitions)."""

    target_year: int
    train_years: tuple[int, ...]  # the elections the transfers were learnt from
    sims: int
    n_runoffs: int
    winner_accuracy: float
    brier: float
    log_score: float
    coverage90: float
    #: mean interval score of the 90 % share intervals (Gneiting & Raftery 2007): width, plus
    #: 20 × the distance by which the official share falls outside; proper, lower is better
    interval_score: float
    energy_score: float
    calibration: pd.DataFrame  # bucket, n, predicted, realised
    seat_errors: pd.DataFrame  # bloc, actual, mean, lo, hi, error
    baseline_leader_accuracy: float
    baseline_leader_energy: float
    baseline_leader_brier: float  # per candidate, the leader given p = 1 and the others 0
    duel_consistency: float  # share of duels whose larger mean share has p_win >= 0.5
    pollsters: pd.DataFrame | None  # pollster-level and "hemicycle" rows, five-block convention
    five_blocks: pd.DataFrame | None  # block, actual, ours mean/lo/hi, pollster ranges

    @property
    def train_year(self) -> int | str:
        """The training election, or the elections joined by ``,`` (as printed)."""
        ys = self.train_years
        return ys[0] if len(ys) == 1 else ",".join(map(str, ys))

    def __repr__(self) -> str:
        m = ", ".join(f"{k}={v:.4g}" for k, v in self.metrics().items())
        return f"Evaluation(target_year={self.target_year}, train_year={self.train_year}, {m})"

    def metrics(self) -> dict[str, float]:
        return {
            "winner_accuracy": self.winner_accuracy,
            "brier": self.brier,
            "log_score": self.log_score,
            "coverage90": self.coverage90,
            "interval_score": self.interval_score,
            "energy_score": self.energy_score,
            "bloc_seat_mae": self.bloc_seat_mae,
            "baseline_leader_accuracy": self.baseline_leader_accuracy,
            "baseline_leader_energy": self.baseline_leader_energy,
            "baseline_leader_brier": self.baseline_leader_brier,
            "duel_consistency": self.duel_consistency,
        }

    @property
    def bloc_seat_mae(self) -> float:
        """Mean absolute error of the mean seats of the seven blocs."""
        return float(self.seat_errors["error"].abs().mean())

    def render(self) -> str:
        """Plain-text report."""
        out = [
            f"Evaluation of {self.target_year} round 2, transfers learnt from {self.train_year} "
            f"({self.sims:,} simulations, {self.n_runoffs} runoffs)",
            "",
            f"{'':<34}{'hemicycle':>12}{'leader wins':>14}",
            f"{'winner accuracy':<34}{self.winner_accuracy:>12.1%}"
            f"{self.baseline_leader_accuracy:>14.1%}",
            f"{'Brier score (per candidate)':<34}{self.brier:>12.4f}"
            f"{self.baseline_leader_brier:>14.4f}",
            f"{'log score (per candidate)':<34}{self.log_score:>12.4f}",
            f"{'coverage of 90% share intervals':<34}{self.coverage90:>12.1%}",
            f"{'energy score, bloc seats':<34}{self.energy_score:>12.1f}"
            f"{self.baseline_leader_energy:>14.1f}",
            f"{'p_win consistent with shares':<34}{self.duel_consistency:>12.1%}",
            "",
            "Calibration (p_win bucket: candidates, mean predicted, share who won)",
        ]
        for _, r in self.calibration.iterrows():
            out.append(
                f"  {r['bucket']:<10}{int(r['n']):>6}{r['predicted']:>9.1%}{r['realised']:>9.1%}"
            )
        out += ["", f"{'bloc':<12}{'actual':>8}{'mean':>8}{'90% interval':>15}{'error':>8}"]
        for _, r in self.seat_errors.iterrows():
            out.append(
                f"{r['bloc']:<12}{int(r['actual']):>8}{r['mean']:>8.1f}"
                f"{f'{r.lo:.0f}–{r.hi:.0f}':>15}{r['error']:>+8.1f}"
            )
        if self.pollsters is not None:
            out += [
                "",
                "Pollsters' final ranges, five-block convention (distance = Euclidean, seats)",
            ]
            out.append(f"  {'source':<20}{'blocks covered':>16}{'midpoint distance':>20}")
            for _, r in self.pollsters.iterrows():
                out.append(f"  {r['source']:<20}{int(r['covered']):>11}/5{r['distance']:>20.1f}")
        return "\n".join(out)


def energy_score(draws: np.ndarray, y: np.ndarray) -> float:
    """``E||X - y|| - 1/2 E||X - X'||`` over the rows of ``draws`` (see the module doc)."""
    x = np.asarray(draws, np.float64)
    n = len(x)
    if n == 0:
        return float("nan")
    first = np.linalg.norm(x - y[None], axis=1).mean()
    if n == 1:
        return float(first)
    second = np.linalg.norm(x - np.roll(x, n // 2, axis=0), axis=1).mean()
    return float(first - 0.5 * second)


def official_winners(election: Election) -> np.ndarray:
    """(C,) column of the official winner (round 1 or round 2), -1 if none.

    Where the source has no elected flag (the CDSP's round 1 and 2012's round 2), the winner is the
    replay's: the law's round-1 winner, the most-voted round-2 candidate (ties stay undecided)."""
    r1, r2 = election.round1, election.round2
    if r2 is None:
        raise HemicycleError(
            f"{election.year} has no round 2 in the store: nothing to evaluate against"
        )
    el = (r1.official_elected & r1.valid) | (r2.official_elected & r2.valid)
    win = np.where(el.any(axis=1), el.argmax(axis=1), -1)
    unflagged = ~(
        (r1.official_known | ~r1.valid).all(axis=1) & (r2.official_known | ~r2.valid).all(axis=1)
    )
    if unflagged.any():
        win = np.where(unflagged, replay(election).winner, win)
    return win


def evaluate_projection(
    proj: Projection, election: Election, *, ranges: pd.DataFrame | None = None
) -> Evaluation:
    """Score ``proj`` (made with the official lineup) against ``election``'s official round 2."""
    r2 = election.round2
    if r2 is None:
        raise HemicycleError(
            f"{election.year} has no round 2 in the store: nothing to evaluate against"
        )
    win = official_winners(election)
    nuance = printed_nuance(election)
    col_of = {
        (election.codes[c], int(election.panel[c, k])): (c, k)
        for c in range(election.n_constituencies)
        for k in np.flatnonzero(election.panel[c] >= 0)
    }
    preds = proj.preds
    ck = [col_of[(c, int(p))] for c, p in zip(preds["constituency"], preds["panel"], strict=True)]
    rows = np.array([c for c, _ in ck])
    cols = np.array([k for _, k in ck])
    held = r2.held[rows]
    df = preds.assign(_c=rows, _k=cols, won=(win[rows] == cols))
    run = df[held]
    exp2 = np.where(r2.valid, r2.votes, 0).sum(axis=1)
    actual_share = r2.votes[run["_c"], run["_k"]] / np.maximum(exp2[run["_c"]], 1)
    n_runoffs = int(run["constituency"].nunique())
    # winner accuracy: most probable candidate per runoff (ties: first row)
    top = run.loc[run.groupby("_c")["p_win"].idxmax()]
    accuracy = float(top["won"].mean())
    duel_or_more = (run.groupby("_c")["_c"].transform("size") >= 2).to_numpy()
    contested = run[duel_or_more]
    p = contested["p_win"].to_numpy()
    o = contested["won"].to_numpy().astype(float)
    brier = float(((p - o) ** 2).mean())
    eps = 1.0 / (2 * proj.sims)
    pc = np.clip(p, eps, 1 - eps)
    log_score = float(-(o * np.log(pc) + (1 - o) * np.log(1 - pc)).mean())
    calibration = _calibration(p, o)
    coverage, interval = _share_intervals(contested, actual_share[duel_or_more])

    # seats by bloc
    wc = np.flatnonzero(win >= 0)
    won_nuance = [nuance[c, win[c]] for c in wc]
    won_bloc = [b or "other" for b in blocs_of(election.year, won_nuance)]
    actual = np.array([won_bloc.count(b) for b in BLOCS])
    draws = proj.bloc_draws()
    es = energy_score(draws, actual)
    seat_errors = _seat_errors(draws, actual)

    base_acc, base_es, base_brier = _leader_baseline(election, win, nuance, actual, contested, o)
    duels = contested[contested.groupby("_c")["_c"].transform("size") == 2]
    consistent = [
        float(g["p_win"].to_numpy()[int(np.argmax(g["share_mean"].to_numpy()))] >= 0.5)
        for _, g in duels.groupby("_c")
    ]
    duel_consistency = float(np.mean(consistent)) if consistent else float("nan")
    poll, five = (None, None) if ranges is None else _pollsters(proj, won_nuance, ranges)
    return Evaluation(
        target_year=election.year,
        train_years=proj.train_years,
        sims=proj.sims,
        n_runoffs=n_runoffs,
        winner_accuracy=accuracy,
        brier=brier,
        log_score=log_score,
        coverage90=coverage,
        interval_score=interval,
        energy_score=es,
        calibration=calibration,
        seat_errors=seat_errors,
        baseline_leader_accuracy=base_acc,
        baseline_leader_energy=base_es,
        baseline_leader_brier=base_brier,
        duel_consistency=duel_consistency,
        pollsters=poll,
        five_blocks=five,
    )


def _share_intervals(contested: pd.DataFrame, a_sh: np.ndarray) -> tuple[float, float]:
    """The 90 % share intervals of the ``contested`` candidates against their official shares
    ``a_sh``: coverage, and the interval score (width plus 2/α times the miss)."""
    s_lo, s_hi = contested["share_lo"].to_numpy(), contested["share_hi"].to_numpy()
    coverage = float(((s_lo <= a_sh) & (a_sh <= s_hi)).mean())
    alpha = 2 * SHARE_QUANTILES[0]  # the intervals are central: 0.1 for 90 %
    miss = np.maximum(s_lo - a_sh, 0.0) + np.maximum(a_sh - s_hi, 0.0)  # one of the two is 0
    return coverage, float(((s_hi - s_lo) + (2 / alpha) * miss).mean())


def _calibration(p: np.ndarray, o: np.ndarray) -> pd.DataFrame:
    """Per bucket of ``p`` (:data:`BUCKETS`): candidates, mean predicted, share who won."""
    cal = []
    for lo, hi in zip(BUCKETS[:-1], BUCKETS[1:], strict=True):
        m = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        cal.append(
            (
                f"{int(lo * 100)}–{int(hi * 100)}%",
                int(m.sum()),
                float(p[m].mean()) if m.any() else np.nan,
                float(o[m].mean()) if m.any() else np.nan,
            )
        )
    return pd.DataFrame(cal, columns=["bucket", "n", "predicted", "realised"])


def _seat_errors(draws: np.ndarray, actual: np.ndarray) -> pd.DataFrame:
    """Per bloc: seats won, the simulations' mean and 90 % interval, and the mean's error."""
    d = draws.astype(float)
    seat_errors = pd.DataFrame(
        {
            "bloc": BLOCS,
            "actual": actual,
            "mean": d.mean(0),
            "lo": np.quantile(d, 0.05, axis=0),
            "hi": np.quantile(d, 0.95, axis=0),
        }
    )
    seat_errors["error"] = seat_errors["mean"] - seat_errors["actual"]
    return seat_errors


def _leader_baseline(
    election: Election,
    win: np.ndarray,
    nuance: np.ndarray,
    actual: np.ndarray,
    contested: pd.DataFrame,
    o: np.ndarray,
) -> tuple[float, float, float]:
    """The rule "the round-1 leader of the official lineup wins" (p = 1): its winner accuracy,
    the energy score of its Assembly by bloc, its Brier score on the ``contested`` candidates."""
    r2 = election.round2
    assert r2 is not None
    r1v = np.where(r2.valid, election.round1.votes, -1)
    leader = r1v.argmax(axis=1)
    held_rows = np.flatnonzero(r2.held & r2.valid.any(axis=1))
    base_acc = float((leader[held_rows] == win[held_rows]).mean())
    base_win = win.copy()
    base_win[held_rows] = leader[held_rows]
    base_bloc = [
        b or "other"
        for b in blocs_of(
            election.year, [nuance[c, base_win[c]] for c in np.flatnonzero(base_win >= 0)]
        )
    ]
    base_vec = np.array([base_bloc.count(b) for b in BLOCS])
    base_es = energy_score(base_vec[None], actual)
    lead_rows = {int(c): int(leader[c]) for c in held_rows}
    lead = np.array(
        [
            float(lead_rows.get(int(c), -2) == int(k))
            for c, k in zip(contested["_c"], contested["_k"], strict=True)
        ]
    )
    return base_acc, base_es, float(((lead - o) ** 2).mean())


def _pollsters(
    proj: Projection, won_nuance: list[str], ranges: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pollsters' final ranges against ours, in their five blocks: ``(per source: blocks
    covered, midpoint distance, energy score; per block: won, our mean and interval, each
    pollster's range)``."""
    nuances = [g for g, k in zip(proj.groups, proj.kinds, strict=True) if k == "nuance"]
    idx = [i for i, k in enumerate(proj.kinds) if k == "nuance"]
    blocks = pollsters.BLOCKS
    ours = np.zeros((proj.sims, len(blocks)))
    for i, n in zip(idx, nuances, strict=True):
        ours[:, blocks.index(pollsters.block_of(n))] += proj.seat_draws[:, i]
    y5 = np.zeros(len(blocks))
    for n in won_nuance:
        y5[blocks.index(pollsters.block_of(n))] += 1
    file_actual = ranges.groupby("party")["actual"].first().reindex(list(blocks)).to_numpy()
    if not np.array_equal(file_actual, y5):
        raise HemicycleError(
            f"five-block totals {y5.tolist()} differ from the file's 'actual' "
            f"{file_actual.tolist()}: the block mapping needs review"
        )
    five = pd.DataFrame(
        {
            "block": blocks,
            "actual": y5.astype(int),
            "mean": ours.mean(0),
            "lo": np.quantile(ours, 0.05, axis=0),
            "hi": np.quantile(ours, 0.95, axis=0),
        }
    )
    prow = []
    for name, g in ranges.groupby("pollster", sort=False):
        g = g.set_index("party").reindex(list(blocks))
        mid = (g["low"] + g["high"]).to_numpy() / 2
        cov = int(((g["low"] <= y5) & (y5 <= g["high"])).sum())
        prow.append((name, cov, float(np.linalg.norm(mid - y5))))
        five[f"{name} range"] = [f"{lo}–{hi}" for lo, hi in zip(g["low"], g["high"], strict=True)]
    cov_ours = int(((five["lo"] <= y5) & (y5 <= five["hi"])).sum())
    prow.append(("hemicycle (90%)", cov_ours, float(np.linalg.norm(ours.mean(0) - y5))))
    poll = pd.DataFrame(prow, columns=["source", "covered", "distance"])
    poll["energy_score"] = [*poll["distance"].iloc[:-1], energy_score(ours, y5)]
    return poll, five
