"""A small cache on disk for facts that are slow to find and the same every run for the same
input: per-font facts, the installed-font list, word segmentation of display lines.

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

import hashlib
import json
import os
import time
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
    path = folder / name
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        data = json.dumps({"format": CACHE_FORMAT, "key": as_stored(key), "value": value},
                          ensure_ascii=False, sort_keys=True).encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "xb") as f:
            f.write(data)
        os.replace(tmp, path)
        return True
    except (OSError, TypeError, ValueError):
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
    except (OSError, ValueError):
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


def load_bytes(name: str, key) -> tuple[object, bytes] | None:
    """(facts, data) stored by `store_bytes` under `name` for exactly `key`, else None."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        with open(folder / name, "rb") as f:
            head = json.loads(f.readline())
            if head.get("format") != CACHE_FORMAT or head.get("key") != as_stored(key):
                return None
            data = f.read()
        if len(data) != head["length"] or hashlib.sha256(data).hexdigest() != head["sha256"]:
            return None     # cut short or changed on disk
        os.utime(folder / name)          # recently used: kept longest by `prune`
        return head["value"], data
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def store_bytes(name: str, key, value, data: bytes, keep: int = 0) -> bool:
    """Store `data` with JSON `value` for `key` under `name` (atomically, like `store`); with
    `keep`, then delete all but the `keep` most recently used files of that folder."""
    folder = cache_dir()
    if folder is None:
        return False
    path = folder / name
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        head = json.dumps({"format": CACHE_FORMAT, "key": as_stored(key), "value": value,
                           "length": len(data), "sha256": hashlib.sha256(data).hexdigest()},
                          ensure_ascii=True, sort_keys=True).encode("ascii")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "xb") as f:
            f.write(head + b"\n")
            f.write(data)
        os.replace(tmp, path)
    except (OSError, TypeError, ValueError):
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return False
    if keep:
        prune(path.parent, keep)
    return True


def prune(folder: Path, keep: int) -> None:
    """Delete all but the `keep` most recently used entries of `folder` (and stale temporary
    files a killed run left behind)."""
    try:
        entries = []
        for e in os.scandir(folder):
            if e.name.endswith(".tmp"):
                if e.stat().st_mtime < time.time() - 3600:
                    os.unlink(e.path)
                continue
            entries.append((e.stat().st_mtime_ns, e.path))
        for _, p in sorted(entries, reverse=True)[keep:]:
            os.unlink(p)
    except OSError:
        pass        # another run pruned first, or the folder is read-only


def source_key(*modules: str) -> str:
    """A digest of the source files of typeset's own modules that make a cached result, so an
    edit to them is a miss without anyone remembering to bump a version."""
    from importlib.util import find_spec

    h = hashlib.sha256()
    for m in modules:
        spec = find_spec(m)
        with open(spec.origin, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]
