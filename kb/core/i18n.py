"""The language of user-facing text: labels from `kb/i18n/labels.yaml`, names of terms from the
registries, and which language (zh by default) a run speaks.

Why here (kb/core) and not in kb/render only: the sentences some lower layers build for people
(evaluate's explanations, diff's notices) must speak the same language as the tables around them,
and a lower layer may not import kb/render. `kb/render/i18n.py` is the public face of this module.

The vocabulary is data, reviewed like the policies: every key has a `zh` and an `en` text, and a
text may hold `{name}` fields filled by `label(key, name=...)`. Ids and JSON keys never change with
the language; only what a person reads does.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from kb.core.errors import PowerKBError

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LABELS_FILE = Path(__file__).resolve().parents[1] / "i18n" / "labels.yaml"

_state: dict = {"lang": None, "terms": None}


class UnknownLanguage(PowerKBError):
    exit_code = 2


def _valid(lang: str, where: str) -> str:
    value = (lang or "").strip().lower()
    if value not in LANGS:
        raise UnknownLanguage(f"unknown language '{lang}' ({where}); use one of: {', '.join(LANGS)}")
    return value


def set_lang(lang: str | None) -> None:
    """Set the language of this run (the CLI's --lang); None returns to $POWERKB_LANG or zh."""
    _state["lang"] = _valid(lang, "--lang") if lang else None


def current_lang() -> str:
    if _state["lang"]:
        return _state["lang"]
    env = os.environ.get("POWERKB_LANG")
    return _valid(env, "POWERKB_LANG") if env else DEFAULT_LANG


def lang_of(lang: str | None) -> str:
    return _valid(lang, "lang") if lang else current_lang()


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, str]]:
    """The UI vocabulary: key -> {zh, en}."""
    return load_labels(LABELS_FILE, _cache_root())


def _cache_root() -> Path | None:
    """Where powerkb caches (kb.core.paths.configured_cache_root)."""
    from kb.core.paths import configured_cache_root

    return configured_cache_root()


def load_labels(path: Path, cache: Path | None) -> dict[str, dict[str, str]]:
    """The labels of the YAML file `path`, through a JSON copy in `cache` stamped with the file's
    path, size and mtime. Why: importing yaml and parsing the file costs a cold `powerkb query`
    table about as much as the query itself (~30 ms); the JSON copy loads in well under 1 ms.
    A stale or unreadable copy is rebuilt; an unwritable cache is simply not used."""
    import json

    st = path.stat()
    stamp = [str(path), st.st_size, st.st_mtime_ns]
    copy = None
    if cache is not None:
        from binascii import crc32

        copy = cache / f"labels-{crc32(str(path).encode()):08x}.json"
        try:
            data = json.loads(copy.read_text(encoding="utf-8"))
            if data.get("stamp") == stamp:
                return data["labels"]
        except (OSError, ValueError, AttributeError):
            pass
    import yaml

    table = yaml.safe_load(path.read_text(encoding="utf-8"))["labels"]
    if copy is not None:
        try:
            copy.parent.mkdir(parents=True, exist_ok=True)
            tmp = copy.with_name(f"{copy.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"stamp": stamp, "labels": table}, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, copy)
        except OSError:
            pass
    return table


def label(key: str, lang: str | None = None, **fields) -> str:
    """The text of a UI label in the current language; a missing key shows as itself, so a
    forgotten label is visible rather than fatal (a test checks every key used exists)."""
    entry = labels().get(key)
    if entry is None:
        return key
    text = entry.get(lang_of(lang)) or entry.get(DEFAULT_LANG) or key
    return text.format(**fields) if fields else text


def has_label(key: str) -> bool:
    return key in labels()


def bind_terms(registries) -> None:
    """Name terms from these registries (metrics, customers, areas, stages, measures, units)
    when a caller gives none; the CLI and the knowledge base bind the tree they opened."""
    _state["terms"] = registries


_KINDS = {"metric": "metrics", "customer": "customers", "area": "areas", "stage": "stages",
          "measure": "measures", "unit": "units", "place": "places"}


def _entry(registries, kind: str, term_id: str):
    if registries is None:
        return None
    if isinstance(registries, dict):  # a store vocabulary: {"metrics": {id: {zh, en}}, ...}
        table = registries.get(_KINDS.get(kind, kind)) or registries.get(kind) or {}
    else:
        table = getattr(registries, _KINDS.get(kind, kind), None) or {}
    return table.get(term_id)


def pick(entry, lang: str | None = None) -> str | None:
    """The zh or en name of a registry entry (an object or a dict with zh/en)."""
    if entry is None:
        return None
    get = entry.get if isinstance(entry, dict) else lambda k: getattr(entry, k, None)
    return get(lang_of(lang)) or get(DEFAULT_LANG)


def term_name(kind: str, term_id: str | None, lang: str | None = None, registries=None) -> str:
    """The name of a metric / customer / area / stage / measure / unit id in the current language;
    the id itself when the registries do not know it (so nothing is ever hidden)."""
    if not term_id:
        return ""
    name = pick(_entry(registries if registries is not None else _state["terms"], kind, term_id), lang)
    return name or term_id
