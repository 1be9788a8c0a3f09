"""Query results (rows, a count, groups) for people (a rich table, Markdown) and for programs
(JSON, CSV)."""

from __future__ import annotations

from kb.core.jsonout import dumps
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


# --- JSON: the query result's own dictionary ---------------------------------------------------

@renderer("rows", "json")
@renderer("count", "json")
@renderer("groups", "json")
def result_json(result, ctx) -> str:
    return dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"


# --- a terminal --------------------------------------------------------------------------------

def party_names(parties: list[dict], limit: int | None = None) -> str:
    """Subjects or recipients of an obligation row; with `limit`, the first few and a count."""
    names = [p["name"] for p in parties]
    if limit is not None and len(names) > limit:
        return "、".join(names[:limit]) + f"等{len(names)}个"
    return "、".join(names)


def is_obligations(result) -> bool:
    """A query result's rows are obligations (the default view), not items (`--items`)."""
    return getattr(result, "view", "items") == "obligations"


@renderer("rows", "table")
def rows_table(result, ctx) -> None:
    if is_obligations(result):
        return obligations_table(result, ctx)
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
        table.add_row(item["id"], due_text, unit_names(item, limit=2), body)
    console.print(table)
    n = len(result.rows)
    console.print(f"[dim]{n} row{'s' if n != 1 else ''}[/dim]")


def obligations_table(result, ctx) -> None:
    """One line per obligation: the most specific statement's id (and how many places say it),
    the date, whom it binds, and its text."""
    from rich.table import Table

    console = ctx.console()
    table = Table(show_lines=False, header_style="bold", expand=True, pad_edge=False)
    table.add_column(label("id"), no_wrap=True, style="cyan", min_width=12)
    table.add_column(label("due"), min_width=10, max_width=12, overflow="fold")
    table.add_column(label("units"), ratio=2, overflow="fold")
    table.add_column(label("text"), ratio=5, overflow="fold")
    width = max(24, (console.width - 48) * 3 // 2)
    for row in result.rows:
        table.add_row(_obligation_id(row), _obligation_due(row), party_names(row.subjects, limit=2),
                      _body(row, result.terms, width))
    console.print(table)
    n = len(result.rows)
    console.print(f"[dim]{n} obligation{'s' if n != 1 else ''} (--items for one row per item)[/dim]")


def _obligation_id(row):
    from rich.text import Text

    text = Text(row.item_id)
    if len(row.ids) > 1:
        text.append(f"\n+{len(row.ids) - 1}", style="dim")
    return text


def _obligation_due(row):
    from rich.text import Text

    due = row.due or {"ongoing": "ongoing", "recurring": "recurring"}.get(row.due_kind or "", "—")
    text = Text(due, style="red" if row.overdue else "")
    if row.due_phrase and row.due_phrase != due:
        text.append("\n" + row.due_phrase, style="dim")
    if row.inferred:
        text.append("\n(" + label("item.inferred") + ")", style="italic")
    return text


def _body(row, terms: list[str], width: int):
    from rich.text import Text

    body = Text(excerpt(row.item["text"], terms + ([row.due_phrase] if row.due_phrase else []), width))
    for term in terms:
        body.highlight_words([term.strip()], style="bold yellow")
    return body


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


OBLIGATION_CSV_COLUMNS = ["id", "item", "ids", "due", "due_kind", "due_phrase", "subjects", "recipients", "inferred",
                          "doc", "kind", "category", "text", "summary"]
"""The columns of `query --format csv` for obligation rows (a contract: columns are only ever added)."""


def _obligation_csv_row(row) -> list:
    d = row.to_dict()
    return [d["id"], d["item"], " ".join(d["ids"]), d["due"] or "", d["due_kind"] or "",
            d["due_phrase"] or "", "; ".join(p["name"] for p in d["subjects"]),
            "; ".join(p["name"] for p in d["recipients"]), "true" if d["inferred"] else "false",
            d["doc"], d["kind"], d["category"] or "", d["text"], d["summary"]]


@renderer("rows", "csv")
def rows_csv(result, ctx) -> str:
    if is_obligations(result):
        return csv_text(OBLIGATION_CSV_COLUMNS, (_obligation_csv_row(r) for r in result.rows), bom=ctx.bom)
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
    if is_obligations(result):  # whom each obligation binds (its subjects), not the item's units
        rows = [(row.id, _md_due(row), party_names(row.subjects), row.item["text"]) for row in result.rows]
    else:
        rows = [(row.id, _md_due(row), unit_names(row.item), row.item["text"]) for row in result.rows]
    header = [label("id"), label("due"), label("units"), label("text")]
    return "\n".join(_md_head(result) + md_table(header, rows)) + "\n"
