"""A DataTable whose columns always fit its width.

Items carry long Chinese text. A DataTable sizes a column to its widest cell, so one long row
would push the table past its pane. Here each column has a least width and a share of what is
left; cells are cut to their column with an ellipsis, counting terminal cells (a Chinese character
takes two), and columns that cannot fit at all are left out, least important first. The table
refills itself when its width changes. Each row carries a payload (the item id, a month, a pair)
that the subclass reads back when the cursor moves.

At most `SHOWN` rows are drawn (the first ones, in the order shown: a sort orders them all
first); a table of 26,000 occurrences would otherwise hold the screen for seconds while its
cells are cut. `hidden` says how many were left out, for the title.

A click on a column header (or `o`, which moves to the next column) sorts the rows by that
column; the same column again reverses the order. Numbers sort as numbers. Rows loaded without
their cells (behind those drawn) get them in a worker thread first; the screen stays live.

Rows are added to the DataTable `BATCH` at a time, one batch per turn of the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

SHOWN = 500
BATCH = 60
"""Rows added to the table in one turn of the event loop: a screenful and more, about 30 ms."""


@dataclass(frozen=True)
class Column:
    label: str
    width: int  # the least width, in cells
    grow: int = 0  # share of the spare width
    drop: int = 0  # >0: may be left out when the table is too narrow; lower goes first
    least: int | None = None  # may shrink to this (cut with …) before the table overflows


def fit(columns: list[Column], total: int, padding: int) -> list[int | None]:
    """Widths of the columns for `total` cells (None: the column is left out)."""
    def need(indices: list[int]) -> int:
        return sum(columns[i].width + 2 * padding for i in indices)

    shown = list(range(len(columns)))
    for i in sorted((i for i, c in enumerate(columns) if c.drop), key=lambda i: columns[i].drop):
        if need(shown) <= total:
            break
        shown.remove(i)
    widths: list[int | None] = [columns[i].width if i in shown else None for i in range(len(columns))]
    deficit = need(shown) - total
    for i in reversed(shown):  # the last columns (free text) give way before the first (ids)
        if deficit <= 0:
            break
        if columns[i].least is not None:
            give = min(deficit, columns[i].width - columns[i].least)
            widths[i] -= give
            deficit -= give
    spare = max(0, total - need(shown))
    growing = [i for i in shown if columns[i].grow]
    shares = sum(columns[i].grow for i in growing)
    given = 0
    for n, i in enumerate(growing):
        last = n == len(growing) - 1  # the last growing column takes the rounding
        extra = spare - given if last else spare * columns[i].grow // shares
        widths[i] += extra
        given += extra
    return widths


def sort_key(cell: Any) -> tuple:
    """Numbers before words, numbers by value; a dash or an empty cell last."""
    plain = (cell.plain if isinstance(cell, Text) else str(cell if cell is not None else "")).strip()
    plain = plain.lstrip("⚠ ").strip()
    if not plain or plain in ("—", "·"):
        return (2, 0, "")
    try:
        return (0, float(plain), "")
    except ValueError:
        return (1, 0, plain)


def cut(cell: Any, width: int) -> Text:
    """One line of at most `width` cells, ending in an ellipsis when cut."""
    text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
    if "\n" in text.plain:
        text = Text(" ").join(text.split("\n"))
    text.no_wrap = True
    text.truncate(width, overflow="ellipsis")
    return text


class FittedTable(DataTable):
    DEFAULT_CSS = """
    FittedTable { scrollbar-gutter: stable; overflow-x: hidden; }
    """
    BINDINGS = [Binding("o", "sort_next", "Sort", tooltip="Sort by the next column (again: the other way)",
                        show=False)]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._spec: list[Column] = []
        self._cells: list[tuple] = []
        self.payloads: list[Any] = []
        self._fitted_width = -1
        self._announce = False  # whether the next fill reports its cursor row as highlighted
        self._widths: list[int | None] = []
        self.cells_of = None  # payload -> cells, for rows loaded without theirs (beyond SHOWN)
        self.sorted_by: tuple[int, bool] | None = None  # (column, reversed)
        self._generation = 0  # bumped at every redraw: batches of an older one stop
        self._filled = 0  # rows added to the DataTable so far
        self._fill_to = 0  # rows the last redraw adds (at most SHOWN)
        self._on_drawn: list = []  # callbacks waiting for the rows to be drawn (`when_drawn`)
        self._making = False  # a worker is making the cells of rows loaded without them

    def load(self, columns: list[Column], rows: list[tuple[tuple, Any]], cursor: int = 0,
             announce: bool = True) -> None:
        """Show `rows`, each (cells, payload), under `columns`, the cursor on row `cursor`.
        With `announce`, the cursor row is reported (RowHighlighted) as if the user moved there;
        a refill for a new width never reports, so what the screen shows does not change."""
        self._spec = columns
        self._cells = [cells for cells, _ in rows]
        self.payloads = [payload for _, payload in rows]
        self.sorted_by = None
        self._announce = announce
        if self.size.width:
            self._refill(cursor)
        else:  # not laid out yet: the first resize fills it
            self._fitted_width = -1

    def append(self, payloads: list[Any]) -> None:
        """More rows, behind those loaded, without their cells (`cells_of` makes them if a sort
        needs them); a sorted table sorts again, the new rows with the others."""
        self._cells += [None] * len(payloads)
        self.payloads += payloads
        if payloads and self.sorted_by is not None:
            self.sort_by(*self.sorted_by)
        elif payloads and self._widths and self._fitted_width >= 0:  # drawn: draw those that fit too
            adding = self.filling  # a batch is due already: it goes on to the new end
            self._fill_to = min(len(self._cells), SHOWN)
            if not adding:
                self._more_rows(self._generation, self._widths)

    def sort_by(self, column: int, reverse: bool | None = None) -> None:
        """Order the rows by `column` (the same column again: the other way), keeping the row
        under the cursor under it."""
        if not self._cells or not 0 <= column < len(self._spec):
            return
        if reverse is None:
            reverse = self.sorted_by == (column, False)
        self.sorted_by = (column, reverse)
        if self.cells_of is not None and any(c is None for c in self._cells):
            self._make_cells()  # then sorts by `sorted_by`, whatever it is by then
            return
        keep = self.payload(self.cursor_row)
        order = sorted(range(len(self._cells)), key=lambda n: sort_key(self._cells[n][column]), reverse=reverse)
        self._cells = [self._cells[n] for n in order]
        self.payloads = [self.payloads[n] for n in order]
        cursor = next((n for n, p in enumerate(self.payloads) if p is keep), 0)
        self._refill(cursor)

    def _make_cells(self) -> None:
        """The cells of the rows loaded without them, made in a worker thread (those of 20,000
        rows take seconds: the screen must not wait), then the sort asked for meanwhile. Dropped
        if the table was loaded with other rows in between."""
        if self._making:
            return
        self._making = True
        cells, payloads, make = self._cells, self.payloads, self.cells_of
        todo = [n for n, c in enumerate(cells) if c is None]

        def done(made: list[tuple[int, tuple]]) -> None:
            self._making = False
            if self._cells is cells:
                for n, row in made:
                    cells[n] = row
                if self.sorted_by is not None:
                    self.sort_by(*self.sorted_by)

        def work() -> None:
            made = [(n, make(payloads[n])) for n in todo]
            try:
                self.app.call_from_thread(done, made)
            except RuntimeError:  # the app has stopped meanwhile
                pass

        self.run_worker(work, name="cells", group="cells", thread=True, exit_on_error=False)

    def action_sort_next(self) -> None:
        shown = [n for n, w in enumerate(self._widths) if w is not None] if self._widths else []
        if not shown:
            return
        if self.sorted_by is None:
            self.sort_by(shown[0])
        elif not self.sorted_by[1]:
            self.sort_by(self.sorted_by[0], reverse=True)
        else:
            later = [n for n in shown if n > self.sorted_by[0]]
            self.sort_by(later[0] if later else shown[0], reverse=False)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        shown = [n for n, w in enumerate(self._widths) if w is not None]
        if event.column_index < len(shown):
            self.sort_by(shown[event.column_index])

    @property
    def hidden(self) -> int:
        """Rows of the result not drawn (beyond `SHOWN`)."""
        return max(0, len(self._cells) - SHOWN)

    def payload(self, row: int) -> Any:
        return self.payloads[row] if 0 <= row < len(self.payloads) else None

    def on_resize(self) -> None:
        if self.size.width != self._fitted_width:
            self._refill(self.cursor_row)

    def _refill(self, cursor: int) -> None:
        """Draw the rows again: the first `BATCH` (and up to the cursor) now, the others a batch
        per turn of the event loop, so that a long table never holds the screen (500 rows cut
        and measured at once took 0.3 s, a frozen screen)."""
        self._fitted_width = self.size.width
        self._generation += 1
        announce, self._announce = self._announce, False
        widths = self._widths = fit(self._spec, self.scrollable_content_region.width, self.cell_padding)
        drawn = self._fill_to = min(len(self._cells), SHOWN)
        cursor = max(0, min(cursor, drawn - 1))
        with self.prevent(*(() if announce else (DataTable.RowHighlighted,))):
            self.clear(columns=True)
            for n, (column, width) in enumerate(zip(self._spec, widths)):
                if width is not None:
                    mark = "" if self.sorted_by is None or self.sorted_by[0] != n else " ▼" if self.sorted_by[1] else " ▲"
                    self.add_column(cut(column.label + mark, width), width=width)
            self._add_rows(0, max(BATCH, cursor + 1), widths)
            if self._cells:
                self.move_cursor(row=cursor)
        self._more_rows(self._generation, widths)

    def _add_rows(self, start: int, count: int, widths: list[int | None]) -> None:
        end = min(start + count, len(self._cells), SHOWN)
        for n in range(start, end):
            cells = self._cells[n]
            if cells is None:  # a row loaded without its cells (behind those drawn, then sorted)
                cells = self._cells[n] = self.cells_of(self.payloads[n])
            self.add_row(*(cut(c, w) for c, w in zip(cells, widths) if w is not None), key=str(n))
        self._filled = end

    def _more_rows(self, generation: int, widths: list[int | None]) -> None:
        """The next batch of rows, after the screen has had its turn; none if the table was
        drawn again since (a new result, a sort, a new width)."""
        if generation == self._generation and self.filling:
            self.set_timer(0.001, lambda: self._next_batch(generation, widths))

    def _next_batch(self, generation: int, widths: list[int | None]) -> None:
        if generation == self._generation:
            with self.prevent(DataTable.RowHighlighted):
                self._add_rows(self._filled, BATCH, widths)
            self._more_rows(generation, widths)
            if not self.filling:
                self._drawn()

    def when_drawn(self, callback) -> None:
        """Call `callback` once every row to be drawn is in the table and on the screen."""
        self._on_drawn.append(callback)
        if not self.filling:
            self._drawn()

    def _drawn(self) -> None:
        waiting, self._on_drawn = self._on_drawn, []
        for callback in waiting:
            self.call_after_refresh(callback)

    @property
    def filling(self) -> bool:
        """Whether rows to be drawn are still being added (a batch per turn of the event loop)."""
        return self._filled < self._fill_to
