"""A new province is a YAML-only change: a fictional province's plan, added to a copy of the real
tree as files and registry entries (tests/fixtures/fictional-province), works end to end through
every command and the TUI's diff screen, with no change to the code."""

from __future__ import annotations

import asyncio
import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import POLICIES

FIXTURE = Path(__file__).parent / "fixtures" / "fictional-province"


def _append(path: Path, key: str, entries: list) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[key] = list(data.get(key) or []) + entries
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> Path:
    """The real policy tree plus the fictional province, as a policy officer would add it."""
    root = tmp_path_factory.mktemp("province") / "policies"
    shutil.copytree(POLICIES, root, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(FIXTURE / "documents" / "xugou.yaml", root / "documents")
    for name in ("xugou-2021.txt", "xugou-2021.errata.yaml"):
        shutil.copy(FIXTURE / "sources" / name, root / "sources")
    shutil.copy(FIXTURE / "sources" / "raw" / "xugou-2021.raw.txt", root / "sources" / "raw")
    _append(root / "units.yaml", "units", yaml.safe_load((FIXTURE / "units.add.yaml").read_text(encoding="utf-8")))
    _append(root / "places.yaml", "places", yaml.safe_load((FIXTURE / "places.add.yaml").read_text(encoding="utf-8")))
    add = yaml.safe_load((FIXTURE / "links.add.yaml").read_text(encoding="utf-8"))
    _append(root / "links.yaml", "links", add["links"])
    carried = {link["to"] for link in add["links"] if link["rel"] == "implements"}
    national = yaml.safe_load((POLICIES / "documents" / "1479.yaml").read_text(encoding="utf-8"))
    missing = [{"id": f"1479:{i['id']}", "in": "xugou", "reason": add["no_counterpart_reason"]}
               for i in national["items"] if f"1479:{i['id']}" not in carried]
    _append(root / "links.yaml", "no_counterpart", missing)
    return root


def run(cli, province, *args):
    return cli("--policies", str(province), *args)


def test_check_passes_with_the_new_province(cli, province):
    code, out, err = run(cli, province, "check")
    assert code == 0, out + err
    assert "xugou: 7 items" in out


def test_query_finds_its_duties_with_their_dates(cli, province):
    code, out, _ = run(cli, province, "query", "doc = xugou and due <= 2021-06", "--items", "--format", "json", "--as-of", "2021-06-01")
    assert code == 0
    rows = json.loads(out)
    assert [(r["id"], r["due"]) for r in rows] == [("xugou:task.2", "2021-03-31"), ("xugou:task.1", "2021-06-30"),
                                                   ("xugou:task.2", "2021-06-30")]
    code, out, _ = run(cli, province, "query", "unit = 虚构市能源局 and due in 2021", "--format", "json")
    assert [r["due"] for r in json.loads(out)] == ["2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"]
    code, out, _ = run(cli, province, "query", "count doc = xugou", "--items")
    assert (code, out.strip()) == (0, "7")


def test_trace_goes_up_to_the_national_item(cli, province):
    code, out, _ = run(cli, province, "trace", "xugou:ledger.task.1@2021", "--format", "json")
    assert code == 0
    up = {(s["id"], s["relation"]) for s in json.loads(out)["up"]}
    assert ("xugou:ledger.task.1", "part-of") in up and ("1479:task.6", "implements") in up


def test_coverage_reports_the_new_province(cli, province):
    code, out, _ = run(cli, province, "coverage", "--format", "json")
    assert code == 0
    everything = [r for r in json.loads(out) if r["doc"] == "xugou"]
    rows = [r for r in everything if r["id"].startswith("1479:")]
    assert len(rows) == 19  # every 1479 item, against the new plan
    # the NEA ledger rows are reached through 1479 only: listed, none directly covered
    nea = [r for r in everything if r["id"].startswith("nea:")]
    assert len(nea) == 95 and not any(r["covered"] for r in nea)
    assert {"id": "xugou:ledger.task.1", "via": "1479:task.6"} in next(r for r in nea if r["id"] == "nea:ledger.31")["through"]
    direct = {r["id"]: r["xugou"] for r in rows if r["covered"]}
    assert direct == {"1479:goal.1": ["xugou:goal.1"], "1479:task.3": ["xugou:task.1"],
                      "1479:task.6": ["xugou:ledger.task.1"], "1479:org.1": ["xugou:task.2"]}
    assert all(r["reason"].startswith("The fictional plan") for r in rows if not r["covered"])
    # the real province's coverage is unchanged by the new one
    assert sum(1 for r in json.loads(out) if r["doc"] == "shanxi" and r["id"].startswith("1479:") and r["covered"]) == 19


def test_diff_against_the_national_opinion(cli, province):
    code, out, _ = run(cli, province, "diff", "1479", "xugou", "--format", "json")
    assert code == 0
    data = json.loads(out)
    (pair,) = [p for p in data["targets"] if p["metric"] == "full-process-time" and p["customer"] == "residential"]
    assert (pair["national"]["value"], pair["provincial"]["value"], pair["verdict"]) == (5, 3, "stricter")
    anchors = {t["anchor"]: t["provincial_ids"] for t in data["texts"]}
    assert anchors["1479:task.6"] == ["xugou:ledger.task.1"]
    # asked the wrong way round: swapped, with a notice
    code, out, _ = run(cli, province, "diff", "xugou", "1479", "--format", "json")
    assert (code, json.loads(out)["a"], json.loads(out)["b"]) == (0, "1479", "xugou") and json.loads(out)["notice"]
    # two provinces: neither implements the other, so no national side: refused
    code, _, err = run(cli, province, "diff", "shanxi", "xugou")
    assert code == 2 and "neither implements the other" in err


def test_evaluate_with_the_new_provinces_targets(cli, province, tmp_path):
    cases = tmp_path / "cases.csv"
    with cases.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "customer", "applied", "connected", "charged"])
        w.writerow(["X1", "residential", "2022-03-01", "2022-03-07", "0"])  # Tue .. Mon: 4 working days
    code, out, err = run(cli, province, "evaluate", str(cases), "--jurisdiction", "xugou", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["jurisdiction"] == "xugou"
    (check,) = [c for c in data["cases"][0]["checks"] if c["metric"] == "full-process-time"]
    assert (check["measured"], check["limit"], check["verdict"]) == (4, 3, "not met")
    assert "xugou:goal.1" in check["rule"]["ids"]


def test_tui_diff_screen_with_the_new_province(province, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # the app saves its history
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    asyncio.run(_drive_diff_screen(province))


async def _drive_diff_screen(province):
    """Typed like a user: / to the query bar, the diff query, Enter."""
    import kb
    from tui.app import PowerKBApp
    from tui.widgets.diff_view import TargetTable

    app = PowerKBApp(kb.load(province))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"diff 1479 vs xugou", "enter")
        for _ in range(3):  # the query runs in a worker; the diff screen shows its result
            await pilot.pause()
            await app.workers.wait_for_complete()
        assert app.current_mode == "diff"
        screen = app.screen
        assert (screen.diff.a, screen.diff.b) == ("1479", "xugou")
        pairs = screen.query_one(TargetTable).payloads
        verdicts = {(p.metric, p.customer): p.verdict for p in pairs}
        assert verdicts[("full-process-time", "residential")] == "stricter"
