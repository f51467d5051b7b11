"""Replay an election: run the law on the official round 1 (and round 2), compare every decision
with the Ministry's own outcome columns.

The law applied is the one the election was held under (:attr:`Election.law
<hemicycle.election.Election.law>`: the 1958, 1966 or 1976 version, from its year). Decisions
checked, constituency by constituency:

* round 1 — who is elected outright (law vs the ``Elu`` flag);
* the round-2 lineup — every round-2 candidate must have qualified by law, and round 2 must be held
  exactly where nobody was elected in round 1;
* round 2 — the winner (most votes, tie to the older candidate) vs the ``Elu`` flag.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from hemicycle import rules
from hemicycle.data.blocs import BLOCS, bloc_of, blocs_of
from hemicycle.data.notes import constituency_label
from hemicycle.election import Election

ROUND1_HEADER = ["constituency", "panel", "nuance", "votes", "status"]
WINNERS_HEADER = ["constituency", "round", "panel", "surname", "nuance", "votes"]
#: A candidate's round-1 status, as the outputs spell it.
Status = Literal["elected", "qualified", "eliminated"]
STATUS_NAMES: dict[int, Status] = {
    rules.ELECTED: "elected",
    rules.QUALIFIED: "qualified",
    rules.ELIMINATED: "eliminated",
}


#: Runoff type of a constituency after round 1, by the law (how many qualified).
SITUATIONS = ("elected", "duel", "three-way", "four-way")
#: The columns of :meth:`Replay.candidates` (and of the ``results.csv`` export).
CANDIDATE_COLUMNS = [
    "year",
    "constituency",
    "label",
    "round",
    "panel",
    "surname",
    "first_name",
    "nuance",
    "bloc",
    "votes",
    "share_expressed",
    "share_registered",
    "status",
]
#: The columns of :meth:`Replay.situations`.
SITUATION_COLUMNS = [
    "constituency",
    "label",
    "leader_nuance",
    "leader_bloc",
    "leader_share",
    "situation",
    "qualified",
    "withdrawn",
    "contest",
]


def _bloc(year: int, nuance: str) -> str:
    return bloc_of(year, nuance, warn=False) if nuance else ""


#: The quirks of the source (kinds found at ingest) that explain a decision of the law differing
#: from the outcome the file states: listed by the replay, not failures.
EXPLAINED_BY: dict[str, frozenset[str]] = {
    "round 1 elected": frozenset({"flag", "aggregated", "no_counts"}),
    "round 2 held": frozenset({"aggregated", "no_counts", "no_round2", "flag"}),
    "round 2 lineup": frozenset({"lineup", "ambiguous_join", "unjoined", "continuation"}),
    "round 2 winner": frozenset({"flag", "no_counts"}),
}


@dataclass(frozen=True)
class Mismatch:
    constituency: str
    decision: str
    detail: str


@dataclass(frozen=True, eq=False)
class Replay:
    """The outcome of :func:`replay`. Arrays are (C,) or (C, K) as in :class:`Election`."""

    election: Election
    status1: np.ndarray  # (C, K) int8: rules.ELIMINATED / QUALIFIED / ELECTED
    winner_round: np.ndarray  # (C,) 1, 2, or 0 (undecided: no round-2 data, or unresolved tie)
    winner: np.ndarray  # (C,) candidate column, -1 when undecided
    unresolved_ties: tuple[str, ...]
    withdrawn: np.ndarray  # (C, K) bool: qualified by law, absent from the round-2 ballot
    mismatches: tuple[Mismatch, ...] = field(default=())
    #: differences the source explains itself (a quirk found at ingest): listed, not failures
    explained: tuple[Mismatch, ...] = field(default=())

    def __repr__(self) -> str:  # a notebook shows this, not every array
        return (
            f"Replay(year={self.election.year}, constituencies={self.election.n_constituencies}, "
            f"elected_round1={self.elected_round1}, decided={self.decided}, "
            f"mismatches={len(self.mismatches)}, seats_by_bloc={self.seats_by_bloc()})"
        )

    @property
    def ok(self) -> bool:
        """Whether every decision of the law matches the official outcome."""
        return not self.mismatches

    def verdict(self) -> str:
        """The replay's check in one clause, for reports and dashboards.

        Differences the source explains itself are named, so that a year with some (2012) is not
        shown as a perfect match."""
        if self.mismatches:
            return f"{len(self.mismatches)} decision(s) differ from the official outcome"
        text = "every decision of the law matches the official outcome"
        if self.explained:
            n = len(self.explained)
            text += (
                f", except {n} decision(s) where the source contradicts itself (quirks found "
                f"at ingest: hemicycle data quirks {self.election.year})"
            )
        return text

    @property
    def elected_round1(self) -> int:
        return int((self.winner_round == 1).sum())

    @property
    def runoffs(self) -> np.ndarray:
        """(C,) bool: constituencies whose round 1 (held, with counts) elected nobody."""
        return ~(self.status1 == rules.ELECTED).any(axis=1) & self.election.round1.held

    def qualified_counts(self) -> Counter[int]:
        """Runoff configurations by law: how many qualified, per runoff constituency."""
        n = (self.status1 == rules.QUALIFIED).sum(axis=1)[self.runoffs]
        return Counter(int(x) for x in n)

    def contest_sizes(self) -> Counter[int]:
        """Candidates on the round-2 ballot per constituency where round 2 was held."""
        r2 = self.election.round2
        if r2 is None:
            return Counter()
        return Counter(int(x) for x in r2.valid.sum(axis=1)[r2.held])

    def withdrawals_by_nuance(self) -> Counter[str]:
        """Qualified candidates absent from the round-2 ballot, by round-1 nuance."""
        e = self.election
        return Counter(e.round1.nuance[self.withdrawn].tolist())

    def nuance_changes(self) -> list[str]:
        """Round-2 candidates whose nuance differs from round 1, as ``code SURNAME A→B``."""
        e = self.election
        if e.round2 is None:
            return []
        diff = e.round2.valid & (e.round2.nuance != e.round1.nuance)
        return [
            f"{e.codes[i]} {e.surname[i, k]} {e.round1.nuance[i, k]}→{e.round2.nuance[i, k]}"
            for i, k in zip(*np.nonzero(diff), strict=True)
        ]

    def winner_nuance(self) -> np.ndarray:
        """(C,) nuance printed in the file of the round in which the winner was elected ('' if
        none)."""
        e = self.election
        out = np.full(e.n_constituencies, "", dtype=object)
        rows = np.arange(e.n_constituencies)
        k = np.where(self.winner >= 0, self.winner, 0)
        r1 = self.winner_round == 1
        out[r1] = e.round1.nuance[rows[r1], k[r1]]
        if e.round2 is not None:
            r2 = self.winner_round == 2
            out[r2] = e.round2.nuance[rows[r2], k[r2]]
        return out

    def seats_by_nuance(self) -> dict[str, int]:
        """Seats by the nuance printed where the winner was elected, most first."""
        counts = Counter(n for n in self.winner_nuance().tolist() if n)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def seats_by_bloc(self) -> dict[str, int]:
        """Seats by bloc (``hemicycle/data/blocs.csv``), left to right, blocs without seats left
        out."""
        nu = [n for n in self.winner_nuance().tolist() if n]
        counts = Counter(blocs_of(self.election.year, nu))
        return {b: counts.get(b, 0) for b in BLOCS if counts.get(b, 0)}

    @property
    def decided(self) -> int:
        """Constituencies with a winner in the data (all of them once round 2 is there)."""
        return int((self.winner >= 0).sum())

    # ----- the domain's tables, computed once -----------------------------------------------

    def labels(self) -> dict[str, str]:
        """Constituency code → label (``Paris 5``), in the Ministry's spelling."""
        e = self.election
        return {
            c: constituency_label(str(n), str(d), str(c))
            for c, n, d in zip(
                e.codes.tolist(), e.department_names.tolist(), e.departments.tolist(), strict=True
            )
        }

    def candidates(self) -> pd.DataFrame:
        """The tidy results: one row per candidate and round held (:data:`CANDIDATE_COLUMNS`),
        constituencies in the election's order, candidates by votes then panel. ``status``: round
        1, the law's (``elected``, ``qualified``, ``withdrawn`` — qualified but not on the round-2
        ballot —, ``eliminated``); round 2, ``elected`` or ``defeated``. Shares are of the
        constituency's votes expressed and registered voters in that round."""
        e = self.election
        names = self.labels()
        rows: list[tuple[object, ...]] = []
        for rnd_no, rnd in ((1, e.round1), (2, e.round2)):
            if rnd is None:
                continue
            for i, code in enumerate(e.codes.tolist()):
                if not rnd.held[i]:
                    continue
                exp, reg = max(int(rnd.expressed[i]), 1), max(int(rnd.registered[i]), 1)
                ks = np.flatnonzero(rnd.valid[i])
                for k in ks[np.lexsort((e.panel[i, ks], -rnd.votes[i, ks]))]:
                    st: str
                    if rnd_no == 1:
                        st = (
                            "withdrawn"
                            if self.withdrawn[i, k]
                            else STATUS_NAMES[int(self.status1[i, k])]
                        )
                    else:
                        won = self.winner_round[i] == 2 and self.winner[i] == k
                        st = "elected" if won else "defeated"
                    nu, v = str(rnd.nuance[i, k]), int(rnd.votes[i, k])
                    rows.append(
                        (
                            e.year,
                            code,
                            names[code],
                            rnd_no,
                            int(e.panel[i, k]),
                            e.surname[i, k],
                            e.first_name[i, k],
                            nu,
                            _bloc(e.year, nu),
                            v,
                            v / exp,
                            v / reg,
                            st,
                        )
                    )
        return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)

    def situations(self) -> pd.DataFrame:
        """The situation after round 1, one row per constituency whose round 1 has results
        (:data:`SITUATION_COLUMNS`):
        the round-1 leader (nuance, bloc, share of the votes expressed), the runoff the law
        produces (``situation``, one of :data:`SITUATIONS`; ``qualified``: how many, 0 where
        round 1 elected), the blocs of the qualified candidates who withdrew (a tuple), and the
        candidates on the round-2 ballot (``contest``; ``None`` where round 2 is not in the
        data)."""
        e = self.election
        r1, r2 = e.round1, e.round2
        names = self.labels()
        lead = np.where(r1.valid, r1.votes, -1).argmax(axis=1)
        qualified = (self.status1 == rules.QUALIFIED).sum(axis=1)
        rows = []
        for i, code in enumerate(e.codes.tolist()):
            if not r1.held[i]:  # no results in the source (1967's Rhône 11-13): no situation
                continue
            k, runoff = int(lead[i]), bool(self.runoffs[i])
            nu = str(r1.nuance[i, k])
            q = int(qualified[i])
            kind = (
                "elected"
                if not runoff
                else {2: "duel", 3: "three-way"}.get(q, "four-way" if q >= 4 else "duel")
            )
            wd = tuple(
                _bloc(e.year, str(r1.nuance[i, j])) for j in np.flatnonzero(self.withdrawn[i])
            )
            contest = (
                int(r2.valid[i].sum())
                if r2 is not None and r2.held[i]
                else (None if r2 is None or runoff else 0)
            )
            share = int(r1.votes[i, k]) / max(int(r1.expressed[i]), 1)
            rows.append(
                (
                    code,
                    names[code],
                    nu,
                    _bloc(e.year, nu),
                    share,
                    kind,
                    q if runoff else 0,
                    wd,
                    contest,
                )
            )
        return pd.DataFrame(rows, columns=SITUATION_COLUMNS)

    # ----- output tables ------------------------------------------------------------------

    def round1_frame(self) -> pd.DataFrame:
        """One row per round-1 candidate: ``constituency,panel,nuance,votes,status``."""
        e = self.election
        r, k = np.nonzero(e.round1.valid)
        return pd.DataFrame(
            {
                "constituency": e.codes[r],
                "panel": e.panel[r, k],
                "nuance": e.round1.nuance[r, k],
                "votes": e.round1.votes[r, k],
                "status": [STATUS_NAMES[int(s)] for s in self.status1[r, k]],
            },
            columns=ROUND1_HEADER,
        )

    def winners_frame(self) -> pd.DataFrame:
        """One row per decided constituency: ``constituency,round,panel,surname,nuance,votes``."""
        e = self.election
        rows = np.flatnonzero(self.winner >= 0)
        k = self.winner[rows]
        rnd = self.winner_round[rows]
        votes = e.round1.votes[rows, k].copy()
        if e.round2 is not None:
            votes = np.where(rnd == 2, e.round2.votes[rows, k], votes)
        return pd.DataFrame(
            {
                "constituency": e.codes[rows],
                "round": rnd,
                "panel": e.panel[rows, k],
                "surname": e.surname[rows, k],
                "nuance": self.winner_nuance()[rows],
                "votes": votes,
            },
            columns=WINNERS_HEADER,
        )


