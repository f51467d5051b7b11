"""The two-round law for the Assemblée nationale, as vectorised numpy functions.

Every function works on a whole election at once. Arrays are indexed
``[constituency, candidate]``, shape ``(C, K)``:

* ``votes`` — integer (int64 preferred) vote counts, non-negative;
* ``valid`` — bool, marks real candidates; padding cells are ``False`` (their
  ``votes`` should be 0, and are ignored in any case);
* ``registered`` / ``expressed`` — integer, shape ``(C,)``: registered voters
  (*inscrits*) and valid votes cast (*suffrages exprimés*);
* ``birth`` — int64, date of birth in days since 1970-01-01 (smaller is older),
  :data:`UNKNOWN_BIRTH` where unknown.

Thresholds are exact integer arithmetic (``2*v > expressed``,
``4*v >= registered``, ``8*v >= registered``, computed as the equivalent
integer lower bounds ``v >= expressed//2 + 1``, ``v >= ceil(registered/4)``,
``v >= ceil(registered/8)``), never floats, so a candidate sitting exactly on a
boundary is classified as the law says.

The sources are the Code électoral:

* article L126 — round 1 needs an absolute majority of the votes cast *and*
  a quarter of the registered voters; round 2 needs a plurality; on a tie the
  older candidate is elected;
* article L162 — round 2 is open to those with at least 12.5 % of the
  registered voters; if only one candidate reaches it, the runner-up may stay
  on; if none does, the top two may.

A slow, loop-by-loop transcription of the same rules lives in
:mod:`hemicycle.rules.reference`; the test-suite checks the two agree.

No function mutates its inputs; each returns fresh arrays.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import numpy.typing as npt

from hemicycle.errors import RulesInputError

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

#: Round-1 status codes (int8) returned by :func:`round1_status`.
ELIMINATED: int = 0
QUALIFIED: int = 1
ELECTED: int = 2

#: Seats in the National Assembly (Code électoral, art. LO119) and the absolute majority of them.
SEATS = 577
MAJORITY = SEATS // 2 + 1
#: L162: 12.5 % of the registered voters qualify for round 2.
QUALIFYING_SHARE = Fraction(1, 8)
#: Sentinel birth date for a candidate whose date of birth is unknown.
UNKNOWN_BIRTH: int = int(np.iinfo(np.int64).max)

# Counts above this are refused: no electorate comes anywhere near (2**59 is
# about 5.8e17), and it keeps every sum and rounding below int64 overflow.
_MAX_COUNT = 2**59


# --------------------------------------------------------------------------- validation


def _as_int_matrix(name: str, a: object) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 2:
        raise RulesInputError(
            f"{name} must be a 2-D array (constituency, candidate); got shape {arr.shape}"
        )
    if not np.issubdtype(arr.dtype, np.integer):
        raise RulesInputError(f"{name} must have an integer dtype; got {arr.dtype}")
    return arr


def _as_int_vector(name: str, a: object, n: int) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise RulesInputError(f"{name} must be a 1-D array (constituency,); got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise RulesInputError(f"{name} must have an integer dtype; got {arr.dtype}")
    if arr.shape[0] != n:
        raise RulesInputError(f"{name} has {arr.shape[0]} constituencies but votes has {n}")
    return arr


def _as_bool_matrix(
    name: str, a: object, shape: tuple[int, ...], like: str = "votes"
) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype != np.bool_:
        raise RulesInputError(f"{name} must be a boolean array; got dtype {arr.dtype}")
    if arr.shape != shape:
        raise RulesInputError(f"{name} has shape {arr.shape} but {like} has shape {shape}")
    return arr


def _check_counts(name: str, arr: np.ndarray) -> np.ndarray:
    """Non-negative, not absurdly large; returned as int64."""
    if arr.size:
        if arr.min() < 0:
            raise RulesInputError(f"{name} must be non-negative; found {int(arr.min())}")
        if arr.dtype.itemsize >= 8 and arr.max() > _MAX_COUNT:
            raise RulesInputError(
                f"{name} has a count above {_MAX_COUNT}; refusing to risk overflow"
            )
    return arr.astype(np.int64, copy=False)


def _votes_valid(votes: object, valid: object) -> tuple[np.ndarray, np.ndarray]:
    """Checked votes (int64, padding cells zeroed) and the valid mask."""
    v = _check_counts("votes", _as_int_matrix("votes", votes))
    ok = _as_bool_matrix("valid", valid, v.shape)
    # Padding cells never count, whatever they hold. With padding at 0 (and
    # real candidates at >= 0), padding never outranks a real candidate.
    return v * ok, ok


def _registered(registered: object, n: int) -> np.ndarray:
    return _check_counts("registered", _as_int_vector("registered", registered, n))


def _expressed(expressed: object, v: np.ndarray, reg: np.ndarray) -> np.ndarray:
    """Checked ``expressed``. The law counts the published figure, not the sum of the candidates'
    votes: official files are off by a vote or two in a few constituencies (2024: 1602, 2704, 3404,
    7502, 9103), so the sum is not checked here. What must hold is that at most one candidate can
    pass the majority of the votes cast (checked by :func:`_at_most_one_elected`)."""
    exp = _check_counts("expressed", _as_int_vector("expressed", expressed, v.shape[0]))
    bad = exp > reg
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise RulesInputError(
            f"constituency row {row}: expressed={int(exp[row])} exceeds registered={int(reg[row])}"
        )
    return exp


def _at_most_one_elected(elected: np.ndarray, v: np.ndarray, exp: np.ndarray) -> np.ndarray:
    many = np.einsum("ck->c", elected.astype(np.int64)) > 1
    if many.any():
        row = int(np.flatnonzero(many)[0])
        raise RulesInputError(
            f"constituency row {row}: several candidates hold a majority of expressed="
            f"{int(exp[row])} (votes {v[row][elected[row]].tolist()}); the votes are inconsistent "
            "with the total"
        )
    return elected


# --------------------------------------------------------------------------- round 1


def _election_bound(reg: np.ndarray, exp: np.ndarray) -> np.ndarray:
    """Fewest votes that elect in round 1, per constituency (always >= 1)."""
    # 2*v > exp  <=>  v >= exp//2 + 1 ;  4*v >= reg  <=>  v >= ceil(reg/4).
    return np.maximum(exp // 2 + 1, -(-reg // 4))


def _top_two(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Highest and second-highest vote counts per row (K >= 2), with multiplicity.

    Two candidates on 30 make both 30. Padding sits at 0, below or level with
    every real candidate, so it only shows up in rows with fewer than two real
    candidates, where it makes the second-highest 0.
    """
    k = v.shape[1]
    part = np.partition(v, k - 2, axis=1)  # the last column is then the row maximum
    return part[:, k - 1], part[:, k - 2]


