"""Who each dated duty binds, to whom it reports, in what role as written, until when, and what is
stated vs inferred (issue 11), checked against the sources."""

from __future__ import annotations

from tests.conftest import POLICIES
import json
import re
from datetime import date
from pathlib import Path

import pytest

LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): (?P<msg>.+)$")

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "policies" / "sources").glob("*.txt")}

PLAN_END = "（三）评估深化阶段（2022年10月-2022年12月）"

# Every recurring duty of the three documents, as read from the sources:
# (item, phrase) -> (units the clause binds, first occurrence, last occurrence, until_basis, words the end rests on)
RECURRING = {
    ("nea:notice.3", "每年7月15日前"): (
        {"provincial-energy-authorities"}, date(2021, 7, 15), date(2022, 7, 15), "derived", "2022年底前"),
    ("nea:notice.3", "次年1月15日前"): (
        {"provincial-energy-authorities"}, date(2022, 1, 15), date(2023, 1, 15), "derived", "次年1月15日前"),
    ("shanxi:schedule.2.3", "每年度"): (set(), None, None, "derived", PLAN_END),
    ("shanxi:org.1", "每季度末报送进展情况"): (
        {"city-energy-bureaus"}, date(2021, 6, 30), date(2022, 12, 31), "derived", PLAN_END),
    ("shanxi:org.2", "每年5月、11月底前"): (
        {"power-suppliers"}, date(2021, 5, 31), date(2022, 11, 30), "derived", PLAN_END),
    ("shanxi:ledger.org.1", "每季度末报送进展情况"): (
        {"city-energy-bureaus"}, date(2021, 6, 30), date(2022, 12, 31), "derived", "2022年"),
    ("shanxi:ledger.org.1@2021", "每季度末报送进展情况"): (
        {"city-energy-bureaus"}, date(2021, 6, 30), date(2021, 12, 31), "derived", "2021年"),
    ("shanxi:ledger.org.2", "每年5月、11月底前"): (
        {"sgcc-shanxi", "shanxi-local-power", "shanxi-incremental-pilots"}, date(2021, 5, 31), date(2022, 11, 30),
        "derived", "2022年"),
    ("shanxi:ledger.org.2@2021", "每年5月、11月底前"): (
        {"sgcc-shanxi", "shanxi-local-power", "shanxi-incremental-pilots"}, date(2021, 5, 31), date(2021, 11, 30),
        "derived", "2021年"),
}


def check_lines(cli, tree):
    code, out, _ = cli("--policies", str(tree), "check")
    lines = [l for l in out.splitlines() if l]
    assert all(LINE.match(l) for l in lines), lines
    return code, lines


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _source_of(base, item):
    return SOURCES[Path(base.documents[item.doc].source_file).name].replace("\n", "")


def test_the_table_lists_every_recurring_duty(base):
    found = {(i.id, dl.phrase) for i in base.items.values() for dl in i.deadlines if dl.kind == "recurring"}
    assert found == set(RECURRING)


@pytest.mark.parametrize("key", sorted(RECURRING), ids=lambda k: f"{k[0]} {k[1]}")
def test_each_recurring_duty_binds_whom_the_text_says_and_ends(base, key):
    item_id, phrase = key
    subjects, first, last, basis, words = RECURRING[key]
    item = base.item(item_id)
    dl = next(d for d in item.deadlines if d.kind == "recurring" and d.phrase == phrase)
    assert phrase in item.text and phrase in _source_of(base, item)
    assert set(item.bound_units(dl)) == subjects
    occ = dl.occurrences()
    assert (occ[0] if occ else None, occ[-1] if occ else None) == (first, last)
    assert dl.until is not None and dl.until_basis == basis
    assert f"「{words}" in dl.until_reason and words in _source_of(base, item)
    assert all(d <= dl.until for d in occ)


def test_nothing_is_due_in_2030(base):
    assert base.query("due in 2030").rows == []
    assert base.query("due in 2030 and id ~ @2021").rows == []


def test_no_shanxi_duty_runs_past_the_plan(base):
    late = {(i.id, d) for i in base.items.values() if i.doc == "shanxi" for d, _ in i.occurrences()
            if d > date(2022, 12, 31)}
    assert late == set()
    # a 2021 year action's recurrences end with the 2021 column
    for item in base.items.values():
        if item.id.endswith("@2021"):
            assert all(d.year == 2021 for d, _ in item.occurrences()), item.id
    # the only duty after 2022: the NEA's full-year report for 2022, due 次年1月15日前
    after = {(i.id, d) for i in base.items.values() for d, _ in i.occurrences() if d > date(2022, 12, 31)}
    assert after == {("nea:notice.3", date(2023, 1, 15))}


