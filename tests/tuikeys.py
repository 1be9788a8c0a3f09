"""Driving the TUI as a user does, shared by the behaviour tests and the snapshot tests: keys
and typing only, then waiting for the workers that answer them."""

from __future__ import annotations


async def settle(pilot) -> None:
    """Let the workers (queries, deadlines, diffs) finish and their results be drawn (a long
    table adds its rows a batch per turn of the event loop: until the last)."""
    from tui.widgets.fitted_table import FittedTable

    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await wait_for(pilot, lambda: not any(t.filling for t in pilot.app.screen.query(FittedTable)))
    await pilot.pause()


async def wait_for(pilot, condition, timeout: float = 20.0) -> None:
    """Let the app run until `condition()` holds (a worker reached a point, rows were drawn)."""
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the app never reached the state waited for")


async def type_query(pilot, query: str) -> None:
    """Press /, clear the bar, type `query` key by key, then Enter."""
    await pilot.press("slash")
    await pilot.pause()
    await pilot.press("ctrl+a", "ctrl+k", *query, "enter")
    await settle(pilot)
