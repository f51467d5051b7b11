"""Shared parsing for the Ministry's "wide" layouts: fixed columns, then one block per candidate.

Each year's module only says which file holds which layout; this module turns rows of cells into two
tidy tables and names the file, line and column of anything it cannot read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hemicycle.data.two_columns import strip_bom
from hemicycle.errors import DataFileError, visible

TOTAL_FIELDS = ("registered", "abstentions", "voters", "blank", "null", "expressed")
#: UTF-8 read as Latin-1 (or a replacement character): a garbled header, or a name the source
#: itself double-encoded
MOJIBAKE = re.compile("[\u0080-\u009f]|Ã.|Â.|\ufffd")

#: No count in a constituency comes near this (the largest electorate is about 270,000): a larger
#: value is a damaged cell, refused before any sum can overflow.
MAX_COUNT = 10**8


@dataclass(frozen=True)
class QuirkWarning:
    """A data quirk found while reading (kept, reported, not fatal). Its message shows the
    source's control characters as escapes (:func:`hemicycle.errors.visible`)."""

    file: str
    constituency: str
    kind: str
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", visible(self.message))


@dataclass
class RoundTable:
    """One round of one election, as read from an official file (before storage)."""

    year: int
    round: int
    file: str
    totals: pd.DataFrame
    candidates: pd.DataFrame
    quirks: list[QuirkWarning] = field(default_factory=list)
    #: the party-column layout (1958–1981): each party column's code, in order
    party_codes: tuple[str, ...] = ()
    #: the party-column layout's round 2: seats its ``élu premier tour`` flag says round 1 filled
    decided: frozenset[str] = frozenset()
    #: the party-column layout's round 2 has an ``élu premier tour`` column (all but 1981)
    has_flag: bool = False


@dataclass(frozen=True)
class WideSpec:
    """Where the fields are in a wide layout.

    ``fixed`` maps our field names to header texts; ``block`` maps our candidate fields to the
    header texts of the first candidate block (``{k}`` stands for the block number when headers are
    numbered). ``code`` turns the fixed cells (by our field names) into the canonical constituency
    code.
    """

    fixed: dict[str, str]
    block: dict[str, str]
    code: Callable[[dict[str, object]], str]
    block_width: int = 9


def norm_header(cell: object) -> str:
    return " ".join(str(cell).split())


def parse_int(
    cell: object, *, file: str, line: int, column: str, constituency: str | None = None
) -> int:
    """An integer cell: xlsx numbers (integral floats) or digit strings (with thousand spaces)."""

    def bad(message: str) -> DataFileError:
        return DataFileError(
            message, file=file, line=line, column=column, constituency=constituency
        )

    if isinstance(cell, bool) or (isinstance(cell, float) and not cell.is_integer()):
        raise bad(f"expected an integer, found {cell!r}")
    if isinstance(cell, int | float):
        value, shown = int(cell), repr(cell)
        if value < 0:
            raise bad(f"a count cannot be negative: {value}")
    else:
        text = str(cell).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        if not (text.isascii() and text.isdigit()):
            cut = str(cell) if len(str(cell)) <= 40 else str(cell)[:40] + "…"
            raise bad(f"expected a non-negative integer, found {cut!r}")
        value = int(text)
        shown = str(value)
    if value > MAX_COUNT:
        raise bad(f"{shown} is beyond any possible count (more than {MAX_COUNT:,})")
    return value


def cell_text(cell: object) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell).strip()


def normalise_sex(cell: object) -> str:
    text = cell_text(cell).upper()
    return {"MASCULIN": "M", "FEMININ": "F", "FÉMININ": "F", "M": "M", "F": "F"}.get(text, text)


def is_elected(cell: object) -> bool:
    return cell_text(cell).lower() in {"elu", "élu", "elue", "élue", "oui"}


