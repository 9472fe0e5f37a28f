"""Headlines (引题 / 主题 / 副题), subheads and other display lines.

A display line is never justified. It breaks only at phrase boundaries: a space in the copy
marks an explicit break point (used only when the whole line does not fit), otherwise a Chinese
word segmenter (jieba, through rjieba: `typeset/text/segment.py`) finds the
words, numbers stay with their units and brackets with their words, and the breaks are chosen
to balance line lengths. (BudouX's zh-Hans
model was tried first; it split 美丽家|园 and 1|4 in the seed's titles.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from typeset import display as D
from typeset.layout.compose import Composer
from typeset.text.atoms import EM
from typeset.text.justify import set_line

# Leading inside a multi-line headline: 0.3 of its size (jlreq 4.1.6 suggests 1/3–1/2).
HEADLINE_LEADING = 0.3


@dataclass
class DisplayStyle:
    size: float         # pt
    role: str           # font role
    align: str = "center"   # center | left | right
    color: D.CMYK = D.K100


@dataclass
class SetDisplayLine:
    text: str
    style: DisplayStyle
    width: float        # pt
    runs_for: object    # callable(x, baseline, owner) -> list[GlyphRun]


_NO_BREAK_AFTER = set("“‘（《〈【〔「『")
_NO_BREAK_BEFORE = set("，。、；：？！”’）》〉】〕」』·—%％")


def phrases(text: str) -> list[str]:
    """Pieces of a Chinese line that a display break may fall between: words, with numbers kept
    with their units, opening marks with the word after and closing marks with the word before."""
    from typeset.text.classes import NUMBER_UNITS
    from typeset.text.segment import words as segment_words

    words = segment_words(text)
    out: list[str] = []
    for w in words:
        if out and (out[-1][-1] in _NO_BREAK_AFTER or w[0] in _NO_BREAK_BEFORE
                    or (out[-1][-1].isdigit() and (w[0].isdigit() or w[0] in NUMBER_UNITS
                                                   or w[0] in ".,"))
                    or (out[-1][-1].isascii() and out[-1][-1].isalnum() and w[0].isascii()
                        and w[0].isalnum())):
            out[-1] += w
        else:
            out.append(w)
    return out


def _balanced(pieces: list[str], widths: list[float], limit: float) -> list[str]:
    """Join pieces into the fewest lines within `limit`, balancing line widths."""
    total = sum(widths)
    n = max(1, math.ceil(total / limit))
    while n <= len(pieces):
        best = _split(pieces, widths, n, limit)
        if best is not None:
            return best
        n += 1
    return pieces


def _split(pieces, widths, n, limit):
    """Best split of pieces into exactly n lines (DP minimising squared deviation)."""
    m = len(pieces)
    target = sum(widths) / n
    prefix = [0.0]
    for w in widths:
        prefix.append(prefix[-1] + w)
    INF = float("inf")
    cost = [[INF] * (m + 1) for _ in range(n + 1)]
    back = [[-1] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for k in range(1, n + 1):
        for j in range(1, m + 1):
            for i in range(k - 1, j):
                if cost[k - 1][i] == INF:
                    continue
                w = prefix[j] - prefix[i]
                if w > limit:
                    continue
                c = cost[k - 1][i] + (w - target) ** 2
                if c < cost[k][j]:
                    cost[k][j], back[k][j] = c, i
    if cost[n][m] == INF:
        return None
    lines, j = [], m
    for k in range(n, 0, -1):
        i = back[k][j]
        lines.append("".join(pieces[i:j]))
        j = i
    return lines[::-1]


MAX_SQUEEZE = 1.12   # a display line up to 12 % too long is set smaller rather than broken


def fitting_size(composer: Composer, text: str, style: DisplayStyle, width: float) -> float:
    """The style's size, or a slightly smaller one (≤ MAX_SQUEEZE) that keeps every explicit
    segment of `text` on one line, as a layout editor would rather than break inside a phrase."""
    worst = 0.0
    for seg in [t for t in text.split() if t]:
        p = composer.prepare([(seg, style.role)], "measure", indent=False, record=False)
        worst = max(worst, composer.natural_width(p) * style.size / EM / width)
    if 1.0 < worst <= MAX_SQUEEZE:
        return math.floor(style.size / worst * 4) / 4
    return style.size


def break_display(composer: Composer, text: str, style: DisplayStyle, width: float) -> list[str]:
    """Lines of a display text within `width` pt."""
    def w_of(t: str) -> float:
        p = composer.prepare([(t, style.role)], "measure", indent=False, record=False)
        return composer.natural_width(p) * style.size / EM

    text = text.strip()
    if w_of(text) <= width + 0.01:
        return [text]
    explicit = [t for t in text.split() if t]
    if len(explicit) > 1 and all(w_of(t) <= width + 0.01 for t in explicit):
        return _balanced(explicit, [w_of(t) for t in explicit], width + 0.01) \
            if len(explicit) > 2 else explicit
    lines: list[str] = []
    for chunk in explicit:
        if w_of(chunk) <= width + 0.01:
            lines.append(chunk)
            continue
        ph = phrases(chunk)
        lines += _balanced(ph, [w_of(p) for p in ph], width + 0.01)
    return lines


# A headline too long for its block (an unbreakable phrase: a long name, a Latin word) is set
# smaller, but never below this share of its size: a 主题 shrunk further sinks to about the
# 副题's size (0.45–0.6 of it) and loses its rank on the page. Past the floor the headline is
# set at the floor and the overrun is reported (check "headline") for the editor to rewrite.
HEADLINE_FLOOR = 0.7


def display_width(composer: Composer, text: str, style: DisplayStyle) -> float:
    """Natural width of a display line in pt."""
    p = composer.prepare([(text, style.role)], "measure", indent=False, record=False)
    return composer.natural_width(p) * style.size / EM


def shrink_to_fit(composer: Composer, text: str, style: DisplayStyle, width: float) -> DisplayStyle:
    """`style`, or the same at a smaller size (down to HEADLINE_FLOOR of it, in quarter points)
    at which every line of the broken text fits `width`."""
    from dataclasses import replace

    floor = math.ceil(style.size * HEADLINE_FLOOR * 4) / 4
    size = style.size
    for _ in range(8):
        s = replace(style, size=size)
        widest = max((display_width(composer, t, s) for t in break_display(composer, text, s, width)),
                     default=0.0)
        if widest <= width + 0.01 or size <= floor:
            return s
        size = max(floor, min(size - 0.25, math.floor(size * width / widest * 4) / 4))
    return replace(style, size=size)


def set_display(composer: Composer, text: str, style: DisplayStyle, owner: str,
                role: str = "headline") -> SetDisplayLine:
    """Compose one display line (no justification) and return a drawer for it."""
    p = composer.prepare([(text, style.role)], owner, indent=False)
    n = len(p.atoms)
    line = set_line(p, 0, n, 10**9, True) if n else None
    width = (line.width if line else 0) * style.size / EM

    def runs_for(x: float, baseline: float, own: str = owner) -> list[D.GlyphRun]:
        if line is None:
            return []
        return composer.emit(p, line, x, baseline, style.size, own, role, style.color)

    return SetDisplayLine(text, style, width, runs_for)


def place_x(left: float, width: float, line_width: float, align: str) -> float:
    if align == "left":
        return left
    if align == "right":
        return left + width - line_width
    return left + (width - line_width) / 2
