"""Single-member systems: the actual two-round law, first-round plurality, and two-round variants.

Round 1 is the law's (:func:`hemicycle.rules.round1_status`) everywhere except in plurality. A
runoff is then decided as follows, constituency by constituency:

* a lone candidate wins;
* where the variant's lineup is the one that actually stood in round 2, the official round-2
  votes decide (:func:`hemicycle.rules.round2_winner`: most votes, tie to the older);
* elsewhere the round-2 votes were never cast: the projector (transfers learnt from an earlier
  election, :mod:`hemicycle.sim`) gives the most likely winner, and the allocation's notes say
  so; without a projector the round-1 votes of the candidates standing decide, and the notes
  say that too.

A seat is counted under the group of the nuance printed in the file of the round the winner was
elected in (the round-2 nuance for a round-2 winner who stood in the actual round 2), as the
Ministry's seat tables do.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from hemicycle import rules
from hemicycle.election import Election
from hemicycle.errors import OptionError
from hemicycle.sim.project import Projection
from hemicycle.systems.base import Allocation, Votes
from hemicycle.systems.registry import register

SEATS_PER_CONSTITUENCY = 1


def most_likely(e: Election, proj: Projection) -> np.ndarray:
    """(C,) column of the candidate with the highest probability of winning (-1: no candidate)."""
    best = proj.preds.sort_values(["p_win", "panel"], ascending=[False, True], kind="stable")
    best = best.drop_duplicates("constituency")
    out = np.full(e.n_constituencies, -1, np.int64)
    row = {c: i for i, c in enumerate(e.codes.tolist())}
    for code, panel in zip(best["constituency"].tolist(), best["panel"].tolist(), strict=True):
        c = row[code]
        out[c] = int(np.flatnonzero(e.panel[c] == panel)[0])
    return out


def resolve(v: Votes, standing: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Winner column (C,), its group (C,) and notes, for the round-2 lineup ``standing`` (C, K).

    The group is that of the nuance printed where the winner was elected (the round-2 file for a
    candidate who stood in the actual round 2: :func:`hemicycle.election.printed_nuance`).
    """
    e = v.election
    notes: list[str] = []
    winner = v.decided_round1.copy()
    open_ = winner < 0
    standing = standing & open_[:, None]
    n = standing.sum(axis=1)
    single = open_ & (n == 1)
    winner[single] = standing[single].argmax(axis=1)
    contested = open_ & (n >= 2)
    same = np.zeros_like(contested)
    if e.round2 is not None:
        # the lineup that actually stood: the official votes decide (the law, via the replay)
        same = contested & e.round2.held & (standing == e.round2.valid).all(axis=1)
        tie = same & (v.replay.winner < 0)
        if tie.any():
            notes.append(
                f"{int(tie.sum())} round-2 tie(s) without known birth dates: treated as "
                f"runoffs never held"
            )
        same &= ~tie
        winner[same] = v.replay.winner[same]
    changed = contested & ~same
    if changed.any():
        if v.projection is not None:
            pw = most_likely(e, v.projection(standing))
            winner[changed] = pw[changed]
            notes.append(
                f"{int(changed.sum())} runoffs never held with this lineup: most likely "
                f"winner when {v.projection_note}"
            )
        else:
            votes1 = np.where(standing, e.round1.votes, -1)
            w1, _ = rules.round2_winner(np.maximum(votes1, 0), standing, e.birth)
            tied = changed & (w1 < 0)  # equal round-1 votes and no birth dates (2012 7405)
            w1 = np.where(tied, votes1.argmax(axis=1), w1)
            winner[changed] = w1[changed]
            notes.append(
                f"{int(changed.sum())} runoffs never held with this lineup and no earlier "
                f"election to learn transfers from: decided by round-1 votes among the "
                f"candidates standing (no transfers)"
            )
            if tied.any():
                notes.append(
                    f"{int(tied.sum())} of them tied in round-1 votes with no birth dates "
                    f"to break the tie: the first of the file's order is counted"
                )
    no_result = ~e.round1.valid.any(axis=1)  # no count in the source (1967's Rhône 11-13)
    # the file states a round-1 winner the law does not find on its own votes, and holds no round
    # 2 there (1978's 29-06, a quirk): the stated winner, said so
    stated = (winner < 0) & ~no_result & (e.round1.official_elected.sum(axis=1) == 1)
    if stated.any():
        winner[stated] = e.round1.official_elected[stated].argmax(axis=1)
        notes.append(
            f"{int(stated.sum())} constituencies whose file states a round-1 winner that the law "
            "does not find on its votes, with no round 2: the stated winner"
        )
    unknown = (winner < 0) & ~no_result
    if unknown.any():  # 1988's 975-01: votes that elect nobody, and no round 2 in the file
        notes.append(
            f"{int(unknown.sum())} constituencies without a winner in the data (no one elected "
            "by the law on the published votes, no round 2 in the file): left out of the house"
        )
    return winner, _labels(v.printed_labels, winner), notes


