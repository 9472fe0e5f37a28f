"""Print readiness: PDF/X output, colour, bleed and crop marks, and every preflight check."""

from __future__ import annotations

import re
import shutil
import struct
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from conftest import copy_project, run_tool
from typeset import pipeline
from typeset.cli import main
from typeset.prepress.preflight import run_checks

MM = 72 / 25.4


def statuses(pdf: Path, **kw) -> dict[str, str]:
    return {c.name: c.status for c in run_checks(pdf, **kw)}


def variant(tmp_path: Path, print_block: str, name: str = "variant") -> Path:
    """A copy of the sample page with another print: section, inside a scratch project."""
    proj = copy_project(tmp_path)
    text = (proj / "layouts" / "sample-page.yaml").read_text(encoding="utf-8")
    text = re.sub(r"print:\n(  .*\n)+", print_block, text)
    path = proj / "layouts" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the sample page, checked by typeset preflight and by real clients ---------------------

def test_sample_page_passes_preflight(rendered):
    res = rendered("sample-page")
    st = statuses(res.pdf, accept_low_resolution=res.accepted_images)
    assert "FAIL" not in st.values(), st
    accept = [a for d in res.accepted_images for a in ("--accept-low-resolution", d)]
    assert main(["preflight", str(res.pdf), "-q", *accept]) == 0
    # its photo has 205 ppi: nothing to accept, every check PASSes, no WARN
    assert res.accepted_images == [] and set(st.values()) == {"PASS"}, st
    assert main(["preflight", str(res.pdf), "-q"]) == 0


def test_real_clients_agree(rendered):
    pdf = str(rendered("sample-page").pdf)
    assert "No syntax or stream encoding errors" in run_tool("qpdf", "--check", pdf)
    for row in run_tool("pdffonts", pdf).splitlines()[2:]:
        assert row.split()[-5:-2] == ["yes", "yes", "yes"], row
    ink = run_tool("gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=ink_cov", "-o", "-", pdf)
    c, m, y, k = (float(v) for v in ink.split()[:4])
    assert c == m == y == 0 and k > 5          # body text, rules and grey photo: black plate only
    images = run_tool("pdfimages", "-list", pdf).splitlines()[2:]
    assert images and all(row.split()[5] in ("gray", "cmyk") for row in images)
    with pikepdf.open(pdf) as doc:
        assert doc.pdf_version == "1.3"
        oi = doc.Root.OutputIntents[0]
        assert oi.S == "/GTS_PDFX" and str(oi.OutputConditionIdentifier) == "IFRA26"
        assert str(doc.docinfo.GTS_PDFXVersion) == "PDF/X-1:2001"
        assert str(doc.docinfo.Trapped) == "/False"
        assert str(doc.docinfo.CreationDate).startswith("D:20240102")
        page = doc.pages[0]
        assert [round(float(v), 2) for v in page.TrimBox] == [round(float(v), 2) for v in page.MediaBox]


def test_bleed_variant_has_boxes_and_crop_marks_outside_the_bleed(tmp_path):
    spec = variant(tmp_path, "print:\n  bleed: 3mm\n  crop_marks: true\n", "bleed")
    res = pipeline.render(spec, tmp_path / "out")
    with pikepdf.open(res.pdf) as doc:
        page = doc.pages[0]
        media = [float(v) for v in page.MediaBox]
        trim = [float(v) for v in page.TrimBox]
        bleed = [float(v) for v in page.BleedBox]
    assert trim[2] - trim[0] == pytest.approx(390 * MM, abs=0.01)
    assert bleed[0] == pytest.approx(trim[0] - 3 * MM, abs=0.01)
    assert media[0] == 0 and media[2] == pytest.approx(trim[2] + trim[0], abs=0.01)
    assert trim[0] == pytest.approx(10 * MM, abs=0.01)      # 3 mm bleed + 2 mm gap + 5 mm marks
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(res.pdf))
    scale = 4
    img = doc[0].render(scale=scale, grayscale=True).to_pil()
    doc.close()
    h = img.height

    def px(x_pt, y_pt):  # PDF coordinates (bottom-up) → pixel value
        return img.getpixel((int(x_pt * scale), int(h - y_pt * scale)))

    # a mark on the extension of the left trim edge, below the bottom bleed
    assert px(trim[0], trim[1] - 3 * MM - 4 * MM) < 128
    # inside the bleed but outside the trim: nothing drawn there
    assert px(trim[0] - 1.5 * MM, trim[1] - 1.5 * MM) > 250
    assert statuses(res.pdf)["page boxes"] == "PASS"


