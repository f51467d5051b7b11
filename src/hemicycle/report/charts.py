"""Charts of seat counts: projections (median Assembly, intervals, distributions) and the same
votes under other electoral systems. Each function returns a standalone SVG string.

* :func:`projection_svg` — the median Assembly as a hemicycle, with one bar per group for its 90 %
  interval (``lo``–``hi``), the median and, when given, the actual outcome; the majority line.
* :func:`seat_distribution_svg` — one histogram per group of the simulated seats, on a shared
  axis, with the majority line and P(majority).
* :func:`systems_svg` — one horizontal stacked bar per system, with each Assembly's majority line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from hemicycle.data.blocs import BLOCS
from hemicycle.report import hemicycle_svg, svg
from hemicycle.report.palette import (
    BLOC_COLOURS,
    BLOC_LABELS,
    INK,
    OKABE_ITO,
    SEATING,
    ink_on,
    nuance_colours,
    nuance_order,
)
from hemicycle.rules import MAJORITY, SEATS


class Projection(Protocol):
    """What the charts read of a :class:`hemicycle.sim.project.Projection` (drawn, never
    computed, here)."""

    @property
    def target_year(self) -> int: ...
    @property
    def groups(self) -> tuple[str, ...]: ...
    @property
    def kinds(self) -> tuple[str, ...]: ...

    def bloc_draws(self) -> np.ndarray: ...


_FALLBACK = (*(v for k, v in OKABE_ITO.items() if k != "black"), "#999999")


def group_style(
    groups: Sequence[str],
    *,
    year: int | None = None,
    colours: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """Order, colours and labels for a set of groups: blocs (seating order, bloc colours),
    nuances of ``year`` (by bloc, shades), or anything else (given order, Okabe–Ito in turn).
    Explicit ``colours``/``labels`` win."""
    gs = list(dict.fromkeys(groups))
    if set(gs) <= set(BLOCS):
        order: list[str] = [b for b in SEATING if b in gs]
        col, lab = dict(BLOC_COLOURS), dict(BLOC_LABELS)
    elif year is not None:
        order = nuance_order(year, gs)
        col, lab = nuance_colours(year, gs), {g: g for g in gs}
    else:
        order = gs
        col = {g: _FALLBACK[i % len(_FALLBACK)] for i, g in enumerate(gs)}
        lab = {g: g for g in gs}
    col.update(colours or {})
    lab.update(labels or {})
    return order, col, lab


def largest_remainder(values: Mapping[str, float], total: int) -> dict[str, int]:
    """Integers proportional to ``values`` summing to ``total`` (Hamilton; ties to the first).

    >>> largest_remainder({"a": 167.0, "b": 145.0, "c": 181.0}, 500)
    {'a': 169, 'b': 147, 'c': 184}
    """
    keys = list(values)
    v = np.array([max(float(values[k]), 0.0) for k in keys])
    if v.sum() <= 0:
        return {k: 0 for k in keys}
    q = v * total / v.sum()
    base = np.floor(q).astype(np.int64)
    rest = total - int(base.sum())
    order = sorted(range(len(keys)), key=lambda i: (-(q[i] - base[i]), i))
    for i in order[:rest]:
        base[i] += 1
    return {k: int(b) for k, b in zip(keys, base, strict=True)}


def median_assembly(seats: pd.DataFrame, kind: str = "bloc", total: int = SEATS) -> dict[str, int]:
    """Each group's median seats, rescaled to sum to ``total`` (medians need not add up)."""
    s = _rows(seats, kind)
    return largest_remainder(dict(zip(s["group"], s["median"], strict=True)), total)


def _rows(seats: pd.DataFrame, kind: str) -> pd.DataFrame:
    kinds = sorted(set(seats["kind"]))
    if kind not in kinds:
        raise ValueError(f"unknown kind {kind!r}; the seat table has: {', '.join(kinds)}")
    return seats[seats["kind"] == kind]


def _axis_max(values: Sequence[float], majority: int, step: int = 50) -> int:
    top = max([*values, majority * 1.08])
    return int(math.ceil(top / step) * step)


