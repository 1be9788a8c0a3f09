"""Running a query against the store and shaping the answer.

Two views of one answer (docs/obligations.md):

* obligations (the default of `KnowledgeBase.query` and `powerkb query`): one row per duty and
  occurrence. A body paragraph, the ledger row that repeats it and the row's year actions are one
  row naming every place that states it (`ids`). Without a `due` condition, one row per duty.
* items (`show items`, `--items`, `items=True`): a row is an item's public JSON plus `due`: the
  date of the occurrence that matched (for a `due` condition), or the item's own deadline date.

A `count` gives a number, a `group by` gives counts per group (obligations or items, as the view),
and `diff` hands over to the diff module.
"""

from __future__ import annotations

import json
from datetime import date

from kb.core.deadlines import clause
from kb.core.records import field, record
from kb.query.compile import Compiled, Compiler
from kb.query.parse import Count, Diff, QueryError, Select, parse
from kb.query.vocab import vocabulary

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold command's time)
if TYPE_CHECKING:
    from typing import Literal

    ResultKind = Literal["rows", "count", "groups", "diff"]



class Row:
    """One answer: an item (its public JSON, decoded on first use) and the occurrence that matched.

    A row is the SQL tuple itself, `(rowid, id, due, due_phrase, due_scope, due_kind, rank)`,
    with what every row of a result shares (the store, today) behind one reference, so that
    making tens of thousands of rows costs little more than fetching them (docs/performance.md);
    the attributes are read from the tuple when asked for. `extra` holds the keys a condition
    adds (via, conflicts, matched: see Compiled.annotations), made on first use; `inferred` is
    set with `with_inferred` on a row only inferred facts bring in."""

    __slots__ = ("_ctx", "_extra", "_item", "_t", "inferred")

    def __init__(self, t: tuple, ctx: _Shared):
        self._t, self._ctx, self._item, self._extra, self.inferred = t, ctx, None, None, False

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
    def extra(self) -> dict:
        if self._ctx.annotate is not None:
            self._ctx.run_annotations()
        if self._extra is None:
            self._extra = {}
        return self._extra

    def _extras(self) -> dict:
        """What the conditions tell about this row (the annotations, made for every row of the
        result the first time one row is asked), without making an empty dict."""
        if self._ctx.annotate is not None:
            self._ctx.run_annotations()
        return self._extra or {}

    @property
    def item(self) -> dict:
        if self._item is None:
            self._item = self._ctx.store.item_json(self._t[0])
        return self._item

    @property
    def item_id(self) -> str:
        """The item to open for this row (the same id: an item row is an item)."""
        return self.id

    @property
    def ids(self) -> list[str]:
        return [self.id]

    def to_dict(self) -> dict:
        out = dict(self.item)
        out["due"] = self.due
        out["due_kind"] = self.due_kind
        if self.due_phrase is not None:
            out["due_phrase"] = self.due_phrase
        if self.due_scope:
            out["due_scope"] = self.due_scope
        out["overdue"] = self.overdue
        out.update(self._extras())
        if self.inferred:
            out["inferred"] = True
        return out

    def _key(self) -> tuple:
        return self._t[1:] + (self.overdue, tuple(sorted(self._extras().items(), key=repr)), self.inferred)

    def __eq__(self, other) -> bool:
        return isinstance(other, Row) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._t[1:])

    def __repr__(self) -> str:
        return (f"Row(id={self.id!r}, due={self.due!r}, due_phrase={self.due_phrase!r}, due_scope={self.due_scope!r}, "
                f"due_kind={self.due_kind!r}, rank={self.rank!r}, overdue={self.overdue!r}, extra={self._extras()!r}, "
                f"inferred={self.inferred!r})")


@record
class _Shared:
    """What the rows of one result share: the store their JSON is read from, today (ISO), and
    the annotations still to make (`annotate`: via, conflicts, matched; see Compiled.annotations).
    Those are made for all the rows at once, the first time a row's `extra` is read: like an
    item's JSON, a result's rows cost no more than their SQL until what they tell is used (a
    target condition's annotation is a second statement as large as the query: docs/performance.md)."""

    store: object
    today: str
    annotate: object = None

    def run_annotations(self) -> None:
        todo, self.annotate = self.annotate, None  # cleared first: the annotations read `extra`
        if todo is not None:
            todo()


