"""The back-test tables that the README and docs/projection.md publish are the projection's own
output: a seeded run on real data (20,000 simulations, seed 1, official lineups), frozen in the
documentation — a golden test in GerryChain's manner, with the figures where readers see them.

Every table whose header starts ``| target | trained on |`` is read; each row is evaluated again
with the training years it names (``1997–2017``: every election with both rounds in that span;
``2017``: that one alone) and the priors its ``priors`` column names
(``balancing=0.04;half_life=2``, the values the nested back-test chose for that target on the other
targets; the defaults without the column: a tuned figure), and each figure must be the computed
one rounded as shown. ``Δ winners`` (points) and ``Δ Brier`` are the target trained on every
earlier election minus the row's training (the latest election dropped), with the same priors.
A change of the model that moves a published figure fails here until the tables are rerun
(``hemicycle backtest --drop-latest``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hemicycle.data.store import Store
from hemicycle.sim import pipeline
from hemicycle.sim.backtest import parse_priors
from hemicycle.sim.calibrate import Priors

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("README.md", "docs/projection.md")
SIMS, SEED = 20_000, 1

#: column header -> attribute of :class:`hemicycle.sim.evaluate.Evaluation`
COLUMNS = {
    "runoffs": "n_runoffs",
    "winners": "winner_accuracy",
    "leader wins": "baseline_leader_accuracy",
    "Brier": "brier",
    "leader's Brier": "baseline_leader_brier",
    "log score": "log_score",
    "coverage 90 %": "coverage90",
    "energy score": "energy_score",
    "bloc seat MAE": "bloc_seat_mae",
    "duels consistent": "duel_consistency",
}
#: column header -> (attribute, factor): the target trained on every earlier election minus the
#: row, times the factor
DIFFERENCES = {"Δ winners": ("winner_accuracy", 100.0), "Δ Brier": ("brier", 1.0)}


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


Key = tuple[int, tuple[int, ...], Priors]


def published() -> list[tuple[str, int, str, dict[str, str]]]:
    """(document, target, trained on, {column: shown}) for every row of every back-test table."""
    rows = []
    for doc in DOCS:
        lines = (ROOT / doc).read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if not line.startswith("| target | trained on |"):
                continue
            head = _cells(line)
            for row in lines[i + 2 :]:
                if not row.startswith("| "):
                    break
                cells = dict(zip(head, _cells(row), strict=True))
                rows.append((doc, int(cells.pop("target")), cells.pop("trained on"), cells))
    return rows


ROWS = published()


def _train(span: str, store: Store) -> tuple[int, ...]:
    assert re.fullmatch(r"\d{4}(–\d{4})?", span), f"unreadable training span {span!r}"
    if "–" not in span:
        return (int(span),)
    lo, hi = (int(y) for y in span.split("–"))
    return tuple(y for y in sorted(store.years()) if lo <= y <= hi and 2 in store.rounds(y))


def _shown(text: str) -> tuple[float, float]:
    """The value a cell shows and half its last digit: ``89.8 %`` -> (0.898, 0.0005)."""
    pct = text.endswith("%")
    number = text.rstrip(" %").replace("−", "-")
    digits = len(number.split(".")[1]) if "." in number else 0
    scale = 100 if pct else 1
    return float(number) / scale, 0.5 * 10.0**-digits / scale


def _priors(cells: dict[str, str]) -> Priors:
    return parse_priors(cells["priors"]) if "priors" in cells else Priors()


def _keys(target: int, span: str, cells: dict[str, str], st: Store) -> list[Key]:
    """The evaluations a row needs: its own, and the target trained on every earlier election
    for its differences."""
    pri = _priors(cells)
    keys = [(target, _train(span, st), pri)]
    if set(cells) & set(DIFFERENCES):
        keys.append((target, pipeline.training_years(target, "all", st), pri))
    return keys


@pytest.fixture(scope="module")
def evaluations(store_path: Path) -> dict[Key, object]:
    out: dict[Key, object] = {}
    with Store(store_path) as st:
        for _, target, span, cells in ROWS:
            for key in _keys(target, span, cells, st):
                if key not in out:
                    out[key] = pipeline.evaluate(
                        target, key[1], st, sims=SIMS, seed=SEED, priors=key[2]
                    )
    return out


def test_the_documents_publish_the_backtest_tables() -> None:
    """The parser finds the tables (a renamed header would otherwise check nothing)."""
    docs = {doc for doc, *_ in ROWS}
    assert docs == set(DOCS)
    assert len(ROWS) >= 15  # README 5 + 4 rows, docs 5 + 4 + 5
    known = set(COLUMNS) | set(DIFFERENCES) | {"priors"}
    assert all(set(cells) <= known for *_, cells in ROWS), "a column this test cannot read"
    for _, _, _, cells in ROWS:
        if "priors" in cells:
            parse_priors(cells["priors"])  # readable


@pytest.mark.parametrize(
    ("doc", "target", "span", "cells"),
    ROWS,
    ids=[f"{d.split('/')[-1]}:{t}:{s}" for d, t, s, _ in ROWS],
)
def test_published_figures_are_the_projections(
    evaluations, store_path: Path, doc: str, target: int, span: str, cells: dict[str, str]
) -> None:
    with Store(store_path) as st:
        keys = _keys(target, span, cells, st)
    ev = evaluations[keys[0]]
    wrong = []
    for column, text in cells.items():
        if column == "priors":
            continue
        if column in DIFFERENCES:
            attr, factor = DIFFERENCES[column]
            full = evaluations[keys[1]]
            value = factor * (float(getattr(full, attr)) - float(getattr(ev, attr)))
        else:
            value = float(getattr(ev, COLUMNS[column]))
        shown, half = _shown(text)
        if abs(value - shown) > half * (1 + 1e-9):
            wrong.append(f"{column}: shows {text}, the projection gives {value:.6g}")
    assert not wrong, f"{doc}, {target} trained on {span}: " + "; ".join(wrong)
