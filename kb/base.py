"""The knowledge base object: what `kb.load()` returns and every command works on."""

from __future__ import annotations

from functools import cached_property

from kb.core.errors import UnknownId
from kb.model.entities import Tree
from kb.model.entities import Item


class KnowledgeBase:
    """Items, documents, links and registries of one policy tree, with the ways to ask them."""

    def __init__(self, tree: Tree, fingerprint: str = ""):
        self.tree = tree
        self.fingerprint = fingerprint
        self.root = tree.root
        self.documents = tree.documents
        self.items: dict[str, Item] = tree.items
        self.links = tree.links
        self.registries = tree.registries
        self.units = tree.registries.units
        self.metrics = tree.registries.metrics

    def item(self, item_id: str) -> Item:
        try:
            return self.items[item_id]
        except KeyError:
            raise UnknownId(item_id, self.near_ids(item_id)) from None

    def near_ids(self, wanted: str, limit: int = 5) -> list[str]:
        from rapidfuzz import fuzz, process

        found = process.extract(wanted, list(self.items), scorer=fuzz.WRatio, limit=limit, score_cutoff=70)
        return [m[0] for m in found]


    @cached_property
    def children(self) -> dict[str, list[str]]:
        """Parent id -> child ids (a ledger row's year actions, a phase's steps), in order."""
        out: dict[str, list[str]] = {}
        for item in self.items.values():
            if item.parent:
                out.setdefault(item.parent, []).append(item.id)
        return out

    def diff(self, a: str, b: str, where: str | None = None):
        """Compare two documents (targets and texts); `where` narrows it like the query language."""
        from kb.analysis.diff import diff, diff_query

        if where:
            from kb.query.parse import parse

            return diff_query(self.store, parse(f"diff {a} vs {b} where {where}"), f"diff {a} vs {b} where {where}", None)
        return diff(self, a, b)

    def trace(self, item_id: str):
        from kb.analysis.trace import trace

        return trace(self, item_id)

    @cached_property
    def store(self):
        from kb.loading.cache import cache_dir
        from kb.store.database import Store, build

        path = cache_dir(self.fingerprint) / "kb.sqlite"
        if not path.is_file():
            build(self, path)
        return Store(path, self.root)

    def query(self, text: str, as_of=None, limit: int | None = None):
        """Run a query (the language of docs/query-language.md); returns a `QueryResult`."""
        from kb.query.run import run

        return run(self.store, text, today=as_of, limit=limit)

    def evaluate(self, case, jurisdiction: str = "shanxi"):
        """Check a connection case (a dict with the columns of docs/evaluate.md, or a `Case`)
        against the targets in force for it; returns an `Evaluation`."""
        from kb.rules.evaluate import evaluate

        return evaluate(self, case, jurisdiction)

    @cached_property
    def graph(self):
        from kb.analysis.graph import build_graph

        return build_graph(self)
