"""Names as people type them: normal forms, Chinese character classes and "did you mean".

Every "unknown X" in powerkb (a unit in a query, a key in a policy file, a column of a cases file,
an item id) is answered from here, so a typo gets the same kind of suggestion wherever it is made.
"""

from __future__ import annotations


def is_cjk(ch: str) -> bool:
    """A Chinese (CJK unified) character: Chinese text is searched and matched by substring.
    (A comparison, not a regular expression: compiling `[\u3400-\u9fff]` costs a cold query 1.5 ms.)"""
    return "\u3400" <= ch <= "\u9fff"


def has_cjk(text: str) -> bool:
    """Does `text` contain a Chinese character?"""
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def norm(text) -> str:
    """The form in which names are compared: no white space at all, case folded."""
    return "".join(str(text).split()).casefold()


def near(word: str, choices, limit: int = 3, cutoff: int = 60) -> list[str]:
    """Near misses of `word` among `choices`: typos (adn -> and) and partial names (能源 -> 省能源局).

    The best matches only (within 10 points of the best), so a clear typo gets one answer."""
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import OSA

    def score(a: str, b: str, **_) -> float:
        return max(fuzz.WRatio(a, b), OSA.normalized_similarity(a, b) * 100)

    found = process.extract(str(word).lower(), list(dict.fromkeys(map(str, choices))), scorer=score,
                            processor=str.lower, limit=limit, score_cutoff=cutoff)
    best = found[0][1] if found else 0
    return [m[0] for m in found if m[1] >= best - 10]


def did_you_mean(suggestions) -> str:
    """` (did you mean 'a', 'b'?)`, or nothing when there is no suggestion."""
    names = list(suggestions)
    return f" (did you mean {', '.join(repr(s) for s in names)}?)" if names else ""
