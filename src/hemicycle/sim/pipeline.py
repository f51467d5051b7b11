"""From training elections to a projection: the fits (cached), their pool, ``project``, ``evaluate``
(the engine behind :class:`hemicycle.session.Session`).

Everything learnt about vote transfers comes from the *training* elections (round 1 → round 2),
always earlier than the target: ``train`` is a :class:`~hemicycle.options.TrainSpec` (or what
:meth:`~hemicycle.options.TrainSpec.parse` takes: a year, ``"2012,2017"``, a sequence or ``"all"``,
every earlier election with both rounds in the store). The
target election's round 2 is only used for its official lineup (scenario ``"data"``) and, in
:func:`evaluate`, for scoring. Each election's fit (bootstrap and cross-validation included) is
deterministic and cached in memory and on disk; the fits of several elections are pooled
(:class:`~hemicycle.sim.transfers.PooledTransfers`) with the priors of
:mod:`hemicycle.sim.calibrate`. ``seed`` drives the Monte Carlo only (same seed ⇒ same bytes;
``None`` ⇒ fresh entropy).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hemicycle.data import blocs, outputs
from hemicycle.data.files import TRAINING_YEARS
from hemicycle.data.pollsters import read_ranges as read_pollster_ranges
from hemicycle.data.sources import cache_dir, write_cached
from hemicycle.data.store import Store
from hemicycle.election import Election, load
from hemicycle.errors import (
    DataNotAvailableError,
    HemicycleError,
    MissingRoundError,
    OptionError,
    YearNotAvailableError,
)
from hemicycle.options import (
    DEFAULT_SIMS,
    N_BOOT,
    TrainSpec,
    check_seed,
    check_sims,
    history_target,
)
from hemicycle.sim import ei, fundamentals
from hemicycle.sim import montecarlo as mc
from hemicycle.sim.calibrate import (
    Calibration,
    Priors,
    bootstrap_variance,
    calibrate,
    election_weights,
    pooled_noise,
)
from hemicycle.sim.evaluate import Evaluation, evaluate_projection
from hemicycle.sim.extrapolation import MIN_SD, Extrapolation
from hemicycle.sim.extrapolation import extrapolation as extrapolate
from hemicycle.sim.features import (
    ORIGINS,
    FrontRepublicain,
    TransferOverride,
    check_overrides,
    national_profile,
    parse_scenario,
    resolve_lineup,
)
from hemicycle.sim.pooling import RandomEffectsPool
from hemicycle.sim.project import Projection, build_inputs, project_arrays
from hemicycle.sim.transfers import (
    PooledTransfers,
    TrainingData,
    TransferModel,
    fit_training,
    training_data,
)

#: ``train`` accepted by :func:`project`: a year, years, or every earlier election.
Train = TrainSpec | int | str | Sequence[int]
#: ``progress(stage, done, total)``: called while fitting (the CLI draws a bar with it).
Progress = Callable[[str, int, int], None]


def _store(store: Store | None) -> Store:
    return store if store is not None else Store()


def _check_year(store: Store, year: int) -> list[int]:
    """``year`` is an integer in the store; returns the store's years."""
    if not isinstance(year, int | np.integer):
        raise OptionError(f"year must be an integer; got {year!r}")
    years = store.years()
    if year not in years:
        raise YearNotAvailableError(
            f"year {year} is not in the store; available: "
            f"{', '.join(str(y) for y in sorted(years)) or 'none'} "
            f"(ingest it with `hemicycle data ingest {year}`)"
        )
    return years


def _election(store: Store, year: int) -> Election:
    _check_year(store, year)
    return load(store, int(year))


def _check_training(store: Store, year: int) -> None:
    """``year`` can train: in the store with both rounds (read from the store's index, without
    loading the election)."""
    years = _check_year(store, year)
    if 2 not in store.rounds(int(year)):
        have = [y for y in years if 2 in store.rounds(y)]
        raise MissingRoundError(
            f"training year {year} has no round 2 in the store; years with both rounds: "
            f"{', '.join(map(str, sorted(have))) or 'none'}"
        )


def _train_election(store: Store, year: int) -> Election:
    _check_training(store, year)
    return _election(store, year)


