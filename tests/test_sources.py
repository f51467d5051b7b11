"""Downloads: pooch fetches from the pinned URL and checks the sha256 (served here on loopback)."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import threading
from pathlib import Path

import pytest

from hemicycle.data import sources
from hemicycle.data.files import FILES, files_for
from hemicycle.errors import DataNotAvailableError

NAME = "Leg_2017_Resultats_T1_c.xlsx"


@pytest.fixture()
def server(data_dir: Path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(data_dir))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_fetch_checks_sha256(server: str, isolated_env: Path, monkeypatch) -> None:
    monkeypatch.delenv("HEMICYCLE_DATA", raising=False)
    entry = dataclasses.replace(files_for(2017, 1, "results")[0], url=f"{server}/2017/{NAME}")
    path = sources.fetch(entry, progress=True)
    assert path == isolated_env / "cache" / "files" / "2017" / NAME
    assert sources.sha256_of(path) == entry.sha256
    # once cached, the file is found without the network
    assert sources.find_local(2017, 1, "results") == (files_for(2017, 1, "results")[0], path)


def test_fetch_rejects_wrong_hash(server: str, isolated_env: Path, monkeypatch) -> None:
    monkeypatch.delenv("HEMICYCLE_DATA", raising=False)
    entry = dataclasses.replace(
        files_for(2017, 1, "results")[0], url=f"{server}/2017/{NAME}", sha256="0" * 64
    )
    with pytest.raises(DataNotAvailableError, match="SHA256|hash"):
        sources.fetch(entry, progress=False)


def test_registry_hashes_match_the_mirror(data_dir: Path) -> None:
    """Every pinned hash agrees with the copy in the mirror, where the mirror has that file."""
    checked = 0
    for f in FILES:
        path = data_dir / str(f.year) / f.name
        if f.sha256 and path.exists():
            assert sources.sha256_of(path) == f.sha256, f.name
            checked += 1
    assert checked >= 9


def test_unpinned_file_explains_where_to_get_it() -> None:
    entry = next(f for f in files_for(2024, 1, "results") if f.url is None)
    with pytest.raises(DataNotAvailableError, match="dataset"):
        sources.fetch(entry, progress=False)


def test_fetch_year_2024_includes_the_map_contours(data_dir: Path) -> None:
    names = [p.name for p in sources.fetch_year(2024, progress=False)]
    assert "circonscriptions-legislatives-p20.geojson.zip" in names
    assert not any("geojson" in p.name for p in sources.fetch_year(2017, progress=False))


def test_fetch_year_never_downloads_beside_a_mirror(tmp_path, monkeypatch) -> None:
    """With HEMICYCLE_DATA set, the mirror is the only source: an empty one is named, nothing is
    downloaded (every fetch would fail loudly here)."""
    monkeypatch.setenv("HEMICYCLE_DATA", str(tmp_path))
    monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache"))

    def no_download(*args, **kwargs):
        raise AssertionError("downloaded beside a mirror")

    monkeypatch.setattr(sources, "fetch", no_download)
    with pytest.raises(DataNotAvailableError, match=f"HEMICYCLE_DATA={tmp_path} holds no file"):
        sources.fetch_year(2024, progress=False)


def test_cache_files_are_written_whole_or_not_at_all(tmp_path) -> None:
    """The one way caches are written (fitted transfers, map geometry): through a private
    temporary file renamed into place; an unwritable cache returns False and raises nothing."""
    from hemicycle.data.sources import write_cached

    target = tmp_path / "sub" / "layout.json"
    assert write_cached(target, lambda tmp: tmp.write_text("{}", encoding="utf-8"))
    assert target.read_text() == "{}" and [p.name for p in target.parent.iterdir()] == [
        "layout.json"
    ]

    def fails(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    assert not write_cached(target, fails)
    assert target.read_text() == "{}" and len(list(target.parent.iterdir())) == 1  # no leftover
    blocked = tmp_path / "file"
    blocked.write_text("x")
    assert not write_cached(blocked / "a.json", lambda tmp: tmp.write_text("{}"))
