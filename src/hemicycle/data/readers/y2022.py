"""2022: ``resultats-par-niveau-cirlg-t{1,2}-france-entiere.txt``.

ISO-8859-1, ``;``-separated, no quoting, decimal comma, 19 fixed columns (with ``Etat saisie``), then
9-column candidate blocks named once in the header and repeated on each row, which ends with ``;``.
Round 2 has the same layout as round 1.
"""

from __future__ import annotations

from pathlib import Path

from hemicycle.data.codes import canonical_code
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
