"""One reader per official layout. :func:`read_results` / :func:`read_candidacies` dispatch on the
registry's ``reader`` key; an unknown key is an :class:`~hemicycle.errors.UnsupportedElectionError`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hemicycle.data.readers import candidacies2024, cdsp, y2017, y2022, y2024
from hemicycle.data.readers.common import QuirkWarning, RoundTable
from hemicycle.data.registry import OfficialFile
from hemicycle.errors import UnsupportedElectionError

RESULT_READERS = {"2017": y2017.read, "2022": y2022.read, "2024": y2024.read}
#: Readers whose files carry no panel numbers: round 2 is linked to round 1 after both are read.
YEAR_READERS = {"cdsp": cdsp.read}
LINKERS = {"cdsp": cdsp.link}
CANDIDACY_READERS = {"2024-candidacies": candidacies2024.read}

__all__ = ["QuirkWarning", "RoundTable", "link_rounds", "publisher", "read_candidacies", "read_results"]


def read_results(entry: OfficialFile, path: Path) -> RoundTable:
    if entry.round not in (1, 2):
        raise UnsupportedElectionError(f"round {entry.round} does not exist (rounds are 1 and 2)")
    if entry.reader in YEAR_READERS:
        return YEAR_READERS[entry.reader](path, entry.round, year=entry.year)
    try:
        reader = RESULT_READERS[entry.reader]
    except KeyError:
        known = sorted(RESULT_READERS) + sorted(YEAR_READERS)
        raise UnsupportedElectionError(f"no results reader {entry.reader!r}; known: {known}") from None
    return reader(path, entry.round)


def publisher(year: int) -> str:
    """Whose files a year is read from, in words (for titles)."""
    from hemicycle.data.registry import files_for

    readers = {f.reader for f in files_for(year, 1, "results")}
    return "the CDSP's tables (Sciences Po)" if readers & set(LINKERS) else "the Ministry of the Interior's files"


def link_rounds(entry: OfficialFile, round1: RoundTable, round2: RoundTable) -> RoundTable:
    """Round 2 with its panels taken from round 1 (readers whose files have no panel numbers);
    other readers' round 2 is returned as read."""
    linker = LINKERS.get(entry.reader)
    return round2 if linker is None else linker(round1, round2)


def read_candidacies(entry: OfficialFile, path: Path) -> pd.DataFrame:
    try:
        reader = CANDIDACY_READERS[entry.reader]
    except KeyError:
        raise UnsupportedElectionError(
            f"no candidacy reader {entry.reader!r}; known: {sorted(CANDIDACY_READERS)}") from None
    return reader(path, entry.round)