def unique_code(
    make: Callable[[], str],
    seen: dict[str, int],
    *,
    file: str,
    line: int,
    column: str | None,
    errors: tuple[type[Exception], ...] = (ValueError,),
) -> str:
    """A data row's constituency code, made by ``make`` (its ``errors``: a named error at
    ``column``), refused when ``seen`` already has it (``seen``: the line of each code so far, to
    which this one is added)."""
    try:
        code = make()
    except errors as exc:
        raise DataFileError(str(exc), file=file, line=line, column=column) from None
    if code in seen:
        raise DataFileError(
            f"duplicate constituency (already on line {seen[code]})",
            file=file,
            line=line,
            constituency=code,
            column=column,
        )
    seen[code] = line
    return code


def _find_columns(
    header: Sequence[object], wanted: dict[str, str], *, file: str, line: int
) -> dict[str, int]:
    texts = [norm_header(c) for c in header]
    found: dict[str, int] = {}
    for key, name in wanted.items():
        try:
            found[key] = texts.index(name)
        except ValueError:
            joined = " ".join(texts)
            if MOJIBAKE.search(joined):
                raise DataFileError(
                    "header is garbled: wrong text encoding for this layout",
                    file=file,
                    line=line,
                    column=name,
                ) from None
            raise DataFileError("missing column", file=file, line=line, column=name) from None
    return found


def _wide_layout(
    header: Sequence[object], spec: WideSpec, *, file: str, line: int
) -> tuple[dict[str, int], int, dict[str, int]]:
    """The fixed columns, the first candidate block's start and each field's offset in a block."""
    fixed_cols = _find_columns(header, spec.fixed, file=file, line=line)
    first_block = {k: v.format(k=1) for k, v in spec.block.items()}
    block_cols = _find_columns(header, first_block, file=file, line=line)
    start = min(block_cols.values())
    offsets = {k: c - start for k, c in block_cols.items()}
    if max(offsets.values()) >= spec.block_width:
        raise DataFileError("candidate block wider than expected", file=file, line=line)
    return fixed_cols, start, offsets


def _wide_totals(
    row: list[object],
    spec: WideSpec,
    fixed_cols: dict[str, int],
    seen: dict[str, int],
    *,
    file: str,
    line: int,
) -> tuple[str, dict[str, object]]:
    """A data row's constituency and totals (``seen``: the line of each constituency so far)."""
    if len(row) <= max(fixed_cols.values()):
        raise DataFileError(
            f"row has {len(row)} fields, fewer than the fixed columns (truncated?)",
            file=file,
            line=line,
            column=spec.fixed[max(fixed_cols, key=lambda name: fixed_cols[name])],
        )
    fixed = {k: row[c] for k, c in fixed_cols.items()}
    code = unique_code(
        lambda: spec.code(fixed), seen, file=file, line=line, column=spec.fixed.get("constituency")
    )
    rec: dict[str, object] = {
        "constituency": code,
        "department_name": cell_text(fixed.get("department_name", "")),
        "name": cell_text(fixed.get("constituency_name", "")),
        "line": line,
    }
    for f in TOTAL_FIELDS:
        rec[f] = parse_int(fixed[f], file=file, line=line, column=spec.fixed[f], constituency=code)
    return code, rec


def _wide_candidates(
    row: list[object],
    spec: WideSpec,
    start: int,
    offsets: dict[str, int],
    *,
    file: str,
    line: int,
    code: str,
) -> list[dict[str, object]]:
    """The candidates of a data row's blocks, from ``start`` on (an empty block is skipped)."""
    cands: list[dict[str, object]] = []
    panels: set[int] = set()
    k = 0
    pos = start
    while pos < len(row):
        k += 1
        block = row[pos : pos + spec.block_width]
        pos += spec.block_width
        cand = _wide_block(block, k, spec, offsets, panels, file=file, line=line, code=code)
        if cand is not None:
            cands.append(cand)
    return cands