REP_FIELDS = ("doc", "ref", "kind", "parent", "section", "heading", "category", "text", "summary", "units",
              "source")
"""The representative item's public fields an obligation row carries (docs/schema/obligation-v1.json)."""


class ObligationRow:
    """One duty on one occurrence (or, without a `due` condition, one duty): who, what, when,
    and every item that states it. `item` is the representative's public JSON: the most specific
    statement of a dated occurrence, the duty's own item (its anchor) for a duty row.

    As `Row`, the row is the SQL tuple itself (`_DATED_COLUMNS`: id, duty rowid,
    representative occurrence, representative item rowid and id, due, phrase, scope, kind,
    basis (NULL: stated), reason, ids as JSON, rank) read when an attribute is asked for, so
    that the obligations view costs about what the item view does (docs/performance.md); a
    duty row is a `DutyRow`. `inferred` and `inferred_reasons` are set with `with_inferred`
    (see `_mark_inferred`)."""

    __slots__ = ("_ctx", "_item", "_reasons", "_t")

    def __init__(self, t: tuple, ctx: _Shared):
        self._t = t
        self._ctx = ctx
        self._item = self._reasons = None  # _reasons: a list once the row is marked inferred

    @property
    def inferred(self) -> bool:
        return self._reasons is not None

    @inferred.setter
    def inferred(self, value: bool) -> None:
        self._reasons = (self._reasons or []) if value else None

    @property
    def inferred_reasons(self) -> list[str]:
        """Why only inferred facts bring this row in (empty for a stated row)."""
        return self._reasons if self._reasons is not None else []

    id = property(lambda self: self._t[0])  # <duty>#<date or kind>[#subjects], or the duty id for a duty row
    # an item id has no `#` (policy-v1.json: a document id is [a-z0-9]+, a ref [a-z0-9.@]), and
    # an obligation's id is `<duty>#<date or kind>[#subjects]` (kb.store.obligations.obligation_id)
    duty = property(lambda self: self._t[0].partition("#")[0])
    due = property(lambda self: self._t[5])
    due_phrase = property(lambda self: self._t[6])
    due_scope = property(lambda self: self._t[7])
    due_kind = property(lambda self: self._t[8])
    basis = property(lambda self: self._t[9] or "stated")
    reason = property(lambda self: self._t[10])
    rank = property(lambda self: self._t[12])
    _store = property(lambda self: self._ctx.store)
    _duty_rowid = property(lambda self: self._t[1])
    _occurrence = property(lambda self: self._t[2])  # the representative's occurrence row (None: a duty row)
    _item_rowid = property(lambda self: self._t[3])
    _ids = property(lambda self: self._t[11])

    @property
    def overdue(self) -> bool:
        due = self._t[5]
        return bool(due and due < self._ctx.today)

    @property
    def item_id(self) -> str:
        """The representative's id: read with the row where several items state the
        obligation; else the one item of `ids`, which the representative is one of."""
        found = self._t[4]
        return found if found is not None else _json_ids(self._t[11])[0]

    @property
    def item(self) -> dict:
        if self._item is None:
            self._item = self._ctx.store.item_json(self._item_rowid)
        return self._item

    @property
    def ids(self) -> list[str]:
        """Every item stating this obligation (on this date), in source order."""
        return _json_ids(self._ids)

    def parties(self, role: str) -> list[dict]:
        """Subjects (whom the clause binds; the lead units when it names none) or recipients."""
        con = self._store.con
        units = []
        if self._occurrence is not None:
            units = [u for (u,) in con.execute("SELECT unit FROM occurrence_parties WHERE occurrence = ? AND role = ? ORDER BY rowid",
                                                (self._occurrence, role))]
        if role == "subject" and not units:  # the clause names none: the statement's lead units
            units = [u["id"] for u in self.item["units"] if u["role"] == "lead"]
        elif self._occurrence is None:
            units = [u for (u,) in con.execute(
                "SELECT DISTINCT p.unit FROM obligation_occurrences o JOIN occurrence_parties p ON p.occurrence = o.rowid "
                "WHERE o.obligation = ? AND p.role = ?", (self._duty_rowid, role))]
        names = vocabulary(self._store).units
        return [{"id": u, "name": names.get(u, {}).get("zh", u), "name_en": names.get(u, {}).get("en")}
                for u in dict.fromkeys(units)]

    @property
    def subjects(self) -> list[dict]:
        return self.parties("subject")

    @property
    def recipients(self) -> list[dict]:
        return self.parties("recipient")

    def to_dict(self) -> dict:
        item = self.item
        out = {"id": self.id, "duty": self.duty, "item": self.item_id, "ids": self.ids,
               "due": self.due, "due_kind": self.due_kind, "due_phrase": self.due_phrase}
        if self.due_scope:
            out["due_scope"] = self.due_scope
        out["clause"] = clause(item["text"], self.due_phrase, self.due_scope) if self.due_phrase else None
        out["overdue"] = self.overdue
        out["subjects"] = self.subjects
        out["recipients"] = self.recipients
        out["basis"] = self.basis
        out["inferred"] = self.inferred
        if self.inferred:
            out["reason"] = "; ".join(self.inferred_reasons) or self.reason
        out.update({k: item.get(k) for k in REP_FIELDS})
        return out

    def _key(self) -> tuple:
        return (self.id, self.duty, self.item_id, self.due, self.due_phrase, self.due_scope, self.due_kind, self.rank,
                self.overdue, self.basis, self.reason, self.inferred, tuple(self.inferred_reasons))

    def __eq__(self, other) -> bool:
        return isinstance(other, ObligationRow) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._t[0])

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(id={self.id!r}, duty={self.duty!r}, item_id={self.item_id!r}, due={self.due!r}, "
                f"due_phrase={self.due_phrase!r}, due_scope={self.due_scope!r}, due_kind={self.due_kind!r}, "
                f"rank={self.rank!r}, overdue={self.overdue!r}, basis={self.basis!r}, reason={self.reason!r}, "
                f"inferred={self.inferred!r}, inferred_reasons={self.inferred_reasons!r})")


