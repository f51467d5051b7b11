"""The projection's speed goals (#23): the first fit of every training election, a cached projection
end to end, and the nested back-test with cached fits. Prints figures only (no assertions on
time); needs HEMICYCLE_DATA.

* ``fit``: the transfers of every election with both rounds (15: 1958–2024 but 1986 and 2022's
  unseen round 2) fitted into an empty cache, as a first run does (2 worker processes);
* ``project``: ``hemicycle project 2024 --sims 20000`` as a whole process, the fits cached (best
  of 3);
* ``backtest``: ``hemicycle backtest`` (nested, the five modern targets) and, with ``--history``,
  ``--targets history`` (nine more), the fits cached.

    python benchmarks/bench_unseen.py [--skip-fit] [--history]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path


def _cli(*args: str, env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "from hemicycle.cli import app; app()", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-fit", action="store_true", help="keep the cache (no cold fit)")
    ap.add_argument("--history", action="store_true", help="also back-test 1962–1997")
    args = ap.parse_args()
    if not os.environ.get("HEMICYCLE_DATA"):
        raise SystemExit("bench_unseen.py needs HEMICYCLE_DATA (the official files)")
    warnings.simplefilter("ignore")
    from hemicycle.session import Session
    from hemicycle.sim import pipeline

    cache = os.environ.get("HEMICYCLE_CACHE") or tempfile.mkdtemp(prefix="hc-bench-")
    env = {**os.environ, "HEMICYCLE_CACHE": cache}
    os.environ["HEMICYCLE_CACHE"] = cache
    with Session(Path(cache) / "bench.duckdb") as st:
        st.ingest_earlier(None)
        store = st._store
        both = [y for y in store.years() if 2 in store.rounds(y)]
        if not args.skip_fit:
            t = time.perf_counter()
            pipeline.pooled(both, store)
            print(
                f"first fit of {len(both)} elections ({both[0]}–{both[-1]}), 2 workers: "
                f"{time.perf_counter() - t:.0f} s"
            )
    env["HEMICYCLE_STORE"] = str(Path(cache) / "bench.duckdb")
    _cli("project", "2024", "--sims", "2000", env=env)  # warm: numba's cache, the OS's
    best = min(_cli("project", "2024", "--sims", "20000", "--seed", "1", env=env) for _ in range(3))
    print(f"hemicycle project 2024 --sims 20000, fits cached, whole process: {best:.2f} s")
    t = _cli("backtest", "--output", os.devnull, env=env)
    print(f"hemicycle backtest (nested, 5 targets, 16 prior combinations), fits cached: {t:.0f} s")
    if args.history:
        t = _cli("backtest", "--targets", "history", "--output", os.devnull, env=env)
        print(f"hemicycle backtest --targets history (nested, 9 targets): {t:.0f} s")


if __name__ == "__main__":
    main()
