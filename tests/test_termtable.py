"""The query result table without rich (kb/render/termtable.py): cell widths as rich counts them,
Chinese line breaking inside cells at every width, every table line exactly the table's width,
colour only on a terminal (FORCE_COLOR / NO_COLOR / TERM=dumb as rich reads them), the block
layout of narrow terminals, and a cold `powerkb query` that never imports rich or yaml."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import date

import pytest
from rich.cells import cell_len as rich_cell_len

from kb.core.cells import cell_len
from kb.core.wrap import CLOSING
from kb.render.registry import render
from kb.render.termtable import Column, Styled, style_mode, table_lines, terminal_width

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AS_OF = date(2021, 6, 1)
QUERIES = [("due <= 2021-12 and unit = 市能源局", {}), ("text ~ 零投资", {}), ("doc = nea", {"items": True}),
           ("text ~ 报装 limit 25", {})]
SGR = re.compile(r"\x1b\[([0-9;]*)m")
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7])(?:;[0-9;]*)?m")


def _texts(base):
    for item in base.items.values():
        for field in (item.text, *item.national, *item.standard, item.summary):
            if field:
                yield field


def test_cell_widths_agree_with_rich_over_every_item_text(base):
    n = 0
    for text in _texts(base):
        assert cell_len(text) == rich_cell_len(text), text[:40]
        for ch in set(text):
            assert cell_len(ch) == rich_cell_len(ch), (ch, hex(ord(ch)))
        n += 1
    assert n > 300
    for sample in ("abc", "", "（一）", "“三零”服务", "160kW", "…", "①", "é", "\u0301", "\t"):
        assert cell_len(sample) == rich_cell_len(sample), sample


@pytest.fixture(scope="module")
def results(base):
    return [base.query(text, as_of=AS_OF, **kw) for text, kw in QUERIES]


def _table_part(lines: list[str]) -> list[str]:
    """The lines from the title (or the top rule) to the bottom rule."""
    top = next(k for k, line in enumerate(lines) if line.startswith("┏"))
    bottom = next(k for k, line in enumerate(lines) if line.startswith("└"))
    start = top - 1 if top and lines[top - 1].strip().startswith("截至") else top
    return lines[start:bottom + 1]


def _check_cells(body: list[str], width: int, where) -> int:
    """No cell line starts with closing punctuation; no run of digits or Latin letters is split
    between two lines of a units or text cell (a row starts where the id column is filled)."""
    prev: list[str] = []
    checked = 0
    for line in body:
        cells = line.split("│")[1:-1]
        if cells[0].strip() and not cells[0].strip().startswith("+"):
            prev = [""] * len(cells)
        for k, cell in enumerate(cells):
            text = cell.strip()
            if text:
                assert text[0] not in CLOSING or text[0] == "…", (where, width, line)
                before = prev[k]
                if before and k >= 3:  # units and text: one paragraph each in these queries (due: date over phrase)
                    split = re.search(r"[0-9A-Za-z]$", before) and re.match(r"[0-9A-Za-z]", text)
                    if re.fullmatch(r"…?[0-9A-Za-z.\-/+_:~×]+", before):  # a run wider than the cell (a
                        split = None  # phone number at 72 columns) is cut: the last resort
                    assert not split, (where, width, before, text)
                checked += 1
            prev[k] = text
    return checked


def test_rows_wrap_by_the_chinese_rules_at_every_width(results):
    """Widths 40..160: the table (72 and wider) and the blocks (narrower) of four queries."""
    checked = 0
    for result, (text, _) in zip(results, QUERIES):
        assert result.rows, text
        for width in range(40, 161):
            lines = render(result, "table", width=width).splitlines()
            assert all(cell_len(line) <= width for line in lines), (text, width)
            if width < 72:
                assert not any(line.startswith(("┏", "│")) for line in lines)
                for line in lines:
                    body = line.strip()
                    assert not body or body[0] not in CLOSING or body[0] == "…", (text, width, line)
                continue
            table = _table_part(lines)
            assert {cell_len(line) for line in table} == {width}, (text, width)
            body = table[table.index(next(line for line in table if line.startswith("┡"))) + 1:-1]
            checked += _check_cells(body, width, text)
    assert checked > 1000


def test_narrow_terminal_prints_rows_as_blocks(results):
    result = results[0]
    lines = render(result, "table", width=60).splitlines()
    assert lines[0] == f"截至 {result.as_of}"
    heads = [line for line in lines[1:] if not line.startswith((" ", "共", "逾 ="))]
    assert len(heads) == len(result.rows)
    first = result.rows[0]
    assert heads[0].startswith(first.item_id) and "逾" in heads[0] and str(first.due) in heads[0]
    assert all(line.startswith("  ") for line in lines[2:4])  # units and text indented under the head


def test_groups_table_fits_and_counts(base):
    result = base.query("doc = shanxi group by kind")
    for width in (40, 80, 120):
        lines = render(result, "table", width=width).splitlines()
        assert len({cell_len(line) for line in lines}) == 1
        assert cell_len(lines[0]) <= width
        counts = [int(line.split("│")[-2]) for line in lines if line.startswith("│")]
        assert counts == [n for _, n in result.groups]


def test_every_table_line_has_the_table_width_with_styles():
    cols = [Column("编号", no_wrap=True), Column("逾", justify="center"), Column("内容", ratio=1)]
    rows = [["nea:ledger.23\n+2", "逾", Styled("实现全国范围160kW及以下的小微企业用电报装“零投资”。" * 3)]]
    for width in (30, 50, 90):
        lines = table_lines(cols, rows, width, expand=True, title="截至 2021-06-01")
        assert {cell_len("".join(t for t, _ in line)) for line in lines} == {width}


class Tty(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TERM", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    return monkeypatch


def _table(result, out) -> str:
    render(result, "table", out=out, width=120)
    return out.getvalue()


def test_colour_only_on_a_terminal(results, clean_env):
    result = results[1]  # a text search: its hits are highlighted
    assert style_mode(io.StringIO()) is None and "\x1b" not in _table(result, io.StringIO())
    on_tty = _table(result, Tty())
    assert "\x1b[1;33m零投资\x1b[0m" in on_tty and "\x1b[36m" in on_tty  # hit bold yellow, ids cyan
    # the styles do not change the layout: without the codes it is the plain table
    assert SGR.sub("", on_tty) == _table(result, io.StringIO())


def test_force_color_no_color_and_dumb_terminals(results, clean_env):
    result = results[1]
    clean_env.setenv("FORCE_COLOR", "1")
    assert COLOUR.search(_table(result, io.StringIO()))  # forced: a pipe gets colour
    clean_env.setenv("FORCE_COLOR", "")
    assert "\x1b" not in _table(result, Tty())  # empty FORCE_COLOR: as rich, not a terminal
    clean_env.delenv("FORCE_COLOR")
    clean_env.setenv("NO_COLOR", "1")
    plain_styles = _table(result, Tty())
    assert not COLOUR.search(plain_styles) and "\x1b[1m" in plain_styles  # bold stays, colours go
    clean_env.delenv("NO_COLOR")
    clean_env.setenv("TERM", "dumb")
    assert "\x1b" not in _table(result, Tty())


def test_width_given_else_columns_else_80(clean_env):
    assert terminal_width(io.StringIO(), 33) == 33
    clean_env.setenv("COLUMNS", "97")
    assert terminal_width(io.StringIO()) == 97
    clean_env.delenv("COLUMNS")
    clean_env.setenv("TERM", "dumb")
    clean_env.setenv("FORCE_COLOR", "1")
    assert terminal_width(io.StringIO()) == 80


def test_cold_query_table_imports_neither_rich_nor_yaml(tmp_path):
    """What makes the table cheap (issue 16): a subprocess runs the query as a user would and
    reports the modules it loaded. A second run reads the labels from the cache."""
    code = ("import sys; from kb.cli import main; code = main(sys.argv[1:]); "
            "print('MODULES', sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'yaml')), file=sys.stderr)")
    env = dict(os.environ, PYTHONPATH=ROOT, COLUMNS="100")
    args = [sys.executable, "-c", code, "query", "due <= 2021-12 and unit = 市能源局", "--as-of", "2021-06-01"]
    for _ in range(2):  # the first run may build the cache
        proc = subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
    assert "┏" in proc.stdout and "截至 2021-06-01" in proc.stdout
    loaded = next(line for line in proc.stderr.splitlines() if line.startswith("MODULES"))
    assert loaded == "MODULES []", loaded


def test_labels_json_copy_is_rebuilt_when_the_yaml_changes(tmp_path):
    import yaml

    from kb.core.i18n import LABELS_FILE, load_labels

    src = tmp_path / "labels.yaml"
    src.write_text(LABELS_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    cache = tmp_path / "cache"
    expected = yaml.safe_load(src.read_text(encoding="utf-8"))["labels"]
    assert load_labels(src, cache) == expected
    copy = next(cache.glob("labels-*.json"))
    assert json.loads(copy.read_text(encoding="utf-8"))["labels"] == expected
    assert load_labels(src, cache) == expected  # from the copy
    src.write_text("labels:\n  query.rows: {zh: 改了, en: changed}\n", encoding="utf-8")
    assert load_labels(src, cache) == {"query.rows": {"zh": "改了", "en": "changed"}}
    assert load_labels(src, src) == {"query.rows": {"zh": "改了", "en": "changed"}}  # a cache that cannot be
