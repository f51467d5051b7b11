"""The API's response models, built from the domain's values: replays, projections, comparisons
and coalition games in, :mod:`hemicycle.web.schemas` models out.

Pure functions (no store, no cache, no lock, no HTTP): :class:`hemicycle.web.service.Service`
loads the values, calls these, and caches the JSON they serialise to.
"""

from collections.abc import Iterable
from typing import Any, cast

import numpy as np
import pandas as pd

from hemicycle import rules
from hemicycle.data.blocs import BLOCS, bloc_of, finalist_bloc, table
from hemicycle.options import SCENARIOS
from hemicycle.presidential import Presidential
from hemicycle.replays import STATUS_NAMES, Replay
from hemicycle.report import views
from hemicycle.report.palette import BLOC_COLOURS, BLOC_LABELS, SEATING, nuance_colours
from hemicycle.rules import MAJORITY, SEATS
from hemicycle.session import TRAINING_YEARS, publisher
from hemicycle.web import newsroom
from hemicycle.web import schemas as s
from hemicycle.web.errors import ApiError

#: The disproportionality and fragmentation indices of a comparison, in the API's order.
INDICES = ("gallagher", "loosemore_hanby", "enp_votes", "enp_seats")


def _label(year: int, nuance: str) -> str:
    return table().get((year, nuance), (nuance, "other"))[0] or nuance


def _bloc(year: int, nuance: str) -> s.Bloc:
    # an unclassified nuance is 'other', silently
    return bloc_of(year, nuance, warn=False)


def _blocs() -> list[s.Bloc]:
    """The seven blocs, left to right, as the API's literal type."""
    return list(BLOCS)


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _rounds(rep: Replay) -> list[int]:
    return [1] + ([2] if rep.election.round2 is not None else [])


def group_colours(year: int, unit: str, groups: Any) -> dict[str, str]:
    """The colour of each group (a bloc, or a nuance of ``year``)."""
    if unit == "bloc":
        return {g: BLOC_COLOURS.get(g, "#999999") for g in groups}
    return nuance_colours(year, list(groups))


# ----- the elections ----------------------------------------------------------------------------


def election_info(rep: Replay) -> s.ElectionInfo:
    e = rep.election
    return s.ElectionInfo(
        year=e.year,
        rounds=_rounds(rep),
        constituencies=e.n_constituencies,
        candidates_round1=int(e.round1.valid.sum()),
        candidates_round2=int(e.round2.valid.sum()) if e.round2 is not None else None,
        decided=rep.decided,
        map=views.has_contours(e.year),
    )


def elections(replays: Iterable[Replay], max_sims: int) -> s.Elections:
    """The store's elections (their replays, in year order) and the dashboard's constants."""
    infos, train = [], []
    for rep in replays:
        y = rep.election.year
        if rep.election.round2 is not None and y in TRAINING_YEARS:
            train.append(y)
        infos.append(election_info(rep))
    return s.Elections(
        elections=infos,
        train_years=train,
        blocs=[s.BlocInfo(bloc=b, label=BLOC_LABELS[b], colour=BLOC_COLOURS[b]) for b in _blocs()],
        seating=list(SEATING),
        seats=SEATS,
        majority=MAJORITY,
        scenarios=list(SCENARIOS),
        max_sims=max_sims,
    )


# ----- national results -------------------------------------------------------------------------


def round_totals(rep: Replay, i: int | None = None) -> list[s.RoundTotals]:
    """Registered, voters, blank, null and turnout per round held: of the whole country, or of
    constituency row ``i``."""
    e = rep.election
    out = []
    for n, rnd in ((1, e.round1), (2, e.round2)):
        if rnd is None:
            continue
        held = rnd.held if i is None else rnd.held & (np.arange(len(rnd.held)) == i)
        if not held.any():
            continue
        tot = {k: int(getattr(rnd, k)[held].sum()) for k in ("registered", "voters", "expressed")}
        out.append(
            s.RoundTotals(
                round=n,
                constituencies=int(held.sum()),
                **tot,
                blank=int(rnd.blank[held].sum()) if rnd.blank_separate else None,
                null=int(rnd.null[held].sum()),
                abstentions=tot["registered"] - tot["voters"],
                turnout=tot["voters"] / max(tot["registered"], 1),
            )
        )
    return out


