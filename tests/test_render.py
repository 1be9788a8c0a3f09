"""The renderer registry, the one CSV and Markdown writer, and the one item layout.

Every registered (result type, format) pair renders a real result from the real knowledge base:
the test is parametrised over the registry itself, so a renderer added later is tested here
without a new line.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest

from kb.core.jsonout import listing
from kb.core.tables import csv_cell, csv_text, md_table
from kb.render.registry import (
    Coverage,
    Evaluations,
    UnknownFormat,
    formats,
    registry,
    render,
)

ROOT = Path(__file__).resolve().parent.parent
POLICIES = str(ROOT / "policies")
CASES = ROOT / "examples" / "cases.csv"
AS_OF = date(2021, 6, 1)


# --- a real result of every type, and the ids each rendering must name ----------------------

def _rows(base):
    return base.query("doc = shanxi and kind = action limit 4", as_of=AS_OF)


def _evaluations(base):
    from kb.rules.evaluate import evaluate_file, resolve_jurisdiction

    jurisdiction = resolve_jurisdiction(base, None)
    return Evaluations(evaluate_file(base, CASES, jurisdiction), jurisdiction)


def _coverage(base):
    from kb.analysis.trace import coverage

    return Coverage(coverage(base))


def _item(base):
    from kb.render.item import layout

    return layout(base.item("shanxi:ledger.task.11"), base)


SAMPLES = {
    "rows": _rows,
    "count": lambda base: base.query("count doc = nea"),
    "groups": lambda base: base.query("doc = shanxi group by kind"),
    "diff": lambda base: base.diff("1479", "shanxi"),
    "trace": lambda base: base.trace("nea:ledger.3"),
    "coverage": _coverage,
    "evaluations": _evaluations,
    "item": _item,
}

NAMES = {
    "rows": lambda r: [row.id for row in r.rows],
    "count": lambda r: [str(r.count)],
    "groups": lambda r: [key for key, _ in r.groups],
    "diff": lambda r: sorted({p.verdict for p in r.targets}),
    "trace": lambda r: [r.id] + [s.id for s in r.up + r.down],
    "coverage": lambda r: [row.id for row in r.rows],
    "evaluations": lambda r: sorted({e.id for e in r.results}),
    "item": lambda r: [r.item.id, r.item.source_file],
}


def test_every_type_has_a_sample_and_renderers():
    from kb.render.registry import TYPES

    assert set(SAMPLES) == set(TYPES)
    assert {t for t, _ in registry()} == set(TYPES)


@pytest.mark.parametrize("rtype, fmt", sorted(registry()), ids=lambda p: p if isinstance(p, str) else None)
def test_every_registered_renderer_renders_a_real_result(base, rtype, fmt):
    result = SAMPLES[rtype](base)
    text = render(result, fmt, width=200)
    names = NAMES[rtype](result)
    if rtype == "diff" and fmt in ("table", "md"):  # people read each verdict by its name, in the run's language
        from kb.render.i18n import verdict_name

        names = [verdict_name(v) for v in names]
    assert names
    missing = [n for n in names if n not in text]
    assert not missing, f"{rtype} as {fmt} leaves out {missing}"
    if fmt == "json":
        json.loads(text)
        assert text.endswith(("}\n", "]\n"))
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) >= 2 and len({len(r) for r in rows}) == 1  # a header and rows as wide
        assert text.endswith("\r\n")
    if fmt == "md":
        _assert_md_tables_well_formed(text)


def _assert_md_tables_well_formed(text: str) -> None:
    """Every table in the text is the one writer's: a header, a `|---|` rule, rows as wide."""
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if line.startswith("|---|"):
            width = line.count("---|")
            header = lines[n - 1]
            assert header.startswith("| ") and header.endswith(" |")
            body = []
            for row in lines[n + 1:]:
                if not row.startswith("|"):
                    break
                body.append(row)
            for row in [header, *body]:
                cells = re.split(r"(?<!\\)\|", row)[1:-1]
                assert len(cells) == width, row


def test_json_is_the_result_dictionary(base):
    """The registry's JSON is exactly `to_dict()` (what the API/CLI parity tests compare)."""
    result = _rows(base)
    text = render(result, "json")
    assert json.loads(text) == result.to_dict()
    assert text == listing(result.to_dict()) + "\n" and text.count("\n") == len(result.rows) + 2  # a row a line
    diff = base.diff("1479", "shanxi")
    as_query = base.query("diff 1479 vs shanxi")
    assert render(as_query, "json") == render(diff, "json")


