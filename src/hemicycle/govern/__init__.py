"""Who can govern an Assembly: winning coalitions, power indices, and the motion of censure.

>>> from hemicycle.govern import analyse
>>> g = analyse({"A": 50, "B": 49, "C": 1})
>>> g.quota, g.minimal_winning
(51, (('A', 'B'), ('A', 'C')))
>>> {k: str(v) for k, v in g.shapley_shubik().items()}
{'A': '2/3', 'B': '1/6', 'C': '1/6'}
"""

from hemicycle.govern.censure import Censure, censure
from hemicycle.govern.coalitions import (
    COLUMNS,
    MAX_GROUPS,
    Coalition,
    Govern,
    Winning,
    analyse,
    winning_coalitions,
    winning_masks,
)
from hemicycle.govern.power import banzhaf, banzhaf_swings, shapley_shubik, shapley_shubik_pivots

__all__ = [
    "COLUMNS",
    "MAX_GROUPS",
    "Censure",
    "Coalition",
    "Govern",
    "Winning",
    "analyse",
    "banzhaf",
    "banzhaf_swings",
    "censure",
    "shapley_shubik",
    "shapley_shubik_pivots",
    "winning_coalitions",
    "winning_masks",
]
