"""Diff of national against provincial targets and texts: every verdict on known pairs."""

from __future__ import annotations

import json

import pytest


def pair(result, metric, customer=None, area=None, stage=None):
    found = [p for p in result.targets if p.metric == metric and (customer is None or customer in (p.customer or ""))
             and p.area == area and p.stage == stage]
    assert found, (metric, customer, area)
    return found


@pytest.fixture(scope="module")
def d1479(base):
    return base.diff("1479", "shanxi")


@pytest.fixture(scope="module")
def dnea(base):
    return base.diff("nea", "shanxi")


def test_total_handling_time_high_voltage_single_is_stricter(d1479):
    (p,) = pair(d1479, "total-handling-time", "hv-single")
    assert (p.national.value, p.national.by, p.provincial.value, p.provincial.by) == (22, "2020-12-31", 15, "2021-12-31")
    assert p.verdict == "stricter"
    assert "1479:goal.1" in p.national.ids and "shanxi:goal.2" in p.provincial.ids


def test_residential_full_process_is_stricter(d1479):
    (p,) = pair(d1479, "full-process-time", "residential")
    assert (p.national.value, p.provincial.value, p.verdict) == (5, 4, "stricter")


def test_zero_investment_ceilings_are_the_same(d1479):
    pairs = [p for area in ("urban-area", "rural-area", "any") for p in pair(d1479, "zero-investment-capacity", "small-micro", area)]
    got = {(p.area, p.national.value, p.provincial.value, p.verdict) for p in pairs}
    assert got == {("urban-area", 160, 160, "same"), ("rural-area", 100, 100, "same"), ("any", 160, 160, "same")}


def test_approval_scope_is_narrower(d1479):
    (p,) = pair(d1479, "approval-time", "hv-connection")
    assert p.verdict == "narrower-scope"
    assert p.national.customer == "hv-connection-20kv" and p.provincial.customer == "hv-connection-10kv"
    assert "数值相同" in p.note and "20kV及以下高压电力接入工程" in p.note  # the run's language: zh by default
    (lv,) = pair(d1479, "approval-time", "lv-connection")
    assert lv.verdict == "same"


def test_dated_pairs_and_only_national(d1479):
    three_zero = pair(d1479, "full-process-time", "lv-nonres-three-zero")
    got = [(p.national.value if p.national else None, p.provincial.value if p.provincial else None, p.verdict) for p in three_zero]
    assert got == [(25, None, "only-national"), (20, 20, "same"), (15, 15, "same")]
    (cut,) = pair(d1479, "total-handling-time-cut")
    assert cut.verdict == "only-national" and cut.national.value == 40


def test_outage_targets_with_alternative_are_the_same(d1479):
    rows = [p for p in d1479.targets if p.metric == "annual-outage-hours"]
    assert len(rows) == 8 and all(p.verdict == "same" for p in rows)
    assert all(p.national.alternative["value"] == 8 == p.provincial.alternative["value"] for p in rows)


def test_earlier(dnea):
    (p,) = pair(dnea, "low-voltage-access-capacity", "three-zero-users")
    # NEA ledger.29 asks for it by end-2022; Shanxi's ledger already does it in its 2020 column
    assert (p.national.by, p.provincial.by, p.verdict) == ("2022-12-31", "2020-12-31", "earlier")


def test_asked_the_wrong_way_round_is_swapped_with_a_notice(base, d1479, cli):
    swapped = base.diff("shanxi", "1479")
    assert (swapped.a, swapped.b) == ("1479", "shanxi") and "shanxi 落实 1479" in swapped.notice
    assert {**swapped.to_dict(), "notice": None} == d1479.to_dict()
    assert d1479.notice is None
    also = base.query("diff nea vs 1479").diff  # same-level: the breakdown is the lower side
    assert (also.a, also.b) == ("1479", "nea") and also.notice
    code, out, err = cli("diff", "shanxi", "1479", "--format", "json")
    assert code == 0 and json.loads(out)["notice"] == swapped.notice and json.loads(out)["a"] == "1479"


def test_reverse_direction_gives_the_mirror_verdicts(base):
    """The diff itself is symmetric: run raw (not through the ordering), the other side mirrors."""
    from kb.analysis.diff import diff

    mirror = diff(base, "shanxi", "1479")
    verdicts = {(p.metric, p.customer): p.verdict for p in mirror.targets}
    assert verdicts[("total-handling-time", "hv-single")] == "looser"
    assert verdicts[("approval-time", "hv-connection-10kv / hv-connection-20kv")] == "broader-scope"
    assert "only-provincial" in {p.verdict for p in mirror.targets}
    later = diff(base, "shanxi", "nea")
    assert {p.verdict for p in later.targets if p.metric == "low-voltage-access-capacity"} == {"later"}


