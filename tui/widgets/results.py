"""The results of a query as a table: one row per obligation (a duty on a date, however many
items state it; `show items` or `i` gives one per item or item and date), a small table of counts
for `group by`, one number for `count`.

Rows show the id (an obligation's: the item shown, `+N` when N more items state it), the date that
matched (red with ⚠ when it is before the "as of" date), the responsible units (an obligation's
subjects: whom the clause binds; those the query asked for first, so the reason a row matched is
never cut off)
and the text around the first search hit, hits in bold yellow. Groups show the name of each group
(国网山西省电力公司, not its id) as the CLI does; Enter on a group asks for its rows (`Drill`).
Moving the cursor previews the item; Enter opens it.
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message

from ..messages import OpenItem
from ..strings import text as tr
from ..style import OVERDUE, OVERDUE_MARK, highlighted
from .fitted_table import SHOWN, Column, FittedTable

UNITS_SHOWN = 2


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


def units_cell(item: dict, matched: set[str] = frozenset(), limit: int = UNITS_SHOWN) -> Text:
    """Lead units, the ones the query matched first (bold), then a count of the rest and of the
    cooperating units: `各市能源局、山西省能源局等3个；协同2个`. When the query matched only a
    cooperating unit, that one comes first: `协同：虚构省能源局；国网虚构省电力公司`."""
    leads = list(dict.fromkeys((u["id"], u["name"]) for u in item["units"] if u["role"] == "lead"))
    coop = list(dict.fromkeys((u["id"], u["name"]) for u in item["units"] if u["role"] != "lead"))
    leads.sort(key=lambda u: u[0] not in matched)  # stable: the matched ones first, in their order
    out = Text()
    coop_matched = [name for uid, name in coop if uid in matched]
    if coop_matched and not any(uid in matched for uid, _ in leads):
        out.append(tr("cooperating") + "：" + "、".join(coop_matched), style="bold")
        out.append("；" if leads else "")
        coop = []  # said already
    for n, (uid, name) in enumerate(leads[:limit]):
        out.append("、" if n else "")
        out.append(name, style="bold" if uid in matched else "")
    if len(leads) > limit:
        out.append(f"等{len(leads)}个")
    if coop:
        out.append(("；" if leads else "") + f"协同{len(coop)}个", style="dim")
    return out


def subjects_cell(subjects: list[dict], matched: set[str] = frozenset(), limit: int = UNITS_SHOWN) -> Text:
    """An obligation's subjects, the ones the query matched first (bold), then a count."""
    names = sorted(subjects, key=lambda p: p["id"] not in matched)
    out = Text()
    for n, party in enumerate(names[:limit]):
        out.append("、" if n else "")
        out.append(party["name"], style="bold" if party["id"] in matched else "")
    if len(names) > limit:
        out.append(f"等{len(names)}个")
    return out


def is_obligation(row) -> bool:
    """Whether `row` is an obligation row. Asked of its class: `hasattr(row, "subjects")` would
    run the property, a query of its own per row (seconds over a result of 20,000 rows)."""
    return hasattr(type(row), "subjects")


def row_cells(row, terms: list[str], matched: set[str] = frozenset()) -> tuple:
    """id, due, units, text; for an obligation row (it has `subjects`) the id is the item shown
    with `+N` for the N other items stating it, and the units are its subjects."""
    body = excerpt(row.item["text"], [t.strip() for t in terms] + [row.due_phrase or ""])
    if is_obligation(row):
        more = len(row.ids) - 1
        shown = row.item_id + (f" +{more}" if more else "")
        return shown, due_cell(row), subjects_cell(row.subjects, matched), highlighted(body, terms)
    return row.id, due_cell(row), units_cell(row.item, matched), highlighted(body, terms)


