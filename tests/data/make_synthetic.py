"""Write the synthetic sample mirror: every official layout hemicycle reads, three constituencies
each.

    python tests/data/make_synthetic.py          # rewrites tests/data/<year>/<official file name>

The names of candidates are invented; the numbers satisfy the Ministry's identities (inscrits =
abstentions + votants, votants = blancs + nuls + exprimés, votes sum to exprimés) and the law
decides what the files say: in every year, constituency 0101 elects in round 1, 2A01 has three
qualified candidates and a withdrawal (a duel in round 2) and 97101 a duel. Headers, sheet names,
title rows, encodings, quoting, cell types and line endings mimic the real files (see each writer).
The output is deterministic (fixed workbook dates), so regenerating changes no byte.

``SAMPLE.md`` in the mirror root tells the store that this mirror is a sample: a year need not cover
all 577 constituencies. The fuzz test (``tests/test_fuzz_ingest.py``) uses :func:`write_xlsx` to
re-write mutated workbooks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Cand:
    panel: int
    sex: str  # M / F
    surname: str
    first_name: str
    votes: int
    elected: bool = False
    birth: str = "01/01/1970"
    incumbent: bool = False


@dataclass(frozen=True)
class Row:
    dep: str  # canonical department: 01, 2A, 971
    dep_name: str
    number: int
    registered: int
    abstentions: int
    voters: int
    blank: int
    null: int
    expressed: int
    cands: tuple[Cand, ...]

    def __post_init__(self) -> None:  # the Ministry's identities hold in the sample
        assert self.registered == self.abstentions + self.voters
        assert self.voters == self.blank + self.null + self.expressed
        assert sum(c.votes for c in self.cands) == self.expressed


def _round1(nuances: Sequence[str]) -> tuple[list[Row], list[str]]:
    n = list(nuances)
    return [
        Row(
            "01",
            "Ain",
            1,
            10000,
            4000,
            6000,
            100,
            50,
            5850,
            (
                Cand(1, "F", "ARBOGAST", "Léa", 3100, True, "12/03/1971", True),
                Cand(2, "M", "BERTHELOT", "Noé", 1800, False, "02/11/1980"),
                Cand(3, "F", "CAZENAVE", "Inès", 950, False, "30/06/1990"),
            ),
        ),
        Row(
            "2A",
            "Corse-du-Sud",
            1,
            8000,
            4000,
            4000,
            80,
            20,
            3900,
            (
                Cand(1, "M", "DELORME", "Hugo", 1500, False, "14/02/1965"),
                Cand(2, "F", "ÉTIENNE", "Zoé", 1200, False, "21/08/1975", True),
                Cand(3, "M", "FAUCHER", "Jules", 1100, False, "05/05/1985"),
                Cand(4, "F", "GIRARDOT", "Maëlle", 100, False, "09/09/1999"),
            ),
        ),
        Row(
            "971",
            "Guadeloupe",
            1,
            6000,
            3000,
            3000,
            40,
            10,
            2950,
            (
                Cand(1, "M", "HOARAU", "Théo", 1400, False, "17/01/1968"),
                Cand(2, "F", "ISAMBERT", "Chloé", 1000, False, "23/04/1979"),
                Cand(3, "M", "JOUBERT", "Élie", 550, False, "11/12/1992"),
            ),
        ),
    ], n


def election(nuances: Sequence[str]) -> tuple[list[Row], list[Row], dict[tuple[str, int], str]]:
    """Round 1, round 2 and the nuance of each (department, panel) for one year."""
    r1, n = _round1(nuances)
    nuance = {
        ("01", 1): n[0],
        ("01", 2): n[1],
        ("01", 3): n[2],
        ("2A", 1): n[1],
        ("2A", 2): n[0],
        ("2A", 3): n[2],
        ("2A", 4): n[3],
        ("971", 1): n[2],
        ("971", 2): n[1],
        ("971", 3): n[3],
    }
    b, c = r1[1], r1[2]
    r2 = [
        Row(
            "2A",
            "Corse-du-Sud",
            1,
            8000,
            3600,
            4400,
            150,
            50,
            4200,
            (
                Cand(1, "M", "DELORME", "Hugo", 2000, False, "14/02/1965"),
                Cand(2, "F", "ÉTIENNE", "Zoé", 2200, True, "21/08/1975", True),
            ),
        ),
        Row(
            "971",
            "Guadeloupe",
            1,
            6000,
            2900,
            3100,
            60,
            40,
            3000,
            (
                Cand(1, "M", "HOARAU", "Théo", 1400, False, "17/01/1968"),
                Cand(2, "F", "ISAMBERT", "Chloé", 1600, True, "23/04/1979"),
            ),
        ),
    ]
    assert (b.registered, c.registered) == (r2[0].registered, r2[1].registered)
    return r1, r2, nuance


NUANCES = {
    2017: ("REM", "LR", "FN", "FI"),
    2022: ("ENS", "NUP", "RN", "LR"),
    2024: ("ENS", "UG", "RN", "LR"),
}
LETTER = {"971": "ZA"}  # 2017 and 2022 name overseas departments by letters


def _pct(a: int, b: int, *, percent_sign: bool = False) -> object:
    v = round(100 * a / b, 2) if b else 0.0
    return f"{v:.2f}".replace(".", ",") + "%" if percent_sign else v


def _name(number: int) -> str:
    return "1ère circonscription" if number == 1 else f"{number}ème circonscription"


# ----- writers -----------------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: Sequence[tuple[str, Sequence[Sequence[object]]]]) -> None:
    """A workbook of ``(sheet name, rows)``; cells are numbers (int/float) or text.
    Deterministic."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    wb.set_properties({"created": dt.datetime(2024, 7, 10), "author": "hemicycle tests"})
    for name, rows in sheets:
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                if cell is None or cell == "":
                    continue
                if isinstance(cell, bool):
                    ws.write_string(i, j, str(cell))
                elif isinstance(cell, int | float):
                    ws.write_number(i, j, cell)
                else:
                    ws.write_string(i, j, str(cell))
    wb.close()


