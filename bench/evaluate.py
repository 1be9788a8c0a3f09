"""Benchmark of `powerkb evaluate`: rows per second and peak memory on synthetic cases.

    python bench/evaluate.py                # 100,000 rows
    python bench/evaluate.py --rows 20000

Generates N case rows shaped like examples/cases.csv (every customer class, random dates in
2021-2025 across the holidays, stage dates for the classes that have stages, some charges), then
runs, each in a fresh process so that its peak memory (ru_maxrss) is its own:

* floor: read the same CSV with the csv module alone (no parsing of values, no evaluation);
* read: open_cases + parse_case for every row (no evaluation);
* table: evaluate and write the default one-line-a-case table;
* csv: evaluate and write `--format csv` (one row per check, with the full explanations);
* json: evaluate and write `--format json` (explanations, rules and the days counted).

The knowledge base is loaded (from the cache) before the clock starts. Both wall-clock and CPU
time are reported: on a shared machine the CPU time is the steadier figure. Figures go to
docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["id", "customer", "capacity_kw", "area", "city", "applied", "acceptance", "supply-plan",
          "design-review", "mid-inspection", "completion-inspection", "meter-install.start",
          "meter-install", "connected", "charged", "note"]
CITIES = ["taiyuan", "datong", "jinzhong", "changzhi", "yuncheng", "linfen", "xinzhou", "jincheng"]


def _row(i: int, rnd: random.Random) -> list:
    kind = rnd.choice(["residential", "lv-nonres-three-zero", "lv-nonres", "hv-single", "hv-dual", "small-micro"])
    applied = date(2021, 1, 4) + timedelta(days=rnd.randrange(0, 365 * 5 - 10))
    d = applied
    stages = {}

    def step(lo, hi):
        nonlocal d
        d = d + timedelta(days=rnd.randint(lo, hi))
        return d.isoformat()

    stages["acceptance"] = step(0, 2)
    if kind in ("lv-nonres", "hv-single", "hv-dual"):
        stages["supply-plan"] = step(1, 14 if kind != "lv-nonres" else 5)
    if kind in ("hv-single", "hv-dual"):
        stages["design-review"] = step(2, 8)
        stages["mid-inspection"] = step(5, 20)
        stages["completion-inspection"] = step(5, 20)
        stages["meter-install.start"] = step(0, 5)
    stages["meter-install"] = step(1, 6)
    connected = stages["meter-install"]
    capacity = {"residential": 8, "small-micro": rnd.choice([90, 120, 150, 200])}.get(kind, rnd.randint(50, 5000))
    charged = 0 if rnd.random() < 0.8 else rnd.choice([200, 3000, 12000])
    area = rnd.choice(["urban-area", "rural-area"])
    return [f"C{i:06d}", kind, capacity, area, rnd.choice(CITIES), applied.isoformat(),
            *(stages.get(c, "") for c in HEADER[6:13]), connected, charged, "synthetic"]


def generate(path: Path, n: int) -> None:
    rnd = random.Random(13)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(n):
            w.writerow(_row(i, rnd))


class _Null:
    def write(self, text):
        return len(text)


def run_mode(mode: str, path: str) -> dict:
    """One measurement, in this process: seconds and rows."""
    import kb
    from kb.rules.casefile import open_cases
    from kb.rules.cases import parse_case
    from kb.render.evaluations import write_csv, write_json, write_table
    from kb.rules.evaluate import iter_evaluate, resolve_jurisdiction

    base = kb.load() if mode != "floor" else None
    if base is not None:
        _ = base.registries, base.documents, base.items
        jurisdiction = resolve_jurisdiction(base, None)  # the tree's one provincial jurisdiction
    t, cpu = time.perf_counter(), time.process_time()
    n = 0
    if mode == "floor":
        with open(path, encoding="utf-8", newline="") as fh:
            for _ in csv.reader(fh):
                n += 1
        n -= 1
    elif mode == "read":
        with open_cases(path) as source:
            for row in source.rows:
                parse_case(row.cells, base.registries, jurisdiction)
                n += 1
    else:
        with open_cases(path) as source:
            results = iter_evaluate(base, source, jurisdiction)
            out = _Null()
            tally = {"table": lambda: write_table(out, results, jurisdiction, base),
                     "csv": lambda: write_csv(out, results),
                     "json": lambda: write_json(out, results, jurisdiction, source)}[mode]()
            n = tally.cases
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"mode": mode, "rows": n, "seconds": round(seconds, 3), "rows_per_s": round(n / seconds),
            "cpu_seconds": round(cpu, 3), "rows_per_cpu_s": round(n / cpu), "peak_rss_mb": round(peak_kb / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--modes", default="floor,read,table,csv,json")
    ap.add_argument("--one", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_mode(*args.one)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.csv"
        generate(path, args.rows)
        print(f"{args.rows} rows, {path.stat().st_size / 1e6:.1f} MB")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for mode in args.modes.split(","):
            out = subprocess.run([sys.executable, __file__, "--one", mode, str(path)], env=env,
                                 capture_output=True, text=True, check=True).stdout
            r = json.loads(out.splitlines()[-1])
            print(f"{r['mode']:6} {r['rows']:>8} rows  wall {r['seconds']:>7.2f} s {r['rows_per_s']:>8} rows/s  "
                  f"CPU {r['cpu_seconds']:>7.2f} s {r['rows_per_cpu_s']:>8} rows/s  peak RSS {r['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
