"""The terminal app, driven like a user drives it (Textual's Pilot) on the real knowledge base:
every test presses keys and types into inputs character by character, never sets a widget's
value, so what a user would meet (a field too narrow, a list with nothing highlighted) is met
here too. Queries, deadlines and diffs run in workers: `settle` waits for them.

Labels are compared through `tui.strings.text`, so the tests hold in either language."""

from __future__ import annotations

import asyncio
import functools
import json
import re
from datetime import date
from itertools import pairwise

import pytest
from rich.cells import cell_len
from textual.widgets import RadioButton

from tui import settings
from tui.app import PowerKBApp
from tui.strings import text
from tui.widgets.detail import DetailPane, LinkList
from tui.widgets.diff_view import TargetTable, TextPairTable
from tui.widgets.fitted_table import sort_key
from tui.widgets.query_bar import QueryBar
from tui.widgets.query_error import QueryErrorView
from tui.widgets.results import ResultsTable
from tui.widgets.timeline import MonthTable
from tests.tuikeys import settle, type_query, wait_for

AS_OF = date(2021, 6, 1)
CITY_QUERY = "due <= 2021-12 and unit = 市能源局"
LONG_BAD = "text ~ 刷脸办电 and doc = shanxi and unit = 市能源局 and role = lead and due <= 2021-13"


def async_test(fn):
    """Run an `async def` test on its own event loop (no asyncio plugin needed)."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return run


@pytest.fixture(autouse=True)
def user_dirs(tmp_path, monkeypatch):
    """Settings and history in a fresh place for every test (platformdirs reads XDG_*)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def app(base):
    return PowerKBApp(base, as_of=AS_OF)


async def focus(pilot, widget_type, limit: int = 12) -> None:
    """Press Tab until a widget of `widget_type` has the focus."""
    for _ in range(limit):
        if isinstance(pilot.app.focused, widget_type):
            return
        await pilot.press("tab")
    assert isinstance(pilot.app.focused, widget_type)


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
        assert table.row_count == len(rows) and text("rows", n=len(rows)) in str(table.border_title)
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
async def test_the_matched_unit_is_shown_first(app, base):
    async with app.run_test(size=(200, 50)) as pilot:
        await type_query(pilot, "unit = 市能源局 show items")  # item rows: the units column is the item's
        table = app.screen.query_one(ResultsTable)
        units_column = 2
        def leads(row):
            return [u["id"] for u in row.item["units"] if u["role"] == "lead"]

        crowded = [n for n, row in enumerate(table.payloads) if "city-energy-bureaus" in leads(row)[2:]]
        assert crowded, "some item lists 各市能源局 after two other lead units"
        for n in crowded:
            assert table.get_row_at(n)[units_column].plain.startswith("各市能源局")


@async_test
async def test_bad_queries_are_explained_under_the_bar_and_the_app_goes_on(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, "untt = 市能源局")
        error = app.screen.query_one(QueryErrorView)
        assert error.has_class("-shown")
        shown = str(error.render())
        assert "unknown field 'untt'" in shown
        assert "  untt = 市能源局\n  ^^^^" in shown
        assert "did you mean 'unit'?" in shown
        await type_query(pilot, "unit = 市能元局")
        shown = str(error.render())
        assert "unknown unit '市能元局'" in shown and "市能源局" in shown.split("did you mean")[1]
        assert app.is_running
        await type_query(pilot, CITY_QUERY)  # a good query clears the error and runs
        assert not error.has_class("-shown")
        assert app.screen.query_one(ResultsTable).row_count > 0


def caret_target(shown: str) -> str:
    """The text above the carets of a rendered error (lines 2 and 3), by terminal cells."""
    lines = shown.split("\n")
    query_line, caret_line = lines[1], lines[2]
    start = caret_line.index("^")
    width = caret_line.count("^")
    cells, out = 0, ""
    for ch in query_line:
        if start <= cells < start + width:
            out += ch
        cells += cell_len(ch)
    return out


