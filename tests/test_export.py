"""`powerkb export`: every format read back with the tool a user would open it with, the published
JSON Schemas, --where, bad arguments, and the JSON round trip (export -> load -> export)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "docs" / "schema"
POLICIES = str(ROOT / "policies")


# --- schemas ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def validators():
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    item = json.loads((SCHEMAS / "item-v1.json").read_text(encoding="utf-8"))
    export = json.loads((SCHEMAS / "export-v1.json").read_text(encoding="utf-8"))
    for schema in (item, export):
        Draft202012Validator.check_schema(schema)
    registry = Registry().with_resources(
        [(name, Resource.from_contents(s)) for name, s in (("item-v1.json", item), ("export-v1.json", export))])
    return Draft202012Validator(item, registry=registry), Draft202012Validator(export, registry=registry)


def _errors(validator, instance) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


@pytest.fixture(scope="module")
def exported(base):
    from kb.export.formats import export_object

    return export_object(base)


def test_every_item_matches_the_item_schema(base, validators):
    item_v, _ = validators
    bad = {i.id: _errors(item_v, i.to_dict()) for i in base.items.values()}
    assert {k: v for k, v in bad.items() if v} == {}


def test_export_object_matches_the_export_schema(exported, validators, base):
    _, export_v = validators
    assert _errors(export_v, exported) == []
    assert exported["schema"] == "powerkb-export/1"
    assert len(exported["items"]) == len(base.items)
    assert {d["id"] for d in exported["documents"]} == set(base.documents)
    assert set(exported["metrics"]) == {"metrics", "customers", "areas", "stages", "measures"}


def test_schemas_are_closed_and_described(validators, base):
    """A key the schema does not know, or a wrong value, fails: the schema cannot drift silently."""
    item_v, export_v = validators
    good = base.item("nea:ledger.3").to_dict()
    assert _errors(item_v, {**good, "surprise": 1})
    assert _errors(item_v, {**good, "kind": "wish"})
    assert _errors(item_v, {k: v for k, v in good.items() if k != "deadlines"})
    for schema in ("item-v1.json", "export-v1.json"):
        data = json.loads((SCHEMAS / schema).read_text(encoding="utf-8"))
        # no remote $id: a $ref resolves from the file's own directory (offline, check-jsonschema)
        assert data.get("$id", schema) == schema and data["description"]

        def walk(node, path):
            if isinstance(node, dict) and not path.endswith(".if"):
                for name, sub in (node.get("properties") or {}).items():
                    assert "description" in sub or "$ref" in sub, f"{schema}: {path}.{name} has no description"
                for key, sub in node.items():
                    walk(sub, f"{path}.{key}")
            elif isinstance(node, list):
                for sub in node:
                    walk(sub, path)

        walk(data, "")


def test_readme_lists_the_schemas():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Schemas" in readme
    assert "docs/schema/item-v1.json" in readme and "docs/schema/export-v1.json" in readme


# --- json / jsonl ----------------------------------------------------------------------------

def test_cli_json_and_jsonl(cli, base, exported, validators):
    item_v, _ = validators
    code, out, err = cli("--policies", POLICIES, "export", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == exported
    code, out, err = cli("--policies", POLICIES, "export", "--format", "jsonl")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == len(base.items)
    for line in lines:
        data = json.loads(line)
        assert _errors(item_v, data) == []
    assert [json.loads(l)["id"] for l in lines] == list(base.items)
    assert json.loads(lines[0]) == next(iter(base.items.values())).to_dict()


def test_where_restricts_items_and_links(cli, base):
    code, out, _ = cli("--policies", POLICIES, "export", "--format", "json", "--where", "doc = nea and kind = goal")
    assert code == 0
    data = json.loads(out)
    ids = [i["id"] for i in data["items"]]
    assert ids and all(i.startswith("nea:ledger.") for i in ids)
    assert set(ids) == {i.id for i in base.items.values() if i.doc == "nea" and i.kind == "goal"}
    assert all(l["from"] in ids and l["to"] in ids for l in data["links"])
    assert len(data["units"]) == len(base.units)  # registries stay complete


def test_where_with_due_gives_each_item_once(cli, base):
    query = "due between 2021-01 and 2022-12 and id = shanxi:org.1"
    assert len(base.query(query)) > 1  # a quarterly report: one row per quarter
    code, out, _ = cli("--policies", POLICIES, "export", "--format", "jsonl", "--where", query)
    assert code == 0
    assert [json.loads(l)["id"] for l in out.splitlines()] == ["shanxi:org.1"]


# --- csv -------------------------------------------------------------------------------------

def test_csv_has_a_bom_and_one_row_per_item(cli, base, tmp_path):
    target = tmp_path / "items.csv"
    code, out, err = cli("--policies", POLICIES, "export", "--format", "csv", "-o", str(target))
    assert (code, out) == (0, "")
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads Chinese correctly only with the BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == ["id", "doc", "kind", "category", "deadline", "deadline_kind",
                             "deadline_phrase", "units", "text", "summary"]
    assert [r["id"] for r in rows] == list(base.items)
    row = next(r for r in rows if r["id"] == "nea:ledger.3")
    assert row["deadline"] == "2020-12-31" and row["deadline_phrase"] == "2020年底前"
    assert row["units"] == "各供电企业 (lead)"
    assert row["text"] == base.item("nea:ledger.3").text
    multi = next(i for i in base.items.values() if len(i.pieces) > 1)
    assert next(r for r in rows if r["id"] == multi.id)["text"] == multi.text  # newlines survive quoting


# --- xlsx ------------------------------------------------------------------------------------

def _xlsx(cli, tmp_path, *args):
    from openpyxl import load_workbook

    target = tmp_path / "ledger.xlsx"
    code, _, err = cli("--policies", POLICIES, "export", "--format", "xlsx", "-o", str(target), *args)
    assert code == 0, err
    return load_workbook(target), err


def test_xlsx_ledger_workbook(cli, base, tmp_path):
    wb, err = _xlsx(cli, tmp_path)
    assert "xlsx" in err and str(tmp_path / "ledger.xlsx") in err  # export says what it wrote
    # a ledger sheet (named by the document) apart from the document's other parts
    assert wb.sheetnames == ["1479", "nea", "nea 其他部分", "shanxi", "shanxi 其他部分"]
    nea = wb["nea"]
    assert nea["A1"].value == base.item("nea:ledger.1").section[0]  # 附件1 …工作任务台账
    assert [c.value for c in nea[2]] == ["序号", "分类", "工作目标任务", "责任单位", "协同推进单位",
                                        "完成时间", "条目编号", "英文摘要"]
    assert nea.freeze_panes == "A3"
    rows = list(nea.iter_rows(min_row=3, values_only=True))
    ledger = [r for r in rows if r[6]]
    assert [r[6] for r in ledger] == [f"nea:ledger.{n}" for n in range(1, 58)]
    # 序号 as in the source: row 51 shows 51, whatever its place in the sheet
    assert all(r[0] == int(r[6].rsplit(".", 1)[1]) for r in ledger)
    row51 = next(r for r in ledger if r[6] == "nea:ledger.51")
    assert row51[0] == 51 and row51[2] == base.item("nea:ledger.51").text
    row3 = next(r for r in ledger if r[6] == "nea:ledger.3")
    assert (row3[1], row3[3], row3[5]) == ("工作目标", "各供电企业", "2020年底前")
    assert row3[7] == base.item("nea:ledger.3").summary
    # the ledger's two notes after its rows, across the sheet
    assert [r[0] for r in rows[57:]] == [base.item("nea:ledger.note.1").text, base.item("nea:ledger.note.2").text]
    other = wb["nea 其他部分"]
    ids = [r[6] for r in other.iter_rows(min_row=3, values_only=True)]
    assert "nea:notice.1" in ids and "nea:indicator.38" in ids and not any(i.startswith("nea:ledger") for i in ids)
    assert wb["1479"].max_row == 2 + sum(1 for i in base.items.values() if i.doc == "1479")


def test_xlsx_shanxi_ledger_has_year_columns(cli, base, tmp_path):
    wb, _ = _xlsx(cli, tmp_path)
    ws = wb["shanxi"]
    head = [c.value for c in ws[2]]
    assert head[:7] == ["序号", "分类", "国家文件具体任务内容", "本方案具体任务内容", "2020年", "2021年", "2022年"]
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True)]
    rows_by_id = {r[head.index("条目编号")]: r for r in rows}
    # one sheet row per ledger row: the year actions are in their columns, not extra rows
    assert len(rows) == sum(1 for i in base.items.values() if i.doc == "shanxi" and i.ref.startswith("ledger.")
                            and i.parent is None)
    assert not any("@" in i for i in rows_by_id)
    r = rows_by_id["shanxi:ledger.task.6"]
    assert r[0] == 6
    for year in ("2020", "2021", "2022"):
        assert r[head.index(f"{year}年")] == base.item(f"shanxi:ledger.task.6@{year}").text
    assert r[2] == "\n".join(base.item("shanxi:ledger.task.6").national)
    assert rows_by_id["shanxi:ledger.task.5"][head.index("完成时间")] == "2021年8月前\n2021年底前"


def test_xlsx_is_printable(cli, tmp_path):
    wb, _ = _xlsx(cli, tmp_path)
    for ws in wb:
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4  # 9: A4
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$2"
        assert ws["C3"].font.name == "宋体" and ws["C3"].alignment.wrap_text
        # every row is tall enough for its longest wrapped cell: more text, a taller row
        heights = {r: ws.row_dimensions[r].height for r in range(3, ws.max_row + 1)}
        assert all(h and h >= 13 for h in heights.values())
    ws = wb["nea"]
    longest = max(range(3, 60), key=lambda r: len(ws.cell(r, 3).value or ""))
    shortest = min(range(3, 60), key=lambda r: max(len(str(c.value or "")) for c in ws[r]))
    assert ws.row_dimensions[longest].height > ws.row_dimensions[shortest].height


def test_xlsx_and_csv_overdue_column_with_as_of(cli, base, tmp_path):
    import csv
    import io

    wb, _ = _xlsx(cli, tmp_path, "--as-of", "2021-06-01")
    ws = wb["nea"]
    head = [c.value for c in ws[2]]
    assert head[-1] == "逾期（截至 2021-06-01）"
    marks = {r[6]: r[-1] for r in ws.iter_rows(min_row=3, values_only=True) if r[6]}
    assert marks["nea:ledger.3"] == "逾期"  # due 2020年底前
    assert marks["nea:ledger.21"] is None  # due 2021年底前
    assert marks["nea:ledger.13"] is None  # 持续推进: never overdue
    code, out, _ = cli("--policies", POLICIES, "export", "--format", "csv", "--as-of", "2021-06-01")
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    by_id = {r["id"]: r for r in rows}
    assert by_id["nea:ledger.3"]["overdue"] == "true" and by_id["nea:ledger.21"]["overdue"] == "false"
    code, out, _ = cli("--policies", POLICIES, "export", "--format", "csv")
    assert "overdue" not in out.splitlines()[0]  # without --as-of, the columns are as before


def test_csv_quotes_fields_with_semicolons(cli, base):
    code, out, _ = cli("--policies", POLICIES, "export", "--format", "csv")
    line = next(x for x in out.split("\r\n") if x.startswith("nea:ledger.48,"))
    units = "; ".join(f"{r.name or r.unit} ({r.role})" for r in base.item("nea:ledger.48").units)
    assert ";" in units and f'"{units}"' in line


def test_xlsx_where_keeps_only_sheets_with_items(cli, tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "nea.xlsx"
    assert cli("--policies", POLICIES, "export", "--format", "xlsx", "-o", str(target), "--where", "doc = nea and kind = goal")[0] == 0
    wb = load_workbook(target)
    assert wb.sheetnames == ["nea"]
    assert wb["nea"].max_row == 2 + 11  # the 11 goal rows of the ledger (its notes are not goals)


# --- ics -------------------------------------------------------------------------------------

def _dated(base):
    return [(i, dl) for i in base.items.values() for dl in i.deadlines
            if dl.kind == "date" or (dl.kind == "recurring" and dl.first and dl.occurrences())]


def test_ics_one_event_per_dated_deadline(cli, base, monkeypatch):
    from icalendar import Calendar

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1622505600")
    code, out, err = cli("--policies", POLICIES, "export", "--format", "ics")
    assert code == 0, err
    cal = Calendar.from_ical(out.encode("utf-8"))
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(_dated(base))
    uids = [str(e["uid"]) for e in events]
    assert len(set(uids)) == len(uids)
    by_uid = {str(e["uid"]): e for e in events}
    e = by_uid["nea:ledger.3#0@powerkb"]
    assert e.decoded("dtstart") == date(2020, 12, 31)
    assert str(e["summary"]).startswith("nea:ledger.3 ")
    assert "各供电企业 (lead)" in str(e["description"]) and "2020年底前" in str(e["description"])
    assert e.decoded("dtstamp").year == 2021  # SOURCE_DATE_EPOCH makes the export reproducible
    # the two deadlines of one item are two events, each with its own date
    assert by_uid["shanxi:ledger.task.5#0@powerkb"].decoded("dtstart") == date(2021, 8, 31)
    assert by_uid["shanxi:ledger.task.5#1@powerkb"].decoded("dtstart") == date(2021, 12, 31)
    # ongoing and undated deadlines give no event
    ongoing = next(i for i in base.items.values() if i.deadlines and all(d.kind == "ongoing" for d in i.deadlines))
    assert not any(u.startswith(ongoing.id + "#") for u in uids)
    assert "shanxi:schedule.2.3#0@powerkb" in uids  # its window's end ...
    assert "shanxi:schedule.2.3#1@powerkb" not in uids  # ... but 每年度 gives no day: no event


def test_ics_recurrences_are_rrules_that_expand_to_the_kb_dates(cli, base):
    from dateutil.rrule import rrulestr
    from datetime import datetime
    from icalendar import Calendar

    code, out, _ = cli("--policies", POLICIES, "export", "--format", "ics")
    cal = Calendar.from_ical(out.encode("utf-8"))
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    quarterly = events["shanxi:org.1#0@powerkb"]
    # the plan's quarterly reports end with the plan's period (评估深化阶段（2022年10月-2022年12月）)
    assert quarterly["rrule"].to_ical() == b"FREQ=MONTHLY;UNTIL=20221231;INTERVAL=3;BYMONTHDAY=-1"
    assert quarterly.decoded("dtstart") == date(2021, 6, 30)
    checked = 0
    for item, dl in _dated(base):
        if dl.kind != "recurring":
            continue
        n = item.deadlines.index(dl)
        event = events[f"{item.id}#{n}@powerkb"]
        start = datetime.combine(event.decoded("dtstart"), datetime.min.time())
        rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
        expanded = [d.date() for d in rule.between(start, datetime(2030, 12, 31), inc=True)]
        assert expanded == dl.occurrences(), item.id
        checked += 1
    assert checked >= 5


# --- graphml ---------------------------------------------------------------------------------

def test_graphml_reads_back_with_networkx(cli, base, tmp_path):
    import networkx as nx

    target = tmp_path / "kb.graphml"
    code, _, err = cli("--policies", POLICIES, "export", "--format", "graphml", "-o", str(target))
    assert code == 0, err
    g = nx.read_graphml(target, force_multigraph=True)
    assert g.is_directed()
    assert set(g.nodes) == set(base.graph.nodes)
    assert g.number_of_edges() == base.graph.number_of_edges()
    node = g.nodes["nea:ledger.3"]
    assert node["type"] == "item" and node["kind"] == "goal" and node["deadline"] == "2020-12-31"
    assert g.nodes["unit:power-suppliers"]["label"] == "各供电企业"
    rels = {d["rel"] for _, _, d in g.edges(data=True)}
    assert {"contains", "responsible", "targets-metric"} <= rels
    assert any(d.get("role") == "lead" for _, _, d in g.edges(data=True))


def test_graphml_where_is_a_subgraph(cli, base, tmp_path):
    import networkx as nx

    target = tmp_path / "goals.graphml"
    assert cli("--policies", POLICIES, "export", "--format", "graphml", "-o", str(target), "--where", "doc = 1479")[0] == 0
    g = nx.read_graphml(target)
    items = {n for n, d in g.nodes(data=True) if d["type"] == "item"}
    assert items == {i.id for i in base.items.values() if i.doc == "1479"}
    assert "doc:1479" in g and "doc:nea" not in g  # the selected items and what they touch
    assert all(g.degree(n) > 0 for n in g)


# --- sqlite ----------------------------------------------------------------------------------

def _doc_queries() -> list[str]:
    text = (ROOT / "docs" / "sqlite.md").read_text(encoding="utf-8")
    return re.findall(r"```sql\n(.*?)```", text, re.S)


def test_sqlite_export_runs_the_documented_queries(cli, base, tmp_path):
    target = tmp_path / "kb.sqlite"
    code, out, err = cli("--policies", POLICIES, "export", "--format", "sqlite", "-o", str(target))
    assert (code, out) == (0, ""), err
    con = sqlite3.connect(target)
    assert con.execute("SELECT count(*) FROM items").fetchone()[0] == len(base.items)
    queries = _doc_queries()
    assert len(queries) >= 8
    for sql in queries:
        rows = con.execute(sql).fetchall()
        if "FROM links" not in sql:  # links.yaml may be empty in a fresh tree
            assert rows, sql
    hit = con.execute("SELECT i.id FROM fts_zh JOIN items i ON i.rowid = fts_zh.rowid "
                      "WHERE fts_zh MATCH '\"零投 投资\"'").fetchall()
    assert ("nea:ledger.9",) in hit
    con.close()


def test_sqlite_where(cli, tmp_path):
    target = tmp_path / "nea.sqlite"
    assert cli("--policies", POLICIES, "export", "--format", "sqlite", "-o", str(target), "--where", "doc = nea")[0] == 0
    con = sqlite3.connect(target)
    assert {d for (d,) in con.execute("SELECT DISTINCT doc FROM items")} == {"nea"}
    con.close()


# --- bad arguments ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "sqlite"])
def test_binary_formats_refuse_stdout(cli, fmt):
    code, out, err = cli("--policies", POLICIES, "export", "--format", fmt)
    assert code == 2 and out == ""
    assert "-o FILE" in err and "Traceback" not in err


@pytest.mark.parametrize("where", ["no-such-dir/x.csv", "."])
def test_unwritable_output(cli, tmp_path, where):
    path = tmp_path / where
    code, out, err = cli("--policies", POLICIES, "export", "--format", "csv", "-o", str(path))
    assert code == 1 and out == ""
    assert err.startswith("powerkb: cannot write") and "Traceback" not in err


def test_bad_where(cli):
    code, _, err = cli("--policies", POLICIES, "export", "--format", "json", "--where", "untt = 市能源局")
    assert code == 2 and "did you mean 'unit'" in err
    code, _, err = cli("--policies", POLICIES, "export", "--format", "json", "--where", "count doc = nea")
    assert code == 2 and "selects items" in err


def test_unknown_format_is_an_argparse_error(cli):
    code, _, err = cli("export", "--format", "pdf")
    assert code == 2 and "invalid choice" in err


# --- round trip ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def round_trip(base, tmp_path_factory):
    import kb
    from kb.export.formats import export

    path = tmp_path_factory.mktemp("export") / "kb.json"
    export(base, "json", path)
    return path, kb.load(path)


def test_round_trip_loses_nothing(base, round_trip):
    from kb.export.formats import to_json

    path, again = round_trip
    assert to_json(again) == path.read_text(encoding="utf-8")
    # and the model objects themselves are equal, item by item (line numbers aside)
    strip = lambda i: dataclasses.replace(i, yaml_file="", yaml_line=0)
    assert list(again.items) == list(base.items)
    assert [strip(i) for i in again.items.values()] == [strip(i) for i in base.items.values()]
    multi = next(i for i in base.items.values() if len(i.pieces) > 1)
    assert again.item(multi.id).pieces == multi.pieces
    for quoted in (i for i in base.items.values() if i.quote):  # extra quotes, where items have them
        assert again.item(quoted.id).quote == quoted.quote
    assert again.links == [dataclasses.replace(l, yaml_line=0) for l in base.links]
    assert again.registries == base.registries
    strip_doc = lambda d: dataclasses.replace(d, yaml_file="")
    assert [strip_doc(d) for d in again.documents.values()] == [strip_doc(d) for d in base.documents.values()]


@pytest.mark.parametrize("query", [
    "metric = 全过程办电时间 and customer = 居民",
    "due <= 2021-12 and unit = 市能源局",
    "text ~ 电价",
    "count doc = shanxi group by unit",
    "due in 2021-Q3",
])
def test_round_trip_answers_queries_alike(base, round_trip, query):
    _, again = round_trip
    as_of = date(2021, 6, 1)
    assert again.query(query, as_of=as_of).to_dict() == base.query(query, as_of=as_of).to_dict()


def test_export_json_as_policies_on_the_command_line(cli, round_trip):
    path, _ = round_trip
    code, out, err = cli("--policies", str(path), "query", "id = nea:ledger.3", "--format", "json", "--as-of", "2021-06-01")
    assert code == 0, err
    assert json.loads(out)[0]["id"] == "nea:ledger.3"
    code, out, _ = cli("--policies", str(path), "show", "nea:ledger.3", "--format", "json")
    assert code == 0 and json.loads(out)["deadline"] == "2020-12-31"


def test_a_file_that_is_not_an_export_is_refused(cli, tmp_path):
    import kb
    from kb.core.errors import PolicyProblems

    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "something-else"}', encoding="utf-8")
    with pytest.raises(PolicyProblems, match="not a powerkb JSON export"):
        kb.load(bad)
    code, _, err = cli("--policies", str(bad), "show", "nea:ledger.3")
    assert code == 1 and "not a powerkb JSON export" in err
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": "powerkb-export/1", "documents": [], "items": [{"id": "x"}]', encoding="utf-8")
    with pytest.raises(PolicyProblems, match="not a readable JSON export"):
        kb.load(broken)
