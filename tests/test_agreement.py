"""One traceability semantics: the query language, `trace`, `coverage` and the graph give the same
answer to "which lower-level items carry out this national item directly?".

Direction (kb/analysis/graph.py STEPS): an item is below what it implements and below the
indicator that measures it. So the direct counterparts of X are `implements = X` (items that
implement X) together with `measured-by = X` (items X measures), trace(X, depth=1).down, coverage's
`counterparts`, the graph's implements in-edges and measures out-edges, and the TUI's detail pane
(kb.analysis.outline.related, under Linked items).
"""

from __future__ import annotations

import itertools

import pytest

from kb.analysis.graph import direct
from kb.analysis.trace import coverage


def _lower_docs(base):
    """The documents below the national level (today: the Shanxi plan)."""
    return [d.id for d in base.documents.values() if d.level != "national"]


def _national(base):
    return [i for i in base.items.values() if base.documents[i.doc].level == "national"]


@pytest.fixture(scope="module")
def coverage_rows(base):
    return {(r.id, r.doc): r for r in coverage(base)}


def _from_query(base, item_id: str, doc: str) -> set[str]:
    implementers = {r.id for r in base.query(f'doc = {doc} and implements = "{item_id}"', items=True)}
    measured = {r.id for r in base.query(f'doc = {doc} and measured-by = "{item_id}"', items=True)}
    return implementers | measured


def _from_trace(base, item_id: str, doc: str) -> set[str]:
    steps = base.trace(item_id, depth=1).down
    assert all(s.depth == 1 for s in steps)
    return {s.id for s in steps if s.relation in ("implemented-by", "measures") and base.items[s.id].doc == doc}


def _from_graph(base, item_id: str, doc: str) -> set[str]:
    g = base.graph
    edges = {src for src, _, d in g.in_edges(item_id, data=True) if d["rel"] == "implements"}
    edges |= {dst for _, dst, d in g.out_edges(item_id, data=True) if d["rel"] == "measures"}
    via_direct = {n for n, _ in direct(g, item_id, "down")}
    assert edges == via_direct
    return {n for n in edges if n in base.items and base.items[n].doc == doc}


def _from_tui(base, item_id: str, doc: str) -> set[str]:
    """What the TUI's detail pane lists under Linked items (kb.analysis.outline.related)."""
    from kb.analysis.outline import related

    return {r.id for r in related(base, item_id) if r.relation in ("implemented-by", "measures") and base.items[r.id].doc == doc}


def test_every_national_item_has_one_answer(base, coverage_rows):
    national = _national(base)
    assert len({i.doc for i in national}) >= 2 and len(national) > 100
    docs = _lower_docs(base)
    assert docs
    checked_coverage = 0
    for item in national:
        for doc in docs:
            by_query = _from_query(base, item.id, doc)
            assert _from_trace(base, item.id, doc) == by_query, item.id
            assert _from_graph(base, item.id, doc) == by_query, item.id
            assert _from_tui(base, item.id, doc) == by_query, item.id
            counterpart = {r.id for r in base.query(f'doc = {item.doc} and carried-by = {doc} and id = "{item.id}"', items=True)}
            assert counterpart == ({item.id} if by_query else set()), item.id
            row = coverage_rows.get((item.id, doc))
            if row is not None:
                checked_coverage += 1
                assert set(row.counterparts) == by_query, item.id
    # every ledger row and indicator of the NEA notice, every goal and task of 1479 was compared
    assert checked_coverage == len(coverage_rows)
    assert {"nea:ledger.1", "nea:ledger.57", "nea:indicator.1", "nea:indicator.38", "1479:task.7"} <= {i for i, _ in coverage_rows}


def test_indicator_counterparts_are_what_it_measures(base):
    """Indicator 3 (total handling time, low-voltage non-residential) measures the Shanxi goal
    that sets the stricter limits: found as `measured-by`, as a trace step down, in coverage."""
    found = {r.id for r in base.query("doc = shanxi and measured-by = nea:indicator.3", items=True)}
    assert "shanxi:goal.2" in found
    step = next(s for s in base.trace("nea:indicator.3", depth=1).down if s.id == "shanxi:goal.2")
    assert step.relation == "measures" and step.via == "nea:indicator.3"
    assert not any(s.id == "shanxi:goal.2" for s in base.trace("nea:indicator.3").up)


def test_uncovered_rows_have_one_answer(base, coverage_rows):
    uncovered = {r.id for r in coverage_rows.values() if not r.counterparts}
    assert uncovered == {"nea:ledger.55"}  # 强化组织实施: no Shanxi item carries it out
    for doc in _lower_docs(base):
        assert {r.id for r in base.query(f"uncovered = {doc}", items=True)} == {i for (i, d), r in coverage_rows.items()
                                                                      if d == doc and not r.counterparts}
    assert {r.id for r in base.query("doc = nea and uncovered = shanxi", items=True)} == uncovered
    # the same with plain fields: NEA ledger rows with neither an implementer nor a measured item in Shanxi
    plain = {r.id for r in base.query('doc = nea and id ~ "nea:ledger." and kind != note and not carried-by = shanxi', items=True)}
    assert plain == uncovered


def test_trace_depth(base, cli):
    one = base.trace("1479:task.7", depth=1)
    every = base.trace("1479:task.7")
    assert {s.id for s in one.down} < {s.id for s in every.down}
    assert max(s.depth for s in every.down) > 1
    two = {s.id for s in base.trace("1479:task.7", depth=2).down}
    assert {s.id for s in one.down} < two <= {s.id for s in every.down}
    code, _, err = cli("trace", "1479:task.7", "--depth", "0")
    assert code == 2 and "depth" in err


def test_transitive_links_say_through_what(base):
    """A year action of the Shanxi ledger implements NEA row 33, which implements 1479 task 7:
    `implements* = 1479:task.7` finds it, with the row it passed through."""
    direct_ids = {r.id for r in base.query("implements = 1479:task.7", items=True)}
    rows = {r.id: r.to_dict() for r in base.query("implements* = 1479:task.7", items=True)}
    assert direct_ids < set(rows)
    assert all(rows[i]["via"] == [] for i in direct_ids)
    action = rows["shanxi:ledger.task.7@2021"]
    assert action["via"] and action["via"][-1] in direct_ids
    link = {(l.src, l.dst) for l in base.links if l.rel == "implements"}
    chain = ["shanxi:ledger.task.7@2021", *action["via"], "1479:task.7"]
    assert all((a, b) in link for a, b in itertools.pairwise(chain))
    # every transitive answer is below 1479:task.7 in the full trace
    assert set(rows) <= {s.id for s in base.trace("1479:task.7").down}
    up = {r.id: r.to_dict()["via"] for r in base.query("implemented-by* = shanxi:ledger.task.7@2021", items=True)}
    assert up["1479:task.7"] and "1479:task.7" not in {r.id for r in base.query("implemented-by = shanxi:ledger.task.7@2021", items=True)}