@async_test
async def test_a_long_query_error_at_80_columns_points_at_the_right_words(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await type_query(pilot, LONG_BAD)
        view = app.screen.query_one(QueryErrorView)
        shown = str(view.render())
        lines = shown.split("\n")
        assert "'2021-13' is not a date" in lines[0]
        assert caret_target(shown) == "2021-13"
        assert max(cell_len(line) for line in lines[1:3]) <= view.content_region.width
        await pilot.resize_terminal(60, 24)
        await pilot.pause()
        assert caret_target(str(view.render())) == "2021-13"
        # an error early in the long query: the window starts at the query's start
        await type_query(pilot, "untt = 市能源局 and doc = shanxi and unit = 市能源局 and role = lead and due <= 2021-12")
        assert caret_target(str(view.render())) == "untt"


@async_test
async def test_no_matches_says_so_and_clears_the_item(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, CITY_QUERY)
        assert app.screen.current is not None
        await type_query(pilot, 'text ~ "no such words anywhere"')
        table = app.screen.query_one(ResultsTable)
        assert text("no-matches", query='text ~ "no such words anywhere"') in table.get_row_at(0)[0].plain
        assert app.screen.current is None
        assert app.screen.query_one(DetailPane).border_title == text("item")


@async_test
async def test_history_and_completion(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, "text ~ 电价")
        await type_query(pilot, "doc = nea")
        bar = app.screen.query_one(QueryBar)
        await pilot.press("slash", "ctrl+a", "ctrl+k")
        await pilot.press("up")
        assert bar.input.value == "doc = nea"
        await pilot.press("up")
        assert bar.input.value == "text ~ 电价"
        await pilot.press("down", "down")
        assert bar.input.value == ""
        # a unit after an operator: the list opens by itself; Tab takes it
        await pilot.press(*"due <= 2021-12 and unit = 市", "能")
        assert bar.completions.has_class("-open")
        assert str(bar.completions.get_option_at_index(0).prompt) == "市能源局"
        assert bar.input._suggestion == "due <= 2021-12 and unit = 市能源局"
        await pilot.press("tab")
        assert bar.input.value == "due <= 2021-12 and unit = 市能源局 "
        assert not bar.completions.has_class("-open")
        # inside free text and after a complete value: no list, however many words are typed
        await pilot.press(*"an")
        assert not bar.completions.has_class("-open")
        await pilot.press("ctrl+a", "ctrl+k", *"text ~ 电")
        assert not bar.completions.has_class("-open")
        # a group key after `group by`
        await pilot.press("ctrl+a", "ctrl+k", *"doc = shanxi group by u")
        assert bar.completions.has_class("-open")
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert app.screen.result.kind == "groups" and app.screen.result.group_by == "unit"
        # one Esc leaves the bar, even with the list open
        await pilot.press("slash", *" and")
        await pilot.press("escape")
        assert isinstance(app.focused, ResultsTable)


@async_test
async def test_history_is_kept_between_runs_and_a_corrupt_file_is_ignored(base, user_dirs):
    first = PowerKBApp(base, as_of=AS_OF)
    async with first.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, "doc = nea")
    assert settings.load_history()[-1] == "doc = nea"
    second = PowerKBApp(base, as_of=AS_OF)
    async with second.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", "up")
        assert second.screen.query_one(QueryBar).input.value == "doc = nea"
    settings.history_path().write_text("{not json", encoding="utf-8")
    settings.config_path().parent.mkdir(parents=True, exist_ok=True)
    settings.config_path().write_text("[1, 2", encoding="utf-8")
    third = PowerKBApp(base, as_of=AS_OF)
    async with third.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, "doc = shanxi")
        assert third.screen.result.kind == "rows"
    assert settings.load_history() == ["doc = shanxi"]


@async_test
async def test_theme_is_kept_between_runs(base):
    first = PowerKBApp(base, as_of=AS_OF)
    async with first.run_test(size=(120, 40)) as pilot:
        dark = first.current_theme.dark
        await pilot.press("t")
        assert first.current_theme.dark is not dark
    second = PowerKBApp(base, as_of=AS_OF)
    async with second.run_test(size=(120, 40)):
        assert second.current_theme.dark is not dark


@async_test
async def test_start_on_a_query(base):
    app = PowerKBApp(base, as_of=AS_OF, query="doc = shanxi and kind = goal")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        expected = base.query("doc = shanxi and kind = goal", as_of=AS_OF)
        assert listed(app.screen.query_one(ResultsTable)) == [(r.id, r.due) for r in expected.rows]


