"""Writing what a screen shows to a file: JSON, CSV or Markdown.

JSON and CSV of query results are the CLI's own (`kb.output`), so a file exported here reads like
`powerkb query --format json|csv`; a diff's Markdown is `powerkb diff --format md`. What the CLI
has no form for (Markdown of rows and groups, CSV of a diff) is written here.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

FORMATS = {"json": "JSON", "csv": "CSV", "md": "Markdown"}


def _cell(text) -> str:
    return " ".join(str(text or "").split()).replace("|", "\\|")


def rows_markdown(result) -> str:
    from kb.render.rows import unit_names

    out = [f"# `{_cell(result.query)}`", ""]
    if result.kind == "count":
        return "\n".join(out + [f"count: {result.count}", ""])
    if result.kind == "groups":
        out += [f"| {result.group_by} | name | count |", "|---|---|---|"]
        out += [f"| {_cell(key)} | {_cell(result.labels.get(key, ''))} | {n} |" for key, n in result.groups]
        return "\n".join(out) + "\n"
    out += ["| id | due | units | text |", "|---|---|---|---|"]
    for row in result.rows:
        due = row.due or row.due_kind or ""
        phrase = row.due_phrase or row.item["deadline_phrase"]
        if phrase:
            due += f" ({phrase})"
        out.append(f"| {row.id} | {_cell(due)} | {_cell(unit_names(row.item))} | {_cell(row.item['text'])} |")
    return "\n".join(out) + "\n"


def _side(side) -> tuple[str, str]:
    if side is None:
        return "", ""
    value = f"{side.comparator} {side.value:g} {side.unit}" + (f" by {side.by}" if side.by else "")
    return " ".join(side.ids), value


def diff_csv(diff) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["metric", "customer", "area", "stage", f"{diff.a}_ids", f"{diff.a}_value",
                     f"{diff.b}_ids", f"{diff.b}_value", "verdict", "note"])
    for p in diff.targets:
        writer.writerow([p.metric, p.customer or "", p.area or "", p.stage or "", *_side(p.national),
                         *_side(p.provincial), p.verdict, p.note])
    return buf.getvalue()


def render(result, fmt: str) -> str:
    """`result` is a `kb.query.run.QueryResult` (a diff is one of kind "diff")."""
    from kb.render.rows import rows_csv, to_json

    if fmt == "json":
        return to_json(result) + "\n"
    if result.kind == "diff":
        from kb.render.diff import markdown

        return diff_csv(result.diff) if fmt == "csv" else markdown(result.diff)
    return rows_csv(result) if fmt == "csv" else rows_markdown(result)


def describe(result) -> str:
    """What an export of `result` holds, in a few words."""
    if result.kind == "rows":
        return f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}"
    if result.kind == "groups":
        return f"{len(result.groups)} groups"
    if result.kind == "count":
        return "a count"
    return f"the diff {result.diff.a} vs {result.diff.b}"


def default_path(stem: str, fmt: str, directory: Path | None = None) -> Path:
    return (directory or Path.cwd()) / f"{stem}.{fmt}"


def write(result, fmt: str, path: str | Path) -> Path:
    """Write `result` to `path` (made absolute; parent folders must exist) and return it."""
    path = Path(path).expanduser().resolve()
    path.write_text(render(result, fmt), encoding="utf-8")
    return path
