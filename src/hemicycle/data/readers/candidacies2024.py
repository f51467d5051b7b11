"""2024 candidate lists (``candidatures_tour_{1,2}.xlsx`` or the CSV versions): birth dates,
incumbents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from hemicycle.data.codes import from_2024_code
from hemicycle.data.official import DATA_GOUV, DATA_GOUV_STATIC, OfficialFile, Reader
from hemicycle.data.readers.common import (
    _find_columns,
    cell_text,
    decode_text,
    normalise_sex,
    parse_int,
    read_xlsx_rows,
    split_text_rows,
)
from hemicycle.errors import DataFileError

COLUMNS = {
    "constituency": "Code circonscription",
    "panel": "Numéro de panneau",
    "sex": "Sexe du candidat",
    "surname": "Nom du candidat",
    "first_name": "Prénom du candidat",
    "birth_date": "Date de naissance du candidat",
    "nuance": "Code nuance",
    "incumbent": "Sortant",
}


def _date(cell: object, *, file: str, line: int, code: str) -> dt.date | None:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = cell_text(cell)
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        raise DataFileError(
            f"not a dd/mm/yyyy date: {text!r}",
            file=file,
            line=line,
            constituency=code,
            column=COLUMNS["birth_date"],
        ) from None


def read(path: Path, round_: int) -> pd.DataFrame:
    if path.suffix.lower() == ".xlsx":
        rows = read_xlsx_rows(path, 0)
    else:
        text = decode_text(path, expected_header="Code département", encodings=("utf-8", "latin-1"))
        rows = split_text_rows(text, delimiter=";", quoted=False)
    if not rows:
        raise DataFileError("file is empty", file=path.name)
    cols = _find_columns(rows[0], COLUMNS, file=path.name, line=1)
    out = []
    seen: set[tuple[str, int]] = set()
    for i, row in enumerate(rows[1:], start=2):
        if all(cell_text(c) == "" for c in row):
            continue
        if len(row) <= max(cols.values()):
            raise DataFileError(
                "row is shorter than the header (truncated?)", file=path.name, line=i
            )
        try:
            code = from_2024_code(row[cols["constituency"]])
        except ValueError as exc:
            raise DataFileError(
                str(exc), file=path.name, line=i, column=COLUMNS["constituency"]
            ) from None
        panel = parse_int(
            row[cols["panel"]], file=path.name, line=i, column=COLUMNS["panel"], constituency=code
        )
        if (code, panel) in seen:
            raise DataFileError(
                f"duplicate panel number {panel}",
                file=path.name,
                line=i,
                constituency=code,
                column=COLUMNS["panel"],
            )
        seen.add((code, panel))
        out.append(
            {
                "constituency": code,
                "panel": panel,
                "surname": cell_text(row[cols["surname"]]),
                "first_name": cell_text(row[cols["first_name"]]),
                "sex": normalise_sex(row[cols["sex"]]),
                "birth_date": _date(row[cols["birth_date"]], file=path.name, line=i, code=code),
                "nuance": cell_text(row[cols["nuance"]]).upper(),
                "incumbent": cell_text(row[cols["incumbent"]]).upper() == "OUI",
            }
        )
    if not out:
        raise DataFileError("no candidate rows after the header (truncated file?)", file=path.name)
    df = pd.DataFrame(out)
    df["birth_date"] = pd.to_datetime(df["birth_date"]).dt.date
    return df


_C1 = (
    f"{DATA_GOUV}/elections-legislatives-des-30-juin-et-7-juillet-2024-"
    "liste-des-candidats-du-1er-tour/"
)
_C2 = (
    f"{DATA_GOUV}/elections-legislatives-des-30-juin-et-7-juillet-2024-"
    "liste-des-candidats-du-2nd-tour/"
)
FILES = (
    OfficialFile(
        year=2024,
        round=1,
        role="candidacies",
        name="candidatures_tour_1.xlsx",
        url=None,
        sha256="a68d547ce19171280f527888f1160051ba5a4146a602a4b448da4d3e3d86fb7f",
        dataset_page=_C1,
    ),
    OfficialFile(
        year=2024,
        round=1,
        role="candidacies",
        name="legislatives-2024-candidatures-france-entiere-tour-1-2024-06-28.csv",
        url=f"{DATA_GOUV_STATIC}/elections-legislatives-des-30-juin-et-7-juillet-2024-liste-des-candidats-du-1er-tour/"
        "20240628-172440/legislatives-2024-candidatures-france-entiere-tour-1-2024-06-28.csv",
        sha256=None,
        dataset_page=_C1,
    ),
    OfficialFile(
        year=2024,
        round=2,
        role="candidacies",
        name="candidatures_tour_2.xlsx",
        url=None,
        sha256="bf57b87ed1112a03da2d9fb46aa968c51320df2b0d1d7f32d377f091f0884b8d",
        dataset_page=_C2,
    ),
    # version of 3 July 15h37: Finistère (29) panel numbers renumbered 1..n (fixed on 5 July)
    OfficialFile(
        year=2024,
        round=2,
        role="candidacies",
        name="legislatives-2024-candidatures-france-entiere-tour-2-2024-07-03-15h37.csv",
        url=None,
        sha256="dcf28be43991aeda9c562b907d83036fd8859e993f26a4fc966d7b30ae3e50d7",
        dataset_page=_C2,
    ),
    OfficialFile(
        year=2024,
        round=2,
        role="candidacies",
        name="legislatives-2024-candidatures-france-entiere-tour-2-2024-07-03-12h18.xlsx",
        url=f"{DATA_GOUV_STATIC}/elections-legislatives-des-30-juin-et-7-juillet-2024-liste-des-candidats-du-2nd-tour/"
        "20240703-133918/legislatives-2024-candidatures-france-entiere-tour-2-2024-07-03-12h18.xlsx",
        sha256=None,
        dataset_page=_C2,
    ),
)
READER = Reader(
    name="2024-candidacies", files=FILES, read=lambda entry, path: read(path, entry.round)
)