def _wide_block(
    block: list[object],
    k: int,
    spec: WideSpec,
    offsets: dict[str, int],
    panels: set[int],
    *,
    file: str,
    line: int,
    code: str,
) -> dict[str, object] | None:
    """Candidate block ``k``, or ``None`` where it is empty; its panel joins ``panels``."""
    panel_cell = block[offsets["panel"]] if offsets["panel"] < len(block) else ""
    if cell_text(panel_cell) == "":
        if any(cell_text(c) != "" for c in block):
            raise DataFileError(
                "candidate block without a panel number",
                file=file,
                line=line,
                constituency=code,
                column=spec.block["panel"].format(k=k),
            )
        return None
    needed = max(offsets.values()) + 1
    if len(block) < needed:
        missing = min(
            (name for name, off in offsets.items() if off >= len(block)),
            key=lambda name: offsets[name],
        )
        raise DataFileError(
            f"candidate block {k} is incomplete (truncated line?)",
            file=file,
            line=line,
            constituency=code,
            column=spec.block[missing].format(k=k),
        )
    col = {name: spec.block[name].format(k=k) for name in offsets}
    panel = parse_int(panel_cell, file=file, line=line, column=col["panel"], constituency=code)
    if panel in panels:
        raise DataFileError(
            f"duplicate panel number {panel}",
            file=file,
            line=line,
            constituency=code,
            column=col["panel"],
        )
    panels.add(panel)
    return {
        "constituency": code,
        "panel": panel,
        "surname": cell_text(block[offsets["surname"]]),
        "first_name": cell_text(block[offsets["first_name"]]),
        "sex": normalise_sex(block[offsets["sex"]]),
        "nuance": cell_text(block[offsets["nuance"]]).upper(),
        "votes": parse_int(
            block[offsets["votes"]], file=file, line=line, column=col["votes"], constituency=code
        ),
        "elected": is_elected(block[offsets["elected"]]),
    }


def parse_wide(
    rows: Sequence[Sequence[object]],
    spec: WideSpec,
    *,
    year: int,
    round_: int,
    file: str,
    header_index: int,
    line_of: Callable[[int], int] = lambda i: i + 1,
) -> RoundTable:
    """Parse a wide table. ``rows[header_index]`` is the header; data follow it."""
    if len(rows) <= header_index:
        raise DataFileError("file ends before its header row (truncated?)", file=file)
    fixed_cols, start, offsets = _wide_layout(
        rows[header_index], spec, file=file, line=line_of(header_index)
    )
    totals: list[dict[str, object]] = []
    cands: list[dict[str, object]] = []
    quirks: list[QuirkWarning] = []
    seen: dict[str, int] = {}
    for i in range(header_index + 1, len(rows)):
        row = list(rows[i])
        line = line_of(i)
        if all(cell_text(c) == "" for c in row):
            continue
        code, rec = _wide_totals(row, spec, fixed_cols, seen, file=file, line=line)
        found = _wide_candidates(row, spec, start, offsets, file=file, line=line, code=code)
        if not found:
            if round_ == 2:  # a row kept for a seat filled in round 1: no round 2 there
                quirks.append(
                    QuirkWarning(file, code, "empty_row", "row without round-2 candidates, skipped")
                )
                continue
            raise DataFileError(
                "constituency has no candidate", file=file, line=line, constituency=code
            )
        totals.append(rec)
        cands.extend(found)

    if not totals:
        raise DataFileError("no data rows (truncated file?)", file=file)
    totals_df = pd.DataFrame(totals)
    cands_df = pd.DataFrame(cands)
    quirks.extend(check_arithmetic(totals_df, cands_df, file=file))
    return RoundTable(year, round_, file, totals_df.drop(columns="line"), cands_df, quirks)


_FIELD_NAMES = {
    "registered": "inscrits",
    "abstentions": "abstentions",
    "voters": "votants",
    "blank": "blancs",
    "null": "nuls",
    "expressed": "exprimés",
    "votes": "voix",
}


