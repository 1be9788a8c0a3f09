"""powerkb: the 获得电力 policy documents as machine-readable rules.

    >>> import kb
    >>> base = kb.load()
    >>> base.item("nea:ledger.3").deadline.date.isoformat()
    '2020-12-31'
"""

from __future__ import annotations

__version__ = "0.1.0"


def load(policies=None, *, strict: bool = True):
    """Load a policy tree (the bundled one by default) into a `KnowledgeBase`.

    With `strict`, a tree whose files do not load (broken YAML, unknown keys) raises
    `PolicyProblems` listing them; `powerkb check` reports every problem, including quotes.
    """
    from kb.loading.cache import load_cached

    return load_cached(policies, strict=strict)
