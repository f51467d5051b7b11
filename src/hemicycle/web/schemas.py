"""Pydantic models of the web API: what each endpoint accepts and returns (the OpenAPI schema).

Models only: no computation here. Field names follow the CSV outputs of the CLI where they exist
(``constituency`` codes are canonical, ``share`` is a fraction of the votes expressed, ``lo``/``hi``
are the 5% and 95% quantiles).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# the API's literal types, spelt once where they live
from hemicycle.data.blocs import Bloc as Bloc
from hemicycle.errors import OptionError
from hemicycle.options import Scenario as Scenario
from hemicycle.options import TransferOverride, check_overrides
from hemicycle.replays import Status as Status
from hemicycle.web.errors import ErrorKind

Origin = Literal[Bloc, "nonvoter"]
#: The party-column tables of 1958–1981 have one column per party family and no names.
NAMELESS = "null in 1958–1981, whose tables give a party column, not a named candidate"
Unit = Literal["nuance", "bloc"]

#: Canonical constituency codes: ``0101``, ``2A01``, ``97101``, ``ZX01`` (case-insensitive here).
CODE_PATTERN = r"^[0-9A-Za-z]{4,5}$"


#: how department names are shown (report.labels.department)
DEPARTMENT_NAME = (
    "as the Ministry writes it, e.g. Ardèche (the CDSP's 1997–2012 tables write ARDECHE: the same "
    "code's Ministry spelling is shown)"
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Error(_Frozen):
    """Every error response: a machine-readable kind and one readable sentence."""

    error: ErrorKind = Field(
        description="kind: invalid_request (422), bad_request, bad_host, bad_option (400), "
        "not_found (404), method_not_allowed (405, with `Allow`), missing_round (409), "
        "too_large (413), client_closed (499, never seen by the client), internal_error (500), "
        "busy (503, with `Retry-After`), timeout (504), http_error (any other HTTP error)",
        examples=["not_found"],
    )
    detail: str = Field(
        description="what went wrong, in one sentence",
        examples=[
            "no election 2019 in the store; available: 1997, 2002, 2007, 2012, 2017, 2022, 2024"
        ],
    )


# ----- elections ------------------------------------------------------------------------------


class ElectionInfo(_Frozen):
    year: int
    rounds: list[int] = Field(description="rounds present in the store")
    constituencies: int
    candidates_round1: int
    candidates_round2: int | None = Field(description="null when round 2 is not in the store")
    decided: int = Field(description="constituencies with a winner in the data")
    map: bool = Field(
        description="the contours describe this year's constituencies: `map.svg` and "
        "`cartogram.svg` exist (2012 on; 1997-2007 used the 1986 map)"
    )


class BlocInfo(_Frozen):
    bloc: Bloc
    label: str
    colour: str = Field(description="CSS colour (colour-blind-safe palette)")


class Elections(_Frozen):
    elections: list[ElectionInfo]
    train_years: list[int] = Field(description="years with both rounds: usable as `train`")
    blocs: list[BlocInfo] = Field(description="the seven blocs, left to right")
    seating: list[Bloc] = Field(description="seating order in the hemicycle, left to right")
    seats: int
    majority: int
    scenarios: list[Scenario]
    max_sims: int


# ----- national results -----------------------------------------------------------------------


class NuanceSeats(_Frozen):
    nuance: str
    label: str
    bloc: Bloc
    colour: str
    seats: int


class BlocSeats(_Frozen):
    bloc: Bloc
    seats: int


class NuanceVotes(_Frozen):
    nuance: str
    label: str
    bloc: Bloc
    colour: str
    candidates: int
    votes: int
    share: float = Field(description="of the votes expressed in round 1, nationally")


class RoundTotals(_Frozen):
    round: int
    constituencies: int = Field(description="constituencies where this round was held")
    registered: int
    voters: int
    abstentions: int
    blank: int | None = Field(
        description="null where the source counts blank and null ballots together (1997–2012)"
    )
    null: int = Field(description="null ballots, blank ones included where blank is null")
    expressed: int
    turnout: float = Field(description="voters / registered")


class Winner(_Frozen):
    constituency: str
    label: str = Field("", description="department and number, e.g. Paris 5")
    name: str
    department: str
    department_name: str = Field(description=DEPARTMENT_NAME)
    surname: str | None = Field(description="null when the data has no winner (round 2 missing)")
    first_name: str | None
    nuance: str | None = Field(description="as printed in the file of the round won")
    bloc: Bloc | None
    round: int | None
    votes: int | None


class Results(_Frozen):
    year: int
    rounds: list[int]
    seats: int
    majority: int
    decided: int
    replay_ok: bool = Field(description="every decision of the law matches the official outcome")
    mismatches: int
    explained: int = Field(
        0, description="decisions that differ only where the source contradicts itself (a quirk)"
    )
    verdict: str = Field("", description="the replay's check in words")
    source: str = Field("", description="whose files the results are read from, in words")
    seats_by_nuance: list[NuanceSeats]
    seats_by_bloc: list[BlocSeats] = Field(description="all seven blocs, left to right")
    votes_round1: list[NuanceVotes]
    turnout: list[RoundTotals]
    winners: list[Winner] = Field(description="one per constituency, by code")


# ----- one constituency -----------------------------------------------------------------------


class Candidate1(_Frozen):
    panel: int
    surname: str | None = Field(description=NAMELESS)
    first_name: str | None = Field(description=NAMELESS)
    nuance: str
    bloc: Bloc
    votes: int
    share: float = Field(description="of the votes expressed")
    share_registered: float
    status: Status = Field(description="the law's round-1 decision")
    withdrawn: bool = Field(description="qualified by law but absent from the round-2 ballot")
    incumbent: bool | None = Field(description="null where the candidate lists are not in the data")


class Candidate2(_Frozen):
    panel: int
    surname: str | None = Field(description=NAMELESS)
    first_name: str | None = Field(description=NAMELESS)
    nuance: str
    bloc: Bloc
    votes: int
    share: float
    elected: bool


class ConstituencyWinner(_Frozen):
    panel: int
    surname: str | None = Field(description=NAMELESS)
    first_name: str | None = Field(description=NAMELESS)
    nuance: str
    bloc: Bloc
    round: int
    votes: int


class Previous(_Frozen):
    """The same seat at the previous election on the same boundaries."""

    year: int
    winner: dict[str, str | int] | None = Field(
        description="surname, first_name, nuance, bloc, round"
    )
    shares: dict[str, float] = Field(description="round-1 share of the votes expressed, by bloc")
    swing: dict[str, float] = Field(
        description="change in round-1 share since then, in points, by bloc"
    )


class Constituency(_Frozen):
    year: int
    constituency: str
    label: str = Field("", description="department and number, e.g. Paris 5")
    name: str
    department: str
    department_name: str = Field(description=DEPARTMENT_NAME)
    runoff: bool = Field(description="nobody was elected in round 1")
    totals: list[RoundTotals]
    round1: list[Candidate1] = Field(description="by votes, most first")
    round2: list[Candidate2] = Field(description="empty when there was no round 2 (or no data)")
    winner: ConstituencyWinner | None
    unresolved_tie: bool
    previous: Previous | None = Field(
        None,
        description="null when the previous election is not in the store or had other boundaries",
    )


class SearchHit(_Frozen):
    code: str
    label: str
    year: int
    match: Literal["code", "constituency", "department", "deputy", "candidate"]
    detail: str = Field(description="the constituency's name, the department or the candidate")


class Situation(_Frozen):
    constituency: str
    label: str
    leader_nuance: str
    leader_bloc: Bloc
    leader_share: float = Field(description="of the votes expressed in round 1")
    situation: Literal["elected", "duel", "three-way", "four-way"] = Field(
        description="elected in round 1, or the runoff the law produces (how many qualified)"
    )
    qualified: int
    withdrawn: list[Bloc] = Field(description="blocs of the qualified candidates who withdrew")
    contest: int | None = Field(
        description="candidates on the round-2 ballot; null: not in the data"
    )


class Withdrawals(_Frozen):
    total: int
    by_bloc: dict[str, int]


class Plurality(_Frozen):
    seats: int
    by_bloc: dict[str, int] = Field(
        description="round-1 leaders by bloc: seats under first-round plurality"
    )


class Round1(_Frozen):
    year: int
    round2: bool = Field(description="round 2 is in the data (withdrawals are known)")
    situations: dict[str, int]
    withdrawals: Withdrawals
    plurality: Plurality
    constituencies: list[Situation]


class LearntRate(_Frozen):
    origin: Origin
    destination: Bloc
    rate: float = Field(
        description="learnt share of `origin`'s voters backing `destination` where "
        "`origin` has no candidate and `destination` has one (runoff-weighted)"
    )
    runoffs: int


class FitStatus(_Frozen):
    active: bool = Field(description="a transfer fit is running")
    stage: str = Field(description="e.g. `2017: bootstrap` or `2012: cross-validation`")
    done: int
    total: int


class LearntRates(_Frozen):
    train: int | str = Field(
        description="the training elections: a year, or `all` (every earlier one)"
    )
    rates: list[LearntRate]


# ----- projection -----------------------------------------------------------------------------


class Override(_Frozen):
    """``rate`` of the round-1 voters of ``from`` vote for ``to``'s candidate wherever ``from`` has
    no candidate of its own in the runoff and ``to`` has one (e.g. left → centre 0.5: only half of
    the left's voters follow the withdrawals)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid")
    origin: Origin = Field(alias="from")
    destination: Bloc = Field(alias="to")
    rate: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _two_blocs(self) -> Override:
        if self.origin == self.destination:
            raise ValueError(
                f"'from' and 'to' must be two different blocs; got {self.origin!r} twice"
            )
        return self


class ProjectRequest(BaseModel):
    """The body of ``POST /api/project`` (``sims`` is capped by the server: see ``max_sims``)."""

    model_config = ConfigDict(extra="forbid")
    year: int = Field(
        description="the election whose round 2 is projected from its round 1",
        examples=[2024],
        strict=True,  # 2024.0, "2024" and true are not years
    )
    train: int | Literal["all"] = Field(
        "all",
        description="the elections whose round 1 → round 2 transfers are learnt: `all` (every "
        "earlier election with both rounds, pooled) or one earlier year",
        examples=["all", 2017],
    )
    sims: int = Field(10_000, ge=1, description="simulated elections", strict=True)
    seed: int | None = Field(
        None, ge=0, le=2**63 - 1, description="same seed, same result; null draws one (echoed back)"
    )
    withdrawals: Scenario | None = Field(
        None,
        description="round-2 lineup: data (official), none (every qualified candidate), "
        "front-republicain; null: data where the round 2 is known, else none",
    )
    overrides: list[Override] = Field(
        default_factory=list,
        max_length=len(Origin.__args__) * 7,  # type: ignore[attr-defined]
        description="what-ifs on the learnt transfers",
    )

    @model_validator(mode="after")
    def _consistent(self) -> ProjectRequest:
        """A (from, to) pair given twice, or one origin's rates adding up to more than 1, is
        refused as the CLI refuses it (:func:`hemicycle.options.check_overrides`)."""
        try:
            check_overrides(
                TransferOverride(o.origin, o.destination, o.rate) for o in self.overrides
            )
        except OptionError as exc:
            raise ValueError(str(exc)) from None
        return self


class SeatInterval(_Frozen):
    group: str
    kind: Literal["bloc", "nuance"]
    mean: float
    median: float
    lo: float = Field(description="5% quantile")
    hi: float = Field(description="95% quantile")
    p_majority: float = Field(description="P(at least 289 seats)")


class ConstituencyOdds(_Frozen):
    constituency: str
    panel: int = Field(description="the most likely winner")
    surname: str | None = Field(description=NAMELESS)
    nuance: str
    bloc: Bloc
    p_win: float
    decided: bool = Field(description="won in round 1, or alone on the round-2 ballot")


class CandidateOdds(_Frozen):
    constituency: str
    panel: int
    p_win: float


class Close(_Frozen):
    constituency: str
    leader: str
    p_win: float
    runner_up: str


class ProjectionOut(_Frozen):
    model_config = ConfigDict(frozen=True, populate_by_name=True)
    year: int
    train: int | str = Field(description="as requested: a year, or `all`")
    train_years: list[int] = Field(description="the elections the transfers were learnt from")
    sims: int
    seed: int
    lineup: str = Field(description="the scenario, as the library labels it")
    overrides: list[Override]
    blocs: list[SeatInterval] = Field(description="all seven blocs, left to right")
    nuances: list[SeatInterval]
    p_any_majority: float = Field(description="P(one bloc reaches 289 seats)")
    p_any_majority_nuance: float
    constituencies: list[ConstituencyOdds]
    closest: list[Close] = Field(description="the 20 most uncertain runoffs")
    candidates: list[CandidateOdds] = Field(
        default_factory=list, description="every projected candidate's P(win)"
    )
    elapsed_s: float


# ----- counterfactual systems and coalitions --------------------------------------------------


class GroupSeats(_Frozen):
    group: str
    colour: str
    seats: int
    votes: int | None = Field(description="national round-1 votes of the group, where known")


class SystemResult(_Frozen):
    system: str
    title: str
    unit: str
    house_size: int
    largest: str
    majority: bool = Field(description="the largest group holds an absolute majority")
    notes: list[str]
    seats: list[GroupSeats] = Field(description="groups with seats, most first")
    indices: dict[str, float | None] = Field(
        description="gallagher, loosemore_hanby, enp_votes, enp_seats (null where undefined)"
    )


class Comparison(_Frozen):
    year: int
    unit: Unit
    systems: list[SystemResult]


class CoalitionRow(_Frozen):
    members: list[str]
    seats: int
    minimal_winning: bool
    connected: bool


class Coalitions(_Frozen):
    year: int
    system: str
    unit: Unit
    quota: int
    house_size: int
    seats: list[GroupSeats] = Field(description="the Assembly: groups with seats, left to right")
    notes: list[str] = Field(
        description="how the system's seats were found, e.g. the runoffs never held that were "
        "projected (as in compare)"
    )
    count: int = Field(description="winning coalitions in all (minimal winning ones with minimal)")
    coalitions: list[CoalitionRow] = Field(description="by seats, most first (at most 500)")
    banzhaf: dict[str, float]
    shapley: dict[str, float]


# ----- the election night (GET /api/live) -------------------------------------------------


class LiveSeats(_Frozen):
    bloc: str
    mean: float
    median: float
    lo: float = Field(description="5% quantile of the seats (the 90% interval's low end)")
    hi: float = Field(description="95% quantile of the seats")
    p_majority: float = Field(description="probability of an absolute majority (289 of 577)")


class LiveInterval(_Frozen):
    mean: float
    lo: float
    hi: float


class LivePoint(_Frozen):
    poll: int
    at: str = Field(description="the night's clock, HH:MM:SS")
    declared: int
    seats: dict[str, LiveInterval]


class LiveCall(_Frozen):
    constituency: str
    candidate: str
    bloc: str
    probability: float = Field(description="the probability that they win, when called")
    at: str = Field(description="the night's clock at the call")


class LiveRace(_Frozen):
    constituency: str
    state: Literal["declared", "elected", "unopposed", "called", "projected"] = Field(
        description="declared (count final), elected in round 1, unopposed in round 2, called "
        "(at the night's threshold, not declared yet) or projected (the likeliest winner)"
    )
    panel: int
    candidate: str
    bloc: str
    probability: float = Field(description="1 where the seat is known, else P(this candidate wins)")


class Live(_Frozen):
    """The election night running beside this server (``hemicycle live --serve``), or none."""

    status: Literal["none", "running", "finished", "stopped", "failed"]
    message: str
    version: int = Field(description="bumped at every change (the response's ETag)")
    year: int | None
    round: int
    source: str
    poll: int
    at: str | None
    declared: int
    total: int | None
    headline: str | None = Field(description='"N of M declared"')
    seats: list[LiveSeats]
    won: dict[str, int] = Field(description="seats known by bloc: declared, round 1, unopposed")
    history: list[LivePoint] = Field(description="the projected Assembly after each update")
    calls: list[LiveCall] = Field(description="every race called before its count, in order")
    races: list[LiveRace] = Field(description="every constituency, in code order")
    failures: list[str] = Field(description="the latest warnings (at most 20)")


# ----- the presidential election by legislative constituency ----------------------------------


class PresidentialYears(_Frozen):
    years: list[int] = Field(description="the presidential elections in the store")
    known: list[int] = Field(description="every presidential election hemicycle reads")


class PresidentialCandidate(_Frozen):
    candidate: str = Field(description="as the source writes it (the key of `leader` and `shares`)")
    name: str = Field(description="for display, e.g. Le Pen")
    bloc: Bloc | None = Field(description="the finalists' bloc; null for the other candidates")
    colour: str = Field(description="CSS colour: the bloc's for a finalist")
    votes: int = Field(description="over the constituencies of the file")
    share: float = Field(description="of the votes expressed over those constituencies")
    seats: int = Field(description="constituencies led in this round (ties left out)")


class PresidentialConstituency(_Frozen):
    constituency: str
    label: str = Field(description="department and number, e.g. Paris 5")
    department: str
    department_name: str
    leader: str | None = Field(description="the candidate who led; null for a tie")
    leader_share: float = Field(description="the first's share of the votes expressed")
    runner_up: str | None = Field(description="null where one candidate stood alone")
    margin: float = Field(description="the first's lead over the second, in points")
    shares: dict[str, float] = Field(
        description="every candidate's share of the votes expressed in this round"
    )


class Presidential(_Frozen):
    """A presidential round read by legislative constituency, and the Assembly it would give if
    every constituency went to the candidate who led it (first past the post)."""

    year: int
    round: int
    rounds: list[int] = Field(description="the rounds in the store")
    boundary_map: str = Field(description="the legislative constituencies of the time, e.g. 2010")
    constituencies: int = Field(
        description="constituencies in the file (1988 and 1995: metropolitan France only)"
    )
    majority: int = Field(description="an absolute majority of those constituencies")
    ties: int = Field(description="constituencies where the first two tied (no seat)")
    assembly: dict[str, int] = Field(
        description="seats per candidate if every constituency went to its leader, most first"
    )
    claim: str = Field(description="the Assembly in one sentence")
    map_year: int | None = Field(
        description="a legislative election in the store on the same boundaries whose contours "
        "exist: its `map.svg` and `cartogram.svg` draw these constituencies (null: none, 1958–2007)"
    )
    national: list[PresidentialCandidate] = Field(description="most votes first")
    results: list[PresidentialConstituency] = Field(description="one per constituency, by code")
