"""Fault benchmark: how the system behaves when things go wrong. Prints figures, never asserts.

Server section (``hemicycle serve`` in a subprocess on 127.0.0.1, ports 8700-8789):

* **flood** — a projection at the cap and 49 small ones requested at once, while one client reads
  ``GET /api/elections`` and ``…/results`` in a loop: read latency p50/p99, projections answered,
  rejected (503 with Retry-After) or timed out;
* **cancel** — a 200,000-simulation projection whose client gives up after 1 s, then a tiny one:
  how soon the server is free again (seconds of work saved by cancelling);
* **body** — a 64 MB request body: the status and the server's RSS growth;
* **idle** — 900 connections opened and left silent: GET latency with them open, and how many the
  server has closed 12 s later;
* **shutdown** — SIGTERM while four projections at the cap run or wait: seconds until the server
  exits, tracebacks and lines logged from then;
* **slowbody** — 999 connections from one client trickling their bodies a byte every 3 s: a GET
  with them open, how many the server closes within 35 s; a chunk announcing 2**64 - 1 bytes;
* **heads** — request heads of 15, 20 and 100 KiB written in one go (the limit is 16 KiB);
* **unparseable** — bodies nested 30,000 deep, in invalid UTF-8, with a 5,000-digit integer;
* **keys** — comparisons whose parameters differ beyond six digits, one after the other;
* **hits** — 64 comparisons at once, 20 of them already cached.

Each section runs against this tree's code ("after") and, with ``--before SRC``, against another
checkout's ``src`` ("before"), e.g. a clone at an earlier commit. Bounded: every
loop has a count and a deadline. Other sections (data, CLI) add a function to :data:`SECTIONS`.

    python benchmarks/bench_faults.py [--before ../earlier-clone/src] [--only flood,cancel]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

HERE = Path(__file__).resolve().parents[1] / "src"
YEARS = (2017, 2022, 2024)
CAP = 200_000


# ----- a server under test -------------------------------------------------------------------


def prepare_store() -> Path:
    """A private store with every year ingested and 2017's transfers learnt (once, cached)."""
    sys.path.insert(0, str(HERE))
    from hemicycle.data.store import Store
    from hemicycle.sim import pipeline as sim

    path = Path(tempfile.mkdtemp(prefix="bench-faults-")) / "store.duckdb"
    with warnings.catch_warnings(), Store(path) as st:
        warnings.simplefilter("ignore")
        for y in YEARS:
            st.ensure(y, download=False)
        sim.fitted(2017, st)
    return path


def free_port() -> int:
    for port in range(8700, 8790):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port in 8700-8789")


