"""The official files hemicycle knows: where to download them and the sha256 they must have.

The entries are declared by the reader modules themselves (``hemicycle.data.readers.*``: each ends
with a ``READER`` listing its :class:`OfficialFile` entries) and collected here, so adding a year is
one reader module (its files declared in it) and its rows in ``blocs.csv``; nothing else changes.

Each :class:`OfficialFile` is one Ministry of the Interior publication (Licence Ouverte / Etalab
2.0) or, for 1997–2012, one of the CDSP's (Sciences Po) historical constituency tables compiled from
the Ministry's results (downloaded from the public repository that holds them, pinned by sha256).
``name`` is the file name in a local mirror laid out as ``<year>/<name>`` (``HEMICYCLE_DATA``),
which is also the name it is cached under after download. Several files may serve one purpose
(``role``): the first one found locally wins, and downloads use the first one that has a URL.

Hashes are those of the copies documented in the test mirror's SOURCES.md files; where no trusted
hash is known the entry has ``sha256=None`` and a download is accepted unpinned, with a warning.

The constituency contours (role ``"contours"``) belong to no round: their entries have ``round=0``,
so :func:`hemicycle.data.sources.fetch_year` and the store's ingest (rounds 1 and 2) never see
them; the maps find them with ``sources.locate(CONTOURS_YEAR, 0, "contours")``. The boundaries
drawn in 2010 hold for 2012 to 2024, so one file serves every year of that map.
"""

from __future__ import annotations

from hemicycle.data.official import OfficialFile, Reader, Role
from hemicycle.data.readers import READERS
from hemicycle.data.readers.contours import CONTOURS_YEAR

__all__ = [
    "BOUNDARY_MAPS",
    "CONTOURS_YEAR",
    "FILES",
    "PRESIDENTIAL_MAPS",
    "PRESIDENTIAL_YEARS",
    "TRAINING_YEARS",
    "YEARS",
    "OfficialFile",
    "Reader",
    "Role",
    "boundary_map",
    "files_for",
]

FILES: tuple[OfficialFile, ...] = tuple(f for r in READERS for f in r.files)

#: The constituency boundaries each year uses, named by the year they were drawn or first used:
#: 1958 (1958, 1962), 1967 (the 1958 map with the Paris region's new departments: 1967–1981; 1978
#: adds Corsica's 2A/2B seats), 1986 (1988–2007), 2010 (2012 on, with the 11 seats abroad). A
#: canonical code names the same seat only within one map.
BOUNDARY_MAPS: dict[int, str] = dict(
    sorted((y, m) for r in READERS for y, m in r.boundary_maps.items())
)

#: Years with results, each with a boundary map (checked by the tests).
YEARS: tuple[int, ...] = tuple(sorted({f.year for f in FILES if f.role == "results"}))

#: The elections a projection may learn vote transfers from by default: every year but those
#: their readers mark untrained (1958–1993: no names before 1988, a party column standing for
#: several candidates, and a back-test that covers 1997–2024 only). The store holds and replays
#: them all; choosing the training set is the projection's (``sim``, ``api.training_year``).
TRAINING_YEARS: tuple[int, ...] = tuple(
    y for y in YEARS if not any(y in r.untrained_years for r in READERS)
)

#: The boundary map of each presidential election read by legislative constituency (its
#: legislative constituencies of the time); these years are not in :data:`YEARS`.
PRESIDENTIAL_MAPS: dict[int, str] = dict(
    sorted((y, m) for r in READERS for y, m in r.presidential_maps.items())
)
#: Presidential elections by legislative constituency (files of role ``presidential``)
PRESIDENTIAL_YEARS: tuple[int, ...] = tuple(
    sorted({f.year for f in FILES if f.role == "presidential"})
)


def files_for(year: int, round_: int | None = None, role: Role | None = None) -> list[OfficialFile]:
    """The catalogue's entries for a year (and round, role), in order of preference."""
    return [
        f
        for f in FILES
        if f.year == year
        and (round_ is None or f.round == round_)
        and (role is None or f.role == role)
    ]


def boundary_map(year: int) -> str:
    """The boundary map (``"1958"``, ``"1967"``, ``"1986"`` or ``"2010"``) of ``year``'s
    constituencies."""
    try:
        return BOUNDARY_MAPS[year]
    except KeyError:
        from hemicycle.errors import YearNotAvailableError

        raise YearNotAvailableError(
            f"no boundary map is known for {year}; known: "
            f"{', '.join(map(str, sorted(BOUNDARY_MAPS)))}"
        ) from None
