"""The files hemicycle writes for its user (CSV tables, SVG and PNG charts, the HTML report), all
through one writer.

* :func:`write_atomic` writes a private temporary file in the target's folder, flushes it to disk
  (``fsync``) and renames it over the target: a reader, a crash or a full disk never sees a torn
  file; on failure the previous file is left as it was and nothing else is left behind.
* :func:`csv_bytes` and :func:`csv_rows` neutralise spreadsheet formulas (OWASP's *CSV injection*):
  a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
  ``'``, so that a candidate named ``=HYPERLINK(…)`` is shown as text, never run, by a spreadsheet.
  Numbers stay numbers (``-5``, ``-0.25`` and ``+1e3`` as text too).

>>> safe_cell("=HYPERLINK(\\"http://x\\")"), safe_cell("-0.5"), safe_cell(-3), safe_cell("Dupont")
('\\'=HYPERLINK("http://x")', '-0.5', -3, 'Dupont')
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import stat
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

#: What a spreadsheet reads as the start of a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_formula(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet would run as a formula (a number is not)."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and _NUMBER.fullmatch(value) is None
    )


def safe_cell(value: object) -> object:
    """``value`` with a leading ``'`` if a spreadsheet would run it as a formula."""
    return "'" + value if is_formula(value) else value  # type: ignore[operator]


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with :func:`safe_cell` applied to its text cells (a copy only where one changes)."""
    out = df
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            continue
        mask = s.map(is_formula).astype(bool)
        if mask.any():
            if out is df:
                out = df.copy()
            out[col] = s.astype(object).where(~mask, "'" + s.astype(str))
    return out


def csv_bytes(df: pd.DataFrame, *, float_format: str | None = None) -> bytes:
    """``df`` as UTF-8 CSV (no index, LF), formulas neutralised."""
    text = neutralise(df).to_csv(index=False, float_format=float_format, lineterminator="\n")
    return text.encode("utf-8")


def csv_rows(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Rows under a header as UTF-8 CSV (LF), formulas neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows([safe_cell(v) for v in r] for r in rows)
    return buf.getvalue().encode("utf-8")


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` (``str``: UTF-8) to ``path`` atomically: a temporary file in the same folder,
    on disk (``fsync``), then renamed over ``path``. On any failure (a full disk, an interrupt)
    the temporary file is removed and ``path`` keeps its previous content; the ``OSError`` names
    ``path``. A symbolic link is followed (the file it names is replaced); a target that is not a
    regular file (``/dev/stdout``, a pipe) is written in place."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    target = Path(os.path.realpath(path))
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        try:
            with open(target, "wb") as fh:
                fh.write(raw)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        return path
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
    with contextlib.suppress(OSError):  # the rename itself on disk
        dfd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    return path


__all__ = [
    "FORMULA_START",
    "csv_bytes",
    "csv_rows",
    "is_formula",
    "neutralise",
    "safe_cell",
    "write_atomic",
]