class DutyRow(ObligationRow):
    """An obligation row of a query without a `due` condition: one duty, shown by its anchor
    (whose id is the duty's), dated by its first stated occurrence. Its tuple is shorter
    (`_DUTY_COLUMNS`: duty id, duty rowid, anchor rowid, due, due phrase, due kind, the duty's
    JSON, rank): each column a row does not need is one value less to make per row."""

    __slots__ = ()

    id = duty = item_id = property(lambda self: self._t[0])
    due = property(lambda self: self._t[3])
    due_phrase = property(lambda self: self._t[4])
    due_scope = property(lambda self: None)
    due_kind = property(lambda self: self._t[5])
    basis = property(lambda self: "stated")
    reason = property(lambda self: None)
    rank = property(lambda self: self._t[7])
    _occurrence = property(lambda self: None)
    _item_rowid = property(lambda self: self._t[2])
    _ids = property(lambda self: self._t[6])

    @property
    def overdue(self) -> bool:
        due = self._t[3]
        return bool(due and due < self._ctx.today)

    @property
    def ids(self) -> list[str]:
        """Every item of the duty, in source order. Most duties are one item, the anchor: their
        JSON is then exactly the text below (an id that JSON escapes would not equal it), which
        is cheaper to compare than to slice."""
        duty, text = self._t[0], self._t[6]
        if text == f'{{"id": "{duty}", "ids": ["{duty}"]}}':
            return [duty]
        return _json_ids(text)


