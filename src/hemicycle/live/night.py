"""The night: the projection's simulated elections conditioned, poll after poll, on the live count.

:class:`Night` ties the three pieces together: the Monte Carlo's draws of every runoff
(:class:`~hemicycle.live.draws.Draws`), the election's runoffs (constituency codes, panel numbers
and blocs of their slots) and the snapshots of :mod:`hemicycle.live.state`. Each
:meth:`Night.update` adds the log likelihood of the runoffs declared since the last one (computed
for those runoffs only), then reweights (:func:`~hemicycle.live.condition.condition`) and updates
the calls. It keeps that running sum and the calls: one object per night, fed in poll order.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from hemicycle import rules
from hemicycle.data.blocs import BLOCS, blocs_of
from hemicycle.election import Election, printed_nuance
from hemicycle.errors import OptionError
from hemicycle.live.condition import (
    CALL_THRESHOLD,
    MIN_ESS,
    Calls,
    Posterior,
    condition,
    simulated_seats,
)
from hemicycle.live.draws import Draws
from hemicycle.live.effects import (
    NORMAL_TAILS,
    PARTICLES,
    Effects,
    Tails,
    count_wins,
    simulate_undeclared,
)
from hemicycle.live.feed import Failure, Snapshot
from hemicycle.live.replay import OVERSEAS
from hemicycle.sim.features import BLOC_INDEX, Runoffs


def printed_blocs(election: Election) -> np.ndarray:
    """(C, K) bloc of each candidate from the nuance printed in round 2 where they stood there
    (three 2024 candidates changed nuance between rounds), else in round 1: the seat tables'."""
    nuance = printed_nuance(election)
    flat = blocs_of(election.year, nuance.ravel().tolist())
    out = np.asarray(flat, dtype=object).reshape(nuance.shape)
    stood = election.round1.valid | (election.round2.valid if election.round2 else False)
    return np.where((out == "") & stood, "other", out)  # an empty nuance counts as other


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


#: How a night conditions: ``fresh`` (the election-level effects conditioned, the undeclared
#: runoffs simulated afresh: :mod:`hemicycle.live.effects`) or ``weights`` (importance weights on
#: the projection's simulations, tempered when they collapse: :mod:`hemicycle.live.condition`).
METHODS = ("fresh", "weights")


