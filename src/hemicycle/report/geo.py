"""Geometry for the maps, in numpy: projection, topology-preserving simplification, centroids and
a hexagonal tile cartogram, computed once per contours file and cached.

* **Projection** — equirectangular with the cos(latitude) of each panel's centre (locally
  conformal enough for a department or for metropolitan France), y pointing down as in SVG.
* **Simplification** — Douglas–Peucker on *arcs*: a vertex is a junction where its neighbours
  differ between the rings that use it, so a border shared by two constituencies is one arc,
  simplified once (in a canonical direction) and drawn identically on both sides: no gaps, no
  overlaps. Coordinates are rounded to a tenth of a pixel and written as relative integers.
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
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial import Delaunay, cKDTree

from hemicycle.data.readers.contours import Contours, locate_contours, read_contours
from hemicycle.data.sources import cache_dir, sha256_of

#: Bump when any geometry parameter below changes: it invalidates the cached layouts.
GEO_VERSION = "4"
R_EARTH_KM = 6371.0
SUBPX = 10  # path coordinates are integers in tenths of a pixel

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
# tolerances of the simplification, in pixels of each panel
TOL_METRO, TOL_ZOOM, TOL_OVERSEAS = 0.45, 0.35, 0.35
MIN_ISLAND_PX2 = 1.5  # islands smaller than this (area in px²) are left out

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


# ----- projection ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """Equirectangular projection about (lon0, lat0), scaled and placed in pixels."""

    lon0: float
    lat0: float
    scale: float  # pixels per km
    x0: float  # pixel position of (lon0, lat0)
    y0: float

    def km(self, lonlat: np.ndarray) -> np.ndarray:
        return equirect(lonlat, self.lon0, self.lat0)

    def __call__(self, lonlat: np.ndarray) -> np.ndarray:
        return self.km(lonlat) * self.scale + np.array([self.x0, self.y0])


def equirect(lonlat: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """(n, 2) longitude/latitude → (n, 2) km east and *south* of (lon0, lat0).

    >>> float(equirect(np.array([[3.0, 46.0]]), 2.0, 46.0)[0, 0].round(1))  # 1° east at 46°N
    77.2
    >>> float(equirect(np.array([[2.0, 45.0]]), 2.0, 46.0)[0, 1].round(1))  # south is +y
    111.2
    """
    k = math.pi / 180 * R_EARTH_KM
    return np.column_stack(
        ((lonlat[:, 0] - lon0) * k * math.cos(math.radians(lat0)), -(lonlat[:, 1] - lat0) * k)
    )


def fit(
    rings: Sequence[np.ndarray], box: tuple[float, float, float, float], margin: float = 4.0
) -> Frame:
    """The frame that fits the lon/lat ``rings`` in ``box`` (x, y, w, h), centred."""
    pts = np.concatenate(rings)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    lon0, lat0 = (lo + hi) / 2
    km = equirect(pts, lon0, lat0)
    kmin, kmax = km.min(axis=0), km.max(axis=0)
    x, y, w, h = box
    span = np.maximum(kmax - kmin, 1e-9)
    scale = min((w - 2 * margin) / span[0], (h - 2 * margin) / span[1])
    cx, cy = x + w / 2, y + h / 2
    mid = (kmin + kmax) / 2
    return Frame(
        float(lon0),
        float(lat0),
        float(scale),
        float(cx - mid[0] * scale),
        float(cy - mid[1] * scale),
    )


# ----- simplification -----------------------------------------------------------------------


def _keys(lonlat: np.ndarray) -> np.ndarray:
    """Exact vertex identity: coordinates rounded to 1e-6 degree, packed in one int64."""
    q = np.round(lonlat * 1e6).astype(np.int64)
    return ((q[:, 0] + (1 << 28)) << 30) | (q[:, 1] + (1 << 29))


def junctions(rings: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Per ring, the positions of its junction vertices: those whose (unordered) pair of neighbours
    is not the same in every ring that uses them (where shared borders begin and end)."""
    keys = [_keys(r) for r in rings]
    allk = np.concatenate(keys)
    lens = np.array([len(r) for r in rings])
    starts = np.cumsum(lens) - lens
    ring = np.repeat(np.arange(len(rings)), lens)
    idx = np.arange(len(allk))
    pos = idx - starts[ring]
    prev = np.where(pos == 0, idx + lens[ring] - 1, idx - 1)
    nxt = np.where(pos == lens[ring] - 1, idx - lens[ring] + 1, idx + 1)
    a, b = allk[prev], allk[nxt]
    trip = np.unique(np.column_stack([allk, np.minimum(a, b), np.maximum(a, b)]), axis=0)
    k, n = np.unique(trip[:, 0], return_counts=True)
    is_j = np.isin(allk, k[n > 1])
    return [np.flatnonzero(is_j[s : s + m]) for s, m in zip(starts, lens, strict=True)]


