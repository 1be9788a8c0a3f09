"""The main screen: the query bar over the document tree, the results and the item in detail.

It keeps what the user is looking at: the current query's result (whose search terms the detail
pane highlights) and the item shown. A cursor passing over results updates the detail without
being remembered; choosing an item (Enter, a click, a link, the tree, another screen) is
remembered in the app's list of places, so Back returns to it (and Forward undoes Back).

Queries run in a worker thread (`run_worker(thread=True)`, exclusive: a newer query cancels the
older one), so a slow query on a large tree never freezes the screen; the result arrives on the
main thread as the worker's state change. A long result comes in two steps: the rows the table
draws first (a query with a limit, which stops early: 0.1 s where the whole takes 0.7 s on a
100k tree), the title saying the rest is being counted; then the whole result, which the table
holds behind the rows drawn, for the title's total, a sort and an export (an export asked for
before it came fetches it at once).
"""

from __future__ import annotations

import gc
import inspect
import threading

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerState, get_current_worker

from .. import settings
from ..completion import vocabulary
from ..messages import OpenItem
from ..strings import text
from ..widgets.detail import DetailPane
from ..widgets.doc_tree import DocTree
from ..widgets.query_bar import QueryBar
from ..widgets.fitted_table import SHOWN
from ..widgets.results import ResultsTable

FIRST = SHOWN
"""Rows a query fetches first (with a limit, which stops SQLite early): as many as the table
draws, so the screen shows its rows within a fraction of a second even when the whole result
(20,000 rows on a large tree) takes longer; the rest follows in the same worker."""
DRAW_WAIT = 2.0
"""Seconds the worker waits for the first rows to be drawn before it fetches the rest."""


def takes_items(base) -> bool:
    """Whether `base.query` can list items rather than duties (`items=`, branch `obligations`)."""
    try:
        return "items" in inspect.signature(base.query).parameters
    except (TypeError, ValueError):
        return False


