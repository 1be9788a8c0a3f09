"""Obligations: restatements of one duty answer as one row (docs/obligations.md).

The duty of each 附表2 row is pinned from reading policies/links.yaml (which body paragraph is
`same-as` which row) and policies/documents/shanxi.yaml (each row's year actions are its
children). Subject-aware matching and stated-vs-inferred are checked on small fixture trees: the
real tree with a few deadlines and memberships filled in."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest


ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2021, 6, 1)
CITY = "due <= 2021-12 and unit = 市能源局"


def actions(row: str) -> list[str]:
    return [f"shanxi:{row}", *(f"shanxi:{row}@{y}" for y in (2020, 2021, 2022))]


# Each 附表2 row with the body paragraphs links.yaml declares same-as it. shanxi:task.2.8 is
# split over two rows (its first sentences are ledger.task.9, the rest ledger.task.10), so it
# belongs to both duties without joining them.
LEDGER_DUTIES = {
    "ledger.goal.1": ["shanxi:goal.1", "shanxi:goal.2"],
    "ledger.goal.2": ["shanxi:goal.3"],
    "ledger.goal.3": ["shanxi:goal.4"],
    "ledger.goal.4": ["shanxi:goal.5"],
    "ledger.task.1": ["shanxi:task.2.1"],
    "ledger.task.2": ["shanxi:task.1.3"],
    "ledger.task.3": ["shanxi:task.2.2"],
    "ledger.task.4": ["shanxi:task.2.3"],
    "ledger.task.5": ["shanxi:task.1.1", "shanxi:task.1.2", "shanxi:task.2.4"],
    "ledger.task.6": ["shanxi:task.2.5"],
    "ledger.task.7": ["shanxi:task.2.6"],
    "ledger.task.8": ["shanxi:task.2.7"],
    "ledger.task.9": ["shanxi:task.2.8"],
    "ledger.task.10": ["shanxi:task.2.8"],
    "ledger.task.11": ["shanxi:task.2.9"],
    "ledger.task.12": ["shanxi:task.2.10"],
    "ledger.org.1": ["shanxi:org.1"],
    "ledger.org.2": ["shanxi:org.2"],
    "ledger.org.3": ["shanxi:org.3", "shanxi:org.4"],
}


def test_the_ledger_has_nineteen_rows(base):
    rows = [i for i in base.items.values() if i.doc == "shanxi" and i.ref.startswith("ledger.") and not i.parent]
    assert sorted(i.ref for i in rows) == sorted(LEDGER_DUTIES)


@pytest.mark.parametrize("row", sorted(LEDGER_DUTIES))
def test_each_ledger_row_is_one_duty_with_its_restatements(qo, row):
    result = qo(f"id = shanxi:{row}")
    (duty,) = result.rows
    assert duty.id == duty.duty == f"shanxi:{row}"
    assert duty.item_id == f"shanxi:{row}"  # a duty row shows the row itself
    assert duty.ids == LEDGER_DUTIES[row] + actions(row)


def test_a_body_paragraph_answers_with_its_duty(qo):
    # the body paragraph split over two rows answers with both duties, never as one
    assert sorted(r.id for r in qo("id = shanxi:task.2.8").rows) == ["shanxi:ledger.task.10", "shanxi:ledger.task.9"]
    # a year action answers with its row's duty
    assert [r.id for r in qo("id = shanxi:ledger.org.1@2021").rows] == ["shanxi:ledger.org.1"]
    # a schedule step with its phase
    assert [r.id for r in qo("id = shanxi:schedule.1.2").rows] == ["shanxi:schedule.1"]
    assert qo("id = shanxi:schedule.1").rows[0].ids == [f"shanxi:schedule.1{s}" for s in ("", ".1", ".2", ".3")]


def test_notes_and_unlinked_items_stand_alone(qo):
    assert [r.ids for r in qo("id = shanxi:table1.note.1").rows] == [["shanxi:table1.note.1"]]
    assert [r.ids for r in qo("id = shanxi:task.1.4").rows] == [["shanxi:task.1.4"]]
    assert [r.ids for r in qo("id = nea:ledger.23").rows] == [["nea:ledger.23"]]


# --- the Quickstart question ------------------------------------------------------------------

# "What is due by 2021-12 for city bureaus?" one line per duty and date. Pinned from reading
# policies/documents/shanxi.yaml and links.yaml as they are now:
# * the quarterly report of 四、组织保障（一） (shanxi:org.1 = ledger.org.1 = the row's 2021 action)
#   names its subjects (各市能源局, reporting to 省能源局 and 山西能源监管办): one row per quarter-end,
#   keyed by those subjects;
# * a row's year action and the row's own deadline on the same date are one row, unless the row's
#   deadline names other subjects: ledger.goal.1's 2021年底前 binds 各供电企业, ledger.goal.2's
#   相关部门, so those rows are not among the city bureaus' 2021-12-31 duties;
# * ledger.org.3@2020 binds the supply companies only (not the city bureaus); ledger.org.3@2021
#   names 各市能源局 and 省能源局;
# * 「2021年8月前」 (ledger.task.5, task.2.4) is an inferred reading (basis: inferred): no 08-31 row
#   unless with_inferred.
QUICKSTART = [
    ("shanxi:ledger.goal.1#2020-12-31", ["shanxi:goal.1", "shanxi:ledger.goal.1", "shanxi:ledger.goal.1@2020"]),
    ("shanxi:ledger.goal.2#2020-12-31", ["shanxi:goal.3", "shanxi:ledger.goal.2", "shanxi:ledger.goal.2@2020"]),
    ("shanxi:ledger.task.2#2020-12-31", ["shanxi:ledger.task.2@2020"]),
    ("shanxi:ledger.task.5#2020-12-31", ["shanxi:ledger.task.5@2020"]),
    ("shanxi:ledger.task.10#2020-12-31", ["shanxi:ledger.task.10@2020"]),
    ("shanxi:ledger.org.1#2020-12-31", ["shanxi:ledger.org.1@2020"]),
    ("shanxi:ledger.org.1#2021-06-30#city-energy-bureaus", ["shanxi:org.1", "shanxi:ledger.org.1", "shanxi:ledger.org.1@2021"]),
    ("shanxi:ledger.org.1#2021-09-30#city-energy-bureaus", ["shanxi:org.1", "shanxi:ledger.org.1", "shanxi:ledger.org.1@2021"]),
    ("shanxi:ledger.org.1#2021-12-31#city-energy-bureaus", ["shanxi:org.1", "shanxi:ledger.org.1", "shanxi:ledger.org.1@2021"]),
    ("shanxi:ledger.goal.1#2021-12-31", ["shanxi:goal.1", "shanxi:goal.2", "shanxi:ledger.goal.1@2021"]),
    ("shanxi:ledger.goal.2#2021-12-31", ["shanxi:ledger.goal.2@2021"]),
    ("shanxi:ledger.task.2#2021-12-31", ["shanxi:ledger.task.2@2021"]),
    ("shanxi:ledger.task.5#2021-12-31", ["shanxi:task.2.4", "shanxi:ledger.task.5", "shanxi:ledger.task.5@2021"]),
    ("shanxi:ledger.task.10#2021-12-31", ["shanxi:ledger.task.10@2021"]),
    ("shanxi:ledger.org.1#2021-12-31", ["shanxi:ledger.org.1@2021"]),
    ("shanxi:ledger.org.3#2021-12-31#city-energy-bureaus+shanxi-energy-bureau", ["shanxi:ledger.org.3@2021"]),
]

# The item rows of the same question, which --items must keep (one per item and stated date;
# an item matches on any of its units, so the rows a cooperating unit or another subject has are here).
QUICKSTART_ITEMS = [
    ("shanxi:ledger.goal.1", "2020-12-31"), ("shanxi:ledger.goal.1@2020", "2020-12-31"),
    ("shanxi:ledger.goal.2", "2020-12-31"), ("shanxi:ledger.goal.2@2020", "2020-12-31"),
    ("shanxi:ledger.task.2@2020", "2020-12-31"), ("shanxi:ledger.task.5@2020", "2020-12-31"),
    ("shanxi:ledger.task.9@2020", "2020-12-31"), ("shanxi:ledger.task.10@2020", "2020-12-31"),
    ("shanxi:ledger.org.1@2020", "2020-12-31"), ("shanxi:ledger.org.3@2020", "2020-12-31"),
    ("shanxi:org.1", "2021-06-30"), ("shanxi:ledger.org.1", "2021-06-30"), ("shanxi:ledger.org.1@2021", "2021-06-30"),
    ("shanxi:org.1", "2021-09-30"), ("shanxi:ledger.org.1", "2021-09-30"), ("shanxi:ledger.org.1@2021", "2021-09-30"),
    ("shanxi:org.1", "2021-12-31"), ("shanxi:ledger.goal.1", "2021-12-31"), ("shanxi:ledger.goal.1@2021", "2021-12-31"),
    ("shanxi:ledger.goal.2", "2021-12-31"), ("shanxi:ledger.goal.2@2021", "2021-12-31"),
    ("shanxi:ledger.task.2@2021", "2021-12-31"), ("shanxi:ledger.task.5", "2021-12-31"),
    ("shanxi:ledger.task.5@2021", "2021-12-31"), ("shanxi:ledger.task.9@2021", "2021-12-31"),
    ("shanxi:ledger.task.10@2021", "2021-12-31"), ("shanxi:ledger.org.1", "2021-12-31"),
    ("shanxi:ledger.org.1@2021", "2021-12-31"), ("shanxi:ledger.org.3@2021", "2021-12-31"),
]


def test_quickstart_gives_one_line_per_duty_and_date(qo):
    result = qo(CITY)
    assert [(r.id, r.ids) for r in result.rows] == QUICKSTART
    assert [r.due for r in result.rows] == [i.split("#")[1] for i, _ in QUICKSTART]
    assert len(result.rows) < len(QUICKSTART_ITEMS)
    quarterly = [r for r in result.rows if r.duty == "shanxi:ledger.org.1" and r.due_phrase == "每季度末报送进展情况"]
    assert [r.due for r in quarterly] == ["2021-06-30", "2021-09-30", "2021-12-31"]
    # the text shown is the most specific statement: the row's 2021 action
    assert {r.item_id for r in quarterly} == {"shanxi:ledger.org.1@2021"}
    # whom it binds and whom it reports to: as the deadline names them (各市能源局 → 省能源局、山西能源监管办)
    assert [s["id"] for s in quarterly[0].subjects] == ["city-energy-bureaus"]
    assert [s["id"] for s in quarterly[0].recipients] == ["shanxi-energy-bureau", "shanxi-ero"]
    # a deadline naming no subjects binds the lead units of its statement
    year_end = next(r for r in result.rows if r.id == "shanxi:ledger.org.1#2021-12-31")
    assert {"city-energy-bureaus", "shanxi-energy-bureau"} <= {s["id"] for s in year_end.subjects}


def test_subjects_are_leads_not_cooperating_units(qo, q):
    # 各市能源局 only cooperate on ledger.task.9: the item view lists it, the obligations do not
    assert ("shanxi:ledger.task.9@2021", "2021-12-31") in [(r.id, r.due) for r in q(CITY).rows]
    assert not any(r.duty == "shanxi:ledger.task.9" for r in qo(CITY).rows)
    # without a due condition, unit = X still matches every unit of the item
    assert "shanxi:ledger.task.9" in [r.id for r in qo("unit = 市能源局 and doc = shanxi").rows]


def test_items_reproduce_todays_rows(q, cli):
    assert [(r.id, r.due) for r in q(CITY).rows] == QUICKSTART_ITEMS
    code, out, _ = cli("query", CITY, "--as-of", "2021-06-01", "--format", "json", "--items")
    assert code == 0
    rows = json.loads(out)
    assert [(r["id"], r["due"]) for r in rows] == QUICKSTART_ITEMS
    assert rows == q(CITY).to_dict()
    # the query keyword says the same
    assert [(r.id, r.due) for r in q(CITY + " show items").rows] == QUICKSTART_ITEMS


def test_show_items_keyword(qo):
    assert qo(CITY + " show items").view == "items"
    assert [(r.id, r.due) for r in qo(CITY + " show items").rows] == QUICKSTART_ITEMS
    assert qo(CITY).view == "obligations"


def test_api_and_cli_json_agree_and_follow_the_schema(qo, cli):
    schema = json.loads((ROOT / "docs" / "schema" / "obligation-v1.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    code, out, _ = cli("query", CITY, "--as-of", "2021-06-01", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert rows == qo(CITY).to_dict()
    assert [(r["id"], r["ids"]) for r in rows] == QUICKSTART
    for row in rows + qo("doc = shanxi").to_dict():
        jsonschema.validate(row, schema)
    first = rows[6]
    assert first["item"] == "shanxi:ledger.org.1@2021" and first["due"] == "2021-06-30"
    assert "每季度末报送进展情况" in first["clause"] and first["clause"] in first["text"]


def test_csv_and_table_have_one_line_per_obligation(cli):
    import csv
    import io

    code, out, _ = cli("query", CITY, "--as-of", "2021-06-01", "--format", "csv")
    lines = list(csv.reader(io.StringIO(out)))
    assert code == 0 and lines[0][:4] == ["id", "item", "ids", "due"]
    assert [(r[0], r[2].split()) for r in lines[1:]] == QUICKSTART
    code, out, _ = cli("query", CITY, "--as-of", "2021-06-01")
    from kb.render.labels import label

    assert code == 0 and label("query.obligations", n=len(QUICKSTART)) in out


def test_count_and_group_count_obligations(qo, q):
    assert qo("count " + CITY).count == len(QUICKSTART)
    assert q("count " + CITY).count == len(QUICKSTART_ITEMS)
    from collections import Counter

    groups = dict(qo(CITY + " group by due-year").groups)
    assert groups == dict(Counter(i.split("#")[1][:4] for i, _ in QUICKSTART))
    assert dict(q(CITY + " group by due-year").groups) == dict(Counter(d[:4] for _, d in QUICKSTART_ITEMS))
    # no same-as links and no children in the NEA notice: as many obligations as items
    assert qo("count doc = nea").count == q("count doc = nea").count == 105


@pytest.mark.parametrize("n", [1, 2, 3, 8, 16, 17, 40])
def test_limit_counts_obligations(qo, n):
    # a limit asks SQL for a few rows per obligation first, for all rows when those collapse too much
    assert [r.id for r in qo(f"{CITY} limit {n}").rows] == [i for i, _ in QUICKSTART[:n]]
    assert [r.id for r in qo(CITY, limit=n).rows] == [i for i, _ in QUICKSTART[:n]]


# --- subjects, recipients, inferred facts, written roles: as the policy files state them ---------

REPORTERS = ["shanxi:org.1", "shanxi:ledger.org.1", "shanxi:ledger.org.1@2021"]
SGCC = "due <= 2021-12 and unit = 国网山西省电力公司"


def test_a_quarterly_report_binds_its_subjects_only(qo, q):
    duties = [(r.duty, r.due, r.due_phrase) for r in qo(SGCC).rows if r.duty == "shanxi:ledger.org.1"]
    # the year actions (no subjects of their own: the row's leads, sgcc among them) are there ...
    assert ("shanxi:ledger.org.1", "2020-12-31", "2020年") in duties
    # ... the quarterly reports of 各市能源局 are not
    assert not [d for d in duties if d[2] == "每季度末报送进展情况"]
    # the item view: unit matches every unit of the item
    assert ("shanxi:ledger.org.1", "2021-06-30") in [(r.id, r.due) for r in q(SGCC).rows]
    # without a due condition, unit = X matches the item's units
    assert "shanxi:ledger.org.1" in [r.id for r in qo("unit = 国网山西省电力公司 and doc = shanxi").rows]


def test_the_subjects_see_their_reports_once_per_quarter(qo):
    reports = [r for r in qo(CITY).rows if r.due_phrase == "每季度末报送进展情况"]
    assert [r.id for r in reports] == [f"shanxi:ledger.org.1#{d}#city-energy-bureaus"
                                       for d in ("2021-06-30", "2021-09-30", "2021-12-31")]
    assert all(r.ids == REPORTERS for r in reports)


def test_recipient_field(qo, q, base):
    got = qo("due <= 2021-12 and recipient = 省能源局").rows
    # every occurrence whose deadline names 省能源局 as recipient, once per duty and date
    assert [r.id for r in got if r.duty == "shanxi:ledger.org.1"] == [
        f"shanxi:ledger.org.1#{d}#city-energy-bureaus" for d in ("2021-06-30", "2021-09-30", "2021-12-31")]
    assert all("shanxi-energy-bureau" in [p["id"] for p in r.recipients] for r in got)
    # without a due condition (item view): the items with a deadline addressed to it, from the tree
    expected = [i.id for i in base.items.values()
                if any(p.unit == "shanxi-energy-bureau" for dl in i.deadlines for p in dl.recipients)]
    assert expected and [r.id for r in q("recipient = 省能源局").rows] == expected


def test_inferred_dates_only_when_asked(qo, q):
    # 「2021年8月前」 read as by 08-31 is an inference (basis: inferred in shanxi.yaml)
    text = "due in 2021-08 and doc = shanxi"
    assert qo(text).rows == []
    got = qo(text, with_inferred=True)
    assert [(r.id, r.inferred) for r in got.rows] == [("shanxi:ledger.task.5#2021-08-31", True)]
    row = got.rows[0].to_dict()
    assert row["inferred"] is True and row["basis"] == "inferred" and "8月前" in row["reason"]
    # the item view too: stated dates only by default
    assert q(text).rows == []


def test_inferred_dates_in_the_item_view(base):
    text = "due in 2021-08 and doc = shanxi"
    got = base.query(text, as_of=AS_OF, items=True, with_inferred=True)
    assert [(r.id, r.inferred) for r in got.rows] == [
        ("shanxi:task.2.4", True), ("shanxi:ledger.task.5", True), ("shanxi:ledger.task.5@2021", True)]


def test_inferred_memberships_only_when_asked(qo):
    # units.yaml: 国网山西省电力公司 among 各供电企业 is inferred (no source lists it)
    stated = {r.id for r in qo(SGCC).rows}
    got = {r.id: r for r in qo(SGCC, with_inferred=True).rows}
    assert "nea:ledger.3#2020-12-31" not in stated
    row = got["nea:ledger.3#2020-12-31"]
    assert row.inferred and "sgcc-shanxi in power-suppliers (national)" in row.to_dict()["reason"]
    assert stated <= set(got) and not any(got[i].inferred for i in stated)


# --- roles as written ---------------------------------------------------------------------------

def test_written_roles(q, base):
    def having(pred):
        return [i.id for i in base.items.values() if any(pred(r) for r in i.units)]

    for word in ("牵头", "负责", "配合", "协同"):
        assert [r.id for r in q(f"role = {word}").rows] == having(lambda r, w=word: r.written_role == w)
    assert q("role = 牵头").rows  # the sources use the word
    # lead keeps meaning the lead role, whatever the word
    assert [r.id for r in q("role = lead").rows] == having(lambda r: r.role == "lead")
    assert [r.id for r in q("column = 协同推进单位").rows] == having(lambda r: r.column == "协同推进单位")


# --- ICS titles ---------------------------------------------------------------------------------

def test_ics_titles_come_from_the_deadlines_own_clause(base):
    import re

    from kb.export.ics import events, summary_line

    checked = 0
    for _uid, item, dl in events(base.items.values()):
        if dl.phrase not in item.text:
            continue
        # the sentences of the text (cut after 。；！？ or a line break) that contain the phrase
        sentences = [x.strip() for x in re.split(r"(?<=[。；;！？!?\n])", item.text) if dl.phrase in x]
        shown = summary_line(item, dl).removeprefix(item.id + " ").removesuffix("…")
        assert any(x.startswith(shown) for x in sentences), (item.id, dl.phrase, shown)
        checked += 1
    assert checked > 50
    # an event on 2020-12-31 was titled with the row's first sentence, 「2021年底前……」
    ledger = base.item("shanxi:ledger.goal.2")
    dl2020 = next(d for d in ledger.deadlines if d.date == date(2020, 12, 31))
    assert summary_line(ledger, dl2020).startswith("shanxi:ledger.goal.2 2020年底前已实现")
    goal3 = base.item("shanxi:ledger.goal.3")
    dl2022 = next(d for d in goal3.deadlines if d.date == date(2022, 12, 31))
    assert summary_line(goal3, dl2022).startswith("shanxi:ledger.goal.3 2022年底前，全省范围内")


def test_show_prints_both_readings(cli, base):
    """`show` (main's one item layout, kb.render.item) prints an inferred date with its reason and
    every other reading the phrase allows: what obligations' `readings_lines` printed."""
    item = base.item("shanxi:task.2.4")
    dl = next(d for d in item.deadlines if d.phrase == "2021年8月前")
    code, out, _ = cli("show", item.id)
    assert code == 0
    flat = "".join(out.split())  # the layout may wrap a long reason
    assert dl.basis == "inferred" and "".join(dl.reason.split()) in flat
    for other in dl.other_readings:
        assert "".join(f"{other.date.isoformat()} ({other.reason})".split()) in flat
