"""Geometry for the maps: projection (pyproj), coverage simplification, centroids and areas
(shapely), and a hexagonal tile cartogram, computed once per contours file and cached.

* **Projection** — Lambert azimuthal equal-area centred on each panel (metropolitan France, the
  Paris zoom, each overseas department), through ``pyproj``; y pointing down as in SVG.
* **Simplification** — ``shapely.coverage_simplify`` on each panel's constituencies together: a
  border shared by two constituencies is simplified once and drawn identically on both sides (no
  gaps, no overlaps). Coordinates are then rounded to a tenth of a pixel
  (``shapely.set_precision``, point by point, so shared vertices stay shared), rings oriented
  (``shapely.orient_polygons``: holes wind against their outer ring, as SVG's non-zero rule
  needs) and written as relative integers. Islands are kept, however small: dropping one would
  leave a hole where it touches its neighbours.
* **Cartogram** — every metropolitan constituency gets one hexagon: the density of the centroids
  is first evened out (:func:`relax`: discs growing to one cell push each other apart, Delaunay
  neighbours pull together: Paris spreads out ring by ring, the rural centre draws in), then the
  points are assigned to the cells of a hexagonal grid nearest to the cloud (a few
  more cells than constituencies) by an optimal assignment on squared distances
  (``scipy.optimize.linear_sum_assignment``), with a term that keeps each department together.

:func:`geo_layout` returns the :class:`GeoLayout` of the contours file, from the cache
(``HEMICYCLE_CACHE/geo/``, keyed by the file's sha256 and :data:`GEO_VERSION`) or computed and
saved (about two seconds).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from scipy.optimize import linear_sum_assignment
from scipy.spatial import Delaunay, cKDTree

from hemicycle.data.readers.contours import Contours, Polygon, locate_contours, read_contours
from hemicycle.data.sources import cache_dir, sha256_of, write_cached

#: Bump when any geometry parameter below changes: it invalidates the cached layouts.
GEO_VERSION = "5"
SUBPX = 10  # path coordinates are integers in tenths of a pixel
#: PROJ definitions about (lon0, lat0), in km: the maps' (equal-area) and the cartogram's cloud
#: (equirectangular on the sphere, the plane its parameters below were tuned in).
PROJECTIONS = {
    "laea": "+proj=laea +lat_0={lat0!r} +lon_0={lon0!r} +datum=WGS84 +units=km +no_defs",
    "eqc": (
        "+proj=eqc +lat_ts={lat0!r} +lat_0={lat0!r} +lon_0={lon0!r} +R=6371000 +units=km +no_defs"
    ),
}

# ----- the map's canvas (pixels) -------------------------------------------------------------
MAP_WIDTH = 960.0
MAP_HEIGHT = 880.0
METRO_BOX = (8.0, 40.0, 632.0, 632.0)
ZOOM_BOX = (656.0, 40.0, 296.0, 296.0)
ZOOM_DEPARTMENTS = ("75", "92", "93", "94")
ZOOM_LABEL = "Paris and the inner suburbs"
LEGEND_BOX = (656.0, 356.0, 296.0, 300.0)
OVERSEAS = ("971", "972", "973", "974", "976", "975")
OVERSEAS_Y = 690.0
OVERSEAS_SIZE = (150.0, 112.0)
OVERSEAS_GAP = 8.4
STRIP_Y = 830.0  # constituencies without contours: labelled boxes
# tolerances of ``shapely.coverage_simplify`` (about the square root of the area of the triangles
# removed), in pixels of each panel
TOL_METRO, TOL_ZOOM, TOL_OVERSEAS = 0.7, 0.5, 0.5

# ----- the cartogram's canvas --------------------------------------------------------------
CARTO_WIDTH = 960.0
CARTO_HEIGHT = 860.0
CARTO_BOX = (8.0, 40.0, 700.0, 690.0)
CARTO_EXTRA_CELLS = 0.05  # the grid offers 5 % more cells than constituencies
CARTO_COHESION = 1.0  # weight pulling a constituency's cell towards its department's centre
CARTO_STRIP_Y = 770.0


def department_of(code: str) -> str:
    """Department part of a canonical constituency code: ``0101`` → ``01``, ``97101`` → ``971``."""
    return code[:-2]


def is_metropolitan(code: str) -> bool:
    return not code.startswith(("97", "98", "ZX", "ZZ"))


# ----- shapes and projection ------------------------------------------------------------------


def to_shapes(features: Sequence[Sequence[Polygon]]) -> np.ndarray:
    """One valid (Multi)Polygon (lon/lat) per feature of :class:`Contours`; rings that touch
    themselves (a few in the official file) are repaired by ``shapely.make_valid``."""
    shapes = np.array(
        [shapely.MultiPolygon([shapely.Polygon(p[0], p[1:]) for p in f]) for f in features],
        dtype=object,
    )
    return shapely.make_valid(shapes, method="structure", keep_collapsed=False)


@lru_cache(maxsize=32)
def _transformer(proj: str, lon0: float, lat0: float) -> Transformer:
    if proj not in PROJECTIONS:
        raise ValueError(f"unknown projection {proj!r}: expected one of {', '.join(PROJECTIONS)}")
    crs = PROJECTIONS[proj].format(lon0=lon0, lat0=lat0)
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


@dataclass(frozen=True)
class Frame:
    """A projection of :data:`PROJECTIONS` about (lon0, lat0), scaled and placed in pixels:
    ``px = (x_km, -y_km) * scale + (x0, y0)``."""

    lon0: float
    lat0: float
    scale: float  # pixels per km
    x0: float  # pixel position of (lon0, lat0)
    y0: float
    proj: str = "laea"

    def km(self, shapes: np.ndarray) -> np.ndarray:
        """lon/lat shapes → shapes in km east and north of (lon0, lat0)."""
        tr = _transformer(self.proj, self.lon0, self.lat0)
        return shapely.transform(shapes, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))

    def __call__(self, shapes: np.ndarray) -> np.ndarray:
        """lon/lat shapes → pixels (y down)."""
        a = np.array([self.scale, -self.scale])
        b = np.array([self.x0, self.y0])
        return shapely.transform(self.km(shapes), lambda c: c * a + b)


def fit(shapes: np.ndarray, box: tuple[float, float, float, float], margin: float = 4.0) -> Frame:
    """The frame that fits the lon/lat ``shapes`` in ``box`` (x, y, w, h), centred.

    >>> sq = to_shapes([((np.array([[2.0, 46.0], [3.0, 46.0], [3.0, 47.0], [2.0, 47.0]]),),)])
    >>> f = fit(sq, (0.0, 0.0, 100.0, 100.0), margin=0.0)
    >>> [round(float(v), 1) for v in shapely.total_bounds(f(sq))]  # 1° east is 0.69 of 1° north
    [15.2, 0.0, 84.8, 100.0]
    """
    lon_lo, lat_lo, lon_hi, lat_hi = shapely.total_bounds(shapes)
    frame = Frame(float((lon_lo + lon_hi) / 2), float((lat_lo + lat_hi) / 2), 1.0, 0.0, 0.0)
    k = shapely.total_bounds(frame.km(shapes))
    span = np.maximum(k[2:] - k[:2], 1e-9)
    x, y, w, h = box
    scale = float(min((w - 2 * margin) / span[0], (h - 2 * margin) / span[1]))
    mid = (k[:2] + k[2:]) / 2
    return Frame(
        frame.lon0,
        frame.lat0,
        scale,
        float(x + w / 2 - mid[0] * scale),
        float(y + h / 2 + mid[1] * scale),
    )


# ----- simplification -----------------------------------------------------------------------


def simplify_coverage(shapes_px: np.ndarray, tol: float) -> np.ndarray:
    """Simplify a panel's shapes (pixels) together, then round them to integers in tenths of a
    pixel and orient their rings: the coverage the map draws (in tenths of a pixel)."""
    simp = shapely.coverage_simplify(shapes_px, tol)
    sub = shapely.transform(simp, lambda c: c * SUBPX)
    return shapely.orient_polygons(shapely.set_precision(sub, 1.0, mode="pointwise"))


def _ring_ints(ring: shapely.LinearRing) -> np.ndarray:
    """The ring's integer vertices without the closing point nor repeated neighbours."""
    q = np.rint(shapely.get_coordinates(ring)).astype(np.int64)[:-1]
    if len(q) > 1:
        same = np.all(q == np.roll(q, 1, axis=0), axis=1)
        q = q[~same] if not same.all() else q[:1]
    return q


