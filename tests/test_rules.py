"""Tests for the two-round law (hemicycle.rules): hand-made cases and properties."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hemicycle.errors import OptionError, RulesInputError, YearNotAvailableError
from hemicycle.rules import (
    CURRENT_LAW,
    ELECTED,
    ELIMINATED,
    LAW_1958,
    LAW_1966,
    LAW_1976,
    LAWS,
    QUALIFIED,
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
from hemicycle.rules.reference import (
    ref_lineup,
    ref_round1_elected,
    ref_round1_qualified,
    ref_round1_status,
    ref_round1_winner_index,
    ref_round2_winner,
)

E, Q, X = ELECTED, QUALIFIED, ELIMINATED
U = UNKNOWN_BIRTH
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Every version of the law: the properties and the fast-vs-reference checks run under each.
EVERY_LAW = pytest.mark.parametrize("law", list(LAWS.values()), ids=list(LAWS))


def one(votes, registered, expressed=None, valid=None):
    """One constituency as (votes, valid, registered, expressed) arrays."""
    v = np.array([votes], dtype=np.int64)
    ok = np.ones_like(v, dtype=bool) if valid is None else np.array([valid], dtype=bool)
    exp = int(v[ok].sum()) if expressed is None else expressed
    return v, ok, np.array([registered], dtype=np.int64), np.array([exp], dtype=np.int64)


def status_of(votes, registered, expressed=None, valid=None, law=CURRENT_LAW):
    args = one(votes, registered, expressed, valid)
    fast = round1_status(*args, law=law)
    assert fast.tolist() == ref_round1_status(*args, law=law).tolist()
    return fast[0].tolist()


def r2(votes, birth, valid=None):
    v = np.array([votes], dtype=np.int64)
    ok = np.ones_like(v, dtype=bool) if valid is None else np.array([valid], dtype=bool)
    b = np.array([birth], dtype=np.int64)
    w, u = round2_winner(v, ok, b)
    rw, ru = ref_round2_winner(v, ok, b)
    assert (w.tolist(), u.tolist()) == (rw.tolist(), ru.tolist())
    return int(w[0]), bool(u[0])


# --------------------------------------------------------------------------- hand-made: round 1


def test_exact_half_of_expressed_is_not_elected():
    # 2*v == expressed: no absolute majority, even with plenty of registered.
    assert status_of([50, 50], registered=100) == [Q, Q]
    assert status_of([51, 49], registered=100) == [E, X]


def test_exact_quarter_of_registered_is_elected():
    # 4*v == registered: elected.
    assert status_of([60, 40], registered=240) == [E, X]
    # one more registered voter: the quarter is missed, round 2 between both.
    assert status_of([60, 40], registered=241) == [Q, Q]


def test_majority_but_not_a_quarter_goes_to_round_two():
    # 200 of 300 cast is a majority, but 200 < 1000/4: low turnout.
    assert round1_elected(*one([200, 100], registered=1000)).tolist() == [[False, False]]


def test_exact_eighth_of_registered_qualifies():
    # 8*100 == 800 qualifies; 8*99 == 792 does not (and 99 is 4th).
    assert status_of([300, 200, 100, 99], registered=800) == [Q, Q, Q, X]
    assert round1_qualified(*one([300, 200, 100, 99], registered=800)[:3]).tolist() == [
        [True, True, True, False]
    ]


def test_one_qualifier_plus_runner_up():
    # only 200 reaches 1000/8; the runner-up (50) may stay on, 40 and 10 may not.
    assert status_of([200, 50, 40, 10], registered=1000) == [Q, Q, X, X]


def test_no_qualifier_top_two():
    assert status_of([100, 90, 80], registered=1000) == [Q, Q, X]
    assert status_of([80, 100, 90, 5], registered=1000) == [X, Q, Q, X]


def test_tie_at_second_place_keeps_everyone_tied():
    assert status_of([100, 60, 60, 10], registered=1000) == [Q, Q, Q, X]
    # one qualifier, runner-up place tied
    assert status_of([200, 50, 50, 3], registered=1000) == [Q, Q, Q, X]


def test_tie_at_first_place_does_not_let_the_third_in():
    assert status_of([70, 70, 60], registered=1000) == [Q, Q, X]


def test_three_way_qualification():
    # a triangulaire: three above 12.5 %
    assert status_of([400, 300, 200, 100], registered=1500) == [Q, Q, Q, X]


def test_single_candidate_round_one():
    assert status_of([10], registered=100) == [Q]  # 4*10 < 100: not elected
    assert status_of([30], registered=100) == [E]
    assert status_of([0], registered=100) == [Q]


def test_padding_is_eliminated_and_ignored():
    # padding votes are ignored even if non-zero
    v, ok, reg, exp = one([60, 0, 40, 999], registered=240, valid=[True, False, True, False])
    assert exp.tolist() == [100]
    assert round1_status(v, ok, reg, exp).tolist() == [[E, X, X, X]]
    assert ref_round1_status(v, ok, reg, exp).tolist() == [[E, X, X, X]]
    assert round1_qualified(v, ok, reg).tolist() == [[True, False, True, False]]


def test_no_candidate_row():
    v, ok, reg, exp = one([0, 0], registered=100, valid=[False, False])
    assert round1_status(v, ok, reg, exp).tolist() == [[X, X]]
    assert round1_qualified(v, ok, reg).tolist() == [[False, False]]
    assert round1_winner_index(round1_status(v, ok, reg, exp)).tolist() == [-1]


def test_several_constituencies_and_winner_index():
    votes = np.array([[60, 40, 0], [45, 40, 15], [10, 0, 0]], dtype=np.int64)
    valid = np.array([[True, True, False], [True, True, True], [True, False, False]])
    registered = np.array([200, 200, 30])
    expressed = np.array([100, 100, 10])
    status = round1_status(votes, valid, registered, expressed)
    assert status.dtype == np.int8
    assert status.tolist() == [[E, X, X], [Q, Q, X], [E, X, X]]
    idx = round1_winner_index(status)
    assert idx.dtype == np.int64
    assert idx.tolist() == [0, -1, 0]


def test_round1_winner_index_middle_and_none():
    s = np.array([[X, X, E], [Q, Q, X], [X, X, X]], dtype=np.int8)
    assert round1_winner_index(s).tolist() == [2, -1, -1]
    assert ref_round1_winner_index(s).tolist() == [2, -1, -1]


def test_lineup():
    q = np.array([[True, True, True, False]])
    w = np.array([[False, True, False, True]])
    assert lineup(q, w).tolist() == [[True, False, True, False]]
    assert ref_lineup(q, w).tolist() == [[True, False, True, False]]


# --------------------------------------------------------------------------- hand-made: round 2


def test_round2_plurality():
    assert r2([30, 50, 20], [0, 0, 0]) == (1, False)


def test_round2_tie_goes_to_the_older():
    assert r2([50, 50], [1000, -2000]) == (1, False)
    assert r2([50, 50, 10], [3, 5, U]) == (0, False)  # the non-leader's birth is irrelevant


def test_round2_tie_unresolved_when_birth_unknown():
    assert r2([50, 50], [U, 0]) == (-1, True)
    assert r2([50, 50, 50], [1, 2, U]) == (-1, True)  # the unknown one might be older


def test_round2_tie_unresolved_when_born_the_same_day():
    assert r2([50, 50], [7, 7]) == (-1, True)
    assert r2([50, 50, 50], [7, 7, 9]) == (-1, True)
    assert r2([50, 50, 50], [9, 7, 8]) == (1, False)


def test_round2_single_candidate_wins_even_with_zero_votes():
    assert r2([0], [U]) == (0, False)
    assert r2([0, 0, 0], [U, U, U], valid=[False, True, False]) == (1, False)


def test_round2_no_candidate():
    assert r2([0, 0], [0, 0], valid=[False, False]) == (-1, False)


def test_round2_padding_votes_ignored():
    assert r2([10, 99], [0, 0], valid=[True, False]) == (0, False)


def test_round2_dtypes():
    w, u = round2_winner(np.array([[1, 2]]), np.array([[True, True]]), np.array([[0, 0]]))
    assert w.dtype == np.int64 and u.dtype == np.bool_
    assert w.shape == u.shape == (1,)


# --------------------------------------------------------------------------- inputs


def test_validation_errors():
    v, ok, reg, exp = one([60, 40], registered=240)
    with pytest.raises(RulesInputError, match="non-negative"):
        round1_status(np.array([[60, -1]]), ok, reg, exp)
    with pytest.raises(RulesInputError, match="integer"):
        round1_status(v.astype(float), ok, reg, exp)
    with pytest.raises(RulesInputError, match="integer"):
        round1_elected(v, ok, reg.astype(float), exp)
    with pytest.raises(RulesInputError, match="boolean"):
        round1_qualified(v, ok.astype(int), reg)
    with pytest.raises(RulesInputError, match="shape"):
        round1_qualified(v, np.ones((1, 3), dtype=bool), reg)
    with pytest.raises(RulesInputError, match="2-D"):
        round1_qualified(v[0], ok[0], reg)
    with pytest.raises(RulesInputError, match="constituencies"):
        round1_qualified(v, ok, np.array([240, 240]))
    with pytest.raises(RulesInputError, match="several candidates hold a majority"):
        round1_status(
            np.array([[60, 60, 0]]), np.ones((1, 3), bool), np.array([200]), np.array([100])
        )
    # a sum off by a vote (as in the 2024 source) is not an error: the published total counts
    status = round1_status(
        np.array([[51, 50, 0]]), np.ones((1, 3), bool), np.array([200]), np.array([100])
    )
    assert status.tolist() == [[2, 0, 0]]
    with pytest.raises(RulesInputError, match="exceeds registered"):
        round1_status(v, ok, np.array([99]), exp)
    with pytest.raises(RulesInputError, match="overflow"):
        round1_qualified(np.array([[2**62]]), np.array([[True]]), np.array([1]))
    with pytest.raises(RulesInputError, match="status values"):
        round1_winner_index(np.array([[3, 0]]))
    with pytest.raises(RulesInputError, match="2 candidates marked elected"):
        round1_winner_index(np.array([[2, 2]]))
    with pytest.raises(RulesInputError, match="birth has shape"):
        round2_winner(v, ok, np.zeros((1, 3), dtype=np.int64))
    with pytest.raises(RulesInputError, match="integer"):
        round2_winner(v, ok, np.zeros((1, 2)))
    with pytest.raises(RulesInputError, match="boolean"):
        lineup(np.array([[1, 0]]), np.array([[False, False]]))
    with pytest.raises(RulesInputError, match="shape"):
        lineup(np.array([[True, False]]), np.array([[False]]))
    # the reference raises the same errors
    with pytest.raises(RulesInputError, match="non-negative"):
        ref_round1_status(np.array([[60, -1]]), ok, reg, exp)
    with pytest.raises(RulesInputError, match="2 candidates marked elected"):
        ref_round1_winner_index(np.array([[2, 2]]))
    # RulesInputError is a ValueError
    with pytest.raises(ValueError):
        round1_elected(np.array([[60, 60]]), ok, reg, np.array([100]))


def test_other_integer_dtypes_accepted():
    v, ok, reg, exp = one([60, 40], registered=240)
    got = round1_status(v.astype(np.int32), ok, reg.astype(np.uint32), exp.astype(np.int16))
    assert got.tolist() == [[E, X]]
    w, _ = round2_winner(v.astype(np.uint16), ok, np.array([[0, 0]], dtype=np.int32))
    assert w.tolist() == [0]


def test_empty_shapes():
    for c, k in [(0, 3), (3, 0), (0, 0)]:
        v = np.zeros((c, k), dtype=np.int64)
        ok = np.zeros((c, k), dtype=bool)
        reg = np.zeros(c, dtype=np.int64)
        for fast, ref in [(round1_status, ref_round1_status), (round1_elected, ref_round1_elected)]:
            assert fast(v, ok, reg, reg).shape == ref(v, ok, reg, reg).shape == (c, k)
        assert round1_qualified(v, ok, reg).shape == (c, k)
        assert ref_round1_qualified(v, ok, reg).shape == (c, k)
        assert round1_winner_index(np.zeros((c, k), dtype=np.int8)).tolist() == [-1] * c
        assert ref_round1_winner_index(np.zeros((c, k), dtype=np.int8)).tolist() == [-1] * c
        w, u = round2_winner(v, ok, v)
        assert w.tolist() == [-1] * c and u.tolist() == [False] * c
        rw, ru = ref_round2_winner(v, ok, v)
        assert rw.tolist() == [-1] * c and ru.tolist() == [False] * c
        assert lineup(ok, ok).shape == ref_lineup(ok, ok).shape == (c, k)


def test_inputs_not_mutated_and_read_only_accepted():
    rng = np.random.default_rng(1)
    votes, valid, registered, expressed, birth = random_election(rng, 50, 9)
    arrays = [votes, valid, registered, expressed, birth]
    copies = [a.copy() for a in arrays]
    for a in arrays:
        a.setflags(write=False)
    status = round1_status(votes, valid, registered, expressed)
    round1_elected(votes, valid, registered, expressed)
    qualified = round1_qualified(votes, valid, registered)
    status.setflags(write=False)
    qualified.setflags(write=False)
    round1_winner_index(status)
    withdrawn = np.zeros_like(valid)
    withdrawn.setflags(write=False)
    line = lineup(qualified, withdrawn)
    assert line is not qualified
    round2_winner(votes, line, birth)
    for fn, args in [
        (ref_round1_status, (votes, valid, registered, expressed)),
        (ref_round1_elected, (votes, valid, registered, expressed)),
        (ref_round1_qualified, (votes, valid, registered)),
        (ref_round2_winner, (votes, valid, birth)),
    ]:
        fn(*args)
    for a, c in zip(arrays, copies, strict=True):
        assert np.array_equal(a, c)


# --------------------------------------------------------------------------- random elections


def random_election(rng: np.random.Generator, c: int, k: int, scale: int = 5000):
    """Vectorised random election: (votes, valid, registered, expressed, birth)."""
    n = rng.integers(1, k + 1, size=c)
    order = rng.permuted(np.tile(np.arange(k), (c, 1)), axis=1)
    valid = order < n[:, None]
    votes = np.where(valid, rng.integers(0, scale + 1, size=(c, k)), 0).astype(np.int64)
    expressed = votes.sum(axis=1)
    registered = expressed + rng.integers(0, 4 * expressed + 10)
    birth = rng.integers(-5, 5, size=(c, k))
    birth[rng.random((c, k)) < 0.1] = UNKNOWN_BIRTH
    return votes, valid, registered, expressed, birth.astype(np.int64)


@EVERY_LAW
@pytest.mark.parametrize(("seed", "scale"), [(0, 5000), (1, 20), (2, 3), (3, 100000)])
def test_full_size_fast_matches_reference(seed, scale, law):
    rng = np.random.default_rng(seed)
    votes, valid, registered, expressed, birth = random_election(rng, 577, 27, scale)
    check_all_agree(
        votes, valid, registered, expressed, birth, rng.random(votes.shape) < 0.3, law=law
    )


def check_all_agree(votes, valid, registered, expressed, birth, withdrawn, law=CURRENT_LAW):
    args = (votes, valid, registered, expressed)
    assert np.array_equal(round1_elected(*args, law=law), ref_round1_elected(*args, law=law))
    assert np.array_equal(
        round1_qualified(votes, valid, registered, law=law, expressed=expressed),
        ref_round1_qualified(votes, valid, registered, law=law, expressed=expressed),
    )
    status = round1_status(*args, law=law)
    assert status.dtype == np.int8
    assert np.array_equal(status, ref_round1_status(*args, law=law))
    # where nobody is elected, the statuses are round1_qualified's
    open_ = ~(status == E).any(axis=1)
    q = round1_qualified(votes, valid, registered, law=law, expressed=expressed)
    assert np.array_equal((status == Q)[open_], q[open_])
    assert np.array_equal(round1_winner_index(status), ref_round1_winner_index(status))
    qualified = status == Q
    line = lineup(qualified, withdrawn)
    assert np.array_equal(line, ref_lineup(qualified, withdrawn))
    for ok in (valid, line):
        w, u = round2_winner(votes, ok, birth)
        rw, ru = ref_round2_winner(votes, ok, birth)
        assert np.array_equal(w, rw) and np.array_equal(u, ru)


@st.composite
def elections(draw, max_c: int = 5, max_k: int = 8):
    """Random elections: 1..max_k candidates per constituency, padding anywhere.

    Returns (votes, valid, registered, expressed, birth); registered >= expressed
    == sum of votes. Small vote scales and a small birth range make ties common.
    """
    c = draw(st.integers(1, max_c))
    k = draw(st.integers(1, max_k))
    scale = draw(st.sampled_from([2, 10, 100, 10000]))
    births = st.one_of(st.integers(-3, 3), st.just(UNKNOWN_BIRTH))
    votes = np.zeros((c, k), dtype=np.int64)
    valid = np.zeros((c, k), dtype=bool)
    birth = np.full((c, k), UNKNOWN_BIRTH, dtype=np.int64)
    registered = np.zeros(c, dtype=np.int64)
    for row in range(c):
        n = draw(st.integers(1, k))
        cols = draw(st.permutations(range(k)))[:n]
        for col in cols:
            valid[row, col] = True
            votes[row, col] = draw(st.integers(0, scale))
            birth[row, col] = draw(births)
        total = int(votes[row].sum())
        registered[row] = total + draw(st.integers(0, 4 * total + 5))
    expressed = votes.sum(axis=1)
    return votes, valid, registered, expressed, birth


# --------------------------------------------------------------------------- properties


@EVERY_LAW
@PROPERTY
@given(elections(), st.data())
def test_fast_matches_reference(law, election, data):
    votes, valid, registered, expressed, birth = election
    withdrawn = data.draw(
        st.lists(st.booleans(), min_size=votes.size, max_size=votes.size).map(
            lambda xs: np.array(xs, dtype=bool).reshape(votes.shape)
        )
    )
    check_all_agree(votes, valid, registered, expressed, birth, withdrawn, law=law)


@EVERY_LAW
@PROPERTY
@given(elections())
def test_round1_outcome_is_well_formed(law, election):
    votes, valid, registered, expressed, _ = election
    status = round1_status(votes, valid, registered, expressed, law=law)
    n_valid = valid.sum(axis=1)
    n_elected = (status == E).sum(axis=1)
    n_qualified = (status == Q).sum(axis=1)
    assert (status[~valid] == X).all()
    assert (n_elected <= 1).all()
    assert ((n_elected == 0) | (n_qualified == 0)).all()  # a winner, or a round 2, never both
    # whoever is elected has the most votes
    win = round1_winner_index(status)
    rows = np.flatnonzero(win >= 0)
    assert (votes[rows, win[rows]] == np.where(valid, votes, -1)[rows].max(axis=1)).all()
    # the threshold, in integers, on the law's base: everyone reaching it goes on
    base = expressed if law.qualify_base == "expressed" else registered
    num, den = law.qualify_share.numerator, law.qualify_share.denominator
    meets = valid & (den * votes >= num * base[:, None])
    open_ = n_elected == 0
    assert (status[open_][meets[open_]] == Q).all()
    if law.top_two_fallback:
        # no winner: at least the top two (or all) go on, and the top vote-getter always does
        assert (n_qualified[open_] >= np.minimum(2, n_valid)[open_]).all()
        for row in np.flatnonzero(open_):
            top = np.where(valid[row], votes[row], -1).max()
            assert (status[row][valid[row] & (votes[row] == top)] == Q).all()
    else:
        # before 1976: only those reaching the threshold, however few they are
        assert np.array_equal(status[open_] == Q, meets[open_])


@PROPERTY
@given(elections())
def test_round2_exactly_one_winner(election):
    votes, valid, _, _, birth = election
    winner, unresolved = round2_winner(votes, valid, birth)
    for row in range(votes.shape[0]):
        if unresolved[row]:
            assert winner[row] == -1
            leaders = valid[row] & (votes[row] == votes[row][valid[row]].max())
            assert leaders.sum() >= 2
            continue
        w = winner[row]
        assert w >= 0 and valid[row, w]
        others = valid[row].copy()
        others[w] = False
        # nobody else has more votes, and anyone level is strictly younger
        assert (votes[row][others] <= votes[row, w]).all()
        level = others & (votes[row] == votes[row, w])
        assert (birth[row][level] > birth[row, w]).all()
        assert birth[row, w] != UNKNOWN_BIRTH or not level.any()


@EVERY_LAW
@PROPERTY
@given(elections(), st.randoms(use_true_random=False))
def test_permuting_candidates_permutes_results(law, election, random):
    votes, valid, registered, expressed, birth = election
    c, k = votes.shape
    perm = np.array([random.sample(range(k), k) for _ in range(c)], dtype=np.int64).reshape(c, k)

    def p(a):
        return np.take_along_axis(a, perm, axis=1)

    status = round1_status(votes, valid, registered, expressed, law=law)
    assert np.array_equal(
        round1_status(p(votes), p(valid), registered, expressed, law=law), p(status)
    )
    kw = {"law": law, "expressed": expressed}
    assert np.array_equal(
        round1_qualified(p(votes), p(valid), registered, **kw),
        p(round1_qualified(votes, valid, registered, **kw)),
    )
    win1 = round1_winner_index(status)
    win1_p = round1_winner_index(p(status))
    rows = np.arange(c)
    assert np.array_equal(win1 >= 0, win1_p >= 0)
    assert np.array_equal(perm[rows, win1_p][win1 >= 0], win1[win1 >= 0])

    w, u = round2_winner(votes, valid, birth)
    wp, up = round2_winner(p(votes), p(valid), p(birth))
    assert np.array_equal(u, up)
    assert np.array_equal(w >= 0, wp >= 0)
    assert np.array_equal(perm[rows, wp][w >= 0], w[w >= 0])


@PROPERTY
@given(elections(), st.data())
def test_round2_more_votes_never_lose(election, data):
    votes, valid, _, _, birth = election
    winner, _ = round2_winner(votes, valid, birth)
    row = data.draw(st.integers(0, votes.shape[0] - 1))
    extra = data.draw(st.integers(1, 1000))
    if winner[row] >= 0:
        more = votes.copy()
        more[row, winner[row]] += extra
        w2, u2 = round2_winner(more, valid, birth)
        assert w2[row] == winner[row] and not u2[row]
    # giving votes to anyone: the winner is unchanged, or is that candidate, or
    # that candidate drew level with the leaders and the tie cannot be resolved
    col = data.draw(st.sampled_from(np.flatnonzero(valid[row]).tolist()))
    more = votes.copy()
    more[row, col] += extra
    w2, u2 = round2_winner(more, valid, birth)
    assert w2[row] in (winner[row], col) or (
        u2[row] and more[row, col] == more[row][valid[row]].max()
    )


@EVERY_LAW
@PROPERTY
@given(elections(), st.data())
def test_round1_more_votes_never_lose(law, election, data):
    votes, valid, registered, expressed, _ = election
    row = data.draw(st.integers(0, votes.shape[0] - 1))
    col = data.draw(st.sampled_from(np.flatnonzero(valid[row]).tolist()))
    slack = int(registered[row] - expressed[row])  # registered stays fixed
    extra = data.draw(st.integers(0, slack))

    more = votes.copy()
    more[row, col] += extra
    more_expressed = expressed.copy()
    more_expressed[row] += extra

    before = round1_status(votes, valid, registered, expressed, law=law)[row, col]
    after = round1_status(more, valid, registered, more_expressed, law=law)[row, col]
    assert after >= before  # ELECTED stays ELECTED; QUALIFIED stays QUALIFIED or is elected
    if round1_elected(votes, valid, registered, expressed, law=law)[row, col]:
        assert round1_elected(more, valid, registered, more_expressed, law=law)[row, col]
    if round1_qualified(votes, valid, registered, law=law, expressed=expressed)[row, col]:
        assert round1_qualified(more, valid, registered, law=law, expressed=more_expressed)[
            row, col
        ]


@PROPERTY
@given(seed=st.integers(0, 2**32 - 1), num=st.integers(1, 40), den=st.integers(2, 41))
def test_qualification_at_any_share_fast_matches_reference(seed, num, den):
    """The threshold moved exactly (counterfactual rules): share num/den of any base."""
    assume(num < den)
    rng = np.random.default_rng(seed)
    votes, valid, _, expressed, _ = random_election(rng, 40, 8, int(rng.integers(3, 5000)))
    share = Fraction(num, den)
    fast = round1_qualified(votes, valid, expressed, share=share)
    assert np.array_equal(fast, ref_round1_qualified(votes, valid, expressed, share=share))
    # the default is the law's 1/8
    assert np.array_equal(
        round1_qualified(votes, valid, expressed, share=Fraction(1, 8)),
        round1_qualified(votes, valid, expressed),
    )


def test_qualification_share_must_be_a_proper_fraction():
    v, ok, reg, _ = one([60, 40], registered=240)
    for bad in (Fraction(0), Fraction(1), Fraction(3, 2)):
        with pytest.raises(RulesInputError, match="share must be"):
            round1_qualified(v, ok, reg, share=bad)


# --------------------------------------------------------------------------- the law's versions


def test_law_for_every_general_election():
    assert {y: law_for(y) for y in (1958, 1962)} == {1958: LAW_1958, 1962: LAW_1958}
    assert {law_for(y) for y in (1967, 1968, 1973)} == {LAW_1966}
    for y in (1978, 1981, 1988, 1993, 1997, 2002, 2007, 2012, 2017, 2022, 2024, 2030):
        assert law_for(y) is LAW_1976 is CURRENT_LAW
    assert law_for(np.int64(1973)) is LAW_1966
    assert LAW_1958.qualify == ("expressed", Fraction(1, 20))
    assert LAW_1966.qualify == ("registered", Fraction(1, 10))
    assert LAW_1976.qualify == ("registered", Fraction(1, 8))
    assert [law.top_two_fallback for law in LAWS.values()] == [False, False, True]
    assert {law.elect_registered for law in LAWS.values()} == {Fraction(1, 4)}


def test_law_for_refuses_1986_and_years_without_a_two_round_election():
    with pytest.raises(YearNotAvailableError, match="1986 was elected by proportional") as err:
        law_for(1986)
    assert len(str(err.value).splitlines()) == 1
    for year in (1957, 1960, 1977, 1985, 1987):
        with pytest.raises(YearNotAvailableError, match=f"in {year}; before 1988: 1958, 1962"):
            law_for(year)
    for bad in (2024.0, "2024", True):
        with pytest.raises(OptionError, match="year must be an integer"):
            law_for(bad)


def test_a_law_is_checked_and_frozen():
    with pytest.raises(RulesInputError, match="qualify_share must be a Fraction in"):
        Law("x", "t", "registered", Fraction(1), top_two_fallback=True)
    with pytest.raises(RulesInputError, match="qualify_base must be"):
        Law("x", "t", "voters", Fraction(1, 8), top_two_fallback=True)  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        LAW_1958.qualify_share = Fraction(1, 8)  # type: ignore[misc]
    v, ok, reg, exp = one([60, 40], registered=240)
    with pytest.raises(RulesInputError, match="law must be a hemicycle.rules.Law"):
        round1_status(v, ok, reg, exp, law="1958")  # type: ignore[arg-type]


def test_house_majority():
    assert [house_majority(n) for n in (577, 474, 473, 465, 1)] == [289, 238, 237, 233, 1]
    for bad in (0, -3, 465.0, True):
        with pytest.raises(RulesInputError, match="positive integer"):
            house_majority(bad)


def test_1958_exactly_a_twentieth_of_the_votes_cast_qualifies():
    # 20*5 == 100 == exprimés: qualifies; 20*4 < 100 does not, even ranked third
    assert status_of([45, 30, 20, 5], registered=1000, law=LAW_1958) == [Q, Q, Q, Q]
    assert status_of([45, 31, 20, 4], registered=1000, law=LAW_1958) == [Q, Q, Q, X]
    # the base is the votes cast, not the registered: 5 of 100 cast is 0.5 % of 1000 registered
    assert status_of([45, 30, 20, 5], registered=1000, law=LAW_1976) == [Q, Q, X, X]
    # with published exprimés one above the votes' sum (blank ballots never count), 5 misses it
    assert status_of([45, 30, 20, 5], registered=1000, expressed=101, law=LAW_1958) == [
        Q,
        Q,
        Q,
        X,
    ]
    args = one([45, 30, 20, 5], registered=1000)
    assert round1_qualified(*args[:3], law=LAW_1958, expressed=args[3]).tolist() == [[True] * 4]
    with pytest.raises(RulesInputError, match="the 1958 law qualifies on the votes cast"):
        round1_qualified(*args[:3], law=LAW_1958)
    with pytest.raises(RulesInputError, match="the 1958 law qualifies on the votes cast"):
        ref_round1_qualified(*args[:3], law=LAW_1958)


def test_1966_exactly_a_tenth_of_the_registered_qualifies():
    # 10*100 == 1000: qualifies; 10*99 < 1000 does not, though ranked third of four
    assert status_of([200, 100, 99, 90], registered=1000, law=LAW_1966) == [Q, Q, X, X]
    assert status_of([200, 101, 100, 90], registered=1000, law=LAW_1966) == [Q, Q, Q, X]
    # 12.5 % under the 1976 law: 100 of 1000 is below it, and the fallback lets 101 in
    assert status_of([200, 101, 100, 90], registered=1000, law=LAW_1976) == [Q, Q, X, X]


def test_1976_exactly_an_eighth_of_the_registered_qualifies():
    assert status_of([300, 200, 100, 99], registered=800, law=LAW_1976) == [Q, Q, Q, X]
    assert status_of([300, 200, 99, 98], registered=800, law=LAW_1976) == [Q, Q, X, X]


def test_before_1976_a_lone_qualifier_stands_alone():
    # only 200 reaches 10 % of 1000: no runner-up before 1976, the runner-up (50) since
    assert status_of([200, 50, 40], registered=1000, law=LAW_1966) == [Q, X, X]
    assert status_of([200, 50, 40], registered=1000, law=LAW_1976) == [Q, Q, X]
    # 1958: 50 and 40 are over 5 % of the 290 cast
    assert status_of([200, 50, 40], registered=1000, law=LAW_1958) == [Q, Q, Q]


def test_before_1976_nobody_stands_where_nobody_reaches_the_threshold():
    assert status_of([80, 70, 60], registered=1000, law=LAW_1966) == [X, X, X]
    assert status_of([80, 70, 60], registered=1000, law=LAW_1976) == [Q, Q, X]
    assert status_of([9], registered=100, law=LAW_1966) == [X]  # a lone candidate too
    assert status_of([10], registered=100, law=LAW_1966) == [Q]
    assert status_of([9], registered=100, law=LAW_1976) == [Q]


@EVERY_LAW
def test_round1_election_is_the_same_in_every_version(law):
    # 4*v == registered and 2*v > expressed: elected; one more registered voter: not
    assert status_of([60, 40], registered=240, law=law)[0] == E
    assert status_of([60, 40], registered=241, law=law)[0] == Q
    assert status_of([50, 50], registered=100, law=law) == [Q, Q]  # 2*v == expressed
