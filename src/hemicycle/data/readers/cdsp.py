"""1997–2012: the CDSP's (Sciences Po) historical constituency tables
``cdsp_legi{year}t{1,2}_circ.csv``.

UTF-8, comma-separated, quoted where needed, one row per constituency. Fixed columns ``Code
département`` (not zero-padded: ``1``, ``2A``, ``971``, ``985``, ``99``…), ``département``,
``circonscription``, ``Inscrits``, ``Votants``, ``Exprimés``, ``Blancs et nuls``; then numbered
candidate blocks (``k Sexe candidat``, absent from 1997 round 1; ``k Nom candidat``, ``k Prénom
candidat``, ``k Etiquette liste``, ``k nuance``, ``k voix``; a flag
``k Accès second tour`` in round 1, ``k Elu`` in round 2 — except 2012, whose round-2 flag is also
titled ``Accès second tour`` and is ``O`` for everyone; some blocks carry an extra
``k Pourcentage aux exprimés``). Every column is found by its header name, so blocks of different
widths read alike.

What the files do not have, the store does not invent:

* no panel numbers: a candidate's ``panel`` is the number ``k`` of its block in the round-1 row (1,
  2, …); round 2 takes the panel of the round-1 candidate it matches (:func:`link`), joined on the
  normalised name (case, accents, spaces, hyphens) within the constituency, the nuance deciding
  between namesakes;
* no separate blank votes (before the law of 21 February 2014 blank ballots counted as null):
  ``blank`` is NULL and ``null`` holds ``Blancs et nuls``; no abstentions column: ``abstentions`` is
  NULL;
* no round-1 elected flag (``elected`` is NULL in round 1); round 1's ``Accès second tour`` is kept
  as ``advanced``; the 2012 round-2 flag says nothing about who won, so ``elected`` is NULL there
  too.

Cells beyond the last named column (two Paris rows carry unheaded extra candidates) are not read:
each such row is reported as a quirk, as is the resulting gap between the votes and ``Exprimés``.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from hemicycle.data.codes import validate_code
from hemicycle.data.official import OfficialFile, Reader, Role
from hemicycle.data.readers.common import (
    MOJIBAKE,
    QuirkWarning,
    RoundTable,
    _find_columns,
    cell_text,
    decode_text,
    normalise_sex,
    null_impossible,
    parse_int,
    split_text_rows,
    unique_code,
    votes_sum_quirk,
)
from hemicycle.errors import DataFileError

FIXED = {
    "department": "Code département",
    "department_name": "département",
    "constituency": "circonscription",
    "registered": "Inscrits",
    "voters": "Votants",
    "expressed": "Exprimés",
}
#: Absent from 1993's round 1 (``null`` is NULL there).
BLANK_NULL = "Blancs et nuls"
#: The first year whose impossible values are refused (:func:`common.check_possible`); earlier
#: tables (1958–1993) keep the row and store the impossible field as NULL, with a quirk
#: (:func:`common.null_impossible`).
REFUSED_FROM = 1997
#: Candidate fields and the header texts of block ``k``; ``sex`` and the flags are optional per
#: block.
BLOCK = {
    "surname": "{k} Nom candidat",
    "first_name": "{k} Prénom candidat",
    "nuance": "{k} nuance",
    "votes": "{k} voix",
}
OPTIONAL = {"sex": "{k} Sexe candidat", "advanced": "{k} Accès second tour", "elected": "{k} Elu"}

#: CDSP department codes that are not the canonical ones (the rest: digits zero-padded, 2A, 2B).
DEPARTMENTS = {
    "985": "976",  # Mayotte (the Ministry's 2024 code)
    "979": "ZX",  # Saint-Martin / Saint-Barthélemy (2012; the Ministry's 977, ZX in its 2024 files)
    "99": "ZZ",  # French residents abroad (2012)
}
_BLOCK_NUMBER = re.compile(r"^(\d+) ")


def department_code(value: str) -> str:
    """Canonical department part of a CDSP ``Code département``.

    >>> department_code("1"), department_code("2A"), department_code("985"), department_code("99")
    ('01', '2A', '976', 'ZZ')
    """
    text = value.strip().upper()
    if text in DEPARTMENTS:
        return DEPARTMENTS[text]
    return text.zfill(2) if text.isdigit() else text


def constituency_code(department: str, number: str) -> str:
    """Canonical constituency code from the CDSP's department code and constituency number.

    >>> constituency_code("1", "1"), constituency_code("971", "2"), constituency_code("979", "1")
    ('0101', '97102', 'ZX01')
    """
    if not number.strip().isdigit():
        raise ValueError(f"constituency number is not numeric: {number!r}")
    return validate_code(f"{department_code(department)}{int(number):02d}")


def name_key(surname: str, first_name: str = "") -> str:
    """A name for joining rounds: upper case, no accents, no spaces, hyphens or other signs.

    >>> name_key("Guégot", "Françoise") == name_key("GUeGOT", "FRANCOISE")
    True
    """
    text = unicodedata.normalize("NFKD", f"{surname}|{first_name}".upper())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^A-Z|]", "", text)


def _ordinal(n: int) -> str:
    """The constituency's name as the Ministry writes it (the CDSP's tables give only the number).

    >>> _ordinal(1), _ordinal(2)
    ('1ère circonscription', '2ème circonscription')
    """
    return f"{n}{'ère' if n == 1 else 'ème'} circonscription"


def _flag(cell: str, *, file: str, line: int, column: str, constituency: str) -> bool:
    text = cell.strip().upper()
    if text == "O":
        return True
    if text in ("N", ""):
        return False
    raise DataFileError(
        f"expected O, N or an empty cell, found {cell!r}",
        file=file,
        line=line,
        column=column,
        constituency=constituency,
    )


def _layout(
    rows: list[list[str]], *, file: str, round_: int
) -> tuple[list[str], dict[str, int], dict[int, dict[str, int]], bool]:
    """The header, the fixed columns, each candidate block's columns, and whether round 2's
    blocks all have an ``Elu`` flag."""
    if not rows:
        raise DataFileError("file ends before its header row (truncated?)", file=file)
    header = [cell_text(c) for c in rows[0]]
    fixed = _find_columns(header, FIXED, file=file, line=1)
    if BLANK_NULL in header:
        fixed["blank_null"] = header.index(BLANK_NULL)
    blocks: dict[int, dict[str, int]] = {}
    for name in header:
        m = _BLOCK_NUMBER.match(name)
        if m:
            blocks.setdefault(int(m.group(1)), {})
    if not blocks:
        raise DataFileError(
            "no candidate columns", file=file, line=1, column=BLOCK["surname"].format(k=1)
        )
    for k in blocks:
        blocks[k] = _find_columns(
            header, {f: h.format(k=k) for f, h in BLOCK.items()}, file=file, line=1
        )
        for f, h in OPTIONAL.items():
            name = h.format(k=k)
            if name in header:
                blocks[k][f] = header.index(name)
    has_elected = round_ == 2 and all("elected" in b for b in blocks.values())
    return header, fixed, blocks, has_elected


def _row_code(
    row: list[str],
    header: list[str],
    fixed: dict[str, int],
    seen: dict[str, int],
    *,
    file: str,
    line: int,
) -> str:
    """A data row's constituency code, once its length is checked (``seen``: the line of each
    constituency so far)."""
    if len(row) != len(header):
        last_named = max(i for i, h in enumerate(header) if h)
        col = header[min(len(row), len(header) - 1)] or header[last_named]
        raise DataFileError(
            f"row has {len(row)} fields, the header {len(header)} (truncated line?)",
            file=file,
            line=line,
            column=col,
        )
    return unique_code(
        lambda: constituency_code(row[fixed["department"]], row[fixed["constituency"]]),
        seen,
        file=file,
        line=line,
        column=FIXED["constituency"],
    )


def _no_counts(
    row: list[str], blocks: dict[int, dict[str, int]], *, file: str, line: int, code: str
) -> QuirkWarning:
    """The quirk of a row with names but no count at all (1993 round 2, 78-8)."""
    named = [
        f"{row[cols['surname']]} ({row[cols['nuance']]})"
        + (" flagged elected" if "elected" in cols and row[cols["elected"]] == "O" else "")
        for cols in blocks.values()
        if row[cols["surname"]].strip()
    ]
    return QuirkWarning(
        file,
        code,
        "no_counts",
        f"line {line}: no inscrits, votants, exprimés nor votes, only "
        f"{', '.join(named)}; the row is not read",
    )


def _totals(
    row: list[str], fixed: dict[str, int], *, file: str, line: int, code: str
) -> dict[str, object]:
    """A data row's totals (no abstentions nor blank: NULL in the store)."""

    def num(field: str) -> int:
        return parse_int(
            row[fixed[field]],
            file=file,
            line=line,
            column=FIXED.get(field, BLANK_NULL),
            constituency=code,
        )

    registered, voters = num("registered"), num("voters")
    return {
        "constituency": code,
        "department_name": cell_text(row[fixed["department_name"]]),
        "name": _ordinal(int(row[fixed["constituency"]])),
        "registered": registered,
        "abstentions": None,
        "voters": voters,
        "blank": None,
        "null": num("blank_null") if "blank_null" in fixed else None,
        "expressed": num("expressed"),
        "line": line,
    }


