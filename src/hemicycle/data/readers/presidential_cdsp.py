"""Presidential elections by legislative constituency, 1965–2012: the CDSP's (Sciences Po) tables
``<year>/presidential/cdsp_presi{year}t{1,2}_circ.csv``.

Not legislative results: the store keeps them apart (tables ``presidential_*``, see
:meth:`hemicycle.data.store.Store.ingest_presidential`), so that no legislative query mixes them
up. UTF-8, comma-separated; fixed columns ``Code département`` (2012: ``Code du département``),
``département`` (2012: ``Libellé du département``; 2007's round 2 repeats ``Code département``
for it), ``circonscription`` (2012: ``Code de la circonscription``), ``Inscrits``, ``Votants``,
``Exprimés``, ``Blancs et nuls``; then one column of votes per candidate, headed ``NAME (PARTY)``
(2007: ``BOVE`` without a party, ``DE VILLIERS MPF)``; 1988: ``JUQUIN ( )``). Each row is a
legislative constituency of the map of its time (:data:`MAPS`).

What is not a constituency is not read, with a quirk: empty rows (1988's round 2 has four), rows
without a constituency number (2007's round 1 gives Polynesia and New Caledonia one row each), the
French abroad before 2012 (no deputy of their own then). 2007's round 2 gives the overseas
territories codes that are not theirs (``975`` labelled Mayotte): an overseas row whose department
name is another code's (the Ministry's names of ``departments.csv``) takes that code, with a quirk.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache
from importlib.resources import files
from pathlib import Path

import pandas as pd

from hemicycle.data.official import Reader
from hemicycle.data.readers.cdsp import cdsp_files, constituency_code, department_code
from hemicycle.data.readers.common import (
    QuirkWarning,
    RoundTable,
    cell_text,
    decode_text,
    null_impossible,
    parse_int,
    split_text_rows,
    unique_code,
    votes_sum_quirk,
)
from hemicycle.errors import DataFileError

#: Each field's header, in the spellings the tables use
FIXED = {
    "department": ("Code département", "Code du département"),
    "department_name": ("département", "Libellé du département"),
    "constituency": ("circonscription", "Code de la circonscription"),
    "registered": ("Inscrits",),
    "voters": ("Votants",),
    "expressed": ("Exprimés",),
    "blank_null": ("Blancs et nuls",),
}
_CANDIDATE = re.compile(r"^(?P<name>.*?)\s*(?:\((?P<party>[^()]*)\)|(?P<bare>[A-Z0-9.-]+)\))?$")

#: The boundary map of each presidential table's constituencies (those of the legislative
#: elections of its time; README, "Boundary maps")
MAPS = {
    1965: "1958",
    1969: "1967",
    1974: "1967",
    1981: "1967",
    1988: "1986",
    1995: "1986",
    2002: "1986",
    2007: "1986",
    2012: "2010",
}


def candidate(header: str) -> tuple[str, str | None]:
    """A candidate column's name and party (``None`` where the header gives none).

    >>> candidate("DE GAULLE (UNR)"), candidate("DE VILLIERS MPF)"), candidate("JUQUIN ( )")
    (('DE GAULLE', 'UNR'), ('DE VILLIERS', 'MPF'), ('JUQUIN', None))
    """
    m = _CANDIDATE.match(" ".join(header.split()))
    assert m is not None  # the pattern matches any text
    party = (m.group("party") or m.group("bare") or "").strip()
    return m.group("name").strip(), party or None


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.upper())
    return re.sub(r"[^A-Z]", "", "".join(c for c in text if not unicodedata.combining(c)))


@cache
def _overseas_by_name() -> dict[str, str]:
    """Overseas department codes by their normalised Ministry name (``departments.csv``)."""
    text = files("hemicycle.data").joinpath("departments.csv").read_text(encoding="utf-8")
    return {
        _key(r["name"]): r["department"]
        for r in csv.DictReader(text.splitlines())
        if r["department"][:2] in ("97", "98")
    }


def _columns(
    header: list[str], *, file: str
) -> tuple[dict[str, int], int, list[tuple[str, str | None]]]:
    """The fixed columns, the first candidate column, and each candidate's name and party."""
    cols: dict[str, int] = {}
    for field, names in FIXED.items():
        hit = [i for i, h in enumerate(header) if h in names and i not in cols.values()]
        if field == "department_name" and not hit and header.count(names[0]) == 0:
            hit = [i for i, h in enumerate(header) if h == FIXED["department"][0]][1:]
        if not hit:
            raise DataFileError("missing column", file=file, line=1, column=names[0])
        cols[field] = hit[0]
    first = max(cols.values()) + 1
    people = [candidate(h) for h in header[first:]]
    if not people or any(not name for name, _ in people):
        raise DataFileError("a candidate column without a name", file=file, line=1)
    return cols, first, people


