"""The deadlines screen: what falls due month by month, for everyone or for one unit.

It asks the knowledge base exactly what `powerkb query` would be asked,
`due between FROM and TO [and unit = X]`, so the occurrences of recurring reports are there and
a unit matches as it does in the query language (collectives and their members). The unit is
picked from the list of units (type to jump in it). A bad range is explained under the inputs,
with the query it made. Items due before the "as of" date are marked overdue; changing the date
here changes it for the whole app. Esc goes back to where the user came from.

The controls are one line of compact inputs, sized for what they hold (a month, a day plus the
cursor), so the whole row fits in 80 columns.
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Select
from textual.worker import Worker, WorkerState

from ..messages import OpenItem
from ..strings import text
from ..widgets.query_error import QueryErrorView
from ..widgets.timeline import Timeline, months

DEFAULT_RANGE = ("2020-10", "2022-12")
SHIFT_MONTHS = 3


def _shifted(day: date, by: int) -> str:
    """The month `by` months after the month of `day`, as YYYY-MM."""
    n = day.year * 12 + day.month - 1 + by
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


class DeadlinesScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.back", text("back"), tooltip=text("back.tip")),
        Binding("left_square_bracket", f"shift(-{SHIFT_MONTHS})", text("earlier"), tooltip=text("earlier.tip")),
        Binding("right_square_bracket", f"shift({SHIFT_MONTHS})", text("later"), tooltip=text("later.tip")),
        Binding("u", "focus_input('unit')", text("unit"), tooltip=text("unit.tip")),
        Binding("a", "focus_input('as-of')", text("as-of"), tooltip=text("as-of.tip")),
        Binding("y", "copy", text("copy"), tooltip=text("copy.tip"), show=False),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    def __init__(self) -> None:
        super().__init__()
        self.result = None
        self.range: tuple[date, date] | None = None

    def compose(self) -> ComposeResult:
        from ..strings import lang

        units = sorted({(unit.en if lang() == "en" else unit.zh, unit.zh) for unit in self.app.base.units.values()})
        yield Header()
        with Horizontal(id="deadline-controls"):
            yield Label(text("from"))
            yield Input(DEFAULT_RANGE[0], id="from", classes="period", compact=True)
            yield Label(text("to"))
            yield Input(DEFAULT_RANGE[1], id="to", classes="period", compact=True)
            yield Label(text("unit"))
            yield Select(units, prompt=text("any-unit"), id="unit", compact=True,
                         type_to_search=True)
            yield Label(text("as-of"))
            yield Input(self.app.as_of.isoformat(), id="as-of", classes="day", compact=True)
        yield QueryErrorView(id="deadline-error")
        yield Timeline(id="timeline")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.watch(self.app, "as_of", self._as_of_changed, init=False)
        self.refresh_timeline()
        self.query_one("#occurrences").focus()

    def _value(self, input_id: str) -> str:
        return self.query_one(f"#{input_id}", Input).value.strip()

    def unit(self) -> str:
        select = self.query_one("#unit", Select)
        return "" if select.is_blank() else str(select.value)

    def query_text(self) -> str:
        query = f"due between {self._value('from')} and {self._value('to')}"
        unit = self.unit().replace('"', "")
        return query + (f' and unit = "{unit}"' if unit else "")

    def _range(self, query: str) -> tuple[date, date]:
        """The first and last day of the range, as the query (already run) read it."""
        from kb.query.parse import Span, Value, period

        start, end = self._value("from"), self._value("to")
        at = len("due between ")
        first, _ = period(Value(start, Span(at, at + len(start))), query, self.app.as_of)
        at += len(start) + len(" and ")
        _, last = period(Value(end, Span(at, at + len(end))), query, self.app.as_of)
        return first, last

    def refresh_timeline(self) -> None:
        """Ask for the range in a worker; `_show` draws it when it comes."""
        query, as_of = self.query_text(), self.app.as_of
        def answer():
            from ..widgets.results import prepare

            result = self.app.base.query(query, as_of=as_of, items=True)  # the timeline lists item occurrences
            return query, result, prepare(result)

        self.run_worker(answer, group="deadlines", thread=True, exclusive=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        from kb.query.parse import QueryError

        if event.worker.group != "deadlines":
            return
        if event.state == WorkerState.ERROR:
            if not isinstance(event.worker.error, QueryError):
                raise event.worker.error
            self.query_one(QueryErrorView).show(event.worker.error)
        elif event.state == WorkerState.SUCCESS:
            self._show(*event.worker.result)

    def _show(self, query: str, result, prepared) -> None:
        self.query_one(QueryErrorView).show(None)
        self.result = result
        first, last = self.range = self._range(query)
        timeline = self.query_one(Timeline)
        timeline.show(result, months(first, last), prepared)
        late = sum(r.overdue for r in result.rows)
        timeline.border_title = text("due-title", start=self._value("from"), end=self._value("to"), n=len(result.rows))
        timeline.border_subtitle = text("overdue-sub", n=late, day=self.app.as_of.isoformat())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "as-of":
            self._set_as_of(event.value.strip())
        else:
            self.refresh_timeline()
        self.query_one("#occurrences").focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self.range is not None or self.result is not None:
            self.refresh_timeline()

    def _set_as_of(self, value: str) -> None:
        from kb.query.parse import QueryError

        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.query_one(QueryErrorView).show(
                QueryError(text("not-a-date", text=value), value, 0, len(value), expected=[text("a-day")]))
            return
        if day == self.app.as_of:
            self.refresh_timeline()  # the same date again: no change to watch, but the error must go
        self.app.as_of = day

    def _as_of_changed(self) -> None:
        field = self.query_one("#as-of", Input)
        field.value = self.app.as_of.isoformat()
        field.cursor_position = 0  # the year in view, should the field ever be narrower than a date
        self.refresh_timeline()

    def on_descendant_blur(self, event) -> None:
        if getattr(event.widget, "id", None) == "as-of":
            event.widget.cursor_position = 0  # tabbing through never leaves the year scrolled away

    def action_shift(self, months_by: int) -> None:
        if self.range is None:
            return
        self.query_one("#from", Input).value = _shifted(self.range[0], months_by)
        self.query_one("#to", Input).value = _shifted(self.range[1], months_by)
        self.refresh_timeline()

    def action_focus_input(self, input_id: str) -> None:
        self.query_one(f"#{input_id}").focus()

    def action_copy(self) -> None:
        table = self.query_one("#occurrences")
        value = table.copy_value()
        if value:
            self.app.copy(value)

    def on_open_item(self, message: OpenItem) -> None:
        message.stop()
        if not message.preview:
            self.app.call_later(self.app.open_item, message.item_id)

    def export_result(self):
        return ("powerkb-deadlines", self.result) if self.result is not None else None
