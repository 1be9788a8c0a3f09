"""The SQLite store: the whole knowledge base as tables, with full-text indexes.

Queries run here. The tables are plain and documented (docs/sqlite.md) so that other SQLite
tools can query an exported store. Each item's public JSON is stored alongside its columns, so a
query answers without loading the YAML at all.

    items(rowid, id, doc, ref, kind, parent, category, heading, section, jurisdiction, summary,
          text, deadline, deadline_kind, blob, seq)
    item_json(item, json)                              -- the item's public JSON (as `show --format json`)
    item_units(item, unit, role, as_written, written_role, written_column)  -- item = items.rowid
    targets(item, metric, customer, area, stage, comparator, value, unit, by_date, from_date,
            alt_metric, alt_comparator, alt_value, alt_unit, quote)
    occurrences(item, date, kind, phrase, scope, label, seq)  -- one row per item and date (the
                                       -- first deadline on that date); undated deadlines have date
                                       -- NULL; seq = the deadline's place in the item; basis
    obligations(rowid, id, anchor, due, due_kind, due_phrase, json)  -- one per duty (kb.store.obligations)
    obligation_items(obligation, item, spec)          -- the items stating a duty; spec 1 = most specific
    obligation_occurrences(rowid, obligation, occurrence, item, date, kind, phrase, scope, label,
                           basis, reason, spec, seq, rep, ids, subjects)  -- one per duty, item, date and subject key;
                                       -- rep = the group's representative row, which holds ids (JSON list of item ids)
    occurrence_parties(occurrence, item, role, unit)  -- role subject (named by the deadline; when it names
                                       -- none, subjects = 0 and the item's lead units bind) | recipient
    links(src, rel, dst, note, partial, conflict)
    documents(id, title_zh, title_en, jurisdiction, source, json)
    units(id, zh, en, level, kind, parent, collective, json)
    unit_names(name, unit)                             -- every name and alias, casefolded
    unit_members(collective, jurisdiction, member, basis, reason)
    terms(kind, id, zh, en, json)                      -- metrics, customers, areas, stages, measures, places
    synonyms(grp, form)                                -- policies/synonyms.yaml: forms of one group search as one word
    fts_zh(zh)  -- contentless FTS5 over bigram tokens of the verbatim text (rowid = items.rowid)
    fts_fields(own, national, standard)  -- the same tokens, one column per part of the text: the
                                       -- item's own statement (and heading), the national column
                                       -- quoted in a 附表2 row, an indicator's completion standard
    item_fields(item, own, national, standard)  -- those parts squashed and casefolded, for the
                                       -- literal check of a field-scoped search (`text ~`)
    fts_en(en)  -- contentless FTS5 (porter) over the English summary
    items_fts(text, heading, category, summary)  -- the export only (`export --format sqlite`):
                -- FTS5 trigram index with content=items, what Datasette's search box uses (it finds
                -- a table's `content="items"` FTS table); it matches terms of 3+ characters.
                -- powerkb's own searches use fts_zh / fts_fields, so the cached store leaves it out

Columns that name another row carry REFERENCES clauses (not enforced: SQLite leaves foreign keys
off unless asked) so that tools such as Datasette link them; with `--where` some links and parents
point at items that were not exported.
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
  rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, doc TEXT REFERENCES documents(id), ref TEXT, kind TEXT,
  parent TEXT REFERENCES items(id),
  category TEXT, heading TEXT, section TEXT, jurisdiction TEXT, summary TEXT, text TEXT,
  deadline TEXT, deadline_kind TEXT, blob TEXT, seq INTEGER);
CREATE TABLE item_json(item INTEGER PRIMARY KEY REFERENCES items(rowid), json TEXT);
CREATE TABLE item_units(item INTEGER REFERENCES items(rowid), unit TEXT REFERENCES units(id), role TEXT, as_written TEXT,
  written_role TEXT, written_column TEXT);
CREATE TABLE targets(
  item INTEGER REFERENCES items(rowid), metric TEXT, customer TEXT, area TEXT, stage TEXT, comparator TEXT, value REAL,
  unit TEXT, by_date TEXT, from_date TEXT, alt_metric TEXT, alt_comparator TEXT, alt_value REAL,
  alt_unit TEXT, quote TEXT);
CREATE TABLE occurrences(item INTEGER REFERENCES items(rowid), date TEXT, kind TEXT, phrase TEXT, scope TEXT, label TEXT,
  seq INTEGER, basis TEXT);
CREATE TABLE obligations(
  rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, anchor INTEGER REFERENCES items(rowid), due TEXT, due_kind TEXT,
  due_phrase TEXT, json TEXT);
CREATE TABLE obligation_items(obligation INTEGER REFERENCES obligations(rowid), item INTEGER REFERENCES items(rowid), spec INTEGER);
CREATE TABLE obligation_occurrences(
  rowid INTEGER PRIMARY KEY, obligation INTEGER REFERENCES obligations(rowid), occurrence TEXT, item INTEGER REFERENCES items(rowid),
  date TEXT, kind TEXT, phrase TEXT, scope TEXT, label TEXT, basis TEXT, reason TEXT, spec INTEGER, seq INTEGER, rep INTEGER,
  ids TEXT, subjects INTEGER);
CREATE TABLE occurrence_parties(occurrence INTEGER, item INTEGER REFERENCES items(rowid), role TEXT, unit TEXT REFERENCES units(id));
CREATE TABLE links(src TEXT REFERENCES items(id), rel TEXT, dst TEXT REFERENCES items(id), note TEXT, partial INTEGER, conflict TEXT);
CREATE TABLE units(id TEXT PRIMARY KEY, zh TEXT, en TEXT, level TEXT, kind TEXT, parent TEXT, collective INTEGER, json TEXT);
CREATE TABLE unit_names(name TEXT, unit TEXT REFERENCES units(id));
CREATE TABLE unit_members(collective TEXT REFERENCES units(id), jurisdiction TEXT, member TEXT REFERENCES units(id), basis TEXT,
  reason TEXT);
CREATE TABLE terms(kind TEXT, id TEXT, zh TEXT, en TEXT, json TEXT);
CREATE TABLE synonyms(grp INTEGER, form TEXT);
CREATE VIRTUAL TABLE fts_zh USING fts5(zh, tokenize='unicode61', content='', columnsize=1);
CREATE VIRTUAL TABLE fts_en USING fts5(en, tokenize='porter unicode61', content='', columnsize=1);
CREATE VIRTUAL TABLE fts_fields USING fts5(own, national, standard, tokenize='unicode61', content='', columnsize=1);
CREATE TABLE item_fields(item INTEGER PRIMARY KEY, own TEXT, national TEXT, standard TEXT);
"""

