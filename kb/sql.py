"""Compiling a query's syntax tree to parameterised SQL over the store.

No value ever enters the SQL text: every name, date, number and search term is a `?` parameter.
Conditions on one target (metric, customer, area, stage, target value) or one responsibility
(unit, role) that are joined by `and` are checked against the same row, so
`metric = 全过程办电时间 and customer = 居民` means one target about residential full-process time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .query import (
    And, Compare, Due, ForUnit, Not, Or, QueryError, TargetCmp, Term, Value, due_range,
)
from .sources import squash
from .textindex import fts_phrase

_CJK = re.compile(r"[\u3400-\u9fff]")
_PLAIN_ASCII = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]*$")

TARGET_FIELDS = {"metric": ("metrics", "metric"), "customer": ("customers", "customer"),
                 "area": ("areas", "area"), "stage": ("stages", "stage")}
ROLE_NAMES = {"lead": "lead", "牵头": "lead", "责任": "lead", "responsible": "lead", "负责": "lead",
              "cooperate": "cooperate", "协同": "cooperate", "配合": "cooperate", "cooperating": "cooperate"}
LINK_FIELDS = {"implements": ("src", "dst", "implements"), "implemented-by": ("dst", "src", "implements"),
               "measures": ("src", "dst", "measures"), "measured-by": ("dst", "src", "measures"),
               "same-as": (None, None, "same-as")}
KINDS = ["goal", "task", "obligation", "indicator", "schedule-phase", "action", "form", "table", "note", "preamble"]


@dataclass
class Compiled:
    where: str
    params: list
    uses_due: bool = False
    rank_zh: list[str] = field(default_factory=list)  # FTS expressions of positive text terms
    rank_en: list[str] = field(default_factory=list)


class Compiler:
    def __init__(self, vocab, query: str, today: date):
        self.vocab, self.query, self.today = vocab, query, today
        self.params: list = []
        self.uses_due = False
        self.rank_zh: list[str] = []
        self.rank_en: list[str] = []

    def compile(self, node) -> Compiled:
        where = self.node(node, positive=True) if node is not None else "1"
        return Compiled(where, self.params, self.uses_due, self.rank_zh, self.rank_en)

    def p(self, value) -> str:
        self.params.append(value)
        return "?"

    def error(self, message: str, value: Value, **kw) -> QueryError:
        return QueryError(message, self.query, value.span.start, value.span.end, **kw)

    # -- structure -----------------------------------------------------------------------
    def node(self, node, positive: bool) -> str:
        if isinstance(node, And):
            return self.conjunction(node.parts, positive)
        if isinstance(node, Or):
            return "(" + " OR ".join(self.node(p, positive) for p in node.parts) + ")"
        if isinstance(node, Not):
            return f"NOT ({self.node(node.part, not positive)})"
        if isinstance(node, (Compare, ForUnit, TargetCmp)) and self.facet(node):
            return self.conjunction([node], positive)
        if isinstance(node, Compare):
            return self.compare(node, positive)
        if isinstance(node, Due):
            return self.due(node)
        if isinstance(node, Term):
            return self.text(node.value, "both", positive)
        raise AssertionError(node)

    def facet(self, node) -> str | None:
        """Which joined table a condition is about, when it is one of those."""
        if isinstance(node, TargetCmp):
            return "targets"
        if isinstance(node, ForUnit):
            return "units"
        if isinstance(node, Compare) and node.op in ("=", "~"):
            if node.field in TARGET_FIELDS:
                return "targets"
            if node.field in ("unit", "role"):
                return "units"
        return None

    def conjunction(self, parts, positive: bool) -> str:
        groups: dict[str, list] = {"targets": [], "units": []}
        plain = []
        for part in parts:
            kind = self.facet(part)
            (groups[kind] if kind else plain).append(part)
        sql = [self.node(p, positive) for p in plain]
        if groups["targets"]:
            conds = [self.target_cond(p) for p in groups["targets"]]
            sql.append("EXISTS (SELECT 1 FROM targets t WHERE t.item = i.rowid AND " + " AND ".join(conds) + ")")
        if groups["units"]:
            conds = [self.unit_cond(p) for p in groups["units"]]
            sql.append("EXISTS (SELECT 1 FROM item_units u WHERE u.item = i.rowid AND " + " AND ".join(conds) + ")")
        return "(" + " AND ".join(sql) + ")" if len(sql) > 1 else (sql[0] if sql else "1")

    # -- facets --------------------------------------------------------------------------
    def target_cond(self, node) -> str:
        if isinstance(node, TargetCmp):
            cond = f"t.value {node.op} {self.p(node.number)}"
            if node.measure is not None:
                ids = self.vocab.term_ids("measures", node.measure, self.query)
                cond += f" AND t.unit IN ({','.join(self.p(m) for m in sorted(ids))})"
            return cond
        kind, column = TARGET_FIELDS[node.field]
        ids = self.vocab.term_ids(kind, node.value, self.query)
        cond = f"t.{column} IN ({','.join(self.p(x) for x in sorted(ids))})"
        if node.field == "metric":  # an alternative (或年均同比压缩8%) is a target on its metric too
            cond = f"({cond} OR t.alt_metric IN ({','.join(self.p(x) for x in sorted(ids))}))"
        return cond

    def unit_cond(self, node) -> str:
        if isinstance(node, Compare) and node.field == "role":
            role = ROLE_NAMES.get(node.value.text.strip().lower())
            if role is None:
                raise self.error(f"unknown role '{node.value.text}'", node.value, expected=["lead or cooperate"],
                                 suggestions=[r for r in ("lead", "cooperate") if r[0] == node.value.text[:1].lower()])
            return f"u.role = {self.p(role)}"
        value = node.value
        anywhere, scoped = self.vocab.expand_units(self.vocab.unit_ids(value, self.query))
        conds = [f"u.unit IN ({','.join(self.p(x) for x in sorted(anywhere))})"]
        for coll, jur in sorted(scoped):
            conds.append(f"(u.unit = {self.p(coll)} AND i.jurisdiction = {self.p(jur)})")
        return "(" + " OR ".join(conds) + ")"

    # -- plain fields --------------------------------------------------------------------
    def compare(self, node: Compare, positive: bool) -> str:
        f, op, value = node.field, node.op, node.value
        negate = op in ("!=", "!~")
        base = {"!=": "=", "!~": "~"}.get(op, op)
        if base not in ("=", "~"):
            raise QueryError(f"'{f}' cannot be compared with '{op}'", self.query, node.span.start, node.span.end,
                             expected=["= != ~ !~"])
        if f in TARGET_FIELDS or f in ("unit", "role"):
            cond = self.conjunction([Compare(f, base, value, node.span)], positive)
        elif f == "doc":
            cond = f"i.doc = {self.p(self.vocab.doc_id(value, self.query))}"
        elif f == "kind":
            kind = value.text.strip().lower()
            if kind not in KINDS:
                raise self.error(f"unknown kind '{value.text}'", value, expected=[", ".join(KINDS)],
                                 suggestions=[k for k in KINDS if k.startswith(kind[:2])][:3])
            cond = f"i.kind = {self.p(kind)}"
        elif f in ("text", "summary"):
            cond = self.text(value, "en" if f == "summary" else "both", positive and not negate)
        elif f == "id":
            cond = f"i.id = {self.p(value.text.strip())}" if base == "=" else f"instr(i.id, {self.p(value.text.strip())}) > 0"
        elif f == "parent":
            cond = f"i.parent = {self.p(value.text.strip())}"
        elif f in ("category", "section", "heading"):
            column = {"category": "category", "section": "section", "heading": "heading"}[f]
            if base == "=" and f == "category":
                cond = f"i.{column} = {self.p(value.text.strip())}"
            else:
                cond = f"instr(coalesce(i.{column}, ''), {self.p(value.text.strip())}) > 0"
        elif f == "jurisdiction":
            ids = self.vocab.term_ids("places", value, self.query)
            cond = f"i.jurisdiction IN ({','.join(self.p(x) for x in sorted(ids))})"
        elif f in LINK_FIELDS:
            cond = self.link(f, value)
        else:  # pragma: no cover - the grammar admits only the fields above
            raise self.error(f"unknown field '{f}'", value)
        return f"NOT ({cond})" if negate else cond

    def link(self, f: str, value: Value) -> str:
        here, there, rel = LINK_FIELDS[f]
        target = value.text.strip()
        if f == "same-as":
            pair = "((l.src = i.id AND {t}) OR (l.dst = i.id AND {s}))"
            test_t, test_s = self.link_end("l.dst", target), self.link_end("l.src", target)
            if test_t is None:
                return f"NOT EXISTS (SELECT 1 FROM links l WHERE l.rel = 'same-as' AND (l.src = i.id OR l.dst = i.id))"
            return f"EXISTS (SELECT 1 FROM links l WHERE l.rel = 'same-as' AND " + pair.format(t=test_t, s=test_s) + ")"
        test = self.link_end(f"l.{there}", target)
        if test is None:  # "none": items without such a link
            return f"NOT EXISTS (SELECT 1 FROM links l WHERE l.rel = {self.p(rel)} AND l.{here} = i.id)"
        return f"EXISTS (SELECT 1 FROM links l WHERE l.rel = {self.p(rel)} AND l.{here} = i.id AND {test})"

    def link_end(self, column: str, target: str) -> str | None:
        key = target.lower()
        if key == "none":
            return None
        if key == "any":
            return "1"
        if key in self.vocab.docs:  # a document: any item of it
            return f"{column} LIKE {self.p(key + ':%')}"
        return f"{column} = {self.p(target)}"

    # -- due -----------------------------------------------------------------------------
    def due(self, node: Due) -> str:
        self.uses_due = True
        if node.mode == "state":
            state = node.op
            if state in ("ongoing", "recurring", "none"):
                return f"o.kind = {self.p(state)}"
            if state == "dated":
                return "o.date IS NOT NULL"
            if state == "overdue":
                return f"(o.date IS NOT NULL AND o.date < {self.p(self.today.isoformat())})"
            return f"(o.date IS NOT NULL AND o.date >= {self.p(self.today.isoformat())})"
        lo, hi, _, _ = due_range(node, self.query, self.today)
        conds = ["o.date IS NOT NULL"]
        if lo:
            conds.append(f"o.date >= {self.p(lo.isoformat())}")
        if hi:
            conds.append(f"o.date <= {self.p(hi.isoformat())}")
        return "(" + " AND ".join(conds) + ")"

    # -- full text -----------------------------------------------------------------------
    def text(self, value: Value, where: str, positive: bool) -> str:
        term = value.text.strip()
        if not term:
            raise self.error("empty search term", value)
        conds = []
        if where == "both" and (_CJK.search(term) or not _PLAIN_ASCII.match(term)):
            # Chinese or punctuated: exact substring semantics; the bigram index narrows first
            phrase = fts_phrase(term)
            if phrase:
                conds.append(f"i.rowid IN (SELECT rowid FROM fts_zh WHERE fts_zh MATCH {self.p(phrase)})")
                if positive:
                    self.rank_zh.append(phrase)
            conds.append(f"instr(i.blob, {self.p(squash(term).casefold())}) > 0")
            return "(" + " AND ".join(conds) + ")"
        words = re.findall(r"[A-Za-z0-9]+", term)
        if not words:
            return f"instr(i.blob, {self.p(squash(term).casefold())}) > 0"
        en = '"' + " ".join(w.lower() for w in words) + '"'
        conds.append(f"i.rowid IN (SELECT rowid FROM fts_en WHERE fts_en MATCH {self.p(en)})")
        if positive:
            self.rank_en.append(en)
        if where == "both":
            zh = fts_phrase(term)
            if zh:
                conds.append(f"i.rowid IN (SELECT rowid FROM fts_zh WHERE fts_zh MATCH {self.p(zh)})")
                if positive:
                    self.rank_zh.append(zh)
        return "(" + " OR ".join(conds) + ")"
