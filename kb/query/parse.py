"""The query language: parsing a question into a small syntax tree, and explaining bad input.

The grammar lives in `grammar/query.lark` (LALR, cached); its closed word classes (keywords,
fields, due states, order and group keys) are generated from the tables below, the one place they
are written, so the parser never accepts a field the compiler does not know. `ToAst` (shaped like a
lark `Transformer`) turns the parse tree into the dataclasses below; every node keeps the span of text it came from, so
an error found here or later (an unknown unit, a bad date) is shown with a caret under the words.

Syntax errors are named by example (`SYNTAX_ERRORS`, lark's `match_examples`): one table of
malformed queries and what to say about them. Limits (`MAX_LENGTH`, `MAX_DEPTH`,
`MAX_CONDITIONS`, `MAX_LIMIT`) keep a hostile or runaway query from costing time or reaching
SQLite's own limits; each is reported like any other error.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, timedelta
from functools import lru_cache

from kb.core.dates import TODAY_WORDS, DateError, Period, parse_period
from kb.core.errors import PowerKBError, UnknownName
from kb.core.fuzzy import near
from kb.core.paths import grammar_dir
from kb.core.records import field, record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold command's time)
if TYPE_CHECKING:
    from typing import Literal

    DueMode = Literal["cmp", "in", "between", "state"]
    DueState = Literal["ongoing", "recurring", "none", "overdue", "upcoming", "dated"]

# --- the language's words: the one place they are listed ----------------------------------

DIRECTIONS = ["asc", "desc"]
KEYWORDS = ["count", "diff", "vs", "where", "and", "or", "not", "due", "by", "in", "between",
            "for", "target", "order", "limit", "group", "today", "has-part", "within", "show", "items", *DIRECTIONS]
FIELDS = ["doc", "kind", "unit", "role", "category", "metric", "customer", "area", "stage", "text",
          "national", "standard",
          "summary", "id", "parent", "section", "heading", "jurisdiction", "level", "implements",
          "implemented-by", "measures", "measured-by", "same-as", "implements*", "implemented-by*",
          "carried-by", "uncovered", "mark", "conflict", "verdict", "recipient", "column"]
"""Every field of `FIELD OP value`; kb/query/compile.py has one handler per field (checked on import)."""
DUE_STATES = ["ongoing", "recurring", "none", "overdue", "upcoming", "dated"]
GROUP_KEYS = ["unit", "doc", "due-year", "due-month", "kind", "category", "role", "metric", "customer"]
ORDER_KEYS = ["due", "id", "doc", "kind", "rank", "category"]


MAX_LENGTH = 2000
"""Characters in a query: checked first, so a megabyte of input costs nothing."""
MAX_DEPTH = 20
"""Nesting of and / or / not (parentheses that change nothing do not count)."""
MAX_CONDITIONS = 50
"""Conditions in one query: each may become a sub-select, and SQLite limits a statement's size."""
MAX_LIMIT = 2**63 - 1
"""`limit N`: N is bound as an SQLite INTEGER (64-bit signed)."""
SHOWN = 200
"""An error shows at most about this many characters of the query (the middle is elided)."""

_STOPS = "()\"'=<>!~,“”"
"""What ends a word besides white space (a keyword followed by one of these is still a keyword)."""
_WORD_CHAR = "[^\\s" + _STOPS + "]"


def _class_terminal(name: str, words, priority: int = 3) -> str:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return f"{name}.{priority}: /({alternatives})/i _END"


def generated_terminals() -> dict[str, list[str]]:
    """Terminal name -> the words it stands for: the closed classes of the grammar."""
    classes = {kw.upper().replace("-", "_"): [kw] for kw in KEYWORDS if kw not in DIRECTIONS and kw != "today"}
    classes.update(FIELD=FIELDS, STATE=DUE_STATES, ORDER_KEY=ORDER_KEYS, GROUP_KEY=GROUP_KEYS,
                   DIRECTION=DIRECTIONS, TODAY=list(TODAY_WORDS))
    return classes


