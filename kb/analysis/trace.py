"""`trace` (the chain of an item, both ways) and `coverage` (national items and their Shanxi
counterparts). Both read the link graph; kb.render.analysis writes them out."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.analysis.graph import walk
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


def trace(kb, item_id: str) -> Trace:
    kb.item(item_id)  # raises UnknownId with suggestions
    g = kb.graph
    result = Trace(item_id, _summary(kb, item_id))
    for direction, bucket in (("up", result.up), ("down", result.down)):
        for node, rel, via, depth in walk(g, item_id, direction):
            if node in kb.items:
                bucket.append(TraceStep(node, rel, via, depth, _summary(kb, node)))
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


def _ancestors(docs, doc_id: str) -> set[str]:
    """The documents a document implements, directly or through others."""
    seen, todo = set(), [doc_id]
    while todo:
        doc = docs.get(todo.pop())
        for up in doc.implemented_docs if doc else ():
            if up not in seen:
                seen.add(up)
                todo.append(up)
    return seen


def coverage_pairs(kb) -> list[tuple[str, str]]:
    """(higher, lower) document pairs coverage reports on: every document that names measures
    (`coverage` in its YAML) against every document of a lower level that implements it, or that
    implements what it implements (a plan reaches the NEA ledger through the 1479 opinion)."""
    from kb.model.entities import LEVELS

    docs = kb.documents
    rank = {lvl: n for n, lvl in enumerate(LEVELS)}
    pairs = []
    for upper in docs.values():
        if not upper.coverage:
            continue
        reach = {upper.id} | _ancestors(docs, upper.id)
        for lower in docs.values():
            below = rank.get(lower.level, -1) > rank.get(upper.level, len(LEVELS))
            if below and (_ancestors(docs, lower.id) & reach):
                pairs.append((upper.id, lower.id))
    return pairs


@dataclass
class _Links:
    """The link index coverage reads: who carries out what, and which of those links are partial."""

    down: dict[str, list[str]] = field(default_factory=dict)  # item -> the items linked to it from below
    up: dict[str, list[str]] = field(default_factory=dict)  # item -> the items it implements
    partial: set[tuple[str, str]] = field(default_factory=set)  # (item, counterpart) linked as partial

    @classmethod
    def of(cls, kb) -> "_Links":
        out = cls()
        for link in kb.links:
            if link.src not in kb.items or link.dst not in kb.items or link.rel == "same-as":
                continue
            # implements: the source carries the target out; measures: the indicator (source) is
            # carried out by the item it measures
            upper, lower = (link.dst, link.src) if link.rel == "implements" else (link.src, link.dst)
            out.down.setdefault(upper, []).append(lower)
            if link.rel == "implements":
                out.up.setdefault(link.src, []).append(link.dst)
            if link.partial:
                out.partial.add((upper, lower))
        return out


def _row(kb, links: _Links, item, lower_id: str, order) -> CoverageRow:
    items = kb.items
    direct = sorted({s for s in links.down.get(item.id, []) if items[s].doc == lower_id}, key=order)
    via = sorted((v for v in links.up.get(item.id, []) if items[v].doc != lower_id), key=order)
    through = sorted({(s, v) for v in via for s in links.down.get(v, []) if items[s].doc == lower_id and s not in direct},
                     key=lambda p: (order(p[0]), order(p[1])))
    reason = None if direct else kb.tree.missing_reason(item.id, lower_id)
    parts = [c for c in direct if (item.id, c) in links.partial]
    return CoverageRow(item.id, item.summary, via, direct, reason, lower_id, through, parts, item.text)


def coverage(kb) -> list[CoverageRow]:
    """Each measure of a higher-level document with its lower-level counterparts (or why none)."""
    links = _Links.of(kb)
    order = _order(kb)
    return [_row(kb, links, item, lower_id, order)
            for upper_id, lower_id in coverage_pairs(kb)
            for item in kb.items.values() if kb.documents[upper_id].covers(item)]


def _order(kb):
    index = {iid: n for n, iid in enumerate(kb.items)}
    return lambda iid: index.get(iid, 1 << 30)
