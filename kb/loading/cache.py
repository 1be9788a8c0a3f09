"""The built knowledge base, cached per version of the policy tree.

Parsing and validating the YAML takes a good part of a second; a query must answer in a fraction
of that. So the loaded tree (pickled), the verdict of `powerkb check` on it and the SQLite store
are kept in the user cache directory under a key that hashes every file of `policies/` and the
code version: any edit to a policy file makes a new key, and the next command rebuilds.

Reliability rules (docs/reliability.md):

* the key is the hash of the bytes that are parsed (a `Snapshot` reads each file once), and a
  build is cached only if the tree on disk still hashes the same afterwards, so a file edited
  during a build never poisons the cache;
* an entry is built under an exclusive `flock` on `build.lock` in its directory; a process that
  waited reuses the finished build. A process using an entry holds a shared lock on `use.lock`,
  and pruning skips any entry whose locks it cannot take at once;
* a cached file that does not read back (a torn pickle, a garbled or truncated store) is rebuilt,
  never fatal;
* a cache location that cannot be used (read-only, a file, /dev/null) means a temporary cache
  for this run, removed at exit, with a one-line note on stderr.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

from kb.core.errors import PolicyProblems
from kb.core.paths import configured_cache_root, policies_dir
from kb.core.records import field, record
from kb.core.version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold command's time)
if TYPE_CHECKING:  # the model is imported where a tree is read: a query on the store never needs it
    from kb.model.entities import Problem, Tree

try:
    import fcntl
    LOCK_SH, LOCK_EX, LOCK_NB = fcntl.LOCK_SH, fcntl.LOCK_EX, fcntl.LOCK_NB
except ImportError:  # no flock (Windows): builds are still atomic, only not coordinated
    fcntl = None
    LOCK_SH, LOCK_EX, LOCK_NB = 1, 2, 4


def _flock(fd: int, how: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, how)

CACHE_FORMAT = "18"

KEEP = 4
"""Cached versions of the tree kept side by side (say, two branches and two recent edits)."""

_roots: dict[str, Path] = {}  # configured cache root -> the root actually used this run


def configured_root() -> Path:
    return configured_cache_root()


def _unusable(root: Path) -> str | None:
    """Why `root` cannot hold the cache, or None when it can (a file is created and removed)."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".probe.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def cache_root() -> Path:
    """The cache directory: the configured one, or (when that cannot be written) a temporary
    directory for this run only, removed at exit."""
    wanted = configured_root()
    got = _roots.get(str(wanted))
    if got is None:
        reason = _unusable(wanted)
        got = wanted if reason is None else _temporary_root(wanted, reason)
        _roots[str(wanted)] = got
    return got


_temporaries: list[Path] = []  # temporary cache roots of this run, removed at exit


def exit_work_pending() -> bool:
    """Has this run left work for the interpreter's exit (a temporary cache root to remove)?
    The console script then exits normally instead of at once (kb/console.py)."""
    return bool(_temporaries)


def _temporary_root(wanted: Path, reason: str) -> Path:
    import atexit
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="powerkb-cache-"))
    _temporaries.append(tmp)
    atexit.register(shutil.rmtree, tmp, True)
    print(f"powerkb: note: cache directory {wanted} is not usable ({reason}); building in a temporary one for this run",
          file=sys.stderr)
    return tmp


# --- what is cached: the bytes read ------------------------------------------------------------

@record(frozen=True)
class Snapshot:
    """The bytes of every file of a policy tree, read once: the key is their hash, and the loader
    and the checker parse these same bytes (never the files again), so what is cached under a
    key is exactly what was hashed. An unreadable file is recorded as None (the loader reports it).
    """

    root: Path
    files: dict = field(repr=False)  # relative posix path -> bytes | None ("" for an export file)
    key: str


def _walk(root: Path) -> tuple[list[Path], list[str]]:
    """Files under `root`, sorted, skipping __pycache__, and every other entry's relative path
    (directories and the like: a directory named `x.yaml` in documents/ changes what loads)."""
    found, others = [], []
    for here, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for n in [*dirs, *names]:
            path = Path(here) / n
            if path.is_file():
                found.append(path)
            else:
                others.append(path.relative_to(root).as_posix())
    return sorted(found), sorted(others)