BROWSE_INDEX = """
CREATE VIRTUAL TABLE items_fts USING fts5(text, heading, category, summary, content="items", content_rowid="rowid", tokenize="trigram");
INSERT INTO items_fts(items_fts) VALUES ('rebuild');
"""
"""The trigram index Datasette's search box uses, for `export --format sqlite` only: powerkb's own
searches use fts_zh / fts_fields, and the index is a sixth of a store (docs/performance.md)."""

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
CREATE INDEX obligation_items_item ON obligation_items(item, obligation);
CREATE INDEX obligation_items_obligation ON obligation_items(obligation, spec);
CREATE INDEX obl_occ_item ON obligation_occurrences(item);
CREATE INDEX obl_occ_date ON obligation_occurrences(date, item);
CREATE INDEX obl_occ_kind ON obligation_occurrences(kind, item);
CREATE INDEX obl_occ_occurrence ON obligation_occurrences(occurrence, spec);
CREATE INDEX occurrence_parties_unit ON occurrence_parties(role, unit, occurrence);
CREATE INDEX occurrence_parties_occurrence ON occurrence_parties(occurrence);
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


TEXT_FIELDS = ("own", "national", "standard")
"""The parts of an item's text a search may be scoped to (`text ~`, `national ~`, `standard ~`)."""


def field_texts(item) -> tuple[str, str, str]:
    """The item's own statement (its verbatim text and heading), the national column a 附表2 row
    quotes, and an indicator's completion standard: searched apart, so that a Shanxi row is not
    found for words only its quoted national column contains."""
    own = " ".join([*item.pieces, item.heading or ""])
    return own, " ".join(item.national), " ".join(item.standard)


