"""The routes of the web app: the dashboard's pages and the JSON API, as ``APIRouter`` s that the
app includes (:func:`hemicycle.web.app.create_app`).

Each route validates its parameters, asks the :class:`~hemicycle.web.service.Service` (reached
through the :data:`Svc` dependency: ``app.state.service``) and shapes the response; blocking work
(projections, comparisons, coalitions, learning the transfers) goes through
:meth:`Service.in_worker <hemicycle.web.service.Service.in_worker>`. ``POST /api/project`` comes
from a factory, :func:`projection`, because its body model carries the app's cap on ``sims``.

The routers are included in the order :func:`api` lists them, which is the order of
``/openapi.json`` and of ``/docs``.
"""

import re
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from pydantic import BeforeValidator, Field, create_model

from hemicycle.session import PRESIDENTIAL_YEARS
from hemicycle.web import schemas as s
from hemicycle.web.service import Service

STATIC = Path(__file__).with_name("static")
#: Security headers of the dashboard: everything from this server, nothing from a CDN.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
#: Bodies from this size up are gzip-compressed, when the client accepts it (as GZipMiddleware).
GZIP_MIN = 2048


async def get_service(request: Request) -> Service:
    """The app's service (``async``: a plain ``def`` dependency would cost a threadpool hop)."""
    return request.app.state.service


Svc = Annotated[Service, Depends(get_service)]

_WHOLE = re.compile(r"\s*[+-]?[0-9]+\s*")


def _whole_number(value: Any) -> Any:
    """Refuse a year written as ``2024.0`` or ``2.024e3`` (pydantic's lax mode takes them)."""
    if isinstance(value, str) and value != "all" and not _WHOLE.fullmatch(value):
        raise ValueError(f"must be a whole number, e.g. 2024; got {value!r}")
    return value


Whole = BeforeValidator(_whole_number)
Year = Annotated[
    int, PathParam(ge=1900, le=2100, description="election year", examples=[2024]), Whole
]
Code = Annotated[
    str,
    PathParam(pattern=s.CODE_PATTERN, description="canonical constituency code", examples=["7502"]),
]


def _responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    what = {
        400: "an invalid option (the message lists the allowed values)",
        404: "unknown year or constituency (the message lists what exists)",
        409: "the year is there but not the round this needs "
        "(e.g. no earlier election to learn from)",
        422: "invalid parameters, in one sentence",
        500: "internal error (no details)",
        503: "too many projections running or waiting: retry after `Retry-After` seconds",
        504: "the projection did not finish in time",
    }
    return {c: {"model": s.Error, "description": what[c]} for c in codes}


def _systems_named(specs: list[str]) -> list[str] | None:
    """The systems as named (``all`` kept: the comparison leaves out of it what cannot run
    here), or ``None`` when none is. Unknown names raise the usual OptionError, before any work."""
    from hemicycle.systems import compare_specs

    given = [x.strip() for x in specs if x.strip()]
    if not given:
        return None
    compare_specs(given)
    return given


