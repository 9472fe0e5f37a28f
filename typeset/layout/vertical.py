"""Vertical headlines (竖排标题): one column wide, characters top to bottom, punctuation in its
vertical presentation forms (Unicode CJK Vertical Forms), copied back as the original text.

Characters come from the role's font chain with its fallback faces, like horizontal text; a
character no face has is drawn as the missing-character mark 〓 and reported as a missing glyph,
with the same message. Each glyph keeps its original character as its text, so the PDF can
say (ActualText) what a shared vertical form or a 〓 stands for."""

from __future__ import annotations

from typeset import display as D
from typeset.layout.compose import Composer, Notice
from typeset.layout.grid import BASELINE_RATIO, Grid

# Horizontal punctuation → vertical presentation form (U+FE10–FE19, U+FE30–FE4F).
VERTICAL_FORMS = {
    "，": "︐", "、": "︑", "。": "︒", "：": "︓", "；": "︔", "！": "︕", "？": "︖",
    "“": "﹁", "”": "﹂", "‘": "﹃", "’": "﹄", "「": "﹁", "」": "﹂", "『": "﹃", "』": "﹄",
    "（": "︵", "）": "︶", "《": "︽", "》": "︾", "〈": "︿", "〉": "﹀", "【": "︻", "】": "︼",
    "〔": "︹", "〕": "︺", "—": "︱", "…": "︙", "～": "︴",
}
TRACKING = 0.08      # extra space between vertical characters, in em: display type breathes
SPACE_EM = 0.5       # a space in a vertical headline: half an em of air


def vertical_height(text: str, size: float) -> float:
    n = sum(SPACE_EM if ch.isspace() else 1 + TRACKING for ch in text.strip())
    return n * size


def set_vertical(composer: Composer, text: str, size: float, role: str, x: float, width: float,
                 top: float, owner: str, page: D.Page) -> float:
    """Draw `text` downwards from `top`, centred in [x, x + width]; return the height used."""
    from typeset.text.normalize import normalize

    text, changes = normalize(text.strip())
    for change in changes:     # reported like horizontal text's normalisations
        composer.notices.append(Notice("normalised", owner, f"{change.before} → {change.after}"))
    chain = composer.fonts.chain(role)
    y = top
    for i, ch in enumerate(text):
        if ch.isspace():
            y += SPACE_EM * size
            continue
        form = VERTICAL_FORMS.get(ch, ch)
        if not chain.has(form):
            form = ch
        if not chain.has(form):
            composer.note_missing(owner, ch, i + 1, text[:12], role)
            form = chain.drawable(form)
        face = chain.face_for(form)
        composer.fonts_used[face.key] = face
        adv = face.advance(form) * size / 1000
        gx = x + (width - adv) / 2
        baseline = y + BASELINE_RATIO * size
        page.items.append(D.GlyphRun(face.key, size, round(baseline, 3),
                                     [D.Glyph(round(gx, 3), face.gid(form), ch)],
                                     D.K100, "headline", owner))
        y += (1 + TRACKING) * size
    page.lines.append(D.LineInfo(owner, "headline-vertical", text, x, width, size,
                                 round(top + BASELINE_RATIO * size, 3), 0, True))
    return y - top


def vertical_lines(grid: Grid, text: str, size: float) -> int:
    """Grid lines a vertical headline occupies, with a line of air above and below."""
    return grid.lines_for(vertical_height(text, size)) + 2