def write_text(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    encoding: str,
    newline: str,
    quote: bool = False,
    trailing: str = "",
) -> None:
    """``;``-separated text; with ``quote``, text cells are double-quoted as in the 2024 CSVs: all
    but those made of letters only (``Inscrits``, ``Ain``, ``MASCULIN``, ``élu`` stay bare;
    ``"% Votants"``, ``"0101"``, ``"Corse-du-Sud"`` are quoted)."""

    def cell(v: object) -> str:
        if v is None or v == "":
            return ""
        if quote and isinstance(v, str) and not v.isalpha():
            return '"' + v.replace('"', '""') + '"'
        return str(v)

    lines = [";".join(cell(v) for v in row) + trailing for row in rows]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))


# ----- layouts -----------------------------------------------------------------------------------

FIXED_2017 = [
    "Code du département",
    "Libellé du département",
    "Code de la circonscription",
    "Libellé de la circonscription",
    "Inscrits",
    "Abstentions",
    "% Abs/Ins",
    "Votants",
    "% Vot/Ins",
    "Blancs",
    "% Blancs/Ins",
    "% Blancs/Vot",
    "Nuls",
    "% Nuls/Ins",
    "% Nuls/Vot",
    "Exprimés",
    "% Exp/Ins",
    "% Exp/Vot",
]
BLOCK_2017 = [
    "N°Panneau",
    "Sexe",
    "Nom",
    "Prénom",
    "Nuance",
    "Voix",
    "% Voix/Ins",
    "% Voix/Exp",
    "Sièges",
]


def _fixed_2017(r: Row, dep: object, number: object, etat: bool) -> list[object]:
    out: list[object] = [dep, r.dep_name, number, _name(r.number)]
    if etat:
        out.append("Complet")
    out += [
        r.registered,
        r.abstentions,
        _pct(r.abstentions, r.registered),
        r.voters,
        _pct(r.voters, r.registered),
        r.blank,
        _pct(r.blank, r.registered),
        _pct(r.blank, r.voters),
        r.null,
        _pct(r.null, r.registered),
        _pct(r.null, r.voters),
        r.expressed,
        _pct(r.expressed, r.registered),
        _pct(r.expressed, r.voters),
    ]
    return out


def _blocks_2017(r: Row, nuance: dict[tuple[str, int], str]) -> list[object]:
    out: list[object] = []
    for c in r.cands:
        out += [
            c.panel,
            c.sex,
            c.surname,
            c.first_name,
            nuance[(r.dep, c.panel)],
            c.votes,
            _pct(c.votes, r.registered),
            _pct(c.votes, r.expressed),
            "Elu" if c.elected else "",
        ]
    return out