def _json_ids(text: str) -> list[str]:
    """The ids of a stored JSON list (`obligation_occurrences.ids`, as json.dumps writes it:
    `["a", "b"]`) or of a duty's JSON object (`obligations.json`: `{"id": "d", "ids": ["a"]}`).
    Without a backslash no string in them can hold a quote, so `", "` only ever separates two
    ids and `"ids": [` only ever opens the list: slicing and splitting is exact, and several
    times faster than decoding, which a whole result pays once per row."""
    if "\\" not in text:
        if text[:2] == '["':
            return text[2:-2].split('", "')
        _, opens, tail = text.partition('"ids": ["')
        if opens and tail[-3:] == '"]}' and '"]' not in tail[:-3]:  # the list is the last key
            return tail[:-3].split('", "')
    data = json.loads(text)
    return data["ids"] if isinstance(data, dict) else data


@record
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
    as_of: str | None = None  # the date overdue rows are marked against (ISO)
    nearest: list[tuple[str, str, int]] = field(default_factory=list)  # (term, matching variant, hits) when nothing matched
    synonyms: list[tuple[str, list[str]]] = field(default_factory=list)  # (term, the variants also searched)
    sql: str = field(default="", repr=False)  # what ran, with `?` for every value
    params: list = field(default_factory=list, repr=False)
    dates: list[str] = field(default_factory=list)  # each date literal and its period, for --explain
    view: str = "items"  # "items" | "obligations": what a row (and a count) is

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


def group_labels(vocab, key: str, keys: list[str]) -> dict[str, str]:
    """The name of each group key in the run's language: units, metrics, customer classes from
    the registries; item kinds and roles from the UI vocabulary."""
    from kb.core.i18n import has_label, label, pick

    names = vocab.units if key == "unit" else vocab.terms.get(f"{key}s", {}) if key in ("metric", "customer") else {}
    out = {k: pick(names[k]) for k in keys if k in names}
    if key in ("kind", "role"):
        out.update({k: label(f"{key}.{k}") for k in keys if has_label(f"{key}.{k}")})
    return out


def _terms(node) -> list[str]:
    from kb.query.parse import And, Compare, Or, Term

    if isinstance(node, (And, Or)):
        return [t for p in node.parts for t in _terms(p)]
    if isinstance(node, Term):
        return [node.value.text]
    if isinstance(node, Compare) and node.field in ("text", "summary", "national", "standard") and node.op in ("=", "~"):
        return [node.value.text]
    return []


def run(store, text: str, today: date | None = None, limit: int | None = None, select: Select | None = None,
        statement=None, items: bool = True, with_inferred: bool = False) -> QueryResult:
    """Run a query on the store. `select` runs an already parsed condition (diff's `where`) with
    `text` for errors; `statement` is `text` already parsed. A diff is not run here: it needs the
    whole tree, so `KnowledgeBase.query` hands it to the analysis layer.

    `items` (or `show items` in the query) gives item rows; else obligation rows. Stated facts
    only, unless `with_inferred`: then rows that match only through an inferred membership or an
    inferred date are there too, marked `inferred`."""
    today = today or date.today()
    select_arg = select
    statement = select if select is not None else statement if statement is not None else parse(text)
    if isinstance(statement, Diff):
        raise QueryError("a diff compares whole documents: ask the knowledge base (KnowledgeBase.query), not the store",
                         text, 0, len(text))
    counting = isinstance(statement, Count)
    select: Select = statement.select if counting else statement
    view = "items" if (items or select.items) else "obligations"
    cacheable = select_arg is None  # a condition handed in (diff's `where`) is not keyed by its text
    result = _run(store, text, today, limit, select, counting, view, with_inferred, cacheable)
    if with_inferred and result.kind == "rows":
        stated = {(r.id, r.due) for r in _run(store, text, today, limit, select, counting, view, False, cacheable).rows}
        _mark_inferred(store, result, stated)
    return result


