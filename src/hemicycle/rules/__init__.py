"""The French legislative two-round law (Code électoral, articles L126 and L162).

:mod:`hemicycle.rules.law` holds the fast, vectorised functions re-exported
here, and the law's versions (:class:`Law`, :func:`law_for`: 1958, 1966, 1976);
:mod:`hemicycle.rules.reference` a slow transcription used to check them.
"""

from hemicycle.rules.law import (
    CURRENT_LAW,
    ELECTED,
    ELIMINATED,
    LAW_1958,
    LAW_1966,
    LAW_1976,
    LAWS,
    MAJORITY,
    QUALIFIED,
    SEATS,
    UNKNOWN_BIRTH,
    Law,
    house_majority,
    law_for,
    lineup,
    round1_elected,
    round1_qualified,
    round1_status,
    round1_winner_index,
    round2_winner,
)

__all__ = [
    "CURRENT_LAW",
    "ELECTED",
    "ELIMINATED",
    "LAWS",
    "LAW_1958",
    "LAW_1966",
    "LAW_1976",
    "MAJORITY",
    "QUALIFIED",
    "SEATS",
    "UNKNOWN_BIRTH",
    "Law",
    "house_majority",
    "law_for",
    "lineup",
    "round1_elected",
    "round1_qualified",
    "round1_status",
    "round1_winner_index",
    "round2_winner",
]
