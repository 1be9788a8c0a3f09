"""What falls due, month by month: an overview of the months (a bar per month, how many are
overdue) beside every dated occurrence in order. Moving through the months moves the list of
occurrences to that month; Enter on an occurrence opens its item."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal

from ..strings import text as tr
from ..style import OVERDUE, OVERDUE_MARK
from .fitted_table import Column, FittedTable
from .results import ResultsTable

BAR = 12  # cells of the longest bar


def months(first: date, last: date) -> list[str]:
    """Every month from `first` to `last`, as YYYY-MM."""
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


class MonthTable(FittedTable):
    def show(self, span: list[str], occurrences: list) -> None:
        """One row per month of `span`: how many `occurrences` (result rows) fall in it, how many
        of those are overdue, and a bar."""
        due = {m: 0 for m in span}
        late = {m: 0 for m in span}
        for row in occurrences:
            month = (row.due or "")[:7]
            if month in due:
                due[month] += 1
                late[month] += row.overdue
        top = max(due.values(), default=0) or 1
        columns = [Column(tr("month"), 7), Column("n", 3), Column(OVERDUE_MARK.strip(), 3), Column("", BAR, drop=1)]
        rows = []
        for month in span:
            n, k = due[month], late[month]
            bar = "█" * max(1, round(BAR * n / top)) if n else ""
            rows.append(((month, Text(str(n) if n else "·", justify="right"),
                          Text(str(k) if k else "", style=OVERDUE, justify="right"),
                          Text(bar, style=OVERDUE if k else "green")), month))
        self.load(columns, rows)


class Timeline(Horizontal):
    DEFAULT_CSS = """
    Timeline { height: 1fr; }
    Timeline MonthTable { width: 36; max-width: 40%; height: 1fr; }
    Timeline ResultsTable { width: 3fr; height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield MonthTable(id="months")
        yield ResultsTable(id="occurrences")

    def show(self, result, span: list[str], prepared=None) -> None:
        """`result`: the rows of a `due between` query; `span`: the months to list; `prepared`:
        the rows' cells, made in a worker (`results.prepare`)."""
        self.query_one(MonthTable).show(span, result.rows)
        self.query_one(ResultsTable).show(result, prepared=prepared)

    def on_data_table_row_highlighted(self, event: FittedTable.RowHighlighted) -> None:
        if not isinstance(event.data_table, MonthTable):
            return
        event.stop()
        table = self.query_one(ResultsTable)
        row = table.first_row_in(self.query_one(MonthTable).payload(event.cursor_row) or "")
        if row is not None:
            table.move_cursor(row=row)
