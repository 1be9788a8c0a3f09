"""Item-level links between the NEA ledger (附件1, 附件2-2) and the Shanxi plan, read from both texts:
which Shanxi items carry out each NEA row, which Shanxi items each indicator measures, which NEA
ids have no Shanxi counterpart and why, and where the two date the same measure differently.

The expected sets below were decided by reading policies/sources/*.txt, row by row; they pin the
decisions so that a later edit of links.yaml that drops or adds a counterpart is seen."""

from __future__ import annotations

import json
import re

import pytest

QUOTED = re.compile(r"「(.+?)」")


def _nea_ids(base, prefix):
    pattern = re.compile(rf"{prefix}\.\d+")
    return {i.id for i in base.items.values() if i.doc == "nea" and pattern.fullmatch(i.ref)}


def _implementers(base, nea_id):
    """The Shanxi items that implement one NEA row directly."""
    return {l.src for l in base.links if l.rel == "implements" and l.dst == nea_id and l.src.startswith("shanxi:")}


def _measured(base, indicator):
    """The Shanxi items one NEA indicator measures directly."""
    return {l.dst for l in base.links if l.rel == "measures" and l.src == indicator and l.dst.startswith("shanxi:")}


def _link(base, src, rel, dst):
    found = [l for l in base.links if (l.src, l.rel, l.dst) == (src, rel, dst)]
    assert len(found) == 1, (src, rel, dst, found)
    return found[0]


def _item_level(base):
    """The two new link families: Shanxi -> NEA row (implements), indicator -> Shanxi (measures)."""
    return [l for l in base.links
            if (l.rel == "implements" and l.src.startswith("shanxi:") and l.dst.startswith("nea:"))
            or (l.rel == "measures" and l.src.startswith("nea:indicator.") and l.dst.startswith("shanxi:"))]


# --- accounting ---------------------------------------------------------------------------------

def test_the_nea_ledger_has_57_rows_and_38_indicators(base):
    assert len(_nea_ids(base, "ledger")) == 57
    assert len(_nea_ids(base, "indicator")) == 38


def test_every_nea_row_and_indicator_has_a_counterpart_or_a_reason(base):
    """Counterparts and no_counterpart partition the 95 NEA ids exactly."""
    rows, indicators = _nea_ids(base, "ledger"), _nea_ids(base, "indicator")
    with_counterpart = {r for r in rows if _implementers(base, r)} | {i for i in indicators if _measured(base, i)}
    listed = {k for k in base.tree.no_counterpart if k in rows | indicators}
    assert with_counterpart | listed == rows | indicators
    assert not with_counterpart & listed
    assert all(base.tree.no_counterpart[k].strip() for k in listed)


def test_rows_without_a_shanxi_counterpart(base):
    listed = {k for k in base.tree.no_counterpart if k.startswith("nea:")}
    assert listed == {"nea:ledger.55"}
    reason = base.tree.no_counterpart["nea:ledger.55"]
    # the reason names the near Shanxi items and why they are not the duty
    for near in ("schedule.1.3", "org.2", "task.1.4"):
        assert near in reason


def test_every_nea_row_still_implements_a_1479_item(base):
    """Listing a row under no_counterpart (no Shanxi item) never excuses its 1479 link."""
    for row in _nea_ids(base, "ledger"):
        assert any(l.rel == "implements" and l.src == row and l.dst.startswith("1479:") for l in base.links), row


# --- pinned decisions, one or more per NEA category -------------------------------------------

