"""2017: ``Leg_2017_Resultats_T{1,2}_c.xlsx``, sheets ``Circo. leg. T1`` / ``Circo. leg. T2``.

Header on row 3, 18 fixed columns, then one 9-column block per candidate (N°Panneau; Sexe; Nom;
Prénom; Nuance; Voix; % Voix/Ins; % Voix/Exp; Sièges). Department codes are numbers, ``2A``/``2B``
or the old overseas letters (mapped to the canonical code).
"""

from __future__ import annotations

from pathlib import Path

from hemicycle.data.codes import canonical_code
from hemicycle.data.readers.common import RoundTable, WideSpec, parse_wide, read_xlsx_rows

FIXED = {
    "department": "Code du département",
    "department_name": "Libellé du département",
    "constituency": "Code de la circonscription",
    "constituency_name": "Libellé de la circonscription",
    "registered": "Inscrits",
    "abstentions": "Abstentions",
    "voters": "Votants",
    "blank": "Blancs",
    "null": "Nuls",
    "expressed": "Exprimés",
}
BLOCK = {
    "panel": "N°Panneau",
    "sex": "Sexe",
    "surname": "Nom",
    "first_name": "Prénom",
    "nuance": "Nuance",
    "votes": "Voix",
    "elected": "Sièges",
}
SPEC = WideSpec(FIXED, BLOCK, code=lambda f: canonical_code(f["department"], f["constituency"]))


def read(path: Path, round_: int) -> RoundTable:
    rows = read_xlsx_rows(path, f"Circo. leg. T{round_}")
    return parse_wide(rows, SPEC, year=2017, round_=round_, file=path.name, header_index=2)
