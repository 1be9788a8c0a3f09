"""Links as data, the graph, `trace` and `coverage`."""

from __future__ import annotations

import json


def test_every_ledger_row_implements_its_1479_item(base):
    links = {(l.src, l.rel, l.dst) for l in base.links}
    for kind, n in [("goal", 4), ("task", 12), ("org", 3)]:
        for k in range(1, n + 1):
            assert (f"shanxi:ledger.{kind}.{k}", "implements", f"1479:{kind}.{k}") in links


def test_indicators_measure_ledger_rows(base):
    measures = {(l.src, l.dst) for l in base.links if l.rel == "measures"}
    assert ("nea:indicator.3", "nea:ledger.3") in measures
    assert ("nea:indicator.22", "nea:ledger.5") in measures
    assert all(any(s == f"nea:indicator.{n}" for s, _ in measures) for n in range(1, 39))


def test_graph(base):
    g = base.graph
    assert g.nodes["nea:ledger.3"]["kind"] == "goal"
    rels = {d["rel"] for _, _, d in g.out_edges("shanxi:ledger.task.7", data=True)}
    rels_in = {d["rel"] for _, _, d in g.in_edges("shanxi:ledger.task.7", data=True)}
    assert {"implements", "responsible", "contains", "same-as"} <= rels | rels_in
    assert g.has_edge("doc:nea", "nea:ledger.3")
    assert any(d["rel"] == "targets-metric" for _, _, d in g.out_edges("nea:ledger.3", data=True))


def test_trace_down_from_1479(base):
    t = base.trace("1479:task.7")
    down = {s.id: s.relation for s in t.down}
    assert down["shanxi:ledger.task.7"] == "implemented-by"
    assert down["shanxi:task.2.6"] in ("implemented-by", "same-as")
    assert {f"nea:ledger.{n}" for n in (33, 34, 35, 36)} <= set(down)
    assert down["nea:indicator.16"] in ("measured-by", "implemented-by")
    assert {f"shanxi:ledger.task.7@{y}" for y in (2020, 2021, 2022)} <= set(down)
    assert t.up == []


def test_trace_up_from_year_action(base):
    t = base.trace("shanxi:ledger.task.7@2021")
    up = [s.id for s in t.up]
    assert up[0] == "shanxi:ledger.task.7"
    assert "1479:task.7" in up and "shanxi:task.2.6" in up
    step = next(s for s in t.up if s.id == "1479:task.7")
    assert step.relation == "implements" and step.via == "shanxi:ledger.task.7"


def test_trace_cli(cli):
    code, out, _ = cli("trace", "1479:task.7", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["id"] == "1479:task.7" and data["up"] == []
    first = data["down"][0]
    assert {"id", "relation", "summary", "deadline", "units", "kind"} <= set(first)
    code, text, _ = cli("trace", "shanxi:ledger.task.7@2021")
    assert "1479:task.7" in text and "2021-12-31" in text
    code, _, err = cli("trace", "1479:task.77")
    assert code == 2 and "1479:task.7" in err


def test_coverage(base, cli):
    from kb.analysis.trace import coverage

    rows = {r.id: r for r in coverage(base)}
    assert len([r for r in rows if r.startswith("1479:")]) == 19
    assert len([r for r in rows if r.startswith("nea:ledger.")]) == 57
    assert len([r for r in rows if r.startswith("nea:indicator.")]) == 38
    assert "shanxi:ledger.task.7" in rows["1479:task.7"].counterparts
    # measure level: the NEA row's own Shanxi counterparts (links.yaml), not its 1479 parent's
    row33 = rows["nea:ledger.33"]
    assert row33.via == ["1479:task.7"]
    assert row33.counterparts == ["shanxi:task.2.6", "shanxi:ledger.task.7", "shanxi:ledger.task.7@2020", "shanxi:ledger.task.7@2021"]
    assert set(row33.partial) == {"shanxi:task.2.6", "shanxi:ledger.task.7", "shanxi:ledger.task.7@2021"}
    # nea:ledger.2 (approval time) is carried by the approval goal, not by goal.0 or goal.2
    assert "shanxi:goal.1" in rows["nea:ledger.2"].counterparts
    assert not {"shanxi:goal.0", "shanxi:goal.2"} & set(rows["nea:ledger.2"].counterparts)
    # reached only through the 1479 item: marked, and never counted as a direct counterpart
    assert all(i not in r.counterparts for r in rows.values() for i, _ in r.through)
    uncovered = [r for r in rows.values() if not r.counterparts]
    assert [r.id for r in uncovered] == ["nea:ledger.55"] and uncovered[0].reason
    code, out, _ = cli("coverage", "--format", "json")
    assert code == 0 and len(json.loads(out)) == 114
    code, md, _ = cli("coverage", "--format", "md")
    assert md.startswith("# 落实情况") and "| 1479:task.7 |" in md


def test_coverage_workbook_for_a_report(cli, tmp_path):
    """`coverage --format xlsx -o FILE`: a sheet per plan, a row per measure, as the JSON says."""
    from openpyxl import load_workbook

    code, out, _ = cli("coverage", "--format", "json")
    rows = [r for r in json.loads(out) if r["doc"] == "shanxi"]
    path = tmp_path / "coverage.xlsx"
    code, _, err = cli("coverage", "--format", "xlsx", "-o", str(path))
    assert code == 0 and "coverage.xlsx" in err
    ws = load_workbook(path)["shanxi"]
    table = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert [r[1] for r in table] == [r["id"] for r in rows]
    row55 = next(r for r in table if r[1] == "nea:ledger.55")
    assert row55[4] is None and row55[6] == next(r["reason"] for r in rows if r["id"] == "nea:ledger.55")
    row33 = next(r for r in table if r[1] == "nea:ledger.33")
    assert row33[4].split("\n")[0] == "shanxi:task.2.6（部分）"
    assert cli("coverage", "--format", "xlsx")[0] == 2  # a workbook needs -o
