"""Bridge from the text engine to the display list: compose paragraphs, emit glyph runs.

A Composer holds the page's fonts and composition settings. It turns styled runs into prepared
paragraphs (normalised, atomised, measured), breaks them for given line widths, and turns set
lines into GlyphRuns at page positions, one run per face per line. It also records what an
editor must hear about: normalisations, characters taken from a fallback font, characters no
font has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from typeset import display as D
from typeset.font.roles import MISSING_MARK, FontBook
from typeset.spec.model import TextSpec
from typeset.text.atoms import EM, INDENT, Settings, atomize
from typeset.text.justify import SetLine, set_line
from typeset.text.linebreak import Broken, Prepared, break_paragraph, prepare
from typeset.text.normalize import normalize


@dataclass
class Notice:
    """Something the report should show: kind, where, what."""

    kind: str
    owner: str
    detail: str


@dataclass
class Composer:
    fonts: FontBook
    text: TextSpec
    notices: list[Notice] = field(default_factory=list)
    missing: list[Notice] = field(default_factory=list)
    print_spec: object = None   # the spec's PrintSpec: photo colour and limits
    fonts_used: dict = field(default_factory=dict)   # face key → Face, for the PDF writer
    # Compose once: column balancing, headline sizing and trial flows ask for the same
    # paragraphs again; these caches return the earlier result (all of them pure functions of
    # their keys, so the output is the same bytes). Keys hold the objects their ids name.
    _normalized: dict = field(default_factory=dict, repr=False)   # text → (new, changes, problems)
    _prepared: dict = field(default_factory=dict, repr=False)     # (runs, settings, indent) → Prepared
    _sliced: dict = field(default_factory=dict, repr=False)       # atom ids → Prepared
    _broken: dict = field(default_factory=dict, repr=False)       # (id(p), widths) → (p, Broken)
    _natural: dict = field(default_factory=dict, repr=False)      # id(p) → (p, width)
    _drawn: dict = field(default_factory=dict, repr=False)        # (role, char) → (face, gid, missing, face key)
    # What atomising a prepared paragraph took from fallback faces: its report entries, given
    # again on a hit (these caches may outlive one page: watch keeps them between renders)
    _fallbacks: dict = field(default_factory=dict, repr=False)    # prepared key → ((role, ch, face), …)

    def settings(self, indent: bool = True) -> Settings:
        t = self.text
        return _settings(t.kinsoku, t.punctuation, t.compress_stops, t.cjk_latin_gap,
                         t.cjk_digit_gap, t.indent, indent)

    def prepare(self, runs: list[tuple[str, str]], owner: str, indent: bool = True,
                settings: Settings | None = None, record: bool = True) -> Prepared:
        """Normalise and atomise styled runs [(text, font role)] into a prepared paragraph.
        `record=False` for trial measurements: their normalisations are not reported."""
        clean = []
        for text, role in runs:
            done = self._normalized.get(text)
            if done is None:
                problems: list[str] = []
                new, changes = normalize(text, problems)
                done = self._normalized[text] = (new, changes, problems)
            new, changes, problems = done
            if record:
                for ch in changes:
                    self.notices.append(Notice("normalised", owner, f"{ch.before!r} → {ch.after!r}"
                                               if not ch.after.strip() or not ch.before.strip()
                                               else f"{ch.before} → {ch.after}"))
                for msg in problems:
                    self.notices.append(Notice("unbalanced-quotes", owner,
                                               f"{msg}: “{text[:16]}…”; check the copy"))
            clean.append((new, role))
        s = settings or self.settings(indent)
        key = (tuple(clean), s, indent and s.indent > 0)
        p = self._prepared.get(key)
        if p is None:
            before = self._swap_fallbacks()
            atoms = atomize(clean, self.fonts.chain, s, indent=indent and s.indent > 0,
                            has_glyph_for=lambda role: self.fonts.chain(role).has)
            p = self._prepared[key] = prepare(atoms, s)
            self._fallbacks[key] = self._merge_fallbacks(before)
        else:
            for role, ch, face in self._fallbacks.get(key, ()):
                self.fonts.chain(role).fallback_used.setdefault(ch, face)
        return p

    def _swap_fallbacks(self) -> dict:
        """Give every font chain an empty fallback record; return the records it had."""
        before = {}
        for chain in self.fonts.all_chains():
            before[chain.role], chain.fallback_used = chain.fallback_used, {}
        return before

    def _merge_fallbacks(self, before: dict) -> tuple:
        """Put back the records `_swap_fallbacks` took, adding what was used since; return
        what was used since as (role, char, face) triples."""
        used = []
        for chain in self.fonts.all_chains():
            new = chain.fallback_used
            chain.fallback_used = before.get(chain.role, {})
            for ch, face in new.items():
                chain.fallback_used.setdefault(ch, face)
                used.append((chain.role, ch, face))
        return tuple(used)

    def prepare_atoms(self, atoms) -> Prepared:
        """Re-measure a slice of a prepared paragraph's atoms."""
        atoms = list(atoms)
        s = self.settings()
        key = (tuple(map(id, atoms)), s)
        hit = self._sliced.get(key)
        if hit is None:
            hit = self._sliced[key] = (atoms, prepare(atoms, s))   # atoms keep their ids alive
        return hit[1]

    def break_lines(self, p: Prepared, width_of, first_line: int = 0,
                    widths: list[int] | None = None) -> Broken:
        """Break a prepared paragraph; the same paragraph at the same measures is broken once.
        The breaker reads no measure past line first_line + n - 1 (a line holds an atom);
        `widths`, when the caller has them, are those n measures (Flow.widths)."""
        n = len(p.atoms)
        if widths is None:
            widths = [width_of(first_line + k) for k in range(n)]
        key = (id(p), tuple(widths))
        hit = self._broken.get(key)
        if hit is None:
            hit = self._broken[key] = (p, break_paragraph(p, width_of, first_line, widths))
        return hit[1]

    def natural_width(self, p: Prepared) -> int:
        """Width of the whole paragraph set on one line, 1/1000 em (for headlines)."""
        hit = self._natural.get(id(p))
        if hit is None:
            n = len(p.atoms)
            hit = self._natural[id(p)] = (p, round(set_line(p, 0, n, 10**9, True).width) if n else 0)
        return hit[1]

    def note_missing(self, owner: str, char: str, position: int, context: str, role: str) -> None:
        """Report a character that no font of `role` has (it is drawn as the 〓 mark)."""
        self.missing.append(Notice(
            "missing-glyph", owner,
            f"U+{ord(char):04X} {char} (character {position} of “{context}”) is in no font of "
            f"role '{role}'; drawn as {MISSING_MARK}"))

    def _drawn_glyph(self, role: str, char: str):
        """(face, glyph id, missing) that draws `char` in `role`: the first face of the chain
        that has it, or the missing-character mark when none has."""
        chain = self.fonts.chain(role)
        missing = not chain.has(char)
        if missing:
            char = chain.drawable(char)
        face = chain.face_for(char)
        return face, face.gid(char), missing, face.key

    def emit(self, p: Prepared, line: SetLine, x: float, baseline: float, size: float,
             owner: str, role: str, color: D.CMYK = D.K100) -> list[D.GlyphRun]:
        """GlyphRuns for one set line whose left edge is at x (pt)."""
        runs: dict[str, D.GlyphRun] = {}
        order: list[str] = []
        scale = size / EM
        drawn = self._drawn
        for pa in line.atoms:
            atom = p.atoms[pa.index]
            if atom.cls == INDENT:
                continue
            style = atom.style
            for n, g in enumerate(atom.glyphs):
                char = g.char
                dx = g.dx + n * pa.spacing
                if g.gid:
                    # a glyph HarfBuzz chose (Latin runs: kerning, the font's own forms)
                    face = self.fonts.chain(style).primary
                    run = runs.get(face.key)
                    if run is None:
                        self.fonts_used[face.key] = face
                        run = runs[face.key] = D.GlyphRun(face.key, size, baseline, [], color,
                                                          role, owner)
                        order.append(face.key)
                    run.glyphs.append(D.Glyph(round(x + (pa.x + dx) * scale, 3), g.gid, g.text))
                    continue
                hit = drawn.get((style, char))
                if hit is None:
                    hit = drawn[style, char] = self._drawn_glyph(style, char)
                face, gid, missing, key = hit
                if missing:
                    context = "".join(a.text for a in p.atoms[:12] if a.text)[:12]
                    self.note_missing(owner, char, atom.start + 1, context, style)
                run = runs.get(key)
                if run is None:
                    self.fonts_used[key] = face
                    run = runs[key] = D.GlyphRun(key, size, baseline, [], color, role, owner)
                    order.append(key)
                gx = x + (pa.x + dx) * scale
                run.glyphs.append(D.Glyph(round(gx, 3), gid, g.text))
        if line.hyphen_x is not None and line.atoms:
            # the hyphen of a word broken at a hyphenation point (not a character of the copy)
            atom = p.atoms[line.atoms[-1].index]
            face = self.fonts.chain(atom.style).face_for("-")
            self.fonts_used[face.key] = face
            run = runs.get(face.key)
            if run is None:
                run = runs[face.key] = D.GlyphRun(face.key, size, baseline, [], color, role, owner)
                order.append(face.key)
            run.glyphs.append(D.Glyph(round(x + line.hyphen_x * scale, 3), face.gid("-"), "-"))
        return [runs[k] for k in order]


@lru_cache(maxsize=64, typed=True)
def _settings(kinsoku, punctuation, compress_stops, cjk_latin_gap, cjk_digit_gap, indent_em,
              indent) -> Settings:
    """The (frozen) Settings of these text settings, made once: Composer.settings is asked for
    them at every prepare, ≈ 600 times a page, and a frozen dataclass is slow to build."""
    return Settings(level=kinsoku, punct_style=punctuation, compress_stops=compress_stops,
                    cjk_latin_gap=round(cjk_latin_gap * EM), cjk_digit_gap=round(cjk_digit_gap * EM),
                    indent=round(indent_em * EM) if indent else 0)


def count_chars(text: str) -> int:
    """Characters an editor counts (字数): everything but spaces."""
    return sum(1 for ch in text if not ch.isspace())