#: Bump when the transfer model or its calibration changes: invalidates the on-disk cache.
MODEL_VERSION = "8"


def _cache_file(year: int, signature: str, n_boot: int, estimator: str = "regression") -> Path:
    key = f"{MODEL_VERSION}|{blocs.signature()}|{year}|{signature}|{n_boot}"
    if estimator != "regression":
        key += f"|{estimator}|{ei.EI_VERSION}"
    h = hashlib.sha256(key.encode()).hexdigest()[:20]
    return cache_dir() / "sim" / f"transfers-{year}-{h}.npz"


def _save(path: Path, model: TransferModel, cal: Calibration) -> None:
    arrays: dict[str, Any] = {"theta": model.theta}
    for i, reg in enumerate(model.regression.values()):
        arrays[f"reg{i}"] = reg
    meta = {
        "train_year": model.train_year,
        "min_runoffs": model.min_runoffs,
        "settings": model.settings,
        "estimator": model.estimator,
        "regression": ["+".join(c) for c in model.regression],
        "counts": [["+".join(c), n] for c, n in model.counts.items()],
        "calibration": asdict(cal),
    }
    write_cached(path, lambda tmp: np.savez(tmp, meta=np.array(json.dumps(meta)), **arrays))


def _tuples(value: Any) -> Any:
    """JSON's lists back as the tuples the frozen calibration holds (nested ones too)."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _load(path: Path) -> tuple[TransferModel, Calibration] | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            reg = {tuple(c.split("+")): z[f"reg{i}"] for i, c in enumerate(meta["regression"])}
            model = TransferModel(
                train_year=meta["train_year"],
                theta=z["theta"],
                regression=reg,
                counts={tuple(c.split("+")): int(n) for c, n in meta["counts"]},
                min_runoffs=meta["min_runoffs"],
                settings=meta["settings"],
                estimator=meta.get("estimator", "regression"),
            )
        return model, Calibration(**{k: _tuples(v) for k, v in meta["calibration"].items()})
    except (OSError, KeyError, ValueError, TypeError, EOFError, zipfile.BadZipFile):
        # a damaged cache file (truncated, emptied) is refitted and overwritten, never fatal
        return None


_MEMO: dict[tuple[str, int, str, int, str], tuple[TransferModel, Calibration]] = {}


def fit_election(
    td: TrainingData, year: int, n_boot: int, progress: Progress | None = None
) -> tuple[TransferModel, Calibration]:
    """Fit one training election: the cross-validated noise and choice of estimator, then the
    transfers with their bootstrap on the runoffs that are not outliers, and the noise less the
    variance the bootstrap already carries. Pure: arrays in, values out."""
    boot = (lambda i, n: progress(f"{year}: bootstrap", i, n)) if progress else None
    folds = (lambda i, n: progress(f"{year}: cross-validation", i, n)) if progress else None
    cal = calibrate(td, rng=np.random.default_rng([year, 3]), progress=folds)
    td = td.subset(cal.kept(len(td.x)))  # the outliers the cross-validation found are left out
    model = fit_training(
        td, year, n_boot=n_boot, rng=np.random.default_rng([year, 2]), progress=boot
    )
    if not cal.use_regression:
        model = model.without_regression()
    var = bootstrap_variance(model, td)
    cal = replace(
        cal,
        local=float(np.sqrt(max(cal.local**2 - var, 0.25 * cal.local**2))),
        bootstrap=float(np.sqrt(var)),
    )
    return model, cal


def _signature(store: Store, year: int) -> str:
    return ";".join(
        str(x)
        for x in store.query(
            "SELECT round, sha256 FROM sources WHERE year = ? ORDER BY round, role", [year]
        ).itertuples()
    )


def _die_with_parent(parent: int) -> None:
    """A fit worker's initializer: the worker dies with the process that started it (killed,
    ended by SIGTERM, interrupted), never left computing as an orphan. Linux's parent-death
    signal, and a watch of the parent's PID wherever that signal is missing; Ctrl-C is the
    parent's to handle (it stops the workers)."""
    import os
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux
        pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="hemicycle-parent-watch", daemon=True).start()