def _mark_inferred(store, result: QueryResult, stated: set) -> None:
    """Rows that only inferred facts bring in: say so, and why (the inferred date's reason, the
    memberships the source does not state of the collectives the row names)."""
    vocab = vocabulary(store)
    for row in result.rows:
        if isinstance(row, ObligationRow) and row.basis == "inferred":
            row.inferred = True
            row.inferred_reasons.append(row.reason or "inferred date")
        elif (row.id, row.due) not in stated:
            row.inferred = True
            if isinstance(row, ObligationRow):
                named = {u["id"] for u in row.item["units"]} | {u["id"] for u in row.subjects}
                reasons = [f"{m} in {c} ({j}): {why}" for (c, j, m), why in sorted(vocab.inferred_reasons.items())
                           if c in named or m in named]
                row.inferred_reasons.extend(reasons or [f"{m} in {c} ({j}): {why}"
                                                        for (c, j, m), why in sorted(vocab.inferred_reasons.items())])


def _run(store, text, today, limit, select, counting, view, with_inferred, cacheable) -> QueryResult:
    lim = select.limit if select.limit is not None else limit
    plan = _plan(store, text, today, select, lim, cacheable, obligations=view == "obligations",
                 with_inferred=with_inferred)
    if view == "obligations":
        result = _run_obligations(plan, select, counting, lim)
    elif select.group is not None:
        result = _groups(plan, select.group.text.lower())
    elif counting:
        result = _count(plan)
    else:
        result = _rows(plan, select, lim)
    result.dates = list(plan.compiled.dates)  # the plan may be cached: results get their own lists
    return result


PLANS = 256
"""Compiled plans kept per store: the same query text, day and limit compile to the same SQL."""


def _plan(store, text: str, today: date, select: Select, lim: int | None, cacheable: bool, *,
          obligations: bool, with_inferred: bool) -> _Plan:
    """The plan of a query, compiled once per store (whose vocabulary never changes) and reused
    when the same text is asked again on the same day with the same limit and view."""
    if not cacheable:
        return _Plan.make(store, text, today, select, lim, obligations=obligations, with_inferred=with_inferred)
    plans = store.memo.setdefault("plans", {})
    key = (text, today, lim, obligations, with_inferred)
    plan = plans.get(key)
    if plan is None:
        if len(plans) >= PLANS:
            plans.clear()
        plan = plans[key] = _Plan.make(store, text, today, select, lim, obligations=obligations,
                                       with_inferred=with_inferred)
    return plan


@record
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
    def make(cls, store, text: str, today: date, select: Select, lim: int | None, obligations: bool = False,
             with_inferred: bool = False) -> _Plan:
        vocab = vocabulary(store)
        compiled = Compiler(vocab, text, today, streaming=lim is not None, obligations=obligations,
                            with_inferred=with_inferred).compile(select.expr)
        fts_join, fts_params = "", []
        for n, phrase in enumerate(compiled.fts_joins):
            fts_join += f" JOIN (SELECT rowid AS r, rank AS s FROM fts_zh WHERE fts_zh MATCH ?) f{n} ON f{n}.r = i.rowid"
            fts_params.append(phrase)
        base = "FROM items i" + fts_join + (" JOIN occurrences o ON o.item = i.rowid" if compiled.uses_due else "")
        return cls(store, text, today, vocab, compiled, fts_join, fts_params, base, f"WHERE {compiled.where}",
                   fts_params + list(compiled.params))


def _joined_group_sql(group: str, base: str, where: str, counted: str) -> str | None:
    """Groups that join a table (a unit or role of item_units, a metric or customer class of
    targets), counting distinct `counted` (items, or obligations); None for an item column."""
    if group in ("unit", "role"):
        column = "u.unit" if group == "unit" else "u.role"
        return (f"SELECT {column} AS k, count(DISTINCT {counted}) AS n {base} JOIN item_units u ON u.item = i.rowid "
                f"{where} GROUP BY k ORDER BY n DESC, k")
    if group in ("metric", "customer"):
        return (f"SELECT coalesce(t.{group}, '') AS k, count(DISTINCT {counted}) AS n {base} "
                f"JOIN targets t ON t.item = i.rowid {where} GROUP BY k ORDER BY n DESC, k")
    return None


