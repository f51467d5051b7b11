"""The live feed: the Ministry's XML layout and the CSV drop read into snapshots, the DuckDB live
state (idempotent, monotone), and every kind of bad file named and left out while the poller goes
on with the others."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import MappingProxyType

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hemicycle.live.feed import (
    Count,
    FeedError,
    Reference,
    Snapshot,
    _norm_name,
    open_feed,
    parse_department_xml,
    xml_code,
)
from hemicycle.live.state import LIVE_TABLES, LiveState

DATA = Path(__file__).parent / "data" / "live"


def reference() -> Reference:
    panels = {
        "0101": frozenset({1, 2, 3}),
        "0102": frozenset({1, 2, 4}),
        "0103": frozenset({1, 2}),  # decided in round 1
        "2A01": frozenset({1, 2}),
        "97101": frozenset({1, 2, 3}),
    }
    names = {code: MappingProxyType({}) for code in panels}
    names["2A01"] = MappingProxyType(
        {_norm_name("ROSSI Jean-François"): (1,), _norm_name("SANTONI Ange"): (2,)}
    )
    return Reference(
        2024, 2, MappingProxyType(panels), MappingProxyType(names), frozenset({"0103"})
    )


def circ_xml(
    cod: str,
    votes: dict[int, int],
    *,
    final: bool = False,
    tour: int = 2,
    registered: int = 90_000,
    extra: str = "",
) -> str:
    expressed = sum(votes.values())
    cands = "".join(
        f"<Candidat><NumPanneauCand>{p}</NumPanneauCand><NomPsn>N{p}</NomPsn>"
        f"<NbVoix>{v}</NbVoix><Elu>{'oui' if final and v == max(votes.values()) else 'non'}</Elu>"
        f"</Candidat>"
        for p, v in votes.items()
    )
    return (
        f"<Circonscription><CodCirElec>{cod}</CodCirElec>{extra}<Tours><Tour>"
        f"<NumTour>{tour}</NumTour><Mentions>"
        f"<Inscrits><Nombre>{registered}</Nombre></Inscrits>"
        f"<Votants><Nombre>{expressed + 1000}</Nombre></Votants>"
        f"<Blancs><Nombre>600</Nombre></Blancs><Nuls><Nombre>400</Nombre></Nuls>"
        f"<Exprimes><Nombre>{expressed}</Nombre></Exprimes></Mentions>"
        f"<Resultats><Candidats>{cands}</Candidats></Resultats></Tour></Tours></Circonscription>"
    )


def dep_xml(dep: str, circs: list[str], *, year: int = 2024, kind: str = "LG") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Election><Scrutin><Type>{kind}</Type><Annee>{year}</Annee></Scrutin><EnsembleGeo>"
        f"<Departements><Departement><CodDpt>{dep}</CodDpt><Circonscriptions>{''.join(circs)}"
        "</Circonscriptions></Departement></Departements></EnsembleGeo></Election>\n"
    )


def write(root: Path, dep: str, text: str | bytes) -> str:
    name = f"resultatsT2/{dep}/R2{dep}CIR.xml"
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return name


def feed_dir(tmp_path: Path) -> Path:
    root = tmp_path / "feed"
    write(
        root,
        "001",
        dep_xml(
            "001",
            [
                circ_xml("00101", {1: 30_000, 3: 28_000}, final=True),
                circ_xml("00102", {2: 9_000, 4: 10_500}),
            ],
        ),
    )
    write(root, "971", dep_xml("971", [circ_xml("97101", {1: 5_000, 2: 4_000})]))
    return root


def official_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The store's official tables (a sample), in the connection the live state writes to."""
    con.execute(
        "CREATE TABLE totals (year INTEGER, round INTEGER, constituency VARCHAR, "
        "expressed BIGINT); INSERT INTO totals VALUES (2024, 2, '0101', 57000);"
        "CREATE TABLE candidates (year INTEGER, round INTEGER, constituency VARCHAR, "
        "panel INTEGER, votes BIGINT); INSERT INTO candidates VALUES (2024, 2, '0101', 1, 29000);"
    ).fetchall()


