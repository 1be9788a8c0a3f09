"""The main screen: the query bar over the document tree, the results and the item in detail.

It keeps what the user is looking at: the current query's result (whose search terms the detail
pane highlights) and the item shown, with the items shown before it, so Back returns to them.
A cursor passing over results updates the detail without being remembered; choosing an item
(Enter, a click, a link, the tree, another screen) is remembered.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header

from ..completion import vocabulary
from ..messages import OpenItem
from ..widgets.detail import DetailPane
from ..widgets.doc_tree import DocTree
from ..widgets.query_bar import QueryBar
from ..widgets.results import ResultsTable

PLACEHOLDER = "query, e.g.  due <= 2021-12 and unit = 市能源局   ·   text ~ 电价   ·   ? for help"
HINT = "Press / to type a query, or choose an item in the tree."


class MainScreen(Screen):
    BINDINGS = [
        Binding("backspace,alt+left", "back", "Back", tooltip="Show the item shown before this one"),
        Binding("escape", "focus_results", "Results", tooltip="Leave the query bar for the results", show=False),
    ]
    AUTO_FOCUS = "#tree"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (150, "-wide")]

    def __init__(self) -> None:
        super().__init__()
        self.result = None
        self.current: str | None = None
        self.history: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield QueryBar(placeholder=PLACEHOLDER, id="query-bar")
        with Horizontal(id="main-body"):
            yield DocTree(self.app.base, id="tree")
            with Container(id="work"):
                yield ResultsTable(id="results")
                yield DetailPane(id="detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#tree").border_title = "Documents"
        self.query_one(ResultsTable).hint(HINT)
        self._title_results()
        self.watch(self.app, "as_of", self._as_of_changed, init=False)
        # the vocabulary opens the query store: after the first frame, not before it
        self.call_after_refresh(lambda: self.query_one(QueryBar).complete_from(vocabulary(self.app.base)))

    # -- queries ------------------------------------------------------------------------
    def on_query_bar_submitted(self, message: QueryBar.Submitted) -> None:
        self.run_query(message.query)

    def run_query(self, text: str) -> None:
        """Run `text`: rows and counts go to the table, a diff to the diff screen, an error under
        the bar (the app keeps running whatever the query)."""
        from kb.query.parse import QueryError

        bar = self.query_one(QueryBar)
        try:
            result = self.app.base.query(text, as_of=self.app.as_of)
        except QueryError as error:
            bar.show_error(error)
            return
        bar.show_error(None)
        if result.kind == "diff":
            self.app.call_later(self.app.show_diff, result.diff, result.query)
            return
        self._show_result(result)
        self.query_one(ResultsTable).focus()

    def _show_result(self, result, keep_cursor: bool = False) -> None:
        self.result = result
        self.query_one(ResultsTable).show(result, keep_cursor)
        self._title_results()

    def _title_results(self) -> None:
        table = self.query_one(ResultsTable)
        table.border_subtitle = f"as of {self.app.as_of.isoformat()}"
        result = self.result
        if result is None:
            table.border_title = "Results"
        elif result.kind == "rows":
            table.border_title = f"Results · {len(result.rows)} row{'s' if len(result.rows) != 1 else ''}"
        elif result.kind == "groups":
            table.border_title = f"Results · {len(result.groups)} groups by {result.group_by}"
        else:
            table.border_title = "Results · count"

    def _as_of_changed(self) -> None:
        """Mark overdue against the new date: the same query again (it ran before, so it runs)."""
        if self.result is not None:
            self._show_result(self.app.base.query(self.result.query, as_of=self.app.as_of), keep_cursor=True)
        self._title_results()
        if self.current:
            self.show_item(self.current, remember=False)

    def export_result(self):
        return ("powerkb-results", self.result) if self.result is not None else None

    # -- items --------------------------------------------------------------------------
    def on_open_item(self, message: OpenItem) -> None:
        message.stop()
        self.show_item(message.item_id, remember=not message.preview)

    def show_item(self, item_id: str, remember: bool = True) -> None:
        """Show an item in the detail pane and the tree; `remember` the one shown before."""
        from kb.analysis.outline import related

        base = self.app.base
        could_go_back = bool(self.history)
        if remember and self.current and self.current != item_id:
            self.history.append(self.current)
        self.current = item_id
        terms = self.result.terms if self.result is not None and self.result.kind == "rows" else []
        self.query_one(DetailPane).show(base.item(item_id), related(base, item_id), base, terms, self.app.as_of)
        self.query_one(DocTree).reveal(item_id)
        if bool(self.history) != could_go_back:
            self.refresh_bindings()  # Back is enabled only with somewhere to go back to

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "back":
            return True if self.history else None
        return True

    def action_back(self) -> None:
        if self.history:
            self.show_item(self.history.pop(), remember=False)

    def action_focus_results(self) -> None:
        self.query_one(ResultsTable).focus()

    def focus_query(self) -> None:
        self.query_one(QueryBar).focus_input()