def item_rows(kb, items):
    """Rows for every table, item by item (a generator, so 100k items stream through).

    The JSON lives in its own table so that scans of `items` stay small; it is written compact
    (no spaces after `,` and `:`), the most part of the store's size (docs/performance.md)."""
    from kb.store.obligations import Record  # building only: opening a store needs none of these

    for seq, item in enumerate(items, start=1):
        doc = kb.documents[item.doc]
        dl = item.deadline
        yield "items", (
            seq, item.id, item.doc, item.ref, item.kind, item.parent, item.category, item.heading,
            " › ".join(item.section), doc.jurisdiction, item.summary, item.text,
            _d(dl.next_date) if dl else None, item.deadline_kind, search_blob(item), seq,
        )
        yield "item_json", (seq, json.dumps(item.to_dict(), ensure_ascii=False, separators=(",", ":")))
        yield "_record", Record.of(item, seq)
        for r in item.units:
            yield "item_units", (seq, r.unit, r.role, r.as_written, r.written_role, r.column)
        yield from _target_rows(seq, item)
        yield from _occurrence_rows(seq, item)
        yield from _text_rows(seq, item)


def _target_rows(seq: int, item):
    for t in item.targets:
        a = t.alternative
        yield "targets", (
            seq, t.metric, t.customer, t.area, t.stage, t.comparator, t.value, t.unit,
            _d(t.by), _d(t.from_), a.metric if a else None, a.comparator if a else None,
            a.value if a else None, a.unit if a else None, t.quote,
        )


def _occurrence_rows(seq: int, item):
    """One row per item and date: the first-listed (stated first) deadline on a date speaks for it."""
    from kb.store.obligations import stated_first

    if not item.deadlines:
        yield "occurrences", (seq, None, "none", None, None, None, 0, "stated")
    seen = set()
    for n, dl in stated_first(item.deadlines):
        for d in dl.occurrences() or [None]:
            key = (d, None if d else dl.kind)
            if key not in seen:
                seen.add(key)
                yield "occurrences", (seq, _d(d), dl.kind, dl.phrase, dl.scope, dl.label, n, dl.basis)


def _text_rows(seq: int, item):
    """The text indexes: bigrams of all verbatim text, the English summary, and each field apart."""
    from kb.loading.sources import squash
    from kb.store.textindex import index_text

    zh = " ".join(p for pieces in item.verbatim().values() for p in pieces)
    zh += " " + (item.heading or "") + " " + (item.category or "")
    yield "fts_zh", (seq, index_text(zh))
    yield "fts_en", (seq, item.summary)
    parts = field_texts(item)
    yield "fts_fields", (seq, *(index_text(p) for p in parts))
    yield "item_fields", (seq, *(squash(p).casefold() for p in parts))


_INSERT = {
    "items": "INSERT INTO items VALUES (" + ",".join("?" * 16) + ")",
    "item_json": "INSERT INTO item_json VALUES (?,?)",
    "item_units": "INSERT INTO item_units VALUES (?,?,?,?,?,?)",
    "targets": "INSERT INTO targets VALUES (" + ",".join("?" * 15) + ")",
    "occurrences": "INSERT INTO occurrences VALUES (?,?,?,?,?,?,?,?)",
    "fts_zh": "INSERT INTO fts_zh(rowid, zh) VALUES (?,?)",
    "fts_en": "INSERT INTO fts_en(rowid, en) VALUES (?,?)",
    "fts_fields": "INSERT INTO fts_fields(rowid, own, national, standard) VALUES (?,?,?,?)",
    "item_fields": "INSERT INTO item_fields VALUES (?,?,?,?)",
}


PAGE_SIZE = 16384
"""An item's JSON is 2-3 kB: on SQLite's default 4 kB pages most rows take a page of their own and
a quarter of the item_json table is empty space. 16 kB pages pack them (-9% for the whole store,
docs/performance.md) with no measurable change in query latency."""

STORE_FORMAT = "powerkb-store/3"  # 3: items_fts only in the export (BROWSE_INDEX)
"""The store's schema version, kept in its meta table: a cached store of another version (or of
another fingerprint) is rebuilt."""


