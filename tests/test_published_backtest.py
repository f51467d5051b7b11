"""The back-test tables that the README and docs/projection.md publish are the projection's own
output: a seeded run on real data (20,000 simulations, seed 1, official lineups), frozen in the
documentation — a golden test in GerryChain's manner, with the figures where readers see them.

Every table whose header starts ``| target | trained on |`` is read; each row is evaluated again
with the training years it names (``1997–2017``: every election with both rounds in that span;
``2017``: that one alone), and each figure must be the computed one rounded as shown. A change of
the model that moves a published figure fails here until the tables are rerun
(``hemicycle backtest``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hemicycle.data.store import Store
from hemicycle.sim import pipeline

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


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


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
    number = text.rstrip(" %")
    digits = len(number.split(".")[1]) if "." in number else 0
    scale = 100 if pct else 1
    return float(number) / scale, 0.5 * 10.0**-digits / scale


@pytest.fixture(scope="module")
def evaluations(store_path: Path) -> dict[tuple[int, tuple[int, ...]], object]:
    out: dict[tuple[int, tuple[int, ...]], object] = {}
    with Store(store_path) as st:
        for _, target, span, _ in ROWS:
            key = (target, _train(span, st))
            if key not in out:
                out[key] = pipeline.evaluate(target, key[1], st, sims=SIMS, seed=SEED)
    return out


def test_the_documents_publish_the_backtest_tables() -> None:
    """The parser finds the tables (a renamed header would otherwise check nothing)."""
    docs = {doc for doc, *_ in ROWS}
    assert docs == set(DOCS)
    assert len(ROWS) >= 15  # README 5 rows, docs 5 + 5
    assert all(set(cells) <= set(COLUMNS) for *_, cells in ROWS), "a column this test cannot read"


@pytest.mark.parametrize(
    ("doc", "target", "span", "cells"),
    ROWS,
    ids=[f"{d.split('/')[-1]}:{t}:{s}" for d, t, s, _ in ROWS],
)
def test_published_figures_are_the_projections(
    evaluations, store_path: Path, doc: str, target: int, span: str, cells: dict[str, str]
) -> None:
    with Store(store_path) as st:
        ev = evaluations[(target, _train(span, st))]
    wrong = []
    for column, text in cells.items():
        value = float(getattr(ev, COLUMNS[column]))
        shown, half = _shown(text)
        if abs(value - shown) > half * (1 + 1e-9):
            wrong.append(f"{column}: shows {text}, the projection gives {value:.6g}")
    assert not wrong, f"{doc}, {target} trained on {span}: " + "; ".join(wrong)
