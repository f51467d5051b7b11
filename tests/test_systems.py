"""Counterfactual systems: published figures on the 2024 votes, a sweep of every registered system,
properties on random elections, and named errors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hemicycle import rules, systems
from hemicycle import session as api
from hemicycle.election import Election, Round
from hemicycle.errors import OptionError, YearNotAvailableError
from hemicycle.replays import replay
from hemicycle.systems import Unit, Votes
from hemicycle.systems.compare import SEATS_COLUMNS

SIMS = 300

# ----------------------------------------------------------------------------- a tiny election

NUANCES = np.array(["RN", "UG", "ENS", "LR", "REG"], dtype=object)


def tiny_election(
    votes: np.ndarray,
    registered: np.ndarray,
    departments: list[str],
    *,
    with_round2: bool = True,
    seed: int = 0,
) -> Election:
    """An election of C constituencies and K candidates (nuances cycling through NUANCES); its round
    2 (when asked) is the law's lineup with made-up votes."""
    C, K = votes.shape
    rng = np.random.default_rng(seed)
    valid = votes >= 0
    v = np.where(valid, votes, 0).astype(np.int64)
    expressed = v.sum(axis=1)
    nuance = np.where(
        valid, NUANCES[(np.arange(K)[None, :] + np.arange(C)[:, None]) % len(NUANCES)], ""
    )
    r1 = Round(
        held=np.ones(C, bool),
        registered=registered.astype(np.int64),
        voters=expressed,
        blank=np.zeros(C, np.int64),
        null=np.zeros(C, np.int64),
        expressed=expressed,
        valid=valid,
        votes=v,
        nuance=nuance.astype(object),
        official_elected=np.zeros((C, K), bool),
    )
    r2 = None
    if with_round2:
        status = rules.round1_status(v, valid, registered, expressed)
        q = status == rules.QUALIFIED
        v2 = np.where(q, rng.integers(1, 1000, size=(C, K)), 0).astype(np.int64)
        held = q.any(axis=1)
        r2 = Round(
            held=held,
            registered=registered.astype(np.int64),
            voters=v2.sum(axis=1),
            blank=np.zeros(C, np.int64),
            null=np.zeros(C, np.int64),
            expressed=v2.sum(axis=1),
            valid=q,
            votes=v2,
            nuance=np.where(q, nuance, "").astype(object),
            official_elected=np.zeros((C, K), bool),
        )
    codes = np.array([f"{d}{i + 1:02d}" for i, d in enumerate(departments)], dtype=object)
    return Election(
        year=2024,
        codes=codes,
        names=codes.copy(),
        departments=np.array(departments, dtype=object),
        department_names=np.array(departments, dtype=object),
        panel=np.where(valid, np.arange(1, K + 1)[None, :], -1).astype(np.int64),
        surname=np.where(valid, "X", "").astype(object),
        first_name=np.where(valid, "Y", "").astype(object),
        birth=rng.integers(-10_000, 10_000, size=(C, K)).astype(np.int64),
        incumbent=np.zeros((C, K), bool),
        round1=r1,
        round2=r2,
    )


TINY = tiny_election(
    np.array([[400, 300, 200, 100], [500, 450, 50, -1], [300, 290, 280, 130], [900, 50, 30, 20]]),
    np.array([1500, 1400, 1300, 1600]),
    ["01", "01", "75", "75"],
)


@pytest.mark.parametrize("name", systems.names())
@pytest.mark.parametrize("unit", ["nuance", "bloc"])
def test_every_registered_system_runs_on_a_tiny_election(name: str, unit: str) -> None:
    """The sweep: every system, same signature, seats summing to its house size."""
    v = Votes(TINY, Unit(unit))
    if name == "projected":  # needs transfers learnt from an earlier election
        with pytest.raises(OptionError, match="earlier election"):
            systems.run(name, v)
        return
    a = systems.run(name, v)
    assert a.system == name and a.unit == unit
    assert sum(a.seats) == a.house_size >= TINY.n_constituencies
    assert all(s >= 0 for s in a.seats)
    assert set(a.as_dict()) <= set(a.groups)
    assert a.as_dict() == systems.run(name, Votes(TINY, Unit(unit))).as_dict()  # deterministic


