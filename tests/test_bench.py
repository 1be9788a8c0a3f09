"""`python bench/run.py --quick` runs and reports every figure beside its floor.

No timing is asserted (the machine is shared and noisy); the full benchmark is run by hand
(docs/performance.md), never in CI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_reports_figures_with_their_floors(tmp_path):
    out = tmp_path / "bench.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--json", str(out)],
                   env=env, cwd=ROOT, capture_output=True, check=True, timeout=300)
    got = json.loads(out.read_text(encoding="utf-8"))
    for name in ("query --format json", "query (table)", "show ID --format json"):
        figure = got["cold"][name]
        assert figure["floor_p50_ms"] > 0 and figure["ratio_of_medians"] > 0
        assert figure["cpu"]["floor_p50_ms"] > 0
    assert got["check"]["problems"] == 0
    assert set(got["check"]) >= {"yaml_s", "quotes_s", "completeness_s", "other_checks_s"}
    assert len(got["warm_real"]["per_query"]) == 18
    synthetic = got["synthetic"]
    assert synthetic["items"] == 500
    assert synthetic["store_mb"] > 0 and synthetic["json_mb"] > 0
    for shape in ("page100", "full"):
        assert synthetic[shape]["floor_p50_ms"] > 0 and "first_time" in synthetic[shape]
    for shape in ("page100_obligations", "full_obligations"):  # the default answer beside the item view
        against = synthetic[shape]["vs_items"]
        assert against["items_p50_ms"] > 0 and against["ratio_of_medians"] > 0 and against["per_query_max_ratio"] > 0
        assert all(p["items_ms"] > 0 and p["to_items"] > 0 for p in synthetic[shape]["per_query"].values())
