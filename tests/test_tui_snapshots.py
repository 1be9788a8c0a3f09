"""What each screen looks like (SVG snapshots, pytest-textual-snapshot), on the fixture tree
tests/fixtures/tui-tree (two fictional documents) as of a fixed date, so that a change to the
real policies never changes a snapshot. The main screen is taken at 80x24, 120x40 and 200x50 so
that Chinese text is seen to wrap inside its pane at every size; the deadlines and diff screens at
80x24, where they used to run off the edge; the light theme; a long query error at 80 columns.

Every snapshot is reached by keys, as a user reaches it. After a deliberate change of the
screens, regenerate with `pytest tests/test_tui_snapshots.py --snapshot-update` and look at the
new SVGs before committing them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tui.app import PowerKBApp
from tests.tuikeys import settle, type_query

AS_OF = date(2021, 6, 1)
TREE = Path(__file__).parent / "fixtures" / "tui-tree"
# item rows (`show items`): on main a `unit = X` with `due` matches obligations by their subjects,
# and 虚构省能源局 only cooperates here; the item rows show it first in the units column
QUERY = "due <= 2022-12 and unit = 虚构省能源局 show items"
LONG_BAD = "text ~ 临时用电 and doc = xugou and unit = 国网虚构省电力公司 and role = lead and due <= 2021-13"


@pytest.fixture(autouse=True)
def user_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("POWERKB_LANG", "zh")


@pytest.fixture(scope="module")
def tree_base():
    import kb

    # A small tree of its own (tests/fixtures/tui-tree): what the snapshots show does not change
    # when the real policies do. It passes `powerkb check`, so it is served like any tree.
    return kb.load(TREE)  # the fixture tree passes `powerkb check`, like any tree that is served


def make(base) -> PowerKBApp:
    return PowerKBApp(base, as_of=AS_OF)


async def query_and_open(pilot) -> None:
    """Run the query, then choose its second row (an item with linked items)."""
    await type_query(pilot, QUERY)
    await pilot.press("down", "enter")
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)], ids=["80x24", "120x40", "200x50"])
def test_main_screen(snap_compare, tree_base, size):
    assert snap_compare(make(tree_base), terminal_size=size, run_before=query_and_open)


def test_main_screen_light(snap_compare, tree_base):
    async def light(pilot) -> None:
        await query_and_open(pilot)
        await pilot.press("t")
        await pilot.pause()

    assert snap_compare(make(tree_base), terminal_size=(120, 40), run_before=light)


def test_long_query_error_at_80(snap_compare, tree_base):
    async def error(pilot) -> None:
        await type_query(pilot, LONG_BAD)
        await pilot.press("escape")  # out of the bar: no blinking cursor in the picture

    assert snap_compare(make(tree_base), terminal_size=(80, 24), run_before=error)


def test_groups_by_name(snap_compare, tree_base):
    async def groups(pilot) -> None:
        await type_query(pilot, "count doc = xugou group by unit")

    assert snap_compare(make(tree_base), terminal_size=(80, 24), run_before=groups)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_deadlines_screen(snap_compare, tree_base, size):
    async def deadlines(pilot) -> None:
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("a", *"2021-07-01", "enter", "a", "tab")  # the whole date stays in view
        await settle(pilot)

    assert snap_compare(make(tree_base), terminal_size=size, run_before=deadlines)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_diff_screen(snap_compare, tree_base, size):
    async def diff(pilot) -> None:
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(make(tree_base), terminal_size=size, run_before=diff)


def test_help_screen(snap_compare, tree_base):
    assert snap_compare(make(tree_base), terminal_size=(120, 40), press=["f1"])
