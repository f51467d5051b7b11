"""2022: ``resultats-par-niveau-cirlg-t{1,2}-france-entiere.txt``.

ISO-8859-1, ``;``-separated, no quoting, decimal comma, 19 fixed columns (with ``Etat saisie``),
then 9-column candidate blocks named once in the header and repeated on each row, which ends with
``;``. Round 2 has the same layout as round 1.
"""

from __future__ import annotations

from pathlib import Path

from hemicycle.data.codes import canonical_code
from hemicycle.data.official import DATA_GOUV, OfficialFile, Reader
from hemicycle.data.readers.common import (
    RoundTable,
    WideSpec,
    decode_text,
    parse_wide,
    split_text_rows,
)
from hemicycle.data.readers.y2017 import BLOCK, FIXED

SPEC = WideSpec(FIXED, BLOCK, code=lambda f: canonical_code(f["department"], f["constituency"]))


def read(path: Path, round_: int) -> RoundTable:
    # latin-1 is the published encoding; a UTF-8 re-save is accepted too. Latin-1 decodes any bytes,
    # so a wrong encoding shows up as a header that does not match.
    text = decode_text(path, expected_header="Code du département", encodings=("utf-8", "latin-1"))
    rows = split_text_rows(text, delimiter=";", quoted=False)
    return parse_wide(rows, SPEC, year=2022, round_=round_, file=path.name, header_index=0)


FILES = (
    OfficialFile(
        year=2022,
        round=1,
        role="results",
        name="resultats-par-niveau-cirlg-t1-france-entiere.txt",
        url=f"{DATA_GOUV}/r/626d173f-5c89-42f5-9350-403559f1a3e8",
        sha256="cf3827f8d14df369a7821d02323ab0aff6031e3e9bf64d62c3a54a96c1545d93",
        dataset_page=f"{DATA_GOUV}/elections-legislatives-des-12-et-19-juin-2022-resultats-definitifs-du-premier-tour/",
    ),
    OfficialFile(  # absent from the test mirror on purpose; 122,968 bytes, 572 rows
        year=2022,
        round=2,
        role="results",
        name="resultats-par-niveau-cirlg-t2-france-entiere.txt",
        url=f"{DATA_GOUV}/r/a84f1483-a191-4187-ad40-404105bb9bf0",
        sha256="0878a6943a609cf489c7af1f52e38e9152d788995c76ecbba58eb75926962fc7",
        dataset_page=f"{DATA_GOUV}/elections-legislatives-des-12-et-19-juin-2022-resultats-definitifs-du-second-tour/",
    ),
)
READER = Reader(
    name="2022",
    files=FILES,
    read=lambda entry, path: read(path, entry.round),
    boundary_maps={2022: "2010"},
)
