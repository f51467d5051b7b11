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
import csv
import hashlib
import importlib.util
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20, help="ingests killed with SIGKILL")
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--verbose", action="store_true", help="name the damaged files that were accepted"
    )
    ap.add_argument("--no-kills", action="store_true", help="only the malformed inputs")
    args = ap.parse_args()

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
