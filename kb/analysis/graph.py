"""The knowledge base as a graph: who must do what, which item implements or measures which.

Nodes: `doc:<id>` documents, item ids (`nea:ledger.23`), `unit:<id>` units, `metric:<id>`
metrics. Edges (attribute `rel`): contains (document -> item, row -> year action), responsible
(item -> unit, with `role`), targets-metric (item -> metric), implements, measures, same-as.
"""

from __future__ import annotations

import networkx as nx

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


STEPS = {
    # direction -> ((edge direction, link rel, relation shown), ...)
    # the item it belongs to first (a year action's row): the nearest context, before other documents
    "up": (("in", "contains", "part-of"), ("out", "implements", "implements"), ("in", "measures", "measured-by")),
    "down": (("in", "implements", "implemented-by"), ("out", "measures", "measures"), ("out", "contains", "has-part")),
}
"""What a step up or down follows; same-as both ways.

One direction for every traceability question (query, trace, coverage, the TUI): an item is
*below* what it implements, and *below* the indicator that measures it (an indicator states what
is to be achieved; the items it measures carry it out). So down from an item are the items that
implement it and the items it measures, as coverage counts them; up are what it implements and
the indicators that measure it. `relation` names the link from the start's side: X
`implemented-by` Y, X `measures` Y (down); X `implements` Y, X `measured-by` Y (up)."""

LINK_STEPS = {d: tuple(s for s in steps if s[1] != "contains") for d, steps in STEPS.items()}
"""The link steps alone (no parts, no same-as): what "directly" means in `direct`."""


def direct(g: nx.MultiDiGraph, node: str, direction: str = "down") -> list[tuple[str, str]]:
    """The items linked to `node` one step up or down by implements / measures, as (item, relation):
    the direct counterparts that query, trace at depth 1 and coverage all report."""
    return _follow(g, node, LINK_STEPS[direction])


def _step(g: nx.MultiDiGraph, node: str, direction: str) -> list[tuple[str, str]]:
    """Neighbours one step up or down, as (node, relation), then same-as neighbours."""
    return _follow(g, node, STEPS[direction] + (("out", "same-as", "same-as"), ("in", "same-as", "same-as")))


def _follow(g: nx.MultiDiGraph, node: str, steps) -> list[tuple[str, str]]:
    out = []
    for way, rel, shown in steps:
        edges = g.out_edges(node, data=True) if way == "out" else g.in_edges(node, data=True)
        for src, dst, data in edges:
            other = dst if way == "out" else src
            if data["rel"] == rel and not other.startswith("doc:"):
                out.append((other, shown))
    return out


def walk(g: nx.MultiDiGraph, start: str, direction: str, depth: int | None = None) -> list[tuple[str, str, str, int]]:
    """Breadth-first (node, relation, via, depth) from `start`, each node once; with `depth`, no
    further than that many steps (1: the direct neighbours only)."""
    seen = {start}
    frontier = [(start, 0)]
    found = []
    limit = depth
    while frontier:
        node, depth = frontier.pop(0)
        if limit is not None and depth >= limit:
            continue
        for nxt, rel in _step(g, node, direction):
            if nxt in seen:
                continue
            seen.add(nxt)
            found.append((nxt, rel, node, depth + 1))
            frontier.append((nxt, depth + 1))
    return found
