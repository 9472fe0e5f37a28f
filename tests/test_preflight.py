"""Preflight judges the file alone: PDFs forged with pikepdf to hide a fault where a shallow
check does not look (form XObjects, annotation appearances, Type 3 glyphs, inline images,
colour set with cs/sc, a CTM that shrinks a rule, a forged acceptance key) must FAIL."""

from __future__ import annotations

import shutil
import zlib
from pathlib import Path

import pikepdf
import pytest

from typeset.cli import main
from typeset.prepress.preflight import run_checks


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A copy of the sample page with the 640 px rocket.jpg as its photo (55 ppi, accepted in
    the spec), rendered, and the acceptances `render` passed for it. (The sample page itself
    prints a 205 ppi photo and needs none.)"""
    from conftest import copy_project
    from typeset import pipeline

    tmp = tmp_path_factory.mktemp("low-res-sample")
    spec = copy_project(tmp) / "layouts" / "sample-page.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace(
        "photos/evening-glow.jpg", "photos/rocket.jpg").replace(
        "    photo_lines: 47\n", "    photo_lines: 47\n    accept_low_resolution: true\n"),
        encoding="utf-8")
    res = pipeline.render(spec, tmp / "out")
    assert res.accepted_images, "the copy's 55 ppi photo is accepted in its spec"
    return res.pdf, list(res.accepted_images)


def statuses(pdf: Path, accept=(), **kw) -> dict[str, str]:
    return {c.name: c.status for c in run_checks(pdf, accept_low_resolution=accept, **kw)}


def details(pdf: Path, accept=(), **kw) -> dict[str, str]:
    return {c.name: c.detail for c in run_checks(pdf, accept_low_resolution=accept, **kw)}


def forge(src: Path, dst: Path, fn) -> Path:
    with pikepdf.open(src) as doc:
        fn(doc)
        doc.save(dst)
    return dst


def page_font(doc) -> pikepdf.Name:
    return list(doc.pages[0].Resources.Font.keys())[0]


def add_form(doc, content: bytes, resources=None, name="/Forged", target=None) -> pikepdf.Stream:
    """A form XObject drawn on page 1 (or inside `target`, another form)."""
    form = pikepdf.Stream(doc, content)
    form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
    form.BBox = [0, 0, 1000, 1000]
    if resources is not None:
        form.Resources = resources
    if target is None:
        page = doc.pages[0]
        page.Resources.XObject[name] = form
        page.contents_add(pikepdf.Stream(doc, f"q {name} Do Q".encode()), prepend=False)
    else:
        target.Resources = target.get("/Resources", pikepdf.Dictionary())
        target.Resources.XObject = pikepdf.Dictionary({name: form})
        target.write(target.read_bytes() + f" q {name} Do Q".encode())
    return form


def append(doc, ops: bytes) -> None:
    doc.pages[0].contents_add(pikepdf.Stream(doc, ops), prepend=False)


# --- the real pages pass ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["sample-page", "lead-article"])
def test_real_pages_pass_with_the_specs_acceptances(rendered, name):
    res = rendered(name)
    assert res.report["preflight"], "render ran preflight"
    assert all(c["status"] != "FAIL" for c in res.report["preflight"]), res.report["preflight"]
    args = ["preflight", str(res.pdf), "-q"]
    for a in res.accepted_images:
        args += ["--accept-low-resolution", a]
    assert main(args) == 0


def test_acceptance_is_by_name_only_never_read_from_the_file(sample, tmp_path, capsys):
    pdf, accept = sample
    # by hand, with the XObject name printed by preflight
    st = statuses(pdf)
    assert st["images"] == "FAIL"
    name = details(pdf)["images"].split("image ")[1].split(" ")[0]
    assert name.startswith("FormXob.")
    assert statuses(pdf, [name])["images"] == "WARN"
    assert statuses(pdf, accept)["images"] == "WARN"          # render's digest
    assert statuses(pdf, ["FormXob.other"])["images"] == "FAIL"
    assert main(["preflight", str(pdf), "-q"]) == 1
    assert main(["preflight", str(pdf), "-q", "--accept-low-resolution", accept[0][:8]]) == 0
    capsys.readouterr()


def low_res_image(doc, name="/Lowres", size=(4, 4), placed=200.0) -> None:
    """A grey image of `size` px drawn `placed` pt wide: 4 px over 200 pt is 1.4 ppi."""
    w, h = size
    img = pikepdf.Stream(doc, zlib.compress(bytes(range(w * h))))
    img.Type, img.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    img.Width, img.Height, img.BitsPerComponent = w, h, 8
    img.ColorSpace, img.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.FlateDecode
    doc.pages[0].Resources.XObject[name] = img
    append(doc, f"q {placed} 0 0 {placed} 300 300 cm {name} Do Q".encode())


def test_forged_acceptance_key_with_a_low_resolution_image_fails(sample, tmp_path):
    pdf, accept = sample

    def fn(doc):
        doc.docinfo["/TypesetAcceptedLowResolution"] = "everything, 1 ppi"
        low_res_image(doc)

    bad = forge(pdf, tmp_path / "forged-accept.pdf", fn)
    st, det = statuses(bad, accept), details(bad, accept)
    assert st["images"] == "FAIL", det
    assert "Lowres" in det["images"] and "1 ppi" in det["images"]
    # and the key alone, on the sample page with no acceptance passed, excuses nothing
    only_key = forge(pdf, tmp_path / "key.pdf",
                     lambda d: d.docinfo.__setitem__("/TypesetAcceptedLowResolution", "x"))
    assert statuses(only_key)["images"] == "FAIL"
    assert main(["preflight", str(bad), "-q", "--accept-low-resolution", accept[0]]) == 1


def test_image_resolution_follows_the_ctm(sample, tmp_path):
    pdf, accept = sample

    def fn(doc):   # 400 px drawn 100 pt wide inside a form scaled by 10: 1000 pt → 29 ppi
        img = pikepdf.Stream(doc, zlib.compress(bytes(400 * 400)))
        img.Type, img.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        img.Width = img.Height = 400
        img.BitsPerComponent, img.ColorSpace = 8, pikepdf.Name.DeviceGray
        img.Filter = pikepdf.Name.FlateDecode
        add_form(doc, b"q 100 0 0 100 0 0 cm /Big Do Q",
                 pikepdf.Dictionary(XObject=pikepdf.Dictionary(Big=img))).Matrix = [10, 0, 0, 10, 0, 0]

    bad = forge(pdf, tmp_path / "scaled.pdf", fn)
    det = details(bad, accept)["images"]
    assert statuses(bad, accept)["images"] == "FAIL" and "29 ppi" in det, det
    assert "form /Forged" in det


# --- colour wherever it is hidden ---------------------------------------------------------------

def test_rgb_in_a_form_xobject_fails(sample, tmp_path):
    pdf, accept = sample
    bad = forge(pdf, tmp_path / "form-rgb.pdf",
                lambda d: add_form(d, b"1 0 0 rg 10 10 50 50 re f"))
    assert statuses(bad, accept)["colour spaces"] == "FAIL"
    assert "form /Forged" in details(bad, accept)["colour spaces"]
    assert main(["preflight", str(bad), "-q"]) == 1


def test_rgb_in_a_nested_form_fails(sample, tmp_path):
    pdf, accept = sample

    def fn(doc):
        outer = add_form(doc, b"0 0 0 1 k 0 0 5 5 re f")
        add_form(doc, b"0 1 0 RG 2 w 0 0 m 50 50 l S", name="/Inner", target=outer)

    bad = forge(pdf, tmp_path / "nested.pdf", fn)
    det = details(bad, accept)["colour spaces"]
    assert statuses(bad, accept)["colour spaces"] == "FAIL" and "form /Inner" in det, det


def test_rgb_text_in_a_form_fails(sample, tmp_path):
    pdf, accept = sample

    def fn(doc):
        font = page_font(doc)
        res = pikepdf.Dictionary(Font=pikepdf.Dictionary({str(font): doc.pages[0].Resources.Font[font]}))
        add_form(doc, f"BT 0 0 1 rg {font} 9 Tf 20 20 Td <0001> Tj ET".encode(), res)

    bad = forge(pdf, tmp_path / "form-text.pdf", fn)
    st, det = statuses(bad, accept), details(bad, accept)
    assert st["text colour"] == "FAIL" and "RGB text" in det["text colour"], det
    assert st["colour spaces"] == "FAIL"


def test_invisible_text_is_not_judged_outlined_text_is(sample, tmp_path):
    pdf, accept = sample
    with pikepdf.open(pdf) as doc:
        font = str(page_font(doc))
    hidden = forge(pdf, tmp_path / "ocr.pdf", lambda d: append(
        d, f"q BT 3 Tr 1 0 0 rg {font} 9 Tf 20 20 Td <0001> Tj ET Q".encode()))
    assert statuses(hidden, accept)["text colour"] == "PASS"
    outlined = forge(pdf, tmp_path / "outline.pdf", lambda d: append(
        d, f"q BT 1 Tr 0 0 0 1 k 1 0 0 RG {font} 30 Tf 20 20 Td <0001> Tj ET Q".encode()))
    det = details(outlined, accept)["colour spaces"]
    assert statuses(outlined, accept)["colour spaces"] == "FAIL" and "text outline" in det, det


def test_devicergb_set_with_cs_and_sc_fails(sample, tmp_path):
    pdf, accept = sample
    bad = forge(pdf, tmp_path / "cs-sc.pdf",
                lambda d: append(d, b"q /DeviceRGB cs 1 0 0 sc 10 10 20 20 re f Q"))
    det = details(bad, accept)["colour spaces"]
    assert statuses(bad, accept)["colour spaces"] == "FAIL" and "DeviceRGB" in det, det


@pytest.mark.parametrize("space", [
    pytest.param(["/Indexed", "/DeviceRGB", 1, b"\xff\x00\x00\x00\xff\x00"], id="indexed-rgb"),
    pytest.param(["/Separation", "/Red", "/DeviceRGB", None], id="separation-rgb-alternate"),
])
def test_named_colour_spaces_are_resolved(sample, tmp_path, space):
    pdf, accept = sample

    def fn(doc):
        arr = [pikepdf.Name(v) if isinstance(v, str) else v for v in space]
        if arr[-1] is None:   # a tint transform
            arr[-1] = pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0], C1=[1, 0, 0], N=1)
        if isinstance(arr[-1], bytes):
            arr[-1] = pikepdf.String(arr[-1])
        doc.pages[0].Resources.ColorSpace = pikepdf.Dictionary(CS9=pikepdf.Array(arr))
        append(doc, b"q /CS9 cs 1 scn 10 10 20 20 re f Q")

    bad = forge(pdf, tmp_path / "named.pdf", fn)
    det = details(bad, accept)["colour spaces"]
    assert statuses(bad, accept)["colour spaces"] == "FAIL" and "DeviceRGB" in det, det


def test_inline_rgb_image_fails(sample, tmp_path):
    pdf, accept = sample
    data = bytes([255, 0, 0] * 4)
    bad = forge(pdf, tmp_path / "inline.pdf", lambda d: append(
        d, b"q 1 0 0 1 100 100 cm BI /W 2 /H 2 /CS /RGB /BPC 8 ID " + data + b" EI Q"))
    st, det = statuses(bad, accept), details(bad, accept)
    assert st["colour spaces"] == "FAIL" and "image inline in DeviceRGB" in det["colour spaces"], det


def test_rgb_in_an_annotation_appearance_fails(sample, tmp_path):
    pdf, accept = sample

    def fn(doc):
        ap = pikepdf.Stream(doc, b"0 0 1 rg 0 0 10 10 re f")
        ap.Type, ap.Subtype, ap.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 10, 10]
        annot = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Square,
                                   Rect=[50, 50, 60, 60], AP=pikepdf.Dictionary(N=ap))
        doc.pages[0].Annots = pikepdf.Array([doc.make_indirect(annot)])

    bad = forge(pdf, tmp_path / "annot.pdf", fn)
    det = details(bad, accept)["colour spaces"]
    assert statuses(bad, accept)["colour spaces"] == "FAIL" and "annotation 1" in det, det


def type3_font(doc, proc: bytes) -> pikepdf.Dictionary:
    glyph = pikepdf.Stream(doc, proc)
    return doc.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type3, FontBBox=[0, 0, 1000, 1000],
        FontMatrix=[0.001, 0, 0, 0.001, 0, 0], CharProcs=pikepdf.Dictionary(a=glyph),
        Encoding=pikepdf.Dictionary(Differences=[97, pikepdf.Name.a]), FirstChar=97,
        LastChar=97, Widths=[1000]))


def test_rgb_in_a_type3_glyph_fails(sample, tmp_path):
    pdf, accept = sample

    def fn(doc):
        doc.pages[0].Resources.Font["/T3"] = type3_font(doc, b"1000 0 d0 1 0 0 rg 0 0 1000 1000 re f")
        append(doc, b"q 0 0 0 1 k BT /T3 12 Tf 100 100 Td (a) Tj ET Q")

    bad = forge(pdf, tmp_path / "type3.pdf", fn)
    st, det = statuses(bad, accept), details(bad, accept)
    assert st["colour spaces"] == "FAIL" and "Type 3 font /T3" in det["colour spaces"], det
    assert st["fonts"] == "FAIL"


def test_fonts_in_forms_are_found(sample, tmp_path):
    pdf, accept = sample

    def fn(doc):
        bare = doc.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.TrueType, BaseFont=pikepdf.Name.Arial,
            FirstChar=32, LastChar=32, Widths=[250],
            FontDescriptor=pikepdf.Dictionary(Type=pikepdf.Name.FontDescriptor,
                                              FontName=pikepdf.Name.Arial, Flags=32)))
        add_form(doc, b"0 0 0 1 k BT /Bare 9 Tf 20 20 Td ( ) Tj ET",
                 pikepdf.Dictionary(Font=pikepdf.Dictionary(Bare=bare)))

    bad = forge(pdf, tmp_path / "form-font.pdf", fn)
    det = details(bad, accept)["fonts"]
    assert statuses(bad, accept)["fonts"] == "FAIL" and "/Arial" in det and "not embedded" in det, det


# --- line widths on paper ------------------------------------------------------------------------

def test_ctm_scaled_hairline_fails(sample, tmp_path):
    pdf, accept = sample
    bad = forge(pdf, tmp_path / "hairline.pdf", lambda d: append(
        d, b"q 0.05 0 0 0.05 0 0 cm 0 0 0 1 K 2 w 2000 2000 m 6000 2000 l S Q"))
    st, det = statuses(bad, accept), details(bad, accept)
    assert st["rule weights"] == "FAIL" and "0.1 pt" in det["rule weights"], det


def test_rule_drawn_as_a_thin_filled_rectangle_fails(sample, tmp_path):
    pdf, accept = sample
    bad = forge(pdf, tmp_path / "thin-fill.pdf", lambda d: append(
        d, b"q 0.5 0 0 0.5 0 0 cm 0 0 0 1 k 100 100 400 0.3 re f Q"))     # 0.15 pt on paper
    det = details(bad, accept)["rule weights"]
    assert statuses(bad, accept)["rule weights"] == "FAIL" and "filled rectangle" in det, det
    dots = forge(pdf, tmp_path / "dots.pdf", lambda d: append(
        d, b"q 0 0 0 1 k 100 100 0.2 0.2 re f Q"))                        # a dot, not a rule
    assert statuses(dots, accept)["rule weights"] == "PASS"


def test_ctm_enlarged_thin_width_passes(sample, tmp_path):
    """0.1 pt drawn under a ×10 scale prints 1 pt: not a hairline."""
    pdf, accept = sample
    ok = forge(pdf, tmp_path / "wide.pdf", lambda d: append(
        d, b"q 10 0 0 10 0 0 cm 0 0 0 1 K 0.1 w 20 20 m 60 20 l S Q"))
    assert statuses(ok, accept)["rule weights"] == "PASS"


# --- the profile decides ---------------------------------------------------------------------------

def icc_image(doc) -> None:
    icc = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
    if not icc.exists():
        pytest.fail("Ghostscript's ICC profiles are missing; run scripts/setup.sh")
    profile = pikepdf.Stream(doc, icc.read_bytes())
    profile.N = 4
    img = pikepdf.Stream(doc, zlib.compress(bytes(64 * 64 * 4)))
    img.Type, img.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    img.Width = img.Height = 64
    img.BitsPerComponent, img.Filter = 8, pikepdf.Name.FlateDecode
    img.ColorSpace = pikepdf.Array([pikepdf.Name.ICCBased, profile])
    doc.pages[0].Resources.XObject["/Icc"] = img
    append(doc, b"q 20 0 0 20 50 50 cm /Icc Do Q")


def test_icc_based_image_allowed_under_x4_refused_under_x1a(sample, tmp_path):
    pdf, accept = sample
    forged = forge(pdf, tmp_path / "icc.pdf", icc_image)
    assert statuses(forged, accept)["colour spaces"] == "FAIL"
    assert "ICC CMYK" in details(forged, accept)["colour spaces"]
    assert statuses(forged, accept, profile_name="pdf-x4")["colour spaces"] == "PASS"
    assert statuses(forged, accept, profile_name="pdf-x4")["images"] != "FAIL"


# --- bad input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["not-a-pdf", "truncated", "missing", "directory", "empty"])
def test_unreadable_input_is_one_message_and_exit_2(sample, tmp_path, capsys, kind):
    pdf, _ = sample
    target = tmp_path / f"{kind}.pdf"
    if kind == "not-a-pdf":
        target.write_text("这不是 PDF\n", encoding="utf-8")
    elif kind == "truncated":
        target.write_bytes(pdf.read_bytes()[: len(pdf.read_bytes()) // 2])
    elif kind == "directory":
        target.mkdir()
    elif kind == "empty":
        target.write_bytes(b"")
    code = main(["preflight", str(target)])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in err and err.count("error:") == 1, err
    assert target.name in err


def test_good_and_bad_files_together_exit_2(sample, tmp_path, capsys):
    pdf, accept = sample
    code = main(["preflight", str(pdf), str(tmp_path / "nope.pdf"), "-q",
                 "--accept-low-resolution", accept[0]])
    assert code == 2 and "nope.pdf: file not found" in capsys.readouterr().err


def test_copy_of_the_sample_passes_unchanged(sample, tmp_path):
    """Re-saving with pikepdf (what every forgery above does) changes nothing preflight judges."""
    pdf, accept = sample
    same = forge(pdf, tmp_path / "resaved.pdf", lambda d: None)
    st = statuses(same, accept)
    assert "FAIL" not in st.values(), st
    shutil.copy(pdf, tmp_path / "copy.pdf")


# --- hostile structure: judged, never a crash -------------------------------------------------------

def test_a_form_that_draws_itself_is_reported_not_a_crash(sample, tmp_path, capsys):
    pdf, accept = sample

    def fn(doc):
        form = add_form(doc, b"q /Forged Do Q 0 0 0 1 k 0 0 5 5 re f")
        form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Forged=form))

    bad = forge(pdf, tmp_path / "cycle.pdf", fn)
    st, det = statuses(bad, accept), details(bad, accept)
    assert st["forbidden features"] == "FAIL" and "cycle" in det["forbidden features"], det
    code = main(["preflight", str(bad), "--accept-low-resolution", accept[0]])
    captured = capsys.readouterr()
    assert code == 1 and "Traceback" not in captured.err


def test_missing_resources_and_odd_operands_are_reported(sample, tmp_path):
    pdf, accept = sample
    bad = forge(pdf, tmp_path / "odd.pdf", lambda d: append(
        d, b"q /Nowhere Do /NoFont 9 Tf (x) Tj 1 0 cm /NoSpace cs 0.5 sc 0 0 1 1 re f Q"))
    st, det = statuses(bad, accept), details(bad, accept)
    assert st["forbidden features"] == "FAIL", det
    assert "/Nowhere is not in the resources" in det["forbidden features"], det
    assert st["colour spaces"] == "FAIL" and "cannot be resolved" in det["colour spaces"], det


def test_forms_drawn_10000_times_stop_at_the_cap(sample, tmp_path, monkeypatch):
    """Five forms, each drawing the next ten times: 11 111 streams, over a cap lowered to 1000
    (20 000 in use). The walk stops at its cap and says so (a FAIL)."""
    from typeset.prepress import walk

    monkeypatch.setattr(walk, "MAX_STREAMS", 1000)
    pdf, accept = sample

    def fn(doc):
        inner = None
        for level in range(5):
            body = b"0 0 0 1 k 0 0 1 1 re f" if inner is None else b" ".join([b"/N Do"] * 10)
            form = pikepdf.Stream(doc, body)
            form.Type, form.Subtype, form.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 9, 9]
            if inner is not None:
                form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(N=inner))
            inner = form
        doc.pages[0].Resources.XObject["/Bomb"] = inner
        append(doc, b"q /Bomb Do Q")

    bad = forge(pdf, tmp_path / "bomb.pdf", fn)
    det = details(bad, accept)["forbidden features"]
    assert "more than 1000 content streams drawn" in det, det
