"""One reader per official layout. :func:`read_results` / :func:`read_candidacies` dispatch on the
registry's ``reader`` key; an unknown key is an :class:`~hemicycle.errors.UnsupportedElectionError`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hemicycle.data.readers import candidacies2024, y2017, y2022, y2024
from hemicycle.data.readers.common import QuirkWarning, RoundTable
from hemicycle.data.registry import OfficialFile
from hemicycle.errors import UnsupportedElectionError

RESULT_READERS = {"2017": y2017.read, "2022": y2022.read, "2024": y2024.read}
CANDIDACY_READERS = {"2024-candidacies": candidacies2024.read}

__all__ = ["QuirkWarning", "RoundTable", "read_candidacies", "read_results"]


def read_results(entry: OfficialFile, path: Path) -> RoundTable:
    try:
        reader = RESULT_READERS[entry.reader]
    except KeyError:
        raise UnsupportedElectionError(
            f"no results reader {entry.reader!r}; known: {sorted(RESULT_READERS)}") from None
    if entry.round not in (1, 2):
        raise UnsupportedElectionError(f"round {entry.round} does not exist (rounds are 1 and 2)")
    return reader(path, entry.round)


def read_candidacies(entry: OfficialFile, path: Path) -> pd.DataFrame:
    try:
        reader = CANDIDACY_READERS[entry.reader]
    except KeyError:
        raise UnsupportedElectionError(
            f"no candidacy reader {entry.reader!r}; known: {sorted(CANDIDACY_READERS)}") from None
    return reader(path, entry.round)
