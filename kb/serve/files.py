"""The fixed files the server reads: its templates and stylesheet, the published JSON Schemas and
the documented query examples. Every one is found at start-up from a fixed directory; a request
names at most a key of the tables built here, never a path."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
_KB = PACKAGE.parent


def _bundled(*parts: str) -> Path:
    """In a wheel the docs travel in kb/_data/; in a checkout they are beside kb/."""
    inside = _KB.joinpath("_data", *parts)
    return inside if inside.exists() else _KB.parent.joinpath(*parts)


@lru_cache(maxsize=1)
def schemas() -> dict[str, Path]:
    """Published schema name -> file: docs/schema/*.json and the policy format's schema."""
    out = {p.name: p for p in sorted(_bundled("docs", "schema").glob("*.json"))}
    policy = _KB / "schemas" / "policy-v1.json"
    if policy.is_file():
        out[policy.name] = policy
    return out


_EXAMPLE = re.compile(r"^(\S.*?)\s{2,}(\S.*)$")


@lru_cache(maxsize=1)
def examples() -> list[tuple[str, str]]:
    """(query, what it asks) from the first code block of docs/query-language.md: the examples
    the documentation shows are the ones the page offers (and the parity tests run)."""
    path = _bundled("docs", "query-language.md")
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    block = text.split("```", 2)[1] if text.count("```") >= 2 else ""
    out = []
    for line in block.strip("\n").splitlines():
        m = _EXAMPLE.match(line.rstrip())
        if m:
            out.append((m.group(1).strip(), m.group(2).strip()))
        elif line.strip():
            out.append((line.strip(), ""))
    return out
