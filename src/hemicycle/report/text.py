"""Terminal renderings with rich: a seat bar and a text hemicycle."""

from __future__ import annotations

import math
from collections.abc import Mapping

from rich.text import Text

from hemicycle.report.palette import SEATING
from hemicycle.rules import MAJORITY, SEATS

#: Terminal colours of the blocs, seated left to right in :data:`~hemicycle.report.palette.SEATING`.
COLOURS = {
    "far_left": "red3",
    "left": "deep_pink3",
    "regionalist": "dark_khaki",
    "other": "grey62",
    "centre": "gold1",
    "right": "dodger_blue2",
    "far_right": "navy_blue",
}
assert set(COLOURS) == set(SEATING)


def seat_bar(seats: Mapping[str, float], *, width: int = 96, total: int = SEATS) -> Text:
    """A stacked bar of seats by bloc, with a marker at the majority (:data:`MAJORITY`)."""
    text = Text()
    used = 0
    acc = 0.0
    for bloc in SEATING:
        n = float(seats.get(bloc, 0))
        if n <= 0:
            continue
        acc += n
        end = round(acc / total * width)
        text.append("█" * max(end - used, 0), style=COLOURS[bloc])
        used = end
    text.append("░" * max(width - used, 0), style="grey30")
    marker = round(MAJORITY / total * width)
    text.append("\n" + " " * (marker - 1) + f"▲ {MAJORITY} (majority)")
    return text


def _cells(width: int, inner: float) -> list[tuple[float, float, int, int]]:
    """(angle, radius, row, col) of the grid cells inside a half-annulus; dots on even columns."""
    height = width // 4
    cells = []
    for row in range(height + 1):
        y = (height - row) / height
        for col in range(0, width + 1, 2):
            x = (col - width / 2) / (width / 2)
            r = math.hypot(x, y)
            if inner <= r <= 1.0:
                cells.append((math.atan2(y, x), r, row, col))
    return cells


def hemicycle(seats: Mapping[str, int], *, inner: float = 0.45) -> Text:
    """A text hemicycle: one dot a seat, blocs seated left to right.

    >>> str(hemicycle({"left": 300, "right": 277})).count("●")
    577
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
    grid: dict[tuple[int, int], str] = {(c[2], c[3]): bloc for c, bloc in zip(cells, order, strict=True)}
    text = Text()
    for row in range(width // 4 + 1):
        for col in range(width + 1):
            bloc = grid.get((row, col))
            text.append("●" if bloc else " ", style=COLOURS.get(bloc or "", ""))
        text.append("\n")
    return text