elections = st.integers(2, 6).flatmap(
    lambda C: st.tuples(
        st.lists(st.lists(st.integers(0, 5_000), min_size=4, max_size=4), min_size=C, max_size=C),
        st.lists(st.integers(0, 3), min_size=C, max_size=C),
        st.integers(0, 2**16),
    )
)


@settings(max_examples=40, deadline=None)
@given(elections)
def test_seats_sum_to_the_house_size_on_random_elections(data) -> None:
    votes, deps, seed = data
    v = np.array(votes) + 1
    reg = (v.sum(axis=1) * 1.6).astype(np.int64)
    e = tiny_election(v, reg, [("01", "75", "2A", "971")[d] for d in deps], seed=seed)
    for name in systems.names():
        if name == "projected":
            continue
        a = systems.run(name, Votes(e, Unit("nuance")))
        assert sum(a.seats) == a.house_size, name
        if name in ("actual", "plurality") or name.startswith("two_round"):
            assert a.house_size == e.n_constituencies
            assert a.winners is not None and (a.winners != "").all()


def test_single_member_systems_agree_with_the_law_on_the_tiny_election() -> None:
    v = Votes(TINY, Unit("nuance"))
    # plurality: the first candidate leads everywhere here
    assert systems.run("plurality", v).winners.tolist() == TINY.round1.nuance[:, 0].tolist()
    # the actual system replays the law on the (made-up) official round 2
    rep = replay(TINY)
    assert systems.run("actual", v).winners.tolist() == rep.winner_nuance().tolist()
    # a variant whose lineups differ and no projector: decided on round-1 votes, and it says so
    a = systems.run("two_round_top_two", v)
    assert any("no transfers" in n for n in a.notes)


def test_an_election_carries_its_law_and_its_house() -> None:
    """The law applied is the election's year's; the house is its constituencies."""
    assert TINY.law is rules.LAW_1976 and (TINY.house_size, TINY.majority) == (4, 3)
    older = replace(TINY, year=1967)
    assert older.law is rules.LAW_1966
    Q, X = rules.QUALIFIED, rules.ELIMINATED
    # 130 of 1,300 registered: 10 % qualifies under the 1966 law, 12.5 % does not today
    assert replay(TINY).status1[2].tolist() == [Q, Q, Q, X]
    assert replay(older).status1[2].tolist() == [Q, Q, Q, Q]
    assert older.round1_status()[2].tolist() == [Q, Q, Q, Q]
    with pytest.raises(YearNotAvailableError, match="1986 was elected by proportional"):
        replay(replace(TINY, year=1986))


def test_a_465_seat_election_allocates_465_seats() -> None:
    """1958's house (465 constituencies): every system shares the election's own seats and its
    majority is 233, never 577's 289."""
    rng = np.random.default_rng(58)
    votes = rng.integers(1, 1000, size=(465, 4))
    e = replace(tiny_election(votes, votes.sum(axis=1) * 2, ["01"] * 465), year=1958)
    assert (e.house_size, e.majority, e.law) == (465, 233, rules.LAW_1958)
    v = Votes(e, Unit("nuance"))
    for name in ("actual", "plurality", "dhondt", "majority_bonus"):
        a = systems.run(name, v)
        assert (a.house_size, sum(a.seats), a.majority) == (465, 465, 233), name


def test_majority_bonus_and_mixed_parameters() -> None:
    v = Votes(TINY, Unit("nuance"))
    leader = next(iter(v.national))
    base = systems.run("majority_bonus:bonus=0", v).as_dict(nonzero=False)
    half = systems.run("majority_bonus:bonus=0.5", v).as_dict(nonzero=False)
    assert half[leader] >= 2 + base[leader] - 1  # 2 bonus seats of 4, the rest shared again
    m = systems.run("mixed:list_seats=3", v)
    assert m.house_size == 7 and m.system == "mixed:list_seats=3"
    b = systems.run("mixed:list_seats=1:overhang=balance", v)
    constituency = systems.run("actual", v).as_dict()
    assert all(b.as_dict(nonzero=False).get(g, 0) >= s for g, s in constituency.items())


