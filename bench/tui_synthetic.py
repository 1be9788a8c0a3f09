"""How the terminal app behaves on the 100,000-item synthetic knowledge base (bench/synthetic.py).

The app runs headless (Textual's test driver, 120x40) on the real policy tree with its store
swapped for the synthetic one, so queries run over 100k items. For each query it measures, from
Enter (medians of `--reps` runs, each beside its floors, interleaved):

* `first`: until the first screen of rows is drawn (the table filled and the screen refreshed);
* `whole`: until the whole result is in (the title says the total);
* `longest stall`: the longest time the event loop did not run (a 10 ms timer's largest gap
  from Enter until the whole result is in): what a user would feel as a frozen screen; `its
  CPU`, the main thread's own CPU time in that gap (the rest is waiting: for the worker's turn
  with the interpreter, or for other processes on a busy machine);
* floors, the same query in-process without the app: `KnowledgeBase.query(text, limit=500)`
  (what the first screen needs; the whole query for a text search, which the app asks whole)
  and `KnowledgeBase.query(text)` (the whole result); the ratios are `first / floor_first` and
  `whole / floor_whole`;
* `idle stall`: the longest gap of the same timer over the same time with nothing to do: the
  machine's own noise (other processes), the floor of `longest stall`.

    python bench/tui_synthetic.py                # 100k items (builds the store: about a minute)
    python bench/tui_synthetic.py --items 20000
    python bench/tui_synthetic.py --store /tmp/syn.sqlite   # reuse (or build once into) this store
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from itertools import pairwise
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

QUERIES = ["due <= 2021-12 and unit = 市能源局", "text ~ 电价", "doc = shanxi and kind = indicator",
           "count due in 2022 group by unit", "due in 2022"]
AS_OF = date(2021, 6, 1)


def floor(base, query: str, limit: int | None) -> float:
    """The query in-process, as the app's worker asks it (the obligations view), no app around."""
    return _timed(base, query, limit)


def _timed(base, query: str, limit: int | None) -> float:
    start = time.perf_counter()
    base.query(query, as_of=AS_OF, limit=limit)
    return time.perf_counter() - start


async def one(app, pilot, query: str, ticks: list[float]) -> dict:
    """Type `query`, press Enter: when its first rows are drawn, when the whole result is in."""
    screen = app.screen
    drawn: list[float] = []
    shown = screen._query_done

    def spy(*args, **kwargs):
        shown(*args, **kwargs)
        if not drawn:
            app.call_after_refresh(lambda: drawn.append(time.perf_counter()))

    screen._query_done = spy
    await pilot.press("slash")
    await pilot.pause()
    await pilot.press("ctrl+a", "ctrl+k", *query)
    await pilot.pause()
    ticks.clear()
    start = now()
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    done = time.perf_counter()
    await pilot.pause(0.05)
    del screen._query_done
    stall, stall_cpu = longest_gap(ticks, start, done + 0.05)
    ticks.clear()  # the floor: as long again with nothing to do
    idle = now()
    await asyncio.sleep(done - start[0])
    idle_stall, _ = longest_gap(ticks, idle, time.perf_counter())
    result = screen.result
    n = len(result.rows) if result.kind == "rows" else len(result.groups)
    return {"first": (drawn[0] if drawn else done) - start[0], "whole": done - start[0], "stall": stall,
            "stall_cpu": stall_cpu, "idle_stall": idle_stall, "n": n}


def longest_gap(ticks: list[tuple[float, float]], start: tuple[float, float], end: float) -> tuple[float, float]:
    """The longest gap between ticks (wall clock) and the main thread's own CPU time in it (the
    rest of a gap is waiting: for the worker's turn with the interpreter, for other processes)."""
    marks = [start, *[t for t in ticks if start[0] <= t[0] <= end]]
    return max(((b[0] - a[0], b[1] - a[1]) for a, b in pairwise(marks)), default=(0.0, 0.0))


def now() -> tuple[float, float]:
    return time.perf_counter(), time.thread_time()


