"""An on-disk cache of encoded PDF streams (photos' compressed samples, font subsets), so that
rendering a page again does not decode, convert, subset and compress what has not changed.

Where: `$XDG_CACHE_HOME/typeset/streams` (default `~/.cache/typeset/streams`); `TYPESET_CACHE=off`
turns it off. An entry is one file named by the sha256 of its key, holding a header line (the
key itself, a few facts, the stream's length and CRC-32) and the stream's bytes; a read gives
the stream only when the stored key equals the wanted one and length and CRC match, so a changed
source file (size, mtime), setting or library version is a miss, never a stale answer. Stores go
to a uniquely named temporary file renamed over the entry, so two renders writing at once each
leave a whole file. At most MAX_ENTRIES entries are kept (the least recently used go first).
Any failure to read or write is silent: the cache only saves time.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from pathlib import Path

from typeset.cache import cache_dir as shared_cache_dir, file_key, module_key, put_file, trim  # noqa: F401 (re-exported)

CACHE_FORMAT = 1
MAX_ENTRIES = 200          # photos and font subsets of a few editions; older ones are removed
_MAGIC = b"typeset-stream\n"
_code_keys: dict[str, str] = {}


def cache_dir() -> Path | None:
    """The folder of stream entries, or None when the cache is turned off."""
    base = shared_cache_dir()
    return None if base is None else base / "streams"


def code_key(source_file: str) -> str:
    """sha256 of one of our own modules' source: an entry made by other code is a miss."""
    if source_file not in _code_keys:
        try:
            _code_keys[source_file] = hashlib.sha256(Path(source_file).read_bytes()).hexdigest()
        except OSError:
            _code_keys[source_file] = "unreadable"
    return _code_keys[source_file]


def _stored(key) -> str:
    return json.dumps([CACHE_FORMAT, key], sort_keys=True, ensure_ascii=True)


def _entry(folder: Path, stored_key: str) -> Path:
    return folder / (hashlib.sha256(stored_key.encode()).hexdigest()[:40] + ".bin")


def load(key) -> tuple[dict, bytes] | None:
    """(facts, stream) stored for exactly `key`, else None."""
    folder = cache_dir()
    if folder is None:
        return None
    stored_key = _stored(key)
    path = _entry(folder, stored_key)
    try:
        with open(path, "rb") as f:
            data = f.read()
        if not data.startswith(_MAGIC):
            return None
        end = data.index(b"\n", len(_MAGIC))
        head = json.loads(data[len(_MAGIC):end])
        stream = data[end + 1:]
        if head.get("key") != stored_key or head.get("length") != len(stream) \
                or head.get("crc") != zlib.crc32(stream):
            return None
        os.utime(path)       # recently used: kept when the cache is trimmed
        return head.get("facts", {}), stream
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def store(key, facts: dict, stream: bytes) -> bool:
    """Keep `stream` (and a few JSON-able `facts`) for `key`; False when it could not be written."""
    folder = cache_dir()
    if folder is None:
        return False
    stored_key = _stored(key)
    path = _entry(folder, stored_key)
    try:
        head = json.dumps({"key": stored_key, "facts": facts, "length": len(stream),
                           "crc": zlib.crc32(stream)}, sort_keys=True, ensure_ascii=True)
    except (TypeError, ValueError):
        return False
    if not put_file(path, _MAGIC + head.encode() + b"\n" + stream):
        return False
    trim(folder, MAX_ENTRIES, ".bin")   # the least recently used beyond MAX_ENTRIES go
    return True


