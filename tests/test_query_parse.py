"""The query language's parser on its own (no knowledge base): the syntax tree with its spans,
every date form and the period it names, near-miss errors, limits, the grammar built from the
Python tables, and what the interactive parser accepts at a cursor."""

from __future__ import annotations

import time
from datetime import date

import pytest

from kb.core.dates import DateError, parse_iso, parse_period, resolve_phrase
from kb.query import parse as P
from kb.query.parse import (
    MAX_CONDITIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    And,
    Compare,
    Count,
    DateValue,
    Diff,
    Due,
    ForUnit,
    Not,
    Or,
    QueryError,
    Select,
    Span,
    TargetCmp,
    Term,
    UnknownInQuery,
    Value,
    accepts,
    parse,
)


def err(text: str) -> QueryError:
    with pytest.raises(QueryError) as e:
        parse(text)
    return e.value


def words(text: str, span: Span) -> str:
    return text[span.start:span.end]


# --- the syntax tree, with spans -----------------------------------------------------------

def test_and_of_due_and_unit_with_spans():
    text = "due <= 2021-12 and unit = 市能源局"
    tree = parse(text)
    assert isinstance(tree, Select) and tree.order == [] and tree.limit is None and tree.group is None
    both = tree.expr
    assert isinstance(both, And) and words(text, both.span) == text
    due, unit = both.parts
    assert isinstance(due, Due) and (due.mode, due.op) == ("cmp", "<=") and words(text, due.span) == "due <= 2021-12"
    (when,) = due.when
    assert isinstance(when, DateValue) and words(text, when.span) == "2021-12"
    assert (when.period.first, when.period.last) == (date(2021, 12, 1), date(2021, 12, 31))
    assert unit == Compare("unit", "=", Value("市能源局", Span(26, 30)), Span(19, 30))


def test_sentence_form_or_not_and_modifiers():
    text = 'not (doc = nea or doc = 1479) and due by 2021年底 for "city bureaus" order by due desc limit 5'
    tree = parse(text)
    neg, due, unit = tree.expr.parts
    assert isinstance(neg, Not) and words(text, neg.span) == "not (doc = nea or doc = 1479"
    assert isinstance(neg.part, Or) and [words(text, p.span) for p in neg.part.parts] == ["doc = nea", "doc = 1479"]
    assert (due.mode, due.op, due.when[0].text) == ("cmp", "<=", "2021年底")
    assert isinstance(unit, ForUnit) and unit.value == Value("city bureaus", unit.value.span, quoted=True)
    assert words(text, unit.span) == 'for "city bureaus"'
    assert [(v.text, d) for v, d in tree.order] == [("due", "desc")] and tree.limit == 5


def test_count_diff_target_term_state():
    count = parse("count doc = shanxi group by unit")
    assert isinstance(count, Count) and count.select.group.text == "unit"
    diff = parse("diff 1479 vs shanxi where metric = 合计办理时间")
    assert isinstance(diff, Diff) and (diff.a.text, diff.b.text) == ("1479", "shanxi")
    assert isinstance(diff.where, Compare) and diff.where.field == "metric"
    target = parse("target < 10 workdays").expr
    assert target == TargetCmp("<", 10.0, Value("workdays", Span(12, 20)), Span(0, 20))
    term = parse("零投资").expr
    assert term == Term(Value("零投资", Span(0, 3)), Span(0, 3))
    state = parse("due ongoing").expr
    assert (state.mode, state.op, state.when) == ("state", "ongoing", ())
    between = parse("due between 2021年1月 and 2021年6月").expr
    assert between.mode == "between" and [w.period.canonical for w in between.when] == ["2021-01", "2021-06"]
    today = parse("due >= today").expr.when[0]
    assert today.text == "today" and today.period is None  # read when compiled, from the as-of date


# --- dates ---------------------------------------------------------------------------------

