"""The French legislative two-round law (Code électoral, articles L126 and L162).

:mod:`hemicycle.rules.law` holds the fast, vectorised functions re-exported
here; :mod:`hemicycle.rules.reference` a slow transcription used to check them.
"""

from hemicycle.rules.law import (
    ELECTED,
    ELIMINATED,
    MAJORITY,
    QUALIFIED,
    SEATS,
    UNKNOWN_BIRTH,
    lineup,
    round1_elected,
    round1_qualified,
    round1_status,
    round1_winner_index,
    round2_winner,
)

__all__ = [
    "ELECTED",
    "ELIMINATED",
    "MAJORITY",
    "QUALIFIED",
    "SEATS",
    "UNKNOWN_BIRTH",
    "lineup",
    "round1_elected",
    "round1_qualified",
    "round1_status",
    "round1_winner_index",
    "round2_winner",
]
