"""The query language on the real knowledge base: the examples of the issue, unit matching both
ways, full-text recall, hostile input, and the error messages."""

from __future__ import annotations

import re
import json
import random
from datetime import date

import pytest

from kb.query.parse import QueryError
from kb.loading.sources import squash

AS_OF = date(2021, 6, 1)


def ids(result):
    return [r.id for r in result.rows]


def pairs(result):
    return [(r.id, r.due) for r in result.rows]


def has_unit(row, units, role=None):
    return any(u["id"] in units and (role is None or u["role"] == role) for u in row.item["units"])


# --- the examples, exactly as written -------------------------------------------------------

def test_due_by_month_for_city_bureaus(q, base):
    result = q("due <= 2021-12 and unit = 市能源局")
    got = pairs(result)
    assert got, "city bureaus have things due in 2020-2021"
    assert all(due <= "2021-12-31" for _, due in got)
    assert all(has_unit(r, {"city-energy-bureaus"}) for r in result.rows)
    # the quarterly progress reports of 四、组织保障（一） are there, each quarter-end with its date
    assert [d for i, d in got if i == "shanxi:org.1"] == ["2021-06-30", "2021-09-30", "2021-12-31"]
    # the city platform deadline (太原、晋中、晋城、大同 「2021年8月前」) of the ledger row naming 市能源局:
    # its 08-31 is an inferred reading (basis: inferred), counted only with with_inferred
    assert ("shanxi:ledger.task.5@2021", "2021-08-31") not in got
    assert ("shanxi:ledger.task.5@2021", "2021-08-31") in pairs(
        base.query("due <= 2021-12 and unit = 市能源局", as_of=date(2021, 6, 1), items=True, with_inferred=True))
    assert ("shanxi:ledger.task.5@2021", "2021-12-31") in got
    assert ("shanxi:ledger.goal.1@2020", "2020-12-31") in got
    # nothing for other units only
    assert "shanxi:task.2.1" not in ids(result)
    # sorted by date
    assert [d for _, d in got] == sorted(d for _, d in got)


def test_sentence_form_is_the_same_question(q):
    assert pairs(q('due by 2021-12 for "city bureaus"')) == pairs(q("due <= 2021-12 and unit = 市能源局"))
    assert pairs(q("due by 2021-12 for 各市能源局")) == pairs(q("due <= 2021-12 and unit = 市能源局"))


def test_due_in_quarter_year_and_between(q):
    q3 = pairs(q("due in 2021-Q3"))
    assert all("2021-07-01" <= d <= "2021-09-30" for _, d in q3)
    assert ("nea:notice.3", "2021-07-15") in q3
    assert ("shanxi:task.2.4", "2021-08-31") not in q3  # 「2021年8月前」: an inferred date, not counted by default
    assert ("shanxi:org.1", "2021-09-30") in q3
    y2022 = pairs(q("due in 2022"))
    assert all(d.startswith("2022-") for _, d in y2022)
    assert [d for i, d in y2022 if i == "shanxi:org.1"] == ["2022-03-31", "2022-06-30", "2022-09-30", "2022-12-31"]
    assert ("nea:ledger.1", "2022-12-31") in y2022
    window = pairs(q("due between 2021-04-01 and 2021-06-30"))
    assert all("2021-04-01" <= d <= "2021-06-30" for _, d in window)
    for expected in [("nea:notice.1", "2021-04-30"), ("nea:notice.2", "2021-05-15"), ("nea:ledger.52", "2021-04-30"),
                     ("nea:ledger.53", "2021-05-15"), ("shanxi:org.2", "2021-05-31"), ("shanxi:org.1", "2021-06-30")]:
        assert expected in window


def test_due_ongoing(q, base):
    expected = {i.id for i in base.items.values() if any(d.kind == "ongoing" for d in i.deadlines)}
    assert set(ids(q("due ongoing"))) == expected
    assert "nea:ledger.13" in expected and len(expected) >= 20


def test_doc_kind_category(q, base):
    assert ids(q("doc = shanxi and kind = indicator")) == []
    assert ids(q("doc = nea and kind = indicator")) == [f"nea:indicator.{n}" for n in range(1, 39)]
    assert ids(q("doc = nea and category = 降低办电成本")) == [f"nea:ledger.{n}" for n in range(29, 39)]


