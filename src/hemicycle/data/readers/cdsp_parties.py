"""1958–1981: the CDSP's (Sciences Po) constituency tables in the **party-column layout**
``cdsp_legi{year}t{1,2}_circ.csv``.

UTF-8, comma-separated, one row per constituency, no names: after the fixed columns (``Code
département``, ``département``, ``circonscription``, in round 2 ``élu premier tour`` (``O``/``N``),
``Inscrits``, ``Votants``, ``Exprimés``, ``Blancs et nuls``) one column per party family holds the
votes of that family's candidate. The first header line holds the families' labels; a second line,
whose fixed cells are empty, their codes (``COM``, ``SFIO``, ``UNR``…). 1981 differs: its header
holds the codes themselves (no second line), its department codes are not zero-padded, its round 1
has no ``Blancs et nuls`` and its round 2 lists only the 320 constituencies that held one (no
``élu premier tour`` flag).

How the store reads it:

* each party column with votes (> 0) in a constituency is **one candidate**: its ``panel`` is the
  column's position among the party columns (1, 2, …), its ``nuance`` the column's code; it has no
  name, sex or flag (NULL). Codes repeat (1968: ``COM`` twice, ``DIV`` four times): a candidate is
  its column, never its code. Where a family ran several candidates in one constituency the
  column holds their sum (the source's choice; the law is applied per column);
* round 2 joins round 1 **on the party**: the ``k``-th round-2 column of a code is the ``k``-th
  round-1 column of that code, else the one round-1 column of that code with votes in the
  constituency. 1968's round 2 renamed some families (``PC`` for ``COM``, joint ``UDR-RI`` columns,
  ``DIVMAJ``, ``DVD``): :data:`ROUND2_CODES` says which round-1 codes each may continue. A
  round-2 code that no round-1 column can continue is an error (file, code line, column); a
  round-2 candidate with no round-1 column of its codes with votes in its constituency is left
  out of the store with a quirk (``unjoined``: 1968's 53-2 ``CPDM`` and 73-2 ``FGDS``, both
  beaten), and one with several is joined to the most voted with a quirk (``ambiguous_join``);
* round 2's ``élu premier tour`` = ``O`` marks a seat filled in round 1: that row (empty) is not a
  round 2, and round 1's best column there gets ``elected`` (every other round-1 candidate of a
  year with the flag is not elected); 1981 has no flag: ``elected`` is NULL, the law decides;
* a total that cannot be true (1968 round 2: 3 inscrits typed short; 1978: 2 votants in round 1,
  48 rows of inscrits and/or votants in round 2) is stored as NULL with a quirk naming the file,
  line and column (:func:`~hemicycle.data.readers.common.null_impossible`), the row kept.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from hemicycle.data.official import Reader
from hemicycle.data.readers.cdsp import _flag, _ordinal, cdsp_files, constituency_code
from hemicycle.data.readers.common import (
    MOJIBAKE,
    QuirkWarning,
    RoundTable,
    cell_text,
    decode_text,
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
BLANK_NULL = "Blancs et nuls"
FLAG = "élu premier tour"
#: Columns that are neither fixed nor a party (none in these files; the later tables' turnout)
IGNORED = frozenset({"Taux de participation (%)"})

#: Years whose header holds the codes themselves (no second line of codes).
CODES_IN_HEADER = frozenset({1981})

#: What a party code looks like: capitals, digits, spaces, hyphens (``UNR-UDT``, ``RADICAUX
#: GAUCHE``); a label (``Parti communiste``) or an empty cell is not one.
_CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:[ -][A-Z0-9]+)*$")

#: Round-2 codes that are not round 1's, and the round-1 codes each continues (1968: the Parti
#: communiste is ``PC`` in round 2; the joint UDR–RI candidacies, the *divers majorité* and the
#: *divers droite* continue one of the majority's or the moderates' round-1 families).
ROUND2_CODES: dict[tuple[int, str], tuple[str, ...]] = {
    (1968, "PC"): ("COM",),
    (1968, "UDR-RI"): ("UDR", "RI", "RIUDR", "DIVGAULL"),
    (1968, "DIVMAJ"): ("DIVGAULL", "UDR", "RI", "RIUDR", "MOD", "RADDROIT", "DIV"),
    (1968, "DVD"): ("MOD", "RADDROIT", "DIVGAULL", "RI", "DIV", "CPDM"),
}

#: Constituencies of each year (the SOURCES.md of the test mirror; no overseas rows before 1988).
CONSTITUENCIES = {1958: 465, 1962: 465, 1967: 473, 1968: 473, 1973: 473, 1978: 474, 1981: 474}


def _code_line(year: int) -> int:
    """The line of the party codes (1-based): 2, or 1 where the header holds them."""
    return 1 if year in CODES_IN_HEADER else 2


def _header(
    rows: list[list[str]], *, file: str, round_: int, year: int
) -> tuple[list[str], dict[str, int], list[int]]:
    """The header line, the fixed columns (with ``blank_null`` and ``flag`` where present) and
    the party columns."""
    if not rows:
        raise DataFileError("file ends before its header row (truncated?)", file=file)
    header = [cell_text(c) for c in rows[0]]
    fixed: dict[str, int] = {}
    for key, name in FIXED.items():
        if name not in header:
            if MOJIBAKE.search(" ".join(header)):
                raise DataFileError(
                    "header is garbled: wrong text encoding for this layout",
                    file=file,
                    line=1,
                    column=name,
                )
            raise DataFileError("missing column", file=file, line=1, column=name)
        fixed[key] = header.index(name)
    for key, name in (("blank_null", BLANK_NULL), ("flag", FLAG)):
        if name in header:
            fixed[key] = header.index(name)
    if round_ == 2 and year not in CODES_IN_HEADER and "flag" not in fixed:
        raise DataFileError("missing column", file=file, line=1, column=FLAG)
    parties = [i for i, h in enumerate(header) if i not in fixed.values() and h not in IGNORED]
    if not parties:
        raise DataFileError("no party columns after the fixed columns", file=file, line=1)
    return header, fixed, parties


def _codes(
    rows: list[list[str]],
    header: list[str],
    fixed: dict[str, int],
    parties: list[int],
    *,
    file: str,
    year: int,
) -> tuple[list[str], int]:
    """Each party column's code, and the index of the first data row."""
    code_line = _code_line(year)
    if code_line == 1:
        codes_row, first_data = header, 1
    else:
        if len(rows) < 2 or any(cell_text(rows[1][i]) for i in fixed.values() if i < len(rows[1])):
            raise DataFileError(
                "the header line of labels is not followed by the line of party codes (its fixed "
                "cells empty)",
                file=file,
                line=2,
                column=header[parties[0]],
            )
        if len(rows[1]) != len(header):
            raise DataFileError(
                f"the line of party codes has {len(rows[1])} fields, the header {len(header)}",
                file=file,
                line=2,
                column=header[max(min(len(rows[1]), len(header)) - 1, parties[0])],
            )
        codes_row, first_data = [cell_text(c) for c in rows[1]], 2
    codes = [codes_row[i] for i in parties]
    for i, c in zip(parties, codes, strict=True):
        if not _CODE.match(c):
            raise DataFileError(
                f"{c!r} is not a party code (capitals, digits, spaces, hyphens)"
                if c
                else "a party column without its code",
                file=file,
                line=code_line,
                column=header[i],
            )
    return codes, first_data


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
        raise DataFileError(
            f"row has {len(row)} fields, the header {len(header)} (truncated line?)",
            file=file,
            line=line,
            column=header[min(len(row), len(header) - 1)],
        )
    return unique_code(
        lambda: constituency_code(row[fixed["department"]], row[fixed["constituency"]]),
        seen,
        file=file,
        line=line,
        column=FIXED["constituency"],
    )


