"""Partial results as they arrive on election night: the Ministry's XML feed and a plain CSV drop.

A *poll* reads the whole source and returns an immutable :class:`Snapshot`: one :class:`Count` per
constituency the source reports (its totals so far, each candidate's votes by panel number, and
whether the count is *final*: a constituency is **declared** when its count is final), and one
:class:`Failure` per file that could not be read. A bad file never stops a poll: it is left out of
the snapshot, and its failure (one sentence naming the file and the element or line) is reported.
The snapshot is then ingested by :class:`hemicycle.live.state.LiveState`, which refuses what
contradicts the previous polls (votes going down).

**The XML feed** (``XmlFeed``; no sample of the 2024 feed was at hand: what follows is what this
reader assumes, and every assumption is checked, not trusted)

* Layout: ``ROOT/resultatsT<round>/<dep>/R<round><dep>CIR.xml``, one file per department, ``<dep>``
  as the Ministry writes it (``001``, ``02A``, ``971``, ``ZZ``…), and an optional index
  ``INDEX<round>FE.xml`` at ``ROOT`` (or in ``ROOT/resultatsT<round>/``). A folder is globbed for
  the department files; a URL (``http(s)://`` or ``file://``) has no listing, so its index is
  required and its ``Departement/CodDpt`` elements name the files to fetch.
* The index: every ``Departement`` element (anywhere in the tree) with ``CodDpt``; its share
  counted is read, when present, from ``TauxDepouille`` (a percentage, ``,`` or ``.`` decimal) or
  from ``NbCirDec``/``NbCir`` (constituencies declared / in the department). It is reported in
  :attr:`Snapshot.counted`, never used to decide what is declared.
* A department file: root ``Election``; if present, ``Scrutin/Type`` (or ``Type``) must be ``LG``
  and ``Scrutin/Annee`` (or ``Annee``) the year polled (a file of another election is refused);
  then ``EnsembleGeo/Departements/Departement`` (``CodDpt`` optional) holding
  ``Circonscriptions/Circonscription``, each with ``CodCirElec``, ``LibCirElec`` (optional),
  ``Tours/Tour`` whose ``NumTour`` must be the round polled (a file of round 1 read as round 2 is
  refused), ``Tour/Mentions/{Inscrits,Votants,Blancs,Nuls,Exprimes}/Nombre`` (required;
  ``Abstentions`` optional and checked against inscrits − votants) and
  ``Tour/Resultats/Candidats/Candidat`` with ``NbVoix`` (required), ``NumPanneauCand`` (the panel
  number: assumed present as in the Ministry's other feeds; where absent, the candidate is matched
  on ``NomPsn`` + ``PrenomPsn``, accents, case and punctuation ignored, against the round-1
  candidates of the constituency, and a name that matches none or several is an error),
  ``NomPsn``, ``PrenomPsn``, ``CivilitePsn``, ``CodNuaCand``, ``RapportExprimes`` (read as
  published, not used) and ``Elu``. Unknown elements are ignored.
* **Declared**: a constituency is final when one of its candidates has ``Elu`` set (``oui``, ``O``,
  ``true``, ``1``, ``élu``, any case), or the ``Circonscription`` (or its ``Tour``) carries
  ``Complet``/``Final`` set the same way; otherwise its figures are partial.
* Codes: ``CodCirElec`` is taken as the department code followed by a two-digit number (``00101``,
  ``0101``, ``101``, ``02A01``, ``97101``, ``ZZ01``, or the number alone, ``01``). The canonical
  code is the department (``CodDpt`` when present, else the head of ``CodCirElec``) with a
  three-digit metropolitan code cut to two (``001`` → ``01``, ``02A`` → ``2A``; letter codes mapped
  by :mod:`hemicycle.data.codes`), followed by the last two digits: ``0101``, ``2A01``, ``97101``,
  ``ZZ01`` — the store's canonical codes. A code whose head contradicts ``CodDpt`` is refused.
* Numbers may carry spaces (``12 345``, narrow or non-breaking ones included); anything else is an
  error naming the element path.
* Safety: only UTF-8 (a BOM is dropped) or another ASCII-compatible encoding declared in the XML
  declaration is read; a ``<!DOCTYPE`` or ``<!ENTITY`` anywhere is refused before parsing (no
  entity expansion, no billion laughs, no external entity); an HTML page (an error page served in
  place of the feed) is named as such; a truncated file (still being written) is a named error
  with the line and column where it ends.

**The CSV drop** (``CsvDrop``): a folder with two UTF-8 comma-separated files with header rows,

* ``totals.csv``: ``constituency,registered,voters,blank,null,expressed,final`` — one row per
  constituency reported (canonical code; ``final``: ``true``/``false``, ``1``/``0``,
  ``yes``/``no``);
* ``votes.csv``: ``constituency,panel,votes`` and optionally ``final`` (which must then agree with
  ``totals.csv``) — one row per candidate reported (round-1 panel number).

A constituency in one file must be in the other. The two files are one unit: an error in either
leaves the whole drop out of the poll.

**Checks** on every constituency, whatever the format: the code is a constituency of the reference
(the store's round 1 of that year) and, in round 2, not one decided in round 1; each panel is a
round-1 candidate of it and appears once; counts are non-negative integers below 10⁸;
exprimés + blancs + nuls ≤ votants ≤ inscrits (+1 %, at least 100), the candidates' votes add up
to no more than the exprimés (+10 votes: the Ministry's own files are off by one or two);
a constituency appears in one file only.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

import numpy as np

from hemicycle import rules
from hemicycle.data.codes import LETTER_TO_NUMERIC, validate_code
from hemicycle.election import Election
from hemicycle.errors import DataFileError, OptionError, visible

#: A count beyond this is refused (as the store does at ingest).
MAX_COUNT = 10**8
#: Most bytes read from one file (a department file of 2024 is a few tens of kB).
MAX_BYTES = 32 * 2**20
#: The candidates' votes may exceed the exprimés by this much: the Ministry's own 2024 files are
#: off by a vote or two (round 2, constituency 9103: 62,361 votes for 62,360 exprimés).
VOTES_SLACK = 10
TRUE = frozenset({"oui", "o", "true", "1", "elu", "élu", "yes", "y"})
FALSE = frozenset({"non", "n", "false", "0", "no", ""})


class FeedError(DataFileError):
    """A live feed file that cannot be read: the message names the file and the element (XML)
    or the line and column (CSV)."""

    def __init__(
        self,
        message: str,
        *,
        file: str,
        element: str | None = None,
        line: int | None = None,
        constituency: str | None = None,
        column: str | None = None,
    ) -> None:
        self.element = element
        where = [f"file {file}"]
        if line is not None:
            where.append(f"line {line}")
        if element is not None:
            where.append(f"element {element}")
        if constituency is not None:
            where.append(f"constituency {constituency}")
        if column is not None:
            where.append(f"column {column!r}")
        text = " ".join(visible(message).split())
        Exception.__init__(self, f"{', '.join(where)}: {text}")
        self.file, self.line, self.constituency, self.column = file, line, constituency, column


@dataclass(frozen=True)
class Count:
    """One constituency's count so far (``final``: the count is complete: it is declared)."""

    constituency: str
    registered: int
    voters: int
    blank: int
    null: int
    expressed: int
    panels: tuple[int, ...]  # sorted
    votes: tuple[int, ...]  # aligned with ``panels``
    final: bool
    file: str  # the file it came from (messages)

    def same_figures(self, other: Count) -> bool:
        """True when ``other`` reports exactly the same figures (the file may differ)."""
        return (
            self.registered,
            self.voters,
            self.blank,
            self.null,
            self.expressed,
            self.panels,
            self.votes,
            self.final,
        ) == (
            other.registered,
            other.voters,
            other.blank,
            other.null,
            other.expressed,
            other.panels,
            other.votes,
            other.final,
        )

    def winner(self) -> int | None:
        """Panel with the most votes once final (ties: ``None``, the law needs birth dates)."""
        if not self.final or not self.votes:
            return None
        best = max(self.votes)
        tops = [p for p, v in zip(self.panels, self.votes, strict=True) if v == best]
        return tops[0] if len(tops) == 1 else None


