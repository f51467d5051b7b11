"""The night view's data: the latest state of an election night that runs beside the server.

``hemicycle live YEAR --serve`` runs the night (:class:`hemicycle.live.runner.RoundTwo`, poll
after poll) in a background thread, :func:`follow`, which hands each frame to a
:class:`NightBoard`; ``GET /api/live`` sends the board's JSON, made once per frame, so that a
request costs no computation however many browsers poll it (with an ``ETag``: an unchanged night
is a 304). A server with no night (``hemicycle serve``) has an idle board: ``status`` ``none``.

The JSON (:class:`hemicycle.web.schemas.Live`)::

    {"status": "none" | "running" | "finished" | "stopped" | "failed",
     "message": a sentence for the page,
     "version": bumped at every change (the ETag),
     "year": 2024, "round": 2, "source": "a replay of 2024 (overseas-first, 60× real time)",
     "poll": 12, "at": "21:14:00",              # the night's clock of the latest poll
     "declared": 148, "total": 501, "headline": "148 of 501 declared",
     "seats": [{"bloc", "mean", "median", "lo", "hi", "p_majority"}],    # now, 90 % interval
     "won": {"left": 61, ...},                  # seats known: declared, round 1, unopposed
     "history": [{"poll", "at", "declared", "seats": {bloc: {"mean", "lo", "hi"}}}],
     "calls": [{"constituency", "candidate", "bloc", "probability", "at"}],    # in call order
     "races": [{"constituency", "state", "panel", "candidate", "bloc", "probability"}],
     "failures": the last 20 warnings (files that could not be read, counts left out)}

``races`` has every constituency (:meth:`hemicycle.live.runner.RoundTwo.races`): ``state`` is
``declared``, ``elected`` (in round 1), ``unopposed``, ``called`` or ``projected``.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from hemicycle.live.runner import Frame

log = logging.getLogger("hemicycle.web")

#: Warnings kept for the page (the latest ones).
FAILURES_KEPT = 20
#: Seat figures are sent to a tenth of a seat.
_R = 1


def _seats(s: dict[str, float], *, full: bool) -> dict[str, float]:
    keys = ("mean", "median", "lo", "hi", "p_majority") if full else ("mean", "lo", "hi")
    return {k: round(float(s[k]), 4 if k == "p_majority" else _R) for k in keys}


class NightBoard:
    """The latest state of a night, as the JSON ``GET /api/live`` sends (see the module doc).

    Thread-safe: :meth:`publish`, :meth:`finish` and :meth:`fail` come from the night's thread,
    :meth:`body` from the server's. ``year`` None: no night on this server."""

    def __init__(self, year: int | None = None, *, source: str = "", total: int | None = None):
        self._lock = threading.Lock()
        self.year, self.source = year, source
        self.status = "none" if year is None else "running"
        self.message = (
            "No election night is running on this server. Start one with "
            "`hemicycle live 2024 --replay --speed 60 --serve` to watch a night played back."
            if year is None
            else f"Waiting for the first poll of {source}."
        )
        self.total = total
        self.frame: Frame | None = None
        self.history: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.failures: deque[str] = deque(maxlen=FAILURES_KEPT)
        self.version = 0
        self._body = b""
        self._zipped: bytes | None = None
        self._render()

    def publish(self, frame: Frame) -> None:
        """Take the night's latest frame (a frame that changed nothing only moves the clock)."""
        with self._lock:
            self.failures.extend(frame.failures)
            self.calls += [
                {
                    "constituency": c.constituency,
                    "candidate": c.candidate,
                    "bloc": c.bloc,
                    "probability": round(c.probability, 4),
                    "at": c.at,
                }
                for c in frame.calls
            ]
            if frame.updated or self.frame is None:
                self.history.append(
                    {
                        "poll": frame.poll,
                        "at": frame.at,
                        "declared": frame.declared,
                        "seats": {b: _seats(s, full=False) for b, s in frame.seats.items()},
                    }
                )
                self.frame = frame
            else:
                self.frame = _moved(self.frame, frame)
            self.total = frame.total
            self.status = "running"
            self.message = f"{frame.headline()} at {frame.at}."
            self._render()

    def finish(self, message: str | None = None, *, stopped: bool = False) -> None:
        """The night is over (every count declared, the replay played, or ``stopped``)."""
        with self._lock:
            self.status = "stopped" if stopped else "finished"
            done = self.frame.headline() if self.frame is not None else "nothing declared"
            self.message = message or (
                f"The night was stopped: {done}." if stopped else f"The night is over: {done}."
            )
            self._render()

    def fail(self, message: str) -> None:
        """The night stopped on an error (``message``: one sentence, no traceback)."""
        with self._lock:
            self.status = "failed"
            self.message = message
            self._render()

    def body(self, *, gzipped: bool = False) -> tuple[int, bytes]:
        """(version, the JSON of ``GET /api/live``; ``gzipped``: compressed, once a version)."""
        with self._lock:
            if not gzipped:
                return self.version, self._body
            if self._zipped is None:
                self._zipped = gzip.compress(self._body, compresslevel=6, mtime=0)
            return self.version, self._zipped

    def _render(self) -> None:
        f = self.frame
        races = f.races if f is not None else ()
        won: dict[str, int] = {}
        for r in races:
            if r.state in ("declared", "elected", "unopposed"):
                won[r.bloc] = won.get(r.bloc, 0) + 1
        self.version += 1
        data = {
            "status": self.status,
            "message": self.message,
            "version": self.version,
            "year": self.year,
            "round": 2,
            "source": self.source,
            "poll": f.poll if f is not None else 0,
            "at": f.at if f is not None else None,
            "declared": f.declared if f is not None else 0,
            "total": self.total,
            "headline": f.headline() if f is not None else None,
            "seats": [
                {"bloc": b, **_seats(s, full=True)} for b, s in (f.seats if f else {}).items()
            ],
            "won": won,
            "history": self.history,
            "calls": self.calls,
            "races": [
                {
                    "constituency": r.constituency,
                    "state": r.state,
                    "panel": r.panel,
                    "candidate": r.candidate,
                    "bloc": r.bloc,
                    "probability": round(r.probability, 4),
                }
                for r in races
            ],
            "failures": list(self.failures),
        }
        self._body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        self._zipped = None


def _moved(last: Frame, frame: Frame) -> Frame:
    """``last`` at ``frame``'s poll and time (a poll that declared nothing new)."""
    return replace(last, poll=frame.poll, at=frame.at)


def follow(board: NightBoard, frames: Iterable[Frame]) -> None:
    """Hand every frame of a night to ``board`` (the night's thread); the night's end, or its
    error — logged with its traceback, shown as one sentence — is the board's last word."""
    try:
        for frame in frames:
            board.publish(frame)
    except Exception as exc:  # noqa: BLE001 - the page shows a sentence, the log the details
        log.error("the election night stopped", exc_info=exc)
        board.fail(f"The night stopped on an error ({type(exc).__name__}): see the server log.")
        return
    board.finish()
