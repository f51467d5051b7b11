"""An election as arrays: what the rules engine and the simulator work on.

:func:`load` turns the store's tidy tables into one frozen :class:`Election` whose candidate arrays
are indexed ``[constituency, candidate]``; candidates are sorted by panel number within each
constituency, and round 2 is aligned on the same columns (joined on (constituency, panel), never on
names). Padding cells have ``valid1 == False``, ``panel == -1``, zero votes and empty strings.

An election knows the law it was held under (:attr:`Election.law`, from its year:
:func:`hemicycle.rules.law_for`) and the size of its house (:attr:`Election.house_size`, one seat
per constituency: 577 today, 465 in 1958 and 474 in 1978 in the CDSP's files).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hemicycle import rules
from hemicycle.data.blocs import blocs_of
from hemicycle.data.notes import department_shown
from hemicycle.data.store import Store
from hemicycle.errors import HemicycleError, YearNotAvailableError
from hemicycle.rules import UNKNOWN_BIRTH, Law, house_majority, law_for


@dataclass(frozen=True, eq=False)
class Round:
    """Totals and candidate arrays of one round (C constituencies, K candidate columns)."""

    held: np.ndarray  # (C,) bool: a vote took place in this constituency in this round
    registered: np.ndarray  # (C,) int64
    voters: np.ndarray
    blank: np.ndarray
    null: np.ndarray
    expressed: np.ndarray
    valid: np.ndarray  # (C, K) bool: candidate stood in this round
    votes: np.ndarray  # (C, K) int64
    nuance: np.ndarray  # (C, K) str (object): as printed in this round's file
    official_elected: np.ndarray  # (C, K) bool: the source's outcome column (False where unknown)
    #: (C, K) bool: the source has an outcome flag for this candidate (default: everywhere)
    official_known: np.ndarray = None  # type: ignore[assignment]
    #: the source counts blank ballots apart from null ones; False where ``null`` holds both and
    #: ``blank`` is 0 (the CDSP's tables of 1997–2012: blank ballots were null until 2014)
    blank_separate: bool = True

    def __post_init__(self) -> None:
        if self.official_known is None:
            object.__setattr__(
                self, "official_known", np.ones_like(self.official_elected, dtype=bool)
            )


@dataclass(frozen=True, eq=False)
class Election:
    year: int
    codes: np.ndarray  # (C,) canonical constituency codes
    names: np.ndarray  # (C,) constituency names
    departments: np.ndarray  # (C,) canonical department codes
    #: (C,) as the Ministry writes them: the CDSP's capitals (1997–2012) are shown in the same
    #: code's Ministry spelling (:func:`~hemicycle.data.notes.department_shown`); the store keeps
    #: the source's
    department_names: np.ndarray
    panel: np.ndarray  # (C, K) int64, -1 for padding
    surname: np.ndarray  # (C, K) object
    first_name: np.ndarray  # (C, K) object
    birth: np.ndarray  # (C, K) int64 days since 1970-01-01; rules.UNKNOWN_BIRTH where unknown
    incumbent: np.ndarray  # (C, K) bool (False where unknown)
    round1: Round
    round2: Round | None
    #: constituencies whose round-2 lineup contradicts the published round-1 votes, a quirk of the
    #: source found at ingest (``quirks`` kind ``lineup``): the replay reports, not fails, them
    lineup_quirks: frozenset[str] = frozenset()
    #: every constituency's quirk kinds found at ingest (``lineup``, ``flag``, ``aggregated``,
    #: ``no_counts`` …): the replay lists, not fails, the decisions they explain
    quirk_kinds: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def n_constituencies(self) -> int:
        return int(self.codes.shape[0])

    @property
    def law(self) -> Law:
        """The version of the two-round law this election was held under (``law_for(year)``)."""
        return law_for(self.year)

    @property
    def house_size(self) -> int:
        """Seats of this election's Assembly as its files hold it: one per constituency (577 since
        1988). The CDSP's tables of 1958–1981 cover metropolitan France only (465 in 1958, 473 in
        1967–1973, 474 in 1978 and 1981), and 1988's lacks Mayotte (576 rows for 577 seats)."""
        return self.n_constituencies

    @property
    def majority(self) -> int:
        """An absolute majority of :attr:`house_size`: ``house_size // 2 + 1`` (289 of 577)."""
        return house_majority(self.house_size)

    def blocs(self, round_: int = 1) -> np.ndarray:
        """(C, K) bloc of each candidate, from the nuance printed in that round's file (``""``
        for padding); a candidate whose nuance the source left empty (1993's 3004) counts as
        ``other``, as an unclassified nuance does."""
        rnd = self.round1 if round_ == 1 else self.round2
        if rnd is None:
            raise HemicycleError(f"{self.year} has no round 2 in the store")
        flat = blocs_of(self.year, rnd.nuance.ravel().tolist())
        out = np.asarray(flat, dtype=object).reshape(rnd.nuance.shape)
        return np.where((out == "") & rnd.valid, "other", out)

    def round1_status(self) -> np.ndarray:
        """(C, K) the law's round-1 status of every candidate (``rules.ELIMINATED``/``QUALIFIED``/
        ``ELECTED``), on the published figures (the law counts the published ``expressed``), under
        the law of this election's year (:attr:`law`)."""
        r1 = self.round1
        return rules.round1_status(r1.votes, r1.valid, r1.registered, r1.expressed, law=self.law)

    def index(self, code: str) -> int:
        hits = np.flatnonzero(self.codes == code)
        if not len(hits):
            raise HemicycleError(f"no constituency {code!r} in {self.year}")
        return int(hits[0])


