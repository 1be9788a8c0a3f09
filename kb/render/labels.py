"""Every word the renderers show a person goes through `label(key)`.

The texts are in kb/i18n/labels.yaml (Chinese by default, English with --lang en or
$POWERKB_LANG); the lookup is kb.core.i18n's, so this module and `kb.render.i18n.label` give the
same answer. A few short keys of the first, English-only renderers are kept as aliases of their
place in the vocabulary (relations, trace and coverage words). A key that is not listed is shown
as it is: a forgotten label is visible rather than fatal.
"""

from __future__ import annotations

from kb.core.i18n import label as _lookup
from kb.core.i18n import labels as _vocabulary

ALIASES: dict[str, str] = {
    **{rel: f"relation.{rel}" for rel in ("parent", "year-action", "part", "implements", "implemented-by",
                                          "measures", "measured-by", "same-as")},
    "trace-up": "trace.up",
    "trace-down": "trace.down",
    "nothing": "trace.nothing",
    "measure": "col.measure",
    "via": "col.via",
    "counterparts": "col.counterparts",
    "verdict": "col.verdict",
    "pairs": "col.pairs",
    "metric": "col.metric",
    "class": "col.class",
}


def label(key: str, lang: str | None = None, **fields) -> str:
    """The text shown for `key` in the run's language (or the key itself when none is listed)."""
    return _lookup(ALIASES.get(key, key), lang, **fields)


def known(key: str) -> bool:
    return ALIASES.get(key, key) in _vocabulary()