def _labels(table: np.ndarray, winner: np.ndarray) -> np.ndarray:
    """(C,) the group of each constituency's winner column; ``""`` where there is none (a
    constituency without results in the source)."""
    rows = np.arange(winner.shape[0])
    return np.where(winner >= 0, table[rows, np.maximum(winner, 0)], "").astype(object)


def _allocation(
    name: str, v: Votes, labels: np.ndarray, notes: list[str] | tuple[str, ...]
) -> Allocation:
    seats: dict[str, int] = {}
    for g in labels.tolist():
        if g:  # "": a constituency without results in the source holds no seat here
            seats[g] = seats.get(g, 0) + SEATS_PER_CONSTITUENCY
    missing = int(sum(1 for g in labels.tolist() if not g))
    if missing:
        notes = [
            *notes,
            f"{missing} constituencies without results in the source are left out of the house",
        ]
    return Allocation.build(
        name,
        v.unit.name,
        seats,
        v.national,
        house_size=len(labels) - missing,
        notes=tuple(notes),
        winners=labels,
    )


def qualified(v: Votes) -> np.ndarray:
    return v.status1 == rules.QUALIFIED


def official_lineup(v: Votes) -> tuple[np.ndarray, list[str]]:
    """Who stood in round 2 (the official file), or every qualified candidate when it is unknown."""
    e = v.election
    if e.round2 is None:
        return qualified(v), [
            f"{e.year} round 2 is not in the store: every qualified candidate "
            f"is assumed to stand (no withdrawals)"
        ]
    return e.round2.valid & (v.decided_round1 < 0)[:, None], []


def withdrawn(v: Votes) -> np.ndarray:
    """(C, K) candidates who qualified under the law and did not stand in the official round 2."""
    return v.replay.withdrawn


@register("actual", "Two-round system as in force (the baseline: the law on the official votes)")
def actual(v: Votes, *, name: str = "actual") -> Allocation:
    lineup, notes = official_lineup(v)
    _, labels, more = resolve(v, lineup)
    return _allocation(name, v, labels, notes + more)


@register("plurality", "First-round plurality: the round-1 leader of each constituency wins")
def plurality(v: Votes, *, name: str = "plurality") -> Allocation:
    e = v.election
    w, tie = rules.round2_winner(e.round1.votes, e.round1.valid, e.birth)  # most votes, tie → older
    notes = []
    if tie.any():
        first = np.where(e.round1.valid, e.round1.votes, -1).argmax(axis=1)
        w = np.where(tie, first, w)
        notes.append(f"{int(tie.sum())} first-place tie(s) without birth dates: lower panel wins")
    return _allocation(name, v, _labels(v.round1_labels, w), notes)


