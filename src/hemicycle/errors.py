"""One exception family for the whole package.

The CLI turns any :class:`HemicycleError` into a readable message and exit code 1.
"""

from __future__ import annotations

import unicodedata


def visible(text: str) -> str:
    """``text`` with its control characters written as escapes (``\\x87``), so that a message
    quoting a source never sends one to a terminal: names the source double-encoded carry C1
    controls (2002's ``FRANÃ\\x87OIS``, the UTF-8 of ``Ç`` read as Latin-1, then encoded again).

    >>> visible("FRAN\\xc3\\x87OIS"), visible("tab\\tand newline\\n kept")
    ('FRANÃ\\\\x87OIS', 'tab\\tand newline\\n kept')
    """
    return "".join(
        f"\\x{ord(ch):02x}" if ch not in "\t\n" and unicodedata.category(ch) == "Cc" else ch
        for ch in text
    )


class HemicycleError(Exception):
    """Base class of every error hemicycle raises on purpose."""


class DataFileError(HemicycleError):
    """A data file is missing, unreadable or malformed.

    The message names the file and, where known, the line (or constituency) and the column.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        constituency: str | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.constituency = constituency
        self.column = column
        where = []
        if file is not None:
            where.append(f"file {file}")
        if line is not None:
            where.append(f"line {line}")
        if constituency is not None:
            where.append(f"constituency {constituency}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = ", ".join(where)
        message = " ".join(visible(message).split())  # one line, whatever a library's error said
        super().__init__(f"{prefix}: {message}" if prefix else message)


class DataNotAvailableError(HemicycleError):
    """An official file is neither in the local mirror nor downloadable."""


class UnsupportedElectionError(HemicycleError):
    """A year or round for which hemicycle has no reader."""


class RulesInputError(HemicycleError, ValueError):
    """Arrays given to the rules engine have inconsistent shapes or values."""


class OptionError(HemicycleError, ValueError):
    """An unknown or invalid option (the message lists the allowed values)."""


class YearNotAvailableError(UnsupportedElectionError, OptionError):
    """A year that hemicycle has no reader for, or that the store does not hold (web: 404).

    The message lists the years that are available."""


class MissingRoundError(DataNotAvailableError, OptionError):
    """The year is there but the round a command needs is not (e.g. no round 2 yet; web: 409)."""
