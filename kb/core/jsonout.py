"""The one way powerkb writes JSON: never a NaN or an infinity, which are not JSON.

`json.dumps` writes `NaN` by default, which other JSON readers reject. A non-finite number can
only come from an unchecked tree (the check refuses them), so it is an error that says where to
look, never output that another program chokes on.

`listing` writes a result with many rows (a query's answer) the way evaluate writes its cases:
the envelope indented, each row compact on a line of its own. Python's indenting encoder is pure
Python; a row written compactly goes through the C encoder, several times faster (a cold
`powerkb query --format json` spent a tenth of its time indenting), and a row a line is still easy
to read, grep and diff."""

from __future__ import annotations

import json

from kb.core.errors import PowerKBError


class NotJson(PowerKBError):
    exit_code = 1


def dumps(obj, **kwargs) -> str:
    kwargs.setdefault("ensure_ascii", False)
    try:
        return json.dumps(obj, allow_nan=False, **kwargs)
    except ValueError as exc:
        raise NotJson(f"cannot write JSON: {exc} (a value that is not a finite number; run 'powerkb check')") from None


def listing(obj, key: str = "rows") -> str:
    """A list: one compact element a line. A dict: indented by two, except the list under `key`,
    one compact element a line. The same JSON value as `dumps(obj, indent=2)`; only the white
    space differs."""
    if isinstance(obj, list):
        return "[\n  " + ",\n  ".join(dumps(row) for row in obj) + "\n]" if obj else "[]"
    rows = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(rows, list) or not rows:
        return dumps(obj, indent=2)
    rest = dumps({**obj, key: None}, indent=2)
    marker = "@@rows@@"  # where the rows go: a string that occurs nowhere else in the envelope
    while marker in rest:
        marker += "@"
    head = dumps({**obj, key: marker}, indent=2)
    lines = ",\n    ".join(dumps(row) for row in rows)
    return head.replace(json.dumps(marker), "[\n    " + lines + "\n  ]", 1)
