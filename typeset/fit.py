"""Copy fitting for the layout desk (`typeset fit`): per block, the grid lines it has and needs,
the characters over or under, and a change the desk can make.

"Needs" is measured, not estimated: the block is laid out again at other heights until the
smallest one without overflow is found, with any fixed headline, masthead or photo height that
differs from its natural size replaced by the natural one (that change is proposed too).
A block fits when it needs at most SHORT_TOLERANCE lines fewer than it has and nothing
overflows.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from typeset import display as D
from typeset.errors import InputError

SHORT_TOLERANCE = 1        # a story may end one grid line above its block's foot and still fit
SEARCH_LIMIT = 400         # most re-layouts of one block while searching its height
STATES = ("fits", "short", "over", "problem")
NATURAL_KEYS = {"headline": "headline_lines", "masthead": "masthead_lines"}
TEXT_KINDS = ("article", "briefs")
RULE_STRIP = 4.0           # pt: width of the strip that stands for a vertical rule in a proof


@dataclass
class Change:
    """One edit of the spec: set `key` of block `block` from `old` to `new`."""

    block: str
    key: str
    old: int
    new: int

    def text(self) -> str:
        return f"{self.key} {self.old} → {self.new}"


@dataclass
class BlockFit:
    id: str
    kind: str
    file: str                     # the spec file
    line: int                     # the block's line in it
    column: int
    columns: int
    first_line: int
    lines: int                    # grid lines the block has
    needs: int | None = None      # grid lines it needs (None: cannot be measured, e.g. frames)
    state: str = "fits"
    capacity_lines: int = 0       # body lines of all its columns
    used_lines: int = 0
    empty_lines: int = 0
    over_lines: int = 0
    over_chars: int = 0
    under_chars: int = 0
    elements: list[dict] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    proposal: str = ""
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)   # x, y, w, h in pt

    def as_dict(self) -> dict:
        d = asdict(self)
        d["box"] = [round(v, 2) for v in self.box]
        return d


@dataclass
class PageFit:
    spec: str
    name: str
    blocks: list[BlockFit] = field(default_factory=list)
    error: str | None = None
    page_size: tuple[float, float] = (0.0, 0.0)
    grid: dict = field(default_factory=dict)      # geometry for overlays (pt)

    @property
    def ok(self) -> bool:
        return self.error is None and all(b.state == "fits" for b in self.blocks)

    def as_dict(self) -> dict:
        return {"spec": self.spec, "name": self.name, "error": self.error, "ok": self.ok,
                "page_size": [round(v, 2) for v in self.page_size], "grid": self.grid,
                "blocks": [b.as_dict() for b in self.blocks]}


def fit_spec(spec_path: Path, progress=None) -> PageFit:
    """The fit of every block of one page spec; a spec with errors gives a PageFit with .error."""
    return fit_pages(spec_path, progress)[0]


def fit_pages(path: Path, progress=None) -> list[PageFit]:
    """The fit of a page spec, or of every page of an edition in order."""
    return [pf if spec is None else fit_result(spec, result, pf, progress)
            for pf, spec, result in laid_out(path, progress)]


def laid_out(path: Path, progress=None):
    """(PageFit, spec, layout) for a page spec, or for every page of an edition in order with
    the text jumping in from earlier pages. A page that cannot be set comes with its error in
    the PageFit and no spec or layout; the other pages go on."""
    from typeset.layout.page import layout_page
    from typeset.spec.load import load_spec

    if is_edition(path):
        yield from _edition_pages(path, progress)
        return
    pf = PageFit(str(path), path.stem)
    try:
        spec = load_spec(path)
        result = layout_page(spec, progress)
    except InputError as exc:
        pf.error = str(exc)
        yield pf, None, None
        return
    yield pf, spec, result


def is_edition(path: Path) -> bool:
    """An edition file (a top-level `edition:` key), when this build has editions."""
    try:
        from typeset.edition.spec import is_edition as edition_file
    except ImportError:          # built without editions
        return False
    return edition_file(path)


def _edition_pages(path: Path, progress=None):
    """Each page of an edition, set in page order as `typeset render` sets it (see
    typeset/edition/task.py): a story's part gets the text its earlier part left over."""
    from typeset.edition.plan import load_page, plan_edition
    from typeset.edition.spec import load_edition
    from typeset.layout.page import layout_page

    try:
        ed = load_edition(path)
    except InputError as exc:
        yield PageFit(str(path), path.stem, error=str(exc)), None, None
        return
    try:
        jumps = {t.index: t.jumps for t in plan_edition(ed).tasks}
    except InputError:
        jumps = {}               # a page that does not load: the others are set without jumps
    rests: dict[int, dict] = {}
    for page in ed.pages:
        pf = PageFit(str(page.file or path), f"{page.number}-{page.name}")
        try:
            spec = load_page(ed, page)
            blocks = {b.id: b for b in spec.blocks}
            for bid, j in jumps.get(page.index, {}).items():
                jump = {"to": j.get("to"), "from": j.get("from")}
                if "source" in j:
                    rest = rests.get(j["source"][0], {}).get(j["source"][1])
                    jump["in"] = rest or None
                    if not rest:
                        jump["missing"] = f"nothing to continue from page {j['from']}"
                blocks[bid].jump = jump
            result = layout_page(spec, progress)
        except InputError as exc:
            pf.error = str(exc)
            yield pf, None, None
            continue
        by_id = {r.id: r for r in result.reports}
        rests[page.index] = {bid: by_id[bid].rest for bid in jumps.get(page.index, {})
                             if bid in by_id}
        yield pf, spec, result


