"""Colours: one colour-blind-safe colour per bloc (Okabe–Ito), shades of it per nuance.

The bloc colours are six of the Okabe–Ito colours (Okabe & Ito, *Color Universal Design*, 2008)
and a dark grey, given to the blocs along the usual French conventions (reds on the left, orange
for the centre, blues on the right, green for the regionalists). Under simulated protanopia,
deuteranopia and tritanopia (Machado et al. 2009) any two of them, and the light grey of
constituencies without a winner, stay at least 15 CIELAB units apart (the tests check it).
A nuance takes the colour of its bloc; several nuances of one bloc in the same chart get shades of
it, lighter and darker in turn, in the order of ``blocs.csv``: the same nuances always get the
same colours.
"""

from __future__ import annotations

import colorsys
from collections.abc import Iterable

from hemicycle.data.blocs import BLOCS, Bloc, bloc_of, table

#: Seating order in the hemicycle, left to right (the same in the dashboard, the report and the
#: terminal): the left–right axis, with the regionalists and the others — off the axis — at the two
#: sides, never between the left and the centre.
SEATING: tuple[Bloc, ...] = (
    "regionalist",
    "far_left",
    "left",
    "centre",
    "right",
    "far_right",
    "other",
)
assert set(SEATING) == set(BLOCS)

OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

BLOC_COLOURS: dict[str, str] = {
    "far_left": OKABE_ITO["vermillion"],
    "left": OKABE_ITO["reddish_purple"],
    "centre": OKABE_ITO["orange"],
    "right": OKABE_ITO["sky_blue"],
    "far_right": OKABE_ITO["blue"],
    "regionalist": OKABE_ITO["bluish_green"],
    "other": "#555555",
}
BLOC_LABELS: dict[str, str] = {
    "far_left": "Far left",
    "left": "Left",
    "centre": "Centre",
    "right": "Right",
    "far_right": "Far right",
    "regionalist": "Regionalist",
    "other": "Other",
}
#: The runoff the law produces after round 1 (Okabe–Ito colours; the dashboard uses the same).
SITUATION_COLOURS: dict[str, str] = {
    "elected": "#555555",
    "duel": "#56B4E9",
    "three-way": "#E69F00",
    "four-way": "#CC79A7",
}
SITUATION_LABELS: dict[str, str] = {
    "elected": "elected in round 1",
    "duel": "duel",
    "three-way": "three-way runoff",
    "four-way": "four-way runoff",
}
#: Constituencies without a winner in the data (e.g. a round that is not in the store).
UNDECIDED = "#E8E8E8"
UNDECIDED_LABEL = "No winner in the data"
INK = "#222222"
assert set(BLOC_COLOURS) == set(BLOCS) == set(BLOC_LABELS)

#: Lightness offsets of the 1st, 2nd, … nuance of a bloc (the first keeps the bloc colour). The
#: blues go away from each other: the right's lighter, the far right's darker.
_SHADES = (0.0, 0.16, -0.16, 0.28, -0.26, 0.08, -0.08, 0.22, -0.21, 0.34)
_BLOC_SHADES: dict[str, tuple[float, ...]] = {
    "right": (0.0, 0.16, 0.27, 0.08, 0.21, -0.07),
    "far_right": (0.0, -0.14, -0.22, 0.1, -0.07, -0.18),
}


def bloc_colour(bloc: str) -> str:
    """The colour of a bloc; an unknown bloc raises ``ValueError`` listing the blocs."""
    try:
        return BLOC_COLOURS[bloc]
    except KeyError:
        raise ValueError(f"unknown bloc {bloc!r}; blocs: {', '.join(BLOCS)}") from None


def _hex_to_rgb(colour: str) -> tuple[float, float, float]:
    c = colour.lstrip("#")
    return int(c[0:2], 16) / 255, int(c[2:4], 16) / 255, int(c[4:6], 16) / 255


def _rgb_to_hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(min(max(v, 0.0), 1.0) * 255):02X}" for v in rgb)


def shade(colour: str, delta: float) -> str:
    """``colour`` with its HLS lightness moved by ``delta`` (clipped to 0.12–0.9)."""
    h, ll, s = colorsys.rgb_to_hls(*_hex_to_rgb(colour))
    return _rgb_to_hex(colorsys.hls_to_rgb(h, min(max(ll + delta, 0.12), 0.9), s))


def nuance_order(year: int, nuances: Iterable[str]) -> list[str]:
    """Nuances in seating order: by bloc (:data:`SEATING`), then in the order of ``blocs.csv``."""
    rank = {n: i for i, (y, n) in enumerate(table()) if y == year}
    uniq = sorted(set(nuances))
    return sorted(
        uniq, key=lambda n: (SEATING.index(bloc_of(year, n, warn=False)), rank.get(n, 10**6), n)
    )


def nuance_colours(year: int, nuances: Iterable[str]) -> dict[str, str]:
    """A colour for each nuance: its bloc's colour, in distinct shades within a bloc.

    >>> c = nuance_colours(2024, ["RN", "UG", "UXD", "ENS"])
    >>> c["UG"] == BLOC_COLOURS["left"], c["RN"] == BLOC_COLOURS["far_right"], c["UXD"] != c["RN"]
    (True, True, True)
    """
    out: dict[str, str] = {}
    used: dict[str, int] = {}
    for n in nuance_order(year, nuances):
        b = bloc_of(year, n, warn=False)
        i = used.get(b, 0)
        used[b] = i + 1
        steps = _BLOC_SHADES.get(b, _SHADES)
        out[n] = shade(BLOC_COLOURS[b], steps[i % len(steps)]) if i else BLOC_COLOURS[b]
    return out


def ink_on(colour: str) -> str:
    """Black or white text, whichever reads better on ``colour`` (WCAG relative luminance)."""

    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(v) for v in _hex_to_rgb(colour))
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if lum > 0.24 else "#FFFFFF"
