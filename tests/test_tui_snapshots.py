"""What each screen looks like (SVG snapshots, pytest-textual-snapshot), on the real knowledge base
as of a fixed date. The main screen is taken at 80x24, 120x40 and 200x50 so that Chinese text is
seen to wrap inside its pane at every size.

After a deliberate change of the screens or of the policy data (links.yaml fills the linked
items and the paired texts), regenerate with `pytest tests/test_tui_snapshots.py --snapshot-update`
and look at the new SVGs before committing them.
"""

from __future__ import annotations

from datetime import date

import pytest

from tui.app import PowerKBApp
from tui.widgets.query_bar import QueryBar

AS_OF = date(2021, 6, 1)
QUERY = "due <= 2021-12 and unit = 市能源局"


async def query_and_open(pilot) -> None:
    """Run the query, then choose its third row (a Shanxi ledger goal with a national column)."""
    await pilot.press("slash")
    pilot.app.screen.query_one(QueryBar).set_query(QUERY)
    await pilot.press("enter", "down", "down", "enter")


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)], ids=["80x24", "120x40", "200x50"])
def test_main_screen(snap_compare, base, size):
    assert snap_compare(PowerKBApp(base, as_of=AS_OF), terminal_size=size, run_before=query_and_open)


def test_deadlines_screen(snap_compare, base):
    assert snap_compare(PowerKBApp(base, as_of=AS_OF), terminal_size=(120, 40), press=["2"])


def test_diff_screen(snap_compare, base):
    async def to_hv_single(pilot) -> None:
        await pilot.press("3")
        targets = pilot.app.screen.query_one("#targets")
        row = next(n for n, p in enumerate(targets.payloads) if (p.metric, p.customer) == ("total-handling-time", "hv-single"))
        targets.move_cursor(row=row)

    assert snap_compare(PowerKBApp(base, as_of=AS_OF), terminal_size=(120, 40), run_before=to_hv_single)


def test_help_screen(snap_compare, base):
    assert snap_compare(PowerKBApp(base, as_of=AS_OF), terminal_size=(120, 40), press=["question_mark"])
