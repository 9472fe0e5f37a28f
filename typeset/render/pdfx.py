"""PDF/X identification written into ReportLab's document: info keys, output intent, XMP.

Dates come from the page spec (the issue date), never the clock, so reruns stay byte-identical.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase.pdfdoc import (
    PDFArray, PDFDictionary, PDFInfo, PDFName, PDFStream, PDFString,
)

from typeset.prepress.profiles import CONDITIONS, PdfProfile

PRODUCER = "typeset"


@dataclass
class DocumentSettings:
    title: str = ""
    author: str = "typeset"
    subject: str = ""
    date: str = ""                 # ISO date of the issue; empty → 2000-01-01
    profile: PdfProfile | None = None
    condition: str = "IFRA26"
    icc: Path | None = None
    bleed: float = 0.0             # pt
    crop_marks: bool = False
    accepted_low_resolution: str = ""   # photos the layout desk accepted below 100 ppi


def pdf_date(iso: str) -> str:
    """D:YYYYMMDD000000+08'00' — midnight Beijing time of the issue date."""
    y, m, d = (iso or "2000-01-01").split("-")
    return f"D:{y}{m}{d}000000+08'00'"


def xmp_date(iso: str) -> str:
    return f"{iso or '2000-01-01'}T00:00:00+08:00"


class _Info(PDFInfo):
    """Document info with PDF/X keys and dates from the spec."""

    def __init__(self, s: DocumentSettings) -> None:
        super().__init__()
        self.s = s

    def digest(self, md5object) -> None:
        md5object.update(f"{self.s.title}|{self.s.date}|{self.s.subject}".encode())

    def format(self, document):
        s = self.s
        d = {
            "Title": PDFString(s.title or "untitled"),
            "Author": PDFString(s.author),
            "Subject": PDFString(s.subject),
            "Creator": PDFString(PRODUCER),
            "Producer": PDFString(PRODUCER),
            "CreationDate": PDFString(pdf_date(s.date)),
            "ModDate": PDFString(pdf_date(s.date)),
            "Trapped": PDFName("False"),
        }
        if s.accepted_low_resolution:
            d["TypesetAcceptedLowResolution"] = PDFString(s.accepted_low_resolution)
        if s.profile is not None:
            d["GTS_PDFXVersion"] = PDFString(s.profile.pdfx_version)
            if s.profile.pdfx_conformance:
                d["GTS_PDFXConformance"] = PDFString(s.profile.pdfx_conformance)
        return PDFDictionary(d).format(document)


def apply_profile(doc, s: DocumentSettings) -> None:
    """Replace the info dictionary and add the output intent (and XMP) to the catalog."""
    doc.info = _Info(s)
    if s.profile is None:
        return
    cond = CONDITIONS.get(s.condition)
    intent = {
        "Type": PDFName("OutputIntent"),
        "S": PDFName("GTS_PDFX"),
        "OutputConditionIdentifier": PDFString(cond.identifier if cond else s.condition),
        "OutputCondition": PDFString(cond.info if cond else s.condition),
        "Info": PDFString(cond.info if cond else s.condition),
        "RegistryName": PDFString(cond.registry if cond else "http://www.color.org"),
    }
    if s.icc is not None:
        data = Path(s.icc).read_bytes()
        profile = PDFStream(PDFDictionary({"N": 4, "Filter": PDFName("FlateDecode")}),
                            zlib.compress(data, 9), filters=None)
        intent["DestOutputProfile"] = doc.Reference(profile, "typeset.OutputProfile")
        if not cond:
            intent["Info"] = PDFString(Path(s.icc).stem)
    cat = doc.Catalog
    cat.OutputIntents = PDFArray([PDFDictionary(intent)])
    names = list(cat.__NoDefault__) + ["OutputIntents"]
    if s.profile.xmp:
        cat.Metadata = doc.Reference(_xmp(s), "typeset.XMP")
        names.append("Metadata")
    cat.__NoDefault__ = names


def _xmp(s: DocumentSettings) -> PDFStream:
    date = xmp_date(s.date)
    title = (s.title or "untitled").replace("&", "&amp;").replace("<", "&lt;")
    xml = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:format>application/pdf</dc:format>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
   <xmp:CreatorTool>{PRODUCER}</xmp:CreatorTool>
   <pdf:Producer>{PRODUCER}</pdf:Producer>
   <pdf:Trapped>False</pdf:Trapped>
   <pdfxid:GTS_PDFXVersion>{s.profile.pdfx_version}</pdfxid:GTS_PDFXVersion>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return _RawStream(PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}),
                      xml.encode("utf-8"))


class _RawStream(PDFStream):
    """An unfiltered stream (XMP metadata stays readable as plain XML)."""

    def format(self, document):
        d = PDFDictionary(dict(self.dictionary.dict))
        d["Length"] = len(self.content)
        return d.format(document) + b"\nstream\n" + self.content + b"endstream\n"
