"""The ``hemicycle`` command: parse options, call :mod:`hemicycle.api`, render with rich.

Any :class:`~hemicycle.errors.HemicycleError` becomes a one-paragraph message and exit code 1.
"""

from __future__ import annotations

import functools
import inspect
import os
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from hemicycle import session as hs
from hemicycle._version import __version__
from hemicycle.data.blocs import BLOCS
from hemicycle.errors import HemicycleError, visible
from hemicycle.options import COMPARE_SEED, COMPARE_SIMS, DEFAULT_SIMS, ProjectionOptions
from hemicycle.report.text import COLOURS, GLYPHS, hemicycle, legend, seat_bar
from hemicycle.session import (
    ENV_STORE,
    PRESIDENTIAL_YEARS,
    YEARS,
    DataQuirkWarning,
    Session,
    late_withdrawals_of,
    publisher,
)

app = typer.Typer(
    name="hemicycle",
    help=(
        "French legislative elections, computable: the two-round law on the Ministry's own results."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
data_app = typer.Typer(help="Official files and the local store.", no_args_is_help=True)
app.add_typer(data_app, name="data")

console = Console()
err = Console(stderr=True)
#: Every command's output fits this many columns (tested), whatever the terminal's width.
MAX_WIDTH = 80
F = TypeVar("F", bound=Callable[..., Any])

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help=f"DuckDB store file (default: ${ENV_STORE}, else the user cache dir).",
        envvar=ENV_STORE,
        show_envvar=False,
    ),
]
#: The years the registry holds, for help texts ("1997, …, 2022 or 2024").
YEARS_TEXT = f"{', '.join(map(str, YEARS[:-1]))} or {YEARS[-1]}"
YearArg = Annotated[int, typer.Argument(help=f"Election year: {YEARS_TEXT}.")]


#: Options checked before a command runs, by parameter name: output files, output folders, seeds,
#: simulation counts. A bad value is a one-line error, never a traceback half-way through.
OUTPUT_FILES = ("output", "round1_output", "seats_output", "indices_output", "leaders_output")
OUTPUT_DIRS = ("out",)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _check_options(kwargs: dict[str, Any]) -> None:
    for name in OUTPUT_FILES + OUTPUT_DIRS:
        path = kwargs.get(name)
        if not isinstance(path, Path):
            continue
        if str(path) in ("", "."):
            raise HemicycleError(
                f"{_flag(name)} is empty (or '.'): give a "
                f"{'folder' if name in OUTPUT_DIRS else 'file'} path"
            )
        if name in OUTPUT_FILES and path.is_dir():
            raise HemicycleError(
                f"{_flag(name)} {path} is a folder: give a file path, e.g. {path / 'out.csv'}"
            )
        if name in OUTPUT_DIRS and path.exists() and not path.is_dir():
            raise HemicycleError(
                f"{_flag(name)} {path} is a file: give a folder (created if needed)"
            )
        parent = path.parent
        if name in OUTPUT_FILES and parent.exists() and not parent.is_dir():
            raise HemicycleError(f"{_flag(name)} {path}: {parent} is a file, not a folder")
        if name in OUTPUT_FILES and not parent.is_dir():
            raise HemicycleError(f"{_flag(name)} {path}: the folder {parent} does not exist")
        # permissions and read-only file systems; a full disk (/dev/full) shows only when written
        target = path
        while not target.exists() and target != target.parent:
            target = target.parent  # the folder it would be created in
        if not os.access(target, os.W_OK):
            raise HemicycleError(
                f"{_flag(name)} {path}: "
                + (
                    f"{path} is not writable"
                    if target == path
                    else f"cannot create files in {target}"
                )
            )
    seed = kwargs.get("seed")
    if isinstance(seed, int) and seed < 0:
        raise HemicycleError(f"--seed must be a non-negative integer; got {seed}")
    sims = kwargs.get("sims")
    if isinstance(sims, int):
        hs.check_memory(sims)  # before any work: at most one runoff per constituency


def _one_line(text: str) -> str:
    return " ".join(text.split())


def handle_errors(fn: F) -> F:
    """Turn domain errors (and unwritable outputs) into a one-line message and exit code 1;
    summarise data quirks. Messages are printed as plain text: markup in them (a file named
    ``x[/bold].toml``, ``[[claim]]``) is shown as written, never interpreted."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                _check_options(kwargs)
                return fn(*args, **kwargs)
            except HemicycleError as exc:
                _fail(_one_line(str(exc)))
            except OSError as exc:  # an output that cannot be written: /dev/full, permissions, …
                where = f" {exc.filename}" if exc.filename else ""
                outputs = [
                    str(kwargs[n]) for n in OUTPUT_FILES + OUTPUT_DIRS if kwargs.get(n) is not None
                ]
                if not where and outputs:
                    where = " " + ", ".join(outputs)
                _fail(_one_line(f"cannot write{where}: {exc.strerror or exc}"))
            except KeyboardInterrupt:  # at once: the fit workers are stopped, not waited for
                err.print(
                    "interrupted: stopped; what was finished (transfers fitted and cached, "
                    "output files written whole) is kept",
                    highlight=False,
                )
                raise typer.Exit(130) from None
            finally:
                _report_warnings(caught)

    return wrapper  # type: ignore[return-value]


def _fail(message: str) -> None:
    err.print(
        Text.assemble(("error:", "bold red"), " ", visible(message)),
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(1) from None


#: Quirks listed one by one after a command; beyond, a count per year and where to read them all.
QUIRKS_SHOWN = 10


def _report_warnings(caught: list[warnings.WarningMessage]) -> None:
    # quirk messages come escaped from their reader (QuirkWarning): printed as they are
    quirks = [w.message for w in caught if issubclass(w.category, DataQuirkWarning)]
    others = [w for w in caught if not issubclass(w.category, DataQuirkWarning)]
    hidden = len(quirks) - QUIRKS_SHOWN
    if quirks:
        first = f"; the first {QUIRKS_SHOWN}" if hidden > 0 else ""
        err.print(
            f"[yellow]{len(quirks)} data quirk(s) in the official files (kept as published)"
            f"{first}:[/]"
        )
        for q in quirks[:QUIRKS_SHOWN]:
            err.print(Text.assemble(("  •", "yellow"), " ", str(q)), highlight=False)
        if hidden > 0:
            years = Counter(getattr(q, "year", None) or "YEAR" for q in quirks)
            where = ", ".join(f"`hemicycle data quirks {y}` ({n})" for y, n in years.items())
            err.print(
                Text.assemble(("  …", "yellow"), f" {hidden} more; all of them: {where}"),
                highlight=False,
            )
    seen = set()
    for w in others:
        msg = str(w.message)
        if msg not in seen and not issubclass(w.category, DeprecationWarning):
            seen.add(msg)
            err.print(Text.assemble(("warning:", "yellow"), " ", msg), highlight=False)


def _colour() -> bool:
    """Whether the output is in colour (not piped to a file, no NO_COLOR)."""
    return console.color_system is not None and not console.no_color


def _width() -> int:
    return min(console.width, MAX_WIDTH)


class _FitBar:
    """The progress bar of the transfers being learnt: drawn on the first stage the fit reports
    (about 15 s an election the first time, minutes with ``ei``; cached fits report nothing), on
    a terminal only (a log or a pipe gets no bar, nor the blank line it leaves)."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._task: Any = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._bar is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                TextColumn("Learning transfers: {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
                disable=not err.is_terminal,
            )
            self._bar.start()
            self._task = self._bar.add_task(stage, total=None)
        self._bar.update(self._task, description=stage, completed=done, total=total)
        if done >= total > 0 and stage.startswith("fitted"):
            self.stop()

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