DATE_CASES = [
    ("2021", "2021-01-01", "2021-12-31", "year"),
    ("2021-H1", "2021-01-01", "2021-06-30", "half-year"),
    ("2021-h2", "2021-07-01", "2021-12-31", "half-year"),
    ("2021-Q3", "2021-07-01", "2021-09-30", "quarter"),
    ("2021-12", "2021-12-01", "2021-12-31", "month"),
    ("2021-2", "2021-02-01", "2021-02-28", "month"),
    ("2021-12-31", "2021-12-31", "2021-12-31", "day"),
    ("2021/12/31", "2021-12-31", "2021-12-31", "day"),
    ("2021.12.31", "2021-12-31", "2021-12-31", "day"),
    ("2021/12", "2021-12-01", "2021-12-31", "month"),
    ("2021.12", "2021-12-01", "2021-12-31", "month"),
    ("2021年", "2021-01-01", "2021-12-31", "year"),
    ("2021年12月", "2021-12-01", "2021-12-31", "month"),
    ("2021年十二月", "2021-12-01", "2021-12-31", "month"),
    ("2021年底", "2021-12-31", "2021-12-31", "day"),
    ("2021年末", "2021-12-31", "2021-12-31", "day"),
    ("2021年4月底", "2021-04-30", "2021-04-30", "day"),
    ("2021年上半年", "2021-01-01", "2021-06-30", "half-year"),
    ("2021年下半年", "2021-07-01", "2021-12-31", "half-year"),
    ("2021年第三季度", "2021-07-01", "2021-09-30", "quarter"),
    ("2021年三季度", "2021-07-01", "2021-09-30", "quarter"),
    ("2021年第3季度", "2021-07-01", "2021-09-30", "quarter"),
    ("2021年三季度末", "2021-09-30", "2021-09-30", "day"),
    ("2021年Q4", "2021-10-01", "2021-12-31", "quarter"),
    ("2021年12月31日", "2021-12-31", "2021-12-31", "day"),
    ("2021年12月31号", "2021-12-31", "2021-12-31", "day"),
    ("２０２１年１２月", "2021-12-01", "2021-12-31", "month"),  # full-width digits
    ("2024-02-29", "2024-02-29", "2024-02-29", "day"),
]


@pytest.mark.parametrize("text,first,last,kind", DATE_CASES)
def test_every_date_form_names_its_period(text, first, last, kind):
    period = parse_period(text)
    assert (period.first.isoformat(), period.last.isoformat(), period.kind) == (first, last, kind)
    # and the query language reads it wherever a date goes
    for query in (f"due <= {text}", f"due in {text}", f"due between {text} and {text}"):
        when = parse(query).expr.when[0]
        assert when.text == text and when.period == period


def test_today_is_the_as_of_date():
    assert parse_period("today", date(2021, 6, 1)).first == date(2021, 6, 1)
    assert parse_period("今天", date(2021, 6, 1)).last == date(2021, 6, 1)
    with pytest.raises(DateError):
        parse_period("today")


@pytest.mark.parametrize("text,says", [
    ("2021-Q5", "there is no 5th quarter"),
    ("2021-Q0", "there is no 0th quarter"),
    ("2021-H3", "there is no 3rd half-year"),
    ("2021-13", "there is no month 13"),
    ("2021-02-29", "there is no day 29 in 2021-02 (it has 28 days)"),
    ("2021年第五季度", "there is no 5th quarter"),
    ("2021年13月", "there is no month 13"),
    ("0000", "there is no year 0000"),
    ("2021-12/31", "is not a date"),
])
def test_near_miss_dates_say_what_is_wrong(text, says):
    e = err(f"due in {text}")
    assert says in e.message
    assert e.query[e.start:e.end] == text
    assert "quoted" not in e.message  # not mistaken for an English search term


def test_due_before_suggests_the_comparison():
    e = err("due before 2021-12")
    assert e.message == "'before' cannot follow 'due'"
    assert e.query[e.start:e.end] == "before"
    assert e.suggestions == ["due < 2021-12", "due by 2021-12"]
    assert "'or'" not in str(e) and "'for'" not in str(e)
    assert err("due after 2021").suggestions == ["due > 2021", "due >= 2021"]


def test_deadline_phrase_is_not_a_date_but_says_what_is_meant():
    e = err("due < 2021年底前")
    assert "deadline phrase" in e.message and e.suggestions == ["due by 2021年底", "due < 2021年底"]


def test_range_backwards_and_beyond_the_calendar():
    assert err("due between 2022 and 2021").message == "the range ends before it starts"
    with pytest.raises(QueryError, match="nothing can be due after 9999-12-31"):
        P.due_range(parse("due > 9999").expr, "due > 9999", date(2021, 6, 1))
    with pytest.raises(QueryError, match="nothing can be due before 0001-01-01"):
        P.due_range(parse("due < 0001").expr, "due < 0001", date(2021, 6, 1))


