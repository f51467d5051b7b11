"""Fundamentals: the presidential round 2 before a legislative election, by constituency, as a pull
on the projection's expected votes (docs/projection.md §2.3).

Before a legislative round 2, the last presidential round 2 has already said how each
constituency chose between two blocs (:func:`presidential_year`: the same year from 1981 on, 1988
for 1993, 1995 for 1997, 2022 for 2024). Each candidate of a runoff stands on the side of the
finalist whose bloc is nearer on the left-right scale (:func:`sides`; a bloc halfway between the
two goes with the finalist nearer the centre, and with neither when both are as near:
regionalists and others never take a side). In a runoff with candidates on both sides, the
projection's expected log ratio of the two sides' votes, ``m`` (finalist B's side over A's, the
mean over the pool's replicates), is pulled towards the presidential one, ``L``:

    m' = m + w (L − m)

by shifting the expected votes of side B by ``+w(L − m)/2`` and side A by ``−w(L − m)/2`` (log
scale) before the noise is drawn. ``L`` is a level, not a deviation: where the presidential
finalist of the far right did better than the projection expects her candidates to, it moves the
national picture as well as the local one. (The local deviation alone, ``L`` less its national
value, explained nothing the round-1 votes did not already.)

``w`` is learnt from the training elections only (:func:`fit_weight`): each training election
that has earlier ones is projected from them, as the back-test does, and ``w`` is the
least-squares slope of its runoffs' actual ``y − m`` on ``L − m`` (no intercept, every runoff of
every such election weighing the same), shrunk by its standard error and clipped to [0, 1]. Only
training elections whose presidential round 2 was of the target's kind count (:func:`kind`: against
the far right, or a classic left–right duel): the way a legislative round 2 follows a *barrage*
presidential round is not the way it follows a left–right one (learnt from 2002's barrage, the pull
made 2007's left–right projection worse). Whether to use it at all is
:attr:`~hemicycle.sim.calibrate.Priors.presidential`, chosen by the nested back-test.

A presidential election on another boundary map than the legislative one (1965 for 1967 and
1968) gives no fundamentals and says so (:class:`PresidentialDuel` is None with a reason); never a
join across maps. Constituencies the presidential file lacks (1988 and 1995: metropolitan France
only) get no pull.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hemicycle.data.blocs import BLOCS, finalist_bloc
from hemicycle.data.files import BOUNDARY_MAPS, PRESIDENTIAL_MAPS
from hemicycle.data.store import Store
from hemicycle.election import Election
from hemicycle.errors import YearNotAvailableError
from hemicycle.presidential import load_presidential
from hemicycle.sim.features import Runoffs
from hemicycle.sim.transfers import POSITIONS

__all__ = [
    "PresidentialDuel",
    "PresidentialShift",
    "duel",
    "fit_weight",
    "kind",
    "presidential_year",
    "samples",
    "sides",
]

#: The centre of the left-right scale (:data:`~hemicycle.sim.transfers.POSITIONS`).
CENTRE = POSITIONS["centre"]


def presidential_year(year: int) -> int | None:
    """The last presidential election held before ``year``'s legislative round 1 (the same year's
    from 1981 on), or None before the first one read (1965).

    >>> presidential_year(2024), presidential_year(1997), presidential_year(2012)
    (2022, 1995, 2012)
    """
    earlier = [p for p in PRESIDENTIAL_MAPS if p <= year]
    return max(earlier) if earlier else None


@dataclass(frozen=True, eq=False)
class PresidentialDuel:
    """A presidential round 2 on a legislative election's constituencies: finalist A is the one
    further left, B the other; ``logit[c]`` = log(B's votes / A's) in constituency ``c`` of the
    legislative election (NaN where the presidential file has no such constituency)."""

    year: int
    target: int
    blocs: tuple[str, str]
    names: tuple[str, str]
    logit: np.ndarray  # (C,) float64
    national: float

    def __repr__(self) -> str:
        return (
            f"PresidentialDuel({self.year} for {self.target}: {self.names[1]} ({self.blocs[1]}) "
            f"against {self.names[0]} ({self.blocs[0]}), national logit {self.national:+.3f}, "
            f"{int(np.isfinite(self.logit).sum())} of {len(self.logit)} constituencies)"
        )


def duel(store: Store, election: Election) -> tuple[PresidentialDuel | None, str]:
    """The presidential round 2 before ``election`` on its constituencies, and a one-line note;
    None (and why) where there is none to use: no presidential election before, one on another
    boundary map, or one the store lacks (the note names ``hemicycle presidential YEAR``; the
    CLI and the server read it in with the legislative years). A presidential table whose
    finalists ``finalists.csv`` does not classify is an error
    (:class:`~hemicycle.errors.YearNotAvailableError`)."""
    p = presidential_year(election.year)
    if p is None:
        return None, f"no fundamentals: no presidential election before {election.year}"
    leg_map, pres_map = BOUNDARY_MAPS.get(election.year), PRESIDENTIAL_MAPS[p]
    if leg_map != pres_map:
        return None, (
            f"no fundamentals for {election.year}: the {p} presidential election is on the "
            f"{pres_map} boundary map, {election.year}'s constituencies on the {leg_map} map"
        )
    if p not in store.presidential_years():
        return None, (
            f"no fundamentals: the {p} presidential election is not in the store "
            f"(`hemicycle presidential {p}` reads it in)"
        )
    pres = load_presidential(store, p)
    if 2 not in pres.rounds:
        raise YearNotAvailableError(f"the {p} presidential election has no round 2 in the store")
    votes = pres.votes[pres.votes["round"] == 2]
    national = votes.groupby("surname")["votes"].sum()
    named = [(str(n), finalist_bloc(p, str(n))) for n in national.index]
    if len(named) != 2 or any(b is None for _, b in named):
        raise YearNotAvailableError(
            f"the {p} presidential round 2 in the store has candidates "
            f"{', '.join(n for n, _ in named)}; finalists.csv names its two finalists' blocs"
        )
    a, b = sorted(named, key=lambda nb: POSITIONS[str(nb[1])])
    piv = votes.pivot_table(index="constituency", columns="surname", values="votes", aggfunc="sum")
    local = np.log(piv[b[0]].clip(lower=1) / piv[a[0]].clip(lower=1))
    logit = np.array([local.get(c, np.nan) for c in election.codes.tolist()], dtype=float)
    d = PresidentialDuel(
        year=p,
        target=election.year,
        blocs=(str(a[1]), str(b[1])),
        names=(a[0], b[0]),
        logit=logit,
        national=float(np.log(national[b[0]] / national[a[0]])),
    )
    missing = int(np.isnan(logit).sum())
    note = f"fundamentals: the {p} presidential round 2 ({b[0]} against {a[0]})"
    if missing:
        note += f"; {missing} constituencies of {election.year} are not in its file (no pull)"
    return d, note


def kind(d: PresidentialDuel) -> str:
    """``"far_right"`` for a presidential round 2 against the far right (2002, 2017, 2022: a
    *barrage*), ``"classic"`` otherwise (a left–right or centre–right duel): how a legislative
    round 2 follows the presidential one differs between the two, and the pull of a target is
    learnt from training elections of its kind only."""
    return "far_right" if "far_right" in d.blocs else "classic"


def sides(bloc: np.ndarray, finalists: tuple[str, str]) -> np.ndarray:
    """(R, J) int8: −1 where a slot's bloc stands with finalist A, +1 with B, 0 with neither
    (padding, regionalists and others, a bloc halfway between two finalists as near the centre).

    >>> sides(np.array([[1, 4], [3, 4], [1, 5]]), ("centre", "far_right")).tolist()
    [[-1, 1], [-1, 1], [-1, 0]]
    """
    pa, pb = POSITIONS[finalists[0]], POSITIONS[finalists[1]]
    side_of = np.zeros(len(BLOCS) + 1, np.int8)  # index -1 (padding): 0
    for i, name in enumerate(BLOCS):
        if name not in POSITIONS:
            continue
        p = POSITIONS[name]
        da, db = abs(p - pa), abs(p - pb)
        if da != db:
            side_of[i] = -1 if da < db else 1
        elif abs(pa - CENTRE) != abs(pb - CENTRE):
            side_of[i] = -1 if abs(pa - CENTRE) < abs(pb - CENTRE) else 1
    return side_of[bloc]


def _side_logits(votes: np.ndarray, side: np.ndarray) -> np.ndarray:
    """log(side B's votes / side A's) over the last axis (slots); NaN where a side is empty."""
    a = np.where(side == -1, votes, 0.0).sum(-1)
    b = np.where(side == 1, votes, 0.0).sum(-1)
    both = (side == -1).any(-1) & (side == 1).any(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(np.maximum(b, 1e-12) / np.maximum(a, 1e-12))
    return np.where(both, out, np.nan)


def expected_logits(expected: np.ndarray, side: np.ndarray) -> np.ndarray:
    """(R,) the projection's ``m``: the mean over replicates of the log ratio of the two sides'
    expected votes (``expected``: (M, R, J)); NaN where a runoff lacks a side."""
    return _side_logits(expected, side[None]).mean(axis=0)


@dataclass(frozen=True, eq=False)
class PresidentialShift:
    """The pull of a target's runoffs towards its presidential round 2: ``weight`` (``w``, learnt
    by :func:`fit_weight` from ``learnt_from``) and the target's :class:`PresidentialDuel`; with no
    duel (``missing`` says why), no pull."""

    weight: float
    duel: PresidentialDuel | None
    learnt_from: tuple[int, ...] = ()
    n_runoffs: int = 0
    missing: str = ""

    def log_shift(self, expected: np.ndarray, run: Runoffs, election: Election) -> np.ndarray:
        """(R, J) log factors on each slot's expected votes (``expected``: (M, R, J))."""
        if self.duel is None or self.weight == 0:
            return np.zeros(run.bloc.shape)
        d = self.duel
        if d.target != election.year or len(d.logit) != len(election.codes):
            raise ValueError(f"the presidential duel of {d.target} applied to {election.year}")
        side = sides(run.bloc, d.blocs)
        m = expected_logits(expected, side)
        gap = self.weight * (d.logit[run.rows] - m)
        gap = np.where(np.isfinite(gap), gap, 0.0)
        return 0.5 * gap[:, None] * side

    @property
    def note(self) -> str:
        d = self.duel
        if d is None:
            return self.missing
        return (
            f"pulled {self.weight:.2f} of the way towards the {d.year} presidential "
            f"round 2 ({d.names[1]} against {d.names[0]}; weight learnt from "
            f"{self.n_runoffs} runoffs of {', '.join(map(str, self.learnt_from)) or 'none'})"
        )


