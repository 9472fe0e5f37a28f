"""Photos encoded while the page is still being laid out.

Encoding a photo the first time (decode, crop, convert, zlib of a few MiB of samples: ≈ 0.16 s
for the sample page's photo) would otherwise start only when the PDF is written, and the writer
would wait for it. Within `with prefetching():` (a render that will write the page), a photo is
encoded in a background thread from the moment what decides its samples is known:
- before layout (`photos_ahead`), for a photo block whose shown part the spec alone decides
  (its `photo_lines` given, or `fit: contain`): layout_photo's own computation of the crop,
  with the print settings;
- otherwise when layout places it with its final settings (`photo_placed`).
A job started ahead is given to the placed photo only when the two have the same encoding key
(`images.cache_key`: the same file, crop and print settings, which is what the disk cache of
encoded photos trusts too); else the placed photo is encoded afresh. render/images.py
`encode_all` takes the placed photo's job when the same item, with the same settings, is drawn.
Outside that block (`typeset fit`, checks) both do nothing. This module imports nothing heavy:
layout imports it.
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
    outer, _state = _state, {"pool": None, "jobs": {}, "ahead": {}}
    try:
        yield
    finally:
        pool = _state["pool"]
        _state = outer
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def photos_ahead(spec) -> None:
    """Start encoding, before layout, every photo of `spec` whose encoded samples the spec
    alone decides (layout/elements.py `photo_ahead`)."""
    if _state is None:
        return
    blocks = [b for b in spec.blocks if b.kind == "photo"]
    if not blocks:
        return
    from typeset.layout.elements import photo_ahead
    from typeset.layout.grid import Grid
    from typeset.render.images import cache_key

    grid = Grid.on_page(spec.grid, spec.page)
    for block in blocks:
        item = photo_ahead(block, grid, spec.print)
        key = cache_key(item) if item is not None else None
        if key is not None and repr(key) not in _state["ahead"]:
            _state["ahead"][repr(key)] = _start(item)


def photo_placed(item) -> None:
    """Layout placed `item` (a display.Image) with its final settings: start encoding it, or
    give it the job started ahead for the same samples."""
    if _state is None or id(item) in _state["jobs"]:
        return
    job = None
    if _state["ahead"]:
        from typeset.render.images import cache_key

        key = cache_key(item)
        job = _state["ahead"].get(repr(key)) if key is not None else None
    # the job encodes a copy: the settings as placed, whatever happens to the item meanwhile
    _state["jobs"][id(item)] = (item, copy(item), job or _start(copy(item)))


def _start(item):
    from concurrent.futures import ThreadPoolExecutor

    from typeset.render.images import start_job

    if _state["pool"] is None:
        _state["pool"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="typeset-image")
    return start_job(_state["pool"], item)


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
