"""Facts about the official data that the files themselves do not say (ours, versioned here).

``late_withdrawals.csv``: candidates who withdrew from round 2 after the legal deadline, so that
they remain on the ballot and in the results (2024: MOREAU 4905, DESPRAS 6908, NAGNONHOU 8504). For
the law they stood; replay lists them so that nobody mistakes them for a data error.

``departments.csv``: each department code's name as the Ministry writes it (its 2017–2024 files
agree), for the tables and maps of years whose source writes names in capitals without accents
(the CDSP's 1997–2012: ``ARDECHE``, ``FRANCAIS-DE-L'ETRANGER``). The store keeps the source's
spelling; only what is shown changes.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files


@cache
def late_withdrawals() -> tuple[dict[str, str], ...]:
    text = files("hemicycle.data").joinpath("late_withdrawals.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))


@cache
def department_names() -> dict[str, str]:
    """Department code → name as the Ministry writes it (``"07"`` → ``"Ardèche"``)."""
    text = files("hemicycle.data").joinpath("departments.csv").read_text(encoding="utf-8")
    return {r["department"]: r["name"] for r in csv.DictReader(text.splitlines())}


def late_withdrawals_of(year: int) -> list[dict[str, str]]:
    return [r for r in late_withdrawals() if int(r["year"]) == year]
