"""Font faces: found by family name through fontconfig, opened lazily with fontTools.

A Face knows its cmap and advances (in 1/1000 em). Debian's Noto CJK collections hold CFF
outlines in `.ttc` files and the Simplified-Chinese face is not at a fixed index, so faces are
always looked up by family and style, never by file position.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

from typeset.errors import InputError

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


@lru_cache(maxsize=1)
def installed_faces() -> tuple[FaceRef, ...]:
    """All faces fontconfig knows, sorted for determinism."""
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
    """An opened face: cmap, advances, and what the PDF writer needs about it."""

    ref: FaceRef
    font: TTFont = field(repr=False)
    cmap: dict[int, str] = field(repr=False)
    upem: int = 1000
    is_cff: bool = True
    ps_name: str = ""
    _adv: dict[str, int] = field(default_factory=dict, repr=False)
    _gid: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def key(self) -> str:
        """A short stable id used as the PDF resource name, from the face's identity."""
        digest = hashlib.sha256(f"{self.ps_name}|{self.ref.weight}".encode()).hexdigest()[:6]
        return "F" + "".join(c for c in self.ps_name if c.isalnum())[:24] + digest

    def has(self, ch: str) -> bool:
        return ord(ch) in self.cmap

    def gid(self, ch: str) -> int:
        """Glyph id (for Noto CJK CFF faces this is also the CID); 0 when missing."""
        g = self._gid.get(ch)
        if g is None:
            name = self.cmap.get(ord(ch))
            g = self.font.getGlyphID(name) if name else 0
            self._gid[ch] = g
        return g

    def advance(self, ch: str) -> int:
        """Advance of the glyph for `ch` in 1/1000 em."""
        a = self._adv.get(ch)
        if a is None:
            name = self.cmap.get(ord(ch))
            if name is None:
                a = 1000
            else:
                a = round(self.font["hmtx"][name][0] * 1000 / self.upem)
            self._adv[ch] = a
        return a

    def gid_advance(self, gid: int) -> int:
        name = self.font.getGlyphName(gid)
        return round(self.font["hmtx"][name][0] * 1000 / self.upem)


def _cid_keyed(font: TTFont) -> bool:
    cff = font["CFF "].cff
    return hasattr(cff[cff.fontNames[0]], "ROS")


@lru_cache(maxsize=64)
def open_face(ref: FaceRef) -> Face:
    """Open a face lazily (fontTools), caching it for the process."""
    path = Path(ref.path)
    try:
        font = TTFont(str(path), fontNumber=ref.index, lazy=True, recalcTimestamp=False,
                      recalcBBoxes=False)
        cmap = font.getBestCmap() or {}
        upem = font["head"].unitsPerEm
        ps = font["name"].getDebugName(6) or path.stem
        is_cff = "CFF " in font
    except Exception as exc:  # a corrupt or unreadable font file
        raise InputError(str(path), f"font file is damaged or not a font ({type(exc).__name__}: "
                         f"{exc})", hint="reinstall the font package or choose another font") from None
    if "CFF " in font and not _cid_keyed(font):
        raise InputError(str(path), "name-keyed CFF fonts (.otf) cannot be embedded as CID fonts "
                         "in PDF/X-1a", hint="use a TrueType (.ttf) or CID-keyed CFF font")
    return Face(ref, font, cmap, upem, is_cff, ps)