def rows_2017(
    rows: list[Row], nuance: dict[tuple[str, int], str], round_: int
) -> list[list[object]]:
    """Title, blank row, header (blocks repeated to the widest row), data: xlsx numbers as
    floats."""
    width = max(len(r.cands) for r in rows)
    title = "Résultats par circonscriptions législatives" + (" - Tour 2" if round_ == 2 else "")
    out: list[list[object]] = [[title], [], FIXED_2017 + BLOCK_2017 * width]
    for r in rows:
        dep: object = (
            float(int(r.dep)) if r.dep.isdigit() and len(r.dep) == 2 else LETTER.get(r.dep, r.dep)
        )
        row = _fixed_2017(r, dep, float(r.number), etat=False) + _blocks_2017(r, nuance)
        out.append([float(v) if isinstance(v, int) else v for v in row])
    return out


def rows_2022(rows: list[Row], nuance: dict[tuple[str, int], str]) -> list[list[object]]:
    """Header names one block; data rows carry every block, decimal commas, codes as text."""
    header = FIXED_2017[:4] + ["Etat saisie"] + FIXED_2017[4:] + BLOCK_2017
    out: list[list[object]] = [header]
    for r in rows:
        row = _fixed_2017(r, LETTER.get(r.dep, r.dep), f"{r.number:02d}", etat=True) + _blocks_2017(
            r, nuance
        )
        out.append([f"{v:.2f}".replace(".", ",") if isinstance(v, float) else v for v in row])
    return out


FIXED_2024 = [
    "Code département",
    "Libellé département",
    "Code circonscription législative",
    "Libellé circonscription législative",
    "Inscrits",
    "Votants",
    "% Votants",
    "Abstentions",
    "% Abstentions",
    "Exprimés",
    "% Exprimés/inscrits",
    "% Exprimés/votants",
    "Blancs",
    "% Blancs/inscrits",
    "% Blancs/votants",
    "Nuls",
    "% Nuls/inscrits",
    "% Nuls/votants",
]
BLOCK_2024 = [
    "Numéro de panneau {k}",
    "Nuance candidat {k}",
    "Nom candidat {k}",
    "Prénom candidat {k}",
    "Sexe candidat {k}",
    "Voix {k}",
    "% Voix/inscrits {k}",
    "% Voix/exprimés {k}",
    "Elu {k}",
]


def rows_2024(
    rows: list[Row], nuance: dict[tuple[str, int], str], *, numeric_codes: bool, width: int = 4
) -> list[list[object]]:
    """One row per constituency; numbered blocks; percentages as text ("71,20%")."""
    header = FIXED_2024 + [h.format(k=k) for k in range(1, width + 1) for h in BLOCK_2024]
    out: list[list[object]] = [header]
    for r in rows:
        code = f"{r.dep}{r.number:02d}"
        if numeric_codes and r.dep.isdigit():
            dep: object = float(int(r.dep))
            cc: object = float(int(code))
        else:
            dep, cc = r.dep, code
        row: list[object] = [
            dep,
            r.dep_name,
            cc,
            _name(r.number),
            r.registered,
            r.voters,
            _pct(r.voters, r.registered, percent_sign=True),
            r.abstentions,
            _pct(r.abstentions, r.registered, percent_sign=True),
            r.expressed,
            _pct(r.expressed, r.registered, percent_sign=True),
            _pct(r.expressed, r.voters, percent_sign=True),
            r.blank,
            _pct(r.blank, r.registered, percent_sign=True),
            _pct(r.blank, r.voters, percent_sign=True),
            r.null,
            _pct(r.null, r.registered, percent_sign=True),
            _pct(r.null, r.voters, percent_sign=True),
        ]
        for c in r.cands:
            row += [
                c.panel,
                nuance[(r.dep, c.panel)],
                c.surname,
                c.first_name,
                "MASCULIN" if c.sex == "M" else "FEMININ",
                c.votes,
                _pct(c.votes, r.registered, percent_sign=True),
                _pct(c.votes, r.expressed, percent_sign=True),
                "élu" if c.elected else "",
            ]
        row += [""] * (len(header) - len(row))
        out.append(row)
    return out


CANDIDACY_HEADER = [
    "Code département",
    "Département",
    "Code circonscription",
    "Libellé circonscription",
    "Numéro de panneau",
    "N° dépôt",
    "Sexe du candidat",
    "Nom du candidat",
    "Prénom du candidat",
    "Date de naissance du candidat",
    "Code nuance",
    "Profession",
    "Sortant",
    "Sexe remplaçant",
    "Nom remplaçant",
    "Prénom remplaçant",
    "Date de naissance remplaçant",
    "Sortant remplaçant",
]


