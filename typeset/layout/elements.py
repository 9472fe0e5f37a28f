"""Block kinds beyond articles: briefs under a section masthead, photos, rules, boxes, 报眉."""

from __future__ import annotations

import math


from typeset import display as D
from typeset.layout.article import opt_size, column_frames, headline_block
from typeset.layout.compose import Composer, count_chars
from typeset.layout.flow import Flow, Frame
from typeset.layout.grid import BASELINE_RATIO, Grid
from typeset.layout.headline import (
    HEADLINE_FLOOR, DisplayStyle, display_width, place_x, set_display,
)
from typeset.layout.photo import ERROR_PPI, fit_photo, open_photo, photo_crop
from typeset.layout.story import ElementFit, FlowPiece, StoryReport, flow_balanced, flow_story
from typeset.render.prefetch import photo_placed
from typeset.spec.model import BlockSpec, Placement

MASTHEAD_SIZE = 20.0           # pt, between 三号 and 二号 (typesetting-rules §4.3a)
MASTHEAD_FILL = 0.6            # the masthead's type fills 60 % of its band's height: air around it
MASTHEAD_TINT = (0.0, 0.0, 0.0, 0.15)   # K15 panel: light enough for K100 type on newsprint
BRIEF_TITLE_SIZE = 10.5        # 五号 黑体 item titles (§4.8)
SUPPORTED_MODES = ("L", "RGB", "CMYK")   # 8-bit photo modes that convert cleanly for print
LEAD_IN = "本报讯"              # a brief's dateline, set in 黑体 up to the colon
HEADER_RULE = 0.75             # 眉线 under the page header (0.5–1 pt)
CAPTION_ROLE = "kai"
CAPTION_TRIAL_LINES = 200      # a tall trial frame for measuring a caption's natural lines


def _lead_in_runs(text: str) -> list[tuple[str, str]]:
    """`本报讯 记者…报道：正文` → the lead-in up to the colon in 黑体, the rest in body type."""
    if text.startswith(LEAD_IN):
        cut = text.find("：")
        if 0 < cut < 80:
            return [(text[: cut + 1], "hei"), (text[cut + 1:], "body")]
    return [(text, "body")]


def layout_briefs(block: BlockSpec, grid: Grid, composer: Composer, page: D.Page) -> StoryReport:
    content = block.content
    o = block.opts
    report = StoryReport(block.id, "briefs")
    place = block.place
    x, y, width, _ = grid.rect(place)
    masthead = o.masthead if o.masthead is not None else content.meta.get("masthead", "")
    used = 0
    if masthead:
        natural = masthead_lines(grid)
        used = o.masthead_lines if o.masthead_lines is not None else natural
        report.elements.append(ElementFit("masthead", used, natural, "masthead_lines",
                                          o.masthead_lines is not None))
        if used >= place.lines:
            raise block.error("masthead_lines" if o.masthead_lines is not None else "lines",
                              f"the masthead takes {used} lines of the block's {place.lines}, "
                              "leaving no room for the briefs",
                              hint="make the block taller or the masthead smaller")
        _masthead(str(masthead), o.masthead_style, grid, composer, page, block.id, x, y, width,
                  used)
    title_size = opt_size(block, "title_size", BRIEF_TITLE_SIZE)
    pieces: list[FlowPiece] = []
    for n, item in enumerate(content.items):
        if n:
            pieces.append(FlowPiece("rule", [("", "body")]))
        if item.title:
            pieces.append(FlowPiece("title", [(item.title, "hei")],
                                    style=DisplayStyle(title_size, "hei", "center")))
        for part in item.parts:
            if part.kind == "subhead":
                pieces.append(FlowPiece("subhead", [(part.text, "hei")], align="center"))
            else:
                pieces.append(FlowPiece("para", _lead_in_runs(part.text)))
    body = Placement(place.column, place.columns, place.line + used, place.lines - used)
    frames = [f for p in (block.frames or [body]) for f in column_frames(grid, p)]
    flow_balanced(pieces, frames, grid, composer, block.id, report, page, o.balance)
    if o.box:
        _box(grid, place, page, block.id)
    return report