def cached(
    svc: Service,
    request: Request,
    body: bytes,
    media_type: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """A cached body, sent gzip-compressed (from the cache too) where GZipMiddleware would."""
    headers = dict(headers or {})
    if len(body) >= GZIP_MIN and "gzip" in request.headers.get("accept-encoding", ""):
        body = svc.gzipped(body)
        headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return Response(body, media_type=media_type, headers=headers)


# ----- pages --------------------------------------------------------------------------------

pages = APIRouter()


def page(name: str) -> FileResponse:
    return FileResponse(
        STATIC / name,
        media_type="text/html",
        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"},
    )


@pages.get("/", include_in_schema=False)
def index() -> FileResponse:
    return page("index.html")


@pages.get("/docs", include_in_schema=False)
def docs() -> FileResponse:
    return page("docs.html")


@pages.get("/night", include_in_schema=False)
def night_page() -> FileResponse:
    return page("night.html")


# ----- elections: the fit's progress, the elections, national results, one constituency ------

election_routes = APIRouter()


@election_routes.get("/api/status", response_model=s.FitStatus, tags=["projection"])
def status(svc: Svc) -> s.FitStatus:
    """What the transfer fit is doing: the first projection with new training elections waits
    for it (the dashboard shows this as a progress bar with the stage)."""
    return svc.fit_status()


@election_routes.get(
    "/api/elections", response_model=s.Elections, tags=["elections"], responses=_responses(500)
)
def elections(svc: Svc) -> s.Elections:
    """The elections in the store, the blocs and their colours, and what this server offers."""
    return svc.elections()


@election_routes.get(
    "/api/elections/{year}/results",
    response_model=s.Results,
    tags=["elections"],
    responses=_responses(404, 422, 500),
)
def results(year: Year, request: Request, svc: Svc) -> Response:
    """National results, replayed by law: seats by nuance and bloc, round-1 votes, turnout,
    and the winner of every constituency."""
    return cached(svc, request, svc.results_json(year), "application/json")


@election_routes.get(
    "/api/elections/{year}/constituencies/{code}",
    response_model=s.Constituency,
    tags=["elections"],
    responses=_responses(404, 422, 500),
)
def constituency(
    year: Year,
    code: Code,
    request: Request,
    svc: Svc,
) -> Response:
    """One constituency: totals of each round, every candidate with the law's round-1 status,
    the withdrawals, round 2 and the winner."""
    return cached(svc, request, svc.constituency_json(year, code), "application/json")


# ----- the projection (its body model carries the app's cap on sims) --------------------------


def projection(max_sims: int) -> APIRouter:
    """The router of ``POST /api/project`` with ``sims`` capped at ``max_sims`` (422 above it;
    the cap shows in the schema too)."""
    router = APIRouter()
    Req = create_model(
        "ProjectRequest",
        __base__=s.ProjectRequest,
        sims=(
            int,
            Field(
                min(10_000, max_sims),
                ge=1,
                le=max_sims,
                description=f"simulated elections (at most {max_sims:,})",
                strict=True,  # "10" and 10.0 are not counts
            ),
        ),
    )

    @router.post(
        "/api/project",
        response_model=s.ProjectionOut,
        tags=["projection"],
        responses=_responses(400, 404, 409, 422, 500, 503, 504),
    )
    async def project(req: Annotated[Req, Body()], request: Request, svc: Svc) -> s.ProjectionOut:  # type: ignore[valid-type]  # noqa: E501
        """Project round 2 of `year` from its round 1 with transfers learnt from `train`: seats by
        bloc and nuance (mean, median, 90% interval, P(majority)), and each constituency's most
        likely winner. The first call with a new `train` learns the transfers (about a minute)."""
        body = cast(s.ProjectRequest, req)  # the per-app model is a ProjectRequest
        svc.check_year(body.year)
        if body.train != "all":
            svc.check_year(body.train, what="training election")
        seed = body.seed if body.seed is not None else secrets.randbits(32)
        return await svc.in_worker(
            svc.project, body, seed, what="the projection", lane=svc.projections, request=request
        )

    return router


# ----- analyses: other systems, coalitions, search, round 1, exports, transfers, charts -------

analysis_routes = APIRouter()


@analysis_routes.get(
    "/api/elections/{year}/compare",
    response_model=s.Comparison,
    tags=["systems"],
    responses=_responses(400, 404, 422, 500, 503, 504),
)
async def compare(
    year: Year,
    svc: Svc,
    systems: Annotated[
        str | None,
        Query(
            max_length=400,
            description="comma-separated system names, e.g. actual,dhondt (default: every one)",
        ),
    ] = None,
    unit: Annotated[s.Unit, Query(description="count seats by nuance or by bloc")] = "nuance",
) -> Response:
    """The same votes under other electoral systems, side by side, with disproportionality and
    fragmentation indices. Systems that need round 2 project it when it is not in the data."""
    svc.check_year(year)
    names = _systems_named(systems.split(",")) if systems else None
    # a cached answer is served at once: only misses take a place on the analyses lane
    body = svc.compare_cached(year, names, unit)
    if body is None:
        body = await svc.in_worker(
            lambda c: svc.compare_json(year, names, unit), what="the comparison"
        )
    return Response(body, media_type="application/json")


@analysis_routes.get(
    "/api/elections/{year}/coalitions",
    response_model=s.Coalitions,
    tags=["systems"],
    responses=_responses(400, 404, 422, 500, 503, 504),
)
async def coalitions(
    year: Year,
    svc: Svc,
    system: Annotated[
        str, Query(max_length=80, description="electoral system (see compare)")
    ] = "actual",
    unit: Annotated[s.Unit, Query(description="groups: nuances or blocs")] = "bloc",
    minimal: Annotated[bool, Query(description="only the minimal winning coalitions")] = False,
) -> Response:
    """Who can govern the Assembly that `system` gives: winning coalitions (an absolute
    majority), and the Banzhaf and Shapley–Shubik power of each group."""
    svc.check_year(year)
    body = svc.coalitions_cached(year, system, unit, minimal)
    if body is None:
        body = await svc.in_worker(
            lambda c: svc.coalitions_json(year, system, unit, minimal),
            what="the coalition analysis",
        )
    return Response(body, media_type="application/json")


@analysis_routes.get(
    "/api/search",
    response_model=list[s.SearchHit],
    tags=["elections"],
    responses=_responses(404, 422, 500),
)
def search(
    svc: Svc,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=80,
            description="a code (7505), a constituency "
            "(Paris 5, Haute-Garonne 3e), a department or a candidate's name; "
            "accents and case do not matter",
        ),
    ],
    year: Annotated[
        int | None,
        Query(ge=1900, le=2100, description="one election (default: all, latest first)"),
        Whole,
    ] = None,
) -> list[s.SearchHit]:
    """Constituencies by code, label, department or candidate name (at most 40)."""
    return svc.search(q, year)


