"""Executable rules: the working-day counter, the choice of target, and the verdict of every case
of examples/cases.csv.

The expected values below were worked out by hand from the State Council's holiday notices and
the targets in the policy files (see docs/evaluate.md), not produced by the code under test.
Counting: the working days d with applied < d <= connected (the day a period starts is not
counted). Targets: `by` D binds applications after D, and never before the document's date.

Holiday facts used (国务院办公厅 notices; checked against chinesecalendar in test_calendar_facts):
  2020 National Day   10-01..10-08 off; Sun 09-27, Sat 10-10 worked
  2021 Spring Festival 02-11..02-17 off; Sun 02-07, Sat 02-20 worked
  2021 Qingming 04-03..04-05 off; Labour Day 05-01..05-05 off, Sun 04-25 and Sat 05-08 worked
  2021 Dragon Boat 06-12..06-14 off; Mid-Autumn 09-19..09-21 off, Sat 09-18 worked
  2021 National Day 10-01..10-07 off; Sun 09-26, Sat 10-09 worked
  2022 New Year 01-01..01-03 off; Spring Festival 01-31..02-06 off, Sat 01-29 and Sun 01-30 worked
  2022 Labour Day 04-30..05-04 off, Sun 04-24 and Sat 05-07 worked; Dragon Boat 06-03..06-05 off
  2022 Mid-Autumn 09-10..09-12 off; National Day 10-01..10-07 off, Sat 10-08 and Sun 10-09 worked
  2023 Spring Festival 01-21..01-27 off; Sat 01-28 and Sun 01-29 worked
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "examples" / "cases.csv"
ERRORS = ROOT / "examples" / "cases-with-errors.csv"
POLICIES = str(ROOT / "policies")
D = date.fromisoformat

NA = "not applicable"


def met(measured, limit, level):
    return ("met", measured, limit, level)


def over(measured, limit, level):
    return ("not met", measured, limit, level)


NO_TIME = {"full-process-time": NA, "total-handling-time": NA}
NOT_SME = {"zero-investment-capacity": NA}

EXPECTED = {
    # --- residential: national 5 days for applications in 2021, Shanxi's 4 from 2022 ---
    # 02-09, 02-10, [02-11..17 Spring Festival], 02-18, 02-19, 02-20 (Sat, 调休), [02-21], 02-22 = 6.
    # Applied before the NEA notice (2021-03-29): the 5 days come from 1479:goal.1 alone.
    "R01": {"full-process-time": over(6, 5, "national"), "total-handling-time": NA,
            "zero-investment": met(0, 0, "national"), **NOT_SME},
    # [Sat 02-06], Sun 02-07 is a 调休 working day, 02-08, 02-09, 02-10 = 4.
    "R02": {"full-process-time": met(4, 5, "national"), "total-handling-time": NA,
            "zero-investment": met(0, 0, "national"), **NOT_SME},
    # [10-01..10-07], 10-08, Sat 10-09 (调休), [Sun 10-10], 10-11 = 3.
    "R03": {"full-process-time": met(3, 5, "national"), "total-handling-time": NA,
            "zero-investment": met(0, 0, "national"), **NOT_SME},
    # [Sat 09-25], Sun 09-26 (调休), 09-27..09-30 (4), [10-01..10-07], 10-08 = 6; charged 200 yuan.
    # Shanxi also requires 零投资 by then (shanxi:task.2.7, printed 2021-05-07), but no more strictly.
    "R04": {"full-process-time": over(6, 5, "national"), "total-handling-time": NA,
            "zero-investment": over(200, 0, "national"), **NOT_SME},
    # Applied ON 2021-12-31: Shanxi's 4 days (by 2021-12-31) bind only later applications.
    # [01-01..01-03 New Year], 01-04..01-07 (4), [01-08, 01-09], 01-10 = 5: exactly the national 5.
    "R05": {"full-process-time": met(5, 5, "national"), "total-handling-time": NA,
            "zero-investment": met(0, 0, "national"), **NOT_SME},
    # 01-05, 01-06, 01-07, 01-10 = 4 against Shanxi's 4 (stricter than the national 5).
    "R06": {"full-process-time": met(4, 4, "provincial"), "total-handling-time": NA,
            "zero-investment": met(0, 0, "national"), **NOT_SME},
    "R07": {"full-process-time": over(5, 4, "provincial"), "total-handling-time": NA,
            "zero-investment": met(0, 0, "national"), **NOT_SME},
    # 01-27, 01-28, Sat 01-29 and Sun 01-30 (both 调休), [01-31..02-06], 02-07, 02-08 = 6.
    "R08": {"full-process-time": over(6, 4, "provincial"), "total-handling-time": NA,
            "zero-investment": met(0, 0, "national"), **NOT_SME},
    # 2020-11: no time target yet (the first is due by 2020-12-31); 零投资 binds since 2020-09-30.
    "R09": {**NO_TIME, "zero-investment": met(0, 0, "national"), **NOT_SME},
    # 2020-09-28: before 2020-09-30, the end of the month the 1479 opinion is dated (2020-09).
    "R10": {**NO_TIME, "zero-investment": NA, **NOT_SME},
    # [10-01..10-07], Sat 10-08 and Sun 10-09 (调休), 10-10 = 3.
    "R11": {"full-process-time": met(3, 4, "provincial"), "total-handling-time": NA,
            "zero-investment": met(0, 0, "national"), **NOT_SME},

    # --- low-voltage non-residential under the Three Zeros: 25 days, 20 from 2022, 15 from 2023 ---
    # June 2021 after 06-01: 3 + 5 + 4 (06-14 Dragon Boat) + 5 + 3 = 20.
    "T01": {"full-process-time": met(20, 25, "national"), "total-handling-time": NA,
            "zero-investment": met(0, 0, "national"), **NOT_SME},
    # Applied 2021-12-31, so still 25: January 2022 after New Year 19 days, then 01-29, 01-30
    # (调休), [01-31..02-06], 02-07..02-09 = 24.
    "T02": {"full-process-time": met(24, 25, "national"), "total-handling-time": NA,
            "zero-investment": met(0, 0, "national"), **NOT_SME},
    # 01-05..01-07 (3) + 5 + 5 + 5 + 01-29, 01-30 (2) + 02-07..02-09 (3) = 23 > 20. Shanxi's 20 is
    # the same as the national 20, so the national target is cited.
    "T03": {"full-process-time": over(23, 20, "national"), "total-handling-time": NA,
            "zero-investment": met(0, 0, "national"), **NOT_SME},
    # 01-17..01-20 (4), [01-21..01-27], Sat 01-28 and Sun 01-29 (调休), 01-30..02-03 (5) = 11 <= 15.
    "T04": {"full-process-time": met(11, 15, "national"), "total-handling-time": NA,
            "zero-investment": met(0, 0, "national"), **NOT_SME},
    # March 2022 after 03-01 up to 03-29: 3 + 5 + 5 + 5 + 2 = 20, exactly 20. Charged 3000 although
    # under the Three Zeros; as a small-micro enterprise of 120 kW in a rural area it is above the
    # 2022 rural ceiling of 100 kW, so that rule does not apply.
    "T05": {"full-process-time": met(20, 20, "national"), "total-handling-time": NA,
            "zero-investment": over(3000, 0, "national"), "zero-investment-capacity": NA},
    # March 2021 after 03-01 up to 03-26: 4 + 5 + 5 + 5 = 19; nothing said about charges.
    "T06": {"full-process-time": met(19, 25, "national"), "total-handling-time": NA,
            "zero-investment": NA, **NOT_SME},

    # --- low-voltage non-residential outside the Three Zeros: stages 1/3/2, total 6, Shanxi 5 ---
    # acceptance 06-08 (1), supply plan 06-09..06-11 (3), meter install 06-22, 06-23 (2) = 6.
    "L01": {**NO_TIME, "total-handling-time": met(6, 6, "national"),
            "stage-time:acceptance": met(1, 1, "national"), "stage-time:supply-plan": met(3, 3, "national"),
            "stage-time:meter-install": met(2, 2, "national"), "zero-investment": NA, **NOT_SME},
    "L02": {**NO_TIME, "total-handling-time": over(6, 5, "provincial"),
            "stage-time:acceptance": met(1, 1, "national"), "stage-time:supply-plan": met(3, 3, "national"),
            "stage-time:meter-install": met(2, 2, "national"), "zero-investment": NA, **NOT_SME},
    # No meter-install.start: that stage runs from the supply plan (06-04) to 06-16:
    # 06-07..06-11 (5), [06-14], 06-15, 06-16 = 7. Total 1 + 2 + 7 = 10.
    "L03": {**NO_TIME, "total-handling-time": over(10, 6, "national"),
            "stage-time:acceptance": met(1, 1, "national"), "stage-time:supply-plan": met(2, 3, "national"),
            "stage-time:meter-install": over(7, 2, "national"), "zero-investment": NA, **NOT_SME},
    # acceptance 09-30 -> 10-08 is 1 day (10-01..10-07 off); supply plan 10-09 (Sat, 调休), 10-11,
    # 10-12 = 3; meter install 10-19, 10-20 = 2.
    "L04": {**NO_TIME, "total-handling-time": met(6, 6, "national"),
            "stage-time:acceptance": met(1, 1, "national"), "stage-time:supply-plan": met(3, 3, "national"),
            "stage-time:meter-install": met(2, 2, "national"), "zero-investment": NA, **NOT_SME},

    # --- high-voltage single supply: stages 1/10/3/2/3/3, total 22, Shanxi 15 ---
    # supply plan 04-08..04-20: 2 + 5 + 2 = 9; design review 05-07, Sat 05-08 (调休), 05-10 = 3;
    # meter install from completion inspection 06-24: 06-25, 06-28, 06-29 = 3. Total 21.
    "H01": {**NO_TIME, "total-handling-time": met(21, 22, "national"),
            "stage-time:acceptance": met(1, 1, "national"), "stage-time:supply-plan": met(9, 10, "national"),
            "stage-time:design-review": met(3, 3, "national"), "stage-time:mid-inspection": met(2, 2, "national"),
            "stage-time:completion-inspection": met(3, 3, "national"), "stage-time:meter-install": met(3, 3, "national"),
            "zero-investment": NA, **NOT_SME},
    # The same stage times in 2022 (completion inspection 05-06, Sat 05-07 (调休), 05-09 = 3): 21 > 15.
    "H02": {**NO_TIME, "total-handling-time": over(21, 15, "provincial"),
            "stage-time:acceptance": met(1, 1, "national"), "stage-time:supply-plan": met(9, 10, "national"),
            "stage-time:design-review": met(3, 3, "national"), "stage-time:mid-inspection": met(2, 2, "national"),
            "stage-time:completion-inspection": met(3, 3, "national"), "stage-time:meter-install": met(3, 3, "national"),
            "zero-investment": NA, **NOT_SME},
    # supply plan 09-14 -> 10-08: 09-15..09-17 (3), Sat 09-18 (调休), [09-19..09-21], 09-22..09-24 (3),
    # Sun 09-26 (调休), 09-27..09-30 (4), [10-01..10-07], 10-08 = 13 > 10. Total 1 + 13 + 3 = 17.
    "H03": {**NO_TIME, "total-handling-time": met(17, 22, "national"),
            "stage-time:acceptance": met(1, 1, "national"), "stage-time:supply-plan": over(13, 10, "national"),
            "stage-time:design-review": NA, "stage-time:mid-inspection": NA,
            "stage-time:completion-inspection": NA, "stage-time:meter-install": met(3, 3, "national"),
            "zero-investment": NA, **NOT_SME},
    # Applied 2021-02-22, before the NEA notice (2021-03-29) that sets the stage limits: no stage
    # rows at all; the total 22 comes from 1479:goal.1. 1 + 8 + 3 = 12.
    "H04": {**NO_TIME, "total-handling-time": met(12, 22, "national"), "zero-investment": NA, **NOT_SME},

    # --- high-voltage dual supply: stages 1/20/3/2/3/3, total 32, Shanxi 25 ---
    # supply plan 06-02 -> 06-29: [06-03 Dragon Boat], 5 + 5 + 5 + 3 = 18; meter install
    # 09-14..09-16 = 3 (09-12 Mid-Autumn is before the start). Total 1+18+3+2+3+3 = 30 > 25.
    "D01": {**NO_TIME, "total-handling-time": over(30, 25, "provincial"),
            "stage-time:acceptance": met(1, 1, "national"), "stage-time:supply-plan": met(18, 20, "national"),
            "stage-time:design-review": met(3, 3, "national"), "stage-time:mid-inspection": met(2, 2, "national"),
            "stage-time:completion-inspection": met(3, 3, "national"), "stage-time:meter-install": met(3, 3, "national"),
            "zero-investment": NA, **NOT_SME},
    "D02": {**NO_TIME, "total-handling-time": met(30, 32, "national"),
            "stage-time:acceptance": met(1, 1, "national"), "stage-time:supply-plan": met(18, 20, "national"),
            "stage-time:design-review": met(3, 3, "national"), "stage-time:mid-inspection": met(2, 2, "national"),
            "stage-time:completion-inspection": met(3, 3, "national"), "stage-time:meter-install": met(3, 3, "national"),
            "zero-investment": NA, **NOT_SME},

    # --- small and micro enterprises: 零投资 up to 160 kW urban / 100 kW rural in 2022, 160 from 2023 ---
    # (the measured value is the amount charged; the limit is 0 yuan)
    "S01": {**NO_TIME, "zero-investment": NA, "zero-investment-capacity": met(0, 0, "national")},
    "S02": {**NO_TIME, "zero-investment": NA, "zero-investment-capacity": over(12000, 0, "national")},
    "S03": {**NO_TIME, "zero-investment": NA, "zero-investment-capacity": NA},  # 150 kW > rural 100
    # 2023: the rural 100 kW and the nationwide 160 kW are both in force; the higher ceiling binds.
    "S04": {**NO_TIME, "zero-investment": NA, "zero-investment-capacity": over(8000, 0, "national")},
    "S05": {**NO_TIME, "zero-investment": NA, "zero-investment-capacity": NA},  # no ceiling before 2022
    # other-city-town: a town (城镇) is urban, so the urban 160 kW applies; 160 is within it.
    "S06": {**NO_TIME, "zero-investment": NA, "zero-investment-capacity": met(0, 0, "national")},
    "S07": {**NO_TIME, "zero-investment": NA, "zero-investment-capacity": NA},  # 200 kW > 160
}

BAD = {  # examples/cases-with-errors.csv: (line, message)
    "B01": (2, "unknown customer class 'commercial'"),
    "B02": (3, "connected: 2021-06-01 is before applied 2021-06-10"),
    "B03": (4, "'2021-02-30' is not a real calendar date"),
    "B04": (5, "2027年的节假日安排尚未录入：请在 policies/holidays.yaml 中按国务院办公厅通知添加"),
    "B05": (6, "charged: 'nan' is not a number"),
    "B06": (7, "capacity_kw: '1e309' is not a finite number"),
    "B07": (8, "capacity_kw: -8 must not be negative"),
}


# --- the working-day counter -----------------------------------------------------------------

def test_calendar_facts():
    """The holiday facts the expectations rely on, as the package has them."""
    import chinese_calendar as cc

    assert cc.is_workday(D("2021-02-07")) and D("2021-02-07").weekday() == 6  # a Sunday
    assert cc.is_workday(D("2021-02-20")) and D("2021-02-20").weekday() == 5  # a Saturday
    assert [d.day for d in cc.get_holidays(D("2021-02-10"), D("2021-02-20"), include_weekends=True)] == list(range(11, 18))
    assert cc.is_workday(D("2021-10-09")) and cc.is_workday(D("2021-09-26")) and cc.is_workday(D("2021-09-18"))
    assert cc.is_workday(D("2022-01-29")) and cc.is_workday(D("2022-01-30")) and not cc.is_workday(D("2022-01-03"))
    assert cc.is_workday(D("2022-10-08")) and cc.is_workday(D("2022-10-09")) and cc.is_workday(D("2022-05-07"))
    assert cc.is_workday(D("2023-01-28")) and cc.is_workday(D("2023-01-29")) and not cc.is_workday(D("2023-01-27"))
    assert not cc.is_workday(D("2021-06-14")) and not cc.is_workday(D("2022-06-03"))


def test_spring_festival_2021():
    from kb.rules.workdays import count_workdays

    c = count_workdays(D("2021-02-10"), D("2021-02-20"))
    # 02-11..02-17 holidays, 02-18, 02-19 working, Saturday 02-20 a 调休 working day
    assert [d.isoformat() for d in c.days] == ["2021-02-18", "2021-02-19", "2021-02-20"]
    assert [d.day for d, _ in c.skipped] == list(range(11, 18))
    assert all("Spring Festival" in why for _, why in c.skipped)
    assert c.makeup == ((D("2021-02-20"), "Spring Festival 调休"),)
    assert "2021-02-20 (Spring Festival 调休)" in c.describe()


def test_makeup_sunday_before_spring_festival():
    from kb.rules.workdays import count_workdays

    c = count_workdays(D("2021-02-05"), D("2021-02-10"))  # Fri -> Wed
    assert [d.day for d in c.days] == [7, 8, 9, 10]  # Sunday the 7th counts, Saturday the 6th not
    assert c.skipped == ((D("2021-02-06"), "weekend"),)


@pytest.mark.parametrize("start, end, n", [
    ("2021-06-01", "2021-06-01", 0),  # the start day is never counted
    ("2021-06-04", "2021-06-07", 1),  # Friday -> Monday
    ("2021-06-11", "2021-06-15", 1),  # over the Dragon Boat weekend and Monday 06-14
    ("2021-09-30", "2021-10-08", 1),  # over National Day
    ("2021-09-24", "2021-10-08", 6),  # Sunday 09-26 worked
    ("2021-12-31", "2022-01-04", 1),  # New Year 2022: 01-01..01-03
    ("2022-01-26", "2022-02-08", 6),  # Spring Festival 2022 with two 调休 days
    ("2021-01-01", "2021-12-31", 250),  # 2021 had 250 working days
])
def test_counts(start, end, n):
    from kb.rules.workdays import count_workdays

    assert count_workdays(D(start), D(end)).count == n


def test_outside_the_calendar_is_an_error():
    from kb.rules.workdays import CalendarRangeError, calendar_range, count_workdays

    lo, hi = calendar_range()
    assert lo == D("2004-01-01") and hi.year >= 2026
    with pytest.raises(CalendarRangeError, match="2027年的节假日安排尚未录入"):
        count_workdays(D("2027-01-04"), D("2027-01-08"))
    with pytest.raises(CalendarRangeError):
        count_workdays(D("2003-12-30"), D("2004-01-05"))
    with pytest.raises(ValueError):
        count_workdays(D("2021-06-02"), D("2021-06-01"))


def test_add_workdays():
    from kb.rules.workdays import add_workdays

    assert add_workdays(D("2021-02-10"), 1) == D("2021-02-18")
    assert add_workdays(D("2021-02-10"), 3) == D("2021-02-20")


# --- every example case ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def results(base):
    from kb.rules.evaluate import evaluate_file

    return {ev.id: ev for ev in evaluate_file(base, CASES, "shanxi")}


@pytest.fixture(scope="module")
def bad_results(base):
    from kb.rules.evaluate import evaluate_file

    return {ev.id: ev for ev in evaluate_file(base, ERRORS, "shanxi")}


def test_examples_cover_the_brief():
    import csv

    with open(CASES, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 30
    assert {r["id"] for r in rows} == set(EXPECTED)
    with open(ERRORS, encoding="utf-8") as fh:
        assert {r["id"] for r in csv.DictReader(fh)} == set(BAD) | {"G01"}


@pytest.mark.parametrize("case_id", sorted(EXPECTED))
def test_case_verdicts(results, case_id):
    ev = results[case_id]
    assert ev.ok, ev.error
    got = {}
    for check in ev.checks:
        key = f"{check.metric}:{check.stage}" if check.stage else check.metric
        if check.verdict == NA:
            got[key] = NA
        else:
            got[key] = (check.verdict, check.measured, check.limit, check.rule.rule.level)
            assert check.difference == check.measured - check.limit
            assert check.explanation and check.rule.rule.ids
    assert got == EXPECTED[case_id]


@pytest.mark.parametrize("case_id, row, message", [(k, *v) for k, v in BAD.items()])
def test_bad_rows(bad_results, case_id, row, message):
    ev = bad_results[case_id]
    assert not ev.ok and ev.row == row and message in ev.error and ev.checks == []


def test_rows_after_bad_rows_are_evaluated(bad_results, results):
    assert bad_results["G01"].ok and bad_results["G01"].verdicts() == results["R06"].verdicts()


def test_rule_choice_is_explained(results):
    fp = results["R06"].check("full-process-time")
    assert fp.rule.rule.ids == ["shanxi:goal.2", "shanxi:ledger.goal.1", "shanxi:ledger.goal.1@2021"]
    assert "stricter than the national <= 5 workday" in fp.rule.why
    assert "从报装申请到装表接电的全过程办电时间分别压减至4个、20个工作日以内" in fp.explanation
    assert "2022-01-05, 2022-01-06, 2022-01-07, 2022-01-10" in fp.explanation
    same = results["T03"].check("full-process-time")
    assert "is the same as the national" in same.rule.why
    assert same.rule.rule.ids == ["1479:goal.1", "nea:ledger.5", "nea:indicator.22"]
    early = results["R01"].check("full-process-time")
    assert early.rule.rule.ids == ["1479:goal.1"]  # the NEA restatements bind only from 2021-03-29
    assert "holidays skipped: 2021-02-11 Spring Festival holiday" in early.explanation
    assert "调休 working weekend days counted: 2021-02-20" in early.explanation
    h04 = results["H04"]
    assert not any(c.metric == "stage-time" for c in h04.checks)
    assert h04.check("total-handling-time").rule.rule.ids == ["1479:goal.1"]
    zero = results["R04"].check("zero-investment")
    assert set(zero.rule.rule.ids) == {"1479:task.8", "nea:ledger.38", "nea:indicator.16"}
    assert "shanxi:task.2.7" in {i for r in zero.rule.considered for i in r.ids}
    assert zero.difference == 200


def test_total_is_the_sum_of_the_stages(results):
    total = results["L03"].check("total-handling-time")
    assert [c.count for c in total.counted] == [1, 2, 7]
    assert "meter-install (from supply-plan)" in total.explanation


# --- the command ------------------------------------------------------------------------------

def test_cli_table_and_exit_code(cli):
    code, out, err = cli("--policies", POLICIES, "evaluate", str(CASES), "--jurisdiction", "shanxi", "--explain")
    assert code == 0, err
    assert "case R01 (row 2): residential" in out and "NOT MET full-process-time: 6 vs <= 5 workday (1 working day over)" in out
    code, out, err = cli("--policies", POLICIES, "evaluate", str(ERRORS), "--explain")
    assert code == 1  # bad rows
    assert "case B01 (row 2): ERROR" in out
    assert f"{ERRORS}: row 2: case B01: customer: unknown customer class 'commercial'" in err
    assert "Traceback" not in err


def test_cli_compact_table(cli):
    """The default table: one line a case with what was not met, in Chinese (English by --lang)."""
    code, out, err = cli("--policies", POLICIES, "evaluate", str(CASES))
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(EXPECTED) + 1
    assert lines[0] == "R01\t居民用户\t未达标：全过程办电时间 超1个工作日"
    l03 = next(line for line in lines if line.startswith("L03\t"))
    assert l03.endswith("未达标：合计办理时间 超4个工作日；装表接电环节 超5个工作日")
    assert next(line for line in lines if line.startswith("R02\t")).endswith("达标（2项达标，2项不适用）")
    assert lines[-1] == "共34个案例（shanxi）：68项达标，15项未达标，95项不适用；错误行0个"
    assert err == "powerkb: read " + str(CASES) + " as UTF-8, comma-separated (from the header)\n"
    code, out, _ = cli("--policies", POLICIES, "evaluate", str(CASES), "--lang", "en")
    assert out.splitlines()[0] == ("R01\tresidential customers\tNOT MET: "
                                   "full-process time from application to meter installation 1 working day over")


def test_cli_json_and_csv(cli):
    import csv
    import io

    code, out, _ = cli("--policies", POLICIES, "evaluate", str(CASES), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["jurisdiction"] == "shanxi"
    assert data["summary"]["cases"] == len(EXPECTED) and data["summary"]["bad_rows"] == 0
    assert (data["input"]["format"], data["input"]["encoding"], data["input"]["delimiter"]) == ("csv", "UTF-8", ",")
    r01 = next(c for c in data["cases"] if c["id"] == "R01")
    fp = r01["checks"][0]
    assert (fp["metric"], fp["verdict"], fp["measured"], fp["limit"], fp["difference"]) == ("full-process-time", "not met", 6, 5, 1)
    assert fp["counted"][0]["counted"][-1] == "2021-02-22" and fp["counted"][0]["makeup_workdays"][0]["date"] == "2021-02-20"
    code, out, _ = cli("--policies", POLICIES, "evaluate", str(ERRORS), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["summary"]["bad_rows"] == len(BAD) and data["summary"]["cases"] == len(BAD) + 1
    code, out, _ = cli("--policies", POLICIES, "evaluate", str(CASES), "--format", "csv")
    assert out.startswith("\ufeffcase,row,metric,")  # a BOM, so that Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert {r["verdict"] for r in rows} == {"met", "not met", "not applicable"}
    h03 = next(r for r in rows if r["case"] == "H03" and r["stage"] == "supply-plan")
    got = (h03["verdict"], h03["measured"], h03["limit"], h03["difference"], h03["rule_ids"])
    assert got == ("not met", "13", "10", "3", "nea:indicator.4")


def test_cli_csv_errors(cli):
    import csv
    import io

    code, out, err = cli("--policies", POLICIES, "evaluate", str(ERRORS), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert code == 1 and [r["case"] for r in rows if r["verdict"] == "error"] == sorted(BAD)
    assert err.count("powerkb: " + str(ERRORS) + ": row ") == len(BAD)


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    ("id,customer,applied,connected,supply_plann\n", "unknown column 'supply_plann' (did you mean 'supply-plan'?)"),
    ("id,customer,applied\n", "missing column connected"),
    ("", "empty file"),
])
def test_unusable_files_exit_2(cli, tmp_path, content, message):
    path = tmp_path / "cases.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, _, err = cli("--policies", POLICIES, "evaluate", str(path))
    assert code == 2 and message in err and "Traceback" not in err


def test_unknown_jurisdiction(cli):
    code, _, err = cli("--policies", POLICIES, "evaluate", str(CASES), "--jurisdiction", "shanxii")
    assert code == 2 and "unknown jurisdiction 'shanxii'" in err and "did you mean 'shanxi'" in err


# --- the Python side ---------------------------------------------------------------------------

def test_evaluate_a_dict_or_a_case(base):
    from kb.rules.cases import Case

    row = {"id": "api", "customer_class": "居民", "applied": D("2022-01-04"), "connected": "2022-01-11",
           "charged": "0", "stages": {"acceptance": "2022-01-05"}}
    ev = base.evaluate(row)
    assert ev.verdicts()["full-process-time"] == "not met"
    case = Case("api", ("residential",), D("2022-01-04"), D("2022-01-11"), charged=0)
    assert base.evaluate(case).verdicts() == {**ev.verdicts()}
    assert base.evaluate(case, jurisdiction="national").check("full-process-time").limit == 5


@pytest.mark.parametrize("row, message", [
    ({"id": "x", "customer": "residential", "applied": "2021-06-01"}, "connected: missing"),
    ({"id": "x", "customer": "resident", "applied": "2021-06-01", "connected": "2021-06-02"}, "did you mean 'residential'"),
    ({"id": "x", "customer": "residential", "applied": "06/01/2021", "connected": "2021-06-02"}, "not a date of the form YYYY-MM-DD"),
    ({"id": "x", "customer": "hv-single", "applied": "2021-06-01", "connected": "2021-06-30",
      "acceptance": "2021-06-05", "supply-plan": "2021-06-03"}, "supply-plan: 2021-06-03 is before acceptance 2021-06-05"),
    ({"id": "x", "customer": "residential", "applied": "2021-06-01", "connected": "2021-06-02", "city": "beijing"}, "unknown city"),
    ({"id": "x", "customer": "small-micro", "applied": "2021-06-01", "connected": "2021-06-02",
      "city": "datong", "area": "major-city-center"}, "major cities but datong is an other city"),
    ({"id": "x", "customer": "residential", "applied": "2021-06-01", "connected": "2021-06-02", "charged": "-5"}, "must not be negative"),
    ({"id": "x", "customer": "residential", "applied": "2021-06-01", "connected": "2021-06-02", "colour": "red"}, "unknown field 'colour'"),
])
def test_bad_cases_raise_with_the_column(base, row, message):
    from kb.rules.cases import CaseError

    with pytest.raises(CaseError, match=re.escape(message)):
        base.evaluate(row)
