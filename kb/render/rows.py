"""Query results (rows, a count, groups) for people (a terminal table written without rich, see
kb/render/termtable.py; Markdown) and for programs (JSON, CSV)."""

from __future__ import annotations

from kb.core.jsonout import listing
from kb.core.tables import csv_text, md_cell, md_table
from kb.render.i18n import deadline_kind_name, label
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
    columns a table of five columns is unreadable: each row is printed as a wrapped block.
    Written by kb.render.termtable, not rich: importing rich would cost more than the query."""
    from kb.render.termtable import BOLD, CYAN, RED, Column, Writer, table_lines

    w = Writer(ctx.out, ctx.width)
    mark = label("query.overdue_mark")
    title = label("query.as_of", date=result.as_of) if result.as_of else None
    # about three lines of the text column: Chinese characters take two cells
    width = max(24, (w.width - 48) * 3 // 2)
    narrow = w.width < 72
    if narrow and title:
        w.print(title, BOLD)
    rows = []
    for row in result.rows:
        due_text, body = _row_cells(result, row, width)
        if narrow:
            _row_block(w, result, row, mark, due_text, body)
        else:
            rows.append([_id_cell(result, row), mark if row.overdue else "", due_text, _units_cell(result, row), body])
    if not narrow:
        columns = [Column(label("col.id"), no_wrap=True, style=CYAN, min_width=12),
                   Column(mark, no_wrap=True, justify="center", style=BOLD + ";" + RED),
                   Column(label("col.due"), min_width=10, max_width=14),
                   Column(label("col.units"), ratio=2), Column(label("col.text"), ratio=5)]
        w.lines(table_lines(columns, rows, w.width, expand=True, pad_edge=False, title=title))
    _rows_footer(result, w, mark)


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
    from kb.render.termtable import BOLD, DIM, ITALIC, RED, YELLOW, Styled

    item = row.item
    due = row.due or deadline_kind_name(row.due_kind or item["deadline_kind"])
    due_text = Styled(due, RED if row.overdue else "")
    phrase = row.due_phrase or item["deadline_phrase"]
    if phrase and phrase != due:
        due_text.append("\n" + phrase, DIM)
    if row.inferred:  # with --with-inferred: a row only inferred facts bring in
        due_text.append("\n(" + label("item.inferred") + ")", ITALIC)
    body = Styled(excerpt(item["text"], result.terms + ([row.due_phrase] if row.due_phrase else []), width))
    for term in result.terms:
        body.highlight(term.strip(), BOLD + ";" + YELLOW)
    for line in row_notes(getattr(row, "extra", None) or {}):  # what the row matched (alternative, parts, conflicts)
        body.append("\n" + line, DIM)
    return due_text, body


def _row_block(w, result, row, mark: str, due_text, body) -> None:
    """One row on a narrow terminal: id, marker and date on a line, then units and text wrapped."""
    from kb.render.termtable import BOLD, CYAN, RED, Styled

    head = Styled(_id_cell(result, row).replace("\n", " "), CYAN)
    head.append(f" {mark}" if row.overdue else "", BOLD + ";" + RED).append("  ")
    first = due_text.plain.split("\n")[0]
    head.append(first, RED if row.overdue else "")
    w.print(head, hang=2)
    units = _units_cell(result, row)
    if units:
        w.print(units, hang=2, indent="  ")
    w.print(body, hang=2, indent="  ")


def _rows_footer(result, w, mark: str) -> None:
    """The row count, the synonyms also searched, the overdue legend; when nothing matched, the
    nearest terms that do occur."""
    from kb.render.termtable import DIM

    n = len(result.rows)
    w.print(label("query.obligations" if is_obligations(result) else "query.rows", n=n), DIM)
    for term, others in result.synonyms:
        w.print(f"{term}: " + label("query.synonyms_used", terms="、".join(others)), DIM)
    if result.as_of:
        w.print(label("query.legend", mark=mark, date=result.as_of), DIM)
    if not n and result.nearest:
        w.print(label("query.nearest"))
        for term, other, hits in result.nearest:
            w.print("  " + label("query.nearest_line", term=term, other=other, n=hits), hang=2)


@renderer("groups", "table")
def groups_table(result, ctx) -> None:
    """The groups and their counts (and names, where the key is a code), without rich."""
    from kb.render.termtable import Column, Writer, table_lines

    w = Writer(ctx.out, ctx.width)
    head = label(f"group.{result.group_by}") if result.group_by else ""
    columns = [Column(head if head != f"group.{result.group_by}" else result.group_by)]
    if result.labels:
        columns.append(Column(label("col.name")))
    columns.append(Column(label("col.count"), justify="right"))
    rows = [[key, *([result.labels.get(key, "")] if result.labels else []), str(n)] for key, n in result.groups]
    w.lines(table_lines(columns, rows, w.width))


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