def _filled_in_round1(
    row: list[str],
    header: list[str],
    fixed: dict[str, int],
    parties: list[int],
    *,
    file: str,
    line: int,
    code: str,
) -> bool:
    """Whether round 2's ``élu premier tour`` flag says round 1 filled the seat (then the row
    must have no votes)."""
    if "flag" not in fixed or not _flag(
        row[fixed["flag"]], file=file, line=line, column=FLAG, constituency=code
    ):
        return False
    filled = [header[j] for j in parties if row[j].strip() not in ("", "0")]
    if filled:
        raise DataFileError(
            f"a seat filled in round 1 ({FLAG} = O) has round-2 votes",
            file=file,
            line=line,
            constituency=code,
            column=filled[0],
        )
    return True


def _num(row: list[str], col: int, header: list[str], *, file: str, line: int, code: str) -> int:
    return parse_int(row[col], file=file, line=line, column=header[col], constituency=code)


def _read_totals(
    rec: dict[str, object],
    row: list[str],
    header: list[str],
    fixed: dict[str, int],
    *,
    file: str,
    line: int,
    code: str,
) -> list[QuirkWarning]:
    """Fill ``rec``'s totals from the row; the quirk of a negative ``Blancs et nuls`` (1978:
    votants typed short), stored as NULL: none, or one."""
    for f in ("registered", "voters", "expressed"):
        rec[f] = _num(row, fixed[f], header, file=file, line=line, code=code)
    if "blank_null" not in fixed:
        return []
    cell = row[fixed["blank_null"]].strip()
    if cell.startswith("-") and cell[1:].isdigit():  # 1978: votants typed short, minus
        return [
            QuirkWarning(
                file,
                code,
                "impossible",
                f"line {line}, column {BLANK_NULL!r}: {cell} cannot be true (a count cannot "
                "be negative: votants minus exprimés); stored as NULL, the row kept",
            )
        ]
    rec["null"] = _num(row, fixed["blank_null"], header, file=file, line=line, code=code)
    return []