@dataclass
class Server:
    """``hemicycle serve`` from the code in ``src`` over a copy of ``store``."""

    src: Path
    store: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    log: Path | None = None  # the server's stderr

    def stderr(self) -> str:
        return self.log.read_text(errors="replace") if self.log is not None else ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self, field: str = "VmRSS") -> float:
        """The server's resident memory (``VmHWM``: its peak) in MB, from /proc."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    @contextlib.contextmanager
    def running(self) -> Iterator[Server]:
        copy = Path(tempfile.mkdtemp(prefix="bench-faults-")) / "store.duckdb"
        shutil.copy(self.store, copy)
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(self.src), "HEMICYCLE_STORE": str(copy)}
        cmd = [
            sys.executable,
            "-c",
            "from hemicycle.cli import app; app()",
            "serve",
            "--port",
            str(self.port),
            "--no-prefit",
            "--max-sims",
            str(CAP),
            "--timeout",
            "60",
        ]
        self.log = copy.parent / "stderr.log"
        with self.log.open("wb") as err:
            self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 120
            while True:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server from {self.src} did not start")
                try:
                    if httpx.get(f"{self.base}/api/elections", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.3)
            with httpx.Client(
                base_url=self.base, timeout=120
            ) as c:  # warm: replays, numba, transfers
                for y in YEARS:
                    c.get(f"/api/elections/{y}/results")
                c.post("/api/project", json={"year": 2024, "train": 2017, "sims": 100, "seed": 0})
            yield self
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
            shutil.rmtree(copy.parent, ignore_errors=True)


def ms(values: list[float], q: float) -> float:
    return float(np.quantile(np.asarray(values), q) * 1000) if values else float("nan")


# ----- server sections ---------------------------------------------------------------------


def server_flood(srv: Server, *, projections: int = 50, read_s: float = 15.0) -> dict[str, str]:
    """Reads while ``projections`` projections are requested at once (one at the cap)."""
    bodies = [{"year": 2024, "train": 2017, "sims": CAP, "seed": 1}]
    bodies += [
        {"year": 2024, "train": 2017, "sims": 5_000, "seed": i} for i in range(2, projections + 1)
    ]
    statuses: Counter[str] = Counter()
    lat: list[float] = []

    async def run() -> None:
        limits = httpx.Limits(max_connections=projections + 4)
        async with httpx.AsyncClient(base_url=srv.base, timeout=read_s + 30, limits=limits) as c:

            async def project(body: dict) -> None:
                try:
                    r = await c.post("/api/project", json=body)
                    statuses[str(r.status_code)] += 1
                except httpx.HTTPError:
                    statuses["no answer"] += 1

            async def reader() -> None:
                stop = time.perf_counter() + read_s
                urls = [
                    "/api/elections",
                    "/api/elections/2024/results",
                    "/api/elections/2022/results",
                ]
                for i in range(100_000):  # bounded in count and in time
                    if time.perf_counter() > stop:
                        break
                    t0 = time.perf_counter()
                    r = await c.get(urls[i % len(urls)], headers={"accept-encoding": "gzip"})
                    lat.append(time.perf_counter() - t0)
                    if r.status_code != 200:
                        statuses[f"read {r.status_code}"] += 1
                    await asyncio.sleep(0.02)

            flood = [asyncio.create_task(project(b)) for b in bodies]
            await asyncio.sleep(0.2)  # the big one first, as in the report
            await reader()
            _, pending = await asyncio.wait(flood, timeout=1.0)
            for t in pending:  # still queued when the reads stop: the client gives up
                t.cancel()
            statuses["unanswered after the reads"] += len(pending)

    asyncio.run(run())
    return {
        "reads": f"{len(lat)}",
        "read p50 ms": f"{ms(lat, 0.5):.0f}",
        "read p99 ms": f"{ms(lat, 0.99):.0f}",
        "read max ms": f"{max(lat) * 1000:.0f}" if lat else "-",
        "projections 200": str(statuses.get("200", 0)),
        "projections 503 (Retry-After)": str(statuses.get("503", 0) + statuses.get("429", 0)),
        "projections 504": str(statuses.get("504", 0)),
        "projections unanswered": str(
            statuses.get("unanswered after the reads", 0) + statuses.get("no answer", 0)
        ),
    }


def server_cancel(srv: Server) -> dict[str, str]:
    """A projection at the cap abandoned by its client after 1 s: when is the server free again?"""
    with httpx.Client(base_url=srv.base, timeout=120) as c:
        t0 = time.perf_counter()
        c.post("/api/project", json={"year": 2024, "train": 2017, "sims": CAP, "seed": 7})
        full = time.perf_counter() - t0
    t0 = time.perf_counter()
    with (
        contextlib.suppress(httpx.TimeoutException),
        httpx.Client(base_url=srv.base, timeout=1.0) as c,
    ):
        c.post("/api/project", json={"year": 2024, "train": 2017, "sims": CAP, "seed": 8})
    with httpx.Client(base_url=srv.base, timeout=120) as c:
        r = c.post("/api/project", json={"year": 2024, "train": 2017, "sims": 100, "seed": 9})
    free_after = time.perf_counter() - t0
    return {
        "projection at the cap, s": f"{full:.1f}",
        "abandoned after 1 s; next answered after, s": f"{free_after:.1f} ({r.status_code})",
        "work saved, s": f"{max(full - free_after, 0):.1f}",
    }


def server_body(srv: Server, *, mb: int = 64) -> dict[str, str]:
    """A ``mb`` MB body to POST /api/project: status and RSS growth of the server."""
    before, peak = srv.rss_mb(), srv.rss_mb("VmHWM")
    body = b'{"pad": "' + b"x" * (mb * 1024 * 1024) + b'"}'
    try:
        with httpx.Client(base_url=srv.base, timeout=60) as c:
            status = str(
                c.post(
                    "/api/project", content=body, headers={"content-type": "application/json"}
                ).status_code
            )
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    time.sleep(0.5)
    return {
        f"{mb} MB body: status": status,
        "RSS growth, MB": f"{srv.rss_mb() - before:.0f}",
        "peak RSS growth, MB": f"{srv.rss_mb('VmHWM') - peak:.0f}",
    }


def server_idle(srv: Server, *, sockets: int = 900, wait_s: float = 12.0) -> dict[str, str]:
    """``sockets`` silent connections: GET latency with them open; how many are closed later."""

    def gets(n: int = 20) -> list[float]:
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            try:
                httpx.get(f"{srv.base}/api/elections", timeout=10)
            except httpx.HTTPError:
                pass
            out.append(time.perf_counter() - t0)
        return out

    idle: list[socket.socket] = []
    try:
        for _ in range(sockets):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            idle.append(s)
        time.sleep(0.5)
        with_open = gets()
        time.sleep(wait_s)
        closed = 0
        for s in idle:
            s.setblocking(False)
            try:
                closed += s.recv(1) == b""
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
        later = gets()
    finally:
        for s in idle:
            s.close()
    return {
        f"GET p50 ms, {sockets} idle sockets open": f"{ms(with_open, 0.5):.0f}",
        f"idle sockets closed by the server after {wait_s:g} s": str(closed),
        "GET p50 ms afterwards": f"{ms(later, 0.5):.0f}",
    }


def server_shutdown(srv: Server, *, projections: int = 4, limit_s: float = 40.0) -> dict[str, str]:
    """SIGTERM while ``projections`` projections at the cap run or wait: seconds until exit."""
    import signal

    assert srv.proc is not None

    def project() -> None:
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(
                f"{srv.base}/api/project",
                json={"year": 2024, "train": 2017, "sims": CAP, "seed": 3},
                timeout=limit_s + 30,
            )

    clients = [threading.Thread(target=project, daemon=True) for _ in range(projections)]
    for t in clients:
        t.start()
    time.sleep(1.5)
    t0 = time.perf_counter()
    srv.proc.send_signal(signal.SIGTERM)
    try:
        srv.proc.wait(limit_s)
        took = f"{time.perf_counter() - t0:.1f}"
    except subprocess.TimeoutExpired:
        took = f"> {limit_s:g} (killed)"
    for t in clients:
        t.join(5)
    log = srv.stderr()
    return {
        f"exit after SIGTERM, {projections} projections at the cap, s": took,
        "tracebacks logged": str(log.count("Traceback (most recent call last)")),
        "log lines at the stop": str(
            sum(1 for line in log[log.find("Shutting down") :].splitlines() if line.strip())
            if "Shutting down" in log
            else 0
        ),
    }


# ----- hostile requests, round two (issue #26) -----------------------------------------------


def _raw(srv: Server, payload: bytes, *, limit_s: float) -> tuple[str, float]:
    """``payload`` written at once on a fresh connection: the status answered (or what
    happened) and the seconds it took."""
    t0 = time.perf_counter()
    with socket.create_connection(("127.0.0.1", srv.port), timeout=limit_s) as s:
        s.sendall(payload)
        s.settimeout(limit_s)
        got = b""
        try:
            while len(got) < 12 and (chunk := s.recv(4096)):
                got += chunk
        except TimeoutError:
            return f"no answer in {limit_s:g} s", time.perf_counter() - t0
        except OSError as exc:
            return type(exc).__name__, time.perf_counter() - t0
    status = got.split(b" ")[1].decode() if got.startswith(b"HTTP/1.1 ") else "closed"
    return status, time.perf_counter() - t0


def server_slow_body(
    srv: Server, *, sockets: int = 999, every_s: float = 3.0, watch_s: float = 35.0
) -> dict[str, str]:
    """``sockets`` connections from one client, each sending a head and then its body one byte
    every ``every_s`` s: a GET with them open, and how soon the server closes them; then a
    chunked body announcing 2**64 - 1 bytes."""
    head = b"POST /api/project HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
    head += b"content-length: 1000\r\n\r\n"
    slow: list[socket.socket] = []
    opened: list[float] = []
    closed_after: dict[int, float] = {}
    try:
        for _ in range(sockets):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            s.sendall(head + b"{")
            slow.append(s)
            opened.append(time.perf_counter())
        time.sleep(0.5)
        t0 = time.perf_counter()
        try:
            r = httpx.get(f"{srv.base}/api/elections", timeout=10)
            got = f"{r.status_code}"
        except httpx.HTTPError as exc:
            got = type(exc).__name__
        get_s = time.perf_counter() - t0
        stop = time.perf_counter() + watch_s
        for s in slow:
            s.setblocking(False)
        next_byte = time.perf_counter() + every_s
        while time.perf_counter() < stop and len(closed_after) < len(slow):
            for i, s in enumerate(slow):
                if i in closed_after:
                    continue
                try:
                    data = s.recv(4096)
                    if data == b"" or data.startswith(b"HTTP/1.1 "):
                        closed_after[i] = time.perf_counter() - opened[i]
                except BlockingIOError:
                    pass
                except OSError:
                    closed_after[i] = time.perf_counter() - opened[i]
            if time.perf_counter() >= next_byte:  # one more byte on every open one
                for i, s in enumerate(slow):
                    if i not in closed_after:
                        with contextlib.suppress(OSError):
                            s.send(b" ")
                next_byte += every_s
            time.sleep(0.05)
    finally:
        for s in slow:
            s.close()
    chunked = b"POST /api/project HTTP/1.1\r\nhost: 127.0.0.1\r\n"
    chunked += b"content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    status, took = _raw(srv, chunked + b"FFFFFFFFFFFFFFFF\r\n{", limit_s=40)
    done = sorted(closed_after.values())
    return {
        f"GET with {sockets} slow bodies open: status, s": f"{got}, {get_s:.2f}",
        f"slow bodies closed within {watch_s:g} s": f"{len(done)} of {sockets}",
        "— closed after, s (max)": f"{done[-1]:.0f}" if done else "-",
        "chunk size FFFFFFFFFFFFFFFF: status, s": f"{status}, {took:.1f}",
    }


def server_heads(srv: Server) -> dict[str, str]:
    """Request heads over 16 KiB, each written in one go."""
    out = {}
    for kib in (15, 20, 100):
        pad = b"x-pad: " + b"a" * (kib * 1024 - 100) + b"\r\n"
        head = b"GET /api/elections HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n"
        status, _ = _raw(srv, head + pad + b"\r\n", limit_s=15)
        out[f"{kib} KiB head in one read: status"] = status
    return out


def server_unparseable(srv: Server) -> dict[str, str]:
    """Bodies ``json.loads`` refuses without a syntax error: status and error kind."""
    bodies = {
        "nested 30,000 deep": b"[" * 30_000 + b"]" * 30_000,
        "invalid UTF-8": b'{"year": "\xff\xfe"}',
        "an integer of 5,000 digits": b'{"year": 1' + b"0" * 5000 + b"}",
    }
    out = {}
    with httpx.Client(base_url=srv.base, timeout=30) as c:
        for what, body in bodies.items():
            r = c.post("/api/project", content=body, headers={"content-type": "application/json"})
            try:
                kind = r.json().get("error", "?")
            except ValueError:
                kind = "not JSON"
            out[f"body {what}: status, error"] = f"{r.status_code}, {kind}"
    return out


#: UXD's share of 2024's round-1 votes is 0.0390269857: D'Hondt thresholds either side of it.
ABOVE, BELOW = "dhondt:threshold=0.03902699", "dhondt:threshold=0.03902698"


def _uxd(body: dict) -> str:
    """UXD's seats in a comparison of one system (whatever label it was given)."""
    for res in body.get("systems", [])[:1]:
        return str(next((g["seats"] for g in res["seats"] if g["group"] == "UXD"), 0))
    return "missing"


