"""Terminal cell widths without rich: a CJK character takes two cells, a combining mark none.

The query table (kb/render/termtable.py) and the Chinese line breaker (kb/core/wrap.py) measure
text in cells. rich.cells does it too, but importing rich costs a cold `powerkb query` more than
the query itself; `unicodedata` is built in. For the texts of the policies the two agree (a test
compares them over every item text): East Asian Wide and Fullwidth characters are two cells,
ambiguous ones (“” … ·) one, as terminals in a CJK locale outside East Asia draw them.
"""

from __future__ import annotations

from unicodedata import category, east_asian_width

_WIDTHS: dict[str, int] = {}


def char_width(ch: str) -> int:
    """Cells one character takes: 0 (control, combining, format), 2 (wide, fullwidth), else 1."""
    w = _WIDTHS.get(ch)
    if w is None:
        code = ord(ch)
        cat = category(ch)
        if code < 32 or 0x7F <= code < 0xA0:
            w = 0
        elif cat == "Cn":  # unassigned: wide in the planes kept for CJK ideographs
            w = 2 if 0x20000 <= code <= 0x3FFFD else 1
        elif cat in ("Mn", "Me", "Mc") or (cat == "Cf" and code != 0xAD):  # combining, zero-width
            w = 0
        elif east_asian_width(ch) in ("W", "F"):
            w = 2
        else:
            w = 1
        _WIDTHS[ch] = w
    return w


def cell_len(text: str) -> int:
    """Cells `text` takes on a terminal (printable ASCII: its length)."""
    if text.isascii() and text.isprintable():
        return len(text)
    get = _WIDTHS.get
    total = 0
    for ch in text:
        w = get(ch)
        total += char_width(ch) if w is None else w
    return total