def test_colour_variant_converts_photos_to_cmyk_within_the_ink_limit(tmp_path):
    spec = variant(tmp_path, "print:\n  colour: colour\n  max_ink: 240\n", "colour")
    res = pipeline.render(spec, tmp_path / "out")
    rows = run_tool("pdfimages", "-list", str(res.pdf)).splitlines()[2:]
    assert rows and all(r.split()[5] == "cmyk" for r in rows)
    st = {c.name: c for c in run_checks(res.pdf)}
    assert st["total ink"].status == "PASS"
    assert int(re.search(r"\d+", st["total ink"].figure).group()) <= 241


def test_delivery_file_name_pattern(tmp_path):
    spec = variant(tmp_path, 'print:\n  file_name: "{code}-{date}-{page}.pdf"\n', "named")
    res = pipeline.render(spec, tmp_path / "out")
    assert res.pdf.name == "SYRB-20240102-2.pdf"


# --- each preflight check, with a page made to fail it ---------------------------------------

@pytest.fixture
def good_pdf(rendered, tmp_path) -> Path:
    target = tmp_path / "good.pdf"
    shutil.copy(rendered("sample-page").pdf, target)
    return target


def mutate(src: Path, dst: Path, fn, **save) -> Path:
    with pikepdf.open(src) as doc:
        fn(doc)
        doc.save(dst, **save)
    return dst


def append_content(doc, ops: bytes) -> None:
    page = doc.pages[0]
    page.contents_add(pikepdf.Stream(doc, ops), prepend=False)


def unembed_first_font(doc) -> None:
    desc = list(doc.pages[0].Resources.Font.values())[0].DescendantFonts[0].FontDescriptor
    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
        if key in desc:
            del desc[key]


def add_low_res_image(doc) -> None:
    """A 4 px image drawn 200 pt wide (1.4 ppi), and a key claiming it was accepted."""
    img = pikepdf.Stream(doc, bytes(16))
    img.Type, img.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    img.Width, img.Height, img.BitsPerComponent = 4, 4, 8
    img.ColorSpace = pikepdf.Name.DeviceGray
    doc.pages[0].Resources.XObject["/Lowres"] = img
    doc.docinfo["/TypesetAcceptedLowResolution"] = "Lowres 1 ppi"
    append_content(doc, b"q 200 0 0 200 300 300 cm /Lowres Do Q")


FAILS = {
    "PDF version": lambda d: None,
    "output intent": lambda d: d.Root.__delitem__("/OutputIntents"),
    "PDF/X keys": lambda d: d.docinfo.__delitem__("/GTS_PDFXVersion"),
    "page boxes": lambda d: d.pages[0].obj.__delitem__("/TrimBox"),
    "fonts": lambda d: unembed_first_font(d),
    "forbidden features": lambda d: d.Root.__setitem__(
        "/OpenAction", pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)")),
    "colour spaces": lambda d: append_content(d, b"q 1 0 0 rg 10 10 20 20 re f Q"),
    "text colour": lambda d: append_content(
        d, b"q 1 1 0 0 k BT /" + str(list(d.pages[0].Resources.Font.keys())[0])[1:].encode()
        + b" 9 Tf 20 20 Td <0001> Tj ET Q"),
    "rule weights": lambda d: append_content(d, b"q 0 0 0 1 K 0.1 w 10 10 m 100 10 l S Q"),
    "images": lambda d: add_low_res_image(d),
    "total ink": lambda d: append_content(d, b"q 1 1 1 1 k 200 200 100 100 re f Q"),
}


@pytest.mark.parametrize("check", sorted(FAILS))
def test_preflight_check_fails_on_a_bad_page(good_pdf, rendered, tmp_path, check):
    save = {"min_version": "1.6"} if check == "PDF version" else {}
    bad = mutate(good_pdf, tmp_path / "bad.pdf", FAILS[check], **save)
    accept = rendered("sample-page").accepted_images      # its own photo, as render passes it
    assert statuses(good_pdf, accept_low_resolution=accept)[check] != "FAIL"
    st = statuses(bad, accept_low_resolution=accept)
    assert st[check] == "FAIL", st
    others = {k: v for k, v in st.items() if k != check and v == "FAIL"}
    # the page is otherwise good (adding a text run in colour may also touch total ink)
    assert not others or check in ("text colour", "colour spaces"), others
    assert main(["preflight", str(bad), "-q"]) == 1


# --- bad print input ---------------------------------------------------------------------------

def fake_icc(path: Path, space: bytes, cls: bytes) -> Path:
    header = bytearray(132)
    struct.pack_into(">I", header, 0, 132)
    header[12:16], header[16:20], header[36:40] = cls, space, b"acsp"
    path.write_bytes(bytes(header))
    return path


