"""A diff: a terminal table, JSON, CSV (one row per target pair), or a Markdown report for a briefing.

Metrics, customer/area classes, stages and verdicts are printed by name in the language of the
run (Chinese by default); JSON and CSV keep the ids (JSON gains the names beside them)."""

from __future__ import annotations

from kb.core.jsonout import dumps
from kb.core.tables import csv_text, md_table
from kb.render.i18n import is_zh, label, term_name, value_text, verdict_name
from kb.render.registry import renderer
from kb.render.wrap import fill, wrap_lines

VERDICT_STYLE = {
    "stricter": "bold green", "same": "dim", "looser": "bold red", "earlier": "green", "later": "red",
    "narrower-scope": "yellow", "broader-scope": "cyan", "only-national": "magenta", "value-absent": "dim magenta",
    "only-provincial": "blue",
}


def _num(value: float, unit: str) -> str:
    return value_text(value, unit)


def _cmp(comparator: str) -> str:
    return {"<=": "≤", ">=": "≥"}.get(comparator, comparator) if is_zh() else comparator


def _value(side) -> str:
    if side is None:
        return "—"
    text = f"{_cmp(side.comparator)} {_num(side.value, side.unit)}"
    if side.alternative:
        a = side.alternative
        text += f" ({label('diff.or')} {_cmp(a['comparator'])} {_num(a['value'], a['unit'])})"
    return text + (f" {label('diff.by', date=side.by)}" if side.by else "")


def _ids(side) -> str:
    if side is None:
        return ""
    more = f" +{len(side.ids) - 1}" if len(side.ids) > 1 else ""
    return side.ids[0] + more


def class_text(pair) -> str:
    """The customer class / area class / stage of a pair, by name."""
    parts = []
    for kind, x in (("customer", pair.customer), ("area", pair.area), ("stage", pair.stage)):
        if x:  # a scope difference pairs two classes: "a / b"
            parts.append(" / ".join(term_name(kind, one) for one in x.split(" / ")))
    return " / ".join(parts) or "—"


def _counts(t) -> str:
    counts = t.counts()
    return label("diff.counts", same=counts["same"], changed=counts["changed"], removed=counts["removed"],
                 added=counts["added"])


def clause_lines(c, width: int) -> list[tuple[str, str]]:
    """The lines of one differing clause, wrapped with a hanging indent, each with its style."""
    src = f"  [{c.source}]"
    if c.op == "added":
        return [(line, "green") for line in wrap_lines(f"+ {c.provincial}{src}", width, indent="  ", hang=2)]
    if c.op == "removed":
        return [(line, "red") for line in wrap_lines(f"- {c.national}", width, indent="  ", hang=2)]
    return [(line, "yellow") for line in wrap_lines(f"~ {c.national}", width, indent="  ", hang=2)
            + wrap_lines(f"→ {c.provincial}{src}", width, indent="    ", hang=2)]


def _pair_ids(side) -> str:
    return " ".join(side.ids) if side else ""


def _pair_value(side) -> str:
    if side is None:
        return ""
    return f"{side.comparator} {side.value:g} {side.unit}" + (f" by {side.by}" if side.by else "")


def _diff(result):
    """A `Diff`, whether given as one or as the result of a `diff` query."""
    return getattr(result, "diff", None) or result


@renderer("diff", "json")
def diff_json(result, ctx) -> str:
    return dumps(_diff(result).to_dict(), ensure_ascii=False, indent=2) + "\n"


@renderer("diff", "csv")
def diff_csv(result, ctx) -> str:
    """One row per target pair; the value columns are named after the two documents. Ids and
    slugs, as a program reads them (the names are in the JSON and the tables)."""
    diff = _diff(result)
    header = ["metric", "customer", "area", "stage", f"{diff.a}_ids", f"{diff.a}_value",
              f"{diff.b}_ids", f"{diff.b}_value", "verdict", "note"]
    rows = ([p.metric, p.customer or "", p.area or "", p.stage or "", _pair_ids(p.national), _pair_value(p.national),
             _pair_ids(p.provincial), _pair_value(p.provincial), p.verdict, p.note] for p in diff.targets)
    return csv_text(header, rows, bom=ctx.bom)


NARROW = 72  # below this many columns a five-column table has cells too narrow for a word