def winners(rep: Replay) -> list[s.Winner]:
    """Every constituency's winner (its fields ``None`` where undecided), in the election's
    order."""
    e = rep.election
    labels = rep.labels()
    winners_nuance = rep.winner_nuance()
    out = []
    for i in range(e.n_constituencies):
        k = int(rep.winner[i])
        where = {
            "constituency": e.codes[i],
            "label": labels[e.codes[i]],
            "name": e.names[i],
            "department": e.departments[i],
            "department_name": e.department_names[i],
        }
        if k < 0:
            who: dict[str, Any] = dict.fromkeys(
                ("surname", "first_name", "nuance", "bloc", "round", "votes")
            )
        else:
            rnd = int(rep.winner_round[i])
            v = (e.round2.votes if rnd == 2 and e.round2 is not None else e.round1.votes)[i, k]
            n = winners_nuance[i]
            who = {
                "surname": e.surname[i, k],
                "first_name": e.first_name[i, k],
                "nuance": n,
                "bloc": _bloc(e.year, n),
                "round": rnd,
                "votes": int(v),
            }
        out.append(s.Winner(**where, **who))
    return out


def votes_round1(rep: Replay, colours: dict[str, str]) -> list[s.NuanceVotes]:
    """Round 1's votes and candidates by nuance, the most voted first."""
    e = rep.election
    r1 = e.round1
    votes: dict[str, int] = {}
    cands: dict[str, int] = {}
    for n, v in zip(r1.nuance[r1.valid].tolist(), r1.votes[r1.valid].tolist(), strict=True):
        votes[n] = votes.get(n, 0) + int(v)
        cands[n] = cands.get(n, 0) + 1
    expressed = max(int(r1.expressed.sum()), 1)
    return [
        s.NuanceVotes(
            nuance=n,
            label=_label(e.year, n),
            bloc=_bloc(e.year, n),
            colour=colours[n],
            candidates=cands[n],
            votes=v,
            share=v / expressed,
        )
        for n, v in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def results(rep: Replay) -> s.Results:
    """The national result: seats by nuance and bloc, round-1 votes, turnout and the winners."""
    e = rep.election
    year, r1 = e.year, e.round1
    nuances = sorted(
        {n for n in r1.nuance[r1.valid].tolist()} | {n for n in rep.winner_nuance() if n}
    )
    colours = nuance_colours(year, nuances)
    by_bloc = rep.seats_by_bloc()
    return s.Results(
        year=year,
        rounds=_rounds(rep),
        seats=e.house_size,  # the election's own house: 465 in 1958
        majority=e.majority,
        decided=rep.decided,
        replay_ok=rep.ok,
        mismatches=len(rep.mismatches),
        explained=len(rep.explained),
        verdict=rep.verdict(),
        source=publisher(year),
        seats_by_nuance=[
            s.NuanceSeats(
                nuance=n, label=_label(year, n), bloc=_bloc(year, n), colour=colours[n], seats=c
            )
            for n, c in rep.seats_by_nuance().items()
        ],
        seats_by_bloc=[s.BlocSeats(bloc=b, seats=by_bloc.get(b, 0)) for b in _blocs()],
        votes_round1=votes_round1(rep, colours),
        turnout=round_totals(rep),
        winners=winners(rep),
    )


# ----- one constituency -------------------------------------------------------------------------


def constituency_row(rep: Replay, code: str) -> int:
    """The row of constituency ``code`` (404 where the year has none)."""
    e = rep.election
    hits = np.flatnonzero(e.codes == code)
    if not len(hits):
        raise ApiError(
            404,
            "not_found",
            f"no constituency {code!r} in {e.year}; codes look like "
            f"0101, 2A01, 97101 or ZZ01 (department + number)",
        )
    return int(hits[0])


def candidates_round1(rep: Replay, i: int) -> list[s.Candidate1]:
    """Constituency row ``i``'s round-1 candidates, by votes then panel."""
    e = rep.election
    r1 = e.round1
    exp1 = max(int(r1.expressed[i]), 1)
    reg1 = max(int(r1.registered[i]), 1)
    known = e.birth[i] != rules.UNKNOWN_BIRTH
    cols = sorted(
        np.flatnonzero(r1.valid[i]), key=lambda k: (-int(r1.votes[i, k]), int(e.panel[i, k]))
    )
    return [
        s.Candidate1(
            panel=int(e.panel[i, k]),
            surname=e.surname[i, k],
            first_name=e.first_name[i, k],
            nuance=r1.nuance[i, k],
            bloc=_bloc(e.year, r1.nuance[i, k]),
            votes=int(r1.votes[i, k]),
            share=int(r1.votes[i, k]) / exp1,
            share_registered=int(r1.votes[i, k]) / reg1,
            status=STATUS_NAMES[int(rep.status1[i, k])],
            withdrawn=bool(rep.withdrawn[i, k]),
            incumbent=bool(e.incumbent[i, k]) if known[k] else None,
        )
        for k in cols
    ]


def candidates_round2(rep: Replay, i: int) -> list[s.Candidate2]:
    """Constituency row ``i``'s round-2 candidates, by votes (none where round 2 was not held)."""
    e = rep.election
    r2 = e.round2
    if r2 is None or not r2.held[i]:
        return []
    exp2 = max(int(r2.expressed[i]), 1)
    cols2 = sorted(np.flatnonzero(r2.valid[i]), key=lambda k: -int(r2.votes[i, k]))
    return [
        s.Candidate2(
            panel=int(e.panel[i, k]),
            surname=e.surname[i, k],
            first_name=e.first_name[i, k],
            nuance=r2.nuance[i, k],
            bloc=_bloc(e.year, r2.nuance[i, k]),
            votes=int(r2.votes[i, k]),
            share=int(r2.votes[i, k]) / exp2,
            elected=bool(rep.winner_round[i] == 2 and rep.winner[i] == k),
        )
        for k in cols2
    ]


def constituency_winner(rep: Replay, i: int) -> s.ConstituencyWinner | None:
    """Constituency row ``i``'s deputy (``None`` where undecided)."""
    e = rep.election
    k = int(rep.winner[i])
    if k < 0:
        return None
    rnd = int(rep.winner_round[i])
    rr = e.round2 if rnd == 2 and e.round2 is not None else e.round1
    n = rep.winner_nuance()[i]
    return s.ConstituencyWinner(
        panel=int(e.panel[i, k]),
        surname=e.surname[i, k],
        first_name=e.first_name[i, k],
        nuance=n,
        bloc=_bloc(e.year, n),
        round=rnd,
        votes=int(rr.votes[i, k]),
    )


def constituency(rep: Replay, code: str, before: Replay | None) -> s.Constituency:
    """One constituency's page: both rounds, its deputy, and the same seat at the election
    ``before`` (the previous one on the same boundaries, if any)."""
    e = rep.election
    i = constituency_row(rep, code)
    prev = newsroom.previous_seat(rep, before, code)
    return s.Constituency(
        year=e.year,
        constituency=code,
        label=rep.labels()[code],
        name=e.names[i],
        department=e.departments[i],
        department_name=e.department_names[i],
        runoff=bool(rep.runoffs[i]),
        totals=round_totals(rep, i),
        round1=candidates_round1(rep, i),
        round2=candidates_round2(rep, i),
        winner=constituency_winner(rep, i),
        unresolved_tie=code in rep.unresolved_ties,
        previous=s.Previous.model_validate(prev) if prev else None,
    )


# ----- newsroom ---------------------------------------------------------------------------------


def round1(rep: Replay) -> s.Round1:
    return s.Round1.model_validate(newsroom.round1_summary(rep))


def learnt_rates(train: int | str, frame: pd.DataFrame) -> s.LearntRates:
    return s.LearntRates(
        train=train,
        rates=[s.LearntRate.model_validate(r) for r in newsroom.learnt_rates(frame)],
    )


# ----- projection -------------------------------------------------------------------------------


def constituency_odds(rep: Replay, preds: pd.DataFrame) -> list[s.ConstituencyOdds]:
    """Each constituency's favourite (the highest ``p_win``, the first on ties), decided where
    round 1 elected or a single candidate remains."""
    e = rep.election
    row_of = {c: i for i, c in enumerate(e.codes.tolist())}
    decided1 = ~rep.runoffs
    n_cands = preds.groupby("constituency")["panel"].transform("size").to_numpy()
    lead = (
        preds.assign(n=n_cands)
        .sort_values(["constituency", "p_win"], ascending=[True, False], kind="stable")
        .drop_duplicates("constituency")
    )
    odds = []
    for r in lead.itertuples(index=False):
        i = row_of[r.constituency]
        k = int(np.flatnonzero(e.panel[i] == r.panel)[0])
        odds.append(
            s.ConstituencyOdds(
                constituency=r.constituency,
                panel=int(r.panel),
                surname=e.surname[i, k],
                nuance=r.nuance,
                bloc=r.bloc,
                p_win=float(r.p_win),
                decided=bool(decided1[i] or r.n == 1),
            )
        )
    return odds


def seat_intervals(seats: pd.DataFrame, kind: str) -> list[s.SeatInterval]:
    """The seat intervals of one ``kind`` of group (``bloc`` or ``nuance``)."""
    rows = seats[seats["kind"] == kind]
    return [
        s.SeatInterval(
            group=r.group,
            kind=cast(s.Unit, kind),
            mean=r.mean,
            median=r.median,
            lo=r.lo,
            hi=r.hi,
            p_majority=r.p_majority,
        )
        for r in rows.itertuples(index=False)
    ]


def projection(
    req: s.ProjectRequest, seed: int, rep: Replay, proj: Any, elapsed: float
) -> s.ProjectionOut:
    """A projection of ``req.year`` (whose replay is ``rep``) that took ``elapsed`` seconds."""
    preds = proj.preds
    return s.ProjectionOut(
        year=req.year,
        train=req.train,
        train_years=list(proj.train_years),
        sims=proj.sims,
        seed=seed,
        lineup=proj.lineup,
        overrides=req.overrides,
        blocs=seat_intervals(proj.seats, "bloc"),
        nuances=seat_intervals(proj.seats, "nuance"),
        p_any_majority=proj.p_any_majority,
        p_any_majority_nuance=proj.p_any_majority_nuance,
        constituencies=constituency_odds(rep, preds),
        closest=[
            s.Close(
                constituency=r.constituency,
                leader=r.leader,
                p_win=r.p_win,
                runner_up=r.runner_up,
            )
            for r in proj.closest.head(20).itertuples(index=False)
        ],
        candidates=[
            s.CandidateOdds(constituency=c, panel=int(k), p_win=round(float(pw), 4))
            for c, k, pw in zip(preds["constituency"], preds["panel"], preds["p_win"], strict=True)
        ],
        elapsed_s=round(elapsed, 3),
    )


# ----- counterfactual systems and coalitions ----------------------------------------------------


def _system_title(name: str) -> str:
    from hemicycle.systems import get

    return get(name.partition(":")[0]).title


def comparison(year: int, unit: str, cmp: Any) -> s.Comparison:
    """The seats each system of the comparison ``cmp`` gives, with its indices."""
    idx = cmp.indices_frame().set_index("system")
    out = []
    for a in cmp.allocations:
        row = idx.loc[a.system]
        colours = group_colours(year, unit, a.groups)
        out.append(
            s.SystemResult(
                system=a.system,
                title=_system_title(a.system),
                unit=a.unit,
                house_size=int(a.house_size),
                largest=str(row["largest"]),
                majority=bool(row["majority"]),
                notes=[str(n) for n in a.notes],
                seats=[
                    s.GroupSeats(group=g, colour=colours[g], seats=int(n), votes=int(v))
                    for g, n, v in zip(a.groups, a.seats, a.votes, strict=True)
                    if n
                ],
                indices={k: _finite(row[k]) for k in INDICES},
            )
        )
    return s.Comparison(year=year, unit=cast(s.Unit, unit), systems=out)


def _members(value: Any) -> list[str]:
    return value.split("+") if isinstance(value, str) else [str(m) for m in value]


def coalitions(year: int, system: str, unit: str, minimal: bool, g: Any) -> s.Coalitions:
    """The coalition game ``g`` (the first 500 coalitions; only the minimal winning ones when
    ``minimal``) with its power indices."""
    df = g.coalitions
    if minimal:
        df = df[df["minimal_winning"]]
    rows = [
        s.CoalitionRow(
            members=_members(r.coalition),
            seats=int(r.seats),
            minimal_winning=bool(r.minimal_winning),
            connected=bool(r.connected),
        )
        for r in df.head(500).itertuples(index=False)
    ]
    colours = group_colours(year, unit, g.groups)
    return s.Coalitions(
        year=year,
        system=system,
        unit=cast(s.Unit, unit),
        quota=int(g.quota),
        house_size=int(g.house),
        seats=[
            s.GroupSeats(group=n, colour=colours[n], seats=int(k), votes=None)
            for n, k in zip(g.groups, g.seats, strict=True)
        ],
        notes=[str(n) for n in g.notes],
        count=len(df),
        coalitions=rows,
        banzhaf={k: float(v) for k, v in g.banzhaf().items()},
        shapley={k: float(v) for k, v in g.shapley_shubik().items()},
    )


# ----- the presidential election by legislative constituency ----------------------------------

#: Colours of the candidates who were not finalists (the finalists take their bloc's), in the
#: order of their national votes; the rest grey.
OTHER_CANDIDATE_COLOURS = ("#F0E442", "#8C6D31", "#5D3A9B", "#999999")


def display_name(candidate: str) -> str:
    """A candidate's surname as a sentence writes it: ``LE PEN`` → ``Le Pen``, ``GISCARD
    D'ESTAING`` → ``Giscard d'Estaing``, ``François HOLLANDE`` → ``Hollande``."""
    surname = [w for w in candidate.split() if w == w.upper()] or candidate.split()
    words = []
    for i, word in enumerate(surname):
        w = "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))
        if w[:2] in ("D'", "L'") and len(w) > 2:
            w = w[:2].lower() + w[2:3].upper() + w[3:]
        elif i > 0 and w in ("De", "Du"):
            w = w.lower()
        words.append(w)
    return " ".join(words)


def presidential_claim(
    year: int, round_: int, assembly: dict[str, int], house: int, ties: int
) -> str:
    """``If the 2022 presidential round 2 were a legislative election, Macron would hold 418 of
    577 seats, Le Pen 158; 1 tie.``"""
    seats = [(display_name(c), n) for c, n in assembly.items()]
    if seats:
        (first, n), *rest = seats
        body = ", ".join(
            [f"{first} would hold {n} of {house} seats", *(f"{c} {k}" for c, k in rest)]
        )
    else:
        body = "nobody would hold a seat"
    tail = f"; {ties} tie{'s' if ties != 1 else ''}" if ties else ""
    return f"If the {year} presidential round {round_} were a legislative election, {body}{tail}."


def presidential(p: Presidential, round_: int, map_year: int | None) -> s.Presidential:
    """A round of ``p`` by constituency, its national result and "the presidential round as a
    legislative election" (:meth:`Presidential.assembly`)."""
    lead = p.leaders(round_)
    cands = p.candidates()
    cands = cands[cands["round"] == round_]
    national = p.national(round_)
    assembly = p.assembly(round_)
    total = max(int(national.sum()), 1)
    others = iter(OTHER_CANDIDATE_COLOURS)
    rows = []
    for cand, votes in national.items():
        bloc = finalist_bloc(p.year, str(cand))
        colour = BLOC_COLOURS[bloc] if bloc is not None else next(others, "#999999")
        rows.append(
            s.PresidentialCandidate(
                candidate=str(cand),
                name=display_name(str(cand)),
                bloc=bloc,
                colour=colour,
                votes=int(votes),
                share=int(votes) / total,
                seats=assembly.get(str(cand), 0),
            )
        )
    shares = {
        str(code): {
            str(c): float(v) for c, v in zip(g["candidate"], g["share_expressed"], strict=True)
        }
        for code, g in cands.groupby("constituency", sort=False)
    }
    names = dict(zip(p.totals["constituency"], p.totals["department_name"], strict=True))
    results = [
        s.PresidentialConstituency(
            constituency=str(r.constituency),
            label=str(r.label),
            department=str(r.constituency)[:-2],
            department_name=str(names.get(r.constituency) or ""),
            leader=str(r.leader) or None,
            leader_share=float(r.leader_share),
            runner_up=str(r.runner_up) or None,
            margin=float(r.margin),
            shares=shares.get(str(r.constituency), {}),
        )
        for r in lead.itertuples(index=False)
    ]
    house = len(results)
    ties = int((lead["leader"] == "").sum())
    return s.Presidential(
        year=p.year,
        round=round_,
        rounds=p.rounds,
        boundary_map=p.boundary_map,
        constituencies=house,
        majority=house // 2 + 1,
        ties=ties,
        assembly=assembly,
        claim=presidential_claim(p.year, round_, assembly, house, ties),
        map_year=map_year,
        national=rows,
        results=results,
    )
