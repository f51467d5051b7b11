"""Back-tests: every target projected with transfers learnt from earlier elections only.

For each target election with both rounds in the store, the transfers are learnt from every
earlier election with both rounds (never the target, never a later one), round 2 is simulated
with the official lineup, and the projection is scored against the official round 2
(:mod:`hemicycle.sim.evaluate`). :data:`COLUMNS` is the CSV header of ``hemicycle backtest``.

Two figures, labelled in the ``figure`` column:

* ``nested`` (:func:`nested_backtest`, the default of ``hemicycle backtest``): the priors of
  :data:`GRID` are chosen for each target by their mean score (Brier) over the *other* targets,
  then the target is scored with them — what choosing the priors this way is worth on an election
  the choice never saw;
* ``tuned`` (:func:`backtest`): every target with the same priors (the defaults of
  :class:`~hemicycle.sim.calibrate.Priors`, which were chosen on every target, this one
  included): optimistic.

``drop_latest``: each target trained on every earlier election but the latest one, to see what
adding the latest election costs or gains (the ``latest`` column says which).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from typing import Any

import pandas as pd

from hemicycle.data.files import TRAINING_YEARS
from hemicycle.data.store import Store
from hemicycle.errors import OptionError
from hemicycle.options import DEFAULT_SIMS, history_target
from hemicycle.sim import pipeline
from hemicycle.sim.calibrate import Priors

COLUMNS = [
    "target",
    "train",
    "figure",
    "latest",
    "runoffs",
    "winners",
    "leader_winners",
    "brier",
    "log_score",
    "coverage90",
    "energy_score",
    "bloc_seat_mae",
    "priors",
]
#: Kept by :func:`backtest` beside :data:`COLUMNS` (not in the CSV); :func:`render` shows the
#: first two, :func:`tune` can choose by the third.
EXTRA = ["leader_brier", "duel_consistency", "interval_score"]

#: The priors the nested back-test chooses for each target on the other targets (by mean Brier
#: score): the ones that decide who wins and were chosen by that score (docs/projection.md §3.1).
#: The others stay at their defaults: the noise scales (chosen by the interval score, and
#: cross-validated within each training election) and the fits' own settings (``n0``, the ridge,
#: the Luce positions: each value refits every election).
GRID: dict[str, tuple[float, ...]] = {
    "balancing": (0.0, 0.02, 0.04, 0.06),
    "half_life": (0.0, 2.0),
    "presidential": (0.0, 1.0),
}
#: The score the nested choice minimises (mean over the other targets).
NESTED_SCORE = "brier"


def grid(spec: Mapping[str, Sequence[float]] = GRID) -> list[Priors]:
    """Every combination of ``spec`` (prior name → values), the other priors at their
    defaults."""
    names = {f.name for f in fields(Priors)}
    bad = [k for k in spec if k not in names]
    if bad:
        raise OptionError(f"unknown prior(s) {', '.join(bad)}; allowed: {', '.join(sorted(names))}")
    return [
        replace(Priors(), **{k: _typed(k, v) for k, v in zip(spec, values, strict=True)})
        for values in itertools.product(*spec.values())
    ]


def _typed(key: str, value: Any) -> Any:
    """``value`` as the type of the prior ``key`` (a grid's 20.0 is ``rare_below``'s 20)."""
    kind = type(getattr(Priors(), key))
    return value if kind is tuple else kind(value)


def priors_text(priors: Priors, keys: Sequence[str] = tuple(GRID)) -> str:
    """``balancing=0.04;half_life=0``: the values of ``keys`` (the CSV's ``priors``)."""

    def text(v: Any) -> str:
        return str(v) if isinstance(v, bool) else f"{v:g}"

    return ";".join(f"{k}={text(getattr(priors, k))}" for k in keys)


def parse_priors(text: str) -> Priors:
    """The :class:`Priors` that :func:`priors_text` wrote (the others at their defaults)."""
    names = {f.name: f for f in fields(Priors)}
    values: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.replace(",", ";").split(";"))):
        key, _, value = part.partition("=")
        key = key.strip()
        if key not in names or not value:
            raise OptionError(f"cannot read the prior {part!r}; allowed: {', '.join(names)}")
        kind = type(getattr(Priors(), key))
        if kind is tuple:
            raise OptionError(f"the prior {key} is a range and cannot be read from {part!r}")
        values[key] = value.strip() == "True" if kind is bool else _typed(key, float(value))
    return replace(Priors(), **values)


