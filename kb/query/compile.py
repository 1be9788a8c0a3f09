"""Compiling a query's syntax tree to parameterised SQL over the store.

No value ever enters the SQL text: every name, date, number and search term is a `?` parameter.
Conditions on one target (metric, customer, area, stage, target value) or one responsibility
(unit, role) that are joined by `and` are checked against the same row, so
`metric = 全过程办电时间 and customer = 居民` means one target about residential full-process time.
"""

from __future__ import annotations

import re
from datetime import date

from kb.core.dates import Period
from kb.core.fuzzy import has_cjk, is_cjk, near
from kb.core.records import field, record
from kb.loading.sources import squash
from kb.query.parse import (
    FIELDS,
    And,
    Compare,
    Due,
    ForUnit,
    Not,
    Or,
    Part,
    QueryError,
    TargetCmp,
    Term,
    UnknownInQuery,
    Value,
    due_range,
    period,
)
from kb.query.synonyms import variants
from kb.store.textindex import fts_phrase

_PLAIN_ASCII = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]*$")


def _exact_by_index(term: str) -> bool:
    """Two or more Chinese characters and nothing else: the trigram index finds it exactly."""
    return len(term) >= 2 and all(map(is_cjk, term))


TARGET_FIELDS = {"metric": ("metrics", "metric"), "customer": ("customers", "customer"),
                 "area": ("areas", "area"), "stage": ("stages", "stage")}
ROLE_NAMES = {"lead": "lead", "责任": "lead", "responsible": "lead",
              "cooperate": "cooperate", "cooperating": "cooperate"}
WRITTEN_ROLES = ("牵头", "负责", "配合", "协同")  # the source's own word (Responsibility.written_role)
LINK_FIELDS = {"implements": ("src", "dst", "implements"), "implemented-by": ("dst", "src", "implements"),
               "measures": ("src", "dst", "measures"), "measured-by": ("dst", "src", "measures"),
               "same-as": (None, None, "same-as")}
KINDS = ["goal", "task", "obligation", "indicator", "schedule-phase", "action", "form", "table", "note", "preamble"]
FACET_FIELDS = {*TARGET_FIELDS, "unit", "role"}
"""Fields checked against one joined row (a target, a responsibility): see `Compiler.conjunction`."""
FIELD_SQL = {"doc": "doc_sql", "level": "level_sql", "kind": "kind_sql", "id": "id_sql", "parent": "parent_sql",
             "category": "words_sql", "section": "words_sql", "heading": "words_sql",
             "jurisdiction": "jurisdiction_sql", "recipient": "recipient_sql", "column": "column_sql",
             **{f: "link_sql" for f in LINK_FIELDS},
             **{f: "closure_sql" for f in ("implements*", "implemented-by*")},
             "carried-by": "carried_sql", "uncovered": "uncovered_sql", "mark": "mark_sql",
             "conflict": "conflict_sql", "verdict": "verdict_sql"}
"""The method that compiles each remaining field of the language."""

SCOPED_TEXT = {"text": "own", "national": "national", "standard": "standard"}
"""Searches scoped to one part of an item's text (kb/store/database.py TEXT_FIELDS): `text ~` the
item's own statement, `national ~` the national column a 附表2 row quotes, `standard ~` an
indicator's completion standard. A bare term searches all of it."""
_MISSING = set(FIELDS) - set(FIELD_SQL) - FACET_FIELDS - {"summary", *SCOPED_TEXT}
if _MISSING or set(FIELD_SQL) - set(FIELDS):  # the grammar's fields come from FIELDS: one table
    raise ImportError("query fields without a compiler (or compiled but not in FIELDS): "
                      f"{sorted(_MISSING ^ (set(FIELD_SQL) - set(FIELDS)))}")


@record
class Compiled:
    where: str
    params: list
    uses_due: bool = False
    dated_only: bool = False  # every row has a date (a dated `due` condition is ANDed at the top)
    undated_only: bool = False  # no row has a date (due ongoing / due none at the top)
    rank_zh: list[str] = field(default_factory=list)  # FTS expressions of positive text terms
    rank_en: list[str] = field(default_factory=list)
    fts_joins: list[str] = field(default_factory=list)  # top-level terms: joined, not filtered
    dates: list[str] = field(default_factory=list)  # each date literal and the period it stands for
    expanded: list[tuple[str, list[str]]] = field(default_factory=list)  # (term, its synonym variants)
    annotations: list = field(default_factory=list)  # f(con, rows): keys a condition adds to each row