def snapshot(root: Path) -> Snapshot:
    """The bytes of a tree's files and their hash, with the tree's own path: two copies of a
    tree have two entries, since the problems of a check name the files of one of them."""
    import hashlib  # here, not at the top: a query on a warm cache never hashes (known_fingerprint)

    h = hashlib.sha256(f"{__version__}/{CACHE_FORMAT}\0{root}\0".encode())
    files: dict[str, bytes | None] = {}
    if root.is_file():
        paths = [(root, "")]
        h.update(b"export\0")
    else:
        found, others = _walk(root)
        paths = [(p, p.relative_to(root).as_posix()) for p in found]
        h.update("\0".join(others).encode() + b"\0others\0")
    for path, rel in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            data = None
            h.update(f"{rel}\0unreadable {exc.errno}\0".encode())
        else:
            h.update(rel.encode() + b"\0" + data + b"\0")
        files[rel] = data
    return Snapshot(root, files, h.hexdigest()[:20])


def fingerprint(root: Path) -> str:
    """A hash of every file under the policy tree (names and bytes) and of the code version.

    `root` may also be a JSON export (`powerkb export --format json`) used as a policy tree:
    then the hash is of that one file."""
    return snapshot(root).key


def cache_dir(key: str) -> Path:
    return cache_root() / key


# --- files: atomic writes, stale temporaries ---------------------------------------------------

def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(directory: Path, pattern: str = "*.tmp") -> None:
    """Remove `NAME.PID.tmp` files left by killed runs (their PID is no longer alive)."""
    try:
        candidates = list(directory.glob(pattern))
    except OSError:
        return
    for tmp in candidates:
        parts = tmp.name.rsplit(".", 2)
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) != os.getpid() and not pid_alive(int(parts[1])):
            with contextlib.suppress(OSError):
                tmp.unlink()


