"""The dashboard in a real browser: uvicorn on a loopback port, headless Debian Chromium driven by
playwright. Skipped locally without /usr/bin/chromium; under CI (``CI`` set) that is a failure.

A full-page screenshot is written to ``test-artifacts/dashboard.png`` (ignored by git)."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # checked by _require_browser: a skip locally, a failure under CI
    expect = sync_playwright = None

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SLOW = 240_000  # ms: the first projection of a fresh cache learns the 2017 transfers (~1 min)
PROBLEMS: list[str] = []  # console errors (CSP violations included) and uncaught JS errors


def _require_browser() -> None:
    why = None
    if sync_playwright is None:
        why = "the playwright package is not installed (pip install -e '.[dev]')"
    elif not CHROMIUM.exists():
        why = f"{CHROMIUM} is missing (apt-get install chromium; never a downloaded browser)"
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {why}")
        pytest.skip(why)


@pytest.fixture(scope="module")
def base_url(store_path: Path):
    _require_browser()  # before starting a server
    import uvicorn

    from hemicycle.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(store_path, timeout_s=600)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-e2e", daemon=True)
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
def page(base_url: str):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage"])
        pg = browser.new_page(viewport={"width": 1320, "height": 900})
        pg.on("console", lambda m: m.type == "error" and PROBLEMS.append(m.text))
        pg.on("pageerror", lambda e: PROBLEMS.append(str(e)))
        pg.goto(base_url)
        yield pg
        browser.close()


def _wait_projection(page, suffix: str) -> None:
    expect(page.locator("#proj-status")).to_have_text(re.compile(re.escape(suffix) + "$"), timeout=SLOW)


def _means(page) -> dict[str, float]:
    rows = page.locator("#proj-rows tr")
    return {rows.nth(i).get_attribute("data-bloc"): float(rows.nth(i).locator("td.mean").inner_text())
            for i in range(rows.count())}


def test_dashboard_loads_with_the_hemicycle(page) -> None:
    assert "hemicycle" in page.title()
    expect(page.locator("#hemicycle circle")).to_have_count(577)
    legend = page.locator("#bloc-legend").inner_text()
    assert re.search(r"Left\s+193", legend) and re.search(r"Far right\s+143", legend)
    assert "matches the official outcome" in page.locator("#results-lede").inner_text()
    assert page.locator("#nuance-rows tr").count() >= 10


def test_map_shows_577_constituencies_and_drills_down(page) -> None:
    expect(page.locator("#map [data-code]")).to_have_count(577, timeout=30_000)
    codes = page.eval_on_selector_all("#map [data-code]", "els => new Set(els.map(e => e.dataset.code)).size")
    assert codes == 577
    page.locator("#map [data-code='7502']").dispatch_event("click")
    page.wait_for_selector("#detail table.cands")
    detail = page.locator("#detail").inner_text()
    assert "LAUSSUCQ" in detail and "withdrew" in detail and "elected in round 2" in detail
    page.fill("#code", "2a01")
    page.click("#pick button")
    expect(page.locator("#detail h3")).to_contain_text("2A01")


def test_moving_a_slider_changes_the_projected_seats(page) -> None:
    page.wait_for_selector("#proj-rows tr", timeout=SLOW)
    _wait_projection(page, "lineup: data")
    before = _means(page)
    assert sum(before.values()) == pytest.approx(577, abs=0.5)
    page.check("#ov-left-centre-on")
    _wait_projection(page, "left→centre=0.5")
    page.focus("#ov-left-centre")
    page.keyboard.press("Home")  # the slider to 0%: no left voter backs the centre
    assert page.locator("#ov-left-centre-out").inner_text() == "0%"
    _wait_projection(page, "left→centre=0")
    after = _means(page)
    assert after != before
    assert after["centre"] < before["centre"] - 5
    assert page.locator("#p-major").inner_text().endswith("%")
    page.select_option("#map-mode", "projection")
    assert "most likely winner" in page.locator("#map-legend-note").inner_text()


def test_systems_and_coalitions_are_on_screen(page) -> None:
    page.wait_for_selector("#systems-body table.systems tbody tr", timeout=SLOW)
    assert page.locator("#systems-body tr[data-system]").count() >= 5
    assert page.locator("#systems-body tr[data-system='actual'] svg rect").count() >= 5
    page.wait_for_selector("#coalitions-body table.coal", timeout=SLOW)
    assert "Centre 165" in page.locator("#coalitions-body").inner_text()


def test_screenshot_and_no_console_errors(page) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    assert PROBLEMS == []  # no CSP violation, no JS error


def test_another_year(page) -> None:
    page.select_option("#year", "2022")
    expect(page.locator("#results-lede")).to_contain_text("Round 2 of 2022 is not in the data")
    assert page.locator("#withdrawals").input_value() == "none"
    expect(page.locator("#proj-status")).to_contain_text("lineup: none", timeout=SLOW)  # what-ifs kept
    assert page.locator("#proj-rows tr").count() >= 4
