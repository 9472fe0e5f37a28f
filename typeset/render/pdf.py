"""Draw a display list into a PDF with ReportLab: the only module that drives the canvas.

Text goes in as our own BT…TJ…ET operators with CID fonts (see cidfont.py); rules, boxes and
images use ReportLab's canvas. Output is deterministic (invariant mode, a document ID derived
from the content) and written to a temporary file that is renamed into place only when
complete, so a reader never sees half a PDF.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from typeset import display as D
from typeset.atomic import write_atomic
from typeset.font.face import Face
from typeset.render.cidfont import CIDFontWriter
from typeset.render.images import draw_image
from typeset.render.pdfx import DocumentSettings, apply_profile

# Crop marks sit outside the bleed: a gap, then a short line on each trim edge's extension.
MARK_GAP = 2 * 72 / 25.4       # 2 mm between the bleed edge and the mark
MARK_LENGTH = 5 * 72 / 25.4    # 5 mm marks
MARK_WEIGHT = 0.3              # pt, the thinnest rule newsprint prints (§5 #15)
REGISTRATION = (1.0, 1.0, 1.0, 1.0)  # prints on every plate

_PLACEHOLDER_FONT = "TypesetNoFont"


class _NoFont:
    """Registered so ReportLab's page preamble selects no built-in font (no stray Helvetica)."""

    fontName = _PLACEHOLDER_FONT
    _dynamicFont = 1
    _multiByte = 1

    class face:  # noqa: N801 (ReportLab reads font.face.name)
        name = _PLACEHOLDER_FONT
        builtIn = 0


def _num(v: float) -> str:
    """A short, stable number for content streams."""
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _cmyk(c: D.CMYK) -> str:
    return " ".join(_num(v) for v in c)


def render_pdf(pages: list[D.Page], faces: dict[str, Face], target: Path,
               settings: DocumentSettings | None = None) -> int:
    """Write `pages` to `target` atomically. Returns the number of bytes written."""
    s = settings or DocumentSettings()
    rl_config.useA85 = 0
    rl_config.invariant = 1
    if _PLACEHOLDER_FONT not in pdfmetrics._fonts:
        pdfmetrics._fonts[_PLACEHOLDER_FONT] = _NoFont()
    buffer = io.BytesIO()
    first = pages[0]
    margin = s.bleed + (MARK_GAP + MARK_LENGTH if s.crop_marks else 0.0)
    version = s.profile.pdf_version if s.profile else (1, 4)
    canvas = Canvas(buffer, pagesize=(first.width + 2 * margin, first.height + 2 * margin),
                    invariant=1, initialFontName=_PLACEHOLDER_FONT, enforceColorSpace="cmyk",
                    pageCompression=1, pdfVersion=version)
    writers: dict[str, CIDFontWriter] = {}
    signature = hashlib.sha256()
    for page in pages:
        mw, mh = page.width + 2 * margin, page.height + 2 * margin
        canvas.setPageSize((mw, mh))
        canvas.setTrimBox([_r(margin), _r(margin), _r(margin + page.width),
                           _r(margin + page.height)])
        b = margin - s.bleed
        canvas.setBleedBox([_r(b), _r(b), _r(mw - b), _r(mh - b)])
        canvas.saveState()
        canvas.translate(margin, margin)
        for item in page.items:
            _draw(canvas, item, page.height, faces, writers, signature)
        canvas.restoreState()
        if s.crop_marks:
            _crop_marks(canvas, margin, page.width, page.height, s.bleed)
        canvas.showPage()
    doc = canvas._doc
    apply_profile(doc, s)
    for key in sorted(writers):
        doc.delayedFonts.append(writers[key])
    doc.updateSignature(signature.hexdigest())
    canvas.save()
    data = buffer.getvalue()
    write_atomic(target, data)
    return len(data)


