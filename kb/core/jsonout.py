"""The one way powerkb writes JSON: never a NaN or an infinity, which are not JSON.

`json.dumps` writes `NaN` by default, which other JSON readers reject. A non-finite number can
only come from an unchecked tree (the check refuses them), so it is an error that says where to
look, never output that another program chokes on."""

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
