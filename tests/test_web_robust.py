"""The web server under load and abuse (issue #10): a bounded projection queue (503 with
Retry-After), reads that never wait behind projections, cancelled projections that stop working,
duplicate systems, the body limit, the security headers, the Host allow-list, no re-ingest while
serving, and a prompt shutdown on SIGTERM. Behaviour only: no assertion on timings."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from hemicycle.errors import HemicycleError  # noqa: E402
from hemicycle.web import create_app, guard  # noqa: E402

PROJECT = {"year": 2024, "train": 2017, "sims": 10, "seed": 1}


def _until(cond: Callable[[], bool], what: str, limit_s: float = 60.0) -> None:
    """Poll ``cond`` (bounded in time): a test never hangs on a broken server."""
    deadline = time.monotonic() + limit_s
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def fitted_2017(store_path: Path) -> None:
    from hemicycle.data.store import Store
    from hemicycle.sim import pipeline as sim

    with Store(store_path) as st:  # learnt once and cached on disk: no request waits on it
        sim.fitted(2017, st)


@pytest.fixture(scope="module")
def client(store_path: Path):
    app = create_app(store_path, max_sims=200_000, timeout_s=600)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


# ----- the projection queue ------------------------------------------------------------------


def test_full_queue_is_503_with_retry_after_and_reads_go_on(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hemicycle.sim import pipeline as sim

    gate = threading.Event()

    def blocked(*args, **kwargs):
        gate.wait(60)
        raise HemicycleError("released")

    monkeypatch.setattr(sim, "project", blocked)
    app = create_app(store_path, timeout_s=120, max_queued=2)
    lane = app.state.service.projections
    statuses: list[int] = []
    with TestClient(app, raise_server_exceptions=False) as c:
        admitted = [
            threading.Thread(
                target=lambda: statuses.append(c.post("/api/project", json=PROJECT).status_code),
                daemon=True,
            )
            for _ in range(3)
        ]  # one running, two waiting
        try:
            for t in admitted:
                t.start()
            _until(lambda: lane.admitted == 3, "three admitted projections")
            full = c.post("/api/project", json=PROJECT)
            assert full.status_code == 503, full.text
            assert int(full.headers["retry-after"]) >= 1
            assert full.json()["error"] == "busy" and "try again" in full.json()["detail"]
            # reads never wait behind projections (they used to share AnyIO's thread pool)
            for url in (
                "/api/elections",
                "/api/elections/2024/results",
                "/api/elections/2024/hemicycle.svg",
                "/static/app.js",
                "/",
            ):
                assert c.get(url).status_code == 200, url
        finally:
            gate.set()
            for t in admitted:
                t.join(60)
    assert statuses == [400, 400, 400]  # each admitted one ran, then failed as the fake says
    assert lane.rejected == 1 and lane.admitted == 0


def test_timed_out_projection_stops_between_chunks(
    store_path: Path, fitted_2017: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 504 used to leave the Monte Carlo running to the end; now it stops at the next chunk."""
    from hemicycle.sim import montecarlo

    name = montecarlo.default_backend()
    real = montecarlo.BACKENDS[name]
    chunks: list[int] = []
    gate = threading.Event()

    def counted(inp, noise, key, start, stop):
        chunks.append(start)
        gate.wait(60)  # the first chunk waits until the client has had its 504
        return real(inp, noise, key, start, stop)

    monkeypatch.setitem(montecarlo.BACKENDS, name, counted)
    app = create_app(store_path, max_sims=200_000, timeout_s=0.5)
    lane = app.state.service.projections
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/api/project", json={**PROJECT, "sims": 200_000})
        assert r.status_code == 504, r.text
        gate.set()
        _until(lambda: lane.admitted == 0, "the cancelled projection to stop")
    assert lane.cancelled == 1
    assert len(chunks) <= 1  # of 10 chunks (20,000 simulations each with numba)


