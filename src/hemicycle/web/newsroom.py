"""What a newsroom publishes from, computed from a :class:`~hemicycle.replays.Replay`:
readable constituency labels, search by name, the round-1 situation of every constituency
(leader, runoff type, withdrawals), the same seat at the previous election, and the CSV exports.

Pure functions over replays (no store, no HTTP): the web app caches and serves them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hemicycle.data.blocs import BLOCS, bloc_of
from hemicycle.data.outputs import csv_rows
from hemicycle.replays import CANDIDATE_COLUMNS, SITUATIONS, Replay
from hemicycle.report.labels import normalise

SEARCH_LIMIT = 40

#: The columns of ``results.csv``: :meth:`Replay.candidates`'.
RESULTS_HEADER = CANDIDATE_COLUMNS
CONSTITUENCIES_HEADER = [
    "year",
    "constituency",
    "label",
    "department",
    "department_name",
    "round",
    "registered",
    "voters",
    "expressed",
    "turnout",
    "situation",
    "candidates",
    "leader_nuance",
    "leader_bloc",
    "withdrawals",
    "winner_surname",
    "winner_nuance",
    "winner_bloc",
]


def _bloc(year: int, nuance: str) -> str:
    return bloc_of(year, nuance, warn=False) if nuance else ""


# ----- labels and search ------------------------------------------------------------------------


#: "Haute-Garonne 3e", "Paris 5ème", "Ain 1re": the ordinal suffix is dropped.
_NUMBERED = re.compile(r"^(?P<name>.*?)\s*(?P<n>\d{1,2})\s*(e|eme|er|ere|re|nd|nde)?$")


@dataclass(frozen=True)
class Hit:
    code: str
    label: str
    year: int
    match: str  # code, constituency, department, deputy or candidate
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "label": self.label,
            "year": self.year,
            "match": self.match,
            "detail": self.detail,
        }


@dataclass(frozen=True, eq=False)
class SearchIndex:
    """One election's searchable names, normalised once (a search then only compares strings:
    the web app keeps one index per year instead of normalising every name on every request)."""

    year: int
    codes: tuple[str, ...]
    labels: dict[str, str]
    names: tuple[str, ...]  # constituency names
    departments: tuple[str, ...]
    department_names: tuple[str, ...]
    department_norm: tuple[str, ...]
    #: (constituency index, " " + first name surname, " " + surname first name, who, deputy?)
    people: tuple[tuple[int, str, str, str, bool], ...]

    @classmethod
    def of(cls, rep: Replay) -> SearchIndex:
        e = rep.election
        won = {(i, int(k)) for i, k in enumerate(rep.winner.tolist()) if k >= 0}
        rows, cols = np.nonzero(e.round1.valid)
        people = tuple(
            (
                i,
                " " + normalise(f"{e.first_name[i, k]} {e.surname[i, k]}"),
                " " + normalise(f"{e.surname[i, k]} {e.first_name[i, k]}"),
                f"{e.first_name[i, k]} {e.surname[i, k]} ({e.round1.nuance[i, k]})",
                (i, k) in won,
            )
            for i, k in zip(rows.tolist(), cols.tolist(), strict=True)
        )
        return cls(
            year=e.year,
            codes=tuple(e.codes.tolist()),
            labels=rep.labels(),
            names=tuple(str(n) for n in e.names.tolist()),
            departments=tuple(str(d) for d in e.departments.tolist()),
            department_names=tuple(str(n) for n in e.department_names.tolist()),
            department_norm=tuple(normalise(str(n)) for n in e.department_names.tolist()),
            people=people,
        )

    def search(self, query: str, limit: int = SEARCH_LIMIT) -> list[Hit]:
        """Constituencies matching ``query``: a code (``7505``), a constituency label (``Paris
        5``, ``Haute-Garonne 3e``), a department name (``Paris``) or a candidate's name
        (``ménard``, at the start of a word); accents and case do not matter."""
        q = normalise(query)
        if not q:
            return []
        codes = self.codes
        hits: list[Hit] = []
        seen: set[tuple[str, str]] = set()

        def add(i: int, match: str, detail: str) -> None:
            key = (codes[i], detail)
            if key not in seen:
                seen.add(key)
                hits.append(Hit(codes[i], self.labels[codes[i]], self.year, match, detail))

        compact = q.replace(" ", "").upper()
        for i, c in enumerate(codes):
            if c == compact or (len(compact) == 3 and c == "0" + compact):
                add(i, "code", self.names[i])
        m = _NUMBERED.match(q)
        if m and m.group("name"):
            want, n = m.group("name"), int(m.group("n"))
            for i, c in enumerate(codes):
                dep = self.departments[i]
                if (
                    self.department_norm[i] == want
                    and c.startswith(dep)
                    and c[len(dep) :].isdigit()
                    and int(c[len(dep) :]) == n
                ):
                    add(i, "constituency", self.names[i])
        for i, d in enumerate(self.department_norm):
            if d == q or (len(q) >= 3 and d.startswith(q)):
                add(i, "department", self.department_names[i])
        if len(q) >= 3:
            word = " " + q  # the name or one of its words starts with the query
            for i, full, rev, who, deputy in self.people:
                if word in full or word in rev:
                    add(i, "deputy" if deputy else "candidate", who)
        order = {"code": 0, "constituency": 1, "deputy": 2, "department": 3, "candidate": 4}
        hits.sort(key=lambda h: (order[h.match], h.code))
        return hits[:limit]


# ----- round-1 situation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Situation:
    """After round 1, in one constituency: the leader, the runoff type by law, the withdrawals."""

    code: str
    label: str
    leader_nuance: str
    leader_bloc: str
    leader_share: float  # of the votes expressed
    situation: str  # one of SITUATIONS
    qualified: int
    withdrawn: tuple[str, ...]  # blocs of the qualified candidates who withdrew
    contest: int | None  # candidates on the round-2 ballot (None: no round 2 in the data)

    def as_dict(self) -> dict[str, object]:
        return {
            "constituency": self.code,
            "label": self.label,
            "leader_nuance": self.leader_nuance,
            "leader_bloc": self.leader_bloc,
            "leader_share": self.leader_share,
            "situation": self.situation,
            "qualified": self.qualified,
            "withdrawn": list(self.withdrawn),
            "contest": self.contest,
        }


def situations(rep: Replay) -> list[Situation]:
    """:meth:`Replay.situations`, one value per constituency."""
    return [
        Situation(
            r.constituency,
            r.label,
            r.leader_nuance,
            r.leader_bloc,
            r.leader_share,
            r.situation,
            r.qualified,
            r.withdrawn,
            None if r.contest is None or r.contest != r.contest else int(r.contest),
        )
        for r in rep.situations().itertuples(index=False)
    ]


def round1_summary(rep: Replay) -> dict[str, object]:
    """The round-1 situation of every constituency, the national counts and "round 1 as the
    basis" (first-round plurality: the round-1 leader of each constituency takes the seat)."""
    sits = situations(rep)
    by_bloc = Counter(b for s in sits for b in s.withdrawn)
    leaders = Counter(s.leader_bloc for s in sits)
    return {
        "year": rep.election.year,
        "round2": rep.election.round2 is not None,
        "situations": {k: sum(s.situation == k for s in sits) for k in SITUATIONS},
        "withdrawals": {
            "total": sum(by_bloc.values()),
            "by_bloc": {b: by_bloc.get(b, 0) for b in BLOCS},
        },
        "plurality": {
            "seats": rep.election.house_size,
            "by_bloc": {b: leaders.get(b, 0) for b in BLOCS},
        },
        "constituencies": [s.as_dict() for s in sits],
    }


