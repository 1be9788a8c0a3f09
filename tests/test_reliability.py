"""Reliability (issue 15): nothing destroyed, no stuck cache, no broken tree served.

One test per defect class; the broken inputs themselves are files under tests/corpus/ (see its
README), so a new defect of a known class is a new corpus file."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import kb
from kb.core.errors import PolicyProblems, TreeRejected

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"
TREES = sorted((CORPUS / "trees").glob("*.yaml"))
EXPORTS = sorted((CORPUS / "exports").glob("*.yaml"))


def apply_edits(root: Path, edits) -> None:
    for e in edits:
        if "rename" in e:
            a, b = e["rename"]
            (root / a).rename(root / b)
        elif "delete" in e:
            (root / e["delete"]).unlink()
        elif "encode" in e:
            path, codec = e["encode"]
            (root / path).write_bytes((root / path).read_text(encoding="utf-8").encode(codec))
        elif "mkdir" in e:
            (root / e["mkdir"]).mkdir()
        else:
            path = root / e["file"]
            text = path.read_text(encoding="utf-8")
            assert e["find"] in text, f"corpus edit does not apply: {e['find']!r} not in {e['file']}"
            path.write_text(text.replace(e["find"], e["replace"], 1), encoding="utf-8")


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A cache of this test's own (so corrupting it cannot harm other tests)."""
    path = tmp_path / "cache"
    monkeypatch.setenv("POWERKB_CACHE", str(path))
    return path


def _env(**extra) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **extra}
    env.pop("POWERKB_UNCHECKED", None)
    return env


def _powerkb(*args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "kb.cli", *args], capture_output=True, text=True,
                          env=env or _env(), cwd=ROOT, timeout=120, check=False, **kw)


# --- 5. a tree that fails the check is not served ---------------------------------------------

@pytest.mark.parametrize("case", TREES, ids=[p.stem for p in TREES])
def test_corpus_tree_is_reported_by_check_and_refused(case, tree_copy):
    """Every broken tree of the corpus: `check` names the fault, and loading it is refused with
    the first problems and a pointer to `powerkb check` (query, evaluate, TUI and API all load
    through here)."""
    spec = yaml.safe_load(case.read_text(encoding="utf-8"))
    apply_edits(tree_copy, spec["edits"])
    with pytest.raises(TreeRejected) as err:  # the problems are those of `check` (one function)
        kb.load(tree_copy)
    assert any(spec["expect"] in str(p) for p in err.value.problems), err.value.problems[:5]
    if "max_problems" in spec:  # the real error is not buried under problems that follow from it
        assert len(err.value.problems) <= spec["max_problems"], err.value.problems[:10]
    assert "powerkb check" in str(err.value) and "--unchecked" in str(err.value)


@pytest.fixture
def nan_tree(tree_copy):
    spec = yaml.safe_load((CORPUS / "trees" / "nan-target.yaml").read_text(encoding="utf-8"))
    apply_edits(tree_copy, spec["edits"])
    return tree_copy


def test_refused_tree_cli_exit_and_explicit_override(nan_tree, cli, monkeypatch):
    """query is refused (exit 1, the problem, the pointer); --unchecked and POWERKB_UNCHECKED=1
    serve it with a warning on stderr; the API marks the base and every result."""
    code, out, err = cli("--policies", str(nan_tree), "query", "doc = shanxi", "--format", "csv")
    assert code == 1 and out == "" and "not a finite number" in err and "powerkb check" in err
    code, out, err = cli("--policies", str(nan_tree), "--unchecked", "query", "doc = shanxi", "--format", "csv")
    assert code == 0 and "shanxi:goal.1" in out and "warning: unchecked" in err
    monkeypatch.setenv("POWERKB_UNCHECKED", "1")
    code, out, err = cli("--policies", str(nan_tree), "query", "count doc = shanxi")
    assert code == 0 and "warning: unchecked" in err
    monkeypatch.delenv("POWERKB_UNCHECKED")
    base = kb.load(nan_tree, checked=False)
    assert base.unchecked and any("not a finite number" in p.message for p in base.problems)
    assert base.query("doc = shanxi").unchecked is True


def test_unchecked_nan_never_written_as_json(nan_tree, cli):
    """JSON output never contains NaN: with the override, the item's JSON is a clear error."""
    code, out, err = cli("--policies", str(nan_tree), "--unchecked", "show", "shanxi:goal.1", "--format", "json")
    assert code == 1 and "NaN" not in out and "cannot write JSON" in err
    code, out, err = cli("--policies", str(nan_tree), "evaluate", str(ROOT / "examples" / "cases.csv"), "--format", "json")
    assert code == 1 and out == "" and "not a finite number" in err  # refused: no flipped verdicts
    from kb.core.jsonout import NotJson, dumps

    with pytest.raises(NotJson):
        dumps({"value": float("nan")})


