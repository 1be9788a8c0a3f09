"""The knowledge base as a graph: who must do what, which item implements or measures which.

Nodes: `doc:<id>` documents, item ids (`nea:ledger.23`), `unit:<id>` units, `metric:<id>`
metrics. Edges (attribute `rel`): contains (document -> item, row -> year action), responsible
(item -> unit, with `role`), targets-metric (item -> metric), implements, measures, same-as.
"""

from __future__ import annotations

import networkx as nx

LINK_RELS = ("implements", "measures", "same-as")


def build_graph(kb) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for doc in kb.documents.values():
        g.add_node(f"doc:{doc.id}", type="document", label=doc.title_zh, title_en=doc.title_en)
    for unit in kb.units.values():
        g.add_node(f"unit:{unit.id}", type="unit", label=unit.zh, en=unit.en, level=unit.level)
    for metric in kb.metrics.values():
        g.add_node(f"metric:{metric.id}", type="metric", label=metric.zh, en=metric.en)
    for item in kb.items.values():
        g.add_node(item.id, type="item", kind=item.kind, doc=item.doc, label=item.heading or item.ref,
                   summary=item.summary, deadline=item.deadline.next_date.isoformat() if item.deadline and item.deadline.next_date else "")
        g.add_edge(f"doc:{item.doc}", item.id, rel="contains")
        if item.parent:
            g.add_edge(item.parent, item.id, rel="contains")
        for r in item.units:
            g.add_edge(item.id, f"unit:{r.unit}", rel="responsible", role=r.role)
        for metric in dict.fromkeys(t.metric for t in item.targets):
            g.add_edge(item.id, f"metric:{metric}", rel="targets-metric")
    for link in kb.links:
        if link.src in g and link.dst in g:
            g.add_edge(link.src, link.dst, rel=link.rel)
    return g


def _step(g: nx.MultiDiGraph, node: str, direction: str):
    """Neighbours one step up (what `node` implements, measures, belongs to) or down."""
    out = []
    if direction == "up":
        # The item it belongs to first (a year action's row), then what it implements or measures:
        # the parent is the nearest context even when the item also links to other documents.
        for src, _, data in g.in_edges(node, data=True):
            if data["rel"] == "contains" and not src.startswith("doc:"):
                out.append((src, "part-of"))
        for _, dst, data in g.out_edges(node, data=True):
            if data["rel"] in ("implements", "measures"):
                out.append((dst, data["rel"]))
    else:
        for src, _, data in g.in_edges(node, data=True):
            if data["rel"] == "implements":
                out.append((src, "implemented-by"))
            elif data["rel"] == "measures":
                out.append((src, "measured-by"))
        for _, dst, data in g.out_edges(node, data=True):
            if data["rel"] == "contains":
                out.append((dst, "has-part"))
    for _, dst, data in g.out_edges(node, data=True):
        if data["rel"] == "same-as":
            out.append((dst, "same-as"))
    for src, _, data in g.in_edges(node, data=True):
        if data["rel"] == "same-as":
            out.append((src, "same-as"))
    return out


def walk(g: nx.MultiDiGraph, start: str, direction: str) -> list[tuple[str, str, str, int]]:
    """Breadth-first (node, relation, via, depth) from `start`, each node once."""
    seen = {start}
    frontier = [(start, 0)]
    found = []
    while frontier:
        node, depth = frontier.pop(0)
        for nxt, rel in _step(g, node, direction):
            if nxt in seen:
                continue
            seen.add(nxt)
            found.append((nxt, rel, node, depth + 1))
            frontier.append((nxt, depth + 1))
    return found
