"""Writing what a screen shows to a file: JSON, CSV or Markdown.

Every format comes from the renderer registry (kb.render.registry), so a file exported here
reads exactly like `powerkb query --format json|csv|md` (a diff like `powerkb diff --format ...`).
"""

from __future__ import annotations

from pathlib import Path

FORMATS = {"json": "JSON", "csv": "CSV", "md": "Markdown"}
"""The registry's formats that make a file (a terminal table does not), with their names."""


def formats_for(result) -> dict[str, str]:
    """The file formats the registry writes for `result`, JSON first."""
    from kb.render.registry import formats, result_type

    offered = formats(result_type(result))
    return {fmt: name for fmt, name in FORMATS.items() if fmt in offered}


def render(result, fmt: str) -> str:
    """`result` (a `kb.query.run.QueryResult`, a diff being one of kind "diff") in `fmt`, from the
    one renderer registry: the same text `powerkb query --format FMT` prints."""
    from kb.render.registry import render as render_result

    return render_result(result, fmt)


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
    path.write_text(render(result, fmt), encoding="utf-8", newline="")  # CSV's CRLFs as they are
    return path
