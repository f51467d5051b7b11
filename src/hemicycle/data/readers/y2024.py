"""2024: definitive results ``resultats_circonscription_tour_{1,2}.xlsx`` (or their CSV versions).

One row per constituency: 18 fixed columns, then numbered 9-column blocks (``Numéro de panneau k``,
``Nuance candidat k``, ``Nom candidat k``, ``Prénom candidat k``, ``Sexe candidat k``, ``Voix k``,
``% Voix/inscrits k``, ``% Voix/exprimés k``, ``Elu k``). Codes are numbers where numeric (``101``).
"""

from __future__ import annotations

from pathlib import Path

from hemicycle.data.codes import from_2024_code
from hemicycle.data.official import DATA_GOUV, DATA_GOUV_STATIC, OfficialFile, Reader
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


_T1 = (
    f"{DATA_GOUV}/elections-legislatives-des-30-juin-et-7-juillet-2024-"
    "resultats-definitifs-du-1er-tour/"
)
_T2 = (
    f"{DATA_GOUV}/elections-legislatives-des-30-juin-et-7-juillet-2024-"
    "resultats-definitifs-du-2nd-tour/"
)
# The copies the test mirror holds (names as published by third parties, hashes known) come first;
# the Ministry's own resources follow with their URLs. No upstream hash of the 2024 files was ever
# published, so those downloads are unpinned (a warning says so).
FILES = (
    OfficialFile(
        year=2024,
        round=1,
        role="results",
        name="resultats_circonscription_tour_1.xlsx",
        url=None,
        sha256="bb12d988607072007ab51fc887465503c1b6aa877e8c1e012283adde2d078fdd",
        dataset_page=_T1,
    ),
    OfficialFile(
        year=2024,
        round=1,
        role="results",
        name="resultats-definitifs-par-circonscriptions-legislatives.xlsx",
        url=f"{DATA_GOUV_STATIC}/elections-legislatives-des-30-juin-et-7-juillet-2024-resultats-definitifs-du-1er-tour/"
        "20240710-171239/resultats-definitifs-par-circonscriptions-legislatives.xlsx",
        sha256=None,
        dataset_page=_T1,
    ),
    OfficialFile(
        year=2024,
        round=1,
        role="results",
        name="resultats-definitifs-par-circonscriptions-legislatives.csv",
        url=f"{DATA_GOUV_STATIC}/elections-legislatives-des-30-juin-et-7-juillet-2024-resultats-definitifs-du-1er-tour/"
        "20240710-171413/resultats-definitifs-par-circonscriptions-legislatives.csv",
        sha256=None,
        dataset_page=_T1,
    ),
    OfficialFile(
        year=2024,
        round=2,
        role="results",
        name="resultats_circonscription_tour_2.xlsx",
        url=None,
        sha256="be9354a3cbeeb894eca360073d236d8bba1fc68e8ecdd60793bbfacfdcff6cac",
        dataset_page=_T2,
    ),
    OfficialFile(
        year=2024,
        round=2,
        role="results",
        name="legislatives-2024-resultats-t2.csv",
        url=None,
        sha256="bcc062b9264dcf3dc1eac5463acf1e8743171b86385923e7f770fd9028271083",
        dataset_page=_T2,
    ),
    OfficialFile(
        year=2024,
        round=2,
        role="results",
        name="resultats-definitifs-par-circonscription.csv",
        url=f"{DATA_GOUV_STATIC}/elections-legislatives-des-30-juin-et-7-juillet-2024-resultats-definitifs-du-2nd-tour/"
        "20240710-170728/resultats-definitifs-par-circonscription.csv",
        sha256=None,
        dataset_page=_T2,
    ),
)
READER = Reader(
    name="2024",
    files=FILES,
    read=lambda entry, path: read(path, entry.round),
    boundary_maps={2024: "2010"},
)
