"""Line breaking for Chinese: every item text of the real KB, wrapped at 40/60/80/120 cells,
keeps the rules of kb/render/wrap.py."""

from __future__ import annotations

import itertools
import re

import pytest
from rich.cells import cell_len

from kb.render.wrap import CLOSING, OPENING, Wrapped, fill, wrap_lines, wrap_spans

WIDTHS = [40, 60, 80, 120]
UNITS = ("年", "月", "日", "个", "%", "工作日", "千瓦", "kW")
RUN = re.compile(r"[0-9A-Za-z]+(?:[.\-/+_:~×][0-9A-Za-z]+)*")


def _texts(base):
    for item in base.items.values():
        for field in (item.text, *item.national, *item.standard, item.summary):
            if field:
                yield item.id, field


def _check(text: str, lines: list[str], width: int, hang: int = 2):
    body = [line[hang:] if k else line for k, line in enumerate(lines)]
    for k, line in enumerate(lines):
        assert cell_len(line) <= width, (width, line)
        stripped = body[k].strip()
        if stripped:
            assert stripped[0] not in CLOSING, (width, line)
            assert stripped[-1] not in OPENING, (width, line)
    # text preserved: the same characters once the breaks (and only whitespace) are removed
    assert re.sub(r"\s", "", "".join(body)) == re.sub(r"\s", "", text)
    # no run of digits/Latin letters split across a line end: where two lines meet with no
    # space between them in the text, the letters/digits on both sides are not one run
    spans = wrap_spans(text, width, 0, hang)
    for (_, end), (start, _) in itertools.pairwise(spans):
        if end == start:
            assert not (RUN.fullmatch(text[end - 1]) and RUN.fullmatch(text[start])), text[end - 12:start + 12]
            assert not re.match(r"\d", text[end - 1]) or not any(text.startswith(u, start) for u in UNITS), \
                text[end - 12:start + 12]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_item_text_wraps_by_the_rules(base, width):
    n = 0
    for item_id, text in _texts(base):
        for para in text.split("\n"):
            _check(para, wrap_lines(para, width), width)
            n += 1
    assert n > 300  # every item of the three documents was wrapped


def test_numbers_keep_their_units_together():
    text = "国网山西省电力公司在2021年12月31日前将160kW及以下小微企业的接电时间压缩到5个工作日以内，比例达到100%。"
    for width in range(12, 60):
        joined = fill(text, width, hang=0).split("\n")
        for token in ("2021年", "160kW", "5个工作日", "100%。"):
            assert any(token in line for line in joined), (width, token, joined)


def test_opening_and_closing_marks_stay_with_their_words():
    text = "实行“三零”服务的低压非居民用户（含小微企业），全过程办电时间压缩至20个工作日。"
    for width in range(16, 40):
        lines = fill(text, width, hang=0).split("\n")
        assert all(line[0] not in CLOSING and line[-1] not in OPENING for line in lines), lines


def test_hanging_indent():
    lines = wrap_lines("居民用户全过程办电时间压缩至5个工作日以内；" * 3, 30, indent="", hang=4)
    assert len(lines) > 1 and all(line.startswith("    ") for line in lines[1:])
    assert not lines[0].startswith(" ")


@pytest.mark.parametrize("width", WIDTHS)
def test_rich_table_cells_keep_the_rules(base, width):
    """Inside a rich table the cell text is broken by the same rules (not by rich's own folding)."""
    from rich.console import Console
    from rich.table import Table

    texts = [t for _, t in _texts(base) if "\n" not in t][:60]
    console = Console(width=width, record=True, color_system=None)
    table = Table(show_header=False, box=None, pad_edge=False, padding=0)
    table.add_column("x", no_wrap=True)
    table.add_column("t")
    for text in texts:
        table.add_row("·", Wrapped(text, hang=0))
    console.print(table)
    lines = console.export_text().splitlines()
    assert all(cell_len(line) <= width for line in lines)
    for line in lines:
        body = line[1:].strip()
        if body:
            assert body[0] not in CLOSING, line


@pytest.mark.parametrize("width", WIDTHS)
def test_show_and_trace_of_every_item_fit_the_width(base, width):
    """`show` and `trace` wrap every line of every item to the width, by the same rules."""
    from kb.analysis.trace import trace
    from kb.render.item import show_text
    from kb.render.analysis import trace_lines as trace_text

    for item in base.items.values():
        for text in (show_text(item, base, width=width), trace_text(trace(base, item.id), width=width)):
            for line in text.split("\n"):
                assert cell_len(line) <= width, (item.id, line)
                body = line.strip()
                if body:
                    assert body[0] not in CLOSING or body[0] in "…", (item.id, line)


@pytest.mark.parametrize("width", WIDTHS)
def test_cli_tables_fit_the_terminal(cli, monkeypatch, width):
    """The diff, coverage and query tables at 40/60/80/120 columns: no line wider than the
    terminal, no table cell line starting with closing punctuation."""
    monkeypatch.setenv("COLUMNS", str(width))
    for args in (["diff", "1479", "shanxi"], ["coverage"], ["query", "text ~ 零投资", "--as-of", "2021-06-01"]):
        code, out, _ = cli(*args)
        assert code == 0
        for line in out.splitlines():
            assert cell_len(line) <= width, (args, line)
            for cell in re.split(r"[│┃]", line)[1:-1]:
                body = cell.strip()
                if body:
                    assert body[0] not in CLOSING or body[0] in "…", (args, line)
