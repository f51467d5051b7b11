"""The examples in docstrings run as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["hemicycle.data.codes", "hemicycle.data.blocs", "hemicycle.report.text"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
