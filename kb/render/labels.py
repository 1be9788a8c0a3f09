"""Every word the renderers show a person goes through `label(key)`.

One function so that translations (Chinese by default, English by a switch) plug in at one
place later; today it returns the English text the outputs have always shown. A key that is not
listed is shown as it is: a column name such as `id` or `due` is its own label.
"""

from __future__ import annotations

LABELS: dict[str, str] = {
    # the item layout (section titles and the words inside them)
    "item.category": "分类",
    "item.text": "Text",
    "item.national": "National column",
    "item.standard": "Completion standard",
    "item.summary": "Summary",
    "item.units": "Units",
    "item.targets": "Targets",
    "item.fields": "Form fields",
    "item.deadlines": "Deadlines",
    "item.deadline-none": "none stated",
    "item.source": "Source",
    "item.note": "Note",
    "item.absent": "Absent",
    "item.linked": "Linked items",
    "item.as-written": "as written",
    "item.quote": "quote",
    "item.page": "page",
    "item.occurrences": "occurrences",
    "item.in-all": "in all",
    "item.binds": "binds",
    "item.reports-to": "reports to",
    "item.inferred": "inferred",
    "item.other-reading": "other reading",
    "item.ends": "ends",
    "item.value-lost": "set by the source, its value lost in the received text",
    "item.date-conflict": "dates differ",
    # relations (kb.analysis.outline.RELATIONS)
    "parent": "parent",
    "year-action": "year action",
    "part": "part",
    "implements": "implements",
    "implemented-by": "implemented by",
    "measures": "measures",
    "measured-by": "measured by",
    "same-as": "same as",
    # trace and coverage
    "trace-up": "up (what it implements, the indicators that measure it, what it belongs to):",
    "trace-down": "down (what implements it, what it measures, its parts):",
    "nothing": "(nothing)",
    "measure": "measure",
    "via": "via",
    # notes under a query row's id (kb.render.rows.row_notes)
    "matched-alternative": "matched its alternative",
    "parts": "parts",
    "conflict-with": "dates differ from",
    "counterparts": "counterparts",
    # diff
    "verdict": "verdict",
    "pairs": "pairs",
    "metric": "metric",
    "class": "class",
}


def label(key: str) -> str:
    """The text shown for `key` (today: English, or the key itself)."""
    return LABELS.get(key, key)
