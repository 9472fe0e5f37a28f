"""Walk every content stream of a PDF the way a RIP would, collecting what preflight judges.

Streams walked: each page; form XObjects (nested, with their own resources and /Matrix); the
appearance streams of annotations (placed by /Rect); Type 3 glyph procedures; tiling patterns.
Inline images (BI … ID … EI) and image XObjects are recorded where they are drawn, with the
current transformation matrix (CTM), so their effective resolution is what prints. The graphics
state (CTM, fill and stroke colour spaces and values, line width, overprint, font and size) is
tracked through q/Q, so a 2 pt rule drawn under a 0.05 scale is seen as the 0.1 pt it prints.

Total ink is bounded from the same walk (`PageInk`): every paint inside the trim whose colour is
device grey or device CMYK, and every image whose samples are read here (8-bit grey or CMYK,
Flate/LZW/run-length, no soft mask), adds its plate amounts. Anything whose separation is not
known exactly (ICC, spot, RGB, shadings, patterns, JPEG samples, transparency) leaves the page
unproved, and preflight renders it with Ghostscript instead.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace

import pikepdf

from typeset.prepress import spaces as S
from typeset.prepress.digest import DIGEST_CHARS  # noqa: F401  (re-exported)
from typeset.prepress.profiles import PdfProfile

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
MAX_DEPTH = 12          # nesting of forms/patterns/glyph procs; deeper is a broken or hostile file
MAX_STREAMS = 20_000    # forms drawn in all: a hostile file must not keep preflight busy for ever
RULE_ASPECT = 10        # a filled rectangle this many times longer than thick is a rule

_FILL = {"f", "F", "f*", "B", "B*", "b", "b*"}
_STROKE = {"S", "s", "B", "B*", "b", "b*"}
_SHOW = {"Tj", "TJ", "'", '"'}
_PATH = {"m", "l", "c", "v", "y"}
_PLAIN_FILTERS = {"/FlateDecode", "/Fl", "/LZWDecode", "/LZW", "/RunLengthDecode", "/RL",
                  "/ASCII85Decode", "/A85", "/ASCIIHexDecode", "/AHx"}
MITER_LIMIT = 10.0      # PDF's default miter limit: how far a stroke's joins may reach out


def mul(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF's row-vector convention: cm's matrix times the CTM)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def area_scale(m: Matrix) -> float:
    return math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))


def min_scale(m: Matrix) -> float:
    """Smallest factor by which `m` shrinks a length (its smaller singular value)."""
    a, b, c, d = m[:4]
    s = a * a + b * b + c * c + d * d
    det = a * d - b * c
    return math.sqrt(max((s - math.sqrt(max(s * s - 4 * det * det, 0.0))) / 2, 0.0))


def max_scale(m: Matrix) -> float:
    """Largest factor by which `m` stretches a length (its larger singular value)."""
    a, b, c, d = m[:4]
    s = a * a + b * b + c * c + d * d
    det = a * d - b * c
    return math.sqrt((s + math.sqrt(max(s * s - 4 * det * det, 0.0))) / 2)


def transform_box(pts: list[tuple[float, float]], m: Matrix) -> tuple[float, float, float, float]:
    """Bounding box in device space of user-space points under `m`."""
    xs = [x * m[0] + y * m[2] + m[4] for x, y in pts]
    ys = [x * m[1] + y * m[3] + m[5] for x, y in pts]
    return min(xs), min(ys), max(xs), max(ys)


def _matrix(obj) -> Matrix:
    try:
        vals = tuple(float(v) for v in obj)
        return vals if len(vals) == 6 else IDENTITY   # type: ignore[return-value]
    except (TypeError, ValueError):
        return IDENTITY


@dataclass
class ImageUse:
    where: str                 # "page 1", "page 1 › form /Fm0" …
    name: str                  # resource name without the slash ("inline" for inline images)
    digest: str                # sha256 of the image's sample data, first DIGEST_CHARS hex digits
    width: int
    height: int
    ppi: float                 # effective resolution where drawn (the smaller of x and y)
    space: S.Space
    bpc: int
    soft_mask: bool
    stencil: bool              # an ImageMask: painted in the fill colour

    def label(self) -> str:
        return f"{self.where}: image {self.name} (sha256 {self.digest})"


Box = tuple[float, float, float, float]


@dataclass
class PageInk:
    """What the content says about one page's total ink inside its trim (plus a slack of a few
    pixels of the ink render): a bound, or why there is none."""
    plates: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])  # highest C, M, Y, K
    total: float = 0.0          # highest C+M+Y+K of any one colour or image sample
    overprint: bool = False     # something inside overprints: plates of several objects may add up
    unknown: str = ""           # why the ink cannot be bounded from the content ("" = it can)
    near: float = 0.0           # pt: two paints this close may share a pixel of the ink render
    paints: list = field(default_factory=list)   # (device box or None = anywhere, plates, overprint)

    def add(self, plates: tuple[float, ...], total: float, overprint: bool,
            box: Box | None = None) -> None:
        for i in range(4):
            if plates[i] > self.plates[i]:
                self.plates[i] = plates[i]
        self.total = max(self.total, total)
        self.overprint = self.overprint or overprint
        self.paints.append((box, plates, overprint))

    def refuse(self, why: str) -> None:
        if not self.unknown:
            self.unknown = why

    def bound(self) -> float | None:
        """Highest C+M+Y+K any pixel inside the trim can carry, in %, or None when unknown.

        A pixel shows the plates of the last paint on it; without overprint that is one colour,
        so the highest total of any colour bounds it. An overprinting paint replaces only the
        plates it inks (is above 0 on) and leaves the others as they were, and what was there
        was put down by a paint whose area meets its own: so for each overprinting paint its
        inked plates are added to the highest amount of every other plate among the paints
        whose boxes come within `near` of its box (a paint without a box meets every other)."""
        if self.unknown:
            return None
        best = self.total
        if self.overprint:
            inked = [[q for q in self.paints if q[1][p] > 0] for p in range(4)]
            for box, plates, op in self.paints:
                if not op:
                    continue
                total = 0.0
                for p in range(4):
                    if plates[p] > 0:
                        total += plates[p]
                    else:
                        total += max((q[1][p] for q in inked[p] if _meet(box, q[0], self.near)),
                                     default=0.0)
                best = max(best, total)
        return 100 * best


def _meet(a: Box | None, b: Box | None, near: float) -> bool:
    """Whether two device boxes come within `near` of each other (None: anywhere)."""
    if a is None or b is None:
        return True
    return not (a[2] + near < b[0] or b[2] + near < a[0] or a[3] + near < b[1] or b[3] + near < a[1])


@dataclass
class Findings:
    colour: list[str] = field(default_factory=list)       # colour the profile forbids
    text: list[str] = field(default_factory=list)         # text colour problems (FAIL)
    text_warn: list[str] = field(default_factory=list)    # text colour problems (WARN)
    text_runs: int = 0
    k_only_runs: int = 0
    thin: list[str] = field(default_factory=list)
    thinnest: float | None = None
    images: list[ImageUse] = field(default_factory=list)
    fonts: dict = field(default_factory=dict)             # objgen → (font dict, where)
    transparency: list[str] = field(default_factory=list)
    streams: int = 0                                      # content streams walked
    broken: list[str] = field(default_factory=list)       # streams that could not be parsed
    ink: list[PageInk] = field(default_factory=list)      # per page: total ink from the content


@dataclass
class _State:
    ctm: Matrix = IDENTITY
    fill: S.Space = S.DEVICE_GRAY
    fill_vals: tuple = (0.0,)
    stroke: S.Space = S.DEVICE_GRAY
    stroke_vals: tuple = (0.0,)
    width: float = 1.0
    op_fill: bool = False
    op_stroke: bool = False
    miter: float = MITER_LIMIT
    font: object = None
    font_name: str = ""
    size: float = 0.0
    render_mode: int = 0      # Tr: 3 = invisible (OCR layers), 7 = clip only: nothing printed
    plain_text: bool = True   # no Tc, Tw, Tz, Ts: a text run's box can be bounded from its codes


class Walker:
    def __init__(self, profile: PdfProfile, small_text: float, ink_slack: float = 0.0) -> None:
        """`ink_slack`: pt around the trim in which paint still counts for total ink (the ink
        render's pixels may reach a little past the trim edge)."""
        self.profile = profile
        self.small_text = small_text
        self.ink_slack = ink_slack
        self.found = Findings()
        self._digests: dict = {}
        self._sample_ink: dict = {}
        self._metrics: dict = {}
        self._last_samples: tuple = (None, None)   # (stream, decoded samples) just digested
        self._type3_done: set = set()
        self._ink = PageInk()
        self._region = (-math.inf, -math.inf, math.inf, math.inf)

    # -- entry -----------------------------------------------------------------------------
    def walk_pdf(self, pdf: pikepdf.Pdf) -> Findings:
        for n, page in enumerate(pdf.pages, 1):
            where = f"page {n}"
            self._start_page(page, where)
            res = page.obj.get("/Resources")
            if res is None:
                res = page.resources
            self._stream(page, res, _State(), where, 0, frozenset())
            for k, annot in enumerate(page.obj.get("/Annots") or [], 1):
                self._annotation(annot, f"{where} › annotation {k}")
        return self.found

    def _start_page(self, page, where: str) -> None:
        """A new ink bound for the page, counting paint that can reach its trim (the area
        Ghostscript's -dUseTrimBox renders; the media box when there is none)."""
        self._ink = PageInk(near=2 * self.ink_slack)
        self.found.ink.append(self._ink)
        box = page.obj.get("/TrimBox")
        if box is None:
            box = page.obj.get("/MediaBox")
        try:
            x0, y0, x1, y1 = (float(v) for v in box)
        except (TypeError, ValueError):
            self._ink.refuse(f"{where}: page boxes cannot be read")
            return
        e = self.ink_slack
        self._region = (min(x0, x1) - e, min(y0, y1) - e, max(x0, x1) + e, max(y0, y1) + e)
        if "/UserUnit" in page.obj:
            self._ink.refuse(f"{where}: UserUnit")
        group = page.obj.get("/Group")
        if group is not None and group.get("/S") == "/Transparency":
            self._ink.refuse(f"{where}: transparency group")

    def _paints(self, space: S.Space, vals: tuple, box, overprint: bool, where: str,
                what: str) -> None:
        """Count one paint for total ink: its colour's plates, unless it lies wholly outside
        the trim (crop marks, slugs)."""
        ink = self._ink
        if ink.unknown:
            return
        if box is not None:
            r = self._region
            if box[2] < r[0] or box[0] > r[2] or box[3] < r[1] or box[1] > r[3]:
                return
        amounts = S.plates(space, vals)
        if amounts is None:
            ink.refuse(f"{where}: {what} in {space.describe()}")
            return
        ink.add(amounts, sum(amounts), overprint, box)

    # -- containers -----------------------------------------------------------------------
    def _annotation(self, annot, where: str) -> None:
        ap = annot.get("/AP") if isinstance(annot, pikepdf.Dictionary) else None
        if ap is None:
            return
        rect = [float(v) for v in annot.get("/Rect", [0, 0, 0, 0])]
        for key in ("/N", "/R", "/D"):
            entry = ap.get(key)
            if entry is None:
                continue
            forms = [entry] if isinstance(entry, pikepdf.Stream) else \
                [v for v in entry.values() if isinstance(v, pikepdf.Stream)] \
                if isinstance(entry, pikepdf.Dictionary) else []
            for form in forms:
                ctm = _appearance_matrix(form, rect)
                self._form(form, None, _State(ctm=ctm), f"{where} appearance {key[1:]}", 1,
                           frozenset(), apply_matrix=False)

    def _form(self, form, parent_res, state: _State, where: str, depth: int, chain: frozenset,
              apply_matrix: bool = True) -> None:
        key = form.objgen
        if depth > MAX_DEPTH or (key != (0, 0) and key in chain):
            self.found.broken.append(f"{where}: forms nested too deeply or in a cycle")
            return
        res = form.get("/Resources")
        if res is None:
            res = parent_res
        st = replace(state)
        if apply_matrix and "/Matrix" in form:
            st.ctm = mul(_matrix(form.Matrix), st.ctm)
        group = form.get("/Group")
        if group is not None and group.get("/S") == "/Transparency":
            self._ink.refuse(f"{where}: transparency group")
            if not self.profile.allow_transparency:
                self.found.transparency.append(f"{where}: transparency group")
        self._stream(form, res, st, where, depth, chain | {key})

    # -- one content stream -----------------------------------------------------------------
    def _stream(self, source, res, state: _State, where: str, depth: int, chain: frozenset) -> None:
        if self.found.streams >= MAX_STREAMS:
            if self.found.streams == MAX_STREAMS:
                self.found.broken.append(f"{where}: more than {MAX_STREAMS} content streams drawn; "
                                         "the rest is not checked")
                self.found.streams += 1
            return
        self.found.streams += 1
        self._resources(res, where)
        try:
            ops = pikepdf.parse_content_stream(source)
        except (pikepdf.PdfError, TypeError, ValueError) as exc:
            self.found.broken.append(f"{where}: content cannot be parsed ({exc})")
            return
        st = replace(state)
        stack: list[_State] = []
        tm: Matrix = IDENTITY
        tlm: Matrix = IDENTITY
        leading = 0.0
        rects: list[tuple] = []       # rectangles of the current path (rules drawn as fills)
        pts: list[tuple[float, float]] = []   # points of the current path (its bounding box)
        joins = False                 # the path has corners a stroke's miter may reach out of
        run = 0                       # points in the current subpath
        pen = 0.0                     # text space: how far shows since the last move may reach
        back = 0.0                    # … and how far back (TJ's moves to the left)
        for operands, op in ops:
            o = str(op)
            if o == "q":
                stack.append(replace(st))
            elif o == "Q":
                if stack:
                    st = stack.pop()
            elif o == "cm":
                st.ctm = mul(_matrix(operands), st.ctm)
            elif o == "w":
                st.width = _float(operands, 0, st.width)
            elif o == "gs":
                self._extgstate(res, operands, st, where)
            elif o in ("cs", "CS"):
                space = S.resolve(operands[0] if operands else None, res)
                vals = S.initial_values(space)
                if o == "cs":
                    st.fill, st.fill_vals = space, vals
                else:
                    st.stroke, st.stroke_vals = space, vals
            elif o in ("sc", "scn", "SC", "SCN"):
                nums = tuple(float(v) for v in operands if _is_number(v))
                if o in ("sc", "scn"):
                    st.fill_vals = nums
                else:
                    st.stroke_vals = nums
                names = [v for v in operands if isinstance(v, pikepdf.Name)]
                if names:
                    self._pattern(res, names[0], st, where, depth, chain)
            elif o in ("g", "G", "rg", "RG", "k", "K"):
                space = {"g": S.DEVICE_GRAY, "rg": S.DEVICE_RGB, "k": S.DEVICE_CMYK}[o.lower()]
                vals = tuple(_float(operands, i, 0.0) for i in range(len(operands)))
                if o.islower():
                    st.fill, st.fill_vals = space, vals
                else:
                    st.stroke, st.stroke_vals = space, vals
            elif o in _PATH:
                vals = [_float(operands, i, 0.0) for i in range(len(operands))]
                run = 1 if o == "m" else run + 1
                joins = joins or run > 2
                pts.extend(zip(vals[0::2], vals[1::2]))
            elif o == "re":
                rect = tuple(_float(operands, i, 0.0) for i in range(4))
                rects.append(rect)
                x, y, w, h = rect
                pts += [(x, y), (x + w, y + h)]
                joins = True
            elif o == "h":
                joins = True
            elif o in _FILL or o in _STROKE:
                box = transform_box(pts, st.ctm) if pts else None
                if o in _FILL:
                    self._paint(st.fill, where, f"fill ({o})")
                    self._filled_rules(rects, st, where)
                    self._paints(st.fill, st.fill_vals, box, st.op_fill, where, "fill")
                if o in _STROKE:
                    self._paint(st.stroke, where, f"stroke ({o})")
                    self._line(st, where)
                    if box is not None:
                        # how far the stroke's ink reaches past the path: half the width, times
                        # the miter limit at corners (√2 for a square cap at an end)
                        reach = st.width / 2 * (max(st.miter, 1.0) if joins else math.sqrt(2))
                        reach *= max_scale(st.ctm)
                        box = (box[0] - reach, box[1] - reach, box[2] + reach, box[3] + reach)
                    self._paints(st.stroke, st.stroke_vals, box, st.op_stroke, where, "stroke")
                rects, pts, joins, run = [], [], False, 0
            elif o == "n":
                rects, pts, joins, run = [], [], False, 0
            elif o == "M":
                st.miter = _float(operands, 0, st.miter)
            elif o == "sh":
                self._ink.refuse(f"{where}: shading")
                self._shading(res, operands, where)
            elif o == "BT":
                tm = tlm = IDENTITY
                pen = back = 0.0
            elif o == "Tf":
                self._select_font(res, operands, st, where)
            elif o == "Tm":
                tm = tlm = _matrix(operands)
                pen = back = 0.0
            elif o in ("Td", "TD"):
                tx, ty = _float(operands, 0, 0.0), _float(operands, 1, 0.0)
                if o == "TD":
                    leading = -ty
                tlm = mul((1, 0, 0, 1, tx, ty), tlm)
                tm = tlm
                pen = back = 0.0
            elif o == "Tr":
                st.render_mode = int(_float(operands, 0, 0.0))
            elif o == "TL":
                leading = _float(operands, 0, leading)
            elif o == "T*":
                tlm = mul((1, 0, 0, 1, 0, -leading), tlm)
                tm = tlm
                pen = back = 0.0
            elif o in ("Tc", "Tw", "Ts"):
                st.plain_text = st.plain_text and _float(operands, 0, 1.0) == 0
            elif o == "Tz":
                st.plain_text = st.plain_text and _float(operands, 0, 0.0) == 100
            elif o in _SHOW:
                if o in ("'", '"'):
                    tlm = mul((1, 0, 0, 1, 0, -leading), tlm)
                    tm = tlm
                    pen = back = 0.0
                if o == '"':    # aw ac string: sets word and character spacing
                    st.plain_text = st.plain_text and _float(operands, 0, 1.0) == 0 \
                        and _float(operands, 1, 1.0) == 0
                box, reach, left = self._text_box(st, tm, operands, pen, back)
                pen += reach
                back += left
                self._text(st, tm, res, where, depth, chain, box)
            elif o == "Do":
                self._do(res, operands, st, where, depth, chain)
            elif o == "INLINE IMAGE":
                self._inline(operands[0], res, st, where)

    # -- operators ----------------------------------------------------------------------------
    def _resources(self, res, where: str) -> None:
        if res is None:
            return
        for name, font in (res.get("/Font") or {}).items():
            if isinstance(font, pikepdf.Dictionary):
                self.found.fonts.setdefault(font.objgen if font.objgen != (0, 0) else id(font),
                                            (font, f"{where} {name}"))
        if not self.profile.allow_transparency:
            for name, gs in (res.get("/ExtGState") or {}).items():
                if not isinstance(gs, pikepdf.Dictionary):
                    continue
                smask = gs.get("/SMask")
                if (smask is not None and smask != pikepdf.Name("/None")) \
                        or _num(gs.get("/ca", 1)) < 1 \
                        or _num(gs.get("/CA", 1)) < 1:
                    self.found.transparency.append(f"{where}: transparency in {name}")

    def _extgstate(self, res, operands, st: _State, where: str) -> None:
        try:
            g = res.ExtGState[operands[0]]
        except (AttributeError, KeyError, IndexError, TypeError):
            return
        smask = g.get("/SMask")
        if (smask is not None and smask != pikepdf.Name("/None")) or _num(g.get("/ca", 1)) < 1 \
                or _num(g.get("/CA", 1)) < 1 or str(g.get("/BM", "/Normal")) not in (
                    "/Normal", "/Compatible"):
            self._ink.refuse(f"{where}: transparency in {operands[0]}")
        if "/OP" in g:
            st.op_stroke = bool(g.OP)
            if "/op" not in g:
                st.op_fill = st.op_stroke
        if "/op" in g:
            st.op_fill = bool(g.op)
        if "/LW" in g:
            st.width = _num(g.LW)

    def _paint(self, space: S.Space, where: str, what: str) -> None:
        why = S.problem(space, self.profile)
        if why:
            self.found.colour.append(f"{where}: {what} in {why}")

    def _line(self, st: _State, where: str) -> None:
        printed = st.width * min_scale(st.ctm)
        f = self.found
        f.thinnest = printed if f.thinnest is None else min(f.thinnest, printed)
        if printed < self.profile.min_rule - 1e-6:
            shown = f"{st.width:g} pt" if abs(printed - st.width) < 1e-6 else \
                f"{st.width:g} pt under scale {min_scale(st.ctm):g} = {printed:.3g} pt"
            f.thin.append(f"{where}: {shown} rule" if printed > 0 else f"{where}: 0 pt (hairline) rule")

    def _filled_rules(self, rects: list[tuple], st: _State, where: str) -> None:
        """A filled rectangle at least RULE_ASPECT times longer than thick is a rule drawn as
        a fill: its thickness on paper must reach the profile's minimum too."""
        m = st.ctm
        for x, y, w, h in rects:
            across = (math.hypot(w * m[0], w * m[1]), math.hypot(h * m[2], h * m[3]))
            thin, long = min(across), max(across)
            if 0 < thin < self.profile.min_rule - 1e-6 and long >= RULE_ASPECT * thin:
                self.found.thin.append(f"{where}: {thin:.3g} pt rule drawn as a filled rectangle")
                f = self.found
                f.thinnest = thin if f.thinnest is None else min(f.thinnest, thin)

    def _select_font(self, res, operands, st: _State, where: str) -> None:
        st.size = _float(operands, 1, st.size)
        st.font_name = str(operands[0]) if operands else ""
        try:
            st.font = res.Font[operands[0]]
        except (AttributeError, KeyError, IndexError, TypeError):
            st.font = None
            self.found.broken.append(f"{where}: font {st.font_name} is not in the resources")

    def _text_box(self, st: _State, tm: Matrix, operands, pen: float,
                  back_before: float) -> tuple[Box | None, float, float]:
        """The device box a text-showing operator can ink, and how far (text space, font size
        included) it may move the pen. The box reaches from the last move of the text position
        (shows since then move on by an unknown part of their reach) to this show's farthest
        possible end: the codes counted at the font's widest advance, TJ's moves to the right
        added, TJ's moves to the left (of this show and those before it since the last move)
        before the start, the font's bounding box around it all. None (anywhere) for fonts
        whose codes or widths cannot be read this way. Also returns this show's reach to the
        right and to the left, in text space."""
        metrics = self._font_metrics(st.font)
        if metrics is None or not st.plain_text or st.size == 0:
            return None, 0.0, 0.0
        code_bytes, widest, (bx0, by0, bx1, by1) = metrics
        strings: list = []
        back = ahead = 0.0
        for v in operands:
            if isinstance(v, pikepdf.String):
                strings.append(v)
            elif isinstance(v, pikepdf.Array):
                for u in v:
                    if isinstance(u, pikepdf.String):
                        strings.append(u)
                    elif _is_number(u):
                        n = float(u)
                        if n > 0:
                            back += n
                        else:
                            ahead -= n
        codes = sum(len(bytes(x)) for x in strings) / code_bytes
        k = st.size / 1000
        reach = (codes * widest + ahead) * k
        x0 = -back_before - (back + max(0.0, -bx0)) * k
        x1 = pen + reach + max(0.0, bx1) * k
        pts = [(x0, by0 * k), (x1, by0 * k), (x0, by1 * k), (x1, by1 * k)]
        return transform_box(pts, mul(tm, st.ctm)), reach, back * k

    def _font_metrics(self, font) -> tuple[int, float, tuple] | None:
        """(bytes per code, widest advance, bounding box), in glyph space (1000 = the font
        size), for a Type0 font on Identity-H or a simple font; None otherwise."""
        if not isinstance(font, pikepdf.Dictionary):
            return None
        key = font.objgen if font.objgen != (0, 0) else id(font)
        if key in self._metrics:
            return self._metrics[key]
        try:
            found = _font_metrics(font)
        except (AttributeError, KeyError, IndexError, TypeError, ValueError, pikepdf.PdfError):
            found = None
        self._metrics[key] = found
        return found

    def _text(self, st: _State, tm: Matrix, res, where: str, depth: int, chain: frozenset,
              box: Box | None = None) -> None:
        if st.render_mode in (3, 7):
            return            # invisible or clip-only text prints no ink
        f = self.found
        f.text_runs += 1
        if st.render_mode in (1, 2, 5, 6):
            self._paint(st.stroke, where, "text outline")
            grow = st.width / 2 * max(st.miter, 1.0) * max_scale(st.ctm)
            out = None if box is None else (box[0] - grow, box[1] - grow, box[2] + grow,
                                            box[3] + grow)
            self._paints(st.stroke, st.stroke_vals, out, st.op_stroke, where, "text outline")
        self._paint(st.fill, where, "text")
        if st.render_mode in (0, 2, 4, 6):
            self._paints(st.fill, st.fill_vals, box, st.op_fill, where, "text")
        size = st.size * area_scale(tm) * area_scale(st.ctm)
        plates = S.inks(st.fill, st.fill_vals)
        if S.is_rgb(st.fill):
            f.text.append(f"{where}: RGB text ({st.fill.describe()})")
        elif plates == {"K"}:
            f.k_only_runs += 1
            if not st.op_fill:
                f.text_warn.append(f"{where}: K100 text without overprint")
        elif len(plates) > 1 and size < self.small_text:
            f.text.append(f"{where}: {size:.3g} pt text on {len(plates)} plates")
        font = st.font
        if isinstance(font, pikepdf.Dictionary) and font.get("/Subtype") == "/Type3":
            self._type3(font, res, st, tm, where, depth, chain)

    def _type3(self, font, res, st: _State, tm: Matrix, where: str, depth: int,
               chain: frozenset) -> None:
        key = font.objgen
        if key in self._type3_done:
            return
        self._type3_done.add(key)
        fres = font.get("/Resources")
        if fres is None:
            fres = res
        glyph_ctm = mul(mul(_matrix(font.get("/FontMatrix", [0.001, 0, 0, 0.001, 0, 0])),
                            (st.size, 0, 0, st.size, 0, 0)), mul(tm, st.ctm))
        for name, proc in (font.get("/CharProcs") or {}).items():
            if isinstance(proc, pikepdf.Stream):
                inner = replace(st, ctm=glyph_ctm)
                self._stream(proc, fres, inner, f"{where} › Type 3 font {st.font_name} glyph {name}",
                             depth + 1, chain | {key})

    def _do(self, res, operands, st: _State, where: str, depth: int, chain: frozenset) -> None:
        name = operands[0] if operands else None
        try:
            xo = res.XObject[name]
        except (AttributeError, KeyError, IndexError, TypeError):
            self.found.broken.append(f"{where}: XObject {name} is not in the resources")
            return
        sub = xo.get("/Subtype")
        if sub == "/Form":
            self._form(xo, res, st, f"{where} › form {name}", depth + 1, chain)
        elif sub == "/Image":
            self._image(xo, str(name)[1:], xo, res, st, where)

    def _image(self, d, name: str, stream, res, st: _State, where: str) -> None:
        stencil = bool(d.get("/ImageMask", False))
        space = st.fill if stencil else S.resolve(d.get("/ColorSpace"), res)
        if stencil:
            bpc = 1
        else:
            bpc = int(d.get("/BitsPerComponent", 8)) if "/BitsPerComponent" in d else 8
            if "/JPXDecode" in str(d.get("/Filter", "")) and "/ColorSpace" not in d:
                space = S.UNKNOWN
        w, h = int(d.get("/Width", 0)), int(d.get("/Height", 0))
        ctm = st.ctm
        wide = math.hypot(ctm[0], ctm[1]) / 72
        tall = math.hypot(ctm[2], ctm[3]) / 72
        ppi = min(w / wide if wide else math.inf, h / tall if tall else math.inf)
        soft = "/SMask" in d or ("/SMaskInData" in d and int(d.get("/SMaskInData", 0)) > 0)
        use = ImageUse(where, name, self._digest(stream), w, h, ppi, space, bpc, soft, stencil)
        self.found.images.append(use)
        box = transform_box([(0, 0), (1, 1), (0, 1), (1, 0)], ctm)
        if stencil:
            self._paints(st.fill, st.fill_vals, box, st.op_fill, where, f"image mask {name}")
        elif soft:
            self._ink.refuse(f"{where}: image {name} has a soft mask")
        else:
            self._image_ink(d, stream, space, box, st.op_fill, where, name)
        self._last_samples = (None, None)   # the samples are not kept past their image
        why = S.problem(space, self.profile)
        if why:
            self.found.colour.append(f"{where}: image {name} in {why}")

    def _inline(self, image, res, st: _State, where: str) -> None:
        d = image.obj
        # the inline image's own dictionary (expanded keys); its /ColorSpace may be a named resource
        self._image(d, "inline", image, res, st, where)

    def _image_ink(self, d, stream, space: S.Space, box, overprint: bool, where: str,
                   name: str) -> None:
        ink = self._ink
        if ink.unknown:
            return
        r = self._region
        if box[2] < r[0] or box[0] > r[2] or box[3] < r[1] or box[1] > r[3]:
            return
        key = stream.objgen if isinstance(stream, pikepdf.Stream) else None
        if key is not None and key != (0, 0) and key in self._sample_ink:
            facts = self._sample_ink[key]
        else:
            last = self._last_samples
            facts = sample_ink(d, stream, space, last[1] if last[0] is stream else None)
            self._last_samples = (None, None)
            if key is not None and key != (0, 0):
                self._sample_ink[key] = facts
        if facts is None:
            ink.refuse(f"{where}: image {name} ({space.describe()}, samples not read here)")
        else:
            ink.add(facts[0], facts[1], overprint, box)

    def _digest(self, stream) -> str:
        key = stream.objgen if isinstance(stream, pikepdf.Stream) else None
        if key is not None and key != (0, 0) and key in self._digests:
            return self._digests[key]
        data, decoded = read_samples(stream)
        self._last_samples = (stream, data if decoded else None)
        digest = hashlib.sha256(data).hexdigest()[:DIGEST_CHARS]
        if key is not None and key != (0, 0):
            self._digests[key] = digest
        return digest

    def _pattern(self, res, name, st: _State, where: str, depth: int, chain: frozenset) -> None:
        try:
            pat = res.Pattern[name]
        except (AttributeError, KeyError, TypeError):
            return
        if isinstance(pat, pikepdf.Stream) and int(pat.get("/PatternType", 1)) == 1:
            if pat.objgen in chain:
                return
            inner = _State(ctm=_matrix(pat.get("/Matrix", IDENTITY)))
            self._form(pat, res, inner, f"{where} › pattern {name}", depth + 1, chain,
                       apply_matrix=False)
        elif isinstance(pat, pikepdf.Dictionary) and "/Shading" in pat:
            self._shading_dict(pat.Shading, res, f"{where} › pattern {name}")

    def _shading(self, res, operands, where: str) -> None:
        try:
            sh = res.Shading[operands[0]]
        except (AttributeError, KeyError, IndexError, TypeError):
            return
        self._shading_dict(sh, res, where)

    def _shading_dict(self, sh, res, where: str) -> None:
        space = S.resolve(sh.get("/ColorSpace"), res)
        why = S.problem(space, self.profile)
        if why:
            self.found.colour.append(f"{where}: shading in {why}")


def _font_metrics(font) -> tuple[int, float, tuple] | None:
    subtype = font.get("/Subtype")
    if subtype == "/Type0":
        if str(font.get("/Encoding")) != "/Identity-H":
            return None          # other CMaps, and vertical writing (advances go down)
        desc = font.DescendantFonts[0]
        widths = [float(desc.get("/DW", 1000))]
        w = desc.get("/W")
        i = 0
        while w is not None and i < len(w):
            if isinstance(w[i + 1], pikepdf.Array):
                widths += [float(v) for v in w[i + 1]]
                i += 2
            else:
                widths.append(float(w[i + 2]))
                i += 3
        code_bytes = 2
    elif subtype in ("/Type1", "/TrueType", "/MMType1"):
        desc = font
        widths = [float(v) for v in font.get("/Widths", [])]
        fd = font.get("/FontDescriptor")
        widths.append(float(fd.get("/MissingWidth", 0)) if fd is not None else 0.0)
        if "/Widths" not in font:
            return None          # a standard 14 font without widths: not bounded here
        code_bytes = 1
    else:
        return None              # Type 3 glyphs are procedures: walked on their own
    fd = desc.get("/FontDescriptor")
    bbox = [float(v) for v in fd.FontBBox] if fd is not None and "/FontBBox" in fd else []
    if len(bbox) != 4 or bbox[0] >= bbox[2] or bbox[1] >= bbox[3]:
        return None
    x0, y0, x1, y1 = bbox
    return code_bytes, max(max(widths), 0.0), (x0, y0, max(x1, 0.0), y1)


def sample_ink(d, stream, space: S.Space,
               samples: bytes | None = None) -> tuple[tuple[float, ...], float] | None:
    """Highest C, M, Y, K and highest C+M+Y+K (0–1) of an image's samples, read from the
    samples themselves; None where they cannot be read here (JPEG and other image codecs,
    a Decode array, spaces other than device grey and CMYK, short data). `samples`: the
    stream's decoded samples when already read."""
    if space.family not in ("DeviceGray", "DeviceCMYK"):
        return None
    n = space.n
    try:
        bpc = int(d.get("/BitsPerComponent", 8))
        w, h = int(d.get("/Width", 0)), int(d.get("/Height", 0))
        decode = d.get("/Decode")
        if decode is not None and [float(v) for v in decode] != [0.0, 1.0] * n:
            return None
    except (TypeError, ValueError):
        return None
    if n == 1 and bpc != 8:
        return (0.0, 0.0, 0.0, 1.0), 1.0       # any grey sample puts at most 100 % on K
    if bpc != 8 or w <= 0 or h <= 0:
        return None
    data = decoded_samples(d, stream, samples)
    if data is None or len(data) < w * h * n:
        return None
    if n == 1:
        k = (255 - _lowest_byte(memoryview(data)[:w * h])) / 255
        return (0.0, 0.0, 0.0, k), k
    import numpy as np   # only CMYK images need it

    px = np.frombuffer(data, dtype=np.uint8, count=w * h * 4).reshape(-1, 4)
    highest = tuple(float(v) / 255 for v in px.max(axis=0))
    return highest, float(px.sum(axis=1, dtype=np.uint16).max()) / 255


def decoded_samples(d, stream, samples: bytes | None = None) -> bytes | None:
    """An image's samples when only general filters (Flate, LZW, run-length, ASCII) stand
    between them and the file; None for image codecs (JPEG, JPEG 2000, JBIG2, CCITT)."""
    filters = d.get("/Filter")
    names = [] if filters is None else [str(f) for f in filters] \
        if isinstance(filters, pikepdf.Array) else [str(filters)]
    if any(f not in _PLAIN_FILTERS for f in names):
        return None
    if isinstance(stream, pikepdf.Stream):
        if samples is not None:
            return samples
        data, decoded = read_samples(stream)
        return data if decoded else None
    if names:
        return None   # a filtered inline image: its data as written are not samples
    try:
        return stream.read_raw_bytes()
    except Exception:  # an inline image pikepdf cannot give back
        return None


def _lowest_byte(data: memoryview) -> int:
    """Smallest byte value: a C-speed scan per value, lowest first (photos reach 0 quickly)."""
    raw = bytes(data)
    for v in range(256):
        if v in raw:
            return v
    return 255


def image_samples(stream) -> bytes:
    """The bytes an image digest is taken of: decoded samples where the filters allow, else the
    stored bytes (a JPEG stays as stored). Inline images: their data as written."""
    return read_samples(stream)[0]


def read_samples(stream) -> tuple[bytes, bool]:
    """`image_samples`, and whether they are the decoded samples of a stream XObject."""
    if isinstance(stream, pikepdf.Stream):
        try:
            return stream.read_bytes(), True
        except pikepdf.PdfError:
            return stream.read_raw_bytes(), False
    try:
        return stream.read_raw_bytes(), False   # pikepdf.PdfInlineImage: the bytes between ID and EI
    except Exception:  # an inline image pikepdf cannot give back: hash its dictionary
        return repr(stream.obj).encode(), False


def _appearance_matrix(form, rect: list[float]) -> Matrix:
    """Where an annotation's appearance lands: its BBox, transformed by /Matrix, fitted to /Rect."""
    m = _matrix(form.get("/Matrix", IDENTITY))
    bbox = [float(v) for v in form.get("/BBox", [0, 0, 1, 1])]
    pts = [(x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])
           for x in (bbox[0], bbox[2]) for y in (bbox[1], bbox[3])]
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    sx = (rect[2] - rect[0]) / (x1 - x0) if x1 > x0 else 1.0
    sy = (rect[3] - rect[1]) / (y1 - y0) if y1 > y0 else 1.0
    fit = (sx, 0.0, 0.0, sy, rect[0] - x0 * sx, rect[1] - y0 * sy)
    return mul(m, fit)


def _is_number(v) -> bool:
    if isinstance(v, pikepdf.Name):
        return False
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


def _float(operands, i: int, default: float) -> float:
    try:
        return float(operands[i])
    except (IndexError, TypeError, ValueError):
        return default


def _num(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return 1.0
