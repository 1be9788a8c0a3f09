"""Completing the word being typed in a query: keywords, fields, units, metrics, documents.

Pure functions over the query text, so the query bar's inline suggestion (a Textual
`Suggester`) and its drop-down list agree, and tests need no terminal. A word is what the query
grammar reads as one: it ends at whitespace, a bracket, a quote, an operator or a comma; inside an
unclosed quote it runs to the end, so that `"city b` completes to `"city bureaus"`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.core.fuzzy import CJK

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


def candidates(query: str, words: list[str], limit: int = 8) -> list[str]:
    """Words that complete the one being typed: those it begins first, then those it occurs in,
    anywhere for Chinese (a unit name matches every unit whose name contains it) and at the start
    of a word for English (`bureaus` finds `city bureaus`, `un` does not find `count`)."""
    word = partial(query).text.casefold()
    if not word:
        return []
    inside = re.compile(re.escape(word) if CJK.search(word) else r"(?<![a-z0-9])" + re.escape(word))
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
