"""A back-test of election night: each target's official round 2 replayed in several declaration
orders, the night's projection scored on the runoffs still undeclared at each stage.

For every target (an election with both rounds and an earlier one to learn from; the transfers
are learnt from the earlier elections only, as :func:`hemicycle.live.setup.prepare` does with
``train="all"``), one set of simulated elections is drawn, then each declaration order
(:func:`orders`: ``random-N`` — a random permutation —, ``overseas-first-N`` — the overseas
departments and the French abroad first, then the others, each part in a random order — and
``size`` — fewest registered voters first) is played from scratch on a new
:class:`~hemicycle.live.night.Night`: at each stage of :data:`STAGES` (the share of round-2
constituencies declared) one update, then the scores of :data:`COLUMNS`:

* ``undeclared``: the contested runoffs not yet declared;
* ``winners``: the share of them whose most probable candidate won;
* ``bloc_seat_mae``: the mean absolute error of the mean seats of the seven blocs (the Assembly
  as it ended);
* ``coverage90``: the share of the seven blocs whose final seats lie in the 90 % interval;
* ``called``: the undeclared runoffs called (the night's calls at 0.995 are sticky);
* ``wrong_calls``: the calls made so far, before their count, that the count contradicts.

:func:`night_backtest` also keeps every undeclared runoff's probabilities at every stage, for the
calibration table (:func:`calibration`). Random numbers: one :class:`numpy.random.Generator` per
target, from ``SeedSequence(seed)`` spawned (the orders and the night's fresh simulations), so the
same seed gives the same table.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hemicycle.data.blocs import BLOCS
from hemicycle.data.store import Store
from hemicycle.errors import OptionError
from hemicycle.live.feed import Count, Snapshot
from hemicycle.live.night import Night, Update
from hemicycle.live.replay import declaration_order, official_counts
from hemicycle.live.setup import prepare
from hemicycle.sim.backtest import targets as backtest_targets
from hemicycle.sim.pipeline import N_BOOT

COLUMNS = [
    "target",
    "order",
    "declared",
    "undeclared",
    "winners",
    "bloc_seat_mae",
    "coverage90",
    "called",
    "wrong_calls",
]
STAGES = (0.05, 0.10, 0.25, 0.50, 0.75)
#: The calibration table's probability bins (of every candidate of every undeclared runoff).
BINS = (0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 0.995, 1.0)


def orders(n_random: int = 20, n_overseas: int = 3) -> list[str]:
    """The declaration orders of the back-test: ``random-1`` … ``random-{n_random}``,
    ``overseas-first-1`` … and ``size``."""
    return (
        [f"random-{i}" for i in range(1, n_random + 1)]
        + [f"overseas-first-{i}" for i in range(1, n_overseas + 1)]
        + ["size"]
    )


def _parse_order(name: str) -> str:
    for kind in ("random", "overseas-first"):
        if name.startswith(kind + "-") and name[len(kind) + 1 :].isdigit():
            return kind
    if name == "size":
        return name
    raise OptionError(
        f"unknown declaration order {name!r}; allowed: random-N, overseas-first-N, size"
    )


def official_winners(night: Night, counts: Sequence[Count]) -> np.ndarray:
    """(R,) the slot of each runoff's official winner (most votes; a tie to the older)."""
    by = {c.constituency: c for c in counts}
    out = np.full(len(night.codes), -1, np.int64)
    for r, code in enumerate(night.codes):
        c = by[code]
        votes = dict(zip(c.panels, c.votes, strict=True))
        v = np.array([votes.get(int(p), -1) if p >= 0 else -1 for p in night.panels[r]])
        top = np.flatnonzero(v == v.max())
        out[r] = top[np.argmin(night.birth[r, top])]
    return out


@dataclass(frozen=True)
class NightBacktest:
    """The table (:data:`COLUMNS`), ``probs``: one row per candidate of every undeclared runoff
    at every stage (``target, order, declared, constituency, panel, p, won``), and ``seconds``:
    the time of each update (``target, order, declared, seconds``)."""

    table: pd.DataFrame
    probs: pd.DataFrame
    seconds: pd.DataFrame


