"""Proportional-representation kernels (hemicycle.systems.apportion) and indices.

Three layers of checks:

* a slow, obviously-correct reference (seat-by-seat, exact ``Fraction`` quotients, the documented
  tie rule) that the vectorised kernels must equal on every input, ties included;
* independent libraries (``apportionment``, ``votelib``) that they must equal wherever the cut
  is not a tie (each library breaks ties its own way);
* properties: seats sum to the house, thresholds bite, house and vote monotonicity of divisor
  methods, the lower quota of D'Hondt, the Alabama paradox of Hare, and a published figure.

The docstring examples of both modules run in test_doctests.py.
"""

from __future__ import annotations

import math
from fractions import Fraction

import apportionment.methods as app
import numpy as np
import pytest
import votelib.evaluate.proportional as vl
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hemicycle.errors import HemicycleError, OptionError
from hemicycle.systems.apportion import (
    METHODS,
    dhondt,
    eligible,
    hare,
    highest_averages,
    sainte_lague,
)
from hemicycle.systems.indices import effective_number, gallagher, loosemore_hanby

DIVISORS = {"dhondt": lambda a: a + 1, "sainte_lague": lambda a: 2 * a + 1}

# --------------------------------------------------------------------------- slow reference


def _eligible_ref(votes: list[int], threshold: Fraction | None, base: int | None) -> list[bool]:
    t = Fraction(0) if threshold is None else Fraction(threshold)
    b = sum(votes) if base is None else base
    return [v * t.denominator >= t.numerator * b for v in votes]


def ref_highest_averages(votes, seats, div, threshold=None, base=None) -> list[int]:
    """The textbook loop: give the next seat to the highest quotient, one seat at a time.
    Ties: more votes, then lower index."""
    ok = _eligible_ref(votes, threshold, base)
    won = [0] * len(votes)
    for _ in range(seats):
        bids = [
            (Fraction(v, div(w)), v, -i)
            for i, (v, w, e) in enumerate(zip(votes, won, ok, strict=True))
            if e
        ]
        won[-max(bids)[2]] += 1
    return won


def ref_hare(votes, seats, threshold=None, base=None) -> list[int]:
    ok = _eligible_ref(votes, threshold, base)
    v = [x if e else 0 for x, e in zip(votes, ok, strict=True)]
    total = sum(v)
    quotas = [Fraction(x * seats, total) for x in v]
    won = [math.floor(q) for q in quotas]
    order = sorted(range(len(v)), key=lambda i: (quotas[i] - won[i], v[i], -i), reverse=True)
    for i in order[: seats - sum(won)]:
        won[i] += 1
    return won