def _candidates(
    row: list[str],
    header: list[str],
    parties: list[int],
    codes: list[str],
    *,
    round_: int,
    file: str,
    line: int,
    code: str,
) -> list[dict[str, object]]:
    """A data row's candidates: one per party column with votes."""
    cands: list[dict[str, object]] = []
    for k, (j, c) in enumerate(zip(parties, codes, strict=True), start=1):
        votes = 0 if row[j].strip() == "" else _num(row, j, header, file=file, line=line, code=code)
        if votes == 0:
            continue
        cands.append(
            {
                "constituency": code,
                "panel": k if round_ == 1 else -1,
                "column": k,
                "occurrence": codes[: k - 1].count(c) + 1,
                "line": line,
                "surname": None,
                "first_name": None,
                "sex": None,
                "nuance": c,
                "votes": votes,
                "elected": None,
                "advanced": None,
            }
        )
    if not cands:
        raise DataFileError(
            "constituency has no party column with votes",
            file=file,
            line=line,
            constituency=code,
            column=header[parties[0]],
        )
    return cands


def _frames(
    totals: list[dict[str, object]], cands: list[dict[str, object]], *, file: str
) -> tuple[pd.DataFrame, pd.DataFrame, list[QuirkWarning]]:
    """The tables of a round, impossible totals NULL, and their quirks (those NULLs, the votes
    that do not add up to the exprimés)."""
    if not totals:
        raise DataFileError("no data rows (truncated file?)", file=file)
    totals_df = pd.DataFrame(totals)
    cands_df = pd.DataFrame(cands)
    for f in ("elected", "advanced"):
        cands_df[f] = cands_df[f].astype("boolean")
    totals_df["null"] = totals_df["null"].astype("Int64")
    totals_df, cands_df, quirks = null_impossible(totals_df, cands_df, file=file)
    sums = cands_df.groupby("constituency", sort=False)["votes"].sum()
    for r in totals_df.itertuples(index=False):
        if not pd.isna(r.expressed):
            quirks.extend(
                votes_sum_quirk(file, r.constituency, int(sums.get(r.constituency, 0)), r.expressed)
            )
    return totals_df.drop(columns="line"), cands_df, quirks


