"""Running a query against the store and shaping the answer.

A result row is an item's public JSON plus `due`: the date of the occurrence that matched (for a
`due` condition), or the item's own deadline date. A `count` gives a number, a `group by` gives
counts per group, and `diff` hands over to the diff module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from kb.query.compile import Compiled, Compiler
from kb.query.parse import Count, Diff, QueryError, Select, parse
from kb.query.vocab import vocabulary

ResultKind = Literal["rows", "count", "groups", "diff"]


class Row:
    """One answer: an item (its public JSON, decoded on first use) and the occurrence that matched.

    A row is the SQL tuple itself, `(rowid, id, due, due_phrase, due_scope, due_kind, rank)`,
    with what every row of a result shares (the store, today) behind one reference, so that
    making tens of thousands of rows costs little more than fetching them (docs/performance.md);
    the attributes are read from the tuple when asked for."""

    __slots__ = ("_ctx", "_item", "_t")

    def __init__(self, t: tuple, ctx: _Shared):
        self._t, self._ctx, self._item = t, ctx, None

    id = property(lambda self: self._t[1])
    due = property(lambda self: self._t[2])
    due_phrase = property(lambda self: self._t[3])
    due_scope = property(lambda self: self._t[4])
    due_kind = property(lambda self: self._t[5])
    rank = property(lambda self: self._t[6])

    @property
    def overdue(self) -> bool:
        due = self._t[2]
        return bool(due and due < self._ctx.today)

    @property
    def item(self) -> dict:
        if self._item is None:
            self._item = self._ctx.store.item_json(self._t[0])
        return self._item

    def to_dict(self) -> dict:
        out = dict(self.item)
        out["due"] = self.due
        out["due_kind"] = self.due_kind
        if self.due_phrase is not None:
            out["due_phrase"] = self.due_phrase
        if self.due_scope:
            out["due_scope"] = self.due_scope
        out["overdue"] = self.overdue
        return out

    def _key(self) -> tuple:
        return self._t[1:] + (self.overdue,)

    def __eq__(self, other) -> bool:
        return isinstance(other, Row) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Row(id={self.id!r}, due={self.due!r}, due_phrase={self.due_phrase!r}, due_scope={self.due_scope!r}, "
                f"due_kind={self.due_kind!r}, rank={self.rank!r}, overdue={self.overdue!r})")


@dataclass
class _Shared:
    """What the rows of one result share: the store their JSON is read from, and today (ISO)."""

    store: object
    today: str


@dataclass
class QueryResult:
    query: str
    kind: ResultKind
    rows: list[Row] = field(default_factory=list)
    count: int | None = None
    groups: list[tuple[str, int]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # group key -> name (units, metrics, customers)
    group_by: str | None = None
    diff: object | None = None
    terms: list[str] = field(default_factory=list)  # search terms, for highlighting
    sql: str = field(default="", repr=False)  # what ran, with `?` for every value
    params: list = field(default_factory=list, repr=False)
    dates: list[str] = field(default_factory=list)  # each date literal and its period, for --explain

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def to_dict(self):
        if self.kind == "rows":
            return [r.to_dict() for r in self.rows]
        if self.kind == "count":
            return {"query": self.query, "count": self.count}
        if self.kind == "groups":
            return {"query": self.query, "group_by": self.group_by,
                    "groups": [{"key": k, "label": self.labels.get(k, k), "count": n} for k, n in self.groups]}
        return self.diff.to_dict()


_GROUP_SQL = {
    "doc": "i.doc",
    "kind": "i.kind",
    "category": "coalesce(i.category, '')",
    "due-year": "coalesce(substr(o.date, 1, 4), o.kind)",
    "due-month": "coalesce(substr(o.date, 1, 7), o.kind)",
}


def _terms(node) -> list[str]:
    from kb.query.parse import And, Compare, Or, Term

    if isinstance(node, (And, Or)):
        return [t for p in node.parts for t in _terms(p)]
    if isinstance(node, Term):
        return [node.value.text]
    if isinstance(node, Compare) and node.field in ("text", "summary") and node.op in ("=", "~"):
        return [node.value.text]
    return []


def run(store, text: str, today: date | None = None, limit: int | None = None, select: Select | None = None,
        statement=None) -> QueryResult:
    """Run a query on the store. `select` runs an already parsed condition (diff's `where`) with
    `text` for errors; `statement` is `text` already parsed. A diff is not run here: it needs the
    whole tree, so `KnowledgeBase.query` hands it to the analysis layer."""
    today = today or date.today()
    select_arg = select
    statement = select if select is not None else statement if statement is not None else parse(text)
    if isinstance(statement, Diff):
        raise QueryError("a diff compares whole documents: ask the knowledge base (KnowledgeBase.query), not the store",
                         text, 0, len(text))
    counting = isinstance(statement, Count)
    select: Select = statement.select if counting else statement
    lim = select.limit if select.limit is not None else limit
    plan = _plan(store, text, today, select, lim, cacheable=select_arg is None)
    if select.group is not None:
        result = _groups(plan, select.group.text.lower())
    elif counting:
        result = _count(plan)
    else:
        result = _rows(plan, select, lim)
    result.dates = list(plan.compiled.dates)  # the plan may be cached: results get their own lists
    return result


PLANS = 256
"""Compiled plans kept per store: the same query text, day and limit compile to the same SQL."""


def _plan(store, text: str, today: date, select: Select, lim: int | None, cacheable: bool) -> _Plan:
    """The plan of a query, compiled once per store (whose vocabulary never changes) and reused
    when the same text is asked again on the same day with the same limit."""
    if not cacheable:
        return _Plan.make(store, text, today, select, lim)
    plans = store.memo.setdefault("plans", {})
    key = (text, today, lim)
    plan = plans.get(key)
    if plan is None:
        if len(plans) >= PLANS:
            plans.clear()
        plan = plans[key] = _Plan.make(store, text, today, select, lim)
    return plan


@dataclass
class _Plan:
    """What every shape of answer starts from: the compiled condition, the FROM clause with its
    joins (top-level search terms are joined, one FTS pass that also gives the rank), the WHERE."""

    store: object
    text: str
    today: date
    vocab: object
    compiled: Compiled
    fts_join: str
    fts_params: list
    base: str
    where: str
    params: list

    @classmethod
    def make(cls, store, text: str, today: date, select: Select, lim: int | None) -> _Plan:
        vocab = vocabulary(store)
        compiled = Compiler(vocab, text, today, streaming=lim is not None).compile(select.expr)
        fts_join, fts_params = "", []
        for n, phrase in enumerate(compiled.fts_joins):
            fts_join += f" JOIN (SELECT rowid AS r, rank AS s FROM fts_zh WHERE fts_zh MATCH ?) f{n} ON f{n}.r = i.rowid"
            fts_params.append(phrase)
        base = "FROM items i" + fts_join + (" JOIN occurrences o ON o.item = i.rowid" if compiled.uses_due else "")
        return cls(store, text, today, vocab, compiled, fts_join, fts_params, base, f"WHERE {compiled.where}",
                   fts_params + list(compiled.params))


def _groups(plan: _Plan, key: str) -> QueryResult:
    """Counts per group: responsibilities and targets are joined; the rest are item columns."""
    base, where = plan.base, plan.where
    if key in ("unit", "role"):
        column = "u.unit" if key == "unit" else "u.role"
        sql = (f"SELECT {column} AS k, count(DISTINCT i.rowid) AS n {base} JOIN item_units u ON u.item = i.rowid "
               f"{where} GROUP BY k ORDER BY n DESC, k")
    elif key in ("metric", "customer"):
        sql = (f"SELECT coalesce(t.{key}, '') AS k, count(DISTINCT i.rowid) AS n {base} JOIN targets t ON t.item = i.rowid "
               f"{where} GROUP BY k ORDER BY n DESC, k")
    else:
        if key in ("due-year", "due-month") and not plan.compiled.uses_due:
            base += " JOIN occurrences o ON o.item = i.rowid"
        count_expr = "count(*)" if plan.compiled.uses_due or key.startswith("due") else "count(DISTINCT i.rowid)"
        sql = f"SELECT {_GROUP_SQL[key]} AS k, {count_expr} AS n {base} {where} GROUP BY k ORDER BY k"
    groups = [(str(k), int(n)) for k, n in plan.store.con.execute(sql, plan.params)]
    vocab = plan.vocab
    names = vocab.units if key == "unit" else vocab.terms.get(f"{key}s", {}) if key in ("metric", "customer") else {}
    labels = {k: names[k]["zh"] for k, _ in groups if k in names}
    return QueryResult(plan.text, "groups", groups=groups, group_by=key, labels=labels, sql=sql, params=list(plan.params))


def _count(plan: _Plan) -> QueryResult:
    """As many as the rows the query shows: items, or (item, date) occurrences."""
    sql = f"SELECT count(*) {plan.base} {plan.where}"
    n = plan.store.con.execute(sql, plan.params).fetchone()[0]
    return QueryResult(plan.text, "count", count=n, sql=sql, params=list(plan.params))


def _rank(plan: _Plan) -> tuple[str, str, list]:
    """(rank expression, its joins, their parameters): bm25 of the positive search terms."""
    compiled = plan.compiled
    joins, params = plan.fts_join, list(plan.fts_params)
    parts = [f"f{n}.s" for n in range(len(compiled.fts_joins))]
    if compiled.rank_zh:
        joins += " LEFT JOIN (SELECT rowid AS r, bm25(fts_zh) AS s FROM fts_zh WHERE fts_zh MATCH ?) rz ON rz.r = i.rowid"
        params.append(" OR ".join(f"({e})" for e in compiled.rank_zh))
        parts.append("coalesce(rz.s, 0)")
    if compiled.rank_en:
        joins += " LEFT JOIN (SELECT rowid AS r, bm25(fts_en) AS s FROM fts_en WHERE fts_en MATCH ?) re ON re.r = i.rowid"
        params.append(" OR ".join(f"({e})" for e in compiled.rank_en))
        parts.append("coalesce(re.s, 0)")
    return (" + ".join(parts) if parts else "NULL"), joins, params


def _order(compiled: Compiled, select: Select, ranked: bool) -> list[str]:
    """ORDER BY terms: as asked, else by rank, then date; always ending in a unique key."""
    order = []
    for value, direction in select.order or []:
        key, d = value.text.lower(), direction.upper()
        if key == "due":
            col = "o.date" if compiled.uses_due else "i.deadline"
            order.append(f"{col} IS NULL, {col} {d}")
        elif key == "rank":
            order.append(f"rank {d}")
        elif key == "id":
            order.append(f"i.rowid {d}")
        else:
            order.append(f"i.{key} {d}")
    if not order:
        order = ["rank ASC"] if ranked else []
        if compiled.uses_due and not compiled.undated_only:
            # with only dated rows, (date, item) is the index's own order: no sort, LIMIT stops early
            order.append("o.date" if compiled.dated_only else "o.date IS NULL, o.date")
    order.append("o.item" if compiled.uses_due else "i.rowid")
    return order


def _rows(plan: _Plan, select: Select, lim: int | None) -> QueryResult:
    """The rows: only ids and sort keys go through the sort; an item's JSON is read when a row is used."""
    compiled = plan.compiled
    rank_sql, joins, rank_params = _rank(plan)
    if compiled.uses_due:  # occurrences hold one row per item and date
        columns = "i.rowid, i.id, o.date AS due, o.phrase, o.scope, o.kind"
    else:
        columns = "i.rowid, i.id, i.deadline AS due, NULL, NULL, i.deadline_kind"
    order = _order(compiled, select, rank_sql != "NULL")
    if compiled.uses_due and compiled.dated_only and not select.order and rank_sql == "NULL":
        # walk occurrences in (date, item) index order and stop at the limit: no sort at all
        source = f"FROM occurrences o CROSS JOIN items i ON i.rowid = o.item{joins}"
    else:
        source = f"FROM items i{joins}" + (" JOIN occurrences o ON o.item = i.rowid" if compiled.uses_due else "")
    sql = f"SELECT {columns}, {rank_sql} AS rank {source} {plan.where} ORDER BY {', '.join(order)}"
    if lim is not None:
        sql += " LIMIT ?"
    params = rank_params + list(compiled.params) + ([lim] if lim is not None else [])
    shared = _Shared(plan.store, plan.today.isoformat())
    cursor = plan.store.con.cursor()
    cursor.row_factory = None  # plain tuples: each becomes a Row as it is
    rows = [Row(t, shared) for t in cursor.execute(sql, params).fetchall()]
    return QueryResult(plan.text, "rows", rows=rows, terms=_terms(select.expr), sql=sql, params=params)


__all__ = ["QueryError", "QueryResult", "Row", "run"]
