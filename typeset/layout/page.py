"""A whole page: every block of the spec laid out into one display list."""

from __future__ import annotations

from dataclasses import dataclass, field

from typeset import display as D
from typeset.font.roles import FontBook, load_roles
from typeset.layout.article import layout_article
from typeset.layout.compose import Composer
from typeset.layout.grid import Grid
from typeset.layout.story import StoryReport
from typeset.spec.model import Spec


@dataclass
class PageResult:
    page: D.Page
    reports: list[StoryReport]
    composer: Composer
    grid: Grid
    faces: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)   # checks.Problem rows, filled by the pipeline
    memo: object = None     # the LayoutMemo it was laid out with (watch), else None


LAYOUTS = {"article": layout_article}


def layout_page(spec: Spec, progress=None, memo=None) -> PageResult:
    """Lay out every block. With a LayoutMemo (layout/memo.py: a long-lived process such as
    watch), blocks whose inputs did not change are replayed, and paragraphs composed earlier
    are not composed again."""
    roles, source = spec.roles if spec.roles is not None else load_roles(spec.fonts)
    book = FontBook(roles, source)
    if memo is not None:
        composer = memo.composer(book, spec)
    else:
        composer = Composer(book, spec.text, print_spec=spec.print)
    grid = Grid.on_page(spec.grid, spec.page)
    title = spec.header.paper if spec.header and spec.header.paper else spec.name
    page = D.Page(spec.page.width, spec.page.height, title=title)
    reports: list[StoryReport] = []
    from typeset.layout import elements  # registers the other block kinds

    for n, block in enumerate(spec.blocks):
        if progress:
            progress(f"layout {block.id} ({n + 1}/{len(spec.blocks)})")
        fn = LAYOUTS.get(block.kind) or elements.LAYOUTS[block.kind]
        if memo is None:
            report = fn(block, grid, composer, page)
        else:
            report = memo.lay_out(memo.key(spec, block), lambda pg, fn=fn, block=block:
                                  fn(block, grid, composer, pg), composer, page, block)
        if report is not None:
            reports.append(report)
    if spec.header is not None:
        if memo is None:
            elements.page_header(spec, grid, composer, page)
        else:
            memo.lay_out(memo.key(spec, "page header"),
                         lambda pg: elements.page_header(spec, grid, composer, pg), composer, page)
    if memo is not None:
        memo.finish()
    return PageResult(page, reports, composer, grid, dict(composer.fonts_used), memo=memo)