def has_due(node) -> bool:
    """Does a condition speak of deadlines anywhere (then `unit =` means whom a dated clause binds,
    in the obligations view)?"""
    if isinstance(node, (And, Or)):
        return any(has_due(p) for p in node.parts)
    if isinstance(node, Not):
        return has_due(node.part)
    return isinstance(node, Due)


class Compiler:
    def __init__(self, vocab, query: str, today: date, streaming: bool = False, obligations: bool = False,
                 with_inferred: bool = False):
        """`obligations`: the FROM has `obligation_occurrences o` (not `occurrences o`), and with a
        `due` condition a unit matches the occurrence's subjects. `with_inferred`: inferred
        memberships and inferred deadline dates count too."""
        self.vocab, self.query, self.today = vocab, query, today
        self.obligations, self.with_inferred = obligations, with_inferred
        self.subjects = False
        # With a LIMIT, membership lists are checked row by row in index order ("+i.rowid IN"),
        # so that the first rows come without sorting every match; without one, SQLite may start
        # from the list itself, which is faster for a whole result.
        self.member = "+i.rowid IN" if streaming else "i.rowid IN"
        self.params: list = []
        self.uses_due = False
        self.rank_zh: list[str] = []
        self.rank_en: list[str] = []
        self.fts_joins: list[str] = []
        self.dates: list[str] = []
        self.expanded: list[tuple[str, list[str]]] = []
        self.annotations: list = []

    def compile(self, node) -> Compiled:
        self.subjects = self.obligations and has_due(node)
        if node is None:
            where = "1"
        elif isinstance(node, And):
            where = self.conjunction(node.parts, positive=True, top=True)
        elif isinstance(node, Term):
            where = self.text(node.value, "both", positive=True, top=True)
        else:
            where = self.node(node, positive=True)
        top = node.parts if isinstance(node, And) else [node]
        dated = any(isinstance(p, Due) and (p.mode != "state" or p.op in ("dated", "overdue", "upcoming")) for p in top)
        undated = any(isinstance(p, Due) and p.mode == "state" and p.op in ("ongoing", "none") for p in top)
        return Compiled(where, self.params, self.uses_due, dated, undated, self.rank_zh, self.rank_en, self.fts_joins,
                        self.dates, self.expanded, self.annotations)

    def annotate(self, key: str, compute) -> None:
        """Add `key` to each result row: `compute(con, ids)` gives {item id: value} (the first
        condition that asks for a key gives it)."""
        if any(a.key == key for a in self.annotations):
            return

        def apply(con, rows):
            found = compute(con, [r.id for r in rows])
            for r in rows:
                r.extra.setdefault(key, found.get(r.id))

        apply.key = key
        self.annotations.append(apply)

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
        if isinstance(node, Part):
            return self.part(node)
        raise AssertionError(node)

    def part(self, node: Part) -> str:
        """`has-part (…)`: items with a part (an item whose parent it is) matching; `within (…)`:
        items whose parent matches. The inner condition is compiled on its own (the alias `i`
        of the sub-select is the part, or the whole); a has-part row lists the parts that matched."""
        inner = Compiler(self.vocab, self.query, self.today)
        cond = inner.node(node.expr, positive=True)
        source = "FROM items i" + (" JOIN occurrences o ON o.item = i.rowid" if inner.uses_due else "")
        self.params.extend(inner.params)
        self.dates.extend(inner.dates)
        if node.way == "within":
            return f"i.parent IN (SELECT i.id {source} WHERE {cond})"
        params = list(inner.params)
        self.annotate("parts", lambda con, ids: parts_matching(con, source, cond, params, ids))
        return f"i.id IN (SELECT i.parent {source} WHERE {cond})"

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

    def conjunction(self, parts, positive: bool, top: bool = False) -> str:
        groups: dict[str, list] = {"targets": [], "units": []}
        plain = []
        for part in parts:
            kind = self.facet(part)
            (groups[kind] if kind else plain).append(part)
        sql = []
        for p in plain:
            if top and isinstance(p, Term):
                sql.append(self.text(p.value, "both", positive, top=True))
            else:
                sql.append(self.node(p, positive))
        if groups["targets"]:
            sql.append(self.targets_subquery(groups["targets"]))
        if groups["units"]:
            sql.append(self.units_subquery(groups["units"]))
        return "(" + " AND ".join(sql) + ")" if len(sql) > 1 else (sql[0] if sql else "1")

    # -- facets --------------------------------------------------------------------------
    def targets_subquery(self, nodes) -> str:
        """Items with one target matching all of `nodes`, as stated or through its alternative
        (「或年均同比压缩8%以上」: the metric, comparator and value of the alternative, the same
        customer, area and stage). Each row then says which one matched (`matched`)."""
        primary = [self.target_cond(p, alt=False) for p in nodes]
        alternative = [self.target_cond(p, alt=True) for p in nodes]
        saved, self.params = self.params, []
        only_primary = " AND ".join(self.target_cond(p, alt=False) for p in nodes)
        primary_params, self.params = self.params, []
        only_alt = " AND ".join(self.target_cond(p, alt=True) for p in nodes)
        alt_params, self.params = self.params, saved
        self.annotate("matched", lambda con, ids: matched_by(con, only_primary, primary_params, only_alt, alt_params, ids))
        return (f"{self.member} (SELECT t.item FROM targets t WHERE (" + " AND ".join(primary) + ") OR ("
                + " AND ".join(alternative) + "))")

    def target_cond(self, node, alt: bool = False) -> str:
        """One condition on a target row: on its own value and metric, or (`alt`) on its
        alternative's (a class condition is the same either way)."""
        value, unit, metric = ("t.alt_value", "t.alt_unit", "t.alt_metric") if alt else ("t.value", "t.unit", "t.metric")
        if isinstance(node, TargetCmp):
            cond = f"{value} {node.op} {self.p(node.number)}"
            if node.measure is not None:
                ids = self.vocab.term_ids("measures", node.measure, self.query)
                cond += f" AND {unit} IN ({','.join(self.p(m) for m in sorted(ids))})"
            return cond
        kind, column = TARGET_FIELDS[node.field]
        ids = self.vocab.with_narrower(kind, self.vocab.term_ids(kind, node.value, self.query))
        column = metric if node.field == "metric" else f"t.{column}"
        return f"{column} IN ({','.join(self.p(x) for x in sorted(ids))})"

    def units_subquery(self, nodes) -> str:
        """Items with one responsibility matching all of `nodes` (unit names and roles).

        A single unit name becomes a UNION of index lookups (the unit and its members anywhere;
        each collective it belongs to, in that collective's jurisdiction), which stays fast at
        100k items where an OR across them would scan the table."""
        names = [n for n in nodes if not (isinstance(n, Compare) and n.field == "role")]
        roles = [n for n in nodes if isinstance(n, Compare) and n.field == "role"]
        if len(names) != 1:
            conds = [self.unit_cond(p) for p in nodes]
            return (f"{self.member} (SELECT u.item FROM item_units u JOIN items j ON j.rowid = u.item WHERE "
                    + " AND ".join(conds) + ")")
        anywhere, scoped = self.expand(names[0].value)
        if self.subjects and not roles:
            return self.subjects_sql(anywhere, scoped)

        def role_sql() -> str:
            return "".join(f" AND {self.unit_cond(r)}" for r in roles)

        branches = [f"SELECT u.item FROM item_units u WHERE u.unit IN ({','.join(self.p(x) for x in sorted(anywhere))})"
                    + role_sql()]
        for coll, jur in sorted(scoped):
            branches.append(f"SELECT u.item FROM item_units u JOIN items j ON j.rowid = u.item "
                            f"WHERE u.unit = {self.p(coll)} AND j.jurisdiction = {self.p(jur)}" + role_sql())
        return f"{self.member} (" + " UNION ".join(branches) + ")"

    def expand(self, value: Value):
        return self.vocab.expand_units(self.vocab.unit_ids(value, self.query), inferred=self.with_inferred)

    def parties_sql(self, role: str, anywhere, scoped) -> str:
        """Occurrences whose subjects (or recipients) include the units: `o.rowid IN (…)`."""
        branches = [(f"SELECT p.occurrence FROM occurrence_parties p WHERE p.role = {self.p(role)} "
                     f"AND p.unit IN ({','.join(self.p(x) for x in sorted(anywhere))})")]
        for coll, jur in sorted(scoped):
            branches.append(f"SELECT p.occurrence FROM occurrence_parties p JOIN items j ON j.rowid = p.item "
                            f"WHERE p.role = {self.p(role)} AND p.unit = {self.p(coll)} AND j.jurisdiction = {self.p(jur)}")
        # streaming (a LIMIT): checked row by row while occurrences are walked in date order
        return ("+o.rowid IN (" if self.member.startswith("+") else "o.rowid IN (") + " UNION ".join(branches) + ")"

    def subjects_sql(self, anywhere, scoped) -> str:
        """Occurrences binding one of the units: named as the deadline's subjects, or, when the
        deadline names none (`o.subjects = 0`), among the lead units of the item stating it."""
        named = self.parties_sql("subject", anywhere, scoped)
        plus = "+" if self.member.startswith("+") else ""
        branches = [(f"SELECT u.item FROM item_units u WHERE u.role = {self.p('lead')} "
                     f"AND u.unit IN ({','.join(self.p(x) for x in sorted(anywhere))})")]
        for coll, jur in sorted(scoped):
            branches.append(f"SELECT u.item FROM item_units u JOIN items j ON j.rowid = u.item WHERE u.role = {self.p('lead')} "
                            f"AND u.unit = {self.p(coll)} AND j.jurisdiction = {self.p(jur)}")
        return f"({named} OR (o.subjects = 0 AND {plus}o.item IN (" + " UNION ".join(branches) + ")))"

    def role_cond(self, value: Value) -> str:
        word = value.text.strip()
        if word in WRITTEN_ROLES:
            return f"u.written_role = {self.p(word)}"
        role = ROLE_NAMES.get(word.lower())
        if role is None:
            raise UnknownInQuery(f"unknown role '{value.text}'", self.query, value.span.start, value.span.end,
                                 expected=["lead or cooperate, or as written: " + "、".join(WRITTEN_ROLES)],
                                 suggestions=near(value.text, [*ROLE_NAMES, *WRITTEN_ROLES]))
        return f"u.role = {self.p(role)}"

    def unit_cond(self, node) -> str:
        if isinstance(node, Compare) and node.field == "role":
            return self.role_cond(node.value)
        value = node.value
        anywhere, scoped = self.expand(value)
        conds = [f"u.unit IN ({','.join(self.p(x) for x in sorted(anywhere))})"]
        for coll, jur in sorted(scoped):
            conds.append(f"(u.unit = {self.p(coll)} AND j.jurisdiction = {self.p(jur)})")
        return "(" + " OR ".join(conds) + ")"

    # -- plain fields --------------------------------------------------------------------
    def compare(self, node: Compare, positive: bool) -> str:
        f, op, value = node.field, node.op, node.value
        negate = op in ("!=", "!~")
        base = {"!=": "=", "!~": "~"}.get(op, op)
        if base not in ("=", "~"):
            raise QueryError(f"'{f}' cannot be compared with '{op}'", self.query, node.span.start, node.span.end,
                             expected=["= != ~ !~"])
        if f in FACET_FIELDS:
            cond = self.conjunction([Compare(f, base, value, node.span)], positive)
        elif f == "summary":
            cond = self.text(value, "en", positive and not negate)
        elif f in SCOPED_TEXT:
            cond = self.scoped_text(SCOPED_TEXT[f], value, positive and not negate)
        else:
            cond = getattr(self, FIELD_SQL[f])(f, base, value)
        return f"NOT ({cond})" if negate else cond

    def doc_sql(self, f: str, base: str, value: Value) -> str:
        return f"i.doc = {self.p(self.vocab.doc_id(value, self.query))}"

    def level_sql(self, f: str, base: str, value: Value) -> str:
        """A document level (national, provincial, ...): the items of the documents at that level."""
        docs = self.vocab.docs_at_level(value, self.query)
        return f"i.doc IN ({','.join(self.p(d) for d in docs)})"

    def kind_sql(self, f: str, base: str, value: Value) -> str:
        kind = value.text.strip().lower()
        if kind not in KINDS:
            raise UnknownInQuery(f"unknown kind '{value.text}'", self.query, value.span.start, value.span.end,
                                 expected=[", ".join(KINDS)], suggestions=near(value.text, KINDS))
        return f"i.kind = {self.p(kind)}"

    def id_sql(self, f: str, base: str, value: Value) -> str:
        wanted = self.p(value.text.strip())
        return f"i.id = {wanted}" if base == "=" else f"instr(i.id, {wanted}) > 0"

    def parent_sql(self, f: str, base: str, value: Value) -> str:
        return f"i.parent = {self.p(value.text.strip())}"

    def words_sql(self, f: str, base: str, value: Value) -> str:
        """category (exactly, or containing with ~), section and heading (containing)."""
        if base == "=" and f == "category":
            return f"i.category = {self.p(value.text.strip())}"
        return f"instr(coalesce(i.{f}, ''), {self.p(value.text.strip())}) > 0"

    def jurisdiction_sql(self, f: str, base: str, value: Value) -> str:
        ids = self.vocab.term_ids("places", value, self.query)
        return f"i.jurisdiction IN ({','.join(self.p(x) for x in sorted(ids))})"

    def link_sql(self, f: str, base: str, value: Value) -> str:
        return self.link(f, value)

    def recipient_sql(self, f: str, base: str, value: Value) -> str:
        """Whom a dated clause is addressed to (a deadline's `recipients`): per occurrence when the
        query has a `due` condition in the obligations view, else per item."""
        anywhere, scoped = self.expand(value)
        if self.subjects:
            return self.parties_sql("recipient", anywhere, scoped)
        units = sorted(anywhere | {c for c, _ in scoped})
        return (f"i.rowid IN (SELECT p.item FROM occurrence_parties p WHERE p.role = {self.p('recipient')} "
                f"AND p.unit IN ({','.join(self.p(x) for x in units)}))")

    def column_sql(self, f: str, base: str, value: Value) -> str:
        """The ledger column a unit is written in (責任单位 / 配合单位 ..., item_units.written_column)."""
        return f"i.rowid IN (SELECT c.item FROM item_units c WHERE c.written_column = {self.p(value.text.strip())})"

    def link(self, f: str, value: Value) -> str:
        """Parameters are bound in the order their `?` appear, so each piece of SQL is built
        left to right."""
        here, there, rel = LINK_FIELDS[f]
        target = value.text.strip()
        if f == "same-as":
            if target.lower() == "none":
                return "NOT EXISTS (SELECT 1 FROM links l WHERE l.rel = 'same-as' AND (l.src = i.id OR l.dst = i.id))"
            forward = self.link_end("l.dst", target)
            backward = self.link_end("l.src", target)
            return ("EXISTS (SELECT 1 FROM links l WHERE l.rel = 'same-as' AND "
                    f"((l.src = i.id AND {forward}) OR (l.dst = i.id AND {backward})))")
        if target.lower() == "none":  # items without such a link
            return f"NOT EXISTS (SELECT 1 FROM links l WHERE l.rel = {self.p(rel)} AND l.{here} = i.id)"
        rel_sql = self.p(rel)
        test = self.link_end(f"l.{there}", target)
        return f"EXISTS (SELECT 1 FROM links l WHERE l.rel = {rel_sql} AND l.{here} = i.id AND {test})"

    def closure_sql(self, f: str, base: str, value: Value) -> str:
        """`implements* = X`: items with a chain of implements links up to X (any length);
        `implemented-by* = X`: the items such a chain from X reaches. `any` and `none` mean what
        they mean without the star (a chain exists when a first link does). Each row then says
        through which items it passed (`via`, see `paths_via`)."""
        plain = f.rstrip("*")
        target = value.text.strip()
        if target.lower() in ("any", "none"):
            return self.link(plain, value)
        here, there, rel = LINK_FIELDS[plain]
        self.annotate("via", lambda con, ids: paths_via(con, f, target, ids))
        rel_sql = self.p(rel)
        start = self.link_end(f"{there}", target)
        rel_again = self.p(rel)
        return (f"i.id IN (WITH RECURSIVE r(id) AS (SELECT {here} FROM links WHERE rel = {rel_sql} AND {start} "
                f"UNION SELECT l.{here} FROM links l JOIN r ON l.{there} = r.id WHERE l.rel = {rel_again}) SELECT id FROM r)")

    def verdict_sql(self, f: str, base: str, value: Value) -> str:
        """A verdict belongs to a pair of targets, not to an item: kb/analysis/diff.py takes it out
        of a diff's where before the rest runs here; anywhere else it is an error."""
        raise QueryError("'verdict' is a condition of a diff: diff 1479 vs shanxi where verdict = stricter",
                         self.query, value.span.start, value.span.end, expected=["diff A vs B where verdict = …"])

    def mark_sql(self, f: str, base: str, value: Value) -> str:
        """`mark = *`: the mark a source puts on an item (NEA's starred indicators); `any`, `none`."""
        mark = value.text.strip()
        column = "json_extract(m.json, '$.mark')"
        if mark.lower() in ("any", "none"):
            test = f"{column} IS NOT NULL"
            sub = f"i.rowid IN (SELECT m.item FROM item_json m WHERE {test})"
            return sub if mark.lower() == "any" else f"NOT ({sub})"
        return f"i.rowid IN (SELECT m.item FROM item_json m WHERE {column} = {self.p(mark)})"

    def conflict_sql(self, f: str, base: str, value: Value) -> str:
        """`conflict = any`: items with a date conflict on one of their links (either end);
        `conflict = X` (an item or a document): a conflict with X; `none`. Rows list them."""
        target = value.text.strip()
        if target.lower() == "none":
            return ("NOT EXISTS (SELECT 1 FROM links l WHERE l.conflict IS NOT NULL AND (l.src = i.id OR l.dst = i.id))")
        self.annotate("conflicts", conflicts_of)
        forward = self.link_end("l.dst", target)
        backward = self.link_end("l.src", target)
        return ("EXISTS (SELECT 1 FROM links l WHERE l.conflict IS NOT NULL AND "
                f"((l.src = i.id AND {forward}) OR (l.dst = i.id AND {backward})))")

    def carried_sql(self, f: str, base: str, value: Value) -> str:
        """`carried-by = X`: items with a direct counterpart in X (an item or a document; `any`,
        `none`): an item that implements it, or that it measures (an indicator measures the item
        that carries it out). The same set as trace's depth-1 down steps and coverage."""
        target = value.text.strip()
        if target.lower() == "none":
            return f"NOT ({self.counterpart_exists('any')})"
        return self.counterpart_exists(target)

    def counterpart_exists(self, target: str) -> str:
        below = self.link_end("l.src", target)
        measured = self.link_end("l.dst", target)
        return ("(EXISTS (SELECT 1 FROM links l WHERE l.rel = 'implements' AND l.dst = i.id AND " + below + ") OR "
                "EXISTS (SELECT 1 FROM links l WHERE l.rel = 'measures' AND l.src = i.id AND " + measured + "))")

    def uncovered_sql(self, f: str, base: str, value: Value) -> str:
        """`uncovered = D`: the measures of every document D implements (directly or through
        another; the families each names under `coverage`) with no direct counterpart in D: the
        rows `powerkb coverage` reports as not covered."""
        doc = self.vocab.doc_id(value, self.query)
        measures = [self.measure_cond(up, fam) for up in self.vocab.docs_above(doc)
                    for fam in self.vocab.docs[up].get("coverage", {}).get("families", [])]
        if not measures:
            return "0"
        return "((" + " OR ".join(measures) + f") AND NOT ({self.counterpart_exists(doc)}))"

    def measure_cond(self, doc: str, family: str) -> str:
        """An item of `doc` whose ref is `family` followed by a number (ledger -> ledger.23)."""
        return (f"(i.doc = {self.p(doc)} AND i.ref LIKE {self.p(family + '.%')} "
                f"AND substr(i.ref, {self.p(len(family) + 2)}) NOT GLOB '*[^0-9]*' AND length(i.ref) > {self.p(len(family) + 1)})")

    def link_end(self, column: str, target: str) -> str:
        key = target.lower()
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
            stated = "".join(f" AND {c}" for c in self.stated())
            if state == "dated":
                return f"(o.date IS NOT NULL{stated})"
            if state == "overdue":
                return f"(o.date IS NOT NULL{stated} AND o.date < {self.p(self.today.isoformat())})"
            return f"(o.date IS NOT NULL{stated} AND o.date >= {self.p(self.today.isoformat())})"
        for value in node.when:
            first, last = period(value, self.query, self.today)
            self.dates.append(f"{value.text}: " + (value.period or Period(first, last, "day", first.isoformat())).describe())
        lo, hi, _, _ = due_range(node, self.query, self.today)
        conds = ["o.date IS NOT NULL"] + self.stated()
        if lo:
            conds.append(f"o.date >= {self.p(lo.isoformat())}")
        if hi:
            conds.append(f"o.date <= {self.p(hi.isoformat())}")
        return "(" + " AND ".join(conds) + ")"

    def stated(self) -> list[str]:
        """A dated occurrence counts only when its date is stated, unless inferred ones are asked for."""
        return [] if self.with_inferred else [f"o.basis = {self.p('stated')}"]

    # -- full text -----------------------------------------------------------------------
    def scoped_text(self, column: str, value: Value, positive: bool) -> str:
        """A search in one part of the text (SCOPED_TEXT), with the term's synonyms as in `text()`:
        any form matches, the form written ranks first."""
        term = value.text.strip()
        if not term:
            raise self.error("empty search term", value)
        others = variants(term, self.vocab.synonyms)
        if not others:
            return self.one_scoped(column, term, positive)
        self.expanded.append((term, others))
        parts = [self.one_scoped(column, term, positive)] + [self.one_scoped(column, t, False) for t in others]
        return "(" + " OR ".join(parts) + ")"

    def one_scoped(self, column: str, term: str, positive: bool) -> str:
        """One form in one part of the text: the bigram phrase in that column of fts_fields,
        confirmed by a literal substring test of that part unless the phrase is exact. English
        words in `text ~` also search the English summary (the item's own statement, in English)."""
        phrase = fts_phrase(term)
        conds = []
        if phrase:
            scoped = self.p("{" + column + "} : (" + phrase + ")")  # an FTS5 column filter, a bound value
            conds.append(f"i.rowid IN (SELECT rowid FROM fts_fields WHERE fts_fields MATCH {scoped})")
            if positive:
                self.rank_zh.append(phrase)
        if not phrase or not _exact_by_index(term):
            conds.append(f"instr((SELECT f.{column} FROM item_fields f WHERE f.item = i.rowid), {self.p(squash(term).casefold())}) > 0")
        where = "(" + " AND ".join(conds) + ")"
        if column == "own" and _PLAIN_ASCII.match(term) and not has_cjk(term):
            words = " ".join(w.lower() for w in re.findall(r"[A-Za-z0-9]+", term))
            where = f"({where} OR i.rowid IN (SELECT rowid FROM fts_en WHERE fts_en MATCH {self.p(chr(34) + words + chr(34))}))"
            if positive:
                self.rank_en.append('"' + words + '"')
        return where

    def text(self, value: Value, where: str, positive: bool, top: bool = False) -> str:
        """A full-text condition. A term with synonyms (policies/synonyms.yaml) matches any of its
        forms; only the form written ranks, so its hits come first."""
        term = value.text.strip()
        if not term:
            raise self.error("empty search term", value)
        others = variants(term, self.vocab.synonyms) if where == "both" else []
        if not others:
            return self.one_text(term, where, positive, top)
        self.expanded.append((term, others))
        parts = [self.one_text(term, where, positive, False)]
        parts += [self.one_text(t, where, False, False) for t in others]
        return "(" + " OR ".join(parts) + ")"

    def one_text(self, term: str, where: str, positive: bool, top: bool) -> str:
        conds = []
        if where == "both" and (has_cjk(term) or not _PLAIN_ASCII.match(term)):
            # Chinese or punctuated: exact substring semantics; the bigram index narrows first
            phrase = fts_phrase(term)
            if phrase and top and positive:
                self.fts_joins.append(phrase)  # joined with its rank: one FTS pass, not two
            elif phrase:
                conds.append(f"i.rowid IN (SELECT rowid FROM fts_zh WHERE fts_zh MATCH {self.p(phrase)})")
                if positive:
                    self.rank_zh.append(phrase)
            if not phrase or not _exact_by_index(term):
                # the bigram phrase is exact for a run of Chinese characters; anything else is
                # confirmed as a literal substring
                conds.append(f"instr(i.blob, {self.p(squash(term).casefold())}) > 0")
            return "(" + " AND ".join(conds) + ")" if conds else "1"
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


