"""The knowledge base object: what `kb.load()` returns and every command works on.

`KnowledgeBase` is the only place where the layers meet: it reads the tree (loading), opens the
store (store), runs queries (query) and hands diffs, traces and evaluations to the analysis and
rules layers. Nothing below it imports it, so the engine has no import cycle (import-linter
enforces this in CI).

The tree and the store are both opened on first use: a query on a cached tree touches only the
SQLite store and never unpickles the tree, which keeps `powerkb query` fast to start.
"""

from __future__ import annotations

import os
import sqlite3
from functools import cached_property

from kb.core.errors import PolicyProblems, TreeRejected, UnknownId
from kb.loading.cache import CacheEntry, entry, load, read_verdict

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold command's time)
if TYPE_CHECKING:  # a query reads the store only: the model is imported when the tree is loaded
    from kb.model.entities import Item, Problem, Tree


def _verify(tree: Tree, files: dict | None) -> list[Problem]:
    """`powerkb check` on a freshly read tree (run once per fingerprint, cached with the build)."""
    from kb.verify.check import check

    return check(tree, files=files)


def unchecked_by_env() -> bool:
    return os.environ.get("POWERKB_UNCHECKED", "").strip().lower() in ("1", "true", "yes", "on")


class KnowledgeBase:
    """Items, documents, links and registries of one policy tree, with the ways to ask them.

    Only a tree that passes `powerkb check` is served (`TreeRejected` otherwise), unless the
    caller opts out with `checked=False` (`--unchecked`, `POWERKB_UNCHECKED=1`); then
    `unchecked` is true and every query result and evaluation carries `unchecked = True`."""

    def __init__(self, where: CacheEntry, tree: Tree | None = None, *, strict: bool = True, checked: bool = True):
        self.entry = where
        self.fingerprint = where.key
        self._strict = strict
        self.checked = checked
        if tree is not None:
            from kb.core.i18n import bind_terms

            self.__dict__["tree"] = tree
            bind_terms(tree.registries)

    @classmethod
    def open(cls, policies=None, *, strict: bool = True, lazy: bool = False, checked: bool | None = None) -> KnowledgeBase:
        """The knowledge base of a policy tree; with `lazy`, nothing is read until it is needed
        (but the cached verdict of the check is: a failing tree is refused here)."""
        if checked is None:
            checked = not unchecked_by_env()
        base = cls(entry(policies), strict=strict, checked=checked)
        if checked and base.problems:
            raise TreeRejected(base.problems)
        if not lazy:
            base.tree  # noqa: B018 - load now, so that a broken tree raises here
        return base

    # -- the tree ------------------------------------------------------------------------------
    @cached_property
    def tree(self) -> Tree:
        from kb.core.i18n import bind_terms

        tree, problems = load(self.entry, verify=_verify)
        if problems is not None:
            self.__dict__.setdefault("problems", problems)
        if tree.problems and self._strict:
            raise PolicyProblems(tree.problems)
        bind_terms(tree.registries)  # renderers name metrics, classes and units from this tree
        return tree

    @cached_property
    def problems(self) -> list[Problem]:
        """What `powerkb check` finds in this tree: read from the cache (no YAML, no unpickling)
        or found by building it."""
        cached = read_verdict(self.entry)
        if cached is not None:
            return cached
        tree, problems = load(self.entry, verify=_verify)
        if (not tree.problems or not self._strict) and "tree" not in self.__dict__:
            from kb.core.i18n import bind_terms

            self.__dict__["tree"] = tree
            bind_terms(tree.registries)
        return problems

    @property
    def unchecked(self) -> bool:
        """True when this tree fails the check and is served anyway (the explicit override)."""
        return bool(self.problems) and not self.checked

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

    def _rebuild_store(self) -> None:
        """A query hit a damaged store: close it and build it again."""
        from kb.store.database import open_store

        old = self.__dict__.pop("store", None)
        if old is not None:
            old.close()
        self.__dict__["store"] = open_store(self.entry, lambda: self.tree, rebuild=True)

    def query(self, text: str, as_of=None, limit: int | None = None, *, items: bool = False,
              with_inferred: bool = False):
        """Run a query (the language of docs/query-language.md); returns a `QueryResult`.

        Rows are obligations (one per duty and occurrence, docs/obligations.md) unless `items`
        (or `show items` in the query): then one per item, or per item and date for a `due`
        condition. `with_inferred` also counts inferred memberships and dates, marking the rows
        they bring in. A `diff A vs B where …` statement is handed to the diff (it needs the
        whole tree). A damaged cached store (SQLite's DatabaseError) is rebuilt once and the
        query rerun."""
        from kb.query.parse import Diff, parse
        from kb.query.run import QueryResult, run

        statement = parse(text)
        if isinstance(statement, Diff):
            from kb.analysis.diff import diff_statement

            result = QueryResult(text, "diff", diff=diff_statement(self, statement, text, as_of))
        else:
            options = {"today": as_of, "limit": limit, "statement": statement, "items": items,
                       "with_inferred": with_inferred}
            try:
                result = run(self.store, text, **options)
            except sqlite3.DatabaseError as exc:  # rebuilt once; a second failure is a real error
                if isinstance(exc, sqlite3.OperationalError) and "interrupt" in str(exc):
                    raise  # a time limit stopped it (the server's progress handler): not damage
                self._rebuild_store()
                result = run(self.store, text, **options)
        result.unchecked = self.unchecked
        return result

    # -- analysis and rules --------------------------------------------------------------------
    def diff(self, a: str, b: str, where: str | None = None, verdicts=None):
        """Compare two documents (targets and texts); `where` narrows it like the query language
        (`verdict = stricter` included); `verdicts` keeps only target pairs of those verdicts."""
        from kb.analysis.diff import check_verdicts, diff_statement, keep_verdicts
        from kb.query.parse import parse

        text = f"diff {a} vs {b}" + (f" where {where}" if where else "")
        wanted = check_verdicts(verdicts) if verdicts else None
        return keep_verdicts(diff_statement(self, parse(text), text, None), wanted)

    def trace(self, item_id: str, depth: int | None = None):
        """What an item implements and what carries it out, both ways; `depth` 1 gives the direct
        links only (the same answer as `implements = ID` / `measured-by = ID`), None the whole chain."""
        from kb.analysis.trace import trace

        return trace(self, item_id, depth)

    def evaluate(self, case, jurisdiction: str | None = None):
        """Check a connection case (a dict with the columns of docs/evaluate.md, or a `Case`)
        against the targets in force for it; returns an `Evaluation`."""
        from kb.rules.evaluate import evaluate

        result = evaluate(self, case, jurisdiction)
        result.unchecked = self.unchecked
        return result

    @cached_property
    def graph(self):
        from kb.analysis.graph import build_graph

        return build_graph(self)