def test_summary_counts(d1479):
    assert sum(d1479.summary().values()) == len(d1479.targets)
    assert d1479.summary()["stricter"] == 4


def text_pair(result, anchor):
    return next(t for t in result.texts if t.anchor == anchor)


def test_text_diff_shows_what_shanxi_adds(d1479):
    added = lambda anchor: [c.provincial for c in text_pair(d1479, anchor).clauses if c.op == "added"]  # noqa: E731
    assert any("三晋通" in c for c in added("1479:task.3"))
    assert any("各地市均开展临电租赁服务" in c for c in added("1479:task.6"))
    assert any("《山西省电力设施保护条例》" in c for c in added("1479:task.10"))
    removed = [c.national for c in text_pair(d1479, "1479:task.3").clauses if c.op == "removed"]
    assert removed == ["客户有权自主选择用电报装线上线下办理渠道，供电企业不得加以限定。"]
    same = [c for c in text_pair(d1479, "1479:task.6").clauses if c.op == "same"]
    assert any("临时用电的租赁共享服务" in c.national for c in same)  # 客户/用户 is not a change


def test_text_pairs_cover_every_ledger_row(d1479):
    assert sorted(t.anchor for t in d1479.texts) == sorted(i for i in d1479_ids())


def d1479_ids():
    return [f"1479:goal.{n}" for n in range(1, 5)] + [f"1479:task.{n}" for n in range(1, 13)] + [f"1479:org.{n}" for n in range(1, 4)]


def test_cli_formats(cli):
    code, out, _ = cli("diff", "1479", "shanxi", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["a"] == "1479" and data["b"] == "shanxi"
    row = next(p for p in data["targets"] if p["metric"] == "total-handling-time" and p["customer"] == "hv-single")
    assert row["national"]["value"] == 22 and row["provincial"]["value"] == 15 and row["verdict"] == "stricter"
    assert {"id", "value", "unit", "by"} <= set(row["national"])
    assert row["metric_name"] == "合计办理时间" and row["verdict_name"] == "更严格" and row["customer_name"] == "高压单电源用户"
    code, md, _ = cli("diff", "1479", "shanxi", "--format", "md", "--lang", "en")
    assert md.startswith("# Diff: 1479 vs shanxi") and "| stricter | 4 |" in md and "三晋通" in md
    code, md, _ = cli("diff", "1479", "shanxi", "--format", "md")
    assert md.startswith("# 比较：1479 与 shanxi") and "| 更严格 | 4 |" in md and "三晋通" in md
    code, table, _ = cli("--lang", "en", "diff", "nea", "shanxi")
    assert code == 0 and "stricter" in table


def test_diff_in_the_query_language(q, cli):
    result = q("diff 1479 vs shanxi where metric = 合计办理时间")
    assert result.kind == "diff"
    assert {p.metric for p in result.diff.targets} == {"total-handling-time"}
    assert {p.verdict for p in result.diff.targets} == {"stricter"}
    assert len(result.diff.targets) == 3
    code, out, _ = cli("query", "diff 1479 vs shanxi where metric = 合计办理时间", "--format", "json")
    assert code == 0 and len(json.loads(out)["targets"]) == 3


def test_unknown_document(cli):
    code, _, err = cli("diff", "1479", "shanxii")
    assert code == 2 and "unknown document 'shanxii'" in err and "did you mean 'shanxi'" in err


def test_zero_investment_for_residential_is_the_same(d1479, q):
    (p,) = pair(d1479, "zero-investment", "residential")
    assert (p.national.value, p.provincial.value, p.verdict) == (0, 0, "same")
    assert "1479:task.8" in p.national.ids and "shanxi:task.2.7" in p.provincial.ids
    got = {r.id for r in q("metric = 办电零投资 and customer = 居民").rows}
    assert {"1479:task.8", "nea:ledger.38", "nea:indicator.16", "shanxi:task.2.7", "shanxi:ledger.task.8"} <= got


def test_a_lost_provincial_value_is_not_only_national(dnea, base):
    """NEA indicators 3-5 set per-stage limits; Shanxi's 附表1 set per-class limits too, but the
    received text lost the values: value-absent, with the reason, never only-national."""
    stage = [p for p in dnea.targets if p.metric == "stage-time"]
    assert stage and {p.verdict for p in stage} == {"value-absent"}
    assert {p.customer for p in stage} == {"lv-nonres", "hv-single", "hv-dual"}
    assert all(p.note.startswith("shanxi:table1: ") and p.provincial is None for p in stage)
    # the other national-only targets are still only-national
    assert {p.metric for p in dnea.targets if p.verdict == "only-national"}.isdisjoint({"stage-time"})
    assert base.item("shanxi:table1").to_dict()["lost_targets"][0]["quote"] == "低压居民"