@dataclass(frozen=True)
class Failure:
    """A file left out of a poll, and why (one sentence naming the file and where)."""

    file: str
    message: str


@dataclass(frozen=True, eq=False)
class Snapshot:
    """What one poll read: counts by constituency (sorted by code), the failures, and each
    department's share counted according to the index (fraction 0–1; where the index says)."""

    year: int
    round: int
    counts: tuple[Count, ...]
    failures: tuple[Failure, ...] = ()
    counted: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if not isinstance(self.counted, MappingProxyType):
            object.__setattr__(self, "counted", MappingProxyType(dict(self.counted)))

    def by_code(self) -> dict[str, Count]:
        return {c.constituency: c for c in self.counts}

    @property
    def declared(self) -> tuple[str, ...]:
        return tuple(c.constituency for c in self.counts if c.final)

    def __repr__(self) -> str:
        return (
            f"Snapshot(year={self.year}, round={self.round}, counts={len(self.counts)}, "
            f"declared={len(self.declared)}, failures={len(self.failures)})"
        )


def _norm_name(text: str) -> str:
    t = unicodedata.normalize("NFKD", text)
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return re.sub(r"[^A-Z0-9]+", " ", t.upper()).strip()


@dataclass(frozen=True, eq=False)
class Reference:
    """What a live count is checked against: the constituencies of ``year`` (from round 1), the
    round-1 panel numbers of each, their normalised names (for a feed without panel numbers) and,
    for round 2, the constituencies decided in round 1 (no round 2 there)."""

    year: int
    round: int
    panels: Mapping[str, frozenset[int]]
    names: Mapping[str, Mapping[str, tuple[int, ...]]]
    decided: frozenset[str] = frozenset()

    @classmethod
    def from_election(cls, election: Election, round_: int) -> Reference:
        if round_ not in (1, 2):
            raise OptionError(f"round must be 1 or 2; got {round_!r}")
        panels: dict[str, frozenset[int]] = {}
        names: dict[str, dict[str, tuple[int, ...]]] = {}
        valid = election.round1.valid
        for c, code in enumerate(election.codes):
            ks = np.flatnonzero(valid[c])
            panels[str(code)] = frozenset(int(election.panel[c, k]) for k in ks)
            by: dict[str, list[int]] = {}
            for k in ks:
                key = _norm_name(f"{election.surname[c, k]} {election.first_name[c, k]}")
                by.setdefault(key, []).append(int(election.panel[c, k]))
            names[str(code)] = {k: tuple(v) for k, v in by.items()}
        decided: frozenset[str] = frozenset()
        if round_ == 2:
            status = election.round1_status()
            decided = frozenset(
                str(code)
                for c, code in enumerate(election.codes)
                if (status[c] == rules.ELECTED).any()
            )
        return cls(
            election.year, round_, MappingProxyType(panels), MappingProxyType(names), decided
        )


