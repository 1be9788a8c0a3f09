"""A diff of two documents: the target pairs with their verdicts, and for the paired texts the
clause-level differences (added +, removed -, changed ~).

Moving through the targets selects the text pair whose items state them, so the wording behind a
verdict is one glance away; Enter on either table opens the provincial item (else the national).
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from ..messages import OpenItem
from ..style import CLAUSE
from .fitted_table import Column, FittedTable


def side_text(side) -> Text:
    """`<= 15 workday 2021-12-31` (the date it is due by, dim); a dash when there is none."""
    if side is None:
        return Text("—", style="dim")
    text = Text(f"{side.comparator} {side.value:g} {side.unit}")
    if side.by:
        text.append(f" {side.by}", style="dim")
    return text


def ids_text(side) -> str:
    """The item stating a target, and how many more restate it."""
    if side is None:
        return ""
    return side.ids[0] + (f" +{len(side.ids) - 1}" if len(side.ids) > 1 else "")


def verdict_summary(diff) -> Text:
    from kb.render.diff import VERDICT_STYLE

    text = Text(f"{diff.a} vs {diff.b}: {len(diff.targets)} target pairs  ")
    for n, (verdict, count) in enumerate(diff.summary().items()):
        text.append(" · " if n else "")
        text.append(f"{verdict} {count}", style=VERDICT_STYLE[verdict])
    text.append(f"   {len(diff.texts)} paired texts")
    return text


def clauses_text(pair, a: str, b: str) -> Group:
    """The clauses of a text pair as a two-column grid (mark, clause), so that a long Chinese
    clause wraps under itself instead of under the mark."""
    counts = pair.counts()
    head = Text()
    head.append(pair.anchor, style="bold cyan")
    head.append(f"  {a}: {', '.join(pair.national_ids)}  {b}: {', '.join(pair.provincial_ids)}\n", style="dim")
    head.append(" · ".join(f"{op} {counts[op]}" for op in ("same", "changed", "removed", "added")), style="dim")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=1, no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for c in pair.clauses:
        mark, style = CLAUSE[c.op]
        source = Text(f"  [{c.source}]", style="cyan") if c.source and c.op != "same" else Text()
        if c.op == "changed":
            grid.add_row(Text(mark, style=style), Text(c.national, style=style))
            grid.add_row(Text("→", style=style), Text(c.provincial, style=style) + source)
        else:
            grid.add_row(Text(mark, style=style), Text(c.provincial if c.op == "added" else c.national, style=style) + source)
    return Group(head, Text(), grid)


def first_id(*id_lists: list[str]) -> str | None:
    """The first id of the first non-empty list: the provincial side is passed first."""
    return next((ids[0] for ids in id_lists if ids), None)


class TargetTable(FittedTable):
    def show(self, diff) -> None:
        from kb.render.diff import VERDICT_STYLE

        columns = [Column("metric", 12, grow=2), Column("class", 9, grow=2), Column(diff.a, 14, grow=3),
                   Column(diff.b, 14, grow=3), Column("verdict", 14), Column("items", 44, grow=1, drop=1)]
        rows = []
        for p in diff.targets:
            scope = " / ".join(x for x in (p.customer, p.area, p.stage) if x) or "—"
            items = Text(ids_text(p.national), style="cyan") + Text(" → ", style="dim") + Text(ids_text(p.provincial), style="cyan")
            rows.append(((p.metric, scope, side_text(p.national), side_text(p.provincial),
                          Text(p.verdict, style=VERDICT_STYLE[p.verdict]), items), p))
        self.load(columns, rows)

    def on_data_table_row_selected(self, event: FittedTable.RowSelected) -> None:
        event.stop()
        pair = self.payload(event.cursor_row)
        if pair and (item_id := first_id(pair.provincial.ids if pair.provincial else [],
                                         pair.national.ids if pair.national else [])):
            self.post_message(OpenItem(item_id))


class TextPairTable(FittedTable):
    def show(self, diff) -> None:
        rows = []
        for t in diff.texts:
            counts = t.counts()
            changes = Text.assemble((f"~{counts['changed']} ", "yellow"), (f"-{counts['removed']} ", "red"),
                                    (f"+{counts['added']}", "green"))
            rows.append(((t.anchor, ", ".join(t.provincial_ids), changes), t))
        self.load([Column("anchor", 11), Column(diff.b, 10, grow=1, drop=1), Column("changes", 11)], rows)

    def on_data_table_row_selected(self, event: FittedTable.RowSelected) -> None:
        event.stop()
        pair = self.payload(event.cursor_row)
        if pair and (item_id := first_id(pair.provincial_ids, pair.national_ids)):
            self.post_message(OpenItem(item_id))


class DiffView(Vertical):
    DEFAULT_CSS = """
    DiffView { height: 1fr; }
    DiffView TargetTable { height: 1fr; }
    DiffView #texts { height: 1fr; }
    DiffView TextPairTable { width: 1fr; min-width: 24; max-width: 48; height: 1fr; }
    DiffView #clauses { width: 2fr; height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield TargetTable(id="targets")
        with Horizontal(id="texts"):
            yield TextPairTable(id="text-pairs")
            with VerticalScroll(id="clauses"):
                yield Static(id="clause-text")

    def show(self, diff) -> None:
        self.diff = diff
        self.query_one(TargetTable).show(diff)
        self.query_one(TextPairTable).show(diff)
        if not diff.texts:
            self._clauses(Text(f"No paired texts: no 1479 item is implemented by both {diff.a} and {diff.b} "
                               "(links.yaml).", style="dim"))

    def _clauses(self, content) -> None:
        self.query_one("#clause-text", Static).update(content)
        self.query_one("#clauses").scroll_home(animate=False)

    def on_data_table_row_highlighted(self, event: FittedTable.RowHighlighted) -> None:
        event.stop()
        table = event.data_table
        if isinstance(table, TextPairTable) and (pair := table.payload(event.cursor_row)):
            self._clauses(clauses_text(pair, self.diff.a, self.diff.b))
        elif isinstance(table, TargetTable) and (target := table.payload(event.cursor_row)):
            ids = set((target.national.ids if target.national else []) + (target.provincial.ids if target.provincial else []))
            texts = self.query_one(TextPairTable)
            match = next((n for n, t in enumerate(texts.payloads) if ids & set(t.national_ids + t.provincial_ids)), None)
            if match is not None:
                texts.move_cursor(row=match)
