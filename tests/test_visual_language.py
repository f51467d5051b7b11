"""One visual language (issue #11): the seating order shared by the dashboard, the report and the
terminal, and the documented left–right order of nuances that connected coalitions use."""

from __future__ import annotations

from pathlib import Path

from hemicycle import govern
from hemicycle.data.blocs import BLOCS, table
from hemicycle.report.palette import SEATING, SITUATION_COLOURS, SITUATION_LABELS, nuance_order
from hemicycle.report.text import COLOURS
from hemicycle.systems.base import Unit

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_seating_puts_regionalists_and_others_at_the_sides() -> None:
    assert SEATING[0] == "regionalist" and SEATING[-1] == "other"
    axis = [b for b in SEATING if b not in ("regionalist", "other")]
    assert axis == [b for b in BLOCS if b not in ("regionalist", "other")]  # far left … far right
    assert list(COLOURS) == [b for b in BLOCS]  # the terminal palette is keyed by the same blocs


def test_nuances_follow_the_documented_left_right_order() -> None:
    nuances_2024 = [n for (y, n) in table() if y == 2024]
    order = Unit("nuance").order(2024, list(reversed(nuances_2024)))
    axis = [n for n in order if n not in ("REG", "DIV")]
    assert (
        axis.index("EXD")
        > axis.index("RN")
        > axis.index("DVD")
        > axis.index("LR")
        > axis.index("ENS")
    )
    assert axis.index("UG") < axis.index("ENS") and axis[0] == "EXG"
    assert order[-2:] == ["REG", "DIV"]  # off the axis: at its end for connected coalitions
    seated = nuance_order(2024, nuances_2024)
    assert seated[0] == "REG" and seated[-1] == "DIV" and seated.index("EXD") > seated.index("RN")
    doc = (DOCS / "systems.md").read_text()
    assert "RN, UXD, REC, DSV, EXD" in doc and "right of the RN" in doc


def test_connected_coalitions_use_that_order() -> None:
    seats = {"LR": 39, "DVD": 27, "RN": 125, "EXD": 1, "UXD": 17}
    order = Unit("nuance").order(2024, list(seats))
    g = govern.analyse({k: seats[k] for k in order}, order=order, house=209)
    # LR+DVD+RN (191 ≥ 105) is connected: RN sits next to DVD, EXD beyond the RN
    row = g.coalition(["LR", "DVD", "RN"])
    assert row.connected
    assert not g.coalition(["LR", "DVD", "EXD", "UXD"]).connected  # skips the RN


def test_dashboard_and_report_share_the_round1_colours() -> None:
    js = (Path(__file__).resolve().parents[1] / "src/hemicycle/web/static/app.js").read_text()
    for kind, colour in SITUATION_COLOURS.items():
        assert f'"{kind}": "{colour}"' in js or f'{kind}: "{colour}"' in js, kind
        assert f'"{SITUATION_LABELS[kind]}"' in js, kind
