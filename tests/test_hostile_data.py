"""Hostile and unlucky data, outputs and processes (items 3, 6, 7, 8, 10/11 and 14 of issue #26):
names that are spreadsheet formulas, outputs on a full disk, control characters in SVG, fit
workers outliving their parent, a damaged store or a failed commit, an official file of
gigabytes. Each gives a clean one-line error or correct output: no traceback, no data lost, no
process left."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hemicycle.cli import app
from hemicycle.data.store import Store
from hemicycle.errors import HemicycleError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = Path(__file__).parent / "data"
T1_2022 = "resultats-par-niveau-cirlg-t1-france-entiere.txt"
CLI = "import sys\nfrom hemicycle.cli import app\nsys.argv[0] = 'hemicycle'\napp()\n"
# the 2022 layout: 19 fixed columns, then 9 per candidate (N°Panneau, Sexe, Nom, Prénom, …)
NOM1, PRENOM2, NOM3 = 21, 31, 39


@pytest.fixture()
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the sample mirror (tests/data); the store path set, nothing ingested."""
    root = tmp_path / "mirror"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("*.py", "__pycache__", "live"))
    monkeypatch.setenv("HEMICYCLE_DATA", str(root))
    monkeypatch.setenv("HEMICYCLE_STORE", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache"))
    return root


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


def _limited(limit: int):  # noqa: ANN202
    """A ``preexec_fn``: no file may grow beyond ``limit`` bytes (a disk that fills up): writes
    past it fail with EFBIG instead of killing the process."""

    def set_limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return set_limit


def _one_error_line(text: str) -> str:
    assert "Traceback" not in text, text
    errors = [ln for ln in text.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, text
    return errors[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----- 3. CSV formula injection -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+33 6", "'+33 6"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Dupont", "Dupont"),
        ("-5", "-5"),
        ("-0.25", "-0.25"),
        ("+1e3", "+1e3"),
        (-3, -3),
        (-0.5, -0.5),
    ],
)
def test_a_cell_that_is_a_formula_gets_a_quote_and_numbers_stay_numbers(
    value: object, written: object
) -> None:
    from hemicycle.data import outputs

    assert outputs.safe_cell(value) == written


def test_a_frame_keeps_its_numbers_and_neutralises_its_text() -> None:
    from hemicycle.data import outputs

    df = pd.DataFrame({"surname": ["=1+2", "Dupont", "-x"], "votes": [-1, 2, 3], "p": [0.5, -1, 2]})
    text = outputs.csv_bytes(df, float_format="%.6f").decode()
    assert text.splitlines() == [
        "surname,votes,p",
        "'=1+2,-1,0.500000",
        "Dupont,2,-1.000000",
        "'-x,3,2.000000",
    ]
    assert df["surname"].iloc[0] == "=1+2"  # the frame itself is not changed


def _poison(mirror: Path) -> None:
    """Round 1 of the sample's 2022: the winner of 0101 named ``=1+2``, the next candidate's
    first name ``@SUM(A1)``, the third ``-2+3``."""
    path = mirror / "2022" / T1_2022
    rows = [line.split(b";") for line in path.read_bytes().split(b"\r\n")]
    rows[1][NOM1], rows[1][PRENOM2], rows[1][NOM3] = b"=1+2", b"@SUM(A1)", b"-2+3"
    path.write_bytes(b"\r\n".join(b";".join(r) for r in rows))


def test_a_formula_in_the_files_is_a_quirk_and_no_csv_writes_it_raw(
    sample: Path, tmp_path: Path
) -> None:
    """Ingest records a ``formula`` quirk per name; the CLI's ``--output`` and the dashboard's
    ``results.csv`` and ``constituencies.csv`` write the names with a leading ``'``."""
    from hemicycle import session as hs
    from hemicycle.web import newsroom

    _poison(sample)
    with Store() as st:
        report = st.ingest(2022, download=False)
        quirks = st.query("SELECT * FROM quirks WHERE kind = 'formula' ORDER BY message")
    assert sorted(q.kind for q in report.quirks if q.kind == "formula") == ["formula"] * 3
    assert set(quirks["constituency"]) == {"0101"}
    out = tmp_path / "winners.csv"
    res = CliRunner().invoke(app, ["replay", "2022", "--output", str(out)])
    assert "Traceback" not in res.output
    winners = out.read_text(encoding="utf-8")
    assert "'=1+2" in winners
    with hs.Session(ingest="never") as s:
        rep = s.replay(2022)
    results = newsroom.results_csv(rep).decode()
    cons = newsroom.constituencies_csv(rep).decode()
    assert "'=1+2" in results and "'@SUM(A1)" in results and "'-2+3" in results
    assert "'=1+2" in cons
    for text in (winners, results, cons):
        cells = [c for line in text.splitlines() for c in line.split(",")]
        assert not any(c.startswith(("=", "@", "-2+3")) for c in cells), text


def test_the_dashboard_csv_download_neutralises_formulas(tmp_path: Path) -> None:
    """``export.js``'s ``csvText`` (the dashboard's table downloads): formulas quoted, numbers
    kept."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    static = ROOT / "src" / "hemicycle" / "web" / "static"
    shutil.copy(static / "export.js", tmp_path / "export.js")
    (tmp_path / "charts.js").write_text("export const h = () => null;\n", encoding="utf-8")
    (tmp_path / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    script = textwrap.dedent("""
        import { csvText } from "./export.js";
        process.stdout.write(csvText(["name", "n"], [["=HYPERLINK(1)", -5], ["@x", "-0.5"],
            ["+1 2", 3], ["Dupont", "-x"]]));
    """)
    (tmp_path / "t.mjs").write_text(script, encoding="utf-8")
    out = subprocess.run(
        [node, "t.mjs"], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=30
    ).stdout
    assert out.splitlines() == ["name,n", "'=HYPERLINK(1),-5", "'@x,-0.5", "'+1 2,3", "Dupont,'-x"]


# ----- 8. outputs are atomic ----------------------------------------------------------------------


def test_an_output_on_a_full_disk_leaves_the_previous_file_whole(
    sample: Path, tmp_path: Path
) -> None:
    """``replay --output`` on a disk that fills after 64 bytes: one error line naming the file,
    the previous CSV whole, no temporary file left (before: a truncated CSV)."""
    with Store() as st:
        st.ingest(2022, download=False)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "winners.csv"
    out.write_text("the previous run's table\n", encoding="utf-8")
    res = subprocess.run(
        [sys.executable, "-c", CLI, "replay", "2022", "--output", str(out)],
        env=_env(tmp_path),
        preexec_fn=_limited(64),
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = _one_error_line(res.stderr + res.stdout)
    assert res.returncode == 1 and str(out) in line and "cannot write" in line
    assert out.read_text(encoding="utf-8") == "the previous run's table\n"
    assert sorted(p.name for p in out_dir.iterdir()) == ["winners.csv"]


def test_the_report_on_a_full_disk_leaves_the_previous_page_and_no_tmp(tmp_path: Path) -> None:
    """``write_report`` when the disk fills: the previous ``index.html`` whole, no
    ``index.html.tmp`` (or other file) left behind."""
    out = tmp_path / "report"
    out.mkdir()
    (out / "index.html").write_text("<p>previous</p>", encoding="utf-8")
    script = textwrap.dedent(f"""
        from hemicycle.report import html
        html.build_report = lambda *a, **k: "<p>" + "x" * 200_000 + "</p>"
        try:
            html.write_report(2022, {str(out)!r}, session=None, progress=False)
        except OSError as exc:
            print("OSError", exc.filename)
    """)
    res = subprocess.run(
        [sys.executable, "-c", script],
        env=_env(tmp_path),
        preexec_fn=_limited(100_000),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.stdout.strip() == f"OSError {out / 'index.html'}", res.stderr
    assert (out / "index.html").read_text(encoding="utf-8") == "<p>previous</p>"
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]


def test_write_atomic_interrupted_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hemicycle.data import outputs

    path = tmp_path / "t.csv"
    path.write_bytes(b"old")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        outputs.write_atomic(path, b"new")
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["t.csv"]
    monkeypatch.undo()
    outputs.write_atomic(path, "nouveau")
    assert path.read_text(encoding="utf-8") == "nouveau"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_write_atomic_follows_links_and_writes_devices_in_place(tmp_path: Path) -> None:
    from hemicycle.data import outputs

    real = tmp_path / "real.csv"
    real.write_bytes(b"old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    outputs.write_atomic(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    outputs.write_atomic("/dev/null", b"nothing")  # a device is written, never replaced
    assert Path("/dev/null").is_char_device()


# ----- 10/11. control characters in SVG -----------------------------------------------------------


def test_svg_text_never_holds_what_xml_forbids() -> None:
    from hemicycle.report import svg

    doc = svg.document(
        10,
        10,
        [svg.text(1, 2, "A\x01B\x1b[2J\ud800"), svg.el("g", {"data_name": "x\x02\x0c"})],
        label="t\x07",
    )
    root = ET.fromstring(doc)  # before: "not well-formed (invalid token)"
    texts = "".join(root.itertext())
    assert "\\x01" in texts and "\\x1b" in texts and "\x01" not in texts


def test_map_and_cartogram_stay_well_formed_with_a_control_character_in_a_name(
    store_path: Path, data_dir: Path
) -> None:
    from hemicycle import geo
    from hemicycle import session as api
    from hemicycle.data.files import CONTOURS_YEAR, files_for
    from hemicycle.report import views

    contours = data_dir / str(CONTOURS_YEAR) / files_for(CONTOURS_YEAR, 0, "contours")[0].name
    layout = geo.geo_layout(contours)
    with api.Session(store_path) as st:
        rep = st.replay(2024)
    surname = rep.election.surname.copy()
    i = 0
    surname[i, int(rep.winner[i])] = "DUPONT\x01\x1b[31m"
    object.__setattr__(rep.election, "surname", surname)
    for draw in (views.outcome_map_svg, views.outcome_cartogram_svg):
        text = draw(rep, "nuance", layout=layout)
        root = ET.fromstring(text)  # before: ExpatError, not well-formed
        assert "DUPONT\\x01\\x1b[31m" in "".join(root.itertext())


# ----- 6. fit workers die with their parent -------------------------------------------------------

POOL = textwrap.dedent("""
    import os, sys, time
    from concurrent.futures import as_completed
    from pathlib import Path
    from hemicycle.sim import pipeline

    out = Path(sys.argv[1])
    with pipeline._fit_pool(2) as pool:
        jobs = [pool.submit(time.sleep, s) for s in (0.1, 600, 600)]
        for job in as_completed(jobs):
            job.result()
            out.write_text("one finished")
            print(os.getpid(), flush=True)
""")


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
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_fit_workers_never_outlive_their_parent(tmp_path: Path, sig: int) -> None:
    """SIGTERM, Ctrl-C or even SIGKILL to the process fitting: within seconds no worker (nor the
    resource tracker) is left; a fit finished before is kept; Ctrl-C does not wait for the fits
    in progress."""
    done = tmp_path / "done"
    proc = subprocess.Popen(
        [sys.executable, "-c", POOL, str(done)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    seen: set[int] = set()
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # the first (short) job is done: the others are running
        deadline = time.monotonic() + 10
        while len(seen) < 3 and time.monotonic() < deadline:  # two workers and the tracker
            seen.update(_descendants(proc.pid))
            time.sleep(0.05)
        assert len(seen) >= 2
        t0 = time.monotonic()
        proc.send_signal(sig)
        proc.wait(timeout=30)
        took = time.monotonic() - t0
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in seen) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [p for p in seen if _alive(p)]
    finally:
        for p in seen:  # never leave them to the machine, whatever the test found
            if _alive(p):
                os.kill(p, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
    assert left == [], f"{len(left)} of {len(seen)} processes left after {sig!r}"
    assert took < 10 and done.read_text() == "one finished"


# ----- 7. a damaged store, a failed commit --------------------------------------------------------


def _damage_half(path: Path) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])


def _damage_blocks(path: Path) -> None:
    """Flip bytes inside the blocks holding the candidates (not the file's headers): the file
    opens, and a query reading them meets a checksum error."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    blocks = con.execute(
        "SELECT DISTINCT block_id FROM pragma_storage_info('candidates') WHERE block_id >= 0"
    ).fetchall()
    con.close()
    raw = bytearray(path.read_bytes())
    for (block,) in blocks:  # three 4 KiB headers, then 256 KiB blocks (an 8-byte checksum first)
        start = 3 * 4096 + block * 262144 + 8
        for j in range(start, start + 256):
            raw[j] ^= 0x5A
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("damage", [_damage_half, _damage_blocks])
def test_a_damaged_store_is_one_line_naming_it_and_is_left_as_found(
    sample: Path, tmp_path: Path, damage
) -> None:
    path = tmp_path / "store.duckdb"
    with Store(path) as st:
        st.ingest(2022, download=False)
    damage(path)
    before = _digest(path)
    for args in (["data", "status"], ["replay", "2022"]):  # status reads only the sources
        res = CliRunner().invoke(app, [*args, "--store", str(path)])
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
        if args[0] == "replay" or res.exit_code != 0:
            line = _one_error_line(res.output)
            assert res.exit_code == 1 and str(path) in line and "move it away" in line
    assert _digest(path) == before


def test_a_failed_commit_is_one_line_and_the_store_keeps_its_content(
    sample: Path, tmp_path: Path
) -> None:
    """The WAL cannot be written at COMMIT (the disk is full): one line naming the store and
    what to do (before: TransactionException, then "cannot rollback - no transaction"); the
    store still holds what it held."""
    path = tmp_path / "store.duckdb"
    with Store(path) as st:
        st.ingest(2022, download=False)
        before = st.query("SELECT * FROM candidates ORDER BY ALL")
    res = subprocess.run(
        [sys.executable, "-c", CLI, "data", "ingest", "2024", "--store", str(path)],
        env=_env(tmp_path),
        preexec_fn=_limited(1024),
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = _one_error_line(res.stderr + res.stdout)
    assert res.returncode == 1 and str(path) in line and "could not write the store" in line
    with Store(path) as st:
        assert st.years() == [2022]
        pd.testing.assert_frame_equal(st.query("SELECT * FROM candidates ORDER BY ALL"), before)


# ----- 14. official files have a size limit -------------------------------------------------------


def test_an_official_file_of_gigabytes_is_refused_before_it_is_read(
    sample: Path, tmp_path: Path
) -> None:
    """A 3 GB file in the mirror (sparse: no disk used) is one line naming it, at once, instead
    of a MemoryError."""
    from hemicycle.data.sources import MAX_OFFICIAL_BYTES

    path = Store().path
    with Store(path) as st:
        st.ingest(2022, download=False)
    big = sample / "2022" / T1_2022
    with open(big, "r+b") as fh:
        fh.truncate(3 * 2**30)
    assert MAX_OFFICIAL_BYTES < big.stat().st_size
    t0 = time.monotonic()
    res = CliRunner().invoke(app, ["data", "ingest", "2022", "--force"])
    line = _one_error_line(res.output)
    assert res.exit_code == 1 and T1_2022 in line and "MiB" in line
    assert time.monotonic() - t0 < 10
    with Store(path) as st, pytest.raises(HemicycleError, match="MiB"):
        st.ingest(2022, download=False)


def test_the_cap_is_well_above_every_real_official_file(data_dir: Path) -> None:
    from hemicycle.data.sources import MAX_OFFICIAL_BYTES

    largest = max(p.stat().st_size for p in data_dir.rglob("*") if p.is_file())
    assert 10 * largest < MAX_OFFICIAL_BYTES
