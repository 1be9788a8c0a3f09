"""Shared fixtures: the real knowledge base (built once per session in a private cache) and a
way to run the CLI in-process and see its output and exit code."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"

os.environ.pop("POWERKB_POLICIES", None)
os.environ.pop("POWERKB_UNCHECKED", None)


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Every test session gets its own cache (so a stale cache can never make a test pass),
    under pytest's temporary directory, and removes it at the end (a run leaves nothing in /tmp)."""
    path = tmp_path_factory.mktemp("powerkb-cache")
    os.environ["POWERKB_CACHE"] = str(path)
    yield path
    shutil.rmtree(path, ignore_errors=True)
os.environ.pop("POWERKB_LANG", None)  # Chinese, the default, unless a test asks for --lang en


@pytest.fixture(scope="session")
def base():
    import kb

    return kb.load(POLICIES)


@pytest.fixture(scope="session")
def store(base):
    return base.store


@pytest.fixture(scope="session")
def q(base):
    """Run a query on the real KB as of a fixed date, in the item view (one row per item, or per
    item and date): what the query-language tests check. Obligations: `qo`."""
    from datetime import date

    def run(text, as_of=date(2021, 6, 1)):
        return base.query(text, as_of=as_of, items=True)

    return run


@pytest.fixture(scope="session")
def qo(base):
    """Run a query on the real KB as of a fixed date in the default view: obligations."""
    from datetime import date

    def run(text, as_of=date(2021, 6, 1), **kw):
        return base.query(text, as_of=as_of, **kw)

    return run


@pytest.fixture
def tree_copy(tmp_path):
    """A private copy of the policy tree that a test may break."""
    dest = tmp_path / "policies"
    shutil.copytree(POLICIES, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


@pytest.fixture
def cli(capsys):
    """Run `powerkb ARGS...` in-process: returns (exit code, stdout, stderr)."""
    from kb.cli import main

    def run(*args):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own usage errors
            code = exc.code
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