def prepare(result, matched: set[str] = frozenset()) -> tuple[list[Column], list[tuple]]:
    """The columns and the (cells, payload) rows of `result`; safe to call in a worker thread."""
    if result.kind == "rows":
        width = max((len(r.item_id) + (4 if is_obligation(r) else 0) for r in result.rows), default=10)
        columns = [Column(tr("id"), min(width, 26), least=min(width, 14)), Column(tr("due"), 12),
                   Column(tr("units"), 10, grow=1, drop=1), Column(tr("text"), 12, grow=4, least=6)]
        # cells for the rows drawn; the others are made only if a sort needs them (`cells_of`)
        return columns, [(row_cells(r, result.terms, matched) if n < SHOWN else None, r)
                         for n, r in enumerate(result.rows)]
    if result.kind == "groups":
        top = max((n for _k, n in result.groups), default=1)
        columns = [Column(result.group_by, 12, grow=2), Column(tr("count"), 5), Column("", 10, grow=1, drop=1)]
        return columns, [((Text(result.labels.get(key) or key or "—"), Text(str(n), justify="right"),
                           Text("█" * max(1, round(10 * n / top)), style="cyan")), key)
                         for key, n in result.groups]
    return [Column(tr("count"), 12, grow=1)], [((str(result.count),), None)]


class ResultsTable(FittedTable):
    """Shows a `kb.query.run.QueryResult`; each row's payload is its `Row` or `ObligationRow`
    (both open their item by `item_id`), a group's key for
    `group by`, None for a count."""

    class Drill(Message):
        """Enter on a group row: show the rows of that group."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.kind: str | None = None

    def show(self, result, keep_cursor: bool = False, matched: set[str] = frozenset(), prepared=None) -> None:
        """Show `result`; `keep_cursor` leaves the cursor where it was, quietly (the same query
        again, e.g. for another "as of" date), else it goes to the first row and says so.
        `matched`: the unit ids the query asked for, shown first in the units column.
        `prepared`: what `prepare(result, matched)` gave, made in a worker thread (the cells of
        thousands of rows take a while: the screen must not wait for them)."""
        cursor, announce = (self.cursor_row, False) if keep_cursor else (0, True)
        self.kind = result.kind
        columns, rows = prepared or prepare(result, matched)
        self.cells_of = (lambda row: row_cells(row, result.terms, matched)) if result.kind == "rows" else None
        self.load(columns, rows, cursor, announce)

    def extend(self, whole, first) -> bool:
        """`whole`, the complete result of the query whose `first` rows are shown: its further
        rows go behind them (their cells made only if a sort needs them). False when `whole`
        does not begin with those rows (then it must be shown afresh)."""
        n = len(first.rows)
        same = [(r.id, r.due) for r in whole.rows[:n]] == [(r.id, r.due) for r in first.rows]
        if self.kind != "rows" or whole.kind != "rows" or not same:
            return False
        self.append(whole.rows[n:])
        return True

    def hint(self, words: str) -> None:
        """A line of guidance where the rows will be."""
        self.kind = None
        self.load([Column("", 20, grow=1)], [((Text(words, style="dim"),), None)])

    def first_row_in(self, month: str) -> int | None:
        """The first row due in `month` (YYYY-MM), for the deadline timeline."""
        return next((n for n, row in enumerate(self.payloads) if row and (row.due or "").startswith(month)), None)

    def on_data_table_row_highlighted(self, event: FittedTable.RowHighlighted) -> None:
        event.stop()
        if self.kind == "rows" and (row := self.payload(event.cursor_row)):
            self.post_message(OpenItem(row.item_id, preview=True))

    def on_data_table_row_selected(self, event: FittedTable.RowSelected) -> None:
        event.stop()
        payload = self.payload(event.cursor_row)
        if self.kind == "rows" and payload:
            self.post_message(OpenItem(payload.item_id))
        elif self.kind == "groups" and payload:
            self.post_message(self.Drill(payload))

    def copy_value(self) -> str | None:
        payload = self.payload(self.cursor_row)
        if self.kind == "rows" and payload:
            return payload.item_id
        return None