def training(store: Store, target: int, *, drop_latest: bool = False) -> tuple[int, ...]:
    """The training elections of ``target`` in a back-test: every earlier one with both rounds,
    less the latest of them with ``drop_latest`` (refused if none would be left)."""
    train = pipeline.training_years(target, "all", store)
    if drop_latest:
        if len(train) < 2:
            raise OptionError(
                f"{target} has one earlier election ({train[0]}): nothing is left without it"
            )
        train = train[:-1]
    return train


def targets(store: Store, text: str | Sequence[int] = "all") -> list[int]:
    """The target years: every election of the default training years with both rounds and an
    earlier one to learn from (``"all"``: 2002–2024), the elections before them that can learn
    from earlier ones (``"history"``: 1962–1997, each trained on the elections of 1958 on before
    it, :func:`~hemicycle.options.history_target`), or the years named (each must qualify)."""
    both = sorted(y for y in store.years() if 2 in store.rounds(y) and y in TRAINING_YEARS)
    modern = [y for y in both if any(t < y for t in both)]
    every = sorted(y for y in store.years() if 2 in store.rounds(y))
    history = [y for y in every if history_target(y) and any(t < y for t in every)]
    usable = sorted(set(modern) | set(history))
    if isinstance(text, str) and text.strip().lower() == "history":
        if not history:
            raise OptionError(
                "no election before 1997 can be back-tested: the store needs two of them with "
                f"both rounds; years with both rounds: {', '.join(map(str, every)) or 'none'}"
            )
        return history
    if isinstance(text, str) and text.strip().lower() == "all":
        usable = modern
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
            f"--targets must be years separated by commas, all or history; got {text!r}"
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
    priors: Priors | Mapping[int, Priors] | None = None,
    drop_latest: bool = False,
    figure: str = "tuned",
    keys: Sequence[str] = tuple(GRID),
) -> pd.DataFrame:
    """One row per target: :data:`COLUMNS`, then :data:`EXTRA`. ``priors``: one for every
    target, or one per target (default: :class:`Priors`' defaults); ``figure`` labels the rows
    (``tuned`` or ``nested``); the ``priors`` column shows the values of ``keys``."""
    rows = []
    for y in years:
        pri = priors.get(y, Priors()) if isinstance(priors, Mapping) else priors or Priors()
        train = training(store, y, drop_latest=drop_latest)
        ev = pipeline.evaluate(y, train, store, sims=sims, seed=seed, priors=pri)
        rows.append(
            (
                y,
                "+".join(map(str, train)),
                figure,
                not drop_latest,
                ev.n_runoffs,
                ev.winner_accuracy,
                ev.baseline_leader_accuracy,
                ev.brier,
                ev.log_score,
                ev.coverage90,
                ev.energy_score,
                ev.bloc_seat_mae,
                priors_text(pri, keys),
                ev.baseline_leader_brier,
                ev.duel_consistency,
                ev.interval_score,
            )
        )
    out = pd.DataFrame(rows, columns=COLUMNS + EXTRA)
    return out


