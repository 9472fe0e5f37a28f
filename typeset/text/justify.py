"""Justification of one broken line: where each atom goes (clreq 3.5, typesetting-rules.md §2.8).

Reduction, in clreq's order: Latin word spaces, blanks beside brackets, blanks after ，、；：,
CJK–Latin gaps, blanks after 。？！. Expansion: Latin spaces and CJK–Latin gaps up to ½ em,
then every remaining gap between characters equally (never beside connectors or the solidus).
"""

from __future__ import annotations

from dataclasses import dataclass

from typeset.text import classes as C
from typeset.text.atoms import INDENT, LATIN_SPACE_MAX, LATIN_SPACE_MIN
from typeset.text.linebreak import Prepared, _expandable, _gap, _junction, _squeezable


@dataclass
class PlacedAtom:
    index: int     # atom index in the paragraph
    x: float       # x of the atom's nominal box (glyph dx are relative to it), 1/1000 em
    advance: float  # visible advance after cuts


@dataclass
class SetLine:
    atoms: list[PlacedAtom]
    width: float    # set width of the line, 1/1000 em
    start: int
    end: int


def _spread(items: list[list], need: float) -> float:
    """Take `need` from items [[key, available, taken]...] in proportion; returns what was taken."""
    total = sum(it[1] for it in items)
    if total <= 0 or need <= 0:
        return 0.0
    take = min(need, total)
    for it in items:
        it[2] += it[1] * take / total
    return take


def set_line(p: Prepared, i: int, j: int, target: int, last: bool) -> SetLine:
    atoms = p.atoms
    s = p.settings
    cut_l = {k: 0.0 for k in range(i, j)}
    cut_r = {k: 0.0 for k in range(i, j)}
    gaps = {k: float(_gap(atoms[k], atoms[k + 1], s)) for k in range(i, j - 1)}
    for k in range(i, j - 1):
        side, amount = _junction(atoms[k], atoms[k + 1])
        if side == "a":
            cut_r[k] += amount
        elif side == "b":
            cut_l[k + 1] += amount
    first, end = atoms[i], atoms[j - 1]
    if first.cls == C.SPACE:
        cut_l[i] = first.width
    elif first.aki_l:
        cut_l[i] = first.aki_l
    if end.cls in (C.SPACE, C.IDEO_SPACE) and j - 1 != i:
        cut_r[j - 1] = end.width - cut_l[j - 1]
    elif end.aki_r:
        cut_r[j - 1] = end.aki_r
    natural = sum(atoms[k].width - cut_l[k] - cut_r[k] for k in range(i, j)) + sum(gaps.values())

    if natural > target:
        need = natural - target
        levels: list[list[list]] = [[], [], [], [], []]
        for k in range(i, j):
            a = atoms[k]
            sl, sr = _squeezable(a, s)
            left = max(0.0, sl - cut_l[k])
            right = max(0.0, sr - cut_r[k])
            if a.cls == C.SPACE:
                if k not in (i, j - 1):
                    levels[0].append([("r", k), max(0.0, a.width - LATIN_SPACE_MIN - cut_r[k]), 0.0])
            elif a.cls in (C.OPEN, C.CLOSE):
                if left:
                    levels[1].append([("l", k), left, 0.0])
                if right:
                    levels[1].append([("r", k), right, 0.0])
            elif a.cls == C.PAUSE and right:
                levels[2].append([("r", k), right, 0.0])
            elif a.cls == C.STOP and right:
                levels[4].append([("r", k), right, 0.0])
        for k, g in gaps.items():
            if g:
                levels[3].append([("g", k), g / 2, 0.0])
        for level in levels:
            need -= _spread(level, need)
            for (side, k), _, taken in level:
                if side == "l":
                    cut_l[k] += taken
                elif side == "r":
                    cut_r[k] += taken
                else:
                    gaps[k] -= taken
            if need <= 1e-9:
                break
    elif not last and natural < target:
        slack = target - natural
        first_level = []
        for k, g in gaps.items():
            if g:
                first_level.append([("g", k), max(0.0, 500 - g), 0.0])
        for k in range(i + 1, j - 1):
            if atoms[k].cls == C.SPACE:
                first_level.append([("s", k), LATIN_SPACE_MAX - atoms[k].width, 0.0])
        slack -= _spread(first_level, slack)
        for (side, k), _, taken in first_level:
            if side == "g":
                gaps[k] += taken
            else:
                cut_r[k] -= taken  # a negative cut widens the space
        expandable = [k for k in range(i, j - 1) if _expandable(atoms[k], atoms[k + 1])]
        if slack > 1e-9 and expandable:
            per = slack / len(expandable)
            for k in expandable:
                gaps[k] += per

    placed = []
    cursor = 0.0
    for k in range(i, j):
        a = atoms[k]
        adv = a.width - cut_l[k] - cut_r[k]
        placed.append(PlacedAtom(k, cursor - cut_l[k], adv))
        cursor += adv
        if k < j - 1:
            cursor += gaps[k]
    return SetLine(placed, cursor, i, j)


def line_text(p: Prepared, line: SetLine) -> str:
    """The characters of a set line (indent excluded), for tests and reports."""
    return "".join(p.atoms[pa.index].text for pa in line.atoms if p.atoms[pa.index].cls != INDENT)
