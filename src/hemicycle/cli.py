"""The ``hemicycle`` command: parse options, call :mod:`hemicycle.api`, render with rich.

Any :class:`~hemicycle.errors.HemicycleError` becomes a one-paragraph message and exit code 1.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from hemicycle import __version__, api
from hemicycle.data.blocs import BLOCS
from hemicycle.data.notes import late_withdrawals_of
from hemicycle.data.readers import publisher
from hemicycle.data.store import ENV_STORE, DataQuirkWarning, Store
from hemicycle.errors import HemicycleError
from hemicycle.report.text import COLOURS, hemicycle, seat_bar

app = typer.Typer(
    name="hemicycle",
    help="French legislative elections, computable: the two-round law on the Ministry's own results.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
data_app = typer.Typer(help="Official files and the local store.", no_args_is_help=True)
app.add_typer(data_app, name="data")

console = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help=f"DuckDB store file [default: ${ENV_STORE} or the user cache dir]",
                 envvar=ENV_STORE, show_envvar=False),
]
YearArg = Annotated[int, typer.Argument(help="Election year: 2017, 2022 or 2024.")]


def handle_errors(fn: F) -> F:
    """Turn domain errors into a readable message and exit code 1; summarise data quirks."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return fn(*args, **kwargs)
            except HemicycleError as exc:
                err.print(f"[bold red]error:[/] {exc}", highlight=False)
                raise typer.Exit(1) from None
            finally:
                _report_warnings(caught)

    return wrapper  # type: ignore[return-value]


def _report_warnings(caught: list[warnings.WarningMessage]) -> None:
    quirks = [w for w in caught if issubclass(w.category, DataQuirkWarning)]
    others = [w for w in caught if not issubclass(w.category, DataQuirkWarning)]
    if quirks:
        err.print(f"[yellow]{len(quirks)} data quirk(s) in the official files (kept as published):[/]")
        for w in quirks:
            err.print(f"  [yellow]•[/] {w.message}", highlight=False)
    seen = set()
    for w in others:
        msg = str(w.message)
        if msg not in seen and not issubclass(w.category, DeprecationWarning):
            seen.add(msg)
            err.print(f"[yellow]warning:[/] {msg}", highlight=False)


def _open(store: Path | None) -> Store:
    return api.open_store(store)