def _groups(plan: _Plan, key: str) -> QueryResult:
    """Counts per group: responsibilities and targets are joined; the rest are item columns."""
    base, where = plan.base, plan.where
    sql = _joined_group_sql(key, base, where, "i.rowid")
    if sql is None:
        if key in ("due-year", "due-month") and not plan.compiled.uses_due:
            base += " JOIN occurrences o ON o.item = i.rowid"
        count_expr = "count(*)" if plan.compiled.uses_due or key.startswith("due") else "count(DISTINCT i.rowid)"
        sql = f"SELECT {_GROUP_SQL[key]} AS k, {count_expr} AS n {base} {where} GROUP BY k ORDER BY k"
    groups = [(str(k), int(n)) for k, n in plan.store.con.execute(sql, plan.params)]
    labels = group_labels(plan.vocab, key, [k for k, _ in groups])
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




def _order(compiled: Compiled, select: Select, ranked: bool, undated_due: str = "i.deadline") -> list[str]:
    """ORDER BY terms: as asked, else by rank, then date; always ending in a unique key.
    `undated_due`: the column `order by due` sorts on without a `due` condition (an item's
    deadline, or a duty's first stated date in the obligations view)."""
    order = []
    for value, direction in select.order or []:
        key, d = value.text.lower(), direction.upper()
        if key == "due":
            col = "o.date" if compiled.uses_due else undated_due
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
    iso_today = plan.today.isoformat()
    shared = _Shared(plan.store, iso_today)
    cursor = plan.store.con.cursor()
    cursor.row_factory = None  # plain tuples: each becomes a Row as it is
    rows = [Row(t, shared) for t in cursor.execute(sql, params).fetchall()]
    if compiled.annotations and rows:  # what a condition tells about each row (via, conflicts, ...)
        con, todo = plan.store.con, compiled.annotations
        shared.annotate = lambda: _annotate(con, rows, todo)
    terms = _terms(select.expr)
    result = QueryResult(plan.text, "rows", rows=rows, terms=terms + [v for _, vs in compiled.expanded for v in vs],
                         sql=sql, params=params, as_of=iso_today, synonyms=list(compiled.expanded))
    if not rows and terms:
        result.nearest = _nearest(plan, terms)
    return result


def _annotate(con, rows: list, annotations: list) -> None:
    for annotate in annotations:
        annotate(con, rows)


def _nearest(plan: _Plan, terms: list[str]) -> list[tuple[str, str, int]]:
    """Nothing found: which nearby terms (synonym variants, shorter pieces) do occur, and how often."""
    from kb.query.synonyms import nearest

    return [(t, other, n) for t in terms for other, n in nearest(plan.store.con, t, plan.vocab.synonyms)]


__all__ = ["QueryError", "QueryResult", "Row", "run"]


# --- the obligations view --------------------------------------------------------------------

def _obligation_source(compiled, fts_join: str, walk: bool, streaming: bool = False,
                       items: bool = True) -> tuple[str, str]:
    """(FROM clause, the key a row collapses on): occurrences of duties for a `due` query, else
    the duties of the matching items. `walk`: read occurrences in (date, item) index order.
    `items=False`: nothing asks for a column of the items table (`i`), so a `due` query reads
    occurrences alone (each row then seeks one item fewer in the store's largest table)."""
    if compiled.uses_due:
        if not items:
            return "FROM obligation_occurrences o", "o.occurrence"
        if walk:
            return f"FROM obligation_occurrences o CROSS JOIN items i ON i.rowid = o.item{fts_join}", "o.occurrence"
        return f"FROM items i{fts_join} JOIN obligation_occurrences o ON o.item = i.rowid", "o.occurrence"
    # with a limit, items first (CROSS JOIN keeps the order): rows come in item order with no
    # sort, and stop early; for a whole result SQLite may start from the matching list instead
    join = "CROSS JOIN" if streaming else "JOIN"
    return f"FROM items i{fts_join} {join} obligation_items d ON d.item = i.rowid", "d.obligation"


def _duty_rows_source(source: str) -> str:
    """A duty row shows its anchor: the item whose id is the duty's (so `ob.id` is the
    representative's id, read with no join of the large items table); a duty whose anchor is
    not in the store (an export with --where) shows no row."""
    return source + " JOIN obligations ob ON ob.rowid = d.obligation AND ob.anchor IS NOT NULL"