def _unheaded(row: list[str], header: list[str], *, file: str, code: str) -> list[QuirkWarning]:
    """The quirk of a row with non-empty cells beyond the last named column: none, or one."""
    last_named = max(i for i, h in enumerate(header) if h)
    extra = [c for c in row[last_named + 1 :] if c.strip()]
    if not extra:
        return []
    return [
        QuirkWarning(
            file,
            code,
            "unheaded_cells",
            f"{len(extra)} non-empty cells beyond the last named column, not "
            f"read (extra candidates? {', '.join(extra[:6])}…)",
        )
    ]


def _candidates(
    row: list[str],
    blocks: dict[int, dict[str, int]],
    *,
    round_: int,
    has_elected: bool,
    file: str,
    line: int,
    code: str,
) -> tuple[list[dict[str, object]], list[QuirkWarning]]:
    """A data row's candidates, one per non-empty block, and their quirks."""
    cands: list[dict[str, object]] = []
    quirks: list[QuirkWarning] = []
    for k, cols in sorted(blocks.items()):
        cells = {f: row[c] for f, c in cols.items()}
        if all(v.strip() == "" for v in cells.values()):
            continue
        names = {f: h.format(k=k) for f, h in (BLOCK | OPTIONAL).items()}
        rec = _candidate(
            cells, names, k, round_=round_, has_elected=has_elected, file=file, line=line, code=code
        )
        quirks.extend(_candidate_quirks(cells, names, rec, file=file, line=line, code=code))
        cands.append(rec)
    if not cands:
        raise DataFileError(
            "constituency has no candidate",
            file=file,
            line=line,
            constituency=code,
            column=BLOCK["surname"].format(k=1),
        )
    return cands, quirks


