"""Locating official files: a local mirror (``HEMICYCLE_DATA``) or a pinned download (pooch)."""

from __future__ import annotations

import numbers
import os
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

from hemicycle.data.files import CONTOURS_YEAR, YEARS, OfficialFile, Role, files_for
from hemicycle.data.official import ROUND_ROLES
from hemicycle.errors import (
    DataFileError,
    DataNotAvailableError,
    OptionError,
    YearNotAvailableError,
)

ENV_DATA = "HEMICYCLE_DATA"
ENV_CACHE = "HEMICYCLE_CACHE"


def cache_dir() -> Path:
    """Where downloads and the default store live (``HEMICYCLE_CACHE`` or the user cache dir)."""
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("hemicycle"))


def write_cached(path: Path, write: Callable[[Path], object]) -> bool:
    """Write a cache file through a private temporary file renamed into place, so that no reader
    (another thread or process) ever sees it half-written; ``write(tmp)`` writes the content.
    A cache that cannot be written only costs time: False, and nothing raised. The fitted
    transfers and the maps' geometry are cached this way."""
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp{path.suffix}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        with open(tmp, "rb+") as f:  # on disk before it is renamed: a crash leaves no torn file
            os.fsync(f.fileno())
        tmp.replace(path)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:  # the folder itself could not be made
            pass
        return False
    return True


#: The largest official file hemicycle reads (128 MiB): forty times the largest it knows (the 2017
#: presidential round 1 workbook, 3.1 MB; the contours, 2.1 MB), so that a wrong or damaged file
#: of gigabytes is refused before it is read, never read whole into memory.
MAX_OFFICIAL_BYTES = 128 * 2**20


def check_size(path: Path) -> Path:
    """``path`` if it is no larger than :data:`MAX_OFFICIAL_BYTES`; else a one-line
    :class:`~hemicycle.errors.DataFileError` naming it, before anything is read."""
    size = path.stat().st_size
    if size > MAX_OFFICIAL_BYTES:
        raise DataFileError(
            f"{size / 2**20:,.0f} MiB, more than any official file hemicycle reads "
            f"(at most {MAX_OFFICIAL_BYTES // 2**20} MiB): not read; replace it with the "
            "official file",
            file=str(path),
        )
    return path


def mirror_dir() -> Path | None:
    env = os.environ.get(ENV_DATA)
    return Path(env).expanduser() if env else None


def check_year(year: int) -> int:
    """``year`` as a plain ``int`` (a numpy integer from a data frame is one), refused with one
    sentence if it is not an integer (``2024.0``, ``"2024"``, ``True``) or has no reader."""
    if isinstance(year, bool) or not isinstance(year, numbers.Integral):  # numpy's too
        raise OptionError(f"year must be an integer such as 2024; got {year!r}")
    if year not in YEARS:
        raise YearNotAvailableError(
            f"no reader for the {year} legislative elections; years supported: "
            + ", ".join(map(str, YEARS))
        )
    return int(year)


def sha256_of(path: Path) -> str:
    """The file's sha256 (hex), by pooch, the library that checks the downloads against it."""
    import pooch

    return str(pooch.file_hash(str(path), alg="sha256"))


def find_local(year: int, round_: int, role: Role) -> tuple[OfficialFile, Path] | None:
    """The first file of the catalogue for (year, round, role) present in the mirror or the download
    cache."""
    check_year(year)
    roots = [d for d in (mirror_dir(), cache_dir() / "files") if d is not None]
    mirror = mirror_dir()
    if mirror is not None:
        roots = [mirror]  # a mirror, when set, is the only source of truth
    for entry in files_for(year, round_, role):
        for root in roots:
            path = root / str(year) / entry.name
            if path.is_file():
                return entry, check_size(path)
    return None


class _RichDownloadBar:
    """The progress-bar protocol pooch expects (``total``, ``update``, ``reset``, ``close``), drawn
    with rich so that no tqdm is needed."""

    def __init__(self, label: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        out = Console(stderr=True)  # stdout is the command's result
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            transient=False,
            console=out,
            disable=not out.is_terminal,  # a log gets no bar
        )
        self._task = self._progress.add_task(label, total=None)
        self._progress.start()
        self._total: int | None = None

    @property
    def total(self) -> int | None:
        return self._total

    @total.setter
    def total(self, value: int | None) -> None:
        self._total = value
        self._progress.update(self._task, total=value)

    def update(self, n: int) -> None:
        self._progress.advance(self._task, n)

    def reset(self) -> None:
        self._progress.reset(self._task, total=self._total)

    def close(self) -> None:
        self._progress.stop()


