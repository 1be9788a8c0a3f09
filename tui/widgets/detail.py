"""One item in full, as main's one item layout draws it (`kb.render.item.layout()` + `to_rich()`:
text with search hits highlighted, duty lines, national column or completion standard, summary,
units and roles, targets, deadlines, source and quote, in the run's language); below, the items
linked to it, each a jump away."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static

from kb.render.item import pad_cells
from kb.render.labels import label

from ..messages import OpenItem
from ..strings import text as tr
from ..style import HIT, OVERDUE, OVERDUE_MARK
from ..wrap import wrap_text


def item_text(item, base, terms: list[str], as_of: date) -> Text:
    """The whole item as one Text, broken into lines by the pane (`Body`): the one item layout of
    `powerkb show` (kb.render.item), in the app's styles, search hits highlighted. Its links are
    left out: the list below the text shows them, each a jump away."""
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
        self.border_title = f"{tr('linked')} ({len(related)})"
        self.display = bool(related)
        if related:
            self.highlighted = 0  # Enter opens the first link at once, before any ↓

    def copy_value(self) -> str | None:
        return self.ids[self.highlighted] if self.highlighted is not None and self.ids else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(OpenItem(self.ids[event.option_index]))


class Body(Static):
    """The item's text, broken into lines by `tui.wrap` (never inside `2021` or `10kV`) for the
    width it has, again whenever that width changes."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.source = Text()

    def show(self, text: Text) -> None:
        self.source = text
        self._draw()

    def _draw(self) -> None:
        width = self.content_region.width
        self.update(wrap_text(self.source, width) if width > 0 else self.source)

    def on_resize(self) -> None:
        self._draw()


class DetailPane(Vertical):
    """The item's text scrolls above; its links stay in view below, up to 40% of the pane."""

    ALLOW_MAXIMIZE = True

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):
            yield Body(id="detail-body")
        yield LinkList(id="links")

    def on_mount(self) -> None:
        self.clear()

    def clear(self) -> None:
        """No item: the pane says how to choose one (e.g. after a query that found nothing)."""
        self.border_title = tr("item")
        self.query_one(LinkList).display = False
        self.query_one("#detail-body", Body).show(Text(tr("choose"), style="dim"))

    def show(self, item, related: list, base, terms: list[str], as_of: date) -> None:
        self.border_title = item.id
        self.query_one("#detail-body", Body).show(item_text(item, base, terms, as_of))
        self.query_one("#detail-scroll").scroll_home(animate=False)
        self.query_one(LinkList).show(related, base)
