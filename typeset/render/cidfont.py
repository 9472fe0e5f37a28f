"""One Type0 CID-keyed font per face, written into ReportLab's document at save time.

CFF faces (Noto CJK) become CIDFontType0 with a bare CFF `FontFile3 /CIDFontType0C`; TrueType
faces become CIDFontType2 with `FontFile2` and an identity CIDToGIDMap. The subset holds exactly
the glyphs used and is named by a hash of that glyph set, so pages from different runs never
clash. A ToUnicode CMap maps every code back to one text (`text_of`); where one glyph stands for
several texts (the 〓 mark for different missing characters, a vertical form shared by two
marks) the renderer adds /ActualText for the others. The compressed subset is kept in the
on-disk stream cache (`streamcache.py`), keyed by the font file, the glyph set and the libraries
that subset it, so a page written again does not subset again. See
`reference/cid-fonts-in-reportlab.md` for the ReportLab internals relied on here.
"""

from __future__ import annotations

import hashlib
import io
import zlib

import uharfbuzz as hb
from reportlab.pdfbase.pdfdoc import (
    PDFArray, PDFDictionary, PDFName, PDFObjectReference, PDFStream, PDFString,
)

from typeset.font.face import Face
from typeset.render import streamcache

FLATE_LEVEL = 6
_TRUETYPE_TABLES = {"glyf", "loca", "head", "hhea", "hmtx", "maxp", "cvt ", "fpgm", "prep"}


def _tag(s: str) -> int:
    return int.from_bytes(s.encode("ascii"), "big")