def test_quarterly_reports_bind_the_city_energy_bureaus_not_the_grid_company(base):
    org1 = base.item("shanxi:ledger.org.1")
    quarterly = org1.deadlines[0]
    assert [p.as_written for p in quarterly.subjects] == ["各市能源局"]
    assert "sgcc-shanxi" in {u.unit for u in org1.units} and "sgcc-shanxi" not in org1.bound_units(quarterly)
    assert {p.unit: p.basis for p in quarterly.recipients} == {"shanxi-energy-bureau": "inferred", "shanxi-ero": "inferred"}


def test_notice_1_date_is_the_provinces_not_the_prefectures(base):
    n1 = base.item("nea:notice.1")
    dl = n1.deadline
    assert dl.date == date(2021, 4, 30)
    assert n1.bound_units(dl) == ("provincial-energy-authorities",)
    assert "prefecture-governments" in {u.unit for u in n1.units}
    assert [(p.unit, p.as_written) for p in dl.recipients] == [
        ("nea", "国家能源局"), ("nea-regional-offices", "国家能源局相关派出机构")]
    assert "2021年4月30日前报送国家能源局" in n1.text


def test_reports_name_their_recipients_as_written(base):
    def recipients(ref, n):
        return [(p.unit, p.as_written, p.basis) for p in base.item(ref).deadlines[n].recipients]

    assert recipients("shanxi:org.2", 0) == [("shanxi-energy-bureau", "省能源局", "stated"),
                                             ("shanxi-ero", "山西能源监管办", "stated")]
    assert "报送省能源局及山西能源监管办" in base.item("shanxi:org.2").text
    # the progress reports do not repeat the receiver: an inference
    assert {b for _, _, b in recipients("shanxi:org.2", 1)} == {"inferred"}
    assert recipients("nea:notice.2", 0) == [("nea-regional-offices", "国家能源局相关派出机构", "stated")]
    assert recipients("shanxi:schedule.2.3", 1) == [("nea", "国家能源局", "stated"), ("shanxi-ero", "山西能源监管办", "stated")]


def test_before_august_is_an_inference_with_the_stricter_reading(base):
    for ref in ("shanxi:task.2.4", "shanxi:ledger.task.5", "shanxi:ledger.task.5@2021"):
        dl = next(d for d in base.item(ref).deadlines if d.phrase == "2021年8月前")
        assert (dl.date, dl.basis) == (date(2021, 8, 31), "inferred"), ref
        assert [r.date for r in dl.other_readings] == [date(2021, 7, 31)], ref
        assert dl.reason and "8月前" in dl.reason
        out = dl.to_dict()
        assert out["basis"] == "inferred" and out["other_readings"][0]["date"] == "2021-07-31"
    # a date the text states is stated
    assert base.item("shanxi:org.2").deadlines[0].to_dict()["basis"] == "stated"


def test_ledger_48_written_roles(base):
    written = {(u.unit, u.written_role, u.role, u.column) for u in base.item("nea:ledger.48").units}
    assert written == {
        ("provincial-energy-authorities", "牵头", "lead", "责任单位"),
        ("provincial-price-authorities", "负责", "lead", "责任单位"),
        ("power-suppliers", "负责", "lead", "责任单位"),
        ("approval-departments", "负责", "lead", None),  # named in the text, not in the cell (which ends in 等)
    }
    assert "各省级能源（电力）主管部门牵头，各省级价格主管部门，各供电企业等按职责分工负责" in base.item("nea:ledger.48").responsible


def test_every_unit_entry_says_the_word_and_ledger_columns(base):
    words = {"牵头": "lead", "负责": "lead", "配合": "cooperate", "协同": "cooperate"}
    for item in base.items.values():
        for u in item.units:
            assert words[u.written_role] == u.role, (item.id, u.unit)
            if u.column == "协同推进单位":
                assert u.as_written in "".join(item.cooperating), (item.id, u.unit)
    row = base.item("shanxi:ledger.task.3")
    cols = {u.unit: (u.column, u.written_role) for u in row.units}
    assert cols["sgcc-shanxi"] == ("责任单位", "负责") and cols["shanxi-ero"] == ("协同推进单位", "协同")
    assert base.item("shanxi:task.1.3").units[2].written_role == "牵头"  # 各市能源局要牵头推进审批服务标准化


