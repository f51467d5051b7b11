"""2024: definitive results ``resultats_circonscription_tour_{1,2}.xlsx`` (or their CSV versions).

One row per constituency: 18 fixed columns, then numbered 9-column blocks (``Numéro de panneau k``,
``Nuance candidat k``, ``Nom candidat k``, ``Prénom candidat k``, ``Sexe candidat k``, ``Voix k``,
``% Voix/inscrits k``, ``% Voix/exprimés k``, ``Elu k``). Codes are numbers where numeric (``101``).
"""

from __future__ import annotations

from pathlib import Path

from hemicycle.data.codes import from_2024_code
from hemicycle.data.readers.common import (
    RoundTable,
    WideSpec,
    decode_text,
    parse_wide,
    read_xlsx_rows,
    split_text_rows,
)

FIXED = {
    "department": "Code département",
    "department_name": "Libellé département",
    "constituency": "Code circonscription législative",
    "constituency_name": "Libellé circonscription législative",
    "registered": "Inscrits",
    "abstentions": "Abstentions",
    "voters": "Votants",
    "blank": "Blancs",
    "null": "Nuls",
    "expressed": "Exprimés",
}
BLOCK = {
    "panel": "Numéro de panneau {k}",
    "nuance": "Nuance candidat {k}",
    "surname": "Nom candidat {k}",
    "first_name": "Prénom candidat {k}",
    "sex": "Sexe candidat {k}",
    "votes": "Voix {k}",
    "elected": "Elu {k}",
}
SPEC = WideSpec(FIXED, BLOCK, code=lambda f: from_2024_code(f["constituency"]))


def read(path: Path, round_: int) -> RoundTable:
    if path.suffix.lower() == ".xlsx":
        rows = read_xlsx_rows(path, 0)
    else:
        text = decode_text(path, expected_header="Code département", encodings=("utf-8", "latin-1"))
        rows = split_text_rows(text, delimiter=";", quoted=True)
    return parse_wide(rows, SPEC, year=2024, round_=round_, file=path.name, header_index=0)