async def measure(base, reps: int) -> dict[str, dict]:
    from tui.app import PowerKBApp

    try:
        from tui.screens.main import FIRST
    except ImportError:  # an app from before the first batch
        FIRST = 500

    app = PowerKBApp(base, as_of=AS_OF)
    runs: dict[str, list[dict]] = {q: [] for q in QUERIES}
    async with app.run_test(size=(120, 40)) as pilot:
        ticks: list[tuple[float, float]] = []
        app.set_interval(0.01, lambda: ticks.append(now()))
        for _ in range(reps):
            for query in QUERIES:  # interleaved: each TUI run beside its floors
                got = await one(app, pilot, query, ticks)
                got["floor_first"] = floor(base, query, FIRST)
                got["floor_whole"] = floor(base, query, None)
                runs[query].append(got)
        figures = {q: summary(r) for q, r in runs.items()}
        figures["sort (o) after " + QUERIES[-1]] = await sort_all(app, pilot, ticks)
    return figures


async def sort_all(app, pilot, ticks: list) -> dict:
    """`o` on the last query's table: every row's cells made (in a worker) and sorted."""
    from tui.widgets.results import ResultsTable

    table = app.screen.query_one(ResultsTable)
    await pilot.press("escape")
    await pilot.pause()
    ticks.clear()
    start = now()
    await pilot.press("o")
    await app.workers.wait_for_complete()
    while getattr(table, "filling", False):
        await pilot.pause(0.005)
    await pilot.pause()
    done = time.perf_counter()
    stall, stall_cpu = longest_gap(ticks, start, done)
    return {"rows": len(table.payloads), "whole_ms": round((done - start[0]) * 1000, 1),
            "stall_ms": round(stall * 1000, 1), "stall_cpu_ms": round(stall_cpu * 1000, 1)}


def summary(runs: list[dict]) -> dict:
    med = {k: statistics.median(r[k] for r in runs) for k in ("first", "whole", "stall", "stall_cpu", "idle_stall",
                                                        "floor_first", "floor_whole")}
    out = {f"{k}_ms": round(v * 1000, 1) for k, v in med.items()}
    out["max_stall_ms"] = round(max(r["stall"] for r in runs) * 1000, 1)
    out["rows"] = runs[-1]["n"]
    out["first_ratio"] = round(med["first"] / med["floor_first"], 2) if med["floor_first"] else None
    out["whole_ratio"] = round(med["whole"] / med["floor_whole"], 2) if med["floor_whole"] else None
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3, help="runs of each query (medians)")
    parser.add_argument("--store", help="a synthetic store built before (bench/run.py --_build PATH N): reused")
    parser.add_argument("--json", metavar="FILE", help="also write the figures here")
    args = parser.parse_args()
    import kb
    from kb.store.database import Store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.store or Path(tmp) / "synthetic.sqlite")
        if not path.exists():
            subprocess.run([sys.executable, str(HERE / "run.py"), "--_build", str(path), str(args.items)],
                           check=True, capture_output=True)
        base = kb.load()
        base.__dict__["store"] = Store(path)
        figures = asyncio.run(measure(base, args.reps))
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; medians of {args.reps} runs")
    for query, f in figures.items():
        if "first_ms" not in f:
            print(f"{query:38} {f['rows']:>6} rows  done {f['whole_ms']:6.0f} ms  longest stall {f['stall_ms']:4.0f} ms "
                  f"(its CPU {f['stall_cpu_ms']:.0f})")
            continue
        print(f"{query:38} {f['rows']:>6} rows/groups  first {f['first_ms']:6.0f} ms (floor {f['floor_first_ms']:5.0f}, "
              f"×{f['first_ratio']})  whole {f['whole_ms']:6.0f} ms (floor {f['floor_whole_ms']:5.0f}, ×{f['whole_ratio']})  "
              f"longest stall {f['stall_ms']:4.0f} ms (its CPU {f['stall_cpu_ms']:.0f}; max {f['max_stall_ms']:.0f}; "
              f"idle {f['idle_stall_ms']:.0f})")
    if args.json:
        Path(args.json).write_text(json.dumps({"load_average": load, "queries": figures}, ensure_ascii=False, indent=2)
                                   + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
