"""The examples in docstrings run as tests: every module of the package that has some."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import hemicycle

# modules whose import needs an optional extra are skipped when it is absent
OPTIONAL = {"hemicycle.sim.ei": "pyei"}
MODULES = sorted(m.name for m in pkgutil.walk_packages(hemicycle.__path__, "hemicycle."))
# a floor, so that a broken walk cannot pass silently
MUST_HAVE_EXAMPLES = {
    "hemicycle.data.codes",
    "hemicycle.data.readers.cdsp",
    "hemicycle.data.blocs",
    "hemicycle.report.text",
    "hemicycle.rules.law",
    "hemicycle.rules.reference",
    "hemicycle.systems.apportion",
    "hemicycle.systems.indices",
    "hemicycle.systems.base",
    "hemicycle.systems.registry",
    "hemicycle.govern.power",
    "hemicycle.options",  # TransferOverride.parse and TrainSpec (moved from sim.features)
    "hemicycle.govern",
    "hemicycle.govern.coalitions",
    "hemicycle.govern.censure",
}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    if name in OPTIONAL:
        pytest.importorskip(OPTIONAL[name])
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
    if name in MUST_HAVE_EXAMPLES:
        assert result.attempted > 0
