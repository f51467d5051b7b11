"""Options parsed once, at the edge: which elections train the transfers, and how a projection runs.

A front end (the CLI, the web API, a notebook) turns what a user typed into these frozen values
once; everything behind the :class:`~hemicycle.session.Session` takes the values, never the text.
This is the only place that parses ``train`` and the only place that checks ``sims`` and ``seed``.

>>> TrainSpec.parse("2012,2017")
TrainSpec(years=(2012, 2017))
>>> TrainSpec.parse("all").resolve(2024, available=(2017, 2022))
(2017, 2022)
>>> TrainSpec.parse(2017).text
'2017'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from hemicycle.data.blocs import BLOCS
from hemicycle.data.files import TRAINING_YEARS
from hemicycle.errors import MissingRoundError, OptionError

__all__ = [
    "NONVOTER",
    "ORIGINS",
    "SCENARIOS",
    "Scenario",
    "TransferOverride",
    "check_overrides",
    "COMPARE_SEED",
    "COMPARE_SIMS",
    "DEFAULT_SIMS",
    "N_BOOT",
    "ProjectionOptions",
    "TrainSpec",
    "check_seed",
    "check_sims",
]

#: Simulated elections of a projection, unless told otherwise (CLI, web, notebook, back-test).
DEFAULT_SIMS = 20_000
#: Simulations behind the two-round variants and the projected Assembly of a comparison, and
#: their fixed seed (the same comparison gives the same seats).
COMPARE_SIMS = 2_000
COMPARE_SEED = 0
#: Bootstrap replicates per training election (the pool holds every election's).
N_BOOT = 12

#: Row/column label of abstention + blank + null.
NONVOTER = "nonvoter"
#: Origins of the transfer matrices: the seven blocs, then non-voters.
ORIGINS: tuple[str, ...] = (*BLOCS, NONVOTER)
#: Withdrawal scenarios (``front-republicain`` takes options; see
#: :func:`hemicycle.sim.features.resolve_lineup`).
Scenario = Literal["data", "none", "front-republicain"]
SCENARIOS: tuple[Scenario, ...] = get_args(Scenario)

_TRAIN_HELP = "a year, years separated by commas, or 'all'"


def _is_int(v: object) -> bool:
    return hasattr(v, "__index__") and not isinstance(v, bool)


@dataclass(frozen=True)
class TrainSpec:
    """The training elections: ``years`` named by the user, or ``None`` for every earlier election
    with both rounds (``"all"``; ``"auto"`` is the same)."""

    years: tuple[int, ...] | None = None

    @classmethod
    def parse(cls, value: TrainSpec | str | int | Sequence[int] | None) -> TrainSpec:
        """``"all"``/``"auto"``/``None``, a year, ``"2012,2017"`` (or ``"2012+2017"``), or a
        sequence of years; anything else is an :class:`OptionError` naming what is allowed."""
        if isinstance(value, TrainSpec):
            return value
        if value is None:
            return cls()
        if isinstance(value, str):
            text = value.strip().lower()
            if text in ("all", "auto"):
                return cls()
            try:
                parsed = [int(t) for t in text.replace("+", ",").split(",") if t.strip()]
            except ValueError:
                raise OptionError(f"train must be {_TRAIN_HELP}; got {value!r}") from None
        elif isinstance(value, int) or (_is_int(value) and not isinstance(value, Sequence)):
            parsed = [value.__index__()]
        elif isinstance(value, Sequence) and all(_is_int(t) for t in value):
            parsed = [int(t) for t in value]
        else:
            raise OptionError(f"train must be {_TRAIN_HELP}; got {value!r}")
        if not parsed:
            raise OptionError(f"train names no election; give {_TRAIN_HELP}")
        return cls(tuple(sorted(set(parsed))))

    @property
    def is_all(self) -> bool:
        return self.years is None

    @property
    def text(self) -> str:
        """As a user would type it: ``all`` or ``2012,2017``."""
        return "all" if self.years is None else ",".join(map(str, self.years))

    def resolve(self, target: int | None, available: Iterable[int]) -> tuple[int, ...]:
        """The training years for ``target`` (``None``: no target, every election may train),
        given the elections with both rounds ``available``. A training election is always
        earlier than the target: a model never learns from the election it projects, nor from a
        later one."""
        both = sorted(set(available))
        if self.years is None:
            years = [y for y in both if target is None or y < target]
            if not years:
                which = "no election" if target is None else f"no election earlier than {target}"
                raise MissingRoundError(
                    f"{which} has both rounds in the store, "
                    "so there is nothing to learn transfers from; years with both rounds: "
                    f"{', '.join(map(str, both)) or 'none'}"
                )
            return tuple(years)
        if target is not None:
            late = [y for y in self.years if y >= target]
            if late:
                many = len(late) > 1
                raise OptionError(
                    f"training election{'s' if many else ''} {', '.join(map(str, late))} "
                    f"{'are' if many else 'is'} not earlier than the target {target}: "
                    "a model never learns from the election it projects, nor from a later one; "
                    "use 'all' or "
                    f"earlier years ({', '.join(str(y) for y in both if y < target) or 'none'})"
                )
        return self.years


def history_target(target_year: int | None) -> bool:
    """Whether ``target_year`` precedes every default training election
    (:data:`~hemicycle.data.files.TRAINING_YEARS`, 1997 on): its ``all`` is then the elections of
    1958–1993 before it, read from the CDSP's tables (party columns until 1981).

    >>> history_target(1981), history_target(1997), history_target(2002), history_target(None)
    (True, True, False, False)
    """
    return target_year is not None and not any(y < target_year for y in TRAINING_YEARS)


def check_sims(sims: object) -> int:
    """``sims`` as a positive ``int``, or an :class:`OptionError`."""
    if not _is_int(sims) or int(sims) <= 0:  # type: ignore[call-overload]
        raise OptionError(f"sims must be a positive integer; got {sims!r}")
    return int(sims)  # type: ignore[call-overload]


def check_seed(seed: object) -> int | None:
    """``seed`` as a non-negative ``int`` (or ``None``: fresh entropy), or an
    :class:`OptionError`."""
    if seed is None:
        return None
    if not _is_int(seed) or int(seed) < 0:  # type: ignore[call-overload]
        raise OptionError(f"seed must be a non-negative integer or None; got {seed!r}")
    return int(seed)  # type: ignore[call-overload]


@dataclass(frozen=True)
class TransferOverride:
    """A what-if on the learnt transfers: ``rate`` of the round-1 voters of ``origin`` vote for
    the candidate(s) of bloc ``destination`` in every runoff where ``origin`` has no candidate of
    its own and ``destination`` has one.

    The other destinations of those voters (the other candidates and abstention) keep their
    relative weights and share ``1 - rate``; several candidates of ``destination`` split ``rate``
    in proportion to their learnt shares. ``origin`` is a bloc or ``nonvoter``.

    "What if only half of the left's voters follow the withdrawals?" is
    ``TransferOverride("left", "centre", 0.5)`` (and the same towards ``right``). The string form
    is ``ORIGIN:DESTINATION=RATE``, e.g. ``left:centre=0.5``.

    >>> TransferOverride.parse("left:centre=0.5")
    TransferOverride(origin='left', destination='centre', rate=0.5)
    """

    origin: str
    destination: str
    rate: float

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise OptionError(
                f"unknown override origin {self.origin!r}; allowed: {', '.join(ORIGINS)}"
            )
        if self.destination not in BLOCS:
            raise OptionError(
                f"unknown override destination {self.destination!r}; allowed: {', '.join(BLOCS)}"
            )
        if self.origin == self.destination:
            raise OptionError(f"an override needs two different blocs; got {self.origin!r} twice")
        if not isinstance(self.rate, int | float) or not 0.0 <= float(self.rate) <= 1.0:
            raise OptionError(f"override rate must be a number in [0, 1]; got {self.rate!r}")

    @classmethod
    def parse(cls, text: str) -> TransferOverride:
        pair, eq, rate = text.partition("=")
        origin, colon, dest = pair.partition(":")
        if not eq or not colon:
            raise OptionError(
                f"override {text!r} is not of the form ORIGIN:DESTINATION=RATE "
                f"(e.g. left:centre=0.5)"
            )
        try:
            value = float(rate)
        except ValueError:
            raise OptionError(f"override {text!r}: rate {rate!r} is not a number") from None
        return cls(origin.strip(), dest.strip(), value)


def check_overrides(overrides: Iterable[TransferOverride]) -> tuple[TransferOverride, ...]:
    """``overrides`` as a tuple, refused if one (origin, destination) pair is given twice or if
    one origin's rates add up to more than 1 (they would send more voters than it has)."""
    out = tuple(overrides)
    seen: dict[tuple[str, str], float] = {}
    for ov in out:
        key = (ov.origin, ov.destination)
        if key in seen:
            raise OptionError(
                f"override {ov.origin}:{ov.destination} is given twice "
                f"({seen[key]:g} and {ov.rate:g}); give it once"
            )
        seen[key] = float(ov.rate)
    for origin in dict.fromkeys(ov.origin for ov in out):
        mine = [(d, r) for (o, d), r in seen.items() if o == origin]
        if sum(r for _, r in mine) > 1.0 + 1e-9:
            given = " + ".join(f"{origin}:{d}={r:g}" for d, r in mine)
            raise OptionError(
                f"the overrides of the {origin} voters add up to more than all of them ({given}); "
                f"the rates of one origin must sum to at most 1"
            )
    return out


