"""`trace` (the chain of an item, both ways) and `coverage` (national items and their Shanxi
counterparts). Both read the link graph."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.analysis.graph import walk


def _summary(kb, item_id: str) -> dict:
    item = kb.items[item_id]
    dl = item.deadline
    return {
        "kind": item.kind, "doc": item.doc, "summary": item.summary,
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
        return {"id": self.id, "relation": self.relation, "via": self.via, "depth": self.depth, **self.info}


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


def _units_text(info: dict) -> str:
    names = [u["name"] + ("" if u["role"] == "lead" else "（协同）") for u in info["units"]]
    return "、".join(dict.fromkeys(names))


def trace_text(t: Trace) -> str:
    def line(step: TraceStep) -> str:
        due = step.info["deadline"] or step.info["deadline_kind"]
        units = _units_text(step.info)
        return (f"{'  ' * step.depth}{step.relation:>15}  {step.id}  [{step.info['kind']}, due {due}]"
                + (f"  {units}" if units else "") + f"\n{'  ' * step.depth}{'':>15}  {step.info['summary']}")

    head = t.item
    out = [f"{t.id}  [{head['kind']}, due {head['deadline'] or head['deadline_kind']}]  {_units_text(head)}",
           f"  {head['summary']}", "", "up (what it implements or belongs to):"]
    out += [line(s) for s in t.up] or ["  (nothing)"]
    out += ["", "down (what implements, measures or details it):"]
    out += [line(s) for s in t.down] or ["  (nothing)"]
    return "\n".join(out)


@dataclass
class CoverageRow:
    id: str
    summary: str
    via: list[str]
    counterparts: list[str]
    reason: str | None

    def to_dict(self) -> dict:
        return {"id": self.id, "summary": self.summary, "via": self.via,
                "shanxi": self.counterparts, "covered": bool(self.counterparts), "reason": self.reason}


def coverage(kb) -> list[CoverageRow]:
    """Each 1479 item and NEA ledger row with its Shanxi counterparts (or why there is none)."""
    implementers: dict[str, list[str]] = {}
    for link in kb.links:
        if link.rel == "implements":
            implementers.setdefault(link.dst, []).append(link.src)
    nea_to_1479: dict[str, list[str]] = {}
    for link in kb.links:
        if link.rel == "implements" and link.src.startswith("nea:"):
            nea_to_1479.setdefault(link.src, []).append(link.dst)

    def shanxi_for(national: str) -> list[str]:
        return sorted({s for s in implementers.get(national, []) if s.startswith("shanxi:")}, key=_order(kb))

    rows = []
    for item in kb.items.values():
        if item.doc == "1479":
            found = shanxi_for(item.id)
            rows.append(CoverageRow(item.id, item.summary, [], found, None if found else kb.tree.no_counterpart.get(item.id)))
    for item in kb.items.values():
        if item.doc == "nea" and item.ref.startswith("ledger.") and item.ref.split(".")[1].isdigit():
            via = sorted(nea_to_1479.get(item.id, []), key=_order(kb))
            found = sorted({s for v in via for s in shanxi_for(v)}, key=_order(kb))
            rows.append(CoverageRow(item.id, item.summary, via, found, None if found else kb.tree.no_counterpart.get(item.id)))
    return rows


def _order(kb):
    index = {iid: n for n, iid in enumerate(kb.items)}
    return lambda iid: index.get(iid, 1 << 30)


def coverage_markdown(rows: list[CoverageRow]) -> str:
    covered = sum(1 for r in rows if r.counterparts)
    out = ["# Coverage: national items and their Shanxi counterparts", "",
           f"{covered} of {len(rows)} national items have a Shanxi counterpart; {len(rows) - covered} have none.", "",
           "| national item | via | Shanxi counterparts | summary |", "|---|---|---|---|"]
    for r in rows:
        shanxi = ", ".join(r.counterparts) if r.counterparts else f"**none**: {r.reason or 'not recorded'}"
        out.append(f"| {r.id} | {', '.join(r.via)} | {shanxi} | {r.summary} |")
    none = [r for r in rows if not r.counterparts]
    if none:
        out += ["", "## Without a Shanxi counterpart", ""]
        out += [f"- {r.id}: {r.reason or 'not recorded'}" for r in none]
    return "\n".join(out) + "\n"
