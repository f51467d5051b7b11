"""Presidential elections by legislative constituency, 2017 and 2022: the Ministry of the
Interior's workbooks in ``<year>/presidential/``.

Not legislative results: the store keeps them apart (tables ``presidential_*``). 2017: legacy Excel
``Presidentielle_2017_Resultats_Tour_1.xls`` and ``…_Tour_2_c.xls``, sheet ``Circo. Leg. Tour
{1,2}``, header on row 4; round 1 lacks the 11 constituencies abroad (566 rows). 2022:
``resultats-par-niveau-cirlg-t{1,2}-france-entiere.xlsx`` (the legislative files' names with
another extension), one sheet, header on row 1. Both: the fixed columns of the legislative files
(``Inscrits``, ``Abstentions``, ``Votants``, ``Blancs``, ``Nuls``, ``Exprimés``…), then one block
of 7 columns per candidate (``N°Panneau``, ``Sexe``, ``Nom``, ``Prénom``, ``Voix``, ``% Voix/Ins``,
``% Voix/Exp``), no party. The 2010 map (2012–2024).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hemicycle.data.codes import canonical_code
from hemicycle.data.official import DATA_GOUV, OfficialFile, Reader
from hemicycle.data.readers.common import (
    QuirkWarning,
    RoundTable,
    _find_columns,
    cell_text,
    check_arithmetic,
    read_xlsx_rows,
    unique_code,
)
from hemicycle.errors import DataFileError

FIXED = {
    "department": "Code du département",
    "department_name": "Libellé du département",
    "constituency": "Code de la circonscription",
    "registered": "Inscrits",
    "abstentions": "Abstentions",
    "voters": "Votants",
    "blank": "Blancs",
    "null": "Nuls",
    "expressed": "Exprimés",
}
BLOCK = ("N°Panneau", "Sexe", "Nom", "Prénom", "Voix")
WIDTH = 7
#: sheet and header row (0-based) of each year's workbooks
LAYOUT: dict[int, tuple[str | int, int]] = {2017: ("Circo. Leg. Tour {round}", 3), 2022: (0, 0)}


def read(path: Path, round_: int, *, year: int) -> RoundTable:
    from hemicycle.data.readers.common import parse_int

    file = path.name
    sheet, at = LAYOUT[year]
    rows = read_xlsx_rows(path, sheet.format(round=round_) if isinstance(sheet, str) else sheet)
    if len(rows) <= at:
        raise DataFileError("file ends before its header row (truncated?)", file=file)
    header = [" ".join(cell_text(c).split()) for c in rows[at]]
    cols = _find_columns(header, FIXED, file=file, line=at + 1)
    if BLOCK[0] not in header:
        raise DataFileError("missing column", file=file, line=at + 1, column=BLOCK[0])
    start = header.index(BLOCK[0])
    totals: list[dict[str, object]] = []
    cands: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows[at + 1 :], start=at + 2):
        if all(cell_text(c) == "" for c in row):
            continue
        code = unique_code(
            lambda: canonical_code(row[cols["department"]], row[cols["constituency"]]),  # noqa: B023
            seen,
            file=file,
            line=i,
            column=FIXED["constituency"],
            errors=(ValueError, IndexError),
        )
        rec: dict[str, object] = {
            "constituency": code,
            "department_name": cell_text(row[cols["department_name"]]),
            "line": i,
        }
        for f in ("registered", "abstentions", "voters", "blank", "null", "expressed"):
            rec[f] = parse_int(row[cols[f]], file=file, line=i, column=FIXED[f], constituency=code)
        totals.append(rec)
        for k, pos in enumerate(range(start, len(row), WIDTH), start=1):
            block = list(row[pos : pos + WIDTH])
            if all(cell_text(c) == "" for c in block):
                continue
            if len(block) < len(BLOCK):
                raise DataFileError(
                    f"candidate block {k} is incomplete (truncated line?)",
                    file=file,
                    line=i,
                    constituency=code,
                    column=BLOCK[len(block)],
                )
            cands.append(
                {
                    "constituency": code,
                    "panel": parse_int(
                        block[0], file=file, line=i, column=BLOCK[0], constituency=code
                    ),
                    "surname": cell_text(block[2]),
                    "first_name": cell_text(block[3]),
                    "party": None,
                    "votes": parse_int(
                        block[4], file=file, line=i, column=BLOCK[4], constituency=code
                    ),
                }
            )
    if not totals:
        raise DataFileError("no data rows (truncated file?)", file=file)
    totals_df = pd.DataFrame(totals)
    cands_df = pd.DataFrame(cands)
    quirks: list[QuirkWarning] = check_arithmetic(totals_df, cands_df, file=file)
    return RoundTable(year, round_, file, totals_df.drop(columns="line"), cands_df, quirks)


FILES = (
    OfficialFile(
        year=2017,
        round=1,
        role="presidential",
        name="presidential/Presidentielle_2017_Resultats_Tour_1.xls",
        url=f"{DATA_GOUV}/r/2776519f-a940-46f0-99f4-1a3a1374193b",
        sha256="a048eb8cdafe3b8823c287e6b5cad035ca32c0b6578de2cdc398090450d47618",
        dataset_page=f"{DATA_GOUV}/election-presidentielle-des-23-avril-et-7-mai-2017-resultats-"
        "definitifs-du-1er-tour-1/",
    ),
    OfficialFile(
        year=2017,
        round=2,
        role="presidential",
        name="presidential/Presidentielle_2017_Resultats_Tour_2_c.xls",
        url=f"{DATA_GOUV}/r/0e50ba6a-8175-4455-9e4a-09a7783dc547",
        sha256="903dd564aa9328e2826b0631bfd5022d2192ef743c75fa667e8390f33684319d",
        dataset_page=f"{DATA_GOUV}/election-presidentielle-des-23-avril-et-7-mai-2017-resultats-"
        "definitifs-du-2nd-tour/",
    ),
    # the 2022 resource URLs could not be found offline (2022/presidential/SOURCES.md): a mirror
    # only, pinned by sha256
    OfficialFile(
        year=2022,
        round=1,
        role="presidential",
        name="presidential/resultats-par-niveau-cirlg-t1-france-entiere.xlsx",
        url=None,
        sha256="f305e0370b434a9e2aa02a1fefaa2ae52bf7047f7e42d6cd9a4f4c2d7bcd9a44",
        dataset_page=f"{DATA_GOUV}/election-presidentielle-des-10-et-24-avril-2022-resultats-"
        "definitifs-du-1er-tour/",
    ),
    OfficialFile(
        year=2022,
        round=2,
        role="presidential",
        name="presidential/resultats-par-niveau-cirlg-t2-france-entiere.xlsx",
        url=None,
        sha256="b77df8a9617edba6debf60db02a043247c61bc87b23ee7ad731eab5447ca4be0",
        dataset_page=f"{DATA_GOUV}/election-presidentielle-des-10-et-24-avril-2022-resultats-"
        "definitifs-du-2nd-tour/",
    ),
)
READER = Reader(
    name="presidential_ministry",
    files=FILES,
    read=lambda entry, path: read(path, entry.round, year=entry.year),
    presidential_maps={2017: "2010", 2022: "2010"},
)
