"""Election night: a full refresh of the live feed, and one update of the conditioned projection.

* Ingest: 577 constituencies in 107 department files of the XML feed (7 candidates each, about
  4,000 candidate rows), polled (read + parsed + checked) and ingested into the DuckDB live tables:
  the first refresh (every row written), a refresh where every count moved (every row rewritten),
  and a refresh that changes nothing (idempotent: nothing written).
* The night of 2024 (``--store``): one :meth:`~hemicycle.live.night.Night.update` (fresh
  simulations of the undeclared runoffs from the conditioned effects) at 5, 10, 25, 50 and 75 %
  declared, in a random order.
* Importance weights: 100,000 simulations × 500 runoffs (3 slots), 250 of them declared: one
  :func:`~hemicycle.live.condition.condition`, the log likelihood of 50 runoffs newly declared,
  and :meth:`~hemicycle.live.draws.Draws.expected` of those 50 runoffs (the numba kernel).

Prints figures only (no assertions on time).

    python benchmarks/bench_live.py [--sims 100000] [--store PATH]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from types import MappingProxyType

import duckdb
import numpy as np

from hemicycle.live.condition import condition, log_likelihood, simulated_seats
from hemicycle.live.feed import Reference, open_feed
from hemicycle.live.state import LiveState

try:
    from timing import timed
except ImportError:  # run from elsewhere
    import statistics

    def timed(fn, repeat=5):  # type: ignore[no-redef]
        times, out = [], None
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
        return statistics.median(times), out


def constituencies() -> dict[str, list[str]]:
    """577 codes in 107 departments (the 2024 shape: numbered, Corsica, overseas, abroad)."""
    deps = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"]
    deps += ["971", "972", "973", "974", "975", "976", "986", "987", "988", "ZX", "ZZ"]
    out: dict[str, list[str]] = {d: [] for d in deps}
    i = 0
    while sum(len(v) for v in out.values()) < 577:
        d = deps[i % len(deps)]
        if len(out[d]) < 99:
            out[d].append(f"{d}{len(out[d]) + 1:02d}")
        i += 1
    return out


def write_feed(root: Path, deps: dict[str, list[str]], bump: int, rng: np.random.Generator) -> None:
    for d, codes in deps.items():
        dd = d.zfill(3)
        circs = []
        for code in codes:
            votes = rng.integers(1000, 20000, 7) + bump
            ex = int(votes.sum())
            cands = "".join(
                f"<Candidat><NumPanneauCand>{k + 1}</NumPanneauCand><NomPsn>N{k}</NomPsn>"
                f"<PrenomPsn>P</PrenomPsn><CodNuaCand>DIV</CodNuaCand><NbVoix>{v}</NbVoix>"
                f"<RapportExprimes>1</RapportExprimes><Elu>non</Elu></Candidat>"
                for k, v in enumerate(votes)
            )
            circs.append(
                f"<Circonscription><CodCirElec>{dd}{code[-2:]}</CodCirElec><Tours><Tour>"
                f"<NumTour>1</NumTour><Mentions><Inscrits><Nombre>{ex * 2}</Nombre></Inscrits>"
                f"<Votants><Nombre>{ex + 100}</Nombre></Votants><Blancs><Nombre>60</Nombre>"
                f"</Blancs><Nuls><Nombre>40</Nombre></Nuls><Exprimes><Nombre>{ex}</Nombre>"
                f"</Exprimes></Mentions><Resultats><Candidats>{cands}</Candidats></Resultats>"
                f"</Tour></Tours></Circonscription>"
            )
        text = (
            '<?xml version="1.0" encoding="UTF-8"?><Election><Scrutin><Type>LG</Type>'
            f"<Annee>2024</Annee></Scrutin><EnsembleGeo><Departements><Departement>"
            f"<CodDpt>{dd}</CodDpt><Circonscriptions>{''.join(circs)}</Circonscriptions>"
            "</Departement></Departements></EnsembleGeo></Election>"
        )
        path = root / f"resultatsT1/{dd}/R1{dd}CIR.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def bench_ingest() -> None:
    deps = constituencies()
    codes = [c for v in deps.values() for c in v]
    ref = Reference(
        2024,
        1,
        MappingProxyType({c: frozenset(range(1, 8)) for c in codes}),
        MappingProxyType({c: MappingProxyType({}) for c in codes}),
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_feed(root, deps, 0, np.random.default_rng(1))
        feed = open_feed(root, ref)
        t0 = time.perf_counter()
        snap = feed.poll()
        t_poll = time.perf_counter() - t0
        rows = sum(len(c.panels) for c in snap.counts)
        state = LiveState(duckdb.connect(), 2024, 1)
        t0 = time.perf_counter()
        rep = state.ingest(snap)
        t_first = time.perf_counter() - t0
        assert not rep.failures and len(rep.changed) == 577, rep
        write_feed(root, deps, 20_000, np.random.default_rng(1))  # every count moves up
        t0 = time.perf_counter()
        rep = state.poll(feed)
        t_moved = time.perf_counter() - t0
        assert len(rep.changed) == 577 and not rep.failures, rep
        t_same, rep = timed(lambda: state.poll(feed), repeat=3)
        assert rep.changed == ()
    print(f"feed: {len(snap.counts)} constituencies, {rows} candidate rows, 107 files")
    print(f"  poll (read + parse + check):           {t_poll * 1000:7.0f} ms")
    print(f"  first ingest (snapshot -> DuckDB):     {t_first * 1000:7.0f} ms")
    print(f"  full refresh, every count moved:       {t_moved * 1000:7.0f} ms (poll + ingest)")
    print(f"  full refresh, nothing changed:         {t_same * 1000:7.0f} ms (poll + ingest)")


def bench_condition(sims: int) -> None:
    rng = np.random.default_rng(2)
    R, J, D = 500, 3, 250
    slot_group = np.tile(np.array([1, 4, 2]), (R, 1))
    slot_group[: R - 100, 2] = -1  # 400 duels, 100 three-way runoffs
    winners = rng.integers(0, 2, (sims, R)).astype(np.int8)
    dw = np.full(R, -1)
    dw[:D] = 0
    loglik = rng.normal(0, 3, sims)
    groups, fixed = tuple("abcdefg"), np.zeros(7, np.int64)
    t_seats, all_seats = timed(lambda: simulated_seats(winners, slot_group, 7), repeat=3)
    t_cond, post = timed(
        lambda: condition(winners, loglik, dw, slot_group, fixed, groups, sim_seats=all_seats),
        repeat=3,
    )
    none = np.full(R, -1)
    t_none, _ = timed(
        lambda: condition(winners, np.zeros(sims), none, slot_group, fixed, groups,
                          sim_seats=all_seats),
        repeat=3,
    )  # fmt: skip
    few = none.copy()
    few[:50] = 0
    t_few, _ = timed(
        lambda: condition(winners, loglik, few, slot_group, fixed, groups, sim_seats=all_seats),
        repeat=3,
    )
    expected = rng.normal(-2, 0.2, (sims, 50, J))
    observed = np.where(slot_group[:50] >= 0, rng.integers(1000, 30000, (50, J)), -1)
    t_ll, _ = timed(lambda: log_likelihood(expected, observed, np.full(50, 0.08)), repeat=3)
    print(f"conditioning: {sims:,} simulations x {R} runoffs, {D} declared (ESS {post.ess:,.0f})")
    print(f"  seats of every runoff (once a night):  {t_seats * 1000:7.0f} ms")
    print(f"  condition, 250 of 500 declared:        {t_cond * 1000:7.0f} ms")
    print(f"  condition, 50 of 500 declared:         {t_few * 1000:7.0f} ms")
    print(f"  condition, none declared:              {t_none * 1000:7.0f} ms")
    print(f"  log likelihood of 50 newly declared:   {t_ll * 1000:7.0f} ms")
    try:
        from hemicycle.live.draws import Draws
        from hemicycle.sim import montecarlo as mc

        M = 6
        bloc = np.where(slot_group >= 0, slot_group, -1).astype(np.int64)
        valid = bloc >= 0
        inp = mc.Inputs(
            xm=rng.uniform(0, 0.05, (M, R, 7, J)) * valid[None, :, None, :],
            abst=rng.uniform(0, 0.5, (M, R, 7)),
            xnv=rng.uniform(0, 0.01, (M, R, J)) * valid[None],
            bloc=bloc,
            dep=rng.integers(0, 107, R),
            birth=np.zeros((R, J), np.int64),
            n_deps=107,
        )
        draws = Draws(inp, mc.Noise(), 12345, winners)
        draws.expected(np.arange(2))  # compile
        draws.log_likelihood(np.arange(2), observed[:2])
        t_exp, _ = timed(lambda: draws.expected(np.arange(50)), repeat=3)
        t_fused, _ = timed(lambda: draws.log_likelihood(np.arange(50), observed), repeat=3)
        print(f"  expected log votes of 50 runoffs:      {t_exp * 1000:7.0f} ms (numba)")
        print(f"  fused log likelihood of 50 runoffs:    {t_fused * 1000:7.0f} ms (numba, what")
        print("    Night.update runs, then condition)")
    except ImportError:
        pass


def bench_night(sims: int, store_path: str) -> None:
    """Real 2024: Night.update (method fresh) at each stage of a random declaration order."""
    from hemicycle.data.store import Store
    from hemicycle.live.feed import Snapshot
    from hemicycle.live.replay import declaration_order, official_counts
    from hemicycle.live.setup import prepare

    st = Store(store_path, read_only=True)
    t0 = time.perf_counter()
    prep = prepare(2024, st, sims=sims, seed=1)
    print(f"night of 2024 (fresh simulations), {sims:,} simulations, {os.cpu_count()} CPUs")
    print(f"  prepare (fits cached, Monte Carlo):    {time.perf_counter() - t0:7.1f} s")
    t = prep.night.tails
    print(f"  local noise's tails: pi {t.pi:.3f}, core × {t.core:.2f}, wide × {t.wide:.2f}")
    counts = declaration_order(official_counts(prep.election), "random", np.random.default_rng(3))
    n = len(counts)
    for warm in (True, False):  # the first pass compiles (cached on disk afterwards)
        night = prep.night.restarted(rng=np.random.default_rng(4))
        for frac in (0.05, 0.10, 0.25, 0.50, 0.75):
            k = -(-round(frac * 1000) * n // 1000)
            snap = Snapshot(2024, 2, tuple(sorted(counts[:k], key=lambda c: c.constituency)))
            t0 = time.perf_counter()
            u = night.update(snap)
            dt = time.perf_counter() - t0
            if not warm:
                print(
                    f"  update to {frac:4.0%} declared ({k:3d} runoffs):  {dt * 1000:7.0f} ms "
                    f"(tempering steps {night.effects.steps}, particles' ESS "
                    f"{u.posterior.particle_ess:,.0f})"
                )
        # a poll as they come on the night: a few runoffs newly declared
        for extra in (5, 10):
            k += extra
            snap = Snapshot(2024, 2, tuple(sorted(counts[:k], key=lambda c: c.constituency)))
            t0 = time.perf_counter()
            night.update(snap)
            dt = time.perf_counter() - t0
            if not warm:
                print(
                    f"  a poll declaring {extra:2d} more ({k:3d} declared):   {dt * 1000:7.0f} ms"
                )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sims", type=int, default=100_000)
    ap.add_argument("--store", help="a store holding 1997-2024 (the night of 2024; fits cached)")
    args = ap.parse_args()
    print(f"CPUs: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    bench_ingest()
    bench_condition(args.sims)
    if args.store:
        bench_night(args.sims, args.store)


if __name__ == "__main__":
    main()
