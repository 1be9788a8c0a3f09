"""Driving the TUI as a user does, shared by the behaviour tests and the snapshot tests: keys
and typing only, then waiting for the workers that answer them."""

from __future__ import annotations


async def settle(pilot) -> None:
    """Let the workers (queries, deadlines, diffs) finish and their results be drawn."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def type_query(pilot, query: str) -> None:
    """Press /, clear the bar, type `query` key by key, then Enter."""
    await pilot.press("slash")
    await pilot.pause()
    await pilot.press("ctrl+a", "ctrl+k", *query, "enter")
    await settle(pilot)
