"""Measure how cleanly body copy is set, from the rendered PDF alone (issue 10).

    .venv/bin/python bench/copy_quality.py tests/corpus/*.yaml layouts/*.yaml \
        [-o OUTDIR] [--json FILE] [--examples N]

Each spec is rendered with `python -m typeset render` (a subprocess) and the PDF is read back
with pypdfium2: glyph origins, advances (pdfium's loose boxes) and ink boxes (tight boxes). The
layout's own line records are never used and no module of `typeset` is imported.

How the reader works (its rules, so that the figures can be argued with):

* Body glyphs: the most frequent (font, size) pair of the page is the body face; a line is a
  body line when most of its glyphs are in it. Byline, headline, subhead and caption lines
  (other faces) are not body lines, but they still count as "something between" two body lines.
* Lines: glyphs in content-stream order, a new line starting at each pdfium line break, change
  of baseline or backward jump in x. A line belongs to the grid column that holds its set-left
  edge. Columns come from the spec: page trim box, margins (centred when not given, as the
  README says), columns, column_chars, gutter_chars and body_size.
* Set edges: a line's left edge is its first glyph's origin, moved right by ½ em when that glyph
  is an opening bracket (its blank half may hang outside); the right edge is the last glyph's
  origin + advance, or origin + ½ em for a mark whose blank half is on the right
  (。，、；：？！ and closing brackets). Ink edges come from the glyphs' tight boxes.
* Paragraph last lines (exempt from "flush"): a body line is a paragraph's last line when the
  next body line in reading order is indented (its left edge 2 em in, 2½ em for an opening
  bracket), when something else stands between them (a subhead, a gap of more than one line
  pitch), or when there is no next line. Reading order is down the column, then to the top of
  the next grid column's text that starts within four pitches of this column's text.
* Flush: both set edges within 0.5 pt of the column edges (first lines: left edge at the indent).
* Over-wide: any glyph's set box, or a mark's ink, beyond a column edge by more than 0.5 pt
  (the ink of letters, digits and Han characters may overhang their advance by design).
* Prohibited starts/ends: the gb set of typesetting-rules.md §1.2/§1.3 plus ASCII
  . , : ; ? ! ) ] } % " ' - (and a postfix mark after a digit, a prefix before a digit);
  a whole —— may start a line, and so may - " ' where the copy has a space before them
  (an option --chip, a minus sign, an opening straight quote).
* Forbidden splits (§1.4): the characters on both sides of each break inside a paragraph are
  looked up in the source copy to see if a space stood there; with no space, a break inside a
  number, a Latin word or digit run, between two dashes or dots, before / . ? & = - _, or after
  any other ASCII mark inside a Latin token is forbidden; with a space, only number + unit.
* Gaps: between adjacent glyphs of a line, next origin − (origin + advance), advances from
  the embedded font's widths. Han–Han above ½ em is a fault; a source space between two Han
  characters is an ideographic space and is counted apart. Han–Latin letter and Han–digit
  gaps are checked against the ranges below (line ends and marks excluded).
* Holes: any other gap above ½ em between adjacent glyphs of a body line (a digit before a
  dash, a mark before a Latin word …) is a hole, except a Latin word space (a space in the copy
  between two characters of Latin text; the widest is shown beside the holes).
* Ink touching: adjacent glyphs of a line set closer than the first one's advance whose ink
  boxes overlap by more than 0.01 pt in both directions (at or beyond the advance an overlap
  is the font's design; Latin pairs are kerned by design; —— and …… halves should join), and
  lines of neighbouring columns on one baseline whose ink overlaps.
* Quotes: each paragraph (lines chained as above) must alternate “ ” and ‘ ’, opening first
  and closed at the end (a quotation running over several paragraphs would be counted: none in
  the corpus); straight ASCII " left in body text are counted beside it ("quotes" a/b).
* Every character accounted: the copy (front-matter titles, bylines, paragraphs), folded
  (NFKC, one class per quote / dash / dot kind, runs of dots or dashes collapsed, whitespace
  removed), as a multiset, minus the PDF's text and the report's overflow text.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import statistics
import subprocess
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import yaml

ROOT = Path(__file__).resolve().parents[1]

# --- tolerances and targets (issue 10) -------------------------------------------------------
FLUSH_TOL = 0.5          # pt: a line edge this close to the column edge is flush
WIDE_TOL = 0.5           # pt: ink or set box beyond a column edge by more is over-wide
TOUCH_TOL = 0.01         # pt: ink overlap counted as touching
HAN_GAP_MAX = 0.5        # em: widest gap allowed between two Han characters
HOLE_MAX = 0.5           # em: widest gap allowed between any other two glyphs (not word spaces)
# em: CJK–Latin gap, README default cjk_latin_gap 0.25 shrunk to half or stretched to ½ em
# (§2.7/2.8); CJK–digit gap, default cjk_digit_gap 0 stretched up to ½ em. A spec's own
# text.cjk_latin_gap / cjk_digit_gap g gives (g/2, max(½, g)).
LATIN_GAP_RANGE = (0.125, 0.5)
DIGIT_GAP_RANGE = (0.0, 0.5)
GAP_TOL = 0.01           # em: rounding allowance on the gap ranges
DEFAULT_INDENT = 2.0     # em: README default text.indent

# --- character classes (typesetting-rules.md §1, clreq-classes.yaml) ------------------------
OPENING = set("“‘（《〈【〔〖「『［｛〘｟〝")
CLOSING = set("”’）》〉】〕〗」』］｝〙｠〞〟")
STOPS_PAUSES = set("。．？！‼⁇⁈⁉，、；：")
LEFT_INK = STOPS_PAUSES | CLOSING                    # blank half on the right
MIDDLE_DOTS = set("·・‧•")
CONNECTORS = set("–—～~〜")
POSTFIX = set("％%‰‱°℃℉′″￠")
PREFIX = set("￥¥＄$￡£€＃#№")
ASCII_NO_START = set(".,:;?!)]}%\"'-")
NO_START = STOPS_PAUSES | CLOSING | MIDDLE_DOTS | CONNECTORS | set("／") | ASCII_NO_START
NO_END = OPENING | set("／([{")
URL_BREAK_AFTER = set("/.?&=-_")
DASHES = set("—―⸺")
ELLIPSES = set("…⋯")
LATIN_UNITS = {"km", "km/h", "kg", "mg", "mg/L", "g", "t", "m", "cm", "mm", "nm", "L", "mL",
               "ml", "kW", "kWh", "W", "V", "mAh", "Hz", "GHz", "MHz", "GB", "MB", "TB", "KB",
               "ms", "s", "h", "min", "dB", "Pa", "kPa", "MPa", "m2", "m3", "km2"}


def is_han(c: str) -> bool:
    o = ord(c)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x3134F
            or 0xF900 <= o <= 0xFAFF or c == "〇")


def _is_mark(c: str) -> bool:
    return not (is_han(c) or c.isalnum())


def is_wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in ("W", "F")


def is_ascii_token_char(c: str) -> bool:
    return 0x21 <= ord(c) <= 0x7E or c in PREFIX or c in POSTFIX


# --- spec geometry ---------------------------------------------------------------------------
HAO = {"初号": 42, "小初": 36, "一号": 26, "小一": 24, "二号": 22, "小二": 18, "三号": 16,
       "小三": 15, "四号": 14, "小四": 12, "五号": 10.5, "小五": 9, "六号": 7.5, "小六": 6.5,
       "七号": 5.5, "八号": 5}
UNIT_PT = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0}


def length_pt(value) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    s = str(value).strip()
    if s in HAO:
        return float(HAO[s])
    m = re.fullmatch(r"([0-9.]+)\s*(pt|mm|cm|in)?", s)
    if not m:
        raise ValueError(f"cannot read length {value!r}")
    return float(m.group(1)) * UNIT_PT[m.group(2) or "pt"]


@dataclass
class Geometry:
    columns: list[tuple[float, float]]   # x0, x1 of each grid column (PDF coordinates)
    body_size: float
    column_chars: int
    indent_em: float
    page_top: float
    latin_gap_range: tuple[float, float] = LATIN_GAP_RANGE
    digit_gap_range: tuple[float, float] = DIGIT_GAP_RANGE


def spec_geometry(spec: dict, trim: tuple[float, float, float, float]) -> Geometry:
    grid = spec.get("grid") or {}
    page = spec.get("page") or {}
    text = spec.get("text") or {}
    ncol = int(grid.get("columns", 8))
    cchars = int(grid.get("column_chars", 13))
    gchars = float(grid.get("gutter_chars", 1))
    size = length_pt(grid.get("body_size", "小五"))
    colw, gut = cchars * size, gchars * size
    width = ncol * colw + (ncol - 1) * gut
    tl, tb, tr, tt = trim
    left = tl + (length_pt(page["margin_left"]) if page.get("margin_left") is not None
                 else ((tr - tl) - width) / 2)
    cols = [(left + i * (colw + gut), left + i * (colw + gut) + colw) for i in range(ncol)]
    # gap ranges: the configured gap may shrink to half (§2.8 step 5) and stretch to ½ em
    lat = float(text.get("cjk_latin_gap", 0.25))
    dig = float(text.get("cjk_digit_gap", 0.0))
    return Geometry(cols, size, cchars, float(text.get("indent", DEFAULT_INDENT)), tt,
                    (lat / 2, max(0.5, lat)), (dig / 2, max(0.5, dig)))


# --- reading glyphs --------------------------------------------------------------------------
@dataclass
class Glyph:
    ch: str
    x: float          # origin
    y: float          # baseline
    size: float
    font: str
    adv: float        # advance (pt)
    ink: tuple[float, float, float, float]   # l, b, r, t (tight box)
    new_line: bool    # pdfium put a line break before it

    @property
    def em(self) -> float:
        return self.size

    @property
    def set_left(self) -> float:
        if self.ch in MIDDLE_DOTS:                  # 0.5 em slot centred on the glyph
            return self.x + self.adv / 2 - self.size / 4
        return self.x + (self.size / 2 if self.ch in OPENING else 0.0)

    @property
    def set_right(self) -> float:
        if self.ch in MIDDLE_DOTS:
            return self.x + self.adv / 2 + self.size / 4
        return self.x + (self.size / 2 if self.ch in LEFT_INK else self.adv)

    @property
    def has_ink(self) -> bool:
        l, b, r, t = self.ink
        return r - l > 0.01 and t - b > 0.01


def _advance(tp, i: int, code: int, size: float, loose_width: float) -> float:
    """The glyph's advance from its font's widths (pdfium maps the character back to its
    code); failing that, the loose box's width (origin to advance, widened by ink overhang)."""
    obj = pdfium_c.FPDFText_GetTextObject(tp.raw, i)
    if obj:
        font = pdfium_c.FPDFTextObj_GetFont(obj)
        w = ctypes.c_float()
        if font and pdfium_c.FPDFFont_GetGlyphWidth(font, code, ctypes.c_float(size), w) and w.value > 0:
            # the reverse lookup can land on another code of the font (U+00AD gave 1 em);
            # the loose box is never narrower than the advance, so take the smaller
            return float(min(w.value, loose_width)) if loose_width > 0.01 else float(w.value)
    return max(0.0, loose_width)


