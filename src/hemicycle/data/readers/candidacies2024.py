"""2024 candidate lists (``candidatures_tour_{1,2}.xlsx`` or the CSV versions): birth dates, incumbents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from hemicycle.data.codes import from_2024_code
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
        raise DataFileError(f"not a dd/mm/yyyy date: {text!r}", file=file, line=line,
                            constituency=code, column=COLUMNS["birth_date"]) from None


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
            raise DataFileError("row is shorter than the header (truncated?)", file=path.name, line=i)
        try:
            code = from_2024_code(row[cols["constituency"]])
        except ValueError as exc:
            raise DataFileError(str(exc), file=path.name, line=i, column=COLUMNS["constituency"]) from None
        panel = parse_int(row[cols["panel"]], file=path.name, line=i, column=COLUMNS["panel"], constituency=code)
        if (code, panel) in seen:
            raise DataFileError(f"duplicate panel number {panel}", file=path.name, line=i,
                                constituency=code, column=COLUMNS["panel"])
        seen.add((code, panel))
        out.append({
            "constituency": code,
            "panel": panel,
            "surname": cell_text(row[cols["surname"]]),
            "first_name": cell_text(row[cols["first_name"]]),
            "sex": normalise_sex(row[cols["sex"]]),
            "birth_date": _date(row[cols["birth_date"]], file=path.name, line=i, code=code),
            "nuance": cell_text(row[cols["nuance"]]).upper(),
            "incumbent": cell_text(row[cols["incumbent"]]).upper() == "OUI",
        })
    if not out:
        raise DataFileError("no candidate rows after the header (truncated file?)", file=path.name)
    df = pd.DataFrame(out)
    df["birth_date"] = pd.to_datetime(df["birth_date"]).dt.date
    return df
