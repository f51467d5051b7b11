"""Faults in the data path: an ingest killed mid-way, and malformed official files (figures only,
no assertion; bounded).

    python benchmarks/bench_faults_data.py [--kills 20] [--year 2022] [--seed 0]

* **kill -9 during ingest**: a private copy of a store holding YEAR from the original files; a
  mirror whose files differ (a constituency renamed, so the content differs);
  ``hemicycle data ingest YEAR --force`` is started on the copy and killed with SIGKILL after a
  random delay (uniform over an uninterrupted run's duration). Then the store must open (read-write,
  then read-only) and hold either the old or the new content, never a mix. ``n of n recovered``.
* **malformed inputs**: every layout of the synthetic sample (``tests/data``) damaged in a dozen
  ways (truncation, a flipped byte, another encoding, byte-order marks, a dropped or swapped
  column, impossible or enormous counts, a duplicated or missing row, garbage, an empty file),
  each ingested through the command line (``data ingest --force``): a clean refusal is exit 1 with
  one ``error:`` line and the store unchanged; an accepted file must leave consistent data; any
  traceback or other exception is counted.

YEAR's files come from ``HEMICYCLE_DATA`` when it has them (the official files: a longer
transaction to hit), else from the synthetic sample.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import csv
import hashlib
import importlib.util
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from hemicycle.data import sources
from hemicycle.data.files import FILES, OfficialFile, files_for
from hemicycle.data.store import DATA_TABLES, Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data"
CLI = "import sys\nfrom hemicycle.cli import app\nsys.argv[0] = 'hemicycle'\napp()\n"


def fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    with Store(path, read_only=True) as s:
        for t in DATA_TABLES:
            q = (
                f"SELECT * EXCLUDE (ingested_at) FROM {t} ORDER BY ALL"
                if t == "sources"
                else f"SELECT * FROM {t} ORDER BY ALL"
            )
            h.update(s.query(q).to_csv().encode())
    return h.hexdigest()


def _env(mirror: Path, cache: Path) -> dict[str, str]:
    env = dict(os.environ, HEMICYCLE_DATA=str(mirror), HEMICYCLE_CACHE=str(cache))
    env.pop("HEMICYCLE_STORE", None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


def _ingest(year: int, store: Path) -> list[str]:
    """The command line of a forced ingest of ``year`` into ``store`` (this checkout's CLI)."""
    return [
        sys.executable,
        "-c",
        CLI,
        "data",
        "ingest",
        str(year),
        "--force",
        "--store",
        str(store),
    ]


def _source(year: int) -> Path:
    """The mirror (``HEMICYCLE_DATA``) when it holds the year's round 1, else the synthetic
    sample of ``tests/data``."""
    found = sources.find_local(year, 1, "results") if sources.mirror_dir() else None
    return found[1].parents[1] if found else SAMPLE


def _rename_a_constituency(path: Path) -> None:
    """Change the year's content without making it wrong: the name of the first "1ère
    circonscription" gets a capital N (in the text, or in a workbook's shared strings)."""
    raw = path.read_bytes()
    if path.suffix.lower() == ".xlsx":
        import zipfile

        with zipfile.ZipFile(path) as zin:
            items = [(i, zin.read(i.filename)) for i in zin.infolist()]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
            for info, data in items:
                if info.filename.endswith("sharedStrings.xml"):
                    data = data.replace(b"re circonscription", b"re circonscriptioN", 1)
                zout.writestr(info, data)
        return
    path.write_bytes(raw.replace(b"re circonscription", b"re circonscriptioN", 1))


def bench_kills(n: int, year: int, seed: int) -> tuple[int, int, int, int, float]:
    """(runs, recovered as old, recovered as new, not recovered, uninterrupted seconds)."""
    rng = random.Random(seed)
    src = _source(year)
    with tempfile.TemporaryDirectory(prefix="hc-kill-") as tmp:
        t = Path(tmp)
        old, new = t / "old", t / "new"
        for m in (old, new):
            (m / str(year)).mkdir(parents=True)
            for f in (src / str(year)).iterdir():
                if f.is_file():
                    shutil.copy(f, m / str(year) / f.name)
            if (src / "SAMPLE.md").is_file():
                shutil.copy(src / "SAMPLE.md", m / "SAMPLE.md")
        results = [
            e for e in files_for(year, 1, "results") if (new / str(year) / e.name).is_file()
        ][0]
        _rename_a_constituency(new / str(year) / results.name)
        base = t / "base.duckdb"
        fps = {}
        for label, mirror in (("new", new), ("old", old)):  # base ends holding the old content
            subprocess.run(
                _ingest(year, base),
                env=_env(mirror, t / "cache"),
                check=True,
                capture_output=True,
            )
            fps[label] = fingerprint(base)
        assert fps["old"] != fps["new"], "the two mirrors must give different contents"
        t0 = time.perf_counter()
        copy = t / "run.duckdb"
        shutil.copy(base, copy)
        subprocess.run(
            _ingest(year, copy),
            env=_env(new, t / "cache"),
            check=True,
            capture_output=True,
        )
        full = time.perf_counter() - t0
        got_old = got_new = bad = 0
        for _ in range(n):
            copy = t / "run.duckdb"
            for f in t.glob("run.duckdb*"):
                f.unlink()
            shutil.copy(base, copy)
            proc = subprocess.Popen(
                _ingest(year, copy),
                env=_env(new, t / "cache"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0, full))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            try:
                with Store(copy):
                    pass  # opens read-write: replays or discards the WAL
                fp = fingerprint(copy)
                with Store.for_reading(copy) as s:
                    s.years()
            except Exception as exc:  # noqa: BLE001 - a figure: what did not recover, and why
                print(f"  not recovered: {exc.__class__.__name__}: {exc}")
                bad += 1
                continue
            if fp == fps["old"]:
                got_old += 1
            elif fp == fps["new"]:
                got_new += 1
            else:
                print("  not recovered: the store holds neither the old nor the new content")
                bad += 1
        return n, got_old, got_new, bad, full


# ----- malformed inputs ---------------------------------------------------------------------------


def _write_xlsx():  # noqa: ANN202
    if "make_synthetic" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "make_synthetic", SAMPLE / "make_synthetic.py"
        )
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules["make_synthetic"] = mod
        spec.loader.exec_module(mod)
    return sys.modules["make_synthetic"].write_xlsx


