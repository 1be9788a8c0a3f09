"""A diff of two documents: the target pairs with their verdicts, and for the paired texts the
clause-level differences (added +, removed -, changed ~).

Metrics and customer classes are shown by name (电力接入工程审批时间, 居民用户), values compactly
(≤22工作日), and the dates in a column of their own that a narrow screen leaves out: the line
above the table then describes the highlighted pair in full, so nothing is lost at 80 columns.
Moving through the targets selects the text pair whose items state them, so the wording behind a
verdict is one glance away; Enter on either table opens the provincial item (else the national).
`v` shows one verdict at a time.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from ..messages import OpenItem
from ..strings import STRINGS, lang
from ..strings import text as tr
from ..style import CLAUSE
from .fitted_table import Column, FittedTable


def verdict_name(verdict: str) -> str:
    return tr(f"v.{verdict}") if f"v.{verdict}" in STRINGS else verdict


def term(registries, kind: str, ids: str | None) -> str:
    """The name of a metric or class (several joined by /) in the app's language; the id when the
    registry has none."""
    if not ids:
        return ""
    table = getattr(registries, kind, {})
    names = []
    for one in ids.split(" / "):
        found = table.get(one)
        names.append((found.en if lang() == "en" else found.zh) if found else one)
    return " / ".join(names)


def side_text(side) -> Text:
    """`≤15工作日` (a dash when there is none)."""
    if side is None:
        return Text("—", style="dim")
    unit = tr(f"u.{side.unit}") if f"u.{side.unit}" in STRINGS else f" {side.unit}"
    comparator = {"<=": "≤", ">=": "≥"}.get(side.comparator, side.comparator)
    return Text(f"{comparator}{side.value:g}{unit}")


def by_text(pair) -> Text:
    """The dates the two sides are due by: one date when they agree."""
    a = pair.national.by if pair.national else None
    b = pair.provincial.by if pair.provincial else None
    if a == b:
        return Text(a or "—", style="dim")
    return Text(f"{a or '—'}→{b or '—'}")


def ids_text(side) -> str:
    """The item stating a target, and how many more restate it."""
    if side is None:
        return ""
    return side.ids[0] + (f" +{len(side.ids) - 1}" if len(side.ids) > 1 else "")


def scope_text(pair, registries) -> str:
    parts = [term(registries, "customers", pair.customer), term(registries, "areas", pair.area),
             term(registries, "stages", pair.stage)]
    return " / ".join(p for p in parts if p) or "—"


def verdict_summary(diff, where: str | None = None, only: str | None = None) -> Text:
    from kb.render.diff import VERDICT_STYLE

    out = Text(f"{diff.a} {tr('vs')} {diff.b}", style="bold")
    if where:
        out.append(f"  {tr('where')} {where}", style="bold yellow")
    out.append(f"  {tr('target-pairs', n=len(diff.targets))}  ")
    for n, (verdict, count) in enumerate(diff.summary().items()):
        out.append(" · " if n else "")
        style = VERDICT_STYLE[verdict] + (" reverse" if verdict == only else "")
        out.append(f"{verdict_name(verdict)} {count}", style=style)
    out.append(f"   {tr('paired-texts', n=len(diff.texts))}")
    return out


def pair_line(pair, diff, registries) -> Text:
    """One target pair in full, for the line above the table."""
    from kb.render.diff import VERDICT_STYLE

    out = Text()
    out.append(term(registries, "metrics", pair.metric), style="bold")
    out.append(f" [{scope_text(pair, registries)}]  ")
    for doc, side in ((diff.a, pair.national), (diff.b, pair.provincial)):
        out.append(f"{doc} ", style="cyan")
        out.append_text(side_text(side))
        if side is not None and side.by:
            out.append(f" {side.by}", style="dim")
        out.append("  ")
    out.append(verdict_name(pair.verdict), style=VERDICT_STYLE[pair.verdict])
    return out


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


def clauses_plain(pair) -> str:
    """The changed clauses of a pair as plain text, for the clipboard."""
    lines = []
    for c in pair.clauses:
        mark = CLAUSE[c.op][0]
        if c.op == "changed":
            lines += [f"~ {c.national}", f"→ {c.provincial}"]
        elif c.op != "same":
            lines.append(f"{mark} {c.provincial if c.op == 'added' else c.national}")
    return "\n".join(lines) or pair.anchor


def first_id(*id_lists: list[str]) -> str | None:
    """The first id of the first non-empty list: the provincial side is passed first."""
    return next((ids[0] for ids in id_lists if ids), None)


class TargetTable(FittedTable):
    def show(self, diff, registries, only: str | None = None) -> None:
        from kb.render.diff import VERDICT_STYLE

        columns = [Column(tr("metric"), 10, grow=2, least=8), Column(tr("scope"), 8, grow=2), Column(diff.a, 9, grow=1),
                   Column(diff.b, 9, grow=1), Column(tr("verdict"), 8), Column(tr("by"), 21, drop=2),
                   Column(tr("items-col"), 30, grow=1, drop=1)]
        rows = []
        for p in diff.targets:
            if only and p.verdict != only:
                continue
            items = Text(ids_text(p.national), style="cyan") + Text(" → ", style="dim") + Text(ids_text(p.provincial), style="cyan")
            rows.append(((term(registries, "metrics", p.metric), scope_text(p, registries), side_text(p.national),
                          side_text(p.provincial), Text(verdict_name(p.verdict), style=VERDICT_STYLE[p.verdict]),
                          by_text(p), items), p))
        self.load(columns, rows)

    def on_data_table_row_selected(self, event: FittedTable.RowSelected) -> None:
        event.stop()
        pair = self.payload(event.cursor_row)
        if pair and (item_id := first_id(pair.provincial.ids if pair.provincial else [],
                                         pair.national.ids if pair.national else [])):
            self.post_message(OpenItem(item_id))

    def copy_value(self) -> str | None:
        pair = self.payload(self.cursor_row)
        return first_id(pair.provincial.ids if pair.provincial else [], pair.national.ids if pair.national else []) if pair else None


class TextPairTable(FittedTable):
    def show(self, diff) -> None:
        rows = []
        for t in diff.texts:
            counts = t.counts()
            changes = Text.assemble((f"~{counts['changed']} ", "yellow"), (f"-{counts['removed']} ", "red"),
                                    (f"+{counts['added']}", "green"))
            rows.append(((t.anchor, ", ".join(t.provincial_ids), changes), t))
        anchor = max((len(t.anchor) for t in diff.texts), default=11)
        self.load([Column(tr("anchor"), min(max(anchor, 8), 24)), Column(diff.b, 10, grow=1, drop=1),
                   Column(tr("changes"), 10)], rows)

    def on_data_table_row_selected(self, event: FittedTable.RowSelected) -> None:
        event.stop()
        pair = self.payload(event.cursor_row)
        if pair and (item_id := first_id(pair.provincial_ids, pair.national_ids)):
            self.post_message(OpenItem(item_id))

    def copy_value(self) -> str | None:
        pair = self.payload(self.cursor_row)
        return pair.anchor if pair else None


class DiffView(Vertical):
    DEFAULT_CSS = """
    DiffView { height: 1fr; }
    DiffView #pair-line { height: 1; padding: 0 2; text-wrap: nowrap; text-overflow: ellipsis; }
    DiffView TargetTable { height: 1fr; }
    DiffView #texts { height: 1fr; }
    DiffView TextPairTable { width: 1fr; min-width: 31; max-width: 56; height: 1fr; }
    DiffView #clauses { width: 2fr; height: 1fr; }
    """

    class PairHighlighted(Message):
        def __init__(self, pair) -> None:
            super().__init__()
            self.pair = pair

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.diff = None
        self.registries = None
        self.pair = None  # the text pair shown in the clauses pane

    def compose(self) -> ComposeResult:
        yield Static(id="pair-line")
        yield TargetTable(id="targets")
        with Horizontal(id="texts"):
            yield TextPairTable(id="text-pairs")
            with VerticalScroll(id="clauses"):
                yield Static(id="clause-text")

    def show(self, diff, registries, only: str | None = None) -> None:
        self.diff, self.registries = diff, registries
        self.query_one(TargetTable).show(diff, registries, only)
        self.query_one(TextPairTable).show(diff)
        self.query_one("#pair-line", Static).update("")
        if not diff.texts:
            self.pair = None
            self._clauses(Text(tr("no-texts", a=diff.a, b=diff.b), style="dim"))

    def _clauses(self, content) -> None:
        self.query_one("#clause-text", Static).update(content)
        self.query_one("#clauses").scroll_home(animate=False)

    def on_data_table_row_highlighted(self, event: FittedTable.RowHighlighted) -> None:
        event.stop()
        table = event.data_table
        if isinstance(table, TextPairTable) and (pair := table.payload(event.cursor_row)):
            self.pair = pair
            self._clauses(clauses_text(pair, self.diff.a, self.diff.b))
        elif isinstance(table, TargetTable) and (target := table.payload(event.cursor_row)):
            self.query_one("#pair-line", Static).update(pair_line(target, self.diff, self.registries))
            ids = set((target.national.ids if target.national else []) + (target.provincial.ids if target.provincial else []))
            texts = self.query_one(TextPairTable)
            match = next((n for n, t in enumerate(texts.payloads) if ids & set(t.national_ids + t.provincial_ids)), None)
            if match is not None:
                texts.move_cursor(row=match)
