"""The query language: parsing a question into a small syntax tree, and explaining bad input.

The grammar lives in `grammar/query.lark` (LALR, cached). Every node keeps the span of text it
came from so that an error, found here or later when a name is resolved, can be shown with a
caret under the exact words.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from kb.core.errors import PowerKBError, UnknownName
from kb.core.fuzzy import CJK, near
from kb.core.paths import grammar_dir

KEYWORDS = ["count", "diff", "vs", "where", "and", "or", "not", "due", "by", "in", "between",
            "for", "target", "order", "limit", "group", "today", "asc", "desc", "show", "items"]
FIELDS = ["doc", "kind", "unit", "role", "category", "metric", "customer", "area", "stage", "text",
          "summary", "id", "parent", "section", "heading", "jurisdiction", "implements",
          "implemented-by", "measures", "measured-by", "same-as", "recipient", "column"]
DUE_STATES = ["ongoing", "recurring", "none", "overdue", "upcoming", "dated"]
GROUP_KEYS = ["unit", "doc", "due-year", "due-month", "kind", "category", "role", "metric", "customer"]
ORDER_KEYS = ["due", "id", "doc", "kind", "rank", "category"]


_TERMINAL_NAMES = {
    "FIELD": "a field (" + ", ".join(FIELDS[:8]) + ", ...)",
    "OP": "an operator (=, !=, ~, !~, <, <=, >, >=)",
    "CMP": "a comparison (<=, <, >=, >, =)",
    "DATE": "a date (2021-12-31, 2021-12, 2021, 2021-Q3, 2021-H1)",
    "NUMBER": "a number",
    "STRING": "a quoted string",
    "WORD": "a word",
    "CJKWORD": "a Chinese search term",
    "LPAR": "(",
    "RPAR": ")",
    "STATE": "ongoing, recurring, none, overdue, upcoming or dated",
    "DIRECTION": "asc or desc",
    "PERCENT": "%",
    "$END": "the end of the query",
}


class QueryError(PowerKBError):
    """A query that cannot be understood, shown with a caret under the offending text."""

    exit_code = 2

    def __init__(self, message: str, query: str, start: int, end: int | None = None,
                 expected: list[str] | None = None, suggestions: list[str] | None = None):
        self.message, self.query = message, query
        self.start = max(0, min(start, len(query)))
        self.end = max(self.start + 1, end if end is not None else self.start + 1)
        self.expected = expected or []
        self.suggestions = suggestions or []
        PowerKBError.__init__(self, self.render())

    def caret_line(self) -> str:
        from rich.cells import cell_len

        pad = cell_len(self.query[: self.start])
        width = max(1, cell_len(self.query[self.start:self.end]))
        return " " * pad + "^" * width

    def render(self) -> str:
        lines = [f"query error: {self.message}", "  " + self.query, "  " + self.caret_line()]
        if self.expected:
            lines.append("expected " + ("one of: " + "; ".join(self.expected) if len(self.expected) > 1 else self.expected[0]))
        if self.suggestions:
            lines.append("did you mean " + ", ".join(f"'{s}'" for s in self.suggestions) + "?")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"error": self.message, "query": self.query, "start": self.start, "end": self.end,
                "expected": self.expected, "suggestions": self.suggestions}


class UnknownInQuery(QueryError, UnknownName):
    """An unknown unit, metric, document or other name in a query: shown with its caret, and
    caught like every other `UnknownName`."""

    def __init__(self, message: str, query: str, start: int, end: int | None = None, **kw):
        QueryError.__init__(self, message, query, start, end, **kw)
        self.wanted = query[self.start:self.end]


# --- syntax tree -------------------------------------------------------------------------

@dataclass
class Span:
    start: int
    end: int


@dataclass
class Value:
    text: str
    span: Span
    quoted: bool = False


@dataclass
class Compare:
    field: str
    op: str
    value: Value
    span: Span


@dataclass
class Due:
    mode: str  # "cmp" | "in" | "between" | "state"
    op: str | None
    when: tuple[Value, ...]
    span: Span


@dataclass
class ForUnit:
    value: Value
    span: Span


@dataclass
class TargetCmp:
    op: str
    number: float
    measure: Value | None
    span: Span


@dataclass
class Term:
    value: Value
    span: Span


@dataclass
class And:
    parts: list


@dataclass
class Or:
    parts: list


@dataclass
class Not:
    part: object


@dataclass
class Select:
    expr: object | None
    order: list[tuple[Value, str]] = field(default_factory=list)
    limit: int | None = None
    group: Value | None = None
    items: bool = False  # `show items`: item rows, not obligations


@dataclass
class Count:
    select: Select


@dataclass
class Diff:
    a: Value
    b: Value
    where: object | None


# --- parsing -----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def parser():
    from lark import Lark

    text = (grammar_dir() / "query.lark").read_text(encoding="utf-8")
    cache = None
    try:
        from kb.loading.cache import cache_root

        root = cache_root()
        root.mkdir(parents=True, exist_ok=True)
        cache = str(root / f"grammar-{hashlib.sha256(text.encode()).hexdigest()[:16]}.cache")
    except OSError:
        cache = None
    return Lark(text, parser="lalr", lexer="contextual", propagate_positions=True, cache=cache or False)


def _val(tok) -> Value:
    text = str(tok)
    quoted = tok.type == "STRING"
    if quoted:
        text = text[1:-1]
    return Value(text, Span(tok.start_pos, tok.end_pos), quoted)


def _span(tree) -> Span:
    meta = tree.meta
    return Span(getattr(meta, "start_pos", 0), getattr(meta, "end_pos", 0))


def _build(tree, query: str):
    from lark import Token, Tree

    if isinstance(tree, Token):
        raise AssertionError(tree)
    kind = tree.data
    kids = tree.children
    if kind == "start":
        return _build(kids[0], query)
    if kind == "count":
        return Count(_build(kids[1], query))
    if kind == "diff":
        rest = [k for k in kids if isinstance(k, Tree)]
        a, b = (_val(n.children[0]) for n in rest[:2])
        where = _build(rest[2], query) if len(rest) > 2 else None
        return Diff(a, b, where)
    if kind == "query":
        select = Select(None)
        for k in kids:
            if k is None:
                continue
            if k.data == "order":
                name = _val(k.children[2].children[0])
                direction = str(k.children[3]).lower() if len(k.children) > 3 and k.children[3] is not None else "asc"
                if name.text.lower() not in ORDER_KEYS:
                    raise QueryError(f"cannot order by '{name.text}'", query, name.span.start, name.span.end,
                                     expected=[", ".join(ORDER_KEYS)], suggestions=near(name.text, ORDER_KEYS))
                select.order.append((name, direction))
            elif k.data == "show_items":
                select.items = True
            elif k.data == "limit":
                select.limit = int(float(k.children[1]))
            elif k.data == "group":
                name = _val(k.children[2].children[0])
                if name.text.lower() not in GROUP_KEYS:
                    raise QueryError(f"cannot group by '{name.text}'", query, name.span.start, name.span.end,
                                     expected=[", ".join(GROUP_KEYS)], suggestions=near(name.text, GROUP_KEYS))
                select.group = name
            else:
                select.expr = _build(k, query)
        return select
    if kind in ("or_", "and_"):
        parts = [_build(k, query) for k in kids if isinstance(k, Tree) or not _is_kw(k)]
        return parts[0] if len(parts) == 1 else (Or if kind == "or_" else And)(parts)
    if kind == "not_":
        return Not(_build(kids[1], query))
    if kind == "compare":
        fld, op, value = kids
        return Compare(str(fld).lower(), str(op), _val(value.children[0]), _span(tree))
    if kind in ("due_cmp", "due_by", "due_in", "due_between"):
        whens = tuple(_val(k.children[0]) for k in kids if isinstance(k, Tree))
        op = {"due_cmp": str(kids[1]), "due_by": "<=", "due_in": "in", "due_between": "between"}[kind]
        return Due("cmp" if kind in ("due_cmp", "due_by") else op, op, whens, _span(tree))
    if kind == "due_state":
        return Due("state", str(kids[1]).lower(), (), _span(tree))
    if kind == "for_unit":
        return ForUnit(_val(kids[1].children[0]), _span(tree))
    if kind == "target":
        measure = kids[3] if len(kids) > 3 else None
        return TargetCmp(str(kids[1]), float(kids[2]), _val(measure.children[0]) if measure is not None else None, _span(tree))
    if kind == "term":
        value = _val(kids[0])
        if not value.quoted and not CJK.search(value.text):
            raise _unknown_word(value, query)
        return Term(value, _span(tree))
    raise AssertionError(kind)


def _is_kw(tok) -> bool:
    return getattr(tok, "type", None) in ("AND", "OR")


def _unknown_word(value: Value, query: str) -> QueryError:
    suggestions = near(value.text, KEYWORDS + FIELDS + DUE_STATES, cutoff=60)
    return QueryError(
        f"unexpected word '{value.text}' (an English search term must be quoted: \"{value.text}\")",
        query, value.span.start, value.span.end,
        expected=["a keyword, a field or a quoted search term"], suggestions=suggestions,
    )


_CONDITION = {"FIELD", "DUE", "FOR", "TARGET", "NOT", "LPAR", "STRING", "CJKWORD"}


def _expected_names(names) -> list[str]:
    names = set(names)
    out = []
    if len(names & _CONDITION) >= 4:  # summarise: the full list reads like a grammar dump
        names -= _CONDITION
        out.append("a condition (unit = …, due <= …, for …, text ~ …, a quoted term)")
    if {"AND", "OR"} <= names:
        names -= {"AND", "OR"}
        out.append("and / or")
    if {"ORDER", "LIMIT", "GROUP"} <= names:
        names -= {"ORDER", "LIMIT", "GROUP", "SHOW"}
        out.append("order by / limit / group by / show items")
    for n in sorted(names):
        label = _TERMINAL_NAMES.get(n)
        if label is None:
            label = n.lower() if n.isupper() and n.isalpha() else n
        if label not in out:
            out.append(label)
    return out


def _previous_word(query: str, pos: int) -> tuple[int, int, str] | None:
    m = re.search(r"([^\s()\"'=<>!~,]+)\s*$", query[:pos])
    return (m.start(1), m.end(1), m.group(1)) if m else None


def parse(query: str):
    """The syntax tree of `query`, or a QueryError with a caret, expectations and suggestions."""
    from lark.exceptions import (
        UnexpectedCharacters,
        UnexpectedEOF,
        UnexpectedInput,
        UnexpectedToken,
    )

    if not query or not query.strip():
        raise QueryError("the query is empty", query or "", 0, expected=["a condition such as doc = nea"])
    try:
        tree = parser().parse(query)
    except UnexpectedToken as e:
        tok = e.token
        start = tok.start_pos if tok.start_pos is not None else len(query)
        end = tok.end_pos if tok.end_pos is not None else start + 1
        shown = "end of the query" if tok.type == "$END" else f"'{tok}'"
        suggestions: list[str] = []
        if tok.type == "WORD" and not CJK.search(str(tok)):
            # a bare English word where a keyword belongs: most likely a misspelt keyword
            suggestions = near(str(tok), KEYWORDS + FIELDS + DUE_STATES, cutoff=60)
            nxt = query[end:].lstrip()[:2]
            if nxt[:1] in "=<>!~" and nxt:
                raise QueryError(f"unknown field '{tok}'", query, start, end,
                                 expected=[_TERMINAL_NAMES["FIELD"]], suggestions=near(str(tok), FIELDS, cutoff=60)) from None
            raise QueryError(f"unexpected word '{tok}' (an English search term must be quoted: \"{tok}\")",
                             query, start, end, expected=_expected_names(e.expected), suggestions=suggestions) from None
        elif tok.type in ("OP", "CMP") and (prev := _previous_word(query, start)):
            # "untt = x": the word before the operator was meant to be a field
            suggestions = near(prev[2], FIELDS, cutoff=60)
            if suggestions or not CJK.search(prev[2]):
                raise QueryError(f"unknown field '{prev[2]}'", query, prev[0], prev[1],
                                 expected=[_TERMINAL_NAMES["FIELD"]], suggestions=suggestions) from None
        raise QueryError(f"unexpected {shown}", query, start, end,
                         expected=_expected_names(e.expected), suggestions=suggestions) from None
    except UnexpectedCharacters as e:
        bad = query[e.pos_in_stream]
        if bad in "\"'“":
            raise QueryError("a quoted string is not closed", query, e.pos_in_stream, len(query),
                             expected=["a closing " + {"“": "”"}.get(bad, bad)]) from None
        raise QueryError(f"unexpected character '{bad}'", query, e.pos_in_stream,
                         expected=_expected_names(e.allowed or [])) from None
    except UnexpectedEOF as e:
        raise QueryError("the query ends too early", query, len(query),
                         expected=_expected_names(e.expected)) from None
    except UnexpectedInput as e:  # pragma: no cover - other lark input errors
        raise QueryError("cannot read the query", query, getattr(e, "pos_in_stream", 0) or 0) from None
    return _build(tree, query)


# --- dates -------------------------------------------------------------------------------

def period(value: Value, query: str, today: date) -> tuple[date, date]:
    """The first and last day a date literal stands for (2021 -> the year, 2021-12 -> the month)."""
    text = value.text.strip().lower()
    try:
        if text == "today":
            return today, today
        if m := re.fullmatch(r"(\d{4})", text):
            y = int(m.group(1))
            return date(y, 1, 1), date(y, 12, 31)
        if m := re.fullmatch(r"(\d{4})-q([1-4])", text):
            y, q = int(m.group(1)), int(m.group(2))
            first = date(y, 3 * q - 2, 1)
            return first, date(y, 3 * q, calendar.monthrange(y, 3 * q)[1])
        if m := re.fullmatch(r"(\d{4})-h([12])", text):
            y, h = int(m.group(1)), int(m.group(2))
            return (date(y, 1, 1), date(y, 6, 30)) if h == 1 else (date(y, 7, 1), date(y, 12, 31))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            y, mo = int(m.group(1)), int(m.group(2))
            return date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return d, d
    except ValueError:
        pass
    raise QueryError(f"'{value.text}' is not a date", query, value.span.start, value.span.end,
                     expected=[_TERMINAL_NAMES["DATE"]])


def due_range(node: Due, query: str, today: date) -> tuple[date | None, date | None, bool, bool]:
    """(low, high, low_inclusive, high_inclusive) of a dated `due` condition."""
    if node.mode == "between":
        lo, _ = period(node.when[0], query, today)
        _, hi = period(node.when[1], query, today)
        if hi < lo:
            raise QueryError("the range ends before it starts", query, node.span.start, node.span.end)
        return lo, hi, True, True
    first, last = period(node.when[0], query, today)
    op = node.op
    if op == "in" or op == "=":
        return first, last, True, True
    if op == "<=":
        return None, last, True, True
    if op == "<":
        return None, first - timedelta(days=1), True, True
    if op == ">=":
        return first, None, True, True
    if op == ">":
        return last + timedelta(days=1), None, True, True
    raise QueryError(f"cannot compare due with '{op}'", query, node.span.start, node.span.end)