def _round(
    totals: pd.DataFrame,
    cands: pd.DataFrame,
    row: np.ndarray,
    col: np.ndarray,
    codes: pd.Index,
    shape: tuple[int, int],
) -> Round:
    t = totals.set_index("constituency").reindex(codes)
    # held where the round has a row of totals with a count, even one whose impossible fields the
    # store keeps as NULL (1968, 1978: inscrits or votants typed short; they read 0 below); not
    # where every count is NULL (1967's Rhône 11-13: no results in the source)
    held = t[["registered", "voters", "expressed"]].notna().any(axis=1).to_numpy()
    blank_separate = bool(t.loc[held, "blank"].notna().all())
    t = t.fillna(0)
    valid = np.zeros(shape, bool)
    votes = np.zeros(shape, np.int64)
    nuance = np.full(shape, "", dtype=object)
    elected = np.zeros(shape, bool)
    known = np.zeros(shape, bool)
    valid[row, col] = True
    votes[row, col] = cands["votes"].to_numpy(np.int64)
    nuance[row, col] = cands["nuance"].to_numpy(object)
    flag = cands["elected"].astype("boolean")
    elected[row, col] = flag.fillna(False).to_numpy(bool)
    known[row, col] = flag.notna().to_numpy(bool)
    return Round(
        held=held,
        **{
            k: t[k].to_numpy(np.int64)
            for k in ("registered", "voters", "blank", "null", "expressed")
        },
        valid=valid,
        votes=votes,
        nuance=nuance,
        official_elected=elected,
        official_known=known,
        blank_separate=blank_separate,
    )


