"""A small cache on disk for facts that are slow to find and the same every run for the same
input: per-font facts, the installed-font list, glyph ink boxes, character classes, photos that
passed their check (the PDF writer's encoded streams have their own, render/streamcache.py).

Where: `$XDG_CACHE_HOME/typeset` (default `~/.cache/typeset`); `TYPESET_CACHE=off` turns it off
(nothing read or written). Each entry is one JSON file holding the key it was made for and the
value; a read gives the value only when the stored key equals the wanted one, so a changed font
file (size, mtime) or library version is a miss, never a stale answer. A file that cannot be read
or parsed is ignored and replaced by the next store. Stores go to a uniquely named temporary file
in the same folder, renamed over the entry: two renders writing at once each leave a whole file
(the last one wins), a reader never sees half of one. The cache only saves time: any failure to
read or write it is silent and the run computes the facts itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

# Bumped when the layout of the cache's files changes: older entries are then misses.
CACHE_FORMAT = 1


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    if os.environ.get("TYPESET_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):     # XDG: a relative path is invalid and is to be ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "typeset"


def as_stored(key):
    """The key as it reads back from JSON (tuples become lists), for comparing."""
    return json.loads(json.dumps(key, sort_keys=True))


def load(name: str, key) -> object | None:
    """The value stored under `name` for exactly `key`, else None."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        with open(folder / name, "rb") as f:
            entry = json.loads(f.read())
        if (entry.get("format") == CACHE_FORMAT and entry.get("key") == as_stored(key)):
            return entry["value"]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass    # missing, unreadable, half-written by a foreign tool, or not our format: a miss
    return None


def store(name: str, key, value) -> bool:
    """Store `value` for `key` under `name` (atomically); False when it could not be written."""
    folder = cache_dir()
    if folder is None:
        return False
    try:
        data = json.dumps({"format": CACHE_FORMAT, "key": as_stored(key), "value": value},
                          ensure_ascii=False, sort_keys=True).encode("utf-8")
    except (TypeError, ValueError):
        return False
    return put_file(folder / name, data)


def trim(folder: Path, keep: int, suffix: str = ".json") -> None:
    """Keep the `keep` most recently written entries (files ending in `suffix`) of a cache
    folder whose entries are one per input (a photo's check, a photo's or font's stream):
    remove the others, so a desk that places thousands of photos a year does not fill the
    disk with them."""
    try:
        entries = [e for e in os.scandir(folder) if e.name.endswith(suffix)]
        if len(entries) <= keep:
            return
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for e in entries[:len(entries) - keep]:
            os.unlink(e.path)
    except OSError:
        pass    # another render trimmed it first, or the folder is gone: nothing to do


def put_file(path: Path, data: bytes) -> bool:
    """Write a cache entry whole or not at all: a uniquely named temporary file in the same
    folder, renamed over `path` (no fsync: a lost entry only costs time). False on failure."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "xb") as f:
            f.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return False


def file_key(path: str | os.PathLike) -> list | None:
    """What identifies a file's contents cheaply: [absolute path, size, mtime in ns]; None if
    missing."""
    try:
        st = os.stat(path)
    except (OSError, TypeError, ValueError):
        return None
    return [os.path.abspath(os.fspath(path)), st.st_size, st.st_mtime_ns]


def module_key(module: str) -> list | None:
    """The installed version of a library without importing it: the file key of its
    `__init__` (changes when the library is upgraded or reinstalled)."""
    from importlib.util import find_spec

    try:
        spec = find_spec(module)
    except (ImportError, ValueError):
        return None
    return file_key(spec.origin) if spec is not None and spec.origin else None
