"""Proofreading checks on a laid-out page (the display list), as a layout editor would do them.

Each check returns a list of readable problems; an empty list means the page passes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from typeset import display as D
from typeset.layout.grid import BASELINE_RATIO, Grid
from typeset.text import classes as C

FLUSH_TOLERANCE = 0.5   # pt: a justified line may miss the column edge by at most this
TOUCH_TOLERANCE = 0.01  # pt: boxes closer than this count as touching
JOINED = {"—", "⸺"}     # dash glyphs drawn to touch: a 破折号 is one unbroken 2-em rule


def body_lines(page: D.Page) -> list[D.LineInfo]:
    return [ln for ln in page.lines if ln.kind == "body"]


def kinsoku_problems(page: D.Page, level: str = "gb") -> list[str]:
    out = []
    for ln in body_lines(page):
        if C.no_line_start(C.char_class(ln.text[0]), level):
            out.append(f"{ln.owner}: line starts with {ln.text[0]}: {ln.text}")
        if not ln.last and C.no_line_end(C.char_class(ln.text[-1]), level):
            out.append(f"{ln.owner}: line ends with {ln.text[-1]}: {ln.text}")
    return out


def flush_problems(page: D.Page) -> list[str]:
    out = []
    for ln in body_lines(page):
        if not ln.last and abs(ln.width - ln.measure) > FLUSH_TOLERANCE:
            out.append(f"{ln.owner}: line {ln.width:.2f} pt in a {ln.measure:.2f} pt column: {ln.text}")
        if ln.last and ln.width > ln.measure + FLUSH_TOLERANCE:
            out.append(f"{ln.owner}: last line too wide: {ln.text}")
    return out


def grid_problems(page: D.Page, grid: Grid) -> list[str]:
    out = []
    for ln in body_lines(page):
        if abs(ln.baseline - grid.baseline(ln.grid_line)) > 1e-6:
            out.append(f"{ln.owner}: baseline {ln.baseline:.3f} is off grid line {ln.grid_line}")
    return out


def orphan_problems(page: D.Page) -> list[str]:
    out = []
    for ln in body_lines(page):
        if ln.last:
            core = [c for c in ln.text if C.char_class(c) not in (C.STOP, C.PAUSE, C.CLOSE, C.OPEN)]
            if len(core) < 2:
                out.append(f"{ln.owner}: paragraph ends with a lone character: {ln.text}")
    return out


def _boxes(page: D.Page) -> list[tuple[str, float, float, float, float]]:
    """(label, x0, y0, x1, y1) of every text line and photo. Runs of one line (several faces on
    one baseline, drawn one after another) are merged into one box."""
    out: list[list] = []
    for it in page.items:
        if isinstance(it, D.GlyphRun) and it.glyphs:
            x0 = it.glyphs[0].x
            x1 = it.glyphs[-1].x + it.size
            y0 = it.y - BASELINE_RATIO * it.size
            y1 = it.y + (1 - BASELINE_RATIO) * it.size
            if out and out[-1][5] == (it.owner, round(it.y, 3)) and abs(out[-1][3] - x0) < it.size * 1.5:
                box = out[-1]
                box[1], box[2] = min(box[1], x0), min(box[2], y0)
                box[3], box[4] = max(box[3], x1), max(box[4], y1)
            else:
                out.append([f"{it.owner} text at ({x0:.1f}, {it.y:.1f})", x0, y0, x1, y1,
                            (it.owner, round(it.y, 3))])
        elif isinstance(it, D.Image):
            out.append([f"{it.owner} photo", it.x, it.y, it.x + it.w, it.y + it.h, None])
    return [tuple(b[:5]) for b in out]


def overlap_problems(page: D.Page) -> list[str]:
    """Text lines and photos that touch or overlap each other."""
    boxes = sorted(_boxes(page), key=lambda b: b[2])
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if b[2] >= a[4] - TOUCH_TOLERANCE:
                break
            if a[1] < b[3] - TOUCH_TOLERANCE and b[1] < a[3] - TOUCH_TOLERANCE:
                out.append(f"{a[0]} overlaps {b[0]}")
    return out


def all_problems(page: D.Page, grid: Grid, level: str = "gb") -> list[str]:
    return (kinsoku_problems(page, level) + flush_problems(page) + grid_problems(page, grid)
            + orphan_problems(page) + overlap_problems(page))


_INK: dict = {}    # (face key, gid) → exact ink extent (outline bounds); cached per process
_CBOX: dict = {}   # (face key, gid) → HarfBuzz control box, which always contains the ink
_GLYPH_SETS: dict = {}   # face key → fontTools glyph set (building one parses the CFF index)

# Both kinds of box are also kept on disk per face (typeset/cache.py), keyed by the font file
# (path, size, mtime), the face index and the versions of HarfBuzz and fontTools that measured
# them: a warm run of the sample page asks HarfBuzz for ≈ 1,250 control boxes and draws ≈ 50
# outlines into fontTools' BoundsPen (≈ 25 ms) otherwise. The stored numbers are the measured
# floats (JSON keeps them exactly), so the checks' results are the same either way.
BOXES_VERSION = 1
_BOXES_LOADED: dict = {}   # face key → (cache entry name, key) or None (no disk entry)
_BOXES_NEW: set = set()    # face keys with boxes measured since they were loaded or saved


def _boxes_entry(face):
    """(cache entry name, key) of a face's glyph boxes; None for a face without a font file."""
    ref = getattr(face, "ref", None)
    if ref is None or getattr(face, "hb_font", None) is None:
        return None
    from typeset import cache

    file_key = cache.file_key(ref.path)
    if file_key is None:
        return None
    return (f"ink-boxes/{face.key}.json",
            [BOXES_VERSION, file_key, ref.index, cache.module_key("uharfbuzz"),
             cache.module_key("fontTools")])


