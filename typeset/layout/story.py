"""Body text of a story flowing through its frames: paragraphs, subheads, bylines.

Every body baseline sits on the page grid. Subheads take whole grid lines and are never left at
the foot of a column without two body lines under them. A paragraph carried into the next
column keeps going without a new indent. What does not fit is counted to the character.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from typeset import display as D
from typeset.layout.compose import Composer, count_chars
from typeset.layout.flow import Flow
from typeset.layout.grid import BASELINE_RATIO, Grid
from typeset.layout.headline import (
    DisplayStyle, break_display, fitting_size, place_x, set_display, shrink_to_fit,
)
from typeset.text.atoms import EM, INDENT
from typeset.text.justify import line_text, set_line

SUBHEAD_LINES = 3          # an in-body subhead takes three grid lines, text centred with air
TITLE_LINES = 2            # a brief's one-line title takes two grid lines
MARGIN_LINES = 4           # extra lines composed past the frames when cutting a huge paragraph
HALF_EM = 500              # narrowest atom (a digit or a compressed mark), 1/1000 em
LINES_AFTER_SUBHEAD = 2    # at least two body lines must follow a subhead in its column (§2.9)
SUBHEAD_SIZE_RATIO = 7 / 6  # subhead 10.5 pt (五号) over 9 pt (小五) body
UNDERSET_LINES = 2         # empty lines a one-column story may end with and still count as full


@dataclass
class FlowPiece:
    """One thing to flow: a paragraph (styled runs) or a display line such as a subhead."""

    kind: str                         # para | subhead | byline | title
    runs: list[tuple[str, str]]       # (text, font role)
    indent: bool = True
    style: DisplayStyle | None = None
    align: str = "left"


@dataclass
class ElementFit:
    """Grid lines one element of a block has and needs (headline, masthead, photo, caption)."""

    name: str
    has: int
    needs: int
    key: str | None = None       # the spec key that sets it (None: follows from the block)
    fixed: bool = False          # set in the spec (True) or its natural size (False)
    note: str = ""


@dataclass
class StoryReport:
    id: str
    kind: str
    capacity_lines: int = 0
    used_lines: int = 0
    empty_lines: int = 0
    overflow_lines: int = 0
    overflow_chars: int = 0
    overflow_text: str = ""
    issues: list[str] = field(default_factory=list)
    rest: list[dict] | None = None    # what did not fit, as plain pieces (for a jump's next part)
    elements: list[ElementFit] = field(default_factory=list)
    chars_per_line: float = 0.0     # body characters in one line of its frames
    columns: int = 1                # frames the body runs through


    @property
    def status(self) -> str:
        if self.overflow_chars or self.overflow_lines:
            return "overflow"
        # levelled columns (栏底齐平) may each end one line short, the last one a little more
        return "ok" if self.empty_lines <= max(UNDERSET_LINES, 2 * self.columns - 1) else "underset"


def flow_story(pieces: list[FlowPiece], flow: Flow, grid: Grid, composer: Composer, owner: str,
               report: StoryReport, page: D.Page | None, draw: bool = True) -> None:
    """Flow pieces into the frames, appending glyph runs and line facts to the page.

    `draw=False` (or no page) measures only: the report gets the same line and overflow counts,
    but no line is set and no glyph run emitted (trial flows of column balancing and jumps)."""
    draw = draw and page is not None
    size = grid.size
    k = 0  # current flow line
    overflow_parts: list[str] = []
    cut: list[FlowPiece] = []     # the unset part of the first paragraph that did not fit
    rest_from: int | None = None  # index of the first piece that did not (wholly) fit
    for n, piece in enumerate(pieces):
        if piece.kind == "para":
            k = _flow_paragraph(piece, flow, grid, composer, owner, report, page, k, overflow_parts,
                                cut, draw)
            if cut and rest_from is None:
                rest_from = n
            continue
        if piece.kind == "rule":
            k = _flow_rule(flow, grid, owner, page if draw else None, k)
            continue
        # display pieces (subhead, byline, brief title) take whole grid lines
        style = piece.style or DisplayStyle(size, piece.runs[0][1], piece.align)
        probe = flow.slot(k)
        measure = probe.width if probe else (flow.frames[-1].width if flow.frames else 0)
        if piece.kind in ("title", "subhead"):
            from dataclasses import replace

            style = replace(style, size=fitting_size(composer, piece.runs[0][0], style, measure))
            fitted = shrink_to_fit(composer, piece.runs[0][0], style, measure)
            if fitted.size < style.size:
                from typeset.layout.compose import Notice

                composer.notices.append(Notice(
                    "shrunk", owner, f"{piece.kind} “{piece.runs[0][0][:16]}” set at "
                    f"{fitted.size:g} pt instead of {style.size:g} pt to fit its {measure:.0f} pt "
                    "measure"))
            style = fitted
        texts = break_display(composer, piece.runs[0][0], style, measure)
        if piece.kind in ("subhead", "title"):
            need = _display_lines(texts, style, grid,
                                  SUBHEAD_LINES if piece.kind == "subhead" else TITLE_LINES)
        else:
            need = len(texts)
        following = LINES_AFTER_SUBHEAD if piece.kind in ("subhead", "title") else 0
        if probe is not None and not flow.at_frame_top(k) and \
                flow.left_in_frame(k) < need + following:
            k = flow.next_frame_start(k)
        if flow.slot(k) is None or flow.left_in_frame(k) < need:
            if rest_from is None:
                rest_from = n
                cut.append(piece)
            overflow_parts.append(piece.runs[0][0])
            report.overflow_lines += need
            k += need
            continue
        report.used_lines += need
        if not draw:
            k += need
            continue
        slot = flow.slot(k)
        band_top = grid.line_top(slot.line)
        band_h = need * grid.pitch - grid.spec.line_gap
        heights = [style.size for _ in texts]
        leading = style.size * 0.25
        block_h = sum(heights) + leading * (len(texts) - 1)
        y = band_top + (band_h - block_h) / 2
        for i, t in enumerate(texts):
            dl = set_display(composer, t, style, owner, piece.kind)
            if piece.kind == "subhead" or piece.kind == "title":
                baseline = y + BASELINE_RATIO * style.size
                grid_line = 0
            else:
                baseline = grid.baseline(slot.line + i)
                grid_line = slot.line + i
            x = place_x(slot.x, slot.width, dl.width, style.align)
            page.items += dl.runs_for(x, baseline, owner)
            page.lines.append(D.LineInfo(owner, piece.kind, t, slot.x, slot.width, dl.width,
                                         baseline, grid_line, True))
            y += style.size + leading
        k += need
    report.capacity_lines = flow.total
    report.empty_lines = max(0, flow.total - k)
    if flow.frames:
        report.chars_per_line = flow.frames[0].width / size
        report.columns = len(flow.frames)
    if overflow_parts:
        report.overflow_text = "".join(overflow_parts)
        report.overflow_chars = count_chars(report.overflow_text)
    if rest_from is not None:
        report.rest = [piece_data(cut[0])] + [piece_data(p) for p in pieces[rest_from + 1:]]


def piece_data(piece: FlowPiece) -> dict:
    """A piece as plain data (picklable, JSON-able): what a jump passes to the next page."""
    return {"kind": piece.kind, "runs": [list(r) for r in piece.runs], "indent": piece.indent,
            "align": piece.align}


def piece_from_data(data: dict) -> FlowPiece:
    return FlowPiece(data["kind"], [tuple(r) for r in data["runs"]], indent=data["indent"],
                     align=data.get("align", "left"))


def _runs_of(atoms) -> list[tuple[str, str]]:
    """Styled runs [(text, font role)] of a slice of atoms, the indent left out."""
    runs: list[tuple[str, str]] = []
    for a in atoms:
        if a.cls == INDENT or not a.text:
            continue
        if runs and runs[-1][1] == a.style:
            runs[-1] = (runs[-1][0] + a.text, a.style)
        else:
            runs.append((a.text, a.style))
    return runs


def _display_lines(texts: list[str], style: DisplayStyle, grid: Grid, minimum: int) -> int:
    """Whole grid lines a subhead or title needs: its lines with air, at least `minimum`."""
    h = len(texts) * style.size * 1.25 + grid.spec.line_gap
    return max(minimum, grid.lines_for(h))


SEPARATOR_RULE = 0.5   # pt, 正线 between stacked items (≥ 0.3 pt for print)


def _flow_rule(flow: Flow, grid: Grid, owner: str, page: D.Page | None, k: int) -> int:
    """A thin rule across the column through the middle of one grid line (not at a column top);
    only counted when there is no page to draw on."""
    if flow.slot(k) is None or flow.at_frame_top(k):
        return k
    if page is None:
        return k + 1
    slot = flow.slot(k)
    y = grid.line_top(slot.line) + grid.size / 2
    page.items.append(D.Rule(slot.x, y, slot.x + slot.width, y, SEPARATOR_RULE, D.K100, owner))
    return k + 1


def _flow_paragraph(piece: FlowPiece, flow: Flow, grid: Grid, composer: Composer, owner: str,
                    report: StoryReport, page: D.Page, k: int, overflow_parts: list[str],
                    cut: list[FlowPiece], draw: bool = True) -> int:
    # a measuring flow's notices are dropped by its caller: none are made (record=False)
    p = composer.prepare(piece.runs, owner, indent=piece.indent, record=draw)
    if not p.atoms:
        return k
    width = max(flow.width_em(k), 1)
    if flow.slot(k) is None:
        # no room left: count what does not fit without composing it (bounded work)
        lines = -(-p.pw[-1] // width)
        if not cut:
            cut.append(piece)
        overflow_parts.append("".join(a.text for a in p.atoms))
        report.overflow_lines += lines
        return k + lines
    rest_text = ""
    rest_lines = 0
    rest_atoms: list = []
    limit = (flow.remaining_from(k) + MARGIN_LINES) * (width // HALF_EM + 2)
    if len(p.atoms) > limit:
        # a paragraph far longer than the room left: compose only what can land in the frames
        rest = rest_atoms = p.atoms[limit:]
        rest_text = "".join(a.text for a in rest)
        rest_lines = -(-sum(a.width for a in rest) // width)
        p = composer.prepare_atoms(p.atoms[:limit])
    broken = composer.break_lines(p, flow.width_em, k, flow.widths(k, len(p.atoms)))
    for issue in broken.issues:
        report.issues.append(f"{issue.kind} at paragraph line {issue.line + 1}: {issue.detail}")
    size = grid.size
    for li, (i, j) in enumerate(broken.lines):
        last = j == len(p.atoms)
        slot = flow.slot(k)
        if slot is None:
            rest = "".join(a.text for a in p.atoms[i:]) + rest_text
            if not cut:
                runs = _runs_of(list(p.atoms[i:]) + list(rest_atoms))
                cut.append(FlowPiece("para", runs, indent=i == 0 and piece.indent))
            overflow_parts.append(rest)
            report.overflow_lines += len(broken.lines) - li + rest_lines
            return k + len(broken.lines) - li + rest_lines
        if not draw:
            report.used_lines += 1
            k += 1
            continue
        target = flow.width_em(k)
        line = set_line(p, i, j, target, last)
        baseline = grid.baseline(slot.line)
        page.items += composer.emit(p, line, slot.x, baseline, size, owner, "body")
        page.lines.append(D.LineInfo(owner, "body", line_text(p, line), slot.x, slot.width,
                                     round(line.width * size / EM, 3), baseline, slot.line, last,
                                     slot.frame))
        report.used_lines += 1
        k += 1
    return k


def flow_balanced(pieces: list[FlowPiece], frames: list, grid: Grid, composer: Composer,
                  owner: str, report: StoryReport, page: D.Page, balance: bool = True) -> None:
    """Flow pieces; when the text is short of its frames, level the columns (栏底齐平): every
    frame gets the same number of lines, so the story ends evenly instead of one short column.

    The trial flows that find the level only measure (`draw=False`); the lines are set and
    their glyph runs emitted once, for the frames chosen."""
    from dataclasses import replace

    from typeset.layout.flow import Flow

    if balance and len(frames) > 1 and len({(f.line, f.lines) for f in frames}) == 1:
        trial = StoryReport(owner, report.kind)
        mark = (len(composer.notices), len(composer.missing))
        flow_story(pieces, Flow(frames, grid.size), grid, composer, owner, trial, None)
        del composer.notices[mark[0]:], composer.missing[mark[1]:]
        needed = trial.used_lines
        full = frames[0].lines
        if not trial.overflow_lines and needed < trial.capacity_lines:
            per = -(-needed // len(frames))
            while per < full:
                short = [replace(f, lines=per) for f in frames]
                probe = StoryReport(owner, report.kind)
                flow_story(pieces, Flow(short, grid.size), grid, composer, owner, probe, None)
                del composer.notices[mark[0]:], composer.missing[mark[1]:]
                if not probe.overflow_lines:
                    flow_story(pieces, Flow(short, grid.size), grid, composer, owner, report, page)
                    report.capacity_lines = trial.capacity_lines
                    report.empty_lines = trial.capacity_lines - report.used_lines
                    return
                per += 1
    flow_story(pieces, Flow(frames, grid.size), grid, composer, owner, report, page)
