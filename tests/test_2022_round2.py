"""The 2022 round-2 file is not in the test mirror; the reader must take it (same layout as round
1).

Here a round-2 file is written in that layout from the round-1 file — the two leading candidates of
every undecided constituency, the first marked ``Elu`` — and the whole year is replayed from it.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from hemicycle import election
from hemicycle.data.store import Store
from hemicycle.replays import replay
from hemicycle.sim import backtest, pipeline

T1 = "resultats-par-niveau-cirlg-t1-france-entiere.txt"
T2 = "resultats-par-niveau-cirlg-t2-france-entiere.txt"
FIXED, BLOCK = 19, 9


def _make_round2(t1: Path, t2: Path, *, keep_decided: bool = False) -> int:
    lines = t1.read_bytes().split(b"\r\n")
    out = [lines[0]]
    for line in lines[1:]:
        if not line:
            continue
        cells = line.split(b";")
        blocks = [cells[i : i + BLOCK] for i in range(FIXED, len(cells) - 1, BLOCK)]
        if any(b[8] == b"Elu" for b in blocks):
            if keep_decided:  # a row with its totals and no candidate block
                out.append(b";".join(cells[:FIXED] + [b""]))
            continue
        top = sorted(blocks, key=lambda b: -int(b[5]))[:2]
        top = [b[:8] + [b"Elu" if j == 0 else b""] for j, b in enumerate(top)]
        exp = sum(int(b[5]) for b in top)
        fixed = cells[:FIXED]
        blank, null = int(fixed[10]), int(fixed[13])
        fixed[16] = str(exp).encode()
        fixed[8] = str(exp + blank + null).encode()  # votants
        fixed[6] = str(int(fixed[5]) - (exp + blank + null)).encode()  # abstentions
        out.append(b";".join(fixed + [c for b in top for c in b] + [b""]))
    t2.write_bytes(b"\r\n".join(out) + b"\r\n")
    return len(out) - 1


def test_round2_file_is_read_and_replayed(data_dir: Path, tmp_path: Path, monkeypatch) -> None:
    mirror = tmp_path / "m" / "2022"
    mirror.mkdir(parents=True)
    shutil.copy(data_dir / "2022" / T1, mirror / T1)
    n = _make_round2(mirror / T1, mirror / T2)
    assert n == 572
    monkeypatch.setenv("HEMICYCLE_DATA", str(tmp_path / "m"))
    with Store(tmp_path / "s.duckdb") as st:
        rep = st.ingest(2022, download=False)
        assert rep.rounds == (1, 2) and rep.candidates == {1: 6290, 2: 1144}
        r = replay(election.load(st, 2022))
    assert r.ok, r.mismatches[:3]
    assert r.contest_sizes() == Counter({2: 572})
    assert sum(r.seats_by_nuance().values()) == 577


def test_rows_of_seats_filled_in_round1_are_skipped(
    data_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    mirror = tmp_path / "m" / "2022"
    mirror.mkdir(parents=True)
    shutil.copy(data_dir / "2022" / T1, mirror / T1)
    assert _make_round2(mirror / T1, mirror / T2, keep_decided=True) == 577
    monkeypatch.setenv("HEMICYCLE_DATA", str(tmp_path / "m"))
    with Store(tmp_path / "s.duckdb") as st:
        rep = st.ingest(2022, download=False)
        assert rep.candidates == {1: 6290, 2: 1144}
        assert sorted(q.constituency for q in rep.quirks if q.kind == "empty_row") == [
            "5303",
            "7506",
            "7516",
            "7517",
            "9307",
        ]
        assert replay(election.load(st, 2022)).ok


def test_with_its_round_2_2022_is_a_backtest_target_and_trains_2024(
    data_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    """The path the unseen target takes: once 2022's round 2 is in the store, `backtest` scores
    2022 from the earlier elections only, and 2024's default training pool takes 2022 in, with no
    year list to edit. (Here round 2 is the synthetic one: the round-1 leader of every runoff wins,
    so the leader baseline is right everywhere.)"""
    m = tmp_path / "m"
    (m / "2022").mkdir(parents=True)
    for year in (2017, 2024):
        (m / str(year)).symlink_to(data_dir / str(year), target_is_directory=True)
    shutil.copy(data_dir / "2022" / T1, m / "2022" / T1)
    _make_round2(m / "2022" / T1, m / "2022" / T2)
    monkeypatch.setenv("HEMICYCLE_DATA", str(m))
    with Store(tmp_path / "s.duckdb") as st:
        for year in (2017, 2022, 2024):
            st.ingest(year, download=False)
        assert backtest.targets(st, "all") == [2022, 2024]
        assert pipeline.training_years(2024, "all", st) == (2017, 2022)
        assert pipeline.training_years(2022, "all", st) == (2017,)
        row = backtest.backtest(st, [2022], sims=1000, seed=1).iloc[0]
    assert (row["target"], row["train"], row["runoffs"]) == (2022, "2017", 572)
    assert row["leader_winners"] == 1.0 and row["leader_brier"] == 0.0
    assert 0.5 < row["winners"] <= 1.0 and 0.0 < row["brier"] < 0.25
    assert row["duel_consistency"] >= 0.98
