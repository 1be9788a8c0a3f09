"""The Shanxi plan and the 1479 opinion: ledger rows split correctly, year actions, units, dates."""

from __future__ import annotations

from datetime import date

import pytest

from sourcetables import rows

LEDGER = rows("shanxi-2021.txt", "附表2")
ROW_IDS = [f"goal.{n}" for n in range(1, 5)] + [f"task.{n}" for n in range(1, 13)] + [f"org.{n}" for n in range(1, 4)]


def test_source_rows():
    assert sorted(LEDGER) == sorted(ROW_IDS)


def test_all_ids(base):
    refs = {i.ref for i in base.items.values() if i.doc == "shanxi"}
    expected = {f"ledger.{r}" for r in ROW_IDS} | {f"ledger.{r}@{y}" for r in ROW_IDS for y in (2020, 2021, 2022)}
    expected |= {f"goal.{n}" for n in range(1, 6)} | {f"task.1.{n}" for n in range(1, 5)} | {f"task.2.{n}" for n in range(1, 11)}
    expected |= {f"schedule.{n}" for n in range(1, 4)} | {f"org.{n}" for n in range(1, 5)} | {"table1"}
    assert expected <= refs
    refs_1479 = {i.ref for i in base.items.values() if i.doc == "1479"}
    assert refs_1479 == {f"goal.{n}" for n in range(1, 5)} | {f"task.{n}" for n in range(1, 13)} | {f"org.{n}" for n in range(1, 4)}


def _cells(row, column):
    return [c for c in LEDGER[row].get(column, "").split("\n") if c] if row == "task.5" else [LEDGER[row].get(column, "")]


@pytest.mark.parametrize("row", ROW_IDS)
def test_row_columns_match_source(base, row):
    item = base.item(f"shanxi:ledger.{row}")
    assert list(item.pieces) == _cells(row, "山西内容")
    assert item.national[0] == _cells(row, "国家内容")[0]
    assert list(item.responsible) == _cells(row, "责任单位")
    coop = _cells(row, "协同推进单位")
    if coop == ["——"]:
        assert not item.cooperating
        assert all(r.role == "lead" for r in item.units)
    else:
        assert list(item.cooperating) == coop
    pages = sorted({int(p) for p in LEDGER[row]["_pages"].split(",") if p})
    assert list(item.pages) == pages


@pytest.mark.parametrize("row", ROW_IDS)
@pytest.mark.parametrize("year", [2020, 2021, 2022])
def test_year_actions(base, row, year):
    action = base.item(f"shanxi:ledger.{row}@{year}")
    assert action.kind == "action"
    assert action.parent == f"shanxi:ledger.{row}"
    expected = [c for c in _cells(row, f"{year}年") if c]
    assert [p for p in action.pieces if p] == expected
    if expected == ["——"]:
        assert not action.deadlines
    else:
        first = action.deadlines[0]
        assert (first.kind, first.date, first.phrase) == ("date", date(year, 12, 31), f"{year}年")
        assert {r.unit for r in action.units} == {r.unit for r in base.item(f"shanxi:ledger.{row}").units}


def test_1479_items_are_the_national_column(base):
    for row in ROW_IDS:
        national = base.item(f"1479:{row}")
        assert national.text == _cells(row, "国家内容")[0]
        assert national.source_file == "sources/shanxi-2021.txt"


def test_row5_spans_three_pages(base):
    row = base.item("shanxi:ledger.task.5")
    assert row.pages == (8, 9, 10)
    assert [p[:6] for p in row.pieces] == ["1.审批平台", "2.实现并联", "3.加快政企"]
    # the national text is printed on each of the three pages and is the same each time
    assert len(set(LEDGER["task.5"]["国家内容"].split("\n"))) == 1
    a2021 = base.item("shanxi:ledger.task.5@2021")
    assert len(a2021.pieces) == 3 and "太原、晋中、晋城、大同四市要在2021年8月前" in a2021.pieces[2]
    a2022 = base.item("shanxi:ledger.task.5@2022")
    assert len(a2022.pieces) == 2  # part 1's 2022 cell is empty
    units = {r.unit for r in row.units}
    assert {"shanxi-approval-bureau", "sgcc-shanxi", "city-energy-bureaus", "shanxi-energy-bureau"} <= units


