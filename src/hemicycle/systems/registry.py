"""One registry of seat rules, one signature: ``rule(votes: Votes, **params) -> Allocation``.

Rules register themselves with :func:`register` (name, title; their parameters and defaults are
read from the rule's signature, the one place they are written); :func:`get` finds
them, :func:`parse_spec` reads ``NAME[:key=value[:key=value…]]`` (e.g. ``dhondt:threshold=0.03``)
and :func:`run` applies one. Unknown names and parameters raise :class:`OptionError` listing
the valid ones.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hemicycle.errors import OptionError
from hemicycle.systems.base import Allocation, Votes

Rule = Callable[..., Allocation]


@dataclass(frozen=True)
class System:
    name: str
    title: str
    rule: Rule = field(repr=False)
    defaults: dict[str, Any] = field(default_factory=dict, hash=False)
    #: True when the rule needs round-2 votes that may not exist (projected when they do not)
    needs_round2: bool = False

    @property
    def parameters(self) -> str:
        """The parameters and their defaults, ``key=value, …`` (empty when there are none)."""
        return ", ".join(f"{k}={v}" for k, v in self.defaults.items())

    def describe(self) -> str:
        opts = self.parameters
        return f"{self.title}" + (f" [{opts}]" if opts else "")


SYSTEMS: dict[str, System] = {}


def signature_defaults(fn: Rule) -> dict[str, Any]:
    """The parameters of a rule and their defaults, from its signature: every keyword-only
    parameter but ``name`` (the label of the result), each with a default whose type is the
    parameter's type.

    >>> def rule(v, *, name="x", threshold=0.05, method="dhondt"): ...
    >>> signature_defaults(rule)
    {'threshold': 0.05, 'method': 'dhondt'}
    """
    out: dict[str, Any] = {}
    for key, p in inspect.signature(fn).parameters.items():
        if p.kind is not p.KEYWORD_ONLY or key == "name":
            continue
        if p.default is p.empty:
            raise ValueError(f"rule {fn.__qualname__}: parameter {key!r} needs a default")
        out[key] = p.default
    return out


def register(name: str, title: str, *, needs_round2: bool = False) -> Callable[[Rule], Rule]:
    """Decorator: add a rule to :data:`SYSTEMS` under ``name``; its parameters and defaults are
    those of its signature (:func:`signature_defaults`)."""

    def deco(fn: Rule) -> Rule:
        if name in SYSTEMS:
            raise ValueError(f"system {name!r} registered twice")
        SYSTEMS[name] = System(name, title, fn, signature_defaults(fn), needs_round2)
        return fn

    return deco


def names() -> tuple[str, ...]:
    return tuple(SYSTEMS)


#: Other names people use for the registered systems (hyphens and case are also forgiven).
ALIASES: dict[str, str] = {
    "two_round": "actual",
    "baseline": "actual",
    "official": "actual",
    "first_round_plurality": "plurality",
    "first_past_the_post": "plurality",
    "fptp": "plurality",
    "d'hondt": "dhondt",
    "d_hondt": "dhondt",
    "jefferson": "dhondt",
    "webster": "sainte_lague",
    "saintelague": "sainte_lague",
    "largest_remainder": "hare",
    "hamilton": "hare",
    "departmental_pr": "departmental",
    "pr_1986": "departmental",
    "regional_pr": "regional",
    "mmp": "mixed",
    "mixed_member": "mixed",
    "bonus": "majority_bonus",
    "projection": "projected",
}


def get(name: str) -> System:
    """The system called ``name`` (or one of its :data:`ALIASES`).

    >>> get("Sainte-Lague").name, get("two_round").name
    ('sainte_lague', 'actual')
    """
    key = name.strip().lower().replace("-", "_").replace("ë", "e")
    key = ALIASES.get(key, key)
    try:
        return SYSTEMS[key]
    except KeyError:
        raise OptionError(f"unknown system {name!r}; allowed: {', '.join(SYSTEMS)}") from None


def _coerce(system: System, key: str, text: Any) -> Any:
    if key not in system.defaults:
        allowed = ", ".join(system.defaults) or "none"
        raise OptionError(f"system {system.name!r} has no parameter {key!r}; allowed: {allowed}")
    default = system.defaults[key]
    if not isinstance(text, str):
        return text
    try:
        if isinstance(default, bool):
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text.rstrip("%")) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise OptionError(
            f"system {system.name!r}: parameter {key}={text!r} is not a {type(default).__name__}"
        ) from None
    return text


def parse_spec(spec: str) -> tuple[System, dict[str, Any]]:
    """``"hare:threshold=0.03"`` → (the ``hare`` system, ``{"threshold": 0.03}``).

    >>> s, p = parse_spec("dhondt:threshold=3%")
    >>> s.name, p
    ('dhondt', {'threshold': 0.03})
    """
    name, *opts = spec.strip().split(":")
    system = get(name.strip())
    params: dict[str, Any] = {}
    for opt in opts:
        key, eq, value = opt.partition("=")
        if not eq:
            raise OptionError(f"system option {opt!r} in {spec!r} is not of the form key=value")
        params[key.strip()] = _coerce(system, key.strip(), value.strip())
    return system, params


def _shown(value: Any) -> str:
    """A parameter as a label shows it: a float in six digits (``0.05``, ``0.0312``) when that
    is the same number, else in full (``0.03902699``): two different values never share a label."""
    if isinstance(value, float):
        short = f"{value:g}"
        return short if float(short) == value else repr(value)
    return str(value)


def label(system: System, params: dict[str, Any]) -> str:
    """The name an allocation is reported under: the system name, plus non-default parameters.

    >>> [label(*parse_spec(f"dhondt:threshold={t}")) for t in ("3%", "0.03902699")]
    ['dhondt:threshold=0.03', 'dhondt:threshold=0.03902699']
    """
    extra = [f"{k}={_shown(v)}" for k, v in params.items() if system.defaults.get(k) != v]
    return ":".join([system.name, *extra])


def spec_key(system: System, params: dict[str, Any]) -> str:
    """The exact identity of a system with its parameters, for caches and de-duplication: the
    name and the non-default parameters in name order, floats by ``repr`` (never rounded: with
    six digits, ``threshold=0.03902698`` and ``0.03902699``, or ``bonus=0.9999999`` and ``1``,
    were one system).

    >>> spec_key(*parse_spec("dhondt:threshold=5%")) == spec_key(*parse_spec("dhondt"))
    True
    >>> [spec_key(*parse_spec(f"majority_bonus:bonus={b}")) for b in ("0.9999999", "1")]
    ['majority_bonus:bonus=0.9999999', 'majority_bonus:bonus=1.0']
    """
    extra = [f"{k}={v!r}" for k, v in sorted(params.items()) if system.defaults.get(k) != v]
    return ":".join([system.name, *extra])


def run(spec: str, votes: Votes) -> Allocation:
    system, params = parse_spec(spec)
    return system.rule(votes, name=label(system, params), **{**system.defaults, **params})
