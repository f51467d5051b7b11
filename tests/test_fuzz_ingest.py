"""Fuzzing the ingest: Hypothesis damages the synthetic files of every layout under ``tests/data``
(bytes, cells, columns, rows, encodings, truncation) and each ingest must end in one of two ways:

* it succeeds, and the store holds consistent data (counts possible, every candidate in a
  constituency, the law replays without an unexpected exception), or
* it fails with a :class:`~hemicycle.errors.HemicycleError` whose message is one line, and the store
  is byte-for-byte as it was (fingerprint of every table).

Never another exception. Layouts are found from the registry: any official file present under
``tests/data/<year>/`` is fuzzed (new readers' samples join automatically). Workbooks are mutated at
the cell level by re-writing them (``tests/data/make_synthetic.py``), or at the byte level.

``HEMICYCLE_FUZZ_EXAMPLES=N`` runs N random examples per layout instead of the fixed, derandomised
default (a few per layout, to keep the suite fast).
"""

from __future__ import annotations

import codecs
import hashlib
import importlib.util
import os
import shutil
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hemicycle import session as api
from hemicycle.data.files import FILES, OfficialFile, files_for
from hemicycle.data.readers.common import MAX_COUNT
from hemicycle.data.store import DATA_TABLES, Store
from hemicycle.errors import HemicycleError

SAMPLE = Path(__file__).parent / "data"
EXAMPLES = int(os.environ.get("HEMICYCLE_FUZZ_EXAMPLES", "0"))


def _make_synthetic():  # noqa: ANN202
    if "make_synthetic" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "make_synthetic", SAMPLE / "make_synthetic.py"
        )
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules["make_synthetic"] = mod
        spec.loader.exec_module(mod)
    return sys.modules["make_synthetic"]


def layouts() -> list[OfficialFile]:
    """Every registry file (results or candidacies) with a sample under tests/data."""
    return [
        e
        for e in FILES
        if e.role in ("results", "candidacies") and (SAMPLE / str(e.year) / e.name).is_file()
    ]


LAYOUTS = layouts()


def fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    with Store(path, read_only=True) as s:
        for t in DATA_TABLES:
            h.update(
                s.query(
                    f"SELECT * EXCLUDE (ingested_at) FROM {t} ORDER BY ALL"
                    if t == "sources"
                    else f"SELECT * FROM {t} ORDER BY ALL"
                )
                .to_csv()
                .encode()
            )
    return h.hexdigest()


def mirror_for(entry: OfficialFile, root: Path) -> Path:
    """A private mirror of ``entry``'s year in which ``entry`` is the file the store reads (the
    files the registry prefers for the same round and role are left out)."""
    if root.exists():
        shutil.rmtree(root)
    (root / str(entry.year)).mkdir(parents=True)
    shutil.copy(SAMPLE / "SAMPLE.md", root / "SAMPLE.md")
    shadowing = []
    for e in files_for(entry.year, entry.round, entry.role):  # type: ignore[arg-type]
        if e.name == entry.name:
            break
        shadowing.append(e.name)
    for f in (SAMPLE / str(entry.year)).iterdir():
        if f.is_file() and f.name not in shadowing:
            shutil.copy(f, root / str(entry.year) / f.name)
    return root / str(entry.year) / entry.name


# ----- mutations ----------------------------------------------------------------------------------

CELL_VALUES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, MAX_COUNT, MAX_COUNT + 1, 2**63 - 1, 2**63, 10**23]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "Elu",
            "élu",
            "OUI",
            "ZZ",
            "2A",
            "971",
            "ZA01",
            "0101",
            "9999",
            "x;y",
            '"',
            "12/13/2024",
            "31/02/1990",
            "\u00a012 345",
            "1e5",
            "٣",
            "NaN",
        ]
    ),
)


