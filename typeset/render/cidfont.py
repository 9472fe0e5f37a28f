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
import importlib
import io
import sys
import types
import zlib

import uharfbuzz as hb
from reportlab.pdfbase.pdfdoc import (
    PDFArray, PDFDictionary, PDFName, PDFObjectReference, PDFStream, PDFString,
)

from typeset.font.face import Face
from typeset.render import streamcache

FLATE_LEVEL = 6
_TRUETYPE_TABLES = {"glyf", "loca", "head", "hhea", "hmtx", "maxp", "cvt ", "fpgm", "prep"}
_CFF_TABLES = {"CFF "}


def _tag(s: str) -> int:
    return int.from_bytes(s.encode("ascii"), "big")


_OT_TABLES = "fontTools.ttLib.tables.otTables"


class _OTTablesLater(types.ModuleType):
    """Stands for fontTools' otTables while fontTools.cffLib is imported: the real module is
    imported on first use of one of its names."""

    def __getattr__(self, attr: str):
        return getattr(importlib.import_module(_OT_TABLES), attr)


def _cff_lib():
    """fontTools.cffLib, imported without building fontTools' OpenType table classes
    (otTables, ≈ 30 ms of a cold render's ≈ 40 ms for cffLib). cffLib names them at import but
    uses them only for a CFF2 font's variation store, which a CFF table never has: while it is
    imported, a stand-in that imports the real module on first use takes otTables' place in
    sys.modules, and is taken out again right after (a later import gets the real module)."""
    lib = sys.modules.get("fontTools.cffLib")
    if lib is not None:
        return lib
    if _OT_TABLES in sys.modules:
        return importlib.import_module("fontTools.cffLib")
    sys.modules[_OT_TABLES] = _OTTablesLater(_OT_TABLES)
    try:
        return importlib.import_module("fontTools.cffLib")
    finally:
        if isinstance(sys.modules.get(_OT_TABLES), _OTTablesLater):
            del sys.modules[_OT_TABLES]


def subset_font(path, index: int, gids, cff: bool) -> bytes | None:
    """HarfBuzz's subset of a face to `gids` (and .notdef): the bare CFF table of a CFF face
    (desubroutinised), else a TrueType font of the outline tables with glyph ids kept."""
    blob = hb.Blob.from_file_path(path)
    hbface = hb.Face(blob, index)
    inp = hb.SubsetInput()
    inp.glyph_set.add(0)
    for gid in gids:
        inp.glyph_set.add(gid)
    flags = hb.SubsetFlags.NO_LAYOUT_CLOSURE | hb.SubsetFlags.NOTDEF_OUTLINE
    if cff:
        flags |= hb.SubsetFlags.DESUBROUTINIZE
    else:
        flags |= hb.SubsetFlags.RETAIN_GIDS
    # only the tables that go into the PDF are subset (for a CFF face, the CFF table alone:
    # the same bytes as when cmap, GSUB, GPOS, vmtx… are subset with it, in less time)
    keep = _CFF_TABLES if cff else _TRUETYPE_TABLES
    for t in hbface.table_tags:
        if t not in keep:
            inp.drop_table_tag_set.add(_tag(t))
    inp.flags = flags
    sub = hb.subset(hbface, inp)
    if sub is None:
        return None
    if cff:
        return bytes(sub.reference_table("CFF ").data)
    return bytes(sub.blob.data)


def rename_cff(data: bytes, name: str) -> bytes:
    """A bare CFF with its one font named `name`: fontTools decompiles and compiles it."""
    fs = _cff_lib().CFFFontSet()
    fs.decompile(io.BytesIO(data), None)
    top = fs[fs.fontNames[0]]
    fs.fontNames = [name]
    out = io.BytesIO()

    class _Font:  # what CFFFontSet.compile needs to know about the font
        recalcBBoxes = False

    fs.compile(out, _Font())
    del top
    return out.getvalue()


