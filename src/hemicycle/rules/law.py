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
  on; if none does, the top two may (since 1976; earlier versions below).

The law as it stood at each election
------------------------------------

Only the qualification for round 2 changed under the Fifth Republic; the round-1 rule (an absolute
majority of the votes cast and a quarter of the registered voters) and the round-2 rule (a
plurality, a tie to the older candidate) are the same in every version. Each version is a
:class:`Law` value and :func:`law_for` gives the one of a year:

============  =====================================  ===========  ========================
version       text                                   elections    round 2 open to
============  =====================================  ===========  ========================
``"1958"``    ordinance n° 58-945, 13 October 1958   1958, 1962   5 % of the votes cast
``"1966"``    law n° 66-1022, 29 December 1966       1967–1973    10 % of the registered
``"1976"``    law n° 76-665, 19 July 1976            1978, 1981,  12.5 % of the registered,
                                                     1988 on      else the top two
============  =====================================  ===========  ========================

1986 was elected by proportional representation in each department (law n° 85-690 of
10 July 1985); the two-round law came back with law n° 86-825 of 11 July 1986, as the 1976 text
stood. :func:`law_for` refuses 1986, and any year before 1988 without a general election.

**What happens where fewer than two reach the threshold, before 1976 — a decision.** The 1958
ordinance and the 1966 law, as the project's sources read them (``SOURCES.md`` of the 1958–1981
folders: "From 1978 on, where fewer than two candidates qualify, the two best placed may stand
(introduced in 1976)"), say only « nul ne peut être candidat au deuxième tour s'il ne s'est
présenté au premier tour et s'il n'a obtenu » the threshold. Read literally, as here, a lone
qualifier stands alone (and wins round 2 by plurality), and where nobody reaches the threshold
nobody may stand: the functions then mark no one ``QUALIFIED`` in that constituency, and a replay
lists every round-2 candidate there as not qualified by law — so the case, if a file holds one,
shows instead of being papered over. The texts themselves could not be read from this workplace;
what makes the decision safe is that it changes nothing measured: in the CDSP's files of 1958,
1962, 1967, 1968 and 1973, read per party column, no constituency without a round-1 winner has
fewer than two columns at the threshold (``tests/test_law_versions.py``), whereas 1978 and 1981
each have one with a single column at 12.5 % (75-2, 59-4); in 59-4 the runner-up stood in round 2,
as the 1976 clause allows. Under the 1958 ordinance the leader of a constituency always has 5 %
of the votes cast when at most 20 candidates stand, so there the question hardly arises.

A slow, loop-by-loop transcription of the same rules lives in
:mod:`hemicycle.rules.reference`; the test-suite checks the two agree, for every version.

No function mutates its inputs; each returns fresh arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
import numpy.typing as npt

from hemicycle.errors import OptionError, RulesInputError, YearNotAvailableError

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

#: Round-1 status codes (int8) returned by :func:`round1_status`.
ELIMINATED: int = 0
QUALIFIED: int = 1
ELECTED: int = 2

#: Seats in today's National Assembly (Code électoral, art. LO119, since 1986) and the absolute
#: majority of them: defaults only. An election's own house is
#: :attr:`hemicycle.election.Election.house_size` (465 in 1958, 474 in 1978 in the CDSP's files),
#: its majority :func:`house_majority` of it.
SEATS = 577
MAJORITY = SEATS // 2 + 1
#: L162 since 1976: 12.5 % of the registered voters qualify for round 2.
QUALIFYING_SHARE = Fraction(1, 8)
#: Sentinel birth date for a candidate whose date of birth is unknown.
UNKNOWN_BIRTH: int = int(np.iinfo(np.int64).max)

# Counts above this are refused: no electorate comes anywhere near (2**59 is
# about 5.8e17), and it keeps every sum and rounding below int64 overflow.
_MAX_COUNT = 2**59


# --------------------------------------------------------------------------- the law's versions

