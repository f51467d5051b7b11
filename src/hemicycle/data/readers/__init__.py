"""One reader module per official layout, **discovered**: every module of this package but the
shared helpers (:data:`HELPERS`) ends with a ``READER``
(:class:`~hemicycle.data.official.Reader`) that declares its files and how to read them.
Nothing is matched on hand-written keys: a file is read by the module that declares it. A
module that forgets its ``READER`` is listed in :data:`UNREGISTERED` (a test requires it to be
empty), never silently skipped."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pandas as pd

from hemicycle.data.official import OfficialFile, Reader
from hemicycle.data.readers.common import QuirkWarning, RoundTable
from hemicycle.errors import UnsupportedElectionError

__all__ = [
    "HELPERS",
    "READERS",
    "UNREGISTERED",
    "QuirkWarning",
    "RoundTable",
    "discover",
    "link_rounds",
    "credit",
    "publisher",
    "read_candidacies",
    "read_results",
    "reader_of",
]

#: modules of this package that are shared code, not readers
HELPERS = frozenset({"common"})


def discover(
    path: list[str], package: str, helpers: frozenset[str] = HELPERS
) -> tuple[tuple[Reader, ...], tuple[str, ...]]:
    """The ``READER`` of every module of ``package`` (at ``path``) but ``helpers``, and the names of
    the modules that have none."""
    found: list[Reader] = []
    missing: list[str] = []
    for info in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        if info.name in helpers:
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        reader = getattr(module, "READER", None)
        if isinstance(reader, Reader):
            found.append(reader)
        else:
            missing.append(info.name)
    return tuple(found), tuple(missing)


READERS, UNREGISTERED = discover(list(__path__), __name__)
_BY_FILE = {(f.year, f.role, f.name): r for r in READERS for f in r.files}


def reader_of(entry: OfficialFile) -> Reader:
    """The reader module that declares ``entry``."""
    try:
        return _BY_FILE[(entry.year, entry.role, entry.name)]
    except KeyError:
        raise UnsupportedElectionError(
            f"no reader declares {entry.year}/{entry.name} ({entry.role})"
        ) from None


def read_results(entry: OfficialFile, path: Path) -> RoundTable:
    if entry.round not in (1, 2):
        raise UnsupportedElectionError(f"round {entry.round} does not exist (rounds are 1 and 2)")
    reader = reader_of(entry)
    if entry.role != "results" or reader.read is None:
        raise UnsupportedElectionError(f"{entry.name} is not a results file")
    table = reader.read(entry, path)
    assert isinstance(table, RoundTable)
    return table


def read_candidacies(entry: OfficialFile, path: Path) -> pd.DataFrame:
    reader = reader_of(entry)
    if entry.role != "candidacies" or reader.read is None:
        raise UnsupportedElectionError(f"{entry.name} is not a candidate list")
    table = reader.read(entry, path)
    assert isinstance(table, pd.DataFrame)
    return table


def link_rounds(entry: OfficialFile, round1: RoundTable, round2: RoundTable) -> RoundTable:
    """Round 2 (read from ``entry``) with its panels taken from round 1, for layouts that have no
    panel numbers; other readers' round 2 is returned as read."""
    link = reader_of(entry).link
    return round2 if link is None else link(round1, round2)


def _reader_of_year(year: int) -> Reader | None:
    return next((r for r in READERS if year in r.boundary_maps), None)


def publisher(year: int) -> str:
    """Whose files a year's results are read from, in words (for titles)."""
    r = _reader_of_year(year)
    return r.publisher if r is not None else "the official files"


def credit(year: int) -> str:
    """Whose data a year's results are, and under which licence (for a report's footer)."""
    r = _reader_of_year(year)
    return r.credit if r is not None else "the official files"