def test_unknown_format_names_the_formats_there_are(base, cli):
    trace = base.trace("nea:ledger.3")
    with pytest.raises(UnknownFormat) as err:
        render(trace, "csv")
    assert err.value.exit_code == 2
    assert str(err.value) == f"cannot write trace as 'csv' (formats for trace: {', '.join(formats('trace'))})"
    assert "json" in formats("trace") and "csv" not in formats("trace")


def test_the_cli_offers_only_registered_formats():
    """Each command's --format choices are formats the registry writes for its results."""
    from kb.cli import build_parser

    types = {"show": ["item"], "trace": ["trace"], "coverage": ["coverage"], "diff": ["diff"],
             "evaluate": ["evaluations"], "query": ["rows", "count", "groups", "diff"]}
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for command, rtypes in types.items():
        choices = next(a.choices for a in sub.choices[command]._actions if a.dest == "format")
        if command == "coverage":  # its workbook is an export (kb.export.xlsx), written with -o
            choices = [c for c in choices if c != "xlsx"]
        for rtype in rtypes:
            assert set(choices) <= set(formats(rtype)), (command, rtype)


def test_tui_export_is_the_registry(base):
    from tui.export import FORMATS
    from tui.export import render as tui_render

    for result in (_rows(base), base.query("count doc = nea"), base.query("doc = nea group by kind"),
                   base.query("diff 1479 vs shanxi")):
        for fmt in FORMATS:
            assert tui_render(result, fmt) == render(result, fmt)


def test_no_other_csv_or_markdown_table_writer():
    """kb.core.tables is the only place that writes CSV rows or a Markdown table rule."""
    offenders = []
    for path in [*ROOT.joinpath("kb").rglob("*.py"), *ROOT.joinpath("tui").rglob("*.py")]:
        if path.name == "tables.py" and path.parent.name == "core":
            continue
        source = path.read_text(encoding="utf-8")
        if "csv.writer" in source or "DictWriter" in source or re.search(r"[\"']\|-{3}\|", source):
            offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == []


# --- the one CSV writer ----------------------------------------------------------------------

def test_csv_bom_crlf_and_quoting():
    text = csv_text(["a", "b"], [["x;y", 'say "hi"'], ["line\nbreak", "plain"]], bom=True)
    assert text.startswith("\ufeffa,b\r\n")
    assert '"x;y"' in text  # LibreOffice splits on ; unless it is quoted
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert rows == [["a", "b"], ["x;y", 'say "hi"'], ["line\nbreak", "plain"]]
    assert not csv_text(["a"], [["b"]]).startswith("\ufeff")


@pytest.mark.parametrize("cell", ["=SUM(A1:A2)", "+cmd", "-2+3", "@foo", "\tx", "\rx"])
def test_csv_formula_cells_are_escaped(cell):
    text = csv_text(["c"], [[cell]])
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["c"], ["'" + cell]]


@pytest.mark.parametrize("number", ["-1", "-2.5", "+3", "0"])
def test_csv_numbers_are_not_escaped(number):
    assert csv_cell(number) == number


