"""Bad input: each class of defect gives a named error (file, line or constituency, column), and the
store is left exactly as it was. The defective files are made here from copies of official ones."""

from __future__ import annotations

import hashlib
import os
import shutil
import warnings
from pathlib import Path

import pytest

from hemicycle.data.readers import read_results
from hemicycle.data.registry import files_for
from hemicycle.data.store import DataQuirkWarning, Store
from hemicycle.errors import DataFileError, DataNotAvailableError, UnsupportedElectionError

T1_2022 = "resultats-par-niveau-cirlg-t1-france-entiere.txt"


@pytest.fixture()
def mirror(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private mirror holding a copy of the 2022 files, and a store with 2022 already in it."""
    root = tmp_path / "mirror"
    (root / "2022").mkdir(parents=True)
    shutil.copy(data_dir / "2022" / T1_2022, root / "2022" / T1_2022)
    monkeypatch.setenv("HEMICYCLE_DATA", str(root))
    monkeypatch.setenv("HEMICYCLE_STORE", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache"))
    with Store() as st:
        st.ingest(2022, download=False)
    return root


def _fingerprint() -> str:
    with Store() as st:
        h = hashlib.sha256()
        for t in ("sources", "constituencies", "totals", "candidates", "quirks"):
            h.update(st.query(f"SELECT * FROM {t} ORDER BY ALL").to_csv().encode())
        return h.hexdigest()


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\r\n")


def _write(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"\r\n".join(lines))


def _ingest_fails(match: str) -> DataFileError:
    before = _fingerprint()
    with Store() as st, pytest.raises(DataFileError, match=match) as info:
        st.ingest(2022, download=False)
    assert _fingerprint() == before, "a failed ingest must leave the store unchanged"
    return info.value


def test_wrong_encoding(mirror: Path) -> None:
    f = mirror / "2022" / T1_2022
    f.write_bytes(f.read_bytes().decode("latin-1").encode("cp850"))
    err = _ingest_fails("encoding")
    assert err.file == T1_2022 and err.line == 1


def test_utf16_is_wrong_encoding(mirror: Path) -> None:
    f = mirror / "2022" / T1_2022
    f.write_bytes(f.read_bytes().decode("latin-1").encode("utf-16"))
    _ingest_fails("encoding")


def test_truncated_mid_line(mirror: Path) -> None:
    f = mirror / "2022" / T1_2022
    raw = f.read_bytes()
    f.write_bytes(raw[: len(raw) // 2])
    err = _ingest_fails("incomplete|truncated")
    assert err.line is not None and err.constituency is not None


def test_truncated_at_line_boundary(mirror: Path) -> None:
    f = mirror / "2022" / T1_2022
    lines = _lines(f)
    _write(f, lines[:300])
    _ingest_fails("299 constituencies, expected 577")


def test_missing_column(mirror: Path) -> None:
    f = mirror / "2022" / T1_2022
    lines = _lines(f)
    lines[0] = lines[0].replace(b";Inscrits;", b";Inscrit;")
    _write(f, lines)
    err = _ingest_fails("missing column")
    assert err.column == "Inscrits" and err.line == 1


def test_non_numeric_votes(mirror: Path) -> None:
    f = mirror / "2022" / T1_2022
    lines = _lines(f)
    cells = lines[5].split(b";")
    cells[19 + 5] = b"douze"  # Voix of the first candidate
    lines[5] = b";".join(cells)
    _write(f, lines)
    err = _ingest_fails("expected a non-negative integer")
    assert (err.line, err.column, err.constituency) == (6, "Voix", "0105")


def test_duplicate_constituency(mirror: Path) -> None:
    f = mirror / "2022" / T1_2022
    lines = _lines(f)
    lines.insert(10, lines[9])
    _write(f, lines)
    err = _ingest_fails("duplicate constituency")
    assert err.constituency == "0204" and err.line == 11


def test_truncated_xlsx(tmp_path: Path, data_dir: Path) -> None:
    src = data_dir / "2024" / "resultats_circonscription_tour_1.xlsx"
    bad = tmp_path / src.name
    bad.write_bytes(src.read_bytes()[:50_000])
    entry = files_for(2024, 1, "results")[0]
    with pytest.raises(DataFileError, match="not a readable xlsx") as info:
        read_results(entry, bad)
    assert info.value.file == src.name


def test_unknown_year(isolated_env: Path) -> None:
    with Store() as st, pytest.raises(UnsupportedElectionError, match="2017, 2022, 2024"):
        st.ingest(2012)


def test_unknown_round() -> None:
    import dataclasses

    entry = dataclasses.replace(files_for(2022, 1, "results")[0], round=3)
    with pytest.raises(UnsupportedElectionError, match="round 3"):
        read_results(entry, Path("unused"))


def test_missing_files_in_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("HEMICYCLE_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("HEMICYCLE_STORE", str(tmp_path / "s.duckdb"))
    with Store() as st, pytest.raises(DataNotAvailableError, match="not available"):
        st.ingest(2017)


def test_no_network_gives_instructions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a mirror and without network, the message says how to get the data."""
    import pooch

    from hemicycle.data import sources

    def offline(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.delenv("HEMICYCLE_DATA", raising=False)
    monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(DataNotAvailableError, match="HEMICYCLE_DATA"):
        sources.fetch(files_for(2017, 1, "results")[0], progress=False)


def test_quirks_do_not_fail(mirror: Path) -> None:
    """A sum off by one vote is a warning, not an error."""
    f = mirror / "2022" / T1_2022
    lines = _lines(f)
    cells = lines[1].split(b";")
    cells[19 + 5] = str(int(cells[19 + 5]) + 1).encode()
    lines[1] = b";".join(cells)
    _write(f, lines)
    with Store() as st, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rep = st.ingest(2022, download=False)
    assert [q.constituency for q in rep.quirks] == ["0101"]
    assert any(issubclass(w.category, DataQuirkWarning) for w in caught)


def test_locked_store_is_a_clear_error(tmp_path: Path) -> None:
    """DuckDB allows one writing process: a second one is told what to do."""
    import subprocess
    import sys

    path = tmp_path / "locked.duckdb"
    with Store(path):
        code = ("import sys\nfrom hemicycle.data.store import Store\nfrom hemicycle.errors import "
                f"HemicycleError\ntry:\n    Store({str(path)!r})\nexcept HemicycleError as e:\n"
                "    print(e)\n    sys.exit(3)\n")
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 3, res.stderr
    assert f"process {os.getpid()} " in res.stdout and "--store" in res.stdout
