"""powerkb: the 获得电力 policy documents as machine-readable rules.

    >>> import kb
    >>> base = kb.load()
    >>> base.item("nea:ledger.3").deadline.date.isoformat()
    '2020-12-31'
"""

from __future__ import annotations

from kb.core.version import __version__

__all__ = ["__version__", "load"]


def load(policies=None, *, strict: bool = True, checked: bool | None = None):
    """Load a policy tree (the bundled one by default) into a `KnowledgeBase`.

    With `strict`, a tree whose files do not load (broken YAML, unknown keys) raises
    `PolicyProblems` listing them. With `checked` (the default, unless POWERKB_UNCHECKED=1), a
    tree that fails `powerkb check` raises `TreeRejected` (a `PolicyProblems`) with its first
    problems; `checked=False` serves it anyway and marks it (`base.unchecked`, and
    `result.unchecked` on every query result and evaluation). The check runs once per version
    of the tree and is cached with the build.
    """
    from kb.base import KnowledgeBase

    return KnowledgeBase.open(policies, strict=strict, checked=checked)