def _slack(registered: int) -> int:
    """How far votants may exceed inscrits before it cannot be true: voters admitted by a judge's
    order are not on the roll, and the CDSP's 1997 table has Savoie 1 at 108 over (0.12 %)."""
    return max(100, registered // 100)


def check_possible(totals: pd.DataFrame, cands: pd.DataFrame, *, file: str) -> None:
    """Refuse what cannot be true (:func:`impossible_values`; the source's off-by-a-few quirks
    pass, to be warned about). Raises :class:`DataFileError` naming the file, the line (when
    ``totals`` has a ``line`` column) or the constituency, and the column; the message counts the
    other impossible values."""
    problems = impossible_values(totals, cands)
    if not problems:
        return
    code, column, message = problems[0]
    line = None
    if "line" in totals.columns:
        hit = totals.loc[totals["constituency"].astype(str) == code, "line"]
        line = int(hit.iloc[0]) if len(hit) else None
    more = (
        f" (and {len(problems) - 1} more impossible value(s) in this file)"
        if len(problems) > 1
        else ""
    )
    raise DataFileError(
        f"impossible value, refused: {message}{more}",
        file=file,
        line=line,
        constituency=code,
        column=_FIELD_NAMES[column].capitalize(),
    )


def impossible_values(totals: pd.DataFrame, cands: pd.DataFrame) -> list[tuple[str, str, str]]:
    """What cannot be true, as ``(constituency, column, message)`` in the order found: a negative
    count or one beyond :data:`MAX_COUNT`, more abstentions than registered voters, voters beyond
    the registered (past a small slack), expressed, blank or null votes beyond the voters, a
    candidate with more votes than the registered (past the same slack)."""
    problems: list[tuple[str, str, str]] = []  # (constituency, column, message)

    def num(v: object) -> Any:
        """The count, or ``None`` when missing (None, NaN, pd.NA: the reader's to refuse) or not
        a number."""
        if (
            v is None
            or isinstance(v, bool)
            or (not isinstance(v, int | float) and not hasattr(v, "__index__"))
        ):
            return None
        return None if v != v else v

    def bound(code: str, f: str, v: Any) -> None:
        if v is None:
            return
        if v < 0 and f != "abstentions":
            problems.append((code, f, f"a count cannot be negative: {_FIELD_NAMES[f]} {v}"))
        elif v > MAX_COUNT:
            problems.append(
                (
                    code,
                    f,
                    f"{_FIELD_NAMES[f]} {v} is beyond any possible count (more than {MAX_COUNT:,})",
                )
            )

    reg_of: dict[str, Any] = {}
    for rec in totals.to_dict("records"):
        code = str(rec["constituency"])
        r = {f: num(rec.get(f)) for f in TOTAL_FIELDS}
        k = len(problems)
        for f in TOTAL_FIELDS:
            bound(code, f, r[f])
        reg, vot, abst = r["registered"], r["voters"], r["abstentions"]
        reg_of[code] = reg
        if len(problems) > k or reg is None or vot is None:
            continue
        if abst is not None and abst > reg:
            problems.append(
                (
                    code,
                    "abstentions",
                    f"abstentions {abst} exceed inscrits {reg} (swapped columns?)",
                )
            )
        elif abst is not None and abst < -_slack(reg):
            problems.append(
                (code, "abstentions", f"abstentions {abst}: votants far beyond inscrits {reg}")
            )
        elif vot > reg + _slack(reg):
            problems.append(
                (code, "voters", f"votants {vot} exceed inscrits {reg} (swapped columns?)")
            )
        else:
            for f in ("expressed", "blank", "null"):
                if r[f] is not None and r[f] > vot:
                    problems.append((code, f, f"{_FIELD_NAMES[f]} {r[f]} exceed votants {vot}"))
                    break
    if "votes" in cands.columns:
        for c in cands[["constituency", "votes"]].itertuples(index=False):
            code, v = str(c.constituency), num(c.votes)
            k = len(problems)
            bound(code, "votes", v)
            reg = reg_of.get(code)
            if len(problems) == k and reg is not None and v is not None and v > reg + _slack(reg):
                problems.append((code, "votes", f"a candidate's voix {v} exceed inscrits {reg}"))
    return problems


def votes_sum_quirk(file: str, constituency: str, total: int, expressed: int) -> list[QuirkWarning]:
    """The quirk of a constituency whose candidates' votes do not add up to the votes cast
    (every layout's identity, kept as published): none, or one."""
    if total == expressed:
        return []
    return [
        QuirkWarning(
            file,
            constituency,
            "votes_sum",
            f"candidates' votes sum to {total}, exprimés is {expressed} ({total - expressed:+d})",
        )
    ]


def check_arithmetic(totals: pd.DataFrame, cands: pd.DataFrame, *, file: str) -> list[QuirkWarning]:
    """The Ministry's identities; a failure is a quirk of the source, reported as a warning.
    What cannot be true is refused first (:func:`check_possible`)."""
    check_possible(totals, cands, file=file)
    out = []
    sums = cands.groupby("constituency", sort=False)["votes"].sum()
    for r in totals.itertuples(index=False):
        if r.registered != r.abstentions + r.voters:
            out.append(
                QuirkWarning(
                    file,
                    r.constituency,
                    "registered",
                    f"inscrits {r.registered} != abstentions {r.abstentions} + votants {r.voters}",
                )
            )
        if r.voters != r.blank + r.null + r.expressed:
            out.append(
                QuirkWarning(
                    file,
                    r.constituency,
                    "voters",
                    f"votants {r.voters} != blancs {r.blank} + "
                    f"nuls {r.null} + exprimés {r.expressed}",
                )
            )
        out.extend(
            votes_sum_quirk(file, r.constituency, int(sums.get(r.constituency, 0)), r.expressed)
        )
    return out


# ----- file access -----------------------------------------------------------------------------


def read_xlsx_rows(path: Path, sheet: str | int = 0) -> list[list[Any]]:
    """All rows of one sheet, cells as Python values (calamine)."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own classes for zip/xml damage
        raise DataFileError(
            f"not a readable xlsx workbook (truncated or corrupt?): {exc}", file=path.name
        ) from None
    try:
        ws = wb.get_sheet_by_name(sheet) if isinstance(sheet, str) else wb.get_sheet_by_index(sheet)
    except Exception:
        raise DataFileError(
            f"workbook has no sheet {sheet!r} (sheets: {wb.sheet_names})", file=path.name
        ) from None
    try:
        return ws.to_python(skip_empty_area=False)
    except Exception as exc:
        raise DataFileError(
            f"cannot read sheet {sheet!r} (truncated or corrupt?): {exc}", file=path.name
        ) from None


def decode_text(path: Path, *, expected_header: str, encodings: Sequence[str]) -> str:
    """Decode a text file, choosing among ``encodings`` the one whose header reads as expected.

    A UTF-8 byte-order mark is dropped whatever the encoding of the rest (an editor's re-save of
    a latin-1 file); a UTF-16 or UTF-32 one names the encoding in the error, since the layout is
    8-bit text."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(
            f"cannot read the file: {exc.strerror or exc}", file=path.name
        ) from None
    if not raw:
        raise DataFileError("file is empty", file=path.name, line=1)
    raw = strip_bom(raw, file=path.name, expected=f"this layout is {' or '.join(encodings)} text")
    for enc in encodings:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        text = text.lstrip("\ufeff")
        if text.split("\n", 1)[0].find(expected_header) >= 0:
            return text
    raise DataFileError(
        f"wrong text encoding or layout: the header does not read as {expected_header!r} in any of "
        f"{', '.join(encodings)}",
        file=path.name,
        line=1,
        column=expected_header,
    )


