"""The web server's safeguards: what keeps ``hemicycle serve`` answering under load and abuse.

* :class:`Lane` — a bounded queue of long jobs (projections, comparisons) on its own daemon
  threads, never on the thread pool that serves reads and static files; a full lane answers
  503 with ``Retry-After``; a job whose client has gone, whose time limit passed or whose server
  is shutting down is cancelled (its ``cancelled`` event is set; the Monte Carlo checks it
  between chunks).
* :class:`Guard` — an ASGI middleware: the ``Host`` allow-list (DNS rebinding), the request-body
  limit (413 without reading past it, chunked bodies counted as they stream), and the security
  headers (``X-Content-Type-Options: nosniff`` on every response, the CSP on every HTML one).
* :class:`HeadAsGet` — HEAD answered on every GET path (GET's status and headers, no body).
* :class:`TimedH11Protocol` — uvicorn's h11 protocol with deadlines on the request head and body
  and a bound on the head's size, shedding the connections that wait longest on their client when
  the server is full, and quiet about requests cancelled at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import queue
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from concurrent.futures import Future, InvalidStateError
from typing import Any

from hemicycle.web.errors import ErrorKind

log = logging.getLogger("hemicycle.web")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Largest request body accepted (the biggest real one, a projection with overrides, is < 2 KiB).
MAX_BODY = 64 * 1024
#: Host names a loopback server answers to (DNS rebinding: a page of evil.example resolving to
#: 127.0.0.1 sends ``Host: evil.example``). ``testserver`` is Starlette's TestClient, never
#: resolvable.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
TEST_HOSTS = ("testserver",)
NOSNIFF = (b"x-content-type-options", b"nosniff")


# ----- long jobs ----------------------------------------------------------------------------


class Busy(Exception):
    """The lane is full: ``retry_after`` seconds is a fair guess of when a slot frees."""

    def __init__(self, what: str, queued: int, retry_after: int) -> None:
        super().__init__(
            f"the server is busy with {queued} {what} (running or waiting); "
            f"try again in {retry_after} s"
        )
        self.retry_after = retry_after


class Lane:
    """``workers`` daemon threads fed by a queue of at most ``waiting`` jobs beyond the running
    ones.

    :meth:`submit` never blocks: it raises :class:`Busy` when ``workers + waiting`` jobs are
    already admitted. A job counts until it has really stopped (a cancelled job frees its slot
    when it notices), so the bound is on work, not on requests. Threads are daemons: a running job
    never holds the process at exit.
    """

    def __init__(
        self, name: str, *, workers: int = 1, waiting: int = 4, what: str = "jobs"
    ) -> None:
        if workers < 1 or waiting < 0:
            raise ValueError(
                f"a lane needs workers >= 1 and waiting >= 0; got {workers}, {waiting}"
            )
        self.name, self.what = name, what
        self.capacity = workers + waiting
        self.workers = workers
        self._queue: queue.SimpleQueue[
            tuple[Future[Any], Callable[[], Any], threading.Event] | None
        ] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._admitted = 0
        self._live: set[threading.Event] = set()
        self._mean_s = 2.0  # running mean of job durations, for Retry-After
        self.started = self.finished = self.rejected = self.cancelled = 0
        self._threads: list[threading.Thread] = []
        self._start()

    def _start(self) -> None:
        self._threads = [
            threading.Thread(target=self._work, name=f"hemicycle-{self.name}-{i}", daemon=True)
            for i in range(self.workers)
        ]
        for t in self._threads:
            t.start()

    @property
    def admitted(self) -> int:
        """Jobs running or waiting."""
        return self._admitted

    def cancelling(self) -> int:
        """Admitted jobs asked to stop that have not stopped yet."""
        with self._lock:
            return sum(ev.is_set() for ev in self._live)

    def retry_after(self) -> int:
        with self._lock:
            rounds = math.ceil(max(self._admitted, 1) / self.workers)
            return int(min(max(math.ceil(self._mean_s * rounds), 1), 120))

    def submit(self, fn: Callable[[threading.Event], Any]) -> tuple[Future[Any], threading.Event]:
        """Queue ``fn(cancelled)``; its future, and the event that cancels it."""
        cancelled = threading.Event()
        with self._lock:
            if self._admitted >= self.capacity:
                self.rejected += 1
                queued = self._admitted
                full = True
            else:
                self._admitted += 1
                self._live.add(cancelled)
                full = False
                if not any(t.is_alive() for t in self._threads):  # closed, then used again
                    self._start()
        if full:
            raise Busy(self.what, queued, self.retry_after())
        fut: Future[Any] = Future()
        self._queue.put((fut, lambda: fn(cancelled), cancelled))
        return fut, cancelled

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            fut, call, cancelled = item
            t0 = time.perf_counter()
            try:
                if cancelled.is_set() or not fut.set_running_or_notify_cancel():
                    raise Cancelled()  # abandoned while it waited: skip it
                with self._lock:
                    self.started += 1
                result = call()
                with contextlib.suppress(InvalidStateError):
                    fut.set_result(result)
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting request
                if isinstance(exc, Cancelled) or cancelled.is_set():
                    with self._lock:
                        self.cancelled += 1
                with contextlib.suppress(InvalidStateError):
                    fut.set_exception(exc)
            finally:
                took = time.perf_counter() - t0
                with self._lock:
                    self._admitted -= 1
                    self._live.discard(cancelled)
                    self.finished += 1
                    if not cancelled.is_set():
                        self._mean_s = 0.8 * self._mean_s + 0.2 * took

    def cancel_all(self) -> None:
        """Cancel every job admitted (at shutdown)."""
        with self._lock:
            live = list(self._live)
        for ev in live:
            ev.set()

    def close(self) -> None:
        """Cancel every job and stop the threads once the queue is drained (a later
        :meth:`submit` starts them again)."""
        self.cancel_all()
        threads, self._threads = self._threads, []
        for _ in threads:
            self._queue.put(None)
        for t in threads:
            t.join(0.1)


class Cancelled(Exception):  # noqa: N818 - an outcome, not a fault
    """A job stopped because its client has gone, its time ran out or the server is stopping."""


async def wait_for_job(
    fut: Future[Any],
    cancelled: threading.Event,
    *,
    timeout_s: float,
    receive: Receive | None = None,
) -> tuple[str, Any]:
    """Await a lane job: ``("done", value)``, ``("timeout", None)`` or ``("gone", None)`` (the
    client disconnected, seen on ``receive`` once the body was read). On anything but "done" —
    including the request task being cancelled (server shutdown) — the job is cancelled."""
    job = asyncio.wrap_future(fut)
    watch: asyncio.Task[None] | None = None
    if receive is not None:
        watch = asyncio.ensure_future(_until_disconnect(receive))
    try:
        waiting: set[asyncio.Future[Any]] = {job} | ({watch} if watch is not None else set())
        done, _ = await asyncio.wait(
            waiting, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED
        )
        if job in done:
            return "done", job.result()
        cancelled.set()
        return ("gone" if watch is not None and watch in done else "timeout"), None
    except BaseException:
        cancelled.set()
        raise
    finally:
        if watch is not None:
            watch.cancel()
        if not job.done():
            job.add_done_callback(_consume)


def _consume(f: asyncio.Future[Any]) -> None:
    if not f.cancelled():
        f.exception()  # retrieved: no "exception was never retrieved" noise for abandoned jobs


async def _until_disconnect(receive: Receive) -> None:
    for _ in range(
        10_000
    ):  # a body is read already: only a disconnect (or stray empty chunks) follow
        msg = await receive()
        if msg.get("type") == "http.disconnect":
            return
    await (
        asyncio.Event().wait()
    )  # pragma: no cover - a client streaming junk forever: stop watching


# ----- the ASGI guard -----------------------------------------------------------------------


#: A ``Host`` header: a name (letters, digits, dots, hyphens) or a bracketed IPv6 address, and an
#: optional port.
_HOST = re.compile(r"(?P<name>\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(?P<port>[0-9]{1,5}))?")


def host_allowed(header: str, allowed: frozenset[str] | None) -> bool:
    """``header`` is exactly ``name[:port]`` (a DNS name or IPv4 address, or an IPv6 address in
    brackets; a port of 1–65535 digits' worth) and names an allowed host (``None``: any). Anything
    else — ``127.0.0.1:80@evil.example``, ``localhost:evil``, ``[::1].evil.example``,
    ``localhost:99999999`` — is refused."""
    if allowed is None:
        return True
    m = _HOST.fullmatch(header.strip().lower())
    if m is None or (m["port"] is not None and not 0 < int(m["port"]) <= 65535):
        return False
    return m["name"] in allowed


def allowed_hosts_for(host: str, extra: Iterable[str] = ()) -> frozenset[str] | None:
    """The Host allow-list of a server listening on ``host``: its loopback names on a loopback
    address, any host on a wildcard address unless ``extra`` names some, plus ``extra``."""
    extra = [h.strip().lower() for h in extra if h.strip()]
    if "*" in extra:
        return None
    h = host.strip().lower()
    if h in ("0.0.0.0", "::", "[::]", ""):
        return frozenset(extra + list(LOOPBACK_HOSTS)) if extra else None
    names = set(extra) | {h, f"[{h}]" if ":" in h and not h.startswith("[") else h}
    if h in LOOPBACK_HOSTS or h.startswith("127."):
        names |= set(LOOPBACK_HOSTS)
    return frozenset(names)


def _json(
    status: int, kind: ErrorKind, detail: str, headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[Message, Message]:
    body = json.dumps({"error": kind, "detail": detail}).encode()
    hdrs = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        NOSNIFF,
        (b"connection", b"close"),
        *(headers or []),
    ]
    return (
        {"type": "http.response.start", "status": status, "headers": hdrs},
        {"type": "http.response.body", "body": body},
    )


class Guard:
    """Host check, body limit and security headers around an ASGI app (HTTP only)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: frozenset[str] | None,
        max_body: int = MAX_BODY,
        csp: str = "",
    ) -> None:
        self.app, self.allowed_hosts, self.max_body = app, allowed_hosts, max_body
        self.csp = csp.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", ())}
        host = headers.get(b"host", b"").decode("latin-1")
        if not host_allowed(host, self.allowed_hosts):
            await self._reply(
                send,
                400,
                "bad_host",
                f"this server does not answer to the host {host[:80]!r}; "
                f"use the address it listens on (see hemicycle serve --allowed-hosts)",
            )
            return
        length = headers.get(b"content-length")
        if length is not None:
            try:
                n = int(length)
            except ValueError:
                await self._reply(
                    send, 400, "bad_request", "the Content-Length header is not a number"
                )
                return
            if n > self.max_body:
                await self._too_large(send)
                return
        buffered: list[Message] = []
        if length is not None or b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            size = 0
            while True:  # at most max_body bytes are held: past it, 413 and the rest is never read
                msg = await receive()
                if msg["type"] == "http.disconnect":
                    return  # the client left (or its body was too slow): nobody to answer
                buffered.append(msg)
                if msg["type"] != "http.request":
                    break
                size += len(msg.get("body", b""))
                if size > self.max_body:
                    await self._too_large(send)
                    return
                if not msg.get("more_body", False):
                    break

        async def replay() -> Message:
            if buffered:
                return buffered.pop(0)
            return await receive()

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                hdrs = list(message.get("headers", ()))
                names = {k.lower() for k, _ in hdrs}
                if NOSNIFF[0] not in names:
                    hdrs.append(NOSNIFF)
                ctype = next((v for k, v in hdrs if k.lower() == b"content-type"), b"")
                if (
                    ctype.startswith(b"text/html")
                    and b"content-security-policy" not in names
                    and self.csp
                ):
                    hdrs.append((b"content-security-policy", self.csp))
                message["headers"] = hdrs
            await send(message)

        await self.app(scope, replay, send_secured)

    async def _too_large(self, send: Send) -> None:
        await self._reply(
            send,
            413,
            "too_large",
            f"the request body is larger than this server accepts ({self.max_body // 1024} KiB)",
        )

    @staticmethod
    async def _reply(send: Send, status: int, kind: ErrorKind, detail: str) -> None:
        start, body = _json(status, kind, detail)
        await send(start)
        await send(body)