def test_clean_tree_is_served_unflagged(base):
    assert base.problems == [] and not base.unchecked
    assert base.query("doc = nea").unchecked is False


def test_check_runs_once_per_fingerprint(tree_copy, monkeypatch, own_cache):
    """The verdict is cached with the build: a second open of the same tree never checks again."""
    import kb.verify.check as check_module

    calls = []
    real = check_module.check
    monkeypatch.setattr(check_module, "check", lambda *a, **k: calls.append(1) or real(*a, **k))
    kb.load(tree_copy)
    from kb.base import KnowledgeBase

    again = KnowledgeBase.open(tree_copy, lazy=True)
    assert len(calls) == 1 and again.problems == [] and len(again.query("doc = nea").rows) > 0


@pytest.fixture(scope="module")
def export_data(tmp_path_factory):
    from kb.export.formats import to_json

    return json.loads(to_json(kb.load()))


def _set(data, path, value):
    node = data
    for step in path[:-1]:
        node = next(e for e in node if e.get("id") == step["id"]) if isinstance(step, dict) else node[step]
    node[path[-1]] = value


@pytest.mark.parametrize("case", EXPORTS, ids=[p.stem for p in EXPORTS])
def test_corpus_export_is_validated_before_use(case, export_data, tmp_path, cli):
    """A JSON export used as --policies is validated (docs/schema/export-v1.json, then the checks
    that need no source text): a clear error naming the fault, never an internal error."""
    spec = yaml.safe_load(case.read_text(encoding="utf-8"))
    data = json.loads(json.dumps(export_data))
    _set(data, spec["path"], float("nan") if spec["value"] == "NaN" else spec["value"])
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(PolicyProblems) as err:
        kb.load(path)
    assert spec["expect"] in str(err.value)
    code, _, stderr = cli("--policies", str(path), "query", "count doc = shanxi")
    assert code == 1 and "internal error" not in stderr and spec["expect"] in stderr
    code, out, _ = cli("--policies", str(path), "check")  # check reads an export too
    assert code == 1 and spec["expect"] in out


def test_check_accepts_a_clean_export(base, tmp_path, cli):
    code, _, _ = cli("export", "--format", "json", "-o", str(tmp_path / "kb.json"))
    assert code == 0
    code, out, _ = cli("--policies", str(tmp_path / "kb.json"), "check")
    assert code == 0 and out.startswith(f"ok: {len(base.items)} items") and "quotes need the YAML tree" in out


# --- 2. a damaged cache is rebuilt, never stuck ------------------------------------------------

def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "truncate":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "garble-header":
        path.write_bytes(b"\xab" * 100 + bytes(data[100:]))
    elif how == "garble-body":
        path.write_bytes(bytes(data[:4096]) + b"\xab" * (len(data) - 4096))
    elif how == "empty":
        path.write_bytes(b"")


@pytest.fixture(scope="module")
def built_cache(tmp_path_factory):
    """A complete cache of the bundled tree, built once and copied by each test that damages it;
    with the answers it gives."""
    path = tmp_path_factory.mktemp("built") / "cache"
    old = os.environ["POWERKB_CACHE"]
    os.environ["POWERKB_CACHE"] = str(path)
    try:
        from kb.base import KnowledgeBase

        first = KnowledgeBase.open(lazy=True)
        want = [r.id for r in first.query("due <= 2021-12 and doc = nea").rows]
        first.store.close()
        n_nea = sum(1 for i in first.items.values() if i.doc == "nea")
    finally:
        os.environ["POWERKB_CACHE"] = old
    return path, want, n_nea


@pytest.mark.parametrize(("what", "how"), [
    ("kb.sqlite", "truncate"), ("kb.sqlite", "garble-header"), ("kb.sqlite", "garble-body"), ("kb.sqlite", "empty"),
    ("tree.pickle", "truncate"), ("tree.pickle", "garble-body"), ("check.json", "garble-header"),
])
def test_damaged_cache_file_is_rebuilt(how, what, own_cache, built_cache, cli):
    """Truncate or garble a cached file: the next command answers as before (rebuilt once),
    and so does every later one."""
    from kb.base import KnowledgeBase

    template, want, n_nea = built_cache
    shutil.copytree(template, own_cache, ignore=shutil.ignore_patterns("*.lock"))
    (entry,) = [d for d in own_cache.iterdir() if d.is_dir()]
    _damage(entry / what, how)
    for _ in range(2):
        fresh = KnowledgeBase.open(lazy=True)
        assert [r.id for r in fresh.query("due <= 2021-12 and doc = nea").rows] == want
        assert fresh.item("nea:ledger.23").id == "nea:ledger.23"
    code, out, err = cli("query", "count doc = nea")
    assert code == 0 and out.strip() == str(n_nea), err


