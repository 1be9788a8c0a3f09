"""Printing a diff: a terminal table, JSON, or a Markdown report for a briefing."""

from __future__ import annotations

from kb.core.jsonout import dumps

VERDICT_STYLE = {
    "stricter": "bold green", "same": "dim", "looser": "bold red", "earlier": "green", "later": "red",
    "narrower-scope": "yellow", "broader-scope": "cyan", "only-national": "magenta", "only-provincial": "blue",
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


def print_diff(result, fmt: str = "table", console=None) -> None:
    if fmt == "json":
        print(dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    if fmt == "md":
        print(markdown(result), end="")
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    if result.notice:
        console.print(f"[yellow]note:[/] {result.notice}")
    summary = ", ".join(f"{v}: {n}" for v, n in result.summary().items())
    console.print(f"[bold]diff {result.a} vs {result.b}[/]  targets: {len(result.targets)} pairs ({summary})")
    table = Table(header_style="bold", expand=True)
    table.add_column("metric", overflow="fold")
    table.add_column("class", overflow="fold")
    table.add_column(result.a, overflow="fold")
    table.add_column(result.b, overflow="fold")
    table.add_column("verdict", no_wrap=True)
    for p in result.targets:
        table.add_row(p.metric, _class(p), _value(p.national) + "\n" + Text(_ids(p.national)).plain,
                      _value(p.provincial) + "\n" + _ids(p.provincial), Text(p.verdict, style=VERDICT_STYLE[p.verdict]))
    console.print(table)
    for t in result.texts:
        counts = t.counts()
        interesting = [c for c in t.clauses if c.op != "same"]
        console.print(f"\n[bold]{t.anchor}[/]  {', '.join(t.national_ids)} ↔ {', '.join(t.provincial_ids)}  "
                      f"(same {counts['same']}, changed {counts['changed']}, removed {counts['removed']}, added {counts['added']})")
        for c in interesting:
            if c.op == "added":
                console.print(Text(f"  + {c.provincial}  [{c.source}]", style="green"))
            elif c.op == "removed":
                console.print(Text(f"  - {c.national}", style="red"))
            else:
                console.print(Text(f"  ~ {c.national}", style="yellow"))
                console.print(Text(f"    → {c.provincial}  [{c.source}]", style="yellow"))


def markdown(result) -> str:
    out = [f"# Diff: {result.a} vs {result.b}", ""]
    if result.notice:
        out += [f"> Note: {result.notice}", ""]
    summary = result.summary()
    out += ["| verdict | pairs |", "|---|---|"] + [f"| {v} | {n} |" for v, n in summary.items()]
    text_counts = {op: sum(t.counts()[op] for t in result.texts) for op in ("added", "removed", "changed")}
    out += ["", f"Texts: {len(result.texts)} paired items; clauses added {text_counts['added']}, "
                f"removed {text_counts['removed']}, changed {text_counts['changed']}.", "",
            "## Targets", "", f"| metric | class | {result.a} | {result.b} | verdict | note |", "|---|---|---|---|---|---|"]
    for p in result.targets:
        out.append(f"| {p.metric} | {_class(p)} | {_value(p.national)} {_ids(p.national)} | "
                   f"{_value(p.provincial)} {_ids(p.provincial)} | **{p.verdict}** | {p.note} |")
    out += ["", "## Texts", ""]
    for t in result.texts:
        out.append(f"### {t.anchor} ({', '.join(t.national_ids)} ↔ {', '.join(t.provincial_ids)})")
        out.append("")
        for c in t.clauses:
            if c.op == "added":
                out.append(f"- **added** ({c.source}): {c.provincial}")
            elif c.op == "removed":
                out.append(f"- **removed**: {c.national}")
            elif c.op == "changed":
                out.append(f"- **changed**: {c.national} → {c.provincial} ({c.source})")
        if all(c.op == "same" for c in t.clauses):
            out.append("- no clause differs")
        out.append("")
    return "\n".join(out)