def fit_result(spec, result, pf: PageFit | None = None, progress=None) -> PageFit:
    """The fit of an already laid-out page."""
    grid = result.grid
    pf = pf or PageFit(str(spec.path), spec.name)
    pf.page_size = (spec.page.width, spec.page.height)
    g = grid.spec
    pf.grid = {"left": round(grid.left, 3), "top": round(grid.top, 3), "columns": g.columns,
               "lines": g.lines, "column_width": g.column_width, "gutter": g.gutter,
               "pitch": g.pitch, "line_gap": g.line_gap}
    reports = {r.id: r for r in result.reports}
    for block in spec.blocks:
        if progress:
            progress(f"fit {block.id}")
        bf = BlockFit(block.id, block.kind, str(spec.path), block.line, block.place.column,
                      block.place.columns, block.place.line, block.place.lines,
                      box=_box(block, grid))
        pf.blocks.append(bf)
        report = reports.get(block.id)
        if report is None:          # rules and boxes: nothing to fit
            bf.needs = bf.lines
            continue
        _fill(bf, report)
        if ((getattr(block, "jump", None) or {}).get("to") and getattr(report, "rest", None)):
            bf.needs = bf.lines      # an edition story that fills its block and jumps on
            _judge(bf, spec)
            continue
        # a page laid out with a LayoutMemo (watch --proof): a block replayed unchanged
        # keeps what measuring it found
        memo = getattr(result, "memo", None)
        part = memo.part(spec, block) if memo is not None else None
        if part is not None and part.fit is not None:
            bf.needs, bf.changes, bf.state, bf.issues = copy.deepcopy(part.fit)
        else:
            try:
                _measure(bf, block, spec, result)
            except InputError as exc:   # the block cannot be laid out at all
                bf.state, bf.issues = "problem", bf.issues + [str(exc)]
            if part is not None:
                part.fit = copy.deepcopy((bf.needs, bf.changes, bf.state, bf.issues))
        _judge(bf, spec)
    return pf


def _box(block, grid) -> tuple[float, float, float, float]:
    """Where the block is on the page (pt); a vertical rule is the thin strip it is drawn in,
    in the gutter left of its column."""
    x, y, w, h = grid.rect(block.place)
    if block.kind == "rule" and getattr(block.opts, "orientation", "") == "vertical":
        return (x - grid.spec.gutter / 2 - RULE_STRIP / 2, y, RULE_STRIP, h)
    return (x, y, w, h)


def _fill(bf: BlockFit, report) -> None:
    bf.capacity_lines, bf.used_lines = report.capacity_lines, report.used_lines
    bf.empty_lines, bf.over_lines = report.empty_lines, report.overflow_lines
    bf.over_chars = report.overflow_chars
    bf.under_chars = round(report.empty_lines * report.chars_per_line) if not (
        report.overflow_lines or report.overflow_chars) else 0
    bf.elements = [asdict(e) for e in report.elements]
    bf.issues = list(report.issues)


def _natural_block(block, bf: BlockFit):
    """The block with every fixed element height that is too small for its element replaced by
    the natural one; the replacements become proposed changes. A fixed height above the natural
    one is the desk's choice (air around a headline) and is kept."""
    unset: dict = {}
    for e in bf.elements:
        key = e["key"]
        if not e["fixed"] or e["has"] >= e["needs"] or key not in block.given:
            continue
        if e["name"] == "photo" and block.kind == "photo":
            continue                       # a photo's height is part of the block sum below
        unset[key] = None                  # unset: the element takes its natural size
        bf.changes.append(Change(block.id, key, e["has"], e["needs"]))
    if not unset:
        return block
    return replace(block, opts=replace(block.opts, **unset), given=block.given - set(unset))