# --------------------------------------------------------------------------- shared checks


def _check_count(count: Count, ref: Reference, *, where: str | None, line: int | None) -> None:
    code, f = count.constituency, count.file

    def bad(msg: str) -> FeedError:
        return FeedError(msg, file=f, element=where, line=line, constituency=code)

    if code not in ref.panels:
        raise bad(f"constituency {code} is not one of the {len(ref.panels)} of {ref.year} round 1")
    if ref.round == 2 and code in ref.decided:
        raise bad(f"constituency {code} was decided in round 1: it has no round 2")
    for name in ("registered", "voters", "blank", "null", "expressed"):
        v = getattr(count, name)
        if v < 0 or v >= MAX_COUNT:
            raise bad(f"{name} {v} is not a count (0 to {MAX_COUNT - 1})")
    for p, v in zip(count.panels, count.votes, strict=True):
        if v < 0 or v >= MAX_COUNT:
            raise bad(f"panel {p}: votes {v} is not a count")
        if p not in ref.panels[code]:
            raise bad(f"panel {p} is not a round-1 candidate of {code}")
    if len(set(count.panels)) != len(count.panels):
        raise bad("a panel number appears twice")
    slack = max(count.registered // 100, 100)
    if count.voters > count.registered + slack:
        raise bad(f"votants {count.voters} beyond inscrits {count.registered}")
    if count.expressed + count.blank + count.null > count.voters:
        raise bad(
            f"exprimés + blancs + nuls ({count.expressed + count.blank + count.null}) beyond "
            f"votants {count.voters}"
        )
    if sum(count.votes) > count.expressed + VOTES_SLACK:
        raise bad(f"the candidates' votes ({sum(count.votes)}) exceed exprimés {count.expressed}")


def _count_text(text: str | None) -> int:
    t = (text or "").strip()
    for sp in (" ", "\u00a0", "\u202f", "\u2009"):
        t = t.replace(sp, "")
    if not t.isdigit() or not t.isascii():
        raise ValueError(t)
    return int(t)


def _flag(text: str | None) -> bool | None:
    t = (text or "").strip().lower()
    if t in TRUE:
        return True
    if t in FALSE:
        return False
    return None


# --------------------------------------------------------------------------- sources


class Source(Protocol):
    """Where a feed's files come from: a folder or a URL."""

    def read(self, name: str) -> bytes | None:
        """The bytes of ``name`` (a path relative to the root), or None when absent."""

    def glob(self, pattern: str) -> list[str] | None:
        """Names matching ``pattern`` (sorted), or None when the source cannot list."""


@dataclass(frozen=True)
class FolderSource:
    root: Path

    def read(self, name: str) -> bytes | None:
        path = self.root / name
        if not path.is_file():
            return None
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise FeedError(f"over {MAX_BYTES // 2**20} MiB: not a feed file", file=name)
        return data

    def glob(self, pattern: str) -> list[str] | None:
        return sorted(str(p.relative_to(self.root)) for p in self.root.glob(pattern) if p.is_file())


@dataclass(frozen=True)
class UrlSource:
    base: str
    timeout: float = 10.0

    def read(self, name: str) -> bytes | None:
        url = f"{self.base.rstrip('/')}/{name}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as resp:  # noqa: S310
                data: bytes = resp.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise FeedError(f"the server answered HTTP {exc.code} {exc.reason}", file=url) from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, FileNotFoundError):
                return None
            raise FeedError(f"cannot fetch it: {reason}", file=url) from None
        if len(data) > MAX_BYTES:
            raise FeedError(f"over {MAX_BYTES // 2**20} MiB: not a feed file", file=url)
        return data

    def glob(self, pattern: str) -> list[str] | None:
        return None