def read_pages(pdf_path: Path) -> list[tuple[tuple, list[Glyph]]]:
    """Every drawn glyph of every page: (trim box, glyphs in content-stream order)."""
    doc = pdfium.PdfDocument(str(pdf_path))
    buf = ctypes.create_string_buffer(512)
    out = []
    try:
        for page in doc:
            trim = tuple(page.get_trimbox())
            tp = page.get_textpage()
            glyphs: list[Glyph] = []
            pending_break = True
            for i in range(tp.count_chars()):
                code = pdfium_c.FPDFText_GetUnicode(tp.raw, i)
                if pdfium_c.FPDFText_IsGenerated(tp.raw, i):
                    if code in (10, 13):
                        pending_break = True
                    continue
                # pdfium reports a hyphen that ends a line as U+0002 (its soft-hyphen marker);
                # poppler's pdftotext reads the same glyph as '-'
                ch = "-" if code == 2 else chr(code)
                if ch.isspace():
                    continue
                x, y = ctypes.c_double(), ctypes.c_double()
                pdfium_c.FPDFText_GetCharOrigin(tp.raw, i, x, y)
                size = pdfium_c.FPDFText_GetFontSize(tp.raw, i)
                flags = ctypes.c_int()
                n = pdfium_c.FPDFText_GetFontInfo(tp.raw, i, buf, len(buf), flags)
                font = buf.raw[:max(n - 1, 0)].decode("utf-8", "replace").split("+")[-1]
                ink = tuple(tp.get_charbox(i))
                loose = tuple(tp.get_charbox(i, loose=True))
                adv = _advance(tp, i, code, size, loose[2] - x.value)
                if glyphs and abs(glyphs[-1].x - x.value) < 0.001 and abs(glyphs[-1].y - y.value) < 0.001:
                    # one glyph for several characters (the font's 2-em dash for ——):
                    # the loose box spans the whole glyph
                    adv = glyphs[-1].adv = max(0.0, loose[2] - x.value)
                glyphs.append(Glyph(ch, x.value, y.value, size, font, adv, ink, pending_break))
                pending_break = False
            tp.close()
            out.append((trim, glyphs))
    finally:
        doc.close()
    return out


