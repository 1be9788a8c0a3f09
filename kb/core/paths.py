"""Where the policy tree and the grammar live.

An installed wheel carries them inside the package (`kb/_data/`); a source checkout or editable
install has them beside `kb/`. `--policies DIR` and `POWERKB_POLICIES` point elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

_HERE = Path(__file__).resolve().parents[1]  # the kb package


def _bundled(name: str) -> Path:
    inside = _HERE / "_data" / name
    return inside if inside.is_dir() else _HERE.parent / name


def policies_dir(override: str | os.PathLike | None = None) -> Path:
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get("POWERKB_POLICIES")
    if env:
        return Path(env).expanduser().resolve()
    return _bundled("policies")


def grammar_dir() -> Path:
    return _bundled("grammar")


def docs_file(name: str) -> Path:
    """A documentation file shipped with powerkb (inside the wheel: kb/_data/docs/)."""
    inside = _HERE / "_data" / "docs" / name
    return inside if inside.is_file() else _HERE.parent / "docs" / name


def configured_cache_root() -> Path:
    """Where powerkb caches: $POWERKB_CACHE, else the user cache directory (platformdirs). The
    one rule for the build cache (kb.loading.cache, which falls back to a temporary directory when
    this one cannot be written) and the labels' JSON copy (kb.core.i18n)."""
    env = os.environ.get("POWERKB_CACHE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("powerkb"))
