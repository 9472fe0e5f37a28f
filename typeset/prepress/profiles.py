"""PDF output profiles (PDF/X variants) as a registry: adding a printer's own is one entry.

A profile says which PDF version and PDF/X identification to write, what the output intent
needs, and the limits preflight enforces. Values follow typesetting-rules.md §5.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OutputCondition:
    """A registered printing condition (ICC characterization registry at color.org)."""

    identifier: str
    info: str
    registry: str = "http://www.color.org"


# Registered characterizations newspapers use. IFRA26 = ISO 12647-3 coldset newsprint (26 % TVI).
CONDITIONS: dict[str, OutputCondition] = {
    "IFRA26": OutputCondition("IFRA26", "ISO 12647-3:2004 coldset offset on newsprint, 26 % dot gain"),
    "IFRA30": OutputCondition("IFRA30", "ISO 12647-3:2004 coldset offset on newsprint, 30 % dot gain"),
    "FOGRA39": OutputCondition("FOGRA39", "ISO 12647-2:2004 offset on coated paper (PT 1/2)"),
}


@dataclass(frozen=True)
class PdfProfile:
    name: str
    pdf_version: tuple[int, int]
    pdfx_version: str                   # GTS_PDFXVersion
    pdfx_conformance: str | None        # GTS_PDFXConformance (X-1a only)
    needs_icc: bool                     # OutputIntent must embed a DestOutputProfile
    xmp: bool                           # XMP metadata with pdfxid:GTS_PDFXVersion
    allow_transparency: bool = False
    allow_icc: bool = False             # ICC-based, calibrated and Lab colour (device-independent)
    min_ppi_error: int = 100            # below: FAIL (unless accepted by name, never by the file)
    min_ppi_warn: int = 200             # below: WARN (newsprint wants 200–300 ppi)
    max_ink: int = 240                  # % total area coverage (newsprint, §5 #9)
    min_rule: float = 0.3               # pt, thinnest printable rule (§5 #15)
    notes: tuple[str, ...] = field(default_factory=tuple)


PROFILES: dict[str, PdfProfile] = {}


def register(profile: PdfProfile) -> PdfProfile:
    PROFILES[profile.name] = profile
    return profile


register(PdfProfile("pdf-x1a", (1, 3), "PDF/X-1:2001", "PDF/X-1a:2001", needs_icc=False,
                    xmp=False))
register(PdfProfile("pdf-x4", (1, 6), "PDF/X-4", None, needs_icc=True, xmp=True,
                    allow_transparency=True, allow_icc=True))


def get_profile(name: str) -> PdfProfile:
    return PROFILES[name]
