"""What the app remembers between runs: the theme and the export format (settings, in the user
config dir) and the queries run (history, in the user data dir), both found by platformdirs.

A missing, unreadable or corrupt file is the same as no file: the app starts with its defaults and
writes a good file the next time something changes. Writes go through the same atomic writer as
the cache and the CLI's exports, so a crash never leaves half a file behind.
"""

from __future__ import annotations

import json
from pathlib import Path

HISTORY_KEPT = 200


def config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("powerkb")) / "tui.json"


def history_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("powerkb")) / "query-history.json"


def _read(path: Path, kind: type):
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return kind()
    return data if isinstance(data, kind) else kind()


def _write(path: Path, data) -> None:
    from kb.loading.cache import write_atomic

    try:
        write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
    except OSError:
        pass  # a read-only home costs only the memory of this run


def load_settings() -> dict:
    return _read(config_path(), dict)


def save_setting(key: str, value) -> None:
    settings = load_settings()
    settings[key] = value
    _write(config_path(), settings)


def load_history() -> list[str]:
    return [q for q in _read(history_path(), list) if isinstance(q, str)][-HISTORY_KEPT:]


def save_history(history: list[str]) -> None:
    _write(history_path(), history[-HISTORY_KEPT:])