ROWS = {
    # 工作目标
    "nea:ledger.1": {"shanxi:goal.0"},
    "nea:ledger.2": {"shanxi:goal.1", "shanxi:ledger.goal.1", "shanxi:ledger.goal.1@2020", "shanxi:ledger.task.2@2020"},
    "nea:ledger.3": {"shanxi:goal.2", "shanxi:ledger.goal.1", "shanxi:ledger.goal.1@2021"},
    "nea:ledger.11": {"shanxi:goal.5", "shanxi:ledger.goal.4", "shanxi:ledger.goal.4@2022"},
    # 压缩办电时间
    "nea:ledger.15": {"shanxi:task.2.1", "shanxi:ledger.task.1", "shanxi:ledger.task.1@2021", "shanxi:ledger.task.1@2022"},
    "nea:ledger.18": {"shanxi:goal.1", "shanxi:ledger.goal.1@2021", "shanxi:ledger.task.2@2021"},
    "nea:ledger.20": {"shanxi:goal.1", "shanxi:ledger.task.2@2022"},
    # 提高办电便利度
    "nea:ledger.24": {"shanxi:task.2.3", "shanxi:ledger.task.4", "shanxi:ledger.task.4@2020"},
    "nea:ledger.28": {"shanxi:task.2.4", "shanxi:ledger.task.5", "shanxi:ledger.task.5@2021", "shanxi:ledger.task.5@2022"},
    # 降低办电成本
    "nea:ledger.32": {"shanxi:task.2.5", "shanxi:ledger.task.6", "shanxi:ledger.task.6@2021", "shanxi:ledger.task.6@2022"},
    "nea:ledger.36": {"shanxi:task.2.6", "shanxi:ledger.task.7", "shanxi:ledger.task.7@2021"},
    # 提升供电能力和供电可靠性
    "nea:ledger.40": {"shanxi:task.2.8", "shanxi:ledger.task.9", "shanxi:ledger.task.9@2022"},
    "nea:ledger.45": {"shanxi:task.2.8", "shanxi:ledger.task.10", "shanxi:ledger.task.10@2021"},
    # 加大信息公开力度
    "nea:ledger.47": {"shanxi:ledger.task.11@2020"},
    "nea:ledger.48": {"shanxi:task.1.3", "shanxi:ledger.task.2", "shanxi:ledger.task.11"},
    # 强化组织实施
    "nea:ledger.51": {"shanxi:ledger.org.1@2020", "shanxi:schedule.1.3", "shanxi:org.1", "shanxi:ledger.org.1",
                      "shanxi:ledger.org.1@2021", "shanxi:ledger.org.1@2022"},
    "nea:ledger.54": {"shanxi:schedule.1.2"},
    "nea:ledger.56": {"shanxi:task.1.4", "shanxi:org.3", "shanxi:ledger.org.3", "shanxi:ledger.org.2"},
}

INDICATORS = {
    "nea:indicator.2": {"shanxi:goal.1", "shanxi:ledger.goal.1", "shanxi:ledger.goal.1@2020", "shanxi:ledger.task.2@2020"},
    "nea:indicator.19": {"shanxi:ledger.task.11@2020"},
    "nea:indicator.21": {"shanxi:ledger.task.11"},
    "nea:indicator.30": {"shanxi:schedule.1.3", "shanxi:ledger.org.1@2020", "shanxi:org.1", "shanxi:ledger.org.1",
                         "shanxi:ledger.org.1@2021"},
    "nea:indicator.33": {"shanxi:schedule.1.2"},
    "nea:indicator.38": {"shanxi:task.2.5", "shanxi:ledger.task.6", "shanxi:ledger.task.6@2021", "shanxi:ledger.task.6@2022"},
}


@pytest.mark.parametrize("row", sorted(ROWS))
def test_row_counterparts(base, row):
    assert _implementers(base, row) == ROWS[row]


@pytest.mark.parametrize("indicator", sorted(INDICATORS))
def test_indicator_counterparts(base, indicator):
    assert _measured(base, indicator) == INDICATORS[indicator]


def test_approval_time_is_not_the_other_goals(base):
    """nea:ledger.2 (approval time) is goal.1's sentence, not goal.0 (Three Zeros) or goal.2 (handling
    time), although all three implement 1479:goal.1; and it is partial (10kV, not 20kV及以下)."""
    found = _implementers(base, "nea:ledger.2")
    assert "shanxi:goal.0" not in found and "shanxi:goal.2" not in found
    assert all(_link(base, s, "implements", "nea:ledger.2").partial for s in found)
    assert not _link(base, "shanxi:goal.0", "implements", "nea:ledger.1").partial


def test_the_hotlines_are_only_in_the_2020_action(base):
    """The 12398/95598 sentence (row 47, indicator 19) is in ledger.task.11@2020 and nowhere in the body."""
    assert "shanxi:task.2.9" not in _implementers(base, "nea:ledger.47")
    assert "12398" in "".join(base.items["shanxi:ledger.task.11@2020"].pieces)
    assert "12398" not in "".join(base.items["shanxi:task.2.9"].pieces)


# --- notes, partial, conflicts -----------------------------------------------------------------

def test_every_item_level_link_has_a_note(base):
    links = _item_level(base)
    assert len(links) > 300
    assert all(l.note and l.note.strip() for l in links)


def _phrases(base, iid):
    return {d.phrase for d in base.items[iid].deadlines}


def test_every_conflict_quotes_both_items_deadline_phrases(base):
    conflicted = [l for l in base.links if l.conflict]
    assert conflicted
    for l in conflicted:
        quoted = QUOTED.findall(l.conflict)
        a, b = _phrases(base, l.src), _phrases(base, l.dst)
        assert quoted and set(quoted) <= a | b, (l.src, l.dst, quoted)
        assert set(quoted) & a and set(quoted) & b, (l.src, l.dst, quoted)
        # a conflict is between two dated items: an undated one has nothing to conflict with
        assert any(d.date for d in base.items[l.src].deadlines) and any(d.date for d in base.items[l.dst].deadlines)


