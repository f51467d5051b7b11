"""Choose the projection's priors by leave-one-election-out over the back-test.

Every combination of the grid below is back-tested on every target (transfers learnt from the
earlier elections only); the chosen priors minimise a proper score averaged over the targets — the
Brier score of ``p_win`` for the priors that decide who wins (weights, pooling, leader,
balancing, and the joint search ``all``), the interval score of the 90 % share intervals for the
stages that set the spread of the shares (``noise``, ``rare``) — and the nested estimate (priors
chosen on the other targets, scored on the one left out) says what that choice is worth on an
election it did not see. Prints tables; writes nothing. Needs HEMICYCLE_DATA.

``--stage latest`` and ``spread`` search the random-effects variants of the pool
(:mod:`hemicycle.sim.pooling`: saturating election weights, a wider spread between elections),
``similarity`` the similarity weights, with the nested back-test's own grid (docs/projection.md
§5; its drop-latest figures: the same grids through ``backtest.backtest(..., drop_latest=True)``).
``--why-latest`` prints, for every target with two earlier elections or more, how the pooled rates
of its lineup move when its latest earlier election is added, against the target's own fitted
rates (hindsight: a diagnosis, never a choice).

    python benchmarks/tune_priors.py [--sims 3000]
        [--stage weights|pooling|noise|rare|leader|balancing|all|latest|spread|similarity]
        [--why-latest]
"""

from __future__ import annotations

import argparse
import itertools
import warnings

import numpy as np
import pandas as pd

from hemicycle.data.blocs import BLOCS
from hemicycle.data.store import Store
from hemicycle.election import load
from hemicycle.options import ORIGINS
from hemicycle.sim import backtest as bt
from hemicycle.sim import pipeline
from hemicycle.sim.calibrate import Priors
from hemicycle.sim.extrapolation import pooled_mean
from hemicycle.sim.features import origins, resolve_lineup, runoffs
from hemicycle.sim.transfers import config_key


def why_latest(st: Store, target: int, priors: Priors) -> None:
    """How the pooled rates of ``target``'s lineup move when its latest earlier election joins
    the pool: per (configuration, origin without a candidate, destination), the pooled mean with
    and without it, the target's own fitted rate, and the latest election's weight in the pool;
    summarised by the vote-weighted mean distance to the target's own rates."""
    e = load(st, target)
    every = resolve_lineup(e, withdrawals="data")
    run = runoffs(e, every)
    run = run.subset(run.n_slots >= 2)
    x = origins(e).x[run.rows]
    keys = [config_key(b) for b in run.bloc]
    full = pipeline.training_years(target, "all", st)
    with_, w_with = pooled_mean(pipeline.pooled(full, st, priors=priors, target=e)[0], run)
    without, _ = pooled_mean(pipeline.pooled(full[:-1], st, priors=priors, target=e)[0], run)
    own_model, _ = pipeline.fitted(target, st)
    own = np.mean([own_model.matrices(run, k) for k in range(own_model.n_replicates)], axis=0)
    rows = []
    for r, cfg in enumerate(keys):
        for i, o in enumerate(ORIGINS):
            if o in cfg:
                continue
            for d in dict.fromkeys(cfg):
                sl = run.bloc[r] == BLOCS.index(d)
                rows.append(
                    (
                        "+".join(cfg),
                        o,
                        d,
                        x[r, i],
                        with_[r, i, :-1][sl].sum(),
                        without[r, i, :-1][sl].sum(),
                        own[r, i, :-1][sl].sum(),
                        w_with[r, i, -1],
                    )
                )
    cols = ["config", "origin", "dest", "x", "with", "without", "own", "w"]
    df = pd.DataFrame(rows, columns=cols)
    g = (
        df.groupby(["config", "origin", "dest"])
        .agg(
            runoffs=("x", "size"),
            votes=("x", "sum"),
            without=("without", "mean"),
            with_latest=("with", "mean"),
            own=("own", "mean"),
            latest_weight=("w", "mean"),
        )
        .reset_index()
    )
    v = g["votes"] / g["votes"].sum()
    d_with = float((v * (g["with_latest"] - g["own"]).abs()).sum())
    d_without = float((v * (g["without"] - g["own"]).abs()).sum())
    g["move"] = v * (g["with_latest"] - g["without"]).abs()
    print(
        f"\n{target}, adding {full[-1]} to {bt._span('+'.join(map(str, full[:-1])))}: "
        f"vote-weighted distance of the pooled rates to {target}'s own {d_without:.3f} -> "
        f"{d_with:.3f}; {full[-1]}'s mean weight in the pool "
        f"{float((v * g['latest_weight']).sum()):.2f}"
    )
    top = g.sort_values("move", ascending=False).head(6).drop(columns=["votes", "move"])
    print(top.to_string(index=False, float_format=lambda f: f"{f:.2f}"))