def _uses_items(*sql: str) -> bool:
    """Whether generated SQL names a column of `i` (the items table): an `i.` that does not end
    a longer name (`ri.`, `fts_i.`, `x.i.`). Values never reach the SQL text (they are
    parameters), so a match is a column; a subquery's own `items i` matches too, which only
    keeps a join that was not needed."""
    for part in sql:
        at = part.find("i.")
        while at >= 0:
            if at == 0 or not (part[at - 1].isalnum() or part[at - 1] in "_."):
                return True
            at = part.find("i.", at + 1)
    return False


# What a row shows, read in the same statement (a primary-key join): the representative
# occurrence, and the ids, so that no row costs a query of its own. The duty is the
# obligation's id up to its first `#` (see `ObligationRow.duty`); the representative item's id
# is read from the items table only when several items state the obligation: else it is the
# one id of the list (`ObligationRow.item_id`), and the row seeks nothing in that large table.
_DATED_ROW = "JOIN obligation_occurrences r ON r.rowid = o.rep"
_DATED_COLUMNS = ("o.occurrence, o.obligation, r.rowid, r.item, "
                  "iif(instr(r.ids, '\", \"'), (SELECT id FROM items WHERE rowid = r.item), NULL), "
                  "r.date, r.phrase, r.scope, r.kind, nullif(r.basis, 'stated'), r.reason, r.ids")
_DUTY_COLUMNS = "ob.id, d.obligation, ob.anchor, ob.due, ob.due_phrase, ob.due_kind, ob.json"




def _obligation_groups(plan: _Plan, group: str, base: str, key: str) -> QueryResult:
    """Counts of distinct obligations per group (as `_groups` counts items)."""
    compiled, where = plan.compiled, plan.where
    sql = _joined_group_sql(group, base, where, key)
    if sql is None:
        if group.startswith("due") and not compiled.uses_due:
            # each occurrence row of an item belongs to one of the item's duties (the store
            # writes them duty by duty): no need to go through obligation_items
            base, key = f"FROM items i{plan.fts_join} JOIN obligation_occurrences o ON o.item = i.rowid", "o.occurrence"
        sql = f"SELECT {_GROUP_SQL[group]} AS k, count(DISTINCT {key}) AS n {base} {where} GROUP BY k ORDER BY k"
    groups = [(str(k), int(n)) for k, n in plan.store.con.execute(sql, plan.params)]
    labels = group_labels(plan.vocab, group, [k for k, _ in groups])
    return QueryResult(plan.text, "groups", groups=groups, group_by=group, labels=labels, sql=sql, params=list(plan.params),
                       view="obligations")


def _run_obligations(plan: _Plan, select: Select, counting: bool, lim: int | None) -> QueryResult:
    """The obligations view: counts and groups of distinct obligations, or their rows."""
    compiled = plan.compiled
    base, key = _obligation_source(compiled, plan.fts_join, walk=False)
    if select.group is not None:
        return _obligation_groups(plan, select.group.text.lower(), base, key)
    if counting:
        base, key = _obligation_source(compiled, plan.fts_join, walk=False,
                                       items=_uses_items(plan.fts_join, plan.where))
        sql = f"SELECT count(DISTINCT {key}) {base} {plan.where}"
        n = plan.store.con.execute(sql, plan.params).fetchone()[0]
        return QueryResult(plan.text, "count", count=n, sql=sql, params=list(plan.params), view="obligations")
    return _obligation_rows(plan, select, lim)


