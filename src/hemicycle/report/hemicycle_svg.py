"""The hemicycle seat diagram as SVG, on parliamentarch's geometry.

:func:`seat_positions` places ``n`` seats in rows of a half annulus (parliamentarch's packing) and
orders them by angle, left to right, so that each group fills one wedge. One ``<circle>`` per seat,
grouped by ``<g class="seats" data-group=… fill=…>`` (so a group's seats can be counted and styled).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache

from parliamentarch.geometry import get_nrows_from_nseats, get_row_thickness, get_seats_centers

from hemicycle.report import svg
from hemicycle.report.palette import (
    BLOC_COLOURS,
    BLOC_LABELS,
    INK,
    SEATING,
    UNDECIDED,
    UNDECIDED_LABEL,
    nuance_colours,
    nuance_order,
)

Groups = Sequence[tuple[str, int]]


@lru_cache(maxsize=16)
def seat_positions(n: int) -> tuple[tuple[tuple[float, float], ...], float]:
    """Seat centres, left to right, on a 2 × 1 canvas (y pointing *down*), and the seat radius."""
    if n <= 0:
        return (), 0.0
    centres = get_seats_centers(n)
    # by angle, leftmost first; the radius breaks ties (the same angle in two rows)
    order = sorted(centres, key=lambda xy: (-centres[xy], math.hypot(xy[0] - 1, xy[1])))
    radius = 0.8 * get_row_thickness(get_nrows_from_nseats(n))
    return tuple((x, 1.0 - y) for x, y in order), radius


def fragment(
    groups: Groups,
    colours: Mapping[str, str],
    *,
    x: float,
    y: float,
    width: float,
    labels: Mapping[str, str] | None = None,
    majority: int | None = None,
) -> tuple[str, float]:
    """The diagram (seats only) in a box at (x, y) of the given width; returns (svg, height)."""
    labels = labels or {}
    n = sum(int(s) for _, s in groups)
    pos, r = seat_positions(n)
    scale = width / 2
    it = iter(pos)
    parts = []
    for name, seats in groups:
        seats = int(seats)
        if seats <= 0:
            continue
        circles = []
        for _ in range(seats):
            sx, sy = next(it)
            circles.append(
                f'<circle cx="{svg.num(x + sx * scale, 1)}" cy="{svg.num(y + sy * scale, 1)}"'
                f' r="{svg.num(r * scale, 2)}"/>'
            )
        parts.append(
            svg.g(
                svg.title(f"{labels.get(name, name)}: {seats} seat{'' if seats == 1 else 's'}"),
                *circles,
                class_="seats",
                data_group=name,
                fill=colours[name],
            )
        )
    height = scale * 1.0
    total = svg.text(
        x + width / 2,
        y + height - 4,
        f"{n}",
        text_anchor="middle",
        font_size=svg.num(width / 11),
        font_weight="700",
        fill=INK,
    )
    sub = ""
    if majority is not None:
        sub = svg.text(
            x + width / 2,
            y + height + 12,
            f"majority {majority}",
            text_anchor="middle",
            font_size="11",
            fill="#555",
        )
    return svg.g(*parts, total, sub, class_="hemicycle"), height + (
        16 if majority is not None else 0
    )


def hemicycle_svg(
    groups: Groups,
    colours: Mapping[str, str],
    *,
    labels: Mapping[str, str] | None = None,
    title: str = "Seats",
    majority: int | None = None,
    width: float = 640,
) -> str:
    """A hemicycle of ``groups`` ((name, seats), seated left to right in the given order) with a
    legend of name and seats. ``colours`` maps each name to a fill."""
    for name, _ in groups:
        if name not in colours:
            raise ValueError(f"no colour for group {name!r}")
    labels = labels or {}
    if majority is None:
        majority = sum(int(s) for _, s in groups) // 2 + 1
    pad = 16
    head = 30
    body, h = fragment(
        groups, colours, x=pad, y=head, width=width - 2 * pad, labels=labels, majority=majority
    )
    items = [(colours[n], f"{labels.get(n, n)}  {int(s)}") for n, s in groups if int(s) > 0]
    leg, lh = svg.legend(items, x=pad, y=head + h + 14, width=width - 2 * pad, col_width=152)
    height = head + h + 14 + lh + pad
    heading = svg.text(pad, 20, title, font_size="15", font_weight="700", fill=INK)
    return svg.document(width, height, [heading, body, leg], label=title)


def bloc_groups(seats_by_bloc: Mapping[str, int]) -> list[tuple[str, int]]:
    """Blocs in seating order, zero seats left out; an unknown bloc raises ``ValueError``."""
    unknown = set(seats_by_bloc) - set(SEATING)
    if unknown:
        raise ValueError(f"unknown bloc(s) {sorted(unknown)}; blocs: {', '.join(SEATING)}")
    return [(b, int(seats_by_bloc[b])) for b in SEATING if int(seats_by_bloc.get(b, 0)) > 0]


#: The group of the seats without a winner in the data, seated last (rightmost), in grey.
UNDECIDED_GROUP = "undecided"


def _with_undecided(
    groups: list[tuple[str, int]], colours: Mapping[str, str], labels: Mapping[str, str], n: int
) -> tuple[list[tuple[str, int]], dict[str, str], dict[str, str]]:
    """``groups`` with ``n`` undecided seats appended (none when ``n`` is 0)."""
    colours, labels = dict(colours), dict(labels)
    if n > 0:
        groups = [*groups, (UNDECIDED_GROUP, n)]
        colours[UNDECIDED_GROUP] = UNDECIDED
        labels[UNDECIDED_GROUP] = UNDECIDED_LABEL
    return groups, colours, labels


def bloc_hemicycle_svg(
    seats_by_bloc: Mapping[str, int],
    *,
    title: str = "Seats by bloc",
    width: float = 640,
    undecided: int = 0,
) -> str:
    """The hemicycle coloured by bloc (:data:`~hemicycle.report.palette.SEATING` order);
    ``undecided`` more seats (no winner in the data) are drawn in grey after the blocs, so that the
    whole house and its majority are shown."""
    groups, colours, labels = _with_undecided(
        bloc_groups(seats_by_bloc), BLOC_COLOURS, BLOC_LABELS, undecided
    )
    return hemicycle_svg(groups, colours, labels=labels, title=title, width=width)


def nuance_hemicycle_svg(
    year: int,
    seats_by_nuance: Mapping[str, int],
    *,
    title: str = "Seats by nuance",
    width: float = 640,
    undecided: int = 0,
) -> str:
    """The hemicycle coloured by nuance: seated by bloc, shades of the bloc's colour;
    ``undecided`` seats as in :func:`bloc_hemicycle_svg`."""
    present = [n for n, s in seats_by_nuance.items() if int(s) > 0]
    groups, colours, labels = _with_undecided(
        [(n, int(seats_by_nuance[n])) for n in nuance_order(year, present)],
        nuance_colours(year, present),
        {},
        undecided,
    )
    return hemicycle_svg(groups, colours, labels=labels, title=title, width=width)
