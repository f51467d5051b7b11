"""A presidential election read by legislative constituency, and "the presidential round 2 as a
legislative election": the claim made after every presidential election that the winner's voters
would have given them N seats.

The store keeps these elections in tables of their own (``presidential_*``,
:meth:`hemicycle.data.store.Store.ingest_presidential`), never beside the legislative ones; each
is on the boundary map of its time (1988 and 1995: metropolitan France only, as the CDSP's tables
are). A :class:`Presidential` is frozen: tidy per-candidate votes by round, and what follows from
them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from hemicycle.data.notes import constituency_label
from hemicycle.data.store import Store
from hemicycle.errors import YearNotAvailableError

__all__ = ["CANDIDATE_COLUMNS", "LEADER_COLUMNS", "Presidential", "load_presidential"]

#: :meth:`Presidential.candidates`' columns: one row per candidate, round and constituency.
CANDIDATE_COLUMNS = [
    "year",
    "round",
    "constituency",
    "label",
    "candidate",
    "votes",
    "share_expressed",
]
#: :meth:`Presidential.leaders`' columns: one row per constituency and round.
LEADER_COLUMNS = [
    "year",
    "round",
    "constituency",
    "label",
    "leader",
    "leader_share",
    "runner_up",
    "margin",
]


@dataclass(frozen=True, eq=False)
class Presidential:
    """The presidential election of ``year`` by legislative constituency (``boundary_map``: the
    constituencies of that time)."""

    year: int
    boundary_map: str
    totals: pd.DataFrame  # round, constituency, department_name, registered, voters, expressed
    votes: pd.DataFrame  # round, constituency, panel, surname, first_name, votes

    def __repr__(self) -> str:
        return (
            f"Presidential(year={self.year}, constituencies={self.n_constituencies}, "
            f"rounds={self.rounds}, assembly={self.assembly()})"
        )

    @property
    def rounds(self) -> list[int]:
        return sorted(int(r) for r in self.totals["round"].unique())

    @property
    def n_constituencies(self) -> int:
        return int(self.totals["constituency"].nunique())

    def candidates(self) -> pd.DataFrame:
        """One row per candidate, round and constituency (:data:`CANDIDATE_COLUMNS`): the
        candidate's name as the source writes it, votes and share of the votes expressed."""
        t = self.totals.set_index(["round", "constituency"])
        v = self.votes
        expressed = t.loc[list(zip(v["round"], v["constituency"], strict=True)), "expressed"]
        labels = self._labels()
        out = pd.DataFrame(
            {
                "year": self.year,
                "round": v["round"].to_numpy(),
                "constituency": v["constituency"].to_numpy(),
                "label": v["constituency"].map(labels).to_numpy(),
                "candidate": v["surname"].to_numpy(),
                "votes": v["votes"].to_numpy(),
                "share_expressed": v["votes"].to_numpy()
                / expressed.clip(lower=1).to_numpy(dtype=float),
            },
            columns=CANDIDATE_COLUMNS,
        )
        return out.sort_values(
            ["round", "constituency", "votes"], ascending=[True, True, False], kind="stable"
        ).reset_index(drop=True)

    def national(self, round_: int) -> pd.Series:
        """Votes by candidate over every constituency of the file, most first."""
        v = self.votes[self.votes["round"] == round_]
        return v.groupby("surname")["votes"].sum().sort_values(ascending=False, kind="stable")

    def leaders(self, round_: int | None = None) -> pd.DataFrame:
        """Who led each constituency in ``round_`` (default: the last round), with the share of
        the votes expressed and the margin over the runner-up in points (:data:`LEADER_COLUMNS`);
        a tie is a leader of ``""``."""
        r = max(self.rounds) if round_ is None else round_
        c = self.candidates()
        c = c[c["round"] == r]
        rows = []
        for code, g in c.groupby("constituency", sort=True):
            top = g.iloc[0]
            second = g.iloc[1] if len(g) > 1 else None
            tie = second is not None and int(second["votes"]) == int(top["votes"])
            rows.append(
                (
                    self.year,
                    r,
                    code,
                    top["label"],
                    "" if tie else top["candidate"],
                    float(top["share_expressed"]),
                    "" if second is None else second["candidate"],
                    100
                    * float(
                        top["share_expressed"]
                        - (second["share_expressed"] if second is not None else 0)
                    ),
                )
            )
        return pd.DataFrame(rows, columns=LEADER_COLUMNS)

    def assembly(self, round_: int | None = None) -> dict[str, int]:
        """The seats each candidate would hold if every constituency went to its leader in
        ``round_`` (default: the last round, the finalists): the presidential election as a
        legislative one, first past the post; ties are left out."""
        lead = self.leaders(round_)
        counts = lead.loc[lead["leader"] != "", "leader"].value_counts()
        return {str(k): int(n) for k, n in counts.items()}

    def _labels(self) -> dict[str, str]:
        t = self.totals.drop_duplicates("constituency")
        return {
            str(c): constituency_label(str(n or ""), str(c)[:-2], str(c))
            for c, n in zip(t["constituency"], t["department_name"], strict=True)
        }


def load_presidential(store: Store, year: int) -> Presidential:
    """The presidential election of ``year`` from the store (ingest it first with
    :meth:`~hemicycle.data.store.Store.ingest_presidential`)."""
    totals = store.query(
        "SELECT round, constituency, boundary_map, department_name, registered, voters, expressed "
        "FROM presidential_totals WHERE year = ? ORDER BY round, constituency",
        [year],
    )
    if totals.empty:
        raise YearNotAvailableError(
            f"the {year} presidential election is not in the store {store.path}; "
            f"run `hemicycle presidential {year}` (it is read in from the official files)"
        )
    votes = store.query(
        "SELECT round, constituency, panel, surname, first_name, votes "
        "FROM presidential_candidates WHERE year = ? ORDER BY round, constituency, panel",
        [year],
    )
    return Presidential(year, str(totals["boundary_map"].iloc[0]), totals, votes)