def samples(
    expected: np.ndarray, run: Runoffs, d: PresidentialDuel, round2_votes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(L − m, y − m)`` over the runoffs of a projected training election with candidates on
    both sides and a presidential value: ``expected`` (M, R, J) the projection's expected votes,
    ``round2_votes`` (C, K) the election's actual round 2."""
    side = sides(run.bloc, d.blocs)
    m = expected_logits(expected, side)
    actual = np.take_along_axis(round2_votes[run.rows], np.maximum(run.cols, 0), 1)
    actual = np.where(run.cols >= 0, actual, 0).astype(float)
    y = _side_logits(np.maximum(actual, 0.5), side)
    L = d.logit[run.rows]
    ok = np.isfinite(m) & np.isfinite(y) & np.isfinite(L)
    return (L - m)[ok], (y - m)[ok]


def fit_weight(per_election: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    """``w``: the least-squares slope through the origin of ``y − m`` on ``L − m`` over every
    runoff of the training elections, shrunk towards 0 by its own standard error (the
    positive-part James–Stein factor ``max(0, 1 − se²/w²)``: a slope learnt from a few dozen
    runoffs counts for little), clipped to [0, 1]; 0 without data.

    >>> x = np.array([1.0, -1.0, 2.0, -2.0]); fit_weight([(x, 0.5 * x), (x, 0.5 * x)])
    0.5
    """
    x = np.concatenate([np.asarray(a, float) for a, _ in per_election] or [np.zeros(0)])
    r = np.concatenate([np.asarray(b, float) for _, b in per_election] or [np.zeros(0)])
    den = float(x @ x)
    if len(x) < 3 or den <= 0:
        return 0.0
    w = float(x @ r) / den
    se2 = float(((r - w * x) ** 2).sum()) / (len(x) - 1) / den
    shrunk = w * max(0.0, 1.0 - se2 / w**2) if w > 0 else 0.0
    return float(np.clip(shrunk, 0.0, 1.0))