def paths_via(con, f: str, target: str, ids: list[str]) -> dict[str, list[str]]:
    """For `implements* = X` (or `implemented-by*`), each found item's shortest chain to X: the
    items it passed through, nearest first ([] for a direct link). Breadth-first from X over the
    links table, so the path is the one the recursive query found first."""
    here, there, rel = LINK_FIELDS[f.rstrip("*")]
    step: dict[str, list[str]] = {}
    for a, b in con.execute(f"SELECT {there}, {here} FROM links WHERE rel = ?", (rel,)):
        step.setdefault(a, []).append(b)
    starts = [target] if ":" in target else [t for t in step if t.startswith(target.lower() + ":")]
    parent = _breadth_first(step, starts)
    out = {}
    for iid in (i for i in ids if i in parent):  # one found by another branch of an `or` has none
        chain, node = [], parent.get(iid)
        while node is not None:
            chain.append(node)
            node = parent.get(node)
        out[iid] = chain
    return out


def _breadth_first(step: dict[str, list[str]], starts: list[str]) -> dict[str, str | None]:
    """Node -> the node it was reached from (None: reached from a start in one step)."""
    parent: dict[str, str | None] = {}
    frontier = [(s, None) for s in starts]
    while frontier:
        nxt = []
        for node, came in frontier:
            for n in step.get(node, []):
                if n not in parent:
                    parent[n] = came if came is None else node
                    nxt.append((n, n))
        frontier = nxt
    return parent