@analysis_routes.get(
    "/api/elections/{year}/round1",
    response_model=s.Round1,
    tags=["elections"],
    responses=_responses(404, 422, 500),
)
def round1(year: Year, request: Request, svc: Svc) -> Response:
    """After round 1: each constituency's leader, runoff type (elected, duel, three-way,
    four-way) and withdrawals; the national counts; and "round 1 as the basis" (each
    round-1 leader takes the seat: first-round plurality)."""
    svc.check_year(year)
    return cached(svc, request, svc.round1_json(year), "application/json")


CSV_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a header row"},
    **_responses(404, 422, 500),
}


def csv_response(svc: Service, request: Request, year: int, what: str) -> Response:
    svc.check_year(year)
    return cached(
        svc,
        request,
        svc.csv_export(year, what),
        "text/csv; charset=utf-8",
        {"Content-Disposition": f'attachment; filename="hemicycle-{year}-{what}.csv"'},
    )


@analysis_routes.get(
    "/api/elections/{year}/results.csv",
    tags=["exports"],
    responses=CSV_DOC,
    response_class=Response,
)
def results_csv(year: Year, request: Request, svc: Svc) -> Response:
    """One row per candidate and round, with the law's status (round 1: elected, qualified,
    withdrawn, eliminated; round 2: elected, defeated). Header:
    `year,constituency,label,round,panel,surname,first_name,nuance,bloc,votes,share_expressed,share_registered,status`."""
    return csv_response(svc, request, year, "results")


@analysis_routes.get(
    "/api/elections/{year}/constituencies.csv",
    tags=["exports"],
    responses=CSV_DOC,
    response_class=Response,
)
def constituencies_csv(year: Year, request: Request, svc: Svc) -> Response:
    """One row per constituency and round held, with the round-1 situation. Header:
    `year,constituency,label,department,department_name,round,registered,voters,expressed,turnout,situation,candidates,leader_nuance,leader_bloc,withdrawals,winner_surname,winner_nuance,winner_bloc`."""
    return csv_response(svc, request, year, "constituencies")


@analysis_routes.get(
    "/api/transfers",
    response_model=s.LearntRates,
    tags=["projection"],
    responses=_responses(400, 404, 409, 422, 500, 503, 504),
)
async def transfers(
    svc: Svc,
    train: Annotated[
        int | Literal["all"],
        Query(description="the training elections: `all` (every earlier one, pooled) or a year"),
        Whole,
    ] = "all",
    year: Annotated[
        int | None,
        Query(ge=1900, le=2100, description="the target election: `all` means the ones before it"),
        Whole,
    ] = None,
) -> s.LearntRates:
    """The learnt transfer rate of every (from, to) bloc pair, as the what-ifs of
    `POST /api/project` override it: the sliders' starting points."""
    if train != "all":
        svc.check_year(train, what="training election")
    if year is not None:
        svc.check_year(year)
    return await svc.in_worker(svc.learnt_rates, train, year, what="learning the transfers")