def nested_backtest(
    store: Store,
    years: Sequence[int],
    *,
    sims: int = DEFAULT_SIMS,
    seed: int = 1,
    spec: Mapping[str, Sequence[float]] = GRID,
    score: str = NESTED_SCORE,
    drop_latest: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The nested back-test of ``years``: every prior combination of ``spec`` back-tested on
    *every* target the store allows (:func:`targets`), and each of ``years`` scored with the
    combination whose mean ``score`` over the other targets is best (:func:`nested`).

    Returns ``(table, scores)``: the rows of :func:`backtest` (``figure`` ``nested``; with
    ``drop_latest``, then the same targets trained without their latest election, with the same
    priors as trained with it, for those that have two earlier elections or more), and one row
    per (combination, target) of the search (``grid`` is the combination's index).
    """
    every = sorted(set(targets(store, "all")) | {int(y) for y in years})
    if len(every) < 2:
        raise OptionError(
            "a nested back-test chooses each target's priors on the other targets, and the "
            f"store has one target ({every[0]}); use --no-nested"
        )
    keys = tuple(spec)
    combos = grid(spec)
    scores, _ = tune(store, every, combos, sims=sims, seed=seed, score=score, keys=keys)
    chosen = nested(scores, "grid", score=score)
    pick = {int(r.target): int(r.grid) for r in chosen.itertuples(index=False)}
    wanted = [int(y) for y in years]
    rows = pd.concat(
        [scores[(scores["grid"] == pick[y]) & (scores["target"] == y)] for y in wanted],
        ignore_index=True,
    )
    table = rows[COLUMNS + EXTRA].assign(figure="nested")
    if drop_latest:
        two = [y for y in wanted if len(pipeline.training_years(y, "all", store)) > 1]
        without = backtest(
            store,
            two,
            sims=sims,
            seed=seed,
            priors={y: combos[pick[y]] for y in two},
            drop_latest=True,
            figure="nested",
            keys=keys,
        )
        table = pd.concat([table, without], ignore_index=True)
    return table, scores


def with_drop_latest(
    store: Store, years: Sequence[int], *, sims: int = DEFAULT_SIMS, seed: int = 1
) -> pd.DataFrame:
    """The tuned back-test of ``years``, then the same targets trained without their latest
    election (those with two earlier elections or more)."""
    two = [y for y in years if len(pipeline.training_years(y, "all", store)) > 1]
    return pd.concat(
        [
            backtest(store, years, sims=sims, seed=seed),
            backtest(store, two, sims=sims, seed=seed, drop_latest=True),
        ],
        ignore_index=True,
    )


def _span(train: str) -> str:
    years = train.split("+")
    return years[0] if len(years) == 1 else f"{years[0]}–{years[-1]} ({len(years)})"


def render(table: pd.DataFrame) -> str:
    """A plain-text table of a back-test (fits 80 columns): the targets trained on every earlier
    election, then, if the table has them, the same trained without the latest one and the
    difference."""
    head = (
        f"{'target':<7}{'trained on':<13}{'runoffs':>7}{'winners':>8}{'leader':>7}{'Brier':>7}"
        f"{'leader':>7}{'cov90':>6}{'ES':>6}{'MAE':>5}{'duels':>7}"
    )
    kind = set(table["figure"]) if "figure" in table else {"tuned"}
    full = table[table["latest"]] if "latest" in table else table
    if kind == {"nested"}:
        title = [
            "Back-test, nested: each target projected from earlier elections only, with the",
            "priors chosen on the other targets (mean Brier score; see `priors` below)",
        ]
    else:
        title = [
            "Back-test, tuned: each target projected from earlier elections only, with the",
            "default priors, chosen on every target (this one included): optimistic",
        ]
    lines = [*title, "", head]
    for r in full.itertuples(index=False):
        lines.append(
            f"{r.target:<7}{_span(r.train):<13}{r.runoffs:>7}{r.winners:>8.1%}"
            f"{r.leader_winners:>7.1%}{r.brier:>7.3f}{r.leader_brier:>7.3f}"
            f"{r.coverage90:>6.0%}{r.energy_score:>6.1f}{r.bloc_seat_mae:>5.1f}"
            f"{r.duel_consistency:>7.1%}"
        )
    if "priors" in table:
        lines += ["", "priors:"]
        lines += [f"  {r.target}: {r.priors.replace(';', ', ')}" for r in full.itertuples()]
    drop = table[~table["latest"]] if "latest" in table else table.iloc[:0]
    if len(drop):
        lines += [
            "",
            "Without the latest earlier election (same priors); d: with it minus without",
            "",
            f"{'target':<7}{'trained on':<13}{'winners':>8}{'d win':>7}{'Brier':>7}{'d Brier':>8}"
            f"{'cov90':>6}{'MAE':>6}{'d MAE':>6}",
        ]
        base = full.set_index("target")
        for r in drop.itertuples(index=False):
            b = base.loc[r.target]
            lines.append(
                f"{r.target:<7}{_span(r.train):<13}{r.winners:>8.1%}"
                f"{100 * (b.winners - r.winners):>+7.1f}{r.brier:>7.3f}"
                f"{b.brier - r.brier:>+8.3f}{r.coverage90:>6.0%}{r.bloc_seat_mae:>6.1f}"
                f"{b.bloc_seat_mae - r.bloc_seat_mae:>+6.1f}"
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
    keys: Sequence[str] = tuple(GRID),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Back-test every :class:`Priors` of ``grid`` on every target of ``years``.

    Returns ``(scores, nested)``: one row per (priors, target) with the back-test metrics, and the
    leave-one-election-out estimate of choosing the priors this way — for each target, the priors
    with the best mean ``score`` (lower is better) over the *other* targets, scored on it.
    """
    rows = []
    for i, pri in enumerate(grid):
        t = backtest(store, years, sims=sims, seed=seed, priors=pri, keys=keys)
        t.insert(0, "grid", i)
        t.insert(1, "grid_priors", repr(pri))
        rows.append(t)
    scores = pd.concat(rows, ignore_index=True)
    return scores, nested(scores, "grid", score=score, keep=("grid_priors",))


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