@dataclass
class Line:
    glyphs: list[Glyph]
    col: int = -1
    body: bool = False
    final: bool = False
    next: "Line | None" = None     # next line of the same paragraph
    spaced_before: bool | None = None   # the copy had a space where this line starts

    @property
    def y(self) -> float:
        return self.glyphs[0].y

    @property
    def text(self) -> str:
        return "".join(g.ch for g in self.glyphs)

    @property
    def shown(self) -> str:
        """The line for people: a space where two Latin glyphs stand apart by 0.15 em or
        more (word spaces are not characters in the PDF), U+00AD as a hyphen."""
        out = []
        for a, b in zip([None] + self.glyphs, self.glyphs):
            if a is not None and a.ch.isascii() and b.ch.isascii() and b.x - (a.x + a.adv) >= 0.15 * a.size:
                out.append(" ")
            out.append("-" if b.ch == "\u00ad" else b.ch)
        return "".join(out)

    @property
    def set_left(self) -> float:
        return self.glyphs[0].set_left

    @property
    def set_right(self) -> float:
        return self.glyphs[-1].set_right

    # Ink edges of the line's marks (punctuation, symbols). A letter's or a Han character's
    # ink may overhang its advance by the font's design (Noto Serif 员 by 0.06 em, a Latin
    # f by 0.07 em): those are judged by their set box, as flushness is.
    @property
    def ink_left(self) -> float:
        return min((g.ink[0] for g in self.glyphs if g.has_ink and _is_mark(g.ch)),
                   default=self.set_left)

    @property
    def ink_right(self) -> float:
        return max((g.ink[2] for g in self.glyphs if g.has_ink and _is_mark(g.ch)),
                   default=self.set_right)


def split_lines(glyphs: list[Glyph], column_starts: tuple[float, ...] = ()) -> list[Line]:
    """Runs of glyphs in stream order, cut at pdfium line breaks, baseline changes and
    backward jumps. A later run on an earlier line's baseline joins that line when it is
    in another font and inside the line's span (fallback glyphs are drawn after their line),
    or when it carries straight on within 2 em of the line's end (pdfium breaks text objects
    into lines by its own guesses) and does not begin at a column's left edge."""
    runs: list[list[Glyph]] = []
    cur: list[Glyph] = []
    for g in glyphs:
        if cur and (g.new_line or abs(g.y - cur[-1].y) > 0.01 or g.x < cur[-1].x - 0.01):
            runs.append(cur)
            cur = []
        cur.append(g)
    if cur:
        runs.append(cur)
    lines: list[Line] = []
    for run in runs:
        r0 = run[0]
        at_column_start = any(abs(r0.set_left - x) <= FLUSH_TOL for x in column_starts)
        for ln in lines[-6:]:
            gl = ln.glyphs
            if abs(gl[0].y - r0.y) > 0.01:
                continue
            end = gl[-1].x + gl[-1].adv
            fallback = r0.font != gl[0].font and gl[0].x - 0.01 <= r0.x <= end
            carries_on = end - 0.01 <= r0.x <= end + 2 * r0.size and not at_column_start
            if fallback or carries_on:
                gl.extend(run)
                gl.sort(key=lambda g: g.x)
                break
        else:
            lines.append(Line(list(run)))
    return lines