def _qualification_bound(
    reg: np.ndarray, second: np.ndarray, share: Fraction = QUALIFYING_SHARE
) -> np.ndarray:
    """Fewest votes that qualify for round 2, per constituency (L162)."""
    # 8*v >= reg  <=>  v >= ceil(reg/8) (any share num/den: v >= ceil(reg*num/den)). Qualified =
    # meets that OR is ranked first or second (v >= second): a single lower bound, the smaller one.
    # reg = q*den + r: ceil(reg*num/den) = q*num + ceil(r*num/den), exact in int64 (num < den)
    q, r = np.divmod(reg, share.denominator)
    return np.minimum(q * share.numerator - (-(r * share.numerator) // share.denominator), second)


def round1_elected(
    votes: npt.ArrayLike,
    valid: npt.ArrayLike,
    registered: npt.ArrayLike,
    expressed: npt.ArrayLike,
) -> npt.NDArray[np.bool_]:
    """Who is elected in round 1 (Code électoral, art. L126).

    A candidate is elected iff ``2*votes > expressed`` (absolute majority of the
    votes cast) **and** ``4*votes >= registered`` (a quarter of the registered
    voters). At most one candidate per constituency can pass; inputs where two would (votes far
    above ``expressed``) raise :class:`RulesInputError`.

    Returns a bool array of shape ``(C, K)``; padding cells are ``False``.

    >>> import numpy as np
    >>> round1_elected(np.array([[60, 40]]), np.array([[True, True]]),
    ...                np.array([200]), np.array([100])).tolist()
    [[True, False]]
    """
    v, ok = _votes_valid(votes, valid)
    reg = _registered(registered, v.shape[0])
    exp = _expressed(expressed, v, reg)
    # the bound is >= 1, so padding (0 votes) never passes
    return _at_most_one_elected(v >= _election_bound(reg, exp)[:, None], v, exp)


def round1_qualified(
    votes: npt.ArrayLike,
    valid: npt.ArrayLike,
    registered: npt.ArrayLike,
    *,
    share: Fraction = QUALIFYING_SHARE,
) -> npt.NDArray[np.bool_]:
    """Who may stand in round 2 (Code électoral, art. L162).

    A candidate qualifies iff ``8*votes >= registered`` (12.5 % of registered
    voters). If fewer than two candidates reach that, the runner-up (or the top
    two) may stay on; the result is the union of the threshold-qualified and the
    candidates ranked first and second by votes, among valid candidates only.

    ``share`` (a :class:`~fractions.Fraction`, default the law's 1/8) moves the threshold, exactly,
    for counterfactual rules; ``registered`` is then whatever base it is a share of (e.g. the
    votes cast, :mod:`hemicycle.systems.majoritarian`).

    Ties at the cut: the law says nothing of a tie for second place; we keep
    every candidate whose votes equal the second-highest count (counted with
    multiplicity, so a tie for first keeps both and no-one else unless they
    reach the threshold).

    This is only meaningful for constituencies without a round-1 winner; it is
    computed for every row and callers mask (see :func:`round1_status`).

    Returns a bool array of shape ``(C, K)``; padding cells are ``False``.

    >>> import numpy as np
    >>> round1_qualified(np.array([[30, 10, 10, 5]]), np.array([[True] * 4]),
    ...                  np.array([200])).tolist()
    [[True, True, True, False]]
    """
    v, ok = _votes_valid(votes, valid)
    reg = _registered(registered, v.shape[0])
    if v.shape[1] < 2:
        return ok.copy()  # at most one candidate: the "top two" is everyone
    if not 0 < share < 1 or Fraction(share).denominator > 2**31:
        raise RulesInputError(
            f"share must be a fraction in (0, 1) with a denominator below 2**31; got {share}"
        )
    _, second = _top_two(v)
    return ok & (v >= _qualification_bound(reg, second, Fraction(share))[:, None])


def round1_status(
    votes: npt.ArrayLike,
    valid: npt.ArrayLike,
    registered: npt.ArrayLike,
    expressed: npt.ArrayLike,
) -> npt.NDArray[np.int8]:
    """Round-1 outcome per candidate: :data:`ELECTED`, :data:`QUALIFIED` or :data:`ELIMINATED`.

    Where a constituency has a round-1 winner, everyone else there is
    ``ELIMINATED``; elsewhere candidates passing :func:`round1_qualified` are
    ``QUALIFIED``. Padding cells are ``ELIMINATED``. Returns int8 ``(C, K)``.

    >>> import numpy as np
    >>> round1_status(np.array([[60, 40], [45, 40]]), np.ones((2, 2), dtype=bool),
    ...               np.array([200, 200]), np.array([100, 85])).tolist()
    [[2, 0], [1, 1]]
    """
    v, ok = _votes_valid(votes, valid)
    reg = _registered(registered, v.shape[0])
    exp = _expressed(expressed, v, reg)
    elect = _election_bound(reg, exp)
    elected = _at_most_one_elected(v >= elect[:, None], v, exp)
    if v.shape[1] < 2:
        qualified = ok & ~elected
    else:
        top, second = _top_two(v)
        # where someone is elected, nobody qualifies: an unreachable bound
        qualify = np.where(top >= elect, _MAX_COUNT + 1, _qualification_bound(reg, second))
        qualified = ok & (v >= qualify[:, None])
    # elected and qualified are disjoint: status = 2*elected + qualified.
    status = elected.astype(np.int8)
    status *= np.int8(ELECTED)
    status += qualified.view(np.int8)
    return status


def round1_winner_index(status: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Column index of the round-1 winner per constituency, or -1 if none.

    ``status`` is the int array from :func:`round1_status`. Returns int64 ``(C,)``.

    >>> import numpy as np
    >>> round1_winner_index(np.array([[0, 2, 0], [1, 1, 0]], dtype=np.int8)).tolist()
    [1, -1]
    """
    s = _as_int_matrix("status", status)
    if s.size and (s.min() < ELIMINATED or s.max() > ELECTED):
        raise RulesInputError(
            f"status values must be {ELIMINATED} (eliminated), {QUALIFIED} (qualified) "
            f"or {ELECTED} (elected)"
        )
    is_elected = s == ELECTED
    n = np.count_nonzero(is_elected, axis=1)
    if (n > 1).any():
        row = int(np.flatnonzero(n > 1)[0])
        raise RulesInputError(f"constituency row {row} has {int(n[row])} candidates marked elected")
    if s.shape[1] == 0:
        return np.full(s.shape[0], -1, dtype=np.int64)
    return np.where(n == 1, is_elected.argmax(axis=1), -1).astype(np.int64, copy=False)


# --------------------------------------------------------------------------- round 2


def lineup(qualified: npt.ArrayLike, withdrawn: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Round-2 candidates: those qualified who did not withdraw.

    Both arguments are bool ``(C, K)``; returns a new bool ``(C, K)`` array,
    suitable as ``valid`` for :func:`round2_winner`.

    >>> import numpy as np
    >>> lineup(np.array([[True, True, False]]), np.array([[False, True, False]])).tolist()
    [[True, False, False]]
    """
    q = np.asarray(qualified)
    if q.dtype != np.bool_:
        raise RulesInputError(f"qualified must be a boolean array; got dtype {q.dtype}")
    if q.ndim != 2:
        raise RulesInputError(
            f"qualified must be a 2-D array (constituency, candidate); got shape {q.shape}"
        )
    w = _as_bool_matrix("withdrawn", withdrawn, q.shape, like="qualified")
    return q & ~w


def round2_winner(
    votes: npt.ArrayLike, valid: npt.ArrayLike, birth: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Round-2 winner per constituency (Code électoral, art. L126).

    The candidate with the most votes wins (plurality); a tie on votes goes to
    the older candidate (smallest ``birth``). If the tied leaders cannot be
    ordered — one of them has :data:`UNKNOWN_BIRTH`, or the oldest share a
    birth date — the winner is -1 and ``unresolved_tie`` is ``True``.

    A lone valid candidate wins even with 0 votes (and unknown birth). A row
    with no valid candidate gives winner -1, ``unresolved_tie`` ``False``.

    Returns ``(winner, unresolved_tie)``: int64 ``(C,)`` and bool ``(C,)``.

    >>> import numpy as np
    >>> w, u = round2_winner(np.array([[50, 50], [40, 60]]), np.ones((2, 2), dtype=bool),
    ...                      np.array([[-3000, 5000], [0, 0]]))
    >>> w.tolist(), u.tolist()
    ([0, 1], [False, False])
    """
    v, ok = _votes_valid(votes, valid)
    b = _as_int_matrix("birth", birth)
    if b.shape != v.shape:
        raise RulesInputError(f"birth has shape {b.shape} but votes has shape {v.shape}")
    b = b.astype(np.int64, copy=False)
    c, k = v.shape
    if k == 0:
        return np.full(c, -1, dtype=np.int64), np.zeros(c, dtype=bool)

    # Padding is 0, so it can tie with real candidates on 0 votes but never
    # beat them; "& ok" keeps it out of the leaders.
    top = v.max(axis=1)
    leaders = ok & (v == top[:, None])
    n_leaders = np.count_nonzero(leaders, axis=1)
    winner = np.where(n_leaders == 1, leaders.argmax(axis=1), -1).astype(np.int64, copy=False)
    unresolved = np.zeros(c, dtype=bool)

    # Ties on votes are rare: settle them on the tied rows only.
    tied = np.flatnonzero(n_leaders > 1)
    if tied.size:
        lead = leaders[tied]
        bt = b[tied]
        key = np.where(lead, bt, UNKNOWN_BIRTH)
        oldest = key.min(axis=1)
        # a leader of unknown age might be the oldest; two oldest born the same day
        unknown = (lead & (bt == UNKNOWN_BIRTH)).any(axis=1)
        shared = np.count_nonzero(key == oldest[:, None], axis=1) > 1
        stuck = unknown | shared
        winner[tied] = np.where(stuck, -1, key.argmin(axis=1))
        unresolved[tied] = stuck
    return winner, unresolved
