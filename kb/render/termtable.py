"""A terminal table writer without rich, for the query results (rows, groups) and their footers.

Why not rich: importing rich.console and rich.table costs a cold `powerkb query` about 50 ms, more
than parsing, compiling and running the query together (docs/performance.md, issue 16). The
result table needs little of it: styled text (a few SGR codes), cell widths (kb.core.cells),
Chinese line breaking inside cells (kb.core.wrap, the same rules as everywhere) and box drawing.
The look follows rich's (heavy head ┏━┳┓ ┃ ┡━╇┩, light body │ └─┴┘), and so do the decisions
rich made for us: colour only on a terminal (or FORCE_COLOR / TTY_COMPATIBLE=1), none on a dumb
one, NO_COLOR keeps bold/dim but drops colours; the width is the given one, else $COLUMNS, else
the terminal's, else 80. Other renderers (show, diff, trace, the TUI) keep rich.
"""

from __future__ import annotations

import os

from kb.core.cells import cell_len
from kb.core.wrap import wrap_spans

BOLD, DIM, ITALIC = "1", "2", "3"
RED, YELLOW, CYAN = "31", "33", "36"

_STD_FDS = (0, 1, 2)  # rich asks stdin, stdout, stderr for the terminal size, in that order


def is_terminal(out) -> bool:
    """Whether `out` understands escape codes, decided as rich decides it: TTY_COMPATIBLE=0/1 and
    FORCE_COLOR (non-empty: yes, empty: no) override `out.isatty()`."""
    env = os.environ
    compatible = env.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = env.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    isatty = getattr(out, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def _dumb() -> bool:
    return os.environ.get("TERM", "").lower() in ("dumb", "unknown")


def style_mode(out) -> str | None:
    """None: plain text (a pipe, a file, a buffer, a dumb terminal); "mono": bold/dim/italic but
    no colours (NO_COLOR set); "colour": everything."""
    if not is_terminal(out) or _dumb():
        return None
    return "mono" if os.environ.get("NO_COLOR", "") != "" else "colour"


def terminal_width(out, width: int | None = None) -> int:
    """The width to lay out for: the given one, else $COLUMNS, else the terminal's (asked of
    stdin, stdout, stderr as rich does), else 80; a dumb terminal is 80 wide."""
    if width:
        return width
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns):
        return int(columns)
    if is_terminal(out) and _dumb():
        return 80
    for fd in _STD_FDS:
        try:
            size = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):  # not a terminal
            continue
        return size or 80
    return 80


class Styled:
    """Text with styled spans (SGR parameter strings such as "1;33"), cut into lines by the
    Chinese line-breaking rules with its styles kept (a search hit stays highlighted)."""

    __slots__ = ("plain", "spans")

    def __init__(self, text: str = "", style: str = ""):
        self.plain = text
        self.spans: list[tuple[int, int, str]] = [(0, len(text), style)] if style and text else []

    def append(self, text: str, style: str = "") -> Styled:
        start = len(self.plain)
        self.plain += text
        if style and text:
            self.spans.append((start, len(self.plain), style))
        return self

    def highlight(self, word: str, style: str) -> None:
        """Style every occurrence of `word`."""
        if not word:
            return
        at = self.plain.find(word)
        while at >= 0:
            self.spans.append((at, at + len(word), style))
            at = self.plain.find(word, at + len(word))

    def segments(self, start: int, end: int) -> list[tuple[str, str]]:
        """plain[start:end] as (text, style) pieces, overlapping styles joined."""
        if not self.spans:
            return [(self.plain[start:end], "")] if end > start else []
        cuts = {start, end}
        for a, b, _ in self.spans:
            if a < end and b > start:
                cuts.update((max(a, start), min(b, end)))
        cuts = sorted(cuts)
        out = []
        for a, b in zip(cuts, cuts[1:]):
            style = ";".join(s for x, y, s in self.spans if x <= a and b <= y)
            out.append((self.plain[a:b], style))
        return out

    def wrap(self, width: int, hang: int = 0, indent: str = "") -> list[list[tuple[str, str]]]:
        """Lines of at most `width` cells: each paragraph starts with `indent`, its continuation
        lines `hang` cells further in."""
        lines = []
        pos = 0
        rest = indent + " " * hang
        for para in self.plain.split("\n"):
            for k, (s, e) in enumerate(wrap_spans(para, width, cell_len(indent), cell_len(rest)) or [(0, 0)]):
                lead = rest if k else indent
                lines.append(([(lead, "")] if lead else []) + self.segments(pos + s, pos + e))
            pos += len(para) + 1
        return lines

    def paragraphs(self) -> list[list[tuple[str, str]]]:
        """One line per paragraph, unwrapped."""
        lines, pos = [], 0
        for para in self.plain.split("\n"):
            lines.append(self.segments(pos, pos + len(para)))
            pos += len(para) + 1
        return lines


