"""Time every registered seat rule on the 2024 round-1 votes (warm store, projector on).

    HEMICYCLE_DATA=../shared/data python benchmarks/bench_systems.py

Prints one line per system (best of 3, ms) and the time of the first call of the projecting
variants (fit of the training transfers excluded: it is cached on disk after the first run).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from hemicycle import session as api
from hemicycle import systems


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, api.Session(Path(tmp) / "b.duckdb") as st:
        for y in (2017, 2024):
            st.prepare(y)
        t0 = time.perf_counter()
        v = st.votes(2024, unit_="nuance")
        # warm the transfer fit (disk cache) so the figures below are the rules' own cost
        from hemicycle.sim import pipeline as sim

        sim.fitted(2017, st.store)
        print(f"votes + transfer fit/load: {time.perf_counter() - t0:.2f} s")
        for name in systems.names():
            times = []
            for _ in range(3):
                t = time.perf_counter()
                systems.run(name, v)
                times.append(time.perf_counter() - t)
            print(
                f"{name:<26} first {times[0] * 1e3:9.1f} ms   best of 3 {min(times) * 1e3:9.1f} ms"
            )
        t = time.perf_counter()
        cmp = st.compare(2024)
        print(
            f"compare 2024, all {len(cmp.allocations)} systems, fresh Votes: "
            f"{time.perf_counter() - t:.2f} s"
        )
        t = time.perf_counter()
        g = st.coalitions(2024, unit="nuance", train=None)
        print(
            f"coalitions 2024 by nuance ({len(g.groups)} groups, {len(g):,} winning coalitions): "
            f"{time.perf_counter() - t:.2f} s"
        )


if __name__ == "__main__":
    main()
