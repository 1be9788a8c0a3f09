"""The built knowledge base, cached per version of the policy tree.

Parsing and validating the YAML takes a good part of a second; a query must answer in a fraction
of that. So the loaded tree (pickled) and the SQLite store are kept in the user cache directory
under a key that hashes every file of `policies/` and the code version: any edit to a policy file
makes a new key, and the next command rebuilds.
"""

from __future__ import annotations

import os
from pathlib import Path

from kb.core.errors import PolicyProblems
from kb.core.paths import policies_dir
from kb.core.version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold command's time)
if TYPE_CHECKING:  # the model is imported where a tree is read: a query on the store never needs it
    from kb.model.entities import Tree

CACHE_FORMAT = "14"


def cache_root() -> Path:
    env = os.environ.get("POWERKB_CACHE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("powerkb"))


def fingerprint(root: Path) -> str:
    """A hash of every file under the policy tree (names and bytes) and of the code version.

    `root` may also be a JSON export (`powerkb export --format json`) used as a policy tree:
    then the hash is of that one file.
    """
    import hashlib

    h = hashlib.sha256(f"{__version__}/{CACHE_FORMAT}".encode())
    if root.is_file():
        h.update(b"export\0")
        h.update(root.read_bytes())
        return h.hexdigest()[:20]
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(root)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:20]


def cache_dir(key: str) -> Path:
    return cache_root() / key


def write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: a reader never sees half a file. Plain `open`, so
    the file gets the usual permissions (the umask's), not a temporary file's private ones."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


KEEP = 4
"""Cached versions of the tree kept side by side (say, two branches and two recent edits)."""


def prune(current: str) -> None:
    """Remove all but the newest KEEP cached versions; a cache must not grow with every edit."""
    import shutil

    try:
        dirs = [d for d in cache_root().iterdir() if d.is_dir() and d.name != current]
    except OSError:
        return
    dirs.sort(key=lambda d: d.stat().st_mtime, reverse=True)
    for old in dirs[KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)


class CacheEntry:
    """Where one version of one policy tree is cached: the one place that computes these paths.

    A plain immutable class rather than a dataclass: `dataclasses` (with `inspect`) is the largest
    import of `powerkb show` otherwise."""

    __slots__ = ("key", "root")

    def __init__(self, root: Path, key: str):
        object.__setattr__(self, "root", root)
        object.__setattr__(self, "key", key)

    def __setattr__(self, name, value):
        raise AttributeError(f"CacheEntry is immutable: cannot set {name}")

    def __eq__(self, other) -> bool:
        return isinstance(other, CacheEntry) and (self.root, self.key) == (other.root, other.key)

    def __hash__(self) -> int:
        return hash((self.root, self.key))

    def __repr__(self) -> str:
        return f"CacheEntry(root={self.root!r}, key={self.key!r})"

    @property
    def dir(self) -> Path:
        return cache_dir(self.key)

    @property
    def tree_path(self) -> Path:
        return self.dir / "tree.pickle"

    @property
    def store_path(self) -> Path:
        return self.dir / "kb.sqlite"


def entry(policies=None) -> CacheEntry:
    """The cache entry of a policy tree (the bundled one, `--policies DIR` or an export file)."""
    root = policies_dir(policies)
    return CacheEntry(root, known_fingerprint(root) if root.exists() else "missing")


RACY_NS = 2_000_000_000
"""A file changed this recently (2 s) may change again within the file system's timestamp
granularity without its stamp changing, so a stamp that recent is never trusted (git's "racy" rule)."""


def _stamp(root: Path) -> tuple[str, int]:
    """Every file's name, size, inode, modification and change times, and the newest of those
    times: what tells, without reading the files, that none changed since they were hashed."""
    st = root.stat()
    if root.is_file():
        return f"{root}\0{st.st_size}\0{st.st_ino}\0{st.st_mtime_ns}\0{st.st_ctime_ns}", max(st.st_mtime_ns, st.st_ctime_ns)
    lines, newest = [f"{__version__}/{CACHE_FORMAT}"], 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            st = os.stat(os.path.join(folder, name))
            lines.append(f"{folder}/{name}\0{st.st_size}\0{st.st_ino}\0{st.st_mtime_ns}\0{st.st_ctime_ns}")
            newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
    return "\n".join(lines), newest


def known_fingerprint(root: Path) -> str:
    """`fingerprint(root)`, without reading and hashing every file when their stamps (names, sizes,
    times) are those recorded the last time it was computed: a command on an unchanged tree then
    costs a few `stat` calls. Any doubt (no record, a changed stamp, a file changed in the last two
    seconds, an unreadable cache) computes the hash."""
    import time
    import zlib

    try:
        stamp, newest = _stamp(root)
        record = cache_root() / f"stamp-{zlib.crc32(str(root.resolve()).encode()):08x}.txt"
        known = record.read_text(encoding="utf-8") if record.is_file() else ""
    except OSError:
        return fingerprint(root)
    key, _, recorded = known.partition("\n")
    if key and recorded == stamp:
        return key
    key = fingerprint(root)
    if newest < time.time_ns() - RACY_NS:
        try:
            write_atomic(record, f"{key}\n{stamp}".encode())
        except OSError:
            pass  # a read-only cache directory only costs speed
    return key


def read_source(root: Path) -> Tree:
    """Read a tree from its files: a YAML directory, or a JSON export standing for one."""
    if root.is_file():
        from kb.loading.importer import read_export

        return read_export(root)
    from kb.loading.loader import read_tree

    return read_tree(root)


def load_tree(where: CacheEntry, *, strict: bool = True, use_cache: bool = True) -> Tree:
    """The tree of a cache entry: unpickled when cached, else read (and cached when clean).

    With `strict`, a tree whose files do not load raises `PolicyProblems`."""
    import pickle

    if use_cache and where.tree_path.is_file():
        try:
            tree = pickle.loads(where.tree_path.read_bytes())
            tree.root = where.root
            return tree
        except Exception:  # a stale or torn cache file is rebuilt, never fatal
            pass
    tree = read_source(where.root)
    if tree.problems and strict:
        raise PolicyProblems(tree.problems)
    if use_cache and not tree.problems:
        raw, tree.raw = tree.raw, {}
        try:
            write_atomic(where.tree_path, pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL))
            prune(where.key)
        except OSError:
            pass  # a read-only cache directory only costs speed
        finally:
            tree.raw = raw
    return tree