def _version(value: bool) -> None:
    if value:
        console.print(f"hemicycle {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """hemicycle: the French two-round law, the official results, and what-ifs."""


# ----- data ---------------------------------------------------------------------------------


@data_app.command("fetch")
@handle_errors
def data_fetch(year: YearArg) -> None:
    """Download the official files of YEAR from data.gouv.fr (pinned by sha256) into the cache.

    With HEMICYCLE_DATA set, lists the files found in that mirror instead."""
    paths = api.fetch(year, progress=True)
    for p in paths:
        console.print(f"[green]✓[/] {p}")


@data_app.command("ingest")
@handle_errors
def data_ingest(
    year: YearArg,
    store: StoreOpt = None,
    force: Annotated[bool, typer.Option(help="Re-read the files even if the store is current.")] = False,
) -> None:
    """Read the official files of YEAR into the store (one transaction; idempotent)."""
    with _open(store) as st:
        rep = api.ingest(year, store=st, force=force)
        if rep is None:
            console.print(f"{year} is already in {st.path} from the same files (use --force to re-read).")
            return
        console.print(
            f"[green]✓[/] {year}: rounds {', '.join(map(str, rep.rounds))}; {rep.constituencies} "
            f"constituencies; candidates {rep.candidates}; candidacies {rep.candidacies or 'none'}; "
            f"{len(rep.quirks)} quirk(s) → {st.path}")


@data_app.command("status")
@handle_errors
def data_status(store: StoreOpt = None) -> None:
    """What the store holds."""
    with _open(store) as st:
        df = st.query("SELECT year, round, role, file, bytes, sha256, ingested_at FROM sources ORDER BY ALL")
        if df.empty:
            console.print(f"The store {st.path} is empty: run `hemicycle data ingest YEAR`.")
            return
        t = Table(title=f"store {st.path}")
        for c in ("year", "round", "role", "file", "bytes", "sha256"):
            t.add_column(c)
        for r in df.itertuples(index=False):
            t.add_row(str(r.year), str(r.round), r.role, r.file, f"{r.bytes:,}", r.sha256[:12] + "…")
        console.print(t)


@data_app.command("quirks")
@handle_errors
def data_quirks(year: YearArg, store: StoreOpt = None) -> None:
    """The quirks of the official files found at ingest (sums off by a vote, nuance changes)."""
    with _open(store) as st:
        st.ensure(year)
        df = st.query("SELECT round, file, constituency, kind, message FROM quirks WHERE year = ? "
                      "ORDER BY round, constituency", [year])
    if df.empty:
        console.print(f"No quirks in {year}.")
    for r in df.itertuples(index=False):
        console.print(f"round {r.round} {r.constituency} [{r.kind}] {r.message}  ({r.file})", highlight=False)


# ----- replay -------------------------------------------------------------------------------


def _counter_line(c: dict[int, int] | Any, names: dict[int, str]) -> str:
    return ", ".join(f"{c[k]} {names.get(k, f'{k}-way')}" for k in sorted(c))


@app.command("replay")
@handle_errors
def replay_cmd(
    year: YearArg,
    output: Annotated[Path | None, typer.Option(
        "--output", help="CSV of winners: constituency,round,panel,surname,nuance,votes")] = None,
    round1_output: Annotated[Path | None, typer.Option(
        "--round1-output", help="CSV of round-1 candidates: constituency,panel,nuance,votes,status")] = None,
    store: StoreOpt = None,
    hemicycle_view: Annotated[bool, typer.Option("--hemicycle/--no-hemicycle",
                                                 help="Draw a text hemicycle.")] = True,
) -> None:
    """Rebuild YEAR constituency by constituency from the official files, checked against the
    official outcome. Exits 1 listing the constituencies on any mismatch."""
    with _open(store) as st:
        rep = api.replay_year(year, store=st)
    e = rep.election
    console.rule(f"[bold]Législatives {year}[/] — replayed from {publisher(year)}")
    runoffs = int(rep.runoffs.sum())
    console.print(f"Round 1: [bold]{rep.elected_round1}[/] elected outright; [bold]{runoffs}[/] runoffs "
                  f"({_counter_line(rep.qualified_counts(), {2: 'with two qualified', 3: 'with three', 4: 'with four'})}).")
    if e.round2 is not None:
        wd = rep.withdrawals_by_nuance()
        console.print(f"Withdrawals: [bold]{sum(wd.values())}[/] qualified candidates did not stand in round 2 "
                      f"({', '.join(f'{n} {c}' for n, c in wd.most_common())}).")
        console.print(f"Round 2: {_counter_line(rep.contest_sizes(), {1: 'single-candidate', 2: 'duels', 3: 'three-way', 4: 'four-way'})}.")
        late = late_withdrawals_of(year)
        if late:
            console.print("Withdrew too late, still on the ballot: " + ", ".join(
                f"{r['constituency']} {r['surname']} ({r['nuance']})" for r in late) + ".")
        changes = rep.nuance_changes()
        if changes:
            console.print("Changed nuance between rounds: " + ", ".join(changes) + ".")
        if rep.unresolved_ties:
            console.print(f"[yellow]Unresolved ties (no birth dates):[/] {', '.join(rep.unresolved_ties)}")
    else:
        console.print(f"[yellow]Round 2 of {year} is not in the data: seats below are round 1 only "
                      f"({rep.decided} of {e.n_constituencies}).[/]")

    seats = rep.seats_by_nuance()
    t = Table(title=f"Seats by nuance ({sum(seats.values())})", show_edge=False)
    t.add_column("nuance")
    t.add_column("seats", justify="right")
    for n, s in seats.items():
        t.add_row(n, str(s))
    by_bloc = rep.seats_by_bloc()
    tb = Table(title="Seats by bloc", show_edge=False)
    tb.add_column("bloc")
    tb.add_column("seats", justify="right")
    for b in BLOCS:
        if b in by_bloc:
            tb.add_row(f"[{COLOURS[b]}]■[/] {b}", str(by_bloc[b]))
    from rich.columns import Columns

    console.print(Columns([t, tb], padding=(0, 6)))
    if e.round2 is not None:
        if hemicycle_view:
            console.print(hemicycle(by_bloc))
        console.print(seat_bar(by_bloc, width=min(console.width - 2, 96)))

    if output is not None:
        rep.winners_frame().to_csv(output, index=False)
        console.print(f"[green]✓[/] winners → {output}")
    if round1_output is not None:
        rep.round1_frame().to_csv(round1_output, index=False)
        console.print(f"[green]✓[/] round-1 statuses → {round1_output}")

    if rep.explained:
        err.print(f"[yellow]{len(rep.explained)} decision(s) differ because the source contradicts itself "
                  f"(quirks found at ingest, `hemicycle data quirks {year}`):[/]")
        for m in rep.explained:
            err.print(f"  {m.constituency}  {m.decision}: {m.detail}", highlight=False)
    if rep.mismatches:
        err.print(f"[bold red]{len(rep.mismatches)} decision(s) differ from the official outcome:[/]")
        for m in rep.mismatches:
            err.print(f"  {m.constituency}  {m.decision}: {m.detail}", highlight=False)
        raise typer.Exit(1)
    checked = "round 1 and round 2" if e.round2 is not None else "round 1"
    rounds = [r for r in (e.round1, e.round2) if r is not None]
    if not all((r.official_known | ~r.valid).all() for r in rounds):
        checked += "; where the source has no elected flag, the round-2 lineups and where round 2 was held"
    console.print(f"[bold green]✓ All {e.n_constituencies} constituencies match the official outcome "
                  f"({checked}).[/]")


# ----- projection ---------------------------------------------------------------------------

TrainOpt = Annotated[str, typer.Option(
    "--train", help="Elections whose round 1 → round 2 transfers are learnt: all (every earlier "
                    "election with both rounds), a year, or years such as 2012,2017. Always earlier "
                    "than the target.")]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Random seed: same seed, same bytes. "
                                                            "Default: fresh entropy.")]
SimsOpt = Annotated[int, typer.Option("--sims", help="Simulated elections.")]
BackendOpt = Annotated[str | None, typer.Option(help="numba (default) or reference (slow test oracle).")]


EstimatorOpt = Annotated[str, typer.Option(
    "--estimator", help="Transfer estimator: regression (constrained, default) or ei (PyEI's Bayesian "
                        "R×C model; extra hemicycle\\[ei]; minutes).")]


def _ingest_earlier(st: Store, year: int | None) -> None:
    """Ingest every registered election before ``year`` whose files can be had (for ``--train all``)."""
    from hemicycle.data.registry import YEARS
    from hemicycle.errors import DataNotAvailableError

    for y in YEARS:
        if year is None or y < year:
            try:
                st.ensure(y)
            except DataNotAvailableError:
                continue


def _prepare(st: Store, *years: int, train: str, estimator: str, target: int | None = None) -> tuple[int, ...]:
    """Ingest ``years`` and the training elections if needed, then fit (or load from the cache) the
    transfers of every training election with a progress bar naming the stage (about 15 s an
    election the first time, minutes with ``ei``); the sim API then finds them cached."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from hemicycle.sim import api as sim

    for y in years:
        st.ensure(y)
    if train.strip().lower() == "all":
        _ingest_earlier(st, target)
    else:
        for t in train.replace("+", ",").split(","):
            if t.strip().isdigit():
                st.ensure(int(t))
    train_years = sim.training_years(target, train, st)
    with Progress(TextColumn("Learning transfers: {task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("loading cached fits", total=None)

        def step(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        sim.pooled(train_years, st, estimator=estimator, progress=step)
    return train_years


@app.command("transfers")
@handle_errors
def transfers_cmd(
    train: TrainOpt = "all",
    output: Annotated[Path | None, typer.Option("--output", help="CSV of every transfer rate with its "
                                                                 "uncertainty (tidy, one row per rate).")] = None,
    estimator: EstimatorOpt = "regression",
    store: StoreOpt = None,
) -> None:
    """Vote-transfer matrices learnt from round 1 → round 2 of TRAIN (pooled over several
    elections when it names several), with their uncertainty."""
    from hemicycle.sim import api as sim

    with _open(store) as st:
        years = _prepare(st, train=train, estimator=estimator)
        model = sim.transfers(years, st, estimator=estimator)
        console.print(model.render(), markup=False, highlight=False)
        if output is not None:
            model.to_frame().to_csv(output, index=False, float_format="%.6f")
            console.print(f"[green]✓[/] transfer rates → {output}")


@app.command("project")
@handle_errors
def project_cmd(
    year: YearArg,
    train: TrainOpt = "all",
    lineup: Annotated[Path | None, typer.Option("--lineup", help="CSV `constituency,panel`: the round-2 "
                                                                 "lineup of the constituencies it names.")] = None,
    withdrawals: Annotated[str | None, typer.Option(
        "--withdrawals", help="Withdrawal scenario: data (official lineup), none, or "
                              "front-republicain[:BLOCS/AGAINST] (see docs/projection.md).")] = None,
    override: Annotated[list[str] | None, typer.Option(
        "--override", help="What-if on the learnt transfers, ORIGIN:DESTINATION=RATE (repeatable), e.g. "
                           "left:centre=0.5: half of the left's voters vote centre where the left has "
                           "no candidate of its own.")] = None,
    sims: SimsOpt = 20_000,
    seed: SeedOpt = None,
    output: Annotated[Path | None, typer.Option(
        "--output", help="CSV per candidate: constituency,panel,nuance,bloc,p_win,share_mean,share_lo,share_hi")] = None,
    seats_output: Annotated[Path | None, typer.Option(
        "--seats-output", help="CSV per nuance and bloc: group,kind,mean,median,lo,hi,p_majority")] = None,
    backend: BackendOpt = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
    estimator: EstimatorOpt = "regression",
    store: StoreOpt = None,
) -> None:
    """Project YEAR's round 2 from its round 1, with transfers learnt from earlier elections."""
    from hemicycle.sim import api as sim

    with _open(store) as st:
        years = _prepare(st, year, train=train, estimator=estimator, target=year)
        proj = sim.project(year, years, st, lineup=lineup, withdrawals=withdrawals, sims=sims, seed=seed,
                           progress=progress, backend=backend, estimator=estimator,
                           overrides=[sim.TransferOverride.parse(o) for o in override or ()])
    console.print(proj.summary(), markup=False, highlight=False)
    mean_by_bloc = proj.seats.query("kind == 'bloc'").set_index("group")["mean"].to_dict()
    console.print("Mean seats by bloc:")
    console.print(seat_bar(mean_by_bloc, width=min(console.width - 2, 96)))
    if output is not None:
        sim.write_csv(proj.preds, output)
        console.print(f"[green]✓[/] candidate projections → {output}")
    if seats_output is not None:
        sim.write_csv(proj.seats, seats_output)
        console.print(f"[green]✓[/] seat distribution → {seats_output}")


@app.command("evaluate")
@handle_errors
def evaluate_cmd(
    year: YearArg,
    train: TrainOpt = "all",
    sims: SimsOpt = 20_000,
    seed: SeedOpt = 1,
    backend: BackendOpt = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
    estimator: EstimatorOpt = "regression",
    store: StoreOpt = None,
) -> None:
    """Score the projection of YEAR (official lineup) against its official round 2, next to the
    first-round-leader baseline and the pollsters' final seat ranges."""
    from hemicycle.sim import api as sim

    with _open(store) as st:
        years = _prepare(st, year, train=train, estimator=estimator, target=year)
        ev = sim.evaluate(year, years, st, sims=sims, seed=seed, progress=progress, backend=backend,
                          estimator=estimator)
    console.print(ev.render(), markup=False, highlight=False)


@app.command("backtest")
@handle_errors
def backtest_cmd(
    targets: Annotated[str, typer.Option(
        "--targets", help="Comma-separated target years, or all (every election with both rounds that "
                          "has an earlier one to learn from).")] = "all",
    sims: SimsOpt = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of every projection.")] = 1,
    output: Annotated[Path | None, typer.Option(
        "--output", help="CSV, one row per target: target,train,runoffs,winners,leader_winners,brier,"
                         "log_score,coverage90,energy_score,bloc_seat_mae")] = None,
    store: StoreOpt = None,
) -> None:
    """Back-test the projection: each target projected with transfers learnt from every earlier
    election only (official lineup), and scored against its official round 2."""
    from hemicycle.sim import api as sim
    from hemicycle.sim import backtest as bt

    with _open(store) as st:
        _ingest_earlier(st, None)
        years = bt.targets(st, targets)
        _prepare(st, train=",".join(map(str, sorted({y for t in years for y in
                                                         sim.training_years(t, "all", st)}))),
                 estimator="regression")
        table = bt.backtest(st, years, sims=sims, seed=seed)
    console.print(bt.render(table), markup=False, highlight=False)
    if output is not None:
        output.write_bytes(sim.to_csv_bytes(table[bt.COLUMNS]))
        console.print(f"[green]✓[/] back-test → {output}")


# --------------------------------------------------------------------------- other systems, coalitions

UnitOpt = Annotated[str, typer.Option(
    "--unit", help="Party unit: nuance, bloc, or an alliance file FILE.csv (header key,group; keys are "
                   "nuances or blocs).")]
CompareTrainOpt = Annotated[str, typer.Option(
    "--train", help="Elections whose transfers project the runoffs a variant creates: all (every "
                    "earlier election with both rounds), a year or years, or none (round-1 votes "
                    "decide).")]


def _train_arg(text: str) -> str | None:
    t = text.strip().lower()
    if t == "none":
        return None
    return "all" if t in ("auto", "all") else t


def _votes_prepared(st: Store, year: int, train: str | None, needs_round2: bool) -> object:
    """Ingest ``year``; when a system needs projected runoffs, fit the training transfers with a
    progress bar (cached after the first run). Returns what :func:`hemicycle.api.votes` takes."""
    st.ensure(year)
    if train is None:
        return None
    if train == "all":
        if api.training_year(year, store=st) is None:
            return None
    if needs_round2:
        return _prepare(st, year, train=train, estimator="regression", target=year)
    return train


@app.command("compare")
@handle_errors
def compare_cmd(
    year: YearArg,
    systems: Annotated[str, typer.Option(
        "--systems", help="Comma-separated systems, with options as NAME:key=value (e.g. "
                          "dhondt:threshold=0.03), or all. See `hemicycle compare --list`.")] = "all",
    unit: UnitOpt = "nuance",
    output: Annotated[Path | None, typer.Option(
        "--output", help="CSV, one row per system and group: system,unit,group,seats")] = None,
    indices_output: Annotated[Path | None, typer.Option(
        "--indices-output", help="CSV, one row per system: system,unit,house_size,largest,largest_seats,"
                                 "majority,gallagher,loosemore_hanby,enp_votes,enp_seats")] = None,
    train: CompareTrainOpt = "auto",
    sims: SimsOpt = api.COMPARE_SIMS,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the projected runoffs.")] = api.COMPARE_SEED,
    list_: Annotated[bool, typer.Option("--list", help="List the systems and exit.")] = False,
    store: StoreOpt = None,
) -> None:
    """The same round-1 votes of YEAR under other electoral systems: seats, disproportionality
    (Gallagher, Loosemore–Hanby) and fragmentation (effective number of parties)."""
    from hemicycle import systems as sy

    if list_:
        t = Table("system", "what", "parameters", box=None)
        for s in sy.SYSTEMS.values():
            t.add_row(s.name, s.title, s.parameters)
        console.print(t)
        return
    specs = sy.compare_specs(systems)
    needs = any(sy.parse_spec(x)[0].needs_round2 for x in specs)
    with _open(store) as st:
        tr = _votes_prepared(st, year, _train_arg(train), needs)
        cmp = api.compare(year, store=st, systems=None if systems == "all" else specs, unit=unit,
                          train=tr, sims=sims, seed=seed)
    t = Table(title=f"{year}: the same round-1 votes under {len(cmp.allocations)} systems "
                    f"(unit: {cmp.unit})", title_justify="left")
    for col, j in (("system", "left"), ("seats (largest groups)", "left"), ("house", "right"),
                   ("majority?", "left"), ("Gallagher", "right"), ("LH", "right"), ("ENP seats", "right")):
        t.add_column(col, justify=j)  # type: ignore[arg-type]
    for a in cmp.allocations:
        ix = a.indices()
        top = " · ".join(f"{g} {s}" for g, s in list(a.as_dict().items())[:6])
        g, n = a.largest
        maj = f"[bold]{g} {n}[/] ≥ {a.majority}" if n >= a.majority else "none"
        t.add_row(a.system, top, str(a.house_size), maj, f"{ix['gallagher']:.1f}",
                  f"{ix['loosemore_hanby']:.1f}", f"{ix['enp_seats']:.2f}")
    console.print(t)
    console.print(f"Effective number of parties by votes: {cmp.allocations[0].indices()['enp_votes']:.2f}. "
                  "Gallagher and Loosemore–Hanby in percentage points.")
    for a in cmp.allocations:
        for note in a.notes:
            console.print(f"  [dim]{a.system}:[/] {note}", highlight=False)
    if output is not None:
        output.write_bytes(cmp.to_csv_bytes())
        console.print(f"[green]✓[/] seats → {output}")
    if indices_output is not None:
        cmp.indices_frame().to_csv(indices_output, index=False, float_format="%.6f", lineterminator="\n")
        console.print(f"[green]✓[/] indices → {indices_output}")


@app.command("coalitions")
@handle_errors
def coalitions_cmd(
    year: YearArg,
    system: Annotated[str, typer.Option(
        "--system", help="The Assembly: actual, or any system of `hemicycle compare --list` "
                         "(projected: the projection's median Assembly).")] = "actual",
    unit: UnitOpt = "bloc",
    output: Annotated[Path | None, typer.Option(
        "--output", help="CSV of every winning coalition: coalition,seats,minimal_winning,connected")] = None,
    assembly: Annotated[Path | None, typer.Option(
        "--assembly", help="An Assembly given as CSV `group,seats`, rows from left to right (e.g. the "
                           "parliamentary groups as formed: examples/groups-2024.csv); replaces "
                           "--system/--unit.")] = None,
    train: CompareTrainOpt = "auto",
    store: StoreOpt = None,
) -> None:
    """Who can govern: coalitions reaching an absolute majority, minimal winning and minimal
    connected winning coalitions (left–right order), Banzhaf and Shapley–Shubik power, censure."""
    from hemicycle import systems as sy

    if assembly is not None:
        g = api.coalitions_of(api.read_assembly(assembly))
        what = f"{year}, the Assembly of {assembly.name}"
    else:
        needs = sy.parse_spec(system)[0].needs_round2
        with _open(store) as st:
            tr = _votes_prepared(st, year, _train_arg(train), needs)
            g = api.coalitions(year, store=st, system=system, unit=unit, train=tr)
        what = f"{year}, {system} Assembly by {unit}"
    console.print(f"[bold]{what}[/]: {g.house} seats, absolute majority "
                  f"{g.quota}; {len(g):,} winning coalitions.", highlight=False)
    ban, ssi = g.banzhaf(), g.shapley_shubik()
    t = Table("group (left → right)", "seats", "Banzhaf", "Shapley–Shubik", box=None)
    for name, seats in zip(g.groups, g.seats, strict=True):
        t.add_row(name, str(seats), f"{float(ban[name]):.3f}", f"{float(ssi[name]):.3f}")
    console.print(t)
    pos = {name: i for i, name in enumerate(g.groups)}

    def show(title: str, cs: tuple[tuple[str, ...], ...], limit: int = 10) -> None:
        names = ["+".join(sorted(c, key=lambda m: pos.get(m, 0))) for c in cs[:limit]]
        more = f" … and {len(cs) - limit} more (--output)" if len(cs) > limit else ""
        console.print(f"{title} ({len(cs)}): " + ("; ".join(names) or "none") + more, highlight=False)

    show("Minimal winning coalitions", g.minimal_winning)
    show("Minimal connected winning (left → right)", g.minimal_connected_winning)
    c = g.censure()
    console.print(f"Censure (Constitution, art. 49): {c.signatures_to_table} signatures to table a motion, "
                  f"{c.votes_to_adopt} votes to adopt it; groups able to table one alone: "
                  f"{', '.join(c.can_table_alone) or 'none'}.", highlight=False)
    if output is not None:
        output.write_bytes(g.to_csv_bytes())
        console.print(f"[green]✓[/] {len(g):,} winning coalitions → {output}")


@app.command("claims")
@handle_errors
def claims_cmd(
    file: Annotated[Path, typer.Argument(help="Claims file (TOML); see examples/claims-2024.toml.")],
    store: StoreOpt = None,
) -> None:
    """Check claims written in TOML against the data; exit 1 if any claim does not hold."""
    from hemicycle.analysis import claims as cl

    cf = cl.read(file)
    years = sorted({c.year for c in cf.claims})
    with _open(store) as st:
        for y in years:
            needs = any(c.measure == "seats" and c.year == y and cl.needs_projection(c) for c in cf.claims)
            _votes_prepared(st, y, "all", needs)
        _, verdicts = api.claims(file, store=st)
    failed = 0
    for v in verdicts:
        mark = "[green]✓[/]" if v.holds else "[bold red]✗[/]"
        failed += not v.holds
        exp = "" if v.claim.expect is None else f" (expected {str(v.claim.expect).lower()})"
        console.print(f"{mark} [bold]{str(v.value).lower()}[/]{exp}  {v.claim.id}: {v.claim.text}",
                      highlight=False)
        console.print(f"     {v.detail}", highlight=False)
    console.print(f"{len(verdicts) - failed} of {len(verdicts)} claims hold.")
    if failed:
        raise typer.Exit(1)


@app.command("serve")
@handle_errors
def serve_cmd(
    host: Annotated[str, typer.Option(help="Interface to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    max_sims: Annotated[int, typer.Option("--max-sims", help="Cap on simulations per projection.")] = 200_000,
    timeout: Annotated[float, typer.Option(help="Seconds a projection may run (504 past it).")] = 180.0,
    prefit: Annotated[bool, typer.Option("--prefit/--no-prefit",
                                         help="Learn the transfers of the training years at start-up.")] = True,
    store: StoreOpt = None,
) -> None:
    """Serve the JSON API (OpenAPI schema at /openapi.json, docs at /docs) and the dashboard (/).

    Ingests every available year first (the only write), then serves the store read-only."""
    import uvicorn

    from hemicycle.data.registry import YEARS
    from hemicycle.errors import DataNotAvailableError
    from hemicycle.web import create_app

    with _open(store) as st:
        for y in YEARS:
            try:
                st.ensure(y)
            except DataNotAvailableError as exc:
                err.print(f"[yellow]warning:[/] {y} not served: {exc}", highlight=False)
        path, years = st.path, st.years()
    if not years:
        raise HemicycleError(f"no election in the store {path}: nothing to serve")
    console.print(f"Serving {', '.join(map(str, years))} from {path} (read-only) on http://{host}:{port}/")
    uvicorn.run(create_app(path, max_sims=max_sims, timeout_s=timeout, prefit=prefit), host=host, port=port)


@app.command("report")
@handle_errors
def report_cmd(
    year: YearArg,
    out: Annotated[Path, typer.Option("--out", help="Folder for index.html (created if needed).")],
    train: Annotated[str | None, typer.Option(
        "--train", help="Add a projection of round 2 with transfers learnt from earlier elections: all, "
                        "a year, or years such as 2012,2017.")] = None,
    sims: SimsOpt = 5000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the projection.")] = 1,
    store: StoreOpt = None,
) -> None:
    """Write a self-contained offline HTML report of YEAR (hemicycle, map, cartogram, seat tables,
    round-1 facts; other systems; with --train, a projection) to OUT/index.html."""
    from hemicycle.report.html import write_report

    with _open(store) as st:
        st.ensure(year)
        years = None if train is None else _prepare(st, year, train=train, estimator="regression",
                                                      target=year)
        path = write_report(year, out, store=st, train=years, sims=sims, seed=seed, progress=True)
    console.print(f"[green]✓[/] report → {path} ({path.stat().st_size / 1e6:.1f} MB)")


def run() -> None:  # pragma: no cover - console entry point alias
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    app()
