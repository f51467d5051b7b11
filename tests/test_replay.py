"""The law replayed on the official files gives the published outcome of 2017, 2022 and 2024."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from hemicycle import election, rules
from hemicycle.data.store import Store
from hemicycle.replays import replay
from published import SEATS_2024

SEATS_2017 = {
    "REM": 308,
    "LR": 112,
    "MDM": 42,
    "SOC": 30,
    "UDI": 18,
    "FI": 17,
    "DVG": 12,
    "COM": 10,
    "FN": 8,
    "DVD": 6,
    "REG": 5,
    "DIV": 3,
    "RDG": 3,
    "ECO": 1,
    "EXD": 1,
    "DLF": 1,
}


@pytest.fixture(scope="module")
def replays(store_path):
    with Store(store_path) as st:
        return {y: replay(election.load(st, y)) for y in (2017, 2022, 2024)}


def test_2024_round1(replays) -> None:
    r = replays[2024]
    assert r.ok, r.mismatches
    assert r.elected_round1 == 76
    assert int(r.runoffs.sum()) == 501
    assert r.qualified_counts() == Counter({2: 189, 3: 307, 4: 5})


def test_2024_4703_qualifier_did_not_stand(replays) -> None:
    """CZAPLA (UG) qualifies at 12.54% of registered on the definitive figures and withdrew."""
    r = replays[2024]
    e = r.election
    i = e.index("4703")
    assert (r.status1[i] == rules.QUALIFIED).sum() == 3
    k = int(np.flatnonzero(e.surname[i] == "CZAPLA")[0])
    assert r.status1[i, k] == rules.QUALIFIED and r.withdrawn[i, k]
    assert 8 * e.round1.votes[i, k] >= e.round1.registered[i]


def test_2024_round2(replays) -> None:
    r = replays[2024]
    assert r.contest_sizes() == Counter({2: 409, 3: 89, 4: 2, 1: 1})
    assert r.seats_by_nuance() == SEATS_2024
    assert sum(r.seats_by_nuance().values()) == 577
    assert not r.unresolved_ties
    # 224 flagged qualifiers did not stand (UG 130, ENS 76, others 18), plus CZAPLA (UG, 4703), who
    # qualifies on the definitive figures only
    wd = r.withdrawals_by_nuance()
    assert sum(wd.values()) == 225 and wd["UG"] == 131 and wd["ENS"] == 76


def test_2024_pollster_blocks(replays) -> None:
    """RN and allies (RN + UXD) won 142 seats: outside every pollster's final range (170–215)."""
    s = replays[2024].seats_by_nuance()
    assert s["RN"] + s["UXD"] == 142
    assert s["UG"] + s["DVG"] == 190


def test_2022_round1(replays) -> None:
    r = replays[2022]
    assert r.ok, r.mismatches
    assert r.elected_round1 == 5
    assert int(r.runoffs.sum()) == 572
    assert Counter(r.winners_frame().query("round == 1")["nuance"]) == Counter({"NUP": 4, "ENS": 1})


def test_2017(replays) -> None:
    r = replays[2017]
    assert r.ok, r.mismatches
    assert r.elected_round1 == 4
    w1 = r.winners_frame().query("round == 1")
    assert Counter(w1["nuance"]) == Counter({"REM": 2, "UDI": 1, "DVG": 1})
    assert set(w1["constituency"]) == {"5604", "7501", "8005", "98601"}
    assert r.seats_by_nuance() == SEATS_2017
    assert r.contest_sizes() == Counter({2: 571, 3: 1, 1: 1})


def test_round1_frame_statuses(replays) -> None:
    df = replays[2024].round1_frame()
    assert list(df.columns) == ["constituency", "panel", "nuance", "votes", "status"]
    assert len(df) == 4009
    assert Counter(df["status"]) == Counter(
        {"elected": 76, "qualified": 189 * 2 + 307 * 3 + 5 * 4, "eliminated": 4009 - 76 - 1319}
    )


def test_winners_frame(replays) -> None:
    df = replays[2024].winners_frame()
    assert list(df.columns) == ["constituency", "round", "panel", "surname", "nuance", "votes"]
    assert len(df) == 577 and df["constituency"].is_unique
    assert Counter(df["round"]) == Counter({1: 76, 2: 501})
    row = df.set_index("constituency").loc["98703"]  # REID ABERLOT, REG in round 1, UG in round 2
    assert (row["surname"], row["nuance"]) == ("REID ABERLOT", "UG")


def test_tampered_result_is_a_mismatch(store_path) -> None:
    """Give a round-2 loser the winner's votes + 1: the law's winner no longer matches the flag."""
    import dataclasses

    with Store(store_path) as st:
        e = election.load(st, 2024)
    r2 = e.round2
    i = e.index("0101")
    votes = r2.votes.copy()
    k_win = int(np.flatnonzero(r2.official_elected[i])[0])
    k_lose = int(np.flatnonzero(r2.valid[i] & ~r2.official_elected[i])[0])
    votes[i, k_lose] = votes[i, k_win] + 1
    bad = dataclasses.replace(e, round2=dataclasses.replace(r2, votes=votes))
    r = replay(bad)
    assert [(m.constituency, m.decision) for m in r.mismatches] == [("0101", "round 2 winner")]


def test_2024_birth_dates_reach_the_age_tie_break(store_path) -> None:
    """The candidacies' birth dates (published: François Hollande 12 August 1954, Marine Le Pen
    5 August 1968, Gabriel Attal 16 March 1989) are the election's, and a tie in round 2 goes to
    the older candidate, whichever column or panel the younger one has."""
    import dataclasses

    with Store(store_path) as st:
        e = election.load(st, 2024)

    def born(code: str, surname: str) -> np.datetime64:
        i = e.index(code)
        (k,) = np.flatnonzero(e.round1.valid[i] & (e.surname[i] == surname))
        return np.datetime64(int(e.birth[i, k]), "D")

    assert born("1901", "HOLLANDE") == np.datetime64("1954-08-12")
    assert born("6211", "LE PEN") == np.datetime64("1968-08-05")
    assert born("9210", "ATTAL") == np.datetime64("1989-03-16")
    # Corrèze 1 (1901): Hollande won round 2; tie the two leaders' votes, either way
    r2 = e.round2
    i = e.index("1901")
    a, b = np.argsort(np.where(r2.valid[i], -r2.votes[i], 1))[:2]
    older = a if e.birth[i, a] < e.birth[i, b] else b
    for top in (a, b):
        votes = r2.votes.copy()
        other = b if top == a else a
        votes[i, other] = votes[i, top]  # a dead heat
        tied = dataclasses.replace(e, round2=dataclasses.replace(r2, votes=votes))
        assert replay(tied).winner[i] == older