def _cells(path: Path, edit: Callable[[list[list[object]]], None]) -> None:
    """Edit the cells of a file (workbook: its last sheet; text: ;-separated) and write it back."""
    if path.suffix.lower() == ".xlsx":
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        sheets = [
            (s, [list(r) for r in wb.get_sheet_by_name(s).to_python(skip_empty_area=False)])
            for s in wb.sheet_names
        ]
        edit(sheets[-1][1])
        _write_xlsx()(path, sheets)
        return
    raw = path.read_bytes()
    nl = b"\r\n" if b"\r\n" in raw else b"\n"
    enc = "utf-8"
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError:
        enc = "latin-1"
        text = raw.decode(enc)
    first = text.split(nl.decode(), 1)[0]
    if first.count(",") > first.count(";"):  # the CDSP's tables: comma-separated, quoted
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
        edit(rows)
        out = io.StringIO()
        csv.writer(out, lineterminator=nl.decode()).writerows(rows)
        path.write_bytes(out.getvalue().encode(enc))
        return
    rows = [line.split(";") for line in text.split(nl.decode())]
    edit(rows)
    path.write_bytes(nl.join(";".join(str(c) for c in r).encode(enc) for r in rows))


def _header_index(rows: list[list[object]]) -> int:
    return next(i for i, r in enumerate(rows) if sum(1 for c in r if str(c).strip()) > 5)


def _col(rows: list[list[object]], *names: str) -> int:
    h = [str(c).strip().strip('"') for c in rows[_header_index(rows)]]
    for n in names:
        if n in h:
            return h.index(n)
    return len(h) // 2


def _set(rows: list[list[object]], names: tuple[str, ...], value: object) -> None:
    i = _header_index(rows) + 1
    c = _col(rows, *names)
    while len(rows[i]) <= c:
        rows[i].append("")
    rows[i][c] = value


