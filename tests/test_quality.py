"""The code's shape, checked with the tests: the layer contract (import-linter: no layer imports
one above it, so the engine has no import cycle), ruff (pyflakes, line length, complexity) and no
document id written in the engine or the TUI (documents are data)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(found).exists():
        pytest.fail(f"{name} is not installed: pip install '.[test]'")
    return found


def test_layers_contract_holds():
    done = subprocess.run([_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_ruff_is_clean():
    done = subprocess.run([_tool("ruff"), "check", "kb", "tui", "tests", "bench"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-1000:]


def test_no_document_id_in_engine_code():
    """A new province is a YAML-only change: no module of kb/ or tui/ names a document."""
    docs = [p.stem for p in (ROOT / "policies" / "documents").glob("*.yaml")]
    pattern = re.compile(r"""["'](%s)["']""" % "|".join(map(re.escape, docs)))
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
             for base in ("kb", "tui") for p in (ROOT / base).rglob("*.py")
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert found == []


def test_no_module_inside_kb_imports_the_package_root():
    """`import kb` from inside the engine would hide a cycle from the layer contract."""
    found = [str(p.relative_to(ROOT)) for p in (ROOT / "kb").rglob("*.py")
             if re.search(r"^\s*(import kb\b|from kb import (?!__version__))", p.read_text(encoding="utf-8"), re.M)]
    assert found == []
