"""The CLI's output as a newsroom reads it (issue #11): every command fits 80 columns, however
wide the terminal; the text hemicycle is labelled when piped; the terminal colours stay apart on
dark and light themes; claims print their verdict in words; `compare --list` needs no year."""

from __future__ import annotations

import functools
import itertools
import math
import re
from pathlib import Path

import pytest
from rich.color import Color, ColorSystem
from typer.testing import CliRunner

from hemicycle import cli
from hemicycle.cli import app
from hemicycle.report.text import COLOURS, GLYPHS, hemicycle, seat_bar
from hemicycle.sim import backtest as bt
from published import BLOCS_2024

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()

COMMANDS = [
    ["replay", "2024"],
    ["replay", "2024", "--no-hemicycle"],
    ["replay", "2022"],
    ["data", "status"],
    ["data", "quirks", "2024"],
    ["transfers", "--train", "2017"],
    ["transfers"],
    ["project", "2024", "--sims", "300", "--seed", "1", "--no-progress"],
    ["backtest", "--targets", "2012,2024", "--sims", "300"],
    ["project", "2024", "--train", "2017", "--sims", "300", "--seed", "1", "--no-progress"],
    ["evaluate", "2024", "--train", "2017", "--sims", "300", "--no-progress"],
    ["report", "2024", "--out", "{tmp}"],
    ["data", "ingest", "2024"],
    ["compare", "2024"],
    ["compare", "2024", "--unit", "bloc", "--systems", "actual,plurality,dhondt"],
    ["compare", "--list"],
    ["coalitions", "2024"],
    ["coalitions", "2024", "--unit", "nuance"],
    ["claims", str(EXAMPLES / "claims-2024.toml")],
]
NO_STORE = {("compare", "--list")}
#: The nested back-test searches this grid here instead of :data:`~hemicycle.sim.backtest.GRID`
#: (2 combinations instead of 16, on every target): the same priors, each at its widest value
#: (``balancing=0.04, half_life=2, presidential=1`` is as wide as any combination of the grid), so
#: the output's layout is the same; only the layout is checked here.
SMALL_GRID = {"balancing": (0.0, 0.04), "half_life": (2.0,), "presidential": (1.0,)}


def _run(args: list[str], store: Path | None, width: int = 200) -> str:
    """Run one command as in a terminal ``width`` columns wide (the CLI caps its output at 80)."""
    cli.console.width = width
    cli.err.width = width
    extra = [] if store is None or tuple(args) in NO_STORE else ["--store", str(store)]
    res = runner.invoke(app, [*args, *extra], catch_exceptions=False, env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    return res.output


def _too_wide(text: str) -> list[str]:
    return [line for line in text.splitlines() if len(line) > cli.MAX_WIDTH]


def test_the_small_grid_prints_as_wide_as_the_grid() -> None:
    """What lets the 80-column check search :data:`SMALL_GRID`: the same priors, and for each the
    widest value the grid prints."""

    def widest(values: tuple[float, ...]) -> int:
        return max(len(f"{v:g}") for v in values)

    assert list(SMALL_GRID) == list(bt.GRID)
    assert all(widest(SMALL_GRID[k]) == widest(v) for k, v in bt.GRID.items())


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_every_command_fits_80_columns(
    store_path: Path, tmp_path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        bt, "nested_backtest", functools.partial(bt.nested_backtest, spec=SMALL_GRID)
    )
    out = _run([a.replace("{tmp}", str(tmp_path)) for a in args], store_path)
    assert out.strip()
    assert _too_wide(out) == []


@pytest.mark.parametrize(
    "command",
    [[], *[[c.name] for c in app.registered_commands], ["data", "ingest"], ["data", "status"]],
    ids=lambda a: " ".join(a) or "top",
)
def test_every_help_fits_80_columns(command: list[str]) -> None:
    res = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert _too_wide(res.output) == []


@pytest.mark.parametrize("command", ["replay", "project", "evaluate", "compare", "coalitions"])
def test_year_help_names_every_year_of_the_registry(command: str) -> None:
    """The help's year list comes from the registry: it once said "2017, 2022 or 2024" after
    1997–2012 were added."""
    from hemicycle.data.files import YEARS

    res = runner.invoke(app, [command, "--help"], env={"COLUMNS": "80"})
    text = re.sub(r"[\s│]+", " ", res.output)
    listed = re.search(r"Election year: ([0-9, or]+)", text)
    assert listed is not None, text
    assert [int(y) for y in re.findall(r"\d{4}", listed.group(1))] == list(YEARS)


def test_command_list_flows_each_summary() -> None:
    """The command list once cut summaries where the docstrings wrap ("checked against the" at the
    end of a line, at any width): each summary must fill the lines it is given."""
    for args in ([], ["data"]):
        res = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "200"})
        rows = [r.strip("│ ") for r in res.output.splitlines() if r.startswith("│")]
        assert any(r.startswith("replay ") or r.startswith("fetch ") for r in rows), res.output
        # 200 columns hold every summary on one row: no row is a continuation
        continued = [r for r in rows if r and not re.match(r"(-|\w+ )", r)]
        assert continued == [], res.output