def _drop(rows: list[list[object]], c: int) -> None:
    for x in rows:
        if len(x) > c:
            del x[c]


VOTES = ("Voix", "Voix 1")
DAMAGES: dict[str, Callable[[Path, random.Random], None]] = {
    "truncated half": lambda p, r: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "truncated anywhere": lambda p, r: p.write_bytes(
        p.read_bytes()[: r.randrange(p.stat().st_size)]
    ),
    "flipped byte": lambda p, r: p.write_bytes(
        (lambda b, i: b[:i] + bytes([b[i] ^ r.randrange(1, 256)]) + b[i + 1 :])(
            p.read_bytes(), r.randrange(p.stat().st_size)
        )
    ),
    "empty file": lambda p, r: p.write_bytes(b""),
    "garbage": lambda p, r: p.write_bytes(bytes(r.randrange(256) for _ in range(4096))),
    "UTF-16": lambda p, r: p.write_bytes(p.read_bytes().decode("latin-1").encode("utf-16")),
    "UTF-8 BOM": lambda p, r: p.write_bytes(codecs.BOM_UTF8 + p.read_bytes()),
    "dropped column": lambda p, r: _cells(
        p, lambda rows: _drop(rows, _col(rows, "Inscrits", "Nom du candidat"))
    ),
    "swapped Inscrits/Abstentions": lambda p, r: _cells(
        p,
        lambda rows: rows[_header_index(rows)].__setitem__(
            slice(None),
            [
                {"Inscrits": "Abstentions", "Abstentions": "Inscrits"}.get(str(c), c)
                for c in rows[_header_index(rows)]
            ],
        ),
    ),
    "votes 10^23": lambda p, r: _cells(
        p, lambda rows: _set(rows, VOTES + ("Numéro de panneau",), "99999999999999999999999")
    ),
    "votes -5": lambda p, r: _cells(p, lambda rows: _set(rows, VOTES + ("Numéro de panneau",), -5)),
    "votes > inscrits": lambda p, r: _cells(
        p, lambda rows: _set(rows, VOTES + ("Date de naissance du candidat",), 900000)
    ),
    "duplicated row": lambda p, r: _cells(
        p, lambda rows: rows.insert(_header_index(rows) + 1, list(rows[_header_index(rows) + 1]))
    ),
    "missing row": lambda p, r: _cells(p, lambda rows: rows.pop(_header_index(rows) + 1)),
}


def layouts() -> list[OfficialFile]:
    return [
        e
        for e in FILES
        if e.role in ("results", "candidacies") and (SAMPLE / str(e.year) / e.name).is_file()
    ]


def bench_malformed(seed: int, *, verbose: bool = False) -> dict[str, int]:
    from typer.testing import CliRunner

    from hemicycle.cli import app

    rng = random.Random(seed)
    counts = {
        "tried": 0,
        "refused, one line": 0,
        "accepted": 0,
        "tracebacks": 0,
        "several lines": 0,
        "store changed": 0,
    }
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory(prefix="hc-bad-") as tmp:
        t = Path(tmp)
        os.environ["HEMICYCLE_CACHE"] = str(t / "cache")
        for entry in layouts():
            mirror = t / "mirror"
            shadow = [e.name for e in files_for(entry.year, entry.round, entry.role)]  # type: ignore[arg-type]
            shadow = shadow[: shadow.index(entry.name)]
            store = t / f"{entry.year}-{entry.name}.duckdb"
            for name, damage in DAMAGES.items():
                if mirror.exists():
                    shutil.rmtree(mirror)
                (mirror / str(entry.year)).mkdir(parents=True)
                shutil.copy(SAMPLE / "SAMPLE.md", mirror / "SAMPLE.md")
                for f in (SAMPLE / str(entry.year)).iterdir():
                    if f.is_file() and f.name not in shadow:
                        shutil.copy(f, mirror / str(entry.year) / f.name)
                os.environ["HEMICYCLE_DATA"] = str(mirror)
                if not store.exists():
                    CliRunner().invoke(
                        app, ["data", "ingest", str(entry.year), "--store", str(store)]
                    )
                before = fingerprint(store)
                try:
                    damage(mirror / str(entry.year) / entry.name, rng)
                except Exception as exc:  # noqa: BLE001 - this damage does not apply to this layout
                    print(f"  skipped {name} on {entry.name}: {exc.__class__.__name__}")
                    continue
                counts["tried"] += 1
                res = CliRunner().invoke(
                    app, ["data", "ingest", str(entry.year), "--force", "--store", str(store)]
                )
                errors = [ln for ln in res.output.splitlines() if ln.startswith("error: ")]
                if res.exception is not None and not isinstance(res.exception, SystemExit):
                    counts["tracebacks"] += 1
                    print(f"  traceback: {name} on {entry.name}: {res.exception!r}")
                elif res.exit_code == 0:
                    counts["accepted"] += 1
                    if verbose:
                        print(f"  accepted: {name} on {entry.name}")
                elif len(errors) == 1:
                    counts["refused, one line"] += 1
                    if fingerprint(store) != before:
                        counts["store changed"] += 1
                else:
                    counts["several lines"] += 1
                    print(f"  not one line: {name} on {entry.name}: {res.output!r}")
    return counts