@async_test
async def test_search_hits_counts_and_groups_by_name_with_drill_down(app, base):
    async with app.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, "text ~ 电价")
        body = app.screen.query_one("#detail-body").content
        hits = [body.plain[s.start:s.end] for s in body.spans if s.style == "bold yellow"]
        assert hits and set(hits) == {"电价"}
        table = app.screen.query_one(ResultsTable)
        await type_query(pilot, "count doc = shanxi")
        assert table.get_row_at(0)[0].plain == str(base.query("count doc = shanxi").count)
        query = "count doc = shanxi group by unit"
        await type_query(pilot, query)
        grouped = base.query(query)
        shown = {table.get_row_at(n)[0].plain: int(table.get_row_at(n)[1].plain) for n in range(table.row_count)}
        assert shown == {grouped.labels[k]: n for k, n in grouped.groups}  # names, as the CLI prints them
        assert grouped.labels["sgcc-shanxi"] in shown and "sgcc-shanxi" not in shown
        # Enter on the second group: its rows
        await pilot.press("down", "enter")
        await settle(pilot)
        key = grouped.groups[1][0]
        assert app.screen.result.kind == "rows"
        assert app.screen.query_one(QueryBar).input.value == f'(doc = shanxi) and unit = "{grouped.labels[key]}"'
        assert all(r.item["doc"] == "shanxi" for r in app.screen.result.rows)
        assert len(app.screen.result.rows) >= grouped.groups[1][1]


@async_test
async def test_sort_a_table_by_a_column(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, "doc = shanxi group by kind")
        table = app.screen.query_one(ResultsTable)
        counts = lambda: [int(table.get_row_at(n)[1].plain) for n in range(table.row_count)]
        assert counts() != sorted(counts())  # the query orders groups by name here
        await pilot.press("o", "o", "o")  # first column up, then down, then the count column up
        assert counts() == sorted(counts())
        names = [table.get_row_at(n)[0].plain for n in range(table.row_count)]
        await pilot.press("o")
        assert counts() == sorted(counts(), reverse=True)
        assert sorted(names) == sorted(table.get_row_at(n)[0].plain for n in range(table.row_count))


# --- items, links, back -----------------------------------------------------------------

@async_test
async def test_open_an_item_follow_a_link_and_come_back(app, base):
    async with app.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, "id = shanxi:ledger.task.6")
        await pilot.press("enter")  # choose the row
        screen = app.screen
        assert screen.current == "shanxi:ledger.task.6"
        detail = screen.query_one(DetailPane)
        assert detail.border_title == "shanxi:ledger.task.6"
        body = screen.query_one("#detail-body").render().plain
        assert base.item("shanxi:ledger.task.6").summary in " ".join(body.split("\n"))
        from kb.render.i18n import label  # the pane draws main's item layout, labels zh by default

        assert label("item.national") == "国家文件栏" and label("item.national") in body
        assert "sources/shanxi-2021.txt" in body
        links = screen.query_one(LinkList)
        assert links.ids[:3] == ["shanxi:ledger.task.6@2020", "shanxi:ledger.task.6@2021", "shanxi:ledger.task.6@2022"]
        await focus(pilot, LinkList)
        await pilot.press("down", "enter")  # the first link is highlighted already: ↓ is the second
        await pilot.pause()
        assert screen.current == "shanxi:ledger.task.6@2021"
        assert detail.border_title == "shanxi:ledger.task.6@2021"
        assert screen.query_one(LinkList).ids[0] == "shanxi:ledger.task.6"  # its parent
        await pilot.resize_terminal(100, 30)  # the tables refill for the new width, quietly
        await pilot.pause()
        assert screen.current == "shanxi:ledger.task.6@2021"
        await focus(pilot, LinkList)
        await pilot.press("enter")  # Enter at once opens the first link (the parent)
        await pilot.pause()
        assert screen.current == "shanxi:ledger.task.6"
        await pilot.press("backspace")
        await pilot.pause()
        assert screen.current == "shanxi:ledger.task.6@2021"
        await pilot.press("alt+right")  # forward again
        await pilot.pause()
        assert screen.current == "shanxi:ledger.task.6"