def source_for(location: str | Path) -> Source:
    text = str(location)
    if re.match(r"^(https?|file)://", text):
        return UrlSource(text)
    path = Path(location).expanduser()
    if not path.is_dir():
        raise OptionError(f"live source {text!r} is neither a folder nor an http(s):// URL")
    return FolderSource(path)


# --------------------------------------------------------------------------- XML


def _xml_root(data: bytes, file: str) -> ET.Element:
    if not data.strip():
        raise FeedError("the file is empty (not written yet?)", file=file)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] in (b"\x00\x00\xfe\xff",):
        raise FeedError("UTF-16 or UTF-32 text (a byte-order mark): not the feed's XML", file=file)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    head = body[:2048].lstrip().lower()
    if head.startswith(b"<!doctype html") or head.startswith(b"<html") or b"<html" in head:
        raise FeedError(
            "an HTML page (an error page served in place of the feed?), not the XML feed",
            file=file,
        )
    if not head.startswith(b"<"):
        raise FeedError("not XML (it does not start with '<')", file=file)
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise FeedError(
            "a DTD or entity declaration (<!DOCTYPE/<!ENTITY): refused, entities are never "
            "expanded",
            file=file,
        )
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        line, col = getattr(exc, "position", (None, None))
        code = getattr(exc, "code", None)
        end = body.rstrip()
        truncated = code in (3, 5) or not end.endswith(b">")  # no element found / unclosed token
        what = (
            "the XML ends before its last element closes (truncated, or still being written)"
            if truncated
            else f"malformed XML ({str(exc).split(':')[0]})"
        )
        raise FeedError(f"{what}, at column {(col or 0) + 1}", file=file, line=line) from None


def _child(el: ET.Element, path: str, file: str, at: str) -> ET.Element:
    found = el.find(path)
    if found is None:
        raise FeedError("required element missing", file=file, element=f"{at}/{path}")
    return found


def _text(el: ET.Element, path: str) -> str | None:
    found = el.find(path)
    return None if found is None or found.text is None else found.text.strip()


def _num(el: ET.Element, path: str, file: str, at: str) -> int:
    node = _child(el, path, file, at)
    try:
        return _count_text(node.text)
    except ValueError:
        raise FeedError(
            f"{visible(node.text or '')!r} is not a count", file=file, element=f"{at}/{path}"
        ) from None


def _department(text: str) -> str:
    t = text.strip().upper()
    if len(t) == 3 and t[0] == "0":  # the Ministry's three characters: 001, 02A, 0ZZ
        t = t[1:]
    if t in LETTER_TO_NUMERIC:
        return LETTER_TO_NUMERIC[t]
    if t.isdigit():
        return t.zfill(2)
    return t


