"""`trace` (an item's chain both ways) and `coverage` (higher-level measures and their
counterparts) for people and programs, in the language of the run. The analysis itself is in
kb.analysis.trace.

In Chinese the line under each item is its verbatim text (the source's own words, shortened); in
English it is the item's English summary. JSON and CSV keep the ids and slugs."""

from __future__ import annotations

from kb.core.jsonout import dumps
from kb.core.tables import csv_text, md_table
from kb.render.i18n import deadline_kind_name, is_zh, kind_name, label, relation_name, term_name
from kb.render.registry import renderer
from kb.render.wrap import wrap_lines

NARROW = 72  # below this many columns a four-column table has cells too narrow for a word


def gist(info: dict, width: int = 60) -> str:
    """What a person reads about an item: its Chinese text (first sentence or so) or its summary."""
    if not is_zh():
        return info["summary"]
    text = " ".join((info.get("text") or info["summary"]).split())
    return text if len(text) <= width else text[: width - 1] + "…"


# --- trace -------------------------------------------------------------------------------------


@renderer("trace", "json")
def trace_json(t, ctx) -> str:
    return dumps(t.to_dict(), ensure_ascii=False, indent=2) + "\n"


def _unit_name(u: dict) -> str:
    return u["name"] if is_zh() else term_name("unit", u["id"])


def _units_text(info: dict) -> str:
    names = [_unit_name(u) + ("" if u["role"] == "lead" else label("trace.cooperating")) for u in info["units"]]
    return "、".join(dict.fromkeys(names))


def _due(info: dict) -> str:
    return info["deadline"] or deadline_kind_name(info["deadline_kind"])


def _head(step_id: str, info: dict) -> str:
    return f"{step_id}  [{kind_name(info['kind'])}，{label('trace.due', due=_due(info))}]" if is_zh() else \
        f"{step_id}  [{info['kind']}, {label('trace.due', due=_due(info))}]"


def _entry(step, width: int) -> list[str]:
    pad = "  " * step.depth
    units = _units_text(step.info)
    head = f"{relation_name(step.relation)}  {_head(step.id, step.info)}" + (f"  {units}" if units else "")
    return wrap_lines(head, width, indent=pad, hang=4) + wrap_lines(gist(step.info, 200), width, indent=pad + "    ", hang=2)


def trace_lines(t, width: int = 100) -> str:
    """The chain of an item, up and down, one entry per linked item, wrapped to `width`."""
    out = wrap_lines(f"{_head(t.id, t.item)}  {_units_text(t.item)}", width, hang=4)
    out += wrap_lines(gist(t.item, 400), width, indent="  ", hang=2)
    out += ["", label("trace.up")]
    out += [line for s in t.up for line in _entry(s, width)] or ["  " + label("trace.nothing")]
    out += ["", label("trace.down")]
    out += [line for s in t.down for line in _entry(s, width)] or ["  " + label("trace.nothing")]
    return "\n".join(out)


@renderer("trace", "text", "table")
def trace_text(t, ctx) -> str:
    return trace_lines(t, ctx.text_width()) + "\n"


# --- coverage ----------------------------------------------------------------------------------

def counterparts_text(r) -> str:
    """The direct counterparts (those that carry out only part of the measure marked), then those
    reached only through another item (in brackets), or none and why."""
    sep = "、" if is_zh() else ", "
    parts = [c + (label("coverage.partial") if c in r.partial else "") for c in r.counterparts]
    parts += [label("coverage.through", id=i, via=v) for i, v in r.through]
    if not r.counterparts:
        parts.insert(0, label("coverage.none", reason=r.reason or label("coverage.not_recorded")))
    return sep.join(parts)


def measure_text(r) -> str:
    """A coverage row's measure in full, for a workbook: its Chinese text, or its summary in English."""
    return (r.text or r.summary) if is_zh() else r.summary


def _row_gist(r) -> str:
    return gist({"summary": r.summary, "text": r.text}, 80)


def _summary_line(rows, width: int | None = None) -> str:
    covered = sum(1 for r in rows if r.counterparts)
    text = label("coverage.summary", covered=covered, total=len(rows), missing=len(rows) - covered)
    return "\n".join(wrap_lines(text, width)) if width else text


@renderer("coverage", "json")
def coverage_json(cov, ctx) -> str:
    return dumps([r.to_dict() for r in cov.rows], ensure_ascii=False, indent=2) + "\n"


@renderer("coverage", "table")
def coverage_table(cov, ctx) -> None:
    """The coverage as a rich table, every cell broken by the Chinese line-breaking rules; on a
    narrow terminal one block per measure."""
    from rich.table import Table

    from kb.render.wrap import Wrapped

    console = ctx.console()
    if console.width < NARROW:
        _coverage_blocks(cov.rows, console)
    else:
        table = Table(header_style="bold", expand=True)
        table.add_column(label("col.measure"), no_wrap=True, style="cyan")
        table.add_column(label("col.via"), no_wrap=True)
        table.add_column(label("col.counterparts"), ratio=2)
        table.add_column(label("col.summary"), ratio=3)
        for r in cov.rows:
            table.add_row(r.id, "\n".join(r.via), Wrapped(counterparts_text(r), hang=0), Wrapped(_row_gist(r)))
        console.print(table)
    console.print(_summary_line(cov.rows, console.width))


def _coverage_blocks(rows, console) -> None:
    from rich.text import Text

    colon = "：" if is_zh() else ": "
    for r in rows:
        console.print(Text(r.id, style="bold cyan") + (f"  {label('col.via')} {', '.join(r.via)}" if r.via else ""))
        console.print("\n".join(wrap_lines(f"{label('col.counterparts')}{colon}{counterparts_text(r)}", console.width, indent="  ")))
        console.print("\n".join(wrap_lines(_row_gist(r), console.width, indent="  ")))


COVERAGE_CSV_COLUMNS = ["measure", "doc", "via", "counterparts", "through", "covered", "reason", "summary"]


@renderer("coverage", "csv")
def coverage_csv(cov, ctx) -> str:
    rows = ([r.id, r.doc, " ".join(r.via), " ".join(r.counterparts), " ".join(f"{i} via {v}" for i, v in r.through),
             "yes" if r.counterparts else "no", r.reason or "", r.summary] for r in cov.rows)
    return csv_text(COVERAGE_CSV_COLUMNS, rows, bom=ctx.bom)


@renderer("coverage", "md")
def coverage_md(cov, ctx) -> str:
    rows = cov.rows
    docs = ", ".join(dict.fromkeys(r.doc for r in rows))
    out = [label("coverage.title", docs=docs), "", _summary_line(rows) + label("coverage.brackets"), ""]
    out += md_table([label("col.measure"), label("col.via"), label("col.counterparts"), label("col.summary")],
                    ([r.id, ", ".join(r.via), counterparts_text(r), _row_gist(r)] for r in rows))
    none = [r for r in rows if not r.counterparts]
    if none:
        out += ["", label("coverage.without"), ""]
        out += [f"- {r.id} ({r.doc}): {r.reason or label('coverage.not_recorded')}" for r in none]
    return "\n".join(out) + "\n"