# ----- hostile data, outputs and processes (issue #26, round two) --------------------------------
#
# Every probe runs in a subprocess on the code of ``src`` (this tree's, or ``--before SRC``'s), so
# that the two can be compared on the same machine. Bounded: counts, timeouts, rlimits.

HERE_SRC = ROOT / "src"
T1_2022 = "resultats-par-niveau-cirlg-t1-france-entiere.txt"
T2_2022 = "resultats-par-niveau-cirlg-t2-france-entiere.txt"
#: Names poisoned into the sample's 2022 round 1: (row, column, value); 19 fixed columns, then 9
#: per candidate (N°Panneau, Sexe, Nom, Prénom, …).
POISON = [
    (1, 21, "=HYPERLINK(1)"),
    (1, 31, "@SUM(A1)"),
    (1, 39, "-2+3"),
    (2, 21, "+33 6"),
    (2, 31, "=cmd|' /C calc'!A0"),
]


def _hostile_env(src: Path, mirror: Path, cache: Path) -> dict[str, str]:
    env = dict(os.environ, HEMICYCLE_DATA=str(mirror), HEMICYCLE_CACHE=str(cache))
    env.pop("HEMICYCLE_STORE", None)
    env["PYTHONPATH"] = str(src)
    return env


def _limits(fsize: int | None = None, memory: int | None = None) -> Callable[[], None]:
    import resource

    def apply() -> None:
        if fsize is not None:  # a disk that fills up: writes past ``fsize`` bytes fail (EFBIG)
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        if memory is not None:  # the machine is shared: a runaway read stops at ``memory``
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return apply