def tie_at_cut(method: str, votes, seats, threshold=None, base=None) -> bool:
    """Whether the last seat given and the first refused are an exact tie."""
    ok = _eligible_ref(votes, threshold, base)
    v = [x if e else 0 for x, e in zip(votes, ok, strict=True)]
    if method == "hare":
        total = sum(v)
        rems = sorted(((x * seats) % total for x in v), reverse=True)
        left = seats - sum(x * seats // total for x in v)
        return 0 < left < len(rems) and rems[left - 1] == rems[left]
    div = DIVISORS[method]
    bids = sorted((Fraction(x, div(a)) for x in v if x for a in range(seats + 1)), reverse=True)
    return seats < len(bids) and bids[seats - 1] == bids[seats]


def reference(method: str, votes, seats, threshold=None, base=None) -> list[int]:
    if method == "hare":
        return ref_hare(votes, seats, threshold, base)
    return ref_highest_averages(votes, seats, DIVISORS[method], threshold, base)


# --------------------------------------------------------------------------- strategies

THRESHOLDS = [None, Fraction(0), Fraction(1, 20), Fraction(1, 10), Fraction(1, 8), Fraction(1, 3)]

methods = st.sampled_from(sorted(METHODS))
thresholds = st.sampled_from(THRESHOLDS)
# small counts make ties common (for the reference); large ones make them rare (for oracles)
small_votes = st.lists(st.integers(0, 30), min_size=1, max_size=8)
large_votes = st.lists(st.integers(0, 10**7), min_size=1, max_size=12)
any_votes = st.one_of(small_votes, large_votes)


def _shareable(votes, threshold, base=None) -> bool:
    ok = _eligible_ref(votes, threshold, base)
    return any(v > 0 and e for v, e in zip(votes, ok, strict=True))


# --------------------------------------------------------------------------- reference equality


@settings(max_examples=400, deadline=None)
@given(method=methods, votes=any_votes, seats=st.integers(0, 60), threshold=thresholds)
def test_equals_reference_ties_included(method, votes, seats, threshold):
    assume(_shareable(votes, threshold))
    got = METHODS[method](votes, seats, threshold=threshold)
    assert got.dtype == np.int64
    assert got.tolist() == reference(method, votes, seats, threshold)


@settings(max_examples=100, deadline=None)
@given(
    method=methods,
    votes=any_votes,
    seats=st.integers(1, 40),
    threshold=thresholds,
    extra=st.integers(0, 10**6),
)
def test_base_is_used_for_the_threshold_only(method, votes, seats, threshold, extra):
    base = sum(votes) + extra  # e.g. expressed votes include lists not modelled
    assume(_shareable(votes, threshold, base))
    got = METHODS[method](votes, seats, threshold=threshold, base=base)
    assert got.tolist() == reference(method, votes, seats, threshold, base)


# --------------------------------------------------------------------------- independent oracles

APP_NAME = {"dhondt": "dhondt", "sainte_lague": "saintelague", "hare": "largest_remainder"}
VOTELIB = {
    "dhondt": vl.HighestAverages("d_hondt"),
    "sainte_lague": vl.HighestAverages("sainte_lague"),
    "hare": vl.LargestRemainder("hare"),
}


def _votelib(method: str, votes, seats, threshold) -> list[int]:
    ok = _eligible_ref(votes, threshold, None)
    d = {i: v for i, (v, e) in enumerate(zip(votes, ok, strict=True)) if e}
    out = VOTELIB[method].evaluate(d, seats)
    return [int(out.get(i, 0)) for i in range(len(votes))]


@settings(max_examples=300, deadline=None)
@given(method=methods, votes=large_votes, seats=st.integers(1, 60), threshold=thresholds)
def test_equals_apportionment_and_votelib(method, votes, seats, threshold):
    assume(_shareable(votes, threshold))
    assume(not tie_at_cut(method, votes, seats, threshold))
    got = METHODS[method](votes, seats, threshold=threshold).tolist()
    want = app.compute(
        APP_NAME[method], votes, seats, fractions=True, threshold=threshold, tiesallowed=False
    )
    assert got == [int(x) for x in want]
    assert got == _votelib(method, votes, seats, threshold)


def test_equals_votelib_on_national_sized_inputs():
    """Seeded: 20 lists, tens of millions of votes, 577 seats (and smaller houses)."""
    rng = np.random.default_rng(577)
    compared = 0
    for _ in range(30):
        n = int(rng.integers(2, 21))
        votes = (rng.pareto(1.0, n) * 1e6).astype(np.int64).clip(0, 5 * 10**7).tolist()
        seats = int(rng.choice([577, int(rng.integers(1, 600))]))
        for method in METHODS:
            if not sum(votes) or tie_at_cut(method, votes, seats, Fraction(1, 20)):
                continue
            got = METHODS[method](votes, seats, threshold=Fraction(1, 20)).tolist()
            assert got == _votelib(method, votes, seats, Fraction(1, 20))
            compared += 1
    assert compared >= 60


def test_ties_break_toward_more_votes_then_lower_index():
    # 60/2 == 30/1 for the 2nd seat: the list with more votes (and already a seat) wins it
    assert dhondt([30, 60], 2).tolist() == [0, 2]
    # equal votes: the lower index
    assert dhondt([10, 10, 10], 2).tolist() == [1, 1, 0]
    assert sainte_lague([7, 7], 1).tolist() == [1, 0]
    # Hare, equal remainders 2/3 each, equal votes: lower indices
    assert hare([2, 2, 2], 2).tolist() == [1, 1, 0]
    # Hare, votes 1 and 3 of 4, 2 seats: quotas 1/2 and 3/2, equal remainders 1/2: more votes
    assert hare([1, 3], 2).tolist() == [0, 2]
    assert hare([3, 1], 2).tolist() == [2, 0]


def test_float_collapse_is_resolved_exactly():
    """Two quotients closer than float64 resolves: 1099510315929/2000003 < 549755982596/1000003
    (cross-products differ by 1, relative gap ~2**-60) yet both round to the same float. The
    second seat must go to list 1, although list 0 has more votes and the lower index."""
    d = np.array([1_000_003, 2_000_003])
    v0, v1 = 1_099_510_315_929, 549_755_982_596
    assert v0 * d[0] - v1 * d[1] == -1 and v0 / d[1] == v1 / d[0]
    assert highest_averages([v0, v1], 2, lambda a: d[a]).tolist() == [1, 1]
    assert highest_averages([v0, v1], 2, lambda a: d[a]).tolist() == ref_highest_averages(
        [v0, v1], 2, lambda a: int(d[a])
    )
    votes = [2**40 - 1, 2**40, 3, 2**39 + 7]
    for seats in (1, 2, 3, 5, 17, 64):
        for m in ("dhondt", "sainte_lague"):
            assert METHODS[m](votes, seats).tolist() == reference(m, votes, seats)


# --------------------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(method=methods, votes=any_votes, seats=st.integers(0, 200), threshold=thresholds)
def test_seats_sum_to_the_house_and_threshold_bites(method, votes, seats, threshold):
    assume(_shareable(votes, threshold))
    got = METHODS[method](votes, seats, threshold=threshold)
    assert got.shape == (len(votes),)
    assert int(got.sum()) == seats
    assert (got >= 0).all()
    t = Fraction(0) if threshold is None else threshold
    below = [v * t.denominator < t.numerator * sum(votes) for v in votes]
    assert not got[np.array(below, dtype=bool)].any()
    assert (got[np.array(votes) == 0] == 0).all()


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(["dhondt", "sainte_lague"]),
    votes=any_votes,
    threshold=thresholds,
    house=st.integers(1, 80),
)
def test_divisor_methods_are_house_monotone(method, votes, threshold, house):
    assume(_shareable(votes, threshold))
    prev = METHODS[method](votes, 0, threshold=threshold)
    for h in range(1, house + 1):
        cur = METHODS[method](votes, h, threshold=threshold)
        assert (cur >= prev).all(), (h, prev.tolist(), cur.tolist())
        assert int((cur - prev).sum()) == 1
        prev = cur


