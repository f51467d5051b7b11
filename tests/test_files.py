"""The registry is collected from the reader modules: none forgotten, every year complete."""

from __future__ import annotations

import dataclasses
import sys
from collections import Counter
from pathlib import Path

import pytest

from hemicycle.data import blocs, readers
from hemicycle.data import files as registry
from hemicycle.data.official import OfficialFile, Reader
from hemicycle.errors import YearNotAvailableError


def test_every_reader_module_registers() -> None:
    assert readers.UNREGISTERED == ()
    names = [r.name for r in readers.READERS]
    assert set(names) == {
        *("cdsp", "cdsp_parties", "2017", "2022", "2024", "2024-candidacies", "contours"),
        *("presidential_cdsp", "presidential_ministry"),
    }
    assert len(names) == len(set(names))
    assert registry.files_for(1997, 1)[0].reader == "cdsp"


def test_a_module_without_reader_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = tmp_path / "fake_readers"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "good.py").write_text(
        "from hemicycle.data.official import Reader\nREADER = Reader(name='good', files=())\n"
    )
    (pkg / "forgot.py").write_text("def read(path, round_):\n    return None\n")
    (pkg / "helper.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        found, missing = readers.discover([str(pkg)], "fake_readers", frozenset({"helper"}))
    finally:
        for m in [m for m in sys.modules if m.startswith("fake_readers")]:
            del sys.modules[m]
    assert [r.name for r in found] == ["good"] and missing == ("forgot",)


def test_files_are_declared_once_and_read_by_their_module() -> None:
    keys = Counter((f.year, f.role, f.name) for f in registry.FILES)
    assert max(keys.values()) == 1
    for f in registry.FILES:
        assert f in readers.reader_of(f).files


def test_every_year_has_a_map_blocs_and_round1() -> None:
    assert registry.YEARS == (
        *(1958, 1962, 1967, 1968, 1973, 1978, 1981, 1988, 1993),
        *(1997, 2002, 2007, 2012, 2017, 2022, 2024),
    )
    assert set(registry.BOUNDARY_MAPS) == set(registry.YEARS)
    assert {registry.boundary_map(y) for y in (1958, 1962)} == {"1958"}
    assert {registry.boundary_map(y) for y in (1967, 1968, 1973, 1978, 1981)} == {"1967"}
    assert {registry.boundary_map(y) for y in (1988, 1993, 1997, 2002, 2007)} == {"1986"}
    assert {registry.boundary_map(y) for y in (2012, 2017, 2022, 2024)} == {"2010"}
    bloc_years = {y for y, _ in blocs.table()}
    for y in registry.YEARS:
        assert y in bloc_years, y
        assert registry.files_for(y, 1, "results"), y
    with pytest.raises(YearNotAvailableError, match="1958"):
        registry.boundary_map(1986)


def test_official_file_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        OfficialFile(2017, 1, "results", "x.csv", None, None, "page")  # type: ignore[misc]
    f = registry.files_for(2017, 1, "results")[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.year = 2018  # type: ignore[misc]
    assert isinstance(readers.reader_of(f), Reader)


def test_2022_round2_is_pinned_and_cdsp_files_point_at_the_pinned_commit() -> None:
    (t2,) = registry.files_for(2022, 2, "results")
    assert t2.url == "https://www.data.gouv.fr/fr/datasets/r/a84f1483-a191-4187-ad40-404105bb9bf0"
    assert t2.sha256 == "0878a6943a609cf489c7af1f52e38e9152d788995c76ecbba58eb75926962fc7"
    cdsp = [f for f in registry.FILES if f.name.startswith("cdsp_legi")]
    assert len(cdsp) == 2 * 13 and all(f.sha256 and len(f.sha256) == 64 for f in cdsp)
    assert all(
        f.url == "https://raw.githubusercontent.com/domi41/french-legislatives-analysis/"
        f"9e888ad0391e4f31d7e607a85a87bd32e3aa2993/data/{f.name}"
        for f in cdsp
    )
