"""The web app: a JSON API over :mod:`hemicycle.api` and :mod:`hemicycle.sim.api`, its OpenAPI
schema (``/openapi.json``, rendered at ``/docs``) and a dashboard (``/``), all served locally.

In three parts, as FastAPI's larger applications are: :mod:`hemicycle.web.service` loads, caches
and queues (the read-only store, the per-year caches, the projection lane),
:mod:`hemicycle.web.routes` holds the routes (``APIRouter`` s reaching the service through a
dependency), and this module assembles them (:func:`create_app`): middleware, error handlers,
lifespan and static files. :class:`hemicycle.web.guard.Guard` checks the ``Host`` header, bounds
the request body (413) and sets the security headers.

Errors are JSON ``{"error": KIND, "detail": SENTENCE}``: 422 for invalid parameters or a body
that cannot be parsed (one readable sentence), 404 for an unknown year or constituency, 400 for
any other :class:`HemicycleError` (or a host this server does not answer to), 409 when the year is
there but not the round it needs, 413 for a body over 64 KiB (431 for a head over 16 KiB, 408 for
a body too slow to arrive: from :func:`hemicycle.web.guard.timed_h11_protocol`), 405 (with
``Allow``) for a method a path does not answer (every GET path answers HEAD too), 503 (with
``Retry-After``) when the projection queue is full, 504 for a projection past its time limit, and
500 with a generic message (never a stack trace) for anything else.
"""

import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from hemicycle._version import __version__
from hemicycle.errors import (
    DataNotAvailableError,
    HemicycleError,
    MissingRoundError,
    UnsupportedElectionError,
)
from hemicycle.web import guard, routes
from hemicycle.web.errors import ApiError, ErrorKind
from hemicycle.web.night import NightBoard
from hemicycle.web.routes import CSP, GZIP_MIN, STATIC
from hemicycle.web.service import Service

log = logging.getLogger("hemicycle.web")

MAX_SIMS = 200_000
#: Long enough for the first projection with a new training year (fitting the transfers, ~1 min).
DEFAULT_TIMEOUT_S = 180.0


def _error(
    status: int, kind: ErrorKind, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    # nosniff here too: a 500 is sent from outside the middleware stack
    return JSONResponse(
        {"error": kind, "detail": detail},
        status_code=status,
        headers={"X-Content-Type-Options": "nosniff", **(headers or {})},
    )


def _sentence(errors: list[dict[str, Any]], max_sims: int) -> str:
    """Pydantic's errors as one readable sentence."""
    where_names = {
        "body": "the body",
        "query": "the query",
        "path": "the path",
        "header": "a header",
    }
    parts = []
    for err in errors[:4]:
        loc = [str(x) for x in err.get("loc", ())]
        where = where_names.get(loc[0], loc[0]) if loc else "the request"
        field = ".".join(loc[1:])
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        msg = msg[:1].lower() + msg[1:]
        kind = err.get("type")
        if kind == "json_invalid":
            parts.append(
                f"the body is not valid JSON ({err.get('ctx', {}).get('error', 'syntax error')})"
            )
        elif kind == "missing" and not field:
            parts.append(f"{where} is missing")
        elif loc[-2:] == ["body", "sims"] and kind == "less_than_equal":
            got = err.get("input")
            shown = f"{got:,}" if isinstance(got, int) else repr(got)
            parts.append(f"sims must be at most {max_sims:,} (this server's cap); got {shown}")
        elif field:
            parts.append(f"{field} (in {where}): {msg}")
        else:
            parts.append(f"{where}: {msg}")
    more = len(errors) - 4
    tail = f" (and {more} more)" if more > 0 else ""
    return "invalid request: " + "; ".join(parts) + tail + "."


def _unreadable_body(exc: StarletteHTTPException) -> str | None:
    """The sentence of a body that could not be parsed, or ``None``. FastAPI answers a body that
    ``json.loads`` refuses with something other than a syntax error (nested too deeply, invalid
    UTF-8, an integer beyond Python's digit limit) by a bare 400 raised *from* that error; it is
    invalid parameters like any other, so a 422 with one sentence."""
    cause = exc.__cause__
    if exc.status_code != 400 or cause is None:
        return None
    if isinstance(cause, RecursionError):
        why = "it is nested too deeply"
    elif isinstance(cause, UnicodeDecodeError):
        why = "it is not UTF-8 text"
    elif isinstance(cause, ValueError) and "digits" in str(cause):
        why = "a number in it has more than 4,300 digits"
    elif isinstance(cause, ValueError | TypeError):
        why = "it cannot be read"
    else:
        return None
    return f"invalid request: the body is not valid JSON ({why})."


def create_app(
    store_path: str | Path | None = None,
    *,
    max_sims: int = MAX_SIMS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    prefit: bool = False,
    max_queued: int = 4,
    allowed_hosts: Sequence[str] | None = None,
    max_body: int = guard.MAX_BODY,
    night: NightBoard | None = None,
) -> FastAPI:
    """The FastAPI app over the store at ``store_path`` (default: ``$HEMICYCLE_STORE`` or the user
    cache), opened read-only: ingest the years first (``hemicycle serve`` does). It never ingests
    while serving: newer official files are logged once and taken at the next start.

    ``max_sims`` caps ``sims`` in ``POST /api/project`` (422 above it); ``timeout_s`` bounds a
    projection (504 past it); ``max_queued`` projections may wait behind the running one (503 with
    ``Retry-After`` past that); ``prefit`` fits the transfers of the training years in a background
    thread at start-up. ``allowed_hosts``: the ``Host`` names answered (400 otherwise; ``"*"``:
    any; default: the loopback names and TestClient's ``testserver``). ``max_body``: the largest
    request body in bytes (413 above it). ``night``: the board of an election night running
    beside the server (``hemicycle live --serve``), which ``GET /api/live`` and the night view
    (``/night``) show; without one they say that no night is running.
    """
    path = _existing_store(store_path)
    if max_sims < 1:
        raise HemicycleError(f"max_sims must be >= 1; got {max_sims}")
    svc = Service(path, max_sims=max_sims, timeout_s=timeout_s, max_queued=max_queued)
    hosts = (
        guard.allowed_hosts_for("127.0.0.1", guard.TEST_HOSTS)
        if allowed_hosts is None
        else guard.allowed_hosts_for("0.0.0.0", allowed_hosts or ["*"])
    )
    app = FastAPI(
        title="hemicycle",
        version=__version__,
        lifespan=_lifespan(svc, prefit=prefit),
        docs_url=None,
        redoc_url=None,
        description="French legislative elections, computable: the official results of 1997 to "
        "2024 (the years the store holds), the two-round law replayed, and projections of round 2 "
        "with vote transfers learnt from an earlier election. Errors are JSON "
        '`{"error": KIND, "detail": SENTENCE}`.',
    )
    app.state.service = svc
    app.state.night = night if night is not None else NightBoard()
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN)
    app.add_middleware(guard.HeadAsGet)  # outside gzip: HEAD's headers are GET's
    app.add_middleware(guard.Guard, allowed_hosts=hosts, max_body=max_body, csp=CSP)  # outermost
    _add_error_handlers(app, svc)

    # ---- pages, static files and the API -------------------------------------------------

    app.include_router(routes.pages)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in routes.api(max_sims):
        app.include_router(router)
    return app