def path_data(rings: Sequence[np.ndarray]) -> str:
    """SVG path data of integer rings (tenths of a pixel): absolute start, relative steps."""
    out = []
    for q in rings:
        d = np.diff(q, axis=0)
        tokens = [str(int(v)) for v in d.ravel()]
        body = "".join(t if t.startswith("-") or i == 0 else " " + t for i, t in enumerate(tokens))
        out.append(f"M{q[0, 0]} {q[0, 1]}l{body}z")
    return "".join(out)


def shape_path(shape: shapely.Geometry) -> str:
    """Path data of one simplified shape (tenths of a pixel): each part's outer ring followed by
    its holes; parts that the rounding collapsed are left out, unless all did (then the largest
    outer ring is kept as it is, so that every constituency is drawn)."""
    parts = [p for p in shapely.get_parts(shape) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        raise ValueError(f"nothing to draw: {shape.geom_type} without polygon")
    rings: list[np.ndarray] = []
    for p in parts:
        if p.area > 0:
            rings.extend(q for q in map(_ring_ints, (p.exterior, *p.interiors)) if len(q) >= 3)
    if not rings:
        rings = [_ring_ints(max(parts, key=lambda p: len(p.exterior.coords)).exterior)]
    return path_data(rings)


def panel_shapes(shapes_ll: np.ndarray, frame: Frame, tol: float) -> np.ndarray:
    """The simplified, rounded shapes of one panel (tenths of a pixel)."""
    return simplify_coverage(frame(shapes_ll), tol)


# ----- cartogram --------------------------------------------------------------


def hex_grid(lo: np.ndarray, hi: np.ndarray, spacing: float) -> np.ndarray:
    """Centres of pointy-top hexagons (``spacing`` between neighbours) covering [lo, hi]."""
    dy = spacing * math.sqrt(3) / 2
    rows = np.arange(math.floor(lo[1] / dy), math.ceil(hi[1] / dy) + 1)
    cols = np.arange(math.floor(lo[0] / spacing) - 1, math.ceil(hi[0] / spacing) + 1)
    r, c = np.meshgrid(rows, cols, indexing="ij")
    x = c * spacing + (r % 2) * spacing / 2
    return np.column_stack([x.ravel(), (r * dy).ravel()]).astype(np.float64)


def neighbour_edges(points: np.ndarray, *, longest: float = 2.5) -> np.ndarray:
    """(E, 2) sorted index pairs of the Delaunay triangulation of ``points``, without the edges
    longer than ``longest`` times the nearest-neighbour distance of both ends (edges across a bay,
    the sea or the convex hull)."""
    tri = Delaunay(points)
    s = tri.simplices
    e = np.concatenate([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    e = np.unique(np.sort(e, axis=1), axis=0)
    nn = cKDTree(points).query(points, k=2)[0][:, 1]
    length = np.hypot(*(points[e[:, 0]] - points[e[:, 1]]).T)
    return e[length <= longest * np.maximum(nn[e[:, 0]], nn[e[:, 1]])]


def _spring(
    p: np.ndarray, pairs: np.ndarray, rest: float, k: float, *, pull_only: bool = False
) -> np.ndarray:
    """Displacements moving each pair towards distance ``rest`` (by ``k`` of the gap, each end)."""
    i, j = pairs[:, 0], pairs[:, 1]
    d = p[i] - p[j]
    dist = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-12)
    gap = rest - dist
    if pull_only:
        gap = np.minimum(gap, 0.0)
    f = d * (gap / dist * k)[:, None]
    out = np.zeros_like(p)
    np.add.at(out, i, f)
    np.add.at(out, j, -f)
    return out


def relax(
    points: np.ndarray, spacing: float, *, grow: int = 300, settle: int = 100, attract: float = 0.05
) -> np.ndarray:
    """Even out the density of ``points`` keeping their neighbourhoods.

    Every point grows a disc whose diameter rises step by step from 0 to ``spacing`` (``grow``
    steps, then ``settle`` more at full size); overlapping discs push each other apart along the
    line joining them, and Delaunay neighbours further apart than the current diameter pull a little
    (``attract``) together. Growing slowly lets dense Paris push its suburbs outwards ring by ring
    rather than through each other, and the pull closes the gaps of the rural centre. Internal
    forces only: the cloud neither drifts nor turns. Deterministic (pairs in sorted order)."""
    edges = neighbour_edges(points)
    p = points.astype(np.float64).copy()
    for t in range(grow + settle):
        rest = spacing * min(1.0, (t + 1) / grow)
        push = _spring(p, edges, rest, attract, pull_only=True)
        close = cKDTree(p).query_pairs(rest, output_type="ndarray")
        if len(close):
            close = close[np.lexsort((close[:, 1], close[:, 0]))]
            push += _spring(p, close, rest, 0.25)
        p = p + push
    return p


def hex_cartogram(
    points: np.ndarray,
    spacing: float,
    *,
    groups: Sequence[str] | None = None,
    cohesion: float = CARTO_COHESION,
    extra: float = CARTO_EXTRA_CELLS,
) -> np.ndarray:
    """One hexagon centre per point (same units), all distinct.

    The points are relaxed (:func:`relax`), then assigned to the ``ceil((1 + extra) n)`` grid cells
    nearest to them by ``linear_sum_assignment``, minimising the sum over points of
    ``|p - cell|² + cohesion · |m - cell|²``, where ``m`` is the mean of the point's group (its
    department): the extra term keeps a department's hexagons together."""
    n = len(points)
    p = relax(points, spacing)
    cells = hex_grid(p.min(axis=0) - 2 * spacing, p.max(axis=0) + 2 * spacing, spacing)
    near = np.sqrt(((cells[:, None, :] - p[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    m = min(len(cells), math.ceil((1 + extra) * n))
    cells = cells[np.argsort(near, kind="stable")[:m]]
    cost = ((p[:, None, :] - cells[None, :, :]) ** 2).sum(axis=2)
    if groups is not None and cohesion > 0:
        g = np.asarray(groups)
        means = np.empty_like(p)
        for key in np.unique(g):
            means[g == key] = p[g == key].mean(axis=0)
        cost += cohesion * ((means[:, None, :] - cells[None, :, :]) ** 2).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    out = np.empty_like(points, dtype=np.float64)
    out[rows] = cells[cols]
    return out


def hex_neighbours(centres: np.ndarray, spacing: float) -> np.ndarray:
    """(E, 2) index pairs (i < j) of hexagons that share an edge (centres ``spacing`` apart)."""
    d = np.sqrt(((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2))
    i, j = np.nonzero(np.triu(np.abs(d - spacing) < 0.05 * spacing, k=1))
    return np.column_stack([i, j])


def shared_edge(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """End points of the edge between two neighbouring hexagons centred at ``a`` and ``b``."""
    m = (a + b) / 2
    d = b - a
    spacing = float(np.hypot(*d))
    perp = np.array([-d[1], d[0]]) / spacing
    half = spacing / (2 * math.sqrt(3))
    return m - perp * half, m + perp * half


@dataclass(frozen=True)
class Panel:
    """A box of the map: its label, its pixel box and the constituencies drawn in it."""

    name: str
    label: str
    box: tuple[float, float, float, float]
    codes: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class GeoLayout:
    """Everything the map and the cartogram draw from, computed from one contours file.

    ``paths`` — code → SVG path data (tenths of a pixel) on the map canvas, in the metropolitan
    panel or an overseas inset; ``zoom_paths`` the same for the Paris zoom; ``hexes`` — code →
    hexagon centre (pixels) on the cartogram canvas, metropolitan constituencies only, with
    ``hex_spacing`` the distance between neighbouring centres.
    """

    file: str
    sha256: str
    codes: tuple[str, ...]  # constituencies with contours
    names: dict[str, str]
    department_names: dict[str, str]  # department code → name
    panels: tuple[Panel, ...]
    paths: dict[str, str]
    zoom_paths: dict[str, str]
    hexes: dict[str, tuple[float, float]]
    hex_spacing: float
    zoom_extent: tuple[float, float, float, float] | None  # the zoomed area on the metropolitan map

    def to_json(self) -> str:
        d = {
            "version": GEO_VERSION,
            "file": self.file,
            "sha256": self.sha256,
            "codes": list(self.codes),
            "names": self.names,
            "department_names": self.department_names,
            "panels": [[p.name, p.label, list(p.box), list(p.codes)] for p in self.panels],
            "paths": self.paths,
            "zoom_paths": self.zoom_paths,
            "hexes": {k: list(v) for k, v in self.hexes.items()},
            "hex_spacing": self.hex_spacing,
            "zoom_extent": list(self.zoom_extent) if self.zoom_extent else None,
        }
        return json.dumps(d, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> GeoLayout:
        d = json.loads(text)
        if d.get("version") != GEO_VERSION:
            raise ValueError("stale layout version")
        return cls(
            file=d["file"],
            sha256=d["sha256"],
            codes=tuple(d["codes"]),
            names=d["names"],
            department_names=d["department_names"],
            panels=tuple(
                Panel(n, lab, (b[0], b[1], b[2], b[3]), tuple(c)) for n, lab, b, c in d["panels"]
            ),
            paths=d["paths"],
            zoom_paths=d["zoom_paths"],
            hexes={k: (v[0], v[1]) for k, v in d["hexes"].items()},
            hex_spacing=d["hex_spacing"],
            zoom_extent=tuple(d["zoom_extent"]) if d["zoom_extent"] else None,
        )


def panel_frames(
    codes: Sequence[str], shapes: dict[str, shapely.Geometry], dep_names: dict[str, str]
) -> list[tuple[Panel, Frame, float]]:
    """The map's panels (metropolitan France first, the Paris zoom, the overseas insets), each with
    the frame that fits its lon/lat ``shapes`` in its box and its simplification tolerance."""

    def of(cs: Sequence[str]) -> np.ndarray:
        return np.array([shapes[c] for c in cs], dtype=object)

    metro = tuple(c for c in codes if is_metropolitan(c))
    out = [
        (
            Panel("metro", "Metropolitan France", METRO_BOX, metro),
            fit(of(metro), METRO_BOX),
            TOL_METRO,
        )
    ]
    zoom = tuple(c for c in metro if department_of(c) in ZOOM_DEPARTMENTS)
    if zoom:
        zframe = fit(of(zoom), ZOOM_BOX, margin=6.0)
        out.append((Panel("zoom", ZOOM_LABEL, ZOOM_BOX, zoom), zframe, TOL_ZOOM))
    w, h = OVERSEAS_SIZE
    for i, dep in enumerate(OVERSEAS):
        cs = tuple(c for c in codes if department_of(c) == dep)
        box = (METRO_BOX[0] + i * (w + OVERSEAS_GAP), OVERSEAS_Y, w, h)
        if cs:
            inner = (box[0], box[1] + 16, box[2], box[3] - 16)  # room for the label
            panel = Panel(dep, dep_names.get(dep, dep), box, cs)
            out.append((panel, fit(of(cs), inner, margin=4.0), TOL_OVERSEAS))
    return out


def compute_layout(contours: Contours) -> GeoLayout:
    """Project, simplify and lay out ``contours`` (pure: no cache, no file)."""
    codes = contours.codes
    shapes = dict(zip(codes, to_shapes(contours.polygons), strict=True))
    dep_names: dict[str, str] = {}
    for c, dn in zip(codes, contours.department_names, strict=True):
        dep_names.setdefault(department_of(c), dn)
    metro = [c for c in codes if is_metropolitan(c)]

    def of(cs: Sequence[str]) -> np.ndarray:
        return np.array([shapes[c] for c in cs], dtype=object)

    paths: dict[str, str] = {}
    zoom_paths: dict[str, str] = {}
    panels = panel_frames(codes, shapes, dep_names)
    for panel, frame, tol in panels:
        drawn = panel_shapes(of(panel.codes), frame, tol)
        d = {c: shape_path(s) for c, s in zip(panel.codes, drawn, strict=True)}
        (zoom_paths if panel.name == "zoom" else paths).update(d)
    frame = panels[0][1]
    zoom_extent = None
    if zoom_paths:
        zlo_x, zlo_y, zhi_x, zhi_y = shapely.total_bounds(frame(of(list(zoom_paths))))
        zoom_extent = tuple(
            round(float(v), 1) for v in (zlo_x, zlo_y, zhi_x - zlo_x, zhi_y - zlo_y)
        )

    # cartogram of metropolitan France: centroids and areas in km (y down), equirectangular
    km = Frame(frame.lon0, frame.lat0, 1.0, 0.0, 0.0, proj="eqc")(of(metro))
    pts = shapely.get_coordinates(shapely.centroid(km))
    spacing = math.sqrt(float(shapely.area(km).sum()) / len(metro) / (math.sqrt(3) / 2))
    cells = hex_cartogram(pts, spacing, groups=[department_of(c) for c in metro])
    lo, hi = cells.min(axis=0) - spacing / 2, cells.max(axis=0) + spacing / 2
    x, y, bw, bh = CARTO_BOX
    scale = min(bw / (hi[0] - lo[0]), bh / (hi[1] - lo[1]))
    off = np.array([x + (bw - (hi[0] - lo[0]) * scale) / 2, y + (bh - (hi[1] - lo[1]) * scale) / 2])
    px = (cells - lo) * scale + off
    hexes = {
        c: (round(float(a), 2), round(float(b), 2)) for c, (a, b) in zip(metro, px, strict=True)
    }
    return GeoLayout(
        file=contours.file,
        sha256=contours.sha256,
        codes=codes,
        names=dict(zip(codes, contours.names, strict=True)),
        department_names=dep_names,
        panels=tuple(p for p, _, _ in panels),
        paths=paths,
        zoom_paths=zoom_paths,
        hexes=hexes,
        hex_spacing=round(spacing * scale, 3),
        zoom_extent=zoom_extent,  # type: ignore[arg-type]
    )


_MEMO: dict[str, GeoLayout] = {}


def cache_file(sha256: str) -> Path:
    return cache_dir() / "geo" / f"layout-{sha256[:20]}-v{GEO_VERSION}.json"


def geo_layout(path: str | Path | None = None, *, use_cache: bool = True) -> GeoLayout:
    """The layout of the contours file at ``path`` (default: the registry's, from the mirror, the
    cache or a download): from memory, from the on-disk cache, or computed and cached."""
    p = Path(path) if path is not None else locate_contours()[1]
    sha = sha256_of(p)
    if use_cache and sha in _MEMO:
        return _MEMO[sha]
    cf = cache_file(sha)
    layout = None
    if use_cache and cf.is_file():
        try:
            layout = GeoLayout.from_json(cf.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            layout = None
    if layout is None:
        layout = compute_layout(read_contours(p))
        if use_cache:
            text = layout.to_json()
            write_cached(cf, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    if use_cache:
        _MEMO[sha] = layout
    return layout