def masthead_lines(grid: Grid) -> int:
    """Natural height of a section masthead: a band its 20 pt type fills to 60 %."""
    return grid.lines_for(MASTHEAD_SIZE / MASTHEAD_FILL)


def _masthead(text: str, style: str, grid: Grid, composer: Composer, page: D.Page, owner: str,
              x: float, y: float, width: float, lines: int) -> None:
    """The section banner (栏目头): a tint or reversed panel, or a title over a heavy rule."""
    band_h = lines * grid.pitch - grid.spec.line_gap
    size = min(MASTHEAD_SIZE, band_h * MASTHEAD_FILL)
    color = D.WHITE if style == "reverse" else D.K100
    if style == "tint":
        page.items.append(D.Rect(x, y, width, band_h, fill=MASTHEAD_TINT, owner=owner))
    elif style == "reverse":
        page.items.append(D.Rect(x, y, width, band_h, fill=D.K100, owner=owner))
    else:
        page.items.append(D.Rule(x, y + band_h - 1, x + width, y + band_h - 1, 2.0, D.K100, owner))
    # letter-spaced title: a full-width space between characters reads as a designed banner
    spaced = "\u3000".join(text) if len(text) <= 6 else text
    style = DisplayStyle(size, "hei", "center", color)
    natural = display_width(composer, spaced, style)
    if natural > width:   # one line, never broken: smaller, down to the headline floor
        size = max(math.ceil(size * HEADLINE_FLOOR * 4) / 4, math.floor(size * width / natural * 4) / 4)
        style = DisplayStyle(size, "hei", "center", color)
    dl = set_display(composer, spaced, style, owner, "masthead")
    baseline = y + (band_h - size) / 2 + BASELINE_RATIO * size
    page.items += dl.runs_for(place_x(x, width, dl.width, "center"), baseline, owner)
    page.lines.append(D.LineInfo(owner, "masthead", text, x, width, round(dl.width, 3),
                                 round(baseline, 3), 0, True))


def _box(grid: Grid, place: Placement, page: D.Page, owner: str, weight: float = 0.5,
         tint: D.CMYK | None = None) -> None:
    bx, by, bw, bh = grid.rect(place)
    half = grid.spec.gutter / 2
    page.items.insert(0, D.Rect(bx - half, by - grid.spec.line_gap, bw + 2 * half,
                                bh + 2 * grid.spec.line_gap, fill=tint,
                                stroke=D.K100 if weight else None, stroke_width=weight,
                                owner=owner))


def photo_ahead(block: BlockSpec, grid: Grid, print_spec) -> D.Image | None:
    """What `layout_photo` will encode for this block, known before any layout: its file, the
    part shown (when the block fixes the photo's height, or shows the photo whole) and the print
    settings; None when the part shown depends on the title and caption layout leaves room for.
    Position and size are not the real ones: only what decides the encoded samples is."""
    o = block.opts
    info = block.photo
    if info is None or info.width <= 0 or info.height <= 0 or info.mode not in SUPPORTED_MODES:
        return None
    _, _, width, _ = grid.rect(block.place)
    if o.fit == "contain":
        crop = (0.0, 0.0, 1.0, 1.0)
    elif o.photo_lines is not None:
        crop = photo_crop(info, width, _photo_height(grid, o.photo_lines), o.fit,
                          tuple(o.focus))
    else:
        return None
    item = D.Image(str(info.path), 0.0, 0.0, width, 1.0, crop=crop)
    _print_settings(item, print_spec)
    return item


def _photo_height(grid: Grid, lines: int) -> float:
    """The photo's box height in pt for `lines` grid lines (one line gap less)."""
    return lines * grid.pitch - grid.spec.line_gap