def _department(
    row: list[str], cols: dict[str, int], *, file: str, line: int, year: int
) -> tuple[str | None, str, list[QuirkWarning]]:
    """A data row's department code (``None``: not one constituency of ``year``'s map, not
    read), its department name, and the quirks of either."""
    dep, number = row[cols["department"]].strip(), row[cols["constituency"]].strip()
    name = cell_text(row[cols["department_name"]])
    if number == "" or (dep == "99" and year < 2012):
        return (
            None,
            name,
            [
                QuirkWarning(
                    file,
                    dep,
                    "not_a_constituency",
                    f"line {line}: {name} ({dep}) is not one legislative constituency of {year}'s "
                    "map (a whole territory, or the French abroad, who had no deputy before "
                    "2012); not read",
                )
            ],
        )
    named = _overseas_by_name().get(_key(name))
    if named is not None and department_code(dep) != named:
        quirk = QuirkWarning(
            file,
            named,
            "code_by_name",
            f"line {line}: department code {dep} for {name}, whose code is {named}; read "
            f"as {named}",
        )
        return named, name, [quirk]
    return dep, name, []


def _row_code(
    row: list[str],
    dep: str,
    header: list[str],
    cols: dict[str, int],
    seen: dict[str, int],
    *,
    file: str,
    line: int,
) -> str:
    """A data row's constituency code (``seen``: the line of each constituency so far)."""
    return unique_code(
        lambda: constituency_code(dep, row[cols["constituency"]].strip()),
        seen,
        file=file,
        line=line,
        column=header[cols["constituency"]],
    )


def _records(
    row: list[str],
    header: list[str],
    cols: dict[str, int],
    first: int,
    people: list[tuple[str, str | None]],
    *,
    file: str,
    line: int,
    code: str,
    name: str,
) -> tuple[dict[str, object], list[dict[str, object]]]:
    """A data row's totals and candidates (one per candidate column, 0 for an empty cell)."""

    def num(j: int) -> int:
        return parse_int(row[j], file=file, line=line, column=header[j], constituency=code)

    totals: dict[str, object] = {
        "constituency": code,
        "department_name": name,
        "registered": num(cols["registered"]),
        "abstentions": None,
        "voters": num(cols["voters"]),
        "blank": None,
        "null": num(cols["blank_null"]),
        "expressed": num(cols["expressed"]),
        "line": line,
    }
    cands: list[dict[str, object]] = []
    for k, (who, party) in enumerate(people, start=1):
        cell = row[first + k - 1]
        cands.append(
            {
                "constituency": code,
                "panel": k,
                "surname": who,
                "first_name": None,
                "party": party,
                "line": line,
                "label": header[first + k - 1],
                "votes": 0 if cell.strip() == "" else num(first + k - 1),
            }
        )
    return totals, cands


def _frames(
    totals: list[dict[str, object]], cands: list[dict[str, object]], *, file: str
) -> tuple[pd.DataFrame, pd.DataFrame, list[QuirkWarning]]:
    """The tables of a round, impossible values NULL, and their quirks (those NULLs, the votes
    that do not add up to the exprimés)."""
    if not totals:
        raise DataFileError("no data rows (truncated file?)", file=file)
    totals_df = pd.DataFrame(totals)
    cands_df = pd.DataFrame(cands)
    # the CDSP's historical policy: what cannot be true is NULL, with a quirk (1969's 27-1:
    # Pompidou's 223,111 votes for 65,666 inscrits)
    totals_df, cands_df, quirks = null_impossible(totals_df, cands_df, file=file)
    sums = cands_df.groupby("constituency", sort=False)["votes"].sum()
    for r in totals_df.itertuples(index=False):
        if (
            not pd.isna(r.expressed)
            and not cands_df.loc[cands_df["constituency"] == r.constituency, "votes"].isna().any()
        ):
            quirks.extend(
                votes_sum_quirk(file, r.constituency, int(sums[r.constituency]), r.expressed)
            )
    return totals_df.drop(columns="line"), cands_df, quirks


