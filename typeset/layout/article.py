"""An article block: headline group across the top (盖文题), then body text in its columns."""

from __future__ import annotations

from typeset import display as D
from typeset.errors import InputError
from typeset.layout.headline import shrink_to_fit
from typeset.layout.compose import Composer
from typeset.layout.flow import Frame
from typeset.layout.grid import BASELINE_RATIO, Grid
from typeset.layout.headline import DisplayStyle, break_display, place_x, set_display
from typeset.layout.story import ElementFit, FlowPiece, StoryReport, flow_balanced
from typeset.spec.content import Content
from typeset.spec.model import BlockSpec, Placement

HEADLINE_PART_GAP = 0.35   # space between 引题, 主题 and 副题, in units of the title size
BOX_RULE = 0.5             # pt, frame of a boxed article (正线 weight, ≥ 0.3 pt for print)
BOX_PADDING_CHARS = 1      # body characters of air inside a box
HEADLINE_AIR_LINES = 2     # a headline's natural band: its type plus one grid line above and below


def default_title_size(columns: int) -> float:
    """主题 size by headline width: lead stories 小初 (36 pt), narrower ones smaller (§4.4)."""
    if columns >= 4:
        return 36.0
    if columns == 3:
        return 24.0
    if columns == 2:
        return 18.0
    return 14.0


def opt_size(block: BlockSpec, key: str, default: float) -> float:
    """A size option of the block, or `default` when the spec leaves it unset."""
    v = getattr(block.opts, key, None)
    return default if v is None else v


def column_frames(grid: Grid, place: Placement, inset: float = 0.0) -> list[Frame]:
    """One frame per basic column of a placement."""
    return [Frame(grid.column_x(c) + inset, grid.spec.column_width - 2 * inset, place.line,
                  place.lines)
            for c in range(place.column, place.column + place.columns)]


def headline_block(composer: Composer, grid: Grid, parts: list[tuple[str, DisplayStyle]],
                   x: float, width: float, line: int, lines: int | None, owner: str,
                   page: D.Page) -> tuple[int, int]:
    """Set headline parts centred in a band of whole grid lines; return the lines it takes and
    the lines it needs (its natural size: the lines its type covers plus one of air above and
    one below, HEADLINE_AIR_LINES in all)."""
    set_parts = []
    for text, style in parts:
        if text:
            fitted = shrink_to_fit(composer, text, style, width)
            if fitted.size < style.size:
                from typeset.layout.compose import Notice

                composer.notices.append(Notice(
                    "shrunk", owner, f"headline “{text[:16]}” set at {fitted.size:g} pt instead "
                    f"of {style.size:g} pt to fit its {width:.0f} pt measure"))
            style = fitted
            set_parts.append((break_display(composer, text, style, width), style))
    height = 0.0
    for n, (texts, style) in enumerate(set_parts):
        height += len(texts) * style.size + (len(texts) - 1) * style.size * 0.3
        if n:
            height += HEADLINE_PART_GAP * set_parts[0][1].size * 0.5 + style.size * 0.2
    natural = grid.lines_for(height) + HEADLINE_AIR_LINES
    alloc = lines if lines is not None else natural
    band_top = grid.line_top(line)
    band_h = alloc * grid.pitch - grid.spec.line_gap
    y = band_top + (band_h - height) / 2
    for n, (texts, style) in enumerate(set_parts):
        if n:
            y += HEADLINE_PART_GAP * set_parts[0][1].size * 0.5 + style.size * 0.2
        for t in texts:
            dl = set_display(composer, t, style, owner)
            baseline = y + BASELINE_RATIO * style.size
            lx = place_x(x, width, dl.width, style.align)
            page.items += dl.runs_for(lx, baseline, owner)
            page.lines.append(D.LineInfo(owner, "headline", t, x, width, round(dl.width, 3),
                                         round(baseline, 3), 0, True))
            y += style.size * 1.3
        y -= style.size * 0.3
    return alloc, natural


