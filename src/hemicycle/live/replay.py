"""An official round played back as an election night: snapshots declaring its constituencies in
an order, a few at each step (for ``hemicycle live YEAR --replay`` and ``backtest --live``).

Orders (:data:`ORDERS`): ``random`` (a permutation drawn from ``rng``), ``overseas-first`` (the
overseas departments and collectivities and the French abroad first — their results come in first
on the night, the polls closing earlier there, then the others, each part in a random order from
``rng``) and ``size`` (fewest registered voters first: small constituencies count first). Every
snapshot holds the final counts of every constituency declared so far, as the Ministry published
them (``file`` names the replay); the last one holds them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from hemicycle.election import Election
from hemicycle.errors import MissingRoundError, OptionError
from hemicycle.live.feed import Count, Snapshot

ORDERS = ("random", "overseas-first", "size")
OVERSEAS = ("97", "98", "ZX", "ZZ")


def official_counts(election: Election, round_: int = 2) -> list[Count]:
    """The final count of every constituency where ``round_`` was held, in code order."""
    rnd = election.round1 if round_ == 1 else election.round2
    if rnd is None:
        raise MissingRoundError(f"{election.year} has no round {round_} in the store")
    out = []
    for c in np.flatnonzero(rnd.held):
        ks = np.flatnonzero(rnd.valid[c])
        order = np.argsort(election.panel[c, ks], kind="stable")
        ks = ks[order]
        out.append(
            Count(
                str(election.codes[c]),
                int(rnd.registered[c]),
                int(rnd.voters[c]),
                int(rnd.blank[c]),
                int(rnd.null[c]),
                int(rnd.expressed[c]),
                tuple(int(p) for p in election.panel[c, ks]),
                tuple(int(v) for v in rnd.votes[c, ks]),
                True,
                f"replay of {election.year} round {round_}",
            )
        )
    return out


def declaration_order(
    counts: list[Count], order: str, rng: np.random.Generator | None = None
) -> list[Count]:
    """``counts`` in the declaration ``order`` (one of :data:`ORDERS`)."""
    if order not in ORDERS:
        raise OptionError(f"unknown declaration order {order!r}; allowed: {', '.join(ORDERS)}")
    if order == "size":
        return sorted(counts, key=lambda c: (c.registered, c.constituency))
    if rng is None:
        raise OptionError(f"the {order!r} declaration order draws from an rng: give one")
    if order == "random":
        return [counts[i] for i in rng.permutation(len(counts))]
    far = [c for c in counts if c.constituency.startswith(OVERSEAS)]
    near = [c for c in counts if not c.constituency.startswith(OVERSEAS)]
    return [far[i] for i in rng.permutation(len(far))] + [
        near[i] for i in rng.permutation(len(near))
    ]


def replay_night(
    election: Election,
    order: str = "overseas-first",
    steps: int = 10,
    *,
    rng: np.random.Generator | None = None,
    round_: int = 2,
    partial: bool = False,
) -> Iterator[Snapshot]:
    """``steps`` snapshots of ``election``'s official round ``round_`` declared in ``order``: the
    ``i``-th holds the first ``ceil(i · n / steps)`` constituencies of the order; with
    ``partial``, the constituencies of the next step too, half counted (every figure but the
    inscrits halved, rounded down; not final)."""
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise OptionError(f"steps must be a positive integer; got {steps!r}")
    counts = declaration_order(official_counts(election, round_), order, rng)
    n = len(counts)
    for i in range(1, int(steps) + 1):
        upto = -(-i * n // int(steps))
        shown = list(counts[:upto])
        if partial:
            nxt = -(-(i + 1) * n // int(steps))
            shown += [half(c) for c in counts[upto:nxt]]
        yield Snapshot(
            election.year,
            round_,
            tuple(sorted(shown, key=lambda c: c.constituency)),
        )


def half(count: Count) -> Count:
    """``count`` half counted: every figure but the inscrits halved (rounded down), not final."""
    return replace(
        count,
        voters=count.voters // 2,
        blank=count.blank // 2,
        null=count.null // 2,
        expressed=count.expressed // 2,
        votes=tuple(v // 2 for v in count.votes),
        final=False,
    )