def test_approval_bureau_membership_is_inferred(base):
    unit = base.tree.registries.units["approval-units"]
    assert unit.members_in("shanxi") == ()
    assert unit.inferred_members_in("shanxi") == ("shanxi-approval-bureau", "city-approval-bureaus")
    inferred = dict(dict(unit.inferred_members)["shanxi"])
    assert "shanxi-approval-bureau" in inferred and "no source" in inferred["shanxi-approval-bureau"]
    out = unit.to_dict()
    assert out["members"] == {} and out["inferred_members"]["shanxi"][0]["unit"] == "shanxi-approval-bureau"
    # a membership a source states stays stated: 注1 各供电企业指国家电网有限公司、…
    assert "sgcc" in base.tree.registries.units["power-suppliers"].members_in("national")


def test_year_actions_inherit_their_rows_units(base):
    from kb.loading.loader import read_tree

    raw = read_tree(POLICIES).raw  # the YAML as written (a cached tree keeps no raw YAML)
    inherited = [i for i in base.items.values() if i.kind == "action" and "units" not in raw[i.id]]
    assert len(inherited) == 57
    for item in inherited:
        assert item.units == base.item(item.parent).units, item.id


def test_show_json_carries_the_duty_keys(cli):
    code, out, _ = cli("show", "shanxi:ledger.org.2@2021", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [u["id"] for u in data["units"]] == ["sgcc-shanxi", "shanxi-local-power", "shanxi-incremental-pilots", "shanxi-ero"]
    rec = next(d for d in data["deadlines"] if d["kind"] == "recurring")
    assert (rec["until"], rec["until_basis"]) == ("2021-12-31", "derived")
    assert "「2021年」" in rec["until_reason"]


def test_export_round_trip_keeps_the_duty_keys(cli, base, tmp_path):
    import kb

    target = tmp_path / "kb.json"
    code, _, err = cli("export", "--format", "json", "-o", str(target))
    assert code == 0, err
    again = kb.load(target)
    for ref in ("shanxi:ledger.org.1", "shanxi:task.2.4", "nea:notice.3", "nea:ledger.48"):
        assert again.item(ref).to_dict() == base.item(ref).to_dict(), ref
    assert again.tree.registries.units["approval-units"].to_dict() == base.tree.registries.units["approval-units"].to_dict()


# --- check -----------------------------------------------------------------------------------

def test_check_wants_every_recurrence_to_end(cli, tree_copy):
    doc = tree_copy / "documents" / "nea.yaml"
    text = doc.read_text(encoding="utf-8")
    cut = re.sub(r"        until: 2022-07-15\n.*?half-year report is 2022's\"\n", "", text, count=1, flags=re.DOTALL)
    assert cut != text
    doc.write_text(cut, encoding="utf-8")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1
    assert any("nea:notice.3: recurring deadline “每年7月15日前” has no 'until'" in l for l in lines), lines


def test_check_subjects_are_the_items_words_and_real_units(cli, tree_copy):
    doc = tree_copy / "documents" / "shanxi.yaml"
    edit(doc, "subjects: [{unit: city-energy-bureaus, as_written: 各市能源局}]",
         "subjects: [{unit: city-energy-bureau, as_written: 各县能源局}]")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1
    assert any("subject 'city-energy-bureau' is not in units.yaml" in l for l in lines), lines
    assert any("subject as_written “各县能源局” is not in the item's own text" in l for l in lines), lines


def test_check_other_readings_are_real_dates_and_before_month_needs_them(cli, tree_copy):
    doc = tree_copy / "documents" / "shanxi.yaml"
    edit(doc, "{date: 2021-07-31, reason:", "{date: 2021-02-30, reason:")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1 and any("2021-02-30" in l and "not a real calendar date" in l for l in lines), lines


def test_check_written_role_agrees_with_role(cli, tree_copy):
    doc = tree_copy / "documents" / "nea.yaml"
    edit(doc, "{unit: provincial-price-authorities, role: lead, written_role: 负责",
         "{unit: provincial-price-authorities, role: lead, written_role: 配合")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1 and any("is lead but written 配合" in l for l in lines), lines


def test_check_reason_quotes_must_be_in_the_source(cli, tree_copy):
    doc = tree_copy / "documents" / "shanxi.yaml"
    edit(doc, "「（三）评估深化阶段（2022年10月-2022年12月）」", "「（三）评估深化阶段（2023年10月-2023年12月）」")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1 and any("2023年10月" in l and "not in" in l for l in lines), lines