def test_cli_csv_keeps_numbers_and_quotes_semicolons(cli, base):
    """A negative difference stays a number; a units cell with `; ` stays one field."""
    code, out, _ = cli("--policies", POLICIES, "evaluate", str(CASES), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert any(r["difference"].startswith("-") and float(r["difference"]) < 0 for r in rows)
    code, out, _ = cli("--policies", POLICIES, "query", "id = 1479:task.5", "--items", "--format", "csv")
    assert code == 0 and not out.startswith("\ufeff")
    (row,) = list(csv.DictReader(io.StringIO(out)))
    item = base.item("1479:task.5")
    assert row["units"] == "; ".join(f"{r.name} ({r.role})" for r in item.units) and ";" in row["units"]
    assert "; " in out.split("\r\n")[1] and out.split("\r\n")[1].count('"') >= 2


def test_export_csv_goes_through_the_one_writer(base):
    from kb.export.formats import to_csv

    items = [base.item("1479:task.5")]
    text = to_csv(items)
    assert text.startswith("\ufeff") and text.endswith("\r\n")
    assert '"' + "; ".join(f"{r.name} ({r.role})" for r in items[0].units) + '"' in text


def test_md_table_escapes_pipes_and_newlines():
    lines = md_table(["a", "b"], [["x|y", "two\nlines"]])
    assert lines == ["| a | b |", "|---|---|", "| x\\|y | two lines |"]


# --- the one item layout ----------------------------------------------------------------------

def _source_text(base, item) -> str:
    return (ROOT / "policies" / item.source_file).read_text(encoding="utf-8")


def test_show_form_lists_every_field(cli, base):
    item = base.item("nea:form3")
    source = _source_text(base, item)
    names = [f.name for f in item.fields]
    assert len(names) == 15
    code, out, _ = cli("--policies", POLICIES, "show", "nea:form3")
    assert code == 0
    for f in item.fields:
        assert f.name.rstrip("：:") in source  # the names are the source's own
        line = next(line for line in out.splitlines() if line.strip().startswith("• " + f.name))
        assert f.part in line
        assert (f.unit or "") in line and (f.group or "") in line


def test_show_ledger_row_lists_year_actions_and_links(cli, base):
    item_id = "shanxi:ledger.task.11"
    actions = [c for c in base.children.get(item_id, []) if base.items[c].kind == "action"]
    assert actions
    code, out, _ = cli("--lang", "en", "--policies", POLICIES, "show", item_id)
    assert code == 0
    lines = out.splitlines()
    for child in actions:
        assert any(line.split()[:3] == ["year", "action", child] for line in lines), child
    ups = [l.dst for l in base.links if l.src == item_id and l.rel == "implements"]
    downs = [l.src for l in base.links if l.dst == item_id]
    for other in ups + downs:
        assert any(other in line for line in lines)
    assert ups


def test_show_prints_targets_with_their_quotes(cli, base):
    item = next(i for i in base.items.values() if i.targets)
    code, out, _ = cli("--policies", POLICIES, "show", item.id)
    assert code == 0
    for t in item.targets:
        assert f"“{t.quote}”" in out
        assert t.quote in _source_text(base, item).replace("\n", "")


def test_show_json_unchanged_and_md(cli, base):
    code, out, _ = cli("--policies", POLICIES, "show", "nea:form3", "--format", "json")
    assert json.loads(out) == base.item("nea:form3").to_dict()
    code, out, _ = cli("--policies", POLICIES, "show", "nea:form3", "--format", "md")
    assert code == 0 and out.startswith("# nea:form3")


def test_tui_detail_pane_uses_the_same_layout(base, monkeypatch):
    """The detail pane's text holds the same sections and lines as `show` (its links are listed
    below it, not in the text). In English, whose titles this test spells."""
    monkeypatch.setenv("POWERKB_LANG", "en")
    from kb.analysis.outline import related
    from kb.render.item import layout
    from tui.widgets.detail import item_text

    for item_id in ("nea:form3", "shanxi:ledger.task.11", "shanxi:org.1"):
        item = base.item(item_id)
        pane = item_text(item, base, [], AS_OF).plain
        shown = render(layout(item, base), "text")
        lay = layout(item, base, AS_OF, links=False)
        for section in lay.sections:
            if section.titled:
                assert section.title in pane and section.title + ":" in shown
            for line in section.lines:
                words = "".join(s.text for s in line if s.style != "overdue-mark").strip()
                assert words.removeprefix("• ") in pane
        assert ("Linked items:" in shown) == bool(related(base, item_id))
        assert "Linked items" not in pane


def test_tui_detail_marks_search_hits_and_overdue_deadlines(base):
    from tui.style import HIT, OVERDUE, OVERDUE_MARK
    from tui.widgets.detail import item_text

    item = base.item("shanxi:ledger.goal.2")
    text = item_text(item, base, ["审批"], AS_OF)
    hits = {text.plain[s.start:s.end] for s in text.spans if s.style == HIT}
    assert hits == {"审批"}
    late = [dl for dl in item.deadlines if dl.kind == "date" and dl.date < AS_OF]
    assert late and text.plain.count(OVERDUE_MARK) >= len(late)
    assert any(s.style == OVERDUE for s in text.spans)
