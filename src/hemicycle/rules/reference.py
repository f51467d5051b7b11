"""A slow, plainly-written transcription of the two-round law.

Each ``ref_*`` function takes the same numpy inputs and returns the same kind
of arrays as its namesake in :mod:`hemicycle.rules.law`, but works
constituency by constituency, candidate by candidate, over plain Python lists
of ints, so that it can be read side by side with the Code électoral:

Article L126
    « Nul n'est élu au premier tour de scrutin s'il n'a réuni :
    1° La majorité absolue des suffrages exprimés ;
    2° Un nombre de suffrages égal au quart du nombre des électeurs inscrits.
    Au deuxième tour de scrutin, la majorité relative suffit.
    En cas d'égalité de suffrages, le plus âgé des candidats est élu. »

Article L162 (second and third paragraphs)
    « Nul ne peut être candidat au deuxième tour s'il ne s'est présenté au
    premier tour et s'il n'a obtenu un nombre de suffrages au moins égal à
    12,5 % du nombre des électeurs inscrits.
    Dans le cas où un seul candidat remplit ces conditions, le candidat ayant
    obtenu après celui-ci le plus grand nombre de suffrages au premier tour
    peut se maintenir au second.
    Dans le cas où aucun candidat ne remplit ces conditions, les deux candidats
    ayant obtenu le plus grand nombre de suffrages au premier tour peuvent se
    maintenir au second. »

Before the law of 19 July 1976 (:data:`~hemicycle.rules.law.LAW_1958`: 5 % of the votes cast;
:data:`~hemicycle.rules.law.LAW_1966`: 10 % of the registered voters) the second paragraph read
with that threshold and the last two paragraphs did not apply: only those reaching it may stand
(see :mod:`hemicycle.rules.law` for the reading and why). Every ``ref_*`` function takes the same
``law`` as its namesake.

The law is silent on ties for the runner-up place; like the fast path, this
module keeps every candidate tied there.

Input checking is shared with :mod:`hemicycle.rules.law` (same errors); the
rules themselves are computed independently. It exists for the tests and the
benchmark; use :mod:`hemicycle.rules.law` for real work.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import numpy.typing as npt

from hemicycle.errors import RulesInputError
from hemicycle.rules import law as _law
from hemicycle.rules.law import CURRENT_LAW, ELECTED, ELIMINATED, QUALIFIED, UNKNOWN_BIRTH, Law

__all__ = [
    "ref_lineup",
    "ref_round1_elected",
    "ref_round1_qualified",
    "ref_round1_status",
    "ref_round1_winner_index",
    "ref_round2_winner",
]


def _elected_in(
    votes: list[int], valid: list[bool], registered: int, expressed: int, law: Law = CURRENT_LAW
) -> list[bool]:
    """Round 1, one constituency: L126 1° and 2°."""
    num, den = law.elect_registered.numerator, law.elect_registered.denominator
    elected = []
    for v, is_candidate in zip(votes, valid, strict=True):
        absolute_majority = 2 * v > expressed  # more than half the votes cast
        quarter_of_registered = den * v >= num * registered  # a quarter of the registered: 4*v
        elected.append(is_candidate and absolute_majority and quarter_of_registered)
    return elected


def _qualified_in(
    votes: list[int],
    valid: list[bool],
    base: int,
    share: Fraction = Fraction(1, 8),
    fallback: bool = True,
) -> list[bool]:
    """Who may stand in round 2, one constituency: L162. ``base`` is what the threshold is a
    share of (the registered voters since 1966, the votes cast in 1958)."""
    candidates = [k for k in range(len(votes)) if valid[k]]

    # 12.5 % of registered voters, i.e. votes >= registered / 8 (or another share of a base).
    num, den = share.numerator, share.denominator
    meets_threshold = [k for k in candidates if den * votes[k] >= num * base]

    allowed = set(meets_threshold)
    if not fallback:
        pass  # before 1976: « nul ne peut être candidat » below the threshold, whatever happens
    elif len(meets_threshold) == 1:
        # « le candidat ayant obtenu après celui-ci le plus grand nombre de suffrages »
        the_one = meets_threshold[0]
        others = [k for k in candidates if k != the_one]
        if others:
            best_other = max(votes[k] for k in others)
            allowed.update(k for k in others if votes[k] == best_other)  # all tied ones
    elif len(meets_threshold) == 0:
        # « les deux candidats ayant obtenu le plus grand nombre de suffrages »
        ranked = sorted((votes[k] for k in candidates), reverse=True)
        if len(ranked) <= 2:
            allowed.update(candidates)
        else:
            second_best = ranked[1]
            allowed.update(k for k in candidates if votes[k] >= second_best)  # ties at 2nd kept
    return [k in allowed for k in range(len(votes))]


def ref_round1_elected(
    votes: npt.ArrayLike,
    valid: npt.ArrayLike,
    registered: npt.ArrayLike,
    expressed: npt.ArrayLike,
    *,
    law: Law = CURRENT_LAW,
) -> npt.NDArray[np.bool_]:
    """Reference for :func:`hemicycle.rules.law.round1_elected`.

    >>> import numpy as np
    >>> ref_round1_elected(np.array([[60, 40]]), np.array([[True, True]]),
    ...                    np.array([200]), np.array([100])).tolist()
    [[True, False]]
    """
    law = _law._check_law(law)
    v, ok = _law._votes_valid(votes, valid)
    reg = _law._registered(registered, v.shape[0])
    exp = _law._expressed(expressed, v, reg)
    votes_l, valid_l = v.tolist(), ok.tolist()
    result = [
        _elected_in(votes_l[c], valid_l[c], int(reg[c]), int(exp[c]), law)
        for c in range(len(votes_l))
    ]
    return np.array(result, dtype=bool).reshape(v.shape)


def ref_round1_qualified(
    votes: npt.ArrayLike,
    valid: npt.ArrayLike,
    registered: npt.ArrayLike,
    *,
    share: Fraction | None = None,
    law: Law = CURRENT_LAW,
    expressed: npt.ArrayLike | None = None,
) -> npt.NDArray[np.bool_]:
    """Reference for :func:`hemicycle.rules.law.round1_qualified`.

    >>> import numpy as np
    >>> ref_round1_qualified(np.array([[30, 10, 10, 5]]), np.array([[True] * 4]),
    ...                      np.array([200])).tolist()
    [[True, True, True, False]]
    """
    law = _law._check_law(law)
    v, ok = _law._votes_valid(votes, valid)
    reg = _law._registered(registered, v.shape[0])
    if law.qualify_base == "registered":
        base = reg.tolist()
    elif expressed is None:
        raise RulesInputError(
            f"the {law.version} law qualifies on the votes cast: pass expressed= as well"
        )
    else:
        base = _law._expressed(expressed, v, reg).tolist()
    share = law.qualify_share if share is None else Fraction(share)
    votes_l, valid_l = v.tolist(), ok.tolist()
    result = [
        _qualified_in(votes_l[c], valid_l[c], base[c], share, law.top_two_fallback)
        for c in range(len(votes_l))
    ]
    return np.array(result, dtype=bool).reshape(v.shape)


def ref_round1_status(
    votes: npt.ArrayLike,
    valid: npt.ArrayLike,
    registered: npt.ArrayLike,
    expressed: npt.ArrayLike,
    *,
    law: Law = CURRENT_LAW,
) -> npt.NDArray[np.int8]:
    """Reference for :func:`hemicycle.rules.law.round1_status`.

    >>> import numpy as np
    >>> ref_round1_status(np.array([[60, 40], [45, 40]]), np.ones((2, 2), dtype=bool),
    ...                   np.array([200, 200]), np.array([100, 85])).tolist()
    [[2, 0], [1, 1]]
    """
    law = _law._check_law(law)
    v, ok = _law._votes_valid(votes, valid)
    reg = _law._registered(registered, v.shape[0])
    exp = _law._expressed(expressed, v, reg)
    votes_l, valid_l = v.tolist(), ok.tolist()
    result = []
    for c in range(len(votes_l)):
        elected = _elected_in(votes_l[c], valid_l[c], int(reg[c]), int(exp[c]), law)
        if any(elected):
            # Elected in round 1: there is no round 2 here.
            row = [ELECTED if e else ELIMINATED for e in elected]
        else:
            base = int(exp[c]) if law.qualify_base == "expressed" else int(reg[c])
            qualified = _qualified_in(
                votes_l[c], valid_l[c], base, law.qualify_share, law.top_two_fallback
            )
            row = [QUALIFIED if q else ELIMINATED for q in qualified]
        result.append(row)
    return np.array(result, dtype=np.int8).reshape(v.shape)


def ref_round1_winner_index(status: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Reference for :func:`hemicycle.rules.law.round1_winner_index`.

    >>> import numpy as np
    >>> ref_round1_winner_index(np.array([[0, 2, 0], [1, 1, 0]], dtype=np.int8)).tolist()
    [1, -1]
    """
    s = _law._as_int_matrix("status", status)
    result = []
    for c, row in enumerate(s.tolist()):
        winners = []
        for k, code in enumerate(row):
            if code not in (ELIMINATED, QUALIFIED, ELECTED):
                raise RulesInputError(
                    f"status values must be {ELIMINATED} (eliminated), {QUALIFIED} (qualified) "
                    f"or {ELECTED} (elected)"
                )
            if code == ELECTED:
                winners.append(k)
        if len(winners) > 1:
            raise RulesInputError(
                f"constituency row {c} has {len(winners)} candidates marked elected"
            )
        result.append(winners[0] if winners else -1)
    return np.array(result, dtype=np.int64)


