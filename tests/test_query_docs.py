"""Every example query at the top of docs/query-language.md runs, and each of the forms this
document adds finds something (a doc example that finds nothing teaches nothing)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

DOC = (ROOT / "docs" / "query-language.md").read_text(encoding="utf-8")
BLOCK = DOC.split("```", 2)[1]
EXAMPLES = [re.split(r"\s{2,}", line.strip())[0] for line in BLOCK.splitlines() if line.strip()]


def test_the_block_has_the_new_forms():
    for form in ("implements*", "uncovered", "mark", "conflict", "national ~", "has-part", "verdict", "area = 农村地区",
                 "target >= 8 percent"):
        assert any(form in e for e in EXAMPLES), form


@pytest.mark.parametrize("query", EXAMPLES)
def test_every_example_runs_and_finds_something(q, query):
    result = q(query)
    if result.kind == "rows":
        assert len(result.rows) > 0, query
    elif result.kind == "diff":
        assert result.diff.targets or result.diff.texts, query
    elif result.kind == "count":
        assert result.count > 0
    else:
        assert result.groups