# ----- the same seat at the previous election -----------------------------------------------------


def bloc_shares(rep: Replay, i: int) -> dict[str, float]:
    """Round-1 share of the votes expressed by bloc in constituency row ``i``."""
    e = rep.election
    r1 = e.round1
    exp = max(int(r1.expressed[i]), 1)
    out: dict[str, float] = dict.fromkeys(BLOCS, 0.0)
    for k in np.flatnonzero(r1.valid[i]):
        out[_bloc(e.year, str(r1.nuance[i, k]))] += int(r1.votes[i, k]) / exp
    return out


def previous_seat(rep: Replay, before: Replay | None, code: str) -> dict[str, object] | None:
    """The same seat at ``before`` (same boundaries: the caller checks) and the round-1 swing by
    bloc, in points of the votes expressed; None when ``before`` has no such seat."""
    if before is None:
        return None
    e, p = rep.election, before.election
    here = np.flatnonzero(e.codes == code)
    there = np.flatnonzero(p.codes == code)
    if not len(here) or not len(there):
        return None
    i, j = int(here[0]), int(there[0])
    now, then = bloc_shares(rep, i), bloc_shares(before, j)
    k = int(before.winner[j])
    winner = None
    if k >= 0:
        nu = str(before.winner_nuance()[j])
        winner = {
            "surname": str(p.surname[j, k]),
            "first_name": str(p.first_name[j, k]),
            "nuance": nu,
            "bloc": _bloc(p.year, nu),
            "round": int(before.winner_round[j]),
        }
    return {
        "year": p.year,
        "winner": winner,
        "shares": {b: then[b] for b in BLOCS if then[b] > 0},
        "swing": {b: 100 * (now[b] - then[b]) for b in BLOCS if now[b] > 0 or then[b] > 0},
    }