#: What a qualification threshold is a share of: the votes cast or the registered voters.
Base = Literal["expressed", "registered"]


@dataclass(frozen=True)
class Law:
    """One version of the two-round law: what the functions of this module apply.

    ``qualify_base`` and ``qualify_share``: round 2 is open to a round-1 candidate whose votes reach
    that share of that base (``den * votes >= num * base``, in integers). ``top_two_fallback``:
    where fewer than two reach it, the runner-up (one qualifier) or the top two (none) may stand
    too; without it, only those reaching the threshold. ``elect_registered``: the share of the
    registered voters a round-1 winner needs besides an absolute majority of the votes cast.

    >>> LAW_1958.qualify, LAW_1958.top_two_fallback
    (('expressed', Fraction(1, 20)), False)
    >>> print(LAW_1966)
    law of 1966: round 2 open to candidates with 10 % of the registered voters
    """

    version: str
    text: str  # the text that set the threshold, cited
    qualify_base: Base
    qualify_share: Fraction
    top_two_fallback: bool
    elect_registered: Fraction = Fraction(1, 4)

    def __post_init__(self) -> None:
        if self.qualify_base not in ("expressed", "registered"):
            raise RulesInputError(
                f"qualify_base must be 'expressed' or 'registered'; got {self.qualify_base!r}"
            )
        for name in ("qualify_share", "elect_registered"):
            f = getattr(self, name)
            if not isinstance(f, Fraction) or not 0 < f < 1 or f.denominator > 2**31:
                raise RulesInputError(
                    f"{name} must be a Fraction in (0, 1) with a denominator below 2**31; got {f!r}"
                )

    @property
    def qualify(self) -> tuple[Base, Fraction]:
        """``(base, share)`` of the qualification threshold."""
        return self.qualify_base, self.qualify_share

    def __str__(self) -> str:
        base = "the votes cast" if self.qualify_base == "expressed" else "the registered voters"
        text = (
            f"law of {self.version}: round 2 open to candidates with "
            f"{_percent(self.qualify_share)} of {base}"
        )
        return text + (", else the top two" if self.top_two_fallback else "")


def _percent(f: Fraction) -> str:
    p = f * 100
    return f"{p.numerator / p.denominator:g} %"


#: Ordinance of 13 October 1958 (1958, 1962): 5 % of the votes cast.
LAW_1958 = Law(
    version="1958",
    text="ordonnance n° 58-945 du 13 octobre 1958",
    qualify_base="expressed",
    qualify_share=Fraction(1, 20),
    top_two_fallback=False,
)
#: Law of 29 December 1966 (1967, 1968, 1973): 10 % of the registered voters.
LAW_1966 = Law(
    version="1966",
    text="loi n° 66-1022 du 29 décembre 1966",
    qualify_base="registered",
    qualify_share=Fraction(1, 10),
    top_two_fallback=False,
)
#: Law of 19 July 1976 (1978, 1981, and from 1988 on): 12.5 % of the registered voters, else the
#: top two — article L162 as it reads today.
LAW_1976 = Law(
    version="1976",
    text="loi n° 76-665 du 19 juillet 1976",
    qualify_base="registered",
    qualify_share=QUALIFYING_SHARE,
    top_two_fallback=True,
)
#: The law today, the default of every function.
CURRENT_LAW = LAW_1976
#: Every version, by name.
LAWS: dict[str, Law] = {law.version: law for law in (LAW_1958, LAW_1966, LAW_1976)}
#: The general elections before 1988 held under the two-round law, and its version at each.
_BEFORE_1988: dict[int, Law] = {
    1958: LAW_1958,
    1962: LAW_1958,
    1967: LAW_1966,
    1968: LAW_1966,
    1973: LAW_1966,
    1978: LAW_1976,
    1981: LAW_1976,
}