def _obligation_rows(plan: _Plan, select: Select, lim: int | None) -> QueryResult:
    """One row per obligation: the matching occurrences (or items) collapse on their obligation."""
    compiled = plan.compiled
    rank_sql, joins, rank_params = _rank(plan)
    walk = compiled.uses_due and compiled.dated_only and not select.order and rank_sql == "NULL"
    # items first only where their order is the answer's (no rank, no `order by`): a ranked
    # query sorts anyway, and forcing the join order there scans the rank's matches per item
    streaming = lim is not None and rank_sql == "NULL" and not select.order
    order = _order(compiled, select, rank_sql != "NULL", undated_due="ob.due")
    source, _ = _obligation_source(compiled, joins, walk, streaming=streaming,
                                   items=_uses_items(joins, plan.where, *order))
    dated = compiled.uses_due
    source = f"{source} {_DATED_ROW}" if dated else _duty_rows_source(source)
    columns, make = (_DATED_COLUMNS, ObligationRow) if dated else (_DUTY_COLUMNS, DutyRow)
    sql = f"SELECT {columns}, {rank_sql} AS rank {source} {plan.where} ORDER BY {', '.join(order)}"
    all_params = rank_params + list(compiled.params)
    terms = _terms(select.expr)
    if lim is None:
        rows, _ = _collect(plan.store, sql, all_params, plan.today, None, make)
    else:
        rows, sql, all_params = _first_obligations(plan.store, sql, all_params, plan.today, lim, make)
    result = QueryResult(plan.text, "rows", rows=rows, terms=terms + [v for _, vs in compiled.expanded for v in vs],
                         sql=sql, params=all_params, view="obligations", as_of=plan.today.isoformat(),
                         synonyms=list(compiled.expanded))
    if not rows and terms:
        result.nearest = _nearest(plan, terms)
    return result


_ROWS_PER_OBLIGATION = 4


def _first_obligations(store, sql: str, params: list, today, lim: int, make) -> tuple[list, str, list]:
    """The first `lim` obligations, and the SQL and parameters that read exactly the rows they
    come from (what `QueryResult.sql` reports). Where SQLite returns the rows in their order as
    it finds them (no sort), read until `lim` obligations are there and stop. Where it sorts, a
    LIMIT lets it keep only the top rows: rows collapse, so ask for a few times the obligations
    wanted first, and for every row only when that was not enough."""
    if not _sorts(store, sql, params):
        rows, n = _collect(store, sql, params, today, lim, make)
        return rows, sql + " LIMIT ?", params + [n]
    limited = params + [lim * _ROWS_PER_OBLIGATION]
    rows, n = _collect(store, sql + " LIMIT ?", limited, today, lim, make)
    if len(rows) >= lim or n < lim * _ROWS_PER_OBLIGATION:  # enough, or every row there is
        return rows, sql + " LIMIT ?", limited
    rows, _ = _collect(store, sql, params, today, lim, make)
    return rows, sql, params


def _sorts(store, sql: str, params: list) -> bool:
    """Whether SQLite sorts the rows of `sql` (its query plan names the ORDER BY: a temporary
    b-tree), asked once per statement and store. Only the speed of a limited read depends on it."""
    known = store.memo.setdefault("sorts", {})
    if sql not in known:
        if len(known) >= PLANS:
            known.clear()
        known[sql] = any("ORDER BY" in step[-1] for step in store.con.execute("EXPLAIN QUERY PLAN " + sql, params))
    return known[sql]


def _collect(store, sql, params, today, lim, make=ObligationRow) -> tuple[list, int]:
    """The first `lim` obligations (all without a limit) of the matching rows, in their order,
    and how many rows were read. A row's first column is its obligation's id: the first row of
    each id is the obligation's. The rows are read one at a time: with a limit, no row after
    the last obligation's first one is read."""
    shared = _Shared(store, today.isoformat())
    cursor = store.con.cursor()
    cursor.row_factory = None  # plain tuples: each becomes an ObligationRow as it is
    seen: set = set()
    if lim is None:
        found = cursor.execute(sql, params).fetchall()
        return [make(t, shared) for t in found if not (t[0] in seen or seen.add(t[0]))], len(found)
    rows, n = [], 0
    if lim > 0:
        for t in cursor.execute(sql, params):
            n += 1
            if t[0] in seen:
                continue
            seen.add(t[0])
            rows.append(make(t, shared))
            if len(rows) >= lim:
                break
    cursor.close()
    return rows, n