def dump(con: duckdb.DuckDBPyConnection, tables=("totals", "candidates", *LIVE_TABLES)) -> dict:
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}


# --------------------------------------------------------------------------- reading


def test_xml_fixture_reads_counts_codes_declared_and_index():
    snap = open_feed(DATA / "xml", reference()).poll()
    assert snap.failures == ()
    by = snap.by_code()
    assert sorted(by) == ["0101", "0102", "2A01"]
    assert by["0101"].panels == (1, 3) and by["0101"].votes == (30_000, 28_000)
    assert by["0101"].registered == 90_000  # "90 000": a space in a number is read
    assert by["0101"].final and not by["0102"].final and by["2A01"].final
    assert snap.declared == ("0101", "2A01")
    # no NumPanneauCand in Corse-du-Sud: matched on the name, accents and case ignored
    assert by["2A01"].panels == (1, 2) and by["2A01"].votes == (20_000, 18_000)
    assert by["0101"].winner() == 1 and by["0102"].winner() is None
    assert dict(snap.counted) == {"01": 0.5, "2A": 0.5}


def test_csv_drop_reads_the_same_figures_as_the_xml():
    xml = open_feed(DATA / "xml", reference()).poll().by_code()
    csv = open_feed(DATA / "csv", reference()).poll()
    assert csv.failures == ()
    for c in csv.counts:
        assert c.same_figures(xml[c.constituency])


@pytest.mark.parametrize(
    ("cod", "dep", "code"),
    [
        ("00101", "001", "0101"),
        ("0101", "001", "0101"),
        ("101", None, "0101"),
        ("01", "001", "0101"),
        ("1", "01", "0101"),
        ("02A01", "02A", "2A01"),
        ("2B02", None, "2B02"),
        ("97101", "971", "97101"),
        ("ZZ11", "ZZ", "ZZ11"),
        ("ZA01", None, "97101"),
        ("98801", "988", "98801"),
    ],
)
def test_codcirelec_maps_to_the_canonical_code(cod, dep, code):
    assert xml_code(cod, dep) == code


def test_codcirelec_of_another_department_is_refused():
    with pytest.raises(ValueError, match="not in department"):
        xml_code("00201", "001")


def test_url_source_needs_and_follows_the_index(tmp_path):
    root = feed_dir(tmp_path)
    (root / "INDEX2FE.xml").write_text(
        "<Election><Departements><Departement><CodDpt>001</CodDpt><NbCir>2</NbCir>"
        "<NbCirDec>1</NbCirDec></Departement><Departement><CodDpt>971</CodDpt></Departement>"
        "<Departement><CodDpt>972</CodDpt></Departement></Departements></Election>"
    )
    snap = open_feed(root.as_uri(), reference()).poll()  # file:// URL: no listing
    assert snap.failures == ()  # 972 is listed, not published yet: not a failure
    assert [c.constituency for c in snap.counts] == ["0101", "0102", "97101"]
    assert dict(snap.counted) == {"01": 0.5}
    (root / "INDEX2FE.xml").unlink()
    snap = open_feed(root.as_uri(), reference()).poll()
    assert snap.counts == () and "INDEX2FE.xml" in snap.failures[0].message


def test_snapshot_is_immutable():
    snap = open_feed(DATA / "xml", reference()).poll()
    with pytest.raises(AttributeError):
        snap.counts = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        snap.counted["01"] = 1.0  # type: ignore[index]


# --------------------------------------------------------------------------- the live state