def test_unit_and_role(q):
    result = q("unit = 省行政审批服务管理局 and role = lead")
    assert result.rows
    # the same responsibility row must be the approval bureau (or a collective it belongs to) as lead
    assert all(has_unit(r, {"shanxi-approval-bureau", "approval-units"}, role="lead") for r in result.rows)
    assert {"shanxi:task.1.1", "shanxi:ledger.task.5"} <= set(ids(result))
    # 涉及行政审批的有关单位 (ledger row task.2) has no member a source states: that the approval bureau
    # is one is an inference (units.yaml inferred_members), so it does not answer for the bureau
    assert "shanxi:ledger.task.2" not in ids(result)
    # cooperating-only rows are excluded
    assert "shanxi:ledger.goal.1" not in ids(result)
    assert "shanxi:ledger.goal.1" in ids(q("unit = 省行政审批服务管理局 and role = cooperate"))


def test_unit_by_english_name(q):
    got = set(ids(q('unit = "Shanxi Energy Regulatory Office"')))
    assert "shanxi:task.1.4" in got
    # no source says 山西能源监管办 is one of 国家能源局各派出机构 (an inferred member): their national
    # items are not its items
    assert not {"nea:ledger.56", "nea:notice.4"} & got


def test_collective_finds_members(q):
    """down: 各供电企业 finds items assigned to its Shanxi members by name."""
    got = set(ids(q("unit = 各供电企业")))
    assert "shanxi:ledger.task.1" in got  # 责任单位: 国网山西省电力公司、山西地方电力有限公司、增量配电网试点
    assert "nea:ledger.3" in got  # 各供电企业 itself


def test_member_finds_collective_in_its_jurisdiction(q):
    """up: 增量配电网试点 finds the items of 各供电企业 in Shanxi (task 2.1: 各供电企业（含地方电网、增量配电网试点）)
    and nationally; a member no source states (国网山西省电力公司) does not."""
    got = set(ids(q("unit = 增量配电网试点")))
    assert "shanxi:task.2.1" in got and "nea:ledger.3" in got
    sgcc = set(ids(q("unit = 国网山西省电力公司")))
    assert "shanxi:ledger.task.1" in sgcc  # named in the 责任单位 cell
    assert "shanxi:task.2.1" not in sgcc and "nea:ledger.3" not in sgcc  # its membership is inferred
    # 省能源局 as 各省级能源（电力）主管部门 is an inference (only the ledger's parallel columns suggest it)
    prov = set(ids(q("unit = 省能源局")))
    assert "shanxi:org.1" in prov and "nea:ledger.2" not in prov
    # but the Shanxi approval bureau is not a member of the national provincial energy authorities
    assert "nea:ledger.2" not in set(ids(q("unit = 省行政审批服务管理局")))


def test_full_text(q, base):
    zero = q('"零投资"')
    assert set(ids(zero)) == {i.id for i in base.items.values() if "零投资" in _blob(i)}
    assert set(ids(q("零投资"))) == set(ids(zero))
    own = set(ids(q('text ~ "零投资"')))  # the item's own statement: not a quoted national column
    assert own == {i.id for i in base.items.values() if "零投资" in "".join(i.pieces) + (i.heading or "")}
    assert own < set(ids(zero))
    price = ids(q("text ~ 电价"))
    assert "nea:ledger.48" in price  # 用电价格政策
    assert all("电价" in _blob(base.items[i]) for i in price)


def test_english_terms_search_summaries(q, base):
    got = ids(q('text ~ "outage"'))
    assert "nea:ledger.11" in got and "shanxi:goal.5" in got
    summary = set(ids(q('summary ~ "outage"')))
    # English goes through the porter-stemmed summary index: outage and outages alike
    assert summary == {i.id for i in base.items.values() if re.search(r"\boutages?\b", i.summary, re.I)}
    assert summary <= set(got)