# --- the source copy -------------------------------------------------------------------------
TEXT_KEYS = ("kicker", "title", "subtitle", "byline", "masthead", "credit")
FOLD_MAP = {"“": '"', "”": '"', "〝": '"', "〞": '"', "〟": '"', "‘": "'", "’": "'",
            "。": ".", "｡": ".", "…": ".", "⋯": ".", "—": "-", "―": "-", "–": "-", "‐": "-",
            "‑": "-", "⸺": "-", "─": "-", "〜": "~", "・": "·", "‧": "·", "•": "·",
            "\u3000": " "}


def fold_char(c: str) -> str:
    c = FOLD_MAP.get(c, c)
    s = unicodedata.normalize("NFKC", c)
    return "".join(FOLD_MAP.get(x, x) for x in s)


def _collapse(s: str) -> str:
    return re.sub(r"\.{2,}", ".", re.sub(r"-{2,}", "-", s))


def fold(text: str) -> str:
    """Compare characters across normalisation: see the module docstring."""
    s = "".join(fold_char(c) for c in text)
    return _collapse(re.sub(r"\s+", "", s))


def content_files(spec_path: Path, spec: dict) -> list[Path]:
    files = []
    for b in spec.get("blocks") or []:
        for key in ("article", "briefs", "caption"):
            if b.get(key):
                files.append((spec_path.parent / b[key]).resolve())
    return files


def read_copy(path: Path) -> list[str]:
    """Front-matter text fields and paragraphs of one content file, as written."""
    raw = path.read_text(encoding="utf-8-sig")
    paras: list[str] = []
    body = raw
    m = re.match(r"---\n(.*?)\n---\n?", raw, re.S)
    if m:
        front = yaml.safe_load(m.group(1)) or {}
        paras += [str(front[k]) for k in TEXT_KEYS if front.get(k)]
        body = raw[m.end():]
    for line in body.splitlines():
        line = line.strip()
        if line:
            paras.append(re.sub(r"^#{1,2} ", "", line))
    return paras


def count_body_paragraphs(path: Path) -> int:
    """Paragraphs of body text in a content file (not front matter, subheads or titles)."""
    raw = path.read_text(encoding="utf-8-sig")
    m = re.match(r"---\n(.*?)\n---\n?", raw, re.S)
    body = raw[m.end():] if m else raw
    return sum(1 for ln in body.splitlines() if ln.strip() and not ln.startswith("#"))


class SpaceIndex:
    """Was there whitespace in the copy between two characters the PDF shows side by side?"""

    def __init__(self, paragraphs: list[str]):
        chars: list[str] = []
        space: list[bool] = []
        for p in paragraphs:
            pend = False
            for c in p:
                f = fold_char(c)
                if not f.strip():
                    pend = True
                    continue
                for x in f:
                    chars.append(x)
                    space.append(pend)
                    pend = False
            chars.append("\n")
            space.append(False)
        self.s = "".join(chars)
        self.space = space
        self.collapsed = _collapse(self.s)      # ... and …… alike

    def continues(self, left: str, right: str) -> bool:
        """Do the end of `left` and the start of `right` follow each other in a paragraph?"""
        lf = _collapse("".join(fold_char(c) for c in left if not c.isspace()))
        rf = _collapse("".join(fold_char(c) for c in right if not c.isspace()))
        return bool(lf and rf) and _collapse(lf[-4:] + rf[:4]) in self.collapsed

    def between(self, left: str, right: str) -> bool | None:
        """True/False when found in the copy; None when the pair cannot be found."""
        lf = "".join(fold_char(c) for c in left if not c.isspace())
        rf = "".join(fold_char(c) for c in right if not c.isspace())
        for n in (6, 4, 3, 2, 1):
            a, b = lf[-n:], rf[:n]
            if not a or not b:
                continue
            votes = Counter()
            start = self.s.find(a + b)
            while start >= 0:
                votes[self.space[start + len(a)]] += 1
                start = self.s.find(a + b, start + 1)
            if votes:
                return votes.most_common(1)[0][0]
        return None