def split_text_rows(text: str, *, delimiter: str, quoted: bool) -> list[list[str]]:
    if quoted:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return [line.split(delimiter) for line in text.splitlines()]


#: The header name of each total field, for quirks naming a column.
TOTAL_HEADERS = {
    "registered": "Inscrits",
    "voters": "Votants",
    "expressed": "Exprimés",
    "null": "Blancs et nuls",
    "blank": "Blancs",
    "abstentions": "Abstentions",
}


def null_impossible(
    totals: pd.DataFrame, cands: pd.DataFrame, *, file: str
) -> tuple[pd.DataFrame, pd.DataFrame, list[QuirkWarning]]:
    """The historical policy (the CDSP's tables of 1958–1993): a total that cannot be true is
    neither refused nor repaired but stored as NULL, each with a quirk (kind ``impossible``) naming
    the file, the line (``totals`` must have a ``line`` column) and the column.

    Which field is NULLed is the one the others contradict: votants beyond inscrits NULLs
    ``Inscrits``, and so do a candidate's votes beyond inscrits where the votes add up to the
    exprimés (else the candidate's votes are NULL: 1969's presidential 27-1, 223,111 votes for
    65,666 inscrits); exprimés (or blancs et nuls) beyond
    votants NULLs ``Votants`` when the candidates' votes add up to the exprimés (the 1978 rows whose
    votants lost a digit) and ``Exprimés`` otherwise (1993's 85-3: exprimés 56,335, votes 50,335).
    Repeated until :func:`impossible_values` finds nothing (1978's round 2 has rows whose inscrits
    *and* votants lost a digit). Returns the totals and candidates, NULLs in place.
    """
    out = totals.copy()
    cands = cands.copy()
    for f in ("registered", "voters", "expressed", "null"):
        if f in out.columns:
            out[f] = out[f].astype("Int64")
    sums = cands.groupby("constituency", sort=False)["votes"].sum() if len(cands) else pd.Series()
    quirks: list[QuirkWarning] = []
    line_of = dict(zip(out["constituency"], out["line"], strict=True))
    for _ in range(len(TOTAL_HEADERS)):
        problems = impossible_values(out, cands)
        if not problems:
            break
        done: set[str] = set()
        for code, column, message in problems:
            if code in done:  # one field per row and pass: the next pass sees the rest
                continue
            done.add(code)
            at = out.index[out["constituency"] == code][0]
            line = line_of[code]
            if column == "votes" and int(sums.get(code, -1)) != out.at[at, "expressed"]:
                reg = int(out.at[at, "registered"])
                quirks.extend(_null_votes(cands, code, reg, message, file=file, line=line))
                continue
            field = _contradicted(out, at, code, column, message, sums, file=file, line=line)
            value = out.at[at, field]
            out.at[at, field] = pd.NA
            quirks.append(
                QuirkWarning(
                    file,
                    code,
                    "impossible",
                    f"line {line}, column {TOTAL_HEADERS[field]!r}: {value} cannot be "
                    f"true ({message}); stored as NULL, the row kept",
                )
            )
    return out, cands, quirks