def test_store_failing_on_first_query_is_rebuilt(own_cache):
    """SQLite's DatabaseError on a query (a page broken past what opening reads) rebuilds once."""
    from kb.base import KnowledgeBase

    fresh = KnowledgeBase.open(lazy=True)
    want = [r.id for r in fresh.query("doc = nea").rows]
    real_execute = sqlite3.Connection.execute
    broken = {"left": 1}

    class Flaky:
        def __init__(self, con):
            self.con = con

        def execute(self, *a, **k):
            if broken["left"]:
                broken["left"] -= 1
                raise sqlite3.DatabaseError("database disk image is malformed")
            return real_execute(self.con, *a, **k)

        def __getattr__(self, name):
            return getattr(self.con, name)

    fresh.store.con = Flaky(fresh.store.con)
    fresh.store.memo.clear()
    assert [r.id for r in fresh.query("doc = nea").rows] == want


# --- 3. concurrent builds and pruning -----------------------------------------------------------

def test_prune_skips_entries_in_use_and_being_built(own_cache, tree_copy):
    import fcntl

    from kb.loading import cache

    keys = [f"old{i}" for i in range(cache.KEEP + 3)]
    in_use, building = keys[0], keys[1]  # the oldest two: pruned first if not protected
    for key in keys:
        (own_cache / key).mkdir(parents=True)
        (own_cache / key / "kb.sqlite").write_bytes(b"x")
    fd1 = os.open(own_cache / in_use / "use.lock", os.O_RDWR | os.O_CREAT)
    fd2 = os.open(own_cache / building / "build.lock", os.O_RDWR | os.O_CREAT)
    for i, key in enumerate(keys):
        os.utime(own_cache / key, (1000 + i, 1000 + i))
    fcntl.flock(fd1, fcntl.LOCK_SH)
    fcntl.flock(fd2, fcntl.LOCK_EX)
    try:
        cache.prune("current")
    finally:
        os.close(fd1)
        os.close(fd2)
    left = {d.name for d in own_cache.iterdir()}
    assert {in_use, building} <= left and len(left - {in_use, building}) == cache.KEEP - 1


CONCURRENT = """
import sys, kb
for root in sys.argv[1:]:
    base = kb.load(root)
    assert len(base.query('doc = nea').rows) > 0
"""


def test_concurrent_processes_sharing_one_cache(tmp_path, own_cache):
    """Two processes loading the same five trees (more than KEEP) in opposite orders through one
    cache: builds wait for each other and reuse the result; pruning never removes an entry in
    use or being built (this failed 55 of 120 runs with FileNotFoundError before)."""
    trees = []
    for n in range(5):
        root = tmp_path / f"t{n}"
        shutil.copytree(ROOT / "policies", root, ignore=shutil.ignore_patterns("__pycache__"))
        (root / "units.yaml").write_text((root / "units.yaml").read_text(encoding="utf-8") + f"\n# variant {n}\n", encoding="utf-8")
        trees.append(str(root))
    env = _env(POWERKB_CACHE=str(own_cache))
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, *order], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for order in (trees, trees[::-1])]
    results = [p.communicate(timeout=180) + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0, 0], [r[1][-2000:] for r in results]
    assert not list(own_cache.glob("*/*.tmp"))


# --- 4. a file edited during a build does not poison the cache ---------------------------------

def test_edit_during_build_is_not_cached(tree_copy, own_cache, monkeypatch):
    """The key is the hash of the bytes parsed; if the tree changed while it was read, nothing is
    cached, and the next load sees the edit."""
    from kb.loading import loader

    real = loader._read_tree
    doc = tree_copy / "documents" / "nea.yaml"

    def edit_while_reading(root):
        tree = real(root)
        doc.write_text(doc.read_text(encoding="utf-8").replace("nea", "nea", 1) + "\n# edited\n", encoding="utf-8")
        return tree

    monkeypatch.setattr(loader, "_read_tree", edit_while_reading)
    kb.load(tree_copy)
    assert not list(own_cache.glob("*/tree.pickle"))
    monkeypatch.setattr(loader, "_read_tree", real)
    kb.load(tree_copy)
    assert len(list(own_cache.glob("*/tree.pickle"))) == 1