class CIDFontWriter:
    """Collects the glyphs a document uses from one face and writes the font objects."""

    def __init__(self, face: Face, resource: str) -> None:
        face.check_embeddable()
        self.face = face
        self.resource = resource
        self.used: dict[int, str] = {}      # code → text
        self._texts: dict[int, dict[str, int]] = {}

    # -- codes -------------------------------------------------------------------------
    def code(self, gid: int) -> int:
        """The code written in the content stream: the CID (CFF) or the glyph id (TrueType)."""
        if self.face.is_cff:
            return self.face.cid(gid)
        return gid

    def use(self, gid: int, text: str) -> int:
        code = self.code(gid)
        counts = self._texts.setdefault(code, {})
        counts[text] = counts.get(text, 0) + 1
        return code

    def text_of(self, code: int) -> str:
        """The text the ToUnicode CMap gives `code`: the text it stands for most often (then the
        first in code-point order, so the choice is stable). Glyphs drawn for another text are
        marked with /ActualText by the renderer. Code 0 (.notdef) maps to nothing."""
        counts = self._texts.get(code)
        if not counts or code == 0:
            return ""
        return min(counts, key=lambda t: (-counts[t], t))

    def texts_of(self, code: int) -> list[str]:
        return sorted(self._texts.get(code, {}))

    def codes_with_several_texts(self) -> list[int]:
        return [c for c in self._codes() if len(self._texts[c]) > 1 and c != 0]

    def gid_of_code(self, code: int) -> int:
        return self._gid_of_code(code)

    def width(self, gid: int) -> int:
        return self.face.gid_advance(gid)

    # -- writing -----------------------------------------------------------------------
    def _codes(self) -> list[int]:
        return sorted(self._texts)

    def _gid_of_code(self, code: int) -> int:
        if self.face.is_cff:
            return self.face.gid_of_cid(code)
        return code

    def tag(self) -> str:
        h = hashlib.sha256(f"{self.face.ps_name}|{self.face.ref.weight}|".encode()
                           + ",".join(map(str, self._codes())).encode()).digest()
        return "".join(chr(ord("A") + b % 26) for b in h[:6])

    def _subset(self) -> bytes:
        blob = hb.Blob.from_file_path(self.face.ref.path)
        hbface = hb.Face(blob, self.face.ref.index)
        inp = hb.SubsetInput()
        inp.glyph_set.add(0)
        for code in self._codes():
            inp.glyph_set.add(self._gid_of_code(code))
        flags = hb.SubsetFlags.NO_LAYOUT_CLOSURE | hb.SubsetFlags.NOTDEF_OUTLINE
        if self.face.is_cff:
            flags |= hb.SubsetFlags.DESUBROUTINIZE
        else:
            flags |= hb.SubsetFlags.RETAIN_GIDS
            for t in hbface.table_tags:
                if t not in _TRUETYPE_TABLES:
                    inp.drop_table_tag_set.add(_tag(t))
        inp.flags = flags
        sub = hb.subset(hbface, inp)
        if sub is None:
            raise RuntimeError(f"subsetting {self.face.ps_name} failed")
        if self.face.is_cff:
            return bytes(sub.reference_table("CFF ").data)
        return bytes(sub.blob.data)

    def _rename_cff(self, data: bytes, name: str) -> bytes:
        from fontTools.cffLib import CFFFontSet   # fontTools only when a CFF subset is written

        fs = CFFFontSet()
        fs.decompile(io.BytesIO(data), None)
        top = fs[fs.fontNames[0]]
        fs.fontNames = [name]
        out = io.BytesIO()

        class _Font:  # what CFFFontSet.compile needs to know about the font
            recalcBBoxes = False

        fs.compile(out, _Font())
        del top
        return out.getvalue()

    def _font_file(self, base: str) -> tuple[int, bytes]:
        """The subset's length and its Flate-compressed bytes, from the cache when this font
        file was subset to this glyph set before."""
        codes = ",".join(map(str, self._codes())).encode()
        key = ["font", streamcache.file_key(self.face.ref.path), self.face.ref.index, base,
               hashlib.sha256(codes).hexdigest(), self.face.is_cff, FLATE_LEVEL,
               zlib.ZLIB_RUNTIME_VERSION, streamcache.module_key("uharfbuzz"),
               streamcache.module_key("fontTools"), streamcache.code_key(__file__)]
        hit = streamcache.load(key) if key[1] is not None else None
        if hit is not None and isinstance(hit[0].get("length"), int):
            return hit[0]["length"], hit[1]
        font_bytes = self._subset()
        if self.face.is_cff:
            font_bytes = self._rename_cff(font_bytes, base)
        compressed = zlib.compress(font_bytes, FLATE_LEVEL)
        if key[1] is not None:
            streamcache.store(key, {"length": len(font_bytes)}, compressed)
        return len(font_bytes), compressed

    def _widths(self) -> PDFArray:
        runs: list = []
        cur_start, cur = None, []
        for code in self._codes():
            w = self.width(self._gid_of_code(code))
            if w == 1000:
                continue
            if cur_start is not None and code == cur_start + len(cur):
                cur.append(w)
            else:
                if cur_start is not None:
                    runs += [cur_start, PDFArray(cur)]
                cur_start, cur = code, [w]
        if cur_start is not None:
            runs += [cur_start, PDFArray(cur)]
        arr = PDFArray(runs)
        arr.multiline = False
        return arr

    def _to_unicode(self) -> bytes:
        lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
                 "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
                 "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
                 "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
        entries = []
        for code in self._codes():
            if code == 0:
                continue  # never map .notdef
            text = self.text_of(code)
            hexs = text.encode("utf-16-be").hex().upper()
            entries.append(f"<{code:04X}> <{hexs}>")
        for i in range(0, len(entries), 100):
            chunk = entries[i:i + 100]
            lines.append(f"{len(chunk)} beginbfchar")
            lines += chunk
            lines.append("endbfchar")
        lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
        return ("\n".join(lines) + "\n").encode("ascii")

    def addObjects(self, doc) -> None:  # noqa: N802 (ReportLab's hook name)
        """Called by ReportLab before the document is formatted."""
        tag = self.tag()
        ps = "".join(c for c in self.face.ps_name if c.isalnum() or c == "-")
        base = f"{tag}+{ps}"
        length, compressed = self._font_file(base)
        scale = 1000 / self.face.upem
        bbox = [round(v * scale) for v in self.face.bbox]
        file_dict = {"Filter": PDFName("FlateDecode")}
        if self.face.is_cff:
            file_dict["Subtype"] = PDFName("CIDFontType0C")
            file_key = "FontFile3"
        else:
            file_dict["Length1"] = length
            file_key = "FontFile2"
        font_file = PDFStream(PDFDictionary(file_dict), compressed, filters=None)
        descriptor = PDFDictionary({
            "Type": PDFName("FontDescriptor"),
            "FontName": PDFName(base),
            "Flags": 4,
            "FontBBox": PDFArray(bbox),
            "ItalicAngle": 0,
            "Ascent": round(self.face.typo_ascender * scale),
            "Descent": round(self.face.typo_descender * scale),
            "CapHeight": round(self.face.cap_height * scale) or 700,
            "StemV": 80,
            file_key: font_file,
        })
        descriptor.dict["FontBBox"].multiline = False
        cid_font = PDFDictionary({
            "Type": PDFName("Font"),
            "Subtype": PDFName("CIDFontType0" if self.face.is_cff else "CIDFontType2"),
            "BaseFont": PDFName(base),
            "CIDSystemInfo": PDFDictionary({"Registry": PDFString("Adobe"),
                                            "Ordering": PDFString("Identity"),
                                            "Supplement": 0}),
            "FontDescriptor": doc.Reference(descriptor, f"typeset.{self.resource}.Descriptor"),
            "DW": 1000,
            "W": self._widths(),
        })
        if not self.face.is_cff:
            cid_font.dict["CIDToGIDMap"] = PDFName("Identity")
        tounicode = PDFStream(PDFDictionary({}), b"", filters=None)
        tounicode.dictionary["Filter"] = PDFName("FlateDecode")
        tounicode.content = zlib.compress(self._to_unicode(), FLATE_LEVEL)
        type0 = PDFDictionary({
            "Type": PDFName("Font"),
            "Subtype": PDFName("Type0"),
            "BaseFont": PDFName(base + ("-Identity-H" if self.face.is_cff else "")),
            "Encoding": PDFName("Identity-H"),
            "DescendantFonts": PDFArray([doc.Reference(cid_font, f"typeset.{self.resource}.CIDFont")]),
            "ToUnicode": doc.Reference(tounicode, f"typeset.{self.resource}.ToUnicode"),
        })
        doc.Reference(type0, f"typeset.{self.resource}.Type0")
        doc.idToObject["BasicFonts"].dict[self.resource] = PDFObjectReference(
            f"typeset.{self.resource}.Type0")
