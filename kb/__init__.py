"""powerkb: the 获得电力 policy documents as machine-readable rules.

    >>> import kb
    >>> base = kb.load()
    >>> base.item("nea:ledger.3").deadline.date.isoformat()
    '2020-12-31'
"""

from __future__ import annotations

from kb.core.version import __version__

__all__ = ["__version__", "load"]


def load(policies=None, *, strict: bool = True):
    """Load a policy tree (the bundled one by default) into a `KnowledgeBase`.

    With `strict`, a tree whose files do not load (broken YAML, unknown keys) raises
    `PolicyProblems` listing them; `powerkb check` reports every problem, including quotes.
    """
    from kb.base import KnowledgeBase

    return KnowledgeBase.open(policies, strict=strict)
