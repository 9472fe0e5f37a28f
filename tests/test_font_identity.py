"""Fast font facts agree with fontTools: the identity charset shortcut (glyph id = CID) and the
HarfBuzz-drawn ink bounds of the touch check."""

from __future__ import annotations

import random

import pytest
from fontTools.pens.boundsPen import BoundsPen

from typeset.font.face import _identity_charset, find_face, open_face

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


def test_a_charset_with_a_gap_is_not_identity():
    face = _face("Noto Serif CJK SC", "regular")
    top = face.font["CFF "].cff.topDictIndex[0]
    f, offset = top.file, top.rawDict["charset"]
    original = f.getvalue()
    broken = bytearray(original)
    broken[offset + 1:offset + 3] = (2).to_bytes(2, "big")   # the first range starts at CID 2
    f.seek(0)
    f.write(bytes(broken))
    try:
        assert _identity_charset(face.font) == 0
    finally:
        f.seek(0)
        f.write(original)
    assert _identity_charset(face.font) == face.font["maxp"].numGlyphs


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