def night_backtest(
    store: Store,
    targets: str | Sequence[int] = "all",
    *,
    order_names: Sequence[str] | None = None,
    stages: Sequence[float] = STAGES,
    sims: int = 20_000,
    seed: int = 1,
    method: str = "fresh",
    n_boot: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> NightBacktest:
    """Replay every target's night in every order (see the module doc)."""
    names = list(orders() if order_names is None else order_names)
    kinds = [_parse_order(n) for n in names]
    st = sorted(float(s) for s in stages)
    if not st or st[0] <= 0 or st[-1] >= 1:
        raise OptionError(f"stages are shares of the constituencies in (0, 1); got {stages}")
    years = backtest_targets(store, targets)
    rows, probs, secs = [], [], []
    seeds = np.random.SeedSequence(seed).spawn(len(years))
    for year, ss in zip(years, seeds, strict=True):
        prep = prepare(
            year,
            store,
            sims=sims,
            seed=seed,
            method=method,
            n_boot=N_BOOT if n_boot is None else n_boot,
        )
        counts = official_counts(prep.election)
        base = prep.night
        truth = official_winners(base, counts)
        final = base.fixed + np.bincount(
            base.slot_group[np.arange(len(truth)), truth], minlength=len(BLOCS)
        )
        n = len(counts)
        rngs = ss.spawn(len(names))
        for name, kind, sub in zip(names, kinds, rngs, strict=True):
            rng = np.random.default_rng(sub)
            seq = declaration_order(counts, kind, rng if kind != "size" else None)
            night = base.restarted(rng=rng)
            for frac in st:
                k = -(-round(frac * 1000) * n // 1000)
                snap = Snapshot(year, 2, tuple(sorted(seq[:k], key=lambda c: c.constituency)))
                t0 = time.perf_counter()
                u = night.update(snap, poll=int(round(frac * 100)))
                secs.append((year, name, frac, time.perf_counter() - t0))
                row, prob = _score(year, name, frac, night, u, truth, final)
                rows.append(row)
                probs.append(prob)
            if progress is not None:
                progress(f"{year} {name}")
    table = pd.DataFrame(rows, columns=COLUMNS)
    return NightBacktest(
        table,
        pd.concat(probs, ignore_index=True),
        pd.DataFrame(secs, columns=["target", "order", "declared", "seconds"]),
    )


def _score(
    year: int,
    name: str,
    frac: float,
    night: Night,
    u: Update,
    truth: np.ndarray,
    final: np.ndarray,
) -> tuple[tuple[object, ...], pd.DataFrame]:
    """One stage of one night: its row of :data:`COLUMNS`, and every undeclared candidate's
    probability and outcome (for the calibration table)."""
    post = u.posterior
    und = np.flatnonzero(~post.declared)
    lead = post.p_win.argmax(axis=1)
    seats = post.seats()
    mean = np.array([seats[b]["mean"] for b in BLOCS])
    lo = np.array([seats[b]["lo"] for b in BLOCS])
    hi = np.array([seats[b]["hi"] for b in BLOCS])
    index = night.index
    model_calls = [c for c in u.calls.calls if not c.declared]
    wrong = sum(
        int(night.panels[index[c.constituency], truth[index[c.constituency]]]) != c.panel
        for c in model_calls
    )
    undeclared = {night.codes[r] for r in und}
    row = (
        year,
        name,
        frac,
        len(und),
        float((lead[und] == truth[und]).mean()) if len(und) else float("nan"),
        float(np.abs(mean - final).mean()),
        float(((lo <= final) & (final <= hi)).mean()),
        sum(c.constituency in undeclared for c in model_calls),
        wrong,
    )
    valid = night.panels[und] >= 0
    won = np.arange(night.panels.shape[1])[None, :] == truth[und][:, None]
    prob = pd.DataFrame(
        {
            "target": year,
            "order": name,
            "declared": frac,
            "constituency": np.repeat(np.asarray(night.codes)[und], valid.sum(axis=1)),
            "panel": night.panels[und][valid],
            "p": post.p_win[und][valid],
            "won": won[valid],
        }
    )
    return row, prob


def run_backtest(
    store: Store,
    targets: str | Sequence[int] = "all",
    *,
    order_names: Sequence[str] | None = None,
    sims: int = 20_000,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """The night back-test's table (:data:`COLUMNS`; see the module doc)."""
    return night_backtest(
        store, targets, order_names=order_names, sims=sims, seed=seed, progress=progress
    ).table


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per target and stage, over the orders: the median of ``winners`` over the random orders,
    the mean bloc seat MAE and coverage, the mean races called, and the wrong calls (sum)."""
    t = table.assign(kind=table["order"].str.replace(r"-\d+$", "", regex=True))
    g = t.groupby(["target", "declared"])
    out = pd.DataFrame(
        {
            "winners_random_median": t[t["kind"] == "random"]
            .groupby(["target", "declared"])["winners"]
            .median(),
            "winners_min": g["winners"].min(),
            "bloc_seat_mae": g["bloc_seat_mae"].mean(),
            "coverage90": g["coverage90"].mean(),
            "called": g["called"].mean(),
            "wrong_calls": g["wrong_calls"].sum(),
            "orders": g["order"].nunique(),
        }
    )
    return out.reset_index()


def calibration(probs: pd.DataFrame, bins: Sequence[float] = BINS) -> pd.DataFrame:
    """Per stage: the Brier score of every candidate of the undeclared runoffs, and in each
    probability bin the candidates, their mean probability and how often they won."""
    edges = np.asarray(bins, np.float64)
    b = np.clip(np.searchsorted(edges, probs["p"].to_numpy(), side="right") - 1, 0, len(edges) - 2)
    d = probs.assign(bin=b, sq=(probs["p"] - probs["won"]) ** 2)
    rows = []
    for frac, g in d.groupby("declared"):
        row: dict[str, object] = {"declared": frac, "brier": float(g["sq"].mean())}
        for i in range(len(edges) - 1):
            h = g[g["bin"] == i]
            label = f"[{edges[i]:g}, {edges[i + 1]:g})"
            row[label] = f"{h['p'].mean():.3f} / {h['won'].mean():.3f} ({len(h)})" if len(h) else ""
        rows.append(row)
    return pd.DataFrame(rows)


def render(table: pd.DataFrame) -> str:
    """The table in Markdown: per target and stage, the summary over the orders."""
    s = summary(table)
    head = (
        "| target | declared | orders | winners (random, median) | winners (worst order) | "
        "bloc seat MAE | coverage 90 % | called | wrong calls |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in s.itertuples():
        lines.append(
            f"| {r.target} | {r.declared:.0%} | {r.orders} | {r.winners_random_median:.1%} | "
            f"{r.winners_min:.1%} | {r.bloc_seat_mae:.1f} | {r.coverage90:.1%} | "
            f"{r.called:.0f} | {r.wrong_calls} |"
        )
    return "\n".join(lines)
