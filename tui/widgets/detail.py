"""One item in full: its text (search hits highlighted), the national column or completion
standard where it has one, the English summary, units and roles, targets, deadlines with their
first occurrences, the source and quote; below, the items linked to it, each a jump away."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static

from kb.render.item import pad_cells
from kb.render.labels import label

from ..messages import OpenItem
from ..style import HIT, OVERDUE, OVERDUE_MARK


def item_text(item, base, terms: list[str], as_of: date) -> Text:
    """The whole item as one Text, wrapped by the pane (Rich wraps Chinese by cells): the one
    item layout of `powerkb show` (kb.render.item), in the app's styles. Its links are left out:
    the list below the text shows them, each a jump away."""
    from kb.render.item import layout, to_rich

    lay = layout(item, base, as_of, links=False)
    return to_rich(lay, terms, styles={"overdue": OVERDUE, "overdue-mark": OVERDUE, "hit": HIT},
                   marks={"overdue-mark": OVERDUE_MARK})


class LinkList(OptionList):
    """Parent, year actions, implements / implemented by, measures / measured by, same as."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ids: list[str] = []  # the item of each option, in order (an item may be linked twice)

    def show(self, related: list, base) -> None:
        self.ids = [r.id for r in related]
        self.clear_options()
        for r in related:
            prompt = Text.assemble((pad_cells(label(r.relation), 15), "magenta"), (r.id, "cyan"),
                                   "  " + base.items[r.id].summary)
            self.add_option(prompt)
        self.border_title = f"{label('item.linked')} ({len(related)})"
        self.display = bool(related)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(OpenItem(self.ids[event.option_index]))


class DetailPane(Vertical):
    """The item's text scrolls above; its links stay in view below, up to 40% of the pane."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="detail-body")
        yield LinkList(id="links")

    def on_mount(self) -> None:
        self.border_title = "Item"
        self.query_one(LinkList).display = False
        self.query_one("#detail-body", Static).update(
            Text("Choose an item in the tree or the results to see it here.", style="dim"))

    def show(self, item, related: list, base, terms: list[str], as_of: date) -> None:
        self.border_title = item.id
        self.query_one("#detail-body", Static).update(item_text(item, base, terms, as_of))
        self.query_one("#detail-scroll").scroll_home(animate=False)
        self.query_one(LinkList).show(related, base)