@contextmanager
def _fit_pool(workers: int) -> Iterator[Any]:
    """A pool of ``workers`` spawned processes that die with this one (:func:`_die_with_parent`).
    On an interrupt or an error (Ctrl-C; SIGTERM, made an exception while the pool runs) the
    pending fits are cancelled and the workers killed at once, instead of waiting for the fits
    in progress; what was finished and cached so far stays cached."""
    import os
    import signal
    import threading
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    pool = ProcessPoolExecutor(
        workers,
        mp_context=get_context("spawn"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )
    installed, previous = False, signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():

        def terminate(signum: int, frame: object) -> None:
            raise SystemExit(128 + signum)  # unwinds to the cleanup below, then exits

        signal.signal(signal.SIGTERM, terminate)
        installed = True
    try:
        yield pool
    except BaseException:
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.join(5)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        if installed:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _fit_missing(
    store: Store, years: Sequence[int], n_boot: int, progress: Progress | None
) -> None:
    """Fit the elections of ``years`` that no cache holds, in parallel processes (one per core),
    and cache them: the first ``--train all`` fits six elections in about half the time. Each fit
    is cached as soon as it is done; the workers never outlive this process (:func:`_fit_pool`)."""
    import os
    from concurrent.futures import as_completed

    todo = []
    for y in years:
        sig = _signature(store, y)
        if (str(store.path), y, sig, n_boot, "regression") in _MEMO:
            continue
        path = _cache_file(y, sig, n_boot)
        if path.exists() and _load(path) is not None:
            continue
        todo.append((y, path))
    workers = min(len(todo), os.cpu_count() or 1)
    if workers < 2:
        return
    elections = {y: _train_election(store, y) for y, _ in todo}
    done = 0
    if progress:
        progress(
            f"fitting {', '.join(str(y) for y, _ in todo)} in {workers} processes", 0, len(todo)
        )
    with _fit_pool(workers) as pool:
        jobs = {
            pool.submit(fit_election, training_data(elections[y]), y, n_boot): (y, path)
            for y, path in todo
        }
        for job in as_completed(jobs):
            y, path = jobs[job]
            model, cal = job.result()
            hit = (model, replace(cal, profile=tuple(national_profile(elections[y]).tolist())))
            _save(path, *hit)
            _MEMO[(str(store.path), y, _signature(store, y), n_boot, "regression")] = hit
            done += 1
            if progress:
                progress(f"fitted {y}", done, len(todo))


def _fit_cached(
    store: Store,
    year: int,
    signature: str,
    n_boot: int,
    estimator: str = "regression",
    progress: Progress | None = None,
) -> tuple[TransferModel, Calibration]:
    key = (str(store.path), year, signature, n_boot, estimator)
    if key in _MEMO:
        return _MEMO[key]
    path = _cache_file(year, signature, n_boot, estimator)
    hit = _load(path) if path.exists() else None
    if hit is None and estimator == "ei":
        base, cal = _fit_cached(store, year, signature, n_boot, progress=progress)
        e = _train_election(store, year)
        td = training_data(e)
        td = td.subset(cal.kept(len(td.x)))  # the regression's outliers are left out here too
        model = ei.refit(base, td, e.round1.registered[td.run.rows], seed=year)
        _save(path, model, cal)
        hit = (model, cal)
    if hit is None:
        e = _train_election(store, year)
        model, cal = fit_election(training_data(e), year, n_boot, progress)
        hit = (model, replace(cal, profile=tuple(national_profile(e).tolist())))
        _save(path, *hit)
    if len(_MEMO) >= 16:
        _MEMO.pop(next(iter(_MEMO)))
    _MEMO[key] = hit
    return hit


def fitted(
    train_year: int,
    store: Store | None = None,
    *,
    n_boot: int = N_BOOT,
    estimator: str = "regression",
    progress: Progress | None = None,
) -> tuple[TransferModel, Calibration]:
    """The transfer model and the cross-validated noise scales of one training election.

    ``estimator``: ``"regression"`` (default) or ``"ei"`` (PyEI's Bayesian R×C model for the
    configurations the regression covers; optional extra ``hemicycle[ei]``; the noise scales stay
    those cross-validated with the regression). Deterministic; cached in memory and on disk
    (``<HEMICYCLE_CACHE>/sim/``), keyed by the training files' sha256, ``n_boot``, the estimator and
    :data:`MODEL_VERSION`.
    """
    if estimator not in ei.ESTIMATORS:
        raise OptionError(f"unknown estimator {estimator!r}; allowed: {', '.join(ei.ESTIMATORS)}")
    if estimator == "ei":
        ei.require_pyei()
    s = _store(store)
    _check_training(s, train_year)
    if n_boot < 0:
        raise OptionError(f"n_boot must be >= 0; got {n_boot}")
    return _fit_cached(
        s, int(train_year), _signature(s, train_year), int(n_boot), estimator, progress
    )


def training_years(
    target_year: int | None, train: Train = "all", store: Store | None = None
) -> tuple[int, ...]:
    """The training elections ``train`` names for ``target_year``, checked.

    ``train``: a :class:`~hemicycle.options.TrainSpec` or what it parses: ``"all"`` is every
    election of :data:`~hemicycle.data.files.TRAINING_YEARS` with both rounds in the store,
    earlier than the target (every one when ``target_year`` is None) — and for a target that none
    of them precedes (1997 and before: :func:`history_target`), every earlier election with both
    rounds, 1958 on; named years, of any era, must be earlier than the target and have both
    rounds.
    """
    s = _store(store)
    spec = TrainSpec.parse(train)
    both = [y for y in s.years() if 2 in s.rounds(y) and y in TRAINING_YEARS]
    if spec.is_all and history_target(target_year):
        both = [y for y in s.years() if 2 in s.rounds(y)]
    years = spec.resolve(target_year, both)
    for y in years:
        _check_training(s, y)
    return tuple(years)


def pooled(
    years: Sequence[int],
    store: Store | None = None,
    *,
    n_boot: int = N_BOOT,
    estimator: str = "regression",
    priors: Priors | None = None,
    progress: Progress | None = None,
    target: Election | None = None,
) -> tuple[PooledTransfers, mc.Noise]:
    """The transfers of several training elections pooled, and the noise of the simulation
    (:func:`hemicycle.sim.calibrate.pooled_noise`). With a ``target``, training elections are
    weighed by similarity to its round 1 (:class:`~hemicycle.sim.calibrate.Priors`)."""
    s = _store(store)
    pri = priors or Priors()
    if estimator == "regression":
        _fit_missing(s, years, n_boot, progress)
    fits = [fitted(y, s, n_boot=n_boot, estimator=estimator, progress=progress) for y in years]
    w = election_weights(
        years,
        pri,
        [c.profile for _, c in fits],
        None if target is None else national_profile(target),
    )
    masses = np.array([[*(c.profile or (1.0,) * (len(ORIGINS) - 1)), 1.0] for _, c in fits])
    model = PooledTransfers.pool(
        [m for m, _ in fits],
        w,
        masses=masses,
        config_pseudo=pri.config_pseudo,
        origin_pseudo=pri.origin_pseudo,
        symmetric=pri.symmetric,
    )
    if pri.saturation > 0 or pri.spread != 1.0:  # random-effects variants (sim.pooling)
        model = RandomEffectsPool(
            **{**_fields(model), "saturation": pri.saturation, "spread": pri.spread}
        )
    noise = pooled_noise([c for _, c in fits], w, pri)
    if pri.presidential > 0 and target is not None:
        d, why = fundamentals.duel(s, target)
        shift = fundamentals.PresidentialShift(0.0, None, missing=why)
        if d is not None:
            weight, used, n = _presidential_weight(
                tuple(years), s, pri, n_boot, estimator, fundamentals.kind(d)
            )
            shift = fundamentals.PresidentialShift(pri.presidential * weight, d, used, n)
        noise = replace(noise, presidential=shift)
    return model, noise


#: learnt pulls towards the presidential round 2, by (store, training years, priors, fits)
_PULLS: dict[tuple[Any, ...], tuple[float, tuple[int, ...], int]] = {}


def _presidential_weight(
    years: tuple[int, ...],
    store: Store,
    priors: Priors,
    n_boot: int,
    estimator: str,
    kind: str,
) -> tuple[float, tuple[int, ...], int]:
    """The pull ``w`` towards the presidential round 2 learnt from the training ``years``
    (:func:`hemicycle.sim.fundamentals.fit_weight`): each of them that has earlier ones among
    ``years`` and a presidential round 2 of the same ``kind`` as the target's
    (:func:`hemicycle.sim.fundamentals.kind`) projected from those (official lineup, the same
    priors without the pull, as the back-test does), and its runoffs' actual log ratios against
    the projection's. Returns ``(w, the elections it was learnt from, their runoffs)``."""
    base = replace(priors, presidential=0.0)
    sig = tuple(_signature(store, y) for y in years)
    key = (str(store.path), years, base, n_boot, estimator, kind, sig)
    if key not in _PULLS:
        per_election, used = [], []
        for e in years:
            before = [y for y in years if y < e]
            election = _election(store, e)
            d, _ = fundamentals.duel(store, election) if before else (None, "")
            if d is None or election.round2 is None or fundamentals.kind(d) != kind:
                continue
            model, noise = pooled(
                before, store, n_boot=n_boot, estimator=estimator, priors=base, target=election
            )
            inp, run = build_inputs(model, election, resolve_lineup(election), (), noise)
            per_election.append(
                fundamentals.samples(inp.xm.sum(axis=2) + inp.xnv, run, d, election.round2.votes)
            )
            used.append(e)
        n = sum(len(x) for x, _ in per_election)
        _PULLS[key] = (fundamentals.fit_weight(per_election), tuple(used), n)
    return _PULLS[key]


def _fields(pool: PooledTransfers) -> dict[str, Any]:
    """A pool's fields (a fresh cache) to build another kind of pool from it."""
    from dataclasses import fields

    return {f.name: getattr(pool, f.name) for f in fields(pool) if f.name != "_cache"}


def transfers(
    train: Train,
    store: Store | None = None,
    *,
    n_boot: int = N_BOOT,
    estimator: str = "regression",
    target_year: int | None = None,
    progress: Progress | None = None,
) -> PooledTransfers:
    """Transfer matrices learnt from ``train``; see :meth:`PooledTransfers.to_frame` /
    ``render``."""
    years = training_years(target_year, train, store)
    return pooled(years, store, n_boot=n_boot, estimator=estimator, progress=progress)[0]


def project(
    target_year: int,
    train: Train = "all",
    store: Store | None = None,
    *,
    lineup: str | Path | None = None,
    withdrawals: str | FrontRepublicain | None = None,
    sims: int = DEFAULT_SIMS,
    seed: int | None = None,
    progress: bool = False,
    backend: str | None = None,
    chunk: int | None = None,
    n_boot: int = N_BOOT,
    estimator: str = "regression",
    overrides: list[TransferOverride] | tuple[TransferOverride, ...] | None = None,
    priors: Priors | None = None,
    fit_progress: Progress | None = None,
) -> Projection:
    """Project ``target_year``'s round 2 with transfers learnt from ``train`` (earlier elections).

    ``withdrawals``: ``"data"`` (official lineup; default when the target's round 2 is in the
    store), ``"none"`` (every qualified candidate stands; default otherwise) or
    ``"front-republicain[:BLOCS/AGAINST]"`` (:class:`~hemicycle.sim.features.FrontRepublicain`).
    ``lineup``: a CSV ``constituency,panel`` replacing the lineup of the constituencies it names.
    ``seed`` feeds :class:`numpy.random.SeedSequence`; ``backend`` is ``numba`` (default) or
    ``reference``; ``estimator`` as in :func:`fitted`. ``overrides``:
    :class:`~hemicycle.sim.features.TransferOverride` what-ifs applied to the learnt transfers.
    ``priors``: :class:`~hemicycle.sim.calibrate.Priors` (default: those chosen by the back-test).
    """
    sims, seed = check_sims(sims), check_seed(seed)
    ovs = check_overrides(
        TransferOverride.parse(o) if isinstance(o, str) else o for o in (overrides or ())
    )
    label = withdrawals if isinstance(withdrawals, str) else None
    if isinstance(withdrawals, str):
        withdrawals = parse_scenario(withdrawals)
    s = _store(store)
    target = _election(s, target_year)
    years = training_years(int(target_year), train, s)
    model, noise = pooled(
        years,
        s,
        n_boot=n_boot,
        estimator=estimator,
        priors=priors,
        progress=fit_progress,
        target=target,
    )
    standing = resolve_lineup(target, lineup=lineup, withdrawals=withdrawals)
    if label is None:
        label = (
            repr(withdrawals)
            if withdrawals is not None
            else "data"
            if target.round2 is not None
            else "none"
        )
    label += f" + {lineup}" if lineup is not None else ""
    label += "".join(f" + {o.origin}→{o.destination}={o.rate:g}" for o in ovs)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return project_arrays(
        model,
        target,
        standing,
        noise,
        sims=int(sims),
        rng=rng,
        backend=backend,
        chunk=chunk,
        progress=progress,
        lineup_label=label,
        overrides=ovs,
    )


def evaluate(
    target_year: int,
    train: Train = "all",
    store: Store | None = None,
    *,
    sims: int = DEFAULT_SIMS,
    seed: int | None = None,
    progress: bool = False,
    backend: str | None = None,
    n_boot: int = N_BOOT,
    estimator: str = "regression",
    priors: Priors | None = None,
    fit_progress: Progress | None = None,
) -> Evaluation:
    """Score the projection of ``target_year`` (official lineup) against its official round 2."""
    s = _store(store)
    target = _election(s, target_year)
    if target.round2 is None:
        raise MissingRoundError(
            f"{target_year} has no round 2 in the store: nothing to evaluate against"
        )
    proj = project(
        target_year,
        train,
        s,
        withdrawals="data",
        sims=sims,
        seed=seed,
        progress=progress,
        backend=backend,
        n_boot=n_boot,
        estimator=estimator,
        priors=priors,
        fit_progress=fit_progress,
    )
    try:
        ranges = read_pollster_ranges(target_year)
    except DataNotAvailableError:
        ranges = None
    return evaluate_projection(proj, target, ranges=ranges)


def extrapolation(
    target_year: int,
    train: Train = "all",
    store: Store | None = None,
    *,
    lineup: str | Path | None = None,
    withdrawals: str | FrontRepublicain | None = None,
    n_boot: int = N_BOOT,
    estimator: str = "regression",
    priors: Priors | None = None,
    min_sd: float = MIN_SD,
) -> Extrapolation:
    """Where the projection of ``target_year`` from ``train`` extrapolates: the transfer rates
    its training elections disagree on (weighted sd at least ``min_sd``) and the runoffs of the
    lineup (``lineup``, ``withdrawals`` as in :func:`project`) whose call moves across their range
    (:mod:`hemicycle.sim.extrapolation`)."""
    if isinstance(withdrawals, str):
        withdrawals = parse_scenario(withdrawals)
    s = _store(store)
    target = _election(s, target_year)
    years = training_years(int(target_year), train, s)
    model, noise = pooled(
        years, s, n_boot=n_boot, estimator=estimator, priors=priors, target=target
    )
    standing = resolve_lineup(target, lineup=lineup, withdrawals=withdrawals)
    return extrapolate(model, target, standing, noise, min_sd=min_sd)


def write_csv(df: pd.DataFrame, path: str | Path) -> None:
    """Write a preds/seats table with fixed formatting (6 decimals, LF): same data ⇒ same bytes;
    atomically, formulas neutralised (:mod:`hemicycle.data.outputs`)."""
    outputs.write_atomic(path, to_csv_bytes(df))


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """A preds/seats table as CSV (6 decimals, LF, formulas neutralised)."""
    return outputs.csv_bytes(df, float_format="%.6f")


__all__ = [
    "DEFAULT_SIMS",
    "Evaluation",
    "HemicycleError",
    "PooledTransfers",
    "Priors",
    "Projection",
    "TransferModel",
    "TransferOverride",
    "check_overrides",
    "evaluate",
    "extrapolation",
    "fitted",
    "pooled",
    "project",
    "to_csv_bytes",
    "training_years",
    "transfers",
    "write_csv",
]
