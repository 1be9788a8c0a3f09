"""The diff screen: two documents side by side, target by target and clause by clause.

The documents are picked at the top (at first the pair `kb.analysis.diff.default_pair` finds);
any two related documents may be compared. The engine puts them in order (the higher level, or
the document the other implements, is the national side): when it swaps a pair, the notice says
so, and the selects always show the pair actually shown, never the pair asked for. A
`diff A vs B where ...` query lands here with its narrowed result; the `where` is shown in the
summary and kept when the pair is changed or swapped. `v` shows one verdict at a time; Esc goes
back. Diffs are computed in a worker thread.
"""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Select, Static
from textual.worker import Worker, WorkerState

from ..messages import OpenItem
from ..strings import text
from ..widgets.diff_view import (
    DiffView,
    TextPairTable,
    clauses_plain,
    verdict_name,
    verdict_summary,
)

_WHERE = re.compile(r"\swhere\s+(.+)$", re.IGNORECASE | re.DOTALL)


def where_of(query: str) -> str | None:
    """The condition of a `diff A vs B where …` query."""
    found = _WHERE.search(query or "")
    return found.group(1).strip() if found else None


class DiffScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.back", text("back"), tooltip=text("back.tip")),
        Binding("s", "swap", text("swap"), tooltip=text("swap.tip")),
        Binding("v", "next_verdict", text("verdict"), tooltip=text("verdict.tip")),
        Binding("y", "copy", text("copy"), tooltip=text("copy.tip"), show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.diff = None
        self.asked = ""
        self.where: str | None = None
        self.only: str | None = None  # the one verdict shown, or None for all
        self._asked = 0  # counts the diffs asked for: only the latest one's result is shown

    def compose(self) -> ComposeResult:
        from kb.analysis.diff import default_pair

        docs = [(doc.id, doc.id) for doc in self.app.base.documents.values()]
        ids = list(self.app.base.documents)
        self.pair = default_pair(self.app.base.documents) or (ids[0], ids[-1])
        yield Header()
        with Horizontal(id="diff-picker"):
            yield Select(docs, value=self.pair[0], allow_blank=False, compact=True, id="doc-a")
            yield Label(text("vs"))
            yield Select(docs, value=self.pair[1], allow_blank=False, compact=True, id="doc-b")
        yield Static(id="diff-summary")
        yield DiffView(id="diff-view")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        if self.diff is None:
            self.compare(*self.pair)
        self.query_one("#targets").focus()

    def compare(self, a: str, b: str, where: str | None = None) -> None:
        """Diff `a` and `b` in a worker; the result (or the reason there is none) comes back in
        `on_worker_state_changed`."""
        base = self.app.base
        self._asked += 1
        asked = self._asked
        self.run_worker(lambda: (asked, where, base.diff(a, b, where=where)), group="diff", thread=True,
                        exclusive=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        from kb.core.errors import PowerKBError

        if event.worker.group != "diff":
            return
        if event.state == WorkerState.ERROR:
            if not isinstance(event.worker.error, PowerKBError):
                raise event.worker.error
            self.notify(str(event.worker.error), severity="error")
            self._show_pair()  # back to the pair that is shown
        elif event.state == WorkerState.SUCCESS:
            asked, where, result = event.worker.result
            if asked != self._asked:
                return  # a diff shown since (e.g. a diff query's) replaced what this one was for
            if result.notice:
                self.notify(result.notice)
            self.show(result, f"diff {result.a} vs {result.b}" + (f" where {where}" if where else ""))

    def show(self, diff, query: str) -> None:
        """Show `diff` (a `kb.analysis.diff.DiffResult`), which `query` asked for."""
        self._asked += 1  # whatever diff was still being computed is not wanted any more
        self.diff, self.asked, self.where = diff, query, where_of(query)
        if self.only and self.only not in diff.summary():
            self.only = None
        self._show_pair()
        self._draw()

    def _draw(self) -> None:
        self.query_one("#diff-summary", Static).update(verdict_summary(self.diff, self.where, self.only))
        self.query_one(DiffView).show(self.diff, self.app.base.registries, self.only)

    def _show_pair(self) -> None:
        """The selects show the pair on screen (with no change event of their own)."""
        if self.diff is None:
            return
        for select_id, value in (("#doc-a", self.diff.a), ("#doc-b", self.diff.b)):
            select = self.query_one(select_id, Select)
            if select.value != value:
                with self.prevent(Select.Changed):
                    select.value = value

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        a, b = self.query_one("#doc-a", Select).value, self.query_one("#doc-b", Select).value
        if self.diff is None or (a, b) == (self.diff.a, self.diff.b):
            return
        if a == b:
            self.notify(text("pick-two"), severity="warning")
            self._show_pair()
            return
        self.compare(a, b, self.where)

    def action_swap(self) -> None:
        """Ask for the other order; the engine keeps its own order and says why (the notice)."""
        if self.diff is not None:
            self.compare(self.diff.b, self.diff.a, self.where)

    def action_next_verdict(self) -> None:
        if self.diff is None:
            return
        verdicts = [None, *self.diff.summary()]
        self.only = verdicts[(verdicts.index(self.only) + 1) % len(verdicts)]
        self._draw()
        self.notify(text("shown-verdict", verdict=verdict_name(self.only) if self.only else text("all-verdicts")),
                    timeout=2)

    def action_copy(self) -> None:
        focused, view = self.focused, self.query_one(DiffView)
        if focused is not None and focused.id == "clauses" and view.pair is not None:
            value = clauses_plain(view.pair)
        else:
            value = getattr(focused, "copy_value", lambda: None)() or (
                self.query_one(TextPairTable).copy_value())
        if value:
            self.app.copy(value)

    def on_open_item(self, message: OpenItem) -> None:
        message.stop()
        if not message.preview:
            self.app.call_later(self.app.open_item, message.item_id)

    def export_result(self):
        from kb.query.run import QueryResult

        if self.diff is None:
            return None
        return f"powerkb-diff-{self.diff.a}-{self.diff.b}", QueryResult(self.asked, "diff", diff=self.diff)