def _load_boxes(face) -> None:
    """Fill the process's box caches for `face` from the disk cache (once per face)."""
    if face.key in _BOXES_LOADED:
        return
    entry = _boxes_entry(face)
    _BOXES_LOADED[face.key] = None
    if entry is None:
        return
    from typeset import cache

    stored = cache.load(*entry)
    try:
        rough = _ROUGH.setdefault(face.key, {})
        for kind, known in (("rough", _CBOX), ("ink", _INK)):
            for gid, box in stored[kind].items() if isinstance(stored, dict) else ():
                box = None if box is None else (float(box[0]), float(box[1]))
                known.setdefault((face.key, int(gid)), box)
                if kind == "rough":
                    rough.setdefault(int(gid), box)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        _BOXES_NEW.add(face.key)   # a damaged entry: measure what is missing, then rewrite it
    _BOXES_LOADED[face.key] = entry


def save_glyph_boxes(faces) -> None:
    """Write back the glyph boxes of each face that the checks measured anew in this run."""
    from typeset import cache

    for fk in {f.key for f in faces.values()} & _BOXES_NEW:
        entry = _BOXES_LOADED.get(fk)
        if entry:
            cache.store(*entry, {"rough": {str(g): b for (k, g), b in _CBOX.items() if k == fk},
                                 "ink": {str(g): b for (k, g), b in _INK.items() if k == fk}})
        _BOXES_NEW.discard(fk)


def _ink_box(face, gid: int, cache: dict | None = None, rough: bool = False
             ) -> tuple[float, float] | None:
    """Horizontal ink extent of a glyph in 1/1000 em (None for blank glyphs). `rough`: HarfBuzz's
    glyph extents (fast; the box of the outline's control points, never smaller than the ink),
    good for ruling a glyph out; otherwise the exact bounds of the outline (fontTools)."""
    key = (face.key, gid)
    if face.key not in _BOXES_LOADED:
        _load_boxes(face)
    scale = 1000 / face.upem
    hb_font = getattr(face, "hb_font", None)
    if rough and hb_font is not None:
        if key not in _CBOX:
            ext = hb_font.get_glyph_extents(gid)
            _CBOX[key] = (None if ext is None or (ext.width == 0 and ext.height == 0) else
                          (ext.x_bearing * scale, (ext.x_bearing + ext.width) * scale))
            _rough_boxes(face)[gid] = _CBOX[key]
            _BOXES_NEW.add(face.key)
        return _CBOX[key]
    if key not in _INK:
        from fontTools.pens.boundsPen import BoundsPen

        if hb_font is not None:
            # HarfBuzz draws the outline into fontTools' pen: the same segments, hence the same
            # bounds, without building a glyph set (which parses the whole CFF and hmtx)
            pen = BoundsPen(None)
            hb_font.draw_glyph_with_pen(gid, pen)
        else:
            glyphs = _GLYPH_SETS.get(face.key)
            if glyphs is None:
                glyphs = _GLYPH_SETS[face.key] = face.font.getGlyphSet()
            pen = BoundsPen(glyphs)
            glyphs[face.font.getGlyphName(gid)].draw(pen)
        _INK[key] = None if pen.bounds is None else (pen.bounds[0] * scale, pen.bounds[2] * scale)
        _BOXES_NEW.add(face.key)
    return _INK[key]


