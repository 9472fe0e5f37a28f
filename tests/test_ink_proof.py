"""Total ink proved from the content instead of a Ghostscript render: on every page here the
proof and the render give the same verdict, the proof is used only where it holds (grey and
CMYK colour, images whose samples are read, overprint only where the paints' boxes keep apart),
and over-limit ink (rich black, a CMYK image, overprint adding plates, registration colour just
inside the trim) still FAILs."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pikepdf
import pytest

from typeset import pipeline
from typeset.prepress import preflight, spaces as S
from typeset.prepress.walk import PageInk, sample_ink

PROVED = "from the content"


def ink_both_ways(pdf: Path, monkeypatch) -> tuple[preflight.Check, preflight.Check, bool]:
    """The total-ink row as preflight gives it, the row from the Ghostscript render, and
    whether the first needed Ghostscript at all."""
    calls = []
    real = preflight.total_ink

    def counting(*args, **kw):
        calls.append(args)
        return real(*args, **kw)

    with monkeypatch.context() as m:
        m.setattr(preflight, "total_ink", counting)
        auto = {c.name: c for c in preflight.run_checks(pdf)}["total ink"]
    rendered = {c.name: c for c in preflight.run_checks(pdf, render_ink=True)}["total ink"]
    assert PROVED not in rendered.figure
    return auto, rendered, bool(calls)


def variant(tmp_path: Path, print_block: str, name: str) -> Path:
    from conftest import copy_project

    proj = copy_project(tmp_path)
    text = (proj / "layouts" / "sample-page.yaml").read_text(encoding="utf-8")
    path = proj / "layouts" / f"{name}.yaml"
    path.write_text(re.sub(r"print:\n(  .*\n)+", print_block, text), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The seed pages and two print variants, rendered once: name → PDF."""
    tmp = tmp_path_factory.mktemp("ink")
    out = {}
    for name in ("sample-page", "lead-article"):
        spec = Path(__file__).resolve().parents[1] / "layouts" / f"{name}.yaml"
        out[name] = pipeline.render(spec, tmp / "out", preflight=False).pdf
    out["bleed"] = pipeline.render(variant(tmp, "print:\n  bleed: 3mm\n  crop_marks: true\n",
                                           "bleed"), tmp / "out", preflight=False).pdf
    out["colour"] = pipeline.render(variant(tmp, "print:\n  colour: colour\n  max_ink: 240\n",
                                            "colour"), tmp / "out", preflight=False).pdf
    return out


def forge(src: Path, dst: Path, fn) -> Path:
    with pikepdf.open(src) as doc:
        fn(doc)
        doc.save(dst)
    return dst


def append(ops: bytes):
    def fn(doc):
        doc.pages[0].contents_add(pikepdf.Stream(doc, ops), prepend=False)
    return fn


def cmyk_image(pixel: tuple[int, int, int, int], filter_=True):
    """An 8 × 8 DeviceCMYK image of one colour drawn at 200 × 200 pt inside the trim."""
    def fn(doc):
        data = bytes(pixel) * 64
        img = pikepdf.Stream(doc, zlib.compress(data) if filter_ else data)
        img.Type, img.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        img.Width = img.Height = 8
        img.ColorSpace, img.BitsPerComponent = pikepdf.Name.DeviceCMYK, 8
        if filter_:
            img.Filter = pikepdf.Name.FlateDecode
        doc.pages[0].Resources.XObject["/Forged"] = img
        append(b"q 200 0 0 200 300 300 cm /Forged Do Q")(doc)
    return fn


def overprint_k_over_cmy(doc):
    """C80 M80 Y70 (230 %), then K100 overprinted on it (OPM 1): 330 % where they meet."""
    res = doc.pages[0].Resources
    if "/ExtGState" not in res:
        res.ExtGState = pikepdf.Dictionary()
    res.ExtGState["/ForgedOP"] = pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, OP=True,
                                                    op=True, OPM=1)
    append(b"q 0.8 0.8 0.7 0 k 200 200 100 100 re f /ForgedOP gs 0 0 0 1 k "
           b"220 220 60 60 re f Q")(doc)