def insert_obligations(con, records: dict, links) -> None:
    """The duty tables (kb.store.obligations) for the items stored, from their records (rowid =
    their place). Links to items not stored (an export with --where) are left out. Duty by
    duty, so that what is held in memory is one duty's occurrences."""
    from kb.store.obligations import duties_of, duty_occurrences, specificity

    duties = duties_of(records, links)
    members: dict[str, list[str]] = {}
    for item_id, ds in duties.items():
        for d in ds:
            members.setdefault(d, []).append(item_id)
    key = specificity(records)
    obligation_items, duty_rows, occ_rows, parties = [], [], [], []
    next_occ = 1
    for n, (duty, ids) in enumerate(members.items(), start=1):
        ids.sort(key=key)
        spec = {i: s for s, i in enumerate(ids, start=1)}
        obligation_items += [(n, records[i].seq, spec[i]) for i in ids]
        groups: dict[str, list] = {}
        for o in duty_occurrences(duty, ids, records):
            groups.setdefault(o.obligation, []).append((next_occ, o))
            parties += [(next_occ, records[o.item].seq, "subject", u) for u in o.subjects]
            parties += [(next_occ, records[o.item].seq, "recipient", u) for u in o.recipients]
            next_occ += 1
        first = None
        for group in groups.values():
            # the representative: the most specific item, a stated date before an inferred one
            rep_rowid, rep = min(group, key=lambda g: (g[1].basis != "stated", spec[g[1].item], g[0]))
            earliest = (rep.date is None, rep.date or "", rep.kind, rep.phrase)
            if rep.basis == "stated" and (first is None or earliest < first):
                first = earliest
            stating = sorted({o.item for _, o in group}, key=lambda i: records[i].seq)
            for rowid, o in group:
                occ_rows.append((rowid, n, o.obligation, records[o.item].seq, o.date, o.kind, o.phrase, o.scope,
                                 o.label, o.basis, o.reason, spec[o.item], o.seq, rep_rowid,
                                 json.dumps(stating) if rowid == rep_rowid else None, len(o.subjects)))
        duty_rows.append((n, duty, records[duty].seq if duty in records else None, *_first(first),
                          json.dumps({"id": duty, "ids": sorted(ids, key=lambda i: records[i].seq)})))
        if len(occ_rows) >= 5000:
            _flush(con, obligation_items, duty_rows, occ_rows, parties)
    _flush(con, obligation_items, duty_rows, occ_rows, parties)


def _first(found) -> tuple:
    """(due, due_kind, due_phrase) of a duty from its first stated occurrence."""
    if found is None:
        return None, "none", None
    _, due, kind, phrase = found
    return due or None, kind, phrase


def _flush(con, obligation_items: list, duty_rows: list, occ_rows: list, parties: list) -> None:
    con.executemany("INSERT INTO obligation_items VALUES (?,?,?)", obligation_items)
    con.executemany("INSERT INTO obligations VALUES (?,?,?,?,?,?,?)", duty_rows)
    con.executemany("INSERT INTO obligation_occurrences VALUES (" + ",".join("?" * 16) + ")", occ_rows)
    con.executemany("INSERT INTO occurrence_parties VALUES (?,?,?,?)", parties)
    for batch in (obligation_items, duty_rows, occ_rows, parties):
        batch.clear()


def build(kb, path: Path, items=None, fingerprint: str | None = None, *, browse_index: bool = False) -> Path:
    """Write the store for `kb` (a tree: documents, items, links, registries) to `path`
    (atomically: built aside, then renamed; the temporary file is removed on every exit path).
    `browse_index`: also the trigram index for browsing the file in Datasette (the export)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        _fill(kb, tmp, items, fingerprint, browse_index)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _fill(kb, tmp: Path, items, fingerprint, browse_index: bool = False) -> None:
    con = sqlite3.connect(tmp)
    try:
        con.executescript(f"PRAGMA page_size={PAGE_SIZE}; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        con.executescript(SCHEMA)
        records = _insert_items(con, kb, items if items is not None else kb.items.values())
        insert_obligations(con, records, kb.links)
        con.executemany("INSERT INTO links VALUES (?,?,?,?,?,?)",
                        [(l.src, l.rel, l.dst, l.note, int(l.partial), l.conflict) for l in kb.links])
        con.executemany("INSERT INTO documents VALUES (?,?,?,?,?,?)", [
            (d.id, d.title_zh, d.title_en, d.jurisdiction, d.source_file, json.dumps(d.to_dict(), ensure_ascii=False))
            for d in kb.documents.values()
        ])
        _insert_registries(con, kb.registries)
        con.executescript(INDEXES)
        stamp = fingerprint if fingerprint is not None else getattr(kb, "fingerprint", "")
        con.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (stamp,))
        con.execute("INSERT INTO meta VALUES ('format', ?)", (STORE_FORMAT,))
        con.execute("INSERT INTO fts_zh(fts_zh) VALUES ('optimize')")
        if browse_index:
            con.executescript(BROWSE_INDEX)  # reads items (content=)
        con.commit()
    finally:
        con.close()


def _insert_items(con, kb, items) -> dict:
    """Every item's rows, in batches; returns what the duty rule needs of each item."""
    batches: dict[str, list] = {name: [] for name in _INSERT}
    records: dict = {}  # kept while the items stream
    for table, row in item_rows(kb, items):
        if table == "_record":
            records[row.id] = row
            continue
        batch = batches[table]
        batch.append(row)
        if len(batch) >= 5000:
            con.executemany(_INSERT[table], batch)
            batch.clear()
    for table, batch in batches.items():
        if batch:
            con.executemany(_INSERT[table], batch)
    return records


