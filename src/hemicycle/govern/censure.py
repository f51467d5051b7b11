"""The motion of censure (Constitution of 1958, article 49): can the Assembly bring a government
down?

* A motion must be **signed** by at least one tenth of the members of the Assembly:
  ``ceil(house / 10)`` signatures, 58 of 577 (47 of 465 in 1958).
* It is **adopted** only by the votes of an absolute majority of the members — not of those voting:
  ``house // 2 + 1`` votes in favour, 289 of 577 (233 of 465). Only votes for the motion are
  counted, so abstention helps the government.

``house`` is the number of members of the Assembly; by default the sum of the seats given (an
election's own is :attr:`~hemicycle.election.Election.house_size`: 577 is never assumed). When
seats are vacant, the Assembly counts only the sitting members, so pass the seats actually filled
(the default does exactly that when every sitting member is in ``seats``).

A government is *exposed* when all the other groups together (the opposition) hold at least the
votes needed to adopt a motion: a minority government survives only as long as its opponents do not
all vote together. The limit of three motions per member per ordinary session (art. 49 al. 2) is not
modelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from hemicycle.errors import OptionError

__all__ = ["Censure", "censure", "check_seats"]


@dataclass(frozen=True)
class Censure:
    """What a motion of censure needs, and (given a government) whether it could pass."""

    house: int
    votes_to_adopt: int  # house // 2 + 1
    signatures_to_table: int  # ceil(house / 10)
    #: groups whose seats alone reach the signatures, in input order
    can_table_alone: tuple[str, ...]
    government: tuple[str, ...] | None = None
    government_seats: int | None = None
    opposition_seats: int | None = None  # seats of every group outside the government

    @property
    def majority(self) -> bool | None:
        """True when the government alone holds an absolute majority (None without a government)."""
        if self.government_seats is None:
            return None
        return self.government_seats >= self.votes_to_adopt

    @property
    def exposed(self) -> bool | None:
        """True when the whole opposition, voting together, can adopt a motion (None without a
        government)."""
        if self.opposition_seats is None:
            return None
        return self.opposition_seats >= self.votes_to_adopt


def check_seats(seats: Mapping[str, int]) -> dict[str, int]:
    """Validate an Assembly ``group -> seats``: names are non-empty strings without ``+`` (the
    coalition separator), seats non-negative ints, at least one seat in all."""
    if not isinstance(seats, Mapping):
        raise OptionError(f"seats must be a mapping group -> seats; got {type(seats).__name__}")
    out: dict[str, int] = {}
    for g, s in seats.items():
        if not isinstance(g, str) or not g or "+" in g:
            raise OptionError(f"group names must be non-empty strings without '+'; got {g!r}")
        if isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 0:
            raise OptionError(f"seats must be non-negative integers; group {g!r} has {s!r}")
        out[g] = int(s)
    if sum(out.values()) == 0:
        raise OptionError("the Assembly has no seats: at least one group must hold a seat")
    return out


def check_house(seats: Mapping[str, int], house: int | None) -> int:
    filled = sum(seats.values())
    if house is None:
        return filled
    if isinstance(house, bool) or not isinstance(house, int | np.integer) or house < filled:
        raise OptionError(f"house must be an integer >= the {filled} seats given; got {house!r}")
    return int(house)


def censure(
    seats: Mapping[str, int],
    house: int | None = None,
    government: Iterable[str] | None = None,
) -> Censure:
    """The thresholds of art. 49 for this Assembly; with ``government``, whether it is exposed.

    >>> c = censure({"left": 193, "centre": 168, "right": 66, "far_right": 143, "regionalist": 5,
    ...              "other": 2}, government=["centre", "right"])
    >>> c.votes_to_adopt, c.signatures_to_table, c.can_table_alone
    (289, 58, ('left', 'centre', 'right', 'far_right'))
    >>> c.government_seats, c.opposition_seats, c.majority, c.exposed
    (234, 343, False, True)
    """
    s = check_seats(seats)
    h = check_house(s, house)
    signatures = -(-h // 10)
    alone = tuple(g for g, n in s.items() if n >= signatures)
    result = Censure(
        house=h, votes_to_adopt=h // 2 + 1, signatures_to_table=signatures, can_table_alone=alone
    )
    if government is None:
        return result
    if isinstance(government, str):
        government = [government]
    gov = tuple(dict.fromkeys(government))
    unknown = [g for g in gov if g not in s]
    if unknown:
        raise OptionError(
            f"government names unknown group(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(s)}"
        )
    if not gov:
        raise OptionError(f"government must name at least one group; allowed: {', '.join(s)}")
    g_seats = sum(s[g] for g in gov)
    return replace(
        result, government=gov, government_seats=g_seats, opposition_seats=sum(s.values()) - g_seats
    )