def server_cache_keys(srv: Server) -> dict[str, str]:
    """Comparisons whose parameters differ beyond six digits, one after the other."""
    url = "/api/elections/2024/compare"
    with httpx.Client(base_url=srv.base, timeout=60) as c:
        c.get(url, params={"systems": ABOVE})
        below = c.get(url, params={"systems": BELOW})
        c.get(url, params={"systems": "majority_bonus:bonus=0.9999999"})
        one = c.get(url, params={"systems": "majority_bonus:bonus=1"})
        both = c.get(url, params={"systems": f"{ABOVE},{BELOW}"})
    listed = len(both.json().get("systems", [])) if both.status_code == 200 else 0
    return {
        f"UXD seats at {BELOW.split('=')[1]} after {ABOVE.split('=')[1]} (right: 25)": _uxd(
            below.json()
        ),
        "bonus=1 after bonus=0.9999999: status (right: 400)": str(one.status_code),
        "both thresholds asked at once: systems listed (right: 2)": str(listed),
    }


def server_cache_hits(srv: Server, *, clients: int = 64, hits: int = 20) -> dict[str, str]:
    """``clients`` comparisons at once: ``hits`` already cached, the rest new (they fill the
    analyses lane)."""
    url = "/api/elections/2024/compare"
    cached = [f"dhondt:threshold=0.0{i + 10}" for i in range(hits)]
    fresh = [f"sainte_lague:threshold=0.0{i + 10}" for i in range(clients - hits)]
    with httpx.Client(base_url=srv.base, timeout=60) as c:
        for spec in cached:
            c.get(url, params={"systems": spec})
    statuses: Counter[str] = Counter()

    async def run() -> None:
        limits = httpx.Limits(max_connections=clients + 4)
        async with httpx.AsyncClient(base_url=srv.base, timeout=120, limits=limits) as c:

            async def one(spec: str, kind: str) -> None:
                try:
                    r = await c.get(url, params={"systems": spec})
                    statuses[f"{kind} {r.status_code}"] += 1
                except httpx.HTTPError:
                    statuses[f"{kind} no answer"] += 1

            misses = [asyncio.create_task(one(s, "miss")) for s in fresh]
            await asyncio.sleep(0.1)  # the lane is full by now
            await asyncio.gather(*(one(s, "hit") for s in cached), *misses)

    asyncio.run(run())
    return {
        f"{hits} cached of {clients} at once: hits 200 / 503": (
            f"{statuses.get('hit 200', 0)} / {statuses.get('hit 503', 0)}"
        ),
        "— misses 200 / 503": f"{statuses.get('miss 200', 0)} / {statuses.get('miss 503', 0)}",
    }


