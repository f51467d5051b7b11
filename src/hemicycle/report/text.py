"""Terminal renderings with rich: a seat bar and a text hemicycle, both within 80 columns.

The terminal colours are chosen to stay apart on dark and light themes alike: each has a contrast
of at least 3:1 against black, a dark grey and white backgrounds, any two are at least 20 CIELAB
units apart, and in a 16-colour terminal (where rich falls back to the standard ANSI colours) they
fall on seven different ANSI colours (the tests check all three). Without colour (piped to a file)
each bloc gets its own letter (:data:`GLYPHS`), and a key labels the parts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from rich.text import Text

from hemicycle.report.palette import SEATING
from hemicycle.rules import SEATS

#: Terminal colours of the blocs, seated left to right in :data:`~hemicycle.report.palette.SEATING`.
COLOURS = {
    "far_left": "red3",
    "left": "deep_pink3",
    "centre": "dark_goldenrod",
    "right": "deep_sky_blue3",
    "far_right": "slate_blue3",
    "regionalist": "green4",
    "other": "grey50",
}
assert set(COLOURS) == set(SEATING)
#: One letter per bloc, for output without colour (a file, a pipe, NO_COLOR).
GLYPHS = {
    "far_left": "X",
    "left": "L",
    "centre": "C",
    "right": "R",
    "far_right": "F",
    "regionalist": "G",
    "other": "O",
}
assert set(GLYPHS) == set(SEATING) and len(set(GLYPHS.values())) == len(GLYPHS)
LABELS = {
    "far_left": "far left",
    "left": "left",
    "centre": "centre",
    "right": "right",
    "far_right": "far right",
    "regionalist": "regionalist",
    "other": "other",
}


def seat_bar(
    seats: Mapping[str, float], *, width: int = 76, total: int = SEATS, colour: bool = True
) -> Text:
    """A stacked bar of seats by bloc in a house of ``total`` seats, with a marker at its
    majority (``total // 2 + 1``: :data:`MAJORITY` for 577); without ``colour``, each bloc's part
    is drawn with its letter (:data:`GLYPHS`)."""
    text = Text()
    used = 0
    acc = 0.0
    for bloc in SEATING:
        n = float(seats.get(bloc, 0))
        if n <= 0:
            continue
        acc += n
        end = round(acc / total * width)
        mark = "█" if colour else GLYPHS[bloc]
        text.append(mark * max(end - used, 0), style=COLOURS[bloc] if colour else "")
        used = end
    text.append(("░" if colour else ".") * max(width - used, 0), style="grey30" if colour else "")
    majority = total // 2 + 1
    marker = round(majority / total * width)
    text.append("\n" + " " * (marker - 1) + f"▲ {majority} (majority)")
    return text


def _cells(width: int, inner: float) -> list[tuple[float, float, int, int]]:
    """(angle, radius, row, col) of the grid cells inside a half-annulus ``width`` columns wide
    (a terminal cell is about twice as tall as it is wide: the height is ``width // 4`` rows)."""
    height = width // 4
    cells = []
    for row in range(height + 1):
        y = (height - row) / height
        for col in range(width + 1):
            x = (col - width / 2) / (width / 2)
            r = math.hypot(x, y)
            if inner <= r <= 1.0:
                cells.append((math.atan2(y, x), r, row, col))
    return cells


def hemicycle(seats: Mapping[str, int], *, inner: float = 0.45, colour: bool = True) -> Text:
    """A text hemicycle: one mark a seat, blocs seated left to right, and a key under it.

    With ``colour``, every seat is a coloured ``●`` and the key has the colours; without, each
    bloc has its letter (:data:`GLYPHS`), so the parts read in plain text too. 577 seats fit in
    63 columns.

    >>> t = str(hemicycle({"left": 300, "right": 277}, colour=False))
    >>> t.count("L") - t.count("L left"), t.count("R") - t.count("R right")
    (300, 277)
    >>> max(len(line) for line in t.splitlines()) <= 80
    True
    """
    order = [b for b in SEATING for _ in range(int(seats.get(b, 0)))]
    n = len(order)
    width = 20
    while len(_cells(width, inner)) < n:
        width += 2
    cells = _cells(width, inner)
    # the surplus comes off the inner edge
    cells = sorted(cells, key=lambda c: -c[1])[:n]
    cells.sort(key=lambda c: (-c[0], c[1]))
    grid: dict[tuple[int, int], str] = {
        (c[2], c[3]): bloc for c, bloc in zip(cells, order, strict=True)
    }
    text = Text()
    for row in range(width // 4 + 1):
        line = Text()
        for col in range(width + 1):
            bloc = grid.get((row, col))
            mark = " " if bloc is None else "●" if colour else GLYPHS[bloc]
            line.append(mark, style=COLOURS[bloc] if bloc and colour else "")
        line.rstrip()
        text.append_text(line)
        text.append("\n")
    text.append_text(legend(seats, colour=colour))
    return text


def legend(seats: Mapping[str, float], *, colour: bool = True, width: int = 80) -> Text:
    """The key of the hemicycle and the seat bar: mark, bloc and seats, left to right, wrapped
    at ``width`` columns."""
    text = Text()
    used = 0
    for bloc in SEATING:
        n = seats.get(bloc, 0)
        if n < 0.5:
            continue
        item = f"{'●' if colour else GLYPHS[bloc]} {LABELS[bloc]} {n:.0f}"
        if used and used + 3 + len(item) > width:
            text.append("\n")
            used = 0
        elif used:
            text.append(" · ")
            used += 3
        text.append(item[0], style=COLOURS[bloc] if colour else "")
        text.append(item[1:])
        used += len(item)
    return text