def main() -> None:
    warnings.simplefilter("ignore")
    grids = {
        # how the training elections are weighed and pooled
        "weights": dict(half_life=(0.0, 1.0, 2.0), similarity=(0.0, 0.05, 0.1, 0.2)),
        "pooling": dict(
            config_pseudo=(0.0, 2.0, 10.0, 50.0),
            origin_pseudo=(0.0, 0.02, 0.1),
            symmetric=(False, True),
        ),
        "noise": dict(
            national=(0.02, 0.04, 0.08),
            mobilisation=((0.0, 1.0), (0.5, 1.0), (1.0, 1.0)),
            local_scale=(0.6, 0.8, 1.0, 1.2),
        ),
        # below how many runoffs in the lineup a configuration is rare (its own local noise)
        "rare": dict(rare_below=(0, 10, 15, 20, 25, 30, 50)),
        "leader": dict(leader=(0.0, 0.03, 0.06, 0.1, 0.15)),
        "balancing": dict(balancing=(0.0, 0.02, 0.03, 0.04, 0.06, 0.1)),
        # the final joint search around the stages' best values
        "all": dict(
            half_life=(0.0, 2.0),
            similarity=(0.0, 0.1),
            config_pseudo=(0.0, 2.0),
            origin_pseudo=(0.02,),
            national=(0.02, 0.04),
            mobilisation=((0.0, 1.0), (0.5, 1.0)),
            local_scale=(0.8, 1.0),
        ),
        # random-effects variants of the pool (sim.pooling) with the nested back-test's grid
        "latest": dict(
            balancing=(0.0, 0.02, 0.04, 0.06),
            half_life=(0.0, 2.0),
            saturation=(0.0, 5.0, 20.0, 50.0),
        ),
        "spread": dict(spread=(1.0, 1.25, 1.5), half_life=(2.0,)),
        "similarity": dict(
            balancing=(0.0, 0.02, 0.04, 0.06),
            half_life=(0.0, 2.0),
            similarity=(0.0, 0.05, 0.1),
        ),
    }
    ap = argparse.ArgumentParser()
    ap.add_argument("--sims", type=int, default=3_000)
    ap.add_argument("--stage", choices=list(grids), default="all")
    ap.add_argument("--why-latest", action="store_true")
    args = ap.parse_args()
    if args.why_latest:
        pd.set_option("display.width", 200)
        with Store() as st:
            for t in bt.targets(st, "all"):
                if len(pipeline.training_years(t, "all", st)) > 1:
                    why_latest(st, t, Priors())
        return
    score = "interval_score" if args.stage in ("noise", "rare") else "brier"
    spec = grids[args.stage]
    grid = [
        Priors(**dict(zip(spec, values, strict=True)))
        for values in itertools.product(*spec.values())
    ]
    with Store() as st:
        years = bt.targets(st, "all")
        scores, nested = bt.tune(st, years, grid, sims=args.sims, score=score)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 120)
    mean = (
        scores.groupby(["grid", "grid_priors"])[
            ["winners", "brier", "log_score", "coverage90", "interval_score", "energy_score"]
        ]
        .mean()
        .sort_values(score)
    )
    print(f"Mean over the targets, best {score} first:")
    print(mean.head(15).to_string(float_format=lambda x: f"{x:.4f}"))
    print("\nPer target, the best mean:")
    best = int(mean.index[0][0])
    print(
        scores[scores["grid"] == best][bt.COLUMNS].to_string(
            index=False, float_format=lambda x: f"{x:.4f}"
        )
    )
    print("\nNested leave-one-election-out (priors chosen on the other targets):")
    print(nested.to_string(index=False, float_format=lambda x: f"{x:.4f}"))


if __name__ == "__main__":
    main()