def test_targets(q, base):
    res = q("metric = 全过程办电时间 and customer = 居民")
    assert {"nea:ledger.4", "nea:indicator.6", "shanxi:goal.2", "1479:goal.1"} <= set(ids(res))
    for row in res.rows:
        assert any(t["metric"] == "full-process-time" and t["customer"] == "residential" for t in row.item["targets"])
    # same target: residential and 4 days is Shanxi's, not the national 5
    four = ids(q("metric = 全过程办电时间 and customer = 居民 and target <= 4"))
    assert "shanxi:goal.2" in four and "nea:ledger.4" not in four
    small = q("target < 10 workdays")
    assert small.rows
    assert all(any(t["unit"] == "workday" and t["value"] < 10 for t in r.item["targets"]) for r in small.rows)
    outage = set(ids(q("metric = 年均停电时间")))
    assert {"nea:ledger.11", "shanxi:goal.5", "1479:goal.4", "shanxi:ledger.goal.4"} <= outage


def test_boolean_order_limit(q):
    both = q("(doc = nea or doc = 1479) and not kind = indicator order by due desc limit 20")
    assert len(both.rows) == 20
    assert all(r.item["doc"] in ("nea", "1479") and r.item["kind"] != "indicator" for r in both.rows)
    dues = [r.due for r in both.rows if r.due]
    assert dues == sorted(dues, reverse=True)


def test_count_and_group(q, base):
    assert q("count doc = nea").count == sum(1 for i in base.items.values() if i.doc == "nea")
    assert q("count due <= 2021-12 and unit = 市能源局").count == len(q("due <= 2021-12 and unit = 市能源局").rows)
    by_doc = dict(q("kind = task group by doc").groups)
    assert by_doc["nea"] == sum(1 for i in base.items.values() if i.doc == "nea" and i.kind == "task")
    years = dict(q("doc = nea and kind = indicator group by due-year").groups)
    assert years["2020"] == 21 and years["ongoing"] == 2
    units = dict(q("doc = nea group by unit").groups)
    assert units["power-suppliers"] > units.get("cec-media", 0) >= 1


def test_links_in_queries(q):
    assert "shanxi:ledger.task.7" in ids(q("implements = 1479:task.7"))
    assert ids(q("doc = 1479 and implemented-by = none")) == []


def test_as_of_marks_overdue(base):
    rows = base.query("due in 2021 and doc = nea", as_of=date(2021, 6, 1), items=True).rows
    assert rows
    assert all(r.overdue == (r.due < "2021-06-01") for r in rows)
    later = base.query("due overdue and doc = nea", as_of=date(2021, 5, 1), items=True)
    assert all(r.due < "2021-05-01" for r in later.rows) and "nea:notice.1" in ids(later)


def test_json_rows_are_show_objects_plus_due(cli, base):
    code, out, _ = cli("query", "due in 2021-Q3 and doc = nea", "--format", "json", "--as-of", "2021-06-01", "--items")
    assert code == 0
    rows = json.loads(out)
    assert rows and all("due" in r for r in rows)
    _, shown, _ = cli("show", rows[0]["id"], "--format", "json")
    expected = json.loads(shown)
    assert {k: rows[0][k] for k in expected} == expected


# --- full-text recall -----------------------------------------------------------------------

def _own(item):
    """What `text ~` reads: the item's own statement, its text pieces and heading, each apart
    (a term never spans two of them)."""
    return "\u0001".join([*(squash(p) for p in item.pieces), squash(item.heading or "")])


def _blob(item):
    return "".join(squash(p) for pieces in item.verbatim().values() for p in pieces) + (item.heading or "") + (item.category or "")


@pytest.mark.parametrize("length", [2, 3, 4])
def test_recall_of_chinese_terms(q, base, length):
    """Every 2-, 3- and 4-character term is found exactly where it, or a synonym's form of it
    (policies/synonyms.yaml: 用户/客户 …), occurs, as Ctrl+F would find each form."""
    from kb.query.synonyms import variants

    import re

    rng = random.Random(length)
    texts = [i.text for i in base.items.values()]
    terms = set()
    while len(terms) < 40:
        text = rng.choice(texts)
        runs = re.findall(r"[\u4e00-\u9fff]{%d,}" % length, text)
        if runs:
            run = rng.choice(runs)
            start = rng.randrange(len(run) - length + 1)
            terms.add(run[start:start + length])
    for term in sorted(terms):
        forms = [term, *variants(term, base.registries.synonyms)]
        expected = {i.id for i in base.items.values() if any(f in _blob(i) or f in squash(i.summary) for f in forms)}
        assert set(ids(q(f'"{term}"'))) == expected, term
        # `text ~` reads the item's own statement (its text and heading) only, with the same synonyms
        own = {i.id for i in base.items.values() if any(f in _own(i) for f in forms)}
        assert set(ids(q(f'text ~ "{term}"'))) == own, term


