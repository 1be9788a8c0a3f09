"""powerkb benchmarks, each figure next to its floor measured in the same run.

    python bench/run.py                       # everything at 100k items (a few minutes)
    python bench/run.py --quick               # small and fast (CI's smoke test: well under 20 s)
    python bench/run.py --items 20000         # a smaller synthetic knowledge base
    python bench/run.py --scale 10000,30000,100000   # build time and store size per item count
    python bench/run.py --skip-synthetic --json out.json

The machine is shared and noisy, so nothing here is an absolute threshold: every figure is timed
interleaved with its floor (floor, figure, floor, figure, ...) and reported as the medians of
both, the ratio of the medians and the median of the per-pair ratios. Floors:

* a cold command: `python -c 'import sqlite3'` (a new interpreter that loads SQLite, nothing else);
* a query: the very SQL the engine ran for it (`QueryResult.sql` and `.params`), executed directly
  on the same connection and fetched as plain tuples (no parsing, no names, no row objects);
* the store's size: the same items exported as JSON (their public JSON, one line each).

Figures go to docs/performance.md by hand, with the machine they were measured on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
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
AS_OF = date(2021, 6, 1)
COLD_QUERY = "due <= 2021-12 and unit = 市能源局"


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def ms(x):
    return round(x * 1000, 3)


def once(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def paired(figure, floor, reps: int) -> dict:
    """`figure` and `floor` timed alternately `reps` times: medians, p95s and ratios."""
    a, b = [], []
    for _ in range(reps):
        b.append(once(floor))
        a.append(once(figure))
    return summary(a, b)


def summary(a: list, b: list) -> dict:
    return {"p50_ms": ms(statistics.median(a)), "p95_ms": ms(pct(a, 95)),
            "floor_p50_ms": ms(statistics.median(b)), "floor_p95_ms": ms(pct(b, 95)),
            "ratio_of_medians": round(statistics.median(a) / statistics.median(b), 2),
            "median_paired_ratio": round(statistics.median([x / y for x, y in zip(a, b)]), 2)}


# -- cold commands ---------------------------------------------------------------------------------

def bench_env(cache: str) -> dict:
    """The environment of a user: bytecode is written (a developer shell may say not to)."""
    env = dict(os.environ, POWERKB_CACHE=cache, PYTHONPATH=str(ROOT))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def powerkb(*args) -> list[str]:
    """The console script's own code (`from kb.console import run`), without runpy's imports."""
    return [sys.executable, "-c", "import sys; from kb.console import run; sys.exit(run())", *args]


COLD = {
    "query --format json": powerkb("query", COLD_QUERY, "--as-of", "2021-06-01", "--format", "json"),
    "query (table)": powerkb("query", COLD_QUERY, "--as-of", "2021-06-01"),
    "show ID --format json": powerkb("show", "nea:ledger.3", "--format", "json"),
}


def spawn(cmd, env) -> tuple[float, float]:
    """Run a command; (wall-clock seconds, CPU seconds of the child: user + system). CPU time is
    the steadier figure on a loaded machine: it does not count the time spent waiting for a core."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return wall, usage.ru_utime + usage.ru_stime


def cold(env, reps: int) -> dict:
    floor_cmd = [sys.executable, "-c", "import sqlite3"]
    for cmd in COLD.values():
        spawn(cmd, env)  # builds the cache (tree, store, parser tables) and the bytecode once
    wall = {name: [] for name in COLD}
    cpu = {name: [] for name in COLD}
    floor_wall, floor_cpu = [], []
    for _ in range(reps):  # interleaved: floor, then each command
        w, c = spawn(floor_cmd, env)
        floor_wall.append(w)
        floor_cpu.append(c)
        for name, cmd in COLD.items():
            w, c = spawn(cmd, env)
            wall[name].append(w)
            cpu[name].append(c)
    out = {"floor": "python -c 'import sqlite3'"}
    for name in COLD:
        out[name] = summary(wall[name], floor_wall)
        c = summary(cpu[name], floor_cpu)
        out[name]["cpu"] = {"p50_ms": c["p50_ms"], "floor_p50_ms": c["floor_p50_ms"],
                            "ratio_of_medians": c["ratio_of_medians"], "median_paired_ratio": c["median_paired_ratio"]}
    return out


