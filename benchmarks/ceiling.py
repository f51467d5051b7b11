"""How many runoff winners can round 1 tell? A model-free ceiling for the projection's goal.

The projection's winners goal (#9: ≥ 90 % of each target's runoffs, 92 % for 2024) is measured
here against learners that are *given* each election's own round 2: for every election with both
rounds, its duels (two candidates in round 2; most runoffs) are predicted from round 1 by
10-fold cross-validation over whole departments, as the calibration does (§3 of
docs/projection.md), by

* ``leader``: the round-1 leader of the two wins;
* ``ridge``: a linear model of the round-2 log ratio per configuration on the round-1 bloc shares
  of the registered voters and the two candidates' own (the free regression's information);
* ``boosting``: gradient-boosted trees on the same, plus the round-1 log ratio (any non-linear,
  contextual transfer pattern round 1 holds);
* ``+presidential``: both again with the logit of Macron's share against Le Pen in the last
  presidential round 2 before the election (2017 for 2017, 2022 for 2022 and 2024), by
  constituency, where the mirror has it (docs/projection.md §8);
* ``ridge, in sample``: the linear model fitted to the very duels it is scored on (no held-out
  department: a bound from above, generous with its 50–150 parameters);
* ``+candidates``: both again with what is known of the two candidates themselves (the first's
  value minus the second's): the outgoing deputy (2024's candidacies say it; earlier, a winner of
  the previous election standing again in the same department, by normalised surname and the
  first three letters of the first name), the bloc that won the seat at the previous election
  (on the same boundary map only), and a woman candidate;

and, learnt from *earlier* elections only, as the back-test does: the same boosting trained on the
earlier elections' duels, and hemicycle's projection (official lineup, its most probable candidate).

Needs HEMICYCLE_DATA and scikit-learn (in the ``ei`` extra, which ``make test`` installs). Prints a
table; writes nothing.

    python benchmarks/ceiling.py [--sims 5000]
"""

from __future__ import annotations

import argparse
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from hemicycle import election
from hemicycle.data.blocs import BLOCS, bloc_of
from hemicycle.data.codes import canonical_code
from hemicycle.data.files import YEARS, boundary_map
from hemicycle.data.readers.cdsp import name_key
from hemicycle.data.store import Store
from hemicycle.errors import HemicycleError
from hemicycle.replays import replay
from hemicycle.sim import pipeline

try:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import GroupKFold
except ImportError as exc:  # pragma: no cover - optional
    raise SystemExit("benchmarks/ceiling.py needs scikit-learn: pip install -e '.[ei]'") from exc

SHARES = ["first", "second", *BLOCS, "nonvoter"]
#: the ``+candidates`` columns (first candidate's value minus the second's)
CANDIDATE = ["incumbent", "held", "woman"]
#: the last presidential round 2 before each legislative election, where the mirror has it
PRESIDENTIAL = {
    2017: ("2017/presidential/Presidentielle_2017_Resultats_Tour_2_c.xls", "Circo. Leg. Tour 2", 3),
    2022: ("2022/presidential/resultats-par-niveau-cirlg-t2-france-entiere.xlsx", 0, 0),
    2024: ("2022/presidential/resultats-par-niveau-cirlg-t2-france-entiere.xlsx", 0, 0),
}


def duels(store: Store, year: int) -> pd.DataFrame:
    """One row per duel: configuration, round-2 log ratio ``y`` (first slot against the second,
    slots ordered by bloc then round-1 votes), round-1 log ratio ``l1``, the round-1 shares of the
    registered voters (the two candidates', then per bloc) and the department."""
    r1 = store.query(
        "select c.constituency, c.panel, c.nuance, c.votes, c.surname, c.first_name, c.sex, "
        "t.registered from candidates c "
        "join totals t using (year, round, constituency) where c.year = ? and c.round = 1",
        [year],
    )
    r2 = store.query(
        "select constituency, panel, votes as v2 from candidates where year = ? and round = 2",
        [year],
    )
    r1["bloc"] = [bloc_of(year, n, warn=False) for n in r1["nuance"]]
    r1 = r1.join(candidate_columns(store, year, r1))
    reg = r1.groupby("constituency")["registered"].first()
    shares = (
        r1.pivot_table(index="constituency", columns="bloc", values="votes", aggfunc="sum")
        .reindex(columns=list(BLOCS))
        .fillna(0.0)
        .div(reg, axis=0)
    )
    shares["nonvoter"] = 1.0 - shares.sum(axis=1)
    m = r2.merge(r1, on=["constituency", "panel"])
    m = m[m.groupby("constituency")["panel"].transform("size") == 2].copy()
    m["slot"] = m["bloc"].map(BLOCS.index)
    m = m.sort_values(["constituency", "slot", "votes"], ascending=[True, True, False])
    a = m.groupby("constituency").nth(0).set_index("constituency")
    b = m.groupby("constituency").nth(1).set_index("constituency")
    d = pd.DataFrame(index=a.index)
    d["config"] = a["bloc"] + "+" + b["bloc"]
    d["y"] = np.log(np.maximum(a["v2"], 1) / np.maximum(b["v2"], 1))
    d["l1"] = np.log(np.maximum(a["votes"], 1) / np.maximum(b["votes"], 1))
    d["first"] = a["votes"] / a["registered"]
    d["second"] = b["votes"] / b["registered"]
    for c in CANDIDATE:
        d[c] = a[c] - b[c]
    d = d.join(shares)
    d["department"] = [c[:-2] for c in d.index]
    return d