def _candidate(
    cells: dict[str, str],
    names: dict[str, str],
    k: int,
    *,
    round_: int,
    has_elected: bool,
    file: str,
    line: int,
    code: str,
) -> dict[str, object]:
    """The candidate of block ``k`` (``cells``: its cells by field; ``names``: their headers)."""
    if cells["surname"].strip() == "":
        raise DataFileError(
            "candidate without a name",
            file=file,
            line=line,
            constituency=code,
            column=names["surname"],
        )
    rec: dict[str, object] = {
        "constituency": code,
        "panel": k if round_ == 1 else -1,
        "block": k,
        "line": line,
        "surname": cell_text(cells["surname"]),
        "first_name": cell_text(cells["first_name"]),
        "sex": normalise_sex(cells["sex"]) or None if "sex" in cells else None,
        "nuance": cell_text(cells["nuance"]),  # 1993: one `RPR `, one `EXG `
        "votes": parse_int(
            cells["votes"], file=file, line=line, column=names["votes"], constituency=code
        ),
        "elected": None,
        "advanced": None,
    }
    if round_ == 1 and "advanced" in cells:
        rec["advanced"] = _flag(
            cells["advanced"], file=file, line=line, column=names["advanced"], constituency=code
        )
    if has_elected:
        rec["elected"] = _flag(
            cells["elected"], file=file, line=line, column=names["elected"], constituency=code
        )
    return rec


