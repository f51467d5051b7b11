"""The façade the CLI calls: ``transfers``, ``project``, ``evaluate`` and the CSV writers.

Everything learnt about vote transfers comes from the *training* election (round 1 → round 2).
The target election's round 2 is only used for its official lineup (scenario ``"data"``) and, in
:func:`evaluate`, for scoring. The transfer fit (bootstrap included) is deterministic and cached per
process; ``seed`` drives the Monte Carlo only (same seed ⇒ same bytes; ``None`` ⇒ fresh entropy).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hemicycle.data.blocs import VERSION as BLOCS_VERSION
from hemicycle.data.sources import cache_dir
from hemicycle.data.store import Store
from hemicycle.election import Election, load
from hemicycle.errors import DataNotAvailableError, HemicycleError, OptionError
from hemicycle.sim import ei, pollsters
from hemicycle.sim import montecarlo as mc
from hemicycle.sim.calibrate import Calibration, bootstrap_variance, calibrate
from hemicycle.sim.evaluate import Evaluation, evaluate_projection
from hemicycle.sim.features import (
    FrontRepublicain,
    TransferOverride,
    parse_scenario,
    resolve_lineup,
)
from hemicycle.sim.project import Projection, project_arrays
from hemicycle.sim.transfers import TransferModel, fit_training, training_data

DEFAULT_SIMS = 20_000
N_BOOT = 20
#: Priors that one training election cannot identify (see docs/projection.md).
NATIONAL_SWING = 0.08
TURNOUT = 0.25
MOBILISATION = (0.0, 1.0)


def _store(store: Store | None) -> Store:
    return store if store is not None else Store()


def _election(store: Store, year: int) -> Election:
    if not isinstance(year, int | np.integer):
        raise OptionError(f"year must be an integer; got {year!r}")
    years = store.years()
    if year not in years:
        raise OptionError(f"year {year} is not in the store; available: "
                          f"{', '.join(str(y) for y in sorted(years)) or 'none'} "
                          f"(ingest it with `hemicycle data ingest {year}`)")
    return load(store, int(year))


def _train_election(store: Store, year: int) -> Election:
    e = _election(store, year)
    if e.round2 is None:
        have = [y for y in store.years() if 2 in store.rounds(y)]
        raise OptionError(f"training year {year} has no round 2 in the store; years with both rounds: "
                          f"{', '.join(map(str, sorted(have))) or 'none'}")
    return e


#: Bump when the transfer model or its calibration changes: invalidates the on-disk cache.
MODEL_VERSION = "2"


def _cache_file(year: int, signature: str, n_boot: int, estimator: str = "regression") -> Path:
    key = f"{MODEL_VERSION}|{BLOCS_VERSION}|{year}|{signature}|{n_boot}"
    if estimator != "regression":
        key += f"|{estimator}|{ei.EI_VERSION}"
    h = hashlib.sha256(key.encode()).hexdigest()[:20]
    return cache_dir() / "sim" / f"transfers-{year}-{h}.npz"


def _save(path: Path, model: TransferModel, cal: Calibration) -> None:
    arrays: dict[str, Any] = {"theta": model.theta}
    for i, reg in enumerate(model.regression.values()):
        arrays[f"reg{i}"] = reg
    meta = {"train_year": model.train_year, "min_runoffs": model.min_runoffs, "settings": model.settings,
            "estimator": model.estimator,
            "regression": ["+".join(c) for c in model.regression],
            "counts": [["+".join(c), n] for c, n in model.counts.items()], "calibration": asdict(cal)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, meta=np.array(json.dumps(meta)), **arrays)
        tmp.replace(path)
    except OSError:  # a read-only cache only costs time
        pass


def _load(path: Path) -> tuple[TransferModel, Calibration] | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            reg = {tuple(c.split("+")): z[f"reg{i}"] for i, c in enumerate(meta["regression"])}
            model = TransferModel(train_year=meta["train_year"], theta=z["theta"], regression=reg,
                                  counts={tuple(c.split("+")): int(n) for c, n in meta["counts"]},
                                  min_runoffs=meta["min_runoffs"], settings=meta["settings"],
                                  estimator=meta.get("estimator", "regression"))
        return model, Calibration(**meta["calibration"])
    except (OSError, KeyError, ValueError, TypeError):
        return None


_MEMO: dict[tuple[str, int, str, int, str], tuple[TransferModel, Calibration]] = {}


def _fit_cached(store: Store, year: int, signature: str, n_boot: int,
                estimator: str = "regression") -> tuple[TransferModel, Calibration]:
    key = (str(store.path), year, signature, n_boot, estimator)
    if key in _MEMO:
        return _MEMO[key]
    path = _cache_file(year, signature, n_boot, estimator)
    hit = _load(path) if path.exists() else None
    if hit is None and estimator == "ei":
        base, cal = _fit_cached(store, year, signature, n_boot)
        e = _train_election(store, year)
        td = training_data(e)
        model = ei.refit(base, td, e.round1.registered[td.run.rows], seed=year)
        _save(path, model, cal)
        hit = (model, cal)
    if hit is None:
        e = _train_election(store, year)
        td = training_data(e)
        model = fit_training(td, year, n_boot=n_boot, rng=np.random.default_rng([year, 2]))
        cal = calibrate(td, rng=np.random.default_rng([year, 3]))
        if not cal.use_regression:
            model = model.without_regression()
        boot = bootstrap_variance(model, td)
        cal = replace(cal, local=float(np.sqrt(max(cal.local**2 - boot, 0.25 * cal.local**2))),
                      bootstrap=float(np.sqrt(boot)))
        _save(path, model, cal)
        hit = (model, cal)
    if len(_MEMO) >= 8:
        _MEMO.pop(next(iter(_MEMO)))
    _MEMO[key] = hit
    return hit


def fitted(train_year: int, store: Store | None = None, *, n_boot: int = N_BOOT,
           estimator: str = "regression") -> tuple[TransferModel, Calibration]:
    """The transfer model and the cross-validated noise scales of ``train_year``.

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
    _train_election(s, train_year)
    if n_boot < 0:
        raise OptionError(f"n_boot must be >= 0; got {n_boot}")
    sig = ";".join(str(x) for x in s.query(
        "SELECT round, sha256 FROM sources WHERE year = ? ORDER BY round, role", [train_year]).itertuples())
    return _fit_cached(s, int(train_year), sig, int(n_boot), estimator)