@async_test
async def test_tree_opens_items_at_once_and_follows_the_detail(app):
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.screen.query_one("#tree")
        await pilot.pause()
        first_doc = tree.root.children[0]
        await pilot.press("enter")  # nothing pressed before: the first document is under the cursor
        await pilot.pause()
        assert first_doc.is_expanded
        while tree.cursor_node is None or not str(tree.cursor_node.label).startswith("nea "):
            await pilot.press("down")
        await pilot.press("enter", "down", "enter")  # open the document, then its first item
        await pilot.pause()
        assert app.screen.current == "nea:preamble"
        await type_query(pilot, "id = shanxi:ledger.task.6@2022 show items")  # the year action itself
        assert tree.cursor_node.data == "shanxi:ledger.task.6@2022"
        assert tree.cursor_node.parent.data == "shanxi:ledger.task.6"  # year actions under their row
        # the branches opened only to follow a preview close when the next one is elsewhere
        row = tree.cursor_node.parent
        await type_query(pilot, "id = nea:ledger.3")
        assert not row.is_expanded


@async_test
async def test_copy_sidebar_and_maximize(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, "id = shanxi:ledger.task.6")
        await pilot.press("y")
        assert app.clipboard == "shanxi:ledger.task.6"
        await pilot.press("ctrl+b")
        assert not app.screen.query_one("#tree").display
        await pilot.press("ctrl+b", "z")
        assert app.screen.maximized is app.screen.query_one(ResultsTable)
        await pilot.press("escape")
        assert app.screen.maximized is None


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
        await settle(pilot)
        screen = app.screen
        months = screen.query_one(MonthTable)
        assert months.payloads[0] == "2020-10" and months.payloads[-1] == "2022-12"
        entries = screen.query_one("#occurrences", ResultsTable)
        assert ("nea:notice.3", "2021-07-15") in listed(entries)  # a recurring half-year report
        await focus(pilot, MonthTable)
        await pilot.press(*["down"] * months.payloads.index("2021-07"))
        await pilot.pause()
        assert entries.payload(entries.cursor_row).due.startswith("2021-07")
        overdue = [r for r in entries.payloads if r.overdue]
        assert overdue and all(r.due < "2021-06-01" for r in overdue)
        assert text("overdue-sub", n=len(overdue), day="2021-06-01") == str(screen.query_one("#timeline").border_subtitle)
        await pilot.press("right_square_bracket")  # the range moves by a quarter
        await settle(pilot)
        assert (months.payloads[0], months.payloads[-1]) == ("2021-01", "2023-03")