def read(path: Path, round_: int, *, year: int) -> RoundTable:
    """One round of a party-column table. Round 2's panels are provisional until :func:`link`."""
    file = path.name
    text = decode_text(path, expected_header="Code département", encodings=("utf-8",))
    rows = split_text_rows(text, delimiter=",", quoted=True)
    header, fixed, parties = _header(rows, file=file, round_=round_, year=year)
    codes, first_data = _codes(rows, header, fixed, parties, file=file, year=year)
    totals: list[dict[str, object]] = []
    cands: list[dict[str, object]] = []
    quirks: list[QuirkWarning] = []
    decided: set[str] = set()
    seen: dict[str, int] = {}
    for i, row in enumerate(rows[first_data:], start=first_data + 1):
        if all(c.strip() == "" for c in row):
            continue
        code = _row_code(row, header, fixed, seen, file=file, line=i)
        if _filled_in_round1(row, header, fixed, parties, file=file, line=i, code=code):
            decided.add(code)
            continue
        rec: dict[str, object] = {
            "constituency": code,
            "department_name": cell_text(row[fixed["department_name"]]),
            "name": _ordinal(int(row[fixed["constituency"]])),
            **dict.fromkeys(("registered", "abstentions", "voters", "blank", "null", "expressed")),
            "line": i,
        }
        totals.append(rec)
        counted = [row[j] for j in (fixed["registered"], fixed["voters"], *parties)]
        if all(c.strip() in ("", "0") for c in counted):  # 1967 and 1968, 69-11: zeros only
            quirks.append(
                QuirkWarning(
                    file,
                    code,
                    "no_counts",
                    f"line {i}: every count is 0 or empty (no results in the source); the "
                    "constituency is kept without totals or candidates",
                )
            )
            continue
        quirks.extend(_read_totals(rec, row, header, fixed, file=file, line=i, code=code))
        cands.extend(
            _candidates(row, header, parties, codes, round_=round_, file=file, line=i, code=code)
        )
    totals_df, cands_df, checked = _frames(totals, cands, file=file)
    return RoundTable(
        year,
        round_,
        file,
        totals_df,
        cands_df,
        quirks + checked,
        party_codes=tuple(codes),
        decided=frozenset(decided),
        has_flag="flag" in fixed,
    )


def _mark_elected(r1: RoundTable, r2: RoundTable) -> None:
    """Round 1's ``elected``, in place, from round 2's ``élu premier tour`` flag: the best column
    of each seat filled in round 1; a ``flag`` quirk where that column holds no absolute
    majority."""
    c1 = r1.candidates
    best = c1.groupby("constituency", sort=False)["votes"].transform("max") == c1["votes"]
    won = c1["constituency"].isin(r2.decided) & best
    c1["elected"] = won.astype("boolean")
    quirks1 = []
    for code in sorted(r2.decided):
        top = c1.loc[won & (c1["constituency"] == code), "votes"]
        exp = r1.totals.loc[r1.totals["constituency"] == code, "expressed"]
        if len(top) == 0:  # no results in round 1 (a ``no_counts`` quirk already)
            continue
        if len(top) > 1 or exp.isna().all() or 2 * int(top.iloc[0]) <= int(exp.iloc[0]):
            quirks1.append(
                QuirkWarning(
                    r1.file,
                    code,
                    "flag",
                    f"flagged elected in round 1 ({r2.file}), but no one party column holds "
                    "an absolute majority of the exprimés",
                )
            )
    r1.quirks.extend(quirks1)


