"""The query bar: where a query is typed, completed, recalled and, when it is wrong, explained.

* Enter posts `QueryBar.Submitted`; the screen runs the query and hands back an error, if any,
  to `show_error`, which shows it under the bar.
* Completion: the inline suggestion (accept with → or End) and a list of candidates under the
  bar, both from `tui.completion`. The list opens by itself only where the grammar expects a
  word from a list (a field, a value after an operator, a group key...), elsewhere on Tab; Tab
  takes the highlighted one, ↑/↓ move in it. Esc leaves the bar (closing the list) at once.
* History: ↑/↓ (when the list is closed) walk through the queries run before, this run's and
  earlier runs' (kept by `tui.settings` in the user data dir).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, OptionList

from ..completion import apply, candidates, context_words, suggestion
from .query_error import QueryErrorView


class QuerySuggester(Suggester):
    def __init__(self, words: list[str]) -> None:
        super().__init__(use_cache=True, case_sensitive=True)
        self.words = words

    async def get_suggestion(self, value: str) -> str | None:
        return suggestion(value, self.words)


class CompletionList(OptionList, can_focus=False):
    """Candidates for the word being typed; floats over what is below the bar."""


class QueryBar(Vertical):
    BINDINGS = [
        Binding("up", "older", "Older query", tooltip="The query before (or the completion above)", show=False),
        Binding("down", "newer", "Newer query", tooltip="The query after (or the completion below)", show=False),
        Binding("tab", "complete", "Complete", tooltip="Open the completions, or take the highlighted one "
                "(→ takes the grey one)", show=False),
        Binding("escape", "leave", "Leave", tooltip="Leave the query bar for the results", show=False),
    ]

    class Left(Message):
        """Esc in the bar: the screen moves the focus to the results."""

    class Submitted(Message):
        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    def __init__(self, placeholder: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.words: list[str] = []  # filled by `complete_from`
        self.placeholder = placeholder
        self.history: list[str] = []  # filled by the screen from the saved history
        self._recall = 0  # how far back in the history the input is (0: not recalling)
        self._set_value: str | None = None  # a value put in by us, not typed: no completions for it

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.placeholder, suggester=QuerySuggester(self.words), compact=True, id="query-input")
        yield CompletionList(id="completions")
        yield QueryErrorView(id="query-error")

    def complete_from(self, words: list[str]) -> None:
        """The words to complete (shared with the inline suggester, so set in place)."""
        self.words[:] = words

    @property
    def input(self) -> Input:
        return self.query_one("#query-input", Input)

    @property
    def completions(self) -> CompletionList:
        return self.query_one(CompletionList)

    def focus_input(self) -> None:
        self.input.focus()

    def show_error(self, error) -> None:
        self.query_one(QueryErrorView).show(error)

    def set_query(self, query: str) -> None:
        """Put `query` in the bar (without running it)."""
        self._set_value = query
        self.input.value = query
        self.input.cursor_position = len(query)

    # -- completion ---------------------------------------------------------------------
    def _list_open(self) -> bool:
        return self.completions.has_class("-open")

    def _close_list(self) -> None:
        self.completions.remove_class("-open")

    def _open_list(self, found: list[str]) -> None:
        box = self.completions
        box.clear_options()
        box.add_options(found)
        box.set_class(bool(found), "-open")
        if found:
            box.highlighted = 0

    def _candidates(self, value: str, asked: bool) -> list[str]:
        """What to offer for `value`: the words the grammar takes there; on Tab (`asked`) at a
        place without a word list, any word."""
        words = context_words(value[:self.input.cursor_position], self.words)
        if words is None:
            return candidates(value, self.words) if asked else []
        return candidates(value, words)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        typed = event.value != self._set_value
        self._set_value = None
        if not typed:
            self._close_list()
            return
        found = self._candidates(event.value, asked=False)
        if found or self._list_open():
            self._open_list(found)

    def on_input_blurred(self) -> None:
        self._close_list()  # a list left open would float over whatever has the focus now

    def action_complete(self) -> None:
        """Tab: take the highlighted completion, or open the list; with nothing to offer, the
        focus moves on as Tab does elsewhere."""
        box = self.completions
        if self._list_open() and box.highlighted is not None:
            self._take(str(box.get_option_at_index(box.highlighted).prompt))
            return
        found = self._candidates(self.input.value, asked=True)
        if found:
            self._open_list(found)
        else:
            self.screen.focus_next()

    def action_leave(self) -> None:
        self._close_list()
        self.post_message(self.Left())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._take(str(event.option.prompt))
        self.focus_input()

    def _take(self, word: str) -> None:
        completed = apply(self.input.value, word)
        self._close_list()
        self.set_query(completed + ("" if completed.endswith(" ") else " "))

    # -- history ------------------------------------------------------------------------
    def action_older(self) -> None:
        if self._list_open():
            self.completions.action_cursor_up()
        elif self._recall < len(self.history):
            self._recall += 1
            self.set_query(self.history[-self._recall])

    def action_newer(self) -> None:
        if self._list_open():
            self.completions.action_cursor_down()
        elif self._recall > 0:
            self._recall -= 1
            self.set_query(self.history[-self._recall] if self._recall else "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        query = event.value.strip()
        self._close_list()
        if not query:
            return
        if not self.history or self.history[-1] != query:
            self.history.append(query)
        self._recall = 0
        self.post_message(self.Submitted(query))
