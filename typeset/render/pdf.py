"""Draw a display list into a PDF with ReportLab: the only module that drives the canvas.

Text goes in as our own BT…TJ…ET operators with CID fonts (see cidfont.py); a glyph that stands
for another text than its ToUnicode entry (〓 for a missing character, a shared vertical form)
is drawn from an alternate subset whose ToUnicode gives that text and, when the text lies in the
BMP, wrapped in `/Span <</ActualText …>> BDC … EMC` too, so copy and search give the original
text (pdfium drops ActualText characters beyond U+FFFF, so those rely on the ToUnicode alone).
Rules, boxes and images use ReportLab's canvas. Output is deterministic (invariant mode) and
identified by its content: the trailer /ID and the XMP InstanceID are a hash of the complete
file as written (positions, font subsets and image samples included). The file is written to a
temporary name and renamed into place only when complete, so a reader never sees half a PDF.
"""

from __future__ import annotations

import hashlib
import io
import weakref
from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from typeset import display as D
from typeset.atomic import write_atomic
from typeset.font.face import Face
from typeset.render.cidfont import CIDFontWriter
from typeset.render.images import draw_image, encode_all
from typeset.render.pdfx import (
    INSTANCE_PLACEHOLDER, DocumentSettings, apply_profile, xmp_uuid,
)

# Crop marks sit outside the bleed: a gap, then a short line on each trim edge's extension.
MARK_GAP = 2 * 72 / 25.4       # 2 mm between the bleed edge and the mark
MARK_LENGTH = 5 * 72 / 25.4    # 5 mm marks
MARK_WEIGHT = 0.3              # pt, the thinnest rule newsprint prints (§5 #15)
REGISTRATION = (1.0, 1.0, 1.0, 1.0)  # prints on every plate

_PLACEHOLDER_FONT = "TypesetNoFont"
ID_PLACEHOLDER = b"0" * 32     # the trailer /ID while the file is written; then its hash
ALTERNATE = "x"                # resource name of a face's k-th alternate subset: <face>x<k>
_GLYPHS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # writer → gid → facts


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
               settings: DocumentSettings | None = None,
               placed_images: list | None = None) -> int:
    """Write `pages` to `target` atomically. Returns the number of bytes written.

    `placed_images`, when given, receives (D.Image, sample digest) for every image drawn: the
    digest preflight uses to name an image (see prepress/walk.py)."""
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
    # photos are decoded and compressed in a background thread while text is drawn and fonts
    # are subset; their compressed streams are fetched when the document is formatted
    photos, pool = encode_all([i for p in pages for i in p.items if isinstance(i, D.Image)])
    try:
        writers, route = _font_writers(pages, faces)
        _draw_pages(canvas, pages, margin, s, writers, route, photos, placed_images)
        doc = canvas._doc
        apply_profile(doc, s)
        for key in sorted(writers):
            doc.delayedFonts.append(writers[key])
        doc._ID = b"\n[<" + ID_PLACEHOLDER + b"><" + ID_PLACEHOLDER + b">]\n"
        canvas.save()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    data = identify(buffer.getvalue())
    write_atomic(target, data)
    return len(data)


def _draw_pages(canvas: Canvas, pages: list[D.Page], margin: float, s: DocumentSettings,
                writers, route, photos: dict, placed_images: list | None) -> None:
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
            digest = _draw(canvas, item, page.height, writers, route, photos)
            if digest and placed_images is not None:
                placed_images.append((item, digest))
        canvas.restoreState()
        if s.crop_marks:
            _crop_marks(canvas, margin, page.width, page.height, s.bleed)
        canvas.showPage()


def _font_writers(pages: list[D.Page], faces) -> tuple[dict[str, CIDFontWriter], dict]:
    """One writer per face, with every glyph of every page registered before anything is
    drawn, so each code's ToUnicode text is known when the content is written.

    Where one code stands for several texts (two missing characters both drawn as 〓, “ and
    「 both drawn as the vertical form ﹁), the code's ToUnicode gives the most used text and
    each other text gets an alternate font resource: the same glyph in a second subset whose
    ToUnicode gives that text. Returns the writers and the route (face, code, text) → the
    resource that draws it. Those glyphs are also marked with /ActualText (see _draw_run)."""
    writers: dict[str, CIDFontWriter] = {}
    for page in pages:
        for item in page.items:
            if isinstance(item, D.GlyphRun) and item.glyphs:
                writer = writers.get(item.face)
                if writer is None:
                    writer = writers[item.face] = CIDFontWriter(faces[item.face], item.face)
                for g in item.glyphs:
                    writer.use(g.gid, g.text)
    route: dict[tuple[str, int, str], str] = {}
    for key in sorted(writers):
        writer = writers[key]
        for code in writer.codes_with_several_texts():
            canonical = writer.text_of(code)
            others = sorted(t for t in writer.texts_of(code) if t != canonical)
            for k, text in enumerate(others, 1):
                alt_key = f"{key}{ALTERNATE}{k}"
                alt = writers.get(alt_key)
                if alt is None:
                    alt = writers[alt_key] = CIDFontWriter(writer.face, alt_key)
                alt.use(writer.gid_of_code(code), text)
                route[(key, code, text)] = alt_key
    return writers, route