#: (name, function of a running server → figures). A data/CLI section adds its own runner in main().
SECTIONS: list[tuple[str, Callable[[Server], dict[str, str]]]] = [
    ("flood", server_flood),
    ("cancel", server_cancel),
    ("body", server_body),
    ("idle", server_idle),
    ("shutdown", server_shutdown),
    ("slowbody", server_slow_body),
    ("heads", server_heads),
    ("unparseable", server_unparseable),
    ("keys", server_cache_keys),
    ("hits", server_cache_hits),
]


def run_server_sections(
    src: Path, store: Path, only: set[str] | None
) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for name, fn in SECTIONS:
        if only and name not in only:
            continue
        with Server(src, store).running() as srv:  # a fresh server per section: no carry-over
            t0 = time.perf_counter()
            for k, v in fn(srv).items():
                out[(name, k)] = v
            print(f"  [{src}] {name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return out


def table(rows: dict[str, dict[tuple[str, str], str]]) -> None:
    cols = list(rows)
    keys = list(dict.fromkeys(k for r in rows.values() for k in r))
    w = max(len(f"{s}: {f}") for s, f in keys) + 2
    print(f"{'server: figure':<{w}}" + "".join(f"{c:>22}" for c in cols))
    for s, f in keys:
        print(f"{f'{s}: {f}':<{w}}" + "".join(f"{rows[c].get((s, f), '-'):>22}" for c in cols))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--before", type=Path, default=None, help="src folder of the code to compare with"
    )
    ap.add_argument("--only", default="", help="comma-separated sections (default: all)")
    args = ap.parse_args()
    only = {x for x in args.only.split(",") if x} or None
    if args.before is not None and (not args.before.is_dir() or args.before.resolve() == HERE):
        raise SystemExit(f"--before {args.before}: not another checkout's src folder")

    store = prepare_store()
    print(
        f"fault benchmark: {os.cpu_count()} CPU(s) shared by server and clients, store {store}",
        file=sys.stderr,
    )
    rows: dict[str, dict[tuple[str, str], str]] = {}
    if args.before is not None:
        rows["before"] = run_server_sections(args.before, store, only)
    rows["after"] = run_server_sections(HERE, store, only)
    table(rows)


if __name__ == "__main__":
    main()