@pytest.mark.parametrize("src,rel,dst,phrases", [
    ("nea:indicator.30", "measures", "nea:ledger.51", {"2020年底前", "2021年4月30日前"}),
    ("nea:indicator.36", "measures", "nea:ledger.49", {"2021年底前", "2022年底前"}),
    ("shanxi:org.2", "implements", "nea:ledger.53", {"2021年5月15日前", "2021年5月31日前"}),
    ("shanxi:goal.2", "implements", "nea:ledger.3", {"2020年底前", "2021年底前"}),
    ("shanxi:schedule.3", "implements", "nea:ledger.53", {"2021年5月15日前", "2022年10月-2022年12月"}),
    ("shanxi:task.2.4", "implements", "nea:ledger.27", {"2021年底前", "2021年8月前"}),
])
def test_known_date_conflicts(base, src, rel, dst, phrases):
    assert phrases <= set(QUOTED.findall(_link(base, src, rel, dst).conflict or ""))


def test_same_date_or_undated_links_carry_no_conflict(base):
    # same date (2021年底前) on both sides
    assert _link(base, "shanxi:goal.4", "implements", "nea:ledger.9").conflict is None
    # the body task is undated: nothing to compare
    assert _link(base, "shanxi:task.2.1", "implements", "nea:ledger.15").conflict is None
    # the clean-up of the rules is due 5月15日前 in both (indicator 32, the 2021 action)
    assert _link(base, "nea:indicator.32", "measures", "shanxi:ledger.org.2@2021").conflict is None


def test_org3_follows_the_ledger_pairing(base):
    """附表2 files 强化监督检查 in the row whose national column is 1479 （三）, so shanxi:org.3 implements
    1479:org.3; by content it also carries out 1479:org.2, a link that stays."""
    implements = {(l.src, l.dst) for l in base.links if l.rel == "implements"}
    assert ("shanxi:org.3", "1479:org.3") in implements and ("shanxi:org.3", "1479:org.2") in implements


def test_body_items_implement_the_1479_item_their_ledger_row_quotes(base):
    """Each Shanxi body item that is the same as a 附表2 row implements the 1479 item whose text is
    that row's national (国家内容) column."""
    by_text = {"".join(i.pieces): i.id for i in base.items.values() if i.doc == "1479"}
    implements = {(l.src, l.dst) for l in base.links if l.rel == "implements"}
    pairs = [(l.src, l.dst) for l in base.links if l.rel == "same-as"]
    assert pairs
    for body, row in pairs:
        national = by_text["".join(base.items[row].national)]
        assert (row, national) in implements, (row, national)
        assert (body, national) in implements, (body, national)


# --- the keys travel: loader, export, import, schema -------------------------------------------

def test_partial_and_conflict_in_the_export(base, tmp_path):
    from kb.export.formats import export_object
    from kb.loading.importer import read_export

    data = export_object(base)
    row = next(l for l in data["links"] if (l["from"], l["to"]) == ("shanxi:org.2", "nea:ledger.53"))
    assert row["partial"] is True and "2021年5月31日前" in row["conflict"]
    path = tmp_path / "kb.json"
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    tree = read_export(path)
    back = next(l for l in tree.links if (l.src, l.dst) == ("shanxi:org.2", "nea:ledger.53"))
    assert back.partial and back.conflict == row["conflict"]


def test_schema_rejects_a_non_boolean_partial(cli, tree_copy):
    links = tree_copy / "links.yaml"
    text = links.read_text(encoding="utf-8")
    old = "{from: shanxi:goal.1, rel: implements, to: nea:ledger.2, partial: true,"
    assert old in text
    links.write_text(text.replace(old, "{from: shanxi:goal.1, rel: implements, to: nea:ledger.2, partial: yes please,"),
                     encoding="utf-8")
    code, out, _ = cli("--policies", str(tree_copy), "check")
    assert code == 1 and "partial" in out


def test_implements_may_not_point_into_shanxi(cli, tree_copy):
    links = tree_copy / "links.yaml"
    text = links.read_text(encoding="utf-8")
    links.write_text(text.replace("links:\n", "links:\n  - {from: nea:ledger.2, rel: implements, to: shanxi:goal.1, note: x}\n", 1),
                     encoding="utf-8")
    code, out, _ = cli("--policies", str(tree_copy), "check")
    assert code == 1 and "nea:ledger.2 implements shanxi:goal.1" in out
