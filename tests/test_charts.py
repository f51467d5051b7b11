"""Charts and the offline report: published facts drawn right, every constituency exactly once,
deterministic geometry, no external URL, colours that survive colour blindness."""

from __future__ import annotations

import io
import itertools
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from hemicycle import geo
from hemicycle import session as api
from hemicycle.data import sources
from hemicycle.data.blocs import BLOCS
from hemicycle.data.files import CONTOURS_YEAR, files_for
from hemicycle.data.readers.contours import locate_contours, read_contours
from hemicycle.errors import DataFileError
from hemicycle.report import charts, hemicycle_svg, maps, palette, views
from hemicycle.report.html import write_report
from published import BLOCS_2024, SEATS_2024

SVG = "{http://www.w3.org/2000/svg}"
#: The constituencies the contours file lacks (its SOURCES.md), as canonical codes.
NO_CONTOURS = {
    "ZX01",
    "98601",
    "98701",
    "98702",
    "98703",
    "98801",
    "98802",
    *(f"ZZ{i:02d}" for i in range(1, 12)),
}


# ----- fixtures: the real contours, laid out once per session -----------------------------------


@pytest.fixture(scope="session")
def contours_path(data_dir: Path) -> Path:
    return locate_contours(download=False)[1]


@pytest.fixture(scope="session")
def contours(contours_path: Path):
    return read_contours(contours_path)


@pytest.fixture(scope="session")
def layout(contours_path: Path) -> geo.GeoLayout:
    return geo.geo_layout(contours_path)


@pytest.fixture(scope="session")
def replay2024(store_path: Path):
    with api.Session(store_path) as st:
        return st.replay(2024)


def _parse(svg_text: str) -> ET.Element:
    return ET.fromstring(svg_text)


def _coded(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter() if "data-code" in el.attrib]


# ----- palette ----------------------------------------------------------------------------------

_CVD = {  # Machado, Oliveira & Fernandes (2009), severity 1, on linear RGB
    "normal": np.eye(3),
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "tritanopia": np.array(
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ]
    ),
}


def _lab(colour: str, m: np.ndarray) -> np.ndarray:
    c = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    ) @ np.clip(m @ lin, 0, 1)
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_bloc_colours_are_distinct_even_for_colour_blind_readers() -> None:
    colours = {**palette.BLOC_COLOURS, "undecided": palette.UNDECIDED}
    assert set(palette.BLOC_COLOURS) == set(BLOCS)
    assert len(set(colours.values())) == len(colours)
    assert set(palette.BLOC_COLOURS.values()) - {"#555555"} <= set(palette.OKABE_ITO.values())
    for vision, m in _CVD.items():
        worst = min(
            float(np.linalg.norm(_lab(colours[a], m) - _lab(colours[b], m)))
            for a, b in itertools.combinations(colours, 2)
        )
        assert worst >= 15, vision


def test_nuance_colours_are_deterministic_and_distinct() -> None:
    nus = list(SEATS_2024)
    a = palette.nuance_colours(2024, nus)
    assert a == palette.nuance_colours(
        2024, list(reversed(nus))
    )  # order of the input is irrelevant
    assert len(set(a.values())) == len(a)
    assert a["UG"] == palette.BLOC_COLOURS["left"] and a["RN"] == palette.BLOC_COLOURS["far_right"]
    assert a["ENS"] == palette.BLOC_COLOURS["centre"] and a["LR"] == palette.BLOC_COLOURS["right"]
    assert palette.nuance_order(2024, nus)[:5] == [
        "REG",
        "UG",
        "SOC",
        "ECO",
        "DVG",
    ]  # REG at the side, then the left
    with pytest.raises(ValueError, match="far_left"):
        palette.bloc_colour("centre_left")


# ----- hemicycle --------------------------------------------------------------------------------


def _seat_groups(svg_text: str) -> dict[str, tuple[str, int]]:
    root = _parse(svg_text)
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "seats":
            out[g.get("data-group")] = (g.get("fill"), len(g.findall(f"{SVG}circle")))
    return out