@async_test
async def test_deadlines_as_of_field_is_typed_and_its_error_goes(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        entries = screen.query_one("#occurrences", ResultsTable)
        late = sum(r.overdue for r in entries.payloads)
        field = screen.query_one("#as-of")
        await pilot.press("a", *"2022-13-01", "enter")
        await settle(pilot)
        error = screen.query_one(QueryErrorView)
        assert error.has_class("-shown") and text("not-a-date", text="2022-13-01") in str(error.render())
        assert app.as_of == AS_OF
        await pilot.press("a", *"2021-06-01", "enter")  # the same date as before: the error still goes
        await settle(pilot)
        assert not error.has_class("-shown")
        await pilot.press("a", *"2022-01-01", "enter")
        await settle(pilot)
        assert app.as_of == date(2022, 1, 1)
        assert sum(r.overdue for r in entries.payloads) > late
        # the whole date is in view, after editing and after tabbing through
        assert field.value == "2022-01-01"
        assert field.content_region.width > len(field.value)
        assert field.scroll_x == 0
        await pilot.press("a", "tab")
        assert field.scroll_x == 0


@async_test
async def test_deadlines_unit_is_picked_from_the_list(app, base):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        entries = app.screen.query_one("#occurrences", ResultsTable)
        await pilot.press("u", "enter", *"各市能源局", "enter")
        await settle(pilot)
        # the timeline lists item occurrences (main's `items=True`)
        expected = base.query('due between 2020-10 and 2022-12 and unit = "各市能源局"', as_of=AS_OF, items=True)
        assert listed(entries) == [(r.id, r.due) for r in expected.rows]
        # choosing an occurrence opens its item on the main screen; Back returns to the deadlines
        await focus(pilot, ResultsTable)
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_mode == "main" and app.screen.current == expected.rows[0].id
        await pilot.press("backspace")
        await pilot.pause()
        assert app.current_mode == "deadlines"
        await pilot.press("escape")  # and Esc from there goes back to the main screen
        await pilot.pause()
        assert app.current_mode == "main"


# --- diff -------------------------------------------------------------------------------

@async_test
async def test_diff_screen_and_diff_queries(app, base):
    async with app.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, "id = nea:ledger.3")
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        targets = screen.query_one(TargetTable)
        pairs = targets.payloads
        hv_single = next(p for p in pairs if p.metric == "total-handling-time" and p.customer == "hv-single")
        assert (hv_single.national.value, hv_single.provincial.value, hv_single.verdict) == (22, 15, "stricter")
        row = targets.get_row_at(pairs.index(hv_single))
        assert row[0].plain == base.registries.metrics["total-handling-time"].zh  # names, not ids
        assert row[4].plain == text("v.stricter") and str(row[4].style) == "bold green"
        texts = screen.query_one(TextPairTable)
        await focus(pilot, TextPairTable)
        await pilot.press("down")
        await pilot.pause()
        head = screen.query_one("#clause-text").content.renderables[0]
        assert head.plain.startswith(texts.payloads[1].anchor)
        # swap: the engine keeps its order and says why; the selects show the pair shown
        before = (screen.diff.a, screen.diff.b)
        await pilot.press("s")
        await settle(pilot)
        assert (screen.diff.a, screen.diff.b) == before
        assert (screen.query_one("#doc-a").value, screen.query_one("#doc-b").value) == before
        # one verdict at a time
        await pilot.press("v")
        only = screen.only
        assert only and {p.verdict for p in targets.payloads} == {only}
        await pilot.press(*["v"] * len(screen.diff.summary()))
        assert screen.only is None and len(targets.payloads) == len(pairs)
        # a diff query lands here, narrowed, its `where` shown and kept on swap
        await pilot.press("1")
        await type_query(pilot, "diff 1479 vs shanxi where metric = 合计办理时间")
        assert app.current_mode == "diff"
        assert {p.metric for p in screen.diff.targets} == {"total-handling-time"}
        assert "metric = 合计办理时间" in screen.query_one("#diff-summary").content.plain
        await pilot.press("s")
        await settle(pilot)
        assert {p.metric for p in screen.diff.targets} == {"total-handling-time"}
        assert screen.where == "metric = 合计办理时间"
        # Esc goes back where we came from: the main screen, its item still there
        await pilot.press("escape")
        await pilot.pause()
        assert app.current_mode == "main"


@async_test
async def test_diff_selects_never_show_a_pair_not_shown(app, base):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        shown = (screen.diff.a, screen.diff.b)
        # the second select set to the first's document: refused, and the select goes back
        await focus(pilot, type(screen.query_one("#doc-b")))
        await pilot.press("enter")
        await pilot.pause()
        docs = list(base.documents)
        await pilot.press(*["up"] * len(docs), *["down"] * docs.index(shown[0]), "enter")
        await settle(pilot)
        assert (screen.diff.a, screen.diff.b) == shown
        assert (screen.query_one("#doc-a").value, screen.query_one("#doc-b").value) == shown


# --- export, help, palette, theme -------------------------------------------------------

@async_test
async def test_export_twice_writes_two_files_and_asks_before_overwriting(app, base, user_dirs):
    async with app.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, CITY_QUERY)
        await pilot.press("e")
        await pilot.pause()
        await pilot.click("#export-ok")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await pilot.click("#export-ok")
        await pilot.pause()
        files = sorted(user_dirs.glob("powerkb-results-*.json"))
        assert len(files) == 2
        expected = [(r.id, r.due) for r in base.query(CITY_QUERY, as_of=AS_OF).rows]
        for path in files:
            assert [(r["id"], r["due"]) for r in json.loads(path.read_text(encoding="utf-8"))] == expected
        # CSV, then typed over the first file: the dialog asks, the second press writes
        await pilot.press("e")
        await pilot.pause()
        await pilot.click(next(b for b in app.screen.query(RadioButton) if b.name == "csv"))
        await pilot.pause()
        path_field = app.screen.query_one("#export-path")
        assert path_field.value.endswith(".csv")
        await pilot.click("#export-path")
        await pilot.press("ctrl+a", "ctrl+k", *str(files[0]), "enter")
        await pilot.pause()
        assert text("overwrite", path=files[0]) in str(app.screen.query_one("#export-error").render())
        assert files[0].read_text(encoding="utf-8").startswith("[")
        await pilot.press("enter")
        await pilot.pause()
        assert files[0].read_text(encoding="utf-8").startswith("id,item,ids,due")
        assert not list(user_dirs.glob(".*.tmp"))  # written through the atomic writer
    # the format chosen is remembered for the next export, in the next run too
    assert settings.load_settings()["export_format"] == "csv"
    again = PowerKBApp(base, as_of=AS_OF)
    async with again.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, CITY_QUERY)
        await pilot.press("e")
        await pilot.pause()
        assert again.screen.query_one("#export-path").value.endswith(".csv")


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


