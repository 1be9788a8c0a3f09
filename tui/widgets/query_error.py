"""A query error shown where the query was typed: message, the query with a caret under the bad
words, what was expected there, and the near misses ("did you mean ...").

The query line and the caret line are never wrapped: a long query (Chinese takes two cells a
character) is shown as a window of itself around the caret, cut with … at either end, so the caret
is always under the words it points at, whatever the width of the pane. The window is redrawn when
the pane's width changes.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

INDENT = "  "


def window(query: str, start: int, end: int, width: int) -> tuple[str, str]:
    """(query line, caret line) of at most `width` cells, the caret under query[start:end]."""
    end = max(end, start + 1)
    caret_pad = cell_len(query[:start])
    carets = max(1, cell_len(query[start:end]))
    if cell_len(query) + 1 <= width or width < 8:
        return query, " " * caret_pad + "^" * carets
    first = start
    lead = max(2, (width - min(carets, width // 2)) // 3)  # a third of the room before the caret
    while first > 0 and cell_len(query[first - 1:start]) <= lead:
        first -= 1
    while first > 0 and cell_len("…" + query[first - 1:]) <= width:  # the end is in view: use the room
        first -= 1
    head = "…" if first > 0 else ""
    shown = head + query[first:]
    if cell_len(shown) > width:
        last = len(query)
        while last > end and cell_len(head + query[first:last]) + 1 > width:
            last -= 1
        shown = head + query[first:last] + "…"
    pad = cell_len(head + query[first:start])
    carets = max(1, min(carets, width - pad))
    return shown, " " * pad + "^" * carets


def error_text(error, width: int = 10_000) -> Text:
    """`error` is a `kb.query.parse.QueryError`; `width` the cells the view has for a line."""
    line, caret = window(error.query, error.start, error.end, width - len(INDENT))
    text = Text()
    text.append("query error: ", style="bold red")
    text.append(error.message + "\n")
    text.append(INDENT + line + "\n", style="bold")
    text.append(INDENT + caret, style="bold red")
    if error.expected:
        many = len(error.expected) > 1
        text.append("\nexpected " + ("one of: " + "; ".join(error.expected) if many else error.expected[0]), style="dim")
    if error.suggestions:
        text.append("\ndid you mean ")
        text.append(", ".join(f"'{s}'" for s in error.suggestions), style="bold yellow")
        text.append("?")
    return text


class QueryErrorView(Static):
    """Hidden while there is no error."""

    DEFAULT_CSS = """
    QueryErrorView { display: none; height: auto; padding: 0 1; border-left: thick $error; }
    QueryErrorView.-shown { display: block; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.error = None

    def show(self, error) -> None:
        """Show `error` (a `QueryError`), or hide the view when it is None."""
        self.error = error
        self.set_class(error is not None, "-shown")
        self._draw()

    def _draw(self) -> None:
        if self.error is None:
            self.update("")
            return
        width = self.content_region.width or (self.app.size.width - 6)
        self.update(error_text(self.error, width))

    def on_resize(self) -> None:
        if self.error is not None:
            self._draw()