def transfers(train_year: int, store: Store | None = None, *, n_boot: int = N_BOOT,
              estimator: str = "regression") -> TransferModel:
    """Transfer matrices learnt from ``train_year``; see :meth:`TransferModel.to_frame` / ``render``."""
    return fitted(train_year, store, n_boot=n_boot, estimator=estimator)[0]


def noise_for(cal: Calibration) -> mc.Noise:
    return mc.Noise(national=NATIONAL_SWING, department=cal.department, local=cal.local,
                    turnout=TURNOUT, mobilisation=MOBILISATION)


def project(target_year: int, train_year: int, store: Store | None = None, *,
            lineup: str | Path | None = None, withdrawals: str | FrontRepublicain | None = None,
            sims: int = DEFAULT_SIMS, seed: int | None = None, progress: bool = False,
            backend: str | None = None, chunk: int | None = None, n_boot: int = N_BOOT,
            estimator: str = "regression",
            overrides: list[TransferOverride] | tuple[TransferOverride, ...] | None = None) -> Projection:
    """Project ``target_year``'s round 2 with transfers learnt from ``train_year``.

    ``withdrawals``: ``"data"`` (official lineup; default when the target's round 2 is in the
    store), ``"none"`` (every qualified candidate stands; default otherwise) or
    ``"front-republicain[:BLOCS/AGAINST]"`` (:class:`~hemicycle.sim.features.FrontRepublicain`).
    ``lineup``: a CSV ``constituency,panel`` replacing the lineup of the constituencies it names.
    ``seed`` feeds :class:`numpy.random.SeedSequence`; ``backend`` is ``numba`` (default when
    installed), ``numpy`` or ``reference``; ``estimator`` as in :func:`fitted`. ``overrides``:
    :class:`~hemicycle.sim.features.TransferOverride` what-ifs applied to the learnt transfers.
    """
    if not isinstance(sims, int | np.integer) or isinstance(sims, bool) or sims <= 0:
        raise OptionError(f"sims must be a positive integer; got {sims!r}")
    label = withdrawals if isinstance(withdrawals, str) else None
    if isinstance(withdrawals, str):
        withdrawals = parse_scenario(withdrawals)
    s = _store(store)
    target = _election(s, target_year)
    model, cal = fitted(train_year, s, n_boot=n_boot, estimator=estimator)
    standing = resolve_lineup(target, lineup=lineup, withdrawals=withdrawals)
    if label is None:
        label = (repr(withdrawals) if withdrawals is not None else
                 "data" if target.round2 is not None else "none")
    label += f" + {lineup}" if lineup is not None else ""
    ovs = tuple(TransferOverride.parse(o) if isinstance(o, str) else o for o in (overrides or ()))
    label += "".join(f" + {o.origin}→{o.destination}={o.rate:g}" for o in ovs)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return project_arrays(model, target, standing, noise_for(cal), sims=int(sims), rng=rng, backend=backend,
                          chunk=chunk, progress=progress, lineup_label=label, overrides=ovs)


def evaluate(target_year: int, train_year: int, store: Store | None = None, *, sims: int = DEFAULT_SIMS,
             seed: int | None = None, progress: bool = False, backend: str | None = None,
             n_boot: int = N_BOOT, estimator: str = "regression") -> Evaluation:
    """Score the projection of ``target_year`` (official lineup) against its official round 2."""
    if target_year == train_year:
        raise OptionError("evaluate needs a training year different from the target year")
    s = _store(store)
    target = _election(s, target_year)
    if target.round2 is None:
        raise OptionError(f"{target_year} has no round 2 in the store: nothing to evaluate against")
    proj = project(target_year, train_year, s, withdrawals="data", sims=sims, seed=seed, progress=progress,
                   backend=backend, n_boot=n_boot, estimator=estimator)
    try:
        ranges = pollsters.read_ranges(target_year)
    except DataNotAvailableError:
        ranges = None
    return evaluate_projection(proj, target, ranges=ranges)


def write_csv(df: pd.DataFrame, path: str | Path) -> None:
    """Write a preds/seats table with fixed formatting (6 decimals, LF): same data ⇒ same bytes."""
    Path(path).write_bytes(to_csv_bytes(df))


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, float_format="%.6f", lineterminator="\n").encode("utf-8")


__all__ = ["DEFAULT_SIMS", "Evaluation", "HemicycleError", "Projection", "TransferModel", "TransferOverride",
           "evaluate",
           "fitted", "project", "to_csv_bytes", "transfers", "write_csv"]