@pytest.mark.parametrize("block,expected", [
    ("print:\n  profile: pdf-x9\n", ["unknown PDF profile 'pdf-x9'"]),
    ("print:\n  profile: pdf-x4\n", ["pdf-x4 needs the press's ICC output profile"]),
    ("print:\n  icc: rgb.icc\n", ["rgb.icc is a RGB 'mntr' profile", "CMYK"]),
    ("print:\n  icc: junk.icc\n", ["junk.icc is not an ICC profile"]),
    ("print:\n  icc: none.icc\n", ["none.icc cannot be read"]),
    ("print:\n  colour: rgb\n", ["print.colour", "mono, colour"]),
    ("print:\n  icc: ps.icc\n  colour: colour\n", ["ps.icc cannot convert photos to CMYK"]),
    ("print:\n  file_name: '{paper}-{when}.pdf'\n", ["unknown placeholder"]),
])
def test_bad_print_settings(tmp_path, capsys, block, expected):
    spec = variant(tmp_path, block)
    fake_icc(spec.parent / "rgb.icc", b"RGB ", b"mntr")
    ps = Path("/usr/share/color/icc/ghostscript/ps_cmyk.icc")   # CMYK 'prtr', but lcms refuses it
    if ps.exists():
        shutil.copy(ps, spec.parent / "ps.icc")
    (spec.parent / "junk.icc").write_bytes(b"not a profile at all" * 10)
    code = main(["render", str(spec), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    for part in expected:
        assert part in err, (part, err)
    assert not list((tmp_path / "out").glob("*.pdf")) if (tmp_path / "out").exists() else True


@pytest.mark.parametrize("mode,expected", [
    ("RGBA", "transparency"), ("P", "palette"), ("I;16", "16-bit"),
])
def test_unsupported_photo_modes_are_refused(tmp_path, capsys, mode, expected):
    spec = variant(tmp_path, "print:\n  colour: mono\n")
    photo = spec.parent.parent / "content" / "photos" / "evening-glow.jpg"
    bad = photo.with_name("bad.png")
    Image.new(mode, (2000, 1400)).save(bad)
    spec.write_text(spec.read_text(encoding="utf-8").replace("photos/evening-glow.jpg",
                                                             "photos/bad.png"),
                    encoding="utf-8")
    code = main(["render", str(spec), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and expected in err and "bad.png" in err, err


def test_low_resolution_photo_is_an_error_unless_accepted(tmp_path, capsys):
    spec = variant(tmp_path, "print:\n  colour: mono\n")
    spec.write_text(spec.read_text(encoding="utf-8").replace(
        "photos/evening-glow.jpg", "photos/rocket.jpg"), encoding="utf-8")
    code = main(["render", str(spec), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and re.search(r"rocket.jpg has only \d\d ppi", err), err
    assert "accept_low_resolution" in err
    spec.write_text(spec.read_text(encoding="utf-8").replace(
        "    photo_lines: 47\n", "    photo_lines: 47\n    accept_low_resolution: true\n"),
        encoding="utf-8")
    res = pipeline.render(spec, tmp_path / "out")
    st = {c["check"]: c["status"] for c in res.report["preflight"]}
    assert st["images"] == "WARN", st        # accepted by the desk: printed, but warned about


def test_thin_rules_are_refused(tmp_path, capsys):
    spec = variant(tmp_path, "print:\n  colour: mono\n")
    spec.write_text(spec.read_text(encoding="utf-8").replace(
        "    type: rule\n", "    type: rule\n    weight: 0.1pt\n", 1), encoding="utf-8")
    code = main(["render", str(spec), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "too thin" in err


def test_pdf_x4_with_the_press_profile(tmp_path):
    icc = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")   # Debian libgs-common
    if not icc.exists():
        pytest.fail("Ghostscript's ICC profiles are missing; run scripts/setup.sh")
    spec = variant(tmp_path, "print:\n  profile: pdf-x4\n  icc: press.icc\n  colour: colour\n", "x4")
    shutil.copy(icc, spec.parent / "press.icc")
    res = pipeline.render(spec, tmp_path / "out")
    st = statuses(res.pdf, profile_name="pdf-x4", accept_low_resolution=res.accepted_images)
    assert "FAIL" not in st.values(), st
    assert res.report["preflight"] and all(c["status"] != "FAIL" for c in res.report["preflight"])
    with pikepdf.open(res.pdf) as doc:
        assert doc.pdf_version == "1.6"
        oi = doc.Root.OutputIntents[0]
        assert "/DestOutputProfile" in oi and int(oi.DestOutputProfile.N) == 4
        xmp = doc.Root.Metadata.read_bytes().decode("utf-8")
        assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
    assert "No syntax or stream encoding errors" in run_tool("qpdf", "--check", str(res.pdf))
    assert statuses(res.pdf, profile_name="pdf-x1a")["PDF version"] == "FAIL"