@contextmanager
def _open(store: Path | None) -> Iterator[Session]:
    """A session on the store, read-only: a read-write connection is taken only while an ingest
    writes, so commands work beside `hemicycle serve`, and only a write waits for the file to be
    free. Fitting transfers draws a progress bar."""
    bar = _FitBar()
    try:
        with Session(store, ingest="auto", progress=bar) as s:
            yield s
    finally:
        bar.stop()


def _version(value: bool) -> None:
    if value:
        console.print(f"hemicycle {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """hemicycle: the French two-round law, the official results, and what-ifs."""
    for c in (console, err):  # every output fits 80 columns, however wide the terminal
        c.width = min(c.width, MAX_WIDTH)


# ----- data ---------------------------------------------------------------------------------


@data_app.command("fetch")
@handle_errors
def data_fetch(year: YearArg) -> None:
    """Download the official files of YEAR from data.gouv.fr (pinned by sha256) into the cache.

    With HEMICYCLE_DATA set, lists the files found in that mirror instead."""
    paths = hs.fetch(year, progress=True)
    for p in paths:
        console.print(f"[green]✓[/] {escape(str(p))}")


@data_app.command("ingest")
@handle_errors
def data_ingest(
    year: YearArg,
    store: StoreOpt = None,
    force: Annotated[
        bool, typer.Option(help="Re-read the files even if the store is current.")
    ] = False,
) -> None:
    """Read the official files of YEAR into the store (one transaction; idempotent)."""
    with _open(store) as st:  # read-only unless (and until) the files must be read in
        rep = st.ingest(year, force=force)
        if rep is None:
            console.print(
                f"{year} is already in {st.path} from the same files (use --force to re-read).",
                markup=False,
            )
            return

        def by_round(counts: dict[int, int]) -> str:
            return ", ".join(f"{n:,} in round {r}" for r, n in sorted(counts.items())) or "none"

        console.print(
            f"[green]✓[/] {year}: rounds {', '.join(map(str, rep.rounds))}; {rep.constituencies} "
            f"constituencies; candidates {by_round(rep.candidates)}; "
            f"candidacies {by_round(rep.candidacies)}; "
            f"{len(rep.quirks)} quirk(s) → {escape(str(st.path))}"
        )


@data_app.command("status")
@handle_errors
def data_status(store: StoreOpt = None) -> None:
    """What the store holds."""
    with _open(store) as st:
        df = st.sources()
        if df.empty:
            console.print(
                f"The store {st.path} is empty: run `hemicycle data ingest YEAR`.", markup=False
            )
            return
        t = Table(title=escape(f"store {st.path}"))
        for c in ("year", "round", "role", "file", "bytes", "sha256"):
            t.add_column(c, overflow="fold")  # a long file name folds, never "…"
        for r in df.itertuples(index=False):
            t.add_row(
                str(r.year),
                str(r.round),
                escape(r.role),
                escape(r.file),
                f"{r.bytes:,}",
                r.sha256[:12] + "…",
            )
        console.print(t)


@data_app.command("quirks")
@handle_errors
def data_quirks(year: YearArg, store: StoreOpt = None) -> None:
    """The quirks of the official files found at ingest (sums off by a vote, nuance changes)."""
    with _open(store) as st:
        df = st.quirks(year)
    if df.empty:
        console.print(f"No quirks in {year}.")
    for r in df.itertuples(index=False):
        console.print(
            f"round {r.round} {r.constituency} [{r.kind}] {visible(r.message)}  ({r.file})",
            highlight=False,
            markup=False,
        )


# ----- replay -------------------------------------------------------------------------------


def _counter_line(c: dict[int, int] | Any, names: dict[int, str]) -> str:
    return ", ".join(f"{c[k]} {names.get(k, f'{k}-way')}" for k in sorted(c))


@app.command("replay")
@handle_errors
def replay_cmd(
    year: YearArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", help="CSV of winners: constituency,round,panel,surname,nuance,votes"
        ),
    ] = None,
    round1_output: Annotated[
        Path | None,
        typer.Option(
            "--round1-output",
            help="CSV of round-1 candidates: constituency,panel,nuance,votes,status",
        ),
    ] = None,
    store: StoreOpt = None,
    hemicycle_view: Annotated[
        bool,
        typer.Option(
            "--hemicycle/--no-hemicycle",
            help="Draw a text hemicycle above the seat bar (--no-hemicycle: the bar and a legend).",
        ),
    ] = True,
) -> None:
    """Rebuild YEAR constituency by constituency from the official files, checked against the
    official outcome. Exits 1 listing the constituencies on any mismatch."""
    with _open(store) as st:
        rep = st.replay(year)
        labels = st.labels(year)

    def named(code: str) -> str:
        return f"{code} ({labels[code]})" if code in labels else code

    console.rule(f"[bold]Législatives {year}[/] — replayed from {publisher(year)}")
    _print_rounds(rep, named)
    _print_replay_seats(rep, hemicycle_view=hemicycle_view)
    if output is not None:
        hs.write_output(output, hs.csv_bytes(rep.winners_frame(), float_format=None))
        console.print(f"[green]✓[/] winners → {escape(str(output))}")
    if round1_output is not None:
        hs.write_output(round1_output, hs.csv_bytes(rep.round1_frame(), float_format=None))
        console.print(f"[green]✓[/] round-1 statuses → {escape(str(round1_output))}")
    _print_replay_check(rep, named)


def _print_rounds(rep: hs.Replay, named: Callable[[str], str]) -> None:
    """What each round did: elected outright, runoffs, withdrawals, contests, ties."""
    e = rep.election
    year = e.year
    runoffs = int(rep.runoffs.sum())
    qualified_labels = {2: "with two qualified", 3: "with three", 4: "with four"}
    console.print(
        f"Round 1: [bold]{rep.elected_round1}[/] elected outright; [bold]{runoffs}[/] runoffs "
        f"({_counter_line(rep.qualified_counts(), qualified_labels)})."
    )
    if e.round2 is None:
        console.print(
            f"[yellow]Round 2 of {year} is not in the data: seats below are round 1 only "
            f"({rep.decided} of {e.n_constituencies}).[/]"
        )
        return
    wd = rep.withdrawals_by_nuance()
    console.print(
        f"Withdrawals: [bold]{sum(wd.values())}[/] qualified candidates "
        "did not stand in round 2 "
        f"({escape(', '.join(f'{n} {c}' for n, c in wd.most_common()))})."
    )
    size_labels = {1: "single-candidate", 2: "duels", 3: "three-way", 4: "four-way"}
    console.print(f"Round 2: {_counter_line(rep.contest_sizes(), size_labels)}.")
    codes = set(e.codes.tolist())
    late = [r for r in late_withdrawals_of(year) if r["constituency"] in codes]
    if late:
        console.print(
            "Withdrew too late, still on the ballot: "
            + ", ".join(f"{named(r['constituency'])} {r['surname']} ({r['nuance']})" for r in late)
            + "."
        )
    changes = rep.nuance_changes()
    if changes:
        console.print(
            "Changed nuance between rounds: "
            + ", ".join(named(c.partition(" ")[0]) + " " + c.partition(" ")[2] for c in changes)
            + ".",
            markup=False,
        )
    if rep.unresolved_ties:
        console.print(
            "[yellow]Unresolved ties (no birth dates):[/] "
            f"{', '.join(map(named, rep.unresolved_ties))}"
        )


def _print_replay_seats(rep: hs.Replay, *, hemicycle_view: bool) -> None:
    """The seats by nuance and by bloc, side by side, then the hemicycle or the seat bar."""
    e = rep.election
    seats = rep.seats_by_nuance()
    t = Table(title=f"Seats by nuance ({sum(seats.values())})", show_edge=False)
    t.add_column("nuance")
    t.add_column("seats", justify="right")
    for n, s in seats.items():
        t.add_row(escape(n), str(s))
    by_bloc = rep.seats_by_bloc()
    tb = Table(title="Seats by bloc", show_edge=False)
    tb.add_column("bloc")
    tb.add_column("seats", justify="right")
    for b in BLOCS:
        if b in by_bloc:
            mark = f"[{COLOURS[b]}]■[/]" if _colour() else GLYPHS[b]
            tb.add_row(f"{mark} {b}", str(by_bloc[b]))
    from rich.columns import Columns

    console.print(Columns([t, tb], padding=(0, 6)))
    if e.round2 is not None:
        if hemicycle_view:
            console.print(hemicycle(by_bloc, colour=_colour()))
        console.print(seat_bar(by_bloc, width=_width() - 2, total=e.house_size, colour=_colour()))
        if not hemicycle_view:
            console.print(legend(by_bloc, colour=_colour(), width=_width()))


def _print_replay_check(rep: hs.Replay, named: Callable[[str], str]) -> None:
    """The replay against the official outcome: the differences the source explains, then the
    mismatches (exit 1) or the constituencies that match."""
    e = rep.election
    if rep.explained:
        err.print(
            f"[yellow]{len(rep.explained)} decision(s) differ because the source "
            "contradicts itself "
            f"(quirks found at ingest, `hemicycle data quirks {e.year}`):[/]"
        )
        for m in rep.explained:
            err.print(f"  {m.constituency}  {m.decision}: {m.detail}", highlight=False)
    if rep.mismatches:
        err.print(
            f"[bold red]{len(rep.mismatches)} decision(s) differ from the official outcome:[/]"
        )
        for m in rep.mismatches:
            err.print(
                f"  {named(m.constituency)}  {m.decision}: {m.detail}",
                highlight=False,
                markup=False,
            )
        raise typer.Exit(1)
    checked = "round 1 and round 2" if e.round2 is not None else "round 1"
    rounds = [r for r in (e.round1, e.round2) if r is not None]
    if not all((r.official_known | ~r.valid).all() for r in rounds):
        checked += (
            "; where the source has no elected flag, the round-2 lineups and where round 2 was held"
        )
    explained = {m.constituency for m in rep.explained}  # listed above, in yellow
    count = e.n_constituencies
    which = f"The other {count - len(explained)}" if explained else f"All {count}"
    console.print(
        f"[bold green]✓ {which} constituencies match the official outcome ({checked}).[/]"
    )


# ----- projection ---------------------------------------------------------------------------

TrainOpt = Annotated[
    str,
    typer.Option(
        "--train",
        help="Elections whose round 1 → round 2 transfers are learnt: all (every earlier "
        "election with both rounds), a year, or years such as 2012,2017. Always earlier "
        "than the target.",
    ),
]
#: transfers has no target: ``all`` is every election with both rounds
TransfersTrainOpt = Annotated[
    str,
    typer.Option(
        "--train",
        help="Elections whose round 1 → round 2 transfers are learnt and pooled: all (every "
        "election with both rounds in the store), a year, or years such as 2012,2017.",
    ),
]
SeedOpt = Annotated[
    int | None,
    typer.Option("--seed", help="Random seed: the same seed gives the same bytes."),
]
#: project's seed: none by default (every run draws afresh unless a seed is given)
FreshSeedOpt = Annotated[
    int | None,
    typer.Option(
        "--seed", help="Random seed: the same seed gives the same bytes. Default: fresh entropy."
    ),
]
SimsOpt = Annotated[int, typer.Option("--sims", help="Simulated elections.")]
BackendOpt = Annotated[
    str | None, typer.Option(help="numba (default) or reference (slow test oracle).")
]


EstimatorOpt = Annotated[
    str,
    typer.Option(
        "--estimator",
        help="Transfer estimator: regression (constrained, default) or ei (PyEI's Bayesian "
        "R×C model, minutes; needs the extra: pip install 'hemicycle\\[ei]').",
    ),
]


@app.command("transfers")
@handle_errors
def transfers_cmd(
    train: TransfersTrainOpt = "all",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="CSV of every transfer rate with its uncertainty (tidy, one row per rate).",
        ),
    ] = None,
    estimator: EstimatorOpt = "regression",
    store: StoreOpt = None,
) -> None:
    """Vote-transfer matrices learnt from round 1 → round 2 of TRAIN (pooled over several
    elections when it names several), with their uncertainty."""
    with _open(store) as st:
        model = st.transfers(train, estimator=estimator)
        console.print(model.render(), markup=False, highlight=False)
        if output is not None:
            hs.write_output(output, hs.csv_bytes(model.to_frame()))
            console.print(f"[green]✓[/] transfer rates → {escape(str(output))}")


@app.command("project")
@handle_errors
def project_cmd(
    year: YearArg,
    train: TrainOpt = "all",
    lineup: Annotated[
        Path | None,
        typer.Option(
            "--lineup",
            help="CSV `constituency,panel`: the round-2 lineup of the constituencies it names.",
        ),
    ] = None,
    withdrawals: Annotated[
        str | None,
        typer.Option(
            "--withdrawals",
            help="Withdrawal scenario: data (official lineup), none, or "
            "front-republicain[:BLOCS/AGAINST] (see docs/projection.md).",
        ),
    ] = None,
    override: Annotated[
        list[str] | None,
        typer.Option(
            "--override",
            help="What-if on the learnt transfers, ORIGIN:DESTINATION=RATE (repeatable), e.g. "
            "left:centre=0.5: half of the left's voters vote centre where the left has "
            "no candidate of its own.",
        ),
    ] = None,
    sims: SimsOpt = DEFAULT_SIMS,
    seed: FreshSeedOpt = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help=(
                "CSV per candidate: "
                "constituency,panel,nuance,bloc,p_win,share_mean,share_lo,share_hi"
            ),
        ),
    ] = None,
    seats_output: Annotated[
        Path | None,
        typer.Option(
            "--seats-output",
            help="CSV per nuance and bloc: group,kind,mean,median,lo,hi,p_majority",
        ),
    ] = None,
    backend: BackendOpt = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")
    ] = True,
    estimator: EstimatorOpt = "regression",
    store: StoreOpt = None,
) -> None:
    """Project YEAR's round 2 from its round 1, with transfers learnt from earlier elections."""
    options = ProjectionOptions(
        sims=sims,
        seed=seed,
        withdrawals=withdrawals,
        lineup=lineup,
        overrides=tuple(override or ()),
        backend=backend,
        estimator=estimator,
        progress=progress,
    )
    with _open(store) as st:
        labels = st.labels(year)
        proj = st.project(year, train, options)
        where = st.extrapolation(year, train, options)
    console.print(
        proj.summary(n_closest=0).split("\nClosest")[0].rstrip() + "\n",
        markup=False,
        highlight=False,
    )
    _closest_table(proj.closest.head(10), labels)
    mean_by_bloc = proj.seats.query("kind == 'bloc'").set_index("group")["mean"].to_dict()
    console.print("Mean seats by bloc:")
    house = int(round(sum(mean_by_bloc.values())))
    console.print(seat_bar(mean_by_bloc, width=_width() - 2, total=house, colour=_colour()))
    console.print(legend(mean_by_bloc, colour=_colour(), width=_width()))
    console.print("\n" + hs.render_extrapolation(where), markup=False, highlight=False)
    if output is not None:
        hs.write_output(output, hs.csv_bytes(proj.preds))
        console.print(f"[green]✓[/] candidate projections → {escape(str(output))}")
    if seats_output is not None:
        hs.write_output(seats_output, hs.csv_bytes(proj.seats))
        console.print(f"[green]✓[/] seat distribution → {escape(str(seats_output))}")


def _closest_table(closest: Any, labels: dict[str, str]) -> None:
    """The closest races, each with its code and label."""
    if closest.empty:
        return
    t = Table(
        title="Closest races (the leader's probability of winning)",
        title_justify="left",
        box=None,
        pad_edge=False,
    )
    t.add_column("code", no_wrap=True)
    t.add_column("constituency", overflow="fold")
    t.add_column("leader", overflow="fold")
    t.add_column("P(win)", justify="right", no_wrap=True)
    t.add_column("runner-up", overflow="fold")
    for r in closest.itertuples(index=False):
        t.add_row(  # names from the data: no markup, no control characters reach the terminal
            *(
                escape(visible(str(x)))
                for x in (r.constituency, labels.get(r.constituency, ""), r.leader)
            ),
            f"{r.p_win:.2f}",
            escape(visible(str(r.runner_up))),
        )
    console.print(t, highlight=False)


@app.command("evaluate")
@handle_errors
def evaluate_cmd(
    year: YearArg,
    train: TrainOpt = "all",
    sims: SimsOpt = DEFAULT_SIMS,
    seed: SeedOpt = 1,
    backend: BackendOpt = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")
    ] = True,
    estimator: EstimatorOpt = "regression",
    store: StoreOpt = None,
) -> None:
    """Score the projection of YEAR (official lineup) against its official round 2, next to the
    first-round-leader baseline and the pollsters' final seat ranges."""
    options = ProjectionOptions(
        sims=sims, seed=seed, progress=progress, backend=backend, estimator=estimator
    )
    with _open(store) as st:
        ev = st.evaluate(year, train, options)
    console.print(ev.render(), markup=False, highlight=False)