# --- hostile input --------------------------------------------------------------------------

@pytest.mark.parametrize("term", ["'; DROP TABLE items; --", '*', 'NEAR', 'NEAR(零 投资)', '零投资"', "零投资 OR 1=1",
                                  "%", "_", "\\", "零投资*", '" OR "1"="1', "12398", "Three Zeros", "“零投资”"])
def test_sql_and_fts_syntax_is_literal(q, base, term):
    quote = "'" if '"' in term else '"'
    if quote in term:
        pytest.skip("cannot be quoted")
    result = q(f"text ~ {quote}{term}{quote}")
    words = re.findall(r"[A-Za-z0-9]+", term)
    if words and not re.search(r"[\u3400-\u9fff]", term) and re.fullmatch(r"[\w\s'\-;]+", term):
        # an English term: a phrase of whole words in the summary or of whole runs in the source
        # text (20kV, 12398, APP), as docs/query-language.md says
        phrase = re.compile(r"(?<![A-Za-z0-9])" + r"[^A-Za-z0-9]+".join(map(re.escape, words)) + r"(?![A-Za-z0-9])", re.I)
        expected = {i.id for i in base.items.values()
                    if phrase.search(i.summary) or phrase.search("\n".join([*i.pieces, i.heading or ""]))}
    else:  # anything else is a literal substring of the item's own statement
        expected = {i.id for i in base.items.values() if squash(term).casefold() in _own(i).casefold()}
    got = set(ids(result))
    # literal: exactly the items whose text holds the term, no more (an injection) and no fewer
    assert got == expected
    if term in ("12398", "Three Zeros", "“零投资”"):
        assert got  # terms the sources do contain: the equality above is not between two empty sets
    # the store is intact
    assert q("count doc = nea").count == sum(1 for i in base.items.values() if i.doc == "nea")


def test_value_with_sql_is_only_a_value(q):
    with pytest.raises(QueryError) as e:
        q("unit = \"x' OR '1'='1\"")
    assert "unknown unit" in e.value.message
    assert ids(q("id = \"nea:ledger.1' OR '1'='1\"")) == []


# --- errors ---------------------------------------------------------------------------------

def err(q, text):
    with pytest.raises(QueryError) as e:
        q(text)
    return e.value


def test_typo_in_field(q):
    e = err(q, "untt = 市能源局")
    assert e.message == "unknown field 'untt'" and e.suggestions == ["unit"]
    assert e.caret_line() == "^^^^"


def test_typo_in_keyword(q):
    e = err(q, "due <= 2021-12 adn unit = 市能源局")
    assert "and" in e.suggestions
    assert e.query[e.start:e.end] == "adn"


def test_unknown_unit_caret_under_chinese(q):
    e = err(q, "due <= 2021-12 and unit = 市能元局")
    assert e.message == "unknown unit '市能元局'"
    assert "市能源局" in e.suggestions
    # Chinese characters are two columns wide: the caret sits under them
    assert e.caret_line() == " " * len("due <= 2021-12 and unit = ") + "^" * 8


def test_unknown_metric_and_bad_date(q):
    assert "全过程办电时间" in err(q, "metric = 全过程办店时间").suggestions
    assert "is not a date" in err(q, "due <= 2021-13").message
    assert "not closed" in err(q, 'text ~ "零投资').message
    assert err(q, "doc = ").message.startswith("unexpected end")
    assert "unknown document" in err(q, "doc = neaa").message


def test_cli_error_exit_code_and_output(cli):
    code, out, errout = cli("query", "untt = 市能源局")
    assert code == 2 and out == ""
    assert "untt = 市能源局" in errout and "^^^^" in errout and "did you mean 'unit'?" in errout
    assert "Traceback" not in errout