def _measure(bf: BlockFit, block, spec, result) -> None:
    if block.kind == "photo":
        _measure_photo(bf, block)
        return
    if block.kind not in TEXT_KINDS or block.frames:
        return                             # threaded frames: only characters are reported
    trial_block = _natural_block(block, bf)
    layout = _layout_fn(block.kind)
    composer, grid = result.composer, result.grid

    def fits(lines: int) -> bool:
        b = replace(trial_block, place=replace(block.place, lines=lines))
        mark = (len(composer.notices), len(composer.missing))
        try:
            rep = layout(b, grid, composer, D.Page(1, 1))
        except InputError:
            return False                   # e.g. the headline leaves no room for the body
        finally:
            del composer.notices[mark[0]:], composer.missing[mark[1]:]
        return not (rep.overflow_lines or rep.overflow_chars)

    columns = max(1, block.place.columns)
    if bf.over_lines:
        guess = bf.lines + -(-bf.over_lines // columns)
    else:
        guess = bf.lines - bf.empty_lines // columns
    guess = max(1, guess)
    tries = 0
    if fits(guess):
        while guess > 1 and tries < SEARCH_LIMIT and fits(guess - 1):
            guess -= 1
            tries += 1
    else:
        while tries < SEARCH_LIMIT and not fits(guess + 1):
            guess += 1
            tries += 1
        guess += 1
    bf.needs = guess


def _measure_photo(bf: BlockFit, block) -> None:
    """A photo block needs its title, its photo (natural height at the block's width unless it
    is cropped to fit) and its caption."""
    els = {e["name"]: e for e in bf.elements}
    photo = els.get("photo")
    needs = sum(e["needs"] for n, e in els.items() if n != "photo")
    if photo is None:
        return
    if photo["fixed"] and photo["has"] != photo["needs"]:
        bf.changes.append(Change(block.id, "photo_lines", photo["has"], photo["needs"]))
    bf.needs = needs + photo["needs"]


def _layout_fn(kind: str):
    from typeset.layout import elements
    from typeset.layout.page import LAYOUTS

    return LAYOUTS.get(kind) or elements.LAYOUTS[kind]


def _judge(bf: BlockFit, spec) -> None:
    """Set the state, complete the changes and write the proposal."""
    bf.state = _state(bf)
    if bf.needs is not None and bf.needs != bf.lines and (bf.state in ("over", "short")
                                                          or bf.changes):
        bf.changes.append(Change(bf.id, "lines", bf.lines, bf.needs))
    notes = []
    for e in bf.elements:
        if e["has"] != e["needs"] and (e["fixed"] or e["name"] == "photo"):
            kept = " (set in the spec)" if e["fixed"] and e["has"] > e["needs"] else ""
            notes.append(f"{e['name']} needs {e['needs']} lines, has {e['has']}{kept}")
    text = ", ".join(c.text() for c in bf.changes)
    alt = ""
    if bf.over_chars:
        alt = f"cut about {bf.over_chars} characters"
    elif bf.state == "short" and bf.under_chars:
        alt = f"add about {bf.under_chars} characters"
    if alt:
        text = f"{text}, or {alt}" if text else alt
    if bf.needs is not None and bf.needs + bf.first_line - 1 > spec.grid.lines:
        text += f" (the grid has only {spec.grid.lines} lines: cut or move the block up)"
    blocked = _collisions(bf, spec)
    if blocked:
        text += f" (then move {', '.join(blocked)})"
    said = notes + ([text] if text else [])
    bf.proposal = f"{bf.id}: " + "; ".join(said) if said else ""


def _state(bf: BlockFit) -> str:
    """problem: an element too small for its type, a photo below 200 ppi, a composition issue,
    a block that cannot be laid out; over: text left over (or a photo squeezed); short: more
    than SHORT_TOLERANCE lines to spare; else fits."""
    if bf.state == "problem" or bf.issues:
        return "problem"
    if any(e["has"] < e["needs"] and e["name"] in ("headline", "masthead", "title")
           for e in bf.elements):
        return "problem"
    if bf.over_lines or bf.over_chars or (bf.needs is not None and bf.needs > bf.lines):
        return "over"
    if any(e["name"] == "photo" and e["has"] < e["needs"] for e in bf.elements):
        return "over"                    # set smaller than its columns to keep its shape
    if bf.needs is not None and bf.lines - bf.needs > SHORT_TOLERANCE:
        return "short"
    return "fits"


def _collisions(bf: BlockFit, spec) -> list[str]:
    """Blocks the proposed height would run into."""
    from typeset.spec.model import Placement

    if bf.needs is None or bf.needs <= bf.lines:
        return []
    grown = Placement(bf.column, bf.columns, bf.first_line, bf.needs)
    return [b.id for b in spec.blocks
            if b.id != bf.id and b.kind not in ("rule", "box") and grown.overlaps(b.place)]


def fit_table(pf: PageFit) -> str:
    """The fit as a table a desk reads, with the proposals under it."""
    from typeset.report import text_table

    if pf.error:
        return f"{pf.spec}: cannot fit this page:\n  {pf.error}"
    rows = [("block", "kind", "state", "has", "needs", "body lines", "over chars",
             "under chars")]
    for b in pf.blocks:
        if b.kind in ("rule", "box"):
            continue
        rows.append((b.id, b.kind, b.state, str(b.lines), "?" if b.needs is None else str(b.needs),
                     f"{b.used_lines}/{b.capacity_lines}", str(b.over_chars), str(b.under_chars)))
    out = [pf.spec, text_table(rows)]
    for b in pf.blocks:
        if b.proposal:
            out.append(f"  → {b.proposal}")
        for issue in b.issues:
            out.append(f"  {b.id}: {issue}")
    if pf.ok:
        out.append("every block fits")
    return "\n".join(out)