def _axis(x0: float, y: float, width: float, vmax: int, *, step: int = 50) -> str:
    parts = [svg.line(x0, y, x0 + width, y, stroke="#999", stroke_width="0.8")]
    for v in range(0, vmax + 1, step):
        x = x0 + width * v / vmax
        parts.append(svg.line(x, y, x, y + 4, stroke="#999", stroke_width="0.8"))
        parts.append(svg.text(x, y + 15, v, text_anchor="middle", font_size="10", fill="#555"))
    return svg.g(*parts, class_="axis")


def _majority_line(x: float, y0: float, y1: float, majority: int) -> str:
    return svg.g(
        svg.line(x, y0, x, y1, stroke=INK, stroke_width="1.2", stroke_dasharray="4 3"),
        svg.text(x + 4, y0 + 10, f"majority {majority}", font_size="10", fill=INK),
        class_="majority",
    )


def interval_bars(
    rows: pd.DataFrame,
    order: Sequence[str],
    colours: Mapping[str, str],
    labels: Mapping[str, str],
    *,
    x: float,
    y: float,
    width: float,
    majority: int = MAJORITY,
    actual: Mapping[str, int] | None = None,
) -> tuple[str, float]:
    """One row per group: its 90 % interval as a bar, the median as a tick, the actual outcome as a
    diamond; returns (svg, height)."""
    cols = [c for c in ("lo", "hi", "median", "p_majority") if c in rows.columns]
    r: dict[str, dict[str, float]] = {
        str(g): {c: float(v) for c, v in zip(cols, vals, strict=True)}
        for g, *vals in rows[["group", *cols]].itertuples(index=False)
    }
    order = [g for g in order if g in r and r[g]["hi"] > 0]
    label_w, info_w, row_h = 96.0, 190.0, 26.0
    plot_x, plot_w = x + label_w, width - label_w - info_w
    vmax = _axis_max(
        [r[g]["hi"] for g in order] + [float(v) for v in (actual or {}).values()],
        majority,
    )

    def sx(v: float) -> float:
        return plot_x + plot_w * v / vmax

    parts = []
    for i, gname in enumerate(order):
        cy = y + 8 + i * row_h + row_h / 2
        lo, hi, med = (r[gname][k] for k in ("lo", "hi", "median"))
        pm = r[gname].get("p_majority", 0.0)
        c = colours[gname]
        tip = (
            f"{labels[gname]}: median {med:.0f} seats, 90% interval {lo:.0f}–{hi:.0f}, "
            f"P(≥{majority}) {pm:.1%}"
        )
        items = [
            svg.title(tip),
            svg.text(x, cy + 4, labels[gname], font_size="12", fill=INK),
            svg.rect(
                sx(lo),
                cy - 7,
                max(sx(hi) - sx(lo), 1.5),
                14,
                rx="3",
                fill=c,
                fill_opacity="0.55",
                stroke=c,
            ),
            svg.line(sx(med), cy - 10, sx(med), cy + 10, stroke=INK, stroke_width="2.2"),
        ]
        if actual is not None and gname in actual:
            a = sx(float(actual[gname]))
            items.append(
                svg.el(
                    "path",
                    {
                        "d": f"M{svg.num(a)} {svg.num(cy - 6)}l5 6-5 6-5-6z",
                        "fill": "#FFFFFF",
                        "stroke": INK,
                        "stroke-width": "1.4",
                    },
                )
            )
        info = f"{med:.0f}  ({lo:.0f}–{hi:.0f})"
        if pm >= 0.0005:
            info += f"  P(maj.) {pm:.1%}"
        items.append(svg.text(plot_x + plot_w + 10, cy + 4, info, font_size="11", fill=INK))
        parts.append(svg.g(*items, class_="interval", data_group=gname))
    bottom = y + 8 + len(order) * row_h
    parts.append(_axis(plot_x, bottom + 2, plot_w, vmax))
    parts.append(_majority_line(sx(majority), y, bottom + 2, majority))
    return svg.g(*parts, class_="intervals"), bottom - y + 22


