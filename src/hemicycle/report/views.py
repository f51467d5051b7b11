"""Ready-made drawings of an official outcome (a :class:`~hemicycle.replays.Replay`): the
hemicycle, the map and the cartogram, coloured by the winner's bloc or nuance.

These are what the HTML report and the web app call; each returns a standalone SVG string.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hemicycle import geo
from hemicycle.data.blocs import bloc_of
from hemicycle.replays import Replay
from hemicycle.report import maps
from hemicycle.report.hemicycle_svg import bloc_hemicycle_svg, nuance_hemicycle_svg
from hemicycle.report.palette import (
    BLOC_COLOURS,
    BLOC_LABELS,
    SEATING,
    UNDECIDED,
    UNDECIDED_LABEL,
    nuance_colours,
    nuance_order,
)

BY = ("bloc", "nuance")


def _check_by(by: str) -> None:
    if by not in BY:
        raise ValueError(f"unknown colouring {by!r}; allowed: {', '.join(BY)}")


@dataclass(frozen=True)
class Winners:
    """Per constituency (in the election's order): code, winner's nuance and bloc ('' when no
    winner is in the data) and a tooltip text."""

    year: int
    codes: tuple[str, ...]
    nuances: tuple[str, ...]
    blocs: tuple[str, ...]
    titles: tuple[str, ...]

    def fills(self, by: str = "bloc") -> dict[str, str]:
        _check_by(by)
        if by == "bloc":
            return {
                c: BLOC_COLOURS[b] if b else UNDECIDED
                for c, b in zip(self.codes, self.blocs, strict=True)
            }
        pal = nuance_colours(self.year, [n for n in self.nuances if n])
        return {
            c: pal[n] if n else UNDECIDED for c, n in zip(self.codes, self.nuances, strict=True)
        }

    def legend(self, by: str = "bloc") -> list[tuple[str, str]]:
        """(colour, label with seat count) for each bloc or nuance that won, in seating order."""
        _check_by(by)
        items = []
        if by == "bloc":
            for b in SEATING:
                n = self.blocs.count(b)
                if n:
                    items.append((BLOC_COLOURS[b], f"{BLOC_LABELS[b]}  {n}"))
        else:
            present = [n for n in self.nuances if n]
            pal = nuance_colours(self.year, present)
            for nu in nuance_order(self.year, present):
                items.append(
                    (
                        pal[nu],
                        f"{nu} ({BLOC_LABELS[bloc_of(self.year, nu, warn=False)]})  "
                        f"{self.nuances.count(nu)}",
                    )
                )
        undecided = self.nuances.count("")
        if undecided:
            items.append((UNDECIDED, f"{UNDECIDED_LABEL}  {undecided}"))
        return items


def winners(rep: Replay) -> Winners:
    """The winner of every constituency with a tooltip: place, name, nuance, bloc and round."""
    e = rep.election
    nu = rep.winner_nuance()
    titles, blocs = [], []
    for i, code in enumerate(e.codes):
        place = f"{e.department_names[i]}, {e.names[i]} ({code})"
        n = str(nu[i])
        if not n:
            blocs.append("")
            titles.append(f"{place}\nno winner in the data")
            continue
        b = bloc_of(e.year, n, warn=False)
        blocs.append(b)
        k = int(rep.winner[i])
        who = f"{e.first_name[i, k]} {e.surname[i, k]}".strip()
        titles.append(
            f"{place}\n{who} ({n}, {BLOC_LABELS[b]}), elected in round {int(rep.winner_round[i])}"
        )
    return Winners(
        year=e.year,
        codes=tuple(str(c) for c in e.codes),
        nuances=tuple(str(n) for n in nu),
        blocs=tuple(blocs),
        titles=tuple(titles),
    )


def outcome_hemicycle_svg(rep: Replay, by: str = "bloc", *, title: str | None = None) -> str:
    """The Assembly that ``rep`` elected, coloured by bloc or nuance. Every seat is drawn: those
    without a winner in the data (a round missing from the store) in grey, so that the house and
    its majority are the real ones (577 and 289), not those of the seats decided."""
    _check_by(by)
    year = rep.election.year
    undecided = rep.election.n_constituencies - rep.decided
    known = f" ({rep.decided} of {rep.election.n_constituencies} known)" if undecided else ""
    if by == "bloc":
        return bloc_hemicycle_svg(
            rep.seats_by_bloc(),
            title=title or f"{year}: seats by bloc{known}",
            undecided=undecided,
        )
    return nuance_hemicycle_svg(
        year,
        rep.seats_by_nuance(),
        title=title or f"{year}: seats by nuance{known}",
        undecided=undecided,
    )


def _note(w: Winners) -> str | None:
    n = w.nuances.count("")
    return (
        f"{n} constituencies have no winner in the data (a round missing from the store)."
        if n
        else None
    )


def outcome_map_svg(
    rep: Replay,
    by: str = "bloc",
    *,
    layout: geo.GeoLayout | None = None,
    title: str | None = None,
    bare: bool = False,
) -> str:
    """The constituency map coloured by the winner's bloc or nuance; ``bare``: without title,
    legend or note (the web dashboard draws its own). Raises
    :class:`~hemicycle.errors.DataNotAvailableError` for a year the contours do not describe
    (:func:`has_contours`)."""
    return _outcome(
        maps.constituency_map_svg,
        rep,
        by,
        layout,
        title or f"{rep.election.year}: winner's {by} in each constituency",
        bare=bare,
    )


def outcome_cartogram_svg(
    rep: Replay,
    by: str = "bloc",
    *,
    layout: geo.GeoLayout | None = None,
    title: str | None = None,
    bare: bool = False,
) -> str:
    """The hexagon cartogram (every constituency the same size), coloured by the winner's bloc or
    nuance; ``bare`` and the years drawn as in :func:`outcome_map_svg`."""
    return _outcome(
        maps.cartogram_svg,
        rep,
        by,
        layout,
        title or f"{rep.election.year}: winner's {by}, one hexagon per constituency",
        bare=bare,
    )


#: The boundary map of the official contours (drawn in 2010, used from 2012 on).
CONTOURS_MAP = "2010"


def has_contours(year: int) -> bool:
    """Whether the contours describe ``year``'s constituencies: 1997–2007 used the 1986 map, whose
    codes name other seats, so they get no map or cartogram (never the 2010 shapes)."""
    from hemicycle.data.files import boundary_map

    return boundary_map(year) == CONTOURS_MAP


def _outcome(
    draw: Callable[..., str],
    rep: Replay,
    by: str,
    layout: geo.GeoLayout | None,
    title: str,
    *,
    bare: bool = False,
) -> str:
    year = rep.election.year
    if not has_contours(year):
        from hemicycle.data.files import boundary_map
        from hemicycle.errors import DataNotAvailableError

        raise DataNotAvailableError(
            f"{year}'s constituencies are those of the {boundary_map(year)} map; "
            "hemicycle has contours "
            f"for the {CONTOURS_MAP} map only (2012 on): no map or cartogram of {year}"
        )
    w = winners(rep)
    tips = dict(zip(w.codes, w.titles, strict=True))
    if bare:
        return draw(w.codes, w.fills(by), tips, layout=layout, title="")
    return draw(
        w.codes,
        w.fills(by),
        tips,
        layout=layout,
        legend=w.legend(by),
        title=title,
        note=_note(w),
    )
