"""The deadlines screen: what falls due month by month, for everyone or for one unit.

It asks the knowledge base exactly what `powerkb query` would be asked,
`due between FROM and TO [and unit = X]`, so the occurrences of recurring reports are there and
a unit matches as it does in the query language (collectives and their members). A bad range or
an unknown unit is explained under the inputs, with the query it made. Items due before the
"as of" date are marked overdue; changing the date here changes it for the whole app.
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Footer, Header, Input, Label

from ..messages import OpenItem
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
        Binding("left_square_bracket", f"shift(-{SHIFT_MONTHS})", "Earlier", tooltip="Move the range a quarter earlier"),
        Binding("right_square_bracket", f"shift({SHIFT_MONTHS})", "Later", tooltip="Move the range a quarter later"),
        Binding("u", "focus_input('unit')", "Unit", tooltip="Filter by a responsible unit"),
        Binding("a", "focus_input('as-of')", "As of", tooltip="Change the date overdue is measured against"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.result = None
        self.range: tuple[date, date] | None = None

    def compose(self) -> ComposeResult:
        units = sorted({name for unit in self.app.base.units.values() for name in unit.names})
        yield Header()
        with Horizontal(id="deadline-controls"):
            yield Label("from")
            yield Input(DEFAULT_RANGE[0], id="from", classes="period")
            yield Label("to")
            yield Input(DEFAULT_RANGE[1], id="to", classes="period")
            yield Label("unit")
            yield Input(placeholder="any unit", id="unit", suggester=SuggestFromList(units, case_sensitive=False))
            yield Label("as of")
            yield Input(self.app.as_of.isoformat(), id="as-of", classes="period")
        yield QueryErrorView(id="deadline-error")
        yield Timeline(id="timeline")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.watch(self.app, "as_of", self._as_of_changed, init=False)
        self.refresh_timeline()
        self.query_one("#occurrences").focus()

    def _value(self, input_id: str) -> str:
        return self.query_one(f"#{input_id}", Input).value.strip()

    def query_text(self) -> str:
        text = f"due between {self._value('from')} and {self._value('to')}"
        unit = self._value("unit").strip("\"'“”")
        return text + (f' and unit = "{unit}"' if unit else "")

    def _range(self, text: str) -> tuple[date, date]:
        """The first and last day of the range, as the query (already run) read it."""
        from kb.query.parse import Span, Value, period

        start, end = self._value("from"), self._value("to")
        at = len("due between ")
        first, _ = period(Value(start, Span(at, at + len(start))), text, self.app.as_of)
        at += len(start) + len(" and ")
        _, last = period(Value(end, Span(at, at + len(end))), text, self.app.as_of)
        return first, last

    def refresh_timeline(self) -> None:
        from kb.query.parse import QueryError

        text = self.query_text()
        errors = self.query_one(QueryErrorView)
        as_of = self.app.as_of
        try:
            self.result = self.app.base.query(text, as_of=as_of, items=True)  # the timeline lists item occurrences
        except QueryError as error:
            errors.show(error)
            return
        errors.show(None)
        start, end = self._value("from"), self._value("to")
        first, last = self.range = self._range(text)
        timeline = self.query_one(Timeline)
        timeline.show(self.result, months(first, last))
        late = sum(r.overdue for r in self.result.rows)
        timeline.border_title = f"Due {start} … {end}: {len(self.result.rows)} occurrences"
        timeline.border_subtitle = f"{late} overdue as of {as_of.isoformat()}"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "as-of":
            self._set_as_of(event.value.strip())
        else:
            self.refresh_timeline()
        self.query_one("#occurrences").focus()

    def _set_as_of(self, text: str) -> None:
        from kb.query.parse import QueryError

        try:
            self.app.as_of = date.fromisoformat(text)
        except ValueError:
            self.query_one(QueryErrorView).show(
                QueryError(f"'{text}' is not a date", text, 0, len(text), expected=["a day: YYYY-MM-DD"]))

    def _as_of_changed(self) -> None:
        self.query_one("#as-of", Input).value = self.app.as_of.isoformat()
        self.refresh_timeline()

    def action_shift(self, months_by: int) -> None:
        if self.range is None:
            return
        self.query_one("#from", Input).value = _shifted(self.range[0], months_by)
        self.query_one("#to", Input).value = _shifted(self.range[1], months_by)
        self.refresh_timeline()

    def action_focus_input(self, input_id: str) -> None:
        self.query_one(f"#{input_id}", Input).focus()

    def on_open_item(self, message: OpenItem) -> None:
        message.stop()
        if not message.preview:
            self.app.call_later(self.app.open_item, message.item_id)

    def export_result(self):
        return ("powerkb-deadlines", self.result) if self.result is not None else None