def test_disconnected_client_cancels_its_job() -> None:
    """A client that goes away (seen as ``http.disconnect``) cancels the job it was waiting for."""
    lane = guard.Lane("test", workers=1, waiting=0)
    started, steps = threading.Event(), []

    def job(cancelled: threading.Event) -> str:
        started.set()
        for i in range(500):  # bounded: 500 steps of 10 ms at most
            if cancelled.is_set():
                return "stopped"
            steps.append(i)
            time.sleep(0.01)
        return "finished"

    async def scenario() -> str:
        fut, cancelled = lane.submit(job)
        gone = asyncio.Event()

        async def receive():
            await gone.wait()
            return {"type": "http.disconnect"}

        waiting = asyncio.create_task(
            guard.wait_for_job(fut, cancelled, timeout_s=60, receive=receive)
        )
        await asyncio.to_thread(started.wait, 10)
        gone.set()
        outcome, _ = await waiting
        assert outcome == "gone" and cancelled.is_set()
        return await asyncio.wrap_future(fut)

    try:
        assert asyncio.run(scenario()) == "stopped"
        assert len(steps) < 500
    finally:
        lane.close()


def test_lane_bounds_admission_and_skips_abandoned_jobs() -> None:
    lane = guard.Lane("test", workers=1, waiting=1)
    gate = threading.Event()
    ran: list[str] = []
    try:
        first, _ = lane.submit(lambda c: (gate.wait(10), ran.append("first")))
        second, cancel_second = lane.submit(lambda c: ran.append("second"))
        with pytest.raises(guard.Busy) as busy:
            lane.submit(lambda c: ran.append("third"))
        assert busy.value.retry_after >= 1 and "2 jobs" in str(busy.value)
        cancel_second.set()  # abandoned while it waited: never runs
        gate.set()
        first.result(10)
        with pytest.raises(guard.Cancelled):
            second.result(10)
        assert ran == ["first"]
        _until(lambda: lane.admitted == 0, "the lane to drain", 10)
        lane.submit(lambda c: ran.append("later"))[0].result(10)  # room again
        assert ran == ["first", "later"]
    finally:
        gate.set()
        lane.close()


def test_shutdown_cancels_admitted_jobs() -> None:
    lane = guard.Lane("test", workers=1, waiting=2)
    started = threading.Event()
    running, cancelled = lane.submit(lambda c: (started.set(), c.wait(30))[1] and "cancelled")
    waiting, _ = lane.submit(lambda c: "ran")
    started.wait(10)
    lane.close()
    assert cancelled.is_set() and running.result(10) == "cancelled"
    with pytest.raises(guard.Cancelled):
        waiting.result(10)  # never started


# ----- compare: a system named twice ----------------------------------------------------------


@pytest.mark.parametrize(
    ("systems", "expected"),
    [
        ("actual,actual", ["actual"]),
        ("actual,two_round", ["actual"]),  # an alias of the same system
        ("dhondt,dhondt:threshold=0.05", ["dhondt"]),  # the default threshold, spelt out
        (
            "hare,hare:threshold=3%",
            ["hare", "hare:threshold=0.03"],
        ),  # other options: another system
    ],
)
def test_compare_names_each_system_once(client, systems: str, expected: list[str]) -> None:
    r = client.get(f"/api/elections/2024/compare?systems={systems}&unit=bloc")
    assert r.status_code == 200, r.text
    assert [x["system"] for x in r.json()["systems"]] == expected


def test_compare_all_and_one_more_is_every_system_once(client, fitted_2017: None) -> None:
    from hemicycle.systems import SYSTEMS

    r = client.get("/api/elections/2024/compare?systems=all,actual&unit=bloc")
    assert r.status_code == 200, r.text
    assert [x["system"] for x in r.json()["systems"]] == list(SYSTEMS)


def test_compare_unknown_system_is_400(client) -> None:
    r = client.get("/api/elections/2024/compare?systems=actual,nonsense")
    assert r.status_code == 400 and "nonsense" in r.json()["detail"]


