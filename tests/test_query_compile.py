"""The SQL compiler on a small hand-made vocabulary: the SQL text and parameters of representative
conditions (values only ever as `?` parameters), and every field of the language compiling on the
real knowledge base."""

from __future__ import annotations

import json

from collections import defaultdict
from datetime import date

import pytest

from kb.query.compile import Compiler
from kb.query.parse import FIELDS, QueryError, UnknownInQuery, parse
from kb.query.vocab import Vocabulary

TODAY = date(2021, 6, 1)


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    v = Vocabulary()
    v.units = {
        "city-bureaus": {"zh": "市能源局", "en": "city bureaus", "aliases": ["各市能源局"]},
        "suppliers": {"zh": "各供电企业", "en": "power suppliers", "aliases": []},
        "grid-sx": {"zh": "国网山西省电力公司", "en": "State Grid Shanxi", "aliases": []},
    }
    for uid, unit in v.units.items():
        for name in (unit["zh"], unit["en"], *unit["aliases"]):
            v.unit_names["".join(name.split()).casefold()].add(uid)
    v.members = defaultdict(lambda: defaultdict(set))
    v.members["suppliers"]["prov-x"].add("grid-sx")
    v.terms["metrics"]["full-time"] = {"id": "full-time", "zh": "全过程办电时间", "en": "full process time", "aliases": []}
    v.terms["customers"]["residential"] = {"id": "residential", "zh": "居民", "en": "residential", "aliases": []}
    v.terms["measures"]["workday"] = {"id": "workday", "zh": "工作日", "en": "workdays", "aliases": []}
    v.docs = {"doc-a": {"level": "national"}, "doc-b": {"level": "provincial"}}
    return v


def compiled(vocab, text: str):
    return Compiler(vocab, text, TODAY).compile(parse(text).expr)


@pytest.mark.parametrize("text,where,params", [
    ("doc = doc-a", "i.doc = ?", ["doc-a"]),
    ("doc != doc-a", "NOT (i.doc = ?)", ["doc-a"]),
    ("level = provincial", "i.doc IN (?)", ["doc-b"]),
    ("kind = task and id ~ ledger", "(i.kind = ? AND instr(i.id, ?) > 0)", ["task", "ledger"]),
    ("category = 降低办电成本", "i.category = ?", ["降低办电成本"]),
    ("section ~ 组织", "instr(coalesce(i.section, ''), ?) > 0", ["组织"]),
    ("due <= 2021-12", "(o.date IS NOT NULL AND o.basis = ? AND o.date <= ?)", ["stated", "2021-12-31"]),
    ("due < 2021-12", "(o.date IS NOT NULL AND o.basis = ? AND o.date <= ?)", ["stated", "2021-11-30"]),
    ("due > 2021年上半年", "(o.date IS NOT NULL AND o.basis = ? AND o.date >= ?)", ["stated", "2021-07-01"]),
    ("due in 2021年第三季度", "(o.date IS NOT NULL AND o.basis = ? AND o.date >= ? AND o.date <= ?)",
     ["stated", "2021-07-01", "2021-09-30"]),
    ("due between 2021年1月 and 2021/6", "(o.date IS NOT NULL AND o.basis = ? AND o.date >= ? AND o.date <= ?)",
     ["stated", "2021-01-01", "2021-06-30"]),
    ("due overdue", "(o.date IS NOT NULL AND o.basis = ? AND o.date < ?)", ["stated", "2021-06-01"]),
    ("due ongoing", "o.kind = ?", ["ongoing"]),
    ("implements = doc-a:task.7", "EXISTS (SELECT 1 FROM links l WHERE l.rel = ? AND l.src = i.id AND l.dst = ?)",
     ["implements", "doc-a:task.7"]),
    ("implemented-by = none", "NOT EXISTS (SELECT 1 FROM links l WHERE l.rel = ? AND l.dst = i.id)", ["implements"]),
])
def test_sql_and_parameters(vocab, text, where, params):
    c = compiled(vocab, text)
    assert (c.where, c.params) == (where, params)


def test_one_target_row_for_target_conditions(vocab):
    c = compiled(vocab, "metric = 全过程办电时间 and customer = 居民 and target <= 4 工作日")
    # all on one target row, as stated or all through its alternative (the class is the target's)
    assert c.where == ("i.rowid IN (SELECT t.item FROM targets t WHERE "
                       "(t.metric IN (?) AND t.customer IN (?) AND t.value <= ? AND t.unit IN (?)) OR "
                       "(t.alt_metric IN (?) AND t.customer IN (?) AND t.alt_value <= ? AND t.alt_unit IN (?)))")
    assert c.params == ["full-time", "residential", 4.0, "workday"] * 2


