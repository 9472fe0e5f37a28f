"""Preflight: check any PDF against a print profile, the way a printing house's prepress would.

Structure is read with pikepdf (qpdf); image resolution with poppler's `pdfimages -list`; total
ink by rendering the trimmed page with Ghostscript's CMYK device. Each check gives a figure and
PASS, WARN or FAIL.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from typeset.prepress.profiles import PdfProfile, get_profile

PASS, WARN, FAIL = "PASS", "WARN", "FAIL"
INK_DPI = 50                 # resolution of the total-ink render: enough for photos and tints
SMALL_TEXT = 14.0            # pt: text below 四号 must print on one plate (§5 #7)
ACCEPTED_KEY = "/TypesetAcceptedLowResolution"


@dataclass
class Check:
    name: str
    status: str
    figure: str
    detail: str = ""

    def as_dict(self) -> dict:
        return {"check": self.name, "status": self.status, "figure": self.figure,
                "detail": self.detail}


def run_checks(pdf_path: Path, profile_name: str = "pdf-x1a", max_ink: int | None = None) -> list[Check]:
    profile = get_profile(profile_name)
    limit = max_ink if max_ink is not None else profile.max_ink
    try:
        pdf = pikepdf.open(str(pdf_path))
    except (pikepdf.PdfError, OSError) as exc:
        return [Check("open", FAIL, "-", f"not a readable PDF: {exc}")]
    with pdf:
        checks = [
            _version(pdf, profile),
            _output_intent(pdf, profile),
            _pdfx_keys(pdf, profile),
            _boxes(pdf),
            _fonts(pdf),
            _forbidden(pdf, profile),
        ]
        colour, text, rules = _content(pdf, profile)
        checks += [colour, text, rules]
        accepted = str(pdf.docinfo.get(ACCEPTED_KEY, "")) if pdf.docinfo else ""
    checks.append(_images(pdf_path, profile, accepted))
    checks.append(_total_ink(pdf_path, limit))
    return checks


def _version(pdf, profile: PdfProfile) -> Check:
    want = f"{profile.pdf_version[0]}.{profile.pdf_version[1]}"
    have = pdf.pdf_version
    ok = tuple(int(x) for x in have.split(".")) <= profile.pdf_version
    return Check("PDF version", PASS if ok else FAIL, have, "" if ok else f"{profile.name} allows {want}")


def _output_intent(pdf, profile: PdfProfile) -> Check:
    intents = pdf.Root.get("/OutputIntents")
    if not intents:
        return Check("output intent", FAIL, "none", "no /OutputIntents in the catalog")
    gts = [oi for oi in intents if oi.get("/S") == "/GTS_PDFX"]
    if len(gts) != 1:
        return Check("output intent", FAIL, f"{len(gts)} GTS_PDFX", "exactly one is required")
    oi = gts[0]
    ident = str(oi.get("/OutputConditionIdentifier", ""))
    if not ident:
        return Check("output intent", FAIL, "-", "OutputConditionIdentifier missing")
    has_icc = "/DestOutputProfile" in oi
    if profile.needs_icc and not has_icc:
        return Check("output intent", FAIL, ident, f"{profile.name} needs an embedded output profile")
    return Check("output intent", PASS, ident + (" + ICC" if has_icc else ""))


def _pdfx_keys(pdf, profile: PdfProfile) -> Check:
    info = pdf.docinfo if pdf.trailer.get("/Info") is not None else {}
    problems = []
    if str(info.get("/GTS_PDFXVersion", "")) != profile.pdfx_version:
        problems.append(f"GTS_PDFXVersion is not {profile.pdfx_version}")
    if profile.pdfx_conformance and str(info.get("/GTS_PDFXConformance", "")) != profile.pdfx_conformance:
        problems.append(f"GTS_PDFXConformance is not {profile.pdfx_conformance}")
    if str(info.get("/Trapped", "")) not in ("/True", "/False"):
        problems.append("Trapped must be True or False")
    for key in ("/Title", "/CreationDate", "/ModDate"):
        if key not in info:
            problems.append(f"{key[1:]} missing")
    if "/ID" not in pdf.trailer:
        problems.append("trailer ID missing")
    if profile.xmp and "/Metadata" not in pdf.Root:
        problems.append("XMP metadata missing")
    figure = str(info.get("/GTS_PDFXVersion", "none"))
    return Check("PDF/X keys", FAIL if problems else PASS, figure, "; ".join(problems))


def _box(page, name):
    box = page.obj.get(name)
    return [float(v) for v in box] if box is not None else None


def _inside(inner, outer, tol=0.01) -> bool:
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol
            and inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol)


def _boxes(pdf) -> Check:
    problems = []
    for n, page in enumerate(pdf.pages, 1):
        media = [float(v) for v in page.mediabox]
        trim = _box(page, "/TrimBox") or _box(page, "/ArtBox")
        bleed = _box(page, "/BleedBox") or trim
        if trim is None:
            problems.append(f"page {n}: no TrimBox")
            continue
        if not _inside(trim, bleed) or not _inside(bleed, media):
            problems.append(f"page {n}: boxes not nested (Trim ⊆ Bleed ⊆ Media)")
    trim0 = _box(pdf.pages[0], "/TrimBox")
    fig = f"trim {(trim0[2] - trim0[0]) * 25.4 / 72:.1f} × {(trim0[3] - trim0[1]) * 25.4 / 72:.1f} mm" \
        if trim0 else "no TrimBox"
    return Check("page boxes", FAIL if problems else PASS, fig, "; ".join(problems))


def _fonts(pdf) -> Check:
    seen: dict = {}
    for page in pdf.pages:
        for name, font in (page.resources.get("/Font") or {}).items():
            seen[font.objgen] = font
    problems, names = [], []
    for font in seen.values():
        base = str(font.get("/BaseFont", "?"))
        names.append(base)
        subtype = font.get("/Subtype")
        if subtype == "/Type3":
            problems.append(f"{base}: Type 3 font")
            continue
        desc_font = font.DescendantFonts[0] if subtype == "/Type0" else font
        desc = desc_font.get("/FontDescriptor")
        if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            problems.append(f"{base}: not embedded")
        elif not re.match(r"^/[A-Z]{6}\+", base):
            problems.append(f"{base}: embedded whole, not as a subset")
        if "/ToUnicode" not in font:
            problems.append(f"{base}: no ToUnicode (text cannot be copied)")
    fig = f"{len(seen)} fonts, {len(seen) - len([p for p in problems if 'not embedded' in p])} embedded"
    status = FAIL if any("not embedded" in p or "Type 3" in p for p in problems) else \
        (WARN if problems else PASS)
    return Check("fonts", status, fig, "; ".join(problems))


def _forbidden(pdf, profile: PdfProfile) -> Check:
    problems = []
    if pdf.is_encrypted:
        problems.append("encrypted")
    root = pdf.Root
    if "/OpenAction" in root or "/AA" in root:
        problems.append("actions")
    names = root.get("/Names")
    if names is not None and "/JavaScript" in names:
        problems.append("JavaScript")
    for n, page in enumerate(pdf.pages, 1):
        if page.obj.get("/Annots"):
            problems.append(f"page {n}: annotations")
        if not profile.allow_transparency:
            for gs in (page.resources.get("/ExtGState") or {}).values():
                if gs.get("/SMask", "/None") != "/None" or float(gs.get("/ca", 1)) < 1 \
                        or float(gs.get("/CA", 1)) < 1:
                    problems.append(f"page {n}: transparency")
            if page.obj.get("/Group") is not None:
                problems.append(f"page {n}: transparency group")
    return Check("forbidden features", FAIL if problems else PASS,
                 "none" if not problems else str(len(problems)), "; ".join(sorted(set(problems))))


_RGB_SPACES = ("/DeviceRGB", "/CalRGB", "/Lab")


def _space_name(cs) -> str:
    if isinstance(cs, pikepdf.Array) and len(cs):
        head = str(cs[0])
        if head == "/ICCBased":
            n = int(cs[1].get("/N", 0))
            return {1: "/ICCGray", 3: "/ICCRGB", 4: "/ICCCMYK"}.get(n, "/ICCBased")
        if head in ("/Indexed",):
            return "/Indexed" + _space_name(cs[1])
        return head
    return str(cs)


def _content(pdf, profile: PdfProfile) -> tuple[Check, Check, Check]:
    """Walk every content stream: colour operators, text colours and sizes, rule weights."""
    rgb_uses: list[str] = []
    text_bad: list[str] = []
    thin: list[str] = []
    text_runs = k_only = 0
    min_rule = profile.min_rule
    for n, page in enumerate(pdf.pages, 1):
        res = page.resources
        for name, cs in (res.get("/ColorSpace") or {}).items():
            sn = _space_name(cs)
            if sn in _RGB_SPACES or sn in ("/ICCRGB", "/IndexedDeviceRGB"):
                rgb_uses.append(f"page {n}: colour space {name} is {sn}")
        for name, xo in (res.get("/XObject") or {}).items():
            if xo.get("/Subtype") == "/Image":
                sn = _space_name(xo.get("/ColorSpace", "/DeviceGray"))
                if "RGB" in sn or sn == "/Lab":
                    rgb_uses.append(f"page {n}: image {name} is {sn}")
        gstates = res.get("/ExtGState") or {}
        fill = ("g", (0.0,))
        overprint = False
        stack = []
        size = 0.0
        width = 1.0
        for operands, op in pikepdf.parse_content_stream(page):
            o = str(op)
            if o in ("rg", "RG", "scn", "SCN", "sc", "SC") and o.lower() == "rg":
                rgb_uses.append(f"page {n}: {o} operator")
            if o == "k":
                fill = ("k", tuple(float(v) for v in operands))
            elif o == "g":
                fill = ("g", tuple(float(v) for v in operands))
            elif o == "rg":
                fill = ("rg", tuple(float(v) for v in operands))
            elif o == "q":
                stack.append((fill, overprint, width))
            elif o == "Q" and stack:
                fill, overprint, width = stack.pop()
            elif o == "gs":
                g = gstates.get(str(operands[0]))
                if g is not None and "/op" in g:
                    overprint = bool(g.get("/op"))
            elif o == "Tf":
                size = float(operands[1])
            elif o == "w":
                width = float(operands[0])
            elif o in ("Tj", "TJ", "'", '"'):
                text_runs += 1
                kind, vals = fill
                inks = _inks(kind, vals)
                if inks == {"K"}:
                    k_only += 1
                    if not overprint:
                        text_bad.append(f"page {n}: K100 text without overprint")
                elif inks and len(inks) > 1 and size < SMALL_TEXT:
                    text_bad.append(f"page {n}: {size:g} pt text on {len(inks)} plates")
                elif kind == "rg":
                    text_bad.append(f"page {n}: RGB text")
            elif o in ("S", "s", "B", "B*", "b", "b*"):
                if width < min_rule - 1e-6:
                    thin.append(f"page {n}: {width:g} pt rule")
    colour = Check("colour spaces", FAIL if rgb_uses else PASS,
                   "no RGB" if not rgb_uses else f"{len(rgb_uses)} RGB", "; ".join(rgb_uses[:5]))
    uniq = sorted(set(text_bad))
    text = Check("text colour", FAIL if any("plates" in t or "RGB" in t for t in uniq) else
                 (WARN if uniq else PASS), f"{k_only}/{text_runs} runs K only", "; ".join(uniq[:5]))
    rules = Check("rule weights", FAIL if thin else PASS,
                  "all ≥ %.1f pt" % min_rule if not thin else f"{len(thin)} thin",
                  "; ".join(sorted(set(thin))[:5]))
    return colour, text, rules


def _inks(kind: str, vals: tuple) -> set[str]:
    if kind == "k" and len(vals) == 4:
        return {p for p, v in zip("CMYK", vals) if v > 0.001}
    if kind == "g" and vals:
        return {"K"} if vals[0] < 0.999 else set()
    if kind == "rg":
        return {"R", "G", "B"}
    return set()


def _tool(*args: str) -> str | None:
    if shutil.which(args[0]) is None:
        return None
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    return done.stdout if done.returncode == 0 else None


def _images(pdf_path: Path, profile: PdfProfile, accepted: str) -> Check:
    out = _tool("pdfimages", "-list", str(pdf_path))
    if out is None:
        return Check("images", WARN, "-", "pdfimages (poppler-utils) not available")
    rows = [ln.split() for ln in out.splitlines()[2:] if ln.strip()]
    if not rows:
        return Check("images", PASS, "no images")
    problems, warns, ppis = [], [], []
    for r in rows:
        kind, color, bpc, xppi, yppi = r[2], r[5], r[7], r[12], r[13]
        if kind == "smask" and not profile.allow_transparency:
            problems.append("image with a soft mask (transparency)")
        if color not in ("gray", "cmyk", "index") or color == "index":
            problems.append(f"image in {color}")
        if bpc not in ("8", "1"):
            problems.append(f"{bpc}-bit image")
        try:
            ppi = min(float(xppi), float(yppi))
        except ValueError:
            continue
        ppis.append(ppi)
        if ppi < profile.min_ppi_error:
            if accepted:
                warns.append(f"{ppi:.0f} ppi, accepted by the layout desk ({accepted})")
            else:
                problems.append(f"{ppi:.0f} ppi (below {profile.min_ppi_error})")
        elif ppi < profile.min_ppi_warn:
            warns.append(f"{ppi:.0f} ppi (below {profile.min_ppi_warn})")
    colours = ",".join(sorted({r[5] for r in rows}))
    fig = f"{len(rows)} images, {colours}, min {min(ppis):.0f} ppi" if ppis else f"{len(rows)} images"
    status = FAIL if problems else (WARN if warns else PASS)
    return Check("images", status, fig, "; ".join(problems + warns))


def total_ink(pdf_path: Path, dpi: int = INK_DPI) -> list[float] | None:
    """Highest C+M+Y+K of any pixel inside the trim, per page, in %."""
    if shutil.which("gs") is None:
        return None
    import numpy as np
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        pattern = str(Path(tmp) / "p%03d.tif")
        done = subprocess.run(
            ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-dUseTrimBox", "-sDEVICE=tiff32nc",
             f"-r{dpi}", "-dOverprint=/simulate", f"-sOutputFile={pattern}", str(pdf_path)],
            capture_output=True, timeout=600)
        if done.returncode != 0:
            return None
        peaks = []
        for f in sorted(Path(tmp).glob("p*.tif")):
            arr = np.asarray(Image.open(f).convert("CMYK"), dtype=np.float64)
            peaks.append(float(arr.sum(axis=2).max() / 255 * 100))
        return peaks


def ink_coverage(pdf_path: Path) -> list[tuple[float, float, float, float]] | None:
    """Mean coverage of C, M, Y, K per page (Ghostscript ink_cov), in %."""
    out = _tool("gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=ink_cov", "-o", "-",
                str(pdf_path))
    if out is None:
        return None
    pages = []
    for ln in out.splitlines():
        nums = re.findall(r"[\d.]+", ln)
        if len(nums) >= 4 and "CMYK" in ln:
            pages.append(tuple(float(v) for v in nums[:4]))
    return pages


def _total_ink(pdf_path: Path, limit: int) -> Check:
    peaks = total_ink(pdf_path)
    if peaks is None:
        return Check("total ink", WARN, "-", "Ghostscript not available or failed")
    peak = max(peaks) if peaks else 0.0
    status = FAIL if peak > limit + 1 else PASS   # +1 %: rounding of 8-bit separations
    return Check("total ink", status, f"max {peak:.0f} %", "" if status == PASS else
                 f"above the {limit} % limit")


def format_checks(pdf_name: str, checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    fw = max(len(c.figure) for c in checks)
    lines = [f"preflight {pdf_name}"]
    for c in checks:
        line = f"  {c.status}  {c.name.ljust(width)}  {c.figure.ljust(fw)}"
        if c.detail:
            line += f"  {c.detail}"
        lines.append(line.rstrip())
    return "\n".join(lines)