def _py(
    src: Path,
    mirror: Path,
    cache: Path,
    argv: list[str],
    *,
    fsize: int | None = None,
    memory: int | None = 4 * 2**30,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [sys.executable, *argv],
            env=_hostile_env(src, mirror, cache),
            preexec_fn=_limits(fsize, memory),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(exc.cmd, 124, "", "timeout")


def _outcome(res: subprocess.CompletedProcess[str]) -> str:
    """``ok``, ``one line`` (exit 1, one ``error:`` line), ``traceback`` or ``other``."""
    text = res.stdout + res.stderr
    if "Traceback" in text:
        return "traceback"
    if res.returncode == 0:
        return "ok"
    if res.returncode == 1 and sum(ln.startswith("error:") for ln in text.splitlines()) == 1:
        return "one line"
    return "other"


def _sample_mirror(t: Path, years: tuple[int, ...] = (2022,)) -> Path:
    mirror = t / "mirror"
    if mirror.exists():
        shutil.rmtree(mirror)
    for y in years:
        shutil.copytree(SAMPLE / str(y), mirror / str(y))
    shutil.copy(SAMPLE / "SAMPLE.md", mirror / "SAMPLE.md")
    return mirror


def _poison(mirror: Path) -> None:
    path = mirror / "2022" / T1_2022
    rows = [line.split(b";") for line in path.read_bytes().split(b"\r\n")]
    for r, c, v in POISON:
        rows[r][c] = v.encode("latin-1")
    path.write_bytes(b"\r\n".join(b";".join(r) for r in rows))


_NEWSROOM = """
import sys
from hemicycle import session as hs
from hemicycle.web import newsroom
with hs.Session(sys.argv[1], ingest="never") as s:
    rep = s.replay(2022)
open(sys.argv[2], "wb").write(newsroom.results_csv(rep))
open(sys.argv[3], "wb").write(newsroom.constituencies_csv(rep))
"""


def _raw_formulas(path: Path) -> int:
    """Cells of a CSV that hold a poisoned name as written (a spreadsheet would run them)."""
    if not path.is_file():
        return -1
    names = {v for _, _, v in POISON}
    with open(path, newline="", encoding="utf-8") as fh:
        return sum(c in names for row in csv.reader(fh) for c in row)


def bench_formulas(src: Path) -> dict[str, str]:
    """Names that are spreadsheet formulas: quirks at ingest, cells written raw per output."""
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="hc-formula-") as tmp:
        t = Path(tmp)
        mirror = _sample_mirror(t)
        _poison(mirror)
        store, cache = t / "s.duckdb", t / "cache"
        _py(src, mirror, cache, ["-c", CLI, "data", "ingest", "2022", "--store", str(store)])
        with Store(store, read_only=True) as s:
            q = s.query("SELECT count(*) AS n FROM quirks WHERE kind = 'formula'")
        out["quirks at ingest (of 5 names)"] = str(int(q["n"].iloc[0]))
        w, r1 = t / "winners.csv", t / "round1.csv"
        _py(
            src,
            mirror,
            cache,
            ["-c", CLI, "replay", "2022", "--store", str(store), "--output", str(w)]
            + ["--round1-output", str(r1)],
        )
        res, con = t / "results.csv", t / "constituencies.csv"
        _py(src, mirror, cache, ["-c", _NEWSROOM, str(store), str(res), str(con)])
        for label, path in (
            ("replay --output", w),
            ("replay --round1-output", r1),
            ("results.csv", res),
            ("constituencies.csv", con),
        ):
            out[f"raw formula cells: {label}"] = str(_raw_formulas(path))
        node = shutil.which("node")
        if node is not None:
            static = src / "hemicycle" / "web" / "static"
            shutil.copy(static / "export.js", t / "export.js")
            (t / "charts.js").write_text("export const h = () => null;\n", encoding="utf-8")
            (t / "package.json").write_text('{"type": "module"}', encoding="utf-8")
            rows = ", ".join(f"[{json.dumps(v)}, 1]" for _, _, v in POISON)
            (t / "t.mjs").write_text(
                'import { csvText } from "./export.js";\n'
                f'process.stdout.write(csvText(["name", "n"], [{rows}]));\n',
                encoding="utf-8",
            )
            text = subprocess.run(
                [node, "t.mjs"], cwd=t, capture_output=True, text=True, timeout=60
            ).stdout
            (t / "dash.csv").write_text(text, encoding="utf-8")
            out["raw formula cells: dashboard CSV (export.js)"] = str(_raw_formulas(t / "dash.csv"))
    return out


_REPORT = """
import sys
from hemicycle.report import html
html.build_report = lambda *a, **k: "<p>" + "x" * 200_000 + "</p>"
html.write_report(2022, sys.argv[1], session=None, progress=False)
"""