def grammar() -> str:
    """The grammar file with the generated terminals appended."""
    text = (grammar_dir() / "query.lark").read_text(encoding="utf-8")
    lines = [_class_terminal(name, words) for name, words in generated_terminals().items()]
    return text + "\n// generated from kb/query/parse.py\n" + "\n".join(lines) + "\n"


_TERMINAL_NAMES = {
    "FIELD": "a field (" + ", ".join(FIELDS[:8]) + ", ...)",
    "OP": "an operator (=, !=, ~, !~, <, <=, >, >=)",
    "CMP": "a comparison (<=, <, >=, >, =)",
    "DATE": "a date (2021-12-31, 2021-12, 2021, 2021-Q3, 2021-H1, 2021年底, 2021年第三季度)",
    "NUMBER": "a number",
    "STRING": "a quoted string",
    "WORD": "a word",
    "CJKWORD": "a Chinese search term",
    "LPAR": "(",
    "RPAR": ")",
    "STATE": ", ".join(DUE_STATES[:-1]) + " or " + DUE_STATES[-1],
    "ORDER_KEY": ", ".join(ORDER_KEYS),
    "GROUP_KEY": ", ".join(GROUP_KEYS),
    "DIRECTION": "asc or desc",
    "TODAY": "today",
    "HAS_PART": "has-part (…)",
    "WITHIN": "within (…)",
    "PERCENT": "%",
    "$END": "the end of the query",
}


# --- errors ----------------------------------------------------------------------------------