# ----- request body, headers, host -------------------------------------------------------------


def test_large_body_is_413_without_reading_it(client) -> None:
    big = b'{"year": 2024, "train": 2017, "pad": "' + b"x" * (200 * 1024) + b'"}'
    r = client.post("/api/project", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "64 KiB" in r.json()["detail"]

    def chunks():
        for _ in range(20):
            yield b"x" * 8192

    r = client.post("/api/project", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert (
        client.post("/api/project", json=PROJECT).status_code != 413
    )  # a normal body still passes


def test_body_limit_stops_reading_a_stream() -> None:
    read = []

    async def app(scope, receive, send):  # pragma: no cover - never reached
        raise AssertionError("the app must not see a body over the limit")

    async def receive():
        read.append(1)
        return {"type": "http.request", "body": b"x" * 16384, "more_body": len(read) < 100_000}

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "headers": [(b"host", b"127.0.0.1"), (b"transfer-encoding", b"chunked")],
    }
    asyncio.run(
        guard.Guard(app, allowed_hosts=frozenset(guard.LOOPBACK_HOSTS))(scope, receive, send)
    )
    assert sent[0]["status"] == 413 and len(read) == 5  # 5 × 16 KiB > 64 KiB: nothing more is read


def test_nosniff_on_every_kind_of_response(client) -> None:
    urls = {
        "/api/elections": 200,
        "/static/app.js": 200,
        "/static/style.css": 200,
        "/api/elections/2024/map.svg": 200,
        "/nowhere": 404,
        "/static/nowhere.js": 404,
        "/api/elections/1800/results": 422,
        "/api/elections/1999/results": 404,
        "/": 200,
        "/docs": 200,
        "/openapi.json": 200,
    }
    for url, status in urls.items():
        r = client.get(url)
        assert r.status_code == status, url
        assert r.headers.get("x-content-type-options") == "nosniff", url
    r = client.post("/api/project", json={"train": 2017})  # no year
    assert r.status_code == 422 and r.headers["x-content-type-options"] == "nosniff"


def test_csp_on_every_html_response(client) -> None:
    for url in ("/", "/docs"):
        r = client.get(url)
        assert r.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in r.headers["content-security-policy"]


def test_internal_error_has_nosniff(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hemicycle import session as api

    monkeypatch.setattr(api.Session, "replay", lambda *a, **k: 1 / 0)
    with TestClient(create_app(store_path), raise_server_exceptions=False) as c:
        r = c.get("/api/elections")
    assert r.status_code == 500 and r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("evil.example", 400),
        ("evil.example:8000", 400),
        ("127.0.0.1.evil.example", 400),
        ("", 400),
        ("127.0.0.1", 200),
        ("127.0.0.1:8000", 200),
        ("localhost:8000", 200),
        ("LOCALHOST", 200),
        ("[::1]:8000", 200),
        ("[::1]", 200),
        ("testserver", 200),
    ],
)
def test_host_header_is_checked(client, host: str, status: int) -> None:
    r = client.get("/api/elections", headers={"host": host})
    assert r.status_code == status, host
    if status == 400:
        assert "host" in r.json()["detail"]


def test_allowed_hosts_follow_the_listening_address(store_path: Path) -> None:
    lo = guard.allowed_hosts_for("127.0.0.1")
    assert lo is not None and {"127.0.0.1", "localhost", "[::1]"} <= lo and "testserver" not in lo
    assert guard.allowed_hosts_for("0.0.0.0") is None  # any host
    only = guard.allowed_hosts_for("0.0.0.0", ["dash.example.org"])
    assert only is not None and "dash.example.org" in only and "evil.example" not in only
    assert guard.allowed_hosts_for("127.0.0.1", ["*"]) is None
    app = create_app(store_path, allowed_hosts=["dash.example.org"])
    with TestClient(app, base_url="http://dash.example.org") as c:
        assert c.get("/api/elections").status_code == 200
        assert c.get("/api/elections", headers={"host": "testserver"}).status_code == 400
    with TestClient(create_app(store_path, allowed_hosts=["*"])) as c:
        assert c.get("/api/elections", headers={"host": "anything.example"}).status_code == 200


