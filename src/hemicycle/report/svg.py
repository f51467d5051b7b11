"""A few helpers to write SVG as text: escaped attributes, elements, numbers, a document.

Every drawing in :mod:`hemicycle.report` is a plain ``str`` of SVG 1.1 that stands alone (it has
its ``xmlns``) and can be inlined in HTML (:func:`inline` drops the ``xmlns``). Numbers are written
with at most two decimals, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html import escape

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def num(x: float, digits: int = 2) -> str:
    """A compact number: ``1.50`` → ``1.5``, ``2.00`` → ``2``, ``-0.0`` → ``0``."""
    s = f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:.0f}"
    return "0" if s in ("-0", "") else s


#: Characters XML 1.0 forbids in a document, even escaped (C0 controls but tab, LF and CR; lone
#: surrogates; U+FFFE, U+FFFF): one in a name from the data would make the whole SVG ill-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(s: str) -> str:
    r"""``s`` with the characters XML forbids written as visible escapes (``\x01``), as the
    terminal shows them.

    >>> xml_safe("A\x01B\tC")
    'A\\x01B\tC'
    """
    return _NOT_XML.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", s
    )


def text_escape(s: object) -> str:
    """Text content, escaped, with what XML forbids made visible (:func:`xml_safe`)."""
    return escape(xml_safe(str(s)), quote=False)


def attrs(a: Mapping[str, object]) -> str:
    out = []
    for k, v in a.items():
        if v is None or v is False:
            continue
        if isinstance(v, float):
            v = num(v)
        out.append(f' {k.rstrip("_").replace("_", "-")}="{escape(xml_safe(str(v)), quote=True)}"')
    return "".join(out)


def el(tag: str, a: Mapping[str, object] | None = None, *children: str) -> str:
    """``<tag a…>children</tag>``, or ``<tag a…/>`` without children. Children are raw SVG."""
    inner = "".join(children)
    return f"<{tag}{attrs(a or {})}>{inner}</{tag}>" if inner else f"<{tag}{attrs(a or {})}/>"


def title(text: str) -> str:
    """A ``<title>`` child: the tooltip browsers show on hover."""
    return f"<title>{text_escape(text)}</title>"


def text(x: float, y: float, s: object, **a: object) -> str:
    return el("text", {"x": num(x), "y": num(y), **a}, text_escape(s))


def g(*children: str, **a: object) -> str:
    return el("g", a, *children)


def line(x1: float, y1: float, x2: float, y2: float, **a: object) -> str:
    """A ``<line>`` from (x1, y1) to (x2, y2); ``a`` as for :func:`el` (``stroke_width=`` …)."""
    return el("line", {"x1": num(x1), "y1": num(y1), "x2": num(x2), "y2": num(y2), **a})


def rect(x: float, y: float, width: float, height: float, *children: str, **a: object) -> str:
    """A ``<rect>`` at (x, y); ``a`` as for :func:`el` (``data_code=`` …)."""
    box = {"x": num(x), "y": num(y), "width": num(width), "height": num(height)}
    return el("rect", {**box, **a}, *children)


def document(
    width: float,
    height: float,
    body: Iterable[str] | str,
    *,
    label: str,
    css: str = "",
    cls: str = "hemicycle-chart",
) -> str:
    """A standalone SVG document with a ``viewBox``, an accessible label and optional CSS."""
    parts = [title(label)]
    if css:
        parts.append(f"<style>{css}</style>")
    parts.extend([body] if isinstance(body, str) else body)
    return el(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {num(width)} {num(height)}",
            "width": num(width),
            "height": num(height),
            "role": "img",
            "aria-label": label,
            "class": cls,
            "font-family": FONT,
            "font-size": "12",
        },
        *parts,
    )


def inline(svg: str) -> str:
    """The same SVG for inlining in HTML: without the namespace URL (HTML does not need it)."""
    return svg.replace(f' xmlns="{SVG_NS}"', "", 1)


def legend(
    items: Iterable[tuple[str, str]],
    *,
    x: float,
    y: float,
    width: float,
    swatch: float = 12,
    row: float = 18,
    col_width: float = 150,
    font_size: float = 12,
    by_column: bool = True,
) -> tuple[str, float]:
    """Swatches and labels in as many columns as fit in ``width``, filled column by column (or row
    by row); returns (svg, height)."""
    items = list(items)
    cols = max(1, min(int(width // col_width), len(items)))
    n_rows = (len(items) + cols - 1) // cols
    parts = []
    for i, (colour, label) in enumerate(items):
        c, r = (i // n_rows, i % n_rows) if by_column else (i % cols, i // cols)
        cx = x + c * col_width
        cy = y + r * row
        parts.append(rect(cx, cy, swatch, swatch, fill=colour, stroke="#666", stroke_width="0.5"))
        parts.append(text(cx + swatch + 5, cy + swatch - 1.5, label, font_size=num(font_size)))
    return g(*parts, class_="legend"), n_rows * row
