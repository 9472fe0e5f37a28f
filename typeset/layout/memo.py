"""Layout kept between renders of one spec in a long-lived process (`typeset watch`).

Two levels, both exact (a render that reuses them writes the same bytes as a cold one):

- the composer's caches (normalised text, prepared paragraphs, line breaks), so a changed story
  re-breaks only its changed paragraphs;
- whole blocks: a block whose inputs are unchanged is not laid out again; what laying it out
  added to the page (display items, line records), to the composer's notices, missing glyphs,
  faces used and fallback glyphs, and its fit report are replayed.

A block's key is everything its layout reads: the block as loaded (options, content, caption,
placement, a jump's carried text), the page and grid, the text settings, the print settings, the
font roles, and the size and time of the files it names (a photo replaced under the same name).
"""

from __future__ import annotations

import copy
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from typeset import display as D
from typeset.layout.compose import Composer

# Compose caches are dropped when they hold more prepared paragraphs than this: an evening of
# edits must not grow the process without bound. The sample page holds about 130; each edit
# adds one or two (≈ 0.1 MiB): the process grows by at most ≈ 100 MiB, and once in some
# 900 edits one re-render composes every paragraph again.
MAX_PREPARED = 1_000
# The composer caches kept between layouts: pure functions of their keys with no side effect a
# hit would skip, or (prepared paragraphs) with their side effects replayed on a hit. A cache
# that skips a side effect (the per-(role, char) font lookup `_drawn`) is not kept, and a block
# starts with an empty one (see _record).
KEPT_CACHES = ("_normalized", "_prepared", "_sliced", "_broken", "_natural", "_fallbacks")


class _Recording(list):
    """A block's own item list: items it puts in front of the page (a box drawn under
    everything) are kept apart, to be put in front of the real page the same way."""

    def __init__(self) -> None:
        super().__init__()
        self.front: list = []

    def insert(self, index, item) -> None:
        if index != 0:
            raise NotImplementedError("a block may only put items in front of the page")
        self.front.append(item)


@dataclass
class _BlockResult:
    front: list        # items inserted at the page's front, in the order they were inserted
    items: list
    lines: list
    notices: list
    missing: list
    fonts_used: dict
    fallbacks: tuple   # (role, char, face) the block took from fallback faces
    report: object
    checks: dict | None = None   # check name → rows for this block's part of the page
    fit: tuple | None = None     # what fit.py's measuring found (needs, changes, state, issues)


