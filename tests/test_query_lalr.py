"""The fast parser (kb/query/lalr.py, lark's tables run without lark) gives lark's own tree.

`powerkb query` parses with the fast parser and asks lark only about what it rejects, so the two
must agree: same tokens (type, text, span), same nodes, same spans, and the same verdict (parses
or not) on every query the other tests use, every syntax error example and fuzzed input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark.exceptions import UnexpectedInput

from kb.query.lalr import Reject
from kb.query.parse import SYNTAX_ERRORS, fast_parser, parser
from tests.test_fuzz import WORDS

ROOT = Path(__file__).resolve().parent.parent


def shape(node):
    if isinstance(node, str):
        return (node.type, str(node), node.start_pos, node.end_pos)
    meta = node.meta
    return (node.data, getattr(meta, "start_pos", None), getattr(meta, "end_pos", None),
            tuple(shape(k) for k in node.children))


def both(text: str):
    try:
        slow = shape(parser().parse(text))
    except UnexpectedInput:  # lark's syntax errors: the fast parser must reject these too
        slow = None
    try:
        fast = shape(fast_parser().parse(text))
    except Reject:
        fast = None
    return slow, fast


def corpus() -> list[str]:
    """Every quoted string of the query tests and the docs, and the syntax error examples."""
    found = set()
    files = [*ROOT.glob("tests/test_query*.py"), ROOT / "tests/test_cli.py", ROOT / "docs/query-language.md"]
    for path in files:
        if path.is_file():
            found.update(a or b for a, b in re.findall(r""""([^"\n]{2,120})"|'([^'\n]{2,120})'""", path.read_text("utf-8")))
    for examples in SYNTAX_ERRORS.values():
        found.update(examples)
    return sorted(found)


def test_corpus_has_queries_that_parse():
    parsed = [q for q in corpus() if both(q)[0] is not None]
    assert len(parsed) > 100


@pytest.mark.parametrize("text", corpus())
def test_same_tree_as_lark(text):
    slow, fast = both(text)
    assert fast == slow


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS) | st.text(min_size=1, max_size=4), min_size=1, max_size=9).map(" ".join))
def test_same_tree_as_lark_fuzzed(text):
    slow, fast = both(text)
    assert fast == slow


def test_tables_are_cached_as_json(tmp_path, monkeypatch):
    """The first parser of a grammar writes its tables; later processes read them (no lark)."""
    from kb.query import parse

    monkeypatch.setenv("POWERKB_CACHE", str(tmp_path))
    parse.fast_parser.cache_clear()
    try:
        first = parse.fast_parser()
        files = list(tmp_path.glob("lalr*.json"))
        assert len(files) == 1
        parse.fast_parser.cache_clear()
        again = parse.fast_parser()
        assert again.states == first.states and again is not first
    finally:
        parse.fast_parser.cache_clear()


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": 1, "states": {}}', b"[]", b'{"start": 0}'])
def test_damaged_or_older_tables_are_built_again(tmp_path, monkeypatch, damage):
    """A table file that is torn, garbled or of an older shape never fails a query: the tables
    are built again and the file rewritten."""
    from kb.query import parse

    monkeypatch.setenv("POWERKB_CACHE", str(tmp_path))
    parse.fast_parser.cache_clear()
    try:
        parse.fast_parser()
        (path,) = tmp_path.glob("lalr*.json")
        good = path.read_bytes()
        path.write_bytes(damage)
        parse.fast_parser.cache_clear()
        text = "due <= 2021-12 and unit = 市能源局"
        assert shape(parse.fast_parser().parse(text)) == shape(parser().parse(text))
        assert path.read_bytes() == good
    finally:
        parse.fast_parser.cache_clear()


def test_keywords_compared_as_strings_agree_with_their_regular_expressions():
    """Word classes (keywords, fields) are matched as strings by the runner; case and the
    boundary after a word behave as lark's regular expressions, including non-ASCII look-alikes
    (the Kelvin sign folds to k in a regular expression: the runner defers to it there)."""
    for text in ["COUNT doc = nea", "Due <= 2021", "duex = 1", "due<=2021", "doc=nea", "due(", "\u212aind = task",
                 "unit = 今天x", "due <= 今天", "due <= 今天)", "count\u3000doc = nea", "ſhow items doc = nea"]:
        slow, fast = both(text)
        assert fast == slow, text


def test_only_four_characters_fold_to_ascii_letters():
    """The runner compares a keyword as a string unless the text has one of these (then the
    regular expression decides): checked against `re` over all of Unicode."""
    import string

    from kb.query.lalr import _FOLDS_TO_ASCII

    letters = re.compile("[" + string.ascii_letters + "]", re.IGNORECASE)
    folding = {chr(cp) for cp in range(128, 0x110000) if letters.fullmatch(chr(cp))}
    assert folding == set(_FOLDS_TO_ASCII)


def test_word_characters_without_the_expression_agree_with_it():
    """The runner tells a word character by `str.isspace` and the stop characters: the same
    answer as the grammar's class over all of Unicode."""
    from kb.query.parse import _STOPS, _WORD_CHAR

    word_char = re.compile(_WORD_CHAR)
    for cp in range(0x110000):
        ch = chr(cp)
        assert (word_char.match(ch) is not None) == (not (ch.isspace() or ch in _STOPS)), hex(cp)
