"""Transfer overrides: the what-if sliders of the projection."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hemicycle.data.blocs import BLOCS
from hemicycle.errors import OptionError
from hemicycle.sim.features import (
    ORIGINS,
    Runoffs,
    TransferOverride,
    apply_overrides,
    check_overrides,
)
from hemicycle.sim.project import build_inputs


def _runoffs(blocs: list[list[int]]) -> Runoffs:
    J = max(len(b) for b in blocs)
    bl = np.full((len(blocs), J), -1, np.int64)
    for r, b in enumerate(blocs):
        bl[r, : len(b)] = b
    cols = np.where(bl >= 0, np.arange(J)[None, :], -1)
    return Runoffs(
        rows=np.arange(len(blocs)),
        cols=cols,
        bloc=bl,
        within=np.ones(bl.shape),
        r1_votes=np.ones(bl.shape),
    )


def _random_T(run: Runoffs, rng: np.random.Generator) -> np.ndarray:
    R, J = run.cols.shape
    T = rng.dirichlet(np.ones(J + 1), size=(R, len(ORIGINS)))
    pad = np.concatenate([run.cols < 0, np.zeros((R, 1), bool)], axis=1)
    T = np.where(pad[:, None, :], 0.0, T)
    return T / T.sum(axis=2, keepdims=True)


L, C, R_, FR = (BLOCS.index(b) for b in ("left", "centre", "right", "far_right"))


@settings(max_examples=60, deadline=None)
@given(rate=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_override_sets_the_rate_and_keeps_rows_stochastic(rate: float, seed: int) -> None:
    run = _runoffs([[C, FR], [L, FR], [C, R_, FR], [C, C, FR]])
    T = _random_T(run, np.random.default_rng(seed))
    out = apply_overrides(T, run, (TransferOverride("left", "centre", rate),))
    o = ORIGINS.index("left")
    np.testing.assert_allclose(out.sum(axis=2), 1.0)
    # left has no candidate in runoffs 0, 2 and 3: its voters give `rate` to the centre candidate(s)
    assert out[0, o, 0] == pytest.approx(rate)
    assert out[2, o, 0] == pytest.approx(rate)
    assert out[3, o, :2].sum() == pytest.approx(rate)
    # where the left stands (runoff 1), and for every other origin, nothing changes
    np.testing.assert_array_equal(out[1], T[1])
    mask = np.ones(len(ORIGINS), bool)
    mask[o] = False
    np.testing.assert_array_equal(out[:, mask], T[:, mask])
    # the rest keep their relative weights
    rest = out[2, o, 1:] / out[2, o, 1:].sum() if rate < 1 else None
    if rest is not None:
        np.testing.assert_allclose(rest, T[2, o, 1:] / T[2, o, 1:].sum())


def test_override_parse_and_errors() -> None:
    assert TransferOverride.parse("nonvoter:far_right=0.1") == TransferOverride(
        "nonvoter", "far_right", 0.1
    )
    with pytest.raises(OptionError, match="allowed: far_left"):
        TransferOverride("gauche", "centre", 0.5)
    with pytest.raises(OptionError, match=r"\[0, 1\]"):
        TransferOverride("left", "centre", 1.5)
    with pytest.raises(OptionError, match="ORIGIN:DESTINATION=RATE"):
        TransferOverride.parse("left=centre")


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0, 0.5), b=st.floats(0, 0.5), c=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_overrides_of_one_origin_apply_together(a: float, b: float, c: float, seed: int) -> None:
    """The order of the overrides does not matter; each destination that stands gets its rate,
    the others share the rest in their learnt proportions."""
    run = _runoffs([[C, R_], [C, FR], [C, R_, FR], [L, R_]])
    T = _random_T(run, np.random.default_rng(seed))
    ovs = (
        TransferOverride("left", "centre", a),
        TransferOverride("left", "right", b),
        TransferOverride("far_right", "right", c),
    )
    out = apply_overrides(T, run, ovs)
    np.testing.assert_allclose(apply_overrides(T, run, ovs[::-1]), out, rtol=0, atol=1e-15)
    np.testing.assert_allclose(out.sum(axis=2), 1.0)
    o = ORIGINS.index("left")
    assert out[0, o, 0] == pytest.approx(a) and out[0, o, 1] == pytest.approx(b)
    assert out[1, o, 0] == pytest.approx(a)  # no right candidate: only the centre's rate applies
    assert out[2, o, :2].tolist() == pytest.approx([a, b])
    np.testing.assert_array_equal(out[3, o], T[3, o])  # the left stands in runoff 3
    if a + b < 1:  # the rest (far right, abstention) keeps its learnt proportions
        np.testing.assert_allclose(
            out[2, o, 2:] / out[2, o, 2:].sum(), T[2, o, 2:] / T[2, o, 2:].sum()
        )


def test_overrides_that_send_more_than_everyone_are_refused() -> None:
    """Checked once per projection (build_inputs, before the replicates' loop), not by
    apply_overrides for every replicate."""
    two = (TransferOverride("left", "centre", 0.5), TransferOverride("left", "right", 0.7))
    with pytest.raises(OptionError, match=r"left:centre=0.5 \+ left:right=0.7"):
        check_overrides(two)
    twice = (TransferOverride("left", "centre", 0.5), TransferOverride("left", "centre", 0.2))
    with pytest.raises(OptionError, match="given twice"):
        check_overrides(twice)
    with pytest.raises(OptionError, match="given twice"):
        build_inputs(None, None, None, twice)  # type: ignore[arg-type]  # refused before any work


def test_front_republicain_parse() -> None:
    from hemicycle.sim.features import FrontRepublicain

    assert FrontRepublicain.parse("front-republicain") == FrontRepublicain()
    # AGAINST alone keeps the default withdrawing blocs (an empty list would withdraw nobody)
    assert FrontRepublicain.parse("front-republicain:/right") == FrontRepublicain(
        withdrawing=("left", "centre"), against=("right",)
    )
    with pytest.raises(OptionError, match="nothing after ':'"):
        FrontRepublicain.parse("front-republicain:")
