"""`trace` (the chain of an item, both ways) and `coverage` (national items and their Shanxi
counterparts). Both read the link graph; kb.render.analysis writes them out."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.analysis.graph import direct, walk
from kb.core.i18n import label


def _summary(kb, item_id: str) -> dict:
    item = kb.items[item_id]
    dl = item.deadline
    return {
        "kind": item.kind, "doc": item.doc, "summary": item.summary, "text": item.text,
        "deadline": dl.next_date.isoformat() if dl and dl.next_date else None,
        "deadline_kind": item.deadline_kind,
        "units": [{"id": r.unit, "name": kb.units[r.unit].zh if r.unit in kb.units else r.unit, "role": r.role}
                  for r in item.units],
    }


@dataclass
class TraceStep:
    id: str
    relation: str
    via: str
    depth: int
    info: dict

    def to_dict(self) -> dict:
        return {"id": self.id, "relation": self.relation, "via": self.via, "depth": self.depth, **self.info,
                "relation_name": label(f"relation.{self.relation}"), "kind_name": label(f"kind.{self.info['kind']}")}


@dataclass
class Trace:
    id: str
    item: dict
    up: list[TraceStep] = field(default_factory=list)
    down: list[TraceStep] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"id": self.id, "item": self.item, "up": [s.to_dict() for s in self.up],
                "down": [s.to_dict() for s in self.down]}


def trace(kb, item_id: str, depth: int | None = None) -> Trace:
    """The chain of an item both ways (kb.analysis.graph.STEPS says which way is down), each step
    with the item it passed through (`via`); `depth` stops after that many steps (None: all)."""
    kb.item(item_id)  # raises UnknownId with suggestions
    g = kb.graph
    result = Trace(item_id, _summary(kb, item_id))
    for direction, bucket in (("up", result.up), ("down", result.down)):
        for node, rel, via, depth_ in walk(g, item_id, direction, depth):
            if node in kb.items:
                bucket.append(TraceStep(node, rel, via, depth_, _summary(kb, node)))
    return result


@dataclass
class CoverageRow:
    """One measure of a higher-level document and what a lower-level plan does with it.

    `counterparts` are the plan's items linked to the measure itself (direct: they implement it,
    or the indicator measures them); `through` are the plan's items reached only through an item
    the measure implements (`via`), each with the item it passed through. Only direct
    counterparts make a measure covered."""

    id: str
    summary: str
    via: list[str]
    counterparts: list[str]
    reason: str | None
    doc: str = ""  # the lower-level document
    through: list[tuple[str, str]] = field(default_factory=list)  # (plan item, the item passed through)
    partial: list[str] = field(default_factory=list)  # the direct counterparts that carry out only part of it
    text: str = ""  # the measure's verbatim text, what a Chinese reader sees beside its id

    def to_dict(self) -> dict:
        return {"id": self.id, "summary": self.summary, "via": self.via,
                self.doc: self.counterparts, "counterparts": self.counterparts, "doc": self.doc,
                "through": [{"id": i, "via": v} for i, v in self.through], "partial": self.partial,
                "covered": bool(self.counterparts), "reason": self.reason, "text": self.text}


def coverage_pairs(kb) -> list[tuple[str, str]]:
    """(higher, lower) document pairs coverage reports on: every document that names measures
    (`coverage` in its YAML) against every document of a lower level that implements it, or that
    implements what it implements (a plan reaches the NEA ledger through the 1479 opinion)."""
    from kb.model.entities import LEVELS, implemented_by

    docs = kb.documents
    rank = {lvl: n for n, lvl in enumerate(LEVELS)}
    pairs = []
    for upper in docs.values():
        if not upper.coverage:
            continue
        reach = {upper.id} | implemented_by(docs, upper.id)
        for lower in docs.values():
            below = rank.get(lower.level, -1) > rank.get(upper.level, len(LEVELS))
            if below and (implemented_by(docs, lower.id) & reach):
                pairs.append((upper.id, lower.id))
    return pairs


def coverage(kb) -> list[CoverageRow]:
    """Each measure of a higher-level document with its lower-level counterparts (or why none).

    Counterparts are the graph's direct down steps (kb.analysis.graph.direct): the same
    definition as `trace --depth 1` and the query's `implements = X` / `measured-by = X`."""
    items = kb.items
    g = kb.graph

    def down(item_id: str) -> list[str]:  # the items carrying it out, as trace and query see them
        return [n for n, _ in direct(g, item_id, "down") if n in items]

    def up(item_id: str) -> list[str]:  # the items it implements
        return [n for n, rel in direct(g, item_id, "up") if rel == "implements" and n in items]

    partial = {(l.dst, l.src) if l.rel == "implements" else (l.src, l.dst)
               for l in kb.links if l.partial and l.rel in ("implements", "measures")}  # (item, counterpart)
    order = _order(kb)
    rows = []
    for upper_id, lower_id in coverage_pairs(kb):
        upper = kb.documents[upper_id]
        for item in items.values():
            if not upper.covers(item):
                continue
            found = sorted({s for s in down(item.id) if items[s].doc == lower_id}, key=order)
            via = sorted((v for v in up(item.id) if items[v].doc != lower_id), key=order)
            through = sorted({(s, v) for v in via for s in down(v) if items[s].doc == lower_id and s not in found},
                             key=lambda p: (order(p[0]), order(p[1])))
            reason = None if found else kb.tree.missing_reason(item.id, lower_id)
            parts = [c for c in found if (item.id, c) in partial]
            rows.append(CoverageRow(item.id, item.summary, via, found, reason, lower_id, through, parts))
    return rows


def _order(kb):
    index = {iid: n for n, iid in enumerate(kb.items)}
    return lambda iid: index.get(iid, 1 << 30)
