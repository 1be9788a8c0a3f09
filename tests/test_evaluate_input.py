"""Cases files as Excel and people write them: encodings, delimiters, `sep=`, .xlsx, Chinese
headers; bad values; over-long cells; CSV output that Excel opens safely; holiday years added
as data. Every file here is written by the test from rows of examples/cases.csv, and its verdicts
must be those of the same rows read from the original (test_evaluate.py checks those by hand)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "examples" / "cases.csv"
POLICIES = str(ROOT / "policies")
FICTIONAL = Path(__file__).resolve().parent / "data" / "holidays-fictional.yaml"
D = date.fromisoformat

# Chinese headers for the columns these tests use (the aliases of kb/rules/columns.yaml).
ZH = {"id": "编号", "customer": "客户类型", "capacity_kw": "容量", "area": "区域", "city": "城市",
      "applied": "申请日期", "acceptance": "业务受理日期", "supply-plan": "供电方案答复日期",
      "meter-install.start": "装表接电环节开始日期", "meter-install": "装表接电环节",
      "connected": "接电日期", "charged": "收费", "note": "备注"}
IDS = ["R01", "R04", "R06", "T05", "L01", "L03", "S02"]  # no design-review etc. used by these rows


def example_rows(ids=IDS) -> list[dict]:
    with open(CASES, encoding="utf-8") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    return [rows[i] for i in ids]


def write_cases(path: Path, encoding: str, delimiter: str = ",", chinese: bool = False, sep_line: bool = False,
                ids=IDS) -> Path:
    rows = example_rows(ids)
    columns = list(ZH)
    buf = io.StringIO()
    if sep_line:
        buf.write(f"sep={delimiter}\r\n")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow([ZH[c] if chinese else c for c in columns])
    for r in rows:
        w.writerow([r[c] for c in columns])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@pytest.fixture(scope="module")
def reference(base):
    from kb.rules.evaluate import evaluate_file

    return {ev.id: ev for ev in evaluate_file(base, CASES, "shanxi")}


def outcome(ev) -> dict:
    """What a case came to: each check's verdict, measured value, limit and rule ids."""
    assert ev.ok, ev.error
    return {(c.metric, c.stage): (c.verdict, c.measured, c.limit, c.rule.rule.ids if c.rule else None) for c in ev.checks}


def assert_same_verdicts(results, reference, ids=IDS):
    assert [ev.id for ev in results] == ids
    for ev in results:
        assert outcome(ev) == outcome(reference[ev.id]), ev.id


# --- encodings and delimiters ---------------------------------------------------------------------

@pytest.mark.parametrize("encoding, delimiter, chinese, sep_line, label", [
    ("gbk", ",", True, False, "GB18030 (GBK)"),  # Excel on Chinese Windows: "CSV (逗号分隔)"
    ("utf-16", "\t", True, False, "UTF-16 LE with BOM"),  # Excel's "Unicode 文本" (BOM first)
    ("utf-16-be", "\t", False, False, "UTF-16 BE with BOM"),
    ("utf-8-sig", ",", True, False, "UTF-8 with BOM"),  # Excel's "CSV UTF-8"
    ("utf-8", ";", False, True, "UTF-8"),  # a European Excel, with its sep= line
    ("utf-8", "\t", True, False, "UTF-8"),
    ("gb18030", ";", True, True, "GB18030 (GBK)"),
])
def test_encodings_and_delimiters(base, reference, tmp_path, encoding, delimiter, chinese, sep_line, label):
    from kb.rules.casefile import open_cases
    from kb.rules.evaluate import evaluate_file

    path = tmp_path / "cases.csv"
    write_cases(path, encoding, delimiter, chinese, sep_line)
    if encoding == "utf-16-be":
        path.write_bytes(b"\xfe\xff" + path.read_bytes())
    with open_cases(path) as source:
        assert (source.encoding, source.delimiter, source.sep_line) == (label, delimiter, sep_line)
        assert source.columns[:4] == ["id", "customer", "capacity-kw", "area"]
    results = evaluate_file(base, path, "shanxi")
    assert_same_verdicts(results, reference)
    if sep_line:  # the sep= line is line 1, so the first case is on line 3
        assert results[0].row == 3


