"""The presidential election as a legislative one in the web API and the dashboard (issue #22,
item 7): ``GET /api/presidential`` and ``/api/presidential/{year}``, on published facts (2022's
round 2 gives Macron 418 seats and Le Pen 158, as ``hemicycle presidential 2022`` prints), the
clean 404 of a year not in the store, the serve start that ingests every presidential year, and
the dashboard's "Presidential" section in headless Chromium."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from hemicycle import session as api  # noqa: E402
from hemicycle.data.files import PRESIDENTIAL_YEARS  # noqa: E402
from hemicycle.web import create_app  # noqa: E402
from hemicycle.web.viewmodels import display_name, presidential_claim  # noqa: E402

CLAIM_2022 = (
    "If the 2022 presidential round 2 were a legislative election, Macron would hold 418 of 577 "
    "seats, Le Pen 158; 1 tie."
)


@pytest.fixture(scope="module")
def client(store_path: Path):
    app = create_app(store_path, timeout_s=600)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.service.stores.close()  # other modules open the session store read-write


# ----- the API ------------------------------------------------------------------------------


def test_the_years_are_every_presidential_election(client) -> None:
    d = client.get("/api/presidential").json()
    assert d["known"] == list(PRESIDENTIAL_YEARS)
    assert d["known"] == [1965, 1969, 1974, 1981, 1988, 1995, 2002, 2007, 2012, 2017, 2022]
    assert d["years"] == d["known"]  # the session store holds them all


def test_2022_round_2_as_a_legislative_election(client) -> None:
    d = client.get("/api/presidential/2022?round=2").json()
    assert (d["year"], d["round"], d["rounds"], d["boundary_map"]) == (2022, 2, [1, 2], "2010")
    assert d["constituencies"] == len(d["results"]) == 577 and d["majority"] == 289
    assert d["assembly"] == {"MACRON": 418, "LE PEN": 158} and d["ties"] == 1
    assert d["claim"] == CLAIM_2022
    assert d["map_year"] in (2012, 2017, 2022, 2024)  # the 2010 map's contours draw it
    nat = {c["candidate"]: c for c in d["national"]}
    assert list(nat) == ["MACRON", "LE PEN"]
    assert round(100 * nat["MACRON"]["share"], 1) == 58.5  # the published national result
    assert (nat["MACRON"]["bloc"], nat["LE PEN"]["bloc"]) == ("centre", "far_right")
    assert (nat["MACRON"]["seats"], nat["LE PEN"]["name"]) == (418, "Le Pen")
    rows = {r["constituency"]: r for r in d["results"]}
    tie = [r for r in d["results"] if r["leader"] is None]
    assert [r["label"] for r in tie] == ["Marne 3"] and tie[0]["margin"] == 0
    r = rows["0101"]
    assert (r["label"], r["leader"], r["runner_up"], r["department"]) == (
        "Ain 1",
        "MACRON",
        "LE PEN",
        "01",
    )
    assert r["margin"] == pytest.approx(100 * (r["shares"]["MACRON"] - r["shares"]["LE PEN"]))
    assert r["leader_share"] == r["shares"]["MACRON"] > 0.5


def test_the_api_and_the_cli_tell_the_same_assembly(client, store_path: Path) -> None:
    from hemicycle.data.store import Store

    with Store(store_path, read_only=True) as st:
        p = api.Session(st, ingest="never").presidential(2022)
    d = client.get("/api/presidential/2022").json()  # round 2 by default
    assert d["assembly"] == p.assembly() == {"MACRON": 418, "LE PEN": 158}


def test_round_1_gives_each_candidate_s_share(client) -> None:
    d = client.get("/api/presidential/2022?round=1").json()
    assert d["round"] == 1 and len(d["national"]) == 12
    assert sum(d["assembly"].values()) + d["ties"] == 577
    assert list(d["assembly"])[:3] == ["MACRON", "LE PEN", "MÉLENCHON"]
    assert all(len(r["shares"]) == 12 for r in d["results"])
    assert d["claim"].startswith("If the 2022 presidential round 1 were a legislative election,")


def test_1995_is_metropolitan_france_only(client) -> None:
    d = client.get("/api/presidential/1995").json()
    assert d["constituencies"] == len(d["results"]) == 555 and d["majority"] == 278
    assert d["boundary_map"] == "1986" and d["map_year"] is None  # the dashboard's grid
    assert set(d["assembly"]) == {"CHIRAC", "JOSPIN"}
    assert d["claim"].startswith(
        f"If the 1995 presidential round 2 were a legislative election, Chirac would hold "
        f"{d['assembly']['CHIRAC']} of 555 seats, Jospin {d['assembly']['JOSPIN']}"
    )


def test_a_year_not_in_the_store_is_a_404_in_one_sentence(client) -> None:
    for year in (1990, 2024, 2027):
        r = client.get(f"/api/presidential/{year}")
        assert r.status_code == 404, r.text
        body = r.json()
        assert body["error"] == "not_found"
        assert body["detail"].startswith(f"no presidential election {year} in the store;")
        assert body["detail"].count(".") <= 1 and "Traceback" not in r.text
    assert client.get("/api/presidential/2022?round=3").status_code == 422
    assert client.get("/api/presidential/2022.0").status_code == 422


def test_the_schema_documents_both_operations(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    one = paths["/api/presidential/{year}"]["get"]
    assert {"200", "404", "409", "422"} <= set(one["responses"])
    assert [p["name"] for p in one["parameters"]] == ["year", "round"]
    assert "/api/presidential" in paths


def test_names_and_the_claim_sentence() -> None:
    assert display_name("GISCARD D'ESTAING") == "Giscard d'Estaing"
    assert display_name("François HOLLANDE") == "Hollande"
    assert display_name("DUPONT-AIGNAN") == "Dupont-Aignan"
    assert presidential_claim(1995, 2, {"CHIRAC": 364, "JOSPIN": 191}, 555, 0) == (
        "If the 1995 presidential round 2 were a legislative election, Chirac would hold 364 "
        "of 555 seats, Jospin 191."
    )
    assert presidential_claim(2022, 2, {"MACRON": 418, "LE PEN": 158}, 577, 1) == CLAIM_2022


# ----- the serve start ingests every presidential year ----------------------------------------


def test_serve_start_ingests_every_presidential_year(
    data_dir: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ingest_earlier(None)`` (what ``hemicycle serve`` calls) takes every presidential year
    whose files exist, not only those the projections read; again, it reads nothing (two years
    here, and no legislative one, to stay fast)."""
    monkeypatch.setattr(api, "YEARS", ())
    monkeypatch.setattr(api, "PRESIDENTIAL_YEARS", (1965, 1995))  # neither is a projection's
    with api.Session(isolated_env / "s.duckdb") as s:
        s.ingest_earlier(None)
        assert s.presidential_years() == [1965, 1995]
        seen = s.query("SELECT year, ingested_at FROM presidential_sources ORDER BY ALL")
        s.ingest_earlier(None)  # the files have not changed: kept as they are
        again = s.query("SELECT year, ingested_at FROM presidential_sources ORDER BY ALL")
        assert seen.equals(again)
    with api.Session(isolated_env / "s.duckdb", ingest="never") as s:
        assert s.presidential(1995).n_constituencies == 555


