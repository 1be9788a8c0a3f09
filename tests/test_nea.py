"""The NEA notice encoded completely: every ledger row, indicator and deadline against the source."""

from __future__ import annotations

from datetime import date

import pytest

from kb.core.deadlines import resolve_phrase
from sourcetables import rows

LEDGER = rows("nea-2021-03-29.txt", "附件1")
INDICATORS = rows("nea-2021-03-29.txt", "附件2-2")


def test_source_has_57_rows_and_38_indicators():
    assert sorted(map(int, LEDGER)) == list(range(1, 58))
    assert sorted(map(int, INDICATORS)) == list(range(1, 39))


def test_every_item_id_present(base):
    refs = {i.ref for i in base.items.values() if i.doc == "nea"}
    expected = {f"ledger.{n}" for n in range(1, 58)} | {f"indicator.{n}" for n in range(1, 39)}
    expected |= {f"notice.{n}" for n in range(1, 5)} | {"ledger.note.1", "ledger.note.2", "form3", "preamble"}
    assert expected <= refs


@pytest.mark.parametrize("n", range(1, 58))
def test_ledger_row_matches_source(base, n):
    cells = LEDGER[str(n)]
    item = base.item(f"nea:ledger.{n}")
    assert item.text == cells["工作目标任务"]
    assert "".join(item.responsible) == cells["责任单位"]
    assert item.category == cells["_group"]
    phrase = cells["完成时间"]
    assert item.deadline.phrase == phrase
    if phrase == "持续推进":
        assert item.deadline_kind == "ongoing"
    else:
        assert item.deadline_kind == "date"
        assert item.deadline.date == resolve_phrase(phrase)[1]
    assert item.kind == ("goal" if n <= 11 else "task")
    assert item.units, "every ledger row names its responsible units"


@pytest.mark.parametrize("n", range(1, 39))
def test_indicator_matches_source(base, n):
    cells = INDICATORS[str(n)]
    item = base.item(f"nea:indicator.{n}")
    assert item.text == cells["可量化指标内容"]
    assert item.category == cells["_group"]
    assert (item.mark == "*") == cells["指标序号"].startswith("*")
    group_deadline = [d for d in item.deadlines if d.phrase == cells["_group"]]
    assert group_deadline, "every indicator carries its group's completion time"
    if cells["_group"] == "持续推进":
        assert group_deadline[0].kind == "ongoing"
    else:
        assert group_deadline[0].date == resolve_phrase(cells["_group"])[1]
    standard = cells.get("指标完成标准", "")
    if standard == "/":
        assert not item.standard and "standard" in dict(item.absent)
    elif standard:
        assert "\n".join(item.standard) == standard


def test_indicator_groups():
    groups = {}
    for n, cells in INDICATORS.items():
        groups.setdefault(cells["_group"], []).append(int(n))
    assert groups == {"2020年底前": list(range(1, 22)), "2021年底前": list(range(22, 34)),
                      "2022年底前": [34, 35, 36], "持续推进": [37, 38]}


def test_starred_indicators(base):
    starred = sorted(int(i.ref.split(".")[1]) for i in base.items.values() if i.doc == "nea" and i.mark == "*")
    assert starred == [21, 27, 29, 30, 33, 37, 38]


def test_notice_deadlines(base):
    assert base.item("nea:notice.1").deadline.date == date(2021, 4, 30)
    assert base.item("nea:notice.2").deadline.date == date(2021, 5, 15)
    n3 = base.item("nea:notice.3")
    kinds = [(d.kind, d.every, d.on, d.first) for d in n3.deadlines]
    assert ("recurring", "year", "07-15", date(2021, 7, 15)) in kinds
    assert ("recurring", "year", "01-15", date(2022, 1, 15)) in kinds
    occ = [d for d, _ in n3.occurrences() if d.year <= 2022]
    assert occ == [date(2021, 7, 15), date(2022, 1, 15), date(2022, 7, 15)]


def targets(item):
    return {(t.metric, t.customer, t.area, t.stage, t.comparator, t.value, t.unit, t.by) for t in item.targets}