def test_help_keeps_the_brackets_of_the_extra() -> None:
    res = runner.invoke(app, ["project", "--help"], env={"COLUMNS": "80"})
    assert "hemicycle[ei]" in res.output.replace("\n", "").replace("│", "").replace(" ", "")


def test_compare_list_needs_no_year_and_names_every_system() -> None:
    out = _run(["compare", "--list"], None)
    from hemicycle.systems import SYSTEMS

    for name in SYSTEMS:
        assert re.search(rf"^{name}\b", out, re.M), name
    res = runner.invoke(app, ["compare"], env={"COLUMNS": "80"})
    assert res.exit_code == 1 and "compare needs a YEAR" in res.output


def test_compare_shows_every_system_name_whole(store_path: Path) -> None:
    out = _run(["compare", "2024"], store_path)
    for name in (
        "two_round_expressed",
        "two_round_top_two",
        "two_round_no_withdrawals",
        "majority_bonus",
    ):
        assert name in out
    assert "…" not in out


def test_project_lists_closest_races_with_labels(store_path: Path) -> None:
    out = _run(
        ["project", "2024", "--train", "2017", "--sims", "300", "--seed", "1", "--no-progress"],
        store_path,
    )
    rows = re.findall(r"^(\d[0-9AB]\d{2,3})\s+(\S.*?\d+)\s{2,}", out, re.M)
    assert len(rows) == 10 and all(label for _, label in rows)


def test_claims_print_the_verdict_in_words(store_path: Path) -> None:
    out = _run(["claims", str(EXAMPLES / "claims-2024.toml")], store_path)
    assert re.search(r"TRUE\s+— No nuance has an absolute majority", out)
    assert "(expected false)" not in out and "✓ false" not in out
    assert (
        "docs/claims.md" in runner.invoke(app, ["claims", "--help"], env={"COLUMNS": "80"}).output
    )


def test_piped_hemicycle_labels_its_parts(store_path: Path) -> None:
    out = _run(["replay", "2024"], store_path)  # CliRunner is not a terminal: no colour
    body, _, _ = out.partition("▲ 289")
    art = "\n".join(line for line in body.splitlines() if re.fullmatch(r"[ XLCRFGO]+", line or "-"))
    for bloc, n in BLOCS_2024.items():
        assert art.count(GLYPHS[bloc]) >= n  # the hemicycle (and the bar) draw each bloc's letter
    for words in ("L left 193", "C centre 165", "F far right 143", "G regionalist 9", "O other 1"):
        assert words in out


def test_text_hemicycle_seats_left_to_right_with_the_sides() -> None:
    seats = {
        "regionalist": 9,
        "left": 193,
        "centre": 165,
        "right": 66,
        "far_right": 143,
        "other": 1,
    }
    art = str(hemicycle(seats, colour=False)).splitlines()
    assert max(len(line) for line in art) <= 80
    assert sum(line.count(g) for line in art[:-2] for g in "XLCRFGO") == 577
    bottom = art[-3] if "·" in art[-2] else art[-2]
    assert (
        bottom.strip()[0] in "GL" and bottom.strip()[-1] in "FO"
    )  # regionalists left, others right
    bar = str(seat_bar(seats, width=76, colour=False)).splitlines()[0]
    assert (
        bar.startswith("G") and bar.rstrip(".")[-1] in "FO"
    )  # one seat of 577 may round to nothing


