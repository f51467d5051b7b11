"""Small CSV files of two named columns (an alliance ``key,group``, an Assembly ``group,seats``,
a round-2 lineup ``constituency,panel``): read, size and text checked (a binary or huge file is
refused before parsing), header checked, blank rows skipped; errors name the file and the line."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

from hemicycle.errors import DataFileError

#: The largest file read: these files are a few kB (a lineup of 577 constituencies about 20 kB).
LIMIT = 1 << 20

#: Byte-order marks, longest first (UTF-32 LE starts with UTF-16 LE's), and their encodings.
BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF8, "UTF-8"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def strip_bom(raw: bytes, *, file: str, expected: str) -> bytes:
    """``raw`` without its UTF-8 byte-order mark; a UTF-16 or UTF-32 one is refused, naming the
    encoding (``expected`` says what the file should be, e.g. ``"a claims file is UTF-8 text"``)."""
    for bom, name in BOMS:
        if raw.startswith(bom):
            if name != "UTF-8":
                raise DataFileError(
                    f"wrong text encoding: the file starts with a {name} byte-order mark; "
                    f"{expected} (re-save it as such)",
                    file=file,
                    line=1,
                )
            return raw[len(bom) :]
    return raw


def read_small_text(path: str | Path, *, what: str, kind: str, not_utf8: str) -> str:
    """The UTF-8 text (a byte-order mark dropped) of a small file the user names, read no further
    than :data:`LIMIT` bytes: a huge file (``/dev/zero``) or a binary one is refused before any
    parsing. ``what`` names the file in the errors, ``kind`` what a huge file cannot be,
    ``not_utf8`` the message for bytes that are not UTF-8 (with the line they are on)."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            raw = fh.read(LIMIT + 1)
    except OSError as exc:
        raise DataFileError(f"cannot read {what}: {exc.strerror or exc}", file=str(p)) from None
    if len(raw) > LIMIT:
        raise DataFileError(f"{what} is larger than {LIMIT:,} bytes: not a {kind}", file=str(p))
    raw = strip_bom(raw, file=str(p), expected=f"a {kind} is UTF-8 text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(not_utf8, file=str(p), line=line) from None


def read_two_columns(
    path: str | Path, header: tuple[str, str], *, what: str, bad_row: str | None = None
) -> list[tuple[int, str, str]]:
    """Rows ``(line, first, second)`` (fields stripped) of the CSV at ``path``, whose header must
    be exactly ``header``; blank rows are skipped. ``what`` names the file in the error raised
    when it cannot be read, ``bad_row`` is the message for a row without exactly two fields. A
    file with no row below its header is refused.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    ...     _ = f.write("key,group\\nUG, left\\n\\nRN,far_right,x\\n")
    >>> try:
    ...     read_two_columns(f.name, ("key", "group"), what="alliance file")
    ... except DataFileError as exc:
    ...     print(exc.line, exc)  # doctest: +ELLIPSIS
    4 ...expected 2 fields (key,group), got 3...
    >>> os.unlink(f.name)
    """
    p = Path(path)
    names = ",".join(header)
    text = read_small_text(
        p, what=what, kind="two-column CSV", not_utf8="not UTF-8 text (a binary file?)"
    )
    if "\0" in text:
        raise DataFileError(
            f"contains NUL bytes: a binary file, not a {what}",
            file=str(p),
            line=text[: text.index("\0")].count("\n") + 1,
        )
    rows = csv.reader(text.splitlines())
    out = []
    try:
        first = next(rows, None)
        if first is None or tuple(h.strip() for h in first) != header:
            raise DataFileError(f"header must be exactly {names!r}", file=str(p), line=1)
        for n, row in enumerate(rows, start=2):
            if not any(x.strip() for x in row):
                continue
            if len(row) != 2:
                msg = bad_row or f"expected 2 fields ({names}), got {len(row)}"
                raise DataFileError(msg, file=str(p), line=n)
            out.append((n, row[0].strip(), row[1].strip()))
    except csv.Error as exc:  # a field over the csv module's limit (128 KiB), a stray quote …
        raise DataFileError(
            f"not a readable CSV ({exc})", file=str(p), line=rows.line_num or 1
        ) from None
    if not out:
        raise DataFileError(f"no rows below the header {names!r}: an empty {what}", file=str(p))
    return out
