"""Printing `trace` and `coverage` for people: text, Markdown and a rich table, in the language of
the run. In Chinese the line under each item is its verbatim text (the source's own words,
shortened); in English it is the item's English summary."""

from __future__ import annotations

from kb.render.i18n import (
    deadline_kind_name,
    is_zh,
    kind_name,
    label,
    relation_name,
    term_name,
)
from kb.render.wrap import wrap_lines


def gist(info: dict, width: int = 60) -> str:
    """What a person reads about an item: its Chinese text (first sentence or so) or its summary."""
    if not is_zh():
        return info["summary"]
    text = " ".join((info.get("text") or info["summary"]).split())
    return text if len(text) <= width else text[: width - 1] + "…"


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


def trace_text(t, width: int = 100) -> str:
    """The chain of an item, up and down, one entry per linked item, wrapped to `width`."""

    def entry(step) -> list[str]:
        pad = "  " * step.depth
        rel = relation_name(step.relation)
        units = _units_text(step.info)
        head = f"{rel}  {_head(step.id, step.info)}" + (f"  {units}" if units else "")
        body = wrap_lines(gist(step.info, 200), width, indent=pad + "    ", hang=2)
        return wrap_lines(head, width, indent=pad, hang=4) + body

    out = wrap_lines(f"{_head(t.id, t.item)}  {_units_text(t.item)}", width, hang=4)
    out += wrap_lines(gist(t.item, 400), width, indent="  ", hang=2)
    out += ["", label("trace.up")]
    out += [line for s in t.up for line in entry(s)] or ["  " + label("trace.nothing")]
    out += ["", label("trace.down")]
    out += [line for s in t.down for line in entry(s)] or ["  " + label("trace.nothing")]
    return "\n".join(out)


def counterparts_text(r) -> str:
    """The direct counterparts, then those reached only through another item (marked), or none."""
    sep = "、" if is_zh() else ", "
    parts = list(r.counterparts) + [label("coverage.through", id=i, via=v) for i, v in r.through]
    if not r.counterparts:
        parts.insert(0, label("coverage.none", reason=r.reason or label("coverage.not_recorded")))
    return sep.join(parts)


def _row_gist(r) -> str:
    return gist({"summary": r.summary, "text": getattr(r, "text", None)}, 80)


def coverage_markdown(rows) -> str:
    covered = sum(1 for r in rows if r.counterparts)
    docs = ", ".join(dict.fromkeys(r.doc for r in rows))
    out = [label("coverage.title", docs=docs), "",
           label("coverage.summary", covered=covered, total=len(rows), missing=len(rows) - covered)
           + label("coverage.brackets"), "",
           f"| {label('col.measure')} | {label('col.via')} | {label('col.counterparts')} | {label('col.summary')} |",
           "|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r.id} | {', '.join(r.via)} | {counterparts_text(r)} | {_row_gist(r)} |")
    none = [r for r in rows if not r.counterparts]
    if none:
        out += ["", label("coverage.without"), ""]
        out += [f"- {r.id} ({r.doc}): {r.reason or label('coverage.not_recorded')}" for r in none]
    return "\n".join(out) + "\n"


def coverage_table(rows, console) -> None:
    """The coverage as a rich table; every cell broken by the Chinese line-breaking rules."""
    from rich.table import Table

    from kb.render.wrap import Wrapped

    if console.width < 72:  # too narrow for four columns: one block per measure
        from rich.text import Text

        colon = "：" if is_zh() else ": "
        for r in rows:
            console.print(Text(r.id, style="bold cyan") + (f"  {label('col.via')} {', '.join(r.via)}" if r.via else ""))
            console.print("\n".join(wrap_lines(f"{label('col.counterparts')}{colon}{counterparts_text(r)}", console.width, indent="  ")))
            console.print("\n".join(wrap_lines(_row_gist(r), console.width, indent="  ")))
        missing = sum(1 for r in rows if not r.counterparts)
        console.print(fill_summary(rows, missing, console.width))
        return
    table = Table(header_style="bold", expand=True)
    table.add_column(label("col.measure"), no_wrap=True, style="cyan")
    table.add_column(label("col.via"), no_wrap=True)
    table.add_column(label("col.counterparts"), ratio=2)
    table.add_column(label("col.summary"), ratio=3)
    for r in rows:
        table.add_row(r.id, "\n".join(r.via), Wrapped(counterparts_text(r), hang=0), Wrapped(_row_gist(r)))
    console.print(table)
    missing = sum(1 for r in rows if not r.counterparts)
    console.print(fill_summary(rows, missing, console.width))


def fill_summary(rows, missing: int, width: int) -> str:
    text = label("coverage.summary", covered=len(rows) - missing, total=len(rows), missing=missing)
    return "\n".join(wrap_lines(text, width))
