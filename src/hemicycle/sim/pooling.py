"""Random-effects variants of the pool, tried against the cost of adding the latest election.

:class:`~hemicycle.sim.transfers.PooledTransfers` weighs election ``e`` for origin ``i`` in
configuration ``c`` in proportion to ``n[e, c] + config_pseudo``, the runoffs of ``c`` it had: an
election with ten times the runoffs of a configuration is drawn ten times as often. That is right
for the *estimate* of one election's rates (its sampling variance falls as ``1 / n``), not for the
distribution a new election's rates come from: in a random-effects model, election ``e``'s estimate
``T̂_e = T_e + ε_e`` has variance ``τ² + s² / n[e, c]`` around the mean of the elections, ``τ²``
between elections and ``s² / n`` within, so its precision weight ``1 / (τ² + s² / n)`` is
proportional to ``n / (n + k)`` with ``k = s² / τ²``: linear in ``n`` for a configuration an
election barely saw, the same for every election that saw it often. A configuration the latest
election had 130 times (2017's centre–far-right duels, 0.90 of the pool's weight there for 2024)
cannot then outweigh the others.

:class:`RandomEffectsPool` is that pool, with two priors of
:class:`~hemicycle.sim.calibrate.Priors`:

* ``saturation`` ``k``: the count factor is ``m / (1 + m / k)`` with ``m = n[e, c] +
  config_pseudo`` (0: off, the plain pool's ``m``);
* ``spread`` ``s``: every replicate's deviation from the pool's mean is stretched by ``s`` (1: off),
  as far as the rates stay non-negative — the between-election variance of a new election's rates
  widened beyond the few elections seen (a symmetric pool only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hemicycle.sim.features import Runoffs
from hemicycle.sim.transfers import NO, PooledTransfers


def widen(mean: np.ndarray, t: np.ndarray, spread: float) -> np.ndarray:
    """``mean + f (t − mean)`` row by row (last axis), ``f = spread`` or less where the row would
    leave the simplex (never under 1: ``t`` itself is a rate). Rows keep their sums."""
    d = t - mean
    room = np.divide(mean, -d, out=np.full_like(d, np.inf), where=d < -1e-15).min(axis=-1)
    f = np.minimum(spread, np.maximum(room, 1.0))[..., None]
    out: np.ndarray = mean + f * d
    return out


@dataclass(frozen=True, eq=False, repr=False)
class RandomEffectsPool(PooledTransfers):
    """:class:`~hemicycle.sim.transfers.PooledTransfers` whose count factor saturates at
    ``saturation`` runoffs and whose replicates' deviations are stretched by ``spread`` (see the
    module doc)."""

    saturation: float = 0.0
    spread: float = 1.0

    def probabilities(self, config: Sequence[str]) -> np.ndarray:
        """(NO, E) weight of each election for each origin in ``config``."""
        if self.saturation <= 0:
            return super().probabilities(config)
        p = np.tile(np.asarray(self.weights), (NO, 1))
        n = np.array([m.counts.get(tuple(config), 0) for m in self.models], float)
        m = n + self.config_pseudo
        p = p * (m / (1.0 + m / self.saturation))[None]
        if self.origin_pseudo > 0:
            p = p * (self.masses.T + self.origin_pseudo)
        out: np.ndarray = p / p.sum(axis=1, keepdims=True)
        return out

    def matrices(self, run: Runoffs, replicate: int) -> np.ndarray:
        t = super().matrices(run, replicate)
        if self.spread == 1.0 or not self.symmetric:
            return t
        return widen(self._cache["mean"], t, self.spread)

    def matrix(self, config: Sequence[str], replicate: int) -> np.ndarray:
        t = super().matrix(config, replicate)
        if self.spread == 1.0 or not self.symmetric:
            return t
        return widen(self._mean(config), t, self.spread)
