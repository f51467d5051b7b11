"""2024's official round 2 played back as an election night through the live state and the
conditioned projection: every count passes the feed's checks, the polls are monotone, and once
every runoff is declared the seats are the published Assembly, whatever the simulations said."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pytest

from hemicycle.data.blocs import BLOCS
from hemicycle.data.store import Store
from hemicycle.election import Election, load
from hemicycle.errors import OptionError
from hemicycle.live.draws import simulate
from hemicycle.live.feed import Reference, Snapshot, _check_count
from hemicycle.live.night import Night, fixed_seats
from hemicycle.live.replay import OVERSEAS, declaration_order, official_counts, replay_night
from hemicycle.live.state import LiveState
from hemicycle.sim import montecarlo as mc
from hemicycle.sim.features import runoffs

sys.path.insert(0, str(Path(__file__).parent))
from published import BLOCS_2024  # noqa: E402


@pytest.fixture(scope="module")
def e2024(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Election:
    path = tmp_path_factory.mktemp("live") / "s.duckdb"
    with Store(path) as st:
        st.ingest(2024, download=False)
        return load(st, 2024)


def test_reference_of_2024_round_2(e2024):
    ref = Reference.from_election(e2024, 2)
    assert len(ref.panels) == 577
    assert len(ref.decided) == 76  # seats won in round 1 (the Ministry's 2024 tables)
    held = set(e2024.codes[e2024.round2.held])
    assert held.isdisjoint(ref.decided) and len(held) == 501


def test_official_counts_pass_the_feeds_checks(e2024):
    ref = Reference.from_election(e2024, 2)
    counts = official_counts(e2024)
    assert len(counts) == 501
    for c in counts:
        _check_count(c, ref, where=None, line=None)


def test_replay_through_the_live_state_is_monotone(e2024):
    state = LiveState(duckdb.connect(), 2024, 2)
    seen = 0
    for snap in replay_night(e2024, "overseas-first", 7, rng=np.random.default_rng(1)):
        rep = state.ingest(snap)
        assert rep.failures == ()
        assert len(rep.declared) == len(snap.counts) - seen
        seen = len(snap.counts)
    assert seen == 501 and len(state.snapshot().declared) == 501


def test_replay_with_partial_counts(e2024):
    """Half-counted constituencies show up a step before their declaration, are not declared,
    pass the feed's checks, and grow monotonically into their final count."""
    ref = Reference.from_election(e2024, 2)
    state = LiveState(duckdb.connect(), 2024, 2)
    snaps = list(replay_night(e2024, "size", 5, partial=True))
    for i, snap in enumerate(snaps):
        for c in snap.counts:
            _check_count(c, ref, where=None, line=None)
        rep = state.ingest(snap)
        assert rep.failures == ()
        assert len(snap.declared) == -(-(i + 1) * 501 // 5)
        assert len(snap.counts) == min(501, -(-(i + 2) * 501 // 5))
    assert len(state.snapshot().declared) == 501


def test_declaration_orders(e2024):
    counts = official_counts(e2024)
    far = sum(c.constituency.startswith(OVERSEAS) for c in counts)
    first = declaration_order(counts, "overseas-first", np.random.default_rng(2))
    assert all(c.constituency.startswith(OVERSEAS) for c in first[:far])
    assert not any(c.constituency.startswith(OVERSEAS) for c in first[far:])
    size = declaration_order(counts, "size")
    assert [c.registered for c in size] == sorted(c.registered for c in counts)
    a = declaration_order(counts, "random", np.random.default_rng(3))
    b = declaration_order(counts, "random", np.random.default_rng(3))
    assert [c.constituency for c in a] == [c.constituency for c in b]
    with pytest.raises(OptionError, match="allowed: random, overseas-first, size"):
        declaration_order(counts, "alphabetical")
    with pytest.raises(OptionError, match="rng"):
        declaration_order(counts, "random")


def night_of(e2024: Election, sims: int = 2000) -> Night:
    """The night of 2024 with simulated elections of the official lineup (transfers random, the
    Monte Carlo's kernel and noise: the glue is what is tested, not the transfer model)."""
    standing = e2024.round2.valid
    run = runoffs(e2024, standing)
    run = run.subset(run.n_slots >= 2)
    R, J = run.cols.shape
    rng = np.random.default_rng(0)
    valid = run.cols >= 0
    _, dep = np.unique(e2024.departments, return_inverse=True)
    inp = mc.Inputs(
        xm=rng.uniform(0, 0.05, (2, R, 7, J)) * valid[None, :, None, :],
        abst=rng.uniform(0, 0.5, (2, R, 7)),
        xnv=rng.uniform(0, 0.01, (2, R, J)) * valid[None],
        bloc=run.bloc,
        dep=dep[run.rows].astype(np.int64),
        birth=np.zeros((R, J), np.int64),
        n_deps=int(dep.max()) + 1,
    )
    draws = simulate(inp, mc.Noise(), sims=sims, rng=np.random.default_rng(4))
    return Night(e2024, run, draws, standing)


def test_night_ends_on_the_published_assembly(e2024):
    night = night_of(e2024)
    published = np.array([BLOCS_2024.get(b, 0) for b in BLOCS])
    assert (fixed_seats(e2024, e2024.round2.valid) <= published).all()
    updates = [
        night.update(snap, poll=i) for i, snap in enumerate(replay_night(e2024, "size", 4), 1)
    ]
    for u in updates:
        assert u.skipped == ()
        assert (u.posterior.seat_draws.sum(axis=1) == 577).all()
    last = updates[-1].posterior
    assert last.declared.all()
    np.testing.assert_array_equal(last.seat_draws, np.tile(published, (2000, 1)))
    assert {c.constituency for c in updates[-1].calls.calls} == set(night.codes)
    # declared runoffs' probabilities are their results, at every step
    for u in updates:
        d = u.posterior.declared
        assert (u.posterior.p_win[d].max(axis=1) == 1).all()


def test_same_seed_same_bytes(e2024):
    """Two nights from the same seed, fed the same snapshots, give identical bytes: weights,
    probabilities, seat draws and calls (the parallel reductions have a fixed order)."""
    snaps = list(replay_night(e2024, "random", 3, rng=np.random.default_rng(9)))[:2]
    out = []
    for _ in range(2):
        night = night_of(e2024, sims=1500)
        u = [night.update(s, poll=i) for i, s in enumerate(snaps, 1)][-1]
        out.append(u)
    a, b = (u.posterior for u in out)
    assert a.weights.tobytes() == b.weights.tobytes()
    assert a.p_win.tobytes() == b.p_win.tobytes()
    assert a.seat_draws.tobytes() == b.seat_draws.tobytes()
    assert out[0].calls == out[1].calls


def test_counts_that_do_not_match_the_simulated_lineup(e2024):
    """A count without one of the simulated candidates fixes the seat but does not weigh the
    simulations; a count with a candidate the simulations never had is left out; both are said."""
    night = night_of(e2024, sims=500)
    counts = {c.constituency: c for c in official_counts(e2024)}
    r = next(r for r in range(len(night.codes)) if (night.panels[r] >= 0).sum() == 3)
    code = night.codes[r]
    c = counts[code]
    lost = replace(c, panels=c.panels[:2], votes=c.votes[:2])  # a third candidate vanished
    u = night.update(Snapshot(2024, 2, (lost,)))
    assert u.declared == (code,) and "not in the count" in u.skipped[0].message
    assert u.posterior.declared[r] and (night.loglik == 0).all()
    r2 = next(r2 for r2 in range(len(night.codes)) if r2 != r)
    c2 = counts[night.codes[r2]]
    odd = replace(c2, panels=(*c2.panels[:-1], 99))
    u = night.update(Snapshot(2024, 2, (lost, odd)))
    assert u.declared == () and "did not stand in the simulated lineup" in u.skipped[0].message
    assert not u.posterior.declared[r2]


def test_live_tables_in_the_store_leave_the_official_tables_alone(tmp_path, data_dir):
    """The live state written through the store's own connection: the official tables (which
    share names with the live state's staging, ``totals``) are byte for byte what they were."""
    with Store(tmp_path / "s.duckdb") as st:
        st.ingest(2024, download=False)
        e = load(st, 2024)
        before = {t: st.table(t, 2024) for t in ("totals", "candidates", "constituencies")}
        state = LiveState(st.con, 2024, 2)
        for snap in replay_night(e, "size", 3, partial=True):
            assert state.ingest(snap).failures == ()
        for t, df in before.items():
            assert st.table(t, 2024).equals(df), t
        assert st.query("SELECT count(*) AS n FROM live_totals")["n"][0] == 501


def test_round_1_replayed_through_the_live_state(e2024):
    ref = Reference.from_election(e2024, 1)
    assert not ref.decided
    state = LiveState(duckdb.connect(), 2024, 1)
    for snap in replay_night(e2024, "random", 2, rng=np.random.default_rng(0), round_=1):
        for c in snap.counts:
            _check_count(c, ref, where=None, line=None)
        assert state.ingest(snap).failures == ()
    assert len(state.snapshot().declared) == 577


def test_methods_and_restart(e2024):
    """Both methods end on the published Assembly; a restarted night forgets what was declared;
    an unknown method is refused with the allowed ones."""
    night = night_of(e2024, sims=500)
    assert night.method == "fresh"
    snaps = list(replay_night(e2024, "random", 2, rng=np.random.default_rng(5)))
    published = np.array([BLOCS_2024.get(b, 0) for b in BLOCS])
    for method in ("fresh", "weights"):
        n = night.restarted(method=method)
        half = n.update(snaps[0]).posterior
        assert half.declared.sum() < len(half.declared)
        if method == "fresh":  # equally weighted fresh simulations, the particles' ESS said
            assert half.particle_ess is not None and half.ess == 500 and not half.collapsed
            assert (half.weights == 1 / 500).all()
        else:
            assert half.particle_ess is None and (n.loglik != 0).any()
        last = n.update(snaps[1]).posterior
        np.testing.assert_array_equal(last.seat_draws, np.tile(published, (500, 1)))
    again = night.restarted()
    assert (again.declared_winner == -1).all() and again.calls.calls == () and not again.observed
    with pytest.raises(OptionError, match="allowed: fresh, weights"):
        night.restarted(method="exact")
    with pytest.raises(OptionError, match="allowed: fresh, weights"):
        Night(e2024, *night_parts(e2024), method="exact")


def night_parts(e2024: Election):
    n = night_of(e2024, sims=50)
    run = runoffs(e2024, e2024.round2.valid)
    return run.subset(run.n_slots >= 2), n.draws, e2024.round2.valid
