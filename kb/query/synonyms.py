"""Search that knows the domain's words: a term's variants through policies/synonyms.yaml, and,
when a search finds nothing, the nearest terms that do match.

A term is expanded by replacing the longest form of a synonym group it contains with each other
form of that group (居民用户 -> 居民客户, 160千瓦 -> 160kW). The original term keeps its rank and
the variants' hits come after it (kb/query/compile.py, run.py).
"""

from __future__ import annotations


def variants(term: str, groups) -> list[str]:
    """Other ways of writing `term`: each group form it contains, replaced by the group's others.
    Longer forms first, and a form inside an already replaced longer one is not replaced again
    (小微企业用户 is not also rewritten through 小微企业)."""
    out: list[str] = []
    forms = sorted({(f, g) for g in groups for f in g}, key=lambda p: len(p[0]), reverse=True)
    covered: list[tuple[int, int]] = []
    for form, group in forms:
        at = term.casefold().find(form.casefold())
        if at < 0 or any(s <= at < e or s < at + len(form) <= e for s, e in covered):
            continue
        covered.append((at, at + len(form)))
        for other in group:
            if other != form:
                out.append(term[:at] + other + term[at + len(form):])
    return [v for v in dict.fromkeys(out) if v != term]


def _count(con, text: str) -> int:
    from kb.loading.sources import squash

    return con.execute("SELECT count(*) FROM items WHERE instr(blob, ?) > 0", (squash(text).casefold(),)).fetchone()[0]


def nearest(con, term: str, groups, limit: int = 3) -> list[tuple[str, int]]:
    """Terms near `term` that do occur, with how many items hold each: its synonym variants, then
    its longest pieces (dropping characters from either end), for "nothing found" answers."""
    found: list[tuple[str, int]] = []
    seen = {term}
    candidates = variants(term, groups)
    text = term.strip()
    for size in range(len(text) - 1, 1, -1):
        candidates += [text[i:i + size] for i in range(len(text) - size + 1)]
    for cand in candidates:
        if cand in seen or not cand.strip() or any(cand in f for f, _ in found):
            continue  # a piece of a term already offered says nothing new
        seen.add(cand)
        n = _count(con, cand)
        if n:
            found.append((cand, n))
            if len(found) >= limit:
                break
    return found
