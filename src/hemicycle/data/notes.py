"""Facts about the official data that the files themselves do not say (ours, versioned here).

``late_withdrawals.csv``: candidates who withdrew from round 2 after the legal deadline, so that
they remain on the ballot and in the results (2024: MOREAU 4905, DESPRAS 6908, NAGNONHOU 8504). For
the law they stood; replay lists them so that nobody mistakes them for a data error.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files


@cache
def late_withdrawals() -> tuple[dict[str, str], ...]:
    text = files("hemicycle.data").joinpath("late_withdrawals.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))


def late_withdrawals_of(year: int) -> list[dict[str, str]]:
    return [r for r in late_withdrawals() if int(r["year"]) == year]