# --- measuring -------------------------------------------------------------------------------
@dataclass
class Figures:
    spec: str
    measure: int
    body_lines: int = 0
    paragraph_ends: int = 0          # body lines taken as a paragraph's last line
    copy_paragraphs: int = 0         # body paragraphs in the copy (a check on the above)
    nonfinal_lines: int = 0
    flush_lines: int = 0
    prohibited_starts: int = 0
    prohibited_ends: int = 0
    forbidden_splits: int = 0
    wide_lines: int = 0
    han_gaps_over: int = 0
    han_gap_max_em: float = 0.0
    ideographic_spaces: int = 0
    holes: int = 0                   # other gaps above HOLE_MAX (not Latin word spaces)
    hole_max_em: float = 0.0         # widest gap that is not Han–Han nor a Latin word space
    word_space_max_em: float = 0.0   # widest Latin word space (not counted as a hole)
    latin_gap_min_em: float | None = None
    latin_gap_max_em: float | None = None
    latin_gaps_out: int = 0
    digit_gap_min_em: float | None = None
    digit_gap_max_em: float | None = None
    digit_gaps_out: int = 0
    ink_touches: int = 0
    quote_faults: int = 0            # paragraphs whose “ ” or ‘ ’ do not alternate
    straight_quotes: int = 0         # ASCII " left in body text
    copy_chars: int = 0
    missing_chars: int = 0
    extra_chars: int = 0
    overflow_chars: int = 0
    examples: dict = field(default_factory=dict)

    @property
    def flush_pct(self) -> float:
        return 100.0 * self.flush_lines / self.nonfinal_lines if self.nonfinal_lines else 100.0

    def note(self, kind: str, text: str, limit: int = 12) -> None:
        ex = self.examples.setdefault(kind, [])
        if len(ex) < limit:
            ex.append(text)

    def as_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "examples"}
        d["flush_pct"] = round(self.flush_pct, 2)
        for k, v in d.items():
            if isinstance(v, float):
                d[k] = round(v, 3)
        d["examples"] = self.examples
        return d


def _near(a: float, b: float, tol: float = FLUSH_TOL) -> bool:
    return abs(a - b) <= tol


def _column_of(x: float, geo: Geometry) -> int:
    half_gutter = (geo.columns[1][0] - geo.columns[0][1]) / 2 if len(geo.columns) > 1 else geo.body_size
    for i, (x0, x1) in enumerate(geo.columns):
        if x0 - half_gutter <= x < x1 + half_gutter:
            return i
    return -1


def _indented(line: Line, x0: float, geo: Geometry) -> bool:
    ind = x0 + geo.indent_em * geo.body_size
    first = line.glyphs[0]
    # The indent is measured to the set-left edge; an opening bracket after the indent may
    # keep all, part or none of its blank half (clreq 3.1.6.3): its origin anywhere from
    # ½ em before the indent to the indent counts.
    if first.ch in OPENING:
        return ind - first.size / 2 - FLUSH_TOL <= first.x <= ind + FLUSH_TOL
    return _near(line.set_left, ind)


def link_lines(lines: list[Line], geo: Geometry, pitch: float, spaces: "SpaceIndex") -> None:
    """Mark paragraph last lines and link each other body line to its successor."""
    by_col: dict[int, list[Line]] = {}
    for ln in lines:
        if ln.col >= 0:
            by_col.setdefault(ln.col, []).append(ln)
    for col in by_col.values():
        col.sort(key=lambda ln: -ln.y)
    # where text starts again in a column: a body line with no body line a pitch above it
    starts: dict[int, list[Line]] = {}
    for c, col in by_col.items():
        prev = None
        for ln in col:
            if ln.body:
                if prev is None or prev.y - ln.y > 1.2 * pitch:
                    starts.setdefault(c, []).append(ln)
                prev = ln
    for c, col in by_col.items():
        for i, ln in enumerate(col):
            if not ln.body:
                continue
            # the next line below (lines on the same baseline, such as a wide subhead
            # poking in from the next column, are not "below")
            nxt = next((x for x in col[i + 1:] if ln.y - x.y > pitch / 2), None)
            if nxt is not None and _near(ln.y - nxt.y, pitch, 0.1):
                # an indented next line starts a paragraph, unless the copy runs on there
                # (a line pushed right by a fault is not a paragraph start)
                if nxt.body and (not _indented(nxt, geo.columns[c][0], geo)
                                 or spaces.continues(ln.text, nxt.text)):
                    ln.next = nxt
                else:
                    ln.final = True
                continue
            # the column's text stops here (or a subhead follows): does the paragraph go on
            # at a place where text starts in the next column? Decided by the copy: the
            # characters on both sides must stand side by side in one paragraph.
            ln.final = True
            for cand in starts.get(c + 1, []):
                if spaces.continues(ln.text, cand.text):
                    if not _indented(cand, geo.columns[c + 1][0], geo):
                        ln.final, ln.next = False, cand
                    break


JUNCTION_CTX = 8


def junction_fault(tail: str, head: str, spaced: bool | None) -> str | None:
    """Kind of forbidden split between line end `tail` and line start `head`, or None."""
    a, b = tail[-1], head[0]
    if a in DASHES and b in DASHES:
        return "dash"
    if a in ELLIPSES and b in ELLIPSES or a == "." and b == ".":
        return "ellipsis"
    if spaced:
        mt = re.search(r"[0-9]$", tail)
        mh = re.match(r"[A-Za-z]+(?:/[A-Za-z]+)?", head)
        if mt and mh and mh.group(0) in LATIN_UNITS:
            return "number+unit"
        return None
    if not (is_ascii_token_char(a) and is_ascii_token_char(b)):
        return None
    digit = str.isdigit
    if a in PREFIX and digit(b) or digit(a) and b in POSTFIX:
        return "number"
    if digit(a) and digit(b):
        return "number"
    if a in ".,:-" and digit(b) and len(tail) > 1 and digit(tail[-2]):
        return "number"
    if digit(a) and b in ".,:" and len(head) > 1 and digit(head[1]):
        return "number"
    if a.isalnum() and b.isalnum():
        return "word"
    if a == "-" and b == "-":
        return "dash"
    if b in URL_BREAK_AFTER:
        return "before " + b
    if a in URL_BREAK_AFTER or a in CONNECTORS:     # 15%~|20% breaks after the connector
        return None
    return f"token {a}|{b}"