def test_unknown_names_list_the_valid_ones() -> None:
    v = Votes(TINY, Unit("nuance"))
    with pytest.raises(OptionError, match="allowed: actual, plurality"):
        systems.run("stv", v)
    with pytest.raises(OptionError, match="has no parameter 'seuil'; allowed: threshold"):
        systems.run("dhondt:seuil=0.03", v)
    with pytest.raises(OptionError, match="not a float"):
        systems.run("dhondt:threshold=cinq", v)
    with pytest.raises(OptionError, match="allowed: keep, balance"):
        systems.run("mixed:overhang=cap", v)
    with pytest.raises(OptionError, match="allowed: nuance, bloc"):
        Unit("party")


def test_a_system_named_twice_runs_once() -> None:
    """Same system, same options (defaults included) is one system, listed where it first
    appears; the CLI and the web app both take their list from here."""
    assert systems.compare_specs("actual,actual,dhondt,dhondt:threshold=0.05") == [
        "actual",
        "dhondt",
    ]
    assert systems.compare_specs("dhondt:threshold=3%,dhondt") == ["dhondt:threshold=3%", "dhondt"]
    assert systems.compare_specs("all,actual") == list(systems.SYSTEMS)
    cmp = systems.compare(Votes(TINY, Unit("nuance")), "plurality,actual,plurality")
    assert [a.system for a in cmp.allocations] == ["plurality", "actual"]
    # `all` without a projector leaves the projected Assembly out, and says why
    every = systems.compare(Votes(TINY, Unit("nuance")), None)
    assert [n for n, _ in every.skipped] == ["projected"]
    assert "projected" not in [a.system for a in every.allocations]
    assert "transfers learnt from earlier elections" in every.skipped[0][1]
    # so does `all` named (alone or with others); the projected Assembly named itself raises
    for specs in ("all", ["all", "actual"], "dhondt,all"):
        cmp = systems.compare(Votes(TINY, Unit("nuance")), specs)
        assert [n for n, _ in cmp.skipped] == ["projected"], specs
    with pytest.raises(OptionError, match="transfers learnt from earlier elections"):
        systems.compare(Votes(TINY, Unit("nuance")), "all,projected")


def test_results_have_short_reprs() -> None:
    """What a notebook shows of a result: its summary, not its arrays."""
    from hemicycle import govern

    cmp = systems.compare(Votes(TINY, Unit("nuance")), "actual,plurality")
    rep = replay(TINY)
    g = govern.analyse({"left": 3, "right": 2, "centre": 2})
    for obj, start in ((cmp, "Comparison(year="), (rep, "Replay(year="), (g, "Govern(house=7")):
        text = repr(obj)
        assert text.startswith(start) and len(text) < 400 and "array(" not in text, text
    assert "actual: " in repr(cmp) and "winning_coalitions=" in repr(g)


def test_alliance_units() -> None:
    u = Unit("camps", {"far_right": "RN+", "UG": "NFP"})
    assert u.labels(2024, ["RN", "UXD", "UG", "DVG", ""]) == ["RN+", "RN+", "NFP", "DVG", ""]
    assert Unit("bloc").order(2024, ["right", "left", "far_right"]) == [
        "left",
        "right",
        "far_right",
    ]


# ----------------------------------------------------------------------------- 2024, real data


@pytest.fixture(scope="module")
def cmp24(store_path):
    from hemicycle.data.store import Store

    with Store(store_path) as st:
        return api.Session(st).compare(2024, sims=SIMS, seed=0)


def test_2024_first_round_plurality_published_figures(cmp24, store) -> None:
    # an independent count from the store: each constituency's round-1 leader, in SQL
    leaders = store.query(
        "SELECT nuance, count(*) AS n FROM (SELECT constituency, arg_max(nuance, votes) AS nuance "
        "FROM candidates WHERE year = 2024 AND round = 1 GROUP BY constituency) GROUP BY nuance"
    )
    assert cmp24["plurality"].as_dict() == dict(zip(leaders["nuance"], leaders["n"], strict=True))
    assert cmp24["plurality"].as_dict() == {
        "RN": 259,
        "UG": 155,
        "ENS": 62,
        "UXD": 37,
        "DVD": 18,
        "LR": 16,
        "DVG": 12,
        "REG": 9,
        "DVC": 3,
        "HOR": 3,
        "ECO": 1,
        "EXD": 1,
        "SOC": 1,
    }
    far_right = sum(cmp24["plurality"].as_dict().get(n, 0) for n in ("RN", "UXD", "EXD"))
    assert far_right == 297 >= 289


