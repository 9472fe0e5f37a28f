"""Unit tests of headline breaking, brief stacking, photo fitting and the page checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from typeset import checks
from typeset import display as D
from typeset.font.roles import DEFAULT_ROLES, FontBook
from typeset.layout.compose import Composer
from typeset.layout.elements import _lead_in_runs
from typeset.layout.headline import DisplayStyle, break_display, phrases
from typeset.layout.photo import PhotoInfo, fit_photo
from typeset.spec.model import TextSpec

COMPOSER = Composer(FontBook(DEFAULT_ROLES), TextSpec())


def test_headline_that_fits_stays_on_one_line_with_a_full_width_space():
    lines = break_display(COMPOSER, "共建美好家园 共享幸福生活", DisplayStyle(36, "song-bold"), 621)
    assert lines == ["共建美好家园 共享幸福生活"]


def test_headline_breaks_at_the_space_when_too_long():
    lines = break_display(COMPOSER, "竹山县33家单位 获评国家级“节约型机关”", DisplayStyle(10.5, "hei"), 117)
    assert lines == ["竹山县33家单位", "获评国家级“节约型机关”"]


def test_headline_without_spaces_breaks_at_phrases_and_balances():
    text = "丹江口库区水质安全保障指挥中心揭牌"
    lines = break_display(COMPOSER, text, DisplayStyle(10.5, "hei"), 117)
    assert "".join(lines) == text and len(lines) == 2
    assert all(any(p.startswith(ln[:1]) for p in phrases(text)) for ln in lines)
    assert abs(len(lines[0]) - len(lines[1])) <= 4


def test_headline_breaks_never_split_words_or_numbers():
    text = "2023年我市创建省级移民美丽家园示范村14个"
    lines = break_display(COMPOSER, text, DisplayStyle(10.5, "hei"), 117)
    joined = "|".join(lines)
    for word in ("美丽", "家园", "14个", "2023年", "示范村"):
        assert word in joined, joined
    assert phrases("去年全市完成营造林61.22万亩")[-1].startswith("61.22万")


def test_slightly_long_title_is_set_smaller_instead_of_broken():
    from typeset.layout.headline import fitting_size

    style = DisplayStyle(10.5, "hei")
    size = fitting_size(COMPOSER, "郧阳区2家企业 获评国家知识产权优势企业", style, 117)
    assert 9.0 < size < 10.5
    assert break_display(COMPOSER, "获评国家知识产权优势企业", DisplayStyle(size, "hei"), 117) == \
        ["获评国家知识产权优势企业"]


def test_lead_in_of_a_brief_is_bold_up_to_the_colon():
    runs = _lead_in_runs("本报讯 记者沈进虎报道：上月29日，记者从市教育局获悉。")
    assert runs == [("本报讯 记者沈进虎报道：", "hei"), ("上月29日，记者从市教育局获悉。", "body")]
    assert _lead_in_runs("普通段落。") == [("普通段落。", "body")]


def test_brief_stack_has_titles_in_order_and_rules_between_items(tmp_path):
    from typeset.pipeline import build

    spec, res = build(ROOT / "layouts" / "sample-page.yaml")
    page = res.page
    titles = [ln.text for ln in page.lines if ln.owner == "zhengwu" and ln.kind == "title"]
    assert titles[0] == "丹江口库区水质安全保障指挥中心揭牌" or titles[0].startswith("丹江口")
    assert "竹山县33家单位" in titles and "获评国家级“节约型机关”" in titles
    rules = [it for it in page.items if isinstance(it, D.Rule) and it.owner == "zhengwu"]
    assert len(rules) == 5                       # six items, five separators
    assert all(0.3 <= r.width for r in rules)
    masthead = [it for it in page.items if isinstance(it, D.Rect) and it.owner == "zhengwu"]
    assert masthead and masthead[0].fill == (0, 0, 0, 0.15)


def info(w=640, h=427):
    return PhotoInfo(Path("photo.jpg"), w, h, "RGB")


def test_cover_fills_the_box_and_crops_to_its_aspect():
    item = fit_photo(info(), 0, 0, 300, 300, "cover", (0.5, 0.5))
    assert (item.w, item.h) == (300, 300)
    l, t, r, b = item.crop
    assert (b - t) == 1.0
    assert (r - l) * 640 == pytest.approx(427, abs=1)
    assert l == pytest.approx((1 - (r - l)) / 2)


def test_cover_focus_moves_the_crop_and_is_clamped():
    left = fit_photo(info(), 0, 0, 300, 300, "cover", (0.0, 0.5)).crop
    right = fit_photo(info(), 0, 0, 300, 300, "cover", (1.0, 0.5)).crop
    assert left[0] == 0.0 and right[2] == pytest.approx(1.0)


def test_contain_shows_the_whole_photo_centred():
    item = fit_photo(info(), 10, 20, 300, 300, "contain", (0.5, 0.5))
    assert item.crop == (0.0, 0.0, 1.0, 1.0)
    assert item.w == 300 and item.h == pytest.approx(300 * 427 / 640)
    assert item.y == pytest.approx(20 + (300 - item.h) / 2)


def test_low_resolution_photo_is_warned_with_its_ppi():
    photo = info()
    fit_photo(photo, 0, 0, 600, 400, "cover", (0.5, 0.5))
    assert photo.warnings and "ppi" in photo.warnings[0]


def test_overlap_check_finds_text_over_a_photo():
    page = D.Page(500, 500)
    page.items.append(D.Image("p.jpg", 0, 0, 100, 100, owner="photo"))
    page.items.append(D.GlyphRun("F", 9, 50, [D.Glyph(10, 1, "字")], owner="story"))
    assert checks.overlap_problems(page)
    page.items[-1].y = 120
    assert checks.overlap_problems(page) == []


def test_vertical_headline_uses_vertical_forms_and_keeps_its_text(tmp_path):
    from conftest import run_tool
    from typeset import pipeline

    (tmp_path / "typeset.toml").write_text("")
    (tmp_path / "story.md").write_text(
        (ROOT / "content" / "feature-gongshilan.md").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "page.yaml").write_text(
        "blocks:\n  - article: story.md\n    title_vertical: true\n    title_size: 24pt\n"
        "    column: 1\n    columns: 4\n    line: 1\n    lines: 22\n", encoding="utf-8")
    res = pipeline.render(tmp_path / "page.yaml", tmp_path / "out", preflight=False)
    page = res.layout.page
    title = [it for it in page.items if isinstance(it, D.GlyphRun) and it.role == "headline"]
    assert "".join(r.glyphs[0].text for r in title) == "指尖上的“公示栏”"
    ys = [r.y for r in title]
    xs = {round(r.glyphs[0].x + r.size / 2) for r in title if r.glyphs[0].text not in "“”"}
    assert ys == sorted(ys) and len(xs) == 1          # one column, top to bottom
    quote = next(r for r in title if r.glyphs[0].text == "“")
    face = res.layout.faces[quote.face]
    assert quote.glyphs[0].gid == face.gid("﹁")        # the vertical form is drawn
    assert checks.overlap_problems(page) == []
    assert not res.report["overflow"]
    assert "指尖上的" in run_tool("pdftotext", "-raw", str(res.pdf), "-").replace("\n", "")


def test_threaded_frames_flow_in_order_around_a_photo(tmp_path):
    """An L-shaped article under a wide headline, its text running around a photo."""
    from typeset import pipeline

    (tmp_path / "typeset.toml").write_text("")
    shutil_copy = __import__("shutil").copy
    shutil_copy(ROOT / "content" / "lead-article.md", tmp_path / "story.md")
    shutil_copy(ROOT / "content" / "photos" / "coffee.png", tmp_path / "coffee.png")
    (tmp_path / "page.yaml").write_text("""
