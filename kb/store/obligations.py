"""Obligations: the duties the items state, each once, however many places restate it.

One duty is often written several times: a body paragraph, the 附表 ledger row that repeats it
(a `same-as` link, written from the restatement to the row), the row's year actions and a
schedule phase's steps (`parent`). A question about deadlines should answer once per duty and
date, naming every place that states it. The rule (docs/obligations.md):

1. The duties of an item: if it has outgoing `same-as` links, the duties of their targets (a body
   paragraph split over two rows belongs to both); else, if it has a parent, its parent's duties;
   else the item is a duty of its own (its *anchor*). A duty's id is its anchor's id.
2. An item's occurrences: every date of every deadline (first-listed deadline per date and
   subject key), or one undated occurrence (ongoing / recurring without dates / none).
   The subject key is the deadline's own `subjects` (sorted unit ids), empty when it names none.
3. Within a duty, occurrences with the same date (or undated kind) and the same subject key are
   one obligation: id `<duty>#<date or kind>` (+ `#<unit+unit>` for an explicit subject key).

Everything here is computed once when the store is built, from the tree alone.
"""

from __future__ import annotations

from kb.core.records import record


@record(frozen=True)
class Record:
    """What the duty rule reads of an item: kept small, so that a 100k-item build can hold every
    item's record while the items themselves stream through."""

    id: str
    seq: int
    parent: str | None
    kind: str
    textlen: int
    leads: tuple[str, ...]
    deadlines: tuple

    @classmethod
    def of(cls, item, seq: int) -> Record:
        leads = tuple(dict.fromkeys(r.unit for r in item.units if r.role == "lead"))
        return cls(item.id, seq, item.parent, item.kind, len(item.text), leads, item.deadlines)


@record
class Occurrence:
    obligation: str  # <duty>#<date or kind>[#subjects]
    duty: str
    item: str
    date: str | None
    kind: str
    phrase: str | None
    scope: str | None
    label: str | None
    basis: str
    reason: str | None
    seq: int  # the deadline's place in the item
    subjects: tuple[str, ...]  # the units the deadline names as bound; empty: the item's lead units
    recipients: tuple[str, ...]


def duties_of(items: dict, links) -> dict[str, tuple[str, ...]]:
    """Item id -> the ids of the duties (anchors) it states, by the rule above."""
    out_same: dict[str, list[str]] = {}
    for link in links:
        if link.rel == "same-as" and link.src in items and link.dst in items:
            out_same.setdefault(link.src, []).append(link.dst)
    memo: dict[str, tuple[str, ...]] = {}

    def resolve(item_id: str, busy: frozenset) -> tuple[str, ...]:
        if item_id in memo:
            return memo[item_id]
        if item_id in busy:  # a cycle in the data: the item stands for itself
            return (item_id,)
        busy = busy | {item_id}
        item = items[item_id]
        if item_id in out_same:
            found = [d for dst in out_same[item_id] for d in resolve(dst, busy)]
        elif item.parent and item.parent in items and item.kind != "note":  # a note explains, states no duty
            found = list(resolve(item.parent, busy))
        else:
            found = [item_id]
        memo[item_id] = tuple(dict.fromkeys(found))
        return memo[item_id]

    return {item_id: resolve(item_id, frozenset()) for item_id in items}


def depth(items: dict, item_id: str) -> int:
    n, seen = 0, {item_id}
    parent = items[item_id].parent
    while parent and parent in items and parent not in seen:
        seen.add(parent)
        n += 1
        parent = items[parent].parent
    return n


def specificity(items: dict):
    """Sort key of the most specific statement first: deepest (a year action before its row),
    then the shortest text (a paragraph before the row that joins three), then source order."""
    def key(item_id: str):
        rec = items[item_id]
        return (-depth(items, item_id), rec.textlen, rec.seq)
    return key


def stated_first(deadlines) -> list:
    """(place, deadline) with stated dates before inferred ones, each in source order: where two
    deadlines fall on one date, the stated one speaks for it (and is there without --with-inferred)."""
    return sorted(enumerate(deadlines), key=lambda p: p[1].basis != "stated")


def item_occurrences(item):
    """(date, kind, subject key, deadline index, deadline) per distinct (date or kind, subject key)."""
    if not item.deadlines:
        yield None, "none", (), 0, None
        return
    seen = set()
    for n, dl in stated_first(item.deadlines):
        key = tuple(sorted({p.unit for p in dl.subjects}))
        for d in dl.occurrences() or [None]:
            slot = (d.isoformat() if d else dl.kind, key)
            if slot not in seen:
                seen.add(slot)
                yield (d.isoformat() if d else None), dl.kind, key, n, dl


def obligation_id(duty: str, when: str, key: tuple[str, ...]) -> str:
    return f"{duty}#{when}" + (f"#{'+'.join(key)}" if key else "")


def duty_occurrences(duty: str, member_ids: list[str], items: dict):
    """Every occurrence of one duty, item by item in the order given (most specific first)."""
    for item_id in member_ids:
        item = items[item_id]
        for when, kind, key, n, dl in item_occurrences(item):
            recipients = tuple(dict.fromkeys(p.unit for p in dl.recipients)) if dl else ()
            yield Occurrence(
                obligation_id(duty, when or kind, key), duty, item.id, when, kind,
                dl.phrase if dl else None, dl.scope if dl else None, dl.label if dl else None,
                dl.basis if dl else "stated", dl.reason if dl else None, n, key, recipients)
