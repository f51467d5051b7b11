"""Ingest and replay timings for every registered year (figures, no assertions).

    HEMICYCLE_DATA=../shared/data python benchmarks/bench_data.py

* cold ingest: parse the official files and write the year into a fresh DuckDB store;
* warm load: read the year's arrays back from the store (what every later command does);
* replay: the law on every constituency, compared with the official outcome;
* warm replay = warm load + replay: the goal is well under a second per election.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from hemicycle import election
from hemicycle.data.files import YEARS
from hemicycle.data.store import Store
from hemicycle.replays import replay
from timing import timed


def main() -> None:
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.duckdb") as st:
        print(
            f"{'year':>6} {'cold ingest':>12} {'warm load':>10} {'replay':>8} {'warm replay':>12}"
        )
        for year in YEARS:
            cold, _ = timed(lambda y=year: st.ingest(y, download=False), repeat=3)
            load, e = timed(lambda y=year: election.load(st, y))
            rep, _ = timed(lambda e=e: replay(e))
            warm, _ = timed(lambda y=year: replay(election.load(st, y)))
            print(
                f"{year:>6} {cold * 1e3:>10.0f}ms {load * 1e3:>8.1f}ms {rep * 1e3:>6.1f}ms "
                f"{warm * 1e3:>10.1f}ms"
            )


if __name__ == "__main__":
    main()