def xml_code(cod_cir: str, cod_dpt: str | None) -> str:
    """The canonical code of a feed's ``CodCirElec`` within the department ``CodDpt``.

    >>> xml_code("00101", "001"), xml_code("01", "001"), xml_code("02A01", None)
    ('0101', '0101', '2A01')
    >>> xml_code("97101", "971"), xml_code("ZZ01", "ZZ"), xml_code("101", None)
    ('97101', 'ZZ01', '0101')
    """
    text = cod_cir.strip().upper()
    if text.isdigit() and len(text) <= 2:
        text = text.zfill(2)
    if len(text) < 2 or not text[-2:].isdigit():
        raise ValueError(f"CodCirElec {text!r} does not end with a constituency number")
    number, head = text[-2:], text[:-2]
    dep = _department(cod_dpt) if cod_dpt else None
    if head:
        hdep = _department(head)
        if dep is not None and hdep != dep:
            raise ValueError(f"CodCirElec {text!r} is not in department {cod_dpt!r}")
        dep = hdep
    if dep is None:
        raise ValueError(f"CodCirElec {text!r} has no department and no CodDpt is given")
    return validate_code(f"{dep}{number}")


def parse_department_xml(data: bytes, file: str, ref: Reference) -> list[Count]:
    """The counts of one department file of the feed (see the module doc), checked."""
    root = _xml_root(data, file)
    if root.tag != "Election":
        raise FeedError(f"the root element is <{root.tag}>, not <Election>", file=file)
    kind = _text(root, "Scrutin/Type") or _text(root, "Type")
    if kind is not None and kind.upper() != "LG":
        raise FeedError(
            f"a file of another election (type {kind!r}, not LG, the legislative)",
            file=file,
            element="Election/Scrutin/Type",
        )
    year = _text(root, "Scrutin/Annee") or _text(root, "Annee")
    if year is not None and year != str(ref.year):
        raise FeedError(
            f"a file of the {year} election, not {ref.year}",
            file=file,
            element="Election/Scrutin/Annee",
        )
    deps_at = "Election/EnsembleGeo/Departements"
    deps = _child(root, "EnsembleGeo/Departements", file, "Election").findall("Departement")
    if not deps:
        raise FeedError("required element missing", file=file, element=f"{deps_at}/Departement")
    out: list[Count] = []
    for d_i, dep in enumerate(deps, 1):
        d_at = f"{deps_at}/Departement[{d_i}]"
        cod_dpt = _text(dep, "CodDpt")
        circs = _child(dep, "Circonscriptions", file, d_at).findall("Circonscription")
        for c_i, circ in enumerate(circs, 1):
            at = f"{d_at}/Circonscriptions/Circonscription[{c_i}]"
            out.append(_circonscription(circ, cod_dpt, file, at, ref))
    return out


def _circonscription(
    circ: ET.Element, cod_dpt: str | None, file: str, at: str, ref: Reference
) -> Count:
    cod = _child(circ, "CodCirElec", file, at).text or ""
    try:
        code = xml_code(cod, cod_dpt)
    except ValueError as exc:
        raise FeedError(str(exc), file=file, element=f"{at}/CodCirElec") from None
    tours = _child(circ, "Tours", file, at).findall("Tour")
    if not tours:
        raise FeedError("required element missing", file=file, element=f"{at}/Tours/Tour")
    seen = []
    tour = None
    for t in tours:
        n = _text(t, "NumTour")
        if n is None:
            raise FeedError(
                "required element missing", file=file, element=f"{at}/Tours/Tour/NumTour"
            )
        seen.append(n)
        if n.lstrip("0") == str(ref.round):
            tour = t
    if tour is None:
        raise FeedError(
            f"a file of round {', '.join(seen)}, not round {ref.round}",
            file=file,
            element=f"{at}/Tours/Tour/NumTour",
            constituency=code,
        )
    t_at = f"{at}/Tours/Tour"
    m = _child(tour, "Mentions", file, t_at)
    m_at = f"{t_at}/Mentions"
    registered = _num(m, "Inscrits/Nombre", file, m_at)
    voters = _num(m, "Votants/Nombre", file, m_at)
    blank = _num(m, "Blancs/Nombre", file, m_at)
    null = _num(m, "Nuls/Nombre", file, m_at)
    expressed = _num(m, "Exprimes/Nombre", file, m_at)
    if m.find("Abstentions/Nombre") is not None:
        abst = _num(m, "Abstentions/Nombre", file, m_at)
        if abst + voters != registered:
            raise FeedError(
                f"abstentions {abst} + votants {voters} ≠ inscrits {registered}",
                file=file,
                element=f"{m_at}/Abstentions/Nombre",
                constituency=code,
            )
    final = bool(
        _flag(_text(circ, "Complet"))
        or _flag(_text(circ, "Final"))
        or _flag(_text(tour, "Complet"))
    )
    cands = _child(tour, "Resultats/Candidats", file, t_at).findall("Candidat")
    votes: dict[int, int] = {}
    for k_i, cand in enumerate(cands, 1):
        k_at = f"{t_at}/Resultats/Candidats/Candidat[{k_i}]"
        v = _num(cand, "NbVoix", file, k_at)
        panel_text = _text(cand, "NumPanneauCand")
        if panel_text is not None:
            try:
                panel = _count_text(panel_text)
            except ValueError:
                raise FeedError(
                    f"{visible(panel_text)!r} is not a panel number",
                    file=file,
                    element=f"{k_at}/NumPanneauCand",
                ) from None
        else:
            panel = _panel_by_name(cand, code, file, k_at, ref)
        if panel in votes:
            raise FeedError(
                f"panel {panel} appears twice", file=file, element=k_at, constituency=code
            )
        votes[panel] = v
        elu = _text(cand, "Elu")
        flag = _flag(elu)
        if elu is not None and flag is None:
            raise FeedError(
                f"{visible(elu)!r} is not a yes/no flag", file=file, element=f"{k_at}/Elu"
            )
        final = final or bool(flag)
    panels = tuple(sorted(votes))
    count = Count(
        code,
        registered,
        voters,
        blank,
        null,
        expressed,
        panels,
        tuple(votes[p] for p in panels),
        final,
        file,
    )
    _check_count(count, ref, where=at, line=None)
    return count


