"""Font subsets kept in the cache on disk (typeset/cache.py): a page set again with the same
glyphs of a face embeds the font program an earlier run made, without HarfBuzz subsetting it,
fontTools renaming it and zlib compressing it again (≈ 0.1 s for the sample page's five faces).

The key is everything the bytes depend on: the font file (path, size, mtime) and face index, the
glyph ids, the subset's name, the compression level, the versions of zlib, uharfbuzz and
fontTools and the source of the code that makes the subset.
"""

from __future__ import annotations

import hashlib
import zlib

from typeset import cache

KEEP = 400          # subsets kept (most recently used); a few KiB to a few hundred KiB each


def font_program(writer, name: str, level: int) -> tuple[int, bytes]:
    """The embedded font program of a CIDFontWriter's glyphs named `name`: its length and its
    bytes compressed at zlib `level`, from the cache or made (`writer._subset`, then
    `_rename_cff` for CFF, then compressed) and stored there."""
    face = writer.face
    gids = sorted({0} | {writer.gid_of_code(c) for c in writer._codes()})
    font = cache.file_key(face.ref.path)
    key = None if font is None else [
        font, face.ref.index, face.is_cff, name, level, zlib.ZLIB_RUNTIME_VERSION,
        hashlib.sha256(",".join(map(str, gids)).encode()).hexdigest(), len(gids),
        [cache.module_key(m) for m in ("uharfbuzz", "fontTools")],
        cache.source_key("typeset.render.cidfont", "typeset.render.subsetcache")]
    entry = "subsets/" + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + ".bin"
    if key is not None:
        found = cache.load_bytes(entry, key)
        if found is not None and isinstance(found[0], int):
            return found[0], found[1]
    data = writer._subset()
    if face.is_cff:
        data = writer._rename_cff(data, name)
    compressed = zlib.compress(data, level)
    if key is not None:
        cache.store_bytes(entry, key, len(data), compressed, keep=KEEP)
    return len(data), compressed
