"""Nuance → political bloc, per year: hemicycle's own classification (``blocs.csv`` beside this
file).

The Ministry labels every candidate with a *nuance* whose list changes at each election. To compare
elections we map each (year, nuance) to one of seven harmonised blocs, in left-to-right order:

``far_left, left, centre, right, far_right, regionalist, other``

The mapping is versioned (:data:`VERSION`); any change to ``blocs.csv`` bumps it. Cached fits are
keyed by :func:`signature`, the nuance → bloc decisions alone: a label edit keeps them. Judgement
calls are documented in the README (e.g. UDI is ``right`` in 2017 and 2022, when it stood with LR,
and ``centre`` in 2024; DLF and DSV are ``far_right``; for the CDSP's codes of 1997–2012, the UDF is
``right`` in 1997 and 2002, as the RPR's and then the UMP's ally, the MoDem ``centre`` from 2007,
the Nouveau Centre — ``PSLE`` in 2007, ``NouvC`` in 2012 — and the Parti radical ``PRV`` ``right``,
the Front de gauche ``left`` like La France insoumise in 2017; for 1958–1993 the README's calls: the
MRP, the Centre démocrate, PDM and the réformateurs ``centre``, the centrists inside the majority —
``MRPVREP`` 1962, the CDP 1973, the UDF from 1978 — ``right``, 1988's "majorité présidentielle"
labels ``left``, the ecologists ``other`` until 1993). An unknown nuance warns and maps to
``other``.

The finalists of every presidential election read by legislative constituency have a bloc too
(``finalists.csv``, :func:`finalist_bloc`), by the same calls (Poher ``centre`` like the Centre
démocrate, Giscard d'Estaing ``right`` like the UDF, Macron ``centre`` like REM and ENS): the
projection's fundamentals (:mod:`hemicycle.sim.fundamentals`) map each runoff's candidates onto the
finalists by these blocs.
"""

from __future__ import annotations

import csv
import hashlib
import unicodedata
import warnings
from functools import cache
from importlib.resources import files
from typing import Literal, cast, get_args

VERSION = "2024.5"
#: The seven blocs, left to right: the one spelling of the type (the web schema uses it too).
Bloc = Literal["far_left", "left", "centre", "right", "far_right", "regionalist", "other"]
BLOCS: tuple[Bloc, ...] = get_args(Bloc)


class UnknownNuanceWarning(UserWarning):
    """A nuance absent from the classification; it is counted as ``other``."""


def _rows(name: str, key: str) -> list[tuple[dict[str, str], Bloc]]:
    """The rows of the package's classification file ``name``, each with its checked bloc (an
    unknown one names the file, the year and the row's ``key`` column)."""
    text = files("hemicycle.data").joinpath(name).read_text(encoding="utf-8")
    out = []
    for row in csv.DictReader(text.splitlines()):
        if row["bloc"] not in BLOCS:
            raise ValueError(f"{name}: unknown bloc {row['bloc']!r} for {row['year']} {row[key]}")
        out.append((row, cast(Bloc, row["bloc"])))
    return out


@cache
def table() -> dict[tuple[int, str], tuple[str, Bloc]]:
    """``{(year, nuance): (label, bloc)}`` as shipped with the package."""
    return {
        (int(row["year"]), row["nuance"]): (row["label"], bloc)
        for row, bloc in _rows("blocs.csv", "nuance")
    }


@cache
def signature() -> str:
    """A hash of what the classification decides, every (year, nuance) → bloc, labels left out:
    what a fit depends on (cached fits are keyed by it, so a label edit keeps them)."""
    rows = sorted(f"{y}|{n}|{b}" for (y, n), (_, b) in table().items())
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]


@cache
def alliance_keys() -> frozenset[str]:
    """What an alliance (a grouping of nuances or blocs) may map: a bloc, or a nuance of some year
    in ``blocs.csv``; anything else is a typo."""
    return frozenset(BLOCS) | {nuance for _, nuance in table()}


def unknown_alliance_key(key: str) -> str | None:
    """Why ``key`` cannot be an alliance's key, in one sentence (``None`` when it can): the one
    check of alliance files and of claims files' groupings.

    >>> unknown_alliance_key("UG") is None, unknown_alliance_key("UGG")[:19]
    (True, "unknown key 'UGG': ")
    """
    if key in alliance_keys():
        return None
    return (
        f"unknown key {key!r}: neither a bloc ({', '.join(BLOCS)}) nor a nuance of any year in "
        "blocs.csv"
    )


def bloc_of(year: int, nuance: str, *, warn: bool = True) -> Bloc:
    """The bloc of a nuance in a given year.

    >>> bloc_of(2024, "UG"), bloc_of(2017, "FN"), bloc_of(2022, "ENS")
    ('left', 'far_right', 'centre')
    """
    hit = table().get((year, nuance))
    if hit is None:
        if warn:
            warnings.warn(
                f"nuance {nuance!r} of {year} is not classified; counted as 'other'",
                UnknownNuanceWarning,
                stacklevel=2,
            )
        return "other"
    return hit[1]


def blocs_of(year: int, nuances: list[str] | tuple[str, ...]) -> list[str]:
    """Vector form of :func:`bloc_of`, warning once per unknown nuance."""
    unknown = sorted({n for n in nuances if n and (year, n) not in table()})
    for n in unknown:
        warnings.warn(
            f"nuance {n!r} of {year} is not classified; counted as 'other'",
            UnknownNuanceWarning,
            stacklevel=2,
        )
    return [table().get((year, n), ("", "other"))[1] if n else "" for n in nuances]


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.upper())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


@cache
def finalists() -> dict[tuple[int, str], Bloc]:
    """``{(year, SURNAME): bloc}`` of the presidential finalists, as shipped (``finalists.csv``)."""
    return {
        (int(row["year"]), _plain(row["surname"])): bloc
        for row, bloc in _rows("finalists.csv", "surname")
    }


def finalist_bloc(year: int, name: str) -> Bloc | None:
    """The bloc of the presidential finalist of ``year`` whose surname ``name`` holds, as the
    source writes it (``"LE PEN"``, ``"François HOLLANDE"``); None for an unknown name.

    >>> finalist_bloc(2012, "François HOLLANDE"), finalist_bloc(2022, "Le Pen")
    ('left', 'far_right')
    """
    words = f" {_plain(name)} "
    for (y, surname), bloc in finalists().items():
        if y == year and f" {surname} " in words:
            return bloc
    return None