def write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: a reader never sees half a file. Plain `open`, so
    a new file gets the usual permissions (the umask's). For the cache's own files; exports go
    through `kb.export.formats.write_output`, which also keeps what is at the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


# --- locks and pruning -------------------------------------------------------------------------

_held: dict[str, int] = {}  # entry dir -> fd of its use.lock, held (shared) while this process runs


@contextlib.contextmanager
def _locked(path: Path, how: int):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _flock(fd, how)
        yield fd
    finally:
        os.close(fd)


def prune(current: str) -> None:
    """Remove all but the newest KEEP cached versions; a cache must not grow with every edit.

    An entry in use (its use.lock held by a reader) or being built (build.lock) is skipped: the
    locks are taken without waiting, and held while the entry is removed."""
    import shutil

    try:
        dirs = [d for d in cache_root().iterdir() if d.is_dir() and d.name != current]
        dirs.sort(key=lambda d: d.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in dirs[KEEP - 1:]:
        try:
            with _locked(old / "use.lock", LOCK_EX | LOCK_NB), \
                    _locked(old / "build.lock", LOCK_EX | LOCK_NB):
                shutil.rmtree(old, ignore_errors=True)
        except OSError:  # in use, being built, or already gone
            continue


@record(frozen=True)
class CacheEntry:
    """Where one version of one policy tree is cached: the one place that computes these paths."""

    root: Path
    key: str
    snapshot: Snapshot | None = field(default=None, compare=False, repr=False)

    @property
    def dir(self) -> Path:
        return cache_dir(self.key)

    @property
    def tree_path(self) -> Path:
        return self.dir / "tree.pickle"

    @property
    def store_path(self) -> Path:
        return self.dir / "kb.sqlite"

    @property
    def verdict_path(self) -> Path:
        return self.dir / "check.json"

    @contextlib.contextmanager
    def building(self):
        """Hold the entry's build lock (exclusive, waiting for another builder to finish)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with _locked(self.dir / "build.lock", LOCK_EX):
            remove_stale_temporaries(self.dir)
            yield

    def use(self) -> None:
        """Mark the entry in use by this process (a shared lock, kept until exit; its mtime
        touched so pruning keeps recently used entries)."""
        key = str(self.dir)
        if key in _held:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.dir / "use.lock", os.O_RDWR | os.O_CREAT, 0o644)
            _flock(fd, LOCK_SH)
            _held[key] = fd
            os.utime(self.dir)
        except OSError:
            pass

    def unchanged(self) -> bool:
        """Does the tree on disk still hash to this entry's key (no edit during the build)?"""
        return self.root.exists() and fingerprint(self.root) == self.key


def entry(policies=None) -> CacheEntry:
    """The cache entry of a policy tree (the bundled one, `--policies DIR` or an export file)."""
    root = policies_dir(policies)
    if not root.exists():
        return CacheEntry(root, "missing")
    key = _recorded_key(root)
    if key is not None:
        return CacheEntry(root, key)  # unchanged since hashed: the bytes are read only if a build needs them
    snap = snapshot(root)
    _record_key(root, snap.key)
    return CacheEntry(root, snap.key, snap)


RACY_NS = 2_000_000_000
"""A file changed this recently (2 s) may change again within the file system's timestamp
granularity without its stamp changing, so a stamp that recent is never trusted (git's "racy" rule)."""


def _stamp(root: Path) -> tuple[str, int]:
    """Every file's name, size, inode, modification and change times (and every other entry's
    name), and the newest of those times: what tells, without reading the files, that none
    changed since they were hashed."""
    st = root.stat()
    if root.is_file():
        return f"{root}\0{st.st_size}\0{st.st_ino}\0{st.st_mtime_ns}\0{st.st_ctime_ns}", max(st.st_mtime_ns, st.st_ctime_ns)
    found, others = _walk(root)
    lines, newest = [f"{__version__}/{CACHE_FORMAT}", *others], 0
    for path in found:
        st = path.stat()
        lines.append(f"{path}\0{st.st_size}\0{st.st_ino}\0{st.st_mtime_ns}\0{st.st_ctime_ns}")
        newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
    return "\n".join(lines), newest


def _stamp_record(root: Path) -> Path:
    import zlib

    return cache_root() / f"stamp-{zlib.crc32(str(root.resolve()).encode()):08x}.txt"


def _recorded_key(root: Path) -> str | None:
    """The key recorded for `root` when every file's stamp is still the recorded one, else None."""
    try:
        stamp, _ = _stamp(root)
        record = _stamp_record(root)
        known = record.read_text(encoding="utf-8") if record.is_file() else ""
    except OSError:
        return None
    key, _, recorded = known.partition("\n")
    return key if key and recorded == stamp else None


def _record_key(root: Path, key: str) -> None:
    """Record `key` with the files' stamps, unless a file changed within the racy window."""
    import time

    try:
        stamp, newest = _stamp(root)
        if newest < time.time_ns() - RACY_NS:
            write_atomic(_stamp_record(root), f"{key}\n{stamp}".encode())
    except OSError:
        pass  # a read-only cache directory only costs speed


def known_fingerprint(root: Path) -> str:
    """`fingerprint(root)`, without reading and hashing every file when their stamps (names, sizes,
    times) are those recorded the last time it was computed: a command on an unchanged tree then
    costs a few `stat` calls. Any doubt (no record, a changed stamp, a file changed in the last two
    seconds, an unreadable cache) computes the hash."""
    key = _recorded_key(root)
    if key is None:
        key = fingerprint(root)
        _record_key(root, key)
    return key


# --- the tree and its verdict ------------------------------------------------------------------

def read_source(root: Path, snap: Snapshot | None = None) -> Tree:
    """Read a tree from its files (the snapshot's bytes when given): a YAML directory, or a JSON
    export standing for one."""
    files = snap.files if snap is not None else None
    if root.is_file():
        from kb.loading.importer import read_export

        return read_export(root, files.get("") if files else None)
    from kb.loading.loader import read_tree

    return read_tree(root, files)


def _read_pickle(where: CacheEntry) -> Tree | None:
    import pickle  # only when the tree itself is needed: a query reads the store alone

    try:
        fmt, key, tree = pickle.loads(where.tree_path.read_bytes())
    except Exception:  # absent, stale, torn or garbled: rebuilt, never fatal
        return None
    from kb.model.entities import Tree  # (already imported by the unpickling)

    if (fmt, key) != (CACHE_FORMAT, where.key) or not isinstance(tree, Tree):
        return None
    tree.root = where.root
    return tree


def read_verdict(where: CacheEntry) -> list[Problem] | None:
    """The cached problems `powerkb check` found in this version of the tree (None: not cached)."""
    try:
        data = json.loads(where.verdict_path.read_text(encoding="utf-8"))
        if data["key"] != where.key or data["format"] != CACHE_FORMAT:
            return None
        if not data["problems"]:
            return []  # a clean tree: the model is not imported
        from kb.loading.loader import display_path
        from kb.model.entities import Problem

        return [Problem(display_path(Path(f)), n, m) for f, n, m in data["problems"]]
    except Exception:  # absent or garbled: checked again
        return None


def _write_entry(where: CacheEntry, tree: Tree, problems: list[Problem]) -> None:
    import pickle

    raw, tree.raw = tree.raw, {}
    try:
        write_atomic(where.tree_path, pickle.dumps((CACHE_FORMAT, where.key, tree), protocol=pickle.HIGHEST_PROTOCOL))
        verdict = {"key": where.key, "format": CACHE_FORMAT, "problems": [[os.path.abspath(p.file), p.line, p.message] for p in problems]}
        write_atomic(where.verdict_path, json.dumps(verdict, ensure_ascii=False).encode())
    except OSError:
        pass  # the cache only costs speed
    finally:
        tree.raw = raw


def load(where: CacheEntry, *, verify=None, use_cache: bool = True) -> tuple[Tree, list[Problem] | None]:
    """The tree of a cache entry and the problems `verify(tree, files)` finds in it (None when
    there is no `verify` and no cached verdict).

    A freshly read tree that loads without problems is cached with its verdict (a tree that
    fails the check is cached too, so that refusing it or `--unchecked` costs nothing next time),
    but only if the files on disk did not change while it was read."""
    if use_cache:
        where.use()
        found = _cached(where, verify)
        if found is not None:
            return found
        with where.building():
            found = _cached(where, verify)  # another process may have built it while we waited
            if found is not None:
                return found
            return _build(where, verify, cache=True)
    return _build(where, verify, cache=False)


def _cached(where: CacheEntry, verify) -> tuple[Tree, list[Problem] | None] | None:
    """The cached tree and verdict, or None when either is missing or unreadable (rebuild)."""
    tree = _read_pickle(where)
    verdict = read_verdict(where) if tree is not None else None
    if tree is None or (verify is not None and verdict is None):
        return None
    return tree, verdict


def _build(where: CacheEntry, verify, cache: bool) -> tuple[Tree, list[Problem] | None]:
    snap = None
    if where.root.exists():  # an entry keyed from recorded stamps reads the bytes now; `unchanged()` guards the key
        snap = where.snapshot if where.snapshot is not None else snapshot(where.root)
    tree = read_source(where.root, snap)
    problems = verify(tree, snap.files if snap else None) if verify else None
    if cache and not tree.problems and problems is not None and where.unchanged():
        _write_entry(where, tree, problems)
        prune(where.key)
    return tree, problems


def load_tree(where: CacheEntry, *, strict: bool = True, use_cache: bool = True, verify=None) -> Tree:
    """The tree of a cache entry: unpickled when cached, else read (and cached when clean).

    With `strict`, a tree whose files do not load raises `PolicyProblems`."""
    tree, _ = load(where, verify=verify, use_cache=use_cache)
    if tree.problems and strict:
        raise PolicyProblems(tree.problems)
    return tree