def _check_codes(r1: RoundTable, r2: RoundTable) -> None:
    """Refuse a round-2 code that continues no round-1 column, or one repeated more often than
    in round 1."""
    year, file = r2.year, r2.file
    line = _code_line(year)
    for k, code in enumerate(r2.party_codes, start=1):
        allowed = ROUND2_CODES.get((year, code), (code,))
        if not any(c in allowed for c in r1.party_codes):
            raise DataFileError(
                f"round-2 party code {code!r} continues no round-1 column (round 1's codes: "
                f"{', '.join(dict.fromkeys(r1.party_codes))})",
                file=file,
                line=line,
                column=f"{code} (party column {k})",
            )
    n1 = {code: r1.party_codes.count(code) for code in r1.party_codes}
    repeated = [c for c in dict.fromkeys(r2.party_codes) if r2.party_codes.count(c) > n1.get(c, 1)]
    if repeated:
        k = [i for i, c in enumerate(r2.party_codes, start=1) if c == repeated[0]][-1]
        raise DataFileError(
            f"round-2 party code {repeated[0]!r} is repeated more often than in round 1",
            file=file,
            line=line,
            column=f"{repeated[0]} (party column {k})",
        )


def _join_one(
    row: Any,
    stood: dict[int, tuple[str, int]],
    nth: dict[tuple[str, int], int],
    taken: set[tuple[str, int]],
    quirks: list[QuirkWarning],
    *,
    year: int,
    file: str,
) -> int | None:
    """The round-1 panel a round-2 candidate continues (``stood``: its constituency's round-1
    columns by panel; ``nth``: the panel of each code's ``k``-th column), or ``None``: left out,
    with a quirk (``unjoined``). A choice among several columns is a quirk (``ambiguous_join``)."""
    allowed = ROUND2_CODES.get((year, row.nuance), (row.nuance,))
    pool = {
        p: v for p, (nu, v) in stood.items() if nu in allowed and (row.constituency, p) not in taken
    }
    label = f"{row.nuance} (party column {row.column})"
    preferred = nth.get((row.nuance, row.occurrence))
    if preferred in pool:
        hit = preferred
    elif len(pool) == 1:
        hit = next(iter(pool))
    elif pool:
        hit = max(pool, key=lambda p: pool[p])
        quirks.append(
            QuirkWarning(
                file,
                row.constituency,
                "ambiguous_join",
                f"line {row.line}, column {label!r}: several round-1 columns of "
                f"{'/'.join(allowed)} have votes; joined to the most voted (panel {hit})",
            )
        )
    else:
        quirks.append(
            QuirkWarning(
                file,
                row.constituency,
                "unjoined",
                f"line {row.line}, column {label!r}: {row.votes} round-2 votes for a party "
                f"with no round-1 column of {'/'.join(allowed)} with votes there; left out",
            )
        )
        return None
    if (row.constituency, hit) in taken:
        raise DataFileError(
            f"two round-2 columns continue the same round-1 column (panel {hit})",
            file=file,
            line=row.line,
            constituency=row.constituency,
            column=label,
        )
    taken.add((row.constituency, hit))
    return hit