def _print_settings(item: D.Image, print_spec) -> None:
    """What the print settings decide of a photo's samples: grey or CMYK, ink limit, profile."""
    item.grey = print_spec.colour == "mono"
    item.max_ink, item.icc = print_spec.max_ink, print_spec.icc


def layout_photo(block: BlockSpec, grid: Grid, composer: Composer, page: D.Page) -> StoryReport:
    o = block.opts
    place = block.place
    x, y, width, height = grid.rect(place)
    report = StoryReport(block.id, "photo")
    meta, parts = {}, []
    if block.caption is not None:
        meta, parts = block.caption.meta, block.caption.parts()
    used = 0
    if meta.get("title"):
        size = opt_size(block, "title_size", 18.0 if place.columns >= 3 else 14.0)
        used, natural = headline_block(composer, grid, [(meta["title"], DisplayStyle(size, "hei"))],
                                       x, width, place.line, None, block.id, page)
        report.elements.append(ElementFit("title", used, natural))
    caption_pieces = [FlowPiece("para", [(p.text, CAPTION_ROLE)]) for p in parts]
    if meta.get("credit"):
        caption_pieces.append(FlowPiece("byline", [(meta["credit"], CAPTION_ROLE)], align="right"))
    caption_need = _caption_lines(caption_pieces, x, width, grid, composer, block.id)
    photo_lines = o.photo_lines
    if photo_lines is None:
        photo_lines = place.lines - used - caption_need
        if photo_lines < 2:
            raise block.error("lines", f"the block ({place.lines} lines) leaves no room for the "
                              f"photo under its title ({used} lines) and caption "
                              f"({caption_need} lines)", hint="make the block taller")
    caption_lines = place.lines - used - photo_lines
    if caption_lines < 0:
        raise block.error("photo_lines", f"title ({used}) and photo ({photo_lines}) need more "
                          f"lines than the block has ({place.lines})")
    info = block.photo
    top = grid.line_top(place.line + used)
    item = fit_photo(info, x, top, width, _photo_height(grid, photo_lines), o.fit, tuple(o.focus))
    item.owner = block.id
    _print_settings(item, composer.print_spec)
    item.accepted_low_ppi = o.accept_low_resolution
    if item.ppi < ERROR_PPI and not item.accepted_low_ppi:
        raise block.error("photo", f"{block.source.name} has only {item.ppi:.0f} ppi at its "
                          f"placed size; newsprint needs {ERROR_PPI} at the very least (200+ to "
                          "look right)", hint="use a larger original, place it smaller, or set "
                          "accept_low_resolution: true to print it anyway")
    if info.mode not in SUPPORTED_MODES:
        why = {"P": "a palette (indexed-colour) image", "RGBA": "an image with transparency",
               "LA": "an image with transparency", "PA": "an image with transparency",
               "I;16": "a 16-bit image", "I;16B": "a 16-bit image", "I;16L": "a 16-bit image",
               "I": "a 32-bit integer image", "F": "a floating-point image",
               "1": "a 1-bit bitmap"}.get(info.mode, f"a {info.mode} image")
        raise block.error("photo", f"{block.source.name} is {why}; print needs 8-bit grey, RGB "
                          "or CMYK without transparency",
                          hint="flatten it and save as an 8-bit JPEG (or TIFF) in RGB, CMYK or grey")
    page.items.append(item)
    photo_placed(item)          # a render encodes it now, while the rest is laid out
    report.issues += info.warnings
    natural_photo = grid.lines_for(width * info.height / info.width)
    report.elements.append(ElementFit(
        "photo", photo_lines, natural_photo if o.fit == "contain" else photo_lines, "photo_lines",
        o.photo_lines is not None,
        f"{item.ppi:.0f} ppi" + ("" if o.fit == "contain" else ", cropped to fit")))
    if caption_pieces:
        report.elements.append(ElementFit("caption", caption_lines, caption_need))
    if caption_lines and caption_pieces:
        frame = Frame(x, width, place.line + used + photo_lines, caption_lines)
        flow_story(caption_pieces, Flow([frame], grid.size), grid, composer, block.id, report,
                   page)
    elif caption_pieces:
        # no line left for the caption: all of it (credit too) is counted, never lost
        report.overflow_text = "".join(p.text for p in parts) + meta.get("credit", "")
        report.overflow_chars = count_chars(report.overflow_text)
        report.overflow_lines = max(1, caption_need)
    if o.box:
        _box(grid, place, page, block.id)
    return report


