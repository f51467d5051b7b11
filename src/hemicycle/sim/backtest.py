"""Back-tests: every target projected with transfers learnt from earlier elections only.

For each target election with both rounds in the store, the transfers are learnt from every
earlier election with both rounds (never the target, never a later one), round 2 is simulated
with the official lineup, and the projection is scored against the official round 2
(:mod:`hemicycle.sim.evaluate`). :data:`COLUMNS` is the CSV header of ``hemicycle backtest``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from hemicycle.data.files import TRAINING_YEARS
from hemicycle.data.store import Store
from hemicycle.errors import OptionError
from hemicycle.options import DEFAULT_SIMS
from hemicycle.sim import pipeline
from hemicycle.sim.calibrate import Priors

COLUMNS = [
    "target",
    "train",
    "runoffs",
    "winners",
    "leader_winners",
    "brier",
    "log_score",
    "coverage90",
    "energy_score",
    "bloc_seat_mae",
]
#: Kept by :func:`backtest` beside :data:`COLUMNS` (not in the CSV); :func:`render` shows the
#: first two, :func:`tune` can choose by the third.
EXTRA = ["leader_brier", "duel_consistency", "interval_score"]


def targets(store: Store, text: str | Sequence[int] = "all") -> list[int]:
    """The target years: every election with both rounds and an earlier one to learn from
    (``"all"``), or the years named (each must qualify)."""
    both = sorted(y for y in store.years() if 2 in store.rounds(y) and y in TRAINING_YEARS)
    usable = [y for y in both if any(t < y for t in both)]
    if isinstance(text, str) and text.strip().lower() == "all":
        if not usable:
            raise OptionError(
                f"no election can be back-tested: it needs both rounds and an earlier "
                f"election with both rounds; years with both rounds: "
                f"{', '.join(map(str, both)) or 'none'}"
            )
        return usable
    try:
        years = (
            [int(t) for t in text.split(",") if t.strip()]
            if isinstance(text, str)
            else [int(t) for t in text]
        )
    except ValueError:
        raise OptionError(
            f"--targets must be years separated by commas, or all; got {text!r}"
        ) from None
    bad = [y for y in years if y not in usable]
    if bad or not years:
        raise OptionError(
            f"cannot back-test {', '.join(map(str, bad)) or 'nothing'}: a target needs both "
            f"rounds in the store and an earlier election with both rounds; allowed: "
            f"{', '.join(map(str, usable)) or 'none'}"
        )
    return sorted(set(years))


def backtest(
    store: Store,
    years: Sequence[int],
    *,
    sims: int = DEFAULT_SIMS,
    seed: int = 1,
    priors: Priors | None = None,
) -> pd.DataFrame:
    """One row per target: :data:`COLUMNS`, then :data:`EXTRA`."""
    rows = []
    for y in years:
        train = pipeline.training_years(y, "all", store)
        ev = pipeline.evaluate(y, train, store, sims=sims, seed=seed, priors=priors)
        rows.append(
            (
                y,
                "+".join(map(str, train)),
                ev.n_runoffs,
                ev.winner_accuracy,
                ev.baseline_leader_accuracy,
                ev.brier,
                ev.log_score,
                ev.coverage90,
                ev.energy_score,
                ev.bloc_seat_mae,
                ev.baseline_leader_brier,
                ev.duel_consistency,
                ev.interval_score,
            )
        )
    out = pd.DataFrame(rows, columns=COLUMNS + EXTRA)
    return out


def _span(train: str) -> str:
    years = train.split("+")
    return years[0] if len(years) == 1 else f"{years[0]}–{years[-1]} ({len(years)})"


def render(table: pd.DataFrame) -> str:
    """A plain-text table of a back-test (fits 80 columns)."""
    head = (
        f"{'target':<7}{'trained on':<13}{'runoffs':>7}{'winners':>8}{'leader':>7}{'Brier':>7}"
        f"{'leader':>7}{'cov90':>6}{'ES':>6}{'MAE':>5}{'duels':>7}"
    )
    lines = ["Back-test: each target projected from earlier elections only", "", head]
    for r in table.itertuples(index=False):
        lines.append(
            f"{r.target:<7}{_span(r.train):<13}{r.runoffs:>7}{r.winners:>8.1%}"
            f"{r.leader_winners:>7.1%}{r.brier:>7.3f}{r.leader_brier:>7.3f}"
            f"{r.coverage90:>6.0%}{r.energy_score:>6.1f}{r.bloc_seat_mae:>5.1f}"
            f"{r.duel_consistency:>7.1%}"
        )
    lines += [
        "",
        "winners: runoffs whose most probable candidate won; leader: the round-1 leader",
        "of the official lineup wins (p = 1); Brier per runoff candidate, ours then the",
        "leader's; cov90: official shares inside the 90 % intervals; ES: energy score of",
        "the bloc seat vector; MAE: mean absolute error of the blocs' mean seats; duels:",
        "duels whose larger mean share has p_win >= 0.5. Log scores are in the CSV.",
    ]
    return "\n".join(lines)


def tune(
    store: Store,
    years: Sequence[int],
    grid: Sequence[Priors],
    *,
    sims: int = 3_000,
    seed: int = 1,
    score: str = "brier",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Back-test every :class:`Priors` of ``grid`` on every target of ``years``.

    Returns ``(scores, nested)``: one row per (priors, target) with the back-test metrics, and the
    leave-one-election-out estimate of choosing the priors this way — for each target, the priors
    with the best mean ``score`` (lower is better) over the *other* targets, scored on it.
    """
    rows = []
    for i, pri in enumerate(grid):
        t = backtest(store, years, sims=sims, seed=seed, priors=pri)
        t.insert(0, "grid", i)
        t.insert(1, "priors", repr(pri))
        rows.append(t)
    scores = pd.concat(rows, ignore_index=True)
    return scores, nested(scores, "grid", score=score, keep=("priors",))


def nested(
    scores: pd.DataFrame,
    by: str,
    *,
    score: str = "brier",
    keep: Sequence[str] = (),
    shown: Sequence[str] = ("winners", "brier", "coverage90"),
) -> pd.DataFrame:
    """The leave-one-election-out estimate of choosing ``by`` by its mean ``score`` (lower is
    better): for each target of ``scores`` (one row per (``by``, target)), the value of ``by`` with
    the best mean ``score`` over the *other* targets, with its ``keep`` and ``shown`` columns (and
    ``score``) on that target."""
    cols = [*shown, *([score] if score not in shown else [])]
    rows = []
    for y in scores["target"].unique():
        others = scores[scores["target"] != y].groupby(by)[score].mean()
        best = others.idxmin()
        r = scores[(scores[by] == best) & (scores["target"] == y)].iloc[0]
        rows.append((y, best, *r[list(keep)], *r[cols]))
    return pd.DataFrame(rows, columns=["target", by, *keep, *cols])
