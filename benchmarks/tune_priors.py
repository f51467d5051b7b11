"""Choose the projection's priors by leave-one-election-out over the back-test.

Every combination of the grid below is back-tested on every target (transfers learnt from the
earlier elections only); the chosen priors minimise a proper score averaged over the targets — the
Brier score of ``p_win`` for the priors that decide who wins (weights, pooling, leader,
balancing, and the joint search ``all``), the interval score of the 90 % share intervals for the
stages that set the spread of the shares (``noise``, ``rare``) — and the nested estimate (priors
chosen on the other targets, scored on the one left out) says what that choice is worth on an
election it did not see. Prints tables; writes nothing. Needs HEMICYCLE_DATA.

    python benchmarks/tune_priors.py [--sims 3000]
        [--stage weights|pooling|noise|rare|leader|balancing|all]
"""

from __future__ import annotations

import argparse
import itertools
import warnings

import pandas as pd

from hemicycle.data.store import Store
from hemicycle.sim import backtest as bt
from hemicycle.sim.calibrate import Priors


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
    }
    ap = argparse.ArgumentParser()
    ap.add_argument("--sims", type=int, default=3_000)
    ap.add_argument("--stage", choices=list(grids), default="all")
    args = ap.parse_args()
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
