"""The foundation sample, layouts/lead-article.yaml, checked end to end with real PDF clients."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, run_tool
from typeset import display as D
from typeset.text import classes as C

FLUSH_TOLERANCE = 0.5  # pt, issue 2


def body_lines(page: D.Page, owner: str | None = None):
    return [ln for ln in page.lines if ln.kind == "body" and (owner is None or ln.owner == owner)]


def article_paragraphs(path) -> list[str]:
    text = path.read_text(encoding="utf-8").split("---", 2)[2]
    return [ln.strip().lstrip("# ").strip() for ln in text.splitlines() if ln.strip()]


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def test_renders_with_nothing_overflowing(rendered):
    res = rendered("lead-article")
    assert res.pdf.exists() and res.report_path.exists()
    story = res.report["stories"][0]
    assert story["overflow_chars"] == 0 and story["overflow_lines"] == 0
    assert not res.report["missing_glyphs"]


def test_pdffonts_one_embedded_subset_per_face(rendered):
    out = run_tool("pdffonts", str(rendered("lead-article").pdf))
    rows = out.splitlines()[2:]
    assert rows, out
    names = []
    for row in rows:
        assert "Helvetica" not in row
        cols = row.split()
        emb, sub, uni = cols[-5], cols[-4], cols[-3]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert re.match(r"^[A-Z]{6}\+", cols[0]), row
        names.append(cols[0].split("+", 1)[1])
    assert len(names) == len(set(names)), "a face was split into several fonts"
    assert any("NotoSerifCJKsc-Regular" in n for n in names)


def test_pdftotext_gives_back_the_article(rendered):
    res = rendered("lead-article")
    text = squash(run_tool("pdftotext", "-raw", str(res.pdf), "-"))
    pos = 0
    for para in article_paragraphs(ROOT / "content" / "lead-article.md"):
        found = text.find(squash(para), pos)
        assert found >= 0, para[:30]
        pos = found


def test_qpdf_check_is_clean(rendered):
    out = run_tool("qpdf", "--check", str(rendered("lead-article").pdf))
    assert "No syntax or stream encoding errors" in out


def test_no_line_starts_or_ends_with_a_prohibited_mark(rendered):
    page = rendered("lead-article").layout.page
    lines = body_lines(page)
    assert len(lines) > 100
    for ln in lines:
        assert not C.no_line_start(C.char_class(ln.text[0]), "gb"), ln.text
        assert not C.no_line_end(C.char_class(ln.text[-1]), "gb"), ln.text


def test_every_non_final_line_is_flush_with_both_edges(rendered):
    res = rendered("lead-article")
    page = res.layout.page
    for ln in body_lines(page):
        if not ln.last:
            assert abs(ln.width - ln.measure) <= FLUSH_TOLERANCE, ln.text
        else:
            assert ln.width <= ln.measure + FLUSH_TOLERANCE
    # and the glyphs really start at the column's left edge
    runs = [it for it in page.items if isinstance(it, D.GlyphRun) and it.role == "body"]
    lefts = {round(ln.x, 2) for ln in body_lines(page)}
    for run in runs:
        first = run.glyphs[0]
        assert any(first.x >= left - 0.01 for left in lefts)


def test_all_body_baselines_sit_on_the_grid(rendered):
    res = rendered("lead-article")
    grid = res.layout.grid
    for ln in body_lines(res.layout.page):
        assert ln.baseline == pytest.approx(grid.baseline(ln.grid_line), abs=1e-6)
        steps = (ln.baseline - grid.baseline(1)) / grid.pitch
        assert steps == pytest.approx(round(steps), abs=1e-6)
    runs = [it for it in res.layout.page.items if isinstance(it, D.GlyphRun) and it.role == "body"]
    grid_ys = {round(grid.baseline(n), 3) for n in range(1, grid.spec.lines + 1)}
    assert all(round(r.y, 3) in grid_ys for r in runs)


def test_no_paragraph_ends_with_a_lone_character(rendered):
    for ln in body_lines(rendered("lead-article").layout.page):
        if ln.last:
            core = [c for c in ln.text if C.char_class(c) not in
                    (C.STOP, C.PAUSE, C.CLOSE, C.OPEN)]
            assert len(core) >= 2, ln.text


def test_body_text_is_pure_black(rendered):
    page = rendered("lead-article").layout.page
    for run in page.items:
        if isinstance(run, D.GlyphRun) and run.role == "body":
            assert run.color == (0, 0, 0, 1)


def test_two_renders_give_identical_bytes(tmp_path):
    from typeset import pipeline

    a = pipeline.render(ROOT / "layouts" / "lead-article.yaml", tmp_path / "a")
    b = pipeline.render(ROOT / "layouts" / "lead-article.yaml", tmp_path / "b")
    assert a.pdf.read_bytes() == b.pdf.read_bytes()