def _panel_by_name(cand: ET.Element, code: str, file: str, at: str, ref: Reference) -> int:
    if code not in ref.names:
        raise FeedError(
            f"constituency {code} is not one of the {len(ref.panels)} of {ref.year} round 1",
            file=file,
            element=at,
        )
    name = _norm_name(f"{_text(cand, 'NomPsn') or ''} {_text(cand, 'PrenomPsn') or ''}")
    hits = ref.names[code].get(name, ())
    if len(hits) != 1:
        what = "no" if not hits else "several"
        raise FeedError(
            f"no NumPanneauCand, and {what} round-1 candidate of {code} is named {name!r}",
            file=file,
            element=f"{at}/NomPsn",
        )
    return hits[0]


def parse_index(data: bytes, file: str) -> dict[str, float | None]:
    """``CodDpt`` → share counted (0–1, None where the index does not say), in index order."""
    root = _xml_root(data, file)
    out: dict[str, float | None] = {}
    for i, dep in enumerate(root.iter("Departement"), 1):
        code = _text(dep, "CodDpt")
        if not code:
            raise FeedError(
                "required element missing", file=file, element=f"Departement[{i}]/CodDpt"
            )
        share: float | None = None
        rate = _text(dep, "TauxDepouille")
        try:
            if rate:
                share = float(rate.replace(",", ".").rstrip("%").strip()) / 100.0
            else:
                n_dec, n_all = _text(dep, "NbCirDec"), _text(dep, "NbCir")
                if n_dec and n_all and int(n_all) > 0:
                    share = int(n_dec) / int(n_all)
        except ValueError:
            raise FeedError(
                "the share counted is not a number", file=file, element=f"Departement[{i}]"
            ) from None
        out[code] = share
    return out


# --------------------------------------------------------------------------- feeds


#: What a malformed file could still raise past the checks (a bug, or input no check foresaw):
#: caught per file by the feeds, reported as that file's failure.
UNEXPECTED = (ValueError, KeyError, IndexError, TypeError, RecursionError, UnicodeError)


def _unexpected(exc: BaseException, file: str) -> FeedError:
    return FeedError(f"cannot be read ({type(exc).__name__}: {exc})", file=file)


class Feed(Protocol):
    @property
    def year(self) -> int: ...

    @property
    def round(self) -> int: ...

    def poll(self) -> Snapshot:
        """Read the whole source once; never raises for one bad file."""


def _collect(
    year: int,
    round_: int,
    parts: Iterable[tuple[str, list[Count] | Failure]],
    counted: Mapping[str, float] | None = None,
) -> Snapshot:
    counts: dict[str, Count] = {}
    failures: list[Failure] = []
    for file, part in parts:
        if isinstance(part, Failure):
            failures.append(part)
            continue
        dup = next((c for c in part if c.constituency in counts), None)
        if dup is not None:
            other = counts[dup.constituency].file
            failures.append(
                Failure(
                    file,
                    str(
                        FeedError(
                            f"constituency {dup.constituency} is also in {other}: file left out",
                            file=file,
                        )
                    ),
                )
            )
            continue
        counts.update((c.constituency, c) for c in part)
    return Snapshot(
        year,
        round_,
        tuple(counts[k] for k in sorted(counts)),
        tuple(failures),
        MappingProxyType(dict(counted or {})),
    )


