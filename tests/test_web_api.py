"""The web API (FastAPI TestClient on the session store): published facts, the drill-down against
the replay, projections, the read-only store and readable errors."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import duckdb
import pytest

pytest.importorskip("fastapi")
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from hemicycle import session as api  # noqa: E402
from hemicycle.data.files import TRAINING_YEARS, YEARS  # noqa: E402
from hemicycle.data.store import Store  # noqa: E402
from hemicycle.errors import HemicycleError  # noqa: E402
from hemicycle.replays import STATUS_NAMES  # noqa: E402
from hemicycle.web import create_app  # noqa: E402

CAP = 50_000
TRACE = re.compile(r"Traceback|File \"|line \d+, in ")


@pytest.fixture(scope="module")
def app(store_path: Path):
    app = create_app(store_path, max_sims=CAP, timeout_s=600)
    yield app
    app.state.service.stores.close()  # other modules open the session store read-write


@pytest.fixture(scope="module")
def client(app: FastAPI):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def replay_2024(store_path: Path):
    with Store(store_path, read_only=True) as st:
        return api.Session(st).replay(2024)


def _error(r, status: int) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "detail"} and isinstance(body["detail"], str)
    assert not TRACE.search(r.text)
    return body["detail"]


# ----- elections and national results -------------------------------------------------------


def test_elections_lists_the_store(client, round2_2022: bool) -> None:
    d = client.get("/api/elections").json()
    years = {e["year"]: e for e in d["elections"]}
    assert set(years) == set(YEARS)
    assert years[2024]["rounds"] == [1, 2]
    assert years[2022]["rounds"] == ([1, 2] if round2_2022 else [1])  # ../shared/data: [1]
    assert years[2024]["constituencies"] == 577 and years[2024]["decided"] == 577
    assert d["train_years"] == [y for y in TRAINING_YEARS if y != 2022 or round2_2022]
    assert d["seats"] == 577 and d["majority"] == 289 and d["max_sims"] == CAP
    assert [b["bloc"] for b in d["blocs"]] == [
        "far_left",
        "left",
        "centre",
        "right",
        "far_right",
        "regionalist",
        "other",
    ]


def test_results_2024_official_seats(client) -> None:
    d = client.get("/api/elections/2024/results").json()
    seats = {n["nuance"]: n["seats"] for n in d["seats_by_nuance"]}
    assert (seats["UG"], seats["RN"], seats["ENS"]) == (178, 125, 150)
    assert sum(seats.values()) == 577 and sum(b["seats"] for b in d["seats_by_bloc"]) == 577
    assert len(d["winners"]) == 577 and all(w["surname"] for w in d["winners"])
    assert d["replay_ok"] and d["mismatches"] == 0 and d["decided"] == 577
    r1 = next(t for t in d["turnout"] if t["round"] == 1)
    assert r1["turnout"] == pytest.approx(0.6671, abs=5e-5)  # published: 66.71 %
    assert r1["voters"] + r1["abstentions"] == r1["registered"]
    # the candidates' votes add up to the votes expressed, up to the source's own quirks
    assert abs(sum(v["votes"] for v in d["votes_round1"]) - r1["expressed"]) <= 10
    w = {x["constituency"]: x for x in d["winners"]}["7502"]
    assert (w["surname"], w["nuance"], w["round"]) == ("LAUSSUCQ", "ENS", 2)


def test_results_match_the_replay(client, replay_2024) -> None:
    d = client.get("/api/elections/2024/results").json()
    assert {n["nuance"]: n["seats"] for n in d["seats_by_nuance"]} == replay_2024.seats_by_nuance()
    assert {
        b["bloc"]: b["seats"] for b in d["seats_by_bloc"] if b["seats"]
    } == replay_2024.seats_by_bloc()


@pytest.mark.usefixtures("without_2022_round2")
def test_results_2022_without_round_2(client) -> None:
    d = client.get("/api/elections/2022/results").json()
    assert d["rounds"] == [1] and d["decided"] == sum(1 for w in d["winners"] if w["surname"]) < 577
    assert all(w["round"] in (1, None) for w in d["winners"])


# ----- drill-down -----------------------------------------------------------------------------


def test_constituency_7502(client) -> None:
    c = client.get("/api/elections/2024/constituencies/7502").json()
    assert c["department_name"] == "Paris" and c["runoff"]
    r1 = {k["surname"]: k for k in c["round1"]}
    assert r1["ROSSET"]["status"] == "qualified" and r1["LAUSSUCQ"]["status"] == "qualified"
    assert r1["LE GENDRE"]["status"] == "qualified" and r1["LE GENDRE"]["withdrawn"]
    assert r1["DE WITTE"]["status"] == "eliminated"
    assert [k["votes"] for k in c["round1"]] == sorted(
        (k["votes"] for k in c["round1"]), reverse=True
    )
    assert {k["surname"]: k["elected"] for k in c["round2"]} == {"LAUSSUCQ": True, "ROSSET": False}
    assert c["winner"]["surname"] == "LAUSSUCQ" and c["winner"]["round"] == 2
    assert [t["round"] for t in c["totals"]] == [1, 2]


@pytest.mark.parametrize("code", ["0101", "2A01", "7502", "9301", "97101", "ZZ01", "3401"])
def test_drilldown_statuses_match_replay(client, replay_2024, code: str) -> None:
    c = client.get(f"/api/elections/2024/constituencies/{code}").json()
    e = replay_2024.election
    i = e.index(code)
    want = {
        int(e.panel[i, k]): (
            STATUS_NAMES[int(replay_2024.status1[i, k])],
            bool(replay_2024.withdrawn[i, k]),
        )
        for k in range(e.panel.shape[1])
        if e.round1.valid[i, k]
    }
    assert {k["panel"]: (k["status"], k["withdrawn"]) for k in c["round1"]} == want
    k = int(replay_2024.winner[i])
    assert c["winner"]["panel"] == int(e.panel[i, k])


def test_constituency_code_is_case_insensitive(client) -> None:
    assert client.get("/api/elections/2024/constituencies/2a01").json()["constituency"] == "2A01"


def test_unknown_constituency_is_404(client) -> None:
    detail = _error(client.get("/api/elections/2024/constituencies/9999"), 404)
    assert "9999" in detail and "0101" in detail


def test_unknown_year_is_404_naming_the_years(client) -> None:
    for url in (
        "/api/elections/2019/results",
        "/api/elections/2019/constituencies/0101",
        "/api/elections/2019/compare",
        "/api/elections/2019/hemicycle.svg",
    ):
        detail = _error(client.get(url), 404)
        assert "2019" in detail and "2017, 2022, 2024" in detail, url
    detail = _error(
        client.post("/api/project", json={"year": 2019, "train": 2017, "sims": 10}), 404
    )
    assert "2017, 2022, 2024" in detail


def test_invalid_parameters_are_422_in_one_sentence(client) -> None:
    detail = _error(client.get("/api/elections/twenty/results"), 422)
    assert detail.startswith("invalid request: year") and detail.endswith(".")
    assert "pattern" in _error(client.get("/api/elections/2024/constituencies/75-02"), 422)
    assert "'nuance' or 'bloc'" in _error(client.get("/api/elections/2024/compare?unit=party"), 422)


def test_unknown_path_is_json_404(client) -> None:
    assert "/api/nothing" in _error(client.get("/api/nothing"), 404)


# ----- projection -----------------------------------------------------------------------------


def _project(client, **body):
    return client.post(
        "/api/project", json={"year": 2024, "train": 2017, "sims": 500, "seed": 1, **body}
    )


def test_project_small(client) -> None:
    r = _project(client)
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["sims"] == 500 and p["seed"] == 1 and p["lineup"] == "data"
    assert sum(b["mean"] for b in p["blocs"]) == pytest.approx(577)
    assert [b["group"] for b in p["blocs"]][:3] == ["far_left", "left", "centre"]
    assert all(b["lo"] <= b["median"] <= b["hi"] and 0 <= b["p_majority"] <= 1 for b in p["blocs"])
    assert 0 <= p["p_any_majority"] <= 1
    odds = {c["constituency"]: c for c in p["constituencies"]}
    assert len(odds) == 577 and all(0 < c["p_win"] <= 1 for c in odds.values())
    assert sum(c["decided"] for c in odds.values()) >= 76  # 76 deputies elected in round 1 in 2024
    assert len(p["closest"]) == 20 and p["closest"][0]["p_win"] <= p["closest"][-1]["p_win"]
    again = _project(client).json()
    assert {k: v for k, v in again.items() if k != "elapsed_s"} == {
        k: v for k, v in p.items() if k != "elapsed_s"
    }


def test_project_overrides_move_seats(client) -> None:
    base = {b["group"]: b["mean"] for b in _project(client).json()["blocs"]}
    r = _project(client, overrides=[{"from": "left", "to": "centre", "rate": 0.2}])
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["overrides"] == [{"from": "left", "to": "centre", "rate": 0.2}]
    assert "left→centre=0.2" in p["lineup"]
    what_if = {b["group"]: b["mean"] for b in p["blocs"]}
    assert what_if["centre"] < base["centre"] - 5  # fewer left voters for the centre: fewer seats


def test_project_front_republicain(client) -> None:
    p = _project(client, withdrawals="front-republicain").json()
    assert p["lineup"] == "front-republicain"


def test_project_sims_over_the_cap_is_422_naming_the_cap(client) -> None:
    detail = _error(_project(client, sims=CAP + 1), 422)
    assert f"{CAP:,}" in detail and "sims" in detail


def test_project_malformed_bodies_are_422(client) -> None:
    bad = client.post(
        "/api/project", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert "not valid JSON" in _error(bad, 422)
    assert "year" in _error(client.post("/api/project", json={"train": 2017}), 422)
    assert "sims" in _error(_project(client, sims="many"), 422)
    assert "rate" in _error(
        _project(client, overrides=[{"from": "left", "to": "centre", "rate": 2}]), 422
    )
    assert "different" in _error(
        _project(client, overrides=[{"from": "left", "to": "left", "rate": 0.5}]), 422
    )
    assert "withdrawals" in _error(_project(client, withdrawals="everyone"), 422)
    assert "extra" in _error(_project(client, simulations=10), 422).lower()
    two = [
        {"from": "left", "to": "centre", "rate": 0.6},
        {"from": "left", "to": "right", "rate": 0.5},
    ]
    assert "sum to at most 1" in _error(_project(client, overrides=two), 422)
    assert "given twice" in _error(_project(client, overrides=[two[0], two[0]]), 422)
    for year in (2024.0, "2024", True):  # strict: a year is an integer
        assert "year" in _error(_project(client, year=year), 422)
    assert "sims" in _error(_project(client, sims="10"), 422)


def test_project_domain_errors_are_400(client, round2_2022: bool) -> None:
    if round2_2022:
        pytest.skip("the mirror holds 2022's round 2: no year here lacks it")
    # a training year without its round 2 (2022 in the test mirror) is a missing round: 409
    detail = _error(_project(client, train=2022), 409)
    assert "2022" in detail and "2017, 2024" in detail
    assert "round 2" in _error(
        client.post(
            "/api/project", json={"year": 2022, "train": 2017, "sims": 10, "withdrawals": "data"}
        ),
        400,
    )


def test_project_timeout_is_504(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hemicycle.sim import pipeline as sim

    release, finished = threading.Event(), threading.Event()

    def slow(*args, **kwargs):
        release.wait(30)  # runs until the test lets it go: past any time limit
        finished.set()
        raise HemicycleError("too late")

    monkeypatch.setattr(sim, "project", slow)
    app = create_app(store_path, timeout_s=0.2)
    with TestClient(app, raise_server_exceptions=False) as c:
        detail = _error(c.post("/api/project", json={"year": 2024, "train": 2017, "sims": 10}), 504)
        # the 504 came while the projection was still running, not when it ended
        assert not finished.is_set()
    assert "0.2 s" in detail
    release.set()
    assert finished.wait(30)  # the abandoned worker ends before the patch is undone


def test_internal_errors_hide_the_details(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("secret /etc/passwd details")

    monkeypatch.setattr(api.Session, "replay", broken)
    app = create_app(store_path)
    with TestClient(app, raise_server_exceptions=False) as c:
        for url in (
            "/api/elections",
            "/api/elections/2024/results",
            "/api/elections/2024/constituencies/7502",
        ):
            r = c.get(url)
            detail = _error(r, 500)
            assert "secret" not in r.text and "RuntimeError" not in r.text
            assert detail.startswith("internal error")


# ----- the store is read-only ---------------------------------------------------------------


def test_the_apps_store_refuses_writes(app: FastAPI) -> None:
    with app.state.service.stores.open() as st:
        assert st.years() == list(YEARS)
        with pytest.raises(duckdb.Error, match="read-only"):
            st.store.con.execute("DELETE FROM candidates WHERE year = 2024")
        with pytest.raises(duckdb.Error, match="read-only"):
            st.store.con.execute("CREATE TABLE scratch (x INTEGER)")
        assert st.query("SELECT count(*) AS n FROM candidates WHERE year = 2024")["n"][0] > 0


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HemicycleError, match="does not exist"):
        create_app(tmp_path / "none.duckdb")


# ----- other systems, coalitions, charts ------------------------------------------------------


def test_compare(client) -> None:
    r = client.get("/api/elections/2024/compare?systems=actual,dhondt&unit=bloc")
    assert r.status_code == 200, r.text
    d = r.json()
    assert [s["system"] for s in d["systems"]] == ["actual", "dhondt"]
    actual = {g["group"]: g["seats"] for g in d["systems"][0]["seats"]}
    results = client.get("/api/elections/2024/results").json()
    assert actual == {b["bloc"]: b["seats"] for b in results["seats_by_bloc"] if b["seats"]}
    assert all(sum(g["seats"] for g in s["seats"]) == s["house_size"] for s in d["systems"])
    assert set(d["systems"][1]["indices"]) == {
        "gallagher",
        "loosemore_hanby",
        "enp_votes",
        "enp_seats",
    }
    detail = _error(client.get("/api/elections/2024/compare?systems=lottery"), 400)
    assert "lottery" in detail and "dhondt" in detail
    # 1997 has no earlier election: `all` leaves the projected Assembly out, as no list does
    every = client.get("/api/elections/1997/compare?systems=all")
    assert every.status_code == 200, every.text
    names = [s["system"] for s in every.json()["systems"]]
    assert "projected" not in names and "actual" in names
    assert names == [
        s["system"] for s in client.get("/api/elections/1997/compare").json()["systems"]
    ]
    _error(client.get("/api/elections/1997/compare?systems=projected"), 400)


def test_coalitions(client) -> None:
    r = client.get("/api/elections/2024/coalitions?minimal=true")
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["quota"] == 289 and d["house_size"] == 577
    got = {tuple(c["members"]): c["seats"] for c in d["coalitions"]}
    assert got[("centre", "left")] == 165 + 193  # the minimal winning coalitions of July 2024
    assert all(c["minimal_winning"] for c in d["coalitions"]) and d["count"] == len(d["coalitions"])
    assert sum(d["banzhaf"].values()) == pytest.approx(1) and sum(
        d["shapley"].values()
    ) == pytest.approx(1)
    assert "unknown system" in _error(
        client.get("/api/elections/2024/coalitions?system=lottery"), 400
    )


def test_charts(client) -> None:
    r = client.get("/api/elections/2024/hemicycle.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.startswith("<svg") and r.text.count("<circle") == 577
    for chart in ("map", "cartogram"):
        for legend in ("true", "false"):
            r = client.get(f"/api/elections/2024/{chart}.svg?legend={legend}")
            assert r.status_code == 200, r.text
            assert len(set(re.findall(r'data-code="([0-9A-Z]+)"', r.text))) == 577
            assert r.text.count('data-code="') == 577


# ----- pages, schema, CLI -------------------------------------------------------------------


def test_dashboard_and_docs_are_served(client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "<title>hemicycle" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert not re.search(r"(src|href)=\"(https?:)?//", r.text)  # nothing from a CDN
    for asset in ("app.js", "charts.js", "style.css", "docs.js"):
        a = client.get(f"/static/{asset}")
        assert a.status_code == 200 and "http://" not in a.text.replace("http://www.w3.org", "")
    assert client.get("/docs").status_code == 200


def test_openapi_schema_documents_the_cap_and_errors(client) -> None:
    spec = client.get("/openapi.json").json()
    body = spec["components"]["schemas"]["ProjectRequest"]["properties"]
    assert body["sims"]["maximum"] == CAP
    ops = spec["paths"]["/api/project"]["post"]["responses"]
    assert {"200", "400", "404", "422", "500", "503", "504"} <= set(ops)
    assert ops["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


def test_serve_command_ingests_then_serves_read_only(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from hemicycle import cli

    copy = tmp_path / "serve.duckdb"
    shutil.copy(store_path, copy)  # the module's client holds the session store read-only
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    res = CliRunner().invoke(
        cli.app,
        ["serve", "--store", str(copy), "--port", "8765", "--no-prefit", "--max-sims", "1000"],
    )
    assert res.exit_code == 0, res.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8765)
    assert (
        seen["timeout_graceful_shutdown"]
        and seen["limit_concurrency"]
        and seen["timeout_keep_alive"]
    )
    with TestClient(seen["app"], base_url="http://127.0.0.1:8765") as c:
        assert (
            c.get("/api/elections", headers={"host": "testserver"}).status_code == 400
        )  # --host's names only
        d = c.get("/api/elections").json()
        assert [e["year"] for e in d["elections"]] == list(YEARS) and d["max_sims"] == 1000
        with seen["app"].state.service.stores.open() as st, pytest.raises(duckdb.Error):
            st.store.con.execute("DELETE FROM sources")


@pytest.mark.parametrize("year", [1997, 2002, 2007])
@pytest.mark.parametrize("chart", ["map", "cartogram"])
@pytest.mark.parametrize("legend", ["true", "false"])
def test_no_map_for_the_1986_boundaries(client, year: int, chart: str, legend: str) -> None:
    """1997-2007's codes name seats of the 1986 map: no map drawn with the 2010 contours, with a
    legend or without (the dashboard asks for legend=false)."""
    detail = _error(client.get(f"/api/elections/{year}/{chart}.svg?legend={legend}"), 404)
    assert "1986" in detail and "2010" in detail and str(year) in detail
    assert client.get(f"/api/elections/{year}/results").status_code == 200


def test_elections_say_which_years_have_a_map(client) -> None:
    drawn = {e["year"]: e["map"] for e in client.get("/api/elections").json()["elections"]}
    assert drawn == {y: y >= 2012 for y in YEARS}


def test_hemicycle_of_a_year_between_the_rounds_seats_the_whole_house(
    client, without_2022_round2: None
) -> None:
    """2022 without its round 2: 577 seats and majority 289, the undecided ones in grey (not a
    five-seat Assembly with a majority of 3)."""
    decided = client.get("/api/elections/2022/results").json()["decided"]
    assert 0 < decided < 577
    for unit in ("bloc", "nuance"):
        svg = client.get(f"/api/elections/2022/hemicycle.svg?unit={unit}").text
        assert svg.count("<circle") == 577
        assert "majority 289" in svg and "majority 3<" not in svg
        undecided = re.search(r'data-group="undecided"[^>]*>(.*?)</g>', svg, re.S)
        assert undecided is not None and undecided.group(1).count("<circle") == 577 - decided
        assert f"No winner in the data: {577 - decided} seats" in svg
    assert 'data-group="undecided"' not in client.get("/api/elections/2024/hemicycle.svg").text


# ----- HTTP: methods, HEAD, integer years, the kinds of error ------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/api/elections", "GET, HEAD"),
        ("PUT", "/api/elections/2024/results", "GET, HEAD"),
        ("GET", "/api/project", "POST"),
        ("HEAD", "/api/project", "POST"),
    ],
)
def test_405_names_the_allowed_methods(client, method: str, path: str, allow: str) -> None:
    r = client.request(method, path)
    assert r.status_code == 405 and r.headers["allow"] == allow
    if method != "HEAD":  # a HEAD answer has no body
        detail = _error(r, 405)
        assert r.json()["error"] == "method_not_allowed"
        assert method in detail and allow.split(", ")[0] in detail


@pytest.mark.parametrize(
    "path", ["/", "/api/elections", "/api/elections/2024/results", "/static/app.js"]
)
def test_head_answers_where_get_does(client, path: str) -> None:
    get, head = client.get(path), client.head(path)
    assert get.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    for header in ("content-length", "content-encoding"):  # GET's headers, gzip included
        assert head.headers.get(header) == get.headers.get(header)
    assert int(head.headers["content-length"]) > 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/elections/2024.0/results",
        "/api/elections/2.024e3/results",
        "/api/search?q=paris&year=2024.0",
        "/api/transfers?train=2017.0",
    ],
)
def test_years_are_whole_numbers(client, path: str) -> None:
    detail = _error(client.get(path), 422)
    assert "whole number" in detail


def test_error_kinds_in_the_schema_are_those_sent(client, store_path: Path) -> None:
    """The schema's Error.error enum is every kind the API sends, and the kinds a sweep of bad
    requests gets are in it."""
    from typing import get_args

    from hemicycle.web.errors import ErrorKind

    spec = client.get("/openapi.json").json()
    enum = spec["components"]["schemas"]["Error"]["properties"]["error"]["enum"]
    assert set(enum) == set(get_args(ErrorKind))
    sent = {
        client.get("/api/elections/2019/results").json()["error"],  # not_found
        client.get("/api/elections/2024/compare?systems=lottery").json()["error"],  # bad_option
        client.get("/api/elections/2024/results?x=1", headers={"host": "evil.example"}).json()[
            "error"
        ],  # bad_host
        client.delete("/api/elections").json()["error"],  # method_not_allowed
        client.get("/api/elections/2024.0/results").json()["error"],  # invalid_request
        client.post("/api/project", json={"year": min(YEARS), "sims": 10}).json()[
            "error"
        ],  # missing_round
        client.post(
            "/api/project", content=b"x" * (65 * 1024), headers={"content-type": "application/json"}
        ).json()["error"],  # too_large
    }
    assert sent == {
        "not_found",
        "bad_option",
        "bad_host",
        "method_not_allowed",
        "invalid_request",
        "missing_round",
        "too_large",
    }
    assert sent <= set(enum)


def test_fit_status_reports_the_stage_of_the_transfer_fit(app: FastAPI, client: TestClient) -> None:
    """The dashboard's progress bar: /api/status says what the fit is doing, stage and counts."""
    svc = app.state.service
    idle = client.get("/api/status").json()
    assert set(idle) == {"active", "stage", "done", "total"}
    svc.fit_progress("2017: bootstrap", 3, 12)
    busy = client.get("/api/status").json()
    assert busy == {"active": True, "stage": "2017: bootstrap", "done": 3, "total": 12}
    svc.fit_progress("2017: cross-validation", 10, 10)
    assert client.get("/api/status").json()["active"] is False


def test_projection_trains_on_every_earlier_election_by_default(
    client: TestClient, store_path: Path
) -> None:
    r = client.post("/api/project", json={"year": 2024, "sims": 200, "seed": 1})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["train"] == "all"
    with Store(store_path, read_only=True) as st:
        both = [y for y in st.years() if y in TRAINING_YEARS and y < 2024 and 2 in st.rounds(y)]
    assert body["train_years"] == both and len(both) >= 5
    late = client.post("/api/project", json={"year": 2017, "train": 2024, "sims": 10})
    assert late.status_code == 400 and "not earlier than the target" in late.json()["detail"]
    first = client.post("/api/project", json={"year": min(YEARS), "sims": 10})
    assert first.status_code == 409 and "nothing to learn transfers from" in first.json()["detail"]
