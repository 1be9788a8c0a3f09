"""Translation lookup for renderers: `label(key)` for powerkb's own words, `term_name(kind, id)`
for the policies' terms (metrics, customer/area classes, stages, units), both in the language of
the run (the CLI's --lang, else $POWERKB_LANG, else zh).

This is the module a renderer registry plugs into: a renderer asks `label("col.due")` or
`term_name("metric", "full-process-time")` and never writes a word of UI text itself. The texts
live in kb/i18n/labels.yaml (UI vocabulary) and policies/metrics.yaml, units.yaml (terms); the
lookup itself is in kb.core.i18n so that lower layers (evaluate's sentences) can use it too.
"""

from __future__ import annotations

from kb.core.i18n import (  # noqa: F401 - re-exported: the renderers' one entry point
    LANGS,
    bind_terms,
    current_lang,
    has_label,
    label,
    pick,
    set_lang,
    term_name,
)


def kind_name(kind: str, lang: str | None = None) -> str:
    return label(f"kind.{kind}", lang)


def role_name(role: str, lang: str | None = None) -> str:
    return label(f"role.{role}", lang)


def verdict_name(verdict: str, lang: str | None = None) -> str:
    return label(f"verdict.{verdict}", lang)


def deadline_kind_name(kind: str, lang: str | None = None) -> str:
    return label(f"deadline.{kind}", lang)


def relation_name(rel: str, lang: str | None = None) -> str:
    return label(f"relation.{rel}", lang)


def is_zh(lang: str | None = None) -> bool:
    return (lang or current_lang()) == "zh"


def value_text(value: float, unit: str, lang: str | None = None) -> str:
    """A value with its unit as a reader writes it: 5个工作日, 160kW / 5 working days."""
    key = "measure." + unit
    return f"{value:g}{label(key, lang)}" if has_label(key) else f"{value:g} {unit}"
