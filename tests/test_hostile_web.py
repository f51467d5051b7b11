"""Hostile and unlucky requests, round two, the server's side (issue #26, items 1, 2, 15, 17, 19
and 20): slow bodies and huge chunks cannot hold connections, stalled connections cannot lock
ready clients out, heads are bounded however they arrive, a clean stop logs one line per
cancelled request, bodies that cannot be parsed are a 422, comparisons are cached under their
exact parameters, and cache hits are answered however busy the analyses lane is.

The connection tests run uvicorn in a thread with :func:`hemicycle.web.guard.timed_h11_protocol`
and the options ``hemicycle serve`` gives it, over a tiny app behind :class:`guard.Guard`.
Behaviour only: every wait is bounded, no assertion on timings beyond "answered, not refused"."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
import uvicorn  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from hemicycle.web import create_app, guard  # noqa: E402

HEAD_LIMIT = 16 * 1024  # as `hemicycle serve` configures uvicorn


def _until(cond: Callable[[], bool], what: str, limit_s: float = 30.0) -> None:
    deadline = time.monotonic() + limit_s
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _echo(scope, receive, send) -> None:
    """Reads the whole body, answers its length; ``/sleep`` waits 60 s first."""
    if scope["type"] == "lifespan":
        while True:
            kind = (await receive())["type"].removeprefix("lifespan.")
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    size, more = 0, True
    while more:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            return
        size += len(msg.get("body", b""))
        more = msg.get("more_body", False)
    if scope["path"] == "/sleep":
        await asyncio.sleep(60)
    body = json.dumps({"size": size}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


@contextlib.contextmanager
def _server(*, limit: int = 1000, body_timeout_s: float = 20.0) -> Iterator[uvicorn.Server]:
    app = guard.Guard(_echo, allowed_hosts=None)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=_free_port(),
        http=guard.timed_h11_protocol(10.0, body_timeout_s),
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=HEAD_LIMIT,
        limit_concurrency=limit,
        backlog=1024,
        timeout_graceful_shutdown=1,
        log_config=None,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-hostile", daemon=True)
    thread.start()
    try:
        _until(lambda: server.started, "uvicorn to start")
        yield server
    finally:
        server.should_exit = True
        thread.join(15)


def _connect(server: uvicorn.Server) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", server.config.port), timeout=10)
    return s


def _answer(s: socket.socket, limit_s: float = 10.0) -> bytes:
    """Everything the server sends until it closes (or ``limit_s``)."""
    s.settimeout(limit_s)
    out = b""
    with contextlib.suppress(TimeoutError, ConnectionResetError):
        while chunk := s.recv(65536):
            out += chunk
    return out


def _status(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else 0


def _json_body(raw: bytes) -> dict:
    return json.loads(raw.split(b"\r\n\r\n", 1)[1])


SLOW_HEAD = b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n"


# ----- item 1: slow bodies ---------------------------------------------------------------------


def test_a_trickled_body_is_closed_with_408_at_its_deadline() -> None:
    with _server(body_timeout_s=1.0) as server, _connect(server) as s:
        s.sendall(SLOW_HEAD + b"x")
        raw = _answer(s)
    assert _status(raw) == 408
    assert _json_body(raw)["error"] == "timeout"


def test_a_chunk_announcing_more_than_the_body_limit_is_413_at_once() -> None:
    head = b"POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n"
    with _server(body_timeout_s=60.0) as server, _connect(server) as s:
        s.sendall(head + b"FFFFFFFFFFFFFFFF\r\nabc")
        raw = _answer(s, 10.0)  # the body deadline is a minute away: this is the early 413
    assert _status(raw) == 413
    assert _json_body(raw)["error"] == "too_large"


def test_stalled_bodies_do_not_lock_ready_clients_out() -> None:
    """At the connection limit, slow bodies (held by one client) give way: the GET is answered
    instead of uvicorn's plain-text 503, and the stalled connection shed gets a 408."""
    limit = 40
    with _server(limit=limit, body_timeout_s=60.0) as server:
        stalled = []
        try:
            for _ in range(limit - 1):
                s = _connect(server)
                s.sendall(SLOW_HEAD + b"x")
                stalled.append(s)
            _until(lambda: len(server.server_state.tasks) == limit - 1, "the slow requests")
            for _ in range(3):
                with _connect(server) as s:
                    s.sendall(b"GET /echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                    raw = _answer(s)
                assert _status(raw) == 200, raw[:200]
            shed = []
            for s in stalled:
                s.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    shed.append(s.recv(65536))
            assert any(_status(r) == 408 for r in shed)
        finally:
            for s in stalled:
                s.close()


# ----- item 17: heads over 16 KiB --------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "status"), [(15 * 1024, 200), (20 * 1024, 431), (100 * 1024, 431)]
)
def test_a_head_is_bounded_even_in_one_read(size: int, status: int) -> None:
    filler = b"x-pad: " + b"a" * (size - 80) + b"\r\n"
    head = b"GET /echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\n" + filler + b"\r\n"
    with _server() as server, _connect(server) as s:
        s.sendall(head)  # one write: the server reads it at once
        raw = _answer(s)
    assert _status(raw) == status
    if status == 431:
        assert _json_body(raw)["error"] == "too_large"