def ref_lineup(qualified: npt.ArrayLike, withdrawn: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Reference for :func:`hemicycle.rules.law.lineup`.

    >>> import numpy as np
    >>> ref_lineup(np.array([[True, True, False]]), np.array([[False, True, False]])).tolist()
    [[True, False, False]]
    """
    q = np.asarray(qualified)
    _law.lineup(q, withdrawn)  # same validation and errors
    q_l, w_l = q.tolist(), np.asarray(withdrawn).tolist()
    result = [
        [is_q and not is_w for is_q, is_w in zip(q_row, w_row, strict=True)]
        for q_row, w_row in zip(q_l, w_l, strict=True)
    ]
    return np.array(result, dtype=bool).reshape(q.shape)


def ref_round2_winner(
    votes: npt.ArrayLike, valid: npt.ArrayLike, birth: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Reference for :func:`hemicycle.rules.law.round2_winner`.

    >>> import numpy as np
    >>> w, u = ref_round2_winner(np.array([[50, 50], [40, 60]]), np.ones((2, 2), dtype=bool),
    ...                          np.array([[-3000, 5000], [0, 0]]))
    >>> w.tolist(), u.tolist()
    ([0, 1], [False, False])
    """
    v, ok = _law._votes_valid(votes, valid)
    b = _law._as_int_matrix("birth", birth)
    if b.shape != v.shape:
        raise RulesInputError(f"birth has shape {b.shape} but votes has shape {v.shape}")
    votes_l, valid_l, birth_l = v.tolist(), ok.tolist(), b.tolist()

    winners, unresolved = [], []
    for c in range(len(votes_l)):
        candidates = [k for k in range(len(votes_l[c])) if valid_l[c][k]]
        if not candidates:
            winners.append(-1)
            unresolved.append(False)
            continue

        # « la majorité relative suffit »
        most = max(votes_l[c][k] for k in candidates)
        leaders = [k for k in candidates if votes_l[c][k] == most]
        if len(leaders) == 1:
            winners.append(leaders[0])
            unresolved.append(False)
            continue

        # « En cas d'égalité de suffrages, le plus âgé des candidats est élu. »
        births = [birth_l[c][k] for k in leaders]
        if UNKNOWN_BIRTH in births:
            winners.append(-1)  # cannot tell who is older
            unresolved.append(True)
            continue
        eldest_birth = min(births)
        eldest = [k for k in leaders if birth_l[c][k] == eldest_birth]
        if len(eldest) == 1:
            winners.append(eldest[0])
            unresolved.append(False)
        else:
            winners.append(-1)  # born the same day
            unresolved.append(True)

    return np.array(winners, dtype=np.int64), np.array(unresolved, dtype=bool)
