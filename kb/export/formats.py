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
renamed), so a failed export never leaves half a file; what is at the path is kept (a symlink
is followed, a FIFO or device written through, a file's mode and hard links kept): see
`write_output`, docs/export.md and docs/reliability.md.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kb.core.errors import PowerKBError
from kb.core.jsonout import dumps
from kb.core.tables import csv_text
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
        "no_counterpart": [{"id": k, "reason": v} for k, v in base.tree.no_counterpart.items() if k in ids]
        + [{"id": k, "reason": v, "in": d} for (k, d), v in base.tree.no_counterpart_in.items() if k in ids],
        "units": [u.to_dict() for u in reg.units.values()],
        "metrics": {kind: [t.to_dict() for t in getattr(reg, kind).values()] for kind in TERM_KINDS},
        "places": [p.to_dict() for p in reg.places.values()],
        "synonyms": [list(group) for group in reg.synonyms],
    }


# --- text formats ----------------------------------------------------------------------------

def to_json(base, items=None) -> str:
    return dumps(export_object(base, items), ensure_ascii=False, indent=2) + "\n"


def to_jsonl(items) -> str:
    return "".join(dumps(i.to_dict(), ensure_ascii=False) + "\n" for i in items)


def csv_units(item) -> str:
    return "; ".join(f"{r.name or r.unit} ({r.role})" for r in item.units)


def overdue(item, as_of) -> bool:
    """Whether an item has a dated deadline before `as_of` (recurring and ongoing duties never are)."""
    return any(dl.kind == "date" and dl.date and dl.date < as_of for dl in item.deadlines)


def to_csv(items, as_of=None) -> str:
    """One row per item, through the one CSV writer (kb.core.tables). Starts with a UTF-8 BOM:
    Excel reads a CSV without one in the system code page (GBK on Chinese Windows) and garbles
    the text; Python reads it with 'utf-8-sig'. With `as_of`, a last column `overdue`
    (true/false) marks the items overdue on that day."""
    def row(item):
        dl = item.deadline
        return [item.id, item.doc, item.kind, item.category or "",
                dl.next_date.isoformat() if dl and dl.next_date else "", item.deadline_kind,
                dl.phrase if dl else "", csv_units(item), item.text, item.summary,
                ] + (["true" if overdue(item, as_of) else "false"] if as_of else [])

    return csv_text(CSV_COLUMNS + (["overdue"] if as_of else []), map(row, items), bom=True)


# --- writing ---------------------------------------------------------------------------------

def render(base, fmt: str, items, output: Path | None = None, as_of=None) -> bytes | str | None:
    """The export as text or bytes (sqlite: the bytes of a database built in a temporary
    directory; `output` is accepted for compatibility and ignored). With `as_of` (a date), the CSV
    and xlsx gain an `overdue` column marked against it."""
    if fmt == "json":
        return to_json(base, items)
    if fmt == "jsonl":
        return to_jsonl(items)
    if fmt == "csv":
        return to_csv(items, as_of)
    if fmt == "xlsx":
        from kb.export.xlsx import workbook_bytes

        return workbook_bytes(base, items, as_of)
    if fmt == "ics":
        from kb.export.ics import calendar_bytes

        return calendar_bytes(base, items)
    if fmt == "graphml":
        from kb.export.graphml import graphml_bytes

        return graphml_bytes(base, items)
    if fmt == "sqlite":
        return sqlite_bytes(base, items)
    raise ExportError(f"unknown format '{fmt}' (formats: {', '.join(FORMATS)})")


def sqlite_bytes(base, items) -> bytes:
    """The query store of `items` as bytes: built in a temporary directory (removed whatever
    happens), so that it is written to its target like every other format."""
    import sqlite3
    import tempfile

    from kb.store.database import build

    with tempfile.TemporaryDirectory(prefix="powerkb-export-") as tmp:
        path = Path(tmp) / "export.sqlite"
        try:
            build(base, path, items, browse_index=True)
            return path.read_bytes()
        except (OSError, sqlite3.Error) as exc:
            raise WriteError(f"cannot write the sqlite export: {exc}") from None


def _check_target(output: Path) -> None:
    """Refuse early, with a plain message, what would fail half-way through."""
    if output.is_dir():
        raise WriteError(f"cannot write {output}: it is a directory")
    target = Path(os.path.realpath(output))
    parent = target.parent
    if not parent.is_dir():
        raise WriteError(f"cannot write {output}: no such directory {parent}")
    if target.exists():
        st = target.stat()
        kind = stat.S_IFMT(st.st_mode)
        if kind not in (stat.S_IFREG, stat.S_IFIFO, stat.S_IFCHR):
            raise WriteError(f"cannot write {output}: not a regular file, a FIFO or a character device")
        in_place = kind != stat.S_IFREG or st.st_nlink > 1
        if not os.access(target, os.W_OK) or (not in_place and not os.access(parent, os.W_OK)):
            raise WriteError(f"cannot write {output}: permission denied")
    elif not os.access(parent, os.W_OK):
        raise WriteError(f"cannot write {output}: permission denied")


def write_output(path: Path, data: bytes) -> None:
    """Write an export to `path` without destroying what is there (docs/reliability.md):

    * a symlink is followed: its target gets the export, the link stays;
    * a FIFO or a character device (/dev/null, a terminal) is written through, never replaced;
    * a regular file with other hard links is rewritten in place, so that every link still
      names it (not atomic: the price of keeping the links);
    * any other regular file is replaced atomically (a temporary file beside it, renamed over
      it) with the old file's mode and, where allowed, its owner; a new file gets the umask's
      permissions. The temporary file is removed on every exit path (SIGINT, SIGTERM included:
      the CLI turns both into exceptions), and ones left by killed runs are removed first.
    """
    from kb.loading.cache import remove_stale_temporaries

    target = Path(os.path.realpath(path))
    try:
        st = target.stat()
    except FileNotFoundError:
        st = None
    if st is not None and (not stat.S_ISREG(st.st_mode) or st.st_nlink > 1):
        with open(target, "wb") as fh:
            fh.write(data)
        return
    remove_stale_temporaries(target.parent, f".{target.name}.*.tmp")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if st is None else 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
            try:
                os.chown(tmp, st.st_uid, st.st_gid)
            except OSError:
                pass  # only root may give a file away: the mode is kept, the owner is ours
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_file(output: Path, data: bytes) -> None:
    try:
        write_output(output, data)
    except OSError as exc:
        raise WriteError(f"cannot write {output}: {exc.strerror or exc}") from None


def export(base, fmt: str, output: str | os.PathLike | None = None, where: str | None = None,
           as_of=None) -> bytes | str | None:
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
    data = render(base, fmt, items, as_of=as_of)
    if path is None:
        return data
    write_file(path, data.encode("utf-8") if isinstance(data, str) else data)
    return None