def douglas_peucker(pts: np.ndarray, tol: float) -> np.ndarray:
    """Boolean mask of the points kept (the ends always are). Distance to a degenerate chord (a
    closed loop) is the distance to its point."""
    n = len(pts)
    keep = np.zeros(n, bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        p, d = pts[a], pts[b] - pts[a]
        seg = pts[a + 1 : b] - p
        length = math.hypot(d[0], d[1])
        if length > 0:
            dist = np.abs(d[0] * seg[:, 1] - d[1] * seg[:, 0]) / length
        else:
            dist = np.hypot(seg[:, 0], seg[:, 1])
        i = int(np.argmax(dist))
        if dist[i] > tol:
            m = a + 1 + i
            keep[m] = True
            stack.append((a, m))
            stack.append((m, b))
    return keep


def simplify(
    rings_ll: Sequence[np.ndarray], rings_xy: Sequence[np.ndarray], tol: float
) -> list[np.ndarray]:
    """Simplify rings (no closing point) arc by arc; a shared arc gives identical points in every
    ring that uses it. ``rings_ll`` give vertex identity, ``rings_xy`` the projected positions."""
    js = junctions(rings_ll)
    memo: dict[tuple[int, ...], np.ndarray] = {}
    out = []
    for ll, xy, j in zip(rings_ll, rings_xy, js, strict=True):
        k = _keys(ll)
        n = len(k)
        if len(j) == 0:
            j = np.array([int(np.argmin(k))])
        ext = np.concatenate([np.arange(n), np.arange(n)])  # positions, twice round the ring
        cuts = np.append(j, j[0] + n)
        pieces = []
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            ids = ext[a : b + 1]
            kk = k[ids]
            rev = bool(kk[0] > kk[-1] or (kk[0] == kk[-1] and len(kk) > 2 and kk[1] > kk[-2]))
            if rev:
                ids = ids[::-1]
                kk = kk[::-1]
            key = (
                int(kk[0]),
                int(kk[1]) if len(kk) > 1 else 0,
                int(kk[-2]) if len(kk) > 1 else 0,
                int(kk[-1]),
                len(kk),
            )
            keep = memo.get(key)
            if keep is None:
                keep = douglas_peucker(xy[ids], tol)
                memo[key] = keep
            kept = ids[keep]
            if rev:
                kept = kept[::-1]
            pieces.append(kept[:-1])
        out.append(xy[np.concatenate(pieces)])
    return out


def ring_area(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) / 2


def _to_ints(xy: np.ndarray) -> np.ndarray:
    q = np.round(xy * SUBPX).astype(np.int64)
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


def _feature_paths(
    features: Sequence[tuple[tuple[np.ndarray, ...], ...]], frame: Frame, tol: float
) -> list[str]:
    """Path data per feature, simplified together (shared borders stay shared)."""
    flat_ll, where = [], []
    for f, polys in enumerate(features):
        for p, rings in enumerate(polys):
            for r, ring in enumerate(rings):
                flat_ll.append(ring)
                where.append((f, p, r))
    simp = simplify(flat_ll, [frame(r) for r in flat_ll], tol)
    per: list[dict[int, list[np.ndarray]]] = [{} for _ in features]
    for (f, p, _r), xy in zip(where, simp, strict=True):
        per[f].setdefault(p, []).append(_to_ints(xy))
    paths = []
    for f in range(len(features)):
        kept = per[f]
        areas = {
            p: abs(ring_area(rs[0].astype(float))) if len(rs[0]) >= 3 else 0.0
            for p, rs in kept.items()
        }
        biggest = max(areas, key=lambda p: (areas[p], -p))
        rings_out: list[np.ndarray] = []
        for p in sorted(kept):
            rs = kept[p]
            if p != biggest and (len(rs[0]) < 3 or areas[p] < MIN_ISLAND_PX2 * SUBPX * SUBPX):
                continue
            rings_out.extend(r for r in rs if len(r) >= 3)
        if not rings_out:  # collapsed altogether: keep its largest outer ring as it is
            rings_out = [kept[biggest][0]]
        paths.append(path_data(rings_out))
    return paths


# ----- centroids and cartogram --------------------------------------------------------------


def centroid_and_area(
    polys: Sequence[Sequence[np.ndarray]], frame: Frame
) -> tuple[np.ndarray, float]:
    """Area-weighted centroid (km in ``frame``'s plane) and area (km²) of a feature; holes count
    negatively whatever the orientation of the rings."""
    total, acc = 0.0, np.zeros(2)
    for rings in polys:
        for r, ring in enumerate(rings):
            xy = frame.km(ring)
            x, y = xy[:, 0], xy[:, 1]
            x1, y1 = np.roll(x, -1), np.roll(y, -1)
            cr = x * y1 - x1 * y
            a = cr.sum() / 2
            if a == 0:
                continue
            c = np.array([((x + x1) * cr).sum(), ((y + y1) * cr).sum()]) / (6 * a)
            w = abs(a) if r == 0 else -abs(a)
            total += w
            acc += w * c
    return acc / total, total


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


# ----- the layout ---------------------------------------------------------------------------


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


def compute_layout(contours: Contours) -> GeoLayout:
    """Project, simplify and lay out ``contours`` (pure: no cache, no file)."""
    codes = contours.codes
    feats = dict(zip(codes, contours.polygons, strict=True))
    dep_names: dict[str, str] = {}
    for c, dn in zip(codes, contours.department_names, strict=True):
        dep_names.setdefault(department_of(c), dn)
    metro = [c for c in codes if is_metropolitan(c)]

    def rings_of(cs: Sequence[str]) -> list[np.ndarray]:
        return [r for c in cs for poly in feats[c] for r in poly]

    panels = []
    paths: dict[str, str] = {}
    frame = fit(rings_of(metro), METRO_BOX)
    for c, d in zip(
        metro, _feature_paths([feats[c] for c in metro], frame, TOL_METRO), strict=True
    ):
        paths[c] = d
    panels.append(Panel("metro", "Metropolitan France", METRO_BOX, tuple(metro)))

    zoom = [c for c in metro if department_of(c) in ZOOM_DEPARTMENTS]
    zoom_paths: dict[str, str] = {}
    zoom_extent = None
    if zoom:
        zpx = frame(np.concatenate(rings_of(zoom)))
        zlo, zhi = zpx.min(axis=0), zpx.max(axis=0)
        zoom_extent = tuple(
            round(float(v), 1) for v in (zlo[0], zlo[1], zhi[0] - zlo[0], zhi[1] - zlo[1])
        )
        zframe = fit(rings_of(zoom), ZOOM_BOX, margin=6.0)
        zoom_paths = dict(
            zip(zoom, _feature_paths([feats[c] for c in zoom], zframe, TOL_ZOOM), strict=True)
        )
        panels.append(Panel("zoom", ZOOM_LABEL, ZOOM_BOX, tuple(zoom)))

    w, h = OVERSEAS_SIZE
    for i, dep in enumerate(OVERSEAS):
        cs = [c for c in codes if department_of(c) == dep]
        box = (METRO_BOX[0] + i * (w + OVERSEAS_GAP), OVERSEAS_Y, w, h)
        if not cs:
            continue
        inner = (box[0], box[1] + 16, box[2], box[3] - 16)  # room for the label
        oframe = fit(rings_of(cs), inner, margin=4.0)
        paths.update(
            zip(cs, _feature_paths([feats[c] for c in cs], oframe, TOL_OVERSEAS), strict=True)
        )
        panels.append(Panel(dep, dep_names.get(dep, dep), box, tuple(cs)))

    # cartogram of metropolitan France
    kframe = Frame(frame.lon0, frame.lat0, 1.0, 0.0, 0.0)
    cents, areas = zip(*(centroid_and_area(feats[c], kframe) for c in metro), strict=True)
    pts = np.array(cents)
    spacing = math.sqrt(sum(areas) / len(metro) / (math.sqrt(3) / 2))
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
        panels=tuple(panels),
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
            try:
                cf.parent.mkdir(parents=True, exist_ok=True)
                tmp = cf.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
                tmp.write_text(layout.to_json(), encoding="utf-8")
                tmp.replace(cf)
            except OSError:  # a read-only cache only costs time
                pass
    if use_cache:
        _MEMO[sha] = layout
    return layout
