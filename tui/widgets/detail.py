"""One item in full: its text (search hits highlighted), the national column or completion
standard where it has one, the English summary, units and roles, targets, deadlines with their
first occurrences, the source and quote; below, the items linked to it, each a jump away."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static

from ..messages import OpenItem
from ..style import OVERDUE, OVERDUE_MARK, highlighted

OCCURRENCES_SHOWN = 6
RELATION_NAMES = {"parent": "parent", "year-action": "year action", "part": "part", "implements": "implements",
                  "implemented-by": "implemented by", "measures": "measures", "measured-by": "measured by",
                  "same-as": "same as"}


def _section(text: Text, title: str) -> None:
    text.append(f"\n\n{title}\n", style="bold underline")


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
            text.append(f" … ({len(dates)} in all)\n" if len(dates) > OCCURRENCES_SHOWN else "\n")
    if not item.deadlines:
        text.append("none stated\n", style="dim")


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
        _section(text, "National (1479) column")
        text.append_text(highlighted("\n".join(item.national), terms))
    if item.standard:
        _section(text, "Completion standard")
        text.append_text(highlighted("\n".join(item.standard), terms))
    _section(text, "Summary")
    text.append_text(highlighted(item.summary, terms))
    if item.units:
        _section(text, "Units")
        for r in item.units:
            text.append("• " + (r.name or r.unit))
            if r.name_en:
                text.append(f"  {r.name_en}", style="dim")
            text.append(f"  {r.role}\n", style="bold green" if r.role == "lead" else "yellow")
    if item.targets:
        _section(text, "Targets")
        for t in item.targets:
            text.append("• " + target_line(t, base.registries) + "\n")
    _section(text, "Deadlines")
    _deadlines(text, item, as_of)
    _section(text, "Source")
    pages = f", page {', '.join(map(str, item.pages))}" if item.pages else ""
    text.append(f"{item.source_file}{pages}\n", style="dim")
    text.append_text(highlighted("“" + ("\n".join(item.quote) or item.text) + "”", terms))
    if item.note:
        _section(text, "Note")
        text.append(item.note)
    for key, reason in item.absent:
        text.append(f"\nabsent {key}: {reason}", style="dim")
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
            prompt = Text.assemble((f"{RELATION_NAMES[r.relation]:<15}", "magenta"), (r.id, "cyan"),
                                   "  " + base.items[r.id].summary)
            self.add_option(prompt)
        self.border_title = f"Linked items ({len(related)})"
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
