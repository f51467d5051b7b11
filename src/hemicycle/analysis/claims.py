"""Claims about an election, written in TOML by people who do not write Python, checked on the data.

A claims file (see ``examples/claims-2024.toml``)::

    year = 2024                      # default year of every claim

    [groupings.press]                # a named alliance: nuance or bloc -> group
    far_right = "RN and allies"
    UG = "NFP"

    [[claim]]
    id = "rn-first-in-votes"
    text = "The RN led round 1 in votes"
    measure = "votes"                # votes | led | seats
    unit = "nuance"                  # nuance | bloc | a grouping of this file
    group = "RN"                     # a group, several joined by "+", or "any"
    test = "first"                   # first | rank N | majority | >= N | > N | <= N | < N | == N
    expect = true

Measures (all on the official figures):

* ``votes`` — round-1 votes, nationally; the total is every candidate's votes;
* ``led`` — constituencies where the group's candidate came first in round 1; total 577;
* ``seats`` — seats under ``system`` (default ``actual``; any name of ``hemicycle compare``,
  with options, e.g. ``dhondt:threshold=0.03``); the total is the house size.

Tests: ``first`` — strictly more than every other group of the unit (a sum such as
``RN+UXD+EXD`` is compared with each group outside it); ``rank N`` — N-th largest (ties share a
rank); ``majority`` — at least half the total plus one (289 of 577 seats); comparisons with a
number. ``group = "any"`` holds if some single group of the unit passes the test: "no bloc has an
absolute majority" is ``group = "any"``, ``test = "majority"``, ``expect = false``.

A claim holds when the test's truth equals ``expect`` (default ``true``). Syntax errors and
references to unknown measures, units, groups or systems are :class:`DataFileError`\\ s that name
the file and the line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hemicycle.data.blocs import unknown_alliance_key
from hemicycle.data.files import YEARS
from hemicycle.data.two_columns import read_small_text
from hemicycle.errors import DataFileError, HemicycleError
from hemicycle.systems import registry

MEASURES = ("votes", "led", "seats")
KEYS = ("id", "text", "year", "measure", "unit", "group", "test", "expect", "system")
_TEST = re.compile(r"^\s*(first|majority|rank\s+(\d+)|(>=|<=|==|>|<)\s*(\d+))\s*$")


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    year: int
    measure: str
    unit: str
    group: str
    test: str
    expect: bool  # what the sentence says of the test (true when the file omits it)
    system: str
    line: int  # line of the claim's [[claim]] header


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    value: bool  # the test's truth on the data
    detail: str  # the numbers behind it
    notes: tuple[str, ...] = ()  # how the numbers were obtained, when not plainly official

    @property
    def holds(self) -> bool:
        return self.value == self.claim.expect


@dataclass(frozen=True)
class ClaimsFile:
    path: str
    claims: tuple[Claim, ...]
    groupings: Mapping[str, Mapping[str, str]]
    lines: tuple[str, ...]

    def line_of(self, claim: Claim, key: str) -> int:
        """The line where ``key`` is set in ``claim``'s table (its header line if not found)."""
        starts = sorted(c.line for c in self.claims)
        end = next((s for s in starts if s > claim.line), len(self.lines) + 1)
        pat = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for n in range(claim.line, end):
            if pat.match(self.lines[n - 1]):
                return n
        return claim.line

    def error(self, claim: Claim, key: str, message: str) -> DataFileError:
        return DataFileError(
            f"claim {claim.id!r}: {message}",
            file=self.path,
            line=self.line_of(claim, key),
            column=key,
        )


def parse(text: str, path: str = "<claims>") -> ClaimsFile:
    """Parse a claims file; syntax and shape errors name the file and line."""
    text = text.removeprefix("\ufeff")
    doc = _load_toml(text, path)
    lines = tuple(text.splitlines())
    headers = [n for n, ln in enumerate(lines, start=1) if re.match(r"^\s*\[\[\s*claim\s*\]\]", ln)]
    raw = doc.get("claim", [])
    if not isinstance(raw, list) or not raw:
        raise DataFileError("no [[claim]] table", file=path)
    groupings = _groupings(doc, lines, path)
    unknown_top = sorted(set(doc) - {"year", "groupings", "claim"})
    if unknown_top:
        raise DataFileError(
            f"unknown top-level key {unknown_top[0]!r}; allowed: year, groupings, [[claim]]",
            file=path,
            line=_find(lines, unknown_top[0]),
            column=unknown_top[0],
        )
    default_year = doc.get("year")
    claims: list[Claim] = []
    for i, (c, line) in enumerate(zip(raw, headers, strict=False)):
        claims.append(_claim(c, i + 1, line, default_year, claims, lines, path))
    return ClaimsFile(path=path, claims=tuple(claims), groupings=groupings, lines=lines)


