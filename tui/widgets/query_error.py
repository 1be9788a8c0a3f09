"""A query error shown where the query was typed: message, the query with a caret under the bad
words, what was expected there, and the near misses ("did you mean ...")."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


def error_text(error) -> Text:
    """`error` is a `kb.query.parse.QueryError`."""
    text = Text()
    text.append("query error: ", style="bold red")
    text.append(error.message + "\n")
    text.append("  " + error.query + "\n", style="bold")
    text.append("  " + error.caret_line(), style="bold red")
    if error.expected:
        many = len(error.expected) > 1
        text.append("\nexpected " + ("one of: " + "; ".join(error.expected) if many else error.expected[0]), style="dim")
    if error.suggestions:
        text.append("\ndid you mean ")
        text.append(", ".join(f"'{s}'" for s in error.suggestions), style="bold yellow")
        text.append("?")
    return text


class QueryErrorView(Static):
    """Hidden while there is no error. The query and caret lines are never wrapped, so the caret
    stays under the words it points at."""

    DEFAULT_CSS = """
    QueryErrorView { display: none; height: auto; padding: 0 1; border-left: thick $error; }
    QueryErrorView.-shown { display: block; }
    """

    def show(self, error) -> None:
        """Show `error` (a `QueryError`), or hide the view when it is None."""
        self.set_class(error is not None, "-shown")
        if error is None:
            self.update("")
            return
        text = error_text(error)
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.update(text)
