"""Turn styled runs of normalised text into atoms: the unbreakable boxes of line composition.

An atom is one Han character, one punctuation mark, or an inseparable sequence (a number with
its prefix/postfix symbols, a Latin word, a 2-em dash, an ellipsis). All widths are integers in
1/1000 em of the paragraph's size, so composition is exact and deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from typeset.text import classes as C

EM = 1000                 # one em in composition units
HALF = 500                # the blank (aki) half of a full-width mark
INDENT = "indent"         # pseudo-class of the first-line indent box
LATIN_SPACE = 333         # natural Latin word space (1/3 em), clreq 3.2
LATIN_SPACE_MIN = 250     # reduction floor, clreq 3.5.3 step 2
LATIN_SPACE_MAX = 500     # expansion cap, clreq 3.5.4 step 1


class Metrics(Protocol):
    """Glyph advances of the face that will draw a character, in 1/1000 em."""

    def advance(self, ch: str) -> int: ...


@dataclass(frozen=True)
class Settings:
    """Composition settings of one paragraph style (all configurable from the spec)."""

    level: str = "gb"                  # kinsoku strictness: basic | gb | strict
    punct_style: str = "quanjiao"      # quanjiao | kaiming | banjiao
    compress_stops: bool = True        # may the blank after 。？！ be squeezed (clreq 3.5.3 step 6)
    cjk_latin_gap: int = 250           # Han–Latin letter gap, 1/4 em (clreq 3.2.2)
    cjk_digit_gap: int = 0             # Han–digit gap: 0 keeps digits on the character grid
    indent: int = 2 * EM               # first-line indent, 2 em (clreq 3.4.1)


@dataclass(slots=True)
class Glyph:
    """One glyph inside an atom: the character to draw, the text it stands for, its x offset."""

    char: str
    text: str
    dx: int


@dataclass(slots=True)
class Atom:
    text: str
    cls: str
    width: int                 # natural advance including both blanks
    aki_l: int = 0             # removable blank on the left (opening marks)
    aki_r: int = 0             # removable blank on the right (closing, pause and stop marks)
    style: str = "body"
    start: int = 0             # index of the first character in the paragraph's text
    glyphs: list[Glyph] = field(default_factory=list)

    @property
    def left_ink(self) -> bool:
        return self.cls in C.LEFT_INK

    @property
    def right_ink(self) -> bool:
        return self.cls in C.RIGHT_INK


_ALNUM = (r"[￥¥＄$￡£€＃#№]?[A-Za-z0-9\u00C0-\u024F\u0370-\u03FF]+"
          r"(?:[-_.,'’/:][A-Za-z0-9\u00C0-\u024F\u0370-\u03FF]+)*[％%‰‱°℃℉′″￠]?")
_TOKEN = re.compile(rf"(——|⸺|……|⋯⋯|[？！?!]{{2,3}}|{_ALNUM}| +|.)", re.S)


def _latin_glyphs(text: str, metrics: Metrics) -> tuple[list[Glyph], int]:
    glyphs, x = [], 0
    for ch in text:
        glyphs.append(Glyph(ch, ch, x))
        x += metrics.advance(ch)
    return glyphs, x


def _centered(ch: str, box: int, metrics: Metrics, text: str | None = None) -> Glyph:
    return Glyph(ch, text if text is not None else ch, (box - metrics.advance(ch)) // 2)


def make_atom(tok: str, prev: str, nxt: str, style: str, start: int, metrics: Metrics,
              settings: Settings, has_glyph=None) -> Atom:
    """Build the atom for one token, given the characters around it (for context rules)."""
    first = tok[0]
    if tok in ("——", "⸺"):
        if has_glyph is None or has_glyph("⸺"):
            g = [_centered("⸺", 2 * EM, metrics, "——")]
        else:
            g = [_centered("—", EM, metrics), Glyph("—", "—", EM + (EM - metrics.advance("—")) // 2)]
        return Atom(tok, C.DASH2, 2 * EM, style=style, start=start, glyphs=g)
    if tok in ("……", "⋯⋯"):
        return Atom(tok, C.ELLIPSIS, 2 * EM, style=style, start=start,
                    glyphs=[Glyph(tok[0], tok[0], 0), Glyph(tok[1], tok[1], EM)])
    if len(tok) > 1 and set(tok) <= set("？！?!"):
        n = len(tok)
        return Atom(tok, C.DOUBLE_STOP, (n - 1) * EM, style=style, start=start,
                    glyphs=[Glyph(c, c, i * HALF - (HALF // 2 if i else 0)) for i, c in enumerate(tok)])
    if tok.startswith(" "):
        if (prev and C.char_class(prev) in (C.LATIN, C.DIGIT)
                and nxt and C.char_class(nxt) in (C.LATIN, C.DIGIT)):
            return Atom(tok, C.SPACE, LATIN_SPACE, style=style, start=start)
        # A space between Chinese words (本报讯 记者…, 记者李平 曾雨) is one full-width space.
        return Atom(tok, C.IDEO_SPACE, EM, style=style, start=start)
    cls = C.char_class(first)
    if len(tok) > 1 or cls in (C.LATIN, C.DIGIT):
        glyphs, width = _latin_glyphs(tok, metrics)
        core = tok.strip("￥¥＄$￡£€＃#№％%‰‱°℃℉′″￠")
        kind = C.DIGIT if core and all(c.isdigit() or c in ".," for c in core) else C.LATIN
        return Atom(tok, kind, width, style=style, start=start, glyphs=glyphs)
    if cls == C.HAN:
        return Atom(tok, cls, EM, style=style, start=start, glyphs=[Glyph(tok, tok, 0)])
    if cls in (C.STOP, C.PAUSE, C.CLOSE, C.OPEN):
        width, aki = EM, HALF
        if settings.punct_style == "banjiao" or (
                settings.punct_style == "kaiming" and cls != C.STOP):
            width, aki = HALF, 0
            dx = (max(0, EM - metrics.advance(tok)) - HALF) if cls == C.OPEN else 0
            return Atom(tok, cls, width, style=style, start=start, glyphs=[Glyph(tok, tok, dx)])
        if cls == C.OPEN:
            # ink sits on the right of the square: a narrow (proportional) glyph goes right
            dx = max(0, EM - metrics.advance(tok))
            return Atom(tok, cls, width, aki_l=aki, style=style, start=start,
                        glyphs=[Glyph(tok, tok, dx)])
        return Atom(tok, cls, width, aki_r=aki, style=style, start=start, glyphs=[Glyph(tok, tok, 0)])
    if cls in (C.MIDDOT, C.SOLIDUS):
        return Atom(tok, cls, HALF, style=style, start=start, glyphs=[_centered(tok, HALF, metrics)])
    if cls == C.CONNECTOR:
        box = HALF if tok == "–" else EM
        return Atom(tok, cls, box, style=style, start=start, glyphs=[_centered(tok, box, metrics)])
    if cls in (C.IDEO_SPACE,):
        return Atom(tok, cls, EM, style=style, start=start)
    if cls == C.ELLIPSIS:  # a lone … : one em
        return Atom(tok, C.OTHER, EM, style=style, start=start, glyphs=[Glyph(tok, tok, 0)])
    if cls == C.DOUBLE_STOP:
        return Atom(tok, cls, EM, style=style, start=start, glyphs=[_centered(tok, EM, metrics)])
    glyphs, width = _latin_glyphs(tok, metrics)
    return Atom(tok, cls, width, style=style, start=start, glyphs=glyphs)


def atomize(runs: list[tuple[str, str]], metrics_for, settings: Settings,
            indent: bool = True, has_glyph_for=None) -> list[Atom]:
    """Atoms of a paragraph made of (text, style) runs.

    `metrics_for(style)` gives the Metrics of a style; `indent` adds the first-line indent box.
    """
    atoms: list[Atom] = []
    if indent and settings.indent:
        atoms.append(Atom("", INDENT, settings.indent, style=runs[0][1] if runs else "body"))
    full = "".join(t for t, _ in runs)
    offset = 0
    for text, style in runs:
        metrics = metrics_for(style)
        has_glyph = has_glyph_for(style) if has_glyph_for else None
        for m in _TOKEN.finditer(text):
            tok = m.group(0)
            if tok == "\n":
                continue
            pos = offset + m.start()
            prev = full[pos - 1] if pos > 0 else ""
            end = pos + len(tok)
            nxt = full[end] if end < len(full) else ""
            atoms.append(make_atom(tok, prev, nxt, style, pos, metrics, settings, has_glyph))
        offset += len(text)
    return atoms
