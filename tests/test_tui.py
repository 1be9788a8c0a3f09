"""The terminal app, driven like a user drives it (Textual's Pilot) on the real knowledge base:
queries and their errors, items and links and Back, the deadline timeline, the diff, export,
help and the palette; and the pure helpers behind completion, export and the document tree."""

from __future__ import annotations

import asyncio
import functools
import json
from datetime import date

import pytest

from textual.widgets import RadioButton

from tui.app import PowerKBApp
from tui.widgets.detail import DetailPane, LinkList
from tui.widgets.diff_view import TargetTable, TextPairTable
from tui.widgets.query_bar import QueryBar
from tui.widgets.query_error import QueryErrorView
from tui.widgets.results import ResultsTable
from tui.widgets.timeline import MonthTable

AS_OF = date(2021, 6, 1)
CITY_QUERY = "due <= 2021-12 and unit = 市能源局"


def async_test(fn):
    """Run an `async def` test on its own event loop (no asyncio plugin needed)."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return run


@pytest.fixture
def app(base):
    return PowerKBApp(base, as_of=AS_OF)


async def type_query(pilot, text: str) -> None:
    """Press / and type `text` key by key, then Enter."""
    await pilot.press("slash", *text, "enter")
    await pilot.pause()


async def enter_query(pilot, text: str) -> None:
    """Put `text` in the query bar at once and press Enter (typing costs a Pilot pause a key)."""
    await pilot.press("slash")
    pilot.app.screen.query_one(QueryBar).set_query(text)
    await pilot.press("enter")
    await pilot.pause()


def listed(table) -> list[tuple[str, str | None]]:
    return [(row.id, row.due) for row in table.payloads]


# --- main screen: queries ---------------------------------------------------------------

@async_test
async def test_query_fills_the_table_with_the_query_rows(app, base):
    async with app.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, CITY_QUERY)
        table = app.screen.query_one(ResultsTable)
        rows = listed(table)
        # one row per obligation (a duty on a date), as the API answers by default
        assert rows == [(r.id, r.due) for r in base.query(CITY_QUERY, as_of=AS_OF).rows]
        shown = {row.item_id for row in table.payloads}
        assert {"shanxi:ledger.org.1@2021", "shanxi:ledger.task.5@2021"} <= shown
        assert any("shanxi:org.1" in row.ids for row in table.payloads)
        assert table.row_count == len(rows) and f"{len(rows)} rows" in str(table.border_title)
        # the cursor previews the first row's item in the detail pane
        assert app.screen.current == table.payloads[0].item_id


@async_test
async def test_show_items_lists_every_item(app, base):
    async with app.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, CITY_QUERY + " show items")
        table = app.screen.query_one(ResultsTable)
        items = [(r.id, r.due) for r in base.query(CITY_QUERY, as_of=AS_OF, items=True).rows]
        assert listed(table) == items
        assert len(items) > len(base.query(CITY_QUERY, as_of=AS_OF).rows)
        assert ("shanxi:org.1", "2021-06-30") in listed(table)


@async_test
async def test_bad_queries_are_explained_under_the_bar_and_the_app_goes_on(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await enter_query(pilot, "untt = 市能源局")
        error = app.screen.query_one(QueryErrorView)
        assert error.has_class("-shown")
        shown = str(error.render())
        assert "unknown field 'untt'" in shown
        assert "  untt = 市能源局\n  ^^^^" in shown
        assert "did you mean 'unit'?" in shown
        await enter_query(pilot, "unit = 市能元局")
        shown = str(error.render())
        assert "unknown unit '市能元局'" in shown and "市能源局" in shown.split("did you mean")[1]
        assert app.is_running
        # a good query clears the error and runs
        await enter_query(pilot, CITY_QUERY)
        assert not error.has_class("-shown")
        assert app.screen.query_one(ResultsTable).row_count > 0


@async_test
async def test_history_and_completion(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await enter_query(pilot, "text ~ 电价")
        await enter_query(pilot, "doc = nea")
        bar = app.screen.query_one(QueryBar)
        bar.focus_input()
        await pilot.press("up")
        assert bar.input.value == "doc = nea"
        await pilot.press("up")
        assert bar.input.value == "text ~ 电价"
        await pilot.press("down", "down")
        assert bar.input.value == ""
        # completion: a unit name, inline (grey) and in the list; Tab takes it
        bar.set_query("due <= 2021-12 and unit = 市")
        await pilot.press("能")
        assert bar.completions.has_class("-open")
        assert str(bar.completions.get_option_at_index(0).prompt) == "市能源局"
        assert bar.input._suggestion == "due <= 2021-12 and unit = 市能源局"
        await pilot.press("tab")
        assert bar.input.value == "due <= 2021-12 and unit = 市能源局 "
        assert not bar.completions.has_class("-open")
        # and a keyword
        bar.set_query(bar.input.value + "group by")
        await pilot.press("space", "u", "tab", "enter")
        await pilot.pause()
        assert app.screen.result.kind == "groups" and app.screen.result.group_by == "unit"


@async_test
async def test_search_hits_counts_and_groups(app, base):
    async with app.run_test(size=(120, 40)) as pilot:
        await enter_query(pilot, "text ~ 电价")
        body = app.screen.query_one("#detail-body").content
        hits = [body.plain[s.start:s.end] for s in body.spans if s.style == "bold yellow"]
        assert hits and set(hits) == {"电价"}
        table = app.screen.query_one(ResultsTable)
        await enter_query(pilot, "count doc = shanxi")
        assert table.get_row_at(0)[0].plain == str(base.query("count doc = shanxi").count)
        await enter_query(pilot, "doc = shanxi group by kind")
        groups = dict(base.query("doc = shanxi group by kind").groups)
        assert {table.get_row_at(n)[0].plain: int(table.get_row_at(n)[1].plain) for n in range(table.row_count)} == groups


# --- items, links, back -----------------------------------------------------------------

@async_test
async def test_open_an_item_follow_a_link_and_come_back(app, base):
    async with app.run_test(size=(120, 40)) as pilot:
        await enter_query(pilot, "id = shanxi:ledger.task.6")
        await pilot.press("enter")  # choose the row
        screen = app.screen
        assert screen.current == "shanxi:ledger.task.6"
        detail = screen.query_one(DetailPane)
        assert detail.border_title == "shanxi:ledger.task.6"
        body = screen.query_one("#detail-body").render().plain
        assert base.item("shanxi:ledger.task.6").summary in " ".join(body.split("\n"))
        from kb.render.i18n import label

        assert label("item.national") == "国家文件栏" and label("item.national") in body  # zh by default
        assert "sources/shanxi-2021.txt" in body
        links = screen.query_one(LinkList)
        assert links.ids[:3] == ["shanxi:ledger.task.6@2020", "shanxi:ledger.task.6@2021", "shanxi:ledger.task.6@2022"]
        links.focus()
        links.highlighted = 1
        await pilot.press("enter")
        await pilot.pause()
        assert screen.current == "shanxi:ledger.task.6@2021"
        assert detail.border_title == "shanxi:ledger.task.6@2021"
        assert screen.query_one(LinkList).ids[0] == "shanxi:ledger.task.6"  # its parent
        await pilot.resize_terminal(100, 30)  # the tables refill for the new width, quietly
        await pilot.pause()
        assert screen.current == "shanxi:ledger.task.6@2021"
        await pilot.press("backspace")
        await pilot.pause()
        assert screen.current == "shanxi:ledger.task.6"
        assert detail.border_title == "shanxi:ledger.task.6"
        assert screen.history == []


@async_test
async def test_tree_opens_items_and_follows_the_detail(app):
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.screen.query_one("#tree")
        while tree.cursor_node is None or not str(tree.cursor_node.label).startswith("nea "):
            await pilot.press("down")
        await pilot.press("enter", "down", "enter")  # open the document, then its first item
        await pilot.pause()
        assert app.screen.current == "nea:preamble"
        app.screen.show_item("shanxi:ledger.task.6@2022")
        await pilot.pause()
        assert tree.cursor_node.data == "shanxi:ledger.task.6@2022"
        assert tree.cursor_node.parent.data == "shanxi:ledger.task.6"  # year actions under their row


def test_outline_nests_items_under_sections_and_parents(base):
    from kb.analysis.outline import outline

    docs = outline(base)
    assert [d.label.split()[0] for d in docs] == list(base.documents)
    shanxi = docs[-1]
    placed = [n.item for n in shanxi.walk() if n.item]
    assert sorted(placed) == sorted(i for i in base.items if i.startswith("shanxi:"))
    row = next(n for n in shanxi.walk() if n.item == "shanxi:ledger.task.6")
    assert [c.item for c in row.children] == ["shanxi:ledger.task.6@2020", "shanxi:ledger.task.6@2021",
                                              "shanxi:ledger.task.6@2022"]
    section = next(n for n in shanxi.walk() if n.label == "二、工作任务" and any(c.label == "（二）供电企业" for c in n.children))
    assert "shanxi:task.2.5" in [n.item for n in section.walk()]


def test_related_lists_parent_children_and_links_both_ways(base):
    from kb.analysis.outline import related

    got = related(base, "shanxi:ledger.task.6@2021")
    assert got[0].relation == "parent" and got[0].id == "shanxi:ledger.task.6"
    for link in base.links:
        if link.rel == "implements":
            assert ("implements", link.dst) in [(r.relation, r.id) for r in related(base, link.src)]
            assert ("implemented-by", link.src) in [(r.relation, r.id) for r in related(base, link.dst)]
            break


# --- deadlines --------------------------------------------------------------------------

@async_test
async def test_deadlines_timeline(app, base):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        screen = app.screen
        months = screen.query_one(MonthTable)
        assert months.payloads[0] == "2020-10" and months.payloads[-1] == "2022-12"
        entries = screen.query_one("#occurrences", ResultsTable)
        assert ("nea:notice.3", "2021-07-15") in listed(entries)  # a recurring half-year report
        months.focus()
        months.move_cursor(row=months.payloads.index("2021-07"))
        await pilot.pause()
        assert entries.payload(entries.cursor_row).due.startswith("2021-07")
        overdue = [r for r in entries.payloads if r.overdue]
        assert overdue and all(r.due < "2021-06-01" for r in overdue)
        assert f"{len(overdue)} overdue as of 2021-06-01" in str(screen.query_one("#timeline").border_subtitle)
        # the range moves by a quarter
        await pilot.press("right_square_bracket")
        assert (months.payloads[0], months.payloads[-1]) == ("2021-01", "2023-03")
        late = sum(r.overdue for r in entries.payloads)
        # a later "as of" date: more is overdue, everywhere in the app; a bad date is explained
        await pilot.press("a")
        screen.query_one("#as-of").value = "2022-01-01"
        await pilot.press("enter")
        assert app.as_of == date(2022, 1, 1)
        assert sum(r.overdue for r in entries.payloads) > late
        await pilot.press("a")
        screen.query_one("#as-of").value = "2022-13-01"
        await pilot.press("enter")
        assert "not a date" in str(screen.query_one(QueryErrorView).render())
        assert app.as_of == date(2022, 1, 1)
        # the unit filter is the query language's: `due between ... and unit = X`
        await pilot.press("u", *"市能源局", "enter")
        expected = base.query('due between 2021-01 and 2023-03 and unit = "市能源局"', as_of=app.as_of, items=True)
        assert listed(entries) == [(r.id, r.due) for r in expected.rows]
        # choosing an occurrence opens its item on the main screen
        entries.move_cursor(row=0)
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_mode == "main" and app.screen.current == expected.rows[0].id


# --- diff -------------------------------------------------------------------------------

@async_test
async def test_diff_screen_and_diff_queries(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        screen = app.screen
        targets = screen.query_one(TargetTable)
        pairs = targets.payloads
        hv_single = next(p for p in pairs if p.metric == "total-handling-time" and p.customer == "hv-single")
        assert (hv_single.national.value, hv_single.provincial.value, hv_single.verdict) == (22, 15, "stricter")
        row = targets.get_row_at(pairs.index(hv_single))
        assert row[4].plain == "stricter" and str(row[4].style) == "bold green"
        texts = screen.query_one(TextPairTable)
        if texts.payloads:  # paired texts need the links of links.yaml
            texts.focus()
            texts.move_cursor(row=0)
            await pilot.pause()
            head = screen.query_one("#clause-text").content.renderables[0]
            assert head.plain.startswith(texts.payloads[0].anchor)
        # another pair of documents
        screen.query_one("#doc-a").value = "nea"
        await pilot.pause()
        assert (screen.diff.a, screen.diff.b) == ("nea", "shanxi")
        # a diff query on the main screen lands here, narrowed by its condition
        await enter_query(pilot, "diff 1479 vs shanxi where metric = 合计办理时间")
        await pilot.pause()
        assert app.current_mode == "diff"
        assert (screen.diff.a, screen.diff.b) == ("1479", "shanxi")
        assert {p.metric for p in screen.diff.targets} == {"total-handling-time"}


# --- export, help, palette, theme -------------------------------------------------------

@async_test
async def test_export_writes_json_that_parses(app, tmp_path, base):
    async with app.run_test(size=(120, 40)) as pilot:
        await enter_query(pilot, CITY_QUERY)
        await pilot.press("e")
        await pilot.pause()
        path = app.screen.query_one("#export-path")
        assert path.value.endswith("powerkb-results.json")
        path.value = str(tmp_path / "city.json")
        await pilot.click("#export-ok")
        await pilot.pause()
        data = json.loads((tmp_path / "city.json").read_text(encoding="utf-8"))
        assert [(r["id"], r["due"]) for r in data] == [(r.id, r.due) for r in base.query(CITY_QUERY, as_of=AS_OF).rows]
        await pilot.press("e")
        await pilot.pause()
        await pilot.click(next(b for b in app.screen.query(RadioButton) if b.name == "csv"))
        path = app.screen.query_one("#export-path")
        assert path.value.endswith("powerkb-results.csv")
        path.value = str(tmp_path / "city.csv")
        path.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert (tmp_path / "city.csv").read_text(encoding="utf-8").startswith("id,item,ids,due")


def test_export_formats(base, tmp_path):
    from tui.export import render, write

    result = base.query("doc = shanxi and kind = action limit 3", as_of=AS_OF)
    md = render(result, "md")
    assert md.count("\n| shanxi:ledger.") == 3
    diff = base.query("diff 1479 vs shanxi", as_of=AS_OF)
    assert render(diff, "md").startswith("# 比较：1479 与 shanxi")
    csv_text = render(diff, "csv")
    assert "total-handling-time,hv-single" in csv_text and "stricter" in csv_text
    path = write(diff, "json", tmp_path / "d.json")
    assert json.loads(path.read_text(encoding="utf-8"))["a"] == "1479"


@async_test
async def test_help_palette_and_theme(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert type(app.screen).__name__ == "MainScreen"
        # the palette offers the actions (from the bindings) and every item by id
        await pilot.press("ctrl+p", *"help")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape", "ctrl+p", *"org.1")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.current.endswith(":org.1")
        dark = app.current_theme.dark
        await pilot.press("t")
        assert app.current_theme.dark is not dark


# --- completion, pure -------------------------------------------------------------------

def test_completion_words_and_quoting(base):
    from tui.completion import apply, candidates, suggestion, vocabulary

    words = vocabulary(base)
    assert {"due", "unit", "overdue", "due-year", "shanxi", "市能源局", "city bureaus", "全过程办电时间"} <= set(words)
    assert candidates("due <= 2021-12 and un", words)[0] == "unit"
    assert "各市能源局" in candidates("unit = 能源局", words)  # contained, for Chinese
    assert "count" not in candidates("un", words)  # English matches at word starts only
    assert suggestion('for "city b', words) == 'for "city bureaus"'
    assert apply("unit = city", "city bureaus") == 'unit = "city bureaus"'
    assert suggestion("", words) is None


def test_fitted_columns_fill_the_width_and_drop_the_least_needed():
    from tui.widgets.fitted_table import Column, fit

    columns = [Column("id", 20), Column("units", 10, grow=1, drop=1), Column("text", 12, grow=4)]
    wide = fit(columns, 100, padding=1)
    assert sum(wide) + 2 * len(columns) == 100 and wide[2] > wide[1] > 10
    narrow = fit(columns, 40, padding=1)
    assert narrow[1] is None and narrow[0] + narrow[2] + 4 == 40