def identify(data: bytes) -> bytes:
    """Fill in the content identifiers: trailer /ID (both halves) and XMP InstanceID are the
    hash of the whole file as written with placeholders, so any change of content (a glyph
    moved by 1 pt, one image sample) gives another ID, and the same input the same bytes."""
    digest = hashlib.sha256(data).hexdigest()
    at = data.rfind(b"[<" + ID_PLACEHOLDER)
    if at < 0:
        raise RuntimeError("trailer /ID placeholder not found")
    ident = digest[:32].encode()
    data = data[:at + 2] + ident + b"><" + ident + data[at + 4 + 2 * len(ID_PLACEHOLDER):]
    return data.replace(INSTANCE_PLACEHOLDER.encode(), xmp_uuid(digest).encode(), 1)


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


def _draw(canvas: Canvas, item, page_h: float, writers, route, photos=None) -> str | None:
    """Draw one display item; for an image, return its sample digest."""
    if isinstance(item, D.GlyphRun):
        _draw_run(canvas, item, page_h, writers, route)
    elif isinstance(item, D.Rule):
        canvas.saveState()
        _overprint_if_black(canvas, item.color)
        canvas.addLiteral(f"{_cmyk(item.color)} K {_num(item.width)} w {_num(item.x1)} "
                          f"{_num(page_h - item.y1)} m {_num(item.x2)} {_num(page_h - item.y2)} l S")
        canvas.restoreState()
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
    elif isinstance(item, D.Image):
        return draw_image(canvas, item, page_h, (photos or {}).get(id(item)))
    return None


def actual_text(text: str) -> str:
    """A PDF hex string in UTF-16BE with a byte-order mark, as /ActualText wants."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _draw_run(canvas: Canvas, run: D.GlyphRun, page_h: float, writers, route) -> None:
    if not run.glyphs:
        return
    from typeset import reuse

    writer = writers[run.face]
    # the writers are complete before anything is drawn: each glyph's code, hex form, ToUnicode
    # text and advance are looked up once per document, not once per use
    known = _GLYPHS.setdefault(writer, {})
    # a long-lived process (watch) draws the same run objects again (layout/memo.py): their
    # operators are kept and reused while the document gives their glyphs the same texts and
    # routes (alternate subsets)
    kept = reuse.RUNS.get(id(run))
    if kept is not None and kept[0] is run and kept[1] == page_h and \
            all(_facts(writer, known, gid)[2] == t for gid, t in kept[3]) and \
            all(route.get(k, run.face) == v for k, v in kept[4]):
        literal = kept[2]
    else:
        literal, alts = _run_literal(run, page_h, writer, known, route)
        if reuse.RUNS.limit:
            texts = tuple({(g.gid, known[g.gid][2]) for g in run.glyphs})
            reuse.RUNS.put(id(run), (run, page_h, literal, texts,
                                     tuple((k, route.get(k, run.face)) for k in alts)))
    canvas.saveState()
    _overprint_if_black(canvas, run.color)
    canvas.addLiteral(literal)
    canvas.restoreState()


def _facts(writer, known: dict, gid: int) -> tuple:
    """(code, hex form, ToUnicode text, advance) of a glyph in this document."""
    facts = known.get(gid)
    if facts is None:
        c = writer.code(gid)
        facts = known[gid] = (c, f"<{c:04X}>", writer.text_of(c), writer.width(gid))
    return facts


def _run_literal(run: D.GlyphRun, page_h: float, writer, known: dict, route
                 ) -> tuple[str, list]:
    """The content-stream operators of a run, and the routes (alternate subsets) it used."""
    alts = []
    size = run.size
    ops: list[str] = []          # TJ arrays and marked-content spans, in order
    parts: list[str] = []        # the TJ array being built
    x0 = run.glyphs[0].x
    pen = x0
    for g in run.glyphs:
        facts = known.get(g.gid)
        if facts is None:
            facts = _facts(writer, known, g.gid)
        code, glyph, text, advance = facts
        shift = g.x - pen
        if abs(shift) > 1e-6:
            parts.append(_num(-shift * 1000 / size))
        if g.text != text:
            # one glyph, several texts: draw it from the alternate resource whose ToUnicode
            # gives this text, and say the text again as ActualText
            if parts:
                ops.append(f"[{' '.join(parts)}] TJ")
                parts = []
            alts.append((run.face, code, g.text))
            alt = route.get((run.face, code, g.text), run.face)
            draw = f"/{alt} {_num(size)} Tf [{glyph}] TJ /{run.face} {_num(size)} Tf"
            if all(ord(c) <= 0xFFFF for c in g.text):
                draw = f"/Span <</ActualText {actual_text(g.text)}>> BDC {draw} EMC"
            # else: pdfium skips ActualText characters beyond U+FFFF (it would copy nothing);
            # the alternate subset's ToUnicode alone gives the text in every reader
            ops.append(draw)
        else:
            parts.append(glyph)
        pen = g.x + advance * size / 1000
    if parts:
        ops.append(f"[{' '.join(parts)}] TJ")
    fill = _cmyk(run.color)
    return (f"{fill} k BT /{run.face} {_num(size)} Tf 1 0 0 1 {_num(x0)} "
            f"{_num(page_h - run.y)} Tm {' '.join(ops)} ET"), alts
