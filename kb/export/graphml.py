"""The GraphML export: the link graph (`kb.graph`) for Gephi, yEd or `networkx.read_graphml`.

GraphML attributes are typed scalars, so every attribute is cleaned: None is dropped, lists and
dicts become JSON text, and an attribute that is a number on one node and text on another is
written as text everywhere (GraphML declares one type per attribute name). Nodes keep `label`
(Gephi's and yEd's display name) and `type` (document, item, unit, metric); edges keep `rel`.
With `--where`, the graph is the selected items with the documents, units and metrics they
touch and the links among them.
"""

from __future__ import annotations

import io

import networkx as nx

from kb.core.jsonout import dumps


def _scalar(value):
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, dict)):
        return dumps(value, ensure_ascii=False)
    return str(value)


def _clean(attrs: dict) -> dict:
    return {k: _scalar(v) for k, v in attrs.items() if v is not None}


def _unify(records) -> None:
    """Make each attribute name one type: text wherever the values' types differ."""
    types: dict[str, set] = {}
    for attrs in records:
        for k, v in attrs.items():
            types.setdefault(k, set()).add(type(v))
    mixed = {k for k, t in types.items() if len(t) > 1}
    for attrs in records:
        for k in mixed & attrs.keys():
            attrs[k] = str(attrs[k])


def export_graph(base, items=None) -> nx.MultiDiGraph:
    """A copy of the KB graph with GraphML-safe attributes, restricted to `items` if given."""
    g = base.graph
    if items is not None and len(items) < len(base.items):
        keep = {i.id for i in items}
        others = {n for i in keep for n in nx.all_neighbors(g, i) if n not in base.items}
        g = g.subgraph(keep | others)
    out = nx.MultiDiGraph()
    for node, attrs in g.nodes(data=True):
        out.add_node(node, **_clean(attrs))
    for src, dst, key, attrs in g.edges(keys=True, data=True):
        out.add_edge(src, dst, key=key, **_clean(attrs))
    _unify([a for _, a in out.nodes(data=True)])
    _unify([a for _, _, a in out.edges(data=True)])
    return out


def graphml_bytes(base, items=None) -> bytes:
    buf = io.BytesIO()
    nx.write_graphml(export_graph(base, items), buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()
