"""Query results (rows, a count, groups) for people (a rich table, Markdown) and for programs
(JSON, CSV)."""

from __future__ import annotations

import json

from kb.core.tables import csv_text, md_cell, md_table
from kb.render.labels import label
from kb.render.registry import renderer


def excerpt(text: str, terms: list[str], width: int = 90) -> str:
    """A window of `text` around the first search hit (or its start), on one line."""
    flat = " ".join(text.split())
    at = -1
    for term in terms:
        at = flat.find(term.strip())
        if at >= 0:
            break
    if at <= 0 or len(flat) <= width:
        return flat if len(flat) <= width else flat[: width - 1] + "…"
    start = max(0, at - width // 3)
    piece = flat[start:start + width - 2]
    return ("…" if start else "") + piece + ("…" if start + width - 2 < len(flat) else "")


def unit_names(item: dict, limit: int | None = None) -> str:
    """Lead units, then cooperating ones; with `limit`, the first few and a count of the rest."""
    leads = list(dict.fromkeys(u["name"] for u in item["units"] if u["role"] == "lead"))
    coop = list(dict.fromkeys(u["name"] for u in item["units"] if u["role"] == "cooperate"))
    if limit is not None:
        shown = "、".join(leads[:limit]) + (f"等{len(leads)}个" if len(leads) > limit else "")
        return shown + (f"；协同{len(coop)}个" if coop else "")
    text = "、".join(leads)
    if coop:
        text += ("；" if text else "") + "协同：" + "、".join(coop)
    return text


def row_notes(extra: dict) -> list[str]:
    """One short line per key a condition added to a row (kb.query.compile annotations): through
    which items a transitive link passed, whether an alternative matched, which parts matched,
    with whom a date conflicts."""
    notes = []
    if extra.get("via"):
        notes.append("via " + " → ".join(extra["via"]))
    if extra.get("matched") == "alternative":
        notes.append(label("matched-alternative"))
    if extra.get("parts"):
        notes.append(label("parts") + ": " + ", ".join(extra["parts"]))
    for c in extra.get("conflicts") or ():
        notes.append(label("conflict-with") + " " + c["with"])
    return notes


# --- JSON: the query result's own dictionary ---------------------------------------------------

@renderer("rows", "json")
@renderer("count", "json")
@renderer("groups", "json")
def result_json(result, ctx) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"


# --- a terminal --------------------------------------------------------------------------------

@renderer("rows", "table")
def rows_table(result, ctx) -> None:
    from rich.table import Table
    from rich.text import Text

    console = ctx.console()
    table = Table(show_lines=False, header_style="bold", expand=True, pad_edge=False)
    table.add_column(label("id"), no_wrap=True, style="cyan", min_width=12)
    table.add_column(label("due"), min_width=10, max_width=12, overflow="fold")
    table.add_column(label("units"), ratio=2, overflow="fold")
    table.add_column(label("text"), ratio=5, overflow="fold")
    # about three lines of the text column: Chinese characters take two cells
    width = max(24, (console.width - 48) * 3 // 2)
    for row in result.rows:
        item = row.item
        due = row.due or {"ongoing": "ongoing", "recurring": "recurring"}.get(row.due_kind or item["deadline_kind"], "—")
        due_text = Text(due, style="red" if row.overdue else "")
        phrase = row.due_phrase or item["deadline_phrase"]
        if phrase and phrase != due:
            due_text.append("\n" + phrase, style="dim")
        body = Text(excerpt(item["text"], result.terms + ([row.due_phrase] if row.due_phrase else []), width))
        for term in result.terms:
            body.highlight_words([term.strip()], style="bold yellow")
        for line in row_notes(row.extra):
            body.append("\n" + line, style="dim")
        table.add_row(item["id"], due_text, unit_names(item, limit=2), body)
    console.print(table)
    n = len(result.rows)
    console.print(f"[dim]{n} row{'s' if n != 1 else ''}[/dim]")


@renderer("groups", "table")
def groups_table(result, ctx) -> None:
    from rich.table import Table

    table = Table(header_style="bold")
    table.add_column(result.group_by)
    if result.labels:
        table.add_column(label("name"))
    table.add_column(label("count"), justify="right")
    for key, n in result.groups:
        table.add_row(key, *([result.labels.get(key, "")] if result.labels else []), str(n))
    ctx.console().print(table)


@renderer("count", "table", "text")
def count_text(result, ctx) -> str:
    return f"{result.count}\n"


# --- CSV ---------------------------------------------------------------------------------------

CSV_COLUMNS = ["id", "doc", "kind", "due", "due_kind", "due_phrase", "units", "category", "text", "summary"]
"""The columns of `query --format csv` (a contract: columns are only ever added)."""


def _csv_row(row) -> list:
    d = row.to_dict()
    units = "; ".join(f"{u['name']} ({u['role']})" for u in d["units"])
    return [d["id"], d["doc"], d["kind"], d["due"] or "", d["due_kind"] or "",
            d.get("due_phrase") or d["deadline_phrase"] or "", units, d["category"] or "",
            d["text"], d["summary"]]


@renderer("rows", "csv")
def rows_csv(result, ctx) -> str:
    return csv_text(CSV_COLUMNS, (_csv_row(r) for r in result.rows), bom=ctx.bom)


@renderer("groups", "csv")
def groups_csv(result, ctx) -> str:
    return csv_text([result.group_by, "name", "count"],
                    ((k, result.labels.get(k, k), n) for k, n in result.groups), bom=ctx.bom)


@renderer("count", "csv")
def count_csv(result, ctx) -> str:
    return csv_text(["count"], [[result.count]], bom=ctx.bom)


# --- Markdown ----------------------------------------------------------------------------------

def _md_head(result) -> list[str]:
    return [f"# `{md_cell(result.query)}`", ""]


@renderer("count", "md")
def count_md(result, ctx) -> str:
    return "\n".join(_md_head(result) + [f"{label('count')}: {result.count}", ""])


@renderer("groups", "md")
def groups_md(result, ctx) -> str:
    rows = [(key, result.labels.get(key, ""), n) for key, n in result.groups]
    return "\n".join(_md_head(result) + md_table([result.group_by, label("name"), label("count")], rows)) + "\n"


def _md_due(row) -> str:
    due = row.due or row.due_kind or ""
    phrase = row.due_phrase or row.item["deadline_phrase"]
    return due + (f" ({phrase})" if phrase else "")


@renderer("rows", "md")
def rows_md(result, ctx) -> str:
    rows = [(row.id, _md_due(row), unit_names(row.item), row.item["text"]) for row in result.rows]
    header = [label("id"), label("due"), label("units"), label("text")]
    return "\n".join(_md_head(result) + md_table(header, rows)) + "\n"