def test_cli_says_how_it_read_the_file(cli, tmp_path):
    path = write_cases(tmp_path / "gbk.csv", "gbk", chinese=True)
    code, out, err = cli("--policies", POLICIES, "evaluate", str(path), "--format", "json")
    assert code == 0
    assert err.splitlines()[0] == f"powerkb: read {path} as GB18030 (GBK), comma-separated (from the header)"
    data = json.loads(out)
    assert data["input"]["encoding"] == "GB18030 (GBK)" and data["input"]["columns"][0] == "id"
    assert [c["id"] for c in data["cases"]] == IDS and data["summary"]["cases"] == len(IDS)


def test_undecodable_file_is_a_file_error(cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("编号,客户类型,申请日期,接电日期\n".encode() + b"R01,\xff\xfe\xff,2021-01-04,2021-01-05\n")
    code, _, err = cli("--policies", POLICIES, "evaluate", str(path))
    assert code == 2 and "neither UTF-8 (bad byte at offset 50)" in err and "CSV UTF-8" in err


def test_utf16_without_bom_is_a_file_error(cli, tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes("id,customer,applied,connected\n".encode("utf-16-le"))
    code, _, err = cli("--policies", POLICIES, "evaluate", str(path))
    assert code == 2 and "NUL bytes" in err and "Traceback" not in err


# --- .xlsx ----------------------------------------------------------------------------------------

def test_xlsx_with_chinese_headers_and_date_cells(base, reference, tmp_path, cli):
    from openpyxl import Workbook

    from kb.rules.evaluate import evaluate_file

    wb = Workbook()
    ws = wb.active
    ws.title = "案例"
    columns = list(ZH)
    ws.append([ZH[c] for c in columns])
    for r in example_rows():
        cells = []
        for c in columns:
            value = r[c]
            if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                value = D(value)  # a date cell
            elif value and c in ("capacity_kw", "charged"):
                value = float(value)  # a number cell (1500.0 must read as 1500)
            cells.append(None if value == "" else value)
        ws.append(cells)
    path = tmp_path / "cases.xlsx"
    wb.save(path)
    results = evaluate_file(base, path, "shanxi")
    assert_same_verdicts(results, reference)
    assert results[0].row == 2 and isinstance(results[0].case.applied, date)
    code, out, err = cli("--policies", POLICIES, "evaluate", str(path), "--format", "json")
    assert code == 0 and "as an Excel workbook, sheet '案例'" in err
    assert json.loads(out)["input"]["format"] == "xlsx"


def test_xlsx_with_a_title_row_above_the_header(base, reference, tmp_path):
    """A 台账 sheet often has its title in a merged first row; the header is the next row."""
    from openpyxl import Workbook

    from kb.rules.evaluate import evaluate_file

    wb = Workbook()
    ws = wb.active
    ws.append(["2022年办电案例台账"])
    ws.merge_cells("A1:F1")
    columns = list(ZH)
    ws.append([ZH[c] for c in columns])
    for r in example_rows(["R06", "L01"]):
        ws.append([r[c] for c in columns])
    path = tmp_path / "titled.xlsx"
    wb.save(path)
    results = evaluate_file(base, path, "shanxi")
    assert_same_verdicts(results, reference, ["R06", "L01"])
    assert [ev.row for ev in results] == [3, 4]


# --- headers --------------------------------------------------------------------------------------

def test_duplicate_headers_are_a_file_error(cli, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("id,customer,applied,connected,申请日期\nR,residential,2021-06-01,2021-06-02,2021-06-01\n", encoding="utf-8")
    code, _, err = cli("--policies", POLICIES, "evaluate", str(path))
    assert code == 2 and "columns 3 'applied' and 5 '申请日期' both give applied" in err


def test_column_aliases_file():
    """Every spelling in columns.yaml names a known column, and only one."""
    import yaml

    from kb.rules.cases import COLUMNS, COLUMNS_FILE, _key, column_name

    data = yaml.safe_load(COLUMNS_FILE.read_text(encoding="utf-8"))
    seen = {}
    for column, names in data["columns"].items():
        assert column in COLUMNS
        for name in names:
            assert _key(name) not in seen, f"{name} is given for {seen.get(_key(name))} and {column}"
            seen[_key(name)] = column
            assert column_name(name) == column
    assert column_name("装表接电") == "装表接电"  # ambiguous on purpose: not a column
    assert column_name("业务受理开始日期") == "acceptance.start"
    assert column_name("Meter_Install Start") == "meter-install.start"
    assert column_name("收费（元）") == "charged"


# --- bad values and over-long cells ----------------------------------------------------------------

@pytest.mark.parametrize("column, value, message", [
    ("charged", "nan", "charged: 'nan' is not a number"),
    ("charged", "NaN", "charged: 'NaN' is not a number"),
    ("charged", "inf", "charged: 'inf' is not a finite number"),
    ("capacity_kw", "1e309", "capacity_kw: '1e309' is not a finite number"),
    ("capacity_kw", "-Infinity", "capacity_kw: '-Infinity' is not a finite number"),
    ("charged", "-0.5", "charged: -0.5 must not be negative"),
    ("charged", "12元", "charged: '12元' is not a number"),
    ("charged", "1,5", "charged: '1,5' is not a number"),  # a decimal comma is never read as 15
])
def test_bad_numbers(base, column, value, message):
    from kb.rules.cases import CaseError

    row = {"id": "x", "customer": "residential", "applied": "2021-06-01", "connected": "2021-06-02", column: value}
    with pytest.raises(CaseError, match=re.escape(message)):
        base.evaluate(row)


def test_excel_date_forms_are_read(base, reference):
    row = {"id": "R06", "customer": "居民", "capacity_kw": "8", "area": "urban-area", "city": "taiyuan",
           "applied": "2022/1/4", "acceptance": "2022年1月5日", "meter-install": "2022-01-10",
           "connected": "2022/01/10", "charged": "0"}
    assert outcome(base.evaluate(row)) == outcome(reference["R06"])


def test_overlong_cell_is_a_row_error(base, reference, tmp_path, cli):
    """A cell of 200,000 characters (the csv module's default limit is 131,072) spoils its row only."""
    from kb.rules.evaluate import evaluate_file

    path = write_cases(tmp_path / "long.csv", "utf-8", ids=["R01", "R04", "R06"])
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0] + ',"' + "长" * 200_000 + '"'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = evaluate_file(base, path, "shanxi")
    assert [ev.ok for ev in results] == [True, False, True]
    assert results[1].row == 3 and results[1].error == "note: the cell has 200,000 characters, more than the 10,000 a cell may have"
    assert outcome(results[2]) == outcome(reference["R06"])
    code, _, err = cli("--policies", POLICIES, "evaluate", str(path))
    assert code == 1 and "row 3: case R04: note: the cell has 200,000 characters" in err


# --- CSV output --------------------------------------------------------------------------------------

def test_csv_output_escapes_formulas(cli, tmp_path):
    rows = example_rows(["R01", "R02", "R06", "R07"])
    for r, bad in zip(rows, ["=1+2", "+SUM(A1)", "@cmd", "-2+3"]):
        r["id"] = bad
    path = tmp_path / "inject.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    code, out, _ = cli("--policies", POLICIES, "evaluate", str(path), "--format", "csv")
    assert code == 0 and out.startswith("\ufeff")
    got = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert {r["case"] for r in got} == {"'=1+2", "'+SUM(A1)", "'@cmd", "'-2+3"}
    assert not [r for r in got for v in r.values() if v[:1] in ("=", "+", "@")]
    # the numbers the report writes stay numbers: R02 is 1 working day under its limit
    r02 = next(r for r in got if r["case"] == "'+SUM(A1)" and r["metric"] == "full-process-time")
    assert (r02["measured"], r02["limit"], r02["difference"]) == ("4", "5", "-1")


# --- the holiday calendar ---------------------------------------------------------------------------

def test_year_not_in_calendar_message():
    from kb.rules.workdays import CalendarRangeError, count_workdays

    with pytest.raises(CalendarRangeError) as exc:
        count_workdays(D("2026-12-30"), D("2027-01-05"))
    assert str(exc.value) == (
        "2027年的节假日安排尚未录入：请在 policies/holidays.yaml 中按国务院办公厅通知添加 "
        "(the 2027 holiday schedule has not been entered: add it to policies/holidays.yaml from the notice "
        "of the General Office of the State Council; the calendar covers 2004–2026)")


def test_fictional_year_from_yaml(base):
    """A year added as data counts its holidays and 调休 days like chinesecalendar's years."""
    from kb.rules.cases import parse_case
    from kb.rules.evaluate import evaluate, evaluate_case
    from kb.rules.workdays import Calendar, CalendarRangeError, load_holiday_file

    cal = Calendar(load_holiday_file(FICTIONAL), FICTIONAL)
    # Fri 05-29 -> Tue 06-09: weekend, 06-01..06-05 off, Sat 06-06 off, Sun 06-07 worked, 06-08, 06-09
    c = cal.count_workdays(D("2099-05-29"), D("2099-06-09"))
    assert [d.isoformat() for d in c.days] == ["2099-06-07", "2099-06-08", "2099-06-09"]
    assert c.makeup == ((D("2099-06-07"), "Test Festival 调休"),)
    assert (D("2099-06-03"), "Test Festival holiday") in c.skipped
    assert cal.count_workdays(D("2021-02-10"), D("2021-02-20")).count == 3  # chinesecalendar's years still there
    with pytest.raises(CalendarRangeError, match="2098年的节假日安排尚未录入"):
        cal.count_workdays(D("2098-12-30"), D("2099-01-04"))
    case = parse_case({"id": "F1", "customer": "residential", "applied": "2099-05-29", "connected": "2099-06-09",
                       "charged": "0"}, base.registries, "shanxi")
    ev = evaluate_case(base, case, "shanxi", cal)
    assert ev.ok and ev.check("full-process-time").measured == 3
    notice = "虚构的2099年节假日安排通知（测试用，非真实通知）（测试〔2098〕1号，2098-11-01）"
    assert ev.check("full-process-time").counted[0].to_dict()["calendar"] == [notice]
    assert f"holidays of {notice} as entered in holidays.yaml" in ev.check("full-process-time").explanation
    assert not evaluate(base, case, "shanxi").ok  # the shipped calendar has no 2099


def test_holidays_file_of_a_policy_tree(tmp_path):
    from kb.rules.workdays import calendar_for

    shutil.copy(FICTIONAL, tmp_path / "holidays.yaml")
    cal = calendar_for(tmp_path)
    assert cal.covers(2099) and cal.covers(2021) and not cal.covers(2098)


@pytest.mark.parametrize("change, message", [
    (lambda y: y["years"][0].pop("notice"), "'notice' is a required property"),
    (lambda y: y["years"][0]["notice"].pop("number"), "'number' is a required property"),
    (lambda y: y["years"][0]["workdays"].append({"date": "2099-06-09", "for": "x"}), "2099-06-09 is not a Saturday or Sunday"),
    (lambda y: y["years"][0]["holidays"].append({"name": "x", "from": "2100-01-01"}), "2100-01-01 is not in 2099"),
    (lambda y: y["years"][0]["workdays"].append({"date": "2099-05-31", "for": "x"}) or
        y["years"][0]["holidays"].append({"name": "y", "from": "2099-05-31"}), "2099-05-31 is both a holiday and a 调休 working day"),
])
def test_holidays_file_is_validated(tmp_path, change, message):
    import yaml

    from kb.rules.workdays import HolidayFileError, load_holiday_file

    data = yaml.safe_load(FICTIONAL.read_text(encoding="utf-8"))
    data = json.loads(json.dumps(data, default=str))
    change(data)
    path = tmp_path / "holidays.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(HolidayFileError, match=re.escape(message)):
        load_holiday_file(path)


def test_shipped_holidays_file_and_its_example():
    """The shipped file enters no year (no notice is among the sources), and its commented
    example, uncommented, is a valid file."""
    import yaml

    from kb.rules.workdays import load_holiday_file

    shipped = Path(POLICIES) / "holidays.yaml"
    assert load_holiday_file(shipped) == {}
    text = shipped.read_text(encoding="utf-8")
    example = "\n".join(line[2:] for line in text.split("# years:")[1].splitlines() if line.startswith("#"))
    data = yaml.safe_load("format: powerkb-holidays/1\nyears:\n" + example)
    assert data["years"][0]["year"] == 2099
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "holidays.yaml"
        path.write_text(yaml.safe_dump(json.loads(json.dumps(data, default=str)), allow_unicode=True), encoding="utf-8")
        years = load_holiday_file(path)
    assert years[2099].notice.number.endswith("（示例）") and len(years[2099].holidays) == 10


def test_cli_with_a_broken_holidays_file(cli, tmp_path):
    """A tree whose holidays.yaml is not valid fails check, so evaluate refuses it: the file and
    the place are named, with the pointer to `powerkb check`, and no traceback."""
    tree = tmp_path / "policies"
    shutil.copytree(POLICIES, tree)
    (tree / "holidays.yaml").write_text("format: powerkb-holidays/1\nyears:\n  - year: 2099\n", encoding="utf-8")
    code, _, err = cli("--policies", str(tree), "evaluate", str(CASES))
    assert code == 1 and "holidays.yaml: years/0: 'holidays' is a required property" in err and "Traceback" not in err
    assert "powerkb check" in err
    # with the explicit override the tree is served, and the calendar error is the evaluate's own
    code, _, err = cli("--policies", str(tree), "--unchecked", "evaluate", str(CASES))
    assert code == 2 and "'holidays' is a required property" in err


def test_thousands_separators(base):
    ev = base.evaluate({"id": "x", "customer": "residential", "applied": "2021-06-01", "connected": "2021-06-02",
                        "charged": "12,000"})
    assert ev.case.charged == 12000 and ev.check("zero-investment").measured == 12000


@pytest.mark.parametrize("column", ["charged", "capacity_kw", "applied", "connected", "customer", "city", "area"])
def test_any_cell_text_is_read_or_refused_with_the_column(base, column):
    """Whatever a cell holds, the case is evaluated or refused with a message naming the column:
    never another exception."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from kb.rules.cases import CaseError

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.text(max_size=30))
    def check(text):
        row = {"id": "x", "customer": "residential", "applied": "2021-06-01", "connected": "2021-06-02", column: text}
        try:
            base.evaluate(row)
        except CaseError as exc:
            assert str(exc).startswith(f"{column}:") or (column == "applied" and str(exc).startswith("connected:")), str(exc)

    check()


def test_check_refuses_a_broken_holidays_file(cli, tmp_path):
    """`powerkb check` validates holidays.yaml too, so a tree with a broken calendar is reported."""
    tree = tmp_path / "policies"
    shutil.copytree(POLICIES, tree)
    (tree / "holidays.yaml").write_text("format: powerkb-holidays/1\nyears:\n  - year: 2099\n", encoding="utf-8")
    code, out, _ = cli("--policies", str(tree), "check")
    assert code == 1 and "'holidays' is a required property" in out