def test_fresh_export_names_never_repeat(tmp_path):
    from datetime import datetime

    from tui.screens.export import fresh_path

    now = datetime(2021, 6, 1, 14, 32)
    first = fresh_path("powerkb-results", "json", tmp_path, now)
    assert first.name == "powerkb-results-20210601-1432.json"
    first.write_text("[]")
    second = fresh_path("powerkb-results", "json", tmp_path, now)
    assert second.name == "powerkb-results-20210601-1432-2.json"


@async_test
async def test_help_palette_and_theme(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f1")
        assert type(app.screen).__name__ == "HelpScreen"
        from tui.screens.help import keys_table

        described = list(keys_table(app).columns[2].cells)
        for words in (text("k.enter"), text("k.tab"), text("k.tree"), text("copy.tip"), text("sidebar.tip")):
            assert words in described
        await pilot.press("escape")
        assert type(app.screen).__name__ == "MainScreen"
        # the palette offers the actions (from the bindings) once each, and every item by id
        await pilot.press("ctrl+p", *text("help"))
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape", "ctrl+p", *"org.1")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.current.endswith(":org.1")
        dark = app.current_theme.dark
        await pilot.press("t")
        assert app.current_theme.dark is not dark


@async_test
async def test_palette_has_no_duplicates_and_finds_item_text(app, base):
    from tui.commands import PowerKBCommands

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p", *"quit")
        await pilot.pause(0.4)
        from textual.command import CommandList

        options = app.screen.query_one(CommandList)
        titles = [str(options.get_option_at_index(n).prompt).split("\n")[0] for n in range(options.option_count)]
        assert sum(1 for t in titles if t.strip().lower().startswith("quit") or t.strip() == text("quit")) == 1
        await pilot.press("escape")
        provider = PowerKBCommands(app.screen)
        titles = [t for t, _h, _c in provider._actions()]
        assert len(titles) == len(set(titles))
        hits = [hit async for hit in provider.search("电价")]
        found = {str(hit.text) for hit in hits}
        assert any(item.id in t for t in found for item in base.items.values() if "电价" in item.text)


@async_test
async def test_items_toggle_asks_for_items_when_the_engine_can(base):
    class WithItems:
        """The knowledge base as the `obligations` branch makes it: `query(..., items=)`."""

        def __init__(self, inner) -> None:
            self.inner, self.asked = inner, []

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def query(self, text, as_of=None, limit=None, items=False):
            self.asked.append(items)
            return self.inner.query(text, as_of=as_of, limit=limit)

    wrapped = WithItems(base)
    app = PowerKBApp(wrapped, as_of=AS_OF)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, "doc = nea")
        await pilot.press("i")
        await settle(pilot)
        assert wrapped.asked[-2:] == [False, True]
        assert text("items") in str(app.screen.query_one(ResultsTable).border_subtitle)


# --- pure helpers -----------------------------------------------------------------------

def test_completion_words_positions_and_quoting(base):
    from tui.completion import (
        apply,
        candidates,
        context_words,
        position,
        suggestion,
        vocabulary,
    )

    words = vocabulary(base)
    assert {"due", "unit", "overdue", "due-year", "shanxi", "市能源局", "city bureaus", "全过程办电时间"} <= set(words)
    assert candidates("due <= 2021-12 and un", words)[0] == "unit"
    assert "各市能源局" in candidates("unit = 能源局", words)  # contained, for Chinese
    assert "count" not in candidates("un", words)  # English matches at word starts only
    assert suggestion('for "city b', words) == 'for "city bureaus"'
    assert apply("unit = city", "city bureaus") == 'unit = "city bureaus"'
    assert suggestion("", words) is None
    assert [position(q) for q in ("", "doc = ", "due <= ", "text ~ ", "x group by ", "doc = shanxi an")] == \
        ["field", "value", None, None, "group", None]
    assert "unit" not in context_words("doc = ", words) and "shanxi" in context_words("doc = ", words)