def test_hare_alabama_paradox():
    """Hare is not house-monotone. Votes 6, 6, 2 (total 14):

    * 3 seats: quotas 18/14, 18/14, 6/14 -> floors 1, 1, 0; remainders 4, 4, 6 (/14): the last
      seat goes to the third list -> 1, 1, 1;
    * 4 seats: quotas 24/14, 24/14, 8/14 -> floors 1, 1, 0; remainders 10, 10, 8 (/14): the two
      seats left go to the first two -> 2, 2, 0. The third list loses its seat as the house grows.

    D'Hondt and Sainte-Laguë never do that (previous test)."""
    assert hare([6, 6, 2], 3).tolist() == [1, 1, 1]
    assert hare([6, 6, 2], 4).tolist() == [2, 2, 0]
    assert dhondt([6, 6, 2], 4).tolist() == [2, 2, 0] and dhondt([6, 6, 2], 3).tolist() == [2, 1, 0]


def test_hare_paradox_is_not_a_curiosity():
    """A seeded random search finds the paradox in realistic inputs too (and the divisor
    methods never show it on the same inputs)."""
    rng = np.random.default_rng(1880)  # the year of the Alabama paradox
    found = 0
    for _ in range(300):
        votes = rng.integers(1, 10**5, size=int(rng.integers(3, 8)))
        for h in range(1, 40):
            a, b = hare(votes, h), hare(votes, h + 1)
            found += bool((b < a).any())
            for m in (dhondt, sainte_lague):
                assert (m(votes, h + 1) >= m(votes, h)).all()
    assert found > 0


@settings(max_examples=200, deadline=None)
@given(
    method=st.sampled_from(["dhondt", "sainte_lague"]),
    votes=any_votes,
    seats=st.integers(1, 60),
    threshold=thresholds,
    data=st.data(),
)
def test_more_votes_never_fewer_seats(method, votes, seats, threshold, data):
    assume(_shareable(votes, threshold))
    i = data.draw(st.integers(0, len(votes) - 1))
    more = list(votes)
    more[i] += data.draw(st.integers(1, 10**6))
    # more votes for one list can push every list under the threshold (raising the total), but
    # never a list that was eligible: then there is nothing to share
    assume(_shareable(more, threshold))
    before = METHODS[method](votes, seats, threshold=threshold)[i]
    after = METHODS[method](more, seats, threshold=threshold)[i]
    assert after >= before


@settings(max_examples=200, deadline=None)
@given(votes=any_votes, seats=st.integers(1, 200), threshold=thresholds)
def test_dhondt_lower_quota_and_hare_quota(votes, seats, threshold):
    assume(_shareable(votes, threshold))
    ok = _eligible_ref(votes, threshold, None)
    total = sum(v for v, e in zip(votes, ok, strict=True) if e)
    d, h = dhondt(votes, seats, threshold=threshold), hare(votes, seats, threshold=threshold)
    for i, (v, e) in enumerate(zip(votes, ok, strict=True)):
        if e:
            lo, hi = v * seats // total, -(-v * seats // total)
            assert d[i] >= lo
            assert lo <= h[i] <= hi


