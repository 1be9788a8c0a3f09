"""Styles with a meaning, shared by every widget: search hits, overdue dates, diff clauses.

Kept in one place so that a hit or an overdue date looks the same in the results, the detail
pane and the timeline.
"""

from __future__ import annotations

from rich.text import Text

HIT = "bold yellow"
OVERDUE = "bold red"
OVERDUE_MARK = "⚠ "
CLAUSE = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow"), "same": (" ", "dim")}


def highlighted(text: str, terms: list[str]) -> Text:
    """`text` with every occurrence of the search terms marked."""
    out = Text(text)
    words = [t.strip() for t in terms if t.strip()]
    if words:
        out.highlight_words(words, style=HIT)
    return out
