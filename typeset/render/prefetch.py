"""Photos encoded while the page is still being laid out.

Encoding a photo the first time (decode, crop, convert, zlib of a few MiB of samples: ≈ 0.16 s
for the sample page's photo) would otherwise start only when the PDF is written, and the writer
would wait for it. Within `with prefetching():` (a render that will write the page), layout
reports each photo once it is placed with its final settings (`photo_placed`), and the photo is
encoded in a background thread at once; render/images.py `encode_all` takes that job when the
same item, with the same settings, is drawn. Outside that block (`typeset fit`, checks)
`photo_placed` does nothing. This module imports nothing heavy: layout imports it.
"""

from __future__ import annotations

from contextlib import contextmanager
from copy import copy

_state: dict | None = None      # while prefetching: {"pool": executor | None, "jobs": {...}}




@contextmanager
def prefetching():
    """Encode photos as soon as layout places them, until the block ends (the render wrote
    its PDF, or failed: jobs nobody took are cancelled, a running one is waited for, as the
    interpreter would at exit, so its cache entry is complete)."""
    global _state
    outer, _state = _state, {"pool": None, "jobs": {}}
    try:
        yield
    finally:
        pool = _state["pool"]
        _state = outer
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def photo_placed(item) -> None:
    """Layout placed `item` (a display.Image) with its final settings: start encoding it."""
    if _state is None or id(item) in _state["jobs"]:
        return
    from concurrent.futures import ThreadPoolExecutor

    from typeset.render.images import start_job

    if _state["pool"] is None:
        _state["pool"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="typeset-image")
    # the job encodes a copy: the settings as placed, whatever happens to the item meanwhile
    _state["jobs"][id(item)] = (item, copy(item), start_job(_state["pool"], copy(item)))


def take(item):
    """The job started for this very item with the settings it has now, else None."""
    if _state is None:
        return None
    started = _state["jobs"].pop(id(item), None)
    # every field as placed (not only those images.cache_key reads today: a field added there
    # and changed after placement must not let an encoding of the old item through)
    if started is None or started[0] is not item or started[1] != item:
        return None
    return started[2]
