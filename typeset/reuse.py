"""Results a long-lived process (`typeset watch`) may keep between renders of a page.

Off by default: a one-shot render gains nothing from them and would only hold memory. When on,
each store keeps its most recently used entries, keyed by everything the result depends on
(files by path, size and modification time), so a reused result is the same bytes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class Store:
    """A small least-recently-used map that holds nothing until enabled. Safe to use from
    several threads (photos are encoded in background threads: render/images.py)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.limit = 0
        self.hits = 0
        self._d: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        if not self.limit:
            return None
        with self._lock:
            value = self._d.get(key)
            if value is not None:
                self._d.move_to_end(key)
                self.hits += 1
        return value

    def put(self, key, value) -> None:
        if not self.limit:
            return
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.limit:
                self._d.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


# (Encoded photos, font subsets and photo checks are also kept on disk for every command:
# render/streamcache.py, cache.py.)
YAML = Store("parsed YAML")          # spec, roles and front matter text → parsed mapping
RUNS = Store("drawn glyph runs")      # id(run) → the run, its content-stream operators
LITERALS = Store("glyph run operators")  # a run's content → its content-stream operators
TALLIES = Store("glyph tallies")      # (PDF name, face key) → the glyphs its runs use (pdf.py)
PHOTOS = Store("encoded photos")      # a photo's stream cache key → its encoded samples
LIMITS = {YAML: 256, RUNS: 4000, LITERALS: 4000, TALLIES: 128, PHOTOS: 8}


def enable(on: bool = True) -> None:
    """Keep results between renders (watch), or stop and forget them."""
    for store, limit in LIMITS.items():
        store.limit = limit if on else 0
        if not on:
            store.clear()


def file_stamp(path) -> tuple | None:
    """What identifies a file's content for these stores: path, size, modification time."""
    import os

    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return (str(path), None, None)
    return (str(path), st.st_size, st.st_mtime_ns)


class suspended:
    """Within `with reuse.suspended():` nothing is reused or kept, and nothing kept is lost
    (a benchmark's baseline in the same process)."""

    def __enter__(self):
        self._limits = {store: store.limit for store in LIMITS}
        for store in LIMITS:
            store.limit = 0
        return self

    def __exit__(self, *exc) -> None:
        for store, limit in self._limits.items():
            store.limit = limit
