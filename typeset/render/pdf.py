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
        writers, route = _font_writers(pages, faces, Path(target).name)
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


def _font_writers(pages: list[D.Page], faces, place: str = ""
                  ) -> tuple[dict[str, CIDFontWriter], dict]:
    """One writer per face, with every glyph of every page registered before anything is
    drawn, so each code's ToUnicode text is known when the content is written.

    Where one code stands for several texts (two missing characters both drawn as 〓, “ and
    「 both drawn as the vertical form ﹁), the code's ToUnicode gives the most used text and
    each other text gets an alternate font resource: the same glyph in a second subset whose
    ToUnicode gives that text. Returns the writers and the route (face, code, text) → the
    resource that draws it. Those glyphs are also marked with /ActualText (see _draw_run).

    A long-lived process (watch) keeps each face's glyph counts (`_Tally`) per document
    (`place`: the name of the file written, so the pages of an edition each keep their own)
    and updates them by the runs that came and went, instead of counting every glyph of the
    page again (any runs give exact counts: a shared name only costs time)."""
    from typeset import reuse

    by_face: dict[str, list[D.GlyphRun]] = {}
    for page in pages:
        for item in page.items:
            if isinstance(item, D.GlyphRun) and item.glyphs:
                runs = by_face.get(item.face)
                if runs is None:
                    runs = by_face[item.face] = []
                runs.append(item)
    writers: dict[str, CIDFontWriter] = {}
    for key, runs in by_face.items():
        writer = writers[key] = CIDFontWriter(faces[key], key)
        if reuse.TALLIES.limit:
            tally = reuse.TALLIES.get((place, key))
            if tally is None or tally.face is not writer.face:
                tally = _Tally(writer.face)
                reuse.TALLIES.put((place, key), tally)
            tally.update(runs, writer)
            writer.share_counts(tally.texts, tally.memo)
        else:
            for run in runs:
                writer.use_glyphs(run.glyphs)
    route: dict[tuple[str, int, str], str] = {}
    for key in sorted(writers):
        writer = writers[key]
        several = writer.several_texts()
        for code in several:
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


class _Tally:
    """The glyph counts of one face's runs, (code → text → uses) as CIDFontWriter keeps them,
    kept between renders of a page (watch, typeset/reuse.py). `update` adds the runs that are
    new since the last render and takes out the ones that went, so an edit of one paragraph
    counts only that paragraph's lines again. Runs are not changed once laid out (the layout
    memo hands out the same objects), so a run's counts are computed once."""

    def __init__(self, face: Face) -> None:
        self.face = face
        self.runs: dict[int, list] = {}            # id(run) → [run, {(code, text): n}, times]
        self.texts: dict[int, dict[str, int]] = {}
        self.memo: dict = {}        # what the writer made of these counts (CIDFontWriter)

    def update(self, runs: list[D.GlyphRun], writer: CIDFontWriter) -> None:
        wanted: dict[int, list] = {}
        for run in runs:
            entry = wanted.get(id(run))
            if entry is None:
                wanted[id(run)] = [run, 1]
            else:
                entry[1] += 1
        # the change of every (code, text) count, summed over the runs that came and went
        # first, so a glyph that only moved from an old line to a new one changes nothing
        delta: dict[tuple[int, str], int] = {}
        for key, (run, times) in wanted.items():
            if key not in self.runs:      # (a kept run is held here: no other run has its id)
                counts: dict[tuple[int, str], int] = {}
                for k in zip(writer.codes_of(run.glyphs), [g.text for g in run.glyphs]):
                    counts[k] = counts.get(k, 0) + 1
                self.runs[key] = [run, counts, 0]
        for key in list(self.runs):
            kept = self.runs[key]
            new = wanted.get(key)
            times = new[1] if new is not None else 0
            if times != kept[2]:
                step = times - kept[2]
                for k, n in kept[1].items():
                    delta[k] = delta.get(k, 0) + n * step
            if times:
                kept[2] = times
            else:
                del self.runs[key]
        self._apply(delta)

    def _apply(self, delta: dict[tuple[int, str], int]) -> None:
        """Change the counts; forget what the writer made of them when a code came or went or
        a code with several texts changed (its ToUnicode text may change)."""
        texts = self.texts
        changed = False
        for (code, text), n in delta.items():
            if not n:
                continue
            per = texts.get(code)
            if per is None:
                per = texts[code] = {}
            if len(per) != 1 or text not in per:
                changed = True
            left = per.get(text, 0) + n
            if left:
                per[text] = left
            else:
                del per[text]
                changed = True
                if not per:
                    del texts[code]
        if changed:
            self.memo.clear()


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
    # operators are kept and reused while none of their codes stands for several texts in
    # this document (then every glyph is drawn from its own subset, as when they were made).
    # A block laid out again makes new runs, mostly the same as before: those are found by
    # their content.
    kept = reuse.RUNS.get(id(run))
    if kept is not None and kept[0] is run and kept[1] == page_h and not kept[4] and \
            writer.several.isdisjoint(kept[3]):
        literal = kept[2]
    elif reuse.RUNS.limit:
        content = (run.face, run.size, run.y, run.color, page_h,
                   tuple([(g.x, g.gid, g.text) for g in run.glyphs]))
        same = reuse.LITERALS.get(content)
        if same is not None and same[3] is writer.face and not same[2] and \
                writer.several.isdisjoint(same[1]):
            literal = same[0]
            codes, alts = same[1], same[2]
        else:
            literal, alts = _run_literal(run, page_h, writer, known, route)
            codes, alts = frozenset([known[g.gid][0] for g in run.glyphs]), tuple(alts)
            reuse.LITERALS.put(content, (literal, codes, alts, writer.face))
        reuse.RUNS.put(id(run), (run, page_h, literal, codes, alts))
    else:
        literal = _run_literal(run, page_h, writer, known, route)[0]
    _paint(canvas, run.color, literal)


def _paint(canvas: Canvas, color: D.CMYK, literal: str) -> None:
    """`literal` in a saved graphics state, overprinting when K-only: what saveState,
    _overprint_if_black, addLiteral and restoreState write, without their ~10 calls per run.
    The net effect of those calls is only the operators they append (the state is restored),
    and for K-only ink the `gs` operators depend on the canvas's graphics state, so they are
    recorded from one real call per state and repeated while that state is unchanged."""
    code = canvas._code
    if not (color[:3] == (0, 0, 0) and color[3] > 0):
        code += ("q", literal, "Q")
        return
    ext = canvas._extgstate
    stamp = getattr(canvas, "_typeset_stamp", None)
    if stamp is not None and stamp[0] is ext and stamp[1] == ext._d:
        code += stamp[2]
        code += (literal, "Q")
        return
    before = len(code)
    canvas.saveState()
    _overprint_if_black(canvas, color)
    after = len(code)
    canvas.addLiteral(literal)
    canvas.restoreState()
    canvas._typeset_stamp = (ext, dict(ext._d), tuple(code[before:after]))


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
