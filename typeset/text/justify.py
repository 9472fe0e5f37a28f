"""Justification of one broken line: where each atom goes (clreq 3.5, typesetting-rules.md §2.8).

Reduction, in clreq's order: Latin word spaces, blanks beside brackets, blanks after ，、；：,
CJK–Latin gaps, blanks after 。？！, then the letters of Latin runs (TRACK_SHRINK, or up to
TRACK_CLOSE on a line the breaker chose as a last resort). Expansion: Latin spaces and CJK–Latin
gaps up to ½ em, then every remaining gap between characters equally (never beside connectors or
the solidus) up to ½ em, then the blanks adjacent marks lost, then Latin letters (stretch_plan).
"""

from __future__ import annotations

from dataclasses import dataclass

from typeset.text import classes as C
from typeset.text.atoms import HALF, INDENT, LATIN_SPACE_MAX
from typeset.text.linebreak import (
    GAP_LIMIT, TRACK_CLOSE, Prepared, edge_trims, giveback, letter_gaps, stretch_plan,
)


@dataclass
class PlacedAtom:
    index: int     # atom index in the paragraph
    x: float       # x of the atom's nominal box (glyph dx are relative to it), 1/1000 em
    advance: float  # visible advance after cuts
    spacing: float = 0.0   # letter-spacing added after each glyph but the last (Latin runs)