def test_ingest_is_idempotent_and_leaves_official_tables_alone(tmp_path):
    con = duckdb.connect()
    official_tables(con)
    state = LiveState(con, 2024, 2)
    feed = open_feed(feed_dir(tmp_path), reference())
    first = state.poll(feed)
    assert first.poll == 1 and set(first.changed) == {"0101", "0102", "97101"}
    assert first.declared == ("0101",)
    after = dump(con)
    again = state.poll(feed)
    assert again.poll == 1 and again.changed == () and again.declared == ()
    assert dump(con) == after  # byte for byte: nothing rewritten, no poll row added
    assert after["totals"] == [(2024, 2, "0101", 57000)]  # the official figure, not the feed's
    assert after["candidates"] == [(2024, 2, "0101", 1, 29000)]
    assert state.snapshot().by_code()["0101"].same_figures(first.snapshot.by_code()["0101"])


def test_a_later_poll_rewrites_only_what_changed(tmp_path):
    root = feed_dir(tmp_path)
    con = duckdb.connect()
    state = LiveState(con, 2024, 2)
    feed = open_feed(root, reference())
    state.poll(feed)
    write(
        root,
        "001",
        dep_xml(
            "001",
            [
                circ_xml("00101", {1: 30_000, 3: 28_000}, final=True),
                circ_xml("00102", {2: 19_000, 4: 20_500}, final=True),
            ],
        ),
    )
    rep = state.poll(feed)
    assert rep.poll == 2 and rep.changed == ("0102",) and rep.declared == ("0102",)
    polls = con.execute("SELECT poll, changed, declared FROM live_polls ORDER BY 1").fetchall()
    assert polls == [(1, 3, 1), (2, 1, 2)]
    got = con.execute("SELECT constituency, poll FROM live_totals ORDER BY 1").fetchall()
    assert got == [("0101", 1), ("0102", 2), ("97101", 1)]


# --------------------------------------------------------------------------- bad input


def _bad_case(tmp_path: Path, text: str | bytes) -> tuple[LiveState, list, dict, object]:
    """Poll a good feed, damage the Ain's file with ``text``, poll again."""
    root = feed_dir(tmp_path)
    con = duckdb.connect()
    official_tables(con)
    state = LiveState(con, 2024, 2)
    feed = open_feed(root, reference())
    state.poll(feed)
    before = dump(con)
    write(root, "971", dep_xml("971", [circ_xml("97101", {1: 6_000, 2: 5_000})]))  # good news
    write(root, "001", text)
    rep = state.poll(feed)
    return state, list(rep.failures), before, rep


def _check_refused(tmp_path, text, *words):
    state, failures, before, rep = _bad_case(tmp_path, text)
    assert len(failures) == 1, failures
    msg = failures[0].message
    assert failures[0].file == "resultatsT2/001/R2001CIR.xml"
    assert msg.startswith("file resultatsT2/001/R2001CIR.xml")
    assert "\n" not in msg
    for w in words:
        assert w in msg, msg
    # the Ain's previous state kept; the good file of the same poll ingested
    now = state.snapshot().by_code()
    assert now["0101"].votes == (30_000, 28_000) and now["0102"].votes == (9_000, 10_500)
    assert now["97101"].votes == (6_000, 5_000) and rep.changed == ("97101",)
    return msg


def test_truncated_file_mid_write(tmp_path):
    good = dep_xml("001", [circ_xml("00101", {1: 31_000, 3: 28_000})])
    msg = _check_refused(tmp_path, good[: len(good) // 2], "truncated", "line 2")
    assert "column" in msg


def test_empty_file_being_written(tmp_path):
    _check_refused(tmp_path, b"", "empty")


def test_html_error_page(tmp_path):
    page = "<!DOCTYPE html><html><head><title>503</title></head><body>Bientôt</body></html>"
    _check_refused(tmp_path, page, "HTML page")


def test_billion_laughs_is_refused_before_parsing(tmp_path):
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
            for i in range(1, 10)
        )
        + "]><Election>&lol9;</Election>"
    )
    _check_refused(tmp_path, lol, "DTD or entity")