class CIDFontWriter:
    """Collects the glyphs a document uses from one face and writes the font objects."""

    def __init__(self, face: Face, resource: str) -> None:
        face.check_embeddable()
        self.face = face
        self.resource = resource
        self.used: dict[int, str] = {}      # code → text
        self._texts: dict[int, dict[str, int]] = {}
        # codes that stand for several texts, set by the renderer once every glyph is registered
        self.several: frozenset[int] = frozenset()
        self._memo: dict | None = None

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

    def codes_of(self, glyphs) -> list[int]:
        """`code` of every glyph of a run."""
        if not self.face.is_cff:
            return [g.gid for g in glyphs]
        identity, cid = self.face.identity_cids, self.face.cid
        return [g.gid if 0 <= g.gid < identity else cid(g.gid) for g in glyphs]

    def use_glyphs(self, glyphs) -> None:
        """`use` for every glyph of a run (the same counts, without a call per glyph)."""
        texts = self._texts
        cff = self.face.is_cff
        identity = self.face.identity_cids if cff else 0
        cid = self.face.cid
        for g in glyphs:
            gid = g.gid
            code = gid if not cff or 0 <= gid < identity else cid(gid)
            counts = texts.get(code)
            if counts is None:
                counts = texts[code] = {}
            counts[g.text] = counts.get(g.text, 0) + 1

    def share_counts(self, texts: dict[int, dict[str, int]], memo: dict) -> None:
        """Take the counts `use` would have made (code → text → uses) from a long-lived
        tally (render/pdf.py, watch); they must not change while this writer writes. `memo`
        keeps what the writer made of them (subset, widths, ToUnicode) and is emptied by the
        tally whenever a code or the text of a code may have changed."""
        self._texts = texts
        self._memo = memo

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

    def several_texts(self) -> list[int]:
        """codes_with_several_texts, once all glyphs are registered: also kept as `several`
        (and in the memo of counts shared with a long-lived tally)."""
        several = self._memo.get("several") if self._memo is not None else None
        if several is None:
            several = self.codes_with_several_texts()
            if self._memo is not None:
                self._memo["several"] = several
        self.several = frozenset(several)
        return several

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
        gids = [self._gid_of_code(code) for code in self._codes()]
        data = subset_font(self.face.ref.path, self.face.ref.index, gids, self.face.is_cff)
        if data is None:
            raise RuntimeError(f"subsetting {self.face.ps_name} failed")
        return data

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
            font_bytes = rename_cff(font_bytes, base)
        compressed = zlib.compress(font_bytes, FLATE_LEVEL)
        if key[1] is not None:
            streamcache.store(key, {"length": len(font_bytes)}, compressed)
        return len(font_bytes), compressed

    def _make(self) -> tuple[str, int, bytes, list, bytes]:
        """What the font objects hold: the subset's name, length and compressed bytes, the
        /W runs and the compressed ToUnicode CMap."""
        tag = self.tag()
        ps = "".join(c for c in self.face.ps_name if c.isalnum() or c == "-")
        base = f"{tag}+{ps}"
        length, compressed = self._font_file(base)
        return (base, length, compressed, self._widths(),
                zlib.compress(self._to_unicode(), FLATE_LEVEL))

    @staticmethod
    def _width_array(widths: list) -> PDFArray:
        arr = PDFArray([PDFArray(list(w)) if isinstance(w, tuple) else w for w in widths])
        arr.multiline = False
        return arr

    def _widths(self) -> list:
        """/W as runs: first code, then a tuple of the widths of consecutive codes (codes of
        the default width 1000 left out)."""
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
                    runs += [cur_start, tuple(cur)]
                cur_start, cur = code, [w]
        if cur_start is not None:
            runs += [cur_start, tuple(cur)]
        return runs

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
        made = self._memo.get("made") if self._memo is not None else None
        if made is None:
            made = self._make()
            if self._memo is not None:
                self._memo["made"] = made
        base, length, compressed, widths, tounicode_z = made
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
            "W": self._width_array(widths),
        })
        if not self.face.is_cff:
            cid_font.dict["CIDToGIDMap"] = PDFName("Identity")
        tounicode = PDFStream(PDFDictionary({}), b"", filters=None)
        tounicode.dictionary["Filter"] = PDFName("FlateDecode")
        tounicode.content = tounicode_z
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
