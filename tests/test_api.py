"""The Python API: `kb.load()` and what it returns. Each result's `to_dict()` is exactly the JSON
the command line prints, so a program and a person see the same thing."""

from __future__ import annotations

import json
from dataclasses import is_dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICIES = str(ROOT / "policies")
AS_OF = "2021-06-01"


@pytest.mark.parametrize("item_id", ["nea:ledger.3", "shanxi:ledger.task.5", "nea:form3", "shanxi:org.1", "1479:task.7"])
def test_item_to_dict_is_show_json(base, cli, item_id):
    item = base.item(item_id)
    assert is_dataclass(item)
    code, out, err = cli("--policies", POLICIES, "show", item_id, "--format", "json")
    assert code == 0, err
    assert item.to_dict() == json.loads(out)


@pytest.mark.parametrize("query", [
    "metric = 全过程办电时间 and customer = 居民",
    "due <= 2021-12 and unit = 市能源局",
    "due overdue and doc = nea",
    "text ~ 电价",
    "count doc = shanxi",
    "doc = nea group by category",
    "diff 1479 vs shanxi where metric = 合计办理时间",
])
def test_query_result_to_dict_is_query_json(base, cli, query):
    from datetime import date

    result = base.query(query, as_of=date.fromisoformat(AS_OF))
    assert is_dataclass(result)
    code, out, err = cli("--policies", POLICIES, "query", query, "--format", "json", "--as-of", AS_OF)
    assert code == 0, err
    assert result.to_dict() == json.loads(out)


@pytest.mark.parametrize("item_id", ["1479:task.7", "nea:ledger.3", "shanxi:ledger.goal.1"])
def test_trace_to_dict_is_trace_json(base, cli, item_id):
    trace = base.trace(item_id)
    assert is_dataclass(trace)
    code, out, err = cli("--policies", POLICIES, "trace", item_id, "--format", "json")
    assert code == 0, err
    assert trace.to_dict() == json.loads(out)


@pytest.mark.parametrize("where", [None, "metric = 全过程办电时间"])
def test_diff_to_dict_is_diff_json(base, cli, where):
    result = base.diff("1479", "shanxi", where=where)
    assert is_dataclass(result)
    args = ["--policies", POLICIES, "diff", "1479", "shanxi", "--format", "json"] + (["--where", where] if where else [])
    code, out, err = cli(*args)
    assert code == 0, err
    assert result.to_dict() == json.loads(out)


def test_evaluate_to_dict_is_evaluate_json(base, cli):
    """kb.evaluate(case) gives the same object as a row of `powerkb evaluate --format json`."""
    cases = ROOT / "examples" / "cases.csv"
    code, out, _ = cli("--policies", POLICIES, "evaluate", str(cases), "--format", "json")
    assert code == 0  # the bad rows are in examples/cases-with-errors.csv
    by_id = {c["id"]: c for c in json.loads(out)["cases"]}
    import csv

    with open(cases, encoding="utf-8") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    for case_id in ("R01", "H01", "S02"):
        ev = base.evaluate(rows[case_id])
        assert is_dataclass(ev)
        assert {**ev.to_dict(), "row": by_id[case_id]["row"]} == by_id[case_id]


def test_registries_and_graph(base):
    import networkx as nx

    assert base.units["power-suppliers"].zh == "各供电企业"
    assert base.metrics["full-process-time"].zh == "全过程办电时间"
    assert isinstance(base.graph, nx.MultiDiGraph)
    assert base.graph.nodes["nea:ledger.3"]["kind"] == "goal"


def test_unknown_id_suggests(base):
    from kb.core.errors import UnknownId

    with pytest.raises(UnknownId, match="nea:ledger.3"):
        base.item("nea:ledger.3x")


def test_load_an_export(base, tmp_path):
    import kb
    from kb.export.formats import export

    path = tmp_path / "kb.json"
    export(base, "json", path)
    again = kb.load(path)
    assert again.item("nea:ledger.3").to_dict() == base.item("nea:ledger.3").to_dict()
    assert again.evaluate({"id": "x", "customer": "residential", "applied": "2022-01-04",
                           "connected": "2022-01-10"}).verdicts() == \
        base.evaluate({"id": "x", "customer": "residential", "applied": "2022-01-04",
                       "connected": "2022-01-10"}).verdicts()
