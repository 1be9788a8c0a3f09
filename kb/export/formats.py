"""`powerkb export`: the knowledge base (or the items a query selects) in formats other tools read.

| format  | what it is                                                       | where it is made |
|---------|------------------------------------------------------------------|------------------|
| json    | the whole KB as one object (docs/schema/export-v1.json)          | here             |
| jsonl   | one item JSON per line (docs/schema/item-v1.json)                | here             |
| csv     | one row per item, UTF-8 with a BOM so that Excel reads Chinese   | here             |
| xlsx    | a 台账 workbook, one sheet per document                          | export_xlsx.py   |
| ics     | a calendar, one event per deadline                               | export_ics.py    |
| graphml | the link graph, for Gephi or yEd                                 | export_graphml.py|
| sqlite  | the query store (docs/sqlite.md)                                 | store.py         |

Every format is made in memory and written in one go (to a file beside the target, then
renamed), so a failed export never leaves half a file. See docs/export.md.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from kb.core.errors import PowerKBError
from kb.loading.importer import SCHEMA, TERM_KINDS

FORMATS = ("json", "jsonl", "csv", "xlsx", "ics", "graphml", "sqlite")
BINARY = {"xlsx", "sqlite"}
"""Formats that are never written to a terminal or a pipe: they need `-o FILE`."""

CSV_COLUMNS = ["id", "doc", "kind", "category", "deadline", "deadline_kind", "deadline_phrase",
               "units", "text", "summary"]


class ExportError(PowerKBError):
    """Bad arguments to `export` (exit 2); `WriteError` is a file that cannot be written (exit 1)."""

    exit_code = 2


class WriteError(PowerKBError):
    exit_code = 1


# --- what to export --------------------------------------------------------------------------

def select_items(base, where: str | None = None) -> list:
    """The items to export: all (in KB order), or those the query `where` matches, each once
    (a `due` query gives a row per occurrence; an item appears at its first row)."""
    if not where:
        return list(base.items.values())
    result = base.query(where, items=True)
    if result.kind != "rows":
        raise ExportError(f"--where needs a condition that selects items; '{where}' gives a {result.kind}")
    ids = dict.fromkeys(row.id for row in result.rows)
    return [base.items[i] for i in ids if i in base.items]


def document_dict(doc) -> dict:
    """A document's public JSON plus what an export must carry to be loaded again: the issuers
    with their roles and words as written, and the evidence quotes."""
    out = doc.to_dict()
    out["issuers"] = [r.to_dict() for r in doc.issuer]
    out["evidence"] = list(doc.evidence)
    return out


def export_object(base, items=None) -> dict:
    """The JSON export: everything the KB holds, restricted to `items` (links only between them)."""
    items = list(base.items.values()) if items is None else list(items)
    ids = {i.id for i in items}
    reg = base.registries
    return {
        "schema": SCHEMA,
        "documents": [document_dict(d) for d in base.documents.values()],
        "items": [i.to_dict() for i in items],
        "links": [l.to_dict() for l in base.links if l.src in ids and l.dst in ids],
        "no_counterpart": [{"id": k, "reason": v} for k, v in base.tree.no_counterpart.items() if k in ids],
        "units": [u.to_dict() for u in reg.units.values()],
        "metrics": {kind: [t.to_dict() for t in getattr(reg, kind).values()] for kind in TERM_KINDS},
        "places": [p.to_dict() for p in reg.places.values()],
    }


# --- text formats ----------------------------------------------------------------------------

def to_json(base, items=None) -> str:
    return json.dumps(export_object(base, items), ensure_ascii=False, indent=2) + "\n"


def to_jsonl(items) -> str:
    return "".join(json.dumps(i.to_dict(), ensure_ascii=False) + "\n" for i in items)


def csv_units(item) -> str:
    return "; ".join(f"{r.name or r.unit} ({r.role})" for r in item.units)


def to_csv(items) -> str:
    """One row per item. Starts with a UTF-8 BOM: Excel reads a CSV without one in the system
    code page (GBK on Chinese Windows) and garbles the text; Python reads it with 'utf-8-sig'."""
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        dl = item.deadline
        writer.writerow([
            item.id, item.doc, item.kind, item.category or "",
            dl.next_date.isoformat() if dl and dl.next_date else "", item.deadline_kind,
            dl.phrase if dl else "", csv_units(item), item.text, item.summary,
        ])
    return buf.getvalue()


# --- writing ---------------------------------------------------------------------------------

def render(base, fmt: str, items, output: Path | None = None) -> bytes | str | None:
    """The export as text or bytes; sqlite is built straight into `output` (returns None)."""
    if fmt == "json":
        return to_json(base, items)
    if fmt == "jsonl":
        return to_jsonl(items)
    if fmt == "csv":
        return to_csv(items)
    if fmt == "xlsx":
        from kb.export.xlsx import workbook_bytes

        return workbook_bytes(base, items)
    if fmt == "ics":
        from kb.export.ics import calendar_bytes

        return calendar_bytes(base, items)
    if fmt == "graphml":
        from kb.export.graphml import graphml_bytes

        return graphml_bytes(base, items)
    if fmt == "sqlite":
        from kb.store.database import build

        build(base, output, items)
        return None
    raise ExportError(f"unknown format '{fmt}' (formats: {', '.join(FORMATS)})")


def _check_target(output: Path) -> None:
    """Refuse early, with a plain message, what would fail half-way through."""
    if output.is_dir():
        raise WriteError(f"cannot write {output}: it is a directory")
    parent = output.parent
    if not parent.is_dir():
        raise WriteError(f"cannot write {output}: no such directory {parent}")
    if not os.access(parent, os.W_OK) or (output.exists() and not os.access(output, os.W_OK)):
        raise WriteError(f"cannot write {output}: permission denied")


def write_file(output: Path, data: bytes) -> None:
    from kb.loading.cache import write_atomic

    try:
        write_atomic(output, data)
    except OSError as exc:
        raise WriteError(f"cannot write {output}: {exc.strerror or exc}") from None


def export(base, fmt: str, output: str | os.PathLike | None = None, where: str | None = None) -> bytes | str | None:
    """Export to `output` (a path), or return the text/bytes when `output` is None.

    The Python side of `powerkb export`: `export(kb.load(), "csv", "items.csv")`.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}' (formats: {', '.join(FORMATS)})")
    if fmt == "sqlite" and output is None:
        raise ExportError("--format sqlite needs -o FILE: a database cannot go to standard output")
    path = Path(output) if output is not None else None
    if path is not None:
        _check_target(path)
    items = select_items(base, where)
    if fmt == "sqlite":
        try:
            render(base, fmt, items, path)
        except OSError as exc:
            raise WriteError(f"cannot write {path}: {exc}") from None
        return None
    data = render(base, fmt, items)
    if path is None:
        return data
    write_file(path, data.encode("utf-8") if isinstance(data, str) else data)
    return None