def _candidate_quirks(
    cells: dict[str, str],
    names: dict[str, str],
    rec: dict[str, object],
    *,
    file: str,
    line: int,
    code: str,
) -> list[QuirkWarning]:
    """A candidate's quirks: spaces around its nuance, a name the source itself mis-encoded."""
    quirks = []
    if cells["nuance"] != rec["nuance"]:
        quirks.append(
            QuirkWarning(
                file,
                code,
                "nuance_spaces",
                f"line {line}, column {names['nuance']!r}: nuance {cells['nuance']!r} "
                f"read as {rec['nuance']!r} (spaces stripped)",
            )
        )
    for f in ("surname", "first_name"):
        if MOJIBAKE.search(cells[f]):  # 2002's FRANÃ\x87OIS
            quirks.append(
                QuirkWarning(
                    file,
                    code,
                    "mis_encoded_name",
                    f"line {line}, column {names[f]!r}: {rec[f]!r} is UTF-8 read as Latin-1 "
                    "in the source itself (kept as published)",
                )
            )
    return quirks


def read(path: Path, round_: int, *, year: int) -> RoundTable:
    """One round of a CDSP table. Round 2's panels are provisional (-1) until :func:`link`."""
    file = path.name
    text = decode_text(path, expected_header="Code département", encodings=("utf-8",))
    rows = split_text_rows(text, delimiter=",", quoted=True)
    header, fixed, blocks, has_elected = _layout(rows, file=file, round_=round_)
    totals: list[dict[str, object]] = []
    cands: list[dict[str, object]] = []
    quirks: list[QuirkWarning] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows[1:], start=2):
        if all(c.strip() == "" for c in row):
            continue
        code = _row_code(row, header, fixed, seen, file=file, line=i)
        if year < REFUSED_FROM and all(
            row[fixed[f]].strip() == "" for f in ("registered", "voters", "expressed")
        ):  # 1993 round 2, 78-8: names and a winner's flag, no count at all
            quirks.append(_no_counts(row, blocks, file=file, line=i, code=code))
            continue
        totals.append(_totals(row, fixed, file=file, line=i, code=code))
        quirks.extend(_unheaded(row, header, file=file, code=code))
        found, found_quirks = _candidates(
            row, blocks, round_=round_, has_elected=has_elected, file=file, line=i, code=code
        )
        quirks.extend(found_quirks)
        cands.extend(found)
    if not totals:
        raise DataFileError("no data rows (truncated file?)", file=file)
    # abstentions and blank: None (not published), NULL in the store
    totals_df = pd.DataFrame(totals)
    cands_df = pd.DataFrame(cands)
    for c in ("elected", "advanced"):
        cands_df[c] = cands_df[c].astype("boolean")
    totals_df["null"] = totals_df["null"].astype("Int64")
    if year < REFUSED_FROM:
        totals_df, cands_df, impossible = null_impossible(totals_df, cands_df, file=file)
        quirks.extend(impossible)
    quirks.extend(_arithmetic(totals_df, cands_df, file=file))
    totals_df = totals_df.drop(columns="line")
    return RoundTable(year, round_, file, totals_df, cands_df, quirks)