# ----- serving never writes ------------------------------------------------------------------


def test_touched_mirror_file_is_not_reingested_while_serving(
    tmp_path: Path,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from hemicycle.data.store import Store

    mirror = tmp_path / "mirror"  # a private copy: the shared mirror is never touched
    (mirror / "2022").mkdir(parents=True)
    for f in (data_dir / "2022").glob("resultats-par-niveau-cirlg-t1-*.txt"):
        shutil.copy(f, mirror / "2022" / f.name)
    monkeypatch.setenv("HEMICYCLE_DATA", str(mirror))
    path = tmp_path / "store.duckdb"
    with Store(path) as st:
        st.ingest(2022, download=False)
        before = st.query("SELECT signature FROM sources WHERE year = 2022")["signature"].tolist()
    app = create_app(path)
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get("/api/elections").status_code == 200
        for f in (mirror / "2022").iterdir():  # a newer file while serving
            st_ = f.stat()
            os.utime(f, ns=(st_.st_atime_ns, st_.st_mtime_ns + 10**10))
        with caplog.at_level(logging.WARNING, logger="hemicycle.web"):
            for _ in range(3):
                r = c.get("/api/elections/2022/compare?systems=hare")
                assert r.status_code == 200, r.text
            assert c.get("/api/elections/2022/coalitions?system=dhondt").status_code == 200
        with app.state.service.stores.open() as st:
            after = st.query("SELECT signature FROM sources WHERE year = 2022")[
                "signature"
            ].tolist()
    assert after == before  # the store still holds what was loaded
    notes = [r for r in caplog.records if "changed since the store was loaded" in r.getMessage()]
    assert len(notes) == 1  # logged once, not per request


def test_a_serving_session_never_ingests(store_path: Path) -> None:
    from hemicycle.errors import DataNotAvailableError
    from hemicycle.session import Session

    before = store_path.stat().st_mtime_ns
    with Session(store_path, ingest="never") as s:
        assert s.prepare(2024) is None and s.replay(2024).decided == 577
        with pytest.raises(DataNotAvailableError, match="restart"):
            s.prepare(2019)  # no such election: never ingested while serving
        with pytest.raises(DataNotAvailableError, match="does not ingest"):
            s.ingest(2024)
        s.ingest_earlier(None)  # a no-op under "never"
    assert store_path.stat().st_mtime_ns == before


# ----- shutdown ------------------------------------------------------------------------------


def _free_port() -> int:
    for port in range(8790, 8800):  # this suite's share of the 87xx ports
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 8790-8799")


def test_sigterm_stops_the_server_during_a_long_projection(
    store_path: Path, tmp_path: Path, fitted_2017: None
) -> None:
    httpx = pytest.importorskip("httpx")
    copy = tmp_path / "serve.duckdb"
    shutil.copy(store_path, copy)
    port = _free_port()
    env = {**os.environ, "HEMICYCLE_STORE": str(copy)}
    serve = [sys.executable, "-c", "from hemicycle.cli import app; app()", "serve"]
    proc = subprocess.Popen(
        [*serve, "--port", str(port), "--no-prefit", "--timeout", "600"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            if proc.poll() is not None:
                pytest.fail(f"hemicycle serve exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                return httpx.get(f"{base}/api/elections", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        _until(up, "hemicycle serve to answer", 120)
        assert (
            httpx.get(f"{base}/api/elections", headers={"host": "evil.example"}).status_code == 400
        )

        def long_projection() -> None:
            try:
                httpx.post(f"{base}/api/project", json={**PROJECT, "sims": 200_000}, timeout=120)
            except httpx.HTTPError:
                pass  # the server went away: expected

        clients = [threading.Thread(target=long_projection, daemon=True) for _ in range(4)]
        for t in clients:  # one running, three waiting: a minute of work or more on two cores
            t.start()
        time.sleep(1.5)  # the first projection is under way (learning nothing: 2017 is cached)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)  # generous: the bound is a behaviour, not a benchmark
        except subprocess.TimeoutExpired:
            pytest.fail("hemicycle serve did not stop within 15 s of SIGTERM")
        for t in clients:
            t.join(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_montecarlo_stops_between_chunks() -> None:
    """The hook the server uses: ``should_stop`` (or an enclosing ``stop_when``) is checked between
    chunks, so a cancelled run does the chunk under way and no more."""
    import numpy as np

    from hemicycle.sim import montecarlo as mc
    from test_sim_montecarlo import (  # tests/ is on sys.path (rootdir-less modules)
        NOISE,
        random_inputs,
    )

    inp = random_inputs(0)
    calls: list[int] = []
    real = mc.BACKENDS["reference"]

    def counted(inp_, noise, key, start, stop):
        calls.append(start)
        return real(inp_, noise, key, start, stop)

    mc.BACKENDS["reference"] = counted
    try:
        with pytest.raises(mc.Stopped, match="after 30 of 100"):
            mc.run(
                inp,
                NOISE,
                sims=100,
                rng=np.random.default_rng(0),
                backend="reference",
                chunk=10,
                should_stop=lambda: len(calls) >= 3,
            )
        assert calls == [0, 10, 20]
        calls.clear()
        stop = threading.Event()
        stop.set()
        with mc.stop_when(stop.is_set), pytest.raises(mc.Stopped):
            mc.run(
                inp, NOISE, sims=100, rng=np.random.default_rng(0), backend="reference", chunk=10
            )
        assert calls == []
        full = mc.run(
            inp, NOISE, sims=100, rng=np.random.default_rng(0), backend="reference", chunk=10
        )
        assert full.n == 100 and len(calls) == 10  # outside the block: no hook
    finally:
        mc.BACKENDS["reference"] = real


def test_lanes_survive_a_restart_of_the_app(store_path: Path) -> None:
    """Shutdown cancels the jobs; the same app started again (as TestClient and schemathesis do)
    still runs them."""
    app = create_app(store_path)
    for _ in range(2):
        with TestClient(app, raise_server_exceptions=False) as c:
            r = c.get("/api/elections/2024/compare?systems=actual&unit=bloc")
            assert r.status_code == 200, r.text


def test_client_that_hangs_up_cancels_its_projection_on_uvicorn(
    store_path: Path, fitted_2017: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through uvicorn itself: the client gives up, the server sees the disconnect and the Monte
    Carlo stops at its next chunk (it used to run to the end)."""
    httpx = pytest.importorskip("httpx")
    import uvicorn

    from hemicycle.sim import montecarlo

    name = montecarlo.default_backend()
    real = montecarlo.BACKENDS[name]
    chunks: list[int] = []
    hung_up = threading.Event()

    def counted(inp, noise, key, start, stop):
        chunks.append(start)
        hung_up.wait(60)  # the first chunk lasts until the client has gone
        return real(inp, noise, key, start, stop)

    monkeypatch.setitem(montecarlo.BACKENDS, name, counted)
    app = create_app(store_path, max_sims=200_000, timeout_s=600)
    lane = app.state.service.projections
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-robust", daemon=True)
    thread.start()
    try:
        _until(lambda: server.started, "uvicorn to start")
        with pytest.raises(httpx.TimeoutException):
            httpx.post(
                f"http://127.0.0.1:{port}/api/project", json={**PROJECT, "sims": 200_000}, timeout=2
            )
        _until(lambda: lane.cancelling() == 1, "the server to see the disconnect")
        hung_up.set()
        _until(lambda: lane.admitted == 0, "the cancelled projection to stop")
        assert lane.cancelled == 1 and len(chunks) <= 1
    finally:
        hung_up.set()
        server.should_exit = True
        thread.join(15)
