"""The SQLite store: the whole knowledge base as tables, with full-text indexes.

Queries run here. The tables are plain and documented (docs/sqlite.md) so that other SQLite
tools can query an exported store. Each item's public JSON is stored alongside its columns, so a
query answers without loading the YAML at all.

    items(rowid, id, doc, ref, kind, parent, category, heading, section, jurisdiction, summary,
          text, deadline, deadline_kind, blob, seq)
    item_json(item, json)                              -- the item's public JSON (as `show --format json`)
    item_units(item, unit, role, as_written)          -- item = items.rowid
    targets(item, metric, customer, area, stage, comparator, value, unit, by_date, from_date,
            alt_metric, alt_comparator, alt_value, alt_unit, quote)
    occurrences(item, date, kind, phrase, scope, label, seq)  -- one row per item and date (the
                                       -- first deadline on that date); undated deadlines have date
                                       -- NULL; seq = the deadline's place in the item
    links(src, rel, dst, note, partial, conflict)
    documents(id, title_zh, title_en, jurisdiction, source, json)
    units(id, zh, en, level, kind, parent, collective, json)
    unit_names(name, unit)                             -- every name and alias, casefolded
    unit_members(collective, jurisdiction, member)
    terms(kind, id, zh, en, json)                      -- metrics, customers, areas, stages, measures, places
    fts_zh(zh)  -- contentless FTS5 over bigram tokens of the verbatim text (rowid = items.rowid)
    fts_en(en)  -- contentless FTS5 (porter) over the English summary
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE documents(id TEXT PRIMARY KEY, title_zh TEXT, title_en TEXT, jurisdiction TEXT, source TEXT, json TEXT);
CREATE TABLE items(
  rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, doc TEXT, ref TEXT, kind TEXT, parent TEXT,
  category TEXT, heading TEXT, section TEXT, jurisdiction TEXT, summary TEXT, text TEXT,
  deadline TEXT, deadline_kind TEXT, blob TEXT, seq INTEGER);
CREATE TABLE item_json(item INTEGER PRIMARY KEY, json TEXT);
CREATE TABLE item_units(item INTEGER, unit TEXT, role TEXT, as_written TEXT);
CREATE TABLE targets(
  item INTEGER, metric TEXT, customer TEXT, area TEXT, stage TEXT, comparator TEXT, value REAL,
  unit TEXT, by_date TEXT, from_date TEXT, alt_metric TEXT, alt_comparator TEXT, alt_value REAL,
  alt_unit TEXT, quote TEXT);
CREATE TABLE occurrences(item INTEGER, date TEXT, kind TEXT, phrase TEXT, scope TEXT, label TEXT, seq INTEGER);
CREATE TABLE links(src TEXT, rel TEXT, dst TEXT, note TEXT, partial INTEGER, conflict TEXT);
CREATE TABLE units(id TEXT PRIMARY KEY, zh TEXT, en TEXT, level TEXT, kind TEXT, parent TEXT, collective INTEGER, json TEXT);
CREATE TABLE unit_names(name TEXT, unit TEXT);
CREATE TABLE unit_members(collective TEXT, jurisdiction TEXT, member TEXT);
CREATE TABLE terms(kind TEXT, id TEXT, zh TEXT, en TEXT, json TEXT);
CREATE VIRTUAL TABLE fts_zh USING fts5(zh, tokenize='unicode61', content='', columnsize=1);
CREATE VIRTUAL TABLE fts_en USING fts5(en, tokenize='porter unicode61', content='', columnsize=1);
"""

INDEXES = """
CREATE INDEX items_doc ON items(doc, kind);
CREATE INDEX item_units_item ON item_units(item);
CREATE INDEX item_units_unit ON item_units(unit, role, item);
CREATE INDEX targets_item ON targets(item);
CREATE INDEX targets_metric ON targets(metric, customer, item);
CREATE INDEX occurrences_item ON occurrences(item);
CREATE INDEX occurrences_date ON occurrences(date, item);
CREATE INDEX occurrences_kind ON occurrences(kind, item);
CREATE INDEX links_src ON links(src, rel);
CREATE INDEX links_dst ON links(dst, rel);
CREATE INDEX unit_names_name ON unit_names(name);
"""


def _d(value) -> str | None:
    return value.isoformat() if value else None


def search_blob(item) -> str:
    """The squashed, casefolded text a literal substring search runs over."""
    from kb.loading.sources import (
        squash,  # building only: opening a store needs neither
    )

    parts = [p for pieces in item.verbatim().values() for p in pieces]
    parts += [item.heading or "", item.category or "", item.summary]
    return squash("\u0001".join(parts)).casefold()


