"""powerkb benchmarks: cold CLI start, KB build, warm query latency; the same at 100k items.

    python bench/run.py                 # everything (the 100k build takes about a minute)
    python bench/run.py --items 20000   # a smaller synthetic KB
    python bench/run.py --skip-synthetic

Figures go to docs/performance.md by hand, with the machine they were measured on. Timings are
wall-clock medians over repeated runs; the direct-SQLite floor runs hand-written SQL for the same
lookups with no parsing, no name resolution and no JSON decoding.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

EXAMPLES = [
    "due <= 2021-12 and unit = 市能源局",
    'due by 2021-12 for "city bureaus"',
    "due in 2021-Q3",
    "due in 2022",
    "due between 2021-04-01 and 2021-06-30",
    "due ongoing",
    "doc = shanxi and kind = indicator",
    "doc = nea and category = 降低办电成本",
    "unit = 省行政审批服务管理局 and role = lead",
    'unit = "Shanxi Energy Regulatory Office"',
    'text ~ "零投资"',
    '"零投资"',
    "text ~ 电价",
    "metric = 全过程办电时间 and customer = 居民",
    "target < 10 workdays",
    "metric = 年均停电时间",
    "count doc = nea",
    "doc = nea group by due-year",
]

# The floor: the very SQL the engine runs for each example, executed directly (no parsing, no
# name resolution, no row objects). What the engine adds on top of it is its own overhead.


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def ms(x):
    return round(x * 1000, 3)


def timed(fn, reps):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def powerkb_cmd():
    exe = shutil.which("powerkb")
    return [exe] if exe else [sys.executable, "-m", "kb.cli"]


def cold_cli(env, reps=10):
    cmd = powerkb_cmd() + ["query", "due <= 2021-12 and unit = 市能源局", "--as-of", "2021-06-01"]
    subprocess.run(cmd, env=env, capture_output=True, check=True)  # builds the cache once
    times = timed(lambda: subprocess.run(cmd, env=env, capture_output=True, check=True), reps)
    py = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=True), reps)
    return {"median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3),
            "python_startup_s": round(statistics.median(py), 3)}


def cli_once(env, query):
    cmd = powerkb_cmd() + ["query", query, "--as-of", "2021-06-01", "--format", "json"]
    return round(statistics.median(timed(lambda: subprocess.run(cmd, env=env, capture_output=True, check=True), 5)), 3)


def tui_first_paint(env, reps=5):
    """bench/tui_first_paint.py in a pseudo-terminal (`script`), which the app needs to draw."""
    import re

    if not shutil.which("script"):
        return "not measured: the `script` command is missing"
    cmd = ["script", "-qec", f"{sys.executable} {ROOT / 'bench' / 'tui_first_paint.py'}", "/dev/null"]
    got = []
    for _ in range(reps):
        out = subprocess.run(cmd, env=env, capture_output=True, text=True).stdout
        if m := re.search(r"first paint after (\d+) ms", out):
            got.append(int(m.group(1)) / 1000)
    return {"median_s": round(statistics.median(got), 3), "max_s": round(max(got), 3)} if got else "not measured"


def build_real():
    from kb.loading.loader import read_tree
    from kb.base import KnowledgeBase
    from kb.loading.cache import fingerprint
    from kb.core.paths import policies_dir
    from kb.store.database import build

    root = policies_dir()
    runs = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            tree = read_tree(root)
            t_yaml = time.perf_counter() - t
            base = KnowledgeBase(tree, fingerprint(root))
            t2 = time.perf_counter()
            build(base, Path(tmp) / "kb.sqlite")
            runs.append((t_yaml, time.perf_counter() - t2))
    return {"items": len(tree.items), "yaml_s": round(min(r[0] for r in runs), 3),
            "sqlite_s": round(min(r[1] for r in runs), 3)}


def latency(run_query, reps=30):
    per = {}
    allt = []
    for q in EXAMPLES:
        run_query(q)
        t = timed(lambda: run_query(q), reps)
        per[q] = ms(statistics.median(t))
        allt += t
    return {"p50_ms": ms(pct(allt, 50)), "p95_ms": ms(pct(allt, 95)), "per_query_ms": per}


def floor(store, reps=30, limit=None):
    from kb.query.run import run

    times = []
    for q in EXAMPLES:
        result = run(store, q, today=date(2021, 6, 1), limit=limit)
        if not result.sql:
            continue
        times += timed(lambda: store.con.execute(result.sql, result.params).fetchall(), reps)
    return {"p50_ms": ms(pct(times, 50)), "p95_ms": ms(pct(times, 95))}


def synthetic_build(path: str, total: int) -> None:
    """Child process: build the synthetic store and report time and peak memory."""
    import kb
    from synthetic import make
    from kb.store.database import build

    base = kb.load()
    synth = make(base, total)
    t = time.perf_counter()
    build(synth, Path(path), items=synth.items())
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 2), "peak_mb": round(peak, 1)}))


def _rows(result):
    """Touch what a table shows of each obligation row (its ids), as the CLI and TUI do."""
    for row in result.rows:
        row.ids  # noqa: B018
    return result


def synthetic(total: int, env):
    from kb.store.database import Store
    from kb.query.run import run

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.sqlite"
        out = subprocess.run([sys.executable, __file__, "--_build", str(path), str(total)], env=env,
                             capture_output=True, text=True, check=True)
        built = json.loads(out.stdout.strip().splitlines()[-1])
        store = Store(path)
        n = store.con.execute("SELECT count(*) FROM items").fetchone()[0]
        size_mb = round(path.stat().st_size / 1e6, 1)
        page = latency(lambda q: run(store, q, today=date(2021, 6, 1), limit=100), reps=10)
        full = latency(lambda q: run(store, q, today=date(2021, 6, 1)), reps=5)
        # the default answer: obligations (rows collapse per duty and occurrence)
        page_ob = latency(lambda q: _rows(run(store, q, today=date(2021, 6, 1), limit=100, items=False)), reps=10)
        full_ob = latency(lambda q: _rows(run(store, q, today=date(2021, 6, 1), items=False)), reps=5)
        floor_page = floor(store, reps=10, limit=100)
        floor_full = floor(store, reps=5)
        store.close()
    return {"items": n, "build_s": built["seconds"], "peak_mb": built["peak_mb"], "db_mb": size_mb,
            "latency_page100": page, "latency_full": full,
            "latency_page100_obligations": page_ob, "latency_full_obligations": full_ob,
            "floor_page100": floor_page, "floor_full": floor_full}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--_build", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._build:
        synthetic_build(args._build[0], int(args._build[1]))
        return 0

    env = dict(os.environ, POWERKB_CACHE=tempfile.mkdtemp(prefix="powerkb-bench-"))
    os.environ["POWERKB_CACHE"] = env["POWERKB_CACHE"]
    import kb

    results = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "cold_cli": cold_cli(env), "build_real": build_real()}
    base = kb.load()
    results["warm_real"] = latency(lambda q: base.query(q, as_of=date(2021, 6, 1)))
    results["floor_real"] = floor(base.store)
    results["cli_real"] = {q: cli_once(env, q) for q in EXAMPLES[:3]}
    results["tui_first_paint"] = tui_first_paint(env)
    if not args.skip_synthetic:
        results["synthetic"] = synthetic(args.items, env)
    text = json.dumps(results, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
