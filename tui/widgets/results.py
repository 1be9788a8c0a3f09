"""The results of a query as a table: one row per obligation (a duty on a date, however many
items state it; `show items` gives one per item or item and date), a small table of counts for
`group by`, one number for `count`.

Rows show the id, the date that matched (red with ⚠ when it is before the "as of" date), the
responsible units and the text around the first search hit, hits in bold yellow. Moving the cursor
previews the item; Enter opens it.
"""

from __future__ import annotations

from rich.text import Text

from ..messages import OpenItem
from ..style import OVERDUE, OVERDUE_MARK, highlighted
from .fitted_table import Column, FittedTable


def due_cell(row) -> Text:
    due = row.due or {"ongoing": "ongoing", "recurring": "recurring"}.get(row.due_kind or row.item["deadline_kind"], "—")
    if row.overdue:
        return Text(OVERDUE_MARK + due, style=OVERDUE)
    return Text(due)


def excerpt(text: str, anchors: list[str], lead: int = 6) -> str:
    """The text on one line, from a little before the first anchor found (a search term, else the
    deadline phrase that matched); the table cuts the end to the column."""
    flat = " ".join(text.split())
    at = next((flat.find(a) for a in anchors if a and flat.find(a) >= 0), -1)
    return flat if at <= lead else "…" + flat[at - lead:]


def row_cells(row, terms: list[str]) -> tuple:
    """id (the item shown; `+N` when the obligation is stated in N more places), due, units (an
    obligation's subjects: whom the clause binds), text."""
    from kb.render.rows import party_names, unit_names

    body = excerpt(row.item["text"], [t.strip() for t in terms] + [row.due_phrase or ""])
    if hasattr(row, "subjects"):  # an obligation row
        more = len(row.ids) - 1
        shown = row.item_id + (f" +{more}" if more else "")
        return shown, due_cell(row), party_names(row.subjects, limit=2), highlighted(body, terms)
    return row.id, due_cell(row), unit_names(row.item, limit=2), highlighted(body, terms)


class ResultsTable(FittedTable):
    """Shows a `kb.query.run.QueryResult`; each row's payload is its `Row` (None for counts)."""

    def show(self, result, keep_cursor: bool = False) -> None:
        """Show `result`; `keep_cursor` leaves the cursor where it was, quietly (the same query
        again, e.g. for another "as of" date), else it goes to the first row and says so."""
        cursor, announce = (self.cursor_row, False) if keep_cursor else (0, True)
        if result.kind == "rows":
            width = max((len(r.item_id) + 4 for r in result.rows), default=10)
            columns = [Column("id", min(width, 26)), Column("due", 12), Column("units", 10, grow=1, drop=1),
                       Column("text", 12, grow=4)]
            self.load(columns, [(row_cells(r, result.terms), r) for r in result.rows], cursor, announce)
        elif result.kind == "groups":
            top = max((n for _, n in result.groups), default=1)
            columns = [Column(result.group_by, 12, grow=2), Column("count", 5), Column("", 10, grow=1, drop=1)]
            rows = [((key or "—", Text(str(n), justify="right"), Text("█" * max(1, round(10 * n / top)), style="cyan")), None)
                    for key, n in result.groups]
            self.load(columns, rows, cursor, announce)
        else:
            self.load([Column("count", 12, grow=1)], [((str(result.count),), None)], cursor, announce)

    def hint(self, text: str) -> None:
        """A line of guidance where the rows will be."""
        self.load([Column("", 20, grow=1)], [((Text(text, style="dim"),), None)])

    def first_row_in(self, month: str) -> int | None:
        """The first row due in `month` (YYYY-MM), for the deadline timeline."""
        return next((n for n, row in enumerate(self.payloads) if row and (row.due or "").startswith(month)), None)

    def on_data_table_row_highlighted(self, event: FittedTable.RowHighlighted) -> None:
        event.stop()
        if row := self.payload(event.cursor_row):
            self.post_message(OpenItem(row.item_id, preview=True))

    def on_data_table_row_selected(self, event: FittedTable.RowSelected) -> None:
        event.stop()
        if row := self.payload(event.cursor_row):
            self.post_message(OpenItem(row.item_id))