def _short_key(surname: object, first_name: object) -> str:
    """Surname and the first three letters of the first name, normalised (``name_key``)."""
    surname_key, first_key = name_key(str(surname or ""), str(first_name or "")).split("|")
    return f"{surname_key}|{first_key[:3]}"


def candidate_columns(store: Store, year: int, r1: pd.DataFrame) -> pd.DataFrame:
    """Per round-1 candidate (``r1``'s index): ``incumbent``, ``held`` (their bloc won the seat at
    the previous election, same boundary map) and ``woman``, as 0/1 floats."""
    out = pd.DataFrame(index=r1.index)
    out["woman"] = (r1["sex"] == "F").astype(float)
    out["incumbent"] = out["held"] = 0.0
    earlier = [y for y in store.years() if y < year]
    if not earlier:
        return out
    previous = earlier[-1]
    complete = 2 in store.rounds(previous)  # every winner of the previous election known
    won = replay(election.load(store, previous)).winners_frame()  # the law's, ties included
    won = won.merge(
        store.query(
            "select constituency, panel, first_name from candidates where year = ? and round = 1",
            [previous],
        ),
        on=["constituency", "panel"],
    )
    flagged = store.query(
        "select constituency, panel, incumbent from candidacies "
        "where year = ? and round = 1 and incumbent is not null",
        [year],
    )
    if len(flagged):
        flag = r1.merge(flagged, on=["constituency", "panel"], how="left")["incumbent"]
        out["incumbent"] = flag.fillna(False).astype(float).to_numpy()
    elif complete:
        keys = (
            won["constituency"].str[:-2]
            + "/"
            + won["surname"].combine(won["first_name"], _short_key)
        )
        mine = (
            r1["constituency"].str[:-2] + "/" + r1["surname"].combine(r1["first_name"], _short_key)
        )
        out["incumbent"] = mine.isin(set(keys)).astype(float).to_numpy()
    if complete and boundary_map(previous) == boundary_map(year):
        held = won.set_index("constituency")["nuance"].map(
            lambda n: bloc_of(previous, n, warn=False)
        )
        out["held"] = (r1["constituency"].map(held) == r1["bloc"]).astype(float).to_numpy()
    return out


def presidential(year: int) -> pd.Series | None:
    """logit of Macron's share against Le Pen by canonical constituency code, or None."""
    root = os.environ.get("HEMICYCLE_DATA")
    if year not in PRESIDENTIAL or not root:
        return None
    name, sheet, header = PRESIDENTIAL[year]
    path = Path(root) / name
    if not path.exists():
        return None
    t = pd.read_excel(path, engine="calamine", sheet_name=sheet, header=header)
    t.columns = [str(c) for c in t.columns]
    i = list(t.columns).index("Voix")  # Macron's votes; Le Pen's seven columns further
    if not t.iloc[:, i - 2].astype(str).str.upper().str.contains("MACRON").all():
        raise SystemExit(f"{path}: the first candidate's column is not Macron's")
    codes = [canonical_code(a, b) for a, b in zip(t.iloc[:, 0], t.iloc[:, 2], strict=True)]
    logit = np.log(t.iloc[:, i].astype(float) / t.iloc[:, i + 7].astype(float))
    return pd.Series(logit.to_numpy(), index=codes)


def design(d: pd.DataFrame, configs: list[str], linear: bool, extra: list[str]) -> np.ndarray:
    onehot = pd.get_dummies(d["config"]).reindex(columns=configs, fill_value=0).astype(float)
    cols = SHARES + extra
    if linear:  # a slope per configuration for every share
        return np.hstack(
            [onehot.to_numpy()] + [onehot.to_numpy() * d[[c]].to_numpy() for c in cols]
        )
    return np.hstack([onehot.to_numpy(), d[[*cols, "l1"]].to_numpy()])


