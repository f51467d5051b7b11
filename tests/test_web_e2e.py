"""The dashboard in a real browser: uvicorn on a loopback port, headless Debian Chromium driven by
playwright. Skipped locally without /usr/bin/chromium; under CI (``CI`` set) that is a failure.

Screenshots of every view at 1400×1000 and 390×844 are written to ``test-artifacts/`` (ignored by
git): ``dashboard.png`` (the whole page) and ``view-<section>-<width>.png``."""

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
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        pg = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        pg.on("console", lambda m: m.type == "error" and PROBLEMS.append(m.text))
        pg.on("pageerror", lambda e: PROBLEMS.append(str(e)))
        pg.goto(base_url)
        yield pg
        browser.close()


def _wait_projection(page, suffix: str) -> None:
    expect(page.locator("#proj-status")).to_have_text(
        re.compile(re.escape(suffix) + "$"), timeout=SLOW
    )


def _means(page) -> dict[str, float]:
    rows = page.locator("#proj-rows tr")
    return {
        rows.nth(i).get_attribute("data-bloc"): float(rows.nth(i).locator("td.mean").inner_text())
        for i in range(rows.count())
    }


def test_dashboard_loads_with_the_hemicycle(page) -> None:
    assert "hemicycle" in page.title()
    expect(page.locator("#hemicycle circle")).to_have_count(577)
    legend = page.locator("#bloc-legend").inner_text()
    assert re.search(r"Left\s+193", legend) and re.search(r"Far right\s+143", legend)
    assert "matches the official outcome" in page.locator("#results-lede").inner_text()
    assert page.locator("#nuance-rows tr").count() >= 10


def test_map_shows_577_constituencies_and_drills_down(page) -> None:
    expect(page.locator("#map [data-code]")).to_have_count(577, timeout=30_000)
    codes = page.eval_on_selector_all(
        "#map [data-code]", "els => new Set(els.map(e => e.dataset.code)).size"
    )
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
    learnt = page.locator("#ov-left-centre").input_value()
    assert learnt != "50"  # the slider starts at the learnt rate, not at 50 %
    page.check("#ov-left-centre-on")
    _wait_projection(page, f"left→centre={int(learnt) / 100:g}")
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


@pytest.mark.usefixtures("without_2022_round2")
def test_another_year(page) -> None:
    page.select_option("#year", "2022")
    expect(page.locator("#results-lede")).to_contain_text("Round 2 of 2022 is not in the data")
    assert page.locator("#withdrawals").input_value() == "none"
    expect(page.locator("#proj-status")).to_contain_text(
        "lineup: none", timeout=SLOW
    )  # what-ifs kept
    assert page.locator("#proj-rows tr").count() >= 4
    # its coalitions say that the runoffs were projected, as the systems table does
    expect(page.locator("#coalitions-body .coal-note").first).to_be_visible(timeout=SLOW)
    notes = page.locator("#coalitions-body .coal-note").all_inner_texts()
    assert any("runoffs never held" in n and "projected" in n for n in notes)


def test_a_year_on_the_1986_map_with_nothing_earlier(page) -> None:
    """1997: the contours (2010 map) do not describe it and no earlier election can train a
    projection: the grid with a note, no projection, and no request bound to fail."""
    before = len(PROBLEMS)
    asked: list[str] = []

    def note(request) -> None:
        asked.append(request.url)

    page.on("request", note)
    try:
        page.select_option("#map-layout", "map")
        page.select_option("#year", "1997")
        expect(page.locator("#map-note")).to_contain_text("1986 map")
        expect(page.locator("#map [data-code]")).to_have_count(577)
        expect(page.locator("#proj-status")).to_contain_text("cannot be projected")
        # the CDSP's tables: named as the source, blank and null ballots shown together
        expect(page.locator("#turnout")).to_contain_text("blank and null (counted together)")
        expect(page.locator("#results-lede")).to_contain_text("the CDSP's tables")
        assert page.locator("#proj-status.error").count() == 0
        assert page.locator("#proj-rows tr").count() == 0
        page.wait_for_selector("#coalitions-body .power", timeout=SLOW)
    finally:
        page.remove_listener("request", note)
    bound_to_fail = r"/api/(transfers|project)|/1997/(map|cartogram)\.svg"
    assert not [u for u in asked if re.search(bound_to_fail, u)], asked
    assert PROBLEMS[before:] == []  # no 404 or 409 in the console
    page.select_option("#year", "2024")
    expect(page.locator("#map-note")).to_be_hidden()
    expect(page.locator("#map svg.servermap")).to_have_count(1, timeout=30_000)


