"""The font facts read straight from the sfnt tables (`face.read_facts_direct`, no fontTools)
equal what fontTools gives (`face.read_facts`) for every installed face, each face of every
collection (.ttc) included; anything the direct reader does not handle exactly goes to
fontTools."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from typeset.font import face as F


def _faces() -> list[tuple[str, int]]:
    """Every (file, index) fontconfig lists, and every index of each collection it lists."""
    out: set[tuple[str, int]] = set()
    for ref in F.installed_faces():
        if not ref.path.endswith((".ttf", ".otf", ".ttc", ".otc")):
            continue                                # Type 1 (.pfb, .t1): not sfnt fonts
        if ref.path.endswith((".ttc", ".otc")):
            with open(ref.path, "rb") as f:
                head = f.read(12)
            if head[:4] == b"ttcf":
                out.update((ref.path, i) for i in range(struct.unpack(">I", head[8:12])[0]))
                continue
        out.add((ref.path, ref.index))
    return sorted(out)


def test_the_project_fonts_are_among_the_faces_compared():
    files = {p for p, _ in _faces()}
    for family, weight in [("Noto Serif CJK SC", "regular"), ("Noto Sans CJK SC", "bold"),
                           ("LXGW WenKai", "regular"), ("HanaMinA", "regular")]:
        ref = F.find_face(family, weight)
        assert ref is not None, f"{family} is not installed; run scripts/setup.sh"
        assert (ref.path, ref.index) in _faces()
    assert any(p.endswith(".ttc") for p in files)


def test_direct_facts_equal_fonttools_facts_for_every_installed_face():
    faces = _faces()
    assert len(faces) > 20
    for path, index in faces:
        name = Path(path).stem
        want = F.read_facts(TTFont(path, fontNumber=index, lazy=True), name)
        got = F.read_facts_direct(path, index, name)
        assert got == want, (path, index)
        assert [type(v) for v in got.values()] == [type(v) for v in want.values()]


def _with_table(data: bytes, tag: bytes, change) -> bytes:
    """A copy of a plain (non-collection) font with one table's bytes changed in place."""
    n = struct.unpack(">H", data[4:6])[0]
    for k in range(n):
        t, _s, off, length = struct.unpack(">4sIII", data[12 + 16 * k:28 + 16 * k])
        if t == tag:
            out = bytearray(data)
            out[off:off + length] = change(bytes(data[off:off + length]))
            return bytes(out)
    raise AssertionError(f"no {tag!r} table")


def _plain_font() -> Path:
    for ref in F.installed_faces():
        if ref.path.endswith((".ttf", ".otf")):
            return Path(ref.path)
    pytest.fail("no plain .ttf/.otf font installed; run scripts/setup.sh")


def test_what_the_direct_reader_does_not_handle_goes_to_fonttools(tmp_path, monkeypatch):
    data = _plain_font().read_bytes()
    odd_version = _with_table(data, b"OS/2", lambda t: b"\x00\x09" + t[2:])  # OS/2 version 9
    path = tmp_path / "odd.ttf"
    path.write_bytes(odd_version)
    with pytest.raises(F._Odd):
        F.read_facts_direct(str(path), 0, "odd")
    with pytest.raises(F._Odd):                    # an index into a single font
        F.read_facts_direct(str(_plain_font()), 1, "x")
    type1 = [r.path for r in F.installed_faces() if r.path.endswith(".pfb")]
    if type1:
        with pytest.raises(F._Odd):                # not an sfnt font at all
            F.read_facts_direct(type1[0], 0, "x")
    # open_face: a damaged font is still reported by fontTools' reading
    monkeypatch.setenv("TYPESET_CACHE", "off")
    F.open_face.cache_clear()
    with pytest.raises(Exception, match="damaged or not a font"):
        F.open_face(F.FaceRef(str(path), 0, "Odd", 80))
    F.open_face.cache_clear()


def test_a_cold_open_face_reads_facts_without_fonttools(monkeypatch):
    """open_face on an empty cache takes the direct reader's facts: fontTools' TTFont is not
    opened (its import is what a cold run saves)."""
    monkeypatch.setenv("TYPESET_CACHE", "off")
    opened = []
    monkeypatch.setattr(F, "_open_ttfont", lambda ref: opened.append(ref) or TTFont(ref.path))
    F.open_face.cache_clear()
    try:
        ref = F.find_face("Noto Serif CJK SC", "regular")
        face = F.open_face(ref)
        assert face.facts == F.read_facts(TTFont(ref.path, fontNumber=ref.index, lazy=True),
                                          Path(ref.path).stem)
        assert opened == []
    finally:
        F.open_face.cache_clear()


NAME_CASES = {
    "windows and mac": [(1, 0, 0, "MacName-Regular"), (3, 1, 0x409, "WinName-Regular")],
    "mac only": [(1, 0, 0, "MacOnly-Regular")],
    "chinese windows only": [(3, 1, 0x804, "宋体-常规")],
    "chinese then english": [(3, 1, 0x804, "中文名"), (3, 1, 0x409, "English-Name")],
    "unicode platform": [(0, 3, 0, "UnicodeName")],
    "double encoded": [(1, 0, 0, "\0D\0o\0u\0b\0l\0e")],
    "empty english, mac": [(3, 1, 0x409, ""), (1, 0, 0, "MacFallback")],
    "none": [],
}


@pytest.mark.parametrize("case", list(NAME_CASES))
def test_the_postscript_name_is_chosen_as_fonttools_chooses_it(case, tmp_path):
    """name id 6 in the orders and encodings fonts carry it: the same answer as fontTools'
    getDebugName (Windows English first, then Mac English, then any)."""
    font = TTFont(str(_plain_font()))
    table = font["name"]
    table.names = [n for n in table.names if n.nameID != 6]
    for platform, encoding, lang, text in NAME_CASES[case]:
        table.setName(text, 6, platform, encoding, lang)
    path = tmp_path / "named.ttf"
    font.save(str(path))
    want = F.read_facts(TTFont(str(path), lazy=True), "named")
    assert F.read_facts_direct(str(path), 0, "named") == want