def load(store: Store, year: int) -> Election:
    """The arrays of ``year`` from the store (ingest it first with :meth:`Store.ensure`)."""
    cons = store.query("SELECT * FROM constituencies WHERE year = ? ORDER BY constituency", [year])
    if cons.empty:
        raise YearNotAvailableError(
            f"{year} is not in the store {store.path}; run `hemicycle data ingest {year}`"
        )
    totals = store.query("SELECT * FROM totals WHERE year = ?", [year])
    cands = store.query(
        "SELECT * FROM candidates WHERE year = ? ORDER BY constituency, panel", [year]
    )
    cdcy = store.query(
        "SELECT constituency, panel, birth_date, incumbent FROM candidacies "
        "WHERE year = ? AND round = 1",
        [year],
    )
    codes = pd.Index(cons["constituency"])
    c1 = cands[cands["round"] == 1].reset_index(drop=True)
    row1 = codes.get_indexer(c1["constituency"])
    col1 = c1.groupby("constituency").cumcount().to_numpy()
    C, K = len(codes), int(col1.max()) + 1
    panel = np.full((C, K), -1, np.int64)
    panel[row1, col1] = c1["panel"].to_numpy(np.int64)
    surname = np.full((C, K), "", dtype=object)
    first = np.full((C, K), "", dtype=object)
    surname[row1, col1] = c1["surname"].to_numpy(object)
    first[row1, col1] = c1["first_name"].to_numpy(object)

    key1 = pd.MultiIndex.from_arrays([c1["constituency"], c1["panel"]])
    birth, incumbent = _candidacies(cdcy, key1, row1, col1, (C, K))

    r1 = _round(totals[totals["round"] == 1], c1, row1, col1, codes, (C, K))
    r2 = None
    c2 = cands[cands["round"] == 2].reset_index(drop=True)
    if len(c2):
        pos = key1.get_indexer(pd.MultiIndex.from_arrays([c2["constituency"], c2["panel"]]))
        if (pos < 0).any():  # the store checks this at ingest; keep the invariant explicit
            raise HemicycleError(f"{year}: a round-2 candidate has no round-1 record")
        r2 = _round(totals[totals["round"] == 2], c2, row1[pos], col1[pos], codes, (C, K))
    lineup = store.query(
        "SELECT DISTINCT constituency FROM quirks WHERE year = ? AND kind = 'lineup'", [year]
    )
    kinds = store.query(
        "SELECT constituency, list(DISTINCT kind) AS kinds FROM quirks WHERE year = ? "
        "GROUP BY constituency",
        [year],
    )
    return Election(
        lineup_quirks=frozenset(lineup["constituency"]),
        quirk_kinds={
            str(c): frozenset(k) for c, k in zip(kinds["constituency"], kinds["kinds"], strict=True)
        },
        year=year,
        codes=codes.to_numpy(object),
        names=cons["name"].to_numpy(object),
        departments=cons["department"].to_numpy(object),
        department_names=np.array(
            [
                department_shown(n, d)
                for n, d in zip(cons["department_name"], cons["department"], strict=True)
            ],
            dtype=object,
        ),
        panel=panel,
        surname=surname,
        first_name=first,
        birth=birth,
        incumbent=incumbent,
        round1=r1,
        round2=r2,
    )


def _candidacies(
    cdcy: pd.DataFrame,
    key1: pd.MultiIndex,
    row1: np.ndarray,
    col1: np.ndarray,
    shape: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """(C, K) birth dates (days since 1970; ``UNKNOWN_BIRTH`` where not published) and outgoing
    deputies, from the candidacies table (2024 only), placed at each round-1 candidate's cell."""
    birth = np.full(shape, UNKNOWN_BIRTH, np.int64)
    incumbent = np.zeros(shape, bool)
    if not cdcy.empty:
        ck = pd.MultiIndex.from_arrays([cdcy["constituency"], cdcy["panel"]])
        pos = ck.get_indexer(key1)
        ok = pos >= 0
        bd = pd.to_datetime(cdcy["birth_date"]).to_numpy("datetime64[D]").astype(np.int64)
        known = ~pd.isna(cdcy["birth_date"]).to_numpy()
        b = np.where(known, bd, UNKNOWN_BIRTH)
        birth[row1[ok], col1[ok]] = b[pos[ok]]
        incumbent[row1[ok], col1[ok]] = cdcy["incumbent"].to_numpy(bool)[pos[ok]]
    return birth, incumbent


def printed_nuance(election: Election) -> np.ndarray:
    """(C, K) nuance as printed in round 2 where the candidate stood there, else in round 1."""
    n1 = election.round1.nuance
    if election.round2 is None:
        return n1.copy()
    return np.where(election.round2.valid, election.round2.nuance, n1)
