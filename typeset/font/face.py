"""Font faces: found by family name through fontconfig, read through HarfBuzz.

A Face knows its cmap and advances (in 1/1000 em). Debian's Noto CJK collections hold CFF
outlines in `.ttc` files and the Simplified-Chinese face is not at a fixed index, so faces are
always looked up by family and style, never by file position.

The few table facts the layout and the PDF writer need (units per em, PostScript name, CFF or
TrueType, glyph id = CID, bounding box, ascent …) are read once with fontTools and kept in the
cache on disk (`typeset/cache.py`), keyed by the font file's path, size and mtime and by the
fontTools version; a run that finds them there never imports fontTools. So is the list of
installed faces, keyed by the fontconfig setup and the mtimes of the font folders.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from typeset import cache
from typeset.errors import InputError

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont

_WEIGHTS = {"thin": 0, "extralight": 40, "light": 50, "regular": 80, "normal": 80,
            "medium": 100, "semibold": 180, "bold": 200, "extrabold": 205, "black": 210,
            "heavy": 210}


@dataclass(frozen=True)
class FaceRef:
    """Where a face lives: file and index inside a collection."""

    path: str
    index: int
    family: str
    weight: int


# fontconfig's environment, config files and cache folders: a change to any of them (a font
# package installed and `fc-cache` run, a config edited) changes the key of the cached face list.
_FC_ENV = ("FONTCONFIG_FILE", "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT", "HOME", "XDG_CONFIG_HOME",
           "XDG_DATA_HOME", "XDG_CACHE_HOME")
_FC_PLACES = ("/etc/fonts", "/etc/fonts/fonts.conf", "/etc/fonts/conf.d", "/var/cache/fontconfig",
              "/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.fonts.conf",
              "~/.config/fontconfig", "~/.config/fontconfig/fonts.conf",
              "~/.config/fontconfig/conf.d", "~/.local/share/fonts", "~/.cache/fontconfig")
_FACES_CACHE = "installed-faces.json"


def _fontconfig_key(folders: list[str]) -> list:
    """What the installed-face list depends on: fontconfig's environment, config files and cache
    folders, and the mtime of every folder holding a listed font and of its parents (a font
    added to or removed from a folder changes the folder's mtime)."""
    env = [os.environ.get(k) for k in _FC_ENV]
    places = {os.path.expanduser(p) for p in _FC_PLACES} | set(folders)
    for var, sub in (("XDG_CONFIG_HOME", "fontconfig"), ("XDG_DATA_HOME", "fonts"),
                     ("XDG_CACHE_HOME", "fontconfig")):
        if os.environ.get(var):
            places.add(os.path.join(os.environ[var], sub))
    return [env, [cache.file_key(p) for p in sorted(places)]]


def _font_folders(files) -> list[str]:
    """The folders of `files` and their parents (below the second level: not / or /usr)."""
    out: set[str] = set()
    for f in files:
        d = os.path.dirname(f)
        while d not in out and d.count(os.sep) >= 2:
            out.add(d)
            d = os.path.dirname(d)
    return sorted(out)


@lru_cache(maxsize=1)
def installed_faces() -> tuple[FaceRef, ...]:
    """All faces fontconfig knows, sorted for determinism: from the cache on disk while
    fontconfig's setup and the font folders are unchanged, else from `fc-list` (started ahead
    by `list_faces_ahead` when it was called)."""
    global _ahead
    ahead, _ahead = _ahead, None
    if ahead is not None:
        thread, box = ahead
        if thread is None:
            return box[0]                   # the cache answered when asked ahead
        thread.join()
        faces = box[0] if box else _list_faces()
    else:
        stored = _cached_faces()
        if stored is not None:
            return stored
        faces = _list_faces()
    if faces:
        folders = _font_folders({f.path for f in faces})
        cache.store(_FACES_CACHE, "fc-list", {
            "folders": folders, "key": _fontconfig_key(folders),
            "rows": [[f.path, f.index, f.family, f.weight] for f in faces]})
    return faces


def _cached_faces() -> tuple[FaceRef, ...] | None:
    """The face list from the cache on disk, or None when it is missing or stale."""
    stored = cache.load(_FACES_CACHE, "fc-list")
    try:
        if stored["key"] == cache.as_stored(_fontconfig_key(stored["folders"])):
            return tuple(FaceRef(str(p), int(i), str(fam), int(w)) for p, i, fam, w in stored["rows"])
    except (TypeError, KeyError, ValueError):
        pass            # no entry, another setup, or not our format: list the faces again
    return None


# (thread, [faces]) of `list_faces_ahead`; thread None when the cache answered.
_ahead: tuple | None = None


def list_faces_ahead() -> None:
    """Find the installed faces ahead of need (the pipeline calls it before loading a spec):
    when the cached list is stale or missing, `fc-list` (≈ 10 ms, mostly waiting for the child)
    runs in a thread while the spec loads; `installed_faces` takes its answer."""
    global _ahead
    if _ahead is not None or installed_faces.cache_info().currsize:
        return
    stored = _cached_faces()
    if stored is not None:
        _ahead = (None, [stored])
        return
    import threading

    box: list = []
    thread = threading.Thread(target=lambda: box.append(_list_faces()), daemon=True,
                              name="typeset-fc-list")
    thread.start()
    _ahead = (thread, box)


def forget_faces_ahead() -> None:
    """Drop what `list_faces_ahead` found when it was not used (the run failed before fonts
    were opened), so a later run lists afresh."""
    global _ahead
    ahead, _ahead = _ahead, None
    if ahead is not None and ahead[0] is not None:
        ahead[0].join()         # fc-list reaped


def _list_faces() -> tuple[FaceRef, ...]:
    """All faces fontconfig knows (`fc-list`), sorted for determinism."""
    try:
        out = subprocess.run(
            ["fc-list", "-f", "%{file}\t%{index}\t%{family}\t%{weight}\n"],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    faces = []
    for row in out.splitlines():
        parts = row.split("\t")
        if len(parts) != 4:
            continue
        path, index, families, weight = parts
        try:
            idx = int(index)
            wt = int(float(weight.split()[0].strip("[]"))) if weight else 80
        except ValueError:
            continue
        for fam in families.split(","):
            faces.append(FaceRef(path, idx, fam.strip(), wt))
    return tuple(sorted(set(faces), key=lambda f: (f.family, f.weight, f.path, f.index)))


def find_face(family: str, weight: str | int = "regular") -> FaceRef | None:
    """The installed face of `family` closest to `weight` (a name or a fontconfig weight)."""
    want = _WEIGHTS.get(str(weight).lower(), None) if not isinstance(weight, int) else weight
    if want is None:
        raise ValueError(f"unknown weight {weight!r}; use one of {', '.join(_WEIGHTS)}")
    matches = [f for f in installed_faces() if f.family.lower() == family.lower()]
    if not matches:
        return None
    return min(matches, key=lambda f: (abs(f.weight - want), f.path, f.index))


def known_families() -> list[str]:
    return sorted({f.family for f in installed_faces()})


@dataclass(eq=False)
class Face:
    """An opened face: cmap, advances and outlines through HarfBuzz (fast, lazy); the table
    facts the PDF writer needs (head, OS/2, CFF charset) from `facts` (see `read_facts`);
    fontTools (`font`) only opened where a face needs more (glyph names of a CFF face whose
    glyph ids are not its CIDs)."""

    ref: FaceRef
    hb_font: object = field(repr=False)
    facts: dict = field(repr=False)
    _adv: dict[str, int] = field(default_factory=dict, repr=False)
    _gid: dict[str, int] = field(default_factory=dict, repr=False)
    _shaped: dict[str, list] = field(default_factory=dict, repr=False)
    _ink: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)

    upem: int = field(init=False)
    is_cff: bool = field(init=False)
    ps_name: str = field(init=False)

    def __post_init__(self) -> None:
        # plain attributes: read in the layout's inner loops
        self.upem, self.is_cff = self.facts["upem"], self.facts["is_cff"]
        self.ps_name = self.facts["ps_name"]

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        """The head table's font bounding box (xMin, yMin, xMax, yMax), font units."""
        return tuple(self.facts["bbox"])

    @property
    def typo_ascender(self) -> int:
        return self.facts["ascender"]

    @property
    def typo_descender(self) -> int:
        return self.facts["descender"]

    @property
    def cap_height(self) -> int:
        """OS/2 sCapHeight in font units (700 when the table is too old to have it)."""
        return self.facts["cap_height"]

    @property
    def font(self) -> TTFont:
        """The face through fontTools, opened on first use (lazily: tables parse when read)."""
        font = self.__dict__.get("_font")
        if font is None:
            font = self.__dict__["_font"] = _open_ttfont(self.ref)
        return font

    @property
    def key(self) -> str:
        """A short stable id used as the PDF resource name, from the face's identity."""
        cached = self.__dict__.get("_key")
        if cached:
            return cached
        digest = hashlib.sha256(f"{self.ps_name}|{self.ref.weight}".encode()).hexdigest()[:6]
        self.__dict__["_key"] = "F" + "".join(c for c in self.ps_name if c.isalnum())[:24] + digest
        return self.__dict__["_key"]

    def gid(self, ch: str) -> int:
        """Glyph id (for Noto CJK CFF faces this is also the CID); 0 when missing."""
        g = self._gid.get(ch)
        if g is None:
            g = self.hb_font.get_nominal_glyph(ord(ch)) or 0
            self._gid[ch] = g
        return g

    def has(self, ch: str) -> bool:
        return self.gid(ch) != 0

    def advance(self, ch: str) -> int:
        """Advance of the glyph for `ch` in 1/1000 em (1 em when the face lacks it)."""
        a = self._adv.get(ch)
        if a is None:
            g = self.gid(ch)
            a = self.gid_advance(g) if g else 1000
            self._adv[ch] = a
        return a

    def ink(self, ch: str) -> tuple[int, int]:
        """Left and right edge of the ink of `ch` from its origin, 1/1000 em ((0, advance)
        for a blank or missing glyph)."""
        cached = self._ink.get(ch)
        if cached is not None:
            return cached
        g = self.gid(ch)
        ext = self.hb_font.get_glyph_extents(g) if g else None
        if not ext or ext.width == 0:
            value = (0, self.advance(ch))
        else:
            value = (round(ext.x_bearing * 1000 / self.upem),
                     round((ext.x_bearing + ext.width) * 1000 / self.upem))
        self._ink[ch] = value
        return value

    def shape(self, text: str) -> list[tuple[int, int, int, int]]:
        """Shape a Latin run with HarfBuzz (kerning on, ligatures off so every glyph stands for
        one character): [(gid, cluster, x advance, x offset)] in 1/1000 em."""
        import uharfbuzz as hb

        cached = self._shaped.get(text)
        if cached is not None:
            return cached
        buf = hb.Buffer()
        buf.add_str(text)
        buf.direction, buf.script, buf.language = "ltr", "Latn", "en"
        hb.shape(self.hb_font, buf, {"kern": True, "liga": False, "clig": False})
        k = 1000 / self.upem
        out = [(info.codepoint, info.cluster, round(pos.x_advance * k), round(pos.x_offset * k))
               for info, pos in zip(buf.glyph_infos, buf.glyph_positions)]
        if len(self._shaped) < 20000:
            self._shaped[text] = out
        return out

    def gid_advance(self, gid: int) -> int:
        return round(self.hb_font.get_glyph_h_advance(gid) * 1000 / self.upem)

    @property
    def identity_cids(self) -> int:
        """Number of glyphs when glyph id = CID for every glyph (Noto CJK), else 0. Read from
        the first bytes of the CFF charset, so the 65,535 glyph names are never built."""
        return self.facts["identity_cids"]

    def cid(self, gid: int) -> int:
        """The CID of a glyph of a CID-keyed CFF face (from the CFF charset)."""
        if 0 <= gid < self.identity_cids:
            return gid
        name = self.font.getGlyphName(gid)
        return int(name[3:]) if name.startswith("cid") else gid

    def gid_of_cid(self, cid: int) -> int:
        if 0 <= cid < self.identity_cids:
            return cid
        return self.font.getGlyphID(f"cid{cid:05d}") if cid else 0

    def check_embeddable(self) -> None:
        if self.is_cff and not self.facts["cid_keyed"]:
            raise InputError(self.ref.path, "name-keyed CFF fonts (.otf) cannot be embedded as "
                             "CID fonts in PDF/X-1a", hint="use a TrueType (.ttf) or CID-keyed "
                             "CFF font")


_OP_CHARSET = 15          # CFF Top DICT operator: offset of the charset
_OP_ROS = 1230            # 12 30: Registry-Ordering-Supplement, present in CID-keyed fonts


def _cff_top_dict(font: TTFont) -> tuple[dict[int, list], object, int] | None:
    """The operators of the first CFF Top DICT of a face opened with fontTools, read with a few
    seeks in the font file (the table directory fontTools already holds), so the 15 MB CFF table
    of a Noto CJK face is never loaded: (operator → operands, file, offset of the CFF table), or
    None without a CFF table."""
    entry = font.reader.tables.get("CFF ") if font.reader is not None else None
    if entry is None:
        return None
    return _cff_top_dict_at(font.reader.file, entry.offset)


def _cff_top_dict_at(f, base: int) -> tuple[dict[int, list], object, int] | None:
    """The first CFF Top DICT of the CFF table at offset `base` of file `f` (see above)."""
    f.seek(base)
    _major, _minor, hdr_size, _off_size = f.read(4)

    def index_items(at: int) -> tuple[list[tuple[int, int]], int]:
        f.seek(at)
        count = int.from_bytes(f.read(2), "big")
        if count == 0:
            return [], at + 2
        size = f.read(1)[0]
        raw = f.read((count + 1) * size)
        offs = [int.from_bytes(raw[k * size:(k + 1) * size], "big") for k in range(count + 1)]
        data = at + 3 + (count + 1) * size - 1          # offsets count from 1
        return [(data + offs[k], data + offs[k + 1]) for k in range(count)], data + offs[-1]

    _names, after_names = index_items(base + hdr_size)
    tops, _ = index_items(after_names)
    if not tops:
        return None
    f.seek(tops[0][0])
    return _parse_dict(f.read(tops[0][1] - tops[0][0])), f, base


def _parse_dict(b: bytes) -> dict[int, list]:
    """A CFF DICT: operands (integers; reals skipped as None) before each operator."""
    out: dict[int, list] = {}
    operands: list = []
    k = 0
    while k < len(b):
        b0 = b[k]
        if b0 <= 21:
            op = b0
            if b0 == 12:
                op, k = 1200 + b[k + 1], k + 1
            out[op], operands = operands, []
            k += 1
        elif b0 == 28:
            operands.append(int.from_bytes(b[k + 1:k + 3], "big", signed=True))
            k += 3
        elif b0 == 29:
            operands.append(int.from_bytes(b[k + 1:k + 5], "big", signed=True))
            k += 5
        elif b0 == 30:                      # a real: nibbles up to the 0xf terminator
            k += 1
            while b[k] & 0x0F != 0x0F and b[k] >> 4 != 0x0F:
                k += 1
            operands.append(None)
            k += 1
        elif 32 <= b0 <= 246:
            operands.append(b0 - 139)
            k += 1
        elif 247 <= b0 <= 250:
            operands.append((b0 - 247) * 256 + b[k + 1] + 108)
            k += 2
        elif 251 <= b0 <= 254:
            operands.append(-(b0 - 251) * 256 - b[k + 1] - 108)
            k += 2
        else:
            raise ValueError(f"CFF DICT byte {b0}")
    return out


def _identity_charset(font: TTFont) -> int:
    """The glyph count of a CID-keyed CFF face whose charset maps every glyph id to the same
    CID (charset format 1 or 2 ranges starting at CID 1 and running on without a gap), else 0."""
    try:
        return _identity_charset_of(_cff_top_dict(font), lambda: font["maxp"].numGlyphs)
    except Exception:  # any surprise: the exact path through fontTools' charset
        return 0


def _identity_charset_of(found, num_glyphs) -> int:
    """`_identity_charset` from a Top DICT as `_cff_top_dict` gives it and a function giving
    the face's glyph count (maxp)."""
    if found is None:
        return 0
    top, f, base = found
    offset = (top.get(_OP_CHARSET) or [0])[0]
    if _OP_ROS not in top or not isinstance(offset, int) or offset <= 2:
        return 0            # not CID-keyed, or a predefined (name-keyed) charset
    n = num_glyphs()
    f.seek(base + offset)
    fmt = f.read(1)[0]
    if fmt not in (1, 2):
        return 0
    size = 3 if fmt == 1 else 4          # first CID (2 bytes), glyphs left (1 or 2)
    gid = 1                               # glyph 0 is .notdef, outside the charset
    while gid < n:
        rec = f.read(size)
        if len(rec) < size:
            return 0
        first = int.from_bytes(rec[:2], "big")
        left = int.from_bytes(rec[2:], "big")
        if first != gid:
            return 0
        gid += left + 1
    return n if gid == n else 0


def _cid_keyed(font: TTFont) -> bool:
    try:
        found = _cff_top_dict(font)
        if found is not None:
            return _OP_ROS in found[0]
    except Exception:  # an odd table: let fontTools read it
        pass
    cff = font["CFF "].cff
    return hasattr(cff[cff.fontNames[0]], "ROS")


# Bumped whenever read_facts changes what it reads or how: older cached facts are then misses.
FACTS_VERSION = 1

_SFNT_VERSIONS = (b"\x00\x01\x00\x00", b"OTTO", b"true")
# OS/2 table length by version, as fontTools reads it (format 0: 78 bytes; 1: + code page
# ranges; 2–4: + x height, cap height …; 5: + optical sizes)
_OS2_LENGTH = {0: 78, 1: 86, 2: 96, 3: 96, 4: 96, 5: 100}
_UTF16_NAMES = {(0, None), (3, 0), (3, 1), (3, 10)}   # (platform, encoding): UTF-16BE strings


class _Odd(Exception):
    """Something the direct reader leaves to fontTools."""


def read_facts_direct(path: str, index: int, name: str) -> dict:
    """`read_facts` without fontTools: the same facts read straight from the sfnt tables of the
    file (a collection's face `index`) with `struct`. Raises _Odd for anything it does not
    handle exactly as fontTools does (WOFF, an unknown table version, a short table, a name it
    would have to repair), and the caller asks fontTools."""
    import struct

    with open(path, "rb") as f:
        head = f.read(12)
        base = 0
        if head[:4] == b"ttcf":
            count = struct.unpack(">I", head[8:12])[0]
            if not 0 <= index < count:
                raise _Odd("no such face in the collection")
            f.seek(12 + 4 * index)
            base = struct.unpack(">I", f.read(4))[0]
            f.seek(base)
            head = f.read(12)
        elif index != 0:
            raise _Odd("an index into a single font")
        if len(head) < 12 or head[:4] not in _SFNT_VERSIONS:
            raise _Odd("not a plain sfnt")
        n_tables = struct.unpack(">H", head[4:6])[0]
        raw = f.read(16 * n_tables)
        if len(raw) < 16 * n_tables:
            raise _Odd("short table directory")
        tables = {}
        for k in range(n_tables):
            tag, _sum, off, length = struct.unpack(">4sIII", raw[16 * k:16 * k + 16])
            tables[tag] = (off, length)

        def table(tag: bytes, need: int) -> bytes:
            off, length = tables[tag]
            if length < need:
                raise _Odd(f"short {tag!r} table")
            f.seek(off)
            data = f.read(length)
            if len(data) < length:
                raise _Odd(f"truncated {tag!r} table")
            return data

        hd = table(b"head", 54)
        upem = struct.unpack(">H", hd[18:20])[0]
        bbox = list(struct.unpack(">4h", hd[36:44]))
        if b"OS/2" in tables:
            os2 = table(b"OS/2", 78)
            version = struct.unpack(">H", os2[:2])[0]
            if version not in _OS2_LENGTH or len(os2) < _OS2_LENGTH[version]:
                raise _Odd("an OS/2 table fontTools would reject or read differently")
            ascender, descender = struct.unpack(">hh", os2[68:72])
            cap_height = struct.unpack(">h", os2[88:90])[0] if version >= 2 else 700
        else:
            hh = table(b"hhea", 36)
            ascender, descender = struct.unpack(">hh", hh[4:8])
            cap_height = 700
        ps_name = _debug_name(table(b"name", 6), 6)
        is_cff = b"CFF " in tables
        identity = cid_keyed = 0
        if is_cff:
            try:
                found = _cff_top_dict_at(f, tables[b"CFF "][0])
            except Exception as exc:  # noqa: BLE001 — an odd CFF table: fontTools reads it
                raise _Odd("CFF Top DICT") from exc
            if found is None:
                raise _Odd("no CFF Top DICT")
            cid_keyed = _OP_ROS in found[0]
            try:
                identity = _identity_charset_of(
                    found, lambda: struct.unpack(">H", table(b"maxp", 6)[4:6])[0])
            except Exception:  # noqa: BLE001 — as `_identity_charset`: no identity
                identity = 0
    return {
        "upem": int(upem),
        "ps_name": ps_name or name,
        "is_cff": is_cff,
        "identity_cids": int(identity),
        "cid_keyed": bool(cid_keyed),
        "bbox": bbox,
        "ascender": int(ascender),
        "descender": int(descender),
        "cap_height": int(cap_height),
    }


def _debug_name(data: bytes, name_id: int) -> str | None:
    """fontTools' `name.getDebugName(name_id)` for the names it decodes without repairs:
    the Windows English name, else the Mac English one, else the last one decoded."""
    import struct

    _fmt, count, string_offset = struct.unpack(">HHH", data[:6])
    strings = data[string_offset:]
    english = mac_english = some = None
    for k in range(count):
        rec = data[6 + 12 * k:18 + 12 * k]
        if len(rec) < 12:
            raise _Odd("malformed name record")
        platform, encoding, lang, nid, length, offset = struct.unpack(">6H", rec)
        if offset + length > len(strings):
            raise _Odd("malformed name record")
        if nid != name_id:
            continue
        raw = strings[offset:offset + length]
        if (platform, None if platform == 0 else encoding) in _UTF16_NAMES:
            if length % 2:
                raise _Odd("odd-length UTF-16 name")
            try:
                text = raw.decode("utf_16_be")
            except UnicodeDecodeError as exc:
                raise _Odd("undecodable name") from exc
        elif (platform, encoding, lang) == (1, 0, 0):
            text = raw.decode("mac_roman")
        else:
            raise _Odd("a name in an encoding left to fontTools")
        if all(ord(c) == 0 if i % 2 == 0 else (0x20 <= ord(c) <= 0x7E or ord(c) in (9, 10, 13))
               for i, c in enumerate(text)):
            text = text[1::2]               # fontTools' fix-up of a double-encoded name
        some = text
        if (platform, lang) == (3, 0x409):
            english = text
            break
        if (platform, lang) == (1, 0) and mac_english is None:
            mac_english = text
    return english or mac_english or some or None


def read_facts(font: TTFont, name: str) -> dict:
    """The table facts of a face that layout and the PDF writer use, read through fontTools
    (`name`: the PostScript name to use when the face has none)."""
    is_cff = "CFF " in font
    head = font["head"]
    if "OS/2" in font:
        os2 = font["OS/2"]
        ascender, descender = os2.sTypoAscender, os2.sTypoDescender
        cap_height = getattr(os2, "sCapHeight", 700)   # version 0 and 1 tables have none
    else:                       # an old Mac font: the hhea metrics instead
        ascender, descender, cap_height = font["hhea"].ascent, font["hhea"].descent, 700
    return {
        "upem": int(head.unitsPerEm),
        "ps_name": font["name"].getDebugName(6) or name,
        "is_cff": is_cff,
        "identity_cids": _identity_charset(font) if is_cff else 0,
        "cid_keyed": _cid_keyed(font) if is_cff else False,
        "bbox": [int(head.xMin), int(head.yMin), int(head.xMax), int(head.yMax)],
        "ascender": int(ascender),
        "descender": int(descender),
        "cap_height": int(cap_height),
    }


_FACT_TYPES = {"upem": int, "ps_name": str, "is_cff": bool, "identity_cids": int,
               "cid_keyed": bool, "bbox": list, "ascender": int, "descender": int,
               "cap_height": int}


def _valid_facts(facts) -> bool:
    """Cached facts of the right names and types (a damaged or foreign entry is a miss)."""
    return (isinstance(facts, dict) and set(facts) == set(_FACT_TYPES)
            and all(type(facts[k]) is t for k, t in _FACT_TYPES.items())
            and len(facts["bbox"]) == 4 and all(type(v) is int for v in facts["bbox"]))


def _facts_key(ref: FaceRef) -> list:
    return [FACTS_VERSION, cache.file_key(ref.path), ref.index, cache.module_key("fontTools")]


def _facts_entry(ref: FaceRef) -> str:
    digest = hashlib.sha256(f"{ref.path}\0{ref.index}".encode()).hexdigest()[:24]
    return f"font-facts/{digest}.json"


def _open_ttfont(ref: FaceRef) -> TTFont:
    from fontTools.ttLib import TTFont

    return TTFont(str(ref.path), fontNumber=ref.index, lazy=True, recalcTimestamp=False,
                  recalcBBoxes=False)


def _damaged(path: Path, exc: Exception) -> InputError:
    return InputError(str(path), f"font file is damaged or not a font ({type(exc).__name__}: "
                      f"{exc})", hint="reinstall the font package or choose another font")


@lru_cache(maxsize=64)
def open_face(ref: FaceRef) -> Face:
    """Open a face (HarfBuzz), its table facts from the cache on disk or else read with
    fontTools (and stored there); cached for the process."""
    path = Path(ref.path)
    key = _facts_key(ref)
    facts = cache.load(_facts_entry(ref), key) if key[1] is not None else None
    if not _valid_facts(facts):
        try:
            facts = read_facts_direct(ref.path, ref.index, path.stem)
        except Exception:  # noqa: BLE001 — anything odd: fontTools reads it (or says what's wrong)
            facts = None
        if facts is None:
            try:
                font = _open_ttfont(ref)
                facts = read_facts(font, path.stem)
                font.close()
            except Exception as exc:  # a corrupt or unreadable font file
                raise _damaged(path, exc) from None
        if key[1] is not None:
            cache.store(_facts_entry(ref), key, facts)
    try:
        import uharfbuzz as hb

        hb_face = hb.Face(hb.Blob.from_file_path(str(path)), ref.index)
        hb_font = hb.Font(hb_face)
    except Exception as exc:  # a corrupt or unreadable font file
        raise _damaged(path, exc) from None
    return Face(ref, hb_font, facts)