def measure(spec_path: Path, pdf_path: Path, report_path: Path | None) -> Figures:
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8")) or {}
    geo_cols = int((spec.get("grid") or {}).get("column_chars", 13))
    fig = Figures(spec_path.stem, geo_cols)
    paragraphs: list[str] = []
    for f in content_files(spec_path, spec):
        paragraphs += read_copy(f)
        fig.copy_paragraphs += count_body_paragraphs(f)
    spaces = SpaceIndex(paragraphs)
    pdf_text: list[str] = []
    for trim, glyphs in read_pages(pdf_path):
        geo = spec_geometry(spec, trim)
        lines = split_lines(glyphs, tuple(x0 for x0, _ in geo.columns))
        pdf_text += [ln.text for ln in lines]
        face = Counter((g.font, round(g.size, 2)) for g in glyphs if is_han(g.ch))
        if not face:
            continue
        body_font, body_size = face.most_common(1)[0][0]
        for ln in lines:
            ln.col = _column_of(ln.set_left, geo)
            n_body = sum(1 for g in ln.glyphs if g.font == body_font and abs(g.size - body_size) < 0.01)
            ln.body = ln.col >= 0 and 2 * n_body > len(ln.glyphs)
        body = [ln for ln in lines if ln.body]
        ys = sorted({round(ln.y, 2) for ln in body}, reverse=True)
        diffs = Counter(round(a - b, 2) for a, b in zip(ys, ys[1:]) if a - b > 0.5 * body_size)
        pitch = diffs.most_common(1)[0][0] if diffs else body_size * 4 / 3
        link_lines(lines, geo, pitch, spaces)
        _measure_lines(fig, body, lines, geo, spaces)
    _account(fig, paragraphs, pdf_text, report_path)
    return fig


def _measure_lines(fig: Figures, body: list[Line], lines: list[Line], geo: Geometry,
                   spaces: SpaceIndex) -> None:
    em = geo.body_size
    fig.body_lines += len(body)
    fig.paragraph_ends += sum(1 for ln in body if ln.final)
    for ln in body:
        if ln.next is not None:
            ln.next.spaced_before = spaces.between(ln.text[-JUNCTION_CTX:], ln.next.text[:JUNCTION_CTX])
    _measure_quotes(fig, body)
    for ln in body:
        x0, x1 = geo.columns[ln.col]
        text = ln.text
        where = f"col {ln.col + 1} y {ln.y:.1f}: {ln.shown}"
        # flush
        if not ln.final:
            fig.nonfinal_lines += 1
            left_ok = _near(ln.set_left, x0) or (ln is not None and _indented(ln, x0, geo))
            if left_ok and _near(ln.set_right, x1):
                fig.flush_lines += 1
            else:
                fig.note("not flush", f"{where}  (left {ln.set_left - x0:+.2f} pt, right {ln.set_right - x1:+.2f} pt)")
        # over-wide
        if (ln.ink_right > x1 + WIDE_TOL or ln.set_right > x1 + WIDE_TOL
                or ln.ink_left < x0 - WIDE_TOL or ln.set_left < x0 - WIDE_TOL):
            fig.wide_lines += 1
            fig.note("wider than column", f"{where}  (ink {ln.ink_left - x0:+.2f}/{ln.ink_right - x1:+.2f} pt)")
        # prohibited starts / ends
        first, last = text[0], text[-1]
        prev_line_end = None
        bad_start = first in NO_START
        if first in DASHES and len(text) > 1 and text[1] in DASHES:
            bad_start = False                       # a whole 2-em dash may start a line (gb)
        if first == "-" and len(text) > 1 and text[1].isdigit():
            bad_start = False                       # a leading minus sign
        if first in "-\"'" and ln.spaced_before:
            bad_start = False                       # a word starts there: --option, "quote
        if bad_start:
            fig.prohibited_starts += 1
            fig.note("prohibited start", where)
        if not ln.final:
            nxt = ln.next
            bad_end = last in NO_END or (last in PREFIX and nxt is not None and nxt.text[0].isdigit())
            if bad_end:
                fig.prohibited_ends += 1
                fig.note("prohibited end", where)
            if nxt is not None:
                if nxt.text[0] in POSTFIX and last.isdigit() and nxt.text[0] not in NO_START:
                    fig.prohibited_starts += 1
                    fig.note("prohibited start", f"{where} / {nxt.shown}")
                tail, head = text[-JUNCTION_CTX:], nxt.text[:JUNCTION_CTX]
                kind = junction_fault(tail, head, nxt.spaced_before)
                if kind:
                    fig.forbidden_splits += 1
                    fig.note("forbidden split", f"{kind}: …{ln.shown[-12:]} / {nxt.shown[:12]}…")
        # gaps and ink
        for a, b in zip(ln.glyphs, ln.glyphs[1:]):
            gap = (b.x - (a.x + a.adv)) / em
            if is_han(a.ch) and is_han(b.ch):
                if gap > HAN_GAP_MAX:
                    ctx_l = "".join(g.ch for g in ln.glyphs if g.x <= a.x)[-6:]
                    ctx_r = "".join(g.ch for g in ln.glyphs if g.x >= b.x)[:6]
                    if spaces.between(ctx_l, ctx_r):
                        fig.ideographic_spaces += 1
                    else:
                        fig.han_gaps_over += 1
                        fig.note("Han-Han gap", f"{gap:.2f} em {a.ch}|{b.ch}  {where}")
                        fig.han_gap_max_em = max(fig.han_gap_max_em, gap)
                else:
                    fig.han_gap_max_em = max(fig.han_gap_max_em, gap)
            else:
                _hole(fig, ln, a, b, gap, spaces, where)
            pair = (a.ch, b.ch)
            if any(is_han(c) for c in pair) and any(c.isascii() and c.isalpha() for c in pair):
                _gap(fig, "latin", gap, geo.latin_gap_range, f"{a.ch}|{b.ch} {gap:.2f} em  {where}")
            elif any(is_han(c) for c in pair) and any(c.isascii() and c.isdigit() for c in pair):
                _gap(fig, "digit", gap, geo.digit_gap_range, f"{a.ch}|{b.ch} {gap:.2f} em  {where}")
            # Ink touching: only pairs set closer than the first glyph's advance (the engine
            # moved them together); at or beyond it, any box overlap is the font's own design
            # (overhangs, as 员). Latin pairs are skipped (kerning is the font's design too),
            # and so are the halves of —— and …… (they should join).
            closer = b.x < a.x + a.adv - TOUCH_TOL
            latin_pair = a.ch.isascii() and b.ch.isascii()
            if (closer and not latin_pair and a.has_ink and b.has_ink
                    and not (a.ch == b.ch and a.ch in DASHES | ELLIPSES)):
                ox = min(a.ink[2], b.ink[2]) - max(a.ink[0], b.ink[0])
                oy = min(a.ink[3], b.ink[3]) - max(a.ink[1], b.ink[1])
                if ox > TOUCH_TOL and oy > TOUCH_TOL:
                    fig.ink_touches += 1
                    fig.note("ink touching", f"{a.ch}{b.ch} overlap {ox:.2f} pt  {where}")
    # neighbouring columns on one baseline
    rows: dict[float, list[Line]] = {}
    for ln in lines:
        if ln.col >= 0:
            rows.setdefault(round(ln.y, 1), []).append(ln)
    for row in rows.values():
        row.sort(key=lambda ln: ln.set_left)
        for a, b in zip(row, row[1:]):
            if a.ink_right > b.ink_left + TOUCH_TOL and a.ink_left < b.ink_left:
                fig.ink_touches += 1
                fig.note("ink touching", f"lines collide: col {a.col + 1} {a.shown} / col {b.col + 1} {b.shown}")