_ROUGH: dict = {}   # face key → {gid: HarfBuzz control box}: _CBOX by face, for the per-glyph loops


def _rough_boxes(face) -> dict:
    """The control boxes of `face` known so far, gid → box (fill with _ink_box(rough=True))."""
    boxes = _ROUGH.get(face.key)
    if boxes is None:
        _load_boxes(face)
        boxes = _ROUGH.setdefault(face.key, {})
    return boxes


def glyph_touch_problems(page: D.Page, faces: dict, min_gap: float = 0.05) -> list[str]:
    """Neighbouring glyphs on a line whose ink comes closer than `min_gap` pt (or overlaps):
    what punctuation compression or a wrong advance would cause."""
    cache: dict = {}
    out = []
    for it in page.items:
        if not isinstance(it, D.GlyphRun) or len(it.glyphs) < 2:
            continue
        face = faces[it.face]
        prev_right = None
        prev_text = ""
        for g in it.glyphs:
            box = _ink_box(face, g.gid, cache)
            if box is None:
                continue
            left, right = g.x + box[0] * it.size / 1000, g.x + box[1] * it.size / 1000
            joined = prev_text == g.text == "—"   # the two halves of a 破折号 make one rule
            if prev_right is not None and left - prev_right < min_gap and g.text.strip() \
                    and not joined:
                out.append(f"{it.owner}: '{prev_text}{g.text}' touch at y={it.y:.1f} "
                           f"({left - prev_right:.2f} pt apart)")
            prev_right, prev_text = right, g.text
    return out


# ---- product checks: run after every layout, each problem a row of the fit report ----------

OUTSIDE_TOLERANCE = 0.5   # pt: ink box of a line may cross its block edge by at most this


@dataclass
class Problem:
    """One thing wrong on a laid-out page: which check, which block, where on the grid, what is
    wrong and what the editor can change."""

    check: str      # overfull | headline | outside | overlap | touch | dropped
    block: str
    where: str      # grid position: "column 2, line 12"
    detail: str
    fix: str
    spec_line: int = 0   # line of the block in the spec file (YAML), kept apart from `where`

    def as_dict(self) -> dict:
        return {"check": self.check, "block": self.block, "where": self.where,
                "spec_line": self.spec_line, "detail": self.detail, "fix": self.fix}


def grid_position(grid: Grid, x: float, y_top: float) -> str:
    """'column C, line L' of the grid cell holding the point (x, y_top) (1-based)."""
    step = grid.spec.column_width + grid.spec.gutter
    col = math.floor((x - grid.left + 1e-6) / step) + 1
    line = math.floor((y_top - grid.top + 1e-6) / grid.pitch) + 1
    return f"column {col}, line {line}"


def _line_where(grid: Grid, ln: D.LineInfo, size: float) -> str:
    return grid_position(grid, ln.x, ln.baseline - BASELINE_RATIO * size)


def _block_rects(spec, grid: Grid) -> dict[str, list[tuple[float, float, float, float]]]:
    """owner → rectangles (x0, y0, x1, y1) the block may draw text in; a boxed block's rule and
    a header are outside the grid and are not text."""
    out: dict[str, list] = {}
    for b in spec.blocks:
        x, y, w, h = grid.rect(b.place)
        out[b.id] = [(x, y, x + w, y + h)]
    return out


_DISPLAY_FIX = {
    "headline": "shorten the title, put a space where it may break, or widen the headline "
                "(columns, or title_columns)",
    "masthead": "shorten the masthead or widen the block",
}


