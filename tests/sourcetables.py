"""Reading the cleaned source files' tables independently of the engine, for tests.

A test that compares the encoding with these cells would catch a dropped, shifted or mistyped
row: the cells come straight from the source text, not from the YAML.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

SOURCES = Path(__file__).resolve().parent.parent / "policies" / "sources"


def rows(filename: str, table: str) -> dict[str, dict[str, str]]:
    """{row id: {column: cell text}} for `§ <table> row <id>` blocks, with the current
    `§ 分类` / `§ 指标完成时间` group and page added as columns `_group` and `_page`."""
    out: dict[str, dict[str, str]] = {}
    current = None
    column = None
    group = None
    group_marker = None
    page = None
    for line in (SOURCES / filename).read_text(encoding="utf-8").splitlines():
        if line.startswith("§"):
            marker = line[1:].strip()
            if m := re.fullmatch(r"page (\d+)", marker):
                page = int(m.group(1))
                continue
            if m := re.fullmatch(rf"{re.escape(table)} row (\S+)(?: part (\d+))?.*", marker):
                key = m.group(1)
                part = m.group(2)
                current = out.setdefault(key, defaultdict(str))
                current["_group"] = group or ""
                current["_pages"] = current.get("_pages", "") + f"{page},"
                current["_part"] = part or ""
                column = None
                continue
            if marker in ("分类", "指标完成时间"):
                group_marker, current, column = marker, None, None
                group = ""
                continue
            if current is not None:
                column = marker.split(" ")[0]
                continue
            group_marker = None
            continue
        if group_marker and current is None:
            group = (group + line.strip()) if not group else group
            continue
        if current is not None and column:
            if current[column] and not current[column].endswith("\n"):
                current[column] += "\n"
            current[column] += line.strip()
    return {k: dict(v) for k, v in out.items()}