def test_2024_national_dhondt_published_figures(cmp24) -> None:
    assert cmp24["dhondt"].as_dict() == {"RN": 201, "UG": 193, "ENS": 138, "LR": 45}


def test_2024_actual_is_the_official_assembly(cmp24, store) -> None:
    rep = api.Session(store).replay(2024)
    assert cmp24["actual"].as_dict() == rep.seats_by_nuance()
    assert cmp24["actual"].notes == ()
    assert (cmp24["actual"].as_dict()["UG"], cmp24["actual"].as_dict()["RN"]) == (178, 125)


def test_2024_variants_project_only_the_runoffs_they_change(cmp24, store) -> None:
    rep = api.Session(store).replay(2024)
    changed = int(rep.withdrawn.any(axis=1).sum())  # constituencies where someone withdrew
    note = " ".join(cmp24["two_round_no_withdrawals"].notes)
    assert f"{changed} runoffs never held with this lineup" in note and "2017" in note
    # with no withdrawal at all, the far right does better than it did
    fr = lambda a: sum(s for g, s in a.as_dict().items() if g in ("RN", "UXD", "EXD"))  # noqa: E731
    assert fr(cmp24["two_round_no_withdrawals"]) > fr(cmp24["actual"])


def test_docs_two_round_no_withdrawals_row(store) -> None:
    """docs/systems.md's 2024 row is this command's output (`hemicycle compare 2024`: 2,000
    simulations, seed 0, transfers from every earlier election)."""
    a = api.Session(store).compare(2024, systems="two_round_no_withdrawals")[
        "two_round_no_withdrawals"
    ]
    row = " · ".join(f"{g} {n}" for g, n in list(a.as_dict().items())[:6])
    ix = a.indices()
    docs = (Path(__file__).resolve().parents[1] / "docs" / "systems.md").read_text()
    assert (
        f"| two_round_no_withdrawals | {row} (224 runoffs projected from 1997–2017) | "
        f"{ix['gallagher']:.1f} | {ix['enp_seats']:.2f} |" in docs
    ), row


def test_2024_every_system_and_its_indices(cmp24) -> None:
    assert [a.system for a in cmp24.allocations] == list(systems.names())
    df = cmp24.to_frame()
    assert list(df.columns) == SEATS_COLUMNS == ["system", "unit", "group", "seats"]
    assert df.groupby("system")["seats"].sum().to_dict() == {
        a.system: a.house_size for a in cmp24.allocations
    }
    ix = cmp24.indices_frame().set_index("system")
    # national PR is the least disproportional of the 577-seat list systems; plurality the most
    # among the single-member ones; and the bonus gives the leader a majority
    assert ix.loc["plurality", "gallagher"] > ix.loc["actual", "gallagher"]
    assert ix.loc["majority_bonus", "majority"] and not ix.loc["dhondt", "majority"]
    assert ix.loc["dhondt", "enp_seats"] < ix.loc["dhondt", "enp_votes"]


def test_2024_departmental_pr_shares_each_department(store) -> None:
    v = api.Session(store).votes(2024, train=None)
    a = systems.run("departmental", v)
    assert a.house_size == 577 and "107 departments" in a.notes[0]
    # Paris (18 seats) alone: D'Hondt with a 5% threshold on its own votes
    from hemicycle.systems import apportion

    paris = v.election.departments == "75"
    area = np.where(paris, 0, 1)
    votes_paris = v.by_area(area)[0]
    got = apportion.dhondt(
        np.array(list(votes_paris.values())),
        int(paris.sum()),
        threshold=0.05,
        base=int(v.election.round1.expressed[paris].sum()),
    )
    assert got.sum() == 18