def test_hemicycle_by_bloc_draws_the_official_2024_assembly(replay2024) -> None:
    s = views.outcome_hemicycle_svg(replay2024, "bloc")
    root = _parse(s)
    assert len(list(root.iter(f"{SVG}circle"))) == 577
    groups = _seat_groups(s)
    assert {b: n for b, (_, n) in groups.items()} == BLOCS_2024
    by_colour = Counter()
    for b, (fill, n) in groups.items():
        assert fill == palette.BLOC_COLOURS[b]
        by_colour[fill] += n
    assert by_colour == Counter({palette.BLOC_COLOURS[b]: n for b, n in BLOCS_2024.items()})
    # seated left to right: the left's seats are left of the far right's
    xs = {
        b: np.mean(
            [
                float(c.get("cx"))
                for g in root.iter(f"{SVG}g")
                if g.get("data-group") == b
                for c in g.findall(f"{SVG}circle")
            ]
        )
        for b in ("left", "centre", "far_right")
    }
    assert xs["left"] < xs["centre"] < xs["far_right"]


def test_hemicycle_by_nuance(replay2024) -> None:
    groups = _seat_groups(views.outcome_hemicycle_svg(replay2024, "nuance"))
    assert {n: k for n, (_, k) in groups.items()} == SEATS_2024
    assert len({fill for fill, _ in groups.values()}) == len(SEATS_2024)


@pytest.mark.parametrize("n", [1, 2, 100, 577, 721])
def test_seat_positions_do_not_overlap(n: int) -> None:
    pos, r = hemicycle_svg.seat_positions(n)
    p = np.array(pos)
    assert p.shape == (n, 2)
    assert (
        (p[:, 0] >= r - 1e-9).all()
        and (p[:, 0] <= 2 - r + 1e-9).all()
        and (p[:, 1] <= 1 + 1e-9).all()
    )
    if n > 1:
        d = np.sqrt(((p[:, None] - p[None]) ** 2).sum(axis=2)) + np.eye(n) * 9
        assert d.min() >= 2 * r


def test_hemicycle_rejects_a_group_without_colour() -> None:
    with pytest.raises(ValueError, match="no colour"):
        hemicycle_svg.hemicycle_svg([("x", 3)], {})
    with pytest.raises(ValueError, match="unknown bloc"):
        hemicycle_svg.bloc_hemicycle_svg({"centre_left": 3})


# ----- contours reader and registry --------------------------------------------------------------


def test_contours_are_registered_outside_rounds() -> None:
    entries = files_for(CONTOURS_YEAR, 0, "contours")
    assert [e.name for e in entries] == [
        "circonscriptions-legislatives-p20.geojson.zip",
        "circonscriptions-legislatives-p20.geojson",
    ]
    assert entries[0].sha256 == "b401f3d9d379dc2958265947e206e0e7f5483aba70e5c1fbb83202bcef8cfd8a"
    assert entries[1].url and entries[1].url.startswith("https://static.data.gouv.fr/")
    for round_ in (1, 2):  # what fetch_year and the ingest iterate over
        assert not [e for e in files_for(CONTOURS_YEAR, round_) if e.role == "contours"]


def test_contours_reader_on_the_official_file(contours, contours_path: Path) -> None:
    assert len(contours) == 559
    assert (
        contours.sha256
        == sources.sha256_of(contours_path)
        == files_for(CONTOURS_YEAR, 0, "contours")[0].sha256
    )
    assert contours.n_vertices > 500_000
    codes = set(contours.codes)
    assert {"0101", "2A01", "7501", "97101", "97501", "97602"} <= codes
    assert not any(c.startswith("Z") for c in codes)  # letter codes mapped (ZA01 → 97101)
    assert contours.department_names[contours.codes.index("97101")] == "Guadeloupe"