def _arithmetic(totals: pd.DataFrame, cands: pd.DataFrame, *, file: str) -> list[QuirkWarning]:
    """The identities the CDSP's columns allow; a failure is a quirk of the source, kept as
    published. A NULL total (not published, or NULLed as impossible) checks nothing."""
    out = []
    sums = cands.groupby("constituency", sort=False)["votes"].sum()
    for r in totals.astype(object).where(totals.notna(), None).itertuples(index=False):
        reg, vot, nul, exp = r.registered, r.voters, r.null, r.expressed
        if vot is not None and reg is not None and vot > reg:  # possible (a judge's order)
            out.append(
                QuirkWarning(
                    file,
                    r.constituency,
                    "registered",
                    f"votants {vot} exceed inscrits {reg} (+{vot - reg})",
                )
            )
        if vot is not None and nul is not None and exp is not None and vot != nul + exp:
            out.append(
                QuirkWarning(
                    file,
                    r.constituency,
                    "voters",
                    f"votants {vot} != blancs et nuls {nul} + exprimés {exp} "
                    f"({vot - nul - exp:+d})",
                )
            )
        if exp is not None:
            out.extend(votes_sum_quirk(file, r.constituency, int(sums.get(r.constituency, 0)), exp))
    return out


def link(r1: RoundTable, r2: RoundTable) -> RoundTable:
    """Give each round-2 candidate the panel of the round-1 candidate it is, within its
    constituency.

    Matched on :func:`name_key` (surname and first name); where a name matches several round-1
    candidates, the one with the same nuance. A name the source itself mangled (an encoding
    accident) may still match on the other name and the nuance when exactly one unmatched round-1
    candidate has them; that match is reported as a quirk. A round-2 candidate matching nobody is an
    error.
    """
    c1 = r1.candidates
    quirks = list(r2.quirks)
    by_code: dict[str, list[tuple[int, str, str, str, str]]] = {}
    for code, panel, s, f, nu in zip(
        c1["constituency"], c1["panel"], c1["surname"], c1["first_name"], c1["nuance"], strict=True
    ):
        by_code.setdefault(code, []).append(
            (int(panel), name_key(s, f), name_key(s), name_key("", f), nu)
        )
    panels: list[int] = []
    used: set[tuple[str, int]] = set()
    c2 = r2.candidates
    for row in c2.itertuples(index=False):
        pool = [
            p for p in by_code.get(row.constituency, []) if (row.constituency, p[0]) not in used
        ]
        key = name_key(row.surname, row.first_name)
        hits = [p for p in pool if p[1] == key]
        if len(hits) > 1:
            hits = [p for p in hits if p[4] == row.nuance] or hits
        if not hits:  # one of the two names mangled: the other one and the nuance must agree
            hits = [
                p
                for p in pool
                if p[4] == row.nuance
                and (p[2] == name_key(row.surname) or p[3] == name_key("", row.first_name))
            ]
            if len(hits) == 1:
                quirks.append(
                    QuirkWarning(
                        r2.file,
                        row.constituency,
                        "name_mismatch",
                        f"round-2 {row.surname} {row.first_name} ({row.nuance}) matched "
                        f"round-1 panel {hits[0][0]} on one of its names and the nuance",
                    )
                )
        if len(hits) != 1:
            what = "no" if not hits else "more than one"
            raise DataFileError(
                f"round-2 candidate {row.surname} {row.first_name} ({row.nuance}) matches "
                f"{what} round-1 candidate of the constituency",
                file=r2.file,
                line=row.line,
                constituency=row.constituency,
                column=BLOCK["surname"].format(k=row.block),
            )
        used.add((row.constituency, hits[0][0]))
        panels.append(hits[0][0])
    cands = c2.assign(panel=panels) if len(c2) else c2
    return RoundTable(r2.year, r2.round, r2.file, r2.totals, cands, quirks)


