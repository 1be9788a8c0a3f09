"""Fuzzing from the grammar itself: hypothesis.extra.lark draws sentences of grammar/query.lark
(keywords in any case, Unicode digits where \\d is allowed, any text in quotes), so every rule and
terminal is exercised, not just a word list. The engine must answer or explain (a QueryError
with a position), never crash; the CLI must exit 0 or 2, never 70."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

from kb.core.errors import PowerKBError
from kb.query.parse import QueryError


@lru_cache(maxsize=1)
def _grammar():
    from lark import Lark

    from kb.query.parse import grammar

    # the grammar as the parser uses it: its keywords and fields are generated from kb.query.parse
    return Lark(grammar(), parser="earley", start="start")


def sentences():
    return from_lark(_grammar())


# spaced variants too: the generator may glue keywords together, which mostly tests the lexer
spaced = st.lists(sentences(), min_size=1, max_size=3).map(" and ".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sentences() | spaced)
def test_grammar_sentences_answer_or_explain(base, text):
    try:
        result = base.query(text, as_of=date(2021, 6, 1))
    except QueryError as e:
        assert e.message and 0 <= e.start <= len(text)
        return
    except PowerKBError as e:  # an unknown name (document, unit, ...) is a user error too
        assert str(e)
        return
    assert result.kind in ("rows", "count", "groups", "diff")
    result.to_dict()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sentences())
def test_grammar_sentences_never_crash_the_cli(cli, text):
    code, _out, err = cli("query", "--format", "json", "--as-of", "2021-06-01", "--", text)
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("powerkb: ")
    assert "internal error" not in err and "Traceback" not in err