def body_pieces(content: Content, byline_mode: str = "top") -> list[FlowPiece]:
    """The flow of an article: byline (on top, or after the body with byline_mode "bottom"),
    paragraphs with jump lines, subheads."""
    meta = content.meta
    pieces: list[FlowPiece] = []
    if meta.get("byline") and byline_mode == "top":
        pieces.append(FlowPiece("byline", [(meta["byline"], "kai")],
                                style=None, align="left"))
    parts = content.parts()
    first_para = True
    for n, part in enumerate(parts):
        if part.kind == "subhead":
            pieces.append(FlowPiece("subhead", [(part.text, "hei")], align="center"))
            continue
        runs = [(part.text, "body")]
        indent = True
        if first_para and meta.get("continued_from"):
            runs.insert(0, (f"（上接{meta['continued_from']}版）", "hei"))
            indent = False  # the continued paragraph began on the other page
        first_para = False
        pieces.append(FlowPiece("para", runs, indent=indent))
    if meta.get("continues_on") and pieces and pieces[-1].kind == "para":
        pieces[-1].runs.append((f"（下转{meta['continues_on']}版）", "hei"))
    if meta.get("byline") and byline_mode == "bottom":
        pieces.append(FlowPiece("byline", [(meta["byline"], "kai")], style=None, align="right"))
    return pieces


def layout_article(block: BlockSpec, grid: Grid, composer: Composer, page: D.Page) -> StoryReport:
    o = block.opts
    jump = block.jump      # set by an edition: {"in": …, "from": …, "to": …}
    if o.continues and (jump is not None or block.content is None):
        return _layout_continuation(block, grid, composer, page, jump or {})
    content: Content = block.content
    report = StoryReport(block.id, "article")
    place = block.place
    x, _, width, _ = grid.rect(place)
    boxed = o.box
    inset = BOX_PADDING_CHARS * grid.size if boxed else 0.0
    size_title = opt_size(block, "title_size", default_title_size(o.title_columns or place.columns))
    size_sub = opt_size(block, "subtitle_size", max(grid.size * 1.5, round(size_title * 0.45)))
    size_kicker = opt_size(block, "kicker_size", size_sub)
    align = o.align
    meta = content.meta
    if not meta.get("title") and not meta.get("continued_from"):
        raise InputError(str(block.source), "an article needs a title in its front matter",
                         line=1, field="title", hint="add `title: …` between the --- lines "
                         "(only a continuation with continued_from may go without)")
    parts = [
        (meta.get("kicker", ""), DisplayStyle(size_kicker, o.kicker_font, align)),
        (meta.get("title", ""), DisplayStyle(size_title, o.title_font, align)),
        (meta.get("subtitle", ""), DisplayStyle(size_sub, o.subtitle_font, align)),
    ]
    if o.title_vertical:
        return _layout_vertical(block, grid, composer, page, content, report, size_title)
    head_cols = o.title_columns or place.columns
    head_w = grid.span_width(head_cols)
    used = 0
    if any(text for text, _ in parts):
        used, natural = headline_block(composer, grid, parts, x + inset, head_w - 2 * inset,
                                       place.line, o.headline_lines, block.id, page)
        report.elements.append(ElementFit("headline", used, natural, "headline_lines",
                                          o.headline_lines is not None))
    if used >= place.lines:
        raise block.error(
            "lines", f"the headline needs {used} lines and leaves no room for the body",
            hint="make the block taller or set headline_lines")
    if block.frames:
        frames = [f for p in block.frames for f in column_frames(grid, p, inset)]
    else:
        under = Placement(place.column, head_cols, place.line + used, place.lines - used)
        frames = column_frames(grid, under, 0.0)
        if head_cols < place.columns:
            # title_columns: the columns beside the headline start at the block's top
            frames += column_frames(grid, Placement(place.column + head_cols,
                                                    place.columns - head_cols, place.line,
                                                    place.lines), 0.0)
        if boxed:
            frames[0].x += inset
            frames[0].width -= inset
            frames[-1].width -= inset
    pieces = body_pieces(content, o.byline)
    if jump and jump.get("to"):
        from typeset.layout.jump import flow_with_jump

        flow_with_jump(pieces, frames, grid, composer, block.id, report, page, jump["to"])
    else:
        flow_balanced(pieces, frames, grid, composer, block.id, report, page, o.balance)
    if boxed:
        bx, by, bw, bh = grid.rect(place)
        page.items.append(D.Rect(bx, by - grid.spec.line_gap / 2, bw, bh + grid.spec.line_gap,
                                 stroke=D.K100, stroke_width=BOX_RULE, owner=block.id))
    return report