class MainScreen(Screen):
    BINDINGS = [
        Binding("backspace,alt+left", "app.back", text("back"), tooltip=text("back.tip")),
        Binding("escape", "escape", text("results"), tooltip=text("results.tip"), show=False),
        Binding("y", "copy", text("copy"), tooltip=text("copy.tip")),
        Binding("ctrl+b", "toggle_sidebar", text("sidebar"), tooltip=text("sidebar.tip"), show=False),
        Binding("z", "maximize_pane", text("maximize"), tooltip=text("maximize.tip"), show=False),
        Binding("i", "toggle_items", text("items-toggle"), tooltip=text("items-toggle.tip"), show=False),
    ]
    AUTO_FOCUS = "#tree"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (150, "-wide")]

    def __init__(self) -> None:
        super().__init__()
        self.result = None
        self.current: str | None = None
        self.items = False  # list items rather than duties (when the engine can do both)
        self.matched: set[str] = set()
        self.partial = False  # the result shown is the first rows only; the worker fetches the rest

    def compose(self) -> ComposeResult:
        yield Header()
        yield QueryBar(placeholder=text("placeholder"), id="query-bar")
        with Horizontal(id="main-body"):
            yield DocTree(self.app.base, id="tree")
            with Container(id="work"):
                yield ResultsTable(id="results")
                yield DetailPane(id="detail")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#tree").border_title = text("documents")
        self.query_one(ResultsTable).hint(text("hint"))
        self._title_results()
        self.watch(self.app, "as_of", self._as_of_changed, init=False)
        bar = self.query_one(QueryBar)
        bar.history[:] = settings.load_history()
        # the vocabulary opens the query store: after the first frame, not before it
        self.call_after_refresh(lambda: bar.complete_from(vocabulary(self.app.base)))
        if self.app.start_query:
            bar.set_query(self.app.start_query)
            self.run_query(self.app.start_query)

    # -- queries ------------------------------------------------------------------------
    def on_query_bar_submitted(self, message: QueryBar.Submitted) -> None:
        settings.save_history(self.query_one(QueryBar).history)
        self.run_query(message.query)

    def on_query_bar_left(self) -> None:
        self.query_one(ResultsTable).focus()

    def _ask(self, query: str, as_of, limit: int | None = None):
        kwargs = {"items": self.items} if takes_items(self.app.base) else {}
        return self.app.base.query(query, as_of=as_of, limit=limit, **kwargs)

    def run_query(self, query: str, keep_cursor: bool = False) -> None:
        """Run `query` in a worker: rows and counts go to the table, a diff to the diff screen,
        an error under the bar (the app keeps running whatever the query)."""
        as_of = self.app.as_of
        self.run_worker(lambda: self._answer(query, as_of, keep_cursor), name="query", group="query",
                        thread=True, exclusive=True, exit_on_error=False)

    def _answer(self, query: str, as_of, keep_cursor: bool) -> tuple | None:
        """In the worker thread. First the rows the table draws (`FIRST`: a query with a limit
        stops early), shown at once; then, if there may be more, the whole result, which the
        table takes as more rows behind those drawn (for the title's total, a sort, an export).
        Returns what is left to show: (result, matched, prepared, keep_cursor, first batch)."""
        from .. import matching
        from ..widgets.results import prepare

        worker = get_current_worker()
        limit = FIRST  # a ranked text search too: its limited plan scores the matches once (kb/query/run.py)
        result = self._ask(query, as_of, limit=limit)
        if result.kind == "diff":
            return result, set(), None, keep_cursor, None
        matched = matching.matched_units(self.app.base, result.query)
        prepared = prepare(result, matched)
        if result.kind != "rows" or limit is None or len(result.rows) < limit:
            return result, matched, prepared, keep_cursor, None
        first = result
        drawn = threading.Event()
        try:
            self.app.call_from_thread(self._first_batch, worker, first, matched, prepared, keep_cursor, drawn.set)
        except RuntimeError:  # the app has stopped meanwhile
            return None
        # the rest once the first rows are on the screen: a worker building 20,000 rows holds
        # the interpreter half the time, and would double every frame drawn meanwhile
        drawn.wait(DRAW_WAIT)
        if worker.is_cancelled:
            return None
        whole = self._ask(query, as_of)
        gc.collect(1)  # the young garbage first (cheap), so little of it is kept for good
        gc.freeze()  # its rows stay while shown: the cycle collector need not walk them (`settle_memory`)
        return whole, matched, None, keep_cursor, first

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "query":
            return
        if event.state == WorkerState.ERROR:
            self._query_failed(event.worker.error)
        elif event.state == WorkerState.SUCCESS and event.worker.result is not None:
            result, matched, prepared, keep_cursor, first = event.worker.result
            if first is None:
                self._query_done(result, matched, prepared, keep_cursor)
            else:
                self._rest_done(result, first)

    def _query_failed(self, error) -> None:
        from kb.core.errors import PowerKBError
        from kb.query.parse import QueryError

        if isinstance(error, QueryError):
            self.query_one(QueryBar).show_error(error)
        elif isinstance(error, PowerKBError):
            self.notify(str(error), severity="error")
        else:
            raise error

    def _first_batch(self, worker, result, matched: set[str], prepared, keep_cursor: bool, drawn) -> None:
        """The rows the table draws, while the worker fetches the rest (unless a newer query
        has replaced this one); `drawn` is called once they are on the screen."""
        if worker.is_cancelled:
            drawn()
            return
        self._query_done(result, matched, prepared, keep_cursor, partial=True)
        self.query_one(ResultsTable).when_drawn(drawn)

    def _rest_done(self, whole, first) -> None:
        """The whole result of a query whose first rows are shown: the table keeps what it
        draws and holds the rest behind (drawn again only if the order differs)."""
        if self.result is not first:  # another result came in between: this one is stale
            return
        self.partial = False
        self.result = whole
        table = self.query_one(ResultsTable)
        if not table.extend(whole, first):
            self._show_result(whole, keep_cursor=True)
        self._title_results()

    def _query_done(self, result, matched: set[str], prepared, keep_cursor: bool, partial: bool = False) -> None:
        self.query_one(QueryBar).show_error(None)
        self.partial = partial
        if result.kind == "diff":
            if result.diff.notice:
                self.notify(result.diff.notice)
            self.app.call_later(self.app.show_diff, result.diff, result.query)
            return
        self.matched = matched
        self._show_result(result, keep_cursor, prepared)
        if result.kind == "rows" and not result.rows:
            self.query_one(DetailPane).clear()
            self.current = None
        if not keep_cursor:
            self.query_one(ResultsTable).focus()

    def _show_result(self, result, keep_cursor: bool = False, prepared=None) -> None:
        self.result = result
        table = self.query_one(ResultsTable)
        if result.kind == "rows" and not result.rows:
            table.hint(text("no-matches", query=result.query))
        else:
            table.show(result, keep_cursor, self.matched, prepared)
        self._title_results()

    def _title_results(self) -> None:
        table = self.query_one(ResultsTable)
        view = getattr(self.result, "view", None)  # the result's own view: `show items` in the query counts
        mode = text("items") if self.items or view == "items" else text("obligations")
        table.border_subtitle = text("as-of-sub", day=self.app.as_of.isoformat()) + (
            f" · {mode}" if takes_items(self.app.base) else "")
        result = self.result
        if result is None:
            table.border_title = text("results")
        elif result.kind == "rows" and self.partial:
            table.border_title = f"{text('results')} · {text('first-batch', n=len(result.rows))}"
        elif result.kind == "rows":
            hidden = text("first-shown", n=len(result.rows) - table.hidden) if table.hidden else ""
            table.border_title = f"{text('results')} · {text('rows', n=len(result.rows))}{hidden}"
        elif result.kind == "groups":
            table.border_title = (f"{text('results')} · {text('groups-by', n=len(result.groups), by=result.group_by)}"
                                  f" · {text('drill')}")
        else:
            table.border_title = f"{text('results')} · {text('count')}"

    def on_results_table_drill(self, message: ResultsTable.Drill) -> None:
        """Enter on a group: the same query narrowed to that group, as if typed."""
        from ..matching import drill_query

        message.stop()
        result = self.result
        query = drill_query(result.query, result.group_by, message.key, result.labels.get(message.key))
        if query:
            bar = self.query_one(QueryBar)
            bar.set_query(query)
            bar.history.append(query)
            self.run_query(query)

    def _as_of_changed(self) -> None:
        """Mark overdue against the new date: the same query again (it ran before, so it runs)."""
        if self.result is not None:
            self.run_query(self.result.query, keep_cursor=True)
        self._title_results()
        if self.current:
            self.show_item(self.current, remember=False)

    def export_result(self):
        return ("powerkb-results", self.result) if self.result is not None else None

    def complete_result(self) -> None:
        """Before an export, which writes every row: the whole result, fetched here if the worker
        has not brought it yet (its answer, when it comes, is then stale and dropped)."""
        if self.partial and self.result is not None:
            self._rest_done(self._ask(self.result.query, self.app.as_of), self.result)

    # -- items --------------------------------------------------------------------------
    def on_open_item(self, message: OpenItem) -> None:
        message.stop()
        self.show_item(message.item_id, remember=not message.preview)

    def show_item(self, item_id: str, remember: bool = True) -> None:
        """Show an item in the detail pane and the tree; `remember` the one shown before."""
        from kb.analysis.outline import related

        base = self.app.base
        if remember and self.current and self.current != item_id:
            self.app.remember(("main", self.current))
        self.current = item_id
        terms = self.result.terms if self.result is not None and self.result.kind == "rows" else []
        self.query_one(DetailPane).show(base.item(item_id), related(base, item_id), base, terms, self.app.as_of)
        self.query_one(DocTree).reveal(item_id)

    def action_escape(self) -> None:
        if self.maximized is not None:
            self.minimize()
        else:
            self.query_one(ResultsTable).focus()

    def action_copy(self) -> None:
        """The id under the cursor of the focused list (results, links, tree), else the item shown."""
        focused = self.focused
        value = getattr(focused, "copy_value", lambda: None)() if focused is not None else None
        value = value or self.current
        if value:
            self.app.copy(value)

    def action_toggle_sidebar(self) -> None:
        tree = self.query_one(DocTree)
        tree.display = not tree.display
        if not tree.display and self.focused is tree:
            self.query_one(ResultsTable).focus()

    def action_maximize_pane(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None and not isinstance(self.focused.parent, QueryBar):
            self.maximize(self.focused)  # inside the detail pane: the whole pane (ALLOW_MAXIMIZE)

    def action_toggle_items(self) -> None:
        if not takes_items(self.app.base):
            self.notify(text("no-items-param"), severity="warning")
            return
        self.items = not self.items
        self._title_results()
        if self.result is not None:
            self.run_query(self.result.query)

    def focus_query(self) -> None:
        self.query_one(QueryBar).focus_input()
