"""The notebook façade's tidy tables and rich displays, as a political scientist uses them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import hemicycle as hc
from hemicycle import notebook
from hemicycle.replays import CANDIDATE_COLUMNS


def test_dir_is_the_facade() -> None:
    names = dir(hc)
    assert {"replay", "project", "results", "presidential", "Session"} <= set(names)
    assert not {"Any", "Path", "contextmanager", "TYPE_CHECKING", "annotations"} & set(names)


def test_results_is_tidy(store_path: Path) -> None:
    df = hc.results(2024, store=store_path)
    assert list(df.columns) == [
        *CANDIDATE_COLUMNS[:3],
        "department",
        "department_name",
        *CANDIDATE_COLUMNS[3:],
    ]
    assert df["constituency"].nunique() == 577
    won = df[(df["status"] == "elected")]
    assert len(won) == 577  # one winner a seat, in round 1 or 2
    assert (df.loc[df["constituency"] == "7505", "department_name"] == "Paris").all()


def test_power_has_floats_beside_the_exact_fractions() -> None:
    from hemicycle.session import coalitions_of

    g = coalitions_of({"A": 40, "B": 35, "C": 25})
    p = g.power()
    assert abs(p["banzhaf"].sum() - 1) < 1e-12 and sum(p["banzhaf_exact"]) == 1
    assert all(isinstance(f, Fraction) for f in p["shapley_shubik_exact"])
    assert (p["shapley_shubik"] == [float(f) for f in p["shapley_shubik_exact"]]).all()


def test_rich_displays(store_path: Path) -> None:
    rep = hc.replay(2024, store=store_path)
    html = notebook.replay_html(rep)
    assert "577 seats, majority 289" in html and "<svg" in html
    ET.fromstring(html)  # well-formed
    g = hc.coalitions(2024, store=store_path, train=None)
    gh = notebook.govern_html(g)
    assert "Banzhaf" in gh and f"{g.quota}" in gh
    ET.fromstring(gh)


def test_register_with_an_ipython_shell() -> None:
    seen: list[tuple[str, str]] = []

    class Html:
        def for_type_by_name(self, module: str, name: str, func: object) -> None:
            seen.append((module, name))

    class Shell:
        class display_formatter:  # noqa: N801 - IPython's attribute name
            formatters = {"text/html": Html()}

    notebook.register(Shell())
    assert ("hemicycle.replays", "Replay") in seen and len(seen) == 4
    for module, name in seen:  # each names a real class
        assert isinstance(getattr(__import__(module, fromlist=[name]), name), type)


def test_contours_as_a_geodataframe(store_path: Path) -> None:
    """The official contours (559 of the 577 constituencies: the file lacks the seats abroad and
    some overseas ones) as a GeoDataFrame with the constituency's label; none for a year on
    another map."""
    import pytest

    from hemicycle.errors import DataNotAvailableError

    gdf = hc.contours(2024, store=store_path)
    assert len(gdf) == 559 and gdf.crs.to_epsg() == 4326
    assert gdf.set_index("constituency").loc["7505", "label"] == "Paris 5"
    assert (gdf.geometry.to_crs(3857).area > 0).all()  # every feature has a shape
    with pytest.raises(DataNotAvailableError, match="1986 map"):
        hc.contours(1997, store=store_path)
