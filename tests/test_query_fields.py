"""Pinned examples for the fields that ask what traceability needs: mark, conflict, area classes
and their narrower classes, target alternatives, and the verdict inside a diff's where.
Expectations are read from the source texts (policies/sources/*.txt)."""

from __future__ import annotations

import re

from tests.conftest import POLICIES


def _source(name: str) -> str:
    return (POLICIES / "sources" / name).read_text(encoding="utf-8")


def test_mark_finds_the_starred_indicators(q):
    """The NEA indicator table stars seven indicators (a line '*21' and so on in the source)."""
    starred = re.findall(r"^\*(\d+)$", _source("nea-2021-03-29.txt"), flags=re.M)
    assert len(starred) == 7
    found = [r.id for r in q("mark = *")]
    assert sorted(found) == sorted(f"nea:indicator.{n}" for n in starred)
    assert {r.id for r in q("mark = any")} == set(found)
    assert not set(found) & {r.id for r in q("doc = nea and mark = none")}


def test_conflict_any_finds_both_ends_and_says_with_what(q, base):
    ends = {i for l in base.links if l.conflict for i in (l.src, l.dst)}
    found = {r.id: r.to_dict()["conflicts"] for r in q("conflict = any")}
    assert set(found) == ends
    # NEA row 53 wants the clean-up 「2021年5月15日前」; Shanxi wants its implementation plan 「2021年5月31日前」
    assert "2021年5月15日前" in _source("nea-2021-03-29.txt") and "2021年5月31日前" in _source("shanxi-2021.txt")
    withs = {c["with"] for c in found["nea:ledger.53"]}
    assert "shanxi:org.2" in withs
    assert "nea:ledger.53" in {c["with"] for c in found["shanxi:org.2"]}
    assert {r.id for r in q("conflict = shanxi:org.2")} == {"nea:ledger.53", "nea:indicator.31"}
    assert not ends & {r.id for r in q("conflict = none")}


def test_verdict_inside_a_diffs_where(base, q):
    """Shanxi cuts 未实行“三零”服务的… total handling time to 5, 15 and 25 working days where the
    national text says 6, 22 and 32: those pairs are stricter, and `where verdict = stricter`
    keeps exactly the stricter pairs of the whole diff."""
    shanxi = _source("shanxi-2021.txt")
    assert "分别压减至5个、15个、25个工作日以内" in shanxi and "分别压减至6个、22个、32个工作日以内" in _source("nea-2021-03-29.txt")
    whole = base.diff("1479", "shanxi")
    stricter = q("diff 1479 vs shanxi where verdict = stricter").diff
    assert stricter.targets and all(p.verdict == "stricter" for p in stricter.targets)
    assert [p.to_dict() for p in stricter.targets] == [p.to_dict() for p in whole.targets if p.verdict == "stricter"]
    handling = {(p.customer, p.national.value, p.provincial.value) for p in stricter.targets if p.metric == "total-handling-time"}
    assert handling == {("lv-nonres", 6, 5), ("hv-single", 22, 15), ("hv-dual", 32, 25)}
    # joined with an item condition, and negated
    not_same = q("diff 1479 vs shanxi where verdict != same").diff
    assert {p.verdict for p in not_same.targets} == {p.verdict for p in whole.targets} - {"same"}
    both = q("diff nea vs shanxi where verdict = stricter and metric = 合计办理时间").diff
    assert both.targets and {p.metric for p in both.targets} == {"total-handling-time"}


def test_verdict_errors(q):
    import pytest

    from kb.query.parse import QueryError

    with pytest.raises(QueryError, match="condition of a diff"):
        q("verdict = stricter")
    with pytest.raises(QueryError, match="unknown verdict 'stricte'") as e:
        q("diff 1479 vs shanxi where verdict = stricte")
    assert e.value.suggestions == ["stricter"]
    with pytest.raises(QueryError, match="inside or / not"):
        q("diff 1479 vs shanxi where verdict = stricter or doc = shanxi")


def test_diff_cli_verdict_filter_and_groups(cli, base):
    import json

    code, out, _ = cli("diff", "nea", "shanxi", "--verdict", "same,earlier", "--format", "json")
    data = json.loads(out)
    assert code == 0 and set(data["summary"]) == {"same", "earlier"}
    whole = base.diff("nea", "shanxi").summary()
    assert data["summary"] == {v: whole[v] for v in ("same", "earlier") if v in whole}
    code, _, err = cli("diff", "nea", "shanxi", "--verdict", "stricte")
    assert code == 2 and "stricter" in err
    # the table: groups in verdict order, each headed by its count
    code, table, _ = cli("diff", "nea", "shanxi")
    heads = [(v, n) for v, n in whole.items()]
    positions = [table.index(f"{v} ({n})") for v, n in heads]
    assert positions == sorted(positions)
    code, md, _ = cli("diff", "nea", "shanxi", "--format", "md")
    assert [line for line in md.splitlines() if line.startswith("### ") and "(" in line and ":" not in line] == \
        [f"### {v} ({n})" for v, n in heads]
