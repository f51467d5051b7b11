"""``hemicycle report YEAR --out DIR``: one self-contained, offline HTML page.

``DIR/index.html`` holds everything inline — CSS and SVG, no script, no font, no image file and no
external URL — so it can be mailed, archived or opened without a network. Sections: the official
Assembly (hemicycles by bloc and by nuance, seat tables), the map and the hexagon cartogram of the
winners' blocs, round-1 facts, and, when available, the same votes under other electoral systems
(:meth:`hemicycle.session.Session.compare`) and a projection of round 2 (``train``). The page is
well-formed XML (XHTML syntax), which the tests check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from html import escape
from pathlib import Path
from typing import Any

from hemicycle import geo
from hemicycle._version import __version__
from hemicycle.data.blocs import bloc_of, table
from hemicycle.data.outputs import write_atomic
from hemicycle.errors import HemicycleError
from hemicycle.options import ProjectionOptions
from hemicycle.replays import Replay
from hemicycle.report import charts, maps, svg, views
from hemicycle.report.palette import (
    BLOC_COLOURS,
    BLOC_LABELS,
    SEATING,
    SITUATION_COLOURS,
    SITUATION_LABELS,
    nuance_colours,
    nuance_order,
)
from hemicycle.session import Session, boundary_map, credit, publisher
from hemicycle.systems.registry import SYSTEMS

DEFAULT_SIMS = 5000
DEFAULT_SEED = 1

#: The marks of the seat-interval charts, as the dashboard's key words them.
MARKS_KEY = "Bar: 90% interval · black tick: median · white diamond: the seats actually won."

CSS = """
:root{--ink:#222;--muted:#5a5a5a;--rule:#ddd;--bg:#fff}
*{box-sizing:border-box}
body{margin:0;color:var(--ink);background:var(--bg);
font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}
header,main,footer{max-width:1000px;margin:0 auto;padding:0 16px}
header{padding-top:24px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:36px 0 8px;padding-top:8px;border-top:1px solid var(--rule)}
h3{font-size:16px;margin:20px 0 6px}
p.lede{color:var(--muted);margin:0 0 12px}
nav{margin:8px 0 14px;font-size:14px}
nav a{margin-right:14px;color:#0b5394}
figure{margin:12px 0}
figure svg{max-width:100%;height:auto;display:block}
figcaption{color:var(--muted);font-size:13px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(420px,100%),1fr));gap:12px}
.tables{display:grid;grid-template-columns:minmax(220px,1fr) minmax(300px,2.4fr);gap:24px}
.tables>*{min-width:0}
table{border-collapse:collapse;margin:8px 0 16px;font-size:14px}
th,td{padding:3px 10px;border-bottom:1px solid var(--rule);text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.sw{display:inline-block;width:11px;height:11px;margin-right:6px;border:1px solid #777;
vertical-align:-1px}
.note{color:var(--muted);font-size:13px}
footer{margin-top:40px;padding:16px;border-top:1px solid var(--rule);color:var(--muted);
font-size:13px}
@media print{nav{display:none}}
@media (max-width:600px){header,main,footer{padding:0 10px}
.tables{grid-template-columns:minmax(0,1fr);gap:8px}
table{display:block;overflow-x:auto;max-width:100%}}
"""


def _e(s: object) -> str:
    return escape(svg.xml_safe(str(s)), quote=True)


def _table(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, numeric: Sequence[int] = ()
) -> str:
    num = set(numeric)
    head = "".join(
        f'<th class="n">{_e(h)}</th>' if i in num else f"<th>{_e(h)}</th>"
        for i, h in enumerate(header)
    )
    body = []
    for r in rows:
        cells = []
        for i, v in enumerate(r):
            raw = v if isinstance(v, _Raw) else _e(v)
            cells.append(f'<td class="n">{raw}</td>' if i in num else f"<td>{raw}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class _Raw(str):
    """Trusted HTML for a table cell (already escaped)."""


def _swatch(colour: str, label: str) -> _Raw:
    return _Raw(f'<span class="sw" style="background:{_e(colour)}"></span>{_e(label)}')


def _figure(svg_text: str, caption: str | None = None) -> str:
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg.inline(svg_text)}{cap}</figure>"


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f} %" if b else "–"


# ----- sections -----------------------------------------------------------------------------


def _seat_tables(rep: Replay) -> str:
    year = rep.election.year
    by_bloc = rep.seats_by_bloc()
    rows = [(_swatch(BLOC_COLOURS[b], BLOC_LABELS[b]), by_bloc[b]) for b in SEATING if b in by_bloc]
    total = sum(by_bloc.values())
    rows.append((_Raw("<strong>Total</strong>"), total))
    t1 = _table(["Bloc", "Seats"], rows, numeric=[1])
    by_nu = rep.seats_by_nuance()
    wr = rep.winner_round
    nu = rep.winner_nuance()
    pal = nuance_colours(year, list(by_nu))
    labels = {n: lab for (y, n), (lab, _b) in table().items() if y == year}
    rows2 = []
    for n in nuance_order(year, list(by_nu)):
        r1 = int(((nu == n) & (wr == 1)).sum())
        rows2.append(
            (
                _swatch(pal[n], n),
                labels.get(n, ""),
                BLOC_LABELS[bloc_of(year, n, warn=False)],
                by_nu[n],
                r1,
                by_nu[n] - r1,
            )
        )
    t2 = _table(
        ["Nuance", "Label", "Bloc", "Seats", "Round 1", "Round 2"], rows2, numeric=[3, 4, 5]
    )
    return (
        f'<div class="tables"><div><h3>By bloc</h3>{t1}</div>'
        f"<div><h3>By nuance</h3>{t2}</div></div>"
    )


def _round1_facts(rep: Replay) -> str:
    e = rep.election
    r1 = e.round1
    reg, vot, exp = int(r1.registered.sum()), int(r1.voters.sum()), int(r1.expressed.sum())
    blank, null = int(r1.blank.sum()), int(r1.null.sum())
    q = rep.qualified_counts()
    rows: list[tuple[str, str]] = [
        ("Registered voters", f"{reg:,}"),
        ("Voters (turnout)", f"{vot:,} ({_pct(vot, reg)})"),
        ("Blank / null ballots", f"{blank:,} / {null:,}")
        if r1.blank_separate
        else ("Blank and null ballots (counted together)", f"{null:,}"),
        ("Votes cast for candidates (exprimés)", f"{exp:,}"),
        ("Candidates", f"{int(r1.valid.sum()):,}"),
        ("Elected in round 1", f"{rep.elected_round1}"),
        ("Runoffs required by law", f"{int(rep.runoffs.sum())}"),
    ]
    for k in sorted(q):
        rows.append((f"… with {k} candidates qualified", f"{q[k]}"))
    if e.round2 is not None:
        wd = rep.withdrawals_by_nuance()
        rows.append(("Qualified candidates who withdrew", f"{sum(wd.values())}"))
        sizes = rep.contest_sizes()
        names = {1: "single-candidate", 2: "duels", 3: "three-way", 4: "four-way"}
        rows.append(
            (
                "Round-2 contests",
                ", ".join(f"{sizes[k]} {names.get(k, f'{k}-way')}" for k in sorted(sizes)),
            )
        )
    else:
        rows.append(
            ("Round 2", "not in the data: constituencies decided in round 2 have no winner here")
        )
    rows.append(("Replay of the law", rep.verdict()))
    return _table(["Round 1", ""], rows)


def _situation_map(rep: Replay, layout: Any) -> str:
    """The map of the runoff each constituency faced after round 1, coloured as the dashboard's."""
    e = rep.election
    situations = rep.situations()
    codes = situations["constituency"].tolist()
    kinds = situations["situation"]
    fills = {c: SITUATION_COLOURS[k] for c, k in zip(codes, kinds, strict=True)}
    titles = {
        c: f"{n} ({c}): {SITUATION_LABELS[k]}"
        for c, n, k in zip(codes, situations["label"], kinds, strict=True)
    }
    counts = {k: int((kinds == k).sum()) for k in SITUATION_COLOURS}
    legend = [
        (SITUATION_COLOURS[k], f"{SITUATION_LABELS[k]} ({n})") for k, n in counts.items() if n
    ]
    return maps.constituency_map_svg(
        codes,
        fills,
        titles,
        layout=layout,
        legend=legend,
        title=f"After round 1, {e.year}: the runoff the law produces",
    )


def _systems_section(year: int, session: Session) -> str:
    try:
        comp = session.compare(year, unit="bloc")
        allocs = list(comp.allocations)
        rows = [
            (
                str(a.system).replace("_", " "),
                dict(zip(a.groups, (int(s) for s in a.seats), strict=True)),
            )
            for a in allocs
        ]
        sizes = [int(a.house_size) for a in allocs]
        chart = charts.systems_svg(
            rows, sizes, title=f"{year}: the same round-1 votes, other systems"
        )
    except HemicycleError as exc:  # e.g. a system that needs data the store lacks
        return (
            '<section id="systems"><h2>Same votes, other systems</h2>'
            f'<p class="note">Not available: {_e(exc)}</p></section>'
        )
    titles = {k: v.title for k, v in SYSTEMS.items()}
    trows = [
        (
            str(a.system).replace("_", " "),
            titles.get(str(a.system), ""),
            int(a.house_size),
            "; ".join(str(n) for n in getattr(a, "notes", ()) or ()),
        )
        for a in allocs
    ]
    tab = _table(["System", "What it is", "Seats", "Notes"], trows, numeric=[2])
    return (
        '<section id="systems"><h2>Same votes, other systems</h2>'
        '<p class="lede">The same ballots counted under other rules: each bar is an Assembly, '
        "blocs from left to right; the black ticks mark its majority.</p>"
        f"{_figure(chart)}{tab}</section>"
    )


def _projection_section(
    year: int, train: Sequence[int], session: Session, rep: Replay, *, sims: int, seed: int
) -> str:
    proj = session.project(year, train, ProjectionOptions(sims=sims, seed=seed))
    years = [str(y) for y in proj.train_years]
    learnt = (
        ", ".join(years) if len(years) <= 2 else f"{years[0]}–{years[-1]} ({len(years)} elections)"
    )
    actual = rep.seats_by_bloc() if rep.decided == rep.election.n_constituencies else None
    # the chart is 760 px wide: a title of at most about 85 characters fits
    title = f"{year}: round 2 projected from round 1, transfers from {learnt}"
    fig1 = _figure(
        charts.projection_svg(proj.seats, actual=actual, title=title),
        f"{sims:,} simulated elections, seed {seed}; lineup: {proj.lineup}. {MARKS_KEY}",
    )
    fig2 = _figure(charts.projection_distribution_svg(proj, actual=actual))
    bl = proj.seats[proj.seats["kind"] == "bloc"]
    cols = ("mean", "median", "lo", "hi", "p_majority")
    s = {
        str(g): dict(zip(cols, map(float, v), strict=True))
        for g, *v in bl[["group", *cols]].itertuples(index=False)
    }
    rows = [
        (
            _swatch(BLOC_COLOURS[b], BLOC_LABELS[b]),
            f"{s[b]['mean']:.1f}",
            f"{s[b]['median']:.0f}",
            f"{s[b]['lo']:.0f}–{s[b]['hi']:.0f}",
            f"{s[b]['p_majority']:.1%}",
            "" if actual is None else actual.get(b, 0),
        )
        for b in SEATING
        if b in s and s[b]["hi"] > 0
    ]
    tab = _table(
        ["Bloc", "Mean", "Median", "90% interval", "P(majority)", "Actual"],
        rows,
        numeric=[1, 2, 3, 4, 5],
    )
    p_any = f"{proj.p_any_majority:.1%}"
    return (
        '<section id="projection"><h2>Projection of round 2</h2>'
        f'<p class="lede">Round 2 of {year} simulated from its round 1 with vote transfers '
        f"learnt only from {learnt}. Probability that one bloc reaches an absolute majority: "
        f"{p_any}.</p>"
        f"{fig1}{tab}{fig2}</section>"
    )


# ----- the page -----------------------------------------------------------------------------


def build_report(
    year: int,
    *,
    session: Session,
    train: Sequence[int] | None = None,
    sims: int = DEFAULT_SIMS,
    seed: int = DEFAULT_SEED,
    step: Callable[[str], None] | None = None,
) -> str:
    """The report's HTML text (see :func:`write_report`); ``step`` is told what is being built."""

    def say(msg: str) -> None:
        if step is not None:
            step(msg)

    say("replaying the law on the official results")
    rep = session.replay(year)
    drawn = views.has_contours(year)  # the 1986 map's years (1997–2007) have no contours
    if drawn:
        say("laying out the constituency contours")
    layout = geo.geo_layout() if drawn else None
    say("drawing the hemicycles")
    sections = [_assembly_section(rep)]
    say("drawing the map and the cartogram")
    sections += _map_sections(rep, layout)
    situation = _figure(_situation_map(rep, layout)) if layout is not None else ""
    sections.append(
        f'<section id="round1"><h2>Round 1</h2>{_round1_facts(rep)}{situation}</section>'
    )
    say("comparing electoral systems")
    sections.append(_systems_section(year, session))
    if train is not None:
        who = ", ".join(map(str, train))
        say(f"projecting round 2 with transfers from {who} ({sims:,} simulations)")
        sections.append(_projection_section(year, train, session, rep, sims=sims, seed=seed))
    return _page(year, sections, _nav(projection=train is not None), _footer(year, session, layout))


def _assembly_section(rep: Replay) -> str:
    """The official Assembly: the hemicycles by bloc and by nuance, and the seat tables."""
    e = rep.election
    year = e.year
    hemi_bloc = views.outcome_hemicycle_svg(
        rep, "bloc", title=f"Assemblée nationale {year}: seats by bloc"
    )
    hemi_nu = views.outcome_hemicycle_svg(
        rep, "nuance", title=f"Assemblée nationale {year}: seats by nuance"
    )
    decided = rep.decided
    status = (
        ""
        if decided == e.n_constituencies
        else f" Only {decided} of {e.n_constituencies} constituencies have a winner in the data."
    )
    return (
        '<section id="assembly"><h2>The Assembly</h2>'
        f'<p class="lede">{e.n_constituencies} seats, replayed constituency by constituency from '
        f"{_e(publisher(year))}.{_e(status)}</p>"
        f'<div class="grid">{_figure(hemi_bloc)}{_figure(hemi_nu)}</div>'
        f"{_seat_tables(rep)}</section>"
    )


def _map_sections(rep: Replay, layout: geo.GeoLayout | None) -> list[str]:
    """The map and the cartogram of the winners' blocs, or why there are none (``layout`` is
    ``None`` for the years whose boundaries the contours do not describe)."""
    year = rep.election.year
    if layout is None:
        no_map = (
            f'<p class="lede">{year} used the constituencies of the {boundary_map(year)} map; the '
            f"official contours describe the {views.CONTOURS_MAP} map only, whose codes name other "
            "seats.</p>"
        )
        return [
            f'<section id="map"><h2>Map</h2>{no_map}</section>',
            f'<section id="cartogram"><h2>Cartogram</h2>{no_map}</section>',
        ]
    map_svg = views.outcome_map_svg(rep, "bloc", layout=layout)
    carto_svg = views.outcome_cartogram_svg(rep, "bloc", layout=layout)
    return [
        '<section id="map"><h2>Map</h2><p class="lede">The winner\'s bloc in each '
        "constituency. Hover for the name, the winner and the nuance; overseas departments "
        "are in insets, the constituencies the contours file lacks in a strip below.</p>"
        f"{_figure(map_svg, 'Contours: official constituency boundaries (simplified).')}"
        "</section>",
        '<section id="cartogram"><h2>Cartogram</h2><p class="lede">Every constituency the same '
        "size: one hexagon each, placed near its true position (dark lines: department "
        "borders).</p>"
        f"{_figure(carto_svg)}</section>",
    ]


def _nav(*, projection: bool) -> str:
    """The links to the page's sections."""
    nav_items = [
        ("assembly", "Assembly"),
        ("map", "Map"),
        ("cartogram", "Cartogram"),
        ("round1", "Round 1"),
        ("systems", "Other systems"),
    ]
    if projection:
        nav_items.append(("projection", "Projection"))
    return "<nav>" + "".join(f'<a href="#{a}">{_e(b)}</a>' for a, b in nav_items) + "</nav>"


def _footer(year: int, session: Session, layout: geo.GeoLayout | None) -> str:
    """The sources: the official files (with their hashes), the contours, the colours, the blocs."""
    files = session.query(
        "SELECT round, role, file, sha256 FROM sources WHERE year = ? ORDER BY round, role", [year]
    )
    src = "; ".join(
        f"{f} (round {r}, sha256 {str(h)[:12]}…)"
        for r, f, h in files[["round", "file", "sha256"]].itertuples(index=False)
    )
    contours = (
        "Constituency contours: « Contours géographiques des circonscriptions législatives » "
        f"(data.gouv.fr, Licence Ouverte 2.0), file {_e(layout.file)} "
        f"(sha256 {_e(layout.sha256[:12])}…). "
        if layout is not None
        else ""
    )
    return (
        f"<footer><p>Results: {_e(credit(year))} — {_e(src)}.</p><p>{contours}Colours: Okabe–Ito, "
        "safe for colour-blind readers. Blocs: hemicycle's classification of the nuances "
        "(hemicycle/data/blocs.csv).</p></footer>"
    )


def _page(year: int, sections: list[str], nav: str, footer: str) -> str:
    """The whole page: head (inline CSS), header, the sections, the footer."""
    title = f"Législatives {year}: the Assembly at a glance"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f'<header><h1>{_e(title)}</h1><p class="lede">French legislative elections of {year}, '
        f"from {_e(publisher(year))}, by hemicycle {__version__}.</p>{nav}</header>"
        f"<main>{''.join(sections)}</main>"
        f"{footer}"
        "</body></html>\n"
    )


def write_report(
    year: int,
    out_dir: str | Path,
    *,
    session: Session,
    train: Sequence[int] | None = None,
    sims: int = DEFAULT_SIMS,
    seed: int = DEFAULT_SEED,
    progress: bool = True,
) -> Path:
    """Write ``out_dir/index.html`` for ``year`` and return its path. With ``train``, add a
    projection of round 2 (``sims`` simulations, ``seed``). ``progress`` shows what is being
    built."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ctx: Any = nullcontext()
    step = None
    if progress:
        from rich.console import Console

        status = Console(stderr=True).status("building the report")
        ctx = status

        def step(msg: str) -> None:
            status.update(f"[bold]report {year}[/]: {msg}…")

    with ctx:
        text = build_report(year, session=session, train=train, sims=sims, seed=seed, step=step)
    path = out / "index.html"
    write_atomic(path, text)  # a full disk or an interrupt leaves the previous report whole
    return path
