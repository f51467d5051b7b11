"""The night: the projection's simulated elections conditioned, poll after poll, on the live count.

:class:`Night` ties the three pieces together: the Monte Carlo's draws of every runoff
(:class:`~hemicycle.live.draws.Draws`), the election's runoffs (constituency codes, panel numbers
and blocs of their slots) and the snapshots of :mod:`hemicycle.live.state`. Each
:meth:`Night.update` adds the log likelihood of the runoffs declared since the last one (computed
for those runoffs only), then reweights (:func:`~hemicycle.live.condition.condition`) and updates
the calls. It keeps that running sum and the calls: one object per night, fed in poll order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hemicycle import rules
from hemicycle.data.blocs import BLOCS, blocs_of
from hemicycle.election import Election, printed_nuance
from hemicycle.live.condition import (
    CALL_THRESHOLD,
    MIN_ESS,
    Calls,
    Posterior,
    condition,
    simulated_seats,
)
from hemicycle.live.draws import Draws
from hemicycle.live.feed import Failure, Snapshot
from hemicycle.sim.features import BLOC_INDEX, Runoffs


def printed_blocs(election: Election) -> np.ndarray:
    """(C, K) bloc of each candidate from the nuance printed in round 2 where they stood there
    (three 2024 candidates changed nuance between rounds), else in round 1: the seat tables'."""
    nuance = printed_nuance(election)
    flat = blocs_of(election.year, nuance.ravel().tolist())
    return np.asarray(flat, dtype=object).reshape(nuance.shape)


def fixed_seats(election: Election, standing: np.ndarray) -> np.ndarray:
    """(len(BLOCS),) seats won outside contested runoffs: in round 1, or by a lone candidate."""
    status = election.round1_status()
    blocs = printed_blocs(election)
    out = np.zeros(len(BLOCS), np.int64)
    for c in range(election.n_constituencies):
        won = np.flatnonzero(status[c] == rules.ELECTED)
        if len(won):
            out[BLOC_INDEX[blocs[c, won[0]]]] += 1
        elif standing[c].sum() == 1:
            out[BLOC_INDEX[blocs[c, np.flatnonzero(standing[c])[0]]]] += 1
    return out


@dataclass(frozen=True, eq=False)
class Update:
    """One update of the night: the posterior, the calls after it, the runoffs newly declared
    and the declared counts that could not be used (a panel outside the simulated lineup)."""

    poll: int
    posterior: Posterior
    calls: Calls
    declared: tuple[str, ...]
    skipped: tuple[Failure, ...]


class Night:
    """The projection of ``election``'s contested runoffs ``run`` (``draws`` simulated on them,
    lineup ``standing``) conditioned on the live count."""

    def __init__(
        self,
        election: Election,
        run: Runoffs,
        draws: Draws,
        standing: np.ndarray,
        *,
        threshold: float = CALL_THRESHOLD,
        min_ess: float = MIN_ESS,
    ) -> None:
        if draws.winners.shape[1] != len(run.rows):
            raise ValueError("the draws do not simulate these runoffs")
        self.draws = draws
        self.codes = tuple(str(c) for c in election.codes[run.rows])
        self.panels = np.where(
            run.cols >= 0,
            np.take_along_axis(election.panel[run.rows], np.maximum(run.cols, 0), 1),
            -1,
        )
        self.birth = draws.inp.birth
        # seats are counted by the bloc of the nuance printed in round 2 (the simulation's own
        # slot blocs, run.bloc, are round 1's: what the transfers were learnt on)
        blocs = printed_blocs(election)
        self.slot_group = np.where(
            run.cols >= 0,
            np.vectorize(lambda b: BLOC_INDEX.get(b, -1), otypes=[np.int64])(
                np.take_along_axis(blocs[run.rows], np.maximum(run.cols, 0), 1)
            ),
            -1,
        )
        self.fixed = fixed_seats(election, standing)
        self.index = {c: r for r, c in enumerate(self.codes)}
        self.loglik = np.zeros(draws.sims)
        self.declared_winner = np.full(len(self.codes), -1, np.int64)
        self.calls = Calls(threshold=threshold)
        self.min_ess = min_ess
        self.sim_seats = simulated_seats(draws.winners, self.slot_group, len(BLOCS))

    def update(self, snapshot: Snapshot, *, poll: int = 0, at: str = "") -> Update:
        """Condition on every count of ``snapshot`` declared since the last update."""
        rows, observed, winners, names, skipped = [], [], [], [], []
        J = self.panels.shape[1]
        for count in snapshot.counts:
            r = self.index.get(count.constituency)
            if not count.final or r is None or self.declared_winner[r] >= 0:
                continue
            slot = {int(p): j for j, p in enumerate(self.panels[r]) if p >= 0}
            extra = [p for p in count.panels if p not in slot]
            if extra:
                skipped.append(
                    Failure(
                        count.file,
                        f"file {count.file}, constituency {count.constituency}: panel "
                        f"{extra[0]} did not stand in the simulated lineup; its result is not "
                        f"used to condition the projection",
                    )
                )
                continue
            obs = np.where(self.panels[r] >= 0, 0, -1).astype(np.float64)
            for p, v in zip(count.panels, count.votes, strict=True):
                obs[slot[p]] = v
            top = np.flatnonzero(obs == obs.max())
            win = int(top[np.argmin(self.birth[r, top])])  # a tie goes to the older (the law)
            missing = sorted(set(slot) - set(count.panels))
            if missing:  # the seat is known, but not how the simulated lineup's votes went
                self.declared_winner[r] = win
                skipped.append(
                    Failure(
                        count.file,
                        f"file {count.file}, constituency {count.constituency}: panel "
                        f"{missing[0]} of the simulated lineup is not in the count; the seat is "
                        f"fixed, the votes are not used to condition the projection",
                    )
                )
                names.append(count.constituency)
                continue
            rows.append(r)
            observed.append(obs)
            winners.append(win)
            names.append(count.constituency)
        if rows:
            idx = np.asarray(rows)
            obs = np.asarray(observed).reshape(-1, J)
            self.loglik += self.draws.log_likelihood(idx, obs)
            self.declared_winner[idx] = winners
        post = condition(
            self.draws.winners,
            self.loglik,
            self.declared_winner,
            self.slot_group,
            self.fixed,
            BLOCS,
            min_ess=self.min_ess,
            sim_seats=self.sim_seats,
        )
        self.calls = self.calls.update(self.codes, self.panels, post, poll=poll, at=at)
        return Update(poll, post, self.calls, tuple(names), tuple(skipped))