def law_for(year: int) -> Law:
    """The version of the two-round law the general election of ``year`` was held under.

    Every year from 1988 on is under the 1976 law; before that, only the years of a general
    election of the Fifth Republic are known (1986, elected by proportional representation, is
    refused).

    >>> law_for(1962).version, law_for(1973).version, law_for(2024).version
    ('1958', '1966', '1976')
    """
    if isinstance(year, bool) or not isinstance(year, int | np.integer):
        raise OptionError(f"year must be an integer; got {year!r}")
    y = int(year)
    if y >= 1988:
        return CURRENT_LAW
    if y == 1986:
        raise YearNotAvailableError(
            "1986 was elected by proportional representation in each department (law n° 85-690 "
            "of 10 July 1985), not under the two-round law, so there is no two-round law to apply"
        )
    if y not in _BEFORE_1988:
        raise YearNotAvailableError(
            f"no general election was held under the two-round law in {y}; before 1988: "
            f"{', '.join(map(str, _BEFORE_1988))}, then any year from 1988"
        )
    return _BEFORE_1988[y]


def house_majority(house: int) -> int:
    """An absolute majority of a house of ``house`` members: ``house // 2 + 1``.

    >>> house_majority(577), house_majority(465), house_majority(474)
    (289, 233, 238)
    """
    if isinstance(house, bool) or not isinstance(house, int | np.integer) or house < 1:
        raise RulesInputError(
            f"a house must have a positive integer number of seats; got {house!r}"
        )
    return int(house) // 2 + 1


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


def _ceil_share(base: np.ndarray, share: Fraction) -> np.ndarray:
    """``ceil(base * share)`` per row, exactly: ``den*v >= num*base`` iff ``v >= ceil(...)``."""
    # base = q*den + r: ceil(base*num/den) = q*num + ceil(r*num/den), exact in int64 (num < den)
    q, r = np.divmod(base, share.denominator)
    return q * share.numerator - (-(r * share.numerator) // share.denominator)


def _election_bound(reg: np.ndarray, exp: np.ndarray, law: Law = CURRENT_LAW) -> np.ndarray:
    """Fewest votes that elect in round 1, per constituency (always >= 1)."""
    # 2*v > exp  <=>  v >= exp//2 + 1 ;  4*v >= reg  <=>  v >= ceil(reg/4).
    return np.maximum(exp // 2 + 1, _ceil_share(reg, law.elect_registered))


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
    base: np.ndarray, second: np.ndarray | None, share: Fraction, fallback: bool
) -> np.ndarray:
    """Fewest votes that qualify for round 2, per constituency (L162)."""
    # 8*v >= reg  <=>  v >= ceil(reg/8) (any share num/den of any base: v >= ceil(base*num/den)).
    # With the fallback, qualified = meets that OR is ranked first or second (v >= second): a
    # single lower bound, the smaller one.
    bound = _ceil_share(base, share)
    return np.minimum(bound, second) if fallback and second is not None else bound


def _check_law(law: object) -> Law:
    if not isinstance(law, Law):
        raise RulesInputError(
            f"law must be a hemicycle.rules.Law (one of {', '.join(LAWS)}, or law_for(year)); "
            f"got {law!r}"
        )
    return law


def _qualify_base(law: Law, reg: np.ndarray, expressed: object, v: np.ndarray) -> np.ndarray:
    """The counts the qualification threshold is a share of: ``reg`` or ``expressed``, checked."""
    if law.qualify_base == "registered":
        return reg
    if expressed is None:
        raise RulesInputError(
            f"the {law.version} law qualifies on the votes cast: pass expressed= as well"
        )
    return _expressed(expressed, v, reg)


def round1_elected(
    votes: npt.ArrayLike,
    valid: npt.ArrayLike,
    registered: npt.ArrayLike,
    expressed: npt.ArrayLike,
    *,
    law: Law = CURRENT_LAW,
) -> npt.NDArray[np.bool_]:
    """Who is elected in round 1 (Code électoral, art. L126; the same in every ``law``).

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
    law = _check_law(law)
    v, ok = _votes_valid(votes, valid)
    reg = _registered(registered, v.shape[0])
    exp = _expressed(expressed, v, reg)
    # the bound is >= 1, so padding (0 votes) never passes
    return _at_most_one_elected(v >= _election_bound(reg, exp, law)[:, None], v, exp)


def round1_qualified(
    votes: npt.ArrayLike,
    valid: npt.ArrayLike,
    registered: npt.ArrayLike,
    *,
    share: Fraction | None = None,
    law: Law = CURRENT_LAW,
    expressed: npt.ArrayLike | None = None,
) -> npt.NDArray[np.bool_]:
    """Who may stand in round 2 (Code électoral, art. L162, as ``law`` has it).

    Under today's law a candidate qualifies iff ``8*votes >= registered`` (12.5 % of registered
    voters). If fewer than two candidates reach that, the runner-up (or the top
    two) may stay on; the result is the union of the threshold-qualified and the
    candidates ranked first and second by votes, among valid candidates only. Under the 1958 law
    (``20*votes >= expressed``, so ``expressed`` must be given) and the 1966 law
    (``10*votes >= registered``) only those reaching the threshold qualify (:class:`Law`).

    ``share`` (a :class:`~fractions.Fraction`, default the law's) moves the threshold, exactly,
    for counterfactual rules; the base is then whatever array the law's base reads (e.g. the
    votes cast passed as ``registered``, :mod:`hemicycle.systems.majoritarian`).

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
    law = _check_law(law)
    v, ok = _votes_valid(votes, valid)
    reg = _registered(registered, v.shape[0])
    base = _qualify_base(law, reg, expressed, v)
    if share is None:
        share = law.qualify_share
    if not 0 < share < 1 or Fraction(share).denominator > 2**31:
        raise RulesInputError(
            f"share must be a fraction in (0, 1) with a denominator below 2**31; got {share}"
        )
    if law.top_two_fallback and v.shape[1] < 2:
        return ok.copy()  # at most one candidate: the "top two" is everyone
    second = _top_two(v)[1] if v.shape[1] >= 2 else None
    bound = _qualification_bound(base, second, Fraction(share), law.top_two_fallback)
    return ok & (v >= bound[:, None])