def replay(election: Election) -> Replay:
    """Run the law of ``election`` (``election.law``) on it and compare each decision with the
    official outcome."""
    e = election
    r1 = e.round1
    status = rules.round1_status(r1.votes, r1.valid, r1.registered, r1.expressed, law=e.law)
    elected1 = status == rules.ELECTED
    qualified = status == rules.QUALIFIED
    win1 = rules.round1_winner_index(status)
    name = _namer(e)
    # only what the source states is compared: a flag it does not have (the CDSP's round 1, 2012's
    # round 2) is never derived from the votes
    mismatches: list[Mismatch] = []
    for i in np.flatnonzero(((elected1 != r1.official_elected) & r1.official_known).any(axis=1)):
        law = [name(i, k) for k in np.flatnonzero(elected1[i])]
        off = [name(i, k) for k in np.flatnonzero(r1.official_elected[i])]
        mismatches.append(
            Mismatch(
                str(e.codes[i]),
                "round 1 elected",
                f"law: {law or 'none'}; official: {off or 'none'}",
            )
        )
    winner_round = np.where(win1 >= 0, 1, 0)
    winner = win1.copy()
    ties: list[str] = []
    withdrawn = np.zeros_like(qualified)
    if e.round2 is not None:
        win2, use2, ties, withdrawn = _round2(e, elected1, qualified, name, mismatches)
        winner = np.where(use2, win2, winner)
        winner_round = np.where(use2, 2, winner_round)
    assert winner.shape == (e.n_constituencies,)
    told = [
        m
        for m in mismatches
        if EXPLAINED_BY[m.decision] & e.quirk_kinds.get(m.constituency, frozenset())
    ]
    mismatches = [m for m in mismatches if m not in told]
    return Replay(
        e, status, winner_round, winner, tuple(ties), withdrawn, tuple(mismatches), tuple(told)
    )