def test_file_of_another_election(tmp_path):
    _check_refused(
        tmp_path,
        dep_xml("001", [circ_xml("00101", {1: 1, 3: 2})], year=2022),
        "2022 election",
        "element Election/Scrutin/Annee",
    )
    _check_refused(
        tmp_path, dep_xml("001", [circ_xml("00101", {1: 1, 3: 2})], kind="PR"), "another election"
    )


def test_file_of_another_round(tmp_path):
    _check_refused(
        tmp_path,
        dep_xml("001", [circ_xml("00101", {1: 1, 3: 2}, tour=1)]),
        "round 1, not round 2",
        "NumTour",
    )


def test_constituency_unknown_to_round_1(tmp_path):
    _check_refused(
        tmp_path,
        dep_xml("001", [circ_xml("00109", {1: 1, 3: 2})]),
        "0109 is not one of the 5",
        "Circonscription[1]",
    )


def test_constituency_decided_in_round_1(tmp_path):
    _check_refused(
        tmp_path, dep_xml("001", [circ_xml("00103", {1: 1, 2: 2})]), "decided in round 1"
    )


def test_panel_not_a_round_1_candidate(tmp_path):
    _check_refused(
        tmp_path,
        dep_xml("001", [circ_xml("00101", {1: 31_000, 9: 2})]),
        "panel 9 is not a round-1 candidate",
    )


def test_missing_required_element_is_named_by_its_path(tmp_path):
    text = dep_xml("001", [circ_xml("00101", {1: 31_000, 3: 28_000})]).replace(
        "<Exprimes><Nombre>59000</Nombre></Exprimes>", ""
    )
    _check_refused(
        tmp_path,
        text,
        "required element missing",
        "Circonscription[1]/Tours/Tour/Mentions/Exprimes/Nombre",
    )


def test_non_numeric_count_is_named(tmp_path):
    text = dep_xml("001", [circ_xml("00101", {1: 31_000, 3: 28_000})]).replace(
        "<NbVoix>28000</NbVoix>", "<NbVoix>28k</NbVoix>"
    )
    _check_refused(tmp_path, text, "'28k' is not a count", "Candidat[2]/NbVoix")


def test_votes_going_down_between_polls(tmp_path):
    text = dep_xml(
        "001",
        [
            circ_xml("00101", {1: 30_000, 3: 27_000}, final=True),
            circ_xml("00102", {2: 9_000, 4: 10_500}),
        ],
    )
    _check_refused(tmp_path, text, "constituency 0101", "changed")
    text = dep_xml("001", [circ_xml("00102", {2: 8_000, 4: 12_500})])
    _check_refused(
        tmp_path, text, "constituency 0102", "panel 2's votes went down from 9000 to 8000"
    )


def test_a_constituency_in_two_files(tmp_path):
    text = dep_xml("001", [circ_xml("97101", {1: 7_000, 2: 5_000}, registered=60_000)])
    state, failures, _, rep = _bad_case(tmp_path, text.replace("<CodDpt>001</CodDpt>", ""))
    assert len(failures) == 1 and "97101 is also in" in failures[0].message


def test_impossible_totals(tmp_path):
    text = dep_xml("001", [circ_xml("00101", {1: 31_000, 3: 28_000}, registered=10_000)])
    _check_refused(tmp_path, text, "votants 60000 beyond inscrits 10000")


def test_every_file_bad_keeps_everything(tmp_path):
    root = feed_dir(tmp_path)
    con = duckdb.connect()
    state = LiveState(con, 2024, 2)
    feed = open_feed(root, reference())
    state.poll(feed)
    before = dump(con, LIVE_TABLES)
    write(root, "001", "<html>502 Bad Gateway</html>")
    write(root, "971", b"")
    rep = state.poll(feed)
    assert len(rep.failures) == 2 and rep.changed == ()
    assert dump(con, LIVE_TABLES) == before


def test_snapshot_of_another_round_is_refused():
    state = LiveState(duckdb.connect(), 2024, 2)
    with pytest.raises(FeedError, match="round 1 given to the live state of 2024 round 2"):
        state.ingest(Snapshot(2024, 1, ()))


