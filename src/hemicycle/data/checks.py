"""The law's checks across an election's rounds, at ingest: what the source states against what
the law of the year (:func:`hemicycle.rules.law_for`) decides on its own published votes.

Where the source contradicts itself, the check returns a quirk (kept as published, reported; the
replay lists, not fails, the decisions it explains); what cannot be true (a round 2 in a
constituency absent from round 1, a round-2 candidate who did not stand in round 1, round 2
missing where nobody was elected) is a :class:`~hemicycle.errors.DataFileError`. Pure functions of
the rounds as read (:class:`~hemicycle.data.readers.common.RoundTable`); the store calls
:func:`cross_checks` inside its ingest transaction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hemicycle import rules
from hemicycle.data.outputs import is_formula
from hemicycle.data.readers.common import QuirkWarning, RoundTable
from hemicycle.errors import DataFileError
from hemicycle.rules import SEATS

__all__ = [
    "aggregated_check",
    "cross_checks",
    "flag_check",
    "formula_check",
    "lineup_check",
    "round1_status",
]


def cross_checks(
    year: int,
    rounds: dict[int, RoundTable],
    *,
    seats: int = SEATS,
    sample: bool = False,
) -> list[tuple[int, QuirkWarning]]:
    """Round 1 covers ``seats`` constituencies; round 2 is where round 1 decided nothing, its
    candidates stood in round 1 and qualified under the law of the year
    (:func:`hemicycle.rules.law_for`), and its elected flags name the most voted. Where the
    source contradicts itself, a quirk (kept, reported; the replay lists, not fails, it):
    ``lineup``, ``aggregated`` (a party column elected by the law where the file holds a
    round 2: the column sums several candidates), ``flag`` (round-2 flags that are not one,
    or not the most voted)."""
    r1 = rounds[1]
    n = len(r1.totals)
    if n != seats and not (sample and 0 < n < seats):
        raise DataFileError(
            f"round 1 covers {n} constituencies, expected {seats} (truncated file?)",
            file=r1.file,
        )
    out: list[tuple[int, QuirkWarning]] = []
    if 2 not in rounds:
        return out
    r2 = rounds[2]
    c1 = r1.candidates
    status = round1_status(r1, year)
    flagged = c1["elected"].astype("boolean")
    if flagged.isna().any():  # no official flag (the CDSP tables): decided by the law
        flagged = flagged.fillna(pd.Series(status.to_numpy() == rules.ELECTED, index=c1.index))
    decided = set(c1.loc[flagged.astype(bool), "constituency"]) | r2.decided
    r1_codes = set(r1.totals["constituency"])
    r2_codes = set(r2.totals["constituency"])
    unknown = sorted(r2_codes - r1_codes)
    if unknown:
        raise DataFileError(
            "constituency absent from round 1", file=r2.file, constituency=unknown[0]
        )
    missing = sorted(r1_codes - decided - r2_codes)
    # where the source explains it: round 1's votes do not add up (1988's 975-1: 240 votes for
    # 2,481 exprimés), or its round-2 row holds no count (1993's 78-8)
    explained = {q.constituency for q in r1.quirks if q.kind == "votes_sum"}
    explained |= {q.constituency for q in r2.quirks if q.kind == "no_counts"}
    for code in [c for c in missing if c in explained]:
        out.append(
            (
                2,
                QuirkWarning(
                    r2.file,
                    code,
                    "no_round2",
                    "no round 2 in the file, and no round-1 winner on the published votes",
                ),
            )
        )
    missing = [c for c in missing if c not in explained]
    if missing:
        raise DataFileError(
            f"{len(missing)} constituencies without a round-1 winner are missing from round 2 "
            f"(first: {missing[0]}; truncated file?)",
            file=r2.file,
            constituency=missing[0],
        )
    both = r2.candidates.merge(
        r1.candidates,
        on=["constituency", "panel"],
        how="left",
        suffixes=("", "_r1"),
        indicator=True,
    )
    orphan = both[both["_merge"] == "left_only"]
    if len(orphan):
        o = orphan.iloc[0]
        raise DataFileError(
            f"round-2 candidate panel {o.panel} did not stand in round 1",
            file=r2.file,
            constituency=o.constituency,
            column="panel",
        )
    out += [(2, q) for q in lineup_check(status, r2)]
    if r1.party_codes:
        out += [(1, q) for q in aggregated_check(status, r1, r2_codes)]
    out += [(2, q) for q in flag_check(r2)]
    changed = both["nuance"] != both["nuance_r1"]
    if "continues" in both:  # a declared continuation (1968's `PC` for `COM`): summarised
        changed &= ~both["continues"].astype(bool)
    for o in both[changed].itertuples():
        out.append(
            (
                2,
                QuirkWarning(
                    r2.file,
                    o.constituency,
                    "nuance_change",
                    f"{o.surname} (panel {o.panel}) changed nuance between rounds: "
                    f"{o.nuance_r1} → {o.nuance}",
                ),
            )
        )
    return out


def aggregated_check(status: pd.Series, r1: RoundTable, r2_codes: set[str]) -> list[QuirkWarning]:
    """Party columns (1958–1981) that the law elects in round 1 where the file holds a round
    2: a column sums the candidates of one family, so no candidate of it had the majority
    alone (each SOURCES.md counts them)."""
    hit = status[status == rules.ELECTED]
    return [
        QuirkWarning(
            r1.file,
            code,
            "aggregated",
            f"the {nuance} column has a majority by the law, but the file holds a round 2: "
            "the column sums several candidates of one family",
        )
        for (code, _), nuance in zip(
            hit.index,
            r1.candidates.set_index(["constituency", "panel"]).loc[hit.index, "nuance"],
            strict=True,
        )
        if code in r2_codes
    ]


def flag_check(r2: RoundTable) -> list[QuirkWarning]:
    """Round-2 elected flags that contradict the round's own votes: none or several flagged,
    or one flagged who is not the most voted (the law's winner, ties aside)."""
    c2 = r2.candidates
    flag = c2["elected"].astype("boolean")
    out = []
    for code, g in c2[flag.notna()].groupby("constituency", sort=False):
        f = g["elected"].astype(bool)
        top = g["votes"].max()
        most = set(g.loc[g["votes"] == top, "panel"])
        if int(f.sum()) == 1 and (len(most) > 1 or set(g.loc[f, "panel"]) == most):
            continue
        named = ", ".join(str(p) for p in g.loc[f, "panel"]) or "none"
        out.append(
            QuirkWarning(
                r2.file,
                str(code),
                "flag",
                f"round-2 elected flag on panel(s) {named}, but the most voted is panel "
                f"{', '.join(map(str, sorted(most)))}",
            )
        )
    return out


def round1_status(r1: RoundTable, year: int) -> pd.Series:
    """The law's round-1 status of each candidate (``rules.ELECTED``/``QUALIFIED``/
    ``ELIMINATED``) on the published votes, indexed by (constituency, panel) in the order of
    ``r1.candidates``."""
    c1 = r1.candidates
    codes = pd.Index(r1.totals["constituency"])
    row = codes.get_indexer(c1["constituency"])
    col = c1.groupby("constituency", sort=False).cumcount().to_numpy()
    shape = (len(codes), int(col.max()) + 1)
    votes, valid = np.zeros(shape, np.int64), np.zeros(shape, bool)
    votes[row, col] = c1["votes"].to_numpy(np.int64)
    valid[row, col] = True
    t = r1.totals.set_index("constituency").loc[codes]
    # a total NULLed as impossible (1993's 38-9) leaves the law nothing to judge there
    known = (t["registered"].notna() & t["expressed"].notna()).to_numpy()
    status = np.where(valid, rules.QUALIFIED, rules.ELIMINATED).astype(np.int8)
    status[known] = rules.round1_status(
        votes[known],
        valid[known],
        t["registered"].to_numpy()[known].astype(np.int64),
        t["expressed"].to_numpy()[known].astype(np.int64),
        law=rules.law_for(year),
    )
    return pd.Series(
        status[row, col], index=pd.MultiIndex.from_arrays([c1["constituency"], c1["panel"]])
    )


def lineup_check(status: pd.Series, r2: RoundTable) -> list[QuirkWarning]:
    """Round-2 candidates who did not qualify by law on the published round-1 votes (``status``:
    :func:`round1_status`): the source contradicts itself (2012: round-1 votes typed against
    the wrong names). Kept, reported."""
    qualified = status == rules.QUALIFIED
    out = []
    for o in r2.candidates.itertuples(index=False):
        if not qualified.get((o.constituency, o.panel), True):
            out.append(
                QuirkWarning(
                    r2.file,
                    o.constituency,
                    "lineup",
                    f"{o.surname} (panel {o.panel}, {o.nuance}) stood in round 2 without "
                    f"qualifying by law on the published round-1 votes",
                )
            )
    return out


def formula_check(t: RoundTable) -> list[QuirkWarning]:
    """A quirk ``formula`` for each name (candidate or constituency) a spreadsheet would run as a
    formula (``=HYPERLINK(…)``, ``@SUM(…)``): kept as published; hemicycle's CSVs write it with a
    leading ``'`` (:mod:`hemicycle.data.outputs`)."""
    out: list[QuirkWarning] = []
    for frame, columns in ((t.candidates, ("surname", "first_name")), (t.totals, ("name",))):
        for col in columns:
            if col not in frame:
                continue
            hit = frame[col].map(is_formula).astype(bool)
            for code, value in zip(
                frame.loc[hit, "constituency"], frame.loc[hit, col], strict=True
            ):
                out.append(
                    QuirkWarning(
                        t.file,
                        str(code),
                        "formula",
                        f"{col} {value!r} starts with {value[0]!r}, as a spreadsheet formula "
                        "does: kept as published, written with a leading ' in CSV outputs",
                    )
                )
    return out
