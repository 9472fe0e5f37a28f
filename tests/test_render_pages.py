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


def test_a_photo_the_spec_decides_is_encoded_before_layout_and_once(tmp_path, monkeypatch):
    """The sample page's photo block fixes its height (photo_lines), so what decides its
    samples is known from the spec: its encoding starts before the first block is laid out, and
    the placed photo takes that job (the samples are made once)."""
    from typeset import pipeline
    from typeset.render import images, prefetch

    monkeypatch.setenv("TYPESET_CACHE", "off")
    calls, ahead = [], []
    real = images._samples
    monkeypatch.setattr(images, "_samples", lambda item: calls.append(item) or real(item))
    layout = pipeline.layout_checked
    monkeypatch.setattr(pipeline, "layout_checked", lambda *a, **k: (
        ahead.append(len(prefetch._state["ahead"])), layout(*a, **k))[1])
    pipeline.render(ROOT / "layouts" / "sample-page.yaml", tmp_path / "out", preflight=False)
    assert ahead == [1] and len(calls) == 1


def test_a_photo_started_ahead_for_other_samples_is_not_used(tmp_path, monkeypatch):
    """Should the guess made before layout differ from the photo layout places (here a crop
    half as wide), the placed photo is encoded on its own and the page is the same."""
    from typeset import pipeline
    from typeset.layout import elements
    from typeset.render import images

    monkeypatch.setenv("TYPESET_CACHE", "off")
    spec = ROOT / "layouts" / "sample-page.yaml"
    pipeline.render(spec, tmp_path / "plain", preflight=False)
    guess = elements.photo_ahead

    def wrong(block, grid, print_spec):
        item = guess(block, grid, print_spec)
        left, top, right, bottom = item.crop
        item.crop = (left, top, left + (right - left) / 2, bottom)
        return item

    calls = []
    real = images._samples
    monkeypatch.setattr(images, "_samples", lambda item: calls.append(item.crop) or real(item))
    monkeypatch.setattr(elements, "photo_ahead", wrong)
    pipeline.render(spec, tmp_path / "guessed", preflight=False)
    assert len(calls) == 2 and calls[0] != calls[1]
    assert ((tmp_path / "guessed" / "sample-page.pdf").read_bytes()
            == (tmp_path / "plain" / "sample-page.pdf").read_bytes())


_RENAME = """
import hashlib, random, sys
mode, faces = sys.argv[1], sys.argv[2:]
if mode == "real":
    import fontTools.ttLib.tables.otTables
import uharfbuzz as hb
from typeset.render.cidfont import rename_cff, subset_font

def every_table(path, index, gids):
    # the CFF table of HarfBuzz's subset with every table of the face subset along
    inp = hb.SubsetInput()
    for gid in [0, *gids]:
        inp.glyph_set.add(gid)
    inp.flags = (hb.SubsetFlags.NO_LAYOUT_CLOSURE | hb.SubsetFlags.NOTDEF_OUTLINE
                 | hb.SubsetFlags.DESUBROUTINIZE)
    sub = hb.subset(hb.Face(hb.Blob.from_file_path(path), index), inp)
    return bytes(sub.reference_table("CFF ").data)

for face in faces:
    path, index, glyphs = face.split("|")
    rnd = random.Random(13)
    for size in (1, 2, 7, 40, 300, 1500):
        gids = rnd.sample(range(1, int(glyphs)), size)
        data = subset_font(path, int(index), gids, True)
        assert data == every_table(path, int(index), gids), (path, size)
        data = rename_cff(data, "ABCDEF+Name" * (size % 3))
        print(path, index, size, hashlib.sha256(data).hexdigest())
print("otTables", type(sys.modules.get("fontTools.ttLib.tables.otTables")).__name__)
import fontTools.cffLib
print("VarStore", fontTools.cffLib.ot.VarStore.__module__)
"""


def test_renamed_cff_subsets_are_fonttools_own_without_its_opentype_tables():
    """Over glyph sets of many sizes of every CFF face the project uses: HarfBuzz's CFF
    subset made without the face's other tables is the one made with them, and
    cidfont._cff_lib imports fontTools.cffLib without its OpenType table classes yet renames
    to the bytes fontTools writes with them imported; a later use of those classes (a CFF2
    variation store) still finds the real ones."""
    import subprocess
    import sys

    from typeset.font.face import find_face

    faces = []
    for family in ("Noto Serif CJK SC", "Noto Sans CJK SC"):
        for weight in ("regular", "bold"):
            ref = find_face(family, weight)
            assert ref is not None, (family, weight)
            faces.append(f"{ref.path}|{ref.index}|65535")

    def run(mode):
        proc = subprocess.run([sys.executable, "-c", _RENAME, mode, *faces],
                              capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout.splitlines()

    lazy, real = run("lazy"), run("real")
    assert len(lazy) == 4 * 6 + 2 and lazy[:-2] == real[:-2]
    assert lazy[-2] == "otTables NoneType"          # never built by the rename
    assert real[-2] == "otTables module"
    assert lazy[-1] == real[-1] == "VarStore fontTools.ttLib.tables.otTables"
