"""Page problems are product checks: each check sees its defect planted (in the copy, or in the
display list of a good page), the fit report lists it with block, grid position and a fix, the
story's status is no longer "ok", and --strict exits 1."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from typeset import checks
from typeset import display as D
from typeset.cli import main
from typeset.pipeline import build, render
from typeset.report import format_table, report_data

SPEC = """\
blocks:
  - id: a
    article: a.md
    column: 1
    columns: {columns}
    line: 1
    lines: 30
  - id: b
    article: b.md
    column: {next}
    columns: 1
    line: 1
    lines: 30
"""
GOOD = "---\ntitle: 共建美好家园\n---\n" + "这是一段正文，内容不长，但是要多写几句，让它在栏里占几行。" * 3 + "\n"


def _project(tmp_path: Path, a: str = GOOD, b: str = GOOD, columns: int = 1) -> Path:
    (tmp_path / "typeset.toml").write_text("")
    (tmp_path / "a.md").write_text(a, encoding="utf-8")
    (tmp_path / "b.md").write_text(b, encoding="utf-8")
    spec = tmp_path / "page.yaml"
    spec.write_text(SPEC.format(columns=columns, next=columns + 1), encoding="utf-8")
    return spec


def _rows(spec: Path, check: str | None = None) -> list[dict]:
    _, result = build(spec)
    rows = report_data(result, spec.stem)["problems"]
    return [r for r in rows if check is None or r["check"] == check]


def test_a_good_page_has_no_problems_and_passes_strict(tmp_path):
    spec = _project(tmp_path)
    assert _rows(spec) == []
    assert main(["check", str(spec), "--strict", "-q"]) == 0


OVERFULL_EM = 11.8   # the case: a line 11.8 em too wide


def _plant_overfull(monkeypatch):
    """The engine no longer sets a line wider than its measure (long words hyphenate or break
    at the edge), so the defect is planted in the layout: the first body line of block a is
    widened by 11.8 em, its glyphs spread out over the gutter and the next column."""
    from typeset import pipeline

    real = pipeline.layout_page

    def widened(spec, progress=None):
        result = real(spec, progress)
        ln = next(ln for ln in result.page.lines if ln.owner == "a" and ln.kind == "body")
        extra = OVERFULL_EM * result.grid.size
        ln.width += extra
        for it in result.page.items:
            if isinstance(it, D.GlyphRun) and it.owner == "a" and abs(it.y - ln.baseline) < 0.01:
                n = max(len(it.glyphs) - 1, 1)
                for k, g in enumerate(it.glyphs):
                    g.x += extra * k / n
        return result

    monkeypatch.setattr(pipeline, "layout_page", widened)


def test_overfull_line_is_a_problem_row_and_fails_strict(tmp_path, capsys, monkeypatch):
    _plant_overfull(monkeypatch)
    spec = _project(tmp_path)
    rows = _rows(spec, "overfull")
    assert len(rows) == 1, rows
    assert rows[0]["block"] == "a"
    assert rows[0]["where"].startswith("column 1, line ")
    assert rows[0]["spec_line"] == 2          # the block's line in page.yaml, apart from `where`
    assert "em" in rows[0]["detail"] and rows[0]["fix"]
    assert main(["check", str(spec), "--strict"]) == 1
    err = capsys.readouterr().err
    assert "overfull" in err and "not ready to print" in err
    # the story's status says so, in the table and in the JSON report
    out = tmp_path / "out"
    res = render(spec, out, preflight=False)
    data = json.loads(res.report_path.read_text(encoding="utf-8"))
    assert {s["id"]: s["status"] for s in data["stories"]}["a"] == "problem"
    assert data["ok"] is False and data["problems"][0]["check"] == "overfull"
    assert "overfull" in format_table(data)


def test_headline_too_long_is_set_smaller_and_stays_inside_its_column(tmp_path):
    # the case: at 14 pt this title is 145 pt wide in a 117 pt column
    spec = _project(tmp_path, a="---\ntitle: Internationalization\n---\n正文一段。正文一段。\n")
    _, result = build(spec)
    data = report_data(result, "page")
    assert data["problems"] == []
    assert any("set at" in a and "instead of 14 pt" in a for a in data["adjusted"])
    res = render(spec, tmp_path / "out", preflight=False)
    col_right = result.grid.column_x(1) + result.grid.spec.column_width
    pdf = pdfium.PdfDocument(str(res.pdf))     # judged from the PDF: boxes of the title's glyphs
    try:
        tp = pdf[0].get_textpage()
        text = tp.get_text_range()
        start = text.index("Internationalization")
        boxes = [tp.get_charbox(i) for i in range(start, start + len("Internationalization"))]
    finally:
        pdf.close()
    assert max(b[2] for b in boxes) <= col_right + 0.5
    assert min(b[0] for b in boxes) >= result.grid.column_x(1) - 0.5


def test_headline_too_long_even_at_the_floor_is_reported(tmp_path):
    spec = _project(tmp_path, a="---\ntitle: Internationalization2024ABCDEFGHIJ\n---\n正文。\n")
    rows = _rows(spec, "headline")
    assert [r["block"] for r in rows] == ["a"]
    assert "smallest size allowed" in rows[0]["detail"]
    assert main(["check", str(spec), "--strict", "-q"]) == 1


def _good(tmp_path):
    spec = _project(tmp_path)
    s, result = build(spec)
    assert checks.page_problems(s, result) == []
    return s, result


def _runs(result, owner):
    return [it for it in result.page.items if isinstance(it, D.GlyphRun) and it.owner == owner]


def test_planted_text_outside_its_block_is_caught(tmp_path):
    s, result = _good(tmp_path)
    run = _runs(result, "a")[3]
    for g in run.glyphs:
        g.x -= 30                       # pushed into the left margin
    rows = [p for p in checks.page_problems(s, result) if p.check == "outside"]
    assert rows and rows[0].block == "a" and "left edge" in rows[0].detail


def test_planted_overlap_is_caught(tmp_path):
    s, result = _good(tmp_path)
    ghost = copy.deepcopy(_runs(result, "b")[2])
    dx = result.grid.column_x(1) - result.grid.column_x(2)
    for g in ghost.glyphs:
        g.x += dx + 3                   # b's line drawn again over a's column, a little off
    result.page.items.append(ghost)
    rows = [p for p in checks.page_problems(s, result) if p.check == "overlap"]
    assert rows and {"(a)", "(b)"} <= set(rows[0].detail.split()[-4:] + rows[0].detail.split())


def test_planted_touching_glyphs_are_caught(tmp_path):
    s, result = _good(tmp_path)
    run = next(r for r in _runs(result, "a") if len(r.glyphs) > 5 and r.role == "body")
    run.glyphs[3].x -= run.size * 0.6   # one character pushed into its neighbour
    rows = [p for p in checks.page_problems(s, result) if p.check == "touch"]
    assert rows and rows[0].block == "a"


def test_planted_dropped_paragraph_is_caught(tmp_path):
    s, result = _good(tmp_path)
    page = result.page
    body = [ln for ln in page.lines if ln.owner == "b" and ln.kind == "body"]
    gone = {round(ln.baseline, 1) for ln in body}
    page.lines[:] = [ln for ln in page.lines if not (ln.owner == "b" and ln.kind == "body")]
    page.items[:] = [it for it in page.items if not (isinstance(it, D.GlyphRun)
                                                      and it.owner == "b"
                                                      and round(it.y, 1) in gone)]
    rows = [p for p in checks.page_problems(s, result) if p.check == "dropped"]
    assert [r.block for r in rows] == ["b"] and "line 4" in rows[0].detail


def test_planted_overfull_in_display_list_is_caught(tmp_path):
    s, result = _good(tmp_path)
    ln = next(ln for ln in result.page.lines if ln.owner == "a" and ln.kind == "body")
    ln.width = ln.measure + 20
    rows = [p for p in checks.page_problems(s, result) if p.check == "overfull"]
    assert rows and rows[0].where.startswith("column 1, line ")


@pytest.mark.parametrize("name", ["lead-article", "sample-page"])
def test_sample_pages_have_no_problems(rendered, name):
    assert rendered(name).report["problems"] == []
    assert rendered(name).report["ok"] is True


def test_caption_without_room_is_counted_never_lost(tmp_path):
    from conftest import ROOT

    (tmp_path / "typeset.toml").write_text("")
    (tmp_path / "p.jpg").write_bytes((ROOT / "tests/bad-input/_shared/photo.jpg").read_bytes())
    (tmp_path / "c.md").write_text("---\ncredit: 记者乙 摄\n---\n图片说明文字。\n", encoding="utf-8")
    spec = tmp_path / "page.yaml"
    spec.write_text("blocks:\n  - id: p\n    photo: p.jpg\n    caption: c.md\n"
                    "    accept_low_resolution: true\n    photo_lines: 10\n"
                    "    column: 1\n    columns: 1\n    line: 1\n    lines: 10\n", encoding="utf-8")
    _, result = build(spec)
    data = report_data(result, "page")
    story = data["stories"][0]
    assert story["status"] == "overflow" and "记者乙" in story["overflow_text"]
    assert not [p for p in data["problems"] if p["check"] == "dropped"]


def test_planted_missing_photo_is_caught(rendered):
    import dataclasses

    res = rendered("sample-page")
    from typeset.spec.load import load_spec

    from conftest import LAYOUTS

    spec = load_spec(LAYOUTS / "sample-page.yaml")
    page = dataclasses.replace(res.layout.page, items=[
        it for it in res.layout.page.items if not isinstance(it, D.Image)])
    result = dataclasses.replace(res.layout, page=page)
    rows = [p for p in checks.page_problems(spec, result) if p.check == "dropped"]
    assert [(r.block, r.detail) for r in rows] == [("concert", "the photo is not on the page")]


def test_planted_ragged_line_is_caught(tmp_path):
    s, result = _good(tmp_path)
    ln = next(ln for ln in result.page.lines if ln.owner == "b" and ln.kind == "body"
              and not ln.last)
    ln.width = ln.measure - 6          # a justified line that stops short of the column edge
    rows = [p for p in checks.page_problems(s, result) if p.check == "flush"]
    assert [r.block for r in rows] == ["b"] and rows[0].where.startswith("column 2, line ")


def _forget_glyph_boxes():
    """A new process, as far as the checks' glyph boxes go."""
    for known in (checks._INK, checks._CBOX, checks._ROUGH, checks._BOXES_LOADED):
        known.clear()
    checks._BOXES_NEW.clear()