def test_completion_uses_the_grammar_when_it_can(base):
    from kb.query.parse import accepts
    from tui.completion import context_words, vocabulary

    words = vocabulary(base)
    assert "市能源局" in context_words("unit = 市", words) and "and" not in context_words("unit = 市", words)
    # where main's grammar says nothing can follow, no list opens, whatever the position rules say
    assert accepts("doc = nea ) and unit = ") == []
    assert context_words("doc = nea ) and unit = 市", words) is None


def test_error_window_keeps_the_caret_under_its_words():
    from tui.widgets.query_error import window

    start = LONG_BAD.index("2021-13")
    for width in (30, 50, 70, 200):
        line, caret = window(LONG_BAD, start, start + 7, width)
        assert cell_len(line) <= width
        assert caret_target(f"x\n{line}\n{caret}") == "2021-13"


def test_fitted_columns_fill_the_width_and_drop_the_least_needed():
    from tui.widgets.fitted_table import Column, fit

    columns = [Column("id", 20), Column("units", 10, grow=1, drop=1), Column("text", 12, grow=4)]
    wide = fit(columns, 100, padding=1)
    assert sum(wide) + 2 * len(columns) == 100 and wide[2] > wide[1] > 10
    narrow = fit(columns, 40, padding=1)
    assert narrow[1] is None and narrow[0] + narrow[2] + 4 == 40
    shrinking = [Column("id", 25, least=14), Column("text", 12, least=6)]
    assert fit(shrinking, 40, padding=1) == [25, 11]  # the text gives way first
    assert fit(shrinking, 32, padding=1) == [22, 6]  # then the id


def test_drill_query_narrows_to_one_group():
    from tui.matching import drill_query

    assert drill_query("count doc = x group by unit", "unit", "u1", "某单位") == '(doc = x) and unit = "某单位"'
    assert drill_query("doc = x group by due-year", "due-year", "2021", None) == "(doc = x) and due in 2021"
    assert drill_query("group by kind", "kind", "goal", None) == 'kind = "goal"'
    assert drill_query("doc = x group by category", "category", None, None) is None
    assert re.fullmatch(r".*due in 2021-07", drill_query("doc = x group by due-month", "due-month", "2021-07", None))


def test_chinese_lines_never_break_inside_numbers():
    from rich.text import Text

    from tui.wrap import wrap_text

    sentence = ("——办电更省时。2021年底前，高压双电源用户供电企业办理用电报装业务合计时间分别压减至"
                "5个、15个、25个工作日以内。10kV高压电力接入")
    for width in range(12, 40):
        lines = wrap_text(Text(sentence), width).plain.split("\n")
        assert "".join(lines) == sentence
        assert all(cell_len(line) <= width for line in lines)
        for a, b in pairwise(lines):
            assert not (a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum()), (a, b)
            assert b[0] not in "，。、"


def test_units_cell_puts_the_matched_unit_first():
    from tui.widgets.results import units_cell

    item = {"units": [{"id": "a", "name": "甲", "role": "lead"}, {"id": "b", "name": "乙", "role": "lead"},
                      {"id": "c", "name": "丙", "role": "lead"}, {"id": "d", "name": "丁", "role": "cooperate"}]}
    assert units_cell(item).plain == "甲、乙等3个；协同1个"
    assert units_cell(item, {"c"}).plain == "丙、甲等3个；协同1个"
    assert units_cell(item, {"d"}).plain == f"{text('cooperating')}：丁；甲、乙等3个"


# --- a long result: its first rows at once, the rest behind them -------------------------

@pytest.fixture
def slow_rest(base, monkeypatch):
    """A query's first batch is 5 rows, and the worker's query for the whole result waits
    until the test lets it go (as a query over a large tree takes a while): the state between
    the two can be looked at. The main thread's own queries (an export) are not held."""
    import threading

    from tui.screens import main

    monkeypatch.setattr(main, "FIRST", 5)  # the real tree's results are shorter than 500
    asked, go = threading.Event(), threading.Event()
    query = base.query

    @functools.wraps(query)
    def held(text, *args, limit=None, **kwargs):
        if limit is None and threading.current_thread() is not threading.main_thread():
            asked.set()
            go.wait(20)
        return query(text, *args, limit=limit, **kwargs)

    monkeypatch.setattr(base, "query", held)
    yield asked, go
    go.set()


