"""Pinned examples for the fields that ask what traceability needs: mark, conflict, area classes
and their narrower classes, target alternatives, and the verdict inside a diff's where.
Expectations are read from the source texts (policies/sources/*.txt)."""

from __future__ import annotations

import re

from tests.conftest import POLICIES


def _source(name: str) -> str:
    return (POLICIES / "sources" / name).read_text(encoding="utf-8")


def test_mark_finds_the_starred_indicators(q):
    """The NEA indicator table stars seven indicators (a line '*21' and so on in the source)."""
    starred = re.findall(r"^\*(\d+)$", _source("nea-2021-03-29.txt"), flags=re.MULTILINE)
    assert len(starred) == 7
    found = [r.id for r in q("mark = *")]
    assert sorted(found) == sorted(f"nea:indicator.{n}" for n in starred)
    assert {r.id for r in q("mark = any")} == set(found)
    assert not set(found) & {r.id for r in q("doc = nea and mark = none")}


def test_conflict_any_finds_both_ends_and_says_with_what(q, base):
    ends = {i for l in base.links if l.conflict for i in (l.src, l.dst)}
    found = {r.id: r.to_dict()["conflicts"] for r in q("conflict = any")}
    assert set(found) == ends
    # NEA row 53 wants the clean-up 「2021年5月15日前」; Shanxi wants its implementation plan 「2021年5月31日前」
    assert "2021年5月15日前" in _source("nea-2021-03-29.txt") and "2021年5月31日前" in _source("shanxi-2021.txt")
    withs = {c["with"] for c in found["nea:ledger.53"]}
    assert "shanxi:org.2" in withs
    assert "nea:ledger.53" in {c["with"] for c in found["shanxi:org.2"]}
    assert {r.id for r in q("conflict = shanxi:org.2")} == {"nea:ledger.53", "nea:indicator.31"}
    assert not ends & {r.id for r in q("conflict = none")}


def test_verdict_inside_a_diffs_where(base, q):
    """Shanxi cuts 未实行“三零”服务的… total handling time to 5, 15 and 25 working days where the
    national text says 6, 22 and 32: those pairs are stricter, and `where verdict = stricter`
    keeps exactly the stricter pairs of the whole diff."""
    shanxi = _source("shanxi-2021.txt")
    assert "分别压减至5个、15个、25个工作日以内" in shanxi and "分别压减至6个、22个、32个工作日以内" in _source("nea-2021-03-29.txt")
    whole = base.diff("1479", "shanxi")
    stricter = q("diff 1479 vs shanxi where verdict = stricter").diff
    assert stricter.targets and all(p.verdict == "stricter" for p in stricter.targets)
    assert [p.to_dict() for p in stricter.targets] == [p.to_dict() for p in whole.targets if p.verdict == "stricter"]
    handling = {(p.customer, p.national.value, p.provincial.value) for p in stricter.targets if p.metric == "total-handling-time"}
    assert handling == {("lv-nonres", 6, 5), ("hv-single", 22, 15), ("hv-dual", 32, 25)}
    # joined with an item condition, and negated
    not_same = q("diff 1479 vs shanxi where verdict != same").diff
    assert {p.verdict for p in not_same.targets} == {p.verdict for p in whole.targets} - {"same"}
    both = q("diff nea vs shanxi where verdict = stricter and metric = 合计办理时间").diff
    assert both.targets and {p.metric for p in both.targets} == {"total-handling-time"}


def test_verdict_errors(q):
    import pytest

    from kb.query.parse import QueryError

    with pytest.raises(QueryError, match="condition of a diff"):
        q("verdict = stricter")
    with pytest.raises(QueryError, match="unknown verdict 'stricte'") as e:
        q("diff 1479 vs shanxi where verdict = stricte")
    assert e.value.suggestions == ["stricter"]
    with pytest.raises(QueryError, match="inside or / not"):
        q("diff 1479 vs shanxi where verdict = stricter or doc = shanxi")


def test_diff_cli_verdict_filter_and_groups(cli, base):
    import json

    code, out, _ = cli("diff", "nea", "shanxi", "--verdict", "same,earlier", "--format", "json")
    data = json.loads(out)
    assert code == 0 and set(data["summary"]) == {"same", "earlier"}
    whole = base.diff("nea", "shanxi").summary()
    assert data["summary"] == {v: whole[v] for v in ("same", "earlier") if v in whole}
    code, _, err = cli("diff", "nea", "shanxi", "--verdict", "stricte")
    assert code == 2 and "stricter" in err
    # the table: groups in verdict order, each headed by its (translated) name and count
    from kb.render.i18n import label

    code, table, _ = cli("--lang", "en", "diff", "nea", "shanxi")
    heads = [(label(f"verdict.{v}", lang="en"), n) for v, n in whole.items()]
    positions = [table.index(f"{v} ({n})") for v, n in heads]
    assert positions == sorted(positions)
    code, md, _ = cli("--lang", "en", "diff", "nea", "shanxi", "--format", "md")
    assert [line for line in md.splitlines() if line.startswith("### ") and "(" in line and ":" not in line] == \
        [f"### {v} ({n})" for v, n in heads]