# ----- CSV exports ------------------------------------------------------------------------------


def _csv(header: Sequence[str], rows: list[list[object]]) -> bytes:
    """UTF-8 CSV, LF; a name a spreadsheet would run as a formula gets a leading ``'``."""
    return csv_rows(header, rows)


def results_csv(rep: Replay) -> bytes:
    """:meth:`Replay.candidates` as CSV (``RESULTS_HEADER``), shares to six decimals."""
    df = rep.candidates()
    rows = [
        [*r[:10], f"{r[10]:.6f}", f"{r[11]:.6f}", r[12]]
        for r in df[RESULTS_HEADER].itertuples(index=False, name=None)
    ]
    return _csv(RESULTS_HEADER, rows)


def constituencies_csv(rep: Replay) -> bytes:
    """One row per constituency and round held: ``CONSTITUENCIES_HEADER``."""
    e = rep.election
    sits = {s.code: s for s in situations(rep)}
    wn = rep.winner_nuance()
    rows: list[list[object]] = []
    for rnd_no, rnd in ((1, e.round1), (2, e.round2)):
        if rnd is None:
            continue
        for i, code in enumerate(e.codes.tolist()):
            if not rnd.held[i]:
                continue
            s = sits[code]
            k = int(rep.winner[i])
            won_here = k >= 0 and int(rep.winner_round[i]) == rnd_no
            rows.append(
                [
                    e.year,
                    code,
                    s.label,
                    e.departments[i],
                    e.department_names[i],
                    rnd_no,
                    int(rnd.registered[i]),
                    int(rnd.voters[i]),
                    int(rnd.expressed[i]),
                    f"{int(rnd.voters[i]) / max(int(rnd.registered[i]), 1):.6f}",
                    s.situation,
                    int(rnd.valid[i].sum()),
                    s.leader_nuance if rnd_no == 1 else "",
                    s.leader_bloc if rnd_no == 1 else "",
                    len(s.withdrawn) if rnd_no == 1 else "",
                    e.surname[i, k] if won_here else "",
                    wn[i] if won_here else "",
                    _bloc(e.year, str(wn[i])) if won_here else "",
                ]
            )
    return _csv(CONSTITUENCIES_HEADER, rows)


# ----- learnt transfer rates, as the what-if sliders take them ------------------------------------


def learnt_rates(frame: object) -> list[dict[str, object]]:
    """From ``Session.transfers(train).to_frame()``: for each (origin, destination) pair, the
    learnt share of ``origin``'s voters backing ``destination``'s candidate(s) in the runoffs
    where ``origin`` has no candidate and ``destination`` has one — what a
    :class:`~hemicycle.sim.features.TransferOverride` replaces — averaged over the runoff
    configurations, weighted by their training runoffs (the pooled rates when several elections
    train; for one, the regression where fitted, else the Luce model)."""
    import pandas as pd

    df = pd.DataFrame(frame).copy()
    df["dest"] = df["destination"].astype(str).str.replace(r"#\d+$", "", regex=True)
    if (df["method"] == "pooled").any():
        df = df[df["method"] == "pooled"]
    fitted = set(df.loc[df["method"] == "regression", "config"])
    df = df[(df["method"] == "regression") | ~df["config"].isin(fitted)]
    df = df.groupby(["config", "n_runoffs", "origin", "dest"], as_index=False)["estimate"].sum()
    out = []
    for origin in (*BLOCS, "nonvoter"):
        for dest in BLOCS:
            if dest == origin:
                continue
            members = df["config"].str.split("+")
            rows = df[
                (df["origin"] == origin)
                & (df["dest"] == dest)
                & ~members.apply(lambda m, o=origin: o in m)
            ]
            if rows.empty:
                continue
            w = rows["n_runoffs"].clip(lower=1).astype(float)
            out.append(
                {
                    "origin": origin,
                    "destination": dest,
                    "rate": float((rows["estimate"] * w).sum() / w.sum()),
                    "runoffs": int(rows["n_runoffs"].sum()),
                }
            )
    return out