@register(
    "two_round_expressed",
    "Two rounds, qualification at 12.5% of the votes cast "
    "(exprimés) instead of the registered voters; actual withdrawals kept",
    needs_round2=True,
)
def two_round_expressed(
    v: Votes, *, name: str = "two_round_expressed", share: float = 0.125
) -> Allocation:
    r1 = v.election.round1
    f = Fraction(str(share))
    if not 0 < f < 1:
        raise OptionError(f"two_round_expressed: share must be in (0, 1); got {share}")
    # the law's qualification (art. L162) with the votes cast as the base
    q = (
        rules.round1_qualified(r1.votes, r1.valid, r1.expressed, share=f)
        & (v.decided_round1 < 0)[:, None]
    )
    lineup = q & ~withdrawn(v)
    # every candidate qualifying at this share withdrew in reality: only where the source's lineup
    # contradicts its own round-1 votes (2012: four constituencies); they all stand there
    empty = q.any(axis=1) & ~lineup.any(axis=1)
    lineup[empty] = q[empty]
    _, labels, notes = resolve(v, lineup)
    if empty.any():
        notes.append(
            f"{int(empty.sum())} constituencies where every candidate qualifying at this "
            f"share withdrew in reality: they all stand"
        )
    return _allocation(
        name,
        v,
        labels,
        [
            f"qualification at {float(f):.1%} of the votes cast; "
            f"candidates who withdrew in reality withdraw here too",
            *notes,
        ],
    )


@register(
    "two_round_top_two",
    "Two rounds, top-two runoffs only (as in presidential elections)",
    needs_round2=True,
)
def two_round_top_two(v: Votes, *, name: str = "two_round_top_two") -> Allocation:
    e = v.election
    r1 = e.round1
    # rank by votes, then the older candidate, then panel order (deterministic)
    votes = np.where(r1.valid, r1.votes, -1)
    order = np.lexsort(
        (np.broadcast_to(np.arange(votes.shape[1]), votes.shape), e.birth, -votes), axis=1
    )
    lineup = np.zeros_like(r1.valid)
    rows = np.arange(e.n_constituencies)[:, None]
    lineup[rows, order[:, :2]] = True
    lineup &= r1.valid & (v.decided_round1 < 0)[:, None]
    _, labels, notes = resolve(v, lineup)
    return _allocation(name, v, labels, ["the two round-1 leaders stand (ties: the older)", *notes])


@register(
    "two_round_no_withdrawals",
    "Two rounds, no withdrawals: every qualified candidate stands",
    needs_round2=True,
)
def two_round_no_withdrawals(v: Votes, *, name: str = "two_round_no_withdrawals") -> Allocation:
    _, labels, notes = resolve(v, qualified(v))
    return _allocation(name, v, labels, notes)


@register(
    "projected",
    "Round 2 projected from round 1 (official lineup where known, else every "
    "qualified candidate): the median Assembly of the simulations",
    needs_round2=True,
)
def projected(v: Votes, *, name: str = "projected") -> Allocation:
    """Group medians of the simulated seats, reconciled to the house size: groups whose mean is
    furthest above (below) their median gain (lose) the missing (extra) seats."""
    if v.projection is None:
        raise OptionError(
            "the projected Assembly needs transfers learnt from earlier elections: none were "
            f"asked for (train none), or no election before {v.election.year} with both rounds "
            "is in the store"
        )
    lineup, notes = official_lineup(v)
    proj = v.projection(lineup)
    is_nuance = np.array(proj.kinds) == "nuance"
    nuances = [g for g, n in zip(proj.groups, is_nuance.tolist(), strict=True) if n]
    labels = v.unit.labels(v.election.year, nuances)
    groups = sorted(set(labels))
    draws = proj.seat_draws[:, is_nuance].astype(np.int64)
    by = np.stack(
        [draws[:, [i for i, g2 in enumerate(labels) if g2 == g]].sum(axis=1) for g in groups],
        axis=1,
    )
    med = np.floor(np.median(by, axis=0)).astype(np.int64)
    gap = by.mean(axis=0) - med
    house = v.election.house_size
    diff = house - int(med.sum())
    order = np.argsort(-gap if diff > 0 else gap, kind="stable")
    step = 1 if diff > 0 else -1
    k = 0
    while diff:  # one seat at a time, cycling when more seats are missing than there are groups
        i = order[k % len(order)]
        k += 1
        if step < 0 and med[i] == 0:
            continue
        med[i] += step
        diff -= step
    seats = dict(zip(groups, med.tolist(), strict=True))
    return Allocation.build(
        name,
        v.unit.name,
        seats,
        v.national,
        house_size=house,
        notes=(f"median of {proj.sims:,} simulated Assemblies when {v.projection_note}", *notes),
    )
