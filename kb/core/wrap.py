"""Line breaking for Chinese (and mixed) text: the one helper every text output uses.

Rules (the usual 禁则 of Chinese typesetting, kept simple):

* a run of digits and Latin letters is never split (160kW, 12398, GB/T, 0.38), and a number keeps
  the unit after it (2021年, 5个工作日, 30%, 160千瓦);
* no line starts with closing punctuation (。，、；：？！）」』”’% …) and none ends with opening
  punctuation (（「『“‘ …): such a mark travels with its neighbour;
* continuation lines get a hanging indent;
* widths are terminal cells (kb.core.cells, rich-free: a CJK character takes two).

`wrap_spans` gives the line spans of a paragraph, so a rich `Text` (with its highlights) can be cut
at the same places; `wrap_lines`/`fill` give plain strings; `Wrapped` is a rich renderable that
wraps to whatever width a table cell gets, so the rules hold inside rich tables too.
"""

from __future__ import annotations

import re

from kb.core.cells import cell_len

CLOSING = set("。，、；：？！）」』”’%％》〉】〕…,.;:?!)]}·")
OPENING = set("（「『“‘《〈【〔([{")
# what may follow a number and belongs to it (longest first)
UNIT_SUFFIXES = sorted(["个工作日", "个月", "个", "工作日", "千瓦安", "千伏安", "千瓦", "千伏", "万元", "亿元", "小时",
                        "年", "月", "日", "号", "天", "元", "时", "次", "户", "项", "条", "倍", "家", "周", "岁",
                        "kW", "kV", "kVA", "km", "%", "％",
                        "年底", "年前", "前", "起", "底", "以内", "以前", "以后"], key=len, reverse=True)
_RUN = re.compile(r"[0-9A-Za-z]+(?:[.\-/+_:~×][0-9A-Za-z]+)*")


def _tokens(text: str) -> list[tuple[int, int]]:
    """Unbreakable pieces of one paragraph as (start, end) offsets; whitespace is its own piece."""
    out: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            j = i
            while j < n and text[j].isspace():
                j += 1
        else:
            m = _RUN.match(text, i)
            if m:
                j = m.end()
                if text[j - 1].isdigit():
                    for suffix in UNIT_SUFFIXES:
                        if text.startswith(suffix, j):
                            j += len(suffix)
                            break
            else:
                j = i + 1
        out.append((i, j))
        i = j
    return _glue(text, out)


def _glue(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join closing marks to the piece before them and opening marks to the piece after them."""
    out: list[tuple[int, int]] = []
    pending: int | None = None  # start of opening marks waiting for their piece
    for start, end in pieces:
        piece = text[start:end]
        if pending is None and piece[0] in CLOSING and out:
            if text[out[-1][0]].isspace() and len(out) > 1:
                out.pop()  # "kW )": the space and the mark go with the piece before
            out[-1] = (out[-1][0], end)
            continue
        if len(piece) == 1 and piece in OPENING:
            pending = start if pending is None else pending
            continue
        if pending is not None:
            if piece.isspace():  # an opening mark before a space: keep it with what came before
                out.append((pending, start))
            else:
                start = pending
            pending = None
        out.append((start, end))
    if pending is not None:
        if out and not text[out[-1][0]].isspace():
            out[-1] = (out[-1][0], len(text))
        else:
            out.append((pending, len(text)))
    return out


def _split_long(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """A piece wider than a whole line (very rare: a long URL) is cut by cells, as a last resort."""
    out, s, used = [], start, 0
    for k in range(start, end):
        w = cell_len(text[k])
        if used + w > width and k > s:
            cut = k - 1 if text[k] in CLOSING and k - 1 > s else k  # ":goal" never starts a line
            out.append((s, cut))
            s, used = cut, cell_len(text[cut:k])
        used += w
    out.append((s, end))
    return out


def wrap_spans(text: str, width: int, first: int = 0, rest: int = 0) -> list[tuple[int, int]]:
    """Line spans of one paragraph (no newline) for lines of `width` cells, the first line
    already holding `first` cells of prefix and the others `rest` (the hanging indent)."""
    lines: list[tuple[int, int]] = []
    line_start, used, avail = None, 0, max(1, width - first)
    last_end = None
    for start, end in _tokens(text):
        piece = text[start:end]
        if piece.isspace():
            if line_start is not None:
                used += cell_len(piece)
            continue
        w = cell_len(piece)
        if line_start is not None and used + w > avail:
            lines.append((line_start, last_end))
            line_start, used, avail = None, 0, max(1, width - rest)
        if line_start is None:
            if w > avail:
                parts = _split_long(text, start, end, avail)
                lines.extend(parts[:-1])
                start = parts[-1][0]
                w = cell_len(text[start:end])
                avail = max(1, width - rest)
            line_start, used = start, 0
        elif used and text[last_end:start].isspace():
            pass
        used += w  # the line's cells so far: its pieces and the spaces between them
        last_end = end
    if line_start is not None:
        lines.append((line_start, last_end))
    return lines


def wrap_lines(text: str, width: int, indent: str = "", hang: int = 2) -> list[str]:
    """Plain lines: every paragraph of `text` wrapped to `width`, starting with `indent`, its
    continuation lines indented `hang` cells more."""
    out: list[str] = []
    rest = indent + " " * hang
    for para in text.split("\n"):
        spans = wrap_spans(para, width, cell_len(indent), cell_len(rest))
        if not spans:
            out.append(indent.rstrip())
            continue
        for k, (s, e) in enumerate(spans):
            out.append((indent if k == 0 else rest) + para[s:e])
    return out


def fill(text: str, width: int, indent: str = "", hang: int = 2) -> str:
    return "\n".join(wrap_lines(text, width, indent, hang))


def wrap_text(text, width: int, hang: int = 2, indent: str = ""):
    """A rich `Text` cut into lines by the same rules, its styles (search highlights) kept; the
    first line of each paragraph starts with `indent`, the others `hang` cells further in."""
    from rich.text import Text

    plain = text.plain
    lines = []
    pos = 0
    rest = indent + " " * hang
    for para in plain.split("\n"):
        for k, (s, e) in enumerate(wrap_spans(para, width, cell_len(indent), cell_len(rest)) or [(0, 0)]):
            piece = text[pos + s:pos + e]
            lines.append(Text(rest if k else indent) + piece)
        pos += len(para) + 1
    return Text("\n").join(lines)


class Wrapped:
    """A rich renderable: a text (str or rich Text) wrapped by these rules to the width it gets,
    e.g. in a table cell. Measures as its longest unbreakable piece .. its longest paragraph."""

    def __init__(self, text, style: str = "", hang: int = 2):
        from rich.text import Text

        self.text = text if isinstance(text, Text) else Text(str(text), style=style)
        self.hang = hang

    def __rich_console__(self, console, options):
        yield wrap_text(self.text, options.max_width, self.hang)

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        plain = self.text.plain
        paras = plain.split("\n")
        longest = max((cell_len(plain[s:e]) for p in paras for s, e in _tokens(p) if not plain[s:e].isspace()),
                      default=1)
        widest = max((cell_len(p) for p in paras), default=1)
        low = min(longest + self.hang, widest) if widest > longest else longest
        return Measurement(min(low, options.max_width), min(widest, options.max_width))