# ----- terminal colours on dark and light themes --------------------------------------------------


def _rgb(name: str) -> tuple[int, int, int]:
    c = Color.parse(name).get_truecolor()
    return c.red, c.green, c.blue


def _luminance(rgb: tuple[int, int, int]) -> float:
    def lin(v: int) -> float:
        x = v / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _lab(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    def lin(v: int) -> float:
        x = v / 255
        return x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(v) for v in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


@pytest.mark.parametrize(
    ("theme", "background"),
    [("dark", (0, 0, 0)), ("dark grey", (30, 30, 30)), ("light", (255, 255, 255))],
)
def test_terminal_colours_read_on_dark_and_light_themes(
    theme: str, background: tuple[int, int, int]
) -> None:
    for bloc, name in COLOURS.items():
        assert _contrast(_rgb(name), background) >= 3.0, (theme, bloc, name)


def test_terminal_colours_stay_apart() -> None:
    for (a, ca), (b, cb) in itertools.combinations(COLOURS.items(), 2):
        assert math.dist(_lab(_rgb(ca)), _lab(_rgb(cb))) >= 20, (a, b)
    # a 16-colour terminal (rich falls back to the ANSI colours, which themes redefine): 7 distinct
    ansi = {b: Color.parse(c).downgrade(ColorSystem.STANDARD).number for b, c in COLOURS.items()}
    assert len(set(ansi.values())) == len(ansi), ansi
    assert ansi["right"] != ansi["far_right"] and ansi["regionalist"] != ansi["other"]


def test_many_quirks_are_summed_up_with_where_to_read_them(capsys) -> None:
    """A first ingest of 2012 finds 157 quirks: the first ten are listed, then a count per year and
    the command that lists them all, not 300 lines of warnings."""
    import warnings

    from hemicycle.data.store import DataQuirkWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(13):
            year = 2012 if i < 9 else 2024
            warnings.warn(
                DataQuirkWarning(f"{year} f.csv {i:04d}: sum off by {i + 1}", year), None, 1
            )
        warnings.warn("something else", UserWarning, 1)
    cli._report_warnings(caught)
    out = capsys.readouterr().err
    lines = out.splitlines()
    assert lines[0] == (
        f"13 data quirk(s) in the official files (kept as published); the first {cli.QUIRKS_SHOWN}:"
    )
    listed = [ln for ln in lines if ln.startswith("  • ")]
    assert [ln.split(": ")[0] for ln in listed] == [
        f"  • {2012 if i < 9 else 2024} f.csv {i:04d}" for i in range(cli.QUIRKS_SHOWN)
    ]
    assert (
        "… 3 more; all of them: `hemicycle data quirks 2012` (9), `hemicycle data quirks 2024` (4)"
    ) in " ".join(out.split())  # rich folds the line at the terminal's width
    assert lines[-1] == "warning: something else"


def test_a_few_quirks_are_all_listed(capsys) -> None:
    import warnings

    from hemicycle.data.store import DataQuirkWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(cli.QUIRKS_SHOWN):
            warnings.warn(DataQuirkWarning(f"2017 f.csv {i:04d}: off", 2017), None, 1)
    cli._report_warnings(caught)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == (
        f"{cli.QUIRKS_SHOWN} data quirk(s) in the official files (kept as published):"
    )
    assert len([ln for ln in lines if ln.startswith("  • ")]) == cli.QUIRKS_SHOWN
    assert not any("more" in ln for ln in lines)


def test_terminal_messages_escape_control_characters(capsys: pytest.CaptureFixture[str]) -> None:
    """An error or quirk that quotes a source (a double-encoded name's U+0087, from a store
    ingested before quirks were escaped at the source) never sends a control to the terminal."""
    import typer

    with pytest.raises(typer.Exit):
        cli._fail("round-2 candidate FRAN\u00c3\u0087OIS matches no round-1 candidate")
    out = capsys.readouterr().err
    assert "FRANÃ\\x87OIS" in out and "\x87" not in out
