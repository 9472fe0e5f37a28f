"""Copy and search stay true (ActualText where one glyph stands for several texts), vertical
headlines use the fallback chain and the missing-glyph report, and a PDF's identifiers come
from its complete content."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT, copy_project, run_tool
from typeset import display as D
from typeset import pipeline
from typeset.render.pdf import render_pdf
from typeset.render.pdfx import DocumentSettings

# CJK Extension G: in none of the project's fonts (Noto CJK, WenKai, HanaMin A/B)
NO_FONT_A, NO_FONT_B = "\U00030000", "\U00030001"


@pytest.fixture(scope="module")
def vertical_page(tmp_path_factory):
    """An article with a vertical title holding “ and 「 (both drawn as ﹁) and a character no
    font has, and a body holding two different characters no font has (both drawn as 〓)."""
    tmp = tmp_path_factory.mktemp("vertical")
    proj = copy_project(tmp)
    (proj / "content" / "copy.md").write_text(
        "---\ntitle: “十堰”「共建」" + NO_FONT_B + "\n---\n"
        "缺字甲" + NO_FONT_A + "乙" + NO_FONT_B + "丙，正文照常排版。\n", encoding="utf-8")
    spec = proj / "layouts" / "copy.yaml"
    text = (proj / "layouts" / "lead-article.yaml").read_text(encoding="utf-8")
    text = text.replace("../content/lead-article.md", "../content/copy.md")
    text = text.replace("    lines: 43\n", "    lines: 43\n    title_vertical: true\n")
    spec.write_text(text, encoding="utf-8")
    return pipeline.render(spec, tmp / "out")


def pdfium_text(pdf: Path) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        page = doc[0]
        tp = page.get_textpage()
        text = tp.get_text_range()
        tp.close()
        page.close()
        return text
    finally:
        doc.close()


def test_two_missing_characters_copy_back_as_themselves(vertical_page):
    body = [g for it in vertical_page.layout.page.items if isinstance(it, D.GlyphRun)
            for g in it.glyphs if g.text in (NO_FONT_A, NO_FONT_B)]
    assert len({g.gid for g in body}) == 1, "both are drawn with the one 〓 glyph"
    for text in (run_tool("pdftotext", str(vertical_page.pdf), "-"), pdfium_text(vertical_page.pdf)):
        flat = re.sub(r"\s", "", text)
        assert "甲" + NO_FONT_A + "乙" + NO_FONT_B + "丙" in flat, flat[:200]
        assert "〓" not in flat


def test_shared_vertical_forms_copy_back_as_the_original_marks(vertical_page):
    page = vertical_page.layout.page
    texts = {g.text: g.gid for it in page.items if isinstance(it, D.GlyphRun)
             and it.role == "headline" for g in it.glyphs}
    assert texts["“"] == texts["「"], "one vertical form ﹁ for both marks"
    for text in (run_tool("pdftotext", str(vertical_page.pdf), "-"), pdfium_text(vertical_page.pdf)):
        flat = re.sub(r"\s", "", text)
        assert "“十堰”「共建」" + NO_FONT_B in flat, flat[:120]


def test_shared_glyphs_are_marked_and_drawn_from_an_alternate_subset(vertical_page):
    """BMP texts get /ActualText (UTF-16BE with BOM); every other text of a shared glyph is
    drawn from an alternate subset whose ToUnicode says it (pdfium ignores ActualText beyond
    U+FFFF, so astral characters rely on that alone)."""
    with pikepdf.open(vertical_page.pdf) as doc:
        ops = list(pikepdf.parse_content_stream(doc.pages[0]))
        fonts = {str(k): v for k, v in doc.pages[0].Resources.Font.items()}
        cmaps = {k: v.ToUnicode.read_bytes().decode("ascii") for k, v in fonts.items()}
    actual = [bytes(o[1]["/ActualText"]) for o, op in ops if str(op) == "BDC"]
    assert actual and all(a.startswith(b"\xfe\xff") for a in actual)
    decoded = {a[2:].decode("utf-16-be") for a in actual}
    assert decoded & {"“", "「"} and not decoded & {NO_FONT_A, NO_FONT_B}, decoded
    alternates = [k for k in fonts if re.search(r"x\d+$", k)]
    assert alternates, fonts.keys()
    astral = NO_FONT_B.encode("utf-16-be").hex().upper()
    assert any(f"<{astral}>" in cmaps[k] for k in alternates), "the alternate maps 〓 to U+30001"
    for row in run_tool("pdffonts", str(vertical_page.pdf)).splitlines()[2:]:
        assert row.split()[-5:-2] == ["yes", "yes", "yes"], row    # embedded, subset, ToUnicode


def test_vertical_title_reports_the_missing_character(vertical_page):
    missing = vertical_page.report["missing_glyphs"]
    assert any("U+30001" in m and "“十堰”" in m for m in missing), missing
    run = [it for it in vertical_page.layout.page.items if isinstance(it, D.GlyphRun)
           and it.role == "headline" and it.glyphs[0].text == NO_FONT_B]
    assert run and run[0].glyphs[0].gid != 0, "drawn as 〓, not .notdef"


def test_vertical_title_uses_fallback_fonts_and_reports_normalisation(tmp_path):
    proj = copy_project(tmp_path)
    rare = "\U0002EBE0"                       # CJK Ext F: HanaMinB only
    (proj / "content" / "rare.md").write_text(f"---\ntitle: 十堰,{rare}\n---\n正文。\n",
                                              encoding="utf-8")
    spec = proj / "layouts" / "rare.yaml"
    spec.write_text((proj / "layouts" / "lead-article.yaml").read_text(encoding="utf-8")
                    .replace("../content/lead-article.md", "../content/rare.md")
                    .replace("    lines: 43\n", "    lines: 43\n    title_vertical: true\n"),
                    encoding="utf-8")
    res = pipeline.render(spec, tmp_path / "out")
    assert not res.report["missing_glyphs"]
    assert any(rare in k for k in res.report["fallback_glyphs"]), res.report["fallback_glyphs"]
    assert rare in re.sub(r"\s", "", pdfium_text(res.pdf))
    assert res.report["normalised"], "the ASCII comma, normalised, is reported as in body text"


# --- identifiers -----------------------------------------------------------------------------

def trailer_id(pdf: Path) -> tuple[bytes, bytes]:
    with pikepdf.open(pdf) as doc:
        return bytes(doc.trailer.ID[0]), bytes(doc.trailer.ID[1])


def test_moving_one_glyph_by_1pt_changes_the_id(tmp_path):
    _, result = pipeline.build(ROOT / "layouts" / "lead-article.yaml")
    page = result.page
    a = tmp_path / "a.pdf"
    render_pdf([page], result.faces, a)
    run = next(it for it in page.items if isinstance(it, D.GlyphRun) and len(it.glyphs) > 3)
    run.glyphs[2].x += 1.0
    b = tmp_path / "b.pdf"
    render_pdf([page], result.faces, b)
    assert trailer_id(a) != trailer_id(b)
    run.glyphs[2].x -= 1.0
    c = tmp_path / "c.pdf"
    render_pdf([page], result.faces, c)
    assert a.read_bytes() == c.read_bytes(), "same input, same bytes"
    first, second = trailer_id(a)
    assert first == second and len(first) == 16


def test_changing_image_samples_changes_the_id(tmp_path):
    proj = copy_project(tmp_path)
    spec = proj / "layouts" / "sample-page.yaml"
    a = pipeline.render(spec, tmp_path / "a", preflight=False)
    photo = proj / "content" / "photos" / "evening-glow.jpg"
    from PIL import Image

    with Image.open(photo) as im:
        im = im.convert("RGB")
        xy = (im.width // 2, im.height // 2)          # inside the crop the page shows
        im.putpixel(xy, (0, 0, 0) if im.getpixel(xy) != (0, 0, 0) else (255, 255, 255))
        im.save(photo, quality=100)
    b = pipeline.render(spec, tmp_path / "b", preflight=False)
    assert trailer_id(a.pdf) != trailer_id(b.pdf)


def test_x4_metadata_carries_the_xmpmm_identifiers(tmp_path):
    icc = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
    if not icc.exists():
        pytest.fail("Ghostscript's ICC profiles are missing; run scripts/setup.sh")
    proj = copy_project(tmp_path)
    spec = proj / "layouts" / "lead-article.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") +
                    "print:\n  profile: pdf-x4\n  icc: press.icc\n", encoding="utf-8")
    shutil.copy(icc, spec.parent / "press.icc")
    res = pipeline.render(spec, tmp_path / "out")
    with pikepdf.open(res.pdf) as doc:
        xmp = doc.Root.Metadata.read_bytes().decode("utf-8")
        tid = bytes(doc.trailer.ID[0]).hex()
    ids = dict(re.findall(r"<xmpMM:(\w+)>([^<]*)</xmpMM:\1>", xmp))
    assert set(ids) == {"DocumentID", "InstanceID", "VersionID", "RenditionClass"}, ids
    uuid = r"uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    assert re.fullmatch(uuid, ids["DocumentID"]) and re.fullmatch(uuid, ids["InstanceID"])
    assert ids["InstanceID"].replace("-", "")[5:17] == tid[:12]   # both from the content hash
    assert ids["VersionID"] == "1" and ids["RenditionClass"] == "default"
    assert "No syntax or stream encoding errors" in run_tool("qpdf", "--check", str(res.pdf))


def test_document_id_names_the_page_not_its_content():
    from typeset.render.pdfx import document_id

    a = DocumentSettings(title="十堰日报 2024-01-02 第2版", date="2024-01-02", identity="p2")
    b = DocumentSettings(title="十堰日报 2024-01-02 第3版", date="2024-01-02", identity="p3")
    assert document_id(a) == document_id(DocumentSettings(**vars(a)))
    assert document_id(a) != document_id(b)
