"""Field-scoped search: `text ~` reads the item's own statement, `national ~` the national column
a 附表2 row quotes, `standard ~` an indicator's completion standard; a bare term reads it all.
And `has-part (…)` / `within (…)`: a part matches, its whole is returned (or the other way)."""

from __future__ import annotations

import pytest

from tests.conftest import POLICIES


def _ids(q, text):
    return [r.id for r in q(text)]


def test_text_is_the_items_own_statement(q, base):
    """Shanxi's 附表2 row 11 quotes the national task (11) in its national column, which names the
    12398 hotline; the row's own words do not."""
    row = base.items["shanxi:ledger.task.11"]
    assert "12398" in "".join(row.national) and "12398" not in "".join(row.pieces)
    own = _ids(q, 'doc = shanxi and text ~ "12398"')
    national = _ids(q, 'doc = shanxi and national ~ "12398"')
    everything = _ids(q, 'doc = shanxi and "12398"')
    assert "shanxi:ledger.task.11" not in own
    assert "shanxi:ledger.task.11" in national
    assert set(own) | set(national) <= set(everything)
    assert "shanxi:ledger.task.11" in everything
    # what text ~ finds, its own statement says
    for iid in own:
        item = base.items[iid]
        assert "12398" in "".join(item.pieces) + (item.heading or "")
    for iid in national:
        assert "12398" in "".join(base.items[iid].national)


def test_chinese_terms_are_scoped_too(q, base):
    national = set(_ids(q, "doc = shanxi and national ~ 信息公开"))
    assert national and all("信息公开" in "".join(base.items[i].national) for i in national)
    own = set(_ids(q, "doc = shanxi and text ~ 信息公开"))
    assert all("信息公开" in "".join(base.items[i].pieces) + (base.items[i].heading or "") for i in own)
    # a term with punctuation is confirmed literally in that part alone
    for iid in _ids(q, "national ~ 信息公开、"):
        assert "信息公开、" in "".join(base.items[iid].national)


def test_standard_is_the_completion_standard(q, base):
    """NEA indicator 3's standard: 业务受理、供电方案答复和装表接电环节办理时间分别为1、3、2个工作日以内."""
    text = (POLICIES / "sources" / "nea-2021-03-29.txt").read_text(encoding="utf-8")
    assert "业务受理、供电方案答复和装表接电环节办理时间分别为1、3、2个工作日以内" in text
    found = _ids(q, "standard ~ 供电方案答复和装表接电")
    assert "nea:indicator.3" in found
    assert all(base.items[i].kind == "indicator" and base.items[i].standard for i in found)
    assert "nea:ledger.3" not in found


def test_has_part_returns_the_whole(q, base):
    """Phase 2 of the Shanxi schedule (组织落实阶段) has the step 建立通报机制, which asks for 总结报告…;
    the phase's own words do not."""
    phase, step = base.items["shanxi:schedule.2"], base.items["shanxi:schedule.2.3"]
    assert step.parent == phase.id and "总结" in step.text and "总结报告" not in phase.text
    rows = {r.id: r.to_dict() for r in q("kind = schedule-phase and has-part (text ~ 总结)")}
    assert "shanxi:schedule.2" in rows
    assert "shanxi:schedule.2.3" in rows["shanxi:schedule.2"]["parts"]
    assert "shanxi:schedule.2" not in _ids(q, "kind = schedule-phase and text ~ 总结")
    # the example of docs/query-language.md
    example = {r.id: r.to_dict()["parts"] for r in q("kind = schedule-phase and has-part (text ~ 总结报告)")}
    assert example == {"shanxi:schedule.2": ["shanxi:schedule.2.3"]}
    assert "总结报告" in step.text
    # every part listed matches, and is a part of its row
    for iid, row in rows.items():
        for part in row["parts"]:
            assert base.items[part].parent == iid and "总结" in base.items[part].text
    # within: the parts whose whole matches
    steps = _ids(q, "within (id = shanxi:schedule.2)")
    assert steps == [c for c in base.children["shanxi:schedule.2"]]


def test_has_part_with_dates_and_negation(q, base):
    """A ledger row whose 2020 year action is due by 2020-12-31; and rows with no year action."""
    with_2020 = set(_ids(q, "kind = task and has-part (due <= 2020-12-31)"))
    assert "shanxi:ledger.task.7" in with_2020
    none = set(_ids(q, "doc = shanxi and kind = task and not has-part (kind = action)"))
    assert "shanxi:ledger.task.7" not in none
    assert all(not base.children.get(i) or all(base.items[c].kind != "action" for c in base.children[i]) for i in none)


def test_part_syntax_errors(q):
    from kb.query.parse import QueryError

    with pytest.raises(QueryError) as e:
        q("has-part doc = nea")
    assert e.value.expected == ["("] and e.value.message == "'has-part' takes a condition in parentheses: has-part (…)"
    with pytest.raises(QueryError, match="'within' must be followed by a condition in parentheses"):
        q("doc = nea and within")
    with pytest.raises(QueryError, match="a '\\)' is missing"):
        q("within (doc = nea")
    # `within` is a keyword now; after `due` it is still answered with the form meant
    with pytest.raises(QueryError) as e:
        q("due within 2021")
    assert e.value.suggestions == ["due in 2021"]