def line_problems(page: D.Page, grid: Grid) -> list[Problem]:
    """Overfull body lines and display lines (headlines, subheads, titles, bylines, mastheads)
    wider than their measure."""
    out = []
    for ln in page.lines:
        over = ln.width - ln.measure
        if ln.kind == "body" and not ln.last and -over > FLUSH_TOLERANCE:
            out.append(Problem("flush", ln.owner, _line_where(grid, ln, grid.size),
                               f"justified line ends {-over:.1f} pt short of the column edge: "
                               f"{ln.text[:30]}", "break the long word or number in the copy, "
                               "or widen the block"))
            continue
        if ln.kind == "headline-vertical" or over <= FLUSH_TOLERANCE:
            continue
        size = grid.size
        em = over / size
        if ln.kind == "body":
            out.append(Problem("overfull", ln.owner, _line_where(grid, ln, size),
                               f"line is {em:.1f} em ({over:.1f} pt) wider than its "
                               f"{ln.measure:.1f} pt column: {ln.text[:30]}",
                               "break the long word or number (a space or a hyphen in the copy), "
                               "or widen the block"))
        else:
            out.append(Problem("headline", ln.owner, _line_where(grid, ln, size),
                               f"{ln.kind} is {ln.width:.1f} pt wide in a {ln.measure:.1f} pt "
                               f"measure, even at the smallest size allowed: {ln.text[:30]}",
                               _DISPLAY_FIX.get(ln.kind, "shorten the text, put a space where "
                                                "it may break, or widen the block")))
    return out


def _run_boxes(page: D.Page):
    """(owner, x0, y0, x1, y1, run) of every glyph run, advance boxes by the em square."""
    for it in page.items:
        if isinstance(it, D.GlyphRun) and it.glyphs:
            x0 = it.glyphs[0].x
            x1 = it.glyphs[-1].x + it.size
            yield (it.owner, x0, it.y - BASELINE_RATIO * it.size, x1,
                   it.y + (1 - BASELINE_RATIO) * it.size, it)


def _run_text(run) -> str:
    """The text of a glyph run (joined only for a problem's message)."""
    return run if isinstance(run, str) else "".join(g.text for g in run.glyphs)


_UNKNOWN = object()   # a glyph whose box is not known yet


def _ink_extent(run: D.GlyphRun, faces: dict, rough: bool = False) -> tuple[float, float] | None:
    """Left and right of the ink of a run, pt (None when nothing in it has ink); `rough` gives
    a box that may be larger than the ink, never smaller."""
    face = faces.get(run.face)
    if face is None:
        return run.glyphs[0].x, run.glyphs[-1].x + run.size
    left = right = None
    boxes = _rough_boxes(face) if rough and getattr(face, "hb_font", None) is not None else None
    size = run.size
    for g in run.glyphs:
        # the face's dict of known control boxes first (most glyphs), else measured
        box = _UNKNOWN if boxes is None else boxes.get(g.gid, _UNKNOWN)
        if box is _UNKNOWN:
            box = _ink_box(face, g.gid, rough=rough)
        if box is None:
            continue
        gl, gr = g.x + box[0] * size / 1000, g.x + box[1] * size / 1000
        if left is None:
            left, right = gl, gr
        else:            # min() and max(), without two calls a glyph
            if gl < left:
                left = gl
            if gr > right:
                right = gr
    return None if left is None else (left, right)


def outside_problems(page: D.Page, grid: Grid, spec, skip: set, faces: dict) -> list[Problem]:
    """Ink of text outside its block's rectangle (the page header may use the margin)."""
    rects = _block_rects(spec, grid)
    out, seen = [], set()
    for owner, x0, y0, x1, y1, run in _run_boxes(page):
        if owner not in rects:
            continue
        ink = _ink_extent(run, faces, rough=True)
        if ink is None:
            continue
        if not any(ink[0] >= r[0] - OUTSIDE_TOLERANCE and ink[1] <= r[2] + OUTSIDE_TOLERANCE
                   for r in rects[owner]):
            ink = _ink_extent(run, faces)      # the control box crosses: measure the ink
        x0, x1 = ink
        key = (owner, round(run.y, 1))
        if key in skip or key in seen:
            continue
        t = OUTSIDE_TOLERANCE
        if any(x0 >= r[0] - t and x1 <= r[2] + t and y0 >= r[1] - grid.spec.line_gap - t
               and y1 <= r[3] + grid.spec.line_gap + t for r in rects[owner]):
            continue
        seen.add(key)
        r = rects[owner][0]
        side = ("left" if x0 < r[0] - t else "right" if x1 > r[2] + t else
                "top" if y0 < r[1] else "bottom")
        out.append(Problem("outside", owner, grid_position(grid, max(x0, grid.left), y0),
                           f"text crosses the block's {side} edge: {_run_text(run)[:20]}",
                           "give the block more room or less text"))
    return out