# ----- HEAD ---------------------------------------------------------------------------------

#: Where :class:`HeadAsGet` notes the method a request came with (an ASGI scope extension key).
METHOD_KEY = "hemicycle.method"


def request_method(scope: Scope) -> str:
    """The method the client sent (``HEAD`` for a request :class:`HeadAsGet` routed as GET)."""
    return str(scope.get(METHOD_KEY, scope.get("method", "")))


def allowed_methods(allow: str) -> list[str]:
    """The methods of an ``Allow`` header, sorted, with HEAD wherever GET is (:class:`HeadAsGet`
    answers it)."""
    methods = {m.strip().upper() for m in allow.split(",") if m.strip()}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


class HeadAsGet:
    """HEAD on every GET path (RFC 9110: a server should answer HEAD where it answers GET):
    the request is routed as a GET and the response sent with GET's status and headers
    (``Content-Length`` included) but no body. FastAPI's routes answer GET only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return
        scope = {**scope, "method": "GET", METHOD_KEY: "HEAD"}

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.start":
                await send(message)
            elif not message.get("more_body", False):  # the end of the body: an empty one
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app(scope, receive, headers_only)


# ----- connections --------------------------------------------------------------------------

#: How long a request body may take once its head is in (a 64 KiB body takes well under a second
#: on any link): past it, 408 and the connection is closed, so that a body trickled a byte every
#: few seconds cannot hold a connection, and a place under ``limit_concurrency``, forever.
BODY_TIMEOUT_S = 20.0
#: The largest request head (request line and headers), as ``hemicycle serve`` gives uvicorn
#: (``h11_max_incomplete_event_size``), when its config does not say.
MAX_HEAD = 16 * 1024
#: The end of a request head: a blank line (h11 also takes bare ``\n`` line ends).
_HEAD_END = re.compile(rb"\n\r?\n")


def _raw_reply(status: int, reason: str, kind: ErrorKind, detail: str) -> bytes:
    """A whole JSON error response as bytes, for the protocol to write before closing (outside
    the app: there is no request, or the app is still waiting for its body)."""
    start, body = _json(status, kind, detail)
    head = [f"HTTP/1.1 {status} {reason}".encode()]
    head += [k + b": " + v for k, v in start["headers"]]
    return b"\r\n".join(head) + b"\r\n\r\n" + body["body"]


def _quiet_at_shutdown(app: ASGIApp, protocol: Any) -> ASGIApp:
    """``app`` whose requests, when cancelled (uvicorn cancels those still running a few seconds
    after SIGTERM or Ctrl-C), log one line and answer 503 if nothing was sent yet, instead of
    uvicorn's "Exception in ASGI application" and a 60-line ``CancelledError`` traceback: a
    clean stop is not a crash."""

    async def run(scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, receive, watched)
        except asyncio.CancelledError:
            log.warning(
                "%s %s cancelled: the server is stopping",
                scope.get("method", ""),
                scope.get("path", "")[:200],
            )
            cycle = getattr(protocol, "cycle", None)
            if not started:
                start, body = _json(
                    503, "busy", "the server is stopping; try again when it is back"
                )
                with contextlib.suppress(Exception):
                    await send(start)
                    await send(body)
            elif cycle is not None and not cycle.response_complete:  # cut short: drop it
                cycle.disconnected = True
                protocol.transport.close()

    return run


def timed_h11_protocol(
    head_timeout_s: float, body_timeout_s: float = BODY_TIMEOUT_S, max_body: int = MAX_BODY
) -> type:
    """uvicorn's h11 protocol, bounded per connection:

    * a request head must be complete within ``head_timeout_s`` (idle, half-open or slowloris
      connections are closed; uvicorn's own ``timeout_keep_alive`` only starts after a first
      response), and be at most the config's ``h11_max_incomplete_event_size`` (16 KiB for
      ``hemicycle serve``) however it arrives — h11 checks only heads still incomplete, so one
      read of 100 KiB went through: 431;
    * its body must be complete within ``body_timeout_s`` of the head (408), and a chunk may not
      announce more than ``max_body`` bytes (413 at once: ``FFFFFFFFFFFFFFFF`` used to wait for
      its bytes forever);
    * at ``limit_concurrency`` connections, a new one closes the connection that has waited
      longest on its client (for a head, a body or the next request) instead of sending 503 to
      clients that are ready: 999 stalled connections no longer lock everyone else out;
    * a request cancelled at shutdown logs one line (:func:`_quiet_at_shutdown`).
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class TimedH11Protocol(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None
        _body_timer: asyncio.TimerHandle | None = None
        _last_seen = 0.0  # loop time of the last bytes from the client (or of the connection)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.app = _quiet_at_shutdown(self.app, self)
            self._max_head = self.config.h11_max_incomplete_event_size or MAX_HEAD

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._last_seen = self.loop.time()
            self._arm()
            if (
                self.limit_concurrency is not None
                and len(self.connections) >= self.limit_concurrency
            ):
                self._shed()

        def data_received(self, data: bytes) -> None:
            self._last_seen = self.loop.time()
            if self.conn.their_state is h11.IDLE and self._head_too_large(data):
                self._give_up(
                    431,
                    "Request Header Fields Too Large",
                    "too_large",
                    f"the request head is larger than this server accepts "
                    f"({self._max_head // 1024} KiB)",
                )
                return
            super().data_received(data)
            if self.transport.is_closing():
                return
            if self.conn.their_state is h11.IDLE and self._head_timer is None:
                self._arm()  # a partial request head: it has head_timeout_s to complete
            if self.conn.their_state is h11.SEND_BODY:
                if self._body_timer is None:
                    self._body_timer = self.loop.call_later(body_timeout_s, self._body_expired)
                if self._announced_chunk() > max_body:
                    self._give_up(
                        413,
                        "Content Too Large",
                        "too_large",
                        f"the request body is larger than this server accepts "
                        f"({max_body // 1024} KiB)",
                    )
            elif self._body_timer is not None:
                self._body_timer.cancel()
                self._body_timer = None

        def _head_too_large(self, data: bytes) -> bool:
            """The head being received, with ``data``, is over the limit (complete or not)."""
            buffered = self.conn.trailing_data[0]
            if len(buffered) + len(data) <= self._max_head:
                return False
            head = buffered + data
            end = _HEAD_END.search(head)
            return (end.end() if end is not None else len(head)) > self._max_head

        def _announced_chunk(self) -> int:
            """The bytes the chunk being read still announces (0 when not chunked). h11 keeps it
            in its reader; a later h11 without it only loses the early 413 (the body limit and
            the body deadline still hold)."""
            n = getattr(getattr(self.conn, "_reader", None), "_bytes_in_chunk", 0)
            return n if isinstance(n, int) else 0

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._disarm()  # from here uvicorn's keep-alive timeout applies
            self._last_seen = self.loop.time()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._body_timer is not None:
                self._body_timer.cancel()
                self._body_timer = None
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._head_timer = self.loop.call_later(head_timeout_s, self._expire)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _expire(self) -> None:
            self._head_timer = None
            if self.conn.their_state is h11.IDLE and (
                self.cycle is None or self.cycle.response_complete
            ):
                if not self.transport.is_closing():
                    self.transport.close()

        def _body_expired(self) -> None:
            self._body_timer = None
            if self.conn.their_state is h11.SEND_BODY:
                self._give_up(
                    408,
                    "Request Timeout",
                    "timeout",
                    f"the request body did not arrive within {body_timeout_s:g} s",
                )

        def _waiting(self) -> bool:
            """Whether this connection waits on its client: for a request head (or the next
            one), or for the rest of a body nothing has been answered to yet."""
            if self.transport is None or self.transport.is_closing():
                return False
            state = self.conn.their_state
            if state is h11.IDLE:
                return self.cycle is None or self.cycle.response_complete
            return (
                state is h11.SEND_BODY
                and self.cycle is not None
                and not (self.cycle.response_started)
            )

        def _shed(self) -> None:
            """Close the connection, other than this one, that has waited longest on its
            client, if any (at the connection limit)."""
            waiting = [
                c
                for c in self.connections
                if c is not self and isinstance(c, TimedH11Protocol) and c._waiting()
            ]
            if not waiting:
                return
            oldest = min(waiting, key=lambda c: c._last_seen)
            if oldest.conn.their_state is h11.SEND_BODY:
                oldest._give_up(
                    408,
                    "Request Timeout",
                    "timeout",
                    "the request body was too slow to arrive and the server is full",
                )
            else:
                oldest.transport.close()
            self.connections.discard(oldest)  # its place is free now, not at the next loop turn

        def _give_up(self, status: int, reason: str, kind: ErrorKind, detail: str) -> None:
            """Answer ``status`` (if nothing was answered yet) and close the connection; the
            request's app, if one runs, sees a disconnect and sends nothing more."""
            if self.transport.is_closing():
                return
            cycle = self.cycle
            if self.conn.their_state is h11.IDLE or cycle is None or not cycle.response_started:
                self.transport.write(_raw_reply(status, reason, kind, detail))
            if cycle is not None and not cycle.response_complete:
                cycle.disconnected = True
                cycle.message_event.set()
            log.info("closed a connection from %s: %s (%d)", self.client, detail, status)
            self.transport.close()

    return TimedH11Protocol
