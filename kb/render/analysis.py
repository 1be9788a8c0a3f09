"""`trace` (an item's chain both ways) and `coverage` (higher-level measures and their
counterparts) for people and programs. The analysis itself is in kb.analysis.trace."""

from __future__ import annotations

from kb.core.jsonout import dumps
from kb.core.tables import csv_text, md_table
from kb.render.labels import label
from kb.render.registry import renderer

# --- trace -------------------------------------------------------------------------------------


@renderer("trace", "json")
def trace_json(t, ctx) -> str:
    return dumps(t.to_dict(), ensure_ascii=False, indent=2) + "\n"


def _units_text(info: dict) -> str:
    names = [u["name"] + ("" if u["role"] == "lead" else "（协同）") for u in info["units"]]
    return "、".join(dict.fromkeys(names))


def _step_line(step) -> str:
    due = step.info["deadline"] or step.info["deadline_kind"]
    units = _units_text(step.info)
    indent = "  " * step.depth
    return (f"{indent}{step.relation:>15}  {step.id}  [{step.info['kind']}, due {due}]"
            + (f"  {units}" if units else "") + f"\n{indent}{'':>15}  {step.info['summary']}")


@renderer("trace", "text", "table")
def trace_text(t, ctx) -> str:
    head = t.item
    out = [f"{t.id}  [{head['kind']}, due {head['deadline'] or head['deadline_kind']}]  {_units_text(head)}",
           f"  {head['summary']}", "", label("trace-up")]
    out += [_step_line(s) for s in t.up] or ["  " + label("nothing")]
    out += ["", label("trace-down")]
    out += [_step_line(s) for s in t.down] or ["  " + label("nothing")]
    return "\n".join(out) + "\n"


# --- coverage ----------------------------------------------------------------------------------

def counterparts_text(r) -> str:
    """The direct counterparts, then those reached only through another item (marked), or none."""
    parts = [c + (" (partial)" if c in r.partial else "") for c in r.counterparts]
    parts += [f"({i} via {v})" for i, v in r.through]
    if not r.counterparts:
        parts.insert(0, f"none: {r.reason or 'not recorded'}")
    return ", ".join(parts)


def _covered(rows) -> int:
    return sum(1 for r in rows if r.counterparts)


@renderer("coverage", "json")
def coverage_json(cov, ctx) -> str:
    return dumps([r.to_dict() for r in cov.rows], ensure_ascii=False, indent=2) + "\n"


@renderer("coverage", "table")
def coverage_table(cov, ctx) -> None:
    from rich.table import Table

    table = Table(header_style="bold", expand=True)
    table.add_column(label("measure"), no_wrap=True, style="cyan")
    table.add_column(label("via"), no_wrap=True)
    table.add_column(label("counterparts"), ratio=2, overflow="fold")
    table.add_column(label("summary"), ratio=3, overflow="fold")
    for r in cov.rows:
        table.add_row(r.id, ", ".join(r.via), counterparts_text(r), r.summary)
    console = ctx.console()
    console.print(table)
    covered, n = _covered(cov.rows), len(cov.rows)
    console.print(f"{covered} of {n} measures have a direct counterpart; {n - covered} have none.")


COVERAGE_CSV_COLUMNS = ["measure", "doc", "via", "counterparts", "through", "covered", "reason", "summary"]


@renderer("coverage", "csv")
def coverage_csv(cov, ctx) -> str:
    rows = ([r.id, r.doc, " ".join(r.via), " ".join(r.counterparts), " ".join(f"{i} via {v}" for i, v in r.through),
             "yes" if r.counterparts else "no", r.reason or "", r.summary] for r in cov.rows)
    return csv_text(COVERAGE_CSV_COLUMNS, rows, bom=ctx.bom)


@renderer("coverage", "md")
def coverage_md(cov, ctx) -> str:
    rows = cov.rows
    covered = _covered(rows)
    docs = ", ".join(dict.fromkeys(r.doc for r in rows))
    out = [f"# Coverage: higher-level measures and their counterparts in {docs}", "",
           (f"{covered} of {len(rows)} measures have a direct counterpart; {len(rows) - covered} have none "
            "(items reached only through another item are shown in brackets and do not count)."), ""]
    out += md_table([label("measure"), label("via"), label("counterparts"), label("summary")],
                    ([r.id, ", ".join(r.via), counterparts_text(r), r.summary] for r in rows))
    none = [r for r in rows if not r.counterparts]
    if none:
        out += ["", "## Without a direct counterpart", ""]
        out += [f"- {r.id} ({r.doc}): {r.reason or 'not recorded'}" for r in none]
    return "\n".join(out) + "\n"
