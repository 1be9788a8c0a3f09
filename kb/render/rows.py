"""Query results (rows, a count, groups) for people (a rich table, Markdown) and for programs
(JSON, CSV)."""

from __future__ import annotations

from kb.core.jsonout import listing
from kb.core.tables import csv_text, md_cell, md_table
from kb.render.i18n import deadline_kind_name, label
from kb.render.registry import renderer
from kb.render.wrap import Wrapped, wrap_text


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
        shown = "、".join(leads[:limit]) + (label("query.more_leads", n=len(leads)) if len(leads) > limit else "")
        return shown + ("；" + label("query.cooperating", n=len(coop)) if coop else "")
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
        notes.append(label("row.matched-alternative"))
    if extra.get("parts"):
        notes.append(label("row.parts") + ": " + ", ".join(extra["parts"]))
    for c in extra.get("conflicts") or ():
        notes.append(label("row.conflict-with") + " " + c["with"])
    return notes


# --- JSON: the query result's own dictionary ---------------------------------------------------

@renderer("rows", "json")
@renderer("count", "json")
@renderer("groups", "json")
def result_json(result, ctx) -> str:
    return listing(result.to_dict()) + "\n"


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
    """The rows as a table: id, an overdue marker (against the as-of date named in its header and
    explained in a legend line), due date, units and the text around the search hit. Below 72
    columns a table of five columns is unreadable: each row is printed as a wrapped block."""
    from rich.table import Table

    console = ctx.console()
    mark = label("query.overdue_mark")
    title = label("query.as_of", date=result.as_of) if result.as_of else None
    table = Table(show_lines=False, header_style="bold", expand=True, pad_edge=False, title=title,
                  title_justify="right", title_style="bold")
    table.add_column(label("col.id"), no_wrap=True, style="cyan", min_width=12)
    table.add_column(mark, no_wrap=True, justify="center", style="bold red")
    table.add_column(label("col.due"), min_width=10, max_width=14)
    table.add_column(label("col.units"), ratio=2)
    table.add_column(label("col.text"), ratio=5)
    # about three lines of the text column: Chinese characters take two cells
    width = max(24, (console.width - 48) * 3 // 2)
    narrow = console.width < 72
    if narrow and title:
        from rich.text import Text

        console.print(Text(title, style="bold"))
    for row in result.rows:
        due_text, body = _row_cells(result, row, width)
        if narrow:
            _row_block(console, result, row, mark, due_text, body)
        else:
            table.add_row(_id_cell(result, row), mark if row.overdue else "", Wrapped(due_text, hang=0),
                          Wrapped(_units_cell(result, row), hang=0), Wrapped(body, hang=0))
    if not narrow:
        console.print(table)
    _rows_footer(result, console, mark)


def _id_cell(result, row) -> str:
    """An item row: its id. An obligation row: the item shown (its most specific statement), and
    `+N` when N more places state it."""
    if not is_obligations(result):
        return row.item["id"]
    more = len(row.ids) - 1
    return row.item_id + (f"\n+{more}" if more else "")


def _units_cell(result, row) -> str:
    """An item row: its lead units; an obligation row: whom the clause binds (its subjects)."""
    return party_names(row.subjects, limit=2) if is_obligations(result) else unit_names(row.item, limit=2)


def _row_cells(result, row, width: int):
    """(due cell, text cell) of a row: the date (red when overdue) over its phrase; the text
    around the hit with every search term highlighted."""
    from rich.text import Text

    item = row.item
    due = row.due or deadline_kind_name(row.due_kind or item["deadline_kind"])
    due_text = Text(due, style="red" if row.overdue else "")
    phrase = row.due_phrase or item["deadline_phrase"]
    if phrase and phrase != due:
        due_text.append("\n" + phrase, style="dim")
    if row.inferred:  # with --with-inferred: a row only inferred facts bring in
        due_text.append("\n(" + label("item.inferred") + ")", style="italic")
    body = Text(excerpt(item["text"], result.terms + ([row.due_phrase] if row.due_phrase else []), width))
    for term in result.terms:
        body.highlight_words([term.strip()], style="bold yellow")
    for line in row_notes(getattr(row, "extra", None) or {}):  # what the row matched (alternative, parts, conflicts)
        body.append("\n" + line, style="dim")
    return due_text, body


def _row_block(console, result, row, mark: str, due_text, body) -> None:
    """One row on a narrow terminal: id, marker and date on a line, then units and text wrapped."""
    from rich.text import Text

    head = Text(_id_cell(result, row).replace("\n", " "), style="cyan") + Text(f" {mark}" if row.overdue else "", style="bold red")
    console.print(head + "  " + due_text.split("\n")[0])
    units = _units_cell(result, row)
    if units:
        console.print(wrap_text(Text(units), console.width, hang=2, indent="  "))
    console.print(wrap_text(body, console.width, hang=2, indent="  "))


def _rows_footer(result, console, mark: str) -> None:
    """The row count, the synonyms also searched, the overdue legend; when nothing matched, the
    nearest terms that do occur."""
    from rich.text import Text

    n = len(result.rows)
    console.print(Text(label("query.obligations" if is_obligations(result) else "query.rows", n=n), style="dim"))
    for term, others in result.synonyms:
        console.print(Text(f"{term}: " + label("query.synonyms_used", terms="、".join(others)), style="dim"))
    if result.as_of:
        console.print(Text(label("query.legend", mark=mark, date=result.as_of), style="dim"))
    if not n and result.nearest:
        console.print(label("query.nearest"))
        for term, other, hits in result.nearest:
            console.print("  " + label("query.nearest_line", term=term, other=other, n=hits))


@renderer("groups", "table")
def groups_table(result, ctx) -> None:
    from rich.table import Table

    table = Table(header_style="bold")
    head = label(f"group.{result.group_by}") if result.group_by else ""
    table.add_column(head if head != f"group.{result.group_by}" else result.group_by)
    if result.labels:
        table.add_column(label("col.name"))
    table.add_column(label("col.count"), justify="right")
    for key, n in result.groups:
        table.add_row(key, *([result.labels.get(key, "")] if result.labels else []), str(n))
    ctx.console().print(table)


@renderer("count", "table", "text")
def count_text(result, ctx) -> str:
    return f"{result.count}\n"


# --- CSV ---------------------------------------------------------------------------------------

CSV_COLUMNS = ["id", "doc", "kind", "due", "due_kind", "due_phrase", "units", "category", "text", "summary", "overdue"]
"""The columns of `query --format csv` (a contract: columns are only ever added). Rows end with
`overdue` (true/false against the as-of date, --as-of or today), as the JSON rows carry it."""


def _csv_row(row) -> list:
    d = row.to_dict()
    units = "; ".join(f"{u['name']} ({u['role']})" for u in d["units"])
    return [d["id"], d["doc"], d["kind"], d["due"] or "", d["due_kind"] or "",
            d.get("due_phrase") or d["deadline_phrase"] or "", units, d["category"] or "",
            d["text"], d["summary"], "true" if d["overdue"] else "false"]


OBLIGATION_CSV_COLUMNS = ["id", "item", "ids", "due", "due_kind", "due_phrase", "subjects", "recipients", "inferred",
                          "doc", "kind", "category", "text", "summary", "overdue"]
"""The columns of `query --format csv` for obligation rows (a contract: columns are only ever added)."""


def _obligation_csv_row(row) -> list:
    d = row.to_dict()
    return [d["id"], d["item"], " ".join(d["ids"]), d["due"] or "", d["due_kind"] or "",
            d["due_phrase"] or "", "; ".join(p["name"] for p in d["subjects"]),
            "; ".join(p["name"] for p in d["recipients"]), "true" if d["inferred"] else "false",
            d["doc"], d["kind"], d["category"] or "", d["text"], d["summary"], "true" if d["overdue"] else "false"]


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
    return "\n".join(_md_head(result) + [f"{label('col.count')}: {result.count}", ""])


@renderer("groups", "md")
def groups_md(result, ctx) -> str:
    rows = [(key, result.labels.get(key, ""), n) for key, n in result.groups]
    return "\n".join(_md_head(result) + md_table([result.group_by, label("col.name"), label("col.count")], rows)) + "\n"


def _md_due(row) -> str:
    due = row.due or (deadline_kind_name(row.due_kind) if row.due_kind else "")
    phrase = row.due_phrase or row.item["deadline_phrase"]
    return due + (f" ({phrase})" if phrase else "")


@renderer("rows", "md")
def rows_md(result, ctx) -> str:
    if is_obligations(result):  # whom each obligation binds (its subjects), not the item's units
        rows = [(row.id, _md_due(row), party_names(row.subjects), row.item["text"]) for row in result.rows]
    else:
        rows = [(row.id, _md_due(row), unit_names(row.item), row.item["text"]) for row in result.rows]
    header = [label("col.id"), label("col.due"), label("col.units"), label("col.text")]
    return "\n".join(_md_head(result) + md_table(header, rows)) + "\n"