def _load_toml(text: str, path: str) -> dict[str, Any]:
    """The TOML document; its syntax errors as :class:`DataFileError` with the line."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise DataFileError(
            "TOML nested too deeply (arrays or tables within each other)", file=path
        ) from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise DataFileError(
            f"TOML syntax error: {exc}", file=path, line=int(m.group(1)) if m else None
        ) from None


def _groupings(doc: dict[str, Any], lines: tuple[str, ...], path: str) -> Any:
    """The ``[groupings.NAME]`` tables, checked: nuances or blocs to group names."""
    groupings = doc.get("groupings", {})
    if not isinstance(groupings, dict) or not all(
        isinstance(g, dict) and all(isinstance(v, str) for v in g.values())
        for g in groupings.values()
    ):
        raise DataFileError(
            "[groupings.NAME] tables must map nuances or blocs to group names",
            file=path,
            line=_find(lines, "groupings"),
        )
    for gname, g in groupings.items():
        for key in g:
            why = unknown_alliance_key(key)
            if why is not None:
                raise DataFileError(
                    f"grouping {gname!r}: {why}",
                    file=path,
                    line=_find(lines, key, _find(lines, f"groupings.{gname}") or 1),
                    column=key,
                )
    return groupings


def _claim(
    c: object,
    n: int,
    line: int,
    default_year: object,
    earlier: list[Claim],
    lines: tuple[str, ...],
    path: str,
) -> Claim:
    """Claim number ``n`` (its ``[[claim]]`` header on ``line``), checked: known keys, the ones it
    needs, its year, an id unused by the ``earlier`` claims, a boolean ``expect``."""
    if not isinstance(c, dict):
        raise DataFileError(f"claim {n} is not a table", file=path, line=line)
    unknown = sorted(set(c) - set(KEYS))
    if unknown:
        raise DataFileError(
            f"unknown key {unknown[0]!r} in claim {n}; allowed: {', '.join(KEYS)}",
            file=path,
            line=_find(lines, unknown[0], line),
            column=unknown[0],
        )
    missing = [k for k in ("measure", "group", "test") if k not in c]
    year = c.get("year", default_year)
    if year is None:
        missing.insert(0, "year")
    if missing:
        raise DataFileError(f"claim {n} lacks {', '.join(missing)}", file=path, line=line)
    _check_year(year, n, line, "year" in c, lines, path)
    cid = str(c.get("id", f"claim-{n}"))
    if any(prev.id == cid for prev in earlier):
        raise DataFileError(
            f"claim {n}: id {cid!r} is already used by an earlier claim; ids are unique",
            file=path,
            line=_find(lines, "id", line) or line,
            column="id",
        )
    expect = c.get("expect", True)
    if not isinstance(expect, bool):
        raise DataFileError(
            "expect must be true or false",
            file=path,
            line=_find(lines, "expect", line),
            column="expect",
        )
    return Claim(
        id=cid,
        text=str(c.get("text", "")),
        year=int(year),
        measure=str(c["measure"]),
        unit=str(c.get("unit", "nuance")),
        group=str(c["group"]),
        test=str(c["test"]),
        expect=expect,
        system=str(c.get("system", "actual")),
        line=line,
    )


def _check_year(
    year: object, n: int, line: int, own: bool, lines: tuple[str, ...], path: str
) -> None:
    """Claim ``n``'s year (its ``own``, or the file's) must be an election hemicycle reads."""
    if isinstance(year, bool) or not isinstance(year, int | str) or not str(year).strip().isdigit():
        raise DataFileError(
            f"claim {n}: year must be an integer; got {year!r}",
            file=path,
            line=_find(lines, "year", line) or line,
            column="year",
        )
    if int(year) not in YEARS:
        raise DataFileError(
            f"claim {n}: no legislative elections in {int(year)} that hemicycle reads "
            f"({', '.join(map(str, YEARS))})",
            file=path,
            line=_find(lines, "year", line) if own else _find(lines, "year"),
            column="year",
        )


def _find(lines: tuple[str, ...], key: str, start: int = 1) -> int | None:
    pat = re.compile(rf"^\s*\[?\s*{re.escape(key)}\b")
    for n in range(start, len(lines) + 1):
        if pat.match(lines[n - 1]):
            return n
    return None


def read(path: str | Path) -> ClaimsFile:
    """Read a claims file (UTF-8, with or without a byte-order mark; at most
    :data:`~hemicycle.data.two_columns.LIMIT` bytes: anything larger, ``/dev/zero``, is refused
    before parsing)."""
    p = Path(path)
    text = read_small_text(
        p, what="claims file", kind="claims file", not_utf8="not UTF-8 text (TOML files are UTF-8)"
    )
    return parse(text, str(p))


#: ``values(claim) -> ({group: number}, the total the majority test is taken of, notes)``; the notes
#: say how the numbers were obtained when they are not plainly official (e.g. projected runoffs)
Values = Callable[[Claim], tuple[dict[str, int], int, tuple[str, ...]]]


def _rank(values: dict[str, int], v: int) -> int:
    return 1 + sum(1 for x in values.values() if x > v)


def _check(test: str, members: list[str], values: dict[str, int], total: int) -> tuple[bool, str]:
    m = _TEST.match(test)
    assert m is not None
    v = sum(values.get(g, 0) for g in members)
    name = "+".join(members)
    others = {g: x for g, x in values.items() if g not in members}
    kind = m.group(1)
    if kind == "first":
        best = max(others.items(), key=lambda kv: kv[1], default=("nobody", 0))
        return v > best[1], f"{name} {v:,} vs next {best[0]} {best[1]:,}"
    if kind == "majority":
        need = total // 2 + 1
        return v >= need, f"{name} {v:,} of {total:,} (majority: {need:,})"
    if kind.startswith("rank"):
        want = int(m.group(2))
        r = _rank({**others, name: v}, v)
        return r == want, f"{name} {v:,} is number {r}"
    op, n = m.group(3), int(m.group(4))
    ok = {">=": v >= n, "<=": v <= n, "==": v == n, ">": v > n, "<": v < n}[op]
    return ok, f"{name} {v:,} {op} {n:,}"


def evaluate(cf: ClaimsFile, values: Values) -> list[Verdict]:
    """Check every claim; ``values`` gives each claim's numbers (see
    :meth:`hemicycle.session.Session.claims`).

    Reference errors from ``values`` (unknown unit, system, …) are re-raised pointing at the line.
    """
    out = []
    for c in cf.claims:
        if c.measure not in MEASURES:
            raise cf.error(
                c, "measure", f"unknown measure {c.measure!r}; allowed: {', '.join(MEASURES)}"
            )
        if not _TEST.match(c.test):
            raise cf.error(
                c,
                "test",
                f"unknown test {c.test!r}; allowed: first, rank N, majority, "
                f">= N, > N, <= N, < N, == N",
            )
        try:
            vals, total, notes = values(c)
        except DataFileError:
            raise
        except HemicycleError as exc:
            key = "system" if "system" in str(exc) else "unit" if "unit" in str(exc) else "year"
            raise cf.error(c, key, str(exc)) from None
        if c.group == "any":
            results = [(g, *_check(c.test, [g], vals, total)) for g in vals]
            hits = [r for r in results if r[1]]
            shown = hits[0] if hits else max(results, key=lambda r: vals[r[0]])
            out.append(Verdict(c, bool(hits), f"any group: {shown[2]}", notes))
            continue
        members = [g.strip() for g in c.group.split("+")]
        missing = [g for g in members if g not in vals]
        if missing:
            known = ", ".join(sorted(vals))
            raise cf.error(
                c,
                "group",
                f"unknown group {missing[0]!r} for unit {c.unit!r} in {c.year}; known: {known}",
            )
        ok, detail = _check(c.test, members, vals, total)
        out.append(Verdict(c, ok, detail, notes))
    return out


def unit_spec(cf: ClaimsFile, claim: Claim) -> Any:
    """The unit a claim names: ``nuance``, ``bloc`` or one of the file's groupings."""
    if claim.unit in cf.groupings:
        return dict(cf.groupings[claim.unit])
    if claim.unit in ("nuance", "bloc"):
        return claim.unit
    raise cf.error(
        claim,
        "unit",
        f"unknown unit {claim.unit!r}; allowed: nuance, bloc"
        + "".join(f", {g}" for g in cf.groupings),
    )


def needs_projection(claim: Claim) -> bool:
    """Whether checking ``claim`` may simulate runoffs (a two-round variant or the projection)."""
    try:
        return registry.parse_spec(claim.system)[0].needs_round2
    except HemicycleError:
        return False