@app.command("backtest")
@handle_errors
def backtest_cmd(
    targets: Annotated[
        str,
        typer.Option(
            "--targets",
            help="Comma-separated target years; all (2002–2024: every election from 1997 on with "
            "an earlier one to learn from); or history (1962–1997, each trained on the elections "
            "of 1958 on before it).",
        ),
    ] = "all",
    sims: SimsOpt = DEFAULT_SIMS,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of every projection.")] = 1,
    nested: Annotated[
        bool,
        typer.Option(
            "--nested/--no-nested",
            help="Nested (default): each target's priors are chosen on the other targets "
            "(every target is back-tested for every prior combination searched). "
            "--no-nested: the default priors, chosen on every target (tuned, optimistic).",
        ),
    ] = True,
    drop_latest: Annotated[
        bool,
        typer.Option(
            "--drop-latest",
            help="Also project each target without its latest earlier election (same priors) "
            "and show what adding it changes.",
        ),
    ] = False,
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="The back-test of election night: each target's round 2 declared in 20 random "
            "orders, overseas and abroad first, and by size; at 5, 10, 25, 50 and 75 % declared, "
            "winners among the undeclared, bloc seat MAE, coverage, races called, wrong calls "
            "(--output: target,order,declared,undeclared,winners,bloc_seat_mae,coverage90,"
            "called,wrong_calls).",
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="CSV, one row per target and training set: target,train,figure,latest,runoffs,"
            "winners,leader_winners,brier,log_score,coverage90,energy_score,bloc_seat_mae,priors "
            "(with --live: one row per target, order and stage)",
        ),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Back-test the projection: each target projected from earlier elections only, and scored.

    Each target is projected with transfers learnt from every earlier election only (official
    lineup) and scored against its official round 2; nested by default (each target's priors
    chosen without it)."""
    if live:
        with _open(store) as st:
            night = st.backtest_live(targets, sims=sims, seed=seed)
        console.print(hs.render_night(night), markup=False, highlight=False)
        if output is not None:
            hs.write_output(output, hs.csv_bytes(night))
            console.print(f"[green]✓[/] night back-test → {escape(str(output))}")
        return
    with _open(store) as st:
        table = st.backtest(targets, sims=sims, seed=seed, nested=nested, drop_latest=drop_latest)
    console.print(hs.render_backtest(table), markup=False, highlight=False)
    if output is not None:
        hs.write_output(output, hs.backtest_csv(table))
        console.print(f"[green]✓[/] back-test → {output}")


# ------------------------------------------------------------------------ other systems, coalitions

UnitOpt = Annotated[
    str,
    typer.Option(
        "--unit",
        help="Party unit: nuance, bloc, or an alliance file FILE.csv (header key,group; keys are "
        "nuances or blocs).",
    ),
]
CompareTrainOpt = Annotated[
    str,
    typer.Option(
        "--train",
        help="Elections whose transfers project the runoffs a variant creates: all (every "
        "earlier election with both rounds; auto, the default, is the same), a year or "
        "years, or none (round-1 votes decide).",
    ),
]


@app.command("compare")
@handle_errors
def compare_cmd(
    year: Annotated[
        int | None,
        typer.Argument(
            help=f"Election year: {YEARS_TEXT} (not needed with --list).", show_default=False
        ),
    ] = None,
    systems: Annotated[
        str,
        typer.Option(
            "--systems",
            help="Comma-separated systems, with options as NAME:key=value (e.g. "
            "dhondt:threshold=0.03), or all. See `hemicycle compare --list`.",
        ),
    ] = "all",
    unit: UnitOpt = "nuance",
    output: Annotated[
        Path | None,
        typer.Option("--output", help="CSV, one row per system and group: system,unit,group,seats"),
    ] = None,
    indices_output: Annotated[
        Path | None,
        typer.Option(
            "--indices-output",
            help="CSV, one row per system: system,unit,house_size,largest,largest_seats,"
            "majority,gallagher,loosemore_hanby,enp_votes,enp_seats",
        ),
    ] = None,
    train: CompareTrainOpt = "auto",
    sims: SimsOpt = COMPARE_SIMS,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the projected runoffs.")
    ] = COMPARE_SEED,
    list_: Annotated[bool, typer.Option("--list", help="List the systems and exit.")] = False,
    store: StoreOpt = None,
) -> None:
    """The same round-1 votes of YEAR under other electoral systems: seats, disproportionality
    (Gallagher, Loosemore–Hanby) and fragmentation (effective number of parties)."""
    from hemicycle import systems as sy

    if list_:
        _print_systems()
        return
    if year is None:
        raise HemicycleError(
            "compare needs a YEAR (e.g. `hemicycle compare 2024`), or --list to list the systems"
        )
    sy.compare_specs(systems)  # an unknown system is refused before any work
    with _open(store) as st:
        cmp = st.compare(year, systems, unit=unit, train=train, sims=sims, seed=seed)
    _print_comparison(year, cmp)
    if output is not None:
        hs.write_output(output, cmp.to_csv_bytes())
        console.print(f"[green]✓[/] seats → {escape(str(output))}")
    if indices_output is not None:
        hs.write_output(indices_output, cmp.indices_csv_bytes())
        console.print(f"[green]✓[/] indices → {escape(str(indices_output))}")


def _print_systems() -> None:
    """``compare --list``: every system, its parameters and title."""
    from hemicycle import systems as sy

    for s in sy.SYSTEMS.values():
        params = s.parameters
        console.print(
            f"[bold]{s.name}[/]" + (f"  [dim]({params})[/]" if params else ""), highlight=False
        )
        console.print(f"    {s.title}", highlight=False)


def _print_comparison(year: int, cmp: hs.Comparison) -> None:
    """The comparison's table (one row per system: house, majority, indices), then its notes and
    the systems left out."""
    from rich import box

    t = Table(
        title=f"{year}: the same round-1 votes under {len(cmp.allocations)} systems "
        f"(unit: {cmp.unit})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    t.add_column("system / largest groups", min_width=26, overflow="fold")
    for col in ("house", "majority", "Gallagher", "LH", "ENP"):
        t.add_column(col, justify="left" if col == "majority" else "right", no_wrap=True)
    for a in cmp.allocations:
        ix = a.indices()
        top = escape(" · ".join(f"{g} {s}" for g, s in list(a.as_dict().items())[:4]))
        g, n = a.largest
        maj = f"[bold]{escape(g)} {n}[/]" if n >= a.majority else "none"
        t.add_row(
            f"[bold]{a.system}[/]\n[dim]{top}[/]",
            str(a.house_size),
            maj,
            f"{ix['gallagher']:.1f}",
            f"{ix['loosemore_hanby']:.1f}",
            f"{ix['enp_seats']:.2f}",
        )
    console.print(t)
    console.print(
        "majority: the largest group when it holds an absolute majority of the house; "
        "LH: Loosemore–Hanby; ENP: effective number of parties by seats."
    )
    console.print(
        f"Effective number of parties by votes: {cmp.allocations[0].indices()['enp_votes']:.2f}. "
        "Gallagher and Loosemore–Hanby in percentage points."
    )
    for a in cmp.allocations:
        for note in a.notes:
            console.print(f"  [dim]{a.system}:[/] {note}", highlight=False)
    for name, why in cmp.skipped:
        console.print(f"  [dim]{name}:[/] left out: {escape(why)}", highlight=False)


@app.command("coalitions")
@handle_errors
def coalitions_cmd(
    year: YearArg,
    system: Annotated[
        str,
        typer.Option(
            "--system",
            help="The Assembly: actual, or any system of `hemicycle compare --list` "
            "(projected: the projection's median Assembly).",
        ),
    ] = "actual",
    unit: UnitOpt = "bloc",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="CSV of every winning coalition: coalition,seats,minimal_winning,connected",
        ),
    ] = None,
    assembly: Annotated[
        Path | None,
        typer.Option(
            "--assembly",
            help="An Assembly given as CSV `group,seats`, rows from left to right (e.g. the "
            "parliamentary groups as formed: examples/groups-2024.csv); replaces "
            "--system/--unit.",
        ),
    ] = None,
    train: CompareTrainOpt = "auto",
    store: StoreOpt = None,
) -> None:
    """Who can govern: coalitions reaching an absolute majority, minimal winning and minimal
    connected winning coalitions (left–right order), Banzhaf and Shapley–Shubik power, censure."""
    from hemicycle import systems as sy

    if assembly is not None:
        g = hs.coalitions_of(hs.read_assembly(assembly))
        what = f"{year}, the Assembly of {assembly.name}"
    else:
        sy.parse_spec(system)  # an unknown system is refused before any work
        with _open(store) as st:
            g = st.coalitions(year, system, unit=unit, train=train)
        what = f"{year}, {system} Assembly by {unit}"
    console.print(
        f"[bold]{escape(what)}[/]: {g.house} seats, absolute majority "
        f"{g.quota}; {len(g):,} winning coalitions.",
        highlight=False,
    )
    ban, ssi = g.banzhaf(), g.shapley_shubik()
    t = Table("group (left → right)", "seats", "Banzhaf", "Shapley–Shubik", box=None)
    for name, seats in zip(g.groups, g.seats, strict=True):
        t.add_row(escape(name), str(seats), f"{float(ban[name]):.3f}", f"{float(ssi[name]):.3f}")
    console.print(t)
    for note in g.notes:  # e.g. seats projected where round 2 is not in the store
        console.print(f"  [dim]note:[/] {escape(note)}", highlight=False)
    pos = {name: i for i, name in enumerate(g.groups)}

    def show(title: str, cs: tuple[tuple[str, ...], ...], limit: int = 10) -> None:
        names = ["+".join(sorted(c, key=lambda m: pos.get(m, 0))) for c in cs[:limit]]
        more = f" … and {len(cs) - limit} more (--output)" if len(cs) > limit else ""
        console.print(
            f"{title} ({len(cs)}): " + ("; ".join(names) or "none") + more,
            highlight=False,
            markup=False,
        )

    show("Minimal winning coalitions", g.minimal_winning)
    show("Minimal connected winning (left → right)", g.minimal_connected_winning)
    c = g.censure()
    console.print(
        f"Censure (Constitution, art. 49): {c.signatures_to_table} signatures to table a motion, "
        f"{c.votes_to_adopt} votes to adopt it; groups able to table one alone: "
        f"{', '.join(c.can_table_alone) or 'none'}.",
        highlight=False,
        markup=False,
    )
    if output is not None:
        hs.write_output(output, g.to_csv_bytes())
        console.print(f"[green]✓[/] {len(g):,} winning coalitions → {escape(str(output))}")


@app.command("claims")
@handle_errors
def claims_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            help="Claims file (TOML); see examples/claims-2024.toml and docs/claims.md."
        ),
    ],
    store: StoreOpt = None,
) -> None:
    """Check claims written in TOML against the data; exit 1 if any claim does not hold.

    Each claim prints the verdict on its sentence in words — TRUE or FALSE — then the sentence, its
    id and the figures behind it. The format of the file (measures, units, groups, tests, expect)
    is documented in docs/claims.md."""
    with _open(store) as st:
        _, verdicts = st.claims(file)
    failed = 0
    for v in verdicts:
        failed += not v.holds
        console.print(claim_line(v), highlight=False)
        console.print(f"        [dim]{escape(v.claim.id)}:[/] {escape(v.detail)}", highlight=False)
        for note in v.notes:
            console.print(f"        [dim]note: {escape(note)}[/]", highlight=False)
    console.print(f"{len(verdicts) - failed} of {len(verdicts)} claims hold.")
    if failed:
        raise typer.Exit(1)


def claim_line(v: Any) -> str:
    """``TRUE — sentence`` when the claim's sentence is true on the data (its test's truth equals
    ``expect``), ``FALSE — sentence`` when it is not."""
    word = "[bold green]✓ TRUE [/]" if v.holds else "[bold red]✗ FALSE[/]"
    return f"{word} — {escape(v.claim.text)}"


PresidentialYearArg = Annotated[
    int,
    typer.Argument(
        help="Presidential election year: "
        f"{', '.join(map(str, PRESIDENTIAL_YEARS[:-1]))} or {PRESIDENTIAL_YEARS[-1]}."
    ),
]


@app.command("presidential")
@handle_errors
def presidential_cmd(
    year: PresidentialYearArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="CSV, one row per candidate, round and constituency: "
            "year,round,constituency,label,candidate,votes,share_expressed",
        ),
    ] = None,
    leaders_output: Annotated[
        Path | None,
        typer.Option(
            "--leaders-output",
            help="CSV, one row per constituency and round: "
            "year,round,constituency,label,leader,leader_share,runner_up,margin",
        ),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """The presidential election of YEAR by constituency, and its round 2 as a legislative one.

    Prints the national result of each round, who led each constituency, and the Assembly "the
    presidential round 2 as a legislative election" would give (each constituency to its
    leader)."""
    with _open(store) as st:
        p = st.presidential(year)
    console.rule(
        f"[bold]Présidentielle {year}[/] by legislative constituency "
        f"({p.n_constituencies} constituencies, {p.boundary_map} map)"
    )
    for r in p.rounds:
        nat = p.national(r)
        total = max(int(nat.sum()), 1)
        shown = ", ".join(f"{escape(str(c))} {v / total:.1%}" for c, v in nat.head(6).items())
        more = f" … ({len(nat)} candidates)" if len(nat) > 6 else ""
        console.print(f"Round {r}: {shown}{more}", highlight=False)
    seats = p.assembly()
    last = max(p.rounds)
    lead = p.leaders(last)
    t = Table(
        title=f"Round {last} as a legislative election (first past the post)",
        title_justify="left",
        box=None,
        pad_edge=False,
    )
    t.add_column("candidate")
    t.add_column("seats", justify="right")
    t.add_column("closest lead (points)", justify="right")
    for name, n in seats.items():
        mine = lead[lead["leader"] == name]
        t.add_row(escape(name), str(n), f"{mine['margin'].min():.1f}")
    console.print(t)
    house = p.n_constituencies
    console.print(
        f"Absolute majority: {house // 2 + 1} of {house}; "
        + (
            f"{escape(next(iter(seats)))} would hold it."
            if seats and next(iter(seats.values())) > house // 2
            else "nobody would hold it."
        ),
        highlight=False,
    )
    if output is not None:
        hs.write_output(output, hs.csv_bytes(p.candidates()))
        console.print(f"[green]✓[/] candidates → {escape(str(output))}")
    if leaders_output is not None:
        hs.write_output(leaders_output, hs.csv_bytes(p.leaders(last)))
        console.print(f"[green]✓[/] leaders → {escape(str(leaders_output))}")


@app.command("serve")
@handle_errors
def serve_cmd(
    host: Annotated[
        str, typer.Option(help="Interface to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    max_sims: Annotated[
        int, typer.Option("--max-sims", help="Cap on simulations per projection.", min=1)
    ] = 200_000,
    timeout: Annotated[
        float,
        typer.Option(help="Seconds a projection may run (504 past it).", min=1.0, max=86_400.0),
    ] = 180.0,
    prefit: Annotated[
        bool,
        typer.Option(
            "--prefit/--no-prefit", help="Learn the transfers of the training years at start-up."
        ),
    ] = True,
    max_queued: Annotated[
        int,
        typer.Option(
            "--max-queued",
            help="Projections that may wait behind the running one (503 past that).",
            min=0,
            max=10_000,
        ),
    ] = 4,
    allowed_hosts: Annotated[
        str | None,
        typer.Option(
            "--allowed-hosts",
            help="Comma-separated Host names answered, or * for any (default: the loopback "
            "names on a loopback --host, any on 0.0.0.0).",
        ),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Serve the JSON API (OpenAPI schema at /openapi.json, docs at /docs) and the dashboard (/).

    Ingests every available year first (the only write), then serves the store read-only: files
    that change while it serves are logged and taken at the next start. SIGTERM or Ctrl-C stops
    it within seconds, cancelling running projections."""
    import uvicorn

    from hemicycle.web import create_app
    from hemicycle.web.guard import allowed_hosts_for, timed_h11_protocol

    with _open(store) as st:
        st.ingest_earlier(
            None,
            on_missing=lambda y, exc: err.print(
                f"[yellow]warning:[/] {y} not served: {escape(str(exc))}", highlight=False
            ),
        )
        path, years = st.path, st.years()
    if not years:
        raise HemicycleError(f"no election in the store {path}: nothing to serve")
    hosts = allowed_hosts_for(host, (allowed_hosts or "").split(","))
    console.print(
        f"Serving {', '.join(map(str, years))} from {escape(str(path))} (read-only) on http://{host}:{port}/"
    )
    app_ = create_app(
        path,
        max_sims=max_sims,
        timeout_s=timeout,
        prefit=prefit,
        max_queued=max_queued,
        allowed_hosts=sorted(hosts) if hosts is not None else ["*"],
    )
    # Bounded connections (web.guard.timed_h11_protocol): a request head must arrive within 10 s
    # and its body within 20 s more, an idle keep-alive connection is closed after 5 s (half-open
    # sockets do not pile up); heads over 16 KiB get 431, a chunk over 64 KiB 413; at 1,000
    # connections a new one closes the one waiting longest on its client; on SIGTERM, requests
    # still running after 3 s are cancelled (their projections with them), one log line each.
    uvicorn.run(
        app_,
        host=host,
        port=port,
        http=timed_h11_protocol(10.0),
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=16 * 1024,
        limit_concurrency=1000,
        backlog=1024,
        timeout_graceful_shutdown=3,
    )


