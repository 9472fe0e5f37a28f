"""PDF/X identification written into ReportLab's document: info keys, output intent, XMP.

Dates come from the page spec (the issue date), never the clock, so reruns stay byte-identical.
XMP (PDF/X-4) carries the xmpMM identifiers: DocumentID names the page (paper, date, page,
section: stable across versions of the same page), InstanceID names this rendition (the hash of
the file's content, filled in by render/pdf.py's `identify`), VersionID and RenditionClass.
Nothing here tells preflight what to accept: acceptances are passed to it, never read from a file.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase.pdfdoc import (
    PDFArray, PDFDictionary, PDFInfo, PDFName, PDFStream, PDFString,
)

from typeset.prepress.profiles import CONDITIONS, PdfProfile

PRODUCER = "typeset"
# Stands in the XMP for the InstanceID until the file's hash is known (same length as a uuid: URN).
INSTANCE_PLACEHOLDER = "uuid:" + "0" * 8 + "-" + "0" * 4 + "-" + "0" * 4 + "-" + "0" * 4 + "-" + "0" * 12
VERSION_ID = "1"              # xmpMM:VersionID: typeset writes each rendition as version 1
RENDITION_CLASS = "default"   # xmpMM:RenditionClass: the document itself, not a proof or thumbnail


def xmp_uuid(hexdigest: str) -> str:
    """A uuid: URN made of the first 32 hex digits of a hash (name-based, version 5 layout)."""
    h = list(hexdigest[:32])
    h[12] = "5"                                   # version nibble
    h[16] = "89ab"[int(h[16], 16) % 4]            # RFC 4122 variant
    s = "".join(h)
    return f"uuid:{s[:8]}-{s[8:12]}-{s[12:16]}-{s[16:20]}-{s[20:32]}"


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
    identity: str = ""             # what names the page across versions (spec name, page …)


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


def document_id(s: DocumentSettings) -> str:
    """The page's identity across versions: a hash of what names it, not of its content."""
    name = "|".join((s.identity, s.title, s.date, s.subject))
    return xmp_uuid(hashlib.sha256(name.encode("utf-8")).hexdigest())


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
   <xmpMM:DocumentID>{document_id(s)}</xmpMM:DocumentID>
   <xmpMM:InstanceID>{INSTANCE_PLACEHOLDER}</xmpMM:InstanceID>
   <xmpMM:VersionID>{VERSION_ID}</xmpMM:VersionID>
   <xmpMM:RenditionClass>{RENDITION_CLASS}</xmpMM:RenditionClass>
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