def projection_svg(
    seats: pd.DataFrame,
    *,
    kind: str = "bloc",
    year: int | None = None,
    actual: Mapping[str, int] | None = None,
    title: str = "Projected Assembly",
    majority: int = MAJORITY,
    total: int = SEATS,
    width: float = 760,
) -> str:
    """The median Assembly (hemicycle) and each group's 90 % interval.

    ``seats``: a :attr:`Projection.seats <hemicycle.sim.project.Projection.seats>` frame
    (``group,kind,mean,median,lo,hi,p_majority``); ``actual``: seats actually won, drawn as
    diamonds; ``year`` colours nuances.
    """
    rows = _rows(seats, kind)
    rows = rows[rows["hi"] > 0]
    order, colours, labels = group_style(list(rows["group"]), year=year)
    med = median_assembly(rows, kind, total)
    groups = [(gname, med[gname]) for gname in order if med.get(gname, 0) > 0]
    pad, head = 16.0, 30.0
    hw = min(width - 2 * pad, 520.0)
    body, hh = hemicycle_svg.fragment(
        groups, colours, x=(width - hw) / 2, y=head, width=hw, labels=labels, majority=majority
    )
    sub = svg.text(
        width / 2,
        head + hh + 14,
        f"median Assembly (each group's median, rescaled to {total} seats)",
        text_anchor="middle",
        font_size="11",
        fill="#555",
    )
    bars, bh = interval_bars(
        rows,
        order,
        colours,
        labels,
        x=pad,
        y=head + hh + 28,
        width=width - 2 * pad,
        majority=majority,
        actual=actual,
    )
    note = "bar: 90% interval; black tick: median" + ("; diamond: actual outcome" if actual else "")
    foot = svg.text(pad, head + hh + 28 + bh + 12, note, font_size="10.5", fill="#555")
    height = head + hh + 28 + bh + 22
    heading = svg.text(pad, 20, title, font_size="15", font_weight="700", fill=INK)
    return svg.document(width, height, [heading, body, sub, bars, foot], label=title)


