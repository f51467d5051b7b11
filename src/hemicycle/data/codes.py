"""One canonical constituency code across years.

The canonical code is the Ministry's 2024 code with metropolitan departments zero-padded to two
characters: ``0101``, ``2A01``, ``97101``, ``97501``, ``98801``, ``ZX01``, ``ZZ01``. Older files use
letter codes for overseas departments and collectivities; they map as follows (``ZX`` and ``ZZ``
stay).
"""

from __future__ import annotations

import re

LETTER_TO_NUMERIC: dict[str, str] = {
    "ZA": "971",  # Guadeloupe
    "ZB": "972",  # Martinique
    "ZC": "973",  # Guyane
    "ZD": "974",  # La Réunion
    "ZS": "975",  # Saint-Pierre-et-Miquelon
    "ZM": "976",  # Mayotte
    "ZW": "986",  # Wallis-et-Futuna
    "ZP": "987",  # Polynésie française
    "ZN": "988",  # Nouvelle-Calédonie
}

_CANONICAL = re.compile(r"^(?:\d{2}|2A|2B|97[1-6]|98[678]|ZX|ZZ)\d{2}$")


def _cell_text(value: object) -> str:
    """Cell → text; integral floats (xlsx numbers) lose their ``.0``."""
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"not an integral code: {value!r}")
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return str(value).strip()


def department_code(value: object) -> str:
    """Canonical department part: ``01``, ``2A``, ``971`` (letters mapped), ``ZX``, ``ZZ``."""
    text = _cell_text(value).upper()
    if text in LETTER_TO_NUMERIC:
        return LETTER_TO_NUMERIC[text]
    if text.isdigit():
        return text.zfill(2)
    return text


def canonical_code(department: object, number: object) -> str:
    """Canonical code from a department code and a constituency number within it.

    >>> (canonical_code(1, 1), canonical_code("ZA", "02"), canonical_code("ZZ", 11),
    ...  canonical_code("2A", 1))
    ('0101', '97102', 'ZZ11', '2A01')
    """
    dep = department_code(department)
    num = _cell_text(number)
    if not num.isdigit():
        raise ValueError(f"constituency number is not numeric: {number!r}")
    code = f"{dep}{int(num):02d}"
    return validate_code(code)


def from_2024_code(value: object) -> str:
    """Canonical code from the Ministry's 2024 constituency code (``101`` → ``0101``).

    >>> from_2024_code(101.0), from_2024_code("2A01"), from_2024_code(97101), from_2024_code("ZZ03")
    ('0101', '2A01', '97101', 'ZZ03')
    """
    text = _cell_text(value).upper()
    if text.isdigit() and len(text) < 4:
        text = text.zfill(4)
    if text[:2] in LETTER_TO_NUMERIC:
        text = LETTER_TO_NUMERIC[text[:2]] + text[2:]
    return validate_code(text)


def validate_code(code: str) -> str:
    if not _CANONICAL.match(code):
        raise ValueError(f"not a constituency code: {code!r}")
    return code