# -- the real knowledge base -----------------------------------------------------------------------

def build_real(reps: int = 3) -> dict:
    from kb.base import KnowledgeBase
    from kb.core.paths import policies_dir
    from kb.loading.cache import entry
    from kb.loading.loader import read_tree
    from kb.store.database import build

    root = policies_dir()
    runs = []
    for _ in range(reps):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            tree = read_tree(root)
            t_yaml = time.perf_counter() - t
            base = KnowledgeBase(entry(root), tree)
            t2 = time.perf_counter()
            build(base, Path(tmp) / "kb.sqlite")
            runs.append((t_yaml, time.perf_counter() - t2))
    return {"items": len(tree.items), "yaml_s": round(min(r[0] for r in runs), 3),
            "sqlite_s": round(min(r[1] for r in runs), 3)}


def check_split(reps: int = 3) -> dict:
    """`powerkb check` on the real tree, split: reading the YAML, the quote checks, the
    completeness (coverage) check, and everything else."""
    from kb.core.paths import policies_dir
    from kb.loading.loader import read_tree
    from kb.verify import check as check_mod

    best = None
    for _ in range(reps):
        spent = {"quotes": 0.0, "completeness": 0.0}

        def timing(name, fn, spent=spent):
            def wrapper(*a, **kw):
                t = time.perf_counter()
                try:
                    return fn(*a, **kw)
                finally:
                    spent[name] += time.perf_counter() - t
            return wrapper

        quote, coverage = check_mod.Checker.quote, check_mod.Checker.check_coverage
        check_mod.Checker.quote = timing("quotes", quote)
        check_mod.Checker.check_coverage = timing("completeness", coverage)
        try:
            t = time.perf_counter()
            tree = read_tree(policies_dir())
            yaml_s = time.perf_counter() - t
            t = time.perf_counter()
            problems = check_mod.check(tree)
            checks_s = time.perf_counter() - t
        finally:
            check_mod.Checker.quote, check_mod.Checker.check_coverage = quote, coverage
        run = {"total_s": yaml_s + checks_s, "yaml_s": yaml_s, "quotes_s": spent["quotes"],
               "completeness_s": spent["completeness"],
               "other_checks_s": checks_s - spent["quotes"] - spent["completeness"], "problems": len(problems)}
        if best is None or run["total_s"] < best["total_s"]:
            best = run
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in best.items()}


def plain(con):
    """A cursor that returns plain tuples (the floor fetches no sqlite3.Row objects)."""
    cur = con.cursor()
    cur.row_factory = None
    return cur


def latency(store, reps: int, limit=None, examples=EXAMPLES, items: bool = True) -> dict:
    """Each example run by the engine and its SQL run directly, interleaved; and run as if asked
    for the first time (parsed and compiled again: `first_time`). `items=False` asks for the
    default answer, obligation rows (one per duty and occurrence), whose ids a table shows; the
    item-level answer of the same text is then timed in the same rounds too (`vs_items`, and
    each query's `items_ms` and `to_items`: the obligations view's cost against the item view's)."""
    from kb.query.run import run

    def engine(q, view_items=items):
        r = run(store, q, today=AS_OF, limit=limit, items=view_items)
        for row in r.rows:  # every row made and its ids read, as any consumer would
            _ = row.ids

    per, a_all, b_all, c_all, d_all = {}, [], [], [], []
    for q in examples:
        result = run(store, q, today=AS_OF, limit=limit, items=items)
        if not result.sql:
            continue

        def floor(sql=result.sql, params=result.params):
            plain(store.con).execute(sql, params).fetchall()

        def first_time(q=q):
            forget(store)
            engine(q)

        engine(q)
        a, b, c, d = [], [], [], []
        for _ in range(reps):
            b.append(once(floor))
            a.append(once(lambda q=q: engine(q)))
            c.append(once(first_time))
            if not items:
                d.append(once(lambda q=q: engine(q, True)))
        per[q] = {"rows": len(result.rows) if result.kind == "rows" else result.kind,
                  "ms": ms(statistics.median(a)), "floor_ms": ms(statistics.median(b)),
                  "first_time_ms": ms(statistics.median(c))}
        if d:
            per[q]["items_ms"] = ms(statistics.median(d))
            per[q]["to_items"] = round(statistics.median(a) / statistics.median(d), 2)
        a_all += a
        b_all += b
        c_all += c
        d_all += d
    out = summary(a_all, b_all)
    first = summary(c_all, b_all)
    out["first_time"] = {k: first[k] for k in ("p50_ms", "p95_ms", "ratio_of_medians", "median_paired_ratio")}
    if d_all:
        out["vs_items"] = vs_items(a_all, d_all, per)
    out["per_query"] = per
    return out


