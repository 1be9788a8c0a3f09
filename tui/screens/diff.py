"""The diff screen: two documents side by side, target by target and clause by clause.

The documents are picked at the top (1479 vs shanxi at first; any two may be compared). A
`diff A vs B where ...` query run on the main screen lands here with its narrowed result.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Select, Static

from ..messages import OpenItem
from ..widgets.diff_view import DiffView, verdict_summary


class DiffScreen(Screen):
    BINDINGS = [
        Binding("s", "swap", "Swap sides", tooltip="Compare the second document against the first"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.diff = None
        self.asked = ""

    def compose(self) -> ComposeResult:
        from kb.analysis.diff import default_pair

        docs = [(doc.id, doc.id) for doc in self.app.base.documents.values()]
        ids = list(self.app.base.documents)
        self.pair = default_pair(self.app.base.documents) or (ids[0], ids[-1])
        yield Header()
        with Horizontal(id="diff-picker"):
            yield Select(docs, value=self.pair[0], allow_blank=False, compact=True, id="doc-a")
            yield Label("vs")
            yield Select(docs, value=self.pair[1], allow_blank=False, compact=True, id="doc-b")
        yield Static(id="diff-summary")
        yield DiffView(id="diff-view")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.diff is None:
            self.compare(*self.pair)
        self.query_one("#targets").focus()

    def compare(self, a: str, b: str) -> None:
        from kb.core.errors import PowerKBError

        try:
            result = self.app.base.diff(a, b)
        except PowerKBError as exc:
            self.notify(str(exc), severity="error")
            return
        if result.notice:
            self.notify(result.notice)
        self.show(result, f"diff {result.a} vs {result.b}")

    def show(self, diff, query: str) -> None:
        """Show `diff` (a `kb.analysis.diff.DiffResult`), which `query` asked for."""
        self.diff, self.asked = diff, query
        self.query_one("#doc-a", Select).value = diff.a
        self.query_one("#doc-b", Select).value = diff.b
        self.query_one("#diff-summary", Static).update(verdict_summary(diff))
        self.query_one(DiffView).show(diff)

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        a, b = self.query_one("#doc-a", Select).value, self.query_one("#doc-b", Select).value
        if self.diff is None or (a, b) == (self.diff.a, self.diff.b):
            return  # the selects were set to show the diff already there
        if a == b:
            self.notify("Pick two different documents.", severity="warning")
            return
        self.compare(a, b)

    def action_swap(self) -> None:
        if self.diff is not None:
            self.compare(self.diff.b, self.diff.a)

    def on_open_item(self, message: OpenItem) -> None:
        message.stop()
        if not message.preview:
            self.app.call_later(self.app.open_item, message.item_id)

    def export_result(self):
        from kb.query.run import QueryResult

        if self.diff is None:
            return None
        return f"powerkb-diff-{self.diff.a}-{self.diff.b}", QueryResult(self.asked, "diff", diff=self.diff)
