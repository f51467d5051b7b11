"""2017: ``Leg_2017_Resultats_T{1,2}_c.xlsx``, sheets ``Circo. leg. T1`` / ``Circo. leg. T2``.

Header on row 3, 18 fixed columns, then one 9-column block per candidate (N°Panneau; Sexe; Nom;
Prénom; Nuance; Voix; % Voix/Ins; % Voix/Exp; Sièges). Department codes are numbers, ``2A``/``2B``
or the old overseas letters (mapped to the canonical code).
"""

from __future__ import annotations

from pathlib import Path

from hemicycle.data.codes import canonical_code
from hemicycle.data.official import DATA_GOUV, DATA_GOUV_STATIC, OfficialFile, Reader
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


FILES = (
    OfficialFile(
        year=2017,
        round=1,
        role="results",
        name="Leg_2017_Resultats_T1_c.xlsx",
        url=f"{DATA_GOUV_STATIC}/elections-legislatives-des-11-et-18-juin-2017-resultats-du-1er-tour/"
        "20170613-095447/Leg_2017_Resultats_T1_c.xlsx",
        sha256="ab5e557728db36358d495980c9f32159aaed273b58f59203961bebeabddb680d",
        dataset_page=f"{DATA_GOUV}/elections-legislatives-des-11-et-18-juin-2017-resultats-du-1er-tour/",
    ),
    OfficialFile(
        year=2017,
        round=2,
        role="results",
        name="Leg_2017_Resultats_T2_c.xlsx",
        url=f"{DATA_GOUV}/r/41483dcf-4c61-4e30-b7f8-d10396d28040",
        sha256="4980a4914b41adb11f342521d6094d7f99a67e82a92ac72bd3de056f8273276d",
        dataset_page=f"{DATA_GOUV}/elections-legislatives-des-11-et-18-juin-2017-resultats-du-2nd-tour/",
    ),
)
READER = Reader(
    name="2017",
    files=FILES,
    read=lambda entry, path: read(path, entry.round),
    boundary_maps={2017: "2010"},
)