def test_iso_is_strict_and_phrases_resolve():
    assert parse_iso("2021-06-01") == date(2021, 6, 1)
    for bad in ("2021/06/01", "2021-6-1", "2021-02-30", "", "2021-06-01 "):
        with pytest.raises(ValueError):
            parse_iso(bad)
    assert resolve_phrase("2021年4月底前") == (None, date(2021, 4, 30))
    assert resolve_phrase("2021年8月前") == (None, date(2021, 8, 31))
    assert resolve_phrase("2020年底前") == (None, date(2020, 12, 31))
    assert resolve_phrase("持续推进") is None


# --- syntax errors -------------------------------------------------------------------------

@pytest.mark.parametrize("text,message,caret", [
    ("untt = 市能源局", "unknown field 'untt'", "untt"),
    ("unit 市能源局", "a field needs an operator: unit = 市能源局", "市能源局"),
    ("doc = nea)", "a ')' without its '('", ")"),
    ("order by x", "cannot order by 'x'", "x"),
    ("doc = nea group by y", "cannot group by 'y'", "y"),
    ("due 2021", "a date must say how it is compared: due <= 2021, due in 2021, ...", "2021"),
    ("due <= x", "'x' is not a date", "x"),
    ("limit 1.5", "limit takes a whole number from 0 to 9223372036854775807", "1.5"),
])
def test_named_syntax_errors(text, message, caret):
    e = err(text)
    assert e.message == message
    assert e.query[e.start:e.end] == caret


@pytest.mark.parametrize("text,message", [
    ("doc = ", "unexpected end of the query: a value must follow '='"),
    ("due in", "unexpected end of the query: a date must follow 'in'"),
    ("doc = nea and", "unexpected end of the query: 'and' must be followed by a condition"),
    ("(doc = nea", "unexpected end of the query: a ')' is missing"),
    ("order by", "unexpected end of the query: 'by' must be followed by a key"),
])
def test_early_end_is_named_and_the_caret_is_after_the_last_word(text, message):
    e = err(text)
    assert e.message == message and e.start == len(text.rstrip())


def test_unknown_field_is_an_unknown_name_with_suggestions():
    e = err("untt = 市能源局")
    assert isinstance(e, UnknownInQuery) and e.wanted == "untt" and e.suggestions == ["unit"]


def test_english_word_suggests_the_keyword_that_may_stand_there():
    e = err("due <= 2021-12 adn unit = 市能源局")
    assert "an English search term must be quoted" in e.message and "and" in e.suggestions


# --- limits --------------------------------------------------------------------------------

def test_a_megabyte_query_is_refused_at_once_and_shown_short():
    text = "unit = " + "x" * 1_000_000
    started = time.perf_counter()
    e = err(text)
    assert time.perf_counter() - started < 0.5
    assert e.message == f"the query is too long ({len(text)} characters; at most {MAX_LENGTH})"
    assert e.start == MAX_LENGTH
    shown = e.render().splitlines()[1]
    assert len(shown) < 230


def test_long_query_error_elides_the_middle_and_keeps_the_caret_aligned():
    text = 'unit = "' + "甲" * 600 + '" and foo = 1 and ' + "乙" * 300
    e = err(text)
    assert e.message == "unknown field 'foo'"
    shown, start, end = e.excerpt()
    assert len(shown) <= 220 and "…" in shown
    assert shown[start:end] == "foo"
    query_line, caret_line = e.render().splitlines()[1:3]
    from rich.cells import cell_len

    assert cell_len(caret_line) - caret_line.count("^") == cell_len(query_line[: 2 + start])
    assert caret_line.strip() == "^^^"


def test_nesting_and_condition_count_are_capped():
    deep = "not " * (MAX_DEPTH + 1) + "doc = nea"
    assert "nests" in err(deep).message
    parse("not " * MAX_DEPTH + "doc = nea")
    many = " or ".join(["doc = nea"] * (MAX_CONDITIONS + 1))
    e = err(many)
    assert "too many conditions" in e.message and e.start == many.rindex("doc = nea")
    parse(" or ".join(["doc = nea"] * MAX_CONDITIONS))
    # parentheses that nest nothing cost nothing
    parse("(" * 500 + "doc = nea" + ")" * 500)


