"""One call to set up a night: the projection's simulated elections, ready to be conditioned.

:func:`prepare` does what :func:`hemicycle.sim.pipeline.project` does up to the Monte Carlo — the
target election from the store, the transfers pooled from the training elections, the round-2
lineup — then keeps the simulated elections (:func:`hemicycle.live.draws.simulate`) instead of
summarising them. With the same ``seed`` the draws are those of ``project``: before any
declaration the night's probabilities are the projection's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hemicycle.data.store import Store
from hemicycle.election import Election, load
from hemicycle.errors import OptionError
from hemicycle.live.condition import CALL_THRESHOLD, MIN_ESS
from hemicycle.live.draws import simulate
from hemicycle.live.effects import Tails, fit_tails
from hemicycle.live.feed import Reference
from hemicycle.live.night import Night
from hemicycle.sim import pipeline as sim_api
from hemicycle.sim.calibrate import OUTLIER, Calibration
from hemicycle.sim.features import resolve_lineup
from hemicycle.sim.project import build_inputs


def tails_of(cals: list[Calibration]) -> Tails:
    """The local noise's heavy tails (:func:`~hemicycle.live.effects.fit_tails`) from the training
    elections' cross-validations: each runoff's squared residuals over its election's mean, the
    runoffs the cross-validation left out as outliers censored at their bound (a duel's residual
    beyond ``OUTLIER`` in the centred log share: a sum of squares beyond ``2 · OUTLIER²``), and the
    share of the variance the departmental swings and the bootstrap carry. Only the training
    elections' residuals enter: never the target's."""
    u, dof, cens, share, weight = [], [], [], [], []
    for c in cals:
        m = np.asarray(c.moments, dtype=float).reshape(-1, 3)
        if not len(m) or m[:, 2].sum() <= 0:
            continue
        v = float(m[:, 1].sum() / m[:, 2].sum())
        u.append(m[:, 1] / v)
        dof.append(m[:, 2])
        cens.append(np.full(len(c.left_out), 2.0 * OUTLIER**2 / v))
        share.append((c.department**2 + c.bootstrap**2) / v)
        weight.append(float(m[:, 2].sum()))
    if not u or sum(len(x) for x in u) < 20:
        return Tails()
    return fit_tails(
        np.concatenate(u),
        np.concatenate(dof),
        np.concatenate(cens),
        float(np.average(share, weights=weight)),
    )


@dataclass(frozen=True, eq=False)
class Prepared:
    """What a night needs: the election, its lineup, the :class:`Night` and the feed's
    :class:`~hemicycle.live.feed.Reference`."""

    election: Election
    standing: np.ndarray
    night: Night
    reference: Reference


def prepare(
    year: int,
    store: Store,
    *,
    train: sim_api.Train = "all",
    sims: int = 100_000,
    seed: int | None = None,
    withdrawals: str | None = None,
    lineup: str | Path | None = None,
    n_boot: int = sim_api.N_BOOT,
    threshold: float = CALL_THRESHOLD,
    min_ess: float = MIN_ESS,
    method: str = "fresh",
    tails: Tails | None = None,
) -> Prepared:
    """The night of ``year``'s round 2 (options as :func:`hemicycle.sim.pipeline.project`'s;
    ``withdrawals`` defaults to the official lineup where the store holds round 2, else every
    qualified candidate, and ``lineup`` — a ``constituency,panel`` CSV, e.g. the official round-2
    candidate list published before the vote — replaces it where it names a constituency;
    ``method``: how the night conditions, :data:`hemicycle.live.night.METHODS`; ``tails``: the
    local noise's heavy tails, default fitted on the training elections (:func:`tails_of`),
    ``Tails()`` for the Monte Carlo's normal). ``year`` and its training elections must be in
    ``store`` (:meth:`hemicycle.session.Session.prepare` puts them there): nothing is written."""
    if seed is not None and (
        not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0
    ):
        raise OptionError(f"seed must be a non-negative integer or None; got {seed!r}")
    election = load(store, year)  # read, never written: the caller's session ingests
    years = sim_api.training_years(int(year), train, store)
    model, noise = sim_api.pooled(years, store, n_boot=n_boot, target=election)
    standing = resolve_lineup(election, lineup=lineup, withdrawals=withdrawals)
    inp, run = build_inputs(model, election, standing, (), noise)
    if tails is None:
        tails = tails_of([sim_api.fitted(y, store, n_boot=n_boot)[1] for y in years])
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    draws = simulate(inp, noise, sims=int(sims), rng=rng)
    night = Night(
        election,
        run,
        draws,
        standing,
        threshold=threshold,
        min_ess=min_ess,
        method=method,
        tails=tails,
    )
    return Prepared(election, standing, night, Reference.from_election(election, 2))
