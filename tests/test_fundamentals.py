"""The projection's fundamentals (:mod:`hemicycle.sim.fundamentals`): the last presidential round 2
before a legislative election, on its constituencies, and the pull towards it learnt from the
training elections only."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pytest

from hemicycle.data.blocs import finalist_bloc, finalists
from hemicycle.data.files import PRESIDENTIAL_MAPS
from hemicycle.data.store import Store
from hemicycle.election import load
from hemicycle.sim import pipeline
from hemicycle.sim.calibrate import Priors
from hemicycle.sim.features import resolve_lineup
from hemicycle.sim.fundamentals import (
    duel,
    expected_logits,
    fit_weight,
    presidential_year,
    sides,
)
from hemicycle.sim.project import build_inputs

PULL = Priors(half_life=2.0, presidential=1.0)


def test_the_presidential_election_of_each_legislative_one_is_the_issue_s() -> None:
    """The same year from 1981 on, except 1993 (1988), 1997 (1995) and 2024 (2022); 1965 for
    1967 and 1968, 1969 for 1973, 1974 for 1978; none before the first one read."""
    expected = {1962: None, 1967: 1965, 1968: 1965, 1973: 1969, 1978: 1974, 1981: 1981}
    expected |= {1988: 1988, 1993: 1988, 1997: 1995, 2002: 2002, 2007: 2007, 2012: 2012}
    expected |= {2017: 2017, 2022: 2022, 2024: 2022}
    assert {y: presidential_year(y) for y in expected} == expected


def test_every_presidential_round_2_has_two_classified_finalists() -> None:
    years = {y for y, _ in finalists()}
    assert years == set(PRESIDENTIAL_MAPS)
    assert all(sum(y == p for p, _ in finalists()) == 2 for y in years)
    assert finalist_bloc(2012, "François HOLLANDE") == "left"
    assert finalist_bloc(1969, "POHER") == "centre"
    assert finalist_bloc(2017, "FILLON") is None


def test_sides_follow_the_left_right_scale() -> None:
    """A bloc stands with the nearer finalist; halfway, with the one nearer the centre; with
    neither when both are as near (the centre between a left and a right finalist)."""
    blocs = np.array([[0, 1, 2, 3, 4, 5, 6, -1]])
    assert sides(blocs, ("centre", "far_right")).tolist() == [[-1, -1, -1, -1, 1, 0, 0, 0]]
    assert sides(blocs, ("left", "right")).tolist() == [[-1, -1, 0, 1, 1, 0, 0, 0]]
    assert sides(blocs, ("right", "far_right")).tolist() == [[-1, -1, -1, -1, 1, 0, 0, 0]]


def test_the_weight_is_a_slope_shrunk_by_its_own_uncertainty() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=2000)
    assert fit_weight([(x, 0.3 * x + rng.normal(scale=0.05, size=2000))]) == pytest.approx(
        0.3, abs=0.01
    )
    # noise alone: a slope within its standard error is shrunk to nothing
    x, r = rng.normal(size=30), rng.normal(size=30)
    assert fit_weight([(x, r)]) < abs(float(x @ r / (x @ x)))
    assert fit_weight([]) == 0.0
    assert fit_weight([(x, -x)]) == 0.0  # a negative pull is no pull


def test_2024_faces_the_2022_round_2_everywhere(store_path: Path) -> None:
    """Le Pen's 13,288,686 votes against Macron's 18,768,639 (France entière, the Ministry's
    file), on all 577 constituencies of 2024's map."""
    with Store(store_path, read_only=True) as st:
        d, note = duel(st, load(st, 2024))
    assert d is not None and d.year == 2022 and d.blocs == ("centre", "far_right")
    assert d.national == pytest.approx(np.log(13_288_686 / 18_768_639), abs=1e-9)
    assert np.isfinite(d.logit).all() and len(d.logit) == 577
    assert "2022 presidential round 2" in note


def test_1997_lacks_the_constituencies_1995_did_not_publish(store_path: Path) -> None:
    """The CDSP's 1995 table is metropolitan France only: 1997's other seats get no pull."""
    with Store(store_path, read_only=True) as st:
        e = load(st, 1997)
        d, note = duel(st, e)
    assert d is not None and d.blocs == ("left", "right")
    missing = int(np.isnan(d.logit).sum())
    assert missing == len(e.codes) - 555
    assert f"{missing} constituencies of 1997 are not in its file" in note


def test_a_presidential_election_on_another_map_is_never_joined(store_path: Path) -> None:
    with Store(store_path, read_only=True) as st:
        d, note = duel(st, load(st, 1967))
    assert d is None
    assert "1965 presidential election is on the 1958 boundary map" in note


def test_a_missing_presidential_election_is_named_and_pulls_nothing(
    store_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "no-2022.duckdb"
    path.write_bytes(store_path.read_bytes())
    with duckdb.connect(str(path)) as con:
        for table in ("presidential_sources", "presidential_totals", "presidential_candidates"):
            con.execute(f"DELETE FROM {table} WHERE year = 2022")
    with Store(path, read_only=True) as st:
        d, note = duel(st, load(st, 2024))
        assert d is None
        assert "the 2022 presidential election is not in the store" in note
        assert "`hemicycle presidential 2022`" in note
        proj = pipeline.project(2024, (2012, 2017), st, sims=200, seed=1, priors=PULL)
    # no pull, and the projection says why
    assert proj.fundamentals == note


def test_the_pull_is_learnt_from_earlier_training_elections_only(store_path: Path) -> None:
    """2024 trained on 2012–2017: the weight comes from 2017 projected from 2012 (2012 has no
    earlier training election), never from 2024's round 2; it moves each runoff's expected log
    ratio ``w`` of the way towards the presidential one, and nothing else."""
    with Store(store_path, read_only=True) as st:
        target = load(st, 2024)
        model, noise = pipeline.pooled((2012, 2017), st, priors=PULL, target=target)
        _, base = pipeline.pooled(
            (2012, 2017), st, priors=replace(PULL, presidential=0.0), target=target
        )
    shift = noise.presidential
    assert shift is not None and base.presidential is None
    assert shift.learnt_from == (2017,) and shift.n_runoffs > 50
    assert 0.0 < shift.weight <= 1.0
    standing = resolve_lineup(target)
    with_pull, run = build_inputs(model, target, standing, (), noise)
    without, _ = build_inputs(model, target, standing, (), base)
    side = sides(run.bloc, shift.duel.blocs)
    m0 = expected_logits(without.xm.sum(2) + without.xnv, side)
    m1 = expected_logits(with_pull.xm.sum(2) + with_pull.xnv, side)
    L = shift.duel.logit[run.rows]
    both = np.isfinite(m0)
    assert both.sum() > 300
    np.testing.assert_allclose(
        (m1 - m0)[both], shift.weight * (L - m0)[both], atol=0.02 * shift.weight + 1e-9
    )
    one_sided = ~both
    np.testing.assert_array_equal(with_pull.xm[:, one_sided], without.xm[:, one_sided])
