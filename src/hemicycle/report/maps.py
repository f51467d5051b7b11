"""The constituency map and the hexagonal cartogram as SVG.

Both take the election's constituency codes, a fill and a tooltip per code, and a
:class:`~hemicycle.geo.GeoLayout`. Every constituency is exactly one element carrying
``data-code="<canonical code>"`` and a ``<title>``: a contour ``<path>`` (metropolitan France and
the overseas departments, these in labelled insets), or — for the constituencies the contours file
lacks (Saint-Martin/Saint-Barthélemy, the Pacific, the French abroad) — a labelled box in a strip.
The Paris zoom repeats its constituencies with ``data-zoom`` (not ``data-code``), so counting
``[data-code]`` gives each constituency once.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from hemicycle import geo
from hemicycle.report import svg
from hemicycle.report.palette import INK, ink_on

#: Short labels of the groups drawn in strips (department part of the code).
SHORT_NAMES: dict[str, str] = {
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "French Guiana",
    "974": "Réunion",
    "975": "St Pierre & Miquelon",
    "976": "Mayotte",
    "986": "Wallis & Futuna",
    "987": "French Polynesia",
    "988": "New Caledonia",
    "ZX": "St Martin & St Barthélemy",
    "ZZ": "French residents abroad",
}

MAP_CSS = (
    ".constituencies path:hover,.strip rect:hover,.zoom path:hover,.hexes path:hover"
    "{stroke:#000;stroke-width:12}"
    ".strip rect:hover,.hexes path:hover{stroke-width:1.5}"
)


def _check(codes: Sequence[str], fills: Mapping[str, str]) -> None:
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate constituency codes")
    missing = [c for c in codes if c not in fills]
    if missing:
        raise ValueError(f"no fill for {len(missing)} constituencies, e.g. {missing[:3]}")


def _groups(codes: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Codes grouped by department, in the order the departments first appear (sorted codes)."""
    out: dict[str, list[str]] = {}
    for c in sorted(codes):
        out.setdefault(geo.department_of(c), []).append(c)
    return list(out.items())


#: The order of the groups in a strip: the overseas departments, then the rest.
_STRIP_ORDER = ("971", "972", "973", "974", "975", "976", "ZX", "986", "987", "988", "ZZ")
_STRIP_FONT = 10.0
_STRIP_GAP = 14.0


def _strip_order(dep: str) -> tuple[int, str]:
    return (_STRIP_ORDER.index(dep) if dep in _STRIP_ORDER else len(_STRIP_ORDER), dep)


def _strip_rows(
    codes: Sequence[str],
    *,
    x0: float,
    y0: float,
    width: float,
    line: float,
    step: float,
    trim: float,
) -> Iterator[tuple[str, list[str], float, float]]:
    """(label, codes, x, y) of each department of a strip, in :data:`_STRIP_ORDER`, left to right:
    ``len(codes) * step - trim`` wide (or its label's width), on a new line (``line`` lower) when it
    would not fit in ``width``."""
    x, y = x0, y0
    for dep, cs in sorted(_groups(codes), key=lambda g: _strip_order(g[0])):
        label = SHORT_NAMES.get(dep, dep)
        w = max(len(cs) * step - trim, len(label) * _STRIP_FONT * 0.56)
        if x > x0 and x + w > x0 + width:
            x, y = x0, y + line
        yield label, cs, x, y
        x += w + _STRIP_GAP


def _heading(title: str, note: str | None) -> list[str]:
    parts = [svg.text(8, 24, title, font_size="16", font_weight="700", fill=INK)]
    if note:
        parts.append(svg.text(8, 38, note, font_size="11", fill="#555"))
    return parts


def _strip_boxes(
    codes: Sequence[str],
    fills: Mapping[str, str],
    titles: Mapping[str, str],
    *,
    x0: float,
    y0: float,
    width: float,
    size: float,
) -> tuple[str, float]:
    """Labelled rows of square boxes, one per code, grouped by department; returns (svg, height)."""
    parts = []
    line = size + 30
    y = y0
    for label, cs, x, y in _strip_rows(
        codes, x0=x0, y0=y0, width=width, line=line, step=size + 3, trim=3
    ):
        parts.append(svg.text(x, y + 10, label, font_size=svg.num(_STRIP_FONT), fill=INK))
        for i, c in enumerate(cs):
            bx, by = x + i * (size + 3), y + 15
            fill = fills[c]
            parts.append(
                svg.rect(
                    bx, by, size, size, svg.title(titles.get(c, c)), rx="2", fill=fill, data_code=c
                )
            )
            parts.append(
                svg.text(
                    bx + size / 2,
                    by + size / 2 + 3.5,
                    c[-2:],
                    text_anchor="middle",
                    font_size="10",
                    fill=ink_on(fill),
                    pointer_events="none",
                )
            )
    return svg.g(*parts, class_="strip"), (y - y0) + line