@settings(max_examples=150, deadline=None)
@given(method=methods, votes=large_votes, seats=st.integers(0, 60), data=st.data())
def test_relabelling_lists_relabels_seats(method, votes, seats, data):
    assume(_shareable(votes, None) and not tie_at_cut(method, votes, seats))
    perm = data.draw(st.permutations(range(len(votes))))
    got = METHODS[method](votes, seats)
    permuted = METHODS[method]([votes[p] for p in perm], seats)
    assert permuted.tolist() == [int(got[p]) for p in perm]


def test_registry_and_generic_divisor():
    assert set(METHODS) == {"dhondt", "sainte_lague", "hare"}
    votes = [53, 24, 23, 9]
    assert (highest_averages(votes, 9, lambda a: a + 1) == dhondt(votes, 9)).all()
    assert (highest_averages(votes, 9, lambda a: 6 * a + 3) == sainte_lague(votes, 9)).all()
    # modified Sainte-Laguë 1.4, 3, 5, ... written in integers 7, 15, 25, ...
    mod = highest_averages([53, 24, 23], 7, lambda a: np.where(a == 0, 7, 10 * a + 5))
    plain = sainte_lague([53, 24, 23], 7)
    assert mod.tolist() == [3, 2, 2] and plain.tolist() == [3, 2, 2]
    assert highest_averages([1000, 100], 2, lambda a: np.where(a == 0, 7, 10 * a + 5)).tolist() == [
        2,
        0,
    ]


def test_threshold_forms_agree_and_are_exact():
    votes = [95, 5, 4]
    assert eligible(votes, threshold=0.05, base=100).tolist() == [True, True, False]
    assert eligible(votes, threshold=Fraction(1, 20), base=100).tolist() == [True, True, False]
    # 0.1 read as 1/10 exactly (the binary double is slightly above 1/10)
    assert eligible([10, 90], threshold=0.1).tolist() == [True, True]
    assert eligible([10, 90], threshold=np.float64(0.1)).tolist() == [True, True]
    assert eligible([9, 91], threshold=0.1).tolist() == [False, True]
    assert eligible([0, 0]).tolist() == [True, True]
    assert eligible([5, 95], threshold=0.05, base=10**9).tolist() == [False, False]


def test_inputs_are_not_mutated_and_numpy_dtypes_accepted():
    v = np.array([30, 20, 10], dtype=np.int32)
    copy = v.copy()
    for m in METHODS.values():
        assert m(v, np.int64(6)).sum() == 6
    assert (v == copy).all()
    assert dhondt(np.array([], dtype=np.int64), 0).tolist() == []
    assert dhondt([0, 0], 0).tolist() == [0, 0]


# --------------------------------------------------------------------------- published figures

# 2024 legislative elections, round 1, votes by nuance (Ministère de l'Intérieur); the candidates'
# votes add up to 32,057,944 expressed votes. The other nuances are modelled as five small lists.
NAMED_2024 = {
    "RN": 9_379_092,
    "UG": 8_971_581,
    "ENS": 6_425_707,
    "LR": 2_106_166,
    "UXD": 1_251_125,
    "DVD": 1_172_482,
    "DVG": 490_898,
    "DVC": 391_423,
}
EXPRESSED_2024 = 32_057_944


def test_2024_round1_dhondt_national_5pct():
    rest = EXPRESSED_2024 - sum(NAMED_2024.values())
    assert rest == 1_869_470
    small = [rest // 5] * 4 + [rest - 4 * (rest // 5)]
    votes = [*NAMED_2024.values(), *small]
    assert sum(votes) == EXPRESSED_2024
    for base in (None, EXPRESSED_2024):
        got = dict(
            zip(NAMED_2024, dhondt(votes, 577, threshold=0.05, base=base).tolist(), strict=False)
        )
        assert got == {
            "RN": 201,
            "UG": 193,
            "ENS": 138,
            "LR": 45,
            "UXD": 0,
            "DVD": 0,
            "DVG": 0,
            "DVC": 0,
        }
    # the same seats from an independent implementation (votelib), not only from the README
    want = _votelib("dhondt", votes, 577, Fraction(1, 20))
    assert dict(zip(NAMED_2024, want, strict=False)) == got


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m([10, -1], 3),
        lambda m: m([1.5, 2.0], 3),
        lambda m: m(np.array([True, False]), 3),
        lambda m: m([[1, 2]], 3),
        lambda m: m([10, 20], -1),
        lambda m: m([10, 20], 2.0),
        lambda m: m([10, 20], True),
        lambda m: m([10, 20], 3, threshold=1),
        lambda m: m([10, 20], 3, threshold=-0.1),
        lambda m: m([10, 20], 3, threshold=float("nan")),
        lambda m: m([10, 20], 3, threshold="5%"),
        lambda m: m([10, 20], 3, base=-5),
        lambda m: m([10, 20], 3, threshold=0.5, base=10**6),  # nobody reaches the threshold
        lambda m: m([0, 0], 3),  # no votes
        lambda m: m([], 1),
        lambda m: m([2**41, 1], 3),
    ],
)
@pytest.mark.parametrize("method", sorted(METHODS))
def test_bad_input_raises_option_error(method, call):
    with pytest.raises(OptionError):
        call(METHODS[method])