def test_ledger_targets(base):
    by20, by21, by22 = date(2020, 12, 31), date(2021, 12, 31), date(2022, 12, 31)
    assert targets(base.item("nea:ledger.2")) == {
        ("approval-time", "lv-connection", None, None, "<=", 5, "workday", by20),
        ("approval-time", "hv-connection-20kv", None, None, "<=", 10, "workday", by20)}
    assert targets(base.item("nea:ledger.3")) == {
        ("total-handling-time", "lv-nonres", None, None, "<=", 6, "workday", by20),
        ("total-handling-time", "hv-single", None, None, "<=", 22, "workday", by20),
        ("total-handling-time", "hv-dual", None, None, "<=", 32, "workday", by20)}
    assert {(t.customer, t.value) for t in base.item("nea:ledger.4").targets} == {("residential", 5), ("lv-nonres-three-zero", 25)}
    assert [(t.value, t.by) for t in base.item("nea:ledger.5").targets] == [(20, by21)]
    assert [(t.value, t.by) for t in base.item("nea:ledger.6").targets] == [(15, by22)]
    assert {(t.customer, t.value) for t in base.item("nea:ledger.7").targets} == {
        ("residential", 2), ("lv-nonres-three-zero", 2), ("lv-nonres", 3)}
    assert {(t.area, t.value, t.by) for t in base.item("nea:ledger.9").targets} == {("urban-area", 160, by21), ("rural-area", 100, by21)}
    outage = {(t.area, t.value) for t in base.item("nea:ledger.11").targets}
    assert outage == {("major-city-center", 1), ("major-city-urban", 2), ("major-city-town", 5), ("major-city-rural", 11),
                      ("other-city-center", 2), ("other-city-urban", 5), ("other-city-town", 9), ("other-city-rural", 15)}
    assert all(t.alternative and t.alternative.value == 8 and t.alternative.unit == "percent"
               for t in base.item("nea:ledger.11").targets)


def test_per_stage_limits(base):
    def stages(ref):
        return {t.stage: t.value for t in base.item(ref).targets if t.metric == "stage-time"}

    assert stages("nea:indicator.3") == {"acceptance": 1, "supply-plan": 3, "meter-install": 2}
    assert stages("nea:indicator.4") == {"acceptance": 1, "supply-plan": 10, "design-review": 3,
                                         "mid-inspection": 2, "completion-inspection": 3, "meter-install": 3}
    assert stages("nea:indicator.5") == {"acceptance": 1, "supply-plan": 20, "design-review": 3,
                                         "mid-inspection": 2, "completion-inspection": 3, "meter-install": 3}
    # the stages add up to the total each indicator states
    for ref in ("nea:indicator.3", "nea:indicator.4", "nea:indicator.5"):
        total = [t.value for t in base.item(ref).targets if t.metric == "total-handling-time"]
        assert total == [sum(stages(ref).values())]


def test_units_per_row(base):
    def units(ref):
        return {(r.unit, r.role) for r in base.item(ref).units}

    def written(ref):
        return {(r.unit, r.role, r.written_role) for r in base.item(ref).units}

    # 各省级能源（电力）主管部门牵头，国家能源局各派出机构，各供电企业按职责分工负责: one leads (牵头), the others
    # are responsible (负责): role lead in its lead-or-responsible sense, the word kept in written_role
    assert written("nea:ledger.1") == {("provincial-energy-authorities", "lead", "牵头"),
                                       ("nea-regional-offices", "lead", "负责"), ("power-suppliers", "lead", "负责")}
    assert units("nea:ledger.56") == {("nea-regional-offices", "lead")}
    assert ("cec-media", "lead", "负责") in written("nea:ledger.50")


def test_form3_fields(base):
    form = base.item("nea:form3")
    names = [f.name for f in form.fields]
    for expected in ("受益户数（户）", "节省投资（万元）", "增加售电量（万千瓦时）", "增加容量（万千伏安）",
                     "“三零”服务效益", "“三省”服务效益", "合计", "居民用户", "160kW及以下的企业用户", "其他用户"):
        assert expected in names
    assert "values" in dict(form.absent)


def test_show_json_shape(cli):
    import json

    code, out, _ = cli("show", "nea:ledger.23", "--format", "json")
    assert code == 0
    data = json.loads(out)
    for key in ("id", "doc", "ref", "kind", "text", "deadline", "deadline_kind", "units", "targets", "source"):
        assert key in data
    assert data["id"] == "nea:ledger.23" and data["doc"] == "nea" and data["ref"] == "ledger.23"
    assert data["deadline"] == "2020-12-31" and data["deadline_kind"] == "date"
    assert data["units"] == [{"id": "power-suppliers", "name": "各供电企业", "name_en": "power supply companies (all)",
                              "role": "lead", "as_written": "各供电企业", "written_role": "负责", "column": "责任单位"}]
    assert data["source"]["file"] == "sources/nea-2021-03-29.txt"
    assert "取消低压用户的设计审查" in data["source"]["quote"]


def test_show_ongoing_and_recurring(cli):
    import json

    _, out, _ = cli("show", "nea:ledger.13", "--format", "json")
    assert json.loads(out)["deadline_kind"] == "ongoing" and json.loads(out)["deadline"] is None
    _, out, _ = cli("show", "nea:notice.3", "--format", "json")
    data = json.loads(out)
    assert data["deadline_kind"] == "recurring"


def test_unknown_id_suggests(cli):
    code, out, err = cli("show", "nea:ledger.233")
    assert code == 2
    assert "no item with id 'nea:ledger.233'" in err and "nea:ledger.23" in err
