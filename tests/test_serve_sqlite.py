"""The SQLite export for other tools: foreign keys that Datasette turns into links, a trigram
search table its search box uses (Chinese terms of 3+ characters), and the published JSON
Schemas resolvable offline from their own directory."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICIES = str(ROOT / "policies")
SCHEMAS = ROOT / "docs" / "schema"


@pytest.fixture(scope="module")
def exported_db(tmp_path_factory):
    from kb.cli import main

    path = tmp_path_factory.mktemp("ds") / "kb.db"
    assert main(["--policies", POLICIES, "export", "--format", "sqlite", "-o", str(path)]) == 0
    return path


def fks(con, table: str) -> set[tuple[str, str, str]]:
    return {(r[3], r[2], r[4]) for r in con.execute(f"PRAGMA foreign_key_list({table})")}


def test_item_references_are_foreign_keys(exported_db):
    con = sqlite3.connect(exported_db)
    assert ("item", "items", "rowid") in fks(con, "item_units")
    assert ("unit", "units", "id") in fks(con, "item_units")
    for table in ("item_json", "targets", "occurrences"):
        assert ("item", "items", "rowid") in fks(con, table)
    assert {("src", "items", "id"), ("dst", "items", "id")} <= fks(con, "links")
    assert {("doc", "documents", "id"), ("parent", "items", "id")} <= fks(con, "items")
    # the data satisfy them (SQLite leaves enforcement off; the check says what would fail)
    bad = con.execute("PRAGMA foreign_key_check").fetchall()
    assert bad == [], bad[:5]
    con.close()


def like_ids(con, term: str) -> set[str]:
    return {i for (i,) in con.execute(
        "SELECT id FROM items WHERE instr(text, ?) OR instr(coalesce(heading, ''), ?) "
        "OR instr(coalesce(category, ''), ?) OR instr(summary, ?)", (term,) * 4)}


def test_trigram_table_finds_chinese_terms_in_sqlite(exported_db):
    con = sqlite3.connect(exported_db)
    hits = {i for (i,) in con.execute(
        "SELECT i.id FROM items_fts JOIN items i ON i.rowid = items_fts.rowid WHERE items_fts MATCH '\"零投资\"'")}
    assert hits == like_ids(con, "零投资") and "nea:ledger.9" in hits
    assert len(hits) < con.execute("SELECT count(*) FROM items").fetchone()[0]
    con.close()


def test_datasette_search_box_finds_chinese_terms(exported_db):
    """Datasette itself: `items.json?_search=零投资` returns the items holding the term (it was
    silently ignored before, returning all rows), and item_units links to items and units."""
    datasette = pytest.importorskip("datasette.app")
    import anyio

    paths = ["/kb/items.json?_search=零投资&_shape=array&_col=id&_size=max",
             "/kb/items.json?_search=电价&_shape=array&_col=id",
             "/kb/item_units.json?_labels=on&_shape=array&_size=1"]

    async def get_all():
        ds = datasette.Datasette([str(exported_db)])
        try:
            await ds.invoke_startup()
            out = []
            for path in paths:
                r = await ds.client.get(path)
                assert r.status_code == 200, r.text[:200]
                out.append(r.json())
            return out
        finally:
            for db in ds.databases.values():
                db.close()
            if ds.executor is not None:
                ds.executor.shutdown(wait=True)  # its threads are not daemons

    zero, two, units = anyio.run(get_all)
    con = sqlite3.connect(exported_db)
    found = {r["id"] for r in zero}
    assert found == like_ids(con, "零投资") and "nea:ledger.9" in found
    total = con.execute("SELECT count(*) FROM items").fetchone()[0]
    assert len(found) < total
    # two-character terms are below the trigram tokenizer's reach: powerkb's own search finds them
    assert two == []
    labelled = units[0]
    assert isinstance(labelled["item"], dict) and isinstance(labelled["unit"], dict)
    con.close()


def test_export_validates_with_a_local_registry(base):
    """The real export against export-v1.json, every `$ref` resolved from docs/schema/ by a
    retrieve function that reads only that directory (no network, no `$id` host)."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.exceptions import NoSuchResource

    from kb.export.formats import export_object

    def retrieve(uri: str):
        path = SCHEMAS / uri.rsplit("/", 1)[-1]
        if path.parent != SCHEMAS or not path.is_file():
            raise NoSuchResource(ref=uri)
        return Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))

    schema = json.loads((SCHEMAS / "export-v1.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, registry=Registry(retrieve=retrieve))
    errors = [e.message for e in validator.iter_errors(export_object(base))]
    assert errors == []
    bad = export_object(base)
    bad["items"][0]["kind"] = "wish"  # only item-v1.json knows the kinds: the $ref was followed
    assert list(validator.iter_errors(bad))


def test_schema_refs_are_relative():
    for path in SCHEMAS.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert "powerkb.example" not in text, path.name


def test_the_browse_index_is_in_the_export_only(exported_db, base):
    """The trigram index is for Datasette (the export); the store powerkb queries leaves it out
    and packs item JSON on 16 kB pages (docs/performance.md: store size)."""
    con = sqlite3.connect(exported_db)
    assert con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'items_fts'").fetchone() == (1,)
    store = base.store.con
    assert store.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'items_fts%'").fetchone()[0] == 0
    assert store.execute("PRAGMA page_size").fetchone()[0] == 16384
    assert store.execute("SELECT count(*) FROM items").fetchone()[0] == con.execute("SELECT count(*) FROM items").fetchone()[0] > 200
