"""Preflight: check any PDF against a print profile, the way a printing house's prepress would.

The file alone is judged. Structure is read with pikepdf (qpdf); every content stream (pages,
form XObjects, annotation appearances, Type 3 glyph procedures, tiling patterns, inline images)
is walked with its graphics state by `walk.py`, so colour, text colour, printed rule weights,
fonts and effective image resolution are found wherever they are used. Total ink is proved
from the same walk where every colour inside the trim is device grey or device CMYK and every
image's samples can be read (see walk.PageInk); only a page where that bound is unknown or above
the limit is rendered with Ghostscript's CMYK device and measured pixel by pixel. Each check gives a figure and PASS,
WARN or FAIL. Nothing in the PDF can excuse a failure: low-resolution images are accepted only
by name, passed in by the caller (`render` from the spec, or `--accept-low-resolution`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from typeset.errors import InputError
from typeset.prepress.profiles import PdfProfile, get_profile
from typeset.prepress.walk import DIGEST_CHARS, Findings, ImageUse, Walker

PASS, WARN, FAIL = "PASS", "WARN", "FAIL"
INK_DPI = 50                 # resolution of the total-ink render: enough for photos and tints
INK_SLACK_PX = 2             # paint this many render pixels past the trim may still reach it
SMALL_TEXT = 14.0            # pt: text below 四号 must print on one plate (§5 #7)


@dataclass
class Check:
    name: str
    status: str
    figure: str
    detail: str = ""

    def as_dict(self) -> dict:
        return {"check": self.name, "status": self.status, "figure": self.figure,
                "detail": self.detail}


def run_checks(pdf_path: Path, profile_name: str = "pdf-x1a", max_ink: int | None = None,
               accept_low_resolution: Iterable[str] = (), render_ink: bool = False) -> list[Check]:
    """Every check of `pdf_path` against a profile. Only the file is judged: images below the
    profile's resolution floor pass (as a WARN) only when named in `accept_low_resolution`
    (resource name or sample digest, as printed in the images row), never by a key in the file.
    `render_ink`: measure total ink with Ghostscript even where the content proves it."""
    profile = get_profile(profile_name)
    limit = max_ink if max_ink is not None else profile.max_ink
    accept = frozenset(accept_low_resolution)
    pdf = open_pdf(pdf_path)
    with pdf:
        try:
            found = Walker(profile, SMALL_TEXT, INK_SLACK_PX * 72 / INK_DPI).walk_pdf(pdf)
            checks = [
                _version(pdf, profile),
                _output_intent(pdf, profile),
                _pdfx_keys(pdf, profile),
                _boxes(pdf),
                _fonts(found),
                _forbidden(pdf, profile, found),
            ]
        except (pikepdf.PdfError, ValueError, KeyError, AttributeError, TypeError, IndexError) as exc:
            raise InputError(str(pdf_path), f"the PDF's structure cannot be read ({exc})",
                             hint="export the PDF again; preflight judges only complete PDFs") from None
        checks += list(_content(found, profile))
        checks.append(_images(found, profile, accept))
    proved = None if render_ink else proved_ink(found)
    checks.append(_proved_ink(proved, limit) if proved is not None and proved <= limit
                  else _total_ink(pdf_path, limit))
    return checks


def proved_ink(found: Findings) -> float | None:
    """The highest total ink (%) any page can carry inside its trim, from the content alone;
    None when some page's ink cannot be bounded without rendering it."""
    bounds = [page.bound() for page in found.ink]
    if any(b is None for b in bounds):
        return None
    return max(bounds, default=0.0)


def _proved_ink(bound: float, limit: int) -> Check:
    """Total ink bounded from the content, at or below the limit: no render needed (a bound
    above the limit may still be a page that passes, so those pages are rendered)."""
    return Check("total ink", PASS, f"at most {bound:.0f} % (from the content)")


def open_pdf(pdf_path: Path) -> pikepdf.Pdf:
    """Open a PDF for preflight, or raise InputError saying plainly why it cannot be checked."""
    path = Path(pdf_path)
    if not path.exists():
        raise InputError(str(path), "file not found")
    if not path.is_file():
        raise InputError(str(path), "is not a file", hint="give the path of a PDF file")
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({exc.strerror})") from None
    if b"%PDF-" not in head:
        raise InputError(str(path), "is not a PDF (no %PDF- header)",
                         hint="preflight checks PDF files; render a page spec with `typeset render`")
    try:
        pdf = pikepdf.open(str(path))
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise InputError(str(path), f"is a damaged or truncated PDF ({_short(exc)})",
                         hint="export or download the PDF again") from None
    try:
        pages = len(pdf.pages)
        warnings = pdf.get_warnings()
    except pikepdf.PdfError as exc:
        pages, warnings = 0, [str(exc)]
    if warnings or pages == 0:
        pdf.close()
        why = _short(Exception(warnings[-1])) if warnings else "no pages"
        raise InputError(str(path), f"is a damaged or truncated PDF ({why})",
                         hint="export or download the PDF again; qpdf had to repair it, so what "
                              "prints is not known") from None
    return pdf


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) < 160 else text[:157] + "…"


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