SIZES_QUERY = "due in 2022"
"""The query whose limit is varied to show latency against result size (23,550 rows at 100k)."""


def by_result_size(store, reps: int, limits=(10, 100, 1_000, 10_000, None)) -> list[dict]:
    """Latency against the number of rows asked for: one query with growing limits, each run by
    the engine (rows made, ids read) and as its SQL directly, interleaved; both views."""
    from kb.query.run import run

    out = []
    for items in (True, False):
        for limit in limits:
            result = run(store, SIZES_QUERY, today=AS_OF, limit=limit, items=items)

            def engine(limit=limit, items=items):
                for row in run(store, SIZES_QUERY, today=AS_OF, limit=limit, items=items).rows:
                    _ = row.ids

            def floor(sql=result.sql, params=result.params):
                plain(store.con).execute(sql, params).fetchall()

            engine()
            s = paired(engine, floor, reps)
            out.append({"view": "items" if items else "obligations", "limit": limit, "rows": len(result.rows),
                        "ms": s["p50_ms"], "floor_ms": s["floor_p50_ms"], "ratio": s["ratio_of_medians"]})
    return out


def vs_items(obligations: list, items: list, per: dict) -> dict:
    """The obligations view against the item view of the same texts, timed in the same rounds:
    p50s over every run, their ratio, the median of the paired ratios, and the per-query ratios'
    median and maximum."""
    paired = summary(obligations, items)
    ratios = [p["to_items"] for p in per.values() if "to_items" in p]
    return {"p50_ms": paired["p50_ms"], "items_p50_ms": paired["floor_p50_ms"],
            "ratio_of_medians": paired["ratio_of_medians"], "median_paired_ratio": paired["median_paired_ratio"],
            "per_query_median_ratio": round(statistics.median(ratios), 2), "per_query_max_ratio": max(ratios)}


def forget(store) -> None:
    """Drop what a query asked before leaves behind (the parsed text, the compiled plan, whether
    SQLite sorts its rows), so that the next run parses and compiles as the first asking of a
    query does."""
    from kb.query import parse

    if hasattr(parse.parse, "cache_clear"):
        parse.parse.cache_clear()
    store.memo.pop("plans", None)
    store.memo.pop("sorts", None)


# -- synthetic -------------------------------------------------------------------------------------

def synthetic_build(path: str, total: int) -> None:
    """Child process: build the synthetic store and report time and peak memory."""
    from synthetic import make

    import kb
    from kb.store.database import build

    base = kb.load()
    synth = make(base, total)
    t = time.perf_counter()
    build(synth, Path(path), items=synth.items())
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 2), "peak_mb": round(peak, 1)}))


