"""Jumps (转版): a story that starts on one page and continues on a later one.

The first part ends with "（下转N版）" after its last words; the continuation opens with
"（上接M版）" in front of the first words it carries, without a first-line indent (the paragraph
began on the other page), both in 黑体 like the seed's hand-made jump lines. The page numbers are
the real ones of the edition, so they follow when pages are reordered.

Only plain data crosses pages: the pieces that did not fit (text runs with font roles), never
layout objects, so a continuation can be set in another process or on another machine.
"""

from __future__ import annotations

from typeset import display as D
from typeset.layout.compose import Composer
from typeset.layout.flow import Flow
from typeset.layout.grid import Grid
from typeset.layout.story import (
    FlowPiece, StoryReport, _runs_of, flow_story, piece_data, piece_from_data,
)

JUMP_ROLE = "hei"      # jump lines in 黑体, as the seed's content files set them
MAX_TRIALS = 40        # cut positions tried before giving up on a tidy cut
MARK_ATOMS = 5         # a mark is ~6 em: start looking this many atoms before the natural cut


def continued_to(page_label: str) -> tuple[str, str]:
    return (f"（下转{page_label}版）", JUMP_ROLE)


def continued_from(page_label: str) -> tuple[str, str]:
    return (f"（上接{page_label}版）", JUMP_ROLE)


def continuation_pieces(rest: list[dict], from_label: str) -> list[FlowPiece]:
    """The pieces a continuation sets: what the earlier part could not, "（上接N版）" in front."""
    pieces = [piece_from_data(d) for d in rest]
    for p in pieces:
        if p.kind == "para":
            p.runs = [continued_from(from_label), *p.runs]
            p.indent = False
            break
    return pieces


def flow_with_jump(pieces: list[FlowPiece], frames: list, grid: Grid, composer: Composer,
                   owner: str, report: StoryReport, page: D.Page, to_label: str) -> None:
    """Flow `pieces` into `frames`, cutting the story at a legal line break between two words
    so that the part set here ends with "（下转N版）" and fits; what is left goes to
    `report.rest`.

    When everything fits, the story is set as usual and `report.rest` stays None (no jump)."""
    trial = _trial(pieces, frames, grid, composer, owner, report.kind, page)
    if trial.rest is None:
        flow_story(pieces, Flow(frames, grid.size), grid, composer, owner, report, page)
        return
    prepared = {}

    def atoms_of(n: int):
        if n not in prepared:
            prepared[n] = composer.prepare(pieces[n].runs, owner, indent=pieces[n].indent,
                                           record=False)
        return prepared[n]

    c = len(pieces) - len(trial.rest)         # the first piece that did not (wholly) fit
    first_rest = trial.rest[0]
    candidates = []
    if pieces[c].kind == "para" and first_rest["runs"] != [list(r) for r in pieces[c].runs]:
        p = atoms_of(c)
        left = len(composer.prepare([tuple(r) for r in first_rest["runs"]], owner, indent=False,
                                    record=False).atoms)
        natural = len(p.atoms) - left
        candidates += [(c, i) for i in range(natural - MARK_ATOMS, 0, -1)]
    for n in range(c - 1, -1, -1):
        if pieces[n].kind != "para":
            continue
        p = atoms_of(n)
        candidates += [(n, i) for i in range(len(p.atoms), 0, -1)]
        if len(candidates) > 4 * MAX_TRIALS:
            break
    words: dict[int, set[int]] = {}
    tried = 0
    for n, i in candidates:
        p = atoms_of(n)
        if i < len(p.atoms) and not p.allowed[i - 1]:
            continue  # not a place the text engine would break a line
        if i < len(p.atoms) and p.atoms[i - 1].cls == "indent":
            continue
        if i < len(p.atoms):
            if n not in words:
                words[n] = _word_ends(p.atoms)
            if i not in words[n]:
                continue  # inside a word: a reader must not meet 俄 here and 中 on page N
        head, rest = _split(pieces, n, i, p, to_label)
        tried += 1
        probe = _trial(head, frames, grid, composer, owner, report.kind, page)
        if probe.rest is None:
            flow_story(head, Flow(frames, grid.size), grid, composer, owner, report, page)
            report.rest = [piece_data(x) for x in rest]
            return
        if tried >= MAX_TRIALS:
            break
    # no tidy cut found: set what fits, jump the rest without a mark on this page
    flow_story(pieces, Flow(frames, grid.size), grid, composer, owner, report, page)
    report.overflow_lines = report.overflow_chars = 0   # it is not lost: it jumps
    report.overflow_text = ""
    report.issues.append("no room for the jump line （下转…版） at the end of this part")


def _word_ends(atoms) -> set[int]:
    """Atom counts i such that atoms[:i] ends a word of the paragraph (rjieba's segmentation,
    which keeps punctuation as words of its own): where a jump may cut."""
    from typeset.text.segment import words

    text = "".join(a.text for a in atoms)
    ends, n = set(), 0
    for w in words(text):
        n += len(w)
        ends.add(n)
    out, n = set(), 0
    for i, a in enumerate(atoms, 1):
        n += len(a.text)
        if n in ends:
            out.add(i)
    return out


def _trial(pieces, frames, grid, composer, owner, kind, page) -> StoryReport:
    """Flow measuring only (nothing set or drawn); leaves the composer's notices as they were."""
    trial = StoryReport(owner, kind)
    mark = (len(composer.notices), len(composer.missing))
    flow_story(pieces, Flow(frames, grid.size), grid, composer, owner, trial, None)
    del composer.notices[mark[0]:], composer.missing[mark[1]:]
    return trial


def _split(pieces: list[FlowPiece], n: int, i: int, p, to_label: str):
    """Head: pieces before n and the first i atoms of paragraph n, plus the jump mark; rest: the
    remainder of paragraph n (no indent: it began on this page) and the pieces after it."""
    atoms = p.atoms
    head = [FlowPiece(x.kind, list(x.runs), x.indent, x.style, x.align) for x in pieces[:n]]
    head.append(FlowPiece("para", _runs_of(atoms[:i]) + [continued_to(to_label)],
                          indent=pieces[n].indent))
    rest = []
    if i < len(atoms):
        rest.append(FlowPiece("para", _runs_of(atoms[i:]), indent=False))
    rest += pieces[n + 1:]
    return head, rest