def _geojson(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _feature(code: str, **drop: bool) -> dict:
    props = {
        "codeDepartement": code[:2],
        "nomDepartement": "Guadeloupe",
        "codeCirconscription": code,
        "nomCirconscription": "1ère circonscription",
    }
    for k in drop:
        props.pop(k)
    ring = [[-61.5, 16.2], [-61.4, 16.2], [-61.4, 16.3], [-61.5, 16.2]]
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_contours_reader_accepts_zip_or_geojson(tmp_path: Path) -> None:
    plain = tmp_path / "c.geojson"
    plain.write_bytes(_geojson([_feature("ZA01")]))
    zipped = tmp_path / "c.geojson.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("c.geojson", _geojson([_feature("ZA01")]))
    for p in (plain, zipped):
        c = read_contours(p)
        assert c.codes == ("97101",) and c.polygons[0][0][0].shape == (
            3,
            2,
        )  # closing point dropped


def test_contours_reader_names_the_file_of_a_corrupt_zip(tmp_path: Path) -> None:
    bad = tmp_path / "circonscriptions-legislatives-p20.geojson.zip"
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("c.geojson", _geojson([_feature("ZA01")]))
    bad.write_bytes(good.getvalue()[:60])  # truncated
    with pytest.raises(DataFileError, match="circonscriptions-legislatives-p20.geojson.zip") as err:
        read_contours(bad)
    assert err.value.file == bad.name
    bad.write_bytes(b"PK\x03\x04 this is not a zip at all")
    with pytest.raises(DataFileError, match=bad.name):
        read_contours(bad)


def test_contours_reader_names_a_missing_property(tmp_path: Path) -> None:
    p = tmp_path / "c.geojson"
    p.write_bytes(_geojson([_feature("ZA01"), _feature("ZA02", codeCirconscription=True)]))
    with pytest.raises(DataFileError, match=r"file c\.geojson.*codeCirconscription") as err:
        read_contours(p)
    assert err.value.column == "codeCirconscription" and "feature #1" in str(err.value)
    p.write_bytes(b"{not json")
    with pytest.raises(DataFileError, match="c.geojson"):
        read_contours(p)


def test_contours_download_checks_the_upstream_geojson(
    contours_path: Path, tmp_path: Path, monkeypatch
) -> None:
    """Without a mirror the upstream .geojson is downloaded (pooch, sha256-pinned; served here on
    loopback from the mirror's zip) and read like the zip."""
    import dataclasses
    import functools
    import http.server
    import threading

    from hemicycle.data import files as registry

    served = tmp_path / "served"
    served.mkdir()
    with zipfile.ZipFile(contours_path) as zf:
        zf.extract("circonscriptions-legislatives-p20.geojson", served)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = (
            f"http://127.0.0.1:{httpd.server_address[1]}/circonscriptions-legislatives-p20.geojson"
        )
        files = tuple(
            dataclasses.replace(f, url=url) if f.role == "contours" and f.url else f
            for f in registry.FILES
        )
        monkeypatch.setattr(registry, "FILES", files)
        monkeypatch.delenv("HEMICYCLE_DATA", raising=False)
        monkeypatch.setenv("HEMICYCLE_CACHE", str(tmp_path / "cache"))
        entry, path = locate_contours()
    finally:
        httpd.shutdown()
    assert (
        path == tmp_path / "cache" / "files" / "2024" / "circonscriptions-legislatives-p20.geojson"
    )
    assert sources.sha256_of(path) == entry.sha256
    c = read_contours(path)
    assert len(c) == 559 and c.codes[0] == "0101"


# ----- geometry -------------------------------------------------------------------------------


def test_simplification_keeps_shared_borders_identical() -> None:
    rng = np.random.default_rng(7)
    # two squares sharing a wiggly border x = 1 (the same vertices, in opposite directions)
    t = np.linspace(0, 1, 60)[1:-1]
    border = np.column_stack(
        [1 + 0.01 * rng.standard_normal(len(t)), t]
    )  # from (1, 0) up to (1, 1)
    left = np.vstack([[0, 0], [1, 0], border, [1, 1], [0, 1]])
    right = np.vstack([[1, 0], [2, 0], [2, 1], [1, 1], border[::-1]])
    shapes = np.array([shapely.Polygon(left * 100), shapely.Polygon(right * 100)])
    a, b = geo.simplify_coverage(shapes, tol=0.8)
    on_a = {tuple(p) for p in shapely.get_coordinates(a) if 900 < p[0] < 1100}
    on_b = {tuple(p) for p in shapely.get_coordinates(b) if 900 < p[0] < 1100}
    assert on_a == on_b  # the shared border, point for point (tenths of a pixel)
    assert len(on_a) < len(border) and {(1000.0, 0.0), (1000.0, 1000.0)} <= on_a
    assert shapely.area(shapely.intersection(a, b)) == 0
    assert shapely.union_all([a, b]).geom_type == "Polygon"  # no gap between them


def test_shape_path_leaves_out_collapsed_parts_but_never_a_whole_constituency() -> None:
    square, speck = shapely.box(0, 0, 30, 20), shapely.box(40, 0, 40.2, 0.2)
    assert geo.shape_path(shapely.MultiPolygon([square, speck])) == "M30 0l0 20-30 0 0-20z"
    holed = shapely.Polygon([(0, 0), (9, 0), (9, 9), (0, 9)], [[(3, 3), (3, 6), (6, 6), (6, 3)]])
    d = geo.shape_path(geo.simplify_coverage(np.array([holed]), 0.1)[0])
    assert d.count("M") == 2 and _path_shape(d).area == 72  # the hole winds the other way
    flat = geo.shape_path(shapely.Polygon([(0, 0), (10, 0), (20, 0)]))  # all collapsed: kept
    assert flat.startswith("M0 0l")


def _path_shape(d: str) -> shapely.Geometry:
    """The area an SVG path of :mod:`geo` (``M x y l dx dy … z``, tenths of a pixel) fills under
    the non-zero rule, in pixels: its counter-clockwise rings less its clockwise ones."""
    outer, holes = [], []
    for sub in d.split("M")[1:]:
        v = np.array(re.findall(r"-?\d+", sub), dtype=float).reshape(-1, 2)
        ring = np.cumsum(v, axis=0) / geo.SUBPX
        poly = shapely.make_valid(shapely.Polygon(ring), method="structure", keep_collapsed=False)
        (outer if shapely.LinearRing(ring).is_ccw else holes).append(poly)
    return shapely.difference(shapely.union_all(outer), shapely.union_all(holes))


def _holes(shapes: np.ndarray) -> list[shapely.Polygon]:
    union = shapely.union_all(shapes)
    return [shapely.Polygon(r) for p in shapely.get_parts(union) for r in p.interiors]


def test_map_neighbours_share_one_border_without_gaps_or_overlaps(
    contours, layout: geo.GeoLayout
) -> None:
    """Every pair of neighbouring constituencies of the file, in each panel, as drawn (the path
    data parsed back): still neighbours, not overlapping, along most of their border, and the
    drawn coverage has no hole where the file has none."""
    shapes = dict(zip(contours.codes, geo.to_shapes(contours.polygons), strict=True))
    deps = {
        geo.department_of(c): n
        for c, n in zip(contours.codes, contours.department_names, strict=True)
    }
    n_pairs = 0
    for panel, frame, _tol in geo.panel_frames(contours.codes, shapes, deps):
        drawn = layout.zoom_paths if panel.name == "zoom" else layout.paths
        out = np.array([_path_shape(drawn[c]) for c in panel.codes])
        src = frame(np.array([shapes[c] for c in panel.codes]))
        i, j = shapely.STRtree(src).query(src, predicate="intersects")
        i, j = i[i < j], j[i < j]
        n_pairs += len(i)
        if len(i):
            assert shapely.intersects(out[i], out[j]).all()
            overlap = shapely.area(shapely.intersection(out[i], out[j]))
            assert overlap.max() < 0.01 and overlap.sum() < 0.1  # px², rounding slivers at most
            before, after = (
                shapely.length(
                    shapely.intersection(shapely.boundary(g[i]), shapely.buffer(g[j], 0.05))
                )
                for g in (src, out)
            )
            long = before > 2.0
            assert (after[long] > 0.25 * before[long]).all()  # a wiggly river straightens
        gaps = shapely.union_all(_holes(src))
        assert all(shapely.intersects(h, gaps) for h in _holes(out)), panel.name
        assert shapely.area(out).sum() == pytest.approx(shapely.area(src).sum(), rel=0.01)
    assert n_pairs > 1500  # 1465 in metropolitan France alone


def test_map_has_each_constituency_once(replay2024, layout: geo.GeoLayout) -> None:
    e = replay2024.election
    s = views.outcome_map_svg(replay2024, layout=layout)
    assert len(s.encode()) < 1_500_000
    root = _parse(s)
    coded = _coded(root)
    codes = [el.get("data-code") for el in coded]
    assert len(codes) == 577 and set(codes) == set(e.codes.tolist())
    kinds = Counter(el.tag.replace(SVG, "") for el in coded)
    assert kinds == {"path": 559, "rect": 18}
    assert {el.get("data-code") for el in coded if el.tag == f"{SVG}rect"} == NO_CONTOURS
    for el in coded:
        t = el.find(f"{SVG}title")
        assert t is not None and el.get("data-code") in t.text
    # colours: the winner's bloc, as many constituencies per colour as seats per bloc
    fills = Counter(el.get("fill") for el in coded)
    assert fills == Counter({palette.BLOC_COLOURS[b]: n for b, n in BLOCS_2024.items()})
    # the Paris zoom repeats 75, 92, 93, 94 (18 + 13 + 12 + 11) without data-code
    zoom = [el.get("data-zoom") for el in root.iter() if "data-zoom" in el.attrib]
    assert len(zoom) == 54 and {z[:2] for z in zoom} == {"75", "92", "93", "94"}
    title_7501 = next(el.find(f"{SVG}title").text for el in coded if el.get("data-code") == "7501")
    assert title_7501.startswith("Paris, 1ère circonscription (7501)")


def test_map_coloured_by_nuance(replay2024, layout: geo.GeoLayout) -> None:
    root = _parse(views.outcome_map_svg(replay2024, "nuance", layout=layout))
    fills = Counter(el.get("fill") for el in _coded(root))
    pal = palette.nuance_colours(2024, list(SEATS_2024))
    assert fills == Counter({pal[n]: k for n, k in SEATS_2024.items()})
    with pytest.raises(ValueError, match="bloc, nuance"):
        views.outcome_map_svg(replay2024, "party", layout=layout)


def test_undecided_constituencies_are_drawn_grey(store_path: Path, layout: geo.GeoLayout) -> None:
    with api.Session(store_path) as st:
        rep = st.replay(2022)  # round 2 of 2022 is not in the test mirror
    root = _parse(views.outcome_map_svg(rep, layout=layout))
    fills = Counter(el.get("fill") for el in _coded(root))
    assert sum(fills.values()) == 577
    assert fills[palette.UNDECIDED] == 577 - rep.decided


def _connected(adj: dict[int, set[int]], members: set[int]) -> set[int]:
    """The members reachable from the smallest one through neighbours that are members."""
    seen, todo = {min(members)}, [min(members)]
    while todo:
        for v in adj[todo.pop()] & members - seen:
            seen.add(v)
            todo.append(v)
    return seen


def test_cartogram_cells_are_distinct_deterministic_and_keep_paris_together(
    replay2024, layout: geo.GeoLayout, contours
) -> None:
    hexes = layout.hexes
    assert len(hexes) == 539 and all(geo.is_metropolitan(c) for c in hexes)
    p = np.array(list(hexes.values()))
    s = layout.hex_spacing
    d = np.sqrt(((p[:, None] - p[None]) ** 2).sum(axis=2)) + np.eye(len(p)) * 1e9
    assert d.min() > 0.99 * s  # 539 distinct cells of one grid, no overlap
    codes = list(hexes)
    # Paris is one block of 18 hexagons, surrounded by its inner suburbs
    adj: dict[int, set[int]] = {i: set() for i in range(len(p))}
    for i, j in geo.hex_neighbours(p, s):
        adj[i].add(j)
        adj[j].add(i)
    paris = {i for i, c in enumerate(codes) if c.startswith("75")}
    assert len(paris) == 18 and _connected(adj, paris) == paris
    around = Counter(geo.department_of(codes[j]) for i in paris for j in adj[i] - paris)
    assert sum(around[d] for d in ("92", "93", "94")) >= 0.8 * sum(around.values())
    # and departments hold together: at most a few are split in two
    deps = [geo.department_of(c) for c in codes]
    split = 0
    for dep in set(deps):
        ix = {i for i, d in enumerate(deps) if d == dep}
        split += _connected(adj, ix) != ix
    assert split <= 8
    # geography survives: the Nord above the Pyrénées-Orientales, Finistère west of the Bas-Rhin
    mean = {
        dep: p[[i for i, c in enumerate(codes) if geo.department_of(c) == dep]].mean(axis=0)
        for dep in ("59", "66", "29", "67")
    }
    assert mean["59"][1] < mean["66"][1] and mean["29"][0] < mean["67"][0]
    # deterministic: recomputed from the file, the same bytes
    assert geo.compute_layout(contours).to_json() == layout.to_json()
    a = views.outcome_cartogram_svg(replay2024, layout=layout)
    assert a == views.outcome_cartogram_svg(
        replay2024, layout=geo.GeoLayout.from_json(layout.to_json())
    )
    coded = _coded(_parse(a))
    assert len(coded) == 577 and {el.get("data-code") for el in coded} == set(
        replay2024.election.codes.tolist()
    )


def test_layout_is_cached_by_file_hash(contours_path: Path, layout: geo.GeoLayout) -> None:
    cf = geo.cache_file(layout.sha256)
    assert cf.is_file() and layout.sha256 == sources.sha256_of(contours_path)
    geo._MEMO.clear()
    assert geo.geo_layout(contours_path).to_json() == layout.to_json()  # read back from disk


def test_strip_and_map_reject_missing_fills(layout: geo.GeoLayout) -> None:
    with pytest.raises(ValueError, match="no fill"):
        maps.constituency_map_svg(["0101"], {}, {}, layout=layout)


# ----- projection and systems charts ---------------------------------------------------------


def _seats_frame() -> pd.DataFrame:
    rows = [
        ("left", 170, 167, 103, 244, 0.001),
        ("centre", 143, 145, 83, 198, 0.0),
        ("right", 71, 74, 44, 89, 0.0),
        ("far_right", 185, 181, 87, 295, 0.063),
        ("regionalist", 7.5, 8, 2, 11, 0.0),
        ("far_left", 0, 0, 0, 0, 0.0),
    ]
    return pd.DataFrame(
        [(g, "bloc", m, md, lo, hi, p) for g, m, md, lo, hi, p in rows],
        columns=["group", "kind", "mean", "median", "lo", "hi", "p_majority"],
    )


def test_projection_chart_draws_the_median_assembly_and_intervals() -> None:
    seats = _seats_frame()
    med = charts.median_assembly(seats)
    assert sum(med.values()) == 577 and med["far_right"] > med["left"] > med["centre"]
    s = charts.projection_svg(seats, actual=BLOCS_2024)
    root = _parse(s)
    assert len(list(root.iter(f"{SVG}circle"))) == 577
    rows = [g.get("data-group") for g in root.iter(f"{SVG}g") if g.get("class") == "interval"]
    assert rows == [
        "regionalist",
        "left",
        "centre",
        "right",
        "far_right",
    ]  # seating order (regionalists and others at the sides), empty left out
    assert "majority 289" in s
    with pytest.raises(ValueError, match="bloc"):
        charts.projection_svg(seats, kind="party")


def test_seat_distribution_histograms() -> None:
    rng = np.random.default_rng(1)
    draws = np.column_stack(
        [rng.binomial(577, 0.3, 2000), rng.binomial(577, 0.5, 2000), np.zeros(2000, int)]
    )
    s = charts.seat_distribution_svg(draws, ["left", "far_right", "other"])
    root = _parse(s)
    panels = [g.get("data-group") for g in root.iter(f"{SVG}g") if g.get("class") == "distribution"]
    assert panels == ["left", "far_right"]  # a group that never wins a seat has no panel
    p = float((draws[:, 1] >= 289).mean())
    assert f"P(≥289) {p:.1%}" in s
    with pytest.raises(ValueError, match="draws"):
        charts.seat_distribution_svg(draws, ["left"])


def test_systems_chart() -> None:
    rows = [
        ("actual", BLOCS_2024),
        (
            "mixed",
            {
                "left": 221,
                "centre": 165,
                "far_right": 251,
                "right": 74,
                "regionalist": 9,
                "other": 1,
            },
        ),
    ]
    s = charts.systems_svg(rows, [577, 721])
    root = _parse(s)
    bars = [g for g in root.iter(f"{SVG}g") if g.get("class") == "system"]
    assert [b.get("data-system") for b in bars] == ["actual", "mixed"]
    segs = [r.get("data-group") for r in bars[0].iter(f"{SVG}rect")]
    assert segs == ["regionalist", "left", "centre", "right", "far_right", "other"]
    assert len([p for p in root.iter(f"{SVG}path") if p.get("class") == "majority"]) == 2
    with pytest.raises(ValueError, match="exceed"):
        charts.systems_svg(rows, 577)


# ----- the report -----------------------------------------------------------------------------


class _Allocation:
    def __init__(self, system: str, seats: dict[str, int], house_size: int = 577) -> None:
        self.system, self.unit, self.house_size = system, "bloc", house_size
        self.groups, self.seats = tuple(seats), tuple(seats.values())
        self.notes = (f"{system} note",)


class _Comparison:
    allocations = (
        _Allocation("actual", BLOCS_2024),
        _Allocation("dhondt", {"far_right": 204, "left": 180, "centre": 133, "right": 60}),
    )


def test_report_is_offline_and_well_formed(
    store_path: Path, tmp_path: Path, layout, monkeypatch
) -> None:
    # Session.compare is tested elsewhere (and trains transfers: slow); its result is stubbed
    monkeypatch.setattr(api.Session, "compare", lambda self, year, **kw: _Comparison())
    with api.Session(store_path) as st:
        path = write_report(2024, tmp_path / "out", session=st, progress=False)
    assert path == tmp_path / "out" / "index.html"
    text = path.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text and "url(" not in text
    root = ET.fromstring(text)  # well-formed (XHTML syntax)
    assert root.tag == "html"
    for el in root.iter():
        assert "src" not in el.attrib
        href = el.get("href") or el.get("{http://www.w3.org/1999/xlink}href")
        assert href is None or href.startswith("#")
    assert (
        len(re.findall(r'data-code="', text)) == 3 * 577
    )  # the map, the cartogram, the round-1 map
    ids = {s.get("id") for s in root.iter("section")}
    assert {"assembly", "map", "cartogram", "round1", "systems"} <= ids
    assert [g.get("data-system") for g in root.iter("g") if g.get("class") == "system"] == [
        "actual",
        "dhondt",
    ]
    assert "dhondt note" in text
    assert "Ensemble" in text and ">178<" in text  # the seat table: UG 178
    assert "501" in text  # runoffs required by law in 2024
    assert "Ministère de l&#x27;Intérieur, Licence Ouverte / Etalab 2.0" in text  # escaped
    assert "Contours géographiques" in text and "Blank / null ballots" in text
    assert path.stat().st_size < 3_000_000


def test_report_without_other_systems(
    store_path: Path, tmp_path: Path, layout, monkeypatch
) -> None:
    """A comparison that cannot be made (a domain error) is said so; the rest of the report
    stands. Any other exception is a bug and is not hidden."""
    from hemicycle.errors import OptionError

    def refuse(self, year, **kw):
        raise OptionError("no system today")

    monkeypatch.setattr(api.Session, "compare", refuse)
    with api.Session(store_path) as st:
        text = write_report(2024, tmp_path, session=st, progress=False).read_text(encoding="utf-8")
    root = ET.fromstring(text)
    ids = {s.get("id") for s in root.iter("section")}
    assert {"systems", "map"} <= ids and "Not available: no system today" in text

    def bug(self, year, **kw):
        raise KeyError("a bug")

    monkeypatch.setattr(api.Session, "compare", bug)
    with api.Session(store_path) as st, pytest.raises(KeyError):
        write_report(2024, tmp_path, session=st, progress=False)


def test_report_cli(store_path: Path, tmp_path: Path, layout) -> None:
    from typer.testing import CliRunner

    from hemicycle.cli import app

    res = CliRunner().invoke(
        app, ["report", "2017", "--out", str(tmp_path), "--store", str(store_path)]
    )
    assert res.exit_code == 0, res.output
    assert "report" in res.output
    text = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Législatives 2017" in text and "https://" not in text
    # the real comparison of systems (2017: trained on 1997-2012)
    assert 'id="systems"' in text and 'data-system="plurality"' in text
    res = CliRunner().invoke(
        app, ["report", "1990", "--out", str(tmp_path), "--store", str(store_path)]
    )
    assert res.exit_code == 1 and "1990" in res.output