def test_rows_7_and_8_share_page_12(base):
    r7, r8 = base.item("shanxi:ledger.task.7"), base.item("shanxi:ledger.task.8")
    assert r7.pages == r8.pages == (12,)
    assert r7.pieces[0].startswith("延伸电网投资界面。电网投资界面原则上应延伸至用户建筑区划红线")
    assert r8.pieces[0].startswith("规范用电报装收费。")
    assert base.item("shanxi:ledger.task.7@2020").text.endswith("（含计量装置）。")
    assert base.item("shanxi:ledger.task.7@2022").text == "持续落实国家、省委省政府相关要求和举措"
    assert {r.unit for r in r7.units if r.role == "cooperate"} == {"shanxi-drc", "shanxi-ero"}
    assert {r.unit for r in r8.units if r.role == "cooperate"} == {"shanxi-drc", "shanxi-market-regulation", "shanxi-ero"}


def test_units_per_row(base):
    def lead(ref):
        return {r.unit for r in base.item(ref).units if r.role == "lead"}

    def coop(ref):
        return {r.unit for r in base.item(ref).units if r.role == "cooperate"}

    suppliers = {"sgcc-shanxi", "shanxi-local-power", "shanxi-incremental-pilots"}
    assert lead("shanxi:ledger.goal.3") == suppliers and coop("shanxi:ledger.goal.3") == set()
    assert lead("shanxi:ledger.task.2") == {"approval-units", "city-energy-bureaus"} | suppliers
    assert coop("shanxi:ledger.task.2") == {"shanxi-ero"}
    assert lead("shanxi:ledger.task.10") == {"shanxi-energy-bureau", "city-energy-bureaus"} | suppliers
    assert lead("shanxi:ledger.goal.1") == {"shanxi-energy-bureau", "city-energy-bureaus", "shanxi-ero"} | suppliers
    assert "shanxi-approval-bureau" in coop("shanxi:ledger.goal.1")


def test_goal_targets(base):
    def t(ref):
        return {(t.metric, t.customer, t.area, t.value, t.by) for t in base.item(ref).targets}

    by21, by22 = date(2021, 12, 31), date(2022, 12, 31)
    g2 = t("shanxi:goal.2")
    assert {("total-handling-time", "lv-nonres", None, 5, by21), ("total-handling-time", "hv-single", None, 15, by21),
            ("total-handling-time", "hv-dual", None, 25, by21), ("full-process-time", "residential", None, 4, by21),
            ("full-process-time", "lv-nonres-three-zero", None, 20, by21),
            ("full-process-time", "lv-nonres-three-zero", None, 15, by22)} == g2
    g5 = {(x[2], x[3]) for x in t("shanxi:goal.5")}
    assert g5 == {("major-city-center", 1), ("major-city-urban", 2), ("major-city-town", 5), ("major-city-rural", 11),
                  ("other-city-center", 2), ("other-city-urban", 5), ("other-city-town", 9), ("other-city-rural", 15)}
    assert {(x[0], x[1], x[3]) for x in t("shanxi:goal.1")} == {("approval-time", "lv-connection", 5),
                                                                ("approval-time", "hv-connection-10kv", 10)}


def test_city_platform_deadlines(base):
    task = base.item("shanxi:task.2.4")
    dated = {(d.date, d.scope) for d in task.deadlines}
    assert (date(2021, 8, 31), "太原、晋中、晋城、大同四市") in dated
    assert (date(2021, 12, 31), "其余地市") in dated


def test_reporting_obligations(base):
    org1 = base.item("shanxi:org.1")
    quarterly = [d for d in org1.deadlines if d.every == "quarter"]
    assert quarterly and quarterly[0].first == date(2021, 6, 30)
    assert [d for d, _ in org1.occurrences() if d.year == 2021] == [date(2021, 6, 30), date(2021, 9, 30), date(2021, 12, 31)]
    org2 = base.item("shanxi:org.2")
    assert date(2021, 5, 31) in {d.date for d in org2.deadlines}
    occ = [d for d, dl in org2.occurrences() if dl.kind == "recurring" and d.year <= 2022]
    assert occ == [date(2021, 5, 31), date(2021, 11, 30), date(2022, 5, 31), date(2022, 11, 30)]


def test_schedule_phases(base):
    spans = {base.item(f"shanxi:schedule.{n}").deadline for n in (1, 2, 3)}
    assert {(d.start, d.date) for d in spans} == {
        (date(2020, 10, 1), date(2021, 5, 31)), (date(2021, 6, 1), date(2022, 9, 30)), (date(2022, 10, 1), date(2022, 12, 31))}


def test_table1_values_absent(base):
    table = base.item("shanxi:table1")
    assert "values" in dict(table.absent)
    assert not table.targets


def test_lost_characters_are_kept_and_noted(base):
    a = base.item("shanxi:ledger.goal.1@2021")
    assert "1.对于符合条的低压短力工免许批案批方式" in a.text
    assert a.note and "lost" in a.note.lower()