def overlap_rows(page: D.Page, grid: Grid, skip: set) -> list[Problem]:
    """Text lines or photos of different blocks (or two lines of one) drawn over each other."""
    boxes = []
    for owner, x0, y0, x1, y1, run in _run_boxes(page):
        boxes.append((owner, x0, y0, x1, y1, run, round(run.y, 1)))
    for it in page.items:
        if isinstance(it, D.Image):
            boxes.append((it.owner, it.x, it.y, it.x + it.w, it.y + it.h, "photo", None))
    boxes.sort(key=lambda b: b[2])
    out, seen = [], set()
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if b[2] >= a[4] - TOUCH_TOLERANCE:
                break
            if not (a[1] < b[3] - TOUCH_TOLERANCE and b[1] < a[3] - TOUCH_TOLERANCE):
                continue
            if a[0] == b[0] and a[6] == b[6]:
                continue      # runs of one line in two faces
            if (a[0], a[6]) in skip or (b[0], b[6]) in skip:
                continue      # already reported as an overfull line or headline
            pair = (a[0], b[0], a[6], b[6])
            if pair in seen:
                continue
            seen.add(pair)
            out.append(Problem("overlap", a[0], grid_position(grid, max(a[1], b[1]), max(a[2], b[2])),
                               f"'{_run_text(a[5])[:12]}' ({a[0]}) overlaps "
                               f"'{_run_text(b[5])[:12]}' ({b[0]})",
                               "move or shrink one of the blocks"))
    return out


@lru_cache(maxsize=4096)     # a pure function of a glyph's text, asked for every glyph pair
def _latin(text: str) -> bool:
    """Is this glyph's text Latin (ASCII or Latin-script letters, digits, ASCII marks)?"""
    return bool(text) and all(c.isascii() or "LATIN" in _uname(c) for c in text)


def _uname(c: str) -> str:
    import unicodedata

    return unicodedata.name(c, "")


def touch_rows(page: D.Page, grid: Grid, faces: dict, skip: set) -> list[Problem]:
    """Glyph ink touching its neighbour, as rows."""
    out = []
    for it in page.items:
        if not isinstance(it, D.GlyphRun) or len(it.glyphs) < 2 or it.face not in faces:
            continue
        if (it.owner, round(it.y, 1)) in skip:
            continue
        face = faces[it.face]
        boxes = _rough_boxes(face) if getattr(face, "hb_font", None) is not None else None
        prev = None
        for g in it.glyphs:
            box = _UNKNOWN if boxes is None else boxes.get(g.gid, _UNKNOWN)
            if box is _UNKNOWN:
                box = _ink_box(face, g.gid, rough=True)
            if box is None:
                continue
            # the control boxes come close (tested first: rarely true, and the cheapest)
            if prev is not None and g.x + box[0] * it.size / 1000 - (
                    prev[0].x + prev[1][1] * it.size / 1000) < 0.05 and g.text.strip():
                pg, pbox = prev
                # the two halves of a 破折号 join on purpose; inside a Latin run the font's own
                # shaping decides (f and i, r and / may touch by design)
                if not ((pg.text in JOINED and g.text in JOINED)
                        or (_latin(pg.text) and _latin(g.text))):
                    # measure the real ink
                    a, b = _ink_box(face, pg.gid), _ink_box(face, g.gid)
                    gap = (g.x + b[0] * it.size / 1000) - (pg.x + a[1] * it.size / 1000)
                    if gap < 0.05:
                        out.append(Problem("touch", it.owner, grid_position(
                            grid, g.x, it.y - BASELINE_RATIO * it.size),
                            f"'{pg.text}{g.text}' touch ({gap:.2f} pt apart)",
                            "check the copy for doubled or odd punctuation; report it if the "
                            "copy is right"))
            prev = (g, box)
    return out


# the jump lines an edition generates (layout/jump.py): "（下转N版）", "（上接M版）"
JUMP_LINE = re.compile(r"（(?:下转|上接)[^（）]{1,8}版）")