def seat_distribution_svg(
    draws: np.ndarray,
    groups: Sequence[str],
    *,
    year: int | None = None,
    colours: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    majority: int = MAJORITY,
    actual: Mapping[str, int] | None = None,
    title: str = "Simulated seats",
    width: float = 760,
) -> str:
    """Histograms of simulated seats: ``draws`` is (sims, len(groups)) — e.g.
    ``proj.bloc_draws()`` with ``BLOCS`` — one panel per group that ever wins a seat."""
    d = np.asarray(draws)
    if d.ndim != 2 or d.shape[1] != len(groups):
        raise ValueError(f"draws must be (sims, {len(groups)}); got {d.shape}")
    if d.shape[0] == 0:
        raise ValueError("no simulations")
    order, col, lab = group_style(groups, year=year, colours=colours, labels=labels)
    idx = {gname: i for i, gname in enumerate(groups)}
    order = [gname for gname in order if d[:, idx[gname]].max() > 0]
    pad, head, label_w, info_w, panel_h, gap = 16.0, 30.0, 96.0, 120.0, 46.0, 8.0
    plot_x, plot_w = pad + label_w, width - 2 * pad - label_w - info_w
    vmax = _axis_max([float(d[:, idx[gname]].max()) for gname in order], majority)

    plot = _SeatAxis(pad, plot_x, plot_w, vmax)
    sims = d.shape[0]
    width_bin = max(1, vmax // 100)  # seats per histogram bar
    n_bins = vmax // width_bin + 1
    bw = plot_w * width_bin / (vmax + 1)
    parts = []
    for i, gname in enumerate(order):
        v = d[:, idx[gname]].astype(np.int64)
        counts = np.bincount(v // width_bin, minlength=n_bins)[:n_bins] / sims
        top = head + i * (panel_h + gap)
        base = top + panel_h
        h = panel_h - 4
        parts.append(
            _distribution_panel(
                plot,
                v,
                gname,
                lab[gname],
                col[gname],
                _histogram_path(counts, plot_x, base, bw, h),
                base=base,
                h=h,
                majority=majority,
                actual=float(actual[gname]) if actual is not None and gname in actual else None,
            )
        )
    bottom = head + len(order) * (panel_h + gap)
    parts.append(_axis(plot_x, bottom, plot_w, vmax))
    parts.append(_majority_line(plot.sx(majority), head - 6, bottom, majority))
    note = (
        f"{sims:,} simulated Assemblies"
        + (f"; bars of {width_bin} seats" if width_bin > 1 else "")
        + "; dashed: median"
        + ("; diamond: actual outcome" if actual else "")
    )
    parts.append(svg.text(pad, bottom + 32, note, font_size="10.5", fill="#555"))
    heading = svg.text(pad, 20, title, font_size="15", font_weight="700", fill=INK)
    return svg.document(width, bottom + 42, [heading, *parts], label=title)


@dataclass(frozen=True)
class _SeatAxis:
    """The horizontal geometry of a histogram of seats: labels from ``pad``, the plot from ``x``,
    ``w`` wide, seat counts 0 to ``vmax``."""

    pad: float
    x: float
    w: float
    vmax: int

    def sx(self, v: float) -> float:
        """The centre of seat count ``v``."""
        return self.x + self.w * (v + 0.5) / (self.vmax + 1)


def _histogram_path(counts: np.ndarray, x0: float, base: float, bw: float, h: float) -> str:
    """The histogram's bars as one SVG path: bar ``k`` from ``x0 + k * bw``, ``bw`` wide, on the
    line ``base``; the highest is ``h`` tall."""
    scale = h / counts.max()
    pts = []
    for k in np.flatnonzero(counts):
        x = x0 + k * bw
        yk = base - counts[k] * scale
        pts.append(
            f"M{svg.num(x)} {svg.num(base)}V{svg.num(yk)}H{svg.num(x + bw)}V{svg.num(base)}z"
        )
    return "".join(pts)


def _distribution_panel(
    plot: _SeatAxis,
    v: np.ndarray,
    gname: str,
    label: str,
    colour: str,
    bars: str,
    *,
    base: float,
    h: float,
    majority: int,
    actual: float | None,
) -> str:
    """One group's panel: its label, the histogram ``bars`` of its simulated seats ``v``, the
    median (dashed), the ``actual`` seats (a diamond) and P(majority)."""
    lo, med, hi = np.quantile(v, [0.05, 0.5, 0.95])
    pm = float((v >= majority).mean())
    tip = f"{label}: median {med:.0f}, 90% interval {lo:.0f}–{hi:.0f}, P(≥{majority}) {pm:.1%}"
    items = [
        svg.title(tip),
        svg.text(plot.pad, base - h / 2 + 4, label, font_size="12", fill=INK),
        svg.line(plot.x, base, plot.x + plot.w, base, stroke="#CCC", stroke_width="0.8"),
        svg.el("path", {"d": bars, "fill": colour}),
        svg.line(
            plot.sx(med),
            base - h,
            plot.sx(med),
            base,
            stroke=INK,
            stroke_width="1",
            stroke_dasharray="2 2",
        ),
    ]
    if actual is not None:
        a = plot.sx(actual)
        items.append(
            svg.el(
                "path",
                {
                    "d": f"M{svg.num(a)} {svg.num(base - 2)}l5 -6-5-6-5 6z",
                    "fill": "#FFFFFF",
                    "stroke": INK,
                    "stroke-width": "1.4",
                },
            )
        )
    items.append(
        svg.text(
            plot.x + plot.w + 10,
            base - h / 2 + 4,
            f"P(≥{majority}) {pm:.1%}",
            font_size="11",
            fill=INK,
        )
    )
    return svg.g(*items, class_="distribution", data_group=gname)


def projection_distribution_svg(
    proj: Projection, *, actual: Mapping[str, int] | None = None, title: str | None = None
) -> str:
    """:func:`seat_distribution_svg` of a :class:`~hemicycle.sim.project.Projection`, by bloc."""
    kinds = zip(proj.groups, proj.kinds, strict=True)
    have = {gname for gname, k in kinds if k == "bloc"}
    blocs = [b for b in BLOCS if b in have]  # the columns of bloc_draws(), in this order
    return seat_distribution_svg(
        proj.bloc_draws(),
        blocs,
        actual=actual,
        title=title or f"Simulated seats by bloc, {proj.target_year}",
    )


def systems_svg(
    rows: Sequence[tuple[str, Mapping[str, int]]],
    house_size: int | Sequence[int] = SEATS,
    *,
    year: int | None = None,
    colours: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    title: str = "Same votes, other systems",
    notes: Sequence[str] | None = None,
    width: float = 860,
) -> str:
    """One stacked bar per (system name, {group: seats}), groups left to right; the majority of
    each Assembly (``house_size // 2 + 1``; one size, or one per row) is marked on its bar."""
    sizes = _house_sizes(rows, house_size)
    allg = [gname for _, seats in rows for gname, v in seats.items() if int(v) > 0]
    order, col, lab = group_style(allg, year=year, colours=colours, labels=labels)
    pad, head, label_w, row_h, bar_h = 16.0, 34.0, 190.0, 34.0, 22.0
    plot_x, plot_w = pad + label_w, width - 2 * pad - label_w - 8
    hmax = max(sizes)
    parts = []
    for i, ((name, seats), h) in enumerate(zip(rows, sizes, strict=True)):
        cy = head + i * row_h
        segs = _system_segments(
            name, seats, h, order, col, lab, x=plot_x, cy=cy, bar_h=bar_h, plot_w=plot_w, hmax=hmax
        )
        m = svg.num(plot_x + plot_w * (h // 2 + 1) / hmax)
        segs.append(
            svg.el(
                "path",
                {
                    "d": f"M{m} {svg.num(cy - 5)}V{svg.num(cy + 4)}M{m} {svg.num(cy + bar_h - 4)}"
                    f"V{svg.num(cy + bar_h + 5)}",
                    "stroke": INK,
                    "stroke-width": "1.8",
                    "class": "majority",
                },
            )
        )
        label = name if len(name) <= 28 else name[:27] + "…"
        sub = f" ({h})" if h != SEATS else ""
        parts.append(
            svg.g(
                svg.text(pad, cy + bar_h / 2 + 4, label + sub, font_size="12", fill=INK),
                *segs,
                class_="system",
                data_system=name,
            )
        )
    bottom = head + len(rows) * row_h
    legend_items = [(col[gname], lab[gname]) for gname in order]
    leg, lh = svg.legend(
        legend_items, x=plot_x, y=bottom + 6, width=plot_w, col_width=120, by_column=False
    )
    foot = svg.text(
        pad,
        bottom + 6 + lh + 14,
        "black ticks: majority of that Assembly (half its seats plus one)",
        font_size="10.5",
        fill="#555",
    )
    extra = []
    y = bottom + 6 + lh + 30
    for note in notes or ():
        extra.append(svg.text(pad, y, note, font_size="10.5", fill="#555"))
        y += 15
    heading = svg.text(pad, 22, title, font_size="15", font_weight="700", fill=INK)
    return svg.document(width, y + 4, [heading, *parts, leg, foot, *extra], label=title)


def _house_sizes(
    rows: Sequence[tuple[str, Mapping[str, int]]], house_size: int | Sequence[int]
) -> list[int]:
    """Each system's house size (one for all, or one per row), checked against its seats."""
    if not rows:
        raise ValueError("no systems to draw")
    sizes = (
        [int(house_size)] * len(rows)
        if isinstance(house_size, int)
        else [int(h) for h in house_size]
    )
    if len(sizes) != len(rows):
        raise ValueError(f"{len(sizes)} house sizes for {len(rows)} systems")
    for (name, seats), h in zip(rows, sizes, strict=True):
        if sum(int(v) for v in seats.values()) > h:
            raise ValueError(f"{name}: {sum(seats.values())} seats exceed the house size {h}")
    return sizes


def _system_segments(
    name: str,
    seats: Mapping[str, int],
    h: int,
    order: Sequence[str],
    col: Mapping[str, str],
    lab: Mapping[str, str],
    *,
    x: float,
    cy: float,
    bar_h: float,
    plot_w: float,
    hmax: int,
) -> list[str]:
    """One system's stacked bar from ``x``: a rectangle per group in ``order`` (``plot_w``
    pixels for the ``hmax`` seats of the largest house), its seats written inside when it is
    wide enough."""
    segs = []
    for gname in order:
        n = int(seats.get(gname, 0))
        if n <= 0:
            continue
        w = plot_w * n / hmax
        segs.append(
            svg.rect(
                x,
                cy,
                w,
                bar_h,
                svg.title(f"{name}: {lab[gname]} {n} of {h} seats"),
                fill=col[gname],
                data_group=gname,
            )
        )
        if w >= 24:
            segs.append(
                svg.text(
                    x + w / 2,
                    cy + bar_h / 2 + 4,
                    n,
                    text_anchor="middle",
                    font_size="11",
                    fill=ink_on(col[gname]),
                    pointer_events="none",
                )
            )
        x += w
    return segs