def text_mutation(draw: Callable[..., object], raw: bytes, delimiter: bytes) -> tuple[str, bytes]:
    kind = draw(
        st.sampled_from(
            [
                "flip",
                "insert",
                "delete",
                "truncate",
                "encoding",
                "bom",
                "cell",
                "drop_column",
                "swap_columns",
                "drop_row",
                "dup_row",
                "swap_rows",
            ]
        )
    )
    n = len(raw)
    if kind == "flip":
        i = draw(st.integers(0, n - 1))
        return kind, raw[:i] + bytes([draw(st.integers(0, 255))]) + raw[i + 1 :]
    if kind == "insert":
        i = draw(st.integers(0, n))
        return kind, raw[:i] + draw(st.binary(min_size=1, max_size=8)) + raw[i:]
    if kind == "delete":
        i = draw(st.integers(0, n - 1))
        return kind, raw[:i] + raw[i + draw(st.integers(1, 40)) :]
    if kind == "truncate":
        return kind, raw[: draw(st.integers(0, n - 1))]
    if kind == "encoding":
        for enc in ("utf-8", "latin-1"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        target = draw(
            st.sampled_from(["utf-8", "latin-1", "cp850", "utf-16", "utf-16-le", "utf-32"])
        )
        return f"{kind}:{target}", text.encode(target, errors="replace")
    if kind == "bom":
        return kind, draw(
            st.sampled_from(
                [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE]
            )
        ) + raw
    newline = b"\r\n" if b"\r\n" in raw else b"\n"
    lines = raw.split(newline)
    rows = [line.split(delimiter) for line in lines]
    r = draw(st.integers(0, len(rows) - 1))
    if kind == "cell":
        c = draw(st.integers(0, max(len(rows[r]) - 1, 0)))
        value = draw(CELL_VALUES)
        text = str(value).encode("utf-8")
        if rows[r]:
            rows[r][c] = text
    elif kind in ("drop_column", "swap_columns"):
        width = max(len(x) for x in rows)
        a, b = draw(st.integers(0, width - 1)), draw(st.integers(0, width - 1))
        for x in rows:
            if kind == "drop_column" and a < len(x):
                del x[a]
            elif kind == "swap_columns" and max(a, b) < len(x):
                x[a], x[b] = x[b], x[a]
    elif kind == "drop_row":
        del rows[r]
    elif kind == "dup_row":
        rows.insert(r, list(rows[r]))
    else:
        s = draw(st.integers(0, len(rows) - 1))
        rows[r], rows[s] = rows[s], rows[r]
    return kind, newline.join(delimiter.join(x) for x in rows)


def xlsx_mutation(draw: Callable[..., object], path: Path) -> tuple[str, Callable[[Path], None]]:
    """A mutation of the workbook: bytes, or cells re-written through xlsxwriter."""
    raw = path.read_bytes()
    kind = draw(
        st.sampled_from(
            [
                "flip",
                "truncate",
                "cell",
                "cell",
                "drop_column",
                "swap_columns",
                "drop_row",
                "dup_row",
                "sheet_name",
            ]
        )
    )
    if kind == "flip":
        i = draw(st.integers(0, len(raw) - 1))
        data = raw[:i] + bytes([raw[i] ^ draw(st.integers(1, 255))]) + raw[i + 1 :]
        return kind, lambda p: p.write_bytes(data)
    if kind == "truncate":
        data = raw[: draw(st.integers(0, len(raw) - 1))]
        return kind, lambda p: p.write_bytes(data)
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    sheets = [
        (name, [list(r) for r in wb.get_sheet_by_name(name).to_python(skip_empty_area=False)])
        for name in wb.sheet_names
    ]
    s = draw(st.integers(0, len(sheets) - 1)) if kind == "sheet_name" else len(sheets) - 1
    name, rows = sheets[s]
    r = draw(st.integers(0, len(rows) - 1))
    if kind == "sheet_name":
        sheets[s] = (name[:-1] + "X", rows)
    elif kind == "cell":
        c = draw(st.integers(0, len(rows[r]) - 1))
        value = draw(CELL_VALUES)
        if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
            value = str(value)  # xlsx cannot hold NaN or infinities as numbers
        elif isinstance(value, int) and abs(value) > 2**53:
            value = float(value)  # xlsx numbers are doubles
        rows[r][c] = value
    elif kind in ("drop_column", "swap_columns"):
        width = max(len(x) for x in rows)
        a, b = draw(st.integers(0, width - 1)), draw(st.integers(0, width - 1))
        for x in rows:
            if kind == "drop_column" and a < len(x):
                del x[a]
            elif kind == "swap_columns" and max(a, b) < len(x):
                x[a], x[b] = x[b], x[a]
    elif kind == "drop_row":
        del rows[r]
    else:
        rows.insert(r, list(rows[r]))
    writer = _make_synthetic().write_xlsx
    return kind, lambda p: writer(p, sheets)


# ----- the property -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding every sample year as generated (copied for each layout's test)."""
    path = tmp_path_factory.mktemp("fuzz") / "base.duckdb"
    saved = os.environ.get("HEMICYCLE_DATA")
    os.environ["HEMICYCLE_DATA"] = str(SAMPLE)
    try:
        with Store(path) as s, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for y in sorted({e.year for e in LAYOUTS}):
                s.ingest(y, download=False)
    finally:
        if saved is None:
            del os.environ["HEMICYCLE_DATA"]
        else:
            os.environ["HEMICYCLE_DATA"] = saved
    return path


def check_consistent(store: Path, year: int) -> None:
    """After a successful ingest: possible counts, no orphan candidate, the law runs."""
    with Store(store, read_only=True) as s:
        t = s.query("SELECT * FROM totals WHERE year = ?", [year])
        c = s.query("SELECT * FROM candidates WHERE year = ?", [year])
        cons = set(
            s.query("SELECT constituency FROM constituencies WHERE year = ?", [year])[
                "constituency"
            ]
        )
        for col in ("registered", "voters", "blank", "null", "expressed"):
            assert t[col].between(0, MAX_COUNT).all(), col
        assert (t["expressed"] <= t["voters"]).all()
        assert c["votes"].between(0, MAX_COUNT).all()
        assert set(c["constituency"]) <= cons and set(t["constituency"]) <= cons
        try:
            api.Session(s).replay(year)
        except HemicycleError as exc:
            assert "\n" not in str(exc)


def one_ingest(
    entry: OfficialFile,
    store: Path,
    mirror: Path,
    monkeypatch: pytest.MonkeyPatch,
    mutate: Callable[[Path], None],
    what: str,
) -> str:
    target = mirror_for(entry, mirror)
    mutate(target)
    monkeypatch.setenv("HEMICYCLE_DATA", str(mirror))
    before = fingerprint(store)
    try:
        with Store(store) as s, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s.ingest(entry.year, download=False)
    except HemicycleError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg, f"{what}: a message of several lines: {msg!r}"
        assert fingerprint(store) == before, f"{what}: a failed ingest changed the store"
        return "refused"
    check_consistent(store, entry.year)
    return "ingested"


def _settings(n: int):  # noqa: ANN202
    return settings(
        max_examples=EXAMPLES or n,
        derandomize=not EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.mark.parametrize("entry", LAYOUTS, ids=lambda e: f"{e.year}-{e.name}")
def test_fuzz_ingest(
    entry: OfficialFile, base_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store.duckdb"
    shutil.copy(base_store, store)
    sample = SAMPLE / str(entry.year) / entry.name
    is_xlsx = sample.suffix.lower() in (".xlsx", ".xls")
    outcomes: dict[str, int] = {}

    @_settings(12)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        if is_xlsx:
            what, write = xlsx_mutation(data.draw, sample)
        else:
            delimiter = b"," if b";" not in sample.read_bytes().split(b"\n", 1)[0] else b";"
            what, raw = text_mutation(data.draw, sample.read_bytes(), delimiter)

            def write(p: Path, raw: bytes = raw) -> None:
                p.write_bytes(raw)

        out = one_ingest(entry, store, tmp_path / "mirror", monkeypatch, write, what)
        outcomes[out] = outcomes.get(out, 0) + 1

    run()
    assert sum(outcomes.values()) > 0


# ----- through the command line -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("resultats-par-niveau-cirlg-t1-france-entiere.txt", lambda b: b[: len(b) // 2]),
        (
            "resultats-par-niveau-cirlg-t1-france-entiere.txt",
            lambda b: b.replace(b";10000;", b";-3;", 1),
        ),
        (
            "resultats-par-niveau-cirlg-t1-france-entiere.txt",
            lambda b: b.decode("latin-1").encode("utf-16"),
        ),
        (
            "resultats-par-niveau-cirlg-t1-france-entiere.txt",
            lambda b: b.replace(b";3100;", b";1e400;", 1),
        ),
        (
            "resultats-par-niveau-cirlg-t2-france-entiere.txt",
            lambda b: b.replace(b"HOARAU", b"HOARAU;x", 1),
        ),
        ("resultats-par-niveau-cirlg-t1-france-entiere.txt", lambda b: bytes(range(256)) * 8),
    ],
)
def test_cli_ingest_of_damaged_files(
    name: str, damage: Callable[[bytes], bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`hemicycle data ingest --force` on a damaged file: exit 1, one line on stderr, no
    traceback."""
    entry = next(e for e in FILES if e.name == name)
    target = mirror_for(entry, tmp_path / "mirror")
    monkeypatch.setenv("HEMICYCLE_DATA", str(tmp_path / "mirror"))
    monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache"))
    store = tmp_path / "s.duckdb"
    res = CliRunner().invoke(app_(), ["data", "ingest", "2022", "--store", str(store)])
    assert res.exit_code == 0, res.output
    before = fingerprint(store)
    target.write_bytes(damage(target.read_bytes()))
    res = CliRunner().invoke(app_(), ["data", "ingest", "2022", "--force", "--store", str(store)])
    assert res.exit_code == 1, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    errors = [ln for ln in res.output.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in res.output, res.output
    assert fingerprint(store) == before


def app_():  # noqa: ANN202
    from hemicycle.cli import app

    return app