def item_rows(kb, items):
    """Rows for every table, item by item (a generator, so 100k items stream through).

    The JSON lives in its own table so that scans of `items` stay small; it is written compact
    (no spaces after `,` and `:`), the most part of the store's size (docs/performance.md)."""
    from kb.store.textindex import index_text

    for seq, item in enumerate(items, start=1):
        doc = kb.documents[item.doc]
        dl = item.deadline
        data = item.to_dict()
        yield "items", (
            seq, item.id, item.doc, item.ref, item.kind, item.parent, item.category, item.heading,
            " › ".join(item.section), doc.jurisdiction, item.summary, item.text,
            _d(dl.next_date) if dl else None, item.deadline_kind, search_blob(item), seq,
        )
        yield "item_json", (seq, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        for r in item.units:
            yield "item_units", (seq, r.unit, r.role, r.as_written)
        for t in item.targets:
            a = t.alternative
            yield "targets", (
                seq, t.metric, t.customer, t.area, t.stage, t.comparator, t.value, t.unit,
                _d(t.by), _d(t.from_), a.metric if a else None, a.comparator if a else None,
                a.value if a else None, a.unit if a else None, t.quote,
            )
        if not item.deadlines:
            yield "occurrences", (seq, None, "none", None, None, None, 0)
        seen = set()
        for n, dl in enumerate(item.deadlines):
            for d in dl.occurrences() or [None]:
                # one row per item and date: the first-listed deadline on a date speaks for it
                key = (d, None if d else dl.kind)
                if key not in seen:
                    seen.add(key)
                    yield "occurrences", (seq, _d(d), dl.kind, dl.phrase, dl.scope, dl.label, n)
        zh = " ".join(p for pieces in item.verbatim().values() for p in pieces)
        zh += " " + (item.heading or "") + " " + (item.category or "")
        yield "fts_zh", (seq, index_text(zh))
        yield "fts_en", (seq, item.summary)


_INSERT = {
    "items": "INSERT INTO items VALUES (" + ",".join("?" * 16) + ")",
    "item_json": "INSERT INTO item_json VALUES (?,?)",
    "item_units": "INSERT INTO item_units VALUES (?,?,?,?)",
    "targets": "INSERT INTO targets VALUES (" + ",".join("?" * 15) + ")",
    "occurrences": "INSERT INTO occurrences VALUES (?,?,?,?,?,?,?)",
    "fts_zh": "INSERT INTO fts_zh(rowid, zh) VALUES (?,?)",
    "fts_en": "INSERT INTO fts_en(rowid, en) VALUES (?,?)",
}


def build(kb, path: Path, items=None, fingerprint: str | None = None) -> Path:
    """Write the store for `kb` (a tree: documents, items, links, registries) to `path`
    (atomically: built aside, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    try:
        con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        con.executescript(SCHEMA)
        batches: dict[str, list] = {name: [] for name in _INSERT}
        for table, row in item_rows(kb, items if items is not None else kb.items.values()):
            batch = batches[table]
            batch.append(row)
            if len(batch) >= 5000:
                con.executemany(_INSERT[table], batch)
                batch.clear()
        for table, batch in batches.items():
            if batch:
                con.executemany(_INSERT[table], batch)
        con.executemany("INSERT INTO links VALUES (?,?,?,?,?,?)",
                        [(l.src, l.rel, l.dst, l.note, int(l.partial), l.conflict) for l in kb.links])
        con.executemany("INSERT INTO documents VALUES (?,?,?,?,?,?)", [
            (d.id, d.title_zh, d.title_en, d.jurisdiction, d.source_file, json.dumps(d.to_dict(), ensure_ascii=False))
            for d in kb.documents.values()
        ])
        units = kb.registries.units.values()
        con.executemany("INSERT INTO units VALUES (?,?,?,?,?,?,?,?)", [
            (u.id, u.zh, u.en, u.level, u.kind, u.parent, int(u.collective), json.dumps(u.to_dict(), ensure_ascii=False))
            for u in units
        ])
        con.executemany("INSERT INTO unit_names VALUES (?,?)", sorted({
            (name.casefold(), u.id) for u in units for name in (u.id, *u.names)
        }))
        con.executemany("INSERT INTO unit_members VALUES (?,?,?)", [
            (u.id, j, m) for u in units for j, members in u.members for m in members
        ])
        reg = kb.registries
        con.executemany("INSERT INTO terms VALUES (?,?,?,?,?)", [
            (kind, t.id, t.zh, t.en, json.dumps(t.to_dict(), ensure_ascii=False))
            for kind in ("metrics", "customers", "areas", "stages", "measures", "places")
            for t in getattr(reg, kind).values()
        ])
        con.executescript(INDEXES)
        con.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fingerprint if fingerprint is not None else getattr(kb, "fingerprint", ""),))
        con.execute("INSERT INTO meta VALUES ('format', 'powerkb-store/1')")
        con.execute("INSERT INTO fts_zh(fts_zh) VALUES ('optimize')")
        con.commit()
    finally:
        con.close()
    os.replace(tmp, path)
    return path


def connect(path: Path) -> sqlite3.Connection:
    """A read-only connection to a built store."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    con.row_factory = sqlite3.Row
    return con


class Store:
    """An open store: its read-only connection and the query vocabulary read from it."""

    def __init__(self, path: Path, policies: Path | None = None):
        self.path = path
        self.policies = policies
        self.con = connect(path)
        self.memo: dict = {}  # what upper layers derive from the store once (the query vocabulary)
        self._items: dict[int, dict] = {}

    def item_json(self, rowid: int) -> dict:
        """An item's public JSON, read and decoded on first use (shared: treat it as read-only)."""
        item = self._items.get(rowid)
        if item is None:
            (data,) = self.con.execute("SELECT json FROM item_json WHERE item = ?", (rowid,)).fetchone()
            item = self._items[rowid] = json.loads(data)
        return item

    def item_json_by_id(self, item_id: str) -> dict | None:
        """An item's public JSON by its id (None for an unknown id), read straight from the store."""
        row = self.con.execute("SELECT j.json FROM items i JOIN item_json j ON j.item = i.rowid WHERE i.id = ?",
                               (item_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def close(self) -> None:
        self.con.close()


def open_store(where, tree) -> Store:
    """The store of a cache entry (`kb.loading.cache.CacheEntry`), built on first use from
    `tree()` and cached until the tree changes. The fast path (cache hit) reads no YAML."""
    path = where.store_path
    if not path.is_file():
        build(tree(), path, fingerprint=where.key)
    return Store(path, where.root)


def item_json_rows(con: sqlite3.Connection):
    """(rowid, public JSON text) of every item, in order: what an export of the items as JSON
    holds (bench/run.py compares the store's size with it)."""
    yield from con.execute("SELECT item, json FROM item_json ORDER BY item")
