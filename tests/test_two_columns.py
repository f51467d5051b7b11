"""The two-column CSV files (alliance ``key,group``, Assembly ``group,seats``): one reader, errors
naming the file, the line and the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from hemicycle import session as api
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


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    """A header and nothing below it is a mistake (a half-written file), not "no change"."""
    p = _write(tmp_path, "key,group\n\n")
    with pytest.raises(DataFileError, match="no rows below the header 'key,group'") as exc:
        api.unit(str(p))
    assert exc.value.file == str(p)
    with pytest.raises(DataFileError, match="an empty the Assembly file|no rows"):
        api.read_assembly(_write(tmp_path, "group,seats\n"))


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        ("key,group\nUG,NFP\nUGG,NFP\n", 3, "unknown key 'UGG'"),  # a typo, not a nuance
        ("key,group\nUG,NFP\nDVG,NFP\nUG,Other\n", 4, r"'UG' appears twice \(first on line 2\)"),
    ],
)
def test_alliance_keys_are_known_and_unique(
    tmp_path: Path, text: str, line: int, match: str
) -> None:
    with pytest.raises(DataFileError, match=match) as exc:
        api.unit(str(_write(tmp_path, text)))
    assert exc.value.line == line and exc.value.column == "key"
    # a nuance of any year (FN: 2017) and any bloc are known keys
    assert api.unit(str(_write(tmp_path, "key,group\nFN,RN+\nfar_right,RN+\n"))).mapping


def test_a_utf16_file_is_named_as_such(tmp_path: Path) -> None:
    p = tmp_path / "lineup.csv"
    p.write_text("constituency,panel\n0101,1\n", encoding="utf-16")  # with its byte-order mark
    with pytest.raises(DataFileError, match="UTF-16 byte-order mark") as exc:
        read_two_columns(p, ("constituency", "panel"), what="lineup file")
    assert exc.value.line == 1 and exc.value.file == str(p)


def test_an_alliance_mapping_from_python_is_checked_like_a_file() -> None:
    """hc.compare(2024, unit={"UGG": ...}): the typo is refused, not silently left unmapped."""
    from hemicycle.errors import OptionError

    with pytest.raises(OptionError, match=r"alliance mapping: unknown key 'UGG'"):
        api.unit({"UGG": "NFP", "ENS": "centre"})
    assert api.unit({"UG": "NFP", "far_right": "RN+"}).mapping == {"UG": "NFP", "far_right": "RN+"}