def fetch(entry: OfficialFile, *, progress: bool = True) -> Path:
    """Download one official file with pooch, checked against its sha256, into the cache."""
    if entry.url is None:
        raise DataNotAvailableError(
            f"{entry.year}/{entry.name} has no pinned download URL yet; download it from "
            f"{entry.dataset_page} and place it in $HEMICYCLE_DATA/{entry.year}/{entry.name}"
        )
    import pooch

    if entry.sha256 is None:
        warnings.warn(
            f"{entry.name}: no sha256 is pinned for this file; it is downloaded unverified",
            stacklevel=2,
        )
    # a name may hold a folder (``presidential/…``): pooch is given the file's own name
    target = (cache_dir() / "files" / str(entry.year) / entry.name).parent
    bar = _RichDownloadBar(f"{entry.year}/{entry.name}") if progress else False
    try:
        path = pooch.retrieve(
            url=entry.url,
            known_hash=f"sha256:{entry.sha256}" if entry.sha256 else None,
            fname=Path(entry.name).name,
            path=target,
            progressbar=bar,
        )
    except Exception as exc:  # network errors come in many classes (requests, urllib3, OSError)
        if isinstance(bar, _RichDownloadBar):
            bar.close()
        raise DataNotAvailableError(
            f"could not download {entry.name} ({exc.__class__.__name__}: {exc}). Without network, "
            f"set {ENV_DATA}=DIR to a folder laid out as DIR/<year>/<official file name>, with "
            f"{entry.name} from {entry.dataset_page}"
        ) from exc
    return Path(path)


def locate(
    year: int, round_: int, role: Role, *, download: bool = True, progress: bool = True
) -> tuple[OfficialFile, Path] | None:
    """Find a file locally, else (when a mirror is not set and ``download``) fetch it.

    Returns ``None`` when the file is absent from the mirror (an optional round, say).
    """
    found = find_local(year, round_, role)
    if found is not None:
        return found
    if mirror_dir() is not None or not download:
        return None
    entries = [e for e in files_for(year, round_, role) if e.url is not None]
    if not entries:
        return None
    return entries[0], check_size(fetch(entries[0], progress=progress))


def fetch_year(year: int, *, progress: bool = True) -> list[Path]:
    """Download every file of a year that has a URL and is not yet cached (and, for
    :data:`~hemicycle.data.files.CONTOURS_YEAR`, the constituency contours of the maps)."""
    check_year(year)
    mirror = mirror_dir()
    paths = []
    for round_ in (1, 2):
        for role in ROUND_ROLES:  # a mirror, when set, is the only source: no download
            found = locate(year, round_, role, progress=progress)
            if found is not None:
                paths.append(found[1])
    if mirror is not None and not paths:
        names = ", ".join(f"{year}/{f.name}" for f in files_for(year, 1, "results"))
        raise DataNotAvailableError(
            f"the mirror HEMICYCLE_DATA={mirror} holds no file of {year} (looked for {names}); "
            f"add the files there, or unset HEMICYCLE_DATA to download them"
        )
    if year == CONTOURS_YEAR:  # the maps' constituency contours (one file for every year)
        found = locate(year, 0, "contours")
        if found is not None:
            paths.append(found[1])
    return paths


def locate_presidential(
    year: int, round_: int, *, download: bool = True, progress: bool = True
) -> tuple[OfficialFile, Path] | None:
    """A presidential election's results by legislative constituency (role ``presidential``),
    found like :func:`locate` (the mirror, when set, is the only source; else the cache, else a
    pinned download). ``None`` when absent."""
    from hemicycle.data.files import PRESIDENTIAL_YEARS

    if isinstance(year, bool) or not isinstance(year, numbers.Integral):
        raise OptionError(f"year must be an integer such as 2022; got {year!r}")
    if year not in PRESIDENTIAL_YEARS:
        raise YearNotAvailableError(
            f"no reader for the {year} presidential election; years supported: "
            + ", ".join(map(str, PRESIDENTIAL_YEARS))
        )
    mirror = mirror_dir()
    root = mirror if mirror is not None else cache_dir() / "files"
    entries = files_for(year, round_, "presidential")
    for entry in entries:
        path = root / str(year) / entry.name
        if path.is_file():
            return entry, check_size(path)
    if mirror is not None or not download:
        return None
    for entry in entries:
        if entry.url is not None:
            return entry, check_size(fetch(entry, progress=progress))
    return None