@app.command("report")
@handle_errors
def report_cmd(
    year: YearArg,
    out: Annotated[Path, typer.Option("--out", help="Folder for index.html (created if needed).")],
    train: Annotated[
        str | None,
        typer.Option(
            "--train",
            help="Add a projection of round 2 with transfers learnt from earlier elections: all, "
            "a year, or years such as 2012,2017.",
        ),
    ] = None,
    sims: SimsOpt = 5000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the projection.")] = 1,
    store: StoreOpt = None,
) -> None:
    """Write a self-contained offline HTML report of YEAR (hemicycle, map, cartogram, seat tables,
    round-1 facts; other systems; with --train, a projection) to OUT/index.html."""
    from hemicycle.report.html import write_report

    with _open(store) as st:
        years = st.prepare(year, train)
        path = write_report(year, out, session=st, train=years, sims=sims, seed=seed, progress=True)
    console.print(f"[green]✓[/] report → {escape(str(path))} ({path.stat().st_size / 1e6:.1f} MB)")


# ------------------------------------------------------------------------ election night


@app.command("live")
@handle_errors
def live_cmd(
    year: YearArg,
    round_: Annotated[int, typer.Option("--round", help="The round of the night: 1 or 2.")] = 2,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="The Ministry's XML feed or a CSV drop: a folder or a URL (not with --replay).",
        ),
    ] = None,
    every: Annotated[
        str,
        typer.Option("--every", help="Time between polls: 30s, 2m, … (night time in a replay)."),
    ] = "30s",
    lineup: Annotated[
        Path | None,
        typer.Option("--lineup", help="CSV `constituency,panel`: the round-2 lineup it names."),
    ] = None,
    sims: SimsOpt = 100_000,
    seed: FreshSeedOpt = None,
    replay: Annotated[
        bool, typer.Option("--replay", help="Play YEAR's official round back as a night.")
    ] = False,
    speed: Annotated[
        float, typer.Option("--speed", help="Replay speed: night seconds per second.")
    ] = 60.0,
    order: Annotated[
        str,
        typer.Option("--order", help="Replay declaration order: random, overseas-first or size."),
    ] = "overseas-first",
    polls: Annotated[
        int | None,
        typer.Option("--polls", help="Stop after this many polls (default: all declared, Ctrl-C)."),
    ] = None,
    live_store: Annotated[
        Path | None,
        typer.Option("--live-store", help="DuckDB file keeping the live tables (default: memory)."),
    ] = None,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve", help="Show round 2's night in the dashboard (/night) instead of printing it."
        ),
    ] = False,
    host: Annotated[
        str, typer.Option(help="With --serve: interface to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="With --serve: TCP port.", min=1, max=65535)] = 8000,
    store: StoreOpt = None,
) -> None:
    """Election night: follow the count as constituencies are declared, and call the races.

    Polls the results feed (or replays YEAR's official files), ingests each poll, prints "N of M
    declared", the seat projection conditioned on the declared runoffs (90 % intervals) and each
    race called at 0.995 with its time; with --round 1, the law's decisions as constituencies
    complete round 1. Failures are one-line warnings; Ctrl-C stops. With --serve, the night runs
    behind the dashboard, whose night view (/night) follows it."""
    import numpy as np

    from hemicycle.live import runner
    from hemicycle.live.feed import Reference, open_feed
    from hemicycle.live.setup import prepare

    _check_live_options(round_, replay, source, order, speed, polls, serve)
    wait = runner.parse_every(every)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    with _open(store) as st:
        if round_ == 2:
            st.prepare(year, "all")
            err.print(f"Simulating {sims:,} elections of {year}'s round 2…")
            prep = prepare(year, st.store, sims=sims, seed=seed, lineup=lineup)
            election = prep.election
            night = runner.RoundTwo(prep.election, prep.night, prep.standing)
        else:
            st.prepare(year)
            election, night = st.load(year), None
        path = st.path
    ref = Reference.from_election(election, round_)
    total = len(ref.panels) - len(ref.decided)
    state = runner.open_state(live_store, year, round_)
    snaps = runner.replay_polls(election, order, wait, rng=rng, round_=round_) if replay else None
    feed = None if replay else open_feed(str(source), ref)
    pace = wait / speed if replay else wait
    if serve:
        assert night is not None
        what = (
            f"a replay of {year} ({order}, {speed:g}× real time)"
            if replay
            else f"the count from {source}"
        )
        _serve_night(
            night,
            lambda stop: runner.poll_reports(
                state, snaps=snaps, feed=feed, wait=pace, total=total, polls=polls, stop=stop
            ),
            what=what,
            store=path,
            host=host,
            port=port,
        )
        return
    seen: set[str] = set()
    n = 0
    try:
        for at, report in runner.poll_reports(
            state, snaps=snaps, feed=feed, wait=pace, total=total, polls=polls
        ):
            n += 1
            if night is not None:
                frame = night.step(report, at)
                for msg in frame.failures:
                    err.print(Text.assemble(("warning:", "yellow"), " ", msg), highlight=False)
                if frame.updated:
                    _live_frame(frame)
            else:
                _round1_poll(report, at, n == 1, total, election, seen)
    except KeyboardInterrupt:
        err.print(f"stopped after poll {n}")


def _check_live_options(
    round_: int,
    replay: bool,
    source: str | None,
    order: str,
    speed: float,
    polls: int | None,
    serve: bool,
) -> None:
    """``hemicycle live``'s options, each refused in one sentence."""
    from hemicycle.errors import OptionError
    from hemicycle.live.replay import ORDERS

    if round_ not in (1, 2):
        raise OptionError(f"--round must be 1 or 2; got {round_}")
    if replay == (source is not None):
        raise OptionError("give either --source DIR_OR_URL or --replay")
    if order not in ORDERS:
        raise OptionError(f"unknown --order {order!r}; allowed: {', '.join(ORDERS)}")
    if not speed > 0:
        raise OptionError(f"--speed must be positive; got {speed}")
    if polls is not None and polls < 1:
        raise OptionError(f"--polls must be a positive integer; got {polls}")
    if serve and round_ != 2:
        raise OptionError("--serve shows round 2's night: use --round 2")


def _round1_poll(
    report: Any, at: str, first: bool, total: int, election: Any, seen: set[str]
) -> None:
    """One poll of round 1's night: the count, and the law's decision for each constituency
    newly complete (elected, or who goes through); ``seen`` the constituencies already told."""
    from hemicycle.live import runner

    for msg in (f.message for f in report.failures):
        err.print(Text.assemble(("warning:", "yellow"), " ", msg), highlight=False)
    new = [c for c in report.snapshot.counts if c.final and c.constituency not in seen]
    if new or first:
        console.print(
            f"[bold]{at}[/]  {len(report.snapshot.declared)} of {total} declared",
            highlight=False,
        )
    for d in runner.round1_decisions(new, election.year):
        seen.add(d.constituency)
        who = d.qualified if d.elected is None else (d.elected,)
        names = ", ".join(escape(runner.candidate_name(election, d.constituency, p)) for p in who)
        console.print(f"  {d.constituency} {d.kind}: {names}", highlight=False)


def _serve_night(
    night: Any,
    reports: Callable[[Callable[[], bool]], Iterator[tuple[str, Any]]],
    *,
    what: str,
    store: Path,
    host: str,
    port: int,
) -> None:
    """Run round 2's night (``night``: a RoundTwo, fed by ``reports(stop)``) in a background
    thread and serve the dashboard, whose night view (/night) polls ``/api/live``; Ctrl-C or
    SIGTERM stops both."""
    import threading

    import uvicorn

    from hemicycle.web import create_app
    from hemicycle.web.guard import allowed_hosts_for, timed_h11_protocol
    from hemicycle.web.night import NightBoard, follow

    board = NightBoard(night.election.year, source=what, total=night.total)
    stop = threading.Event()
    hosts = allowed_hosts_for(host)
    app_ = create_app(
        store,
        prefit=False,
        allowed_hosts=sorted(hosts) if hosts is not None else ["*"],
        night=board,
    )
    frames = (night.step(report, at) for at, report in reports(stop.is_set))
    thread = threading.Thread(
        target=follow, args=(board, frames), name="hemicycle-night", daemon=True
    )
    console.print(
        f"Election night of {night.election.year}: {escape(what)}; "
        f"watch it on http://{host}:{port}/night",
        highlight=False,
    )
    thread.start()
    try:
        uvicorn.run(
            app_,
            host=host,
            port=port,
            http=timed_h11_protocol(10.0),
            timeout_keep_alive=5,
            h11_max_incomplete_event_size=16 * 1024,
            limit_concurrency=1000,
            backlog=1024,
            timeout_graceful_shutdown=3,
        )
    finally:
        stop.set()  # the night stops before its next poll (a daemon thread: it never holds exit)


def _live_frame(frame: Any) -> None:
    """One poll of round 2's night: the count, the seats per bloc and the new calls."""
    console.print(f"[bold]{frame.at}[/]  {frame.headline()}", highlight=False)
    for bloc, s in frame.seats.items():
        if s["hi"] <= 0:
            continue
        console.print(
            f"  {bloc:<12}{s['mean']:6.1f}  [{s['lo']:.0f}–{s['hi']:.0f}]"
            f"  P(majority) {s['p_majority']:.2f}",
            highlight=False,
        )
    for c in frame.calls:
        console.print(
            f"  called {c.constituency}: {escape(c.candidate)} ({c.bloc}) "
            f"p={c.probability:.3f} at {c.at}",
            highlight=False,
        )


def _flowing_summaries(*apps: typer.Typer) -> None:
    """Give every command its docstring's first paragraph as one flowing line for the command
    lists: rich markup keeps a docstring's line breaks there (not on the command's own page), which
    cut summaries at the source's wrapping."""
    for group in apps:
        for info in group.registered_commands:
            doc = info.callback.__doc__ if info.callback is not None else None
            if info.short_help is None and doc:
                info.short_help = " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())


_flowing_summaries(app, data_app)


def run() -> None:  # pragma: no cover - console entry point alias
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    app()