def rows_candidacies(
    rows: list[Row], nuance: dict[tuple[str, int], str], *, numeric_codes: bool
) -> list[list[object]]:
    out: list[list[object]] = [CANDIDACY_HEADER]
    for r in rows:
        code = f"{r.dep}{r.number:02d}"
        numeric = numeric_codes and r.dep.isdigit()
        dep: object = float(int(r.dep)) if numeric else r.dep
        cc: object = float(int(code)) if numeric else code
        for c in r.cands:
            out.append(
                [
                    dep,
                    r.dep_name,
                    cc,
                    _name(r.number),
                    float(c.panel) if numeric_codes else c.panel,
                    float(c.panel + 1) if numeric_codes else c.panel + 1,
                    c.sex,
                    c.surname,
                    c.first_name,
                    c.birth,
                    nuance[(r.dep, c.panel)],
                    "(34) - Professeur",
                    "OUI" if c.incumbent else "",
                    "F" if c.sex == "M" else "M",
                    "SUPPLÉANT",
                    "Camille",
                    "01/01/1960",
                    "",
                ]
            )
    return out


def _text_codes(rows: list[list[object]]) -> list[list[object]]:
    """The candidacy CSV writes codes without padding (``1;Ain;101``), numbers as integers."""
    return [[int(v) if isinstance(v, float) else v for v in row] for row in rows]


def write_all(root: Path = ROOT) -> list[Path]:
    written: list[Path] = []

    def out(year: int, name: str) -> Path:
        (root / str(year)).mkdir(parents=True, exist_ok=True)
        p = root / str(year) / name
        written.append(p)
        return p

    # 2017: two workbooks; the results sheet follows summary sheets, as in the real files
    r1, r2, nu = election(NUANCES[2017])
    for round_, rows in ((1, r1), (2, r2)):
        write_xlsx(
            out(2017, f"Leg_2017_Resultats_T{round_}_c.xlsx"),
            [
                (
                    f"FE - Metro - OM - T{round_}",
                    [["Résultats France entière"], ["Inscrits", 16000]],
                ),
                (f"Circo. leg. T{round_}", rows_2017(rows, nu, round_)),
            ],
        )
    # 2022: latin-1 text, CRLF, one named block in the header, rows ending with ';'
    r1, r2, nu = election(NUANCES[2022])
    for round_, rows in ((1, r1), (2, r2)):
        write_text(
            out(2022, f"resultats-par-niveau-cirlg-t{round_}-france-entiere.txt"),
            rows_2022(rows, nu),
            encoding="latin-1",
            newline="\r\n",
        )
    # 2024: workbooks (round 1 with numeric codes, round 2 with text codes) and the CSV versions
    r1, r2, nu = election(NUANCES[2024])
    write_xlsx(
        out(2024, "resultats_circonscription_tour_1.xlsx"),
        [("resultats-definitifs-par circon", rows_2024(r1, nu, numeric_codes=True))],
    )
    write_xlsx(
        out(2024, "resultats_circonscription_tour_2.xlsx"),
        [("resultats-definitifs-par-circon", rows_2024(r2, nu, numeric_codes=False))],
    )
    write_text(
        out(2024, "resultats-definitifs-par-circonscriptions-legislatives.csv"),
        rows_2024(r1, nu, numeric_codes=False),
        encoding="utf-8",
        newline="\n",
        quote=True,
    )
    write_text(
        out(2024, "legislatives-2024-resultats-t2.csv"),
        rows_2024(r2, nu, numeric_codes=False),
        encoding="utf-8",
        newline="\n",
        quote=True,
    )
    write_xlsx(
        out(2024, "candidatures_tour_1.xlsx"),
        [("Feuil1", rows_candidacies(r1, nu, numeric_codes=True))],
    )
    write_xlsx(
        out(2024, "candidatures_tour_2.xlsx"),
        [("Feuil1", rows_candidacies(r2, nu, numeric_codes=True))],
    )
    write_text(
        out(2024, "legislatives-2024-candidatures-france-entiere-tour-1-2024-06-28.csv"),
        _text_codes(rows_candidacies(r1, nu, numeric_codes=True)),
        encoding="utf-8",
        newline="\r\n",
    )
    write_text(
        out(2024, "legislatives-2024-candidatures-france-entiere-tour-2-2024-07-03-15h37.csv"),
        _text_codes(rows_candidacies(r2, nu, numeric_codes=True)),
        encoding="utf-8",
        newline="\r\n",
    )
    return written


if __name__ == "__main__":
    for p in write_all():
        print(p.relative_to(ROOT), p.stat().st_size)
