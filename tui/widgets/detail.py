"""One item in full: its text (search hits highlighted), the national column or completion
standard where it has one, the English summary, units and roles, targets, deadlines with their
first occurrences, the source and quote; below, the items linked to it, each a jump away."""

from __future__ import annotations

from datetime import date

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static

from ..messages import OpenItem
from ..strings import STRINGS
from ..strings import text as tr
from ..style import OVERDUE, OVERDUE_MARK, highlighted
from ..wrap import wrap_text

OCCURRENCES_SHOWN = 6


def relation_name(relation: str) -> str:
    return tr(f"rel.{relation}") if f"rel.{relation}" in STRINGS else relation


def _section(text: Text, key: str) -> None:
    text.append(f"\n\n{tr(key)}\n", style="bold underline")


def _deadlines(text: Text, item, as_of: date) -> None:
    from kb.render.item import deadline_line

    for dl in item.deadlines:
        late = dl.kind == "date" and dl.date < as_of
        text.append((OVERDUE_MARK if late else "• ") + deadline_line(dl) + "\n", style=OVERDUE if late else "")
        dates = dl.occurrences() if dl.kind == "recurring" else []
        if dates:
            text.append("    ")
            for n, d in enumerate(dates[:OCCURRENCES_SHOWN]):
                text.append(", " if n else "")
                text.append(d.isoformat(), style=OVERDUE if d < as_of else "green")
            text.append(tr("in-all", n=len(dates)) + "\n" if len(dates) > OCCURRENCES_SHOWN else "\n")
    if not item.deadlines:
        text.append(tr("none-stated") + "\n", style="dim")


def item_text(item, base, terms: list[str], as_of: date) -> Text:
    """The whole item as one Text, wrapped by the pane (Rich wraps Chinese by cells)."""
    from kb.render.item import target_line

    text = Text()
    text.append(item.id, style="bold cyan")
    text.append(f"  {item.kind}", style="magenta")
    path = " › ".join(item.section + ((item.heading,) if item.heading else ()))
    if path:
        text.append("\n" + path, style="dim")
    if item.category:
        text.append(f"\n分类：{item.category}", style="dim")
    text.append("\n\n")
    text.append_text(highlighted(item.text, terms))
    if item.national:
        _section(text, "sec.national")
        text.append_text(highlighted("\n".join(item.national), terms))
    if item.standard:
        _section(text, "sec.standard")
        text.append_text(highlighted("\n".join(item.standard), terms))
    _section(text, "sec.summary")
    text.append_text(highlighted(item.summary, terms))
    if item.units:
        _section(text, "sec.units")
        for r in item.units:
            text.append("• " + (r.name or r.unit))
            if r.name_en:
                text.append(f"  {r.name_en}", style="dim")
            role = tr(f"role.{r.role}") if f"role.{r.role}" in STRINGS else r.role
            text.append(f"  {role}\n", style="bold green" if r.role == "lead" else "yellow")
    if item.targets:
        _section(text, "sec.targets")
        for t in item.targets:
            text.append("• " + target_line(t, base.registries) + "\n")
    _section(text, "sec.deadlines")
    _deadlines(text, item, as_of)
    _section(text, "sec.source")
    pages = tr("page", pages=", ".join(map(str, item.pages))) if item.pages else ""
    text.append(f"{item.source_file}{pages}\n", style="dim")
    text.append_text(highlighted("“" + ("\n".join(item.quote) or item.text) + "”", terms))
    if item.note:
        _section(text, "sec.note")
        text.append(item.note)
    for key, reason in item.absent:
        text.append("\n" + tr("absent", key=key, reason=reason), style="dim")
    return text


class LinkList(OptionList):
    """Parent, year actions, implements / implemented by, measures / measured by, same as."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ids: list[str] = []  # the item of each option, in order (an item may be linked twice)

    def show(self, related: list, base) -> None:
        self.ids = [r.id for r in related]
        self.clear_options()
        for r in related:
            name = relation_name(r.relation)
            prompt = Text.assemble((name + " " * max(1, 15 - cell_len(name)), "magenta"), (r.id, "cyan"),
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