@dataclass(frozen=True)
class ProjectionOptions:
    """How one projection runs, checked once: ``sims`` simulated elections from ``seed``
    (:class:`numpy.random.SeedSequence`; ``None``: fresh entropy), a ``withdrawals`` scenario
    (``"data"``, ``"none"``, ``"front-republicain[:…]"``; ``None``: the official lineup when round
    2 is known, else none), a ``lineup`` CSV, transfer ``overrides`` (``"left:centre=0.5"`` or
    :class:`~hemicycle.sim.features.TransferOverride`), the Monte Carlo ``backend`` and ``chunk``,
    the transfer ``estimator`` (``regression`` or ``ei``), a ``progress`` bar and the bootstrap
    replicates of each fit (``n_boot``, part of the fit cache's key)."""

    sims: int = DEFAULT_SIMS
    seed: int | None = None
    withdrawals: Any = None  # str, a FrontRepublicain, or None
    lineup: str | Path | None = None
    #: what-ifs on the transfers, as values or as text (``"left:centre=0.5"``), parsed here
    overrides: tuple[TransferOverride | str, ...] = field(default=())
    backend: str | None = None
    chunk: int | None = None
    estimator: str = "regression"
    progress: bool = False
    n_boot: int = N_BOOT

    def __post_init__(self) -> None:
        object.__setattr__(self, "sims", check_sims(self.sims))
        object.__setattr__(self, "seed", check_seed(self.seed))
        if not _is_int(self.n_boot) or int(self.n_boot) < 0:
            raise OptionError(f"n_boot must be >= 0; got {self.n_boot!r}")
        parsed = (
            TransferOverride.parse(v) if isinstance(v, str) else v for v in self.overrides or ()
        )
        object.__setattr__(self, "overrides", check_overrides(parsed))

    @property
    def transfer_overrides(self) -> tuple[TransferOverride, ...]:
        """:attr:`overrides`, every one a :class:`TransferOverride` (as parsed at creation)."""
        return tuple(v for v in self.overrides if isinstance(v, TransferOverride))
