"""Property-based tests of the web API against its own OpenAPI schema (schemathesis): whatever
the parameters, valid or not, no 5xx, and every response conforms to the documented status codes,
content types and schemas. Bounded: 25 examples per operation and mode, projections capped at 50
simulations by the test app's ``max_sims``."""

from __future__ import annotations

from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hemicycle.data.files import YEARS as REGISTERED  # noqa: E402
from hemicycle.web import create_app  # noqa: E402

YEARS = list(REGISTERED)  # every year hemicycle reads: the stored ones, and 404s for the others
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
OPERATIONS = [
    ("GET", "/api/elections"),
    ("GET", "/api/elections/{year}/results"),
    ("GET", "/api/elections/{year}/constituencies/{code}"),
    ("POST", "/api/project"),
    ("GET", "/api/elections/{year}/compare"),
    ("GET", "/api/elections/{year}/coalitions"),
    ("GET", "/api/elections/{year}/hemicycle.svg"),
    ("GET", "/api/elections/{year}/map.svg"),
    ("GET", "/api/elections/{year}/cartogram.svg"),
    ("GET", "/api/search"),
    ("GET", "/api/elections/{year}/round1"),
    ("GET", "/api/elections/{year}/results.csv"),
    ("GET", "/api/elections/{year}/constituencies.csv"),
    ("GET", "/api/transfers"),
    ("GET", "/api/status"),
    ("GET", "/api/live"),
    ("GET", "/api/presidential"),
    ("GET", "/api/presidential/{year}"),
]


@pytest.fixture(scope="module")
def web_schema(store_path: Path):
    from hemicycle import session as api
    from hemicycle.data.store import Store
    from hemicycle.sim import pipeline as sim

    with Store(store_path) as st:  # learn the transfers first (cached): no request waits on them
        # 2017 for the projections' train=2017; 2012 and 2017 for the runoffs that `compare`
        # projects
        sim.fitted(2017, st)
        for years in {api.Session(st).default_training(y) for y in YEARS} - {None}:
            sim.pooled(years, st)  # `all`, every target's default
        sim.pooled(sim.training_years(None, "all", st), st)  # /api/transfers without a year
    app = create_app(store_path, max_sims=50, timeout_s=300)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    app.state.service.stores.close()  # other modules open the session store read-write


def test_every_operation_is_fuzzed(web_schema) -> None:
    documented = {
        (m.upper(), p) for p, item in web_schema.raw_schema["paths"].items() for m in item
    }
    assert documented == set(OPERATIONS)


MODES = ["positive", "stored-years", "negative"]
# GET /api/elections takes no parameter: nothing to make invalid, no year to choose
CASES = [
    (m, p, mode)
    for m, p in OPERATIONS
    for mode in MODES
    if not (
        p in ("/api/elections", "/api/status", "/api/live", "/api/presidential")
        and mode != "positive"
    )
]  # no parameters


@pytest.mark.parametrize(
    ("method", "path", "mode"), CASES, ids=[f"{m} {p} {mode}" for m, p, mode in CASES]
)
def test_api_conforms_to_its_schema(web_schema, method: str, path: str, mode: str) -> None:
    """``positive``: valid requests (mostly years not in the store: 404s); ``stored-years``: valid
    requests on 2017, 2022 and 2024 (200s); ``negative``: invalid requests (422s)."""
    spec = web_schema.raw_schema["paths"][path][method.lower()]
    assert spec.get("parameters") or spec.get("requestBody") or mode == "positive"
    operation = web_schema[path][method]
    generation = GenerationMode.NEGATIVE if mode == "negative" else GenerationMode.POSITIVE
    strategy = operation.as_strategy(generation_mode=generation)
    if mode == "stored-years" and "{year}" in path:
        strategy = st.sampled_from(YEARS).flatmap(
            lambda y: operation.as_strategy(generation_mode=generation, path_parameters={"year": y})
        )

    @given(case=strategy, year=st.sampled_from(YEARS))
    @settings(
        max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case, year: int) -> None:
        if isinstance(case.body, dict):
            if mode == "stored-years":
                case.body.update(year=year, train=2017)
            elif case.body.get("train") in YEARS:
                # learning the transfers of 2024 takes a minute: test_web_api covers the rest
                case.body["train"] = 2017
        if isinstance(case.query, dict) and case.query.get("train") in YEARS:
            case.query["train"] = 2017  # as for the body: 2017's transfers are learnt already
        case.call_and_validate(checks=CHECKS)

    check()


# Lists with a value named twice (``systems=actual,actual``, an alias, the default options spelt
# out, ``all`` and one more) used to be a 500: negative data the schema cannot describe, drawn here.
SYSTEM_NAMES = [
    "actual",
    "two_round",
    "plurality",
    "dhondt",
    "dhondt:threshold=0.05",
    "hare:threshold=3%",
    "sainte_lague",
    "all",
    "nonsense",
    "dhondt:threshold=x",
    " ",
    "",
]
LIST_OPERATIONS = [
    ("/api/elections/{year}/compare", "systems"),
    ("/api/elections/{year}/coalitions", "system"),
]


@pytest.mark.parametrize(("path", "param"), LIST_OPERATIONS, ids=[p for p, _ in LIST_OPERATIONS])
def test_repeated_list_values_are_never_a_server_error(web_schema, path: str, param: str) -> None:
    operation = web_schema[path]["GET"]
    first = st.sampled_from(SYSTEM_NAMES[:7])
    values = st.tuples(first, st.lists(st.sampled_from(SYSTEM_NAMES), max_size=3)).map(
        lambda t: ",".join([t[0], t[0], *t[1]])
    )  # the first one twice, then anything

    @given(year=st.sampled_from(YEARS), value=values, unit=st.sampled_from(["bloc", "nuance"]))
    @settings(
        max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(year: int, value: str, unit: str) -> None:
        case = operation.Case(path_parameters={"year": year}, query={param: value, "unit": unit})
        case.call_and_validate(checks=CHECKS)

    check()
