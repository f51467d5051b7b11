"""Counterfactual seat rules: the same votes under other electoral systems.

* :mod:`~hemicycle.systems.registry` — one registry, one signature
  (``rule(votes: Votes, **params) -> Allocation``);
* :mod:`~hemicycle.systems.majoritarian` — the actual two-round system, first-round plurality,
  two-round variants, the projected Assembly;
* :mod:`~hemicycle.systems.proportional` — national, departmental and regional PR, mixed-member,
  majority bonus;
* :mod:`~hemicycle.systems.apportion` — D'Hondt, Sainte-Laguë, Hare (exact integer kernels);
* :mod:`~hemicycle.systems.indices` — Gallagher, Loosemore–Hanby, effective number of parties.
"""

from importlib import import_module

from hemicycle.systems.base import UNITS, Allocation, Unit, Votes
from hemicycle.systems.compare import Comparison, canonical, compare
from hemicycle.systems.compare import expand as compare_specs
from hemicycle.systems.registry import SYSTEMS, System, get, names, parse_spec, run

#: The modules that define (and, once imported, register) the seat rules: a new one goes here
#: (``tests/test_systems.py`` fails on a module that registers rules and is not listed).
RULE_MODULES = ("majoritarian", "proportional")
for _module in RULE_MODULES:
    import_module(f"{__name__}.{_module}")

__all__ = [
    "RULE_MODULES",
    "SYSTEMS",
    "UNITS",
    "Allocation",
    "Comparison",
    "compare_specs",
    "System",
    "Unit",
    "Votes",
    "canonical",
    "compare",
    "get",
    "names",
    "parse_spec",
    "run",
]
