"""Query results for people (a rich table) and for programs (JSON, CSV)."""

from __future__ import annotations

import csv
import io

from kb.core.jsonout import dumps


def excerpt(text: str, terms: list[str], width: int = 90) -> str:
    """A window of `text` around the first search hit (or its start), on one line."""
    flat = " ".join(text.split())
    at = -1
    for term in terms:
        at = flat.find(term.strip())
        if at >= 0:
            break
    if at <= 0 or len(flat) <= width:
        return flat if len(flat) <= width else flat[: width - 1] + "…"
    start = max(0, at - width // 3)
    piece = flat[start:start + width - 2]
    return ("…" if start else "") + piece + ("…" if start + width - 2 < len(flat) else "")


def unit_names(item: dict, limit: int | None = None) -> str:
    """Lead units, then cooperating ones; with `limit`, the first few and a count of the rest."""
    leads = list(dict.fromkeys(u["name"] for u in item["units"] if u["role"] == "lead"))
    coop = list(dict.fromkeys(u["name"] for u in item["units"] if u["role"] == "cooperate"))
    if limit is not None:
        shown = "、".join(leads[:limit]) + (f"等{len(leads)}个" if len(leads) > limit else "")
        return shown + (f"；协同{len(coop)}个" if coop else "")
    text = "、".join(leads)
    if coop:
        text += ("；" if text else "") + "协同：" + "、".join(coop)
    return text


def rows_table(result, console) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False, header_style="bold", expand=True, pad_edge=False)
    table.add_column("id", no_wrap=True, style="cyan", min_width=12)
    table.add_column("due", min_width=10, max_width=12, overflow="fold")
    table.add_column("units", ratio=2, overflow="fold")
    table.add_column("text", ratio=5, overflow="fold")
    # about three lines of the text column: Chinese characters take two cells
    width = max(24, (console.width - 48) * 3 // 2)
    for row in result.rows:
        item = row.item
        due = row.due or {"ongoing": "ongoing", "recurring": "recurring"}.get(row.due_kind or item["deadline_kind"], "—")
        due_text = Text(due, style="red" if row.overdue else "")
        phrase = row.due_phrase or item["deadline_phrase"]
        if phrase and phrase != due:
            due_text.append("\n" + phrase, style="dim")
        body = Text(excerpt(item["text"], result.terms + ([row.due_phrase] if row.due_phrase else []), width))
        for term in result.terms:
            body.highlight_words([term.strip()], style="bold yellow")
        table.add_row(item["id"], due_text, unit_names(item, limit=2), body)
    console.print(table)
    n = len(result.rows)
    console.print(f"[dim]{n} row{'s' if n != 1 else ''}[/dim]")


def groups_table(result, console) -> None:
    from rich.table import Table

    table = Table(header_style="bold")
    table.add_column(result.group_by)
    if result.labels:
        table.add_column("name")
    table.add_column("count", justify="right")
    for key, n in result.groups:
        table.add_row(key, *([result.labels.get(key, "")] if result.labels else []), str(n))
    console.print(table)


CSV_COLUMNS = ["id", "doc", "kind", "due", "due_kind", "due_phrase", "units", "category", "text", "summary"]


def rows_csv(result) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    if result.kind == "groups":
        writer.writerow([result.group_by, "name", "count"])
        writer.writerows((k, result.labels.get(k, k), n) for k, n in result.groups)
        return buf.getvalue()
    if result.kind == "count":
        writer.writerow(["count"])
        writer.writerow([result.count])
        return buf.getvalue()
    writer.writerow(CSV_COLUMNS)
    for row in result.rows:
        d = row.to_dict()
        units = "; ".join(f"{u['name']} ({u['role']})" for u in d["units"])
        writer.writerow([d["id"], d["doc"], d["kind"], d["due"] or "", d["due_kind"] or "",
                         d.get("due_phrase") or d["deadline_phrase"] or "", units, d["category"] or "",
                         d["text"], d["summary"]])
    return buf.getvalue()


def to_json(result) -> str:
    return dumps(result.to_dict(), ensure_ascii=False, indent=2)
