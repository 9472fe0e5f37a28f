"""The whole seed page, layouts/sample-page.yaml: every element, all text, nothing overflowing."""

from __future__ import annotations

import re

from conftest import ROOT, run_tool
from typeset import checks
from typeset import display as D
from typeset.text.normalize import normalize


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def seed_paragraphs() -> list[str]:
    """The seed page's text (a copy lives in tests/data), column breaks joined back."""
    text = (ROOT / "tests" / "data" / "seed-page-text.txt").read_text(encoding="utf-8")
    paras = [p.strip() for p in text.split("\n") if p.strip()]
    out: list[str] = []
    for p in paras:
        if out and not out[-1].endswith(("。", "！", "？", "”", "）", ")")) and len(out[-1]) > 20:
            out[-1] += p
        else:
            out.append(p)
    return out


def test_renders_with_report_and_no_overflow(rendered):
    res = rendered("sample-page")
    assert res.pdf.exists() and res.report_path.exists()
    assert not res.report["overflow"], res.report["stories"]
    kinds = {s["kind"] for s in res.report["stories"]}
    assert kinds == {"article", "briefs", "photo"}
    assert not res.report["missing_glyphs"]


def test_all_of_the_seed_text_is_on_the_page(rendered):
    text = squash(run_tool("pdftotext", "-raw", str(rendered("sample-page").pdf), "-"))
    missing = []
    for para in seed_paragraphs():
        want = squash(normalize(para)[0])
        if want not in text:
            missing.append(para[:40])
    assert not missing, missing


def test_articles_read_in_order(rendered):
    text = squash(run_tool("pdftotext", "-raw", str(rendered("sample-page").pdf), "-"))
    for name in ("lead-article", "feature-gongshilan", "feature-bangchu", "zhengwu-briefs"):
        body = (ROOT / "content" / f"{name}.md").read_text(encoding="utf-8").split("---", 2)[2]
        pos = 0
        for line in body.splitlines():
            line = line.lstrip("#").strip()
            if not line:
                continue
            found = text.find(squash(normalize(line)[0]), pos)
            assert found >= 0, (name, line[:30])
            pos = found


def test_typography_holds_on_every_body_column(rendered):
    res = rendered("sample-page")
    page, grid = res.layout.page, res.layout.grid
    assert checks.kinsoku_problems(page) == []
    assert checks.flush_problems(page) == []
    assert checks.grid_problems(page, grid) == []
    assert checks.orphan_problems(page) == []


def test_no_text_touches_other_text_or_a_photo(rendered):
    assert checks.overlap_problems(rendered("sample-page").layout.page) == []


def test_page_has_every_element(rendered):
    page = rendered("sample-page").layout.page
    kinds = {ln.kind for ln in page.lines}
    assert {"body", "headline", "subhead", "byline", "title", "masthead", "header"} <= kinds
    assert any(isinstance(it, D.Image) for it in page.items)
    assert any(isinstance(it, D.Rule) and it.owner == "header" for it in page.items)
    header = " ".join(ln.text for ln in page.lines if ln.kind == "header")
    assert "十堰日报" in header and "星期二" in header and "责任编辑" in header
    runs = [it for it in page.items if isinstance(it, D.GlyphRun)]
    jump = [r for r in runs if r.owner == "jump" and "".join(g.text for g in r.glyphs).startswith("（上接1版）")]
    assert jump and jump[0].face != [r for r in runs if r.owner == "jump"][-1].face


def test_pdf_is_valid_and_fonts_embedded(rendered):
    pdf = str(rendered("sample-page").pdf)
    assert "No syntax or stream encoding errors" in run_tool("qpdf", "--check", pdf)
    for row in run_tool("pdffonts", pdf).splitlines()[2:]:
        assert row.split()[-5:-2] == ["yes", "yes", "yes"], row


def test_no_glyph_touches_its_neighbour(rendered):
    res = rendered("sample-page")
    assert checks.glyph_touch_problems(res.layout.page, res.layout.faces) == []
    # the check itself sees a squeezed pair
    page = res.layout.page
    run = next(it for it in page.items if isinstance(it, D.GlyphRun) and it.role == "body"
               and len(it.glyphs) > 3)
    squeezed = D.Page(page.width, page.height, items=[D.GlyphRun(
        run.face, run.size, run.y, [run.glyphs[0], D.Glyph(run.glyphs[0].x + run.size * 0.5,
                                                           run.glyphs[1].gid, run.glyphs[1].text)],
        owner="test")])
    assert checks.glyph_touch_problems(squeezed, res.layout.faces)
