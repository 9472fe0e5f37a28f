"""render/pdf.py writes each page's operators with the resources they name: K-only text is
overprinted through ExtGState operators (`gs`) that ReportLab names per page, and the writer
repeats a recorded sequence of those operators (render/pdf.py _paint) only within the page
whose graphics state it was recorded in."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf

from typeset import display as D
from typeset.pipeline import build
from typeset.render.pdf import render_pdf

ROOT = Path(__file__).resolve().parents[1]


def test_every_page_defines_the_overprint_states_its_text_uses(tmp_path):
    _, result = build(ROOT / "layouts" / "sample-page.yaml")
    page = result.page
    assert any(isinstance(i, D.GlyphRun) and i.color == (0, 0, 0, 1) for i in page.items)
    # the second page holds text only: nothing but its runs defines its states
    text_only = D.Page(page.width, page.height,
                       [i for i in page.items if isinstance(i, D.GlyphRun)])
    out = tmp_path / "two.pdf"
    render_pdf([page, text_only], result.faces, out)
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 2
        for page_obj in pdf.pages:
            content = page_obj.Contents.read_bytes().decode("latin-1")
            used = set(re.findall(r"/(\w+) gs", content))
            assert used, "no overprinted text"
            states = page_obj.Resources.get("/ExtGState", {})
            for name in used:
                assert f"/{name}" in states, f"{name} used but not defined on this page"
            # each K-only run is drawn with overprint on: OP, op and OPM 1 set by its states
            entries = {k: v for name in used for k, v in states[f"/{name}"].items()}
            assert entries.get("/OP") is True and entries.get("/op") is True
            assert int(entries.get("/OPM")) == 1


def _photo_page(tmp_path):
    from typeset.pipeline import build

    _, result = build(ROOT / "layouts" / "sample-page.yaml")
    photo = next(i for i in result.page.items if isinstance(i, D.Image))
    return result, photo


def _image_widths(path) -> list[int]:
    with pikepdf.open(path) as pdf:
        return [int(x.Width) for x in pdf.pages[0].images.values()]


def test_a_photo_changed_after_it_was_placed_is_encoded_again(tmp_path, monkeypatch):
    """A photo is encoded from the moment layout places it (render/prefetch.py); should its
    settings change before the PDF is written, the early job is not used."""
    from typeset.render.prefetch import photo_placed, prefetching

    monkeypatch.setenv("TYPESET_CACHE", "off")
    result, photo = _photo_page(tmp_path)
    render_pdf([result.page], result.faces, tmp_path / "plain.pdf")
    with prefetching():
        photo_placed(photo)
        left, top, right, bottom = photo.crop
        photo.crop = (left, top, left + (right - left) / 2, bottom)     # half as wide
        render_pdf([result.page], result.faces, tmp_path / "half.pdf")
    full, = _image_widths(tmp_path / "plain.pdf")
    half, = _image_widths(tmp_path / "half.pdf")
    assert abs(half - full / 2) <= 1


def test_a_render_encodes_its_photo_once(tmp_path, monkeypatch):
    """The job started during layout is the one the writer uses: the samples are made once."""
    from typeset import pipeline
    from typeset.render import images

    monkeypatch.setenv("TYPESET_CACHE", "off")
    calls = []
    real = images._samples
    monkeypatch.setattr(images, "_samples", lambda item: calls.append(item) or real(item))
    pipeline.render(ROOT / "layouts" / "sample-page.yaml", tmp_path / "out", preflight=False)
    assert len(calls) == 1
