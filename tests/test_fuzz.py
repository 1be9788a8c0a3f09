"""No user input yields a traceback: the parser, the engine and the CLI under random input."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.query.parse import FIELDS, KEYWORDS, QueryError

WORDS = KEYWORDS + FIELDS + ["=", "!=", "<=", ">=", "<", ">", "~", "(", ")", '"', "'", "2021-12", "2021-Q3",
                             "2021", "2021-13-40", "市能源局", "零投资", "nea", "1479", "shanxi", "*", ";", "--", "NEAR",
                             "workdays", "%", "unit", "city bureaus", "lead", "all-units", "1479:task.7", "today",
                             "2021年底", "2021年第三季度", "2021-Q5", "2021/12/31", "2021年13月", "before", "今天",
                             "9999", "0000", "99999999999999999999", "工作日"]

tokens = st.lists(st.sampled_from(WORDS) | st.text(min_size=1, max_size=6), min_size=1, max_size=10)
queries = tokens.map(" ".join) | st.text(max_size=40)

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(queries)
def test_engine_answers_or_explains(base, text):
    try:
        result = base.query(text, as_of=date(2021, 6, 1))
    except QueryError as e:
        assert e.message and e.render()
        assert 0 <= e.start <= len(text)
        return
    assert result.kind in ("rows", "count", "groups", "diff")
    result.to_dict()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(queries, st.sampled_from(["table", "json", "csv"]))
def test_cli_never_crashes(cli, text, fmt):
    # "--": a query that starts with "-" is the query, not an option argparse does not know
    code, out, err = cli("query", "--format", fmt, "--as-of", "2021-06-01", "--", text)
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err
    if code == 2:
        assert err.startswith("powerkb: query error:")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=30))
def test_show_never_crashes(cli, item_id):
    code, _out, err = cli("show", "--", item_id)
    assert code in (0, 2)  # 2: an unknown id is a usage error, like every unknown name
    if code == 2:
        assert err.startswith("powerkb: no item with id")
    assert "Traceback" not in err and "internal error" not in err
