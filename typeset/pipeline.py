"""spec file → layout → PDF and report: the whole run for one page spec."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING

from typeset.font.face import forget_faces_ahead, list_faces_ahead
from typeset.layout.page import PageResult, layout_page
from typeset.prepress.profiles import get_profile
from typeset.render.prefetch import photos_ahead
from typeset.report import report_data, write_report
from typeset.spec.load import load_spec

if TYPE_CHECKING:
    from typeset.render.pdfx import DocumentSettings


@dataclass
class RenderResult:
    pdf: Path
    report_path: Path
    report: dict
    layout: PageResult
    size: int
    accepted_images: list[str] = field(default_factory=list)   # digests passed to preflight


@contextmanager
def paused_gc():
    """Python's cycle collector paused for one page. Setting a page allocates a few hundred
    thousand objects that live until the page is done and form almost no garbage cycles, yet
    each full collection walks all of them (≈ 0.05–0.1 s a page); reference counting still frees
    everything else at once. Restored afterwards, so a long-lived process (watch, tests, an
    edition worker) collects as usual between pages."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def build(spec_path: Path, progress=None, memo=None) -> tuple:
    """Load and lay out a spec, then run the page checks (result.problems). `memo`: a
    layout/memo.py LayoutMemo kept by a long-lived process (watch) between renders."""
    with paused_gc():
        try:
            list_faces_ahead()          # fc-list, if the cached face list is stale
            spec = load_spec(spec_path)
            photos_ahead(spec)          # a render encodes its photos while the page is laid out
            return spec, layout_checked(spec, progress, memo)
        except BaseException:
            forget_faces_ahead()
            raise


def layout_checked(spec, progress=None, memo=None) -> PageResult:
    """Lay out a loaded spec and run every product check on the page."""
    from typeset.checks import page_problems

    result = layout_page(spec, progress) if memo is None else layout_page(spec, progress, memo)
    if progress:
        progress("checking the page")
    result.problems = page_problems(spec, result) if memo is None else \
        memo.page_problems(spec, result)
    return result


def document_settings(spec) -> DocumentSettings:
    from typeset.render.pdfx import DocumentSettings   # ReportLab: only where a PDF is written

    h = spec.header
    title = spec.name
    if h and h.paper:
        title = " ".join(t for t in (h.paper, h.date, f"第{h.page}版" if h.page else "",
                                     h.section) if t)
    ps = spec.print
    return DocumentSettings(title=title, author=h.paper if h and h.paper else "typeset",
                            subject=h.section if h else "", date=ps.date,
                            profile=get_profile(ps.profile), condition=ps.output_condition,
                            icc=ps.icc, bleed=ps.bleed, crop_marks=ps.crop_marks,
                            identity=spec.name)


def output_name(spec) -> str:
    h = spec.header
    date = (h.iso_date.replace("-", "") if h and h.iso_date else "")
    return spec.print.file_name.format(spec=spec.name, paper=h.paper if h else "",
                                       code=(h.code or h.paper) if h else spec.name, date=date,
                                       page=h.page if h else "", section=h.section if h else "")


def render(spec_path: Path, out_dir: Path, progress=None, preflight: bool | None = None,
           memo=None) -> RenderResult:
    with paused_gc():
        return _render(spec_path, out_dir, progress, preflight, memo)


def _render(spec_path: Path, out_dir: Path, progress, preflight: bool | None,
            memo=None) -> RenderResult:
    from typeset.render.prefetch import prefetching

    with prefetching():     # photos encoded while the page is laid out (render/prefetch.py)
        return _write(spec_path, out_dir, progress, preflight, memo)


def _write(spec_path: Path, out_dir: Path, progress, preflight: bool | None,
           memo=None) -> RenderResult:
    spec, result = build(spec_path, progress, memo)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = out_dir / output_name(spec)
    if progress:
        progress(f"writing {pdf}")
    from typeset.render.pdf import render_pdf

    placed: list = []
    size = render_pdf([result.page], result.faces, pdf, document_settings(spec), placed)
    # the spec's acceptances, passed explicitly: each accepted photo by the digest of its samples
    accept = sorted({digest for item, digest in placed if item.accepted_low_ppi})
    data = report_data(result, spec.name)
    run_preflight = spec.print.preflight if preflight is None else preflight
    if run_preflight:
        if progress:
            progress(f"preflight {pdf.name}")
        from typeset.prepress.preflight import run_checks   # pikepdf, Ghostscript: only here

        checks = run_checks(pdf, spec.print.profile, max_ink=spec.print.max_ink,
                            accept_low_resolution=accept)
        data["preflight"] = [c.as_dict() for c in checks]
    rp = out_dir / f"{spec.name}.report.json"
    write_report(data, rp)
    return RenderResult(pdf, rp, data, result, size, accept)
