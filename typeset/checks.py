"""Proofreading checks on a laid-out page (the display list), as a layout editor would do them.

Each check returns a list of readable problems; an empty list means the page passes.
"""

from __future__ import annotations

from typeset import display as D
from typeset.layout.grid import BASELINE_RATIO, Grid
from typeset.text import classes as C

FLUSH_TOLERANCE = 0.5   # pt: a justified line may miss the column edge by at most this
TOUCH_TOLERANCE = 0.01  # pt: boxes closer than this count as touching


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


def _ink_box(face, gid: int, cache: dict) -> tuple[float, float] | None:
    """Horizontal ink extent of a glyph in 1/1000 em (None for blank glyphs)."""
    key = (face.key, gid)
    if key not in cache:
        from fontTools.pens.boundsPen import BoundsPen

        glyphs = face.font.getGlyphSet()
        name = face.font.getGlyphName(gid)
        pen = BoundsPen(glyphs)
        glyphs[name].draw(pen)
        scale = 1000 / face.upem
        cache[key] = None if pen.bounds is None else (pen.bounds[0] * scale, pen.bounds[2] * scale)
    return cache[key]


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