def model(linear: bool):  # noqa: ANN201 - scikit-learn estimators
    if linear:
        return RidgeCV(alphas=[1e-3, 1e-2, 0.1, 1.0])
    return HistGradientBoostingRegressor(
        max_iter=300, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=10, random_state=0
    )


def own_cv(d: pd.DataFrame, linear: bool, extra: list[str]) -> float:
    """Share of duels whose winner the held-out prediction picks (10 folds of departments)."""
    configs = sorted(d["config"].unique())
    x, y = design(d, configs, linear, extra), d["y"].to_numpy()
    pred = np.zeros(len(d))
    for train, test in GroupKFold(10).split(x, groups=d["department"]):
        pred[test] = model(linear).fit(x[train], y[train]).predict(x[test])
    return float(np.mean(np.sign(pred) == np.sign(y)))


def in_sample(d: pd.DataFrame) -> float:
    """Share of duels whose winner the linear model picks when fitted to those very duels."""
    x = design(d, sorted(d["config"].unique()), True, [])
    y = d["y"].to_numpy()
    return float(np.mean(np.sign(model(True).fit(x, y).predict(x)) == np.sign(y)))


def projection_duels(store: Store, year: int, d: pd.DataFrame, sims: int) -> float:
    """Share of the duels whose most probable candidate won, in hemicycle's back-test projection."""
    proj = pipeline.project(
        year, pipeline.training_years(year, "all", store), store, sims=sims, seed=1
    )
    p = proj.preds
    p = p[p["constituency"].isin(d.index)]
    won = store.query(
        "select constituency, panel, votes from candidates where year = ? and round = 2", [year]
    )
    p = p.merge(won, on=["constituency", "panel"])
    pick = p[p["p_win"] == p.groupby("constituency")["p_win"].transform("max")]
    ok = (
        pick["votes"]
        == p.groupby("constituency")["votes"].max().reindex(pick["constituency"]).values
    )
    return float(ok.groupby(pick["constituency"].to_numpy()).all().mean())


def main() -> None:
    warnings.simplefilter("ignore")
    ap = argparse.ArgumentParser()
    ap.add_argument("--sims", type=int, default=5_000)
    args = ap.parse_args()
    rows = []
    with Store() as st:
        for y in YEARS:
            try:
                st.ensure(y, download=False)
            except HemicycleError as exc:  # not in the mirror: measured without it
                print(f"{y}: {exc}")
        years = [y for y in st.years() if 2 in st.rounds(y)]
        frames = {y: duels(st, y) for y in years}
        for y in years:
            d = frames[y]
            row: dict[str, object] = {"election": y, "duels": len(d)}
            row["leader"] = float(np.mean(np.sign(d["l1"]) == np.sign(d["y"])))
            row["ridge"] = own_cv(d, True, [])
            row["boosting"] = own_cv(d, False, [])
            row["ridge, in sample"] = in_sample(d)
            z = presidential(y)
            if z is not None:
                d = d.assign(presidential=[z.get(c, np.nan) for c in d.index])
                d["presidential"] = d["presidential"].fillna(d["presidential"].mean())
                row["ridge+presidential"] = own_cv(d, True, ["presidential"])
                row["boosting+presidential"] = own_cv(d, False, ["presidential"])
            if d[CANDIDATE].abs().to_numpy().sum():
                row["ridge+candidates"] = own_cv(d, True, CANDIDATE)
                row["boosting+candidates"] = own_cv(d, False, CANDIDATE)
            earlier = [e for e in years if e < y]
            if earlier:
                train = pd.concat([frames[e] for e in earlier])
                configs = sorted(set(train["config"]) | set(d["config"]))
                fit = model(False).fit(design(train, configs, False, []), train["y"].to_numpy())
                pred = fit.predict(design(d, configs, False, []))
                row["boosting, earlier"] = float(np.mean(np.sign(pred) == np.sign(d["y"])))
                row["hemicycle, earlier"] = projection_duels(st, y, d, args.sims)
            rows.append(row)
    table = pd.DataFrame(rows).set_index("election")
    order = ["leader", "ridge", "ridge+presidential", "ridge+candidates", "boosting"]
    order += ["boosting+presidential", "boosting+candidates", "ridge, in sample"]
    order += ["boosting, earlier", "hemicycle, earlier"]
    shown = (
        (table.reindex(columns=order) * 100)
        .round(1)
        .astype(object)
        .where(table.reindex(columns=order).notna(), "—")
    )
    pd.set_option("display.width", 200)
    print("Duels whose winner is picked, % (own: 10-fold CV over the departments of the election")
    print("itself, which knows its round 2; earlier: learnt from the earlier elections only)")
    print(shown.join(table["duels"]).to_string())


if __name__ == "__main__":
    main()