@dataclass
class SetLine:
    atoms: list[PlacedAtom]
    width: float    # set width of the line, 1/1000 em
    start: int
    end: int
    hyphen_x: float | None = None   # where the hyphen of a hyphenated line end is drawn


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
    """Place the atoms of line [i, j) at `target` width, using the same line model as the
    breaker: the junction blanks, edge trims and squeezable amounts of `prepare`/`edge_trims`,
    so a line the breaker measured as fitting is set exactly as measured."""
    atoms = p.atoms
    cut_l = {k: 0.0 for k in range(i, j)}
    cut_r = {k: 0.0 for k in range(i, j)}
    avail_l = {k: float(p.sq_l[k]) for k in range(i, j)}
    avail_r = {k: float(p.sq_r[k]) for k in range(i, j)}
    gaps = {k: float(p.gap[k]) for k in range(i, j - 1)}
    for k in range(i, j - 1):
        side, amount = p.jside[k], p.jamount[k]
        if side == "a":
            cut_r[k] += amount
            avail_r[k] = max(0.0, avail_r[k] - amount)
        elif side == "b":
            cut_l[k + 1] += amount
            avail_l[k + 1] = max(0.0, avail_l[k + 1] - amount)
        avail_r[k] = max(0.0, avail_r[k] - p.jfix[k])
    st, _, et, _ = edge_trims(p, i, j)
    hyphen = et < 0 and atoms[j - 1].hyphen and j < len(atoms)
    track = 0.0
    cut_l[i] = max(cut_l[i], float(st)) if st else cut_l[i]
    avail_l[i] = 0.0 if st else avail_l[i]
    if et > 0:
        cut_r[j - 1] = et - cut_l[j - 1] if j - 1 == i and atoms[i].cls == C.SPACE else et
        avail_r[j - 1] = 0.0
        if atoms[j - 1].cls in (C.SPACE, C.IDEO_SPACE):
            avail_l[j - 1] = 0.0
    if atoms[i].cls == C.SPACE:
        avail_r[i] = 0.0
    natural = sum(atoms[k].width - cut_l[k] - cut_r[k] for k in range(i, j)) + sum(gaps.values())
    if hyphen:
        natural += -et
    edge_space = {k for k in (i, j - 1) if k < j - 1 or True} & {
        k for k in range(i, j) if atoms[k].cls in (C.SPACE, C.IDEO_SPACE) and (k == i or k == j - 1)}

    if natural > target:
        need = natural - target
        levels: list[list[list]] = [[], [], [], [], [], []]
        for k in range(i, j):
            a = atoms[k]
            if a.cls == C.SPACE:
                if k not in edge_space and avail_r[k]:
                    levels[0].append([("r", k), avail_r[k], 0.0])
                continue
            bucket = {C.OPEN: 1, C.CLOSE: 1, C.PAUSE: 2, C.STOP: 4}.get(a.cls)
            if bucket is None:
                continue
            if avail_l[k]:
                levels[bucket].append([("l", k), avail_l[k], 0.0])
            if avail_r[k]:
                levels[bucket].append([("r", k), avail_r[k], 0.0])
        for k, g in gaps.items():
            if g:
                levels[3].append([("g", k), g / 2, 0.0])
        inside = [k for k in range(i, j - 1) if p.pt[k + 1] - p.pt[k]]
        units = len(inside) + sum(letter_gaps(atoms[k]) for k in range(i, j))
        if units:
            # last of all, the letters of Latin runs close up: TRACK_SHRINK each, up to
            # TRACK_CLOSE when the breaker chose the line as a last resort
            levels[5].append([("t", 0), float(TRACK_CLOSE * units), 0.0])
        for level in levels:
            need -= _spread(level, need)
            for (side, k), _, taken in level:
                if side == "l":
                    cut_l[k] += taken
                elif side == "r":
                    cut_r[k] += taken
                elif side == "t":
                    track = -taken / units
                    for kk in inside:
                        gaps[kk] += track
                else:
                    gaps[k] -= taken
            if need <= 1e-9:
                break
    elif not last and natural < target:
        slack = target - natural
        first_level = []
        for k, g in gaps.items():
            if g:
                first_level.append([("g", k), max(0.0, HALF - g), 0.0])
        for k in range(i + 1, j - 1):
            if atoms[k].cls == C.SPACE:
                first_level.append([("s", k), LATIN_SPACE_MAX - atoms[k].width, 0.0])
        slack -= _spread(first_level, slack)
        for (side, k), _, taken in first_level:
            if side == "g":
                gaps[k] += taken
            else:
                cut_r[k] -= taken  # a negative cut widens the space
        expandable = [k for k in range(i, j - 1) if p.pe[k + 1] - p.pe[k] and not gaps[k]
                      and not (k + 1 in edge_space or k in edge_space)]
        inside = [k for k in range(i, j - 1) if p.pt[k + 1] - p.pt[k]]
        per, track, back = stretch_plan(slack, len(expandable),
                                        len(inside) + sum(letter_gaps(atoms[k]) for k in range(i, j)),
                                        giveback(p, i, j))
        if back:
            # adjacent marks get back the blanks their junctions removed, in proportion
            total = giveback(p, i, j)
            for k in range(i, j - 1):
                share = p.jamount[k] * back / total
                if p.jside[k] == "a":
                    cut_r[k] -= share
                elif p.jside[k] == "b":
                    cut_l[k + 1] -= share
        if per > GAP_LIMIT:
            # a loose line: a Chinese–digit gap keeps its own limit, the others take the rest
            mixed = {k for k in expandable if {atoms[k].cls, atoms[k + 1].cls} == {C.HAN, C.DIGIT}}
            rest = len(expandable) - len(mixed)
            if mixed and rest:
                other = (per * len(expandable) - GAP_LIMIT * len(mixed)) / rest
                for k in expandable:
                    gaps[k] += GAP_LIMIT if k in mixed else other
                per = None
        if per is not None:
            for k in expandable:
                gaps[k] += per
        for k in inside:
            gaps[k] += track

    placed = []
    cursor = 0.0
    for k in range(i, j):
        a = atoms[k]
        lg = letter_gaps(a)
        spacing = track if lg else 0.0
        adv = a.width - cut_l[k] - cut_r[k] + spacing * lg
        placed.append(PlacedAtom(k, cursor - cut_l[k], adv, spacing))
        cursor += adv
        if k < j - 1:
            cursor += gaps[k]
    hyphen_x = None
    if hyphen:
        # a syllable point kept the word's kerning inside the piece: the hyphen goes after
        # the last letter's full advance
        hyphen_x = cursor - atoms[j - 1].kern
        cursor += -et
    return SetLine(placed, cursor, i, j, hyphen_x)


def line_text(p: Prepared, line: SetLine) -> str:
    """The characters of a set line (indent excluded), for tests and reports."""
    return "".join(p.atoms[pa.index].text for pa in line.atoms if p.atoms[pa.index].cls != INDENT)