def shorten(text: str, width: int = 40) -> str:
    """`text` with its middle elided beyond `width` characters, for quoting input in a message."""
    return text if len(text) <= width else text[: width // 2 - 1] + "…" + text[-(width // 2 - 1):]


def _printable(text: str) -> str:
    """Surrogates (bytes that were not UTF-8) and control characters cannot be printed: each is
    shown as U+FFFD, one character for one, so the caret stays aligned."""
    return "".join("\ufffd" if _unprintable(c) else c for c in text)


def _unprintable(ch: str) -> bool:
    return "\ud800" <= ch <= "\udfff" or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r")


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

    def excerpt(self) -> tuple[str, int, int]:
        """(the query as shown, start, end of the caret in it): a query longer than `SHOWN`
        characters keeps its beginning, the words around the caret and its end, with `…` between."""
        q, s = self.query, self.start
        e = min(self.end, s + 60, len(q) + 1)
        if len(q) <= SHOWN:
            return _printable(q), s, self.end
        head, context, tail = 40, 40, 20
        a, b = max(0, s - context), min(len(q), e + context)
        prefix = "" if a <= head + 3 else q[:head] + " … "
        a = 0 if not prefix else a
        suffix = q[b:] if b >= len(q) - tail - 3 else " … " + q[-tail:]
        start = len(prefix) + s - a
        return _printable(prefix + q[a:b] + suffix), start, start + (e - s)

    def caret_line(self, shown: bool = False) -> str:
        """Carets under the bad words of `self.query` (or of the excerpt, with `shown`)."""
        from rich.cells import cell_len

        text, start, end = self.excerpt() if shown else (_printable(self.query), self.start, self.end)
        return " " * cell_len(text[:start]) + "^" * max(1, cell_len(text[start:end]))

    def render(self) -> str:
        shown = self.excerpt()[0]
        lines = [f"query error: {self.message}", "  " + shown, "  " + self.caret_line(shown=True)]
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

@record
class Span:
    start: int
    end: int


@record
class Value:
    text: str
    span: Span
    quoted: bool = False


@record
class DateValue(Value):
    """A date literal where a date stands. `period` is read when parsed (None for `today`, which
    depends on the as-of date and is read when compiled)."""

    period: Period | None = None


@record
class Compare:
    field: str
    op: str
    value: Value
    span: Span


@record
class Due:
    mode: DueMode
    op: str | None  # a comparison (<=, <, ...), "in", "between", or the state for mode "state"
    when: tuple[Value, ...]
    span: Span


@record
class ForUnit:
    value: Value
    span: Span


@record
class TargetCmp:
    op: str
    number: float
    measure: Value | None
    span: Span


@record
class Term:
    value: Value
    span: Span


@record
class Part:
    """`has-part (…)`: an item one of whose parts (a row's year actions, a phase's steps: the
    items whose `parent` it is) matches; `within (…)`: an item whose parent matches."""

    way: Literal["has-part", "within"]
    expr: object
    span: Span


@record
class And:
    parts: list
    span: Span | None = None


@record
class Or:
    parts: list
    span: Span | None = None


@record
class Not:
    part: object
    span: Span | None = None


@record
class Select:
    expr: object | None
    order: list[tuple[Value, str]] = field(default_factory=list)
    limit: int | None = None
    group: Value | None = None
    items: bool = False  # `show items`: item rows, not obligations


@record
class Count:
    select: Select


@record
class Diff:
    a: Value
    b: Value
    where: object | None


# --- the parser --------------------------------------------------------------------------

def _grammar_file(kind: str, text: str, suffix: str):
    """A file in the user cache directory named after the grammar (None if there is none): its
    CRC-32 and length, which change with any edit (hashlib's import alone costs a cold query more)."""
    import zlib

    try:
        from kb.loading.cache import cache_root

        root = cache_root()
        root.mkdir(parents=True, exist_ok=True)
        data = text.encode()
        return root / f"{kind}-{zlib.crc32(data):08x}{len(data):x}{suffix}"
    except OSError:
        return None


@lru_cache(maxsize=1)
def parser():
    """The lark parser (errors, completion, and building the fast parser's tables)."""
    from lark import Lark

    text = grammar()
    cache = _grammar_file("grammar", text, ".cache")
    return Lark(text, parser="lalr", lexer="contextual", propagate_positions=True, cache=str(cache) if cache else False)


@lru_cache(maxsize=1)
def fast_parser():
    """lark's tables run without lark (kb/query/lalr.py): built by lark once per grammar and kept
    as JSON in the cache directory, so a cold `powerkb query` neither imports lark nor compiles
    its lexer."""
    import json

    from kb.query import lalr

    text = grammar()
    path = _grammar_file(f"lalr{lalr.FORMAT}", text, ".json")
    if path is not None and path.is_file():
        try:
            return lalr.Parser(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # unreadable, garbled or of another shape: built again (a cache never fails a query)
    data = lalr.tables(parser(), generated_terminals(), _STOPS)
    if path is not None:
        from kb.loading.cache import write_atomic

        try:
            write_atomic(path, json.dumps(data).encode())
        except OSError:
            pass  # a read-only cache directory only costs speed
    return lalr.Parser(data)


def parse_tree(query: str):
    """The parse tree: by the fast parser; lark parses what it rejects (and raises the error)."""
    from kb.query.lalr import Reject

    try:
        return fast_parser().parse(query)
    except Reject:
        pass
    from lark.exceptions import UnexpectedInput

    try:
        return parser().parse(query)
    except UnexpectedInput as e:
        raise syntax_error(e, query) from None


@lru_cache(maxsize=512)
def parse(query: str):
    """The syntax tree of `query`, or a QueryError with a caret, expectations and suggestions.

    Memoized (a query asked again, as the TUI does on every refresh, is not parsed again): the
    tree is shared, so treat it as read-only."""
    _check_text(query)
    tree = parse_tree(query)
    _check_shape(tree, query)
    return ToAst(query).transform(tree)


def _check_text(query: str) -> None:
    if not query or not query.strip():
        raise QueryError("the query is empty", query or "", 0, expected=["a condition such as doc = nea"])
    if len(query) > MAX_LENGTH:
        raise QueryError(f"the query is too long ({len(query)} characters; at most {MAX_LENGTH})",
                         query, MAX_LENGTH, len(query))
    bad = next((i for i, ch in enumerate(query) if _unprintable(ch)), None)
    if bad is not None:
        ch = query[bad]
        what = ("a byte that is not UTF-8 text" if "\ud800" <= ch <= "\udfff"
                else f"the control character U+{ord(ch):04X}")
        raise QueryError(f"the query contains {what}", query, bad)


def _check_shape(tree, query: str) -> None:
    """Nesting and the number of conditions, walked without recursion (the tree may be deep)."""
    conditions = 0
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data in ("or_", "and_", "not_"):
            depth += 1
            if depth > MAX_DEPTH:
                raise QueryError(f"the query nests and / or / not too deeply (at most {MAX_DEPTH} levels)",
                                 query, node.meta.start_pos, node.meta.end_pos)
        elif node.data in _CONDITIONS:
            conditions += 1
            if conditions > MAX_CONDITIONS:
                raise QueryError(f"the query has too many conditions (at most {MAX_CONDITIONS})",
                                 query, node.meta.start_pos, node.meta.end_pos)
        stack.extend((k, depth) for k in reversed(node.children) if not isinstance(k, str))


_CONDITIONS = {"part", "compare", "due_cmp", "due_by", "due_in", "due_between", "due_state", "for_unit", "target", "term"}


def _val(tok) -> Value:
    text = str(tok)
    quoted = tok.type == "STRING"
    return Value(text[1:-1] if quoted else text, Span(tok.start_pos, tok.end_pos), quoted)


class ToAst:
    """The parse tree as the dataclasses above (lark's create_ast pattern), each with its span.

    A lark `Transformer` without lark: each rule's method gets its children already transformed
    (tokens stay tokens), so it works on lark's trees and on kb/query/lalr.py's alike.
    Checks that need a node's words (a date that does not exist, a limit too large) are made
    here, so every such error carries the caret of the words it is about."""

    def __init__(self, query: str):
        self.source = query

    def transform(self, tree):
        """Bottom-up; recursion is bounded because `_check_shape` limits the nesting first."""
        kids = [k if isinstance(k, str) else self.transform(k) for k in tree.children]
        method = getattr(self, tree.data, None)
        if method is None:
            raise ValueError(f"no rule for '{tree.data}'")
        return method(kids)

    def error(self, message: str, start: int, end: int, **kw) -> QueryError:
        return QueryError(message, self.source, start, end, **kw)

    # -- leaves --------------------------------------------------------------------------
    def value(self, kids):
        return _val(kids[0])

    name = value
    measure = value

    def when(self, kids):
        tok = kids[0]
        value = DateValue(str(tok), Span(tok.start_pos, tok.end_pos))
        if tok.type != "TODAY":
            value.period = read_date(value, self.source)
        return value

    # -- statements ----------------------------------------------------------------------
    def start(self, kids):
        return kids[0]

    def count(self, kids):
        return Count(kids[1])

    def diff(self, kids):
        a, b, *rest = [k for k in kids if not _is_token(k)]
        return Diff(a, b, rest[0] if rest else None)

    def query(self, kids):
        select = Select(None)
        for kid in kids:
            if isinstance(kid, tuple):
                kind, payload = kid
                if kind == "order":
                    select.order.append(payload)
                elif kind == "limit":
                    select.limit = payload
                elif kind == "items":
                    select.items = True
                else:
                    select.group = payload
            else:
                select.expr = kid
        return select

    def order(self, kids):
        direction = str(kids[3]).lower() if len(kids) > 3 else "asc"
        return "order", (_val(kids[2]), direction)

    def group(self, kids):
        return "group", _val(kids[2])

    def show_items(self, kids):
        """`show items`: item rows, not obligations (run.py)."""
        return "items", True

    def limit(self, kids):
        tok = kids[1]
        if "." in tok or int(tok) > MAX_LIMIT:
            raise self.error(f"limit takes a whole number from 0 to {MAX_LIMIT}", tok.start_pos, tok.end_pos)
        return "limit", int(tok)

    # -- conditions ----------------------------------------------------------------------
    def or_(self, kids):
        parts = [k for k in kids if not _is_token(k)]
        return parts[0] if len(parts) == 1 else Or(parts, Span(_start(parts[0]), _end(parts[-1])))

    def and_(self, kids):
        parts = [k for k in kids if not _is_token(k)]
        return parts[0] if len(parts) == 1 else And(parts, Span(_start(parts[0]), _end(parts[-1])))

    def not_(self, kids):
        return Not(kids[1], Span(kids[0].start_pos, _end(kids[1])))

    def compare(self, kids):
        fld, op, value = kids
        return Compare(str(fld).lower(), str(op), value, Span(fld.start_pos, value.span.end))

    def due_cmp(self, kids):
        return Due("cmp", str(kids[1]), (kids[2],), self._due_span(kids))

    def due_by(self, kids):
        return Due("cmp", "<=", (kids[2],), self._due_span(kids))

    def due_in(self, kids):
        return Due("in", "in", (kids[2],), self._due_span(kids))

    def due_between(self, kids):
        low, high = kids[2], kids[4]
        if low.period and high.period and high.period.last < low.period.first:
            raise self.error("the range ends before it starts", kids[0].start_pos, high.span.end,
                             expected=[f"due between {high.text} and {low.text}"])
        return Due("between", "between", (low, high), self._due_span(kids))

    def due_state(self, kids):
        return Due("state", str(kids[1]).lower(), (), self._due_span(kids))

    def for_unit(self, kids):
        return ForUnit(kids[1], Span(kids[0].start_pos, kids[1].span.end))

    def target(self, kids):
        number = float(kids[2])
        if not math.isfinite(number):
            raise self.error("the target value is too large", kids[2].start_pos, kids[2].end_pos)
        measure = kids[3] if len(kids) > 3 else None
        end = measure.span.end if measure is not None else kids[2].end_pos
        return TargetCmp(str(kids[1]), number, measure, Span(kids[0].start_pos, end))

    def term(self, kids):
        value = _val(kids[0])
        return Term(value, value.span)

    def part(self, kids):
        inner = kids[1]
        end = getattr(getattr(inner, "span", None), "end", kids[0].end_pos)
        return Part(str(kids[0]).lower(), inner, Span(kids[0].start_pos, end + 1))

    @staticmethod
    def _due_span(kids) -> Span:
        last = kids[-1]
        return Span(kids[0].start_pos, last.end_pos if _is_token(last) else last.span.end)


def _is_token(node) -> bool:
    return isinstance(node, str)  # lark's Token and kb.query.lalr.Token are str


def _start(node) -> int:
    return node.span.start


def _end(node) -> int:
    return node.span.end


# --- syntax errors, named by example -----------------------------------------------------

SYNTAX_ERRORS: dict[str, list[str]] = {
    "'{token}' cannot follow 'due'": ["due before 2021-12", "due after 2021", "due until 2021", "doc = nea and due ongoin"],
    "a date must say how it is compared: due <= {token}, due in {token}, ...": ["due 2021-12", "due 2021", "due today", "due 2021年"],
    "'{token}' is not a date": ["due <= x", "due in x", "due by x", "due between x", "due between 2021 and x",
                                "due <= 市", "due in 市"],
    "cannot order by '{token}'": ["order by x", "order by 市", "order by 1"],
    "cannot group by '{token}'": ["group by x", "group by 市", "group by 1"],
    "'{token}' is not asc or desc": ["order by due x"],
    "limit takes a number, not '{token}'": ["limit x", "limit 市", "limit 2021-12"],
    "a field needs an operator: {prev} = {token}": ["unit 市能源局", "doc nea", "unit \"x\"", "doc 1479"],
    "'{token}' needs a field before it": ["= x", "doc = nea and = x", "~ x"],
    "a ')' without its '('": [")", "doc = nea)", "(doc = nea))"],
    "unexpected end of the query: a value must follow '{prev}'": ["doc =", "unit !=", "doc = nea and unit ~", "for"],
    "unexpected end of the query: a date must follow '{prev}'": ["due <=", "due in", "due by", "due between", "due between 2021 and"],
    "unexpected end of the query: '{prev}' must be followed by a condition": ["doc = nea and", "doc = nea or", "not", "("],
    "unexpected end of the query: a ')' is missing": ["(doc = nea", "((doc = nea) or doc = 1479", "within (doc = nea",
                                                      "has-part (doc = nea"],
    "unexpected end of the query: 'due' must be followed by how it is compared": ["due"],
    "unexpected end of the query: '{prev}' must be followed by a condition in parentheses": ["within", "has-part",
                                                                                             "doc = nea and has-part"],
    "'{prev}' takes a condition in parentheses: {prev} (…)": ["has-part doc = nea", "within doc = nea", "within 市"],
    "unexpected end of the query: '{prev}' must be followed by a key": ["order by", "group by", "order", "group"],
}
"""Malformed queries and what to say about them; `{token}` is the unexpected word, `{prev}` the one
before it. lark's `match_examples` picks the entry whose example failed in the same parser state."""

_DUE_WORDS = {"before": ["due < {next}", "due by {next}"], "after": ["due > {next}", "due >= {next}"],
              "until": ["due by {next}"], "since": ["due >= {next}"], "on": ["due = {next}", "due in {next}"],
              "from": ["due between {next} and …"], "during": ["due in {next}"], "within": ["due in {next}"]}
"""English words people put after `due`, and what the language says instead."""


def syntax_error(e, query: str) -> QueryError:
    """A lark parse error as a QueryError: named from `SYNTAX_ERRORS`, with the caret under the
    unexpected token and near misses among the words that may stand there."""
    from lark.exceptions import UnexpectedCharacters

    if isinstance(e, UnexpectedCharacters):
        return _bad_character(e, query)
    tok = e.token
    if tok.type == "$END" or tok.start_pos is None:  # the caret goes after the last word
        start = end = len(query.rstrip())
    else:
        start, end = tok.start_pos, tok.end_pos
    expected = set(getattr(e, "accepts", None) or e.expected)
    special = _unknown_field(tok, query, start, end, expected)
    if special is not None:
        return special
    e.state = _Where(e.state)
    label = e.match_examples(_parse_for_example, SYNTAX_ERRORS, token_type_match_fallback=True)
    prev = _previous_word(query, start)
    words = {"token": shorten(str(tok)), "prev": shorten(prev[2]) if prev else ""}
    if label is not None and (tok.type != "$END" or label.startswith("unexpected end")):
        message = label.format(**words)
    elif tok.type == "$END":
        message = "unexpected end of the query"
    elif tok.type == "WORD":
        message = f"unexpected word '{words['token']}' (an English search term must be quoted: \"{words['token']}\")"
    else:
        message = f"unexpected '{words['token']}'"
    return QueryError(message, query, start, end, expected=_expected_names(expected),
                      suggestions=_suggestions(tok, expected, query, end))


class _Where:
    """A parser state compared by the LALR state alone. lark compares the whole stack's depth too,
    so `order by x` would not match `doc = nea order by x`; the state says where in the grammar the
    error is, which is what an example names."""

    def __init__(self, state):
        self.position = getattr(state, "position", state)

    def __eq__(self, other) -> bool:
        return isinstance(other, _Where) and self.position == other.position

    __hash__ = None


def _parse_for_example(text: str):
    from lark.exceptions import UnexpectedInput

    try:
        return parser().parse(text)
    except UnexpectedInput as e:
        e.state = _Where(e.state)
        raise


def _unknown_field(tok, query: str, start: int, end: int, expected: set) -> QueryError | None:
    """`untt = x`: a word before an operator, where a condition begins, was meant as a field."""
    if "FIELD" not in expected:
        return None
    if tok.type == "WORD" and query[end:].lstrip()[:1] in tuple("=<>!~"):
        return UnknownInQuery(f"unknown field '{shorten(str(tok))}'", query, start, end,
                          expected=[_TERMINAL_NAMES["FIELD"]], suggestions=near(str(tok), FIELDS, cutoff=60))
    return None


def _suggestions(tok, expected: set, query: str, end: int) -> list[str]:
    if tok.type not in ("WORD", "CJKWORD", "NUMBER", "DATE", "WITHIN"):
        return []
    word = str(tok).lower()
    if "BY" in expected and "STATE" in expected and word in _DUE_WORDS:  # due before 2021-12
        nxt = re.match(rf"\s*({_WORD_CHAR}+)", query[end:])
        return [s.format(next=nxt.group(1) if nxt else "…") for s in _DUE_WORDS[word]]
    return near(str(tok), acceptable_words(expected), cutoff=60)


def acceptable_words(terminals) -> list[str]:
    """The words of the closed classes among `terminals` (keywords, fields, states, keys)."""
    classes = generated_terminals()
    return [w for name in sorted(terminals) for w in classes.get(name, [])]


def _bad_character(e, query: str) -> QueryError:
    bad = query[e.pos_in_stream]
    if bad in "\"'“":
        return QueryError("a quoted string is not closed", query, e.pos_in_stream, len(query),
                          expected=["a closing " + {"“": "”"}.get(bad, bad)])
    return QueryError(f"unexpected character '{bad}'", query, e.pos_in_stream,
                      expected=_expected_names(e.allowed or []))


_CONDITION = {"FIELD", "DUE", "FOR", "TARGET", "NOT", "LPAR", "STRING", "CJKWORD", "HAS_PART", "WITHIN"}


def _expected_names(names) -> list[str]:
    names = set(names) - {"WORD"} if {"FIELD", "STRING"} <= set(names) else set(names)
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
    m = re.search(r"(\S+)\s*$", query[:pos])
    return (m.start(1), m.end(1), m.group(1)) if m else None


# --- completion --------------------------------------------------------------------------

_PLACEHOLDERS = {"DATE": "<date>", "NUMBER": "<number>", "STRING": "<quoted>", "WORD": "<word>",
                 "CJKWORD": "<chinese>", "OP": "=", "CMP": "<=", "LPAR": "(", "RPAR": ")", "PERCENT": "%"}
_OPERATORS = {"OP": ["=", "!=", "~", "!~", "<", "<=", ">", ">="], "CMP": ["<=", "<", ">=", ">", "="]}


def accepts(text_before_cursor: str) -> list[str]:
    """What may be typed at the cursor: keywords, fields, states and keys as words, operators as
    themselves, and the open classes as placeholders (`<date>`, `<number>`, `<quoted>`, `<word>`,
    `<chinese>`). The word being typed (after the last break, or after an unclosed quote) is
    ignored: the answer is what may stand where it stands. [] when the text before it cannot
    begin a query."""
    from lark.exceptions import UnexpectedInput

    text = _before_word(text_before_cursor)
    interactive = parser().parse_interactive(text)
    try:
        interactive.exhaust_lexer()
    except UnexpectedInput:
        return []
    classes = generated_terminals()
    out: list[str] = []
    for name in sorted(interactive.accepts()):
        if name in classes:
            out += classes[name]
        elif name in _OPERATORS:
            out += _OPERATORS[name]
        elif name in _PLACEHOLDERS:
            out.append(_PLACEHOLDERS[name])
    return list(dict.fromkeys(out))


def _before_word(text: str) -> str:
    quote = None
    for i, ch in enumerate(text):
        if quote is None and ch in "\"'“":
            quote = (i, {"“": "”"}.get(ch, ch))
        elif quote is not None and ch == quote[1]:
            quote = None
    if quote is not None:
        return text[: quote[0]]
    return re.sub(rf"{_WORD_CHAR}+$", "", text)


# --- dates -------------------------------------------------------------------------------

def read_date(value: Value, query: str, today: date | None = None) -> Period:
    """The period a date literal stands for, or a QueryError under it saying what is wrong."""
    try:
        return parse_period(value.text, today)
    except DateError as exc:
        message = str(exc)
        if not message.startswith("'"):
            message = f"'{shorten(value.text)}' is not a date: {message}"
        instead = [f"due by {exc.core}", f"due < {exc.core}"] if exc.core else []
        raise QueryError(message, query, value.span.start, value.span.end,
                         expected=[exc.hint or _TERMINAL_NAMES["DATE"]], suggestions=instead) from None


def period(value: Value, query: str, today: date) -> tuple[date, date]:
    """The first and last day a date literal stands for (2021 -> the year, 2021-12 -> the month)."""
    found = getattr(value, "period", None) or read_date(value, query, today)
    return found.first, found.last


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
    if op in ("in", "="):
        return first, last, True, True
    if op == "<=":
        return None, last, True, True
    if op == ">=":
        return first, None, True, True
    if (op == "<" and first == date.min) or (op == ">" and last == date.max):
        raise QueryError(f"nothing can be due {'before' if op == '<' else 'after'} "
                         f"{(first if op == '<' else last).isoformat()}: years run from 0001 to 9999",
                         query, node.span.start, node.span.end)
    if op == "<":
        return None, first - timedelta(days=1), True, True
    return last + timedelta(days=1), None, True, True