def _layout_continuation(block: BlockSpec, grid: Grid, composer: Composer, page: D.Page,
                         jump: dict) -> StoryReport:
    """A jump's continuation (`continues: story`): no headline; its text is what the earlier
    part left over, opened by （上接N版）. Rendered outside an edition, it stays empty."""
    from typeset.layout.jump import continuation_pieces, flow_with_jump

    report = StoryReport(block.id, "article")
    if block.frames:
        frames = [f for p in block.frames for f in column_frames(grid, p)]
    else:
        frames = column_frames(grid, block.place)
    rest = jump.get("in")
    if rest is None:
        report.capacity_lines = sum(f.lines for f in frames)
        report.empty_lines = report.capacity_lines
        report.issues.append(jump.get("missing") or
                             f"continues '{block.opts.continues}': its text comes from the "
                             "edition (render the edition, not this page alone)")
        return report
    pieces = continuation_pieces(rest, jump.get("from", "?"))
    if jump.get("to"):
        flow_with_jump(pieces, frames, grid, composer, block.id, report, page, jump["to"])
    else:
        flow_balanced(pieces, frames, grid, composer, block.id, report, page, block.opts.balance)
    return report


def _layout_vertical(block: BlockSpec, grid: Grid, composer: Composer, page: D.Page,
                     content: Content, report: StoryReport, size_title: float) -> StoryReport:
    """竖排标题: the title runs down the block's first column; the body fills the other columns
    and the first column below the title. Kicker and subtitle open the body in 楷体."""
    from typeset.layout.vertical import set_vertical, vertical_lines

    place = block.place
    col_w = grid.spec.column_width
    size = min(size_title, col_w * 0.8)
    title = content.meta.get("title", "")
    used = vertical_lines(grid, title, size)
    if used > place.lines or place.columns < 2:
        raise block.error("title_vertical", f"a vertical title of {len(title)} characters at "
                      f"{size:g} pt needs {used} lines in one column and at least two columns",
                      hint="make the block taller or wider, or set title_size smaller")
    band_top = grid.line_top(place.line)
    height = used * grid.pitch - grid.spec.line_gap
    from typeset.layout.vertical import vertical_height

    top = band_top + (height - vertical_height(title, size)) / 2
    set_vertical(composer, title, size, block.opts.title_font,
                 grid.column_x(place.column), col_w, top, block.id, page)
    frames = []
    if place.lines - used > 0:
        frames += column_frames(grid, Placement(place.column, 1, place.line + used,
                                                place.lines - used))
    frames += column_frames(grid, Placement(place.column + 1, place.columns - 1, place.line,
                                            place.lines))
    # reading order: the columns right of the title first, then under it
    frames = frames[1:] + frames[:1] if place.lines - used > 0 else frames
    pieces = []
    for key in ("kicker", "subtitle"):
        if content.meta.get(key):
            pieces.append(FlowPiece("byline", [(content.meta[key], "kai")], align="left"))
    pieces += body_pieces(content, block.opts.byline)
    flow_balanced(pieces, frames, grid, composer, block.id, report, page, False)
    return report