def _latin_side(c: str) -> bool:
    """A character of Latin text: letters and digits of any Latin script, ASCII signs."""
    return is_ascii_token_char(c) or (c.isalnum() and not is_han(c) and not is_wide(c))


def _hole(fig: Figures, ln: Line, a: Glyph, b: Glyph, gap: float, spaces: SpaceIndex,
          where: str) -> None:
    """A gap that is not between two Han characters: a hole when above HOLE_MAX, unless the
    copy has a space there between two characters of Latin text (a Latin word space)."""
    if gap <= fig.hole_max_em and gap <= fig.word_space_max_em:
        return
    word_space = False
    if _latin_side(a.ch) and _latin_side(b.ch) and gap > 0.1:
        ctx_l = "".join(g.ch for g in ln.glyphs if g.x <= a.x)[-6:]
        ctx_r = "".join(g.ch for g in ln.glyphs if g.x >= b.x)[:6]
        word_space = bool(spaces.between(ctx_l, ctx_r))
    if word_space:
        fig.word_space_max_em = max(fig.word_space_max_em, gap)
        return
    fig.hole_max_em = max(fig.hole_max_em, gap)
    if gap > HOLE_MAX + GAP_TOL:
        fig.holes += 1
        fig.note("hole", f"{gap:.2f} em {a.ch}|{b.ch}  {where}")


def _measure_quotes(fig: Figures, body: list[Line]) -> None:
    """Paragraphs (chains of linked lines) whose curly quotes are out of step: “ and ” (and
    ‘ ’) must alternate, starting with the opening one and ending closed; and straight
    ASCII double quotes left in the text."""
    linked = {id(ln.next) for ln in body if ln.next is not None}
    for head in (ln for ln in body if id(ln) not in linked):
        parts, ln = [], head
        while ln is not None and len(parts) < 10_000:
            parts.append(ln)
            ln = ln.next
        text = "".join(x.text for x in parts)
        fig.straight_quotes += text.count('"')
        for op, cl in (("“", "”"), ("‘", "’")):
            depth, bad = 0, False
            for c in text:
                if c == op:
                    bad |= depth == 1
                    depth = 1
                elif c == cl:
                    bad |= depth == 0
                    depth = 0
            if bad or depth:
                fig.quote_faults += 1
                shown = "".join(x.shown for x in parts)
                fig.note("quotes out of step", f"col {head.col + 1} y {head.y:.1f}: {shown[:60]}")


def _gap(fig: Figures, kind: str, gap: float, rng: tuple[float, float], where: str) -> None:
    lo, hi = getattr(fig, f"{kind}_gap_min_em"), getattr(fig, f"{kind}_gap_max_em")
    setattr(fig, f"{kind}_gap_min_em", gap if lo is None else min(lo, gap))
    setattr(fig, f"{kind}_gap_max_em", gap if hi is None else max(hi, gap))
    if not (rng[0] - GAP_TOL <= gap <= rng[1] + GAP_TOL):
        setattr(fig, f"{kind}_gaps_out", getattr(fig, f"{kind}_gaps_out") + 1)
        fig.note(f"CJK-{kind} gap out of range", where)