class LayoutMemo:
    """What a long-lived process keeps between layouts of one page."""

    def __init__(self) -> None:
        self.fonts_key: bytes | None = None
        self.compose: dict[str, dict] = {}
        self.blocks: dict[bytes, _BlockResult] = {}
        self._used: set[bytes] = set()
        self._parts: list = []   # (block or None for the page header, _BlockResult) in page order
        self.hits = 0       # blocks replayed in the last layout
        self.misses = 0     # blocks laid out in the last layout

    def composer(self, book, spec) -> Composer:
        """A composer for this layout whose caches are the ones earlier layouts filled, as long
        as the font roles are the same (prepared paragraphs hold the fonts' measures)."""
        key = pickle.dumps((book.roles, book.source))
        if key != self.fonts_key or len(self.compose.get("_prepared", ())) > MAX_PREPARED:
            self.fonts_key = key
            self.compose = {k: {} for k in KEPT_CACHES if k in Composer.__dataclass_fields__}
            self.blocks = {}
        self.hits = self.misses = 0
        self._used = set()
        self._parts = []
        return Composer(book, spec.text, print_spec=spec.print, **self.compose)

    def finish(self) -> None:
        """Forget blocks the last layout did not use (an edited block's older versions)."""
        self.blocks = {k: v for k, v in self.blocks.items() if k in self._used}

    def key(self, spec, *parts) -> bytes | None:
        """The key of a block (or the page header): None when it cannot be made (then the
        block is laid out every time)."""
        files = []
        for part in parts:
            for attr in ("source", "file"):
                f = getattr(part, attr, None)
                if isinstance(f, Path):
                    files.append(_stamp(f))
            cap = getattr(getattr(part, "opts", None), "caption", None)
            if isinstance(cap, Path):
                files.append(_stamp(cap))
        try:
            return pickle.dumps((parts, spec.page, spec.grid, spec.text, spec.print,
                                 self.fonts_key, spec.header, files),
                                protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:   # something unpicklable: no memo for this block
            return None

    def part(self, spec, block) -> _BlockResult | None:
        """What laying out `block` of `spec` gave, when the memo holds it."""
        key = self.key(spec, block)
        return self.blocks.get(key) if key is not None else None

    def lay_out(self, key: bytes | None, fn: Callable[[D.Page], object], composer: Composer,
                page: D.Page, block=None):
        """Run fn(page) — the layout of `block` (None: the page header) — or replay what it
        did when key was seen."""
        hit = self.blocks.get(key) if key is not None else None
        if hit is None:
            self.misses += 1
            hit = _record(fn, composer, page)
            if key is not None:
                self.blocks[key] = hit
        else:
            self.hits += 1
        if key is not None:
            self._used.add(key)
        self._parts.append((block, hit))
        return _replay(hit, composer, page)

    def page_problems(self, spec, result) -> list:
        """checks.page_problems of the page just laid out, the same rows in the same order,
        with the checks that look at one block at a time (line widths, text outside its
        block, touching glyphs, dropped text) kept per block: only a block laid out again is
        checked again; the overlap check looks at the whole page every time."""
        from types import SimpleNamespace

        from typeset import checks

        page, grid = result.page, result.grid
        names = ("line", "outside", "touch", "dropped")
        rows: dict[str, list] = {n: [] for n in names}
        for block, part in self._parts:
            if part.checks is None:
                own = D.Page(page.width, page.height, items=part.front + part.items,
                             title=page.title, lines=part.lines)
                scope = SimpleNamespace(blocks=[block] if block is not None else [])
                skip = checks.reported_lines(own)
                part.checks = {
                    "line": checks.line_problems(own, grid),
                    "outside": checks.outside_problems(own, grid, scope, skip, result.faces),
                    "touch": checks.touch_rows(own, grid, result.faces, skip),
                    "dropped": checks.dropped_problems(
                        own, scope, [part.report] if part.report is not None else []),
                }
            for n in names:
                rows[n] += [copy.copy(r) for r in part.checks[n]]
        out = rows["line"] + rows["outside"]
        out += checks.overlap_rows(page, grid, checks.reported_lines(page))
        out += rows["touch"] + rows["dropped"]
        lines = {b.id: b.line for b in spec.blocks}
        for r in out:
            r.spec_line = lines.get(r.block, 0)
        return out


def _stamp(path: Path) -> tuple:
    try:
        st = path.stat()
        return (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        return (str(path), None, None)


def _record(fn, composer: Composer, page: D.Page) -> _BlockResult:
    own = D.Page(page.width, page.height, items=_Recording(), title=page.title)
    notices, missing = len(composer.notices), len(composer.missing)
    fonts_before = composer.fonts_used
    composer.fonts_used = {}
    # a composer cache that spares a font lookup also spares its record of a fallback glyph:
    # the block starts with its own, so it records every fallback glyph it draws
    drawn_before = getattr(composer, "_drawn", None)
    if drawn_before is not None:
        composer._drawn = {}
    fallbacks_before = composer._swap_fallbacks()
    try:
        report = fn(own)
    finally:
        fonts_used, composer.fonts_used = composer.fonts_used, fonts_before
        fallbacks = composer._merge_fallbacks(fallbacks_before)
        if drawn_before is not None:
            drawn_before.update(composer._drawn)
            composer._drawn = drawn_before
    result = _BlockResult(own.items.front, list(own.items), own.lines,
                          composer.notices[notices:], composer.missing[missing:], fonts_used,
                          fallbacks, copy.deepcopy(report))
    # the live composer already has the notices and missing glyphs; _replay adds them again
    del composer.notices[notices:], composer.missing[missing:]
    return result


def _replay(r: _BlockResult, composer: Composer, page: D.Page):
    for item in r.front:
        page.items.insert(0, item)
    page.items += r.items
    page.lines += r.lines
    composer.notices += r.notices
    composer.missing += r.missing
    composer.fonts_used.update(r.fonts_used)
    for role, ch, face in r.fallbacks:
        composer.fonts.chain(role).fallback_used.setdefault(ch, face)
    return copy.deepcopy(r.report)