def test_limit_range_and_huge_numbers():
    assert parse(f"doc = nea limit {2**63 - 1}").limit == 2**63 - 1
    assert "limit takes a whole number" in err(f"doc = nea limit {2**63}").message
    assert err("target < 1" + "0" * 400).message == "the target value is too large"


@pytest.mark.parametrize("bad,what", [("\udcff", "a byte that is not UTF-8 text"), ("\x1b", "the control character U+001B")])
def test_bytes_that_are_not_text_are_refused(bad, what):
    text = f'text ~ "零{bad}投资"'
    e = err(text)
    assert e.message == f"the query contains {what}" and e.start == text.index(bad)
    e.render().encode("utf-8")  # printable: shown as U+FFFD


def test_empty_query():
    assert err("   ").message == "the query is empty"


# --- one table: the grammar's words come from the Python lists -------------------------------

def test_grammar_terminals_are_generated_from_the_tables():
    parser = P.parser()
    classes = P.generated_terminals()
    used = {sym.name for rule in parser.rules for sym in rule.expansion}
    assert set(classes) <= used, "a generated terminal no rule uses"
    assert classes["FIELD"] == P.FIELDS and classes["STATE"] == P.DUE_STATES
    assert classes["ORDER_KEY"] == P.ORDER_KEYS and classes["GROUP_KEY"] == P.GROUP_KEYS
    keywords = {w for name, ws in classes.items() if name not in ("FIELD", "STATE", "ORDER_KEY", "GROUP_KEY") for w in ws}
    assert set(P.KEYWORDS) <= keywords
    # the grammar file itself writes none of them: the tables are the one place
    text = (P.grammar_dir() / "query.lark").read_text(encoding="utf-8")
    for name in classes:
        assert f"\n{name}:" not in text and f"\n{name}." not in text


@pytest.mark.parametrize("field", P.FIELDS)
def test_every_field_parses(field):
    tree = parse(f"{field} = x")
    assert isinstance(tree.expr, Compare) and tree.expr.field == field


def test_every_state_order_and_group_key_parses():
    for state in P.DUE_STATES:
        assert parse(f"due {state}").expr.op == state
    for key in P.ORDER_KEYS:
        assert parse(f"doc = nea order by {key} desc").order[0][0].text == key
    for key in P.GROUP_KEYS:
        assert parse(f"doc = nea group by {key}").group.text == key


# --- completion ------------------------------------------------------------------------------

def test_accepts_lists_what_may_stand_at_the_cursor():
    assert accepts("due ") == ["between", "by", "<=", "<", ">=", ">", "=", "in", *P.DUE_STATES]
    after_condition = accepts("doc = nea ")
    assert {"and", "or", "order", "limit", "group", "unit", "due", "("} <= set(after_condition)
    assert "<word>" not in after_condition  # an English word must be quoted here
    assert accepts("order by ") == accepts("order by ra") == P.ORDER_KEYS
    assert accepts("group by ") == P.GROUP_KEYS
    assert set(accepts("due <= 20")) == {"<date>", "<number>", "today", "今天", "今日"}  # the word being typed is ignored
    assert set(accepts('unit = "city b')) == {"<quoted>", "<word>", "<chinese>", "<number>", "<date>"}
    assert "count" in accepts("") and "diff" in accepts("")
    assert accepts("doc = = ") == []


@pytest.mark.parametrize("label,example", [(label, ex) for label, examples in P.SYNTAX_ERRORS.items() for ex in examples])
def test_every_example_error_is_named_by_its_own_entry(label, example):
    """The table is self-consistent: each example fails where the grammar says, and is named by
    the entry it is listed under (not by an earlier one that shares its parser state)."""
    e = err(example)
    assert e.message.startswith(label.split("{")[0]), (example, e.message)


def test_month_lengths_are_the_calendars():
    """`days_in_month` (kb.core.dates, no `calendar` import on a cold query) agrees with the
    calendar module on every month of every year a date may name."""
    import calendar

    from kb.core.dates import MAX_YEAR, MIN_YEAR, days_in_month

    assert all(days_in_month(y, m) == calendar.monthrange(y, m)[1] for y in range(MIN_YEAR, MAX_YEAR + 1) for m in range(1, 13))