def test_unit_and_role_on_one_responsibility_up_and_down(vocab):
    c = compiled(vocab, "unit = 国网山西省电力公司 and role = lead")
    assert c.where == ("i.rowid IN (SELECT u.item FROM item_units u WHERE u.unit IN (?) AND u.role = ? UNION "
                       "SELECT u.item FROM item_units u JOIN items j ON j.rowid = u.item "
                       "WHERE u.unit = ? AND j.jurisdiction = ? AND u.role = ?)")
    assert c.params == ["grid-sx", "lead", "suppliers", "prov-x", "lead"]
    down = compiled(vocab, "for 各供电企业")
    assert down.params == ["grid-sx", "suppliers"]


def test_dates_are_explained(vocab):
    c = compiled(vocab, "due in 2021年第三季度 or due <= 2021年底 or due >= today")
    assert c.dates == ["2021年第三季度: quarter 2021-Q3 = 2021-07-01 … 2021-09-30",
                       "2021年底: day 2021-12-31", "today: day 2021-06-01"]


@pytest.mark.parametrize("text", [
    "text ~ \"'; DROP TABLE items; --\"",
    "id = \"x' OR '1'='1\"",
    "category ~ \"%_\\\\\"",
    "unit = 市能源局 and section ~ \"); DELETE FROM items; --\"",
    "implements = \"a' OR 1=1 --\"",
])
def test_values_are_parameters_never_sql(vocab, text):
    c = compiled(vocab, text)
    sql = c.where + "".join(c.fts_joins)
    for needle in ("DROP", "DELETE", "OR '1'", "1=1"):
        assert needle not in sql
    assert c.where.count("?") == len(c.params)


def test_unknown_names_are_unknown_in_query(vocab):
    for text, wanted in [("kind = tsk", "tsk"), ("role = leed", "leed"), ("level = natonal", "natonal"),
                         ("doc = doc-c", "doc-c"), ("unit = 省能元局", "省能元局"), ("metric = 办电时", None)]:
        if wanted is None:  # a part of a name finds the names that contain it
            compiled(vocab, text)
            continue
        with pytest.raises(UnknownInQuery) as e:
            compiled(vocab, text)
        assert e.value.wanted == wanted and e.value.message.startswith("unknown ")
    assert compiled(vocab, "level = municipal").where == "i.doc IN ()"  # a level no document has: nothing


def test_field_compared_with_an_order_is_an_error(vocab):
    with pytest.raises(QueryError, match="'doc' cannot be compared with '<'"):
        compiled(vocab, "doc < doc-a")


# --- every field of the language compiles, on the real knowledge base ------------------------

FIELD_SAMPLES = {
    "doc": "nea", "kind": "task", "unit": "市能源局", "role": "lead", "category": "降低办电成本",
    "metric": "全过程办电时间", "customer": "居民", "area": "城市", "stage": "受理", "text": "电价",
    "summary": '"outage"', "id": "nea:ledger.1", "parent": "shanxi:ledger.task.6", "section": "组织",
    "heading": "组织", "jurisdiction": "shanxi", "level": "national", "implements": "1479:task.7",
    "implemented-by": "any", "measures": "any", "measured-by": "none", "same-as": "none",
    "implements*": "1479:task.7", "implemented-by*": "shanxi:ledger.task.7@2021", "carried-by": "shanxi",
    "uncovered": "shanxi", "mark": "*", "conflict": "any", "verdict": "stricter", "national": "12398",
    "standard": "工作日",
    "recipient": "国家能源局", "column": "责任单位",
}


def test_every_field_has_a_sample():
    assert set(FIELD_SAMPLES) == set(FIELDS)


@pytest.mark.parametrize("field", FIELDS)
def test_every_field_compiles_and_runs(q, field):
    if field == "verdict":  # a target pair's verdict: a condition of a diff only
        assert q(f"diff 1479 vs shanxi where {field} = {FIELD_SAMPLES[field]}").kind == "diff"
        return
    result = q(f"{field} = {FIELD_SAMPLES[field]}")
    assert result.kind == "rows"
    assert result.sql.count("?") == len(result.params)


def test_explain_prints_each_date_above_the_sql(cli):
    code, out, _ = cli("query", "due in 2021年第三季度 or due <= 2021年底", "--explain", "--as-of", "2021-06-01")
    assert code == 0
    lines = out.splitlines()
    assert lines[:2] == ["date: 2021年第三季度: quarter 2021-Q3 = 2021-07-01 … 2021-09-30", "date: 2021年底: day 2021-12-31"]
    assert lines[2].startswith("SELECT ")
    params = json.loads(next(line for line in lines if line.startswith("parameters:")).split(":", 1)[1])
    assert [p for p in params if p != "stated"] == ["2021-07-01", "2021-09-30", "2021-12-31"]  # the periods, bound
