"""The cache key of a policy tree is the hash of its files; a warm command reuses the recorded
key while every file's stamp (name, size, inode, modification and change times) is unchanged.
An edit must always give a new key, however quickly it follows and whatever the editor does
to the modification time."""

from __future__ import annotations

import os
import time

from kb.loading import cache


def _age(root, seconds: float = 10) -> None:
    """Make every file look written `seconds` ago (older than the racy window)."""
    then = time.time() - seconds
    for folder, _dirs, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(folder, name), (then, then))


def _a_policy_file(root):
    return next(p for p in sorted(root.rglob("*.yaml")) if p.stat().st_size > 100)


def test_the_recorded_key_is_the_hash(tree_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("POWERKB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "RACY_NS", 0)  # the change times are now's (os.utime): trust them
    _age(tree_copy)
    first = cache.known_fingerprint(tree_copy)
    assert first == cache.fingerprint(tree_copy)
    assert list((tmp_path / "cache").glob("stamp-*.txt"))  # recorded: the files are old enough
    assert cache.known_fingerprint(tree_copy) == first


def test_an_edit_of_the_same_size_with_the_old_mtime_changes_the_key(tree_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("POWERKB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "RACY_NS", 0)
    _age(tree_copy)
    before = cache.known_fingerprint(tree_copy)
    assert list((tmp_path / "cache").glob("stamp-*.txt"))  # recorded: what follows must not trust it
    path = _a_policy_file(tree_copy)
    st = path.stat()
    data = path.read_bytes()
    i = data.index(b"\n")  # one byte changed, the size kept, the modification time put back
    path.write_bytes(data[:i] + b"#" + data[i + 1:] if data[i - 1:i] != b"#" else data[:i - 1] + b" " + data[i:])
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size
    after = cache.known_fingerprint(tree_copy)
    assert after != before
    assert after == cache.fingerprint(tree_copy)


def test_a_fresh_edit_is_never_recorded(tree_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("POWERKB_CACHE", str(tmp_path / "cache"))
    path = _a_policy_file(tree_copy)
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # just written
    key = cache.known_fingerprint(tree_copy)
    assert key == cache.fingerprint(tree_copy)
    assert not list((tmp_path / "cache").glob("stamp-*.txt"))