def line_len(segs: list[tuple[str, str]]) -> int:
    return sum(cell_len(t) for t, _ in segs)


def _truncate(segs: list[tuple[str, str]], width: int) -> list[tuple[str, str]]:
    """A line cut to `width` cells, ending in … (a no-wrap cell wider than its column)."""
    if line_len(segs) <= width:
        return segs
    out, used = [], 0
    for text, style in segs:
        keep = ""
        for ch in text:
            w = cell_len(ch)
            if used + w > width - 1:
                break
            keep += ch
            used += w
        out.append((keep, style))
        if used >= width - 1 or len(keep) < len(text):
            break
    return out + [("…" + " " * (width - 1 - used), out[-1][1] if out else "")]


def _no_colour(style: str) -> str:
    """`style` without its colours (30-37, 90-97): what NO_COLOR leaves."""
    return ";".join(c for c in style.split(";") if not (len(c) == 2 and c[0] in "39"))


def emit(segs: list[tuple[str, str]], mode: str | None) -> str:
    """One line as text: plain, or with SGR codes around each styled piece."""
    if mode is None:
        return "".join(t for t, _ in segs)
    out = []
    for text, style in segs:
        code = _no_colour(style) if mode == "mono" and style else style
        out.append(f"\x1b[{code}m{text}\x1b[0m" if code and text else text)
    return "".join(out)


class Column:
    """A column: its header, the style of its cells, how it is justified, whether its cells may
    wrap, its width bounds and (with `ratio`) its share of the room left when the table expands."""

    __slots__ = ("header", "style", "justify", "no_wrap", "min_width", "max_width", "ratio")

    def __init__(self, header: str, *, style: str = "", justify: str = "left", no_wrap: bool = False,
                 min_width: int = 0, max_width: int | None = None, ratio: int | None = None):
        self.header, self.style, self.justify, self.no_wrap = header, style, justify, no_wrap
        self.min_width, self.max_width, self.ratio = min_width, max_width, ratio


def _cell(value, style: str) -> Styled:
    return value if isinstance(value, Styled) else Styled(str(value), style)


def _natural(col: Column, cells: list[Styled]) -> int:
    """The widest paragraph of the column's header and cells, within its bounds."""
    widest = max((cell_len(p) for c in cells for p in c.plain.split("\n")), default=0)
    widest = max(widest, cell_len(col.header))
    if col.max_width is not None:
        widest = min(widest, col.max_width)
    return max(widest, col.min_width, 1)


