"""Bounded load test of the web API on loopback: requests per second, latency percentiles, errors.

Starts ``uvicorn hemicycle.web.app:create_app`` in a subprocess on 127.0.0.1 (a free port) over the
store in HEMICYCLE_STORE (or a temporary one, ingested from HEMICYCLE_DATA), warms every endpoint
once, then hits a mix of GET endpoints from concurrent httpx clients for a fixed duration, and
finally times a few projections one after another. Prints figures only (no assertions on time).

    python benchmarks/bench_web.py [--duration 10] [--concurrency 16] [--projections 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections import defaultdict

import httpx
import numpy as np

YEARS = (2017, 2022, 2024)


def prepare_store() -> str:
    from hemicycle.data.store import Store

    path = os.environ.get("HEMICYCLE_STORE") or os.path.join(tempfile.mkdtemp(), "bench.duckdb")
    with warnings.catch_warnings(), Store(path) as st:
        warnings.simplefilter("ignore")
        for y in YEARS:
            st.ensure(y, download=False)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(store: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "HEMICYCLE_STORE": store}
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "hemicycle.web.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/elections", timeout=5).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not start")


def mix(base: str, codes: dict[int, list[str]]) -> list[tuple[str, str]]:
    """(label, url) of the GET endpoints, weighted like a dashboard session."""
    out = [("elections", "/api/elections")] * 2
    for y in YEARS:
        out.append(("results", f"/api/elections/{y}/results"))
        out += [
            ("constituency", f"/api/elections/{y}/constituencies/{c}")
            for c in codes[y][:: 577 // 8]
        ]
        out.append(("hemicycle.svg", f"/api/elections/{y}/hemicycle.svg"))
        out.append(("map.svg", f"/api/elections/{y}/map.svg?legend=false"))
        out.append(("compare", f"/api/elections/{y}/compare?unit=bloc"))
        out.append(("coalitions", f"/api/elections/{y}/coalitions?minimal=true"))
    return [(label, base + url) for label, url in out]


async def load(targets: list[tuple[str, str]], duration: float, concurrency: int) -> dict:
    lat: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    stop = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(seed: int, client: httpx.AsyncClient) -> None:
        rnd = random.Random(seed)
        while time.perf_counter() < stop:
            label, url = rnd.choice(targets)
            t0 = time.perf_counter()
            try:
                r = await client.get(url, headers={"accept-encoding": "gzip"})
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            lat[label].append(time.perf_counter() - t0)
            if not ok:
                errors[label] += 1

    t0 = time.perf_counter()
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        await asyncio.gather(*(worker(i, client) for i in range(concurrency)))
    return {"lat": lat, "errors": errors, "wall": time.perf_counter() - t0}


def ms(a: list[float] | np.ndarray, q: float) -> float:
    return float(np.quantile(np.asarray(a), q) * 1000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of load (default 10)")
    ap.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    ap.add_argument("--projections", type=int, default=5, help="projections timed after the load")
    ap.add_argument("--sims", type=int, default=5_000, help="simulations per projection")
    args = ap.parse_args()

    store = prepare_store()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(store, port)
    try:
        with httpx.Client(base_url=base, timeout=600) as c:
            t0 = time.perf_counter()
            codes = {
                y: [
                    w["constituency"]
                    for w in c.get(f"/api/elections/{y}/results").json()["winners"]
                ]
                for y in YEARS
            }
            targets = mix(base, codes)
            for _, url in sorted(set(targets)):
                c.get(url)  # warm the caches (replays, SVGs, comparisons: once per process)
            c.post("/api/project", json={"year": 2024, "train": 2017, "sims": 100, "seed": 0})
            print(
                f"warm-up (every endpoint once, transfers of 2017 learnt or loaded): "
                f"{time.perf_counter() - t0:.1f} s"
            )

        res = asyncio.run(load(targets, args.duration, args.concurrency))
        all_lat = [x for v in res["lat"].values() for x in v]
        n, errs = len(all_lat), sum(res["errors"].values())
        print(
            f"\nGET mix on 127.0.0.1, {args.concurrency} concurrent clients, {res['wall']:.1f} s, "
            f"{os.cpu_count()} CPU(s) shared by server and clients"
        )
        print(
            f"  {n:,} requests, {n / res['wall']:,.0f} req/s, p50 {ms(all_lat, 0.5):.1f} ms, "
            f"p90 {ms(all_lat, 0.9):.1f} ms, p99 {ms(all_lat, 0.99):.1f} ms, errors {errs}"
        )
        print(f"  {'endpoint':<14}{'requests':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
        for label in sorted(res["lat"]):
            v = res["lat"][label]
            print(
                f"  {label:<14}{len(v):>10,}{ms(v, 0.5):>10.1f}{ms(v, 0.99):>10.1f}"
                f"{res['errors'].get(label, 0):>8}"
            )

        if args.projections:
            times = []
            with httpx.Client(base_url=base, timeout=600) as c:
                for i in range(args.projections):
                    t0 = time.perf_counter()
                    r = c.post(
                        "/api/project",
                        json={
                            "year": 2024,
                            "train": 2017,
                            "sims": args.sims,
                            "seed": i,
                            "overrides": [{"from": "left", "to": "centre", "rate": 0.1 * i}],
                        },
                    )
                    times.append(time.perf_counter() - t0)
                    assert r.status_code == 200, r.text
            print(
                f"\nPOST /api/project, {args.projections} in a row, "
                f"{args.sims:,} simulations each: "
                f"median {np.median(times):.2f} s, max {max(times):.2f} s"
            )
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