def test_parse_uses_the_bytes_that_were_hashed(tree_copy, own_cache):
    """The loader parses the snapshot's bytes, not the file as it is later on disk."""
    from kb.loading.cache import read_source, snapshot

    snap = snapshot(tree_copy)
    (tree_copy / "documents" / "nea.yml").write_text("junk", encoding="utf-8")
    doc = tree_copy / "documents" / "shanxi.yaml"
    doc.write_text("not: [valid", encoding="utf-8")
    tree = read_source(tree_copy, snap)
    assert "shanxi" in tree.documents and not any("shanxi.yaml" in p.file for p in tree.problems)


# --- 6. an unusable cache location means a temporary cache -------------------------------------

@pytest.mark.parametrize("where", ["file", "devnull", "under-a-file"])
def test_unusable_cache_location_builds_in_a_temporary_one(where, tmp_path, monkeypatch, cli):
    target = {"file": tmp_path / "f", "devnull": Path("/dev/null"), "under-a-file": tmp_path / "f" / "cache"}[where]
    (tmp_path / "f").write_text("not a directory")
    monkeypatch.setenv("POWERKB_CACHE", str(target))
    code, out, err = cli("query", "count doc = nea")
    assert code == 0 and int(out) > 0, err
    notes = [line for line in err.splitlines() if line.startswith("powerkb: note:")]
    assert len(notes) == 1 and "temporary" in notes[0] and "internal error" not in err
    assert (tmp_path / "f").read_text() == "not a directory"


# --- 7. the index's run-break token is not searchable -------------------------------------------

@pytest.mark.parametrize("query", ['text ~ "qz0runbreak0zq"', '"QZ0RUNBREAK0ZQ"', 'summary ~ "qz0runbreak0zq"'])
def test_run_break_token_finds_nothing(q, query):
    from kb.store.textindex import RUN_BREAK

    assert RUN_BREAK == "qz0runbreak0zq"
    assert len(q(query).rows) == 0


# --- 1. export -o keeps what is at the path -------------------------------------------------------

def test_export_keeps_mode_owner_and_hard_links(base, tmp_path):
    from kb.export.formats import export

    target = tmp_path / "items.csv"
    target.write_text("old")
    target.chmod(0o600)
    link = tmp_path / "hard.csv"
    os.link(target, link)
    export(base, "csv", target)
    assert link.read_bytes() == target.read_bytes() and target.read_bytes().startswith(b"\xef\xbb\xbfid,")
    assert os.stat(target).st_ino == os.stat(link).st_ino
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    os.unlink(link)
    export(base, "jsonl", target)  # the atomic path (one link): the mode is kept too
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600 and target.read_text().startswith("{")


def test_export_follows_symlinks_and_writes_through_fifos_and_devices(base, tmp_path):
    import threading

    from kb.export.formats import export

    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    export(base, "csv", link)
    assert link.is_symlink() and real.read_bytes().startswith(b"\xef\xbb\xbfid,")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    export(base, "jsonl", fifo)
    reader.join(10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and got and got[0].startswith(b"{")
    export(base, "csv", "/dev/null")  # as root this once replaced the device with a file
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_write_failures_are_cannot_write_and_leave_no_temporary(base, tmp_path, monkeypatch, cli):
    from kb.export.formats import WriteError, export

    with pytest.raises(WriteError, match="cannot write /dev/full"):
        export(base, "csv", "/dev/full")
    with pytest.raises(WriteError, match="cannot write /dev/full"):
        export(base, "sqlite", "/dev/full")
    from kb.store import database

    def full(*a, **k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(database, "_fill", full)
    code, _, err = cli("export", "--format", "sqlite", "-o", str(tmp_path / "kb.sqlite"))
    assert code == 1 and "cannot write" in err and "disk is full" in err
    monkeypatch.undo()

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export(base, "csv", tmp_path / "out.csv")
    assert not list(tmp_path.glob(".*.tmp")) and not (tmp_path / "out.csv").exists()


def test_export_removes_stale_temporaries_of_dead_runs(base, tmp_path):
    from kb.export.formats import export

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=False)
    stale = tmp_path / f".out.csv.{int(dead.stdout)}.tmp"
    stale.write_text("left by a killed run")
    alive = tmp_path / f".out.csv.{os.getppid()}.tmp"
    alive.write_text("a running export")
    export(base, "csv", tmp_path / "out.csv")
    assert not stale.exists() and alive.exists()


def test_sigterm_during_export_leaves_no_temporary(tmp_path):
    """SIGTERM is turned into an exception by the CLI, so the temporary file is removed."""
    import signal
    import time

    fifo_dir = tmp_path / "out"
    fifo_dir.mkdir()
    script = (
        "import os, sys, time\n"
        "import kb.export.formats as f\n"
        "real = os.fsync\n"
        "def slow(fd):\n"
        "    print('writing', flush=True); time.sleep(30)\n"
        "os.fsync = slow\n"
        "from kb.cli import main\n"
        f"sys.exit(main(['export', '--format', 'csv', '-o', {str(fifo_dir / 'x.csv')!r}]))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], env=_env(), cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    assert list(fifo_dir.glob(".*.tmp"))
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    time.sleep(0.1)
    assert proc.returncode == 143 and not list(fifo_dir.iterdir())


def test_stdout_on_a_full_disk_is_a_clear_error():
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "kb.cli", "export", "--format", "json"], stdout=full,
                                stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT, timeout=120, check=False)
    assert result.returncode == 1 and "cannot write standard output" in result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


