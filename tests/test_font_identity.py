"""Fast font facts agree with fontTools: the identity charset shortcut (glyph id = CID) and the
HarfBuzz-drawn ink bounds of the touch check."""

from __future__ import annotations

import glob
import random
from pathlib import Path

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from typeset.font.face import _cff_top_dict, _cid_keyed, _identity_charset, find_face, open_face

FACES = [("Noto Serif CJK SC", "regular"), ("Noto Sans CJK SC", "bold"), ("LXGW WenKai", "regular")]


def _face(family, weight):
    ref = find_face(family, weight)
    if ref is None:
        pytest.skip(f"{family} not installed")
    return open_face(ref)


@pytest.mark.parametrize("family,weight", FACES)
def test_cid_shortcut_agrees_with_the_charset(family, weight):
    face = _face(family, weight)
    if not face.is_cff:
        assert face.identity_cids == 0
        return
    assert face.identity_cids == face.font["maxp"].numGlyphs   # Noto CJK: glyph id = CID
    order = face.font.getGlyphOrder()                             # the slow, exact path
    for gid in random.Random(13).sample(range(len(order)), 500) + [0, 1, len(order) - 1]:
        want = int(order[gid][3:]) if order[gid].startswith("cid") else gid
        assert face.cid(gid) == want
        assert face.gid_of_cid(want) == (gid if want else 0)


def test_a_charset_with_a_gap_is_not_identity(tmp_path):
    face = _face("Noto Serif CJK SC", "regular")
    top, _, base = _cff_top_dict(face.font)
    data = bytearray(Path(face.ref.path).read_bytes())
    at = base + top[15][0] + 1                 # the first range's first CID
    assert data[at:at + 2] == b"\x00\x01"
    data[at:at + 2] = (2).to_bytes(2, "big")   # now starts at CID 2: glyph 1 is not CID 1
    bad = tmp_path / "gap.ttc"
    bad.write_bytes(bytes(data))
    assert _identity_charset(TTFont(str(bad), fontNumber=face.ref.index, lazy=True)) == 0
    assert _identity_charset(face.font) == face.font["maxp"].numGlyphs


@pytest.mark.parametrize("path", sorted(glob.glob("/usr/share/fonts/opentype/*/*.ot[fc]"))[:6]
                         + sorted(glob.glob("/usr/share/fonts/opentype/noto/*CJK*.ttc"))[:2])
def test_cff_top_dict_read_from_the_file_agrees_with_fonttools(path):
    font = TTFont(path, fontNumber=0, lazy=True)
    cff = font["CFF "].cff
    top = cff[cff.fontNames[0]]
    assert _cid_keyed(font) == hasattr(top, "ROS")
    raw, _, _ = _cff_top_dict(font)
    assert raw[15][0] == top.rawDict.get("charset", 0) or 15 not in raw


@pytest.mark.parametrize("family,weight", FACES)
def test_harfbuzz_ink_bounds_equal_fonttools_bounds(family, weight):
    face = _face(family, weight)
    glyphs = face.font.getGlyphSet()
    n = len(face.font.getGlyphOrder())
    for gid in random.Random(7).sample(range(n), 300):
        exact = BoundsPen(glyphs)
        glyphs[face.font.getGlyphName(gid)].draw(exact)
        fast = BoundsPen(None)
        face.hb_font.draw_glyph_with_pen(gid, fast)
        assert fast.bounds == exact.bounds, gid
