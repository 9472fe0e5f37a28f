"""Turn styled runs of normalised text into atoms: the unbreakable boxes of line composition.

An atom is one Han character, one punctuation mark, or an inseparable sequence (a number with
its prefix/postfix symbols, a Latin word, a 2-em dash, an ellipsis). All widths are integers in
1/1000 em of the paragraph's size, so composition is exact and deterministic.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Protocol

from typeset.text import classes as C

EM = 1000                 # one em in composition units
HALF = 500                # the blank (aki) half of a full-width mark
INDENT = "indent"         # pseudo-class of the first-line indent box
NARROW_MARK_CLEARANCE = 60 # white kept each side of a half-em ／ or · whose ink is wider (0.06 em)
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
    """One glyph inside an atom: the character to draw, the text it stands for, its x offset,
    and the glyph id when HarfBuzz chose it (0: look the character up in the font)."""

    char: str
    text: str
    dx: int
    gid: int = 0


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
    join: str = ""             # how a Latin-run piece joins the next piece (JOIN_*), "" if not
    run: int = -1              # start of the Latin run this atom is a piece of
    ink_l: int = 0             # left edge of the ink inside the box (marks at line edges)
    ink_r: int = 0             # right edge of the ink inside the box
    hyphen: int = 0            # advance of the hyphen drawn when a line breaks after this piece
    kern: int = 0              # kerning with the next piece kept in `width` (a syllable break
                               # point): given back, with the hyphen, when a line breaks here

    @property
    def left_ink(self) -> bool:
        return self.cls in C.LEFT_INK

    @property
    def right_ink(self) -> bool:
        return self.cls in C.RIGHT_INK


# A Latin run: letters, digits, ASCII signs and the symbols that travel with numbers. It is cut
# into atoms only at its own break opportunities (see `_run_breaks`).
_RUN_CHARS = ("!-~\u00a1-\u00b6\u00b8-\u024f\u0370-\u03ff\u0400-\u04ff\u1e00-\u1eff\u2030-\u2033"
              "\u20ac\u2103"
              "\u2109\u2116\uffe0\uffe1\uffe5\uff04\uff05")
_TOKEN = re.compile(rf"(——|⸺|……|⋯⋯|[？！]{{2,3}}|[{_RUN_CHARS}]+| +|.)", re.S)
_RUN = re.compile(rf"[{_RUN_CHARS}]+")
_URL_BREAK_AFTER = "/.?&=-_"     # URLs, paths, e-mail break after these (no hyphen added), §1.4
NO_START_ASCII = '.)]}:,;!?%"-'  # ASCII marks that never begin a line (§1.2 for ASCII copy)
NO_END_ASCII = "([{$#"           # ASCII marks that never end a line
HYPHENATE_MIN = 7                # words shorter than this are never hyphenated at pyphen's points
SYLLABLE_MIN = 5                 # a word this long with no pyphen point may take a syllable break
SYLLABLE_LEFT = 2                # letters kept before a syllable break (Le-Bron, TeX's lefthyphenmin)
SYLLABLE_RIGHT = 3               # letters carried over after it (Ki-prono, never Kipro-no)
EMERGENCY_WIDTH = 6 * EM         # a run piece wider than this gets last-resort breaks per letter

# How an atom of a Latin run joins the next piece of the same run (Atom.join).
JOIN_URL = "url"                 # after / . ? & = - _ in a URL or path: a free break
JOIN_HYPHEN = "hyphen"           # after an explicit hyphen between words
JOIN_HYPH = "hyph"               # a hyphenation point: a break adds a hyphen
JOIN_EMERGENCY = "emergency"     # inside a word or number, only when nothing else fits
JOIN_SYLLABLE = "syllable"       # a syllable break of a word pyphen cannot divide (a name): a
                                 # break adds a hyphen; a last resort before a loose line

# The simple syllable rule for names without dictionary patterns (Kiprono, LeBron): a word
# divides before a single consonant between vowels (Ki-pro-no), between two consonants
# (Hor-ner) unless they begin syllables together (Ki-prono, Le-Bron), and where a small
# letter meets a capital (Le-Bron, Mc-Donald). Never leaving a silent-e syllable (Ja-mes).
_VOWELS = frozenset("aeiouyAEIOUYàáâãäåèéêëìíîïòóôõöøùúûüýÀÁÂÃÄÅÈÉÊËÌÍÎÏÒÓÔÕÖØÙÚÛÜÝ")
_ONSETS = frozenset(("bl br ch cl cr dr fl fr gh gl gr kh kl kr ph pl pr qu sc sh sk sl sm sn "
                     "sp st sw th tr tw wh wr zh").split())
_SILENT_E = re.compile(r"[^aeiouy]+e[sd]?$")
# Only a plain word (a name, with its punctuation) takes syllable breaks; never an option
# (--cycles), a file name or a model number, where an added hyphen would read as part of it.
_PLAIN_WORD = re.compile(r"[\"'(\[]*[A-Za-z\u00c0-\u024f]+(?:['’-][A-Za-z\u00c0-\u024f]+)*[\"')\].,;:!?]*")


def _is_url_like(run: str) -> bool:
    return ("/" in run or "@" in run or "\\" in run or run.lower().startswith("www.")
            or run.count(".") >= 2 and any(c.isalpha() for c in run))


@lru_cache(maxsize=1)
def _hyphenator():
    import pyphen

    return pyphen.Pyphen(lang="en_US", left=3, right=3)


@lru_cache(maxsize=1)
def _short_hyphenator():
    import pyphen

    return pyphen.Pyphen(lang="en_US", left=SYLLABLE_LEFT, right=SYLLABLE_RIGHT)


def syllable_points(word: str) -> list[int]:
    """Where a word pyphen cannot divide may break, by the simple syllable rule (see _VOWELS)."""
    v = _VOWELS.__contains__
    n = len(word)
    out = []
    for k in range(SYLLABLE_LEFT, n - SYLLABLE_RIGHT + 1):
        a, b, c = word[k - 1], word[k], word[k + 1]
        ok = (a.islower() and b.isupper()                                   # Le|Bron
              or v(a) and not v(b) and v(c)                                 # Ki|pro|no
              or v(a) and not v(b) and (b + c).lower() in _ONSETS
              and k + 2 < n and v(word[k + 2])                              # Ki|prono
              or k >= 2 and v(word[k - 2]) and not v(a) and not v(b) and v(c)
              and (a + b).lower() not in _ONSETS)                           # Hor|ner
        if ok and not _SILENT_E.match(word[k:].lower()):
            out.append(k)
    return out


def _run_breaks(run: str) -> dict[int, str]:
    """Break opportunities inside a Latin run: {index of the first char after the break: kind}."""
    out: dict[int, str] = {}
    n = len(run)
    if _is_url_like(run):
        for k in range(1, n - 1):
            c, d = run[k], run[k + 1]
            if c in _URL_BREAK_AFTER and d.isalnum() and not (c == "." and run[k - 1].isdigit()
                                                              and d.isdigit()):
                out[k + 1] = JOIN_URL
        return out
    if run[0] == "-":
        # a command-line option (--time-style=long-iso): after an inner - or = between letters
        # or digits, never after the leading dashes nor between two digits (§1.4)
        for k in range(1, n - 1):
            c, d, b = run[k], run[k + 1], run[k - 1]
            if c in "-=" and b.isalnum() and d.isalnum() and not (b.isdigit() and d.isdigit()):
                out[k + 1] = JOIN_HYPHEN
    else:
        for k in range(2, n - 2):
            if run[k] == "-" and run[k - 1].isalpha() and run[k - 2].isalpha() \
                    and run[k + 1].isalpha() and run[k + 2].isalpha():
                out[k + 1] = JOIN_HYPHEN
    for m in re.finditer(r"[A-Za-z\u00c0-\u024f]{%d,}" % min(HYPHENATE_MIN, SYLLABLE_MIN), run):
        word = m.group(0)
        if word.isupper():
            continue   # acronyms and shouted words are not hyphenated
        points = _hyphenator().positions(word) if len(word) >= HYPHENATE_MIN else []
        for pos in points:
            out.setdefault(m.start() + pos, JOIN_HYPH)
        if not points and _PLAIN_WORD.fullmatch(run):
            # no dictionary point (a name, a short word): pyphen with the short minima, else
            # the simple syllable rule; used only when a line would otherwise be loose
            for pos in _short_hyphenator().positions(word) or syllable_points(word):
                out.setdefault(m.start() + pos, JOIN_SYLLABLE)
    return out


def _latin_glyphs(text: str, metrics: Metrics) -> tuple[list[Glyph], int]:
    """Glyphs of a character sequence from the cmap, one after another (signs outside runs)."""
    glyphs, x = [], 0
    for ch in text:
        glyphs.append(Glyph(ch, ch, x))
        x += metrics.advance(ch)
    return glyphs, x


def _shaped_glyphs(text: str, metrics: Metrics) -> list[tuple[int, int, int]]:
    """(gid or 0, cluster, advance) for each glyph of a Latin run (HarfBuzz when available)."""
    shape = getattr(metrics, "shape", None)
    shaped = shape(text) if shape else None
    if shaped:
        return [(gid, cl, adv) for gid, cl, adv, _ in shaped]
    return [(0, i, metrics.advance(ch)) for i, ch in enumerate(text)]


def latin_atoms(run: str, style: str, start: int, metrics: Metrics) -> list[Atom]:
    """The atoms of one Latin run: pieces between its break opportunities (shaped glyphs)."""
    glyphs = _shaped_glyphs(run, metrics)
    breaks = _run_breaks(run)
    cuts = sorted(breaks)
    bounds = list(zip([0, *cuts], [*cuts, len(run)]))
    # pieces too wide for a narrow column get last-resort breaks between every character
    adv_of = {}
    for gid, cl, adv in glyphs:
        adv_of[cl] = adv_of.get(cl, 0) + adv
    pieces: list[tuple[int, int, str]] = []
    for a, b in bounds:
        join = breaks.get(b, "")
        if sum(adv_of.get(c, 0) for c in range(a, b)) > EMERGENCY_WIDTH and b - a > 1:
            # last resort: between any two characters, but never before . ) ] : , - % " …
            # nor after ( [ (the ASCII line-start and line-end prohibitions)
            c0 = a
            for c in range(a + 1, b):
                if run[c] not in NO_START_ASCII and run[c - 1] not in NO_END_ASCII:
                    pieces.append((c0, c, JOIN_EMERGENCY))
                    c0 = c
            pieces.append((c0, b, join))
        else:
            pieces.append((a, b, join))
    core = run.strip("￥¥＄$￡£€＃#№％%‰‱°℃℉′″￠")
    kind = C.DIGIT if core and all(c.isdigit() or c in ".," for c in core) else C.LATIN
    if not any(c.isalnum() for c in run):
        kind = C.OTHER    # a lone sign (线上+线下): no CJK–Latin gap
    atoms = []
    for a, b, join in pieces:
        gl, x, seen, kern = [], 0, set(), 0
        for gid, cl, adv in glyphs:
            if a <= cl < b:
                gl.append(Glyph(run[cl], "" if cl in seen else run[cl], x, gid))
                seen.add(cl)
                if cl == b - 1 and b < len(run) and join != JOIN_SYLLABLE:
                    # kerning across a break point is dropped: the piece may end a line,
                    # where its last glyph must keep its full advance
                    adv = metrics.advance(run[cl])
                elif cl == b - 1 and b < len(run):
                    # a syllable point (rarely used) keeps the word's kerning: it is given
                    # back with the hyphen if the line breaks there
                    kern = adv - metrics.advance(run[cl])
                x += adv
        hyphen = metrics.advance("-") - kern if join in (JOIN_HYPH, JOIN_SYLLABLE) else 0
        atoms.append(Atom(run[a:b], kind, x, style=style, start=start + a, glyphs=gl,
                          join=join, run=start, hyphen=hyphen, kern=kern))
    return atoms


def _centered(ch: str, box: int, metrics: Metrics, text: str | None = None) -> Glyph:
    return Glyph(ch, text if text is not None else ch, (box - metrics.advance(ch)) // 2)


def make_atom(tok: str, prev: str, nxt: str, style: str, start: int, metrics: Metrics,
              settings: Settings, has_glyph=None) -> Atom:
    """Build the atom for one token, given the characters around it (for context rules)."""
    first = tok[0]
    ink = getattr(metrics, "ink", None)
    if tok in ("——", "⸺"):
        if (has_glyph is None or has_glyph("⸺")) and ink:
            # two copies of the 2-em dash glyph whose inks overlap: one unbroken rule filling
            # exactly 2 em, edge to edge (the glyph's own ink is only about 1.6 em long)
            lo, hi = ink("⸺")
            g = [Glyph("⸺", "—", -lo), Glyph("⸺", "—", 2 * EM - hi)]
        elif has_glyph is None or has_glyph("⸺"):
            g = [_centered("⸺", 2 * EM, metrics, "——")]
        else:
            g = [_centered("—", EM, metrics), Glyph("—", "—", EM + (EM - metrics.advance("—")) // 2)]
        return Atom(tok, C.DASH2, 2 * EM, style=style, start=start, glyphs=g)
    if tok in ("……", "⋯⋯"):
        return Atom(tok, C.ELLIPSIS, 2 * EM, style=style, start=start,
                    glyphs=[Glyph(tok[0], tok[0], 0), Glyph(tok[1], tok[1], EM)])
    if len(tok) > 1 and set(tok) <= set("？！?!"):
        # GB 5.1.2: two marks in 1 em, three in 2 em; the inks evenly spaced, half a space
        # before the first and after the last (no overlap, no hole after them)
        n = len(tok)
        box = (n - 1) * EM
        inks = [ink(c) if ink else (0, HALF * 4 // 5) for c in tok]
        space = (box - sum(hi - lo for lo, hi in inks)) / n
        glyphs, x = [], space / 2
        for c, (lo, hi) in zip(tok, inks):
            glyphs.append(Glyph(c, c, round(x - lo)))
            x += hi - lo + space
        return Atom(tok, C.DOUBLE_STOP, box, style=style, start=start, glyphs=glyphs)
    if tok.startswith(" "):
        if prev and nxt and C.is_cjk(prev) and C.is_cjk(nxt):
            # A space between Chinese words (本报讯 记者…, 记者李平 曾雨) is one full-width space.
            return Atom(tok, C.IDEO_SPACE, EM, style=style, start=start)
        return Atom(tok, C.SPACE, LATIN_SPACE, style=style, start=start)
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
        lo, hi = ink(tok) if ink else (0, EM)
        if cls == C.OPEN:
            # ink sits on the right of the square: a narrow (proportional) glyph goes right
            dx = max(0, EM - metrics.advance(tok))
            return Atom(tok, cls, width, aki_l=aki, style=style, start=start,
                        glyphs=[Glyph(tok, tok, dx)], ink_l=dx + lo, ink_r=dx + hi)
        return Atom(tok, cls, width, aki_r=aki, style=style, start=start, glyphs=[Glyph(tok, tok, 0)],
                    ink_l=lo, ink_r=hi)
    if cls in (C.MIDDOT, C.SOLIDUS):
        box = HALF
        if ink:
            # half an em on the mainland, but a face whose ／ or · is drawn wider (a slanted
            # full-width ／ as in Noto CJK) gets the room its ink needs, so it never touches
            # its neighbours
            lo, hi = ink(tok)
            box = min(EM, max(HALF, hi - lo + 2 * NARROW_MARK_CLEARANCE))
        return Atom(tok, cls, box, style=style, start=start, glyphs=[_centered(tok, box, metrics)])
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


def han_atom(tok: str, style: str, start: int) -> Atom:
    """What make_atom makes of one Han character (any settings, any neighbours): one em, the
    glyph at the box's left. Built directly by `atomize` for the tokens most copy is made of."""
    return Atom(tok, C.HAN, EM, 0, 0, style, start, [Glyph(tok, tok, 0)])


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
    char_class, han = C.char_class, C.HAN
    for text, style in runs:
        metrics = metrics_for(style)
        has_glyph = has_glyph_for(style) if has_glyph_for else None
        for m in _TOKEN.finditer(text):
            tok = m.group(0)
            if tok == "\n":
                continue
            pos = offset + m.start()
            if len(tok) == 1 and char_class(tok) == han:   # never a Latin run (_RUN)
                atoms.append(han_atom(tok, style, pos))
                continue
            prev = full[pos - 1] if pos > 0 else ""
            end = pos + len(tok)
            nxt = full[end] if end < len(full) else ""
            if _RUN.fullmatch(tok):
                atoms += latin_atoms(tok, style, pos, metrics)
            else:
                atoms.append(make_atom(tok, prev, nxt, style, pos, metrics, settings, has_glyph))
        offset += len(text)
    return atoms
