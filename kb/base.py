"""The knowledge base object: what `kb.load()` returns and every command works on.

`KnowledgeBase` is the only place where the layers meet: it reads the tree (loading), opens the
store (store), runs queries (query) and hands diffs, traces and evaluations to the analysis and
rules layers. Nothing below it imports it, so the engine has no import cycle (import-linter
enforces this in CI).

The tree and the store are both opened on first use: a query on a cached tree touches only the
SQLite store and never unpickles the tree, which keeps `powerkb query` fast to start.
"""

from __future__ import annotations

from functools import cached_property

from kb.core.errors import UnknownId
from kb.loading.cache import CacheEntry, entry, load_tree

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold command's time)
if TYPE_CHECKING:  # a query reads the store only: the model is imported when the tree is loaded
    from kb.model.entities import Item, Tree


class KnowledgeBase:
    """Items, documents, links and registries of one policy tree, with the ways to ask them."""

    def __init__(self, where: CacheEntry, tree: Tree | None = None, *, strict: bool = True):
        self.entry = where
        self.fingerprint = where.key
        self._strict = strict
        if tree is not None:
            self.__dict__["tree"] = tree

    @classmethod
    def open(cls, policies=None, *, strict: bool = True, lazy: bool = False) -> "KnowledgeBase":
        """The knowledge base of a policy tree; with `lazy`, nothing is read until it is needed."""
        base = cls(entry(policies), strict=strict)
        if not lazy:
            base.tree  # noqa: B018 - load now, so that a broken tree raises here
        return base

    # -- the tree ------------------------------------------------------------------------------
    @cached_property
    def tree(self) -> Tree:
        return load_tree(self.entry, strict=self._strict)

    @property
    def root(self):
        return self.entry.root

    @property
    def documents(self):
        return self.tree.documents

    @property
    def items(self) -> dict[str, Item]:
        return self.tree.items

    @property
    def links(self):
        return self.tree.links

    @property
    def registries(self):
        return self.tree.registries

    @property
    def units(self):
        return self.tree.registries.units

    @property
    def metrics(self):
        return self.tree.registries.metrics

    def item(self, item_id: str) -> Item:
        try:
            return self.items[item_id]
        except KeyError:
            raise UnknownId(item_id, self.near_ids(item_id)) from None

    def item_json(self, item_id: str) -> dict:
        """An item's public JSON (`Item.to_dict()`), read from the store: a lazily opened base
        answers without loading the tree, so `powerkb show ID --format json` starts fast."""
        data = self.store.item_json_by_id(item_id)
        return data if data is not None else self.item(item_id).to_dict()  # unknown: UnknownId with near misses

    def near_ids(self, wanted: str, limit: int = 5) -> list[str]:
        from kb.core.fuzzy import near

        return near(wanted, list(self.items), limit=limit, cutoff=70)

    @cached_property
    def children(self) -> dict[str, list[str]]:
        """Parent id -> child ids (a ledger row's year actions, a phase's steps), in order."""
        out: dict[str, list[str]] = {}
        for item in self.items.values():
            if item.parent:
                out.setdefault(item.parent, []).append(item.id)
        return out

    # -- the store and queries -----------------------------------------------------------------
    @cached_property
    def store(self):
        from kb.store.database import open_store

        return open_store(self.entry, lambda: self.tree)

    def query(self, text: str, as_of=None, limit: int | None = None):
        """Run a query (the language of docs/query-language.md); returns a `QueryResult`.

        A `diff A vs B where …` statement is handed to the diff (it needs the whole tree)."""
        from kb.query.parse import Diff, parse
        from kb.query.run import QueryResult, run

        statement = parse(text)
        if isinstance(statement, Diff):
            from kb.analysis.diff import diff_statement

            return QueryResult(text, "diff", diff=diff_statement(self, statement, text, as_of))
        return run(self.store, text, today=as_of, limit=limit, statement=statement)

    # -- analysis and rules --------------------------------------------------------------------
    def diff(self, a: str, b: str, where: str | None = None):
        """Compare two documents (targets and texts); `where` narrows it like the query language."""
        from kb.analysis.diff import diff_statement
        from kb.query.parse import parse

        text = f"diff {a} vs {b}" + (f" where {where}" if where else "")
        return diff_statement(self, parse(text), text, None)

    def trace(self, item_id: str):
        from kb.analysis.trace import trace

        return trace(self, item_id)

    def evaluate(self, case, jurisdiction: str | None = None):
        """Check a connection case (a dict with the columns of docs/evaluate.md, or a `Case`)
        against the targets in force for it; returns an `Evaluation`."""
        from kb.rules.evaluate import evaluate

        return evaluate(self, case, jurisdiction)

    @cached_property
    def graph(self):
        from kb.analysis.graph import build_graph

        return build_graph(self)
