"""Two structural views a browser needs: each document's outline, and an item's neighbours.

The TUI's document tree and its list of linked items are built from these; they live here, free
of any UI code, so that another front-end (or a test) gets the same structure from the same rules.

* The outline nests every item under its section path (`item.section`), in document order; an
  item with a `parent` (a ledger row's year actions, a schedule phase's steps, a table's notes)
  sits under that parent instead, where the reader of the source finds it.
* The neighbours of an item are its parent, its children, and its links both ways.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RELATIONS = ("parent", "year-action", "part", "implements", "implemented-by", "measures",
             "measured-by", "same-as")
"""The relations `related` reports, in the order it lists them."""


@dataclass
class OutlineNode:
    label: str
    item: str | None = None  # the item id, for an item's node; None for a document or section
    children: list["OutlineNode"] = field(default_factory=list)

    def walk(self):
        """This node and every node below it, depth first, in order."""
        yield self
        for child in self.children:
            yield from child.walk()


def outline(kb) -> list[OutlineNode]:
    """One node per document (labelled with its id and title), sections and items below it."""
    roots: dict[str, OutlineNode] = {}
    sections: dict[tuple[str, ...], OutlineNode] = {}
    by_item: dict[str, OutlineNode] = {}
    for doc in kb.documents.values():
        roots[doc.id] = OutlineNode(f"{doc.id}  {doc.title_zh}")
    for item in kb.items.values():
        node = OutlineNode(item.ref, item.id)
        by_item[item.id] = node
        if item.parent in by_item:
            by_item[item.parent].children.append(node)
            continue
        above = roots[item.doc]
        for depth in range(1, len(item.section) + 1):
            key = (item.doc, *item.section[:depth])
            if key not in sections:
                sections[key] = OutlineNode(item.section[depth - 1])
                above.children.append(sections[key])
            above = sections[key]
        above.children.append(node)
    return list(roots.values())


@dataclass(frozen=True)
class Related:
    relation: str  # one of RELATIONS
    id: str


def related(kb, item_id: str) -> list[Related]:
    """The items next to `item_id`: parent, children (year actions or parts), then links both
    ways, grouped in the order of RELATIONS and each group in document order."""
    item = kb.item(item_id)
    found: list[Related] = []
    if item.parent and item.parent in kb.items:
        found.append(Related("parent", item.parent))
    for child in kb.children.get(item_id, []):
        found.append(Related("year-action" if kb.items[child].kind == "action" else "part", child))
    inverse = {"implements": "implemented-by", "measures": "measured-by", "same-as": "same-as"}
    for link in kb.links:
        if link.src == item_id and link.dst in kb.items:
            found.append(Related(link.rel, link.dst))
        elif link.dst == item_id and link.src in kb.items:
            found.append(Related(inverse[link.rel], link.src))
    order = {iid: n for n, iid in enumerate(kb.items)}
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda r: (RELATIONS.index(r.relation), order[r.id]))
