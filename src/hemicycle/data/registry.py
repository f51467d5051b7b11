"""The official files hemicycle knows: where to download them and the sha256 they must have.

Each :class:`OfficialFile` is one Ministry of the Interior publication (Licence Ouverte / Etalab 2.0)
or, for 1997–2012, one of the CDSP's (Sciences Po) historical constituency tables compiled from the
Ministry's results (downloaded from the public repository that holds them, pinned by sha256).
``name`` is the file name in a local mirror laid out as ``<year>/<name>`` (``HEMICYCLE_DATA``), which is
also the name it is cached under after download. Several files may serve one purpose (``role``): the
first one found locally wins, and downloads use the first one that has a URL.

Hashes are those of the copies documented in the test mirror's SOURCES.md files; where no trusted hash
is known the entry has ``sha256=None`` and a download is accepted unpinned, with a warning.

The constituency contours (role ``"contours"``) belong to no round: their entries have ``round=0``, so
:func:`hemicycle.data.sources.fetch_year` and the store's ingest (rounds 1 and 2) never see them; the
maps find them with ``sources.locate(CONTOURS_YEAR, 0, "contours")``. The boundaries drawn in 2010
hold for 2012 to 2024, so one file serves every year hemicycle reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["results", "candidacies", "contours"]


@dataclass(frozen=True, slots=True)
class OfficialFile:
    year: int
    round: int
    role: Role
    name: str
    url: str | None
    sha256: str | None
    dataset_page: str
    reader: str  # reader key in hemicycle.data.readers


_DG = "https://www.data.gouv.fr/fr/datasets"
_STATIC = "https://static.data.gouv.fr/resources"

#: The CDSP's (Sciences Po) historical constituency tables, 1997–2012, as committed in a public
#: repository (the copies the test mirror documents, byte for byte); no licence is stated there.
_CDSP = ("https://raw.githubusercontent.com/domi41/french-legislatives-analysis/"
         "9e888ad0391e4f31d7e607a85a87bd32e3aa2993/data")
_CDSP_PAGE = "https://github.com/domi41/french-legislatives-analysis/tree/9e888ad0391e4f31d7e607a85a87bd32e3aa2993/data"

FILES: tuple[OfficialFile, ...] = (
    # ----- 1997–2012: CDSP tables, both rounds (no panel numbers: see readers/cdsp.py) ----------
    OfficialFile(
        1997, 1, "results", "cdsp_legi1997t1_circ.csv", f"{_CDSP}/cdsp_legi1997t1_circ.csv",
        "5d9afd09317ea229ac41c22624009ca8535119ccdb614c9925d16557f52ba899",
        _CDSP_PAGE, "cdsp",
    ),
    OfficialFile(
        1997, 2, "results", "cdsp_legi1997t2_circ.csv", f"{_CDSP}/cdsp_legi1997t2_circ.csv",
        "c1fd1957049b4078f6b1ba847a158dc054e0d806980c52cc2179c68b912ca025",
        _CDSP_PAGE, "cdsp",
    ),
    OfficialFile(
        2002, 1, "results", "cdsp_legi2002t1_circ.csv", f"{_CDSP}/cdsp_legi2002t1_circ.csv",
        "193a44d3b0ef10267ffb002a8d06737324034dff42f3d9c74b7c6f1d8dc9576f",
        _CDSP_PAGE, "cdsp",
    ),
    OfficialFile(
        2002, 2, "results", "cdsp_legi2002t2_circ.csv", f"{_CDSP}/cdsp_legi2002t2_circ.csv",
        "968c7c45bc3c75c1791fc3e0a23f639d0d5089c7d784ebee676a26ecf2bf1ca1",
        _CDSP_PAGE, "cdsp",
    ),
    OfficialFile(
        2007, 1, "results", "cdsp_legi2007t1_circ.csv", f"{_CDSP}/cdsp_legi2007t1_circ.csv",
        "4578d0da4118d5cd9def3f490c191f81e0327e3fc71de64dd2116c47ecba5f37",
        _CDSP_PAGE, "cdsp",
    ),
    OfficialFile(
        2007, 2, "results", "cdsp_legi2007t2_circ.csv", f"{_CDSP}/cdsp_legi2007t2_circ.csv",
        "4fa6164a9a8685dd057b025ec0d29a5e4c110897a9a68cda4b9f09598e1e6032",
        _CDSP_PAGE, "cdsp",
    ),
    OfficialFile(
        2012, 1, "results", "cdsp_legi2012t1_circ.csv", f"{_CDSP}/cdsp_legi2012t1_circ.csv",
        "453fd1c31c59a40b27be7a72d64fb3d50769be20cb4f2eaa07b5f2cfc6717a3c",
        _CDSP_PAGE, "cdsp",
    ),
    OfficialFile(
        2012, 2, "results", "cdsp_legi2012t2_circ.csv", f"{_CDSP}/cdsp_legi2012t2_circ.csv",
        "ca1ac69a369e47e6e1b7fff72dbaf91d44079689b19ccca4114bc31679495f54",
        _CDSP_PAGE, "cdsp",
    ),
    # ----- 2017 -------------------------------------------------------------------------------
    OfficialFile(
        2017, 1, "results", "Leg_2017_Resultats_T1_c.xlsx",
        f"{_STATIC}/elections-legislatives-des-11-et-18-juin-2017-resultats-du-1er-tour/"
        "20170613-095447/Leg_2017_Resultats_T1_c.xlsx",
        "ab5e557728db36358d495980c9f32159aaed273b58f59203961bebeabddb680d",
        f"{_DG}/elections-legislatives-des-11-et-18-juin-2017-resultats-du-1er-tour/",
        "2017",
    ),
    OfficialFile(
        2017, 2, "results", "Leg_2017_Resultats_T2_c.xlsx",
        f"{_DG}/r/41483dcf-4c61-4e30-b7f8-d10396d28040",
        "4980a4914b41adb11f342521d6094d7f99a67e82a92ac72bd3de056f8273276d",
        f"{_DG}/elections-legislatives-des-11-et-18-juin-2017-resultats-du-2nd-tour/",
        "2017",
    ),
    # ----- 2022 -------------------------------------------------------------------------------
    OfficialFile(
        2022, 1, "results", "resultats-par-niveau-cirlg-t1-france-entiere.txt",
        f"{_DG}/r/626d173f-5c89-42f5-9350-403559f1a3e8",
        "cf3827f8d14df369a7821d02323ab0aff6031e3e9bf64d62c3a54a96c1545d93",
        f"{_DG}/elections-legislatives-des-12-et-19-juin-2022-resultats-definitifs-du-premier-tour/",
        "2022",
    ),
    OfficialFile(  # absent from the test mirror on purpose; 122,968 bytes, 572 rows
        2022, 2, "results", "resultats-par-niveau-cirlg-t2-france-entiere.txt",
        f"{_DG}/r/a84f1483-a191-4187-ad40-404105bb9bf0",
        "0878a6943a609cf489c7af1f52e38e9152d788995c76ecbba58eb75926962fc7",
        f"{_DG}/elections-legislatives-des-12-et-19-juin-2022-resultats-definitifs-du-second-tour/",
        "2022",
    ),
    # ----- 2024 -------------------------------------------------------------------------------
    # The copies the test mirror holds (names as published by third parties, hashes known) come
    # first; the Ministry's own resources follow with their URLs. No upstream hash of the 2024 files
    # was ever published, so those downloads are unpinned (a warning says so).
    OfficialFile(
        2024, 1, "results", "resultats_circonscription_tour_1.xlsx",
        None,
        "bb12d988607072007ab51fc887465503c1b6aa877e8c1e012283adde2d078fdd",
        f"{_DG}/elections-legislatives-des-30-juin-et-7-juillet-2024-resultats-definitifs-du-1er-tour/",
        "2024",
    ),
    OfficialFile(
        2024, 1, "results", "resultats-definitifs-par-circonscriptions-legislatives.xlsx",
        f"{_STATIC}/elections-legislatives-des-30-juin-et-7-juillet-2024-resultats-definitifs-du-1er-tour/"
        "20240710-171239/resultats-definitifs-par-circonscriptions-legislatives.xlsx",
        None,
        f"{_DG}/elections-legislatives-des-30-juin-et-7-juillet-2024-resultats-definitifs-du-1er-tour/",
        "2024",
    ),
    OfficialFile(
        2024, 1, "results", "resultats-definitifs-par-circonscriptions-legislatives.csv",
        f"{_STATIC}/elections-legislatives-des-30-juin-et-7-juillet-2024-resultats-definitifs-du-1er-tour/"
        "20240710-171413/resultats-definitifs-par-circonscriptions-legislatives.csv",
        None,
        f"{_DG}/elections-legislatives-des-30-juin-et-7-juillet-2024-resultats-definitifs-du-1er-tour/",
        "2024",
    ),
    OfficialFile(
        2024, 2, "results", "resultats_circonscription_tour_2.xlsx",
        None,
        "be9354a3cbeeb894eca360073d236d8bba1fc68e8ecdd60793bbfacfdcff6cac",
        f"{_DG}/elections-legislatives-des-30-juin-et-7-juillet-2024-resultats-definitifs-du-2nd-tour/",
        "2024",
    ),
    OfficialFile(
        2024, 2, "results", "legislatives-2024-resultats-t2.csv",
        None,
        "bcc062b9264dcf3dc1eac5463acf1e8743171b86385923e7f770fd9028271083",
        f"{_DG}/elections-legislatives-des-30-juin-et-7-juillet-2024-resultats-definitifs-du-2nd-tour/",
        "2024",
    ),
    OfficialFile(
        2024, 2, "results", "resultats-definitifs-par-circonscription.csv",
        f"{_STATIC}/elections-legislatives-des-30-juin-et-7-juillet-2024-resultats-definitifs-du-2nd-tour/"
        "20240710-170728/resultats-definitifs-par-circonscription.csv",
        None,
        f"{_DG}/elections-legislatives-des-30-juin-et-7-juillet-2024-resultats-definitifs-du-2nd-tour/",
        "2024",
    ),
    OfficialFile(
        2024, 1, "candidacies", "candidatures_tour_1.xlsx",
        None,
        "a68d547ce19171280f527888f1160051ba5a4146a602a4b448da4d3e3d86fb7f",
        f"{_DG}/elections-legislatives-des-30-juin-et-7-juillet-2024-liste-des-candidats-du-1er-tour/",
        "2024-candidacies",
    ),
    OfficialFile(
        2024, 1, "candidacies", "legislatives-2024-candidatures-france-entiere-tour-1-2024-06-28.csv",
        f"{_STATIC}/elections-legislatives-des-30-juin-et-7-juillet-2024-liste-des-candidats-du-1er-tour/"
        "20240628-172440/legislatives-2024-candidatures-france-entiere-tour-1-2024-06-28.csv",
        None,
        f"{_DG}/elections-legislatives-des-30-juin-et-7-juillet-2024-liste-des-candidats-du-1er-tour/",
        "2024-candidacies",
    ),
    OfficialFile(
        2024, 2, "candidacies", "candidatures_tour_2.xlsx",
        None,
        "bf57b87ed1112a03da2d9fb46aa968c51320df2b0d1d7f32d377f091f0884b8d",
        f"{_DG}/elections-legislatives-des-30-juin-et-7-juillet-2024-liste-des-candidats-du-2nd-tour/",
        "2024-candidacies",
    ),
    OfficialFile(
        # version of 3 July 15h37: Finistère (29) panel numbers renumbered 1..n (fixed on 5 July)
        2024, 2, "candidacies", "legislatives-2024-candidatures-france-entiere-tour-2-2024-07-03-15h37.csv",
        None,
        "dcf28be43991aeda9c562b907d83036fd8859e993f26a4fc966d7b30ae3e50d7",
        f"{_DG}/elections-legislatives-des-30-juin-et-7-juillet-2024-liste-des-candidats-du-2nd-tour/",
        "2024-candidacies",
    ),
    OfficialFile(
        2024, 2, "candidacies", "legislatives-2024-candidatures-france-entiere-tour-2-2024-07-03-12h18.xlsx",
        f"{_STATIC}/elections-legislatives-des-30-juin-et-7-juillet-2024-liste-des-candidats-du-2nd-tour/"
        "20240703-133918/legislatives-2024-candidatures-france-entiere-tour-2-2024-07-03-12h18.xlsx",
        None,
        f"{_DG}/elections-legislatives-des-30-juin-et-7-juillet-2024-liste-des-candidats-du-2nd-tour/",
        "2024-candidacies",
    ),
    # ----- constituency contours (round 0: not a round's results) -------------------------------
    # The mirror holds the upstream GeoJSON zipped (one member, the upstream file unchanged); a
    # download fetches the upstream GeoJSON itself. The reader accepts either.
    OfficialFile(
        2024, 0, "contours", "circonscriptions-legislatives-p20.geojson.zip",
        None,
        "b401f3d9d379dc2958265947e206e0e7f5483aba70e5c1fbb83202bcef8cfd8a",
        f"{_DG}/contours-geographiques-des-circonscriptions-legislatives/",
        "contours",
    ),
    OfficialFile(
        2024, 0, "contours", "circonscriptions-legislatives-p20.geojson",
        f"{_STATIC}/contours-geographiques-des-circonscriptions-legislatives/"
        "20240613-191506/circonscriptions-legislatives-p20.geojson",
        "5498415e3ce872a45e25c5c9bc55de8fd3b82d14cdf416c87214a823f087d67e",
        f"{_DG}/contours-geographiques-des-circonscriptions-legislatives/",
        "contours",
    ),
)

YEARS: tuple[int, ...] = tuple(sorted({f.year for f in FILES}))
#: The year under which the contours are registered (they serve every year in :data:`YEARS`).
CONTOURS_YEAR = 2024


def files_for(year: int, round_: int | None = None, role: Role | None = None) -> list[OfficialFile]:
    """The registry entries for a year (and round, role), in order of preference."""
    return [
        f
        for f in FILES
        if f.year == year and (round_ is None or f.round == round_) and (role is None or f.role == role)
    ]


#: The constituency boundaries each year uses: the 1986 map (1988–2007) or the 2010 map (2012 on,
#: with the 11 seats abroad). A canonical code names the same seat only within one map.
BOUNDARY_MAPS: dict[int, str] = {1997: "1986", 2002: "1986", 2007: "1986", 2012: "2010", 2017: "2010",
                                  2022: "2010", 2024: "2010"}


def boundary_map(year: int) -> str:
    """The boundary map (``"1986"`` or ``"2010"``) of ``year``'s constituencies."""
    try:
        return BOUNDARY_MAPS[year]
    except KeyError:
        from hemicycle.errors import YearNotAvailableError

        raise YearNotAvailableError(f"no boundary map is known for {year}; known: "
                                       f"{', '.join(map(str, sorted(BOUNDARY_MAPS)))}") from None
