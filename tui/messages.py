"""Messages the widgets send up to their screen.

Every widget that lists items (tree, results, links, timeline, diff tables) says "this item"
the same way, so each screen handles one message whatever the widget.
"""

from __future__ import annotations

from textual.message import Message


class OpenItem(Message):
    """Show an item. `preview` is a cursor passing over it (the detail follows, but the history
    of visited items does not record it); otherwise it was chosen (Enter, click, a link)."""

    def __init__(self, item_id: str, preview: bool = False) -> None:
        super().__init__()
        self.item_id = item_id
        self.preview = preview