async def first_batch_shown(pilot, query: str, asked) -> None:
    """Type `query` and Enter; return once its first rows are drawn and the rest was asked for."""
    await pilot.press("slash")
    await pilot.pause()
    await pilot.press("ctrl+a", "ctrl+k", *query, "enter")
    await wait_for(pilot, asked.is_set)
    await wait_for(pilot, lambda: not pilot.app.screen.query_one(ResultsTable).filling)
    await pilot.pause()


@async_test
async def test_a_long_result_shows_its_first_rows_then_says_the_total_and_sorts_them_all(app, base, slow_rest):
    asked, go = slow_rest
    whole = [(r.id, r.due) for r in base.query("due in 2021", as_of=AS_OF).rows]
    assert len(whole) > 5
    async with app.run_test(size=(120, 40)) as pilot:
        await first_batch_shown(pilot, "due in 2021", asked)
        table = app.screen.query_one(ResultsTable)
        assert listed(table) == whole[:5] and table.row_count == 5
        assert text("first-batch", n=5) in str(table.border_title)
        assert app.screen.current == table.payloads[0].item_id  # the first row is previewed already
        await pilot.press("down", "down")
        cursor = table.cursor_row
        go.set()
        await settle(pilot)
        assert listed(table) == whole and table.row_count == len(whole)
        assert text("rows", n=len(whole)) in str(table.border_title)
        assert text("first-batch", n=5) not in str(table.border_title)
        assert table.cursor_row == cursor  # the rest came in behind the rows shown: nothing moved
        await pilot.press("o", "o")  # the id column, then the other way: over every row
        keys = [sort_key(table.cells_of(row)[0]) for row in table.payloads]  # the whole id, not as cut
        assert table.row_count == len(whole) and keys == sorted(keys, reverse=True)
        assert sorted(listed(table)) == sorted(whole)


@async_test
async def test_export_while_the_rest_is_fetched_writes_every_row(app, base, slow_rest, user_dirs):
    asked, go = slow_rest
    whole = [(r.id, r.due) for r in base.query("due in 2021", as_of=AS_OF).rows]
    async with app.run_test(size=(120, 40)) as pilot:
        await first_batch_shown(pilot, "due in 2021", asked)
        table = app.screen.query_one(ResultsTable)
        assert len(table.payloads) == 5
        await pilot.press("e")
        await pilot.pause()
        await pilot.click("#export-ok")
        await pilot.pause()
        (path,) = user_dirs.glob("powerkb-results-*.json")
        assert [(r["id"], r["due"]) for r in json.loads(path.read_text(encoding="utf-8"))] == whole
        assert text("rows", n=len(whole)) in str(table.border_title)  # the table has them all too
        go.set()
        await settle(pilot)  # the worker's own answer, now stale, changes nothing
        assert listed(table) == whole


@async_test
async def test_a_newer_query_replaces_one_whose_rest_is_being_fetched(app, base, slow_rest):
    asked, go = slow_rest
    async with app.run_test(size=(120, 40)) as pilot:
        await first_batch_shown(pilot, "due in 2021", asked)
        go.set()
        await type_query(pilot, CITY_QUERY)
        table = app.screen.query_one(ResultsTable)
        assert listed(table) == [(r.id, r.due) for r in base.query(CITY_QUERY, as_of=AS_OF).rows]
        assert text("first-batch", n=5) not in str(table.border_title)


@async_test
async def test_a_ranked_text_search_shows_its_best_rows_first_then_all(app, base, slow_rest):
    """A text search's rows come best match first: its first batch is the best five, in the
    order of the whole answer, and the rest follows behind them."""
    asked, go = slow_rest
    query = "text ~ 电价 or text ~ 供电"
    whole = [(r.id, r.due) for r in base.query(query, as_of=AS_OF).rows]
    assert len(whole) > 5
    async with app.run_test(size=(120, 40)) as pilot:
        await first_batch_shown(pilot, query, asked)
        table = app.screen.query_one(ResultsTable)
        assert listed(table) == whole[:5]
        go.set()
        await settle(pilot)
        assert listed(table) == whole
