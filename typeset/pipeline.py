"""spec file → layout → PDF and report: the whole run for one page spec."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from typeset.layout.page import PageResult, layout_page
from typeset.render.pdf import render_pdf
from typeset.report import report_data, write_report
from typeset.spec.load import load_spec


@dataclass
class RenderResult:
    pdf: Path
    report_path: Path
    report: dict
    layout: PageResult
    size: int


def build(spec_path: Path, progress=None) -> tuple:
    spec = load_spec(spec_path)
    return spec, layout_page(spec, progress)


def render(spec_path: Path, out_dir: Path, progress=None) -> RenderResult:
    spec, result = build(spec_path, progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = out_dir / f"{spec.name}.pdf"
    if progress:
        progress(f"writing {pdf}")
    size = render_pdf([result.page], result.faces, pdf, title=result.page.title)
    data = report_data(result, spec.name)
    rp = out_dir / f"{spec.name}.report.json"
    write_report(data, rp)
    return RenderResult(pdf, rp, data, result, size)
