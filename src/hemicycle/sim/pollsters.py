"""The pollsters' final seat ranges of 2024, a baseline for :func:`hemicycle.sim.pipeline.evaluate`.

The file (found and read by :mod:`hemicycle.data.pollsters`; the names stay importable here) gives,
per pollster, a low–high seat range for five blocks in its own convention; :data:`FIVE_BLOCKS` maps
the 2024 nuances to them (checked: the file's ``actual`` column equals these sums of the official
seats).
"""

from __future__ import annotations

from hemicycle.data.pollsters import BLOCKS, COLUMNS, FILE, path, read_ranges

__all__ = ["BLOCKS", "COLUMNS", "FILE", "FIVE_BLOCKS", "block_of", "path", "read_ranges"]

#: 2024 nuance -> pollster block (every other nuance is "Others").
FIVE_BLOCKS: dict[str, str] = {
    "UG": "NFP + DVG",
    "DVG": "NFP + DVG",
    "ENS": "ENS and allies",
    "LR": "LR + DVD",
    "DVD": "LR + DVD",
    "RN": "RN and allies",
    "UXD": "RN and allies",
}


def block_of(nuance: str) -> str:
    return FIVE_BLOCKS.get(nuance, "Others")