def test_2024_bloc_unit_and_cli_csv(tmp_path, store_path) -> None:
    from typer.testing import CliRunner

    from hemicycle.cli import app

    out = tmp_path / "cmp.csv"
    res = CliRunner().invoke(
        app,
        [
            "compare",
            "2024",
            "--systems",
            "plurality,dhondt:threshold=0.03",
            "--unit",
            "bloc",
            "--output",
            str(out),
            "--indices-output",
            str(tmp_path / "idx.csv"),
            "--store",
            str(store_path),
        ],
    )
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert lines[0] == "system,unit,group,seats"
    assert "plurality,bloc,far_right,297" in lines
    assert any(ln.startswith("dhondt:threshold=0.03,bloc,") for ln in lines)
    idx = [ln.split(",") for ln in (tmp_path / "idx.csv").read_text().splitlines()]
    assert idx[0][:6] == ["system", "unit", "house_size", "largest", "largest_seats", "majority"]
    # 297 of 577 is a majority under plurality; no bloc has one under D'Hondt at 3 %
    assert [r[5] for r in idx[1:]] == ["true", "false"]
    bad = CliRunner().invoke(
        app, ["compare", "2024", "--systems", "stv", "--store", str(store_path)]
    )
    assert bad.exit_code == 1 and "unknown system 'stv'" in bad.output


def test_every_rule_module_is_listed_and_every_rule_registered() -> None:
    """A module of ``systems/`` that defines rules must be in ``RULE_MODULES`` (else its rules
    would silently not register), and every rule it decorates is in the registry."""
    import ast
    from pathlib import Path

    root = Path(systems.__file__).parent
    defining: dict[str, set[str]] = {}
    for path in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                for d in node.decorator_list:
                    if isinstance(d, ast.Call) and getattr(d.func, "id", None) == "register":
                        defining.setdefault(path.stem, set()).add(d.args[0].value)
    assert set(defining) == set(systems.RULE_MODULES)
    assert {n for ns in defining.values() for n in ns} == set(systems.SYSTEMS)
    module_of = {n: m for m, ns in defining.items() for n in ns}
    for s in systems.SYSTEMS.values():
        assert s.rule.__module__ == f"hemicycle.systems.{module_of[s.name]}"


def test_rule_defaults_come_from_the_signature() -> None:
    mixed = {"list_seats": 144, "threshold": 0.05, "overhang": "keep"}
    assert systems.get("mixed").defaults == mixed
    assert systems.get("two_round_expressed").defaults == {"share": 0.125}
    assert systems.get("actual").defaults == {}
    assert systems.get("dhondt").parameters == "threshold=0.05"
    assert systems.parse_spec("mixed:list_seats=100")[1] == {"list_seats": 100}
    with pytest.raises(OptionError, match="not a int"):
        systems.parse_spec("mixed:list_seats=many")
    from hemicycle.systems.registry import register

    def rule(v: Votes, *, name: str = "x", k: int) -> None:  # a parameter without a default
        raise AssertionError

    with pytest.raises(ValueError, match="needs a default"):
        register("no_default_rule", "t")(rule)
    assert "no_default_rule" not in systems.SYSTEMS


def test_every_system_runs_on_every_stored_year(store) -> None:
    """Every registered rule on every stored year (by bloc): its seats fill its house — including
    2012, where four constituencies' round-1 votes contradict their round-2 lineup (the candidates
    qualifying at 12.5 % of the votes cast all withdrew there: they stand)."""
    for year in store.years():
        s = api.Session(store)
        cmp = s.compare(year, unit="bloc", train=None)
        # the house is the election's own (465 in 1958), less at most the three constituencies
        # without results in the source (1967's and 1968's Rhône 11-13) and 1988's 975-01
        house = s.load(year).house_size
        for a in cmp.allocations:
            assert sum(a.as_dict().values()) == a.house_size >= house - 3, (year, a.system)
    cmp12 = api.Session(store).compare(
        2012, systems=["two_round_expressed"], unit="bloc", train=None
    )
    assert any("they all stand" in n for n in cmp12.allocations[0].notes)
