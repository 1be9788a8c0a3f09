"""Chinese first: every user-facing label is Chinese by default, English with --lang en (or
POWERKB_LANG=en); ids and JSON keys never change; JSON gains names beside slugs."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import POLICIES

SLUGS = ["full-process-time", "hv-dual", "lv-nonres-three-zero", "only-provincial", "only-national", "stricter"]


def test_every_label_has_both_languages_and_every_used_key_exists():
    from pathlib import Path

    from kb.core.i18n import labels

    table = labels()
    for key, entry in table.items():
        assert set(entry) >= {"zh", "en"}, key
        assert entry["zh"] and entry["en"] is not None, key
    root = Path(__file__).resolve().parent.parent
    used = set()
    for path in list((root / "kb").rglob("*.py")) + list((root / "tui").rglob("*.py")):
        used |= set(re.findall(r"""label\(\s*["']([a-z_.\-]+[a-z_])["']""", path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in table)
    assert not missing
    assert len(used) > 60


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    """A wide terminal, so that a name is not broken across two lines of a table cell."""
    monkeypatch.setenv("COLUMNS", "220")


def test_diff_table_chinese_by_default_english_with_lang(cli):
    code, out, _ = cli("diff", "1479", "shanxi")
    assert code == 0
    assert "全过程办电时间" in out and "更严格" in out and "高压双电源用户" in out and "比较结论" in out
    for slug in ("full-process-time", "hv-dual", "stricter", "verdict"):
        assert slug not in out
    code, out, _ = cli("diff", "1479", "shanxi", "--lang", "en")
    assert code == 0 and "stricter" in out and "verdict" in out and "full-process time" in out
    assert "比较结论" not in out


def test_nea_vs_shanxi_verdicts_are_named(cli):
    code, out, _ = cli("diff", "nea", "shanxi", "--format", "json")
    data = json.loads(out)
    only = [p for p in data["targets"] if p["verdict"] == "only-national"]
    assert only and all(p["verdict_name"] == "仅国家文件有" for p in only)
    assert data["summary_names"]["earlier"] == "更早"
    code, table, _ = cli("diff", "nea", "shanxi")
    assert "仅国家文件有" in table and "only-national" not in table and "更早" in table


def test_trace_chinese_by_default(cli):
    code, out, _ = cli("trace", "1479:task.7")
    assert code == 0
    assert "被落实于" in out and "向下" in out and "延伸电网投资界面" in out  # the item's own words
    assert "implemented-by" not in out and "Power supply companies" not in out
    code, out, _ = cli("trace", "1479:task.7", "--lang", "en")
    assert "implemented-by" in out and "down (what implements" in out and "被落实于" not in out


def test_coverage_chinese_by_default(cli):
    code, out, _ = cli("coverage")
    assert code == 0 and "国家举措" in out and "对应条目" in out and "项举措有直接对应条目" in out
    assert "measures have a direct counterpart" not in out
    code, out, _ = cli("coverage", "--lang", "en")
    assert "measures have a direct counterpart" in out and "counterparts" in out
    code, md, _ = cli("coverage", "--format", "md")
    assert md.startswith("# 落实情况") and "| 国家举措 |" in md


def test_group_tables_name_their_groups(cli):
    code, out, _ = cli("query", "count doc = shanxi group by metric")
    assert code == 0 and "全过程办电时间" in out and "指标" in out and "条数" in out
    code, out, _ = cli("query", "count doc = shanxi group by metric", "--lang", "en")
    assert "full-process time" in out and "count" in out
    code, out, _ = cli("query", "count group by customer", "--format", "json")
    groups = json.loads(out)["groups"]
    assert any(g["key"] == "hv-dual" and g["label"] == "高压双电源用户" for g in groups)


def test_show_chinese_labels(cli):
    code, out, _ = cli("show", "nea:ledger.23")
    assert code == 0 and "完成时间" in out and "出处" in out and "Deadline" not in out
    code, out, _ = cli("--lang", "en", "show", "nea:ledger.23")
    assert "Deadline" in out and "Source" in out


@pytest.mark.parametrize("args", [
    ["--lang", "en", "--policies", str(POLICIES), "diff", "1479", "shanxi"],
    ["diff", "1479", "shanxi", "--lang", "en", "--policies", str(POLICIES)],
    ["--policies", str(POLICIES), "diff", "1479", "shanxi", "--lang", "en"],
])
def test_global_options_before_or_after_the_command(cli, args):
    code, out, err = cli(*args)
    assert code == 0, err
    assert "stricter" in out and "更严格" not in out


def test_as_of_before_or_after_the_command(cli):
    a = cli("--as-of", "2021-06-01", "query", "due overdue and doc = nea", "--format", "json")
    b = cli("query", "due overdue and doc = nea", "--format", "json", "--as-of", "2021-06-01")
    assert a[0] == b[0] == 0 and a[1] == b[1] and json.loads(a[1])


def test_lang_from_the_environment(cli, monkeypatch):
    monkeypatch.setenv("POWERKB_LANG", "en")
    assert "stricter" in cli("diff", "1479", "shanxi")[1]
    assert "更严格" in cli("diff", "1479", "shanxi", "--lang", "zh")[1]  # the option wins
    monkeypatch.setenv("POWERKB_LANG", "fr")
    code, _, err = cli("diff", "1479", "shanxi")
    assert code == 2 and "unknown language 'fr'" in err


def test_ids_and_json_keys_do_not_change_with_the_language(cli):
    zh = json.loads(cli("trace", "1479:task.7", "--format", "json")[1])
    en = json.loads(cli("trace", "1479:task.7", "--format", "json", "--lang", "en")[1])
    names = ("relation_name", "kind_name")
    strip = lambda steps: [{k: v for k, v in s.items() if k not in names} for s in steps]
    assert strip(zh["down"]) == strip(en["down"]) and zh["item"] == en["item"]
    assert [list(s) for s in zh["down"]] == [list(s) for s in en["down"]]  # the same keys
    step = next(s for s in zh["down"] if s["id"] == "shanxi:ledger.task.7")
    assert (step["relation"], step["relation_name"], step["kind"], step["kind_name"]) == ("implemented-by", "被落实于", "task", "任务")
    assert next(s for s in en["down"] if s["id"] == "shanxi:ledger.task.7")["relation_name"] == "implemented-by"