# ----- issue #11: what a newsroom publishes from -------------------------------------------------

VIEWS = (
    "results",
    "round1",
    "basis",
    "constituencies",
    "projection",
    "systems",
    "coalitions",
    "presidential",
)


def _screenshots(page, width: int) -> None:
    """Every view (section) of the dashboard as a PNG in test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    for view in VIEWS:
        sec = page.locator(f"#{view}")
        sec.scroll_into_view_if_needed()
        shot = ARTIFACTS / f"view-{view}-{width}.png"
        sec.screenshot(path=str(shot))
        assert shot.stat().st_size > 5_000, view


def _search(page, text: str) -> None:
    page.fill("#code", text)
    page.click("#pick button")


def test_search_by_name_accents_and_case_ignored(page) -> None:
    page.select_option("#year", "2024")
    expect(page.locator("#results-lede")).to_contain_text("matches the official outcome")
    _search(page, "Paris 5")
    expect(page.locator("#detail h3")).to_contain_text("Paris 5")
    expect(page.locator("#detail h3")).to_contain_text("7505")
    _search(page, "MENARD")
    hits = page.locator("#search-results li")
    expect(hits.first).to_be_visible()
    assert "Hérault 6" in page.locator("#search-results").inner_text()
    page.locator("#search-results button[data-code='3406']").click()
    expect(page.locator("#detail h3")).to_contain_text("Hérault 6")
    _search(page, "haute-garonne 3e")
    expect(page.locator("#detail h3")).to_contain_text("Haute-Garonne 3")
    _search(page, "zzqqxx")
    expect(page.locator("#search-results")).to_contain_text("Nothing in 2024 matches")


def test_constituency_page_explains_the_law(page) -> None:
    _search(page, "7502")
    expect(page.locator("#detail h3")).to_contain_text("Paris 2")
    detail = page.locator("#detail")
    n = detail.locator("#cands1 tbody tr").count()
    assert (
        n >= 5 and detail.locator("#cands1 .threshold").count() == n
    )  # the 12.5 % line on each bar
    assert "% registered" in detail.locator("#cands1 thead").inner_text()
    ink, reg = page.evaluate(
        "() => ['#cands1 tbody td.num', '#cands1 td.reg-cell'].map("
        "s => getComputedStyle(document.querySelector(s)).color)"
    )
    assert reg == ink and ink  # the % registered figures are as legible as the votes
    assert "12.5% of the registered voters" in detail.inner_text()
    expect(detail.locator(".previous")).to_contain_text("The same seat in 2022 (same boundaries)")
    assert detail.locator("table.swing tbody tr").count() >= 3
    page.wait_for_selector("#proj-rows tr", timeout=SLOW)
    expect(detail.locator("#cands1 thead")).to_contain_text("P(win)", timeout=SLOW)
    pw = [c.inner_text() for c in detail.locator("#cands1 td.pwin").all()]
    assert any(x.endswith("%") for x in pw)


def test_map_colourings_of_round_1(page) -> None:
    page.select_option("#map-mode", "situation")
    legend = page.locator("#map-legend")
    expect(legend).to_contain_text("three-way runoff 307")
    expect(legend).to_contain_text("elected in round 1 76")
    assert page.locator("#map").get_attribute("data-colouring") == "situation"
    page.select_option("#map-mode", "leader")
    expect(legend).to_contain_text("Far right 297")
    page.select_option("#map-mode", "withdrawals")
    expect(page.locator("#map-legend-note")).to_contain_text("225 withdrawals")
    expect(legend).to_contain_text("Left withdrew: 135")
    page.select_option("#map-mode", "projection")
    page.wait_for_selector("#proj-rows tr", timeout=SLOW)
    expect(legend).to_contain_text("striped")
    assert page.locator("#map [fill^='url(#hatch-']").count() > 0  # uncertainty: a second channel
    page.select_option("#map-mode", "results")


def test_withdrawals_and_round_one_as_the_basis(page) -> None:
    expect(page.locator("#withdrawals-total")).to_have_text("225")
    expect(page.locator("#situations")).to_contain_text("four-way runoff")
    expect(page.locator("#basis-legend")).to_contain_text("Far right297")
    assert "297 of 577 seats" in page.locator("#basis-lede").inner_text()
    expect(page.locator("#basis-hemicycle circle")).to_have_count(577)


def test_sliders_start_from_what_the_model_learnt(page) -> None:
    # the dashboard's default: every election before the one shown (2024), pooled
    rates = page.request.get(page.url.split("?")[0] + "api/transfers?train=all&year=2024").json()[
        "rates"
    ]
    learnt = {(r["origin"], r["destination"]): r["rate"] for r in rates}
    assert int(page.locator("#ov-right-farright").input_value()) == round(
        100 * learnt[("right", "far_right")]
    )
    # every bloc pair can be opened, not three
    page.select_option("#ov-from", "far_left")
    page.select_option("#ov-to", "left")
    page.click("#ov-add")
    expect(page.locator("#ov-farleft-left-on")).to_be_checked()
    assert int(page.locator("#ov-farleft-left").input_value()) == round(
        100 * learnt[("far_left", "left")]
    )
    _wait_projection(page, f"far_left→left={round(100 * learnt[('far_left', 'left')]) / 100:g}")
    expect(page.locator("#proj-delta-col")).to_be_visible(timeout=SLOW)  # the change vs unmodified
    page.uncheck("#ov-farleft-left-on")
    # while the projection recomputes, the headline figure is greyed out too
    page.evaluate("document.querySelector('#projection').setAttribute('aria-busy', 'true')")
    page.wait_for_timeout(500)  # the fade's transition
    opacity = float(page.evaluate("getComputedStyle(document.querySelector('#p-major')).opacity"))
    assert opacity < 0.6
    page.evaluate("document.querySelector('#projection').setAttribute('aria-busy', 'false')")


def test_exports(page) -> None:
    with page.expect_download() as dl:
        page.locator("#hemicycle-dl button[data-export='svg']").click()
    text = Path(dl.value.path()).read_text()
    assert (
        text.startswith("<svg")
        and text.count("<circle") == 577
        and dl.value.suggested_filename.endswith(".svg")
    )
    with page.expect_download() as dl:
        page.locator("#map-dl button[data-export='png']").click()
    assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as dl:
        page.locator("#nuances-dl button[data-export='csv']").click()
    lines = Path(dl.value.path()).read_text().splitlines()
    assert lines[0] == "Nuance,Bloc,Seats" and lines[1] == "UG,Left,178"
    page.wait_for_selector("#proj-rows tr", timeout=SLOW)
    with page.expect_download() as dl:
        page.locator("#proj-dl button", has_text="Projection CSV").click()
    rows = Path(dl.value.path()).read_text().splitlines()
    assert rows[0] == "year,train,seed,sims,constituency,label,panel,p_win" and len(rows) > 577
    with page.expect_download() as dl:
        page.locator("#intervals-dl button[data-export='png']").click()
    assert Path(dl.value.path()).read_bytes()[:4] == b"\x89PNG"
    csv_text = page.request.get(page.locator("#results-csv").evaluate("a => a.href")).text()
    assert csv_text.count(",withdrawn\n") == 225


def test_a_shared_link_reproduces_the_view(page, base_url: str) -> None:
    page.select_option("#map-layout", "hexagons")
    page.select_option("#map-mode", "situation")
    _search(page, "Paris 5")
    expect(page.locator("#detail h3")).to_contain_text("Paris 5")
    page.check("#ov-right-farright-on")
    page.focus("#ov-right-farright")
    page.keyboard.press("End")
    _wait_projection(page, "right→far_right=1")
    url = page.url
    assert "colour=situation" in url and "layout=hexagons" in url and "code=7505" in url
    other = page.context.browser.new_page(viewport={"width": 1400, "height": 1000})
    other.goto(url + "#constituencies")
    expect(other.locator("#detail h3")).to_contain_text("Paris 5", timeout=SLOW)
    assert other.locator("#map-mode").input_value() == "situation"
    assert other.locator("#map-layout").input_value() == "hexagons"
    expect(other.locator("#ov-right-farright-on")).to_be_checked()
    assert other.locator("#ov-right-farright").input_value() == "100"
    expect(other.locator("#proj-status")).to_contain_text("right→far_right=1", timeout=SLOW)
    expect(other.locator("#map-legend")).to_contain_text("three-way runoff")
    other.close()
    page.uncheck("#ov-right-farright-on")
    page.select_option("#map-layout", "map")
    page.select_option("#map-mode", "results")


def test_screenshots_of_every_view_at_1400(page) -> None:
    page.wait_for_selector("#coalitions-body table.coal", timeout=SLOW)
    _screenshots(page, 1400)


@pytest.fixture(scope="module")
def phone(page, base_url: str):
    """A phone, 390×844, in the same browser."""
    ctx = page.context.browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    pg = ctx.new_page()
    pg.on("pageerror", lambda e: PROBLEMS.append(str(e)))
    pg.goto(base_url)
    yield pg
    ctx.close()


def test_phone_width_has_no_horizontal_overflow_on_any_view(phone) -> None:
    phone.wait_for_selector("#proj-rows tr", timeout=SLOW)
    phone.wait_for_selector("#coalitions-body table.coal", timeout=SLOW)
    for view in VIEWS:
        phone.locator(f"#{view}").scroll_into_view_if_needed()
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (view, width)
    # the grid comes first on a phone: every Paris constituency is a target of at least 20 px
    assert phone.locator("#map-layout").input_value() == "grid"
    sizes = phone.eval_on_selector_all(
        "#map [data-code^='75']",
        "els => els.map(e => "
        "Math.min(e.getBoundingClientRect().width, e.getBoundingClientRect().height))",
    )
    assert len(sizes) == 18 and min(sizes) >= 20, sizes
    phone.locator("#map [data-code='7512']").tap()
    expect(phone.locator("#detail h3")).to_contain_text("Paris 12")
    # the systems table fits: its last column (parties) is on screen, not clipped or scrolled away
    right = phone.eval_on_selector_all(
        "#systems-body td[data-label='Parties']",
        "els => Math.max(...els.map(e => e.getBoundingClientRect().right))",
    )
    assert right <= 390
    for colouring in ("situation", "withdrawals", "projection", "results"):
        phone.select_option("#map-mode", colouring)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, colouring
    _search(phone, "Paris 5")
    expect(phone.locator("#detail h3")).to_contain_text("Paris 5")
    phone.wait_for_timeout(300)
    top = phone.evaluate("document.querySelector('#detail').getBoundingClientRect().top")
    assert -2 <= top < 844  # after picking, the detail is scrolled into view
    # every candidate's status is on screen (it was clipped)
    right = phone.eval_on_selector_all(
        "#cands1 .status", "els => Math.max(...els.map(e => e.getBoundingClientRect().right))"
    )
    assert right <= 390
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    _screenshots(phone, 390)
    shot = ARTIFACTS / "dashboard-390.png"
    phone.screenshot(path=str(shot), full_page=True)
    assert PROBLEMS == []


@pytest.fixture(scope="module")
def report_file(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hemicycle.report.html import write_report
    from hemicycle.session import Session

    out = tmp_path_factory.mktemp("report")
    with Session(store_path, ingest="never") as s:
        return write_report(2024, out, session=s, train=(2017,), sims=500, seed=1)


def test_report_uses_the_dashboards_marks_and_fits_a_phone(page, report_file: Path) -> None:
    from hemicycle.report.html import MARKS_KEY

    text = report_file.read_text()
    assert MARKS_KEY in text  # the same key as the dashboard's projection chart
    assert "three-way runoff (307)" in text and "elected in round 1 (76)" in text  # the round-1 map
    ctx = page.context.browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = ctx.new_page()
    pg.goto(report_file.as_uri())
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    right = pg.evaluate(
        "Math.max(...[...document.querySelectorAll('figure svg')]"
        ".map(s => s.getBoundingClientRect().right))"
    )
    assert right <= 390  # the hemicycle (and every figure) is not cut off
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "report-390.png"), full_page=True)
    ctx.close()
    wide = page.context.browser.new_page(viewport={"width": 1400, "height": 1000})
    wide.goto(report_file.as_uri())
    wide.screenshot(path=str(ARTIFACTS / "report-1400.png"), full_page=True)
    wide.close()


def test_systems_and_coalitions_tables_download_as_csv(page) -> None:
    page.select_option("#year", "2024")
    page.wait_for_selector("#systems-body table.systems tbody tr", timeout=SLOW)
    with page.expect_download() as dl:
        page.locator("#systems-body button[data-export='csv']").click()
    lines = Path(dl.value.path()).read_text().splitlines()
    assert lines[0].startswith("System,Assembly,Largest group")
    actual = next(x for x in lines if x.startswith("Actual"))
    assert "Left 193" in actual and "Far right 143" in actual
    page.wait_for_selector("#coalitions-body table.coal", timeout=SLOW)
    with page.expect_download() as dl:
        page.locator("#coalitions-body button[data-export='csv']").click()
    assert (
        Path(dl.value.path()).read_text().splitlines()[0]
        == "Members,Seats,Neighbours on the left–right axis"
    )