blocks:
  - id: story
    article: story.md
    column: 1
    columns: 5
    line: 1
    lines: 70
    headline_lines: 9
    frames:
      - {column: 1, columns: 5, line: 10, lines: 15}
      - {column: 1, columns: 2, line: 25, lines: 46}
      - {column: 5, columns: 1, line: 25, lines: 46}
  - id: photo
    photo: coffee.png
    accept_low_resolution: true
    column: 3
    columns: 2
    line: 26
    lines: 18
""", encoding="utf-8")
    res = pipeline.render(tmp_path / "page.yaml", tmp_path / "out", preflight=False)
    page = res.layout.page
    body = [ln for ln in page.lines if ln.owner == "story" and ln.kind == "body"]
    grid = res.layout.grid
    # reading order: the five wide-top columns, then columns 1-2 below, then column 5
    cols = [round((ln.x - grid.left) / (grid.spec.column_width + grid.spec.gutter)) + 1 for ln in body]
    order = []
    for c, ln in zip(cols, body):
        key = (c, ln.grid_line >= 25)
        if not order or order[-1] != key:
            order.append(key)
    assert order == [(1, False), (2, False), (3, False), (4, False), (5, False),
                     (1, True), (2, True), (5, True)]
    assert not any(3 <= c <= 4 and ln.grid_line >= 25 for c, ln in zip(cols, body))
    assert checks.overlap_problems(page) == []
    assert not res.report["overflow"]


def test_frames_outside_the_block_and_overlaps_with_frames_are_errors(tmp_path, capsys):
    from typeset.cli import main

    (tmp_path / "typeset.toml").write_text("")
    (tmp_path / "s.md").write_text("---\ntitle: 标题\n---\n正文。\n", encoding="utf-8")
    base = ("blocks:\n  - id: a\n    article: s.md\n    column: 1\n    columns: 3\n    line: 1\n"
            "    lines: 30\n    frames:\n      - {column: 1, columns: 3, line: 5, lines: 10}\n")
    (tmp_path / "out.yaml").write_text(
        base + "      - {column: 4, columns: 1, line: 5, lines: 10}\n", encoding="utf-8")
    assert main(["check", str(tmp_path / "out.yaml")]) == 2
    assert "lies outside its block" in capsys.readouterr().err
    (tmp_path / "hole.yaml").write_text(
        base + "  - {id: r, type: box, column: 2, columns: 1, line: 20, lines: 5}\n"
        "  - id: b\n    article: s.md\n    column: 2\n    columns: 1\n    line: 10\n    lines: 5\n",
        encoding="utf-8")
    assert main(["check", str(tmp_path / "hole.yaml")]) == 2
    err = capsys.readouterr().err
    assert "'a'" in err and "'b'" in err and "overlap" in err
