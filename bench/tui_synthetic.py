"""How the terminal app behaves on the 100,000-item synthetic knowledge base (bench/synthetic.py).

The app runs headless (Textual's test driver, 120x40) on the real policy tree with its store
swapped for the synthetic one, so queries and the deadlines screen run over 100k items. For each
query it measures, from Enter:

* `result`: until the rows are in the table;
* `longest stall`: the longest time the event loop did not run (a 10 ms timer's largest gap while
  the query ran and its rows were drawn): what a user would feel as a frozen screen.

    python bench/tui_synthetic.py                # 100k items (builds the store: about a minute)
    python bench/tui_synthetic.py --items 20000
"""

from __future__ import annotations

import argparse
import asyncio
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


async def measure(base) -> list[tuple[str, float, float, int]]:
    from tui.app import PowerKBApp

    app = PowerKBApp(base, as_of=date(2021, 6, 1))
    out = []
    async with app.run_test(size=(120, 40)) as pilot:
        ticks: list[float] = []
        app.set_interval(0.01, lambda: ticks.append(time.perf_counter()))
        for query in QUERIES:
            await pilot.press("slash")
            await pilot.pause()
            await pilot.press("ctrl+a", "ctrl+k", *query)
            await pilot.pause()
            ticks.clear()
            start = time.perf_counter()
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            done = time.perf_counter()
            await pilot.pause(0.05)
            marks = [start, *[t for t in ticks if t <= done + 0.05]]
            stall = max((b - a for a, b in pairwise(marks)), default=0.0)
            result = app.screen.result
            n = len(result.rows) if result.kind == "rows" else len(result.groups)
            out.append((query, done - start, stall, n))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--store", help="a synthetic store built before (bench/run.py --_build PATH N): reused")
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
        for query, seconds, stall, n in asyncio.run(measure(base)):
            print(f"{query:42} {n:>7} rows/groups  result {seconds * 1000:7.0f} ms  longest stall {stall * 1000:6.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