def link(r1: RoundTable, r2: RoundTable) -> RoundTable:
    """Round 2 with each candidate given the panel of the round-1 column it continues (see the
    module's docstring); round 1's ``elected`` set from round 2's ``élu premier tour`` flag where
    the file has one (round 1's table is updated in place)."""
    year, file = r2.year, r2.file
    c1 = r1.candidates
    if r2.has_flag:
        _mark_elected(r1, r2)
    _check_codes(r1, r2)
    # round 1's columns of each code, in order: the k-th round-2 column of a code is the k-th
    nth = {}
    for p, code in enumerate(r1.party_codes, start=1):
        nth[(code, r1.party_codes[:p].count(code))] = p
    by_code: dict[str, dict[int, tuple[str, int]]] = {}
    for code, panel, nuance, votes in zip(
        c1["constituency"], c1["panel"], c1["nuance"], c1["votes"], strict=True
    ):
        by_code.setdefault(code, {})[int(panel)] = (nuance, int(votes))
    quirks = list(r2.quirks)
    panels: list[int] = []
    keep: list[bool] = []
    taken: set[tuple[str, int]] = set()
    renamed: dict[tuple[str, str], int] = {}
    c2 = r2.candidates
    for row in c2.itertuples(index=False):
        stood = by_code.get(row.constituency, {})
        hit = _join_one(row, stood, nth, taken, quirks, year=year, file=file)
        panels.append(-1 if hit is None else hit)
        keep.append(hit is not None)
        if hit is not None and stood[hit][0] != row.nuance:
            renamed[(row.nuance, stood[hit][0])] = renamed.get((row.nuance, stood[hit][0]), 0) + 1
    for (new, old), n in sorted(renamed.items()):
        quirks.append(
            QuirkWarning(
                file,
                "",
                "continuation",
                f"round-2 code {new} continues round-1 code {old} in {n} constituencies "
                "(a declared continuation: the rounds joined on it)",
            )
        )
    cands = c2.assign(panel=panels, continues=True)[keep].reset_index(drop=True) if len(c2) else c2
    return RoundTable(
        r2.year,
        r2.round,
        file,
        r2.totals,
        cands,
        quirks,
        party_codes=r2.party_codes,
        decided=r2.decided,
        has_flag=r2.has_flag,
    )


_SHA256 = {
    (1958, 1): "58645a8365683d500f19f6bd0ee08e6175e403b7d7685e8248a92143834df0c0",
    (1958, 2): "95d1296de0622ef3643aa2a0112cc8f81eaf67675a9470e4791d892ef152aac7",
    (1962, 1): "b37fd616fdf37ba9759fb9363082e572fd79e082467198e83b5bcc70a87b83a6",
    (1962, 2): "a2258420f43ed9469d41cb7a8786921335a31dc7fb555e8ae009bf8f3b34b015",
    (1967, 1): "e93b7ac5ecf4a51f448ef6a5e31bdb523b444d4448f2bec188ee9c447a126bd2",
    (1967, 2): "3c9df2192017ad41af1147e0a4248cbda9af985bafe329b83c9197b86ff2e297",
    (1968, 1): "dd85ac13faddee43216e6f7f5febc30d144caabff9aeaa2ffeda1ebe5a13fab0",
    (1968, 2): "246df0ea7188e730c5f3fa119b7e8c364639b54b4ecc169259b7740da3e9d1f9",
    (1973, 1): "b74851dad4b9d239dfc911a8fa4c4d97e5d6aad13a29f1aa28f2ae28116d3fba",
    (1973, 2): "3053f8e1865461d40fb7b221893b54af224410597d4ab90f524930082c056cf2",
    (1978, 1): "46d58c41a50295a29b4714220b461d309a21542fabd04de81c03884f5d0290f1",
    (1978, 2): "4f1621eba4d7382b590d8113e70e59bbda110827408d1897c01ffa9098e4ae55",
    (1981, 1): "e0517105a2cf14080d28497feb5380581627b32b6cb3d7292bb8ec88ae197708",
    (1981, 2): "de41678c699a7dad876aba04349d7158d1be84c775439aa02bc66ddf53df0bd1",
}
FILES = cdsp_files(_SHA256)
#: The boundary maps, named by the year they were first used (README, "Boundary maps": decided
#: from the files' codes and inscrits).
MAPS = {1958: "1958", 1962: "1958", 1967: "1967", 1968: "1967", 1973: "1967", 1978: "1967"}
READER = Reader(
    name="cdsp_parties",
    files=FILES,
    read=lambda entry, path: read(path, entry.round, year=entry.year),
    link=link,
    boundary_maps={**MAPS, 1981: "1967"},
    constituencies=CONSTITUENCIES,
    untrained_years=frozenset(CONSTITUENCIES),
    publisher="the CDSP's tables (Sciences Po)",
    credit="the CDSP (Sciences Po)'s constituency tables, compiled from the Ministry of the "
    "Interior's results, as committed in github.com/domi41/french-legislatives-analysis "
    "(commit 9e888ad0); no licence is stated there",
)