def overprint_k_apart_from_cmy(doc):
    """C80 M80 Y70 in the bottom-left margin, K100 overprinted in the top-right one: they
    never meet, so no pixel carries more than 230 %."""
    res = doc.pages[0].Resources
    if "/ExtGState" not in res:
        res.ExtGState = pikepdf.Dictionary()
    res.ExtGState["/ForgedOP"] = pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, OP=True,
                                                    op=True, OPM=1)
    w, h = (float(v) for v in doc.pages[0].TrimBox[2:])
    append(f"q 0.8 0.8 0.7 0 k 2 2 18 18 re f /ForgedOP gs 0 0 0 1 k {w - 20} {h - 20} 18 18 "
           f"re f Q".encode())(doc)


def _overprint_state(doc) -> None:
    res = doc.pages[0].Resources
    if "/ExtGState" not in res:
        res.ExtGState = pikepdf.Dictionary()
    res.ExtGState["/ForgedOP"] = pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, OP=True,
                                                    op=True, OPM=1)


def overprint_k_a_hair_beside_cmy(doc):
    """K100 overprinted 0.1 pt to the right of C80 M80 Y70: apart on paper, but both paint
    the same pixel of the 50 dpi ink render (330 % there)."""
    _overprint_state(doc)
    append(b"q 0.8 0.8 0.7 0 k 50 4 50.1 12 re f /ForgedOP gs 0 0 0 1 k 100.2 4 40 12 re f Q")(doc)


def body_glyph(doc) -> tuple[str, str]:
    """The resource name and code of a Han glyph (one em wide, the face's widest advance) in
    a Noto face on the page."""
    data = b"".join(c.read_bytes() for c in doc.pages[0].Contents) \
        if isinstance(doc.pages[0].Contents, pikepdf.Array) else doc.pages[0].Contents.read_bytes()
    m = re.search(rb"BT /(FNoto\w+) [\d.]+ Tf 1 0 0 1 [\d.]+ [\d.]+ Tm \[<([0-9A-F]{4})>", data)
    return m.group(1).decode(), m.group(2).decode()


def overprint_text_after_a_run_on_cmy(doc):
    """K100 overprinted text in the bottom margin: a run of 20 glyphs (20–200 pt), then 10
    more shown without moving the text position (200–290 pt), whose glyphs 5–9 land on
    C80 M80 Y70 at 240–280 pt that neither run reaches counted from the start alone."""
    _overprint_state(doc)
    font, code = body_glyph(doc)
    append(f"q 0.8 0.8 0.7 0 k 240 2 40 14 re f /ForgedOP gs 0 0 0 1 k BT /{font} 9 Tf "
           f"1 0 0 1 20 6 Tm [<{code * 20}>] TJ [<{code * 10}>] TJ ET Q".encode())(doc)


def separation(doc):
    res = doc.pages[0].Resources
    if "/ColorSpace" not in res:
        res.ColorSpace = pikepdf.Dictionary()
    fn = pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[0, 1, 0, 0], N=1)
    res.ColorSpace["/Spot"] = pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name("/Red"),
                                             pikepdf.Name.DeviceCMYK, fn])
    append(b"q /Spot cs 1 sc 200 200 100 100 re f Q")(doc)