# ----- the dashboard ------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
#: The other sections' heavy calls (projections, comparisons): not this test's business.
HEAVY = re.compile(r"/api/(project|transfers|elections/\d+/(compare|coalitions))")


@pytest.fixture(scope="module")
def base_url(store_path: Path):
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        why = "the playwright package is not installed (pip install -e '.[dev]')"
    else:
        why = None if CHROMIUM.exists() else f"{CHROMIUM} is missing (apt-get install chromium)"
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {why}")
        pytest.skip(why)
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(store_path, timeout_s=600)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-presidential", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(15)


def test_the_dashboard_shows_the_claim_and_colours_the_map(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route(HEAVY, lambda route: route.abort())
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base_url}/#presidential")
        expect(page.locator("#pres-claim")).to_have_text(CLAIM_2022, timeout=30_000)
        # the 2010 map's contours, every constituency coloured by its leader
        expect(page.locator("#pres-map svg.servermap")).to_have_count(1, timeout=30_000)
        assert page.locator("#pres-map").get_attribute("data-colouring") == "presidential-2022-2"
        fills = page.eval_on_selector_all(
            "#pres-map [data-code]",
            "els => els.map(e => [e.dataset.code, e.getAttribute('fill'), e.dataset.state])",
        )
        codes = {c: (fill, who) for c, fill, who in fills}
        assert len(codes) == 577
        assert {who for _, who in codes.values()} == {"MACRON", "LE PEN", "tie"}
        assert codes["0101"] == ("#E69F00", "MACRON")  # the centre's colour
        assert sum(who == "LE PEN" for _, who in codes.values()) == 158
        expect(page.locator("#pres-hemicycle circle")).to_have_count(577)
        expect(page.locator("#pres-legend")).to_contain_text("Macron418")
        # 1995: metropolitan France, on the 1986 map: the grid, 555 tiles
        page.select_option("#pres-year", "1995")
        expect(page.locator("#pres-claim")).to_contain_text("of 555 seats", timeout=30_000)
        expect(page.locator("#pres-map svg.tilemap [data-code]")).to_have_count(555)
        assert "pyear=1995" in page.url
        page.select_option("#pres-round", "1")
        expect(page.locator("#pres-claim")).to_contain_text("1995 presidential round 1")
        # a phone: the section is no wider than the screen
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.route(HEAVY, lambda route: route.abort())
        phone.goto(f"{base_url}/#presidential")
        expect(phone.locator("#pres-claim")).to_have_text(CLAIM_2022, timeout=30_000)
        expect(phone.locator("#pres-map svg")).to_have_count(1, timeout=30_000)
        right = phone.evaluate(
            "Math.max(...[...document.querySelectorAll('#presidential *')]"
            ".map(e => e.getBoundingClientRect().right))"
        )
        assert right <= 390 and phone.evaluate("document.documentElement.scrollWidth") <= 390
        browser.close()
    assert not errors, errors
