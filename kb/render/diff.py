"""A diff: a terminal table, JSON, CSV (one row per target pair), or a Markdown report for a briefing."""

from __future__ import annotations

import json

from kb.core.tables import csv_text, md_table
from kb.render.labels import label
from kb.render.registry import renderer

VERDICT_STYLE = {
    "stricter": "bold green", "same": "dim", "looser": "bold red", "earlier": "green", "later": "red",
    "narrower-scope": "yellow", "broader-scope": "cyan", "only-national": "magenta", "value-absent": "dim magenta", "only-provincial": "blue",
}


def _value(side) -> str:
    if side is None:
        return "—"
    text = f"{side.comparator} {side.value:g} {side.unit}"
    if side.alternative:
        a = side.alternative
        text += f" (or {a['comparator']} {a['value']:g} {a['unit']})"
    return text + (f" by {side.by}" if side.by else "")


def _ids(side) -> str:
    if side is None:
        return ""
    more = f" +{len(side.ids) - 1}" if len(side.ids) > 1 else ""
    return side.ids[0] + more


def _class(pair) -> str:
    return " / ".join(x for x in (pair.customer, pair.area, pair.stage) if x) or "—"


def _pair_ids(side) -> str:
    return " ".join(side.ids) if side else ""


def _pair_value(side) -> str:
    if side is None:
        return ""
    return f"{side.comparator} {side.value:g} {side.unit}" + (f" by {side.by}" if side.by else "")


def by_verdict(pairs) -> list[tuple[str, list]]:
    """Target pairs grouped by verdict, in the order of VERDICTS (stricter first … only-provincial),
    each group in the diff's own order: what a reader scans for first comes first."""
    from kb.analysis.diff import VERDICTS

    groups: dict[str, list] = {}
    for p in pairs:
        groups.setdefault(p.verdict, []).append(p)
    rank = {v: n for n, v in enumerate(VERDICTS)}
    return sorted(groups.items(), key=lambda g: rank.get(g[0], len(rank)))


def _sorted(pairs) -> list:
    return [p for _, group in by_verdict(pairs) for p in group]


def _diff(result):
    """A `Diff`, whether given as one or as the result of a `diff` query."""
    return getattr(result, "diff", None) or result


@renderer("diff", "json")
def diff_json(result, ctx) -> str:
    return json.dumps(_diff(result).to_dict(), ensure_ascii=False, indent=2) + "\n"


@renderer("diff", "csv")
def diff_csv(result, ctx) -> str:
    """One row per target pair; the value columns are named after the two documents."""
    diff = _diff(result)
    header = ["metric", "customer", "area", "stage", f"{diff.a}_ids", f"{diff.a}_value",
              f"{diff.b}_ids", f"{diff.b}_value", "verdict", "note"]
    rows = ([p.metric, p.customer or "", p.area or "", p.stage or "", _pair_ids(p.national), _pair_value(p.national),
             _pair_ids(p.provincial), _pair_value(p.provincial), p.verdict, p.note] for p in _sorted(diff.targets))
    return csv_text(header, rows, bom=ctx.bom)


@renderer("diff", "table")
def diff_table(result, ctx) -> None:
    from rich.table import Table
    from rich.text import Text

    result = _diff(result)
    console = ctx.console()
    if result.notice:
        console.print(f"[yellow]note:[/] {result.notice}")
    summary = ", ".join(f"{v}: {n}" for v, n in result.summary().items())
    console.print(f"[bold]diff {result.a} vs {result.b}[/]  targets: {len(result.targets)} pairs ({summary})")
    table = Table(header_style="bold", expand=True)
    table.add_column(label("metric"), overflow="fold")
    table.add_column(label("class"), overflow="fold")
    table.add_column(result.a, overflow="fold")
    table.add_column(result.b, overflow="fold")
    table.add_column(label("verdict"), no_wrap=True)
    for verdict, group in by_verdict(result.targets):
        style = VERDICT_STYLE[verdict]
        # the group's head in the verdict column, which never wraps
        table.add_row("", "", "", "", Text(f"{verdict} ({len(group)})", style="bold " + style), end_section=True)
        for n, p in enumerate(group):
            table.add_row(p.metric, _class(p), _value(p.national) + "\n" + Text(_ids(p.national)).plain,
                          _value(p.provincial) + "\n" + _ids(p.provincial), Text(p.verdict, style=style),
                          end_section=n == len(group) - 1)
    console.print(table)
    for t in result.texts:
        _text_clauses(console, t)


def _text_clauses(console, t) -> None:
    from rich.text import Text

    counts = t.counts()
    console.print(f"\n[bold]{t.anchor}[/]  {', '.join(t.national_ids)} ↔ {', '.join(t.provincial_ids)}  "
                  f"(same {counts['same']}, changed {counts['changed']}, removed {counts['removed']}, added {counts['added']})")
    for c in t.clauses:
        if c.op == "added":
            console.print(Text(f"  + {c.provincial}  [{c.source}]", style="green"))
        elif c.op == "removed":
            console.print(Text(f"  - {c.national}", style="red"))
        elif c.op == "changed":
            console.print(Text(f"  ~ {c.national}", style="yellow"))
            console.print(Text(f"    → {c.provincial}  [{c.source}]", style="yellow"))


@renderer("diff", "md")
def diff_md(result, ctx) -> str:
    return markdown(_diff(result))


def _clause_md(c) -> str | None:
    if c.op == "added":
        return f"- **added** ({c.source}): {c.provincial}"
    if c.op == "removed":
        return f"- **removed**: {c.national}"
    if c.op == "changed":
        return f"- **changed**: {c.national} → {c.provincial} ({c.source})"
    return None


def markdown(result) -> str:
    """A report for a briefing: the verdict counts, the target pairs, the clauses that differ."""
    out = [f"# Diff: {result.a} vs {result.b}", ""]
    if result.notice:
        out += [f"> Note: {result.notice}", ""]
    out += md_table([label("verdict"), label("pairs")], result.summary().items())
    text_counts = {op: sum(t.counts()[op] for t in result.texts) for op in ("added", "removed", "changed")}
    out += ["", (f"Texts: {len(result.texts)} paired items; clauses added {text_counts['added']}, "
                 f"removed {text_counts['removed']}, changed {text_counts['changed']}."), "", "## Targets", ""]
    for verdict, group in by_verdict(result.targets):
        rows = ([p.metric, _class(p), f"{_value(p.national)} {_ids(p.national)}", f"{_value(p.provincial)} {_ids(p.provincial)}",
                 f"**{p.verdict}**", p.note] for p in group)
        out += [f"### {verdict} ({len(group)})", ""]
        out += md_table([label("metric"), label("class"), result.a, result.b, label("verdict"), label("note")], rows)
        out.append("")
    out += ["", "## Texts", ""]
    for t in result.texts:
        out.append(f"### {t.anchor} ({', '.join(t.national_ids)} ↔ {', '.join(t.provincial_ids)})")
        out.append("")
        out += [line for line in map(_clause_md, t.clauses) if line]
        if all(c.op == "same" for c in t.clauses):
            out.append("- no clause differs")
        out.append("")
    return "\n".join(out)