def _widths(cols: list[Column], cells: list[list[Styled]], room: int, expand: bool) -> list[int]:
    """Column widths (without padding) that add up to `room` when expanding, else at most it:
    fixed columns at their natural width, `ratio` columns sharing what is left; when that is
    too little, wrapping fixed columns give way to their minimum first, then the widest shrinks."""
    widths = [_natural(c, [row[i] for row in cells]) for i, c in enumerate(cols)]
    flex = [i for i, c in enumerate(cols) if c.ratio and expand]
    floor = {i: max(cols[i].min_width, cell_len(cols[i].header), 4) for i in flex}
    fixed = [i for i in range(len(cols)) if i not in flex]
    for i in fixed:  # give way down to the minimum while the flexible columns lack room
        short = sum(floor.values()) - (room - sum(widths[j] for j in fixed))
        if short > 0 and not cols[i].no_wrap:
            widths[i] = max(cols[i].min_width or 1, widths[i] - short)
    if flex:
        left = room - sum(widths[j] for j in fixed)
        total = sum(cols[i].ratio for i in flex)
        for k, i in enumerate(flex):
            share = left * cols[i].ratio // total if k < len(flex) - 1 else left - sum(widths[j] for j in flex[:k])
            widths[i] = max(floor[i], share)
    while sum(widths) > room:  # still too wide: the widest (wrapping first) loses a cell
        wrapping = [i for i, c in enumerate(cols) if not c.no_wrap and widths[i] > 1]
        pool = wrapping or [i for i in range(len(cols)) if widths[i] > 1]
        if not pool:
            break
        widest = max(pool, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def _cell_lines(cell: Styled, col: Column, width: int) -> list[list[tuple[str, str]]]:
    if col.no_wrap:
        return [_truncate(line, width) for line in cell.paragraphs()]
    return [_truncate(line, width) for line in cell.wrap(width)]


def _justify(segs, width: int, how: str) -> list[tuple[str, str]]:
    gap = max(0, width - line_len(segs))
    if how == "right":
        return [(" " * gap, "")] + segs
    if how == "center":
        return [(" " * (gap // 2), "")] + segs + [(" " * (gap - gap // 2), "")]
    return segs + [(" " * gap, "")]


def table_lines(cols: list[Column], rows: list[list], width: int, *, expand: bool = False,
                pad_edge: bool = True, title: str | None = None) -> list[list[tuple[str, str]]]:
    """The table as lines of (text, style) pieces: title (right-aligned), heavy header, light
    body, every line as wide as the table (`width` cells when it expands)."""
    n = len(cols)
    pads = [(0 if i == 0 and not pad_edge else 1, 0 if i == n - 1 and not pad_edge else 1) for i in range(n)]
    overhead = n + 1 + sum(a + b for a, b in pads)
    cells = [[_cell(v, cols[i].style) for i, v in enumerate(row)] for row in rows]
    widths = _widths(cols, cells, max(n, width - overhead), expand)
    total = sum(widths) + overhead
    out: list[list[tuple[str, str]]] = []
    if title:
        out.append(_justify([(title, BOLD)], total, "right"))

    def rule(left: str, fill: str, mid: str, right: str):
        return [(left + mid.join(fill * (w + a + b) for w, (a, b) in zip(widths, pads)) + right, "")]

    def body(row: list[Styled], bar: str):
        blocks = [_cell_lines(c, cols[i], widths[i]) for i, c in enumerate(row)]
        for k in range(max(len(b) for b in blocks)):
            line = [(bar, "")]
            for i, block in enumerate(blocks):
                a, b = pads[i]
                segs = block[k] if k < len(block) else []
                line += [(" " * a, "")] + _justify(segs, widths[i], cols[i].justify) + [(" " * b, ""), (bar, "")]
            out.append(line)

    out.append(rule("┏", "━", "┳", "┓"))
    body([Styled(c.header, BOLD) for c in cols], "┃")
    out.append(rule("┡", "━", "╇", "┩"))
    for row in cells:
        body(row, "│")
    out.append(rule("└", "─", "┴", "┘"))
    return out


class Writer:
    """Lines to `out`: styled when it is a terminal, plain otherwise, wrapped to the width."""

    def __init__(self, out, width: int | None = None):
        self.out = out
        self.mode = style_mode(out)
        self.width = terminal_width(out, width)

    def lines(self, lines: list[list[tuple[str, str]]]) -> None:
        self.out.write("".join(emit(segs, self.mode) + "\n" for segs in lines))

    def print(self, text, style: str = "", hang: int = 0, indent: str = "") -> None:
        """A text (str or Styled) wrapped to the width by the Chinese rules."""
        self.lines(_cell(text, style).wrap(self.width, hang, indent))