# --- 9. the tests' own cache -------------------------------------------------------------------

def test_test_cache_is_under_pytest_tmp(tmp_path_factory):
    assert Path(os.environ["POWERKB_CACHE"]).is_relative_to(tmp_path_factory.getbasetemp())


def test_key_covers_every_entry_and_the_tree_path(tree_copy, tmp_path):
    """A directory named like a document changes what loads, so it changes the key; and two
    copies of one tree are two entries (a cached verdict names the files of one of them)."""
    from kb.loading.cache import fingerprint

    before = fingerprint(tree_copy)
    (tree_copy / "documents" / "x.yaml").mkdir()
    assert fingerprint(tree_copy) != before
    (tree_copy / "documents" / "x.yaml").rmdir()
    assert fingerprint(tree_copy) == before
    other = tmp_path / "other"
    shutil.copytree(tree_copy, other)
    assert fingerprint(other) != before


def test_stale_build_temporaries_are_removed(own_cache, built_cache):
    """A build killed half-way leaves kb.sqlite.PID.tmp: the next build of the entry removes it."""
    from kb.base import KnowledgeBase

    template, want, _ = built_cache
    shutil.copytree(template, own_cache, ignore=shutil.ignore_patterns("*.lock"))
    (entry,) = [d for d in own_cache.iterdir() if d.is_dir()]
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=False)
    stale = entry / f"kb.sqlite.{int(dead.stdout)}.tmp"
    stale.write_bytes(b"half a database")
    (entry / "kb.sqlite").unlink()
    assert [r.id for r in KnowledgeBase.open(lazy=True).query("due <= 2021-12 and doc = nea").rows] == want
    assert not stale.exists()


@pytest.mark.parametrize("which", ["sources/raw", "sources/shanxi-2021.txt", "documents/nea.yaml"])
def test_unreadable_files_are_problems_not_crashes(which, tree_copy, monkeypatch):
    """As root, chmod cannot make a file unreadable: reading it is made to fail instead. Check
    reports the file ('cannot read') with nothing cascading from it, and loading refuses it."""
    from kb.loading.loader import read_tree
    from kb.verify.check import check

    bad = tree_copy / which
    real_is_file, real_read = Path.is_file, Path.read_bytes

    def denied(path):
        if path == bad or bad in path.parents:
            raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Path, "is_file", lambda p: denied(p) or real_is_file(p))
    monkeypatch.setattr(Path, "read_bytes", lambda p: denied(p) or real_read(p))
    problems = [str(p) for p in check(read_tree(tree_copy))]
    assert any("cannot read: Permission denied" in p for p in problems), problems[:5]
    assert len(problems) <= 3, problems[:10]


def test_tui_says_unchecked_and_refuses_without_the_override(nan_tree):
    """The TUI is served the same KB: refused without the override; with it, the header says so."""
    import asyncio

    from tui.app import PowerKBApp
    from tui.app import run as run_tui

    with pytest.raises(TreeRejected):
        run_tui(policies=nan_tree)

    async def header():
        app = PowerKBApp(kb.load(nan_tree, checked=False))
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            return app.sub_title

    assert "UNCHECKED" in asyncio.run(header())


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another owner")
def test_export_keeps_the_owner(base, tmp_path):
    from kb.export.formats import export

    target = tmp_path / "owned.csv"
    target.write_text("old")
    os.chown(target, 4321, 4321)
    export(base, "csv", target)
    st = os.stat(target)
    assert (st.st_uid, st.st_gid) == (4321, 4321) and target.read_bytes().startswith(b"\xef\xbb\xbfid,")