@dataclass(frozen=True, eq=False)
class XmlFeed:
    """The Ministry's election-night XML feed under ``source`` (see the module doc)."""

    source: Source
    reference: Reference

    @property
    def year(self) -> int:
        return self.reference.year

    @property
    def round(self) -> int:
        return self.reference.round

    def _index(self) -> tuple[str | None, bytes | None]:
        r = self.round
        for name in (f"INDEX{r}FE.xml", f"resultatsT{r}/INDEX{r}FE.xml"):
            data = self.source.read(name)
            if data is not None:
                return name, data
        return None, None

    def files(self) -> tuple[list[str], dict[str, float], list[Failure]]:
        r = self.round
        failures: list[Failure] = []
        counted: dict[str, float] = {}
        deps: dict[str, float | None] | None = None
        try:
            name, data = self._index()
            if name is not None and data is not None:
                deps = parse_index(data, name)
                counted = {_department(k): v for k, v in deps.items() if v is not None}
        except FeedError as exc:
            failures.append(Failure(exc.file or "index", str(exc)))
        names = self.source.glob(f"resultatsT{r}/*/R{r}*CIR.xml")
        if names is None:
            if deps is None:
                if not failures:
                    failures.append(
                        Failure(
                            f"INDEX{r}FE.xml",
                            f"file INDEX{r}FE.xml: no index at this URL, and a URL cannot be "
                            f"listed: no department file can be found",
                        )
                    )
                return [], counted, failures
            names = [f"resultatsT{r}/{d}/R{r}{d}CIR.xml" for d in deps]
        return names, counted, failures

    def poll(self) -> Snapshot:
        names, counted, failures = self.files()

        def parts() -> Iterable[tuple[str, list[Count] | Failure]]:
            for f in failures:
                yield f.file, f
            for name in names:
                try:
                    data = self.source.read(name)
                    if data is None:
                        continue  # listed by the index, not published yet
                    yield name, parse_department_xml(data, name, self.reference)
                except FeedError as exc:
                    yield name, Failure(name, str(exc))
                except UNEXPECTED as exc:  # a poller never stops on one file
                    yield name, Failure(name, str(_unexpected(exc, name)))

        return _collect(self.year, self.round, parts(), counted)


TOTALS_HEADER = ("constituency", "registered", "voters", "blank", "null", "expressed", "final")
VOTES_HEADER = ("constituency", "panel", "votes")


