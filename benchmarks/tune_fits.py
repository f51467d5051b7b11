"""Choose the transfer fits' own settings by leave-one-election-out over the back-test.

``tune_priors.py`` searches what the simulation assumes; the settings searched here change the
fits themselves, so every value refits the six elections (about 2.5 minutes each, serially, in
a fit cache of its own) before the back-test scores it on every target:

* ``n0``: the weight of the Luce prior in the constrained regression (``transfers.N0``);
* ``ridge``: the penalty on the Luce model's free deviations from its structure (0.02);
* ``centre``, ``right``, …: a bloc's left-right position in the Luce model
  (``transfers.POSITIONS``; far left 0, left 1, centre 2, right 3, far right 4).

The chosen value minimises the Brier score of ``p_win`` averaged over the targets; the nested
estimate (the value chosen on the other targets, scored on the one left out) says what that
choice is worth on an election it did not see. Prints tables; writes nothing but the fit caches
(under ``--work``, reused by a rerun). Needs HEMICYCLE_DATA and an ingested store.

    python benchmarks/tune_fits.py centre=1.5,2,2.5,3 [--sims 5000] [--jobs 2]
    python benchmarks/tune_fits.py n0=1,5,20,50,200,1000,1e6
    python benchmarks/tune_fits.py ridge=0.005,0.02,0.1,0.5
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

#: settings passed to the fit and its cross-validation as keywords; the others are positions
KEYWORDS = ("n0", "ridge")
SCORES = ["winners", "brier", "coverage90", "interval_score", "energy_score"]


def child(setting: str, value: float, sims: int, out: Path) -> None:
    """Refit with ``setting = value`` in this process and write the back-test to ``out``."""
    warnings.simplefilter("ignore")
    from hemicycle.data.store import Store
    from hemicycle.sim import backtest, pipeline
    from hemicycle.sim import transfers as tr

    if setting in KEYWORDS:
        pipeline.fit_training = functools.partial(pipeline.fit_training, **{setting: value})
        pipeline.calibrate = functools.partial(pipeline.calibrate, **{setting: value})
    else:
        tr.POSITIONS[setting] = value
        tr._A = tr.design()
    pipeline._fit_missing = lambda *a, **k: (
        None
    )  # fit here: a spawned process would not see the patch
    with Store(read_only=True) as st:
        table = backtest.backtest(st, backtest.targets(st, "all"), sims=sims, seed=1)
    table.to_csv(out, index=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("grid", help="SETTING=V1,V2,…: n0, ridge or a bloc's position (centre, …)")
    ap.add_argument("--sims", type=int, default=5_000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "hemicycle-tune")
    ap.add_argument("--child", nargs=2, metavar=("VALUE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    setting, _, values = args.grid.partition("=")
    if args.child:
        child(setting, float(args.child[0]), args.sims, Path(args.child[1]))
        return

    from hemicycle.data.store import default_path
    from hemicycle.sim import backtest
    from hemicycle.sim import transfers as tr

    if setting not in KEYWORDS and setting not in tr.POSITIONS:
        known = ", ".join([*KEYWORDS, *tr.POSITIONS])
        ap.error(f"unknown setting {setting!r}: one of {known}")
    grid = [float(v) for v in values.split(",")]
    env = {**os.environ, "HEMICYCLE_STORE": str(default_path())}  # one store, one cache per value

    def run(value: float) -> pd.DataFrame:
        cache = args.work / f"{setting}={value:g}"
        cache.mkdir(parents=True, exist_ok=True)
        out = cache / f"backtest-{args.sims}.csv"
        cmd = [sys.executable, __file__, args.grid, "--sims", str(args.sims)]
        subprocess.run(
            [*cmd, "--child", str(value), str(out)],
            env={**env, "HEMICYCLE_CACHE": str(cache)},
            check=True,
        )
        return pd.read_csv(out).assign(value=value)

    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        scores = pd.concat(pool.map(run, grid), ignore_index=True)

    pd.set_option("display.width", 200)
    fmt = functools.partial(str.format, "{:.4f}")
    mean = scores.groupby("value")[SCORES].mean()
    print(f"Mean over the targets ({setting}; {args.sims:,} simulations, seed 1):")
    print(mean.to_string(float_format=fmt))
    print("\nPer target (winners, Brier):")
    wide = scores.pivot(index="value", columns="target", values=["winners", "brier"])
    print(wide.to_string(float_format=fmt))
    print("\nNested leave-one-election-out (the value chosen on the other targets' Brier):")
    nested = backtest.nested(scores, "value", shown=SCORES).rename(columns={"value": "chosen"})
    print(nested.to_string(index=False, float_format=fmt))
    print(f"mean Brier, nested: {nested['brier'].mean():.4f}")


if __name__ == "__main__":
    main()