class Night:
    """The projection of ``election``'s contested runoffs ``run`` (``draws`` simulated on them,
    lineup ``standing``) conditioned on the live count.

    ``method`` (:data:`METHODS`): ``fresh`` (default) conditions the election-level effects and
    simulates the undeclared runoffs afresh (``draws.sims`` simulations, ``particles`` values of
    the replicate, mobilisation and turnout); ``weights`` reweights the projection's own
    simulations. ``rng`` feeds the fresh simulations (default: seeded from the draws' key, so a
    night is a function of its draws and its snapshots); ``tails``: the local noise's heavy tails
    for the fresh simulations (:class:`~hemicycle.live.effects.Tails`; default none, the Monte
    Carlo's normal; :func:`hemicycle.live.setup.prepare` fits them on the training elections).
    Until a declared count can be compared with the simulations, both give the projection's own
    simulations, unweighted — except ``fresh`` with heavy ``tails``, which simulates afresh with
    them from the first poll (calls made before any count are made on the night's noise)."""

    def __init__(
        self,
        election: Election,
        run: Runoffs,
        draws: Draws,
        standing: np.ndarray,
        *,
        threshold: float = CALL_THRESHOLD,
        min_ess: float = MIN_ESS,
        method: str = "fresh",
        particles: int = PARTICLES,
        rng: np.random.Generator | None = None,
        tails: Tails = NORMAL_TAILS,
    ) -> None:
        if method not in METHODS:
            raise OptionError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
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
        self.method = method
        self.particles = particles
        self.tails = tails
        self.rng = (
            rng if rng is not None else np.random.default_rng(np.random.SeedSequence(draws.key))
        )
        self.observed: dict[int, np.ndarray] = {}
        self.overseas = np.zeros(draws.inp.n_deps, bool)
        self.overseas[draws.inp.dep] = [c.startswith(OVERSEAS) for c in self.codes]
        self.effects = (
            Effects(draws, self.rng, particles=particles, overseas=self.overseas, tails=tails)
            if method == "fresh"
            else None
        )

    def restarted(
        self,
        *,
        method: str | None = None,
        rng: np.random.Generator | None = None,
        tails: Tails | None = None,
    ) -> Night:
        """A new night on the same draws and runoffs, nothing declared (``method``, ``rng`` and
        ``tails`` as the constructor's; default: this night's method and tails, an rng seeded
        from the draws' key)."""
        method = self.method if method is None else method
        if method not in METHODS:
            raise OptionError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
        new = copy.copy(self)
        new.method = method
        new.loglik = np.zeros(self.draws.sims)
        new.declared_winner = np.full(len(self.codes), -1, np.int64)
        new.calls = Calls(threshold=self.calls.threshold)
        new.rng = (
            rng
            if rng is not None
            else np.random.default_rng(np.random.SeedSequence(self.draws.key))
        )
        new.observed = {}
        new.tails = self.tails if tails is None else tails
        new.effects = (
            Effects(
                self.draws,
                new.rng,
                particles=self.particles,
                overseas=self.overseas,
                tails=new.tails,
            )
            if method == "fresh"
            else None
        )
        return new

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
            if self.effects is None:
                self.loglik += self.draws.log_likelihood(idx, obs)
            self.declared_winner[idx] = winners
            self.observed.update(zip(rows, observed, strict=True))
        # before any count can be compared, the projection's own simulations — unless the night's
        # local noise has heavy tails the projection's normal lacks: then fresh simulations with
        # them, so that no race is called at 20:00 on a thinner tail than the rest of the night's
        if self.effects is not None and (self.observed or self.tails != NORMAL_TAILS):
            post = self._fresh(bool(rows))
        else:
            post = self._weights()
        self.calls = self.calls.update(self.codes, self.panels, post, poll=poll, at=at)
        return Update(poll, post, self.calls, tuple(names), tuple(skipped))

    def _fresh(self, moved: bool) -> Posterior:
        assert self.effects is not None
        if moved:
            keys = sorted(self.observed)
            lin = self.effects.linear(
                np.asarray(keys), np.asarray([self.observed[r] for r in keys])
            )
            self.effects.update(lin)
        return fresh_posterior(
            self.effects,
            self.declared_winner,
            self.slot_group,
            self.fixed,
            BLOCS,
            sims=self.draws.sims,
            rng=self.rng,
        )

    def _weights(self) -> Posterior:
        return condition(
            self.draws.winners,
            self.loglik,
            self.declared_winner,
            self.slot_group,
            self.fixed,
            BLOCS,
            min_ess=self.min_ess,
            sim_seats=self.sim_seats,
        )


def fresh_posterior(
    effects: Effects,
    declared_winner: np.ndarray,
    slot_group: np.ndarray,
    fixed: np.ndarray,
    groups: tuple[str, ...],
    *,
    sims: int,
    rng: np.random.Generator,
) -> Posterior:
    """The :class:`Posterior` of ``sims`` fresh, equally weighted simulations of the undeclared
    runoffs (:func:`~hemicycle.live.effects.simulate_undeclared`), the declared ones fixed."""
    R, J = slot_group.shape
    declared = declared_winner >= 0
    dr, und = np.flatnonzero(declared), np.flatnonzero(~declared)
    p = np.zeros((R, J))
    p[dr, declared_winner[dr]] = 1.0
    seats = np.tile(np.asarray(fixed, np.int64), (sims, 1))
    seats += np.bincount(slot_group[dr, declared_winner[dr]], minlength=len(groups))[None, :]
    if len(und):
        win = simulate_undeclared(effects, und, sims=sims, rng=rng)
        p[und] = count_wins(win, J) / sims
        seats += simulated_seats(win, slot_group[und], len(groups))
    return Posterior(
        p_win=p,
        declared=declared,
        seat_draws=seats.astype(np.int16),
        weights=np.full(sims, 1.0 / sims),
        groups=tuple(groups),
        ess=float(sims),
        ess_raw=float(sims),
        alpha=1.0,
        collapsed=False,
        particle_ess=effects.min_ess,
    )
