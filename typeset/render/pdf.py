"""Draw a display list into a PDF with ReportLab: the only module that drives the canvas.

Text goes in as our own BT…TJ…ET operators with CID fonts (see cidfont.py); rules, boxes and
images use ReportLab's canvas. Output is deterministic (invariant mode, a document ID derived
from the content) and written to a temporary file that is renamed into place only when
complete, so a reader never sees half a PDF.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from typeset import display as D
from typeset.font.face import Face
from typeset.render.cidfont import CIDFontWriter
from typeset.render.images import draw_image

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


def render_pdf(pages: list[D.Page], faces: dict[str, Face], target: Path, title: str = "",
               author: str = "typeset") -> int:
    """Write `pages` to `target` atomically. Returns the number of bytes written."""
    rl_config.useA85 = 0
    rl_config.invariant = 1
    if _PLACEHOLDER_FONT not in pdfmetrics._fonts:
        pdfmetrics._fonts[_PLACEHOLDER_FONT] = _NoFont()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        first = pages[0]
        canvas = Canvas(tmp, pagesize=(first.width, first.height), invariant=1,
                        initialFontName=_PLACEHOLDER_FONT, enforceColorSpace="cmyk",
                        pageCompression=1)
        canvas.setTitle(title or first.title)
        canvas.setAuthor(author)
        canvas.setCreator("typeset")
        canvas.setProducer("typeset")
        writers: dict[str, CIDFontWriter] = {}
        signature = hashlib.sha256()
        for page in pages:
            canvas.setPageSize((page.width, page.height))
            for item in page.items:
                _draw(canvas, item, page.height, faces, writers, signature)
            canvas.showPage()
        doc = canvas._doc
        for key in sorted(writers):
            doc.delayedFonts.append(writers[key])
        doc.updateSignature(signature.hexdigest())
        canvas.save()
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target.stat().st_size


def _draw(canvas: Canvas, item, page_h: float, faces, writers, signature) -> None:
    if isinstance(item, D.GlyphRun):
        _draw_run(canvas, item, page_h, faces, writers, signature)
    elif isinstance(item, D.Rule):
        canvas.saveState()
        canvas.setStrokeColorCMYK(*item.color)
        if item.color[:3] == (0, 0, 0):
            canvas.setStrokeOverprint(True)
            canvas.setOverprintMask(True)
        canvas.setLineWidth(item.width)
        canvas.line(item.x1, page_h - item.y1, item.x2, page_h - item.y2)
        canvas.restoreState()
        signature.update(repr(item).encode())
    elif isinstance(item, D.Rect):
        canvas.saveState()
        if item.fill is not None:
            canvas.setFillColorCMYK(*item.fill)
        if item.stroke is not None:
            canvas.setStrokeColorCMYK(*item.stroke)
            canvas.setLineWidth(item.stroke_width)
        canvas.rect(item.x, page_h - item.y - item.h, item.w, item.h,
                    stroke=1 if item.stroke is not None else 0,
                    fill=1 if item.fill is not None else 0)
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
    black = run.color[:3] == (0, 0, 0)
    if black:
        canvas.saveState()
        canvas.setFillOverprint(True)
        canvas.setOverprintMask(True)
    canvas.addLiteral(f"{fill} k BT /{run.face} {_num(size)} Tf 1 0 0 1 {_num(x0)} "
                      f"{_num(page_h - run.y)} Tm [{' '.join(parts)}] TJ ET")
    if black:
        canvas.restoreState()
    signature.update(f"{run.face}|{size}|{run.y}|".encode())
    signature.update("".join(g.text for g in run.glyphs).encode())
