"""The documents as a tree: document, section path, item; year actions under their ledger row.

The structure comes from `kb.analysis.outline.outline`; this widget only draws it and says which item was
chosen. `reveal` opens the branches down to an item and puts the cursor on it, so that the tree
follows whatever the detail pane shows; branches it opened only to show a previewed item are
closed again when the next item is revealed elsewhere, so passing through results does not leave
the whole tree open. In a narrow tree (at 80 columns) an item's label is its short ref (`15`, not
`indicator.15`, whose section is the branch above it), so deep labels still tell items apart.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ..messages import OpenItem

NARROW = 30  # cells: below this the labels use short refs


def short_ref(ref: str, parent_ref: str | None = None) -> str:
    """`indicator.15` → `15`, `task.2.5` → `2.5`, `ledger.task.6@2021` under its row → `@2021`."""
    if parent_ref and ref.startswith(parent_ref) and len(ref) > len(parent_ref):
        return ref[len(parent_ref):]
    head, _, rest = ref.partition(".")
    return rest if rest and head.isalpha() else ref


def item_label(item, parent=None, narrow: bool = False) -> Text:
    """The ref, then the item's heading or the start of its text."""
    ref = short_ref(item.ref, parent.ref if parent else None) if narrow else item.ref
    label = Text(ref, style="cyan")
    title = item.heading or " ".join(item.text.split())
    return label.append(" " + title)


class DocTree(Tree[str | None]):
    DEFAULT_CSS = """
    DocTree { overflow-x: hidden; }
    """

    def __init__(self, base, **kwargs) -> None:
        super().__init__("documents", **kwargs)
        self.base = base
        self.show_root = False
        self.auto_expand = True
        self.guide_depth = 2
        self._by_item: dict[str, TreeNode] = {}
        self._opened_by_reveal: list[TreeNode] = []
        self._narrow: bool | None = None
        from kb.analysis.outline import outline

        for doc in outline(base):
            self._add(self.root, doc, base)

    def _add(self, parent: TreeNode, node, base) -> None:
        label = item_label(base.items[node.item]) if node.item else Text(node.label, style="bold" if parent is self.root else "")
        if node.children:
            branch = parent.add(label, data=node.item)
            for child in node.children:
                self._add(branch, child, base)
        else:
            branch = parent.add_leaf(label, data=node.item)
        if node.item:
            self._by_item[node.item] = branch

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_cursor)

    def _first_cursor(self) -> None:
        """The cursor on the first document, so Enter works before any ↓."""
        if self.cursor_line < 0 and self.root.children:
            self.move_cursor(self.root.children[0])

    def on_resize(self) -> None:
        narrow = self.size.width < NARROW
        if narrow == self._narrow:
            return
        self._narrow = narrow
        for item_id, node in self._by_item.items():
            item = self.base.items[item_id]
            parent = self.base.items.get(node.parent.data) if node.parent is not None and node.parent.data else None
            node.set_label(item_label(item, parent, narrow))

    def reveal(self, item_id: str) -> None:
        """Expand the branches above the item and move the cursor onto it (closing the branches
        an earlier reveal opened that this item does not need)."""
        node = self._by_item.get(item_id)
        if node is None:
            return
        path = []
        above = node.parent
        while above is not None:
            path.append(above)
            above = above.parent
        for old in self._opened_by_reveal:
            if old not in path:
                old.collapse()
        self._opened_by_reveal = [n for n in self._opened_by_reveal if n in path]
        for above in reversed(path):
            if not above.is_expanded and above is not self.root:
                above.expand()
                self._opened_by_reveal.append(above)
        self.call_after_refresh(self.move_cursor, node)

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        if event.node.data:
            self._opened_by_reveal.clear()  # the user chose this place: keep it open
            self.post_message(OpenItem(event.node.data))

    def copy_value(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None else None