def test_area_finds_its_narrower_classes(q, base):
    """The outage targets name 「中心区、市区、城镇、农村地区」 for each city tier; they are stored as
    major-city-rural / other-city-rural, which lie within 农村地区 (metrics.yaml `within:`)."""
    assert "中心区、市区、城镇、农村地区用户年均停电时间" in _source("nea-2021-03-29.txt")
    rural = {r.id: r for r in q("area = 农村地区")}
    tiers = {"major-city-rural", "other-city-rural"}
    for iid in ("1479:goal.4", "nea:ledger.11", "shanxi:goal.5"):
        assert tiers <= {t.area for t in base.items[iid].targets}
        assert iid in rural
    # and the target that names 农村地区 itself (the 100kW zero-investment target) is still found
    assert any(t.area == "rural-area" for r in rural for t in base.items[r].targets)
    # the narrower class alone finds only its own
    assert "1479:goal.3" not in {r.id for r in q("area = major-city-rural")}
    # one target row: a rural outage limit of at most 11 hours (太原地区 … 农村地区 … 11个小时)
    found = {r.id for r in q("area = 农村地区 and target <= 11 hour")}
    assert {"1479:goal.4", "shanxi:goal.5"} <= found and "1479:goal.3" not in found


def test_customer_class_hierarchy_is_marked_inferred(base, q):
    hv = base.registries.customers["hv-single"].get("within")
    assert hv == [{"id": "hv-users", "basis": "inferred", "reason": hv[0]["reason"]}]
    found = {r.id for r in q("metric = 合计办理时间 and customer = 高压用户")}
    assert "shanxi:goal.2" in found  # 高压单电源客户、高压双电源客户 … 15个、25个工作日


def test_within_must_resolve_and_not_cycle(cli, tree_copy):
    from tests.test_check import check_lines, edit

    metrics = tree_copy / "metrics.yaml"
    edit(metrics, "within: [rural-area]  # its own name ends in 农村地区", "within: [rural-areas]")
    edit(metrics, "    aliases: [农村, rural]\n", "    aliases: [农村, rural]\n    within: [other-city-rural]\n")
    edit(metrics, "    aliases: [城市, urban]\n", "    aliases: [城市, urban]\n    within: [other-city-urban]\n")
    code, lines = check_lines(cli, tree_copy)
    text = "\n".join(lines)
    assert code == 1
    assert "area major-city-rural: within unknown area 'rural-areas'" in text and "rural-area" in text
    assert "area rural-area: lies within itself" in text
    # 城市地区 is not in the name 其他地级行政区的市区: a bare id there is an unmarked inference
    assert "area urban-area: within other-city-urban is not in its name" in text


def test_target_filters_match_alternatives(q):
    """「或年均同比压缩8%以上」: the outage-hour targets may instead be met by an 8% yearly cut."""
    assert "或年均同比压缩8%以上" in _source("shanxi-2021.txt")
    rows = {r.id: r.to_dict() for r in q("target >= 8 percent")}
    for iid in ("1479:goal.4", "nea:ledger.11", "shanxi:goal.5"):
        assert rows[iid]["matched"] == "alternative"
        assert any(t["alternative"] and t["alternative"]["value"] == 8 for t in rows[iid]["targets"])
    # 压缩40%以上 (1479 goal 1) is a target of its own
    assert rows["1479:goal.1"]["matched"] == "target"
    assert {r.id for r in q("metric = 年均停电时间 and target <= 11 hour")} >= {"1479:goal.4"}
    stated = {r.id: r.to_dict()["matched"] for r in q("metric = 年均停电时间 and target <= 11 hour")}
    assert set(stated.values()) == {"target"}
    # the alternative's value is not the stated target's: 8 hours is not an 8% cut
    assert "1479:goal.4" not in {r.id for r in q("target = 8 hour and area = 农村地区")}


def test_row_keys_say_which_condition_found_it(q):
    """In an `or`, a row found by another branch has null `via` and `matched`."""
    rows = {r.id: r.to_dict() for r in q("implements* = 1479:task.7 or target >= 8 percent")}
    assert rows["1479:goal.4"]["matched"] == "alternative" and rows["1479:goal.4"]["via"] is None
    assert rows["shanxi:ledger.task.7@2021"]["via"] == ["nea:ledger.33"]
    assert rows["shanxi:ledger.task.7@2021"]["matched"] is None
    assert rows["nea:ledger.33"]["via"] == [] and rows["nea:ledger.33"]["matched"] is None


def test_table_notes_under_the_text(cli):
    code, out, _ = cli("--lang", "en", "query", "target >= 8 percent and doc = nea", "--items")
    assert code == 0 and "matched its alternative" in out
    code, out, _ = cli("query", "target >= 8 percent and doc = nea", "--items")
    assert code == 0 and "按其替代目标命中" in out
    code, out, _ = cli("query", "implemented-by* = shanxi:ledger.task.7@2021 and doc = 1479", "--items")
    assert "via nea:ledger.33" in out


def test_annotations_are_made_once_for_all_rows_when_first_read(base):
    """A condition's notes (matched, via, ...) are made for the whole result the first time one
    row's `extra` is read: every row then has its own, the same as when each is read in turn."""
    from datetime import date

    lazy = base.query("target >= 8 percent", as_of=date(2021, 6, 1), items=True)
    shared = lazy.rows[0]._ctx
    assert shared.annotate is not None  # nothing made yet
    last = lazy.rows[-1].extra  # reading one row makes them all
    assert shared.annotate is None and "matched" in last
    eager = base.query("target >= 8 percent", as_of=date(2021, 6, 1), items=True)
    assert [r.to_dict() for r in lazy.rows] == [r.to_dict() for r in eager.rows]
    assert {r.extra["matched"] for r in lazy.rows} == {"target", "alternative"}