# ----- item 19: a clean stop ------------------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_requests_cancelled_at_shutdown_log_one_line_each() -> None:
    records = _Records()
    loggers = [logging.getLogger(n) for n in ("uvicorn.error", "hemicycle.web", "uvicorn")]
    for lg in loggers:
        lg.addHandler(records)
    answers: list[bytes] = []
    try:
        with _server() as server:
            socks = [_connect(server) for _ in range(2)]
            for s in socks:
                s.sendall(b"GET /sleep HTTP/1.1\r\nhost: x\r\n\r\n")
            _until(lambda: len(server.server_state.tasks) == 2, "the two requests")
            readers = [
                threading.Thread(target=lambda s=s: answers.append(_answer(s, 20)), daemon=True)
                for s in socks
            ]
            for t in readers:
                t.start()
            server.should_exit = True  # as SIGTERM does; running requests get 1 s, then cancelled
            for t in readers:
                t.join(20)
            for s in socks:
                s.close()
    finally:
        for lg in loggers:
            lg.removeHandler(records)
    assert not [r for r in records.records if r.exc_info], "a traceback was logged"
    cancelled = [r for r in records.records if "the server is stopping" in r.getMessage()]
    assert len(cancelled) == 2
    assert all("\n" not in r.getMessage() for r in cancelled)
    assert sorted(_status(a) for a in answers) == [503, 503]


# ----- item 20: bodies that cannot be parsed -----------------------------------------------------


@pytest.fixture(scope="module")
def bare_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app over an empty store: bodies are parsed before any route reads the store."""
    path = tmp_path_factory.mktemp("bare") / "store.duckdb"
    path.touch()
    with TestClient(create_app(path), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"[" * 30_000 + b"]" * 30_000, "nested too deeply"),
        (b'{"year": "\xff\xfe"}', "not UTF-8"),
        (b'{"year": 1' + b"0" * 5000 + b"}", "4,300 digits"),
    ],
)
def test_an_unparseable_body_is_a_422_in_one_sentence(
    bare_client: TestClient, body: bytes, says: str
) -> None:
    r = bare_client.post("/api/project", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    out = r.json()
    assert out["error"] == "invalid_request"
    assert says in out["detail"] and "\n" not in out["detail"]
    assert out["detail"].endswith(".")


# ----- item 2: the comparison cache keys --------------------------------------------------------

#: UXD's share of 2024's round-1 votes is 0.0390269857: these two thresholds fall either side.
BELOW, ABOVE = "dhondt:threshold=0.03902698", "dhondt:threshold=0.03902699"


@pytest.fixture(scope="module")
def store_2024(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    from hemicycle.data.store import Store

    path = tmp_path_factory.mktemp("s2024") / "store.duckdb"
    with Store(path) as st:
        st.ensure(2024, download=False)
    return path


@pytest.fixture()
def client_2024(store_2024: Path) -> Iterator[TestClient]:
    with TestClient(create_app(store_2024, timeout_s=20), raise_server_exceptions=False) as c:
        yield c


def _uxd(body: dict, system: str) -> int:
    (res,) = [x for x in body["systems"] if x["system"] == system]
    return next((g["seats"] for g in res["seats"] if g["group"] == "UXD"), 0)


def test_exact_keys_tell_close_parameters_apart() -> None:
    from hemicycle.systems import canonical, compare_specs

    assert canonical(BELOW) != canonical(ABOVE)
    assert canonical("majority_bonus:bonus=1") != canonical("majority_bonus:bonus=0.9999999")
    assert canonical("dhondt:threshold=5%") == canonical("dhondt")  # the default, however spelt
    assert compare_specs([ABOVE, BELOW]) == [ABOVE, BELOW]


def test_a_cached_comparison_never_answers_for_close_parameters(client_2024: TestClient) -> None:
    above = client_2024.get("/api/elections/2024/compare", params={"systems": ABOVE})
    below = client_2024.get("/api/elections/2024/compare", params={"systems": BELOW})
    assert above.status_code == below.status_code == 200
    assert _uxd(above.json(), ABOVE) == 0
    assert _uxd(below.json(), BELOW) == 25  # not the cached answer of ABOVE
    near = "majority_bonus:bonus=0.9999999"
    assert (
        client_2024.get("/api/elections/2024/compare", params={"systems": near}).status_code == 200
    )
    one = client_2024.get(
        "/api/elections/2024/compare", params={"systems": "majority_bonus:bonus=1"}
    )
    assert one.status_code == 400  # refused, as it is on a cold cache
    both = client_2024.get(
        "/api/elections/2024/compare", params={"systems": f"{ABOVE},{BELOW}"}
    ).json()
    assert [x["system"] for x in both["systems"]] == [ABOVE, BELOW]


def test_cli_compare_keeps_both_close_parameters(store_2024: Path) -> None:
    from hemicycle.cli import app

    res = CliRunner().invoke(
        app, ["compare", "2024", "--systems", f"{ABOVE},{BELOW}", "--store", str(store_2024)]
    )
    assert res.exit_code == 0, res.output
    assert "threshold=0.03902699" in res.output and "threshold=0.03902698" in res.output


# ----- item 15: cache hits under a full lane ------------------------------------------------------


def test_cache_hits_are_answered_when_the_analyses_lane_is_full(client_2024: TestClient) -> None:
    svc = client_2024.app.state.service
    url = "/api/elections/2024/compare"
    assert client_2024.get(url, params={"systems": "dhondt"}).status_code == 200  # cached now
    assert (
        client_2024.get("/api/elections/2024/coalitions", params={"system": "dhondt"}).status_code
        == 200
    )
    _until(lambda: svc.analyses.admitted == 0, "the lane to free the slots of those two")
    gate = threading.Event()
    try:
        while True:  # fill the lane: every worker busy, every waiting place taken
            try:
                svc.analyses.submit(lambda c: gate.wait(60))
            except guard.Busy:
                break
        assert client_2024.get(url, params={"systems": "dhondt"}).status_code == 200
        assert (
            client_2024.get(
                "/api/elections/2024/coalitions", params={"system": "dhondt"}
            ).status_code
            == 200
        )
        miss = client_2024.get(url, params={"systems": "sainte_lague"})
        assert miss.status_code == 503 and "Retry-After" in miss.headers
    finally:
        gate.set()