def _existing_store(store_path: str | Path | None) -> Path:
    """The store's path (default: ``$HEMICYCLE_STORE`` or the user cache), which must exist."""
    from hemicycle.session import default_store_path

    path = Path(store_path) if store_path is not None else default_store_path()
    if not path.exists():
        raise HemicycleError(
            f"the store {path} does not exist: run `hemicycle data ingest YEAR` first "
            f"(`hemicycle serve` does it)"
        )
    return path


def _lifespan(
    svc: Service, *, prefit: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: start the transfer fit (``prefit``), close the service at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if prefit:
            threading.Thread(target=svc.prefit, name="hemicycle-prefit", daemon=True).start()
        try:
            yield
        finally:
            svc.close()  # cancels running projections: shutdown does not wait for them

    return lifespan


def _add_error_handlers(app: FastAPI, svc: Service) -> None:
    """Every error as JSON ``{"error": KIND, "detail": SENTENCE}`` (see the module's docstring)."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.kind, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid_request", _sentence(list(exc.errors()), svc.max_sims))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            return _error(
                404,
                "not_found",
                f"no such path {request.url.path}; the API is described at /openapi.json and /docs",
                headers,
            )
        if exc.status_code == 405:
            allowed = guard.allowed_methods(headers.get("Allow", ""))
            headers["Allow"] = ", ".join(allowed)
            method = guard.request_method(request.scope)
            return _error(
                405,
                "method_not_allowed",
                f"{request.url.path} does not answer {method}; "
                f"it answers {' and '.join(allowed) or 'no method'}",
                headers,
            )
        unreadable = _unreadable_body(exc)
        if unreadable is not None:
            return _error(422, "invalid_request", unreadable)
        return _error(exc.status_code, "http_error", str(exc.detail), headers)

    @app.exception_handler(HemicycleError)
    async def _domain(request: Request, exc: HemicycleError) -> JSONResponse:
        if isinstance(exc, MissingRoundError):  # the year is there, the round it needs is not
            return _error(409, "missing_round", str(exc))
        missing = isinstance(exc, DataNotAvailableError | UnsupportedElectionError)
        return _error(404 if missing else 400, "not_found" if missing else "bad_option", str(exc))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error(500, "internal_error", "internal error: the server log has the details")
