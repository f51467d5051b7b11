"""From an :class:`~hemicycle.election.Election` to the arrays the transfer model works on.

Two things are built here, both as frozen values over plain numpy arrays:

* :class:`Origins` — round-1 behaviour of each constituency's registered voters, aggregated by
  harmonised bloc: ``x[c, i]`` is the share of the registered voters of constituency ``c`` who voted
  for a candidate of bloc ``i`` (``i`` in :data:`hemicycle.data.blocs.BLOCS`), and the last column
  (:data:`NONVOTER`) the share who abstained or cast a blank or null ballot. Rows sum to one.
* :class:`Runoffs` — the round-2 lineups: for each constituency that goes to a runoff, the round-1
  columns of its candidates ("slots"), ordered by bloc (left to right) then by round-1 votes, their
  blocs, and the *configuration* (the tuple of blocs standing, e.g. ``("left", "far_right")``).

The lineup comes from the official round 2 (``"data"``), from a user file, or from a withdrawal
scenario applied to the candidates who qualified under the law (:mod:`hemicycle.rules`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hemicycle import rules
from hemicycle.data.blocs import BLOCS
from hemicycle.data.two_columns import read_two_columns
from hemicycle.election import Election
from hemicycle.errors import DataFileError, OptionError
from hemicycle.options import (
    NONVOTER,
    ORIGINS,
    SCENARIOS,
    Scenario,
    TransferOverride,
    check_overrides,
)

__all__ = [
    "ABSTAIN",
    "BLOC_INDEX",
    "NONVOTER",
    "ORIGINS",
    "SCENARIOS",
    "FrontRepublicain",
    "Origins",
    "Runoffs",
    "Scenario",
    "TransferOverride",
    "apply_overrides",
    "check_overrides",
    "national_profile",
    "origins",
    "parse_scenario",
    "read_lineup_file",
    "resolve_lineup",
    "runoffs",
]

#: Extra destination column of the transfer matrices: did not cast a valid vote in round 2.
ABSTAIN = "abstain"
BLOC_INDEX: dict[str, int] = {b: i for i, b in enumerate(BLOCS)}


@dataclass(frozen=True, eq=False)
class Origins:
    """Round-1 shares of the registered voters, by bloc and non-voters: ``x`` is (C, 8)."""

    x: np.ndarray  # (C, len(ORIGINS)) float64, rows sum to 1
    registered: np.ndarray  # (C,) int64


def origins(election: Election) -> Origins:
    """Round-1 shares of the registered voters by bloc (+ non-voters) for every constituency."""
    r1 = election.round1
    blocs = election.blocs(1)
    votes = np.where(r1.valid, r1.votes, 0).astype(np.float64)
    reg = r1.registered.astype(np.float64)
    x = np.zeros((election.n_constituencies, len(ORIGINS)))
    for i, b in enumerate(BLOCS):
        x[:, i] = np.where(blocs == b, votes, 0.0).sum(axis=1)
    x[:, -1] = np.maximum(reg - x[:, :-1].sum(axis=1), 0.0)
    tot = x.sum(axis=1, keepdims=True)
    x = np.divide(x, tot, out=np.zeros_like(x), where=tot > 0)
    return Origins(x=x, registered=r1.registered.astype(np.int64))


def national_profile(election: Election) -> np.ndarray:
    """National round-1 shares of the votes cast, by bloc (:data:`BLOCS` order; sums to 1): what an
    election looks like before its round 2, used to weigh training elections by similarity."""
    r1 = election.round1
    blocs = election.blocs(1)
    votes = np.where(r1.valid, r1.votes, 0).astype(np.float64)
    tot = np.array([votes[blocs == b].sum() for b in BLOCS])
    return tot / max(tot.sum(), 1.0)


@dataclass(frozen=True, eq=False)
class Runoffs:
    """Round-2 lineups of the constituencies that go to a runoff.

    ``rows`` are constituency indices into the election; ``cols[r, j]`` the round-1 column of the
    ``j``-th candidate standing there (``-1`` for padding), ordered by bloc then round-1 votes;
    ``bloc[r, j]`` its bloc index (``-1`` padding); ``within[r, j]`` its share of the round-1
    votes of the candidates of its bloc standing there (1 when it is its bloc's only candidate).
    """

    rows: np.ndarray  # (R,) int64
    cols: np.ndarray  # (R, J) int64
    bloc: np.ndarray  # (R, J) int64
    within: np.ndarray  # (R, J) float64
    r1_votes: np.ndarray  # (R, J) float64 round-1 votes of the slot's candidate

    def subset(self, keep: np.ndarray) -> Runoffs:
        """The runoffs selected by ``keep`` (a bool mask or indices over ``rows``)."""
        return Runoffs(
            rows=self.rows[keep],
            cols=self.cols[keep],
            bloc=self.bloc[keep],
            within=self.within[keep],
            r1_votes=self.r1_votes[keep],
        )

    @property
    def n_slots(self) -> np.ndarray:
        return (self.cols >= 0).sum(axis=1)

    def config(self, r: int) -> tuple[str, ...]:
        return tuple(BLOCS[b] for b in self.bloc[r] if b >= 0)

    def configs(self) -> list[tuple[str, ...]]:
        return [self.config(r) for r in range(len(self.rows))]


def runoffs(election: Election, standing: np.ndarray) -> Runoffs:
    """Build :class:`Runoffs` from a (C, K) bool mask of round-2 candidates.

    Constituencies with no candidate in ``standing`` (decided in round 1) are left out.
    """
    r1 = election.round1
    blocs = election.blocs(1)
    rows = np.flatnonzero(standing.any(axis=1))
    J = max(int(standing.sum(axis=1).max()), 1) if standing.size else 1
    cols = np.full((len(rows), J), -1, np.int64)
    bl = np.full((len(rows), J), -1, np.int64)
    within = np.zeros((len(rows), J))
    r1v = np.zeros((len(rows), J))
    for r, c in enumerate(rows):
        ks = np.flatnonzero(standing[c])
        order = sorted(ks, key=lambda k: (BLOC_INDEX[blocs[c, k]], -r1.votes[c, k], k))
        for j, k in enumerate(order):
            cols[r, j] = k
            bl[r, j] = BLOC_INDEX[blocs[c, k]]
            r1v[r, j] = float(r1.votes[c, k])
        for j in range(len(order)):
            same = bl[r, : len(order)] == bl[r, j]
            tot = r1v[r, : len(order)][same].sum()
            within[r, j] = r1v[r, j] / tot if tot > 0 else 1.0 / same.sum()
    return Runoffs(rows=rows, cols=cols, bloc=bl, within=within, r1_votes=r1v)


# --------------------------------------------------------------------------- lineups


@dataclass(frozen=True)
class FrontRepublicain:
    """The 2024 "front républicain" withdrawal scenario, parameterised.

    In every constituency going to a runoff with three or more qualified candidates where a
    candidate of an ``against`` bloc is placed first or second in round 1 (``top`` = 2), each
    qualified candidate of a ``withdrawing`` bloc placed third or lower withdraws. The two leading
    candidates never withdraw, so every runoff keeps at least two candidates.

    The string form is ``front-republicain`` (defaults: left and centre withdraw against the far
    right) or ``front-republicain:BLOC+BLOC/AGAINST+AGAINST``, e.g.
    ``front-republicain:left+centre+right/far_right``.
    """

    withdrawing: tuple[str, ...] = ("left", "centre")
    against: tuple[str, ...] = ("far_right",)
    top: int = 2

    @classmethod
    def parse(cls, text: str) -> FrontRepublicain:
        _, colon, opts = text.partition(":")
        if not colon:
            return cls()
        if not opts.strip():
            raise OptionError(
                f"scenario {text!r} has nothing after ':'; give WITHDRAWING/AGAINST blocs, e.g. "
                f"front-republicain:left+centre/far_right, or no ':' for the default"
            )
        w, _, a = opts.partition("/")
        withdrawing = tuple(s for s in w.split("+") if s) or cls.withdrawing
        against = tuple(s for s in a.split("+") if s) or cls.against
        for b in (*withdrawing, *against):
            if b not in BLOCS:
                raise OptionError(
                    f"unknown bloc {b!r} in scenario {text!r}; blocs are {', '.join(BLOCS)}"
                )
        return cls(withdrawing=withdrawing, against=against)

    def withdrawn(self, election: Election, qualified: np.ndarray) -> np.ndarray:
        votes = np.where(qualified, election.round1.votes, -1)
        blocs = election.blocs(1)
        # rank 0 = first in round 1 among the qualified (ties: lower column first, deterministic)
        order = np.argsort(-votes, axis=1, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(votes.shape[1])[None, :], axis=1)
        is_against = np.isin(blocs, self.against) & qualified
        threatened = (is_against & (rank < self.top)).any(axis=1) & (qualified.sum(axis=1) >= 3)
        drop = qualified & np.isin(blocs, self.withdrawing) & (rank >= self.top)
        return drop & threatened[:, None]


def apply_overrides(
    T: np.ndarray, run: Runoffs, overrides: tuple[TransferOverride, ...]
) -> np.ndarray:
    """Transfer matrices ``T`` (R, len(ORIGINS), J+1) of ``run`` with ``overrides`` applied (a
    copy); ``overrides`` as :func:`check_overrides` passed them (checked once, not for every
    replicate).

    The overrides of one origin apply together, so their order does not matter: in a runoff, each
    overridden destination that stands gets its rate (split between its candidates as learnt),
    and the other destinations (candidates and abstention) share what is left in their learnt
    proportions."""
    if not overrides:
        return T
    T = T.copy()
    R, J = run.cols.shape
    present = np.stack([(run.bloc == i).any(axis=1) for i in range(len(BLOCS))], axis=1)  # (R, B)
    for origin in dict.fromkeys(ov.origin for ov in overrides):
        o = ORIGINS.index(origin)
        # the override speaks of voters whose own bloc has no candidate in the runoff
        own_absent = ~present[:, o] if o < len(BLOCS) else np.ones(R, bool)
        row = T[:, o, :]  # (R, J+1)
        fixed = np.zeros((R, J + 1))
        is_fixed = np.zeros((R, J + 1), bool)
        given = np.zeros((R, 1))  # the rates of the overridden destinations standing
        for ov in (ov for ov in overrides if ov.origin == origin):
            d = BLOC_INDEX[ov.destination]
            is_d = np.zeros((R, J + 1), bool)
            is_d[:, :J] = (run.bloc == d) & (present[:, d] & own_absent)[:, None]
            to_d = np.where(is_d, row, 0.0)
            n_d = is_d.sum(axis=1, keepdims=True)
            s_d = to_d.sum(axis=1, keepdims=True)
            w_d = np.where(s_d > 0, to_d / np.where(s_d > 0, s_d, 1.0), is_d / np.maximum(n_d, 1))
            fixed += ov.rate * w_d
            given += ov.rate * is_d.any(axis=1, keepdims=True)
            is_fixed |= is_d
        sel = is_fixed.any(axis=1)
        if not sel.any():
            continue
        rest = np.where(is_fixed, 0.0, row)
        s_rest = rest.sum(axis=1, keepdims=True)
        w_rest = np.divide(rest, s_rest, out=np.zeros_like(rest), where=s_rest > 0)
        # with nowhere else to go, the remainder abstains
        w_rest[:, J] = np.where(s_rest[:, 0] > 0, w_rest[:, J], 1.0)
        T[sel, o, :] = (fixed + (1.0 - given) * w_rest)[sel]
    return T


def parse_scenario(text: str) -> str | FrontRepublicain:
    name = text.partition(":")[0]
    if name == "front-republicain":
        return FrontRepublicain.parse(text)
    if name in ("data", "none") and ":" not in text:
        return name
    raise OptionError(f"unknown withdrawal scenario {text!r}; allowed: {', '.join(SCENARIOS)}")


def read_lineup_file(path: str | Path) -> list[tuple[int, str, int]]:
    """Rows ``(line, constituency, panel)`` of a lineup CSV with header ``constituency,panel``; a
    row given twice is refused."""
    out = []
    first: dict[tuple[str, int], int] = {}
    for n, code, panel in read_two_columns(path, ("constituency", "panel"), what="lineup file"):
        try:
            out.append((n, code, int(panel)))
        except ValueError:
            raise DataFileError(
                f"panel {panel!r} is not an integer", file=str(path), line=n, column="panel"
            ) from None
        if (code, int(panel)) in first:
            raise DataFileError(
                f"constituency {code} panel {int(panel)} is listed twice "
                f"(first on line {first[code, int(panel)]})",
                file=str(path),
                line=n,
                column="panel",
            )
        first[code, int(panel)] = n
    return out


def resolve_lineup(
    election: Election,
    *,
    lineup: str | Path | None = None,
    withdrawals: str | FrontRepublicain | None = None,
) -> np.ndarray:
    """The (C, K) bool mask of round-2 candidates of ``election``.

    ``withdrawals`` is one of :data:`SCENARIOS` (default ``"data"`` when the election's round 2 is
    in the store, else ``"none"``): ``"data"`` takes who actually stood; ``"none"`` keeps every
    qualified candidate; ``"front-republicain"`` applies :class:`FrontRepublicain`. A ``lineup``
    file (header ``constituency,panel``) then replaces the lineup of every constituency it names;
    naming a candidate who did not qualify, or a constituency decided in round 1, is an error.
    """
    status = election.round1_status()
    qualified = status == rules.QUALIFIED
    if withdrawals is None:
        withdrawals = "data" if election.round2 is not None else "none"
    scen = parse_scenario(withdrawals) if isinstance(withdrawals, str) else withdrawals
    if scen == "data":
        if election.round2 is None:
            raise OptionError(
                f"withdrawal scenario 'data' needs {election.year}'s round 2, which is "
                f"not in the store; allowed here: none, front-republicain"
            )
        standing = election.round2.valid & qualified
        # a constituency the law sends to round 2 always has its official lineup; keep the
        # official one even if a candidate's round-1 status differs from the official flags
        extra = election.round2.valid & ~qualified & qualified.any(axis=1, keepdims=True)
        standing = standing | extra
    elif scen == "none":
        standing = qualified.copy()
    elif isinstance(scen, FrontRepublicain):
        standing = rules.lineup(qualified, scen.withdrawn(election, qualified))
    else:  # pragma: no cover - parse_scenario already refused it
        raise OptionError(f"unknown withdrawal scenario {scen!r}; allowed: {', '.join(SCENARIOS)}")
    if lineup is not None:
        rows = read_lineup_file(lineup)
        seen: dict[int, list[int]] = {}
        for line, code, panel in rows:
            hits = np.flatnonzero(election.codes == code)
            if not len(hits):
                raise DataFileError(
                    f"no constituency {code!r} in {election.year}",
                    file=str(lineup),
                    line=line,
                    column="constituency",
                )
            c = int(hits[0])
            ks = np.flatnonzero(election.panel[c] == panel)
            if not len(ks):
                raise OptionError(
                    f"{lineup}, line {line}: constituency {code} has no candidate with "
                    f"panel {panel} in round 1"
                )
            k = int(ks[0])
            if not qualified[c, k]:
                why = (
                    "was elected in round 1"
                    if status[c, k] == rules.ELECTED
                    else "the constituency was decided in round 1"
                    if (status[c] == rules.ELECTED).any()
                    else "did not qualify for round 2"
                )
                raise OptionError(
                    f"{lineup}, line {line}: {election.surname[c, k]} (panel {panel}) "
                    f"in {code} cannot stand in round 2: {why}"
                )
            seen.setdefault(c, []).append(k)
        for row, cols in seen.items():
            standing[row] = False
            standing[row, cols] = True
    return standing