def bench_full_disk(src: Path) -> dict[str, str]:
    """An output re-written on a disk that fills after 0, 64, 4096 or 100,000 bytes: is the
    previous file whole, is anything left behind, is the error one line?"""
    counts = Counter[str]()
    with tempfile.TemporaryDirectory(prefix="hc-full-") as tmp:
        t = Path(tmp)
        mirror = _sample_mirror(t)
        store, cache = t / "s.duckdb", t / "cache"
        _py(src, mirror, cache, ["-c", CLI, "data", "ingest", "2022", "--store", str(store)])
        for limit in (0, 64, 4096, 100_000):
            for kind in ("replay --output", "report"):
                out = t / f"out-{kind[:6]}-{limit}"
                out.mkdir()
                target = out / ("w.csv" if kind != "report" else "index.html")
                target.write_text("previous\n", encoding="utf-8")
                if kind == "report":
                    argv = ["-c", _REPORT, str(out)]
                else:
                    argv = ["-c", CLI, "replay", "2022", "--store", str(store)]
                    argv += ["--output", str(target)]
                res = _py(src, mirror, cache, argv, fsize=limit)
                counts["runs"] += 1
                new = target.read_text(encoding="utf-8", errors="replace")
                failed = res.returncode != 0
                counts["write failed"] += failed
                counts["previous file whole (failed runs)"] += failed and new == "previous\n"
                counts["files left behind"] += sum(1 for p in out.iterdir() if p != target)
                if kind != "report":
                    counts[f"CLI: {_outcome(res)}"] += 1
    return {k: str(v) for k, v in sorted(counts.items())}


_SVG = """
import sys, warnings, xml.etree.ElementTree as ET
warnings.simplefilter("ignore")
from hemicycle import geo, session as hs
from hemicycle.data.files import CONTOURS_YEAR, files_for
from hemicycle.data.store import Store
from hemicycle.report import views
from pathlib import Path
mirror = Path(sys.argv[2])
with Store(sys.argv[1]) as st:
    st.ingest(2024, download=False)
contours = files_for(CONTOURS_YEAR, 0, "contours")[0].name
layout = geo.geo_layout(mirror / str(CONTOURS_YEAR) / contours)
with hs.Session(sys.argv[1], ingest="never") as s:
    rep = s.replay(2024)
good = bad = 0
base = rep.election.surname.copy()
for code in [c for c in range(32) if chr(c) not in "\\t\\n\\r"]:
    name = base.copy()
    name[0, int(rep.winner[0])] = "DUPONT" + chr(code)
    object.__setattr__(rep.election, "surname", name)
    for draw in (views.outcome_map_svg, views.outcome_cartogram_svg):
        try:
            ET.fromstring(draw(rep, "nuance", layout=layout))
            good += 1
        except ET.ParseError:
            bad += 1
print(good, bad)
"""


def bench_svg(src: Path) -> dict[str, str]:
    """A winner's name with each C0 control character: map.svg and cartogram.svg well-formed?"""
    mirror = sources.mirror_dir()
    if mirror is None or not (mirror / "2024").is_dir():
        return {"SVG well-formed (needs HEMICYCLE_DATA)": "skipped"}
    with tempfile.TemporaryDirectory(prefix="hc-svg-") as tmp:
        t = Path(tmp)
        res = _py(src, mirror, t / "cache", ["-c", _SVG, str(t / "s.duckdb"), str(mirror)])
        try:
            good, bad = map(int, res.stdout.split()[-2:])
        except ValueError:
            return {"SVG probe failed": res.stderr.strip().splitlines()[-1][:60]}
    return {"SVG well-formed (29 controls × 2 charts)": f"{good} of {good + bad}"}


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    found, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            found.append(c)
            todo.append(c)
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def bench_fit_signals(src: Path, runs: int, seed: int) -> dict[str, str]:
    """SIGTERM, Ctrl-C (SIGINT) and SIGKILL to ``project 2024`` while its first fits run on a
    fresh cache, at a random moment: processes left 2 s after the parent ended (each is then
    killed), seconds to exit, fits kept in the cache."""
    mirror = sources.mirror_dir()
    if mirror is None or not (mirror / "2024").is_dir():
        return {"fit workers (needs HEMICYCLE_DATA)": "skipped"}
    rng = random.Random(seed)
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="hc-sig-") as tmp:
        t = Path(tmp)
        base = t / "base.duckdb"
        _py(src, mirror, t / "c0", ["-c", CLI, "data", "ingest", "2024", "--store", str(base)])
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGKILL):
            left = seen_total = 0
            took: list[float] = []
            cached = 0
            said = 0
            for i in range(runs):
                store, cache = t / f"s{sig}-{i}.duckdb", t / f"cache-{sig}-{i}"
                shutil.copy(base, store)
                log = t / f"log-{sig}-{i}"
                with open(log, "w") as fh:
                    proc = subprocess.Popen(
                        [sys.executable, "-c", CLI, "project", "2024", "--store", str(store)]
                        + ["--sims", "2000"],
                        env=_hostile_env(src, mirror, cache),
                        stdout=fh,
                        stderr=fh,
                        start_new_session=True,
                    )
                seen: set[int] = set()
                deadline = time.monotonic() + 120
                while len(seen) < 3 and proc.poll() is None and time.monotonic() < deadline:
                    seen.update(_descendants(proc.pid))  # the two fit workers and the tracker
                    time.sleep(0.05)
                wait = time.monotonic() + rng.uniform(0, 8)
                while time.monotonic() < wait and proc.poll() is None:
                    seen.update(_descendants(proc.pid))
                    time.sleep(0.05)
                t0 = time.monotonic()
                proc.send_signal(sig)
                try:
                    proc.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                took.append(time.monotonic() - t0)
                time.sleep(2)
                alive = [p for p in seen if _alive(p)]
                left += len(alive)
                seen_total += len(seen)
                for p in alive:  # ours, by PID: never left to the machine
                    with contextlib.suppress(OSError):
                        os.kill(p, signal.SIGKILL)
                cached += len(list(cache.rglob("transfers-*.npz")))
                said += "interrupted" in log.read_text(errors="replace")
            name = signal.Signals(sig).name
            out[f"{name}: processes left (of children seen)"] = f"{left} of {seen_total}"
            out[f"{name}: seconds to exit (max)"] = f"{max(took):.1f}"
            out[f"{name}: fits cached"] = str(cached)
            if sig == signal.SIGINT:
                out["SIGINT: runs saying 'interrupted'"] = f"{said} of {runs}"
    return out