#: The CDSP's tables as committed in a public repository (the copies the test mirror documents, byte
#: for byte); no licence is stated there.
_REPO = (
    "https://raw.githubusercontent.com/domi41/french-legislatives-analysis/"
    "9e888ad0391e4f31d7e607a85a87bd32e3aa2993/data"
)
_PAGE = "https://github.com/domi41/french-legislatives-analysis/tree/9e888ad0391e4f31d7e607a85a87bd32e3aa2993/data"
_SHA256 = {
    (1988, 1): "664317327d939c52db112f11183e031bf8cba4cd4453001c2b496c28c67748d4",
    (1988, 2): "87e878a43cc3b245867a4751b0f78b58409d059420d66ffd83ac2cbc87823c3e",
    (1993, 1): "9318384e969aed979940d534cf963b221b541fc7f251c21ceec2c9c676fd2282",
    (1993, 2): "5bb4ed69c71865ff1ec8753d424a3abd89ab52ae978083eae783b5b038f713bd",
    (1997, 1): "5d9afd09317ea229ac41c22624009ca8535119ccdb614c9925d16557f52ba899",
    (1997, 2): "c1fd1957049b4078f6b1ba847a158dc054e0d806980c52cc2179c68b912ca025",
    (2002, 1): "193a44d3b0ef10267ffb002a8d06737324034dff42f3d9c74b7c6f1d8dc9576f",
    (2002, 2): "968c7c45bc3c75c1791fc3e0a23f639d0d5089c7d784ebee676a26ecf2bf1ca1",
    (2007, 1): "4578d0da4118d5cd9def3f490c191f81e0327e3fc71de64dd2116c47ecba5f37",
    (2007, 2): "4fa6164a9a8685dd057b025ec0d29a5e4c110897a9a68cda4b9f09598e1e6032",
    (2012, 1): "453fd1c31c59a40b27be7a72d64fb3d50769be20cb4f2eaa07b5f2cfc6717a3c",
    (2012, 2): "ca1ac69a369e47e6e1b7fff72dbaf91d44079689b19ccca4114bc31679495f54",
}


def cdsp_files(
    hashes: dict[tuple[int, int], str],
    *,
    kind: str = "legi",
    role: Role = "results",
    folder: str = "",
    repo: str = _REPO,
    page: str = _PAGE,
) -> tuple[OfficialFile, ...]:
    """The registry entries of the CDSP's tables ``cdsp_<kind><year>t<round>_circ.csv``, one per
    (year, round) of ``hashes`` (their pinned sha256), downloaded from ``repo``; ``folder``: the
    mirror's subfolder (``presidential/``)."""
    return tuple(
        OfficialFile(
            year=y,
            round=r,
            role=role,
            name=f"{folder}cdsp_{kind}{y}t{r}_circ.csv",
            url=f"{repo}/cdsp_{kind}{y}t{r}_circ.csv",
            sha256=h,
            dataset_page=page,
        )
        for (y, r), h in hashes.items()
    )


FILES = cdsp_files(_SHA256)
READER = Reader(
    name="cdsp",
    files=FILES,
    read=lambda entry, path: read(path, entry.round, year=entry.year),
    link=link,
    boundary_maps={
        1988: "1986",
        1993: "1986",
        1997: "1986",
        2002: "1986",
        2007: "1986",
        2012: "2010",
    },
    # 1988 lacks Mayotte (985), 1993 one seat too: the store holds what the files have
    constituencies={1988: 576, 1993: 576},
    untrained_years=frozenset({1988, 1993}),
    publisher="the CDSP's tables (Sciences Po)",
    credit="the CDSP (Sciences Po)'s constituency tables, compiled from the Ministry of the "
    "Interior's results, as committed in github.com/domi41/french-legislatives-analysis "
    "(commit 9e888ad0); no licence is stated there",
)