def _caption_lines(pieces: list[FlowPiece], x: float, width: float, grid: Grid,
                   composer: Composer, owner: str) -> int:
    """Grid lines a caption (and credit) needs at the block's width: its natural size."""
    if not pieces:
        return 0
    trial = StoryReport(owner, "photo")
    mark = (len(composer.notices), len(composer.missing))
    flow = Flow([Frame(x, width, 1, CAPTION_TRIAL_LINES)], grid.size)
    flow_story(pieces, flow, grid, composer, owner, trial, None)
    del composer.notices[mark[0]:], composer.missing[mark[1]:]
    return trial.capacity_lines - trial.empty_lines + trial.overflow_lines


def layout_rule(block: BlockSpec, grid: Grid, composer: Composer, page: D.Page) -> None:
    weight = block.opts.weight
    x, y, w, h = grid.rect(block.place)
    if block.opts.orientation == "horizontal":
        ym = y + h / 2
        page.items.append(D.Rule(x, ym, x + w, ym, weight, D.K100, block.id))
    else:
        xm = x - grid.spec.gutter / 2
        page.items.append(D.Rule(xm, y, xm, y + h, weight, D.K100, block.id))
    return None


def layout_box(block: BlockSpec, grid: Grid, composer: Composer, page: D.Page) -> None:
    tint = block.opts.tint
    fill = None if tint is None else (0.0, 0.0, 0.0, float(tint) / 100)
    _box(grid, block.place, page, block.id, block.opts.weight, fill)
    return None


def page_header(spec, grid: Grid, composer: Composer, page: D.Page) -> None:
    """报眉: page number and section left, paper and date right, credits in the middle, a rule
    beneath, all above the type area."""
    h = spec.header
    rule_y = grid.top - 4.0
    baseline = rule_y - 5.0
    left, right = grid.left, grid.left + grid.spec.width
    items = []
    if h.page or h.section:
        num = set_display(composer, h.page, DisplayStyle(16.0, "hei"), "header", "header") if h.page else None
        x = left
        if num:
            items.append((num, x, baseline))
            x += num.width + 9
        if h.section:
            sec = set_display(composer, h.section, DisplayStyle(12.0, "hei"), "header", "header")
            items.append((sec, x, baseline))
    right_text = "　".join(t for t in (h.paper, h.date, h.weekday) if t)
    if right_text:
        rt = set_display(composer, right_text, DisplayStyle(9.0, "hei-light"), "header", "header")
        items.append((rt, right - rt.width, baseline))
    if h.credits:
        credit_text = "　".join(f"{k}：{v}" for k, v in h.credits.items())
        ct = set_display(composer, credit_text, DisplayStyle(7.5, "hei-light"), "header", "header")
        items.append((ct, left + (grid.spec.width - ct.width) / 2, baseline))
    for dl, x, base in items:
        page.items += dl.runs_for(x, base, "header")
        page.lines.append(D.LineInfo("header", "header", dl.text, x, dl.width, round(dl.width, 3),
                                     round(base, 3), 0, True))
    page.items.append(D.Rule(left, rule_y, right, rule_y, HEADER_RULE, D.K100, "header"))


LAYOUTS = {
    "briefs": layout_briefs,
    "photo": layout_photo,
    "rule": layout_rule,
    "box": layout_box,
}