def _account(fig: Figures, paragraphs: list[str], pdf_text: list[str], report_path: Path | None) -> None:
    overflow = ""
    if report_path is not None and report_path.exists():
        rep = json.loads(report_path.read_text(encoding="utf-8"))
        overflow = "\n".join(s.get("overflow_text") or "" for s in rep.get("stories", []))
        fig.overflow_chars = sum(int(s.get("overflow_chars") or 0) for s in rep.get("stories", []))
    src = Counter("".join(fold(p) for p in paragraphs))
    seen = Counter("".join(fold(t) for t in pdf_text) + fold(overflow))
    missing = src - seen
    fig.copy_chars = sum(src.values())
    fig.missing_chars = sum(missing.values())
    fig.extra_chars = sum((seen - src).values())
    if missing:
        fig.note("missing characters", " ".join(f"{c!r}×{n}" for c, n in missing.most_common(20)))


# --- command line ----------------------------------------------------------------------------
def render(spec: Path, out: Path, engine: Path | None = None) -> tuple[Path, Path]:
    """Render one spec with the project's command line; return its PDF and report paths."""
    return render_many([spec], out, engine)[0]


def render_many(specs: list[Path], out: Path, engine: Path | None = None) -> list[tuple[Path, Path]]:
    """Render specs in one run of `python -m typeset render` (fonts load once); return each
    spec's PDF and report paths. `engine`: a source tree whose `typeset` package is used
    instead of the installed one (e.g. `git archive HEAD` unpacked, to measure the engine
    before a change)."""
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    cwd = ROOT
    if engine is not None:
        cwd = engine.resolve()
        env["PYTHONPATH"] = os.pathsep.join([str(cwd)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    proc = subprocess.run([sys.executable, "-m", "typeset", "render", *map(str, specs), "-o", str(out),
                           "-q", "--no-preflight"], capture_output=True, text=True, cwd=cwd, env=env)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"render failed ({proc.returncode}): {proc.stderr.strip()}")
    done = []
    for spec in specs:
        pdf = out / f"{spec.stem}.pdf"
        if not pdf.exists():
            raise RuntimeError(f"{spec}: no PDF written in {out} ({proc.stderr.strip()})")
        done.append((pdf, out / f"{spec.stem}.report.json"))
    return done


COLUMNS = [
    ("spec", lambda f: f.spec), ("chars", lambda f: f.measure), ("lines", lambda f: f.body_lines),
    ("flush%", lambda f: f"{f.flush_pct:.1f}"), ("bad start", lambda f: f.prohibited_starts),
    ("bad end", lambda f: f.prohibited_ends), ("splits", lambda f: f.forbidden_splits),
    ("wide", lambda f: f.wide_lines), ("Han>½em", lambda f: f.han_gaps_over),
    ("Han max", lambda f: f"{f.han_gap_max_em:.2f}"),
    ("holes", lambda f: f.holes), ("hole max", lambda f: f"{f.hole_max_em:.2f}"),
    ("word sp", lambda f: f"{f.word_space_max_em:.2f}"),
    ("CJK-Lat em", lambda f: _rng(f.latin_gap_min_em, f.latin_gap_max_em)),
    ("Lat out", lambda f: f.latin_gaps_out),
    ("CJK-dig em", lambda f: _rng(f.digit_gap_min_em, f.digit_gap_max_em)),
    ("dig out", lambda f: f.digit_gaps_out),
    ("touch", lambda f: f.ink_touches), ("quotes", lambda f: f"{f.quote_faults}/{f.straight_quotes}"), ("missing", lambda f: f"{f.missing_chars}/{f.copy_chars}"),
    ("overflow", lambda f: f.overflow_chars),
]


def _rng(lo, hi) -> str:
    return "-" if lo is None else f"{lo:.2f}–{hi:.2f}"


def table(figs: list[Figures]) -> str:
    rows = [[h for h, _ in COLUMNS]] + [[str(fn(f)) for _, fn in COLUMNS] for f in figs]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
    return "\n".join([fmt(rows[0]), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows[1:]])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("specs", nargs="+", type=Path, help="page specs (YAML) to render and measure")
    ap.add_argument("-o", "--output", type=Path, default=Path("/tmp/copy-quality"),
                    help="folder for the rendered PDFs (default /tmp/copy-quality)")
    ap.add_argument("--json", type=Path, help="write all figures and examples here")
    ap.add_argument("--examples", type=int, default=3, help="examples printed per fault kind")
    ap.add_argument("--no-render", action="store_true",
                    help="measure the PDFs already in the output folder")
    ap.add_argument("--engine", type=Path, help="render with the typeset package in this source "
                    "tree (default: the installed one)")
    args = ap.parse_args(argv)
    specs = [s.resolve() for s in args.specs]
    out = args.output.resolve()
    if args.no_render:
        paths = [(out / f"{s.stem}.pdf", out / f"{s.stem}.report.json") for s in specs]
    else:
        paths = render_many(specs, out, args.engine)
    figs = [measure(spec, pdf, report) for spec, (pdf, report) in zip(specs, paths)]
    print(table(figs))
    if args.examples:
        for f in figs:
            for kind, ex in f.examples.items():
                for e in ex[:args.examples]:
                    print(f"{f.spec}: {kind}: {e}")
    if args.json:
        args.json.write_text(json.dumps([f.as_dict() for f in figs], ensure_ascii=False, indent=1),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