def _fonts(found: Findings) -> Check:
    """Every font in the resources of every stream walked: pages, forms, annotation
    appearances, Type 3 glyph procedures, patterns."""
    seen = found.fonts
    problems, names = [], []
    for font, where in seen.values():
        # where = "<stream> <resource name>"; the name stands in for a missing /BaseFont
        base = str(font.get("/BaseFont", where.rsplit(" ", 1)[-1]))
        if "›" in where or "annotation" in where:
            base = f"{base} (in {where.rsplit(' ', 1)[0]})"
        names.append(base)
        subtype = font.get("/Subtype")
        if subtype == "/Type3":
            problems.append(f"{base}: Type 3 font")
            continue
        desc_font = font.DescendantFonts[0] if subtype == "/Type0" and "/DescendantFonts" in font \
            else font
        desc = desc_font.get("/FontDescriptor")
        if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            problems.append(f"{base}: not embedded")
        elif not re.match(r"^/[A-Z]{6}\+", base):
            problems.append(f"{base}: embedded whole, not as a subset")
        if "/ToUnicode" not in font:
            problems.append(f"{base}: no ToUnicode (text cannot be copied)")
    bad = len([p for p in problems if "not embedded" in p or "Type 3" in p])
    fig = f"{len(seen)} fonts, {len(seen) - bad} embedded"
    status = FAIL if any("not embedded" in p or "Type 3" in p for p in problems) else \
        (WARN if problems else PASS)
    return Check("fonts", status, fig, "; ".join(problems))


def _forbidden(pdf, profile: PdfProfile, found: Findings) -> Check:
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
        if not profile.allow_transparency and page.obj.get("/Group") is not None:
            problems.append(f"page {n}: transparency group")
    problems += found.transparency
    problems += found.broken
    return Check("forbidden features", FAIL if problems else PASS,
                 "none" if not problems else str(len(set(problems))), _first(sorted(set(problems))))


def _content(f: Findings, profile: PdfProfile) -> tuple[Check, Check, Check]:
    """Colour, text colour and rule weights from the walk of every content stream."""
    where = f"{f.streams} content stream{'s' if f.streams != 1 else ''}"
    colour = Check("colour spaces", FAIL if f.colour else PASS,
                   f"no colour {profile.name} forbids, {where}" if not f.colour
                   else f"{len(f.colour)} forbidden", _first(f.colour))
    text_bad = sorted(set(f.text))
    warn = sorted(set(f.text_warn))
    text = Check("text colour", FAIL if text_bad else (WARN if warn else PASS),
                 f"{f.k_only_runs}/{f.text_runs} runs K only", _first(text_bad + warn))
    thin = sorted(set(f.thin))
    fig = f"all ≥ {profile.min_rule:g} pt" if not thin else f"{len(f.thin)} thin"
    if f.thinnest is not None:
        fig += f", thinnest {f.thinnest:.2f} pt on paper"
    rules = Check("rule weights", FAIL if thin else PASS, fig, _first(thin))
    return colour, text, rules


def _first(items: list[str], n: int = 5) -> str:
    more = f" (and {len(items) - n} more)" if len(items) > n else ""
    return "; ".join(items[:n]) + more


def accepted(use: ImageUse, accept: frozenset[str]) -> bool:
    """An image is accepted when a name given by the caller is its resource name (with or
    without the slash) or at least the first 8 hex digits of its sample digest."""
    for a in accept:
        a = a.strip().lstrip("/")
        if not a:
            continue
        if a == use.name and use.name != "inline":
            return True
        hexa = a.lower().removeprefix("sha256:")
        if len(hexa) >= 8 and use.digest.startswith(hexa[:DIGEST_CHARS]):
            return True
    return False


def _images(f: Findings, profile: PdfProfile, accept: frozenset[str]) -> Check:
    if not f.images:
        return Check("images", PASS, "no images")
    problems, warns = [], []
    for use in f.images:
        label = use.label()
        if use.soft_mask and not profile.allow_transparency:
            problems.append(f"{label}: soft mask (transparency)")
        if use.bpc not in (1, 8):
            problems.append(f"{label}: {use.bpc}-bit")
        if use.space.family == "unknown" and not use.stencil:
            problems.append(f"{label}: colour space cannot be determined")
        if use.ppi < profile.min_ppi_error:
            if accepted(use, accept):
                warns.append(f"{label}: {use.ppi:.0f} ppi, accepted (named by the caller)")
            else:
                problems.append(f"{label}: {use.ppi:.0f} ppi (below {profile.min_ppi_error}; "
                                f"accept with --accept-low-resolution {use.name if use.name != 'inline' else use.digest})")
        elif use.ppi < profile.min_ppi_warn:
            warns.append(f"{label}: {use.ppi:.0f} ppi (below {profile.min_ppi_warn})")
    spaces = ",".join(sorted({u.space.describe() if not u.stencil else "stencil" for u in f.images}))
    low = min(u.ppi for u in f.images)
    fig = f"{len(f.images)} image{'s' if len(f.images) != 1 else ''}, {spaces}, min {low:.0f} ppi"
    status = FAIL if problems else (WARN if warns else PASS)
    return Check("images", status, fig, _first(problems + warns))


def _tool(*args: str) -> str | None:
    if shutil.which(args[0]) is None:
        return None
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    return done.stdout if done.returncode == 0 else None


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