def constituency_map_svg(
    codes: Sequence[str],
    fills: Mapping[str, str],
    titles: Mapping[str, str],
    *,
    layout: geo.GeoLayout | None = None,
    legend: Sequence[tuple[str, str]] = (),
    title: str = "Constituencies",
    note: str | None = None,
) -> str:
    """The map: contours (simplified) of metropolitan France, a Paris zoom, the overseas
    departments in insets and a strip for the constituencies without contours.

    ``fills``: code → colour for every code in ``codes``; ``titles``: code → tooltip text;
    ``legend``: (colour, label) pairs.
    """
    codes = list(codes)
    _check(codes, fills)
    lay = layout if layout is not None else geo.geo_layout()
    inset = [c for c in codes if c not in lay.paths]
    drawn = [c for c in codes if c in lay.paths]
    sw = svg.num(0.35 * geo.SUBPX)
    paths = [
        svg.el(
            "path",
            {"d": lay.paths[c], "fill": fills[c], "data-code": c},
            svg.title(titles.get(c, c)),
        )
        for c in drawn
    ]
    parts = _heading(title, note)
    parts.append(
        svg.g(
            *paths,
            class_="constituencies",
            transform=f"scale({1 / geo.SUBPX:g})",
            stroke="#FFFFFF",
            stroke_width=sw,
            stroke_linejoin="round",
        )
    )
    parts.append(_inset_frames(lay))
    parts += _paris_zoom(lay, [c for c in drawn if c in lay.zoom_paths], fills, titles)
    # constituencies without contours
    strip_h = 0.0
    if inset:
        parts.append(
            svg.text(
                8,
                geo.STRIP_Y - 8,
                "Without contours in the official file:",
                font_size="11",
                fill="#555",
            )
        )
        strip, strip_h = _strip_boxes(
            inset, fills, titles, x0=8, y0=geo.STRIP_Y, width=geo.MAP_WIDTH - 16, size=26
        )
        parts.append(strip)
    if legend:
        lx, ly, lw, _ = geo.LEGEND_BOX
        col = lw if len(legend) <= 10 else lw / 2  # one column when it fits
        leg, _h = svg.legend(legend, x=lx, y=ly, width=lw, col_width=col)
        parts.append(leg)
    height = max(geo.MAP_HEIGHT, geo.STRIP_Y + strip_h + 8)
    return svg.document(geo.MAP_WIDTH, height, parts, label=title, css=MAP_CSS, cls="hemicycle-map")


def _inset_frames(lay: geo.GeoLayout) -> str:
    """The frames and labels of the insets (the overseas departments)."""
    frames = []
    for p in lay.panels:
        if p.name in ("metro", "zoom"):
            continue
        x, y, w, h = p.box
        frames.append(svg.rect(x, y, w, h, fill="none", stroke="#BBBBBB", stroke_width="0.8"))
        frames.append(
            svg.text(x + 5, y + 13, SHORT_NAMES.get(p.name, p.label), font_size="11", fill=INK)
        )
    return svg.g(*frames, class_="insets")


def _paris_zoom(
    lay: geo.GeoLayout, zoom: Sequence[str], fills: Mapping[str, str], titles: Mapping[str, str]
) -> list[str]:
    """The Paris zoom (its constituencies ``zoom`` repeated with ``data-zoom``) and the frame of
    the area it enlarges; nothing where the layout has no zoom panel."""
    zp = [p for p in lay.panels if p.name == "zoom"]
    if not (zoom and zp):
        return []
    x, y, w, h = zp[0].box
    zpaths = [
        svg.el(
            "path",
            {"d": lay.zoom_paths[c], "fill": fills[c], "data-zoom": c},
            svg.title(titles.get(c, c)),
        )
        for c in zoom
    ]
    parts = [
        svg.g(
            svg.rect(x, y, w, h, fill="#FFFFFF", stroke="#888888", stroke_width="0.8"),
            svg.g(
                *zpaths,
                transform=f"scale({1 / geo.SUBPX:g})",
                stroke="#FFFFFF",
                stroke_width=svg.num(0.6 * geo.SUBPX),
                stroke_linejoin="round",
            ),
            svg.text(x + 6, y + 15, zp[0].label, font_size="11", fill=INK),
            class_="zoom",
        )
    ]
    if lay.zoom_extent:
        zx, zy, zw, zh = lay.zoom_extent
        parts.append(
            svg.rect(
                zx - 2,
                zy - 2,
                zw + 4,
                zh + 4,
                fill="none",
                stroke="#555555",
                stroke_width="0.8",
                pointer_events="none",
            )
        )
    return parts


def _hex_path(cx: float, cy: float, spacing: float) -> str:
    r = spacing / math.sqrt(3)
    h = spacing / 2
    n = svg.num
    return (
        f"M{n(cx, 1)} {n(cy - r, 1)}l{n(h, 2)} {n(r / 2, 2)}v{n(r, 2)}l{n(-h, 2)} {n(r / 2, 2)}"
        f"l{n(-h, 2)} {n(-r / 2, 2)}v{n(-r, 2)}z"
    )