def matched_by(con, primary: str, params: list, alternative: str, alt_params: list, ids: list[str]) -> dict[str, str]:
    """"target" for the items one of whose targets matches as stated, "alternative" for those
    that match only through an alternative; an item found by another branch of an `or` has
    neither (null): what a row says it matched on."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    sql = (f"SELECT i.id, max(coalesce(({primary}), 0)), max(coalesce(({alternative}), 0)) "
           f"FROM items i JOIN targets t ON t.item = i.rowid WHERE i.id IN ({marks}) GROUP BY i.id")
    out = {}
    for item, stated, alt in con.execute(sql, [*params, *alt_params, *ids]):  # one statement for both
        if stated:
            out[item] = "target"
        elif alt:
            out[item] = "alternative"
    return out


def parts_matching(con, source: str, cond: str, params: list, ids: list[str]) -> dict[str, list[str]]:
    """Each found whole's parts that matched a `has-part (…)` condition, in document order."""
    if not ids:
        return {}
    out: dict[str, list[str]] = {i: [] for i in ids}
    marks = ",".join("?" * len(ids))
    sql = f"SELECT DISTINCT i.parent, i.id, i.rowid {source} WHERE ({cond}) AND i.parent IN ({marks}) ORDER BY i.rowid"
    for parent, part, _ in con.execute(sql, [*params, *ids]):
        out[parent].append(part)
    return out


def conflicts_of(con, ids: list[str]) -> dict[str, list[dict]]:
    """Each item's links that carry a date conflict: the item at the other end, the relation, and
    what the conflict is (`conflict:` in policies/links.yaml)."""
    out: dict[str, list[dict]] = {i: [] for i in ids}
    for src, rel, dst, text in con.execute("SELECT src, rel, dst, conflict FROM links WHERE conflict IS NOT NULL "
                                           "ORDER BY rowid"):
        if src in out:
            out[src].append({"with": dst, "relation": rel, "conflict": text})
        if dst in out:
            out[dst].append({"with": src, "relation": rel, "conflict": text})
    return out