@renderer("diff", "table")
def diff_table(result, ctx) -> None:
    """The notice, the verdict counts, the target pairs (a table, or blocks on a narrow terminal),
    then the clauses that differ, every line wrapped by the Chinese rules."""
    from rich.text import Text

    from kb.render.wrap import Wrapped

    result = _diff(result)
    console = ctx.console()
    if result.notice:
        console.print(Text(f"{label('diff.note')}: ", style="yellow") + Text(result.notice))
    sep, colon = ("，", "：") if is_zh() else (", ", ": ")
    summary = sep.join(f"{verdict_name(v)}{colon}{n}" for v, n in result.summary().items())
    console.print(Wrapped(Text(label("diff.title", a=result.a, b=result.b), style="bold") + "  "
                          + label("diff.targets", n=len(result.targets), summary=summary)))
    if console.width < NARROW:
        _pairs_as_blocks(result, console)
    else:
        _pairs_table(result, console)
    for t in result.texts:
        _text_clauses(console, t)


def _text_clauses(console, t) -> None:
    from rich.text import Text

    console.print(Text(f"\n{t.anchor}", style="bold")
                  + f"  {', '.join(t.national_ids)} ↔ {', '.join(t.provincial_ids)}  {_counts(t)}")
    for c in t.clauses:
        if c.op != "same":
            for line, style in clause_lines(c, console.width):
                console.print(Text(line, style=style), overflow="ignore", crop=False)


def _pairs_as_blocks(result, console) -> None:
    """The target pairs one block each, for a narrow terminal: every line wrapped by the rules."""
    from rich.text import Text

    colon = "：" if is_zh() else ": "
    for p in result.targets:
        console.print()
        console.print(Text(fill(f"{term_name('metric', p.metric)}  {class_text(p)}", console.width, hang=2), style="bold"))
        for doc, side in ((result.a, p.national), (result.b, p.provincial)):
            console.print(fill(f"{doc}{colon}{_value(side)}  {_ids(side)}", console.width, indent="  ", hang=2))
        console.print(Text(fill(f"{label('col.verdict')}{colon}{verdict_name(p.verdict)}", console.width, indent="  ", hang=2),
                           style=VERDICT_STYLE[p.verdict]))


def _pairs_table(result, console) -> None:
    from rich.table import Table
    from rich.text import Text

    from kb.render.wrap import Wrapped

    table = Table(header_style="bold", expand=True)
    table.add_column(label("col.metric"), ratio=2)
    table.add_column(label("col.class"), ratio=2)
    table.add_column(result.a, ratio=2)
    table.add_column(result.b, ratio=2)
    table.add_column(label("col.verdict"), no_wrap=True)
    for p in result.targets:
        table.add_row(Wrapped(term_name("metric", p.metric), hang=0), Wrapped(class_text(p), hang=0),
                      Wrapped(_value(p.national) + "\n" + _ids(p.national), hang=0),
                      Wrapped(_value(p.provincial) + "\n" + _ids(p.provincial), hang=0),
                      Text(verdict_name(p.verdict), style=VERDICT_STYLE[p.verdict]))
    console.print(table)


@renderer("diff", "md")
def diff_md(result, ctx) -> str:
    return markdown(_diff(result))


def _clause_md(c) -> str | None:
    if c.op == "added":
        return label("diff.md_added", source=c.source, text=c.provincial)
    if c.op == "removed":
        return label("diff.md_removed", text=c.national)
    if c.op == "changed":
        return label("diff.md_changed", old=c.national, new=c.provincial, source=c.source)
    return None


def markdown(result) -> str:
    """A report for a briefing: the verdict counts, the target pairs, the clauses that differ."""
    out = [label("diff.md_title", a=result.a, b=result.b), ""]
    if result.notice:
        out += [label("diff.md_note", note=result.notice), ""]
    out += md_table([label("col.verdict"), label("col.pairs")], ((verdict_name(v), n) for v, n in result.summary().items()))
    text_counts = {op: sum(t.counts()[op] for t in result.texts) for op in ("added", "removed", "changed")}
    out += ["", label("diff.md_texts", n=len(result.texts), **text_counts), "", label("diff.md_targets"), ""]
    rows = ([term_name("metric", p.metric), class_text(p), f"{_value(p.national)} {_ids(p.national)}",
             f"{_value(p.provincial)} {_ids(p.provincial)}", f"**{verdict_name(p.verdict)}**", p.note] for p in result.targets)
    out += md_table([label("col.metric"), label("col.class"), result.a, result.b, label("col.verdict"), label("col.note")], rows)
    out += ["", label("diff.md_texts_head"), ""]
    for t in result.texts:
        out.append(f"### {t.anchor} ({', '.join(t.national_ids)} ↔ {', '.join(t.provincial_ids)})")
        out.append("")
        out += [line for line in map(_clause_md, t.clauses) if line]
        if all(c.op == "same" for c in t.clauses):
            out.append(label("diff.md_no_change"))
        out.append("")
    return "\n".join(out)