def round1_status(
    votes: npt.ArrayLike,
    valid: npt.ArrayLike,
    registered: npt.ArrayLike,
    expressed: npt.ArrayLike,
    *,
    law: Law = CURRENT_LAW,
) -> npt.NDArray[np.int8]:
    """Round-1 outcome per candidate: :data:`ELECTED`, :data:`QUALIFIED` or :data:`ELIMINATED`,
    under ``law`` (default today's).

    Where a constituency has a round-1 winner, everyone else there is
    ``ELIMINATED``; elsewhere candidates passing :func:`round1_qualified` are
    ``QUALIFIED``. Padding cells are ``ELIMINATED``. Returns int8 ``(C, K)``.

    >>> import numpy as np
    >>> round1_status(np.array([[60, 40], [45, 40]]), np.ones((2, 2), dtype=bool),
    ...               np.array([200, 200]), np.array([100, 85])).tolist()
    [[2, 0], [1, 1]]
    """
    law = _check_law(law)
    v, ok = _votes_valid(votes, valid)
    reg = _registered(registered, v.shape[0])
    exp = _expressed(expressed, v, reg)
    elect = _election_bound(reg, exp, law)
    elected = _at_most_one_elected(v >= elect[:, None], v, exp)
    base = exp if law.qualify_base == "expressed" else reg
    if v.shape[1] < 2 and law.top_two_fallback:
        qualified = ok & ~elected
    else:
        second = _top_two(v)[1] if v.shape[1] >= 2 else None
        bound = _qualification_bound(base, second, law.qualify_share, law.top_two_fallback)
        # where someone is elected, nobody qualifies: an unreachable bound
        qualify = np.where(elected.any(axis=1), _MAX_COUNT + 1, bound)
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