# case → (base page, forgery or None, expected verdict, proved without a render?)
CASES = {
    "sample page (grey photo, K text)": ("sample-page", None, "PASS", True),
    "lead article": ("lead-article", None, "PASS", True),
    "crop marks in registration colour outside the trim": ("bleed", None, "PASS", True),
    "colour photo under K overprint": ("colour", None, "PASS", False),
    "CMYK vector within the limit": ("sample-page", append(b"q 0.3 0.3 0.3 0.3 k 200 200 100 100 re f Q"),
                                     "PASS", True),
    "CMYK image within the limit": ("sample-page", cmyk_image((100, 100, 100, 100)), "PASS", True),
    "rich black vector over the limit": ("sample-page", append(b"q 0.6 0.5 0.5 1 k 200 200 100 100 re f Q"),
                                         "FAIL", False),
    "CMYK image over the limit": ("sample-page", cmyk_image((255, 255, 200, 0)), "FAIL", False),
    "CMYK image over the limit, unfiltered": ("sample-page", cmyk_image((255, 255, 200, 0), False),
                                              "FAIL", False),
    "K overprinted on CMY": ("sample-page", overprint_k_over_cmy, "FAIL", False),
    "K overprinted apart from CMY": ("sample-page", overprint_k_apart_from_cmy, "PASS", True),
    "K overprinted a hair beside CMY": ("sample-page", overprint_k_a_hair_beside_cmy, "FAIL",
                                        False),
    "K text reaching CMY after an earlier run": ("sample-page", overprint_text_after_a_run_on_cmy,
                                                 "FAIL", False),
    "registration stroke just inside the trim": (
        "sample-page", append(b"q 1 1 1 1 K 2 w 3 100 m 3 400 l S Q"), "FAIL", False),
    "spot colour (rendered: its separation is the alternate's)": ("sample-page", separation,
                                                                  "PASS", False),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_proof_and_render_agree(pages, tmp_path, monkeypatch, case):
    base, fn, verdict, proved = CASES[case]
    pdf = pages[base] if fn is None else forge(pages[base], tmp_path / "forged.pdf", fn)
    auto, rendered, ran_gs = ink_both_ways(pdf, monkeypatch)
    assert auto.status == rendered.status == verdict, (auto, rendered)
    assert (PROVED in auto.figure) is proved, auto
    assert ran_gs is not proved
    if proved:   # the bound is at or above what the render measures
        shown = int(re.search(r"\d+", auto.figure).group())
        measured = int(re.search(r"\d+", rendered.figure).group())
        assert shown >= measured, (auto, rendered)


def test_the_sample_page_needs_no_ghostscript(pages, monkeypatch):
    def no_gs(*args, **kw):
        raise AssertionError("Ghostscript was run")

    monkeypatch.setattr(preflight, "total_ink", no_gs)
    rows = {c.name: c for c in preflight.run_checks(pages["sample-page"])}
    assert rows["total ink"].status == "PASS"
    assert rows["total ink"].figure == "at most 100 % (from the content)"


def test_render_ink_option_renders(pages, capsys):
    from typeset.cli import main

    assert main(["preflight", str(pages["sample-page"]), "--render-ink"]) == 0
    out = capsys.readouterr().out
    assert "total ink           max 100 %" in out and PROVED not in out


def test_bound_adds_plates_only_under_overprint():
    ink = PageInk()
    ink.add((0.8, 0.8, 0.8, 0.0), 2.4, overprint=False)
    ink.add((0.0, 0.0, 0.0, 1.0), 1.0, overprint=False)
    assert ink.bound() == pytest.approx(240)
    ink.add((0.0, 0.0, 0.0, 1.0), 1.0, overprint=True)
    assert ink.bound() == pytest.approx(340)
    ink.refuse("page 1: shading")
    assert ink.bound() is None


def test_plates_of_colours():
    assert S.plates(S.DEVICE_GRAY, (0.25,)) == (0, 0, 0, 0.75)
    assert S.plates(S.DEVICE_CMYK, (0.1, 0.2, 1.5, -1)) == (0.1, 0.2, 1.0, 0.0)
    assert S.plates(S.DEVICE_RGB, (0, 0, 0)) is None
    assert S.plates(S.Space("ICCBased", 4), (0, 0, 0, 1)) is None


def test_sample_ink_reads_the_samples(tmp_path):
    doc = pikepdf.new()
    grey = pikepdf.Stream(doc, zlib.compress(bytes([200, 64, 255, 90])))
    grey.Width, grey.Height, grey.BitsPerComponent = 2, 2, 8
    grey.ColorSpace, grey.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.FlateDecode
    plates, total = sample_ink(grey, grey, S.DEVICE_GRAY)
    assert plates[3] == total == pytest.approx((255 - 64) / 255)
    grey.Decode = [1, 0]                                   # inverted: not read here
    assert sample_ink(grey, grey, S.DEVICE_GRAY) is None
    cmyk = pikepdf.Stream(doc, bytes([255, 0, 0, 0, 100, 100, 100, 100]))
    cmyk.Width, cmyk.Height, cmyk.BitsPerComponent = 2, 1, 8
    plates, total = sample_ink(cmyk, cmyk, S.DEVICE_CMYK)
    assert plates == pytest.approx((1, 100 / 255, 100 / 255, 100 / 255))
    assert total == pytest.approx(400 / 255)
    jpeg = pikepdf.Stream(doc, b"\xff\xd8")
    jpeg.Width = jpeg.Height = 1
    jpeg.Filter = pikepdf.Name.DCTDecode
    assert sample_ink(jpeg, jpeg, S.DEVICE_CMYK) is None
