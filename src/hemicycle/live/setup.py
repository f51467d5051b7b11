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
from hemicycle.live.feed import Reference
from hemicycle.live.night import Night
from hemicycle.sim import pipeline as sim_api
from hemicycle.sim.features import resolve_lineup
from hemicycle.sim.project import build_inputs


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
    download: bool = True,
) -> Prepared:
    """The night of ``year``'s round 2 (options as :func:`hemicycle.sim.pipeline.project`'s;
    ``withdrawals`` defaults to the official lineup where the store holds round 2, else every
    qualified candidate, and ``lineup`` — a ``constituency,panel`` CSV, e.g. the official round-2
    candidate list published before the vote — replaces it where it names a constituency;
    ``method``: how the night conditions, :data:`hemicycle.live.night.METHODS`)."""
    if seed is not None and (
        not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0
    ):
        raise OptionError(f"seed must be a non-negative integer or None; got {seed!r}")
    store.ensure(year, download=download)
    election = load(store, year)
    years = sim_api.training_years(int(year), train, store)
    model, noise = sim_api.pooled(years, store, n_boot=n_boot, target=election)
    standing = resolve_lineup(election, lineup=lineup, withdrawals=withdrawals)
    inp, run = build_inputs(model, election, standing, (), noise)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    draws = simulate(inp, noise, sims=int(sims), rng=rng)
    night = Night(
        election, run, draws, standing, threshold=threshold, min_ess=min_ess, method=method
    )
    return Prepared(election, standing, night, Reference.from_election(election, 2))
