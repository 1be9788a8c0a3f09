"""Completing the word being typed in a query: keywords, fields, units, metrics, documents.

Pure functions over the query text, so the query bar's inline suggestion (a Textual
`Suggester`) and its drop-down list agree, and tests need no terminal. A word is what the query
grammar reads as one: it ends at whitespace, a bracket, a quote, an operator or a comma; inside an
unclosed quote it runs to the end, so that `"city b` completes to `"city bureaus"`.

The list opens by itself only where the grammar expects a word from a known list: a field or
keyword (at the start, after and/or/not/'('), a value after an operator, a group or order key, a
document after diff/vs. Elsewhere (a date, free text) it opens on Tab only. When
`kb.query.parse.accepts(text_before_cursor)` exists (the lark interactive parser, branch `query`),
it decides instead: only words the grammar accepts there are offered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.core.fuzzy import has_cjk

_BREAK = re.compile(r"""[\s()"'=<>!~,“”]""")
_QUOTES = {'"': '"', "'": "'", "“": "”"}


def vocabulary(base) -> list[str]:
    """Every word worth completing: the language's keywords, fields, states and group keys, the
    documents, the item kinds, and every unit and metric name (zh, en, aliases)."""
    from kb.query.parse import DUE_STATES, FIELDS, GROUP_KEYS, KEYWORDS, ORDER_KEYS
    from kb.query.vocab import vocabulary as store_vocabulary

    vocab = store_vocabulary(base.store)
    words = [*KEYWORDS, *FIELDS, *DUE_STATES, *GROUP_KEYS, *ORDER_KEYS, *base.documents,
             *sorted(vocab.kinds), *vocab.all_names()]
    return list(dict.fromkeys(words))


@dataclass(frozen=True)
class Partial:
    """The word under completion: where it starts in the query, its text, and the quote that
    closes it when it was opened with one."""

    start: int
    text: str
    closing: str | None = None


def partial(query: str) -> Partial:
    opened: tuple[int, str] | None = None
    for i, ch in enumerate(query):
        if opened is None and ch in _QUOTES:
            opened = (i, _QUOTES[ch])
        elif opened is not None and ch == opened[1]:
            opened = None
    if opened is not None:
        return Partial(opened[0] + 1, query[opened[0] + 1:], opened[1])
    start = max((m.end() for m in _BREAK.finditer(query)), default=0)
    return Partial(start, query[start:])


_OPERATOR = re.compile(r"(!=|!~|<=|>=|[=~<>])\s*$")
_FIELD_PLACE = re.compile(r"(^|\(|\b(and|or|not|where)\s)\s*$", re.IGNORECASE)
_FREE = {"due", "text", "summary", "target", "id", "parent", "heading", "section"}  # dates, numbers, free text
_AFTER = {"group by": "group", "order by": "order", "vs": "doc", "diff": "doc", "for": "value"}


def position(before: str) -> str | None:
    """What the grammar expects where the word being typed starts (`before` is the text before
    it): "field", "value", "group", "order", "doc", or None for a place with no word list."""
    if m := _OPERATOR.search(before):
        field = before[:m.start()].split()[-1:] or [""]
        return None if field[0].casefold() in _FREE else "value"
    tail = " ".join(before.split()).casefold()
    for words, place in _AFTER.items():
        if tail.endswith(" " + words) or tail == words:
            return place
    if _FIELD_PLACE.search(before):
        return "field"
    return None


def grammar_accepts(before: str) -> list[str] | None:
    """What `kb.query.parse.accepts` says may come next, when that function exists (else None)."""
    from kb.query import parse as grammar

    accepts = getattr(grammar, "accepts", None)
    if accepts is None:
        return None
    try:
        return list(accepts(before))
    except Exception:  # noqa: BLE001 - a helper for typing; the query itself reports errors
        return None


def context_words(query: str, words: list[str]) -> list[str] | None:
    """The words the grammar can take where the word being typed starts; None where it takes
    no word from a list (a date, free text): there the list opens only on Tab."""
    from kb.query.parse import FIELDS, GROUP_KEYS, KEYWORDS, ORDER_KEYS

    before = query[:partial(query).start]
    if grammar_accepts(before) == []:  # main's `accepts`: nothing can follow what is typed
        return None
    # main's `accepts` names open classes (`<word>`, `<chinese>`) alike for a unit after `=` and
    # for free text after `~`, and keywords after a complete value: the position rules below
    # tell those apart, so they decide which list opens by itself
    place = position(before)
    if place is None:
        return None
    if place == "field":
        return [*FIELDS, "due", "not", "count", "diff", "target", "for"]
    if place == "group":
        return list(GROUP_KEYS)
    if place == "order":
        return list(ORDER_KEYS)
    fixed = {w.casefold() for w in KEYWORDS + FIELDS + GROUP_KEYS + ORDER_KEYS}
    return [w for w in words if w.casefold() not in fixed]


def candidates(query: str, words: list[str], limit: int = 8) -> list[str]:
    """Words that complete the one being typed: those it begins first, then those it occurs in,
    anywhere for Chinese (a unit name matches every unit whose name contains it) and at the start
    of a word for English (`bureaus` finds `city bureaus`, `un` does not find `count`)."""
    word = partial(query).text.casefold()
    if not word:
        return []
    inside = re.compile(re.escape(word) if has_cjk(word) else r"(?<![a-z0-9])" + re.escape(word))
    starts = [w for w in words if w.casefold().startswith(word) and w.casefold() != word]
    within = [w for w in words if not w.casefold().startswith(word) and inside.search(w.casefold())]
    return (starts + within)[:limit]


def apply(query: str, word: str) -> str:
    """The query with the word being typed replaced by `word`, quoted when it has to be."""
    p = partial(query)
    if p.closing:
        return query[:p.start] + word + p.closing
    if _BREAK.search(word):
        return query[:p.start] + '"' + word + '"'
    return query[:p.start] + word


def suggestion(query: str, words: list[str]) -> str | None:
    """The inline completion: the query as typed, extended by the rest of the first word that
    begins with what is being typed (and needs no opening quote added before it)."""
    p = partial(query)
    for word in candidates(query, words):
        if not word.casefold().startswith(p.text.casefold()):
            break  # candidates list the words beginning with the text first
        if p.closing is None and _BREAK.search(word):
            continue
        return query + word[len(p.text):] + (p.closing or "")
    return None