def _truncate(frac: float) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        raw = path.read_bytes()
        path.write_bytes(raw[: int(len(raw) * frac)])

    return damage


def _flip_candidates(path: Path) -> None:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    blocks = con.execute(
        "SELECT DISTINCT block_id FROM pragma_storage_info('candidates') WHERE block_id >= 0"
    ).fetchall()
    con.close()
    raw = bytearray(path.read_bytes())
    for (block,) in blocks:
        start = 3 * 4096 + block * 262144 + 8
        for j in range(start, start + 256):
            raw[j] ^= 0x5A
    path.write_bytes(bytes(raw))


def bench_store(src: Path) -> dict[str, str]:
    """A store truncated at 1/8 … 7/8 or with corrupted blocks, read by `data status` and
    `replay`; an ingest whose COMMIT fails (the WAL cannot grow past 0 or 1 KiB)."""
    counts = Counter[str]()
    with tempfile.TemporaryDirectory(prefix="hc-store-") as tmp:
        t = Path(tmp)
        mirror = _sample_mirror(t, (2022, 2024))
        base, cache = t / "base.duckdb", t / "cache"
        _py(src, mirror, cache, ["-c", CLI, "data", "ingest", "2022", "--store", str(base)])
        damages = {f"truncated {k}/8": _truncate(k / 8) for k in range(1, 8)}
        damages["corrupted blocks"] = _flip_candidates
        for damage in damages.values():
            path = t / "s.duckdb"
            shutil.copy(base, path)
            damage(path)
            before = path.read_bytes()
            for cmd in (["data", "status"], ["replay", "2022"]):
                res = _py(src, mirror, cache, ["-c", CLI, *cmd, "--store", str(path)])
                counts[f"damaged store, read: {_outcome(res)}"] += 1
            counts["damaged store, bytes changed"] += path.read_bytes() != before
        for limit in (0, 1024):
            path = t / "c.duckdb"
            shutil.copy(base, path)
            res = _py(
                src,
                mirror,
                cache,
                ["-c", CLI, "data", "ingest", "2024", "--store", str(path)],
                fsize=limit,
            )
            counts[f"failed commit: {_outcome(res)}"] += 1
            with Store(path, read_only=True) as s:
                counts["failed commit, store lost data"] += s.years() != [2022]
    return {k: str(v) for k, v in sorted(counts.items())}


