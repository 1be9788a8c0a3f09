"""Line breaking for Chinese text in a pane: break between characters, but never inside a run of
digits and Latin letters (`2021年`, `10kV`, `5个` keep `2021`, `10kV`, `5` whole), never before a
closing mark (，。、；：）」”…) nor after an opening one (（「“).

Rich folds a paragraph with no spaces at the exact width, which can cut `2021` into `20|21`.
This computes the breaks itself and hands Rich lines that already fit (`Text.divide` keeps the
styles, so search hits stay highlighted). `kb/render/wrap.py` follows the same rules but indents
continuation lines (a hanging indent for the CLI); the pane wants none, so this stays its own.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

CLOSING = set("，。、；：？！）》」』”’】〕…%）,.;:?!)]}")
OPENING = set("（《「『“‘【〔([{")


def _joined(a: str, b: str) -> bool:
    """True when no line break may fall between `a` and `b` (a space stays at a line's end)."""
    if b == " ":
        return True
    if a.isascii() and b.isascii() and (a.isalnum() or a in ".-/:") and (b.isalnum() or b in ".-/:%"):
        return True
    return b in CLOSING or a in OPENING


def breaks(line: str, width: int) -> list[int]:
    """Where to cut `line` (no newline in it) so that every piece is at most `width` cells."""
    if width < 4 or cell_len(line) <= width:
        return []
    cuts: list[int] = []
    start, col, allowed = 0, 0, None
    for i, ch in enumerate(line):
        if i > start and not _joined(line[i - 1], ch):
            allowed = i
        w = cell_len(ch)
        if col + w > width and i > start:
            cut = allowed if allowed is not None and allowed > start and i - allowed < 12 else i
            cuts.append(cut)
            start, allowed = cut, None
            col = cell_len(line[cut:i])
        col += w
    return cuts


def wrap_text(text: Text, width: int) -> Text:
    """`text` with its lines broken to `width` cells by the rules above (styles kept)."""
    out = []
    for line in text.split("\n", allow_blank=True):
        cuts = breaks(line.plain, width)
        out.extend(line.divide(cuts) if cuts else [line])
    for piece in out:
        piece.rstrip()
    joined = Text("\n").join(out)
    joined.no_wrap = True
    return joined
