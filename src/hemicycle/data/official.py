"""What a reader module declares: its official files (:class:`OfficialFile`) and itself
(:class:`Reader`).

Every module of :mod:`hemicycle.data.readers` (but the shared helpers) ends with one ``READER``; the
catalogue (:mod:`hemicycle.data.files`) collects them, so adding a year is one reader module, its
files declared in it, and its rows in ``blocs.csv``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from hemicycle.data.readers.common import RoundTable

#: ``presidential``: a presidential election's results by legislative constituency (kept apart
#: from the legislative ones, in the store's ``presidential_*`` tables)
Role = Literal["results", "candidacies", "contours", "presidential"]
#: The roles a round's ingest reads (the contours belong to no round).
ROUND_ROLES: tuple[Role, ...] = ("results", "candidacies")


@dataclass(frozen=True, slots=True, kw_only=True)
class OfficialFile:
    """One published file. ``name`` is its name in a mirror laid out as ``<year>/<name>``
    (``HEMICYCLE_DATA``) and in the download cache; ``sha256`` pins a download (``None``: unpinned,
    accepted with a warning); ``round`` is 0 for files of no round (the contours)."""

    year: int
    round: int
    role: Role
    name: str
    url: str | None
    sha256: str | None
    dataset_page: str

    @property
    def reader(self) -> str:
        """The name of the reader that declares this file (e.g. ``"2017"``, ``"cdsp"``): for display
        and the store's records; files are read by their declaring module, never looked up by it."""
        from hemicycle.data.readers import reader_of

        return reader_of(self).name


@dataclass(frozen=True, slots=True, kw_only=True)
class Reader:
    """A reader module: the files it reads and how.

    ``read`` turns one file into a :class:`~hemicycle.data.readers.common.RoundTable` (role
    ``results``) or a table of candidacies (role ``candidacies``); ``link`` gives round 2 its panel
    numbers from round 1 for layouts that have none; ``boundary_maps`` says which constituency map
    each year of its results uses (``"1958"``, ``"1967"``, ``"1986"`` or ``"2010"``: the year the
    map was drawn); ``publisher`` names the source in titles, ``credit`` in a report's footer (whose
    data, under which licence).

    ``constituencies`` gives the number of constituencies a year's round 1 must hold where it is
    not :data:`hemicycle.rules.SEATS` (1958: 465; 1988: 576, the source lacking one seat).
    ``presidential_maps``: the boundary map of each presidential
    election a reader of role ``presidential`` reads (its years are not legislative years).
    ``untrained_years``: years a projection should not learn vote transfers from by default (see
    :data:`hemicycle.data.files.TRAINING_YEARS`).
    """

    name: str  # a short, stable name: the year it reads ("2017"), or the layout ("cdsp")
    files: tuple[OfficialFile, ...]
    read: Callable[[OfficialFile, Path], Any] | None = None
    link: Callable[[RoundTable, RoundTable], RoundTable] | None = None
    boundary_maps: Mapping[int, str] = field(default_factory=dict)
    constituencies: Mapping[int, int] = field(default_factory=dict)
    presidential_maps: Mapping[int, str] = field(default_factory=dict)
    untrained_years: frozenset[int] = frozenset()
    publisher: str = "the Ministry of the Interior's files"
    credit: str = "Ministère de l'Intérieur, Licence Ouverte / Etalab 2.0"


#: data.gouv.fr's dataset pages and static resources, the Ministry's publication channel
DATA_GOUV = "https://www.data.gouv.fr/fr/datasets"
DATA_GOUV_STATIC = "https://static.data.gouv.fr/resources"
