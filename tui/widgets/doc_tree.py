"""The documents as a tree: document, section path, item; year actions under their ledger row.

The structure comes from `kb.analysis.outline.outline`; this widget only draws it and says which item was
chosen. `reveal` opens the branches down to an item and puts the cursor on it, so that the tree
follows whatever the detail pane shows.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ..messages import OpenItem


def item_label(item) -> Text:
    """The ref, then the item's heading or the start of its text."""
    label = Text(item.ref, style="cyan")
    title = item.heading or " ".join(item.text.split())
    return label.append("  " + title)


class DocTree(Tree[str | None]):
    DEFAULT_CSS = """
    DocTree { overflow-x: hidden; }
    """

    def __init__(self, base, **kwargs) -> None:
        super().__init__("documents", **kwargs)
        self.show_root = False
        self.auto_expand = True
        self.guide_depth = 2
        self._by_item: dict[str, TreeNode] = {}
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

    def reveal(self, item_id: str) -> None:
        """Expand the branches above the item and move the cursor onto it."""
        node = self._by_item.get(item_id)
        if node is None:
            return
        above = node.parent
        while above is not None:
            above.expand()
            above = above.parent
        self.call_after_refresh(self.move_cursor, node)

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        if event.node.data:
            self.post_message(OpenItem(event.node.data))
