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


def department_shown(name: str | None, code: str) -> str:
    """The department's name to show: the source's, unless it is written in capitals (the CDSP's
    1997–2012 tables), then the Ministry's spelling of the same code (``departments.csv``).

    >>> department_shown("ARDECHE", "07"), department_shown("Ardèche", "07")
    ('Ardèche', 'Ardèche')
    >>> department_shown("", "07"), department_shown(None, "ZZ")
    ('Ardèche', 'Français établis hors de France')
    """
    shown = name if isinstance(name, str) else ""  # a missing name may come as None or NaN
    if not shown or shown.isupper():
        return department_names().get(code, shown or code)
    return shown


def late_withdrawals_of(year: int) -> list[dict[str, str]]:
    return [r for r in late_withdrawals() if int(r["year"]) == year]


def constituency_label(department_name: str, department_code: str, code: str) -> str:
    """The department's name (as :func:`department_shown`) and the constituency's number.

    >>> constituency_label("Paris", "75", "7505"), constituency_label("Guadeloupe", "971", "97101")
    ('Paris 5', 'Guadeloupe 1')
    >>> constituency_label("FRANCAIS-DE-L'ETRANGER", "ZZ", "ZZ01")
    'Français établis hors de France 1'
    """
    rest = code[len(department_code) :] if code.startswith(department_code) else code[-2:]
    try:
        number = str(int(rest))
    except ValueError:
        number = rest
    return f"{department_shown(department_name, department_code)} {number}".strip()
