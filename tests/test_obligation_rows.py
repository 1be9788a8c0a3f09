"""How obligation rows are read (kb/query/run.py): a limit is the first N obligations of the whole
answer wherever it cuts, a `due` query that reads no item column skips the items table, the duty
comes from the obligation's id, and the ids are sliced from their stored JSON. Each path must
give exactly what the plain one gives (docs/obligations.md)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

CITY = "due <= 2021-12 and unit = 市能源局"
# duty rows, dated rows, a subject match, ranked (search) and ordered answers; each collapses
# several items into some of its obligations (more rows in the item view than obligations)
COLLAPSING = ["doc = shanxi", "doc = shanxi and due in 2021", CITY, "due <= 2021-12", "办电", "报送 and due <= 2022-12",
              "doc = shanxi order by due desc", "kind = action or kind = obligation"]


def shown(row) -> tuple:
    return (row.id, row.duty, row.item_id, row.ids, row.due, row.due_phrase, row.due_scope, row.due_kind,
            row.overdue, row.basis, row.rank)


@pytest.mark.parametrize("text", COLLAPSING)
def test_a_limit_is_the_start_of_the_whole_answer_wherever_it_cuts(qo, q, text):
    full = qo(text)
    assert len(q(text).rows) > len(full.rows) > 4  # rows collapse: some limits cut inside a group
    whole = [shown(r) for r in full.rows]
    for n in range(1, len(whole) + 2):
        assert [shown(r) for r in qo(text, limit=n).rows] == whole[:n], n
        assert [shown(r) for r in qo(f"{text} limit {n}").rows] == whole[:n], n


def test_a_limit_reads_on_when_the_first_rows_collapse_too_much(qo):
    # ordered by date, the ledger rows' year actions come in runs of one duty: reading a few rows
    # per obligation is not enough, and the query reads every row (its SQL has no LIMIT)
    text = "doc = shanxi order by due desc"
    whole = [shown(r) for r in qo(text).rows]
    read_on = [n for n in range(1, len(whole) + 1) if "LIMIT" not in qo(text, limit=n).sql]
    assert read_on
    for n in read_on:
        assert [shown(r) for r in qo(text, limit=n).rows] == whole[:n]


@pytest.mark.parametrize("period", ["2021", "2021-Q3", "2022"])
def test_a_due_query_without_item_columns_reads_no_items_and_answers_the_same(qo, period):
    alone = qo(f"due in {period}")
    # the same condition with one that every item meets and that names an item column
    joined = qo(f"due in {period} and (doc = shanxi or not doc = shanxi)")
    assert " items i " not in alone.sql and " items i " in joined.sql
    assert alone.rows and alone.to_dict() == joined.to_dict()


def test_a_rows_duty_is_its_obligations_id_up_to_the_hash(store, qo):
    con = store.con
    assert con.execute("SELECT count(*) FROM items WHERE instr(id, '#') > 0").fetchone()[0] == 0
    pairs = con.execute("SELECT o.occurrence, ob.id FROM obligation_occurrences o "
                        "JOIN obligations ob ON ob.rowid = o.obligation").fetchall()
    assert pairs and all(occ.partition("#")[0] == duty for occ, duty in pairs)
    rows = qo("due <= 2022-12").rows
    duty_of = {occ: duty for occ, duty in pairs}
    assert rows and [r.duty for r in rows] == [duty_of[r.id] for r in rows]


def test_a_duty_row_shows_its_anchor(qo, base):
    rows = qo("doc = shanxi").rows
    assert rows and all(r.item_id == r.duty == r.id == r.item["id"] for r in rows)
    assert all(r.ids == sorted(r.ids, key=list(base.items).index) and r.id in r.ids for r in rows)


ids = st.lists(st.text(min_size=1), max_size=5)


@given(ids, st.text())
def test_ids_read_from_stored_json_whatever_they_hold(values, duty):
    from kb.query.run import _json_ids

    assert _json_ids(json.dumps(values)) == values
    assert _json_ids(json.dumps(values, ensure_ascii=False)) == values
    assert _json_ids(json.dumps({"id": duty, "ids": values})) == values
    # a key added after `ids` (JSON shapes grow by adding keys) is not read as part of the list
    assert _json_ids(json.dumps({"id": duty, "ids": values, "more": values})) == values


@pytest.mark.parametrize("text", ["due in 2021", CITY, "kind = action", "doc = shanxi", "doc = shanxi order by due desc", "办电"])
def test_a_limited_answer_reports_the_sql_that_reads_its_rows(store, qo, text):
    # what QueryResult.sql and .params say ran gives exactly the rows the obligations came from
    # (the benchmark times that SQL as the query's floor); where SQLite does not sort, reading
    # stops at the first row of the last obligation
    cur = store.con.cursor()
    cur.row_factory = None
    for n in (1, 3, 10):
        got = qo(text, limit=n)
        read = cur.execute(got.sql, got.params).fetchall()
        assert list(dict.fromkeys(t[0] for t in read))[:n] == [r.id for r in got.rows]
        sorts = "ORDER BY" in " ".join(s[-1] for s in cur.execute("EXPLAIN QUERY PLAN " + got.sql, got.params))
        assert not sorts or text not in ("due in 2021", "kind = action")  # the date index's order; items first
        if not sorts:
            assert read[-1][0] == got.rows[-1].id and [t[0] for t in read].index(read[-1][0]) == len(read) - 1


def test_limit_zero_gives_no_rows(qo):
    assert qo("doc = shanxi", limit=0).rows == [] and qo("due in 2021 limit 0").rows == []


def test_a_dated_rows_representative_is_read_with_or_without_the_items_table(qo):
    # one stating item: its id is the list's; several: read from the items table by rowid
    rows = qo("due <= 2022-12").rows
    assert {len(r.ids) > 1 for r in rows} == {True, False}
    assert all(r.item_id == r.item["id"] and r.item_id in r.ids for r in rows)


@pytest.mark.parametrize("sql, named", [
    ("i.rowid IN (SELECT u.item FROM item_units u)", True), ("(i.doc = ? AND o.date <= ?)", True),
    ("+i.rowid IN (?)", True), ("l.src = i.id", True),
    ("ri.id", False), ("o.item IN (SELECT u.item FROM item_units u WHERE u.role = ?)", False), ("fts_i.x", False),
    ("a.i.b", False), ("", False)])
def test_which_sql_names_an_items_column(sql, named):
    from kb.query.run import _uses_items

    assert _uses_items(sql) is named
    assert _uses_items("o.date IS NOT NULL", sql) is named


@given(st.text(min_size=1), ids)
def test_a_duty_rows_ids_whatever_its_json_holds(duty, values):
    from kb.query.run import DutyRow, _Shared

    for stated in (values, [duty]):  # any list; the common one: the duty is its only item
        row = (duty, 1, 1, None, None, "none", json.dumps({"id": duty, "ids": stated}), None)
        assert DutyRow(row, _Shared(None, "2021-06-01")).ids == stated
