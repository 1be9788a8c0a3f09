"""Tokens for Chinese full-text search that find a term wherever it stands.

SQLite's trigram tokenizer cannot match two-character terms, and word segmentation (jieba) splits
用电价格政策 into 用电/价格/政策 so that 电价 is never found. We index overlapping character
bigrams instead: a term of n >= 2 characters becomes the phrase of its n-1 bigrams, and a phrase
of consecutive overlapping bigrams matches exactly where the term occurs as a substring, as a
reader's Ctrl+F would find it. Runs of ASCII letters and digits (20kV, 12398, APP) count as one
unit and are also indexed alone, so `160kW` and `12398` are found as words. Bigrams do not cross
punctuation. A one-character term has no bigram; the query falls back to a substring scan.
"""

from __future__ import annotations

import re

_RUN = re.compile(r"[0-9A-Za-z]+|[^\W_]", re.UNICODE)
_SPLIT = re.compile(r"[^\w]+|_", re.UNICODE)


def units(text: str) -> list[list[str]]:
    """Runs of units: each run is a stretch without punctuation or spaces."""
    runs = []
    for chunk in _SPLIT.split(text or ""):
        if chunk:
            runs.append([u.lower() for u in _RUN.findall(chunk)])
    return runs


RUN_BREAK = "qz0runbreak0zq"
"""A token put between runs so that no phrase matches across punctuation (零投，投资 is not 零投资).
User text may spell it too: `tokens` never yields it for a search term (it is dropped there), so
searching for it finds nothing instead of every item."""


def tokens(text: str, breaks: bool = False) -> list[str]:
    """The token stream to index (with `breaks` between runs) or, for a query term, to look for."""
    out: list[str] = []
    for n, run in enumerate(units(text)):
        if breaks and n:
            out.append(RUN_BREAK)
        for i, unit in enumerate(run):
            if unit == RUN_BREAK:
                continue  # the index's own separator is never a word of the text
            if unit.isascii():
                out.append(unit)
            if i + 1 < len(run):
                out.append(unit + run[i + 1])
    return out


def index_text(text: str) -> str:
    return " ".join(tokens(text, breaks=True))


def needs_scan(term: str) -> bool:
    """True when a term has no token (a single CJK character): search it by substring instead."""
    return not tokens(term)


def fts_phrase(term: str) -> str | None:
    """An FTS5 query matching `term` as a substring (AND of one phrase per punctuation-free run)."""
    phrases = []
    for run in units(term):
        toks = tokens("".join(run)) if len(run) > 1 or (run and run[0].isascii()) else []
        if toks:
            phrases.append('"' + " ".join(toks) + '"')
    return " AND ".join(phrases) if phrases else None