def test_error_messages_are_clear():
    with pytest.raises(OptionError, match="non-negative"):
        dhondt([3, -2], 2)
    with pytest.raises(OptionError, match="threshold"):
        dhondt([3, 2], 2, threshold=1.5)
    with pytest.raises(OptionError, match="no list reaches the threshold"):
        dhondt([3, 2], 2, threshold=0.5, base=100)
    with pytest.raises(OptionError, match="strictly increasing"):
        highest_averages([3, 2], 3, lambda a: np.ones_like(a))
    with pytest.raises(OptionError, match="integers"):
        highest_averages([3, 2], 3, lambda a: a + 0.5)
    assert issubclass(OptionError, HemicycleError) and issubclass(OptionError, ValueError)


# --------------------------------------------------------------------------- indices


def test_gallagher_and_loosemore_hanby_zero_when_proportional():
    assert gallagher([300, 200, 100], [3, 2, 1]) == pytest.approx(0.0, abs=1e-12)
    assert loosemore_hanby([300, 200, 100], [3, 2, 1]) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("loser", [0.0, 0.1, 0.37, 0.49])
def test_loosemore_hanby_winner_take_all_is_the_losers_share(loser):
    votes = [round(1e6 * (1 - loser)), round(1e6 * loser)]
    assert loosemore_hanby(votes, [577, 0]) == pytest.approx(100 * loser)
    # two parties: both indices equal |gap|
    assert gallagher(votes, [577, 0]) == pytest.approx(100 * loser)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 577])
def test_effective_number_of_equal_parties_is_n(n):
    assert effective_number([123] * n) == pytest.approx(n)
    assert effective_number([123] * n + [0, 0]) == pytest.approx(n)


def test_indices_against_direct_formulas():
    rng = np.random.default_rng(1991)
    for _ in range(200):
        n = int(rng.integers(1, 25))
        votes = rng.integers(0, 10**7, n)
        votes[0] += 1
        seats = dhondt(votes, int(rng.integers(1, 600)), threshold=Fraction(1, 20))
        vp = [v / sum(votes.tolist()) for v in votes.tolist()]
        sp = [s / sum(seats.tolist()) for s in seats.tolist()]
        g = 100 * math.sqrt(sum((a - b) ** 2 for a, b in zip(vp, sp, strict=True)) / 2)
        lh = 50 * sum(abs(a - b) for a, b in zip(vp, sp, strict=True))
        assert gallagher(votes, seats) == pytest.approx(g, rel=1e-12, abs=1e-12)
        assert loosemore_hanby(votes, seats) == pytest.approx(lh, rel=1e-12, abs=1e-12)
        assert effective_number(votes) == pytest.approx(1 / sum(p * p for p in vp), rel=1e-12)
        # Gallagher never exceeds Loosemore-Hanby; ENP lies in [1, n]
        assert gallagher(votes, seats) <= loosemore_hanby(votes, seats) + 1e-9
        assert 1 - 1e-12 <= effective_number(votes) <= n + 1e-9


@pytest.mark.parametrize(
    "call",
    [
        lambda: gallagher([0, 0], [1, 2]),
        lambda: gallagher([1, 2], [0, 0]),
        lambda: gallagher([1, 2], [1, 2, 3]),
        lambda: loosemore_hanby([1, -2], [1, 2]),
        lambda: loosemore_hanby([[1, 2]], [[1, 2]]),
        lambda: effective_number([]),
        lambda: effective_number([1.0, float("nan")]),
        lambda: effective_number(["a", "b"]),
    ],
)
def test_indices_bad_input(call):
    with pytest.raises(OptionError):
        call()