def _squash(text: str, normalized: dict | None = None) -> str:
    """`text` normalised, without spaces. `normalized`: the composer's cache (text → (normalised,
    …)), which already holds most content texts: they were normalised to be set."""
    done = normalized.get(text) if normalized is not None else None
    if done is None:
        from typeset.text.normalize import normalize

        done = normalize(text)
    return "".join(done[0].split())   # str.split() splits at exactly the str.isspace() characters


def expected_texts(block) -> list[tuple[str, str]]:
    """(what, text) of everything a block's content asks to be set, read from the content model
    (not from what layout did): the oracle of the dropped-text check."""
    out = []
    contents = [block.content, block.caption]
    o = block.opts
    if block.kind == "briefs" and getattr(o, "masthead", None):
        out.append(("masthead", o.masthead))
    for content in contents:
        if content is None:
            continue
        for k, v in content.meta.items():
            if k in ("continued_from", "continues_on"):
                continue
            if k == "masthead" and getattr(o, "masthead", None):
                continue
            out.append((k, v))
        for item in content.items:
            if item.title:
                out.append((f"title on line {item.title_line}", item.title))
            for part in item.parts:
                out.append((f"{part.kind} on line {part.line}", part.text))
    return out


def _pieces_text(pieces) -> str:
    """The text of a jump's pieces (plain data: {"runs": [[text, role], …], …})."""
    return "".join(text for piece in pieces for text, *_ in piece["runs"])


def dropped_problems(page: D.Page, spec, reports, normalized: dict | None = None) -> list[Problem]:
    """Content that is neither on the page nor counted as overflow. `normalized`: texts the
    composer normalised (Composer._normalized), reused rather than normalised again.

    In an edition, text that jumps to a later page (a report's `rest`) is accounted for here
    and checked on the page that sets it; a continuation is checked against the text it was
    handed (`block.jump["in"]`), not against its own content file; the generated jump lines
    are not part of the copy."""
    set_text: dict[str, str] = {}
    for ln in page.lines:
        set_text[ln.owner] = set_text.get(ln.owner, "") + ln.text
    over = {r.id: r.overflow_text for r in reports}
    jumped = {r.id: _pieces_text(r.rest) for r in reports if getattr(r, "rest", None)}
    drawn = {it.owner for it in page.items if isinstance(it, D.Image)}
    out = []
    for b in spec.blocks:
        if b.kind == "photo" and b.id not in drawn:
            out.append(Problem("dropped", b.id, "", "the photo is not on the page",
                               "report this: typeset lost a photo"))
        jump = getattr(b, "jump", None) or {}
        mine = set_text.get(b.id, "")
        if jump:
            mine = JUMP_LINE.sub("", mine)
        have = _squash(mine + jumped.get(b.id, "") + over.get(b.id, ""))
        if jump.get("in") is not None:
            wanted = [("continued text", _pieces_text(jump["in"]))]
        elif jump and "missing" in jump:
            wanted = []      # nothing was handed over: reported by the layout as the story's issue
        else:
            wanted = expected_texts(b)
        for what, text in wanted:
            want = _squash(str(text), normalized)
            if want and want not in have:
                out.append(Problem("dropped", b.id, "", f"the {what} is not on the page: "
                                   f"{str(text)[:30]}", "report this: typeset lost text"))
    return out


def reported_lines(page: D.Page) -> set:
    """(owner, baseline) of lines the line check reports as too wide: the other checks skip
    them rather than report them twice."""
    skip = set()
    for ln in page.lines:
        if ln.width - ln.measure > FLUSH_TOLERANCE and ln.kind != "headline-vertical":
            skip.add((ln.owner, round(ln.baseline, 1)))
    return skip


def page_problems(spec, result) -> list[Problem]:
    """Every product check on a laid-out page (PageResult), in reading order of the checks."""
    page, grid = result.page, result.grid
    rows = line_problems(page, grid)
    skip = reported_lines(page)
    rows += outside_problems(page, grid, spec, skip, result.faces)
    rows += overlap_rows(page, grid, skip)
    rows += touch_rows(page, grid, result.faces, skip)
    rows += dropped_problems(page, spec, result.reports,
                             getattr(result.composer, "_normalized", None))
    lines = {b.id: b.line for b in spec.blocks}
    for r in rows:
        r.spec_line = lines.get(r.block, 0)
    save_glyph_boxes(result.faces)
    return rows