# --------------------------------------------------------------------------- CSV drop


def _csv_drop(tmp_path: Path) -> Path:
    root = tmp_path / "drop"
    shutil.copytree(DATA / "csv", root)
    return root


@pytest.mark.parametrize(
    ("file", "edit", "words"),
    [
        (
            "votes.csv",
            lambda t: t.replace("0102,4,10500", "0102,4,ten"),
            ("file votes.csv, line 5", "column 'votes'", "'ten' is not a count"),
        ),
        ("totals.csv", lambda t: t[:-10], ("file totals.csv, line 3", "truncated")),
        (
            "totals.csv",
            lambda t: t.replace("0102,80000", "0199,80000"),
            ("file totals.csv, line 3", "0199 is not one of"),
        ),
        ("totals.csv", lambda t: t.replace(",true", ",maybe"), ("line 2", "column 'final'")),
        (
            "votes.csv",
            lambda t: t.replace("constituency,panel", "circ,panel"),
            ("file votes.csv, line 1", "missing column 'constituency'"),
        ),
        ("votes.csv", lambda t: "<html><body>404</body></html>\n", ("HTML",)),
        ("votes.csv", lambda t: t + "0101,1,5\n", ("line 6", "panel 1 of 0101 is given twice")),
    ],
)
def test_csv_drop_bad_input(tmp_path, file, edit, words):
    root = _csv_drop(tmp_path)
    con = duckdb.connect()
    state = LiveState(con, 2024, 2)
    feed = open_feed(root, reference())
    state.poll(feed)
    before = dump(con, LIVE_TABLES)
    path = root / file
    path.write_text(edit(path.read_text()))
    rep = state.poll(feed)
    assert len(rep.failures) == 1
    for w in words:
        assert w in rep.failures[0].message, rep.failures[0].message
    assert dump(con, LIVE_TABLES) == before


def test_csv_final_column_in_votes_must_agree(tmp_path):
    root = _csv_drop(tmp_path)
    (root / "votes.csv").write_text(
        "constituency,panel,votes,final\n0101,1,30000,true\n0101,3,28000,true\n"
        "0102,2,9000,true\n0102,4,10500,false\n"
    )
    snap = open_feed(root, reference()).poll()
    assert "final disagrees with totals.csv line 3" in snap.failures[0].message


def test_parse_error_is_a_feed_error():
    with pytest.raises(FeedError) as info:
        parse_department_xml(b"<Election><EnsembleGeo/></Election>", "x.xml", reference())
    assert str(info.value) == (
        "file x.xml, element Election/EnsembleGeo/Departements: required element missing"
    )


def test_count_winner_tie_is_none():
    c = Count("0101", 10, 10, 0, 0, 10, (1, 2), (5, 5), True, "f")
    assert c.winner() is None


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_damaged_files_never_stop_a_poll(tmp_path_factory, data):
    """Bytes cut, replaced or inserted anywhere in a department file: the poll gives that file's
    counts (all checks passed) or one failure naming it, never an exception, and the other
    department's counts either way."""
    root = feed_dir(tmp_path_factory.mktemp("fuzz"))
    path = root / "resultatsT2/001/R2001CIR.xml"
    raw = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(raw)))
        op = data.draw(st.sampled_from(["cut", "set", "insert"]))
        b = data.draw(st.binary(min_size=1, max_size=8))
        if op == "cut":
            del raw[i:]
        elif op == "set":
            raw[i : i + len(b)] = b
        else:
            raw[i:i] = b
    path.write_bytes(bytes(raw))
    snap = open_feed(root, reference()).poll()
    assert "97101" in snap.by_code()
    if snap.failures:
        assert len(snap.failures) == 1
        assert snap.failures[0].message.startswith("file resultatsT2/001/R2001CIR.xml")
        assert "\n" not in snap.failures[0].message