def _overprint_if_black(canvas: Canvas, color: D.CMYK) -> None:
    """K-only ink overprints (no knock-out, no white halo from misregister): §5 #6."""
    if color[:3] == (0, 0, 0) and color[3] > 0:
        canvas.setStrokeOverprint(True)
        canvas.setFillOverprint(True)
        canvas.setOverprintMask(True)


def _r(v: float) -> float:
    return round(v, 3)


def _crop_marks(canvas: Canvas, margin: float, w: float, h: float, bleed: float) -> None:
    """Corner marks on the extensions of the trim edges, outside the bleed, on every plate."""
    canvas.saveState()
    ops = [f"{_cmyk(REGISTRATION)} K {_num(MARK_WEIGHT)} w"]
    near, far = bleed + MARK_GAP, bleed + MARK_GAP + MARK_LENGTH
    for tx in (margin, margin + w):
        for ty in (margin, margin + h):
            sx = -1 if tx == margin else 1
            sy = -1 if ty == margin else 1
            ops.append(f"{_num(tx + sx * near)} {_num(ty)} m {_num(tx + sx * far)} {_num(ty)} l S")
            ops.append(f"{_num(tx)} {_num(ty + sy * near)} m {_num(tx)} {_num(ty + sy * far)} l S")
    canvas.addLiteral(" ".join(ops))
    canvas.restoreState()


def _draw(canvas: Canvas, item, page_h: float, faces, writers, signature) -> None:
    if isinstance(item, D.GlyphRun):
        _draw_run(canvas, item, page_h, faces, writers, signature)
    elif isinstance(item, D.Rule):
        canvas.saveState()
        _overprint_if_black(canvas, item.color)
        canvas.addLiteral(f"{_cmyk(item.color)} K {_num(item.width)} w {_num(item.x1)} "
                          f"{_num(page_h - item.y1)} m {_num(item.x2)} {_num(page_h - item.y2)} l S")
        canvas.restoreState()
        signature.update(repr(item).encode())
    elif isinstance(item, D.Rect):
        canvas.saveState()
        ops = []
        if item.fill is not None:
            ops.append(f"{_cmyk(item.fill)} k")
        if item.stroke is not None:
            _overprint_if_black(canvas, item.stroke)
            ops.append(f"{_cmyk(item.stroke)} K {_num(item.stroke_width)} w")
        paint = {(True, True): "B", (True, False): "f", (False, True): "S"}.get(
            (item.fill is not None, item.stroke is not None))
        if paint:
            ops.append(f"{_num(item.x)} {_num(page_h - item.y - item.h)} {_num(item.w)} "
                       f"{_num(item.h)} re {paint}")
            canvas.addLiteral(" ".join(ops))
        canvas.restoreState()
        signature.update(repr(item).encode())
    elif isinstance(item, D.Image):
        draw_image(canvas, item, page_h)
        signature.update(repr(item).encode())


def _draw_run(canvas: Canvas, run: D.GlyphRun, page_h: float, faces, writers, signature) -> None:
    if not run.glyphs:
        return
    face = faces[run.face]
    writer = writers.get(run.face)
    if writer is None:
        writer = writers[run.face] = CIDFontWriter(face, run.face)
    size = run.size
    parts: list[str] = []
    x0 = run.glyphs[0].x
    pen = x0
    for g in run.glyphs:
        code = writer.use(g.gid, g.text)
        shift = g.x - pen
        if abs(shift) > 1e-6:
            parts.append(_num(-shift * 1000 / size))
        parts.append(f"<{code:04X}>")
        pen = g.x + writer.width(g.gid) * size / 1000
    fill = _cmyk(run.color)
    canvas.saveState()
    _overprint_if_black(canvas, run.color)
    canvas.addLiteral(f"{fill} k BT /{run.face} {_num(size)} Tf 1 0 0 1 {_num(x0)} "
                      f"{_num(page_h - run.y)} Tm [{' '.join(parts)}] TJ ET")
    canvas.restoreState()
    signature.update(f"{run.face}|{size}|{run.y}|".encode())
    signature.update("".join(g.text for g in run.glyphs).encode())