@pytest.mark.parametrize("damage", [None, b"{\"format\": 1, \"key\": [", b"[]"])
def test_glyph_boxes_from_the_disk_cache_give_the_same_problems(tmp_path, monkeypatch, damage):
    """The checks' glyph boxes (HarfBuzz control boxes, exact ink) are kept on disk per face: a
    later run reads them instead of measuring, and finds the same problems; a damaged entry is
    measured again and rewritten."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    s, result = _good(tmp_path)
    run = _runs(result, "a")[3]
    for g in run.glyphs:
        g.x -= 30                                   # outside
    ghost = copy.deepcopy(_runs(result, "b")[2])
    for g in ghost.glyphs:
        g.x += result.grid.column_x(1) - result.grid.column_x(2) + 3
    result.page.items.append(ghost)                 # overlap
    run = next(r for r in _runs(result, "a")[5:] if len(r.glyphs) > 5 and r.role == "body")
    run.glyphs[3].x -= run.size * 0.6               # touch
    _forget_glyph_boxes()
    first = [p.as_dict() for p in checks.page_problems(s, result)]
    assert {"outside", "overlap", "touch"} <= {p["check"] for p in first}
    entries = sorted((tmp_path / "xdg" / "typeset" / "ink-boxes").glob("*.json"))
    assert entries
    if damage is not None:
        for e in entries:
            e.write_bytes(damage)
    measured = []
    save = checks.save_glyph_boxes
    monkeypatch.setattr(checks, "save_glyph_boxes",
                        lambda faces: measured.append(set(checks._BOXES_NEW)) or save(faces))
    _forget_glyph_boxes()
    assert [p.as_dict() for p in checks.page_problems(s, result)] == first
    assert (measured == [set()]) == (damage is None)     # read, not measured, unless damaged
    _forget_glyph_boxes()
    measured.clear()
    assert [p.as_dict() for p in checks.page_problems(s, result)] == first
    assert measured == [set()]                            # a damaged entry was rewritten whole
    _forget_glyph_boxes()