def read(path: Path, round_: int, *, year: int) -> RoundTable:
    file = path.name
    text = decode_text(path, expected_header="Inscrits", encodings=("utf-8",))
    rows = split_text_rows(text, delimiter=",", quoted=True)
    header = [" ".join(cell_text(c).split()) for c in rows[0]]
    cols, first, people = _columns(header, file=file)
    totals: list[dict[str, object]] = []
    cands: list[dict[str, object]] = []
    quirks: list[QuirkWarning] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows[1:], start=2):
        if all(c.strip() == "" for c in row):
            if i < len(rows):  # not the file's last line end
                quirks.append(QuirkWarning(file, "", "empty_row", f"line {i}: empty, skipped"))
            continue
        if len(row) != len(header):
            raise DataFileError(
                f"row has {len(row)} fields, the header {len(header)} (truncated line?)",
                file=file,
                line=i,
                column=header[min(len(row), len(header) - 1)],
            )
        dep, name, found = _department(row, cols, file=file, line=i, year=year)
        quirks.extend(found)
        if dep is None:
            continue
        code = _row_code(row, dep, header, cols, seen, file=file, line=i)
        rec, row_cands = _records(
            row, header, cols, first, people, file=file, line=i, code=code, name=name
        )
        totals.append(rec)
        cands.extend(row_cands)
    totals_df, cands_df, checked = _frames(totals, cands, file=file)
    return RoundTable(year, round_, file, totals_df, cands_df, quirks + checked)


_REPO = (
    "https://raw.githubusercontent.com/cdoucerain/meteo_des_elections/"
    "54abba5b37fd50ae600f850fe6fc292f3d080ed2/data/elections_sciences_po"
)
_PAGE = "https://www.data.gouv.fr/fr/datasets/elections-presidentielles-1965-2012/"
_SHA256 = {
    (1965, 1): "8bfe68823f4a74430f96e0882efe0ac3152640b9e760fd67e9200adcec6ff6a1",
    (1965, 2): "472f679f9d1e0c9eaf826d935d353e16a9c0a6cce3201dc931979337d78e6ecf",
    (1969, 1): "b11ad48d49803b2c02590b009c12690b5ed69b248d70f3176bed643bf36c9ae3",
    (1969, 2): "aa51e0778a67009a57629d4778622b2a92d7360d50b48c4038ed125dea38b9a7",
    (1974, 1): "666fa2bbfd9c013c490385b1a7be77ad56277389a2fd14b6cace6b7e673c6e65",
    (1974, 2): "279c8db02cf6868a280b65387c0d868106ea291a1b02da24b5cdb6c36819e759",
    (1981, 1): "538ff4dd15d8140e85a66a5e2ca56939c02ddd1d307f6eaa90cf4f7ed0c19d79",
    (1981, 2): "8c0b7f52d803c23dcfa7d96266e7adc9820a8507b2a8591c393f0e350deedd83",
    (1988, 1): "f67bcfcdbe451a411d2cc881736c8586dc5332773361e1cf400ac2dd8e8a1ea5",
    (1988, 2): "50d44968f41d43d596a8220aab8fb25ce833409228f65c425bb958b7a88b90f4",
    (1995, 1): "e1a78d21c6296749e43c3f0927b28f0b04edd825d4850d63e3f5195b1f42ea23",
    (1995, 2): "7b0b048e07256452fa49a6171d77b34699e0ee82908e3d6ba80ea410d9c8918e",
    (2002, 1): "d658cb1a94fc0a845c5567e3f55c70a6a79dcde559ff6bed6af5fc1c1e054f23",
    (2002, 2): "492b395498e124d423e552829d5654c235d2dbb513ac1ae7e790a34a19d8d40d",
    (2007, 1): "6f1bf44950c2cd4e1400146c1bac1924e1c7da35d19143250daa4b18fea4b2b9",
    (2007, 2): "e87f2c8f5a310050cb96615bc6f924754f49f08d5f1ba8444ea101a5653c0555",
    (2012, 1): "f53041f5b39a65bfbd35e22adc99a75b4b22c2e6047dc65aca35bbfd07acf0ff",
    (2012, 2): "4e56d538425e0043d3220692672847aed65f1619dcd99999d97b7bbce59cf8d8",
}
FILES = cdsp_files(
    _SHA256, kind="presi", role="presidential", folder="presidential/", repo=_REPO, page=_PAGE
)
READER = Reader(
    name="presidential_cdsp",
    files=FILES,
    read=lambda entry, path: read(path, entry.round, year=entry.year),
    presidential_maps=MAPS,
    publisher="the CDSP's tables (Sciences Po)",
    credit="the CDSP (Sciences Po)'s presidential results by legislative constituency, as "
    "committed in github.com/cdoucerain/meteo_des_elections (commit 54abba5b); no licence is "
    "stated there",
)
