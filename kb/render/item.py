"""One item for people: a layout built once, shown as plain text by `powerkb show` and as rich
Text by the TUI's detail pane, so that both list the same things in the same order.

The layout is a list of sections, each a (key, title, lines) triple; a line is a tuple of spans,
each a piece of text with a *meaning* for its style ("id", "dim", "lead", "overdue", ...), not a
colour: the plain-text form drops the styles, the rich form maps them to colours (the TUI passes
its own), and marks search hits in the spans that hold the item's own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kb.core.jsonout import dumps
from kb.model.entities import Item
from kb.render.i18n import is_zh, kind_name, label, relation_name, role_name, term_name, value_text
from kb.render.registry import renderer
from kb.render.wrap import fill

OCCURRENCES_SHOWN = 6


@dataclass(frozen=True)
class Span:
    text: str
    style: str = ""  # a meaning: "" | id | kind | dim | lead | cooperate | overdue | future | relation
    words: bool = False  # the item's own words: search hits are marked here


Line = tuple[Span, ...]


@dataclass(frozen=True)
class Section:
    key: str  # what the section holds; its title is label("item." + key)
    lines: tuple[Line, ...]
    titled: bool = True  # the head and the text itself go without a title

    @property
    def title(self) -> str:
        return label("item." + self.key)


@dataclass
class ItemLayout:
    """An item laid out for reading; `render(layout, "text" | "json" | "md")` writes it."""

    item: Item
    sections: list[Section] = field(default_factory=list)
    result_type = "item"

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


# --- the plain lines every front-end shares ----------------------------------------------------

def target_line(t, registries=None) -> str:
    """A target by name: 全过程办电时间 [居民用户] ≤ 4个工作日 2021-12-31前."""
    parts = [term_name("metric", t.metric, registries=registries)]
    qual = [term_name(kind, x, registries=registries) for kind, x in (("customer", t.customer), ("area", t.area), ("stage", t.stage)) if x]
    if qual:
        parts.append("[" + ("、" if is_zh() else ", ").join(qual) + "]")
    cmp = {"<=": "≤", ">=": "≥"}.get(t.comparator, t.comparator) if is_zh() else t.comparator
    parts.append(f"{cmp} {value_text(t.value, t.unit)}")
    if t.by:
        parts.append(label("show.by", date=t.by.isoformat()))
    if t.from_:
        parts.append(label("show.from", date=t.from_.isoformat()))
    if t.alternative:
        a = t.alternative
        other = term_name("metric", a.metric, registries=registries)
        parts.append(f"{label('show.or')} {other} {a.comparator} {value_text(a.value, a.unit)}")
    return " ".join(parts)


def deadline_line(dl) -> str:
    if dl.kind == "date":
        when = dl.date.isoformat() if not dl.start else f"{dl.start.isoformat()} .. {dl.date.isoformat()}"
    elif dl.kind == "ongoing":
        when = label("deadline.ongoing")
    else:
        on = dl.on if isinstance(dl.on, str) or dl.on is None else ", ".join(dl.on)
        every = label(f"every.{dl.every}") if not label(f"every.{dl.every}").startswith("every.") else dl.every
        when = label("show.every", every=every) + (label("show.on", on=on) if on else label("show.no_day"))
        if dl.first:
            when += label("show.first", date=dl.first.isoformat())
        if dl.until:
            when += label("show.until", date=dl.until.isoformat())
    extra = f" [{dl.scope}]" if dl.scope else ""
    return f"{when} ({dl.phrase}){extra}"


def pad_cells(text: str, cells: int) -> str:
    """`text` padded to `cells` terminal cells (a Chinese character takes two)."""
    from rich.cells import cell_len

    return text + " " * max(1, cells - cell_len(text))


# --- the layout --------------------------------------------------------------------------------

def _words(lines) -> tuple[Line, ...]:
    return tuple((Span(line, words=True),) for line in lines)


def _head(item: Item) -> Section:
    lines: list[Line] = [(Span(item.id, "id"), Span(f"  {kind_name(item.kind)}", "kind"))]
    path = " › ".join(item.section + ((item.heading,) if item.heading else ()))
    if path:
        lines.append((Span(path, "dim"),))
    if item.category:
        lines.append((Span(f"{label('item.category')}：{item.category}", "dim"),))
    return Section("head", tuple(lines), titled=False)


def _units(item: Item) -> Section:
    lines = []
    for r in item.units:
        name = r.name or r.unit
        line = [Span("• " + name)]
        if r.name_en:
            line.append(Span(f"  {r.name_en}", "dim"))
        line.append(Span(f"  {role_name(r.role)}", "lead" if r.role == "lead" else "cooperate"))
        if r.written_role:
            line.append(Span(f" ({r.written_role}{'，' + r.column if r.column else ''})", "dim"))
        if r.as_written and r.as_written != name:
            line.append(Span(f"  [{label('item.as-written')}: {r.as_written}]", "dim"))
        if r.note:
            line.append(Span(f"  ({r.note})", "dim"))
        lines.append(tuple(line))
    return Section("units", tuple(lines))


def _targets(item: Item) -> Section:
    lines = []
    for t in item.targets:
        lines.append((Span("• " + target_line(t)),))
        lines.append((Span("    “", "dim"), Span(t.quote, "dim", words=True), Span("”", "dim")))
        if t.note:
            lines.append((Span(f"    {t.note}", "dim"),))
    for lost in item.lost_targets:
        what = " ".join(term_name(kind, x) for kind, x in (("metric", lost.metric), ("customer", lost.customer),
                                                            ("stage", lost.stage)) if x)
        lines.append((Span(f"• {what}: {label('item.value-lost')}", "dim"),))
        lines.append((Span("    “", "dim"), Span(lost.quote, "dim", words=True), Span(f"” {lost.reason}", "dim")))
    return Section("targets", tuple(lines))


def _fields(item: Item) -> Section:
    lines = []
    for f in item.fields:
        where = f.part + (f" / {f.group}" if f.group else "") + ((", " + label("item.unit-of", unit=f.unit)) if f.unit else "")
        line = [Span("• "), Span(f.name, words=True), Span(f"  [{where}]", "dim")]
        if f.en:
            line.append(Span(f"  {f.en}", "dim"))
        lines.append(tuple(line))
    return Section("fields", tuple(lines))


def _occurrences(dl, as_of: date | None) -> Line:
    dates = dl.occurrences() if dl.kind == "recurring" else []
    if not dates:
        return ()
    spans = [Span("    ")]
    for n, d in enumerate(dates[:OCCURRENCES_SHOWN]):
        spans += [Span(", ")] if n else []
        spans.append(Span(d.isoformat(), "" if as_of is None else ("overdue" if d < as_of else "future")))
    if len(dates) > OCCURRENCES_SHOWN:
        spans.append(Span(f" … ({label('item.in-all', n=len(dates))})"))
    return tuple(spans)


def _parties(parties, units) -> str:
    def one(p):
        u = units.get(p.unit) if units else None
        name = u.zh if u else p.unit
        return name + (f" [{label('item.as-written')}: {p.as_written}]" if p.as_written != name else "") + \
            (f" ({label('item.inferred')})" if p.basis == "inferred" else "") + (f" ({p.note})" if p.note else "")
    return "、".join(one(p) for p in parties)


def duty_lines(dl, units) -> list[Line]:
    """Who a deadline binds, who receives it, how sure its date is and why it ends: the lines under
    a deadline, so a reader sees an inference beside the date it produced (both readings of an
    ambiguous phrase are shown, never only a YAML note)."""
    lines: list[Line] = []
    if dl.subjects:
        lines.append((Span(f"    {label('item.binds')}: "), Span(_parties(dl.subjects, units), words=True)))
    if dl.recipients:
        lines.append((Span(f"    {label('item.reports-to')}: "), Span(_parties(dl.recipients, units), words=True)))
    if dl.basis == "inferred":
        lines.append((Span(f"    {label('item.inferred')}: {dl.reason}", "inferred"),))
    for r in dl.other_readings:
        lines.append((Span(f"    {label('item.other-reading')}: {r.date.isoformat()} ({r.reason})", "inferred"),))
    if dl.until_basis and dl.until:
        lines.append((Span(f"    {label('item.ends')} {dl.until.isoformat()} ({dl.until_basis}): {dl.until_reason}", "dim"),))
    return lines


def _deadlines(item: Item, as_of: date | None, units=None) -> Section:
    lines: list[Line] = []
    for dl in item.deadlines:
        late = as_of is not None and dl.kind == "date" and dl.date < as_of
        lines.append((Span("• ", "overdue-mark" if late else ""), Span(deadline_line(dl), "overdue" if late else "")))
        more = _occurrences(dl, as_of)
        if more:
            lines.append(more)
        lines += duty_lines(dl, units)
    if not item.deadlines:
        lines.append((Span(label("item.deadline-none"), "dim"),))
    return Section("deadlines", tuple(lines))


def _source(item: Item) -> Section:
    pages = (("，" if is_zh() else ", ") + label("item.pages", pages=", ".join(map(str, item.pages)))) if item.pages else ""
    quote = item.quote or item.pieces
    lines = [(Span(f"{item.source_file}{pages}", "dim"),)]
    lines += [(Span("“"), Span(q, words=True), Span("”")) for q in quote]
    return Section("source", tuple(lines))


def _linked(base, item: Item) -> Section:
    from kb.analysis.outline import related

    lines = []
    conflicts = {}
    for link in base.links:
        if link.conflict and item.id in (link.src, link.dst):
            conflicts[link.dst if link.src == item.id else link.src] = link.conflict
    for r in related(base, item.id):
        lines.append((Span(pad_cells(relation_name(r.relation), 15), "relation"), Span(r.id, "id"),
                      Span("  " + base.items[r.id].summary)))
        if r.id in conflicts:
            lines.append((Span(f"{'':<15}{label('item.date-conflict')}: {conflicts[r.id]}", "overdue"),))
    return Section("linked", tuple(lines))


def layout(item: Item, base=None, as_of: date | None = None, *, links: bool = True) -> ItemLayout:
    """The sections of `item`, in reading order; empty ones are left out. With `base`, the
    items linked to it (parent, year actions or parts, links both ways) come last; `as_of`
    marks the deadlines before it as overdue."""
    sections = [_head(item), Section("text", _words(item.pieces), titled=False)]
    if item.national:
        sections.append(Section("national", _words(item.national)))
    if item.standard:
        sections.append(Section("standard", _words(item.standard)))
    sections.append(Section("summary", _words([item.summary])))
    units = base.units if base is not None else None
    sections += [_fields(item), _units(item), _targets(item), _deadlines(item, as_of, units), _source(item)]
    if item.note:
        sections.append(Section("note", ((Span(item.note),),)))
    sections.append(Section("absent", tuple((Span(f"{k}: {why}", "dim"),) for k, why in item.absent)))
    if links and base is not None:
        sections.append(_linked(base, item))
    return ItemLayout(item, [s for s in sections if s.lines])


# --- renderers ---------------------------------------------------------------------------------

def _plain(line: Line) -> str:
    return "".join(s.text for s in line)


@renderer("item", "text", "table")
def item_text(lay: ItemLayout, ctx) -> str:
    """`powerkb show`: untitled sections as they are, the others under their title, indented;
    every line wrapped to the width by the Chinese line-breaking rules (kb.core.wrap)."""
    width = ctx.text_width()
    out: list[str] = []
    for s in lay.sections:
        hang = 0 if s.key == "text" else 2
        if s.titled:
            out += ["", s.title + ("：" if is_zh() else ":")] + [fill(_plain(line), width, indent="  ", hang=2) for line in s.lines]
        else:
            out += ([""] if out else []) + [fill(_plain(line), width, hang=hang) for line in s.lines]
    return "\n".join(out) + "\n"


def show_text(item: Item, base, width: int = 100) -> str:
    """One item for a person, as `powerkb show` prints it at `width` columns."""
    from kb.render.registry import render

    return render(layout(item, base), "text", width=width).rstrip("\n")


@renderer("item", "md")
def item_md(lay: ItemLayout, ctx) -> str:
    out: list[str] = []
    for s in lay.sections:
        if s.key == "head":
            out += [f"# {_plain(s.lines[0])}", ""] + [_plain(line) + "  " for line in s.lines[1:]]
        elif s.titled:
            out += ["", f"## {s.title}", ""] + [_plain(line).replace("• ", "- ", 1) for line in s.lines]
        else:
            out += [""] + [_plain(line) for line in s.lines]
    return "\n".join(out) + "\n"


@renderer("item", "json")
def item_json(lay: ItemLayout, ctx) -> str:
    return dumps(lay.item.to_dict(), ensure_ascii=False, indent=2) + "\n"


STYLES = {"id": "bold cyan", "kind": "magenta", "dim": "dim", "lead": "bold green", "cooperate": "yellow",
          "overdue": "bold red", "overdue-mark": "bold red", "future": "green", "relation": "magenta"}
"""The rich style of each meaning; a front-end passes its own to `to_rich`."""


def to_rich(lay: ItemLayout, terms=(), styles: dict | None = None, marks: dict | None = None):
    """The layout as one rich Text: titled sections under a bold underlined title, search hits
    (`terms`) marked in the item's own words. `marks` replaces a span's text by meaning (the
    TUI's overdue mark)."""
    from rich.text import Text

    styles = {**STYLES, **(styles or {})}
    hit = styles.get("hit", "bold yellow")
    words = [t.strip() for t in terms if t.strip()]
    text = Text()
    for n, s in enumerate(lay.sections):
        if s.titled:
            text.append(f"\n\n{s.title}\n", style="bold underline")
        elif n:
            text.append("\n\n")
        for k, line in enumerate(s.lines):
            text.append("\n" if k else "")
            for span in line:
                piece = Text((marks or {}).get(span.style, span.text), style=styles.get(span.style, ""))
                if span.words and words:
                    piece.highlight_words(words, style=hit)
                text.append_text(piece)
    return text