def _insert_registries(con, reg) -> None:
    """Units (with every name and stated or inferred membership), terms and synonyms."""
    units = reg.units.values()
    con.executemany("INSERT INTO units VALUES (?,?,?,?,?,?,?,?)", [
        (u.id, u.zh, u.en, u.level, u.kind, u.parent, int(u.collective), json.dumps(u.to_dict(), ensure_ascii=False))
        for u in units
    ])
    con.executemany("INSERT INTO unit_names VALUES (?,?)", sorted({
        (name.casefold(), u.id) for u in units for name in (u.id, *u.names)
    }))
    con.executemany("INSERT INTO unit_members VALUES (?,?,?,?,?)", [
        (u.id, j, m, "stated", None) for u in units for j, members in u.members for m in members
    ] + [
        (u.id, j, m, "inferred", reason) for u in units for j, members in u.inferred_members for m, reason in members
    ])
    con.executemany("INSERT INTO terms VALUES (?,?,?,?,?)", [
        (kind, t.id, t.zh, t.en, json.dumps(t.to_dict(), ensure_ascii=False))
        for kind in ("metrics", "customers", "areas", "stages", "measures", "places")
        for t in getattr(reg, kind).values()
    ])
    con.executemany("INSERT INTO synonyms VALUES (?,?)", [
        (n, form) for n, group in enumerate(getattr(reg, "synonyms", ())) for form in group
    ])


def connect(path: Path) -> sqlite3.Connection:
    """A read-only connection to a built store."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    con.row_factory = sqlite3.Row
    return con


class StoreInvalid(Exception):
    """A cached store that must be rebuilt: unreadable, truncated, or of another version."""


def verify_store(con: sqlite3.Connection, path: Path, fingerprint: str | None) -> None:
    """Cheap integrity check of a cached store (two small reads, no scan): its meta table names
    this fingerprint and format, and the file is as long as its header says (a truncated file
    is not). Raises `StoreInvalid`."""
    try:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        (pages,) = con.execute("PRAGMA page_count").fetchone()
        (size,) = con.execute("PRAGMA page_size").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreInvalid(str(exc)) from None
    if meta.get("format") != STORE_FORMAT or (fingerprint is not None and meta.get("fingerprint") != fingerprint):
        raise StoreInvalid("another version")
    if path.stat().st_size < pages * size:
        raise StoreInvalid("truncated")


class Store:
    """An open store: its read-only connection and the query vocabulary read from it."""

    def __init__(self, path: Path, policies: Path | None = None, fingerprint: str | None = None):
        self.path = path
        self.policies = policies
        self.con = connect(path)
        if fingerprint is not None:
            try:
                verify_store(self.con, path, fingerprint)
            except StoreInvalid:
                self.con.close()
                raise
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


def open_store(where, tree, rebuild: bool = False) -> Store:
    """The store of a cache entry (`kb.loading.cache.CacheEntry`), built on first use from
    `tree()` and cached until the tree changes. The fast path (cache hit) reads no YAML.

    A cached store that fails `verify_store` (or `rebuild`: one that failed a query) is built
    again, once, under the entry's build lock; a process that waited for another's build uses it."""
    path = where.store_path
    if not rebuild:
        try:
            return Store(path, where.root, where.key)
        except (StoreInvalid, sqlite3.Error, OSError):
            pass
    with where.building():
        if not rebuild:
            try:
                return Store(path, where.root, where.key)  # built while we waited
            except (StoreInvalid, sqlite3.Error, OSError):
                pass
        build(tree(), path, fingerprint=where.key)
    return Store(path, where.root, where.key)


def item_json_rows(con: sqlite3.Connection):
    """(rowid, public JSON text) of every item, in order: what an export of the items as JSON
    holds (bench/run.py compares the store's size with it)."""
    yield from con.execute("SELECT item, json FROM item_json ORDER BY item")
