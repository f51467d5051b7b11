"""Readable names of constituencies, for every table a newsroom publishes: ``Paris 5`` next to
``7505``, and the normalisation search uses (accents and case do not matter)."""

from __future__ import annotations

import re
import unicodedata

from hemicycle.data.notes import constituency_label as label

__all__ = ["label", "normalise"]


def normalise(text: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces.

    >>> normalise("Haute-Garonne"), normalise("MÉNARD")
    ('haute garonne', 'menard')
    """
    t = unicodedata.normalize("NFKD", text)
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).casefold()
    t = re.sub(r"[-'’_.,/]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()