def bench_big_file(src: Path) -> dict[str, str]:
    """A 3 GB official file (sparse) in place of each 2022 results file: `data ingest --force`
    under a 4 GiB address-space limit (the machine is shared)."""
    counts = Counter[str]()
    took = []
    with tempfile.TemporaryDirectory(prefix="hc-big-") as tmp:
        t = Path(tmp)
        for name in (T1_2022, T2_2022):
            mirror = _sample_mirror(t)
            store, cache = t / f"{name}.duckdb", t / "cache"
            _py(src, mirror, cache, ["-c", CLI, "data", "ingest", "2022", "--store", str(store)])
            with open(mirror / "2022" / name, "r+b") as fh:
                fh.truncate(3 * 2**30)
            t0 = time.monotonic()
            res = _py(
                src,
                mirror,
                cache,
                ["-c", CLI, "data", "ingest", "2022", "--force", "--store", str(store)],
                timeout=120,
            )
            took.append(time.monotonic() - t0)
            counts[_outcome(res) if res.returncode != 124 else "timeout"] += 1
    out = {f"3 GB file: {k}": str(v) for k, v in sorted(counts.items())}
    out["3 GB file: seconds (max)"] = f"{max(took):.1f}"
    return out


def hostile(src: Path, fit_runs: int, seed: int, only: set[str] | None) -> dict[str, str]:
    sections: dict[str, Callable[[], dict[str, str]]] = {
        "formulas": lambda: bench_formulas(src),
        "full-disk": lambda: bench_full_disk(src),
        "svg": lambda: bench_svg(src),
        "store": lambda: bench_store(src),
        "big-file": lambda: bench_big_file(src),
        "fit-signals": lambda: bench_fit_signals(src, fit_runs, seed),
    }
    out: dict[str, str] = {}
    for name, run in sections.items():
        if only is None or name in only:
            out.update(run())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20, help="ingests killed with SIGKILL")
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--verbose", action="store_true", help="name the damaged files that were accepted"
    )
    ap.add_argument("--no-kills", action="store_true", help="only the malformed inputs")
    ap.add_argument(
        "--hostile",
        default="",
        help="only the hostile-data sections, comma-separated (formulas, full-disk, svg, store, "
        "big-file, fit-signals) or 'all'",
    )
    ap.add_argument("--fit-runs", type=int, default=2, help="signals sent per kind (fit-signals)")
    ap.add_argument("--before", type=Path, default=None, help="another checkout's src to compare")
    args = ap.parse_args()
    if args.hostile:
        only = None if args.hostile == "all" else set(args.hostile.split(","))
        cols = {"after": hostile(HERE_SRC, args.fit_runs, args.seed, only)}
        if args.before is not None:
            cols = {"before": hostile(args.before, args.fit_runs, args.seed, only), **cols}
        print("hostile data, outputs and processes (issue #26):")
        print(f"  {'':<52}" + "".join(f"{c:>12}" for c in cols))
        keys = list(dict.fromkeys(k for c in cols.values() for k in c))
        for key in sorted(
            keys, key=lambda k: list(cols["after"]).index(k) if k in cols["after"] else 99
        ):
            print(f"  {key:<52}" + "".join(f"{cols[c].get(key, '-'):>12}" for c in cols))
        return

    if not args.no_kills:
        n, old, new, bad, full = bench_kills(args.kills, args.year, args.seed)
        src = "official files" if _source(args.year) != SAMPLE else "synthetic sample"
        print(
            f"kill -9 during `data ingest {args.year} --force` ({src}; an uninterrupted run takes "
            f"{full:.1f} s):"
        )
        print(f"  {'killed':>8} {'recovered':>10} {'as old':>7} {'as new':>7} {'lost':>5}")
        print(f"  {n:>8} {old + new:>10} {old:>7} {new:>7} {bad:>5}")
    c = bench_malformed(args.seed, verbose=args.verbose)
    print(
        f"malformed inputs ({len(layouts())} layouts × {len(DAMAGES)} kinds of damage, "
        "through the CLI):"
    )
    print("  " + " ".join(f"{k:>17}" for k in c))
    print("  " + " ".join(f"{v:>17}" for v in c.values()))


if __name__ == "__main__":
    main()