def built(path: Path, total: int, env) -> dict:
    out = subprocess.run([sys.executable, __file__, "--_build", str(path), str(total)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def sizes(path: Path) -> dict:
    """The store's size against the same items as JSON (one object per line, UTF-8), and the
    share of each table (SQLite's dbstat, where the build has it)."""
    import sqlite3

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        from kb.store.database import item_json_rows
    except ImportError:  # a store of before this module had it: the JSON is stored as text
        def item_json_rows(con):
            return con.execute("SELECT item, json FROM item_json ORDER BY item")

    json_bytes = sum(len(text.encode("utf-8")) + 1 for _rowid, text in item_json_rows(con))
    tables = {}
    try:
        for name, size in con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"):
            tables[name] = round(size / 1e6, 1)
    except sqlite3.Error:
        tables = "dbstat not available"
    con.close()
    store = path.stat().st_size
    return {"store_mb": round(store / 1e6, 1), "json_mb": round(json_bytes / 1e6, 1),
            "ratio": round(store / json_bytes, 2), "tables_mb": tables}


def synthetic(total: int, env, reps_page: int, reps_full: int) -> dict:
    from kb.store.database import Store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.sqlite"
        b = built(path, total, env)
        store = Store(path)
        n = store.con.execute("SELECT count(*) FROM items").fetchone()[0]
        out = {"items": n, "build_s": b["seconds"], "peak_mb": b["peak_mb"], **sizes(path),
               "page100": latency(store, reps_page, limit=100),
               "full": latency(store, reps_full),
               "page100_obligations": latency(store, reps_page, limit=100, items=False),
               "full_obligations": latency(store, reps_full, items=False),
               "by_result_size": by_result_size(store, reps_full)}
        store.close()
    return out


def scale(counts: list[int], env) -> list[dict]:
    """Build time and store size against the number of items."""
    rows = []
    for total in counts:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "s.sqlite"
            b = built(path, total, env)
            s = sizes(path)
            rows.append({"items": total, "build_s": b["seconds"], "peak_mb": b["peak_mb"],
                         "store_mb": s["store_mb"], "json_mb": s["json_mb"], "ratio": s["ratio"]})
            print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000, help="items in the synthetic store")
    parser.add_argument("--quick", action="store_true", help="few repetitions and 500 synthetic items: shows that it runs")
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--scale", metavar="N,N,...", help="only build stores of these sizes: time and size")
    parser.add_argument("--tui", action="store_true", help="also time the TUI's first paint")
    parser.add_argument("--json", metavar="FILE", help="also write the results here")
    parser.add_argument("--_build", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._build:
        synthetic_build(args._build[0], int(args._build[1]))
        return 0

    cache = tempfile.mkdtemp(prefix="powerkb-bench-")
    env = bench_env(cache)
    os.environ["POWERKB_CACHE"] = cache
    results = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "load_average": os.getloadavg()}
    if args.scale:
        results["scale"] = scale([int(n) for n in args.scale.split(",")], env)
        return report(results, args.json)
    quick = args.quick
    import kb

    results["cold"] = cold(env, reps=2 if quick else 15)
    results["build_real"] = build_real(reps=1 if quick else 3)
    results["check"] = check_split(reps=1 if quick else 3)
    base = kb.load()
    results["warm_real"] = latency(base.store, reps=3 if quick else 30)
    if args.tui:
        results["tui_first_paint"] = tui_first_paint(env)
    if not args.skip_synthetic:
        total = 500 if quick else args.items
        results["synthetic"] = synthetic(total, env, reps_page=2 if quick else 10, reps_full=2 if quick else 7)
    return report(results, args.json)


def report(results: dict, path: str | None) -> int:
    text = json.dumps(results, ensure_ascii=False, indent=2)
    print(text)
    if path:
        Path(path).write_text(text + "\n", encoding="utf-8")
    return 0


def tui_first_paint(env, reps=5):
    """bench/tui_first_paint.py in a pseudo-terminal (`script`), which the app needs to draw,
    interleaved with its floor (`--floor`: the least Textual app, measured the same way)."""
    import re
    import shutil

    if not shutil.which("script"):
        return "not measured: the `script` command is missing"
    script = ROOT / "bench" / "tui_first_paint.py"
    got: dict[str, list[float]] = {"app": [], "floor": []}
    for _ in range(reps):
        for name, extra in (("floor", " --floor"), ("app", "")):
            cmd = ["script", "-qec", f"{sys.executable} {script}{extra}", "/dev/null"]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False).stdout
            if m := re.search(r"first paint after (\d+) ms", out):
                got[name].append(int(m.group(1)) / 1000)
    if not got["app"] or not got["floor"]:
        return "not measured"
    app, floor = statistics.median(got["app"]), statistics.median(got["floor"])
    return {"median_s": round(app, 3), "max_s": round(max(got["app"]), 3),
            "floor_median_s": round(floor, 3), "ratio_of_medians": round(app / floor, 2)}


if __name__ == "__main__":
    sys.exit(main())