def _null_votes(
    cands: pd.DataFrame, code: str, reg: int, message: str, *, file: str, line: object
) -> list[QuirkWarning]:
    """NULL (in place) the votes of ``code``'s candidates beyond its inscrits ``reg`` (past the
    slack); one quirk each."""
    mine = cands.index[cands["constituency"] == code]
    bad = [j for j in mine if int(cands.at[j, "votes"]) > reg + _slack(reg)]
    quirks = []
    for j in bad:
        where = cands.at[j, "label"] if "label" in cands else f"panel {cands.at[j, 'panel']}"
        quirks.append(
            QuirkWarning(
                file,
                code,
                "impossible",
                f"line {line}, column {where!r}: {cands.at[j, 'votes']} "
                f"cannot be true ({message}); stored as NULL, the row kept",
            )
        )
    cands["votes"] = cands["votes"].astype("Int64")
    cands.loc[bad, "votes"] = pd.NA
    return quirks


def _contradicted(
    out: pd.DataFrame,
    at: Any,
    code: str,
    column: str,
    message: str,
    sums: pd.Series,
    *,
    file: str,
    line: Any,
) -> str:
    """The total the others contradict, for a problem found in ``column`` (see
    :func:`null_impossible`); a problem no total explains is refused."""
    if column in ("voters", "votes"):
        return "registered"
    if column in ("expressed", "null", "blank"):
        expressed = out.at[at, "expressed"]
        agree = column != "expressed" or int(sums.get(code, -1)) == expressed
        return "voters" if agree else "expressed"
    raise DataFileError(
        f"impossible value, refused: {message}",
        file=file,
        line=int(line),
        constituency=code,
        column=TOTAL_HEADERS.get(column, column),
    )
