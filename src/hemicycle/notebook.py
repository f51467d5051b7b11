"""Rich displays for a notebook: a :class:`~hemicycle.replays.Replay`, a projection, a comparison
of systems and a :class:`~hemicycle.govern.Govern` show as a short HTML summary (seats, the chance
of a majority, a small hemicycle) instead of their one-line ``repr``.

The values stay plain (they draw nothing themselves: drawing is the report's); ``import
hemicycle`` inside IPython or Jupyter registers these functions as IPython's HTML formatters for
those types (:func:`register`), by name, so nothing heavy is imported before it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any, Protocol

from hemicycle.report.hemicycle_svg import bloc_hemicycle_svg
from hemicycle.report.palette import BLOC_LABELS, SEATING

__all__ = ["comparison_html", "govern_html", "projection_html", "register", "replay_html"]


class _Formatter(Protocol):
    def for_type_by_name(self, module: str, name: str, func: Any) -> Any: ...


def _table(header: list[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _box(title: str, *parts: str) -> str:
    return (
        f'<div class="hemicycle-summary"><strong>{escape(title)}</strong>'
        + "".join(parts)
        + "</div>"
    )


def replay_html(rep: Any) -> str:
    """A replay: the seats by bloc, a small hemicycle (seats without a winner in grey), the
    verdict of the law against the official outcome."""
    e = rep.election
    by_bloc = rep.seats_by_bloc()
    svg = bloc_hemicycle_svg(
        by_bloc,
        title=f"{e.year}: seats by bloc",
        width=360,
        undecided=e.house_size - sum(by_bloc.values()),
    )
    rows = [[BLOC_LABELS[b], by_bloc[b]] for b in SEATING if by_bloc.get(b)]
    return _box(
        f"Législatives {e.year}: {e.house_size} seats, majority {e.majority}",
        svg,
        _table(["bloc", "seats"], rows),
        f"<p>{escape(rep.verdict())}.</p>",
    )


def projection_html(proj: Any) -> str:
    """A projection: each bloc's mean seats, 90 % interval and chance of a majority, and the mean
    Assembly as a small hemicycle."""
    bl = proj.seats[proj.seats["kind"] == "bloc"].set_index("group")
    mean = {b: int(round(float(bl.loc[b, "mean"]))) for b in SEATING if b in bl.index}
    svg = bloc_hemicycle_svg(
        {b: n for b, n in mean.items() if n > 0},
        title=f"{proj.target_year}: mean projected seats",
        width=360,
    )
    rows = [
        [
            BLOC_LABELS[b],
            f"{bl.loc[b, 'mean']:.1f}",
            f"{bl.loc[b, 'lo']:.0f}–{bl.loc[b, 'hi']:.0f}",
            f"{bl.loc[b, 'p_majority']:.1%}",
        ]
        for b in SEATING
        if b in bl.index and bl.loc[b, "hi"] > 0
    ]
    return _box(
        f"Projection of {proj.target_year} round 2 ({proj.sims:,} simulations; transfers from "
        f"{', '.join(map(str, proj.train_years))})",
        svg,
        _table(["bloc", "mean", "90% interval", "P(majority)"], rows),
        f"<p>P(one bloc has a majority) = {proj.p_any_majority:.1%}; lineup: "
        f"{escape(proj.lineup)}.</p>",
    )


def comparison_html(cmp: Any) -> str:
    """A comparison: one row per system, its house, largest group and whether it governs alone."""
    rows = []
    for a in cmp.allocations:
        g, n = a.largest
        rows.append([a.system, a.house_size, f"{g} {n}", "yes" if n >= a.majority else "no"])
    return _box(
        f"{cmp.year}: the same votes under {len(cmp.allocations)} systems (unit: {cmp.unit})",
        _table(["system", "house", "largest group", "majority alone"], rows),
    )


def govern_html(g: Any) -> str:
    """Who can govern: seats, the quota, the number of winning coalitions and each group's power
    (floats; the exact fractions are in ``Govern.power()``)."""
    p = g.power()
    rows = [
        [r.group, r.seats, f"{r.banzhaf:.3f}", f"{r.shapley_shubik:.3f}"]
        for r in p.itertuples(index=False)
    ]
    return _box(
        f"{g.house} seats, majority {g.quota}: {len(g):,} winning coalitions, "
        f"{len(g.minimal_winning)} minimal",
        _table(["group", "seats", "Banzhaf", "Shapley–Shubik"], rows),
    )


#: The types shown, by module and name (IPython imports nothing to register them).
FORMATTERS = (
    ("hemicycle.replays", "Replay", replay_html),
    ("hemicycle.sim.project", "Projection", projection_html),
    ("hemicycle.systems.compare", "Comparison", comparison_html),
    ("hemicycle.govern.coalitions", "Govern", govern_html),
)


def register(ip: Any) -> None:
    """Register the HTML displays with an IPython shell (``get_ipython()``)."""
    html: _Formatter = ip.display_formatter.formatters["text/html"]
    for module, name, func in FORMATTERS:
        html.for_type_by_name(module, name, func)
