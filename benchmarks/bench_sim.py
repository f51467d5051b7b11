"""Monte Carlo throughput: simulated elections per second for a whole election.

Inputs: 2024's 501 runoffs (official lineups) with transfers pooled from every earlier election
with both rounds when HEMICYCLE_DATA is set (store in HEMICYCLE_STORE or a temporary one), else
synthetic inputs of the same shape. The numba kernel and the plain-Python reference loop run on the
same seed and inputs; the loop runs the first few simulations, which are checked to be identical.
Also timed: ``project 2024 --train all`` end to end once the fits are cached. Prints figures only
(no assertions on time).

    python benchmarks/bench_sim.py [--sims 100000]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import tracemalloc
import warnings

import numpy as np

from hemicycle.sim import montecarlo as mc


def real_inputs():
    from hemicycle.data.store import Store
    from hemicycle.sim import pipeline
    from hemicycle.sim.features import resolve_lineup
    from hemicycle.sim.project import build_inputs

    path = os.environ.get("HEMICYCLE_STORE") or os.path.join(tempfile.mkdtemp(), "bench.duckdb")
    store = Store(path)
    from hemicycle.data.files import YEARS

    for y in YEARS:
        if y <= 2024:
            store.ensure(y, download=False)
    for p in (2002, 2007, 2012, 2017, 2022):  # the fundamentals' presidential rounds
        if p not in store.presidential_years():
            store.ingest_presidential(p, download=False)
    years = pipeline.training_years(2024, "all", store)
    model, noise = pipeline.pooled(years, store, target=pipeline.load(store, 2024))
    target = pipeline.load(store, 2024)
    inp, _ = build_inputs(model, target, resolve_lineup(target, withdrawals="data"), noise=noise)
    t = time.perf_counter()
    pipeline.project(2024, "all", store, sims=20_000, seed=1)
    print(f"project 2024 --train all --sims 20000, fits cached: {time.perf_counter() - t:.2f} s")
    return inp, noise, f"2024 from {', '.join(map(str, years))} (real)"


def synthetic_inputs(R=501, J=4, M=21):
    rng = np.random.default_rng(0)
    n = rng.choice([2, 3, 4], R, p=[0.82, 0.17, 0.01])
    bloc = np.full((R, J), -1, np.int64)
    for r in range(R):
        bloc[r, : n[r]] = np.sort(rng.choice(7, n[r], replace=False))
    valid = bloc >= 0
    inp = mc.Inputs(
        xm=rng.uniform(0, 0.05, (M, R, 7, J)) * valid[None, :, None],
        abst=rng.uniform(0, 0.5, (M, R, 7)),
        xnv=rng.uniform(0, 0.01, (M, R, J)) * valid[None],
        bloc=bloc,
        dep=rng.integers(0, 107, R),
        birth=rng.integers(-9000, 9000, (R, J)),
        n_deps=107,
    )
    return inp, mc.Noise(), "synthetic, same shape"


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def main() -> None:
    # the source's data quirks are reported by `hemicycle data quirks`
    warnings.simplefilter("ignore")
    ap = argparse.ArgumentParser()
    ap.add_argument("--sims", type=int, default=100_000)
    ap.add_argument("--reference-sims", type=int, default=20)
    args = ap.parse_args()
    try:
        inp, noise, label = (
            real_inputs() if os.environ.get("HEMICYCLE_DATA") else synthetic_inputs()
        )
    except Exception as exc:  # noqa: BLE001 - a benchmark falls back rather than fails
        print(f"(real inputs unavailable: {exc}; using synthetic ones)")
        inp, noise, label = synthetic_inputs()
    M, R, NV, J = inp.xm.shape
    print(f"inputs: {label}: {R} runoffs, up to {J} candidates, {M} transfer replicates")
    key = mc.draw_key(np.random.default_rng(2024))

    ref, t_ref = timed(mc.simulate_reference, inp, noise, key, 0, args.reference_sims)
    rate_ref = args.reference_sims / t_ref
    print(
        f"reference loop (plain Python): {rate_ref:,.1f} elections/s ({args.reference_sims} sims)"
    )

    mc.simulate_numba(inp, noise, key, 0, 100)  # compile / load the cache
    from numba import get_num_threads

    tracemalloc.start()
    nb, t_nb = timed(
        lambda: mc.run(inp, noise, sims=args.sims, rng=np.random.default_rng(1), backend="numba")
    )
    _, peak_nb = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rate_nb = args.sims / t_nb
    head = mc.simulate_numba(inp, noise, key, 0, args.reference_sims)
    print(
        f"numba kernel ({get_num_threads()} threads): {rate_nb:,.0f} elections/s "
        f"({args.sims:,} sims in {t_nb:.2f} s), x{rate_nb / rate_ref:,.0f} the loop; "
        f"peak traced memory {peak_nb / 2**20:,.0f} MiB; "
        f"same winners as the loop: {np.array_equal(head.winners, ref.winners)}"
    )
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
