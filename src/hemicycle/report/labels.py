"""Readable names of constituencies, for every table a newsroom publishes: ``Paris 5`` next to
``7505``, and the normalisation search uses (accents and case do not matter)."""

from __future__ import annotations

import re
import unicodedata

from hemicycle.data.notes import department_shown


def label(department_name: str, department_code: str, code: str) -> str:
    """The department's name and the constituency's number.

    >>> label("Paris", "75", "7505"), label("Guadeloupe", "971", "97101")
    ('Paris 5', 'Guadeloupe 1')
    >>> label("FRANCAIS-DE-L'ETRANGER", "ZZ", "ZZ01")
    'Français établis hors de France 1'
    """
    rest = code[len(department_code) :] if code.startswith(department_code) else code[-2:]
    try:
        number = str(int(rest))
    except ValueError:
        number = rest
    return f"{department_shown(department_name, department_code)} {number}".strip()


def normalise(text: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces.

    >>> normalise("Haute-Garonne"), normalise("MÉNARD")
    ('haute garonne', 'menard')
    """
    t = unicodedata.normalize("NFKD", text)
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).casefold()
    t = re.sub(r"[-'’_.,/]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()
