"""The official constituency contours (GeoJSON, WGS84): the only code that opens that file.

The mirror holds ``circonscriptions-legislatives-p20.geojson.zip`` (one member, the upstream
GeoJSON); a download brings the upstream ``.geojson`` itself. :func:`read_contours` accepts either
and returns a frozen :class:`Contours`: one feature per constituency under its canonical code
(``ZA01`` → ``97101``), each a tuple of polygons, each a tuple of rings (outer ring first) as
``(n, 2)`` float64 arrays of (longitude, latitude) without the closing point. Anything it cannot
read raises a :class:`~hemicycle.errors.DataFileError` naming the file (and the feature and
property).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hemicycle.data.codes import from_2024_code
from hemicycle.data.official import DATA_GOUV, DATA_GOUV_STATIC, OfficialFile, Reader
from hemicycle.errors import DataFileError, DataNotAvailableError

PROPERTIES = ("codeDepartement", "nomDepartement", "codeCirconscription", "nomCirconscription")

Ring = np.ndarray  # (n, 2) float64 lon/lat
Polygon = tuple[Ring, ...]


@dataclass(frozen=True, eq=False)
class Contours:
    """Constituency contours, sorted by canonical code."""

    file: str
    sha256: str
    codes: tuple[str, ...]
    names: tuple[str, ...]  # ``nomCirconscription``, e.g. "1ère circonscription"
    department_names: tuple[str, ...]
    polygons: tuple[tuple[Polygon, ...], ...]  # feature → polygons → rings (outer first)

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def n_vertices(self) -> int:
        return sum(len(r) for feat in self.polygons for poly in feat for r in poly)


def locate_contours(*, download: bool = True) -> tuple[OfficialFile, Path]:
    """The contours file: in the mirror (``HEMICYCLE_DATA``), the download cache, or downloaded."""
    from hemicycle.data import sources
    from hemicycle.data.files import files_for

    hit = sources.locate(CONTOURS_YEAR, 0, "contours", download=download)
    if hit is None:
        names = " or ".join(e.name for e in files_for(CONTOURS_YEAR, 0, "contours"))
        page = files_for(CONTOURS_YEAR, 0, "contours")[0].dataset_page
        raise DataNotAvailableError(
            f"the constituency contours are not available: place {names} (from {page}) in "
            f"${sources.ENV_DATA}/{CONTOURS_YEAR}/, or unset {sources.ENV_DATA} to download them"
        )
    return hit


def _geojson_bytes(path: Path) -> bytes:
    name = path.name
    try:
        if zipfile.is_zipfile(path) or path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.namelist() if m.lower().endswith((".geojson", ".json"))]
                if len(members) != 1:
                    raise DataFileError(
                        f"expected one .geojson member in the zip, found {members or 'none'}",
                        file=name,
                    )
                return zf.read(members[0])
        return path.read_bytes()
    except DataFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise DataFileError(
            f"cannot read the contours ({exc.__class__.__name__}: {exc})", file=name
        ) from None


def _rings(coords: object, *, file: str, where: str) -> Polygon:
    if not isinstance(coords, list) or not coords:
        raise DataFileError(f"{where}: a polygon without rings", file=file)
    out = []
    for ring in coords:
        try:
            a = np.asarray(ring, dtype=np.float64)
        except (TypeError, ValueError):
            raise DataFileError(f"{where}: non-numeric coordinates", file=file) from None
        if a.ndim != 2 or a.shape[1] < 2 or len(a) < 4 or not np.isfinite(a).all():
            raise DataFileError(
                f"{where}: a ring is not a closed list of (lon, lat) points", file=file
            )
        a = a[:, :2]
        if (a[0] == a[-1]).all():
            a = a[:-1]
        out.append(np.ascontiguousarray(a))
    return tuple(out)


def read_contours(path: str | Path) -> Contours:
    """Read the GeoJSON (zipped or not) of the constituency contours."""
    path = Path(path)
    name = path.name
    raw = _geojson_bytes(path)
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(f"not valid GeoJSON ({exc})", file=name) from None
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list) or not feats:
        raise DataFileError("not a GeoJSON FeatureCollection with features", file=name)
    rows = []
    seen: dict[str, int] = {}
    for i, feat in enumerate(feats):
        props = feat.get("properties") if isinstance(feat, dict) else None
        if not isinstance(props, dict):
            raise DataFileError(f"feature #{i} has no properties", file=name)
        for p in PROPERTIES:
            if not isinstance(props.get(p), str) or not props[p].strip():
                raise DataFileError(f"feature #{i} lacks the property", file=name, column=p)
        try:
            code = from_2024_code(props["codeCirconscription"])
        except ValueError as exc:
            raise DataFileError(
                f"feature #{i}: {exc}", file=name, column="codeCirconscription"
            ) from None
        if code in seen:
            raise DataFileError(
                f"features #{seen[code]} and #{i} are both constituency {code}",
                file=name,
                constituency=code,
            )
        seen[code] = i
        geom = feat.get("geometry")
        where = f"feature #{i} ({code})"
        if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
            raise DataFileError(f"{where}: geometry is not a Polygon or MultiPolygon", file=name)
        parts = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        if not isinstance(parts, list) or not parts:
            raise DataFileError(f"{where}: empty geometry", file=name)
        polys = tuple(_rings(p, file=name, where=where) for p in parts)
        rows.append(
            (code, props["nomCirconscription"].strip(), props["nomDepartement"].strip(), polys)
        )
    rows.sort(key=lambda r: r[0])
    from hemicycle.data import sources

    return Contours(
        file=name,
        sha256=sources.sha256_of(path),
        codes=tuple(r[0] for r in rows),
        names=tuple(r[1] for r in rows),
        department_names=tuple(r[2] for r in rows),
        polygons=tuple(r[3] for r in rows),
    )


#: The year under which the contours are registered (they serve every year of the 2010 map).
CONTOURS_YEAR = 2024
_PAGE = f"{DATA_GOUV}/contours-geographiques-des-circonscriptions-legislatives/"
# The mirror holds the upstream GeoJSON zipped (one member, the upstream file unchanged); a download
# fetches the upstream GeoJSON itself. The reader accepts either. Round 0: not a round's results.
FILES = (
    OfficialFile(
        year=CONTOURS_YEAR,
        round=0,
        role="contours",
        name="circonscriptions-legislatives-p20.geojson.zip",
        url=None,
        sha256="b401f3d9d379dc2958265947e206e0e7f5483aba70e5c1fbb83202bcef8cfd8a",
        dataset_page=_PAGE,
    ),
    OfficialFile(
        year=CONTOURS_YEAR,
        round=0,
        role="contours",
        name="circonscriptions-legislatives-p20.geojson",
        url=f"{DATA_GOUV_STATIC}/contours-geographiques-des-circonscriptions-legislatives/"
        "20240613-191506/circonscriptions-legislatives-p20.geojson",
        sha256="5498415e3ce872a45e25c5c9bc55de8fd3b82d14cdf416c87214a823f087d67e",
        dataset_page=_PAGE,
    ),
)
READER = Reader(name="contours", files=FILES)