def _csv_rows(
    data: bytes, file: str, header: Sequence[str], optional: Sequence[str] = ()
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise FeedError("UTF-16 text (a byte-order mark), not UTF-8", file=file, line=1)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FeedError("not UTF-8 text", file=file, line=line) from None
    if text.lstrip()[:1] == "<":
        raise FeedError("an HTML or XML page, not the CSV drop", file=file, line=1)
    if not text.strip():
        raise FeedError("the file is empty (not written yet?)", file=file)
    if not text.endswith("\n"):
        raise FeedError(
            "the last line has no line end (truncated, or still being written)",
            file=file,
            line=text.count("\n") + 1,
        )
    reader = csv.reader(io.StringIO(text))
    head = [h.strip() for h in next(reader)]
    for col in header:
        if col not in head:
            raise FeedError(f"missing column {col!r} (header: {','.join(head)})", file=file, line=1)
    cols = [c for c in (*header, *optional) if c in head]
    rows = []
    for i, row in enumerate(reader, 2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != len(head):
            raise FeedError(
                f"{len(row)} cells where the header has {len(head)} (truncated?)", file=file, line=i
            )
        rows.append((i, {c: row[head.index(c)].strip() for c in cols}))
    return cols, rows


def parse_csv_drop(
    totals: bytes,
    votes: bytes,
    ref: Reference,
    *,
    totals_name: str = "totals.csv",
    votes_name: str = "votes.csv",
) -> list[Count]:
    """The counts of a CSV drop (see the module doc), checked."""
    _, trows = _csv_rows(totals, totals_name, TOTALS_HEADER)
    vcols, vrows = _csv_rows(votes, votes_name, VOTES_HEADER, ("final",))

    def num(file: str, line: int, col: str, cell: str) -> int:
        try:
            return _count_text(cell)
        except ValueError:
            raise FeedError(
                f"{visible(cell)!r} is not a count", file=file, line=line, column=col
            ) from None

    def flag(file: str, line: int, cell: str) -> bool:
        f = _flag(cell)
        if f is None or cell.strip() == "":
            raise FeedError(
                f"{visible(cell)!r} is not true/false", file=file, line=line, column="final"
            )
        return f

    tot: dict[str, tuple[int, tuple[int, ...], bool]] = {}
    for line, row in trows:
        code = row["constituency"]
        if code in tot:
            raise FeedError(
                f"constituency {code} is given twice",
                file=totals_name,
                line=line,
                column="constituency",
            )
        if code not in ref.panels:
            raise FeedError(
                f"constituency {code} is not one of the {len(ref.panels)} of {ref.year} round 1",
                file=totals_name,
                line=line,
                column="constituency",
            )
        nums = tuple(num(totals_name, line, c, row[c]) for c in TOTALS_HEADER[1:6])
        tot[code] = (line, nums, flag(totals_name, line, row["final"]))
    got: dict[str, dict[int, int]] = {}
    first_line: dict[str, int] = {}
    for line, row in vrows:
        code = row["constituency"]
        if code not in tot:
            raise FeedError(
                f"constituency {code} has votes but no row in {totals_name}",
                file=votes_name,
                line=line,
                column="constituency",
            )
        panel = num(votes_name, line, "panel", row["panel"])
        if panel in got.setdefault(code, {}):
            raise FeedError(
                f"panel {panel} of {code} is given twice",
                file=votes_name,
                line=line,
                column="panel",
            )
        got[code][panel] = num(votes_name, line, "votes", row["votes"])
        first_line.setdefault(code, line)
        if "final" in vcols and flag(votes_name, line, row["final"]) != tot[code][2]:
            raise FeedError(
                f"final disagrees with {totals_name} line {tot[code][0]}",
                file=votes_name,
                line=line,
                column="final",
            )
    out = []
    for code, (line, (reg, vot, bl, nu, ex), final) in tot.items():
        if code not in got:
            raise FeedError(
                f"constituency {code} has no votes in {votes_name}",
                file=totals_name,
                line=line,
                column="constituency",
            )
        panels = tuple(sorted(got[code]))
        count = Count(
            code,
            reg,
            vot,
            bl,
            nu,
            ex,
            panels,
            tuple(got[code][p] for p in panels),
            final,
            totals_name,
        )
        _check_count(count, ref, where=None, line=line)
        out.append(count)
    return out


@dataclass(frozen=True, eq=False)
class CsvDrop:
    """A folder (or URL) holding ``totals.csv`` and ``votes.csv`` (see the module doc)."""

    source: Source
    reference: Reference

    @property
    def year(self) -> int:
        return self.reference.year

    @property
    def round(self) -> int:
        return self.reference.round

    def poll(self) -> Snapshot:
        def part() -> list[Count] | Failure:
            try:
                t = self.source.read("totals.csv")
                v = self.source.read("votes.csv")
                if t is None or v is None:
                    missing = "totals.csv" if t is None else "votes.csv"
                    return Failure(missing, f"file {missing}: not there (yet)")
                return parse_csv_drop(t, v, self.reference)
            except FeedError as exc:
                return Failure(exc.file or "totals.csv", str(exc))
            except UNEXPECTED as exc:  # a poller never stops on one file
                return Failure("totals.csv", str(_unexpected(exc, "totals.csv")))

        return _collect(self.year, self.round, [("totals.csv", part())])


def open_feed(location: str | Path, reference: Reference, kind: str = "auto") -> XmlFeed | CsvDrop:
    """The feed at ``location`` (a folder or a URL): ``kind`` ``xml``, ``csv`` or ``auto`` (a CSV
    drop where ``totals.csv`` is there, the XML feed otherwise)."""
    source = source_for(location)
    if kind not in ("auto", "xml", "csv"):
        raise OptionError(f"unknown feed kind {kind!r}; allowed: auto, xml, csv")
    if kind == "auto":
        is_csv = isinstance(source, FolderSource) and (source.root / "totals.csv").is_file()
        kind = "csv" if is_csv else "xml"
    return CsvDrop(source, reference) if kind == "csv" else XmlFeed(source, reference)
