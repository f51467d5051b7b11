"""The two-column CSV files (alliance ``key,group``, Assembly ``group,seats``): one reader, errors
naming the file, the line and the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from hemicycle import api
from hemicycle.data.two_columns import read_two_columns
from hemicycle.errors import DataFileError


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "f.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_rows_are_stripped_numbered_and_blank_rows_skipped(tmp_path: Path) -> None:
    p = _write(tmp_path, "\ufeffkey , group\nUG, left\n\n ,\nRN,far_right\n")
    assert read_two_columns(p, ("key", "group"), what="x") == [
        (2, "UG", "left"),
        (5, "RN", "far_right"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        ("group,seat\nRN,1\n", 1, "header must be exactly 'group,seats'"),
        ("", 1, "header must be exactly 'group,seats'"),
        ("group,seats\nRN,1\nLR,2,3\n", 3, "expected two fields: group,seats"),
        ("group,seats\n,4\n", 2, "expected two fields: group,seats"),
        ("group,seats\nRN,many\n", 2, "seats 'many' is not an integer"),
        ("group,seats\nRN,-1\n", 2, "seats must be >= 0"),
    ],
)
def test_assembly_file_errors_name_the_line(
    tmp_path: Path, text: str, line: int, match: str
) -> None:
    p = _write(tmp_path, text)
    with pytest.raises(DataFileError, match=match) as exc:
        api.read_assembly(p)
    assert exc.value.line == line and exc.value.file == str(p)


def test_alliance_file(tmp_path: Path) -> None:
    u = api.unit(str(_write(tmp_path, "key,group\nUG,left\nENS,centre\n")))
    assert u.name == "f" and u.mapping == {"UG": "left", "ENS": "centre"}
    for text, line in (("key,group\nUG,\n", 2), ("key,group\nUG,left\nRN\n", 3)):
        with pytest.raises(DataFileError, match="expected two non-empty fields") as exc:
            api.unit(str(_write(tmp_path, text)))
        assert exc.value.line == line
    with pytest.raises(DataFileError, match="cannot read alliance file") as exc:
        api.unit(str(tmp_path / "missing.csv"))
    assert exc.value.file == str(tmp_path / "missing.csv")