def cartogram_svg(
    codes: Sequence[str],
    fills: Mapping[str, str],
    titles: Mapping[str, str],
    *,
    layout: geo.GeoLayout | None = None,
    legend: Sequence[tuple[str, str]] = (),
    title: str = "Constituencies, one hexagon each",
    note: str | None = None,
) -> str:
    """The tile cartogram: one hexagon per metropolitan constituency (placed by
    :func:`~hemicycle.geo.hex_cartogram`), department borders and codes, and a strip of
    hexagons for the overseas constituencies and the French abroad."""
    codes = list(codes)
    _check(codes, fills)
    lay = layout if layout is not None else geo.geo_layout()
    s = lay.hex_spacing
    metro = [c for c in codes if c in lay.hexes]
    rest = [c for c in codes if c not in lay.hexes]
    parts = _heading(title, note)
    hexes = [
        svg.el(
            "path",
            {"d": _hex_path(*lay.hexes[c], s), "fill": fills[c], "data-code": c},
            svg.title(titles.get(c, c)),
        )
        for c in metro
    ]
    parts.append(svg.g(*hexes, class_="hexes", stroke="#FFFFFF", stroke_width="0.6"))
    if metro:
        parts.append(_department_borders(lay, metro))
        parts.append(_department_labels(lay, metro))
    strip_h = 0.0
    if rest:
        strip, strip_h = _hex_strip(
            rest, fills, titles, x0=8, y0=geo.CARTO_STRIP_Y, width=geo.CARTO_WIDTH - 16, spacing=s
        )
        parts.append(strip)
    if legend:
        leg, _h = svg.legend(
            legend,
            x=geo.CARTO_BOX[0] + geo.CARTO_BOX[2] + 12,
            y=56,
            width=geo.CARTO_WIDTH - geo.CARTO_BOX[2] - 28,
            col_width=230,
        )
        parts.append(leg)
    height = max(geo.CARTO_HEIGHT, geo.CARTO_STRIP_Y + strip_h + 8)
    return svg.document(
        geo.CARTO_WIDTH, height, parts, label=title, css=MAP_CSS, cls="hemicycle-cartogram"
    )


def _department_borders(lay: geo.GeoLayout, metro: Sequence[str]) -> str:
    """One path along the hexagon edges that two departments share."""
    s = lay.hex_spacing
    centres = np.array([lay.hexes[c] for c in metro])
    deps = [geo.department_of(c) for c in metro]
    segs = []
    for i, j in geo.hex_neighbours(centres, s):
        if deps[i] != deps[j]:
            a, b = geo.shared_edge(centres[i], centres[j])
            segs.append(
                f"M{svg.num(a[0], 1)} {svg.num(a[1], 1)}L{svg.num(b[0], 1)} {svg.num(b[1], 1)}"
            )
    return svg.el(
        "path",
        {
            "d": "".join(segs),
            "fill": "none",
            "stroke": "#1A1A1A",
            "stroke-width": "1.6",
            "stroke-linecap": "round",
            "pointer-events": "none",
            "class": "departments",
        },
    )


def _department_labels(lay: geo.GeoLayout, metro: Sequence[str]) -> str:
    """Each department's code on its hexagon nearest the department's centre."""
    labels = []
    for dep, cs in _groups(metro):
        pts = np.array([lay.hexes[c] for c in cs])
        m = pts.mean(axis=0)
        k = int(np.argmin(((pts - m) ** 2).sum(axis=1)))
        labels.append(
            svg.text(
                pts[k, 0],
                pts[k, 1] + 3,
                dep,
                text_anchor="middle",
                font_size="8.5",
                font_weight="600",
            )
        )
    return svg.g(
        *labels,
        class_="department-labels",
        fill=INK,
        stroke="#FFFFFF",
        stroke_width="2.2",
        paint_order="stroke",
        pointer_events="none",
    )


def _hex_strip(
    codes: Sequence[str],
    fills: Mapping[str, str],
    titles: Mapping[str, str],
    *,
    x0: float,
    y0: float,
    width: float,
    spacing: float,
) -> tuple[str, float]:
    parts = []
    r = spacing / math.sqrt(3)
    line = 2 * r + 22
    y = y0
    for label, cs, x, y in _strip_rows(
        codes, x0=x0, y0=y0, width=width, line=line, step=spacing, trim=0.0
    ):
        parts.append(
            svg.text(x, y + 10, label, font_size=svg.num(_STRIP_FONT), fill=INK, stroke="none")
        )
        for i, c in enumerate(cs):
            cx, cy = x + spacing / 2 + i * spacing, y + 16 + r
            parts.append(
                svg.el(
                    "path",
                    {"d": _hex_path(cx, cy, spacing), "fill": fills[c], "data-code": c},
                    svg.title(titles.get(c, c)),
                )
            )
            parts.append(
                svg.text(
                    cx,
                    cy + 3,
                    c[-2:],
                    text_anchor="middle",
                    font_size="8.5",
                    fill=ink_on(fills[c]),
                    stroke="none",
                    pointer_events="none",
                )
            )
    return svg.g(*parts, class_="strip hexes", stroke="#FFFFFF", stroke_width="0.6"), (
        y - y0
    ) + line