SVG_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {}}, "description": "an SVG document"},
    **_responses(404, 422, 500),
}
By = Annotated[s.Unit, Query(description="colour by the winner's bloc or nuance")]
Legend = Annotated[bool, Query(description="with the title and legend")]


def svg_response(
    svc: Service, request: Request, year: int, chart: str, unit: str, legend: bool = True
) -> Response:
    svc.check_year(year)
    return cached(
        svc,
        request,
        svc.chart_svg(year, chart, unit, legend),
        "image/svg+xml",
        {"Cache-Control": "public, max-age=600"},
    )


@analysis_routes.get(
    "/api/elections/{year}/hemicycle.svg",
    tags=["charts"],
    responses=SVG_DOC,
    response_class=Response,
)
def hemicycle_svg(year: Year, request: Request, svc: Svc, unit: By = "bloc") -> Response:
    """The Assembly as a seat diagram, seated left to right (SVG)."""
    return svg_response(svc, request, year, "hemicycle", unit)


@analysis_routes.get(
    "/api/elections/{year}/map.svg", tags=["charts"], responses=SVG_DOC, response_class=Response
)
def map_svg(
    year: Year, request: Request, svc: Svc, unit: By = "bloc", legend: Legend = True
) -> Response:
    """The constituencies coloured by the winner (SVG): one element with `data-code` per
    constituency, a Paris zoom (`data-zoom`) and the overseas in insets."""
    return svg_response(svc, request, year, "map", unit, legend)


@analysis_routes.get(
    "/api/elections/{year}/cartogram.svg",
    tags=["charts"],
    responses=SVG_DOC,
    response_class=Response,
)
def cartogram_svg(
    year: Year, request: Request, svc: Svc, unit: By = "bloc", legend: Legend = True
) -> Response:
    """One hexagon per constituency, coloured by the winner (SVG, `data-code` on each)."""
    return svg_response(svc, request, year, "cartogram", unit, legend)


# ----- the presidential election by legislative constituency --------------------------------

presidential_routes = APIRouter()


@presidential_routes.get(
    "/api/presidential",
    response_model=s.PresidentialYears,
    tags=["presidential"],
    responses=_responses(500),
)
def presidential_years(svc: Svc) -> s.PresidentialYears:
    """The presidential elections in the store, read by legislative constituency."""
    return s.PresidentialYears(years=svc.presidential_years(), known=list(PRESIDENTIAL_YEARS))


@presidential_routes.get(
    "/api/presidential/{year}",
    response_model=s.Presidential,
    tags=["presidential"],
    responses=_responses(404, 409, 422, 500),
)
def presidential(
    year: Annotated[
        int,
        PathParam(ge=1900, le=2100, description="presidential election year", examples=[2022]),
        Whole,
    ],
    request: Request,
    svc: Svc,
    round: Annotated[
        int, Query(ge=1, le=2, description="the round (default: 2, the finalists)"), Whole
    ] = 2,
) -> Response:
    """The presidential election as a legislative one: who led each constituency in `round`
    (share, runner-up, margin, every candidate's share), the national result, and the Assembly
    it would give if every constituency went to its leader, in one sentence too."""
    return cached(svc, request, svc.presidential_json(year, round), "application/json")


# ----- the election night -------------------------------------------------------------------

live_routes = APIRouter()


@live_routes.get(
    "/api/live", response_model=s.Live, tags=["election night"], responses=_responses(500)
)
async def live(request: Request) -> Response:
    """The election night running beside this server (`hemicycle live YEAR --serve`): "N of M
    declared", the projected seats per bloc now (90% interval) and after each update, every call
    with its time, and every constituency declared, called or projected. Without a night,
    `status` is `none`. Made once per poll of the night, whoever asks: poll it freely (an
    `If-None-Match` with the last `ETag` is answered 304 while nothing changed)."""
    zipped = "gzip" in request.headers.get("accept-encoding", "")
    version, body = request.app.state.night.body(gzipped=zipped)
    etag = f'"night-{version}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if zipped:  # compressed once per version by the board, not per request
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/json", headers=headers)


def api(max_sims: int) -> list[APIRouter]:
    """The API's routers, in the order of ``/openapi.json`` (and of ``/docs``)."""
    return [
        election_routes,
        projection(max_sims),
        analysis_routes,
        presidential_routes,
        live_routes,
    ]
