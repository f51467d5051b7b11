"""Who can govern: vectorised enumeration and DP power indices against the brute-force references
(:mod:`hemicycle.govern.reference`). Docstring examples run in test_doctests.py."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hemicycle import rules
from hemicycle.errors import OptionError
from hemicycle.govern import (
    COLUMNS,
    MAX_GROUPS,
    analyse,
    banzhaf,
    banzhaf_swings,
    censure,
    shapley_shubik,
    winning_coalitions,
)
from hemicycle.govern.reference import ref_banzhaf_swings, ref_shapley, ref_winning
from published import BLOCS_2024 as PUBLISHED_BLOCS_2024

BLOCS_2024 = {"far_left": 0, **PUBLISHED_BLOCS_2024}
ORDER_2024 = ["far_left", "left", "centre", "right", "far_right", "regionalist", "other"]


# ---- strategies ----------------------------------------------------------------------------------


@st.composite
def assemblies(draw, max_groups: int = 8):
    n = draw(st.integers(1, max_groups))
    names = draw(st.permutations([f"g{i}" for i in range(n)]))
    seats = {g: draw(st.integers(0, 60)) for g in names}
    if sum(seats.values()) == 0:
        seats[names[0]] = 1
    house = sum(seats.values())
    quota = draw(st.integers(1, house))
    ordered = draw(st.booleans())
    order = list(draw(st.permutations(names))) if ordered else None
    return seats, quota, order


@st.composite
def games(draw, max_players: int = 7):
    weights = draw(st.lists(st.integers(0, 20), min_size=1, max_size=max_players))
    if sum(weights) == 0:
        weights[0] = 1
    quota = draw(st.integers(1, sum(weights)))
    return weights, quota


# ---- enumeration ---------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(assemblies())
def test_enumeration_matches_brute_force(case) -> None:
    seats, quota, order = case
    g = winning_coalitions(seats, quota=quota, order=order)
    ref = ref_winning(seats, quota, order)
    df = g.coalitions
    assert list(df.columns) == list(COLUMNS)
    got = {
        r.coalition: (r.seats, bool(r.minimal_winning), bool(r.connected))
        for r in df.itertuples(index=False)
    }
    assert got == {k: v[:3] for k, v in ref.items()}
    assert len(g) == len(df) == len(ref)
    # Sorted by seats descending, then coalition.
    keys = [(-s, c) for c, s in zip(df["coalition"], df["seats"], strict=True)]
    assert keys == sorted(keys)
    assert sorted(g.minimal_winning) == sorted(tuple(k.split("+")) for k, v in ref.items() if v[1])
    mcw = sorted(tuple(k.split("+")) for k, v in ref.items() if v[3])
    assert sorted(g.minimal_connected_winning) == mcw
    if order is None:
        assert not df["connected"].any() and g.minimal_connected_winning == ()
    # The single-coalition lookup agrees with the table.
    for name, (total, minimal, connected, mc) in itertools.islice(ref.items(), 5):
        c = g.coalition(name)
        assert (
            c.seats,
            c.winning,
            c.minimal_winning,
            c.connected,
            c.minimal_connected_winning,
        ) == (total, True, minimal, connected, mc)


def test_assembly_2024_by_bloc() -> None:
    g = analyse(BLOCS_2024, order=ORDER_2024)
    assert (g.house, g.quota) == (577, 289)
    assert g.groups == ("left", "centre", "right", "far_right", "regionalist", "other")
    assert g.dropped == ("far_left",)
    df = g.coalitions
    single = df[~df["coalition"].str.contains("+", regex=False)]
    assert single.empty  # no bloc reaches 289 alone
    row = df.set_index("coalition").loc["centre+left"]
    assert (row["seats"], row["minimal_winning"], row["connected"]) == (358, True, True)
    row = df.set_index("coalition").loc["far_right+left"]
    assert row["seats"] == 336 and row["minimal_winning"] and not row["connected"]
    assert len(df) == len(ref_winning(BLOCS_2024, 289, ORDER_2024)) == 32
    assert ("centre", "left") in g.minimal_connected_winning
    assert not g.coalition(["left", "far_right"]).connected
    assert not g.coalition(["left", "regionalist", "other"]).winning
    # Power: any two of left, centre, far_right win and none wins alone, even with every small
    # bloc (193 + 66 + 9 + 1 < 289): the three are symmetric and the others are dummies.
    b, s = g.banzhaf(), g.shapley_shubik()
    assert sum(b.values()) == 1 and sum(s.values()) == 1
    for bloc in ("left", "centre", "far_right"):
        assert b[bloc] == s[bloc] == Fraction(1, 3)
    for bloc in ("right", "regionalist", "other"):
        assert b[bloc] == s[bloc] == 0


def test_censure_2024() -> None:
    c = censure(BLOCS_2024)
    assert (c.house, c.votes_to_adopt, c.signatures_to_table) == (577, 289, 58)
    assert c.can_table_alone == ("left", "centre", "right", "far_right")
    assert c.exposed is None and c.majority is None
    gov = analyse(BLOCS_2024, order=ORDER_2024).censure(["centre", "right"])
    assert (gov.government_seats, gov.opposition_seats) == (231, 346)
    assert gov.exposed and not gov.majority
    gov = censure(BLOCS_2024, government=["left", "centre"])
    assert gov.majority and not gov.exposed
    # With vacancies the Assembly counts only its sitting members.
    assert censure({"a": 280, "b": 290}).votes_to_adopt == 286
    # Even house, 288 of 576: neither a majority nor exposed.
    c = censure({"gov": 288, "opp": 288}, government="gov")
    assert (c.votes_to_adopt, c.majority, c.exposed, c.signatures_to_table) == (
        289,
        False,
        False,
        58,
    )
    with pytest.raises(OptionError, match="'nobody'"):
        censure(BLOCS_2024, government=["nobody"])


def test_csv_bytes() -> None:
    g = analyse({"a": 3, "b": 2, "c": 2}, order=["a", "b", "c"])
    assert g.to_csv_bytes() == (
        b"coalition,seats,minimal_winning,connected\n"
        b"a+b+c,7,false,true\n"
        b"a+b,5,true,true\n"
        b"a+c,5,true,false\n"
        b"b+c,4,true,true\n"
    )
    data = analyse(BLOCS_2024, order=ORDER_2024).to_csv_bytes()
    assert b"\r" not in data and data.count(b"\n") == 33
    assert data.startswith(b"coalition,seats,minimal_winning,connected\n")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 465), min_size=1, max_size=8), st.integers(0, 10))
def test_a_coalition_needs_233_seats_in_a_465_seat_house(cuts, vacant) -> None:
    """1958 and 1962 (465 constituencies in the CDSP's files): an absolute majority is 233, whether
    the house is the sum of the seats given or named with some seats vacant."""
    bounds = sorted({0, 465, *cuts})
    seats = {f"g{i}": b - a for i, (a, b) in enumerate(itertools.pairwise(bounds))}
    assert sum(seats.values()) == 465
    g = analyse(seats)
    assert (g.house, g.quota) == (465, 233) and g.quota == rules.house_majority(465)
    assert g.censure().votes_to_adopt == 233
    assert (g.coalitions["seats"] >= 233).all()
    assert len(g) == len(ref_winning(seats, 233, None))
    for members in itertools.chain.from_iterable(
        itertools.combinations(g.groups, r) for r in range(1, min(len(g.groups), 4) + 1)
    ):
        c = g.coalition(list(members))
        assert c.winning == (c.seats >= 233)
    # seats vacant: the house named, the quota still an absolute majority of it
    filled = dict(seats, g0=max(seats["g0"] - vacant, 0))
    if sum(filled.values()):
        assert analyse(filled, house=465).quota == 233


def test_govern_and_censure_on_a_473_seat_house() -> None:
    """1967–1973 (473 constituencies): 237 to govern or adopt a motion, 48 signatures to table one
    (ceil(47.3)); 236 seats is a minority, and an opposition of 237 can bring it down."""
    seats = {"left": 194, "centre": 42, "right": 200, "other": 37}
    assert sum(seats.values()) == 473
    g = analyse(seats, order=["left", "centre", "right", "other"])
    assert (g.house, g.quota) == (473, 237)
    assert g.coalition("left+centre").seats == 236 and not g.coalition("left+centre").winning
    assert g.coalition("centre+right").winning and g.coalition("right+other").winning
    c = g.censure(["left", "centre"])
    assert (c.house, c.votes_to_adopt, c.signatures_to_table) == (473, 237, 48)
    assert c.can_table_alone == ("left", "right")  # 42 and 37 are under 48 signatures
    assert (c.government_seats, c.opposition_seats, c.majority, c.exposed) == (
        236,
        237,
        False,
        True,
    )
    # the same Assembly with one seat vacant (472 sitting): 237 still, as 472 // 2 + 1
    c = censure(dict(seats, other=36), government=["left", "centre"])
    assert (c.house, c.votes_to_adopt, c.exposed) == (472, 237, False)
    assert censure(seats, house=474).votes_to_adopt == 238  # 1978's house


def test_quota_and_house_defaults() -> None:
    g = analyse({"a": 100, "b": 100}, house=577)  # vacant or unlisted seats
    assert (g.house, g.quota, len(g)) == (577, 289, 0)
    assert analyse({"a": 2, "b": 2}).quota == 3
    assert list(analyse({"a": 1}, quota=1).coalitions["coalition"]) == ["a"]


def test_many_groups_enumerated() -> None:
    rng = random.Random(7)
    seats = {f"g{i:02d}": rng.randint(0, 60) for i in range(16)}
    q = sum(seats.values()) // 2 + 1
    g = winning_coalitions(seats, quota=q, order=list(seats))
    assert len(g) == len(ref_winning(seats, q, list(seats)))


# ---- errors --------------------------------------------------------------------------------------


def test_errors() -> None:
    with pytest.raises(OptionError, match="'centrist'"):
        analyse(BLOCS_2024, order=[*ORDER_2024, "centrist"])
    with pytest.raises(OptionError, match="'regionalist', 'other'"):
        analyse(BLOCS_2024, order=ORDER_2024[:5])
    analyse(BLOCS_2024, order=ORDER_2024[1:])  # 0-seat far_left may be left out
    with pytest.raises(OptionError, match="repeats"):
        analyse({"a": 1, "b": 1}, order=["a", "b", "a"])
    big = {f"g{i}": 1 for i in range(MAX_GROUPS + 1)}
    with pytest.raises(OptionError, match=r"at most 24 groups.*blocs.*merge"):
        analyse(big)
    assert len(analyse({**big, "g0": 0}, quota=24).groups) == 24  # 0-seat groups do not count
    with pytest.raises(OptionError, match="quota"):
        analyse({"a": 1}, quota=2)
    with pytest.raises(OptionError, match="quota"):
        analyse({"a": 1}, quota=0)
    with pytest.raises(OptionError, match="house"):
        analyse({"a": 10}, house=5)
    with pytest.raises(OptionError, match="non-negative"):
        analyse({"a": -1, "b": 3})
    with pytest.raises(OptionError, match=r"'\+'"):
        analyse({"a+b": 1})
    with pytest.raises(OptionError, match="no seats"):
        analyse({"a": 0})
    with pytest.raises(OptionError, match="'z'"):
        analyse({"a": 1, "b": 1}).coalition(["a", "z"])
    with pytest.raises(OptionError, match="quota"):
        banzhaf([1, 2], 4)
    with pytest.raises(OptionError, match="non-negative"):
        shapley_shubik([1, -2], 1)


# ---- power indices -------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(games())
def test_power_matches_brute_force(case) -> None:
    weights, quota = case
    swings = ref_banzhaf_swings(weights, quota)
    assert banzhaf_swings(weights, quota) == swings
    b = banzhaf(weights, quota)
    assert b == [Fraction(s, sum(swings)) for s in swings]
    s = shapley_shubik(weights, quota)
    assert s == ref_shapley(weights, quota)
    assert sum(b) == 1 and sum(s) == 1
    for i, w in enumerate(weights):
        if swings[i] == 0:  # a dummy is never pivotal: zero power in both indices
            assert b[i] == 0 and s[i] == 0
        if w == 0:
            assert swings[i] == 0


@settings(max_examples=60, deadline=None)
@given(games(max_players=6), st.data())
def test_symmetric_players_equal_power(case, data) -> None:
    weights, quota = case
    i = data.draw(st.integers(0, len(weights) - 1))
    weights = [*weights, weights[i]]  # a twin of player i
    quota = min(quota, sum(weights))
    b, s = banzhaf(weights, quota), shapley_shubik(weights, quota)
    assert b[i] == b[-1] and s[i] == s[-1]


def test_textbook_games() -> None:
    assert banzhaf([50, 49, 1], 51) == [Fraction(3, 5), Fraction(1, 5), Fraction(1, 5)]
    assert shapley_shubik([50, 49, 1], 51) == [Fraction(2, 3), Fraction(1, 6), Fraction(1, 6)]
    assert banzhaf([4, 2, 1], 4) == shapley_shubik([4, 2, 1], 4) == [1, 0, 0]
    # UN Security Council: 5 permanent (veto) + 10 elected, 9 votes needed incl. all permanent.
    unsc = [7] * 5 + [1] * 10
    s = shapley_shubik(unsc, 39)
    assert sum(s) == 1 and s[0] == Fraction(421, 2145)


def test_power_scales_to_30_players() -> None:
    rng = random.Random(30)
    weights = [rng.randint(1, 577) for _ in range(30)]
    quota = sum(weights) // 2 + 1
    b, s = banzhaf(weights, quota), shapley_shubik(weights, quota)
    assert sum(b) == 1 and sum(s) == 1
    heavy, light = weights.index(max(weights)), weights.index(min(weights))
    assert b[heavy] >= b[light] and s[heavy] >= s[light]
