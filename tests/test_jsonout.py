"""`kb.core.jsonout`: the JSON powerkb writes, never NaN; `listing` is the same value as an
indented dump, with one row a line."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.core.jsonout import NotJson, dumps, listing

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                      max_leaves=12)


@given(rows=st.lists(values, max_size=5))
def test_a_list_is_listed_a_row_a_line(rows):
    text = listing(rows)
    assert json.loads(text) == rows
    assert text.count("\n") == (len(rows) + 1 if rows else 0)


@given(envelope=st.dictionaries(st.text(max_size=8), values, max_size=4), rows=st.lists(values, max_size=5))
def test_listing_is_the_same_value(envelope, rows):
    obj = {**envelope, "rows": rows}
    text = listing(obj)
    assert json.loads(text) == obj
    if rows:
        body = text.split('"rows": [\n', 1)[1]
        assert body.count("\n") >= len(rows)  # one row a line


def test_marker_cannot_collide_with_a_value():
    obj = {"query": "@@rows@@", "note": "@@rows@@@", "rows": [{"a": "@@rows@@"}, 1]}
    assert json.loads(listing(obj)) == obj


def test_the_real_answer_is_listed_a_row_a_line(cli):
    code, out, err = cli("query", "due <= 2021-12 and unit = 市能源局", "--as-of", "2021-06-01", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    lines = out.splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == len(rows) + 2 and len(rows) > 10
    assert [json.loads(line.rstrip(",")) for line in lines[1:-1]] == rows


def test_not_a_number_is_an_error():
    with pytest.raises(NotJson):
        dumps({"x": float("nan")})
    with pytest.raises(NotJson):
        listing({"rows": [float("inf")]})