def _namer(e: Election) -> Callable[[Any, Any], str]:
    """How a mismatch names candidate ``k`` of constituency ``i``."""
    r1 = e.round1

    def name(i: Any, k: Any) -> str:  # numpy integers from flatnonzero, or ints
        if not e.surname[i, k]:  # the party-column layout (1958–1981): no names
            return f"the {r1.nuance[i, k]} column (panel {e.panel[i, k]})"
        return f"{e.surname[i, k]} ({r1.nuance[i, k]}, panel {e.panel[i, k]})"

    return name


def _round2(
    e: Election,
    elected1: np.ndarray,
    qualified: np.ndarray,
    name: Callable[[Any, Any], str],
    mismatches: list[Mismatch],
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Round 2 under the law against the file, appending to ``mismatches``: returns the law's
    round-2 winners, where they decide the seat, the unresolved ties and the withdrawn."""
    r1, r2 = e.round1, e.round2
    assert r2 is not None
    runoff = ~np.any(elected1, axis=1)
    # a round 1 without counts (1967's Rhône 11–13) leaves the law nothing to decide there
    for i in np.flatnonzero((runoff != r2.held) & r1.held):
        what = "held" if r2.held[i] else "not held"
        mismatches.append(
            Mismatch(
                str(e.codes[i]),
                "round 2 held",
                f"round 2 {what}, but the law says "
                f"{'a runoff' if runoff[i] else 'decided in round 1'}",
            )
        )
    bad = r2.valid & ~qualified
    for i, k in zip(*np.nonzero(bad), strict=True):
        mismatches.append(
            Mismatch(
                str(e.codes[i]),
                "round 2 lineup",
                f"{name(i, k)} stood in round 2 without qualifying by law",
            )
        )
    withdrawn = qualified & ~r2.valid & r2.held[:, None]
    win2, tie = rules.round2_winner(r2.votes, r2.valid, e.birth)
    held = r2.held
    ties = [str(c) for c in e.codes[tie & held]]
    for i in np.flatnonzero(held):
        official = np.flatnonzero(r2.official_elected[i])
        by_law = int(win2[i])
        if tie[i] or not r2.official_known[i][r2.valid[i]].all():
            continue
        if len(official) != 1 or int(official[0]) != by_law:
            stated = [name(i, k) for k in official]
            mismatches.append(
                Mismatch(
                    str(e.codes[i]),
                    "round 2 winner",
                    f"law: {name(i, by_law) if by_law >= 0 else 'none'}; "
                    f"official: {stated or 'none'}",
                )
            )
    return win2, held & (win2 >= 0), ties, withdrawn
