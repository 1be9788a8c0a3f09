"""Which units a query asked for, so the results can show the matched unit first.

`unit = 市能源局` finds items whose units include 各市能源局 (by a name containing the words) and
the members and collectives of the units named; an item with many units would otherwise show its
first two, and the one that made it match could be cut off. Also: the query that narrows a
grouped result to one group (drill-down).
"""

from __future__ import annotations

import re


def _unit_values(node) -> list:
    from kb.query.parse import And, Compare, ForUnit, Not, Or, Select

    if isinstance(node, Select):
        return _unit_values(node.expr)
    if isinstance(node, ForUnit):
        return [node.value]
    if isinstance(node, Compare):
        return [node.value] if node.field == "unit" and node.op in ("=", "~") else []
    if isinstance(node, (And, Or)):
        return [v for part in node.parts for v in _unit_values(part)]
    if isinstance(node, Not):
        return []
    return []


def matched_units(base, query: str) -> set[str]:
    """The ids of the units `query` names, with their members and the collectives they belong to;
    empty when the query names none (or cannot be read: it ran, so this is only a nicety)."""
    from kb.core.errors import PowerKBError
    from kb.query.parse import Count, parse
    from kb.query.vocab import vocabulary

    try:
        statement = parse(query)
        select = statement.select if isinstance(statement, Count) else statement
        values = _unit_values(select)
        if not values:
            return set()
        vocab = vocabulary(base.store)
        named = set().union(*(vocab.unit_ids(v, query) for v in values))
    except (PowerKBError, AttributeError, TypeError):
        return set()
    found, _ = vocab.expand_units(named)
    for collective, by_place in vocab.members.items():
        if any(named & members for members in by_place.values()):
            found.add(collective)
    return found


_GROUP = re.compile(r"(^|\s+)group\s+by\s+\S+\s*$", re.IGNORECASE)
_COUNT = re.compile(r"^\s*count\s+", re.IGNORECASE)
_DATE_KEYS = {"due-year", "due-month"}


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"'


def drill_query(query: str, group_by: str, key: str, label: str | None) -> str | None:
    """The rows of one group of a `… group by KEY` query: its condition and the group's own.
    None when the group has no value to ask for (items without a unit, say)."""
    if not key:
        return None
    condition = _GROUP.sub("", _COUNT.sub("", query)).strip()
    if group_by in _DATE_KEYS:
        narrow = f"due in {key}"
    else:
        narrow = f"{group_by} = {_quoted(label if group_by == 'unit' and label else key)}"
    if not condition:
        return narrow
    return f"({condition}) and {narrow}"
