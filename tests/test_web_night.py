"""The dashboard's night view: 2024's round 2 replayed (official files, overseas first) through a
night of simulated elections (few, synthetic transfers: the glue is tested, not the model), shown
by ``GET /api/live`` and the page ``/night`` — the declared count the snapshot has, the official
winner of every declared constituency, the calls the engine made with their time, the seats and
their history — and ``hemicycle live --replay --serve``'s wiring. The browser tests drive headless
Chromium as tests/test_web_e2e.py does."""

from __future__ import annotations

import gzip
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hemicycle.cli import app as cli_app
from hemicycle.data.store import Store
from hemicycle.election import Election, load
from hemicycle.live import runner
from hemicycle.live.state import LiveState
from hemicycle.replays import replay
from hemicycle.web import create_app
from hemicycle.web.night import NightBoard, follow
from hemicycle.web.schemas import Live

sys.path.insert(0, str(Path(__file__).parent))
from test_live_night import night_of  # noqa: E402
from test_web_e2e import CHROMIUM, _require_browser  # noqa: E402

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # _require_browser skips (or fails under CI)
    expect = sync_playwright = None

SIMS = 2000
POLLS = 3  # of 6 (a poll every 30 minutes of a 20:00-23:00 night)
EVERY = 1800.0


@pytest.fixture(scope="module")
def store2024(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    path = tmp_path_factory.mktemp("web-night") / "s.duckdb"
    with Store(path) as st:
        st.ingest(2024, download=False)
    return path


@pytest.fixture(scope="module")
def e2024(store2024: Path) -> Election:
    with Store(store2024, read_only=True) as st:
        return load(st, 2024)


@pytest.fixture(scope="module")
def official(e2024: Election) -> dict[str, int]:
    """Each decided constituency's winner (panel), by the law replayed on the official files."""
    rp = replay(e2024)
    assert rp.ok
    return {
        str(code): int(e2024.panel[c, rp.winner[c]])
        for c, code in enumerate(e2024.codes)
        if rp.winner[c] >= 0
    }


class Night:
    """A replayed night, stepped by hand: ``step()`` plays the next poll into the board."""

    def __init__(self, e2024: Election) -> None:
        self.two = runner.RoundTwo(e2024, night_of(e2024, sims=SIMS))
        self.state = LiveState(duckdb.connect(), 2024, 2)
        self.polls = runner.replay_polls(
            e2024, "overseas-first", EVERY, rng=np.random.default_rng(3)
        )
        self.board = NightBoard(2024, source="a replay of 2024", total=self.two.total)
        self.frames: list[runner.Frame] = []
        self.snapshot = None

    def step(self) -> runner.Frame:
        at, snap = next(self.polls)
        frame = self.two.step(self.state.ingest(snap), at)
        self.board.publish(frame)
        self.frames.append(frame)
        self.snapshot = snap
        return frame

    def engine_calls(self) -> list[tuple[str, str]]:
        """The races the engine called before their count was declared, with their time."""
        assert self.two.update is not None
        return [(c.constituency, c.at) for c in self.two.update.calls.calls if not c.declared]


@pytest.fixture(scope="module")
def night(e2024: Election) -> Night:
    n = Night(e2024)
    for _ in range(POLLS):
        n.step()
    return n


def test_races_show_every_constituency_as_the_night_stands(night, e2024, official):
    assert night.snapshot is not None
    frame = night.frames[-1]
    races = {r.constituency: r for r in frame.races}
    assert set(races) == {str(c) for c in e2024.codes}  # every one of the 577
    declared = set(night.snapshot.declared)
    assert {c for c, r in races.items() if r.state == "declared"} == declared
    assert frame.declared == len(declared) and 0 < len(declared) < 501
    for code in declared:  # the official winner, by the law replayed
        assert races[code].panel == official[code] and races[code].probability == 1.0
        assert races[code].candidate == runner.candidate_name(e2024, code, official[code])
    elected = [r for r in races.values() if r.state == "elected"]
    assert len(elected) == 76  # the Ministry's 2024 figure
    assert all(r.panel == official[r.constituency] for r in elected)
    called = {c for c, r in races.items() if r.state == "called"}
    assert called == {c for c, _ in night.engine_calls()} - declared
    for r in races.values():
        assert r.bloc != "?" and r.candidate
        assert 0.0 < r.probability <= 1.0
    made = night.two.update.calls.by_code()
    assert all(races[c].panel == made[c].panel for c in called)  # the candidate called


def test_api_live_reports_the_night(night, store2024, e2024, official):
    client = TestClient(create_app(store2024, night=night.board))
    res = client.get("/api/live")
    assert res.status_code == 200 and res.headers["content-type"] == "application/json"
    live = res.json()
    Live.model_validate(live)  # as documented in the OpenAPI schema
    declared = len(night.snapshot.declared)
    assert live["status"] == "running" and live["year"] == 2024 and live["round"] == 2
    assert live["declared"] == declared and live["total"] == 501
    assert live["headline"] == f"{declared} of 501 declared"
    assert live["poll"] == POLLS and live["at"] == night.frames[-1].at
    # the calls listed are those the engine made, in order, with their time
    assert [(c["constituency"], c["at"]) for c in live["calls"]] == night.engine_calls()
    assert all(c["probability"] >= 0.995 for c in live["calls"])
    # declared constituencies carry the official winner
    races = {r["constituency"]: r for r in live["races"]}
    assert len(races) == 577
    for code in night.snapshot.declared:
        assert races[code]["state"] == "declared" and races[code]["panel"] == official[code]
    # the seats now and through the night; the seats known are those declared or decided
    assert sum(s["mean"] for s in live["seats"]) == pytest.approx(577, abs=0.5)
    for s in live["seats"]:
        assert s["lo"] - 0.05 <= s["median"] <= s["hi"] + 0.05
    assert sum(live["won"].values()) == declared + 76
    assert [p["declared"] for p in live["history"]] == [f.declared for f in night.frames]
    widths = [sum(b["hi"] - b["lo"] for b in p["seats"].values()) for p in live["history"]]
    assert widths[-1] < widths[0]  # the interval narrows as runoffs are declared


def test_api_live_caching_and_compression(night, store2024):
    client = TestClient(create_app(store2024, night=night.board))
    res = client.get("/api/live", headers={"Accept-Encoding": "gzip"})
    etag = res.headers["etag"]
    assert res.headers.get("content-encoding") == "gzip"
    assert res.json()["version"] == night.board.version  # httpx decodes it
    again = client.get("/api/live", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    plain = client.get("/api/live", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    _, zipped = night.board.body(gzipped=True)
    assert gzip.decompress(zipped) == plain.content
    assert client.head("/api/live").status_code == 200
    assert "/api/live" in client.get("/openapi.json").json()["paths"]


def test_no_night_says_so(store2024):
    client = TestClient(create_app(store2024))
    live = client.get("/api/live").json()
    Live.model_validate(live)
    assert live["status"] == "none" and live["year"] is None and live["races"] == []
    assert "No election night is running" in live["message"]
    page = client.get("/night")
    assert page.status_code == 200 and "night.js" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/night.js").status_code == 200
    for url in ("/api/live", "/night", "/static/night.js"):
        assert client.get(url).headers.get("x-content-type-options") == "nosniff", url


def test_api_live_answers_while_the_night_moves(night, store2024):
    """Many readers while the night's thread publishes: every answer whole and consistent."""
    board = NightBoard(2024, source="a replay of 2024", total=501)
    client = TestClient(create_app(store2024, night=board))
    answers: list[tuple[int, dict[str, Any]]] = []
    lock = threading.Lock()

    def read() -> None:
        for _ in range(20):
            r = client.get("/api/live", headers={"Accept-Encoding": "gzip"})
            with lock:
                answers.append((r.status_code, r.json()))

    readers = [threading.Thread(target=read) for _ in range(6)]
    for t in readers:
        t.start()
    for frame in night.frames * 5:
        board.publish(frame)
    for t in readers:
        t.join()
    assert len(answers) == 120 and {code for code, _ in answers} == {200}
    for _, live in answers:
        assert live["headline"] is None or live["headline"] == f"{live['declared']} of 501 declared"
        assert len(live["history"]) == live["version"] - 1  # one point per frame published


def test_a_failing_night_is_one_sentence(store2024):
    board = NightBoard(2024, source="a broken feed", total=501)

    def frames() -> Iterator[Any]:
        raise RuntimeError("secret internals at /home/x/file.py line 3")
        yield  # pragma: no cover

    follow(board, frames())
    live = TestClient(create_app(store2024, night=board)).get("/api/live").json()
    assert live["status"] == "failed"
    assert "RuntimeError" in live["message"] and "server log" in live["message"]
    assert "secret" not in live["message"] and "Traceback" not in live["message"]


def test_cli_replay_serve_wiring(store2024, e2024, monkeypatch):
    """``hemicycle live 2024 --replay --serve``: the night runs in its own thread behind the
    server (the preparation and uvicorn replaced: the wiring is tested)."""
    import uvicorn

    from hemicycle import session
    from hemicycle.live import setup
    from hemicycle.live.feed import Reference

    def prepared(year, store, **kw):
        night = night_of(e2024, sims=SIMS)
        return setup.Prepared(e2024, e2024.round2.valid, night, Reference.from_election(e2024, 2))

    seen: dict[str, Any] = {}

    def serve(app, **kw):
        board = app.state.night
        while board.status == "running":  # the replay, sped up, runs to its end
            time.sleep(0.05)
        seen["live"] = TestClient(app, base_url="http://127.0.0.1").get("/api/live").json()
        seen["host"], seen["port"] = kw["host"], kw["port"]

    monkeypatch.setattr(session.Session, "prepare", lambda self, *a, **k: None)
    monkeypatch.setattr(setup, "prepare", prepared)
    monkeypatch.setattr(uvicorn, "run", serve)
    res = CliRunner().invoke(
        cli_app,
        ["live", "2024", "--replay", "--serve", "--every", "30m", "--speed", "1e9",
         "--port", "8765", "--store", str(store2024)],
        catch_exceptions=False,
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "http://127.0.0.1:8765/night" in res.output
    live = seen["live"]
    assert live["status"] == "finished" and live["headline"] == "501 of 501 declared"
    assert all(r["state"] in ("declared", "elected") for r in live["races"])
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8765)
    refused = CliRunner().invoke(
        cli_app, ["live", "2024", "--replay", "--serve", "--round", "1", "--store", str(store2024)]
    )
    assert refused.exit_code == 1 and "--serve shows round 2's night" in refused.output


# ----- in the browser -------------------------------------------------------------------------


def _serve(app) -> Iterator[str]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-night", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(15)


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


def test_night_view_in_the_browser(browser, store2024, e2024, official):
    _require_browser()
    n = Night(e2024)  # a night of its own: this test plays more polls while the page is open
    for _ in range(2):
        n.step()
    problems: list[str] = []
    for base in _serve(create_app(store2024, night=n.board)):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{base}/night")
        declared = len(n.snapshot.declared)
        expect(page.locator("#night-headline")).to_have_text(
            f"2024: {declared} of 501 declared", timeout=30_000
        )
        colours = {
            b["bloc"]: b["colour"]
            for b in page.request.get(f"{base}/api/elections").json()["blocs"]
        }
        live = page.request.get(f"{base}/api/live").json()
        blocs = {r["constituency"]: r["bloc"] for r in live["races"]}
        # the map: each declared constituency solid in its official winner's bloc colour
        tiles = page.eval_on_selector_all(
            "#night-map [data-code]",
            "els => els.map(e => [e.dataset.code, e.dataset.state, e.getAttribute('fill')])",
        )
        shown = {code: (st, fill) for code, st, fill in tiles}
        assert len(shown) == 577
        assert {c for c, (st, _) in shown.items() if st == "declared"} == set(n.snapshot.declared)
        for code in n.snapshot.declared:
            k = np.flatnonzero(e2024.panel[e2024.index(code)] == official[code])[0]
            assert n.two._blocs[e2024.index(code), k] == blocs[code]
            assert shown[code][1] == colours[blocs[code]]
        assert {st for st, _ in shown.values()} <= {"declared", "elected", "called", "projected"}
        assert all(
            fill.startswith("url(#hatch-") for st, fill in shown.values() if st == "projected"
        )
        # the seat intervals, the seats won, the chart and the calls
        expect(page.locator("#night-seats [data-group]")).not_to_have_count(0)
        expect(page.locator("#night-won circle")).to_have_count(577)
        expect(page.locator("#night-chart polyline.mean")).not_to_have_count(0)
        calls = n.engine_calls()
        expect(page.locator("#night-calls li[data-code]")).to_have_count(len(calls))
        if calls:
            first = page.locator("#night-calls li[data-code]").last
            assert first.get_attribute("data-code") == calls[0][0]
            assert calls[0][1] in first.inner_text()
        # it refreshes itself: the next poll shows without a reload
        n.step()
        expect(page.locator("#night-headline")).to_have_text(
            f"2024: {len(n.snapshot.declared)} of 501 declared", timeout=30_000
        )
        expect(page.locator("#night-map [data-state='declared'][data-code]")).to_have_count(
            len(n.snapshot.declared), timeout=30_000
        )
        page.close()
    assert not problems, problems


def test_night_view_without_a_night_in_the_browser(browser, store2024):
    for base in _serve(create_app(store2024)):
        page = browser.new_page()
        page.goto(f"{base}/night")
        expect(page.locator("#night-status")).to_contain_text(
            re.compile("No election night is running"), timeout=30_000
        )
        expect(page.locator("#night-headline")).to_have_text("No election night")
        assert page.locator("#night-body").is_hidden()
        assert "Traceback" not in page.content()
        page.close()
